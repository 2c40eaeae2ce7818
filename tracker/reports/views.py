"""Uploading a report, reviewing the draft plan read from it, and creating the plan."""

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
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
from tracker.jobs import jobs_for
from tracker.people.queries import people_of_board
from tracker.permissions import board_role, signed_in
from tracker.reports import bp, drafts, imports, readings
from tracker.reports.extraction import RATING_WORDS, source_excerpt
from tracker.reports.forms import UploadForm
from tracker.text import clean_text
from tracker.updates.evidence import readable_name

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
        # Kept as sent (no more than the limit and a byte, to tell a file that is too large)
        # and read by the job worker: reading a long PDF ties up nobody's web page.
        if form.report.data:
            # Shown on pages and kept as the plan's source: no folders, no disguising
            # right-to-left or control characters.
            filename = readable_name(form.report.data.filename) or "report"
            content = form.report.data.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
        else:
            filename, content = "pasted text", form.pasted.data.encode("utf-8", "replace")
        actor = Actor(current_user.id, board_id)
        reading_id = readings.queue(
            db, board_id, filename, content, pasted=not form.report.data, actor=actor
        )
        jobs_for(current_app._get_current_object()).read_report(reading_id)
        reading = readings.get(db, reading_id)  # read already where jobs run at once
        if reading.state == "done":
            return redirect(url_for("reports.review", import_id=reading.import_id))
        if reading.state == "failed":
            # Refused while the form waited: the form says why, and nothing is kept.
            readings.forget(db, reading_id)
            form.report.errors.append(reading.error)
        else:
            return redirect(url_for("reports.reading", board_id=board_id, reading_id=reading_id))
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
    db = get_db()
    found = readings.get(db, reading_id)
    if found.state == "done":
        return redirect(url_for("reports.review", import_id=found.import_id))
    return render_template(
        "reports/reading.html",
        board=get_board(db, board_id),
        reading=found,
        status=readings.status(found),
        status_url=url_for("reports.reading_status", board_id=board_id, reading_id=reading_id),
    )


@bp.route("/boards/<id:board_id>/reports/reading/<id:reading_id>.json")
@board_role(*ADMINISTRATOR, board_of=readings.board_of_reading)
def reading_status(board_id: int, reading_id: int):
    return jsonify(readings.status(readings.get(get_db(), reading_id)))


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
