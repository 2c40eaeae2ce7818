"""Filters and values every template can use."""

from datetime import date

from flask import Flask, g
from flask_login import current_user

from tracker.auth.accounts import memberships
from tracker.boards import status_key_of
from tracker.db import get_db
from tracker.permissions import ROLE_NAMES
from tracker.quarters import Quarter
from tracker.rag import DEFAULT_KEY
from tracker.uk_time import in_words

SERVICE_NAME = "Improvement plan tracker"


def init_app(app: Flask) -> None:
    app.add_template_filter(month_or_day, "month_or_day")
    app.add_template_filter(in_words, "when")
    app.add_template_filter(lambda label: Quarter.parse(label).months, "quarter_months")
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
    board_id, role = g.get("board_id"), g.get("role")
    if board_id is None and current_user.is_authenticated:
        # Off a board's pages, someone on a single board still sees it in the header.
        boards = memberships(get_db(), current_user.id)
        if len(boards) == 1:
            board_id, role = boards[0]["board_id"], boards[0]["role"]
    return {
        "service_name": SERVICE_NAME,
        "role": role,
        "board_id": board_id,
        "role_names": ROLE_NAMES,
        "status_key": status_key_of(get_db(), board_id) if board_id else DEFAULT_KEY,
        "user": current_user,
    }
