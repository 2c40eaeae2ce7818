"""Fixtures: a real SQLite file holding the demo plan, the app on it, and signed-in clients."""

import asyncio
import re
import shutil
import socket
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tracker import create_app
from tracker.db import open_database
from tracker.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from tracker.jobs import jobs_for

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "reports"
NEL_REPORT = REPORTS / "north-east-lincolnshire-2022-with-plan.txt"

EMAIL_OF_ROLE = {role: email for email, _name, role, _person in DEMO_ACCOUNTS}


@pytest.fixture(scope="session")
def demo_database_template(tmp_path_factory) -> Path:
    """A database with the demo loaded, made once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("template") / "tracker.db"
    db = open_database(path)
    load_demo(db)
    db.close()
    return path


@pytest.fixture
def database_path(tmp_path, demo_database_template) -> Path:
    """This test's own copy of the demo database."""
    path = tmp_path / "tracker.db"
    shutil.copy(demo_database_template, path)
    return path


@pytest.fixture
def app(database_path):
    """The app on this test's demo database, with CSRF protection on as in production; mail
    goes to a folder of its own unless a test sets MAIL_SERVER. Background jobs (board packs,
    emails) run at once inside the request that queues them, unless a test sets JOBS_STORAGE
    to "" (the jobs.db queue beside the database, for a real worker) before queueing any."""
    return create_app(
        {
            "DATABASE": str(database_path),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "MAIL_FOLDER": str(database_path.parent / "mail"),
            "JOBS_STORAGE": "immediate",
        }
    )


@pytest.fixture
def db(database_path):
    """A connection to this test's database, for looking at what the app wrote."""
    connection = open_database(database_path)
    yield connection
    connection.close()


@pytest.fixture
def client(app):
    """A browser-like client that has not signed in."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the app's `flask` commands."""
    return app.test_cli_runner()


def csrf_token(client, path: str = "/sign-in") -> str:
    """The CSRF token the page at `path` puts in its forms."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match[1]


def form_state(page: str) -> dict[str, str]:
    """The hidden fields an update or review form carries: the revision it was built on and
    the quarter it was opened for."""
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', page)[1]
        for name in ("based_on", "quarter")
    }


def sign_in(client, email: str, password: str = DEMO_PASSWORD):
    """Sign in through the real form, CSRF token and all."""
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def signed_in(app):
    """Make a client signed in as the demo account with the given role."""

    def make(role: str):
        client = app.test_client()
        response = sign_in(client, EMAIL_OF_ROLE[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def admin(signed_in):
    """A client signed in as the demo board's administrator (its head of service)."""
    return signed_in("administrator")


@pytest.fixture
def queued(app):
    """The app's jobs, queued in jobs.db for a worker instead of run at once in the request:
    set before anything is queued."""
    app.config.update(JOBS_STORAGE="", JOBS_RETRY_DELAY=0)
    return jobs_for(app)


@pytest.fixture
def count_rows(db):
    """Count the rows of every table, to show a refused request changed nothing."""

    def counts() -> dict[str, int]:
        return {table: db[table].count for table in db.table_names()}

    return counts


@dataclass
class Received:
    """One message as the SMTP server took it: envelope, connection and parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    peer: tuple
    raw: bytes
    message: EmailMessage

    @property
    def body(self) -> str:
        """The plain-text part, with plain newlines (lines travel with CRLF endings)."""
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str | None:
        """The HTML part, if the message has one."""
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else None


class SmtpServer:
    """An aiosmtpd handler that keeps every message, refuses the addresses in `refuse`, and
    waits `delay` seconds before accepting each message (a slow server)."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self.delay = 0.0
        self.authenticated_as: list[bytes] = []
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                session.peer,
                envelope.content,
                message_from_bytes(envelope.content, policy=policy.default),
            )
        )
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.authenticated_as.append(auth_data.login)
        # handled=False: let the server send the 235/535 reply itself.
        return AuthResult(success=auth_data.password == b"mail-password", handled=False)


def free_port() -> int:
    """A port nothing is listening on (for the moment)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_server(handler: SmtpServer, **smtp_options) -> Controller:
    """Run `handler` as a real SMTP server on 127.0.0.1; stop the returned controller after."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    handler.port = controller.port
    return controller


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1, collecting what it is sent."""
    handler = SmtpServer()
    controller = start_smtp_server(handler)
    yield handler
    controller.stop()
