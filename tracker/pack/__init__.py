"""The board pack: the plan as a PDF for the board and the scrutiny panel."""

from datetime import date
from pathlib import Path

import click
from flask import Blueprint, current_app

from tracker.db import get_db
from tracker.pack.context import build_pack_context
from tracker.pack.render import PackRenderError, render_pdf
from tracker.plans import queries as plans
from tracker.quarters import Quarter

bp = Blueprint("pack", __name__, cli_group=None)


def pack_html(db, plan_id: int, quarter: str, made_on: date) -> str:
    """The pack's HTML, the same for the preview and the PDF."""
    context = build_pack_context(db, plan_id, quarter, made_on)
    meeting = db.execute(
        "SELECT board_meeting_on FROM quarters WHERE plan_id = ? AND label = ?",
        [plan_id, quarter],
    ).fetchone()
    # Rendered without the page's context processors: no request or signed-in user is needed.
    template = current_app.jinja_env.get_template("pack/pack.html")
    return template.render(**context, board_meeting_on=meeting[0] if meeting else None)


@bp.cli.command("pack")
@click.argument("plan_id", type=int, required=False)
@click.option("--quarter", help='The quarter, like "2023/24 Q2"; the current one if omitted.')
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the PDF.",
)
def pack_command(plan_id, quarter, output):
    """Make the board pack for a plan (the first when no PLAN_ID is given) as a PDF."""
    db = get_db()
    plan_id = plan_id if plan_id is not None else plans.first_plan_id(db)
    plan = plans.get_plan(db, plan_id) if plan_id is not None else None
    if plan is None:
        raise click.ClickException("There is no such plan")
    try:
        label = Quarter.parse(quarter).label if quarter else plan["current_quarter"]
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if not label:
        raise click.ClickException("The plan has no current quarter: give one with --quarter")
    try:
        pdf = render_pdf(pack_html(db, plan_id, label, date.today()), plan["title"])
    except PackRenderError as error:
        raise click.ClickException(str(error)) from None
    output.write_bytes(pdf)
    click.echo(f"Wrote the board pack for {label} to {output} ({len(pdf):,} bytes).")
