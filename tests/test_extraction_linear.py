"""Reading a report takes time in proportion to its length, whatever the text.

Each pattern in tracker.reports.extraction, key_lines and drafts (or the function that
applies it) gets input built to make a backtracking regular expression slow: long runs of
dots, spaces or "[", words that never reach the literal a pattern waits for. Each is timed at
two sizes, n and 4n: linear time means the larger takes about four times as long (allowed:
eight times, plus a little for timer noise), and it must finish well inside a second.
Before these patterns were rewritten, 60,000 dots took over a minute and two million "["
froze a worker. The sizes are those at which the old patterns took seconds or more.
"""

import contextlib
import time

import pytest

from tracker.reports import drafts, key_lines
from tracker.reports import extraction as ex
from tracker.reports.formats import read_pasted_text

BOUND = 1.0  # seconds for the larger input of a pair
NOISE = 0.05  # seconds: timer and scheduler noise on a busy machine


def _seconds(function, argument, repeats: int = 3) -> float:
    """The fastest of `repeats` timings of function(argument), in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function(argument)
        best = min(best, time.perf_counter() - started)
    return best


def _assert_linear(function, make, n: int, bound: float = BOUND) -> None:
    small, large = make(n), make(4 * n)
    t_small = _seconds(function, small)
    t_large = _seconds(function, large)
    print(f"{len(small)} characters {t_small:.4f}s, {len(large)} characters {t_large:.4f}s")
    assert t_large < bound, f"{len(large)} characters took {t_large:.2f}s"
    assert t_large < 8 * t_small + NOISE, f"{t_small:.4f}s, then {t_large:.4f}s for 4 times as much"


# (name, function, input of size about n, n). Functions look the pattern up when called.
CASES = [
    # Contents entries: "Foreword ....... 4" (was a search for a $-anchored pattern).
    ("contents-dots", lambda t: ex._is_contents_entry(t), lambda n: "." * n, 15_000),
    ("contents-spaces", lambda t: ex._is_contents_entry(t), lambda n: "a" + " " * n + "a", 25_000),
    ("contents-tabs", lambda t: ex._is_contents_entry(t), lambda n: "a" + "\t" * n + "x", 25_000),
    ("contents-dot-gaps", lambda t: ex._is_contents_entry(t), lambda n: ".. " * (n // 3), 60_000),
    # clean_text: tags, LaTeX, Markdown links, headings and escapes.
    ("clean-brackets", lambda t: ex.clean_text(t), lambda n: "[" * n, 500_000),
    ("clean-brackets-close", lambda t: ex.clean_text(t), lambda n: "[" * n + "]", 25_000),
    ("clean-link-starts", lambda t: ex.clean_text(t), lambda n: "[](" * (n // 3), 60_000),
    ("clean-link-texts", lambda t: ex.clean_text(t), lambda n: "[a](" * (n // 4) + ")", 60_000),
    ("clean-tags", lambda t: ex.clean_text(t), lambda n: "<" * n, 100_000),
    ("clean-tags-after-close", lambda t: ex.clean_text(t), lambda n: ">" + "<" * n, 100_000),
    ("clean-dollars", lambda t: ex.clean_text(t), lambda n: "$" + "a" * n, 100_000),
    ("clean-many-dollars", lambda t: ex.clean_text(t), lambda n: "$ " * (n // 2), 100_000),
    ("clean-hashes", lambda t: ex.clean_text(t), lambda n: " " * n + "#" * n, 50_000),
    ("clean-escapes", lambda t: ex.clean_text(t), lambda n: "\\" * n, 100_000),
    ("clean-spaces", lambda t: ex.clean_text(t), lambda n: " \t" * (n // 2) + "x", 100_000),
    # Rows of an older report's judgements: "Governance: Satisfactory".
    (
        "theme-row-spaces",
        lambda t: ex._THEME_ROW.match(t),
        lambda n: "Aaaa" + " " * n + "x",
        25_000,
    ),
    ("theme-row-tabs", lambda t: ex._THEME_ROW.match(t), lambda n: "Aaaa" + " \t" * n, 25_000),
    ("theme-row-colons", lambda t: ex._THEME_ROW.match(t), lambda n: "Aaaa" + " :" * n, 25_000),
    # Addressees: "The Probation Service should:".
    ("addressee-spaces", lambda t: ex._ADDRESSEE.match(t), lambda n: "A" + " " * n + "x", 100_000),
    ("addressee-no-should", lambda t: ex._ADDRESSEE.match(t), lambda n: "A" + "a" * n, 100_000),
    (
        "addressee-no-colon",
        lambda t: ex._ADDRESSEE.match(t),
        lambda n: "Ab" + " should" * n,
        20_000,
    ),
    (
        "addressee-spaces-after-should",
        lambda t: ex._ADDRESSEE.match(t),
        lambda n: "Abc" + " " * n + "should" + " " * n + "x",
        50_000,
    ),
    # "The inspectorate has made five recommendations".
    ("announced-made", lambda t: ex._ANNOUNCED.search(t), lambda n: "made " * (n // 5), 100_000),
    ("announced-has", lambda t: ex._ANNOUNCED.search(t), lambda n: "has " * (n // 4), 100_000),
    ("announced-spaces", lambda t: ex._ANNOUNCED.search(t), lambda n: "have" + " " * n, 100_000),
    (
        "announced-made-spaces",
        lambda t: ex._ANNOUNCED.search(t),
        lambda n: ("made" + " " * 50) * (n // 54),
        100_000,
    ),
    # The newer phrasings: "four recommendations that were made", "had offered 18 ...".
    ("announced-counts", lambda t: ex._ANNOUNCED.search(t), lambda n: "5 " * (n // 2), 100_000),
    (
        "announced-count-spaces",
        lambda t: ex._ANNOUNCED.search(t),
        lambda n: ("four recommendations that" + " " * 50) * (n // 75),
        100_000,
    ),
    (
        "announced-offered",
        lambda t: ex._ANNOUNCED.search(t),
        lambda n: ("offered" + " " * 50 + "a total of ") * (n // 68),
        100_000,
    ),
    # Recommendations written as sentences: the section's heading, labels, deadlines,
    # "We recommend that" and "should".
    (
        "opener-spaces",
        lambda t: ex._RECOMMENDATIONS_OPENER.match(t),
        lambda n: "Our" + " " * n + "recommendations for" + " " * n + "x",
        50_000,
    ),
    (
        "opener-name",
        lambda t: ex._RECOMMENDATIONS_OPENER.match(t),
        lambda n: "Recommendations for " + "a " * (n // 2),
        100_000,
    ),
    (
        "label-spaces",
        lambda t: ex._RECOMMENDATION_LABEL.match(t),
        lambda n: "Recommendation" + " " * n + "1" + " " * n + "x",
        50_000,
    ),
    ("lead-in-spaces", lambda t: ex._LEAD_IN.match(t), lambda n: "Not" + " " * n + "x", 100_000),
    ("lead-in-no-comma", lambda t: ex._LEAD_IN.match(t), lambda n: "By " + "a " * n, 50_000),
    (
        "we-recommend-spaces",
        lambda t: ex._WE_RECOMMEND.match(t),
        lambda n: "HM Inspectorate of " + "a" * n + " " * n + "x",
        50_000,
    ),
    (
        "should-spaces",
        lambda t: ex._SHOULD.search(t),
        lambda n: ("should" + " " * 50 + "," + " " * 50) * (n // 107),
        100_000,
    ),
    ("should-words", lambda t: ex._SHOULD.search(t), lambda n: "shoulds " * (n // 8), 100_000),
    (
        "sentence-long-addressee",
        lambda t: ex._sentence(t),
        lambda n: "A" + " a" * (n // 2) + " should x",
        100_000,
    ),
    (
        "sentence-deadline",
        lambda t: ex._sentence(t),
        lambda n: "Not later than 2015, " + "a " * (n // 2) + "should x",
        100_000,
    ),
    # "Score: 21/30".
    ("score-spaces", lambda t: ex._SCORE.search(t), lambda n: "Score" + " " * n + "x", 25_000),
    ("score-words", lambda t: ex._SCORE.search(t), lambda n: "Score " * (n // 6), 100_000),
    ("score-number", lambda t: ex._SCORE.search(t), lambda n: "Score 1" + " " * n, 100_000),
    # Youth justice services' names.
    ("teams-capitals", lambda t: ex._teams(t), lambda n: "A" * n, 25_000),
    (
        "teams-capitals-then-name",
        lambda t: ex._teams(t),
        lambda n: "A" * n + ".Youth Justice Service",
        25_000,
    ),
    ("teams-words", lambda t: ex._teams(t), lambda n: "Aaa " * (n // 4) + "Youth", 100_000),
    (
        "teams-names",
        lambda t: ex._teams(t),
        lambda n: "A Youth Justice Service" * (n // 23),
        100_000,
    ),
    # List items and headings.
    ("item-spaces", lambda t: ex._ITEM.match(t), lambda n: "-" + " " * n + "a\nb", 25_000),
    ("item-long", lambda t: ex._ITEM.match(t), lambda n: "1. " + "a" * n, 100_000),
    ("marked-spaces", lambda t: ex._MARKED.match(t), lambda n: "-" + " " * n, 100_000),
    (
        "standard-heading",
        lambda t: ex._STANDARD_HEADING.match(t),
        lambda n: "1.1" + " " * n + "x",
        100_000,
    ),
    (
        "domain-heading",
        lambda t: ex._DOMAIN_HEADING.match(t),
        lambda n: "Domain" + " " * n + "x",
        100_000,
    ),
    (
        "domain-heading-word",
        lambda t: ex._DOMAIN_HEADING.match(t),
        lambda n: "Domain " + "a" * n,
        100_000,
    ),
    (
        "page-furniture",
        lambda t: ex._PAGE_FURNITURE.match(t),
        lambda n: "page" + " " * n + "x",
        100_000,
    ),
    (
        "strengths",
        lambda t: ex._STRENGTHS.match(t),
        lambda n: "key findings about" + " x are as follows" * (n // 17),
        100_000,
    ),
    ("improvements", lambda t: ex._IMPROVEMENTS.match(t), lambda n: "but" + " " * n + "x", 100_000),
    ("signatory", lambda t: ex._SIGNATORY_ROLE.match(t), lambda n: "Inspector" + " " * n, 100_000),
    # Front matter and ratings of the 2025 youth framework, probation units and other
    # inspectorates: codes with a letter, domain ratings, prose ratings, inspectorate names.
    ("code-row", lambda t: ex._CODE_ROW.match(t), lambda n: "C1.1" + " " * n + "x", 100_000),
    (
        "framework-domain-spaces",
        lambda t: ex._FRAMEWORK_DOMAIN.match(t),
        lambda n: "Work with children" + " " * n + "x:",
        100_000,
    ),
    (
        "framework-domain-words",
        lambda t: ex._FRAMEWORK_DOMAIN.match(t),
        lambda n: "Work with victims " + "a" * n + " b c",
        100_000,
    ),
    (
        "prose-overall-spaces",
        lambda t: ex._PROSE_OVERALL.search(t),
        lambda n: "Overall, a" + " " * n + "was",
        100_000,
    ),
    (
        "prose-overall-words",
        lambda t: ex._PROSE_OVERALL.search(t),
        lambda n: "Overall, " + "a " * (n // 2),
        100_000,
    ),
    (
        "prose-overall-repeated",
        lambda t: ex._PROSE_OVERALL.search(t),
        lambda n: "Overall, x y was rated as '1 " * (n // 29),
        100_000,
    ),
    (
        "prose-overall-colons",
        lambda t: ex._PROSE_OVERALL.search(t),
        lambda n: "Overall a is rated as" + " :" * (n // 2),
        100_000,
    ),
    (
        "inspectorate-majesty-spaces",
        lambda t: ex._inspectorates(t),
        lambda n: "Her" + " " * n + "Majesty's" + " " * n + "x",
        50_000,
    ),
    ("inspectorate-hms", lambda t: ex._inspectorates(t), lambda n: "HM " * (n // 3), 100_000),
    (
        "inspectorate-words",
        lambda t: ex._inspectorates(t),
        lambda n: "Care Quality Inspectorate of Office for " * (n // 40),
        100_000,
    ),
    (
        "date-label-spaces",
        lambda t: ex._DATE_LABEL.match(t),
        lambda n: "published" + " " * n + "x",
        100_000,
    ),
    (
        "named-after-place",
        lambda t: ex._named_after(t, "Ab"),
        lambda n: "Ab Cd " * (n // 6),
        100_000,
    ),
    (
        "service-from-title",
        lambda t: ex._service_from_title(ex.split_lines(t), "An inspection of work in Ab"),
        lambda n: ("Ab Cd Youth Justice Service " * 50 + "\n") * (n // 1450),
        100_000,
    ),
    # Lines, cleaned one by one.
    ("split-lines", lambda t: ex.split_lines(t), lambda n: "[\t<\t.. 1\n" * (n // 10), 50_000),
    # Key lines: words of recommendations and findings.
    ("words-letters", lambda t: key_lines.tokens(t), lambda n: "a" * n, 100_000),
    ("words-possessives", lambda t: key_lines.tokens(t), lambda n: "a's" * (n // 3), 100_000),
    ("words-out-of", lambda t: key_lines.tokens(t), lambda n: "out-of-" * (n // 7), 100_000),
    # Drafts: splitting a recommendation at a blank line, champions from an addressee.
    ("draft-split", lambda t: _split(t), lambda n: "a\n" + " " * n + "b", 100_000),
    ("draft-split-lines", lambda t: _split(t), lambda n: "a" + "\n " * (n // 2), 100_000),
    (
        "draft-champions",
        lambda t: drafts.suggest_champions(t, _PEOPLE),
        lambda n: "yo " * (n // 3),
        100_000,
    ),
]

_PEOPLE = [{"id": 1, "job_title": "Head of service " * 50, "organisation": "Council"}]


def _split(text: str) -> None:
    draft = {"recommendations": [{"key": "k", "text": text, "number": 1}]}
    with contextlib.suppress(drafts.DraftError):
        drafts.split(draft, "k")


@pytest.mark.parametrize(
    ("function", "make", "n"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_pattern_takes_linear_time(function, make, n):
    _assert_linear(function, make, n)


def _extract(text: str) -> None:
    ex.extract_report(read_pasted_text(text))


# The whole reading of a pasted report, as the upload path does it.
RATINGS = "Ratings\n1.1 Governance and leadership\tGood\n\n"
PIPELINE = [
    ("dots", lambda n: "." * n, 15_000),  # 60,000 dots: 68 s before
    ("brackets", lambda n: "[" * n, 500_000),  # 2,000,000 "[": over 60 s before
    ("tags", lambda n: "<" * n, 100_000),
    # The service's name is looked for in every line when the report has a ratings table.
    ("capitals", lambda n: RATINGS + "A" * n, 25_000),
    ("capitals-and-a-service", lambda n: RATINGS + "A" * n + ".Youth Justice Service\n", 25_000),
    ("dot-leaders", lambda n: ("Foreword" + "." * 5_000 + "x\n") * (n // 5_000), 100_000),
    ("bullets", lambda n: "\u2022\n" * (n // 2), 10_000),
    ("long-line", lambda n: "The service should make sure that " + "a " * n, 100_000),
    # One item or finding wrapped over many lines, 500,000 and 2,000,000 characters.
    ("long-item", lambda n: "The service should:\n- a\n" + ("b" * 99 + "\n") * (n // 100), 500_000),
    ("long-finding", lambda n: "Strengths:\n- a\n" + ("b" * 99 + "\n") * (n // 100), 500_000),
    ("list-joins", lambda n: "The service should:\n- a" + " ,; and" * (n // 7) + "\n", 100_000),
    # No ratings table: the overall rating is looked for in prose, the service by the title.
    (
        "prose-and-title",
        lambda n: (
            "An inspection of youth justice work in Ab\n"
            + ("Overall, Ab" + " " * 50 + "was rated as x\nWork with children: Good\n") * (n // 100)
        ),
        100_000,
    ),
    # Recommendations sections: many of them, items wrapped over many lines, sentences
    # whose addressee wraps, prose between items.
    (
        "sentence-sections",
        lambda n: "Recommendations\n1. The council should do it.\n" * (n // 44),
        100_000,
    ),
    (
        "sentence-wrapped",
        lambda n: "Recommendations\nThe council should a\n" + ("b" * 99 + "\n") * (n // 100),
        500_000,
    ),
    (
        "sentence-addressee-wraps",
        lambda n: "Recommendations\n" + ("The " + "a " * 40 + "\n") * (n // 85),
        100_000,
    ),
    (
        "sentence-explanations",
        lambda n: "Recommendations\n" + "The council should do it.\n\nWhy: x.\n\n" * (n // 36),
        100_000,
    ),
    (
        "ratings-rows",
        lambda n: "Ratings\n" + ("1.1 Governance " + "a " * 500 + "\n") * (n // 1000),
        100_000,
    ),
]


@pytest.mark.parametrize(
    ("make", "n"), [case[1:] for case in PIPELINE], ids=[case[0] for case in PIPELINE]
)
def test_reading_takes_linear_time(make, n):
    _assert_linear(_extract, make, n)


def hostile_paste(size: int = 2_000_000) -> str:
    """A paste of `size` characters made of every kind of hostile line above, in turn."""
    lines = [
        "." * 60_000,
        "[" * 100_000,
        "<" * 50_000,
        "A" * 50_000,
        "A" * 50_000 + ".Youth Justice Service",
        "a" + " " * 20_000 + "\t" * 20_000 + "x",
        "Aaaa" + " " * 20_000 + "x",
        "A" + "a" * 50_000,
        "made " * 10_000,
        "Score" + " " * 20_000 + "x",
        "[](" * 20_000,
        "Ratings",
        "1.1 Governance " + "a " * 20_000,
        "The service should:",
        "- a",
        *["b" * 99] * 200,
        *["\u2022"] * 2_000,
        *["-"] * 2_000,
        "Strengths:",
        "- " + "x " * 20_000,
        "Foreword" + "." * 20_000 + " x",
    ]
    block = "\n".join(lines) + "\n"
    return (block * (size // len(block) + 1))[:size]


def test_a_two_megabyte_hostile_paste_is_read_in_seconds():
    text = hostile_paste()
    started = time.perf_counter()
    ex.extract_report(read_pasted_text(text))
    seconds = time.perf_counter() - started
    print(f"2 MB hostile paste: {seconds:.2f}s to read and extract")
    assert seconds < 3.0, f"A 2 MB paste took {seconds:.1f}s"
