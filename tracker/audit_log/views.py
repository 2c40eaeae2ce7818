"""The audit log page and its CSV export."""

import csv
import io
from collections.abc import Iterator

from flask import Response, current_app, render_template, request

from tracker.audit_log import bp, queries
from tracker.audit_log.entries import (
    CSV_HEADER,
    csv_cells,
    describe,
    export_filename,
)
from tracker.audit_log.forms import AuditLogFilterForm
from tracker.audit_log.queries import AuditFilters
from tracker.boards import board_in_url, get_board
from tracker.db import get_db, open_database
from tracker.pagination import pages_to_show
from tracker.permissions import board_role
from tracker.uk_time import uk_today

# Excel reads a CSV as UTF-8 only when it starts with this mark.
BYTE_ORDER_MARK = "\ufeff"


@bp.route("/boards/<id:board_id>/audit-log")
@board_role("administrator", board_of=board_in_url)
def index(board_id: int):
    """Every change to the board's data, newest first, filtered by plan, person, record, kind of
    change and date."""
    db = get_db()
    form = _filter_form(db, board_id)
    if not form.validate():
        return _page(db, board_id, form), 400
    filters = form.filters()
    page = queries.page_of(queries.count_entries(db, board_id, filters), request.args.get("page"))
    entries = queries.entries_on_page(db, board_id, filters, page)
    names = queries.names_for(db, board_id, entries)
    return _page(
        db,
        board_id,
        form,
        entries=[describe(entry, names) for entry in entries],
        page=page,
        page_numbers=pages_to_show(page),
    )


@bp.route("/boards/<id:board_id>/audit-log.csv")
@board_role("administrator", board_of=board_in_url)
def export(board_id: int):
    """The filtered entries, every page of them, as a CSV file with each row in full."""
    db = get_db()
    form = _filter_form(db, board_id)
    if not form.validate():
        return _page(db, board_id, form), 400
    filename = export_filename(get_board(db, board_id)["name"], uk_today())
    return Response(
        _csv_lines(current_app.config["DATABASE"], board_id, form.filters()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _filter_form(db, board_id: int) -> AuditLogFilterForm:
    form = AuditLogFilterForm(request.args)
    form.offer(
        queries.plans_of_board(db, board_id),
        queries.people_who_change(db, board_id),
        queries.tables_in_log(db, board_id),
    )
    return form


def _page(db, board_id: int, form: AuditLogFilterForm, **shown) -> str:
    return render_template(
        "audit_log/index.html",
        board=get_board(db, board_id),
        form=form,
        chosen=form.chosen(),
        **shown,
    )


def _csv_lines(database: str, board_id: int, filters: AuditFilters) -> Iterator[str]:
    """The export, a line at a time, read through its own connection: the request's connection
    is closed when the view returns, before a streamed response is sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield BYTE_ORDER_MARK + _drain(buffer)
    db = open_database(database)
    try:
        for entry in queries.all_entries(db, board_id, filters):
            writer.writerow(csv_cells(entry))
            yield _drain(buffer)
    finally:
        db.close()


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
