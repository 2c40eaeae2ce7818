"""Sending a plan's reminders for the step of its schedule in force today, each recorded once.

Every reminder and summary is recorded in `reminders_sent`, keyed by plan, quarter, kind,
address and step. A row is claimed ('sending') in its own committed transaction before the
message goes, so two senders at once (the job worker and the cron command, say) cannot both
send it, and a step is never sent twice to the same address. The price is that a process
killed between the claim and the send leaves a reminder claimed but not sent: at most once,
never twice. A failed send is recorded with the server's words and tried again by a later
run until it has been tried MAX_ATTEMPTS times.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from email.message import EmailMessage

from sqlite_utils import Database

from tracker.db import write_transaction
from tracker.mail import Recipient, SendError, deliver, long_date
from tracker.reminders import due
from tracker.reminders.mail import reminder_messages
from tracker.reminders.schedule import (
    NO_DEADLINE,
    ScheduleError,
    Step,
    last_overdue_day,
    next_step,
    parse_days,
    step_due,
)

MAX_ATTEMPTS = 3
SENDERS = ("schedule", "command", "administrator")
NOT_TRIED = "Not tried: sending stopped when an earlier message failed."


@dataclass(frozen=True)
class Outgoing:
    """One message for one step: a champion's reminder or an administrator's summary."""

    kind: str  # 'reminder' or 'summary'
    to: Recipient
    recommendation_ids: tuple[int, ...]
    message: EmailMessage


@dataclass(frozen=True)
class DueNow:
    """A plan's reminders, the step in force, and the messages not yet sent for that step."""

    reminders: due.Reminders
    step: Step | None
    outgoing: tuple[Outgoing, ...]
    already_sent: int  # messages of this step sent (or being sent) before


def live_plan_ids(db: Database) -> list[int]:
    """The plans reporting now, oldest first: the ones the schedule reminds."""
    return [row[0] for row in db.execute("SELECT id FROM plans WHERE state = 'live' ORDER BY id")]


def due_now(
    db: Database,
    plan_id: int,
    config: Mapping,
    today: date,
    *,
    scheduled: bool,
    by_hand: bool = False,
) -> DueNow:
    """What the plan's schedule asks to send on `today`, less what was sent for it before.

    With no update deadline there is no schedule: the scheduled run sends nothing, while
    the cron command (`scheduled` False) sends one "no-deadline" reminder for the quarter.
    `by_hand` (an administrator's "Send reminders now") sends to everyone with an update
    still due, as the step "by-hand-<day>": once a day at most, even after the deadline.
    Raises due.NoSuchPlan, and MailSettingsError when MAIL_FROM is not an address.
    """
    plan = db.execute(
        "SELECT reminder_days, reminder_overdue_weekly FROM plans WHERE id = ?", [plan_id]
    ).fetchone()
    if plan is None:
        raise due.NoSuchPlan(plan_id)
    days_text, overdue_weekly = plan[0], bool(plan[1])
    reminders = _one_per_address(
        due.reminders_for(
            db, plan_id, config["BASE_URL"], today, overdue_allowed=overdue_weekly or by_hand
        )
    )

    def nothing(reason: str | None = None) -> DueNow:
        if reason:
            return DueNow(replace(reminders, not_sent_because=reason), None, (), 0)
        return DueNow(reminders, None, (), 0)

    # Checked even when nothing is due, so a broken setting shows on the first run.
    messages = reminder_messages(reminders, config)
    if reminders.not_sent_because:
        return nothing()
    if by_hand:
        return _less_what_went(db, plan_id, reminders, messages, Step(f"by-hand-{today}", today))
    try:
        days = parse_days(days_text)
    except ScheduleError as error:
        return nothing(f"the plan's reminder days ({days_text!r}) cannot be read: {error}")
    deadline = reminders.deadline
    if deadline is None:
        if scheduled:
            return nothing("no update deadline is set, so no reminder is scheduled")
        step = Step(NO_DEADLINE, None)
    else:
        meeting = reminders.board_meeting_on
        step = step_due(deadline, days, overdue_weekly, today, meeting)
        if step is None:
            upcoming = next_step(deadline, days, overdue_weekly, today, meeting)
            stopped_on = last_overdue_day(deadline, meeting)
            if upcoming:
                then = f"the next reminder is on {long_date(upcoming.on)} ({upcoming.name})"
            elif overdue_weekly and today > stopped_on:
                then = f"weekly overdue reminders stopped after {long_date(stopped_on)}"
            else:
                then = "no more reminders are scheduled"
            if today > deadline:
                return nothing(
                    f"the update deadline for {reminders.quarter} ({deadline.isoformat()})"
                    f" has passed; {then}"
                )
            return nothing(f"no reminder is scheduled for today; {then}")
    return _less_what_went(db, plan_id, reminders, messages, step)


def _less_what_went(
    db: Database,
    plan_id: int,
    reminders: due.Reminders,
    messages: list[EmailMessage],
    step: Step,
) -> DueNow:
    """The step's messages, less those already sent (or being sent, or given up on)."""
    everything = _outgoing(reminders, messages)
    done = _not_to_send_again(db, plan_id, reminders.quarter, step.name)
    pending = tuple(o for o in everything if (o.kind, o.to.email.lower()) not in done)
    result = DueNow(reminders, step, pending, len(everything) - len(pending))
    if everything and not pending:
        reason = f"every reminder for this step ({step.name}) has been sent already"
        return replace(result, reminders=replace(reminders, not_sent_because=reason))
    return result


def send(
    db: Database,
    plan: DueNow,
    config: Mapping,
    sent_by: str,
    on_sent: Callable[[EmailMessage], None] | None = None,
) -> int:
    """Claim, send and record the plan's pending messages; returns how many were sent.

    A message another sender claimed first is skipped. Raises SendError (after recording
    which failed and why) as `deliver` does.
    """
    if sent_by not in SENDERS:
        raise ValueError(f"unknown sender {sent_by!r}")
    if plan.step is None or not plan.outgoing:
        return 0
    key = (plan.reminders.plan_id, plan.reminders.quarter, plan.step.name)
    quarter_id = _quarter_id(db, plan.reminders.plan_id, plan.reminders.quarter)
    claimed = _claim(db, key, quarter_id, plan.outgoing, sent_by)
    if not claimed:
        return 0
    sent = 0

    def record_sent(message: EmailMessage) -> None:
        nonlocal sent
        _record(db, key, claimed[sent], "sent", None, attempt=True)
        sent += 1
        if on_sent:
            on_sent(message)

    try:
        deliver([item.message for item in claimed], config, on_sent=record_sent)
    except SendError as error:
        _record(db, key, claimed[sent], "failed", error.problem, attempt=True)
        for item in claimed[sent + 1 :]:
            _record(db, key, item, "failed", NOT_TRIED, attempt=False)
        raise
    except Exception as error:  # MailSettingsError, or anything else: not sent
        for item in claimed[sent:]:
            _record(db, key, item, "failed", str(error) or NOT_TRIED, attempt=False)
        raise
    return sent


def _one_per_address(reminders: due.Reminders) -> due.Reminders:
    """One reminder per address: people who share one (a team mailbox) get a single message
    listing all their recommendations, as the record keeps one row per address and step."""
    merged: dict[str, due.ChampionReminder] = {}
    for reminder in reminders.champion_reminders:
        address = reminder.to.email.lower()
        if address in merged:
            earlier = merged[address]
            updates = earlier.updates + tuple(
                update for update in reminder.updates if update not in earlier.updates
            )
            merged[address] = replace(earlier, updates=updates)
        else:
            merged[address] = reminder
    if len(merged) == len(reminders.champion_reminders):
        return reminders
    return replace(reminders, champion_reminders=tuple(merged.values()))


def _outgoing(reminders: due.Reminders, messages: list[EmailMessage]) -> list[Outgoing]:
    # reminder_messages returns each champion's reminder, then each summary, in this order.
    every_id = tuple(update.recommendation_id for update in reminders.missing)
    items = [
        ("reminder", r.to, tuple(u.recommendation_id for u in r.updates))
        for r in reminders.champion_reminders
    ] + [("summary", admin, every_id) for admin in reminders.summaries]
    return [
        Outgoing(kind, to, ids, message)
        for (kind, to, ids), message in zip(items, messages, strict=True)
    ]


def _not_to_send_again(db: Database, plan_id: int, quarter: str, step: str) -> set:
    """(kind, address) of the step's messages already sent, being sent, or given up on."""
    rows = db.execute(
        "SELECT kind, lower(email) FROM reminders_sent"
        " WHERE plan_id = ? AND quarter = ? AND step = ?"
        " AND (outcome != 'failed' OR attempts >= ?)",
        [plan_id, quarter, step, MAX_ATTEMPTS],
    )
    return {(kind, email) for kind, email in rows}


def _quarter_id(db: Database, plan_id: int, label: str) -> int | None:
    row = db.execute(
        "SELECT id FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, label]
    ).fetchone()
    return row[0] if row else None


def _claim(
    db: Database, key: tuple, quarter_id: int | None, items: tuple[Outgoing, ...], sent_by: str
) -> list[Outgoing]:
    """Mark each message as being sent, unless someone has sent it, is sending it or has
    given up on it; returns the ones this sender now holds. Committed before returning."""
    plan_id, quarter, step = key
    claimed = []
    with write_transaction(db):
        for item in items:
            inserted = db.execute(
                "INSERT INTO reminders_sent (plan_id, quarter, quarter_id, kind, name, email,"
                " step, recommendation_ids, sent_by, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, 'sending') ON CONFLICT DO NOTHING",
                [
                    plan_id,
                    quarter,
                    quarter_id,
                    item.kind,
                    item.to.name,
                    item.to.email,
                    step,
                    json.dumps(list(item.recommendation_ids)),
                    sent_by,
                ],
            ).rowcount
            retried = (
                inserted
                or db.execute(
                    "UPDATE reminders_sent SET outcome = 'sending', error = NULL, sent_by = ?,"
                    " claimed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), recommendation_ids = ?"
                    " WHERE plan_id = ? AND quarter = ? AND kind = ? AND email = ? AND step = ?"
                    " AND outcome = 'failed' AND attempts < ?",
                    [
                        sent_by,
                        json.dumps(list(item.recommendation_ids)),
                        plan_id,
                        quarter,
                        item.kind,
                        item.to.email,
                        step,
                        MAX_ATTEMPTS,
                    ],
                ).rowcount
            )
            if retried:
                attempts = db.execute(
                    "SELECT attempts FROM reminders_sent WHERE plan_id = ? AND quarter = ?"
                    " AND kind = ? AND email = ? AND step = ?",
                    [plan_id, quarter, item.kind, item.to.email, step],
                ).fetchone()[0]
                claimed.append((attempts, item))
    # Those tried least go first, so one address the server keeps refusing (sending stops at
    # the first failure) cannot hold back the others' messages.
    return [item for _attempts, item in sorted(claimed, key=lambda pair: pair[0])]


def _record(
    db: Database, key: tuple, item: Outgoing, outcome: str, error: str | None, *, attempt: bool
) -> None:
    plan_id, quarter, step = key
    with write_transaction(db):
        db.execute(
            "UPDATE reminders_sent SET outcome = ?, error = ?, attempts = attempts + ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END"
            " WHERE plan_id = ? AND quarter = ? AND kind = ? AND email = ? AND step = ?",
            [
                outcome,
                error,
                1 if attempt else 0,
                outcome,
                plan_id,
                quarter,
                item.kind,
                item.to.email,
                step,
            ],
        )
