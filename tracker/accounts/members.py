"""A board's users: who has which role, whether they can use the board today, and changes to
their access by the board's administrators.

A board always keeps at least one active administrator, so nobody can lock a board out of its
own plan by mistake. Deactivating someone ends all their sessions at once and stops their
reminders; their name stays on everything they wrote, because their account and what they
wrote are untouched. Removing someone takes away their role on this board alone.
"""

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import AccountError, end_all_sessions, now, timestamp
from tracker.db import scalar, write_transaction

ACTIVE, DEACTIVATED = "Active", "Deactivated"
LAST_ADMINISTRATOR = "The board must keep at least one active administrator"


def board_users(db: Database, board_id: int, *, user_id: int | None = None) -> list[dict]:
    """Everyone with a role on the board (or just `user_id`), by name, each with their state
    in words, last sign-in and whether they sign in with two factors."""
    members = list(
        db.query(
            """
            SELECT users.id AS user_id, users.name, users.email, users.last_sign_in_at,
                   users.totp_enabled_at IS NOT NULL AS two_factor_on,
                   memberships.role, memberships.person_id, memberships.deactivated_at,
                   people.name AS person_name
            FROM memberships
            JOIN users ON users.id = memberships.user_id
            LEFT JOIN people ON people.id = memberships.person_id
            WHERE memberships.board_id = :board AND :user IN (users.id, 0)
            ORDER BY users.name COLLATE NOCASE, users.email
            """,
            {"board": board_id, "user": user_id or 0},
        )
    )
    for member in members:
        member["state"] = DEACTIVATED if member["deactivated_at"] else ACTIVE
    return members


def board_member(db: Database, board_id: int, user_id: int) -> dict | None:
    """One user's role and state on the board, or None if they have no role on it."""
    return next(iter(board_users(db, board_id, user_id=user_id)), None)


def change_role(db: Database, board_id: int, user_id: int, role: str, actor: audit.Actor) -> None:
    """Give the user another role on the board."""
    with write_transaction(db):
        membership = _membership(db, board_id, user_id)
        if membership["role"] == "administrator" and role != "administrator":
            _keep_an_administrator(db, board_id, user_id)
        audit.update(db, "memberships", membership["id"], {"role": role}, actor)


def deactivate(db: Database, board_id: int, user_id: int, actor: audit.Actor) -> None:
    """Stop the user using the board, ending every session they have open."""
    with write_transaction(db):
        membership = _membership(db, board_id, user_id)
        if membership["deactivated_at"]:
            return
        if membership["role"] == "administrator":
            _keep_an_administrator(db, board_id, user_id)
        audit.update(
            db, "memberships", membership["id"], {"deactivated_at": timestamp(now())}, actor
        )
        end_all_sessions(db, user_id)


def reactivate(db: Database, board_id: int, user_id: int, actor: audit.Actor) -> None:
    """Let a deactivated user use the board again, with the role they had."""
    with write_transaction(db):
        membership = _membership(db, board_id, user_id)
        audit.update(db, "memberships", membership["id"], {"deactivated_at": None}, actor)


def remove(db: Database, board_id: int, user_id: int, actor: audit.Actor) -> None:
    """Take away the user's role on the board (their account and what they wrote stay)."""
    with write_transaction(db):
        membership = _membership(db, board_id, user_id)
        if membership["role"] == "administrator" and not membership["deactivated_at"]:
            _keep_an_administrator(db, board_id, user_id)
        audit.delete(db, "memberships", membership["id"], actor)
        end_all_sessions(db, user_id)


def require_two_factor(db: Database, board_id: int, required: bool, actor: audit.Actor) -> None:
    """Whether everyone on the board must sign in with two factors (administrators always do)."""
    with write_transaction(db):
        audit.update(db, "boards", board_id, {"requires_two_factor": int(required)}, actor)


def _membership(db: Database, board_id: int, user_id: int) -> dict:
    membership = next(
        db.query(
            "SELECT * FROM memberships WHERE board_id = ? AND user_id = ?", [board_id, user_id]
        ),
        None,
    )
    if membership is None:
        raise AccountError("They no longer have a role on this board")
    return membership


def _keep_an_administrator(db: Database, board_id: int, leaving_user_id: int) -> None:
    others = scalar(
        db,
        "SELECT count(*) FROM memberships WHERE board_id = ? AND role = 'administrator'"
        " AND deactivated_at IS NULL AND user_id != ?",
        board_id,
        leaving_user_id,
    )
    if not others:
        raise AccountError(LAST_ADMINISTRATOR)
