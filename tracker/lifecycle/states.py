"""Starting a plan's reporting, closing the plan, and deleting a draft nobody reported on.

A plan is made as a draft: its administrators shape it (recommendations, champions) while its
champions and the scrutiny panel cannot see it. Choosing the first reporting quarter and its
dates makes it live. A live plan is closed when the board has finished with it: it stays, read
only, as the record. Only a draft that never went live can be deleted.
"""

from datetime import date

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.quarters import Quarter, reporting_date_problems
from tracker.updates.workflow import ensure_quarter


class StateError(ValueError):
    """The plan is not in a state that allows the change; the message says why."""


class DatesProblem(ValueError):
    """The dates do not fit the quarter: `problems` is {field: message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(problems)
        self.problems = problems


def first_quarter_choices(today: date) -> list[Quarter]:
    """The quarters a plan can start reporting in: the one just ended, this one, the next."""
    current = Quarter.containing(today)
    return [current.previous(), current, current.next()]


def reporting_steps(db: Database, plan: dict) -> list[dict]:
    """What a draft still needs before reporting can start, each {"step", "done"}."""
    counts = db.execute(
        """
        SELECT count(*),
               sum(NOT EXISTS (SELECT 1 FROM champions
                               WHERE champions.recommendation_id = recommendations.id))
        FROM recommendations WHERE plan_id = ? AND withdrawn_at IS NULL
        """,
        [plan["id"]],
    ).fetchone()
    recommendations, without_champions = counts[0], counts[1] or 0
    return [
        {"step": "recommendations", "done": recommendations > 0, "count": recommendations},
        {
            "step": "champions",
            "done": recommendations > 0 and not without_champions,
            "count": without_champions,
        },
        {"step": "quarter", "done": plan["state"] != "draft"},
    ]


def start_reporting(
    db: Database,
    plan_id: int,
    quarter: Quarter,
    deadline: date,
    meeting: date,
    actor: audit.Actor,
) -> None:
    """Make the draft live, reporting first in `quarter` with its update deadline and board
    meeting. Raises StateError if it is not a draft (any more), or has nothing to report on,
    and DatesProblem when the dates do not fit the quarter."""
    problems = reporting_date_problems(quarter, deadline, meeting)
    if problems:
        raise DatesProblem(problems)
    with write_transaction(db):
        _require_state(db, plan_id, "draft", "Reporting has already started on this plan")
        if not scalar(
            db,
            "SELECT count(*) FROM recommendations WHERE plan_id = ? AND withdrawn_at IS NULL",
            plan_id,
        ):
            raise StateError("Add at least one recommendation before reporting starts")
        quarter_id = ensure_quarter(db, plan_id, quarter, actor)
        audit.update(
            db,
            "quarters",
            quarter_id,
            {"update_deadline": deadline.isoformat(), "board_meeting_on": meeting.isoformat()},
            actor,
        )
        audit.update(
            db,
            "plans",
            plan_id,
            {"state": "live", "current_quarter": quarter.label, "went_live_at": timestamp(now())},
            actor,
        )


def close_plan(db: Database, plan_id: int, actor: audit.Actor) -> None:
    """Close a live plan: it stays, read only, listed apart from the live ones."""
    with write_transaction(db):
        _require_state(db, plan_id, "live", "This plan is not live, so it cannot be closed")
        audit.update(
            db, "plans", plan_id, {"state": "closed", "closed_at": timestamp(now())}, actor
        )


def delete_draft(db: Database, plan_id: int, actor: audit.Actor) -> None:
    """Delete a draft that never went live, with everything made for it. A report it was
    imported from goes back to being a draft plan under review, so it can be created again."""
    with write_transaction(db):
        _require_state(db, plan_id, "draft", "Only a draft plan can be deleted")
        if scalar(db, "SELECT went_live_at FROM plans WHERE id = ?", plan_id):
            raise StateError("This plan has been live, so it is kept: close it instead")
        for table, where in _PARTS_OF_A_PLAN:
            for (row_id,) in db.execute(
                f"SELECT id FROM {table} WHERE {where}",  # noqa: S608 - constants below
                [plan_id],
            ).fetchall():
                audit.delete(db, table, row_id, actor)
        for imports in ("report_imports", "plan_imports"):
            for (import_id,) in db.execute(
                f"SELECT id FROM {imports} WHERE plan_id = ?",  # noqa: S608 - constants
                [plan_id],
            ).fetchall():
                audit.update(db, imports, import_id, {"plan_id": None}, actor)
        inspection_id = scalar(db, "SELECT inspection_id FROM plans WHERE id = ?", plan_id)
        audit.delete(db, "plans", plan_id, actor)
        if inspection_id and not scalar(
            db, "SELECT count(*) FROM plans WHERE inspection_id = ?", inspection_id
        ):
            for table in ("ratings", "findings"):
                for (row_id,) in db.execute(
                    f"SELECT id FROM {table} WHERE inspection_id = ?",  # noqa: S608 - constants
                    [inspection_id],
                ).fetchall():
                    audit.delete(db, table, row_id, actor)
            audit.delete(db, "inspections", inspection_id, actor)


_OF_RECOMMENDATIONS = "recommendation_id IN (SELECT id FROM recommendations WHERE plan_id = ?)"
# In the order they can go: what refers to a row goes before it.
_PARTS_OF_A_PLAN = (
    # Only history imported from the board's own plan: a draft takes no updates of its own.
    ("progress_updates", _OF_RECOMMENDATIONS),
    ("key_lines", _OF_RECOMMENDATIONS),
    ("champions", _OF_RECOMMENDATIONS),
    ("actions", _OF_RECOMMENDATIONS),
    ("recommendations", "plan_id = ?"),
    ("quarters", "plan_id = ?"),
    ("share_links", "plan_id = ?"),
)


def _require_state(db: Database, plan_id: int, state: str, message: str) -> None:
    if scalar(db, "SELECT state FROM plans WHERE id = ?", plan_id) != state:
        raise StateError(message)
