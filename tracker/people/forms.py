"""Adding and correcting people in the board's directory."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField

from tracker.forms import email_field, text_field


class PersonForm(FlaskForm):
    name = text_field("Name", 200, required="Enter the person's name")
    job_title = text_field("Job title", 200)
    organisation = text_field("Organisation", 200)
    email = email_field("Email address (optional)")
    fingerprint = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())
