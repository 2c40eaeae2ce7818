"""A champion's session ends while they write an update: they sign in again and their text
is there, with JavaScript (kept as they typed) and without (carried through signing in)."""

import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    EMAIL_OF_ROLE,
    expect_no_serious_accessibility_problems,
    sign_in_through_the_form,
)
from tracker.auth import accounts
from tracker.demo import DEMO_PASSWORD

RECOMMENDATION = 2  # Spencer Hunt, the demo champion, champions it
CHAMPION = 2
FORM = f"/recommendations/{RECOMMENDATION}/update"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def end_the_session(database) -> None:
    """The champion's session goes unused for longer than the idle timeout."""
    long_ago = accounts.timestamp(accounts.now() - timedelta(hours=3))
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("UPDATE sessions SET last_used_at = ? WHERE user_id = ?", [long_ago, CHAMPION])


def working_copies(database) -> list[tuple]:
    with closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT user_id, recommendation_id FROM working_copies").fetchall()


def sign_in_on_this_page(page: Page) -> None:
    page.locator("#email").fill(EMAIL_OF_ROLE["champion"])
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def look_at_both_widths(page: Page, screenshot, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("390px", PHONE)):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_text_typed_as_the_session_ends_is_in_the_form_after_signing_in_again(
    new_context, sign_in, demo_database, axe, screenshot
):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "champion")
    page.goto(FORM)
    page.get_by_label("Amber").check()
    page.get_by_label("Progress this quarter").fill("The audit of disproportionality is half done.")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Saved as you type at ")
    assert working_copies(demo_database) == [(CHAMPION, RECOMMENDATION)]

    end_the_session(demo_database)
    page.get_by_label("Next steps").fill("Report to the board in March.")
    page.get_by_label("Progress this quarter").focus()
    expect(status).to_contain_text("Could not keep a copy: you have been signed out.")
    page.get_by_role("button", name="Save as a draft").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(
        page.get_by_text("You were signed out, so your update has not been saved yet.")
    ).to_be_visible()
    sign_in_on_this_page(page)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Update on recommendation 2")
    banner = page.locator("#kept-banner")
    expect(banner).to_contain_text("We kept what you were typing on ")
    expect(banner).to_contain_text("It is not saved yet.")
    expect(page.get_by_label("Progress this quarter")).to_have_value(
        "The audit of disproportionality is half done."
    )
    expect(page.get_by_label("Next steps")).to_have_value("Report to the board in March.")
    expect(page.get_by_label("Amber")).to_be_checked()
    expect_no_serious_accessibility_problems(page, axe)
    banner.scroll_into_view_if_needed()
    look_at_both_widths(page, screenshot, "kept-text-banner")

    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    assert working_copies(demo_database) == []


@pytest.mark.browser
def test_without_javascript_text_sent_after_the_session_ended_survives_signing_in(
    new_context, demo_database
):
    kept_before = working_copies(demo_database)
    page = new_context(java_script_enabled=False).new_page()
    sign_in_through_the_form(page, "champion")
    page.goto(FORM)
    page.get_by_label("Progress this quarter").fill("Written without JavaScript.")
    end_the_session(demo_database)
    page.get_by_role("button", name="Submit for approval").click()

    expect(
        page.get_by_text("You were signed out, so your update has not been saved yet.")
    ).to_be_visible()
    # Nothing is stored for a request no one is signed in for.
    assert working_copies(demo_database) == kept_before
    sign_in_on_this_page(page)

    expect(page.locator("#kept-banner")).to_contain_text("It is not saved yet.")
    expect(page.get_by_label("Progress this quarter")).to_have_value("Written without JavaScript.")
    page.get_by_role("button", name="Discard it").click()
    expect(page.get_by_text("The text you were typing has been discarded.")).to_be_visible()
    expect(page.get_by_label("Progress this quarter")).not_to_have_value(
        "Written without JavaScript."
    )
    assert working_copies(demo_database) == []
