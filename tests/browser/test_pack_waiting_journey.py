"""A board pack waiting for the job worker, seen without JavaScript: the page says where the
pack is and offers to check again. (No worker runs for this module, so the pack waits.)"""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_without_javascript_the_pack_page_offers_to_check_again(
    new_context, signed_in_states, screenshot
):
    context = new_context(
        java_script_enabled=False, storage_state=signed_in_states("administrator")
    )
    page = context.new_page()
    page.goto("/plans/1/pack/download?quarter=2022/23%20Q4&version=scrutiny")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your board pack is waiting to be made"
    )
    screenshot(page, "pack-waiting-without-javascript")
    expect(page.get_by_role("link", name="Check again")).to_be_visible()
    expect(page.get_by_role("link", name="Download the PDF")).to_be_hidden()
    page.get_by_role("link", name="Check again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your board pack is waiting to be made"
    )
