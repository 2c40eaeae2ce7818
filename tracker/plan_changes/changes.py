"""The administrator's changes to a plan after it is made.

Every change goes through `tracker.audit` inside one write transaction, so the audit log holds
each row before and after. A change made from a page built before someone else changed the
same thing is refused (StaleChange), changing nothing: each page carries a fingerprint of what
it showed. A closed plan is kept as the board left it, so every change to it is refused
(PlanClosed).
"""

from datetime import datetime

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.concurrency import StaleChange, check_unchanged, fingerprint
from tracker.db import scalar, write_transaction
from tracker.text import clean_text
from tracker.uk_time import uk_time

MAX_TITLE = 300
MAX_PERIOD = 100
MAX_TEXT = 5000
MAX_ADDRESSEE = 300
MAX_REASON = 2000
MAX_NUMBER = 999
# Who made a recommendation, as stored, with the words a form offers, in that order.
ORIGINS = {"inspectorate": "The inspectorate", "local": "The board (a local recommendation)"}
DIRECTIONS = ("up", "down")
PLAN_DETAILS = ("title", "period")
# What the recommendation's own pages show and change; its position is left out, so someone
# reordering the plan does not make another's change to the wording stale.
RECOMMENDATION_DETAILS = (
    "number",
    "text",
    "addressee",
    "origin",
    "withdrawn_at",
    "withdrawn_reason",
)
CLOSED_MESSAGE = (
    "This plan is closed: it is kept as the board left it, so it can no longer be changed."
)


class PlanClosed(ValueError):
    """The plan is closed, so it cannot be changed."""

    def __init__(self):
        super().__init__(CLOSED_MESSAGE)


class NumberTaken(ValueError):
    """Another recommendation in the plan already has the number."""


def withdrawn_words(withdrawn_at: str) -> str:
    """What the plan says of a withdrawn recommendation: "Withdrawn by the board on 2 December
    2026" (the day in the UK)."""
    day = uk_time(withdrawn_at)
    return f"Withdrawn by the board on {day.day} {day:%B %Y}"


# ----- Fingerprints: what each page showed --------------------------------------------------


def plan_details_fingerprint(plan: dict) -> str:
    """A short digest of the plan's title and period."""
    return fingerprint({name: plan[name] for name in PLAN_DETAILS})


def recommendation_fingerprint(recommendation: dict) -> str:
    """A short digest of the recommendation's wording, number, addressee, origin and
    whether (and why) it was withdrawn."""
    return fingerprint({name: recommendation[name] for name in RECOMMENDATION_DETAILS})


def order_fingerprint(db: Database, plan_id: int) -> str:
    """A short digest of the order of the plan's recommendations."""
    return fingerprint(_order(db, plan_id))


def key_lines_fingerprint(db: Database, recommendation_id: int) -> str:
    """A short digest of the recommendation's key lines of enquiry."""
    return fingerprint(_key_lines(db, recommendation_id))


# ----- The plan -----------------------------------------------------------------------------


def start_blank_plan(db: Database, board_id: int, details: dict, actor: audit.Actor) -> int:
    """Make a draft plan with no inspection report, for the board's own plan; returns its id."""
    with write_transaction(db):
        return audit.insert(
            db,
            "plans",
            {"board_id": board_id, "inspection_id": None, "state": "draft", **_plan(details)},
            actor,
        )


def change_plan_details(
    db: Database, plan_id: int, details: dict, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Change the plan's title and period. Raises PlanClosed or StaleChange, changing
    nothing."""
    with write_transaction(db):
        plan = _open_plan(db, plan_id)
        check_unchanged({name: plan[name] for name in PLAN_DETAILS}, seen_fingerprint)
        audit.update(db, "plans", plan_id, _plan(details), actor)


# ----- Recommendations ----------------------------------------------------------------------


def add_recommendation(db: Database, plan_id: int, details: dict, actor: audit.Actor) -> int:
    """Add a recommendation at the end of the plan; returns its id. Raises PlanClosed or
    NumberTaken, adding nothing."""
    with write_transaction(db):
        _open_plan(db, plan_id)
        cleaned = _recommendation(details)
        _check_number_free(db, plan_id, cleaned["number"], None)
        position = scalar(
            db,
            "SELECT coalesce(max(position), 0) + 1 FROM recommendations WHERE plan_id = ?",
            plan_id,
        )
        return audit.insert(
            db, "recommendations", {"plan_id": plan_id, **cleaned, "position": position}, actor
        )


def change_recommendation(
    db: Database,
    recommendation_id: int,
    details: dict,
    seen_fingerprint: str,
    actor: audit.Actor,
) -> None:
    """Change the recommendation's number, wording, addressee and origin. Raises PlanClosed,
    StaleChange or NumberTaken, changing nothing."""
    with write_transaction(db):
        current = _seen_recommendation(db, recommendation_id, seen_fingerprint)
        cleaned = _recommendation(details)
        _check_number_free(db, current["plan_id"], cleaned["number"], recommendation_id)
        audit.update(db, "recommendations", recommendation_id, cleaned, actor)


def move_recommendation(
    db: Database,
    plan_id: int,
    recommendation_id: int,
    direction: str,
    seen_fingerprint: str,
    actor: audit.Actor,
) -> None:
    """Swap the recommendation with the one above it ("up") or below it ("down"). Raises
    PlanClosed or StaleChange (the order changed since the page was shown), changing nothing,
    and ValueError for a move that cannot be made."""
    with write_transaction(db):
        _open_plan(db, plan_id)
        order = _order(db, plan_id)
        check_unchanged(order, seen_fingerprint)
        if recommendation_id not in order or direction not in DIRECTIONS:
            raise ValueError("no such recommendation or direction")
        here = order.index(recommendation_id)
        there = here - 1 if direction == "up" else here + 1
        if not 0 <= there < len(order):
            raise ValueError(f"the recommendation cannot move {direction}")
        order[here], order[there] = order[there], order[here]
        for position, row_id in enumerate(order, start=1):
            audit.update(db, "recommendations", row_id, {"position": position}, actor)


def withdraw_recommendation(
    db: Database,
    recommendation_id: int,
    reason: str,
    seen_fingerprint: str,
    actor: audit.Actor,
    moment: datetime | None = None,
) -> None:
    """Withdraw the recommendation for `reason`: it stays in the plan, marked withdrawn in the
    plan's current quarter, and takes no more updates. Raises PlanClosed or StaleChange,
    changing nothing, and ValueError if it is already withdrawn."""
    reason = _text(reason, MAX_REASON, "the reason")
    with write_transaction(db):
        current = _seen_recommendation(db, recommendation_id, seen_fingerprint)
        if current["withdrawn_at"]:
            raise ValueError("the recommendation is already withdrawn")
        quarter = scalar(db, "SELECT current_quarter FROM plans WHERE id = ?", current["plan_id"])
        audit.update(
            db,
            "recommendations",
            recommendation_id,
            {
                "withdrawn_at": timestamp(moment or now()),
                "withdrawn_in_quarter": quarter,
                "withdrawn_reason": reason,
                "withdrawn_by": actor.user_id,
            },
            actor,
        )


def reinstate_recommendation(
    db: Database, recommendation_id: int, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Undo a withdrawal: the recommendation counts and takes updates again. The audit log
    keeps the withdrawal. Raises PlanClosed or StaleChange, changing nothing, and ValueError
    if it is not withdrawn."""
    with write_transaction(db):
        current = _seen_recommendation(db, recommendation_id, seen_fingerprint)
        if not current["withdrawn_at"]:
            raise ValueError("the recommendation is not withdrawn")
        audit.update(
            db,
            "recommendations",
            recommendation_id,
            dict.fromkeys(
                ("withdrawn_at", "withdrawn_in_quarter", "withdrawn_reason", "withdrawn_by")
            ),
            actor,
        )


# ----- Key lines of enquiry -----------------------------------------------------------------


def add_key_line(
    db: Database,
    recommendation_id: int,
    finding_id: int | None,
    text: str | None,
    seen_fingerprint: str,
    actor: audit.Actor,
) -> int:
    """Add a key line of enquiry at the end of the recommendation's: one of its plan's report's
    findings (`finding_id`, in the finding's words) or, with no finding, `text` as typed.
    Returns its id. Raises PlanClosed or StaleChange, adding nothing, and ValueError for a
    finding that is not the report's or that the recommendation already has."""
    with write_transaction(db):
        current = _open_recommendation(db, recommendation_id)
        check_unchanged(_key_lines(db, recommendation_id), seen_fingerprint)
        if finding_id is None:
            text = _text(text or "", MAX_TEXT, "a key line of enquiry")
        else:
            text = _finding_text(db, current["plan_id"], recommendation_id, finding_id)
        position = scalar(
            db,
            "SELECT coalesce(max(position), 0) + 1 FROM key_lines WHERE recommendation_id = ?",
            recommendation_id,
        )
        return audit.insert(
            db,
            "key_lines",
            {
                "recommendation_id": recommendation_id,
                "finding_id": finding_id,
                "text": text,
                "position": position,
            },
            actor,
        )


def remove_key_line(
    db: Database,
    recommendation_id: int,
    key_line_id: int,
    seen_fingerprint: str,
    actor: audit.Actor,
) -> None:
    """Remove one of the recommendation's key lines of enquiry (the finding it came from stays
    in the report). Raises PlanClosed or StaleChange, removing nothing, and ValueError for a
    key line that is not the recommendation's."""
    with write_transaction(db):
        _open_recommendation(db, recommendation_id)
        check_unchanged(_key_lines(db, recommendation_id), seen_fingerprint)
        if not scalar(
            db,
            "SELECT 1 FROM key_lines WHERE id = ? AND recommendation_id = ?",
            key_line_id,
            recommendation_id,
        ):
            raise ValueError("not one of the recommendation's key lines")
        audit.delete(db, "key_lines", key_line_id, actor)


# ----- Checks -------------------------------------------------------------------------------


def _open_plan(db: Database, plan_id: int) -> dict:
    plan = next(db.query("SELECT * FROM plans WHERE id = ?", [plan_id]), None)
    if plan is None:
        raise ValueError("no such plan")
    if plan["state"] == "closed":
        raise PlanClosed
    return plan


def _open_recommendation(db: Database, recommendation_id: int) -> dict:
    current = next(
        db.query("SELECT * FROM recommendations WHERE id = ?", [recommendation_id]), None
    )
    if current is None:
        raise StaleChange  # gone since the page was shown
    _open_plan(db, current["plan_id"])
    return current


def _seen_recommendation(db: Database, recommendation_id: int, seen_fingerprint: str) -> dict:
    current = _open_recommendation(db, recommendation_id)
    check_unchanged({name: current[name] for name in RECOMMENDATION_DETAILS}, seen_fingerprint)
    return current


def _check_number_free(
    db: Database, plan_id: int, number: int | None, recommendation_id: int | None
) -> None:
    if number is not None and scalar(
        db,
        "SELECT 1 FROM recommendations WHERE plan_id = ? AND number = ? AND id IS NOT ?",
        plan_id,
        number,
        recommendation_id,
    ):
        raise NumberTaken(f"another recommendation in the plan is number {number}")


def _finding_text(db: Database, plan_id: int, recommendation_id: int, finding_id: int) -> str:
    finding = next(
        db.query(
            "SELECT findings.text FROM findings"
            " JOIN plans ON plans.inspection_id = findings.inspection_id"
            " WHERE findings.id = ? AND plans.id = ?",
            [finding_id, plan_id],
        ),
        None,
    )
    if finding is None:
        raise ValueError("not a finding of the plan's inspection report")
    if scalar(
        db,
        "SELECT 1 FROM key_lines WHERE recommendation_id = ? AND finding_id = ?",
        recommendation_id,
        finding_id,
    ):
        raise ValueError("the recommendation already has this finding")
    return clean_text(finding["text"])[:MAX_TEXT].strip()


# ----- What is stored -----------------------------------------------------------------------


def _order(db: Database, plan_id: int) -> list[int]:
    rows = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ? ORDER BY position, id", [plan_id]
    ).fetchall()
    return [row[0] for row in rows]


def _key_lines(db: Database, recommendation_id: int) -> list[list]:
    rows = db.execute(
        "SELECT id, finding_id, text, position FROM key_lines WHERE recommendation_id = ?"
        " ORDER BY position, id",
        [recommendation_id],
    ).fetchall()
    return [list(row) for row in rows]


def _plan(details: dict) -> dict:
    return {
        "title": _text(details.get("title") or "", MAX_TITLE, "the title"),
        "period": _text(details.get("period") or "", MAX_PERIOD, "the period", required=False),
    }


def _recommendation(details: dict) -> dict:
    number = details.get("number")
    if number is not None and not (isinstance(number, int) and 1 <= number <= MAX_NUMBER):
        raise ValueError(f"a recommendation's number must be 1 to {MAX_NUMBER}, or none")
    origin = details.get("origin")
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin: {origin!r}")
    addressee = _text(details.get("addressee") or "", MAX_ADDRESSEE, "the addressee", False)
    return {
        "number": number,
        "text": _text(details.get("text") or "", MAX_TEXT, "the wording"),
        "addressee": addressee or None,
        "origin": origin,
    }


def _text(value: str, max_length: int, what: str, required: bool = True) -> str:
    cleaned = clean_text(value)
    if len(cleaned) > max_length or (required and not cleaned):
        raise ValueError(f"{what} must be {int(required)} to {max_length} characters")
    return cleaned
