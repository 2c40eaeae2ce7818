"""The head of service changes someone's details, then finds the change in the audit log, filters
to it and downloads it, in a real browser."""

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expect_no_serious_accessibility_problems

pytestmark = pytest.mark.browser

PLAN_TITLE = "North East Lincolnshire Youth Justice Services HMIP improvement plan 2022-2023"


def test_the_head_of_service_finds_a_change_in_the_audit_log_and_downloads_it(
    page, sign_in, axe, screenshot
):
    sign_in(page, "administrator")
    page.goto("/people/1/edit")
    page.get_by_label("Job title").fill("Chief Superintendent <b>Humberside</b>")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved")

    page.goto("/")
    page.get_by_role("link", name=PLAN_TITLE).click()
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_label("Who made the change").select_option(
        label=("Paul Caswell (head.of.service@demo.example.org)")
    )
    page.get_by_label("Kind of change").select_option(label="Changed")
    page.get_by_role("button", name="Apply filters").click()

    row = page.locator("tbody tr").filter(has_text="Changed a person")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Paul Condon")
    expect(row).to_contain_text("Job title:")
    expect(row).to_contain_text("Chief Superintendent <b>Humberside</b>")
    screenshot(page, "audit-log-filtered")
    expect_no_serious_accessibility_problems(page, axe)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this change as a CSV file").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert (
        json.loads(rows[0]["after JSON"])["job_title"] == "Chief Superintendent <b>Humberside</b>"
    )
