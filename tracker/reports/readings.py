"""Reading an uploaded report into a draft plan: work for the job worker, not the web request.

Reading a long PDF and finding its recommendations can take many seconds, and a hostile file
longer still; a web worker busy with it serves nobody else. So an upload is kept as a row of
report_readings and a job reads it: the text (tracker.reports.formats), then the draft plan
(tracker.reports.imports.start_import). The row says how far it has got for the page that
follows it, and ends 'done' with the import made, or 'failed' with the reason in the words the
upload form would have used. The uploaded bytes are dropped once read either way.

A file the reader refuses is not tried again: it would be refused again. Anything else (the
database busy, the worker killed) is retried, and a worker killed mid-read leaves the row to
the next worker (see tracker.jobs.claims).
"""

from dataclasses import dataclass

from sqlite_utils import Database

from tracker.audit import Actor
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.jobs import claims
from tracker.reports import imports
from tracker.reports.formats import ReportFileError, read_pasted_text, read_report

IN_HAND = ("queued", "reading")
COULD_NOT_READ = (
    "The report could not be read because of a problem with the tracker, not the file. "
    "The board's administrators have been told. Try again later."
)


@dataclass(frozen=True)
class Reading:
    """An uploaded report and how far reading it has got."""

    id: int
    board_id: int
    filename: str
    state: str
    import_id: int | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def queue(
    db: Database, board_id: int, filename: str, content: bytes, *, pasted: bool, actor: Actor
) -> int:
    """Keep an upload (at most the form's limit and one byte) to be read; its id."""
    with write_transaction(db):
        return (
            db["report_readings"]
            .insert(
                {
                    "board_id": board_id,
                    "filename": filename[:255] or "report",
                    "pasted": int(pasted),
                    "content": content,
                    "size": len(content),
                    "uploaded_by": actor.user_id,
                }
            )
            .last_pk
        )


def get(db: Database, reading_id: int) -> Reading | None:
    row = db.execute(
        "SELECT id, board_id, filename, state, import_id, error FROM report_readings WHERE id = ?",
        [reading_id],
    ).fetchone()
    return Reading(*row) if row else None


def board_of_reading(db: Database, board_id: int, reading_id: int) -> int | None:
    """The board the upload was for, when it is the board in the address (else None: 404)."""
    return scalar(
        db,
        "SELECT board_id FROM report_readings WHERE id = ? AND board_id = ?",
        reading_id,
        board_id,
    )


def read(db: Database, reading_id: int, max_bytes: int, attempts_allowed: int) -> Reading:
    """The job: read the upload into a draft plan, unless another job has it in hand or it
    is read already. Raises on a failure of the tracker's own (for the job's retries)."""
    if not claims.claim(db, "report_readings", reading_id, "reading"):
        return get(db, reading_id)
    row = db["report_readings"].get(reading_id)
    actor = Actor(row["uploaded_by"], row["board_id"])
    try:
        if row["pasted"]:
            text = read_pasted_text(row["content"].decode("utf-8"), max_bytes)
        else:
            text = read_report(row["filename"], row["content"], max_bytes)
        import_id = imports.start_import(db, row["board_id"], row["filename"], text, actor)
    except ReportFileError as refused:
        _end(db, reading_id, "failed", error=str(refused))
    except Exception:
        if row["attempts"] >= attempts_allowed:
            _end(db, reading_id, "failed", error=COULD_NOT_READ)
        else:
            with write_transaction(db):
                db.execute(
                    "UPDATE report_readings SET state = 'queued', worker = NULL WHERE id = ?",
                    [reading_id],
                )
        raise
    else:
        _end(db, reading_id, "done", import_id=import_id)
    return get(db, reading_id)


def forget(db: Database, reading_id: int) -> None:
    """Remove a reading whose failure the uploader has been shown on the form."""
    with write_transaction(db):
        db.execute("DELETE FROM report_readings WHERE id = ? AND state = 'failed'", [reading_id])


def _end(db: Database, reading_id: int, state: str, **outcome) -> None:
    with write_transaction(db):
        db["report_readings"].update(
            reading_id,
            {
                "state": state,
                "content": None,
                "worker": None,
                "finished_at": timestamp(now()),
                **outcome,
            },
        )


def status(reading: Reading) -> dict:
    """How far reading has got, in words for its page (and as data for the page's script)."""
    if reading.state == "done":
        heading, message = "Your report has been read", "The draft plan is ready to review."
    elif reading.state == "failed":
        heading, message = "The report could not be read", reading.error or COULD_NOT_READ
    elif reading.state == "reading":
        heading = "Your report is being read"
        message = "Finding the ratings, recommendations and findings."
    else:
        heading, message = "Your report is waiting to be read", "It will start in a moment."
    return {
        "state": reading.state,
        "heading": heading,
        "message": message,
        "finished": reading.finished,
        "ready": reading.state == "done",
    }
