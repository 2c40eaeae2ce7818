"""Every email the tracker sends: composed from templates/emails, then delivered.

    message = compose("reminder", Recipient(name, email), subject, context, app.config)
    deliver([message], app.config)               # from a command: waits, raises SendError
    deliver_in_background([message], app.config) # from a request: returns at once

With MAIL_SERVER set, mail goes over SMTP; with it empty (the default, for development and
demos) each message is written to MAIL_FOLDER and its links are logged to the console.
Nothing here needs a request or an app context.
"""

from tracker.mail.addresses import (
    MailSettingsError,
    Recipient,
    one_line,
    recipient_address,
    sender_address,
    single_address,
)
from tracker.mail.background import deliver_in_background, wait_for_background_mail
from tracker.mail.delivery import SendError, deliver, links_in
from tracker.mail.messages import EmailTemplates, as_text, compose, long_date, plain_text

__all__ = [
    "EmailTemplates",
    "MailSettingsError",
    "Recipient",
    "SendError",
    "as_text",
    "compose",
    "deliver",
    "deliver_in_background",
    "links_in",
    "long_date",
    "one_line",
    "plain_text",
    "recipient_address",
    "sender_address",
    "single_address",
    "wait_for_background_mail",
]
