"""Changing who champions a recommendation."""

from sqlite_utils import Database

from tracker import audit
from tracker.concurrency import check_unchanged, fingerprint
from tracker.db import write_transaction


def champions_fingerprint(db: Database, recommendation_id: int) -> str:
    """A short digest of the current champions, to tell whether they changed under a form."""
    return fingerprint(_current(db, recommendation_id))


def _current(db: Database, recommendation_id: int) -> list[list]:
    rows = db.execute(
        "SELECT kind, person_id, position FROM champions WHERE recommendation_id = ?"
        " ORDER BY kind, position, person_id",
        [recommendation_id],
    ).fetchall()
    return [list(row) for row in rows]


def set_champions(
    db: Database,
    recommendation_id: int,
    chosen: dict[str, list[int]],
    seen_fingerprint: str,
    actor: audit.Actor,
) -> None:
    """Make `chosen` ({"board": [person ids], "service": [...]}) the recommendation's champions.

    Champions who stay keep their order (it is the order the plan prints them in); new ones
    follow. Raises StaleChange, changing nothing, if the champions are no longer those the user
    saw.
    """
    with write_transaction(db):
        check_unchanged(_current(db, recommendation_id), seen_fingerprint)
        for kind, person_ids in chosen.items():
            current = list(
                db.query(
                    "SELECT id, person_id FROM champions WHERE recommendation_id = ? AND kind = ?"
                    " ORDER BY position",
                    [recommendation_id, kind],
                )
            )
            staying = [row for row in current if row["person_id"] in person_ids]
            for row in current:
                if row not in staying:
                    audit.delete(db, "champions", row["id"], actor)
            for position, row in enumerate(staying, start=1):
                audit.update(db, "champions", row["id"], {"position": position}, actor)
            kept = {row["person_id"] for row in staying}
            joining = [
                person_id for person_id in dict.fromkeys(person_ids) if person_id not in kept
            ]
            for position, person_id in enumerate(joining, start=len(staying) + 1):
                add_champion(db, recommendation_id, person_id, kind, position, actor)


def add_champion(
    db: Database,
    recommendation_id: int,
    person_id: int,
    kind: str,
    position: int,
    actor: audit.Actor,
) -> int:
    """Make someone a board or service champion of a recommendation, at `position`."""
    return audit.insert(
        db,
        "champions",
        {
            "recommendation_id": recommendation_id,
            "person_id": person_id,
            "kind": kind,
            "position": position,
        },
        actor,
    )
