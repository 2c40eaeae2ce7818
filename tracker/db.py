"""The SQLite database: one connection per request, migrations applied on open."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database

from migrations import migrations

BUSY_TIMEOUT_SECONDS = 5


def open_database(path: str | Path) -> Database:
    """Open (creating if need be) the database at `path` and bring its schema up to date."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    db = Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers carry on while one writer commits; NORMAL sync is safe against crashes.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    migrations.apply(db)
    return db


def scalar(db: Database, sql: str, *parameters):
    """The first column of the query's first row, or None when it finds no row."""
    row = db.execute(sql, list(parameters)).fetchone()
    return row[0] if row else None


def get_db() -> Database:
    """The request's database connection, opened on first use."""
    if "db" not in g:
        g.db = open_database(current_app.config["DATABASE"])
    return g.db


def close_db(_exception: BaseException | None = None) -> None:
    """Close the request's connection, if it opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One unit of work: all its writes land together or none do.

    BEGIN IMMEDIATE takes the write lock up front, so a concurrent writer waits for it
    (up to the busy timeout) instead of failing half-way through a read-then-write.
    Nested units become savepoints of the outer one.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def init_app(app: Flask) -> None:
    """Close connections after each request and make sure the schema is current at start."""
    app.teardown_appcontext(close_db)
    open_database(app.config["DATABASE"]).close()
