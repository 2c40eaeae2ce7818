"""Benchmark: suggested key lines of enquiry against the plan North East Lincolnshire's board
published, and the time `suggest_key_lines` takes.

For each of the inspectorate's recommendations 1-8, prints each key line the board chose and
the rank (1-3, duplicates collapsed) at which a suggestion matches it, then how many of them the
top three hold. The measure is `measure_against_published_plan` in `tests/test_key_lines.py`,
which the test asserts on too. Timing is the median of repeated runs, given as a ratio to merely
reading the report file. Run with `.venv/bin/python bench/key_lines.py`.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` is importable from here

from timing import median_time  # bench/timing.py, beside this script

from tests.test_key_lines import NEL_REPORT, TOP, measure_against_published_plan
from tracker.reports.extraction import extract_report
from tracker.reports.key_lines import suggest_key_lines


def main() -> None:
    extraction = extract_report(NEL_REPORT.read_text())
    recommendations, findings = extraction.recommendations, extraction.findings
    print(f"{NEL_REPORT.name}: {len(recommendations)} recommendations, {len(findings)} findings")
    suggestions = suggest_key_lines(recommendations, findings)
    found, total, details = measure_against_published_plan(suggestions)

    texts = {r.number: r.text for r in recommendations}
    shown = None
    for number, key_line, rank in details:
        if number != shown:
            print(f"\n{number}. {texts.get(number, '(not extracted)')}")
            shown = number
        where = f"rank {rank}" if rank else f"not in top {TOP}"
        print(f"  [{where:>14}] {key_line}")

    improvements = [f for f in findings if f.kind == "improvement"]
    print(
        f"\n{found} of {total} key lines of enquiry found in the top three "
        f"({100 * found / total:.0f}%)"
    )
    print(
        f"{len(suggestions.unmatched)} of {len(improvements)} improvement findings "
        "match no recommendation"
    )
    for finding in suggestions.unmatched:
        print(f"  - {finding.text}")

    reading = median_time(NEL_REPORT.read_text)
    suggesting = median_time(lambda: suggest_key_lines(recommendations, findings))
    print(f"\nreading the report file: {reading * 1000:.3f} ms")
    print(
        f"suggest_key_lines ({len(recommendations)} recommendations x {len(improvements)} "
        f"findings): {suggesting * 1000:.2f} ms, {suggesting / reading:.0f}x reading the file"
    )


if __name__ == "__main__":
    main()
