"""When reminders go: a plan's schedule of days before the update deadline, then weekly while
an update is overdue. Pure functions of dates; nothing here reads the database.

A schedule is written as days before the deadline, largest first: "14,3,0" reminds 14 days
before, 3 days before and on the day. Each of those is a *step*; after the deadline, each
week overdue is a step too ("overdue-week-1" seven days after the deadline, and so on) when
the plan reminds weekly while overdue. Each step is sent to each person once.

Weekly reminders stop, though an update is still missing, once the quarter's board meeting
has passed (the board has met without it; the administrator follows it up from there) and at
the latest MAX_OVERDUE_WEEKS weeks after the deadline, so a forgotten quarter does not email
its champions for ever.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = "14,3,0"
MAX_DAYS_BEFORE = 90
MAX_STEPS = 10
MAX_OVERDUE_WEEKS = 6
NO_DEADLINE = "no-deadline"
_NUMBER = re.compile(r"[0-9]{1,3}")


class ScheduleError(ValueError):
    """A schedule that cannot be read; str() says what to write instead."""


@dataclass(frozen=True)
class Step:
    """One step of a schedule: its name (recorded with each reminder) and the day it falls on."""

    name: str
    on: date | None
    overdue: bool = False


def parse_days(text: str | None) -> tuple[int, ...]:
    """The days before the deadline in `text` ("14, 3, 0"), largest first.

    Raises ScheduleError, in words, for anything but up to MAX_STEPS different whole numbers
    from 0 to MAX_DAYS_BEFORE separated by commas. An empty text means no reminder before
    the deadline.
    """
    text = (text or "").strip()
    if not text:
        return ()
    if len(text) > 60:
        raise ScheduleError("Write at most 10 numbers of days, like 14, 3, 0.")
    days = []
    for part in text.split(","):
        part = part.strip()
        if not _NUMBER.fullmatch(part):
            raise ScheduleError(
                "Write the days before the deadline as whole numbers separated by commas,"
                f" like 14, 3, 0 (not {part!r})."
            )
        value = int(part)
        if value > MAX_DAYS_BEFORE:
            raise ScheduleError(
                f"A reminder can go at most {MAX_DAYS_BEFORE} days before the deadline"
                f" (not {value})."
            )
        if value in days:
            raise ScheduleError(f"{value} days before the deadline is written twice.")
        days.append(value)
    if len(days) > MAX_STEPS:
        raise ScheduleError(f"Choose at most {MAX_STEPS} days before the deadline.")
    return tuple(sorted(days, reverse=True))


def format_days(days: tuple[int, ...]) -> str:
    """The stored form of a schedule: "14,3,0"."""
    return ",".join(str(day) for day in sorted(days, reverse=True))


def step_name(days_before: int) -> str:
    if days_before == 0:
        return "on-the-day"
    return f"{days_before}-day{'' if days_before == 1 else 's'}-before"


def last_overdue_day(deadline: date, board_meeting: date | None = None) -> date:
    """The last day a weekly overdue reminder can go: the day of the board meeting, or the
    last day of the MAX_OVERDUE_WEEKS-th week after the deadline if that comes first."""
    cap = deadline + timedelta(weeks=MAX_OVERDUE_WEEKS + 1, days=-1)
    return min(cap, board_meeting) if board_meeting else cap


def step_due(
    deadline: date,
    days: tuple[int, ...],
    overdue_weekly: bool,
    today: date,
    board_meeting: date | None = None,
) -> Step | None:
    """The step in force on `today`, or None between steps.

    Before the deadline that is the latest step whose day has come (so a reminder missed on
    its day, say while the worker was stopped, still goes until the next step is due); on the
    deadline it is "on-the-day" when the schedule has it; after it, "overdue-week-N" from N
    weeks after the deadline for the rest of that week, when the plan reminds while overdue,
    up to `last_overdue_day`.
    """
    if today <= deadline:
        days_left = (deadline - today).days
        reached = [day for day in days if day >= days_left]
        if not reached:
            return None
        day = min(reached)
        return Step(step_name(day), deadline - timedelta(days=day))
    weeks = (today - deadline).days // 7
    if not overdue_weekly or weeks < 1 or today > last_overdue_day(deadline, board_meeting):
        return None
    return Step(f"overdue-week-{weeks}", deadline + timedelta(weeks=weeks), overdue=True)


def next_step(
    deadline: date,
    days: tuple[int, ...],
    overdue_weekly: bool,
    today: date,
    board_meeting: date | None = None,
) -> Step | None:
    """The first step after `today`, or None when the schedule has no more."""
    for offset in range(1, MAX_DAYS_BEFORE + 8):
        day = today + timedelta(days=offset)
        step = step_due(deadline, days, overdue_weekly, day, board_meeting)
        if step is not None and step.on == day:
            return step
    return None
