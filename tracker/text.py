"""Text and numbers as people type them into the tracker's forms.

Pure: no Flask, no database. Every form reads its words and whole numbers through these, so
what is checked is what is stored.
"""

import re

# Characters no keyboard makes, which SQLite's length() stops counting at (NUL) and the XML of
# the Word and Excel exports cannot hold: control characters other than tab, line feed and
# carriage return, and the non-characters U+FFFE and U+FFFF. Anything else is kept as typed.
UNTYPEABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Only the digits 0 to 9, and few enough of them to make a number SQLite can hold: Python's
# int() also reads other scripts' digits, but not superscripts, and refuses 4,300 or more.
WHOLE_NUMBER = re.compile(r"[0-9]{1,15}")


def clean_text(text: str) -> str:
    """The text without characters no keyboard makes and without spaces around it, so text
    that is only spaces is empty."""
    return UNTYPEABLE.sub("", text).strip()


def whole_number(text: str) -> int | None:
    """The whole number written in `text` with the digits 0 to 9, or None if it is not one."""
    text = text.strip()
    return int(text) if WHOLE_NUMBER.fullmatch(text) else None
