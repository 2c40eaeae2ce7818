"""Rows that background jobs work on, claimed so that the work is done once.

A request for long work (a board pack, reading a report) is a row with a `state`, a `worker`
and `attempts`. The job claims its row by moving it from 'queued' to a working state under
its worker's name ("host:pid"); a job that finds the row already claimed, or finished, does
nothing. So a job queued twice (by a retry, or by a worker starting again) works once.

A worker killed mid-work leaves its row claimed. The next worker to start on that host finds
the claim's process gone and hands the row back to 'queued' (`abandoned`) to queue it again.
A row another host claimed is left to that host's next worker.
"""

import os
import socket

from sqlite_utils import Database

from tracker.auth.accounts import now, timestamp
from tracker.db import write_transaction


def worker_name() -> str:
    """This process as a claim names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(db: Database, table: str, row_id: int, working_state: str) -> bool:
    """Claim a queued row of `table` (a constant of the caller) for this worker: whether it
    was still queued."""
    with write_transaction(db):
        claimed = db.execute(
            f"UPDATE {table} SET state = ?, worker = ?, started_at = ?, attempts = attempts + 1"  # noqa: S608
            " WHERE id = ? AND state = 'queued'",
            [working_state, worker_name(), timestamp(now()), row_id],
        ).rowcount
    return claimed == 1


def abandoned(db: Database, table: str, in_hand: tuple[str, ...]) -> list[int]:
    """The rows of `table` in the states `in_hand` that no running job will finish: claimed by
    a worker of this host that is no longer running, or still queued (their job may have gone
    with a killed worker; a second job for one is harmless, as only one can claim it). Claimed
    ones go back to 'queued'. For a worker to queue again as it starts."""
    host = socket.gethostname()
    handed_back = []
    marks = ", ".join("?" for _ in in_hand)
    with write_transaction(db):
        rows = db.execute(
            f"SELECT id, worker FROM {table} WHERE state IN ({marks}) ORDER BY id",  # noqa: S608
            list(in_hand),
        ).fetchall()
        for row_id, worker in rows:
            if worker is not None:
                worker_host, _, pid = worker.rpartition(":")
                if worker_host != host or _running(int(pid)):
                    continue
                db.execute(
                    f"UPDATE {table} SET state = 'queued', worker = NULL WHERE id = ?",  # noqa: S608
                    [row_id],
                )
            handed_back.append(row_id)
    return handed_back


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
