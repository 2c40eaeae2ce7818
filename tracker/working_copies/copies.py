"""A champion's working copy: what they have typed into an update form and not yet saved.

Kept as they type (and across signing in again), so no words are lost to a closed tab or an
ended session. It is not a revision: one row per person, recommendation and quarter,
overwritten each time and removed when they save, so the history of revisions stays readable
and bounded. Pure of Flask: the web layer checks who may keep one and passes the ids in.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.text import clean_text
from tracker.updates import workflow

# The fields a working copy keeps: the update form's status and its words.
FIELDS = ("status", *workflow.TEXT_FIELDS)
# Each person's copies are written at most this often, whatever a script sends.
MIN_INTERVAL = timedelta(seconds=1)


class NotKept(ValueError):
    """A working copy that cannot be kept; the message says why, for the person typing."""


class BadFields(NotKept):
    """What was sent is not the update form's fields, or more than the form accepts."""


class SavedSince(NotKept):
    """The person has saved the update since the form they typed into was opened."""


class TooSoon(NotKept):
    """Another copy was written for this person less than MIN_INTERVAL ago."""


@dataclass(frozen=True)
class WorkingCopy:
    """What someone typed, when it was last kept, and the revision the form was showing."""

    fields: dict
    based_on_revision: int
    saved_at: str


def checked_fields(fields: object, status_keys: set[str]) -> dict:
    """The fields as they are kept (typed text cleaned as the form cleans it), or BadFields
    naming what is wrong: not an object, an unknown field, a value that is not text, a status
    not in the board's key, or text longer than the update form accepts."""
    if not isinstance(fields, dict):
        raise BadFields("what was sent is not the update form's fields")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise BadFields("what was sent has fields the update form does not")
    kept = {}
    for name in FIELDS:
        value = fields.get(name, "")
        if not isinstance(value, str):
            raise BadFields("what was sent is not text")
        if len(value) > workflow.MAX_TEXT:
            raise BadFields(f"each box takes {workflow.MAX_TEXT:,} characters or fewer")
        kept[name] = clean_text(value)
    if kept["status"] and kept["status"] not in status_keys:
        raise BadFields("the status is not one of the board's")
    return kept


def keep(
    db: Database,
    user_id: int,
    recommendation_id: int,
    quarter_id: int,
    based_on_revision: int,
    fields: dict,
    *,
    as_typed: bool = True,
) -> str:
    """Keep `fields` (from checked_fields) as the person's one working copy of the update,
    replacing any earlier one; returns when it was kept.

    A copy kept `as_typed` (by the form's script) is refused, keeping nothing, with TooSoon
    if they kept another less than MIN_INTERVAL ago, or SavedSince if they have saved a
    revision after `based_on_revision` (a copy sent as the form was being saved arrives after
    the save, and the revision holds the words now). Text carried through signing in again is
    kept whatever: its banner says when a newer revision exists."""
    moment = now()
    with write_transaction(db):
        if as_typed:
            _check_as_typed(db, user_id, recommendation_id, quarter_id, based_on_revision, moment)
        db.execute(
            """
            INSERT INTO working_copies
                (user_id, recommendation_id, quarter_id, based_on_revision, fields, saved_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, recommendation_id, quarter_id) DO UPDATE SET
                based_on_revision = excluded.based_on_revision,
                fields = excluded.fields,
                saved_at = excluded.saved_at
            """,
            [
                user_id,
                recommendation_id,
                quarter_id,
                based_on_revision,
                json.dumps(fields, ensure_ascii=False),
                timestamp(moment),
            ],
        )
    return timestamp(moment)


def _check_as_typed(db, user_id, recommendation_id, quarter_id, based_on_revision, moment):
    last = scalar(db, "SELECT max(saved_at) FROM working_copies WHERE user_id = ?", user_id)
    if last and last > timestamp(moment - MIN_INTERVAL):
        raise TooSoon("you are typing faster than copies are kept: it will try again")
    if scalar(
        db,
        "SELECT 1 FROM progress_updates WHERE recommendation_id = ? AND quarter_id = ?"
        " AND revision > ? AND author_id = ?",
        recommendation_id,
        quarter_id,
        based_on_revision,
        user_id,
    ):
        raise SavedSince("you have saved this update since: open the form again")


def working_copy(
    db: Database, user_id: int, recommendation_id: int, quarter_id: int
) -> WorkingCopy | None:
    """The person's working copy of the update for the quarter, if they have one."""
    row = db.execute(
        "SELECT fields, based_on_revision, saved_at FROM working_copies"
        " WHERE user_id = ? AND recommendation_id = ? AND quarter_id = ?",
        [user_id, recommendation_id, quarter_id],
    ).fetchone()
    if row is None:
        return None
    return WorkingCopy(json.loads(row[0]), row[1], row[2])


def copy_to_offer(
    db: Database, user_id: int, recommendation_id: int, quarter_id: int, latest: dict | None
) -> WorkingCopy | None:
    """The person's working copy to fill the update form with, if it holds anything the
    latest revision does not."""
    return copy_worth_showing(working_copy(db, user_id, recommendation_id, quarter_id), latest)


def copy_worth_showing(copy: WorkingCopy | None, latest: dict | None) -> WorkingCopy | None:
    """The working copy, unless it holds nothing the latest revision does not (a copy kept
    just as the form was saved): then there is nothing to offer."""
    if copy is None:
        return None
    if latest is None:
        return copy if any(copy.fields.get(name) for name in FIELDS) else None
    saved = {name: latest[name] or "" for name in FIELDS}
    return None if {name: copy.fields.get(name) or "" for name in FIELDS} == saved else copy


def discard(db: Database, user_id: int, recommendation_id: int) -> bool:
    """Remove the person's working copies of the recommendation's update; whether there was
    one. (Saving the update removes it too: see workflow.save_update.)"""
    with write_transaction(db):
        return (
            db.execute(
                "DELETE FROM working_copies WHERE user_id = ? AND recommendation_id = ?",
                [user_id, recommendation_id],
            ).rowcount
            > 0
        )
