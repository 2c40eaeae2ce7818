"""Audited writes: every change to the data records who made it, when, and the row before and after.

Domain code writes through `insert`, `update` and `delete` here rather than through sqlite-utils
directly, so no change escapes the log. Call them inside a `write_transaction`, so the change
and its log entry land together.
"""

import hashlib
import json
from dataclasses import dataclass

from sqlite_utils import Database

# Never copied into the log: a short digest stands in, so the log still shows that a password or
# a two-factor secret changed without holding anything that could be used. Files (a kept pack's
# PDF) are logged by their size alone.
SECRET_COLUMNS = frozenset({"password_hash", "totp_secret", "code_hash"})


@dataclass(frozen=True)
class Actor:
    """Who is making a change (None for the system itself) and on which board's data."""

    user_id: int | None
    board_id: int | None


SYSTEM = Actor(user_id=None, board_id=None)


def insert(db: Database, table: str, row: dict, actor: Actor) -> int:
    """Insert `row` into `table` and log it; returns the new row's id."""
    row_id = db[table].insert(row).last_pk
    _log(db, actor, "insert", table, row_id, None, _row(db, table, row_id))
    return row_id


def update(db: Database, table: str, row_id: int, changes: dict, actor: Actor) -> None:
    """Apply `changes` to one row and log the row before and after (nothing if nothing changed)."""
    before = _row(db, table, row_id)
    if all(before.get(column) == value for column, value in changes.items()):
        return
    db[table].update(row_id, changes)
    _log(db, actor, "update", table, row_id, before, _row(db, table, row_id))


def delete(db: Database, table: str, row_id: int, actor: Actor) -> None:
    """Delete one row and log what it held."""
    before = _row(db, table, row_id)
    db[table].delete(row_id)
    _log(db, actor, "delete", table, row_id, before, None)


def record_change(
    db: Database,
    actor: Actor,
    action: str,
    table: str,
    row_id: int,
    before: dict | None,
    after: dict | None,
) -> None:
    """Log a change made without `insert`, `update` or `delete`: to a table keyed by several
    columns, which they cannot name by one id (the row's rowid stands in)."""
    _log(db, actor, action, table, row_id, before, after)


def _row(db: Database, table: str, row_id: int) -> dict:
    return dict(db[table].get(row_id))


def _log(db, actor, action, table, row_id, before, after) -> None:
    db["audit_log"].insert(
        {
            "user_id": actor.user_id,
            "board_id": actor.board_id,
            "action": action,
            "table_name": table,
            "row_id": row_id,
            "before": _as_json(before),
            "after": _as_json(after),
        }
    )


def _as_json(row: dict | None) -> str | None:
    if row is None:
        return None
    return json.dumps(
        {key: _loggable(key, value) for key, value in row.items()},
        ensure_ascii=False,
        sort_keys=True,
    )


def _loggable(column: str, value: object) -> object:
    if isinstance(value, bytes):
        return f"({len(value):,} bytes)"
    if column in SECRET_COLUMNS and value is not None:
        return f"(secret {hashlib.sha256(str(value).encode()).hexdigest()[:8]})"
    return value
