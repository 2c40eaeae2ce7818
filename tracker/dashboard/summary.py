"""The quarter's dashboard worked out from plain data: no Flask, no database.

The agreed meanings, in one place:

- a recommendation's status in a quarter is the status of its latest *approved* revision in
  that quarter (none when no revision there is approved);
- its direction of travel compares that with its status in the quarter before (none when the
  plan has no such quarter);
- its update is *missing* when its latest revision in the quarter is absent, a draft or
  returned; a submitted latest revision is *awaiting approval* instead;
- a *Red* item is one whose status has the key "red";
- an action is *overdue* when it is neither done nor dropped and its target date has passed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker import rag
from tracker.quarters import Quarter
from tracker.rag import Direction, Status

NO_UPDATE_LABEL = "No approved update"
MISSING_STATES = ("none", "draft", "returned")  # "none": no revision at all this quarter
CLOSED_ACTION_STATUSES = frozenset({"done", "dropped"})
SHORT_TEXT_LENGTH = 110


# What goes in


@dataclass(frozen=True)
class Revision:
    """One revision of a recommendation's update in a quarter (the query may pass only the
    latest revision and the latest approved one of each quarter: nothing else is needed)."""

    quarter: str  # "2022/23 Q3"
    revision: int
    state: str  # draft, submitted, approved or returned
    status: str | None  # a key of the board's status key, or None
    corrective_action: str = ""


@dataclass(frozen=True)
class Recommendation:
    id: int
    number: int | None
    text: str
    champions: tuple[str, ...] = ()  # names, board champions first
    revisions: tuple[Revision, ...] = ()


@dataclass(frozen=True)
class Action:
    id: int
    recommendation_id: int
    text: str
    owner: str | None  # the owner's name
    target_date: str | None  # ISO date
    status: str  # not started, in progress, done or dropped


# What comes out


@dataclass(frozen=True)
class StatusCount:
    """How many recommendations have a status; `status` is None for "No approved update"."""

    status: Status | None
    count: int

    @property
    def key(self) -> str:
        return self.status.key if self.status else "none"

    @property
    def label(self) -> str:
        return self.status.label if self.status else NO_UPDATE_LABEL


@dataclass(frozen=True)
class QuarterCounts:
    quarter: str
    counts: tuple[StatusCount, ...]  # the key's statuses best first, then "No approved update"

    @property
    def total(self) -> int:
        return sum(count.count for count in self.counts)


@dataclass(frozen=True)
class RecommendationSummary:
    id: int
    number: int | None
    text: str
    short_text: str
    champions: tuple[str, ...]
    status: Status | None  # this quarter's approved status
    previous_status: Status | None  # the quarter before's
    direction: Direction
    update_state: str  # of the latest revision this quarter: "none" when there is none
    corrective_action: str  # of the approved revision this quarter

    @property
    def label(self) -> str:
        """How to name it in a list: by its number, or by its text when it has none."""
        return f"Recommendation {self.number}" if self.number is not None else self.short_text


@dataclass(frozen=True)
class OverdueAction:
    id: int
    text: str
    owner: str | None
    target_date: date
    days_overdue: int
    status: str
    recommendation: RecommendationSummary | None


@dataclass(frozen=True)
class Dashboard:
    quarter: str
    previous_quarter: str | None  # None when the plan has no row for the quarter before
    quarters: tuple[str, ...]  # the plan's quarters, oldest first
    counts: tuple[StatusCount, ...]
    recommendations: tuple[RecommendationSummary, ...]
    missing: tuple[RecommendationSummary, ...]
    awaiting_approval: tuple[RecommendationSummary, ...]
    red: tuple[RecommendationSummary, ...]
    overdue_actions: tuple[OverdueAction, ...]
    history: tuple[QuarterCounts, ...]  # one per quarter, oldest first


def summarise(
    recommendations: Sequence[Recommendation],
    status_key: Sequence[Status],
    quarter: str,
    quarters: Iterable[str],
    actions: Iterable[Action] = (),
    *,
    today: date,
) -> Dashboard:
    """The dashboard for `quarter`, one of the plan's `quarters`."""
    ordered = in_order(quarters)
    if quarter not in ordered:
        raise ValueError(f"{quarter!r} is not one of the plan's quarters")
    key = tuple(status_key)
    previous = _previous_label(quarter)
    if previous not in ordered:
        previous = None
    rows = tuple(_summarise_one(r, key, quarter, previous) for r in recommendations)
    by_id = {row.id: row for row in rows}
    return Dashboard(
        quarter=quarter,
        previous_quarter=previous,
        quarters=ordered,
        counts=count_statuses([row.status for row in rows], key),
        recommendations=rows,
        missing=tuple(row for row in rows if row.update_state in MISSING_STATES),
        awaiting_approval=tuple(row for row in rows if row.update_state == "submitted"),
        red=tuple(row for row in rows if row.status is not None and row.status.key == "red"),
        overdue_actions=overdue_actions(actions, by_id, today),
        history=tuple(
            QuarterCounts(
                label,
                count_statuses([status_in(r, label, key) for r in recommendations], key),
            )
            for label in ordered
        ),
    )


def in_order(quarters: Iterable[str]) -> tuple[str, ...]:
    """The quarter labels oldest first, without repeats; a label that is not a quarter keeps
    its place after the ones that are."""
    unique = list(dict.fromkeys(quarters))
    return tuple(sorted(unique, key=lambda label: _sort_key(label, unique.index(label))))


def latest_revision(
    recommendation: Recommendation, quarter: str, *, approved: bool = False
) -> Revision | None:
    """The recommendation's latest revision in the quarter (the latest approved one when
    `approved`), or None."""
    candidates = [
        revision
        for revision in recommendation.revisions
        if revision.quarter == quarter and (not approved or revision.state == "approved")
    ]
    return max(candidates, key=lambda revision: revision.revision, default=None)


def status_in(
    recommendation: Recommendation, quarter: str | None, status_key: Sequence[Status]
) -> Status | None:
    """The recommendation's status in the quarter: its latest approved revision's, if that
    status is in the board's key."""
    if quarter is None:
        return None
    approved = latest_revision(recommendation, quarter, approved=True)
    return rag.status_for(approved.status, tuple(status_key)) if approved else None


def count_statuses(
    statuses: Iterable[Status | None], status_key: Sequence[Status]
) -> tuple[StatusCount, ...]:
    """How many of each status in the key (zero included, best first), then how many with
    none."""
    found = [status.key if status else None for status in statuses]
    return (
        *(StatusCount(status, found.count(status.key)) for status in status_key),
        StatusCount(None, found.count(None)),
    )


def overdue_actions(
    actions: Iterable[Action], recommendations: dict[int, RecommendationSummary], today: date
) -> tuple[OverdueAction, ...]:
    """Open actions whose target date is before `today`, most overdue first."""
    overdue = []
    for action in actions:
        target = _iso_date(action.target_date)
        if action.status in CLOSED_ACTION_STATUSES or target is None or target >= today:
            continue
        overdue.append(
            OverdueAction(
                id=action.id,
                text=action.text,
                owner=action.owner,
                target_date=target,
                days_overdue=(today - target).days,
                status=action.status,
                recommendation=recommendations.get(action.recommendation_id),
            )
        )
    return tuple(sorted(overdue, key=lambda action: (-action.days_overdue, action.id)))


def short_text(text: str, length: int = SHORT_TEXT_LENGTH) -> str:
    """The text on one line, cut at a word before `length` characters with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0] or text[: length - 1]
    return cut.rstrip(" ,;:.") + "…"


def _summarise_one(
    recommendation: Recommendation, key: tuple[Status, ...], quarter: str, previous: str | None
) -> RecommendationSummary:
    status = status_in(recommendation, quarter, key)
    previous_status = status_in(recommendation, previous, key)
    latest = latest_revision(recommendation, quarter)
    approved = latest_revision(recommendation, quarter, approved=True)
    return RecommendationSummary(
        id=recommendation.id,
        number=recommendation.number,
        text=recommendation.text,
        short_text=short_text(recommendation.text),
        champions=tuple(dict.fromkeys(recommendation.champions)),
        status=status,
        previous_status=previous_status,
        direction=rag.direction(
            previous_status.key if previous_status else None,
            status.key if status else None,
            key,
        ),
        update_state=latest.state if latest else "none",
        corrective_action=(approved.corrective_action or "").strip() if approved else "",
    )


def _previous_label(quarter: str) -> str | None:
    try:
        return Quarter.parse(quarter).previous().label
    except ValueError:
        return None


def _sort_key(label: str, position: int) -> tuple:
    try:
        parsed = Quarter.parse(label)
    except ValueError:
        return (1, 0, 0, position)
    return (0, parsed.year, parsed.number, position)


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
