"""The administrator's dashboard for a plan's quarter: statuses, direction of travel, missing
and awaiting updates, Red items, overdue actions and a chart of status over time."""

from datetime import date

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from tracker.audit import Actor
from tracker.dashboard.chart import status_chart_svg, status_chart_table
from tracker.dashboard.queries import dashboard_data
from tracker.dashboard.summary import summarise
from tracker.db import get_db
from tracker.jobs.failures import SHOWN_FOR_DAYS, recent_failures
from tracker.jobs.forms import DismissFailureForm, dismiss_as_asked
from tracker.permissions import board_role
from tracker.plans.queries import board_of_plan
from tracker.quarters import Quarter
from tracker.reminders.log import last_reminded

bp = Blueprint("dashboard", __name__)

UPDATE_STATE_WORDS = {
    "none": "Not started",
    "draft": "Draft, not yet submitted",
    "returned": "Returned for changes",
    "submitted": "Submitted, awaiting approval",
    "approved": "Approved",
}
ACTION_STATUS_WORDS = {"not started": "Not started", "in progress": "In progress"}


@bp.route("/plans/<id:plan_id>/dashboard")
@board_role("administrator", board_of=board_of_plan)
def show(plan_id: int):
    """The plan's dashboard for `?quarter=` (a label such as "2022/23 Q3"), by default the
    plan's current quarter."""
    asked = request.args.get("quarter", "").strip()
    try:
        quarter = Quarter.parse(asked).label if asked else None
    except ValueError:
        abort(400)
    data = dashboard_data(get_db(), plan_id)
    if data is None:
        abort(404)
    if quarter is None:
        quarter = _default_quarter(data.plan.get("current_quarter"), data.quarters)
    elif quarter not in data.quarters:
        abort(404)
    dashboard = (
        summarise(
            data.recommendations,
            data.status_key,
            quarter,
            data.quarters,
            data.actions,
            today=date.today(),
        )
        if quarter
        else None
    )
    return render_template(
        "dashboard/show.html",
        plan=data.plan,
        status_key=data.status_key,
        dashboard=dashboard,
        chart=Markup(status_chart_svg(dashboard.history, data.status_key))  # noqa: S704 - escaped
        if dashboard
        else None,
        chart_table=status_chart_table(dashboard.history, data.status_key) if dashboard else None,
        update_state_words=UPDATE_STATE_WORDS,
        action_status_words=ACTION_STATUS_WORDS,
        job_failures=recent_failures(get_db(), board_of_plan(get_db(), plan_id)),
        failures_shown_for_days=SHOWN_FOR_DAYS,
        reminded=last_reminded(get_db(), plan_id, quarter) if quarter else {},
    )


@bp.route("/plans/<id:plan_id>/dashboard/dismiss-failure", methods=["POST"])
@board_role("administrator", board_of=board_of_plan)
def dismiss_failure(plan_id: int):
    """Stop showing one of the board's job failures, once an administrator has dealt with it."""
    form = DismissFailureForm()
    if not form.validate_on_submit():
        abort(400)
    dismiss_as_asked(form, g.board_id, Actor(current_user.id, g.board_id))
    return redirect(url_for("dashboard.show", plan_id=plan_id))


def _default_quarter(current: str | None, quarters: tuple[str, ...]) -> str | None:
    """The plan's current quarter if it has a row, else its latest quarter, else None."""
    if current in quarters:
        return current
    return quarters[-1] if quarters else None
