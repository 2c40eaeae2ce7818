"""The inspection's ratings page."""

from flask import render_template

from tracker.db import get_db
from tracker.inspections import bp, queries
from tracker.permissions import board_member


@bp.route("/inspections/<id:inspection_id>")
@board_member(board_of=queries.board_of_inspection)
def show(inspection_id: int):
    """The inspection's ratings by domain and standard, with the score and the foreword."""
    db = get_db()
    return render_template(
        "inspections/show.html",
        inspection=queries.get_inspection(db, inspection_id),
        plan=queries.plan_for_inspection(db, inspection_id),
    )
