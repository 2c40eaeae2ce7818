"""Boards (youth justice partnerships) and the services they oversee."""

from sqlite_utils import Database

from tracker.rag import DEFAULT_KEY, Status


def find_board(db: Database, reference: str) -> dict | None:
    """The board with this id or exact name."""
    reference = reference.strip()
    if reference.isdigit():
        return get_board(db, int(reference))
    return next(db.query("SELECT * FROM boards WHERE name = ?", [reference]), None)


def get_board(db: Database, board_id: int) -> dict | None:
    """The board with this id."""
    return next(db.query("SELECT * FROM boards WHERE id = ?", [board_id]), None)


def board_in_url(_db: Database, board_id: int, **_other_ids) -> int:
    """For routes whose URL names the board itself: the permission check's board finder."""
    return board_id


def status_key_of(db: Database, board_id: int) -> tuple[Status, ...]:
    """The board's BRAG key, best first: its own if it has set one, else the default."""
    rows = db.execute(
        "SELECT key, label, meaning, colour FROM status_keys"
        " WHERE board_id = ? AND in_use = 1 ORDER BY position",
        [board_id],
    ).fetchall()
    return tuple(Status(*row) for row in rows) or DEFAULT_KEY
