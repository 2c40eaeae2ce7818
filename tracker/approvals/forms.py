"""The form that returns an update with a reason. (The inbox's checkboxes are one per update
waiting, so the inbox reads them from the request itself.)"""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.forms import strip_whitespace
from tracker.text import whole_number
from tracker.updates.workflow import MAX_NOTE


class ReturnForm(FlaskForm):
    """The reason for returning an update, with the quarter and revision the page showed."""

    quarter = HiddenField()
    based_on = HiddenField()
    reason = TextAreaField(
        "Why are you returning the update?",
        widget=GovTextArea(),
        description="The champions see this with their update, so say what they need to "
        "change, for example: the narrative does not say what happened this quarter.",
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter why you are returning the update"),
            Length(max=MAX_NOTE, message=f"The reason must be {MAX_NOTE:,} characters or fewer"),
        ],
    )

    def show(self, update: dict) -> None:
        """Carry the quarter and the revision the page shows."""
        self.quarter.data, self.based_on.data = update["quarter"], str(update["revision"])

    @property
    def label(self) -> str:
        return self.quarter.data if isinstance(self.quarter.data, str) else ""

    @property
    def revision(self) -> int:
        """The revision sent, or 0 (none) for anything but a whole number."""
        sent = self.based_on.data if isinstance(self.based_on.data, str) else ""
        return whole_number(sent) or 0
