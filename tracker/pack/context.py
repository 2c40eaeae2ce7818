"""Everything the board pack shows, gathered once for the HTML preview and the PDF alike."""

import re
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup
from sqlite_utils import Database

from tracker.dashboard.chart import status_chart_svg, status_chart_table
from tracker.dashboard.queries import dashboard_data
from tracker.dashboard.summary import summarise
from tracker.inspections.queries import get_inspection
from tracker.pack.layout import CHARACTERS_PER_LINE, LINES_PER_ROW, Fitted, fit_paragraphs
from tracker.plans import queries as plans

VERSIONS = {"board": "Board pack", "scrutiny": "Scrutiny panel pack"}
# The progress cell's first lines hold the status, the direction and the sample marker.
PROGRESS_LINES = LINES_PER_ROW - 3


@dataclass(frozen=True)
class PlanRow:
    """One recommendation as its row of the plan table prints it."""

    text: Fitted
    key_lines: Fitted
    progress: Fitted

    @property
    def continued(self) -> bool:
        return self.text.cut or self.key_lines.cut or self.progress.cut


def build_pack_context(
    db: Database,
    plan_id: int,
    quarter: str,
    made_on: date,
    *,
    version: str = "board",
    covering: bool = False,
) -> dict:
    """The pack for a plan as at a quarter: cover, key, summary, exceptions, foreword,
    ratings, the plan table with each recommendation's approved update for the quarter, and
    the history of approved updates up to it. Drafts never appear in either version; the
    scrutiny version names no one against a missing update and may open with a covering
    report. The scrutiny version of a closed quarter is what the panel may read: nothing from
    a quarter still open (an administrator's preview of it for an open quarter shows that
    quarter's approved updates, as the panel will see them once it is closed)."""
    if version not in VERSIONS:
        raise ValueError(f"{version!r} is not a version of the pack")
    published = version == "scrutiny" and _is_closed(db, plan_id, quarter)
    data = dashboard_data(db, plan_id, published_only=published)
    summary = summarise(
        data.recommendations,
        data.status_key,
        quarter,
        data.quarters,
        data.actions,
        today=made_on,
    )
    history = tuple(entry for entry in summary.history if entry.quarter <= quarter)
    recommendations = list(data.approved)
    actions_of = _actions_by_recommendation(data.actions) if data.plan["uses_actions"] else {}
    for recommendation, summarised in zip(recommendations, summary.recommendations, strict=True):
        recommendation["summary"] = summarised
        recommendation["this_quarter"] = next(
            (u for u in recommendation["updates"] if u["quarter"] == quarter), None
        )
        recommendation["history"] = [
            u for u in recommendation["updates"] if u["quarter"] <= quarter
        ]
        recommendation["row"] = plan_row(recommendation)
        recommendation["open_actions"] = actions_of.get(recommendation["id"], [])
    plan = data.plan
    inspection = get_inspection(db, plan["inspection_id"]) if plan["inspection_id"] else None
    return {
        "plan": plan,
        "quarter": quarter,
        "made_on": made_on,
        "version": version,
        "version_name": VERSIONS[version],
        "covering": covering and version == "scrutiny",
        "status_key": data.status_key,
        "summary": summary,
        "directions": summary.directions,
        "chart": Markup(status_chart_svg(history, data.status_key, id_prefix="pack-chart")),  # noqa: S704 - the chart escapes its text
        "chart_table": status_chart_table(history, data.status_key),
        "recommendations": recommendations,
        "exceptions": [r for r in recommendations if r["summary"].standing.is_exception],
        "overdue_actions": summary.overdue_actions if version == "board" else (),
        "inspection": inspection,
        "head_of_service": plans.head_of_service(db, plan["board_id"]),
    }


def plan_row(recommendation: dict) -> PlanRow:
    """The recommendation's row, each cell cut to fit a page when it is too long."""
    number = recommendation["number"]
    text = f"{number}. {recommendation['text']}" if number else recommendation["text"]
    update = recommendation["this_quarter"]
    return PlanRow(
        text=fit_paragraphs([text], CHARACTERS_PER_LINE["recommendation"], LINES_PER_ROW - 2),
        key_lines=fit_paragraphs(
            [line["text"] for line in recommendation["key_lines"]],
            CHARACTERS_PER_LINE["key_lines"],
            LINES_PER_ROW,
        ),
        progress=fit_paragraphs(
            paragraphs(update["narrative"]) if update else [],
            CHARACTERS_PER_LINE["progress"],
            PROGRESS_LINES,
        ),
    )


def paragraphs(text: str) -> list[str]:
    """Text as its paragraphs: blocks separated by a blank line."""
    return [block.strip() for block in re.split(r"\n\s*\n", text or "") if block.strip()]


def _is_closed(db: Database, plan_id: int, quarter: str) -> bool:
    return any(q["label"] == quarter and q["locked_at"] for q in plans.quarters_of(db, plan_id))


def _actions_by_recommendation(actions) -> dict[int, list]:
    """The actions still open (not done or dropped) under each recommendation."""
    grouped: dict[int, list] = {}
    for action in actions:
        if action.status not in ("done", "dropped"):
            grouped.setdefault(action.recommendation_id, []).append(action)
    return grouped
