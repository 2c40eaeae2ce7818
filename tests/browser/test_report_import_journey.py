"""The head of service imports the North East Lincolnshire report in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_no_serious_accessibility_problems, read_the_report
from tests.conftest import NEL_REPORT


@pytest.mark.browser
def test_the_head_of_service_imports_a_report_and_creates_the_plan(
    page, sign_in, axe, screenshot, job_worker
):
    sign_in(page, "administrator")
    page.get_by_role("link", name="Import an inspection report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import an inspection report")
    expect_no_serious_accessibility_problems(page, axe)

    page.get_by_label("Upload the report").set_input_files(str(NEL_REPORT))
    read_the_report(page, axe)
    recommendations = page.locator(".app-draft-recommendation")
    expect(recommendations).to_have_count(8)
    expect(page.locator("#inspection-score")).to_have_value("27")
    screenshot(page, "review-as-administrator")
    expect_no_serious_accessibility_problems(page, axe)

    page.get_by_label("The board's own recommendation").fill("Board development")
    page.get_by_role("button", name="Add the recommendation").click()
    expect(page.get_by_text("Your changes to the draft are saved.")).to_be_visible()
    expect(recommendations).to_have_count(9)

    page.get_by_role("button", name="Create the plan").click()
    expect(page.get_by_text("The plan is created as a draft")).to_be_visible()
    rows = page.locator("table.app-plan-table tbody tr")
    expect(rows).to_have_count(9)
    expect(rows.nth(8)).to_contain_text("Board development")
    expect(rows.nth(8)).to_contain_text("Added by the board")

    rows.nth(7).get_by_role("link").click()
    expect(page.get_by_text("The Partnership Board")).to_be_visible()
    page.get_by_role("link", name="See where it is in the inspection report").click()
    expect(page.locator("mark#here")).to_contain_text("8. continue to support the service")
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Back to the plan").click()
    rows.nth(0).get_by_role("link").click()
    expect(page.get_by_text("The North East Lincolnshire Youth Offending Service")).to_be_visible()
