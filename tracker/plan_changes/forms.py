"""The forms for changing a plan: its details, a recommendation, the order, key lines of
enquiry, and withdrawing a recommendation."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from tracker.forms import strip_whitespace, text_field
from tracker.plan_changes.changes import (
    DIRECTIONS,
    MAX_ADDRESSEE,
    MAX_NUMBER,
    MAX_PERIOD,
    MAX_REASON,
    MAX_TEXT,
    MAX_TITLE,
    ORIGINS,
)
from tracker.text import whole_number

# The choice of a key line of enquiry in the user's own words, beside the report's findings.
OWN_WORDS = "own"


def text_area(
    label: str, max_length: int, required: str, *, name: str | None = None, description: str = ""
) -> TextAreaField:
    """A text box of several lines, required with the message `required`; `name` is what the
    message for too long a text calls it (the label, unless given)."""
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=description,
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=required),
            Length(
                max=max_length,
                message=f"{name or label} must be {max_length:,} characters or fewer",
            ),
        ],
    )


class PlanDetailsForm(FlaskForm):
    title = text_field("Title", MAX_TITLE, required="Enter the plan's title")
    period = text_field("Period (optional)", MAX_PERIOD)
    fingerprint = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class RecommendationForm(FlaskForm):
    number = StringField(
        "Number (optional)",
        widget=GovTextInput(),
        description="As the plan numbers it. Leave it blank if it has no number.",
        filters=[strip_whitespace],
    )
    text = text_area("Wording", MAX_TEXT, required="Enter the recommendation's wording")
    addressee = text_field("Addressed to (optional)", MAX_ADDRESSEE)
    origin = RadioField(
        "Who made this recommendation?",
        widget=GovRadioInput(),
        choices=[SelectChoice(value, label) for value, label in ORIGINS.items()],
        validate_choice=False,
        validators=[AnyOf(list(ORIGINS), message="Select who made this recommendation")],
    )
    fingerprint = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_number(self, field) -> None:
        if field.data and not 1 <= (whole_number(field.data) or 0) <= MAX_NUMBER:
            raise ValidationError(
                f"Enter the number as a whole number from 1 to {MAX_NUMBER}, or leave it blank"
            )

    def details(self) -> dict:
        """The recommendation as the form has it: what `changes.add_recommendation` and
        `change_recommendation` take."""
        return {
            "number": whole_number(self.number.data) if self.number.data else None,
            "text": self.text.data,
            "addressee": self.addressee.data,
            "origin": self.origin.data,
        }

    @staticmethod
    def data_of(recommendation: dict, fingerprint: str) -> dict:
        """What the form shows for a stored recommendation."""
        return {
            "number": str(recommendation["number"] or ""),
            "text": recommendation["text"],
            "addressee": recommendation["addressee"] or "",
            "origin": recommendation["origin"],
            "fingerprint": fingerprint,
        }


class OrderForm(FlaskForm):
    """The Move up and Move down buttons of the plan's recommendations: each sends
    "<direction>:<recommendation id>"."""

    move = StringField()
    fingerprint = HiddenField()

    def validate_move(self, field) -> None:
        direction, _, recommendation = (field.data or "").partition(":")
        if direction not in DIRECTIONS or whole_number(recommendation) is None:
            raise ValidationError("Choose a recommendation to move")

    def chosen(self) -> tuple[int, str]:
        """The recommendation's id, and which way it moves."""
        direction, _, recommendation = self.move.data.partition(":")
        return int(recommendation), direction


class KeyLineForm(FlaskForm):
    """The page's two forms for adding a key line of enquiry: one of the report's findings
    (radios, rendered by the template), or the board's own words (`source` is "own")."""

    source = RadioField("Add a finding from the inspection report", validate_choice=False)
    text = TextAreaField(
        "Key line of enquiry in the board's own words",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Length(
                max=MAX_TEXT,
                message=f"Key line of enquiry must be {MAX_TEXT:,} characters or fewer",
            )
        ],
    )
    fingerprint = HiddenField()

    def offer(self, findings: list[dict]) -> None:
        """Offer each finding not yet used, then the user's own words."""
        self.source.choices = [SelectChoice(str(f["id"]), f["text"]) for f in findings] + [
            SelectChoice(OWN_WORDS, "In the board's own words")
        ]

    def validate_source(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Select a finding from the inspection report")

    def validate_text(self, field) -> None:
        if self.source.data == OWN_WORDS and not field.data:
            raise ValidationError("Enter the key line of enquiry")

    def finding_id(self) -> int | None:
        """The finding chosen, or None for the user's own words."""
        return None if self.source.data == OWN_WORDS else int(self.source.data)


class RemoveKeyLineForm(FlaskForm):
    """The Remove buttons beside a recommendation's key lines: each sends its key line's id."""

    remove = StringField()
    fingerprint = HiddenField()

    def validate_remove(self, field) -> None:
        if whole_number(field.data or "") is None:
            raise ValidationError("Choose a key line of enquiry to remove")


class WithdrawForm(FlaskForm):
    reason = text_area(
        "Why is the board withdrawing it?",
        MAX_REASON,
        required="Enter why the board is withdrawing this recommendation",
        name="The reason",
        description="This is shown beside the recommendation wherever the plan is shown, "
        "including the published plan the scrutiny panel reads.",
    )
    fingerprint = HiddenField()
    submit = SubmitField("Withdraw recommendation", widget=GovSubmitInput())


class ReinstateForm(FlaskForm):
    fingerprint = HiddenField()
    submit = SubmitField("Reinstate recommendation", widget=GovSubmitInput())
