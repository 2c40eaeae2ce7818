"""A share link in a real browser: the head of service makes one for the scrutiny panel, a
panel member with no account opens it, and it stops working when revoked or expired."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tracker.db import open_database
from tracker.uk_time import uk_today

pytestmark = pytest.mark.browser

PLAN_TITLE = "North East Lincolnshire Youth Justice Services HMIP improvement plan 2022-2023"
PUBLISHED_TEXT = "A survey of children, parents and carers"
REFUSED = "This link does not work"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe() -> Axe:
    """axe-core, loaded once."""
    return Axe()


def make_a_link(admin: Page, label: str) -> str:
    """Make a share link through the real form and copy it from the page."""
    admin.goto("/plans/1")
    admin.get_by_role("link", name="Share links for the scrutiny panel").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Share links for the scrutiny panel")
    admin.get_by_label("Who the link is for").fill(label)
    default = (uk_today() + timedelta(days=30)).isoformat()
    expect(admin.get_by_label("Last day it works")).to_have_value(default)
    admin.get_by_role("button", name="Make a share link").click()
    expect(admin.get_by_role("heading", name=f"Link made for {label}")).to_be_visible()
    return admin.locator("#new-share-link").inner_text().strip()


def link_row(admin: Page, label: str):
    admin.goto("/plans/1/share-links")
    return admin.locator("tbody tr").filter(has=admin.get_by_role("rowheader", name=label))


def expect_no_serious_accessibility_problems(page: Page, axe: Axe) -> None:
    violations = axe.run(page).response["violations"]
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}; first at {v['nodes'][0]['target']}"
        for v in violations
        if v["impact"] in SERIOUS
    ]
    assert not problems, "\n".join(problems)


def expect_refused(page: Page, status: int) -> None:
    assert status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(REFUSED)
    expect(page.get_by_text("Ask the person who sent it for a new one")).to_be_visible()
    expect(page.get_by_text(PUBLISHED_TEXT)).to_have_count(0)


def test_a_panel_member_opens_a_share_link_until_it_is_revoked(
    job_worker, new_context, sign_in, base_url, axe, screenshot
):
    admin = new_context().new_page()
    sign_in(admin, "administrator")
    label = "Children and Lifelong Learning Scrutiny Panel, November"
    link = make_a_link(admin, label)
    assert re.fullmatch(rf"{re.escape(base_url)}/shared/[A-Za-z0-9_-]{{43}}", link), link
    screenshot(admin, "share-link-made")

    panel_member = new_context()
    assert panel_member.cookies() == []
    visitor = panel_member.new_page()
    response = visitor.goto(link)
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in response.headers["x-robots-tag"]
    expect(visitor.get_by_role("heading", level=1)).to_have_text(PLAN_TITLE)
    expect(visitor.get_by_text("Published progress as at 2022/23 Q3")).to_be_visible()
    expect(visitor.locator("table.app-plan-table tbody tr")).to_have_count(10)
    visitor.locator("#recommendation-1 th a").click()
    expect(visitor.locator("#history-1")).to_be_in_viewport()
    expect(visitor.locator("#history-1")).to_contain_text(PUBLISHED_TEXT)
    expect(visitor.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(visitor.locator("form")).to_have_count(0)
    screenshot(visitor, "share-link-opened")
    expect_no_serious_accessibility_problems(visitor, axe)

    # The first visitor to ask has the pack made by the job worker, on a page that follows it.
    visitor.get_by_role("link", name=re.compile(r"^Download the scrutiny pack")).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Your board pack is ready", timeout=60_000
    )
    expect(visitor.get_by_role("status")).to_contain_text("pages")
    expect_no_serious_accessibility_problems(visitor, axe)
    with visitor.expect_download(timeout=60_000) as download:
        visitor.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == "scrutiny-pack-2022-23-q3.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    row = link_row(admin, label)
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text("Never")
    row.get_by_role("button", name=re.compile(r"^Revoke")).click()
    expect(admin.get_by_text(f"The link for {label} is revoked")).to_be_visible()
    expect(link_row(admin, label)).to_contain_text("Revoked")

    refused = visitor.reload()
    expect_refused(visitor, refused.status)
    expect_no_serious_accessibility_problems(visitor, axe)


def test_an_expired_share_link_is_refused(new_context, sign_in, demo_database):
    admin = new_context().new_page()
    sign_in(admin, "administrator")
    label = "Scrutiny panel, last quarter"
    link = make_a_link(admin, label)
    visitor = new_context().new_page()
    assert visitor.goto(link).status == 200

    db = open_database(demo_database)
    try:
        yesterday = (uk_today() - timedelta(days=1)).isoformat()
        db.execute("UPDATE share_links SET expires_on = ? WHERE label = ?", [yesterday, label])
    finally:
        db.close()

    expect_refused(visitor, visitor.reload().status)
    expect(link_row(admin, label)).to_contain_text("Expired")
