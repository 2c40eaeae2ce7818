"""Rate-limit counters in a SQLite file, so every gunicorn worker on the server counts together.

`limits` (the library under Flask-Limiter) keeps counters in memory by default: each worker
process would then count on its own and a client could make as many attempts again per worker.
Importing this module registers the ``sqlite`` scheme with `limits`, so a storage URI such as
``sqlite:////var/lib/tracker/rate-limits.db`` (absolute) or ``sqlite:///rate-limits.db``
(relative to the working folder) selects this storage. ``?timeout=SECONDS`` sets how long a
write waits for another process's write to finish (5 seconds unless given).

All three of the library's strategies are supported:

- fixed window: one counter row per key that starts on its first hit and expires with its window;
- moving window: one row per accepted hit, counted over the last window's length;
- sliding window counter: fixed-window counters for this window and the one before, weighted.

Every change is one ``BEGIN IMMEDIATE`` transaction: it takes the database's write lock before
reading, so two processes can never both read a count of 99 and both let the 100th request in.
Expired rows are deleted at most once a minute per process, inside a write that already holds
the lock, so the file stays the size of the traffic in the longest window.

The standard library's sqlite3 is used rather than sqlite-utils, because the point of this
module is the exact transaction each counter update runs in.
"""

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from math import floor
from pathlib import Path
from typing import ClassVar

from limits.errors import ConfigurationError
from limits.storage import MovingWindowSupport, SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_PRUNE_INTERVAL_SECONDS = 60.0
# The file holds client addresses: personal data that only the tracker's own user may read.
FILE_MODE = 0o600

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS counters_by_expiry ON counters (expires_at);
CREATE TABLE IF NOT EXISTS window_entries (
    key TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    weight INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS window_entries_by_key ON window_entries (key, acquired_at);
CREATE INDEX IF NOT EXISTS window_entries_by_expiry ON window_entries (expires_at);
"""

# A live counter adds to its count; an expired one starts a new window from this hit. In an
# UPDATE every expression sees the row as it was, so both CASEs test the old expiry.
INCREMENT = """
INSERT INTO counters (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at > :now THEN count + :amount ELSE :amount END,
    expires_at = CASE WHEN expires_at > :now THEN expires_at ELSE :now + :expiry END
RETURNING count
"""


def database_path(uri: str) -> Path:
    """The file a ``sqlite:///`` storage URI names.

    As in SQLAlchemy, the path is everything after the third slash, so a fourth slash makes it
    absolute. Percent-escapes are decoded, so a path with ``#`` or ``?`` in it can be given.
    """
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "sqlite" or parsed.netloc:
        raise ConfigurationError(f"A SQLite storage URI starts with sqlite:/// (got {uri})")
    path = urllib.parse.unquote(parsed.path[1:])
    if not path or path == ":memory:":
        raise ConfigurationError(
            f"A SQLite storage URI must name a file that every worker can open (got {uri})"
        )
    return Path(path)


class SQLiteStorage(
    Storage, MovingWindowSupport, SlidingWindowCounterSupport, TimestampedSlidingWindow
):
    """Counters for `limits` in a SQLite file that several processes and threads share."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        timeout: float | None = None,
        prune_interval: float = DEFAULT_PRUNE_INTERVAL_SECONDS,
        **options: float | str | bool,
    ) -> None:
        """Open (creating if need be) the file `uri` names, with its folder and tables.

        `timeout` is how long a write waits for the lock, overriding the URI's ``timeout``;
        `prune_interval` is how many seconds apart this process deletes expired rows.
        """
        self.path = database_path(uri)
        query = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
        if timeout is None:
            timeout = float(query.get("timeout", [DEFAULT_TIMEOUT_SECONDS])[0])
        self.timeout = timeout
        self.prune_interval = prune_interval
        self._next_prune = 0.0
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._create()

    def _create(self) -> None:
        """Make the folder, the owner-only file and the tables.

        The connection used here is closed at once: under gunicorn the app is made in the
        master process before it forks the workers, and SQLite forbids using a connection
        opened before a fork in the child.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Made with the owner-only mode from the start, so the file is never readable by others,
        # even for a moment; chmod as well in case it was made before with a looser mode. SQLite
        # gives its -wal and -shm files the database file's mode.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, FILE_MODE))
        self.path.chmod(FILE_MODE)
        connection = self._connect()
        try:
            # WAL lets the many reads (checking a limit) go on while one write commits, and the
            # mode is kept in the file, so every later connection uses it.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(SCHEMA)
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None leaves transactions to us: the module's own BEGIN IMMEDIATE.
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        # A counter lost in a power cut is harmless; waiting for a disk flush on every request
        # is not.
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection in this process, opened on first use.

        sqlite3 connections belong to the thread that made them, and gunicorn's threaded
        workers serve requests from several threads, so each thread has its own. They are kept
        per process id as well: a connection that came through a fork belongs to the parent
        and is left alone, not used or closed.
        """
        connections = self._local.__dict__.setdefault("by_process", {})
        process = os.getpid()
        if process not in connections:
            connections[process] = self._connect()
        return connections[process]

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A transaction holding the write lock from its first read to its commit."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _prune_if_due(self, connection: sqlite3.Connection, now: float) -> None:
        if now >= self._next_prune:
            self._next_prune = now + self.prune_interval
            self._delete_expired(connection, now)

    @staticmethod
    def _delete_expired(connection: sqlite3.Connection, now: float) -> int:
        counters = connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        entries = connection.execute("DELETE FROM window_entries WHERE expires_at <= ?", (now,))
        return counters.rowcount + entries.rowcount

    def prune_expired(self) -> int:
        """Delete every expired counter and moving-window entry now; return how many rows."""
        with self._write() as connection:
            return self._delete_expired(connection, time.time())

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """The errors that mean the storage itself failed."""
        return sqlite3.Error

    # Fixed window

    def incr(self, key: str, expiry: int | float, amount: int = 1) -> int:
        """Add `amount` to `key`'s count, starting a window of `expiry` seconds if it has
        none; return the new count."""
        now = time.time()
        with self._write() as connection:
            self._prune_if_due(connection, now)
            return self._increment(connection, key, expiry, amount, now)

    @staticmethod
    def _increment(
        connection: sqlite3.Connection, key: str, expiry: float, amount: int, now: float
    ) -> int:
        parameters = {"key": key, "amount": amount, "now": now, "expiry": expiry}
        return connection.execute(INCREMENT, parameters).fetchone()[0]

    def get(self, key: str) -> int:
        """`key`'s count in its current window, 0 if it has none."""
        return self._count(self._connection(), key, time.time())

    @staticmethod
    def _count(connection: sqlite3.Connection, key: str, now: float) -> int:
        row = connection.execute(
            "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When `key`'s current window ends (seconds since the epoch); now if it has none."""
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, now))
            .fetchone()
        )
        return row[0] if row else now

    def check(self) -> bool:
        """Whether the file can be read; Flask-Limiter asks this to notice a recovery."""
        try:
            self._connection().execute("SELECT count(*) FROM counters").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every limit; return how many rows were deleted."""
        with self._write() as connection:
            counters = connection.execute("DELETE FROM counters")
            entries = connection.execute("DELETE FROM window_entries")
            return counters.rowcount + entries.rowcount

    def clear(self, key: str) -> None:
        """Forget `key`'s count and moving-window entries."""
        with self._write() as connection:
            connection.execute("DELETE FROM counters WHERE key = ?", (key,))
            connection.execute("DELETE FROM window_entries WHERE key = ?", (key,))

    # Moving window

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Record `amount` hits on `key` unless that would make more than `limit` in the last
        `expiry` seconds; return whether they were recorded."""
        if amount > limit:
            return False
        now = time.time()
        with self._write() as connection:
            self._prune_if_due(connection, now)
            (in_window,) = connection.execute(
                "SELECT coalesce(sum(weight), 0) FROM window_entries "
                "WHERE key = ? AND acquired_at >= ?",
                (key, now - expiry),
            ).fetchone()
            if in_window + amount > limit:
                return False
            connection.execute(
                "INSERT INTO window_entries (key, acquired_at, weight, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (key, now, amount, now + expiry),
            )
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """When the oldest hit in `key`'s last `expiry` seconds was, and how many hits there
        were; (now, 0) when there were none."""
        now = time.time()
        oldest, in_window = (
            self._connection()
            .execute(
                "SELECT min(acquired_at), coalesce(sum(weight), 0) FROM window_entries "
                "WHERE key = ? AND acquired_at >= ?",
                (key, now - expiry),
            )
            .fetchone()
        )
        return (oldest if oldest is not None else now), in_window

    # Sliding window counter

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """Count `amount` hits in `key`'s current window unless the weighted count of this
        window and the last would pass `limit`; return whether they were counted.

        The check and the increment are one transaction, so unlike stores that can only
        increment and then take back, a hit that loses a race is never counted.
        """
        if amount > limit:
            return False
        now = time.time()
        with self._write() as connection:
            self._prune_if_due(connection, now)
            previous, previous_ttl, current, _ = self._sliding_window(connection, key, expiry, now)
            if floor(previous * previous_ttl / expiry + current) + amount > limit:
                return False
            _, current_key = self.sliding_window_keys(key, expiry, now)
            # Twice the window, so the count is still there while it is the previous window.
            self._increment(connection, current_key, 2 * expiry, amount, now)
            return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        """The previous window's count and seconds left, and the current window's."""
        return self._sliding_window(self._connection(), key, expiry, time.time())

    def _sliding_window(
        self, connection: sqlite3.Connection, key: str, expiry: int, now: float
    ) -> tuple[int, float, int, float]:
        # The same arithmetic as limits' own storages, so the strategy reads them alike.
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous = self._count(connection, previous_key, now)
        current = self._count(connection, current_key, now)
        previous_ttl = (1 - (((now - expiry) / expiry) % 1)) * expiry if previous else 0.0
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, current, current_ttl

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        """Forget the counts of `key`'s current and previous windows."""
        for window_key in self.sliding_window_keys(key, expiry, time.time()):
            self.clear(window_key)
