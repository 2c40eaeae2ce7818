"""Dates typed as day, month and year in three boxes, the GOV.UK way, with its messages.

People type "3", "03" or "March" for a month and "2026" for a year; anything else is answered
with a message naming the part that is wrong, and the part is highlighted on the page.
"""

import calendar
from dataclasses import dataclass
from datetime import date

from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from tracker.text import clean_text

PARTS = ("day", "month", "year")
MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
LONGEST_PART = 9  # "September"


@dataclass(frozen=True)
class DateReading:
    """What was made of three boxes: the date, or a message and the parts it is about."""

    value: date | None
    problem: str | None = None
    parts_wrong: tuple[str, ...] = ()


def read_date(day: str, month: str, year: str, name: str, required: bool) -> DateReading:
    """Read a date from its three boxes. `name` is how the message names it ("board meeting
    date"); a date left wholly blank is None, or a problem when `required`."""
    typed = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = tuple(part for part in PARTS if not typed[part])
    if len(missing) == len(PARTS):
        if not required:
            return DateReading(None)
        return DateReading(None, f"Enter the {name}", missing)
    if missing:
        return DateReading(
            None, f"{name.capitalize()} must include a {' and '.join(missing)}", missing
        )
    if not (_digits(typed["year"]) and len(typed["year"]) == 4):
        return DateReading(None, "Year must include 4 numbers", ("year",))
    month_number = _month(typed["month"])
    if month_number is None or not _digits(typed["day"]) or len(typed["day"]) > 2:
        return DateReading(None, f"{name.capitalize()} must be a real date", PARTS)
    try:
        return DateReading(date(int(typed["year"]), month_number, int(typed["day"])))
    except ValueError:
        return DateReading(None, f"{name.capitalize()} must be a real date", PARTS)


def _digits(typed: str) -> bool:
    """Whether it is written in the digits 0 to 9 only (not other scripts' digits)."""
    return typed.isascii() and typed.isdigit()


def _month(typed: str) -> int | None:
    if _digits(typed) and len(typed) <= 2:
        return int(typed) if 1 <= int(typed) <= 12 else None
    return MONTHS.get(typed.lower().rstrip("."))


class DayMonthYearField(Field):
    """A GOV.UK date input: boxes named NAME-day, NAME-month and NAME-year.

    `data` is the date, or None; `parts` holds what was typed, to show it again with the
    message; `parts_wrong` names the boxes to highlight."""

    def __init__(self, label: str, name_in_messages: str, required: bool = True, **kwargs):
        super().__init__(label, **kwargs)
        self.name_in_messages = name_in_messages
        self.required = required
        self.parts = dict.fromkeys(PARTS, "")
        self.parts_wrong: tuple[str, ...] = ()

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        if self.data:
            self.parts = {"day": str(self.data.day), "month": str(self.data.month)}
            self.parts["year"] = str(self.data.year)
        if formdata is None or not any(f"{self.name}-{part}" in formdata for part in PARTS):
            return
        # Longer than any real part: kept short so a page never echoes a pasted essay back.
        self.parts = {
            part: clean_text(formdata.get(f"{self.name}-{part}", ""))[: LONGEST_PART + 1]
            for part in PARTS
        }
        self.raw_data = list(self.parts.values())
        reading = read_date(**self.parts, name=self.name_in_messages, required=self.required)
        self.data, self.parts_wrong = reading.value, reading.parts_wrong
        if reading.problem:
            self.process_errors.append(reading.problem)

    def pre_validate(self, _form) -> None:
        if self.required and self.data is None and not self.process_errors:
            self.parts_wrong = PARTS
            raise StopValidation(f"Enter the {self.name_in_messages}")

    def _value(self) -> str:
        return self.data.isoformat() if self.data else ""
