"""The champion's form shows what they need (the key lines of enquiry and last quarter's approved
update, with a way to start from its words), and their home says when each update is due."""

import html
import re
from datetime import date, timedelta

import pytest

from tests.conftest import csrf_token, form_state
from tracker.due_dates import due_in_words, iso_due_in_words
from tracker.uk_time import uk_today

# Spencer Hunt, the demo champion, is board champion of recommendation 2; its sample update for
# 2022/23 Q3 (the quarter before the demo's current quarter) is approved.
HIS, NOT_HIS = 2, 4
FORM = f"/recommendations/{HIS}/update"
KEY_LINE = "The board needs to develop a sharper focus on all areas of diversity"
LAST_QUARTERS_WORDS = "The diversity and disproportionality plan now covers every protected"
LAST_QUARTERS_NEXT_STEPS = "Present the revised plan to the board for sign-off."
START_BUTTON = "Start from last quarter's text"


def text_of(response) -> str:
    """The page as a reader sees its words (entities such as &#39; turned back to characters)."""
    return html.unescape(response.get_data(as_text=True))


def textarea(response, name: str) -> str:
    """What the form's textarea called `name` holds."""
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert found, f"no textarea {name}"
    return html.unescape(found[1])


def checked_status(response) -> str | None:
    found = re.search(r'name="status" type="radio" value="(\w+)" checked', response.text)
    return found[1] if found else None


def save_draft(client, narrative: str, path: str = FORM):
    page = client.get(path).text
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            **form_state(page),
            "action": "draft",
            "status": "amber",
            "narrative": narrative,
        },
    )


def add_recommendation(db, plan_id: int, text: str, champion: str = "Spencer Hunt") -> int:
    """A recommendation on the plan, board-championed by `champion`, with no updates."""
    position = db.execute(
        "SELECT coalesce(max(position), 0) + 1 FROM recommendations WHERE plan_id = ?", [plan_id]
    ).fetchone()[0]
    recommendation_id = (
        db["recommendations"]
        .insert(
            {
                "plan_id": plan_id,
                "number": 90 + position,
                "text": text,
                "origin": "local",
                "position": position,
            }
        )
        .last_pk
    )
    person_id = db.execute("SELECT id FROM people WHERE name = ?", [champion]).fetchone()[0]
    db["champions"].insert(
        {
            "recommendation_id": recommendation_id,
            "person_id": person_id,
            "kind": "board",
            "position": 1,
        }
    )
    db.conn.commit()
    return recommendation_id


# ----- The form ---------------------------------------------------------------------------


def test_the_form_shows_the_key_lines_and_last_quarters_approved_update(signed_in):
    page = text_of(signed_in("champion").get(FORM))
    assert "Key lines of enquiry" in page and KEY_LINE in page
    previous = page[page.index("Last quarter's approved update") :]
    assert previous.startswith("Last quarter's approved update<span")
    assert "2022/23 Q3" in previous[:200]
    assert "Sample text" in previous  # the demo's updates are marked as samples everywhere
    assert re.search(
        r"<strong>Status:</strong> <strong class=\"app-status app-status--green\">Green", previous
    )
    assert LAST_QUARTERS_WORDS in previous and LAST_QUARTERS_NEXT_STEPS in previous
    assert START_BUTTON in page


def test_starting_from_last_quarter_fills_the_form_and_saves_nothing(signed_in, db, count_rows):
    champion = signed_in("champion")
    blank = champion.get(FORM)
    assert textarea(blank, "narrative") == "" and checked_status(blank) == "green"
    before = count_rows()

    started = champion.get(f"{FORM}?start_from=last")

    assert started.status_code == 200
    assert count_rows() == before
    assert textarea(started, "narrative").startswith(LAST_QUARTERS_WORDS)
    assert textarea(started, "next_steps") == LAST_QUARTERS_NEXT_STEPS
    assert checked_status(started) == "green"
    words = text_of(started)
    assert (
        "The form below starts from the approved update for 2022/23 Q3. Nothing has been saved."
        in words
    )
    assert START_BUTTON not in words  # once is enough
    assert (
        'name="based_on" value="0"' in started.text
        and 'name="quarter" value="2022/23 Q4"' in started.text
    )

    # Saving is the champion's own step, from the form as they changed it.
    assert save_draft(champion, "Our own words", f"{FORM}?start_from=last").status_code == 302
    saved = db.execute(
        "SELECT revision, state, narrative FROM progress_updates"
        " WHERE recommendation_id = ? ORDER BY id DESC LIMIT 1",
        [HIS],
    ).fetchone()
    assert saved == (1, "draft", "Our own words")


def test_with_a_draft_this_quarter_last_quarters_text_is_not_offered_and_overwrites_nothing(
    signed_in, count_rows
):
    champion = signed_in("champion")
    assert save_draft(champion, "My draft for Q4").status_code == 302
    form = champion.get(FORM)
    assert START_BUTTON not in text_of(form)
    assert LAST_QUARTERS_WORDS in text_of(form)  # still there to read
    before = count_rows()

    asked = champion.get(f"{FORM}?start_from=last")

    assert asked.status_code == 200
    assert count_rows() == before
    assert textarea(asked, "narrative") == "My draft for Q4"
    assert checked_status(asked) == "amber"
    assert START_BUTTON not in text_of(asked) and "Nothing has been saved" not in text_of(asked)


def test_a_form_sent_back_with_problems_keeps_the_typed_text_and_offers_no_start(signed_in):
    champion = signed_in("champion")
    refused = save_draft(champion, "   ")
    assert refused.status_code == 400
    assert START_BUTTON not in text_of(refused)
    assert checked_status(refused) == "amber"


def test_a_recommendation_with_no_earlier_approved_update_offers_nothing_to_start_from(
    signed_in, db, count_rows
):
    new = add_recommendation(db, 1, "Make sure every child has a named education contact.")
    champion = signed_in("champion")
    form = champion.get(f"/recommendations/{new}/update")
    assert form.status_code == 200
    page = text_of(form)
    assert "None recorded for this recommendation." in page
    assert "approved update" not in page and START_BUTTON not in page
    before = count_rows()

    asked = champion.get(f"/recommendations/{new}/update?start_from=last")

    assert asked.status_code == 200 and count_rows() == before
    assert textarea(asked, "narrative") == "" and checked_status(asked) is None
    assert "Nothing has been saved" not in text_of(asked)


def test_an_approved_update_older_than_last_quarter_is_named_by_its_quarter(signed_in, db):
    db.execute("UPDATE plans SET current_quarter = '2023/24 Q1' WHERE id = 1")
    db.conn.commit()
    champion = signed_in("champion")
    page = text_of(champion.get(FORM))
    assert "The last approved update<span" in page and "Last quarter's" not in page
    assert "Start from the 2022/23 Q3 text" in page
    started = champion.get(f"{FORM}?start_from=last")
    assert textarea(started, "narrative").startswith(LAST_QUARTERS_WORDS)


@pytest.mark.parametrize(("role", "recommendation_id"), [("scrutiny", HIS), ("champion", NOT_HIS)])
def test_people_who_may_not_update_it_cannot_reach_the_form_or_last_quarters_text(
    signed_in, count_rows, role, recommendation_id
):
    client = signed_in(role)
    before = count_rows()
    response = client.get(f"/recommendations/{recommendation_id}/update?start_from=last")
    assert response.status_code == 403
    assert LAST_QUARTERS_WORDS not in text_of(response)
    assert count_rows() == before


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "LAST",
        "last ",
        "x" * 100_000,
    ],
)
def test_any_other_start_from_changes_nothing_and_is_never_shown(signed_in, count_rows, value):
    champion = signed_in("champion")
    champion.get(FORM)
    before = count_rows()
    response = champion.get(FORM, query_string={"start_from": value})
    assert response.status_code == 200
    assert count_rows() == before
    assert textarea(response, "narrative") == ""
    assert "<script>alert" not in response.text and "onerror" not in response.text
    assert "x" * 1000 not in response.text
    assert START_BUTTON in text_of(response)  # still offered: nothing was started


# ----- Due in words -------------------------------------------------------------------------

TODAY = date(2023, 4, 10)


@pytest.mark.parametrize(
    ("deadline", "words"),
    [
        (TODAY, "due today"),
        (TODAY + timedelta(days=1), "due tomorrow"),
        (TODAY + timedelta(days=5), "due in 5 days"),
        (TODAY + timedelta(days=400), "due in 400 days"),
        (TODAY - timedelta(days=1), "overdue by 1 day"),
        (TODAY - timedelta(days=2), "overdue by 2 days"),
        (date(2023, 3, 31), "overdue by 10 days"),  # across a month's end
        (None, None),
    ],
)
def test_a_deadline_is_put_in_words_against_today(deadline, words):
    assert due_in_words(deadline, TODAY) == words


@pytest.mark.parametrize(
    ("stored", "words"),
    [
        ("2023-04-15", "due in 5 days"),
        ("", None),
        (None, None),
        ("31 March", None),
        ("2023-02-30", None),
    ],
)
def test_a_stored_deadline_that_is_not_a_date_gets_no_words(stored, words):
    assert iso_due_in_words(stored, TODAY) == words


# ----- The champion's home ------------------------------------------------------------------


def add_live_plan(db, title: str, deadline: date) -> int:
    """A second live plan on the demo board, in 2022/23 Q4 with an update deadline."""
    plan_id = (
        db["plans"]
        .insert(
            {
                "board_id": 1,
                "title": title,
                "current_quarter": "2022/23 Q4",
                "state": "live",
                "went_live_at": "2023-01-01T09:00:00.000000Z",
            }
        )
        .last_pk
    )
    db["quarters"].insert(
        {
            "plan_id": plan_id,
            "label": "2022/23 Q4",
            "starts_on": "2023-01-01",
            "ends_on": "2023-03-31",
            "update_deadline": deadline.isoformat(),
        }
    )
    db.conn.commit()
    return plan_id


def set_demo_deadline(db, deadline: date | None) -> None:
    db.execute(
        "UPDATE quarters SET update_deadline = ? WHERE plan_id = 1 AND label = '2022/23 Q4'",
        [deadline.isoformat() if deadline else None],
    )
    db.conn.commit()


def in_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_the_champions_home_groups_recommendations_by_plan_and_says_when_each_is_due(signed_in, db):
    today = uk_today()
    set_demo_deadline(db, today + timedelta(days=5))
    overdue = today - timedelta(days=2)
    second = add_live_plan(db, "Sunderland youth justice improvement plan", overdue)
    add_recommendation(db, second, "Review the out-of-court disposal panel's decisions.")

    home = text_of(signed_in("champion").get("/"))

    demo_table = home[home.index('id="championed-plan-1"') :]
    demo_table = demo_table[: demo_table.index("</table>")]
    second_table = home[home.index(f'id="championed-plan-{second}"') :]
    second_table = second_table[: second_table.index("</table>")]
    assert home.index('id="championed-plan-1"') < home.index(f'id="championed-plan-{second}"')
    assert "North East Lincolnshire Youth Justice Services HMIP improvement plan" in demo_table
    assert "2. " in demo_table and "Review the out-of-court" not in demo_table
    assert in_words(today + timedelta(days=5)) in demo_table and "Due in 5 days" in demo_table
    assert "Sunderland youth justice improvement plan" in second_table
    assert "Review the out-of-court disposal panel's decisions." in second_table
    assert in_words(overdue) in second_table and "Overdue by 2 days" in second_table


@pytest.mark.parametrize(
    ("days", "words"),
    [(0, "Due today"), (1, "Due tomorrow"), (-1, "Overdue by 1 day")],
)
def test_the_home_says_due_today_tomorrow_or_overdue(signed_in, db, days, words):
    set_demo_deadline(db, uk_today() + timedelta(days=days))
    assert words in text_of(signed_in("champion").get("/"))


def test_once_submitted_an_update_is_no_longer_said_to_be_due_or_overdue(signed_in, db):
    deadline = uk_today() - timedelta(days=2)
    set_demo_deadline(db, deadline)
    champion = signed_in("champion")
    page = champion.get(FORM).text
    champion.post(
        FORM,
        data={
            "csrf_token": csrf_token(champion, FORM),
            "based_on": re.search(r'name="based_on" value="(\d+)"', page)[1],
            "quarter": "2022/23 Q4",
            "action": "submit",
            "status": "green",
            "narrative": "Done",
        },
    )
    home = text_of(champion.get("/"))
    assert "Waiting for approval" in home
    assert in_words(deadline) in home and "Overdue" not in home


def test_without_a_deadline_the_home_says_so(signed_in, db):
    set_demo_deadline(db, None)
    home = text_of(signed_in("champion").get("/"))
    assert "No deadline set" in home and "Due in" not in home and "Overdue" not in home
