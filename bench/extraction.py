"""Benchmark: reading inspection reports.

For each shared report, the time to extract everything from its text, and for a PDF made
from the longest report, the time to read the PDF and extract; each beside the time to merely
read the file's bytes (the baseline, measured in the same run). Run with `make bench`.
Targets: under 0.5 s for the longest text, under 5 s for a 50-page PDF.
"""

import html
import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader
from timing import median_time  # bench/timing.py, beside this script

from tracker.reports.extraction import extract_report
from tracker.reports.formats import read_report

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


if __name__ == "__main__":
    main()
