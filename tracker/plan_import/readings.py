"""Reading an uploaded plan (a Word, Excel or CSV table, or a pasted one) into a plan import
to check: work for the job worker, not the web request, as a workbook of thousands of rows
takes many seconds to read (see tracker.jobs.readings for how an upload is kept, claimed,
retried and followed).

A plan is read for its tables (tracker.plan_import.tables), then started as an import
(tracker.plan_import.imports.start_import), which finds the same file uploaded before by the
SHA-256 of its bytes; PlanFileError is a file refused, in words.
"""

import hashlib

from sqlite_utils import Database

from tracker.audit import Actor
from tracker.jobs import readings
from tracker.plan_import import imports, tables


def _read(db: Database, row: dict, max_bytes: int, actor: Actor) -> int:
    """The plan import read from an uploaded file (or pasted table, kept as UTF-8): its id."""
    content = row["content"]
    if row["pasted"]:
        found = tables.read_pasted(content.decode("utf-8"))
    else:
        found = tables.read_tables(row["filename"], content, max_bytes)
    digest = hashlib.sha256(content).hexdigest()
    return imports.start_import(db, row["board_id"], row["filename"], digest, found, actor)


PLANS = readings.UploadReadings(
    table="plan_readings",
    result_column="plan_import_id",
    read_upload=_read,
    refusal=tables.PlanFileError,
    subject="plan",
    reading_message="Finding its table and columns.",
    ready_message="Its table and columns are ready to check.",
)
