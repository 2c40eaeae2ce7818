"""A scrutiny panel member's home is the published view: their plan links go there, and with
one live plan the home page opens with it at a glance, as last published. Draft plans are
never listed for them."""

import html
import re

from tracker.audit import Actor
from tracker.updates import workflow

PLAN = 1
ADMIN = Actor(user_id=1, board_id=1)
# The demo's sample updates in 2022/23 Q3: Amber 1, 3, 6, 7, 8; Green 2, 5, 10; Red 4; Blue 9.
Q3_COUNTS = {"blue": 1, "green": 3, "amber": 5, "red": 1, "none": 0}


def text_of(page: str) -> str:
    seen = re.sub(r'<span class="govuk-visually-hidden">[^<]*</span>', "", page)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", seen)).split())
    return re.sub(r" ([:;,.])", r"\1", text)


def count_card(page: str, key: str) -> tuple[int, str]:
    """The number on a status's card, and the card's words."""
    card = re.search(rf'app-count-cards__item--{key}">(.*?)</li>', page, re.S)[1]
    return int(re.search(r'app-count-cards__number">(\d+)<', card)[1]), text_of(card)


def add_plan(db, title: str, state: str) -> int:
    return db["plans"].insert({"board_id": 1, "title": title, "state": state}).last_pk


def test_a_scrutiny_members_plan_link_opens_the_published_view(signed_in):
    page = signed_in("scrutiny").get("/").text
    assert f'href="/plans/{PLAN}/published"' in page
    assert f'href="/plans/{PLAN}"' not in page


def test_other_roles_plan_links_open_the_plan(signed_in):
    for role in ("administrator", "champion"):
        page = signed_in(role).get("/").text
        assert f'href="/plans/{PLAN}"' in page, role
        assert 'id="glance-heading"' not in page, role


def test_with_one_live_plan_the_home_page_shows_it_at_a_glance(signed_in, db):
    page = signed_in("scrutiny").get("/").text
    assert "Your plans" in page
    glance = page[page.index('id="glance-heading"') :]
    assert "At a glance: 2022/23 Q3" in text_of(glance)
    for key, expected in Q3_COUNTS.items():
        assert count_card(glance, key)[0] == expected, key
    assert count_card(glance, "amber")[1] == "5 Amber"  # the number and the word
    assert "There is no earlier published quarter to compare 2022/23 Q3 with" in text_of(glance)
    # Red and Amber are the exceptions, listed by number and linking to their rows.
    assert "Exceptions (6)" in text_of(glance)
    for number in (1, 3, 4, 6, 7, 8):
        assert f'href="/plans/{PLAN}/published#recommendation-{number}"' in glance
    assert "Recommendation 4: Red" in text_of(glance)
    assert f'href="/plans/{PLAN}/published">Read the published plan for 2022/23 Q3' in glance


def test_the_glance_uses_the_boards_own_status_words_and_the_direction_of_travel(signed_in, db):
    for position, (key, label) in enumerate(
        [("green", "On track"), ("amber", "At risk"), ("red", "Off track")], start=1
    ):
        db["status_keys"].insert(
            {
                "board_id": 1,
                "key": key,
                "label": label,
                "meaning": f"{label}, as the board says",
                "colour": "#505a5f",
                "position": position,
            }
        )
    workflow.lock_quarter(db, PLAN, 2, ADMIN)  # 2022/23 Q4 closed with no updates in it
    glance = signed_in("scrutiny").get("/").text
    glance = glance[glance.index('id="glance-heading"') :]
    assert count_card(glance, "amber")[1] == (
        "5 At risk 5 carried forward: no update for 2022/23 Q4"
    )
    assert "app-count-cards__item--blue" not in glance  # Blue is not in this board's key
    assert "compared with 2022/23 Q3" in text_of(glance)
    assert "No status this quarter: 10" in text_of(glance)
    assert "Recommendation 4: Off track in 2022/23 Q3; no update for 2022/23 Q4" in text_of(glance)


def test_draft_plans_are_never_listed_for_the_scrutiny_panel(signed_in, db):
    add_plan(db, "A plan still being drafted", "draft")
    page = signed_in("scrutiny").get("/").text
    assert "A plan still being drafted" not in page
    assert 'id="glance-heading"' in page  # still one live plan
    assert "A plan still being drafted" in signed_in("administrator").get("/").text


def test_with_two_live_plans_the_home_page_lists_them_without_a_glance(signed_in, db):
    add_plan(db, "A second live plan", "live")
    page = signed_in("scrutiny").get("/").text
    assert "A second live plan" in page
    assert 'id="glance-heading"' not in page


def test_with_nothing_published_the_home_page_just_lists_the_plan(signed_in, db):
    db.execute("UPDATE quarters SET locked_at = NULL")
    page = signed_in("scrutiny").get("/").text
    assert 'id="glance-heading"' not in page
    assert f'href="/plans/{PLAN}/published"' in page
