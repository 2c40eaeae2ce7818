"""Closing a quarter in a real browser: through its confirmation page, reopening it with a
reason, and closing it again."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_administrator_closes_a_quarter_reopens_it_and_closes_it_again(page_as, screenshot):
    admin = page_as("administrator")
    admin.goto("/plans/1/quarters")
    admin.get_by_role("button", name="Close 2022/23 Q4").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Close 2022/23 Q4?")
    expect(admin.locator("main")).to_contain_text("10 with no update")
    expect(admin.get_by_role("link", name="Recommendation 1:")).to_have_attribute(
        "href", "/recommendations/1"
    )
    screenshot(admin, "close-quarter-confirmation")
    admin.get_by_role("button", name="Close 2022/23 Q4 and open 2023/24 Q1").click()
    expect(admin.get_by_text("2022/23 Q4 is closed. 2023/24 Q1 is now open")).to_be_visible()
    expect(admin.get_by_role("heading", level=1)).to_have_text("2023/24 Q1")
    expect(admin.get_by_role("group", name="Updates due by")).to_be_visible()

    admin.get_by_role("link", name="Reopen 2022/23 Q4").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Reopen 2022/23 Q4?")
    admin.get_by_role("button", name="Reopen 2022/23 Q4").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the quarter is being reopened"
    )
    admin.get_by_label("Why is the quarter being reopened?").fill(
        "The board asked for two updates to be approved before publication."
    )
    screenshot(admin, "reopen-quarter-confirmation")
    admin.get_by_role("button", name="Reopen 2022/23 Q4").click()
    expect(admin.get_by_text("2022/23 Q4 is open again")).to_be_visible()
    expect(admin.get_by_role("heading", level=1)).to_have_text("2022/23 Q4")

    admin.get_by_role("button", name="Close 2022/23 Q4").click()
    admin.get_by_role("button", name="Close 2022/23 Q4 and open 2023/24 Q1").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("2023/24 Q1")
    admin.get_by_role("button", name="Close 2023/24 Q1").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Close 2023/24 Q1?")
