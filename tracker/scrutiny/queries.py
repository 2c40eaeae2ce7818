"""The plan as published: what the scrutiny panel may read.

A quarter is published when the board has closed (locked) it. The published view of a quarter
shows, for each recommendation, only approved updates in published quarters up to and
including it: never a draft, a submitted or returned update, nor anything from a quarter still
open, even if it has been approved there.
"""

from datetime import date

from sqlite_utils import Database

from tracker.dashboard.queries import dashboard_data
from tracker.dashboard.summary import summarise
from tracker.inspections.queries import get_inspection
from tracker.plans import queries as plans


def published_quarters(db: Database, plan_id: int) -> list[str]:
    """The labels of the plan's closed quarters, oldest first."""
    return [quarter["label"] for quarter in plans.quarters_of(db, plan_id) if quarter["locked_at"]]


def chosen_quarter(asked: str | None, published: list[str]) -> str | None:
    """The published quarter asked for, or the latest one when none was asked for; None when
    the one asked for has not been published (or nothing has)."""
    if not asked:
        return published[-1] if published else None
    return asked if asked in published else None


def published_plan(db: Database, plan_id: int, quarter: str) -> dict:
    """The plan as published for `quarter`, one of its published quarters: the plan, its
    ratings, the status key, the published quarters, the summary at a glance (counts by
    status, direction of travel since the quarter before if that is published too, and the
    exceptions, from `tracker.dashboard.summary` as on the dashboard and in the pack), and
    each recommendation with its summary, its approved update for the quarter
    (`this_quarter`) and the history of its published updates up to the quarter, newest
    first. Everything is read as published: nothing from a quarter still open."""
    data = dashboard_data(db, plan_id, published_only=True)
    summary = summarise(
        data.recommendations, data.status_key, quarter, data.quarters, today=date.today()
    )
    shown = data.quarters[: data.quarters.index(quarter) + 1]
    recommendations = [
        _as_published(recommendation, summarised, shown, quarter)
        for recommendation, summarised in zip(data.approved, summary.recommendations, strict=True)
    ]
    plan = data.plan
    return {
        "plan": plan,
        "quarter": quarter,
        "previous_quarter": summary.previous_quarter,
        "published_quarters": list(data.quarters),
        "summary": summary,
        "recommendations": recommendations,
        "status_key": data.status_key,
        "inspection": get_inspection(db, plan["inspection_id"]) if plan["inspection_id"] else None,
    }


def latest_published_summary(db: Database, plan_id: int) -> dict | None:
    """The plan at a glance as published for its latest closed quarter, for the scrutiny
    panel's home page; None when nothing has been published yet."""
    quarters = published_quarters(db, plan_id)
    return published_plan(db, plan_id, quarters[-1]) if quarters else None


def _as_published(recommendation: dict, summarised, shown, quarter: str) -> dict:
    history = [update for update in recommendation.pop("updates") if update["quarter"] in shown]
    del recommendation["latest_update"]
    recommendation["summary"] = summarised
    recommendation["this_quarter"] = next((u for u in history if u["quarter"] == quarter), None)
    recommendation["history"] = history[::-1]
    return recommendation
