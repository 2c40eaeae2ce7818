"""The password rule, in one place: what a new password must be, said to the person choosing it.

Following the NCSC's and NIST's advice (and OWASP ASVS 2.1): long enough, not too long to
hash, any printable characters including spaces and emoji, and no rules about mixing
letters, digits and symbols. What is refused is what attackers try first: the most common
passwords (and those repeated), and words anyone could guess from the account itself.
"""

import unicodedata
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 128
# Shorter than this, an email's local part ("jo", "ab") is too likely to occur by chance.
MIN_CONTEXT_WORD_LENGTH = 4
# A piece this short, repeated to fill 12 characters ("abcabcabcabc"), is no password.
MAX_REPEATED_PIECE = 3
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Control characters cannot be typed reliably on every device, and a line break or tab in a
# password is far more often a paste gone wrong than a choice.
REFUSED_CATEGORIES = {"Cc", "Cs"}

TOO_SHORT = f"Password must be {MIN_LENGTH} characters or more"
TOO_LONG = f"Password must be {MAX_LENGTH} characters or fewer"
CONTROL_CHARACTERS = "Password must not contain tabs, line breaks or other control characters"
HARDER_TO_GUESS = "Try three or four random words together"
COMMON = f"Password is too easy to guess: it is on a list of common passwords. {HARDER_TO_GUESS}"
REPEATED = (
    "Password is too easy to guess: it is a common password or a few characters repeated. "
    + HARDER_TO_GUESS
)
HAS_EMAIL = "Password must not contain the part of the email address before the @"
HAS_SERVICE_NAME = "Password must not contain the name of the tracker"


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` cannot be chosen for the account with `email`, in words for the person
    choosing it, or None if it can. Length counts characters (Unicode code points), not bytes.
    """
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in password):
        return CONTROL_CHARACTERS
    folded = password.casefold()
    if folded in common_passwords():
        return COMMON
    if _is_repeated(folded):
        return REPEATED
    compact = _letters_and_digits(password)
    local_part = _letters_and_digits(email.rpartition("@")[0] or email)
    if len(local_part) >= MIN_CONTEXT_WORD_LENGTH and local_part in compact:
        return HAS_EMAIL
    if _letters_and_digits(_service_name()) in compact:
        return HAS_SERVICE_NAME
    return None


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded; lines starting "# " are its notes."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.casefold() for line in lines if line and not line.startswith("# "))


def _is_repeated(folded: str) -> bool:
    """Whether the password is one piece over and over: a common password ("monkeymonkey")
    or a few characters ("abababababab")."""
    length = len(folded)
    for size in range(1, length // 2 + 1):
        piece = folded[:size]
        if length % size == 0 and piece * (length // size) == folded:
            return size <= MAX_REPEATED_PIECE or piece in common_passwords()
    return False


def _letters_and_digits(text: str) -> str:
    """Text case-folded with everything but letters and digits taken out, so "Head.Of.Service"
    and "head of service" compare equal."""
    return "".join(char for char in text.casefold() if char.isalnum())


def _service_name() -> str:
    # Imported here, not at the top: the template helpers import the accounts module, which
    # imports this one.
    from tracker.template_helpers import SERVICE_NAME

    return SERVICE_NAME
