"""Fixtures for the browser tests: the demo served over real HTTP, and Debian's Chromium.

One Chromium serves the whole session; each test module gets its own demo database and
server; each test gets a fresh browser context, so no cookies carry over between tests.
CSRF protection stays on: every form goes through the app exactly as it would in use.
"""

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tracker import create_app
from tracker.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL_OF_ROLE = {role: email for email, _name, role, _person in DEMO_ACCOUNTS}
SCREENSHOTS_VARIABLE = "TRACKER_SCREENSHOTS"
# What axe-core finds that fails a page: WCAG problems that stop or seriously hinder someone.
SERIOUS = frozenset({"serious", "critical"})


class QuietRequestHandler(WSGIRequestHandler):
    """Serves requests without logging each one, so a failing test's output stays readable."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, started once for the whole session."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("the browser tests need Debian's chromium package (make test installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory, demo_database_template) -> Path:
    """A fresh copy of the demo database, one for each test module."""
    path = tmp_path_factory.mktemp("browser") / "tracker.db"
    shutil.copy(demo_database_template, path)
    return path


@pytest.fixture(scope="module")
def app_settings() -> dict:
    """Settings of the module's app beside the usual ones: a module overrides this fixture to
    change some (a short idle timeout, say)."""
    return {}


@pytest.fixture(scope="module")
def base_url(demo_database, app_settings) -> Iterator[str]:
    """The app on the module's demo database, served from a thread; yields its address."""
    app = create_app(
        {
            "DATABASE": str(demo_database),
            "SECRET_KEY": "test",
            "TESTING": False,
            "MAIL_FOLDER": str(demo_database.parent / "mail"),
        }
        | app_settings
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="tracker-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def job_worker(demo_database) -> Iterator[None]:
    """The background job worker (`flask run-jobs`, its own process) on the module's database,
    for journeys that wait on a job such as a board pack."""
    from tests.test_jobs import Worker

    worker = Worker(demo_database, {"TRACKER_JOBS_RETRY_DELAY": "0"})
    worker.start()
    yield
    worker.stop()


def _follow_the_reading(page: Page, axe: Axe | None, button: str, what: str, **pages) -> None:
    """Press `button` and go on once the job worker has read the upload: the page that follows
    the reading (its address has pages["reading"]) says "Your <what> has been read" and moves
    the focus to pages["next"], unless the upload was read first; either way the page headed
    pages["heading"] follows, at an address with pages["review"]."""
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(rf"/({pages['reading']}|{pages['review']})/\d+$"))
    if f"/{pages['reading']}/" in page.url:
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Your {what} has been read", timeout=60_000
        )
        if axe is not None:
            expect_no_serious_accessibility_problems(page, axe)
        next_step = page.get_by_role("link", name=pages["next"])
        expect(next_step).to_be_focused()
        next_step.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(pages["heading"])


def read_the_report(page: Page, axe: Axe | None = None) -> None:
    """Press "Read the report" and go on to the draft plan once the job worker has read it."""
    _follow_the_reading(
        page,
        axe,
        "Read the report",
        "report",
        reading="reports/reading",
        review="imports",
        next="Review the draft plan",
        heading="Check the draft plan",
    )


def read_the_plan(page: Page, axe: Axe | None = None) -> None:
    """Press "Read the plan" and go on to checking how it will be read once the job worker has
    read it."""
    _follow_the_reading(
        page,
        axe,
        "Read the plan",
        "plan",
        reading="plans/import/reading",
        review="plan-imports",
        next="Check how the plan will be read",
        heading="Check how the plan will be read",
    )


@pytest.fixture
def new_context(browser, base_url) -> Iterator[Callable[..., BrowserContext]]:
    """Open fresh browser contexts on the app (keyword arguments go to Playwright); all are
    closed when the test ends."""
    contexts: list[BrowserContext] = []

    def open_context(**options) -> BrowserContext:
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    """A page in a fresh browser context that has not signed in."""
    return new_context().new_page()


def sign_in_through_the_form(page: Page, role: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in as the demo account with `role` by filling in the sign-in page."""
    page.goto("/sign-in")
    page.locator("#email").fill(EMAIL_OF_ROLE[role])
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def sign_in() -> Callable[[Page, str], None]:
    """Sign a page in as the demo account with the given role, through the real form, and
    check it arrived at "Your plans"."""

    def sign_in_as(page: Page, role: str) -> None:
        sign_in_through_the_form(page, role)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your plans")

    return sign_in_as


@pytest.fixture(scope="module")
def signed_in_states(browser, base_url, tmp_path_factory) -> Callable[[str], Path]:
    """The cookies of a session signed in as each role, made once per module on first use, so
    tests that only look at pages need not sign in again. Never sign these sessions out."""
    folder = tmp_path_factory.mktemp("signed-in")
    states: dict[str, Path] = {}

    def state_of(role: str) -> Path:
        if role not in states:
            context = browser.new_context(base_url=base_url)
            try:
                page = context.new_page()
                sign_in_through_the_form(page, role)
                expect(page.get_by_role("heading", level=1)).to_have_text("Your plans")
                path = folder / f"{role}.json"
                context.storage_state(path=path)
                states[role] = path
            finally:
                context.close()
        return states[role]

    return state_of


@pytest.fixture
def page_as(new_context, signed_in_states) -> Callable[[str | None], Page]:
    """A page in a fresh context, signed in as the demo account with the given role, or not
    signed in at all for None."""

    def open_page(role: str | None) -> Page:
        if role is None:
            return new_context().new_page()
        return new_context(storage_state=signed_in_states(role)).new_page()

    return open_page


@pytest.fixture(scope="session")
def screenshot_folder() -> Path | None:
    """Where to save screenshots: the folder named by TRACKER_SCREENSHOTS, or None to save
    nothing."""
    folder = os.environ.get(SCREENSHOTS_VARIABLE)
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def screenshot(screenshot_folder) -> Callable[[Page, str], Path | None]:
    """Save a full-page PNG of a page under a name, when TRACKER_SCREENSHOTS is set."""

    def save(page: Page, name: str) -> Path | None:
        if screenshot_folder is None:
            return None
        path = screenshot_folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.fixture(scope="session")
def axe() -> Axe:
    """axe-core, loaded once."""
    return Axe()


def expect_no_serious_accessibility_problems(page: Page, axe: Axe) -> None:
    """Fail naming each serious or critical problem axe-core finds on the page."""
    violations = axe.run(page).response["violations"]
    problems = [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}; first at {v['nodes'][0]['target']}"
        for v in violations
        if v["impact"] in SERIOUS
    ]
    assert not problems, "\n".join(problems)
