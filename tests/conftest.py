"""Fixtures: a real SQLite file holding the demo plan, the app on it, and signed-in clients."""

import re
import shutil
from pathlib import Path

import pytest

from tracker import create_app
from tracker.db import open_database
from tracker.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

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
    """The app on this test's demo database, with CSRF protection on as in production."""
    return create_app(
        {"DATABASE": str(database_path), "SECRET_KEY": "test-secret", "TESTING": True}
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
def count_rows(db):
    """Count the rows of every table, to show a refused request changed nothing."""

    def counts() -> dict[str, int]:
        return {table: db[table].count for table in db.table_names()}

    return counts
