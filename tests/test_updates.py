"""The quarterly update cycle: write, submit, return, resubmit, approve, close the quarter."""

import json
import re

import pytest

from tests.conftest import csrf_token, form_state
from tracker.audit import Actor
from tracker.rag import DEFAULT_KEY
from tracker.updates import workflow

# Spencer Hunt, the demo champion, is board champion of recommendation 2.
HIS = 2
NOT_HIS = 4


def form_of(client, recommendation_id: int) -> dict:
    page = client.get(f"/recommendations/{recommendation_id}/update").text
    return {
        "csrf_token": csrf_token(client, f"/recommendations/{recommendation_id}/update"),
        **form_state(page),
    }


def send(client, recommendation_id, form, action="submit", **fields):
    return client.post(
        f"/recommendations/{recommendation_id}/update", data={**form, "action": action, **fields}
    )


def review(client, recommendation_id, decision, note=""):
    page = client.get(f"/recommendations/{recommendation_id}").text
    return client.post(
        f"/recommendations/{recommendation_id}/review",
        data={
            "csrf_token": csrf_token(client, f"/recommendations/{recommendation_id}"),
            **form_state(page),
            "decision": decision,
            "note": note,
        },
    )


def latest(db, recommendation_id):
    return db.execute(
        "SELECT revision, state, status, narrative, review_note FROM progress_updates"
        " WHERE recommendation_id = ? ORDER BY id DESC LIMIT 1",
        [recommendation_id],
    ).fetchone()


@pytest.mark.parametrize(
    ("fields", "submitting", "problem"),
    [
        ({"status": "green", "narrative": "  "}, False, "narrative"),
        ({"status": None, "narrative": "Progress"}, True, "status"),
        ({"status": "red", "narrative": "Behind"}, True, "corrective_action"),
        ({"status": "purple", "narrative": "Progress"}, True, "status"),
        ({"status": "green", "narrative": "x" * 20001}, True, "narrative"),
    ],
)
def test_an_update_needs_a_narrative_a_status_to_submit_and_a_corrective_action_for_red(
    fields, submitting, problem
):
    assert problem in workflow.update_problems(fields, DEFAULT_KEY, submitting)


def test_a_draft_needs_only_a_narrative():
    assert workflow.update_problems({"narrative": "Started"}, DEFAULT_KEY, False) == {}


def test_red_returned_resubmitted_approved_then_shown_on_the_plan(signed_in, db, runner):
    champion, admin = signed_in("champion"), signed_in("administrator")
    assert "Write the update" in champion.get("/").text  # the champion's home
    response = send(
        champion,
        HIS,
        form_of(champion, HIS),
        status="red",
        narrative="No plan yet",
        corrective_action="Workshop booked",
    )
    assert response.status_code == 302
    assert latest(db, HIS)[1:3] == ("submitted", "red")

    assert review(admin, HIS, "return").status_code == 302  # a return needs a reason
    assert latest(db, HIS)[1] == "submitted"
    review(admin, HIS, "return", note="Say when the workshop is")
    assert latest(db, HIS)[1] == "returned"
    home = champion.get("/").text
    assert "Returned to you" in home
    assert "Say when the workshop is" in champion.get(f"/recommendations/{HIS}/update").text

    send(
        champion,
        HIS,
        form_of(champion, HIS),
        status="red",
        narrative="No plan yet",
        corrective_action="Workshop on 3 March",
    )
    review(admin, HIS, "approve")
    assert latest(db, HIS)[:3] == (4, "approved", "red")
    plan = json.loads(runner.invoke(args=["show-plan", "--json"]).output)
    q4 = [u for u in plan["recommendations"][HIS - 1]["updates"] if u["quarter"] == "2022/23 Q4"]
    assert q4 == [
        {
            "quarter": "2022/23 Q4",
            "status": "Red",
            "state": "approved",
            "narrative": "No plan yet",
            "sample": False,
        }
    ]
    # The panel sees it once the board has met and the quarter is closed, not before.
    scrutiny = signed_in("scrutiny")
    assert "No plan yet" not in scrutiny.get("/plans/1").text
    assert "No plan yet" not in scrutiny.get(f"/recommendations/{HIS}").text
    q4_id = db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0]
    workflow.lock_quarter(db, 1, q4_id, Actor(1, 1))
    row = scrutiny.get("/plans/1").text
    assert "Workshop" not in row and "No plan yet" in row
    history = scrutiny.get(f"/recommendations/{HIS}").text
    assert "Workshop on 3 March" in history and "Workshop booked" not in history


def test_a_champion_cannot_touch_another_champions_recommendation(signed_in, count_rows):
    champion = signed_in("champion")
    token = csrf_token(champion, "/")
    before = count_rows()
    assert champion.get(f"/recommendations/{NOT_HIS}/update").status_code == 403
    response = champion.post(
        f"/recommendations/{NOT_HIS}/update",
        data={
            "csrf_token": token,
            "based_on": "0",
            "status": "green",
            "narrative": "x",
            "action": "submit",
        },
    )
    assert response.status_code == 403 and count_rows() == before
    assert "Write this quarter" not in champion.get(f"/recommendations/{NOT_HIS}").text


def test_two_people_editing_at_once_lose_neither_text(signed_in, db):
    champion, admin = signed_in("champion"), signed_in("administrator")
    first_form, second_form = form_of(champion, HIS), form_of(admin, HIS)
    send(champion, HIS, first_form, action="draft", status="amber", narrative="Champion's words")
    clash = send(
        admin, HIS, second_form, action="draft", status="green", narrative="Administrator's words"
    )
    assert clash.status_code == 409
    assert "Someone else saved this update" in clash.text
    assert "Champion&#39;s words" in clash.text  # theirs shown
    assert "Administrator&#39;s words" in clash.text  # yours kept in the form
    rows = db.execute(
        "SELECT narrative FROM progress_updates WHERE recommendation_id = ?"
        " AND quarter_id = (SELECT id FROM quarters WHERE label = '2022/23 Q4')",
        [HIS],
    ).fetchall()
    assert rows == [("Champion's words",)]


def test_an_approved_update_cannot_be_changed_by_a_late_save(signed_in, db):
    champion, admin = signed_in("champion"), signed_in("administrator")
    send(champion, HIS, form_of(champion, HIS), status="green", narrative="Done")
    review(admin, HIS, "approve")
    response = send(
        champion,
        HIS,
        form_of(champion, HIS),
        status="red",
        narrative="Changed",
        corrective_action="x",
    )
    assert response.status_code == 409 and "has been approved" in response.text
    assert latest(db, HIS)[1:3] == ("approved", "green")


def test_closing_the_quarter_freezes_it_and_opens_the_next_from_the_last_status(signed_in, db):
    champion, admin = signed_in("champion"), signed_in("administrator")
    send(champion, HIS, form_of(champion, HIS), status="amber", narrative="Halfway")
    review(admin, HIS, "approve")
    page = admin.get("/plans/1/quarters").text
    assert "recommendations have no submitted or approved update" in page
    response = admin.post(CLOSE, data=close_form(csrf_token(admin, CLOSE)))
    assert response.status_code == 302
    assert db["plans"].get(1)["current_quarter"] == "2023/24 Q1"
    q4 = db.execute("SELECT id, locked_at FROM quarters WHERE label = '2022/23 Q4'").fetchone()
    assert q4[1]
    with pytest.raises(workflow.QuarterLocked):
        workflow.save_update(db, HIS, q4[0], {"narrative": "late"}, 2, True, Actor(1, 1))
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert "2023/24 Q1" in form
    assert re.search(r'id="status-amber"[^>]*checked', form)  # last quarter's status to start
    # Last quarter's words are shown above the form to read, not put in its fields.
    assert re.search(r'<textarea[^>]*name="narrative"[^>]*></textarea>', form)
    assert "</strong> Halfway</p>" in form


def day_month_year(**dates: str) -> dict:
    """The boxes of each named date, from "10 3 2023"."""
    return {
        f"{name}-{part}": value
        for name, typed in dates.items()
        for part, value in zip(("day", "month", "year"), typed.split(" "), strict=True)
    }


def dates_form(token: str, **dates: str) -> dict:
    return {"csrf_token": token, "action": "dates", "quarter": "2022/23 Q4"} | day_month_year(
        **dates
    )


@pytest.mark.parametrize(
    ("deadline", "meeting", "message"),
    [
        ("31 2 2023", "24 3 2023", "Update deadline must be a real date"),
        ("10 3 2023", "9 3 2023", "The update deadline must be before the board meeting"),
        ("10 3 2022", "24 3 2023", "The update deadline must be between 1 January 2023"),
        ("10 3 2023", "24 3 20233", "Year must include 4 numbers"),
        ("10 3 2023", "<script> 3 2023", "Board meeting date must be a real date"),
    ],
)
def test_quarter_dates_that_make_no_sense_are_refused(signed_in, db, deadline, meeting, message):
    admin = signed_in("administrator")
    token = csrf_token(admin, "/plans/1/quarters")
    before = db.execute("SELECT * FROM quarters ORDER BY id").fetchall()
    form = dates_form(token, update_deadline=deadline, board_meeting_on=meeting)
    bad = admin.post("/plans/1/quarters", data=form)
    assert bad.status_code == 400 and message in bad.text
    assert "There is a problem" in bad.text and "<script> 3" not in bad.text
    assert db.execute("SELECT * FROM quarters ORDER BY id").fetchall() == before


def test_a_quarter_date_left_empty_is_asked_for(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, "/plans/1/quarters")
    form = dates_form(token, update_deadline="10 3 2023", board_meeting_on="x x x")
    form |= {"board_meeting_on-day": "", "board_meeting_on-month": "", "board_meeting_on-year": ""}
    bad = admin.post("/plans/1/quarters", data=form)
    assert bad.status_code == 400 and "Enter the board meeting date" in bad.text


def test_quarter_dates_are_saved(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, "/plans/1/quarters")
    good = admin.post(
        "/plans/1/quarters",
        data=dates_form(token, update_deadline="10 3 2023", board_meeting_on="24 March 2023"),
    )
    assert good.status_code == 302
    row = db.execute(
        "SELECT update_deadline, board_meeting_on FROM quarters WHERE label = '2022/23 Q4'"
    ).fetchone()
    assert row == ("2023-03-10", "2023-03-24")
    assert "10 March 2023" in signed_in("champion").get("/").text


def test_the_scrutiny_panel_can_neither_write_nor_review(signed_in, count_rows):
    scrutiny = signed_in("scrutiny")
    before = count_rows()
    assert scrutiny.get(f"/recommendations/{HIS}/update").status_code == 403
    token = csrf_token(scrutiny, "/")
    for path in (
        f"/recommendations/{HIS}/update",
        f"/recommendations/{HIS}/review",
        "/plans/1/quarters",
    ):
        assert (
            scrutiny.post(
                path, data={"csrf_token": token, "action": "lock", "decision": "approve"}
            ).status_code
            == 403
        )
    assert count_rows() == before


CLOSE = "/plans/1/quarters/close"


def close_form(token: str) -> dict:
    """The confirmation page's "close the quarter" form, as it is for 2022/23 Q4."""
    return {"csrf_token": token, "quarter": "2022/23 Q4", "closing": "1"}


def test_dates_sent_from_a_page_for_a_closed_quarter_change_nothing(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, "/plans/1/quarters")
    assert admin.post(CLOSE, data=close_form(token)).status_code == 302
    late = admin.post(
        "/plans/1/quarters",
        data=dates_form(token, update_deadline="9 6 2023", board_meeting_on="20 6 2023"),
    )
    assert late.status_code == 409
    assert "2022/23 Q4 was closed while this page was open, so nothing was changed" in late.text
    # What was typed is still there, to check against the quarter now open.
    assert 'name="update_deadline-day" type="text" inputmode="numeric" value="9"' in late.text
    dates = db.execute("SELECT label, update_deadline FROM quarters ORDER BY label").fetchall()
    assert ("2023/24 Q1", "2023-06-09") not in dates
