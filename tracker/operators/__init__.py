"""The installation area: operators create boards, appoint their first administrators and see
how each board is used, without reading any board's plan."""

from flask import Blueprint

bp = Blueprint("operators", __name__, cli_group=None)

from tracker.operators import cli, views  # noqa: E402,F401  (registers routes and commands)
