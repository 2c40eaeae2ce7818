"""Each page as each role sees it, and the errors people meet."""

import json
import re

import pytest

from tests.conftest import csrf_token

ROLES = ("administrator", "champion", "scrutiny")
PAGES = [
    "/",
    "/plans/1",
    "/recommendations/4",
    "/recommendations/10",
    "/inspections/1",
    "/boards/1/people",
    "/plans/1.json",
]
EDIT_CONTROLS = ("Change champions", "Add a person", ">Change<", 'method="post" novalidate')


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_for_every_role(signed_in, role, path):
    assert signed_in(role).get(path).status_code == 200


def test_the_plan_table_has_the_published_columns_and_a_row_per_recommendation(signed_in):
    page = signed_in("champion").get("/plans/1").get_data(as_text=True)
    headers = re.findall(r'<th scope="col" class="govuk-table__header">([^<]+)</th>', page)
    assert headers == [
        "Recommendations",
        "Key lines of enquiry in report",
        "Board champion",
        "Youth Justice Service champion",
        "Progress",
    ]
    assert page.count('<tr class="govuk-table__row" id="recommendation-') == 10
    assert page.count(">TBC<") + page.count("TBC\n") >= 2  # rec 4's board, rec 6's service


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_the_administrator_sees_controls_that_change_things(signed_in, role):
    administrator = signed_in("administrator")
    other = signed_in(role)
    for path in ("/recommendations/4", "/boards/1/people"):
        admin_page = administrator.get(path).get_data(as_text=True)
        page = other.get(path).get_data(as_text=True)
        assert any(control in admin_page for control in EDIT_CONTROLS), path
        assert not any(control in page for control in EDIT_CONTROLS), (role, path)


def test_the_scrutiny_panel_sees_no_email_addresses(signed_in, db):
    db["people"].update(1, {"email": "donna@example.org"})
    assert "donna@example.org" in signed_in("administrator").get("/boards/1/people").text
    assert "donna@example.org" not in signed_in("scrutiny").get("/boards/1/people").text


def test_the_scrutiny_panel_sees_approved_updates_only(signed_in, db):
    quarter = db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0]
    db["progress_updates"].insert(
        {
            "recommendation_id": 1,
            "quarter_id": quarter,
            "revision": 1,
            "status": "red",
            "state": "draft",
            "narrative": "A draft nobody has approved",
        }
    )
    for path in ("/plans/1", "/recommendations/1", "/plans/1.json"):
        assert "A draft nobody has approved" not in signed_in("scrutiny").get(path).text, path
    assert "A draft nobody has approved" in signed_in("champion").get("/recommendations/1").text


def test_the_json_url_serves_the_same_plan_as_the_command(signed_in, runner):
    served = signed_in("administrator").get("/plans/1.json").get_json()
    printed = json.loads(runner.invoke(args=["show-plan", "1", "--json"]).output)
    assert served == printed


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",
        "/plans/999",
        "/plans/abc",
        "/plans/0",
        "/plans/-1",
        "/plans/99999999999999999999999",
        "/recommendations/999999",
        "/people/999/edit",
        "/plans/1.json/../2",
        "/inspections/9223372036854775808",
    ],
)
def test_unknown_or_tampered_urls_get_a_helpful_404(signed_in, path):
    response = signed_in("administrator").get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_an_unknown_json_url_answers_in_json(signed_in):
    response = signed_in("administrator").get("/plans/999.json")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_a_crash_shows_a_helpful_500_page_without_details(app, signed_in):
    from tracker.permissions import signed_in as declared_signed_in

    @app.route("/crash")
    @declared_signed_in
    def crash():
        raise RuntimeError("secret internals")

    app.testing = False  # let the error handler answer, as in production
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = signed_in("administrator").get("/crash")
    assert response.status_code == 500
    assert "Sorry, there is a problem" in response.text and "secret internals" not in response.text


def test_a_wrong_method_gets_a_405_page(signed_in):
    response = signed_in("administrator").post("/plans/1")
    assert response.status_code in (400, 405)  # CSRF is checked before the method


def change_champions(client, recommendation_id, board, service, fingerprint=None):
    path = f"/recommendations/{recommendation_id}/champions"
    page = client.get(path).text
    fingerprint = fingerprint or re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page)[1]
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "fingerprint": fingerprint,
            "board_champions": board,
            "service_champions": service,
        },
    )


def person_id(db, name):
    return db.execute("SELECT id FROM people WHERE name = ?", [name]).fetchone()[0]


def test_the_administrator_changes_champions_and_the_change_is_audited(signed_in, db):
    client = signed_in("administrator")
    spencer, donna = person_id(db, "Spencer Hunt"), person_id(db, "Donna Abernethie")
    response = change_champions(client, 4, [spencer], [donna])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Champions saved for recommendation 4" in page and "Spencer Hunt" in page
    plan = json.loads(client.get("/plans/1.json").text)
    assert plan["recommendations"][3]["board_champions"] == ["Spencer Hunt"]
    entry = db.execute(
        "SELECT user_id, action, after FROM audit_log WHERE table_name = 'champions'"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    admin = db.execute("SELECT id FROM users WHERE email LIKE 'head.of.service%'").fetchone()[0]
    assert entry[0] == admin and entry[1] == "insert" and f'"person_id": {spencer}' in entry[2]


def test_champions_changed_by_someone_else_meanwhile_are_not_overwritten(signed_in, db):
    first, second = signed_in("administrator"), signed_in("administrator")
    stale = re.search(
        r'name="fingerprint"[^>]*value="([^"]*)"', second.get("/recommendations/4/champions").text
    )[1]
    assert change_champions(first, 4, [person_id(db, "Spencer Hunt")], []).status_code == 302
    response = change_champions(second, 4, [person_id(db, "Gemma Woods")], [], fingerprint=stale)
    assert "Someone else changed these champions" in second.get(response.headers["Location"]).text
    names = [
        r[0]
        for r in db.execute(
            "SELECT people.name FROM champions JOIN people ON people.id = champions.person_id"
            " WHERE recommendation_id = 4 AND kind = 'board'"
        )
    ]
    assert names == ["Spencer Hunt"]


@pytest.mark.parametrize("bad", [["999999"], ["abc"], ["1 OR 1=1"]])
def test_a_champion_who_is_not_on_the_board_is_refused(signed_in, count_rows, bad):
    client = signed_in("administrator")
    before = count_rows()
    response = change_champions(client, 4, bad, [])
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert count_rows() == before


def add_person(client, **fields):
    return client.post(
        "/boards/1/people/new",
        data={
            "csrf_token": csrf_token(client, "/boards/1/people/new"),
            **fields,
        },
    )


def test_the_administrator_adds_a_person_and_hostile_text_is_shown_as_text(signed_in, db):
    client = signed_in("administrator")
    name = '<script>alert("x")</script> =HYPERLINK("http://evil")'
    response = add_person(
        client,
        name=name,
        job_title="Robert'); DROP TABLE people;--",
        organisation="file:///etc/passwd",
        email="",
    )
    assert response.status_code == 302
    page = client.get("/boards/1/people").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    row = db.execute("SELECT name, job_title, email FROM people ORDER BY id DESC").fetchone()
    assert row == (name, "Robert'); DROP TABLE people;--", None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter the person&#39;s name"),
        ({"name": "   "}, "Enter the person&#39;s name"),
        ({"name": "x" * 201}, "Name must be 200 characters or fewer"),
        ({"name": "Valid", "email": "not-an-email"}, "Enter an email address in the correct"),
        ({"name": "Valid", "job_title": "y" * 5000}, "Job title must be 200 characters or fewer"),
    ],
)
def test_a_person_with_bad_details_is_refused_with_a_message(
    signed_in, count_rows, fields, message
):
    client = signed_in("administrator")
    before = count_rows()
    response = add_person(client, **fields)
    assert response.status_code == 400
    assert message in response.text and "<title>Error: " in response.text
    assert count_rows() == before


def test_an_oversized_request_is_refused(app, signed_in, count_rows):
    client = signed_in("administrator")
    before = count_rows()
    too_large = app.config["MAX_CONTENT_LENGTH"] + 1
    response = add_person(client, name="x" * too_large)
    assert response.status_code == 413
    assert count_rows() == before


def test_editing_a_person_is_audited_and_refused_if_someone_changed_them_meanwhile(signed_in, db):
    client = signed_in("administrator")
    gemma = person_id(db, "Gemma Woods")
    path = f"/people/{gemma}/edit"
    stale = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', client.get(path).text)[1]
    fresh = {
        "csrf_token": csrf_token(client, path),
        "fingerprint": stale,
        "name": "Gemma Woods",
        "job_title": "Head of Probation Delivery",
        "organisation": "Probation Service",
    }
    assert client.post(path, data=fresh).status_code == 302
    audit = db.execute(
        "SELECT before, after FROM audit_log WHERE table_name = 'people'"
        " AND action = 'update' AND row_id = ?",
        [gemma],
    ).fetchone()
    assert '"job_title": ""' in audit[0] and "Head of Probation Delivery" in audit[1]
    response = client.post(path, data={**fresh, "job_title": "Something else"})
    assert "Someone else changed" in client.get(response.headers["Location"]).text
    assert db["people"].get(gemma)["job_title"] == "Head of Probation Delivery"


def test_saving_champions_unchanged_keeps_the_published_order_and_logs_nothing(signed_in, db):
    client = signed_in("administrator")
    printed = ["Karen Linton", "Steve Ryder", "Rebecca Taylor"]
    before = db["audit_log"].count
    response = change_champions(
        client, 3, [person_id(db, n) for n in sorted(printed)], [person_id(db, "Jo Lawson")]
    )
    assert response.status_code == 302
    plan = json.loads(client.get("/plans/1.json").text)
    assert plan["recommendations"][2]["board_champions"] == printed
    assert db["audit_log"].count == before
