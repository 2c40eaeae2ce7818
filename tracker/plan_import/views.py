"""Bringing a board's existing plan: uploading its table, checking how its columns will be
read, and creating the draft plan from it."""

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from tracker.audit import Actor
from tracker.boards import board_in_url, get_board
from tracker.concurrency import StaleChange, stale_change_message
from tracker.db import get_db, write_transaction
from tracker.inspections.queries import inspections_of_board
from tracker.jobs.reading_pages import follow_reading, start_reading
from tracker.jobs.reading_pages import reading_status as reading_status_json
from tracker.permissions import board_role
from tracker.plan_import import bp, create, imports, reading, tables
from tracker.plan_import.forms import PlanUploadForm
from tracker.plan_import.readings import PLANS
from tracker.quarters import Quarter
from tracker.rag import DEFAULT_KEY
from tracker.text import clean_text
from tracker.uk_time import uk_today

ADMINISTRATOR = ("administrator",)
# What a column can hold, in the order the select lists them; "" is "Not imported".
FIELDS = (
    ("number", "Recommendation number"),
    ("recommendation", "Recommendation"),
    ("key_lines_of_enquiry", "Key lines of enquiry"),
    ("board_champion", "Board champion"),
    ("service_champion", "Service champion"),
    ("status", "Status (RAG)"),
    ("progress", "Progress"),
    ("actions", "Actions"),
    ("target_date", "Target date"),
)
# Five years back: boards bring plans kept since an inspection some years ago, and their
# status and progress are for the quarter the plan was last updated.
QUARTERS_OFFERED = 20
PREVIEW_ROWS = 5
FIRST_ROWS = 3
STATUS_WORDS = {status.key: status.label for status in DEFAULT_KEY}


def _board_of_plan_import(db, plan_import_id: int) -> int | None:
    return imports.board_of_import(db, plan_import_id)


@bp.route("/boards/<id:board_id>/plans/import", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=board_in_url)
def upload(board_id: int):
    """Upload the plan the board already has, or paste its table, to check before it is made."""
    db = get_db()
    form = PlanUploadForm()
    if form.validate_on_submit():
        # Read by the job worker: a workbook of thousands of rows takes seconds to read.
        found = start_reading(PLANS, form, "read_plan_upload", board_id, "pasted table")
        if found.state == "done":
            return redirect(url_for("plan_import.review", plan_import_id=found.result_id))
        if found.state != "failed":
            return redirect(url_for("plan_import.reading", board_id=board_id, reading_id=found.id))
    return render_template(
        "plan_import/upload.html",
        form=form,
        board=get_board(db, board_id),
        earlier=imports.imports_of_board(db, board_id),
    ), 400 if form.errors else 200


# Named "reading" as reports' page is, while the function's name leaves the reading module be.
@bp.route("/boards/<id:board_id>/plans/import/reading/<id:reading_id>", endpoint="reading")
@board_role(*ADMINISTRATOR, board_of=PLANS.board_of_reading)
def reading_page(board_id: int, reading_id: int):
    """An uploaded plan being read by the job worker; once read, how it will be read."""
    found = PLANS.get(get_db(), reading_id)
    if found.state == "done":
        return redirect(url_for("plan_import.review", plan_import_id=found.result_id))
    return follow_reading(PLANS, found, "plan_import/reading.html", "plan_import.reading_status")


@bp.route("/boards/<id:board_id>/plans/import/reading/<id:reading_id>.json")
@board_role(*ADMINISTRATOR, board_of=PLANS.board_of_reading)
def reading_status(board_id: int, reading_id: int):
    return reading_status_json(PLANS, reading_id)


@bp.route("/plan-imports/<id:plan_import_id>", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=_board_of_plan_import)
def review(plan_import_id: int):
    """How the plan's table will be read: which table, what each column holds, the quarter
    of its status and progress and its title; with the first recommendations as read."""
    db = get_db()
    found = imports.get_import(db, plan_import_id)
    if found["plan_id"]:
        flash("The plan has already been created from this file.")
        return redirect(url_for("plans.show", plan_id=found["plan_id"]))
    errors: list[tuple[str, str]] = []
    inspections = inspections_of_board(db, g.board_id)
    if request.method == "POST":
        choices, errors = _choices_from_form(
            found["tables"], request.form, found["choices"].get("quarter"), inspections
        )
        if not errors:
            try:
                plan_id = _save(db, plan_import_id, choices, request.form.get("action"))
            except StaleChange:
                flash(stale_change_message("how this plan will be read"), "error")
                return redirect(url_for("plan_import.review", plan_import_id=plan_import_id))
            except (tables.PlanFileError, create.PlanNotMade) as error:
                errors.append(("columns", str(error)))
            else:
                if plan_id:
                    flash(
                        "The plan is created as a draft that only administrators can see. "
                        "Check it, choose champions, then start reporting."
                    )
                    return redirect(url_for("plans.show", plan_id=plan_id))
                flash("Your choices are saved. Check the first rows below.")
                return redirect(url_for("plan_import.review", plan_import_id=plan_import_id))
    else:
        choices = _choices_shown(
            found, request.args.get("table", type=int), request.args.get("header_row", type=int)
        )
    return render_template(
        "plan_import/review.html",
        found=found,
        choices=choices,
        errors=errors,
        tables_with_text=_tables_with_text(found["tables"]),
        header=_header(found["tables"], choices),
        header_rows=_header_rows_offered(found["tables"][choices["table"]]),
        first_rows=_first_rows(found["tables"], choices),
        field_of_column=_field_of_column(choices),
        preview=_preview(db, found["tables"], choices),
        inspections=inspections,
        quarter_of_columns=_quarter_of_columns(found["tables"], choices),
        fields=FIELDS,
        quarters=_quarters_offered(uk_today(), found["choices"].get("quarter")),
        status_words=STATUS_WORDS,
        board=get_board(db, g.board_id),
    ), 400 if errors else 200


def _save(db, plan_import_id: int, choices: dict, action: str | None) -> int | None:
    """Keep the choices, and for "Create the plan" make the plan from them: both or neither,
    so a plan that cannot be made leaves the choices as they were. The plan's id, if made."""
    actor = Actor(current_user.id, g.board_id)
    with write_transaction(db):
        seen = request.form.get("fingerprint", "")
        imports.save_choices(db, plan_import_id, choices, seen, actor)
        return create.create_plan(db, plan_import_id, actor) if action == "create" else None


def _tables_with_text(found_tables: list[tables.Table]) -> list[tuple[int, str]]:
    return [
        (index, table.name)
        for index, table in enumerate(found_tables)
        if any(cell.text.strip() for row in table.rows for cell in row)
    ]


def _choices_shown(found: dict, table_index: int | None, header_row: int | None) -> dict:
    """The saved choices; or, for another table or header row the reviewer asks for, the
    columns found there (none, if nothing there looks like a plan's column)."""
    saved = found["choices"]
    table_index = saved["table"] if table_index is None else table_index
    if table_index == saved["table"] and header_row in (None, saved["header_row"]):
        return saved
    if table_index not in {index for index, _ in _tables_with_text(found["tables"])}:
        abort(404)
    table = found["tables"][table_index]
    if header_row is not None:
        if header_row not in range(min(len(table.rows), reading.HEADER_SEARCH_ROWS)):
            abort(404)
        layout = reading.layout_at(table, header_row)
    else:
        try:
            layout = reading.find_layout([table])
        except tables.PlanFileError:
            layout = reading.layout_at(table, 0)
    return saved | reading.choices_of_layout(found["tables"], layout)


def _header_rows_offered(table: tables.Table) -> list[tuple[int, str]]:
    """The rows the column headings may be in, each as its first words."""
    offered = []
    for index, row in enumerate(table.rows[: reading.HEADER_SEARCH_ROWS]):
        words = " | ".join(text for text in (" ".join(cell.text.split()) for cell in row) if text)
        offered.append((index, f"Row {index + 1}: {words[:100] or '(empty)'}"))
    return offered


def _choices_from_form(
    found_tables: list, form: MultiDict, saved_quarter: str | None, inspections: list[dict]
) -> tuple[dict, list]:
    """The choices as sent, and problems in words for any that cannot be one."""
    try:
        table_index = int(form.get("table", ""))
        header_row = int(form.get("header_row", ""))
        table = found_tables[table_index]
        header = table.rows[header_row]
    except (ValueError, IndexError):
        abort(400)
    if table_index < 0 or header_row < 0:
        abort(400)
    known = {name for name, _ in FIELDS}
    columns: dict = {}  # field: column, or for progress and status a list of columns
    errors: list[tuple[str, str]] = []
    labels = dict(FIELDS)
    for index in range(len(header)):
        chosen = form.get(f"column-{index}", "")
        if not chosen:
            continue
        if chosen not in known:
            errors.append((f"column-{index}", "Select what this column holds"))
        elif chosen in reading.QUARTERLY_FIELDS:
            columns.setdefault(chosen, []).append(index)  # one column a quarter
        elif chosen in columns:
            errors.append((f"column-{index}", f"Select only one column as {labels[chosen]}"))
        else:
            columns[chosen] = index
    for name in reading.QUARTERLY_FIELDS:
        if len(columns.get(name, ())) == 1:
            columns[name] = columns[name][0]
    if not errors and "recommendation" not in columns:
        errors.append(("column-0", "Select the column that holds the recommendations"))
    quarter = form.get("quarter", "")
    if quarter and quarter not in _quarters_offered(uk_today(), saved_quarter):
        errors.append(("quarter", "Select the quarter the status and progress are for"))
    title = clean_text(form.get("title", ""))[:300]
    if not title:
        errors.append(("title", "Enter the plan's title"))
    inspection_id = None
    if form.get("inspection_id"):
        offered = {str(inspection["id"]): inspection["id"] for inspection in inspections}
        inspection_id = offered.get(form["inspection_id"])
        if inspection_id is None:
            errors.append(("inspection_id", "Select the inspection report the plan answers"))
    choices = {
        "table": table_index,
        "header_row": header_row,
        "columns": columns,
        "quarter": quarter or None,
        "title": title,
        "inspection_id": inspection_id,
        "add_missing": form.get("add_missing") == "yes",
    }
    return choices, errors


def _field_of_column(choices: dict) -> dict[int, str]:
    return {
        column: name
        for name, chosen in choices["columns"].items()
        for column in (chosen if isinstance(chosen, list) else [chosen])
    }


def _quarter_of_columns(found_tables: list, choices: dict) -> list[tuple[str, str]]:
    """(header, quarter label) of each progress and status column, when the plan has a
    column a quarter and the quarter of the latest is chosen."""
    if not choices.get("quarter"):
        return []
    try:
        layout = reading.layout_from_choices(found_tables, choices)
    except tables.PlanFileError:
        return []
    if not layout.quarterly:
        return []
    latest = Quarter.parse(choices["quarter"])
    return [
        (layout.headings[column], latest.shifted(offset).label)
        for column, offset in sorted(layout.quarter_offsets().items())
    ]


def _header(found_tables: list, choices: dict) -> list[str]:
    table = found_tables[choices["table"]]
    if choices["header_row"] >= len(table.rows):
        return []
    return reading.column_headings(table, choices["header_row"])[0]


def _first_rows(found_tables: list, choices: dict) -> list[list[str]]:
    """The rows under the header as written, for recognising the table."""
    table = found_tables[choices["table"]]
    start = choices["header_row"] + reading.column_headings(table, choices["header_row"])[1]
    rows = table.rows[start : start + FIRST_ROWS]
    return [[cell.text.strip() for cell in row] for row in rows]


def _preview(db, found_tables: list, choices: dict) -> dict:
    """The first recommendations as they will be imported, or why none can be; and, when
    the plan is linked to an inspection report, how it matches the report's."""
    try:
        plan = reading.read_plan(found_tables, reading.layout_from_choices(found_tables, choices))
    except tables.PlanFileError as error:
        return {"problem": str(error), "recommendations": [], "warnings": [], "count": 0}
    recommendations = plan["recommendations"]
    preview = {
        "problem": None,
        "recommendations": recommendations[:PREVIEW_ROWS],
        "warnings": plan["warnings"],
        "count": len(recommendations),
        "report": None,
    }
    if choices.get("inspection_id"):
        matched = create.match_report(db, choices["inspection_id"], recommendations)
        sources = [matched.source_of(index) for index in range(len(recommendations))]
        unquoted = [
            (recommendation, line)
            for index, recommendation in enumerate(recommendations)
            for line, finding_id in zip(
                recommendation["key_lines_of_enquiry"], matched.finding_ids_of(index), strict=True
            )
            if finding_id is None
        ]
        key_line_count = sum(len(r["key_lines_of_enquiry"]) for r in recommendations)
        preview["report"] = {
            "sources": sources[:PREVIEW_ROWS],
            "answered": sum(source is not None for source in sources),
            "of_report": len(matched.report),
            "unanswered": [
                r for r, source in zip(recommendations, sources, strict=True) if not source
            ],
            "missing": matched.missing,
            "key_lines": key_line_count,
            "unquoted": unquoted,
        }
    return preview


def _quarters_offered(today, saved: str | None) -> list[str]:
    """The last quarters up to the current one, the latest first, and the one chosen before
    if it is older."""
    quarter = Quarter.containing(today)
    labels = []
    for _ in range(QUARTERS_OFFERED):
        labels.append(quarter.label)
        quarter = quarter.previous()
    return labels if not saved or saved in labels else [*labels, saved]
