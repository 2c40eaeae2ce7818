"""Approving several updates at once from the inbox: all of them, or none.

Each update is named by the id of the revision the inbox showed. Revisions are never changed,
so that id pins the update's recommendation, its quarter and the revision number the
administrator read: if the update was changed, approved or returned since, or its quarter
closed, the id no longer names the latest submitted revision of an open quarter, and nothing
at all is approved.
"""

from dataclasses import dataclass

from sqlite_utils import Database

from tracker.audit import Actor
from tracker.db import write_transaction
from tracker.text import whole_number
from tracker.updates import workflow

# More than any board has recommendations: a longer list is not from the inbox.
MAX_AT_ONCE = 500


@dataclass
class NothingApproved(Exception):
    """The approvals were refused, each reason in words for the user; none were made."""

    problems: list[str]


def recommendation_name(update: dict) -> str:
    """How to name the update's recommendation in a message: by its number where it has one."""
    if update.get("number") is not None:
        return f"recommendation {update['number']}"
    text = update["text"]
    return f'the recommendation "{text[:60]}{"…" if len(text) > 60 else ""}"'


def chosen_ids(sent: list[str]) -> list[int | None]:
    """The revision ids sent, in order, each once; None for anything that is not an id."""
    ids: list[int | None] = []
    for value in sent:
        number = whole_number(value) if isinstance(value, str) else None
        if number is None or number not in ids:
            ids.append(number)
    return ids


def approve_several(db: Database, user_id: int, update_ids: list[int | None]) -> list[dict]:
    """Approve each update (named by the revision the inbox showed) in one transaction, as
    `user_id`; returns the approved revisions. Raises NothingApproved, with every reason, if
    any one of them cannot be approved: then none is."""
    if not update_ids:
        raise NothingApproved(["Select the updates to approve"])
    if len(update_ids) > MAX_AT_ONCE:
        raise NothingApproved([f"Select {MAX_AT_ONCE} updates or fewer"])
    with write_transaction(db):
        shown = [_shown(db, user_id, update_id) for update_id in update_ids]
        problems = [problem for one in shown if (problem := _refusal(one, user_id))]
        if problems:
            raise NothingApproved(list(dict.fromkeys(problems)))
        approved = []
        for update in shown:
            try:
                approved.append(
                    workflow.review_update(
                        db,
                        update["recommendation_id"],
                        update["quarter_id"],
                        True,
                        "",
                        update["revision"],
                        Actor(user_id, update["board_id"]),
                    )
                )
            except (workflow.Conflict, workflow.UpdateError) as error:  # checked above
                raise NothingApproved([_changed(update)]) from error
        return approved


def _shown(db: Database, user_id: int, update_id: int | None) -> dict | None:
    """The revision with its recommendation, plan and quarter, if it is on a board the user
    administers today."""
    if update_id is None:
        return None
    return next(
        db.query(
            """
            SELECT updates.id, updates.revision, updates.state, updates.author_id,
                   updates.recommendation_id, updates.quarter_id,
                   recommendations.number, recommendations.text, recommendations.withdrawn_at,
                   plans.board_id, plans.state AS plan_state, plans.current_quarter,
                   quarters.label AS quarter, quarters.locked_at,
                   (SELECT max(revision) FROM progress_updates
                    WHERE recommendation_id = updates.recommendation_id
                      AND quarter_id = updates.quarter_id) AS latest_revision,
                   (SELECT count(*) FROM active_memberships AS others
                    WHERE others.board_id = plans.board_id AND others.role = 'administrator'
                      AND others.user_id != memberships.user_id) AS other_administrators
            FROM progress_updates AS updates
            JOIN recommendations ON recommendations.id = updates.recommendation_id
            JOIN plans ON plans.id = recommendations.plan_id
            JOIN quarters ON quarters.id = updates.quarter_id
            JOIN active_memberships AS memberships ON memberships.board_id = plans.board_id
                AND memberships.user_id = ? AND memberships.role = 'administrator'
            WHERE updates.id = ?
            """,
            [user_id, update_id],
        ),
        None,
    )


def _refusal(shown: dict | None, user_id: int) -> str | None:
    """Why the revision shown cannot be approved by the user now, or None if it can."""
    if shown is None:
        # Not one the inbox shows this user: whether it exists elsewhere is not said.
        return "One of the updates chosen is not one waiting for your approval"
    name = recommendation_name(shown)
    if shown["plan_state"] != "live":
        return f"The plan holding {name} is not live, so its updates cannot change"
    if shown["locked_at"] or shown["quarter"] != shown["current_quarter"]:
        return (
            f"{shown['quarter']} was closed before you decided, "
            f"so its update on {name} can no longer change"
        )
    if shown["withdrawn_at"]:
        return (
            f"{name[0].upper()}{name[1:]} was withdrawn by the board, so it takes no more updates"
        )
    if shown["revision"] != shown["latest_revision"] or shown["state"] != "submitted":
        return _changed(shown)
    if shown["author_id"] == user_id and shown["other_administrators"]:
        return f"You wrote the update on {name}: another administrator of the board approves it"
    return None


def _changed(shown: dict) -> str:
    return (
        f"The update on {recommendation_name(shown)} changed after you opened the list: "
        "read it again before deciding"
    )


def return_update(
    db: Database,
    recommendation_id: int,
    quarter_label: str,
    based_on: int,
    reason: str,
    actor: Actor,
) -> dict:
    """Return the update waiting on the recommendation to its champions with the reason, if
    the page was for the plan's current quarter and that revision; returns the new revision.
    Raises QuarterChanged, Conflict or UpdateError (as `review_update` does), and refuses a
    withdrawn recommendation."""
    with write_transaction(db):
        found = db.execute(
            """
            SELECT quarters.id, recommendations.withdrawn_at FROM recommendations
            JOIN plans ON plans.id = recommendations.plan_id
            LEFT JOIN quarters ON quarters.plan_id = plans.id
                AND quarters.label = plans.current_quarter
            WHERE recommendations.id = ? AND plans.state = 'live'
              AND plans.current_quarter = ?
            """,
            [recommendation_id, quarter_label],
        ).fetchone()
        if found is None or found[0] is None:
            raise QuarterChanged
        if found[1]:
            raise workflow.UpdateError(
                "This recommendation was withdrawn by the board, so it takes no more updates"
            )
        return workflow.review_update(
            db, recommendation_id, found[0], False, reason, based_on, actor
        )


class QuarterChanged(Exception):
    """The page was for a quarter that is no longer the plan's current, open quarter."""
