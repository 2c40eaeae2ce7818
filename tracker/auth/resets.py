"""Password reset links: a single-use link, valid for an hour, to choose a new password.

Someone who has forgotten their password asks for one by email; an administrator can send one
to a member of their board. Only the SHA-256 of the link's token is stored. Using the link ends
every session of the account and lifts any lock on signing in, so the real owner can always get
back in, even while someone else is guessing at their password.
"""

from datetime import timedelta

from sqlite_utils import Database

from tracker import audit
from tracker.auth import accounts
from tracker.auth.accounts import AccountError, now, timestamp
from tracker.db import write_transaction
from tracker.tokens import looks_like_a_token, new_token, token_hash

VALID_FOR = timedelta(hours=1)
LINK_NOT_WORKING = "This link to reset your password has expired or has already been used"


def make_reset_link(
    db: Database, user_id: int, actor: audit.Actor, *, requested_by: int | None = None
) -> str:
    """A new reset token for the user (earlier unused links stop working)."""
    token = new_token()
    moment = now()
    with write_transaction(db):
        for (earlier,) in db.execute(
            "SELECT id FROM password_resets WHERE user_id = ? AND used_at IS NULL", [user_id]
        ).fetchall():
            audit.update(db, "password_resets", earlier, {"used_at": timestamp(moment)}, actor)
        audit.insert(
            db,
            "password_resets",
            {
                "user_id": user_id,
                "token_sha256": token_hash(token),
                "requested_by": requested_by,
                "expires_at": timestamp(moment + VALID_FOR),
            },
            actor,
        )
    return token


def user_for_reset(db: Database, token: str) -> dict | None:
    """The account whose unused, unexpired reset link has this token; None for any other."""
    if not looks_like_a_token(token):
        return None
    return next(
        db.query(
            """
            SELECT users.*, password_resets.id AS reset_id FROM password_resets
            JOIN users ON users.id = password_resets.user_id
            WHERE password_resets.token_sha256 = ? AND password_resets.used_at IS NULL
              AND password_resets.expires_at > ?
            """,
            [token_hash(token), timestamp(now())],
        ),
        None,
    )


def reset_password(db: Database, token: str, password: str, remote_addr: str) -> int:
    """Set the new password through the link, in one transaction: the link is used up, every
    session of the account ends, and the sign-in lock is lifted. Returns the user's id.

    Raises AccountError, changing nothing, when the link no longer works or the password rule
    refuses the password.
    """
    with write_transaction(db):
        user = user_for_reset(db, token)
        if user is None:
            raise AccountError(LINK_NOT_WORKING)
        actor = audit.Actor(user["id"], None)
        accounts.set_password(db, user["id"], password, actor, keep_session=None)
        audit.update(db, "password_resets", user["reset_id"], {"used_at": timestamp(now())}, actor)
        accounts.clear_lock(db, user["email"], remote_addr)
    return user["id"]
