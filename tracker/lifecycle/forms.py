"""Starting reporting on a plan, and confirming it is closed or deleted."""

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import ValidationError

from tracker.date_input import DayMonthYearField
from tracker.quarters import Quarter


def example_dates(quarter: Quarter) -> tuple[str, str]:
    """An update deadline and board meeting a hint can offer for the quarter, as typed into
    the boxes: "15 1 2027", "29 1 2027"."""
    after = quarter.next().starts_on
    return tuple(
        f"{day.day} {day.month} {day.year}"
        for day in (after + timedelta(days=14), after + timedelta(days=28))
    )


class QuarterDatesForm(FlaskForm):
    """A quarter's update deadline and board meeting, as day, month and year."""

    update_deadline = DayMonthYearField("Updates due by", "update deadline")
    board_meeting_on = DayMonthYearField("Board meeting", "board meeting date")


class StartReportingForm(QuarterDatesForm):
    quarter = RadioField("Which quarter is the first the board reports on?", validate_choice=False)

    def offer(self, quarters: list[Quarter]) -> None:
        self.quarter.choices = [(q.label, q.label) for q in quarters]
        self.quarter.offered = quarters

    def validate_quarter(self, field) -> None:
        if field.data not in {label for label, _ in field.choices}:
            raise ValidationError("Select the first quarter the board reports on")

    def chosen_quarter(self) -> Quarter:
        return Quarter.parse(self.quarter.data)


class ConfirmForm(FlaskForm):
    """A confirmation page's form: it names the plan's state it was shown in, so one sent
    again after the change is not applied twice."""

    state = HiddenField()
