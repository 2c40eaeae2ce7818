"""Changing a plan after it is made: its title and period, its recommendations (wording,
number, addressee, origin, order), their key lines of enquiry, withdrawing a recommendation,
and starting a blank plan without a report."""

from flask import Blueprint

bp = Blueprint("plan_changes", __name__)

from tracker.plan_changes import views  # noqa: E402,F401  (registers routes and template helpers)
