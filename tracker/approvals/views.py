"""The approvals inbox, and returning an update from it with a reason."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import notifications
from tracker.approvals import bp, queries, workflow
from tracker.approvals.forms import ReturnForm
from tracker.audit import Actor
from tracker.db import get_db
from tracker.permissions import board_role, signed_in
from tracker.plans import queries as plans
from tracker.quarters import Quarter
from tracker.updates.workflow import Conflict, UpdateError


@bp.route("/approvals", methods=["GET", "POST"])
@signed_in
def inbox():
    """Every update waiting for the user's approval on the boards they administer; approving
    the ones selected, all together or none."""
    db = get_db()
    if not queries.administers_a_board(db, current_user.id):
        abort(403)
    problems, selected, status = [], set(), 200
    if request.method == "POST":
        sent = request.form.getlist("update")
        try:
            approved = workflow.approve_several(db, current_user.id, workflow.chosen_ids(sent))
        except workflow.NothingApproved as refusal:
            problems, selected = refusal.problems, set(sent)
            status = 400 if not sent else 409
        else:
            notifications.send_soon()
            flash(_approved_message(approved, db))
            return redirect(url_for("approvals.inbox"))
    waiting = queries.waiting_for(db, current_user.id)
    # Each problem links to the first box to tick, as GOV.UK error summaries do.
    first_box = next((f"#update-{item['id']}" for item in waiting if not item["own"]), "#updates")
    return render_template(
        "approvals/inbox.html",
        waiting=waiting,
        errors=[{"text": problem, "href": first_box} for problem in problems],
        selected=selected,
    ), status


def _approved_message(approved: list[dict], db) -> str:
    recommendations = [db["recommendations"].get(u["recommendation_id"]) for u in approved]
    if len(recommendations) == 1:
        return f"The update on {workflow.recommendation_name(recommendations[0])} is approved."
    numbers = [str(one["number"]) for one in recommendations if one["number"] is not None]
    names = (
        numbers
        if len(numbers) == len(recommendations)
        else [workflow.recommendation_name(one) for one in recommendations]
    )
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    on = f"recommendations {listed}" if names is numbers else listed
    return f"{len(recommendations)} updates approved, on {on}."


@bp.route("/recommendations/<id:recommendation_id>/return", methods=["GET", "POST"])
@board_role("administrator", board_of=plans.board_of_recommendation)
def return_update(recommendation_id: int):
    """Return the update waiting on the recommendation to its champions, with a reason."""
    db = get_db()
    form = ReturnForm()
    if form.is_submitted() and form.validate():
        try:
            workflow.return_update(
                db,
                recommendation_id,
                form.label,
                form.revision,
                form.reason.data,
                Actor(current_user.id, g.board_id),
            )
        except workflow.QuarterChanged:
            flash(
                f"{_quarter_named(form.label)} was closed before you decided, "
                "so nothing was changed.",
                "error",
            )
        except Conflict:
            flash(
                "The update changed while you were reading it, so nothing was changed: "
                "read it again before deciding.",
                "error",
            )
        except UpdateError as error:
            flash(f"{error}. Nothing was changed.", "error")
        else:
            notifications.send_soon()
            name = workflow.recommendation_name(db["recommendations"].get(recommendation_id))
            flash(f"The update on {name} is returned to its champions with your reason.")
        return redirect(url_for("approvals.inbox"))
    waiting = queries.waiting_on_recommendation(db, recommendation_id)
    if waiting and not form.is_submitted():
        form.show(waiting)
    return render_template(
        "approvals/return.html",
        recommendation=db["recommendations"].get(recommendation_id),
        waiting=waiting,
        form=form,
    ), 400 if form.errors else 200


def _quarter_named(label: str) -> str:
    """How to name the quarter a form says it was opened for, whatever was sent."""
    try:
        return Quarter.parse(label).label
    except ValueError:
        return "The quarter this page was opened for"


@bp.app_template_global("waiting_for_approval")
def waiting_for_approval() -> list[dict]:
    """For the home page: the updates waiting for the signed-in user's approval."""
    return queries.waiting_for(get_db(), current_user.id)
