"""Reminders for champions whose quarterly progress update is still due: `flask send-reminders`.

Run it from cron (or by hand) during the update window. Each run sends every reminder again,
so run it as often as the board wants champions nudged, not more.
"""

from datetime import date

import click
from flask import Blueprint, current_app

from tracker.db import get_db
from tracker.mail import MailSettingsError, SendError, as_text, deliver, long_date, one_line
from tracker.reminders import due
from tracker.reminders.mail import reminder_messages

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

    Nothing is sent for a plan whose current quarter is closed or whose update deadline has
    passed. With no MAIL_SERVER set, the messages are written to MAIL_FOLDER instead.
    """
    db = get_db()
    config = current_app.config
    day = today.date() if today else date.today()
    messages = []
    try:
        for plan in [plan_id] if plan_id is not None else due.plan_ids(db):
            reminders = due.reminders_for(db, plan, config["BASE_URL"], day)
            _report(reminders)
            messages += reminder_messages(reminders, config)
    except due.NoSuchPlan:
        raise click.ClickException(f"There is no plan with id {plan_id}.") from None
    except MailSettingsError as error:
        raise click.ClickException(str(error)) from None
    if not messages:
        click.echo("Nothing to send.")
        return
    if dry_run:
        for number, message in enumerate(messages, start=1):
            click.echo(f"\n--- Message {number} of {len(messages)} ---")
            click.echo(as_text(message))
        click.echo(f"Dry run: {_count(len(messages))} would be sent. Nothing was sent.")
        return
    try:
        sent = deliver(
            messages,
            config,
            on_sent=lambda message: click.echo(f"Sent to {message['To']}: {message['Subject']}"),
        )
    except SendError as error:
        raise click.ClickException(f"Sending stopped. {error}") from None
    except MailSettingsError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Sent {_count(sent)}.")


def _report(reminders: due.Reminders) -> None:
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
