"""Pages for actions: the plan's setting, and adding, changing and deleting a recommendation's
actions. The recommendation page shows them through the template helpers below."""

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlite_utils import Database

from tracker.actions import bp, queries
from tracker.actions.forms import ActionForm, SettingsForm
from tracker.audit import Actor
from tracker.concurrency import StaleChange, stale_change_message
from tracker.db import get_db
from tracker.people.queries import people_of_board
from tracker.permissions import board_role
from tracker.plans import queries as plans
from tracker.updates.workflow import is_champion

# Champions may change the actions of the recommendations they champion, and only those.
EDITORS = ("administrator", "champion")


def today() -> date:
    """The day overdue actions are judged against."""
    return date.today()


def may_change_actions(db: Database, recommendation_id: int) -> bool:
    """Whether the current user may add, change and delete the recommendation's actions: the
    administrator, and the recommendation's own champions."""
    role = g.get("role")
    return role == "administrator" or (
        role == "champion" and is_champion(db, g.get("person_id"), recommendation_id)
    )


@bp.app_template_global("recommendation_actions")
def recommendation_actions(recommendation_id: int) -> list[dict]:
    """For the recommendation page: its actions, with owners and overdue flags."""
    return queries.actions_of(get_db(), recommendation_id, today())


@bp.app_template_global("may_change_actions")
def may_change_actions_here(recommendation_id: int) -> bool:
    """For the recommendation page: whether to offer "Add an action" and "Change"."""
    return may_change_actions(get_db(), recommendation_id)


@bp.route("/plans/<id:plan_id>/actions/settings", methods=["GET", "POST"])
@board_role("administrator", board_of=plans.board_of_plan)
def settings(plan_id: int):
    """Turn actions on or off for the plan."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    form = SettingsForm()
    if form.validate_on_submit():
        on = form.uses_actions.data == "yes"
        queries.set_uses_actions(db, plan_id, on, Actor(current_user.id, g.board_id))
        flash(
            "Actions are turned on: each recommendation's page now lists its actions."
            if on
            else "Actions are turned off for this plan. Any actions are kept, but not shown."
        )
        return redirect(url_for("plans.show", plan_id=plan_id))
    if not form.is_submitted():
        form.uses_actions.data = "yes" if plan["uses_actions"] else "no"
    return render_template("actions/settings.html", form=form, plan=plan), (
        400 if form.errors else 200
    )


@bp.route("/recommendations/<id:recommendation_id>/actions/new", methods=["GET", "POST"])
@board_role(*EDITORS, board_of=plans.board_of_recommendation)
def add(recommendation_id: int):
    """Add an action to the recommendation."""
    db = get_db()
    recommendation, plan = _open_for_change(db, recommendation_id)
    form = ActionForm(data=None if request.method == "POST" else {"status": "not started"})
    form.offer(people_of_board(db, g.board_id))
    if form.validate_on_submit():
        queries.add_action(db, recommendation_id, form.fields(), Actor(current_user.id, g.board_id))
        flash("Action added.")
        return _back_to(recommendation_id)
    return render_template(
        "actions/edit.html", form=form, recommendation=recommendation, plan=plan, action=None
    ), 400 if form.errors else 200


@bp.route("/actions/<id:action_id>/edit", methods=["GET", "POST"])
@board_role(*EDITORS, board_of=queries.board_of_action)
def edit(action_id: int):
    """Change an action's text, owner, target date or status."""
    db = get_db()
    action = queries.get_action(db, action_id)
    recommendation, plan = _open_for_change(db, action["recommendation_id"])
    # On a POST every value, the fingerprint included, comes from what the user sent.
    form = ActionForm(
        data=None
        if request.method == "POST"
        else ActionForm.data_of(action, queries.action_fingerprint(action))
    )
    form.offer(people_of_board(db, g.board_id))
    if form.validate_on_submit():
        try:
            queries.change_action(
                db,
                action_id,
                form.fields(),
                form.fingerprint.data or "",
                Actor(current_user.id, g.board_id),
            )
        except StaleChange:
            return _stale(db, action_id, action["recommendation_id"], "save")
        flash("Action saved.")
        return _back_to(action["recommendation_id"])
    return render_template(
        "actions/edit.html",
        form=form,
        recommendation=recommendation,
        plan=plan,
        action=action,
        fingerprint=queries.action_fingerprint(action),
    ), 400 if form.errors else 200


@bp.route("/actions/<id:action_id>/delete", methods=["POST"])
@board_role(*EDITORS, board_of=queries.board_of_action)
def delete(action_id: int):
    """Delete an action, unless it changed since the user last saw it."""
    db = get_db()
    action = queries.get_action(db, action_id)
    _open_for_change(db, action["recommendation_id"])
    try:
        queries.delete_action(
            db,
            action_id,
            request.form.get("fingerprint", ""),
            Actor(current_user.id, g.board_id),
        )
    except StaleChange:
        return _stale(db, action_id, action["recommendation_id"], "delete")
    flash("Action deleted.")
    return _back_to(action["recommendation_id"])


def _open_for_change(db: Database, recommendation_id: int) -> tuple[dict, dict]:
    """The recommendation and its plan, if the user may change its actions (else 403) and the
    plan uses actions (else 404: with actions off, there are none to find)."""
    if not may_change_actions(db, recommendation_id):
        abort(403)
    recommendation = queries.recommendation_of(db, recommendation_id)
    if not recommendation["uses_actions"]:
        abort(404)
    return recommendation, plans.get_plan(db, recommendation["plan_id"])


def _back_to(recommendation_id: int):
    return redirect(
        url_for("plans.recommendation", recommendation_id=recommendation_id, _anchor="actions")
    )


def _stale(db: Database, action_id: int, recommendation_id: int, doing: str):
    """Nothing was changed: say why, and show the action as it is now."""
    if queries.get_action(db, action_id) is None:
        flash("Someone else deleted this action while you were looking at it.", "error")
        return _back_to(recommendation_id)
    if doing == "delete":
        flash(
            "Someone else changed this action while you were looking at it, so it was not "
            "deleted. Here it is as it is now: check it before deleting it.",
            "error",
        )
    else:
        flash(stale_change_message("this action's details"), "error")
    return redirect(url_for("actions.edit", action_id=action_id))
