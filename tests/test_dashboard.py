"""The administrator's dashboard: the summary worked out from plain data, the SVG chart, and
the page on the demo plan."""

import html
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date

import pytest

from tracker.dashboard import bp
from tracker.dashboard.chart import status_chart_svg, status_chart_table
from tracker.dashboard.queries import dashboard_data
from tracker.dashboard.summary import (
    NO_UPDATE_LABEL,
    Action,
    QuarterCounts,
    Recommendation,
    Revision,
    StatusCount,
    short_text,
    summarise,
)
from tracker.demo import SAMPLE_UPDATES_FILE
from tracker.rag import DEFAULT_KEY, IMPROVING, NEW, NONE, UNCHANGED, WORSENING, Status

SVG = "{http://www.w3.org/2000/svg}"
Q2, Q3, Q4 = "2022/23 Q2", "2022/23 Q3", "2022/23 Q4"
TODAY = date(2023, 2, 15)


def approved(quarter, status, revision=1, corrective_action=""):
    return Revision(quarter, revision, "approved", status, corrective_action)


def recommendation(number, *revisions, champions=()):
    return Recommendation(number, number, f"Recommendation text {number}", champions, revisions)


def counts_of(counts):
    return {count.label: count.count for count in counts}


# The summary, from plain data


def test_counts_cover_every_status_in_the_key_zeros_included_and_no_approved_update():
    dashboard = summarise(
        [
            recommendation(1, approved(Q3, "amber")),
            recommendation(2, approved(Q3, "amber")),
            recommendation(3),
        ],
        DEFAULT_KEY,
        Q3,
        [Q3],
        today=TODAY,
    )
    assert [(count.label, count.count) for count in dashboard.counts] == [
        ("Blue", 0),
        ("Green", 0),
        ("Amber", 2),
        ("Red", 0),
        (NO_UPDATE_LABEL, 1),
    ]
    assert [count.key for count in dashboard.counts] == ["blue", "green", "amber", "red", "none"]


def test_a_boards_own_key_sets_the_rows_and_a_status_outside_it_counts_as_none():
    key = (
        Status("green", "On track", "Going well", "#00703c"),
        Status("amber", "At risk", "Behind", "#f47738"),
        Status("red", "Off track", "Stuck", "#d4351c"),
    )
    dashboard = summarise(
        [recommendation(1, approved(Q3, "blue")), recommendation(2, approved(Q3, "red"))],
        key,
        Q3,
        [Q3],
        today=TODAY,
    )
    assert counts_of(dashboard.counts) == {
        "On track": 0,
        "At risk": 0,
        "Off track": 1,
        NO_UPDATE_LABEL: 1,
    }
    assert [item.number for item in dashboard.red] == [2]


def test_direction_of_travel_compares_with_the_approved_status_of_the_quarter_before():
    dashboard = summarise(
        [
            recommendation(1, approved(Q2, "red"), approved(Q3, "amber")),
            recommendation(2, approved(Q2, "green"), approved(Q3, "red")),
            recommendation(3, approved(Q3, "green")),
            recommendation(4, approved(Q2, "amber"), approved(Q3, "amber")),
            recommendation(5, approved(Q2, "amber"), Revision(Q3, 1, "draft", "green")),
            # Q2's latest approved revision counts, not the later returned one.
            recommendation(
                6, approved(Q2, "green"), Revision(Q2, 2, "returned", "red"), approved(Q3, "blue")
            ),
        ],
        DEFAULT_KEY,
        Q3,
        [Q2, Q3],
        today=TODAY,
    )
    assert dashboard.previous_quarter == Q2
    moved = {item.number: item.direction for item in dashboard.recommendations}
    assert moved == {1: IMPROVING, 2: WORSENING, 3: NEW, 4: UNCHANGED, 5: NONE, 6: IMPROVING}
    assert dashboard.recommendations[0].previous_status.label == "Red"
    assert dashboard.recommendations[0].status.label == "Amber"


def test_without_a_row_for_the_quarter_before_every_status_is_new():
    dashboard = summarise(
        [recommendation(1, approved(Q2, "red"), approved(Q4, "amber"))],
        DEFAULT_KEY,
        Q4,
        [Q2, Q4],  # no Q3: Q4's previous quarter is not in the plan
        today=TODAY,
    )
    assert dashboard.previous_quarter is None
    assert dashboard.recommendations[0].previous_status is None
    assert dashboard.recommendations[0].direction == NEW


def test_missing_awaiting_approval_and_approved_are_told_apart_by_the_latest_revision():
    dashboard = summarise(
        [
            recommendation(1),  # nothing at all this quarter
            recommendation(2, Revision(Q3, 1, "draft", None)),
            recommendation(
                3, Revision(Q3, 1, "submitted", "red"), Revision(Q3, 2, "returned", "red")
            ),
            recommendation(4, Revision(Q3, 1, "submitted", "green")),
            recommendation(5, approved(Q3, "green")),
            # Approved, then a new draft: the status stands, the update is missing again.
            recommendation(6, approved(Q3, "amber"), Revision(Q3, 2, "draft", "green")),
            # Approved, then resubmitted: the status stands and the new one awaits approval.
            recommendation(7, approved(Q3, "amber"), Revision(Q3, 2, "submitted", "green")),
            # Last quarter's status is carried forward, but the update is still missing.
            recommendation(8, approved(Q2, "green")),
        ],
        DEFAULT_KEY,
        Q3,
        [Q2, Q3],
        today=TODAY,
    )
    assert [(item.number, item.update_state) for item in dashboard.missing] == [
        (1, "none"),
        (2, "draft"),
        (3, "returned"),
        (6, "draft"),
        (8, "none"),
    ]
    assert [item.number for item in dashboard.awaiting_approval] == [4, 7]
    statuses = {
        item.number: item.status.key if item.status else None for item in dashboard.recommendations
    }
    assert statuses == {
        1: None,
        2: None,
        3: None,
        4: None,
        5: "green",
        6: "amber",
        7: "amber",
        8: "green",
    }
    assert dashboard.recommendations[7].carried
    assert counts_of(dashboard.counts)[NO_UPDATE_LABEL] == 4


def test_red_items_carry_the_corrective_action_of_the_approved_revision():
    dashboard = summarise(
        [
            recommendation(1, approved(Q3, "red", corrective_action="  Escalate to the chair. ")),
            recommendation(2, approved(Q3, "red")),
            recommendation(3, approved(Q3, "amber", corrective_action="Not a red one")),
            recommendation(4, Revision(Q3, 1, "submitted", "red", "Only submitted")),
        ],
        DEFAULT_KEY,
        Q3,
        [Q3],
        today=TODAY,
    )
    assert [(item.number, item.corrective_action) for item in dashboard.red] == [
        (1, "Escalate to the chair."),
        (2, ""),
    ]


def test_overdue_actions_are_open_and_past_their_target_date_most_overdue_first():
    actions = [
        Action(1, 1, "Past, in progress", "Sam Owner", "2023-02-14", "in progress"),
        Action(2, 1, "Long past, not started", None, "2022-12-01", "not started"),
        Action(3, 1, "Past but done", "Sam Owner", "2022-01-01", "done"),
        Action(4, 2, "Past but dropped", "Sam Owner", "2022-01-01", "dropped"),
        Action(5, 2, "Due today", "Sam Owner", TODAY.isoformat(), "in progress"),
        Action(6, 2, "Due later", "Sam Owner", "2023-06-30", "not started"),
        Action(7, 2, "No target date", "Sam Owner", None, "not started"),
        Action(8, 2, "A month, not a date", "Sam Owner", "2023-01", "not started"),
    ]
    dashboard = summarise(
        [recommendation(1), recommendation(2)], DEFAULT_KEY, Q3, [Q3], actions, today=TODAY
    )
    overdue = dashboard.overdue_actions
    assert [(action.text, action.days_overdue) for action in overdue] == [
        ("Long past, not started", 76),
        ("Past, in progress", 1),
    ]
    assert overdue[0].owner is None and overdue[1].owner == "Sam Owner"
    assert overdue[1].target_date == date(2023, 2, 14)
    assert overdue[1].recommendation.number == 1
    later = summarise(
        [recommendation(1), recommendation(2)],
        DEFAULT_KEY,
        Q3,
        [Q3],
        actions,
        today=date(2023, 7, 1),
    )
    assert "Due later" in [action.text for action in later.overdue_actions]


def test_history_counts_every_quarter_oldest_first_whatever_order_they_come_in():
    dashboard = summarise(
        [
            recommendation(1, approved(Q2, "red"), approved(Q3, "amber"), approved(Q4, "green")),
            recommendation(2, approved(Q3, "red")),
        ],
        DEFAULT_KEY,
        Q3,
        [Q4, Q2, Q3, Q2],
        today=TODAY,
    )
    assert dashboard.quarters == (Q2, Q3, Q4)
    assert [entry.quarter for entry in dashboard.history] == [Q2, Q3, Q4]
    assert [counts_of(entry.counts) for entry in dashboard.history] == [
        {"Blue": 0, "Green": 0, "Amber": 0, "Red": 1, NO_UPDATE_LABEL: 1},
        {"Blue": 0, "Green": 0, "Amber": 1, "Red": 1, NO_UPDATE_LABEL: 0},
        # Recommendation 2 has no update in Q4: its Red is carried forward from Q3.
        {"Blue": 0, "Green": 1, "Amber": 0, "Red": 1, NO_UPDATE_LABEL: 0},
    ]
    assert [count.carried for count in dashboard.history[2].counts] == [0, 0, 0, 1, 0]
    assert all(entry.total == 2 for entry in dashboard.history)


def test_a_quarter_the_plan_does_not_have_is_refused():
    with pytest.raises(ValueError, match="not one of the plan's quarters"):
        summarise([recommendation(1)], DEFAULT_KEY, Q4, [Q3], today=TODAY)


def test_short_text_cuts_at_a_word_and_says_so():
    assert short_text("Short enough") == "Short enough"
    cut = short_text("word " * 40, length=30)
    assert cut.endswith("…") and len(cut) <= 30 and "wor…" not in cut


# The chart


def history_of(*quarters):
    """History entries from (quarter, {status key or "none": count})."""
    return [
        QuarterCounts(
            quarter,
            (
                *(StatusCount(status, counts.get(status.key, 0)) for status in DEFAULT_KEY),
                StatusCount(None, counts.get("none", 0)),
            ),
        )
        for quarter, counts in quarters
    ]


def texts(root) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def test_the_chart_is_valid_svg_with_a_title_a_description_and_the_role_of_an_image():
    svg = status_chart_svg(
        history_of((Q3, {"blue": 1, "green": 3, "amber": 5, "red": 1}), (Q4, {"none": 10})),
        DEFAULT_KEY,
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Recommendations by status, quarter by quarter"
    assert "one bar per quarter" in desc.text
    assert "2022/23 Q3: Blue 1, Green 3, Amber 5, Red 1, No approved update 0" in desc.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    shown = texts(root)
    for label in [status.label for status in DEFAULT_KEY] + [NO_UPDATE_LABEL]:
        assert label in shown  # the legend prints every status's word
    assert {Q3, Q4, "Quarter", "Recommendations"} <= set(shown)
    # Every segment's count is printed on it, and every status has its own texture.
    assert {"1", "3", "5", "10"} <= set(shown)
    assert len(root.findall(f".//{SVG}pattern")) == len(DEFAULT_KEY) + 1


def test_the_chart_escapes_quarter_and_status_labels_from_data():
    hostile = '<script>alert("x")</script> & Co'
    key = (Status("red", hostile, "Bad", "#d4351c"), Status("green", "Fine", "Good", "#00703c"))
    history = [
        QuarterCounts(
            hostile, (StatusCount(key[0], 2), StatusCount(key[1], 1), StatusCount(None, 0))
        )
    ]
    svg = status_chart_svg(history, key, id_prefix='x" onload="alert(1)')
    assert "<script" not in svg
    assert 'onload="' not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert hostile in texts(root)
    assert hostile in root.find(f"{SVG}desc").text


def test_the_chart_of_a_plan_with_no_quarters_is_still_valid():
    root = ET.fromstring(status_chart_svg([], DEFAULT_KEY))  # noqa: S314 - our own output
    assert "no quarters" in root.find(f"{SVG}desc").text


def test_the_charts_table_has_the_same_numbers_in_the_same_order():
    history = history_of((Q3, {"blue": 1, "amber": 2}), (Q4, {"red": 1, "none": 2}))
    table = status_chart_table(history, DEFAULT_KEY)
    assert table.columns == ("Blue", "Green", "Amber", "Red", NO_UPDATE_LABEL)
    assert table.column_keys == ("blue", "green", "amber", "red", "none")
    assert table.rows == ((Q3, (1, 0, 2, 0, 0), 3), (Q4, (0, 0, 0, 1, 2), 3))


# The page, on the demo


@pytest.fixture
def signed_in_with_dashboard(app, signed_in):
    """`signed_in`, on an app with the dashboard registered (before any request)."""
    if "dashboard" not in app.blueprints:
        app.register_blueprint(bp)
    return signed_in


@pytest.fixture
def samples() -> dict:
    return json.loads(SAMPLE_UPDATES_FILE.read_text())


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def count_card(page: str, key: str) -> int:
    match = re.search(
        rf'app-count-cards__item--{key}">\s*<span class="app-count-cards__number">(\d+)</span>',
        page,
    )
    assert match, key
    return int(match[1])


def section(page: str, heading_id: str) -> str:
    """The page from the heading with this id to the next h2."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<h2", start)
    return page[start : end if end >= 0 else None]


def quarter_id(db, label: str) -> int:
    return db.execute(
        "SELECT id FROM quarters WHERE plan_id = 1 AND label = ?", [label]
    ).fetchone()[0]


def recommendation_id(db, number: int) -> int:
    return db.execute(
        "SELECT id FROM recommendations WHERE plan_id = 1 AND number = ?", [number]
    ).fetchone()[0]


def add_revision(db, number, quarter, state, status=None, revision=1, corrective_action=""):
    db["progress_updates"].insert(
        {
            "recommendation_id": recommendation_id(db, number),
            "quarter_id": quarter_id(db, quarter),
            "revision": revision,
            "state": state,
            "status": status,
            "narrative": "Test narrative",
            "corrective_action": corrective_action,
        }
    )


def test_the_administrator_sees_q3_counted_as_the_demos_sample_updates(
    signed_in_with_dashboard, samples, db
):
    page = page_text(
        signed_in_with_dashboard("administrator").get(f"/plans/1/dashboard?quarter={Q3}")
    )
    assert "Dashboard for 2022/23 Q3" in page
    expected = Counter(update["status"] for update in samples["updates"].values())
    for status in DEFAULT_KEY:
        assert count_card(page, status.key) == expected[status.key], status.label
    total = db.execute("SELECT count(*) FROM recommendations WHERE plan_id = 1").fetchone()[0]
    assert count_card(page, "none") == total - len(samples["updates"])
    assert "No missing updates" in page
    assert "No updates are awaiting approval" in page
    reds = section(page, "red-heading")
    for number, update in samples["updates"].items():
        if update["status"] == "red":
            assert f'/recommendations/{recommendation_id(db, int(number))}"' in reds
            assert update["corrective_action"] in reds
    # No row for 2022/23 Q2, so nothing to compare with yet.
    assert "No earlier status" in page and "Improving" not in page


def test_the_administrator_sees_every_q4_update_missing_by_default(
    signed_in_with_dashboard, samples, db
):
    page = page_text(signed_in_with_dashboard("administrator").get("/plans/1/dashboard"))
    assert "Dashboard for 2022/23 Q4" in page
    total = db.execute("SELECT count(*) FROM recommendations WHERE plan_id = 1").fetchone()[0]
    assert f"Missing updates ({total})" in page
    # Nothing approved for Q4 yet: each keeps its Q3 status, carried forward and labelled.
    expected = Counter(update["status"] for update in samples["updates"].values())
    for status in DEFAULT_KEY:
        assert count_card(page, status.key) == expected[status.key], status.label
    assert count_card(page, "none") == total - len(samples["updates"])
    assert f"Exceptions ({total})" in page
    assert page.count("in 2022/23 Q3; no update for 2022/23 Q4") >= total
    missing = section(page, "missing-heading")
    assert missing.count("Not started") == total
    assert "Paul Condon" in missing and "Lynne Macpherson" in missing  # recommendation 1
    # Red in Q3 and not updated since: still a Red item, labelled as carried forward.
    reds = section(page, "red-heading")
    assert f"Red items ({expected['red']})" in reds
    assert reds.count("in 2022/23 Q3; no update for 2022/23 Q4") == expected["red"]
    assert "No overdue actions" in page
    assert page.count("No status this quarter") == total  # Q3 had statuses, Q4 has none
    # The quarter switcher links both quarters and marks this one.
    assert re.search(r'quarter=2022/23\+Q4" aria-current="page">2022/23 Q4 \(current\)', page)
    assert 'quarter=2022/23+Q3"' in page


def test_the_page_tells_missing_awaiting_and_direction_apart(signed_in_with_dashboard, db):
    add_revision(db, 1, Q4, "submitted", "amber")
    add_revision(db, 2, Q4, "draft")
    add_revision(db, 3, Q4, "submitted", "amber")
    add_revision(db, 3, Q4, "returned", "amber", revision=2)
    add_revision(db, 4, Q4, "approved", "amber")  # Red in Q3
    add_revision(db, 5, Q4, "approved", "red", corrective_action="Weekly check-ins with the lead.")
    page = page_text(signed_in_with_dashboard("administrator").get("/plans/1/dashboard"))
    awaiting = section(page, "awaiting-heading")
    assert "Awaiting approval (1)" in awaiting
    assert f'/recommendations/{recommendation_id(db, 1)}"' in awaiting
    missing = section(page, "missing-heading")
    assert "Draft, not yet submitted" in missing and "Returned for changes" in missing
    assert f'/recommendations/{recommendation_id(db, 1)}"' not in missing
    assert f'/recommendations/{recommendation_id(db, 4)}"' not in missing
    assert "Improving" in page and "Worsening" in page  # 4: Red to Amber; 5: Green to Red
    assert '<span class="app-direction__arrow" aria-hidden="true">↑</span> Improving' in page
    reds = section(page, "red-heading")
    assert "Red items (1)" in reds and "Weekly check-ins with the lead." in reds


def test_the_page_lists_overdue_actions_with_their_owners(signed_in_with_dashboard, db):
    owner = db.execute("SELECT id FROM people WHERE name = 'Paul Condon'").fetchone()[0]
    for text, target, status in (
        ("Pilot the survey", "2020-01-31", "in progress"),
        ("Already finished", "2020-01-31", "done"),
        ("Far in the future", "2999-01-01", "not started"),
    ):
        db["actions"].insert(
            {
                "recommendation_id": recommendation_id(db, 1),
                "text": text,
                "owner_id": owner,
                "target_date": target,
                "status": status,
                "position": 1,
            }
        )
    page = page_text(signed_in_with_dashboard("administrator").get("/plans/1/dashboard"))
    overdue = section(page, "overdue-heading")
    assert "Overdue actions (1)" in overdue
    assert "Pilot the survey" in overdue and "Paul Condon" in overdue
    assert "31 January 2020" in overdue and "In progress" in overdue
    assert "Already finished" not in overdue and "Far in the future" not in overdue


def test_the_page_has_the_chart_and_its_numbers_as_a_table(signed_in_with_dashboard):
    page = page_text(
        signed_in_with_dashboard("administrator").get(f"/plans/1/dashboard?quarter={Q3}")
    )
    svg = re.search(r"<svg .*?</svg>", page, re.DOTALL)[0]
    assert 'role="img"' in svg
    table = page[page.index('id="chart-table-caption"') :]
    assert re.search(r'<th scope="row" class="govuk-table__header">2022/23 Q3</th>', table)
    assert re.search(r'<th scope="row" class="govuk-table__header">2022/23 Q4</th>', table)


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_administrators_may_see_the_dashboard(signed_in_with_dashboard, role):
    assert signed_in_with_dashboard(role).get("/plans/1/dashboard").status_code == 403


def test_signing_in_comes_first(app, client):
    if "dashboard" not in app.blueprints:
        app.register_blueprint(bp)
    response = client.get("/plans/1/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?quarter=garbage", 400),
        ("?quarter=2022/24 Q1", 400),
        ("?quarter=2030/31 Q1", 404),
        ("?quarter=2022/23%20Q3", 200),
        ("?quarter=%202022/23%20q3%20", 200),
        ("?quarter=", 200),
    ],
)
def test_the_quarter_is_checked(signed_in_with_dashboard, query, status):
    client = signed_in_with_dashboard("administrator")
    assert client.get(f"/plans/1/dashboard{query}").status_code == status


def test_another_boards_plan_and_a_missing_plan_are_not_found(signed_in_with_dashboard, db):
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    plan_id = db["plans"].insert({"board_id": board_id, "title": "Another plan"}).last_pk
    db["quarters"].insert(
        {"plan_id": plan_id, "label": Q3, "starts_on": "2022-10-01", "ends_on": "2022-12-31"}
    )
    client = signed_in_with_dashboard("administrator")
    for path in (f"/plans/{plan_id}/dashboard", f"/plans/{plan_id}/dashboard?quarter={Q3}"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Another plan" not in response.get_data(as_text=True)
    assert client.get("/plans/999/dashboard").status_code == 404


def test_the_data_comes_in_the_same_few_queries_however_many_recommendations(db):
    def queries_for_plan() -> int:
        statements = []
        db.conn.set_trace_callback(statements.append)
        try:
            assert dashboard_data(db, 1) is not None
        finally:
            db.conn.set_trace_callback(None)
        return sum(statement.lstrip().startswith("SELECT") for statement in statements)

    before = queries_for_plan()
    for position in range(20, 30):
        db["recommendations"].insert(
            {
                "plan_id": 1,
                "number": position,
                "text": "More",
                "origin": "local",
                "position": position,
            }
        )
    # A fixed handful: the plan, the board's key, quarters, recommendations and what hangs on them.
    assert queries_for_plan() == before <= 12


def test_the_data_holds_the_demos_quarters_and_updates(db, samples):
    data = dashboard_data(db, 1)
    assert data.quarters == (Q3, Q4)
    assert data.status_key == DEFAULT_KEY
    statuses = {
        str(r.number): [rev.status for rev in r.revisions if rev.state == "approved"]
        for r in data.recommendations
    }
    for number, update in samples["updates"].items():
        assert update["status"] in statuses[number]
    assert dashboard_data(db, 999) is None


def test_a_plan_with_no_quarters_yet_says_so(signed_in_with_dashboard, db):
    plan_id = db["plans"].insert({"board_id": 1, "title": "A new plan"}).last_pk
    client = signed_in_with_dashboard("administrator")
    page = page_text(client.get(f"/plans/{plan_id}/dashboard"))
    assert "This plan has no reporting quarters yet" in page
    assert client.get(f"/plans/{plan_id}/dashboard?quarter={Q3}").status_code == 404
