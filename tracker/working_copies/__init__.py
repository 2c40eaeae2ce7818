"""Work in progress on an update, kept as the champion types and across signing in again,
and the warning before an idle session ends."""

from flask import Blueprint

bp = Blueprint("working_copies", __name__)

from tracker.working_copies import views  # noqa: E402,F401  (registers routes)
