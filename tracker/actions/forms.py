"""The action form and the plan's setting for whether it uses actions."""

import re
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from tracker.actions.queries import MAX_TEXT, STATUSES
from tracker.forms import strip_whitespace

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NO_OWNER = ""


class GovDateTextInput(GovTextInput):
    """A browser's own date input: it sends the date as YYYY-MM-DD, whatever it shows."""

    input_type = "date"


class ActionForm(FlaskForm):
    text = TextAreaField(
        "Action",
        widget=GovTextArea(),
        description="What will be done, in a sentence or two",
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the action"),
            Length(max=MAX_TEXT, message=f"Action must be {MAX_TEXT:,} characters or fewer"),
        ],
    )
    owner_id = SelectField("Owner (optional)", widget=GovSelect(), validate_choice=False)
    target_date = StringField(
        "Target date (optional)",
        widget=GovDateTextInput(),
        filters=[strip_whitespace],
    )
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[SelectChoice(value, label) for value, label in STATUSES.items()],
        validate_choice=False,
        validators=[AnyOf(list(STATUSES), message="Select the action's status")],
    )
    fingerprint = HiddenField()
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def offer(self, people: list[dict]) -> None:
        """Offer everyone in the board's directory as the owner, or nobody yet."""
        self.owner_id.choices = [SelectChoice(NO_OWNER, "No owner yet")] + [
            SelectChoice(str(person["id"]), _describe(person)) for person in people
        ]

    def validate_owner_id(self, field) -> None:
        if (field.data or NO_OWNER) not in {choice.value for choice in field.choices}:
            raise ValidationError("Select the owner from the list, or no owner yet")

    def validate_target_date(self, field) -> None:
        if field.data and not _is_real_date(field.data):
            raise ValidationError("Enter the target date as a real date, like 2023-09-29")

    def fields(self) -> dict:
        """The action as the form has it: what `queries.add_action` and `change_action` take."""
        return {
            "text": self.text.data,
            "owner_id": int(self.owner_id.data) if self.owner_id.data else None,
            "target_date": self.target_date.data or None,
            "status": self.status.data,
        }

    @staticmethod
    def data_of(action: dict, fingerprint: str) -> dict:
        """What the form shows for a stored action."""
        return {
            "text": action["text"],
            "owner_id": str(action["owner_id"]) if action["owner_id"] else NO_OWNER,
            "target_date": action["target_date"] or "",
            "status": action["status"],
            "fingerprint": fingerprint,
        }


class SettingsForm(FlaskForm):
    uses_actions = RadioField(
        "Does this plan use actions under its recommendations?",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        description="An action has an owner, a target date and a status. Overdue actions are "
        "flagged. Turning actions off hides them and keeps them.",
        validate_choice=False,
        validators=[AnyOf(["yes", "no"], message="Select yes if this plan uses actions")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


def _is_real_date(value: str) -> bool:
    if not ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _describe(person: dict) -> str:
    details = ", ".join(part for part in (person["job_title"], person["organisation"]) if part)
    return f"{person['name']} ({details})" if details else person["name"]
