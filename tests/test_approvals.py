"""The approvals inbox: an administrator sees every update waiting for their approval on the
boards they administer, approves several at once (all or none), and returns one with a reason."""

import re

import pytest

from tests.conftest import csrf_token
from tracker.approvals import workflow as approvals
from tracker.audit import SYSTEM, Actor
from tracker.auth import accounts
from tracker.quarters import Quarter
from tracker.updates import workflow

CHAMPION = Actor(2, 1)  # the demo champion, on the demo's board
ADMINISTRATOR = 1
QUARTER = "2022/23 Q4"  # the demo plan's current quarter


def current_quarter_id(db) -> int:
    return workflow.ensure_quarter(db, 1, Quarter.parse(QUARTER), SYSTEM)


def submit(db, recommendation_id: int, narrative: str = "Progress made", actor=CHAMPION) -> dict:
    """A submitted update on the recommendation, written by `actor`; returns its revision."""
    fields = {"narrative": narrative, "status": "amber"}
    latest = workflow.latest_revision(db, recommendation_id, current_quarter_id(db))
    based_on = latest["revision"] if latest else 0
    return workflow.save_update(
        db, recommendation_id, current_quarter_id(db), fields, based_on, True, actor
    )


def state_of(db, recommendation_id: int) -> str | None:
    latest = workflow.latest_revision(db, recommendation_id, current_quarter_id(db))
    return latest["state"] if latest else None


def inbox_token(client) -> str:
    return csrf_token(client, "/approvals")


def approve(client, *update_ids, token=None):
    data = {"csrf_token": token or inbox_token(client), "update": [str(i) for i in update_ids]}
    return client.post("/approvals", data=data)


@pytest.fixture
def three_waiting(db) -> list[dict]:
    """The demo champion's updates on recommendations 1, 2 and 5, submitted for approval."""
    return [submit(db, number, f"Narrative for {number}") for number in (1, 2, 5)]


@pytest.fixture
def second_administrator(db) -> int:
    return accounts.create_user(
        db,
        email="deputy@demo.example.org",
        password="lantern orchard pebble violin",
        name="Dee Deputy",
        board_id=1,
        role="administrator",
        actor=SYSTEM,
    )


# Listing


def test_the_inbox_lists_each_update_waiting_with_its_status_author_and_narrative(
    signed_in, three_waiting
):
    page = signed_in("administrator").get("/approvals").get_data(as_text=True)
    assert "Waiting for your approval (3)" in page
    for update in three_waiting:
        assert f'name="update" type="checkbox" value="{update["id"]}"' in page
        assert f"Narrative for {update['recommendation_id']}" in page
    assert page.count("app-status--amber") == 3
    assert "Submitted by Spencer Hunt" in page
    assert "/recommendations/2/return" in page
    assert 'href="/recommendations/5"' in page
    assert "Approve selected" in page


def test_the_inbox_leaves_out_drafts_approved_updates_and_withdrawn_recommendations(
    db, signed_in, three_waiting
):
    quarter_id = current_quarter_id(db)
    workflow.save_update(db, 3, quarter_id, {"narrative": "Only a draft"}, 0, False, CHAMPION)
    workflow.review_update(db, 1, quarter_id, True, "", 1, Actor(ADMINISTRATOR, 1))
    db["recommendations"].update(5, {"withdrawn_at": "2023-02-01T10:00:00Z"})
    page = signed_in("administrator").get("/approvals").get_data(as_text=True)
    assert "Waiting for your approval (1)" in page
    assert "Narrative for 2" in page
    for absent in ("Only a draft", "Narrative for 1", "Narrative for 5"):
        assert absent not in page


def test_an_empty_inbox_says_nothing_is_waiting(signed_in):
    page = signed_in("administrator").get("/approvals").get_data(as_text=True)
    assert "Waiting for your approval (0)" in page
    assert "Nothing is waiting for your approval" in page
    assert "Approve selected" not in page


def test_the_home_page_shows_the_count_and_the_first_few_to_an_administrator(
    signed_in, three_waiting
):
    page = signed_in("administrator").get("/").get_data(as_text=True)
    assert "Waiting for your approval (3)" in page
    assert 'href="/approvals"' in page
    assert "Waiting for your approval" not in signed_in("champion").get("/").get_data(as_text=True)


def test_the_home_page_shows_no_approvals_block_when_nothing_is_waiting(signed_in):
    assert "Waiting for your approval" not in signed_in("administrator").get("/").get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_administrators_have_an_inbox(signed_in, three_waiting, count_rows, role):
    client = signed_in(role)
    assert client.get("/approvals").status_code == 403
    before = count_rows()
    token = csrf_token(client, "/plans/1")
    response = client.post("/approvals", data={"csrf_token": token, "update": "11"})
    assert response.status_code == 403
    assert client.get("/recommendations/2/return").status_code == 403
    assert count_rows() == before


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/approvals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


# Approving several at once


def test_the_administrator_approves_three_updates_at_once(db, signed_in, three_waiting):
    client = signed_in("administrator")
    response = approve(client, *(update["id"] for update in three_waiting))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 updates approved, on recommendations 1, 2 and 5." in page
    assert "Waiting for your approval (0)" in page
    for update in three_waiting:
        latest = workflow.latest_revision(db, update["recommendation_id"], update["quarter_id"])
        assert (latest["state"], latest["revision"]) == ("approved", update["revision"] + 1)
        assert (latest["author_id"], latest["narrative"]) == (ADMINISTRATOR, update["narrative"])
    logged = db.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'progress_updates' AND user_id = ?",
        [ADMINISTRATOR],
    ).fetchone()[0]
    assert logged == 3


def test_approving_some_leaves_the_others_waiting(db, signed_in, three_waiting):
    client = signed_in("administrator")
    assert approve(client, three_waiting[1]["id"]).status_code == 302
    assert [state_of(db, number) for number in (1, 2, 5)] == ["submitted", "approved", "submitted"]
    assert "Waiting for your approval (2)" in client.get("/approvals").get_data(as_text=True)


def test_one_changed_since_the_page_was_shown_means_none_is_approved(
    db, signed_in, three_waiting, count_rows
):
    client = signed_in("administrator")
    token = inbox_token(client)
    # The champion submits recommendation 2's update again while the list is open.
    submit(db, 2, "Rewritten after the list was opened")
    before = count_rows()
    response = approve(client, *(update["id"] for update in three_waiting), token=token)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "The update on recommendation 2 changed after you opened the list" in page
    assert count_rows() == before
    assert [state_of(db, number) for number in (1, 2, 5)] == ["submitted"] * 3
    # The boxes ticked stay ticked, to try again.
    assert f'value="{three_waiting[0]["id"]}" checked' in page


def test_an_update_returned_meanwhile_is_not_approved(db, signed_in, three_waiting, count_rows):
    client = signed_in("administrator")
    token = inbox_token(client)
    workflow.review_update(db, 5, current_quarter_id(db), False, "Add figures", 1, SYSTEM)
    before = count_rows()
    response = approve(client, three_waiting[0]["id"], three_waiting[2]["id"], token=token)
    assert response.status_code == 409
    assert "recommendation 5 changed" in response.get_data(as_text=True)
    assert count_rows() == before


def test_a_closed_quarter_refuses_approval(db, signed_in, three_waiting, count_rows):
    client = signed_in("administrator")
    token = inbox_token(client)
    workflow.lock_quarter(db, 1, current_quarter_id(db), SYSTEM)
    before = count_rows()
    response = approve(client, *(update["id"] for update in three_waiting), token=token)
    assert response.status_code == 409
    assert f"{QUARTER} was closed before you decided" in response.get_data(as_text=True)
    assert count_rows() == before


def test_an_administrator_cannot_approve_their_own_update_while_another_can(
    db, signed_in, second_administrator, count_rows
):
    own = submit(db, 3, "Written by the head of service", actor=Actor(ADMINISTRATOR, 1))
    other = submit(db, 4, "Written by the champion")
    client = signed_in("administrator")
    page = client.get("/approvals").get_data(as_text=True)
    assert "You wrote this:</strong> another administrator approves it" in page
    assert f'value="{own["id"]}"' not in page
    before = count_rows()
    response = approve(client, own["id"], other["id"])
    assert response.status_code == 409
    assert "You wrote the update on recommendation 3: another administrator" in (
        response.get_data(as_text=True)
    )
    assert count_rows() == before


def test_the_only_administrator_approves_their_own_update(db, signed_in):
    own = submit(db, 3, "Written by the head of service", actor=Actor(ADMINISTRATOR, 1))
    client = signed_in("administrator")
    assert "You wrote this" not in client.get("/approvals").get_data(as_text=True)
    assert approve(client, own["id"]).status_code == 302
    assert state_of(db, 3) == "approved"


def test_a_deactivated_administrator_does_not_count_as_another(db, signed_in, second_administrator):
    db["memberships"].update(
        db.execute(
            "SELECT id FROM memberships WHERE user_id = ?", [second_administrator]
        ).fetchone()[0],
        {"deactivated_at": "2023-01-01T00:00:00Z"},
    )
    own = submit(db, 3, "Written by the head of service", actor=Actor(ADMINISTRATOR, 1))
    assert approve(signed_in("administrator"), own["id"]).status_code == 302


# Another board


@pytest.fixture
def other_board_update(db) -> dict:
    """A submitted update on a live plan of a board the demo's administrator has no role on."""
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    plan = {"board_id": board_id, "title": "Another plan", "state": "live"}
    plan_id = db["plans"].insert({**plan, "current_quarter": QUARTER}).last_pk
    recommendation = {"plan_id": plan_id, "number": 1, "origin": "local", "position": 1}
    recommendation_id = (
        db["recommendations"].insert({**recommendation, "text": "Secret recommendation"}).last_pk
    )
    quarter_id = workflow.ensure_quarter(db, plan_id, Quarter.parse(QUARTER), SYSTEM)
    update = {"narrative": "Secret narrative", "status": "green"}
    return workflow.save_update(db, recommendation_id, quarter_id, update, 0, True, SYSTEM)


def test_another_boards_updates_are_never_listed_nor_approved(
    db, signed_in, three_waiting, other_board_update, count_rows
):
    client = signed_in("administrator")
    page = client.get("/approvals").get_data(as_text=True)
    assert "Waiting for your approval (3)" in page
    assert "Secret" not in page
    before = count_rows()
    response = approve(client, three_waiting[0]["id"], other_board_update["id"])
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "One of the updates chosen is not one waiting for your approval" in page
    assert "Secret" not in page
    assert count_rows() == before
    url = f"/recommendations/{other_board_update['recommendation_id']}/return"
    assert client.get(url).status_code == 404
    token = inbox_token(client)
    data = {"csrf_token": token, "reason": "x", "quarter": QUARTER, "based_on": "1"}
    assert client.post(url, data=data).status_code == 404
    assert count_rows() == before


def test_an_administrator_of_two_boards_sees_both(db, signed_in, three_waiting, other_board_update):
    board_id = db.execute(
        "SELECT board_id FROM plans JOIN recommendations ON recommendations.plan_id = plans.id"
        " WHERE recommendations.id = ?",
        [other_board_update["recommendation_id"]],
    ).fetchone()[0]
    accounts.add_membership(db, ADMINISTRATOR, board_id, "administrator", None, SYSTEM)
    client = signed_in("administrator")
    page = client.get("/approvals").get_data(as_text=True)
    assert "Waiting for your approval (4)" in page
    assert "Secret narrative" in page
    ids = [update["id"] for update in three_waiting] + [other_board_update["id"]]
    assert approve(client, *ids).status_code == 302
    assert state_of(db, 1) == "approved"
    logged = db.execute(
        "SELECT DISTINCT board_id FROM audit_log WHERE table_name = 'progress_updates'"
        " AND user_id = ? ORDER BY board_id",
        [ADMINISTRATOR],
    ).fetchall()
    assert [row[0] for row in logged] == [1, board_id]


# Hostile input


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ([], "Select the updates to approve"),
        (["999999"], "One of the updates chosen is not one waiting for your approval"),
        (["<script>alert(1)</script>"], "One of the updates chosen is not one waiting"),
        (["-1"], "One of the updates chosen is not one waiting"),
        (["9" * 40], "One of the updates chosen is not one waiting"),
        (["\u0663"], "One of the updates chosen is not one waiting"),
        # The demo's sample update on recommendation 1, approved in the closed quarter.
        (["1"], "2022/23 Q3 was closed before you decided"),
    ],
)
def test_unknown_or_odd_ids_approve_nothing(signed_in, three_waiting, count_rows, sent, message):
    client = signed_in("administrator")
    before = count_rows()
    response = client.post(
        "/approvals",
        data={"csrf_token": inbox_token(client), "update": [str(three_waiting[0]["id"]), *sent]}
        if sent
        else {"csrf_token": inbox_token(client)},
    )
    assert response.status_code in (400, 409)
    page = response.get_data(as_text=True)
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert re.search(r"<title>Error: ", page)
    assert count_rows() == before


def test_the_same_update_sent_twice_is_approved_once(db, signed_in, three_waiting):
    client = signed_in("administrator")
    update = three_waiting[0]
    assert approve(client, update["id"], update["id"], f" {update['id']} ").status_code == 302
    revisions = db.execute(
        "SELECT state FROM progress_updates WHERE recommendation_id = 1 AND quarter_id = ?"
        " ORDER BY revision",
        [update["quarter_id"]],
    ).fetchall()
    assert [row[0] for row in revisions] == ["submitted", "approved"]


def test_too_many_ids_are_refused(signed_in, three_waiting, count_rows):
    client = signed_in("administrator")
    before = count_rows()
    response = approve(client, *range(1, 1002))
    assert response.status_code == 409
    assert "Select 500 updates or fewer" in response.get_data(as_text=True)
    assert count_rows() == before


def test_no_csrf_token_changes_nothing(signed_in, three_waiting, count_rows):
    client = signed_in("administrator")
    before = count_rows()
    response = client.post("/approvals", data={"update": str(three_waiting[0]["id"])})
    assert response.status_code == 400
    assert count_rows() == before


# Returning with a reason


def return_form(client, recommendation_id: int) -> dict:
    page = client.get(f"/recommendations/{recommendation_id}/return").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|quarter|based_on)"[^>]*value="([^"]*)"', page))
    assert set(fields) == {"csrf_token", "quarter", "based_on"}, page
    return fields


def test_the_administrator_returns_an_update_with_a_reason(db, signed_in, three_waiting):
    client = signed_in("administrator")
    page = client.get("/recommendations/2/return").get_data(as_text=True)
    assert "Return the update on recommendation 2" in page
    assert "Narrative for 2" in page
    fields = return_form(client, 2)
    assert (fields["quarter"], fields["based_on"]) == (QUARTER, "1")
    response = client.post(
        "/recommendations/2/return", data={**fields, "reason": "  Say what changed.  "}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/approvals"
    page = client.get("/approvals").get_data(as_text=True)
    assert "The update on recommendation 2 is returned to its champions" in page
    assert "Waiting for your approval (2)" in page
    latest = workflow.latest_revision(db, 2, current_quarter_id(db))
    assert (latest["state"], latest["review_note"]) == ("returned", "Say what changed.")


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why you are returning the update"),
        ("   ", "Enter why you are returning the update"),
        ("x" * 10_000, "The reason must be 5,000 characters or fewer"),
    ],
)
def test_a_return_needs_a_reason_of_at_most_5000_characters(
    signed_in, three_waiting, count_rows, reason, message
):
    client = signed_in("administrator")
    fields = return_form(client, 2)
    before = count_rows()
    response = client.post("/recommendations/2/return", data={**fields, "reason": reason})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page
    assert count_rows() == before


def test_a_script_in_a_reason_is_stored_as_typed_and_shown_escaped(db, signed_in, three_waiting):
    client = signed_in("administrator")
    fields = return_form(client, 2)
    script = "<script>alert(1)</script>"
    client.post("/recommendations/2/return", data={**fields, "reason": script})
    assert workflow.latest_revision(db, 2, current_quarter_id(db))["review_note"] == script
    page = client.get("/recommendations/2").get_data(as_text=True)
    assert script not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quarter": "2022/23 Q3"}, "2022/23 Q3 was closed before you decided"),
        ({"quarter": "<script>"}, "The quarter this page was opened for was closed"),
        ({"quarter": None}, "The quarter this page was opened for was closed"),
        ({"based_on": "2"}, "The update changed while you were reading it"),
        ({"based_on": "<script>"}, "The update changed while you were reading it"),
        ({"based_on": None}, "The update changed while you were reading it"),
    ],
)
def test_a_return_from_an_old_or_altered_page_changes_nothing(
    signed_in, three_waiting, count_rows, change, message
):
    client = signed_in("administrator")
    fields = {**return_form(client, 2), "reason": "Please add figures"}
    for name, value in change.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    before = count_rows()
    response = client.post("/recommendations/2/return", data=fields)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert "<script>" not in page
    assert count_rows() == before


def test_a_return_after_the_quarter_closed_changes_nothing(
    db, signed_in, three_waiting, count_rows
):
    client = signed_in("administrator")
    fields = {**return_form(client, 2), "reason": "Please add figures"}
    workflow.lock_quarter(db, 1, current_quarter_id(db), SYSTEM)
    before = count_rows()
    response = client.post("/recommendations/2/return", data=fields)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{QUARTER} was closed before you decided, so nothing was changed" in page
    assert count_rows() == before


def test_a_withdrawn_recommendation_takes_no_return(db, signed_in, three_waiting, count_rows):
    client = signed_in("administrator")
    fields = {**return_form(client, 2), "reason": "Please add figures"}
    db["recommendations"].update(2, {"withdrawn_at": "2023-02-01T10:00:00Z"})
    before = count_rows()
    response = client.post("/recommendations/2/return", data=fields)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "withdrawn by the board" in page
    assert count_rows() == before


def test_the_return_page_says_when_nothing_is_waiting(signed_in):
    page = signed_in("administrator").get("/recommendations/2/return").get_data(as_text=True)
    assert "No update on this recommendation is waiting for approval" in page
    assert 'name="reason"' not in page


def test_a_failure_part_way_through_rolls_back_the_approvals_already_made(
    db, three_waiting, count_rows, monkeypatch
):
    real_review = workflow.review_update
    calls = []

    def failing_on_the_second(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise workflow.Conflict(None)
        return real_review(*args, **kwargs)

    monkeypatch.setattr(workflow, "review_update", failing_on_the_second)
    before = count_rows()
    with pytest.raises(approvals.NothingApproved) as refused:
        approvals.approve_several(db, ADMINISTRATOR, [update["id"] for update in three_waiting])
    assert refused.value.problems == [
        "The update on recommendation 2 changed after you opened the list: "
        "read it again before deciding"
    ]
    assert calls == [1, 2]
    assert count_rows() == before
    assert [state_of(db, number) for number in (1, 2, 5)] == ["submitted"] * 3
