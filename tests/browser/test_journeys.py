"""What each kind of user sees and can do, driven through a real Chromium against the demo.

The demo is North East Lincolnshire's plan as its board published it; the champions checked
here are the ones printed in that plan.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import expect_no_serious_accessibility_problems
from tracker.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PLAN_TITLE = "North East Lincolnshire Youth Justice Services HMIP improvement plan 2022-2023"
PLAN, BOARD, INSPECTION = 1, 1, 1
# The published plan has ten rows: eight from the inspectorate and two the board added.
PUBLISHED_ROWS = 10
BOARD_CHAMPION = "Board champion"
SERVICE_CHAMPION = "Youth Justice Service champion"
# (recommendation number, column, names that must appear there; empty means "TBC")
PUBLISHED_CHAMPIONS = [
    (1, BOARD_CHAMPION, ["Paul Condon"]),
    (3, BOARD_CHAMPION, ["Karen Linton", "Steve Ryder", "Rebecca Taylor"]),
    (4, BOARD_CHAMPION, []),
    (5, BOARD_CHAMPION, ["Supt Paul French"]),
    (8, BOARD_CHAMPION, ["Nick Hamilton Rudd", "Paul Caswell"]),
    (1, SERVICE_CHAMPION, ["Lynne Macpherson"]),
    (6, SERVICE_CHAMPION, []),
    (9, SERVICE_CHAMPION, ["Paul Caswell", "Marie Anne Hall"]),
]
CHANGING_WORDS = re.compile(r"\b(change|add|edit|delete|save)\b", re.IGNORECASE)
FORBIDDEN = "You do not have permission to do that"
SIGN_OUT_FORM = "form[action$='/sign-out']"


@pytest.fixture(scope="module")
def app_settings() -> dict:
    """Jobs run at once, inside the request (this module starts no job worker): so an upload
    the reader refuses, such as a pasted table without recommendations, is shown on its form."""
    return {"JOBS_STORAGE": "immediate"}


# Reading the pages


def plan_table(page: Page) -> Locator:
    return page.locator("table.app-plan-table")


def plan_row(page: Page, number: int) -> Locator:
    """The plan table's row for the recommendation with this number."""
    heading = page.locator("th[scope=row]", has_text=re.compile(rf"^\s*{number}\.\s"))
    return plan_table(page).locator("tbody tr").filter(has=heading)


def plan_cell(page: Page, number: int, column: str) -> Locator:
    """The cell of a recommendation's row under the column headed `column`."""
    headers = [text.strip() for text in plan_table(page).locator("thead th").all_inner_texts()]
    return plan_row(page, number).locator("th, td").nth(headers.index(column))


def recommendation_champions(page: Page, kind: str) -> Locator:
    """On a recommendation page, the value beside the "Board champion" or service row."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{kind}\s*$"))
    )
    return row.locator("dd")


def expect_champions(cell: Locator, names: list[str]) -> None:
    """The cell lists each of `names`, or says "TBC" when there are none."""
    if names:
        listed = [name.strip() for name in cell.locator("li").all_inner_texts()]
        for name in names:
            assert name in listed, f"{name} missing from {listed}"
    else:
        expect(cell).to_have_text("TBC")


def controls_that_change_things(page: Page) -> list[str]:
    """Every form other than sign-out, field outside it, and link or button whose words
    suggest it changes something."""
    found = [
        f"form posting to {action!r}"
        for action in page.locator("form").evaluate_all("fs => fs.map(f => f.action)")
        if not action.endswith("/sign-out")
    ]
    fields = page.locator(
        "input:not([type=hidden]):not(form[action$='/sign-out'] *), select, textarea"
    )
    found += [f"field {name!r}" for name in fields.evaluate_all("fs => fs.map(f => f.name)")]
    for kind in ("link", "button"):
        for control in page.get_by_role(kind).all():
            text = control.inner_text() or control.get_attribute("value") or ""
            if CHANGING_WORDS.search(text):
                found.append(f"{kind} {text.strip()!r}")
    return found


def sign_out_csrf_token(page: Page) -> str:
    token = page.locator(f"{SIGN_OUT_FORM} input[name=csrf_token]").get_attribute("value")
    assert token, "the sign-out form has no CSRF token"
    return token


# 1-5: journeys


def test_the_head_of_service_reads_the_plan_and_names_a_board_champion(page, sign_in):
    sign_in(page, "administrator")
    page.get_by_role("link", name=PLAN_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/plans/{PLAN}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PLAN_TITLE)
    expect(plan_table(page).locator("tbody tr")).to_have_count(PUBLISHED_ROWS)
    for number, column, names in PUBLISHED_CHAMPIONS:
        expect_champions(plan_cell(page, number, column), names)
    expect(plan_row(page, 9).locator("th")).to_contain_text("Board development")
    expect(plan_row(page, 9).locator("th")).to_contain_text("Added by the board")

    plan_row(page, 4).locator("th a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 4")
    expect(recommendation_champions(page, BOARD_CHAMPION)).to_have_text("TBC")
    page.get_by_role("link", name="Change champions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change champions")
    board_champions = page.get_by_role("group", name="Board champions")
    board_champions.get_by_role("checkbox", name=re.compile(r"^Spencer Hunt\b")).check()
    page.get_by_role("button", name="Save champions").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Champions saved for recommendation 4."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 4")
    expect(recommendation_champions(page, BOARD_CHAMPION)).to_have_text("Spencer Hunt")
    expect(recommendation_champions(page, SERVICE_CHAMPION)).to_have_text("Donna Abernethie")
    page.get_by_role("link", name="Back to the plan").click()
    expect_champions(plan_cell(page, 4, BOARD_CHAMPION), ["Spencer Hunt"])


def test_a_scrutiny_member_finds_no_control_that_changes_anything(page, sign_in, base_url):
    sign_in(page, "scrutiny")
    page.get_by_role("link", name=PLAN_TITLE).click()  # the panel's plan link: as published
    expect(page).to_have_url(re.compile(rf"/plans/{PLAN}/published$"))
    assert controls_that_change_things(page) == [], page.url
    page.goto(f"/plans/{PLAN}")
    expect(plan_table(page).locator("tbody tr")).to_have_count(PUBLISHED_ROWS)
    assert controls_that_change_things(page) == [], page.url

    links = plan_table(page).locator("tbody th a")
    addresses = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for address in addresses:
        page.goto(address)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Recommendation")
        assert controls_that_change_things(page) == [], page.url

    page.goto(f"/plans/{PLAN}")
    page.get_by_role("link", name="Ratings, score and foreword").click()
    expect(page.get_by_text("27/36")).to_be_visible()
    assert controls_that_change_things(page) == [], page.url

    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    assert controls_that_change_things(page) == [], page.url

    response = page.goto("/recommendations/1/champions")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(FORBIDDEN)

    attempt = page.request.post(
        f"{base_url}/recommendations/1/champions",
        form={
            "csrf_token": sign_out_csrf_token(page),
            "board_champions": "3",
            "service_champions": "3",
            "fingerprint": "",
            "submit": "Save champions",
        },
        max_redirects=0,
    )
    assert attempt.status == 403, attempt.text()
    assert FORBIDDEN in attempt.text()
    page.goto("/recommendations/1")
    expect(recommendation_champions(page, BOARD_CHAMPION)).to_have_text("Paul Condon")
    expect(recommendation_champions(page, SERVICE_CHAMPION)).to_have_text("Lynne Macpherson")


def test_a_champion_sees_the_plan_but_cannot_change_champions(page, sign_in):
    sign_in(page, "champion")
    page.get_by_role("link", name=PLAN_TITLE).click()
    expect(plan_table(page).locator("tbody tr")).to_have_count(PUBLISHED_ROWS)
    expect_champions(plan_cell(page, 2, BOARD_CHAMPION), ["Spencer Hunt"])
    plan_row(page, 2).locator("th a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 2")
    expect(page.get_by_role("link", name=re.compile("Change champions"))).to_have_count(0)
    response = page.goto("/recommendations/2/champions")
    assert response.status == 403


def test_after_signing_out_the_plan_asks_you_to_sign_in_again(page, sign_in, new_context):
    sign_in(page, "administrator")
    page.goto(f"/plans/{PLAN}")
    cookies_before = page.context.cookies()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto(f"/plans/{PLAN}")
    expect(page).to_have_url(re.compile(rf"/sign-in\?next=(/|%2F)plans(/|%2F){PLAN}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    # The session ended on the server too: its old cookie no longer opens the plan.
    replay = new_context()
    replay.add_cookies(cookies_before)
    replayed = replay.new_page()
    replayed.goto(f"/plans/{PLAN}")
    expect(replayed).to_have_url(re.compile(r"/sign-in\?"))


def test_a_wrong_password_is_refused_with_an_error_summary(page):
    page.goto("/sign-in")
    page.locator("#email").fill("board.champion@demo.example.org")
    page.locator("#password").fill(DEMO_PASSWORD + "-wrong")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The email address or password is not right")
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)$"))


# 6-7: accessibility of every page as each role sees it, with screenshots on request


def show_sign_in_with_nothing_entered(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()


def show_sign_in_with_a_wrong_password(page: Page) -> None:
    page.goto("/sign-in")
    page.locator("#email").fill("nobody@demo.example.org")
    page.locator("#password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()


def show_withdrawing_without_a_reason(page: Page) -> None:
    page.goto("/recommendations/1/withdraw")
    page.get_by_role("button", name="Withdraw recommendation").click()


def show_adding_a_key_line_without_a_choice(page: Page) -> None:
    page.goto("/recommendations/1/key-lines")
    page.get_by_role("button", name="Add this finding").click()


def show_reopening_without_a_reason(page: Page) -> None:
    page.goto(f"/plans/{PLAN}/quarters/reopen")
    page.get_by_role("button", name="Reopen 2022/23 Q3").click()


def show_quarter_dates_that_make_no_sense(page: Page) -> None:
    page.goto(f"/plans/{PLAN}/quarters")
    page.get_by_role("group", name="Updates due by").get_by_label("Day").fill("31")
    page.get_by_role("group", name="Updates due by").get_by_label("Month").fill("2")
    page.get_by_role("button", name="Save dates").click()


def show_a_pasted_table_without_recommendations(page: Page) -> None:
    page.goto(f"/boards/{BOARD}/plans/import")
    page.get_by_label("Or paste the plan's table").fill("Name\tRole\nKaren Linton\tChair")
    page.get_by_role("button", name="Read the plan").click()


PAGES = {
    "sign-in": ("/sign-in", 200),
    "sign-in-with-nothing-entered": (show_sign_in_with_nothing_entered, 400),
    "sign-in-with-a-wrong-password": (show_sign_in_with_a_wrong_password, 400),
    "your-plans": ("/", 200),
    "plan": (f"/plans/{PLAN}", 200),
    "recommendation": ("/recommendations/1", 200),
    "every-revision-of-a-quarters-update": ("/recommendations/1/history?quarter=2022/23+Q3", 200),
    "ratings": (f"/inspections/{INSPECTION}", 200),
    "people": (f"/boards/{BOARD}/people", 200),
    "change-champions": ("/recommendations/1/champions", 200),
    "update-form": ("/recommendations/2/update", 200),
    "update-form-started-from-last-quarter": ("/recommendations/2/update?start_from=last", 200),
    "approvals-inbox": ("/approvals", 200),
    "return-an-update": ("/recommendations/1/return", 200),
    "quarter-dates-and-closing": (f"/plans/{PLAN}/quarters", 200),
    "confirm-closing-a-quarter": (f"/plans/{PLAN}/quarters/close", 200),
    "quarter-dates-that-make-no-sense": (show_quarter_dates_that_make_no_sense, 400),
    "confirm-closing-the-plan": (f"/plans/{PLAN}/close", 200),
    "deleting-a-live-plan": (f"/plans/{PLAN}/delete", 200),
    "confirm-reopening-a-quarter": (f"/plans/{PLAN}/quarters/reopen", 200),
    "reopening-without-a-reason": (show_reopening_without_a_reason, 400),
    "import-a-report": (f"/boards/{BOARD}/reports/new", 200),
    "bring-your-existing-plan": (f"/boards/{BOARD}/plans/import", 200),
    "a-pasted-table-without-recommendations": (show_a_pasted_table_without_recommendations, 400),
    "change-the-plan": (f"/plans/{PLAN}/recommendations", 200),
    "change-the-plans-title-and-period": (f"/plans/{PLAN}/edit", 200),
    "add-a-recommendation": (f"/plans/{PLAN}/recommendations/new", 200),
    "change-a-recommendation": ("/recommendations/1/edit", 200),
    "key-lines-of-enquiry": ("/recommendations/1/key-lines", 200),
    "key-lines-of-enquiry-with-nothing-chosen": (show_adding_a_key_line_without_a_choice, 400),
    "withdraw-a-recommendation": ("/recommendations/1/withdraw", 200),
    "withdraw-without-a-reason": (show_withdrawing_without_a_reason, 400),
    "start-a-blank-plan": (f"/boards/{BOARD}/plans/new", 200),
    "audit-log": (f"/boards/{BOARD}/audit-log", 200),
    "audit-log-with-a-bad-date": (f"/boards/{BOARD}/audit-log?date_from=2023-02-30", 400),
    "published-progress": (f"/plans/{PLAN}/published", 200),
    "share-links": (f"/plans/{PLAN}/share-links", 200),
    "share-link-refused": ("/shared/no-such-link", 404),
    "page-not-found": ("/no-such-page", 404),
    "forbidden": ("/recommendations/1/champions", 403),
    "users": (f"/boards/{BOARD}/users", 200),
    "invite-someone": (f"/boards/{BOARD}/users/invite", 200),
    "invite-from-a-file": (f"/boards/{BOARD}/users/invite-many", 200),
    "a-users-access": (f"/boards/{BOARD}/users/2", 200),
    "confirm-deactivating": (f"/boards/{BOARD}/users/2/deactivate", 200),
    "your-account": ("/account", 200),
    "change-your-password": ("/account/password", 200),
    "set-up-two-factor-sign-in": ("/account/two-factor", 200),
    "email-notifications": ("/account/notifications", 200),
    "forgotten-password": ("/forgotten-password", 200),
    "reset-link-not-working": ("/reset-password/" + "x" * 43, 404),
    "invitation-link-not-working": ("/invitations/accept/" + "x" * 43, 404),
}
ROLES = ("administrator", "champion", "scrutiny")
SEEN_BY = {
    "sign-in": [None],
    "sign-in-with-nothing-entered": [None],
    "sign-in-with-a-wrong-password": [None],
    "your-plans": ROLES,
    "plan": ROLES,
    "recommendation": ROLES,
    "every-revision-of-a-quarters-update": ROLES,
    "ratings": ROLES,
    "people": ROLES,
    "change-champions": ["administrator"],
    "update-form": ["administrator", "champion"],
    "update-form-started-from-last-quarter": ["administrator", "champion"],
    "approvals-inbox": ["administrator"],
    "return-an-update": ["administrator"],
    "quarter-dates-and-closing": ["administrator"],
    "confirm-closing-a-quarter": ["administrator"],
    "quarter-dates-that-make-no-sense": ["administrator"],
    "confirm-closing-the-plan": ["administrator"],
    "deleting-a-live-plan": ["administrator"],
    "confirm-reopening-a-quarter": ["administrator"],
    "reopening-without-a-reason": ["administrator"],
    "import-a-report": ["administrator"],
    "bring-your-existing-plan": ["administrator"],
    "a-pasted-table-without-recommendations": ["administrator"],
    "change-the-plan": ["administrator"],
    "change-the-plans-title-and-period": ["administrator"],
    "add-a-recommendation": ["administrator"],
    "change-a-recommendation": ["administrator"],
    "key-lines-of-enquiry": ["administrator"],
    "key-lines-of-enquiry-with-nothing-chosen": ["administrator"],
    "withdraw-a-recommendation": ["administrator"],
    "withdraw-without-a-reason": ["administrator"],
    "start-a-blank-plan": ["administrator"],
    "audit-log": ["administrator"],
    "audit-log-with-a-bad-date": ["administrator"],
    "published-progress": ROLES,
    "share-links": ["administrator"],
    "share-link-refused": [None],
    "page-not-found": [None, *ROLES],
    "forbidden": ["champion", "scrutiny"],
    "users": ["administrator"],
    "invite-someone": ["administrator"],
    "invite-from-a-file": ["administrator"],
    "a-users-access": ["administrator"],
    "confirm-deactivating": ["administrator"],
    "your-account": ROLES,
    "change-your-password": ["champion"],
    "set-up-two-factor-sign-in": ["scrutiny"],
    "email-notifications": ROLES,
    "forgotten-password": [None],
    "reset-link-not-working": [None],
    "invitation-link-not-working": [None],
}
PAGE_VIEWS = [
    pytest.param(name, role, id=f"{name}-as-{role or 'signed-out'}")
    for name, roles in SEEN_BY.items()
    for role in roles
]


@pytest.mark.parametrize(("name", "role"), PAGE_VIEWS)
def test_each_page_has_no_serious_accessibility_problems(name, role, page_as, axe, screenshot):
    page = page_as(role)
    visit, status = PAGES[name]
    if callable(visit):
        with page.expect_response(lambda response: response.request.method == "POST") as sent:
            visit(page)
        response = sent.value
    else:
        response = page.goto(visit)
    assert response.status == status, f"{name} answered {response.status}"
    page.wait_for_load_state()
    screenshot(page, f"{name}-as-{role or 'signed-out'}")

    expect_no_serious_accessibility_problems(page, axe)
