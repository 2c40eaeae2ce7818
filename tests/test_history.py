"""A recommendation's page shows the latest revision of each quarter's update, and the full
history of a quarter's update is one click away, 20 revisions to a page, newest first, with
what each changed. Every save is kept, so the page must not grow with them: after 200 saves
it is still small. The history shows each role what the recommendation's page shows it: the
scrutiny panel approved updates of closed quarters only."""

import re

import pytest

from tests.conftest import sign_in
from tracker.audit import SYSTEM, Actor
from tracker.auth import accounts
from tracker.pagination import Page, page_of, pages_to_show
from tracker.plans.history import changed_parts
from tracker.updates import workflow

PLAN = 1
RECOMMENDATION = 4
QUARTER = "2022/23 Q4"  # the demo's open quarter, which has no updates yet
CLOSED_QUARTER = "2022/23 Q3"  # closed, with one approved (sample) update
HISTORY = f"/recommendations/{RECOMMENDATION}/history"
SAVES = 200
# Each save's progress is as long as the form takes, as a busy quarter's drafts can be.
WORDS = "Partners met and agreed the next steps for the protocol. " * 350
NOT_FOUND = "No updates to show for that quarter"


def marker(revision: int) -> str:
    """Words only revision `revision` has."""
    return f"Quokka{revision:03d}"


def narrative(revision: int) -> str:
    return f"{marker(revision)} {WORDS}"[: workflow.MAX_TEXT]


def quarter_id(db, label: str = QUARTER) -> int:
    return db.execute(
        "SELECT id FROM quarters WHERE plan_id = ? AND label = ?", [PLAN, label]
    ).fetchone()[0]


@pytest.fixture
def saved_200_times(db):
    """The recommendation's update for the open quarter, saved as a draft 200 times."""
    quarter = quarter_id(db)
    for revision in range(1, SAVES + 1):
        fields = {"narrative": narrative(revision), "status": "amber"}
        workflow.save_update(db, RECOMMENDATION, quarter, fields, revision - 1, False, Actor(1, 1))
    return quarter


def revisions_shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"Revision (\d+): ", page)]


def test_with_200_saved_revisions_the_recommendation_page_stays_small(saved_200_times, signed_in):
    page = signed_in("administrator").get(f"/recommendations/{RECOMMENDATION}")

    assert page.status_code == 200
    # Every revision in full would be 200 times the 20,000 characters of each.
    assert len(page.data) < 200_000
    text = page.get_data(as_text=True)
    assert marker(SAVES) in text
    assert marker(1) not in text and marker(SAVES - 1) not in text
    assert "See all 200 revisions of this quarter\u2019s update" in text
    assert 'href="/recommendations/4/history?quarter=2022/23+Q4"' in text


def test_the_history_shows_20_revisions_a_page_newest_first_and_page_10_has_the_oldest(
    saved_200_times, signed_in
):
    client = signed_in("champion")

    first = client.get(HISTORY, query_string={"quarter": QUARTER}).get_data(as_text=True)
    last = client.get(HISTORY, query_string={"quarter": QUARTER, "page": "10"})

    assert revisions_shown(first) == list(range(200, 180, -1))
    assert "Showing 1 to 20 of 200 revisions, newest first." in first
    assert marker(181) in first and marker(180) not in first
    assert 'class="govuk-pagination"' in first
    assert 'href="/recommendations/4/history?quarter=2022/23+Q4&amp;page=2"' in first
    assert last.status_code == 200
    last = last.get_data(as_text=True)
    assert revisions_shown(last) == list(range(20, 0, -1))
    assert marker(1) in last and marker(21) not in last
    assert "Showing 181 to 200 of 200 revisions" in last
    assert "The first revision" in last
    assert "From revision 19: Progress this quarter" in last
    # The oldest revision on a page still says what it changed from the one on the next page.
    ninth = client.get(HISTORY, query_string={"quarter": QUARTER, "page": "9"})
    assert "From revision 20: Progress this quarter" in ninth.get_data(as_text=True)


def test_without_a_quarter_the_history_is_of_the_latest_quarter_with_updates(
    saved_200_times, signed_in
):
    page = signed_in("administrator").get(HISTORY).get_data(as_text=True)

    assert f"Every revision of the {QUARTER} update" in page
    assert revisions_shown(page)[0] == SAVES


# A page asked for in the address, and the page shown for it: the nearest that exists.
NEAREST_PAGES = {
    "0": 1,
    "-3": 1,
    "²": 1,
    "٣": 1,  # an Arabic-Indic three: not a page number written 0 to 9
    "two": 1,
    "": 1,
    "3": 3,
    "11": 10,
    "9" * 20: 10,
    "9" * 5000: 10,
}
# Quarters with nothing to show, as they might be typed or pasted into the address.
NO_SUCH_QUARTERS = [
    "nonsense",
    "2023/24 Q1",
    "2022/23 Q1",
    "²",
    "\u202e\U0001f4a9",
    "x" * 10_000,
    "Q4\x00",
]


def test_a_page_that_does_not_exist_shows_the_nearest_that_does(saved_200_times, signed_in):
    client = signed_in("administrator")
    for asked, shown in NEAREST_PAGES.items():
        response = client.get(HISTORY, query_string={"quarter": QUARTER, "page": asked})

        assert response.status_code == 200, asked[:20]
        newest = revisions_shown(response.get_data(as_text=True))[0]
        assert newest == SAVES - 20 * (shown - 1), asked[:20]


def test_a_quarter_with_no_updates_to_show_is_a_clear_404(saved_200_times, signed_in):
    client = signed_in("administrator")
    for asked in NO_SUCH_QUARTERS:
        response = client.get(HISTORY, query_string={"quarter": asked})

        assert response.status_code == 404, asked[:20]
        assert NOT_FOUND in response.get_data(as_text=True)


def test_the_scrutiny_panel_never_sees_a_draft_or_an_open_quarter_in_the_history(db, signed_in):
    quarter = quarter_id(db)
    actor = Actor(1, 1)
    draft = {"narrative": "Quokkadraft words", "status": "red", "corrective_action": "Act"}
    workflow.save_update(db, RECOMMENDATION, quarter, draft, 0, False, actor)
    submitted = {"narrative": "Quokkaapproved words", "status": "green"}
    workflow.save_update(db, RECOMMENDATION, quarter, submitted, 1, True, actor)
    workflow.review_update(db, RECOMMENDATION, quarter, True, "", 2, actor)
    scrutiny, administrator = signed_in("scrutiny"), signed_in("administrator")
    asked = {"quarter": QUARTER}

    while_open = scrutiny.get(HISTORY, query_string=asked)
    workflow.lock_quarter(db, PLAN, quarter, actor)
    once_closed = scrutiny.get(HISTORY, query_string=asked).get_data(as_text=True)
    everything = administrator.get(HISTORY, query_string=asked).get_data(as_text=True)

    assert while_open.status_code == 404
    assert "Quokka" not in while_open.get_data(as_text=True)
    assert revisions_shown(once_closed) == [3]
    assert "Quokkaapproved words" in once_closed and "Quokkadraft" not in once_closed
    assert "The first revision you can see" in once_closed
    assert revisions_shown(everything) == [3, 2, 1]
    assert "Quokkadraft words" in everything
    assert "From revision 1: Status, Progress this quarter, Corrective action" in everything
    assert "Nothing written changed from revision 2" in everything


def test_the_scrutiny_panel_sees_the_approved_history_of_a_closed_quarter(signed_in):
    page = signed_in("scrutiny").get(HISTORY).get_data(as_text=True)

    assert f"Every revision of the {CLOSED_QUARTER} update" in page
    assert revisions_shown(page) == [1]


def test_someone_on_another_board_is_told_the_history_does_not_exist(app, db, saved_200_times):
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    accounts.create_user(
        db,
        email="admin@another.example.org",
        password="another-password-1",
        name="Other admin",
        board_id=board_id,
        role="administrator",
        actor=SYSTEM,
    )
    db.conn.commit()
    client = app.test_client()
    assert sign_in(client, "admin@another.example.org", "another-password-1").status_code == 302

    response = client.get(HISTORY, query_string={"quarter": QUARTER})

    assert response.status_code == 404
    assert "Quokka" not in response.get_data(as_text=True)


def test_a_draft_plans_history_does_not_exist_for_its_champions(db, signed_in, saved_200_times):
    db["plans"].update(PLAN, {"state": "draft"})

    assert signed_in("champion").get(HISTORY).status_code == 404
    assert signed_in("scrutiny").get(HISTORY).status_code == 404
    assert signed_in("administrator").get(HISTORY).status_code == 200


def test_the_nearest_page_is_read_from_whatever_is_asked():
    assert page_of(200, "10", 20) == Page(10, 10, 200, 20)
    assert page_of(200, " 2 ", 20).offset == 20
    assert page_of(0, "5", 20) == Page(1, 1, 0, 20)
    assert page_of(41, "9" * 100, 20).number == 3
    assert [page_of(200, text, 20).number for text in ("-1", "²", "1.5", None)] == [1, 1, 1, 1]


def test_page_numbers_leave_out_the_middle_of_a_long_list():
    assert pages_to_show(Page(5, 10, 200, 20)) == [1, None, 4, 5, 6, None, 10]
    assert pages_to_show(Page(1, 2, 40, 20)) == [1, 2]


def test_a_revision_names_the_parts_it_changed_in_the_forms_words():
    older = {"status": "amber", "narrative": "Met", "impact": None, "next_steps": ""}
    newer = {"status": "green", "narrative": "Met", "impact": "", "next_steps": "Train staff"}

    assert changed_parts(older, newer) == ["Status", "Next steps"]
    assert changed_parts(newer, newer) == []
    assert changed_parts(None, {"narrative": "First words"}) == ["Progress this quarter"]
