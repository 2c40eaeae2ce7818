"""Recommendations written as sentences, inside a recommendations section, and the counts
reports announce in their own words."""

import pytest

from tracker.reports.extraction import extract_report


def _read(text: str) -> list[tuple]:
    return [(r.number, r.addressee, r.text) for r in extract_report(text).recommendations]


def test_numbered_sentences_with_and_without_a_colon():
    text = (
        "Recommendations\n\n"
        "As a result of our inspection findings, we have made three recommendations.\n\n"
        "1. The Probation Service should ensure that all staff are trained in risk.\n"
        "2. HMPPS should review its guidance on home visits.\n"
        "3. The regional director should: make sure that plans are shared.\n\n"
        "Introduction\n\nThe service should do other things.\n"
    )
    extraction = extract_report(text)
    assert _read(text) == [
        (1, "The Probation Service", "ensure that all staff are trained in risk."),
        (2, "HMPPS", "review its guidance on home visits."),
        (3, "The regional director", "make sure that plans are shared."),
    ]
    assert extraction.warnings == []


def test_a_deadline_before_the_addressee_stays_in_the_text():
    text = (
        "Our recommendations\n\n"
        "Not later than 31 March 2015, those forces that have not yet done so should provide "
        "training for all custody staff.\n\n"
        "By June 2016, the College of Policing should publish guidance.\n"
    )
    extraction = extract_report(text)
    assert _read(text) == [
        (
            1,
            "those forces that have not yet done so",
            "Not later than 31 March 2015, those forces that have not yet done so should "
            "provide training for all custody staff.",
        ),
        (
            2,
            "the College of Policing",
            "By June 2016, the College of Policing should publish guidance.",
        ),
    ]
    assert [r.timescale for r in extraction.recommendations] == [
        "Not later than 31 March 2015",
        "By June 2016",
    ]


def test_commas_and_and_in_the_addressee_one_sentence_per_paragraph():
    text = (
        "Recommendations\n\n"
        "The council, its partners and the police should agree a joint protocol for missing "
        "children.\n\n"
        "The council and its partners should work together to reduce the number of\n"
        "children placed out of area.\n\n"
        "Background\n\nThe police should also do more, the report says.\n"
    )
    assert _read(text) == [
        (
            1,
            "The council, its partners and the police",
            "agree a joint protocol for missing children.",
        ),
        (
            2,
            "The council and its partners",
            "work together to reduce the number of children placed out of area.",
        ),
    ]


def test_a_joint_inspection_keeps_each_recommendation_s_own_addressee():
    text = (
        "We recommend that:\n\n"
        "- Chief constables should review how custody records are kept;\n"
        "- HM Prison and Probation Service should share risk information with the police;\n"
        "- NHS England should commission health care in every custody suite.\n\n"
        "Recommendation 4\n"
        "We recommend that the Home Office should fund the scheme for three years.\n\n"
        "Contents\n"
    )
    assert _read(text) == [
        (1, "Chief constables", "review how custody records are kept"),
        (2, "HM Prison and Probation Service", "share risk information with the police"),
        (3, "NHS England", "commission health care in every custody suite."),
        (4, "the Home Office", "fund the scheme for three years."),
    ]


def test_sentences_and_an_addressee_s_list_are_read_in_order():
    text = (
        "Recommendations\n\n"
        "The Youth Justice Service should:\n"
        "1. improve its plans\n"
        "2. review its training.\n\n"
        "The Partnership Board should monitor the plan every quarter.\n"
    )
    assert _read(text) == [
        (1, "The Youth Justice Service", "improve its plans"),
        (2, "The Youth Justice Service", "review its training."),
        (3, "The Partnership Board", "monitor the plan every quarter."),
    ]


def test_prose_with_should_outside_a_recommendations_section_gives_nothing():
    text = (
        "Introduction\n\n"
        "The Probation Service should ensure that staff are trained, inspectors found.\n\n"
        "HMPPS should review its guidance, several managers told us.\n\n"
        "Findings\n\nThe council and its partners should work together to help children.\n"
    )
    extraction = extract_report(text)
    assert extraction.recommendations == []
    assert extraction.warnings == ["No recommendations were found"]


def test_prose_after_the_section_ends_it():
    text = (
        "Recommendations\n\n"
        "1. The council should publish its plan.\n\n"
        "The inspection took place in May. Staff told us that managers were visible.\n\n"
        "Children were seen at home and at school.\n\n"
        "Leaders should be proud of the progress made, we think.\n"
    )
    assert _read(text) == [(1, "The council", "publish its plan.")]


def test_an_explanation_between_two_recommendations_is_passed_over():
    text = (
        "Recommendations\n\n"
        "Recommendation 1\n\nThe council should publish its plan.\n\n"
        "This is because partners could not see what was planned.\n\n"
        "Recommendation 2\n\nThe police should share data with the council.\n\n"
        "Why this matters: data was shared late in most cases.\n\n"
        "Children were seen at home and at school.\n\n"
        "The board should be proud of its progress.\n"
    )
    assert _read(text) == [
        (1, "The council", "publish its plan."),
        (2, "The police", "share data with the council."),
    ]


def test_a_council_paper_s_recommendations_to_its_cabinet_are_not_read():
    text = (
        "CABINET\n\nREPORT OF THE DIRECTOR OF CHILDREN'S SERVICES\n\n"
        "Recommendations\n\n"
        "That Cabinet notes the outcome of the inspection.\n\n"
        "That the committee should receive a progress report in six months.\n\n"
        "For the attention of Cabinet: members should note the improvement plan.\n\n"
        "It is recommended that members should note the report.\n\n"
        "Members should note the contents of the HMIP report.\n\n"
        "The Cabinet should endorse the improvement plan.\n\n"
        "These recommendations should be read with the action plan.\n"
    )
    extraction = extract_report(text)
    assert extraction.recommendations == []
    assert extraction.warnings == ["No recommendations were found"]


@pytest.mark.parametrize(
    ("sentence", "announced"),
    [
        ("There are 14 recommendations in this report.", 14),
        ("The inspectorate had offered 18 recommendations.", 18),
        ("Progress on the four recommendations that were made is reported below.", 4),
        ("In this report we make seven recommendations.", 7),
        ("The report made 6 recommendations.", 6),
        ("We have made two recommendations.", 2),
    ],
)
def test_an_announced_count_in_any_phrasing_is_checked(sentence, announced):
    text = (
        f"Recommendations\n\n{sentence}\n\n"
        "1. The council should publish its plan.\n"
        "2. The police should share data with the council.\n"
        "3. The Youth Justice Board should review the grant.\n"
    )
    extraction = extract_report(text)
    assert len(extraction.recommendations) == 3
    assert extraction.warnings == (
        [
            f"The report says it makes {announced} recommendations, but 3 were found: "
            "check the list against the report"
        ]
        if announced != 3
        else []
    )


def test_a_count_with_no_verb_announces_nothing():
    text = (
        "The inspection identified 7 operational recommendations.\n\n"
        "The 8 recommendations have been discussed by the board.\n\n"
        "Recommendations\n\n1. The council should publish its plan.\n"
    )
    extraction = extract_report(text)
    assert _read(text) == [(1, "The council", "publish its plan.")]
    assert extraction.warnings == []


def test_a_matching_count_in_words_gives_no_warning():
    text = (
        "Recommendations\n\nThere are three recommendations.\n\n"
        "1. The council should publish its plan.\n"
        "2. The police should share data with the council.\n"
        "3. The Youth Justice Board should review the grant.\n"
    )
    assert extract_report(text).warnings == []


def test_no_sentences_found_names_the_announced_count():
    text = "Recommendations\n\nThe report made 6 recommendations, listed in the appendix.\n"
    assert extract_report(text).warnings == [
        "No recommendations were found, though the report says it makes 6"
    ]


def test_a_passive_sentence_names_no_addressee_and_a_numbered_line_is_not_its_tail():
    text = (
        "Recommendations\n\n"
        "- Internal risk management arrangements for children should be reviewed.\n"
        "1. The council should publish its plan\n"
        "2. improve the quality of planning\n"
    )
    assert _read(text) == [(1, "The council", "publish its plan")]
