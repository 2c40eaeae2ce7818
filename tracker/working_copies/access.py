"""Who may keep a working copy of an update: exactly who may edit the update itself."""

from dataclasses import dataclass

from sqlite_utils import Database

from tracker.boards import status_key_of
from tracker.permissions import membership_on_board
from tracker.plans.queries import board_of_recommendation
from tracker.updates import workflow
from tracker.working_copies.copies import NotKept

EDITORS = ("administrator", "champion")


class MayNotEdit(NotKept):
    """The person may not edit this recommendation's update at all."""


@dataclass(frozen=True)
class Editable:
    """The update someone may edit now: its quarter's id and the board's status keys."""

    quarter_id: int
    status_keys: set[str]


def editable_update(
    db: Database, user_id: int, recommendation_id: int, quarter_label: object
) -> Editable:
    """The update the person may edit now, for the quarter the form was opened for; raises
    MayNotEdit unless they champion the recommendation or administer its board, or NotKept
    when the plan is not live, the quarter has closed or the recommendation was withdrawn
    (the update form's own rules, so a copy is never kept of what could not be saved)."""
    board_id = board_of_recommendation(db, recommendation_id)
    role, person_id = (
        membership_on_board(db, user_id, board_id) if board_id is not None else (None, None)
    )
    if role not in EDITORS or (
        role == "champion" and not workflow.is_champion(db, person_id, recommendation_id)
    ):
        raise MayNotEdit("you cannot change this update")
    row = db.execute(
        """
        SELECT plans.state, plans.current_quarter, recommendations.withdrawn_at, quarters.id,
               quarters.locked_at
        FROM recommendations JOIN plans ON plans.id = recommendations.plan_id
        LEFT JOIN quarters ON quarters.plan_id = plans.id AND quarters.label = ?
        WHERE recommendations.id = ?
        """,
        [quarter_label if isinstance(quarter_label, str) else "", recommendation_id],
    ).fetchone()
    state, current_quarter, withdrawn_at, quarter_id, locked_at = row
    if state != "live":
        raise NotKept("this plan is not taking updates")
    if withdrawn_at:
        raise NotKept("this recommendation was withdrawn by the board")
    if quarter_id is None or locked_at or quarter_label != current_quarter:
        raise NotKept("the quarter this form was opened for has closed")
    return Editable(quarter_id, {status.key for status in status_key_of(db, board_id)})
