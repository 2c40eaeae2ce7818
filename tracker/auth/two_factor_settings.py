"""Each account's two-factor sign-in: setting it up, checking codes, recovery codes, resets.

The pure parts (codes, secrets, QR codes) are in tracker/auth/two_factor.py; this module keeps
them in the database. The secret is stored sealed with a key derived from the app's secret key,
and recovery codes as keyed hashes, so the database alone gives neither away.
"""

from sqlite_utils import Database

from tracker import audit
from tracker.auth import two_factor
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction


class Keys:
    """What the app's secret key gives two-factor sign-in: the box secrets are sealed in, and
    the pepper recovery codes are hashed with."""

    def __init__(self, secret_key: str):
        self.box = two_factor.SecretBox(secret_key)
        self.pepper = two_factor.recovery_code_pepper(secret_key)


def start_set_up(db: Database, user_id: int, keys: Keys) -> str:
    """A new secret for the user to add to their app, kept until they confirm it with a code;
    a secret already waiting is offered again, so reloading the page does not change the QR
    code under them."""
    with write_transaction(db):
        row = db.execute(
            "SELECT totp_secret, totp_enabled_at FROM users WHERE id = ?", [user_id]
        ).fetchone()
        if row[0] and not row[1]:
            waiting = keys.box.open(row[0])
            if waiting:
                return waiting
        secret = two_factor.new_secret()
        db.execute(
            "UPDATE users SET totp_secret = ?, totp_enabled_at = NULL, totp_last_step = NULL"
            " WHERE id = ? AND totp_enabled_at IS NULL",
            [keys.box.seal(secret), user_id],
        )
    return secret


def confirm_set_up(
    db: Database, user_id: int, code: str, keys: Keys, actor: audit.Actor
) -> list[str] | None:
    """Turn two-factor sign-in on if `code` matches the waiting secret; returns the new
    recovery codes to show once, or None (changing nothing) when the code does not match."""
    with write_transaction(db):
        row = db.execute(
            "SELECT totp_secret, totp_enabled_at FROM users WHERE id = ?", [user_id]
        ).fetchone()
        if not row[0] or row[1]:
            return None
        secret = keys.box.open(row[0])
        step = secret and two_factor.matching_step(secret, code, last_used_step=None)
        if step is None or not secret:
            return None
        audit.update(
            db,
            "users",
            user_id,
            {
                "totp_enabled_at": timestamp(now()),
                "totp_last_step": step,
                "recovery_codes_made_at": timestamp(now()),
            },
            actor,
        )
        return _replace_recovery_codes(db, user_id, keys)


def new_recovery_codes(db: Database, user_id: int, keys: Keys, actor: audit.Actor) -> list[str]:
    """Ten new recovery codes for the user; the old ones stop working."""
    with write_transaction(db):
        codes = _replace_recovery_codes(db, user_id, keys)
        audit.update(db, "users", user_id, {"recovery_codes_made_at": timestamp(now())}, actor)
    return codes


def _replace_recovery_codes(db: Database, user_id: int, keys: Keys) -> list[str]:
    codes = two_factor.new_recovery_codes()
    db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [user_id])
    db["recovery_codes"].insert_all(
        {"user_id": user_id, "code_hash": two_factor.recovery_code_hash(code, keys.pepper)}
        for code in codes
    )
    return codes


def check_code(db: Database, user_id: int, code: str, keys: Keys) -> str | None:
    """Whether `code` lets the user in: "app" for a code from their authenticator app (which
    then cannot be used again), "recovery" for a recovery code (used up), None otherwise."""
    with write_transaction(db):
        row = db.execute(
            "SELECT totp_secret, totp_last_step FROM users WHERE id = ?"
            " AND totp_enabled_at IS NOT NULL",
            [user_id],
        ).fetchone()
        if row is None:
            return None
        secret = keys.box.open(row[0]) if row[0] else None
        step = secret and two_factor.matching_step(secret, code, last_used_step=row[1])
        if step is not None and secret:
            db.execute("UPDATE users SET totp_last_step = ? WHERE id = ?", [step, user_id])
            return "app"
        if two_factor.normalise_recovery_code(code) is None:
            return None
        used = db.execute(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ?"
            " AND used_at IS NULL",
            [timestamp(now()), user_id, two_factor.recovery_code_hash(code, keys.pepper)],
        ).rowcount
        return "recovery" if used else None


def recovery_codes_left(db: Database, user_id: int) -> int:
    """How many of the user's recovery codes are still unused."""
    return scalar(
        db, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", user_id
    )


def reset_two_factor(db: Database, user_id: int, actor: audit.Actor) -> None:
    """Turn the user's two-factor sign-in off, so they set it up again at their next sign-in
    (when it is required) with a new secret; their recovery codes stop working."""
    with write_transaction(db):
        audit.update(
            db,
            "users",
            user_id,
            {
                "totp_secret": None,
                "totp_enabled_at": None,
                "totp_last_step": None,
                "recovery_codes_made_at": None,
            },
            actor,
        )
        db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [user_id])
