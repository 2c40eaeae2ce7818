"""flask extract."""

import json
from pathlib import Path

import click
from flask import current_app

from tracker.reports import bp
from tracker.reports.budget import Budget, read_within_budget
from tracker.reports.formats import MAX_UPLOAD_BYTES_DEFAULT, ReportFileError


@bp.cli.command("extract")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def extract_command(file: Path):
    """Print what the tracker reads from an inspection report FILE, as JSON: within the time
    and memory an upload is allowed (TRACKER_READ_SECONDS, TRACKER_READ_MEMORY_MB)."""
    config = current_app.config
    try:
        read = read_within_budget(
            file.name,
            file.read_bytes(),
            int(config.get("UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES_DEFAULT)),
            Budget.of(config),
        )
    except OSError as error:
        raise click.ClickException(f"{file} could not be read: {error.strerror}") from None
    except ReportFileError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(json.dumps(read.extraction.as_json(), indent=2, ensure_ascii=False))
