"""Text typed into an update form whose session ended, carried through signing in again.

Without JavaScript nothing is kept as the champion types, so a form sent after the session
ended would lose its words with the usual redirect to sign in. Instead the sign-in page is
shown with the words in hidden fields (they are the sender's own, and nothing is stored for a
request no one is signed in for). Once someone signs in, and only if they may edit that
update now, the words become *their* working copy and they are taken back to the form, which
says the text is not saved yet. Nobody can put text in someone else's working copy this way:
the copy belongs to whoever proved who they are, for an update they may edit, and the
address they are taken to is made here, never taken from the request.
"""

from flask import current_app, flash, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from tracker.auth.forms import SignInForm
from tracker.db import get_db
from tracker.text import whole_number
from tracker.working_copies import access, copies

PREFIX = "kept-"
# What the update form sends besides its fields: the quarter and revision it was opened for.
FORM_STATE = ("quarter", "based_on")
KEPT_NAMES = (*copies.FIELDS, *FORM_STATE, "recommendation")


def sign_in_keeping_typed_text():
    """The sign-in page, in answer to an update form sent after its session ended, carrying
    what was typed; permissions.enforce calls this instead of redirecting."""
    return render_template(
        "auth/sign_in.html",
        form=SignInForm(formdata=None),
        throttled=False,
        lockout_minutes=current_app.config["SIGN_IN_LOCKOUT_MINUTES"],
        sign_in_action=url_for("auth.sign_in", next=request.path),
    )


def kept_typed_text() -> dict[str, str]:
    """The hidden fields a sign-in page carries: the update form's text when it is answering
    that form, or the text the sign-in form itself carried when it is shown again."""
    if request.method != "POST":
        return {}
    if request.endpoint == "updates.edit":
        typed = {name: request.form.get(name, "") for name in (*copies.FIELDS, *FORM_STATE)}
        typed["recommendation"] = str(request.view_args["recommendation_id"])
        return {f"{PREFIX}{name}": value for name, value in typed.items()}
    return {
        f"{PREFIX}{name}": request.form[f"{PREFIX}{name}"]
        for name in KEPT_NAMES
        if isinstance(request.form.get(f"{PREFIX}{name}"), str)
    }


def carries_typed_text(form: MultiDict) -> bool:
    """Whether a sign-in form carries text from an update form."""
    return f"{PREFIX}recommendation" in form


def keep_after_sign_in(user_id: int, form: MultiDict) -> str | None:
    """Keep the text a sign-in form carried as the signed-in person's working copy, and give
    the address of the update form to go back to; None (with a message) when they may not
    edit that update now, or the form carried no text."""
    if not carries_typed_text(form):
        return None
    recommendation_id = whole_number(form.get(f"{PREFIX}recommendation", ""))
    based_on = whole_number(form.get(f"{PREFIX}based_on", "")) or 0
    db = get_db()
    try:
        if recommendation_id is None:
            raise access.MayNotEdit("you cannot change this update")
        editable = access.editable_update(
            db, user_id, recommendation_id, form.get(f"{PREFIX}quarter")
        )
        typed = {name: form.get(f"{PREFIX}{name}", "") for name in copies.FIELDS}
        fields = copies.checked_fields(typed, editable.status_keys)
        copies.keep(
            db, user_id, recommendation_id, editable.quarter_id, based_on, fields, as_typed=False
        )
    except copies.NotKept as refusal:
        flash(
            f"The text you typed before you were signed out could not be kept: {refusal}.", "error"
        )
        return None
    return url_for("updates.edit", recommendation_id=recommendation_id)
