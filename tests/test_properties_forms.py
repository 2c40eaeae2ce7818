"""Bad input to every form: whatever is posted (random, huge, Unicode, control characters,
script, SQL, spreadsheet formulas, odd email addresses, missing or repeated fields, random
files), the tracker never answers with a server error; what it refuses changes nothing and
sends no mail, and what it accepts is stored exactly as sent and shown escaped.

Each form is found by walking the app's URL map, and its fields are read from the page that
shows it, so a new form is tried as soon as it exists. Every example starts from the same
database: a copy of the demo, with the administrator signed in, that has a draft plan under
review, an action, a submitted update and a share link, so every form has something to change;
and, for the account forms, an operator, a second and an archived board, a champion who signs in
with an authenticator app, a deactivated member, an invitation and a password reset link.
"""

import contextlib
import hashlib
import io
import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jinja2 import Environment
from jinja2.filters import do_truncate
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from tests.conftest import EMAIL_OF_ROLE, REPORTS, csrf_token, sign_in
from tests.test_permissions import DEMO_IDS, STATE_CHANGING
from tracker import create_app, mail
from tracker.accounts import bulk, members
from tracker.actions import queries as actions
from tracker.approvals import workflow as approvals
from tracker.audit import SYSTEM
from tracker.auth import accounts, two_factor, two_factor_settings
from tracker.auth.views import SECOND_STEP_MINUTES
from tracker.db import open_database
from tracker.demo import DEMO_OPERATOR, DEMO_PASSWORD
from tracker.mail import single_address
from tracker.operators import boards
from tracker.plan_changes import changes as plan_changes
from tracker.plan_import import imports as plan_imports
from tracker.plan_import.tables import read_tables
from tracker.quarters import Quarter
from tracker.reminders.schedule import format_days, parse_days
from tracker.reports import imports
from tracker.reports.drafts import MAX_LINE
from tracker.reports.formats import ReportFileError, read_pasted_text, read_report
from tracker.text import whole_number
from tracker.tokens import token_hash
from tracker.uk_time import uk_today
from tracker.updates import workflow

# Writes expected whatever the outcome: sign-in attempts are recorded whether or not they work,
# and a session notes when it was last used.
BOOKKEEPING = {"sign_in_attempts"}
BOOKKEEPING_COLUMNS = {"sessions": {"last_used_at"}}
# How long the background mail thread is given to write what an example sent.
MAIL_WAIT_SECONDS = 10
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
# Addresses the address check takes as they are typed, but that are not written as mail is
# sent: capitals in the domain, letters beyond ASCII, an IP address, quotes.
ODD_EMAILS = [
    "Jo.Bloggs@Example.ORG",
    "zo\u00eb@example.org",
    "someone@EXAMPLE.org",
    "someone@[127.0.0.1]",
    '"jo bloggs"@example.org',
    "someone@xn--bcher-kva.example",
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
    st.sampled_from(ODD_EMAILS),
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


# A list of people to invite that the bulk invitation form accepts.
PEOPLE = [
    {
        "name": "Riya Patel",
        "email": "riya.patel@example.org",
        "organisation": "Youth Justice Service",
        "job_title": "Case manager",
        "role": "champion",
    },
    {
        "name": "Tom Okafor",
        "email": "tom.okafor@example.org",
        "organisation": "Police",
        "job_title": "Inspector",
        "role": "scrutiny",
    },
]
PEOPLE_CSV = "Name,Email address,Organisation,Job title,Role\r\n" + "".join(
    f"{one['name']},{one['email']},{one['organisation']},{one['job_title']},{one['role']}\r\n"
    for one in PEOPLE
)
PEOPLE_UPLOAD = Upload(PEOPLE_CSV.encode(), "people.csv", "text/csv")
uploads = st.one_of(
    st.builds(Upload, file_contents, file_names, content_types),
    # Ones that are accepted: as evidence, and as a list of people to invite.
    st.just(Upload(PNG, "progress chart.png", "image/png")),
    st.just(PEOPLE_UPLOAD),
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

# A plan beside the demo's, its last quarter closed and nothing yet in the next.
REOPENABLE_PLAN = {
    "board_id": 1,
    "inspection_id": 1,
    "title": "Second plan",
    "current_quarter": "2022/23 Q4",
    "state": "live",
}
# A draft plan, with a recommendation, on which reporting can start.
DRAFT_PLAN = {"board_id": 1, "title": "Draft plan", "state": "draft"}
DRAFT_PLAN_ID = 3
# A recommendation of the demo's plan withdrawn by the board, which can be reinstated.
WITHDRAWN_RECOMMENDATION = 9
# Failed jobs, by id: the demo board's, and the whole installation's (no board's).
BOARD_FAILURE, INSTALLATION_FAILURE = 1, 2
JOB_FAILURES = {BOARD_FAILURE: 1, INSTALLATION_FAILURE: None}
# The demo's users, and the boards set up below beside the demo's.
ADMINISTRATOR, CHAMPION, SCRUTINY = 1, 2, 3
SECOND_BOARD, ARCHIVED_BOARD = 2, 3
OPERATOR_EMAIL = DEMO_OPERATOR[0]  # the demo's own operator
INVITED_EMAIL = "invited.person@example.org"
# The tokens carried by the links set up below, shaped as the tracker makes them.
INVITATION_TOKEN = "invitation-link-token-known-to-the-form-tests"
RESET_TOKEN = "password-reset-link-token-known-to-the-form-tests"
NEW_PASSWORD = "lantern orchard pebble violin"  # meets the password rule
SECRET_KEY = "test-secret"
# The board's existing plan, uploaded and waiting to be checked.
PLAN_CSV = (
    b"Recommendation,Board champion,RAG,Progress\n1. Improve planning,Karen Linton,Green,Audit\n"
)
KEYS = two_factor_settings.Keys(SECRET_KEY)

# Where each form that has no page of its own is shown.
MEMBER_PAGE = "/boards/<board_id>/users/<user_id>"
USERS_PAGE = "/boards/<board_id>/users"
BOARD_PAGE = "/operator/boards/<board_id>"
FORM_PAGES = {
    "accounts.cancel": USERS_PAGE,
    "accounts.change_role": MEMBER_PAGE,
    "accounts.deactivate": MEMBER_PAGE,
    # Shown in answer to the list of people sent to this page's form: see SHOWN_AFTER_UPLOAD.
    "accounts.invite_many_confirm": "/boards/<board_id>/users/invite-many",
    "accounts.reactivate": MEMBER_PAGE,
    "accounts.remove": MEMBER_PAGE,
    "accounts.resend": USERS_PAGE,
    "accounts.reset_member_two_factor": MEMBER_PAGE,
    "accounts.send_reset": MEMBER_PAGE,
    "accounts.two_factor_rule": USERS_PAGE,
    "actions.delete": "/actions/<id:action_id>/edit",
    "auth.recovery_codes": "/account",
    "auth.sign_out": "/",
    "dashboard.dismiss_failure": "/plans/<id:plan_id>/dashboard",
    "operators.archive_board": BOARD_PAGE,
    "operators.dismiss_failure": "/operator",
    "operators.reset_administrator_two_factor": BOARD_PAGE,
    "operators.restore_board": BOARD_PAGE,
    "plan_changes.reinstate": "/recommendations/<id:recommendation_id>/withdraw",
    "plan_changes.remove_key_line": "/recommendations/<id:recommendation_id>/key-lines",
    "reminders.send_now": "/plans/<id:plan_id>/reminders",
    "scrutiny.revoke": "/plans/<id:plan_id>/share-links",
    "updates.review": "/recommendations/<id:recommendation_id>",
    # On the update form: "Discard it" on the banner over a kept working copy (one is set up
    # below), and the timeout warning's "Stay signed in".
    "working_copies.discard": "/recommendations/<id:recommendation_id>/update",
    "working_copies.stay_signed_in": "/recommendations/<id:recommendation_id>/update",
}
# Sent by a script, not a form: static/js/autosave.js posts JSON, and
# tests/test_working_copies.py sends it what is not the form's fields.
SENT_BY_SCRIPTS = {"working_copies.keep"}
# Forms shown only in answer to another form: the file sent to that form's field.
SHOWN_AFTER_UPLOAD = {"accounts.invite_many_confirm": ("people", PEOPLE_UPLOAD)}
# The ids each form needs where the demo's do not do: the recommendation with a submitted update
# waiting for review, the deactivated member, the links' tokens, the archived board, and the
# board the champion administers with two factors.
ID_OVERRIDES = {
    "accounts.accept_invitation": {"token": INVITATION_TOKEN},
    "accounts.reactivate": {"user_id": SCRUTINY},
    "auth.reset_password": {"token": RESET_TOKEN},
    "operators.reset_administrator_two_factor": {"board_id": SECOND_BOARD, "user_id": CHAMPION},
    "operators.restore_board": {"board_id": ARCHIVED_BOARD},
    "updates.review": {"recommendation_id": 3},
    "approvals.return_update": {"recommendation_id": 3},
    "closing.reopen": {"plan_id": 2},
    "lifecycle.start": {"plan_id": DRAFT_PLAN_ID},
    "lifecycle.delete": {"plan_id": DRAFT_PLAN_ID},
    "plan_changes.reinstate": {"recommendation_id": WITHDRAWN_RECOMMENDATION},
}
SETUP_IDS = {"share_link_id": 1}

# Who sends each form: the administrator, unless named here (or an operator, for the
# installation's forms). Signing out has a session of its own; the public forms a visitor; the
# code asked for after the password, the champion between the two steps; and making new
# recovery codes, the champion signed in with both.
OWN_SESSION, VISITOR, OPERATOR = "own session", "visitor", "operator"
SECOND_STEP, WITH_TWO_FACTORS = "champion between password and code", "champion"
CLIENT_OF_ENDPOINT = {
    "accounts.accept_invitation": VISITOR,
    "auth.forgotten_password": VISITOR,
    "auth.recovery_codes": WITH_TWO_FACTORS,
    "auth.reset_password": VISITOR,
    "auth.second_factor": SECOND_STEP,
    "auth.sign_in": VISITOR,
    "auth.sign_out": OWN_SESSION,
}
CLIENTS = ("administrator", OWN_SESSION, VISITOR, OPERATOR, SECOND_STEP, WITH_TWO_FACTORS)
# A page with a form, for each client's CSRF token.
TOKEN_PAGES = {VISITOR: "/sign-in", SECOND_STEP: "/sign-in", OPERATOR: "/operator"}


def client_name(endpoint: str) -> str:
    """The client that sends the form."""
    if endpoint in CLIENT_OF_ENDPOINT:
        return CLIENT_OF_ENDPOINT[endpoint]
    return OPERATOR if endpoint.startswith("operators.") else "administrator"


def post_routes(app) -> list:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.methods & STATE_CHANGING and rule.endpoint not in SENT_BY_SCRIPTS
        ),
        key=lambda rule: rule.endpoint,
    )


def ids_for(endpoint: str) -> dict:
    return {**SETUP_IDS, **DEMO_IDS, **ID_OVERRIDES.get(endpoint, {})}


def fill_in(rule: str, ids: dict) -> str:
    """The URL rule with the ids filled in (and 1 for any other variable)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m[1], 1)), rule)


@dataclass(frozen=True)
class Authenticators:
    """What the authenticator apps set up below hold: the champion's secret and recovery codes,
    and the secret waiting on the administrator's page for setting one up."""

    champion: str
    recovery_codes: list[str]
    waiting: str


def set_up_every_form(db) -> Authenticators:
    """Give every form something to change: a report under review, an action, the current
    quarter with a submitted update, a share link; and, for the account forms, people and links
    to act on."""
    report = (REPORTS / "sunderland-2022.txt").read_text(encoding="utf-8")
    assert imports.start_import(db, 1, "sunderland.txt", report, SYSTEM) == 1
    plan_file = hashlib.sha256(PLAN_CSV).hexdigest()
    plan_tables = read_tables("plan.csv", PLAN_CSV, len(PLAN_CSV))
    assert plan_imports.start_import(db, 1, "plan.csv", plan_file, plan_tables, SYSTEM) == 1
    actions.set_uses_actions(db, 1, True, SYSTEM)
    action = {"text": "Demo action", "status": "not started"}
    assert actions.add_action(db, DEMO_IDS["recommendation_id"], action, SYSTEM) == 1
    quarter_id = workflow.ensure_quarter(db, 1, Quarter.parse("2022/23 Q4"), SYSTEM)
    update = {"narrative": "Waiting for review", "status": "green"}
    workflow.save_update(db, 3, quarter_id, update, 0, True, SYSTEM)
    link = {"plan_id": 1, "token_sha256": "0" * 64, "label": "Scrutiny panel"}
    assert db["share_links"].insert({**link, "expires_on": "2099-12-31"}).last_pk == 1
    # A second plan whose closed quarter can be reopened: the demo's next quarter has an update.
    assert db["plans"].insert(REOPENABLE_PLAN).last_pk == 2
    closed = workflow.ensure_quarter(db, 2, Quarter.parse("2022/23 Q3"), SYSTEM)
    workflow.ensure_quarter(db, 2, Quarter.parse("2022/23 Q4"), SYSTEM)
    db["quarters"].update(closed, {"locked_at": "2023-01-12T10:00:00Z"})
    assert db["plans"].insert(DRAFT_PLAN).last_pk == DRAFT_PLAN_ID
    recommendation = {"plan_id": DRAFT_PLAN_ID, "text": "Draft", "origin": "local", "position": 1}
    db["recommendations"].insert(recommendation)
    withdrawn = db["recommendations"].get(WITHDRAWN_RECOMMENDATION)
    seen = plan_changes.recommendation_fingerprint(withdrawn)
    reason = "Merged into recommendation 8"
    plan_changes.withdraw_recommendation(db, WITHDRAWN_RECOMMENDATION, reason, seen, SYSTEM)
    # The champion signs in with an authenticator app, and also administers a second board, so
    # an operator has an administrator's second factor to reset; the administrator has opened
    # the page for setting one up, so its secret is waiting there.
    champion = two_factor_settings.start_set_up(db, CHAMPION, KEYS)
    codes = two_factor_settings.confirm_set_up(
        db, CHAMPION, pyotp.TOTP(champion).now(), KEYS, SYSTEM
    )
    assert codes
    waiting = two_factor_settings.start_set_up(db, ADMINISTRATOR, KEYS)
    second = {"name": "Second board", "service": "Second youth justice service", "council": ""}
    assert boards.create_board(db, second, SYSTEM) == SECOND_BOARD
    accounts.add_membership(db, CHAMPION, SECOND_BOARD, "administrator", None, SYSTEM)
    archived = {"name": "Archived board", "service": "Archived service", "council": "Elsewhere"}
    assert boards.create_board(db, archived, SYSTEM) == ARCHIVED_BOARD
    boards.set_archived(db, ARCHIVED_BOARD, True, SYSTEM)
    # The scrutiny member is deactivated, so their page offers to reactivate them (the
    # champion's offers to deactivate).
    members.deactivate(db, 1, SCRUTINY, SYSTEM)
    # An invitation not yet accepted and a link to reset the administrator's password, with
    # tokens known here; both work for longer than the module runs.
    later = accounts.timestamp(accounts.now() + timedelta(days=1))
    invitation = {
        "board_id": 1,
        "email": INVITED_EMAIL,
        "name": "Jo Invited",
        "role": "champion",
        "token_sha256": token_hash(INVITATION_TOKEN),
        "expires_at": later,
        "invited_by": ADMINISTRATOR,
    }
    assert db["invitations"].insert(invitation).last_pk == DEMO_IDS["invitation_id"]
    reset = {"user_id": ADMINISTRATOR, "token_sha256": token_hash(RESET_TOKEN), "expires_at": later}
    db["password_resets"].insert(reset)
    # What the administrator typed into the update form and has not saved, so the form offers
    # to discard it.
    latest = workflow.latest_revision(db, DEMO_IDS["recommendation_id"], quarter_id)
    working_copy = {"user_id": ADMINISTRATOR, "recommendation_id": DEMO_IDS["recommendation_id"]}
    working_copy |= {
        "quarter_id": quarter_id,
        "based_on_revision": latest["revision"] if latest else 0,
    }
    kept = {"status": "", "narrative": "Typed and not saved yet"}
    db["working_copies"].insert(working_copy | {"fields": json.dumps(kept)})
    # A failed job of the demo's board, for its administrators to dismiss, and one of the whole
    # installation, for an operator to.
    for failure_id, board_id in JOB_FAILURES.items():
        failure = {"task": "t", "description": "Sending", "error": "Refused", "board_id": board_id}
        assert db["job_failures"].insert(failure).last_pk == failure_id
    return Authenticators(champion, codes, waiting)


@dataclass
class Harness:
    """The app, its signed-in clients, and a way back to the starting state."""

    app: Flask
    folder: Path
    snapshot: Path
    clients: dict[str, FlaskClient]
    authenticators: Authenticators
    cookies: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    checksums: dict = field(default_factory=dict)
    examples: int = 0
    fields: dict[str, dict] = field(default_factory=dict)
    second_step_until: datetime | None = None

    def __repr__(self) -> str:
        return "Harness(the demo, set up for every form)"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    @property
    def evidence_folder(self) -> Path:
        return Path(self.app.config["EVIDENCE_FOLDER"])

    @property
    def mail_folder(self) -> Path:
        return Path(self.app.config["MAIL_FOLDER"])

    def client_for(self, endpoint: str) -> FlaskClient:
        return self.clients[client_name(endpoint)]

    def token_for(self, endpoint: str) -> str:
        """The CSRF token of the client that sends the form. The champion between password and
        code has a few minutes to enter it: they sign in again before that runs out, so however
        slowly the module runs, the code form is sent within the second step."""
        name = client_name(endpoint)
        if name == SECOND_STEP and accounts.now() > self.second_step_until - timedelta(minutes=2):
            self.start_second_step()
        return self.tokens[name]

    def start_second_step(self) -> None:
        """Sign the champion in with their password, on a copy of the starting database, so the
        client waits for the code from their app."""
        client = self.clients[SECOND_STEP]
        scratch = self.folder / "second-step.db"
        for suffix in ("-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.snapshot, scratch)
        database = self.app.config["DATABASE"]
        self.app.config["DATABASE"] = str(scratch)
        try:
            until = accounts.now() + timedelta(minutes=SECOND_STEP_MINUTES)
            response = sign_in(client, EMAIL_OF_ROLE["champion"])
            assert response.headers["Location"].endswith("/sign-in/code")
            self.tokens[SECOND_STEP] = csrf_token(client, "/sign-in/code")
        finally:
            self.app.config["DATABASE"] = database
        self.second_step_until = until
        self.cookies[SECOND_STEP] = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"]).value

    def start_example(self) -> Path:
        """A fresh copy of the starting database, the clients as they were, no evidence, no
        mail."""
        self.examples += 1
        path = self.folder / f"example-{self.examples}.db"
        shutil.copy(self.snapshot, path)
        previous = Path(self.app.config["DATABASE"])
        self.app.config["DATABASE"] = str(path)
        if previous.name.startswith("example-"):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{previous}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.evidence_folder, ignore_errors=True)
        # Mail handed to the background thread lands before the folder is emptied, not in the
        # next example's.
        assert mail.wait_for_background_mail(MAIL_WAIT_SECONDS)
        shutil.rmtree(self.mail_folder, ignore_errors=True)
        for name, client in self.clients.items():
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[name])
        return path

    def fields_of(self, endpoint: str) -> dict[str, list[Field]]:
        """The fields of the form that posts to the endpoint, read from the page showing it."""
        if endpoint not in self.fields:
            self.start_example()
            client, page_url = self.client_for(endpoint), self.pages[endpoint]
            if endpoint in SHOWN_AFTER_UPLOAD:
                name, upload = SHOWN_AFTER_UPLOAD[endpoint]
                data = {"csrf_token": self.token_for(endpoint), name: upload.as_sent()}
                response = client.post(page_url, data=data, content_type="multipart/form-data")
            else:
                response = client.get(page_url)
            assert response.status_code == 200, page_url
            page = response.get_data(as_text=True)
            self.fields[endpoint] = fields_posting_to(page, page_url, self.urls[endpoint])
        return self.fields[endpoint]

    def typed(self, endpoint: str, one: Field) -> list[str]:
        """What someone might type into the empty field: where a code is asked for, the one
        their app shows now (or, signing in, a recovery code); else what anyone might type into
        a field of its name."""
        if (endpoint, one.name) == ("auth.second_factor", "code"):
            champion = self.authenticators.champion
            return [self.authenticators.recovery_codes[1], pyotp.TOTP(champion).now()]
        if (endpoint, one.name) == ("auth.set_up_two_factor", "code"):
            return [pyotp.TOTP(self.authenticators.waiting).now()]
        by_name = {**TYPED_VALUES, **TYPED_IN_FORM.get(endpoint, {})}
        return by_name.get(one.name) or [plausible(one)]


@pytest.fixture(scope="module")
def harness(tmp_path_factory, demo_database_template) -> Harness:
    folder = tmp_path_factory.mktemp("forms")
    start = folder / "start.db"
    shutil.copy(demo_database_template, start)
    db = open_database(start)
    authenticators = set_up_every_form(db)
    db.close()
    app = create_app(
        {
            "DATABASE": str(start),
            "SECRET_KEY": SECRET_KEY,
            "TESTING": True,
            "EVIDENCE_FOLDER": str(folder / "evidence"),
            "MAIL_FOLDER": str(folder / "mail"),
            # Background jobs (reading a report, making a pack) run inside the request.
            "JOBS_STORAGE": "immediate",
            # Every form is sent hundreds of times from one address: the limits have their own
            # tests (test_rate_limiting.py, test_accounts.py).
            "RATE_LIMIT_ENABLED": False,
        }
    )
    clients = {name: app.test_client() for name in CLIENTS}
    for name in ("administrator", OWN_SESSION):
        assert sign_in(clients[name], EMAIL_OF_ROLE["administrator"]).status_code == 302
    assert sign_in(clients[OPERATOR], OPERATOR_EMAIL).status_code == 302
    # The champion signs in with a recovery code: their app's code now may be the one used to
    # set it up, which works once.
    champion = clients[WITH_TWO_FACTORS]
    assert sign_in(champion, EMAIL_OF_ROLE["champion"]).status_code == 302
    code = {"code": authenticators.recovery_codes[0]}
    token = csrf_token(champion, "/sign-in/code")
    assert champion.post("/sign-in/code", data={**code, "csrf_token": token}).status_code == 302
    harness = Harness(app, folder, folder / "snapshot.db", clients, authenticators)
    for name, client in clients.items():
        harness.tokens[name] = csrf_token(client, TOKEN_PAGES.get(name, "/"))
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
    # Waiting for a code writes nothing but an attempt to sign in, so it can start from a copy.
    harness.start_second_step()
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
    mail_folder: Path


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


def stored_email(sent: MultiDict) -> str | None:
    """The email address as the tracker keeps it: as mail will be sent to it (domain in lower
    case, in its ASCII form)."""
    typed = stripped(sent, "email")
    return single_address(typed) if typed else None


def mail_sent(folder: Path) -> list[EmailMessage]:
    """Every message written to the mail folder."""
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def recipients(message: EmailMessage) -> list[str]:
    return [address.addr_spec for address in message["To"].addresses]


def link_token(example: Example, email: str, path: str) -> str:
    """The token of the link to `path`/<token> in the one message sent to `email`."""
    [message] = [one for one in mail_sent(example.mail_folder) if recipients(one) == [email]]
    links = mail.links_in(mail.plain_text(message))
    [token] = [link.rpartition("/")[2] for link in links if link.rpartition("/")[0].endswith(path)]
    return token


def new_rows(example: Example, table: str) -> list[dict]:
    """The table's rows added by the form (its ids only grow)."""
    newest = f"SELECT max(id) AS id FROM [{table}]"  # noqa: S608 (the schema's names)
    added = f"SELECT * FROM [{table}] WHERE id > ? ORDER BY id"  # noqa: S608
    return rows(example.after, added, rows(example.before, newest)[0]["id"] or 0)


def user(path: Path, user_id: int) -> dict:
    return rows(path, "SELECT * FROM users WHERE id = ?", user_id)[0]


def has_password(path: Path, user_id: int, password: str) -> bool:
    try:
        return PasswordHasher().verify(user(path, user_id)["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


def live_sessions(path: Path, user_id: int) -> set[str]:
    found = rows(path, "SELECT token FROM sessions WHERE user_id = ? AND ended_at IS NULL", user_id)
    return {row["token"] for row in found}


def membership(path: Path, board_id: int, user_id: int) -> dict | None:
    found = rows(
        path, "SELECT * FROM memberships WHERE board_id = ? AND user_id = ?", board_id, user_id
    )
    return found[0] if found else None


def recovery_code_hashes(path: Path, user_id: int, *, used: bool) -> set[str]:
    found = rows(
        path,
        "SELECT code_hash FROM recovery_codes WHERE user_id = ? AND (used_at IS NOT NULL) = ?",
        user_id,
        used,
    )
    return {row["code_hash"] for row in found}


def picked(row: dict, names: tuple[str, ...]) -> dict:
    return {name: row[name] for name in names}


def codes_shown(outcome: Outcome) -> set[str]:
    """The hashes of the recovery codes on the page, as they are stored."""
    codes = re.findall(r"<code>([^<]*)</code>", outcome.pages[-1])
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    return {two_factor.recovery_code_hash(code, KEYS.pepper) for code in codes}


# ----- Accepted: stored exactly as sent -------------------------------------------------------


def person_as_sent(sent: MultiDict) -> dict:
    return {
        "name": stripped(sent, "name"),
        "job_title": stripped(sent, "job_title"),
        "organisation": stripped(sent, "organisation"),
        "email": stored_email(sent),
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


def check_plan_uploaded(example: Example) -> None:
    newest = rows(example.after, "SELECT * FROM plan_imports ORDER BY id DESC LIMIT 1")[0]
    sent = {hashlib.sha256(first(example.sent, "pasted").encode("utf-8", "replace")).hexdigest()}
    sent |= {hashlib.sha256(content).hexdigest() for content in sent_files(example.sent, "plan")}
    assert newest["file_sha256"] in sent
    shown(newest["filename"], example.outcome)


def check_plan_choices_saved(example: Example) -> None:
    found = rows(
        example.after, "SELECT * FROM plan_imports WHERE id = ?", DEMO_IDS["plan_import_id"]
    )
    choices = json.loads(found[0]["choices"])
    title = " ".join(stripped(example.sent, "title")[:300].split())
    assert choices["title"] == title
    assert choices["quarter"] == (first(example.sent, "quarter") or None)
    for name in example.sent:
        if name.startswith("column-") and first(example.sent, name):
            assert choices["columns"][first(example.sent, name)] == int(name[len("column-") :])
    if first(example.sent, "action") == "create":
        plan = rows(example.after, "SELECT * FROM plans WHERE id = ?", found[0]["plan_id"])[0]
        assert plan["title"] == title
        assert plan["state"] == "draft"
    shown(title, example.outcome)


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


def check_several_approved(example: Example) -> None:
    """Every update ticked is approved, each once, as the administrator: here the one update
    waiting, on recommendation 3."""
    ticked = set(approvals.chosen_ids(example.sent.getlist("update")))
    assert ticked == {latest_update(example.before, 3)["id"]}
    added = new_rows(example, "progress_updates")
    assert [(row["recommendation_id"], row["state"]) for row in added] == [(3, "approved")]
    assert added[0]["author_id"] == ADMINISTRATOR
    assert added[0]["revision"] == latest_update(example.before, 3)["revision"] + 1


def check_update_returned(example: Example) -> None:
    update = latest_update(
        example.after, ID_OVERRIDES["approvals.return_update"]["recommendation_id"]
    )
    assert (update["state"], update["author_id"]) == ("returned", ADMINISTRATOR)
    assert update["review_note"] == stripped(example.sent, "reason")


def check_quarter(example: Example) -> None:
    quarter = rows(
        example.after, "SELECT * FROM quarters WHERE plan_id = 1 AND label = '2022/23 Q4'"
    )[0]
    for name in ("update_deadline", "board_meeting_on"):
        stored = date.fromisoformat(quarter[name])
        typed = [stripped(example.sent, f"{name}-{part}") for part in ("day", "month", "year")]
        assert [int(typed[0]), typed[2]] == [stored.day, str(stored.year)]


def check_quarter_closed(example: Example) -> None:
    quarters = rows(example.after, "SELECT label, locked_at FROM quarters WHERE plan_id = 1")
    assert [q["label"] for q in quarters if q["locked_at"]] == ["2022/23 Q3", "2022/23 Q4"]
    plan = rows(example.after, "SELECT current_quarter FROM plans WHERE id = 1")[0]
    assert plan["current_quarter"] == "2023/24 Q1"


def check_quarter_reopened(example: Example) -> None:
    quarter = rows(example.after, "SELECT * FROM quarters WHERE plan_id = 2 ORDER BY id")
    assert quarter[0]["locked_at"] is None
    reopening = rows(example.after, "SELECT * FROM quarter_reopenings")
    assert [(r["quarter_id"], r["reason"]) for r in reopening] == [
        (quarter[0]["id"], stripped(example.sent, "reason"))
    ]
    plan = rows(example.after, "SELECT current_quarter FROM plans WHERE id = 2")[0]
    assert plan["current_quarter"] == "2022/23 Q3"


def check_reporting_started(example: Example) -> None:
    plan = rows(example.after, "SELECT * FROM plans WHERE id = ?", DRAFT_PLAN_ID)[0]
    assert (plan["state"], plan["current_quarter"]) == ("live", first(example.sent, "quarter"))
    quarter = rows(example.after, "SELECT * FROM quarters WHERE plan_id = ?", DRAFT_PLAN_ID)[0]
    for name in ("update_deadline", "board_meeting_on"):
        sent = date.fromisoformat(quarter[name])
        assert stripped(example.sent, f"{name}-year") == str(sent.year)
        assert int(stripped(example.sent, f"{name}-day")) == sent.day


def check_plan_closed(example: Example) -> None:
    assert rows(example.after, "SELECT state FROM plans WHERE id = 1") == [{"state": "closed"}]
    assert rows(example.before, "SELECT state FROM plans WHERE id = 1") == [{"state": "live"}]


def check_draft_deleted(example: Example) -> None:
    assert rows(example.after, "SELECT * FROM plans WHERE id = ?", DRAFT_PLAN_ID) == []
    left = rows(example.after, "SELECT * FROM recommendations WHERE plan_id = ?", DRAFT_PLAN_ID)
    assert left == []


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


def check_evidence_quota(example: Example) -> None:
    """The board's own evidence limit, typed in megabytes (a suffix "MB" and thousands commas
    allowed), or none when left empty."""
    typed = stripped(example.sent, "quota").removesuffix("MB").removesuffix("mb").strip()
    megabytes = typed.replace(",", "")
    quota = rows(example.after, "SELECT evidence_quota_bytes FROM boards WHERE id = 1")[0]
    assert quota["evidence_quota_bytes"] == (int(megabytes) * 1024 * 1024 if typed else None)
    if typed:
        assert f'value="{int(megabytes)}"' in example.outcome.pages[-1]


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


def check_reminder_schedule(example: Example) -> None:
    plan = rows(
        example.after, "SELECT reminder_days, reminder_overdue_weekly FROM plans WHERE id = 1"
    )
    assert plan[0]["reminder_days"] == format_days(parse_days(first(example.sent, "days")))
    assert plan[0]["reminder_overdue_weekly"] == int(first(example.sent, "overdue_weekly") == "yes")


def check_notification_choices(example: Example) -> None:
    """The administrator is asked about every kind: each is saved as chosen."""
    saved = rows(
        example.after,
        "SELECT kind, delivery FROM notification_choices WHERE user_id = ?",
        ADMINISTRATOR,
    )
    chosen = {row["kind"]: row["delivery"] for row in saved}
    for kind in ("submitted", "returned", "approved"):
        assert chosen.get(kind, "immediate") == first(example.sent, kind)


def check_reminders_queued(example: Example) -> None:
    # Queued for the job worker, here run at once: each reminder is sent by hand, once.
    sent = rows(example.after, "SELECT * FROM reminders_sent")
    assert sent, "nothing was sent"
    assert {(row["sent_by"], row["step"]) for row in sent} == {
        ("administrator", f"by-hand-{uk_today().isoformat()}")
    }
    assert len({(row["kind"], row["email"]) for row in sent}) == len(sent)
    shown("The reminders are being sent.", example.outcome)


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


# ----- Accepted: changes to the plan ---------------------------------------------------------


def shown_first_words(text: str, outcome: Outcome) -> None:
    """The text's first words, as the page for changing the plan shows them, appear escaped."""
    shown(do_truncate(Environment(autoescape=True), text, 180, False, "…"), outcome)


def check_plan_details_changed(example: Example) -> None:
    plan = rows(example.after, "SELECT title, period FROM plans WHERE id = 1")[0]
    assert plan == {name: stripped(example.sent, name) for name in ("title", "period")}
    shown(plan["title"], example.outcome)


def check_blank_plan_started(example: Example) -> None:
    [plan] = new_rows(example, "plans")
    expected = {
        "board_id": 1,
        "inspection_id": None,
        "state": "draft",
        "title": stripped(example.sent, "title"),
        "period": stripped(example.sent, "period"),
    }
    assert picked(plan, tuple(expected)) == expected
    shown(plan["title"], example.outcome)


def recommendation_as_sent(sent: MultiDict) -> dict:
    number = stripped(sent, "number")
    return {
        "number": int(number) if number else None,
        "text": stripped(sent, "text"),
        "addressee": stripped(sent, "addressee") or None,
        "origin": first(sent, "origin"),
    }


def check_recommendation_added(example: Example) -> None:
    [added] = new_rows(example, "recommendations")
    assert picked(added, ("number", "text", "addressee", "origin")) == recommendation_as_sent(
        example.sent
    )
    last = rows(example.before, "SELECT max(position) AS n FROM recommendations WHERE plan_id = 1")
    assert (added["plan_id"], added["position"]) == (1, last[0]["n"] + 1)
    shown_first_words(added["text"], example.outcome)


def check_recommendation_changed(example: Example) -> None:
    recommendation_id = DEMO_IDS["recommendation_id"]
    changed = rows(example.after, "SELECT * FROM recommendations WHERE id = ?", recommendation_id)
    assert picked(changed[0], ("number", "text", "addressee", "origin")) == recommendation_as_sent(
        example.sent
    )
    shown_first_words(changed[0]["text"], example.outcome)


def plan_order(path: Path) -> list[int]:
    found = rows(path, "SELECT id FROM recommendations WHERE plan_id = 1 ORDER BY position, id")
    return [row["id"] for row in found]


def check_recommendation_moved(example: Example) -> None:
    direction, _, moved = first(example.sent, "move").partition(":")
    order = plan_order(example.before)
    here = order.index(int(moved))
    there = here - 1 if direction == "up" else here + 1
    order[here], order[there] = order[there], order[here]
    assert plan_order(example.after) == order


def check_key_line_added(example: Example) -> None:
    [line] = new_rows(example, "key_lines")
    source = first(example.sent, "source")
    assert line["recommendation_id"] == DEMO_IDS["recommendation_id"]
    if source == "own":
        assert (line["finding_id"], line["text"]) == (None, stripped(example.sent, "text"))
    else:
        finding = rows(example.after, "SELECT text FROM findings WHERE id = ?", int(source))
        assert (line["finding_id"], line["text"]) == (int(source), finding[0]["text"])
    shown(line["text"], example.outcome)


def check_key_line_removed(example: Example) -> None:
    removed = int(stripped(example.sent, "remove"))
    lines = "SELECT id FROM key_lines WHERE recommendation_id = ?"
    before = rows(example.before, lines, DEMO_IDS["recommendation_id"])
    after = rows(example.after, lines, DEMO_IDS["recommendation_id"])
    assert after == [row for row in before if row["id"] != removed] != before


def check_recommendation_withdrawn(example: Example) -> None:
    found = rows(
        example.after, "SELECT * FROM recommendations WHERE id = ?", DEMO_IDS["recommendation_id"]
    )[0]
    assert found["withdrawn_at"]
    expected = {
        "withdrawn_reason": stripped(example.sent, "reason"),
        "withdrawn_in_quarter": "2022/23 Q4",
        "withdrawn_by": ADMINISTRATOR,
    }
    assert picked(found, tuple(expected)) == expected
    shown(found["withdrawn_reason"], example.outcome)


def check_recommendation_reinstated(example: Example) -> None:
    found = rows(
        example.after, "SELECT * FROM recommendations WHERE id = ?", WITHDRAWN_RECOMMENDATION
    )[0]
    names = ("withdrawn_at", "withdrawn_in_quarter", "withdrawn_reason", "withdrawn_by")
    assert picked(found, names) == dict.fromkeys(names)


# ----- Accepted: accounts, invitations and boards -------------------------------------------


def person_invited(example: Example, board_id: int, chosen: str, details: dict) -> int:
    """The entry in the board's people list an invitation is for: the one chosen, else the
    entry with the invitee's email, else a new one with the details sent."""
    if chosen != "new":
        assert new_rows(example, "people") == []
        return int(chosen)
    found = rows(
        example.before,
        "SELECT id FROM people WHERE board_id = ? AND email = ? COLLATE NOCASE ORDER BY id",
        board_id,
        details["email"],
    )
    if found:
        assert new_rows(example, "people") == []
        return found[0]["id"]
    [person] = new_rows(example, "people")
    assert picked(person, tuple(details)) == details
    assert person["board_id"] == board_id
    return person["id"]


def check_invitation(
    example: Example, invited_by: int, role: str, chosen: str, details: dict
) -> None:
    """Someone new is sent a link to the invitation to the demo's board stored for them;
    someone with an account is given the role at once, and told so."""
    board_id = 1
    email = details["email"]
    shown(email, example.outcome)
    assert [recipients(message) for message in mail_sent(example.mail_folder)] == [[email]]
    person_id = person_invited(example, board_id, chosen, details)
    account = rows(example.before, "SELECT id FROM users WHERE email = ?", email)
    if account:
        assert new_rows(example, "invitations") == []
        added = membership(example.after, board_id, account[0]["id"])
        expected = {"role": role, "person_id": person_id, "deactivated_at": None}
        assert picked(added, tuple(expected)) == expected
        return
    [invitation] = new_rows(example, "invitations")
    expected = {
        "board_id": board_id,
        "email": email,
        "name": details["name"],
        "role": role,
        "person_id": person_id,
        "invited_by": invited_by,
        "accepted_at": None,
        "cancelled_at": None,
    }
    assert picked(invitation, tuple(expected)) == expected
    token = link_token(example, email, "/invitations/accept")
    assert token_hash(token) == invitation["token_sha256"]


def check_invited(example: Example) -> None:
    sent = example.sent
    details = {name: stripped(sent, name) for name in ("name", "job_title", "organisation")}
    details["email"] = stored_email(sent)
    chosen = first(sent, "person") or "new"
    check_invitation(example, ADMINISTRATOR, first(sent, "role"), chosen, details)


def check_administrator_invited(example: Example) -> None:
    sent = example.sent
    details = {"name": stripped(sent, "name"), "job_title": "", "organisation": ""}
    details["email"] = stored_email(sent)
    operator = rows(example.before, "SELECT id FROM users WHERE email = ?", OPERATOR_EMAIL)
    check_invitation(example, operator[0]["id"], "administrator", "new", details)


def check_people_previewed(example: Example) -> None:
    """The preview stores and sends nothing; it shows everyone the file lists, and a form to
    invite them."""
    assert table_checksums(example.after) == table_checksums(example.before)
    assert mail_sent(example.mail_folder) == []
    # The form reads the first file sent with a name.
    sent = example.sent.getlist("people")
    [upload] = [one for one in sent if isinstance(one, Upload) and one.filename][:1]
    listed = bulk.read_invitees(upload.filename, upload.content).invitees
    assert listed
    for one in listed:
        shown(one.name, example.outcome)
        shown(one.email, example.outcome)
    assert "/users/invite-many/confirm" in example.outcome.pages[-1]


def check_people_invited(example: Example) -> None:
    """Everyone on the list checked by the preview (the only list signed for this board) is
    invited, with their entry in the people list, and sent their link."""
    invitations = new_rows(example, "invitations")
    people = new_rows(example, "people")
    invited, listed = ("name", "email", "role"), ("name", "email", "organisation", "job_title")
    assert [picked(row, invited) for row in invitations] == [picked(one, invited) for one in PEOPLE]
    assert [picked(row, listed) for row in people] == [picked(one, listed) for one in PEOPLE]
    assert {row["board_id"] for row in invitations + people} == {1}
    assert [row["person_id"] for row in invitations] == [row["id"] for row in people]
    for invitation in invitations:
        token = link_token(example, invitation["email"], "/invitations/accept")
        assert token_hash(token) == invitation["token_sha256"]


def check_role_changed(example: Example) -> None:
    role = membership(example.after, 1, DEMO_IDS["user_id"])["role"]
    assert role == first(example.sent, "role")


def check_deactivated(example: Example) -> None:
    user_id = DEMO_IDS["user_id"]
    assert membership(example.after, 1, user_id)["deactivated_at"]
    # Signed out everywhere at once.
    assert live_sessions(example.before, user_id)
    assert live_sessions(example.after, user_id) == set()


def check_reactivated(example: Example) -> None:
    user_id = ID_OVERRIDES["accounts.reactivate"]["user_id"]
    assert membership(example.after, 1, user_id)["deactivated_at"] is None


def check_removed(example: Example) -> None:
    user_id = DEMO_IDS["user_id"]
    assert membership(example.after, 1, user_id) is None
    # Their account, and their role on another board, stay; their sessions end.
    assert membership(example.after, SECOND_BOARD, user_id) == membership(
        example.before, SECOND_BOARD, user_id
    )
    assert user(example.after, user_id)["email"] == EMAIL_OF_ROLE["champion"]
    assert live_sessions(example.after, user_id) == set()


def check_reset_link(example: Example, user_id: int, requested_by: int | None) -> None:
    """A new link to reset the user's password is stored and emailed to them; earlier links
    stop working."""
    [reset] = new_rows(example, "password_resets")
    assert (reset["user_id"], reset["requested_by"], reset["used_at"]) == (
        user_id,
        requested_by,
        None,
    )
    unused = rows(
        example.after,
        "SELECT id FROM password_resets WHERE user_id = ? AND used_at IS NULL",
        user_id,
    )
    assert unused == [{"id": reset["id"]}]
    email = user(example.before, user_id)["email"]
    assert [recipients(message) for message in mail_sent(example.mail_folder)] == [[email]]
    assert token_hash(link_token(example, email, "/reset-password")) == reset["token_sha256"]


def check_reset_sent(example: Example) -> None:
    check_reset_link(example, DEMO_IDS["user_id"], requested_by=ADMINISTRATOR)


def check_reset_asked_for(example: Example) -> None:
    """The same answer whatever the address; a link only for an account that can sign in."""
    email = stored_email(example.sent)
    shown(email, example.outcome)
    account = rows(
        example.before,
        "SELECT id FROM users WHERE email = ? AND (is_operator OR EXISTS"
        " (SELECT 1 FROM active_memberships WHERE user_id = users.id))",
        email,
    )
    if account:
        check_reset_link(example, account[0]["id"], requested_by=None)
    else:
        assert table_checksums(example.after) == table_checksums(example.before)
        assert mail_sent(example.mail_folder) == []


def check_two_factor_off(example: Example, user_id: int) -> None:
    """The user's second factor is off, with nothing of it left to use."""
    names = ("totp_secret", "totp_enabled_at", "totp_last_step", "recovery_codes_made_at")
    after = user(example.after, user_id)
    assert {name: after[name] for name in names} == dict.fromkeys(names)
    assert rows(example.after, "SELECT id FROM recovery_codes WHERE user_id = ?", user_id) == []


def check_member_two_factor_reset(example: Example) -> None:
    check_two_factor_off(example, DEMO_IDS["user_id"])


def check_administrator_two_factor_reset(example: Example) -> None:
    ids = ID_OVERRIDES["operators.reset_administrator_two_factor"]
    check_two_factor_off(example, ids["user_id"])


def check_two_factor_rule(example: Example) -> None:
    board = rows(example.after, "SELECT requires_two_factor FROM boards WHERE id = 1")[0]
    assert board["requires_two_factor"] == (first(example.sent, "required") == "yes")


def invitation_row(path: Path) -> dict:
    return rows(path, "SELECT * FROM invitations WHERE id = ?", DEMO_IDS["invitation_id"])[0]


def check_invitation_resent(example: Example) -> None:
    """A new link, sent again; the old one stops working."""
    before, after = invitation_row(example.before), invitation_row(example.after)
    assert after["token_sha256"] != before["token_sha256"]
    assert after["expires_at"] >= before["expires_at"]
    assert (after["accepted_at"], after["cancelled_at"]) == (None, None)
    token = link_token(example, INVITED_EMAIL, "/invitations/accept")
    assert token_hash(token) == after["token_sha256"]


def check_invitation_cancelled(example: Example) -> None:
    after = invitation_row(example.after)
    assert after["cancelled_at"]
    assert after["accepted_at"] is None


def check_invitation_accepted(example: Example) -> None:
    """An account with the password chosen, the role invited to, and a session: signed in."""
    [account] = new_rows(example, "users")
    invitation = invitation_row(example.after)
    assert (account["email"], account["name"]) == (INVITED_EMAIL, "Jo Invited")
    assert has_password(example.after, account["id"], first(example.sent, "password"))
    assert membership(example.after, 1, account["id"])["role"] == invitation["role"]
    assert (invitation["accepted_by"], bool(invitation["accepted_at"])) == (account["id"], True)
    assert len(live_sessions(example.after, account["id"])) == 1


def check_password_reset(example: Example) -> None:
    """The new password, the link used up, every earlier session ended, and a new one."""
    password = first(example.sent, "password")
    assert has_password(example.after, ADMINISTRATOR, password)
    used = rows(
        example.after,
        "SELECT used_at FROM password_resets WHERE token_sha256 = ?",
        token_hash(RESET_TOKEN),
    )
    assert used[0]["used_at"]
    earlier = live_sessions(example.before, ADMINISTRATOR)
    now_live = live_sessions(example.after, ADMINISTRATOR)
    assert earlier and not earlier & now_live
    assert len(now_live) == 1


def check_password_changed(example: Example) -> None:
    """The current password was right, the new one is stored, and every other session ends."""
    assert has_password(example.before, ADMINISTRATOR, first(example.sent, "current"))
    assert has_password(example.after, ADMINISTRATOR, first(example.sent, "password"))
    earlier = live_sessions(example.before, ADMINISTRATOR)
    kept = live_sessions(example.after, ADMINISTRATOR)
    assert len(earlier) > 1 and len(kept) == 1 and kept <= earlier


def check_second_step(example: Example) -> None:
    """The code was a recovery code, used up now, or the app's code for a step not used
    before; and the champion is signed in."""
    code = stripped(example.sent, "code")
    used = recovery_code_hashes(example.after, CHAMPION, used=True) - recovery_code_hashes(
        example.before, CHAMPION, used=True
    )
    before, after = user(example.before, CHAMPION), user(example.after, CHAMPION)
    if used:
        assert used == {two_factor.recovery_code_hash(code, KEYS.pepper)}
        assert after["totp_last_step"] == before["totp_last_step"]
    else:
        assert after["totp_last_step"] > before["totp_last_step"]
        secret = KEYS.box.open(after["totp_secret"])
        digits = code.replace(" ", "").replace("-", "")
        assert pyotp.TOTP(secret).generate_otp(after["totp_last_step"]) == digits
    opened = live_sessions(example.after, CHAMPION) - live_sessions(example.before, CHAMPION)
    assert len(opened) == 1


def check_two_factor_set_up(example: Example) -> None:
    """On, with the secret the page showed (not a new one), the code sent from it, and the
    recovery codes shown stored."""
    before, after = user(example.before, ADMINISTRATOR), user(example.after, ADMINISTRATOR)
    assert after["totp_enabled_at"] and after["recovery_codes_made_at"]
    assert after["totp_secret"] == before["totp_secret"]
    secret = KEYS.box.open(after["totp_secret"])
    digits = stripped(example.sent, "code").replace(" ", "").replace("-", "")
    assert pyotp.TOTP(secret).generate_otp(after["totp_last_step"]) == digits
    stored = recovery_code_hashes(example.after, ADMINISTRATOR, used=False)
    assert stored == codes_shown(example.outcome)


def check_recovery_codes_made(example: Example) -> None:
    """The codes shown are the ones stored, and the old ones are gone."""
    stored = recovery_code_hashes(example.after, CHAMPION, used=False)
    assert stored == codes_shown(example.outcome)
    assert recovery_code_hashes(example.after, CHAMPION, used=True) == set()
    assert not stored & recovery_code_hashes(example.before, CHAMPION, used=False)


def board_as_stored(path: Path, board_id: int) -> dict:
    board = rows(path, "SELECT name, council, archived_at FROM boards WHERE id = ?", board_id)[0]
    services = rows(path, "SELECT name FROM services WHERE board_id = ? ORDER BY id", board_id)
    return {**board, "service": services[0]["name"]}


def board_as_sent(sent: MultiDict) -> dict:
    return {name: stripped(sent, name) for name in ("name", "service", "council")}


def check_board_made(example: Example) -> None:
    [board] = new_rows(example, "boards")
    assert board_as_stored(example.after, board["id"]) == {
        **board_as_sent(example.sent),
        "archived_at": None,
    }
    shown(board["name"], example.outcome)


def check_board_changed(example: Example) -> None:
    before = board_as_stored(example.before, 1)
    board = board_as_stored(example.after, 1)
    # A field left out of the form keeps what it was (no browser leaves one out).
    expected = {
        name: value if name in example.sent else before[name]
        for name, value in board_as_sent(example.sent).items()
    }
    assert board == {**expected, "archived_at": None}
    shown(board["name"], example.outcome)


def check_board_archived(example: Example) -> None:
    assert board_as_stored(example.after, 1)["archived_at"]


def check_board_restored(example: Example) -> None:
    board_id = ID_OVERRIDES["operators.restore_board"]["board_id"]
    assert board_as_stored(example.after, board_id)["archived_at"] is None


def check_failure_dismissed(failure_id: int) -> Callable[[Example], None]:
    """The failure named in the form, and only it, is marked seen, in the audit log."""

    def check(example: Example) -> None:
        assert whole_number(first(example.sent, "failure_id")) == failure_id
        seen = rows(example.after, "SELECT id FROM job_failures WHERE seen_at IS NOT NULL")
        assert seen == [{"id": failure_id}]
        logged = rows(
            example.after,
            "SELECT row_id FROM audit_log WHERE table_name = 'job_failures' AND action = 'update'",
        )
        assert logged == [{"row_id": failure_id}]

    return check


def check_working_copy_discarded(example: Example) -> None:
    kept = "SELECT * FROM working_copies WHERE user_id = ?"
    assert rows(example.before, kept, ADMINISTRATOR)
    assert rows(example.after, kept, ADMINISTRATOR) == []


def check_stayed_signed_in(example: Example) -> None:
    """Only the session's last use is noted, which is bookkeeping."""
    assert table_checksums(example.after) == table_checksums(example.before)


# Each form's check of what an accepted submission stored. A new form needs one here.
ACCEPTED = {
    "accounts.accept_invitation": check_invitation_accepted,
    "accounts.cancel": check_invitation_cancelled,
    "accounts.change_role": check_role_changed,
    "accounts.deactivate": check_deactivated,
    "accounts.invite": check_invited,
    "accounts.invite_many": check_people_previewed,
    "accounts.invite_many_confirm": check_people_invited,
    "accounts.reactivate": check_reactivated,
    "accounts.remove": check_removed,
    "accounts.resend": check_invitation_resent,
    "accounts.reset_member_two_factor": check_member_two_factor_reset,
    "accounts.send_reset": check_reset_sent,
    "accounts.two_factor_rule": check_two_factor_rule,
    "actions.add": check_action_added,
    "actions.delete": check_action_deleted,
    "actions.edit": check_action_changed,
    "actions.settings": check_actions_setting,
    "approvals.inbox": check_several_approved,
    "approvals.return_update": check_update_returned,
    "auth.change_password": check_password_changed,
    "auth.forgotten_password": check_reset_asked_for,
    "auth.recovery_codes": check_recovery_codes_made,
    "auth.reset_password": check_password_reset,
    "auth.second_factor": check_second_step,
    "auth.set_up_two_factor": check_two_factor_set_up,
    "auth.sign_in": check_signed_in,
    "auth.sign_out": check_signed_out,
    "board_settings.evidence_storage": check_evidence_quota,
    "board_settings.status_key": check_status_key,
    "notifications.choose": check_notification_choices,
    "closing.close": check_quarter_closed,
    "closing.reopen": check_quarter_reopened,
    "dashboard.dismiss_failure": check_failure_dismissed(BOARD_FAILURE),
    "lifecycle.close": check_plan_closed,
    "lifecycle.delete": check_draft_deleted,
    "lifecycle.start": check_reporting_started,
    "operators.archive_board": check_board_archived,
    "operators.dismiss_failure": check_failure_dismissed(INSTALLATION_FAILURE),
    "operators.edit_board": check_board_changed,
    "operators.invite_administrator": check_administrator_invited,
    "operators.new_board": check_board_made,
    "operators.reset_administrator_two_factor": check_administrator_two_factor_reset,
    "operators.restore_board": check_board_restored,
    "people.add": check_person_added,
    "people.edit": check_person_changed,
    "plan_changes.add_recommendation": check_recommendation_added,
    "plan_changes.edit_recommendation": check_recommendation_changed,
    "plan_changes.key_lines": check_key_line_added,
    "plan_changes.new_plan": check_blank_plan_started,
    "plan_changes.plan_details": check_plan_details_changed,
    "plan_changes.recommendations": check_recommendation_moved,
    "plan_changes.reinstate": check_recommendation_reinstated,
    "plan_changes.remove_key_line": check_key_line_removed,
    "plan_changes.withdraw": check_recommendation_withdrawn,
    "plans.champions": check_champions,
    "reminders.send_now": check_reminders_queued,
    "reminders.settings": check_reminder_schedule,
    "plan_import.review": check_plan_choices_saved,
    "plan_import.upload": check_plan_uploaded,
    "reports.review": check_review_saved,
    "reports.upload": check_report_uploaded,
    "scrutiny.revoke": check_share_link_revoked,
    "scrutiny.share_links": check_share_link_made,
    "updates.edit": check_update_saved,
    "updates.quarters": check_quarter,
    "updates.review": check_update_reviewed,
    "working_copies.discard": check_working_copy_discarded,
    "working_copies.stay_signed_in": check_stayed_signed_in,
}
# What a refusal answers, for forms that always refuse the same way: the confirmation of a bulk
# invitation carries the checked list signed, and anything else in its place is a bad request.
REFUSED_WITH = {"accounts.invite_many_confirm": 400}


# ----- What is sent -------------------------------------------------------------------------


@st.composite
def submissions(
    draw, fields: dict[str, list[Field]], token: str, typed: Callable[[Field], list[str]]
) -> MultiDict:
    """The form as the page fills it in (and as someone might go on to fill it in: `typed`
    gives what they might type into an empty field), one of its buttons pressed, and a few of
    its fields (or the CSRF token) changed to something hostile, left out or sent twice."""
    sent: dict[str, list] = {name: page_values(group) for name, group in fields.items()}
    for name, group in fields.items():
        if group[0].kind == "button":
            sent[name] = [draw(st.sampled_from([one.value for one in group]))]
        elif group[0].kind == "radio" and not sent[name] and draw(st.booleans()):
            sent[name] = [draw(st.sampled_from([one.value for one in group]))]  # a choice made
        elif sent[name] == [""] and group[0].kind in TYPED and draw(st.booleans()):
            sent[name] = [draw(st.sampled_from(typed(group[0])))]
        elif group[0].kind == "file" and name in CHOSEN_FILES and draw(st.booleans()):
            sent[name] = [draw(st.sampled_from(CHOSEN_FILES[name]))]
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


TYPED = ("text", "textarea", "date", "email", "password")
# What someone might type into an empty field, by the field's name: an address with no account,
# or the operator's (an account with no role on the demo's board); the demo's password where
# the current one is asked for; a new password that meets the rule.
TYPED_VALUES = {
    "email": ["someone@example.org", OPERATOR_EMAIL],
    "current": [DEMO_PASSWORD],
    "password": [NEW_PASSWORD],
    "confirm": [NEW_PASSWORD],
}


def day_month_year(**dates: date) -> dict[str, list[str]]:
    """What someone types into the day, month and year boxes of each named date."""
    return {
        f"{name}-{part}": [str(getattr(day, part))]
        for name, day in dates.items()
        for part in ("day", "month", "year")
    }


# Forms where what is typed is not the same: who asks for a reset link (someone with access,
# someone deactivated, someone without an account).
TYPED_IN_FORM = {
    "auth.forgotten_password": {
        "email": [EMAIL_OF_ROLE["champion"], EMAIL_OF_ROLE["scrutiny"], "someone@example.org"]
    },
    # The board's own evidence limit, in megabytes.
    "board_settings.evidence_storage": {"quota": ["500"]},
    # A table with a recommendation column, other than the one already uploaded.
    "plan_import.upload": {
        "pasted": ["Recommendation\tBoard champion\n1. Plan better\tKaren Linton"]
    },
    # A number no other recommendation in the plan has.
    "plan_changes.add_recommendation": {"number": ["11"]},
    # The demo's open quarter, 2022/23 Q4 (January to March 2023).
    "updates.quarters": day_month_year(
        update_deadline=date(2023, 4, 10), board_meeting_on=date(2023, 4, 25)
    ),
    "lifecycle.start": day_month_year(
        update_deadline=Quarter.containing(date.today()).ends_on,
        board_meeting_on=Quarter.containing(date.today()).next().starts_on + timedelta(days=19),
    ),
}


# Files someone might choose, by the field's name.
CHOSEN_FILES = {"people": [PEOPLE_UPLOAD]}
# Boxes someone would tick where the page ticks none: the first update waiting for approval.
TICKED = {("approvals.inbox", "update")}


def plausible(one: Field) -> str:
    """A value someone might type into an empty field of any name."""
    if one.kind == "date":
        return (date.today() + timedelta(days=20)).isoformat()
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
    # Mail handed to the background thread is written before it is looked for.
    assert mail.wait_for_background_mail(MAIL_WAIT_SECONDS)
    example = Example(
        harness.snapshot, after, sent, outcome, harness.evidence_folder, harness.mail_folder
    )
    if outcome.accepted:
        ACCEPTED[endpoint](example)
    else:
        assert table_checksums(after) == harness.checksums, "refused, but something changed"
        folder = harness.evidence_folder
        assert not folder.exists() or not any(folder.iterdir()), "refused, but a file was kept"
        assert mail_sent(harness.mail_folder) == [], "refused, but mail was sent"
        assert outcome.status == REFUSED_WITH.get(endpoint, outcome.status)
    return outcome


def as_filled_in(fields: dict[str, list[Field]], token: str) -> MultiDict:
    """The form as its page fills it in, with its first button pressed."""
    form = MultiDict([("csrf_token", token)])
    for name, group in fields.items():
        values = [group[0].value] if group[0].kind == "button" else page_values(group)
        for value in values if name != "csrf_token" else []:
            form.add(name, value)
    return form


def as_typed(harness: Harness, endpoint: str, fields: dict[str, list[Field]]) -> MultiDict:
    """The form as its page fills it in, then completed as someone would: the first thing they
    might type into each empty field, the first choice where the page makes none, the first
    file they might choose."""
    form = as_filled_in(fields, harness.token_for(endpoint))
    for name, group in fields.items():
        if group[0].kind == "radio" and name not in form:
            form.setlist(name, [group[0].value])
        elif group[0].kind in TYPED and form.getlist(name) == [""]:
            form.setlist(name, [harness.typed(endpoint, group[0])[0]])
        elif group[0].kind == "file" and name in CHOSEN_FILES:
            form.setlist(name, CHOSEN_FILES[name][:1])
        elif (endpoint, name) in TICKED and name not in form:
            form.setlist(name, [group[0].value])
    return form


def distinct_fields(fields: dict[str, list[Field]]) -> list[str]:
    """One field of each kind: the review page repeats its fields for every recommendation
    and every rating."""
    kinds = {}
    for name in fields:
        kind = re.sub(r"^rec-[0-9a-f]+-", "rec-", re.sub(r"^rating-.*", "rating", name))
        kinds.setdefault(kind, name)
    return [name for name in kinds.values() if name != "csrf_token"]


# Forms nothing typed here gets accepted by: made-up details sign no one in.
NEVER_ACCEPTED = {"auth.sign_in"}


@pytest.mark.parametrize("endpoint", form_endpoints())
def test_every_form_accepts_what_someone_would_fill_in(harness, endpoint):
    """Every form can be accepted from the starting state, so the properties below see both
    outcomes, and each form's check of what it stored is seen to pass."""
    fields = harness.fields_of(endpoint)
    outcome = send(harness, endpoint, as_typed(harness, endpoint, fields))
    assert outcome.accepted == (endpoint not in NEVER_ACCEPTED), outcome.status


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
    for name in distinct_fields(fields):
        for value in CLASSIC_BAD_VALUES:
            sent = as_filled_in(fields, harness.token_for(endpoint))
            if fields[name][0].kind == "file":
                value = Upload(value.encode(), f"{value[:50]}.txt", "text/plain")
            sent.setlist(name, [value])
            send(harness, endpoint, sent)


# The forms with an email address in them: each looks it up, stores it or sends mail to it.
EMAIL_FORMS = [
    "accounts.invite",
    "auth.forgotten_password",
    "auth.sign_in",
    "operators.invite_administrator",
    "people.add",
    "people.edit",
]


@pytest.mark.parametrize("address", ODD_EMAILS)
@pytest.mark.parametrize("endpoint", EMAIL_FORMS)
def test_every_email_field_takes_an_address_not_written_as_mail_is_sent_safely(
    harness, endpoint, address
):
    fields = harness.fields_of(endpoint)
    assert "email" in fields
    sent = as_typed(harness, endpoint, fields)
    sent.setlist("email", [address])
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
    token = harness.token_for(endpoint)
    typed = lambda one: harness.typed(endpoint, one)  # noqa: E731
    outcome = send(harness, endpoint, data.draw(submissions(fields, token, typed)))
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
    token = harness.token_for(endpoint).encode()
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
    stored = 0
    for endpoint in sorted(set(ACCEPTED) - NO_TEXT):
        client = harness.client_for(endpoint)
        page_url, url = harness.pages[endpoint], harness.urls[endpoint]
        first_fields = fields_posting_to(client.get(page_url).get_data(as_text=True), page_url, url)
        for name in distinct_fields(first_fields):
            if first_fields[name][0].kind not in ("text", "textarea"):
                continue
            # Read the form again each time: what was saved changes its fingerprints.
            fields = fields_posting_to(client.get(page_url).get_data(as_text=True), page_url, url)
            sent = as_filled_in(fields, harness.token_for(endpoint))
            sent.setlist(name, [EVERYWHERE])
            response = client.post(url, data=sent)
            outcome = outcome_of(client, response)
            assert_no_script_shown(outcome)
            stored += outcome.accepted
    assert stored >= 10, "too few forms kept the text to show it anywhere"
    client = harness.clients["administrator"]
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
