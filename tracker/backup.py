"""Backing up the database while the tracker runs, and restoring a backup.

A backup is taken with SQLite's online backup, so it is one consistent moment of the data even
while people are saving updates. It is checked before it is kept, and appears under its name
only once it is whole: a backup that stops half-way leaves nothing that looks like a backup.
Restoring checks the file, brings its schema up to date on a working copy, keeps the database
as it was, and only then replaces the data, in one transaction.

Evidence files and the secret key live outside the database: they are copied separately.
"""

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Blueprint, current_app
from sqlite_utils import Database

from migrations import migrations
from tracker.auth.accounts import now, timestamp
from tracker.db import BUSY_TIMEOUT_SECONDS, open_database, write_transaction
from tracker.reports.formats import describe_size

bp = Blueprint("backup", __name__, cli_group=None)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass(frozen=True)
class DatabaseSummary:
    """What a checked database holds: enough for an operator to recognise it."""

    size: int
    plans: int
    updates: int  # revisions of progress updates: every save is kept
    latest_migration: str


@dataclass(frozen=True)
class RestoreResult:
    """The database as restored, and where the one it replaced was kept."""

    restored: DatabaseSummary
    kept_as: Path | None


def back_up(live: Path, target: Path) -> DatabaseSummary:
    """Copy the live database to `target` while the tracker may be running; returns what the
    copy holds. Raises BackupError, changing nothing, if the copy cannot be made or checked."""
    live, target = Path(live), Path(target)
    if _same_path(live, target):
        raise BackupError(f"{target} is the live database: choose another file for the backup.")
    if target.exists():
        raise BackupError(
            f"{target} already exists: choose a new file name, so no earlier backup is lost."
        )
    if not target.parent.is_dir():
        raise BackupError(f"There is no folder {target.parent}: create it first.")
    if not live.is_file():
        raise BackupError(f"There is no database at {live} to back up.")
    try:
        with _partial_file_beside(target) as partial:
            with closing(_connect(live)) as source, closing(sqlite3.connect(partial)) as copy:
                _copy_all(source, copy, live)
                # A backup is one file that stands alone, with no write-ahead log beside it.
                copy.execute("PRAGMA journal_mode = DELETE")
                # The copy is page for page: a fault found in it is the live database's.
                summary = summarise(copy, live)
            _durably_rename(partial, target)
    except OSError as error:
        raise BackupError(f"The backup could not be written to {target} ({error}).") from None
    return summary


def summarise(connection: sqlite3.Connection, path: Path) -> DatabaseSummary:
    """Check that the database is whole and is the tracker's, and say what it holds.
    Raises BackupError if SQLite's integrity check fails or the tracker's schema is missing."""
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
    except sqlite3.DatabaseError as error:
        if error.sqlite_errorname == "SQLITE_NOTADB":
            raise BackupError(f"{path} could not be read as a database ({error}).") from None
        problems = [str(error)]
    if problems != ["ok"]:
        shown = "; ".join(problems[:3]) + (" and more" if len(problems) > 3 else "")
        raise BackupError(f"{path} failed SQLite's integrity check: {shown}.")
    applied = [migration.name for migration in migrations.applied(Database(connection))]
    if not applied:
        raise BackupError(f"{path} is not a tracker database: it has no tracker schema.")
    newer = set(applied) - set(known_migrations())
    if newer:
        raise BackupError(
            f"{path} was made by a newer version of the tracker (it has schema steps"
            f" {', '.join(sorted(newer))}): upgrade the tracker first."
        )

    def first(sql: str) -> int:
        return connection.execute(sql).fetchone()[0]

    return DatabaseSummary(
        # The database's own size, which a file in write-ahead mode only reaches at checkpoint.
        size=first("PRAGMA page_count") * first("PRAGMA page_size"),
        plans=first("SELECT count(*) FROM plans"),
        updates=first("SELECT count(*) FROM progress_updates"),
        latest_migration=applied[-1],
    )


def known_migrations() -> list[str]:
    """The names of every schema step this version of the tracker knows, in order."""
    return [migration.name for migration in migrations.pending(Database(memory=True))]


def check_backup(path: Path) -> DatabaseSummary:
    """Check a backup file without changing it; raises BackupError if it cannot be restored."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    with closing(_connect(path, read_only=True)) as connection:
        return summarise(connection, path)


def restore(live: Path, backup: Path, moment: datetime) -> RestoreResult:
    """Replace the live database's data with the backup's, keeping the database as it was
    beside it (named for `moment`). The backup is checked and brought up to the current schema
    on a working copy first, so a bad backup changes nothing. Raises BackupError."""
    live, backup = Path(live), Path(backup)
    if _same_path(live, backup):
        raise BackupError(f"{backup} is the live database itself: name a backup to restore.")
    check_backup(backup)
    with _partial_file_beside(live) as staged:
        with (
            closing(_connect(backup, read_only=True)) as source,
            closing(sqlite3.connect(staged)) as copy,
        ):
            _copy_all(source, copy, backup)
        try:
            _bring_up_to_date(staged)
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"{backup} could not be brought up to this version's schema ({error})."
            ) from None
        with closing(sqlite3.connect(staged)) as migrated:
            restored = summarise(migrated, backup)
        kept_as = None
        if live.is_file():
            kept_as = live.with_name(f"{live.name}.before-restore-{moment:%Y%m%dT%H%M%SZ}")
            back_up(live, kept_as)
        with closing(sqlite3.connect(staged)) as source, closing(_connect(live)) as target:
            # One step copies every page inside one write transaction on the live database:
            # anyone reading sees the old data or the restored data, never a mixture, and a
            # failure part-way leaves the old data as it was.
            _copy_all(source, target, backup)
    return RestoreResult(restored=restored, kept_as=kept_as)


def _bring_up_to_date(path: Path) -> None:
    """Apply the schema steps the backup predates, and sign everyone out: a session ended
    since the backup was taken must not come back to life with it."""
    db = open_database(path)
    try:
        with write_transaction(db):
            db.execute(
                "UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL",
                [timestamp(now())],
            )
    finally:
        db.close()


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        # A backup being restored is only read: opening it must not change the file.
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)


def _copy_all(source: sqlite3.Connection, target: sqlite3.Connection, named: Path) -> None:
    try:
        source.backup(target)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{named} could not be copied ({error}).") from None


@contextmanager
def _partial_file_beside(path: Path) -> Iterator[Path]:
    """A new private file in `path`'s folder (so renaming it over is atomic), removed with any
    SQLite files beside it unless it has been renamed into place."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)  # mkstemp made it readable by its owner only, as the data needs
    partial = Path(name)
    try:
        yield partial
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)


def _durably_rename(partial: Path, target: Path) -> None:
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _same_path(first: Path, second: Path) -> bool:
    if first.resolve() == second.resolve():
        return True
    return first.exists() and second.exists() and first.samefile(second)


@bp.cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path):
    """Copy the database to FILE, safely while the tracker is running.

    FILE must not exist yet. The copy is checked with SQLite's integrity check and appears
    only when it is complete. Evidence files are not in the database: copy that folder too.
    """
    live = Path(current_app.config["DATABASE"])
    try:
        summary = back_up(live, file)
    except BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    click.echo(f"Backed up {live} to {file.resolve()}")
    click.echo(f"Integrity check: ok. {_describe(summary)}")
    click.echo(
        "Evidence files are kept outside the database: copy"
        f" {current_app.config['EVIDENCE_FOLDER']} as well."
    )


@bp.cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
def restore_command(file: Path, yes: bool):
    """Replace the database's data with the backup in FILE. Stop the tracker first.

    FILE is checked first, and brought up to this version's schema; the database as it was
    is kept beside it, named .before-restore-<time>. Everyone has to sign in again.
    """
    live = Path(current_app.config["DATABASE"])
    try:
        found = check_backup(file)
    except BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    click.echo(f"{file} passed the integrity check. {_describe(found)}")
    if not yes and not click.confirm(f"Replace the data in {live} with it?"):
        raise click.ClickException("Nothing was changed.")
    try:
        result = restore(live, file, datetime.now(UTC))
    except BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from None
    click.echo(f"Restored {file} into {live}. {_describe(result.restored)}")
    if result.kept_as:
        click.echo(f"The database as it was before is kept at {result.kept_as}")
    click.echo(
        "Restore the evidence files from the same backup into"
        f" {current_app.config['EVIDENCE_FOLDER']}. Everyone has to sign in again."
    )


def _describe(summary: DatabaseSummary) -> str:
    plans = "1 plan" if summary.plans == 1 else f"{summary.plans:,} plans"
    updates = (
        "1 progress update revision"
        if summary.updates == 1
        else f"{summary.updates:,} progress update revisions"
    )
    return (
        f"{describe_size(summary.size)}: {plans}, {updates};"
        f" schema up to {summary.latest_migration}."
    )
