"""Bad input to the report reader: whatever text or file arrives, it is read or refused, never
crashed on, and nothing is read that the report does not say."""

import io
import json
import re
import zipfile
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPORTS
from tests.test_report_formats import small_pdf, sunderland_as_word  # noqa: F401 (a fixture)
from tracker.reports.extraction import RATING_WORDS, extract_report, split_lines
from tracker.reports.formats import (
    ReportFileError,
    normalise_text,
    read_pasted_text,
    read_report,
)
from tracker.reports.model import Extraction, Recommendation

# Modest example counts keep the file quick on a small machine; no example database is kept,
# so running the tests leaves nothing in the checkout.
QUICK = settings(max_examples=60, deadline=None, database=None)
REPORT_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(REPORTS.glob("*.txt"))]
# Markup, SQL and spreadsheet formulas that must come through as plain words, or not at all.
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE plans; --",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A2)",
    "@SUM(A1)",
    "file:///etc/passwd",
    "{{ 7 * 7 }}",
    "%s%n%x",
    "\u202eeciov\u202c",  # right-to-left override
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",  # Arabic and Hebrew
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f4a9",  # emoji with joiners
    "\x00\x01\x07\x1b[31m\x7f\x85\u2028\u2029",
    "\ufeff\u200b\u00ad\u2060",
]

# Every Unicode category, surrogates and control characters included.
any_character = st.characters(codec=None, categories=None, exclude_categories=())
any_text = st.text(any_character, max_size=300)
# Text that looks a little like a report, so the reader's patterns have something to bite on.
REPORT_WORDS = [
    "The Probation Service should:",
    "The Sunderland Youth Offending Service should:",
    "Ratings",
    "Recommendations",
    "1.",
    "2)",
    "(a)",
    "\u2022",
    "-",
    "Score",
    "26/36",
    "Overall rating",
    "Good",
    "Requires improvement",
    "Strengths:",
    "Areas for improvement:",
    "Foreword",
    "HM Chief Inspector of Probation",
    "An inspection of youth offending services in",
    "HM Inspectorate of Probation",
    "December 2022",
    "makes five recommendations",
    "1.1",
    "\t",
    "\n",
    "\n\n",
    "page 3 of 40",
    *HOSTILE,
]
report_like_text = st.lists(st.one_of(st.sampled_from(REPORT_WORDS), any_text), max_size=80).map(
    " ".join
)


def huge(fragments) -> st.SearchStrategy[str]:
    """A fragment repeated until it is tens of thousands of characters long."""
    return st.builds(
        lambda fragment, size: (fragment * (size // max(1, len(fragment)) + 1))[:size],
        fragments.filter(bool),
        st.integers(10_000, 100_000),
    )


@st.composite
def mutated_report(draw) -> str:
    """A shared report cut, shuffled, repeated or written into at random."""
    lines = draw(st.sampled_from(REPORT_TEXTS)).splitlines(keepends=True)
    start = draw(st.integers(0, len(lines) - 1))
    lines = lines[start : start + draw(st.integers(1, len(lines)))]
    if draw(st.booleans()):
        draw(st.randoms(use_true_random=False)).shuffle(lines)
    for index in draw(st.lists(st.integers(0, len(lines) - 1), max_size=20)):
        lines.insert(index, lines[index])
    text = "".join(lines)
    for _ in range(draw(st.integers(0, 10))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(st.sampled_from(REPORT_WORDS), any_text)) + text[at:]
    return text


report_inputs = st.one_of(
    any_text,
    report_like_text,
    huge(st.one_of(any_text, st.sampled_from(HOSTILE))),
    mutated_report(),
)


# ----- Extraction: arbitrary text in, the documented shape out -------------------------------


def squeezed(text: str) -> str:
    return " ".join(text.split())


# A line that is only a page number, which the reader skips inside a list of recommendations.
PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.IGNORECASE)


def read_text_of(text: str) -> str:
    """The source's lines as the reader cleans them (without markup), page numbers left out:
    everything a recommendation's words may come from, in order."""
    return squeezed(
        " ".join(line.text for line in split_lines(text) if not PAGE_NUMBER.match(line.text))
    )


def assert_documented_shape(extraction: Extraction, text: str) -> None:
    for name in ("service", "inspectorate", "title", "overall_rating"):
        assert getattr(extraction, name) is None or isinstance(getattr(extraction, name), str)
    assert extraction.published is None or re.fullmatch(
        r"\d{4}-(0[1-9]|1[0-2])", extraction.published
    )
    if extraction.score is not None:
        total, maximum = extraction.score
        assert isinstance(total, int) and isinstance(maximum, int)
        assert 0 <= total <= 999 and 0 <= maximum <= 999
    for rating in extraction.ratings:
        assert all(isinstance(part, str) for part in (rating.code, rating.domain, rating.standard))
        assert isinstance(rating.rating, str) and rating.rating
    for finding in extraction.findings:
        assert finding.kind in ("strength", "improvement")
        assert finding.text and 0 <= finding.position < len(text)
    assert all(isinstance(warning, str) and warning for warning in extraction.warnings)
    for text_field in (extraction.foreword, extraction.foreword_signatory):
        assert isinstance(text_field, str)
    json.dumps(extraction.as_json())  # the shape `flask extract` prints


def assert_nothing_invented(extraction: Extraction, text: str) -> None:
    """Every recommendation's words, and its addressee, are words of the source, and its
    position is the start of the line it begins on."""
    source = read_text_of(text)
    line_starts = {line.offset: line.text for line in split_lines(text)}
    for recommendation in extraction.recommendations:
        assert isinstance(recommendation.number, int) and recommendation.number >= 1
        assert recommendation.text and squeezed(recommendation.text) in source
        if recommendation.addressee is not None:
            assert squeezed(recommendation.addressee) in source
        assert recommendation.position in line_starts
        first_word = recommendation.text.split()[0]
        assert first_word in line_starts[recommendation.position]


@QUICK
@given(report_inputs)
def test_any_text_is_read_into_the_documented_shape_and_nothing_is_invented(text):
    extraction = extract_report(text)
    assert isinstance(extraction, Extraction)
    assert_documented_shape(extraction, text)
    assert_nothing_invented(extraction, text)


@settings(QUICK, max_examples=30)
@given(mutated_report())
def test_a_damaged_copy_of_a_real_report_is_read_without_inventing_anything(text):
    extraction = extract_report(text)
    assert_documented_shape(extraction, text)
    assert_nothing_invented(extraction, text)
    for rating in extraction.ratings:
        assert rating.rating in RATING_WORDS or any(
            repr(rating.rating) in warning for warning in extraction.warnings
        ), "a rating outside the scale is always warned about"


def test_the_real_reports_satisfy_the_properties_too():
    for text in REPORT_TEXTS:
        extraction = extract_report(text)
        assert extraction.recommendations
        assert_documented_shape(extraction, text)
        assert_nothing_invented(extraction, text)


def test_the_invention_check_can_fail():
    extraction = extract_report(REPORT_TEXTS[0])
    extraction.recommendations.append(Recommendation(9, None, "abolish the board", 0))
    with pytest.raises(AssertionError):
        assert_nothing_invented(extraction, REPORT_TEXTS[0])


# ----- Files and pasted text: read, or refused with a message ---------------------------------

EXTENSIONS = ["pdf", "docx", "txt", "md", "doc", "exe", ""]
# The first bytes of the formats the reader tells apart, so random bytes reach every branch.
MAGIC = [
    b"",
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"MZ",
    b"\x89PNG",
]


def filename_with(extension: str) -> st.SearchStrategy[str]:
    stems = st.one_of(st.sampled_from(["report", "../../etc/passwd", "C:\\Users\\x\\r"]), any_text)
    return stems.map(lambda stem: f"{stem}.{extension}" if extension else stem)


def read_or_refusal(filename: str, data: bytes) -> str | None:
    """The text read, or None after checking the refusal is a `ReportFileError` with words."""
    try:
        text = read_report(filename, data)
    except ReportFileError as error:
        assert str(error).strip(), "a refusal always says why"
        return None
    assert isinstance(text, str) and text.strip()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text), "control characters are removed"
    return text


@QUICK
@given(
    extension=st.sampled_from(EXTENSIONS),
    magic=st.sampled_from(MAGIC),
    body=st.binary(max_size=4096),
    data=st.data(),
)
def test_random_bytes_with_any_extension_are_read_or_refused_with_a_message(
    extension, magic, body, data
):
    read_or_refusal(data.draw(filename_with(extension)), magic + body)


def zip_holding(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@settings(QUICK, max_examples=30)
@given(
    document=st.one_of(
        st.binary(max_size=2000), any_text.map(lambda t: t.encode("utf-8", "replace"))
    ),
    other=st.dictionaries(
        st.sampled_from(
            [
                "[Content_Types].xml",
                "word/styles.xml",
                "word/numbering.xml",
                "x/../../evil",
                "_rels/.rels",
            ]
        ),
        st.binary(max_size=200),
        max_size=3,
    ),
    extension=st.sampled_from(["docx", ""]),
)
def test_a_zip_with_a_garbage_word_document_inside_is_refused_with_a_message(
    document, other, extension
):
    data = zip_holding({"word/document.xml": document, **other})
    assert read_or_refusal(f"report.{extension}".rstrip("."), data) is None


@cache
def word_report() -> bytes:
    return sunderland_as_word()


@settings(QUICK, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_real_pdfs_and_word_documents_damaged_at_random_are_read_or_refused(
    small_pdf,  # noqa: F811 (the fixture)
    data,
):
    name, original = data.draw(
        st.sampled_from([("report.pdf", small_pdf), ("report.docx", word_report())])
    )
    damaged = bytearray(original)
    for position in data.draw(st.lists(st.integers(0, len(damaged) - 1), min_size=1, max_size=20)):
        damaged[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(damaged)))
    read_or_refusal(name, bytes(damaged[:cut]))


@QUICK
@given(st.one_of(any_text, report_like_text, huge(st.one_of(any_text, st.sampled_from(HOSTILE)))))
def test_pasted_text_is_read_or_refused_with_a_message(text):
    try:
        read = read_pasted_text(text)
    except ReportFileError as error:
        assert str(error) == "The pasted text is empty"
        assert not normalise_text(text).strip()
        return
    assert read.strip()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", read)
    extraction = extract_report(read)
    assert_documented_shape(extraction, read)
    assert_nothing_invented(extraction, read)


@settings(QUICK, max_examples=20)
@given(
    st.sampled_from([text for text in HOSTILE if "\x00" not in text]),
    st.sampled_from(["txt", "md"]),
)
def test_hostile_text_in_a_file_comes_back_as_the_same_plain_words(hostile, extension):
    text = f"The Probation Service should:\n1. {hostile} now.\n"
    read = read_report(f"report.{extension}", text.encode("utf-8"))
    assert read == read_pasted_text(text)
