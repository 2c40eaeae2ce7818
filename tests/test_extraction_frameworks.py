"""Front matter and ratings of the report layouts beyond the 2018 youth framework: HMIP's
youth framework from spring 2025 (work with children and with victims rated separately, the
overall rating in prose), adult probation inspections of a PDU or a region, services not
called youth offending or youth justice services, and every inspectorate under its names."""

import pytest

from tracker.reports.extraction import extract_report
from tracker.reports.model import Rating

CHILDREN, VICTIMS = "Work with children", "Work with victims"

# The 2025 youth framework with its ratings table: standards coded C1.1 and V1.1.
YOUTH_2025 = """\
HM Inspectorate of Probation

An inspection of youth justice work with children and victims in
Wakefield

His Majesty\u2019s Inspectorate of Probation, June 2025

Contents

Foreword\t3
Ratings\t4
Recommendations\t5

Foreword

This inspection is part of our programme of youth justice inspections, under the framework we
have used since spring 2025. Overall, Wakefield YJS was rated as \u2018Good\u2019. Work with
children was strong, and the service knows its victims well.

Martin Jones
HM Chief Inspector of Probation

Ratings

Wakefield Youth Justice Service
Fieldwork started March 2025

Work with children: Good
C1.1 Assessment\tGood
C1.2 Planning\tGood
C1.3 Implementation and delivery\tOutstanding
C1.4 Reviewing\tRequires improvement

Work with victims: Requires improvement
V1.1 Assessment of victims' needs\tRequires improvement
V1.2 Victim safety and support\tGood

Recommendations

Wakefield Youth Justice Service should:
1. improve the quality of reviewing, so that plans keep up with children's lives.
"""

# The same framework without a table: the domains rated in lines of the summary.
YOUTH_2025_SUMMARY = """\
An inspection of youth justice work with children and victims in Wakefield
HMI Probation, July 2025

Summary

Overall, Wakefield YJS has been rated as "Requires improvement".

Work with children: Requires improvement
Work with victims: Good

Wakefield Youth Justice Service works with around 120 children a year. The Wakefield Youth
Justice Service management board meets every quarter.
"""

PDU = """\
HM Inspectorate of Probation

An inspection of probation services in:
Sheffield PDU

HM Inspectorate of Probation, April 2023

Ratings

Sheffield PDU
Fieldwork started January 2023

Overall rating\tRequires improvement

1. Organisational delivery
1.1 Leadership\tGood
1.2 Staff\tRequires improvement
1.3 Services\tRequires improvement
1.4 Information and facilities\tGood
2. Court work
2.1 Court work\tGood

Recommendations
"""

REGION = """\
Her Majesty's Inspectorate of Probation

An inspection of probation services in the North West region

Published: 14 March 2024

Introduction

Overall, the North West region is rated as \u201cInadequate\u201d. Leaders have not yet
given probation practitioners the time they need.
"""

YPEJS = """\
An inspection of youth justice services in
Westshire

Date of publication: 9 October 2025

Foreword

Westshire Young People's Engagement and Justice Service (YPEJS) works with children in
trouble with the law. Overall, Westshire YPEJS was rated as 'Outstanding'.

The Westshire Young People's Engagement and Justice Service has a clear vision.

Report by HMIP
"""

LOCAL_AUTHORITY = """\
An inspection of youth offending services in: the London Borough of Eastham

Inspection dates: 3 to 7 February 2025
HMIP

Overall, the London Borough of Eastham was rated as 'Good'.
"""


def _front(extraction) -> tuple:
    return (
        extraction.inspectorate,
        extraction.service,
        extraction.title,
        extraction.published,
        extraction.overall_rating,
    )


def test_the_2025_youth_framework_with_its_ratings_table():
    extraction = extract_report(YOUTH_2025)
    assert _front(extraction) == (
        "HM Inspectorate of Probation",
        "Wakefield Youth Justice Service",
        "An inspection of youth justice work with children and victims in Wakefield",
        "2025-06",
        "Good",  # from the foreword: the table has no overall rating
    )
    assert extraction.ratings == [
        Rating("C", CHILDREN, CHILDREN, "Good"),
        Rating("C1.1", CHILDREN, "Assessment", "Good"),
        Rating("C1.2", CHILDREN, "Planning", "Good"),
        Rating("C1.3", CHILDREN, "Implementation and delivery", "Outstanding"),
        Rating("C1.4", CHILDREN, "Reviewing", "Requires improvement"),
        Rating("V", VICTIMS, VICTIMS, "Requires improvement"),
        Rating("V1.1", VICTIMS, "Assessment of victims' needs", "Requires improvement"),
        Rating("V1.2", VICTIMS, "Victim safety and support", "Good"),
    ]
    assert extraction.score is None
    assert extraction.warnings == []


def test_the_2025_youth_framework_rated_in_its_summary():
    extraction = extract_report(YOUTH_2025_SUMMARY)
    assert _front(extraction) == (
        "HM Inspectorate of Probation",
        "Wakefield Youth Justice Service",  # named for the place in the title
        "An inspection of youth justice work with children and victims in Wakefield",
        "2025-07",
        "Requires improvement",
    )
    assert extraction.ratings == [
        Rating("C", CHILDREN, CHILDREN, "Requires improvement"),
        Rating("V", VICTIMS, VICTIMS, "Good"),
    ]


def test_a_probation_delivery_unit():
    extraction = extract_report(PDU)
    assert _front(extraction) == (
        "HM Inspectorate of Probation",
        "Sheffield PDU",
        "An inspection of probation services in: Sheffield PDU",
        "2023-04",
        "Requires improvement",
    )
    assert [(r.code, r.domain, r.standard, r.rating) for r in extraction.ratings] == [
        ("1.1", "Organisational delivery", "Leadership", "Good"),
        ("1.2", "Organisational delivery", "Staff", "Requires improvement"),
        ("1.3", "Organisational delivery", "Services", "Requires improvement"),
        ("1.4", "Organisational delivery", "Information and facilities", "Good"),
        ("2.1", "Court work", "Court work", "Good"),
    ]


def test_a_probation_region_without_a_table():
    extraction = extract_report(REGION)
    assert _front(extraction) == (
        "HM Inspectorate of Probation",
        "North West region",
        "An inspection of probation services in the North West region",
        "2024-03",  # from "Published:"
        "Inadequate",  # "is rated as", curly double quotes
    )
    assert extraction.ratings == []


def test_a_service_not_called_youth_offending_or_youth_justice():
    extraction = extract_report(YPEJS)
    assert _front(extraction) == (
        "HM Inspectorate of Probation",
        "Westshire Young People's Engagement and Justice Service",
        "An inspection of youth justice services in Westshire",
        "2025-10",
        "Outstanding",
    )


def test_a_local_authority_named_in_the_title():
    extraction = extract_report(LOCAL_AUTHORITY)
    assert _front(extraction) == (
        "HM Inspectorate of Probation",
        "London Borough of Eastham",
        "An inspection of youth offending services in: the London Borough of Eastham",
        "2025-02",  # the inspection's date, as no publication date is given
        "Good",
    )


def test_an_explicit_overall_rating_wins_over_the_prose():
    prose = "Foreword\n\nOverall, Sheffield PDU was rated as 'Good'.\n\n"
    text = PDU.replace("Ratings\n", prose + "Ratings\n")
    assert extract_report(text).overall_rating == "Requires improvement"


def test_prose_that_only_mentions_the_domains_is_no_rating():
    text = "An inspection of probation services in Leeds\n\nWork with children and families\n"
    extraction = extract_report(text + "Work with victims is good.\n")
    assert extraction.ratings == [] and extraction.overall_rating is None


PROBATION = "HM Inspectorate of Probation"
HMICFRS = "HM Inspectorate of Constabulary and Fire & Rescue Services"


@pytest.mark.parametrize(
    ("written", "inspectorate"),
    [
        ("HM Inspectorate of Probation", PROBATION),
        ("Her Majesty's Inspectorate of Probation", PROBATION),
        ("His Majesty's Inspectorate of Probation", PROBATION),
        ("Her Majesty\u2019s Inspectorate of Probation", PROBATION),
        ("His Majesty\u2019s Inspectorate of Probation", PROBATION),
        ("HMI Probation", PROBATION),
        ("HMIP", PROBATION),
        ("Ofsted", "Ofsted"),
        ("OFSTED", "Ofsted"),
        ("Care Quality Commission", "Care Quality Commission"),
        ("CQC", "Care Quality Commission"),
        ("His Majesty's Inspectorate of Constabulary and Fire & Rescue Services", HMICFRS),
        ("Her Majesty\u2019s Inspectorate of Constabulary and Fire and Rescue Services", HMICFRS),
        ("HMICFRS", HMICFRS),
        ("Care Inspectorate Wales", "Care Inspectorate Wales"),
        ("Arolygiaeth Gofal Cymru", "Care Inspectorate Wales"),
        ("Estyn", "Estyn"),
        ("HM Inspectorate of Prisons", "HM Inspectorate of Prisons"),
    ],
)
def test_each_inspectorate_under_each_of_its_names(written, inspectorate):
    extraction = extract_report(f"An inspection of services in Leeds\n\n{written}, May 2024\n")
    assert extraction.inspectorate == inspectorate
    assert extraction.published == "2024-05"


def test_the_inspectorate_named_most_is_the_one_that_inspected():
    text = (
        "Partners include Ofsted and the CQC.\n\nAn inspection of youth offending services in "
        "Leeds\n\nHM Inspectorate of Probation, May 2024\n\nHMIP inspected the service.\n"
    )
    assert extract_report(text).inspectorate == PROBATION
