"""Times as people in the UK read them.

The database keeps moments in UTC ("2023-04-01T09:30:00.000Z"); pages, exports and expiry
dates use UK local time, summer time included."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tracker.auth.accounts import now

UK = ZoneInfo("Europe/London")


def uk_time(at: str) -> datetime:
    """A stored moment (ISO 8601 in UTC; UTC when it names no zone) in UK local time."""
    moment = datetime.fromisoformat(at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UK)


def in_words(at: str | None) -> str:
    """A stored moment as people in the UK write it: "1 April 2023 at 10:30am"; blank stays
    blank."""
    if not at:
        return ""
    moment = uk_time(at)
    return f"{moment.day} {moment:%B %Y} at {_clock(moment)}"


def time_in_words(at: str) -> str:
    """The UK clock time of a stored moment as people say it: "2:32pm"."""
    return _clock(uk_time(at))


def day_in_words(at: str | None) -> str:
    """The UK day of a stored moment as people write it: "1 April 2023"; blank stays blank."""
    if not at:
        return ""
    moment = uk_time(at)
    return f"{moment.day} {moment:%B %Y}"


def uk_today(moment: datetime | None = None) -> date:
    """Today's date in the UK (or the date of `moment` there)."""
    return (moment or now()).astimezone(UK).date()


def _clock(moment: datetime) -> str:
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"
