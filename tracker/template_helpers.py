"""Filters and values every template can use."""

from datetime import date

from flask import Flask, g
from flask_login import current_user

from tracker.permissions import ROLE_NAMES
from tracker.rag import DEFAULT_KEY

SERVICE_NAME = "Improvement plan tracker"


def init_app(app: Flask) -> None:
    app.add_template_filter(month_or_day, "month_or_day")
    app.context_processor(_page_values)


def month_or_day(iso: str | None) -> str:
    """An ISO date as people write it: "2022-09" as "September 2022", "2022-09-05" as
    "5 September 2022"; blank stays blank."""
    if not iso:
        return ""
    parts = [int(part) for part in iso.split("-")]
    if len(parts) == 2:
        return date(parts[0], parts[1], 1).strftime("%B %Y")
    day = date(*parts)
    return f"{day.day} {day.strftime('%B %Y')}"


def _page_values() -> dict:
    return {
        "service_name": SERVICE_NAME,
        "role": g.get("role"),
        "board_id": g.get("board_id"),
        "role_names": ROLE_NAMES,
        "status_key": DEFAULT_KEY,
        "user": current_user,
    }
