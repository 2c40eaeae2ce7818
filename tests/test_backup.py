"""`flask backup` makes a checked copy of the database while the tracker runs, and
`flask restore` puts one back: refusing, and changing nothing, whenever it cannot be done."""

import re
import sqlite3
import stat
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import EMAIL_OF_ROLE, csrf_token, form_state, sign_in
from tracker import audit
from tracker.backup import BackupError, back_up
from tracker.db import open_database, write_transaction


def live_files(database_path: Path) -> set[str]:
    """The files in the live database's folder, SQLite's own -wal and -shm aside."""
    return {
        path.name
        for path in database_path.parent.iterdir()
        if not path.name.endswith(("-wal", "-shm"))
    }


def integrity(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


def add_person(db, name: str) -> None:
    """One unit of work as the app does it: the person and their audit entry together."""
    with write_transaction(db):
        audit.insert(db, "people", {"board_id": 1, "name": name}, audit.Actor(1, 1))


# Backing up


def test_a_backup_is_a_checked_copy_that_stands_alone(runner, count_rows, tmp_path):
    target = tmp_path / "backups" / "tracker-2023-01-31.db"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"to {target}" in result.output
    assert "Integrity check: ok" in result.output
    assert "1 plan, 10 progress update revisions" in result.output
    assert "evidence" in result.output.lower()

    # Not in write-ahead mode (header bytes 18 and 19 are 1), and nothing beside it: the one
    # file is the whole copy.
    assert target.read_bytes()[18:20] == b"\x01\x01"
    assert [path.name for path in target.parent.iterdir()] == [target.name]
    # It holds password hashes and session tokens: readable by its owner only.
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert integrity(target) == ["ok"]
    with closing(sqlite3.connect(target)) as copy:
        tables = [
            row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        counts = {
            table: copy.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]  # noqa: S608
            for table in tables
        }
    assert counts == count_rows()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("exists.db", "already exists"),
        ("no-such-folder/backup.db", "There is no folder"),
        ("tracker.db", "is the live database"),
    ],
)
def test_a_backup_that_would_overwrite_or_has_nowhere_to_go_is_refused(
    runner, database_path, count_rows, name, message
):
    (database_path.parent / "exists.db").write_bytes(b"an earlier backup")
    before, files = count_rows(), live_files(database_path)
    result = runner.invoke(args=["backup", str(database_path.parent / name)])
    assert result.exit_code == 1
    assert message in result.output
    assert (database_path.parent / "exists.db").read_bytes() == b"an earlier backup"
    assert count_rows() == before
    assert live_files(database_path) == files  # no half-made copy left behind


def test_there_must_be_a_database_to_back_up(tmp_path):
    with pytest.raises(BackupError, match="There is no database"):
        back_up(tmp_path / "never-made.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def test_a_backup_does_not_wait_for_a_write_in_progress_nor_include_it(
    runner, db, database_path, tmp_path
):
    people = db["people"].count
    writer = open_database(database_path)
    writer.execute("BEGIN IMMEDIATE")
    writer["people"].insert({"board_id": 1, "name": "Not yet committed"})
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "during.db")])
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert result.exit_code == 0, result.output
    copy = open_database(tmp_path / "during.db")
    assert copy["people"].count == people
    copy.close()
    assert db["people"].count == people + 1


def test_a_backup_taken_while_people_are_saving_is_one_consistent_moment(
    runner, database_path, tmp_path
):
    """Every unit of work is in the copy whole (the person with their audit entry) or not at
    all, even though the writes go on before, during and after the backup."""
    stop, written = threading.Event(), []

    def keep_writing():
        writer = open_database(database_path)
        while not stop.is_set():
            add_person(writer, f"Writer {len(written) + 1}")
            written.append(1)
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        _wait_for(lambda: len(written) >= 5)
        result = runner.invoke(args=["backup", str(tmp_path / "busy.db")])
        in_flight = len(written)
        _wait_for(lambda: len(written) >= in_flight + 5)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output

    copy = open_database(tmp_path / "busy.db")
    people = copy.execute("SELECT count(*) FROM people WHERE name LIKE 'Writer %'").fetchone()[0]
    logged = copy.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'people' AND after LIKE '%Writer %'"
    ).fetchone()[0]
    copy.close()
    assert 5 <= people < len(written)
    assert logged == people


def _wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# Restoring


def add_person_through_the_form(client, name: str):
    return client.post(
        "/boards/1/people/new",
        data={"csrf_token": csrf_token(client, "/boards/1/people/new"), "name": name},
    )


def save_draft_through_the_form(client, recommendation_id: int, narrative: str):
    path = f"/recommendations/{recommendation_id}/update"
    page = client.get(path).text
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            **form_state(page),
            "action": "draft",
            "status": "green",
            "narrative": narrative,
        },
    )


def test_restoring_a_backup_brings_back_the_data_as_it_was(
    runner, client, db, database_path, tmp_path
):
    assert sign_in(client, EMAIL_OF_ROLE["administrator"]).status_code == 302
    backup = tmp_path / "before-the-changes.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    at_backup = _contents(db)

    assert add_person_through_the_form(client, "Added after the backup").status_code == 302
    assert save_draft_through_the_form(client, 3, "Saved after the backup").status_code == 302
    assert _contents(db) != at_backup

    result = runner.invoke(args=["restore", str(backup)], input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Restored {backup}" in result.output
    assert _contents(db) == at_backup
    assert integrity(database_path) == ["ok"]

    # The database as it was just before the restore is kept, changes and all.
    kept = re.search(r"kept at (\S+)", result.output)[1]
    assert Path(kept).parent == database_path.parent
    assert re.fullmatch(r"tracker\.db\.before-restore-\d{8}T\d{6}Z", Path(kept).name)
    with closing(sqlite3.connect(kept)) as connection:
        names = connection.execute("SELECT name FROM people").fetchall()
    assert ("Added after the backup",) in names

    # Sessions come back from the backup ended: everyone signs in again.
    assert client.get("/plans/1").status_code == 302
    assert sign_in(client, EMAIL_OF_ROLE["administrator"]).status_code == 302
    page = client.get("/boards/1/people").text
    assert "Added after the backup" not in page


def _contents(db) -> dict:
    """The plan data a restore must bring back: people, updates, and the audit log."""
    return {
        table: db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()  # noqa: S608
        for table in ("people", "progress_updates", "audit_log", "recommendations")
    }


def _tracker_backup(runner, tmp_path) -> Path:
    path = tmp_path / "good.db"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    return path


def _corrupt(path: Path) -> Path:
    """Overwrite the first page of the recommendations table with noise."""
    with closing(sqlite3.connect(path)) as connection:
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'recommendations'"
        ).fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 64)
    return path


def _index_out_of_step(path: Path) -> Path:
    """Redefine an index behind SQLite's back, so its entries no longer match the table."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA writable_schema = ON")
        with connection:
            connection.execute(
                "UPDATE sqlite_master SET sql = 'CREATE INDEX people_by_board ON people (email)'"
                " WHERE name = 'people_by_board'"
            )
    return path


def _from_the_future(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('tracker', 'm999_from_a_later_version', '2030-01-01')"
        )
    return path


def _other_database(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda runner, tmp: tmp / "missing.db", "There is no file"),
        (lambda runner, tmp: _text_file(tmp / "notes.db"), "could not be read as a database"),
        (lambda runner, tmp: _other_database(tmp / "other.db"), "is not a tracker database"),
        (lambda runner, tmp: _corrupt(_tracker_backup(runner, tmp)), "integrity check"),
        (lambda runner, tmp: _index_out_of_step(_tracker_backup(runner, tmp)), "integrity check"),
        (lambda runner, tmp: _from_the_future(_tracker_backup(runner, tmp)), "newer version"),
    ],
    ids=[
        "missing",
        "not a database",
        "not the tracker's",
        "damaged page",
        "index out of step",
        "from a newer version",
    ],
)
def test_a_file_that_cannot_be_restored_is_refused_and_nothing_changes(
    runner, database_path, count_rows, tmp_path, make, message
):
    candidate = make(runner, tmp_path)
    before, files = count_rows(), live_files(database_path)
    result = runner.invoke(args=["restore", str(candidate), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert count_rows() == before
    assert live_files(database_path) == files  # no working copy, no before-restore copy


def _text_file(path: Path) -> Path:
    path.write_text("Minutes of the board meeting\n" * 200)
    return path


def test_restoring_the_live_database_onto_itself_is_refused(runner, database_path, count_rows):
    before = count_rows()
    result = runner.invoke(args=["restore", str(database_path), "--yes"])
    assert result.exit_code == 1
    assert "is the live database itself" in result.output
    assert count_rows() == before


def test_answering_no_changes_nothing(runner, database_path, db, tmp_path):
    backup = _tracker_backup(runner, tmp_path)
    add_person(db, "Kept because the restore was not confirmed")
    files = live_files(database_path)
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code == 1
    assert "Nothing was changed" in result.output
    assert db.execute(
        "SELECT 1 FROM people WHERE name = 'Kept because the restore was not confirmed'"
    ).fetchone()
    assert live_files(database_path) == files
