"""Financial-year quarters: April to March, written "2023/24 Q2"."""

from datetime import date

import pytest

from tracker.quarters import Quarter


@pytest.mark.parametrize(
    ("label", "starts_on", "ends_on"),
    [
        ("2023/24 Q1", date(2023, 4, 1), date(2023, 6, 30)),
        ("2023/24 Q2", date(2023, 7, 1), date(2023, 9, 30)),
        ("2023/24 Q3", date(2023, 10, 1), date(2023, 12, 31)),
        ("2023/24 Q4", date(2024, 1, 1), date(2024, 3, 31)),
        ("1999/00 Q4", date(2000, 1, 1), date(2000, 3, 31)),
    ],
)
def test_a_quarter_spans_three_months_of_the_financial_year(label, starts_on, ends_on):
    quarter = Quarter.parse(label)
    assert (quarter.starts_on, quarter.ends_on) == (starts_on, ends_on)
    assert quarter.label == label


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2023, 4, 1), "2023/24 Q1"),
        (date(2023, 9, 30), "2023/24 Q2"),
        (date(2023, 12, 31), "2023/24 Q3"),
        (date(2024, 1, 1), "2023/24 Q4"),
        (date(2024, 3, 31), "2023/24 Q4"),
    ],
)
def test_every_day_falls_in_one_quarter(day, label):
    assert Quarter.containing(day).label == label


def test_quarters_follow_one_another_across_financial_years():
    assert Quarter.parse("2022/23 Q4").next() == Quarter.parse("2023/24 Q1")
    assert Quarter.parse("2023/24 Q1").previous() == Quarter.parse("2022/23 Q4")
    assert Quarter.parse("2023/24 Q2").next().label == "2023/24 Q3"
    assert Quarter.parse("2023/24 Q1") < Quarter.parse("2023/24 Q2") < Quarter.parse("2024/25 Q1")


def test_labels_are_read_leniently_about_spacing_and_case():
    assert Quarter.parse(" 2023 / 24 q2 ").label == "2023/24 Q2"


@pytest.mark.parametrize(
    "label", ["", "2023/24", "2023/25 Q1", "2023/24 Q5", "Q2 2023/24", "2023-24 Q2", "<script>"]
)
def test_anything_else_is_refused(label):
    with pytest.raises(ValueError, match=r"is not a quarter|does not follow"):
        Quarter.parse(label)
