"""A missing update does not erase what was known: with no update approved for a quarter, a
recommendation keeps the status last approved, labelled with its quarter, and still counts
among the exceptions, on the dashboard, in the pack and in the published view."""

import html
import re
from datetime import date
from urllib.parse import quote

from tracker.audit import Actor
from tracker.dashboard.summary import (
    NO_UPDATE_LABEL,
    Recommendation,
    Revision,
    Standing,
    standing_in,
    summarise,
)
from tracker.pack.context import build_pack_context
from tracker.rag import DEFAULT_KEY, IMPROVING, NEW, NONE, status_for
from tracker.updates import workflow

Q2, Q3, Q4 = "2022/23 Q2", "2022/23 Q3", "2022/23 Q4"
QUARTERS = (Q2, Q3, Q4)
TODAY = date(2023, 2, 15)
AMBER, RED, GREEN = (status_for(key) for key in ("amber", "red", "green"))
ADMIN = Actor(user_id=1, board_id=1)
# The demo's sample updates in 2022/23 Q3: Amber 1, 3, 6, 7, 8; Green 2, 5, 10; Red 4; Blue 9.
CARRIED_AMBER = f"Amber in {Q3}; no update for {Q4}"


def approved(quarter, status, revision=1):
    return Revision(quarter, revision, "approved", status)


def recommendation(number, *revisions):
    return Recommendation(number, number, f"Recommendation {number}", (), revisions)


def counts_of(counts):
    return {count.label: (count.count, count.carried) for count in counts}


# The rule, from plain data


def test_a_quarters_own_approved_status_stands_for_it():
    standing = standing_in(
        recommendation(1, approved(Q3, "red"), approved(Q4, "amber")), Q4, QUARTERS, DEFAULT_KEY
    )
    assert standing == Standing(Q4, AMBER, Q4)
    assert not standing.carried and standing.words == "Amber"


def test_without_an_approved_update_the_last_approved_status_is_carried_forward_and_labelled():
    standing = standing_in(
        recommendation(
            1,
            approved(Q2, "red"),
            approved(Q3, "amber"),
            Revision(Q4, 1, "draft", "green"),  # not approved: does not count
        ),
        Q4,
        QUARTERS,
        DEFAULT_KEY,
    )
    assert standing == Standing(Q4, AMBER, Q3)
    assert standing.carried
    assert standing.words == CARRIED_AMBER
    assert standing.is_exception


def test_it_is_carried_from_the_latest_earlier_quarter_that_has_one():
    standing = standing_in(recommendation(1, approved(Q2, "green")), Q4, QUARTERS, DEFAULT_KEY)
    assert standing.words == f"Green in {Q2}; no update for {Q4}"


def test_a_later_quarter_is_never_carried_back_and_never_approved_means_no_status():
    later = standing_in(recommendation(1, approved(Q4, "green")), Q3, QUARTERS, DEFAULT_KEY)
    assert later == Standing(Q3, None)
    assert later.words == NO_UPDATE_LABEL and later.is_exception
    assert standing_in(recommendation(2), Q4, QUARTERS, DEFAULT_KEY).status is None


def test_a_carried_status_counts_under_its_status_and_among_the_exceptions():
    dashboard = summarise(
        [
            recommendation(1, approved(Q3, "amber")),  # carried Amber
            recommendation(2, approved(Q3, "green")),  # carried Green: an exception still
            recommendation(3, approved(Q3, "green"), approved(Q4, "green")),
            recommendation(4, approved(Q3, "red"), approved(Q4, "red")),
            recommendation(5),  # never had a status
        ],
        DEFAULT_KEY,
        Q4,
        QUARTERS,
        today=TODAY,
    )
    assert counts_of(dashboard.counts) == {
        "Blue": (0, 0),
        "Green": (2, 1),
        "Amber": (1, 1),
        "Red": (1, 0),
        NO_UPDATE_LABEL: (1, 0),
    }
    assert [item.number for item in dashboard.exceptions] == [1, 2, 4, 5]
    assert [item.number for item in dashboard.without_update] == [1, 2, 5]
    assert [item.number for item in dashboard.missing] == [1, 2, 5]


def test_a_carried_red_is_still_a_red_item_with_the_corrective_action_it_was_approved_with():
    dashboard = summarise(
        [
            recommendation(
                1, Revision(Q3, 1, "approved", "red", corrective_action="Escalate to the chair")
            )
        ],
        DEFAULT_KEY,
        Q4,
        QUARTERS,
        today=TODAY,
    )
    (red,) = dashboard.red
    assert red.carried and red.standing.words == f"Red in {Q3}; no update for {Q4}"
    assert red.corrective_action == "Escalate to the chair"


def test_direction_needs_this_quarters_own_status_and_compares_with_what_was_known_before():
    dashboard = summarise(
        [
            recommendation(1, approved(Q2, "red"), approved(Q4, "amber")),  # Red carried to Q3
            recommendation(2, approved(Q3, "amber")),  # carried into Q4: no movement to show
            recommendation(3, approved(Q4, "green")),
        ],
        DEFAULT_KEY,
        Q4,
        QUARTERS,
        today=TODAY,
    )
    first, second, third = dashboard.recommendations
    assert first.previous.words == f"Red in {Q2}; no update for {Q3}"
    assert first.direction == IMPROVING
    assert second.direction == NONE
    assert third.direction == NEW
    assert dict(dashboard.directions) == {IMPROVING: 1, NONE: 1, NEW: 1}


# On the pages, with the demo


def quarter_id(db, label: str) -> int:
    return db.execute(
        "SELECT id FROM quarters WHERE plan_id = 1 AND label = ?", [label]
    ).fetchone()[0]


def approve_in_q4(db, recommendation_id: int, status: str) -> None:
    submitted = workflow.save_update(
        db,
        recommendation_id,
        quarter_id(db, Q4),
        {"narrative": "Approved for Q4", "status": status, "corrective_action": "Act now"},
        0,
        True,
        ADMIN,
    )
    workflow.review_update(
        db, recommendation_id, quarter_id(db, Q4), True, "", submitted["revision"], ADMIN
    )


def text_of(page: str) -> str:
    """The page's text as seen: no tags, nothing visually hidden, no repeated spaces."""
    seen = re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>', "", page)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", seen)).split())
    return re.sub(r" ([:;,.])", r"\1", text)  # no space left where a tag ended before a colon


def row_of(page: str, recommendation_id: int) -> str:
    return text_of(re.search(rf'id="recommendation-{recommendation_id}".*?</tr>', page, re.S)[0])


def section(page: str, heading_id: str, next_heading_id: str) -> str:
    return page[page.index(f'id="{heading_id}"') : page.index(f'id="{next_heading_id}"')]


def dashboard_row(page: str, recommendation_id: int) -> str:
    link = f'href="/recommendations/{recommendation_id}"'
    rows = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", page, re.S)
    return text_of(next(row for row in rows if link in row))


def test_the_dashboard_carries_q3_forward_in_its_table_and_exceptions(signed_in, db):
    approve_in_q4(db, 2, "green")
    page = signed_in("administrator").get(f"/plans/1/dashboard?quarter={quote(Q4)}").text
    # Columns: the recommendation, Q3, Q4, direction of travel, the update's state.
    assert f"Amber {CARRIED_AMBER} \N{EN DASH} No status this quarter" in dashboard_row(page, 1)
    assert "Green Green ↑ Improving" not in dashboard_row(page, 2)  # Green to Green
    assert "Green Green → No change" in dashboard_row(page, 2)
    exceptions = section(page, "exceptions-heading", "missing-heading")
    assert "Exceptions (9)" in exceptions  # all but recommendation 2, Green in Q4
    assert "Recommendation text" not in exceptions
    assert CARRIED_AMBER in text_of(exceptions)
    assert 'href="/recommendations/1"' in exceptions
    assert 'href="/recommendations/2"' not in exceptions


def test_the_published_view_carries_the_last_published_status_forward(signed_in, db):
    approve_in_q4(db, 2, "green")
    workflow.lock_quarter(db, 1, quarter_id(db, Q4), ADMIN)
    page = signed_in("scrutiny").get("/plans/1/published").text
    assert "Published progress as at 2022/23 Q4" in page
    assert CARRIED_AMBER in row_of(page, 1)
    assert "No approved update for 2022/23 Q4" in row_of(page, 1)
    assert "Green" in row_of(page, 2) and "no update" not in row_of(page, 2)
    glance = text_of(section(page, "glance-heading", "plan-table-heading"))
    assert "Exceptions (9)" in glance
    assert f"Recommendation 1: {CARRIED_AMBER}" in glance
    assert "Recommendation 2:" not in glance


def test_the_pack_carries_the_last_approved_status_forward(app, db, signed_in):
    approve_in_q4(db, 2, "green")
    with app.app_context():
        context = build_pack_context(db, 1, Q4, TODAY)
    by_number = {r["number"]: r for r in context["recommendations"]}
    assert by_number[1]["summary"].standing.words == CARRIED_AMBER
    assert by_number[1]["this_quarter"] is None
    assert [r["number"] for r in context["exceptions"]] == [1, 3, 4, 5, 6, 7, 8, 9, 10]
    admin = signed_in("administrator")
    preview = text_of(admin.get(f"/plans/1/pack/preview?quarter={quote(Q4)}").text)
    assert preview.count(CARRIED_AMBER) >= 5 * 2  # each Amber, in the summary and plan tables
    assert f"Exceptions: Red and Amber, and no update for {Q4}" in preview
