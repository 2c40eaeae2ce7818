"""The form that makes a share link."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

from tracker.actions.forms import GovDateTextInput
from tracker.forms import strip_whitespace, text_field
from tracker.scrutiny.links import MAX_LABEL, expiry_problem


class ShareLinkForm(FlaskForm):
    label = text_field(
        "Who the link is for",
        MAX_LABEL,
        required="Enter who the link is for, like the scrutiny panel and the meeting",
    )
    expires_on = StringField(
        "Last day it works",
        widget=GovDateTextInput(),
        filters=[strip_whitespace],
        description="It stops working at midnight at the end of this day, UK time."
        " At most a year from today.",
    )
    submit = SubmitField("Make a share link", widget=GovSubmitInput())

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_expires_on(self, field) -> None:
        if not field.data:
            raise ValidationError("Enter the last day the link works")
        try:
            chosen = date.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(
                "Enter the last day the link works as a real date, like 2026-12-31"
            ) from None
        problem = expiry_problem(chosen, self.today)
        if problem:
            raise ValidationError(problem)

    @property
    def expiry_date(self) -> date:
        """The chosen expiry date; only once the form has validated."""
        return date.fromisoformat(self.expires_on.data)
