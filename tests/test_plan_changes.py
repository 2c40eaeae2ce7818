"""The administrator changes a plan after it is made: its title and period, a
recommendation's number, wording, addressee and origin, local recommendations, the order, key
lines of enquiry, withdrawing a recommendation; and starts a blank plan without a report.
Every change is audited with the row before and after, refused when made from a page someone
else has since saved, refused on a closed plan, and bad input changes nothing."""

import json
import re
from datetime import UTC, datetime

import pytest

from tests.conftest import csrf_token
from tracker.audit import SYSTEM, Actor
from tracker.plan_changes import changes
from tracker.updates import workflow

PLAN, BOARD = 1, 1
RECOMMENDATION = 4  # Continue to strengthen operational relationships ...; 3 key lines
CHAMPIONED = 2  # the demo champion, Spencer Hunt, champions recommendation 2
ADMINISTRATOR = 1
# A finding of the demo's report that recommendation 4 does not use yet, and one it does.
UNUSED_FINDING = 1
USED_FINDING = 7
WITHDRAWN_ON = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
LABEL = "Withdrawn by the board on 2 December 2026"


# ----- Helpers ------------------------------------------------------------------------------


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page, by name (the first of each name)."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            found.setdefault(attributes["name"], attributes.get("value", ""))
    return found


def form_on(client, url: str) -> dict[str, str]:
    """The CSRF token and fingerprint the page at `url` puts in its forms."""
    response = client.get(url)
    assert response.status_code == 200, url
    return hidden_fields(response.text)


def offered(finding_id: int, page: str) -> bool:
    """Whether the key lines page offers the finding to add."""
    return f'name="source" type="radio" value="{finding_id}"' in page


def plan_dump(db, plan_id: int = PLAN) -> dict:
    """Every row of the plan, its recommendations and their key lines, and the audit log's
    length: what a refused change must leave as it was."""
    return {
        "plan": db["plans"].get(plan_id),
        "recommendations": list(
            db.query("SELECT * FROM recommendations WHERE plan_id = ? ORDER BY id", [plan_id])
        ),
        "key_lines": list(
            db.query(
                "SELECT key_lines.* FROM key_lines JOIN recommendations"
                " ON recommendations.id = key_lines.recommendation_id"
                " WHERE recommendations.plan_id = ? ORDER BY key_lines.id",
                [plan_id],
            )
        ),
        "plans": db["plans"].count,
        "audit_log": db["audit_log"].count,
    }


def audit_rows(db, action: str, table: str) -> list[dict]:
    """The audit log's entries of one kind made by the demo's administrator (loading the demo
    is logged as the system's), each with its before and after read."""
    return [
        {
            **row,
            "before": json.loads(row["before"] or "null"),
            "after": json.loads(row["after"] or "null"),
        }
        for row in db.query(
            "SELECT * FROM audit_log WHERE action = ? AND table_name = ? AND user_id = ?"
            " ORDER BY id",
            [action, table, ADMINISTRATOR],
        )
    ]


def flashed(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def recommendation_fields(**changed) -> dict:
    return {
        "number": "4",
        "text": "Continue to strengthen operational relationships with children's social care",
        "addressee": "The North East Lincolnshire Youth Offending Service",
        "origin": "inspectorate",
        **changed,
    }


def order_of(db, plan_id: int = PLAN) -> list[int]:
    return [
        row[0]
        for row in db.execute(
            "SELECT id FROM recommendations WHERE plan_id = ? ORDER BY position, id", [plan_id]
        ).fetchall()
    ]


@pytest.fixture
def fixed_time(monkeypatch):
    """Withdrawals happen at 10:30 on 2 December 2026."""
    monkeypatch.setattr(changes, "now", lambda: WITHDRAWN_ON)


# ----- The plan's title and period ----------------------------------------------------------


def test_the_administrator_changes_the_plans_title_and_period(admin, db):
    form = form_on(admin, f"/plans/{PLAN}/edit")
    response = admin.post(
        f"/plans/{PLAN}/edit",
        data={
            **form,
            "title": "  Youth justice improvement plan 2023-2025 ",
            "period": "2023-2025",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{PLAN}/recommendations"
    plan = db["plans"].get(PLAN)
    assert (plan["title"], plan["period"]) == (
        "Youth justice improvement plan 2023-2025",
        "2023-2025",
    )
    [entry] = audit_rows(db, "update", "plans")
    assert entry["user_id"] == ADMINISTRATOR and entry["board_id"] == BOARD
    assert entry["before"]["title"].startswith("North East Lincolnshire Youth Justice Services")
    assert entry["before"]["period"] == "2022-2023"
    assert entry["after"]["title"] == "Youth justice improvement plan 2023-2025"
    assert entry["after"]["period"] == "2023-2025"
    assert "Youth justice improvement plan 2023-2025" in admin.get(f"/plans/{PLAN}").text


# ----- Recommendations ----------------------------------------------------------------------


def test_the_administrator_changes_a_recommendations_number_wording_addressee_and_origin(admin, db):
    url = f"/recommendations/{RECOMMENDATION}/edit"
    page = admin.get(url).text
    assert 'value="4"' in page and "Continue to strengthen operational" in page
    sent = recommendation_fields(
        number=" 11 ",
        text="Agree a shared protocol with children's social care",
        addressee="",
        origin="local",
    )
    response = admin.post(url, data={**hidden_fields(page), **sent})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{PLAN}/recommendations#recommendation-4"
    row = db["recommendations"].get(RECOMMENDATION)
    assert (row["number"], row["text"], row["addressee"], row["origin"]) == (
        11,
        "Agree a shared protocol with children's social care",
        None,
        "local",
    )
    [entry] = audit_rows(db, "update", "recommendations")
    assert entry["row_id"] == RECOMMENDATION
    assert (entry["before"]["number"], entry["before"]["origin"]) == (4, "inspectorate")
    assert entry["before"]["addressee"] == "The North East Lincolnshire Youth Offending Service"
    assert (entry["after"]["number"], entry["after"]["origin"], entry["after"]["addressee"]) == (
        11,
        "local",
        None,
    )
    plan_page = admin.get(f"/plans/{PLAN}").text
    assert "11. Agree a shared protocol with children&#39;s social care" in plan_page


def test_a_number_leaves_blank_and_a_number_another_recommendation_has_is_refused(admin, db):
    url = f"/recommendations/{RECOMMENDATION}/edit"
    before = plan_dump(db)
    response = admin.post(url, data={**form_on(admin, url), **recommendation_fields(number="5")})
    assert response.status_code == 400
    assert "Another recommendation in this plan is number 5" in response.text
    assert "Error: " in response.text  # in the page title
    assert plan_dump(db) == before

    admin.post(url, data={**form_on(admin, url), **recommendation_fields(number="")})
    assert db["recommendations"].get(RECOMMENDATION)["number"] is None


def test_a_local_recommendation_is_added_at_the_end_of_the_plan(admin, db):
    url = f"/plans/{PLAN}/recommendations/new"
    page = admin.get(url).text
    assert re.search(r'value="local"\s+checked', page), "local is chosen to start with"
    sent = {
        "number": "",
        "text": "Board members visit the service each quarter",
        "addressee": "",
        "origin": "local",
    }
    response = admin.post(url, data={**hidden_fields(page), **sent})
    assert response.status_code == 302
    [entry] = audit_rows(db, "insert", "recommendations")
    added = db["recommendations"].get(entry["row_id"])
    assert (added["plan_id"], added["number"], added["origin"], added["addressee"]) == (
        PLAN,
        None,
        "local",
        None,
    )
    assert added["position"] == 11
    assert order_of(db)[-1] == added["id"]
    assert entry["before"] is None and entry["after"]["text"] == sent["text"]
    plan_page = admin.get(f"/plans/{PLAN}").text
    row = plan_page[plan_page.index(f'id="recommendation-{added["id"]}"') :]
    assert "Board members visit the service each quarter" in row[:1000]
    assert "Added by the board" in row[:1000]


def test_moving_a_recommendation_swaps_it_with_its_neighbour(admin, db):
    url = f"/plans/{PLAN}/recommendations"
    page = admin.get(url).text
    assert 'value="up:1"' not in page and 'value="down:10"' not in page
    assert 'value="up:4"' in page and 'value="down:4"' in page
    response = admin.post(url, data={**hidden_fields(page), "move": "up:4"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}#recommendation-4"
    assert order_of(db) == [1, 2, 4, 3, 5, 6, 7, 8, 9, 10]
    moves = {
        (row["row_id"], row["before"]["position"], row["after"]["position"])
        for row in audit_rows(db, "update", "recommendations")
    }
    assert moves == {(4, 4, 3), (3, 3, 4)}

    response = admin.post(url, data={**form_on(admin, url), "move": "down:1"})
    assert order_of(db) == [2, 1, 4, 3, 5, 6, 7, 8, 9, 10]
    plan_page = admin.get(f"/plans/{PLAN}").text
    shown = re.findall(r'<tr class="govuk-table__row" id="recommendation-(\d+)"', plan_page)
    assert [int(one) for one in shown] == order_of(db)


@pytest.mark.parametrize(
    "move", ["up:1", "down:10", "up:999", "sideways:4", "up:", "", "up:4:5", "up:-4"]
)
def test_a_move_that_cannot_be_made_changes_nothing(admin, db, move):
    url = f"/plans/{PLAN}/recommendations"
    before = plan_dump(db)
    response = admin.post(url, data={**form_on(admin, url), "move": move})
    assert response.status_code == 400
    assert plan_dump(db) == before


# ----- Key lines of enquiry -----------------------------------------------------------------


def test_a_key_line_is_added_from_the_reports_findings(admin, db):
    url = f"/recommendations/{RECOMMENDATION}/key-lines"
    page = admin.get(url).text
    assert offered(UNUSED_FINDING, page)
    assert not offered(USED_FINDING, page), "a finding the recommendation has is not offered"
    assert "Area for improvement, Organisational delivery" in page
    response = admin.post(
        url, data={**hidden_fields(page), "source": str(UNUSED_FINDING), "text": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    finding = db["findings"].get(UNUSED_FINDING)
    [entry] = audit_rows(db, "insert", "key_lines")
    line = db["key_lines"].get(entry["row_id"])
    assert (line["recommendation_id"], line["finding_id"], line["text"], line["position"]) == (
        RECOMMENDATION,
        UNUSED_FINDING,
        finding["text"],
        4,
    )
    assert entry["after"]["finding_id"] == UNUSED_FINDING
    assert not offered(UNUSED_FINDING, admin.get(url).text)
    assert finding["text"] in admin.get(f"/recommendations/{RECOMMENDATION}").text


def test_a_key_line_is_added_in_the_boards_own_words(admin, db):
    url = f"/recommendations/{RECOMMENDATION}/key-lines"
    form = form_on(admin, url)
    response = admin.post(url, data={**form, "source": "own", "text": ""})
    assert response.status_code == 400
    assert "Enter the key line of enquiry" in response.text
    response = admin.post(
        url, data={**form, "source": "own", "text": " How do schools hear about court outcomes? "}
    )
    assert response.status_code == 302
    [entry] = audit_rows(db, "insert", "key_lines")
    line = db["key_lines"].get(entry["row_id"])
    assert (line["finding_id"], line["text"]) == (None, "How do schools hear about court outcomes?")


def test_a_key_line_is_removed(admin, db):
    url = f"/recommendations/{RECOMMENDATION}/key-lines"
    page = admin.get(url).text
    assert page.count('name="remove"') == 3
    response = admin.post(f"{url}/remove", data={**hidden_fields(page), "remove": "6"})
    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert [row["id"] for row in db["key_lines"].rows_where("recommendation_id = 4")] == [5, 7]
    [entry] = audit_rows(db, "delete", "key_lines")
    assert entry["row_id"] == 6 and entry["after"] is None
    assert entry["before"]["text"].startswith("Practitioners need to use all information")
    assert db["findings"].get(13)  # the finding stays in the report


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("", "source", str(USED_FINDING)),  # already one of its key lines
        ("", "source", "999"),  # no such finding
        ("", "source", "not-a-finding"),
        ("", "source", ""),
        ("/remove", "remove", "1"),  # another recommendation's key line
        ("/remove", "remove", "999"),
        ("/remove", "remove", "six"),
        ("/remove", "remove", ""),
    ],
)
def test_a_key_line_the_page_did_not_offer_changes_nothing(admin, db, path, field, value):
    url = f"/recommendations/{RECOMMENDATION}/key-lines"
    before = plan_dump(db)
    response = admin.post(url + path, data={**form_on(admin, url), field: value, "text": ""})
    assert response.status_code == 400
    assert plan_dump(db) == before


def test_a_finding_of_another_inspection_is_not_offered_or_accepted(admin, db):
    other = (
        db["inspections"]
        .insert({"service_id": 1, "inspectorate": "HMIP", "title": "Other"})
        .last_pk
    )
    finding = (
        db["findings"]
        .insert(
            {"inspection_id": other, "section": "1.1", "kind": "improvement", "text": "Elsewhere"}
        )
        .last_pk
    )
    url = f"/recommendations/{RECOMMENDATION}/key-lines"
    page = admin.get(url).text
    assert "Elsewhere" not in page
    before = plan_dump(db)
    response = admin.post(url, data={**hidden_fields(page), "source": str(finding)})
    assert response.status_code == 400
    assert plan_dump(db) == before


# ----- Withdrawing --------------------------------------------------------------------------


def withdraw(client, recommendation_id: int, reason: str):
    url = f"/recommendations/{recommendation_id}/withdraw"
    return client.post(url, data={**form_on(client, url), "reason": reason})


def test_withdrawing_needs_a_reason(admin, db):
    before = plan_dump(db)
    for reason in ("", "   ", "\x00\x01"):
        response = withdraw(admin, RECOMMENDATION, reason)
        assert response.status_code == 400
        assert "Enter why the board is withdrawing this recommendation" in response.text
    assert plan_dump(db) == before


def test_a_withdrawn_recommendation_stays_in_the_plan_with_the_boards_reason(
    admin, signed_in, db, fixed_time
):
    response = withdraw(admin, RECOMMENDATION, "Merged into recommendation 3 by the board")
    assert response.status_code == 302
    row = db["recommendations"].get(RECOMMENDATION)
    assert row["withdrawn_at"].startswith("2026-12-02T10:30:00")
    assert row["withdrawn_in_quarter"] == "2022/23 Q4"  # the plan's current quarter
    assert row["withdrawn_reason"] == "Merged into recommendation 3 by the board"
    assert row["withdrawn_by"] == ADMINISTRATOR
    [entry] = audit_rows(db, "update", "recommendations")
    assert entry["before"]["withdrawn_at"] is None and entry["before"]["withdrawn_reason"] is None
    assert entry["after"]["withdrawn_reason"] == "Merged into recommendation 3 by the board"
    shown = f"<strong>{LABEL}:</strong> Merged into recommendation 3 by the board"
    for role in ("administrator", "champion", "scrutiny"):
        client = signed_in(role)
        assert shown in client.get(f"/recommendations/{RECOMMENDATION}").text, role
        plan_page = client.get(f"/plans/{PLAN}").text
        row_html = plan_page[plan_page.index('id="recommendation-4"') :]
        assert shown in row_html[: row_html.index("</th>")], role
    assert shown in admin.get(f"/plans/{PLAN}/published").text
    change_page = admin.get(f"/plans/{PLAN}/recommendations").text
    assert shown in change_page
    assert "Reinstate<span" in change_page
    # Still in the plan, in its place.
    assert order_of(db) == list(range(1, 11))


def test_a_withdrawn_recommendation_takes_no_more_updates(signed_in, db, fixed_time):
    admin, champion = signed_in("administrator"), signed_in("champion")
    assert "Write this quarter's update" in champion.get(f"/recommendations/{CHAMPIONED}").text
    update_url = f"/recommendations/{CHAMPIONED}/update"
    form = form_on(champion, update_url)
    withdraw(admin, CHAMPIONED, "The service has been restructured")
    page = champion.get(f"/recommendations/{CHAMPIONED}").text
    assert "this quarter's update" not in page
    assert "takes no more updates" in page
    updates = db["progress_updates"].count
    response = champion.post(
        update_url,
        data={**form, "action": "submit", "narrative": "More progress", "status": "green"},
    )
    assert response.status_code == 409
    assert "withdrawn by the board, so it takes no more updates" in response.text
    assert db["progress_updates"].count == updates
    quarter_id = db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0]
    with pytest.raises(workflow.UpdateError, match="withdrawn"):
        workflow.save_update(
            db, CHAMPIONED, quarter_id, {"narrative": "x"}, 0, False, Actor(ADMINISTRATOR, BOARD)
        )


def test_a_withdrawn_recommendation_can_be_reinstated(admin, db, fixed_time):
    withdraw(admin, RECOMMENDATION, "Agreed with the inspectorate")
    url = f"/recommendations/{RECOMMENDATION}/withdraw"
    page = admin.get(url).text
    assert "Reinstate recommendation 4?" in page
    assert 'name="reason"' not in page
    response = admin.post(f"/recommendations/{RECOMMENDATION}/reinstate", data=hidden_fields(page))
    assert response.status_code == 302
    row = db["recommendations"].get(RECOMMENDATION)
    assert [
        row[name]
        for name in ("withdrawn_at", "withdrawn_in_quarter", "withdrawn_reason", "withdrawn_by")
    ] == [None] * 4
    entries = audit_rows(db, "update", "recommendations")
    assert entries[-1]["before"]["withdrawn_reason"] == "Agreed with the inspectorate"
    assert entries[-1]["after"]["withdrawn_reason"] is None
    assert LABEL not in admin.get(f"/plans/{PLAN}").text


def test_withdrawing_or_reinstating_twice_changes_nothing(admin, db, fixed_time):
    url = f"/recommendations/{RECOMMENDATION}/withdraw"
    reinstate_url = f"/recommendations/{RECOMMENDATION}/reinstate"
    not_withdrawn = form_on(admin, url)
    before = plan_dump(db)
    assert admin.post(reinstate_url, data=not_withdrawn).status_code == 400
    assert plan_dump(db) == before
    withdraw(admin, RECOMMENDATION, "First time")
    withdrawn = form_on(admin, url)
    before = plan_dump(db)
    response = admin.post(url, data={**withdrawn, "reason": "Second time"})
    assert response.status_code == 400
    assert plan_dump(db) == before


# ----- A change from a page someone else has since saved ------------------------------------


def someone_else_changes_the_plan(db):
    changes.change_plan_details(
        db,
        PLAN,
        {"title": "Renamed by a colleague", "period": "2022-2023"},
        changes.plan_details_fingerprint(db["plans"].get(PLAN)),
        SYSTEM,
    )


def someone_else_changes_the_recommendation(db):
    current = db["recommendations"].get(RECOMMENDATION)
    changes.change_recommendation(
        db,
        RECOMMENDATION,
        {**current, "text": "Reworded by a colleague"},
        changes.recommendation_fingerprint(current),
        SYSTEM,
    )


def someone_else_moves_one(db):
    changes.move_recommendation(db, PLAN, 9, "down", changes.order_fingerprint(db, PLAN), SYSTEM)


def someone_else_adds_a_key_line(db):
    changes.add_key_line(
        db,
        RECOMMENDATION,
        None,
        "Added by a colleague",
        changes.key_lines_fingerprint(db, RECOMMENDATION),
        SYSTEM,
    )


def someone_else_withdraws_it(db):
    current = db["recommendations"].get(RECOMMENDATION)
    changes.withdraw_recommendation(
        db,
        RECOMMENDATION,
        "Withdrawn by a colleague",
        changes.recommendation_fingerprint(current),
        SYSTEM,
    )


STALE = {
    "plan details": (
        f"/plans/{PLAN}/edit",
        "",
        {"title": "Mine", "period": "2022-2023"},
        someone_else_changes_the_plan,
    ),
    "recommendation": (
        f"/recommendations/{RECOMMENDATION}/edit",
        "",
        recommendation_fields(text="Mine"),
        someone_else_changes_the_recommendation,
    ),
    "recommendation, changed by a withdrawal": (
        f"/recommendations/{RECOMMENDATION}/edit",
        "",
        recommendation_fields(text="Mine"),
        someone_else_withdraws_it,
    ),
    "order": (f"/plans/{PLAN}/recommendations", "", {"move": "up:4"}, someone_else_moves_one),
    "key line added": (
        f"/recommendations/{RECOMMENDATION}/key-lines",
        "",
        {"source": "own", "text": "Mine"},
        someone_else_adds_a_key_line,
    ),
    "key line removed": (
        f"/recommendations/{RECOMMENDATION}/key-lines",
        "/remove",
        {"remove": "5"},
        someone_else_adds_a_key_line,
    ),
    "withdrawal": (
        f"/recommendations/{RECOMMENDATION}/withdraw",
        "",
        {"reason": "Mine"},
        someone_else_changes_the_recommendation,
    ),
}


@pytest.mark.parametrize("what", STALE)
def test_a_change_from_a_page_someone_else_has_since_saved_is_refused(admin, db, what):
    url, path, sent, meanwhile = STALE[what]
    form = form_on(admin, url)
    meanwhile(db)
    before = plan_dump(db)
    response = admin.post(url + path, data={**form, **sent})
    assert response.status_code == 302
    assert response.headers["Location"] == url
    [(category, message)] = flashed(admin)
    assert category == "error" and message.startswith("Someone else changed")
    assert plan_dump(db) == before
    assert admin.get(url).status_code == 200  # the fresh page, to check and save again


def test_reinstating_from_a_page_someone_else_has_since_saved_is_refused(admin, db, fixed_time):
    withdraw(admin, RECOMMENDATION, "First reason")
    url = f"/recommendations/{RECOMMENDATION}/withdraw"
    form = form_on(admin, url)
    current = db["recommendations"].get(RECOMMENDATION)
    changes.change_recommendation(
        db,
        RECOMMENDATION,
        {**current, "number": 12},
        changes.recommendation_fingerprint(current),
        SYSTEM,
    )
    before = plan_dump(db)
    response = admin.post(f"/recommendations/{RECOMMENDATION}/reinstate", data=form)
    assert response.status_code == 302 and response.headers["Location"] == url
    assert plan_dump(db) == before


# ----- Who may change a plan ----------------------------------------------------------------

PAGES = [
    f"/plans/{PLAN}/edit",
    f"/plans/{PLAN}/recommendations",
    f"/plans/{PLAN}/recommendations/new",
    f"/recommendations/{RECOMMENDATION}/edit",
    f"/recommendations/{RECOMMENDATION}/key-lines",
    f"/recommendations/{RECOMMENDATION}/withdraw",
    f"/boards/{BOARD}/plans/new",
]
POST_ONLY = [
    f"/recommendations/{RECOMMENDATION}/key-lines/remove",
    f"/recommendations/{RECOMMENDATION}/reinstate",
]


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_an_administrator_may_change_the_plan(signed_in, db, role):
    client = signed_in(role)
    token = csrf_token(client, f"/plans/{PLAN}")
    before = plan_dump(db)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    for url in PAGES + POST_ONLY:
        data = {
            "csrf_token": token,
            "title": "x",
            "text": "x",
            "reason": "x",
            "origin": "local",
            "move": "up:4",
            "remove": "5",
        }
        assert client.post(url, data=data).status_code == 403, url
    assert plan_dump(db) == before
    assert "plan_changes" not in client.get(f"/plans/{PLAN}").text
    assert "/recommendations/4/edit" not in client.get(f"/recommendations/{RECOMMENDATION}").text


def test_another_boards_administrator_is_told_the_pages_do_not_exist(app, db):
    from tracker.auth import accounts

    board = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    accounts.create_user(
        db,
        email="admin@another.example.org",
        password="another-password-1",
        name="Other",
        board_id=board,
        role="administrator",
        actor=SYSTEM,
    )
    client = app.test_client()
    token = csrf_token(client)
    client.post(
        "/sign-in",
        data={
            "email": "admin@another.example.org",
            "password": "another-password-1",
            "csrf_token": token,
        },
    )
    token = csrf_token(client, "/")
    before = plan_dump(db)
    for url in PAGES:
        assert client.get(url).status_code == 404, url
    for url in PAGES + POST_ONLY:
        assert client.post(url, data={"csrf_token": token, "title": "x"}).status_code == 404, url
    assert plan_dump(db) == before


def test_the_plan_and_recommendation_pages_link_to_the_changes(admin):
    assert f'href="/plans/{PLAN}/recommendations"' in admin.get(f"/plans/{PLAN}").text
    page = admin.get(f"/recommendations/{RECOMMENDATION}").text
    for url in (
        f"/plans/{PLAN}/recommendations",
        "/recommendations/4/edit",
        "/recommendations/4/key-lines",
        "/recommendations/4/withdraw",
    ):
        assert f'href="{url}"' in page, url
    assert 'href="/boards/1/plans/new"' in admin.get(f"/boards/{BOARD}/reports/new").text


# ----- Hostile and broken input -------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
SQL = "'; DROP TABLE recommendations; --"
# Each form, its fields as a browser fills them in, and the fields to try bad values in.
FORMS = {
    "plan details": (
        f"/plans/{PLAN}/edit",
        {"title": "A title", "period": "2022-2023"},
        ("title", "period"),
    ),
    "new plan": (
        f"/boards/{BOARD}/plans/new",
        {"title": "A title", "period": "2024-2025"},
        ("title", "period"),
    ),
    "new recommendation": (
        f"/plans/{PLAN}/recommendations/new",
        recommendation_fields(number=""),
        ("number", "text", "addressee", "origin"),
    ),
    "recommendation": (
        f"/recommendations/{RECOMMENDATION}/edit",
        recommendation_fields(),
        ("number", "text", "addressee", "origin"),
    ),
    "key line": (
        f"/recommendations/{RECOMMENDATION}/key-lines",
        {"source": "own", "text": "A key line"},
        ("text",),
    ),
    "withdrawal": (
        f"/recommendations/{RECOMMENDATION}/withdraw",
        {"reason": "A reason"},
        ("reason",),
    ),
}
# Refused wherever they are sent: empty, only characters no keyboard makes, too long.
REFUSED = ["", "   ", "\x00", "\x01\x02\x1b", "x" * 10_001]
# Refused as a number, an origin or a one-line text.
NOT_A_NUMBER = [
    "0",
    "-1",
    "1000",
    "3.5",
    "1e3",
    "\u00b2",
    "\u0663",
    "\uff17",
    "4; DROP TABLE plans",
    SCRIPT,
]
NOT_AN_ORIGIN = ["inspectorate ", "Local", SQL, SCRIPT, "board"]
TWO_LINES = "First line\r\nSecond line"
OPTIONAL = {"period", "addressee", "number"}


def bad_values(field: str) -> list[str]:
    if field == "number":
        return [value for value in NOT_A_NUMBER + REFUSED if value.strip("\x00\x01\x02\x1b ")]
    if field == "origin":
        return NOT_AN_ORIGIN + REFUSED
    values = [
        value for value in REFUSED if field not in OPTIONAL or value.strip("\x00\x01\x02\x1b ")
    ]
    if field in ("title", "period", "addressee"):
        values.append(TWO_LINES)
    return values


@pytest.mark.parametrize("name", FORMS)
def test_bad_input_to_every_form_is_refused_with_a_message_and_changes_nothing(admin, db, name):
    url, good, fields = FORMS[name]
    form = form_on(admin, url)
    before = plan_dump(db)
    for field in fields:
        for value in bad_values(field):
            response = admin.post(url, data={**form, **good, field: value})
            assert response.status_code == 400, (field, value[:20])
            assert "govuk-error-summary" in response.text, (field, value[:20])
            assert plan_dump(db) == before, (field, value[:20])


@pytest.mark.parametrize("name", FORMS)
def test_script_and_sql_are_kept_as_typed_and_shown_escaped(admin, db, name):
    url, good, fields = FORMS[name]
    text_fields = [field for field in fields if field not in ("number", "origin")]
    for field in text_fields:
        typed = f" {SCRIPT} {SQL}\x00 "
        response = admin.post(url, data={**form_on(admin, url), **good, field: typed})
        assert response.status_code == 302, field
        landed = admin.get(response.headers["Location"])
        assert SCRIPT not in landed.text
        assert db["recommendations"].count >= 10  # nothing dropped
    stored = f"{SCRIPT} {SQL}"
    found = json.dumps(plan_dump(db)) + json.dumps(list(db.query("SELECT * FROM plans")))
    assert json.dumps(stored)[1:-1] in found


def test_an_empty_or_forged_form_changes_nothing(admin, db):
    before = plan_dump(db)
    for url in PAGES + POST_ONLY:
        assert admin.post(url, data={}).status_code == 400, url  # no CSRF token
    token = csrf_token(admin, f"/plans/{PLAN}")
    for url in PAGES + POST_ONLY:
        response = admin.post(url, data={"csrf_token": token, "fingerprint": "forged"})
        assert response.status_code in (302, 400), url
    assert plan_dump(db) == before


# ----- A blank plan -------------------------------------------------------------------------


def test_a_board_starts_a_blank_plan_and_builds_it_on_the_same_pages(admin, db):
    url = f"/boards/{BOARD}/plans/new"
    response = admin.post(
        url, data={**form_on(admin, url), "title": "Board plan 2024-2025", "period": "2024-2025"}
    )
    assert response.status_code == 302
    [entry] = audit_rows(db, "insert", "plans")
    plan_id = entry["row_id"]
    assert response.headers["Location"] == f"/plans/{plan_id}/recommendations"
    plan = db["plans"].get(plan_id)
    assert (
        plan["board_id"],
        plan["inspection_id"],
        plan["state"],
        plan["title"],
        plan["period"],
    ) == (
        BOARD,
        None,
        "draft",
        "Board plan 2024-2025",
        "2024-2025",
    )
    page = admin.get(response.headers["Location"]).text
    assert "This plan has no recommendations yet" in page
    assert "No report: the board's own plan" in page

    new = f"/plans/{plan_id}/recommendations/new"
    for number, text, origin in (
        ("1", "Improve the quality of assessments", "inspectorate"),
        ("", "Board development", "local"),
    ):
        response = admin.post(
            new,
            data={
                **form_on(admin, new),
                "number": number,
                "text": text,
                "addressee": "",
                "origin": origin,
            },
        )
        assert response.status_code == 302
    added = list(
        db.query("SELECT * FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id])
    )
    assert [(row["number"], row["origin"], row["position"]) for row in added] == [
        (1, "inspectorate", 1),
        (None, "local", 2),
    ]

    key_lines = f"/recommendations/{added[0]['id']}/key-lines"
    page = admin.get(key_lines).text
    assert 'type="radio"' not in page  # no report, so no findings to choose from
    response = admin.post(
        key_lines, data={**hidden_fields(page), "text": "Assessment quality audits"}
    )
    assert response.status_code == 302
    assert [
        row["text"] for row in db["key_lines"].rows_where("recommendation_id = ?", [added[0]["id"]])
    ] == ["Assessment quality audits"]

    plan_page = admin.get(f"/plans/{plan_id}")
    assert plan_page.status_code == 200
    assert "Improve the quality of assessments" in plan_page.text
    assert "Assessment quality audits" in plan_page.text


# ----- A closed plan ------------------------------------------------------------------------


def test_a_closed_plan_refuses_every_change(admin, db):
    forms = {url: form_on(admin, url) for url in PAGES if not url.startswith("/boards")}
    db["plans"].update(PLAN, {"state": "closed", "closed_at": "2024-04-01T00:00:00Z"})
    before = plan_dump(db)
    change_page = admin.get(f"/plans/{PLAN}/recommendations").text
    assert "This plan is closed" in change_page
    for control in (
        'name="move"',
        "Add a local recommendation",
        "/recommendations/4/edit",
        f"/plans/{PLAN}/edit",
    ):
        assert control not in change_page, control
    for url, form in forms.items():
        sent = {
            **form,
            "title": "x",
            "text": "x",
            "reason": "x",
            "origin": "local",
            "move": "up:4",
            "source": "own",
        }
        for method in ("GET", "POST"):
            if (url, method) == (f"/plans/{PLAN}/recommendations", "GET"):
                continue  # the page itself, read only
            response = admin.open(url, method=method, data=sent if method == "POST" else None)
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"] == f"/plans/{PLAN}/recommendations"
            [(category, message)] = flashed(admin)
            assert (category, message) == ("error", changes.CLOSED_MESSAGE)
            admin.get(response.headers["Location"])  # shows and clears the message
    for url in POST_ONLY:
        response = admin.post(
            url, data={**forms[f"/recommendations/{RECOMMENDATION}/key-lines"], "remove": "5"}
        )
        assert response.status_code == 302, url
        admin.get(response.headers["Location"])
    assert plan_dump(db) == before
    assert "/recommendations/4/edit" not in admin.get(f"/recommendations/{RECOMMENDATION}").text


def test_the_domain_refuses_changes_to_a_closed_plan(db):
    db["plans"].update(PLAN, {"state": "closed"})
    current = db["recommendations"].get(RECOMMENDATION)
    before = plan_dump(db)
    attempts = [
        lambda: changes.change_plan_details(
            db,
            PLAN,
            {"title": "x"},
            changes.plan_details_fingerprint(db["plans"].get(PLAN)),
            SYSTEM,
        ),
        lambda: changes.add_recommendation(db, PLAN, {"text": "x", "origin": "local"}, SYSTEM),
        lambda: changes.change_recommendation(
            db,
            RECOMMENDATION,
            {**current, "text": "x"},
            changes.recommendation_fingerprint(current),
            SYSTEM,
        ),
        lambda: changes.move_recommendation(
            db, PLAN, 4, "up", changes.order_fingerprint(db, PLAN), SYSTEM
        ),
        lambda: changes.add_key_line(
            db, RECOMMENDATION, None, "x", changes.key_lines_fingerprint(db, RECOMMENDATION), SYSTEM
        ),
        lambda: changes.remove_key_line(
            db, RECOMMENDATION, 5, changes.key_lines_fingerprint(db, RECOMMENDATION), SYSTEM
        ),
        lambda: changes.withdraw_recommendation(
            db, RECOMMENDATION, "x", changes.recommendation_fingerprint(current), SYSTEM
        ),
    ]
    for attempt in attempts:
        with pytest.raises(changes.PlanClosed):
            attempt()
    assert plan_dump(db) == before


def test_the_withdrawal_date_is_the_day_in_the_uk():
    assert changes.withdrawn_words("2026-12-02T10:30:00.000000Z") == LABEL
    # Just after midnight in British Summer Time is still the evening before in UTC.
    assert changes.withdrawn_words("2026-06-30T23:30:00.000000Z") == (
        "Withdrawn by the board on 1 July 2026"
    )
