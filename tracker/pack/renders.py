"""Board packs made by the job worker: asked for, shared, made once, reused until their inputs
change.

Someone asks for a pack (a plan's quarter, a version, with or without the covering report,
dated today) and the request becomes a row of pack_renders and a job. Asking again for the same
pack while it waits or renders shares that row: a burst of requests makes one pack.

The job first builds the pack's HTML and hashes it with the stylesheet and WeasyPrint's
version: everything the PDF depends on. If a pack made before had the same inputs, its PDF is
reused at once. Otherwise WeasyPrint lays out the pages ('rendering') and writes them
('writing', when the number of pages is known), and the row is 'ready' with the PDF. Only the
latest ready pack of each kind keeps its PDF; older rows keep their figures for the record. The
first pack made for a locked quarter is also kept for good (tracker.pack.store.keep_pack).

A job claims its row before rendering, so a job queued twice renders once; a worker killed
mid-render leaves the row claimed, and the next worker to start on that host makes it (see
tracker.jobs.claims).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import weasyprint
from flask import current_app
from sqlite_utils import Database

from tracker.auth.accounts import now, timestamp
from tracker.db import scalar, write_transaction
from tracker.jobs import claims
from tracker.pack.render import lay_out, write_pdf
from tracker.pack.store import closing_of, is_locked, keep_pack
from tracker.plans import queries as plans
from tracker.reports.formats import describe_size

IN_HAND = ("queued", "rendering", "writing")
STYLESHEET = "css/pack.css"
# Finished requests kept for each kind of pack (without their PDFs but the latest): enough to
# see how long packs take, not a row for every download ever asked for.
FINISHED_KEPT_PER_KIND = 10


@dataclass(frozen=True)
class Render:
    """One request for a pack and how far it has got."""

    id: int
    plan_id: int
    quarter: str
    version: str
    covering: bool
    made_on: str
    state: str
    pages: int | None
    size: int | None
    has_pdf: bool
    requested_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    error: str | None

    @property
    def ready(self) -> bool:
        return self.state == "ready" and self.has_pdf


def ask(
    db: Database,
    plan_id: int,
    quarter: str,
    version: str,
    *,
    covering: bool,
    made_on: date,
    requested_by: int | None,
) -> tuple[Render, bool]:
    """The request for this pack: the one already waiting or rendering, or a new one queued.
    Whether it is new, so the caller queues its job (after this transaction commits)."""
    covering = covering and version == "scrutiny"
    kind = [plan_id, quarter, version, int(covering), made_on.isoformat()]
    with write_transaction(db):
        in_hand = scalar(
            db,
            f"""SELECT id FROM pack_renders WHERE plan_id = ? AND quarter = ? AND version = ?
            AND with_covering_report = ? AND made_on = ? AND state IN {IN_HAND}""",  # noqa: S608
            *kind,
        )
        if in_hand:
            return get(db, in_hand), False
        render_id = (
            db["pack_renders"]
            .insert(
                {
                    "plan_id": plan_id,
                    "quarter": quarter,
                    "version": version,
                    "with_covering_report": int(covering),
                    "made_on": made_on.isoformat(),
                    "requested_by": requested_by,
                }
            )
            .last_pk
        )
    return get(db, render_id), True


def get(db: Database, render_id: int) -> Render | None:
    row = db.execute(
        """SELECT id, plan_id, quarter, version, with_covering_report, made_on, state, pages,
        size, pdf IS NOT NULL, requested_at, started_at, finished_at, attempts, error
        FROM pack_renders WHERE id = ?""",
        [render_id],
    ).fetchone()
    if row is None:
        return None
    return Render(*row[:4], bool(row[4]), *row[5:9], bool(row[9]), *row[10:])


def pdf_of(db: Database, render_id: int) -> tuple[bytes, str] | None:
    """A ready pack's PDF and SHA-256, while it still has them."""
    row = db.execute(
        "SELECT pdf, sha256 FROM pack_renders WHERE id = ? AND state = 'ready'", [render_id]
    ).fetchone()
    return (row[0], row[1]) if row and row[0] is not None else None


def waiting_before(db: Database, render: Render) -> int:
    """How many packs the worker will make before this one starts."""
    return scalar(
        db,
        "SELECT count(*) FROM pack_renders WHERE state IN ('queued', 'rendering', 'writing')"
        " AND id < ?",
        render.id,
    )


def make(db: Database, render_id: int, attempts_allowed: int) -> Render | None:
    """The job: make the pack asked for by `render_id`, unless another job has it in hand or
    it is made already. Raises PackRenderError when it could not be made (the row goes back to
    'queued' for the retry, or 'failed' after the last of `attempts_allowed`)."""
    if not claims.claim(db, "pack_renders", render_id, "rendering"):
        return get(db, render_id)
    render = get(db, render_id)
    try:
        _make_claimed(db, render)
    except Exception as error:
        with write_transaction(db):
            last_try = render.attempts >= attempts_allowed
            db.execute(
                "UPDATE pack_renders SET state = ?, error = ?, worker = NULL,"
                " finished_at = CASE WHEN ? THEN ? END WHERE id = ?",
                ["failed" if last_try else "queued", str(error), last_try, _now(), render_id],
            )
        raise
    return get(db, render_id)


def _make_claimed(db: Database, render: Render) -> None:
    from tracker.pack import pack_html  # the package imports this module's views

    made_on = date.fromisoformat(render.made_on)
    html = pack_html(
        db,
        render.plan_id,
        render.quarter,
        made_on,
        version=render.version,
        covering=render.covering,
    )
    static = Path(current_app.static_folder)
    inputs = _inputs_sha256(html, static)
    closing = closing_of(db, render.plan_id, render.quarter)
    made_before = db.execute(
        """SELECT pdf, pages FROM pack_renders WHERE plan_id = ? AND quarter = ? AND version = ?
        AND with_covering_report = ? AND inputs_sha256 = ? AND pdf IS NOT NULL""",
        [render.plan_id, render.quarter, render.version, int(render.covering), inputs],
    ).fetchone()
    if made_before:
        _finish(db, render, inputs, made_before[0], made_before[1], closing)
        return
    title = plans.get_plan(db, render.plan_id)["title"]
    document = lay_out(html, title, static)
    with write_transaction(db):
        db.execute(
            "UPDATE pack_renders SET state = 'writing', pages = ? WHERE id = ?",
            [len(document.pages), render.id],
        )
    pdf = write_pdf(document, title)
    _finish(db, render, inputs, pdf, len(document.pages), closing)


def _finish(db, render: Render, inputs: str, pdf: bytes, pages: int, closing: int) -> None:
    """Store the PDF on its request, drop the copies older requests of the kind hold, and keep
    it for good if it is the first made for its locked quarter's closing."""
    kind = [render.plan_id, render.quarter, render.version, int(render.covering)]
    with write_transaction(db):
        db.execute(
            """UPDATE pack_renders SET pdf = NULL WHERE plan_id = ? AND quarter = ?
            AND version = ? AND with_covering_report = ? AND id != ? AND pdf IS NOT NULL""",
            [*kind, render.id],
        )
        db.execute(
            """UPDATE pack_renders SET state = 'ready', inputs_sha256 = ?, pdf = ?, sha256 = ?,
            size = ?, pages = ?, finished_at = ?, worker = NULL, error = NULL WHERE id = ?""",
            [inputs, pdf, hashlib.sha256(pdf).hexdigest(), len(pdf), pages, _now(), render.id],
        )
        db.execute(
            f"""DELETE FROM pack_renders WHERE plan_id = ? AND quarter = ? AND version = ?
            AND with_covering_report = ? AND state IN ('ready', 'failed') AND id NOT IN (
                SELECT id FROM pack_renders WHERE plan_id = ? AND quarter = ? AND version = ?
                AND with_covering_report = ? AND state IN ('ready', 'failed')
                ORDER BY id DESC LIMIT {FINISHED_KEPT_PER_KIND})""",  # noqa: S608 - a constant
            [*kind, *kind],
        )
        if is_locked(db, render.plan_id, render.quarter):
            keep_pack(
                db,
                render.plan_id,
                render.quarter,
                render.version,
                covering=render.covering,
                pdf=pdf,
                closing=closing,
                made_by=scalar(db, "SELECT requested_by FROM pack_renders WHERE id = ?", render.id),
            )


def _inputs_sha256(html: str, static_folder: Path) -> str:
    """What the PDF is made from: the HTML, the stylesheet and the renderer's version."""
    digest = hashlib.sha256()
    digest.update(html.encode())
    digest.update((static_folder / STYLESHEET).read_bytes())
    digest.update(weasyprint.__version__.encode())
    return digest.hexdigest()


def _now() -> str:
    return timestamp(now())


def status(db: Database, render: Render, at: datetime | None = None) -> dict:
    """How far the pack has got, in words for its page (and as data for the page's script)."""
    at = at or now()
    waited = _seconds_since(render.started_at or render.requested_at, at)
    if render.ready:
        heading = "Your board pack is ready"
        message = f"{render.pages:,} pages, {describe_size(render.size)}."
    elif render.state == "failed":
        heading = "The board pack could not be made"
        message = (
            "It was tried more than once. The board's administrators have been told. "
            "Try again, and if it fails again contact the people who run the tracker."
        )
    elif render.state == "queued":
        ahead = waiting_before(db, render)
        heading = "Your board pack is waiting to be made"
        message = (
            f"{ahead} other {'pack is' if ahead == 1 else 'packs are'} being made first."
            if ahead
            else "It will start in a moment."
        )
    elif render.state == "rendering":
        heading = "Your board pack is being made"
        message = f"Laying out the pages: started {_duration(waited)} ago."
    else:
        heading = "Your board pack is being made"
        message = f"Writing its {render.pages:,} pages to the PDF: started {_duration(waited)} ago."
    return {
        "state": render.state,
        "ready": render.ready,
        "finished": render.state in ("ready", "failed"),
        "heading": heading,
        "message": message,
        "pages": render.pages,
        "size": render.size,
    }


def _seconds_since(at: str, moment: datetime) -> int:
    started = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return max(0, int((moment - started).total_seconds()))


def _duration(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute" if seconds >= 10 else "a few seconds"
    minutes = seconds // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def board_of_render(db: Database, plan_id: int, render_id: int) -> int | None:
    """The board of the plan whose pack `render_id` is; None (so 404) for another plan's."""
    return scalar(
        db,
        "SELECT plans.board_id FROM pack_renders JOIN plans ON plans.id = pack_renders.plan_id"
        " WHERE pack_renders.id = ? AND plans.id = ?",
        render_id,
        plan_id,
    )
