"""Background jobs that failed after their retries, as a board's administrators are told.

A failure is shown for SHOWN_FOR_DAYS days, or until someone dismisses it: an administrator of
its board, or an operator for a failure of the whole installation (board_id NULL). Dismissing
sets seen_at, in the audit log, and keeps the row.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import timestamp
from tracker.db import write_transaction
from tracker.uk_time import in_words, now

SHOWN_FOR_DAYS = 14


class JobFailed(RuntimeError):
    """What a job raises when its work could not all be done: str() says what and why, in
    words; `board_ids` whose administrators are told if it still fails after the retries. A
    retry does only what is still undone."""

    def __init__(self, message: str, board_ids: list[int]):
        super().__init__(message)
        self.board_ids = board_ids


SHOWN_AT_MOST = 5


@dataclass(frozen=True)
class JobFailure:
    description: str  # "Sending the scheduled reminders"
    error: str
    failed_at: str  # in words, UK time
    id: int


def recent_failures(db: Database, board_id: int) -> list[JobFailure]:
    """The board's job failures of the last SHOWN_FOR_DAYS days not yet dismissed, latest
    first."""
    return _recent(db, "board_id = ?", [board_id])


def installation_failures(db: Database) -> list[JobFailure]:
    """Failures of jobs for the whole installation (no board's), for the operators, as
    `recent_failures`."""
    return _recent(db, "board_id IS NULL", [])


def dismiss_failure(
    db: Database, failure_id: int, board_id: int | None, actor: audit.Actor
) -> bool:
    """Mark the failure seen, so it is no longer shown; returns False, changing nothing, when
    `failure_id` is not a failure of `board_id` (None: of the whole installation) still to be
    dismissed."""
    with write_transaction(db):
        found = db.execute(
            "SELECT id FROM job_failures WHERE id = ? AND board_id IS ? AND seen_at IS NULL",
            [failure_id, board_id],
        ).fetchone()
        if found is None:
            return False
        audit.update(db, "job_failures", failure_id, {"seen_at": timestamp(now())}, actor)
    return True


def _recent(db: Database, which: str, parameters: list) -> list[JobFailure]:
    since = (now() - timedelta(days=SHOWN_FOR_DAYS)).strftime("%Y-%m-%dT%H:%M:%S")
    rows = db.execute(
        "SELECT id, description, error, failed_at FROM job_failures"  # noqa: S608 - constants
        f" WHERE {which} AND seen_at IS NULL AND failed_at >= ?"
        " ORDER BY failed_at DESC, id DESC LIMIT ?",
        [*parameters, since, SHOWN_AT_MOST],
    ).fetchall()
    return [
        JobFailure(description, error, in_words(at), failure_id)
        for failure_id, description, error, at in rows
    ]
