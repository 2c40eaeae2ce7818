"""Adding and correcting people in the board's directory."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from tracker.forms import strip_whitespace


class PersonForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the person's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    job_title = StringField(
        "Job title",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=200, message="Job title must be 200 characters or fewer"),
        ],
    )
    organisation = StringField(
        "Organisation",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=200, message="Organisation must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address (optional)",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    fingerprint = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())
