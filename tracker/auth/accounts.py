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

    def get_id(self) -> str:
        return self.session_token


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
    email = email.strip()
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem)
    if db.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchone():
        raise AccountError(f"A user with the email {email} already exists")
    with write_transaction(db):
        user_id = audit.insert(
            db,
            "users",
            {"email": email, "name": name.strip(), "password_hash": _hasher.hash(password)},
            actor,
        )
        audit.insert(
            db,
            "memberships",
            {"user_id": user_id, "board_id": board_id, "role": role, "person_id": person_id},
            actor,
        )
    return user_id


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


def is_throttled(db: Database, email: str, max_failures: int, window: timedelta) -> bool:
    """Whether this email has failed to sign in `max_failures` times within `window`
    since its last successful sign-in."""
    since = timestamp(now() - window)
    failures = db.execute(
        """
        SELECT count(*) FROM sign_in_attempts
        WHERE email = :email AND succeeded = 0 AND attempted_at > :since
          AND attempted_at > coalesce(
              (SELECT max(attempted_at) FROM sign_in_attempts
               WHERE email = :email AND succeeded = 1), '')
        """,
        {"email": email.strip(), "since": since},
    ).fetchone()[0]
    return failures >= max_failures


def record_attempt(db: Database, email: str, remote_addr: str, succeeded: bool) -> None:
    """Remember a sign-in attempt, for the throttle."""
    with write_transaction(db):
        db["sign_in_attempts"].insert(
            {
                "email": email.strip()[:254],
                "remote_addr": remote_addr[:64],
                "succeeded": int(succeeded),
                "attempted_at": timestamp(now()),
            }
        )


def start_session(db: Database, user_id: int, lifetime: timedelta) -> str:
    """Open a new server-side session for the user and return its random token."""
    token = secrets.token_urlsafe(32)
    started = now()
    with write_transaction(db):
        db["sessions"].insert(
            {
                "token": token,
                "user_id": user_id,
                "created_at": timestamp(started),
                "last_used_at": timestamp(started),
                "expires_at": timestamp(started + lifetime),
            }
        )
    return token


def end_session(db: Database, token: str) -> None:
    """Close a session so its cookie no longer signs anyone in."""
    with write_transaction(db):
        db.execute(
            "UPDATE sessions SET ended_at = ? WHERE token = ? AND ended_at IS NULL",
            [timestamp(now()), token],
        )


def user_for_session(
    db: Database, token: str, idle_timeout: timedelta | None = None
) -> SignedInUser | None:
    """The user whose live session has this token. A session past its lifetime, or unused for
    `idle_timeout`, signs no one in and is removed; one in use has its last use noted."""
    moment = now()
    row = db.execute(
        """
        SELECT users.id, users.email, users.name, sessions.expires_at,
               coalesce(sessions.last_used_at, sessions.created_at)
        FROM sessions JOIN users ON users.id = sessions.user_id
        WHERE sessions.token = ? AND sessions.ended_at IS NULL
        """,
        [token],
    ).fetchone()
    if row is None:
        return None
    user_id, email, name, expires_at, last_used_at = row
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
    return SignedInUser(user_id, email, name, session_token=token)


def memberships(db: Database, user_id: int) -> list[dict]:
    """The boards the user belongs to, with their role on each."""
    return list(
        db.query(
            """
            SELECT boards.id AS board_id, boards.name AS board, memberships.role,
                   memberships.person_id
            FROM memberships JOIN boards ON boards.id = memberships.board_id
            WHERE memberships.user_id = ? ORDER BY boards.name
            """,
            [user_id],
        )
    )
