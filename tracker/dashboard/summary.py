"""The quarter's dashboard worked out from plain data: no Flask, no database. The dashboard,
the board pack and the published view all take their counts, direction of travel and
exceptions from here.

The agreed meanings, in one place:

- a recommendation's status in a quarter is the status of its latest *approved* revision in
  that quarter; with none there, the last status approved in an earlier quarter is *carried
  forward*, labelled with that quarter ("Amber in 2022/23 Q3; no update for 2022/23 Q4"): a
  missing update does not erase what was known. Never approved at all: no status;
- a recommendation *withdrawn* in a quarter is left out of every count, the exceptions and the
  direction of travel from that quarter on (it is still listed);
- its direction of travel compares this quarter's own approved status with its status (carried
  forward if need be) in the quarter before; none when it has no update approved this quarter,
  and "no earlier status" when the plan has no such quarter;
- its update is *missing* when its latest revision in the quarter is absent, a draft or
  returned; a submitted latest revision is *awaiting approval* instead;
- the *exceptions* are the Red and Amber items, carried forward or not, and those with no
  update approved this quarter;
- a *Red* item is one whose status has the key "red";
- an action is *overdue* when it is neither done nor dropped and its target date has passed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker import rag
from tracker.quarters import Quarter
from tracker.rag import IMPROVING, NEW, NONE, UNCHANGED, WORSENING, Direction, Status

NO_UPDATE_LABEL = "No approved update"
EXCEPTION_KEYS = frozenset({"red", "amber"})
DIRECTIONS = (IMPROVING, UNCHANGED, WORSENING, NEW, NONE)  # the order they are listed in
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
    withdrawn_in: str | None = None  # the quarter it was withdrawn in, if it was


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
class Standing:
    """What is known of a recommendation's status as at a quarter: its status, the quarter
    that status was approved in (an earlier one when it is carried forward), and the quarter
    it was withdrawn in when that is this quarter or before."""

    quarter: str
    status: Status | None
    approved_in: str | None = None
    withdrawn_in: str | None = None

    @property
    def withdrawn(self) -> bool:
        """Left out of the counts, the exceptions and the direction of travel."""
        return self.withdrawn_in is not None

    @property
    def carried(self) -> bool:
        """Whether the status is an earlier quarter's, for want of an update this quarter."""
        return self.status is not None and self.approved_in != self.quarter

    @property
    def is_exception(self) -> bool:
        """Red or Amber (carried forward or not), or no update approved this quarter."""
        if self.withdrawn:
            return False
        return self.status is None or self.carried or self.status.key in EXCEPTION_KEYS

    @property
    def carried_note(self) -> str:
        """Where a carried status comes from: "in 2022/23 Q3; no update for 2022/23 Q4"."""
        return f"in {self.approved_in}; no update for {self.quarter}" if self.carried else ""

    @property
    def words(self) -> str:
        """The standing in words, as printed where there is no room for a tag."""
        if self.withdrawn:
            return f"Withdrawn in {self.withdrawn_in}; not counted"
        if self.status is None:
            return NO_UPDATE_LABEL
        return f"{self.status.label} {self.carried_note}".rstrip()


@dataclass(frozen=True)
class StatusCount:
    """How many recommendations have a status; `status` is None for "No approved update".
    `carried` of them have the status only as carried forward from an earlier quarter."""

    status: Status | None
    count: int
    carried: int = 0

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
    standing: Standing  # as at this quarter
    previous: Standing | None  # as at the quarter before; None when the plan has no such row
    direction: Direction
    update_state: str  # of the latest revision this quarter: "none" when there is none
    corrective_action: str  # of the approved revision its status comes from

    @property
    def status(self) -> Status | None:
        """Its status this quarter, carried forward from an earlier one if need be."""
        return self.standing.status

    @property
    def previous_status(self) -> Status | None:
        return self.previous.status if self.previous else None

    @property
    def withdrawn(self) -> bool:
        return self.standing.withdrawn

    @property
    def carried(self) -> bool:
        return self.standing.carried

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
    recommendations: tuple[RecommendationSummary, ...]  # every one, withdrawn included
    missing: tuple[RecommendationSummary, ...]
    awaiting_approval: tuple[RecommendationSummary, ...]
    red: tuple[RecommendationSummary, ...]
    overdue_actions: tuple[OverdueAction, ...]
    history: tuple[QuarterCounts, ...]  # one per quarter, oldest first
    exceptions: tuple[RecommendationSummary, ...] = ()
    directions: tuple[tuple[Direction, int], ...] = ()  # how many moved each way

    @property
    def counted(self) -> tuple[RecommendationSummary, ...]:
        """The recommendations in the counts: all but those withdrawn by this quarter."""
        return tuple(row for row in self.recommendations if not row.withdrawn)

    @property
    def withdrawn(self) -> tuple[RecommendationSummary, ...]:
        return tuple(row for row in self.recommendations if row.withdrawn)

    @property
    def without_update(self) -> tuple[RecommendationSummary, ...]:
        """Counted recommendations with no update approved this quarter."""
        return tuple(row for row in self.counted if row.status is None or row.carried)


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
    rows = tuple(_summarise_one(r, key, quarter, previous, ordered) for r in recommendations)
    counted = [row for row in rows if not row.withdrawn]
    by_id = {row.id: row for row in rows}
    return Dashboard(
        quarter=quarter,
        previous_quarter=previous,
        quarters=ordered,
        counts=count_statuses([row.standing for row in rows], key),
        recommendations=rows,
        missing=tuple(row for row in counted if row.update_state in MISSING_STATES),
        awaiting_approval=tuple(row for row in counted if row.update_state == "submitted"),
        red=tuple(row for row in counted if row.status is not None and row.status.key == "red"),
        overdue_actions=overdue_actions(actions, by_id, today),
        history=tuple(
            QuarterCounts(
                label,
                count_statuses([standing_in(r, label, ordered, key) for r in recommendations], key),
            )
            for label in ordered
        ),
        exceptions=tuple(row for row in rows if row.standing.is_exception),
        directions=direction_counts(rows),
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


def standing_in(
    recommendation: Recommendation,
    quarter: str,
    quarters: Sequence[str],
    status_key: Sequence[Status],
) -> Standing:
    """What is known of the recommendation as at `quarter`, one of `quarters` (oldest first):
    its approved status there, else the one approved in the latest earlier quarter that has
    one; and whether it was withdrawn by then."""
    withdrawn = withdrawn_by(recommendation.withdrawn_in, quarter)
    earlier = quarters[: quarters.index(quarter) + 1] if quarter in quarters else (quarter,)
    for label in reversed(earlier):
        approved = latest_revision(recommendation, label, approved=True)
        if approved is not None:
            status = rag.status_for(approved.status, tuple(status_key))
            return Standing(quarter, status, label if status else None, withdrawn)
    return Standing(quarter, None, None, withdrawn)


def withdrawn_by(withdrawn_in: str | None, quarter: str) -> str | None:
    """`withdrawn_in` when that quarter is `quarter` or before it, else None. A label that is
    not a quarter cannot be placed, so it counts as withdrawn already: left out, never
    counted twice."""
    if withdrawn_in is None:
        return None
    try:
        return withdrawn_in if Quarter.parse(withdrawn_in) <= Quarter.parse(quarter) else None
    except ValueError:
        return withdrawn_in


def withdrawn_quarter(withdrawn_at: str | None, withdrawn_in_quarter: str | None) -> str | None:
    """The quarter a recommendation was withdrawn in: the one recorded, else the quarter of
    the day it was withdrawn (an ISO timestamp); None when it was not withdrawn."""
    if withdrawn_in_quarter or not withdrawn_at:
        return withdrawn_in_quarter or None
    day = _iso_date(withdrawn_at[:10])
    # A timestamp that is not a date cannot be placed: `withdrawn_by` leaves it out throughout.
    return Quarter.containing(day).label if day else withdrawn_at


def count_statuses(
    standings: Iterable[Standing], status_key: Sequence[Status]
) -> tuple[StatusCount, ...]:
    """How many of each status in the key (zero included, best first), then how many with
    none; withdrawn recommendations are left out, and carried-forward statuses count under
    their status and are counted again in `carried`."""
    counted = [standing for standing in standings if not standing.withdrawn]
    found = [standing.status.key if standing.status else None for standing in counted]
    carried = [standing.status.key for standing in counted if standing.carried]
    return (
        *(
            StatusCount(status, found.count(status.key), carried.count(status.key))
            for status in status_key
        ),
        StatusCount(None, found.count(None)),
    )


def direction_counts(
    summaries: Iterable[RecommendationSummary],
) -> tuple[tuple[Direction, int], ...]:
    """How many counted recommendations moved each way, for each direction that occurs."""
    directions = [item.direction for item in summaries if not item.withdrawn]
    return tuple((way, directions.count(way)) for way in DIRECTIONS if way in directions)


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
    recommendation: Recommendation,
    key: tuple[Status, ...],
    quarter: str,
    previous: str | None,
    ordered: tuple[str, ...],
) -> RecommendationSummary:
    standing = standing_in(recommendation, quarter, ordered, key)
    before = standing_in(recommendation, previous, ordered, key) if previous else None
    own = None if standing.carried or standing.withdrawn else standing.status
    latest = latest_revision(recommendation, quarter)
    approved = (
        latest_revision(recommendation, standing.approved_in, approved=True)
        if standing.approved_in
        else None
    )
    return RecommendationSummary(
        id=recommendation.id,
        number=recommendation.number,
        text=recommendation.text,
        short_text=short_text(recommendation.text),
        champions=tuple(dict.fromkeys(recommendation.champions)),
        standing=standing,
        previous=before,
        direction=rag.direction(
            before.status.key if before and before.status else None,
            own.key if own else None,
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
