"""Composing emails from templates/emails: a plain-text part, and an HTML part when the
template has one.

The templates are rendered with Jinja environments of our own rather than the app's
`render_template`: mail is also composed without a request (`flask send-reminders` runs from
cron), and the app's context processor needs one (it asks who is signed in). There are two
environments over the same folder because the two parts need opposite escaping: plain text
must never be HTML-escaped ("Children & Families" would arrive as "Children &amp; Families"),
and HTML must always be. Both are strict about undefined names, so a typo in a template fails
the tests instead of sending an email with a gap in it.
"""

import textwrap
from collections.abc import Mapping
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tracker.mail.addresses import Recipient, one_line, recipient_address, sender_address

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
SHORT_TEXT = 200  # characters of a recommendation's wording quoted in an email
SUBJECT_LENGTH = 250


def long_date(day: date, weekday: bool = False) -> str:
    """A date as GOV.UK writes it: "14 April 2023", or "Friday 14 April 2023"."""
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A} {text}" if weekday else text


def count(number: int, singular: str, plural: str | None = None) -> str:
    """A number with its noun: "1 champion", "2 champions"."""
    return f"{number} {singular if number == 1 else plural or f'{singular}s'}"


def shorten(text: str) -> str:
    """Text cut at a word to at most SHORT_TEXT characters, for quoting in an email."""
    return textwrap.shorten(text, SHORT_TEXT, placeholder=" …")


class EmailTemplates:
    """The email templates in `folder`: <name>.txt for every email, and <name>.html beside it
    for those that also have an HTML part."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.text = self._environment(autoescape=False)
        self.html = self._environment(autoescape=True)

    def _environment(self, autoescape: bool) -> Environment:
        environment = Environment(
            loader=FileSystemLoader(self.folder),
            autoescape=autoescape,  # noqa: S701 (off only for the plain-text part)
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        environment.filters.update(
            long_date=long_date, one_line=one_line, shorten=shorten, count=count
        )
        return environment

    def render(self, template: str, context: Mapping) -> tuple[str, str | None]:
        """The plain text of `template`, and its HTML, or None when it has no .html file."""
        text = self.text.get_template(f"{template}.txt").render(context)
        # Looked for on disk rather than by catching TemplateNotFound, which would also hide a
        # .html template whose layout is missing.
        if not (self.folder / f"{template}.html").is_file():
            return text, None
        return text, self.html.get_template(f"{template}.html").render(context)


EMAIL_TEMPLATES = EmailTemplates(TEMPLATES)


def compose(
    template: str,
    to: Recipient,
    subject: str,
    context: Mapping,
    config: Mapping,
    *,
    templates: EmailTemplates = EMAIL_TEMPLATES,
) -> EmailMessage:
    """One email to `to`, from config["MAIL_FROM"], rendered from templates/emails/<template>.txt
    and, when it exists, <template>.html as the HTML alternative (multipart/alternative).

    The templates see `context` plus `service_name` and `subject`. Raises MailSettingsError
    when MAIL_FROM is not an address and ValueError when `to.email` is not exactly one valid
    address. Line breaks in the name and subject are flattened, so neither can add a header.
    """
    sender = sender_address(config["MAIL_FROM"])
    subject = one_line(subject, limit=SUBJECT_LENGTH)
    text, html = templates.render(
        template, {**context, "service_name": _service_name(), "subject": subject}
    )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient_address(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    # Naming the domain avoids a DNS look-up of this machine's name for every message.
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    # RFC 3834: stops out-of-office replies coming back to the tracker's address.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def plain_text(message: EmailMessage) -> str:
    """The plain-text body of a message, whether or not it also has an HTML part."""
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def as_text(message: EmailMessage) -> str:
    """The message as a person reads it: To, Subject and the plain-text body."""
    return f"To: {message['To']}\nSubject: {message['Subject']}\n\n{plain_text(message)}"


def _service_name() -> str:
    # Imported here, not at the top: the template helpers import Flask and the accounts
    # module, and the accounts side of the tracker sends mail through this package.
    from tracker.template_helpers import SERVICE_NAME

    return SERVICE_NAME
