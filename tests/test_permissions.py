"""Every route declares who may use it, and the declaration is enforced."""

import hashlib
import re

import pytest

from tests.conftest import REPORTS, csrf_token
from tracker.audit import SYSTEM
from tracker.auth import accounts
from tracker.permissions import Permission, permission_of
from tracker.plan_import import imports as plan_imports
from tracker.plan_import.tables import read_tables
from tracker.reports import imports

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The demo's ids, one for each kind of URL variable.
DEMO_IDS = {
    "plan_id": 1,
    "recommendation_id": 4,
    "inspection_id": 1,
    "board_id": 1,
    "person_id": 1,
    "import_id": 1,
    "action_id": 1,
    "evidence_id": 1,
    "share_link_id": 1,
    "render_id": 1,
    "reading_id": 1,
    "plan_import_id": 1,
    "user_id": 2,
    "invitation_id": 1,
    "token": "not-a-working-share-link-token-aaaaaaaaaaaa",
}


def start_plan_import(db, board_id: int, plan_file: bytes) -> int:
    """An uploaded plan waiting to be checked, as the board's administrator would leave it."""
    tables = read_tables("plan.csv", plan_file, len(plan_file))
    digest = hashlib.sha256(plan_file).hexdigest()
    return plan_imports.start_import(db, board_id, "plan.csv", digest, tables, SYSTEM)


@pytest.fixture(autouse=True)
def demo_plan_import(db):
    """The demo has no uploaded plan: give its board one, for DEMO_IDS["plan_import_id"]."""
    plan_file = b"Recommendation,Lead\n1. Ours,Karen Linton\n"
    assert start_plan_import(db, 1, plan_file) == DEMO_IDS["plan_import_id"]


SUNDERLAND = (REPORTS / "sunderland-2022.txt").read_text()
# Opened by a share link without signing in; tests/test_scrutiny.py checks them.
SHARED = (
    "scrutiny.shared.published_through_link",
    "scrutiny.shared.pack_through_link",
    "scrutiny.shared.pack_status_through_link",
)
# Open to anyone: signing in and the links in invitation and password reset emails.
PUBLIC = (
    "auth.sign_in",
    "auth.second_factor",
    "auth.forgotten_password",
    "auth.reset_password",
    "accounts.accept_invitation",
)
# Each user's own account, whatever their role: tests/test_accounts.py checks them.
OWN_ACCOUNT = (
    "auth.sign_out",
    "auth.change_password",
    "auth.set_up_two_factor",
    "auth.recovery_codes",
    # Whether and how one is emailed about updates: tests/test_notifications.py checks it.
    "notifications.choose",
    # The timeout warning's "Stay signed in": tests/test_working_copies.py checks it.
    "working_copies.stay_signed_in",
)


@pytest.fixture(autouse=True)
def demo_import(db):
    """An uploaded report under review on the demo board, so its URLs have an id to use."""
    assert imports.start_import(db, 1, "sunderland.txt", SUNDERLAND, SYSTEM) == 1
    # On recommendation 4, which the demo champion does not champion.
    action = {"recommendation_id": 4, "text": "Demo action", "position": 1}
    assert db["actions"].insert(action).last_pk == 1
    link = {"plan_id": 1, "token_sha256": "0" * 64, "label": "Demo", "expires_on": "2099-12-31"}
    assert db["share_links"].insert(link).last_pk == 1
    render = {"plan_id": 1, "quarter": "2022/23 Q4", "version": "board", "made_on": "2026-01-01"}
    assert db["pack_renders"].insert(render).last_pk == 1
    reading = {"board_id": 1, "filename": "a.txt", "size": 0, "state": "failed"}
    assert db["report_readings"].insert(reading).last_pk == 1
    # Uploaded plans' readings share the <reading_id> variable: one of each, with the same id.
    assert db["plan_readings"].insert(reading).last_pk == 1
    invitation = {
        "board_id": 1,
        "email": "invited@example.org",
        "name": "Invited",
        "role": "champion",
    }
    invitation |= {"token_sha256": "2" * 64, "expires_at": "2099-12-31T00:00:00Z"}
    assert db["invitations"].insert(invitation).last_pk == 1


def permission_of_rule(app, rule) -> Permission:
    with app.test_request_context():
        return permission_of(rule.endpoint)


def demo_url(rule) -> str:
    """The rule's URL with the demo's ids filled in."""
    return rule.rule and re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(DEMO_IDS[m[1]]), rule.rule)


def test_every_route_declares_a_permission(app):
    with app.test_request_context():
        missing = [
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if not isinstance(permission_of(rule.endpoint), Permission)
        ]
    assert missing == []


def test_a_route_without_a_declared_permission_is_refused(app, signed_in):
    @app.route("/undeclared")
    def undeclared():
        return "should never be seen"

    response = signed_in("administrator").get("/undeclared")
    assert response.status_code == 403
    assert "should never be seen" not in response.get_data(as_text=True)


def state_changing_routes(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & STATE_CHANGING and rule.endpoint not in (*PUBLIC, *OWN_ACCOUNT)
    ]


def test_there_are_state_changing_routes_to_check(app):
    assert len(state_changing_routes(app)) >= 3


def test_a_scrutiny_member_gets_403_on_every_state_changing_request(app, signed_in, count_rows):
    client = signed_in("scrutiny")
    token = csrf_token(client, "/plans/1")
    for rule in state_changing_routes(app):
        before = count_rows()
        response = client.post(demo_url(rule), data={"csrf_token": token, "name": "Changed"})
        assert response.status_code == 403, rule.rule
        assert count_rows() == before, rule.rule


def test_a_champion_cannot_use_the_administrators_forms(app, signed_in, count_rows):
    client = signed_in("champion")
    token = csrf_token(client, "/plans/1")
    for rule in state_changing_routes(app):
        before = count_rows()
        if "GET" in rule.methods:
            assert client.get(demo_url(rule)).status_code == 403, rule.rule
        response = client.post(demo_url(rule), data={"csrf_token": token, "name": "Changed"})
        assert response.status_code == 403, rule.rule
        assert count_rows() == before


def test_signed_out_visitors_are_sent_to_sign_in_from_every_page(app, client):
    protected = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in ("static", *PUBLIC, *SHARED)
    ]
    assert protected
    for rule in protected:
        response = client.get(demo_url(rule))
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/sign-in?next="), rule.rule


@pytest.fixture
def other_board(db):
    """A second board with its own plan, person and administrator."""
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    service_id = db["services"].insert({"board_id": board_id, "name": "Another YJS"}).last_pk
    inspection_id = (
        db["inspections"]
        .insert({"service_id": service_id, "inspectorate": "HMIP", "title": "Another inspection"})
        .last_pk
    )
    plan_id = (
        db["plans"]
        .insert({"board_id": board_id, "inspection_id": inspection_id, "title": "Another plan"})
        .last_pk
    )
    recommendation_id = (
        db["recommendations"]
        .insert(
            {
                "plan_id": plan_id,
                "number": 1,
                "text": "Secret recommendation",
                "origin": "local",
                "position": 1,
            }
        )
        .last_pk
    )
    person_id = db["people"].insert({"board_id": board_id, "name": "Someone Else"}).last_pk
    action = {"recommendation_id": recommendation_id, "text": "Secret action", "position": 1}
    action_id = db["actions"].insert(action).last_pk
    quarter = {"plan_id": plan_id, "label": "2022/23 Q4", "starts_on": "2023-01-01"}
    quarter_id = db["quarters"].insert({**quarter, "ends_on": "2023-03-31"}).last_pk
    update = {"recommendation_id": recommendation_id, "quarter_id": quarter_id, "revision": 1}
    update_id = db["progress_updates"].insert({**update, "state": "approved"}).last_pk
    evidence = {"update_id": update_id, "original_name": "secret.pdf", "stored_name": "0" * 32}
    evidence_id = (
        db["evidence_files"]
        .insert({**evidence, "content_type": "application/pdf", "size": 1, "sha256": "0" * 64})
        .last_pk
    )
    user_id = accounts.create_user(
        db,
        email="admin@another.example.org",
        password="another-password-1",
        name="Other admin",
        board_id=board_id,
        role="administrator",
        actor=SYSTEM,
    )
    import_id = imports.start_import(db, board_id, "other.txt", SUNDERLAND + "\nOther.", SYSTEM)
    link = {"plan_id": plan_id, "token_sha256": "1" * 64, "label": "x", "expires_on": "2099-12-31"}
    share_link_id = db["share_links"].insert(link).last_pk
    render = {
        "plan_id": plan_id,
        "quarter": "2022/23 Q4",
        "version": "board",
        "made_on": "2026-01-01",
    }
    render_id = db["pack_renders"].insert(render).last_pk
    reading = {"board_id": board_id, "filename": "b.txt", "size": 0, "state": "failed"}
    reading_id = db["report_readings"].insert(reading).last_pk
    assert db["plan_readings"].insert(reading).last_pk == reading_id
    plan_import_id = start_plan_import(db, board_id, b"Recommendation,Lead\n1. Theirs,Someone\n")
    invitation = {"board_id": board_id, "email": "x@another.example.org", "name": "X"}
    invitation |= {"role": "champion", "token_sha256": "3" * 64, "expires_at": "2099-12-31"}
    invitation_id = db["invitations"].insert(invitation).last_pk
    return {
        "user_id": user_id,
        "invitation_id": invitation_id,
        "import_id": import_id,
        "action_id": action_id,
        "evidence_id": evidence_id,
        "plan_id": plan_id,
        "recommendation_id": recommendation_id,
        "board_id": board_id,
        "inspection_id": inspection_id,
        "person_id": person_id,
        "share_link_id": share_link_id,
        "render_id": render_id,
        "reading_id": reading_id,
        "plan_import_id": plan_import_id,
        "token": "guessed-share-link-token-aaaaaaaaaaaaaaaaaaa",
    }


@pytest.mark.parametrize("role", ["administrator", "champion", "scrutiny"])
def test_guessing_another_boards_ids_reveals_and_changes_nothing(
    app, signed_in, other_board, count_rows, role
):
    client = signed_in(role)
    token = csrf_token(client, "/plans/1")
    for rule in app.url_map.iter_rules():
        # Pages about the user rather than a board: their plans, account, boards to import to,
        # the updates waiting for their approval (tests/test_approvals.py tries other boards').
        if rule.endpoint in (
            "static",
            "plans.index",
            "approvals.inbox",
            "reports.choose_board",
            "auth.account",
            *PUBLIC,
            *OWN_ACCOUNT,
        ):
            continue
        if permission_of_rule(app, rule).operators_only:
            continue  # no board's role opens them: see the test below and test_accounts.py
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(other_board[m[1]]), rule.rule)
        before = count_rows()
        if "GET" in rule.methods:
            response = client.get(url)
            assert response.status_code == 404, url
            assert "Secret recommendation" not in response.get_data(as_text=True)
        if rule.methods & STATE_CHANGING:
            assert client.post(url, data={"csrf_token": token, "name": "x"}).status_code == 404
            assert count_rows() == before, url


def test_an_operator_reads_and_changes_nothing_on_a_board_they_have_no_role_on(app, db, count_rows):
    accounts.create_account(
        db,
        email="olive@example.org",
        password="a long operator passphrase",
        name="Op",
        is_operator=True,
    )
    client = app.test_client()
    response = client.post(
        "/sign-in",
        data={
            "email": "olive@example.org",
            "password": "a long operator passphrase",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    token = csrf_token(client, "/operator")
    board_scoped = [
        rule
        for rule in app.url_map.iter_rules()
        if permission_of_rule(app, rule).board_of is not None
    ]
    assert len(board_scoped) > 20
    for rule in board_scoped:
        url = demo_url(rule)
        before = count_rows()
        if "GET" in rule.methods:
            page = client.get(url)
            assert page.status_code == 404, url
            assert "Youth Offending Service should" not in page.get_data(as_text=True)
        if rule.methods & STATE_CHANGING:
            assert client.post(url, data={"csrf_token": token, "name": "x"}).status_code == 404
            assert count_rows() == before, url
