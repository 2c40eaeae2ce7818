"""Plan import: reading a board's existing improvement plan (a Word, Excel or CSV table)."""

from flask import Blueprint

bp = Blueprint("plan_import", __name__, cli_group=None)

from tracker.plan_import import cli, views  # noqa: E402,F401  (registers routes and commands)
