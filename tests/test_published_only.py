"""Councillors see only what was published: a scrutiny panel member, and anyone with a share
link, never sees an update from a quarter still open, nor its text, nor its evidence, on any
URL the app has (pages, JSON, the pack in every format, evidence downloads).

The walk takes every GET route from the app's URL map, fills in every id the database holds,
and asks again with the open quarter in the query string. A route added later is walked too;
one with a variable the walk cannot fill fails the test until it is taught to."""

import io
import itertools
import re
import zipfile
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask import url_for
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tracker.audit import Actor
from tracker.scrutiny import links
from tracker.uk_time import uk_today
from tracker.updates import evidence, workflow

PLAN = 1
ADMIN = Actor(user_id=1, board_id=1)
# One word, so a line break in a PDF cannot split it; in every field of the update and in the
# evidence file's name and content.
PHRASE = "Quokkazanzibar"
EVIDENCE_NAME = f"{PHRASE} workshop minutes.pdf"
# Where the walk finds the ids for each kind of URL variable.
ID_SOURCES = {
    "plan_id": "SELECT id FROM plans",
    "recommendation_id": "SELECT id FROM recommendations",
    "evidence_id": "SELECT id FROM evidence_files",
    "inspection_id": "SELECT id FROM inspections",
    "board_id": "SELECT id FROM boards",
    "person_id": "SELECT id FROM people",
    "import_id": "SELECT id FROM report_imports",
    "action_id": "SELECT id FROM actions",
    "share_link_id": "SELECT id FROM share_links",
    "render_id": "SELECT id FROM pack_renders",
    "reading_id": "SELECT id FROM report_readings UNION SELECT id FROM plan_readings",
    "plan_import_id": "SELECT id FROM plan_imports",
    "user_id": "SELECT id FROM users",
    "invitation_id": "SELECT id FROM invitations",
}
# Pages a scrutiny member must reach with content, so the walk is not passing only because
# everything was refused.
READ_BY_THE_PANEL = (
    "plans.index",
    "plans.show",
    "plans.data",
    "plans.recommendation",
    "scrutiny.published",
    "pack.choose",
    "pack.preview",
    "pack.download",
    "pack.workbook",
    "pack.document",
)


# Setting the scene


def quarter_row(db, label: str) -> dict:
    return next(db.query("SELECT * FROM quarters WHERE plan_id = ? AND label = ?", [PLAN, label]))


def approve_with_evidence(app, db, recommendation_id: int, quarter_id: int) -> None:
    """An approved update in the quarter with the phrase in every field and an evidence file.
    Where the quarter's update was approved before it was reopened, the correction is written
    as the next revision directly: the workflow keeps an approved update as it is."""
    fields = {
        "narrative": f"{PHRASE} narrative, approved while the quarter is open.",
        "impact": f"{PHRASE} impact.",
        "next_steps": f"{PHRASE} next steps.",
        "corrective_action": f"{PHRASE} corrective action.",
        "status": "red",
    }
    latest = workflow.latest_revision(db, recommendation_id, quarter_id)
    based_on = latest["revision"] if latest else 0

    def submit() -> dict:
        if latest is None or latest["state"] != "approved":
            return workflow.save_update(
                db, recommendation_id, quarter_id, fields, based_on, True, ADMIN
            )
        row = {
            **fields,
            "recommendation_id": recommendation_id,
            "quarter_id": quarter_id,
            "revision": based_on + 1,
            "state": "submitted",
            "author_id": ADMIN.user_id,
        }
        return dict(db["progress_updates"].get(db["progress_updates"].insert(row).last_pk))

    content = b"%PDF-1.4\n% " + PHRASE.encode() + b" evidence\n%%EOF\n"
    checked = evidence.check_file(EVIDENCE_NAME, io.BytesIO(content), 1_000_000)
    submitted = evidence.save_with_files(
        db, app.config["EVIDENCE_FOLDER"], [checked], ADMIN, submit
    )
    workflow.review_update(
        db, recommendation_id, quarter_id, True, "", submitted["revision"], ADMIN
    )


@pytest.fixture(params=["current", "reopened"])
def open_quarter(request, app, db, tmp_path) -> dict:
    """Approved updates carrying the phrase, with evidence, in a quarter still open: the
    plan's current quarter, or an earlier quarter opened again after a later one closed.
    Returns the open quarter's label and the label of a published quarter."""
    app.config["EVIDENCE_FOLDER"] = str(tmp_path / "evidence")
    if request.param == "current":
        opened, published = "2022/23 Q4", "2022/23 Q3"
    else:
        opened, published = "2022/23 Q3", "2022/23 Q4"
        workflow.lock_quarter(db, PLAN, quarter_row(db, published)["id"], ADMIN)
        db.execute(
            "UPDATE quarters SET locked_at = NULL WHERE id = ?", [quarter_row(db, opened)["id"]]
        )
    quarter_id = quarter_row(db, opened)["id"]
    for recommendation_id in (1, 4):
        approve_with_evidence(app, db, recommendation_id, quarter_id)
    assert quarter_row(db, opened)["locked_at"] is None
    assert quarter_row(db, published)["locked_at"] is not None
    return {"open": opened, "published": published}


# Walking the routes


def get_routes(app) -> list:
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"),
        key=lambda rule: rule.rule,
    )


def urls_of(app, db, rule, token: str) -> list[str]:
    """Every URL of the route with the database's ids filled in."""
    choices = {}
    for name in sorted(rule.arguments):
        if name == "token":
            choices[name] = [token]
        elif name in ID_SOURCES:
            choices[name] = [row[0] for row in db.execute(ID_SOURCES[name]).fetchall()] or [1]
        else:
            pytest.fail(f"the walk cannot fill <{name}> in {rule.rule}: add it to ID_SOURCES")
    with app.test_request_context():
        return [
            url_for(rule.endpoint, **dict(zip(choices, values, strict=True)))
            for values in itertools.product(*choices.values())
        ]


def query_strings(quarters: dict) -> list[str]:
    """No quarter; the open one, in each version of the pack; the published one."""
    opened, published = quote(quarters["open"]), quote(quarters["published"])
    return [
        "",
        f"?quarter={opened}",
        f"?quarter={opened}&version=board",
        f"?quarter={opened}&version=scrutiny&covering=yes",
        f"?quarter={published}&version=scrutiny&covering=yes",
    ]


def readable_text(response) -> str:
    """What the response says, whatever its format: PDF text, the XML inside a Word or Excel
    file, or the body as text; with its headers (a download's name)."""
    body = response.data
    text = body.decode("utf-8", "replace")
    if body.startswith(b"%PDF"):
        try:
            pages = PdfReader(io.BytesIO(body)).pages
            text += " ".join(page.extract_text() or "" for page in pages)
        except PdfReadError:
            pass  # not a whole PDF, like the test's evidence file: its bytes are read as text
    elif body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            text = " ".join(
                re.sub(r"<[^>]+>", "", archive.read(name).decode("utf-8", "replace"))
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
    return f"{headers}\n{text}"


def shows_the_phrase(response) -> bool:
    # Whitespace and hyphens are taken out: a PDF may break a line anywhere.
    return PHRASE.lower() in re.sub(r"[\s\u00ad-]", "", readable_text(response)).lower()


def walk(app, db, client, quarters: dict, token: str) -> dict[str, object]:
    """GET every URL of every GET route, with each query string; {url: response}."""
    seen = {}
    for rule in get_routes(app):
        for url in urls_of(app, db, rule, token):
            for query in query_strings(quarters):
                seen[url + query] = (rule.endpoint, client.get(url + query))
    return seen


def evidence_urls(db) -> list[str]:
    return [f"/evidence/{row[0]}" for row in db.execute("SELECT id FROM evidence_files")]


# The tests


def test_a_scrutiny_member_never_sees_an_open_quarters_update_on_any_url(
    app, db, signed_in, open_quarter
):
    token = links.make_link(db, PLAN, "Panel", uk_today() + timedelta(days=30), ADMIN)
    seen = walk(app, db, signed_in("scrutiny"), open_quarter, token)

    leaks = [url for url, (_endpoint, response) in seen.items() if shows_the_phrase(response)]
    assert leaks == []
    assert len(evidence_urls(db)) == 2
    for url in evidence_urls(db):
        assert seen[url][1].status_code == 404, url
    reached = {endpoint for endpoint, response in seen.values() if response.status_code == 200}
    assert set(READ_BY_THE_PANEL) <= reached


def test_a_share_link_never_shows_an_open_quarters_update_on_any_url(app, db, client, open_quarter):
    token = links.make_link(db, PLAN, "Panel", uk_today() + timedelta(days=30), ADMIN)
    seen = walk(app, db, client, open_quarter, token)

    leaks = [url for url, (_endpoint, response) in seen.items() if shows_the_phrase(response)]
    assert leaks == []
    for url in evidence_urls(db):
        assert seen[url][1].status_code != 200, url
    reached = {endpoint for endpoint, response in seen.values() if response.status_code == 200}
    assert {
        "scrutiny.shared.published_through_link",
        "scrutiny.shared.pack_through_link",
    } <= reached


def test_the_walk_finds_the_phrase_wherever_an_administrator_may_see_it(
    app, db, signed_in, open_quarter
):
    """The walk's reading of pages, JSON, PDFs, workbooks, documents and downloads finds the
    phrase where it is allowed to be: so the tests above would see a leak."""
    admin = signed_in("administrator")
    opened = quote(open_quarter["open"])
    urls = [
        "/recommendations/1",
        f"/plans/{PLAN}.json",
        f"/plans/{PLAN}/pack/preview?quarter={opened}",
        f"/plans/{PLAN}/pack/download?quarter={opened}",
        f"/plans/{PLAN}/pack/plan.xlsx?quarter={opened}",
        f"/plans/{PLAN}/pack/plan.docx?quarter={opened}",
        *evidence_urls(db),
    ]
    for url in urls:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert shows_the_phrase(response), url
