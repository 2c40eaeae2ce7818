"""Reading an uploaded file (a report, a board's plan): work for the job worker, not the web
request.

Reading a long PDF or a workbook of thousands of rows can take many seconds, and a hostile file
longer still; a web worker busy with it serves nobody else. So an upload is kept as a row of a
readings table (report_readings, plan_readings: the same shape) and a job reads it into an
import to review. The row says how far it has got for the page that follows it, and ends
'done' with the import made, or 'failed' with the reason in the words the upload form would
have used. The uploaded bytes are dropped once read either way.

A file the reader refuses is not tried again: it would be refused again. Anything else (the
database busy, the worker killed) is retried, and a worker killed mid-read leaves the row to
the next worker (see tracker.jobs.claims).

What differs between kinds of upload is only how a file is read and the words for its page:
each kind is an UploadReadings (tracker.reports.readings, tracker.plan_import.readings).
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from tracker.audit import Actor
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.jobs import claims

IN_HAND = ("queued", "reading")
# Reads a row of the readings table (its content, filename, pasted) into an import for the
# row's board, returning the import's id; raises the kind's refusal for a file it refuses.
ReadUpload = Callable[[Database, dict, int, Actor], int]


@dataclass(frozen=True)
class Reading:
    """An uploaded file and how far reading it has got; `result_id` is the import made."""

    id: int
    board_id: int
    filename: str
    state: str
    result_id: int | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class UploadReadings:
    """The readings of one kind of upload: kept in `table`, the import made recorded in
    `result_column`, read by `read_upload`, which raises `refusal` for a file it refuses.
    `subject` ("report", "plan") and the messages are the words of the page that follows."""

    def __init__(
        self,
        *,
        table: str,
        result_column: str,
        read_upload: ReadUpload,
        refusal: type[Exception],
        subject: str,
        reading_message: str,
        ready_message: str,
    ):
        # Table and column names are constants of the caller, put into SQL as they are.
        self.table = table
        self.result_column = result_column
        self.read_upload = read_upload
        self.refusal = refusal
        self.subject = subject
        self.reading_message = reading_message
        self.ready_message = ready_message
        self.could_not_read = (
            f"The {subject} could not be read because of a problem with the tracker, not the "
            "file. The board's administrators have been told. Try again later."
        )

    def queue(
        self,
        db: Database,
        board_id: int,
        filename: str,
        content: bytes,
        *,
        pasted: bool,
        actor: Actor,
    ) -> int:
        """Keep an upload (at most the form's limit and one byte) to be read; its id."""
        with write_transaction(db):
            return (
                db[self.table]
                .insert(
                    {
                        "board_id": board_id,
                        "filename": filename[:255] or self.subject,
                        "pasted": int(pasted),
                        "content": content,
                        "size": len(content),
                        "uploaded_by": actor.user_id,
                    }
                )
                .last_pk
            )

    def get(self, db: Database, reading_id: int) -> Reading | None:
        row = db.execute(
            f"SELECT id, board_id, filename, state, {self.result_column}, error"  # noqa: S608
            f" FROM {self.table} WHERE id = ?",
            [reading_id],
        ).fetchone()
        return Reading(*row) if row else None

    def board_of_reading(self, db: Database, board_id: int, reading_id: int) -> int | None:
        """The board the upload was for, when it is the board in the address (else None: 404)."""
        return scalar(
            db,
            f"SELECT board_id FROM {self.table} WHERE id = ? AND board_id = ?",  # noqa: S608
            reading_id,
            board_id,
        )

    def read(
        self, db: Database, reading_id: int, max_bytes: int, attempts_allowed: int
    ) -> Reading | None:
        """The job: read the upload into an import, unless another job has it in hand or it
        is read already. Raises on a failure of the tracker's own (for the job's retries)."""
        if not claims.claim(db, self.table, reading_id, "reading"):
            return self.get(db, reading_id)
        row = db[self.table].get(reading_id)
        actor = Actor(row["uploaded_by"], row["board_id"])
        try:
            result_id = self.read_upload(db, row, max_bytes, actor)
        except self.refusal as refused:
            self._end(db, reading_id, "failed", error=str(refused))
        except Exception:
            if row["attempts"] >= attempts_allowed:
                self._end(db, reading_id, "failed", error=self.could_not_read)
            else:
                with write_transaction(db):
                    db.execute(
                        f"UPDATE {self.table} SET state = 'queued', worker = NULL"  # noqa: S608
                        " WHERE id = ?",
                        [reading_id],
                    )
            raise
        else:
            self._end(db, reading_id, "done", **{self.result_column: result_id})
        return self.get(db, reading_id)

    def forget(self, db: Database, reading_id: int) -> None:
        """Remove a reading whose failure the uploader has been shown on the form."""
        with write_transaction(db):
            db.execute(
                f"DELETE FROM {self.table} WHERE id = ? AND state = 'failed'",  # noqa: S608
                [reading_id],
            )

    def abandoned(self, db: Database) -> list[int]:
        """The readings a stopped worker left undone, to queue again (see claims)."""
        return claims.abandoned(db, self.table, IN_HAND)

    def _end(self, db: Database, reading_id: int, state: str, **outcome) -> None:
        with write_transaction(db):
            db[self.table].update(
                reading_id,
                {
                    "state": state,
                    "content": None,
                    "worker": None,
                    "finished_at": timestamp(now()),
                    **outcome,
                },
            )

    def status(self, reading: Reading) -> dict:
        """How far reading has got, in words for its page (and as data for the page's script)."""
        subject = self.subject
        if reading.state == "done":
            heading, message = f"Your {subject} has been read", self.ready_message
        elif reading.state == "failed":
            heading = f"The {subject} could not be read"
            message = reading.error or self.could_not_read
        elif reading.state == "reading":
            heading, message = f"Your {subject} is being read", self.reading_message
        else:
            heading, message = f"Your {subject} is waiting to be read", "It will start in a moment."
        return {
            "state": reading.state,
            "heading": heading,
            "message": message,
            "finished": reading.finished,
            "ready": reading.state == "done",
        }
