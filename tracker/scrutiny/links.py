"""Read-only share links: how a scrutiny panel member without an account opens a plan's
published progress.

A link carries a long random token (see tracker/tokens.py), of which only a hash is stored; the
token itself is shown once, to the administrator who made the link.

A link works until the end of its expiry date in the UK, until an administrator revokes it.
"""

from datetime import date, timedelta

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.tokens import looks_like_a_token, new_token, token_hash

DEFAULT_DAYS = 30
MAX_DAYS = 365
MAX_LABEL = 200

ACTIVE, EXPIRED, REVOKED = "Active", "Expired", "Revoked"


class ShareLinkError(ValueError):
    """A change to a share link that cannot be made; the message says why, for the user."""


def default_expiry(today: date) -> date:
    """The expiry date a new link is offered: a month or so, long enough for one meeting."""
    return today + timedelta(days=DEFAULT_DAYS)


def latest_expiry(today: date) -> date:
    """The furthest expiry date a link may have: a year, so no link works for ever."""
    return today + timedelta(days=MAX_DAYS)


def expiry_problem(expires_on: date, today: date) -> str | None:
    """Why the expiry date cannot be used, or None when it can."""
    if expires_on < today:
        return "The last day the link works must be today or in the future"
    if expires_on > latest_expiry(today):
        furthest = latest_expiry(today)
        return (
            "The last day the link works must be within a year, on or before"
            f" {furthest.day} {furthest.strftime('%B %Y')}"
        )
    return None


def status_of(link: dict, today: date) -> str:
    """Active, Expired or Revoked: a revoked link stays revoked whatever its date."""
    if link["revoked_at"]:
        return REVOKED
    if link["expires_on"] < today.isoformat():
        return EXPIRED
    return ACTIVE


def make_link(db: Database, plan_id: int, label: str, expires_on: date, actor: audit.Actor) -> str:
    """Make a share link to the plan; returns its token, which is never stored or shown again."""
    token = new_token()
    with write_transaction(db):
        audit.insert(
            db,
            "share_links",
            {
                "plan_id": plan_id,
                "token_sha256": token_hash(token),
                "label": label,
                "expires_on": expires_on.isoformat(),
                "created_by": actor.user_id,
                "created_at": timestamp(now()),
            },
            actor,
        )
    return token


def revoke_link(db: Database, link_id: int, actor: audit.Actor) -> dict:
    """Stop the link working, at once and for good; returns the link as it was."""
    with write_transaction(db):
        link = db["share_links"].get(link_id)
        if link["revoked_at"]:
            raise ShareLinkError(f"The link for {link['label']} was already revoked")
        audit.update(
            db,
            "share_links",
            link_id,
            {"revoked_at": timestamp(now()), "revoked_by": actor.user_id},
            actor,
        )
    return link


def open_link(db: Database, token: str, today: date) -> dict | None:
    """The working link with this token, counted as used; None for a token that is malformed,
    unknown, expired or revoked, or for a plan still in draft, which only its administrators
    may see (which of these is not said, to the visitor or anyone)."""
    if not looks_like_a_token(token):
        return None
    with write_transaction(db):
        link = next(
            db.query(
                "SELECT share_links.* FROM share_links"
                " JOIN plans ON plans.id = share_links.plan_id AND plans.state != 'draft'"
                " WHERE token_sha256 = ?",
                [token_hash(token)],
            ),
            None,
        )
        if link is None or status_of(link, today) != ACTIVE:
            return None
        # Not audited: a visit changes nothing in the plan, and these two columns are the
        # record of visits that the administrator sees.
        db.execute(
            "UPDATE share_links SET last_used_at = ?, use_count = use_count + 1 WHERE id = ?",
            [timestamp(now()), link["id"]],
        )
    return link


def share_links_of(db: Database, plan_id: int) -> list[dict]:
    """The plan's share links, newest first, with who made each."""
    return list(
        db.query(
            """
            SELECT share_links.id, share_links.label, share_links.expires_on,
                   share_links.created_at, share_links.revoked_at, share_links.last_used_at,
                   share_links.use_count, makers.name AS made_by, revokers.name AS revoked_by
            FROM share_links
            LEFT JOIN users AS makers ON makers.id = share_links.created_by
            LEFT JOIN users AS revokers ON revokers.id = share_links.revoked_by
            WHERE share_links.plan_id = ?
            ORDER BY share_links.created_at DESC, share_links.id DESC
            """,
            [plan_id],
        )
    )


def board_of_share_link(db: Database, share_link_id: int) -> int | None:
    """The id of the board whose plan the link opens."""
    return scalar(
        db,
        "SELECT plans.board_id FROM share_links JOIN plans ON plans.id = share_links.plan_id"
        " WHERE share_links.id = ?",
        share_link_id,
    )


def plan_of_share_link(db: Database, share_link_id: int) -> int:
    """The id of the plan the link opens."""
    return scalar(db, "SELECT plan_id FROM share_links WHERE id = ?", share_link_id)
