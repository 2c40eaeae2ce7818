"""North East Lincolnshire's published plan as the files boards keep it in: a Word document
broken over three pages (the title repeated at the top of each, a row split by each page
break, the tenth row alone on the last page) and an Excel sheet, read as published."""

import io
import json

import docx
import openpyxl
import pytest
from docx.enum.text import WD_BREAK

from tests.test_plan_import_pages import add_word_table
from tests.test_plan_reading import NEL_CHAMPIONS, NEL_PLAN, NEL_PLAN_FIRST_LINE, _cell_text
from tracker.plan_import.reading import read_plan
from tracker.plan_import.tables import read_tables

MAX = 20 * 1024 * 1024


def nel_pages() -> list[tuple[str, list[list[str]]]]:
    """Each page of the published plan: its title, and its table's rows of cell texts."""
    lines = NEL_PLAN.read_text(encoding="utf-8").splitlines()[NEL_PLAN_FIRST_LINE - 1 :]
    pages: list[tuple[str, list[list[str]]]] = []
    for line in lines:
        if not line.strip():
            continue
        if "\t" in line:
            pages[-1][1].append([_cell_text(text) for text in line.split("\t")])
        elif pages and not pages[-1][1]:  # a title on two lines
            pages[-1] = (f"{pages[-1][0]} {line.strip('* ')}", [])
        else:
            pages.append((line.strip("* "), []))
    return pages


def nel_docx() -> bytes:
    document = docx.Document()
    for number, (title, rows) in enumerate(nel_pages()):
        if number:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_paragraph(title)
        add_word_table(document, rows, width=max(5, *(len(row) for row in rows)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def nel_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Improvement plan"
    for title, rows in nel_pages():
        sheet.append([title])
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def published_key_lines() -> list[list[str]]:
    """Each recommendation's key lines as the published text gives them, the rows split by
    a page break put back together."""
    key_lines: list[list[str]] = []
    for _title, rows in nel_pages():
        for row in rows[1:] if not key_lines else rows:
            lines = [line for line in row[1].split("\n") if line]
            if row[0].strip() and row[0][0].isdigit():
                key_lines.append(lines)
            elif key_lines:  # carried over a page break
                first, *rest = lines
                if first[0].islower():
                    key_lines[-1][-1] += " " + first
                else:
                    key_lines[-1].append(first)
                key_lines[-1] += rest
    return key_lines


@pytest.mark.parametrize(("name", "make"), [("plan.docx", nel_docx), ("plan.xlsx", nel_xlsx)])
def test_the_published_plan_as_a_file_gives_all_ten_rows_as_published(name, make):
    found = read_tables(name, make(), MAX)
    plan = read_plan(found)

    recommendations = plan["recommendations"]
    assert [r["number"] for r in recommendations] == list(range(1, 11))
    assert [r["board_champions"] for r in recommendations] == NEL_CHAMPIONS["board"]
    assert [r["service_champions"] for r in recommendations] == NEL_CHAMPIONS["service"]
    assert [r["key_lines_of_enquiry"] for r in recommendations] == published_key_lines()
    assert recommendations[5]["text"] == (
        "Develop data analysis processes to enable it to scrutinise and explore trends in data "
        "and desistance factors."
    )
    assert recommendations[9]["text"] == "Supporting YJS staff"
    assert plan["warnings"] == []
    if name.endswith(".docx"):
        assert len(found) == 3  # a table a page, read as one plan


def test_extract_plan_reads_the_word_file_broken_over_pages(runner, tmp_path):
    path = tmp_path / "nel.docx"
    path.write_bytes(nel_docx())

    result = runner.invoke(args=["extract-plan", str(path)])

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert len(printed["recommendations"]) == 10
    assert printed["recommendations"][9]["service_champions"] == ["Zoe Grindle"]
    assert printed["warnings"] == []
