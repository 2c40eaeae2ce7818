"""Reading and changing a recommendation's actions, and turning actions on or off for a plan.

Every change goes through `tracker.audit` inside one write transaction.
"""

from datetime import date

from sqlite_utils import Database

from tracker import audit
from tracker.concurrency import StaleChange, check_unchanged, fingerprint
from tracker.db import scalar, write_transaction

# Each status as stored, with its words on screen, in the order a form offers them.
STATUSES = {
    "not started": "Not started",
    "in progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
# An action in one of these needs nothing more, so it is never overdue.
FINISHED = frozenset({"done", "dropped"})
MAX_TEXT = 2000
ACTION_FIELDS = ("text", "owner_id", "target_date", "status")


def is_overdue(action: dict, today: date) -> bool:
    """Whether the action's target date has passed (is before `today`) while it is still to do.

    An action with no target date, or one that is done or dropped, is never overdue.
    """
    target = action.get("target_date")
    if not target or action.get("status") in FINISHED:
        return False
    try:
        return date.fromisoformat(target) < today
    except (TypeError, ValueError):
        return False  # not a date we can read: nothing to compare


def board_of_action(db: Database, action_id: int) -> int | None:
    """The id of the board whose plan holds the action: the permission check's board finder."""
    return scalar(
        db,
        """
        SELECT plans.board_id FROM actions
        JOIN recommendations ON recommendations.id = actions.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id
        WHERE actions.id = ?
        """,
        action_id,
    )


def recommendation_of(db: Database, recommendation_id: int) -> dict | None:
    """The recommendation's number, text and plan, with whether the plan uses actions."""
    return next(
        db.query(
            """
            SELECT recommendations.id, recommendations.number, recommendations.text,
                   recommendations.plan_id, plans.uses_actions
            FROM recommendations JOIN plans ON plans.id = recommendations.plan_id
            WHERE recommendations.id = ?
            """,
            [recommendation_id],
        ),
        None,
    )


def get_action(db: Database, action_id: int) -> dict | None:
    """The action's row as stored, or None."""
    return next(db.query("SELECT * FROM actions WHERE id = ?", [action_id]), None)


def action_fingerprint(action: dict) -> str:
    """A short digest of the action's row, to tell whether it changed under a form."""
    return fingerprint(action)


def actions_of(db: Database, recommendation_id: int, today: date) -> list[dict]:
    """The recommendation's actions in order, each with its owner's name (None when it has no
    owner), the words for its status and whether it is overdue on `today`."""
    rows = db.query(
        """
        SELECT actions.*, people.name AS owner
        FROM actions LEFT JOIN people ON people.id = actions.owner_id
        WHERE actions.recommendation_id = ?
        ORDER BY actions.position, actions.id
        """,
        [recommendation_id],
    )
    return [
        {
            **row,
            "status_label": STATUSES.get(row["status"], row["status"]),
            "overdue": is_overdue(row, today),
        }
        for row in rows
    ]


def uses_actions(db: Database, plan_id: int) -> bool:
    """Whether the plan has actions turned on."""
    row = db.execute("SELECT uses_actions FROM plans WHERE id = ?", [plan_id]).fetchone()
    return bool(row and row[0])


def set_uses_actions(db: Database, plan_id: int, on: bool, actor: audit.Actor) -> None:
    """Turn actions on or off for the plan. Turning them off hides them but keeps them."""
    with write_transaction(db):
        audit.update(db, "plans", plan_id, {"uses_actions": int(on)}, actor)


def add_action(db: Database, recommendation_id: int, fields: dict, actor: audit.Actor) -> int:
    """Add an action at the end of the recommendation's list; returns its id."""
    with write_transaction(db):
        position = db.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM actions WHERE recommendation_id = ?",
            [recommendation_id],
        ).fetchone()[0]
        return audit.insert(
            db,
            "actions",
            {"recommendation_id": recommendation_id, **_clean(fields), "position": position},
            actor,
        )


def change_action(
    db: Database, action_id: int, fields: dict, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Change the action's text, owner, target date or status.

    Raises StaleChange, changing nothing, if the action changed (or went) since the user looked.
    """
    with write_transaction(db):
        _check_unchanged(db, action_id, seen_fingerprint)
        audit.update(db, "actions", action_id, _clean(fields), actor)


def delete_action(db: Database, action_id: int, seen_fingerprint: str, actor: audit.Actor) -> None:
    """Delete the action.

    Raises StaleChange, deleting nothing, if the action changed (or went) since the user looked.
    """
    with write_transaction(db):
        _check_unchanged(db, action_id, seen_fingerprint)
        audit.delete(db, "actions", action_id, actor)


def _check_unchanged(db: Database, action_id: int, seen_fingerprint: str) -> None:
    current = get_action(db, action_id)
    if current is None:
        raise StaleChange
    check_unchanged(current, seen_fingerprint)


def _clean(fields: dict) -> dict:
    text = (fields.get("text") or "").strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise ValueError(f"an action's text must be 1 to {MAX_TEXT} characters")
    status = fields.get("status")
    if status not in STATUSES:
        raise ValueError(f"unknown action status: {status!r}")
    target = fields.get("target_date") or None
    return {
        "text": text,
        "owner_id": fields.get("owner_id") or None,
        "target_date": date.fromisoformat(target).isoformat() if target else None,
        "status": status,
    }
