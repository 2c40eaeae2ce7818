"""The bodies of the background jobs. Each runs inside an app context (tracker.jobs sees to
that) and opens the database with get_db(), as a view does."""

from datetime import date

from flask import current_app

from tracker.auth.accounts import now
from tracker.db import get_db, scalar
from tracker.jobs.failures import JobFailed
from tracker.jobs.readings import UploadReadings
from tracker.mail import MailSettingsError, SendError
from tracker.notifications import sending as notifications
from tracker.reminders import sending
from tracker.uk_time import uk_today


def check(value: str) -> dict:
    """Show that a job runs with the app and its database: used by tests and health checks."""
    return {"value": value, "plans": scalar(get_db(), "SELECT count(*) FROM plans")}


def hourly_reminders() -> dict:
    """The schedule's job: today's reminders, in UK time."""
    return send_scheduled_reminders(None)


def send_scheduled_reminders(day: str | None = None) -> dict:
    """Send, for every live plan, the step of its reminder schedule in force on `day`
    (YYYY-MM-DD; today in the UK when None) to everyone who has not had it.

    Returns {"day", "sent", "plans"}; raises JobFailed, after recording each failure,
    when anything could not be sent, so the job is tried again.
    """
    today = date.fromisoformat(day) if day else uk_today()
    db = get_db()
    config = current_app.config
    sent = 0
    problems: list[str] = []
    board_ids: list[int] = []
    plan_ids = sending.live_plan_ids(db)
    for plan_id in plan_ids:
        try:
            now_due = sending.due_now(db, plan_id, config, today, scheduled=True)
            sent += sending.send(db, now_due, config, "schedule")
        except (SendError, MailSettingsError) as error:
            problems.append(f"Plan {plan_id}: {error}")
            board_ids.append(scalar(db, "SELECT board_id FROM plans WHERE id = ?", plan_id))
    if problems:
        raise JobFailed(
            f"{len(problems)} of {len(plan_ids)} plans' reminders could not all be sent. "
            + " ".join(problems),
            sorted(set(board_ids)),
        )
    return {"day": today.isoformat(), "sent": sent, "plans": len(plan_ids)}


def send_plan_reminders(plan_id: int, day: str) -> dict:
    """An administrator's "Send reminders now" for one plan on `day` (YYYY-MM-DD): to everyone
    with an update still due, as the step "by-hand-<day>", so at most once a day each."""
    db = get_db()
    config = current_app.config
    try:
        now_due = sending.due_now(
            db, plan_id, config, date.fromisoformat(day), scheduled=False, by_hand=True
        )
        sent = sending.send(db, now_due, config, "administrator")
    except (SendError, MailSettingsError) as error:
        board_id = scalar(db, "SELECT board_id FROM plans WHERE id = ?", plan_id)
        raise JobFailed(f"Plan {plan_id}: {error}", [board_id]) from error
    return {"day": day, "sent": sent}


def send_notifications() -> dict:
    """Email the notifications waiting to go at once (tracker.notifications.sending); raises
    JobFailed, after recording each failure, so a retry sends what did not go."""
    outcome = notifications.send_waiting(get_db(), current_app.config)
    notifications.raise_if_failed(outcome, "Emails about progress updates")
    return {"sent": outcome.sent}


def daily_notifications() -> dict:
    """The schedule's job: each person's daily summary, in the hour it is due in the UK."""
    moment = now()
    if not notifications.digest_due(moment):
        return {"sent": 0}
    outcome = notifications.send_digests(get_db(), current_app.config, moment)
    notifications.raise_if_failed(outcome, "Daily summary emails")
    return {"sent": outcome.sent}


def render_pack(render_id: int) -> dict:
    """Make the board pack asked for (tracker.pack.renders.make); tried again on failure."""
    from tracker.pack import renders

    db = get_db()
    attempts_allowed = int(current_app.config["JOBS_RETRIES"]) + 1
    try:
        render = renders.make(db, render_id, attempts_allowed)
    except Exception as error:  # whatever stopped it, the board's administrators are told
        board_id = scalar(
            db,
            "SELECT board_id FROM plans JOIN pack_renders ON pack_renders.plan_id = plans.id"
            " WHERE pack_renders.id = ?",
            render_id,
        )
        raise JobFailed(str(error), [board_id]) from error
    return {"render": render_id, "state": render.state if render else None}


def read_report(reading_id: int) -> dict:
    """Read an uploaded report into a draft plan (tracker.reports.readings)."""
    from tracker.reports.readings import REPORTS

    return _read_upload(REPORTS, reading_id)


def read_plan_upload(reading_id: int) -> dict:
    """Read an uploaded plan into a plan import to check (tracker.plan_import.readings)."""
    from tracker.plan_import.readings import PLANS

    return _read_upload(PLANS, reading_id)


def _read_upload(readings: UploadReadings, reading_id: int) -> dict:
    """Read one upload (tracker.jobs.readings); a failure of the tracker's own is told to the
    upload's board, and retried."""
    db = get_db()
    config = current_app.config
    try:
        reading = readings.read(
            db, reading_id, int(config["UPLOAD_MAX_BYTES"]), int(config["JOBS_RETRIES"]) + 1
        )
    except Exception as error:
        found = readings.get(db, reading_id)
        board_id = found.board_id if found else None
        raise JobFailed(str(error), [board_id]) from error
    return {"reading": reading_id, "state": reading.state if reading else None}
