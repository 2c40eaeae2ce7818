"""Reminder emails: a champion's reminder (templates/emails/reminder.*) and an
administrator's summary (templates/emails/summary.*), composed through `tracker.mail`."""

from collections.abc import Mapping
from email.message import EmailMessage

from tracker.mail import Recipient, compose, long_date, sender_address
from tracker.reminders.due import ChampionReminder, Reminders


def reminder_messages(reminders: Reminders, config: Mapping) -> list[EmailMessage]:
    """The plan's messages: each champion's reminder, then each administrator's summary.

    Raises MailSettingsError when MAIL_FROM is not an address, even when there is nothing to
    send, so a broken setting is reported on the first run rather than on the first busy one.
    """
    sender_address(config["MAIL_FROM"])
    if reminders.not_sent_because:
        return []
    return [
        _champion_message(reminders, reminder, config) for reminder in reminders.champion_reminders
    ] + [
        _summary_message(reminders, administrator, config) for administrator in reminders.summaries
    ]


def _champion_message(
    reminders: Reminders, reminder: ChampionReminder, config: Mapping
) -> EmailMessage:
    due = f" by {long_date(reminders.deadline)}" if reminders.deadline else ""
    subject = f"Your {reminders.quarter} progress update is due{due}"
    if reminders.deadline and reminders.today > reminders.deadline:
        was_due = long_date(reminders.deadline)
        subject = f"Your {reminders.quarter} progress update is overdue (due {was_due})"
    context = _context(reminders, name=reminder.to.name, updates=reminder.updates)
    return compose("reminder", reminder.to, subject, context, config)


def _summary_message(
    reminders: Reminders, administrator: Recipient, config: Mapping
) -> EmailMessage:
    due = (
        f"due by {long_date(reminders.deadline)}" if reminders.deadline else "due, no deadline set"
    )
    subject = (
        f"{reminders.quarter} progress updates: {len(reminders.missing)} of "
        f"{reminders.recommendation_count} still {due}"
    )
    reasons = {person.champion.person_id: person.reason for person in reminders.unreachable}
    context = _context(
        reminders, name=administrator.name, updates=reminders.missing, reasons=reasons
    )
    return compose("summary", administrator, subject, context, config)


def _context(reminders: Reminders, **values) -> dict:
    days_left = (reminders.deadline - reminders.today).days if reminders.deadline else None
    return {"r": reminders, "days_left": days_left, **values}
