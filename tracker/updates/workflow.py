"""The quarterly update: champions write it, the administrator approves or returns it.

Every save is a new revision row (the table refuses UPDATE and DELETE), so the history shows
who wrote what and when. A save names the revision it was based on; if someone saved another
revision in the meantime the save is refused with that revision, so nobody's words are
silently replaced.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.notifications import recording as notifications
from tracker.quarters import Quarter
from tracker.rag import Status

TEXT_FIELDS = ("narrative", "impact", "next_steps", "corrective_action")
MAX_TEXT = 20000
MAX_NOTE = 5000


class UpdateError(ValueError):
    """A change to an update that cannot be made; the message says why, for the user."""


class QuarterLocked(UpdateError):
    """The quarter is closed: its updates are a record and cannot change."""


class TooManySaves(UpdateError):
    """The person has saved as many updates as they may in the last hour."""


@dataclass
class Conflict(Exception):
    """Someone saved another revision after the one the user started from."""

    latest: dict


def update_problems(fields: dict, status_key: tuple[Status, ...], submitting: bool) -> dict:
    """What is wrong with an update's fields, as {field: message}; empty when it can be saved.

    A draft needs only a narrative; submitting needs a status too, and a Red needs a
    corrective action: members ask what is being done about anything off track.
    """
    problems = {}
    narrative = (fields.get("narrative") or "").strip()
    if not narrative:
        problems["narrative"] = "Enter the progress made this quarter"
    for name in TEXT_FIELDS:
        if len(fields.get(name) or "") > MAX_TEXT:
            problems[name] = f"Must be {MAX_TEXT:,} characters or fewer"
    status = fields.get("status") or None
    if status is not None and status not in {s.key for s in status_key}:
        problems["status"] = "Choose a status from the key"
    elif submitting and status is None:
        problems["status"] = "Choose the status of this recommendation"
    if status == "red" and not (fields.get("corrective_action") or "").strip():
        problems["corrective_action"] = "Enter the corrective action for a Red status"
    return problems


def latest_revision(db: Database, recommendation_id: int, quarter_id: int) -> dict | None:
    """The newest revision of the recommendation's update for the quarter."""
    return next(
        db.query(
            "SELECT * FROM progress_updates WHERE recommendation_id = ? AND quarter_id = ?"
            " ORDER BY revision DESC LIMIT 1",
            [recommendation_id, quarter_id],
        ),
        None,
    )


def save_update(
    db: Database,
    recommendation_id: int,
    quarter_id: int,
    fields: dict,
    based_on: int,
    submit: bool,
    actor: audit.Actor,
    saves_per_hour: int | None = None,
) -> dict:
    """Save the champion's update as a draft, or submit it for approval; returns the new
    revision. Raises QuarterLocked, Conflict, TooManySaves (more than `saves_per_hour` by the
    actor in the last hour), or UpdateError (already approved, or the recommendation is
    withdrawn). The actor's working copy of the update (tracker.working_copies) is what the
    new revision now holds, so it goes in the same transaction."""
    with write_transaction(db):
        _check_open(db, quarter_id)
        _check_not_withdrawn(db, recommendation_id)
        if saves_per_hour is not None:
            _check_saves_per_hour(db, actor.user_id, saves_per_hour)
        latest = _check_based_on(db, recommendation_id, quarter_id, based_on)
        if latest and latest["state"] == "approved":
            raise UpdateError("This update has been approved: it can no longer be changed")
        if latest and latest["state"] == "submitted" and not submit:
            raise UpdateError("This update is waiting for approval: submit it again to change it")
        db.execute(
            "DELETE FROM working_copies WHERE user_id = ? AND recommendation_id = ?",
            [actor.user_id, recommendation_id],
        )
        return _add_revision(
            db,
            recommendation_id,
            quarter_id,
            latest,
            {name: (fields.get(name) or "").strip() for name in TEXT_FIELDS}
            | {"status": fields.get("status") or None},
            "submitted" if submit else "draft",
            actor,
        )


def review_update(
    db: Database,
    recommendation_id: int,
    quarter_id: int,
    approve: bool,
    note: str,
    based_on: int,
    actor: audit.Actor,
) -> dict:
    """Approve a submitted update, or return it to its champions with a reason."""
    note = note.strip()
    if not approve and not note:
        raise UpdateError("Enter why you are returning the update, so the champion can change it")
    if len(note) > MAX_NOTE:
        raise UpdateError(f"The note must be {MAX_NOTE:,} characters or fewer")
    with write_transaction(db):
        _check_open(db, quarter_id)
        latest = _check_based_on(db, recommendation_id, quarter_id, based_on)
        if not latest or latest["state"] != "submitted":
            raise UpdateError("Only a submitted update can be approved or returned")
        content = {name: latest[name] for name in (*TEXT_FIELDS, "status")}
        return _add_revision(
            db,
            recommendation_id,
            quarter_id,
            latest,
            content | {"review_note": note},
            "approved" if approve else "returned",
            actor,
        )


def _check_open(db: Database, quarter_id: int) -> None:
    row = db.execute(
        "SELECT quarters.locked_at, plans.state FROM quarters"
        " JOIN plans ON plans.id = quarters.plan_id WHERE quarters.id = ?",
        [quarter_id],
    ).fetchone()
    if row is None:
        raise UpdateError("That quarter is not part of the plan")
    if row[1] != "live":
        raise QuarterLocked("This plan is not live, so its updates cannot change")
    if row[0]:
        raise QuarterLocked(
            "This quarter is closed: its updates are the record the board saw. "
            "Add any correction to next quarter's update."
        )


def saves_in_the_last_hour(db: Database, user_id: int | None) -> int:
    """How many drafts and submissions the person has saved in the last hour (approving and
    returning are not counted: they are the administrator's decisions, not saves)."""
    return scalar(
        db,
        "SELECT count(*) FROM progress_updates WHERE author_id = ?"
        " AND state IN ('draft', 'submitted') AND created_at > ?",
        user_id,
        timestamp(now() - timedelta(hours=1)),
    )


def _check_saves_per_hour(db: Database, user_id: int | None, limit: int) -> None:
    # A bound on the history's growth: a script, or a key held down, cannot fill it.
    if saves_in_the_last_hour(db, user_id) >= limit:
        raise TooManySaves(
            f"You have saved updates {limit} times in the last hour, the most the tracker "
            "takes. Nothing was saved: your text is still in the form. Wait a while, then "
            "save again"
        )


def _check_not_withdrawn(db: Database, recommendation_id: int) -> None:
    if scalar(db, "SELECT withdrawn_at FROM recommendations WHERE id = ?", recommendation_id):
        raise UpdateError(
            "This recommendation was withdrawn by the board, so it takes no more updates"
        )


def _check_based_on(db, recommendation_id, quarter_id, based_on) -> dict | None:
    latest = latest_revision(db, recommendation_id, quarter_id)
    if (latest["revision"] if latest else 0) != based_on:
        raise Conflict(latest)
    return latest


def _add_revision(db, recommendation_id, quarter_id, latest, content, state, actor) -> dict:
    row = {
        **content,
        "recommendation_id": recommendation_id,
        "quarter_id": quarter_id,
        "revision": (latest["revision"] if latest else 0) + 1,
        "state": state,
        "author_id": actor.user_id,
        "created_at": timestamp(now()),
    }
    update_id = audit.insert(db, "progress_updates", row, actor)
    saved = dict(db["progress_updates"].get(update_id))
    if state in notifications.RECIPIENTS:
        # In the same transaction: whoever is told of it is told exactly when it happened.
        notifications.record(db, state, saved, actor)
    return saved


def lock_quarter(db: Database, plan_id: int, quarter_id: int, actor: audit.Actor) -> str:
    """Close the quarter after the board has met, and open the next one as the plan's current
    quarter; returns the next quarter's label. The next quarter's form starts from each
    recommendation's last approved status."""
    with write_transaction(db):
        quarter = db["quarters"].get(quarter_id)
        if quarter["plan_id"] != plan_id:
            raise UpdateError("That quarter is not part of the plan")
        if quarter["locked_at"]:
            raise UpdateError(f"{quarter['label']} is already closed")
        audit.update(
            db,
            "quarters",
            quarter_id,
            {"locked_at": timestamp(now()), "locked_by": actor.user_id},
            actor,
        )
        following = Quarter.parse(quarter["label"]).next()
        ensure_quarter(db, plan_id, following, actor)
        audit.update(db, "plans", plan_id, {"current_quarter": following.label}, actor)
        return following.label


def ensure_quarter(db: Database, plan_id: int, quarter: Quarter, actor: audit.Actor) -> int:
    """The id of the plan's row for `quarter`, made if it does not exist yet."""
    found = db.execute(
        "SELECT id FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, quarter.label]
    ).fetchone()
    if found:
        return found[0]
    return audit.insert(
        db,
        "quarters",
        {
            "plan_id": plan_id,
            "label": quarter.label,
            "starts_on": quarter.starts_on.isoformat(),
            "ends_on": quarter.ends_on.isoformat(),
        },
        actor,
    )


def last_approved_before(db: Database, recommendation_id: int, before: str) -> dict | None:
    """The recommendation's latest approved revision in a quarter starting before `before`
    (an ISO date), with its quarter's `label`; None if no earlier quarter has one."""
    return next(
        db.query(
            """
            SELECT updates.*, quarters.label FROM progress_updates AS updates
            JOIN quarters ON quarters.id = updates.quarter_id
            WHERE updates.recommendation_id = ? AND updates.state = 'approved'
              AND quarters.starts_on < ?
            ORDER BY quarters.starts_on DESC, updates.revision DESC LIMIT 1
            """,
            [recommendation_id, before],
        ),
        None,
    )


def first_form_fields(previous: dict | None, with_text: bool) -> dict:
    """What a quarter's update form holds before its first save: the status of `previous`
    (the last approved update, see last_approved_before) and, `with_text`, its words too,
    for the champion to change into this quarter's."""
    fields = {"status": previous["status"] if previous else None}
    if previous and with_text:
        fields |= {name: previous[name] or "" for name in TEXT_FIELDS}
    return fields


def is_champion(db: Database, person_id: int | None, recommendation_id: int) -> bool:
    """Whether the person champions the recommendation (as either kind of champion)."""
    if person_id is None:
        return False
    return bool(
        db.execute(
            "SELECT 1 FROM champions WHERE recommendation_id = ? AND person_id = ?",
            [recommendation_id, person_id],
        ).fetchone()
    )


def set_quarter_dates(db: Database, quarter_id: int, dates: dict, actor: audit.Actor) -> None:
    """Save the quarter's update deadline and board meeting date."""
    with write_transaction(db):
        audit.update(db, "quarters", quarter_id, dates, actor)
