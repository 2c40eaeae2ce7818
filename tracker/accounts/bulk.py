"""Reading a bulk-invitation file: a CSV file or Excel spreadsheet with one person a row.

Pure: no Flask, no database. An administrator uploads the file, the preview page shows who
would be invited and every row's problems, and nobody is invited unless every row is good.
So this module never stops at the first bad row: it checks them all and says what is wrong
with each, in words the administrator can act on.

The file's type is decided by its content, and the name's extension must agree with it. A
file that cannot be read at all raises `BulkFileError`; a file that can be read but is not a
usable list (no Name column, no people, too many people) comes back with file problems.

Everything here is linear in the size of the file: no regular expression that can backtrack,
no sniffing that compares every line with every other, and a spreadsheet is read a row at a
time and abandoned as soon as it holds more people than can be invited at once.
"""

import csv
import io
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from tracker.reports.formats import (
    decode_text,
    describe_size,
    extension_of,
    zip_declares_too_much,
)
from tracker.spreadsheets import FORMULA_STARTS
from tracker.text import clean_text

# The same roles as `tracker.permissions.ROLES` (a test keeps them equal); that module is part
# of the web layer, which a pure module does not import.
ROLES = ("administrator", "champion", "scrutiny")
DEFAULT_ROLE = "champion"
MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024

MAX_NAME_LENGTH = 200
MAX_ORGANISATION_LENGTH = 200
MAX_JOB_TITLE_LENGTH = 200
MAX_EMAIL_LENGTH = 254  # the longest address SMTP can deliver to

# A list of 500 people unpacks to well under 1 MB of XML, and XML compresses about 10 to 1.
# Refusing a package that declares more than this, or a large part squeezed 100 to 1 or
# better (padding, which is what a zip bomb is made of), happens before any part is inflated.
# zipfile stops inflating a part at its declared size, so the declared sizes can be trusted.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_PARTS = 1000
# openpyxl builds every element of a row in memory before handing the row over, and parses a
# whole sheet when it opens it if the sheet does not declare its size: a megabyte of empty
# cells costs seconds and hundreds of megabytes. Counting tags first bounds that work. Excel
# writes about 40 tags for each person, so a list of 500 needs about 20,000, and a list of
# 10,000 people in a few columns still fits, to be told it has too many people.
MAX_XML_TAGS = 300_000
CHUNK_BYTES = 1024 * 1024
# Columns beyond this are never looked at: far more than any list of people has, and it bounds
# the work done on each row of a hostile file.
MAX_COLUMNS = 200
# Excel's last row; a row numbered beyond it cannot come from a real spreadsheet.
LAST_SHEET_ROW = 1_048_576
# Below the csv module's default field limit (131,072 characters), so a cell on one line can
# never reach that limit, whose error would otherwise depend on process-wide csv settings.
MAX_LINE_CHARACTERS = 120_000

EMPTY = "The file is empty"
TOO_BIG = f"The file must be smaller than {describe_size(MAX_BYTES)}"
WRONG_TYPE = "The file must be a CSV file or an Excel spreadsheet (.xlsx)"
OLD_EXCEL = (
    "The file is an old-style Excel spreadsheet (.xls) or is protected with a password. "
    "Save it as an Excel workbook (.xlsx) without a password, or as a CSV file, and upload it "
    "again"
)
NOT_CSV = "The file name ends in .csv but the file is not a CSV file"
NOT_XLSX = "The file name ends in .xlsx but the file is not an Excel spreadsheet"
DAMAGED = "The file could not be read: it may be damaged"
TOO_BIG_UNPACKED = "The spreadsheet is too large when unpacked: it may be damaged"
TOO_BIG_SHEET = (
    f"The spreadsheet is too large to be a list of up to {MAX_ROWS} people. Copy the people "
    "into a new spreadsheet and upload that"
)
LINE_TOO_LONG = (
    f"The file has a line longer than {MAX_LINE_CHARACTERS:,} characters. "
    "The file must be a list of people, one on each row"
)

MISSING_COLUMNS = (
    "The file must have a column called Name and a column called Email address. "
    "Its first row has: {found}"
)
NO_PEOPLE = "The file has no people in it"
TOO_MANY = f"The file has more than {MAX_ROWS} people. Split it into files of {MAX_ROWS} or fewer."

ENTER_NAME = "Enter a name"
ENTER_EMAIL = "Enter an email address"
BAD_EMAIL = "Enter an email address in the correct format, like name@example.org"
ENTER_ROLE = "Enter a role: administrator, champion or scrutiny"
UNKNOWN_ROLE = "Role must be administrator, champion or scrutiny"

# Headings as people write them, compared by `_key`: lower case, letters and digits only.
HEADINGS = {
    "name": ("name", "fullname"),
    "email": ("email", "emailaddress"),
    "organisation": ("organisation", "organization", "agency"),
    "job_title": ("jobtitle", "title", "roletitle", "position"),
    "role": ("role", "access", "trackerrole"),
}
# Role names as people write them, compared by `_key`. "Scrutiny panel (read only)" is how the
# tracker itself names the role, so a list copied from its pages reads back.
ROLE_SPELLINGS = {
    "admin": "administrator",
    "administrator": "administrator",
    "headofservice": "administrator",
    "champion": "champion",
    "boardchampion": "champion",
    "servicechampion": "champion",
    "scrutiny": "scrutiny",
    "scrutinypanel": "scrutiny",
    "readonly": "scrutiny",
    "scrutinypanelreadonly": "scrutiny",
}
LABELS = {
    "name": "Name",
    "email": "Email address",
    "organisation": "Organisation",
    "job_title": "Job title",
    "role": "Role",
}


def template_csv() -> str:
    """A file to fill in: the headings the reader looks for, and one example row to replace."""
    return (
        ",".join(LABELS.values())
        + "\r\nSam Example,sam.example@example.org,North Shore Police,Superintendent,champion\r\n"
    )


# Line breaks that survive `clean_text`; a value on several lines would not fit on one line of
# the preview, an email or the board pack.
LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected .xlsx
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with parts, and an empty zip
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"MZ",  # Windows executable
    b"\x7fELF",
)


class BulkFileError(ValueError):
    """A file that cannot be read at all. The message is written to be shown to the user."""


class _Formula:
    """A spreadsheet cell that holds a formula: what it shows is worked out, not written."""

    def __repr__(self) -> str:
        return "FORMULA"


FORMULA = _Formula()
Value = str | _Formula
Row = tuple[Value, ...]


@dataclass(frozen=True)
class Invitee:
    """One person on the list, as written (cleaned), with everything wrong with their row.

    `row` is the row number the user sees in their spreadsheet. The email address is the
    normalised form when it is valid, and the role is one of `ROLES` when it is recognised;
    otherwise both are as written, so the preview can show them. Only a row without problems
    is fit to invite.
    """

    row: int
    name: str
    email: str
    organisation: str
    job_title: str
    role: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulkFile:
    """Everyone on the list, and problems with the file as a whole."""

    invitees: tuple[Invitee, ...]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether everyone on the list can be invited: no problem with the file or any row."""
        return not self.problems and not any(invitee.problems for invitee in self.invitees)


def read_invitees(filename: str, data: bytes, *, existing_emails: Collection[str] = ()) -> BulkFile:
    """Read and check an uploaded list of people to invite, or raise `BulkFileError`.

    `filename` is the name the browser sent; its extension must agree with what the bytes
    are. Pass up to `MAX_BYTES + 1` bytes of the file so an oversized one is recognised.
    `existing_emails` are the addresses of people who already have access to the board: a
    row inviting one of them has a problem. Every row is checked, so the result holds each
    row's problems; a file with more than `MAX_ROWS` people is not read past that point.
    """
    existing = frozenset(clean_text(email).casefold() for email in existing_emails)
    kind = _kind_of(filename, data)
    if kind == "csv":
        return _check_table(_csv_rows(_decode_csv(data)), existing)
    return _read_xlsx(data, existing)


def role_of(text: str) -> str | None:
    """The role a spelling such as "Admin", "Board champion" or "Read-only" names, or None."""
    return ROLE_SPELLINGS.get(_key(text))


# ----- What the file is -----------------------------------------------------------------------


def _kind_of(filename: str, data: bytes) -> str:
    """ "csv" or "xlsx", decided by the bytes and agreeing with the name; else a refusal."""
    if len(data) > MAX_BYTES:
        raise BulkFileError(TOO_BIG)
    if not data:
        raise BulkFileError(EMPTY)
    extension = extension_of(filename)
    if extension == "xls":
        raise BulkFileError(OLD_EXCEL)
    if extension not in ("csv", "xlsx"):
        raise BulkFileError(WRONG_TYPE)
    if data.startswith(_OLE_MAGIC):
        raise BulkFileError(OLD_EXCEL if extension == "xlsx" else NOT_CSV)
    is_zip = data.startswith(_ZIP_MAGIC)
    if extension == "csv":
        if is_zip or data.startswith(_BINARY_MAGIC):
            raise BulkFileError(NOT_CSV)
        return "csv"
    if not is_zip:
        raise BulkFileError(NOT_XLSX)
    return "xlsx"


# ----- CSV ------------------------------------------------------------------------------------


def _decode_csv(data: bytes) -> str:
    """The text of a CSV file, in any encoding a report's text may have (see
    `decode_text`), with no line too long to be a row of people."""
    text = decode_text(data)
    if text is None:
        raise BulkFileError(NOT_CSV)
    if max(map(len, text.replace("\r", "\n").split("\n"))) > MAX_LINE_CHARACTERS:
        raise BulkFileError(LINE_TOO_LONG)
    return text


def _csv_rows(text: str) -> Iterator[tuple[int, Row]]:
    """Each record of a CSV file with its row number as a spreadsheet would show it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        # A quoted cell may hold line breaks; it is still one row in a spreadsheet.
        for number, record in enumerate(reader, start=1):
            joined = "".join(record)
            if joined and not joined.isspace():  # rows of empty cells are passed over quickly
                yield number, tuple(record[:MAX_COLUMNS])
    except csv.Error as error:
        raise BulkFileError(DAMAGED) from error


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel's choice where a comma is the decimal point) or tab, whichever
    the first filled line has most of; a comma if it has none of them."""
    for line in io.StringIO(text):
        if line.strip(" \t\r\n,;"):
            counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
            most = max(counts, key=counts.__getitem__)  # the first of equals: a comma
            return most if counts[most] else ","
    return ","


# ----- Excel ----------------------------------------------------------------------------------


def _read_xlsx(data: bytes, existing: frozenset[str]) -> BulkFile:
    """Check the package, then read the people from the sheet that lists them."""
    _check_xlsx_package(data)
    from openpyxl import load_workbook  # imported here: only spreadsheets pay for openpyxl

    try:
        # Formulas are read as formulas (not data_only) so that a cell showing a value it
        # worked out is recognised: its cached value may be missing, stale or not what the
        # cell appears to hold.
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as error:  # openpyxl raises many kinds on a damaged or hostile file
        raise BulkFileError(DAMAGED) from error
    try:
        return _check_workbook(workbook, existing)
    except BulkFileError:
        raise
    except Exception as error:  # a part may fail to parse only when its rows are reached
        raise BulkFileError(DAMAGED) from error
    finally:
        workbook.close()


def _check_xlsx_package(data: bytes) -> None:
    """Refuse a zip that is not a spreadsheet, that would unpack to far too much, or whose
    XML holds far more than a list of people does."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise BulkFileError(NOT_XLSX) from error
    with archive:
        _check_declared_sizes(archive.infolist())
        try:
            _count_tags(archive)
        except BulkFileError:
            raise
        except Exception as error:  # zipfile and zlib raise many kinds on a damaged part
            raise BulkFileError(DAMAGED) from error


def _check_declared_sizes(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a package that is not a spreadsheet or declares too much, before inflating it."""
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        # An OpenDocument spreadsheet, a Word document or an ordinary zip.
        raise BulkFileError(NOT_XLSX)
    if zip_declares_too_much(
        members,
        max_parts=MAX_PARTS,
        max_bytes=MAX_UNPACKED_BYTES,
        ratio_from_bytes=RATIO_CHECK_FROM_BYTES,
        max_ratio=MAX_COMPRESSION_RATIO,
    ):
        raise BulkFileError(TOO_BIG_UNPACKED)


def _count_tags(archive: zipfile.ZipFile) -> None:
    """Refuse a package whose XML parts hold more than `MAX_XML_TAGS` tags between them.

    Inflates each part a chunk at a time, so memory stays small whatever the part holds.
    """
    tags = 0
    # Every part is counted, whatever its name: the package's content types, not the names,
    # tell openpyxl which parts are sheets. A picture adds only one tag-like byte in 256.
    for member in archive.infolist():
        with archive.open(member) as part:
            while chunk := part.read(CHUNK_BYTES):
                tags += chunk.count(b"<")
                if tags > MAX_XML_TAGS:
                    raise BulkFileError(TOO_BIG_SHEET)


def _check_workbook(workbook, existing: frozenset[str]) -> BulkFile:
    """Read the first visible sheet whose first filled row has Name and Email columns; if
    none has, describe the first filled row of the first sheet that has one.

    Hidden sheets are passed over: a template's hidden sheet is usually the list its role
    drop-down offers, not people.
    """
    sheets = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
    first_heading: tuple[int, Row] | None = None
    for sheet in sheets or workbook.worksheets:
        rows = _sheet_rows(sheet)
        heading = _first_filled(rows)
        if heading is None:
            continue
        if _has_required_columns(_columns_of(heading[1])):
            return _check_table(rows, existing, heading=heading)
        first_heading = first_heading or heading
    if first_heading is None:
        return BulkFile((), (NO_PEOPLE,))
    return _check_table(iter(()), existing, heading=first_heading)


def _sheet_rows(sheet) -> Iterator[tuple[int, Row]]:
    """Each row of a sheet with its number, as text, a formula marker standing for formulas."""
    # The size a sheet declares is often far larger than what it holds (a whole column
    # formatted), and openpyxl would pad every row and add empty rows to match it.
    sheet.reset_dimensions()
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number > LAST_SHEET_ROW:
            return
        if cells:  # openpyxl hands over an empty row for each row missing from the file
            yield number, tuple(_cell_value(cell) for cell in cells[:MAX_COLUMNS])


def _cell_value(cell) -> Value:
    """A cell's content as text, or `FORMULA`."""
    if getattr(cell, "data_type", None) == "f":
        return FORMULA
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: 12 is 12, not 12.0
    return str(value)


# ----- The table ------------------------------------------------------------------------------


def _first_filled(rows: Iterator[tuple[int, Row]]) -> tuple[int, Row] | None:
    """The first row with anything in it, or None if there is none."""
    for number, values in rows:
        # any() first: most blank rows are only empty cells, and it is quick to say so.
        if any(values) and not all(_is_blank(value) for value in values):
            return number, values
    return None


def _check_table(
    rows: Iterator[tuple[int, Row]],
    existing: frozenset[str],
    *,
    heading: tuple[int, Row] | None = None,
) -> BulkFile:
    """Check every person in a table whose first filled row (or `heading`) names its columns."""
    heading = heading or _first_filled(rows)
    if heading is None:
        return BulkFile((), (NO_PEOPLE,))
    columns = _columns_of(heading[1])
    if not _has_required_columns(columns):
        return BulkFile((), (MISSING_COLUMNS.format(found=_describe_headings(heading[1])),))

    invitees: list[Invitee] = []
    first_row_of_email: dict[str, int] = {}
    for number, values in rows:
        if not any(values):
            continue
        fields = {field: _value_at(values, index) for field, index in columns.items()}
        if all(_is_blank(value) for value in fields.values()):
            continue
        if len(invitees) == MAX_ROWS:
            return BulkFile((), (TOO_MANY,))
        invitees.append(_check_person(number, fields, existing, first_row_of_email))
    if not invitees:
        return BulkFile((), (NO_PEOPLE,))
    return BulkFile(tuple(invitees))


def _columns_of(heading: Row) -> dict[str, int]:
    """Where each known column is: the first heading that names it wins."""
    columns: dict[str, int] = {}
    for index, value in enumerate(heading):
        if isinstance(value, _Formula):
            continue
        key = _key(value)
        for field, spellings in HEADINGS.items():
            if key in spellings and field not in columns:
                columns[field] = index
    return columns


def _has_required_columns(columns: dict[str, int]) -> bool:
    return "name" in columns and "email" in columns


def _describe_headings(heading: Row, most: int = 8, longest: int = 40) -> str:
    """The headings of the first filled row, shortened so a hostile one cannot fill the page."""
    shown = []
    for value in heading:
        text = "a formula" if isinstance(value, _Formula) else " ".join(clean_text(value).split())
        if text:
            shown.append(text if len(text) <= longest else text[: longest - 1].rstrip() + "…")
    listed = ", ".join(shown[:most])
    if len(shown) > most:
        listed += f" and {len(shown) - most} more"
    return listed


def _key(text: str) -> str:
    """A heading or role as compared: lower case, letters and digits only, "(optional)" gone."""
    # No heading or role is long; looking at the start only keeps a huge cell cheap.
    folded = text[:100].casefold().replace("(optional)", "")
    return "".join(character for character in folded if character.isalnum())


def _value_at(values: Row, index: int) -> Value:
    return values[index] if index < len(values) else ""


def _is_blank(value: Value) -> bool:
    if isinstance(value, _Formula):
        return False
    return not value.strip() or not clean_text(value)


# ----- One person -----------------------------------------------------------------------------


def _check_person(
    number: int,
    fields: dict[str, Value],
    existing: frozenset[str],
    first_row_of_email: dict[str, int],
) -> Invitee:
    """One row's person and everything wrong with it (at most one problem a column)."""
    problems: list[str] = []
    texts: dict[str, str] = {}
    for field, longest, required in (
        ("name", MAX_NAME_LENGTH, True),
        ("organisation", MAX_ORGANISATION_LENGTH, False),
        ("job_title", MAX_JOB_TITLE_LENGTH, False),
    ):
        text, problem = _check_text(field, fields.get(field, ""), longest, required)
        texts[field] = text
        if problem:
            problems.append(problem)

    email, problem = _check_email(number, fields["email"], existing, first_row_of_email)
    if problem:
        problems.append(problem)

    role, problem = _check_role(fields.get("role"))
    if problem:
        problems.append(problem)

    return Invitee(
        row=number,
        name=texts["name"],
        email=email,
        organisation=texts["organisation"],
        job_title=texts["job_title"],
        role=role,
        problems=tuple(problems),
    )


def _formula_problem(field: str) -> str:
    return (
        f"{LABELS[field]} is a formula in the spreadsheet. "
        "Replace it with the text itself and upload the file again"
    )


def _check_text(field: str, value: Value, longest: int, required: bool) -> tuple[str, str | None]:
    """The cleaned text of a name, organisation or job title, and its problem if any."""
    if isinstance(value, _Formula):
        return "", _formula_problem(field)
    text = clean_text(value)
    label = LABELS[field]
    if not text:
        return text, ENTER_NAME if required else None
    if len(text) > longest:
        return text, f"{label} must be {longest} characters or fewer"
    if any(line_break in text for line_break in LINE_BREAKS):
        return text, f"{label} must be on one line"
    if text.startswith(FORMULA_STARTS):
        return text, (
            f'{label} starts with "{text[0]}", which a spreadsheet would run as a formula. '
            "Remove it and upload the file again"
        )
    return text, None


def _check_email(
    number: int,
    value: Value,
    existing: frozenset[str],
    first_row_of_email: dict[str, int],
) -> tuple[str, str | None]:
    """The normalised email address (or the text as written), and its problem if any.

    Addresses are compared ignoring case: mail systems treat Jane@ and jane@ as one person.
    """
    if isinstance(value, _Formula):
        return "", _formula_problem("email")
    text = clean_text(value)
    if not text:
        return text, ENTER_EMAIL
    if len(text) > MAX_EMAIL_LENGTH:
        return text, f"Email address must be {MAX_EMAIL_LENGTH} characters or fewer"
    try:
        email = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return text, BAD_EMAIL
    key = email.casefold()
    first_row = first_row_of_email.setdefault(key, number)
    if key in existing:
        return email, f"{email} already has access to this board"
    if first_row != number:
        return email, f"Email address is also on row {first_row}"
    return email, None


def _check_role(value: Value | None) -> tuple[str, str | None]:
    """The role a cell names, and its problem if any. With no Role column, everyone on the
    list is a champion, the role most people on a board have."""
    if value is None:
        return DEFAULT_ROLE, None
    if isinstance(value, _Formula):
        return "", _formula_problem("role")
    text = clean_text(value)
    if not text:
        return text, ENTER_ROLE
    role = role_of(text)
    if role is None:
        return text, UNKNOWN_ROLE
    return role, None
