"""Signing in and out, and the accounts behind it."""

from flask import Blueprint

bp = Blueprint("auth", __name__, cli_group=None)

from tracker.auth import cli, views  # noqa: E402,F401  (registers routes and commands)
