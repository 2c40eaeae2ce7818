"""The installation area: boards, their first administrators, and their use."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.accounts import invitations
from tracker.accounts.forms import InviteAdministratorForm
from tracker.accounts.invitations import InvitationError, Invitee
from tracker.accounts.views import send_invitation_emails
from tracker.audit import Actor
from tracker.auth.forms import ConfirmForm
from tracker.auth.two_factor_settings import reset_two_factor
from tracker.concurrency import StaleChange, stale_change_message
from tracker.db import get_db
from tracker.jobs.failures import SHOWN_FOR_DAYS, installation_failures
from tracker.jobs.forms import DismissFailureForm, dismiss_as_asked
from tracker.operators import boards, bp
from tracker.operators.forms import BoardForm
from tracker.permissions import operator
from tracker.rate_limiting import limit_invitations


def _board_or_404(board_id: int) -> dict:
    board = boards.board_details(get_db(), board_id)
    if board is None:
        abort(404)
    return board


def _actor(board_id: int | None) -> Actor:
    return Actor(current_user.id, board_id)


@bp.route("/operator")
@operator
def index():
    """Every board on the installation, with how much it is used."""
    return render_template(
        "operators/index.html",
        boards=boards.boards_overview(get_db()),
        mail_to_folder=not current_app.config["MAIL_SERVER"],
        job_failures=installation_failures(get_db()),
        failures_shown_for_days=SHOWN_FOR_DAYS,
    )


@bp.route("/operator/dismiss-failure", methods=["POST"])
@operator
def dismiss_failure():
    """Stop showing a failed job of the whole installation (no board's), once dealt with."""
    form = DismissFailureForm()
    if not form.validate_on_submit():
        abort(400)
    dismiss_as_asked(form, None, _actor(None))
    return redirect(url_for("operators.index"))


@bp.route("/operator/boards/new", methods=["GET", "POST"])
@operator
def new_board():
    """Create a board."""
    form = BoardForm()
    if form.validate_on_submit():
        try:
            board_id = boards.create_board(get_db(), form.details(), _actor(None))
        except boards.BoardError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"{form.name.data} created. Now invite its first administrator.")
            return redirect(url_for("operators.invite_administrator", board_id=board_id))
    return render_template("operators/board_form.html", form=form, board=None), (
        400 if form.errors else 200
    )


@bp.route("/operator/boards/<id:board_id>")
@operator
def board(board_id: int):
    """A board's details, administrators and open invitations."""
    board = _board_or_404(board_id)
    db = get_db()
    return render_template(
        "operators/board.html",
        board=board,
        administrators=boards.administrators(db, board_id),
        invitations=[
            invitation
            for invitation in invitations.open_invitations_of_board(db, board_id)
            if invitation["role"] == "administrator"
        ],
        form=ConfirmForm(),
    )


@bp.route("/operator/boards/<id:board_id>/edit", methods=["GET", "POST"])
@operator
def edit_board(board_id: int):
    """Change a board's name, service or council."""
    board = _board_or_404(board_id)
    form = BoardForm(data={**board, "fingerprint": boards.details_fingerprint(board)})
    if form.validate_on_submit():
        try:
            boards.change_board(
                get_db(), board_id, form.details(), form.fingerprint.data or "", _actor(board_id)
            )
        except StaleChange:
            flash(stale_change_message("the board's details"), "error")
            return redirect(url_for("operators.edit_board", board_id=board_id))
        except boards.BoardError as error:
            form.name.errors.append(str(error))
        else:
            flash("Saved.")
            return redirect(url_for("operators.board", board_id=board_id))
    return render_template("operators/board_form.html", form=form, board=board), (
        400 if form.errors else 200
    )


@bp.route("/operator/boards/<id:board_id>/archive", methods=["POST"])
@operator
def archive_board(board_id: int):
    """Archive a board: nobody can use it; nothing is deleted."""
    return _set_archived(board_id, True, "Archived. Nobody can use the board until you restore it.")


@bp.route("/operator/boards/<id:board_id>/restore", methods=["POST"])
@operator
def restore_board(board_id: int):
    """Bring an archived board back into use."""
    return _set_archived(board_id, False, "Restored. Its users can sign in to it again.")


def _set_archived(board_id: int, archived: bool, done: str):
    _board_or_404(board_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    boards.set_archived(get_db(), board_id, archived, _actor(board_id))
    flash(done)
    return redirect(url_for("operators.board", board_id=board_id))


@bp.route("/operator/boards/<id:board_id>/invite", methods=["GET", "POST"])
@operator
@limit_invitations
def invite_administrator(board_id: int):
    """Invite a board's administrator (its head of service, usually)."""
    board = _board_or_404(board_id)
    form = InviteAdministratorForm()
    if form.validate_on_submit():
        invitee = Invitee(name=form.name.data, email=form.email.data.strip(), role="administrator")
        db = get_db()
        try:
            done = invitations.invite(db, board_id, invitee, _actor(board_id))
        except InvitationError as error:
            form.email.errors.append(str(error))
        else:
            send_invitation_emails(board_id, [(invitee, done)], in_background=False)
            return redirect(url_for("operators.board", board_id=board_id))
    return render_template("operators/invite.html", form=form, board=board), (
        400 if form.errors else 200
    )


@bp.route("/operator/boards/<id:board_id>/users/<id:user_id>/reset-two-factor", methods=["POST"])
@operator
def reset_administrator_two_factor(board_id: int, user_id: int):
    """Turn off an administrator's two-factor sign-in (a lost phone), so they set it up again."""
    _board_or_404(board_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not any(a["user_id"] == user_id for a in boards.administrators(get_db(), board_id)):
        abort(404)
    reset_two_factor(get_db(), user_id, _actor(board_id))
    flash("Two-factor sign-in reset: they will set it up again when they next sign in.")
    return redirect(url_for("operators.board", board_id=board_id))
