"""When something is due, in the words people use: "due in 5 days", "overdue by 2 days"."""

from datetime import date


def due_in_words(deadline: date | None, today: date) -> str | None:
    """How `deadline` stands on `today`: "due today", "due tomorrow", "due in 5 days",
    "overdue by 1 day", "overdue by 2 days"; None when there is no deadline."""
    if deadline is None:
        return None
    days = (deadline - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"due in {days} days"
    return f"overdue by {_days(-days)}"


def iso_due_in_words(deadline: str | None, today: date) -> str | None:
    """`due_in_words` for a stored ISO date; None when it is blank or not a date, so a
    mistyped deadline is shown as a date alone rather than guessed at."""
    try:
        return due_in_words(date.fromisoformat(deadline), today) if deadline else None
    except ValueError:
        return None


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"
