"""Evidence in a real browser: a champion attaches a file to a draft, then replaces it with
another, and sees the new one listed and the old one gone, on a phone as on a desktop."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import expect_no_serious_accessibility_problems
from tests.test_evidence import png_bytes

RECOMMENDATION = 2  # Spencer Hunt, the demo champion, champions it
PHONE = {"width": 390, "height": 844}
FIGURES = b"Month,Attendance\r\nJanuary,41\r\nFebruary,44\r\nMarch,-\r\n"


@pytest.fixture(scope="module")
def app_settings(demo_database) -> dict:
    """Evidence kept beside the module's database (not in the project's instance folder)."""
    return {"EVIDENCE_FOLDER": str(demo_database.parent / "evidence")}


def attached(page: Page):
    return page.locator("#evidence-attached")


@pytest.mark.browser
def test_a_champion_replaces_a_file_on_a_draft(page_as, demo_database, tmp_path, axe, screenshot):
    chart = tmp_path / "Attendance chart.png"
    chart.write_bytes(png_bytes(3, 2))
    figures = tmp_path / "Attendance figures.csv"
    figures.write_bytes(FIGURES)
    champion = page_as("champion")
    champion.goto(f"/recommendations/{RECOMMENDATION}/update")
    champion.get_by_label("Progress this quarter").fill("Attendance at the panel is up.")
    champion.get_by_label("Add files").set_input_files(chart)
    champion.get_by_role("button", name="Save as a draft").last.click()
    expect(champion.get_by_text("Your draft is saved.")).to_be_visible()

    champion.goto(f"/recommendations/{RECOMMENDATION}/update")
    expect(attached(champion)).to_contain_text("Attendance chart.png")
    expect_no_serious_accessibility_problems(champion, axe)
    section = champion.locator("#evidence-title")
    section.scroll_into_view_if_needed()
    screenshot(champion, "evidence-section-desktop")
    champion.set_viewport_size(PHONE)
    screenshot(champion, "evidence-section-390px")
    expect_no_serious_accessibility_problems(champion, axe)

    champion.get_by_label("Or replace Attendance chart.png with").set_input_files(figures)
    champion.get_by_role("button", name="Save as a draft").last.click()
    expect(champion.get_by_text("Your draft is saved.")).to_be_visible()

    champion.goto(f"/recommendations/{RECOMMENDATION}/update")
    expect(attached(champion)).to_contain_text("Attendance figures.csv")
    expect(attached(champion)).not_to_contain_text("Attendance chart.png")
    download = attached(champion).get_by_role("link", name="Attendance figures.csv")
    with champion.expect_download() as waiting:
        download.click()
    assert waiting.value.suggested_filename == "Attendance figures.csv"

    # The history keeps the first draft's file by name, with who took it off; its bytes are
    # gone, since no submitted update ever carried it.
    champion.goto(f"/recommendations/{RECOMMENDATION}/history")
    expect(champion.locator("main")).to_contain_text(
        "Attendance chart.png, replaced by Attendance figures.csv"
    )
    expect(champion.locator("main")).to_contain_text("Removed on")
    expect(champion.get_by_role("link", name="Attendance chart.png")).to_have_count(0)
    assert len(list((demo_database.parent / "evidence").iterdir())) == 1


@pytest.mark.browser
def test_an_administrator_sets_the_boards_evidence_limit(page_as, axe, screenshot):
    admin = page_as("administrator")
    admin.goto("/plans/1")
    admin.get_by_role("link", name="Evidence storage").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Evidence storage")
    expect(admin.locator("#evidence-usage")).to_contain_text("of 2048 MB used")
    admin.get_by_label("The board's limit").fill("five hundred")
    admin.get_by_role("button", name="Save the limit").click()
    expect(admin.locator(".govuk-error-summary")).to_contain_text("whole number of megabytes")
    expect_no_serious_accessibility_problems(admin, axe)
    admin.get_by_label("The board's limit").fill("500")
    admin.get_by_role("button", name="Save the limit").click()
    expect(admin.get_by_text("The board's evidence limit is saved.")).to_be_visible()
    expect(admin.locator("#evidence-usage")).to_contain_text("of 500 MB used")
    expect_no_serious_accessibility_problems(admin, axe)
    screenshot(admin, "evidence-storage")
