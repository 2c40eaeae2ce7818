"""The published view in a real browser: it reflows on a 390 px phone without the page
scrolling sideways (WCAG 1.4.10), prints on A4 landscape with every column and never the
share link's address, and it and the other pages changed with it have no serious
accessibility problems."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import expect_no_serious_accessibility_problems
from tracker.audit import Actor
from tracker.db import open_database
from tracker.scrutiny import links
from tracker.uk_time import uk_today

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
COLUMNS = (
    "Recommendations",
    "Key lines of enquiry in report",
    "Board champion",
    "Youth Justice Service champion",
    "Progress",
)
A4_LANDSCAPE = (841.89, 595.28)  # points
WITHDRAWN = 10  # withdrawn in the published quarter, so the view shows one


@pytest.fixture(scope="module")
def token(demo_database) -> str:
    """A working share link to the demo plan, with one recommendation withdrawn."""
    db = open_database(demo_database)
    try:
        db.execute(
            "UPDATE recommendations SET withdrawn_at = '2022-12-01T10:00:00Z',"
            " withdrawn_in_quarter = '2022/23 Q3', withdrawn_reason = 'Merged into 9'"
            " WHERE id = ?",
            [WITHDRAWN],
        )
        return links.make_link(
            db, 1, "Scrutiny panel", uk_today() + timedelta(days=30), Actor(1, 1)
        )
    finally:
        db.close()


def open_as(new_context, signed_in_states, role: str | None, viewport: dict) -> Page:
    state = {"storage_state": signed_in_states(role)} if role else {}
    return new_context(viewport=viewport, **state).new_page()


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def published_url(opened_by: str, token: str) -> str:
    return f"/shared/{token}" if opened_by == "share link" else "/plans/1/published"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("opened_by", ["scrutiny", "share link"])
def test_the_published_view_fits_the_screen_and_is_accessible(
    new_context, signed_in_states, token, axe, screenshot, opened_by, viewport
):
    role = "scrutiny" if opened_by == "scrutiny" else None
    page = open_as(new_context, signed_in_states, role, viewport)
    assert page.goto(published_url(opened_by, token)).status == 200
    expect(page.get_by_role("heading", name="At a glance: 2022/23 Q3")).to_be_visible()
    expect(page.locator("#recommendation-10")).to_contain_text("Withdrawn")
    screenshot(page, f"published-view-{opened_by}-{viewport['width']}")
    assert page_width(page) <= viewport["width"]
    expect_no_serious_accessibility_problems(page, axe)


def test_on_a_phone_each_recommendation_is_a_card_with_its_columns_named(
    new_context, signed_in_states
):
    page = open_as(new_context, signed_in_states, "scrutiny", PHONE)
    page.goto("/plans/1/published")
    row = page.locator("#recommendation-1")
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert [label.split('"')[1] for label in labels] == list(COLUMNS[1:])
    expect(page.locator(".app-plan-table thead")).not_to_be_in_viewport()
    # On a desktop the table keeps its header row.
    wide = open_as(new_context, signed_in_states, "scrutiny", DESKTOP)
    wide.goto("/plans/1/published")
    for column in COLUMNS:
        expect(wide.get_by_role("columnheader", name=column, exact=True)).to_be_visible()


def test_printed_it_is_a4_landscape_with_every_column_and_never_the_links_address(
    new_context, token, tmp_path, screenshot_folder
):
    page = open_as(new_context, None, None, DESKTOP)
    page.goto(f"/shared/{token}")
    page.emulate_media(media="print")
    for hidden in ("header", "footer", ".app-quarter-switcher", ".app-no-print"):
        expect(page.locator(hidden).first).to_be_hidden()
    for column in COLUMNS:
        expect(page.get_by_role("columnheader", name=column, exact=True)).to_be_visible()
    after_links = page.locator("a[href]").evaluate_all(
        "links => links.map(link => getComputedStyle(link, '::after').content)"
    )
    assert set(after_links) <= {"none", "normal"}

    # No page margin, so a browser has no room to print its own header and footer, which
    # would show the page's address.
    margins = page.evaluate(
        """[...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
            .filter(rule => rule instanceof CSSPageRule).map(rule => rule.style.margin)"""
    )
    assert margins and set(margins) == {"0px"}

    pdf = page.pdf(prefer_css_page_size=True)
    if screenshot_folder:
        Path(screenshot_folder, "published-view-printed.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    for number, pdf_page in enumerate(reader.pages, start=1):
        size = (float(pdf_page.mediabox.width), float(pdf_page.mediabox.height))
        assert size == pytest.approx(A4_LANDSCAPE, abs=1), number
    text = " ".join(pdf_page.extract_text() for pdf_page in reader.pages)
    assert " ".join(text.split()).count("Youth Justice Service champion") >= 2  # header repeats
    for column in COLUMNS:
        assert column in " ".join(text.split()), column
    assert token not in text and "/shared/" not in text and "127.0.0.1" not in text


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("scrutiny", "/"),
        ("administrator", "/plans/1/dashboard"),
        ("administrator", "/plans/1/pack/preview?quarter=2022/23%20Q4"),
        ("champion", "/plans/1"),
    ],
    ids=[
        "home-with-the-glance",
        "dashboard-carrying-forward",
        "pack-carrying-forward",
        "plan-page-reflowing",
    ],
)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_other_changed_pages_are_accessible(
    new_context, signed_in_states, token, axe, screenshot, role, path, viewport
):
    page = open_as(new_context, signed_in_states, role, viewport)
    assert page.goto(path).status == 200
    screenshot(page, f"changed-{path.strip('/').replace('/', '-') or 'home'}-{viewport['width']}")
    expect_no_serious_accessibility_problems(page, axe)
    if role == "scrutiny":  # the panel's home, which opens with the published view's glance
        expect(page.get_by_role("heading", name="At a glance: 2022/23 Q3")).to_be_visible()
    if role in ("scrutiny", "champion"):  # pages that reflow, the plan's own page among them
        assert page_width(page) <= viewport["width"]
