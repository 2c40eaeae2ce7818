"""The operator's board form."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField

from tracker.forms import text_field


class BoardForm(FlaskForm):
    name = text_field("Board name", 200, required="Enter the board's name")
    service = text_field(
        "Youth justice service", 200, required="Enter the name of the service the board oversees"
    )
    council = text_field("Council or area (optional)", 200)
    fingerprint = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())

    def details(self) -> dict:
        return {
            "name": self.name.data,
            "service": self.service.data,
            "council": self.council.data or "",
        }
