"""Benchmark: reading inspection reports.

For each shared report, the time to extract everything from its text, and for a PDF made
from the longest report, the time to read the PDF and extract; each beside the time to merely
read the file's bytes (the baseline, measured in the same run). Then hostile text, made to
make backtracking regular expressions slow (long runs of dots, spaces, "[" or capitals), as
long as the longest report, each beside the time to extract that report; and a 2 MB paste
of every kind of hostile line, beside the longest report repeated to 2 MB. Run with
`make bench`. Targets: under 0.5 s for the longest text, under 5 s for a 50-page PDF, and
hostile text no slower than a real report of its size (a 2 MB paste under 1 s).
"""

import html
import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader
from timing import median_time  # bench/timing.py, beside this script

from tracker.reports.extraction import extract_report
from tracker.reports.formats import read_pasted_text, read_report

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "reports"


def pdf_of(text: str) -> bytes:
    """The report as a paginated PDF, with a running header and page numbers to strip."""
    from weasyprint import HTML

    page = f"""<html><head><style>
      @page {{ size: A4; margin: 2.5cm 2cm;
        @top-center {{ content: "Inspection of youth offending services"; font-size: 9pt }}
        @bottom-center {{ content: counter(page); font-size: 9pt }} }}
      body {{ font-family: sans-serif; font-size: 11pt }}
      pre {{ white-space: pre-wrap; font-family: inherit }}
    </style></head><body><pre>{html.escape(text)}</pre></body></html>"""
    return HTML(string=page).write_pdf()


def filled(unit: str, size: int) -> str:
    """`unit` repeated to `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


# Hostile text of a given size, each aimed at a pattern that backtracked (or at the code
# around one). Lines are long: a run must not be cut by a line end to do harm.
HOSTILE = {
    "dots (contents entry)": lambda size: "." * size,
    '"[" (Markdown link)': lambda size: "[" * size,
    '"[](" (Markdown link)': lambda size: filled("[](", size),
    '"<" (HTML tag)': lambda size: "<" * size,
    "capitals (service name)": lambda size: "A" * size,
    "spaces, no number (contents)": lambda size: "a" + " " * (size - 2) + "a",
    "a long word, no 'should'": lambda size: "A" + "a" * (size - 1),
    '"made " (announced count)': lambda size: filled("made ", size),
    "bullets, one a line": lambda size: filled("\u2022\n", size),
    "one long wrapped item": lambda size: (
        "The service should:\n- a\n" + filled("b" * 99 + "\n", size)
    ),
    "ratings rows of 1,000 words": lambda size: (
        "Ratings\n" + filled("1.1 Area " + "a " * 1000 + "\n", size)
    ),
}


def hostile_paste(size: int) -> str:
    """Every kind of hostile text above in lines of 20 to 100 thousand characters, in turn."""
    block = "\n".join(make(50_000) for make in HOSTILE.values()) + "\n"
    return filled(block, size)


def bench_hostile(longest: Path) -> None:
    real = longest.read_text()
    size = len(real)
    real_time = median_time(lambda: extract_report(real), repeats=5)
    print(f"\n{'hostile text (' + f'{size:,} characters)':45} {'extract':>10} {'vs report':>10}")
    print(f"{longest.name + ' (the baseline)':45} {real_time * 1000:8.1f}ms {1:9.1f}x")
    for name, make in HOSTILE.items():
        text = make(size)
        took = median_time(lambda text=text: extract_report(text), repeats=5)
        print(f"{name:45} {took * 1000:8.1f}ms {took / real_time:9.1f}x")
    # The upload path: a paste is normalised, then read.
    big = 2_000_000
    real_big = filled(real + "\n", big)
    paste = hostile_paste(big)
    real_time = median_time(lambda: extract_report(read_pasted_text(real_big)), repeats=3)
    took = median_time(lambda: extract_report(read_pasted_text(paste)), repeats=3)
    print(f"{longest.stem + ' repeated to 2 MB, pasted':45} {real_time * 1000:8.1f}ms {1:9.1f}x")
    print(f"{'2 MB of hostile lines, pasted':45} {took * 1000:8.1f}ms {took / real_time:9.1f}x")


def main() -> None:
    if not REPORTS.is_dir():
        sys.exit(f"The shared reports are not at {REPORTS}")
    files = sorted(REPORTS.glob("*.txt"), key=lambda path: path.stat().st_size)
    print(f"{'report':45} {'read file':>10} {'extract':>10} {'ratio':>8}")
    for path in files:
        read = median_time(path.read_bytes)
        text = path.read_text()
        extract = median_time(lambda text=text: extract_report(text))
        print(f"{path.name:45} {read * 1000:8.2f}ms {extract * 1000:8.1f}ms {extract / read:7.0f}x")
    longest = files[-1]
    with tempfile.TemporaryDirectory() as folder:
        pdf_path = Path(folder) / f"{longest.stem}.pdf"
        pdf_path.write_bytes(pdf_of(longest.read_text()))
        pages = len(PdfReader(pdf_path).pages)
        read = median_time(pdf_path.read_bytes)
        whole = median_time(
            lambda: extract_report(read_report(pdf_path.name, pdf_path.read_bytes())), repeats=3
        )
    print(
        f"{pdf_path.name + f' ({pages} pages)':45} {read * 1000:8.2f}ms {whole * 1000:8.1f}ms "
        f"{whole / read:7.0f}x  (PDF to text, then extract)"
    )
    for path in sorted(REPORTS.glob("ofsted/*.pdf")):
        pages = len(PdfReader(path).pages)
        read = median_time(path.read_bytes)
        whole = median_time(
            lambda path=path: extract_report(read_report(path.name, path.read_bytes())), repeats=3
        )
        print(
            f"{path.name + f' ({pages} pages)':45} {read * 1000:8.2f}ms {whole * 1000:8.1f}ms "
            f"{whole / read:7.0f}x  (Ofsted: PDF to text, then extract)"
        )
    bench_hostile(longest)


def shared_stream_pdf(pages: int = 500, operators: int = 100) -> bytes:
    """`pages` pages all drawn by one stream of `operators` words placed one by one (as
    tests/test_report_budget.py builds it). Read page by page, it took over a minute. (With
    320 words a page, the outside test's file, it has more lines than a report may have and
    is refused at once.)"""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    stream = DecodedStreamObject()
    stream.set_data(
        b"".join(
            b"BT /F1 9 Tf %d %d Td (word%d) Tj ET\n" % (50 + i % 7 * 70, 50 + i % 90 * 8, i)
            for i in range(operators)
        )
    )
    content = writer._add_object(stream)
    resources = writer._add_object(
        DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    )
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = content
        page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def budget_figures() -> None:
    """Reading within the budget (tracker.reports.budget: a child process per reading) beside
    reading in the same process, for the real PDFs, the shared-stream PDF and a 2 MB paste.
    Targets: a 2 MB paste under 1 s, a 50-page PDF under 5 s, the shared-stream PDF under 10 s."""
    from tracker.reports.budget import Budget, read_within_budget, start_reader
    from tracker.reports.formats import read_pasted_text

    start_reader()
    read_within_budget("warm.txt", b"The forkserver is started.", 100, Budget())
    sunderland = (REPORTS / "sunderland-2022.txt").read_text()
    paste = (sunderland * (2 * 1024 * 1024 // len(sunderland) + 1))[: 2 * 1024 * 1024]
    inputs = [
        (path.name, path.read_bytes(), False) for path in sorted(REPORTS.glob("ofsted/*.pdf"))
    ]
    inputs += [("shared-stream.pdf", shared_stream_pdf(), False)]
    inputs += [
        ("2 MB paste", paste.encode(), True),
        ("sunderland-2022.txt", sunderland.encode(), False),
    ]
    print(f"\n{'within budget':45} {'same process':>12} {'child':>10} {'overhead':>9}")
    for name, data, pasted in inputs:

        def direct(data=data, pasted=pasted, name=name):
            text = read_pasted_text(data.decode()) if pasted else read_report(name, data)
            return extract_report(text)

        alone = median_time(direct, repeats=3)
        budgeted = median_time(
            lambda data=data, pasted=pasted, name=name: read_within_budget(
                name, data, 20 * 1024 * 1024, Budget(), pasted=pasted
            ),
            repeats=3,
        )
        label = f"{name} ({len(data) // 1024} KB)"
        print(f"{label:45} {alone:11.2f}s {budgeted:9.2f}s {(budgeted - alone) * 1000:7.0f}ms")


if __name__ == "__main__":
    # The budget's child processes are forked from a server that imports this script first:
    # hence the guard, which multiprocessing needs.
    main()
    budget_figures()
