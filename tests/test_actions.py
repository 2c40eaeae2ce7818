"""Actions under recommendations: turned on or off per plan, changed by the administrator and
the recommendation's champions, validated, audited, protected against lost updates, and
flagged when overdue."""

import json
import re
from datetime import date

import pytest

from tests.conftest import csrf_token
from tracker.actions import bp
from tracker.actions.queries import actions_of, is_overdue

PLAN = 1
CHAMPIONED = 2  # the demo champion, Spencer Hunt, champions recommendation 2
NOT_CHAMPIONED = 4
SPENCER = 3  # Spencer Hunt's id in the people directory
OWNER = 9  # Donna Abernethie
ROLE_USER = {"administrator": 1, "champion": 2, "scrutiny": 3}
FIELDS = {
    "text": "Agree the health pathway with the ICB",
    "owner_id": str(OWNER),
    "target_date": "2023-03-31",
    "status": "in progress",
}


@pytest.fixture
def app(app):
    """The app with the actions blueprint, whether or not create_app registers it yet."""
    if "actions" not in app.blueprints:
        app.register_blueprint(bp)
    return app


def set_actions(db, on: bool) -> None:
    db["plans"].update(PLAN, {"uses_actions": int(on)})


@pytest.fixture
def actions_on(db):
    set_actions(db, True)


def insert_action(db, recommendation_id=CHAMPIONED, **fields) -> int:
    row = {
        "recommendation_id": recommendation_id,
        "text": "Write the resettlement policy",
        "status": "not started",
        "position": 1,
        **fields,
    }
    return db["actions"].insert(row).last_pk


def fingerprint_on(page: str) -> str:
    match = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page)
    assert match, "no fingerprint on the page"
    return match[1]


def audit_rows(db, action: str, table: str = "actions") -> list[dict]:
    return list(
        db.query(
            "SELECT * FROM audit_log WHERE action = ? AND table_name = ? ORDER BY id",
            [action, table],
        )
    )


# Turning actions on and off


def test_the_administrator_turns_actions_on_and_off(signed_in, db):
    client = signed_in("administrator")
    insert_action(db, text="Kept while actions are off")
    assert 'id="actions"' not in client.get(f"/recommendations/{CHAMPIONED}").text
    assert client.get(f"/plans/{PLAN}/actions/settings").status_code == 200
    token = csrf_token(client, f"/plans/{PLAN}/actions/settings")

    response = client.post(
        f"/plans/{PLAN}/actions/settings", data={"csrf_token": token, "uses_actions": "yes"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{PLAN}"
    assert db["plans"].get(PLAN)["uses_actions"] == 1
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert 'id="actions"' in page
    assert "Kept while actions are off" in page

    client.post(f"/plans/{PLAN}/actions/settings", data={"csrf_token": token, "uses_actions": "no"})
    assert db["plans"].get(PLAN)["uses_actions"] == 0
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert 'id="actions"' not in page
    assert "Kept while actions are off" not in page
    assert db["actions"].count == 1  # hidden, not deleted
    changes = [
        json.loads(row["after"])["uses_actions"] for row in audit_rows(db, "update", "plans")
    ]
    assert changes == [1, 0]


def test_the_settings_form_needs_a_choice(signed_in, db, count_rows):
    client = signed_in("administrator")
    token = csrf_token(client, f"/plans/{PLAN}/actions/settings")
    before = count_rows()
    for choice in ({}, {"uses_actions": "maybe"}):
        response = client.post(
            f"/plans/{PLAN}/actions/settings", data={"csrf_token": token, **choice}
        )
        assert response.status_code == 400
        assert "Select yes if this plan uses actions" in response.text
    assert count_rows() == before
    assert db["plans"].get(PLAN)["uses_actions"] == 0


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_the_administrator_turns_actions_on(signed_in, db, count_rows, role):
    client = signed_in(role)
    token = csrf_token(client, f"/plans/{PLAN}")
    before = count_rows()
    assert client.get(f"/plans/{PLAN}/actions/settings").status_code == 403
    response = client.post(
        f"/plans/{PLAN}/actions/settings", data={"csrf_token": token, "uses_actions": "yes"}
    )
    assert response.status_code == 403
    assert db["plans"].get(PLAN)["uses_actions"] == 0
    assert count_rows() == before


def test_the_plan_page_links_administrators_to_the_actions_setting(signed_in, db):
    set_actions(db, True)
    admin = signed_in("administrator").get(f"/plans/{PLAN}").text
    assert re.search(
        rf'href="/plans/{PLAN}/actions/settings">Actions under recommendations: on<', admin
    )
    champion = signed_in("champion").get(f"/plans/{PLAN}").text
    assert f"/plans/{PLAN}/actions/settings" not in champion


# When actions are off


def test_with_actions_off_the_action_pages_are_not_found(signed_in, db, count_rows):
    action_id = insert_action(db)
    client = signed_in("administrator")
    token = csrf_token(client, f"/plans/{PLAN}")
    before = count_rows()
    assert client.get(f"/recommendations/{CHAMPIONED}/actions/new").status_code == 404
    assert client.get(f"/actions/{action_id}/edit").status_code == 404
    for url in (
        f"/recommendations/{CHAMPIONED}/actions/new",
        f"/actions/{action_id}/edit",
        f"/actions/{action_id}/delete",
    ):
        assert client.post(url, data={"csrf_token": token, **FIELDS}).status_code == 404, url
    assert count_rows() == before
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert "Add an action" not in page
    assert "Write the resettlement policy" not in page


def test_an_action_that_does_not_exist_is_not_found(signed_in, actions_on):
    assert signed_in("administrator").get("/actions/999/edit").status_code == 404


# Adding, changing and deleting, as the administrator and as the recommendation's champion


@pytest.mark.usefixtures("actions_on")
@pytest.mark.parametrize("role", ["administrator", "champion"])
def test_adding_an_action(signed_in, db, role):
    client = signed_in(role)
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert f'href="/recommendations/{CHAMPIONED}/actions/new"' in page
    form = client.get(f"/recommendations/{CHAMPIONED}/actions/new")
    assert form.status_code == 200
    assert "Donna Abernethie" in form.text  # the board's people are offered as owners
    token = csrf_token(client, f"/recommendations/{CHAMPIONED}/actions/new")

    response = client.post(
        f"/recommendations/{CHAMPIONED}/actions/new", data={"csrf_token": token, **FIELDS}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/recommendations/{CHAMPIONED}#actions"
    [action] = db.query("SELECT * FROM actions")
    assert action["recommendation_id"] == CHAMPIONED
    assert action["text"] == FIELDS["text"]
    assert action["owner_id"] == OWNER
    assert action["target_date"] == "2023-03-31"
    assert action["status"] == "in progress"
    assert action["position"] == 1
    [logged] = audit_rows(db, "insert")
    assert (logged["row_id"], logged["user_id"], logged["board_id"]) == (
        action["id"],
        ROLE_USER[role],
        1,
    )
    assert json.loads(logged["after"])["text"] == FIELDS["text"]

    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert FIELDS["text"] in page
    assert "Donna Abernethie" in page
    assert "31 March 2023" in page
    assert "In progress" in page


@pytest.mark.usefixtures("actions_on")
def test_an_action_may_have_no_owner_and_no_target_date_and_goes_last(signed_in, db):
    insert_action(db, position=1)
    client = signed_in("administrator")
    token = csrf_token(client, f"/recommendations/{CHAMPIONED}/actions/new")
    response = client.post(
        f"/recommendations/{CHAMPIONED}/actions/new",
        data={"csrf_token": token, "text": "  Ask the panel  ", "status": "not started"},
    )
    assert response.status_code == 302
    added = db["actions"].get(2)
    assert (added["text"], added["owner_id"], added["target_date"], added["position"]) == (
        "Ask the panel",
        None,
        None,
        2,
    )
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert "No owner yet" in page
    assert "None set" in page


@pytest.mark.usefixtures("actions_on")
def test_an_action_of_2000_characters_is_accepted(signed_in, db):
    client = signed_in("administrator")
    token = csrf_token(client, f"/recommendations/{CHAMPIONED}/actions/new")
    response = client.post(
        f"/recommendations/{CHAMPIONED}/actions/new",
        data={"csrf_token": token, **FIELDS, "text": "x" * 2000},
    )
    assert response.status_code == 302
    assert len(db["actions"].get(1)["text"]) == 2000


@pytest.mark.usefixtures("actions_on")
@pytest.mark.parametrize("role", ["administrator", "champion"])
def test_changing_an_action(signed_in, db, role):
    action_id = insert_action(db, owner_id=SPENCER, target_date="2023-01-31")
    client = signed_in(role)
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert f'href="/actions/{action_id}/edit"' in page
    form = client.get(f"/actions/{action_id}/edit")
    assert form.status_code == 200
    assert "Write the resettlement policy" in form.text
    assert 'value="2023-01-31"' in form.text
    token = csrf_token(client, f"/actions/{action_id}/edit")

    response = client.post(
        f"/actions/{action_id}/edit",
        data={"csrf_token": token, "fingerprint": fingerprint_on(form.text), **FIELDS},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/recommendations/{CHAMPIONED}#actions"
    action = db["actions"].get(action_id)
    assert (action["text"], action["owner_id"], action["target_date"], action["status"]) == (
        FIELDS["text"],
        OWNER,
        "2023-03-31",
        "in progress",
    )
    [logged] = audit_rows(db, "update")
    assert logged["row_id"] == action_id
    assert logged["user_id"] == ROLE_USER[role]
    assert json.loads(logged["before"])["text"] == "Write the resettlement policy"
    assert json.loads(logged["after"])["text"] == FIELDS["text"]


@pytest.mark.usefixtures("actions_on")
@pytest.mark.parametrize("role", ["administrator", "champion"])
def test_deleting_an_action(signed_in, db, role):
    action_id = insert_action(db)
    client = signed_in(role)
    form = client.get(f"/actions/{action_id}/edit").text
    assert f'action="/actions/{action_id}/delete"' in form
    token = csrf_token(client, f"/actions/{action_id}/edit")

    response = client.post(
        f"/actions/{action_id}/delete",
        data={"csrf_token": token, "fingerprint": fingerprint_on(form)},
    )
    assert response.status_code == 302
    assert db["actions"].count == 0
    [logged] = audit_rows(db, "delete")
    assert logged["row_id"] == action_id
    assert logged["user_id"] == ROLE_USER[role]
    assert json.loads(logged["before"])["text"] == "Write the resettlement policy"
    assert "Action deleted." in client.get(response.headers["Location"]).text


@pytest.mark.usefixtures("actions_on")
def test_deleting_needs_the_csrf_token(signed_in, db):
    action_id = insert_action(db)
    client = signed_in("administrator")
    form = client.get(f"/actions/{action_id}/edit").text
    response = client.post(
        f"/actions/{action_id}/delete", data={"fingerprint": fingerprint_on(form)}
    )
    assert response.status_code == 400
    assert db["actions"].count == 1


# Who may not


@pytest.mark.usefixtures("actions_on")
def test_a_champion_of_another_recommendation_is_refused(signed_in, db, count_rows):
    action_id = insert_action(db, recommendation_id=NOT_CHAMPIONED)
    client = signed_in("champion")
    token = csrf_token(client, f"/plans/{PLAN}")
    page = client.get(f"/recommendations/{NOT_CHAMPIONED}").text
    assert "Write the resettlement policy" in page  # they can see the actions
    assert "Add an action" not in page
    assert f"/actions/{action_id}/edit" not in page
    before = count_rows()
    assert client.get(f"/recommendations/{NOT_CHAMPIONED}/actions/new").status_code == 403
    assert client.get(f"/actions/{action_id}/edit").status_code == 403
    for url in (
        f"/recommendations/{NOT_CHAMPIONED}/actions/new",
        f"/actions/{action_id}/edit",
        f"/actions/{action_id}/delete",
    ):
        assert client.post(url, data={"csrf_token": token, **FIELDS}).status_code == 403, url
    assert count_rows() == before
    assert db["actions"].get(action_id)["text"] == "Write the resettlement policy"


@pytest.mark.usefixtures("actions_on")
def test_the_scrutiny_panel_sees_actions_but_cannot_change_them(signed_in, db, count_rows):
    action_id = insert_action(db)
    client = signed_in("scrutiny")
    token = csrf_token(client, f"/plans/{PLAN}")
    page = client.get(f"/recommendations/{CHAMPIONED}").text
    assert "Write the resettlement policy" in page
    assert "Add an action" not in page
    assert f"/actions/{action_id}/edit" not in page
    before = count_rows()
    assert client.get(f"/recommendations/{CHAMPIONED}/actions/new").status_code == 403
    assert client.get(f"/actions/{action_id}/edit").status_code == 403
    for url in (
        f"/recommendations/{CHAMPIONED}/actions/new",
        f"/actions/{action_id}/edit",
        f"/actions/{action_id}/delete",
    ):
        assert client.post(url, data={"csrf_token": token, **FIELDS}).status_code == 403, url
    assert count_rows() == before


# Validation


@pytest.fixture
def other_boards_person(db):
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    return db["people"].insert({"board_id": board_id, "name": "Someone Else"}).last_pk


INVALID = [
    ({"text": ""}, "Enter the action"),
    ({"text": "   "}, "Enter the action"),
    ({"text": "x" * 2001}, "Action must be 2,000 characters or fewer"),
    ({"target_date": "2023-02-31"}, "Enter the target date as a real date, like 2023-09-29"),
    ({"target_date": "31/03/2023"}, "Enter the target date as a real date, like 2023-09-29"),
    ({"target_date": "20230331"}, "Enter the target date as a real date, like 2023-09-29"),
    ({"owner_id": "99999"}, "Select the owner from the list, or no owner yet"),
    ({"owner_id": "other board"}, "Select the owner from the list, or no owner yet"),
    ({"owner_id": "abc"}, "Select the owner from the list, or no owner yet"),
    ({"status": "finished"}, "Select the action&#39;s status"),
    ({"status": None}, "Select the action&#39;s status"),
]


@pytest.mark.usefixtures("actions_on")
@pytest.mark.parametrize(("change", "message"), INVALID)
def test_a_new_action_is_checked_and_nothing_is_written(
    signed_in, count_rows, other_boards_person, change, message
):
    client = signed_in("administrator")
    token = csrf_token(client, f"/recommendations/{CHAMPIONED}/actions/new")
    data = {"csrf_token": token, **FIELDS, **change}
    if data["owner_id"] == "other board":
        data["owner_id"] = str(other_boards_person)
    data = {name: value for name, value in data.items() if value is not None}
    before = count_rows()
    response = client.post(f"/recommendations/{CHAMPIONED}/actions/new", data=data)
    assert response.status_code == 400
    page = response.text
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and by the field
    assert "<title>Error: " in page
    assert count_rows() == before


@pytest.mark.usefixtures("actions_on")
@pytest.mark.parametrize(("change", "message"), INVALID[::3])
def test_a_change_to_an_action_is_checked_and_nothing_is_written(
    signed_in, db, count_rows, change, message
):
    action_id = insert_action(db)
    client = signed_in("champion")
    form = client.get(f"/actions/{action_id}/edit").text
    data = {"csrf_token": csrf_token(client, f"/actions/{action_id}/edit"), **FIELDS, **change}
    data = {name: value for name, value in data.items() if value is not None}
    before = count_rows()
    response = client.post(
        f"/actions/{action_id}/edit", data={**data, "fingerprint": fingerprint_on(form)}
    )
    assert response.status_code == 400
    assert message in response.text
    assert count_rows() == before
    assert db["actions"].get(action_id)["text"] == "Write the resettlement policy"


@pytest.mark.usefixtures("actions_on")
def test_hostile_text_is_shown_as_text(signed_in, db):
    hostile = '<script>alert("action")</script>'
    db["people"].update(OWNER, {"name": "<b>Owner</b>"})
    client = signed_in("administrator")
    token = csrf_token(client, f"/recommendations/{CHAMPIONED}/actions/new")
    client.post(
        f"/recommendations/{CHAMPIONED}/actions/new",
        data={"csrf_token": token, **FIELDS, "text": hostile},
    )
    assert db["actions"].get(1)["text"] == hostile
    for page in (
        client.get(f"/recommendations/{CHAMPIONED}").text,
        client.get("/actions/1/edit").text,
    ):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page
        assert "<b>Owner</b>" not in page
        assert "&lt;b&gt;Owner&lt;/b&gt;" in page


# Overdue


TODAY = date(2023, 3, 15)


@pytest.mark.parametrize(
    ("target_date", "status", "overdue"),
    [
        ("2023-03-14", "not started", True),
        ("2023-03-14", "in progress", True),
        ("2020-01-01", "not started", True),
        ("2023-03-14", "done", False),
        ("2023-03-14", "dropped", False),
        ("2023-03-15", "not started", False),  # due today is not yet overdue
        ("2023-03-16", "in progress", False),
        (None, "not started", False),
        ("", "not started", False),
    ],
)
def test_an_action_is_overdue_when_its_target_date_has_passed_and_it_is_not_finished(
    target_date, status, overdue
):
    assert is_overdue({"target_date": target_date, "status": status}, TODAY) is overdue


def test_overdue_is_judged_against_the_day_given():
    action = {"target_date": "2023-03-14", "status": "in progress"}
    assert is_overdue(action, date(2023, 3, 15))
    assert not is_overdue(action, date(2023, 3, 14))


def test_actions_of_gives_owners_and_overdue_flags_in_order(db):
    insert_action(db, text="Second", position=2, owner_id=OWNER, target_date="2023-03-01")
    insert_action(db, text="First", position=1, target_date="2023-04-01")
    insert_action(db, recommendation_id=NOT_CHAMPIONED, text="Elsewhere")
    actions = actions_of(db, CHAMPIONED, TODAY)
    assert [(a["text"], a["owner"], a["overdue"]) for a in actions] == [
        ("First", None, False),
        ("Second", "Donna Abernethie", True),
    ]
    assert actions_of(db, CHAMPIONED, date(2023, 4, 2))[0]["overdue"] is True
    assert actions[0]["status_label"] == "Not started"


@pytest.mark.usefixtures("actions_on")
def test_the_recommendation_page_flags_overdue_actions(signed_in, db):
    insert_action(db, text="Late one", target_date="2020-01-01", status="in progress")
    insert_action(db, text="Finished one", target_date="2020-01-01", status="done", position=2)
    insert_action(db, text="Future one", target_date="2999-12-31", position=3)
    page = signed_in("scrutiny").get(f"/recommendations/{CHAMPIONED}").text
    assert "1 action is overdue" in page
    rows = {
        text: row
        for row in re.findall(
            r'<tr class="govuk-table__row" id="action-\d+">(.*?)</tr>', page, re.S
        )
        for text in ("Late one", "Finished one", "Future one")
        if text in row
    }
    assert "Overdue" in rows["Late one"]
    assert "1 January 2020" in rows["Late one"]
    assert "Overdue" not in rows["Finished one"]
    assert "Done" in rows["Finished one"]
    assert "Overdue" not in rows["Future one"]


# Lost updates


@pytest.mark.usefixtures("actions_on")
def test_a_stale_change_is_refused_and_changes_nothing(signed_in, db):
    action_id = insert_action(db)
    client = signed_in("administrator")
    form = client.get(f"/actions/{action_id}/edit").text
    token = csrf_token(client, f"/actions/{action_id}/edit")
    db["actions"].update(action_id, {"status": "done"})  # someone else, meanwhile

    response = client.post(
        f"/actions/{action_id}/edit",
        data={"csrf_token": token, "fingerprint": fingerprint_on(form), **FIELDS},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/actions/{action_id}/edit"
    action = db["actions"].get(action_id)
    assert (action["text"], action["status"]) == ("Write the resettlement policy", "done")
    assert audit_rows(db, "update") == []
    page = client.get(response.headers["Location"]).text
    assert "Someone else changed this action" in page
    assert fingerprint_on(page) != fingerprint_on(form)


@pytest.mark.usefixtures("actions_on")
def test_a_change_without_the_fingerprint_is_refused(signed_in, db):
    action_id = insert_action(db)
    client = signed_in("administrator")
    token = csrf_token(client, f"/actions/{action_id}/edit")
    response = client.post(f"/actions/{action_id}/edit", data={"csrf_token": token, **FIELDS})
    assert response.status_code == 302
    assert db["actions"].get(action_id)["text"] == "Write the resettlement policy"


@pytest.mark.usefixtures("actions_on")
def test_a_stale_delete_is_refused(signed_in, db):
    action_id = insert_action(db)
    client = signed_in("administrator")
    form = client.get(f"/actions/{action_id}/edit").text
    token = csrf_token(client, f"/actions/{action_id}/edit")
    db["actions"].update(action_id, {"text": "Changed by someone else"})

    response = client.post(
        f"/actions/{action_id}/delete",
        data={"csrf_token": token, "fingerprint": fingerprint_on(form)},
    )
    assert response.status_code == 302
    assert db["actions"].get(action_id)["text"] == "Changed by someone else"
    assert audit_rows(db, "delete") == []
    assert "so it was not deleted" in client.get(response.headers["Location"]).text
