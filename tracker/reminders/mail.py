"""Reminder emails: composing them from templates/emails/*.txt and sending them over SMTP.

The templates are rendered with a small Jinja environment of our own rather than the app's
`render_template`: the command runs without a request, and the app's context processor needs
one (it asks who is signed in), and these are plain-text messages, which must never be
HTML-escaped. The environment is strict about undefined names so a typo in a template fails
the tests instead of sending an email with a gap in it.
"""

import smtplib
import ssl
import textwrap
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tracker.reminders.addresses import one_line, single_address
from tracker.reminders.due import ChampionReminder, Recipient, Reminders
from tracker.template_helpers import SERVICE_NAME

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
SMTP_TIMEOUT_SECONDS = 30  # per network operation: a stuck server must not hang cron forever
SHORT_TEXT = 200  # characters of a recommendation's wording quoted in an email


class MailSettingsError(ValueError):
    """A MAIL_* setting cannot be used; the message says which and why."""


class SendError(Exception):
    """Sending stopped part-way; `sent` messages had been accepted by the server before."""

    def __init__(self, sent: int, total: int, cause: BaseException, server: str):
        super().__init__(sent, total, cause, server)
        self.sent, self.total, self.cause, self.server = sent, total, cause, server

    def __str__(self) -> str:
        return (
            f"{_describe(self.cause, self.server)}. "
            f"{self.sent} of {self.total} {_plural(self.total, 'message')} "
            "had been sent before the failure."
        )


def long_date(day: date, weekday: bool = False) -> str:
    """A date as GOV.UK writes it: "14 April 2023", or "Friday 14 April 2023"."""
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A} {text}" if weekday else text


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return singular if count == 1 else plural or f"{singular}s"


def _count(count: int, singular: str, plural: str | None = None) -> str:
    """ "1 champion", "2 champions"."""
    return f"{count} {_plural(count, singular, plural)}"


def _shorten(text: str) -> str:
    return textwrap.shorten(text, SHORT_TEXT, placeholder=" …")


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    # Plain text: escaping would turn "Children & Families" into "Children &amp; Families".
    autoescape=False,  # noqa: S701
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters.update(long_date=long_date, one_line=one_line, shorten=_shorten, count=_count)


def sender_address(mail_from: str) -> Address:
    """MAIL_FROM ("Name <address>" or a bare address) as one header-safe address."""
    name, address = parseaddr(mail_from or "")
    try:
        if "@" not in address:
            raise ValueError(address)
        return Address(display_name=one_line(name), addr_spec=address)
    except (ValueError, IndexError):
        raise MailSettingsError(
            f"MAIL_FROM ({mail_from!r}) is not an email address such as "
            "'Improvement plan tracker <tracker@example.org>'"
        ) from None


def compose(reminders: Reminders, mail_from: str) -> list[EmailMessage]:
    """The plan's messages: each champion's reminder, then each administrator's summary."""
    sender = sender_address(mail_from)
    if reminders.not_sent_because:
        return []
    return [
        _champion_message(reminders, reminder, sender) for reminder in reminders.champion_reminders
    ] + [
        _summary_message(reminders, administrator, sender) for administrator in reminders.summaries
    ]


def _champion_message(
    reminders: Reminders, reminder: ChampionReminder, sender: Address
) -> EmailMessage:
    due = f" by {long_date(reminders.deadline)}" if reminders.deadline else ""
    subject = f"Your {reminders.quarter} progress update is due{due}"
    body = _environment.get_template("reminder.txt").render(
        _context(reminders, name=reminder.to.name, updates=reminder.updates)
    )
    return _message(sender, reminder.to, subject, body)


def _summary_message(
    reminders: Reminders, administrator: Recipient, sender: Address
) -> EmailMessage:
    due = (
        f"due by {long_date(reminders.deadline)}" if reminders.deadline else "due, no deadline set"
    )
    subject = (
        f"{reminders.quarter} progress updates: {len(reminders.missing)} of "
        f"{reminders.recommendation_count} still {due}"
    )
    reasons = {person.champion.person_id: person.reason for person in reminders.unreachable}
    body = _environment.get_template("summary.txt").render(
        _context(reminders, name=administrator.name, updates=reminders.missing, reasons=reasons)
    )
    return _message(sender, administrator, subject, body)


def _context(reminders: Reminders, **values) -> dict:
    days_left = (reminders.deadline - reminders.today).days if reminders.deadline else None
    return {"r": reminders, "days_left": days_left, "service_name": SERVICE_NAME, **values}


def _message(sender: Address, to: Recipient, subject: str, body: str) -> EmailMessage:
    # `due` only makes Recipients with checked addresses; check again so that no other
    # caller of `compose` can send to a list of addresses or a malformed one.
    if single_address(to.email) != to.email:
        raise ValueError(f"{to.email!r} is not a single valid email address")
    message = EmailMessage()
    message["From"] = sender
    # Address() quotes or encodes the display name as needed; `to.name` is already on one
    # line, so a name from the database cannot start a header of its own.
    message["To"] = Address(display_name=one_line(to.name), addr_spec=to.email)
    message["Subject"] = one_line(subject, limit=250)
    message["Date"] = formatdate(localtime=True)
    # Naming the domain avoids a DNS look-up of this machine's name for every message.
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    # RFC 3834: stops out-of-office replies coming back to the tracker's address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def as_text(message: EmailMessage) -> str:
    """The message as a person reads it, for --dry-run."""
    return f"To: {message['To']}\nSubject: {message['Subject']}\n\n{message.get_content()}"


def send(
    messages: Iterable[EmailMessage],
    config: Mapping,
    on_sent: Callable[[EmailMessage], None] | None = None,
    timeout: float = SMTP_TIMEOUT_SECONDS,
) -> int:
    """Send every message over one SMTP connection; returns how many were sent.

    Uses MAIL_SERVER and MAIL_PORT, STARTTLS when MAIL_USE_TLS, and logs in when
    MAIL_USERNAME is set. Stops at the first failure (server unreachable, login refused, a
    recipient refused...) with SendError saying how many had been sent, so an operator can
    tell who has had theirs. `on_sent` is called after the server accepts each message.
    """
    messages = list(messages)
    if not messages:
        return 0
    sent = 0
    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise SendError(sent, len(messages), error, server) from error
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for message in messages:
            # The envelope is given explicitly, from the parsed headers we built, so nothing
            # else in the message can add a recipient.
            smtp.send_message(
                message,
                from_addr=message["From"].addresses[0].addr_spec,
                to_addrs=[address.addr_spec for address in message["To"].addresses],
            )
            sent += 1
            if on_sent:
                on_sent(message)
    except (OSError, smtplib.SMTPException) as error:
        raise SendError(sent, len(messages), error, server) from error
    finally:
        _quit(smtp)
    return sent


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _describe(error: BaseException, server: str) -> str:
    """An SMTP failure in words an operator can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address} ({code} {_decode(reply)})"
            for address, (code, reply) in error.recipients.items()
        )
        return f"The mail server refused the recipient {refused}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "The mail server did not accept MAIL_USERNAME and MAIL_PASSWORD"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server replied {error.smtp_code} {_decode(error.smtp_error)}"
    if isinstance(error, ConnectionRefusedError):
        return f"Could not connect to the mail server at {server}: connection refused"
    if isinstance(error, TimeoutError):
        return f"The mail server at {server} did not answer in time"
    if isinstance(error, OSError):
        return f"Could not reach the mail server at {server}: {error}"
    return f"Mail to {server} failed: {error}"


def _decode(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
