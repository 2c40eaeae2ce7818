"""Evidence files attached to a quarter's update: checked, stored, listed and found again.

A file belongs to the revision whose save added it, and stays with every later revision of
the same recommendation's update for the same quarter: a revision's files are those added by
it or by an earlier revision of that quarter's update. So a save copies nothing, each stored
file has one row (its random `stored_name` is unique), and the history shows which files
each revision carried. The scrutiny panel may have a file once a revision that carries it
has been approved and its quarter closed.

A file is accepted by what its bytes are, not by its name (see file_kinds: PDF, Office, legacy
Office without macros, OpenDocument text, email, CSV, PNG, JPEG or GIF), and the name's
extension must agree. Nothing is written until every file in the save has passed; files are
written inside the save's transaction and removed again if it fails, so a refused or failed
save leaves neither rows nor files.

While the update is a draft or returned, a save may take files off it, or replace them: an
`evidence_removals` row says from which revision on a file is no longer carried, so earlier
revisions keep it in the history. A file only ever carried by drafts (the wrong child's
letter, attached by mistake) has its bytes erased once the save has committed; one that was
ever submitted or approved keeps them, for the history.

Storage is bounded: each board has a quota of stored bytes (its own, or the installation's),
and each person may upload so many files an hour. Both are checked inside the save's
transaction before any file is written, so a save over either limit stores nothing.
"""

import hashlib
import logging
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.reports.formats import describe_size, extension_of
from tracker.text import whole_number
from tracker.updates.file_kinds import (
    ACCEPT,  # noqa: F401 - the extensions the form's file inputs offer
    CONTENT_TYPES,
    EXTENSIONS,
    KIND_WORDS,
    KINDS_IN_WORDS,
    KindRefused,
    kind_of,
)

MAX_FILES_PER_SAVE = 10
MAX_NAME_LENGTH = 255
CHUNK_BYTES = 64 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}")
# The form field that carries the file replacing evidence file <id>.
REPLACE_FIELD = "replace-"
# States of the revision before a save in which that save may take files off the update.
CORRECTABLE_STATES = ("draft", "returned")
MEGABYTE = 1024 * 1024
# The largest per-board quota an administrator may type, in megabytes (1 TB).
MAX_QUOTA_MEGABYTES = 1024 * 1024

log = logging.getLogger(__name__)


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
    extension = extension_of(name)
    try:
        kind = kind_of(head, stream, extension)
    except KindRefused as refusal:
        raise EvidenceError(f"{shown} {refusal}") from None
    if kind is None:
        raise EvidenceError(f"{shown} is not {KINDS_IN_WORDS}")
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


@dataclass(frozen=True)
class EvidenceChanges:
    """What one save does to an update's files: files added, files taken off (by id), and
    files replaced (by id, with the file taking each one's place)."""

    added: list[CheckedFile] = field(default_factory=list)
    removed: frozenset[int] = frozenset()
    replacements: dict[int, CheckedFile] = field(default_factory=dict)

    @property
    def taken_off(self) -> set[int]:
        return set(self.removed) | set(self.replacements)


@dataclass(frozen=True)
class Limits:
    """How much evidence may be stored: the installation's quota for a board that has none of
    its own, and how many files one person may upload in an hour."""

    default_quota_bytes: int
    uploads_per_hour: int


def any_file_chosen(files) -> bool:
    """Whether the form's files (a MultiDict of FileStorage) include any file chosen."""
    return any(upload.filename for _name, upload in files.items(multi=True))


def check_changes(files, removals: list[str], max_bytes: int) -> EvidenceChanges:
    """Check a form's evidence: new files in its `evidence` field, files chosen in a
    `replace-<id>` field to replace file <id> (both in `files`, a MultiDict of FileStorage),
    and the ids of files ticked for removal. Raises EvidenceError naming the first problem.
    Whether the ids are files of the update is checked when saving, against the revision then
    current."""
    chosen = [upload for upload in files.getlist("evidence") if upload.filename]
    swaps = [
        (name, upload)
        for name, upload in files.items(multi=True)
        if name.startswith(REPLACE_FIELD) and upload.filename
    ]
    if len(chosen) + len(swaps) > MAX_FILES_PER_SAVE:
        raise EvidenceError(
            f"You chose {len(chosen) + len(swaps)} files: attach no more than "
            f"{MAX_FILES_PER_SAVE} at a time"
        )
    removed = {whole_number(value) for value in removals}
    replaced = {whole_number(name.removeprefix(REPLACE_FIELD)): upload for name, upload in swaps}
    if None in removed or None in replaced or len(replaced) < len(swaps):
        raise EvidenceError("Choose the files to remove or replace from those listed")
    return EvidenceChanges(
        added=[check_file(upload.filename, upload.stream, max_bytes) for upload in chosen],
        removed=frozenset(removed),
        replacements={
            evidence_id: check_file(upload.filename, upload.stream, max_bytes)
            for evidence_id, upload in replaced.items()
        },
    )


# ----- Storing --------------------------------------------------------------------------------


def save_with_files(
    db: Database,
    folder: str | Path,
    files: list[CheckedFile],
    actor: audit.Actor,
    save: Callable[[], dict],
) -> dict:
    """Run `save` (which makes and returns a new revision), then store `files` on it, all in
    one transaction, with no limits: see save_with_changes."""
    return save_with_changes(db, folder, EvidenceChanges(added=files), actor, save)


def save_with_changes(
    db: Database,
    folder: str | Path,
    changes: EvidenceChanges,
    actor: audit.Actor,
    save: Callable[[], dict],
    limits: Limits | None = None,
) -> dict:
    """Run `save` (which makes and returns a new revision), then make `changes` to the files
    it carries, all in one transaction; returns the revision. Raises EvidenceError, before
    any file is written, for a file no longer on the update, a change the update's state does
    not allow, or a save over `limits`. If anything fails, the files written so far are
    removed and the exception is raised again: the save leaves nothing behind. Bytes to erase
    are erased only once the transaction has committed, so it must not be inside another."""
    if changes.taken_off and db.conn.in_transaction:
        raise RuntimeError("files taken off an update are erased after its own commit")
    folder = Path(folder).absolute()
    written: list[Path] = []
    try:
        with write_transaction(db):
            revision = save()
            to_erase = _apply_changes(db, folder, changes, actor, revision, limits, written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    for stored_name in to_erase:
        _erase(folder, stored_name)
    return revision


def _apply_changes(db, folder, changes, actor, revision, limits, written) -> list[str]:
    """Store the new files and record the ones taken off; returns the stored names of the
    files whose bytes are to be erased."""
    carried = {file["id"]: file for file in files_of_revision(db, revision)}
    if changes.taken_off:
        _check_may_take_off(db, revision, changes.taken_off - carried.keys())
    # Whether each file taken off has its bytes erased too.
    erase_bytes = {
        evidence_id: _only_drafts_carried(db, carried[evidence_id], revision)
        for evidence_id in changes.taken_off
    }
    kept = {file["sha256"]: file["id"] for file in carried.values()}
    for evidence_id in changes.taken_off:
        kept.pop(carried[evidence_id]["sha256"], None)
    new: dict[str, CheckedFile] = {}
    for file in [*changes.added, *changes.replacements.values()]:
        if file.sha256 not in kept:  # one already attached is not stored twice
            new.setdefault(file.sha256, file)
    if new and limits:
        freed = sum(carried[i]["size"] for i, erase in erase_bytes.items() if erase)
        _check_limits(db, revision, list(new.values()), freed, actor, limits)
    for sha256, file in new.items():
        kept[sha256] = _store(db, folder, file, revision, actor, written)
    for evidence_id, erase in erase_bytes.items():
        replacement = changes.replacements.get(evidence_id)
        removal = {
            "evidence_id": evidence_id,
            "update_id": revision["id"],
            "replaced_by": kept[replacement.sha256] if replacement else None,
            "removed_by": actor.user_id,
            "removed_at": timestamp(now()),
            "file_erased": int(erase),
        }
        audit.insert(db, "evidence_removals", removal, actor)
    return [carried[i]["stored_name"] for i, erase in erase_bytes.items() if erase]


def _check_may_take_off(db: Database, revision: dict, unknown: set[int]) -> None:
    """Files come off only a draft or returned update, and only files it carries."""
    if unknown:
        raise EvidenceError(
            "A file you chose to remove or replace is no longer attached to this update: "
            "check the files listed and try again"
        )
    before = scalar(
        db,
        "SELECT state FROM progress_updates"
        " WHERE recommendation_id = ? AND quarter_id = ? AND revision = ?",
        revision["recommendation_id"],
        revision["quarter_id"],
        revision["revision"] - 1,
    )
    if before not in CORRECTABLE_STATES:
        raise EvidenceError(
            f"This update is {before}: files can be removed or replaced only while it is a "
            "draft or has been returned to you"
        )


def _only_drafts_carried(db: Database, file: dict, revision: dict) -> bool:
    """Whether no revision that carried the file, up to the one before `revision`, was ever
    submitted or approved (a returned revision follows a submitted one)."""
    return not scalar(
        db,
        """
        SELECT EXISTS (
            SELECT 1 FROM progress_updates AS carrier
            JOIN progress_updates AS added ON added.id = ?
            WHERE carrier.recommendation_id = added.recommendation_id
              AND carrier.quarter_id = added.quarter_id
              AND carrier.revision >= added.revision AND carrier.revision < ?
              AND carrier.state IN ('submitted', 'approved', 'returned')
        )
        """,
        file["update_id"],
        revision["revision"],
    )


def _check_limits(db, revision, files, freed: int, actor, limits: Limits) -> None:
    """Refuse a save that would take the person over their uploads in an hour, or the board
    over its evidence quota (less what this save erases)."""
    since = timestamp(now() - timedelta(hours=1))
    recent = scalar(
        db,
        "SELECT count(*) FROM evidence_files WHERE uploaded_by = ? AND uploaded_at > ?",
        actor.user_id,
        since,
    )
    if recent + len(files) > limits.uploads_per_hour:
        room = max(limits.uploads_per_hour - recent, 0)
        advice = f"attach no more than {room} now" if room else "try again later"
        raise EvidenceError(
            f"You can upload up to {limits.uploads_per_hour} files an hour and have uploaded "
            f"{recent} in the last hour: {advice}. Nothing was saved"
        )
    board_id = board_of_update(db, revision["id"])
    usage = evidence_usage(db, board_id, limits.default_quota_bytes)
    needed = sum(file.size for file in files)
    if usage.used - freed + needed > usage.quota:
        raise EvidenceError(
            f"This board's evidence store is full: {describe_size(usage.used)} of "
            f"{describe_size(usage.quota)} used, and these files need "
            f"{describe_size(needed)}. Remove files or ask an administrator to raise the "
            "board's evidence limit. Nothing was saved"
        )


def _store(db, folder: Path, file: CheckedFile, revision: dict, actor, written) -> int:
    """Write the file under a random name and record it on the revision; returns its id."""
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    written.append(path)
    _write(path, file.stream)
    return audit.insert(
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


def _write(path: Path, stream: IO[bytes]) -> None:
    """Write a new file readable by the tracker alone; never replaces one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        stream.seek(0)
        shutil.copyfileobj(stream, out, CHUNK_BYTES)


def _erase(folder: Path, stored_name: str) -> None:
    """Erase a removed file's bytes. The removal is already committed: a file that cannot be
    erased now is logged, for the operator to delete (the row says it is gone)."""
    path = stored_path(folder, stored_name)
    try:
        if path is not None:
            path.unlink(missing_ok=True)
    except OSError:
        log.exception("Could not erase removed evidence file %s", stored_name)


def stored_path(folder: str | Path, stored_name: str) -> Path | None:
    """Where a stored file is on disk, or None if the name is not one this module made."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        return None
    return Path(folder).absolute() / stored_name


# ----- Bounded storage ------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """A board's evidence store: bytes used, the quota in force, and the board's own quota
    (None when the installation's applies)."""

    used: int
    quota: int
    board_quota: int | None

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.quota)) if self.quota else 100


def evidence_usage(db: Database, board_id: int, default_quota_bytes: int) -> Usage:
    """How much of its evidence quota the board uses: the bytes of its files not erased."""
    used = scalar(
        db,
        """
        SELECT coalesce(sum(evidence_files.size), 0) FROM evidence_files
        JOIN progress_updates ON progress_updates.id = evidence_files.update_id
        JOIN recommendations ON recommendations.id = progress_updates.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id
        LEFT JOIN evidence_removals AS removal ON removal.evidence_id = evidence_files.id
        WHERE plans.board_id = ? AND coalesce(removal.file_erased, 0) = 0
        """,
        board_id,
    )
    own = scalar(db, "SELECT evidence_quota_bytes FROM boards WHERE id = ?", board_id)
    return Usage(used, own or default_quota_bytes, own)


def read_quota(text: str) -> int | None:
    """The quota in bytes typed as a whole number of megabytes, or None when left empty (the
    installation's default). Raises EvidenceError, worded for the field, otherwise."""
    text = text.strip().removesuffix("MB").removesuffix("mb").strip()
    if not text:
        return None
    megabytes = whole_number(text.replace(",", ""))
    if megabytes is None:
        raise EvidenceError("Enter the limit as a whole number of megabytes, like 2048")
    if not 1 <= megabytes <= MAX_QUOTA_MEGABYTES:
        raise EvidenceError(f"Enter a limit between 1 and {MAX_QUOTA_MEGABYTES:,} megabytes")
    return megabytes * MEGABYTE


def set_evidence_quota(
    db: Database, board_id: int, quota_bytes: int | None, actor: audit.Actor
) -> None:
    """Set the board's own evidence quota, or None for the installation's."""
    with write_transaction(db):
        audit.update(db, "boards", board_id, {"evidence_quota_bytes": quota_bytes}, actor)


# ----- Reading --------------------------------------------------------------------------------

# A file with what became of it: when, by whom and in which revision it was taken off, whether
# its bytes were erased, and the name of the file that replaced it.
FILE_WITH_REMOVAL = """
    SELECT evidence_files.*, removal.removed_at, removal.file_erased,
           removed_in.revision AS removed_in_revision, remover.name AS removed_by_name,
           replacement.original_name AS replaced_by_name
    FROM evidence_files
    JOIN progress_updates AS added ON added.id = evidence_files.update_id
    LEFT JOIN evidence_removals AS removal ON removal.evidence_id = evidence_files.id
    LEFT JOIN progress_updates AS removed_in ON removed_in.id = removal.update_id
    LEFT JOIN users AS remover ON remover.id = removal.removed_by
    LEFT JOIN evidence_files AS replacement ON replacement.id = removal.replaced_by
"""


def files_of_revision(db: Database, update: dict) -> list[dict]:
    """The files a revision carries: those added by it or by an earlier revision of the same
    recommendation's update for the same quarter and not taken off by then, oldest first.
    Each says whether a later revision took it off (`removed_at`, `removed_by_name`,
    `file_erased`), for the history."""
    return list(
        db.query(
            FILE_WITH_REMOVAL
            + """
            WHERE added.recommendation_id = ? AND added.quarter_id = ? AND added.revision <= ?
              AND (removed_in.revision IS NULL OR removed_in.revision > ?)
            ORDER BY evidence_files.id
            """,
            [
                update["recommendation_id"],
                update["quarter_id"],
                update["revision"],
                update["revision"],
            ],
        )
    )


def files_taken_off_by(db: Database, update: dict) -> list[dict]:
    """The files the revision took off its update, each with the name of any replacement."""
    return list(
        db.query(
            FILE_WITH_REMOVAL + " WHERE removal.update_id = ? ORDER BY evidence_files.id",
            [update["id"]],
        )
    )


def get_evidence(db: Database, evidence_id: int) -> dict | None:
    """One evidence file with `approved`: whether an approved revision of a closed quarter
    carries it, so the scrutiny panel may have it; and `file_erased`."""
    return next(
        db.query(
            """
            SELECT evidence_files.*, added.recommendation_id,
                   coalesce(removal.file_erased, 0) AS file_erased, EXISTS (
                SELECT 1 FROM progress_updates AS later
                JOIN quarters ON quarters.id = later.quarter_id
                WHERE later.recommendation_id = added.recommendation_id
                  AND later.quarter_id = added.quarter_id
                  AND later.revision >= added.revision AND later.state = 'approved'
                  AND (removed_in.revision IS NULL OR later.revision < removed_in.revision)
                  AND quarters.locked_at IS NOT NULL
            ) AS approved
            FROM evidence_files
            JOIN progress_updates AS added ON added.id = evidence_files.update_id
            LEFT JOIN evidence_removals AS removal ON removal.evidence_id = evidence_files.id
            LEFT JOIN progress_updates AS removed_in ON removed_in.id = removal.update_id
            WHERE evidence_files.id = ?
            """,
            [evidence_id],
        ),
        None,
    )


def board_of_evidence(db: Database, evidence_id: int) -> int | None:
    """The id of the board whose plan holds the recommendation the file is evidence for."""
    update_id = scalar(db, "SELECT update_id FROM evidence_files WHERE id = ?", evidence_id)
    return board_of_update(db, update_id) if update_id is not None else None


def board_of_update(db: Database, update_id: int) -> int | None:
    """The id of the board whose plan the revision's recommendation is in."""
    return scalar(
        db,
        """
        SELECT plans.board_id FROM progress_updates
        JOIN recommendations ON recommendations.id = progress_updates.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id
        WHERE progress_updates.id = ?
        """,
        update_id,
    )
