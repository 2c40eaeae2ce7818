"""Sign in and sign out."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tracker.auth import accounts, bp
from tracker.auth.forms import SignInForm
from tracker.db import get_db
from tracker.permissions import public, signed_in

# Deliberately the same whichever of the two was wrong.
WRONG_DETAILS = "The email address or password is not right"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Ask for an email address and password and open a session."""
    if current_user.is_authenticated:
        return redirect(url_for("plans.index"))
    form = SignInForm()
    throttled = False
    if form.validate_on_submit():
        db, config = get_db(), current_app.config
        email = form.email.data.strip()
        window = timedelta(minutes=config["SIGN_IN_LOCKOUT_MINUTES"])
        throttled = accounts.is_throttled(db, email, config["SIGN_IN_MAX_FAILURES"], window)
        if not throttled:
            user_id = accounts.check_password(db, email, form.password.data)
            accounts.record_attempt(db, email, request.remote_addr or "", user_id is not None)
            if user_id is not None:
                return _open_session(user_id)
            form.email.errors.append(WRONG_DETAILS)
    status = 429 if throttled else 400 if form.errors else 200
    minutes = current_app.config["SIGN_IN_LOCKOUT_MINUTES"]
    return render_template(
        "auth/sign_in.html", form=form, throttled=throttled, lockout_minutes=minutes
    ), status


def _open_session(user_id: int):
    db = get_db()
    lifetime = current_app.permanent_session_lifetime
    next_page = _safe_next(request.args.get("next"))
    # A fresh cookie session on sign-in: nothing from before carries over.
    session.clear()
    session.permanent = True
    login_user(accounts.user_for_session(db, accounts.start_session(db, user_id, lifetime)))
    return redirect(next_page or url_for("plans.index"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host, is a place to return to."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    """End the session on the server as well as in the browser."""
    accounts.end_session(get_db(), current_user.session_token)
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))
