"""The quarterly progress cycle: champions' updates, the administrator's review, closing a
quarter."""

from flask import Blueprint

bp = Blueprint("updates", __name__)

from tracker.updates import views  # noqa: E402,F401  (registers routes)
