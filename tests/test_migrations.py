"""The schema the migrations build, and the rules the database itself enforces."""

import sqlite3

import pytest

from migrations import migrations
from tracker.db import open_database

EXPECTED_COLUMNS = {
    "boards": {
        "id",
        "name",
        "council",
        "created_at",
        "archived_at",
        "requires_two_factor",
        "evidence_quota_bytes",
    },
    "services": {"id", "board_id", "name"},
    "rating_scales": {"id", "name"},
    "rating_levels": {"id", "scale_id", "label", "score", "position"},
    "frameworks": {"id", "name", "inspectorate", "scale_id"},
    "standards": {
        "id",
        "framework_id",
        "code",
        "domain",
        "name",
        "counts_towards_score",
        "position",
    },
    "inspections": {
        "id",
        "service_id",
        "framework_id",
        "inspectorate",
        "title",
        "fieldwork_started",
        "fieldwork_ended",
        "published",
        "overall_rating",
        "score",
        "max_score",
        "foreword",
        "foreword_signatory",
        "foreword_signatory_role",
        "source_name",
        "source_text",
        "created_at",
    },
    "ratings": {"id", "inspection_id", "standard_id", "rating"},
    "findings": {"id", "inspection_id", "section", "kind", "text", "position"},
    "plans": {
        "id",
        "board_id",
        "inspection_id",
        "title",
        "period",
        "current_quarter",
        "created_at",
        "uses_actions",
        "state",
        "went_live_at",
        "closed_at",
        "reminder_days",
        "reminder_overdue_weekly",
    },
    "recommendations": {
        "id",
        "plan_id",
        "number",
        "text",
        "addressee",
        "origin",
        "position",
        "source_position",
        "withdrawn_at",
        "withdrawn_in_quarter",
        "withdrawn_reason",
        "withdrawn_by",
    },
    "key_lines": {"id", "recommendation_id", "finding_id", "text", "position"},
    "people": {"id", "board_id", "name", "job_title", "organisation", "email"},
    "champions": {"id", "recommendation_id", "person_id", "kind", "position"},
    "quarters": {
        "id",
        "plan_id",
        "label",
        "starts_on",
        "ends_on",
        "update_deadline",
        "board_meeting_on",
        "locked_at",
        "locked_by",
    },
    "progress_updates": {
        "id",
        "recommendation_id",
        "quarter_id",
        "revision",
        "status",
        "state",
        "narrative",
        "impact",
        "next_steps",
        "corrective_action",
        "review_note",
        "is_sample",
        "author_id",
        "created_at",
        "imported_from",
    },
    "users": {
        "id",
        "email",
        "name",
        "password_hash",
        "created_at",
        "is_operator",
        "last_sign_in_at",
        "totp_secret",
        "totp_enabled_at",
        "totp_last_step",
        "recovery_codes_made_at",
    },
    "memberships": {"id", "user_id", "board_id", "role", "person_id", "deactivated_at"},
    "invitations": {
        "id",
        "board_id",
        "email",
        "name",
        "role",
        "person_id",
        "token_sha256",
        "expires_at",
        "invited_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
        "cancelled_at",
    },
    "password_resets": {
        "id",
        "user_id",
        "token_sha256",
        "requested_by",
        "created_at",
        "expires_at",
        "used_at",
    },
    "recovery_codes": {"id", "user_id", "code_hash", "used_at"},
    "sessions": {
        "token",
        "user_id",
        "created_at",
        "expires_at",
        "ended_at",
        "last_used_at",
        "previous_visit_at",
    },
    "sign_in_attempts": {"id", "email", "remote_addr", "succeeded", "attempted_at"},
    "status_keys": {"id", "board_id", "key", "label", "meaning", "colour", "position", "in_use"},
    "actions": {"id", "recommendation_id", "text", "owner_id", "target_date", "status", "position"},
    "evidence_files": {
        "id",
        "update_id",
        "original_name",
        "stored_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    },
    "report_imports": {
        "id",
        "board_id",
        "uploaded_by",
        "filename",
        "text_sha256",
        "source_text",
        "draft",
        "plan_id",
        "created_at",
        "updated_at",
    },
    "packs": {
        "id",
        "plan_id",
        "quarter",
        "closing",
        "version",
        "with_covering_report",
        "pdf",
        "sha256",
        "size",
        "made_by",
        "made_at",
    },
    "quarter_reopenings": {
        "id",
        "quarter_id",
        "reason",
        "reopened_by",
        "reopened_at",
        "was_locked_at",
        "was_locked_by",
    },
    "reminders_sent": {
        "id",
        "plan_id",
        "quarter",
        "quarter_id",
        "kind",
        "name",
        "email",
        "step",
        "recommendation_ids",
        "sent_by",
        "outcome",
        "attempts",
        "error",
        "claimed_at",
        "sent_at",
    },
    "job_failures": {"id", "task", "description", "error", "board_id", "failed_at", "seen_at"},
    "pack_renders": {
        "id",
        "plan_id",
        "quarter",
        "version",
        "with_covering_report",
        "made_on",
        "state",
        "inputs_sha256",
        "pages",
        "pdf",
        "sha256",
        "size",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "worker",
        "attempts",
        "error",
    },
    "notification_choices": {"user_id", "kind", "delivery"},
    "notifications": {
        "id",
        "user_id",
        "board_id",
        "kind",
        "update_id",
        "delivery",
        "outcome",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    },
    "working_copies": {
        "id",
        "user_id",
        "recommendation_id",
        "quarter_id",
        "based_on_revision",
        "fields",
        "saved_at",
    },
    "plan_imports": {
        "id",
        "board_id",
        "uploaded_by",
        "filename",
        "file_sha256",
        "tables",
        "choices",
        "plan_id",
        "created_at",
        "updated_at",
    },
    "plan_readings": {
        "id",
        "board_id",
        "filename",
        "pasted",
        "content",
        "size",
        "state",
        "plan_import_id",
        "error",
        "uploaded_by",
        "uploaded_at",
        "started_at",
        "finished_at",
        "worker",
        "attempts",
    },
    "report_readings": {
        "id",
        "board_id",
        "filename",
        "pasted",
        "content",
        "size",
        "state",
        "import_id",
        "error",
        "uploaded_by",
        "uploaded_at",
        "started_at",
        "finished_at",
        "worker",
        "attempts",
    },
    "evidence_removals": {
        "id",
        "evidence_id",
        "update_id",
        "replaced_by",
        "removed_by",
        "removed_at",
        "file_erased",
    },
    "share_links": {
        "id",
        "plan_id",
        "token_sha256",
        "label",
        "expires_on",
        "created_by",
        "created_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
        "use_count",
    },
    "audit_log": {
        "id",
        "at",
        "user_id",
        "board_id",
        "action",
        "table_name",
        "row_id",
        "before",
        "after",
    },
}


@pytest.fixture
def empty_db(tmp_path):
    connection = open_database(tmp_path / "new.db")
    yield connection
    connection.close()


def test_a_new_database_gets_every_table_with_its_columns(empty_db):
    tables = set(empty_db.table_names()) - {"_sqlite_migrations"}
    assert tables == set(EXPECTED_COLUMNS)
    for table, columns in EXPECTED_COLUMNS.items():
        assert set(empty_db[table].columns_dict) == columns, table


def test_every_migration_is_recorded_and_none_is_pending(empty_db):
    applied = [migration.name for migration in migrations.applied(empty_db)]
    assert applied == [
        "m001_initial",
        "m002_report_imports",
        "m003_quarterly_cycle",
        "m004_packs_and_share_links",
        "m005_session_last_use",
        "m006_accounts",
        "m007_plan_lifecycle",
        "m008_scheduled_reminders",
        "m009_background_packs_and_notifications",
        "m010_report_readings",
        "m011_plan_imports",
        "m012_plan_readings",
    ]
    assert migrations.pending(empty_db) == []


def test_opening_again_applies_nothing_twice_and_keeps_the_data(tmp_path):
    path = tmp_path / "again.db"
    first = open_database(path)
    first["boards"].insert({"name": "A board"})
    first.close()
    second = open_database(path)
    assert second["boards"].count == 1
    names = [migration.name for migration in migrations.applied(second)]
    assert len(names) == len(set(names))
    assert migrations.pending(second) == []
    second.close()


def test_the_database_runs_in_wal_mode_with_foreign_keys(empty_db):
    assert empty_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert empty_db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_progress_updates_and_the_audit_log_cannot_be_changed_or_deleted(db):
    for table in ("progress_updates", "audit_log"):
        assert db[table].count > 0
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(f"UPDATE {table} SET id = id")  # noqa: S608
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("recommendations", {"plan_id": 1, "text": "x", "origin": "council", "position": 1}),
        ("recommendations", {"plan_id": 1, "text": "  ", "origin": "local", "position": 1}),
        ("findings", {"inspection_id": 1, "section": "1.1", "kind": "weakness", "text": "x"}),
        ("champions", {"recommendation_id": 1, "person_id": 1, "kind": "deputy", "position": 1}),
        ("memberships", {"user_id": 1, "board_id": 1, "role": "owner"}),
        ("recommendations", {"plan_id": 999, "text": "x", "origin": "local", "position": 1}),
    ],
)
def test_the_database_refuses_values_outside_the_model(db, table, row):
    with pytest.raises(sqlite3.IntegrityError):
        db[table].insert(row)


def test_one_finding_can_serve_two_recommendations(db):
    shared = db.execute(
        "SELECT finding_id, count(DISTINCT recommendation_id) FROM key_lines"
        " WHERE finding_id IS NOT NULL GROUP BY finding_id HAVING count(*) > 1"
    ).fetchall()
    assert shared, "the demo links one finding to two recommendations (6 and 9)"
