"""Bringing a board's existing plan: uploading its table, checking its columns, creating it."""

import io
import json
import re

import docx
import pytest

from tests.conftest import csrf_token
from tests.test_plan_reading import nel_plan_table
from tests.test_report_import import review_form

UPLOAD = "/boards/1/plans/import"
PLAN_CSV = (
    b"Recommendation,Board lead,Lead officer,RAG,Progress\n"
    b"1. Improve the quality of planning,Karen Linton,Steve Ryder,Green,Audit done in May\n"
    b"2. Make sure children are safe,Paul Caswell,Marie Anne Hall,Amber,Training booked\n"
)


def add_word_table(document, rows: list[list[str]], width: int | None = None):
    """A table of these texts at the end of the document, a paragraph a line of each cell."""
    word_table = document.add_table(rows=len(rows), cols=width or max(len(row) for row in rows))
    for row, texts in zip(word_table.rows, rows, strict=True):
        for word_cell, text in zip(row.cells, texts, strict=False):
            first, *others = text.split("\n")
            word_cell.text = first
            for line in others:
                word_cell.add_paragraph(line)
    return word_table


def nel_plan_docx() -> bytes:
    """North East Lincolnshire's plan table as a Word document."""
    document = docx.Document()
    add_word_table(document, [[cell.text for cell in row] for row in nel_plan_table().rows])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(client, name: str, data: bytes, board_id: int = 1):
    path = f"/boards/{board_id}/plans/import"
    return client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "plan": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def post_review(client, path: str, action: str, **changes):
    fields = review_form(client.get(path).text)
    fields.update({name: [value] for name, value in changes.items()})
    fields["action"] = [action]
    return client.post(path, data=fields)


def column_of(page: str, index: int) -> str:
    """The field chosen for a column of the header row."""
    select = re.search(rf'<select[^>]*name="column-{index}"[^>]*>(.*?)</select>', page, re.S)[1]
    return re.search(r'<option value="([^"]*)" selected', select)[1]


def preview_of(page: str) -> str:
    """The table of the first recommendations as they will be imported."""
    return re.search(r'<table class="govuk-table app-plan-preview">.*?</table>', page, re.S)[0]


def test_an_uploaded_csv_is_shown_with_its_columns_and_first_rows(admin):
    response = upload(admin, "plan.csv", PLAN_CSV)
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).text
    assert "Check how the plan will be read" in page
    assert [column_of(page, index) for index in range(5)] == [
        "recommendation",
        "board_champion",
        "service_champion",
        "status",
        "progress",
    ]
    assert "Improve the quality of planning" in preview_of(page)
    assert "Paul Caswell" in preview_of(page)
    assert "Marie Anne Hall" in preview_of(page)


def test_the_same_file_twice_is_the_same_import(admin, db):
    first = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    again = upload(admin, "copy of plan.csv", PLAN_CSV).headers["Location"]
    assert first == again
    assert db["plan_imports"].count == 1


def test_a_column_changed_and_a_quarter_chosen_are_kept(admin):
    path = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    response = post_review(admin, path, "save", **{"column-2": "", "quarter": "2022/23 Q3"})
    assert response.status_code == 302
    page = admin.get(path).text
    assert "Your choices are saved" in page
    assert column_of(page, 2) == ""
    assert '<option value="2022/23 Q3" selected' in page
    assert "Marie Anne Hall" not in preview_of(page)
    assert "Green" in preview_of(page)


def test_a_column_chosen_twice_is_refused_in_words_and_nothing_changes(admin):
    path = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    response = post_review(admin, path, "save", **{"column-2": "board_champion"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Select only one column as Board champion" in response.text
    assert column_of(admin.get(path).text, 2) == "service_champion"


def test_a_change_made_meanwhile_is_not_overwritten(admin):
    path = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    stale = review_form(admin.get(path).text)
    assert post_review(admin, path, "save", title="Our plan").status_code == 302
    response = admin.post(path, data={**stale, "action": ["save"], "title": ["Theirs"]})
    assert response.status_code == 302
    page = admin.get(path).text
    assert "Someone else changed" in page
    assert 'value="Our plan"' in page


def test_creating_the_plan_from_the_nel_word_table_shows_its_recommendations(admin):
    path = upload(admin, "nel-plan.docx", nel_plan_docx()).headers["Location"]
    page = admin.get(path).text
    assert column_of(page, 0) == "recommendation"
    response = post_review(admin, path, "create", quarter="2022/23 Q3")
    assert response.status_code == 302
    plan_path = response.headers["Location"]
    assert re.fullmatch(r"/plans/\d+", plan_path)
    page = admin.get(plan_path).text
    assert "The plan is created as a draft" in page
    assert "Karen Linton" in page
    assert admin.get(path).headers["Location"] == plan_path


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty.csv", b""),
        ("program.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 20),
        ("no-recommendations.csv", b"Name,Role\nKaren Linton,Chair\n"),
    ],
)
def test_a_file_that_is_not_a_plan_is_refused_in_words_and_nothing_is_kept(admin, db, name, data):
    response = upload(admin, name, data)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "govuk-error-message" in response.text
    assert db["plan_imports"].count == 0


def test_a_pasted_table_is_read(admin):
    token = csrf_token(admin, UPLOAD)
    pasted = "Recommendation\tBoard champion\n1. Improve planning\tKaren Linton\n"
    response = admin.post(UPLOAD, data={"csrf_token": token, "pasted": pasted})
    assert response.status_code == 302
    assert "Improve planning" in admin.get(response.headers["Location"]).text


def test_only_the_boards_administrator_can_bring_a_plan(signed_in, admin):
    path = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    for role in ("champion", "scrutiny"):
        client = signed_in(role)
        assert client.get(UPLOAD).status_code == 403
        assert client.get(path).status_code == 403


def test_another_boards_plan_import_is_not_found(admin):
    assert admin.get("/boards/999/plans/import").status_code == 404
    assert admin.get("/plan-imports/999").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(admin, db):
    response = admin.post(
        UPLOAD,
        data={"plan": (io.BytesIO(PLAN_CSV), "plan.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db["plan_imports"].count == 0


def test_the_report_import_page_links_to_bringing_a_plan(admin):
    page = admin.get("/boards/1/reports/new").text
    assert "Or bring the plan your board already has (Word, Excel or CSV)" in page
    assert f'href="{UPLOAD}"' in page


def two_table_docx() -> bytes:
    """A Word document with a list of the board's members before the plan's table."""
    document = docx.Document()
    for rows in (
        [["Name", "Role"], ["Karen Linton", "Chair"]],
        [["Recommendation", "Board champion"], ["1. Improve planning", "Steve Ryder"]],
    ):
        word_table = document.add_table(rows=len(rows), cols=2)
        for word_row, texts in zip(word_table.rows, rows, strict=True):
            for cell, text in zip(word_row.cells, texts, strict=True):
                cell.text = text
        document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_choosing_another_table_reads_its_columns_again(admin):
    path = upload(admin, "plan.docx", two_table_docx()).headers["Location"]
    page = admin.get(path).text
    assert '<select class="govuk-select" id="choose-table" name="table"' in page
    assert column_of(page, 0) == "recommendation"
    other = admin.get(f"{path}?table=0").text
    assert column_of(other, 0) == ""
    assert "Karen Linton" in other
    assert "Choose the column that holds the recommendations" in other
    response = post_review(admin, f"{path}?table=0", "save")
    assert response.status_code == 400
    assert "Select the column that holds the recommendations" in response.text
    assert admin.get(f"{path}?table=7").status_code == 404


QUARTERLY_CSV = (
    b"Recommendation,Lead officer,Q3 update,Q4 update,Q1 RAG,Q1 update\n"
    b"1. Improve planning,Steve Ryder,Audit planned,Audit begun,Green,Audit done\n"
)


def test_a_column_a_quarter_is_shown_with_the_quarter_each_is_imported_as(admin, db):
    path = upload(admin, "quarters.csv", QUARTERLY_CSV).headers["Location"]
    page = admin.get(path).text
    assert [column_of(page, index) for index in range(2, 6)] == [
        "progress",
        "progress",
        "status",
        "progress",
    ]

    # The third quarter's column is left out; the other two stay a quarter each.
    response = post_review(admin, path, "save", quarter="2023/24 Q1", **{"column-2": ""})
    page = admin.get(response.headers["Location"]).text
    mapping = re.search(r"Each quarter's columns.*?</dl>", page, re.S)[0]
    pairs = re.findall(r"<dt[^>]*>([^<]*)</dt><dd[^>]*>([^<]*)</dd>", mapping)
    assert pairs == [
        ("Q4 update", "2022/23 Q4"),
        ("Q1 RAG", "2023/24 Q1"),
        ("Q1 update", "2023/24 Q1"),
    ]

    response = post_review(admin, path, "create")
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    updates = db.query(
        "SELECT label, status, narrative FROM progress_updates"
        " JOIN quarters ON quarters.id = quarter_id WHERE plan_id = ? ORDER BY starts_on",
        [plan_id],
    )
    assert [tuple(update.values()) for update in updates] == [
        ("2022/23 Q4", None, "Audit begun"),
        ("2023/24 Q1", "green", "Audit done"),
    ]


def matched_section(page: str) -> str:
    return re.search(r"Matched with the inspection report</h2>(.*?)(?=<h2|\Z)", page, re.S)[1]


def test_the_review_shows_how_the_plan_matches_the_boards_inspection_report(admin, db):
    path = upload(admin, "our-plan.docx", nel_plan_docx()).headers["Location"]
    page = admin.get(path).text

    assert re.search(r'<option value="1" selected>[^<]*North East Lincolnshire', page)
    section = matched_section(page)
    assert "8 of the plan's 10 recommendations answer one of the report's 8" in section
    assert "22 of 22 key lines of enquiry quote" in section
    unanswered = re.search(r"In the plan but not in the report.*?</ul>", section, re.S)[0]
    assert re.findall(r"<li>([^<]*)</li>", unanswered) == [
        "9. Board development",
        "10. Supporting YJS staff",
    ]
    assert "In the report but not in the plan" not in section
    assert preview_of(page).count('<td class="govuk-table__cell">Recommendation ') == 5

    # Not linked: no matching is shown, and the plan is made without the report.
    response = post_review(admin, path, "save", inspection_id="")
    page = admin.get(response.headers["Location"]).text
    assert "Matched with the inspection report" not in page
    assert re.search(r'<option value="" selected>None: do not link', page)
    plan_id = int(post_review(admin, path, "create").headers["Location"].rsplit("/", 1)[1])
    assert db["plans"].get(plan_id)["inspection_id"] is None


def test_the_reports_recommendations_missing_from_the_plan_can_be_left_out(admin, db):
    rows = [row for row in nel_plan_table().rows if not row[0].text.startswith(("2.", "5."))]
    csv_text = "\n".join(
        ",".join('"' + cell.text.replace('"', '""') + '"' for cell in row) for row in rows
    )
    path = upload(admin, "short.csv", csv_text.encode()).headers["Location"]
    page = admin.get(path).text

    missing = re.search(r"In the report but not in the plan.*?</ul>", page, re.S)[0]
    assert [item[:3] for item in re.findall(r"<li>([^<]*)</li>", missing)] == ["2. ", "5. "]
    assert re.search(r'id="add_missing"[^>]*checked', page)
    assert "Add the report's 2 recommendations that the plan does not have" in page

    fields = review_form(page)
    del fields["add_missing"]  # unticked
    fields["action"] = ["create"]
    plan_id = int(admin.post(path, data=fields).headers["Location"].rsplit("/", 1)[1])
    numbers = [
        row[0]
        for row in db.execute(
            "SELECT number FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id]
        )
    ]
    assert numbers == [1, 3, 4, 6, 7, 8, 9, 10]


def test_an_inspection_that_is_not_offered_is_refused_on_the_page(admin, db):
    path = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    before = db.execute("SELECT choices FROM plan_imports").fetchall()

    response = post_review(admin, path, "save", inspection_id="999")

    assert response.status_code == 400
    assert "Select the inspection report the plan answers" in response.text
    assert db.execute("SELECT choices FROM plan_imports").fetchall() == before


def test_another_row_can_be_chosen_for_the_column_headings(admin, db):
    # A line of notes over the headings names a recommendation too; the headings that name
    # the most columns are taken, and the reviewer can choose another row.
    csv_text = (
        b"Recommendation 4 carried over,Agreed at the board in May\n"
        b"Recommendation,Lead officer,RAG\n"
        b"1. Improve planning,Steve Ryder,Green\n"
        b"2. Make sure children are safe,Jo Lawson,Amber\n"
    )
    path = upload(admin, "plan.csv", csv_text).headers["Location"]
    page = admin.get(path).text
    assert re.search(r'<option value="1" selected>Row 2: Recommendation \| Lead officer', page)
    assert "2 recommendations in all" in page

    page = admin.get(f"{path}?table=0&header_row=0").text
    assert re.search(r'<option value="0" selected>Row 1: Recommendation 4 carried over', page)
    assert [column_of(page, index) for index in range(3)] == ["recommendation", "", ""]
    assert "Column 1: Recommendation 4 carried over" in page

    # The choice is kept when saved.
    fields = review_form(page)
    fields["action"] = ["save"]
    assert admin.post(path, data=fields).status_code == 302
    saved = json.loads(db.execute("SELECT choices FROM plan_imports").fetchone()[0])
    assert (saved["header_row"], saved["columns"]) == (0, {"recommendation": 0})


@pytest.mark.parametrize("query", ["table=0&header_row=99", "table=0&header_row=-1", "table=7"])
def test_a_header_row_or_table_that_is_not_there_is_not_found(admin, query):
    path = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]

    assert admin.get(f"{path}?{query}").status_code == 404


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/boards/1/plans/import", "Choose a file to upload, or paste the plan&#39;s table"),
        ("/boards/1/reports/new", "Choose a file to upload, or paste the report&#39;s text"),
    ],
)
def test_an_upload_form_sent_with_neither_a_file_nor_text_says_so(admin, db, path, message):
    before = db.execute("SELECT count(*) FROM plan_imports").fetchone()[0]

    response = admin.post(path, data={"csrf_token": csrf_token(admin, path), "pasted": "   "})

    assert response.status_code == 400
    assert message in response.text
    assert db.execute("SELECT count(*) FROM plan_imports").fetchone()[0] == before
