"""Pages to start reporting on a plan, close it, and delete a draft."""

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from tracker.audit import Actor
from tracker.db import get_db
from tracker.lifecycle import bp, states
from tracker.lifecycle.forms import ConfirmForm, StartReportingForm, example_dates
from tracker.permissions import board_role
from tracker.plans import queries as plans
from tracker.uk_time import uk_today

ADMINISTRATOR = ("administrator",)


@bp.route("/plans/<id:plan_id>/start", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=plans.board_of_plan)
def start(plan_id: int):
    """Choose the first reporting quarter and its dates: the draft goes live."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    if plan["state"] != "draft":
        flash(f"Reporting has already started on this plan: {plan['current_quarter']} is open.")
        return redirect(url_for("plans.show", plan_id=plan_id))
    form = StartReportingForm()
    quarters = states.first_quarter_choices(uk_today())
    form.offer(quarters)
    if form.validate_on_submit():
        quarter = form.chosen_quarter()
        try:
            states.start_reporting(
                db,
                plan_id,
                quarter,
                form.update_deadline.data,
                form.board_meeting_on.data,
                Actor(current_user.id, g.board_id),
            )
        except states.DatesProblem as problem:
            for name, message in problem.problems.items():
                form[name].errors.append(message)
        except states.StateError as error:
            flash(f"{error}: nothing was changed.", "error")
            return redirect(url_for("plans.show", plan_id=plan_id))
        else:
            flash(
                f"Reporting has started: champions can now write their updates for {quarter.label}."
            )
            return redirect(url_for("plans.show", plan_id=plan_id))
    if not form.is_submitted():
        form.quarter.data = quarters[1].label
    return render_template(
        "lifecycle/start.html",
        plan=plan,
        form=form,
        quarters=quarters,
        examples=example_dates(quarters[1]),
        steps=states.reporting_steps(db, plan),
    ), 400 if form.errors else 200


@bp.route("/plans/<id:plan_id>/close", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=plans.board_of_plan)
def close(plan_id: int):
    """Close a live plan after confirming: it is kept, read only."""
    return _confirmed_change(
        plan_id,
        "close",
        lambda db, actor: states.close_plan(db, plan_id, actor),
        "The plan is closed. It is kept, read only, under Closed plans.",
        url_for("plans.show", plan_id=plan_id),
    )


@bp.route("/plans/<id:plan_id>/delete", methods=["GET", "POST"])
@board_role(*ADMINISTRATOR, board_of=plans.board_of_plan)
def delete(plan_id: int):
    """Delete a draft that never went live, after confirming."""
    return _confirmed_change(
        plan_id,
        "delete",
        lambda db, actor: states.delete_draft(db, plan_id, actor),
        "The draft plan is deleted.",
        url_for("plans.index"),
    )


def _confirmed_change(plan_id: int, change: str, apply, done: str, then: str):
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            if form.state.data != plan["state"]:
                raise states.StateError("The plan changed since that page was opened")
            apply(db, Actor(current_user.id, g.board_id))
        except states.StateError as error:
            flash(f"{error}: nothing was changed.", "error")
            return redirect(url_for("plans.show", plan_id=plan_id))
        flash(done)
        return redirect(then)
    form.state.data = plan["state"]
    return render_template(f"lifecycle/{change}.html", plan=plan, form=form)
