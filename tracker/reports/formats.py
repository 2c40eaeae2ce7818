"""Reading an uploaded inspection report: bytes in, clean plain text out, or a clear refusal.

Pure: no Flask, no database. The next step (`tracker.reports.extraction`) works on plain
text, so everything format-specific happens here: PDF (text-based, as the inspectorate
publishes it), Word (.docx), plain text and Markdown, or text pasted into a form.

The file's type is decided by its content (magic bytes). The name's extension is only a hint
and must agree with the content: a file called `report.pdf` that holds something else is
refused rather than guessed at. Every failure, including any exception raised by the PDF or
Word libraries on a damaged or hostile file, becomes a `ReportFileError` whose message can be
shown to the user as it is.
"""

import io
import math
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator

MAX_UPLOAD_BYTES_DEFAULT = 20 * 1024 * 1024

# A 60-page report's word/document.xml is a few MB and its pictures do not compress, so a
# .docx that unpacks to more than this is not a report: refusing it before python-docx
# inflates every part keeps a small "zip bomb" from filling memory.
MAX_DOCX_UNPACKED_BYTES = 100 * 1024 * 1024
# XML compresses about 10 to 1; a part much larger than 1 MB that compresses 100 to 1 or
# better is padding, which is what a zip bomb is made of.
MAX_DOCX_COMPRESSION_RATIO = 100
DOCX_RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_DOCX_PARTS = 5000
# Inspection reports run to 20 to 100 pages; reading text costs tens of milliseconds a page,
# so a cap keeps one upload from occupying a worker for minutes.
MAX_PDF_PAGES = 500

EMPTY = "The file is empty"
PASTED_EMPTY = "The pasted text is empty"
WRONG_TYPE = "The file must be a PDF, Word document (.docx), text or Markdown file"
OLD_WORD = (
    "The file is an old-style Word document (.doc) or a Word document protected with a "
    "password: save it as a .docx without a password, or paste the text instead"
)
NOT_A_PDF = "The file name ends in .pdf but the file is not a PDF"
NOT_A_DOCX = "The file name ends in .docx but the file is not a Word document"
NOT_TEXT = (
    "The file does not contain text: it may be damaged, or a different type of file. "
    "The file must be a PDF, Word document (.docx), text or Markdown file"
)
DAMAGED = "The file could not be read: it may be damaged"
NO_TEXT_PDF = (
    "This PDF has no text in it. It may be a scan: ask the inspectorate for the published "
    "PDF, or paste the text instead"
)
NO_TEXT_DOCX = "This Word document has no text in it"
PDF_LOCKED = "This PDF is protected with a password: remove the password, or paste the text instead"
PDF_ENCRYPTED = (
    "This PDF is encrypted in a way that cannot be read here: paste the text instead, "
    "or ask the inspectorate for an unprotected copy"
)
PDF_GARBLED = "The text in this PDF could not be read: paste the text instead"
DOCX_TOO_BIG_UNPACKED = "The Word document is too large when unpacked: it may be damaged"

_PDF_EXTENSIONS = {"pdf"}
_DOCX_EXTENSIONS = {"docx"}
_TEXT_EXTENSIONS = {"txt", "text", "md", "markdown"}
_ALLOWED_EXTENSIONS = _PDF_EXTENSIONS | _DOCX_EXTENSIONS | _TEXT_EXTENSIONS | {""}

# Magic bytes of formats that are never a report, so they get a plain "wrong type" message
# instead of being read as text.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, and password-protected .docx
_OTHER_BINARY_MAGIC = (
    b"MZ",  # Windows executable
    b"\x7fELF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"{\\rtf",
)


class ReportFileError(ValueError):
    """A report that cannot be read. The message is written to be shown to the user as is."""


# A 300-page report has some 30,000 lines. Reading costs time for every line, so a text of a
# million short lines (a 2 MB paste can be one) takes seconds however simple each line is.
MAX_LINES = 60_000
TOO_MANY_LINES = (
    f"The text has more than {MAX_LINES:,} lines, far more than an inspection report has: "
    "upload the report itself, or paste its text"
)


def within_line_limit(text: str) -> str:
    """`text`, unless it has more lines than any report (ReportFileError)."""
    if text.count("\n") >= MAX_LINES:
        raise ReportFileError(TOO_MANY_LINES)
    return text


def read_report(filename: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES_DEFAULT) -> str:
    """Return the plain text of an uploaded report, or raise `ReportFileError`.

    `filename` is the name the browser sent; only its extension is used, as a hint that must
    agree with what the bytes are. `data` is the file's content: pass up to `max_bytes + 1`
    bytes so an oversized file is recognised. The text comes back normalised (see
    `normalise_text`), with PDF page numbers and running headers and footers removed.
    """
    if len(data) > max_bytes:
        raise ReportFileError(f"The file is larger than {describe_size(max_bytes)}")
    if not data:
        raise ReportFileError(EMPTY)
    extension = extension_of(filename)
    if extension == "doc":
        raise ReportFileError(OLD_WORD)
    if extension not in _ALLOWED_EXTENSIONS:
        raise ReportFileError(WRONG_TYPE)

    kind = _sniff(data)
    if kind == "pdf":
        if extension not in _PDF_EXTENSIONS | {""}:
            raise ReportFileError(f"The file is a PDF but its name ends in .{extension}")
        return within_line_limit(_guarded(_read_pdf, data))
    if kind == "zip":
        if extension in _PDF_EXTENSIONS:
            raise ReportFileError(NOT_A_PDF)
        if extension in _TEXT_EXTENSIONS:
            raise ReportFileError(NOT_TEXT)
        return within_line_limit(_guarded(_read_docx, data, extension))
    if kind == "ole":
        raise ReportFileError(OLD_WORD if extension in _DOCX_EXTENSIONS | {""} else WRONG_TYPE)
    if kind == "binary":
        raise ReportFileError(NOT_A_PDF if extension in _PDF_EXTENSIONS else WRONG_TYPE)
    # Whatever is left may be text.
    if extension in _PDF_EXTENSIONS:
        raise ReportFileError(NOT_A_PDF)
    if extension in _DOCX_EXTENSIONS:
        raise ReportFileError(NOT_A_DOCX)
    text = normalise_text(_decode_text(data))
    if not text.strip():
        raise ReportFileError(EMPTY)
    return within_line_limit(text)


def read_pasted_text(text: str, max_bytes: int = MAX_UPLOAD_BYTES_DEFAULT) -> str:
    """Return pasted report text normalised as an uploaded file's would be.

    Refuses, with a `ReportFileError`, text that is empty or only whitespace, or larger than
    `max_bytes` once encoded as UTF-8.
    """
    text = text or ""
    # Every character is at least one byte, so a long string is refused without encoding it.
    if len(text) > max_bytes or len(text.encode("utf-8", "replace")) > max_bytes:
        raise ReportFileError(f"The pasted text is larger than {describe_size(max_bytes)}")
    text = normalise_text(text)
    if not text.strip():
        raise ReportFileError(PASTED_EMPTY)
    return within_line_limit(text)


# Line separators other than "\n" that turn up in text from Word, PDFs and web pages.
_LINE_BREAKS = re.compile(r"\r\n?|[\v\x85\u2028]")
_PARAGRAPH_BREAKS = re.compile(r"[\f\u2029]")  # a form feed is pdftotext's page break
_SPACES = re.compile(r"[\u00a0\u2007\u202f]")  # non-breaking spaces
# Control characters other than tab and newline, lone surrogates (which cannot be stored as
# UTF-8), and invisible characters that break words apart for searching.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u200b\u2060\ufeff]")
_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb06": "st",
    }
)
_MANY_BLANK_LINES = re.compile(r"\n{4,}")


def normalise_text(text: str) -> str:
    """Normalise text from any source the same way.

    Newlines become `\\n`, non-breaking spaces become spaces, typographic ligatures from PDFs
    become letters, trailing spaces go, lines of only whitespace become blank, runs of three
    or more blank lines become two, blank lines at the start and end go, and the text is put
    in Unicode NFC. Tabs are kept because they separate table cells; other control
    characters are removed.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _PARAGRAPH_BREAKS.sub("\n\n", text)
    text = _SPACES.sub(" ", text)
    text = _UNWANTED.sub("", text)
    text = unicodedata.normalize("NFC", text.translate(_LIGATURES))
    lines = [line.rstrip(" ") for line in text.split("\n")]
    text = "\n".join("" if not line.strip() else line for line in lines)
    text = _MANY_BLANK_LINES.sub("\n\n\n", text)
    return text.strip("\n")


def describe_size(size: int) -> str:
    """A byte count as the user would say it: "20 MB", "1.5 MB", "500 KB"."""
    megabytes = size / (1024 * 1024)
    if megabytes >= 1:
        return f"{megabytes:.1f}".removesuffix(".0") + " MB"
    kilobytes = size / 1024
    if kilobytes >= 1:
        return f"{kilobytes:.1f}".removesuffix(".0") + " KB"
    return f"{size} bytes"


def extension_of(filename: str) -> str:
    """The lower-case extension without its dot, or "" when the name has none."""
    # Some browsers send the whole path of the file on the user's computer.
    name = re.split(r"[\\/]", filename or "")[-1].strip().lower()
    _stem, dot, extension = name.rpartition(".")
    return extension if dot else ""


def _sniff(data: bytes) -> str:
    """What the bytes are: "pdf", "zip", "ole", "binary" or "text" (perhaps)."""
    # PDF readers accept junk before the header, within the first kilobyte.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(_OTHER_BINARY_MAGIC):
        return "binary"
    return "text"


def _guarded(read, *args) -> str:
    """Run a reader, turning any library failure into the "may be damaged" refusal."""
    try:
        return read(*args)
    except (ReportFileError, MemoryError):
        # Out of memory is the reading's budget spent (tracker.reports.budget), not damage.
        raise
    except Exception as error:  # pypdf and python-docx raise many kinds on a bad file
        raise ReportFileError(DAMAGED) from error


# ----- Text -----------------------------------------------------------------------------------

# In real text, control characters other than tab, newline, carriage return and form feed are
# rare; in a binary file read as cp1252 about one character in eight is one.
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
MAX_SUSPECT_SHARE = 0.02
MAX_SUSPECT_ANYWAY = 8  # a few stray escape characters in a short file are removed, not refused


def decode_text(data: bytes) -> str | None:
    """Decode a text file: UTF-8 (with or without a BOM), UTF-16 with a BOM, else cp1252;
    None when the bytes are not text (NUL bytes outside UTF-16, or too many characters no
    text holds)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Notepad's "Unicode": the only text here that may hold NUL bytes.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    elif b"\x00" in data:
        return None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Windows' own encoding, which is what older Word "Save as text" and Excel's plain
            # "CSV" produce. Bytes cp1252 leaves undefined become U+FFFD and count against the
            # file below.
            text = data.decode("cp1252", errors="replace")
    suspect = len(_SUSPECT.findall(text))
    if suspect > max(MAX_SUSPECT_ANYWAY, MAX_SUSPECT_SHARE * len(text)):
        return None
    return text


def _decode_text(data: bytes) -> str:
    text = decode_text(data)
    if text is None:
        raise ReportFileError(NOT_TEXT)
    return text


# ----- PDF ------------------------------------------------------------------------------------

# A line that is only a page number: "12", "- 12 -", "Page 3", "Page 3 of 40", "3 / 40".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?[-\u2013\u2014]?\s*\d{1,3}\s*[-\u2013\u2014]?\s*(?:(?:of|/)\s*\d{1,3})?\s*$",
    re.IGNORECASE,
)
EDGE_LINES = 3  # lines at the top and at the bottom of a page where furniture is looked for
RUNNING_SHARE = 0.4  # a line at the edge of this share of pages is a running header or footer
RUNNING_MIN_PAGES = 3
# A page of a report holds a couple of thousand letters; a scan's text layer, if any, holds
# only a stamp or a page number.
MIN_LETTERS_PER_PAGE = 20
MIN_LETTERS = 50


def _read_pdf(data: bytes) -> str:
    """The text of a PDF, pages joined by a blank line, page furniture removed."""
    from pypdf.errors import DependencyError  # imported here: only PDFs pay for pypdf

    try:
        pages = _pdf_pages(data)
    except DependencyError as error:
        # pypdf needs an optional package for some encryption it meets (`cryptography`, a
        # dependency here, covers AES); whatever it cannot decrypt is refused in words.
        raise ReportFileError(PDF_ENCRYPTED) from error
    # Text pypdf could not map comes out as the font's raw codes, half of them NUL bytes.
    if any(page.count("\x00") > 0.2 * len(page) for page in pages if page):
        raise ReportFileError(PDF_GARBLED)
    cleaned = remove_page_furniture([normalise_text(page).split("\n") for page in pages])
    text = normalise_text("\n\n".join("\n".join(lines) for lines in cleaned))
    letters = sum(character.isalpha() for character in text)
    if letters < max(MIN_LETTERS, MIN_LETTERS_PER_PAGE * len(pages)):
        raise ReportFileError(NO_TEXT_PDF)
    return text


def _pdf_pages(data: bytes) -> list[str]:
    """Each page's text as pypdf extracts it."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    # pypdf has already tried the empty password, which opens PDFs that are only restricted
    # (no copying, no printing) rather than locked.
    if reader.is_encrypted and not reader.decrypt(""):
        raise ReportFileError(PDF_LOCKED)
    page_count = len(reader.pages)
    if page_count == 0:
        raise ReportFileError(DAMAGED)
    if page_count > MAX_PDF_PAGES:
        raise ReportFileError(
            f"The PDF has {page_count} pages: it must have no more than {MAX_PDF_PAGES}"
        )
    pages = []
    # A page drawn by the same content stream as an earlier page shows the same text, so it
    # is read once. Producers share a stream between identical pages (blank ones, say), and a
    # hostile file can share one long stream between hundreds: 500 pages of one 80 KB stream
    # took over two minutes to read page by page. (A hostile file could give the shared
    # stream other fonts on other pages, and have its text read wrongly: no report does.)
    text_of_content: dict[tuple, str] = {}
    for page in reader.pages:
        key = _content_key(page)
        if key is not None and key in text_of_content:
            pages.append(text_of_content[key])
            continue
        _read_two_byte_encodings_as_identity(page)
        text = page.extract_text() or ""
        if key is not None:
            text_of_content[key] = text
        pages.append(text)
    return pages


def _content_key(page) -> tuple | None:
    """The object numbers of a page's content streams, the same for pages that share them;
    None when they are not all indirect objects (then they cannot be shared)."""
    from pypdf.generic import ArrayObject, IndirectObject

    contents = page.raw_get("/Contents") if "/Contents" in page else None
    # Not resolved: the reference is what is shared (an array of them may be one itself).
    if isinstance(contents, IndirectObject) and isinstance(contents.get_object(), ArrayObject):
        contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    if not streams or not all(isinstance(stream, IndirectObject) for stream in streams):
        return None
    return tuple((stream.idnum, stream.generation) for stream in streams)


_TWO_BYTE_CODESPACE = re.compile(
    rb"begincodespacerange\s*<0000>\s*<ffff>\s*endcodespacerange", re.IGNORECASE
)


def _read_two_byte_encodings_as_identity(page) -> None:
    """Let pypdf read fonts whose encoding is an embedded CMap with two-byte codes.

    pypdf 7.1 reads a composite (Type0) font's codes as two bytes only when its /Encoding is
    a named CMap such as /Identity-H; given an embedded CMap it falls back to single bytes,
    and every character comes out as a NUL and a wrong letter. WeasyPrint writes such a CMap
    whenever a font lacks a glyph, and other producers do too. Text comes from /ToUnicode,
    which is keyed by the codes themselves, so when the embedded CMap has two-byte codes,
    reading it as /Identity-H gives the right text. Only the reader's copy is changed.
    """
    from pypdf.generic import NameObject, StreamObject

    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources is not None else None
    if fonts is None:
        return
    for reference in fonts.get_object().values():
        font = reference.get_object()
        encoding = font.get("/Encoding")
        encoding = encoding.get_object() if encoding is not None else None
        if (
            font.get("/Subtype") == "/Type0"
            and "/ToUnicode" in font
            and isinstance(encoding, StreamObject)
            and _TWO_BYTE_CODESPACE.search(encoding.get_data())
        ):
            font[NameObject("/Encoding")] = NameObject("/Identity-H")


def _edge_indexes(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [index for index, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _furniture_key(line: str) -> str:
    """A line as compared across pages: digits stand for any number, spacing and case ignored."""
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def remove_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers and footers from each page's lines.

    A line counts as furniture only at the top or bottom of a page (its first or last three
    non-blank lines), where pypdf puts headers and footers; the same words in the body of a
    page are kept. A running header or footer is a line that, with its digits ignored, is at
    the edge of at least 40% of the pages and at least three of them. A page number is a line
    like "12", "- 12 -", "3 / 40" or "Page 3 of 40".
    """
    edges = [_edge_indexes(lines) for lines in pages]
    seen_on = Counter()
    for lines, indexes in zip(pages, edges, strict=True):
        seen_on.update({_furniture_key(lines[index]) for index in indexes})
    needed = max(RUNNING_MIN_PAGES, math.ceil(RUNNING_SHARE * len(pages)))
    running = {key for key, count in seen_on.items() if count >= needed and key}

    cleaned = []
    for lines, indexes in zip(pages, edges, strict=True):
        edge = set(indexes)
        cleaned.append(
            [
                line
                for index, line in enumerate(lines)
                if not (
                    index in edge and (_PAGE_NUMBER.match(line) or _furniture_key(line) in running)
                )
            ]
        )
    return cleaned


# ----- Word -----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_STYLE_DEPTH = 20


def _check_docx_package(data: bytes, extension: str) -> None:
    """Refuse a zip that is not a Word document, or that would unpack to far too much."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ReportFileError(DAMAGED) from error
    with archive:
        members = archive.infolist()
        if "word/document.xml" not in {member.filename for member in members}:
            # Another Office file (.xlsx, .pptx) or an ordinary zip.
            raise ReportFileError(NOT_A_DOCX if extension in _DOCX_EXTENSIONS else WRONG_TYPE)
        if zip_declares_too_much(
            members,
            max_parts=MAX_DOCX_PARTS,
            max_bytes=MAX_DOCX_UNPACKED_BYTES,
            ratio_from_bytes=DOCX_RATIO_CHECK_FROM_BYTES,
            max_ratio=MAX_DOCX_COMPRESSION_RATIO,
        ):
            raise ReportFileError(DOCX_TOO_BIG_UNPACKED)


def zip_declares_too_much(
    members: list[zipfile.ZipInfo],
    *,
    max_parts: int,
    max_bytes: int,
    ratio_from_bytes: int,
    max_ratio: float,
) -> bool:
    """Whether an Office file's zip would unpack to far more than such a file holds: too many
    parts, too many bytes in all, or a large part squeezed more than `max_ratio` to one (a
    zip bomb). The sizes are the ones the zip declares; zipfile stops inflating a part at its
    declared size, so a part cannot unpack to more than is checked here."""
    if len(members) > max_parts or sum(member.file_size for member in members) > max_bytes:
        return True
    return any(
        member.file_size > ratio_from_bytes
        and member.file_size > max_ratio * max(1, member.compress_size)
        for member in members
    )


def _read_docx(data: bytes, extension: str) -> str:
    """The text of a Word document: paragraphs and tables in order, a blank line between."""
    _check_docx_package(data, extension)
    import docx  # imported here: only Word documents pay for it

    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []  # paragraphs (and whole tables), to be joined by blank lines
    in_list = False
    for kind, text in _docx_blocks(document.element.body, document._body):
        if not text.strip():
            in_list = False
            continue
        if kind == "item" and in_list:
            # A list stays together, one item a line, as the text reports write them.
            blocks[-1] += "\n" + text
        else:
            blocks.append(text)
        in_list = kind == "item"
    text = normalise_text("\n\n".join(blocks))
    if not text.strip():
        raise ReportFileError(NO_TEXT_DOCX)
    return text


def _docx_blocks(container, parent) -> Iterator[tuple[str, str]]:
    """("paragraph" | "item" | "table", text) for each block in a body, in document order.

    Walks the XML rather than python-docx's `iter_inner_content()` so that paragraphs
    inside content controls (`w:sdt`, which Word uses for a contents page and for some
    templates' text) are not lost.
    """
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, parent)
            if _is_list_item(paragraph):
                yield "item", "- " + paragraph.text.strip()
            else:
                yield "paragraph", paragraph.text
        elif child.tag == f"{_W}tbl":
            yield "table", _table_text(Table(child, parent))
        elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent")
            yield from _docx_blocks(content if content is not None else child, parent)


def _table_text(table) -> str:
    """One line a row, cells joined by tabs; a cell spanning columns is written once."""
    rows = []
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # python-docx repeats a cell once per column it spans
                continue
            previous = cell._tc
            cells.append(_cell_text(cell))
        rows.append("\t".join(cells))
    return "\n".join(rows)


def _cell_text(cell) -> str:
    """A cell's paragraphs (and any table inside it) on one line."""
    from docx.table import Table

    parts = []
    for block in cell.iter_inner_content():
        parts.append(_table_text(block) if isinstance(block, Table) else block.text)
    # A tab or newline inside a cell would break the row's columns apart.
    return " ".join(" ".join(parts).split())


def _is_list_item(paragraph) -> bool:
    """Whether Word numbers or bullets the paragraph (its numbering is not in its text).

    Numbering comes from `w:numPr` on the paragraph or on its style (as in "List Number").
    Headings are left alone: numbered heading styles are common and a heading is not a list
    item. A `w:numId` of 0 means numbering switched off.
    """
    style = paragraph.style
    style_name = (style.name or "") if style is not None else ""
    if style_name.startswith(("Heading", "Title")):
        return False
    num_pr = paragraph._p.find(f"{_W}pPr/{_W}numPr")
    # A style inherits from the one it is based on; the depth limit stops a loop of styles
    # based on each other (which Word never writes, but a crafted file can).
    for _depth in range(MAX_STYLE_DEPTH):
        if num_pr is not None or style is None:
            break
        num_pr = style.element.find(f"{_W}pPr/{_W}numPr")
        style = style.base_style
    if num_pr is None:
        return False
    num_id = num_pr.find(f"{_W}numId")
    return num_id is None or num_id.get(f"{_W}val") != "0"
