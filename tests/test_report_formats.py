"""Reading uploaded reports: real PDFs and Word documents built from the published reports."""

import html
import io
import itertools
import random
import re
import textwrap
import time
import zipfile

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter

from tests.conftest import REPORTS
from tracker.reports import formats
from tracker.reports.formats import (
    MAX_UPLOAD_BYTES_DEFAULT,
    ReportFileError,
    normalise_text,
    read_pasted_text,
    read_report,
)

SUNDERLAND = REPORTS / "sunderland-2022.txt"
DARLINGTON = REPORTS / "darlington-2021.txt"
NEL = REPORTS / "north-east-lincolnshire-2022-with-plan.txt"

SUNDERLAND_HEADER = "Inspection of youth offending services: Sunderland"
DARLINGTON_HEADER = "Inspection of youth offending services: Darlington YOS"
NEL_HEADER = "Inspection of youth offending services: North East Lincolnshire"


# ----- Building real files ------------------------------------------------------------------


def render_pdf(body_html: str, page_css: str = "", extra_css: str = "") -> bytes:
    """Lay out HTML on A4 pages with WeasyPrint, as a report's publisher would."""
    import weasyprint  # slow to import, so only the tests that make PDFs pay for it

    css = f"""
        @page {{ size: A4; margin: 2.5cm 2cm; {page_css} }}
        body {{ font-family: "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.4 }}
        pre {{ white-space: pre-wrap; font-family: inherit; tab-size: 4; margin: 0 }}
        {extra_css}
    """
    page = f"<!doctype html><html><head><style>{css}</style></head><body>{body_html}</body></html>"
    return weasyprint.HTML(string=page).write_pdf()


def margin_boxes(header: str, footer: str) -> str:
    """CSS for a running header at the top of every page and a footer at the bottom."""
    return (
        f'@top-center {{ content: "{header}"; font-size: 9pt }} '
        f"@bottom-center {{ content: {footer}; font-size: 9pt }}"
    )


def as_pre(text: str) -> str:
    """The text as it is, line for line, wrapped to the page."""
    return f"<pre>{html.escape(text)}</pre>"


def as_paragraphs(text: str) -> str:
    """The text as HTML paragraphs, one for each block between blank lines."""
    blocks = [block.strip() for block in text.split("\n\n") if block.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
    )


# How each report is published in these tests: three layouts, three kinds of page number.
PDF_LAYOUTS = {
    "sunderland": (
        SUNDERLAND,
        as_pre,
        margin_boxes(SUNDERLAND_HEADER, '"Page " counter(page) " of " counter(pages)'),
    ),
    "darlington": (
        DARLINGTON,
        as_paragraphs,
        f'@top-left {{ content: "{DARLINGTON_HEADER}"; font-size: 9pt }} '
        "@bottom-right { content: counter(page); font-size: 9pt }",
    ),
    "nel": (NEL, as_pre, margin_boxes(NEL_HEADER, '"- " counter(page) " -"')),
}


@pytest.fixture(scope="session")
def report_pdf(tmp_path_factory):
    """Make (once a session) the PDF of a shared report: `report_pdf("sunderland")`."""
    folder = tmp_path_factory.mktemp("report-pdfs")

    def make(name: str) -> bytes:
        path = folder / f"{name}.pdf"
        if not path.exists():
            source, layout, page_css = PDF_LAYOUTS[name]
            path.write_bytes(render_pdf(layout(source.read_text(encoding="utf-8")), page_css))
        return path.read_bytes()

    return make


@pytest.fixture(scope="session")
def small_pdf(tmp_path_factory):
    """A three-page PDF with a running header and page numbers, quick to read."""
    path = tmp_path_factory.mktemp("small-pdf") / "small.pdf"
    openings = report_openings()
    pages = "".join(
        '<section style="break-before: page">'
        + "".join(f"<p>{html.escape(line)}</p>" for line in openings[n * 8 : n * 8 + 8])
        + f"<h2>Part {n}</h2><p>The end of the {word} part.</p>"
        + "</section>"
        for n, word in ((1, "first"), (2, "second"), (3, "third"))
    )
    path.write_bytes(
        render_pdf(
            pages, margin_boxes(SUNDERLAND_HEADER, '"Page " counter(page) " of " counter(pages)')
        )
    )
    return path.read_bytes()


def report_openings() -> list[str]:
    """The openings of the Sunderland report's paragraphs: distinct lines too short to wrap."""
    source = SUNDERLAND.read_text(encoding="utf-8")
    return list(
        dict.fromkeys(
            textwrap.shorten(line, 60, placeholder="")
            for line in source.splitlines()
            if len(line) > 80 and "\t" not in line
        )
    )


def refusal(filename: str, data: bytes, **kwargs) -> str:
    """The message `read_report` refuses the file with."""
    with pytest.raises(ReportFileError) as refused:
        read_report(filename, data, **kwargs)
    return str(refused.value)


def words(text: str) -> int:
    """Words in the text, with words split across lines by a hyphen counted once."""
    return len(re.sub(r"-\n", "-", text).split())


def lines_matching(pattern: str, text: str) -> list[str]:
    return re.findall(pattern, text, re.MULTILINE)


# ----- PDF: the shared reports, published as PDFs ------------------------------------------


def test_pdf_keeps_the_recommendations_of_sunderland(report_pdf):
    text = read_report("report.pdf", report_pdf("sunderland"))

    assert "The Sunderland Youth Offending Service should:" in text
    assert "The Probation Service should:" in text
    assert "5. provide a probation officer to the YOS" in text
    for start in (
        "1. improve the quality of planning, delivery, and reviewing",
        "2. improve the quality of assessment of safety and wellbeing",
        "3. improve management oversight and quality assurance",
        "4. ensure that court disposal casework is sufficiently scrutinised",
    ):
        assert lines_matching("^" + re.escape(start), text), start
    # The recommendations come in the report's order, after the heading.
    assert text.index("Recommendations\nAs a result") < text.index("1. improve the quality")
    assert text.index("4. ensure that") < text.index("The Probation Service should:")


def test_pdf_loses_its_running_header_and_page_numbers_but_no_words(report_pdf):
    data = report_pdf("sunderland")
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 15
    # The PDF does carry the furniture: the test is worth nothing otherwise.
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert raw.count(SUNDERLAND_HEADER) == pages
    assert len(lines_matching(r"^Page \d+ of \d+\s*$", raw)) == pages

    text = read_report("report.pdf", data)

    assert SUNDERLAND_HEADER not in text
    assert not lines_matching(r"^Page \d+ of \d+$", text)
    # Every word of the report is there, and nothing else: the header and footer alone would
    # add ten words a page.
    source = SUNDERLAND.read_text(encoding="utf-8")
    assert abs(words(text) - words(source)) < pages


def test_pdf_loses_bare_page_numbers_and_a_header_at_the_top(report_pdf):
    data = report_pdf("darlington")
    # The emoji in the report make WeasyPrint write a font encoding that pypdf reads as
    # single bytes, so its own text has a NUL before every character (see formats.py).
    raw_pages = [
        page.extract_text().replace("\x00", "") for page in PdfReader(io.BytesIO(data)).pages
    ]
    # Each page ends with its number on a line of its own.
    for number, page in enumerate(raw_pages, start=1):
        assert page.rstrip().endswith(f"\n{number}"), number
    bare_numbers = r"^\s*\d{1,3}\s*$"
    raw_bare_numbers = len(lines_matching(bare_numbers, "\n".join(raw_pages)))

    text = read_report("Darlington.PDF", data)
    source = DARLINGTON.read_text(encoding="utf-8")

    assert "The Darlington Youth Offending Service should:" in text
    assert "- 2. address the need to increase the evaluation of outcomes" in text
    # The report's own text names the service once in a sentence; only the header goes.
    assert text.count(DARLINGTON_HEADER) == source.count(DARLINGTON_HEADER) == 1
    # The page numbers go; numbers from the report's tables that wrapped onto a line of
    # their own stay.
    assert len(lines_matching(bare_numbers, text)) == raw_bare_numbers - len(raw_pages)
    assert abs(words(text) - words(source)) < 25


def test_pdf_of_the_longest_report_has_forty_pages_and_reads_whole(report_pdf):
    data = report_pdf("nel")
    assert len(PdfReader(io.BytesIO(data)).pages) >= 40

    started = time.perf_counter()
    text = read_report("north-east-lincolnshire.pdf", data)
    took = time.perf_counter() - started

    assert "The Partnership Board should:" in text
    assert "8. continue to support the service and advocate for children" in text
    assert "The North East Lincolnshire Youth Offending Service should:" in text
    assert NEL_HEADER not in text
    assert not lines_matching(r"^- \d+ -$", text)
    assert len(text) > 150_000
    # Generous, for a slow machine: it takes three to four seconds on two busy cores.
    assert took < 10


def test_pdf_keeps_a_header_line_in_the_middle_of_a_page_and_joins_pages_with_a_blank_line():
    sentences = report_openings()
    assert len(sentences) >= 44
    pages = [sentences[n * 11 : n * 11 + 11] for n in range(4)]
    body = "".join(
        '<section style="break-before: page">'
        + "".join(f"<p>{html.escape(sentence)}</p>" for sentence in page[:5])
        + f"<p>{SUNDERLAND_HEADER}</p>"
        + "".join(f"<p>{html.escape(sentence)}</p>" for sentence in page[5:])
        + "</section>"
        for page in pages
    )
    data = render_pdf(body, margin_boxes(SUNDERLAND_HEADER, "counter(page)"))
    assert len(PdfReader(io.BytesIO(data)).pages) == 4

    text = read_report("report.pdf", data)

    # Four pages, four times in the body; the four copies in the header go.
    assert text.count(SUNDERLAND_HEADER) == 4
    for page, next_page in itertools.pairwise(pages):
        assert f"{page[-1]}\n\n{next_page[0]}\n" in text
    assert (
        text.split("\n")
        == [line for page in pages for line in (*page[:5], SUNDERLAND_HEADER, *page[5:], "")][:-1]
    )


def test_pdf_whose_fonts_use_an_embedded_encoding_is_read():
    # DejaVu Sans has no emoji: WeasyPrint then gives the font an embedded encoding CMap in
    # place of /Identity-H, which pypdf on its own reads one byte at a time.
    paragraph = "<p>The youth offending service\u2019s office \U0001f3e0 is in the town.</p>"
    data = render_pdf(paragraph * 40)
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values()
    encodings = [font.get_object()["/Encoding"] for font in fonts]
    if all(isinstance(encoding, str) for encoding in encodings):
        pytest.skip("the fonts here have every glyph, so WeasyPrint used /Identity-H")
    assert "\x00" in PdfReader(io.BytesIO(data)).pages[0].extract_text()

    text = read_report("report.pdf", data)

    assert (
        text.split("\n")[0]
        == "The youth offending service\u2019s office \U0001f3e0 is in the town."
    )
    assert text.count("youth offending service") == 40


def test_pdf_with_too_many_pages_is_refused():
    writer = PdfWriter()
    for _ in range(formats.MAX_PDF_PAGES + 1):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    assert (
        refusal("report.pdf", out.getvalue())
        == "The PDF has 501 pages: it must have no more than 500"
    )


def test_pdf_that_is_only_pictures_is_refused_as_a_possible_scan():
    # What a scan looks like to a text reader: pages of drawing, and a page number or two.
    picture = (
        '<svg width="400" height="500" xmlns="http://www.w3.org/2000/svg">'
        '<rect x="10" y="10" width="380" height="480" fill="#ccc" stroke="#000"/>'
        '<circle cx="200" cy="250" r="100" fill="#888"/></svg>'
    )
    body = "".join(f'<div style="break-before: page">{picture}</div>' for _ in range(3))
    data = render_pdf(body, margin_boxes("", '"Page " counter(page) " of " counter(pages)'))
    assert len(PdfReader(io.BytesIO(data)).pages) == 3

    assert refusal("scan.pdf", data) == formats.NO_TEXT_PDF
    assert refusal("scan.pdf", data).startswith("This PDF has no text in it. It may be a scan")


def test_truncated_pdf_is_refused_as_damaged(small_pdf):
    assert (
        refusal("report.pdf", small_pdf[:2048]) == "The file could not be read: it may be damaged"
    )


def outcomes_of_damage(filename: str, data: bytes, tries: int, seed: int) -> set[str]:
    """Change a few bytes of the file at random, `tries` times; what reading each gave."""
    generator = random.Random(seed)  # noqa: S311  (repeatable damage, not secrets)
    outcomes = set()
    for _ in range(tries):
        damaged = bytearray(data)
        for _ in range(generator.choice((1, 3, 10))):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        try:
            read_report(filename, bytes(damaged))
            outcomes.add("read")
        except ReportFileError as error:  # anything else raised fails the test
            outcomes.add(str(error))
    return outcomes


def test_damaged_pdfs_never_raise_anything_but_report_file_error(small_pdf):
    outcomes = outcomes_of_damage("report.pdf", small_pdf, tries=40, seed=2)
    # Some damage pypdf works around, some it cannot: both kinds were tried.
    assert {"read", formats.DAMAGED} <= outcomes
    assert outcomes <= {"read", formats.DAMAGED, formats.NO_TEXT_PDF}


def test_damaged_word_documents_never_raise_anything_but_report_file_error():
    outcomes = outcomes_of_damage("report.docx", sunderland_as_word(), tries=40, seed=3)
    assert formats.DAMAGED in outcomes
    assert outcomes <= {
        "read",
        formats.DAMAGED,
        formats.NOT_A_DOCX,
        formats.DOCX_TOO_BIG_UNPACKED,
        formats.NO_TEXT_DOCX,
    }


def test_pdf_locked_with_a_password_is_refused(small_pdf):
    writer = PdfWriter(clone_from=io.BytesIO(small_pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)

    assert refusal("report.pdf", locked.getvalue()) == (
        "This PDF is protected with a password: remove the password, or paste the text instead"
    )


def test_pdf_restricted_without_a_password_to_open_is_read(small_pdf):
    # Publishers often forbid copying or printing with an owner password only.
    writer = PdfWriter(clone_from=io.BytesIO(small_pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    restricted = io.BytesIO()
    writer.write(restricted)
    assert PdfReader(io.BytesIO(restricted.getvalue())).is_encrypted

    text = read_report("report.pdf", restricted.getvalue())

    assert "Part 3\nThe end of the third part." in text
    assert text == read_report("report.pdf", small_pdf)


def test_pdf_restricted_with_aes_is_read_like_any_other(small_pdf):
    # Published reports are often "protected" against editing with an owner password only;
    # with AES that needs the `cryptography` package, which two-factor sign-in brings too.
    writer = PdfWriter(clone_from=io.BytesIO(small_pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    aes = io.BytesIO()
    writer.write(aes)
    assert b"/AESV2" in aes.getvalue()

    assert read_report("report.pdf", aes.getvalue()) == read_report("report.pdf", small_pdf)
    assert "Part 2" in read_report(r"C:\Users\head\Documents\report.PDF", small_pdf)


# ----- Word --------------------------------------------------------------------------------


def docx_bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def number_paragraph(paragraph, num_id: int = 1) -> None:
    """Give a paragraph direct numbering, as Word does when you click the numbering button."""
    num_pr = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), "0")
    num = OxmlElement("w:numId")
    num.set(qn("w:val"), str(num_id))
    num_pr.extend([ilvl, num])
    paragraph._p.get_or_add_pPr().append(num_pr)


def sunderland_as_word() -> bytes:
    """Part of the Sunderland report as its author might have written it in Word."""
    source = SUNDERLAND.read_text(encoding="utf-8")
    document = docx.Document()
    document.add_heading("An inspection of youth offending services in Sunderland", level=0)
    document.add_heading("Ratings", level=1)
    table = document.add_table(rows=1, cols=3)
    for cell, heading in zip(table.rows[0].cells, ("Standard", "", "Rating"), strict=True):
        cell.text = heading
    table.rows[0].cells[0].merge(table.rows[0].cells[1])  # "Standard" spans two columns
    for code, standard, rating in (
        ("1.1", "Governance and leadership", "Outstanding"),
        ("1.2", "Staff", "Outstanding"),
        ("2.1", "Assessment", "Requires improvement"),
    ):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = code, standard, rating

    document.add_heading("Recommendations", level=1)
    document.add_paragraph(
        "As a result of our inspection findings, we have made five recommendations."
    )
    document.add_paragraph("The Sunderland Youth Offending Service should:")
    listed = source[source.index("The Sunderland Youth Offending Service should:") :]
    recommendations = re.findall(r"^(\d)\. (.+)$", listed, re.MULTILINE)[:5]
    assert len(recommendations) == 5
    for _number, text in recommendations[:4]:
        document.add_paragraph(text, style="List Number")  # numbered by the style
    document.add_paragraph("The Probation Service should:")
    number_paragraph(document.add_paragraph(recommendations[4][1]))  # numbered directly
    number_paragraph(document.add_heading("Strengths", level=2))  # a numbered heading
    number_paragraph(document.add_paragraph("Numbering switched off."), num_id=0)
    for bullet in ("Leadership is strong.", "Staff feel valued."):
        document.add_paragraph(bullet, style="List Bullet")
    background = source[source.index("\nBackground\n") :].split("\n\n")[1:3]
    for paragraph in background:
        document.add_paragraph(paragraph.strip())
    return docx_bytes(document)


def test_docx_keeps_paragraphs_tables_and_lists_in_order():
    text = read_report("sunderland.docx", sunderland_as_word())

    assert text.startswith("An inspection of youth offending services in Sunderland\n\nRatings\n\n")
    # Each table row is a line of tab-separated cells; a merged cell is written once.
    assert "Standard\tRating\n1.1\tGovernance and leadership\tOutstanding\n" in text
    assert "\n2.1\tAssessment\tRequires improvement\n" in text
    # Numbered and bulleted paragraphs are marked as list items, one a line.
    assert (
        "The Sunderland Youth Offending Service should:\n\n"
        "- improve the quality of planning, delivery, and reviewing in court disposal casework"
    ) in text
    assert "\n- ensure that court disposal casework is sufficiently scrutinised" in text
    assert len(lines_matching(r"^- improve ", text)) == 3
    assert "The Probation Service should:\n\n- provide a probation officer to the YOS" in text
    assert (
        "\n\nStrengths\n\nNumbering switched off.\n\n"
        "- Leadership is strong.\n- Staff feel valued.\n\n"
    ) in text
    # A numbered heading is still a heading; numbering switched off (numId 0) is no list.
    assert "- Strengths" not in text
    assert "- Numbering switched off." not in text
    # Headings and paragraphs are not list items, and are separated by one blank line.
    assert "\n\nRecommendations\n\nAs a result of our inspection findings" in text
    assert "\n\nWe conducted fieldwork in Sunderland YOS" in text
    assert "\n\n\n" not in text
    assert text.index("Ratings") < text.index("1.1\t") < text.index("Recommendations")


def test_docx_reads_text_inside_content_controls():
    document = docx.Document()
    document.add_paragraph("Before the control.")
    inside = document.add_paragraph("Inside a content control.")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    inside._p.addprevious(sdt)
    sdt.append(content)
    content.append(inside._p)
    document.add_paragraph("After the control.")

    text = read_report("report.docx", docx_bytes(document))

    assert text == "Before the control.\n\nInside a content control.\n\nAfter the control."


def test_docx_whose_styles_are_based_on_each_other_is_still_read():
    document = docx.Document()
    document.add_paragraph("A quotation.", style="Quote")
    styles = {style.style_id: style for style in document.styles}
    for style_id, based_on in (("Quote", "IntenseQuote"), ("IntenseQuote", "Quote")):
        styles[style_id].element.get_or_add_basedOn().val = based_on

    assert read_report("report.docx", docx_bytes(document)) == "A quotation."


def test_docx_with_no_text_is_refused():
    document = docx.Document()
    document.add_paragraph("")
    document.add_table(rows=2, cols=2)
    assert refusal("empty.docx", docx_bytes(document)) == "This Word document has no text in it"


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_docx_that_unpacks_to_far_more_than_it_weighs_is_refused_quickly():
    document = docx_bytes(docx.Document())
    with zipfile.ZipFile(io.BytesIO(document)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/media/padding.bin"] = b"0" * (30 * 1024 * 1024)
    bomb = zip_of(members)
    assert len(bomb) < 100_000

    started = time.perf_counter()
    message = refusal("bomb.docx", bomb)
    assert time.perf_counter() - started < 0.5
    assert message == "The Word document is too large when unpacked: it may be damaged"


def test_docx_that_is_damaged_or_not_word_is_refused():
    document = sunderland_as_word()
    assert refusal("report.docx", document[: len(document) // 2]) == formats.DAMAGED
    assert refusal("report.docx", zip_of({"word/document.xml": b"<not xml"})) == formats.DAMAGED
    spreadsheet = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert refusal("report.docx", spreadsheet) == (
        "The file name ends in .docx but the file is not a Word document"
    )
    assert refusal("report.xlsx", spreadsheet) == formats.WRONG_TYPE
    assert refusal("report", spreadsheet) == formats.WRONG_TYPE
    assert refusal("report.pdf", document) == "The file name ends in .pdf but the file is not a PDF"


def test_old_word_documents_are_refused_with_a_way_forward():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000
    for name in ("report.doc", "protected.docx"):
        message = refusal(name, ole)
        assert message.startswith("The file is an old-style Word document (.doc)")
        assert "paste the text instead" in message


# ----- Text and Markdown --------------------------------------------------------------------


def test_text_report_is_read_whole():
    source = SUNDERLAND.read_text(encoding="utf-8")
    text = read_report("sunderland-2022.txt", source.encode("utf-8"))

    assert "The Probation Service should:\n\n5. provide a probation officer to the YOS" in text
    assert "Foreword\t3" in text  # tabs survive
    assert text == normalise_text(source)
    assert words(text) == words(source)


def test_text_encodings_are_recognised():
    wording = "Children\u2019s services \u2014 \u201cgood\u201d caf\u00e9\tOutstanding"
    for name, data in (
        ("utf8.txt", wording.encode("utf-8")),
        ("bom.txt", b"\xef\xbb\xbf" + wording.encode("utf-8")),
        ("windows.txt", wording.encode("cp1252")),
        ("notepad-unicode.txt", wording.encode("utf-16")),
    ):
        assert read_report(name, data) == wording, name
    assert "Children\u2019s".encode("cp1252") == b"Children\x92s"  # not valid UTF-8


def test_markdown_is_read_as_text():
    markdown = "# Recommendations\n\nThe Board should:\n\n1. fund the service\n2. *review* it\n"
    for name in ("report.md", "report.markdown", "REPORT.MD"):
        assert read_report(name, markdown.encode()) == markdown.rstrip("\n")


def test_text_is_normalised():
    messy = (
        "\r\n  \r\nTitle  \r\nline\u00a0with\u00a0nbsp \t\r\ncafe\u0301\x07\x1b[31m\r\n"
        "\r\n\r\n\r\n\r\n\r\nafter\u200bfive\tblank\x0clines\ufb01nd \n \t \nend\u00ad\n\n"
    )
    expected = "Title\nline with nbsp \t\ncafé[31m\n\n\nafterfive\tblank\n\nlinesfind\n\nend"
    assert normalise_text(messy) == expected
    assert read_report("messy.txt", messy.encode("utf-8")) == expected
    assert read_pasted_text(messy) == expected


def test_hostile_text_passes_through_as_text():
    hostile = (
        "<script>alert('x')</script>\n"
        "'; DROP TABLE recommendation; --\n"
        '=HYPERLINK("http://evil.example/","click")\n'
        "{{ config }} {% raw %} ${jndi:ldap://x}"
    )
    assert read_report("report.txt", hostile.encode()) == hostile
    assert read_report("report.md", hostile.encode()) == hostile
    assert read_pasted_text(hostile) == hostile
    document = docx.Document()
    document.add_paragraph(hostile)
    assert read_report("report.docx", docx_bytes(document)) == hostile


# ----- Refusals ---------------------------------------------------------------------------


def test_empty_and_blank_files_are_refused():
    assert refusal("report.txt", b"") == "The file is empty"
    assert refusal("report.pdf", b"") == "The file is empty"
    assert refusal("report.txt", b" \r\n\t \n\xc2\xa0\n") == "The file is empty"
    assert refusal("report.md", b"\xef\xbb\xbf\n\n") == "The file is empty"


def test_files_over_the_limit_are_refused_with_the_limit_in_mb():
    one_mb = 1024 * 1024
    assert refusal("report.txt", b"a" * (one_mb + 1), max_bytes=one_mb) == (
        "The file is larger than 1 MB"
    )
    assert read_report("report.txt", b"a" * one_mb, max_bytes=one_mb) == "a" * one_mb
    assert refusal("report.pdf", b"%PDF-" + b"a" * 2_000_000, max_bytes=int(1.5 * one_mb)) == (
        "The file is larger than 1.5 MB"
    )
    assert refusal("report.txt", b"a" * (MAX_UPLOAD_BYTES_DEFAULT + 1)) == (
        "The file is larger than 20 MB"
    )


def test_files_of_other_types_are_refused():
    must_be = "The file must be a PDF, Word document (.docx), text or Markdown file"
    assert refusal("report.html", b"<html><body>Report</body></html>") == must_be
    assert refusal("setup.exe", b"MZ\x90\x00" + b"\x00" * 200) == must_be
    assert refusal("report.xlsx", b"PK\x03\x04rest") == must_be
    assert refusal("report.rtf", b"{\\rtf1 report}") == must_be
    # The name is only a hint: an executable called .txt is still an executable.
    assert refusal("report.txt", b"MZ\x90\x00\x03" + b"\x01" * 200) == must_be
    assert refusal("report.txt", b"\x89PNG\r\n\x1a\n" + b"\x01" * 200) == must_be


def test_text_named_as_pdf_or_word_is_refused():
    text = SUNDERLAND.read_bytes()[:5000]
    assert refusal("report.pdf", text) == "The file name ends in .pdf but the file is not a PDF"
    assert refusal("report.docx", text) == (
        "The file name ends in .docx but the file is not a Word document"
    )


def test_binary_named_as_text_is_refused():
    noise = random.Random(7).randbytes(4096)  # noqa: S311  (repeatable noise)
    assert refusal("report.txt", noise).startswith("The file does not contain text")
    # No NUL bytes at all, but mostly control characters.
    controls = bytes(range(1, 32)) * 50
    assert refusal("report.txt", controls).startswith("The file does not contain text")
    # A few stray control characters in real text are removed, not refused.
    text = b"Ratings table. " * 20 + b"\x01\x02"
    assert read_report("report.txt", text) == "Ratings table. " * 19 + "Ratings table."


# ----- Pasted text --------------------------------------------------------------------------


def test_pasted_text_is_normalised_and_refused_when_empty_or_too_large():
    source = NEL.read_text(encoding="utf-8")
    pasted = source.replace("\n", "\r\n").replace(" should:", "\u00a0should:")
    assert read_pasted_text(pasted) == normalise_text(source)
    assert "The Partnership Board should:" in read_pasted_text(pasted)

    with pytest.raises(ReportFileError, match=r"^The pasted text is empty$"):
        read_pasted_text(" \r\n\t\u00a0 ")
    with pytest.raises(ReportFileError, match=r"^The pasted text is larger than 1 KB$"):
        read_pasted_text("é" * 600, max_bytes=1024)  # 600 characters, 1,200 bytes
    assert read_pasted_text("é" * 500, max_bytes=1024) == "é" * 500
