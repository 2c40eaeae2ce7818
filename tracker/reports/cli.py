"""flask extract."""

import json
from pathlib import Path

import click

from tracker.reports import bp
from tracker.reports.extraction import extract_report
from tracker.reports.formats import ReportFileError, read_report


@bp.cli.command("extract")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def extract_command(file: Path):
    """Print what the tracker reads from an inspection report FILE, as JSON."""
    try:
        text = read_report(file.name, file.read_bytes())
    except OSError as error:
        raise click.ClickException(f"{file} could not be read: {error.strerror}") from None
    except ReportFileError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(json.dumps(extract_report(text).as_json(), indent=2, ensure_ascii=False))
