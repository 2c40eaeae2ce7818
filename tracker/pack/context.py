"""Everything the board pack shows, gathered once for the HTML preview and the PDF alike."""

from datetime import date

from sqlite_utils import Database

from tracker.dashboard.queries import dashboard_data
from tracker.dashboard.summary import summarise
from tracker.inspections.queries import get_inspection
from tracker.plans import queries as plans


def build_pack_context(db: Database, plan_id: int, quarter: str, made_on: date) -> dict:
    """The pack for a plan as at a quarter: cover, key, summary, exceptions, foreword,
    ratings, the plan table with each recommendation's approved update for the quarter, and
    the history of approved updates. Drafts never appear."""
    data = dashboard_data(db, plan_id)
    summary = summarise(
        data.recommendations,
        data.status_key,
        quarter,
        data.quarters,
        data.actions,
        today=made_on,
    )
    recommendations = plans.recommendations_of(db, plan_id, approved_only=True)
    for recommendation, summarised in zip(recommendations, summary.recommendations, strict=True):
        recommendation["summary"] = summarised
        recommendation["this_quarter"] = next(
            (u for u in recommendation["updates"] if u["quarter"] == quarter), None
        )
        recommendation["history"] = [
            u for u in recommendation["updates"] if u["quarter"] <= quarter
        ]
    plan = data.plan
    inspection = get_inspection(db, plan["inspection_id"]) if plan["inspection_id"] else None
    exceptions = [
        r
        for r in recommendations
        if r["summary"].status and r["summary"].status.key in ("red", "amber")
    ]
    return {
        "plan": plan,
        "quarter": quarter,
        "made_on": made_on,
        "status_key": data.status_key,
        "summary": summary,
        "recommendations": recommendations,
        "exceptions": exceptions,
        "inspection": inspection,
        "head_of_service": plans.head_of_service(db, plan["board_id"]),
    }
