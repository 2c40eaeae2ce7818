"""Reading the updates waiting for an administrator's approval."""

from sqlite_utils import Database

from tracker.boards import status_key_of
from tracker.db import scalar
from tracker.rag import Status, status_for

# The latest revision of each update in the current, open quarter of a live plan, submitted for
# approval, on a recommendation still in the plan, on a board the user administers today.
WAITING = """
    SELECT updates.id, updates.revision, updates.recommendation_id, updates.quarter_id,
           updates.status, updates.narrative, updates.author_id, updates.created_at,
           users.name AS author, recommendations.number, recommendations.text,
           plans.id AS plan_id, plans.title AS plan, plans.board_id, boards.name AS board,
           quarters.label AS quarter,
           (SELECT count(*) FROM active_memberships AS others
            WHERE others.board_id = plans.board_id AND others.role = 'administrator'
              AND others.user_id != memberships.user_id) AS other_administrators
    FROM active_memberships AS memberships
    JOIN boards ON boards.id = memberships.board_id
    JOIN plans ON plans.board_id = memberships.board_id AND plans.state = 'live'
    JOIN quarters ON quarters.plan_id = plans.id AND quarters.label = plans.current_quarter
        AND quarters.locked_at IS NULL
    JOIN recommendations ON recommendations.plan_id = plans.id
        AND recommendations.withdrawn_at IS NULL
    JOIN progress_updates AS updates ON updates.recommendation_id = recommendations.id
        AND updates.quarter_id = quarters.id
    LEFT JOIN users ON users.id = updates.author_id
    WHERE memberships.user_id = ? AND memberships.role = 'administrator'
      AND updates.state = 'submitted'
      AND updates.revision = (
          SELECT max(revision) FROM progress_updates
          WHERE recommendation_id = updates.recommendation_id AND quarter_id = updates.quarter_id)
"""


def waiting_for(db: Database, user_id: int) -> list[dict]:
    """The updates waiting for the user's approval, by board, plan and recommendation, each
    with its status in words, its champions, and whether the user wrote it while another
    administrator of the board could approve it (`own`), which they may then not approve."""
    rows = list(
        db.query(
            WAITING + " ORDER BY boards.name, boards.id, plans.id, recommendations.position",
            [user_id],
        )
    )
    keys = {}
    for row in rows:
        if row["board_id"] not in keys:
            keys[row["board_id"]] = status_key_of(db, row["board_id"])
        _with_status_words(row, keys[row["board_id"]])
        row["own"] = row["author_id"] == user_id and row["other_administrators"] > 0
        row["champions"] = champion_names(db, row["recommendation_id"])
    return rows


def champion_names(db: Database, recommendation_id: int) -> list[str]:
    """The names of the recommendation's champions of both kinds, board champions first."""
    rows = db.execute(
        """
        SELECT people.name FROM champions JOIN people ON people.id = champions.person_id
        WHERE champions.recommendation_id = ? ORDER BY champions.kind, champions.position
        """,
        [recommendation_id],
    ).fetchall()
    return list(dict.fromkeys(row[0] for row in rows))


def administers_a_board(db: Database, user_id: int) -> bool:
    """Whether the user is an administrator of at least one board today."""
    return bool(
        scalar(
            db,
            "SELECT 1 FROM active_memberships WHERE user_id = ? AND role = 'administrator'",
            user_id,
        )
    )


def waiting_on_recommendation(db: Database, recommendation_id: int) -> dict | None:
    """The update on the recommendation waiting for approval in its plan's current, open
    quarter, with the recommendation and plan it belongs to; None when there is none."""
    latest = next(
        db.query(
            """
            SELECT updates.*, recommendations.number, recommendations.text,
                   plans.title AS plan, plans.board_id, plans.id AS plan_id,
                   quarters.label AS quarter, users.name AS author
            FROM recommendations
            JOIN plans ON plans.id = recommendations.plan_id AND plans.state = 'live'
            JOIN quarters ON quarters.plan_id = plans.id AND quarters.label = plans.current_quarter
                AND quarters.locked_at IS NULL
            JOIN progress_updates AS updates ON updates.recommendation_id = recommendations.id
                AND updates.quarter_id = quarters.id
            LEFT JOIN users ON users.id = updates.author_id
            WHERE recommendations.id = ? AND recommendations.withdrawn_at IS NULL
            ORDER BY updates.revision DESC LIMIT 1
            """,
            [recommendation_id],
        ),
        None,
    )
    if latest is None or latest["state"] != "submitted":
        return None
    return _with_status_words(latest, status_key_of(db, latest["board_id"]))


def _with_status_words(update: dict, status_key: tuple[Status, ...]) -> dict:
    # A status the board has since stopped using keeps its default words.
    status = status_for(update["status"], status_key) or status_for(update["status"])
    update["status_label"] = status.label if status else None
    update["status_meaning"] = status.meaning if status else None
    return update
