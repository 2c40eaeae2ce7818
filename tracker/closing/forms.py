"""The forms that close a quarter and reopen one. Each carries the quarter it acts on and which
closing of it the page showed, so a form sent again later cannot act on another quarter."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.closing.workflow import MAX_REASON
from tracker.forms import strip_whitespace
from tracker.text import whole_number


class QuarterForm(FlaskForm):
    """The quarter a page was shown for, and its closing number."""

    quarter = HiddenField()
    closing = HiddenField()

    def show(self, label: str, closing: int) -> None:
        self.quarter.data, self.closing.data = label, str(closing)

    @property
    def label(self) -> str:
        return self.quarter.data if isinstance(self.quarter.data, str) else ""

    @property
    def closing_number(self) -> int:
        """The closing number sent, or 0 (no closing) for anything but a whole number."""
        sent = self.closing.data if isinstance(self.closing.data, str) else ""
        return whole_number(sent) or 0


class CloseQuarterForm(QuarterForm):
    pass


class ReopenQuarterForm(QuarterForm):
    reason = TextAreaField(
        "Why is the quarter being reopened?",
        widget=GovTextArea(),
        description="This is kept with the quarter and shown in the record of changes, "
        "for example: the board asked for an update to be corrected before publication.",
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter why the quarter is being reopened"),
            Length(
                max=MAX_REASON, message=f"The reason must be {MAX_REASON:,} characters or fewer"
            ),
        ],
    )
