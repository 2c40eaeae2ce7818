"""The pages where a board's administrators manage who can use the board, and where an
invited person accepts."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from tracker import mail
from tracker.accounts import bp, bulk, invitations, members
from tracker.accounts.forms import (
    BulkConfirmForm,
    BulkUploadForm,
    InviteForm,
    RoleForm,
    TwoFactorRuleForm,
)
from tracker.accounts.invitations import InvitationError, Invitee
from tracker.audit import Actor
from tracker.auth import emails
from tracker.auth.accounts import AccountError
from tracker.auth.forms import ConfirmForm, NewPasswordForm
from tracker.auth.two_factor_settings import reset_two_factor
from tracker.auth.views import open_session, send_reset_link
from tracker.boards import board_in_url, get_board
from tracker.db import get_db
from tracker.people.queries import people_without_account
from tracker.permissions import ROLE_NAMES, board_role, public
from tracker.rate_limiting import limit_invitations, limit_password_reset, limit_sign_in

BULK_FIELDS = ("name", "email", "role", "organisation", "job_title")


def _actor() -> Actor:
    return Actor(current_user.id, g.board_id)


@bp.route("/boards/<id:board_id>/users")
@board_role("administrator", board_of=board_in_url)
def index(board_id: int):
    """Everyone with access to the board, and open invitations."""
    db = get_db()
    board = get_board(db, board_id)
    return render_template(
        "accounts/index.html",
        board=board,
        users=members.board_users(db, board_id),
        invitations=invitations.open_invitations_of_board(db, board_id),
        rule_form=TwoFactorRuleForm(required="yes" if board["requires_two_factor"] else "no"),
        administrators_must=current_app.config["REQUIRE_TWO_FACTOR"],
        form=ConfirmForm(),
    )


@bp.route("/boards/<id:board_id>/users/invite", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
@limit_invitations
def invite(board_id: int):
    """Invite someone by email, with a role and their entry in the people list."""
    db = get_db()
    form = InviteForm()
    form.offer(people_without_account(db, board_id))
    if form.validate_on_submit():
        invitee = Invitee(
            name=form.name.data,
            email=form.email.data.strip(),
            role=form.role.data,
            organisation=form.organisation.data or "",
            job_title=form.job_title.data or "",
            person_id=form.person_id,
        )
        try:
            done = invitations.invite(db, board_id, invitee, _actor())
        except InvitationError as error:
            form.email.errors.append(str(error))
        else:
            send_invitation_emails(board_id, [(invitee, done)], in_background=False)
            return redirect(url_for("accounts.index", board_id=board_id))
    return render_template(
        "accounts/invite.html", form=form, board=get_board(db, board_id)
    ), 400 if form.errors else 200


def send_invitation_emails(board_id: int, invited: list, *, in_background: bool) -> None:
    """Email each invitation (or, for someone with an account, the notice of their new role),
    and say on the next page what was sent."""
    board = get_board(get_db(), board_id)["name"]
    messages = []
    for invitee, done in invited:
        messages.append(
            emails.about_invitation(
                invitee.name, invitee.email, invitee.role, board, done.token, current_user.name
            )
        )
    if in_background:
        mail.deliver_in_background(messages, current_app.config)
        flash(f"{_count(len(messages), 'invitation')} on the way.")
        return
    try:
        mail.deliver(messages, current_app.config)
    except mail.SendError as error:
        flash(
            f"The invitation is saved, but the email could not be sent: {error} "
            "Resend it from this list when the mail server is working.",
            "error",
        )
        return
    invitee, done = invited[0]
    if done.added_at_once:
        flash(f"{invitee.email} already had an account: they now have access to this board.")
    else:
        flash(f"Invitation sent to {invitee.email}. The link works for 7 days.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# The checked rows travel from the preview to the confirmation signed, so they cannot be
# changed on the way; they are checked again before anything is created.
def _rows_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="bulk invitations")


@bp.route("/boards/<id:board_id>/users/invite-many", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
@limit_invitations
def invite_many(board_id: int):
    """Upload a CSV or Excel file of people; see what would be created and every problem."""
    db = get_db()
    form = BulkUploadForm()
    board = get_board(db, board_id)
    if form.validate_on_submit():
        upload = form.people.data
        if not upload or not upload.filename:
            form.people.errors.append("Choose a CSV or Excel file to upload")
        else:
            try:
                read = bulk.read_invitees(
                    upload.filename,
                    upload.read(bulk.MAX_BYTES + 1),
                    existing_emails=invitations.emails_with_access(db, board_id),
                )
            except bulk.BulkFileError as error:
                form.people.errors.append(str(error))
            else:
                confirm = BulkConfirmForm(rows=_rows_serializer().dumps(_as_rows(read)))
                return render_template(
                    "accounts/invite_many_preview.html",
                    board=board,
                    read=read,
                    filename=upload.filename,
                    confirm=confirm,
                ), 200 if read.ok else 400
    return render_template(
        "accounts/invite_many.html", form=form, board=board
    ), 400 if form.errors else 200


@bp.route("/boards/<id:board_id>/users/invite-many/template.csv")
@board_role("administrator", board_of=board_in_url)
def bulk_template(board_id: int):
    """A CSV file with the columns the upload reads, to fill in."""
    return Response(
        bulk.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="people-to-invite.csv"'},
    )


def _as_rows(read: bulk.BulkFile) -> list[dict]:
    return [{field: getattr(one, field) for field in BULK_FIELDS} for one in read.invitees]


@bp.route("/boards/<id:board_id>/users/invite-many/confirm", methods=["POST"])
@board_role("administrator", board_of=board_in_url)
@limit_invitations
def invite_many_confirm(board_id: int):
    """Create every invitation from the checked file, or none."""
    db = get_db()
    form = BulkConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rows = _rows_serializer().loads(form.rows.data or "")
        invitees = [Invitee(**{field: str(row[field]) for field in BULK_FIELDS}) for row in rows]
    except (BadSignature, TypeError, ValueError, KeyError):
        abort(400)
    try:
        invited = invitations.invite_all(db, board_id, invitees, _actor())
    except InvitationError as error:
        flash(f"No invitations were sent: {error}. Check the file and upload it again.", "error")
        return redirect(url_for("accounts.invite_many", board_id=board_id))
    send_invitation_emails(board_id, list(zip(invitees, invited, strict=True)), in_background=True)
    return redirect(url_for("accounts.index", board_id=board_id))


def _member_or_404(board_id: int, user_id: int) -> dict:
    member = members.board_member(get_db(), board_id, user_id)
    if member is None:
        abort(404)
    return member


@bp.route("/boards/<id:board_id>/users/<id:user_id>")
@board_role("administrator", board_of=board_in_url)
def member(board_id: int, user_id: int):
    """One user's access to the board, and what an administrator can change about it."""
    member = _member_or_404(board_id, user_id)
    return render_template(
        "accounts/member.html",
        board=get_board(get_db(), board_id),
        member=member,
        role_form=RoleForm(role=member["role"]),
        form=ConfirmForm(),
    )


def _change(board_id: int, user_id: int, change, done: str):
    """Make a change to a member's access from its button, and say what happened."""
    _member_or_404(board_id, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(get_db(), board_id, user_id, _actor())
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.member", board_id=board_id, user_id=user_id))
    flash(done)
    return redirect(url_for("accounts.member", board_id=board_id, user_id=user_id))


@bp.route("/boards/<id:board_id>/users/<id:user_id>/role", methods=["POST"])
@board_role("administrator", board_of=board_in_url)
def change_role(board_id: int, user_id: int):
    """Give a user another role on the board."""
    member = _member_or_404(board_id, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/member.html",
            board=get_board(get_db(), board_id),
            member=member,
            role_form=form,
            form=ConfirmForm(),
        ), 400
    try:
        members.change_role(get_db(), board_id, user_id, form.role.data, _actor())
    except AccountError as error:
        flash(str(error), "error")
    else:
        flash(f"{member['name']} is now {ROLE_NAMES[form.role.data]}.")
    return redirect(url_for("accounts.member", board_id=board_id, user_id=user_id))


@bp.route("/boards/<id:board_id>/users/<id:user_id>/deactivate", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
def deactivate(board_id: int, user_id: int):
    """Stop someone using the board at once, once the administrator has confirmed it."""
    if request.method == "GET":
        member = _member_or_404(board_id, user_id)
        return _confirm_page(
            board_id,
            member,
            f"Deactivate {member['name']}?",
            "They will be signed out at once and cannot use this board until you reactivate "
            "them. Their reminders stop. Their name stays on everything they wrote.",
            "Deactivate",
        )
    return _change(board_id, user_id, members.deactivate, "Deactivated. They have been signed out.")


def _confirm_page(board_id: int, member: dict, question: str, consequences: str, button: str):
    return render_template(
        "accounts/confirm.html",
        board=get_board(get_db(), board_id),
        question=question,
        consequences=consequences,
        button=button,
        back=url_for("accounts.member", board_id=board_id, user_id=member["user_id"]),
        form=ConfirmForm(),
    )


@bp.route("/boards/<id:board_id>/users/<id:user_id>/reactivate", methods=["POST"])
@board_role("administrator", board_of=board_in_url)
def reactivate(board_id: int, user_id: int):
    """Let a deactivated user use the board again."""
    return _change(board_id, user_id, members.reactivate, "Reactivated.")


@bp.route("/boards/<id:board_id>/users/<id:user_id>/remove", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
def remove(board_id: int, user_id: int):
    """Take away someone's role on the board, once the administrator has confirmed it."""
    member = _member_or_404(board_id, user_id)
    if request.method == "GET":
        return _confirm_page(
            board_id,
            member,
            f"Remove {member['name']} from this board?",
            "They lose their role on this board at once and are signed out. Their account, "
            "their roles on other boards and everything they wrote stay. To give them access "
            "again, invite them.",
            "Remove from this board",
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        members.remove(get_db(), board_id, user_id, _actor())
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.member", board_id=board_id, user_id=user_id))
    flash(f"{member['name']} no longer has access to this board.")
    return redirect(url_for("accounts.index", board_id=board_id))


@bp.route("/boards/<id:board_id>/users/<id:user_id>/send-reset", methods=["POST"])
@board_role("administrator", board_of=board_in_url)
@limit_password_reset
def send_reset(board_id: int, user_id: int):
    """Email someone a link to choose a new password."""
    member = _member_or_404(board_id, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = {"id": user_id, "name": member["name"], "email": member["email"]}
    try:
        send_reset_link(user, _actor(), current_user.name)
    except mail.SendError as error:
        flash(f"The link could not be sent: {error}", "error")
    else:
        flash(f"A link to reset their password has been sent to {member['email']}.")
    return redirect(url_for("accounts.member", board_id=board_id, user_id=user_id))


@bp.route("/boards/<id:board_id>/users/<id:user_id>/reset-two-factor", methods=["POST"])
@board_role("administrator", board_of=board_in_url)
def reset_member_two_factor(board_id: int, user_id: int):
    """Turn off someone's two-factor sign-in (a lost phone), so they set it up again."""
    member = _member_or_404(board_id, user_id)
    if member["role"] == "administrator" and user_id != current_user.id:
        # An administrator's second factor guards the whole board: an operator resets it.
        flash("Ask an operator to reset another administrator's two-factor sign-in.", "error")
        return redirect(url_for("accounts.member", board_id=board_id, user_id=user_id))
    return _change(
        board_id,
        user_id,
        lambda db, _board, user, actor: reset_two_factor(db, user, actor),
        "Two-factor sign-in reset: they will set it up again when they next sign in.",
    )


@bp.route("/boards/<id:board_id>/two-factor", methods=["POST"])
@board_role("administrator", board_of=board_in_url)
def two_factor_rule(board_id: int):
    """Whether everyone on the board must sign in with two factors, or only administrators."""
    form = TwoFactorRuleForm()
    if not form.validate_on_submit():
        flash("Select whether everyone must use an authenticator app.", "error")
        return redirect(url_for("accounts.index", board_id=board_id))
    members.require_two_factor(get_db(), board_id, form.required.data == "yes", _actor())
    flash("Saved.")
    return redirect(url_for("accounts.index", board_id=board_id))


def _invitation_action(act, done: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        act()
    except InvitationError as error:
        flash(str(error), "error")
    else:
        flash(done)
    return redirect(url_for("accounts.index", board_id=g.board_id))


@bp.route("/invitations/<id:invitation_id>/resend", methods=["POST"])
@board_role("administrator", board_of=invitations.board_of_invitation)
@limit_invitations
def resend(invitation_id: int):
    """Send the invitation again with a new link; the old link stops working."""
    db = get_db()
    invitation = invitations.get_invitation(db, invitation_id)

    def act():
        token = invitations.resend(db, invitation_id, _actor())
        message = emails.invitation(invitation, invitation["board"], token, current_user.name)
        try:
            mail.deliver([message], current_app.config)
        except mail.SendError as error:
            raise InvitationError(f"The email could not be sent: {error}") from None

    return _invitation_action(act, f"Invitation sent again to {invitation['email']}.")


@bp.route("/invitations/<id:invitation_id>/cancel", methods=["POST"])
@board_role("administrator", board_of=invitations.board_of_invitation)
def cancel(invitation_id: int):
    """Withdraw an invitation: its link stops working."""
    db = get_db()
    invitation = invitations.get_invitation(db, invitation_id)
    return _invitation_action(
        lambda: invitations.cancel(db, invitation_id, _actor()),
        f"Invitation to {invitation['email']} cancelled.",
    )


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
@public
@limit_sign_in
def accept_invitation(token: str):
    """The invited person chooses their password and starts using the board."""
    db = get_db()
    invitation = invitations.invitation_for_token(db, token)
    if invitation is None:
        return render_template("auth/link_not_working.html", what="accept an invitation"), 404
    if invitation["user_id"] is not None:
        # They made an account since (another board's invitation): the link proves the
        # address is theirs, so the role is theirs too; they sign in as usual.
        if ConfirmForm().validate_on_submit():
            invitations.accept(db, token, None)
            logout_user()
            flash(f"You now have access to {invitation['board']}. Sign in to continue.")
            return redirect(url_for("auth.sign_in"))
        return render_template(
            "accounts/accept_existing.html", invitation=invitation, form=ConfirmForm()
        )
    form = NewPasswordForm(invitation["email"])
    if form.validate_on_submit():
        try:
            user_id = invitations.accept(db, token, form.password.data)
        except (AccountError, InvitationError) as error:
            form.password.errors.append(str(error))
        else:
            logout_user()
            return open_session(user_id)
    return render_template(
        "accounts/accept.html", form=form, invitation=invitation
    ), 400 if form.errors else 200
