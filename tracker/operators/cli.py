"""flask create-operator and flask create-board: the only commands a new installation needs."""

import click

from tracker import audit
from tracker.auth import accounts
from tracker.auth.cli import new_password, valid_email
from tracker.db import get_db
from tracker.operators import bp
from tracker.operators.boards import BoardError, create_board
from tracker.text import clean_text


@bp.cli.command("create-operator")
@click.argument("email")
@click.option("--name", default="", help="The operator's name as others will see it.")
def create_operator_command(email, name):
    """Create an operator: someone who creates boards and invites their administrators.

    The password comes from the TRACKER_PASSWORD environment variable, or a prompt.
    """
    email = valid_email(email)
    db = get_db()
    if accounts.user_by_email(db, email):
        raise click.ClickException(f"There is already an account for {email}")
    password = new_password(email)
    try:
        accounts.create_account(
            db, email=email, password=password, name=clean_text(name) or email, is_operator=True
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created the operator {email}. Sign in, then create the first board.")


@bp.cli.command("create-board")
@click.argument("name")
@click.option("--service", required=True, help="The youth justice service the board oversees.")
@click.option("--council", default="", help="The council or area.")
def create_board_command(name, service, council):
    """Create a board, for scripts; an operator can do the same in the browser."""
    details = {
        "name": clean_text(name),
        "service": clean_text(service),
        "council": clean_text(council),
    }
    for field, limit in (("name", 200), ("service", 200), ("council", 200)):
        value = details[field]
        if field != "council" and not value:
            raise click.ClickException(f"Enter the board's {field}")
        if len(value) > limit or "\n" in value or "\r" in value:
            raise click.ClickException(
                f"The board's {field} must be one line of {limit} characters or fewer"
            )
    try:
        board_id = create_board(get_db(), details, audit.SYSTEM)
    except BoardError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created board {board_id}: {details['name']}.")
