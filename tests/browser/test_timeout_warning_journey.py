"""GOV.UK's timeout warning on the update form: it appears before an idle session ends,
"Stay signed in" keeps the champion signed in, and when time runs out they sign in again and
find what they typed."""

import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import EMAIL_OF_ROLE, expect_no_serious_accessibility_problems
from tracker.auth import accounts
from tracker.demo import DEMO_PASSWORD

RECOMMENDATION = 2  # Spencer Hunt, the demo champion, champions it
CHAMPION = 2
FORM = f"/recommendations/{RECOMMENDATION}/update"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# The shortest idle timeout the tracker takes, with the warning half a minute before its end.
IDLE_SECONDS, WARN_BEFORE = 60, 30


@pytest.fixture(scope="module")
def app_settings() -> dict:
    return {"SESSION_IDLE_MINUTES": IDLE_SECONDS // 60, "SESSION_WARNING_SECONDS": WARN_BEFORE}


def last_used(database, seconds_ago: float | None = None) -> str:
    """When the champion's session was last used; first moved `seconds_ago` into the past."""
    with closing(sqlite3.connect(database)) as db, db:
        if seconds_ago is not None:
            moment = accounts.timestamp(accounts.now() - timedelta(seconds=seconds_ago))
            db.execute("UPDATE sessions SET last_used_at = ? WHERE user_id = ?", [moment, CHAMPION])
        return db.execute(
            "SELECT max(last_used_at) FROM sessions WHERE user_id = ?", [CHAMPION]
        ).fetchone()[0]


@pytest.fixture
def in_view(screenshot_folder):
    """Save what the browser window shows (a modal dialog over the page, not the whole page),
    when TRACKER_SCREENSHOTS is set."""

    def save(page: Page, name: str) -> None:
        if screenshot_folder is not None:
            page.screenshot(path=screenshot_folder / f"{name}.png")

    return save


def open_the_form_with_seconds_left(page: Page, database, seconds: int) -> None:
    last_used(database, seconds_ago=IDLE_SECONDS - seconds)
    page.goto(FORM)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Update on recommendation 2")


@pytest.mark.browser
def test_the_warning_appears_before_the_end_and_staying_signed_in_keeps_the_session(
    new_context, sign_in, demo_database, axe, in_view
):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "champion")
    open_the_form_with_seconds_left(page, demo_database, 20)

    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You will be signed out in ")
    expect(dialog).to_contain_text("We will keep what you have typed.")
    expect(dialog.get_by_role("heading")).to_be_focused()
    expect(page.locator("[data-announcement]")).to_contain_text("You will be signed out in ")
    expect_no_serious_accessibility_problems(page, axe)
    for label, size in (("390px", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        in_view(page, f"timeout-warning-{label}")
    page.set_viewport_size(DESKTOP)

    before = last_used(demo_database)
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    assert last_used(demo_database) > before
    # Past the moment the session would have ended, the champion is still signed in.
    page.wait_for_timeout(21_000)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Update on recommendation 2")


@pytest.mark.browser
def test_when_time_runs_out_they_sign_in_again_and_find_their_text(
    new_context, sign_in, demo_database
):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "champion")
    open_the_form_with_seconds_left(page, demo_database, WARN_BEFORE + 6)
    page.get_by_label("Progress this quarter").fill("Typed just before the session ended.")
    expect(page.locator("#autosave-status")).to_contain_text("Saved as you type at ")

    expect(page.get_by_role("dialog", name="You are about to be signed out")).to_be_visible(
        timeout=15_000
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign in", timeout=WARN_BEFORE * 1000 + 10_000
    )
    page.locator("#email").fill(EMAIL_OF_ROLE["champion"])
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#kept-banner")).to_contain_text("It is not saved yet.")
    expect(page.get_by_label("Progress this quarter")).to_have_value(
        "Typed just before the session ended."
    )
