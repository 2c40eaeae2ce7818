"""The database survives the server being killed in the middle of writes: it stays whole, and
every change the server acknowledged is there. Writes go through BEGIN IMMEDIATE transactions,
and a writer waits for another rather than failing."""

import http.client
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import request_started

from tests.conftest import EMAIL_OF_ROLE, csrf_token, form_state
from tracker import audit
from tracker.db import BUSY_TIMEOUT_SECONDS, get_db, open_database, write_transaction
from tracker.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
KILLS = 3
# Acknowledged writes of each kind to wait for before the kill, in each round.
WRITES_BEFORE_KILL = 8
# Has no update yet in the demo's current quarter, so drafts can be saved on it again and again.
RECOMMENDATION = 3
CURRENT_QUARTER = "2022/23 Q4"
UPDATE_FORM = f"/recommendations/{RECOMMENDATION}/update"
PEOPLE_FORM = "/boards/1/people/new"


class Browser:
    """Just enough of a browser over plain HTTP: keeps its cookies, follows no redirects."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def get(self, path: str) -> tuple[int, str]:
        return self._send("GET", path)

    def post(self, path: str, form: dict) -> tuple[int, str]:
        return self._send("POST", path, form)

    def _send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database: Path, folder: Path) -> tuple[subprocess.Popen, int]:
    """The real server, `flask run`, in its own process on the given database."""
    port = free_port()
    environment = {
        **os.environ,
        "TRACKER_DATABASE": str(database),
        "TRACKER_SECRET_KEY": secrets.token_hex(32),
        "TRACKER_SECURE_COOKIES": "false",
        "TRACKER_EVIDENCE_FOLDER": str(folder / "evidence"),
        "FLASK_DEBUG": "0",  # no reloader: the process killed is the one serving
    }
    log = folder / f"server-{port}.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "run", "run", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            pytest.fail(f"The server stopped on its own:\n{log.read_text()}")
        try:
            if Browser(port).get("/sign-in")[0] == 200:
                return server, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"The server did not start:\n{log.read_text()}")
        time.sleep(0.1)


class Writer(threading.Thread):
    """Sends one kind of change again and again, one at a time, noting each the server
    acknowledged, until the server stops answering."""

    def __init__(self, browser: Browser, send):
        super().__init__(daemon=True)
        self.browser, self.send = browser, send
        self.acknowledged: list[str] = []
        self.ended_by: str = ""

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, label = self.send(self.browser, len(self.acknowledged))
            except (OSError, http.client.HTTPException) as error:
                self.ended_by = f"cut off: {type(error).__name__}"
                return
            if status != 302:
                self.ended_by = f"answered {status}"
                return
            self.acknowledged.append(label)
        self.ended_by = "ran out of time"


def sign_in_over_http(port: int) -> Browser:
    browser = Browser(port)
    _, page = browser.get("/sign-in")
    status, _ = browser.post(
        "/sign-in",
        {
            "email": EMAIL_OF_ROLE["administrator"],
            "password": DEMO_PASSWORD,
            "csrf_token": form_token(page),
        },
    )
    assert status == 302
    return browser


def draft_saver(round_number: int, browser: Browser) -> Writer:
    """Saves draft after draft of the update, each a new revision built on the last."""
    _, page = browser.get(UPDATE_FORM)
    token = form_token(page)
    first = int(re.search(r'name="based_on" value="(\d+)"', page)[1])
    quarter = re.search(r'name="quarter" value="([^"]+)"', page)[1]

    def save(browser: Browser, saved: int) -> tuple[int, str]:
        narrative = f"Round {round_number}, draft {saved + 1}"
        status, _ = browser.post(
            UPDATE_FORM,
            {
                "csrf_token": token,
                "based_on": first + saved,
                "quarter": quarter,
                "action": "draft",
                "status": "amber",
                "narrative": narrative,
            },
        )
        return status, narrative

    return Writer(Browser(browser.port, browser.cookies), save)


def person_adder(round_number: int, browser: Browser) -> Writer:
    """Adds person after person to the board's directory."""
    token = form_token(browser.get(PEOPLE_FORM)[1])

    def add(browser: Browser, added: int) -> tuple[int, str]:
        name = f"Round {round_number} person {added + 1}"
        status, _ = browser.post(PEOPLE_FORM, {"csrf_token": token, "name": name})
        return status, name

    return Writer(Browser(browser.port, browser.cookies), add)


def test_killing_the_server_mid_write_loses_no_acknowledged_change(database_path, tmp_path):
    acknowledged_drafts: list[str] = []
    acknowledged_people: list[str] = []
    for round_number in range(1, KILLS + 1):
        server, port = start_server(database_path, tmp_path)
        try:
            browser = sign_in_over_http(port)
            writers = [draft_saver(round_number, browser), person_adder(round_number, browser)]
            for writer in writers:
                writer.start()
            deadline = time.monotonic() + 20
            while any(len(writer.acknowledged) < WRITES_BEFORE_KILL for writer in writers):
                assert all(writer.is_alive() for writer in writers), [w.ended_by for w in writers]
                assert time.monotonic() < deadline, "the writes were too slow"
                time.sleep(0.02)
            time.sleep(0.015 * round_number)  # so each kill lands at a different point
        finally:
            server.kill()  # SIGKILL: no clean shutdown, no checkpoint
            server.wait()
        for writer in writers:
            writer.join(10)
            # Each was still writing when the server died, not stopped by a refusal.
            assert writer.ended_by.startswith("cut off"), writer.ended_by
        acknowledged_drafts += writers[0].acknowledged
        acknowledged_people += writers[1].acknowledged
        check_database_after_a_kill(database_path, acknowledged_drafts, acknowledged_people)


def check_database_after_a_kill(path: Path, drafts: list[str], people: list[str]) -> None:
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        saved = connection.execute(
            "SELECT progress_updates.id, revision, narrative FROM progress_updates"
            " JOIN quarters ON quarters.id = quarter_id"
            " WHERE recommendation_id = ? AND label = ? ORDER BY revision",
            [RECOMMENDATION, CURRENT_QUARTER],
        ).fetchall()
        added = connection.execute(
            "SELECT id, name FROM people WHERE name LIKE 'Round %'"
        ).fetchall()
        logged = {
            (table, row_id)
            for table, row_id in connection.execute(
                "SELECT table_name, row_id FROM audit_log WHERE action = 'insert'"
            )
        }
    narratives = [narrative for _id, _revision, narrative in saved]
    names = [name for _id, name in added]
    assert set(drafts) <= set(narratives), "an acknowledged draft is missing"
    assert set(people) <= set(names), "an acknowledged person is missing"
    # Nothing was written twice, and the revisions run on without a gap.
    assert len(set(narratives)) == len(narratives) and len(set(names)) == len(names)
    assert [revision for _id, revision, _narrative in saved] == list(range(1, len(saved) + 1))
    # At most the one change in flight at each kill landed without being acknowledged.
    assert len(narratives) - len(drafts) <= KILLS and len(names) - len(people) <= KILLS
    # Each change landed whole: the row with its audit entry.
    assert all(("progress_updates", row_id) in logged for row_id, _r, _n in saved)
    assert all(("people", row_id) in logged for row_id, _name in added)


# How the app writes


def writes_outside_immediate_transactions(statements: list[str]) -> list[str]:
    """The writing statements that ran outside a BEGIN IMMEDIATE ... COMMIT/ROLLBACK."""
    inside, outside = False, []
    for statement in statements:
        words = statement.upper().split()
        if not words:
            continue
        if words[:2] == ["BEGIN", "IMMEDIATE"]:
            inside = True
        elif words[0] in ("COMMIT", "END") or words == ["ROLLBACK"]:
            inside = False
        elif words[0] in ("INSERT", "UPDATE", "DELETE", "REPLACE") and not inside:
            outside.append(statement)
    return outside


def test_every_write_a_request_makes_is_in_a_begin_immediate_transaction(app, db):
    statements: list[str] = []

    def trace_the_request_connection(sender, **extra):
        get_db().conn.set_trace_callback(statements.append)

    with request_started.connected_to(trace_the_request_connection, app):
        admin, champion = app.test_client(), app.test_client()
        for client, role in ((admin, "administrator"), (champion, "champion")):
            token = csrf_token(client)
            client.post(
                "/sign-in",
                data={"email": EMAIL_OF_ROLE[role], "password": DEMO_PASSWORD, "csrf_token": token},
            )
        # Spencer Hunt, the demo champion, champions recommendation 2: he submits, the
        # administrator approves; the administrator adds and corrects a person; both sign out.
        page = champion.get("/recommendations/2/update").text
        submitted = champion.post(
            "/recommendations/2/update",
            data={
                "csrf_token": form_token(page),
                **form_state(page),
                "action": "submit",
                "status": "green",
                "narrative": "On track.",
            },
        )
        page = admin.get("/recommendations/2").text
        approved = admin.post(
            "/recommendations/2/review",
            data={
                "csrf_token": form_token(page),
                **form_state(page),
                "decision": "approve",
            },
        )
        added = admin.post(
            "/boards/1/people/new",
            data={"csrf_token": csrf_token(admin, "/boards/1/people/new"), "name": "New Person"},
        )
        for client in (admin, champion):
            client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})

    assert [submitted.status_code, approved.status_code, added.status_code] == [302, 302, 302]
    assert db.execute(
        "SELECT state FROM progress_updates WHERE recommendation_id = 2 ORDER BY id DESC LIMIT 1"
    ).fetchone() == ("approved",)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert any("audit_log" in s for s in writes) and any("sessions" in s for s in writes)
    assert writes_outside_immediate_transactions(statements) == []


def test_a_writer_waits_for_another_writer_instead_of_failing(app, database_path):
    first, second = open_database(database_path), open_database(database_path)
    with app.app_context():
        timeouts = {
            connection.execute("PRAGMA busy_timeout").fetchone()[0]
            for connection in (first.conn, second.conn, get_db().conn)
        }
    assert timeouts == {BUSY_TIMEOUT_SECONDS * 1000}

    first.execute("BEGIN IMMEDIATE")
    audit.insert(first, "people", {"board_id": 1, "name": "Written first"}, audit.SYSTEM)
    releases = threading.Timer(0.5, lambda: first.execute("COMMIT"))
    releases.start()
    started = time.monotonic()
    with write_transaction(second):
        audit.insert(second, "people", {"board_id": 1, "name": "Written second"}, audit.SYSTEM)
    waited = time.monotonic() - started
    releases.join()
    assert 0.4 < waited < BUSY_TIMEOUT_SECONDS
    names = [row[0] for row in second.execute("SELECT name FROM people ORDER BY id DESC LIMIT 2")]
    assert names == ["Written second", "Written first"]
    first.close()
    second.close()
