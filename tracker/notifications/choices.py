"""What each person is told, and how: per kind of notification, an email at once, a daily
summary email, or no email.

A person with no saved choice for a kind gets the default: an email at once. Only the kinds
that apply to their roles are offered: administrators are told of updates submitted for their
approval; anyone who writes updates (administrators and champions) of theirs returned or
approved. The scrutiny panel writes no updates and is told of none.
"""

from dataclasses import dataclass

from sqlite_utils import Database

from tracker import audit
from tracker.db import write_transaction

KINDS = ("submitted", "returned", "approved")
DELIVERIES = ("immediate", "digest", "none")
DELIVERY_LABELS = {
    "immediate": "An email at once",
    "digest": "A daily summary email",
    "none": "No email",
}
# Everyone is told at once unless they choose otherwise: the issue asks administrators to hear
# of each submission and champions of each return, while there is still time to act on it.
DEFAULT_DELIVERY = {"submitted": "immediate", "returned": "immediate", "approved": "immediate"}
ROLES_TOLD = {
    "submitted": ("administrator",),
    "returned": ("administrator", "champion"),
    "approved": ("administrator", "champion"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of notification as the choice page asks about it."""

    key: str
    question: str
    hint: str


KIND_QUESTIONS = {
    "submitted": Kind(
        "submitted",
        "When a champion submits an update for your approval",
        "For the boards you administer. You are not told of updates you submit yourself.",
    ),
    "returned": Kind(
        "returned",
        "When an update you wrote or champion is returned to you",
        "The email gives the reason it was returned.",
    ),
    "approved": Kind(
        "approved",
        "When an update you wrote or champion is approved",
        "The email gives the administrator's note, if they left one.",
    ),
}


class ChoiceError(ValueError):
    """A choice that cannot be saved; the message says why, for the user."""


def kinds_for_roles(roles: set[str]) -> list[str]:
    """The kinds of notification that apply to someone with these roles, in KINDS order."""
    return [kind for kind in KINDS if roles & set(ROLES_TOLD[kind])]


def roles_of(db: Database, user_id: int) -> set[str]:
    """The user's roles on the boards they are active on today."""
    return {
        row[0]
        for row in db.execute("SELECT role FROM active_memberships WHERE user_id = ?", [user_id])
    }


def chosen(db: Database, user_id: int) -> dict[str, str]:
    """How the user is told of each kind: their saved choice, else the default."""
    saved = dict(
        db.execute(
            "SELECT kind, delivery FROM notification_choices WHERE user_id = ?", [user_id]
        ).fetchall()
    )
    return {kind: saved.get(kind, DEFAULT_DELIVERY[kind]) for kind in KINDS}


def delivery_for(db: Database, user_id: int, kind: str) -> str:
    """How the user is told of `kind` now."""
    return chosen(db, user_id)[kind]


def save_choices(
    db: Database, user_id: int, choices: dict[str, str], actor: audit.Actor
) -> list[str]:
    """Save the user's choice for each kind given; returns the kinds that changed. Every kind
    must apply to the user's roles and every delivery be one of DELIVERIES, or ChoiceError is
    raised and nothing is saved. Each change is in the audit log."""
    with write_transaction(db):
        allowed = kinds_for_roles(roles_of(db, user_id))
        for kind, delivery in choices.items():
            if kind not in allowed:
                raise ChoiceError(f"Your roles have changed: you are not told of updates {kind}")
            if delivery not in DELIVERIES:
                raise ChoiceError("Choose an email at once, a daily summary email or no email")
        before = chosen(db, user_id)
        changed = [kind for kind, delivery in choices.items() if before[kind] != delivery]
        for kind in changed:
            _save_one(db, user_id, kind, before[kind], choices[kind], actor)
        return changed


def _save_one(
    db: Database, user_id: int, kind: str, was: str, delivery: str, actor: audit.Actor
) -> None:
    # The table is keyed by (user, kind), which audit.insert/update cannot name by one id: the
    # change is logged by the row's rowid, with the choice before and after.
    existed = db.execute(
        "SELECT rowid FROM notification_choices WHERE user_id = ? AND kind = ?", [user_id, kind]
    ).fetchone()
    db.execute(
        "INSERT INTO notification_choices (user_id, kind, delivery) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id, kind) DO UPDATE SET delivery = excluded.delivery",
        [user_id, kind, delivery],
    )
    rowid = db.execute(
        "SELECT rowid FROM notification_choices WHERE user_id = ? AND kind = ?", [user_id, kind]
    ).fetchone()[0]
    row = {"user_id": user_id, "kind": kind}
    audit.record_change(
        db,
        actor,
        "update" if existed else "insert",
        "notification_choices",
        rowid,
        {**row, "delivery": was} if existed else None,
        {**row, "delivery": delivery},
    )
