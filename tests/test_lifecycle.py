"""A plan's life: a draft only administrators see, starting reporting, closing, deleting."""

import re
from collections import deque
from datetime import date

import pytest

from tests.conftest import EMAIL_OF_ROLE, REPORTS, csrf_token, form_state, sign_in
from tests.test_report_import import post_review, upload
from tracker.date_input import read_date
from tracker.lifecycle.states import first_quarter_choices
from tracker.quarters import Quarter, reporting_date_problems

SUNDERLAND = (REPORTS / "sunderland-2022.txt").read_bytes()
QUARTER = Quarter.containing(date.today())


@pytest.fixture
def imported_plan(admin, db) -> int:
    """A plan freshly created from the Sunderland report, its first recommendation
    championed by the demo champion."""
    upload(admin, "sunderland.txt", SUNDERLAND)
    response = post_review(admin, 1, "create", **{"plan-title": "Sunderland plan"})
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    first = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id]
    ).fetchone()[0]
    champion = db.execute(
        "SELECT person_id FROM memberships WHERE role = 'champion' AND board_id = 1"
    ).fetchone()[0]
    db["champions"].insert(
        {"recommendation_id": first, "person_id": champion, "kind": "board", "position": 1}
    )
    return plan_id


def dates_form(client, plan_id, quarter: Quarter, deadline: date, meeting: date, extra=()):
    path = f"/plans/{plan_id}/start"
    data = {"csrf_token": csrf_token(client, "/account"), "quarter": quarter.label}
    for name, day in (("update_deadline", deadline), ("board_meeting_on", meeting)):
        data |= {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}
    return client.post(path, data=data | dict(extra))


def start(client, plan_id):
    return dates_form(
        client, plan_id, QUARTER, QUARTER.ends_on, QUARTER.next().starts_on.replace(day=20)
    )


def plan_row(db, plan_id) -> dict:
    return dict(db["plans"].get(plan_id))


# The pure rules


@pytest.mark.parametrize(
    ("parts", "value", "problem"),
    [
        (("29", "1", "2027"), date(2027, 1, 29), None),
        (("03", "Sept", "2026"), date(2026, 9, 3), None),
        (("3", "march", "2026"), date(2026, 3, 3), None),
        (("", "", ""), None, "Enter the board meeting date"),
        (("29", "", ""), None, "Board meeting date must include a month and year"),
        (("31", "2", "2027"), None, "Board meeting date must be a real date"),
        (("1", "13", "2027"), None, "Board meeting date must be a real date"),
        (("1", "1", "27"), None, "Year must include 4 numbers"),
        (("<script>", "1", "2027"), None, "Board meeting date must be a real date"),
        (("1e3", "1", "2027"), None, "Board meeting date must be a real date"),
        (("\u0661", "1", "2027"), None, "Board meeting date must be a real date"),
    ],
)
def test_a_date_is_read_from_its_three_boxes(parts, value, problem):
    reading = read_date(*parts, name="board meeting date", required=True)
    assert (reading.value, reading.problem) == (value, problem)


def test_a_quarter_s_dates_fall_near_it_and_the_deadline_comes_first():
    quarter = Quarter(2026, 3)  # October to December 2026
    assert quarter.months == "October to December 2026"
    assert reporting_date_problems(quarter, date(2027, 1, 8), date(2027, 1, 29)) == {}
    late = reporting_date_problems(quarter, date(2027, 4, 1), date(2027, 4, 2))
    assert set(late) == {"update_deadline", "board_meeting_on"}
    assert "31 March 2027" in late["update_deadline"]
    early = reporting_date_problems(quarter, date(2026, 9, 30), date(2026, 12, 1))
    assert set(early) == {"update_deadline"}
    backwards = reporting_date_problems(quarter, date(2027, 1, 29), date(2027, 1, 8))
    assert backwards == {"update_deadline": "The update deadline must be before the board meeting"}


def test_the_first_quarter_is_chosen_around_today():
    choices = first_quarter_choices(date(2026, 12, 2))
    assert [q.label for q in choices] == ["2026/27 Q2", "2026/27 Q3", "2026/27 Q4"]


# A draft


def test_a_new_plan_is_a_draft_only_administrators_see(imported_plan, admin, signed_in, db):
    assert plan_row(db, imported_plan)["state"] == "draft"
    page = admin.get(f"/plans/{imported_plan}").text
    assert "Reporting has not started" in page and f"/plans/{imported_plan}/start" in page
    recommendation = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ?", [imported_plan]
    ).fetchone()[0]
    for role in ("champion", "scrutiny"):
        client = signed_in(role)
        assert "Sunderland plan" not in client.get("/").text
        for path in (
            f"/plans/{imported_plan}",
            f"/plans/{imported_plan}.json",
            f"/recommendations/{recommendation}",
            f"/plans/{imported_plan}/published",
            f"/plans/{imported_plan}/pack",
        ):
            assert client.get(path).status_code == 404, (role, path)


def test_starting_reporting_makes_the_plan_live(imported_plan, admin, signed_in, db):
    response = start(admin, imported_plan)
    assert response.status_code == 302
    plan = plan_row(db, imported_plan)
    assert (plan["state"], plan["current_quarter"]) == ("live", QUARTER.label)
    assert plan["went_live_at"]
    quarter = db.execute(
        "SELECT update_deadline, board_meeting_on FROM quarters WHERE plan_id = ?",
        [imported_plan],
    ).fetchall()
    assert quarter == [
        (QUARTER.ends_on.isoformat(), QUARTER.next().starts_on.replace(day=20).isoformat())
    ]
    changed = db.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'plans' AND row_id = ?"
        " AND after LIKE '%\"live\"%'",
        [str(imported_plan)],
    ).fetchone()[0]
    assert changed == 1
    champion = signed_in("champion")
    home = champion.get("/").text
    assert "Sunderland plan" in home and "Write the update" in home
    assert champion.get(f"/plans/{imported_plan}").status_code == 200
    # Sent again (a double click): nothing changes, and the second is told.
    again = start(admin, imported_plan)
    assert again.status_code == 302
    assert "already started" in admin.get(again.headers["Location"]).text
    assert db["quarters"].count_where("plan_id = ?", [imported_plan]) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"update_deadline-month": ""}, "Update deadline must include a month"),
        ({"board_meeting_on-day": "31", "board_meeting_on-month": "2"}, "must be a real date"),
        ({"update_deadline-year": "1999"}, "The update deadline must be between"),
        ({"quarter": "1999/00 Q1"}, "Select the first quarter"),
        ({"quarter": "<script>alert(1)</script>"}, "Select the first quarter"),
        ({"board_meeting_on-year": "9" * 5000}, "Year must include 4 numbers"),
    ],
)
def test_bad_dates_are_refused_and_change_nothing(imported_plan, admin, db, change, message):
    before = plan_row(db, imported_plan)
    response = dates_form(
        admin, imported_plan, QUARTER, QUARTER.ends_on, QUARTER.next().starts_on, change
    )
    assert response.status_code == 400
    assert message in response.text and "There is a problem" in response.text
    assert "<script>alert" not in response.text
    assert plan_row(db, imported_plan) == before
    assert db["quarters"].count_where("plan_id = ?", [imported_plan]) == 0


def test_a_deadline_after_the_meeting_is_refused(imported_plan, admin, db):
    response = dates_form(admin, imported_plan, QUARTER, QUARTER.next().starts_on, QUARTER.ends_on)
    assert response.status_code == 400
    assert "The update deadline must be before the board meeting" in response.text
    assert plan_row(db, imported_plan)["state"] == "draft"


def test_the_draft_s_update_and_dates_pages_lead_to_starting(imported_plan, admin, db):
    recommendation = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ?", [imported_plan]
    ).fetchone()[0]
    for path in (f"/plans/{imported_plan}/quarters", f"/recommendations/{recommendation}/update"):
        response = admin.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/plans/{imported_plan}/start")


def test_only_an_administrator_starts_reporting(imported_plan, signed_in, db):
    start(signed_in("champion"), imported_plan)
    assert plan_row(db, imported_plan)["state"] == "draft"


# Deleting a draft, closing a live plan


def confirm(client, path, state):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "state": state})


def test_a_draft_is_deleted_and_its_report_can_make_a_plan_again(imported_plan, admin, db):
    assert "Delete this draft plan" in admin.get(f"/plans/{imported_plan}/delete").text
    response = confirm(admin, f"/plans/{imported_plan}/delete", "draft")
    assert response.status_code == 302
    assert db["plans"].count_where("id = ?", [imported_plan]) == 0
    assert db["recommendations"].count_where("plan_id = ?", [imported_plan]) == 0
    assert db.execute("SELECT plan_id FROM report_imports WHERE id = 1").fetchone()[0] is None
    deleted = db.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'delete' AND table_name = 'recommendations'"
    ).fetchone()[0]
    assert deleted == 5
    assert "Check the draft plan" in admin.get("/imports/1").text
    assert admin.get(f"/plans/{imported_plan}").status_code == 404


def test_a_plan_that_went_live_is_never_deleted(imported_plan, admin, db):
    start(admin, imported_plan)
    response = confirm(admin, f"/plans/{imported_plan}/delete", "live")
    assert response.status_code == 302
    assert db["plans"].count_where("id = ?", [imported_plan]) == 1
    assert "cannot be deleted" in admin.get(f"/plans/{imported_plan}/delete").text


def test_a_closed_plan_is_kept_read_only_and_listed_apart(imported_plan, admin, signed_in, db):
    start(admin, imported_plan)
    response = confirm(admin, f"/plans/{imported_plan}/close", "live")
    assert response.status_code == 302
    assert plan_row(db, imported_plan)["state"] == "closed"
    home = admin.get("/").text
    assert home.index("Closed plans") < home.index("Sunderland plan")
    again = confirm(admin, f"/plans/{imported_plan}/close", "live")
    assert "nothing was changed" in admin.get(again.headers["Location"]).text
    champion = signed_in("champion")
    recommendation = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ? ORDER BY position", [imported_plan]
    ).fetchone()[0]
    assert champion.get(f"/plans/{imported_plan}").status_code == 200
    assert "Write this quarter" not in champion.get(f"/recommendations/{recommendation}").text
    path = f"/recommendations/{recommendation}/update"
    updates = db["progress_updates"].count
    champion.post(
        path, data={"csrf_token": csrf_token(champion, "/"), "narrative": "After closing"}
    )
    assert db["progress_updates"].count == updates


def test_a_confirmation_sent_with_the_wrong_state_changes_nothing(imported_plan, admin, db):
    start(admin, imported_plan)
    for state in ("", "draft", "closed", "<b>live</b>"):
        confirm(admin, f"/plans/{imported_plan}/close", state)
        assert plan_row(db, imported_plan)["state"] == "live"


# Every link on every page of a freshly imported plan, as each role


LINK = re.compile(r'href="(/[^"#]*)')
NOT_FOLLOWED = re.compile(r"^/(static|sign-out|operator)|\.pdf(\?|$)|/pack\.(xlsx|docx|csv)")


def walk(client, starts: list[str], limit: int = 400) -> dict:
    """Open every page reachable from `starts` within the app, once: {path: status}, or
    for a page not found (status, the page that linked to it)."""
    seen, queue = {}, deque((path, "start") for path in starts)
    while queue and len(seen) < limit:
        path, linked_from = queue.popleft()
        path = path.replace("&amp;", "&")
        if path in seen or NOT_FOLLOWED.search(path):
            continue
        response = client.get(path)
        seen[path] = (
            response.status_code
            if response.status_code < 404
            else (response.status_code, linked_from)
        )
        if response.status_code == 200 and response.mimetype == "text/html":
            queue.extend((link, path) for link in LINK.findall(response.text))
    return seen


def test_no_link_on_a_freshly_imported_plan_leads_nowhere(imported_plan, app, db):
    recommendation = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ? ORDER BY position", [imported_plan]
    ).fetchone()[0]
    starts = ["/", f"/plans/{imported_plan}", f"/recommendations/{recommendation}"]
    for moment in ("draft", "live"):
        for role in ("administrator", "champion", "scrutiny"):
            client = app.test_client()
            sign_in(client, EMAIL_OF_ROLE[role])
            pages = walk(client, starts if role == "administrator" or moment == "live" else ["/"])
            broken = {path: found for path, found in pages.items() if isinstance(found, tuple)}
            assert not broken, (moment, role, broken)
            assert len(pages) > 5
        if moment == "draft":
            admin = app.test_client()
            sign_in(admin, EMAIL_OF_ROLE["administrator"])
            assert start(admin, imported_plan).status_code == 302


# Every form carries the quarter it was opened for


def close_current_quarter(db, plan_id: int = 1) -> None:
    from tracker.audit import Actor
    from tracker.updates import workflow

    label = db["plans"].get(plan_id)["current_quarter"]
    quarter_id = db.execute(
        "SELECT id FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, label]
    ).fetchone()[0]
    workflow.lock_quarter(db, plan_id, quarter_id, Actor(1, 1))


def test_an_update_form_sent_after_its_quarter_closed_is_kept_on_the_page_not_filed(signed_in, db):
    champion = signed_in("champion")
    path = "/recommendations/2/update"
    page = champion.get(path).text
    opened_for = re.search(r'name="quarter" value="([^"]+)"', page)[1]
    form = {
        "csrf_token": csrf_token(champion, path),
        "based_on": re.search(r'name="based_on" value="(\d+)"', page)[1],
        "quarter": opened_for,
        "action": "submit",
        "status": "amber",
        "narrative": "Written while the board met: a phrase to find",
    }
    close_current_quarter(db)
    revisions = db.execute("SELECT * FROM progress_updates ORDER BY id").fetchall()
    response = champion.post(path, data=form)
    assert response.status_code == 409
    assert f"{opened_for} was closed while you were writing, so nothing was saved" in response.text
    assert "Written while the board met: a phrase to find" in response.text
    assert db.execute("SELECT * FROM progress_updates ORDER BY id").fetchall() == revisions
    # The page now names the quarter that is open: saving it again is a choice made knowingly.
    now_open = db["plans"].get(1)["current_quarter"]
    assert f'name="quarter" value="{now_open}"' in response.text


@pytest.mark.parametrize("sent", [None, "", "2099/00 Q1", "<script>alert(1)</script>", "x" * 5000])
def test_an_update_form_naming_no_open_quarter_saves_nothing(signed_in, db, sent):
    champion = signed_in("champion")
    path = "/recommendations/2/update"
    page = champion.get(path).text
    form = {
        "csrf_token": csrf_token(champion, path),
        "based_on": re.search(r'name="based_on" value="(\d+)"', page)[1],
        "action": "draft",
        "narrative": "Never filed",
    } | ({} if sent is None else {"quarter": sent})
    revisions = db["progress_updates"].count
    response = champion.post(path, data=form)
    assert response.status_code == 409
    assert "<script>alert(1)" not in response.text and "x" * 100 not in response.text
    assert db["progress_updates"].count == revisions


def test_a_review_sent_after_its_quarter_closed_changes_nothing(signed_in, db):
    from tracker.audit import Actor
    from tracker.updates import workflow

    plan = db["plans"].get(1)
    quarter_id = db.execute(
        "SELECT id FROM quarters WHERE plan_id = 1 AND label = ?", [plan["current_quarter"]]
    ).fetchone()[0]
    workflow.save_update(
        db, 2, quarter_id, {"narrative": "Ready", "status": "green"}, 0, True, Actor(2, 1)
    )
    admin = signed_in("administrator")
    page = admin.get("/recommendations/2").text
    form = {
        "csrf_token": csrf_token(admin, "/recommendations/2"),
        **form_state(page),
        "decision": "approve",
    }
    close_current_quarter(db)
    revisions = db["progress_updates"].count
    response = admin.post("/recommendations/2/review", data=form)
    assert response.status_code == 302
    assert (
        "was closed before you decided, so nothing was changed"
        in admin.get(response.headers["Location"]).text
    )
    assert db["progress_updates"].count == revisions


def test_a_share_link_to_a_draft_opens_nothing(imported_plan, client, db):
    from tracker.audit import Actor
    from tracker.scrutiny import links

    token = links.make_link(
        db, imported_plan, "Panel", date.today().replace(year=date.today().year + 1), Actor(1, 1)
    )
    response = client.get(f"/shared/{token}")
    assert response.status_code == 404 and "Sunderland plan" not in response.text
    assert links.open_link(db, token, date.today()) is None
    db["plans"].update(imported_plan, {"state": "live", "current_quarter": QUARTER.label})
    assert links.open_link(db, token, date.today()) is not None
