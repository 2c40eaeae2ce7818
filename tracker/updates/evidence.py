"""Evidence files attached to a quarter's update: checked, stored, listed and found again.

A file belongs to the revision whose save added it, and stays with every later revision of
the same recommendation's update for the same quarter: a revision's files are those added by
it or by an earlier revision of that quarter's update. So a save copies nothing, each stored
file has one row (its random `stored_name` is unique), and the history shows which files
each revision carried. The scrutiny panel may have a file once a revision that carries it
has been approved and its quarter closed.

A file is accepted by what its bytes are, not by its name: PDF, Word (.docx), Excel (.xlsx),
PowerPoint (.pptx), PNG, JPEG or GIF, and the name's extension must agree. Nothing is written
until every file in the save has passed; files are written inside the save's transaction and
removed again if it fails, so a refused or failed save leaves neither rows nor files.
"""

import hashlib
import os
import re
import secrets
import shutil
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.reports.formats import describe_size, extension_of

MAX_FILES_PER_SAVE = 10
MAX_NAME_LENGTH = 255
CHUNK_BYTES = 64 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}")

# What each accepted kind of file is served as, and the extensions its name may end in.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "pptx": {"pptx"},
    "png": {"png"},
    "jpeg": {"jpg", "jpeg"},
    "gif": {"gif"},
}
ACCEPT = ",".join(f".{ext}" for kind in EXTENSIONS for ext in sorted(EXTENSIONS[kind]))
# The part every Office Open XML file of each kind has; an ordinary zip has none of them.
OFFICE_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
KIND_WORDS = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "xlsx": "an Excel spreadsheet",
    "pptx": "a PowerPoint presentation",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
}
KINDS_IN_WORDS = "a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG, JPEG or GIF file"


class EvidenceError(ValueError):
    """Files that cannot be attached; the message is written to be shown to the user as is."""


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that has passed every check, not yet stored."""

    original_name: str
    content_type: str
    size: int
    sha256: str
    stream: IO[bytes]


def check_uploads(uploads: list, max_bytes: int) -> list[CheckedFile]:
    """Check every uploaded file (werkzeug FileStorage objects); raise EvidenceError naming
    the first one that cannot be attached. Parts with no file chosen are left out."""
    chosen = [upload for upload in uploads if upload.filename]
    if len(chosen) > MAX_FILES_PER_SAVE:
        raise EvidenceError(
            f"You chose {len(chosen)} files: attach no more than {MAX_FILES_PER_SAVE} at a time"
        )
    return [check_file(upload.filename, upload.stream, max_bytes) for upload in chosen]


def check_file(filename: str, stream: IO[bytes], max_bytes: int) -> CheckedFile:
    """Check one file by its content; `stream` must be seekable."""
    name = readable_name(filename)
    shown = name or "The file"
    stream.seek(0)
    head = stream.read(16)
    digest, size = hashlib.sha256(head), len(head)
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise EvidenceError(f"{shown} is larger than {describe_size(max_bytes)}")
        digest.update(chunk)
    if size > max_bytes:
        raise EvidenceError(f"{shown} is larger than {describe_size(max_bytes)}")
    if size == 0:
        raise EvidenceError(f"{shown} is empty")
    kind = _kind(head, stream)
    if kind is None:
        raise EvidenceError(f"{shown} is not {KINDS_IN_WORDS}")
    extension = extension_of(name)
    if extension not in EXTENSIONS[kind]:
        raise EvidenceError(
            f"{shown} is {KIND_WORDS[kind]} but its name does not end in "
            + " or ".join(f".{ext}" for ext in sorted(EXTENSIONS[kind]))
        )
    stream.seek(0)
    return CheckedFile(name, CONTENT_TYPES[kind], size, digest.hexdigest(), stream)


def readable_name(filename: str | None) -> str:
    """The name the browser sent, fit to show and to offer as the download's name: no folder
    part, no control or invisible formatting characters (such as right-to-left overrides that
    disguise an extension), spaces tidied, no leading dots, and at most 255 characters with
    the extension kept. It is only ever shown (escaped) or sent quoted in a header: the file
    on disk has a random name."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) < 16:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def _kind(head: bytes, stream: IO[bytes]) -> str | None:
    """What the file is by its first bytes (and, for a zip, its parts); None if not allowed."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    return None


def _office_kind(stream: IO[bytes]) -> str | None:
    """ "docx", "xlsx" or "pptx" for an Office file without macros; reads only the zip's
    directory, never unpacks a part."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # a macro-enabled file renamed: never served as a plain document
    kinds = {kind for part, kind in OFFICE_MAIN_PARTS.items() if part in names}
    return kinds.pop() if len(kinds) == 1 else None


# ----- Storing --------------------------------------------------------------------------------


def save_with_files(
    db: Database,
    folder: str | Path,
    files: list[CheckedFile],
    actor: audit.Actor,
    save: Callable[[], dict],
) -> dict:
    """Run `save` (which makes and returns a new revision), then store `files` on it, all in
    one transaction. If anything fails, the files written so far are removed and the
    exception is raised again: the save leaves nothing behind."""
    folder = Path(folder).absolute()
    written: list[Path] = []
    try:
        with write_transaction(db):
            revision = save()
            known = {file["sha256"] for file in files_of_revision(db, revision)}
            for file in files:
                if file.sha256 in known:
                    continue  # already attached to this quarter's update
                known.add(file.sha256)
                stored_name = secrets.token_hex(16)
                path = folder / stored_name
                written.append(path)
                _write(path, file.stream)
                audit.insert(
                    db,
                    "evidence_files",
                    {
                        "update_id": revision["id"],
                        "original_name": file.original_name,
                        "stored_name": stored_name,
                        "content_type": file.content_type,
                        "size": file.size,
                        "sha256": file.sha256,
                        "uploaded_by": actor.user_id,
                        "uploaded_at": timestamp(now()),
                    },
                    actor,
                )
        return revision
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _write(path: Path, stream: IO[bytes]) -> None:
    """Write a new file readable by the tracker alone; never replaces one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        stream.seek(0)
        shutil.copyfileobj(stream, out, CHUNK_BYTES)


def stored_path(folder: str | Path, stored_name: str) -> Path | None:
    """Where a stored file is on disk, or None if the name is not one this module made."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        return None
    return Path(folder).absolute() / stored_name


# ----- Reading --------------------------------------------------------------------------------


def files_of_revision(db: Database, update: dict) -> list[dict]:
    """The files a revision carries: those added by it or by an earlier revision of the same
    recommendation's update for the same quarter, oldest first."""
    return list(
        db.query(
            """
            SELECT evidence_files.* FROM evidence_files
            JOIN progress_updates AS added ON added.id = evidence_files.update_id
            WHERE added.recommendation_id = ? AND added.quarter_id = ? AND added.revision <= ?
            ORDER BY evidence_files.id
            """,
            [update["recommendation_id"], update["quarter_id"], update["revision"]],
        )
    )


def get_evidence(db: Database, evidence_id: int) -> dict | None:
    """One evidence file with `approved`: whether an approved revision of a closed quarter
    carries it, so the scrutiny panel may have it."""
    return next(
        db.query(
            """
            SELECT evidence_files.*, added.recommendation_id, EXISTS (
                SELECT 1 FROM progress_updates AS later
                JOIN quarters ON quarters.id = later.quarter_id
                WHERE later.recommendation_id = added.recommendation_id
                  AND later.quarter_id = added.quarter_id
                  AND later.revision >= added.revision AND later.state = 'approved'
                  AND quarters.locked_at IS NOT NULL
            ) AS approved
            FROM evidence_files
            JOIN progress_updates AS added ON added.id = evidence_files.update_id
            WHERE evidence_files.id = ?
            """,
            [evidence_id],
        ),
        None,
    )


def board_of_evidence(db: Database, evidence_id: int) -> int | None:
    """The id of the board whose plan holds the recommendation the file is evidence for."""
    return scalar(
        db,
        """
        SELECT plans.board_id FROM evidence_files
        JOIN progress_updates ON progress_updates.id = evidence_files.update_id
        JOIN recommendations ON recommendations.id = progress_updates.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id
        WHERE evidence_files.id = ?
        """,
        evidence_id,
    )
