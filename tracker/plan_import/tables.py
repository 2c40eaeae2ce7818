"""Tables read from a board's existing plan: a Word document, an Excel workbook, a CSV file
or a table pasted from either (tab-separated). Pure: no Flask, no database.

Every format comes out the same way, so that what the columns mean is worked out once
(tracker.plan_import.reading): a list of `Table`s, each a list of rows of `Cell`s as they
appear, the header row included. A cell's text keeps its line breaks (one per paragraph);
its fill colour is kept because boards often show RAG status as the cell's colour alone.

The file's type is decided by its content; the name's extension is a hint that must agree.
Every failure, including any exception a library raises on a damaged or hostile file,
becomes a `PlanFileError` whose message can be shown to the person uploading it.
"""

import csv
import datetime
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field

from tracker.reports.formats import decode_text, describe_size, extension_of, zip_declares_too_much


class PlanFileError(ValueError):
    """The file cannot be read as a plan; the message says why, for the person uploading it."""


@dataclass(frozen=True)
class Cell:
    text: str
    fill: str | None = None  # "#RRGGBB" when the cell is shaded, else None
    # Covered by the cell above, merged down over it: one champion for two recommendations.
    merged_above: bool = False


@dataclass(frozen=True)
class Table:
    name: str  # "Table 1" in a document, the sheet's name in a workbook, the file's for a CSV
    rows: list[list[Cell]] = field(default_factory=list)


# A plan has tens of recommendations; these caps keep a huge sheet from occupying a worker.
MAX_ROWS = 20_000
MAX_COLUMNS = 100
# As for reports (tracker.reports.formats): an Office file that declares it unpacks to more
# than this, or a large part squeezed more than 100 to 1, is refused before it is opened.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PARTS = 5000
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_COMPRESSION_RATIO = 100

WRONG_TYPE = "The file must be a Word document (.docx), an Excel workbook (.xlsx) or a CSV file"
OLD_WORD = "The file is an old-style Word document (.doc): save it as .docx first"
OLD_EXCEL = "The file is an old-style Excel workbook (.xls): save it as .xlsx first"
OLD_OFFICE = (
    "The file is an old-style Word or Excel file (.doc or .xls): save it as .docx or .xlsx first"
)
LOCKED = "The file is protected with a password: remove the password and upload it again"
EMPTY = "The file is empty"
PASTED_EMPTY = "The pasted table is empty"
DAMAGED = "The file could not be read: it may be damaged"
TOO_BIG_UNPACKED = "The file is too large when unpacked: it may be damaged"
NOT_TEXT = (
    "The file does not contain text: it may be damaged, or a different type of file. "
    "The file must be a Word document (.docx), an Excel workbook (.xlsx) or a CSV file"
)
NO_TABLES_DOCX = "The Word document has no tables in it: the plan must be set out as a table"
NO_TABLES_XLSX = "The Excel workbook is empty"
TOO_LONG_CELL = "A cell of the table is longer than {:,} characters: a plan's cells are shorter"

_DOCX_EXTENSIONS = {"docx"}
_XLSX_EXTENSIONS = {"xlsx"}
_TEXT_EXTENSIONS = {"csv", "txt", "tsv"}
_OLD_EXTENSIONS = {"doc", "xls"}
_ALLOWED_EXTENSIONS = _DOCX_EXTENSIONS | _XLSX_EXTENSIONS | _TEXT_EXTENSIONS | _OLD_EXTENSIONS

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_KIND_NAMES = {
    "docx": "a Word document",
    "xlsx": "an Excel workbook",
    "text": "a text file",
    "ole": "an old-style Word or Excel file",
}
_EXPECTED_KIND = {
    **dict.fromkeys(_DOCX_EXTENSIONS, "docx"),
    **dict.fromkeys(_XLSX_EXTENSIONS, "xlsx"),
    **dict.fromkeys(_TEXT_EXTENSIONS, "text"),
    **dict.fromkeys(_OLD_EXTENSIONS, "ole"),
}


def read_tables(filename: str, data: bytes, max_bytes: int) -> list[Table]:
    """The tables in an uploaded plan, in the order they appear, or PlanFileError.

    `filename` is the name the browser sent; only its extension is used, as a hint that must
    agree with the content. Pass up to `max_bytes + 1` bytes so an oversized file is
    recognised.
    """
    if len(data) > max_bytes:
        raise PlanFileError(f"The file is larger than {describe_size(max_bytes)}")
    if not data:
        raise PlanFileError(EMPTY)
    extension = extension_of(filename)
    if extension not in _ALLOWED_EXTENSIONS:
        raise PlanFileError(WRONG_TYPE)
    if data.startswith(_OLE_MAGIC):
        raise PlanFileError(_ole_refusal(data, extension))
    kind = _office_kind(data) if data.startswith(b"PK\x03\x04") else "text"
    if _EXPECTED_KIND[extension] != kind:
        if kind == "text" and decode_text(data) is None:  # an image, a program: not text
            found = f"is not {_KIND_NAMES[_EXPECTED_KIND[extension]]}"
        else:
            found = f"is {_KIND_NAMES[kind]}"
        raise PlanFileError(
            f"The file name ends in .{extension} but the file {found}. {WRONG_TYPE}"
        )
    if kind == "docx":
        return _guarded(_read_docx, data)
    if kind == "xlsx":
        return _guarded(_read_xlsx, data)
    return [_read_csv(data, _base_name(filename))]


def read_pasted(text: str) -> list[Table]:
    """The table in text pasted from Word or Excel: tab-separated, one row a line, a cell
    holding line breaks quoted (as Excel copies it)."""
    text = _normalise_newlines(text or "")
    if not text.strip():
        raise PlanFileError(PASTED_EMPTY)
    return [Table("Pasted table", _parse_delimited(text, "\t"))]


def _guarded(read, data: bytes) -> list[Table]:
    """Run a reader, turning any library failure into the "may be damaged" refusal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            return read(data)
    except PlanFileError:
        raise
    except Exception as error:  # python-docx, openpyxl and lxml raise many kinds
        raise PlanFileError(DAMAGED) from error


def _base_name(filename: str) -> str:
    # Some browsers send the whole path of the file on the user's computer.
    return re.split(r"[\\/]", filename or "")[-1].strip() or "Table 1"


# ----- Which kind of file ---------------------------------------------------------------------


def _ole_refusal(data: bytes, extension: str) -> str:
    """Why an OLE2 compound file is refused: Office saves a password-protected .docx or
    .xlsx as one holding an "EncryptionInfo" stream; anything else is a .doc or .xls."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            encrypted = ole.exists("EncryptionInfo")
    except Exception:  # a damaged compound file is refused as an old-style one all the same
        encrypted = False
    if encrypted:
        return LOCKED
    return {"doc": OLD_WORD, "xls": OLD_EXCEL}.get(extension, OLD_OFFICE)


def _office_kind(data: bytes) -> str:
    """ "docx" or "xlsx" for a zip holding one, after refusing a zip bomb."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise PlanFileError(DAMAGED) from error
    if zip_declares_too_much(
        members,
        max_parts=MAX_PARTS,
        max_bytes=MAX_UNPACKED_BYTES,
        ratio_from_bytes=RATIO_CHECK_FROM_BYTES,
        max_ratio=MAX_COMPRESSION_RATIO,
    ):
        raise PlanFileError(TOO_BIG_UNPACKED)
    names = {member.filename for member in members}
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise PlanFileError(WRONG_TYPE)  # a PowerPoint file, an ordinary zip


# ----- Word -----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEX_COLOUR = re.compile(r"[0-9A-Fa-f]{6}")


def _read_docx(data: bytes) -> list[Table]:
    import docx  # imported here: only Word documents pay for it

    document = docx.Document(io.BytesIO(data))
    grids = [_docx_grid(table._tbl, document) for table in document.tables]
    tables: list[Table] = []
    previous_grid: list[list[Cell]] = []
    for grid in grids:
        repeated = _repeated_heading_rows(previous_grid, grid)
        if tables and repeated:
            # Continued after a page break with its heading repeated: one table.
            tables[-1].rows.extend(grid[repeated:])
        else:
            tables.append(Table(f"Table {len(tables) + 1}", grid))
        previous_grid = grid
    tables = [table for table in tables if _has_text(table.rows)]
    if not tables:
        raise PlanFileError(NO_TABLES_DOCX)
    return tables


def _docx_grid(tbl, document) -> list[list[Cell]]:
    """A Word table's rows, one Cell per grid column: a merged cell's text appears once, in
    its first (top-left) position, and the positions it also covers are empty."""
    rows = []
    for tr in tbl.tr_lst:
        row = [Cell("")] * tr.grid_before
        for tc in tr.tc_lst:
            continued = tc.vMerge == "continue"
            text = "" if continued else _docx_cell_text(tc, document)
            row.append(Cell(text, _docx_fill(tc), merged_above=continued))
            row.extend([Cell("")] * (tc.grid_span - 1))
        row.extend([Cell("")] * tr.grid_after)
        rows.append(row)
    return _rectangular(rows)


def _docx_cell_text(tc, document) -> str:
    """The cell's own paragraphs, one a line; a nested table's text is left out."""
    from docx.text.paragraph import Paragraph

    paragraphs = tc.xpath("./w:p | ./w:sdt/w:sdtContent/w:p")
    lines = (_normalise_newlines(Paragraph(p, document).text).strip() for p in paragraphs)
    return "\n".join(line for line in lines if line)


def _docx_fill(tc) -> str | None:
    for shd in tc.xpath("./w:tcPr/w:shd"):
        # A solid pattern shows its colour; any other shows the fill behind it.
        if shd.get(f"{_W}val") == "solid":
            return _hex_colour(shd.get(f"{_W}color"))
        return _hex_colour(shd.get(f"{_W}fill"))
    return None


def _hex_colour(value: str | None) -> str | None:
    """ "#RRGGBB" from "rrggbb" or "AARRGGBB"; None for "auto" or anything else."""
    if value and len(value) in (6, 8) and _HEX_COLOUR.fullmatch(value[-6:]):
        return "#" + value[-6:].upper()
    return None


def _repeated_heading_rows(previous: list[list[Cell]], grid: list[list[Cell]]) -> int:
    """How many leading rows of `grid` repeat the previous table's heading: its header row,
    and any title rows above it (at most two). 0 when it is a table of its own."""
    for header_index in range(min(3, len(previous))):
        lead = [_texts(row) for row in previous[: header_index + 1]]
        header = lead[-1]
        if sum(1 for text in header if text) < 2:
            continue  # a title row, spanning the table; the header is below it
        if [_texts(row) for row in grid[: header_index + 1]] == lead:
            return header_index + 1
        return 0
    return 0


def _texts(row: list[Cell]) -> list[str]:
    return [cell.text for cell in row]


# ----- Excel ----------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> list[Table]:
    import openpyxl  # imported here: only workbooks pay for it

    # read_only=False: merged ranges are only known to a fully loaded sheet. data_only=True:
    # a formula gives the value Excel last calculated and saved.
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    tables = []
    for sheet in workbook.worksheets:
        rows = _sheet_rows(sheet)
        if rows:
            tables.append(Table(sheet.title, rows))
    if not tables:
        raise PlanFileError(NO_TABLES_XLSX)
    return tables


def _sheet_rows(sheet) -> list[list[Cell]]:
    # The cells the sheet holds, read directly: iter_rows() on a loaded sheet creates every
    # empty cell in the range, which for a sheet formatted down to row 1,048,576 is millions.
    cells = {
        position: cell
        for position, cell in sheet._cells.items()
        if cell.value is not None and _excel_text(cell.value)
    }
    if not cells:
        return []
    last_row = max(row for row, _column in cells)
    last_column = max(column for _row, column in cells)
    _check_size(last_row, last_column, f'The sheet "{sheet.title}"')
    below_merges = {
        (row, column)
        for merged in sheet.merged_cells.ranges
        for row in range(merged.min_row + 1, min(merged.max_row, last_row) + 1)
        for column in range(merged.min_col, min(merged.max_col, last_column) + 1)
    }
    return [
        [
            _excel_cell(sheet._cells.get((row, column)), (row, column) in below_merges)
            for column in range(1, last_column + 1)
        ]
        for row in range(1, last_row + 1)
    ]


def _excel_cell(cell, merged_above: bool) -> Cell:
    if cell is None or not hasattr(cell, "fill"):  # never written, or covered by a merge
        return Cell("", merged_above=merged_above)
    return Cell(_excel_text(cell.value), _excel_fill(cell), merged_above)


def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return _normalise_newlines(str(value)).strip()


def _excel_fill(cell) -> str | None:
    fill = cell.fill
    if getattr(fill, "fill_type", None) != "solid" or fill.fgColor is None:
        return None
    colour = fill.fgColor
    if colour.type == "rgb":
        return _hex_colour(colour.rgb)
    if colour.type == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        # The last indexes are the system's foreground and background colours.
        if colour.indexed < 64:
            return _hex_colour(COLOR_INDEX[colour.indexed])
    return None  # a theme colour: its value depends on the workbook's theme


# ----- CSV and pasted text --------------------------------------------------------------------


def _read_csv(data: bytes, name: str) -> Table:
    text = decode_text(data)  # UTF-8 with or without a BOM, else Windows-1252
    if text is None:
        raise PlanFileError(NOT_TEXT)
    text = _normalise_newlines(text)
    if not text.strip():
        raise PlanFileError(EMPTY)
    return Table(name, _parse_delimited(text, _delimiter(text)))


def _delimiter(text: str) -> str:
    """Tab when the first line holds one (text saved from Excel as "Text"), else whichever
    of comma and semicolon (Excel's CSV where the decimal point is a comma) it holds more."""
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    if "\t" in first_line:
        return "\t"
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    return ";" if unquoted.count(";") > unquoted.count(",") else ","


def _parse_delimited(text: str, delimiter: str) -> list[list[Cell]]:
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([Cell(value.strip()) for value in row])
            # Excel pads a CSV's rows with empty cells to its widest row: those do not count.
            _check_size(len(rows), _used_width(rows[-1]), "The table")
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise PlanFileError(TOO_LONG_CELL.format(csv.field_size_limit())) from error
        raise PlanFileError(DAMAGED) from error
    rows = _rectangular(rows)
    if not _has_text(rows):
        raise PlanFileError(EMPTY)
    return rows


# ----- Shared ---------------------------------------------------------------------------------


def _check_size(rows: int, columns: int, what: str) -> None:
    if rows > MAX_ROWS:
        raise PlanFileError(f"{what} has too many rows: a plan can have at most {MAX_ROWS:,}")
    if columns > MAX_COLUMNS:
        raise PlanFileError(f"{what} has too many columns: a plan can have at most {MAX_COLUMNS}")


def _rectangular(rows: list[list[Cell]]) -> list[list[Cell]]:
    """The rows without trailing empty rows and columns, padded to the same width."""
    while rows and not any(cell.text or cell.fill for cell in rows[-1]):
        rows.pop()
    width = max((_used_width(row) for row in rows), default=0)
    return [(row + [Cell("")] * width)[:width] for row in rows]


def _used_width(row: list[Cell]) -> int:
    for index in range(len(row), 0, -1):
        if row[index - 1].text or row[index - 1].fill:
            return index
    return 0


def _has_text(rows: list[list[Cell]]) -> bool:
    return any(cell.text for row in rows for cell in row)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
