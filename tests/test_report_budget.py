"""Reading a report runs in a child process with a time and memory budget: a report over
budget is refused in words and nothing is stored; a report within it reads as it always did."""

import html
import io
import multiprocessing.forkserver
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from tests.conftest import REPORTS
from tests.test_report_import import SUNDERLAND_FILE, upload
from tracker.reports.budget import (
    TOO_MUCH_MEMORY,
    TOO_SLOW,
    Budget,
    ReadReport,
    read_within_budget,
)
from tracker.reports.extraction import extract_report
from tracker.reports.formats import (
    MAX_UPLOAD_BYTES_DEFAULT,
    TOO_MANY_LINES,
    ReportFileError,
    read_pasted_text,
    read_report,
)

OFSTED_PDFS = sorted((REPORTS / "ofsted").glob("*.pdf"))


def text_pdf(pages: int, operators: int, *, shared: bool) -> bytes:
    """A PDF of `pages` pages, each drawn by a content stream of `operators` words placed one
    by one: one stream for every page when `shared`, else a stream of its own for each."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = writer._add_object(
        DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    )

    def content(page: int):
        stream = DecodedStreamObject()
        stream.set_data(
            b"".join(
                b"BT /F1 9 Tf %d %d Td (word%d) Tj ET\n"
                % (50 + i % 7 * 70, 50 + i % 90 * 8, page * operators + i)
                for i in range(operators)
            )
        )
        return writer._add_object(stream)

    first = content(0)
    for number in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = first if shared or number == 0 else content(number)
        page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def shared_stream_pdf() -> bytes:
    """500 pages that all show one content stream of 100 lines: minutes of pypdf's time when
    every page is read on its own."""
    return text_pdf(500, 100, shared=True)


@pytest.fixture(scope="module")
def slow_pdf() -> bytes:
    """40 pages of 2,000 words placed one by one, each page its own stream: several seconds."""
    return text_pdf(40, 2000, shared=False)


def astral_text(megabytes: int) -> bytes:
    """Text whose characters take four bytes each in Python: a few copies of it, as reading
    makes, are several times its size."""
    line = "Recommendations \U0001f600 and what needs to improve\n"
    return (line * (megabytes * 1024 * 1024 // len(line.encode()))).encode()


def reading_children() -> list[int]:
    """The processes the forkserver has forked and not yet reaped (zombies included)."""
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    children = []
    for folder in Path("/proc").iterdir():
        if folder.name.isdigit():
            try:
                stat = (folder / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == server:
                children.append(int(folder.name))
    return children


def test_a_normal_report_reads_the_same_within_the_budget():
    data = SUNDERLAND_FILE.read_bytes()
    read = read_within_budget(SUNDERLAND_FILE.name, data, MAX_UPLOAD_BYTES_DEFAULT, Budget())
    text = read_report(SUNDERLAND_FILE.name, data)
    assert read == ReadReport(text, extract_report(text))
    assert len(read.extraction.recommendations) == 5


def test_pasted_text_reads_the_same_within_the_budget():
    pasted = SUNDERLAND_FILE.read_text().replace("\n", "\r\n")
    read = read_within_budget("pasted", pasted.encode(), 10**7, Budget(), pasted=True)
    text = read_pasted_text(pasted, 10**7)
    assert read == ReadReport(text, extract_report(text))


@pytest.mark.parametrize("path", OFSTED_PDFS, ids=lambda path: path.name)
def test_real_pdfs_read_the_same_within_the_budget(path):
    data = path.read_bytes()
    started = time.perf_counter()
    read = read_within_budget(path.name, data, MAX_UPLOAD_BYTES_DEFAULT, Budget())
    assert time.perf_counter() - started < 5
    text = read_report(path.name, data)
    assert read == ReadReport(text, extract_report(text))


def test_refusals_come_back_in_the_readers_words():
    with pytest.raises(ReportFileError, match="The file is empty"):
        read_within_budget("empty.txt", b"", 100, Budget())
    with pytest.raises(ReportFileError, match="larger than 100 bytes"):
        read_within_budget("pasted", b"x" * 101, 100, Budget(), pasted=True)


def test_the_shared_stream_pdf_is_read_once_a_stream_and_in_time(shared_stream_pdf):
    assert len(shared_stream_pdf) < 90_000
    started = time.perf_counter()
    read = read_within_budget("shared.pdf", shared_stream_pdf, MAX_UPLOAD_BYTES_DEFAULT, Budget())
    assert time.perf_counter() - started < 10
    # Every page shows the stream's words, as a PDF viewer would (less the first and last
    # lines, which being on every page are taken for a running header and footer).
    assert read.text.count("\nword50\n") == 500


def test_the_outside_tests_shared_stream_pdf_of_160000_lines_is_refused_in_time():
    # 79 KB, 500 pages of the one stream of 320 lines: more lines than any report has.
    pdf = text_pdf(500, 320, shared=True)
    assert 70_000 < len(pdf) < 90_000
    started = time.perf_counter()
    with pytest.raises(ReportFileError) as refused:
        read_within_budget("shared.pdf", pdf, MAX_UPLOAD_BYTES_DEFAULT, Budget())
    assert time.perf_counter() - started < 10
    assert str(refused.value) == TOO_MANY_LINES


def test_a_paste_of_a_million_short_lines_is_refused_at_once():
    started = time.perf_counter()
    with pytest.raises(ReportFileError) as refused:
        read_pasted_text("\u2022\n" * 1_000_000)
    assert time.perf_counter() - started < 1
    assert str(refused.value) == TOO_MANY_LINES


def test_a_reading_over_time_is_refused_and_its_child_is_gone(slow_pdf):
    started = time.perf_counter()
    with pytest.raises(ReportFileError) as refused:
        read_within_budget("slow.pdf", slow_pdf, MAX_UPLOAD_BYTES_DEFAULT, Budget(seconds=1))
    assert time.perf_counter() - started < 3
    assert str(refused.value) == TOO_SLOW.format(seconds=1)
    assert "(more than 1 seconds)" in str(refused.value)
    assert reading_children() == []  # killed and reaped: no zombie


def test_a_reading_over_its_memory_is_refused():
    with pytest.raises(ReportFileError) as refused:
        read_within_budget("big.txt", astral_text(10), 20 * 1024 * 1024, Budget(memory_mb=50))
    assert str(refused.value) == TOO_MUCH_MEMORY.format(megabytes=50)
    assert reading_children() == []


def test_an_upload_over_time_is_refused_on_the_form_and_nothing_stored(
    app, admin, count_rows, db, slow_pdf
):
    app.config["READ_SECONDS"] = 1
    before = count_rows()
    response = upload(admin, "slow.pdf", slow_pdf)
    assert response.status_code == 400
    assert html.escape(TOO_SLOW.format(seconds=1)) in response.text
    assert count_rows() == before
    assert db.execute("SELECT count(*) FROM report_readings").fetchone()[0] == 0


def test_an_upload_over_its_memory_is_refused_on_the_form_and_nothing_stored(
    app, admin, count_rows, db
):
    app.config["READ_MEMORY_MB"] = 50
    before = count_rows()
    response = upload(admin, "big.txt", astral_text(10))
    assert response.status_code == 400
    assert html.escape(TOO_MUCH_MEMORY.format(megabytes=50)) in response.text
    assert count_rows() == before
    assert db.execute("SELECT count(*) FROM report_imports").fetchone()[0] == 0


def test_an_upload_within_budget_makes_the_draft_as_before(admin, db):
    response = upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    assert response.status_code == 302
    (row,) = db.query("SELECT source_text FROM report_imports")
    assert row["source_text"] == read_report("sunderland.txt", SUNDERLAND_FILE.read_bytes())


def test_the_budget_settings_are_checked(app):
    from tracker.security import settings_problems

    assert settings_problems({**app.config, "READ_SECONDS": 0}) == [
        "TRACKER_READ_SECONDS must be 1 or more."
    ]
    assert settings_problems({**app.config, "READ_MEMORY_MB": 0}) == [
        "TRACKER_READ_MEMORY_MB must be 1 or more."
    ]
