"""The pages that close a quarter and reopen one: each asks for confirmation first."""

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from tracker.audit import Actor
from tracker.closing import bp, queries, workflow
from tracker.closing.forms import CloseQuarterForm, ReopenQuarterForm
from tracker.db import get_db
from tracker.permissions import board_role
from tracker.plans import queries as plans
from tracker.quarters import Quarter


def _actor() -> Actor:
    return Actor(current_user.id, g.board_id)


def _to_the_quarter(plan_id: int):
    """To the page of the plan's current quarter, where its dates are set."""
    return redirect(url_for("updates.quarters", plan_id=plan_id))


@bp.route("/plans/<id:plan_id>/quarters/close", methods=["GET", "POST"])
@board_role("administrator", board_of=plans.board_of_plan)
def close(plan_id: int):
    """What is left in the current quarter, and closing it once the board has met."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    form = CloseQuarterForm()
    if form.validate_on_submit():
        try:
            opened = workflow.close_quarter(db, plan_id, form.label, form.closing_number, _actor())
        except workflow.ClosingError as error:
            flash(str(error), "error")
        else:
            flash(
                f"{form.label} is closed. {opened} is now open for updates: "
                f"set its update deadline and board meeting date."
            )
        return _to_the_quarter(plan_id)
    label = plan["current_quarter"]
    if not label:
        abort(404)
    quarter = queries.quarter_row(db, plan_id, label)
    form.show(label, queries.closing_number(db, quarter["id"] if quarter else None))
    return render_template(
        "closing/close.html",
        plan=plan,
        label=label,
        opens=Quarter.parse(label).next().label,
        left=queries.what_is_left(db, plan_id, quarter, label),
        form=form,
    )


@bp.route("/plans/<id:plan_id>/quarters/reopen", methods=["GET", "POST"])
@board_role("administrator", board_of=plans.board_of_plan)
def reopen(plan_id: int):
    """Reopen the most recent closed quarter, with a reason, while the next has no update."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    form = ReopenQuarterForm()
    if form.is_submitted():
        refusal = workflow.reopen_refusal(db, plan_id, form.label, form.closing_number)
        if refusal:
            flash(refusal, "error")
            return _to_the_quarter(plan_id)
        if form.validate():
            try:
                workflow.reopen_quarter(
                    db, plan_id, form.label, form.closing_number, form.reason.data, _actor()
                )
            except workflow.ClosingError as error:
                flash(str(error), "error")
            else:
                flash(
                    f"{form.label} is open again, and your reason is recorded. Close it when "
                    "its updates are right."
                )
            return _to_the_quarter(plan_id)
    check = queries.reopening(db, plan)
    if not form.is_submitted() and check.refusal is None:
        form.show(check.quarter["label"], check.closing)
    return render_template(
        "closing/reopen.html", plan=plan, check=check, form=form
    ), 400 if form.errors else 200


@bp.app_template_global("reopening_of")
def reopening_of(plan: dict) -> queries.Reopening:
    """For the quarter's page: the most recent closed quarter, and whether it may be reopened."""
    return queries.reopening(get_db(), plan)
