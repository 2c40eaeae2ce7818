"""Sending notifications: the ones waiting to go at once, and each person's daily summary.

A notification is claimed ('sending') in its own committed transaction before its email goes,
so two senders at once (two workers, a retry beside the cron command) cannot both send it.
The price, as with reminders, is that a process killed between the claim and the send leaves
it claimed but not sent: at most once, never twice. A failed send is recorded with the
server's words and tried again by a later run (the job's retry, the next digest) until it has
been tried MAX_ATTEMPTS times.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlite_utils import Database

from tracker.auth.accounts import now as utc_now
from tracker.auth.accounts import timestamp
from tracker.db import write_transaction
from tracker.jobs.failures import JobFailed
from tracker.mail import Recipient, SendError, deliver, single_address
from tracker.notifications.messages import Notice, digest_message, notice_message, notices
from tracker.uk_time import uk_time

MAX_ATTEMPTS = 3
NOT_TRIED = "Not tried: sending stopped when an earlier message failed."
# Whoever is told at once hears of it within a minute or so; the summary goes once a day at
# this hour, UK time.
DIGEST_HOUR = 7


@dataclass
class Sent:
    """What a run sent, and what it could not."""

    sent: int = 0
    problems: list[str] = field(default_factory=list)
    board_ids: set[int] = field(default_factory=set)


def digest_due(moment: datetime) -> bool:
    """Whether `moment` is in the hour the daily summary goes, UK time."""
    return uk_time(timestamp(moment)).hour == DIGEST_HOUR


def waiting_at_once(db: Database) -> bool:
    """Whether any notification is waiting to be emailed at once (so a job is worth queueing)."""
    return bool(
        db.execute(
            "SELECT 1 FROM notifications WHERE delivery = 'immediate' AND outcome = 'waiting'"
            " LIMIT 1"
        ).fetchone()
    )


def send_waiting(db: Database, config: Mapping) -> Sent:
    """Email each notification waiting to go at once (and each failed one with tries left),
    one email each. Failures are recorded, not raised: see `raise_if_failed`."""
    claimed = notices(db, _claim(db, "immediate", utc_now()), config["BASE_URL"])
    return _deliver(
        db,
        [
            _Email(
                [notice.id], notice, lambda to, notice=notice: notice_message(notice, to, config)
            )
            for notice in claimed
        ],
        config,
    )


def send_digests(db: Database, config: Mapping, now: datetime) -> Sent:
    """Email each person one summary of their notifications waiting for the daily summary,
    recorded up to `now` (and failed ones with tries left)."""
    claimed = notices(db, _claim(db, "digest", now), config["BASE_URL"])
    by_user: dict[int, list[Notice]] = {}
    for notice in claimed:
        by_user.setdefault(notice.user_id, []).append(notice)
    return _deliver(
        db,
        [
            _Email(
                [notice.id for notice in group],
                group[0],
                lambda to, group=group: digest_message(group, to, now, config),
            )
            for group in by_user.values()
        ],
        config,
    )


def raise_if_failed(outcome: Sent, what: str) -> None:
    """Raise JobFailed, naming the problems, when anything could not be sent, so the
    job that sent them is tried again."""
    if outcome.problems:
        raise JobFailed(
            f"{what}: {len(outcome.problems)} could not be sent. " + " ".join(outcome.problems),
            sorted(outcome.board_ids),
        )


@dataclass(frozen=True)
class _Email:
    """One email to send: the notifications it tells of, one of them (naming the recipient
    and board), and how to compose it for its recipient."""

    ids: list[int]
    first: Notice
    compose: Callable[[Recipient], EmailMessage]


def _deliver(db: Database, emails: list[_Email], config: Mapping) -> Sent:
    """Compose and send each email, recording its notifications as sent or failed."""
    outcome = Sent()
    ready: list[tuple[_Email, EmailMessage]] = []
    given_up: set[int] = set()
    done = 0

    def record_sent(_message: EmailMessage) -> None:
        nonlocal done
        _finish(db, ready[done][0].ids, "sent", None, attempts=1)
        done += 1

    try:
        for email in emails:
            address = single_address(email.first.to_email)
            if address is None:
                problem = f"The address of {email.first.to_name} cannot be sent to"
                # Given up on at once: trying again would not make the address work.
                _finish(db, email.ids, "failed", problem, attempts=MAX_ATTEMPTS)
                given_up.update(email.ids)
                outcome.problems.append(f"{problem}.")
                outcome.board_ids.add(email.first.board_id)
                continue
            ready.append((email, email.compose(Recipient(email.first.to_name, address))))
        deliver([message for _email, message in ready], config, on_sent=record_sent)
    except SendError as error:
        failed = ready[done][0]
        _finish(db, failed.ids, "failed", error.problem, attempts=1)
        for later, _message in ready[done + 1 :]:
            _finish(db, later.ids, "failed", NOT_TRIED, attempts=0)
        outcome.problems.append(f"{error.problem}.")
        outcome.board_ids.add(failed.first.board_id)
    except Exception as error:  # MailSettingsError, or anything else: none of the rest went
        finished = given_up | {one for email, _message in ready[:done] for one in email.ids}
        unsent = [one for email in emails for one in email.ids if one not in finished]
        _finish(db, unsent, "failed", str(error) or NOT_TRIED, attempts=0)
        raise
    outcome.sent = done
    return outcome


def _claim(db: Database, delivery: str, up_to: datetime) -> list[int]:
    """Mark the notifications of `delivery` recorded up to `up_to` that are waiting, or failed
    with tries left, as being sent; returns their ids, oldest first. Committed on return."""
    with write_transaction(db):
        ids = [
            row[0]
            for row in db.execute(
                "SELECT id FROM notifications WHERE delivery = ? AND created_at <= ?"
                " AND (outcome = 'waiting' OR (outcome = 'failed' AND attempts < ?))"
                " ORDER BY id",
                [delivery, timestamp(up_to), MAX_ATTEMPTS],
            )
        ]
        db.conn.executemany(
            "UPDATE notifications SET outcome = 'sending', error = NULL WHERE id = ?",
            [[one] for one in ids],
        )
    return ids


def _finish(
    db: Database, ids: list[int], outcome: str, error: str | None, *, attempts: int
) -> None:
    """Record how the notifications' email went; `attempts` is added to their tries, except
    that MAX_ATTEMPTS gives up on them."""
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE notifications SET outcome = ?, error = ?,"
            " attempts = CASE WHEN ? >= ? THEN ? ELSE attempts + ? END,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? END WHERE id = ?",
            [
                [
                    outcome,
                    error,
                    attempts,
                    MAX_ATTEMPTS,
                    MAX_ATTEMPTS,
                    attempts,
                    outcome,
                    timestamp(utc_now()),
                    one,
                ]
                for one in ids
            ],
        )
