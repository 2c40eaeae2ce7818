"""Notifications of progress updates submitted, returned and approved.

Recorded inside the write that makes the change (`recording.record`), then emailed by the job
worker: at once (`flask run-jobs` runs the job queued after the write, see `send_soon`), or in
each person's daily summary at 07:00 UK time, as each person chooses on "Email notifications"
under their account. `flask send-notifications` sends what is waiting, for installations that
run it from cron instead, or by hand.
"""

import click
from flask import Blueprint, current_app

from tracker.auth.accounts import now
from tracker.db import get_db
from tracker.mail import MailSettingsError
from tracker.notifications import sending

bp = Blueprint("notifications", __name__, cli_group=None)


def send_soon() -> None:
    """Queue the job that emails the notifications waiting to go at once, if there are any.
    Call it after the write that recorded them has committed, so the job can see them."""
    # Imported here: tracker.jobs runs this package's sending, so it imports it first.
    from tracker.jobs import jobs_for

    if sending.waiting_at_once(get_db()):
        jobs_for(current_app._get_current_object()).send_notifications()


@bp.cli.command("send-notifications")
@click.option("--digest", is_flag=True, help="Also send each person's daily summary now.")
def send_notifications_command(digest):
    """Email the notifications waiting to go at once, and failed ones with tries left; with
    --digest, each person's daily summary too. Each goes once, however often this runs."""
    db = get_db()
    config = current_app.config
    try:
        outcomes = [sending.send_waiting(db, config)]
        if digest:
            outcomes.append(sending.send_digests(db, config, now()))
    except MailSettingsError as error:
        raise click.ClickException(str(error)) from None
    sent = sum(outcome.sent for outcome in outcomes)
    click.echo(f"Sent {sent} email{'' if sent == 1 else 's'}.")
    problems = [problem for outcome in outcomes for problem in outcome.problems]
    if problems:
        raise click.ClickException("Not all could be sent: " + " ".join(problems))


from tracker.notifications import views  # noqa: E402,F401  (registers routes)
