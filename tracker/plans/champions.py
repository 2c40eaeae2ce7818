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

    Raises StaleChange, changing nothing, if the champions are no longer those the user saw.
    """
    with write_transaction(db):
        check_unchanged(_current(db, recommendation_id), seen_fingerprint)
        current = db.query(
            "SELECT id, kind, person_id FROM champions WHERE recommendation_id = ?",
            [recommendation_id],
        )
        for row in list(current):
            if row["person_id"] not in chosen.get(row["kind"], []):
                audit.delete(db, "champions", row["id"], actor)
        for kind, person_ids in chosen.items():
            for position, person_id in enumerate(person_ids, start=1):
                existing = db.execute(
                    "SELECT id FROM champions WHERE recommendation_id = ? AND person_id = ?"
                    " AND kind = ?",
                    [recommendation_id, person_id, kind],
                ).fetchone()
                row = {
                    "recommendation_id": recommendation_id,
                    "person_id": person_id,
                    "kind": kind,
                    "position": position,
                }
                if existing:
                    audit.update(db, "champions", existing[0], {"position": position}, actor)
                else:
                    audit.insert(db, "champions", row, actor)
