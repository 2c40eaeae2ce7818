"""Actions under a plan's recommendations: optional per plan, each with an owner, a target date
and a status; overdue ones are flagged."""

from flask import Blueprint

bp = Blueprint("actions", __name__)

from tracker.actions import views  # noqa: E402,F401  (registers routes and template helpers)
