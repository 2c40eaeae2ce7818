"""Reading a plan as the administrator changes it: its recommendations in order, a
recommendation's key lines of enquiry, and the report's findings still free to add."""

from sqlite_utils import Database


def get_recommendation(db: Database, recommendation_id: int) -> dict | None:
    """The recommendation's row as stored, or None."""
    return next(db.query("SELECT * FROM recommendations WHERE id = ?", [recommendation_id]), None)


def recommendations_to_change(db: Database, plan_id: int) -> list[dict]:
    """The plan's recommendations in the order the plan prints them, each with how many key
    lines of enquiry it has."""
    return list(
        db.query(
            """
            SELECT recommendations.*,
                   (SELECT count(*) FROM key_lines
                    WHERE key_lines.recommendation_id = recommendations.id) AS key_line_count
            FROM recommendations WHERE plan_id = ?
            ORDER BY position, id
            """,
            [plan_id],
        )
    )


def key_lines_of(db: Database, recommendation_id: int) -> list[dict]:
    """The recommendation's key lines of enquiry in order, each with the finding it came from
    (its section and kind), if any."""
    return list(
        db.query(
            """
            SELECT key_lines.*, findings.section AS finding_section,
                   findings.kind AS finding_kind
            FROM key_lines LEFT JOIN findings ON findings.id = key_lines.finding_id
            WHERE key_lines.recommendation_id = ?
            ORDER BY key_lines.position, key_lines.id
            """,
            [recommendation_id],
        )
    )


def findings_to_offer(db: Database, recommendation_id: int) -> list[dict]:
    """The findings of the plan's inspection report that the recommendation does not use yet:
    areas for improvement first (the usual key lines of enquiry), then strengths, each in the
    report's order. None for a plan made without a report."""
    return list(
        db.query(
            """
            SELECT findings.* FROM findings
            JOIN plans ON plans.inspection_id = findings.inspection_id
            JOIN recommendations ON recommendations.plan_id = plans.id
            WHERE recommendations.id = ? AND findings.id NOT IN (
                SELECT finding_id FROM key_lines
                WHERE recommendation_id = ? AND finding_id IS NOT NULL)
            ORDER BY findings.kind = 'strength', findings.position, findings.id
            """,
            [recommendation_id, recommendation_id],
        )
    )
