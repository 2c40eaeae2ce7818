"""A database written by an older version of the tracker is brought up to date when it is
opened, keeps every row it had, and the app serves it.

The fixture was written by the tracker at commit 20a1532, when the schema had only steps m001
and m002 (tests/fixtures/README.md says how it was made).
"""

import gzip
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from migrations import migrations
from tests.conftest import EMAIL_OF_ROLE, csrf_token, form_state, sign_in
from tracker import create_app
from tracker.backup import known_migrations
from tracker.db import open_database

FIXTURE = Path(__file__).parent / "fixtures" / "schema-m002.db.gz"
OLD_STEPS = ["m001_initial", "m002_report_imports"]
NEL_TITLE = "North East Lincolnshire Youth Justice Services HMIP improvement plan 2022-2023"
DARLINGTON_TITLE = "Darlington HMIP improvement plan"


@pytest.fixture
def old_database(tmp_path) -> Path:
    """This test's own copy of the database the older version wrote."""
    path = tmp_path / "old.db"
    with gzip.open(FIXTURE) as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    return path


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def every_row(path: Path, tables: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of each table, in the given columns only, in storage order."""
    with closing(read_only(path)) as connection:
        return {
            table: connection.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"  # noqa: S608
            ).fetchall()
            for table, columns in tables.items()
        }


def columns_of(path: Path) -> dict[str, list[str]]:
    """Each table's column names, in order."""
    with closing(read_only(path)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            table: [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for table in tables
        }


def schema_of(path: Path) -> dict:
    """Tables with each column's name, type, nullability, default and key; indexes; triggers."""
    with closing(read_only(path)) as connection:
        objects = connection.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        return {
            "tables": {
                name: [row[1:] for row in connection.execute(f"PRAGMA table_info({name})")]
                for kind, name in objects
                if kind == "table"
            },
            "indexes": {name for kind, name in objects if kind == "index"},
            "triggers": {name for kind, name in objects if kind == "trigger"},
        }


def test_the_fixture_really_has_the_older_schema(old_database):
    with closing(read_only(old_database)) as connection:
        steps = [row[0] for row in connection.execute("SELECT name FROM _sqlite_migrations")]
    assert steps == OLD_STEPS
    tables = columns_of(old_database)
    assert "status_keys" not in tables and "packs" not in tables
    assert "uses_actions" not in tables["plans"]


def test_opening_it_applies_every_later_step_and_keeps_every_row(old_database):
    old_columns = columns_of(old_database)
    del old_columns["_sqlite_migrations"]  # gains a row per step, checked by name below
    before = every_row(old_database, old_columns)

    db = open_database(old_database)
    applied = [migration.name for migration in migrations.applied(db)]
    assert migrations.pending(db) == []
    db.close()

    assert applied == known_migrations()
    assert applied[: len(OLD_STEPS)] == OLD_STEPS and len(applied) > len(OLD_STEPS)
    assert every_row(old_database, old_columns) == before


def test_an_upgraded_database_has_the_same_schema_as_a_new_one(old_database, tmp_path):
    open_database(old_database).close()
    new = tmp_path / "new.db"
    open_database(new).close()
    assert schema_of(old_database) == schema_of(new)
    upgraded = columns_of(old_database)
    assert {"status_keys", "actions", "evidence_files", "packs", "share_links"} <= set(upgraded)
    assert "uses_actions" in upgraded["plans"]


def test_the_data_from_before_reads_the_same_after(old_database):
    db = open_database(old_database)
    plans = db.execute("SELECT id, title, uses_actions FROM plans ORDER BY id").fetchall()
    assert plans == [(1, NEL_TITLE, 0), (2, DARLINGTON_TITLE, 0)]
    assert db.execute("SELECT count(*) FROM recommendations WHERE plan_id = 1").fetchone() == (10,)
    samples = db.execute(
        "SELECT count(*) FROM progress_updates WHERE is_sample = 1 AND state = 'approved'"
    ).fetchone()
    assert samples == (10,)
    imports = db.execute("SELECT filename, plan_id FROM report_imports ORDER BY id").fetchall()
    assert imports == [("darlington-2021.txt", 2), ("sunderland-2022.txt", None)]
    assert db["status_keys"].count == 0  # the board has not set its own key: the default applies
    db.close()


def test_the_app_serves_an_upgraded_database(old_database, tmp_path):
    app = create_app(
        {
            "DATABASE": str(old_database),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "EVIDENCE_FOLDER": str(tmp_path / "evidence"),
        }
    )
    client = app.test_client()
    assert sign_in(client, EMAIL_OF_ROLE["administrator"]).status_code == 302
    plan = client.get("/plans/1")
    assert plan.status_code == 200
    assert NEL_TITLE in plan.text and "Sample text" in plan.text
    assert DARLINGTON_TITLE in client.get("/plans/2").text
    assert client.get("/imports/2").status_code == 200  # the report left in review

    form = client.get("/recommendations/3/update").text
    saved = client.post(
        "/recommendations/3/update",
        data={
            "csrf_token": csrf_token(client, "/recommendations/3/update"),
            **form_state(form),
            "action": "draft",
            "status": "amber",
            "narrative": "Written after the upgrade.",
        },
    )
    assert saved.status_code == 302
    assert "Written after the upgrade." in client.get("/recommendations/3/update").text


def test_restoring_a_backup_made_by_an_older_version_brings_it_up_to_date(
    runner, database_path, old_database
):
    result = runner.invoke(args=["restore", str(old_database), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"schema up to {known_migrations()[-1]}" in result.output
    db = open_database(database_path)
    assert [migration.name for migration in migrations.applied(db)] == known_migrations()
    assert db.execute("SELECT title FROM plans WHERE id = 2").fetchone() == (DARLINGTON_TITLE,)
    db.close()


def test_a_backup_whose_schema_cannot_be_brought_up_to_date_is_not_restored(
    runner, database_path, count_rows, old_database
):
    with closing(sqlite3.connect(old_database)) as connection, connection:
        # Added by hand: the later step that adds this column cannot then apply.
        connection.execute("ALTER TABLE plans ADD COLUMN uses_actions INTEGER")
    before = count_rows()
    result = runner.invoke(args=["restore", str(old_database), "--yes"])
    assert result.exit_code == 1
    assert "could not be brought up to this version's schema" in result.output
    assert "Nothing was changed" in result.output
    assert count_rows() == before
    assert not [
        path.name
        for path in database_path.parent.iterdir()
        if "before-restore" in path.name or path.name.endswith(".partial")
    ]
