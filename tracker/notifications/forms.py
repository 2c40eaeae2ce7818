"""The form where a person chooses how they are told of each kind of notification."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from tracker.notifications.choices import DELIVERIES, DELIVERY_LABELS, KIND_QUESTIONS, KINDS


def _delivery_field(kind: str) -> RadioField:
    question = KIND_QUESTIONS[kind].question
    return RadioField(
        question,
        widget=GovRadioInput(),
        choices=[SelectChoice(value, DELIVERY_LABELS[value]) for value in DELIVERIES],
        # Checked by AnyOf, so anything else sent is refused with words a person can act on.
        validate_choice=False,
        validators=[
            AnyOf(
                DELIVERIES,
                message=f"Select how you want to be told {question[0].lower()}{question[1:]}",
            )
        ],
    )


class ChoicesForm(FlaskForm):
    """One question per kind of notification; `only` keeps those that apply to the person."""

    submitted = _delivery_field("submitted")
    returned = _delivery_field("returned")
    approved = _delivery_field("approved")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def only(self, kinds: list[str]) -> "ChoicesForm":
        """Drop the questions about kinds that do not apply: anything sent for them is ignored."""
        self.kinds = kinds
        for kind in KINDS:
            if kind not in kinds:
                del self[kind]
        return self

    def chosen(self) -> dict[str, str]:
        return {kind: self[kind].data for kind in self.kinds}
