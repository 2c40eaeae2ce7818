"""Background jobs that failed after their retries, as a board's administrators are told."""

from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from tracker.uk_time import in_words, now

SHOWN_FOR_DAYS = 14


@dataclass(frozen=True)
class JobFailure:
    description: str  # "Sending the scheduled reminders"
    error: str
    failed_at: str  # in words, UK time


def recent_failures(db: Database, board_id: int) -> list[JobFailure]:
    """The board's job failures of the last SHOWN_FOR_DAYS days, latest first."""
    since = (now() - timedelta(days=SHOWN_FOR_DAYS)).strftime("%Y-%m-%dT%H:%M:%S")
    rows = db.execute(
        "SELECT description, error, failed_at FROM job_failures"
        " WHERE board_id = ? AND failed_at >= ? ORDER BY failed_at DESC, id DESC LIMIT 5",
        [board_id, since],
    ).fetchall()
    return [JobFailure(description, error, in_words(at)) for description, error, at in rows]
