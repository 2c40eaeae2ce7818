"""Who a message is from and to, made safe to put in an email's headers.

Names and addresses are typed in by people (or imported from reports), so they can hold
anything: a line break in a name would start a new header ("Bcc: ..."), and a comma in an
address would send to two people. These helpers are the one place that decides what is safe.
"""

import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

MAX_NAME_LENGTH = 200  # the people and users tables allow no more


class MailSettingsError(ValueError):
    """A MAIL_* setting cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Recipient:
    """Someone a message goes to: a name for the greeting and one checked address."""

    name: str
    email: str


def one_line(text: str | None, limit: int = MAX_NAME_LENGTH) -> str:
    """`text` on one line: control characters (CR, LF, tab, NUL...) and any run of white space,
    including Unicode line and paragraph separators, become a single space."""
    if not text:
        return ""
    visible = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(visible.split())[:limit].strip()


def single_address(value: str | None) -> str | None:
    """`value` as one valid email address, or None if it is not exactly that.

    The same check as account sign-up (email-validator, no DNS look-up), stricter in two ways:
    the address must be plain ASCII (or an internationalised domain, sent as its ASCII form),
    because a server without SMTPUTF8 would refuse it and stop the whole run; and there must be
    nothing else in the value: no display name, no second address, no line break.
    """
    if not value or not value.strip():
        return None
    try:
        # email-validator refuses white space, control characters, commas and display names
        # anywhere in the address; the tests hold it to that.
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return result.ascii_email or result.normalized


def sender_address(mail_from: str) -> Address:
    """MAIL_FROM ("Name <address>" or a bare address) as one header-safe address; raises
    MailSettingsError when it is not one."""
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


def recipient_address(to: Recipient) -> Address:
    """`to` as a header-safe address; raises ValueError unless `to.email` is exactly one valid
    address, so no caller can send to a list of addresses or a malformed one."""
    if single_address(to.email) != to.email:
        raise ValueError(f"{to.email!r} is not a single valid email address")
    # Address() quotes or encodes the display name as needed; on one line, a name from the
    # database cannot start a header of its own.
    return Address(display_name=one_line(to.name), addr_spec=to.email)
