"""Boards as operators see them: made, changed, archived and restored, with how much each is
used but nothing of its plans."""

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.concurrency import check_unchanged, fingerprint
from tracker.db import open_database, scalar, write_transaction

BOARD_FIELDS = ("name", "service", "council")


class BoardError(ValueError):
    """A change to a board that cannot be made; the message says why, for the user."""


def board_details(db: Database, board_id: int) -> dict | None:
    """The board's name, service (its first, where it has several), council and state."""
    return next(
        db.query(
            """
            SELECT boards.*, coalesce(
                (SELECT name FROM services WHERE board_id = boards.id ORDER BY id LIMIT 1), ''
            ) AS service
            FROM boards WHERE boards.id = ?
            """,
            [board_id],
        ),
        None,
    )


def details_fingerprint(board: dict) -> str:
    """What the change form carries, so a change made meanwhile is not overwritten."""
    return fingerprint({field: board[field] for field in BOARD_FIELDS})


def create_board(db: Database, details: dict, actor: audit.Actor) -> int:
    """Make a board with its service; raises BoardError if the name is taken."""
    with write_transaction(db):
        _name_is_free(db, details["name"])
        board_id = audit.insert(
            db, "boards", {"name": details["name"], "council": details["council"]}, actor
        )
        board_actor = audit.Actor(actor.user_id, board_id)
        audit.insert(
            db, "services", {"board_id": board_id, "name": details["service"]}, board_actor
        )
    return board_id


def change_board(
    db: Database, board_id: int, details: dict, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Change the board's name, service or council; raises StaleChange if someone else changed
    them since, and BoardError if the new name is another board's."""
    with write_transaction(db):
        board = board_details(db, board_id)
        check_unchanged({field: board[field] for field in BOARD_FIELDS}, seen_fingerprint)
        if details["name"].casefold() != board["name"].casefold():
            _name_is_free(db, details["name"])
        audit.update(
            db, "boards", board_id, {"name": details["name"], "council": details["council"]}, actor
        )
        service_id = scalar(
            db, "SELECT id FROM services WHERE board_id = ? ORDER BY id LIMIT 1", board_id
        )
        if service_id is None:
            audit.insert(db, "services", {"board_id": board_id, "name": details["service"]}, actor)
        else:
            audit.update(db, "services", service_id, {"name": details["service"]}, actor)


def set_archived(db: Database, board_id: int, archived: bool, actor: audit.Actor) -> None:
    """Archive a board (nobody can use it; nothing is deleted) or bring it back."""
    with write_transaction(db):
        audit.update(
            db, "boards", board_id, {"archived_at": timestamp(now()) if archived else None}, actor
        )


def _name_is_free(db: Database, name: str) -> None:
    if scalar(db, "SELECT 1 FROM boards WHERE name = ? COLLATE NOCASE", name):
        raise BoardError(f"There is already a board called {name}")


def boards_overview(db: Database) -> list[dict]:
    """Every board, by name, with its service, council, number of active users, open
    invitations, and when anyone last did anything on it (a change or a sign-in)."""
    return list(
        db.query(
            """
            SELECT boards.id, boards.name, boards.council, boards.archived_at,
                   coalesce((SELECT name FROM services WHERE board_id = boards.id
                             ORDER BY id LIMIT 1), '') AS service,
                   (SELECT count(*) FROM memberships WHERE board_id = boards.id
                    AND deactivated_at IS NULL) AS users,
                   (SELECT count(*) FROM invitations WHERE board_id = boards.id
                    AND accepted_at IS NULL AND cancelled_at IS NULL) AS invitations,
                   max(
                       coalesce((SELECT max(at) FROM audit_log WHERE board_id = boards.id), ''),
                       coalesce((SELECT max(users.last_sign_in_at) FROM memberships
                                 JOIN users ON users.id = memberships.user_id
                                 WHERE memberships.board_id = boards.id), '')
                   ) AS last_activity
            FROM boards
            ORDER BY boards.archived_at IS NOT NULL, boards.name COLLATE NOCASE
            """
        )
    )


def administrators(db: Database, board_id: int) -> list[dict]:
    """The board's administrators, with their state and whether they use two factors."""
    return list(
        db.query(
            """
            SELECT users.id AS user_id, users.name, users.email, users.last_sign_in_at,
                   users.totp_enabled_at IS NOT NULL AS two_factor_on,
                   memberships.deactivated_at
            FROM memberships JOIN users ON users.id = memberships.user_id
            WHERE memberships.board_id = ? AND memberships.role = 'administrator'
            ORDER BY users.name COLLATE NOCASE
            """,
            [board_id],
        )
    )


def installation_is_new(app) -> bool:
    """Whether the app's database has no operator yet (so nobody can create a board)."""
    db = open_database(app.config["DATABASE"])
    try:
        return not scalar(db, "SELECT 1 FROM users WHERE is_operator = 1")
    finally:
        db.close()
