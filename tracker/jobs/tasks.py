"""The bodies of the background jobs. Each runs inside an app context (tracker.jobs sees to
that) and opens the database with get_db(), as a view does."""

from datetime import date

from flask import current_app

from tracker.db import get_db, scalar
from tracker.mail import MailSettingsError, SendError
from tracker.reminders import sending
from tracker.uk_time import uk_today


class RemindersFailed(RuntimeError):
    """Some reminders could not be sent; str() says which plans and why, `board_ids` whose
    administrators are told if it still fails after the retries. The job is tried again, and
    a retry sends only what has not gone yet."""

    def __init__(self, message: str, board_ids: list[int]):
        super().__init__(message)
        self.board_ids = board_ids


def check(value: str) -> dict:
    """Show that a job runs with the app and its database: used by tests and health checks."""
    return {"value": value, "plans": scalar(get_db(), "SELECT count(*) FROM plans")}


def hourly_reminders() -> dict:
    """The schedule's job: today's reminders, in UK time."""
    return send_scheduled_reminders(None)


def send_scheduled_reminders(day: str | None = None) -> dict:
    """Send, for every live plan, the step of its reminder schedule in force on `day`
    (YYYY-MM-DD; today in the UK when None) to everyone who has not had it.

    Returns {"day", "sent", "plans"}; raises RemindersFailed, after recording each failure,
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
        raise RemindersFailed(
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
        raise RemindersFailed(f"Plan {plan_id}: {error}", [board_id]) from error
    return {"day": day, "sent": sent}
