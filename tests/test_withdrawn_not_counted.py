"""A withdrawn recommendation stays in the plan but is left out of the counts from the quarter
it was withdrawn in: counts by status, exceptions and direction of travel skip it on the
dashboard, in the pack and in the published view, in that quarter and every later one."""

import html
import io
import re
from datetime import date
from urllib.parse import quote

import openpyxl

from tracker.dashboard.summary import (
    NO_UPDATE_LABEL,
    Recommendation,
    Revision,
    summarise,
    withdrawn_by,
    withdrawn_quarter,
)
from tracker.pack.context import build_pack_context
from tracker.rag import DEFAULT_KEY

Q2, Q3, Q4 = "2022/23 Q2", "2022/23 Q3", "2022/23 Q4"
TODAY = date(2023, 2, 15)
# Recommendation 4 is the demo's one Red in 2022/23 Q3.
RED_ONE = 4


def approved(quarter, status):
    return Revision(quarter, 1, "approved", status)


def counts_of(counts):
    return {count.label: count.count for count in counts}


def withdraw(db, recommendation_id: int, quarter: str | None, at: str = "2023-01-20T10:00:00Z"):
    db.execute(
        "UPDATE recommendations SET withdrawn_at = ?, withdrawn_in_quarter = ?,"
        " withdrawn_reason = ? WHERE id = ?",
        [at, quarter, "Superseded by the board's new youth justice strategy", recommendation_id],
    )


def text_of(page: str) -> str:
    seen = re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>', "", page)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", seen)).split())
    return re.sub(r" ([:;,.])", r"\1", text)


def section(page: str, heading_id: str, next_heading_id: str) -> str:
    return page[page.index(f'id="{heading_id}"') : page.index(f'id="{next_heading_id}"')]


# The rule, from plain data


def test_from_the_quarter_it_is_withdrawn_in_it_is_left_out_of_every_count():
    recommendations = [
        Recommendation(1, 1, "Kept", (), (approved(Q3, "red"),)),
        Recommendation(2, 2, "Withdrawn", (), (approved(Q3, "red"),), withdrawn_in=Q4),
        Recommendation(3, 3, "Withdrawn earlier", (), (approved(Q2, "amber"),), withdrawn_in=Q2),
    ]
    q4 = summarise(recommendations, DEFAULT_KEY, Q4, [Q2, Q3, Q4], today=TODAY)
    assert counts_of(q4.counts) == {"Blue": 0, "Green": 0, "Amber": 0, "Red": 1, NO_UPDATE_LABEL: 0}
    assert [item.number for item in q4.counted] == [1]
    assert [item.number for item in q4.withdrawn] == [2, 3]
    assert [item.number for item in q4.recommendations] == [1, 2, 3]  # still listed
    assert [item.number for item in q4.exceptions] == [1]
    assert [item.number for item in q4.red] == [1]
    assert [item.number for item in q4.missing] == [1]
    assert sum(count for _way, count in q4.directions) == 1
    assert q4.recommendations[1].standing.words == f"Withdrawn in {Q4}; not counted"

    q3 = summarise(recommendations, DEFAULT_KEY, Q3, [Q2, Q3, Q4], today=TODAY)
    assert counts_of(q3.counts)["Red"] == 2  # before it was withdrawn, it counted
    assert [item.number for item in q3.exceptions] == [1, 2]
    assert [counts_of(entry.counts)["Red"] for entry in q3.history] == [0, 2, 1]


def test_the_quarter_withdrawn_in_is_the_one_recorded_else_the_quarter_of_the_day():
    assert withdrawn_quarter("2023-01-20T10:00:00Z", Q3) == Q3
    assert withdrawn_quarter("2023-01-20T10:00:00Z", None) == Q4
    assert withdrawn_quarter("2022-04-01T00:00:00Z", None) == "2022/23 Q1"
    assert withdrawn_quarter(None, None) is None


def test_withdrawn_by_a_quarter_means_in_it_or_before_it():
    assert withdrawn_by(Q3, Q3) == Q3
    assert withdrawn_by(Q3, Q4) == Q3
    assert withdrawn_by(Q4, Q3) is None
    assert withdrawn_by(None, Q4) is None
    assert withdrawn_by("not a quarter", Q4) == "not a quarter"  # left out, never counted twice


# On the pages, with the demo


def test_the_dashboard_leaves_it_out_from_its_quarter_on(signed_in, db):
    withdraw(db, RED_ONE, Q4)
    admin = signed_in("administrator")
    q4 = admin.get(f"/plans/1/dashboard?quarter={quote(Q4)}").text
    assert "Status of the 9 recommendations in 2022/23 Q4" in q4
    assert "1 withdrawn recommendation is left out of the counts" in q4
    assert "Red items (0)" in q4
    assert "Exceptions (9)" in q4 and "Missing updates (9)" in q4
    exceptions = section(q4, "exceptions-heading", "missing-heading")
    assert f'href="/recommendations/{RED_ONE}"' not in exceptions
    assert f"Withdrawn in {Q4}; not counted" in text_of(q4)  # still in the table

    q3 = admin.get(f"/plans/1/dashboard?quarter={quote(Q3)}").text
    assert "Status of the 10 recommendations in 2022/23 Q3" in q3
    assert "Red items (1)" in q3


def test_the_published_view_leaves_it_out_of_the_glance_but_lists_it(signed_in, db):
    withdraw(db, RED_ONE, Q3)
    page = signed_in("scrutiny").get("/plans/1/published").text
    glance = section(page, "glance-heading", "plan-table-heading")
    assert "The 9 recommendations by status" in text_of(glance)
    assert "1 withdrawn recommendation is left out of the counts" in text_of(glance)
    red_card = re.search(r'app-count-cards__item--red">\s*<span[^>]*>(\d+)<', glance)
    assert red_card[1] == "0"
    assert f"#recommendation-{RED_ONE}" not in glance
    assert "Exceptions (5)" in text_of(glance)  # the five Ambers
    row = re.search(rf'id="recommendation-{RED_ONE}".*?</tr>', page, re.S)[0]
    assert f"Withdrawn in {Q3}; not counted" in text_of(row)


def test_the_pack_leaves_it_out_of_counts_exceptions_and_directions(app, db, signed_in):
    withdraw(db, RED_ONE, None, at="2022-11-20T09:30:00Z")  # no quarter recorded: Q3 by date
    with app.app_context():
        context = build_pack_context(db, 1, Q3, TODAY, version="scrutiny")
    summary = context["summary"]
    assert counts_of(summary.counts)["Red"] == 0
    assert sum(count.count for count in summary.counts) == 9
    assert RED_ONE not in [r["number"] for r in context["exceptions"]]
    assert sum(count for _way, count in context["directions"]) == 9
    assert len(context["recommendations"]) == 10  # still in the plan table
    assert [(quarter, total) for quarter, _counts, total in context["chart_table"].rows] == [
        (Q3, 9)
    ]

    admin = signed_in("administrator")
    preview = text_of(admin.get(f"/plans/1/pack/preview?quarter={quote(Q3)}").text)
    assert f"Withdrawn in {Q3}; not counted" in preview
    assert "Withdrawn, not counted 1" in preview

    workbook = openpyxl.load_workbook(
        io.BytesIO(admin.get(f"/plans/1/pack/plan.xlsx?quarter={quote(Q3)}").data)
    )
    statuses = [row[4] for row in workbook["Plan"].iter_rows(min_row=4, values_only=True)]
    assert statuses[RED_ONE - 1] == f"Withdrawn in {Q3}; not counted"
