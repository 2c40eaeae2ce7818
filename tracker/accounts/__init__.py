"""Accounts on a board: invitations, the board's users and their access, and bulk invitations."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, cli_group=None)

from tracker.accounts import views  # noqa: E402,F401  (registers the routes)
