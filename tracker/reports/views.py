"""Uploading a report, reviewing the draft plan read from it, and creating the plan."""

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

from tracker.audit import Actor
from tracker.auth.accounts import memberships
from tracker.boards import board_in_url, get_board
from tracker.concurrency import StaleChange, stale_change_message
from tracker.db import get_db
from tracker.jobs.reading_pages import follow_reading, start_reading
from tracker.jobs.reading_pages import reading_status as reading_status_json
from tracker.people.queries import people_of_board
from tracker.permissions import board_role, signed_in
from tracker.reports import bp, drafts, imports, readings
from tracker.reports.extraction import RATING_WORDS, source_excerpt
from tracker.reports.forms import UploadForm
from tracker.text import clean_text

ADMINISTRATOR = ("administrator",)


@bp.route("/reports/new")
@signed_in
def choose_board():
    """Which board a report is for, asked of someone who runs more than one. Choosing changes
    nothing, so the answer comes back in the query string."""
    boards = [
        board
        for board in memberships(get_db(), current_user.id)
        if board["role"] == "administrator"
    ]
    if not boards:
        abort(404)
    if len(boards) == 1:
        return redirect(url_for("reports.upload", board_id=boards[0]["board_id"]))
    answered = "board" in request.args
    chosen = request.args.get("board", type=int)
    if chosen in {board["board_id"] for board in boards}:
        return redirect(url_for("reports.upload", board_id=chosen))
    error = "Select the board the report is for" if answered else None
    return render_template(
        "reports/choose_board.html", boards=boards, error=error
    ), 400 if error else 200


@bp.route("/boards/<id:board_id>/reports/new", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=board_in_url)
def upload(board_id: int):
    """Upload an inspection report, or paste its text, to start a draft plan."""
    db = get_db()
    form = UploadForm()
    if form.validate_on_submit():
        # Read by the job worker: reading a long PDF ties up nobody's web page.
        found = start_reading(readings.REPORTS, form, "read_report", board_id, "pasted text")
        if found.state == "done":
            return redirect(url_for("reports.review", import_id=found.result_id))
        if found.state != "failed":
            return redirect(url_for("reports.reading", board_id=board_id, reading_id=found.id))
    return render_template(
        "reports/upload.html",
        form=form,
        board=get_board(db, board_id),
        earlier=imports.imports_of_board(db, board_id),
    ), 400 if form.errors else 200


@bp.route("/boards/<id:board_id>/reports/reading/<id:reading_id>")
@board_role(*ADMINISTRATOR, board_of=readings.board_of_reading)
def reading(board_id: int, reading_id: int):
    """An uploaded report being read by the job worker; once read, its draft plan."""
    found = readings.get(get_db(), reading_id)
    if found.state == "done":
        return redirect(url_for("reports.review", import_id=found.result_id))
    return follow_reading(readings.REPORTS, found, "reports/reading.html", "reports.reading_status")


@bp.route("/boards/<id:board_id>/reports/reading/<id:reading_id>.json")
@board_role(*ADMINISTRATOR, board_of=readings.board_of_reading)
def reading_status(board_id: int, reading_id: int):
    return reading_status_json(readings.REPORTS, reading_id)


@bp.route("/imports/<id:import_id>", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=imports.board_of_import)
def review(import_id: int):
    """The draft plan read from the report, to correct and then create."""
    db = get_db()
    found = imports.get_import(db, import_id)
    if found["plan_id"]:
        flash("The plan has already been created from this report.")
        return redirect(url_for("plans.show", plan_id=found["plan_id"]))
    people = people_of_board(db, g.board_id)
    errors: list[tuple[str, str]] = []
    draft = found["draft"]
    if request.method == "POST":
        draft, errors = drafts.apply_review(draft, request.form, {p["id"] for p in people})
        if not errors:
            try:
                draft = _apply_action(draft, request.form.get("action", "save"))
            except drafts.DraftError as error:
                errors.append(("add-local", str(error)))
        if not errors:
            try:
                imports.save_draft(
                    db,
                    import_id,
                    draft,
                    request.form.get("fingerprint", ""),
                    Actor(current_user.id, g.board_id),
                )
            except StaleChange:
                flash(stale_change_message("this draft"), "error")
                return redirect(url_for("reports.review", import_id=import_id))
            if request.form.get("action") == "create":
                return _create(db, import_id, draft)
            flash("Your changes to the draft are saved.")
            return redirect(url_for("reports.review", import_id=import_id))
    return render_template(
        "reports/review.html",
        found=found,
        draft=draft,
        people=people,
        errors=errors,
        rating_words=RATING_WORDS,
        board=get_board(db, g.board_id),
    ), 400 if errors else 200


def _apply_action(draft: dict, action: str) -> dict:
    """Apply the button the reviewer pressed: save, create, add-local, or KEY:move-up etc."""
    if action in ("save", "create"):
        return draft
    if action == "add-local":
        return drafts.add_local(draft, request.form.get("add-local", ""))
    key, _, verb = action.partition(":")
    operations = {
        "move-up": lambda: drafts.move(draft, key, -1),
        "move-down": lambda: drafts.move(draft, key, 1),
        "delete": lambda: drafts.delete(draft, key),
        "merge": lambda: drafts.merge_with_next(draft, key),
        "split": lambda: drafts.split(draft, key),
    }
    if verb not in operations:
        abort(400)
    return operations[verb]()


def _create(db, import_id: int, draft: dict):
    if not draft["recommendations"]:
        flash("Add at least one recommendation before creating the plan.", "error")
        return redirect(url_for("reports.review", import_id=import_id))
    title = clean_text(request.form.get("plan-title") or "")[:300] or _default_title(draft)
    plan_id = imports.create_plan(db, import_id, title, Actor(current_user.id, g.board_id))
    flash(
        "The plan is created as a draft that only administrators can see. Check it, choose "
        "champions, then start reporting."
    )
    return redirect(url_for("plans.show", plan_id=plan_id))


def _default_title(draft: dict) -> str:
    service = draft["inspection"]["service"] or "Youth justice service"
    return f"{service} inspection improvement plan"


@bp.route("/imports/<id:import_id>/source")
@board_role(*ADMINISTRATOR, board_of=imports.board_of_import)
def source(import_id: int):
    """The uploaded report's text around a place in it."""
    found = imports.get_import(get_db(), import_id)
    position = request.args.get("at", type=int) or 0
    return render_template(
        "reports/source.html",
        excerpt=source_excerpt(found["source_text"], position),
        name=found["filename"],
        back=url_for("reports.review", import_id=import_id),
    )
