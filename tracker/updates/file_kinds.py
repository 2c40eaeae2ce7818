"""What an evidence file is, by its bytes: the kinds the tracker accepts, and the checks that
tell them apart. Pure: no Flask, no database.

Each check is bounded in time and memory whatever it is sent: a zip's directory is read but no
part is unpacked (an OpenDocument file's `mimetype`, at most a few dozen bytes, excepted); an
OLE2 compound file (legacy Office, Outlook) is read through `olefile`, which refuses chains
longer than the file, and any defect or runaway structure counts as "not this kind"; text is
decoded once. Files that can carry macros are refused when they do.

Text has no magic number, so a text kind (.csv, .eml) is tried only when the name asks for
it: anything else that is plain text is refused as not an accepted kind.
"""

import csv
import io
import itertools
import re
import struct
import zipfile
from collections.abc import Iterator
from email import policy
from email.parser import BytesHeaderParser
from typing import IO

import olefile

# What each accepted kind of file is served as, and the extensions its name may end in.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "msg": "application/vnd.ms-outlook",
    "eml": "message/rfc822",
    "csv": "text/csv",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "pptx": {"pptx"},
    "odt": {"odt"},
    "doc": {"doc"},
    "xls": {"xls"},
    "msg": {"msg"},
    "eml": {"eml"},
    "csv": {"csv"},
    "png": {"png"},
    "jpeg": {"jpg", "jpeg"},
    "gif": {"gif"},
}
ACCEPT = ",".join(f".{ext}" for kind in EXTENSIONS for ext in sorted(EXTENSIONS[kind]))
KIND_WORDS = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "xlsx": "an Excel spreadsheet",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument text",
    "doc": "a Word 97-2003 document",
    "xls": "an Excel 97-2003 spreadsheet",
    "msg": "an Outlook message",
    "eml": "an email message",
    "csv": "a CSV file",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
}
KINDS_IN_WORDS = (
    "a PDF, Word (.docx or .doc), Excel (.xlsx or .xls), PowerPoint (.pptx), OpenDocument "
    "text (.odt), email (.eml or .msg), CSV, PNG, JPEG or GIF file"
)

# The part every Office Open XML file of each kind has; an ordinary zip has none of them.
OFFICE_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
# An OpenDocument file starts with its stored, uncompressed `mimetype` member (ODF 1.2, part 3,
# 3.3), so its type is at a fixed place in the first bytes.
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ODT_START = b"mimetype" + ODT_MIMETYPE
# A zip local header: signature, method, compressed and full sizes, name and extra lengths.
ZIP_LOCAL_HEADER = struct.Struct("<4s4xH8xIIHH")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Storages and streams that hold Visual Basic macros in legacy Office files and in documents
# embedded in them: Word's `Macros`, Excel's `_VBA_PROJECT_CUR`, and the `VBA` project inside.
MACRO_STORAGES = {"macros", "_vba_project_cur", "vba", "_vba_project"}
# More entries than any real document has: the check stops reading there.
MAX_OLE_ENTRIES = 20_000
# A BIFF8 workbook's globals: a BOUNDSHEET record says what kind each sheet is, and an Excel
# 4.0 macro sheet runs as a macro does, so it is refused like VBA.
BIFF_BOUNDSHEET, BIFF_EOF, BIFF_MACRO_SHEET = 0x0085, 0x000A, 0x01
# The globals are a few hundred records, a few thousand with many shared strings; reading stops
# here, so a hostile stream of tiny records costs milliseconds.
MAX_BIFF_GLOBALS = 50_000
# A header section longer than this is not an email message anyone sent.
MAX_EMAIL_HEADER_BYTES = 256 * 1024
EMAIL_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
# The start of a cell a spreadsheet opens as a formula (OWASP "CSV injection"), unless the
# rest is a plain number, such as -12.5 or +44, or nothing (a lone "-" for none).
FORMULA_START = "=+-@\t\r"
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9][0-9 .,]*%?)?")
CSV_DELIMITERS = ",;\t|"


class KindRefused(ValueError):
    """A file that is an accepted kind but cannot be accepted as it is (macros, formulas); the
    message ends the sentence "<name> ..." and is shown to the user."""


def kind_of(head: bytes, stream: IO[bytes], extension: str) -> str | None:
    """What the file is by its first bytes (and, for a zip or an OLE2 file, its parts; for text,
    what the name asks for and whether the text is that); None if not an accepted kind. Raises
    KindRefused for an accepted kind carrying macros or formulas."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(stream)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(stream)
    if extension == "csv":
        return _csv_kind(stream)
    if extension == "eml":
        return _email_kind(stream)
    return None


# ----- Zip: Office Open XML and OpenDocument -------------------------------------------------


def _zip_kind(stream: IO[bytes]) -> str | None:
    """ "docx", "xlsx", "pptx" or "odt" for such a file without macros; reads only the zip's
    directory and the first member's header, never unpacks a part."""
    stream.seek(0)
    starts_as_odt = _first_member_is_odt_mimetype(stream.read(ZIP_LOCAL_HEADER.size + 64))
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if starts_as_odt:
        if "content.xml" not in names:
            return None
        if any(name.startswith(("Basic/", "Scripts/")) for name in names):
            raise KindRefused("contains macros, which the tracker does not accept")
        return "odt"
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # a macro-enabled file renamed: never served as a plain document
    kinds = {kind for part, kind in OFFICE_MAIN_PARTS.items() if part in names}
    return kinds.pop() if len(kinds) == 1 else None


def _first_member_is_odt_mimetype(start: bytes) -> bool:
    """Whether the zip's first local header is an uncompressed `mimetype` member holding the
    OpenDocument text type, as the standard requires."""
    if len(start) < ZIP_LOCAL_HEADER.size:
        return False
    _signature, method, compressed, size, name_length, extra = ZIP_LOCAL_HEADER.unpack_from(start)
    body = start[ZIP_LOCAL_HEADER.size :]
    return (
        method == 0
        and name_length == len(b"mimetype")
        and compressed == size == len(ODT_MIMETYPE)
        and extra == 0
        and body.startswith(ODT_START)
    )


# ----- OLE2 compound files: Word and Excel 97-2003, Outlook ----------------------------------


def _ole_kind(stream: IO[bytes]) -> str | None:
    """ "doc", "xls" or "msg" by the streams the compound file holds; refuses legacy Office
    files with macros. Any defect in the file's structure means it is not one of them."""
    stream.seek(0)
    try:
        with olefile.OleFileIO(stream, raise_defects=olefile.DEFECT_INCORRECT) as ole:
            if len(ole.direntries) > MAX_OLE_ENTRIES:
                return None
            paths = [[part.lower() for part in path] for path in ole.listdir(True, True)]
            kind = _ole_kind_of_paths(paths)
            if kind in ("doc", "xls") and any(MACRO_STORAGES.intersection(p) for p in paths):
                raise KindRefused("contains macros, which the tracker does not accept")
            macro_sheet = _has_excel_macro_sheet(ole) if kind == "xls" else False
            if macro_sheet is None:
                return None
            if macro_sheet:
                raise KindRefused(
                    "contains an Excel 4.0 macro sheet, which the tracker does not accept"
                )
            return kind
    except KindRefused:
        raise
    except Exception:  # a hostile structure fails in many ways (RecursionError among them)
        return None


def _ole_kind_of_paths(paths: list[list[str]]) -> str | None:
    top = {path[0] for path in paths if len(path) == 1}
    kinds = set()
    if "worddocument" in top:
        kinds.add("doc")
    if top & {"workbook", "book"}:
        kinds.add("xls")
    if any(name.startswith("__substg1.0_") for name in top):
        kinds.add("msg")
    return kinds.pop() if len(kinds) == 1 else None


def _has_excel_macro_sheet(ole: olefile.OleFileIO) -> bool | None:
    """Whether the workbook's globals name an Excel 4.0 macro sheet (BIFF5 and BIFF8); None
    when they do not end within MAX_BIFF_GLOBALS records, as no real workbook's do not."""
    name = "Workbook" if ole.exists("Workbook") else "Book"
    data = ole.openstream(name).read()
    records = _biff_records(data)
    for record, body in itertools.islice(records, MAX_BIFF_GLOBALS):
        if record == BIFF_EOF:
            return False
        if record == BIFF_BOUNDSHEET and len(body) >= 6 and body[5] == BIFF_MACRO_SHEET:
            return True
    return None


def _biff_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while offset + 4 <= len(data):
        record, length = struct.unpack_from("<HH", data, offset)
        yield record, data[offset + 4 : offset + 4 + length]
        offset += 4 + length


# ----- Text: CSV and email --------------------------------------------------------------------


def _csv_kind(stream: IO[bytes]) -> str | None:
    """ "csv" for text in UTF-8 (with or without its byte order mark) or Windows-1252, without
    NUL bytes. Refused with a cell a spreadsheet would run as a formula."""
    stream.seek(0)
    data = stream.read()
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    try:
        cell = _first_formula_cell(text)
    except csv.Error:
        return None
    if cell is not None:
        row, column, value = cell
        raise KindRefused(
            f"has a cell a spreadsheet would run as a formula (row {row}, column {column}: "
            f"{value[:20]!r}). Put a single quote (') before it, or remove it"
        )
    return "csv"


def _first_formula_cell(text: str) -> tuple[int, int, str] | None:
    """The row, column and value of the first cell starting as a formula, or None."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for row_number, row in enumerate(reader, start=1):
        for column, value in enumerate(row, start=1):
            stripped = value.lstrip(" ")
            starts_as_formula = stripped[:1] and stripped[0] in FORMULA_START
            if starts_as_formula and not PLAIN_NUMBER.fullmatch(stripped.strip()):
                return row_number, column, value
    return None


def _email_kind(stream: IO[bytes]) -> str | None:
    """ "eml" for an RFC 822 message: a header section that starts at the first byte, fits in
    256 KB, and names who sent it and when (or its subject)."""
    stream.seek(0)
    start = stream.read(MAX_EMAIL_HEADER_BYTES + 4)
    end = min((at for at in (start.find(b"\r\n\r\n"), start.find(b"\n\n")) if at >= 0), default=-1)
    if end < 0 or not EMAIL_HEADER_LINE.match(start) or b"\x00" in start[:end]:
        return None
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(start[:end] + b"\n\n")
    except (ValueError, TypeError):
        return None
    if headers.defects or "From" not in headers:
        return None
    return "eml" if ("Date" in headers or "Subject" in headers) else None
