"""Reading what closing a quarter leaves behind, which quarter may be reopened, and how many
times a quarter has been closed.

Pure domain: no Flask. A quarter's closing number counts its closings: 1 the first time it
is closed, 2 once it has been reopened and closed again, and so on. Packs are kept for each
closing apart, so the paper the board read before a reopening stays as it was.
"""

from dataclasses import dataclass, field

from sqlite_utils import Database

from tracker.db import scalar
from tracker.quarters import Quarter


@dataclass(frozen=True)
class LeftOver:
    """A recommendation whose update for the quarter is not (yet) an approved one."""

    recommendation_id: int
    number: str | None
    text: str
    state: str | None  # None when nobody has saved anything
    saved_by: str | None = None
    saved_at: str | None = None


@dataclass(frozen=True)
class WhatIsLeft:
    """What a quarter still lacks when it is closed."""

    missing: list[LeftOver] = field(default_factory=list)
    submitted: list[LeftOver] = field(default_factory=list)
    unsent: list[LeftOver] = field(default_factory=list)  # drafts, and updates returned

    @property
    def anything(self) -> bool:
        return bool(self.missing or self.submitted or self.unsent)


@dataclass(frozen=True)
class Reopening:
    """Whether the plan's most recent closed quarter may be reopened: `quarter` is its row,
    `closing` its closing number, `current` the plan's current quarter (the one that opened
    when it closed); `refusal` says why it may not be, and is None when it may."""

    quarter: dict | None
    closing: int
    current: str | None
    refusal: str | None


def quarter_row(db: Database, plan_id: int, label: str) -> dict | None:
    """The plan's row for the quarter with this label, or None."""
    return next(
        db.query("SELECT * FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, label]),
        None,
    )


def closing_number(db: Database, quarter_id: int | None) -> int:
    """Which closing of the quarter is (or will be) the latest: one more than the number of
    times it has been reopened."""
    if quarter_id is None:
        return 1
    return 1 + scalar(
        db, "SELECT count(*) FROM quarter_reopenings WHERE quarter_id = ?", quarter_id
    )


def what_is_left(db: Database, plan_id: int, quarter: dict | None, label: str) -> WhatIsLeft:
    """The plan's recommendations with no update for the quarter, with one submitted and not
    approved, and with a draft (or a returned update) that closing leaves unsent. A
    recommendation withdrawn in this quarter or before is not expected to have one."""
    rows = db.query(
        """
        SELECT recommendations.id, recommendations.number, recommendations.text,
               latest.state, latest.created_at, users.name AS author
        FROM recommendations
        LEFT JOIN progress_updates AS latest
            ON latest.recommendation_id = recommendations.id AND latest.quarter_id = ?
           AND latest.revision = (
               SELECT max(revision) FROM progress_updates
               WHERE recommendation_id = recommendations.id AND quarter_id = ?)
        LEFT JOIN users ON users.id = latest.author_id
        WHERE recommendations.plan_id = ?
          -- Labels like "2022/23 Q4" sort in time order.
          AND (recommendations.withdrawn_in_quarter IS NULL
               OR recommendations.withdrawn_in_quarter > ?)
        ORDER BY recommendations.position
        """,
        [quarter["id"] if quarter else None, quarter["id"] if quarter else None, plan_id, label],
    )
    left = WhatIsLeft()
    for row in rows:
        item = LeftOver(
            row["id"], row["number"], row["text"], row["state"], row["author"], row["created_at"]
        )
        if row["state"] is None:
            left.missing.append(item)
        elif row["state"] == "submitted":
            left.submitted.append(item)
        elif row["state"] in ("draft", "returned"):
            left.unsent.append(item)
    return left


def reopening(db: Database, plan: dict) -> Reopening:
    """Whether the plan's most recent closed quarter may be reopened now: only while the
    plan is live, and only while the quarter that opened when it closed is still the current
    one and has no saved update at all (a draft counts), so no one's words are stranded in a
    quarter that has not opened."""
    latest = next(
        db.query(
            "SELECT quarters.*, users.name AS locked_by_name FROM quarters"
            " LEFT JOIN users ON users.id = quarters.locked_by"
            " WHERE plan_id = ? AND locked_at IS NOT NULL"
            " ORDER BY starts_on DESC, quarters.id DESC LIMIT 1",
            [plan["id"]],
        ),
        None,
    )
    current = plan["current_quarter"]
    closing = closing_number(db, latest["id"] if latest else None)

    def refused(why: str) -> Reopening:
        return Reopening(latest, closing, current, why)

    if plan["state"] != "live":
        return refused("Only the quarters of a live plan can be reopened.")
    if latest is None:
        return refused("No quarter of this plan has been closed yet.")
    label = latest["label"]
    if not current or Quarter.parse(label).next().label != current:
        return refused(
            f"{label} cannot be reopened: the plan's current quarter is not the one after it."
        )
    current_row = quarter_row(db, plan["id"], current)
    saved = current_row and scalar(
        db, "SELECT count(*) FROM progress_updates WHERE quarter_id = ?", current_row["id"]
    )
    if saved:
        return refused(
            f"{label} cannot be reopened: {current} already has {saved} saved "
            f"update{'s' if saved != 1 else ''} (drafts count too). "
            f"Put any correction in {current}'s updates instead."
        )
    return Reopening(latest, closing, current, None)


def reopenings_of(db: Database, plan_id: int) -> dict[str, list[dict]]:
    """Every reopening of the plan's quarters, oldest first, by the quarter's label."""
    rows = db.query(
        """
        SELECT quarters.label, quarter_reopenings.*, users.name AS reopened_by_name
        FROM quarter_reopenings
        JOIN quarters ON quarters.id = quarter_reopenings.quarter_id
        LEFT JOIN users ON users.id = quarter_reopenings.reopened_by
        WHERE quarters.plan_id = ?
        ORDER BY quarter_reopenings.id
        """,
        [plan_id],
    )
    by_label: dict[str, list[dict]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row)
    return by_label
