"""The scrutiny view: a plan's progress as published for a closed quarter, for the scrutiny
panel, read only; and the share links that open it for panel members without an account.

Share pages live in a blueprint of their own inside this one, so the headers and error
handling that keep a link's token private apply to them and to nothing else.
"""

from flask import Blueprint

bp = Blueprint("scrutiny", __name__, cli_group=None)
shared = Blueprint("shared", __name__)

from tracker.scrutiny import views  # noqa: E402, F401 - registers the routes

bp.register_blueprint(shared)
