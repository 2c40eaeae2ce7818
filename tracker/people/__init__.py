"""The board's people directory."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from tracker.people import views  # noqa: E402,F401  (registers routes)
