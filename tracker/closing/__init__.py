"""Closing a quarter after the board has met, through a page that says what is left, and
reopening the most recent closed quarter with a reason."""

from flask import Blueprint

bp = Blueprint("closing", __name__)

from tracker.closing import views  # noqa: E402,F401  (registers routes)
