"""Reading inspection reports: the three shared reports, and the shapes real copies take."""

import re

import pytest

from tests.conftest import REPORTS
from tests.test_report_formats import report_pdf, sunderland_as_word  # noqa: F401 (a fixture)
from tracker.reports.extraction import extract_report
from tracker.reports.formats import read_report

SUNDERLAND = (REPORTS / "sunderland-2022.txt").read_text()
DARLINGTON = (REPORTS / "darlington-2021.txt").read_text()
NEL = (REPORTS / "north-east-lincolnshire-2022-with-plan.txt").read_text()

NEL_YOS = "The North East Lincolnshire Youth Offending Service"
SUNDERLAND_YOS = "The Sunderland Youth Offending Service"
# Sunderland's recommendations: numbers running on from the service to the probation service.
SUNDERLAND_ADDRESSEES = [(n, SUNDERLAND_YOS) for n in range(1, 5)] + [(5, "The Probation Service")]


def ratings_of(extraction) -> dict[str, str]:
    return {rating.code: rating.rating for rating in extraction.ratings}


def test_sunderland_gives_five_recommendations_to_two_addressees():
    extraction = extract_report(SUNDERLAND)
    assert [(r.number, r.addressee) for r in extraction.recommendations] == SUNDERLAND_ADDRESSEES
    assert extraction.recommendations[4].text == (
        "provide a probation officer to the YOS, to support effective transitions and risk "
        "management."
    )
    assert extraction.warnings == []


def test_sunderland_ratings_are_read_from_one_value_per_line():
    extraction = extract_report(SUNDERLAND)
    assert extraction.score == (26, 36)
    assert extraction.overall_rating == "Good"
    ratings = ratings_of(extraction)
    assert len(ratings) == 12
    assert ratings["1.2"] == "Outstanding" and ratings["2.4"] == "Requires improvement"
    assert extraction.ratings[11].standard == "Out-of-court disposal policy and provision"
    assert extraction.ratings[11].domain == "Out-of-court disposals"


def test_sunderland_front_matter_and_foreword():
    extraction = extract_report(SUNDERLAND)
    assert extraction.service == "Sunderland Youth Offending Service"
    assert extraction.inspectorate == "HM Inspectorate of Probation"
    assert extraction.title == "An inspection of youth offending services in Sunderland"
    assert extraction.published == "2022-12"
    assert extraction.foreword_signatory == "Justin Russell"
    assert extraction.foreword_signatory_role == "HM Chief Inspector of Probation"
    assert extraction.foreword.startswith("This inspection is part of our programme")


def test_darlington_ocr_noise_and_arrows_do_not_spoil_the_ratings():
    extraction = extract_report(DARLINGTON)
    assert extraction.service == "Darlington Youth Offending Service"  # "Darlir gton" in the table
    assert extraction.overall_rating == "Outstanding"
    assert extraction.score == (31, 36)
    ratings = ratings_of(extraction)
    assert len(ratings) == 12 and ratings["3.4"] == "Outstanding" and ratings["1.2"] == "Good"
    assert extraction.ratings[11].standard == "Joint working"
    assert [(r.number, r.addressee) for r in extraction.recommendations] == [
        (1, "The Darlington Youth Offending Service"),
        (2, "The Darlington Youth Offending Service"),
    ]
    assert extraction.recommendations[0].text.startswith("implement rigorous management oversight")
    assert extraction.published == "2021-02"
    assert extraction.foreword_signatory == "Marc Baker"
    assert extraction.warnings == []


def test_north_east_lincolnshire_inside_a_council_paper():
    extraction = extract_report(NEL)
    assert [r.number for r in extraction.recommendations] == list(range(1, 9))
    assert {r.addressee for r in extraction.recommendations[:7]} == {NEL_YOS}
    assert extraction.recommendations[7].addressee == "The Partnership Board"
    assert extraction.score == (27, 36)
    ratings = ratings_of(extraction)
    assert ratings["4.1"] == "Requires improvement"  # resettlement, rated separately
    assert extraction.ratings[-1].domain == "Resettlement"
    assert extraction.warnings == []  # 27 is the twelve standards without resettlement
    assert extraction.published == "2022-09"


def test_each_recommendation_points_at_its_place_in_the_source():
    for text in (SUNDERLAND, DARLINGTON, NEL):
        for recommendation in extract_report(text).recommendations:
            at = text[recommendation.position : recommendation.position + 300]
            assert recommendation.text[:40] in at


def test_findings_are_strengths_and_areas_for_improvement_under_their_standard():
    findings = extract_report(SUNDERLAND).findings
    board = [f for f in findings if f.code == "1.1" and f.kind == "improvement"]
    assert [f.text[:40] for f in board] == [
        "Given that the board has some newer memb",
        "The seconded probation officer post has ",
        "The board needs to ensure that the quali",
    ]
    assert {f.kind for f in findings} == {"strength", "improvement"}
    for finding in findings:
        assert SUNDERLAND[finding.position :].lstrip("- ").startswith(finding.text[:30])


def test_executive_summary_but_bullets_are_areas_for_improvement_of_their_domain():
    findings = extract_report(NEL).findings
    court = [f.text for f in findings if f.code == "2" and f.kind == "improvement"]
    assert any(text.startswith("Practitioners need to focus more on victims") for text in court)
    assert not any(
        f.text.startswith("Practitioners recognised and understood diversity")
        and f.kind == "improvement"
        for f in findings
    )


def test_none_identified_gives_no_findings():
    findings = extract_report(DARLINGTON).findings
    assert not [f for f in findings if f.code == "3" and f.kind == "improvement"]
    assert len([f for f in findings if f.code == "2" and f.kind == "improvement"]) == 3


def sunderland_recommendations_block() -> str:
    start = SUNDERLAND.index("The Sunderland Youth Offending Service should:")
    return SUNDERLAND[start : SUNDERLAND.index("\nBackground", start)]


def test_bulleted_recommendations_quoted_in_minutes_are_numbered_in_order():
    block = re.sub(r"^\d\. ", "• ", sunderland_recommendations_block(), flags=re.M)
    minutes = (
        "Minutes of the Youth Justice Management Board, 12 January 2023\n\n"
        "4. HMIP inspection\n\nThe head of service reported that HMIP made five "
        f"recommendations:\n\n{block}\n\nRESOLVED that the board notes the report.\n"
    )
    extraction = extract_report(minutes)
    assert [(r.number, r.addressee) for r in extraction.recommendations] == SUNDERLAND_ADDRESSEES
    assert extraction.warnings == []


def test_pasted_text_with_odd_spacing_and_wrapped_lines():
    pasted = (
        "The Sunderland Youth Offending Service should:\n"
        "1 .  improve the quality of planning, delivery, and reviewing in court\n"
        "disposal casework, focusing on managing the risk of harm to others\n"
        "2)improve the quality of assessment of safety and wellbeing in court disposal cases\n"
        "\n\n"
        "   The Probation Service   should :\n"
        "\t3.\tprovide a probation officer to the YOS, to support effective transitions.\n"
    )
    extraction = extract_report(pasted)
    assert [r.number for r in extraction.recommendations] == [1, 2, 3]
    assert extraction.recommendations[0].text == (
        "improve the quality of planning, delivery, and reviewing in court disposal casework, "
        "focusing on managing the risk of harm to others"
    )
    assert extraction.recommendations[2].addressee == "The Probation Service"


def test_markdown_with_escaped_numbers_and_bold_addressees():
    markdown = (
        "## Recommendations\n\nWe have made two recommendations.\n\n"
        "**The Sunderland Youth Offending Service should:**\n\n"
        "1\\. improve the quality of assessment of safety and wellbeing\n"
        "2\\. improve management oversight of court disposal casework\n"
    )
    extraction = extract_report(markdown)
    assert [(r.number, r.addressee, r.text) for r in extraction.recommendations] == [
        (1, SUNDERLAND_YOS, "improve the quality of assessment of safety and wellbeing"),
        (2, SUNDERLAND_YOS, "improve management oversight of court disposal casework"),
    ]
    assert extraction.warnings == []


def test_a_list_cut_short_is_reported_with_both_numbers():
    block = sunderland_recommendations_block()
    cut = "we have made five recommendations\n\n" + block[: block.index("4. ensure")]
    extraction = extract_report(cut)
    assert len(extraction.recommendations) == 3
    assert any("5 recommendations, but 3 were found" in w for w in extraction.warnings)


def test_a_paper_that_only_mentions_the_recommendations_invents_none():
    paper = (
        "Report to Cabinet\n\nThe inspectorate published its report in December 2022. It has "
        "made five recommendations, which the service will address in an improvement plan.\n\n"
        "Recommendations\n\n1. That Cabinet notes the outcome of the inspection.\n"
        "2. That Cabinet endorses the improvement plan.\n"
    )
    extraction = extract_report(paper)
    assert extraction.recommendations == []
    assert extraction.warnings == [
        "No recommendations were found, though the report says it makes 5"
    ]


@pytest.mark.parametrize(
    ("addressee_line", "addressee"),
    [
        ("Humberside Police should:", "Humberside Police"),
        (
            "The Chair of the Youth Justice Partnership Board should:",
            "The Chair of the Youth Justice Partnership Board",
        ),
        ("The Director of Children's Services should:", "The Director of Children's Services"),
        (
            "The local authority Chief Executive should make sure that:",
            "The local authority Chief Executive",
        ),
        ("The YOS service manager should:", "The YOS service manager"),
        ("**Cleveland Constabulary should:**", "Cleveland Constabulary"),
        ("HMIP recommended that the Youth Justice Service should:", "the Youth Justice Service"),
    ],
)
def test_any_body_can_be_an_addressee(addressee_line, addressee):
    extraction = extract_report(f"{addressee_line}\n\n1. do something useful.\n")
    assert [(r.addressee, r.text) for r in extraction.recommendations] == [
        (addressee, "do something useful.")
    ]


def test_a_score_that_is_not_the_sum_of_the_ratings_is_reported():
    changed = SUNDERLAND.replace("Score 26/36", "Score 28/36")
    extraction = extract_report(changed)
    assert extraction.score == (28, 36)
    assert "a score of 28/36, but its ratings add up to 26" in " ".join(extraction.warnings)


def test_an_unknown_rating_word_is_reported_and_kept_as_written():
    changed = SUNDERLAND.replace("1.2 Staff\n\nOutstanding", "1.2 Staff\n\nVery strong", 1)
    extraction = extract_report(changed)
    assert ratings_of(extraction)["1.2"] == "Very strong"
    assert any("'Very strong'" in warning for warning in extraction.warnings)


def test_text_with_no_report_in_it_gives_warnings_not_inventions():
    extraction = extract_report("Shopping list\n\n- milk\n- bread\n")
    assert extraction.recommendations == [] and extraction.ratings == []
    assert extraction.score is None and extraction.findings == []
    assert extraction.warnings == ["No recommendations were found"]


@pytest.mark.parametrize(
    ("name", "source"), [("sunderland", SUNDERLAND), ("darlington", DARLINGTON), ("nel", NEL)]
)
def test_a_pdf_of_the_report_reads_the_same_as_its_text(report_pdf, name, source):  # noqa: F811
    """PDF text loses the tabs between cells and wraps rows: the result must not change."""
    from_text = extract_report(source)
    from_pdf = extract_report(read_report(f"{name}.pdf", report_pdf(name)))
    assert [(r.number, r.addressee, r.text) for r in from_pdf.recommendations] == [
        (r.number, r.addressee, r.text) for r in from_text.recommendations
    ]
    assert ratings_of(from_pdf) == ratings_of(from_text)
    assert (from_pdf.score, from_pdf.overall_rating) == (from_text.score, from_text.overall_rating)
    assert from_pdf.warnings == from_text.warnings == []


def test_a_word_document_numbered_by_its_styles_reads_in_order():
    """Word keeps list numbers out of the text: the items arrive as bullets, in order."""
    extraction = extract_report(read_report("sunderland.docx", sunderland_as_word()))
    assert [(r.number, r.addressee) for r in extraction.recommendations] == SUNDERLAND_ADDRESSEES
    assert ratings_of(extraction) == {
        "1.1": "Outstanding",
        "1.2": "Outstanding",
        "2.1": "Requires improvement",
    }
    assert extraction.warnings == []


def test_an_older_report_with_themes_judged_satisfactory_or_not():
    older = (
        "An inspection of youth offending work in Anytown\n\nHM Inspectorate of Probation, "
        "March 2016\n\nSummary of judgements\n\nReducing reoffending\tSatisfactory\n"
        "Protecting the public: Unsatisfactory\nProtecting children and young people "
        "Satisfactory\n\nRecommendations\n\nAnytown Youth Offending Team should:\n\n"
        "1. improve the quality of risk of harm assessments\n"
    )
    extraction = extract_report(older)
    assert [(r.code, r.standard, r.rating) for r in extraction.ratings] == [
        ("T1", "Reducing reoffending", "Satisfactory"),
        ("T2", "Protecting the public", "Unsatisfactory"),
        ("T3", "Protecting children and young people", "Satisfactory"),
    ]
    assert extraction.score is None and extraction.warnings == []
    assert extraction.published == "2016-03"
    assert extraction.recommendations[0].addressee == "Anytown Youth Offending Team"
