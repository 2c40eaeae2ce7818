"""Reading an inspection and its ratings."""

from itertools import groupby

from sqlite_utils import Database

from tracker.db import scalar


def board_of_inspection(db: Database, inspection_id: int) -> int | None:
    """The id of the board overseeing the inspected service."""
    return scalar(
        db,
        "SELECT services.board_id FROM inspections"
        " JOIN services ON services.id = inspections.service_id WHERE inspections.id = ?",
        inspection_id,
    )


def get_inspection(db: Database, inspection_id: int) -> dict:
    """The inspection with its service and the ratings grouped by domain, in the framework's order.

    Each rating carries its score on the framework's scale (None where the scale has none) and
    whether it counts towards the total; `rated_score` is the sum of the counted scores, so a
    page can show when it differs from the score the report printed.
    """
    inspection = next(
        db.query(
            """
            SELECT inspections.*, services.name AS service, frameworks.name AS framework
            FROM inspections
            JOIN services ON services.id = inspections.service_id
            LEFT JOIN frameworks ON frameworks.id = inspections.framework_id
            WHERE inspections.id = ?
            """,
            [inspection_id],
        )
    )
    ratings = list(
        db.query(
            """
            SELECT standards.code, standards.domain, standards.name AS standard,
                   standards.counts_towards_score, ratings.rating, rating_levels.score
            FROM ratings
            JOIN standards ON standards.id = ratings.standard_id
            JOIN frameworks ON frameworks.id = standards.framework_id
            LEFT JOIN rating_levels ON rating_levels.scale_id = frameworks.scale_id
                 AND rating_levels.label = ratings.rating COLLATE NOCASE
            WHERE ratings.inspection_id = ?
            ORDER BY standards.position
            """,
            [inspection_id],
        )
    )
    inspection["domains"] = [
        {"name": domain, "ratings": list(rows)}
        for domain, rows in groupby(ratings, key=lambda rating: rating["domain"])
    ]
    counted = [r["score"] for r in ratings if r["counts_towards_score"] and r["score"] is not None]
    inspection["rated_score"] = sum(counted) if counted else None
    return inspection


def plan_for_inspection(db: Database, inspection_id: int) -> dict | None:
    """The plan made from this inspection, if there is one."""
    return next(
        db.query(
            "SELECT id, title FROM plans WHERE inspection_id = ? ORDER BY id", [inspection_id]
        ),
        None,
    )
