"""Invitations: how someone gets a role on a board without anyone else choosing their password.

An administrator (or, for a board's first administrator, an operator) invites an email address
with a role. Someone who already has an account is given the role at once: one person, one
account, however many boards. Anyone else is sent a single-use link, valid for a week, to
choose their own password; only the SHA-256 of the link's token is stored. Accepting proves the
address is theirs, so every open invitation to that address is accepted together.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from tracker import audit
from tracker.auth import accounts
from tracker.auth.accounts import AccountError, now, timestamp
from tracker.db import scalar, write_transaction
from tracker.tokens import looks_like_a_token, new_token, token_hash

VALID_FOR = timedelta(days=7)
INVITED, EXPIRED = "Invited", "Invitation expired"


class InvitationError(ValueError):
    """An invitation that cannot be made or used; the message says why, for the user."""


@dataclass(frozen=True)
class Invitee:
    """Who is being invited, as the form or file gives them."""

    name: str
    email: str
    role: str
    organisation: str = ""
    job_title: str = ""
    person_id: int | None = None  # their entry in the people list; None to find or add one


@dataclass(frozen=True)
class Invited:
    """What inviting someone did: an invitation with its one-time token to email, or (for an
    existing account) the role given at once."""

    invitation_id: int | None = None
    token: str | None = None
    user_id: int | None = None

    @property
    def added_at_once(self) -> bool:
        return self.user_id is not None


def access_problem(db: Database, board_id: int, email: str) -> str | None:
    """Why `email` cannot be invited to the board (they have access or an open invitation)."""
    state = scalar(
        db,
        """
        SELECT CASE WHEN memberships.deactivated_at IS NULL THEN 'active' ELSE 'deactivated' END
        FROM memberships JOIN users ON users.id = memberships.user_id
        WHERE memberships.board_id = ? AND users.email = ?
        """,
        board_id,
        email,
    )
    if state == "active":
        return f"{email} already has access to this board"
    if state == "deactivated":
        return f"{email} is deactivated on this board: reactivate them instead"
    if _open_invitation_id(db, board_id, email):
        return f"{email} has already been invited: resend the invitation from the list instead"
    return None


def emails_with_access(db: Database, board_id: int) -> set[str]:
    """Every email, lower case, that has a role or an open invitation on the board."""
    rows = db.execute(
        """
        SELECT users.email FROM memberships JOIN users ON users.id = memberships.user_id
        WHERE memberships.board_id = ?
        UNION
        SELECT email FROM invitations
        WHERE board_id = ? AND accepted_at IS NULL AND cancelled_at IS NULL
        """,
        [board_id, board_id],
    ).fetchall()
    return {row[0].lower() for row in rows}


def invite(db: Database, board_id: int, invitee: Invitee, actor: audit.Actor) -> Invited:
    """Invite someone to the board, in one transaction; raises InvitationError, changing
    nothing, when they already have access or an open invitation."""
    with write_transaction(db):
        problem = access_problem(db, board_id, invitee.email)
        if problem:
            raise InvitationError(problem)
        person_id = _person_for(db, board_id, invitee, actor)
        user = accounts.user_by_email(db, invitee.email)
        if user is not None:
            accounts.add_membership(db, user["id"], board_id, invitee.role, person_id, actor)
            return Invited(user_id=user["id"])
        token = new_token()
        invitation_id = audit.insert(
            db,
            "invitations",
            {
                "board_id": board_id,
                "email": invitee.email,
                "name": invitee.name,
                "role": invitee.role,
                "person_id": person_id,
                "token_sha256": token_hash(token),
                "expires_at": timestamp(now() + VALID_FOR),
                "invited_by": actor.user_id,
            },
            actor,
        )
        return Invited(invitation_id=invitation_id, token=token)


def invite_all(
    db: Database, board_id: int, invitees: list[Invitee], actor: audit.Actor
) -> list[Invited]:
    """Invite everyone in one transaction: all of them, or (raising InvitationError) none."""
    with write_transaction(db):
        return [invite(db, board_id, invitee, actor) for invitee in invitees]


def _person_for(db: Database, board_id: int, invitee: Invitee, actor: audit.Actor) -> int:
    """The invitee's entry in the board's people list: the one chosen, else the one with their
    email, else a new one."""
    if invitee.person_id is not None:
        if scalar(db, "SELECT board_id FROM people WHERE id = ?", invitee.person_id) != board_id:
            raise InvitationError("Choose someone from this board's people list")
        return invitee.person_id
    found = scalar(
        db,
        "SELECT id FROM people WHERE board_id = ? AND email = ? COLLATE NOCASE ORDER BY id",
        board_id,
        invitee.email,
    )
    if found:
        return found
    return audit.insert(
        db,
        "people",
        {
            "board_id": board_id,
            "name": invitee.name,
            "job_title": invitee.job_title,
            "organisation": invitee.organisation,
            "email": invitee.email,
        },
        actor,
    )


def resend(db: Database, invitation_id: int, actor: audit.Actor) -> str:
    """A new link for an open invitation, valid for another week; the old link stops working.
    Returns the new token."""
    token = new_token()
    moment = now()
    with write_transaction(db):
        invitation = _open(db, invitation_id)
        audit.update(
            db,
            "invitations",
            invitation["id"],
            {
                "token_sha256": token_hash(token),
                "expires_at": timestamp(moment + VALID_FOR),
                "sent_at": timestamp(moment),
            },
            actor,
        )
    return token


def cancel(db: Database, invitation_id: int, actor: audit.Actor) -> None:
    """Withdraw an open invitation: its link stops working."""
    with write_transaction(db):
        _open(db, invitation_id)
        audit.update(db, "invitations", invitation_id, {"cancelled_at": timestamp(now())}, actor)


def _open(db: Database, invitation_id: int) -> dict:
    invitation = get_invitation(db, invitation_id)
    if invitation is None or invitation["accepted_at"] or invitation["cancelled_at"]:
        raise InvitationError("That invitation has already been accepted or cancelled")
    return invitation


def get_invitation(db: Database, invitation_id: int) -> dict | None:
    """The invitation with this id, with its board's name."""
    return next(
        db.query(
            "SELECT invitations.*, boards.name AS board FROM invitations"
            " JOIN boards ON boards.id = invitations.board_id WHERE invitations.id = ?",
            [invitation_id],
        ),
        None,
    )


def board_of_invitation(db: Database, invitation_id: int) -> int | None:
    """For the permission check: the board the invitation is to."""
    return scalar(db, "SELECT board_id FROM invitations WHERE id = ?", invitation_id)


def _open_invitation_id(db: Database, board_id: int, email: str) -> int | None:
    return scalar(
        db,
        "SELECT id FROM invitations WHERE board_id = ? AND email = ?"
        " AND accepted_at IS NULL AND cancelled_at IS NULL",
        board_id,
        email,
    )


def invitation_for_token(db: Database, token: str) -> dict | None:
    """The open, unexpired invitation this link's token belongs to, or None for any other
    token (unknown, used, cancelled, replaced by a resend, expired or malformed)."""
    if not looks_like_a_token(token):
        return None
    invitation = next(
        db.query(
            """
            SELECT invitations.*, boards.name AS board,
                   (SELECT id FROM users WHERE users.email = invitations.email) AS user_id
            FROM invitations JOIN boards ON boards.id = invitations.board_id
            WHERE token_sha256 = ? AND accepted_at IS NULL AND cancelled_at IS NULL
              AND expires_at > ? AND boards.archived_at IS NULL
            """,
            [token_hash(token), timestamp(now())],
        ),
        None,
    )
    return invitation


def accept(db: Database, token: str, password: str | None) -> int:
    """Accept the invitation (and every other open one to the same address): make the account
    with `password` if there is none yet, give each board's role, and return the user's id.

    Raises InvitationError for a link that no longer works, and AccountError, changing
    nothing, for a password the rule refuses.
    """
    with write_transaction(db):
        invitation = invitation_for_token(db, token)
        if invitation is None:
            raise InvitationError("This invitation link has expired or has already been used")
        user_id = invitation["user_id"]
        if user_id is None:
            if password is None:
                raise AccountError("Enter a password")
            user_id = accounts.create_account(
                db,
                email=invitation["email"],
                password=password,
                name=invitation["name"],
                actor=audit.Actor(None, invitation["board_id"]),
            )
        for other in db.query(
            "SELECT invitations.* FROM invitations JOIN boards ON boards.id = invitations.board_id"
            " WHERE email = ? AND accepted_at IS NULL AND cancelled_at IS NULL"
            " AND expires_at > ? AND boards.archived_at IS NULL ORDER BY invitations.id",
            [invitation["email"], timestamp(now())],
        ):
            actor = audit.Actor(user_id, other["board_id"])
            has_role = scalar(
                db,
                "SELECT 1 FROM memberships WHERE user_id = ? AND board_id = ?",
                user_id,
                other["board_id"],
            )
            if not has_role:
                accounts.add_membership(
                    db, user_id, other["board_id"], other["role"], other["person_id"], actor
                )
            audit.update(
                db,
                "invitations",
                other["id"],
                {"accepted_at": timestamp(now()), "accepted_by": user_id},
                actor,
            )
    return user_id


def open_invitations_of_board(db: Database, board_id: int) -> list[dict]:
    """The board's invitations not yet accepted or cancelled, newest first, each with its
    state in words (Invited or Invitation expired)."""
    moment = timestamp(now())
    rows = list(
        db.query(
            "SELECT * FROM invitations WHERE board_id = ? AND accepted_at IS NULL"
            " AND cancelled_at IS NULL ORDER BY sent_at DESC, id DESC",
            [board_id],
        )
    )
    for row in rows:
        row["state"] = INVITED if row["expires_at"] > moment else EXPIRED
    return rows
