"""UK financial-year reporting quarters: "2023/24 Q2" is July to September 2023."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

_LABEL = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: `year` is the year the financial year starts (April)."""

    year: int
    number: int

    @classmethod
    def parse(cls, label: str) -> "Quarter":
        """Read a label such as "2023/24 Q2"; raises ValueError for anything else."""
        match = _LABEL.match(label)
        if not match:
            raise ValueError(f"{label!r} is not a quarter like 2023/24 Q2")
        year, next_year, number = int(match[1]), int(match[2]), int(match[3])
        if (year + 1) % 100 != next_year:
            raise ValueError(f"{label!r}: {next_year:02d} does not follow {year}")
        return cls(year, number)

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        """The quarter that `day` falls in."""
        months_into_year = (day.month - 4) % 12
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, months_into_year // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d} Q{self.number}"

    @property
    def starts_on(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def ends_on(self) -> date:
        return self.next().starts_on - timedelta(days=1)

    @property
    def months(self) -> str:
        """The months it covers, as a hint says them: "October to December 2026"."""
        first, last = self.starts_on, self.ends_on
        start = first.strftime("%B") + ("" if first.year == last.year else f" {first.year}")
        return f"{start} to {last.strftime('%B')} {last.year}"

    @property
    def dates_due_by(self) -> date:
        """The last day a quarter's update deadline or board meeting can sensibly fall on:
        boards meet on a quarter's updates within about three months of its end."""
        return self.next().ends_on

    def next(self) -> "Quarter":
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def shifted(self, quarters: int) -> "Quarter":
        """The quarter this many after this one, or before it when negative."""
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> "Quarter":
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def __str__(self) -> str:
        return self.label


def reporting_date_problems(quarter: Quarter, deadline: date, meeting: date) -> dict[str, str]:
    """What is wrong with a quarter's update deadline and board meeting date, as
    {"update_deadline" or "board_meeting_on": message}; empty when they make sense: both
    from the quarter's first day to three months after it ends, the deadline before the
    meeting (members read the updates first)."""
    problems = {}
    earliest, latest = quarter.starts_on, quarter.dates_due_by
    for name, day, words in (
        ("update_deadline", deadline, "The update deadline"),
        ("board_meeting_on", meeting, "The board meeting"),
    ):
        if not earliest <= day <= latest:
            problems[name] = (
                f"{words} must be between {_day(earliest)} and {_day(latest)}, "
                f"near {quarter.label} ({quarter.months})"
            )
    if not problems and deadline >= meeting:
        problems["update_deadline"] = "The update deadline must be before the board meeting"
    return problems


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
