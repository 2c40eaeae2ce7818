"""Making board packs, and keeping the pack of each locked quarter byte for byte.

A locked quarter's updates can no longer change, so its pack is made once, stored with its
SHA-256, and served from the database ever after: the paper the board or the panel read can
be downloaded again unchanged, even after the software that made it is upgraded. The job
worker makes packs (tracker.pack.renders) and keeps the first one made for a locked quarter.

A pack is kept for one closing of its quarter. When the quarter is reopened its packs stay as
they were, marked superseded, and closing it again keeps new ones.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlite_utils import Database

from tracker import audit
from tracker.closing.queries import closing_number, quarter_row, reopenings_of
from tracker.pack.render import render_pdf
from tracker.plans import queries as plans


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
    closing: int = 1  # which closing of the quarter it was made for
    superseded: bool = False  # the quarter was reopened after it was made
    reopened_at: str | None = None  # when that reopening was, for a superseded pack

    @property
    def filename(self) -> str:
        return pack_filename(self.quarter, self.version, self.with_covering_report, self.closing)


def pack_filename(quarter: str, version: str, covering: bool = False, closing: int = 1) -> str:
    """A download name like "board-pack-2022-23-q3.pdf" ("...-q3-closing-2.pdf" for the pack
    kept when the quarter was closed again after a reopening)."""
    slug = re.sub(r"[^a-z0-9]+", "-", quarter.lower()).strip("-")
    suffix = "-with-covering-report" if covering else ""
    again = f"-closing-{closing}" if closing > 1 else ""
    return f"{version}-pack-{slug}{suffix}{again}.pdf"


def make_pdf(
    db: Database, plan_id: int, quarter: str, *, version: str, covering: bool, made_on: date
) -> bytes:
    """A new PDF of the pack, made here and now (the command line's `pack`; the pages ask
    the job worker, see tracker.pack.renders)."""
    from tracker.pack import pack_html  # the package imports this module

    html = pack_html(db, plan_id, quarter, made_on, version=version, covering=covering)
    title = plans.get_plan(db, plan_id)["title"]
    return render_pdf(html, title, Path(current_app.static_folder))


def is_locked(db: Database, plan_id: int, quarter: str) -> bool:
    """Whether the plan's quarter has been closed after its board meeting."""
    row = db.execute(
        "SELECT locked_at FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, quarter]
    ).fetchone()
    return bool(row and row[0])


def closing_of(db: Database, plan_id: int, quarter: str) -> int:
    """The quarter's latest closing: the one its packs are kept for now."""
    row = quarter_row(db, plan_id, quarter)
    return closing_number(db, row["id"] if row else None)


def keep_pack(
    db: Database,
    plan_id: int,
    quarter: str,
    version: str,
    *,
    covering: bool,
    pdf: bytes,
    closing: int,
    made_by: int | None,
) -> bool:
    """Keep `pdf` as the pack of the quarter's `closing`, inside the caller's transaction,
    unless the quarter has been reopened since (or closed again) or a pack is already kept
    for that closing: the first one kept is the record. Whether it was kept."""
    if not is_locked(db, plan_id, quarter) or closing_of(db, plan_id, quarter) != closing:
        return False
    if find_kept_pack(db, plan_id, quarter, version, covering):
        return False
    audit.insert(
        db,
        "packs",
        {
            "plan_id": plan_id,
            "quarter": quarter,
            "closing": closing,
            "version": version,
            "with_covering_report": int(covering),
            "pdf": pdf,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "size": len(pdf),
            "made_by": made_by,
        },
        audit.Actor(made_by, plans.board_of_plan(db, plan_id)),
    )
    return True


def find_kept_pack(
    db: Database, plan_id: int, quarter: str, version: str, covering: bool
) -> KeptPack | None:
    """The pack kept for the quarter's latest closing, if one has been."""
    rows = _kept(
        db,
        plan_id,
        "quarter = ? AND closing = ? AND version = ? AND with_covering_report = ?",
        [quarter, closing_of(db, plan_id, quarter), version, int(covering)],
        with_pdf=True,
    )
    return rows[0] if rows else None


def kept_pack_by_id(db: Database, plan_id: int, pack_id: int) -> KeptPack | None:
    """One of the plan's kept packs, superseded or not, with its PDF."""
    rows = _kept(db, plan_id, "packs.id = ?", [pack_id], with_pdf=True)
    return rows[0] if rows else None


def kept_packs_of(db: Database, plan_id: int) -> list[KeptPack]:
    """The plan's kept packs, newest quarter and closing first, without their PDFs."""
    return _kept(db, plan_id, "1", [], with_pdf=False)


def _kept(db: Database, plan_id: int, where: str, params: list, *, with_pdf: bool) -> list:
    pdf = "packs.pdf" if with_pdf else "x''"
    rows = db.execute(
        f"""
        SELECT packs.id, packs.plan_id, packs.quarter, packs.version,
               packs.with_covering_report, {pdf}, packs.sha256, packs.size,
               users.name, packs.made_at, packs.closing
        FROM packs LEFT JOIN users ON users.id = packs.made_by
        WHERE packs.plan_id = ? AND {where}
        ORDER BY packs.quarter DESC, packs.closing DESC, packs.version,
                 packs.with_covering_report
        """,  # noqa: S608 - `where` and `pdf` are constants of this module
        [plan_id, *params],
    ).fetchall()
    # The n-th reopening of a quarter ended its n-th closing.
    reopenings = reopenings_of(db, plan_id) if rows else {}
    packs = []
    for row in rows:
        ended_by = reopenings.get(row[2], [])[row[10] - 1 : row[10]]
        packs.append(
            KeptPack(
                *row[:4],
                bool(row[4]),
                *row[5:11],
                superseded=bool(ended_by),
                reopened_at=ended_by[0]["reopened_at"] if ended_by else None,
            )
        )
    return packs
