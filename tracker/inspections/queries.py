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


def inspections_of_board(db: Database, board_id: int) -> list[dict]:
    """The inspections of the board's services, the latest published first."""
    return list(
        db.query(
            "SELECT inspections.id, inspections.title, inspections.published FROM inspections"
            " JOIN services ON services.id = inspections.service_id WHERE services.board_id = ?"
            " ORDER BY inspections.published IS NULL, inspections.published DESC,"
            " inspections.id DESC",
            [board_id],
        )
    )


def report_recommendations(db: Database, inspection_id: int) -> list[dict]:
    """The report's recommendations, as the plan made from the report has them (the reviewed
    reading of the report), in its order, each with its key lines ({"text", "finding_id"})."""
    plan = plan_for_inspection(db, inspection_id)
    if plan is None:
        return []
    recommendations = list(
        db.query(
            "SELECT id, number, text, addressee, source_position FROM recommendations"
            " WHERE plan_id = ? AND origin = 'inspectorate' ORDER BY position",
            [plan["id"]],
        )
    )
    for recommendation in recommendations:
        recommendation["key_lines"] = list(
            db.query(
                "SELECT text, finding_id FROM key_lines WHERE recommendation_id = ?"
                " ORDER BY position",
                [recommendation["id"]],
            )
        )
    return recommendations


def findings_of_inspection(db: Database, inspection_id: int) -> list[dict]:
    """The report's findings, areas for improvement first, each in the report's order."""
    return list(
        db.query(
            "SELECT id, text, kind FROM findings WHERE inspection_id = ?"
            " ORDER BY kind = 'strength', position, id",
            [inspection_id],
        )
    )
