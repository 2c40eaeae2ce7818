"""Reading an uploaded report into a draft plan: work for the job worker, not the web request
(see tracker.jobs.readings for how an upload is kept, claimed, retried and followed).

A report is read for its text (tracker.reports.formats) and what it says
(tracker.reports.extraction) in a child process, within the time and memory the settings
allow (tracker.reports.budget); then its draft plan is stored
(tracker.reports.imports.start_import). ReportFileError is a file refused, in words, among
them a file over budget.
"""

from flask import current_app
from sqlite_utils import Database

from tracker.audit import Actor
from tracker.jobs import readings
from tracker.reports import imports
from tracker.reports.budget import Budget, read_within_budget
from tracker.reports.formats import ReportFileError

Reading = readings.Reading
IN_HAND = readings.IN_HAND


def _read(db: Database, row: dict, max_bytes: int, actor: Actor) -> int:
    """The draft plan read from an uploaded report (or pasted text): the import's id."""
    read = read_within_budget(
        row["filename"],
        row["content"],
        max_bytes,
        Budget.of(current_app.config),
        pasted=bool(row["pasted"]),
    )
    return imports.start_import(
        db, row["board_id"], row["filename"], read.text, actor, read.extraction
    )


REPORTS = readings.UploadReadings(
    table="report_readings",
    result_column="import_id",
    read_upload=_read,
    refusal=ReportFileError,
    subject="report",
    reading_message="Finding the ratings, recommendations and findings.",
    ready_message="The draft plan is ready to review.",
)
COULD_NOT_READ = REPORTS.could_not_read
# The module's functions, as the views, the job and the tests call them.
queue = REPORTS.queue
get = REPORTS.get
board_of_reading = REPORTS.board_of_reading
read = REPORTS.read
forget = REPORTS.forget
status = REPORTS.status
