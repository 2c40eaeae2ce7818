"""The board pack: the plan as a PDF for the board and the scrutiny panel, with an HTML
preview from the same template, and Excel and Word copies."""

from datetime import date
from pathlib import Path

import click
from flask import Blueprint, current_app, url_for
from markupsafe import Markup

from tracker.db import get_db
from tracker.pack.context import VERSIONS, build_pack_context, paragraphs
from tracker.pack.render import PackRenderError
from tracker.plans import queries as plans
from tracker.quarters import Quarter

bp = Blueprint("pack", __name__, cli_group=None)
bp.add_app_template_filter(paragraphs)


def pack_html(
    db,
    plan_id: int,
    quarter: str,
    made_on: date,
    *,
    version: str = "board",
    covering: bool = False,
    preview_bar: Markup | None = None,
) -> str:
    """The pack's HTML, the same for the PDF and (with a `preview_bar`) the preview page."""
    context = build_pack_context(db, plan_id, quarter, made_on, version=version, covering=covering)
    meeting = db.execute(
        "SELECT board_meeting_on FROM quarters WHERE plan_id = ? AND label = ?",
        [plan_id, quarter],
    ).fetchone()
    for_pdf = preview_bar is None
    # Rendered without the page's context processors: no request or signed-in user is needed.
    template = current_app.jinja_env.get_template("pack/pack.html")
    return template.render(
        **context,
        board_meeting_on=meeting[0] if meeting else None,
        for_pdf=for_pdf,
        preview_bar=preview_bar,
        # The PDF's base URL is the static folder, the one place its fetcher may read from.
        stylesheet="css/pack.css" if for_pdf else url_for("static", filename="css/pack.css"),
    )


@bp.cli.command("pack")
@click.argument("plan_id", type=int, required=False)
@click.option("--quarter", help='The quarter, like "2023/24 Q2"; the current one if omitted.')
@click.option(
    "--version",
    type=click.Choice(sorted(VERSIONS)),
    default="board",
    show_default=True,
    help="The board's pack, or the scrutiny panel's.",
)
@click.option(
    "--covering-report", is_flag=True, help="Open the scrutiny version with a covering report."
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the PDF.",
)
def pack_command(plan_id, quarter, version, covering_report, output):
    """Make the board pack for a plan (the first when no PLAN_ID is given) as a PDF."""
    from tracker.pack.store import make_pdf

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
    if label not in [known["label"] for known in plans.quarters_of(db, plan_id)]:
        raise click.ClickException(f"The plan has no quarter {label}")
    try:
        pdf = make_pdf(
            db, plan_id, label, version=version, covering=covering_report, made_on=date.today()
        )
    except PackRenderError as error:
        raise click.ClickException(str(error)) from None
    output.write_bytes(pdf)
    click.echo(
        f"Wrote the {VERSIONS[version].lower()} for {label} to {output} ({len(pdf):,} bytes)."
    )


from tracker.pack import views  # noqa: E402, F401 - registers the routes on bp
