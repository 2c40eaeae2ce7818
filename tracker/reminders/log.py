"""What the reminder log says about a quarter: when each recommendation's champions were last
reminded, for the dashboard ("Reminded 3 days ago")."""

from datetime import date

from sqlite_utils import Database

from tracker.uk_time import uk_time, uk_today


def last_reminded(
    db: Database, plan_id: int, quarter: str, today: date | None = None
) -> dict[int, str]:
    """Recommendation id -> when a reminder naming it was last sent for `quarter`, in words
    ("today", "yesterday", "3 days ago"). Recommendations never reminded are left out."""
    today = today or uk_today()
    rows = db.execute(
        """
        SELECT CAST(ids.value AS INTEGER), max(reminders_sent.sent_at)
        FROM reminders_sent, json_each(reminders_sent.recommendation_ids) AS ids
        WHERE reminders_sent.plan_id = ? AND reminders_sent.quarter = ?
          AND reminders_sent.kind = 'reminder' AND reminders_sent.outcome = 'sent'
        GROUP BY ids.value
        """,
        [plan_id, quarter],
    ).fetchall()
    return {rec_id: days_ago(uk_time(at).date(), today) for rec_id, at in rows}


def days_ago(day: date, today: date) -> str:
    days = (today - day).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
