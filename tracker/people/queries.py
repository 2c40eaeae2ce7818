"""The board's directory of people: champions, officers and partners."""

from sqlite_utils import Database

from tracker import audit
from tracker.concurrency import check_unchanged
from tracker.db import scalar, write_transaction

PERSON_FIELDS = ("name", "job_title", "organisation", "email")


def board_of_person(db: Database, person_id: int) -> int | None:
    """The id of the board whose directory lists the person."""
    return scalar(db, "SELECT board_id FROM people WHERE id = ?", person_id)


def find_person(db: Database, board_id: int, name: str) -> dict | None:
    """The person on the board with exactly this name."""
    return next(
        db.query("SELECT * FROM people WHERE board_id = ? AND name = ?", [board_id, name.strip()]),
        None,
    )


def get_person(db: Database, person_id: int) -> dict:
    """The person with this id."""
    return db["people"].get(person_id)


def people_of_board(db: Database, board_id: int, *, with_drafts: bool = True) -> list[dict]:
    """Everyone in the board's directory, by name, each with the recommendations they champion
    (in draft plans too only `with_drafts`: those are for administrators' eyes)."""
    people = list(db.query("SELECT * FROM people WHERE board_id = ? ORDER BY name", [board_id]))
    championed: dict[int, list[dict]] = {person["id"]: [] for person in people}
    for row in db.query(
        """
        SELECT champions.person_id, champions.kind, recommendations.id, recommendations.number,
               recommendations.plan_id
        FROM champions
        JOIN recommendations ON recommendations.id = champions.recommendation_id
        JOIN people ON people.id = champions.person_id
        JOIN plans ON plans.id = recommendations.plan_id
        WHERE people.board_id = ? AND (plans.state != 'draft' OR ?)
        ORDER BY recommendations.plan_id, recommendations.position
        """,
        [board_id, with_drafts],
    ):
        championed[row["person_id"]].append(row)
    for person in people:
        person["championed"] = championed[person["id"]]
    return people


def people_without_account(db: Database, board_id: int) -> list[dict]:
    """The people on the board's list whom no account on the board stands for yet, by name."""
    return list(
        db.query(
            "SELECT * FROM people WHERE board_id = ? AND id NOT IN"
            " (SELECT person_id FROM memberships WHERE board_id = ? AND person_id IS NOT NULL)"
            " ORDER BY name",
            [board_id, board_id],
        )
    )


def add_person(db: Database, board_id: int, details: dict, actor: audit.Actor) -> int:
    """Add someone to the board's directory; returns their id."""
    with write_transaction(db):
        return audit.insert(db, "people", {"board_id": board_id, **_clean(details)}, actor)


def change_person(
    db: Database, person_id: int, details: dict, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Correct someone's name, job title, organisation or email.

    Raises StaleChange, changing nothing, if someone else changed them since the user looked.
    """
    with write_transaction(db):
        check_unchanged(get_person(db, person_id), seen_fingerprint)
        audit.update(db, "people", person_id, _clean(details), actor)


def _clean(details: dict) -> dict:
    cleaned = {field: (details.get(field) or "").strip() for field in PERSON_FIELDS}
    cleaned["email"] = cleaned["email"] or None
    return cleaned
