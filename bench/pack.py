"""Benchmark: making the board pack as a PDF.

For the demo plan and for a generated plan of 60 recommendations with 8 quarters of approved
updates (300-900 characters of progress each), the time and peak memory to make the pack:
gathering its context, rendering its HTML and writing the tagged PDF through the restricted
fetcher. The baseline, measured in the same run, is WeasyPrint writing the same HTML on its own
with default options. Times are wall and CPU medians, the two run in turn; peak memory is the
largest resident set of a fresh process making one pack. Run with `make bench`.
Targets: demo under 2 s; the large plan under 20 s and 600 MB; at most 25% over WeasyPrint.
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from plan_data import add_large_plan  # bench/plan_data.py, beside this script
from pypdf import PdfReader
from timing import median_time
from weasyprint import HTML

from tracker import ROOT, create_app
from tracker.db import get_db, open_database, scalar
from tracker.demo import load_demo
from tracker.pack import pack_html
from tracker.pack.render import render_pdf

# Relative URLs in the pack are static files, for WeasyPrint alone as for our renderer.
BASE_URL = (ROOT / "static").resolve().as_uri() + "/"
TARGET_SECONDS = {"demo": 2, "large": 20}
TARGET_PEAK_MB = 600
TARGET_OVERHEAD = 0.25
# Each peak is measured in a fresh interpreter that imports only what that way of making the
# pack needs, so the baseline is not charged for the app's modules, nor ours for this script's.
# The process reports its own VmHWM: the kernel's ru_maxrss for a child starts from the
# parent's peak at the fork, which would hide the child's own.
REPORT_PEAK = """
import re
print(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())[1])
"""
ALONE_PROCESS = (
    """
import sys
from pathlib import Path
from weasyprint import HTML
pdf = HTML(string=Path(sys.argv[1]).read_text(), base_url=sys.argv[2]).write_pdf()
Path(sys.argv[3]).write_bytes(pdf)
"""
    + REPORT_PEAK
)
OUR_PROCESS = (
    """
import sys
from datetime import date
from pathlib import Path
from tracker import create_app
from tracker.db import get_db
from tracker.pack import pack_html
from tracker.pack.render import render_pdf
database, plan_id, quarter, made_on, title, output = sys.argv[1:]
with create_app({"DATABASE": database, "SECRET_KEY": "bench"}).app_context():
    html = pack_html(get_db(), int(plan_id), quarter, date.fromisoformat(made_on))
    Path(output).write_bytes(render_pdf(html, title))
"""
    + REPORT_PEAK
)

PROGRESS = (
    "The multi-agency audit of twenty cases was completed in the quarter and reported to the "
    "board's quality sub-group.",
    "Case managers have attended the new assessment training, and the service will audit "
    "whether plans now reflect it.",
    "A joint protocol with children's social care has been agreed and is being tested in the "
    "out-of-court disposal panel.",
    "Police and the service now share information about arrests within one working day, "
    "although weekend notifications are still delayed.",
    "The education lead has mapped every child known to the service to a named school contact "
    "and a current education plan.",
    "Recruitment to the vacant health practitioner post has not succeeded; the post has been "
    "advertised again with a revised job description.",
    "Management oversight is now recorded on every case file, and the deputy manager samples "
    "five files a month to check its quality.",
    "Victim contact is offered in all cases where there is an identifiable victim; take-up "
    "remains low and the reasons are being explored.",
    "The board received a presentation from the speech and language therapist on the needs "
    "found in screening so far.",
    "Disproportionality data for the last two years has been analysed by ethnicity, and the "
    "findings were discussed at the board's development session.",
    "Two practice workshops on contingency planning were held, and practitioners' feedback "
    "has been used to update the planning template.",
    "The resettlement policy has been rewritten with the secure estate and agreed by "
    "children's services and housing.",
)
IMPACT = (
    "Audit scores for assessment quality rose from 54% to 71% over the two quarters.",
    "Every child released from custody this quarter had suitable accommodation on the day of "
    "release.",
    "Fewer children were referred to court for low-level offences than in the same quarter "
    "last year.",
    "Practitioners report that the new template makes risk to others easier to record.",
)
NEXT_STEPS = (
    "Repeat the audit in the next quarter and report the findings to the board.",
    "Agree the information-sharing agreement with the new police command.",
    "Complete the training for the remaining case managers by the end of the quarter.",
    "Present the analysis to the scrutiny panel with an action plan.",
)
CORRECTIVE = (
    "The head of service will meet the partner's senior manager within two weeks and bring a "
    "recovery plan to the next board meeting."
)
STATUS_STEPS = {
    "red": ("red", "amber", "amber"),
    "amber": ("red", "amber", "amber", "green"),
    "green": ("amber", "green", "green", "blue"),
    "blue": ("blue",),
}


def realistic_update(number: int, quarter_index: int) -> dict:
    """An update for the generated plan, the same on every run: a status that drifts from
    quarter to quarter, 300-900 characters of progress in one to three paragraphs, impact and
    next steps, and a corrective action when it is Red."""
    statuses = random.Random(number)  # noqa: S311 - repeatable test data, not secrets
    status = statuses.choice(("red", "amber", "amber", "green"))
    for _ in range(quarter_index):
        status = statuses.choice(STATUS_STEPS[status])
    words = random.Random(number * 100 + quarter_index)  # noqa: S311
    length, sentences = words.randint(300, 900), []
    while sum(len(s) + 1 for s in sentences) < length:
        sentences.append(words.choice(PROGRESS))
    cuts = sorted(words.sample(range(1, len(sentences)), min(2, len(sentences) - 1)))
    paragraphs = [" ".join(sentences[a:b]) for a, b in zip([0, *cuts], [*cuts, None], strict=True)]
    return {
        "status": status,
        "narrative": "\n\n".join(paragraphs),
        "impact": words.choice(IMPACT),
        "next_steps": " ".join(words.sample(NEXT_STEPS, 2)),
        "corrective_action": CORRECTIVE if status == "red" else "",
    }


def make_databases(folder: Path) -> list[tuple[str, Path, int, str, date, int]]:
    """The demo database, and a copy of it with the large plan added; returns each case as
    (name, database, plan id, quarter, date made, timing repeats)."""
    demo = folder / "demo.db"
    db = open_database(demo)
    demo_plan = load_demo(db)
    db.close()
    large = folder / "large.db"
    shutil.copy(demo, large)
    db = open_database(large)
    with db.atomic():
        large_plan = add_large_plan(db, board_id=1, update_fields=realistic_update)
    db.close()
    return [
        ("demo", demo, demo_plan, "2022/23 Q3", date(2023, 1, 16), 5),
        ("large", large, large_plan, "2024/25 Q4", date(2025, 4, 14), 3),
    ]


def our_pack(plan_id: int, quarter: str, made_on: date, title: str) -> bytes:
    """The pack as the app makes it: context, HTML, then the restricted, tagged PDF. The same
    steps as OUR_PROCESS."""
    return render_pdf(pack_html(get_db(), plan_id, quarter, made_on), title)


def weasyprint_alone(html: str) -> bytes:
    """The baseline: WeasyPrint writing the same HTML with its default options."""
    return HTML(string=html, base_url=BASE_URL).write_pdf()


def app_on(database: Path):
    return create_app({"DATABASE": str(database), "SECRET_KEY": "bench"})


def peak_mb(code: str, *arguments) -> float:
    """The largest resident set, in MB, of a fresh Python process running `code`."""
    finished = subprocess.run(  # noqa: S603 - this interpreter, this script's own code
        [sys.executable, "-c", code, *map(str, arguments)],
        capture_output=True,
        text=True,
    )
    if finished.returncode:
        sys.exit(f"Making a pack in a fresh process failed:\n{finished.stderr}")
    return int(finished.stdout.split()[-1]) / 1024


def pages(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


def alternate_medians(first, second, repeats: int) -> dict[str, tuple[float, float]]:
    """The median wall and CPU times of two functions run in turn, so that a change in the
    load on a shared machine falls on both alike rather than on whichever ran second. CPU
    time is this process's own, which others' work on the machine changes less."""
    wall, cpu = ([], []), ([], [])
    for _ in range(repeats):
        for index, function in enumerate((first, second)):
            started = time.process_time()
            wall[index].append(median_time(function, repeats=1))
            cpu[index].append(time.process_time() - started)
    return {
        "wall": (statistics.median(wall[0]), statistics.median(wall[1])),
        "cpu": (statistics.median(cpu[0]), statistics.median(cpu[1])),
    }


def measure(name, database, plan_id, quarter, made_on, repeats, folder) -> dict:
    """Median times in this process; peak memory and pages from one pack in a fresh one.
    Each measure is a pair: (WeasyPrint alone, ours)."""
    with app_on(database).app_context():
        db = get_db()
        title = scalar(db, "SELECT title FROM plans WHERE id = ?", plan_id)
        html = pack_html(db, plan_id, quarter, made_on)
        times = alternate_medians(
            lambda: weasyprint_alone(html),
            lambda: our_pack(plan_id, quarter, made_on, title),
            repeats,
        )
    html_file, alone_pdf, our_pdf = (
        folder / f"{name}{end}" for end in (".html", "-alone.pdf", ".pdf")
    )
    html_file.write_text(html)
    return {
        **times,
        "peak": (
            peak_mb(ALONE_PROCESS, html_file, BASE_URL, alone_pdf),
            peak_mb(OUR_PROCESS, database, plan_id, quarter, made_on.isoformat(), title, our_pdf),
        ),
        "pages": (pages(alone_pdf), pages(our_pdf)),
        "html_kb": len(html.encode()) / 1024,
    }


def overhead(pair: tuple[float, float]) -> float:
    alone, ours = pair
    return ours / alone - 1


def print_row(label: str, pair: tuple[float, float], unit: str, decimals: int) -> None:
    alone, ours = pair
    print(
        f"  {label:32} {alone:{15 - len(unit)}.{decimals}f} {unit} "
        f"{ours:{9 - len(unit)}.{decimals}f} {unit} {ours / alone:6.2f}x  ({overhead(pair):+.0%})"
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        cases = make_databases(Path(folder))
        # Wall times stretch when others share the machine; CPU times less so.
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs at the start")
        print(f"{'board pack':34} {'WeasyPrint alone':>16} {'ours':>10} {'ratio':>7}")
        for name, database, plan_id, quarter, made_on, repeats in cases:
            result = measure(name, database, plan_id, quarter, made_on, repeats, Path(folder))
            results[name] = result
            label = "demo plan" if name == "demo" else "60 recommendations x 8 quarters"
            alone_pages, our_pages = result["pages"]
            print(
                f"{label}, {quarter} ({our_pages} pages, {result['html_kb']:.0f} KB of HTML)"
                + ("" if alone_pages == our_pages else f"; {alone_pages} pages alone")
            )
            print_row(f"wall time (median of {repeats})", result["wall"], "s", 2)
            print_row(f"CPU time (median of {repeats})", result["cpu"], "s", 2)
            print_row("peak memory (fresh process)", result["peak"], "MB", 0)
    demo, large = results["demo"], results["large"]
    wall_overheads = [overhead(r["wall"]) for r in (demo, large)]
    cpu_overheads = [overhead(r["cpu"]) for r in (demo, large)]
    print(
        f"targets: demo under {TARGET_SECONDS['demo']} s "
        f"{verdict(demo['wall'][1] < TARGET_SECONDS['demo'])}; "
        f"large under {TARGET_SECONDS['large']} s "
        f"{verdict(large['wall'][1] < TARGET_SECONDS['large'])}, "
        f"under {TARGET_PEAK_MB} MB {verdict(large['peak'][1] < TARGET_PEAK_MB)}; "
        f"overhead at most {TARGET_OVERHEAD:.0%} "
        f"{verdict(max(wall_overheads) <= TARGET_OVERHEAD)} (wall), "
        f"{verdict(max(cpu_overheads) <= TARGET_OVERHEAD)} (CPU)"
    )


if __name__ == "__main__":
    main()
