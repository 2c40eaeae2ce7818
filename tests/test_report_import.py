"""Uploading a report, reviewing the draft plan and creating the plan from it."""

import io
import json
import re

import pytest

from tests.conftest import REPORTS, csrf_token

NEL_FILE = REPORTS / "north-east-lincolnshire-2022-with-plan.txt"
SUNDERLAND_FILE = REPORTS / "sunderland-2022.txt"


def upload(client, name: str, data: bytes, board_id: int = 1):
    path = f"/boards/{board_id}/reports/new"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "report": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def review_form(page: str) -> dict:
    """Every field of the review page as the browser would send it, unchanged."""
    fields: dict[str, list[str]] = {}

    def add(name, value):
        fields.setdefault(name, []).append(value)

    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind[1] in ("checkbox", "radio") and "checked" not in tag:
            continue
        add(name[1], _unescape(value[1]) if value else "")
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        add(name, _unescape(body))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        add(name, _unescape(chosen[1]))
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def post_review(client, import_id: int, action: str, **changes):
    page = client.get(f"/imports/{import_id}").text
    fields = review_form(page)
    fields.update(
        {name: value if isinstance(value, list) else [value] for name, value in changes.items()}
    )
    fields["action"] = [action]
    return client.post(f"/imports/{import_id}", data=fields)


def recommendation_keys(client, import_id: int) -> list[str]:
    return re.findall(r'name="rec-([0-9a-f]+)-text"', client.get(f"/imports/{import_id}").text)


def test_uploading_a_report_shows_the_draft_for_review(admin):
    response = upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).text
    assert "Check the draft plan" in page
    assert len(recommendation_keys(admin, 1)) == 5
    assert "The Probation Service" in page and "Score" in page


def test_the_same_report_uploaded_twice_is_one_import(admin, db):
    first = upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    second = upload(admin, "copy of sunderland.txt", SUNDERLAND_FILE.read_bytes())
    assert first.headers["Location"] == second.headers["Location"]
    assert db["report_imports"].count == 1


def test_the_review_creates_the_plan_with_a_local_recommendation(admin, db):
    upload(admin, "nel.txt", NEL_FILE.read_bytes())
    response = post_review(admin, 1, "add-local", **{"add-local": "Board development"})
    assert response.status_code == 302
    assert len(recommendation_keys(admin, 1)) == 9
    response = post_review(admin, 1, "create", **{"plan-title": "NEL HMIP improvement plan"})
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    plan = admin.get(f"/plans/{plan_id}.json").get_json()
    assert plan["plan"]["title"] == "NEL HMIP improvement plan"
    numbers = [(r["number"], r["origin"], r["addressee"]) for r in plan["recommendations"]]
    assert numbers[7] == (8, "inspectorate", "The Partnership Board")
    assert numbers[8] == (9, "local", None)
    assert all(r["key_lines_of_enquiry"] for r in plan["recommendations"][:8])
    page = admin.get(f"/plans/{plan_id}").text
    assert "Board development" in page
    inspection = db.execute(
        "SELECT id, score, max_score FROM inspections ORDER BY id DESC"
    ).fetchone()
    assert inspection[1:] == (27, 36)
    ratings = admin.get(f"/inspections/{inspection[0]}").text
    assert "27/36" in ratings and "Rated separately, not in the score" in ratings


def test_creating_twice_makes_one_plan(admin, db):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    fields = {**review_form(admin.get("/imports/1").text), "action": ["create"]}
    first = admin.post("/imports/1", data=fields)
    plans = db["plans"].count
    again = admin.post("/imports/1", data=fields)  # the button pressed twice
    assert again.status_code == 302 and db["plans"].count == plans
    assert again.headers["Location"] == first.headers["Location"]
    assert upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes()).status_code == 302
    assert db["plans"].count == plans


def test_reordering_merging_splitting_and_deleting(admin):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    keys = recommendation_keys(admin, 1)
    post_review(admin, 1, f"{keys[4]}:move-up")
    assert recommendation_keys(admin, 1) == [keys[0], keys[1], keys[2], keys[4], keys[3]]
    post_review(admin, 1, f"{keys[0]}:merge")
    page = admin.get("/imports/1").text
    assert len(recommendation_keys(admin, 1)) == 4
    assert "focusing on managing the risk of harm to others improve the quality of assessment" in (
        re.sub(r"\s+", " ", page)
    )
    post_review(
        admin, 1, f"{keys[0]}:split", **{f"rec-{keys[0]}-text": "first part\n\nsecond part"}
    )
    assert len(recommendation_keys(admin, 1)) == 5
    post_review(admin, 1, f"{keys[2]}:delete")
    assert keys[2] not in recommendation_keys(admin, 1)


def test_edits_are_kept_when_the_review_is_left_unfinished(admin, app):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    key = recommendation_keys(admin, 1)[0]
    post_review(admin, 1, "save", **{f"rec-{key}-text": "A corrected recommendation"})
    later = app.test_client()
    from tests.conftest import EMAIL_OF_ROLE, sign_in

    sign_in(later, EMAIL_OF_ROLE["administrator"])
    assert "A corrected recommendation" in later.get("/imports/1").text
    assert "Continue the review" in later.get("/boards/1/reports/new").text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": ""}, "Enter the recommendation&#39;s text"),
        ({"text": "x" * 6000}, "Must be 5000 characters or fewer"),
        ({"number": "three"}, "Enter the number as a whole number"),
        ({"board": "999999"}, "Choose key lines and champions from the lists"),
        ({"finding": "999"}, "Choose key lines and champions from the lists"),
        ({"origin": "council"}, "Choose who made the recommendation"),
    ],
)
def test_bad_review_input_is_refused_and_nothing_is_saved(admin, db, changes, message):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    key = recommendation_keys(admin, 1)[0]
    before = db["report_imports"].get(1)["draft"]
    response = post_review(admin, 1, "save", **{f"rec-{key}-{k}": v for k, v in changes.items()})
    assert response.status_code == 400
    assert message in response.text and "<title>Error: " in response.text
    assert db["report_imports"].get(1)["draft"] == before


def test_a_stale_review_does_not_overwrite_a_newer_one(admin, db):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    stale = review_form(admin.get("/imports/1").text)
    key = recommendation_keys(admin, 1)[0]
    post_review(admin, 1, "save", **{f"rec-{key}-text": "Saved first"})
    stale.update({f"rec-{key}-text": ["Saved second, from an old page"], "action": ["save"]})
    response = admin.post("/imports/1", data=stale)
    assert "Someone else changed this draft" in admin.get(response.headers["Location"]).text
    assert "Saved first" in db["report_imports"].get(1)["draft"]


def test_hostile_text_is_shown_as_text(admin):
    hostile = SUNDERLAND_FILE.read_text().replace(
        "provide a probation officer", "<script>alert(1)</script> =cmd|' /C calc'!A0 provide"
    )
    upload(admin, "hostile.txt", hostile.encode())
    page = admin.get("/imports/1").text
    assert "<script>alert(1)" not in page  # markup in a report is read as layout, and dropped
    assert "=cmd|&#39; /C calc&#39;!A0 provide" in page
    post_review(admin, 1, "add-local", **{"add-local": '<img src=x onerror="alert(2)">'})
    page = admin.get("/imports/1").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("report.pdf", b"this is not a pdf", "PDF"),
        ("report.exe", b"MZ\x90\x00\x03", "must be a PDF"),
        ("report.txt", bytes(range(256)) * 50, "does not contain text"),
    ],
)
def test_broken_or_hostile_files_get_a_message_and_change_nothing(
    admin, count_rows, name, data, message
):
    before = count_rows()
    response = upload(admin, name, data)
    assert response.status_code == 400
    assert message.lower() in response.text.lower()
    assert count_rows() == before


def test_the_recommendation_page_links_to_its_place_in_the_report(admin):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    plan_path = post_review(admin, 1, "create").headers["Location"]
    plan = admin.get(f"{plan_path}.json").get_json()
    assert plan["recommendations"][4]["addressee"] == "The Probation Service"
    page = admin.get(plan_path).text
    first = re.search(r'href="/recommendations/(\d+)"', page)[1]
    source = admin.get(f"/recommendations/{first}/source").text
    assert '<mark id="here">1. improve the quality of planning' in source


def test_only_the_administrator_can_import(signed_in):
    for role in ("champion", "scrutiny"):
        client = signed_in(role)
        assert client.get("/boards/1/reports/new").status_code == 403


def test_extract_command_prints_the_published_json(runner):
    result = runner.invoke(args=["extract", str(SUNDERLAND_FILE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "service",
        "inspectorate",
        "title",
        "published",
        "overall_rating",
        "score",
        "ratings",
        "recommendations",
        "findings",
        "warnings",
    ]
    assert data["score"] == {"total": 26, "max": 36}
    assert data["recommendations"][4] == {
        "number": 5,
        "addressee": "The Probation Service",
        "addressee_implied": False,
        "text": "provide a probation officer to the YOS, to support effective transitions and "
        "risk management.",
        "timescale": None,
    }
    assert data["ratings"][0] == {
        "code": "1.1",
        "domain": "Organisational delivery",
        "standard": "Governance and leadership",
        "rating": "Good",
    }


def test_extract_command_says_when_an_addressee_is_implied_and_gives_each_timescale(runner):
    def recommendations(path):
        result = runner.invoke(args=["extract", str(path)])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["recommendations"]

    ilacs = recommendations(REPORTS / "ofsted" / "bury-2025-ilacs.pdf")
    assert {(r["addressee"], r["addressee_implied"], r["timescale"]) for r in ilacs} == {
        ("The local authority", True, None)
    }
    looked_after = recommendations(REPORTS / "ofsted" / "sandwell-2013-looked-after-children.pdf")
    assert {r["addressee_implied"] for r in looked_after} == {False}
    assert [r["timescale"] for r in looked_after][7:9] == ["Immediately", "Within three months"]


def test_extract_command_fails_with_a_message_for_an_unreadable_file(runner, tmp_path):
    missing = runner.invoke(args=["extract", str(tmp_path / "nope.pdf")])
    assert missing.exit_code == 1 and "could not be read" in missing.output
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf")
    result = runner.invoke(args=["extract", str(fake)])
    assert result.exit_code == 1 and "PDF" in result.output


def test_an_administrator_of_two_boards_chooses_the_board_of_the_report(admin, db):
    from tracker.audit import SYSTEM
    from tracker.auth.accounts import add_membership
    from tracker.operators.boards import create_board

    other = create_board(
        db, {"name": "Wearside Partnership Board", "service": "Wearside YJS", "council": ""}, SYSTEM
    )
    add_membership(db, 1, other, "administrator", None, SYSTEM)
    elsewhere = create_board(
        db, {"name": "Board elsewhere", "service": "Elsewhere YJS", "council": ""}, SYSTEM
    )
    page = admin.get("/reports/new").text
    assert "Wearside Partnership Board" in page and "Board elsewhere" not in page
    for refused in ("", str(elsewhere), "1 OR 1=1", "<script>", "9" * 400):
        response = admin.get("/reports/new", query_string={"board": refused})
        assert response.status_code == 400
        assert "Select the board the report is for" in response.text
        assert "<script>" not in response.text
    chosen = admin.get("/reports/new", query_string={"board": str(other)})
    assert chosen.headers["Location"].endswith(f"/boards/{other}/reports/new")
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes(), board_id=other)
    created = post_review(admin, 1, "create")
    plan_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert db["plans"].get(plan_id)["board_id"] == other
    page = admin.get(f"/plans/{plan_id}").text
    assert "Wearside Partnership Board" in page and "North East Lincolnshire" not in page
    from tests.test_lifecycle import start

    assert start(admin, plan_id).status_code == 302
    pack = admin.get(f"/plans/{plan_id}/pack/preview").text
    assert "Wearside Partnership Board" in pack and "North East Lincolnshire" not in pack


def test_someone_administering_one_board_goes_straight_to_its_import(admin, signed_in):
    assert admin.get("/reports/new").headers["Location"].endswith("/boards/1/reports/new")
    assert signed_in("champion").get("/reports/new").status_code == 404
