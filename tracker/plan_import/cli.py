"""flask extract-plan."""

import json
from pathlib import Path

import click
from flask import current_app

from tracker.plan_import import bp
from tracker.plan_import.reading import PRINTED_KEYS, read_plan
from tracker.plan_import.tables import PlanFileError, read_tables


@bp.cli.command("extract-plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def extract_plan_command(file: Path):
    """Print what the tracker reads from a board's existing plan FILE, as JSON."""
    max_bytes = current_app.config["UPLOAD_MAX_BYTES"]
    try:
        with file.open("rb") as plan_file:
            data = plan_file.read(max_bytes + 1)  # one byte more, so a larger file is refused
        plan = read_plan(read_tables(file.name, data, max_bytes=max_bytes))
    except OSError as error:
        raise click.ClickException(f"{file} could not be read: {error.strerror}") from None
    except PlanFileError as error:
        raise click.ClickException(f"{file}: {error}") from None
    plan["recommendations"] = [
        {key: recommendation[key] for key in PRINTED_KEYS}
        for recommendation in plan["recommendations"]
    ]
    click.echo(json.dumps(plan, indent=2, ensure_ascii=False))
