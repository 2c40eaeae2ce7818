"""Bad input to every form: whatever is posted (random, huge, Unicode, control characters,
script, SQL, spreadsheet formulas, missing or repeated fields, random files), the tracker never
answers with a server error; what it refuses changes nothing, and what it accepts is stored
exactly as sent and shown escaped.

Each form is found by walking the app's URL map, and its fields are read from the page that
shows it, so a new form is tried as soon as it exists. Every example starts from the same
database: a copy of the demo, with the administrator signed in, that has a draft plan under
review, an action, a submitted update and a share link, so every form has something to change.
"""

import contextlib
import hashlib
import io
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from tests.conftest import EMAIL_OF_ROLE, REPORTS, csrf_token, sign_in
from tests.test_permissions import DEMO_IDS, STATE_CHANGING
from tracker import create_app
from tracker.actions import queries as actions
from tracker.audit import SYSTEM
from tracker.db import open_database
from tracker.quarters import Quarter
from tracker.reports import imports
from tracker.reports.drafts import MAX_LINE
from tracker.reports.formats import ReportFileError, read_pasted_text, read_report
from tracker.updates import workflow

# Writes expected whatever the outcome: sign-in attempts are recorded whether or not they work,
# and a session notes when it was last used.
BOOKKEEPING = {"sign_in_attempts"}
BOOKKEEPING_COLUMNS = {"sessions": {"last_used_at"}}
# What a reflected script would look like if anything were shown unescaped.
SCRIPTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<svg onload=alert(1)>"]
HOSTILE = [
    *SCRIPTS,
    "'; DROP TABLE plans; --",
    "1 OR 1=1",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(A1)",
    "file:///etc/passwd",
    "../../../../etc/passwd",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "%s%n%x",
    "\u202eeciov\u202c.pdf",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f4a9",
    "\x00",
    "a\x00b",
    "\x01\x07\x1b[31m\x7f\x85",
    "\u2028\u2029\r\n\r",
    "\ufeff\u200b\u00ad\u2060",
    "\ufffd\uffff",
]
# Numbers and dates out of range, or in other scripts' digits.
ODD_NUMBERS = [
    "0",
    "-1",
    "1e309",
    "NaN",
    "3.5",
    " 7 ",
    "0x10",
    "9" * 40,
    "\u0663",  # Arabic-Indic three
    "\u00b2",  # superscript two
    "\u2167",  # Roman numeral eight
    "\uff17",  # full-width seven
    "2023-02-29",
    "0000-00-00",
    "9999-12-31",
    "\u0662\u0660\u0662\u0663-\u0660\u0661-\u0660\u0661",
    "2023-W01-1",
    "20230101",
]

# Any character a browser can send: everything but lone surrogates.
any_character = st.characters(codec="utf-8")
plain_text = st.text(any_character, max_size=60)
huge_text = st.builds(
    lambda fragment, size: (fragment * (size // len(fragment) + 1))[:size],
    st.one_of(st.sampled_from(HOSTILE), plain_text).filter(bool),
    st.integers(5_000, 100_000),
)
nasty_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(ODD_NUMBERS),
    plain_text,
    st.builds(lambda a, b, c: a + b + c, plain_text, st.sampled_from(HOSTILE), plain_text),
    st.integers(-(10**30), 10**30).map(str),
    st.dates().map(date.isoformat),
    huge_text,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
REPORT_START = (REPORTS / "sunderland-2022.txt").read_text(encoding="utf-8")[:3000]
MAGIC = [b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xff\xfe", b"GIF89a"]
file_contents = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda magic, rest: magic + rest, st.sampled_from(MAGIC), st.binary(max_size=500)),
    st.just(PNG),
    st.builds(lambda text: (REPORT_START + text).encode(), nasty_text),
)
file_names = st.builds(
    lambda stem, extension: f"{stem}.{extension}" if extension else stem,
    st.one_of(st.sampled_from(["evidence", "report", "../../etc/passwd", "C:\\x\\y"]), plain_text),
    st.sampled_from(["png", "pdf", "docx", "txt", "md", "jpg", "gif", "xlsx", "doc", "exe", ""]),
)
content_types = st.sampled_from(
    ["application/pdf", "image/png", "text/plain", "application/octet-stream", "text/html", ""]
)


@dataclass(frozen=True)
class Upload:
    """A file sent with a form. Its name goes into the request as it is, quotes and line
    breaks included, which no browser would send."""

    content: bytes
    filename: str
    content_type: str

    def as_sent(self) -> tuple:
        return io.BytesIO(self.content), self.filename, self.content_type


uploads = st.one_of(
    st.builds(Upload, file_contents, file_names, content_types),
    st.just(Upload(PNG, "progress chart.png", "image/png")),  # one that is accepted
)


# ----- Reading a page's forms -----------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # an input's type, or "textarea", "select" or "button"
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False


class FormReader(HTMLParser):
    """The fields of every form on a page, as a browser would send them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[Field]]] = []
        self.fields: list[Field] | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def start_field(self, tag: str, attributes: dict) -> None:
        name = attributes.get("name")
        if tag == "form":
            self.fields = []
            self.forms.append((attributes.get("action", ""), self.fields))
        elif self.fields is None or name is None:
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            default = "on" if kind in ("checkbox", "radio") else ""
            value = attributes.get("value", default)
            self.fields.append(Field(name, kind, value, checked="checked" in attributes))
        elif tag == "button":
            self.fields.append(Field(name, "button", attributes.get("value", "")))
        elif tag == "textarea":
            self.textarea = Field(name, "textarea")
            self.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(name, "select")
            self.fields.append(self.select)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "option" and self.select is not None:
            self.select.options.append(attributes.get("value", ""))
            if "selected" in attributes:
                self.select.value = attributes.get("value", "")
        else:
            self.start_field(tag, attributes)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the newline that may follow <textarea>.
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None


def fields_posting_to(page: str, page_url: str, url: str) -> dict[str, list[Field]]:
    """The fields, by name, of the page's forms that post to `url`."""
    reader = FormReader()
    reader.feed(page)
    fields: dict[str, list[Field]] = {}
    for action, form_fields in reader.forms:
        if (action or page_url) == url:
            for one in form_fields:
                fields.setdefault(one.name, []).append(one)
    return fields


def page_values(fields: list[Field]) -> list[str]:
    """What the browser sends for these fields as the page fills them in, before any button."""
    kind = fields[0].kind
    if kind in ("checkbox", "radio"):
        return [one.value for one in fields if one.checked]
    if kind == "select":
        return [fields[0].value or (fields[0].options or [""])[0]]
    if kind in ("button", "submit", "file"):
        return []
    return [fields[0].value]


# ----- The forms and the state they work on --------------------------------------------------

# Where each form that has no page of its own is shown.
FORM_PAGES = {
    "auth.sign_out": "/",
    "updates.review": "/recommendations/<id:recommendation_id>",
    "actions.delete": "/actions/<id:action_id>/edit",
    "scrutiny.revoke": "/plans/<id:plan_id>/share-links",
}
# The recommendation with a submitted update waiting for review, set up below.
ID_OVERRIDES = {"updates.review": {"recommendation_id": 3}}
SETUP_IDS = {"share_link_id": 1}


# Forms for accounts, invitations and the installation area: their bad input (expired, reused,
# tampered and other people's tokens, hostile files, wrong roles) is tested in test_accounts.py
# and test_bulk_invitations.py; they join this harness once it can set up an operator and the
# tokens they need.
NOT_YET_FUZZED = {
    "accounts.accept_invitation",
    "accounts.cancel",
    "accounts.change_role",
    "accounts.deactivate",
    "accounts.invite",
    "accounts.invite_many",
    "accounts.invite_many_confirm",
    "accounts.reactivate",
    "accounts.remove",
    "accounts.resend",
    "accounts.reset_member_two_factor",
    "accounts.send_reset",
    "accounts.two_factor_rule",
    "auth.change_password",
    "auth.forgotten_password",
    "auth.recovery_codes",
    "auth.reset_password",
    "auth.second_factor",
    "auth.set_up_two_factor",
    "operators.archive_board",
    "operators.edit_board",
    "operators.invite_administrator",
    "operators.new_board",
    "operators.reset_administrator_two_factor",
    "operators.restore_board",
}


def post_routes(app) -> list:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.methods & STATE_CHANGING and rule.endpoint not in NOT_YET_FUZZED
        ),
        key=lambda rule: rule.endpoint,
    )


def ids_for(endpoint: str) -> dict:
    return {**SETUP_IDS, **DEMO_IDS, **ID_OVERRIDES.get(endpoint, {})}


def fill_in(rule: str, ids: dict) -> str:
    """The URL rule with the ids filled in (and 1 for any other variable)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m[1], 1)), rule)


def set_up_every_form(db) -> None:
    """Give every form something to change: a report under review, an action, the current
    quarter with a submitted update, and a share link."""
    report = (REPORTS / "sunderland-2022.txt").read_text(encoding="utf-8")
    assert imports.start_import(db, 1, "sunderland.txt", report, SYSTEM) == 1
    actions.set_uses_actions(db, 1, True, SYSTEM)
    action = {"text": "Demo action", "status": "not started"}
    assert actions.add_action(db, DEMO_IDS["recommendation_id"], action, SYSTEM) == 1
    quarter_id = workflow.ensure_quarter(db, 1, Quarter.parse("2022/23 Q4"), SYSTEM)
    update = {"narrative": "Waiting for review", "status": "green"}
    workflow.save_update(db, 3, quarter_id, update, 0, True, SYSTEM)
    link = {"plan_id": 1, "token_sha256": "0" * 64, "label": "Scrutiny panel"}
    assert db["share_links"].insert({**link, "expires_on": "2099-12-31"}).last_pk == 1


@dataclass
class Harness:
    """The app, its signed-in clients, and a way back to the starting state."""

    app: Flask
    folder: Path
    snapshot: Path
    clients: dict[str, FlaskClient]
    cookies: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    checksums: dict = field(default_factory=dict)
    examples: int = 0
    fields: dict[str, dict] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Harness(the demo, set up for every form)"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    @property
    def evidence_folder(self) -> Path:
        return Path(self.app.config["EVIDENCE_FOLDER"])

    def client_name(self, endpoint: str) -> str:
        return endpoint if endpoint in self.clients else "administrator"

    def client_for(self, endpoint: str) -> FlaskClient:
        return self.clients[self.client_name(endpoint)]

    def start_example(self) -> Path:
        """A fresh copy of the starting database, the clients as they were, no evidence."""
        self.examples += 1
        path = self.folder / f"example-{self.examples}.db"
        shutil.copy(self.snapshot, path)
        previous = Path(self.app.config["DATABASE"])
        self.app.config["DATABASE"] = str(path)
        if previous.name.startswith("example-"):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{previous}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.evidence_folder, ignore_errors=True)
        for name, client in self.clients.items():
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[name])
        return path

    def fields_of(self, endpoint: str) -> dict[str, list[Field]]:
        """The fields of the form that posts to the endpoint, read from the page showing it."""
        if endpoint not in self.fields:
            self.start_example()
            response = self.client_for(endpoint).get(self.pages[endpoint])
            assert response.status_code == 200, self.pages[endpoint]
            page = response.get_data(as_text=True)
            self.fields[endpoint] = fields_posting_to(
                page, self.pages[endpoint], self.urls[endpoint]
            )
        return self.fields[endpoint]


@pytest.fixture(scope="module")
def harness(tmp_path_factory, demo_database_template) -> Harness:
    folder = tmp_path_factory.mktemp("forms")
    start = folder / "start.db"
    shutil.copy(demo_database_template, start)
    db = open_database(start)
    set_up_every_form(db)
    db.close()
    app = create_app(
        {
            "DATABASE": str(start),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "EVIDENCE_FOLDER": str(folder / "evidence"),
            "MAIL_FOLDER": str(folder / "mail"),
            # Every form is sent hundreds of times from one address: the limits have their own
            # tests (test_rate_limiting.py, test_accounts.py).
            "RATE_LIMIT_ENABLED": False,
        }
    )
    # The sign-out form gets a session of its own, and the sign-in form a visitor.
    clients = {name: app.test_client() for name in ("administrator", "auth.sign_out")}
    for client in clients.values():
        assert sign_in(client, EMAIL_OF_ROLE["administrator"]).status_code == 302
    clients["auth.sign_in"] = app.test_client()
    harness = Harness(app, folder, folder / "snapshot.db", clients)
    for name, client in clients.items():
        harness.tokens[name] = csrf_token(client, "/sign-in" if name == "auth.sign_in" else "/")
        harness.cookies[name] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    for rule in post_routes(app):
        ids = ids_for(rule.endpoint)
        harness.urls[rule.endpoint] = fill_in(rule.rule, ids)
        page = FORM_PAGES.get(rule.endpoint, rule.rule) if "GET" not in rule.methods else rule.rule
        harness.pages[rule.endpoint] = fill_in(page, ids)
    # A copy made through SQLite, so it holds everything written so far.
    with (
        contextlib.closing(sqlite3.connect(start)) as source,
        contextlib.closing(sqlite3.connect(harness.snapshot)) as target,
    ):
        source.backup(target)
    harness.checksums = table_checksums(harness.snapshot)
    return harness


def table_checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows in rowid order, bookkeeping left out."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] not in BOOKKEEPING and not row[0].startswith("sqlite_")
        ]
        sums = {}
        for table in tables:
            ignored = BOOKKEEPING_COLUMNS.get(table, set())
            columns = ", ".join(
                f"[{row[1]}]"
                for row in connection.execute(f"PRAGMA table_info([{table}])")
                if row[1] not in ignored
            )
            query = f"SELECT {columns} FROM [{table}] ORDER BY rowid"  # noqa: S608 (the schema's names)
            found = connection.execute(query).fetchall()
            sums[table] = (len(found), hashlib.sha256(repr(found).encode()).hexdigest())
        return sums
    finally:
        connection.close()


def rows(path: Path, sql: str, *parameters) -> list[dict]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, parameters)]
    finally:
        connection.close()


# ----- What the tracker said ----------------------------------------------------------------


@dataclass
class Outcome:
    accepted: bool
    status: int
    pages: list[str]


@dataclass
class Example:
    """One form sent: the databases before and after, what was sent, and what came back."""

    before: Path
    after: Path
    sent: MultiDict
    outcome: Outcome
    evidence_folder: Path


def outcome_of(client, response) -> Outcome:
    """Whether the tracker accepted what was sent, and the pages it showed: a redirect is
    followed, and counts as a refusal when it carries an error message."""
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    pages = [response.get_data(as_text=True)]
    if 300 <= response.status_code < 400:
        with client.session_transaction() as session:
            categories = [category for category, _message in session.get("_flashes", [])]
        landed = client.get(response.headers["Location"])
        assert landed.status_code < 500
        pages.append(landed.get_data(as_text=True))
        return Outcome("error" not in categories, response.status_code, pages)
    if response.status_code == 200:
        return Outcome("govuk-error-summary" not in pages[0], response.status_code, pages)
    return Outcome(False, response.status_code, pages)


def assert_no_script_shown(outcome: Outcome) -> None:
    for page in outcome.pages:
        for script in SCRIPTS:
            assert script not in page, f"{script} shown unescaped"


def shown(value: str, outcome: Outcome) -> None:
    """The value appears, escaped, on the page the user was taken to."""
    assert str(escape(value)) in outcome.pages[-1], value[:200]


def first(sent: MultiDict, name: str) -> str:
    value = sent.get(name, "")
    return value if isinstance(value, str) else ""


# Characters no keyboard makes (control characters but tab, line feed and carriage return, and
# U+FFFE and U+FFFF): the tracker drops them from what is typed, as it drops spaces around it.
UNTYPEABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def stripped(sent: MultiDict, name: str) -> str:
    """The field's first value as the tracker keeps typed text."""
    return UNTYPEABLE.sub("", first(sent, name)).strip()


# ----- Accepted: stored exactly as sent -------------------------------------------------------


def person_as_sent(sent: MultiDict) -> dict:
    return {
        "name": stripped(sent, "name"),
        "job_title": stripped(sent, "job_title"),
        "organisation": stripped(sent, "organisation"),
        "email": stripped(sent, "email") or None,
    }


def stored_person(path: Path, person_id: int) -> dict:
    person = rows(path, "SELECT * FROM people WHERE id = ?", person_id)[0]
    return {key: person[key] for key in ("name", "job_title", "organisation", "email")}


def check_person_added(example: Example) -> None:
    newest = rows(example.after, "SELECT max(id) AS id FROM people")[0]["id"]
    assert newest == rows(example.before, "SELECT max(id) AS id FROM people")[0]["id"] + 1
    assert stored_person(example.after, newest) == person_as_sent(example.sent)
    shown(stripped(example.sent, "name"), example.outcome)


def check_person_changed(example: Example) -> None:
    before = stored_person(example.before, DEMO_IDS["person_id"])
    person = stored_person(example.after, DEMO_IDS["person_id"])
    # A field left out of the form keeps what it was (no browser leaves one out).
    expected = {
        name: value if name in example.sent else before[name]
        for name, value in person_as_sent(example.sent).items()
    }
    assert person == expected
    shown(person["name"], example.outcome)


def check_champions(example: Example) -> None:
    chosen = rows(
        example.after,
        "SELECT kind, person_id FROM champions WHERE recommendation_id = ?",
        DEMO_IDS["recommendation_id"],
    )
    for kind in ("board", "service"):
        expected = {int(value) for value in example.sent.getlist(f"{kind}_champions")}
        assert sorted(row["person_id"] for row in chosen if row["kind"] == kind) == sorted(expected)


def sent_files(sent: MultiDict, name: str) -> list[bytes]:
    """The contents of the files sent in the field (not text sent under its name)."""
    return [value.content for value in sent.getlist(name) if isinstance(value, Upload)]


def check_report_uploaded(example: Example) -> None:
    newest = rows(example.after, "SELECT max(id) AS id FROM report_imports")[0]["id"]
    found = rows(example.after, "SELECT * FROM report_imports WHERE id = ?", newest)[0]
    readings = []
    with contextlib.suppress(ReportFileError):
        readings.append(read_pasted_text(first(example.sent, "pasted")))
    for content in sent_files(example.sent, "report"):
        with contextlib.suppress(ReportFileError):
            readings.append(read_report(found["filename"], content))
    # The same report again returns its earlier import, whose spacing may differ.
    assert " ".join(found["source_text"].split()) in {" ".join(text.split()) for text in readings}
    shown(found["filename"], example.outcome)


def review_text(sent: MultiDict, name: str) -> str:
    return stripped(sent, name).replace("\r\n", "\n")


def check_review_saved(example: Example) -> None:
    found = rows(example.after, "SELECT * FROM report_imports WHERE id = ?", DEMO_IDS["import_id"])
    draft = json.loads(found[0]["draft"])
    for name in ("title", "service", "overall_rating"):
        assert draft["inspection"][name] == review_text(example.sent, f"inspection-{name}")
    action = first(example.sent, "action") or "save"
    if action in ("save", "create"):
        for recommendation in draft["recommendations"]:
            text = review_text(example.sent, f"rec-{recommendation['key']}-text")
            assert recommendation["text"] == text
    if action == "create":
        plan = rows(example.after, "SELECT * FROM plans WHERE id = ?", found[0]["plan_id"])[0]
        title = stripped(example.sent, "plan-title")[:MAX_LINE]
        assert plan["title"] == title or not title
        shown(plan["title"], example.outcome)
    else:
        shown(draft["inspection"]["title"], example.outcome)


def latest_update(path: Path, recommendation_id: int) -> dict:
    return rows(
        path,
        "SELECT * FROM progress_updates WHERE recommendation_id = ? ORDER BY id DESC LIMIT 1",
        recommendation_id,
    )[0]


def check_update_saved(example: Example) -> None:
    update = latest_update(example.after, DEMO_IDS["recommendation_id"])
    for name in workflow.TEXT_FIELDS:
        assert update[name] == stripped(example.sent, name)
    assert update["status"] == (stripped(example.sent, "status") or None)
    submitted = first(example.sent, "action") == "submit"
    assert update["state"] == ("submitted" if submitted else "draft")
    shown(update["narrative"], example.outcome)
    stored = rows(example.after, "SELECT * FROM evidence_files WHERE update_id = ?", update["id"])
    sent = {hashlib.sha256(content).hexdigest() for content in sent_files(example.sent, "evidence")}
    assert {row["sha256"] for row in stored} <= sent
    folder = example.evidence_folder
    on_disk = {path.name: path.read_bytes() for path in folder.iterdir()} if folder.exists() else {}
    assert sorted(on_disk) == sorted(row["stored_name"] for row in stored)
    for row in stored:
        assert hashlib.sha256(on_disk[row["stored_name"]]).hexdigest() == row["sha256"]
        shown(row["original_name"], example.outcome)


def check_update_reviewed(example: Example) -> None:
    update = latest_update(example.after, ID_OVERRIDES["updates.review"]["recommendation_id"])
    approved = first(example.sent, "decision") == "approve"
    assert update["state"] == ("approved" if approved else "returned")
    assert update["review_note"] == stripped(example.sent, "note")


def check_quarter(example: Example) -> None:
    quarter = rows(
        example.after, "SELECT * FROM quarters WHERE plan_id = 1 AND label = '2022/23 Q4'"
    )[0]
    if first(example.sent, "action") == "lock":
        assert quarter["locked_at"]
        return
    for name in workflow.QUARTER_DATES:
        value = stripped(example.sent, name)
        assert quarter[name] == (date.fromisoformat(value).isoformat() if value else None)


def check_actions_setting(example: Example) -> None:
    plan = rows(example.after, "SELECT uses_actions FROM plans WHERE id = 1")[0]
    assert plan["uses_actions"] == (first(example.sent, "uses_actions") == "yes")


def action_as_sent(sent: MultiDict) -> dict:
    owner = stripped(sent, "owner_id")
    return {
        "text": stripped(sent, "text"),
        "owner_id": int(owner) if owner else None,
        "target_date": stripped(sent, "target_date") or None,
        "status": first(sent, "status"),
    }


def stored_action(path: Path, action_id: int) -> dict:
    action = rows(path, "SELECT * FROM actions WHERE id = ?", action_id)[0]
    return {key: action[key] for key in ("text", "owner_id", "target_date", "status")}


def check_action_added(example: Example) -> None:
    assert rows(example.after, "SELECT max(id) AS id FROM actions")[0]["id"] == 2
    action = stored_action(example.after, 2)
    assert action == action_as_sent(example.sent)
    shown(action["text"][:80], example.outcome)


def check_action_changed(example: Example) -> None:
    action = stored_action(example.after, DEMO_IDS["action_id"])
    assert action == action_as_sent(example.sent)
    shown(action["text"][:80], example.outcome)


def check_action_deleted(example: Example) -> None:
    assert rows(example.after, "SELECT * FROM actions WHERE id = ?", DEMO_IDS["action_id"]) == []


def check_status_key(example: Example) -> None:
    saved = rows(example.after, "SELECT * FROM status_keys WHERE board_id = 1")
    for row in saved:
        key, sent = row["key"], example.sent
        if key == "blue" and first(sent, "blue-in_use") != "yes":
            # Left out of the key, Blue keeps what was entered for it, or plain defaults.
            assert row["in_use"] == 0
            assert row["label"] == (stripped(sent, "blue-label") or "Blue")
            assert row["meaning"] == (stripped(sent, "blue-meaning") or "-")
            assert row["colour"] == (stripped(sent, "blue-colour") or "#505a5f")
            continue
        assert row["in_use"] == 1
        assert row["label"] == stripped(sent, f"{key}-label")
        assert row["meaning"] == stripped(sent, f"{key}-meaning")
        assert row["colour"] == stripped(sent, f"{key}-colour")
        assert row["position"] == int(first(sent, f"{key}-position"))
        shown(row["label"], example.outcome)


def check_signed_in(example: Example) -> None:
    raise AssertionError("made-up details signed someone in")


def ended_sessions(path: Path) -> int:
    return len(rows(path, "SELECT token FROM sessions WHERE ended_at IS NOT NULL"))


def check_signed_out(example: Example) -> None:
    assert ended_sessions(example.after) == ended_sessions(example.before) + 1


def check_share_link_made(example: Example) -> None:
    link = rows(example.after, "SELECT * FROM share_links ORDER BY id DESC LIMIT 1")[0]
    assert link["id"] == SETUP_IDS["share_link_id"] + 1
    assert link["label"] == stripped(example.sent, "label")
    expiry = date.fromisoformat(stripped(example.sent, "expires_on"))
    assert link["expires_on"] == expiry.isoformat()
    shown(link["label"], example.outcome)


def check_share_link_revoked(example: Example) -> None:
    link_id = SETUP_IDS["share_link_id"]
    assert rows(example.after, "SELECT revoked_at FROM share_links WHERE id = ?", link_id)[0][
        "revoked_at"
    ]


# Each form's check of what an accepted submission stored. A new form needs one here.
ACCEPTED = {
    "actions.add": check_action_added,
    "actions.delete": check_action_deleted,
    "actions.edit": check_action_changed,
    "actions.settings": check_actions_setting,
    "auth.sign_in": check_signed_in,
    "auth.sign_out": check_signed_out,
    "board_settings.status_key": check_status_key,
    "people.add": check_person_added,
    "people.edit": check_person_changed,
    "plans.champions": check_champions,
    "reports.review": check_review_saved,
    "reports.upload": check_report_uploaded,
    "scrutiny.revoke": check_share_link_revoked,
    "scrutiny.share_links": check_share_link_made,
    "updates.edit": check_update_saved,
    "updates.quarters": check_quarter,
    "updates.review": check_update_reviewed,
}


# ----- What is sent -------------------------------------------------------------------------


@st.composite
def submissions(draw, fields: dict[str, list[Field]], token: str) -> MultiDict:
    """The form as the page fills it in, one of its buttons pressed, and a few of its fields
    (or the CSRF token) changed to something hostile, left out or sent twice."""
    sent: dict[str, list] = {name: page_values(group) for name, group in fields.items()}
    for name, group in fields.items():
        if group[0].kind == "button":
            sent[name] = [draw(st.sampled_from([one.value for one in group]))]
        elif sent[name] == [""] and group[0].kind in TYPED and draw(st.booleans()):
            sent[name] = [plausible(group[0])]  # what someone filling it in might type
    sent["csrf_token"] = [token]
    names = sorted(name for name in sent if name != "csrf_token")
    changed = (
        draw(st.lists(st.sampled_from(names), max_size=min(4, len(names)), unique=True))
        if names
        else []
    )
    if draw(st.integers(0, 9)) == 0:  # now and then, a token that is wrong or missing
        changed.append("csrf_token")
    for name in changed:
        group = fields.get(name, [Field(name, "hidden")])
        sent[name] = draw(hostile_values(group))
    for name, value in draw(st.lists(st.tuples(plain_text, nasty_text), max_size=2)):
        sent.setdefault(name, []).append(value)  # fields the form (most likely) does not have
    form = MultiDict()
    for name, values in sent.items():
        for value in values:
            form.add(name, value)
    return form


TYPED = ("text", "textarea", "date", "email")


def plausible(one: Field) -> str:
    """A value someone might type into an empty field."""
    if one.kind == "date":
        return (date.today() + timedelta(days=20)).isoformat()
    if "email" in one.name:
        return "someone@example.org"
    return "Progress made with partners"


def hostile_values(group: list[Field]) -> st.SearchStrategy[list]:
    """Something other than what the page offers for these fields."""
    kind = group[0].kind
    if kind == "file":
        return st.one_of(st.lists(uploads, max_size=3), st.lists(nasty_text, max_size=1))
    options = [one.value for one in group] + group[0].options
    choices = (
        st.lists(st.sampled_from(options), max_size=4)
        if options and kind in ("checkbox", "radio", "select", "button")
        else st.nothing()
    )
    return st.one_of(
        st.just([]),  # left out
        st.lists(nasty_text, min_size=1, max_size=2),  # once or twice
        choices,
        st.lists(st.one_of(nasty_text, st.sampled_from(options or [""])), min_size=2, max_size=3),
    )


# ----- The properties ------------------------------------------------------------------------


def form_endpoints() -> list[str]:
    """Every form's endpoint, read from the URL map of an app on a throwaway database."""
    app = create_app(
        {
            "DATABASE": ":memory:",
            "SECRET_KEY": "unused",
            "TESTING": True,
            "RATE_LIMIT_ENABLED": False,
        }
    )
    return [rule.endpoint for rule in post_routes(app)]


def test_every_form_is_found_on_its_page_and_has_a_check_of_what_it_stores(harness):
    endpoints = [rule.endpoint for rule in post_routes(harness.app)]
    assert len(endpoints) >= 15
    assert sorted(set(endpoints) - set(ACCEPTED)) == []
    for endpoint in endpoints:
        fields = harness.fields_of(endpoint)
        assert "csrf_token" in fields, f"no form with a CSRF token posts to {endpoint}"


def send(harness: Harness, endpoint: str, sent: MultiDict) -> Outcome:
    """Send the form from a fresh start, and check the answer: no server error, no script
    shown; what was accepted stored as sent, what was refused nothing changed."""
    fields = harness.fields_of(endpoint)
    after = harness.start_example()
    client = harness.client_for(endpoint)
    has_files = any(group[0].kind == "file" for group in fields.values())
    body = MultiDict(
        (name, value.as_sent() if isinstance(value, Upload) else value)
        for name, value in sent.items(multi=True)
    )
    response = client.post(
        harness.urls[endpoint],
        data=body,
        content_type="multipart/form-data" if has_files else None,
    )
    outcome = outcome_of(client, response)
    assert_no_script_shown(outcome)
    example = Example(harness.snapshot, after, sent, outcome, harness.evidence_folder)
    if outcome.accepted:
        ACCEPTED[endpoint](example)
    else:
        assert table_checksums(after) == harness.checksums, "refused, but something changed"
        folder = harness.evidence_folder
        assert not folder.exists() or not any(folder.iterdir()), "refused, but a file was kept"
    return outcome


def as_filled_in(fields: dict[str, list[Field]], token: str) -> MultiDict:
    """The form as its page fills it in, with its first button pressed."""
    form = MultiDict([("csrf_token", token)])
    for name, group in fields.items():
        values = [group[0].value] if group[0].kind == "button" else page_values(group)
        for value in values if name != "csrf_token" else []:
            form.add(name, value)
    return form


def distinct_fields(fields: dict[str, list[Field]]) -> list[str]:
    """One field of each kind: the review page repeats its fields for every recommendation
    and every rating."""
    kinds = {}
    for name in fields:
        kind = re.sub(r"^rec-[0-9a-f]+-", "rec-", re.sub(r"^rating-.*", "rating", name))
        kinds.setdefault(kind, name)
    return [name for name in kinds.values() if name != "csrf_token"]


# The bad values every field of every form is sent, one field at a time.
CLASSIC_BAD_VALUES = [
    "\x00",
    "\x00Name",
    "\u00b2",
    "<script>alert(1)</script>",
    "'; DROP TABLE plans; --",
    '=HYPERLINK("http://x","y")',
    "\u202e\U0001f4a9 \u0645\u0631\u062d\u0628\u0627\uffff",
    "x" * 100_000,
    "1" * 5_000,
]


@pytest.mark.parametrize("endpoint", form_endpoints())
def test_every_field_of_every_form_takes_each_classic_bad_value_safely(harness, endpoint):
    fields = harness.fields_of(endpoint)
    token = harness.tokens[harness.client_name(endpoint)]
    for name in distinct_fields(fields):
        for value in CLASSIC_BAD_VALUES:
            sent = as_filled_in(fields, token)
            if fields[name][0].kind == "file":
                value = Upload(value.encode(), f"{value[:50]}.txt", "text/plain")
            sent.setlist(name, [value])
            send(harness, endpoint, sent)


@pytest.mark.parametrize("endpoint", form_endpoints())
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    # The review page has hundreds of fields, so reading it and drawing for it takes a while.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_form_answers_hostile_input_with_a_server_error_or_a_partial_write(
    harness, endpoint, data
):
    fields = harness.fields_of(endpoint)
    token = harness.tokens[harness.client_name(endpoint)]
    outcome = send(harness, endpoint, data.draw(submissions(fields, token)))
    event(f"{'accepted' if outcome.accepted else 'refused'} with {outcome.status}")


@pytest.mark.parametrize("endpoint", form_endpoints())
@settings(max_examples=10, deadline=None, database=None)
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.lists(st.tuples(st.binary(max_size=20), st.binary(max_size=40)), max_size=8).map(
            lambda pairs: b"&".join(b"=".join(pair) for pair in pairs)
        ),
    ),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "text/plain",
            "application/json",
        ]
    ),
)
def test_no_form_is_upset_by_a_body_that_is_not_a_form(harness, endpoint, body, content_type):
    after = harness.start_example()
    client = harness.client_for(endpoint)
    token = harness.tokens[harness.client_name(endpoint)].encode()
    response = client.post(
        harness.urls[endpoint],
        data=b"csrf_token=" + token + b"&" + body,
        content_type=content_type,
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert table_checksums(after) == harness.checksums


# Typed into every free-text field: a formula, a script, a right-to-left override and an emoji,
# short enough for the shortest field (a status's name, 40 characters).
EVERYWHERE = "=1+1<script>alert(1)</script>\u202e\U0001f4a9"
# Forms that take no text, or that end what the rest would be seen through.
NO_TEXT = {"auth.sign_in", "auth.sign_out", "actions.delete", "scrutiny.revoke"}


def test_text_typed_into_every_form_is_shown_escaped_on_every_page(harness):
    harness.start_example()
    client = harness.clients["administrator"]
    stored = 0
    for endpoint in sorted(set(ACCEPTED) - NO_TEXT):
        page_url, url = harness.pages[endpoint], harness.urls[endpoint]
        first_fields = fields_posting_to(client.get(page_url).get_data(as_text=True), page_url, url)
        for name in distinct_fields(first_fields):
            if first_fields[name][0].kind not in ("text", "textarea"):
                continue
            # Read the form again each time: what was saved changes its fingerprints.
            fields = fields_posting_to(client.get(page_url).get_data(as_text=True), page_url, url)
            sent = as_filled_in(fields, harness.tokens["administrator"])
            sent.setlist(name, [EVERYWHERE])
            response = client.post(url, data=sent)
            outcome = outcome_of(client, response)
            assert_no_script_shown(outcome)
            stored += outcome.accepted
    assert stored >= 10, "too few forms kept the text to show it anywhere"
    showing = []
    for rule in harness.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = fill_in(rule.rule, ids_for(rule.endpoint))
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            assert "<script>alert(1)</script>" not in page, f"{url} shows the script unescaped"
            if str(escape(EVERYWHERE)) in page:
                showing.append(rule.endpoint)
    assert len(showing) >= 8, f"the text was shown on only {showing}"
