"""Reading the tables of a board's existing plan: Word, Excel, CSV and pasted text, and the
files that are refused. Every file is built here, so what each test reads is in front of you."""

import datetime
import io
import re
import struct
import zipfile

import docx
import openpyxl
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl.styles import PatternFill

from tests.fixtures.compound_file import compound_file
from tracker.plan_import import tables
from tracker.plan_import.tables import Cell, PlanFileError, read_pasted, read_tables

MAX = 5 * 1024 * 1024
HEADER = ["Recommendations", "Key lines of enquiry in report.", "Board champion", "Progress"]


def texts(table):
    return [[cell.text for cell in row] for row in table.rows]


# ----- Word -----------------------------------------------------------------------------------


def shade(cell, fill):
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def add_table(document, rows):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for cells, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(cells.cells, values, strict=True):
            cell.text = value
    return table


def docx_bytes(document):
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def plan_document():
    """A document as boards write them: a contacts table, then the plan, continued after a
    page break as a new table that repeats the header row."""
    document = docx.Document()
    document.add_paragraph("Contacts")
    add_table(document, [["Name", "Role"], ["Ann Smith", "Chair"]])
    document.add_paragraph("Improvement plan")
    plan = add_table(
        document,
        [
            HEADER,
            ["", "", "", ""],
            ["1. Gather the views of victims", "Victims' wishes", "Paul Condon", "On track"],
        ],
    )
    section = plan.rows[1].cells
    section[0].merge(section[3])
    section[0].text = "Domain 1: Organisational delivery"
    progress = plan.rows[2].cells[3]
    shade(progress, "00b050")
    lines = plan.rows[2].cells[1]
    lines.add_paragraph("   ")
    lines.add_paragraph("  Views of children and carers  ")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    add_table(
        document,
        [HEADER, ["2. Review diversity", "Protected characteristics", "Spencer Hunt", ""]],
    )
    return docx_bytes(document)


def test_a_word_plan_gives_each_table_in_order_with_a_continued_table_joined(plan_document):
    contacts, plan = read_tables("plan.docx", plan_document, MAX)

    assert contacts.name == "Table 1"
    assert texts(contacts) == [["Name", "Role"], ["Ann Smith", "Chair"]]
    assert plan.name == "Table 2"
    assert texts(plan) == [
        HEADER,
        ["Domain 1: Organisational delivery", "", "", ""],
        [
            "1. Gather the views of victims",
            "Victims' wishes\nViews of children and carers",
            "Paul Condon",
            "On track",
        ],
        ["2. Review diversity", "Protected characteristics", "Spencer Hunt", ""],
    ]


def test_a_shaded_word_cell_keeps_its_colour(plan_document):
    _contacts, plan = read_tables("plan.docx", plan_document, MAX)

    assert plan.rows[2][3] == Cell("On track", "#00B050")
    assert plan.rows[2][2].fill is None


def test_a_table_whose_first_row_is_another_header_is_not_joined():
    document = docx.Document()
    add_table(document, [HEADER, ["1. Views", "", "", ""]])
    add_table(document, [["Name", "Role", "", ""], ["Ann", "Chair", "", ""]])

    assert [table.name for table in read_tables("p.docx", docx_bytes(document), MAX)] == [
        "Table 1",
        "Table 2",
    ]


def test_vertically_merged_and_automatic_fill_word_cells_are_read_once():
    document = docx.Document()
    table = add_table(document, [["Owner", "Action"], ["Ann", "First"], ["", "Second"]])
    table.cell(1, 0).merge(table.cell(2, 0))
    # Word shows only the top cell's text; whatever a continuation cell holds is not read.
    continuation = table.rows[2]._tr.tc_lst[0]
    continuation.p_lst[0].add_r().text = "hidden"
    shade(table.cell(0, 1), "auto")
    nested = table.cell(2, 1).add_table(rows=1, cols=1)
    nested.cell(0, 0).text = "Nested"

    (read,) = read_tables("plan.docx", docx_bytes(document), MAX)

    assert texts(read) == [["Owner", "Action"], ["Ann", "First"], ["", "Second"]]
    assert read.rows[0][1].fill is None


def test_a_word_cell_merged_across_columns_keeps_the_columns_after_it_in_place():
    document = docx.Document()
    table = add_table(document, [["Action", "Owner", "Progress"], ["", "", "Late"]])
    table.cell(1, 0).merge(table.cell(1, 1)).text = "1. Views, shared"

    (read,) = read_tables("plan.docx", docx_bytes(document), MAX)

    assert texts(read)[1] == ["1. Views, shared", "", "Late"]


def test_a_word_document_without_tables_is_refused():
    document = docx.Document()
    document.add_paragraph("Our plan is in the minutes")

    with pytest.raises(PlanFileError, match="no tables"):
        read_tables("plan.docx", docx_bytes(document), MAX)


# ----- Excel ----------------------------------------------------------------------------------


def xlsx_bytes(workbook, cached=None):
    """The workbook's bytes; `cached` {formula: value} adds the value Excel would have saved
    with the formula (openpyxl writes none)."""
    out = io.BytesIO()
    workbook.save(out)
    if not cached:
        return out.getvalue()
    patched = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(patched, "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for formula, value in cached.items():
                    content = re.sub(
                        rb"<f>" + re.escape(formula.encode()) + rb"</f><v\s*/?>(</v>)?",
                        b"<f>" + formula.encode() + b"</f><v>" + value.encode() + b"</v>",
                        content,
                    )
            target.writestr(item, content)
    return patched.getvalue()


@pytest.fixture
def plan_workbook():
    workbook = openpyxl.Workbook()
    plan = workbook.active
    plan.title = "Plan 2024"
    plan.append(["Recommendation", "Owner", "Due", "Cost", "Score", "Total", "Missing"])
    plan.append(["Domain 1: Governance"])
    plan.merge_cells("A2:G2")
    plan.append(["1. Views of victims", "Ann", datetime.date(2024, 3, 31), 2.5, 3.0, "=1+2", "=4"])
    plan["B3"].fill = PatternFill("solid", fgColor="FFFF0000")
    plan["J20"].fill = PatternFill("solid", fgColor="FF00FF00")  # formatting beyond the table
    workbook.create_sheet("Empty")
    notes = workbook.create_sheet("Notes")
    notes["A1"] = "  Agreed by the board\r\nin May  "
    return xlsx_bytes(workbook, cached={"1+2": "3"})


def test_a_workbook_gives_a_table_per_sheet_with_text(plan_workbook):
    plan, notes = read_tables("plan.xlsx", plan_workbook, MAX)

    assert plan.name == "Plan 2024"
    assert texts(plan) == [
        ["Recommendation", "Owner", "Due", "Cost", "Score", "Total", "Missing"],
        ["Domain 1: Governance", "", "", "", "", "", ""],
        ["1. Views of victims", "Ann", "2024-03-31", "2.5", "3", "3", ""],
    ]
    assert notes.name == "Notes"
    assert texts(notes) == [["Agreed by the board\nin May"]]


def test_a_solid_filled_workbook_cell_keeps_its_colour(plan_workbook):
    plan, _notes = read_tables("plan.xlsx", plan_workbook, MAX)

    assert plan.rows[2][1] == Cell("Ann", "#FF0000")
    assert plan.rows[2][0].fill is None


def test_a_sheet_with_too_many_rows_is_refused(monkeypatch):
    workbook = openpyxl.Workbook()
    for number in range(1, 6):
        workbook.active.append([f"Recommendation {number}"])
    monkeypatch.setattr(tables, "MAX_ROWS", 4)

    with pytest.raises(PlanFileError, match="too many rows"):
        read_tables("plan.xlsx", xlsx_bytes(workbook), MAX)


# ----- CSV and pasted text --------------------------------------------------------------------


def test_a_utf8_csv_with_a_byte_order_mark_is_read():
    data = "\ufeffRecommendation,Owner\r\n1. Views,Zoë\r\n".encode()

    (table,) = read_tables("C:\\Users\\ann\\plan.csv", data, MAX)

    assert table.name == "plan.csv"
    assert texts(table) == [["Recommendation", "Owner"], ["1. Views", "Zoë"]]


def test_a_windows_1252_csv_is_read():
    data = 'Recommendation,Budget\r\n"Café visits, monthly",£500\r\n'.encode("cp1252")

    (table,) = read_tables("plan.csv", data, MAX)

    assert texts(table) == [["Recommendation", "Budget"], ["Café visits, monthly", "£500"]]


def test_a_semicolon_csv_keeps_quoted_line_breaks():
    data = b'Recommendation;Progress\r\n"1. Views;\r\nsecond line";"Done, ""mostly"""\r\n\r\n'

    (table,) = read_tables("plan.csv", data, MAX)

    assert texts(table) == [
        ["Recommendation", "Progress"],
        ["1. Views;\nsecond line", 'Done, "mostly"'],
    ]


def test_a_tab_separated_text_file_is_read():
    (table,) = read_tables("plan.txt", b"Action\tOwner, lead\n1. Views\tAnn, Bob\n", MAX)

    assert texts(table) == [["Action", "Owner, lead"], ["1. Views", "Ann, Bob"]]


def test_a_table_pasted_from_excel_keeps_multi_line_cells():
    pasted = (
        'Recommendation\tOwner\tProgress\r\n"1. Views\r\nof victims"\tAnn\t\r\n2. Data\t\tLate\r\n'
    )

    (table,) = read_pasted(pasted)

    assert texts(table) == [
        ["Recommendation", "Owner", "Progress"],
        ["1. Views\nof victims", "Ann", ""],
        ["2. Data", "", "Late"],
    ]


def test_empty_pasted_text_is_refused():
    with pytest.raises(PlanFileError, match="empty"):
        read_pasted(" \r\n\t\n")


def test_a_csv_with_too_many_rows_is_refused():
    data = b"Recommendation\n" + b"x\n" * tables.MAX_ROWS

    with pytest.raises(PlanFileError, match="too many rows"):
        read_tables("plan.csv", data, MAX)


# ----- Refusals -------------------------------------------------------------------------------


def test_an_old_word_document_is_refused_with_a_way_forward():
    data = compound_file({"WordDocument": b"\xec\xa5", "1Table": b"\x00"})

    with pytest.raises(PlanFileError, match=r"save it as \.docx first"):
        read_tables("plan.doc", data, MAX)


def test_an_old_excel_workbook_is_refused_with_a_way_forward():
    with pytest.raises(PlanFileError, match=r"save it as \.xlsx first"):
        read_tables("plan.xls", compound_file({"Workbook": b"\x09\x08"}), MAX)


def test_a_password_protected_workbook_is_refused():
    data = compound_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x01"})

    with pytest.raises(PlanFileError, match="protected with a password"):
        read_tables("plan.xlsx", data, MAX)


def declared_bomb() -> bytes:
    """A .docx whose document declares that it unpacks to 4 GB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(out.getvalue())
    # The size is declared in the central directory, which zipfile reads: its header for
    # word/document.xml is 46 bytes, then the name; the size is at offset 24.
    entry = data.rindex(b"word/document.xml") - 46
    assert data[entry : entry + 4] == b"PK\x01\x02"
    data[entry + 24 : entry + 28] = struct.pack("<I", 0xFFFFFF00)
    return bytes(data)


def test_a_zip_bomb_is_refused_before_it_is_opened():
    data = declared_bomb()

    with pytest.raises(PlanFileError, match="too large when unpacked"):
        read_tables("plan.docx", data, MAX)


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("plan.csv", b"", "The file is empty"),
        ("plan.csv", b"a,b" * 100, "larger than 200 bytes"),
        ("plan.pdf", b"%PDF-1.7", "must be a Word document"),
        ("plan.csv", b"Recommendation,Owner\n1. Views\x00,Ann\n", "does not contain text"),
        ("plan.docx", b"Recommendation,Owner\n", "ends in .docx but the file is a text file"),
        ("plan.docx", b"PK\x03\x04 not really a zip", "may be damaged"),
    ],
)
def test_files_that_cannot_be_a_plan_are_refused(filename, data, message):
    with pytest.raises(PlanFileError, match=message):
        read_tables(filename, data, 200)


def test_a_word_document_named_as_a_workbook_is_refused(plan_document):
    with pytest.raises(PlanFileError, match=r"ends in \.xlsx but the file is a Word document"):
        read_tables("plan.xlsx", plan_document, MAX)
