"""The plan's reminder page: its schedule, when reminders last went, and "Send reminders now"
with a preview of each email."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import audit
from tracker.db import get_db, write_transaction
from tracker.mail import MailSettingsError, as_text, long_date
from tracker.permissions import board_role
from tracker.plans.queries import board_of_plan
from tracker.reminders import bp, sending
from tracker.reminders.schedule import (
    MAX_OVERDUE_WEEKS,
    ScheduleError,
    format_days,
    last_overdue_day,
    next_step,
    parse_days,
)
from tracker.uk_time import uk_today


@bp.route("/plans/<id:plan_id>/reminders", methods=["GET", "POST"])
@board_role("administrator", board_of=board_of_plan)
def settings(plan_id: int):
    """When the plan's champions are reminded, and the reminders due now."""
    db = get_db()
    plan = _plan(plan_id)
    days_text = plan["reminder_days"]
    overdue_weekly = bool(plan["reminder_overdue_weekly"])
    problems = {}
    if request.method == "POST":
        days_text = request.form.get("days", "")
        overdue_weekly = request.form.get("overdue_weekly") == "yes"
        try:
            days = parse_days(days_text)
        except ScheduleError as error:
            problems["days"] = str(error)
        if plan["state"] == "closed":
            problems["days"] = "The plan is closed, so it sends no more reminders."
        if not problems:
            with write_transaction(db):
                audit.update(
                    db,
                    "plans",
                    plan_id,
                    {
                        "reminder_days": format_days(days),
                        "reminder_overdue_weekly": int(overdue_weekly),
                    },
                    audit.Actor(current_user.id, g.board_id),
                )
            flash("The reminder schedule is saved.")
            return redirect(url_for("reminders.settings", plan_id=plan_id))
    return render_template(
        "reminders/settings.html",
        plan=plan,
        days_text=days_text,
        overdue_weekly=overdue_weekly,
        problems=problems,
        preview=None if problems else _preview(plan_id),
        max_overdue_weeks=MAX_OVERDUE_WEEKS,
    ), 400 if problems else 200


@bp.route("/plans/<id:plan_id>/reminders/send", methods=["POST"])
@board_role("administrator", board_of=board_of_plan)
def send_now(plan_id: int):
    """Queue the reminders the preview showed; the job worker sends them, once each."""
    plan = _plan(plan_id)
    if plan["state"] != "live":
        abort(409)
    # Imported here: tracker.jobs runs the reminders, so it imports this package first.
    from tracker.jobs import jobs_for

    jobs_for(current_app._get_current_object()).send_plan_reminders(plan_id, uk_today().isoformat())
    flash(
        "The reminders are being sent. Each one is recorded on this page and on the dashboard"
        " once it has gone."
    )
    return redirect(url_for("reminders.settings", plan_id=plan_id))


def _plan(plan_id: int) -> dict:
    plan = next(
        get_db().query(
            "SELECT id, title, state, current_quarter, reminder_days, reminder_overdue_weekly"
            " FROM plans WHERE id = ?",
            [plan_id],
        ),
        None,
    )
    if plan is None:
        abort(404)
    return plan


def _preview(plan_id: int) -> dict:
    """What "Send reminders now" would send today, as text, when the schedule sends next, and
    the last day weekly overdue reminders can go for the current quarter."""
    db = get_db()
    today = uk_today()
    try:
        now_due = sending.due_now(
            db, plan_id, current_app.config, today, scheduled=False, by_hand=True
        )
    except MailSettingsError as error:
        return {
            "problem": str(error),
            "messages": [],
            "unreachable": [],
            "next": None,
            "overdue_until": None,
            "log": [],
        }
    reminders = now_due.reminders
    upcoming = None
    if reminders.deadline:
        try:
            days = parse_days(_plan(plan_id)["reminder_days"])
        except ScheduleError:
            days = ()
        upcoming = next_step(
            reminders.deadline,
            days,
            bool(_plan(plan_id)["reminder_overdue_weekly"]),
            today,
            reminders.board_meeting_on,
        )
    return {
        "problem": reminders.not_sent_because,
        "messages": [as_text(item.message) for item in now_due.outgoing],
        # Champions no email can reach, said before anyone presses the button.
        "unreachable": [
            {
                "name": person.champion.name,
                "person_id": person.champion.person_id,
                "reason": person.reason,
            }
            for person in reminders.unreachable
        ],
        "next": long_date(upcoming.on, weekday=True) if upcoming else None,
        "overdue_until": long_date(
            last_overdue_day(reminders.deadline, reminders.board_meeting_on), weekday=True
        )
        if reminders.deadline
        else None,
        "log": list(
            db.query(
                "SELECT kind, name, email, step, outcome, error, sent_at, claimed_at"
                " FROM reminders_sent WHERE plan_id = ? AND quarter = ?"
                " ORDER BY id DESC LIMIT 50",
                [plan_id, reminders.quarter or ""],
            )
        ),
    }
