"""Bringing a board's existing plan laid out in ways the other tests do not cover, and
hostile files: end to end through `flask extract-plan` and the upload, review and create
pages. Every file is built here from the plan below, so each test compares what was read
with what was written."""

import csv
import html
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass, replace

import docx
import openpyxl
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from markupsafe import escape
from openpyxl.styles import PatternFill

from tests.fixtures.compound_file import compound_file
from tests.test_plan_import_pages import post_review, upload
from tests.test_plan_tables import declared_bomb
from tracker.plan_import.reading import read_plan
from tracker.plan_import.tables import Cell, Table

QUARTER = "2022/23 Q3"
WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "blue": "Blue"}


@dataclass(frozen=True)
class Rec:
    number: int
    text: str
    key_lines: tuple[str, ...]
    board: tuple[str, ...]
    service: tuple[str, ...]
    status: str | None  # the status key
    progress: str
    target: str = "31/03/2023"


PLAN = (
    Rec(
        1,
        "Improve the quality of assessment and planning for children",
        ("Quality of assessment", "Planning for safety"),
        ("Karen Linton",),
        ("Steve Ryder",),
        "green",
        "Audit in May: 80% of plans good or better.",
    ),
    Rec(
        2,
        "Make sure that children are kept safe from harm",
        ("Keeping children safe",),
        ("Paul Caswell", "Marie Anne Hall"),
        ("Rebecca Taylor",),
        "amber",
        "Training booked for June; two sessions held.",
    ),
    Rec(
        3,
        "Review the diversity of the workforce",
        ("Staffing",),
        ("Spencer Hunt",),
        ("Gemma Woods",),
        "red",
        "Not started: waiting for HR data.",
    ),
    Rec(
        4,
        "Gather the views of victims and their families",
        ("Victims' wishes", "Restorative justice"),
        ("Supt Paul French",),
        ("Lynne Macpherson",),
        "blue",
        "Survey complete and reported to the board.",
    ),
    Rec(
        5,
        "Improve the board's oversight of disproportionality",
        ("Governance",),
        ("Nick Hamilton Rudd",),
        ("Donna Abernethie", "Alex Newman"),
        "green",
        "Dashboard in use since April.",
    ),
)

# What each column holds, by the tracker's field: how a board writes it from a Rec.
WRITERS = {
    "recommendation": lambda r: f"{r.number}. {r.text}",
    "key_lines": lambda r: "\n".join(r.key_lines),
    "board": lambda r: ", ".join(r.board),
    "service": lambda r: ", ".join(r.service),
    "status": lambda r: WORDS.get(r.status, ""),
    "progress": lambda r: r.progress,
    "target": lambda r: r.target,
}


def rows_of(columns: list[tuple[str, str]], plan=PLAN) -> list[list[str]]:
    """A header row of the given headings, then one row per recommendation, each column
    written by the writer named beside its heading ("" for a column left empty)."""
    header = [heading for heading, _ in columns]
    return [header] + [
        [WRITERS[field](rec) if field else "" for _, field in columns] for rec in plan
    ]


def assert_read_as_written(recommendations: list[dict], plan=PLAN, statuses=True):
    """Every recommendation read as the plan it was written from says."""
    assert len(recommendations) == len(plan)
    for read, rec in zip(recommendations, plan, strict=True):
        assert (read["number"], read["text"]) == (rec.number, rec.text)
        assert read["board_champions"] == list(rec.board), rec.number
        assert read["service_champions"] == list(rec.service), rec.number
        if statuses:
            assert read["status"] == rec.status, rec.number
        assert read["progress"] == rec.progress, rec.number


# ----- Building files -------------------------------------------------------------------------


def shade(cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def set_text(cell, text: str) -> None:
    """The text in the cell, one paragraph a line, as Word keeps it."""
    lines = text.split("\n")
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def add_word_table(document, rows: list[list[str]]):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for word_row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(word_row.cells, texts, strict=True):
            set_text(cell, text)
    return table


def docx_bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def word_plan(rows: list[list[str]]) -> bytes:
    document = docx.Document()
    add_word_table(document, rows)
    return docx_bytes(document)


def workbook_of(rows: list[list[str]], title: str = "Plan"):
    """A workbook of text cells: text starting with "=" is text too, as an export from
    another system (or text typed after a ') writes it, never a formula."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row_number, row in enumerate(rows, start=1):
        for column, text in enumerate(row, start=1):
            if text:
                cell = sheet.cell(row=row_number, column=column, value=text)
                cell.data_type = "s"
    return workbook


def xlsx_bytes(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def uncompressed(data: bytes) -> bytes:
    """The Office file with its parts stored, not compressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename), zipfile.ZIP_STORED)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def plan_file(name: str, rows: list[list[str]]) -> bytes:
    """The rows as the kind of file the name says."""
    if name.endswith(".xlsx"):
        return xlsx_bytes(workbook_of(rows))
    if name.endswith(".docx"):
        return word_plan(rows)
    return csv_bytes(rows)


def extract(runner, tmp_path, name: str, data: bytes) -> dict:
    """What `flask extract-plan` prints for the file."""
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["extract-plan", str(path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {"columns", "recommendations", "warnings"}
    return printed


# ----- Making the plan through the pages ------------------------------------------------------


def review_path(admin, name: str, data: bytes) -> str:
    response = upload(admin, name, data)
    assert response.status_code == 302, html.unescape(response.text)[-3000:]
    return response.headers["Location"]


def create_plan_from(admin, name: str, data: bytes, quarter: str = QUARTER) -> int:
    """Upload the file, then "Create the plan" on the review page as it stands, but not
    linked to the board's inspection report (which would add the report's recommendations
    the file lacks: not what these tests are about)."""
    path = review_path(admin, name, data)
    response = post_review(admin, path, "create", quarter=quarter, inspection_id="")
    assert response.status_code == 302, html.unescape(response.text)[-3000:]
    match = re.fullmatch(r"/plans/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def plan_in_database(db, plan_id: int) -> list[dict]:
    """The plan's recommendations as stored, in order, with their champions' names and the
    status and progress imported for the quarter."""
    found = []
    for rec in db.query(
        "SELECT * FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id]
    ):

        def names(kind, rec=rec):
            return [
                row["name"]
                for row in db.query(
                    "SELECT people.name FROM champions JOIN people ON people.id = person_id"
                    " WHERE recommendation_id = ? AND kind = ? ORDER BY position",
                    [rec["id"], kind],
                )
            ]

        update = next(
            db.query(
                "SELECT status, narrative FROM progress_updates WHERE recommendation_id = ?",
                [rec["id"]],
            ),
            {"status": None, "narrative": ""},
        )
        key_lines = [
            row["text"]
            for row in db.query(
                "SELECT text FROM key_lines WHERE recommendation_id = ? ORDER BY position",
                [rec["id"]],
            )
        ]
        found.append(
            {
                "number": rec["number"],
                "text": rec["text"],
                "key_lines": key_lines,
                "board_champions": names("board"),
                "service_champions": names("service"),
                "status": update["status"],
                "progress": update["narrative"],
            }
        )
    return found


def people_of_board(db, board_id: int = 1) -> set[str]:
    return {
        row["name"] for row in db.query("SELECT name FROM people WHERE board_id = ?", [board_id])
    }


def counts(db) -> dict[str, int]:
    return {name: db[name].count for name in ("plan_imports", "plans", "people", "recommendations")}


# ----- 1. Layouts -----------------------------------------------------------------------------

RENAMED_EXCEL = [
    ("KLOE", "key_lines"),
    ("HMIP Recommendation", "recommendation"),
    ("Strategic lead", "board"),
    ("Lead officer", "service"),
    ("Status (BRAG)", "status"),
    ("Progress update Q2", "progress"),
    ("Target date", "target"),
]
RENAMED_WORD = [
    ("Target date", "target"),
    ("Board lead", "board"),
    ("Recommendation", "recommendation"),
    ("Owner", "service"),
    ("Progress update Q2", "progress"),
    ("Status (BRAG)", "status"),
]
EXPECTED_FIELDS = {
    "KLOE": "key_lines_of_enquiry",
    "HMIP Recommendation": "recommendation",
    "Recommendation": "recommendation",
    "Strategic lead": "board_champion",
    "Board lead": "board_champion",
    "Lead officer": "service_champion",
    "Owner": "service_champion",
    "Status (BRAG)": "status",
    "Progress update Q2": "progress",
}


@pytest.mark.parametrize(
    ("name", "columns"),
    [("plan.xlsx", RENAMED_EXCEL), ("plan.docx", RENAMED_WORD)],
    ids=["excel", "word"],
)
def test_other_column_names_in_another_order_are_read_by_the_cli(runner, tmp_path, name, columns):
    rows = rows_of(columns)
    data = xlsx_bytes(workbook_of(rows)) if name.endswith("xlsx") else word_plan(rows)

    printed = extract(runner, tmp_path, name, data)

    for heading, field in EXPECTED_FIELDS.items():
        if heading in rows[0]:
            assert printed["columns"].get(field) == heading, heading
    assert_read_as_written(printed["recommendations"])
    for read, rec in zip(printed["recommendations"], PLAN, strict=True):
        if "KLOE" in rows[0]:
            assert read["key_lines_of_enquiry"] == list(rec.key_lines)
    assert printed["warnings"] == []


def test_renamed_excel_columns_make_the_plan_with_its_champions_and_people(admin, db):
    before = people_of_board(db)

    plan_id = create_plan_from(
        admin, "Our plan.xlsx", xlsx_bytes(workbook_of(rows_of(RENAMED_EXCEL)))
    )

    stored = plan_in_database(db, plan_id)
    assert [(r["number"], r["text"]) for r in stored] == [(r.number, r.text) for r in PLAN]
    assert [r["key_lines"] for r in stored] == [list(r.key_lines) for r in PLAN]
    assert [r["board_champions"] for r in stored] == [list(r.board) for r in PLAN]
    assert [r["service_champions"] for r in stored] == [list(r.service) for r in PLAN]
    assert [r["status"] for r in stored] == [r.status for r in PLAN]
    assert [r["progress"] for r in stored] == [r.progress for r in PLAN]
    named = {name for rec in PLAN for name in rec.board + rec.service}
    assert people_of_board(db) == before | named
    page = admin.get(f"/plans/{plan_id}").text
    for rec in PLAN:
        assert str(escape(rec.text)) in page


# RAG as the cell's colour alone, in the colours of Office's standard palette.
PALETTE = {
    "FF0000": "red",
    "FFC000": "amber",
    "92D050": "green",
    "00B050": "green",
    "00B0F0": "blue",
    "C00000": "red",
}
SHADED_PLAN = tuple(
    replace(PLAN[index % len(PLAN)], number=index + 1, status=status)
    for index, status in enumerate(PALETTE.values())
)


def shaded_file(kind: str, where: str) -> bytes:
    """The plan with its RAG shown only by shading: an empty "RAG" column's cells, or the
    recommendation's own cell when there is no RAG column."""
    columns = [("Recommendation", "recommendation"), ("Board champion", "board")]
    columns += [("Lead officer", "service"), ("Progress", "progress")]
    if where == "status column":
        columns.insert(3, ("RAG", ""))
    rows = rows_of(columns, SHADED_PLAN)
    shaded_column = 3 if where == "status column" else 0
    colours = list(PALETTE)
    if kind == "word":
        document = docx.Document()
        table = add_word_table(document, rows)
        for index, colour in enumerate(colours, start=1):
            shade(table.cell(index, shaded_column), colour)
        return docx_bytes(document)
    workbook = workbook_of(rows)
    for index, colour in enumerate(colours, start=2):
        cell = workbook.active.cell(row=index, column=shaded_column + 1)
        cell.fill = PatternFill("solid", fgColor="FF" + colour)
    return xlsx_bytes(workbook)


@pytest.mark.parametrize("where", ["status column", "recommendation cell"])
@pytest.mark.parametrize("kind", ["word", "excel"])
def test_rag_shown_only_as_a_cells_colour_is_read(runner, tmp_path, kind, where):
    name = "plan.docx" if kind == "word" else "plan.xlsx"

    printed = extract(runner, tmp_path, name, shaded_file(kind, where))

    assert_read_as_written(printed["recommendations"], SHADED_PLAN)


def test_a_word_plan_shaded_for_rag_makes_the_plan_with_those_statuses(admin, db):
    plan_id = create_plan_from(admin, "shaded plan.docx", shaded_file("word", "status column"))

    stored = plan_in_database(db, plan_id)
    assert [r["status"] for r in stored] == list(PALETTE.values())
    assert [r["board_champions"] for r in stored] == [list(r.board) for r in SHADED_PLAN]
    assert [r["service_champions"] for r in stored] == [list(r.service) for r in SHADED_PLAN]
    assert [r["progress"] for r in stored] == [r.progress for r in SHADED_PLAN]


# Recommendations 1 and 2 share a board champion, written once in a cell merged over both.
MERGED_PLAN = (PLAN[0], replace(PLAN[1], board=PLAN[0].board), *PLAN[2:])
MERGED_COLUMNS = [
    ("Recommendation", "recommendation"),
    ("Board champion", "board"),
    ("Service champion", "service"),
    ("RAG", "status"),
    ("Progress", "progress"),
]


def merged_rows() -> tuple[list[list[str]], dict[str, int]]:
    """The plan under section headings, with a blank row; where each row went."""
    header, *plan_rows = rows_of(MERGED_COLUMNS, MERGED_PLAN)
    blank = [""] * len(header)
    rows = [header, ["Domain 1: Organisational delivery", *blank[1:]], *plan_rows[:2]]
    rows += [blank, ["Domain 2: Court disposals", *blank[1:]], *plan_rows[2:]]
    rows[3][1] = ""  # under the merged champion
    return rows, {"section 1": 1, "rec 1": 2, "rec 2": 3, "section 2": 5}


def merged_file(kind: str) -> bytes:
    rows, at = merged_rows()
    width = len(rows[0])
    if kind == "word":
        document = docx.Document()
        table = add_word_table(document, rows)
        for section in ("section 1", "section 2"):
            text = rows[at[section]][0]
            table.cell(at[section], 0).merge(table.cell(at[section], width - 1)).text = text
        champion = rows[at["rec 1"]][1]
        table.cell(at["rec 1"], 1).merge(table.cell(at["rec 2"], 1)).text = champion
        return docx_bytes(document)
    workbook = workbook_of(rows)
    sheet = workbook.active
    for section in ("section 1", "section 2"):
        sheet.merge_cells(
            start_row=at[section] + 1, end_row=at[section] + 1, start_column=1, end_column=width
        )
    sheet.merge_cells(
        start_row=at["rec 1"] + 1, end_row=at["rec 2"] + 1, start_column=2, end_column=2
    )
    return xlsx_bytes(workbook)


@pytest.mark.parametrize("kind", ["word", "excel"])
def test_section_rows_blank_rows_and_a_champion_merged_over_two_recommendations(
    runner, tmp_path, kind
):
    name = "plan.docx" if kind == "word" else "plan.xlsx"

    printed = extract(runner, tmp_path, name, merged_file(kind))

    # Section headings and the blank row are not recommendations.
    read = printed["recommendations"]
    assert len(read) == len(MERGED_PLAN)
    assert_read_as_written(read[:1] + read[2:], MERGED_PLAN[:1] + MERGED_PLAN[2:])
    second = MERGED_PLAN[1]
    assert (read[1]["number"], read[1]["text"]) == (second.number, second.text)
    assert (read[1]["status"], read[1]["progress"]) == (second.status, second.progress)
    assert read[1]["service_champions"] == list(second.service)
    # The champion written once for two recommendations is both's, as the merged cell shows.
    assert read[1]["board_champions"] == list(second.board)


PLAN_COLUMNS = [
    ("Recommendation", "recommendation"),
    ("Key lines of enquiry", "key_lines"),
    ("Board champion", "board"),
    ("Service champion", "service"),
    ("RAG", "status"),
    ("Progress", "progress"),
]


def test_a_contents_table_before_the_plan_is_passed_over(runner, tmp_path):
    document = docx.Document()
    document.add_heading("Youth Justice Partnership Board: improvement plan", 1)
    add_word_table(
        document,
        [
            ["Contents", "Page"],
            ["Introduction", "2"],
            ["Recommendations and actions", "3"],
            ["Governance and sign-off", "9"],
        ],
    )
    document.add_paragraph("")
    add_word_table(document, rows_of(PLAN_COLUMNS))

    printed = extract(runner, tmp_path, "plan.docx", docx_bytes(document))

    assert_read_as_written(printed["recommendations"])
    assert any("Table 1" in warning for warning in printed["warnings"])


def test_notes_before_the_plan_and_a_signature_table_after_it(runner, tmp_path, admin, db):
    document = docx.Document()
    document.add_paragraph("This plan responds to the HMIP inspection published in 2022.")
    document.add_paragraph("Recommendations: each has a board champion and a lead officer.")
    document.add_paragraph("RAG: Red, Amber, Green, Blue (complete).")
    add_word_table(document, rows_of(PLAN_COLUMNS))
    document.add_paragraph("Signed on behalf of the board")
    add_word_table(document, [["Signed", "Role", "Date"], ["Karen Linton", "Chair", "1/4/2023"]])
    data = docx_bytes(document)

    printed = extract(runner, tmp_path, "plan.docx", data)

    assert_read_as_written(printed["recommendations"])
    assert [w for w in printed["warnings"] if "Table 2" in w], printed["warnings"]
    stored = plan_in_database(db, create_plan_from(admin, "plan.docx", data))
    assert [r["board_champions"] for r in stored] == [list(r.board) for r in PLAN]
    assert [r["status"] for r in stored] == [r.status for r in PLAN]


# A Windows CSV: curly quotes, a pound sign and en dashes, in Windows-1252.
WINDOWS_PLAN = (
    replace(PLAN[0], text="Improve \u201cplanning\u201d for children \u2013 all of them"),
    replace(
        PLAN[1], board=("Siobh\u00e1n O\u2019Neill",), progress="\u00a35,000 spent \u2013 on track"
    ),
    replace(PLAN[2], progress="Started \u2018late\u2019 \u2013 see minutes"),
)


def test_a_windows_1252_csv_with_curly_quotes_pounds_and_en_dashes(runner, tmp_path):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows_of(PLAN_COLUMNS, WINDOWS_PLAN))
    data = out.getvalue().encode("cp1252")
    assert b"\x93" in data and b"\xa3" in data and b"\x96" in data  # really Windows-1252

    printed = extract(runner, tmp_path, "plan.csv", data)

    assert_read_as_written(printed["recommendations"], WINDOWS_PLAN)


def test_an_en_dash_after_the_number_is_not_part_of_the_text(runner, tmp_path):
    rows = [["Recommendation", "Lead officer"]]
    rows += [[f"{rec.number} \u2013 {rec.text}", rec.service[0]] for rec in PLAN]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)

    printed = extract(runner, tmp_path, "plan.csv", out.getvalue().encode("cp1252"))

    assert [(r["number"], r["text"]) for r in printed["recommendations"]] == [
        (rec.number, rec.text) for rec in PLAN
    ]


def test_three_quarters_of_updates_give_the_last_quarters_progress(runner, tmp_path):
    rows = rows_of([*PLAN_COLUMNS[:5], ("Q1 update", ""), ("Q2 update", ""), ("Q3 update", "")])
    for row, rec in zip(rows[1:], PLAN, strict=True):
        row[5:] = [f"Q1: planning {rec.number}", f"Q2: started {rec.number}", rec.progress]
    workbook = workbook_of(rows)

    printed = extract(runner, tmp_path, "plan.xlsx", xlsx_bytes(workbook))

    assert_read_as_written(printed["recommendations"])


RAG_WORDS = {
    "R": "red",
    "A": "amber",
    "G": "green",
    "B": "blue",
    "Complete": "blue",
    "On track": "green",
    "Amber/Green": None,
}


def test_rag_letters_and_words_are_read_and_a_mixed_status_is_left_empty(runner, tmp_path):
    plan = tuple(
        replace(PLAN[index % len(PLAN)], number=index + 1, status=status)
        for index, status in enumerate(RAG_WORDS.values())
    )
    rows = rows_of(PLAN_COLUMNS, plan)
    for row, word in zip(rows[1:], RAG_WORDS, strict=True):
        row[4] = word

    printed = extract(runner, tmp_path, "plan.xlsx", xlsx_bytes(workbook_of(rows)))

    assert_read_as_written(printed["recommendations"], plan)
    (warning,) = printed["warnings"]
    assert "Amber/Green" in warning and "Recommendation 7" in warning


# ----- 2. Files that are refused, and a large one that is not ---------------------------------


def zip_bomb() -> bytes:
    """An .xlsx whose sheet unpacks from a few kilobytes to 50 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return out.getvalue()


def png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
        b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def no_table_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("1. Improve planning. Board champion: Karen Linton.")
    return docx_bytes(document)


def no_recommendation_column() -> bytes:
    return xlsx_bytes(workbook_of([["Action", "Owner", "Due"], ["Audit plans", "Jo", "May"]]))


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("plan.xlsx", lambda: b"", "The file is empty"),
        ("plan.xlsx", png, "must be a Word document (.docx), an Excel workbook (.xlsx)"),
        ("plan.docx", no_table_docx, "has no tables in it"),
        ("plan.xlsx", no_recommendation_column, 'name that column "Recommendation"'),
        (
            "plan.xlsx",
            lambda: compound_file({"EncryptionInfo": b"\x04\x00", "EncryptedPackage": b"\x01"}),
            "protected with a password",
        ),
        ("plan.xlsx", zip_bomb, "too large when unpacked"),
        ("plan.docx", declared_bomb, "too large when unpacked"),
    ],
    ids=["empty", "png", "no-table", "no-recommendation", "password", "zip-bomb", "declared"],
)
def test_a_file_that_is_not_a_plan_is_refused_in_words_writing_nothing(
    admin, db, name, make, message
):
    before = counts(db)

    response = upload(admin, name, make())

    assert response.status_code == 400
    page = html.unescape(response.text)
    assert "There is a problem" in page
    assert message in page
    assert counts(db) == before


def test_a_png_named_as_a_workbook_is_not_called_a_text_file(admin):
    page = html.unescape(upload(admin, "plan.xlsx", png()).text)

    assert "the file is a text file" not in page
    assert "ends in .xlsx but the file is not an Excel workbook" in page


def test_five_thousand_recommendations_are_read_in_reasonable_time(admin):
    rows = [["Recommendation", "Board champion", "RAG", "Progress"]]
    rows += [
        [f"Recommendation {n}: action {n} of the plan", f"Person {n % 40}", "Green", f"Done {n}"]
        for n in range(1, 5001)
    ]
    data = xlsx_bytes(workbook_of(rows))
    started = time.perf_counter()

    path = review_path(admin, "big plan.xlsx", data)
    page = admin.get(path).text

    assert time.perf_counter() - started < 10
    assert "5000 recommendations in all" in page.replace(",", "")


def with_text(data: bytes, placeholder: str, text: str) -> bytes:
    """The Office file with `text` in place of `placeholder`, its parts stored uncompressed
    (openpyxl cuts a cell to Excel's 32,767 characters when it writes one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename).replace(placeholder.encode(), text.encode())
            target.writestr(item.filename, content, zipfile.ZIP_STORED)
    return out.getvalue()


@pytest.mark.parametrize("name", ["plan.xlsx", "plan.docx", "plan.csv"])
def test_a_million_character_cell_is_refused_in_words_before_anything_is_made(admin, db, name):
    long_text = "1. " + "Improve planning " * 60_000
    assert len(long_text) > 1_000_000
    rows = rows_of(PLAN_COLUMNS)
    rows[1][0] = "PLACEHOLDER" if name != "plan.csv" else long_text
    data = plan_file(name, rows)
    if name != "plan.csv":
        data = with_text(data, "PLACEHOLDER", long_text)
    before = counts(db)
    started = time.perf_counter()

    response = upload(admin, name, data)
    if response.status_code == 302:  # kept for review: making the plan must refuse it
        response = post_review(admin, response.headers["Location"], "create", quarter=QUARTER)

    assert time.perf_counter() - started < 10
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert "There is a problem" in page
    assert "longer than" in page and "damaged" not in page
    after = counts(db)
    assert (after["plans"], after["people"], after["recommendations"]) == (
        before["plans"],
        before["people"],
        before["recommendations"],
    )


ONES, ANDS, DOTS, QS = "1" * 100_000, " and " * 50_000, "R" + "." * 100_000, "Q" * 100_000
HOSTILE = [ONES, ANDS, DOTS, QS]


EXCEL_MOST = 32_767  # characters an Excel cell holds; openpyxl cuts longer text to this
HOSTILE_HEADER = ["Recommendation", "Board champion", "RAG", "Progress update Q3", *HOSTILE]
# Recommendation, board champion, RAG and progress of each row; every hostile text follows.
HOSTILE_ROWS = [
    [ONES, ANDS, QS, DOTS],
    [DOTS, ANDS, ONES, QS],
    [QS, ANDS, DOTS, ONES],
    ["1. An ordinary recommendation", ANDS, ANDS, ANDS],
]


def assert_hostile_read(plan: dict, most: int | None = None) -> None:
    """The hostile rows read as written (cut to `most` characters a cell)."""
    written = [[text[:most].strip() for text in row] for row in HOSTILE_ROWS]
    assert plan["columns"] == {
        "recommendation": "Recommendation",
        "board_champion": "Board champion",
        "status": "RAG",
        "progress": "Progress update Q3",
    }
    read = plan["recommendations"]
    assert len(read) == len(written)
    # None is a recommendation's number: each is kept whole, as text.
    assert [(r["number"], r["text"]) for r in read[:3]] == [(None, row[0]) for row in written[:3]]
    # Whatever names are made of a cell of "and"s, they are pieces of it, and few.
    for r, row in zip(read, written, strict=True):
        assert len(r["board_champions"]) <= 2
        assert all(name in " ".join(row[1].split()) for name in r["board_champions"])
    # "R" and dots is "R." at length, a Red; the others are no status, each with a warning.
    statuses = ["red" if row[2].startswith("R.") else None for row in written]
    assert [r["status"] for r in read] == statuses
    assert [r["progress"] for r in read] == [row[3] for row in written]
    assert len(plan["warnings"]) == statuses.count(None)


def test_text_built_to_make_patterns_backtrack_is_read_quickly(admin, runner, tmp_path):
    rows = [HOSTILE_HEADER] + [row + HOSTILE for row in HOSTILE_ROWS]
    started = time.perf_counter()

    # The reading itself, where the patterns are, on the texts at full length.
    assert_hostile_read(read_plan([Table("Plan", [[Cell(text) for text in row] for row in rows])]))

    assert time.perf_counter() - started < 3
    # And a workbook of them through the command and the pages. Stored uncompressed:
    # squeezed, such text looks like a zip bomb, and is refused as one.
    data = uncompressed(xlsx_bytes(workbook_of(rows)))
    started = time.perf_counter()

    printed = extract(runner, tmp_path, "plan.xlsx", data)
    page = admin.get(review_path(admin, "plan.xlsx", data)).text

    assert time.perf_counter() - started < 5
    assert_hostile_read(printed, most=EXCEL_MOST)
    assert f"{len(HOSTILE_ROWS)} recommendations in all" in page


# ----- 3. Hostile text is kept as text --------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
DROP = "Robert'); DROP TABLE people;--"
FORMULAS = ('=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0")


def test_hostile_text_is_stored_as_written_shown_escaped_and_exported_inert(admin, db):
    rows = [
        ["Recommendation", "Board champion", "Service champion", "RAG", "Progress"],
        [SCRIPT, DROP, "Steve Ryder", "Red", FORMULAS[0]],
        ["2. Check the data", "Karen Linton", "Steve Ryder", "Amber", FORMULAS[1]],
    ]
    people_before = db["people"].count

    plan_id = create_plan_from(admin, "plan.xlsx", xlsx_bytes(workbook_of(rows)))

    first, second = plan_in_database(db, plan_id)
    assert first["text"] == SCRIPT
    assert [first["progress"], second["progress"]] == list(FORMULAS)
    # Champions are split at ";" as boards separate names; the pieces are stored verbatim.
    assert first["board_champions"][:2] == ["Robert')", "DROP TABLE people"]
    assert all(name in DROP for name in first["board_champions"])
    assert "people" in db.table_names()
    assert db["people"].count == people_before + len(first["board_champions"])

    page = admin.get(f"/plans/{plan_id}").text
    assert SCRIPT not in page
    assert str(escape(SCRIPT)) in page
    for formula in FORMULAS:
        assert str(escape(formula)) in page

    response = admin.get(f"/plans/{plan_id}/pack/plan.xlsx", query_string={"quarter": QUARTER})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    values = [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert not [value for value in values if value.lstrip().startswith(("=", "+", "-", "@"))]
    for formula in FORMULAS:
        assert "'" + formula in values
    assert any(SCRIPT in value for value in values)


def test_a_champion_piece_without_letters_names_nobody(admin, db):
    rows = [["Recommendation", "Board champion"], ["1. Check the data", DROP]]

    plan_id = create_plan_from(admin, "plan.xlsx", xlsx_bytes(workbook_of(rows)), quarter="")

    (stored,) = plan_in_database(db, plan_id)
    # Split at ";" as boards separate names: "--" after the last is no one's name.
    expected = [piece.strip() for piece in DROP.split(";") if re.search("[A-Za-z]", piece)]
    assert stored["board_champions"] == expected


# ----- 4. A file:// link is text, never fetched -----------------------------------------------


def test_a_file_url_or_path_in_a_cell_is_kept_as_text_and_never_fetched(runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    url = secret.as_uri()
    rows = rows_of(PLAN_COLUMNS, PLAN[:2])
    rows[1][5] = url
    rows[2][5] = str(secret)
    workbook = workbook_of(rows)
    workbook.active["F2"].hyperlink = url
    workbook.active["A3"].hyperlink = url

    for name, data in (("plan.xlsx", xlsx_bytes(workbook)), ("plan.docx", word_plan(rows))):
        printed = extract(runner, tmp_path, name, data)

        assert [r["progress"] for r in printed["recommendations"]] == [url, str(secret)]
        assert "TOP-SECRET-CONTENT" not in json.dumps(printed)


def with_external_entity(data: bytes, part: str, url: str, before: bytes, entity: bytes) -> bytes:
    """The Office file with an XML external entity naming `url` declared in `part` and used
    in place of `before` (an XXE attempt)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}">]>'.encode()
                content, declared = re.subn(
                    rb"(<\?xml[^>]*\?>)", rb"\1" + doctype, content, count=1
                )
                assert declared == 1
                assert before in content
                content = content.replace(before, entity, 1)
            target.writestr(item, content)
    return out.getvalue()


def test_an_external_entity_pointing_at_a_file_is_never_resolved(runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    rows = rows_of(PLAN_COLUMNS, PLAN[:1])
    word = with_external_entity(
        word_plan(rows), "word/document.xml", secret.as_uri(), b"Karen Linton", b"&xxe;"
    )
    workbook = workbook_of(rows)
    excel = with_external_entity(
        xlsx_bytes(workbook), "xl/sharedStrings.xml", secret.as_uri(), b"Karen Linton", b"&xxe;"
    )

    for name, data in (("plan.docx", word), ("plan.xlsx", excel)):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["extract-plan", str(path)])

        assert "TOP-SECRET-CONTENT" not in result.output, name
