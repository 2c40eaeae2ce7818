"""The audit log page: every change to a board's data, who made it, when, and what it was before
and after; filtered, paged and exported as CSV. For the board's administrators only."""

from flask import Blueprint

bp = Blueprint("audit_log", __name__)

from tracker.audit_log import views  # noqa: E402,F401  (registers routes)
