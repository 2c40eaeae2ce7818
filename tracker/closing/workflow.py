"""Closing a quarter after the board has met, and reopening the most recent closed one.

Each form names the quarter it acts on and which closing of that quarter its page showed. Every
check is made again inside one write transaction, which takes the write lock first, so of
repeated or parallel submissions one acts and the others find the quarter already closed (or
already open again) and change nothing.
"""

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.closing import queries
from tracker.db import write_transaction
from tracker.quarters import Quarter
from tracker.updates.workflow import ensure_quarter, lock_quarter

MAX_REASON = 2000


class ClosingError(ValueError):
    """The quarter cannot be closed or reopened as asked; the message says why, for the user."""


def close_quarter(db: Database, plan_id: int, label: str, closing: int, actor: audit.Actor) -> str:
    """Close the plan's current quarter `label`, as its `closing`-th closing, and open the next;
    returns the next quarter's label. Raises ClosingError, having changed nothing, when the
    quarter is already closed, is not the current one, or was closed and reopened since."""
    with write_transaction(db):
        plan = db["plans"].get(plan_id)
        quarter = queries.quarter_row(db, plan_id, label)
        if quarter and quarter["locked_at"]:
            raise ClosingError(f"{label} is already closed, so nothing was changed.")
        if plan["state"] != "live" or not plan["current_quarter"]:
            raise ClosingError("Only the quarters of a live plan can be closed.")
        if label != plan["current_quarter"]:
            raise ClosingError(
                "That page was not for the plan's current quarter, "
                f"{plan['current_quarter']}, so nothing was changed."
            )
        if closing != queries.closing_number(db, quarter["id"] if quarter else None):
            raise ClosingError(
                f"{label} was closed and reopened after that page was shown, so nothing was "
                "changed. Check what is left and close it again."
            )
        quarter_id = (
            quarter["id"] if quarter else ensure_quarter(db, plan_id, Quarter.parse(label), actor)
        )
        return lock_quarter(db, plan_id, quarter_id, actor)


def reason_problem(reason: str) -> str | None:
    """What is wrong with the reason given for reopening, or None."""
    if not reason.strip():
        return "Enter why the quarter is being reopened"
    if len(reason) > MAX_REASON:
        return f"The reason must be {MAX_REASON:,} characters or fewer"
    return None


def reopen_quarter(
    db: Database, plan_id: int, label: str, closing: int, reason: str, actor: audit.Actor
) -> None:
    """Open the plan's most recent closed quarter `label` again (its `closing`-th closing
    undone), with the reason, and make it the current quarter once more. Raises ClosingError,
    having changed nothing, when it may not be reopened or was reopened already.

    The closing stays on record in `quarter_reopenings`, and the quarter's kept packs stay as
    they were. The row of the quarter that had opened is removed when nothing was set on it and
    nothing refers to it; otherwise it stays, and is used again at the next close."""
    problem = reason_problem(reason)
    if problem:
        raise ClosingError(problem)
    with write_transaction(db):
        plan = db["plans"].get(plan_id)
        refusal = why_not_reopen(db, plan, label, closing)
        if refusal:
            raise ClosingError(refusal)
        quarter = queries.quarter_row(db, plan_id, label)
        following = Quarter.parse(label).next().label
        audit.insert(
            db,
            "quarter_reopenings",
            {
                "quarter_id": quarter["id"],
                "reason": reason,
                "reopened_by": actor.user_id,
                "reopened_at": timestamp(now()),
                "was_locked_at": quarter["locked_at"],
                "was_locked_by": quarter["locked_by"],
            },
            actor,
        )
        audit.update(db, "quarters", quarter["id"], {"locked_at": None, "locked_by": None}, actor)
        audit.update(db, "plans", plan_id, {"current_quarter": label}, actor)
        _remove_if_untouched(db, plan_id, following, actor)


def reopen_refusal(db: Database, plan_id: int, label: str, closing: int) -> str | None:
    """Why the form for reopening `label` may not be acted on, or None: read under the write
    lock, so that a reopening committed meanwhile is seen whole."""
    with write_transaction(db):
        return why_not_reopen(db, db["plans"].get(plan_id), label, closing)


def why_not_reopen(db: Database, plan: dict, label: str, closing: int) -> str | None:
    """Why the quarter `label`, as its `closing`-th closing, may not be reopened now (saying
    that nothing was changed), or None when it may."""
    quarter = queries.quarter_row(db, plan["id"], label)
    if quarter is None:
        return "That page was not for a quarter of this plan, so nothing was changed."
    if not quarter["locked_at"]:
        return f"{label} is open already, so nothing was changed."
    if closing != queries.closing_number(db, quarter["id"]):
        return (
            f"{label} was reopened and closed again after that page was shown, so nothing "
            "was changed. Read the page again."
        )
    check = queries.reopening(db, plan)
    if check.refusal:
        return f"{check.refusal} Nothing was changed."
    if check.quarter["id"] != quarter["id"]:
        return (
            f"Only the most recent closed quarter, {check.quarter['label']}, can be reopened, "
            "so nothing was changed."
        )
    return None


def _remove_if_untouched(db: Database, plan_id: int, label: str, actor: audit.Actor) -> None:
    # The quarter that opened at the close has no saved update (reopening checked that). If it
    # has no dates either, and nothing else names it, it never really opened: its row goes
    # (the audit log keeps it). Otherwise it stays, as a record of what was set on it.
    quarter = queries.quarter_row(db, plan_id, label)
    if quarter is None or quarter["update_deadline"] or quarter["board_meeting_on"]:
        return
    referred_to = db.execute(
        """
        SELECT (SELECT count(*) FROM progress_updates WHERE quarter_id = :id)
             + (SELECT count(*) FROM quarter_reopenings WHERE quarter_id = :id)
             + (SELECT count(*) FROM packs WHERE plan_id = :plan AND quarter = :label)
             + (SELECT count(*) FROM recommendations
                WHERE plan_id = :plan AND withdrawn_in_quarter = :label)
        """,
        {"id": quarter["id"], "plan": plan_id, "label": label},
    ).fetchone()[0]
    if not referred_to:
        audit.delete(db, "quarters", quarter["id"], actor)
