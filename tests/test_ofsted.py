"""Reading Ofsted inspections of children's services: tracker.reports.ofsted."""

import pytest

from tests.conftest import REPORTS
from tracker.reports.formats import read_report
from tracker.reports.ofsted import is_ofsted_report, read_ofsted_report

OFSTED = REPORTS / "ofsted"
MAX = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {
        path.stem: read_report(path.name, path.read_bytes(), MAX)
        for path in sorted(OFSTED.glob("*.pdf"))
    }


def starts(recommendations) -> list[str]:
    return [r.text[:40] for r in recommendations]


def test_the_shared_reports_are_ofsteds_and_the_probation_ones_are_not(texts):
    assert all(is_ofsted_report(text) for text in texts.values())
    for path in REPORTS.glob("*.txt"):
        assert not is_ofsted_report(path.read_text()), path.name


def test_an_ilacs_report_gives_its_judgements_and_what_needs_to_improve(texts):
    report = read_ofsted_report(texts["bury-2025-ilacs"])

    assert report.inspectorate == "Ofsted"
    assert report.title == "Inspection of Bury local authority children\u2019s services"
    assert report.service == "Bury local authority children\u2019s services"
    assert report.published == "2025-06"
    assert report.overall_rating == "Requires improvement to be good"
    assert [(r.standard, r.rating) for r in report.ratings] == [
        ("The impact of leaders on social work practice with children and families", "Good"),
        (
            "The experiences and progress of children who need help and protection",
            "Requires improvement to be good",
        ),
        ("The experiences and progress of children in care", "Requires improvement to be good"),
        ("The experiences and progress of care leavers", "Requires improvement to be good"),
    ]
    assert len(report.recommendations) == 5
    assert {(r.addressee, r.addressee_implied) for r in report.recommendations} == {
        ("The local authority", True)
    }
    # Each item runs over its lines, National Framework reference and all.
    assert report.recommendations[0].text == (
        "The quality of plans and contingency planning for children, including timescales "
        "for action (outcome 3, national framework)"
    )
    assert report.recommendations[4].text.endswith("(outcome 3, national framework)")
    assert report.warnings == []


def test_a_single_inspection_report_gives_the_councils_and_the_lscbs_recommendations(texts):
    report = read_ofsted_report(texts["kent-2017-sif"])

    assert (report.service, report.published, report.overall_rating) == (
        "Kent County Council",
        "2017-06",
        "Good",
    )
    assert [(r.code, r.rating) for r in report.ratings] == [
        ("1", "Requires improvement"),
        ("2", "Good"),
        ("2.1", "Good"),
        ("2.2", "Good"),
        ("3", "Good"),
    ]
    council = [r for r in report.recommendations if r.addressee == "The local authority"]
    board = [
        r for r in report.recommendations if r.addressee == "The Local Safeguarding Children Board"
    ]
    assert (len(council), len(board)) == (10, 6)
    assert council[0].text.startswith("Ensure that prompt consideration is given")
    assert council[9].text.endswith("address neglect within families.")
    assert board[0].text.startswith("Ensure that a comprehensive multi-agency dataset")
    assert board[5].text.endswith("early years settings, schools and colleges.")
    # The numbered findings after the board's list are not recommendations.
    assert not any("The board is meeting its statutory" in r.text for r in report.recommendations)
    assert [r.number for r in report.recommendations] == list(range(1, 17))


def test_a_looked_after_children_report_keeps_each_items_timescale(texts):
    report = read_ofsted_report(texts["sandwell-2013-looked-after-children"])

    assert report.service == "Sandwell Metropolitan Borough Council"
    assert (report.published, report.overall_rating) == ("2013-08", "Inadequate")
    timescales = [r.timescale for r in report.recommendations]
    assert (
        timescales == ["Immediately"] * 8 + ["Within three months"] * 8 + ["Within six months"] * 2
    )
    assert {(r.addressee, r.addressee_implied) for r in report.recommendations} == {
        ("The local authority", False)
    }
    assert report.recommendations[5].text == (
        "Ensure that plans are firmly in place to eliminate the backlog of initial health "
        "assessments for children and young people coming into care"
    )


ILACS_TEXT = """Inspection of Anytown local authority children's services
Inspection dates: 3 to 14 March 2024
Lead inspector: A Person, His Majesty's Inspector
Judgement Grade
The impact of leaders on social work
practice with children and families
Requires improvement to be good
The experiences and progress of
children who need help and protection
Good
Overall effectiveness Requires improvement to be good

Some opening prose about the local authority.

What needs to improve
• The timeliness of initial health assessments for children in care
• Management oversight of work with care leavers, including:
\u2212 the quality of pathway plans
\u2212 the frequency of visits
• The response to children who go missing from home
Inspection of Anytown local authority children's services
3 to 14 March 2024
2
and from care, including return home interviews
The experiences and progress of children who need help and
protection: good
1. Children receive help quickly.
"""


def test_an_ilacs_list_with_sub_bullets_and_a_page_footer_between_its_lines():
    report = read_ofsted_report(ILACS_TEXT)

    assert [r.text for r in report.recommendations] == [
        "The timeliness of initial health assessments for children in care",
        "Management oversight of work with care leavers, including: the quality of pathway "
        "plans the frequency of visits",
        "The response to children who go missing from home and from care, including return "
        "home interviews",
    ]
    assert report.published == "2024-03"


def test_an_all_outstanding_report_has_no_list_and_no_warning():
    text = ILACS_TEXT.replace("Requires improvement to be good", "Outstanding").split(
        "What needs to improve"
    )[0]

    report = read_ofsted_report(text)

    assert (report.overall_rating, report.recommendations, report.warnings) == (
        "Outstanding",
        [],
        [],
    )


SIF_TEXT = """Anyshire County Council
Inspection of services for children in need of help and protection, children
looked after and care leavers
Inspection dates: 1 to 20 May 2015
Report published: 30 June 2015

Children's services in Anyshire require improvement
1. Children who need help and protection Requires improvement
2. Leadership, management and governance Good

What does the local authority need to improve?
Priority and immediate action
1. Ensure that children at risk of sexual exploitation are
identified and protected.
Areas for improvement
2. Improve the quality of assessments.
3. Ensure that return home interviews take place for every child.

Summary for children and young people
4. Children told inspectors they feel safe.
"""


def test_a_single_inspection_list_goes_on_under_its_subheadings_and_stops_at_the_summary():
    report = read_ofsted_report(SIF_TEXT)

    assert starts(report.recommendations) == [
        "Ensure that children at risk of sexual e",
        "Improve the quality of assessments.",
        "Ensure that return home interviews take ",
    ]
    assert report.recommendations[0].text.endswith("identified and protected.")
    assert report.published == "2015-06"


def test_no_list_in_a_report_that_is_not_all_outstanding_is_warned_about():
    report = read_ofsted_report(ILACS_TEXT.split("What needs to improve")[0])

    assert report.recommendations == []
    assert report.warnings == [
        "No list of what needs to improve was found: add the recommendations by hand."
    ]


def test_hostile_text_is_read_quickly():
    import time

    started = time.perf_counter()
    for hostile in (
        "•" * 200_000,
        "1. " * 100_000,
        "What needs to improve\n" + "- a\n" * 50_000,
        "Judgement Grade\n" + "Good\n" * 50_000,
        "Inspection of " + "x " * 200_000,
        "Focused visit to " * 100_000,
        "\u2022\n" * 200_000,
        "Recommendations\n1. Item.\n" + "Theme\n" * 100_000,
    ):
        read_ofsted_report(hostile)
        is_ofsted_report(hostile)
    assert time.perf_counter() - started < 5


# ----- Letters and the older layouts -----------------------------------------------------------

FOCUSED_VISIT = """Ofsted
Piccadilly Gate
Store Street
Manchester M1 2WD

14 March 2023

Jane Smith
Director of Children's Services
Anytown Borough Council

Dear Jane

Focused visit to Anytown children's services

This letter summarises the findings of the focused visit to Anytown children's
services on 7 and 8 February 2023. His Majesty's Inspectors for this visit were
A Person and B Person.

Areas for priority action

\uf0b7 The quality and timeliness of strategy meetings for children at risk of
significant harm.

Areas for improvement

\uf0b7 The consistency of management oversight and supervision.
\uf0b7 The quality of plans for children in need, so that they are specific and
measurable.
\uf0b7 Children's access to advocacy.

Main findings

Children in Anytown benefit from a well-established early help offer. However,
too many children wait too long for an assessment.

Yours sincerely

A Person
His Majesty's Inspector
"""


def test_a_focused_visit_letter_gives_its_priority_action_and_areas_for_improvement():
    assert is_ofsted_report(FOCUSED_VISIT)
    report = read_ofsted_report(FOCUSED_VISIT)

    assert (report.title, report.service, report.published) == (
        "Focused visit to Anytown children's services",
        "Anytown children's services",
        "2023-03",  # the letter's date, not the visit's
    )
    assert [r.text for r in report.recommendations] == [
        "The quality and timeliness of strategy meetings for children at risk of significant harm.",
        "The consistency of management oversight and supervision.",
        "The quality of plans for children in need, so that they are specific and measurable.",
        "Children's access to advocacy.",
    ]
    assert {(r.addressee, r.addressee_implied) for r in report.recommendations} == {
        ("The local authority", True)
    }
    assert (report.ratings, report.warnings) == ([], [])


JOINT_INSPECTION = """Ofsted
Agora
6 Cumberland Place
Nottingham NG1 6HJ

10 October 2022

Director of Children's Services, Anytown Council
Chief Constable, Anyshire Police

Joint targeted area inspection of the multi-agency response to children and families
who need help in Anytown

This letter summarises the findings of the joint targeted area inspection (JTAI) of the
multi-agency response to children and families who need help in Anytown.

This inspection was carried out by inspectors from Ofsted, the Care Quality Commission
(CQC), His Majesty's Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS).

Headline findings

Partners work well together.

What needs to improve?

\uf0b7 The quality of information-sharing between agencies at the front door.
\uf0b7 The consistency of health involvement in strategy discussions.

Strengths

\uf0b7 Strong leadership across the partnership.
"""


def test_a_joint_inspection_letter_is_to_the_safeguarding_partners_and_stops_at_strengths():
    report = read_ofsted_report(JOINT_INSPECTION)

    assert report.service == "Anytown"
    assert report.title.endswith("children and families who need help in Anytown")
    assert [(r.addressee, r.addressee_implied, r.text[:30]) for r in report.recommendations] == [
        ("The safeguarding partners", True, "The quality of information-sha"),
        ("The safeguarding partners", True, "The consistency of health invo"),
    ]


ILACS_2019 = """Inspection of Anyshire County Council children's services
Inspection dates: 11 March 2019 to 22 March 2019
Lead inspector: A Person
Her Majesty's Inspector

Judgement Grade
The impact of leaders on social work practice with children and families Good
The experiences and progress of children who need help and protection Good
The experiences and progress of children in care and care leavers Requires improvement to be good
Overall effectiveness Good

Services for children in Anyshire are good.

What needs to improve
•
The quality of pathway plans for care leavers.
•
The timeliness of initial health assessments for children in care.
•
Management oversight of the work of the emergency duty team.

The experiences and progress of children who need help and protection: good
1. Children receive help quickly. However, too many wait.
"""


def test_bullets_alone_on_their_lines_and_a_sentence_after_the_judgements_table():
    report = read_ofsted_report(ILACS_2019)

    assert report.service == "Anyshire County Council children's services"
    assert report.overall_rating == "Good"
    assert [r.rating for r in report.ratings] == ["Good", "Good", "Requires improvement to be good"]
    assert [r.text for r in report.recommendations] == [
        "The quality of pathway plans for care leavers.",
        "The timeliness of initial health assessments for children in care.",
        "Management oversight of the work of the emergency duty team.",
    ]


SIF_THEMES = """Anytown Borough Council
Inspection of services for children in need of help and protection, children
looked after and care leavers
and
Review of the effectiveness of the Local Safeguarding Children Board
Inspection dates: 5 to 28 January 2016
Report published: 14 March 2016

Children's services in Anytown require improvement to be good
1. Children who need help and protection Requires improvement
2. Children looked after and achieving permanence Requires improvement
3. Leadership, management and governance Requires improvement

Recommendations
Children who need help and protection
5. Ensure that all children who go missing are offered a return home interview.
6. Improve the quality of child protection plans so that they are specific.
Children looked after
7. Ensure that permanence planning starts early for every child.
Leadership and management
8. Strengthen the quality assurance framework.

Summary for children and young people
9. Children told inspectors they feel safe.
"""


def test_a_single_inspection_list_goes_on_under_theme_subheadings():
    report = read_ofsted_report(SIF_THEMES)

    assert report.overall_rating == "Requires improvement to be good"
    assert starts(report.recommendations) == [
        "Ensure that all children who go missing ",
        "Improve the quality of child protection ",
        "Ensure that permanence planning starts e",
        "Strengthen the quality assurance framewo",
    ]


def test_a_long_what_needs_to_improve_heading_with_its_footnote_marker():
    text = ILACS_TEXT.replace(
        "What needs to improve\n",
        "What needs to improve in this local authority\u2019s children\u2019s social care "
        "services?2\n",
    )

    assert len(read_ofsted_report(text).recommendations) == 3


CHILD_PROTECTION_2013 = """Anytown Borough Council
Inspection of local authority arrangements for the protection of children
Inspection date: 14 to 25 January 2013
Report published: 1 March 2013

The overall effectiveness of the arrangements to protect children in Anytown is adequate.

Areas for improvement
1. In order to improve the quality of help and protection given to children and young
people in Anytown, the local authority and its partners should take the following action.
Immediately:
\uf0b7 ensure that all strategy discussions include the police and health
professionals
\uf0b7 ensure that children subject to child protection plans are seen alone.
Within three months:
\uf0b7 improve the quality of assessments so that they consider the child's history.
Within six months:
\uf0b7 ensure that the Local Safeguarding Children Board evaluates the impact of
training.

About this inspection
2. The inspection considered key aspects of a child's journey.
"""


def test_a_2013_child_protection_inspection_gives_its_overall_sentence_and_timescales():
    report = read_ofsted_report(CHILD_PROTECTION_2013)

    assert (report.service, report.overall_rating) == ("Anytown Borough Council", "Adequate")
    assert [(r.addressee, r.timescale, r.text[:30]) for r in report.recommendations] == [
        ("The local authority and its partners", "Immediately", "Ensure that all strategy discu"),
        ("The local authority and its partners", "Immediately", "Ensure that children subject t"),
        (
            "The local authority and its partners",
            "Within three months",
            "Improve the quality of assessm",
        ),
        (
            "The local authority and its partners",
            "Within six months",
            "Ensure that the Local Safeguar",
        ),
    ]


# ----- Importing an Ofsted report -------------------------------------------------------------


def test_a_looked_after_children_report_makes_a_plan_with_each_timescale_as_an_action(admin, db):
    from tests.test_report_import import post_review, upload

    pdf = OFSTED / "sandwell-2013-looked-after-children.pdf"
    response = upload(admin, pdf.name, pdf.read_bytes())
    assert response.status_code == 302
    import_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = admin.get(response.headers["Location"]).text
    assert page.count("Timescale in the report:</strong> Immediately") == 8
    assert "The report names no one" not in page  # the list says "the local authority should"

    response = post_review(admin, import_id, "create", **{"plan-title": "Sandwell LAC plan"})
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    actions = db.execute(
        "SELECT actions.text, target_date FROM actions JOIN recommendations"
        " ON recommendations.id = recommendation_id WHERE plan_id = ?"
        " ORDER BY recommendations.position",
        [plan_id],
    ).fetchall()
    assert len(actions) == 18
    assert actions[0] == ("Done immediately, as the inspection report asks", "2013-08-31")
    assert actions[8] == ("Done within three months, as the inspection report asks", "2013-11-30")
    assert actions[17][1] == "2014-02-28"
    inspection = db.execute(
        "SELECT inspectorate, overall_rating FROM inspections ORDER BY id DESC"
    ).fetchone()
    assert inspection == ("Ofsted", "Inadequate")


def test_an_ilacs_report_shows_its_implied_addressee_and_keeps_its_judgements(admin, db):
    from tests.test_report_import import post_review, upload

    pdf = OFSTED / "bury-2025-ilacs.pdf"
    response = upload(admin, pdf.name, pdf.read_bytes())
    import_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = admin.get(response.headers["Location"]).text
    assert page.count("The report names no one: this is the body it inspects") == 5

    response = post_review(admin, import_id, "create", **{"plan-title": "Bury plan"})
    assert response.status_code == 302
    ratings = db.execute(
        "SELECT standards.name, ratings.rating FROM ratings"
        " JOIN standards ON standards.id = standard_id"
        " WHERE inspection_id = (SELECT max(id) FROM inspections) ORDER BY standards.position"
    ).fetchall()
    assert len(ratings) == 4
    assert ratings[0] == (
        "The impact of leaders on social work practice with children and families",
        "Good",
    )
    addressees = db.execute(
        "SELECT DISTINCT addressee FROM recommendations WHERE plan_id = ?",
        [int(response.headers["Location"].rsplit("/", 1)[1])],
    ).fetchall()
    assert addressees == [("The local authority",)]


def test_the_numbered_paragraphs_are_findings_under_their_judgements(texts):
    from tracker.reports.key_lines import suggest_key_lines

    report = read_ofsted_report(texts["bury-2025-ilacs"])

    judgements = {rating.standard for rating in report.ratings}
    assert len(report.findings) > 40
    assert {finding.code for finding in report.findings} == judgements
    assert report.findings[0].text.startswith("Children and families benefit from effective")
    assert not any("Textphone" in finding.text for finding in report.findings)
    assert {finding.kind for finding in report.findings} == {"strength", "improvement"}
    # Each of what needs to improve gets key lines of enquiry from the paragraphs.
    suggestions = suggest_key_lines(report.recommendations, report.findings)
    for recommendation in report.recommendations:
        assert suggestions.by_recommendation.get(recommendation.number), recommendation.text
    planning = suggestions.by_recommendation[1][0].finding.text.lower()
    assert "plan" in planning


def test_a_single_inspection_reports_findings_leave_out_its_recommendations(texts):
    report = read_ofsted_report(texts["kent-2017-sif"])

    listed = {recommendation.text for recommendation in report.recommendations}
    assert not listed & {finding.text for finding in report.findings}
    assert "The Local Safeguarding Children Board" in {f.code for f in report.findings}


@pytest.mark.parametrize(
    "hostile",
    [
        "What needs to improve\n• a\n" + "and more\n" * 200_000,
        "Recommendations\n1. Ensure\n" + "that it is done\n" * 200_000,
        "Inspection findings\n1. Children\n" + "are seen\n" * 200_000,
    ],
)
def test_a_very_long_item_or_paragraph_is_read_in_linear_time(hostile):
    import time

    text = "Inspection of Anytown local authority children's services\n" + hostile
    started = time.perf_counter()
    read_ofsted_report(text)
    assert time.perf_counter() - started < 5
