"""Forms for changing a plan."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput
from wtforms import HiddenField, SelectMultipleField, SubmitField


class ChampionsForm(FlaskForm):
    board_champions = SelectMultipleField(
        "Board champions", coerce=int, widget=GovCheckboxesInput(), validate_choice=True
    )
    service_champions = SelectMultipleField(
        "Youth Justice Service champions",
        coerce=int,
        widget=GovCheckboxesInput(),
        validate_choice=True,
    )
    fingerprint = HiddenField()
    submit = SubmitField("Save champions", widget=GovSubmitInput())

    def offer(self, people: list[dict]) -> None:
        """Offer everyone in the board's directory as a choice for both kinds of champion."""
        choices = [(person["id"], _describe(person)) for person in people]
        self.board_champions.choices = choices
        self.service_champions.choices = choices


def _describe(person: dict) -> str:
    details = ", ".join(part for part in (person["job_title"], person["organisation"]) if part)
    return f"{person['name']} ({details})" if details else person["name"]
