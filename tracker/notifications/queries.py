"""What is new for someone since their last visit, for their home page: the updates they were
notified of (submitted for their approval, theirs returned or approved) and, for the scrutiny
panel, the quarters closed and so published."""

from dataclasses import dataclass

from sqlite_utils import Database

from tracker.uk_time import day_in_words, in_words

SHOWN = 20  # the most recent items listed; the count covers them all

WORDS = {
    "submitted": "submitted for your approval",
    "returned": "returned",
    "approved": "approved",
}


@dataclass(frozen=True)
class NewItem:
    """One thing that happened: its words, when, and the page to read it on."""

    text: str
    at: str  # in words, UK time
    endpoint: str
    arguments: dict


@dataclass(frozen=True)
class SinceLastVisit:
    """What is new since `last_visit` (in words): `count` things, the latest `items`."""

    last_visit: str
    count: int
    items: list[NewItem]


def previous_visit(db: Database, session_token: str) -> str | None:
    """When the visit before this session ended; None on a first visit."""
    row = db.execute(
        "SELECT previous_visit_at FROM sessions WHERE token = ?", [session_token]
    ).fetchone()
    return row[0] if row else None


def since_last_visit(db: Database, user_id: int, session_token: str) -> SinceLastVisit | None:
    """What happened on the user's boards since their last visit; None on a first visit."""
    since = previous_visit(db, session_token)
    if since is None:
        return None
    found = _updates_since(db, user_id, since) + _quarters_published_since(db, user_id, since)
    found.sort(key=lambda pair: pair[0], reverse=True)
    return SinceLastVisit(day_in_words(since), len(found), [item for _at, item in found[:SHOWN]])


def _updates_since(db: Database, user_id: int, since: str) -> list[tuple[str, NewItem]]:
    rows = db.execute(
        """
        SELECT notifications.kind, notifications.created_at, recommendations.id,
               recommendations.number, plans.title, quarters.label, coalesce(author.name, '')
        FROM notifications
        JOIN active_memberships AS memberships ON memberships.user_id = notifications.user_id
            AND memberships.board_id = notifications.board_id
        JOIN progress_updates AS updates ON updates.id = notifications.update_id
        JOIN recommendations ON recommendations.id = updates.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id
        JOIN quarters ON quarters.id = updates.quarter_id
        LEFT JOIN users AS author ON author.id = updates.author_id
        WHERE notifications.user_id = ? AND notifications.created_at > ?
        """,
        [user_id, since],
    ).fetchall()
    return [
        (
            at,
            NewItem(
                f"{quarter} update on {_recommendation(number)} of {plan} {WORDS[kind]}"
                + (f" by {by}" if by else ""),
                in_words(at),
                "plans.recommendation",
                {"recommendation_id": recommendation_id},
            ),
        )
        for kind, at, recommendation_id, number, plan, quarter, by in rows
    ]


def _quarters_published_since(db: Database, user_id: int, since: str) -> list[tuple[str, NewItem]]:
    rows = db.execute(
        """
        SELECT quarters.locked_at, quarters.label, plans.id, plans.title FROM quarters
        JOIN plans ON plans.id = quarters.plan_id
        JOIN active_memberships AS memberships ON memberships.board_id = plans.board_id
        WHERE memberships.user_id = ? AND memberships.role = 'scrutiny'
          AND plans.state != 'draft' AND quarters.locked_at > ?
        """,
        [user_id, since],
    ).fetchall()
    return [
        (
            at,
            NewItem(
                f"{label} of {title} published",
                in_words(at),
                "scrutiny.published",
                {"plan_id": plan_id},
            ),
        )
        for at, label, plan_id, title in rows
    ]


def _recommendation(number: int | None) -> str:
    return f"recommendation {number}" if number is not None else "a recommendation"
