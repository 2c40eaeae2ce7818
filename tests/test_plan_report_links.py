"""Matching a board's own plan with its inspection report: tracker.plan_import.report_links."""

import time

import pytest

from tests.conftest import NEL_REPORT, REPORTS
from tests.test_plan_reading import nel_plan_table
from tracker.plan_import.reading import read_plan
from tracker.plan_import.report_links import link_to_report
from tracker.reports.extraction import extract_report


def report_of(path) -> tuple[list[dict], list[str]]:
    """A report's recommendations ({"number", "text"}) and finding texts, as the reader
    finds them."""
    extraction = extract_report(path.read_text())
    recommendations = [{"number": r.number, "text": r.text} for r in extraction.recommendations]
    return recommendations, [finding.text for finding in extraction.findings]


def recommendation(number, text, *key_lines) -> dict:
    return {"number": number, "text": text, "key_lines_of_enquiry": list(key_lines)}


@pytest.fixture(scope="module")
def nel_report():
    return report_of(NEL_REPORT)


def test_the_nel_plan_answers_the_reports_eight_and_adds_two_of_the_boards_own(nel_report):
    report, findings = nel_report
    plan = read_plan([nel_plan_table()])["recommendations"]

    links = link_to_report(plan, report, findings)

    answered = [None if j is None else report[j]["number"] for j in links.recommendations]
    assert answered == [1, 2, 3, 4, 5, 6, 7, 8, None, None]
    assert links.missing == []
    # Every key line of the published plan quotes one of the report's findings.
    for found, quoted in zip(plan, links.key_lines, strict=True):
        assert len(quoted) == len(found["key_lines_of_enquiry"])
        for line, finding in zip(found["key_lines_of_enquiry"], quoted, strict=True):
            assert finding is not None, line
            assert line.split()[0] in findings[finding] or line[:20] in findings[finding]


def test_shortened_and_renumbered_recommendations_are_matched_by_their_wording(nel_report):
    report, findings = nel_report
    plan = [
        recommendation(1, report[4]["text"]),  # the report's fifth, first in the board's plan
        recommendation(2, " ".join(report[0]["text"].split()[:12])),  # its first, shortened
        recommendation(3, "Improve how the board reports to the council"),  # the board's own
    ]

    links = link_to_report(plan, report, findings)

    assert links.recommendations == [4, 0, None]
    assert links.missing == [1, 2, 3, 5, 6, 7]


def test_an_agreeing_number_is_not_enough_without_the_wording(nel_report):
    report, findings = nel_report
    plan = [recommendation(2, "Board development"), recommendation(3, "Supporting staff")]

    assert link_to_report(plan, report, findings).recommendations == [None, None]


def test_an_agreeing_number_lowers_the_bar_for_a_reworded_recommendation():
    report = [
        {"number": 1, "text": "Develop a formal mechanism for gathering the views of victims"},
        {"number": 2, "text": "Review its response to diversity across protected characteristics"},
    ]
    plan = [recommendation(2, "Review our response to diversity and every protected group")]

    assert link_to_report(plan, report, []).recommendations == [1]
    plan[0]["number"] = 7
    assert link_to_report(plan, report, []).recommendations == [None]


def test_two_recommendations_of_the_plan_never_answer_the_same_one_of_the_report(nel_report):
    report, findings = nel_report
    plan = [recommendation(None, report[2]["text"]), recommendation(None, report[2]["text"])]

    assert link_to_report(plan, report, findings).recommendations == [2, None]


def test_key_lines_quote_findings_in_part_or_whole_and_others_are_left_unlinked(nel_report):
    report, findings = nel_report
    whole, passage = findings[0], findings[1]
    quote = " ".join(passage.split()[2:14])
    plan = [recommendation(1, report[0]["text"], whole, quote, "Our own question for the board")]

    (quoted,) = link_to_report(plan, report, findings).key_lines

    assert quoted[0] == findings.index(whole)
    assert findings[quoted[1]] == passage or quote in findings[quoted[1]]
    assert quoted[2] is None


def test_without_a_report_nothing_is_linked():
    plan = [recommendation(1, "Develop", "A key line")]

    links = link_to_report(plan, [], [])

    assert (links.recommendations, links.key_lines, links.missing) == ([None], [[None]], [])


def test_every_report_kept_is_matched_to_itself():
    for path in sorted(REPORTS.glob("*.txt")):
        report, findings = report_of(path)
        plan = [recommendation(r["number"], r["text"]) for r in report]
        assert link_to_report(plan, report, findings).recommendations == list(range(len(report)))


def test_a_plan_of_two_thousand_recommendations_is_matched_quickly(nel_report):
    report, findings = nel_report
    plan = [
        recommendation(n, f"Local action {n} on {report[n % 8]['text'][:40]}", *findings[:3])
        for n in range(2000)
    ]

    started = time.perf_counter()
    links = link_to_report(plan, report, findings)
    # A guard against quadratic work in the number of rows, not a benchmark.
    assert time.perf_counter() - started < 10
    assert len(links.recommendations) == 2000
