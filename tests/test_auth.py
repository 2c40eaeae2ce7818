"""Signing in and out, the throttle, CSRF, and creating users from the command line."""

import pytest

from tests.conftest import EMAIL_OF_ROLE, csrf_token, sign_in
from tracker.auth.views import WRONG_DETAILS
from tracker.demo import DEMO_PASSWORD

ADMIN = EMAIL_OF_ROLE["administrator"]


def test_the_right_email_and_password_sign_in_and_land_on_the_plans(client):
    response = sign_in(client, ADMIN)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "North East Lincolnshire" in client.get("/").get_data(as_text=True)


def test_the_session_cookie_is_secure_http_only_and_same_site(client):
    response = sign_in(client, ADMIN)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("email", "password"),
    [(ADMIN, "not-the-password"), ("nobody@demo.example.org", "demo-password-2026")],
)
def test_a_wrong_email_or_password_gets_the_same_message(client, email, password):
    response = sign_in(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert WRONG_DETAILS in page and "<title>Error: " in page
    assert client.get("/plans/1").status_code == 302  # still signed out


def test_repeated_failures_are_throttled_even_for_the_right_password(app, client):
    limit = app.config["SIGN_IN_MAX_FAILURES"]
    for _ in range(limit):
        assert sign_in(client, ADMIN, "wrong-password").status_code == 400
    response = sign_in(client, ADMIN)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many attempts to sign in" in page
    assert f"Wait {app.config['SIGN_IN_LOCKOUT_MINUTES']} minutes" in page
    assert "password is not right" not in page  # it does not say which was wrong
    assert client.get("/plans/1").status_code == 302


def test_the_throttle_counts_per_email_and_resets_after_a_success(app, client):
    limit = app.config["SIGN_IN_MAX_FAILURES"]
    for _ in range(limit - 1):
        sign_in(client, ADMIN, "wrong-password")
    assert sign_in(client, ADMIN).status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    for _ in range(limit - 1):
        sign_in(client, ADMIN, "wrong-password")
    assert sign_in(client, ADMIN).status_code == 302


def test_signing_out_ends_the_session_on_the_server(app, client):
    sign_in(client, ADMIN)
    stolen_cookie = client.get_cookie("tracker_session").value
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("tracker_session", stolen_cookie)
    assert replay.get("/plans/1").status_code == 302


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(signed_in, count_rows):
    client = signed_in("administrator")
    before = count_rows()
    response = client.post("/boards/1/people/new", data={"name": "No Token"})
    assert response.status_code == 400
    assert "security code" in response.get_data(as_text=True)
    assert count_rows() == before


def test_sign_in_itself_needs_a_csrf_token(client):
    response = client.post("/sign-in", data={"email": ADMIN, "password": "demo-password-2026"})
    assert response.status_code == 400
    assert client.get("/plans/1").status_code == 302


@pytest.mark.parametrize(
    ("next_page", "lands_on"),
    [
        ("/recommendations/4", "/recommendations/4"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_after_sign_in_only_pages_on_this_site_are_returned_to(client, next_page, lands_on):
    token = csrf_token(client)
    response = client.post(
        "/sign-in",
        query_string={"next": next_page},
        data={"email": ADMIN, "password": "demo-password-2026", "csrf_token": token},
    )
    assert response.headers["Location"] == lands_on


def test_create_user_takes_the_password_from_the_environment(runner, db, monkeypatch):
    monkeypatch.setenv("TRACKER_PASSWORD", "a-long-enough-password")
    result = runner.invoke(
        args=[
            "create-user",
            "new.member@example.org",
            "--role",
            "champion",
            "--board",
            "North East Lincolnshire Youth Partnership Board",
            "--person",
            "Gemma Woods",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.execute(
        "SELECT id, password_hash FROM users WHERE email = ?", ["new.member@example.org"]
    ).fetchone()
    assert user and user[1].startswith("$argon2")
    membership = db.execute(
        "SELECT role, person_id FROM memberships WHERE user_id = ?", [user[0]]
    ).fetchone()
    person = db.execute("SELECT id FROM people WHERE name = 'Gemma Woods'").fetchone()
    assert membership == ("champion", person[0])
    logged = db.execute(
        "SELECT after FROM audit_log WHERE table_name = 'users' AND row_id = ?", [user[0]]
    ).fetchone()[0]
    assert "new.member@example.org" in logged and "argon2" not in logged


def test_create_user_asks_for_the_password_when_none_is_set(runner, db, monkeypatch):
    monkeypatch.delenv("TRACKER_PASSWORD", raising=False)
    result = runner.invoke(
        args=["create-user", "prompted@example.org", "--role", "scrutiny", "--board", "1"],
        input="typed-in-password\ntyped-in-password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.execute("SELECT 1 FROM users WHERE email = 'prompted@example.org'").fetchone()


@pytest.mark.parametrize(
    ("arguments", "password", "message"),
    [
        (["not-an-email", "--role", "champion", "--board", "1"], "long-enough-pass", "not valid"),
        (
            ["x@example.org", "--role", "champion", "--board", "No such board"],
            "long-enough-pass",
            "no board",
        ),
        (["x@example.org", "--role", "champion", "--board", "1"], "short", "12 characters"),
        (
            [EMAIL_OF_ROLE["champion"], "--role", "champion", "--board", "1"],
            "long-enough-pass",
            "already exists",
        ),
        (["x@example.org", "--role", "owner", "--board", "1"], "long-enough-pass", "owner"),
        (
            ["x@example.org", "--role", "champion", "--board", "1", "--person", "Nobody"],
            "long-enough-pass",
            "no one called",
        ),
        (
            ["'; DROP TABLE users; --@example.org", "--role", "champion", "--board", "1"],
            "long-enough-pass",
            "not valid",
        ),
    ],
)
def test_create_user_refuses_bad_input_with_a_message_and_creates_nothing(
    runner, monkeypatch, count_rows, arguments, password, message
):
    monkeypatch.setenv("TRACKER_PASSWORD", password)
    before = count_rows()
    result = runner.invoke(args=["create-user", *arguments])
    assert result.exit_code != 0
    assert message in result.output
    assert count_rows() == before


def test_a_next_page_with_a_line_break_is_not_followed(client):
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=/%0d%0aX-Injected:%20yes",
        data={"email": EMAIL_OF_ROLE["champion"], "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers
