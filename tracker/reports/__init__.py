"""Inspection reports: reading a published report and turning it into a draft plan."""

from flask import Blueprint

bp = Blueprint("reports", __name__, cli_group=None)

from tracker.reports import cli, views  # noqa: E402,F401  (registers routes and commands)
