"""Inspections: the inspectorate's ratings, score and findings."""

from flask import Blueprint

bp = Blueprint("inspections", __name__)

from tracker.inspections import views  # noqa: E402,F401  (registers routes)
