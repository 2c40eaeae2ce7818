"""Signing in (with a second factor where needed) and out, forgotten passwords, and the pages
where someone looks after their own account."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from tracker import mail
from tracker.audit import Actor
from tracker.auth import accounts, bp, emails, resets, two_factor, two_factor_settings
from tracker.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from tracker.db import get_db
from tracker.permissions import before_two_factor, public, signed_in
from tracker.rate_limiting import limit_password_reset, limit_sign_in
from tracker.tokens import new_token

# Deliberately the same whichever of the two was wrong.
WRONG_DETAILS = "The email address or password is not right"
WRONG_CODE = "The code is not right, or it has already been used. Enter the latest code"
NO_ACCESS = "Your account does not give access to any board at the moment. Ask your head of service"
# How long someone has, after their password, to enter the code from their app.
SECOND_STEP_MINUTES = 10
PENDING = "two_factor_user"


def _lockout() -> tuple[int, timedelta]:
    config = current_app.config
    return config["SIGN_IN_MAX_FAILURES"], timedelta(minutes=config["SIGN_IN_LOCKOUT_MINUTES"])


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limit_sign_in
def sign_in():
    """Ask for an email address and password; then the second factor, or open a session."""
    if current_user.is_authenticated:
        return redirect(url_for("plans.index"))
    form = SignInForm()
    throttled = False
    if form.validate_on_submit():
        db = get_db()
        email = form.email.data.strip()
        attempt = accounts.claim_attempt(db, email, request.remote_addr or "", *_lockout())
        throttled = attempt is None
        if not throttled:
            user_id = accounts.check_password(db, email, form.password.data)
            if user_id is not None and not accounts.has_access(db, user_id):
                accounts.attempt_succeeded(db, attempt)
                form.email.errors.append(NO_ACCESS)
            elif user_id is not None:
                return _after_password(user_id, attempt)
            else:
                form.email.errors.append(WRONG_DETAILS)
    return _sign_in_page("auth/sign_in.html", form, throttled)


def _sign_in_page(template: str, form, throttled: bool):
    """A step of signing in, with its errors, or the lock's message (429) when locked."""
    status = 429 if throttled else 400 if form.errors else 200
    return render_template(
        template,
        form=form,
        throttled=throttled,
        lockout_minutes=current_app.config["SIGN_IN_LOCKOUT_MINUTES"],
    ), status


def _after_password(user_id: int, attempt: int):
    """The password was right: ask for the code from the app when the account uses one, or
    open the session."""
    db = get_db()
    if db["users"].get(user_id)["totp_enabled_at"]:
        next_page = _safe_next(request.args.get("next"))
        _fresh_session()
        session[PENDING] = {
            "user_id": user_id,
            "until": (accounts.now() + timedelta(minutes=SECOND_STEP_MINUTES)).timestamp(),
            "next": next_page,
        }
        if _kept_text().carries_typed_text(request.form):
            # A redirect would drop the text typed before the session ended: the code page
            # carries it on, and it is kept only once the code is right. Its form needs the
            # CSRF token of the session just made, not the one this request cached.
            g.pop("csrf_token", None)
            return _sign_in_page("auth/second_factor.html", CodeForm(formdata=None), False)
        return redirect(url_for("auth.second_factor"))
    accounts.attempt_succeeded(db, attempt)
    return open_session(user_id, _safe_next(request.args.get("next")))


def open_session(user_id: int, next_page: str | None = None):
    """Sign the user in with a new server-side session and send them on."""
    db = get_db()
    lifetime = current_app.permanent_session_lifetime
    _fresh_session()
    session.permanent = True
    login_user(accounts.user_for_session(db, accounts.start_session(db, user_id, lifetime)))
    accounts.prune(db)
    # Text typed into an update form as the last session ended goes back into that form.
    back_to_form = _kept_text().keep_after_sign_in(user_id, request.form)
    return redirect(back_to_form or next_page or url_for("plans.index"))


def _kept_text():
    """tracker.working_copies.sign_in, imported when first needed: it builds on the update
    workflow, which is imported after signing in is (the app imports auth first)."""
    from tracker.working_copies import sign_in

    return sign_in


def _fresh_session() -> None:
    """Nothing from before signing in carries over in the cookie session, but the messages
    waiting to be shown on the next page."""
    messages = session.get("_flashes")
    session.clear()
    if messages:
        session["_flashes"] = messages


def _pending_user_id() -> int | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < accounts.now().timestamp():
        return None
    return pending.get("user_id")


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limit_sign_in
def second_factor():
    """The second step of signing in: a code from the app, or a recovery code."""
    user_id = _pending_user_id()
    if user_id is None:
        session.pop(PENDING, None)
        flash("Sign in again: it took too long to enter the code.", "error")
        return redirect(url_for("auth.sign_in"))
    form = CodeForm()
    throttled = False
    if form.validate_on_submit():
        db = get_db()
        email = db["users"].get(user_id)["email"]
        attempt = accounts.claim_attempt(db, email, request.remote_addr or "", *_lockout())
        throttled = attempt is None
        if not throttled:
            used = two_factor_settings.check_code(db, user_id, form.code.data, _keys())
            if used:
                accounts.attempt_succeeded(db, attempt)
                if used == "recovery":
                    left = two_factor_settings.recovery_codes_left(db, user_id)
                    flash(
                        f"You used a recovery code. You have {left} left: make new ones on "
                        "“Your account” if you are running out."
                    )
                return open_session(user_id, session.get(PENDING, {}).get("next"))
            form.code.errors.append(WRONG_CODE)
    return _sign_in_page("auth/second_factor.html", form, throttled)


def _keys() -> two_factor_settings.Keys:
    return two_factor_settings.Keys(current_app.config["SECRET_KEY"])


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host, is a place to return to."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    return target


@bp.route("/sign-out", methods=["POST"])
@signed_in
@before_two_factor
def sign_out():
    """End the session on the server as well as in the browser."""
    accounts.end_session(get_db(), current_user.session_token)
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/forgotten-password", methods=["GET", "POST"])
@public
@limit_password_reset
def forgotten_password():
    """Send a reset link to the address, if it has an account; say the same either way."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip()
        db = get_db()
        user = accounts.user_by_email(db, email)
        # The same work whether or not the address has an account (a link made and an email
        # composed, then sent from another thread), so the answer takes as long either way.
        known = user is not None and accounts.has_access(db, user["id"])
        token = resets.make_reset_link(db, user["id"], Actor(None, None)) if known else new_token()
        message = emails.password_reset(user or {"name": email, "email": email}, token)
        if known:
            mail.deliver_in_background([message], current_app.config)
        return render_template("auth/reset_sent.html", email=email)
    return render_template("auth/forgotten_password.html", form=form), 400 if form.errors else 200


def send_reset_link(user: dict, actor: Actor, sent_by: str) -> None:
    """An administrator sends someone a link to choose a new password (raises
    mail.SendError if the mail server does not take it)."""
    token = resets.make_reset_link(get_db(), user["id"], actor, requested_by=actor.user_id)
    mail.deliver([emails.password_reset(user, token, sent_by)], current_app.config)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@limit_sign_in
def reset_password(token: str):
    """Choose a new password through a reset link."""
    db = get_db()
    user = resets.user_for_reset(db, token)
    if user is None:
        return render_template("auth/link_not_working.html", what="reset your password"), 404
    form = NewPasswordForm(user["email"])
    if form.validate_on_submit():
        try:
            resets.reset_password(db, token, form.password.data, request.remote_addr or "")
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            logout_user()
            flash("Your password has been changed.")
            if user["totp_enabled_at"]:
                _fresh_session()
                session[PENDING] = {
                    "user_id": user["id"],
                    "until": (accounts.now() + timedelta(minutes=SECOND_STEP_MINUTES)).timestamp(),
                    "next": None,
                }
                return redirect(url_for("auth.second_factor"))
            return open_session(user["id"])
    return render_template(
        "auth/reset_password.html", form=form, user=user
    ), 400 if form.errors else 200


@bp.route("/account")
@signed_in
@before_two_factor
def account():
    """The signed-in user's boards and roles, password and two-factor sign-in."""
    db = get_db()
    return render_template(
        "auth/account.html",
        boards=accounts.memberships(db, current_user.id),
        codes_left=two_factor_settings.recovery_codes_left(db, current_user.id),
        form=ConfirmForm(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    """Change one's own password (the current one is needed); other sessions end."""
    form = ChangePasswordForm(current_user.email)
    if form.validate_on_submit():
        db = get_db()
        if accounts.check_password(db, current_user.email, form.current.data) is None:
            form.current.errors.append("Your current password is not right")
        else:
            accounts.set_password(
                db,
                current_user.id,
                form.password.data,
                Actor(current_user.id, None),
                keep_session=current_user.session_token,
            )
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
@before_two_factor
def set_up_two_factor():
    """Set up sign-in with an authenticator app: scan the QR code, enter a code."""
    if current_user.two_factor_on:
        return redirect(url_for("auth.account"))
    db = get_db()
    secret = two_factor_settings.start_set_up(db, current_user.id, _keys())
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor_settings.confirm_set_up(
            db, current_user.id, form.code.data, _keys(), Actor(current_user.id, None)
        )
        if codes is not None:
            return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
        form.code.errors.append(WRONG_CODE)
    uri = two_factor.provisioning_uri(secret, current_user.email)
    return render_template(
        "auth/set_up_two_factor.html",
        form=form,
        qr_code=two_factor.qr_code_svg(uri),
        key=two_factor.key_for_people(secret),
        required=current_user.needs_two_factor,
    ), 400 if form.errors else 200


@bp.route("/account/recovery-codes", methods=["POST"])
@signed_in
def recovery_codes():
    """New recovery codes, shown once; the old ones stop working."""
    if not current_user.two_factor_on:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    codes = two_factor_settings.new_recovery_codes(
        get_db(), current_user.id, _keys(), Actor(current_user.id, None)
    )
    return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
