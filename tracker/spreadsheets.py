"""Text that goes into a spreadsheet (the Excel export, the audit log's CSV) and must never run.

A cell whose text starts with = + - @ (or their full-width forms), a tab or a carriage return,
including after leading spaces or line breaks, is read as a formula when a spreadsheet opens,
edits or pastes it ("formula injection"). Such text gets a single quote in front, which
spreadsheets show as it is and never evaluate. Numbers and dates are never passed through here.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_formula(text: str) -> str:
    """The text with a single quote in front if a spreadsheet would otherwise run it."""
    if text[:1] in ("\t", "\r") or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text
