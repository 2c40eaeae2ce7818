"""A board's own status key: its words, meanings, colours, order, and whether it uses Blue."""

import pytest

from tests.conftest import csrf_token
from tracker.rag import DEFAULT_KEY, status_key_problems

PATH = "/boards/1/status-key"


def key_form(**changes) -> dict:
    form = {}
    for position, status in enumerate(DEFAULT_KEY, start=1):
        form |= {
            f"{status.key}-label": status.label,
            f"{status.key}-meaning": status.meaning,
            f"{status.key}-colour": status.colour,
            f"{status.key}-position": str(position),
        }
    form["blue-in_use"] = "yes"
    return form | changes


def save(client, **changes):
    return client.post(PATH, data={"csrf_token": csrf_token(client, PATH), **key_form(**changes)})


def test_the_board_renames_a_status_and_drops_blue_and_every_page_follows(signed_in, db):
    admin = signed_in("administrator")
    response = save(admin, **{"green-meaning": "On target", "blue-in_use": ""})
    assert response.status_code == 302
    form = signed_in("champion").get("/recommendations/2/update").text
    assert "On target" in form and 'value="blue"' not in form
    plan = admin.get("/plans/1").text
    assert "On target" in plan and "Complete" not in plan.split("Status key")[-1]


def test_the_order_sets_the_direction_of_travel(signed_in, db):
    from tracker.boards import status_key_of

    save(signed_in("administrator"), **{"blue-position": "4", "red-position": "1"})
    assert [s.key for s in status_key_of(db, 1)] == ["red", "green", "amber", "blue"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"red-label": ""}, "Enter the status&#39;s name"),
        ({"amber-colour": "orange"}, "Enter the colour as # and six hex digits"),
        ({"green-colour": "#12345g"}, "Enter the colour as # and six hex digits"),
        ({"green-position": "1"}, "Give each status its own place in the order"),
        ({"red-meaning": "x" * 201}, "in 200 characters or fewer"),
        ({"red-position": "9"}, "Choose a place in the order"),
    ],
)
def test_a_bad_key_is_refused_with_a_message_and_nothing_saved(
    signed_in, count_rows, changes, message
):
    admin = signed_in("administrator")
    before = count_rows()
    response = save(admin, **changes)
    assert response.status_code == 400 and message in response.text
    assert count_rows() == before


def test_only_blue_may_be_left_out():
    statuses = [
        {
            "key": s.key,
            "in_use": s.key != "red",
            "label": s.label,
            "meaning": "m",
            "colour": s.colour,
            "position": n,
        }
        for n, s in enumerate(DEFAULT_KEY, 1)
    ]
    assert status_key_problems(statuses) == {"red-in_use": "Red must stay in the key"}


def test_hostile_words_are_shown_as_text(signed_in):
    admin = signed_in("administrator")
    save(admin, **{"amber-label": "<b>Amber</b>"})
    assert "&lt;b&gt;Amber&lt;/b&gt;" in admin.get("/plans/1").text


def test_only_the_administrator_changes_the_key(signed_in):
    for role in ("champion", "scrutiny"):
        client = signed_in(role)
        assert client.get(PATH).status_code == 403
        assert save(client).status_code == 403
