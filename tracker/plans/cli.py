"""flask show-plan."""

import json

import click

from tracker.db import get_db
from tracker.plans import bp, queries


@bp.cli.command("show-plan")
@click.argument("plan_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def show_plan_command(plan_id, as_json):
    """Print a plan (the first one when no PLAN_ID is given), with every update."""
    db = get_db()
    plan_id = plan_id if plan_id is not None else queries.first_plan_id(db)
    if plan_id is None or queries.get_plan(db, plan_id) is None:
        raise click.ClickException("There is no such plan" if plan_id else "There are no plans")
    plan = queries.plan_as_data(db, plan_id, approved_only=False)
    if as_json:
        click.echo(json.dumps(plan, indent=2, ensure_ascii=False))
        return
    click.echo(f"{plan['plan']['title']} ({plan['plan']['board']})")
    for recommendation in plan["recommendations"]:
        champions = {
            kind: ", ".join(recommendation[f"{kind}_champions"]) or "TBC"
            for kind in queries.CHAMPION_KINDS
        }
        click.echo(
            f"{recommendation['number']}. {recommendation['text']}\n"
            f"   board: {champions['board']}; service: {champions['service']}; "
            f"{len(recommendation['key_lines_of_enquiry'])} key lines of enquiry"
        )
