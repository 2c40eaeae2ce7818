"""The audit log page: administrators see every change to their board's data, and only their
board's, with who made it, when and what it was before and after; filter it; and export it."""

import csv
import io
import json
import math
import re
from datetime import date

import pytest

from tests.conftest import EMAIL_OF_ROLE, csrf_token, sign_in
from tracker import audit
from tracker.audit_log.entries import (
    CSV_HEADER,
    field_changes,
    shorten,
    subject_of,
    what_happened,
)
from tracker.audit_log.queries import PER_PAGE, page_of, utc_bounds
from tracker.auth import accounts
from tracker.pagination import Page, pages_to_show
from tracker.spreadsheets import neutralise_formula
from tracker.uk_time import in_words

BOARD = 1
LOG = f"/boards/{BOARD}/audit-log"
EXPORT = f"/boards/{BOARD}/audit-log.csv"
ADMIN, CHAMPION = 1, 2  # the demo's user ids
PAUL_CONDON, SPENCER_HUNT, DONNA_ABERNETHIE = 1, 3, 9  # people in the demo's directory
# The demo's setup is logged against its board, dated when it was loaded. All of it is about its
# one plan except these records, which belong to the board.
BOARD_WIDE_TABLES = ("services", "people", "users", "memberships")


# Making changes and reading the page


def change_person(client, person_id: int, **changes) -> None:
    """Change someone's details through the real form, as an administrator does."""
    form = client.get(f"/people/{person_id}/edit").get_data(as_text=True)
    fields = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', form)[1]
        for name in ("name", "job_title", "organisation", "fingerprint", "csrf_token")
    }
    fields.update(changes)
    response = client.post(f"/people/{person_id}/edit", data={**fields, "email": ""})
    assert response.status_code == 302, response.get_data(as_text=True)


def log(db, at: str, *, user_id=None, board_id=BOARD, table="people", row_id=1, **sides) -> int:
    """Write an audit entry directly, at a known moment; returns its id."""
    action = sides.pop("action", "update")
    before, after = sides.get("before"), sides.get("after")
    entry = {
        "at": at,
        "user_id": user_id,
        "board_id": board_id,
        "action": action,
        "table_name": table,
        "row_id": row_id,
        "before": json.dumps(before) if before is not None else None,
        "after": json.dumps(after) if after is not None else None,
    }
    return db["audit_log"].insert(entry).last_pk


def entry_ids(page: str) -> list[int]:
    """The ids of the entries listed on an audit log page, in the order shown."""
    return [int(found) for found in re.findall(r'id="entry-(\d+)"', page)]


def entry_row(page: str, entry_id: int) -> str:
    """The table row of one entry, as HTML."""
    match = re.search(rf'<tr class="govuk-table__row" id="entry-{entry_id}">(.*?)</tr>', page, re.S)
    assert match, f"entry {entry_id} is not on the page"
    return match[1]


def words(html: str) -> str:
    """The visible text of some HTML, with runs of spaces closed up."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "the export starts with a byte order mark for Excel"
    # The demo's setup logs whole inspection reports, longer than the csv module's default.
    csv.field_size_limit(10_000_000)
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def newest_entry_id(db) -> int:
    return db.execute("SELECT max(id) FROM audit_log").fetchone()[0]


def ids_where(db, condition: str = "1", parameters: tuple = ()) -> list[int]:
    """The ids of the demo board's entries that meet an SQL condition, newest first."""
    sql = (
        f"SELECT id FROM audit_log WHERE board_id = ? AND ({condition})"  # noqa: S608
        " ORDER BY at DESC, id DESC"
    )
    return [row[0] for row in db.execute(sql, [BOARD, *parameters])]


def demo_setup_in_plan(db) -> list[int]:
    """The demo's setup entries about its plan, newest first; call before logging anything."""
    placeholders = ", ".join("?" for _ in BOARD_WIDE_TABLES)
    return ids_where(db, f"table_name NOT IN ({placeholders})", BOARD_WIDE_TABLES)


def shown_on_every_page(client, query: str = "") -> list[int]:
    """The ids of every entry the audit log lists for a query, page after page, in order."""
    first = client.get(f"{LOG}?{query}")
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    if "No changes match these filters" in text or "No changes have been recorded yet" in text:
        return []
    total = int(re.search(r"of (\d+) changes?, newest first", words(text))[1])
    ids = entry_ids(text)
    for number in range(2, math.ceil(total / PER_PAGE) + 1):
        page = client.get(f"{LOG}?{query}&page={number}")
        assert page.status_code == 200
        ids += entry_ids(page.get_data(as_text=True))
    assert len(ids) == total
    return ids


# The demo's setup


def test_a_fresh_demo_shows_how_its_plan_was_set_up_by_the_system(admin, db):
    setup = ids_where(db)
    recommendations_added = ids_where(db, "table_name = 'recommendations' AND action = 'insert'")

    page = admin.get(LOG).get_data(as_text=True)
    recommendations_page = admin.get(f"{LOG}?record=recommendations").get_data(as_text=True)
    in_plan = shown_on_every_page(admin, "plan=1")

    assert len(setup) > PER_PAGE and len(recommendations_added) == 10
    assert entry_ids(page) == setup[:PER_PAGE]
    assert f"Showing 1 to {PER_PAGE} of {len(setup)} changes" in words(page)
    assert all(" System " in words(entry_row(page, i)) for i in entry_ids(page))
    assert entry_ids(recommendations_page) == recommendations_added
    for entry_id in recommendations_added:
        at = db.execute("SELECT at FROM audit_log WHERE id = ?", [entry_id]).fetchone()[0]
        row = words(entry_row(recommendations_page, entry_id))
        assert row.startswith(f"{in_words(at)} System Added a recommendation Recommendation ")
    assert in_plan == demo_setup_in_plan(db)
    assert set(recommendations_added) <= set(in_plan)


# Changes made through the app


def test_a_change_to_a_person_shows_who_when_what_and_the_fields_before_and_after(admin, db):
    change_person(admin, PAUL_CONDON, job_title="Chief Superintendent")

    response = admin.get(LOG)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    row = words(entry_row(page, newest_entry_id(db)))
    assert "Paul Caswell head.of.service@demo.example.org" in row
    assert "Changed a person Paul Condon" in row
    assert "Job title: blank → changed to Chief Superintendent" in row
    assert "Organisation" not in row, "only the fields that changed are listed"
    logged_at = db.execute("SELECT at FROM audit_log WHERE id = ?", [newest_entry_id(db)])
    assert in_words(logged_at.fetchone()[0]) in row


def test_changing_champions_through_the_form_shows_who_was_added_and_removed(admin, db):
    before = newest_entry_id(db)
    token = csrf_token(admin, "/recommendations/4/champions")
    form = admin.get("/recommendations/4/champions").get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', form)[1]
    response = admin.post(
        "/recommendations/4/champions",
        data={"csrf_token": token, "board_champions": [SPENCER_HUNT], "fingerprint": fingerprint},
    )
    assert response.status_code == 302

    page = admin.get(LOG).get_data(as_text=True)

    new_rows = [words(entry_row(page, i)) for i in entry_ids(page) if i > before]
    assert len(new_rows) == 2
    added = next(row for row in new_rows if "Added a champion" in row)
    removed = next(row for row in new_rows if "Removed a champion" in row)
    assert "Spencer Hunt, board champion" in added
    assert "Kind: board" in added and "Person id: 3" in added
    assert "Donna Abernethie, service champion" in removed
    assert 'href="/recommendations/4"' in entry_row(page, entry_ids(page)[0])


def test_user_text_is_shown_as_text_and_never_run(admin):
    change_person(admin, PAUL_CONDON, name='<script>alert("owned")</script>')

    page = admin.get(LOG).get_data(as_text=True)

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in page


def test_a_long_value_is_shortened_on_the_page_and_kept_whole_in_the_export(admin, db):
    long_title = "Head of partnerships " + "and safeguarding " * 9 + "for the whole county"
    assert 150 < len(long_title) <= 200
    change_person(admin, PAUL_CONDON, job_title=long_title)

    page = admin.get(LOG).get_data(as_text=True)
    rows = csv_rows(admin.get(EXPORT))

    assert long_title not in page
    assert "Head of partnerships and safeguarding" in page and "…" in page
    assert json.loads(rows[0]["after JSON"])["job_title"] == long_title


def test_the_plan_page_links_administrators_to_the_audit_log(admin, signed_in):
    assert f'href="{LOG}"' in admin.get("/plans/1").get_data(as_text=True)
    assert f'href="{LOG}"' not in signed_in("champion").get("/plans/1").get_data(as_text=True)


# Who may see it


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_champions_and_the_scrutiny_panel_may_not_see_the_audit_log(signed_in, role, url):
    response = signed_in(role).get(url)

    assert response.status_code == 403
    assert "Audit log" not in response.get_data(as_text=True)


@pytest.fixture
def other_board(db):
    """A second board with its own plan, administrator and logged changes."""
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    plan_id = db["plans"].insert({"board_id": board_id, "title": "Another plan"}).last_pk
    admin_id = accounts.create_user(
        db,
        email="admin@another.example.org",
        password="another-password-1",
        name="Other admin",
        board_id=board_id,
        role="administrator",
    )
    actor = audit.Actor(admin_id, board_id)
    with db.atomic():
        person = {"board_id": board_id, "name": "Secret person"}
        person_id = audit.insert(db, "people", person, actor)
        audit.update(db, "plans", plan_id, {"title": "Secret plan title"}, actor)
    return {"board_id": board_id, "plan_id": plan_id, "admin_id": admin_id, "person": person_id}


def test_another_boards_changes_never_appear(admin, db, other_board):
    change_person(admin, PAUL_CONDON, job_title="Chief Superintendent")

    page = admin.get(LOG).get_data(as_text=True)
    export = admin.get(EXPORT).get_data(as_text=True)

    assert "Chief Superintendent" in page and "Chief Superintendent" in export
    for text in ("Secret", "Other admin", "admin@another.example.org"):
        assert text not in page
        assert text not in export
    elsewhere = "SELECT id FROM audit_log WHERE board_id != 1 OR board_id IS NULL"
    other_entries = {row[0] for row in db.execute(elsewhere)}
    assert other_entries and not other_entries & set(entry_ids(page))


@pytest.mark.parametrize(
    ("field", "message"),
    [("person", "Select a person from the list"), ("plan", "Select a plan from the list")],
)
def test_another_boards_people_and_plans_cannot_be_chosen_as_filters(
    admin, other_board, field, message
):
    value = other_board["admin_id"] if field == "person" else other_board["plan_id"]

    response = admin.get(f"{LOG}?{field}={value}")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Secret" not in page and entry_ids(page) == []
    assert admin.get(f"{EXPORT}?{field}={value}").status_code == 400


def test_another_boards_administrator_is_told_the_audit_log_does_not_exist(app, other_board):
    client = app.test_client()
    assert sign_in(client, "admin@another.example.org", "another-password-1").status_code == 302

    assert client.get(LOG).status_code == 404
    assert client.get(EXPORT).status_code == 404
    assert client.get(f"/boards/{other_board['board_id']}/audit-log").status_code == 200


# Filters


def test_filtering_by_person_shows_only_their_changes(admin, db):
    by_admin = log(db, "2023-01-10T09:00:00.000Z", user_id=ADMIN)
    by_champion = log(db, "2023-01-11T09:00:00.000Z", user_id=CHAMPION)
    by_system = log(db, "2023-01-12T09:00:00.000Z", user_id=None)

    assert entry_ids(admin.get(f"{LOG}?person={CHAMPION}").get_data(as_text=True)) == [by_champion]
    assert entry_ids(admin.get(f"{LOG}?person={ADMIN}").get_data(as_text=True)) == [by_admin]
    nobody_signed_in = shown_on_every_page(admin, "person=system")
    assert nobody_signed_in == ids_where(db, "user_id IS NULL")
    assert by_system in nobody_signed_in
    assert by_admin not in nobody_signed_in and by_champion not in nobody_signed_in
    oldest_page = math.ceil(len(nobody_signed_in) / PER_PAGE)
    system_page = admin.get(f"{LOG}?person=system&page={oldest_page}").get_data(as_text=True)
    assert "System" in words(entry_row(system_page, by_system))


@pytest.fixture
def second_plan(db):
    """A second plan on the demo board, with a recommendation and a quarter of its own."""
    plan_id = db["plans"].insert({"board_id": BOARD, "title": "Second plan"}).last_pk
    recommendation = {"plan_id": plan_id, "text": "Second", "origin": "local", "position": 1}
    recommendation_id = db["recommendations"].insert(recommendation).last_pk
    quarter = {"plan_id": plan_id, "label": "2023/24 Q1", "starts_on": "2023-04-01"}
    quarter_id = db["quarters"].insert({**quarter, "ends_on": "2023-06-30"}).last_pk
    update = {"recommendation_id": recommendation_id, "quarter_id": quarter_id, "revision": 1}
    update_id = db["progress_updates"].insert({**update, "state": "draft"}).last_pk
    return {
        "plan_id": plan_id,
        "recommendation_id": recommendation_id,
        "quarter_id": quarter_id,
        "update_id": update_id,
    }


def entries_of_each_kind_for(db, plan_id, recommendation_id, quarter_id, update_id) -> set[int]:
    """One entry for each kind of row that belongs to the plan."""
    at = "2023-02-01T10:00:00.000Z"
    of_recommendation = {"recommendation_id": recommendation_id}
    return {
        log(db, at, table="plans", row_id=plan_id, after={"title": "Plan"}),
        log(db, at, table="quarters", row_id=quarter_id, after={"plan_id": plan_id}),
        log(db, at, table="recommendations", row_id=recommendation_id, after={"plan_id": plan_id}),
        log(db, at, table="key_lines", action="insert", after={**of_recommendation, "text": "K"}),
        log(db, at, table="actions", action="insert", after={**of_recommendation, "text": "A"}),
        # A removed champion still belongs to its plan: the logged row says where it was.
        log(db, at, table="champions", action="delete", before={**of_recommendation, "kind": "x"}),
        log(db, at, table="progress_updates", action="insert", after=of_recommendation),
        log(db, at, table="evidence_files", action="insert", after={"update_id": update_id}),
    }


def test_filtering_by_plan_shows_only_changes_to_that_plans_rows(admin, db, second_plan):
    setup_of_first_plan = set(demo_setup_in_plan(db))
    first_plan_entries = entries_of_each_kind_for(db, 1, 4, 2, 1)
    second_plan_entries = entries_of_each_kind_for(db, **second_plan)
    board_wide = log(db, "2023-02-01T10:00:00.000Z", table="people", after={"name": "Someone"})

    first = shown_on_every_page(admin, "plan=1")
    second = shown_on_every_page(admin, f"plan={second_plan['plan_id']}")
    everything = shown_on_every_page(admin)

    assert set(first) == first_plan_entries | setup_of_first_plan
    assert set(second) == second_plan_entries
    assert board_wide in everything and board_wide not in first + second


def test_dates_are_whole_uk_days_and_both_ends_are_included(admin, db):
    winter = log(db, "2023-01-01T00:00:00.000Z")  # midnight GMT: 1 January in the UK
    last_of_march = log(db, "2023-03-31T22:59:59.999Z")  # 11:59pm BST on 31 March
    first_of_april = log(db, "2023-03-31T23:00:00.000Z")  # midnight BST: 1 April in the UK

    def shown(query: str) -> set[int]:
        response = admin.get(f"{LOG}?{query}")
        assert response.status_code == 200
        return set(entry_ids(response.get_data(as_text=True)))

    assert shown("date_to=2023-03-31") == {winter, last_of_march}
    # Everything else, the demo's setup included, was logged from 1 April 2023 on.
    from_april = set(shown_on_every_page(admin, "date_from=2023-04-01"))
    assert from_april == set(ids_where(db)) - {winter, last_of_march}
    assert first_of_april in from_april
    assert shown("date_from=2023-01-01&date_to=2023-01-01") == {winter}
    assert shown("date_from=2023-03-31&date_to=2023-03-31") == {last_of_march}


def test_filtering_by_what_was_changed_and_the_kind_of_change(admin, db):
    added_person = log(db, "2023-01-10T09:00:00.000Z", table="people", action="insert", after={})
    changed_person = log(db, "2023-01-11T09:00:00.000Z", table="people", before={}, after={})
    changed_quarter = log(db, "2023-01-12T09:00:00.000Z", table="quarters", before={}, after={})

    people = shown_on_every_page(admin, "record=people")
    changes = shown_on_every_page(admin, "kind=update")
    both = shown_on_every_page(admin, "record=people&kind=update")

    assert people == ids_where(db, "table_name = 'people'")
    assert {added_person, changed_person} <= set(people) and changed_quarter not in people
    assert changes == ids_where(db, "action = 'update'")
    assert {changed_person, changed_quarter} <= set(changes) and added_person not in changes
    assert both == [changed_person]


def test_a_board_with_no_changes_says_so(app, db):
    board_id = db["boards"].insert({"name": "A New Partnership Board"}).last_pk
    # The demo's head of service, given a role on the new board outside any board's log.
    accounts.add_membership(db, 1, board_id, "administrator", None, accounts.audit.SYSTEM)
    logged = db.execute("SELECT count(*) FROM audit_log WHERE board_id = ?", [board_id])
    assert logged.fetchone()[0] == 0, "giving the role is not logged against the board"
    client = app.test_client()
    assert sign_in(client, EMAIL_OF_ROLE["administrator"]).status_code == 302

    page = client.get(f"/boards/{board_id}/audit-log").get_data(as_text=True)

    assert "No changes have been recorded yet" in page
    assert "No changes match these filters" not in page
    assert entry_ids(page) == []


def test_no_matching_changes_says_so(admin, db):
    log(db, "2023-01-10T09:00:00.000Z")

    page = admin.get(f"{LOG}?date_to=2023-01-09").get_data(as_text=True)

    assert "No changes match these filters" in page
    assert "No changes have been recorded yet" not in page
    assert entry_ids(page) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2023-02-30", "Enter the from date as a real date, like 2023-01-31"),
        ("date_from=31/01/2023", "Enter the from date as a real date, like 2023-01-31"),
        ("date_to=tomorrow", "Enter the to date as a real date, like 2023-03-31"),
        (
            "date_from=2023-04-01&date_to=2023-03-31",
            "The to date must be the same as or after the from date",
        ),
        ("plan=banana", "Select a plan from the list"),
        ("plan=99999999999999999999999", "Select a plan from the list"),
        ("person=0", "Select a person from the list"),
        ("record=sessions", "Select what was changed from the list"),
        ("kind=drop", "Select a kind of change from the list"),
    ],
)
def test_bad_filters_get_a_message_not_an_error(admin, db, query, message):
    log(db, "2023-01-10T09:00:00.000Z")

    response = admin.get(f"{LOG}?{query}")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert "<title>Error: Audit log" in page
    assert entry_ids(page) == []
    export = admin.get(f"{EXPORT}?{query}")
    assert export.status_code == 400 and message in export.get_data(as_text=True)


@pytest.mark.parametrize(
    ("page_number", "nearest"),
    [
        ("abc", "first"),
        ("0", "first"),
        ("-1", "first"),
        ("%C2%B2", "first"),  # a superscript two, which int() cannot read
        ("99999999999999999999", "last"),
        ("9" * 5000, "last"),  # more digits than int() reads
    ],
)
def test_a_page_number_that_does_not_exist_shows_the_nearest_page(admin, db, page_number, nearest):
    log(db, "2023-01-10T09:00:00.000Z")
    newest_first = ids_where(db)
    pages = [newest_first[at : at + PER_PAGE] for at in range(0, len(newest_first), PER_PAGE)]
    assert len(pages) > 1, "the demo's setup fills more than one page"

    response = admin.get(f"{LOG}?page={page_number}")

    assert response.status_code == 200
    expected = pages[0] if nearest == "first" else pages[-1]
    assert entry_ids(response.get_data(as_text=True)) == expected


def test_changes_are_paged_newest_first_and_the_pages_keep_the_filters(admin, db):
    ids = [
        log(db, f"2023-01-{day:02d}T09:{minute:02d}:00.000Z", user_id=ADMIN)
        for day in range(1, 13)
        for minute in range(10)
    ]
    newest_first = ids[::-1]

    first = admin.get(f"{LOG}?person={ADMIN}").get_data(as_text=True)
    third = admin.get(f"{LOG}?person={ADMIN}&page=3").get_data(as_text=True)

    assert entry_ids(first) == newest_first[:50]
    assert entry_ids(third) == newest_first[100:]
    assert "Showing 1 to 50 of 120 changes" in words(first)
    assert "Showing 101 to 120 of 120 changes" in words(third)
    assert f'href="{LOG}?page=2&amp;person={ADMIN}"' in first
    assert 'aria-current="page"' in third


# The CSV export


def test_the_export_has_the_header_and_every_filtered_change_across_all_pages(admin, db):
    for minute in range(60):
        log(db, f"2023-01-10T09:{minute:02d}:00.000Z", user_id=ADMIN)
        log(db, f"2023-01-10T10:{minute:02d}:00.000Z", user_id=CHAMPION)

    response = admin.get(f"{EXPORT}?person={ADMIN}&date_from=2023-01-10")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="audit-log-north-east-lincolnshire-youth-partnership-board-'
        r'\d{4}-\d{2}-\d{2}\.csv"',
        disposition,
    )
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    assert text.splitlines()[0] == ",".join(CSV_HEADER)
    rows = csv_rows(response)
    expected = db.execute(
        "SELECT count(*) FROM audit_log WHERE board_id = 1 AND user_id = ?", [ADMIN]
    ).fetchone()[0]
    assert len(rows) == expected == 60
    assert {row["user"] for row in rows} == {"Paul Caswell"}
    assert rows[0]["at"] == "2023-01-10T09:59:00.000Z", "newest first"


def test_the_export_keeps_each_change_whole(admin, db):
    change_person(admin, PAUL_CONDON, name='<script>alert("owned")</script>', job_title="Lead")

    row = csv_rows(admin.get(EXPORT))[0]

    assert row["id"] == str(newest_entry_id(db))
    assert row["user"] == "Paul Caswell" and row["email"] == "head.of.service@demo.example.org"
    assert (row["action"], row["table"], row["row id"]) == ("update", "people", str(PAUL_CONDON))
    assert row["changed fields"] == "job_title; name"
    assert json.loads(row["before JSON"])["name"] == "Paul Condon"
    assert json.loads(row["after JSON"])["name"] == '<script>alert("owned")</script>'


def test_the_export_stops_spreadsheets_running_formulas(admin, db):
    user_id = accounts.create_user(
        db,
        email="formula@demo.example.org",
        password="spreadsheet-test-1",
        name='=HYPERLINK("http://evil.example","x")',
        board_id=BOARD,
        role="champion",
    )
    log(db, "2023-01-10T09:00:00.000Z", user_id=user_id)

    row = csv_rows(admin.get(f"{EXPORT}?person={user_id}"))[0]

    assert row["user"] == '\'=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =1", "\uff1d1"])
def test_formula_cells_get_a_quote_in_front(cell):
    assert neutralise_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Paul Caswell", "2023-01-10T09:00:00.000Z", '{"a": "=1"}', ""])
def test_other_cells_are_left_alone(cell):
    assert neutralise_formula(cell) == cell


# The pure parts


def test_times_are_shown_in_uk_time_across_the_clock_change():
    assert in_words("2023-01-15T14:05:00.000Z") == "15 January 2023 at 2:05pm"
    assert in_words("2023-06-15T11:00:00.000Z") == "15 June 2023 at midday"
    assert in_words("2023-03-31T23:00:00.000Z") == "1 April 2023 at midnight"
    assert in_words("2023-10-29T00:30:00.000Z") == "29 October 2023 at 1:30am"


def test_uk_days_become_utc_bounds():
    assert utc_bounds(date(2023, 1, 1), date(2023, 1, 1)) == (
        "2023-01-01T00:00:00.000Z",
        "2023-01-01T23:59:59.999Z",
    )
    assert utc_bounds(date(2023, 7, 1), None) == ("2023-06-30T23:00:00.000Z", None)
    assert utc_bounds(None, date(9999, 12, 31))[1] == "9999-12-31T23:59:59.999Z"


def test_what_happened_is_said_in_words():
    assert what_happened("update", "progress_updates") == "Changed a progress update"
    assert what_happened("insert", "people") == "Added a person"
    assert what_happened("delete", "key_lines") == "Removed a key line of enquiry"
    assert what_happened("insert", "widgets") == "Added a row of widgets"


def test_a_change_lists_only_the_fields_that_changed_and_an_addition_lists_them_all():
    before = {"id": 1, "name": "A", "job_title": "", "email": None}
    after = {"id": 1, "name": "B", "job_title": "", "email": "b@example.org"}
    assert [c.field for c in field_changes("update", before, after)] == ["email", "name"]
    assert [c.field for c in field_changes("insert", {}, after)] == ["email", "job_title", "name"]
    assert [c.label for c in field_changes("delete", before, {})][1] == "Job title"


def test_an_entry_names_its_row_where_the_row_has_a_name():
    assert subject_of("people", {}, {"name": "Jo Lawson"}) == "Jo Lawson"
    assert subject_of("people", {"name": "Jo Lawson"}, {}) == "Jo Lawson"
    assert subject_of("recommendations", {}, {"number": 4}) == "Recommendation 4"
    assert subject_of("champions", {}, {"kind": "board"}) == "Board champion"
    assert subject_of("progress_updates", {}, {"narrative": "x"}) == ""


def test_long_text_is_shortened_at_a_word():
    text, shortened = shorten("word " * 100, 50)
    assert shortened and text.endswith("word…") and len(text) <= 51
    assert shorten("short", 50) == ("short", False)


def test_page_numbers_around_the_current_page():
    assert pages_to_show(Page(1, 1, 3, PER_PAGE)) == [1]
    assert pages_to_show(Page(5, 10, 500, PER_PAGE)) == [1, None, 4, 5, 6, None, 10]
    assert pages_to_show(Page(2, 3, 150, PER_PAGE)) == [1, 2, 3]
    assert page_of(120, "3") == Page(3, 3, 120, PER_PAGE)
    assert page_of(0, "2") == Page(1, 1, 0, PER_PAGE)
