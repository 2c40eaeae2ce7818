"""From an imported report to a living plan, in a real browser: the administrator imports the
Sunderland report, creates the plan and starts reporting; a champion writes and submits an
update; the administrator changes the plan, closes the quarter through its confirmation page,
reopens it and closes it again. Each new page is checked with axe on the way."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_no_serious_accessibility_problems, read_the_report
from tests.conftest import REPORTS
from tracker.quarters import Quarter

pytestmark = pytest.mark.browser
SUNDERLAND = REPORTS / "sunderland-2022.txt"


def type_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_an_imported_plan_goes_live_and_completes_a_quarter(page_as, axe, screenshot, job_worker):
    admin = page_as("administrator")
    admin.goto("/")
    admin.get_by_role("link", name="Import an inspection report").click()
    admin.get_by_label("Upload the report").set_input_files(str(SUNDERLAND))
    read_the_report(admin)
    admin.get_by_role("button", name="Create the plan").click()
    expect(admin.get_by_text("The plan is created as a draft")).to_be_visible()
    expect(admin.locator(".app-plan-state")).to_have_text("Draft")
    plan_url = admin.url
    expect_no_serious_accessibility_problems(admin, axe)
    screenshot(admin, "draft-plan-hub")

    # Champions for the first recommendation: the demo champion, Spencer Hunt.
    admin.locator("table.app-plan-table tbody tr").first.get_by_role("link").first.click()
    admin.get_by_role("link", name=re.compile("Change champions")).click()
    board = admin.get_by_role("group", name="Board champions")
    board.get_by_label(re.compile("Spencer Hunt")).check()
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_text("Champions saved")).to_be_visible()

    # Starting reporting: a deadline after the meeting is refused, then the dates are right.
    admin.goto(plan_url)
    admin.get_by_role("link", name="Start reporting").click()
    quarter = Quarter.containing(date.today())
    admin.get_by_label(quarter.label).check()
    after = quarter.next().starts_on
    type_date(admin, "Updates due by", after.replace(day=20))
    type_date(admin, "Board meeting", after.replace(day=10))
    admin.get_by_role("button", name="Start reporting").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text(
        "The update deadline must be before the board meeting"
    )
    expect_no_serious_accessibility_problems(admin, axe)
    screenshot(admin, "start-reporting-error")
    type_date(admin, "Updates due by", after.replace(day=5))
    admin.get_by_role("button", name="Start reporting").click()
    expect(admin.get_by_text("Reporting has started")).to_be_visible()
    expect(admin.locator(".app-plan-state")).to_contain_text("Live")
    expect(admin.get_by_role("heading", name=f"{quarter.label} at a glance")).to_be_visible()
    expect_no_serious_accessibility_problems(admin, axe)
    screenshot(admin, "live-plan-hub")

    # The champion writes and submits an update.
    champion = page_as("champion")
    champion.goto(plan_url)
    champion.locator("table.app-plan-table tbody tr").first.get_by_role("link").first.click()
    champion.get_by_role("link", name="Write this quarter's update").click()
    champion.get_by_label(re.compile("Amber")).check()
    champion.get_by_label("Progress this quarter").fill("Partners met twice; a phrase to find")
    champion.get_by_role("button", name="Submit for approval").click()
    expect(champion.get_by_text("Your update is submitted for approval.")).to_be_visible()

    # The administrator changes the plan: wording, a local recommendation, a key line, and
    # withdraws one.
    admin.goto(plan_url)
    admin.get_by_role("link", name="Change the plan").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Change the plan")
    expect_no_serious_accessibility_problems(admin, axe)
    admin.get_by_role("link", name=re.compile("^Change recommendation")).first.click()
    admin.get_by_label("Wording").fill("Review the partnership's oversight of casework quality.")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_text("Review the partnership's oversight").first).to_be_visible()

    admin.goto(plan_url)
    admin.get_by_role("link", name="Change the plan").click()
    admin.get_by_role("link", name="Add a local recommendation").click()
    admin.get_by_label("Wording").fill("Train board members in reading the performance report.")
    admin.get_by_role("button", name=re.compile("Add|Save")).first.click()
    expect(admin.get_by_text("Train board members in reading").first).to_be_visible()

    admin.goto(plan_url)
    admin.get_by_role("link", name="Change the plan").click()
    admin.get_by_role("link", name=re.compile("^Key lines of enquiry")).first.click()
    admin.get_by_label("Or add one in the board's own words").fill(
        "How does the board know that casework audits lead to change?"
    )
    admin.get_by_role("button", name="Add key line of enquiry").click()
    expect(admin.get_by_text("How does the board know that casework audits").first).to_be_visible()
    expect_no_serious_accessibility_problems(admin, axe)

    admin.goto(plan_url)
    admin.get_by_role("link", name="Change the plan").click()
    admin.get_by_role("link", name=re.compile("^Withdraw")).last.click()
    admin.get_by_label("Why is the board withdrawing it?").fill(
        "Met by the new partnership agreement signed this quarter."
    )
    admin.get_by_role("button", name="Withdraw recommendation").click()
    expect(admin.get_by_text("Met by the new partnership agreement").first).to_be_visible()

    # Closing the quarter through its confirmation page, reopening it, closing it again.
    admin.goto(plan_url)
    admin.get_by_role("link", name=f"Dates for {quarter.label}, and closing it").click()
    admin.get_by_role("button", name=f"Close {quarter.label}").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Close {quarter.label}?")
    expect(admin.locator("main")).to_contain_text("submitted")
    expect_no_serious_accessibility_problems(admin, axe)
    screenshot(admin, "close-imported-quarter")
    following = quarter.next()
    admin.get_by_role("button", name=f"Close {quarter.label} and open {following.label}").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(following.label)
    admin.get_by_role("link", name=f"Reopen {quarter.label}").click()
    admin.get_by_label("Why is the quarter being reopened?").fill(
        "The board asked for the submitted update to be approved before publication."
    )
    admin.get_by_role("button", name=f"Reopen {quarter.label}").click()
    expect(admin.get_by_text(f"{quarter.label} is open again")).to_be_visible()
    admin.get_by_role("button", name=f"Close {quarter.label}").click()
    admin.get_by_role("button", name=f"Close {quarter.label} and open {following.label}").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(following.label)
    type_date(admin, "Updates due by", following.next().starts_on.replace(day=5))
    type_date(admin, "Board meeting", following.next().starts_on.replace(day=19))
    admin.get_by_role("button", name="Save dates").click()
    expect(admin.get_by_text(f"Dates saved for {following.label}.")).to_be_visible()
    expect_no_serious_accessibility_problems(admin, axe)
