"""A quarter in a real browser: a Red update returned, resubmitted, approved, then closed."""

import pytest
from playwright.sync_api import expect

RECOMMENDATION = 2  # Spencer Hunt, the demo champion, champions it


@pytest.mark.browser
def test_a_red_update_is_returned_resubmitted_approved_and_the_quarter_closed(
    new_context, sign_in, screenshot
):
    champion = new_context().new_page()
    admin = new_context().new_page()
    sign_in(champion, "champion")
    sign_in(admin, "administrator")

    champion.get_by_role("link", name="Write the update").first.click()
    expect(champion.get_by_role("heading", level=1)).to_contain_text("Update on recommendation 2")
    champion.get_by_label("Red").check()
    champion.get_by_label("Progress this quarter").fill("The diversity plan has stalled.")
    champion.get_by_role("button", name="Submit for approval").click()
    expect(
        champion.get_by_text("Enter the corrective action for a Red status").first
    ).to_be_visible()
    champion.get_by_label("Corrective action").fill("A workshop with partners in March.")
    champion.get_by_role("button", name="Submit for approval").click()
    expect(champion.get_by_text("Your update is submitted for approval.")).to_be_visible()

    admin.goto(f"/recommendations/{RECOMMENDATION}")
    expect(admin.locator(".app-review")).to_contain_text("A workshop with partners in March.")
    admin.get_by_label("Note to the champions").fill("Please give the workshop's date.")
    admin.get_by_role("button", name="Return with the note").click()
    expect(admin.get_by_text("Update returned to its champions.")).to_be_visible()

    champion.goto("/")
    expect(champion.get_by_text("Returned to you")).to_be_visible()
    champion.get_by_role("link", name="Change the update").click()
    expect(champion.get_by_text("Please give the workshop's date.")).to_be_visible()
    champion.get_by_label("Corrective action").fill("A workshop with partners on 9 March.")
    champion.get_by_role("button", name="Submit for approval").click()

    admin.goto(f"/recommendations/{RECOMMENDATION}")
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("Update approved.")).to_be_visible()

    admin.goto("/plans/1")
    row = admin.locator("table.app-plan-table tbody tr").nth(RECOMMENDATION - 1)
    expect(row).to_contain_text("2022/23 Q4")
    expect(row).to_contain_text("Red")
    expect(row).to_contain_text("The diversity plan has stalled.")
    screenshot(admin, "plan-after-approval")

    admin.get_by_role("link", name="Dashboard for 2022/23 Q4").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("2022/23 Q4")
    expect(admin.locator("main")).to_contain_text("A workshop with partners on 9 March.")
    screenshot(admin, "dashboard-after-approval")
    admin.goto("/plans/1")
    admin.get_by_role("link", name="Dates for 2022/23 Q4, and closing it").click()
    admin.get_by_role("button", name="Close 2022/23 Q4").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Close 2022/23 Q4?")
    admin.get_by_role("button", name="Close 2022/23 Q4 and open 2023/24 Q1").click()
    expect(admin.get_by_text("2022/23 Q4 is closed. 2023/24 Q1 is now open")).to_be_visible()
    expect(admin.get_by_role("heading", level=1)).to_have_text("2023/24 Q1")

    champion.goto(f"/recommendations/{RECOMMENDATION}")
    expect(champion.get_by_role("heading", name="This quarter: 2023/24 Q1")).to_be_visible()
    history = champion.locator("table").last
    expect(history).to_contain_text("A workshop with partners on 9 March.")
    champion.goto("/")
    expect(champion.get_by_text("2023/24 Q1").first).to_be_visible()
