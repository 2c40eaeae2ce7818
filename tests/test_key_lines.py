"""Suggesting key lines of enquiry: unit tests on hand-made examples, and the measure against the
plan North East Lincolnshire's board actually published (shared with `bench/key_lines.py`)."""

import re

import pytest
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from tests.conftest import NEL_REPORT
from tests.test_demo import published_plan_rows
from tracker.reports.extraction import extract_report
from tracker.reports.key_lines import STOPWORDS, KeyLineSuggestions, stem, suggest_key_lines, tokens
from tracker.reports.model import Finding, Recommendation

TOP = 3  # a published key line counts as found among this many suggestions
KEY_LINE_RATIO = 80  # the board lightly reworded some findings
TARGET = 0.8

# ---------------------------------------------------------------------------------------------
# The measure: how many of the board's published key lines are in our top three.


def _same_text(a: str, b: str) -> bool:
    return fuzz.ratio(a, b, processor=default_process) >= KEY_LINE_RATIO


def measure_against_published_plan(
    suggestions: KeyLineSuggestions,
) -> tuple[int, int, list[tuple[int, str, int | None]]]:
    """(found, total, details): for each key line the NEL board published beside
    recommendations 1-8, the rank (1-based, duplicates collapsed) at which a suggestion or one of
    its duplicates matches it, or None when none of the top three does."""
    details = []
    for row in published_plan_rows():
        number = int(row[0][0].split(".")[0])
        if number > 8:  # 9 and 10 are the board's own, not the inspectorate's
            continue
        top = suggestions.by_recommendation.get(number, [])[:TOP]
        for key_line in row[1]:
            rank = next(
                (
                    rank
                    for rank, s in enumerate(top, start=1)
                    if any(_same_text(key_line, f.text) for f in (s.finding, *s.duplicates))
                ),
                None,
            )
            details.append((number, key_line, rank))
    found = sum(rank is not None for _, _, rank in details)
    return found, len(details), details


# ---------------------------------------------------------------------------------------------
# Unit tests on small hand-made examples.


def rec(number: int, text: str) -> Recommendation:
    return Recommendation(number=number, addressee="The service", text=text, position=number)


def finding(text: str, position: int, kind: str = "improvement") -> Finding:
    return Finding(code="1.1", kind=kind, text=text, position=position)


DATA = finding("The board needs to scrutinise data trends about the children it works with.", 10)
ESCALATION = finding("Staff need quicker escalation of concerns to senior managers.", 20)
SPEECH = finding("There needs to be direct access to speech and language therapy.", 30)
APPRAISAL = finding("The appraisal process needs to be timely.", 40)
FINDINGS = [DATA, ESCALATION, SPEECH, APPRAISAL]


def suggested(result: KeyLineSuggestions, number: int) -> list[Finding]:
    return [s.finding for s in result.by_recommendation[number]]


def test_an_obviously_related_finding_is_ranked_first():
    recommendations = [
        rec(1, "develop data analysis processes to explore trends in data"),
        rec(2, "support staff so that they know when to escalate concerns"),
        rec(3, "advocate for access to speech, language, and communication therapy"),
    ]
    result = suggest_key_lines(recommendations, FINDINGS)
    assert [suggested(result, n)[0] for n in (1, 2, 3)] == [DATA, ESCALATION, SPEECH]
    for suggestions in result.by_recommendation.values():
        scores = [s.score for s in suggestions]
        assert all(0 <= score <= 1 for score in scores)
        assert scores == sorted(scores, reverse=True)


def test_strengths_are_never_suggested_nor_listed():
    strength = finding("Data trends are scrutinised well by the board.", 5, kind="strength")
    result = suggest_key_lines([rec(1, "scrutinise data trends")], [strength, *FINDINGS])
    assert suggested(result, 1) == [DATA]
    assert strength not in result.unmatched


def test_one_finding_can_serve_two_recommendations():
    recommendations = [rec(1, "escalate concerns to partners"), rec(2, "train senior managers")]
    result = suggest_key_lines(recommendations, FINDINGS)
    assert suggested(result, 1) == [ESCALATION]
    assert suggested(result, 2) == [ESCALATION]


def test_findings_no_recommendation_answers_are_listed_as_unmatched():
    result = suggest_key_lines([rec(1, "explore data trends")], FINDINGS)
    assert suggested(result, 1) == [DATA]
    assert result.unmatched == [ESCALATION, SPEECH, APPRAISAL]


def test_a_word_every_finding_uses_does_not_make_a_match():
    findings = [finding("Children wait for reviews.", 1), finding("Children lack plans.", 2)]
    result = suggest_key_lines([rec(1, "listen to children")], findings)
    assert result.by_recommendation[1] == []
    assert result.unmatched == findings


def test_near_duplicates_collapse_into_one_suggestion_that_keeps_the_others():
    summary = finding(
        "The service needs to analyse its data in more depth to understand the cohort of "
        "children and explore any trends, such as the high proportion of girls.",
        1,
    )
    body = finding(
        "The service needs to analyse its data in more depth to understand the cohort of "
        "children and explore any trends.",
        500,
    )
    reworded = finding("The board needs to scrutinise data trends in order to act.", 600)
    findings = [body, summary, reworded, APPRAISAL, SPEECH]
    result = suggest_key_lines([rec(1, "explore trends in data")], findings)
    first, second = result.by_recommendation[1]
    assert {first.finding, *first.duplicates} == {summary, body}
    assert second.finding == reworded and second.duplicates == ()
    assert result.unmatched == [APPRAISAL, SPEECH]


def test_empty_inputs():
    assert suggest_key_lines([], []) == KeyLineSuggestions(by_recommendation={}, unmatched=[])
    assert suggest_key_lines([], FINDINGS).unmatched == FINDINGS
    assert suggest_key_lines([rec(1, "explore data trends")], []).by_recommendation == {1: []}
    assert suggest_key_lines([rec(1, "")], FINDINGS).by_recommendation == {1: []}


def test_per_recommendation_limits_each_list():
    findings = [
        finding("Girls' outcomes need analysis with data from the police.", 1),
        finding("Exploitation data is not analysed.", 2),
        finding("Analysis of victims' views lacks data.", 3),
        APPRAISAL,
        SPEECH,
    ]
    result = suggest_key_lines([rec(1, "analyse data")], findings, per_recommendation=2)
    assert len(result.by_recommendation[1]) == 2
    assert len(result.unmatched) == len(findings) - 2


def _content_words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower().replace("\u2019", "'"))) - STOPWORDS


def test_evidence_is_real_words_from_both_texts():
    recommendations = [
        rec(1, "Support staff and managers so that they know when to escalate concerns"),
        rec(2, "advocate for direct speech, language, and communication therapy"),
    ]
    result = suggest_key_lines(recommendations, FINDINGS)
    assert result.by_recommendation[1][0].evidence == (
        "Staff",
        "escalate concerns ~ escalation of concerns",
        "managers",
    )
    # "language" and "therapy" are not neighbours in the recommendation, so not one phrase.
    assert result.by_recommendation[2][0].evidence == ("direct", "speech and language", "therapy")
    for recommendation in recommendations:
        for suggestion in result.by_recommendation[recommendation.number]:
            assert suggestion.evidence
            for shown in suggestion.evidence:
                in_recommendation, _, in_finding = shown.rpartition(" ~ ")
                assert in_finding in suggestion.finding.text
                in_both = in_recommendation or in_finding
                assert _content_words(in_both) <= _content_words(recommendation.text)


def test_the_stemmer_brings_word_families_together_and_keeps_others_apart():
    assert stem("escalate") == stem("escalation") == stem("escalating") == stem("escalated")
    assert stem("operational") == stem("operationally") == stem("operations")
    assert stem("analyse") == stem("analysis") == stem("analysing")
    assert stem("planning") == stem("plans")
    assert stem("diversity") != stem("diversion")
    assert stem("carers") != stem("care")
    assert [t.term for t in tokens("The YOS\u2019s children's out-of-court work")] == [
        "child",
        "outofcourt",
        "work",
    ]


# ---------------------------------------------------------------------------------------------
# The real report and the plan its board published.


@pytest.fixture(scope="module")
def nel_report() -> tuple[list[Finding], KeyLineSuggestions]:
    extraction = extract_report(NEL_REPORT.read_text())
    return extraction.findings, suggest_key_lines(extraction.recommendations, extraction.findings)


def test_most_of_the_published_key_lines_are_in_the_top_three(nel_report):
    found, total, details = measure_against_published_plan(nel_report[1])
    missed = [(number, line) for number, line, rank in details if rank is None]
    assert total == 16
    assert found / total >= TARGET, missed


def test_every_nel_improvement_finding_is_suggested_or_listed_as_unmatched(nel_report):
    findings, suggestions = nel_report
    shown = [
        f.position
        for suggestions_ in suggestions.by_recommendation.values()
        for s in suggestions_
        for f in (s.finding, *s.duplicates)
    ] + [f.position for f in suggestions.unmatched]
    assert set(shown) == {f.position for f in findings if f.kind == "improvement"}
