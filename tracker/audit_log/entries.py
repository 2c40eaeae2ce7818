"""An audit log entry in words: what was changed, when (UK time), field by field, and as a row of
the CSV export.

Pure: no Flask and no database. The log holds each row as JSON before and after the change
(see tracker/audit.py); everything here reads those snapshots as they were written, so an entry
still reads correctly after the row itself has changed again or gone.
"""

import json
from dataclasses import dataclass
from datetime import date

from tracker.spreadsheets import neutralise_formula
from tracker.uk_time import in_words

# Values longer than this are shortened on the page; the CSV export has them in full.
SHORT_VALUE = 150
ACTION_VERBS = {"insert": "Added", "update": "Changed", "delete": "Removed"}
SYSTEM_NAME = "System"
# Spreadsheets run a cell starting with one of these as a formula (even after spaces or line
# breaks), or with their full-width forms, which some spreadsheets also accept.
CSV_HEADER = (
    "id",
    "at",
    "user",
    "email",
    "action",
    "table",
    "row id",
    "changed fields",
    "before JSON",
    "after JSON",
)


@dataclass(frozen=True)
class RecordKind:
    """How to name a table's rows in words: "a progress update", "Progress updates"."""

    article: str
    noun: str
    plural: str


RECORD_KINDS = {
    "actions": RecordKind("an", "action", "Actions"),
    "boards": RecordKind("the", "board's details", "The board's details"),
    "champions": RecordKind("a", "champion", "Champions"),
    "evidence_files": RecordKind("an", "evidence file", "Evidence files"),
    "evidence_removals": RecordKind(
        "an", "evidence file taken off an update", "Evidence files taken off updates"
    ),
    "findings": RecordKind("a", "finding from the report", "Findings from the report"),
    "frameworks": RecordKind("an", "inspection framework", "Inspection frameworks"),
    "inspections": RecordKind("an", "inspection", "Inspections"),
    "invitations": RecordKind("an", "invitation", "Invitations"),
    "job_failures": RecordKind("a", "failed background job", "Failed background jobs"),
    "password_resets": RecordKind("a", "password reset link", "Password reset links"),
    "key_lines": RecordKind("a", "key line of enquiry", "Key lines of enquiry"),
    "memberships": RecordKind("a", "user's role on the board", "Users' roles on the board"),
    "packs": RecordKind("a", "kept board pack", "Kept board packs"),
    "people": RecordKind("a", "person", "People"),
    "plans": RecordKind("a", "plan", "Plans"),
    "progress_updates": RecordKind("a", "progress update", "Progress updates"),
    "quarters": RecordKind("a", "quarter", "Quarters"),
    "quarter_reopenings": RecordKind("a", "reopening of a quarter", "Reopenings of quarters"),
    "rating_levels": RecordKind("a", "rating level", "Rating levels"),
    "rating_scales": RecordKind("a", "rating scale", "Rating scales"),
    "ratings": RecordKind("a", "rating", "Ratings"),
    "recommendations": RecordKind("a", "recommendation", "Recommendations"),
    "report_imports": RecordKind("an", "imported report", "Imported reports"),
    "services": RecordKind("a", "service", "Services"),
    "share_links": RecordKind("a", "share link", "Share links"),
    "standards": RecordKind("an", "inspection standard", "Inspection standards"),
    "status_keys": RecordKind("a", "status in the status key", "The status key"),
    "users": RecordKind("a", "user account", "User accounts"),
}

# The column that says which row an entry is about, where a table has one.
SUBJECT_COLUMNS = {
    "actions": "text",
    "boards": "name",
    "evidence_files": "original_name",
    "inspections": "title",
    "invitations": "email",
    "job_failures": "description",
    "key_lines": "text",
    "people": "name",
    "plans": "title",
    "quarters": "label",
    "report_imports": "filename",
    "services": "name",
    "share_links": "label",
    "status_keys": "label",
    "users": "name",
}
# Rows that hang off a recommendation name it in this column.
RECOMMENDATION_COLUMN = {
    "actions": "recommendation_id",
    "champions": "recommendation_id",
    "key_lines": "recommendation_id",
    "progress_updates": "recommendation_id",
}
PLAN_COLUMN = {
    "packs": "plan_id",
    "quarters": "plan_id",
    "recommendations": "plan_id",
    "report_imports": "plan_id",
    "share_links": "plan_id",
}


# Columns whose names say little to the people reading the log.
FIELD_LABELS = {
    "password_hash": "Password",
    "totp_secret": "Two-factor sign-in key",
    "totp_enabled_at": "Two-factor sign-in turned on",
    "totp_last_step": "Two-factor code last used (time step)",
    "recovery_codes_made_at": "Recovery codes made",
    "is_operator": "Operator",
    "last_sign_in_at": "Last signed in",
    "deactivated_at": "Deactivated",
    "requires_two_factor": "Everyone must use two-factor sign-in",
    "archived_at": "Archived",
    "token_sha256": "Link (a hash of its secret)",
    "sent_at": "Sent",
    "accepted_at": "Accepted",
    "accepted_by": "Accepted by user",
    "cancelled_at": "Cancelled",
    "used_at": "Used",
    "requested_by": "Sent by user",
    "seen_at": "Dismissed",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry: its value before and after (None where there is no side)."""

    field: str
    before: object = None
    after: object = None

    @property
    def label(self) -> str:
        """The column name in words: "job_title" as "Job title"."""
        return FIELD_LABELS.get(self.field) or self.field.replace("_", " ").capitalize()


@dataclass(frozen=True)
class References:
    """What an entry's row belongs to, by id, for linking to pages that show it."""

    recommendation_id: int | None = None
    plan_id: int | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class Names:
    """Names of things on the board that entries refer to by id, looked up for one page."""

    recommendation_numbers: dict[int, int | None]
    plan_titles: dict[int, str]
    person_names: dict[int, str]


@dataclass(frozen=True)
class ShownValue:
    """A value as the page shows it: shortened if long, and whether it is blank."""

    text: str
    shortened: bool
    blank: bool


def shown(value: object) -> ShownValue:
    """A logged value ready for the page."""
    text, shortened = shorten(value_as_text(value))
    return ShownValue(text, shortened, blank=text.strip() == "")


def describe(entry: dict, names: Names) -> dict:
    """An entry as the page shows it: when, who, what in words, which row, and the fields."""
    before, after = snapshots(entry)
    table = entry["table_name"]
    references = references_of(table, entry.get("row_id"), before, after)
    subject = subject_of(table, before, after)
    person = names.person_names.get(references.person_id)
    if table == "champions" and person:
        subject = f"{person}, {subject[:1].lower()}{subject[1:]}"
    recommendation_id = references.recommendation_id
    return {
        "id": entry["id"],
        "at": entry["at"],
        "when": in_words(entry["at"]),
        "who": who_made(entry),
        "email": entry.get("user_email") or "",
        "action": entry["action"],
        "what": what_happened(entry["action"], table),
        "subject": shorten(subject, 120)[0],
        "recommendation": (
            {"id": recommendation_id, "number": names.recommendation_numbers[recommendation_id]}
            if recommendation_id in names.recommendation_numbers
            else None
        ),
        "plan": (
            {"id": references.plan_id, "title": names.plan_titles[references.plan_id]}
            if references.plan_id in names.plan_titles
            else None
        ),
        "changes": [
            {"label": change.label, "before": shown(change.before), "after": shown(change.after)}
            for change in field_changes(entry["action"], before, after)
        ],
    }


def record_kind_label(table: str) -> str:
    """The plain words for a table's rows, for the filter's choices; the table name otherwise."""
    kind = RECORD_KINDS.get(table)
    return kind.plural if kind else table


def what_happened(action: str, table: str) -> str:
    """The change in words: "Changed a progress update", "Added a person"."""
    verb = ACTION_VERBS.get(action, action.capitalize())
    kind = RECORD_KINDS.get(table)
    if kind is None:
        return f"{verb} a row of {table}"
    return f"{verb} {kind.article} {kind.noun}"


def snapshots(entry: dict) -> tuple[dict, dict]:
    """The row as it was before and after the change ({} for the side that did not exist)."""
    return _parsed(entry.get("before")), _parsed(entry.get("after"))


def _parsed(snapshot: str | None) -> dict:
    if not snapshot:
        return {}
    value = json.loads(snapshot)
    return value if isinstance(value, dict) else {}


def field_changes(action: str, before: dict, after: dict) -> list[FieldChange]:
    """The fields worth reading: for a change, only those whose value changed; for an addition
    or removal, every field. The row's own id is left out: the entry already names the row."""
    fields = sorted((set(before) | set(after)) - {"id"})
    if action == "update":
        fields = [field for field in fields if before.get(field) != after.get(field)]
    return [FieldChange(field, before.get(field), after.get(field)) for field in fields]


def changed_field_names(entry: dict) -> list[str]:
    """The column names `field_changes` would show for this entry."""
    before, after = snapshots(entry)
    return [change.field for change in field_changes(entry["action"], before, after)]


def value_as_text(value: object) -> str:
    """A logged value as text; None as the empty string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def shorten(text: str, limit: int = SHORT_VALUE) -> tuple[str, bool]:
    """The text cut to `limit` characters at a word break with an ellipsis, and whether it was."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…", True


def subject_of(table: str, before: dict, after: dict) -> str:
    """What identifies the row to a reader (a person's name, a plan's title), if the row has it."""
    row = after or before
    if table == "recommendations" and row.get("number") is not None:
        return f"Recommendation {row['number']}"
    if table == "champions" and row.get("kind"):
        return f"{row['kind'].capitalize()} champion"
    column = SUBJECT_COLUMNS.get(table)
    if column is None:
        return ""
    if table == "users":
        return value_as_text(row.get("name")) or value_as_text(row.get("email"))
    return value_as_text(row.get(column))


def references_of(table: str, row_id: int | None, before: dict, after: dict) -> References:
    """The recommendation, plan and person the row belongs to, as far as its snapshot says."""
    row = after or before
    recommendation_id = row_id if table == "recommendations" else None
    if table in RECOMMENDATION_COLUMN:
        recommendation_id = row.get(RECOMMENDATION_COLUMN[table])
    plan_id = row_id if table == "plans" else row.get(PLAN_COLUMN.get(table, ""))
    person_id = row_id if table == "people" else None
    if table in ("champions", "memberships"):
        person_id = row.get("person_id")
    return References(
        _as_id(recommendation_id),
        _as_id(plan_id),
        _as_id(person_id),
    )


def _as_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def who_made(entry: dict) -> str:
    """The name of whoever made the change: "System" when nobody signed in made it."""
    if entry.get("user_id") is None:
        return SYSTEM_NAME
    return entry.get("user_name") or entry.get("user_email") or f"User {entry['user_id']}"


def csv_cells(entry: dict) -> list[str]:
    """One entry as the export's cells, in the order of CSV_HEADER, each safe to open in a
    spreadsheet."""
    cells = [
        str(entry["id"]),
        entry["at"],
        who_made(entry),
        entry.get("user_email") or "",
        entry["action"],
        entry["table_name"],
        "" if entry.get("row_id") is None else str(entry["row_id"]),
        "; ".join(changed_field_names(entry)),
        entry.get("before") or "",
        entry.get("after") or "",
    ]
    return [neutralise_formula(cell) for cell in cells]


def export_filename(board_name: str, day: date) -> str:
    """The export's file name: "audit-log-<board>-<YYYY-MM-DD>.csv", in ASCII letters and digits."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in board_name.lower()).split()
    return f"audit-log-{'-'.join(words) or 'board'}-{day.isoformat()}.csv"
