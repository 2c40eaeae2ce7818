"""Recording who is told of an update submitted, returned or approved, inside the write that
made it, so a notice exists exactly when the change does.

Each recipient gets one row in `notifications` with the delivery they had chosen at that
moment. Someone who chose no email still gets a row, with outcome 'not sent': the row is what
their home page's "new since your last visit" reads, whether or not an email goes.
"""

from sqlite_utils import Database

from tracker.audit import Actor
from tracker.notifications.choices import delivery_for

NOT_SENT = "not sent"

# Every active administrator of the plan's board.
ADMINISTRATORS = """
    SELECT memberships.user_id, memberships.board_id FROM active_memberships AS memberships
    JOIN plans ON plans.board_id = memberships.board_id
    JOIN recommendations ON recommendations.plan_id = plans.id
    WHERE recommendations.id = :recommendation_id AND memberships.role = 'administrator'
    ORDER BY memberships.user_id
"""
# Everyone active on the plan's board who champions the recommendation (as a board or service
# champion), and whoever submitted the revision that was reviewed. The scrutiny panel never
# sees a returned update, so is never told of one.
CHAMPIONS_AND_AUTHOR = """
    SELECT memberships.user_id, memberships.board_id FROM active_memberships AS memberships
    JOIN plans ON plans.board_id = memberships.board_id
    JOIN recommendations ON recommendations.plan_id = plans.id
    WHERE recommendations.id = :recommendation_id AND memberships.role != 'scrutiny'
      AND (memberships.person_id IN (
               SELECT person_id FROM champions WHERE recommendation_id = :recommendation_id)
           OR memberships.user_id = (
               SELECT author_id FROM progress_updates
               WHERE recommendation_id = :recommendation_id AND quarter_id = :quarter_id
                 AND revision = :revision - 1))
    ORDER BY memberships.user_id
"""
RECIPIENTS = {
    "submitted": ADMINISTRATORS,
    "returned": CHAMPIONS_AND_AUTHOR,
    "approved": CHAMPIONS_AND_AUTHOR,
}


def record(db: Database, kind: str, update: dict, actor: Actor) -> int:
    """Record the notice of `update` (the revision just saved, in state `kind`) for everyone
    told of it but `actor`, who made it; returns how many will be emailed. Call it inside the
    write transaction that saved the revision."""
    if kind not in RECIPIENTS:
        raise ValueError(f"unknown kind of notification {kind!r}")
    recipients = db.execute(
        RECIPIENTS[kind],
        {
            "recommendation_id": update["recommendation_id"],
            "quarter_id": update["quarter_id"],
            "revision": update["revision"],
        },
    ).fetchall()
    emailed = 0
    for user_id, board_id in dict.fromkeys(recipients):
        if user_id == actor.user_id:
            continue
        delivery = delivery_for(db, user_id, kind)
        db.execute(
            "INSERT INTO notifications (user_id, board_id, kind, update_id, delivery, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                user_id,
                board_id,
                kind,
                update["id"],
                delivery,
                NOT_SENT if delivery == "none" else "waiting",
            ],
        )
        emailed += delivery != "none"
    return emailed
