"""The upload form."""

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField

from tracker.forms import FileOrPastedForm


class UploadForm(FileOrPastedForm):
    file_field = "report"
    missing = "Choose a file to upload, or paste the report's text"
    report = FileField(
        "Upload the report",
        description="The PDF as the inspectorate published it, a Word document (.docx), or a "
        "text or Markdown file. 20 MB at most.",
        widget=GovFileInput(),
    )
    pasted = TextAreaField(
        "Or paste the report's text",
        description="For example the recommendations and ratings copied from the report or "
        "from committee minutes.",
        widget=GovTextArea(),
    )
    submit = SubmitField("Read the report", widget=GovSubmitInput())
