"""Which progress updates are still due this quarter, and who should be reminded of them.

Everything here reads the database and returns plain data; nothing is sent. `mail` turns
the data into messages and the `send-reminders` command sends them.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from tracker.mail import Recipient, one_line, single_address

# An update is in once its latest revision is one of these; anything else (no revision, a
# draft, or one returned for changes) still needs the champion to act.
DONE_STATES = ("submitted", "approved")

NO_EMAIL = "no email address"
BAD_EMAIL = "email address not valid"


class NoSuchPlan(LookupError):
    """There is no plan with that id."""


@dataclass(frozen=True)
class Champion:
    """A person championing a recommendation, of either kind."""

    person_id: int
    name: str
    # The person's own address, else that of a user account linked to the person; None when
    # neither exists. Not yet checked: see `single_address`.
    email: str | None


@dataclass(frozen=True)
class MissingUpdate:
    """A recommendation whose update for the quarter is not yet submitted or approved."""

    recommendation_id: int
    number: int | None
    text: str
    quarter: str
    state: str | None  # None (not started), 'draft' or 'returned'
    review_note: str  # why it was returned; '' otherwise
    champions: tuple[Champion, ...]

    @property
    def returned(self) -> bool:
        return self.state == "returned"


@dataclass(frozen=True)
class ChampionReminder:
    """One champion's reminder, covering every recommendation of theirs still due."""

    to: Recipient
    updates: tuple[MissingUpdate, ...]


@dataclass(frozen=True)
class Unreachable:
    """A champion who could not be reminded, and why (listed for the administrator)."""

    champion: Champion
    reason: str
    updates: tuple[MissingUpdate, ...]


@dataclass(frozen=True)
class Reminders:
    """Everything to send for one plan's current quarter, or why nothing is sent."""

    plan_id: int
    plan_title: str
    board: str
    quarter: str | None
    deadline: date | None
    board_meeting_on: date | None
    today: date
    # Why nothing is sent for this plan (quarter closed, deadline passed...); None to send.
    not_sent_because: str | None
    recommendation_count: int
    missing: tuple[MissingUpdate, ...]
    champion_reminders: tuple[ChampionReminder, ...]
    summaries: tuple[Recipient, ...]  # the board's administrators
    unreachable: tuple[Unreachable, ...]
    administrators_not_emailed: tuple[str, ...]  # administrators whose address is not valid
    links: dict[int, str]  # recommendation id -> the page where its champion writes the update
    dashboard_link: str

    @property
    def without_champion(self) -> tuple[MissingUpdate, ...]:
        """Missing updates nobody will be reminded of because no one champions them."""
        return tuple(update for update in self.missing if not update.champions)

    @property
    def counts(self) -> dict[str, int]:
        """How many missing updates are not started, drafts, or returned for changes."""
        states = [update.state for update in self.missing]
        return {
            "not started": states.count(None),
            "draft": states.count("draft"),
            "returned": states.count("returned"),
        }


def plan_ids(db: Database) -> list[int]:
    """Every plan, oldest first."""
    return [row[0] for row in db.execute("SELECT id FROM plans ORDER BY id").fetchall()]


def current_quarter(db: Database, plan_id: int) -> dict | None:
    """The plan's current quarter row (label, update_deadline, locked_at...), or None when the
    plan has no current quarter or the quarters table has no row for it."""
    return next(
        db.query(
            """
            SELECT quarters.* FROM plans
            JOIN quarters ON quarters.plan_id = plans.id AND quarters.label = plans.current_quarter
            WHERE plans.id = ?
            """,
            [plan_id],
        ),
        None,
    )


def missing_updates(db: Database, plan_id: int) -> list[MissingUpdate]:
    """The plan's recommendations, in plan order, whose update for the current quarter is
    missing: the latest revision is not 'submitted' or 'approved', or there is none."""
    plan = db.execute("SELECT current_quarter FROM plans WHERE id = ?", [plan_id]).fetchone()
    if plan is None:
        raise NoSuchPlan(plan_id)
    label = plan[0]
    if not label:
        return []
    quarter = current_quarter(db, plan_id)
    # With no quarters row there can be no revisions for it: every update is missing.
    quarter_id = quarter["id"] if quarter else None
    rows = db.query(
        """
        SELECT recommendations.id, recommendations.number, recommendations.text,
               latest.state, latest.review_note
        FROM recommendations
        LEFT JOIN progress_updates AS latest
          ON latest.recommendation_id = recommendations.id
         AND latest.quarter_id = ?
         AND latest.revision = (
             SELECT max(revision) FROM progress_updates
             WHERE recommendation_id = recommendations.id AND quarter_id = ?)
        WHERE recommendations.plan_id = ?
          AND (latest.state IS NULL OR latest.state NOT IN (?, ?))
        ORDER BY recommendations.position
        """,
        [quarter_id, quarter_id, plan_id, *DONE_STATES],
    )
    missing = list(rows)
    champions = _champions(db, plan_id)
    return [
        MissingUpdate(
            recommendation_id=row["id"],
            number=row["number"],
            text=row["text"],
            quarter=label,
            state=row["state"],
            review_note=row["review_note"] or "",
            champions=tuple(champions[row["id"]]),
        )
        for row in missing
    ]


def reminders_for(
    db: Database, plan_id: int, base_url: str, today: date, *, overdue_allowed: bool = False
) -> Reminders:
    """What to send for the plan on `today`: one reminder per champion with an update still
    due, and one summary per administrator of the plan's board.

    Nothing is sent when the plan has no current quarter, the quarter is locked, its update
    deadline has passed (unless `overdue_allowed`: the schedule reminds while overdue), or
    every update is in. A quarter with no deadline (or no quarters row) is still reminded of;
    the summary says no deadline is set.
    """
    plan = next(
        db.query(
            "SELECT plans.id, plans.title, plans.board_id, plans.current_quarter,"
            " boards.name AS board FROM plans JOIN boards ON boards.id = plans.board_id"
            " WHERE plans.id = ?",
            [plan_id],
        ),
        None,
    )
    if plan is None:
        raise NoSuchPlan(plan_id)
    base_url = base_url.rstrip("/")
    quarter = current_quarter(db, plan_id) or {}
    deadline, bad_deadline = _date(quarter.get("update_deadline"))
    meeting, _ = _date(quarter.get("board_meeting_on"))
    recommendation_count = db.execute(
        "SELECT count(*) FROM recommendations WHERE plan_id = ?", [plan_id]
    ).fetchone()[0]

    def result(not_sent_because: str | None, missing=()) -> Reminders:
        reminders, unreachable = _group_by_champion(missing)
        admins = _administrators(db, plan["board_id"]) if missing else []
        return Reminders(
            plan_id=plan_id,
            plan_title=plan["title"],
            board=plan["board"],
            quarter=plan["current_quarter"],
            deadline=deadline,
            board_meeting_on=meeting,
            today=today,
            not_sent_because=not_sent_because,
            recommendation_count=recommendation_count,
            missing=tuple(missing),
            champion_reminders=reminders,
            summaries=tuple(admin for admin in admins if isinstance(admin, Recipient)),
            unreachable=unreachable,
            administrators_not_emailed=tuple(a for a in admins if isinstance(a, str)),
            links={
                update.recommendation_id: f"{base_url}/recommendations/"
                f"{update.recommendation_id}/update"
                for update in missing
            },
            dashboard_link=f"{base_url}/plans/{plan_id}/dashboard",
        )

    label = plan["current_quarter"]
    if not label:
        return result("the plan has no current quarter")
    if quarter.get("locked_at"):
        return result(f"{label} is closed")
    if bad_deadline:
        # Better to send nothing than to guess: the administrator fixes the date and reruns.
        return result(f"the update deadline for {label} ({bad_deadline!r}) is not a date")
    if deadline is not None and today > deadline and not overdue_allowed:
        return result(f"the update deadline for {label} ({deadline.isoformat()}) has passed")
    missing = missing_updates(db, plan_id)
    if not missing:
        return result(f"every update for {label} is submitted or approved")
    return result(None, missing)


def _champions(db: Database, plan_id: int) -> defaultdict[int, list[Champion]]:
    """Each recommendation's champions, board champions first, each person once."""
    rows = db.query(
        """
        SELECT champions.recommendation_id, people.id AS person_id, people.name,
               CASE WHEN EXISTS (
                   -- Someone deactivated on the board is reminded of nothing.
                   SELECT 1 FROM memberships WHERE memberships.person_id = people.id
                     AND memberships.board_id = people.board_id
                     AND memberships.deactivated_at IS NOT NULL
               ) THEN NULL ELSE coalesce(
                   nullif(trim(people.email), ''),
                   -- No address on the person: use the account linked to them, if any
                   -- (the oldest, so the choice does not change from run to run).
                   (SELECT users.email FROM active_memberships AS memberships
                    JOIN users ON users.id = memberships.user_id
                    WHERE memberships.person_id = people.id
                      AND memberships.board_id = people.board_id
                    ORDER BY memberships.id LIMIT 1)
               ) END AS email
        FROM champions
        JOIN people ON people.id = champions.person_id
        JOIN recommendations ON recommendations.id = champions.recommendation_id
        WHERE recommendations.plan_id = ?
        ORDER BY champions.recommendation_id, champions.kind, champions.position
        """,
        [plan_id],
    )
    champions: defaultdict[int, list[Champion]] = defaultdict(list)
    for row in rows:
        # Someone can champion a recommendation as both kinds; they need reminding once.
        if all(c.person_id != row["person_id"] for c in champions[row["recommendation_id"]]):
            champions[row["recommendation_id"]].append(
                Champion(row["person_id"], row["name"], row["email"])
            )
    return champions


def _group_by_champion(
    missing: list[MissingUpdate],
) -> tuple[tuple[ChampionReminder, ...], tuple[Unreachable, ...]]:
    """One reminder per champion who can be emailed, in the order they first appear in the
    plan; the rest, with the reason, for the administrator's summary."""
    people: dict[int, Champion] = {}
    updates: defaultdict[int, list[MissingUpdate]] = defaultdict(list)
    for update in missing:
        for champion in update.champions:
            people.setdefault(champion.person_id, champion)
            updates[champion.person_id].append(update)
    reminders, unreachable = [], []
    for person_id, champion in people.items():
        theirs = tuple(updates[person_id])
        address = single_address(champion.email)
        if address:
            reminders.append(ChampionReminder(Recipient(one_line(champion.name), address), theirs))
        else:
            reason = BAD_EMAIL if champion.email else NO_EMAIL
            unreachable.append(Unreachable(champion, reason, theirs))
    return tuple(reminders), tuple(unreachable)


def _administrators(db: Database, board_id: int) -> list[Recipient | str]:
    """The board's administrators: a Recipient for each valid address, else their name."""
    rows = db.query(
        """
        SELECT users.name, users.email FROM active_memberships AS memberships
        JOIN users ON users.id = memberships.user_id
        WHERE memberships.board_id = ? AND memberships.role = 'administrator'
        ORDER BY users.id
        """,
        [board_id],
    )
    administrators: list[Recipient | str] = []
    for row in rows:
        address = single_address(row["email"])
        name = one_line(row["name"])
        administrators.append(
            Recipient(name, address) if address else name or one_line(row["email"])
        )
    return administrators


def _date(value: str | None) -> tuple[date | None, str | None]:
    """An ISO date column as (date, None); (None, the raw value) when it is not a date."""
    if not value:
        return None, None
    try:
        return date.fromisoformat(value), None
    except ValueError:
        return None, value
