"""What every form shares."""


def strip_whitespace(value):
    """Treat text that is only spaces as empty, and drop spaces around the rest."""
    return value.strip() if isinstance(value, str) else value
