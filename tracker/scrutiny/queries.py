"""The plan as published: what the scrutiny panel may read.

A quarter is published when the board has closed (locked) it. The published view of a quarter
shows, for each recommendation, only approved updates in published quarters up to and
including it: never a draft, a submitted or returned update, nor anything from a quarter still
open, even if it has been approved there.
"""

from sqlite_utils import Database

from tracker.boards import status_key_of
from tracker.inspections.queries import get_inspection
from tracker.plans import queries as plans
from tracker.rag import direction


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
    ratings, the status key, the published quarters, and each recommendation with its approved
    update for the quarter (`this_quarter`), its direction of travel, and the history of its
    published updates up to the quarter, newest first."""
    plan = plans.get_plan(db, plan_id)
    status_key = status_key_of(db, plan["board_id"])
    published = published_quarters(db, plan_id)
    shown = published[: published.index(quarter) + 1]
    previous = _quarter_before(db, plan_id, quarter)
    recommendations = [
        _as_published(recommendation, shown, quarter, previous, status_key)
        for recommendation in plans.recommendations_of(db, plan_id, approved_only=True)
    ]
    return {
        "plan": plan,
        "quarter": quarter,
        "previous_quarter": previous if previous in shown else None,
        "published_quarters": published,
        "recommendations": recommendations,
        "status_key": status_key,
        "inspection": get_inspection(db, plan["inspection_id"]) if plan["inspection_id"] else None,
    }


def _as_published(recommendation: dict, shown: list[str], quarter, previous, status_key) -> dict:
    history = [update for update in recommendation.pop("updates") if update["quarter"] in shown]
    # Whatever the plan's queries found latest may be from a quarter not yet published.
    del recommendation["latest_update"]
    by_quarter = {update["quarter"]: update for update in history}
    this_quarter = by_quarter.get(quarter)
    before = by_quarter.get(previous)
    recommendation["this_quarter"] = this_quarter
    recommendation["direction"] = direction(
        before["status"] if before else None,
        this_quarter["status"] if this_quarter else None,
        status_key,
    )
    recommendation["history"] = history[::-1]
    return recommendation


def _quarter_before(db: Database, plan_id: int, quarter: str) -> str | None:
    labels = [row["label"] for row in plans.quarters_of(db, plan_id)]
    position = labels.index(quarter)
    return labels[position - 1] if position > 0 else None
