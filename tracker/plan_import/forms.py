"""The form for bringing a board's existing plan."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField


class PlanUploadForm(FlaskForm):
    plan = FileField(
        "Upload the plan",
        description="A Word document (.docx), an Excel workbook (.xlsx) or a CSV file with the "
        "plan as a table. 20 MB at most.",
        widget=GovFileInput(),
    )
    pasted = TextAreaField(
        "Or paste the plan's table",
        description="Copy the table from Word or Excel, with its header row.",
        widget=GovTextArea(),
    )
    submit = SubmitField("Read the plan", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        """One of the two, but not neither."""
        if not super().validate(extra_validators):
            return False
        if not self.plan.data and not (self.pasted.data or "").strip():
            self.plan.errors.append("Choose a file to upload, or paste the plan's table")
            return False
        return True
