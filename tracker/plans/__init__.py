"""Improvement plans: the plan table, each recommendation and the plan as data."""

from flask import Blueprint

bp = Blueprint("plans", __name__, cli_group=None)

from tracker.plans import cli, views  # noqa: E402,F401  (registers routes and commands)
