"""A board's own settings: its BRAG status key."""

from flask import Blueprint

bp = Blueprint("board_settings", __name__)

from tracker.board_settings import views  # noqa: E402,F401  (registers routes)
