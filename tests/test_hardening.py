"""Hardening, with OWASP ASVS level 2 as the reference: security headers on every response,
trust in a reverse proxy only when told, production's refusal of unsafe settings, the password
rule, idle and absolute session expiry, `make serve`, and uploads kept to safe names and sizes.
"""

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import EMAIL_OF_ROLE, NEL_REPORT, csrf_token, sign_in
from tracker import create_app, permissions
from tracker.auth import passwords
from tracker.auth.accounts import now, timestamp
from tracker.db import open_database, write_transaction
from tracker.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tracker.security import UnsafeSettings

ROOT = Path(__file__).resolve().parent.parent
ADMIN = EMAIL_OF_ROLE["administrator"]
EXPECTED_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
STRONG_KEY = "4f0c2a9e7d1b83c65e2f9a0d4b7c1e8f3a6d9b2c5e8f1a4d7b0c3e6f9a2d5b8c"
BEHIND_HTTPS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def assert_security_headers(response) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.path}"


def app_with(database_path, **settings):
    """The app on this test's database with some settings changed."""
    return create_app({"DATABASE": str(database_path), "SECRET_KEY": "test-secret", **settings})


# ----- Security headers (ASVS 14.4) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (None, "/sign-in", 200),
        (None, "/", 302),
        (None, "/no-such-page", 404),
        (None, "/static/css/tracker.min.css", 200),
        (None, "/static/js/app.js", 200),
        (None, "/static/no-such-file.css", 404),
        ("administrator", "/", 200),
        ("administrator", "/plans/1", 200),
        ("administrator", "/plans/1.json", 200),
        ("administrator", "/plans/999", 404),
        ("scrutiny", "/boards/1/reports/new", 403),
    ],
)
def test_every_response_has_the_security_headers(client, signed_in, role, path, status):
    browser = signed_in(role) if role else client
    response = browser.get(path)
    assert response.status_code == status
    assert_security_headers(response)


def test_error_responses_have_the_security_headers(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    wrong_method = client.get("/sign-out")
    no_csrf_token = client.post("/sign-in", data={"email": ADMIN, "password": DEMO_PASSWORD})
    too_large = client.post("/sign-in", data={"email": "x" * 2000})
    assert [wrong_method.status_code, no_csrf_token.status_code, too_large.status_code] == [
        405,
        400,
        413,
    ]
    for response in (wrong_method, no_csrf_token, too_large):
        assert_security_headers(response)


def test_an_unexpected_failure_has_the_security_headers_too(app, client):
    @permissions.public
    def broken_on_purpose():
        raise RuntimeError("broken on purpose")

    app.add_url_rule("/broken-on-purpose", view_func=broken_on_purpose)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not raise in the test
    response = client.get("/broken-on-purpose")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the tracker" in response.text
    assert_security_headers(response)


def test_pages_with_plan_data_are_never_stored_but_static_files_may_be(signed_in):
    admin = signed_in("administrator")
    for path in ("/", "/plans/1", "/plans/1.json", "/plans/1/dashboard", "/no-such-page"):
        assert admin.get(path).headers["Cache-Control"] == "no-store", path
    static = admin.get("/static/css/tracker.min.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_strict_transport_security_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    over_https = client.get("/sign-in", base_url="https://localhost")
    assert over_https.headers["Strict-Transport-Security"] == HSTS


TEMPLATE_PAGES = [
    path
    for path in sorted((ROOT / "templates").rglob("*.html"))
    if "emails" not in path.relative_to(ROOT / "templates").parts
]
# What a Content Security Policy without 'unsafe-inline' blocks in a page.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


@pytest.mark.parametrize("template", TEMPLATE_PAGES, ids=lambda path: path.name)
def test_no_template_has_inline_script_style_or_event_handlers(template):
    assert INLINE_CODE.findall(template.read_text()) == []


# ----- Behind a reverse proxy ------------------------------------------------------------------


def test_with_no_proxy_trusted_forwarded_headers_change_nothing(database_path, db):
    client = app_with(database_path).test_client()
    page = client.get("/sign-in", headers=BEHIND_HTTPS_PROXY)
    assert "Strict-Transport-Security" not in page.headers
    client.post(
        "/sign-in",
        data={"email": ADMIN, "password": "wrong-password", "csrf_token": csrf_token(client)},
        headers=BEHIND_HTTPS_PROXY,
    )
    assert db.execute("SELECT remote_addr FROM sign_in_attempts").fetchall() == [("127.0.0.1",)]


def test_behind_one_proxy_the_client_address_and_https_come_from_it(database_path, db):
    client = app_with(database_path, PROXY_HOPS=1).test_client()
    page = client.get("/sign-in", headers=BEHIND_HTTPS_PROXY)
    assert page.headers["Strict-Transport-Security"] == HSTS
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1]
    form = {"email": ADMIN, "password": DEMO_PASSWORD, "csrf_token": token}
    # Over HTTPS the CSRF check also wants the Referer from this site: the referrer policy
    # (same-origin) keeps browsers sending it to the tracker.
    without_referer = client.post("/sign-in", data=form, headers=BEHIND_HTTPS_PROXY)
    assert without_referer.status_code == 400
    signed_in = client.post(
        "/sign-in",
        data=form,
        headers={**BEHIND_HTTPS_PROXY, "Referer": "https://localhost/sign-in"},
    )
    assert signed_in.status_code == 302
    assert db.execute("SELECT remote_addr FROM sign_in_attempts").fetchall() == [("203.0.113.7",)]


# ----- Production settings (ASVS 14.1, 3.4, 6.4) --------------------------------------------


@pytest.fixture
def production(monkeypatch, tmp_path):
    """TRACKER_* variables as an operator would set them for production, on a new database;
    returns the database's path. Tests change or remove variables from here."""
    for variable in [name for name in os.environ if name.startswith("TRACKER_")]:
        monkeypatch.delenv(variable)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    database = tmp_path / "production.db"
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("TRACKER_DATABASE", str(database))
    monkeypatch.setenv("TRACKER_SECRET_KEY", STRONG_KEY)
    return database


def test_production_starts_with_a_strong_key_and_secure_host_only_cookies(production):
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG_KEY
    cookie = app.test_client().get("/sign-in").headers["Set-Cookie"]
    assert cookie.startswith("__Host-tracker_session=")
    assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= set(cookie.split("; "))
    assert production.exists()


def test_production_refuses_to_start_without_a_secret_key(production, monkeypatch):
    monkeypatch.delenv("TRACKER_SECRET_KEY")
    with pytest.raises(UnsafeSettings, match=r"No secret key is set\. Set TRACKER_SECRET_KEY"):
        create_app()
    assert not production.exists()  # refused before the database was touched


@pytest.mark.parametrize(
    "key", ["too-short-for-production", "a" * 64, "ab" * 32], ids=["short", "one", "two"]
)
def test_production_refuses_a_weak_secret_key(production, monkeypatch, key):
    monkeypatch.setenv("TRACKER_SECRET_KEY", key)
    with pytest.raises(UnsafeSettings, match="The secret key is too short or too simple"):
        create_app()
    assert not production.exists()


def test_production_refuses_cookies_that_could_travel_over_plain_http(production, monkeypatch):
    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "false")
    with pytest.raises(UnsafeSettings, match="TRACKER_SECURE_COOKIES is false"):
        create_app()


def test_production_refuses_debug_mode(production, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeSettings, match="Debug mode is on"):
        create_app()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TRACKER_ENV", "prod", "TRACKER_ENV must be development or production, not 'prod'"),
        ("TRACKER_PROXY_HOPS", "-1", "TRACKER_PROXY_HOPS must be 0"),
        ("TRACKER_SESSION_IDLE_MINUTES", "0", "TRACKER_SESSION_IDLE_MINUTES must be 1 or more"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_the_reason(
    production, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(UnsafeSettings, match=message):
        create_app()


def test_every_problem_is_named_at_once(production, monkeypatch):
    monkeypatch.delenv("TRACKER_SECRET_KEY")
    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "no")
    with pytest.raises(UnsafeSettings) as refused:
        create_app()
    assert "No secret key is set" in str(refused.value)
    assert "TRACKER_SECURE_COOKIES is false" in str(refused.value)


# ----- The password rule (ASVS 2.1) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "email", "message"),
    [
        ("eleven char", "", passwords.TOO_SHORT),
        ("naïve résum", "", passwords.TOO_SHORT),  # 11 characters, 13 bytes
        ("x" * 60 + "y" * 69, "", passwords.TOO_LONG),
        ("twelve chars\twith a tab", "", passwords.CONTROL_CHARACTERS),
        ("line one\nline two", "", passwords.CONTROL_CHARACTERS),
        ("unbelievable", "", passwords.COMMON),
        ("UnBelievAble", "", passwords.COMMON),
        ("monkeymonkey", "", passwords.REPEATED),
        ("123456123456123456", "", passwords.REPEATED),
        ("aaaaaaaaaaaaa", "", passwords.REPEATED),
        ("abcabcabcabc", "", passwords.REPEATED),
        ("Head.Of.Service 2026", ADMIN, passwords.HAS_EMAIL),
        ("my headofservice password", ADMIN, passwords.HAS_EMAIL),
        ("improvement plan tracker", "", passwords.HAS_SERVICE_NAME),
        ("ImprovementPlanTracker-2026", "", passwords.HAS_SERVICE_NAME),
    ],
)
def test_a_password_the_rule_refuses_gets_a_clear_reason(password, email, message):
    assert passwords.password_problem(password, email=email) == message


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("naïve résumé", ""),  # exactly 12 characters, though 15 bytes
        ("🦊🐻🐸🐙🦉🐝🦔🐢🐍🦋🐞🐧", ""),
        ("tea with two sugars, please", ""),
        ("all lower case no digits", ""),
        ("Jo is my name, not a secret", "jo@example.org"),  # too short a local part to count
        ("a" * 60 + "b" * 68, ""),  # 128 characters
        (DEMO_PASSWORD, ADMIN),
    ],
)
def test_long_passphrases_in_any_script_are_allowed_without_composition_rules(password, email):
    assert passwords.password_problem(password, email=email) is None


def test_the_common_password_list_is_the_real_ten_thousand():
    common = passwords.common_passwords()
    assert len(common) == 10_000
    assert {"password", "123456", "qwerty", "letmein", "trustno1"} <= common
    assert not any(entry.startswith("# ") for entry in common)


def test_the_demo_accounts_meet_the_rule():
    for email, *_rest in DEMO_ACCOUNTS:
        assert passwords.password_problem(DEMO_PASSWORD, email=email) is None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("new.member@example.org", "unbelievable", passwords.COMMON),
        ("new.member@example.org", "New.Member.2026!", passwords.HAS_EMAIL),
        ("new.member@example.org", "short", passwords.TOO_SHORT),
    ],
)
def test_create_user_refuses_a_password_against_the_rule_and_creates_nothing(
    runner, monkeypatch, count_rows, email, password, message
):
    monkeypatch.setenv("TRACKER_PASSWORD", password)
    before = count_rows()
    result = runner.invoke(args=["create-user", email, "--role", "champion", "--board", "1"])
    assert result.exit_code != 0
    assert message in result.output
    assert count_rows() == before


def test_create_user_asks_again_when_the_typed_password_is_against_the_rule(
    runner, monkeypatch, db
):
    monkeypatch.delenv("TRACKER_PASSWORD", raising=False)
    result = runner.invoke(
        args=["create-user", "typed@example.org", "--role", "scrutiny", "--board", "1"],
        input="unbelievable\nkettle orbit paper mouse\nkettle orbit paper mouse\n",
    )
    assert result.exit_code == 0, result.output
    assert passwords.COMMON in result.output
    assert db.execute("SELECT 1 FROM users WHERE email = 'typed@example.org'").fetchone()


# ----- Sessions (ASVS 3.3) ------------------------------------------------------------------


def move_session_times(db, email: str, **changes: timedelta | None) -> None:
    """Set the user's session timestamps to now plus the given change (None for empty), as if
    that much time had passed, in the real database."""
    for column, change in changes.items():
        assert column in {"created_at", "last_used_at", "expires_at"}
        value = None if change is None else timestamp(now() + change)
        with write_transaction(db):
            db.execute(
                f"UPDATE sessions SET {column} = ? "  # noqa: S608 - column names checked above
                "WHERE user_id = (SELECT id FROM users WHERE email = ?)",
                [value, email],
            )


def sessions_of(db, email: str) -> list[tuple]:
    return db.execute(
        "SELECT token, last_used_at FROM sessions "
        "WHERE user_id = (SELECT id FROM users WHERE email = ?)",
        [email],
    ).fetchall()


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_session_idle_longer_than_the_limit_signs_no_one_in_and_is_removed(app, signed_in, db):
    admin = signed_in("administrator")
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=60)
    move_session_times(db, ADMIN, last_used_at=-timedelta(minutes=61))
    assert is_signed_out(admin.get("/"))
    assert sessions_of(db, ADMIN) == []


def test_a_session_used_within_the_limit_carries_on_and_its_use_is_noted(signed_in, db):
    admin = signed_in("administrator")
    move_session_times(db, ADMIN, last_used_at=-timedelta(minutes=58))
    assert admin.get("/").status_code == 200
    [(_token, last_used_at)] = sessions_of(db, ADMIN)
    assert last_used_at > timestamp(now() - timedelta(minutes=1))


def test_the_idle_limit_is_a_setting(database_path, db, monkeypatch):
    monkeypatch.setenv("TRACKER_SESSION_IDLE_MINUTES", "5")
    client = app_with(database_path).test_client()
    assert sign_in(client, ADMIN).status_code == 302
    move_session_times(db, ADMIN, last_used_at=-timedelta(minutes=4))
    assert client.get("/").status_code == 200
    move_session_times(db, ADMIN, last_used_at=-timedelta(minutes=6))
    assert is_signed_out(client.get("/"))


def test_a_session_past_its_lifetime_ends_however_recently_it_was_used(signed_in, db):
    admin = signed_in("administrator")
    move_session_times(
        db, ADMIN, created_at=-timedelta(hours=8, minutes=1), expires_at=-timedelta(minutes=1)
    )
    assert is_signed_out(admin.get("/"))
    assert sessions_of(db, ADMIN) == []


def test_a_session_opened_before_last_use_was_kept_counts_from_its_start(signed_in, db):
    admin = signed_in("administrator")
    move_session_times(db, ADMIN, last_used_at=None, created_at=-timedelta(minutes=61))
    assert is_signed_out(admin.get("/"))


def test_reading_pages_does_not_write_the_last_use_each_time(signed_in, db):
    admin = signed_in("administrator")
    [(_token, first)] = sessions_of(db, ADMIN)
    for _ in range(3):
        assert admin.get("/").status_code == 200
    assert sessions_of(db, ADMIN)[0][1] == first


# ----- make serve ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_make_serve(port: int, **variables: str) -> subprocess.Popen:
    """`make serve` exactly as an operator runs it, in its own process group, with the given
    TRACKER_* variables and no others. The virtual environment is taken as installed."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("TRACKER_")
    }
    return subprocess.Popen(
        [shutil.which("make"), "--silent", "-o", ".venv/.installed", "serve", f"PORT={port}"],
        cwd=ROOT,
        env={**environment, "HOST": "127.0.0.1", **variables},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> str:
    """End the server and everything it started; return what it printed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.communicate()[0].decode(errors="replace")


def wait_for_answer(process: subprocess.Popen, url: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return urllib.request.urlopen(url, timeout=5)  # noqa: S310 - our own local server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    return None


def test_make_serve_runs_gunicorn_in_production_on_a_migrated_database(tmp_path):
    port, database = free_port(), tmp_path / "served.db"
    server = start_make_serve(port, TRACKER_SECRET_KEY=STRONG_KEY, TRACKER_DATABASE=str(database))
    try:
        response = wait_for_answer(server, f"http://127.0.0.1:{port}/sign-in")
        assert response is not None, stop(server)
        assert response.status == 200
        assert response.headers["Server"].startswith("gunicorn")
        for name, value in EXPECTED_HEADERS.items():
            assert response.headers[name] == value
        assert response.headers["Cache-Control"] == "no-store"
        # Production without being told: gunicorn.conf.py makes it so.
        assert response.headers["Set-Cookie"].startswith("__Host-tracker_session=")
    finally:
        output = stop(server)
    # A new installation says how to make its first operator.
    assert "flask --app run create-operator" in output
    served = open_database(database)
    try:
        assert "last_used_at" in served["sessions"].columns_dict  # migrated
        assert served["users"].count == 0  # no demo
    finally:
        served.close()


def test_make_serve_refuses_to_start_without_a_secret_key(tmp_path):
    database = tmp_path / "refused.db"
    server = start_make_serve(free_port(), TRACKER_DATABASE=str(database))
    try:
        server.wait(timeout=60)
    finally:
        output = stop(server)
    assert server.returncode != 0
    assert "No secret key is set" in output
    assert not database.exists()


# ----- Uploads (ASVS 12.1 to 12.5) ----------------------------------------------------------


def upload_report(client, name: str, data: bytes):
    path = "/boards/1/reports/new"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "report": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_an_uploaded_report_keeps_a_readable_name_without_folders_or_disguises(signed_in, db):
    admin = signed_in("administrator")
    disguised = "../../Users/someone/nel-2022\u202egpj.txt"  # shows as "nel-2022txt.jpg"
    response = upload_report(admin, disguised, NEL_REPORT.read_bytes())
    assert response.status_code == 302
    assert db.execute("SELECT filename FROM report_imports").fetchall() == [("nel-2022gpj.txt",)]


def test_a_report_over_the_size_limit_is_refused_on_the_page_and_nothing_is_saved(
    app, signed_in, count_rows
):
    app.config["UPLOAD_MAX_BYTES"] = 2048
    admin = signed_in("administrator")
    before = count_rows()
    response = upload_report(admin, "report.txt", b"Recommendations\n" * 200)
    assert response.status_code == 400
    assert "The file is larger than 2 KB" in response.text
    assert count_rows() == before


def test_a_form_part_whose_name_cannot_be_read_is_refused_not_a_server_error(signed_in, count_rows):
    champion = signed_in("champion")
    before = count_rows()
    data = {"\r": "<script>alert(1)</script>", "evidence": (io.BytesIO(b"x"), "a.png")}
    response = champion.post(
        "/recommendations/1/update", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert count_rows() == before


def test_a_sender_address_mail_cannot_use_stops_the_tracker_starting(database_path):
    with pytest.raises(UnsafeSettings, match="TRACKER_MAIL_FROM"):
        create_app({"DATABASE": str(database_path), "SECRET_KEY": "x", "MAIL_FROM": "tracker"})
