"""Choosing how one is told of progress updates, and what is new since one's last visit."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.audit import Actor
from tracker.db import get_db
from tracker.notifications import bp, choices, queries
from tracker.notifications.forms import ChoicesForm
from tracker.permissions import signed_in


@bp.route("/account/notifications", methods=["GET", "POST"])
@signed_in
def choose():
    """For each kind of email that applies to the person's roles: at once, daily, or none."""
    db = get_db()
    kinds = choices.kinds_for_roles(choices.roles_of(db, current_user.id))
    form = ChoicesForm().only(kinds)
    if kinds and form.validate_on_submit():
        try:
            changed = choices.save_choices(
                db, current_user.id, form.chosen(), Actor(current_user.id, None)
            )
        except choices.ChoiceError as error:
            flash(f"{error}. Nothing was changed.", "error")
        else:
            flash(
                "Your choices are saved."
                if changed
                else "Nothing was changed: you chose as before."
            )
        return redirect(url_for("notifications.choose"))
    if not form.is_submitted():
        for kind, delivery in choices.chosen(db, current_user.id).items():
            if kind in kinds:
                form[kind].data = delivery
    refused = form.is_submitted() and (bool(form.errors) or not kinds)
    return render_template(
        "notifications/choose.html",
        form=form,
        kinds=[choices.KIND_QUESTIONS[kind] for kind in kinds],
    ), 400 if refused else 200


@bp.app_template_global("news_since_last_visit")
def news_since_last_visit() -> queries.SinceLastVisit | None:
    """For the home page: what happened on the user's boards since their last visit."""
    return queries.since_last_visit(get_db(), current_user.id, current_user.session_token)
