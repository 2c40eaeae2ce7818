"""Delivering composed messages: over SMTP when MAIL_SERVER is set, else into MAIL_FOLDER.

The folder is for development and demos: with no mail server on a laptop, each message is
kept as an .eml file (which any mail program opens) and a line naming its recipient, subject
and links goes to the console, so whoever is exploring can follow an invitation or a
password-reset link straight from the terminal.
"""

import logging
import os
import re
import secrets
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from tracker.mail.addresses import MailSettingsError, one_line
from tracker.mail.messages import plain_text

logger = logging.getLogger("tracker.mail")

SMTP_TIMEOUT_SECONDS = 30  # per network operation: a stuck server must not hang cron forever
# A link ends at white space, quotes or angle brackets; control characters are never part of
# one, so nothing in a message can put terminal escape sequences into the log.
LINK = re.compile(r"https?://[^\s<>\"\x00-\x1f\x7f]+")
TRAILING_PUNCTUATION = ".,;:!?)'"


class SendError(Exception):
    """Delivery stopped part-way; `sent` of `total` messages had been delivered before.

    str() says what went wrong in words an operator can act on, and how many had been sent.
    """

    def __init__(self, sent: int, total: int, problem: str):
        super().__init__(sent, total, problem)
        self.sent, self.total, self.problem = sent, total, problem

    def __str__(self) -> str:
        noun = "message" if self.total == 1 else "messages"
        return (
            f"{self.problem}. {self.sent} of {self.total} {noun} had been sent before the failure."
        )


def deliver(
    messages: Iterable[EmailMessage],
    config: Mapping,
    on_sent: Callable[[EmailMessage], None] | None = None,
) -> int:
    """Deliver every message; returns how many were delivered.

    With MAIL_SERVER set, sends them over SMTP (see `send_over_smtp`). With it empty, writes
    each to MAIL_FOLDER and logs where it went and its links (see `write_to_folder`). Either
    way stops at the first failure with SendError, and calls `on_sent` after each message.
    """
    if config.get("MAIL_SERVER"):
        return send_over_smtp(messages, config, on_sent)
    return write_to_folder(messages, config, on_sent)


def send_over_smtp(
    messages: Iterable[EmailMessage],
    config: Mapping,
    on_sent: Callable[[EmailMessage], None] | None = None,
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
        smtp = smtplib.SMTP(
            config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=SMTP_TIMEOUT_SECONDS
        )
    except (OSError, smtplib.SMTPException) as error:
        raise SendError(sent, len(messages), _describe(error, server)) from error
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for message in messages:
            # The envelope is given explicitly, from the parsed headers `compose` built, so
            # nothing else in the message can add a recipient.
            smtp.send_message(
                message,
                from_addr=message["From"].addresses[0].addr_spec,
                to_addrs=[address.addr_spec for address in message["To"].addresses],
            )
            sent += 1
            if on_sent:
                on_sent(message)
    except (OSError, smtplib.SMTPException) as error:
        raise SendError(sent, len(messages), _describe(error, server)) from error
    finally:
        _quit(smtp)
    return sent


def write_to_folder(
    messages: Iterable[EmailMessage],
    config: Mapping,
    on_sent: Callable[[EmailMessage], None] | None = None,
) -> int:
    """Write each message to MAIL_FOLDER as an .eml file and log one line for it naming its
    recipient, subject and every link in its plain text; returns how many were written.

    The folder is made if missing. Files are named by the time, plus a random part so two
    messages in the same second do not collide, and only the owner can read them: they hold
    sign-in links. Stops at the first failure with SendError.
    """
    messages = list(messages)
    if not messages:
        return 0
    if not config.get("MAIL_FOLDER"):
        raise MailSettingsError(
            "MAIL_SERVER and MAIL_FOLDER are both empty: set MAIL_SERVER to send mail, "
            "or MAIL_FOLDER to keep it in a folder"
        )
    folder = Path(config["MAIL_FOLDER"])
    written = 0
    for message in messages:
        try:
            path = _write_message(folder, message)
        except OSError as error:
            problem = f"Could not write mail to the folder {folder}: {error.strerror or error}"
            raise SendError(written, len(messages), problem) from error
        written += 1
        logger.warning(
            "Mail kept in %s, not sent (MAIL_SERVER is empty) | To: %s | Subject: %s | Links: %s",
            path,
            one_line(str(message["To"])),
            one_line(str(message["Subject"])),
            " ".join(links_in(plain_text(message))) or "none",
        )
        if on_sent:
            on_sent(message)
    return written


def links_in(text: str) -> list[str]:
    """Every http(s) link in `text`, once each, in the order they first appear; punctuation
    that ends a sentence is not taken as part of the link."""
    links = (match.rstrip(TRAILING_PUNCTUATION) for match in LINK.findall(text))
    return list(dict.fromkeys(links))


def _write_message(folder: Path, message: EmailMessage) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{datetime.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    # Created with its final mode (O_EXCL: never over another file), so it is not readable by
    # others even for a moment; fchmod because the umask could only have narrowed it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(message.as_bytes())
    return path


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
