"""The Content Security Policy breaks nothing: every page loads in Chromium with its scripts
running and without one Content Security Policy violation in the console."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.conftest import NEL_REPORT
from tracker.audit import SYSTEM
from tracker.db import open_database
from tracker.reports.imports import start_import

pytestmark = pytest.mark.browser

ANONYMOUS_PAGES = ["/sign-in", "/no-such-page"]
ADMINISTRATOR_PAGES = [
    "/",
    "/plans/1",
    "/plans/1/dashboard",
    "/plans/1/quarters",
    "/plans/1/quarters/close",
    "/plans/1/quarters/reopen",
    "/plans/1/pack",
    "/plans/1/pack/preview",
    "/plans/1/actions/settings",
    "/inspections/1",
    "/recommendations/1",
    "/recommendations/1/update",
    "/recommendations/1/champions",
    "/recommendations/1/source",
    "/recommendations/1/actions/new",
    "/actions/1/edit",
    "/boards/1/people",
    "/boards/1/people/new",
    "/people/1/edit",
    "/boards/1/reports/new",
    "/imports/1",
    "/imports/1/source",
    "/boards/1/status-key",
    "/boards/1/audit-log",
]
# The board pack's preview is the printed page, which has no script.
PAGES_WITHOUT_SCRIPT = {"/plans/1/pack/preview"}


@pytest.fixture(scope="module", autouse=True)
def import_and_action(demo_database) -> None:
    """A report under review, and actions in use with one action, so their pages exist."""
    db = open_database(demo_database)
    try:
        start_import(db, 1, "nel.txt", NEL_REPORT.read_text(), SYSTEM)
        db["plans"].update(1, {"uses_actions": 1})
        db["actions"].insert({"recommendation_id": 1, "text": "An action", "position": 1})
        db.conn.commit()
    finally:
        db.close()


@pytest.fixture
def console_errors(page_as) -> Callable[[str | None], tuple[Page, list[str]]]:
    """Open a page for a role (None: not signed in), collecting the errors its console reports."""
    collected: list[str] = []

    def open_page(role: str | None) -> tuple[Page, list[str]]:
        page = page_as(role)
        page.on(
            "console", lambda message: message.type == "error" and collected.append(message.text)
        )
        page.on("pageerror", lambda error: collected.append(str(error)))
        return page, collected

    return open_page


def policy_violations(messages: list[str]) -> list[str]:
    return [message for message in messages if "Content Security Policy" in message]


def visit(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    if path not in PAGES_WITHOUT_SCRIPT:
        # The module script that starts GOV.UK Frontend ran: the policy let it load.
        ran = page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
        assert ran, path


def test_the_pages_anyone_sees_break_no_policy(console_errors):
    page, errors = console_errors(None)
    for path in ANONYMOUS_PAGES:
        visit(page, path)
    assert policy_violations(errors) == []


def test_every_page_the_head_of_service_sees_breaks_no_policy(console_errors):
    page, errors = console_errors("administrator")
    for path in ADMINISTRATOR_PAGES:
        visit(page, path)
        assert policy_violations(errors) == [], path


def test_an_inline_style_would_be_reported(console_errors):
    """The check above can fail: an inline style added to a page is refused and reported."""
    page, errors = console_errors(None)
    visit(page, "/sign-in")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    assert policy_violations(errors), errors
