"""Forms for inviting people and changing their access to a board."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import HiddenField, RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, ValidationError

from tracker.forms import email_field, text_field
from tracker.permissions import ROLES

NEW_PERSON = "new"
ROLE_HINTS = {
    "administrator": "Runs the plan: imports reports, assigns champions, approves updates, "
    "closes quarters and manages users",
    "champion": "Writes the quarterly updates on the recommendations they champion",
    "scrutiny": "Reads the plan as the board publishes it, and prints it; changes nothing",
}
ROLE_LABELS = {
    "administrator": "Administrator",
    "champion": "Champion",
    "scrutiny": "Scrutiny panel (read only)",
}


def role_field(label: str) -> RadioField:
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES],
        validate_choice=False,
        validators=[AnyOf(list(ROLES), message="Select a role")],
    )


class InviteForm(FlaskForm):
    name = text_field("Full name", 200, required="Enter their full name")
    email = email_field("Email address", required="Enter their email address")
    role = role_field("Role")
    person = SelectField(
        "Their entry in the people list",
        widget=GovSelect(),
        description="Champions are chosen from the people list. Choose their entry if they "
        "are already on it.",
        validate_choice=False,
    )
    organisation = text_field("Organisation (optional)", 200)
    job_title = text_field("Job title (optional)", 200)
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def offer(self, people: list[dict]) -> None:
        """Offer the people on the list who have no account on the board yet."""
        self.person.choices = [SelectChoice(NEW_PERSON, "Add them to the people list")] + [
            SelectChoice(str(person["id"]), person["name"]) for person in people
        ]

    def validate_person(self, field) -> None:
        if (field.data or NEW_PERSON) not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose their entry from the people list, or add them")

    @property
    def person_id(self) -> int | None:
        value = self.person.data or NEW_PERSON
        return None if value == NEW_PERSON else int(value)


class InviteAdministratorForm(FlaskForm):
    name = text_field("Full name", 200, required="Enter their full name")
    email = email_field("Email address", required="Enter their email address")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = role_field("Role on this board")
    submit = SubmitField("Change role", widget=GovSubmitInput())


class BulkUploadForm(FlaskForm):
    people = FileField(
        "Upload a CSV or Excel file",
        description="One row for each person, with columns Name, Email address, Organisation, "
        "Job title and Role (administrator, champion or scrutiny). 500 people at most.",
        widget=GovFileInput(),
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class BulkConfirmForm(FlaskForm):
    rows = HiddenField()
    submit = SubmitField("Send the invitations", widget=GovSubmitInput())


class TwoFactorRuleForm(FlaskForm):
    required = RadioField(
        "Must everyone on this board sign in with an authenticator app?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("yes", "Yes, everyone"),
            SelectChoice("no", "No"),
        ],
        validate_choice=False,
        validators=[AnyOf(["yes", "no"], message="Select whether everyone must use an app")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
