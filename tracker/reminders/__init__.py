"""Reminders for champions whose quarterly progress update is still due: `flask send-reminders`.

The job worker (`flask run-jobs`) sends them on each plan's schedule by itself; this command
stays for installations that run it from cron instead, or by hand. Either way each step of the
schedule (14 days before the deadline, 3 days before, on the day, each week overdue...) goes to
each person once: running it twice sends nothing new (see `tracker.reminders.sending`).
"""

import click
from flask import Blueprint, current_app

from tracker.db import get_db
from tracker.mail import MailSettingsError, SendError, as_text, long_date, one_line
from tracker.reminders import due, sending
from tracker.uk_time import uk_today

bp = Blueprint("reminders", __name__, cli_group=None)


@bp.cli.command("send-reminders")
@click.argument("plan_id", type=click.IntRange(min=1), required=False)
@click.option("--dry-run", is_flag=True, help="Print the messages instead of sending them.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today were this date, YYYY-MM-DD (for checking what would be sent).",
)
def send_reminders_command(plan_id, dry_run, today):
    """Email each champion whose update for the current quarter is still due, and send the
    board's administrators a summary. Covers every plan unless PLAN_ID is given.

    Sends the step of each plan's reminder schedule in force today, to those who have not had
    it (from this command or the job worker); a quarter with no deadline is reminded once.
    Nothing is sent for a plan whose current quarter is closed, between the steps of its
    schedule, or after its deadline unless the plan reminds weekly while overdue. With no
    MAIL_SERVER set, the messages are written to MAIL_FOLDER instead.
    """
    db = get_db()
    config = current_app.config
    day = today.date() if today else uk_today()
    plans = []
    try:
        for plan in [plan_id] if plan_id is not None else due.plan_ids(db):
            now_due = sending.due_now(db, plan, config, day, scheduled=False)
            _report(now_due.reminders, now_due)
            plans.append(now_due)
    except due.NoSuchPlan:
        raise click.ClickException(f"There is no plan with id {plan_id}.") from None
    except MailSettingsError as error:
        raise click.ClickException(str(error)) from None
    messages = [item.message for plan in plans for item in plan.outgoing]
    if not messages:
        click.echo("Nothing to send.")
        return
    if dry_run:
        for number, message in enumerate(messages, start=1):
            click.echo(f"\n--- Message {number} of {len(messages)} ---")
            click.echo(as_text(message))
        click.echo(f"Dry run: {_count(len(messages))} would be sent. Nothing was sent.")
        return
    sent = 0
    try:
        for plan in plans:
            sent += sending.send(
                db,
                plan,
                config,
                "command",
                on_sent=lambda message: click.echo(
                    f"Sent to {message['To']}: {message['Subject']}"
                ),
            )
    except SendError as error:
        if len(plans) > 1 or sent:
            error = SendError(sent + error.sent, len(messages), error.problem)
        raise click.ClickException(f"Sending stopped. {error}") from None
    except MailSettingsError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Sent {_count(sent)}.")


def _report(reminders: due.Reminders, now_due: sending.DueNow | None = None) -> None:
    """One line for the plan, then anything the operator should know about."""
    heading = (
        f"Plan {reminders.plan_id}, {reminders.plan_title} ({reminders.quarter or 'no quarter'})"
    )
    if reminders.not_sent_because:
        click.echo(f"{heading}: nothing to send, {reminders.not_sent_because}.")
        return
    due_by = f"due by {long_date(reminders.deadline)}" if reminders.deadline else "no deadline set"
    click.echo(
        f"{heading}: {len(reminders.missing)} of {reminders.recommendation_count} "
        f"updates still due, {due_by}."
    )
    if now_due is not None and now_due.step is not None:
        earlier = f", {_count(now_due.already_sent)} sent before" if now_due.already_sent else ""
        click.echo(f"  Reminder step: {now_due.step.name}{earlier}")
    for person in reminders.unreachable:
        numbers = ", ".join(str(update.number) for update in person.updates)
        click.echo(
            f"  Not reminded ({person.reason}): {one_line(person.champion.name)},"
            f" recommendation {numbers}"
        )
    for update in reminders.without_champion:
        click.echo(f"  No champion to remind for recommendation {update.number}")
    for name in reminders.administrators_not_emailed:
        click.echo(f"  No summary for administrator {name}: email address not valid")
    if not reminders.summaries:
        click.echo("  No administrator on the board can be sent the summary")


def _count(messages: int) -> str:
    return f"{messages} message{'' if messages == 1 else 's'}"


from tracker.reminders import views  # noqa: E402,F401  (registers routes)
