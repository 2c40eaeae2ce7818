"""A new installation in a real browser, from an empty database to a board in use.

The operator made with `flask create-operator` signs in, sets up two-factor sign-in, creates a
board and invites its head of service. Every email goes over SMTP to a real server, and each
person follows the link in their own browser: the head of service chooses a password, sets
up two-factor sign-in and invites three people from a CSV file; a champion forgets their
password and resets it; another champion is deactivated while signed in; and the first
champion becomes the administrator of a second board, keeping one account for both.
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.browser.conftest import QuietRequestHandler, expect_no_serious_accessibility_problems
from tests.conftest import Received, SmtpServer, start_smtp_server
from tracker import create_app
from tracker.db import open_database, scalar

pytestmark = pytest.mark.browser

SECRET_KEY = "a-long-test-secret-key-0123456789abcdef"
MAIL_WAIT_SECONDS = 10

OPERATOR = ("Olive Operator", "operator@example.org", "harbour lantern meadow 42")
HEAD = ("Hana Head", "hana.head@northshore.example.org", "copper kettle winter swan")
CHAMPION = ("Chris Champion", "chris.champion@northshore.example.org", "velvet orchard tide 7")
CHAMPION_NEW_PASSWORD = "granite puffin ladder 19"
SECOND_CHAMPION = ("Sam Second", "sam.second@northshore.example.org", "amber quarry fig moth")
PANEL_MEMBER = ("Pat Panel", "pat.panel@northshore.example.org", None)

BOARD = ("North Shore Youth Partnership Board", "North Shore Youth Justice Service", "North Shore")
SECOND_BOARD = ("South Vale Youth Justice Board", "South Vale Youth Justice Service", "South Vale")

WRONG_DETAILS = "The email address or password is not right"
NO_ACCESS = "Your account does not give access to any board at the moment"
TWO_FACTOR_QUESTION = "Must everyone on this board sign in with an authenticator app?"


class LateApp:
    """A WSGI app that hands each request to `app`, set once the server's port is known: the
    app's links in emails need the address it is served on, which the bound socket decides."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class Installation:
    """The app on an empty database, served over HTTP, with the SMTP server it sends to."""

    url: str
    database: Path
    app: Flask
    smtp: SmtpServer


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Iterator[Installation]:
    """A new installation: an empty database, mail over real SMTP, two factors required."""
    folder = tmp_path_factory.mktemp("new-installation")
    smtp = SmtpServer()
    controller = start_smtp_server(smtp)
    late = LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True, request_handler=QuietRequestHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    late.app = create_app(
        {
            "DATABASE": str(folder / "tracker.db"),
            "SECRET_KEY": SECRET_KEY,
            "TESTING": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "BASE_URL": url,
            "REQUIRE_TWO_FACTOR": True,
            "EVIDENCE_FOLDER": str(folder / "evidence"),
            # Everyone in this journey comes from 127.0.0.1, so accepting three invitations and
            # two password resets count against one address; in use each has their own.
            "RATE_LIMIT_PASSWORD_RESET": "20 per minute; 100 per hour",
        }
    )
    thread = threading.Thread(target=server.serve_forever, name="tracker-server", daemon=True)
    thread.start()
    yield Installation(url, folder / "tracker.db", late.app, smtp)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    controller.stop()


@pytest.fixture(scope="module")
def base_url(installation) -> str:
    """This module's installation instead of the demo, so `new_context` opens pages on it."""
    return installation.url


def expect_heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def expect_done(page: Page, message: str) -> None:
    """The green "Done" banner a completed action shows on the next page."""
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(message)


def banner_text(page: Page) -> str:
    """The text of the page's notification banners, or "" when it has none."""
    return " ".join(page.locator(".govuk-notification-banner").all_inner_texts())


def subject_of(message: Received) -> str:
    """The subject as a mail program shows it. A long subject may be folded onto the line
    after "Subject:", which leaves a space in front of it when unfolded."""
    return " ".join(message.message["Subject"].split())


def wait_for_message(smtp: SmtpServer, to: str, subject: str) -> Received:
    """The one message to `to` with `subject`, waiting for mail sent in the background."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while True:
        found = [m for m in smtp.received if m.rcpt_tos == [to] and subject_of(m) == subject]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    subjects = [subject_of(m) for m in smtp.received if m.rcpt_tos == [to]]
    assert len(found) == 1, (
        f"{len(found)} messages to {to} with the subject {subject!r}: {subjects}"
    )
    return found[0]


def link_in(message: Received, base_url: str, path: str) -> str:
    """The message's one link, which must lead to `path` on the tracker; the HTML part must
    offer the same link."""
    links = re.findall(r"https?://\S+", message.body)
    assert len(links) == 1, links
    link = links[0]
    assert re.fullmatch(rf"{re.escape(base_url)}{path}[A-Za-z0-9_-]{{43}}", link), link
    assert message.html is not None, "the message has no HTML part"
    assert f'href="{link}"' in message.html
    return link


def sign_in_with_password(page: Page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def choose_password(page: Page, password: str) -> None:
    page.get_by_label("Create a password", exact=True).fill(password)
    page.get_by_label("Confirm your password", exact=True).fill(password)


def set_up_two_factor(page: Page, axe: Axe, screenshot, name: str) -> str:
    """Set up two-factor sign-in on the page the person was sent to, with the code an
    authenticator app would show for the key on the page; returns the key."""
    expect_heading(page, "Set up two-factor sign-in")
    expect(page.get_by_text("Your role needs a second step when you sign in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    key = page.locator("#secret-key").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", key), key
    expect_no_serious_accessibility_problems(page, axe)
    screenshot(page, f"{name}-two-factor-set-up")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(key.replace(" ", "")).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10, codes
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes), codes
    assert len(set(codes)) == 10
    screenshot(page, f"{name}-recovery-codes")
    page.get_by_role("link", name="Continue").click()
    expect_heading(page, "Your plans")
    return key


def accept_invitation(page: Page, link: str, password: str, axe: Axe | None = None) -> None:
    """Open the invitation's link, choose a password and create the account."""
    assert page.goto(link).status == 200
    expect_heading(page, "Create your account")
    if axe is not None:
        expect_no_serious_accessibility_problems(page, axe)
    choose_password(page, password)
    page.get_by_role("button", name="Create account").click()


def create_board(page: Page, board: tuple[str, str, str], axe: Axe, screenshot) -> None:
    """From the operator's list of boards, create a board; ends on the invitation form."""
    name, service, council = board
    page.get_by_role("link", name="Boards").click()
    expect_heading(page, "Boards on this installation")
    page.get_by_role("link", name="Create a board").click()
    expect_heading(page, "Create a board")
    expect_no_serious_accessibility_problems(page, axe)
    page.get_by_label("Board name").fill(name)
    page.get_by_label("Youth justice service").fill(service)
    page.get_by_label("Council or area (optional)").fill(council)
    screenshot(page, "operator-create-board")
    page.get_by_role("button", name="Save").click()
    expect_heading(page, "Invite an administrator")
    expect_done(page, f"{name} created. Now invite its first administrator.")
    expect(page.locator(".govuk-caption-l")).to_have_text(name)


def invite_administrator(page: Page, person: tuple, axe: Axe, screenshot) -> None:
    expect_no_serious_accessibility_problems(page, axe)
    page.get_by_label("Full name").fill(person[0])
    page.get_by_label("Email address").fill(person[1])
    screenshot(page, "operator-invite-administrator")
    page.get_by_role("button", name="Send invitation").click()


def check_radios_are_labelled(page: Page, question: str, failures: list[str]) -> None:
    """The page's radio buttons are a group named by their question, which is shown, so a
    screen reader says what is being chosen; a failure is added to `failures`."""
    if page.get_by_role("group", name=question).count() != 1:
        legends = page.locator("fieldset legend").all_inner_texts()
        failures.append(
            f"{page.url}: the radio buttons should be a group with the visible question "
            f"{question!r}; the page's fieldset legends are {legends!r}"
        )


def row_of(page: Page, table_caption: str, email: str):
    table = page.locator("table").filter(has=page.locator("caption", has_text=table_caption))
    return table.locator("tbody tr").filter(has_text=email)


def write_people_file(folder: Path) -> Path:
    path = folder / "north-shore-people.csv"
    path.write_text(
        "Name,Email address,Organisation,Job title,Role\n"
        f"{CHAMPION[0]},{CHAMPION[1]},North Shore Council,Head of early help,Champion\n"
        f"{SECOND_CHAMPION[0]},{SECOND_CHAMPION[1]},North Shore Police,Inspector,Champion\n"
        f"{PANEL_MEMBER[0]},{PANEL_MEMBER[1]},North Shore Council,Councillor,Scrutiny\n",
        encoding="utf-8",
    )
    return path


def accounts_with_email(database: Path, email: str) -> int:
    """How many accounts the database holds for this address, in any case."""
    db = open_database(database)
    try:
        return scalar(db, "SELECT count(*) FROM users WHERE email = ? COLLATE NOCASE", email)
    finally:
        db.close()


def test_a_new_installation_is_set_up_and_its_board_put_to_use(
    installation: Installation,
    new_context: Callable,
    axe: Axe,
    screenshot,
    tmp_path: Path,
):
    url, smtp = installation.url, installation.smtp
    # Problems with what a page says (a missing message, an unnamed group of radio buttons)
    # are collected here and checked at the end, so they do not hide whether the rest of the
    # journey works.
    later: list[str] = []

    # 1. The operator, made by the command on the empty database, signs in and must set up
    # two-factor sign-in before anything else.
    assert accounts_with_email(installation.database, OPERATOR[1]) == 0
    made = installation.app.test_cli_runner().invoke(
        args=["create-operator", OPERATOR[1], "--name", OPERATOR[0]],
        env={"TRACKER_PASSWORD": OPERATOR[2]},
    )
    assert made.exit_code == 0, made.output
    assert f"Created the operator {OPERATOR[1]}" in made.output
    operator = new_context().new_page()
    sign_in_with_password(operator, OPERATOR[1], OPERATOR[2])
    expect(operator).to_have_url(f"{url}/account/two-factor")
    operator.goto("/operator")  # nothing else opens until two factors are set up
    expect(operator).to_have_url(f"{url}/account/two-factor")
    set_up_two_factor(operator, axe, screenshot, "operator")

    # 2. The operator creates the board and invites its head of service.
    operator.get_by_role("link", name="Boards").click()
    expect_heading(operator, "Boards on this installation")
    expect(operator.get_by_text("There are no boards yet")).to_be_visible()
    expect(operator.get_by_text("No mail server is set")).to_have_count(0)
    expect_no_serious_accessibility_problems(operator, axe)
    create_board(operator, BOARD, axe, screenshot)
    invite_administrator(operator, HEAD, axe, screenshot)
    expect_heading(operator, BOARD[0])
    expect_done(operator, f"Invitation sent to {HEAD[1]}.")
    expect(row_of(operator, "Administrators", HEAD[1])).to_contain_text("Invited")
    operator.get_by_role("link", name="Back to boards").click()
    board_row = operator.locator("tbody tr").filter(has_text=BOARD[0])
    expect(board_row.locator("td")).to_have_text(
        [BOARD[1], BOARD[2], "0", "1", re.compile("."), "In use"]
    )
    screenshot(operator, "operator-boards")
    expect_no_serious_accessibility_problems(operator, axe)

    # 3. The head of service's invitation arrives; they create their account and, as an
    # administrator, set up two-factor sign-in.
    invitation = wait_for_message(
        smtp, HEAD[1], f"You have been invited to {BOARD[0]}'s improvement plan"
    )
    assert "as administrator" in invitation.body
    assert OPERATOR[0] in invitation.body
    head = new_context().new_page()
    accept_invitation(head, link_in(invitation, url, "/invitations/accept/"), HEAD[2], axe)
    set_up_two_factor(head, axe, screenshot, "administrator")
    expect(head.locator(".app-header__user-name")).to_have_text(f"{HEAD[0]}, Administrator")

    # 4. The head of service invites three people from a file.
    head.get_by_role("link", name="Users").click()
    expect_heading(head, "Users")
    expect(row_of(head, "People with access", HEAD[1])).to_contain_text("Administrator")
    expect_no_serious_accessibility_problems(head, axe)
    check_radios_are_labelled(head, TWO_FACTOR_QUESTION, later)
    head.get_by_role("link", name="Invite several people from a file").click()
    expect_heading(head, "Invite several people from a file")
    head.get_by_label("Upload a CSV or Excel file").set_input_files(write_people_file(tmp_path))
    head.get_by_role("button", name="Check the file").click()
    expect_heading(head, "Check the people to invite")
    expect(head.get_by_text("3 people from north-shore-people.csv will be invited")).to_be_visible()
    expect(head.locator(".govuk-error-summary")).to_have_count(0)
    rows = head.locator("tbody tr")
    expect(rows).to_have_count(3)
    for number, (person, role) in enumerate(
        [(CHAMPION, "Champion"), (SECOND_CHAMPION, "Champion"), (PANEL_MEMBER, "Scrutiny panel")],
        start=2,
    ):
        row = head.locator(f"#row-{number}")
        expect(row.locator("td").nth(1)).to_have_text(person[0])
        expect(row.locator("td").nth(2)).to_have_text(person[1])
        expect(row.locator("td").nth(5)).to_contain_text(role)
        expect(row.locator("td").nth(6)).to_have_text("None")
    screenshot(head, "invite-many-preview")
    expect_no_serious_accessibility_problems(head, axe)
    head.get_by_role("button", name="Send the invitations").click()
    expect_heading(head, "Users")
    expect_done(head, "3 invitations on the way.")
    for person in (CHAMPION, SECOND_CHAMPION, PANEL_MEMBER):
        expect(row_of(head, "Invitations not yet accepted", person[1])).to_contain_text("Invited")
    screenshot(head, "users-with-invitations")
    invitations = {
        person[1]: wait_for_message(
            smtp, person[1], f"You have been invited to {BOARD[0]}'s improvement plan"
        )
        for person in (CHAMPION, SECOND_CHAMPION, PANEL_MEMBER)
    }
    assert "as scrutiny panel (read only)" in invitations[PANEL_MEMBER[1]].body

    # 5. A champion accepts, signs out, forgets their password and resets it.
    champion = new_context().new_page()
    accept_invitation(
        champion, link_in(invitations[CHAMPION[1]], url, "/invitations/accept/"), CHAMPION[2]
    )
    expect_heading(champion, "Your plans")
    expect(champion.locator(".app-header__user-name")).to_have_text(f"{CHAMPION[0]}, Champion")
    champion.get_by_role("button", name="Sign out").click()
    expect_heading(champion, "Sign in")
    expect_done(champion, "You have signed out.")

    stranger = new_context().new_page()  # the page says the same for an unknown address
    stranger.goto("/forgotten-password")
    stranger.get_by_label("Email address").fill("nobody@northshore.example.org")
    stranger.get_by_role("button", name="Send me a link").click()
    expect_heading(stranger, "Check your email")

    champion.get_by_role("link", name="Forgotten your password?").click()
    expect_heading(champion, "Forgotten your password?")
    expect_no_serious_accessibility_problems(champion, axe)
    champion.get_by_label("Email address").fill(CHAMPION[1])
    champion.get_by_role("button", name="Send me a link").click()
    expect_heading(champion, "Check your email")
    said = champion.locator("main").inner_text()
    assert said.replace(CHAMPION[1], "ADDRESS") == stranger.locator("main").inner_text().replace(
        "nobody@northshore.example.org", "ADDRESS"
    )
    reset = wait_for_message(smtp, CHAMPION[1], "Reset your password")
    # Mail leaves one message at a time in order, so one for the unknown address would be here.
    assert not [m for m in smtp.received if "nobody@" in m.rcpt_tos[0]]
    assert champion.goto(link_in(reset, url, "/reset-password/")).status == 200
    expect_heading(champion, "Choose a new password")
    expect_no_serious_accessibility_problems(champion, axe)
    screenshot(champion, "reset-password")
    choose_password(champion, CHAMPION_NEW_PASSWORD)
    champion.get_by_role("button", name="Save password").click()
    expect_heading(champion, "Your plans")
    if "Your password has been changed." not in banner_text(champion):
        later.append(
            "After choosing a new password through a reset link, the home page should say "
            f"'Your password has been changed.'; its banners said: {banner_text(champion)!r}"
        )
    old_password = new_context().new_page()
    sign_in_with_password(old_password, CHAMPION[1], CHAMPION[2])
    expect(old_password.get_by_text(WRONG_DETAILS).first).to_be_visible()
    expect_heading(old_password, "Sign in")

    # 6. The second champion, signed in, is deactivated: their session ends at once and they
    # cannot sign in again.
    second = new_context().new_page()
    accept_invitation(
        second,
        link_in(invitations[SECOND_CHAMPION[1]], url, "/invitations/accept/"),
        SECOND_CHAMPION[2],
    )
    expect_heading(second, "Your plans")
    head.goto(head.url)  # the list again, now two of them have accepted
    head.get_by_role("link", name=f"Change {SECOND_CHAMPION[0]}'s access").click()
    expect_heading(head, SECOND_CHAMPION[0])
    check_radios_are_labelled(head, "Role on this board", later)
    head.get_by_role("link", name="Deactivate").click()
    expect_heading(head, f"Deactivate {SECOND_CHAMPION[0]}?")
    head.get_by_role("button", name="Deactivate").click()
    expect_done(head, "Deactivated. They have been signed out.")
    head.get_by_role("link", name="Back to users").click()
    expect(row_of(head, "People with access", SECOND_CHAMPION[1])).to_contain_text("Deactivated")
    second.reload()
    expect(second).to_have_url(re.compile(rf"^{re.escape(url)}/sign-in"))
    expect_heading(second, "Sign in")
    sign_in_with_password(second, SECOND_CHAMPION[1], SECOND_CHAMPION[2])
    expect_heading(second, "Sign in")
    expect(second.get_by_text(NO_ACCESS).first).to_be_visible()
    screenshot(second, "deactivated-sign-in-refused")

    # 7. The first champion becomes the administrator of a second board: the role is given at
    # once to their one account, and administrators need two factors, so they set it up.
    create_board(operator, SECOND_BOARD, axe, screenshot)
    invite_administrator(operator, CHAMPION, axe, screenshot)
    expect_heading(operator, SECOND_BOARD[0])
    told_operator = banner_text(operator)
    if "already had an account" not in told_operator:
        later.append(
            "After inviting someone who already has an account as a board's administrator, the "
            "operator should be told they were given the role at once; the page said: "
            f"{told_operator!r}"
        )
    expect(row_of(operator, "Administrators", CHAMPION[1])).to_contain_text("Active")
    assert accounts_with_email(installation.database, CHAMPION[1]) == 1
    notice = wait_for_message(
        smtp, CHAMPION[1], f"You now have access to {SECOND_BOARD[0]}'s improvement plan"
    )
    assert "as administrator" in notice.body
    assert re.findall(r"https?://\S+", notice.body) == [f"{url}/sign-in"]
    # Given the role at once, they have no invitation to accept.
    assert [subject_of(m) for m in smtp.received if m.rcpt_tos == [CHAMPION[1]]] == [
        f"You have been invited to {BOARD[0]}'s improvement plan",
        "Reset your password",
        f"You now have access to {SECOND_BOARD[0]}'s improvement plan",
    ]

    champion.goto("/")  # the new role needs two factors from their very next page
    expect(champion).to_have_url(f"{url}/account/two-factor")
    champion.get_by_role("button", name="Sign out").click()
    sign_in_with_password(champion, CHAMPION[1], CHAMPION_NEW_PASSWORD)
    set_up_two_factor(champion, axe, screenshot, "second-board-administrator")
    champion.get_by_role("link", name="Your account").click()
    expect_heading(champion, "Your account")
    boards = champion.locator("table").filter(
        has=champion.locator("caption", has_text="Your boards and your role on each")
    )
    expect(boards.locator("tbody tr")).to_have_count(2)
    expect(boards.locator("tbody tr").nth(0).locator("td")).to_have_text([BOARD[0], "Champion"])
    expect(boards.locator("tbody tr").nth(1).locator("td")).to_have_text(
        [SECOND_BOARD[0], "Administrator"]
    )
    expect(
        champion.get_by_text("On: an authenticator app. 10 recovery codes left.")
    ).to_be_visible()
    screenshot(champion, "account-on-two-boards")
    expect_no_serious_accessibility_problems(champion, axe)

    assert not later, "\n".join(later)
