"""The emails about people's accounts: invitations, being added to a board, and password reset
links. Each link in them points at TRACKER_BASE_URL, the address people use to reach the
tracker, whatever address the request came in on."""

from email.message import EmailMessage

from flask import current_app, url_for

from tracker import mail
from tracker.auth.resets import VALID_FOR as RESET_VALID_FOR
from tracker.permissions import ROLE_NAMES


def link(endpoint: str, **values) -> str:
    """The full address of a page, for an email."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _to(name: str, email: str) -> mail.Recipient:
    return mail.Recipient(name or email, email)


def invitation(invitation: dict, board: str, token: str, invited_by: str) -> EmailMessage:
    """The invitation to choose a password and start using the board."""
    return mail.compose(
        "invitation",
        _to(invitation["name"], invitation["email"]),
        f"You have been invited to {board}'s improvement plan",
        {
            "name": invitation["name"],
            "board": board,
            "role": ROLE_NAMES[invitation["role"]],
            "invited_by": invited_by,
            "link": link("accounts.accept_invitation", token=token),
            "days": 7,
        },
        current_app.config,
    )


def about_invitation(
    name: str, email: str, role: str, board: str, token: str | None, sent_by: str
) -> EmailMessage:
    """The email an invitation sends: a link to choose a password (`token`), or, for someone
    who already had an account (no token), the notice that they have the role."""
    if token is None:
        return added_to_board({"name": name, "email": email}, board, role, sent_by)
    details = {"name": name, "email": email, "role": role}
    return invitation(details, board, token, sent_by)


def added_to_board(user: dict, board: str, role: str, added_by: str) -> EmailMessage:
    """The notice to someone who already has an account that they now have a role on a board."""
    return mail.compose(
        "added_to_board",
        _to(user["name"], user["email"]),
        f"You now have access to {board}'s improvement plan",
        {
            "name": user["name"],
            "board": board,
            "role": ROLE_NAMES[role],
            "added_by": added_by,
            "link": link("auth.sign_in"),
        },
        current_app.config,
    )


def password_reset(user: dict, token: str, sent_by: str | None = None) -> EmailMessage:
    """A link to choose a new password."""
    return mail.compose(
        "password_reset",
        _to(user["name"], user["email"]),
        "Reset your password",
        {
            "name": user["name"],
            "link": link("auth.reset_password", token=token),
            "sent_by": sent_by,
            "minutes": int(RESET_VALID_FOR.total_seconds() // 60),
        },
        current_app.config,
    )
