"""The plan as an Excel workbook and a Word document: read the real files back, and prove that
text a champion typed can never run as a formula or as markup."""

import io
import re
import zipfile
from datetime import date

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm

from tracker.boards import status_key_of
from tracker.pack.context import build_pack_context
from tracker.pack.exports import export_filename, plan_document, plan_workbook

PLAN_ID = 1
Q3, Q4 = "2022/23 Q3", "2022/23 Q4"
MADE_ON = date(2023, 1, 10)
PUBLISHED_COLUMNS = [
    "Recommendations",
    "Key lines of enquiry in report",
    "Board champion",
    "Youth Justice Service champion",
    "Progress",
]
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2", "@SUM(A1)", "\t=1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Reading the files back


def workbook_for(db, quarter: str = Q3) -> openpyxl.Workbook:
    made = plan_workbook(build_pack_context(db, PLAN_ID, quarter, MADE_ON))
    return openpyxl.load_workbook(io.BytesIO(made))


def document_for(db, quarter: str = Q3):
    made = plan_document(build_pack_context(db, PLAN_ID, quarter, MADE_ON))
    return docx.Document(io.BytesIO(made))


def table_of(sheet, first_header: str) -> tuple[list[str], list[tuple]]:
    """The sheet's headers and the rows under them, wherever the header row is."""
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == first_header)
    return list(rows[header_at]), rows[header_at + 1 :]


def plan_table(document):
    return next(t for t in document.tables if t.rows[0].cells[0].text == "Recommendations")


def row_properties(row) -> list[str]:
    properties = row._tr.trPr
    return [] if properties is None else [child.tag for child in properties]


# What the database says, worked out here rather than copied from the code under test


def recommendations_in_db(db) -> list[dict]:
    return list(
        db.query(
            "SELECT id, number, text FROM recommendations WHERE plan_id = ? ORDER BY position",
            [PLAN_ID],
        )
    )


def approved_statuses(db, quarter: str) -> list[str | None]:
    """Each recommendation's latest approved status key in the quarter, in plan order."""
    return [
        row[0]
        for row in db.execute(
            """
            SELECT (SELECT updates.status FROM progress_updates AS updates
                    JOIN quarters ON quarters.id = updates.quarter_id
                    WHERE updates.recommendation_id = recommendations.id
                      AND quarters.label = ? AND updates.state = 'approved'
                    ORDER BY updates.revision DESC LIMIT 1)
            FROM recommendations WHERE plan_id = ? ORDER BY position
            """,
            [quarter, PLAN_ID],
        ).fetchall()
    ]


def approved_update_count(db, quarter: str) -> int:
    """Recommendation-quarters with an approved update, up to and including the quarter."""
    return db.execute(
        """
        SELECT count(*) FROM (
            SELECT DISTINCT updates.recommendation_id, updates.quarter_id
            FROM progress_updates AS updates
            JOIN quarters ON quarters.id = updates.quarter_id
            JOIN recommendations ON recommendations.id = updates.recommendation_id
            WHERE recommendations.plan_id = ? AND updates.state = 'approved'
              AND quarters.starts_on <= (
                  SELECT starts_on FROM quarters WHERE plan_id = ? AND label = ?))
        """,
        [PLAN_ID, PLAN_ID, quarter],
    ).fetchone()[0]


def add_revision(db, number: int, quarter: str, state: str = "approved", **fields) -> None:
    """A new revision of the recommendation's update, shaped like the demo's approved rows
    (progress updates are append-only: a change is always a new revision)."""
    recommendation_id = db.execute(
        "SELECT id FROM recommendations WHERE plan_id = ? AND number = ?", [PLAN_ID, number]
    ).fetchone()[0]
    quarter_id = db.execute(
        "SELECT id FROM quarters WHERE plan_id = ? AND label = ?", [PLAN_ID, quarter]
    ).fetchone()[0]
    demo_row = dict(
        db.execute_returning_dicts(
            "SELECT * FROM progress_updates WHERE state = 'approved' ORDER BY id LIMIT 1"
        )[0]
    )
    latest = db.execute(
        "SELECT max(revision) FROM progress_updates WHERE recommendation_id = ? AND quarter_id = ?",
        [recommendation_id, quarter_id],
    ).fetchone()[0]
    for generated in ("id", "created_at"):
        demo_row.pop(generated)
    db["progress_updates"].insert(
        {
            **demo_row,
            "recommendation_id": recommendation_id,
            "quarter_id": quarter_id,
            "revision": (latest or 0) + 1,
            "state": state,
            "is_sample": 0,
            "corrective_action": "",
            "impact": "",
            "next_steps": "",
            **fields,
        }
    )


# The workbook


def test_the_plan_sheet_has_every_recommendation_under_the_published_columns(db):
    headers, rows = table_of(workbook_for(db)["Plan"], "Recommendations")
    assert [h for h in headers if h in PUBLISHED_COLUMNS] == PUBLISHED_COLUMNS
    assert {"Status", "Direction"} <= set(headers)
    expected = [f"{r['number']}. {r['text']}" for r in recommendations_in_db(db)]
    assert [row[0].split("\n")[0] for row in rows] == expected
    progress = [row[headers.index("Progress")] for row in rows]
    assert all(text.startswith("[Sample text] ") for text in progress)


def test_each_status_is_a_word_in_a_cell_filled_with_its_colour(db):
    sheet = workbook_for(db)["Plan"]
    headers, rows = table_of(sheet, "Recommendations")
    column = headers.index("Status") + 1
    key = {status.key: status for status in status_key_of(db, 1)}
    first_row = sheet.max_row - len(rows) + 1
    statuses = approved_statuses(db, Q3)
    assert {"amber", "green", "red"} <= set(statuses)
    for offset, status in enumerate(statuses):
        cell = sheet.cell(row=first_row + offset, column=column)
        if status is None:
            assert cell.value == "No approved update"
            continue
        assert cell.value == key[status].label
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb == "FF" + key[status].colour.lstrip("#").upper()


def test_a_quarter_without_approved_updates_says_so_in_words(db):
    headers, rows = table_of(workbook_for(db, Q4)["Plan"], "Recommendations")
    # Each keeps its last approved status, labelled with its quarter, or says it has none.
    key = {status.key: status.label for status in status_key_of(db, 1)}
    assert [row[headers.index("Status")] for row in rows] == [
        f"{key[status]} in {Q3}; no update for {Q4}" if status else "No approved update"
        for status in approved_statuses(db, Q3)
    ]
    assert all(row[headers.index("Progress")] == f"No approved update for {Q4}." for row in rows)


def test_the_history_has_one_row_per_approved_update_up_to_the_quarter_and_no_drafts(db):
    add_revision(db, 1, Q3, narrative="Second approved revision in Q3")
    add_revision(db, 2, Q4, status="green", narrative="Approved in Q4")
    add_revision(db, 3, Q4, state="draft", status="red", narrative="Draft in Q4")

    _headers, q3_rows = table_of(workbook_for(db, Q3)["History"], "Recommendation number")
    assert len(q3_rows) == approved_update_count(db, Q3)
    q3_text = repr(q3_rows)
    assert "Second approved revision in Q3" in q3_text
    assert "Approved in Q4" not in q3_text and "Draft in Q4" not in q3_text

    q4_headers, q4_rows = table_of(workbook_for(db, Q4)["History"], "Recommendation number")
    assert len(q4_rows) == approved_update_count(db, Q4) == len(q3_rows) + 1
    assert "Approved in Q4" in repr(q4_rows) and "Draft in Q4" not in repr(q4_rows)
    for name in ("Recommendation", "Quarter", "Status", "Progress", "Impact and evidence"):
        assert name in q4_headers
    assert {"Next steps", "Corrective action"} <= set(q4_headers)


def test_the_history_keeps_every_narrative_field_and_numbers_as_numbers(db):
    add_revision(
        db,
        4,
        Q4,
        status="red",
        narrative="Behind plan",
        impact="Fewer missed appointments",
        next_steps="Recruit a second officer",
        corrective_action="The chair will escalate to the director",
    )
    sheet = workbook_for(db, Q4)["History"]
    headers, rows = table_of(sheet, "Recommendation number")
    row = next(r for r in rows if r[headers.index("Progress")] == "Behind plan")
    assert row[headers.index("Recommendation number")] == 4
    assert row[headers.index("Quarter")] == Q4
    assert row[headers.index("Status")] == "Red"
    assert row[headers.index("Impact and evidence")] == "Fewer missed appointments"
    assert row[headers.index("Next steps")] == "Recruit a second officer"
    assert row[headers.index("Corrective action")] == "The chair will escalate to the director"
    numbers = [c for c in sheet["A"] if isinstance(c.value, int)]
    assert numbers and all(c.data_type == "n" for c in numbers)


def test_the_status_key_sheet_gives_each_status_its_meaning(db):
    _headers, rows = table_of(workbook_for(db)["Status key"], "Status")
    for status in status_key_of(db, 1):
        assert (status.label, status.meaning) in rows


def test_each_sheet_has_a_title_a_frozen_bold_header_and_a_filter(db):
    workbook = workbook_for(db)
    title = db.execute("SELECT title FROM plans WHERE id = ?", [PLAN_ID]).fetchone()[0]
    assert title in workbook.properties.title and Q3 in workbook.properties.title
    assert workbook["Plan"]["A1"].value == title
    assert workbook["Plan"]["A2"].value == f"Progress as at {Q3}"
    for sheet in workbook:
        header_row = next(r for r in range(1, 10) if sheet.cell(r, 2).value)
        assert sheet.freeze_panes == f"A{header_row + 1}"
        assert sheet.auto_filter.ref.startswith(f"A{header_row}:")
        assert all(cell.font.b for cell in sheet[header_row])
        assert all(sheet.column_dimensions[c.column_letter].width >= 10 for c in sheet[header_row])
        assert all(cell.alignment.wrap_text for cell in sheet[sheet.max_row])


def test_text_that_looks_like_a_formula_is_stored_as_text_that_is_never_run(db):
    for number, hostile in enumerate(HOSTILE, start=1):
        add_revision(db, number, Q3, status="amber", narrative=hostile)
    add_revision(db, 6, Q3, status="red", narrative="ok", corrective_action=" =cmd|'/c calc'!A1")
    db.execute("UPDATE recommendations SET text = '-1+2' WHERE plan_id = ? AND number = 7", [1])
    db.execute("UPDATE people SET name = '@evil' WHERE id = 1")
    db.conn.commit()
    made = plan_workbook(build_pack_context(db, PLAN_ID, Q3, MADE_ON))
    workbook = openpyxl.load_workbook(io.BytesIO(made))

    headers, rows = table_of(workbook["Plan"], "Recommendations")
    progress = [row[headers.index("Progress")] for row in rows]
    assert progress[: len(HOSTILE)] == ["'" + hostile for hostile in HOSTILE]
    _headers, history = table_of(workbook["History"], "Recommendation number")
    assert "' =cmd|'/c calc'!A1" in [row[_headers.index("Corrective action")] for row in history]
    assert "'-1+2" in [row[_headers.index("Recommendation")] for row in history]
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not cell.value.lstrip(" \n").startswith(FORMULA_STARTS), cell.value
    with zipfile.ZipFile(io.BytesIO(made)) as parts:
        for name in parts.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in parts.read(name).decode()


def test_characters_a_file_cannot_hold_are_dropped_rather_than_failing(db):
    add_revision(db, 1, Q3, status="green", narrative="Line one\x0bline two\x00 done")
    context = build_pack_context(db, PLAN_ID, Q3, MADE_ON)
    workbook = openpyxl.load_workbook(io.BytesIO(plan_workbook(context)))
    headers, rows = table_of(workbook["Plan"], "Recommendations")
    assert rows[0][headers.index("Progress")] == "Line oneline two done"
    document = docx.Document(io.BytesIO(plan_document(context)))
    assert "Line oneline two done" in plan_table(document).rows[1].cells[4].text


# The document


def test_the_document_has_every_recommendation_in_the_five_published_columns(db):
    table = plan_table(document_for(db))
    assert [cell.text for cell in table.rows[0].cells] == PUBLISHED_COLUMNS
    recommendations = recommendations_in_db(db)
    assert len(table.rows) == len(recommendations) + 1
    key = {status.key: status.label for status in status_key_of(db, 1)}
    for row, recommendation, status in zip(
        table.rows[1:], recommendations, approved_statuses(db, Q3), strict=True
    ):
        cells = row.cells
        assert (
            cells[0].paragraphs[0].text == f"{recommendation['number']}. {recommendation['text']}"
        )
        key_lines = [
            line[0]
            for line in db.execute(
                "SELECT text FROM key_lines WHERE recommendation_id = ? ORDER BY position",
                [recommendation["id"]],
            )
        ]
        assert [p.text for p in cells[1].paragraphs if p.text] == key_lines
        assert all(p.style.name == "List Bullet" for p in cells[1].paragraphs if p.text)
        assert cells[2].text and cells[3].text
        assert cells[4].paragraphs[0].text.startswith(key[status] if status else "No approved")
        assert "[Sample text]" in cells[4].text


def test_the_header_row_repeats_on_each_page_and_no_row_breaks_across_pages(db):
    for table in document_for(db).tables:
        header, *rows = table.rows
        assert qn("w:tblHeader") in row_properties(header)
        assert all(qn("w:tblHeader") not in row_properties(row) for row in rows)
        assert all(qn("w:cantSplit") in row_properties(row) for row in table.rows)


def test_the_document_is_landscape_a4(db):
    for section in document_for(db).sections:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        assert abs(section.page_width - Mm(297)) < Mm(1)
        assert abs(section.page_height - Mm(210)) < Mm(1)


def test_the_document_has_the_plan_title_the_quarter_and_the_status_key(db):
    document = document_for(db)
    title = db.execute("SELECT title FROM plans WHERE id = ?", [PLAN_ID]).fetchone()[0]
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].text == title and headings[0].style.name == "Heading 1"
    assert f"Progress as at {Q3}" in [p.text for p in document.paragraphs]
    assert title in document.core_properties.title
    with zipfile.ZipFile(io.BytesIO(plan_document(build_pack_context(db, 1, Q3, MADE_ON)))) as z:
        assert 'w:lang w:val="en-GB"' in z.read("word/styles.xml").decode()
    key_table = next(t for t in document.tables if t.rows[0].cells[0].text == "Status")
    rows = [tuple(cell.text for cell in row.cells) for row in key_table.rows[1:]]
    for status in status_key_of(db, 1):
        assert (status.label, status.meaning) in rows


def test_the_document_uses_only_built_in_styles(db):
    document = document_for(db)
    paragraphs = list(document.paragraphs) + [
        p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs
    ]
    assert all(p.style.builtin for p in paragraphs)
    assert all(t.style.name == "Table Grid" for t in document.tables)


def test_markup_in_an_update_stays_literal_text_in_the_document(db):
    markup = '<script>alert("x")</script> & <w:p>'
    add_revision(db, 1, Q3, status="green", narrative=markup)
    made = plan_document(build_pack_context(db, PLAN_ID, Q3, MADE_ON))
    assert markup in plan_table(docx.Document(io.BytesIO(made))).rows[1].cells[4].text
    with zipfile.ZipFile(io.BytesIO(made)) as parts:
        body = parts.read("word/document.xml").decode()
    assert "<script>" not in body and "&lt;script&gt;" in body


# Filenames


def test_the_filename_is_the_plan_title_and_quarter_in_safe_ascii(db):
    title = db.execute("SELECT title FROM plans WHERE id = ?", [PLAN_ID]).fetchone()[0]
    assert export_filename(title, Q3, "xlsx") == (
        "north-east-lincolnshire-youth-justice-services-hmip-improvement-plan-2022-2023"
        "-2022-23-q3.xlsx"
    )


@pytest.mark.parametrize(
    "title",
    [
        '../../etc/passwd\r\nX: "Plan" <b>',
        "Cymraeg: Cynllun gwella \u2018\u0174\u0177\u2019 \u2014 caf\u00e9",
        "word" * 100,
        "a-" + "b" * 200,
        "",
        "///",
    ],
)
def test_an_odd_title_still_gives_a_short_safe_filename(title):
    name = export_filename(title, "2023/24 Q1", ".DOCX")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.docx", name), name
    assert len(name) <= 100
    assert name.endswith("-2023-24-q1.docx")
