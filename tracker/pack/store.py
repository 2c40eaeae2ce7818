"""Making board packs, and keeping the pack of each locked quarter byte for byte.

A locked quarter's updates can no longer change, so its pack is made once, stored with its
SHA-256, and served from the database ever after: the paper the board or the panel read can
be downloaded again unchanged, even after the software that made it is upgraded. A pack for a
quarter still open is made afresh each time, since its approved updates may still change.

Rendering takes a second or more of a worker's time, so each process makes one pack at a time;
a request that cannot start within a few seconds is told to try again rather than queueing.
"""

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlite_utils import Database

from tracker import audit
from tracker.db import write_transaction
from tracker.pack.context import VERSIONS
from tracker.pack.render import render_pdf
from tracker.plans import queries as plans

ONE_PACK_AT_A_TIME = threading.BoundedSemaphore(1)
WAIT_FOR_A_TURN_SECONDS = 5


class PackBusy(Exception):
    """Another pack is being made in this process; try again shortly."""


class QuarterNotLocked(Exception):
    """Only a locked quarter's pack is kept (and only it goes to the scrutiny panel)."""


@dataclass(frozen=True)
class KeptPack:
    """A stored pack: the PDF exactly as first made, and who made it when."""

    id: int
    plan_id: int
    quarter: str
    version: str
    with_covering_report: bool
    pdf: bytes
    sha256: str
    size: int
    made_by: str | None  # the user's name; None when made through a share link
    made_at: str

    @property
    def filename(self) -> str:
        return pack_filename(self.quarter, self.version, self.with_covering_report)


def pack_filename(quarter: str, version: str, covering: bool = False) -> str:
    """A download name like "board-pack-2022-23-q3.pdf"."""
    slug = re.sub(r"[^a-z0-9]+", "-", quarter.lower()).strip("-")
    suffix = "-with-covering-report" if covering else ""
    return f"{version}-pack-{slug}{suffix}.pdf"


def make_pdf(
    db: Database, plan_id: int, quarter: str, *, version: str, covering: bool, made_on: date
) -> bytes:
    """A new PDF of the pack, one render at a time in this process."""
    from tracker.pack import pack_html  # the package imports this module

    if not ONE_PACK_AT_A_TIME.acquire(timeout=WAIT_FOR_A_TURN_SECONDS):
        raise PackBusy("Another board pack is being made. Try again in a minute.")
    try:
        html = pack_html(db, plan_id, quarter, made_on, version=version, covering=covering)
        title = plans.get_plan(db, plan_id)["title"]
        return render_pdf(html, title, Path(current_app.static_folder))
    finally:
        ONE_PACK_AT_A_TIME.release()


def is_locked(db: Database, plan_id: int, quarter: str) -> bool:
    """Whether the plan's quarter has been closed after its board meeting."""
    row = db.execute(
        "SELECT locked_at FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, quarter]
    ).fetchone()
    return bool(row and row[0])


def kept_pack(
    db: Database,
    plan_id: int,
    quarter: str,
    version: str,
    *,
    covering: bool,
    made_by: int | None,
) -> KeptPack:
    """The stored pack of a locked quarter, made and stored the first time it is asked for."""
    if version not in VERSIONS:
        raise ValueError(f"{version!r} is not a version of the pack")
    covering = covering and version == "scrutiny"
    found = find_kept_pack(db, plan_id, quarter, version, covering)
    if found:
        return found
    if not is_locked(db, plan_id, quarter):
        raise QuarterNotLocked(f"{quarter} is not closed yet, so its pack is not kept")
    # Rendered before taking the write lock: other writers need not wait for WeasyPrint.
    pdf = make_pdf(db, plan_id, quarter, version=version, covering=covering, made_on=date.today())
    with write_transaction(db):
        # Someone else may have stored it while this one rendered: theirs is the record.
        if not find_kept_pack(db, plan_id, quarter, version, covering):
            audit.insert(
                db,
                "packs",
                {
                    "plan_id": plan_id,
                    "quarter": quarter,
                    "version": version,
                    "with_covering_report": int(covering),
                    "pdf": pdf,
                    "sha256": hashlib.sha256(pdf).hexdigest(),
                    "size": len(pdf),
                    "made_by": made_by,
                },
                audit.Actor(made_by, plans.board_of_plan(db, plan_id)),
            )
    return find_kept_pack(db, plan_id, quarter, version, covering)


def find_kept_pack(
    db: Database, plan_id: int, quarter: str, version: str, covering: bool
) -> KeptPack | None:
    rows = _kept(
        db,
        "packs.plan_id = ? AND quarter = ? AND version = ? AND with_covering_report = ?",
        [plan_id, quarter, version, int(covering)],
        with_pdf=True,
    )
    return rows[0] if rows else None


def kept_packs_of(db: Database, plan_id: int) -> list[KeptPack]:
    """The plan's kept packs, newest quarter first, without their PDFs."""
    return _kept(db, "packs.plan_id = ?", [plan_id], with_pdf=False)


def _kept(db: Database, where: str, params: list, *, with_pdf: bool) -> list[KeptPack]:
    pdf = "packs.pdf" if with_pdf else "x''"
    rows = db.execute(
        f"""
        SELECT packs.id, packs.plan_id, packs.quarter, packs.version,
               packs.with_covering_report, {pdf}, packs.sha256, packs.size,
               users.name, packs.made_at
        FROM packs LEFT JOIN users ON users.id = packs.made_by
        WHERE {where}
        ORDER BY packs.quarter DESC, packs.version, packs.with_covering_report
        """,  # noqa: S608 - `where` and `pdf` are constants of this module
        params,
    ).fetchall()
    return [KeptPack(*row[:4], bool(row[4]), *row[5:]) for row in rows]
