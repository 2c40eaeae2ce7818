"""Reading one board's audit log: the filters as SQL, a page of entries or all of them for the
export, and the choices the filter form offers.

Every query is limited to entries logged against the board (audit_log.board_id), so another
board's changes can never appear, whatever the filters say; and to changes to the accounts of
the board's users made outside any board (their own password, two-factor sign-in, a reset
link they asked for), which concern every board they are on.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlite_utils import Database

from tracker import pagination
from tracker.audit_log.entries import Names, references_of, snapshots
from tracker.pagination import Page
from tracker.uk_time import UK

PER_PAGE = 50
# Filter value for changes nobody signed in made (the demo loader, command-line tasks).
SYSTEM_USER = "system"
# How an entry's row leads to its plan, by table. Read from the row as logged (after the change,
# or before it for a removal) rather than from the live tables, so a removed champion or action
# still counts as its plan's; where the way goes through a recommendation or an update, that row
# is looked up (neither is ever deleted). Tables not listed here (people, the status key, users)
# belong to the board, not to a plan. Each test has one parameter: the plan's id.
ROW_IN_PLAN = (
    (("plans",), "audit_log.row_id = ?"),
    (
        ("quarters", "recommendations", "packs", "share_links", "report_imports"),
        "json_extract(coalesce(audit_log.after, audit_log.before), '$.plan_id') = ?",
    ),
    (
        ("key_lines", "champions", "actions", "progress_updates"),
        "? IN (SELECT plan_id FROM recommendations WHERE id = json_extract("
        "coalesce(audit_log.after, audit_log.before), '$.recommendation_id'))",
    ),
    (
        ("evidence_files", "evidence_removals"),
        "? IN (SELECT recommendations.plan_id FROM progress_updates"
        " JOIN recommendations ON recommendations.id = progress_updates.recommendation_id"
        " WHERE progress_updates.id = json_extract("
        "coalesce(audit_log.after, audit_log.before), '$.update_id'))",
    ),
    (
        ("quarter_reopenings",),
        "? IN (SELECT plan_id FROM quarters WHERE id = json_extract("
        "coalesce(audit_log.after, audit_log.before), '$.quarter_id'))",
    ),
    (("inspections",), "? IN (SELECT id FROM plans WHERE inspection_id = audit_log.row_id)"),
    (
        ("findings", "ratings"),
        "? IN (SELECT id FROM plans WHERE inspection_id = json_extract("
        "coalesce(audit_log.after, audit_log.before), '$.inspection_id'))",
    ),
)
ENTRY_COLUMNS = """
    SELECT audit_log.*, users.name AS user_name, users.email AS user_email
    FROM audit_log LEFT JOIN users ON users.id = audit_log.user_id
"""
NEWEST_FIRST = "ORDER BY audit_log.at DESC, audit_log.id DESC"


@dataclass(frozen=True)
class AuditFilters:
    """Which entries to show; None means any."""

    plan_id: int | None = None
    user: int | str | None = None  # a user's id, or SYSTEM_USER
    table: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def page_of(total: int, requested: str | None, size: int = PER_PAGE) -> Page:
    """The page of entries asked for in the URL, moved to the nearest page that exists."""
    return pagination.page_of(total, requested, size)


def utc_bounds(date_from: date | None, date_to: date | None) -> tuple[str | None, str | None]:
    """The first and last moments of the UK days from `date_from` to `date_to` (inclusive), in
    the form the log writes its times, so they compare as text."""
    lower = _as_logged(datetime.combine(date_from, time.min, UK)) if date_from else None
    upper = _as_logged(datetime.combine(date_to, time.max, UK)) if date_to else None
    return lower, upper


def _as_logged(moment: datetime) -> str:
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


# Changes to someone's account logged with no board, and the user each is about.
ACCOUNT_OF_BOARD_USER = """(audit_log.board_id IS NULL AND (
    (audit_log.table_name = 'users' AND audit_log.row_id IN (
        SELECT user_id FROM memberships WHERE board_id = ?))
    OR (audit_log.table_name = 'password_resets' AND json_extract(
        coalesce(audit_log.after, audit_log.before), '$.user_id') IN (
        SELECT user_id FROM memberships WHERE board_id = ?))))"""


def where_clause(board_id: int, filters: AuditFilters) -> tuple[str, list]:
    """The SQL condition (on audit_log) and its parameters for the board's filtered entries."""
    conditions = [f"(audit_log.board_id = ? OR {ACCOUNT_OF_BOARD_USER})"]
    parameters = [board_id, board_id, board_id]
    if filters.plan_id is not None:
        condition, plan_parameters = _in_plan(filters.plan_id)
        conditions.append(condition)
        parameters += plan_parameters
    if filters.user == SYSTEM_USER:
        conditions.append("audit_log.user_id IS NULL")
    elif filters.user is not None:
        conditions.append("audit_log.user_id = ?")
        parameters.append(filters.user)
    if filters.table is not None:
        conditions.append("audit_log.table_name = ?")
        parameters.append(filters.table)
    if filters.action is not None:
        conditions.append("audit_log.action = ?")
        parameters.append(filters.action)
    lower, upper = utc_bounds(filters.date_from, filters.date_to)
    if lower:
        conditions.append("audit_log.at >= ?")
        parameters.append(lower)
    if upper:
        conditions.append("audit_log.at <= ?")
        parameters.append(upper)
    return " AND ".join(conditions), parameters


def _in_plan(plan_id: int) -> tuple[str, list]:
    tests, parameters = [], []
    for tables, row_in_plan in ROW_IN_PLAN:
        placeholders = ", ".join("?" for _ in tables)
        tests.append(f"(audit_log.table_name IN ({placeholders}) AND {row_in_plan})")
        parameters += [*tables, plan_id]
    return "(" + " OR ".join(tests) + ")", parameters


def count_entries(db: Database, board_id: int, filters: AuditFilters) -> int:
    """How many of the board's entries the filters match."""
    where, parameters = where_clause(board_id, filters)
    sql = f"SELECT count(*) FROM audit_log WHERE {where}"  # noqa: S608 - built from constants
    return db.execute(sql, parameters).fetchone()[0]


def entries_on_page(db: Database, board_id: int, filters: AuditFilters, page: Page) -> list[dict]:
    """One page of the board's matching entries, newest first, with who made each."""
    where, parameters = where_clause(board_id, filters)
    return list(
        db.query(
            f"{ENTRY_COLUMNS} WHERE {where} {NEWEST_FIRST} LIMIT ? OFFSET ?",
            [*parameters, page.size, page.offset],
        )
    )


def all_entries(db: Database, board_id: int, filters: AuditFilters) -> Iterator[dict]:
    """Every matching entry of the board, newest first, read as it is used (for the export)."""
    where, parameters = where_clause(board_id, filters)
    return db.query(f"{ENTRY_COLUMNS} WHERE {where} {NEWEST_FIRST}", parameters)


def names_for(db: Database, board_id: int, entries: list[dict]) -> Names:
    """The board's recommendations, plans and people that the entries refer to, by id.

    Only rows of this board are looked up, so a link never leads to another board's page.
    """
    references = [
        references_of(entry["table_name"], entry["row_id"], *snapshots(entry)) for entry in entries
    ]
    recommendation_ids = {r.recommendation_id for r in references} - {None}
    person_ids = {r.person_id for r in references} - {None}
    recommendations = _rows_of_board(
        db,
        "SELECT recommendations.id, recommendations.number FROM recommendations"
        " JOIN plans ON plans.id = recommendations.plan_id"
        " WHERE plans.board_id = ? AND recommendations.id IN ({ids})",
        board_id,
        recommendation_ids,
    )
    people = _rows_of_board(
        db, "SELECT id, name FROM people WHERE board_id = ? AND id IN ({ids})", board_id, person_ids
    )
    return Names(
        recommendation_numbers=dict(recommendations),
        plan_titles=dict(plans_of_board(db, board_id)),
        person_names=dict(people),
    )


def _rows_of_board(db: Database, sql: str, board_id: int, ids: set[int]) -> list[tuple]:
    if not ids:
        return []
    placeholders = ", ".join("?" for _ in ids)
    return db.execute(sql.format(ids=placeholders), [board_id, *sorted(ids)]).fetchall()


def plans_of_board(db: Database, board_id: int) -> list[tuple[int, str]]:
    """(id, title) of the board's plans, oldest first."""
    return db.execute(
        "SELECT id, title FROM plans WHERE board_id = ? ORDER BY created_at, id", [board_id]
    ).fetchall()


def people_who_change(db: Database, board_id: int) -> list[tuple[int, str]]:
    """(user id, "Name (email)") of everyone with a role on the board, and of anyone else who
    has changed its data (someone since removed from the board, say), by name."""
    rows = db.execute(
        """
        SELECT id, name, email FROM users
        WHERE id IN (SELECT user_id FROM memberships WHERE board_id = ?)
           OR id IN (SELECT user_id FROM audit_log WHERE board_id = ? AND user_id IS NOT NULL)
        ORDER BY name COLLATE NOCASE, email
        """,
        [board_id, board_id],
    ).fetchall()
    return [(user_id, f"{name} ({email})" if name else email) for user_id, name, email in rows]


def tables_in_log(db: Database, board_id: int) -> list[str]:
    """The tables the board's entries are about."""
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT table_name FROM audit_log WHERE board_id = ? ORDER BY table_name",
            [board_id],
        )
    ]
