"""A board's existing plan while it is reviewed: the tables read from the upload and the
reviewer's choices, kept in plan_imports until the plan is made from them.

Choices (JSON in plan_imports.choices):
    {"table": 0,                      # index into the tables read
     "header_row": 2,                 # the header row of that table
     "columns": {"recommendation": 0, "key_lines_of_enquiry": 1, ...},   # field -> column
     "quarter": "2022/23 Q3",         # the quarter the status and progress are for
     "title": "...",                  # the plan's title
     "inspection_id": 4,              # the board's inspection report the plan answers, or None
     "add_missing": true}             # add the report's recommendations the plan lacks
"""

import json
from pathlib import PurePath

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.concurrency import check_unchanged, fingerprint
from tracker.db import scalar, write_transaction
from tracker.inspections.queries import inspections_of_board
from tracker.plan_import.reading import choices_of_layout, find_layout, layout_from_choices
from tracker.plan_import.tables import Cell, PlanFileError, Table
from tracker.quarters import Quarter

LONGEST_TITLE = 300
NOT_AN_INSPECTION = "Choose one of the board's inspection reports, or none"


def board_of_import(db: Database, import_id: int) -> int | None:
    """The id of the board the plan was uploaded for."""
    return scalar(db, "SELECT board_id FROM plan_imports WHERE id = ?", import_id)


def start_import(
    db: Database,
    board_id: int,
    filename: str,
    data_sha256: str,
    tables: list[Table],
    actor: audit.Actor,
) -> int:
    """Keep the tables read from an uploaded plan with the choices found in them; returns the
    import's id. The same file uploaded again for the same board returns the import already
    made, writing nothing. PlanFileError, storing nothing, when no table has a column that
    looks like the recommendations. The plan is first taken to answer the board's latest
    inspection report, if it has one."""
    with write_transaction(db):
        existing = scalar(
            db,
            "SELECT id FROM plan_imports WHERE board_id = ? AND file_sha256 = ?",
            board_id,
            data_sha256,
        )
        if existing:
            return existing
        layout = find_layout(tables)
        inspections = inspections_of_board(db, board_id)
        choices = choices_of_layout(tables, layout) | {
            "quarter": None,
            "title": _title_above(layout.table.rows[: layout.header_row])
            or _title_of_file(filename),
            "inspection_id": inspections[0]["id"] if inspections else None,
            "add_missing": True,
        }
        return audit.insert(
            db,
            "plan_imports",
            {
                "board_id": board_id,
                "uploaded_by": actor.user_id,
                "filename": filename.strip()[:255] or "plan",
                "file_sha256": data_sha256,
                "tables": json.dumps(_tables_as_data(tables), ensure_ascii=False),
                "choices": json.dumps(choices, ensure_ascii=False),
            },
            actor,
        )


def get_import(db: Database, import_id: int) -> dict | None:
    """The import with its "tables" (list[Table]), its "choices" and their "fingerprint";
    None when there is no such import."""
    found = next(db.query("SELECT * FROM plan_imports WHERE id = ?", [import_id]), None)
    if found is None:
        return None
    found["tables"] = _tables_of_data(json.loads(found["tables"]))
    found["choices"] = json.loads(found["choices"])
    found["fingerprint"] = fingerprint(found["choices"])
    return found


def imports_of_board(db: Database, board_id: int) -> list[dict]:
    """The board's uploaded plans, newest first, each with the title chosen so far."""
    return list(
        db.query(
            "SELECT id, filename, plan_id, json_extract(choices, '$.title') AS title,"
            " created_at, updated_at FROM plan_imports WHERE board_id = ? ORDER BY id DESC",
            [board_id],
        )
    )


def save_choices(
    db: Database, import_id: int, choices: dict, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Keep the reviewer's choices. Raises StaleChange if someone saved other choices since
    the form was built, and PlanFileError in words for a table, row or column that is not
    there, no recommendation column, a column chosen twice, a quarter that is not one
    ("2022/23 Q3"), a title that is empty or too long or an inspection not of the board;
    nothing changes then."""
    with write_transaction(db):
        found = get_import(db, import_id)
        if found is None:
            raise PlanFileError("That upload is no longer there: upload the plan again")
        check_unchanged(found["choices"], seen_fingerprint)
        if found["plan_id"]:
            raise PlanFileError("The plan has been made from this upload: change the plan itself")
        checked = checked_choices(found["tables"], choices)
        check_inspection(db, found["board_id"], checked["inspection_id"])
        audit.update(
            db,
            "plan_imports",
            import_id,
            {"choices": json.dumps(checked, ensure_ascii=False), "updated_at": timestamp(now())},
            actor,
        )


def check_inspection(db: Database, board_id: int, inspection_id: int | None) -> None:
    """PlanFileError unless the inspection is none or one of the board's."""
    if inspection_id is not None and inspection_id not in {
        inspection["id"] for inspection in inspections_of_board(db, board_id)
    }:
        raise PlanFileError(NOT_AN_INSPECTION)


def checked_choices(tables: list[Table], choices: dict) -> dict:
    """The choices as kept (indexes as numbers, the quarter's label as written by the
    tracker, the title trimmed, the inspection's id a number or None); PlanFileError in
    words for any that cannot be used."""
    layout = layout_from_choices(tables, choices)
    quarter = str(choices.get("quarter") or "").strip()
    if quarter:
        try:
            quarter = Quarter.parse(quarter).label
        except ValueError:
            raise PlanFileError(
                f'"{quarter[:20]}" is not a quarter: enter one like 2022/23 Q3'
            ) from None
    title = " ".join(str(choices.get("title") or "").split())
    if not title:
        raise PlanFileError("Enter the plan's title")
    if len(title) > LONGEST_TITLE:
        raise PlanFileError(f"The plan's title must be {LONGEST_TITLE} characters or fewer")
    inspection_id = choices.get("inspection_id")
    if isinstance(inspection_id, str):
        inspection_id = int(inspection_id) if inspection_id.isdecimal() else inspection_id or None
    if inspection_id is not None and (
        isinstance(inspection_id, bool) or not isinstance(inspection_id, int)
    ):
        raise PlanFileError(NOT_AN_INSPECTION)
    return choices_of_layout(tables, layout) | {
        "quarter": quarter or None,
        "title": title,
        "inspection_id": inspection_id,
        "add_missing": bool(choices.get("add_missing", True)),
    }


def _title_above(rows: list[list[Cell]]) -> str | None:
    """The title over the header: the nearest row above it with one text (often a merged
    cell), when that is short enough to be a title."""
    for row in reversed(rows):
        texts = {" ".join(cell.text.split()) for cell in row} - {""}
        if not texts:
            continue
        if len(texts) == 1:
            title = texts.pop()
            return title if len(title) <= LONGEST_TITLE else None
        return None
    return None


def _title_of_file(filename: str) -> str:
    stem = " ".join(PurePath(filename.strip() or "plan").stem.replace("_", " ").split())
    return (stem or "Improvement plan")[:LONGEST_TITLE]


def _tables_as_data(tables: list[Table]) -> list[dict]:
    return [
        {
            "name": table.name,
            "rows": [[_cell_as_data(cell) for cell in row] for row in table.rows],
        }
        for table in tables
    ]


def _cell_as_data(cell: Cell) -> dict:
    data = {"text": cell.text, "fill": cell.fill}
    return data | {"merged_above": True} if cell.merged_above else data


def _tables_of_data(data: list[dict]) -> list[Table]:
    return [
        Table(
            table["name"],
            [
                [Cell(cell["text"], cell["fill"], cell.get("merged_above", False)) for cell in row]
                for row in table["rows"]
            ],
        )
        for table in data
    ]
