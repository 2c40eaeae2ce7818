"""A board runs the tracker on its own: operators, boards, invitations, users' access,
forgotten passwords and the sign-in lock, from an empty database where a user would start."""

import re
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from tests.conftest import csrf_token
from tracker import create_app
from tracker.auth.accounts import now, timestamp
from tracker.db import open_database
from tracker.tokens import token_hash

OPERATOR = "olive.operator@example.org"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase"
LINK = re.compile(r"http://tracker\.test(/\S+)")


@pytest.fixture
def empty(tmp_path, smtp):
    """The app on an empty database, sending mail to a real SMTP server."""
    app = create_app(
        {
            "DATABASE": str(tmp_path / "tracker.db"),
            "SECRET_KEY": "a-test-secret-key-for-accounts-0123456789",
            "TESTING": True,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "BASE_URL": "http://tracker.test",
            "REQUIRE_TWO_FACTOR": False,
        }
    )
    app.smtp = smtp
    return app


def run(app, *args, password=PASSWORD):
    return app.test_cli_runner().invoke(args=list(args), env={"TRACKER_PASSWORD": password})


def post(client, path, data=None, page=None):
    token = csrf_token(client, page or path)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def sign_in(client, email, password=PASSWORD):
    return post(client, "/sign-in", {"email": email, "password": password})


def last_link(app, to):
    """The path of the link in the newest email to `to`, from the real SMTP server."""
    from tracker.mail import wait_for_background_mail

    wait_for_background_mail(5)
    messages = [m for m in app.smtp.received if to in m.rcpt_tos]
    assert messages, f"no email to {to}"
    return LINK.search(messages[-1].body)[1]


def db_of(app):
    return open_database(app.config["DATABASE"])


@pytest.fixture
def board(empty):
    """An operator and a board with an administrator who has accepted their invitation."""
    assert run(empty, "create-operator", OPERATOR, "--name", "Olive").exit_code == 0
    operator = empty.test_client()
    assert sign_in(operator, OPERATOR).status_code == 302
    response = post(
        operator,
        "/operator/boards/new",
        {"name": "Fenland Youth Justice Board", "service": "Fenland YJS", "council": "Fenland"},
    )
    assert response.status_code == 302
    response = post(
        operator,
        "/operator/boards/1/invite",
        {"name": "Hana Head", "email": "hana.head@example.org"},
    )
    assert response.status_code == 302
    admin = empty.test_client()
    link = last_link(empty, "hana.head@example.org")
    response = post(admin, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    return {"app": empty, "operator": operator, "admin": admin}


def test_create_operator_makes_the_first_account_and_refuses_a_second_run(empty):
    result = run(empty, "create-operator", OPERATOR)
    assert result.exit_code == 0, result.output
    again = run(empty, "create-operator", OPERATOR.upper())
    assert again.exit_code == 1 and "already an account" in again.output
    db = db_of(empty)
    assert db.execute("SELECT email, is_operator FROM users").fetchall() == [(OPERATOR, 1)]


def test_create_operator_refuses_a_bad_email_or_password_and_writes_nothing(empty):
    assert run(empty, "create-operator", "not an email").exit_code == 1
    weak = run(empty, "create-operator", OPERATOR, password="qwertyqwerty")
    assert weak.exit_code == 1 and "easy to guess" in weak.output
    assert db_of(empty)["users"].count == 0


def test_create_board_for_scripts(empty):
    result = run(empty, "create-board", "Fenland Board", "--service", "Fenland YJS")
    assert result.exit_code == 0, result.output
    assert run(empty, "create-board", "fenland board", "--service", "x").exit_code == 1
    assert run(empty, "create-board", "Other", "--service", "").exit_code == 1
    db = db_of(empty)
    assert db.execute("SELECT name FROM boards").fetchall() == [("Fenland Board",)]
    assert db.execute("SELECT board_id, name FROM services").fetchall() == [(1, "Fenland YJS")]


def test_an_operator_creates_a_board_and_its_administrator_lands_on_their_home(board):
    app, admin = board["app"], board["admin"]
    home = admin.get("/")
    assert home.status_code == 200 and "Your plans" in home.text
    db = db_of(app)
    invitation = db.execute("SELECT token_sha256, accepted_at FROM invitations").fetchone()
    token = last_link(app, "hana.head@example.org").rsplit("/", 1)[1]
    assert invitation == (token_hash(token), invitation[1]) and invitation[1]
    assert token not in "".join(row[0] or "" for row in db.execute("SELECT after FROM audit_log"))
    # The invitation email has an HTML part with the same link.
    message = [m for m in app.smtp.received if "hana.head@example.org" in m.rcpt_tos][-1]
    assert token in message.html
    overview = board["operator"].get("/operator").text
    assert "Fenland Youth Justice Board" in overview and "Fenland YJS" in overview


def test_an_invitation_link_works_once(board):
    app = board["app"]
    link = last_link(app, "hana.head@example.org")
    again = app.test_client().get(link)
    assert again.status_code == 404 and "This link does not work" in again.text


@pytest.mark.parametrize("tamper", ["x", "A" * 43, "../../etc/passwd", "%00" * 50, "A" * 500])
def test_tampered_invitation_links_change_nothing(board, count_rows_of, tamper):
    app = board["app"]
    before = count_rows_of(app)
    client = app.test_client()
    response = client.get(f"/invitations/accept/{tamper}")
    assert response.status_code == 404
    assert count_rows_of(app) == before


@pytest.fixture
def count_rows_of():
    def counts(app):
        db = db_of(app)
        return {table: db[table].count for table in db.table_names() if table != "sessions"}

    return counts


def invite(admin, email, role="champion", name="Cai Champion"):
    return post(
        admin,
        "/boards/1/users/invite",
        {"name": name, "email": email, "role": role, "person": "new"},
    )


def test_an_expired_or_cancelled_or_resent_invitation_link_stops_working(board):
    app, admin = board["app"], board["admin"]
    assert invite(admin, "cai@example.org").status_code == 302
    first = last_link(app, "cai@example.org")
    assert post(admin, "/invitations/2/resend", page="/boards/1/users").status_code == 302
    second = last_link(app, "cai@example.org")
    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    db = db_of(app)
    with db.conn:
        db.execute(
            "UPDATE invitations SET expires_at = ? WHERE id = 2",
            [timestamp(now() - timedelta(seconds=1))],
        )
    assert app.test_client().get(second).status_code == 404
    assert post(admin, "/invitations/2/cancel", page="/boards/1/users").status_code == 302
    assert "cancelled" in admin.get("/boards/1/users").text


def test_inviting_an_email_that_has_an_account_adds_the_role_and_never_a_second_account(board):
    app, operator = board["app"], board["operator"]
    post(operator, "/operator/boards/new", {"name": "Second Board", "service": "Shared YJS"})
    response = post(
        operator, "/operator/boards/2/invite", {"name": "Hana", "email": "HANA.HEAD@example.org"}
    )
    assert response.status_code == 302
    db = db_of(app)
    assert (
        db.execute("SELECT count(*) FROM users WHERE email = 'hana.head@example.org'").fetchone()[0]
        == 1
    )
    roles = db.execute("SELECT board_id, role FROM memberships ORDER BY board_id").fetchall()
    assert roles == [(1, "administrator"), (2, "administrator")]
    account = board["admin"].get("/account").text
    assert "Fenland Youth Justice Board" in account and "Second Board" in account


def accepted_champion(board, email="cai@example.org"):
    app = board["app"]
    assert invite(board["admin"], email).status_code == 302
    client = app.test_client()
    response = post(client, last_link(app, email), {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    return client


def test_deactivating_ends_every_session_at_once_and_reactivating_lets_them_back(board):
    app, admin = board["app"], board["admin"]
    champion = accepted_champion(board)
    assert champion.get("/").status_code == 200
    user_id = (
        db_of(app).execute("SELECT id FROM users WHERE email = 'cai@example.org'").fetchone()[0]
    )
    page = f"/boards/1/users/{user_id}"
    assert post(admin, f"{page}/deactivate", page=page).status_code == 302
    assert champion.get("/").status_code == 302  # sent to sign in
    refused = sign_in(app.test_client(), "cai@example.org")
    assert refused.status_code == 400 and "does not give access" in refused.text
    assert "Deactivated" in admin.get("/boards/1/users").text
    assert post(admin, f"{page}/reactivate", page=page).status_code == 302
    assert sign_in(app.test_client(), "cai@example.org").status_code == 302


def test_a_board_keeps_at_least_one_active_administrator(board):
    app, admin = board["app"], board["admin"]
    page = "/boards/1/users/2"
    for action in ("deactivate", "remove"):
        response = post(admin, f"{page}/{action}", page=page)
        assert response.status_code == 302
    assert "at least one active administrator" in admin.get(page).text
    assert post(admin, f"{page}/role", {"role": "champion"}, page=page).status_code == 302
    db = db_of(app)
    assert db.execute("SELECT role, deactivated_at FROM memberships").fetchall() == [
        ("administrator", None)
    ]


def test_forgotten_password_says_the_same_for_unknown_emails_and_sends_nothing(board):
    app = board["app"]
    sent_before = len(app.smtp.received)
    client = app.test_client()
    unknown = post(client, "/forgotten-password", {"email": "nobody@example.org"})
    known = post(client, "/forgotten-password", {"email": "hana.head@example.org"})
    link = last_link(app, "hana.head@example.org")
    assert len(app.smtp.received) == sent_before + 1
    clean = [
        r.text.replace(e, "")
        for r, e in ((unknown, "nobody@example.org"), (known, "hana.head@example.org"))
    ]
    assert clean[0] == clean[1]
    assert db_of(app)["password_resets"].count == 1
    assert "reset-password" in link


def test_a_reset_link_sets_the_password_ends_other_sessions_and_works_once(board):
    app, admin = board["app"], board["admin"]
    post(app.test_client(), "/forgotten-password", {"email": "hana.head@example.org"})
    link = last_link(app, "hana.head@example.org")
    client = app.test_client()
    weak = post(client, link, {"password": "short", "confirm": "short"})
    assert weak.status_code == 400 and "12 characters" in weak.text
    done = post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and client.get("/").status_code == 200
    assert admin.get("/").status_code == 302  # the old session has ended
    assert sign_in(app.test_client(), "hana.head@example.org").status_code == 400
    assert sign_in(app.test_client(), "hana.head@example.org", NEW_PASSWORD).status_code == 302
    assert app.test_client().get(link).status_code == 404


def test_a_locked_out_owner_gets_back_in_with_a_reset_link(board):
    app = board["app"]
    for _ in range(5):
        assert (
            sign_in(app.test_client(), "hana.head@example.org", "wrong guess 123").status_code
            == 400
        )
    locked = sign_in(app.test_client(), "hana.head@example.org")
    assert locked.status_code == 429 and "reset your password" in locked.text
    post(app.test_client(), "/forgotten-password", {"email": "hana.head@example.org"})
    client = app.test_client()
    link = last_link(app, "hana.head@example.org")
    assert (
        post(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    )
    assert sign_in(app.test_client(), "hana.head@example.org", NEW_PASSWORD).status_code == 302


def test_parallel_guesses_check_no_more_passwords_than_the_lock_allows(board, tmp_path):
    app = board["app"]
    app.config["TESTING"] = False
    # Only the lock on the email may refuse these, not the limit on the address.
    app.config["RATE_LIMIT_SIGN_IN"] = "1000 per minute"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    import http.client

    statuses = []

    def guess(number):
        client = app.test_client()
        token = csrf_token(client, "/sign-in")
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        body = f"email=hana.head%40example.org&password=wrong+guess+{number:04d}&csrf_token={token}"
        connection.request(
            "POST",
            "/sign-in",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}",
            },
        )
        response = connection.getresponse()
        page = response.read().decode()
        locked = "Too many attempts to sign in" in page
        statuses.append(response.status if response.status != 429 or locked else "limited")

    try:
        threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
        for one in threads:
            one.start()
        for one in threads:
            one.join(60)
    finally:
        server.shutdown()
    assert len(statuses) == 40
    assert statuses.count(400) == 5 and statuses.count(429) == 35
    checked = (
        db_of(app)
        .execute("SELECT count(*) FROM sign_in_attempts WHERE succeeded = 0")
        .fetchone()[0]
    )
    assert checked == 5


def test_sign_in_requests_are_limited_per_client_address(board):
    app = board["app"]
    app.config["RATE_LIMIT_SIGN_IN"] = "3 per minute"
    client = app.test_client()
    responses = [sign_in(client, f"guess{n}@example.org") for n in range(4)]
    assert [response.status_code for response in responses] == [400, 400, 400, 429]
    assert int(responses[-1].headers["Retry-After"]) > 0
    assert "Too many requests" in responses[-1].text
    other = app.test_client()
    other_address = {"REMOTE_ADDR": "192.0.2.9"}
    token = csrf_token(other, "/sign-in")
    response = other.post(
        "/sign-in",
        data={"email": "x@example.org", "password": "y" * 12, "csrf_token": token},
        environ_base=other_address,
    )
    assert response.status_code == 400


def test_an_operator_cannot_read_a_boards_plans_or_users(board):
    operator = board["operator"]
    for path in ("/boards/1/users", "/boards/1/people", "/boards/1/audit-log"):
        assert operator.get(path).status_code == 404, path


def test_people_without_the_operator_role_cannot_use_the_installation_area(board):
    admin = board["admin"]
    for path in ("/operator", "/operator/boards/new", "/operator/boards/1"):
        assert admin.get(path).status_code == 403, path
    assert (
        post(
            admin, "/operator/boards/new", {"name": "Sneaky", "service": "x"}, page="/"
        ).status_code
        == 403
    )
    assert db_of(board["app"])["boards"].count == 1


def test_account_changes_are_in_the_boards_audit_log_in_words(board):
    admin = board["admin"]
    accepted_champion(board)
    log = admin.get("/boards/1/audit-log").text
    assert "Added an invitation" in log
    assert "Changed an invitation" in log  # accepted
    assert "Added a user account" in log


def test_a_deactivated_champion_is_sent_no_reminders(app, db, runner):
    """On the demo: Spencer Hunt (the demo champion) is reminded until deactivated."""
    from tracker.accounts import members
    from tracker.audit import SYSTEM

    def reminded() -> str:
        return runner.invoke(args=["send-reminders", "--dry-run", "--today", "2023-01-02"]).output

    assert "To: Spencer Hunt <board.champion@demo.example.org>" in reminded()
    members.deactivate(db, 1, 2, SYSTEM)
    assert "board.champion@demo.example.org" not in reminded()


def upload(admin, name: str, content: bytes):
    import io

    token = csrf_token(admin, "/boards/1/users/invite-many")
    return admin.post(
        "/boards/1/users/invite-many",
        data={"csrf_token": token, "people": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


GOOD_CSV = (
    b"Name,Email address,Organisation,Job title,Role\r\n"
    b"Cai Champion,cai@example.org,Police,Superintendent,champion\r\n"
    b"Sam Scrutiny,sam@example.org,Council,Councillor,scrutiny\r\n"
)


def test_bulk_invitations_are_previewed_then_all_created_together(board):
    app, admin = board["app"], board["admin"]
    preview = upload(admin, "people.csv", GOOD_CSV)
    assert preview.status_code == 200
    assert "Cai Champion" in preview.text and "Sam Scrutiny" in preview.text
    assert db_of(app)["invitations"].count == 1  # nothing yet but the administrator's own
    rows = re.search(r'name="rows"[^>]*value="([^"]+)"', preview.text)[1]
    token = csrf_token(admin, "/boards/1/users")
    done = admin.post(
        "/boards/1/users/invite-many/confirm", data={"csrf_token": token, "rows": rows}
    )
    assert done.status_code == 302
    last_link(app, "cai@example.org")
    last_link(app, "sam@example.org")
    roles = (
        db_of(app)
        .execute("SELECT email, role FROM invitations WHERE id > 1 ORDER BY id")
        .fetchall()
    )
    assert roles == [("cai@example.org", "champion"), ("sam@example.org", "scrutiny")]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (GOOD_CSV + b'=HYPERLINK("http://x"),x@example.org,,,champion\r\n', "formula"),
        (GOOD_CSV + b"Again,CAI@example.org,,,champion\r\n", "also on row"),
        (GOOD_CSV + b"Bad,not-an-email,,,champion\r\n", "correct format"),
        (GOOD_CSV + b"Hana,hana.head@example.org,,,champion\r\n", "already has access"),
        (GOOD_CSV + b"Who,who@example.org,,,chief\r\n", "role"),
        (b"Name,Email address\r\n" + b"P,p@example.org\r\n" * 10_000, "more than 500"),
        (b"Full name,Phone\r\nA,1\r\n", "Email"),
    ],
)
def test_a_bulk_file_with_any_problem_creates_nothing(board, count_rows_of, content, problem):
    app, admin = board["app"], board["admin"]
    before = count_rows_of(app)
    preview = upload(admin, "people.csv", content)
    assert preview.status_code == 400
    assert problem in preview.text
    assert 'name="rows"' not in preview.text
    assert count_rows_of(app) == before


def test_a_tampered_bulk_confirmation_creates_nothing(board, count_rows_of):
    app, admin = board["app"], board["admin"]
    before = count_rows_of(app)
    token = csrf_token(admin, "/boards/1/users")
    for rows in ("", "not-signed", '[{"name": "x"}]'):
        response = admin.post(
            "/boards/1/users/invite-many/confirm", data={"csrf_token": token, "rows": rows}
        )
        assert response.status_code == 400
    assert count_rows_of(app) == before


def test_two_factor_sign_in_set_up_codes_replay_and_recovery(board):
    import pyotp

    app, admin = board["app"], board["admin"]
    page = admin.get("/account/two-factor").text
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page)[1].replace(" ", "")
    wrong = post(admin, "/account/two-factor", {"code": "000000"})
    assert wrong.status_code == 400
    code = pyotp.TOTP(key).now()
    done = post(admin, "/account/two-factor", {"code": code})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9-]+)</code>", done.text)
    assert len(codes) == 10
    stored = db_of(app).execute("SELECT totp_secret FROM users WHERE id = 2").fetchone()[0]
    assert key not in stored
    # Signing in now needs the second step; the code just used cannot be used again.
    client = app.test_client()
    response = sign_in(client, "hana.head@example.org")
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/").status_code == 302
    assert post(client, "/sign-in/code", {"code": code}).status_code == 400
    assert post(client, "/sign-in/code", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/").status_code == 200
    # A recovery code works once.
    again = app.test_client()
    sign_in(again, "hana.head@example.org")
    assert post(again, "/sign-in/code", {"code": codes[0]}).status_code == 400


def test_two_factor_is_required_for_administrators_when_set(board):
    app = board["app"]
    app.config["REQUIRE_TWO_FACTOR"] = True
    client = app.test_client()
    assert sign_in(client, "hana.head@example.org").status_code == 302
    assert client.get("/").headers["Location"] == "/account/two-factor"
    assert client.get("/boards/1/users").headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200


def test_changing_ones_password_needs_the_current_one_and_ends_other_sessions(board):
    app, admin = board["app"], board["admin"]
    other = app.test_client()
    assert sign_in(other, "hana.head@example.org").status_code == 302
    data = {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post(admin, "/account/password", data).status_code == 400
    data["current"] = PASSWORD
    assert post(admin, "/account/password", data).status_code == 302
    assert admin.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_two_factor_and_password_changes_read_in_words_in_the_audit_log(board):
    import pyotp

    admin = board["admin"]
    page = admin.get("/account/two-factor").text
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page)[1].replace(" ", "")
    post(admin, "/account/two-factor", {"code": pyotp.TOTP(key).now()})
    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    post(admin, "/account/password", data)
    log = admin.get("/boards/1/audit-log").text
    assert "Two-factor sign-in turned on" in log
    assert "Password" in log and "(secret " in log
    assert key not in log


def test_an_operator_resets_an_administrators_two_factor_sign_in(board):
    import pyotp

    app, admin, operator = board["app"], board["admin"], board["operator"]
    page = admin.get("/account/two-factor").text
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page)[1].replace(" ", "")
    post(admin, "/account/two-factor", {"code": pyotp.TOTP(key).now()})
    assert "Reset two-factor sign-in" in operator.get("/operator/boards/1").text
    path = "/operator/boards/1/users/2/reset-two-factor"
    assert post(operator, path, page="/operator/boards/1").status_code == 302
    db = db_of(app)
    assert db.execute("SELECT totp_secret, totp_enabled_at FROM users WHERE id = 2").fetchone() == (
        None,
        None,
    )
    assert db["recovery_codes"].count == 0
    # An administrator cannot reset another administrator's: only an operator can.
    assert (
        post(operator, "/operator/boards/1/users/99/reset-two-factor", page="/operator").status_code
        == 404
    )


def test_old_sessions_and_sign_in_attempts_are_pruned(board):
    app = board["app"]
    db = db_of(app)
    old = timestamp(now() - timedelta(days=40))
    with db.conn:
        db.execute(
            "INSERT INTO sign_in_attempts (email, succeeded, attempted_at)"
            " VALUES ('x@y.org', 0, ?)",
            [old],
        )
        db.execute(
            "INSERT INTO sessions (token, user_id, created_at, expires_at) VALUES ('old', 2, ?, ?)",
            [old, old],
        )
    assert sign_in(app.test_client(), "hana.head@example.org").status_code == 302
    assert db.execute("SELECT count(*) FROM sessions WHERE token = 'old'").fetchone()[0] == 0
    assert (
        db.execute("SELECT count(*) FROM sign_in_attempts WHERE email = 'x@y.org'").fetchone()[0]
        == 0
    )


def test_asking_for_a_reset_takes_as_long_for_unknown_addresses(board):
    """The same work is done either way; the email is sent from another thread."""
    import statistics
    import time

    app = board["app"]
    app.config["RATE_LIMIT_PASSWORD_RESET"] = "1000 per minute"
    client = app.test_client()
    token = csrf_token(client, "/forgotten-password")

    def timed(email: str) -> float:
        started = time.perf_counter()
        response = client.post("/forgotten-password", data={"email": email, "csrf_token": token})
        assert response.status_code == 200
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(15):
        known.append(timed("hana.head@example.org"))
        unknown.append(timed("nobody.here@example.org"))
    # A difference an attacker could use would be the mail server's round trip (tens of
    # milliseconds or more); what is left is a database write.
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.02


def test_someone_on_two_boards_finds_each_boards_pages_from_their_home(board):
    operator = board["operator"]
    post(operator, "/operator/boards/new", {"name": "Second Board", "service": "Shared YJS"})
    post(operator, "/operator/boards/2/invite", {"name": "Hana", "email": "hana.head@example.org"})
    home = board["admin"].get("/").text
    assert "Your boards" in home
    for path in ("/boards/1/users", "/boards/2/users", "/boards/2/reports/new", "/boards/2/people"):
        assert f'href="{path}"' in home, path
        assert board["admin"].get(path).status_code == 200, path


def test_archiving_a_board_shuts_it_to_its_users_and_restoring_opens_it(board):
    app, admin, operator = board["app"], board["admin"], board["operator"]
    assert admin.get("/boards/1/users").status_code == 200
    assert (
        post(operator, "/operator/boards/1/archive", page="/operator/boards/1").status_code == 302
    )
    assert "Archived" in operator.get("/operator").text
    assert admin.get("/boards/1/users").status_code == 404
    refused = sign_in(app.test_client(), "hana.head@example.org")
    assert refused.status_code == 400 and "does not give access" in refused.text
    assert (
        post(operator, "/operator/boards/1/restore", page="/operator/boards/1").status_code == 302
    )
    assert admin.get("/boards/1/users").status_code == 200
    assert db_of(app).execute("SELECT count(*) FROM boards").fetchone()[0] == 1


def test_an_operator_changes_a_boards_details_and_a_stale_form_is_refused(board):
    app, operator = board["app"], board["operator"]
    page = operator.get("/operator/boards/1/edit").text
    seen = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page)[1]
    token = csrf_token(operator, "/operator/boards/1/edit")
    details = {"name": "Fenland Board", "service": "Fenland YJS", "council": "Fenland DC"}
    first = operator.post(
        "/operator/boards/1/edit", data={**details, "fingerprint": seen, "csrf_token": token}
    )
    assert first.status_code == 302
    stale = operator.post(
        "/operator/boards/1/edit",
        data={**details, "name": "Overwritten", "fingerprint": seen, "csrf_token": token},
    )
    assert stale.status_code == 302 and stale.headers["Location"].endswith("/edit")
    assert db_of(app).execute("SELECT name, council FROM boards").fetchone() == (
        "Fenland Board",
        "Fenland DC",
    )


def test_the_bulk_invitation_template_downloads_as_a_csv_file(board):
    response = board["admin"].get("/boards/1/users/invite-many/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.text.startswith("Name,Email address,Organisation,Job title,Role")


def test_a_new_reset_link_stops_the_earlier_one_working(board):
    app = board["app"]
    post(app.test_client(), "/forgotten-password", {"email": "hana.head@example.org"})
    first = last_link(app, "hana.head@example.org")
    post(app.test_client(), "/forgotten-password", {"email": "hana.head@example.org"})
    second = last_link(app, "hana.head@example.org")
    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
