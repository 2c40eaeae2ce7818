"""flask create-user."""

import os

import click
from email_validator import EmailNotValidError, validate_email

from tracker.auth import accounts, bp
from tracker.auth.passwords import password_problem
from tracker.boards import find_board
from tracker.db import get_db
from tracker.people.queries import find_person
from tracker.permissions import ROLES


@bp.cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Role on the board.")
@click.option("--board", "board_ref", required=True, help="The board's name or id.")
@click.option("--name", default="", help="The user's name as others will see it.")
@click.option(
    "--person",
    "person_name",
    default=None,
    help="The user's entry in the board's people directory, by name.",
)
def create_user_command(email, role, board_ref, name, person_name):
    """Create a user with a role on a board.

    The password comes from the TRACKER_PASSWORD environment variable, or a prompt.
    """
    email = valid_email(email)
    db = get_db()
    board = find_board(db, board_ref)
    if board is None:
        raise click.ClickException(f"There is no board called {board_ref!r}")
    person_id = None
    if person_name:
        person = find_person(db, board["id"], person_name)
        if person is None:
            raise click.ClickException(f"There is no one called {person_name!r} on that board")
        person_id = person["id"]
    password = new_password(email)
    try:
        accounts.create_user(
            db,
            email=email,
            password=password,
            name=name or email,
            board_id=board["id"],
            role=role,
            person_id=person_id,
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {email} as {role} on {board['name']}.")


def valid_email(email: str) -> str:
    """The email address normalised, or a ClickException saying why it is not one."""
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.ClickException(f"That email address is not valid: {error}") from None


def new_password(email: str) -> str:
    """The new account's password: TRACKER_PASSWORD, or typed twice at a prompt that asks
    again until the password rule allows it."""
    return os.environ.get("TRACKER_PASSWORD") or click.prompt(
        "Password",
        hide_input=True,
        confirmation_prompt=True,
        value_proc=lambda typed: _allowed_password(typed, email),
    )


def _allowed_password(password: str, email: str) -> str:
    """The typed password if the rule allows it; otherwise the prompt says why and asks again."""
    problem = password_problem(password, email=email)
    if problem:
        raise click.UsageError(problem)
    return password
