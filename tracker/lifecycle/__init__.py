"""A plan's life: a draft seen by administrators, live once reporting starts, then closed."""

from flask import Blueprint

bp = Blueprint("lifecycle", __name__)

from tracker.lifecycle import views  # noqa: E402,F401  (registers routes)
