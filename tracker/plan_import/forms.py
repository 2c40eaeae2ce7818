"""The form for bringing a board's existing plan."""

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField

from tracker.forms import FileOrPastedForm


class PlanUploadForm(FileOrPastedForm):
    file_field = "plan"
    missing = "Choose a file to upload, or paste the plan's table"
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
