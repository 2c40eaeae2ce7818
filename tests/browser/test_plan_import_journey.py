"""The head of service brings North East Lincolnshire's existing plan, a Word table, in a real
browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_no_serious_accessibility_problems, read_the_plan
from tests.test_plan_import_pages import nel_plan_docx


@pytest.mark.browser
def test_the_head_of_service_brings_the_plan_the_board_already_has(
    page, sign_in, axe, screenshot, tmp_path, job_worker
):
    plan_file = tmp_path / "nel-improvement-plan.docx"
    plan_file.write_bytes(nel_plan_docx())
    sign_in(page, "administrator")
    page.get_by_role("link", name="Import an inspection report").click()
    page.get_by_role("link", name="Or bring the plan your board already has").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bring your existing plan")
    expect_no_serious_accessibility_problems(page, axe)

    page.get_by_label("Upload the plan").set_input_files(str(plan_file))
    read_the_plan(page, axe)
    expect(page.get_by_label("Column 1:")).to_have_value("recommendation")
    expect(page.locator(".app-plan-preview tbody tr")).to_have_count(5)
    expect_no_serious_accessibility_problems(page, axe)

    page.get_by_label("Quarter the status and progress are for").select_option("2022/23 Q3")
    page.get_by_role("button", name="Save and show the first rows").click()
    expect(page.get_by_text("Your choices are saved")).to_be_visible()
    expect(page.get_by_label("Quarter the status and progress are for")).to_have_value("2022/23 Q3")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "plan-import-review-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "plan-import-review-390")
    expect_no_serious_accessibility_problems(page, axe)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Create the plan").click()
    expect(page.get_by_text("The plan is created as a draft")).to_be_visible()
    rows = page.locator("table.app-plan-table tbody tr")
    expect(rows).to_have_count(10)
    expect(page.get_by_text("Karen Linton").first).to_be_visible()
