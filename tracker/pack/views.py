"""The board pack's pages: choose a quarter and version, preview it, download it as a PDF,
Excel or Word, and see the packs kept for closed quarters."""

from dataclasses import dataclass
from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from tracker.db import get_db
from tracker.jobs import jobs_for
from tracker.pack import bp, pack_html, renders
from tracker.pack.context import VERSIONS, build_pack_context
from tracker.pack.exports import export_filename, plan_document, plan_workbook
from tracker.pack.store import (
    find_kept_pack,
    is_locked,
    kept_pack_by_id,
    kept_packs_of,
    pack_filename,
)
from tracker.permissions import board_member
from tracker.plans import queries as plans
from tracker.text import whole_number
from tracker.uk_time import day_in_words

bp.add_app_template_filter(day_in_words, "day")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class PackChoice:
    """Which pack someone asked for: a quarter of the plan, a version, and for the scrutiny
    version whether it opens with a covering report."""

    quarter: str
    version: str
    covering: bool


def choose_pack(args, quarters: list[dict], role: str) -> tuple[PackChoice | None, list]:
    """The pack asked for in the query string, or the problems with the request as
    (field, message) pairs. With nothing asked, the latest quarter the person may have.
    The scrutiny panel has only the scrutiny version of closed quarters."""
    scrutiny = role == "scrutiny"
    allowed = [q["label"] for q in quarters if q["locked_at"] or not scrutiny]
    version = args.get("version") or ("scrutiny" if scrutiny else "board")
    quarter = args.get("quarter") or (allowed[-1] if allowed else "")
    problems = []
    if quarter not in allowed:
        problems.append(
            (
                "quarter",
                "Choose a quarter the board has closed"
                if scrutiny and quarters
                else "Choose one of the plan's quarters",
            )
        )
    if version not in VERSIONS or (scrutiny and version != "scrutiny"):
        problems.append(("version", "Choose the board's pack or the scrutiny panel's"))
    covering = args.get("covering") == "yes"
    if covering and version != "scrutiny":
        problems.append(("covering", "Only the scrutiny panel's pack has a covering report"))
    if problems:
        return None, problems
    return PackChoice(quarter, version, covering), []


@bp.get("/plans/<id:plan_id>/pack")
@board_member(board_of=plans.board_of_plan)
def choose(plan_id):
    db = get_db()
    choice, problems = _choice(db, plan_id)
    return _choose_page(db, plan_id, choice, problems)


@bp.get("/plans/<id:plan_id>/pack/preview")
@board_member(board_of=plans.board_of_plan)
def preview(plan_id):
    db = get_db()
    choice, problems = _choice(db, plan_id)
    if problems:
        return _choose_page(db, plan_id, choice, problems, status=400)
    args = {"quarter": choice.quarter, "version": choice.version}
    if choice.covering:
        args["covering"] = "yes"
    bar = render_template(
        "pack/_preview_bar.html",
        plan_id=plan_id,
        choice=choice,
        download=url_for("pack.download", plan_id=plan_id, **args),
    )
    return pack_html(
        db,
        plan_id,
        choice.quarter,
        date.today(),
        version=choice.version,
        covering=choice.covering,
        preview_bar=Markup(bar),  # noqa: S704 - a rendered, escaped template
    )


@bp.get("/plans/<id:plan_id>/pack/download")
@board_member(board_of=plans.board_of_plan)
def download(plan_id):
    """The PDF: the kept one for a closed quarter when there is one; otherwise the pack is
    asked of the job worker, and this answers with the page that follows it (or, when the job
    has already finished, the file itself)."""
    db = get_db()
    choice, problems = _choice(db, plan_id)
    if problems:
        return _choose_page(db, plan_id, choice, problems, status=400)
    kept = find_kept_pack(db, plan_id, choice.quarter, choice.version, choice.covering)
    if kept:
        return kept_pack_file(kept)
    render = ask_for_pack(db, plan_id, choice, current_user.id)
    if not render.ready:
        return redirect(url_for("pack.progress", plan_id=plan_id, render_id=render.id), 303)
    return _pack_file(db, plan_id, choice.quarter, choice.version, choice.covering, render)


def ask_for_pack(db, plan_id: int, choice: PackChoice, requested_by: int | None):
    """The request for the pack `choice`, dated today, queued for the worker if new."""
    render, new = renders.ask(
        db,
        plan_id,
        choice.quarter,
        choice.version,
        covering=choice.covering,
        made_on=date.today(),
        requested_by=requested_by,
    )
    if new:
        # Run at once where there is no worker (tests, ":memory:"): the answer may be ready.
        jobs_for(current_app._get_current_object()).render_pack(render.id)
        render = renders.get(db, render.id)
    return render


@bp.get("/plans/<id:plan_id>/pack/made/<id:render_id>")
@board_member(board_of=renders.board_of_render)
def progress(plan_id, render_id):
    """How far the worker has got with a pack, and the PDF when it is ready. Works without
    JavaScript ("Check again"); with it, the page follows the pack by itself."""
    db = get_db()
    render = _render_of(db, plan_id, render_id)
    return render_template(
        "pack/progress.html",
        plan=plans.get_plan(db, plan_id),
        render=render,
        status=renders.status(db, render),
        pdf_url=url_for("pack.made_pdf", plan_id=plan_id, render_id=render_id),
        again_url=url_for("pack.download", plan_id=plan_id, **_choice_args(render)),
        status_url=url_for("pack.progress_data", plan_id=plan_id, render_id=render_id),
        check_url=request.path,
    )


@bp.get("/plans/<id:plan_id>/pack/made/<id:render_id>.json")
@board_member(board_of=renders.board_of_render)
def progress_data(plan_id, render_id):
    db = get_db()
    return jsonify(renders.status(db, _render_of(db, plan_id, render_id)))


@bp.get("/plans/<id:plan_id>/pack/made/<id:render_id>.pdf")
@board_member(board_of=renders.board_of_render)
def made_pdf(plan_id, render_id):
    """A made pack's PDF; one replaced since by a newer pack of the same kind is asked again."""
    db = get_db()
    render = _render_of(db, plan_id, render_id)
    if not render.ready:
        if render.state in renders.IN_HAND:
            return redirect(url_for("pack.progress", plan_id=plan_id, render_id=render_id), 303)
        return redirect(url_for("pack.download", plan_id=plan_id, **_choice_args(render)), 303)
    return _pack_file(db, plan_id, render.quarter, render.version, render.covering, render)


def _render_of(db, plan_id: int, render_id: int) -> renders.Render:
    """The plan's pack request, if the person may have that pack (the scrutiny panel: only
    its version, of closed quarters)."""
    render = renders.get(db, render_id)
    if g.role == "scrutiny" and (
        render.version != "scrutiny" or not is_locked(db, plan_id, render.quarter)
    ):
        abort(404)
    return render


def _pack_file(db, plan_id: int, quarter: str, version: str, covering: bool, render=None):
    """The PDF of the pack kept for a closed quarter, the record, when there is one; else the
    one `render` made."""
    kept = find_kept_pack(db, plan_id, quarter, version, covering)
    if kept:
        return kept_pack_file(kept)
    found = renders.pdf_of(db, render.id) if render else None
    if found is None:
        abort(404)
    pdf, sha256 = found
    return _file(pdf, "application/pdf", pack_filename(quarter, version, covering), etag=sha256)


def kept_pack_file(kept):
    """A kept pack as the download it always is: the same bytes, name and checksum."""
    return _file(kept.pdf, "application/pdf", kept.filename, etag=kept.sha256)


def _choice_args(render: renders.Render) -> dict:
    args = {"quarter": render.quarter, "version": render.version}
    if render.covering:
        args["covering"] = "yes"
    return args


@bp.get("/plans/<id:plan_id>/pack/kept")
@board_member(board_of=plans.board_of_plan)
def kept(plan_id):
    """A kept pack (`?pack=` its id) exactly as it was made, superseded or not: the scrutiny
    panel has only its own version."""
    pack_id = whole_number(request.args.get("pack", ""))
    found = kept_pack_by_id(get_db(), plan_id, pack_id) if pack_id else None
    if found is None or (g.role == "scrutiny" and found.version != "scrutiny"):
        abort(404)
    return kept_pack_file(found)


@bp.get("/plans/<id:plan_id>/pack/plan.xlsx")
@board_member(board_of=plans.board_of_plan)
def workbook(plan_id):
    return _export(plan_id, plan_workbook, XLSX, "xlsx")


@bp.get("/plans/<id:plan_id>/pack/plan.docx")
@board_member(board_of=plans.board_of_plan)
def document(plan_id):
    return _export(plan_id, plan_document, DOCX, "docx")


def _export(plan_id: int, make, mimetype: str, extension: str):
    """The plan as at the chosen quarter as an Excel or Word file: approved updates only."""
    db = get_db()
    choice, problems = _choice(db, plan_id)
    if problems:
        return _choose_page(db, plan_id, choice, problems, status=400)
    context = build_pack_context(db, plan_id, choice.quarter, date.today(), version=choice.version)
    name = export_filename(context["plan"]["title"], choice.quarter, extension)
    return _file(make(context), mimetype, name)


def _choice(db, plan_id: int) -> tuple[PackChoice | None, list]:
    return choose_pack(request.args, plans.quarters_of(db, plan_id), g.role)


def _choose_page(db, plan_id: int, choice, problems, status: int = 200):
    quarters = plans.quarters_of(db, plan_id)
    scrutiny = g.role == "scrutiny"
    kept = [
        pack for pack in kept_packs_of(db, plan_id) if pack.version == "scrutiny" or not scrutiny
    ]
    page = render_template(
        "pack/choose.html",
        plan=plans.get_plan(db, plan_id),
        quarters=[q for q in reversed(quarters) if q["locked_at"] or not scrutiny],
        versions=VERSIONS if not scrutiny else {"scrutiny": VERSIONS["scrutiny"]},
        choice=choice,
        asked=request.args,
        problems=problems,
        kept=kept,
    )
    return page, status


def _file(content: bytes, mimetype: str, filename: str, etag: str | None = None):
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if etag:
        response.set_etag(etag)
    return response
