"""The board pack in a real browser: preview it, download the PDF, and the kept pack."""

import hashlib

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import expect_no_serious_accessibility_problems


@pytest.mark.browser
def test_the_head_of_service_previews_and_downloads_the_pack(
    page_as, tmp_path, screenshot, axe, job_worker
):
    page = page_as("administrator")
    page.goto("/plans/1")
    page.get_by_role("link", name="Board pack: PDF, preview, Excel and Word").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Board pack")
    page.get_by_label("Progress as at").select_option("2022/23 Q3")
    page.get_by_label("Board pack", exact=True).check()
    screenshot(page, "pack-choose")

    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("HMIP improvement plan")
    expect(page.get_by_text("Progress as at 2022/23 Q3").first).to_be_visible()
    expect(page.get_by_role("heading", name="Exceptions: Red and Amber")).to_be_visible()
    screenshot(page, "pack-preview")

    # The job worker makes the pack while a page follows it, updating itself.
    page.get_by_role("link", name="Download this pack as a PDF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your board pack is ready", timeout=60_000
    )
    expect(page.get_by_role("status")).to_contain_text("pages")
    expect(page.get_by_role("link", name="Check again")).to_be_hidden()
    expect(page.get_by_role("link", name="Download the PDF")).to_be_focused()
    screenshot(page, "pack-ready")
    expect_no_serious_accessibility_problems(page, axe)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(pdf)
    assert pdf.name == "board-pack-2022-23-q3.pdf"
    assert "Page 1 of" in PdfReader(pdf).pages[0].extract_text()

    # 2022/23 Q3 is closed, so its pack was kept: the list shows it, and it downloads again
    # byte for byte.
    page.goto("/plans/1/pack")
    kept = page.get_by_role("region", name="Packs kept for closed quarters")
    expect(kept).to_contain_text("2022/23 Q3")
    expect(kept).to_contain_text("Paul Caswell")
    with page.expect_download() as again:
        kept.get_by_role("link", name="Download the board pack for 2022/23 Q3").click()
    second = tmp_path / "again.pdf"
    again.value.save_as(second)
    assert hashlib.sha256(second.read_bytes()).digest() == hashlib.sha256(pdf.read_bytes()).digest()


@pytest.mark.browser
def test_the_scrutiny_panel_gets_only_its_version_of_closed_quarters(page_as):
    page = page_as("scrutiny")
    page.goto("/plans/1/pack")
    quarters = page.get_by_label("Progress as at").locator("option").all_inner_texts()
    assert quarters == ["2022/23 Q3 (closed)"]
    expect(page.get_by_label("Board pack", exact=True)).to_have_count(0)
    page.get_by_label("Open the scrutiny panel's pack with a covering report").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Scrutiny panel: covering report")).to_be_visible()
    expect(page.get_by_text("Scrutiny panel pack").first).to_be_visible()
