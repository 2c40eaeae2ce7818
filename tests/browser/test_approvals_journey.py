"""The head of service approves the demo champion's three submitted updates at once from the
approvals inbox, through a real Chromium."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_no_serious_accessibility_problems
from tracker.audit import Actor
from tracker.db import open_database
from tracker.quarters import Quarter
from tracker.updates import workflow

pytestmark = pytest.mark.browser

CHAMPION = Actor(2, 1)
NUMBERS = (1, 2, 5)
NARRATIVES = {
    1: "The survey of children, parents and carers is piloted with ten families.",
    2: "The board signed off the revised diversity and disproportionality plan.",
    5: "An audit of twenty cases found escalations were timely in eighteen.",
}
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory, demo_database_template) -> Path:
    """The demo, with the demo champion's updates on recommendations 1, 2 and 5 submitted for
    approval in the current quarter, before the server serves it."""
    path = tmp_path_factory.mktemp("approvals") / "tracker.db"
    shutil.copy(demo_database_template, path)
    db = open_database(path)
    quarter_id = workflow.ensure_quarter(db, 1, Quarter.parse("2022/23 Q4"), CHAMPION)
    for number, narrative in NARRATIVES.items():
        fields = {"narrative": narrative, "status": "amber" if number == 5 else "green"}
        workflow.save_update(db, number, quarter_id, fields, 0, True, CHAMPION)
    db.close()
    return path


def test_the_administrator_approves_three_updates_at_once_from_the_inbox(page_as, axe, screenshot):
    page = page_as("administrator")
    page.goto("/")
    home_block = page.locator(".app-review").filter(
        has=page.get_by_role("heading", name="Waiting for your approval (3)")
    )
    expect(home_block).to_be_visible()
    screenshot(page, "approvals-on-the-home-page")
    home_block.get_by_role("link", name=re.compile("Approve or return them")).click()

    expect(page).to_have_url(re.compile(r"/approvals$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your approval (3)")
    for narrative in NARRATIVES.values():
        expect(page.get_by_text(narrative)).to_be_visible()
    expect(page.get_by_text("Submitted by Spencer Hunt")).to_have_count(3)
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"approvals-inbox-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect_no_serious_accessibility_problems(page, axe)

    # Nothing ticked: an error summary, and nothing approved.
    page.get_by_role("button", name="Approve selected").click()
    expect(page).to_have_title(re.compile(r"^Error: Waiting for your approval"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the updates to approve")
    expect_no_serious_accessibility_problems(page, axe)
    screenshot(page, "approvals-inbox-nothing-selected")

    # The page to return one asks for a reason; going back leaves it waiting.
    page.get_by_role("link", name="Return the update on recommendation 2 with a reason").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Return the update on recommendation 2"
    )
    expect(page.get_by_label("Why are you returning the update?")).to_be_visible()
    expect_no_serious_accessibility_problems(page, axe)
    screenshot(page, "approvals-return")
    page.get_by_role("link", name="Cancel").click()

    for number in NUMBERS:
        page.get_by_label(f"Approve the update on recommendation {number}").check()
    page.get_by_role("button", name="Approve selected").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "3 updates approved, on recommendations 1, 2 and 5."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your approval (0)")
    expect(page.get_by_text("Nothing is waiting for your approval")).to_be_visible()
    screenshot(page, "approvals-inbox-after-approving")

    page.goto("/recommendations/2")
    expect(page.locator("main")).to_contain_text("Approved")
    page.goto("/")
    expect(page.get_by_role("heading", name=re.compile("Waiting for your approval"))).to_have_count(
        0
    )
