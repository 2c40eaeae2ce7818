"""The administrator's approvals inbox: every update waiting for their approval, on each board
they administer, approved several at once or returned with a reason."""

from flask import Blueprint

bp = Blueprint("approvals", __name__)

from tracker.approvals import views  # noqa: E402,F401  (registers routes)
