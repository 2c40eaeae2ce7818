"""The board pack's plan as an Excel workbook and a Word document.

Some boards keep their plan in a spreadsheet, and councils paste the plan table into their own
committee report template. Both files are made from the pack context
(`tracker.pack.context.build_pack_context`), so they say what the PDF says: approved updates
only, never drafts, and every status in words as well as colour.
"""

import io
import re
import unicodedata
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.dashboard.summary import NO_UPDATE_LABEL
from tracker.rag import Status, status_for
from tracker.spreadsheets import neutralise_formula

PLAN_HEADERS = (
    "Recommendations",
    "Key lines of enquiry in report",
    "Board champion",
    "Youth Justice Service champion",
    "Progress",
)
SAMPLE_MARKER = "[Sample text]"
LOCAL_MARKER = "(added by the board)"
NO_CHAMPION = "TBC"

# Characters XML 1.0 cannot hold (both file formats are XML inside a zip). Text pasted from
# other programs sometimes carries them, such as Word's vertical tab for a line break.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The first characters that make a spreadsheet read a cell as a formula, with their
# full-width forms, which some spreadsheets also accept.
_FILENAME_TITLE_LENGTH = 80


def export_filename(plan_title: str, quarter: str, extension: str) -> str:
    """A safe ASCII filename for a plan's export, like
    "north-east-lincolnshire-youth-justice-services-hmip-improvement-plan-2022-2023-2022-23-q3.xlsx":
    lower-case letters, digits and hyphens, the title cut at a word to keep it short."""
    title = _slug(plan_title)
    if len(title) > _FILENAME_TITLE_LENGTH:
        cut = title[:_FILENAME_TITLE_LENGTH]
        if title[_FILENAME_TITLE_LENGTH] != "-" and "-" in cut:
            cut = cut.rsplit("-", 1)[0]  # not halfway through a word
        title = cut.strip("-")
    stem = "-".join(part for part in (title or "improvement-plan", _slug(quarter)) if part)
    suffix = re.sub(r"[^a-z0-9]", "", extension.lower())
    return f"{stem}.{suffix}" if suffix else stem


def spreadsheet_text(value: str) -> str:
    """Text as it is stored in a workbook cell, so that no spreadsheet ever runs it (see
    `tracker.spreadsheets`). Characters XML cannot hold are removed first, since a workbook
    cannot store them at all."""
    return neutralise_formula(_printable(value))


def plan_workbook(context: dict) -> bytes:
    """The plan as an .xlsx workbook: the plan table as at the pack's quarter ("Plan"), every
    approved update up to that quarter ("History") and the board's status key
    ("Status key")."""
    workbook = Workbook()
    _fill_plan_sheet(workbook.active, context)
    _fill_history_sheet(workbook.create_sheet("History"), context)
    _fill_key_sheet(workbook.create_sheet("Status key"), context)
    plan = context["plan"]
    workbook.properties.title = _printable(f"{plan['title']}: progress as at {context['quarter']}")
    workbook.properties.creator = _printable(plan.get("board") or "")
    workbook.properties.subject = "HMIP recommendations implementation plan"
    workbook.properties.language = "en-GB"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def plan_document(context: dict) -> bytes:
    """The plan as a .docx document on landscape A4: the plan's title and quarter, the status
    key, and the plan table in its five published columns, in Word's built-in styles so a
    council can paste it into a committee report template."""
    document = Document()
    _landscape_a4(document.sections[0])
    _write_in_british_english(document)
    plan, quarter = context["plan"], context["quarter"]
    document.core_properties.title = _printable(f"{plan['title']}: progress as at {quarter}")
    document.core_properties.author = _printable(plan.get("board") or "")
    document.core_properties.language = "en-GB"

    document.add_heading(_printable(plan["title"]), level=1)
    document.add_paragraph(f"Progress as at {_printable(quarter)}")
    document.add_heading("Status key", level=2)
    _add_key_table(document, context["status_key"])
    document.add_heading(_plan_table_title(plan), level=2)
    _add_plan_table(document, context)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# What each column says, the same in both files


def _recommendation_paragraphs(recommendation: dict) -> list[str]:
    number, text = recommendation.get("number"), _printable(recommendation["text"])
    paragraphs = [f"{number}. {text}" if number is not None else text]
    if recommendation.get("origin") == "local":
        paragraphs.append(LOCAL_MARKER)
    return paragraphs


def _champion_names(champions: list[dict]) -> str:
    return ", ".join(_printable(champion["name"]) for champion in champions) or NO_CHAMPION


def _status_words(status: Status | None) -> str:
    return status.label if status else NO_UPDATE_LABEL


def _standing_words(recommendation: dict) -> str:
    """The status as at the quarter: carried forward and labelled, or withdrawn."""
    return _printable(recommendation["summary"].standing.words)


def _direction_words(recommendation: dict) -> str:
    summary = recommendation["summary"]
    if summary.withdrawn:
        return ""
    return f"{summary.direction.arrow} {summary.direction.word}"


def _narrative(update: dict) -> str:
    """The update's progress, marked when it is the demo's illustrative text."""
    narrative = _printable(update.get("narrative"))
    return f"{SAMPLE_MARKER} {narrative}".rstrip() if update.get("is_sample") else narrative


def _progress_paragraphs(recommendation: dict, quarter: str) -> list[str]:
    update = recommendation.get("this_quarter")
    if update is None:
        return [f"No approved update for {_printable(quarter)}."]
    corrective = _printable(update.get("corrective_action"))
    return [_narrative(update)] + (
        [f"Corrective action: {corrective}"] if corrective.strip() else []
    )


def _plan_table_title(plan: dict) -> str:
    return _printable(
        f"{plan.get('board') or plan['title']} HMIP recommendations implementation plan"
    )


def _printable(value) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# The workbook

_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_HEADER_ROW = 3  # under the title and the "Progress as at" line

HISTORY_HEADERS = (
    "Recommendation number",
    "Recommendation",
    "Quarter",
    "Status",
    "Progress",
    "Impact and evidence",
    "Next steps",
    "Corrective action",
    "Approved by",
    "Approved at (UTC)",
)


def _fill_plan_sheet(sheet: Worksheet, context: dict) -> None:
    quarter = context["quarter"]
    headers = (*PLAN_HEADERS[:4], "Status", "Direction", PLAN_HEADERS[4])
    _start_sheet(
        sheet,
        "Plan",
        (context["plan"]["title"], f"Progress as at {quarter}"),
        headers,
        (45, 60, 22, 22, 14, 22, 70),
    )
    for recommendation in context["recommendations"]:
        summary = recommendation["summary"]
        status = None if summary.withdrawn else summary.status
        row = _append_row(
            sheet,
            (
                "\n".join(_recommendation_paragraphs(recommendation)),
                "\n".join(f"• {_printable(line['text'])}" for line in recommendation["key_lines"]),
                _champion_names(recommendation["board_champions"]),
                _champion_names(recommendation["service_champions"]),
                _standing_words(recommendation),
                _direction_words(recommendation),
                "\n".join(_progress_paragraphs(recommendation, quarter)),
            ),
        )
        _colour_status_cell(sheet.cell(row=row, column=5), status)
    _finish_sheet(sheet)


def _fill_history_sheet(sheet: Worksheet, context: dict) -> None:
    status_key = context["status_key"]
    _start_sheet(
        sheet,
        "History",
        (context["plan"]["title"], f"Approved updates up to and including {context['quarter']}"),
        HISTORY_HEADERS,
        (16, 45, 12, 14, 60, 45, 45, 45, 22, 18),
    )
    for recommendation in context["recommendations"]:
        for update in recommendation["history"]:
            # A status the board has since stopped using keeps its default words and colour.
            status = status_for(update.get("status"), status_key) or status_for(
                update.get("status")
            )
            row = _append_row(
                sheet,
                (
                    recommendation.get("number"),
                    _printable(recommendation["text"]),
                    update["quarter"],
                    _status_words(status),
                    _narrative(update),
                    _printable(update.get("impact")),
                    _printable(update.get("next_steps")),
                    _printable(update.get("corrective_action")),
                    _printable(update.get("approved_by") or update.get("author")),
                    _utc_datetime(update.get("approved_at") or update.get("created_at")),
                ),
            )
            _colour_status_cell(sheet.cell(row=row, column=4), status)
            sheet.cell(row=row, column=10).number_format = "yyyy-mm-dd hh:mm"
    _finish_sheet(sheet)


def _fill_key_sheet(sheet: Worksheet, context: dict) -> None:
    _start_sheet(
        sheet,
        "Status key",
        (context["plan"]["title"], "Status key"),
        ("Status", "Meaning"),
        (22, 70),
    )
    for status in context["status_key"]:
        row = _append_row(sheet, (status.label, status.meaning))
        _colour_status_cell(sheet.cell(row=row, column=1), status)
    _append_row(sheet, (NO_UPDATE_LABEL, "No update has been approved for the quarter"))
    _finish_sheet(sheet)


def _start_sheet(
    sheet: Worksheet,
    name: str,
    title_lines: tuple[str, str],
    headers: tuple[str, ...],
    widths: tuple[int, ...],
) -> None:
    sheet.title = name
    for row, (line, font) in enumerate(zip(title_lines, (_TITLE_FONT, _BOLD), strict=True), 1):
        sheet.cell(row=row, column=1, value=spreadsheet_text(line)).font = font
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=_HEADER_ROW, column=column, value=header)
        cell.font, cell.alignment = _BOLD, _WRAPPED
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{_HEADER_ROW + 1}"
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _append_row(sheet: Worksheet, values: tuple) -> int:
    """Writes a row under the last one, text made safe (see `spreadsheet_text`); returns its
    number."""
    row = sheet.max_row + 1
    for column, value in enumerate(values, start=1):
        safe = spreadsheet_text(value) if isinstance(value, str) else value
        sheet.cell(row=row, column=column, value=safe).alignment = _WRAPPED
    return row


def _finish_sheet(sheet: Worksheet) -> None:
    last = f"{get_column_letter(sheet.max_column)}{max(sheet.max_row, _HEADER_ROW)}"
    sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last}"


def _colour_status_cell(cell, status: Status | None) -> None:
    """Fills the cell with the status's colour, in text of whichever of black or white reads
    better on it; the cell already holds the status's word."""
    if status is None:
        return
    colour = "FF" + status.colour.lstrip("#").upper()  # opaque
    cell.fill = PatternFill(fill_type="solid", fgColor=colour, bgColor=colour)
    cell.font = Font(bold=True, color=_readable_text_colour(colour))


def _readable_text_colour(background: str) -> str:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (2, 4, 6)]  # after alpha
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    shade = luminance(background)
    on_white = 1.05 / (shade + 0.05)
    on_black = (shade + 0.05) / 0.05
    return "FFFFFFFF" if on_white >= on_black else "FF000000"


def _utc_datetime(value) -> datetime | str:
    """A stored ISO timestamp as a date and time a spreadsheet can sort (in UTC, as
    spreadsheets hold no time zones); other text as it is."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


# The document

_PAGE_MARGIN = Mm(20)
# Shares of the page's width, as in the printed pack.
_PLAN_COLUMN_SHARES = (0.22, 0.28, 0.11, 0.11, 0.28)


def _landscape_a4(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, _PAGE_MARGIN)


def _write_in_british_english(document) -> None:
    """Sets the document's default language (Word's template says American English), so
    spelling checks and screen readers treat the text as British English."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    properties = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.insert_element_before(language, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    language.set(qn("w:val"), "en-GB")


def _add_key_table(document, status_key: tuple[Status, ...]) -> None:
    table = _new_table(document, ("Status", "Meaning"), (0.2, 0.8))
    for status in status_key:
        _add_row(table, ([_printable(status.label)], [_printable(status.meaning)]))
    _add_row(table, ([NO_UPDATE_LABEL], ["No update has been approved for the quarter"]))


def _add_plan_table(document, context: dict) -> None:
    table = _new_table(document, PLAN_HEADERS, _PLAN_COLUMN_SHARES)
    for recommendation in context["recommendations"]:
        progress_line = (
            f"{_standing_words(recommendation)} {_direction_words(recommendation)}".rstrip()
        )
        _add_row(
            table,
            (
                _recommendation_paragraphs(recommendation),
                [_printable(line["text"]) for line in recommendation["key_lines"]],
                [_champion_names(recommendation["board_champions"])],
                [_champion_names(recommendation["service_champions"])],
                [progress_line, *_progress_paragraphs(recommendation, context["quarter"])],
            ),
            bulleted_columns=(1,),
        )


def _new_table(document, headers: tuple[str, ...], shares: tuple[float, ...]):
    """A table in the built-in "Table Grid" style with a header row that Word repeats at the
    top of each page."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    width = document.sections[0].page_width - 2 * _PAGE_MARGIN
    for column, share in zip(table.columns, shares, strict=True):
        column.width = int(width * share)
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    _keep_row_together(table.rows[0], repeat_as_header=True)
    return table


def _add_row(table, cells: tuple[list[str], ...], bulleted_columns: tuple[int, ...] = ()) -> None:
    """Adds a row that Word will not split across pages, each cell's text as separate
    paragraphs (a line break in the text starts another); the paragraphs of the
    `bulleted_columns` are in the built-in "List Bullet" style."""
    row = table.add_row()
    for index, (cell, column, paragraphs) in enumerate(
        zip(row.cells, table.columns, cells, strict=True)
    ):
        cell.width = column.width
        lines = [line for paragraph in paragraphs for line in paragraph.splitlines()] or [""]
        cell.paragraphs[0].add_run(lines[0])
        for line in lines[1:]:
            cell.add_paragraph(line)
        if index in bulleted_columns and any(lines):
            for paragraph in cell.paragraphs:
                paragraph.style = "List Bullet"
    _keep_row_together(row, repeat_as_header=False)


def _keep_row_together(row, *, repeat_as_header: bool) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if repeat_as_header:
        properties.append(OxmlElement("w:tblHeader"))
