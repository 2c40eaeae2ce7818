"""The update form, the administrator's review, and closing a quarter."""

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from tracker import notifications
from tracker.audit import Actor
from tracker.boards import status_key_of
from tracker.db import get_db
from tracker.lifecycle.forms import QuarterDatesForm, example_dates
from tracker.permissions import board_member, board_role, sees_unapproved, when_signed_out_post
from tracker.plans import queries as plans
from tracker.quarters import Quarter, reporting_date_problems
from tracker.rag import status_for
from tracker.text import clean_text
from tracker.updates import bp, evidence, workflow
from tracker.working_copies import copies
from tracker.working_copies import sign_in as kept_text

EDITORS = ("administrator", "champion")


def _current_quarter(db, plan: dict) -> dict:
    """The plan's current quarter's row, made on first use. A draft has none yet: its
    administrator is sent to start reporting; a closed plan takes no more changes."""
    if plan["state"] == "draft" or not plan["current_quarter"]:
        flash("Reporting has not started on this plan yet: choose its first quarter.", "error")
        abort(redirect(url_for("lifecycle.start", plan_id=plan["id"])))
    if plan["state"] == "closed":
        flash("This plan is closed: its updates are the record and can no longer change.", "error")
        abort(redirect(url_for("plans.show", plan_id=plan["id"])))
    quarter_id = workflow.ensure_quarter(
        db, plan["id"], Quarter.parse(plan["current_quarter"]), Actor(current_user.id, g.board_id)
    )
    return db["quarters"].get(quarter_id)


@bp.route("/recommendations/<id:recommendation_id>/update", methods=["GET", "POST"])
@when_signed_out_post(kept_text.sign_in_keeping_typed_text)
@board_role(*EDITORS, board_of=plans.board_of_recommendation)
def edit(recommendation_id: int):
    """A champion's update on one recommendation for the current quarter."""
    db = get_db()
    if g.role == "champion" and not workflow.is_champion(db, g.person_id, recommendation_id):
        abort(403)
    recommendation = plans.get_recommendation(db, recommendation_id, approved_only=False)
    plan = plans.get_plan(db, recommendation["plan_id"])
    quarter = _current_quarter(db, plan)
    status_key = status_key_of(db, g.board_id)
    latest = workflow.latest_revision(db, recommendation_id, quarter["id"])
    previous = _last_approved(db, recommendation_id, quarter, status_key)
    # Last quarter's words fill only a form with nothing of this quarter's in it, and only when
    # the champion asks: a revision of this quarter is never overwritten from here.
    may_start_from_previous = request.method == "GET" and latest is None and previous is not None
    start_from_previous = may_start_from_previous and request.args.get("start_from") == "last"
    fields = (
        dict(latest)
        if latest
        else workflow.first_form_fields(previous, with_text=start_from_previous)
    )
    # What the person typed and has not saved (kept as they typed, or as they signed in again)
    # fills the form in place of the last save, with a banner saying so.
    kept = (
        copies.copy_to_offer(db, current_user.id, recommendation_id, quarter["id"], latest)
        if request.method == "GET"
        else None
    )
    if kept:
        fields = dict(kept.fields)
    problems, conflict, status, files_chosen = {}, None, 200, False
    closed_meanwhile = None
    max_bytes = int(current_app.config["EVIDENCE_MAX_BYTES"])
    max_total = int(current_app.config["UPLOAD_MAX_BYTES"])
    if request.method == "POST":
        fields = {
            name: clean_text(request.form.get(name, ""))
            for name in (*workflow.TEXT_FIELDS, "status")
        }
        submit = request.form.get("action") == "submit"
        problems = workflow.update_problems(fields, status_key, submitting=submit)
        # The form names the quarter it was opened for: once that quarter has closed, the
        # words are kept on the page but never filed under the next quarter unannounced.
        if request.form.get("quarter") != quarter["label"]:
            closed_meanwhile, problems = _quarter_named(request.form.get("quarter")), {}
        files_chosen = evidence.any_file_chosen(request.files)
        try:
            changes = evidence.check_changes(
                request.files, request.form.getlist("remove"), max_bytes
            )
        except evidence.EvidenceError as error:
            problems["evidence"] = str(error)
        if closed_meanwhile:
            status = 409
        elif not problems:
            actor = Actor(current_user.id, g.board_id)
            try:
                evidence.save_with_changes(
                    db,
                    current_app.config["EVIDENCE_FOLDER"],
                    changes,
                    actor,
                    lambda: workflow.save_update(
                        db,
                        recommendation_id,
                        quarter["id"],
                        fields,
                        request.form.get("based_on", type=int) or 0,
                        submit,
                        actor,
                        saves_per_hour=current_app.config["UPDATE_SAVES_PER_HOUR"],
                    ),
                    _evidence_limits(),
                )
            except workflow.Conflict as clash:
                conflict, status = clash.latest, 409
            except workflow.TooManySaves as error:
                problems, status = {"update-form": str(error)}, 429
            except workflow.UpdateError as error:
                problems, status = {"narrative": str(error)}, 409
            except evidence.EvidenceError as error:
                problems, status = {"evidence": str(error)}, 400
            except OSError:
                current_app.logger.exception("Could not store evidence files")
                problems = {
                    "evidence": "The files could not be stored, so nothing was saved: try again"
                }
                status = 500
            else:
                notifications.send_soon()
                flash(
                    "Your update is submitted for approval."
                    if submit
                    else "Your draft is saved. Submit it when it is ready."
                )
                return redirect(
                    url_for("plans.recommendation", recommendation_id=recommendation_id)
                )
        else:
            status = 400
    return render_template(
        "updates/edit.html",
        recommendation=recommendation,
        plan=plan,
        quarter=quarter,
        latest=conflict or latest,
        previous=previous,
        started_from_previous=start_from_previous,
        offer_previous=may_start_from_previous and not start_from_previous,
        conflict=conflict,
        closed_meanwhile=closed_meanwhile,
        fields=fields,
        kept=kept,
        problems=problems,
        status_key=status_key,
        files=evidence.files_of_revision(db, conflict or latest) if (conflict or latest) else [],
        files_correctable=(conflict or latest or {}).get("state") in evidence.CORRECTABLE_STATES,
        ticked_for_removal=request.form.getlist("remove"),
        files_chosen=files_chosen,
        accept=evidence.ACCEPT,
        max_files=evidence.MAX_FILES_PER_SAVE,
        max_size=evidence.describe_size(max_bytes),
        # The whole form is capped too (a larger one is refused as too large).
        max_total=evidence.describe_size(max_total)
        if max_total < evidence.MAX_FILES_PER_SAVE * max_bytes
        else None,
    ), status


def _evidence_limits() -> evidence.Limits:
    """The installation's bounds on stored evidence (a board may have its own quota)."""
    return evidence.Limits(
        default_quota_bytes=int(current_app.config["EVIDENCE_QUOTA_BYTES"]),
        uploads_per_hour=int(current_app.config["EVIDENCE_UPLOADS_PER_HOUR"]),
    )


def _last_approved(db, recommendation_id: int, quarter: dict, status_key) -> dict | None:
    """The recommendation's last approved update before `quarter`, with its status in words."""
    found = workflow.last_approved_before(db, recommendation_id, quarter["starts_on"])
    if found is None:
        return None
    # A status the board has since stopped using keeps its default words.
    status = status_for(found["status"], status_key) or status_for(found["status"])
    return found | {
        "status_label": status.label if status else None,
        "status_meaning": status.meaning if status else None,
        "is_previous_quarter": found["label"] == Quarter.parse(quarter["label"]).previous().label,
    }


def _quarter_named(label: str | None) -> str:
    """How to name the quarter a form says it was opened for, whatever was sent."""
    try:
        return Quarter.parse(label or "").label
    except ValueError:
        return "The quarter this page was opened for"


@bp.route("/evidence/<id:evidence_id>")
@board_member(board_of=evidence.board_of_evidence)
def evidence_file(evidence_id: int):
    """Download an evidence file: the scrutiny panel only once an approved update carries it."""
    found = evidence.get_evidence(get_db(), evidence_id)
    # An erased file (taken off a draft it should never have been on) is gone for everyone.
    if found is None or found["file_erased"] or not (sees_unapproved(g.role) or found["approved"]):
        abort(404)
    path = evidence.stored_path(current_app.config["EVIDENCE_FOLDER"], found["stored_name"])
    if path is None or not path.is_file():
        current_app.logger.warning("Evidence file %s is missing from the folder", evidence_id)
        abort(404)
    response = send_file(
        path,
        mimetype=found["content_type"],
        as_attachment=True,
        download_name=found["original_name"],
    )
    # As stored, without the charset Werkzeug adds to text/*: a CSV may be Windows-1252.
    response.headers["Content-Type"] = found["content_type"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global("evidence_files")
def evidence_files(update: dict) -> list[dict]:
    """The evidence files a revision carries, for the history of updates."""
    return evidence.files_of_revision(get_db(), update)


@bp.app_template_global("evidence_taken_off")
def evidence_taken_off(update: dict) -> list[dict]:
    """The evidence files a revision took off its update, for the history of updates."""
    return evidence.files_taken_off_by(get_db(), update)


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """A file's size as people say it: "120 KB", "1.5 MB"."""
    return evidence.describe_size(size)


@bp.route("/recommendations/<id:recommendation_id>/review", methods=["POST"])
@board_role("administrator", board_of=plans.board_of_recommendation)
def review(recommendation_id: int):
    """Approve the submitted update, or return it with a reason."""
    db = get_db()
    plan = plans.get_plan(
        db, plans.get_recommendation(db, recommendation_id, approved_only=False)["plan_id"]
    )
    quarter = _current_quarter(db, plan)
    if request.form.get("quarter") != quarter["label"]:
        flash(
            f"{_quarter_named(request.form.get('quarter'))} was closed before you decided, "
            "so nothing was changed.",
            "error",
        )
        return redirect(url_for("plans.recommendation", recommendation_id=recommendation_id))
    approve = request.form.get("decision") == "approve"
    try:
        workflow.review_update(
            db,
            recommendation_id,
            quarter["id"],
            approve,
            clean_text(request.form.get("note", "")),
            request.form.get("based_on", type=int) or 0,
            Actor(current_user.id, g.board_id),
        )
    except workflow.Conflict:
        flash(
            "The update changed while you were reading it: read it again before deciding.", "error"
        )
    except workflow.UpdateError as error:
        flash(str(error), "error")
    else:
        notifications.send_soon()
        flash("Update approved." if approve else "Update returned to its champions.")
    return redirect(url_for("plans.recommendation", recommendation_id=recommendation_id))


@bp.route("/plans/<id:plan_id>/quarters", methods=["GET", "POST"])
@board_role("administrator", board_of=plans.board_of_plan)
def quarters(plan_id: int):
    """Deadlines and board dates for the current quarter, and closing it after the board."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    quarter = _current_quarter(db, plan)
    form = QuarterDatesForm(
        data={
            name: date.fromisoformat(quarter[name]) if quarter[name] else None
            for name in ("update_deadline", "board_meeting_on")
        }
    )
    if request.method == "POST":
        # Each form names the quarter it was opened for: one sent again after that quarter
        # closed (a double click, a second tab) must not act on the next quarter instead.
        closed_meanwhile = request.form.get("quarter") != quarter["label"]
        if closed_meanwhile and request.form.get("action") == "dates":
            # The dates typed stay on the page, to check against the quarter now open.
            return _quarter_page(
                db,
                plan,
                quarter,
                form,
                closed_meanwhile=_quarter_named(request.form.get("quarter")),
            ), 409
        if closed_meanwhile:
            flash(
                "That page was for a quarter that has since closed, so nothing was changed. "
                f"This is {quarter['label']}, the plan's current quarter.",
                "error",
            )
            return redirect(url_for("updates.quarters", plan_id=plan_id))
        if request.form.get("action") == "lock":
            # Closing has a confirmation page now: a close button from an older page goes there
            # rather than being taken for the dates form.
            flash("Nothing was changed: check what is left, then close the quarter here.", "error")
            return redirect(url_for("closing.close", plan_id=plan_id))
        if form.validate():
            deadline, meeting = form.update_deadline.data, form.board_meeting_on.data
            problems = reporting_date_problems(Quarter.parse(quarter["label"]), deadline, meeting)
            for name, message in problems.items():
                form[name].errors.append(message)
            if not problems:
                dates = {
                    "update_deadline": deadline.isoformat(),
                    "board_meeting_on": meeting.isoformat(),
                }
                workflow.set_quarter_dates(
                    db, quarter["id"], dates, Actor(current_user.id, g.board_id)
                )
                flash(f"Dates saved for {quarter['label']}.")
                return redirect(url_for("updates.quarters", plan_id=plan_id))
    return _quarter_page(db, plan, quarter, form), 400 if form.errors else 200


def _quarter_page(db, plan: dict, quarter: dict, form, closed_meanwhile: str | None = None) -> str:
    """The quarter's dates form, what is missing, and the way to close it."""
    return render_template(
        "updates/quarters.html",
        plan=plan,
        quarter=quarter,
        form=form,
        closed_meanwhile=closed_meanwhile,
        examples=example_dates(Quarter.parse(quarter["label"])),
        missing=plans.missing_count(db, plan["id"], quarter["id"]),
    )
