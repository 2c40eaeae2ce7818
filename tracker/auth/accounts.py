"""Users, their passwords, their signed-in sessions and the sign-in throttle."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlite_utils import Database

from tracker import audit
from tracker.auth.passwords import password_problem
from tracker.db import write_transaction

# A session's last use is written at most this often, so reading pages is not a write each time;
# the idle timeout is exact to within this.
LAST_USE_PRECISION = timedelta(minutes=1)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_UNUSED_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass
class SignedInUser(UserMixin):
    """The user behind a live session; Flask-Login keeps only the session token in the cookie."""

    id: int
    email: str
    name: str
    session_token: str
    is_operator: bool = False
    two_factor_on: bool = False
    # Operators and administrators must sign in with two factors, and so must everyone on a
    # board that asks for it; until they have set it up, they can do nothing else.
    needs_two_factor: bool = False

    def get_id(self) -> str:
        return self.session_token

    @property
    def must_set_up_two_factor(self) -> bool:
        return self.needs_two_factor and not self.two_factor_on


class AccountError(ValueError):
    """A request about an account that cannot be met; the message says why, for the user."""


def now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_user(
    db: Database,
    *,
    email: str,
    password: str,
    name: str,
    board_id: int,
    role: str,
    person_id: int | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> int:
    """Create a user with a role on one board; raises AccountError if that cannot be done."""
    with write_transaction(db):
        user_id = create_account(db, email=email, password=password, name=name, actor=actor)
        add_membership(db, user_id, board_id, role, person_id, actor)
    return user_id


def create_account(
    db: Database,
    *,
    email: str,
    password: str,
    name: str,
    actor: audit.Actor = audit.SYSTEM,
    is_operator: bool = False,
) -> int:
    """Create an account (with no role on any board yet); raises AccountError, changing
    nothing, for a refused password or an email that already has an account."""
    email = email.strip()
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem)
    with write_transaction(db):
        if user_by_email(db, email):
            raise AccountError(f"A user with the email {email} already exists")
        return audit.insert(
            db,
            "users",
            {
                "email": email,
                "name": name.strip(),
                "password_hash": _hasher.hash(password),
                "is_operator": int(is_operator),
            },
            actor,
        )


def add_membership(
    db: Database,
    user_id: int,
    board_id: int,
    role: str,
    person_id: int | None,
    actor: audit.Actor,
) -> int:
    """Give the user a role on a board; raises AccountError if they already have one."""
    with write_transaction(db):
        if db.execute(
            "SELECT 1 FROM memberships WHERE user_id = ? AND board_id = ?", [user_id, board_id]
        ).fetchone():
            raise AccountError("They already have a role on this board")
        return audit.insert(
            db,
            "memberships",
            {"user_id": user_id, "board_id": board_id, "role": role, "person_id": person_id},
            actor,
        )


def check_password(db: Database, email: str, password: str) -> int | None:
    """The id of the user with this email and password, or None for any mismatch."""
    row = db.execute(
        "SELECT id, password_hash FROM users WHERE email = ?", [email.strip()]
    ).fetchone()
    try:
        _hasher.verify(row[1] if row else _UNUSED_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return row[0] if row else None


def _failures(db: Database, email: str, window: timedelta) -> int:
    """Failed attempts for this email within `window` since its last success."""
    return db.execute(
        """
        SELECT count(*) FROM sign_in_attempts
        WHERE email = :email AND succeeded = 0 AND attempted_at > :since
          AND attempted_at > coalesce(
              (SELECT max(attempted_at) FROM sign_in_attempts
               WHERE email = :email AND succeeded = 1), '')
        """,
        {"email": email.strip(), "since": timestamp(now() - window)},
    ).fetchone()[0]


def is_throttled(db: Database, email: str, max_failures: int, window: timedelta) -> bool:
    """Whether this email has failed to sign in `max_failures` times within `window`
    since its last successful sign-in."""
    return _failures(db, email, window) >= max_failures


def claim_attempt(
    db: Database, email: str, remote_addr: str, max_failures: int, window: timedelta
) -> int | None:
    """Count an attempt to sign in as `email` before its password or code is checked, and
    return its id; None, counting nothing, when the email is locked.

    The attempt is recorded as failed and the lock checked in one write transaction, so
    parallel attempts queue for it: however many arrive at once, no more than `max_failures`
    are ever checked. `attempt_succeeded` marks it good afterwards.
    """
    with write_transaction(db):
        if _failures(db, email, window) >= max_failures:
            return None
        return (
            db["sign_in_attempts"]
            .insert(
                {
                    "email": email.strip()[:254],
                    "remote_addr": remote_addr[:64],
                    "succeeded": 0,
                    "attempted_at": timestamp(now()),
                }
            )
            .last_pk
        )


def attempt_succeeded(db: Database, attempt_id: int) -> None:
    """Mark a claimed attempt as the real owner's: earlier failures no longer count."""
    with write_transaction(db):
        db.execute("UPDATE sign_in_attempts SET succeeded = 1 WHERE id = ?", [attempt_id])


def clear_lock(db: Database, email: str, remote_addr: str) -> None:
    """Lift the lock on an email once its owner has proved who they are another way (a
    password reset link): recorded as a successful attempt, so failures before it no
    longer count."""
    with write_transaction(db):
        db["sign_in_attempts"].insert(
            {
                "email": email.strip()[:254],
                "remote_addr": remote_addr[:64],
                "succeeded": 1,
                "attempted_at": timestamp(now()),
            }
        )


def prune(db: Database, attempts_older_than: timedelta = timedelta(days=30)) -> None:
    """Forget sessions that can no longer be used and sign-in attempts too old to matter."""
    moment = now()
    with write_transaction(db):
        db.execute(
            "DELETE FROM sessions WHERE expires_at <= ? OR ended_at IS NOT NULL",
            [timestamp(moment)],
        )
        db.execute(
            "DELETE FROM sign_in_attempts WHERE attempted_at <= ?",
            [timestamp(moment - attempts_older_than)],
        )


def start_session(db: Database, user_id: int, lifetime: timedelta) -> str:
    """Open a new server-side session for the user and return its random token. The session
    notes when the user's previous visit ended (None on a first visit), for their home page."""
    token = secrets.token_urlsafe(32)
    started = now()
    with write_transaction(db):
        previous_visit = _previous_visit(db, user_id)
        db.execute(
            "UPDATE users SET last_sign_in_at = ? WHERE id = ?", [timestamp(started), user_id]
        )
        db["sessions"].insert(
            {
                "token": token,
                "user_id": user_id,
                "created_at": timestamp(started),
                "last_used_at": timestamp(started),
                "expires_at": timestamp(started + lifetime),
                "previous_visit_at": previous_visit,
            }
        )
    return token


def _previous_visit(db: Database, user_id: int) -> str | None:
    """When the user was last seen: the latest use of their earlier sessions, or, when those
    have been forgotten (`prune`, an idle session removed), when they last signed in."""
    return db.execute(
        "SELECT coalesce((SELECT max(coalesce(last_used_at, created_at)) FROM sessions"
        " WHERE user_id = :user), (SELECT last_sign_in_at FROM users WHERE id = :user))",
        {"user": user_id},
    ).fetchone()[0]


def note_session_use(db: Database, token: str) -> None:
    """Count the session as used now, whenever it was last noted: someone asked to stay
    signed in."""
    with write_transaction(db):
        db.execute(
            "UPDATE sessions SET last_used_at = ? WHERE token = ? AND ended_at IS NULL",
            [timestamp(now()), token],
        )


def session_seconds_left(db: Database, token: str, idle_timeout: timedelta) -> int:
    """How many seconds the session has before it ends, idle or at the end of its lifetime;
    0 for one that has ended."""
    row = db.execute(
        "SELECT coalesce(last_used_at, created_at), expires_at FROM sessions"
        " WHERE token = ? AND ended_at IS NULL",
        [token],
    ).fetchone()
    if row is None:
        return 0
    ends = min(datetime.fromisoformat(row[0]) + idle_timeout, datetime.fromisoformat(row[1]))
    return max(0, int((ends - now()).total_seconds()))


def end_session(db: Database, token: str) -> None:
    """Close a session so its cookie no longer signs anyone in."""
    with write_transaction(db):
        db.execute(
            "UPDATE sessions SET ended_at = ? WHERE token = ? AND ended_at IS NULL",
            [timestamp(now()), token],
        )


def end_all_sessions(db: Database, user_id: int, *, keep: str | None = None) -> None:
    """Close every session of the user (but `keep`, the one they are using), so whatever
    browser they were left open in is signed out at once."""
    with write_transaction(db):
        db.execute(
            "UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL"
            " AND token IS NOT ?",
            [timestamp(now()), user_id, keep],
        )


def user_for_session(
    db: Database,
    token: str,
    idle_timeout: timedelta | None = None,
    *,
    two_factor_for_administrators: bool = True,
) -> SignedInUser | None:
    """The user whose live session has this token. A session past its lifetime, or unused for
    `idle_timeout`, signs no one in and is removed; one in use has its last use noted."""
    moment = now()
    row = db.execute(
        """
        SELECT users.id, users.email, users.name, users.is_operator,
               users.totp_enabled_at IS NOT NULL, (
                   (:strict AND users.is_operator) OR EXISTS (
                       SELECT 1 FROM active_memberships AS m JOIN boards ON boards.id = m.board_id
                       WHERE m.user_id = users.id
                         AND ((:strict AND m.role = 'administrator') OR boards.requires_two_factor)
                   )
               ),
               sessions.expires_at, coalesce(sessions.last_used_at, sessions.created_at)
        FROM sessions JOIN users ON users.id = sessions.user_id
        WHERE sessions.token = :token AND sessions.ended_at IS NULL
        """,
        {"token": token, "strict": int(two_factor_for_administrators)},
    ).fetchone()
    if row is None:
        return None
    user_id, email, name, is_operator, two_factor_on, needs_two_factor = row[:6]
    expires_at, last_used_at = row[6:]
    idle_since = timestamp(moment - idle_timeout) if idle_timeout else ""
    if expires_at <= timestamp(moment) or last_used_at <= idle_since:
        with write_transaction(db):
            db.execute("DELETE FROM sessions WHERE token = ?", [token])
        return None
    if last_used_at <= timestamp(moment - LAST_USE_PRECISION):
        with write_transaction(db):
            db.execute(
                "UPDATE sessions SET last_used_at = ? WHERE token = ?", [timestamp(moment), token]
            )
    return SignedInUser(
        user_id,
        email,
        name,
        session_token=token,
        is_operator=bool(is_operator),
        two_factor_on=bool(two_factor_on),
        needs_two_factor=bool(needs_two_factor),
    )


def user_by_email(db: Database, email: str) -> dict | None:
    """The account with this email address (any case), or None."""
    return next(db.query("SELECT * FROM users WHERE email = ?", [email.strip()]), None)


def has_access(db: Database, user_id: int) -> bool:
    """Whether the account may sign in: an operator, or active on a board not archived."""
    return bool(
        db.execute(
            "SELECT is_operator OR EXISTS (SELECT 1 FROM active_memberships WHERE user_id = ?)"
            " FROM users WHERE id = ?",
            [user_id, user_id],
        ).fetchone()[0]
    )


def set_password(
    db: Database, user_id: int, password: str, actor: audit.Actor, *, keep_session: str | None
) -> None:
    """Give the user a new password and end every session but `keep_session`; raises
    AccountError, changing nothing, when the password rule refuses it."""
    user = db["users"].get(user_id)
    problem = password_problem(password, email=user["email"])
    if problem:
        raise AccountError(problem)
    with write_transaction(db):
        audit.update(db, "users", user_id, {"password_hash": _hasher.hash(password)}, actor)
        end_all_sessions(db, user_id, keep=keep_session)


def memberships(db: Database, user_id: int) -> list[dict]:
    """The boards the user belongs to, with their role on each."""
    return list(
        db.query(
            """
            SELECT boards.id AS board_id, boards.name AS board, memberships.role,
                   memberships.person_id
            FROM active_memberships AS memberships JOIN boards ON boards.id = memberships.board_id
            WHERE memberships.user_id = ? ORDER BY boards.name
            """,
            [user_id],
        )
    )
