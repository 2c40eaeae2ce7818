"""Keeping what a champion types as they type it, throwing it away, and staying signed in."""

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from tracker.auth import accounts
from tracker.db import get_db
from tracker.permissions import before_two_factor, board_role, signed_in
from tracker.plans.queries import board_of_recommendation
from tracker.uk_time import time_in_words
from tracker.updates import workflow
from tracker.working_copies import access, bp, copies, sign_in

# The most a revision number sent back can be: SQLite's INTEGER.
MAX_REVISION = 2**63 - 1


@bp.route("/recommendations/<id:recommendation_id>/working-copy.json", methods=["POST"])
@board_role(*access.EDITORS, board_of=board_of_recommendation)
def keep(recommendation_id: int):
    """Keep what the champion has typed into the update form (sent as JSON by
    static/js/autosave.js, with the CSRF token in a header) as their working copy."""
    db = get_db()
    if g.role == "champion" and not workflow.is_champion(db, g.person_id, recommendation_id):
        return _not_kept("you cannot change this update", 403)
    sent = request.get_json(silent=True)
    if not isinstance(sent, dict):
        return _not_kept("what was sent is not the update form", 400)
    based_on = sent.get("based_on")
    if isinstance(based_on, bool) or not isinstance(based_on, int):
        return _not_kept("what was sent does not say which revision the form showed", 400)
    if not 0 <= based_on <= MAX_REVISION:
        return _not_kept("what was sent does not say which revision the form showed", 400)
    try:
        editable = access.editable_update(
            db, current_user.id, recommendation_id, sent.get("quarter")
        )
        fields = copies.checked_fields(sent.get("fields"), editable.status_keys)
        saved_at = copies.keep(
            db, current_user.id, recommendation_id, editable.quarter_id, based_on, fields
        )
    except access.MayNotEdit as refusal:
        return _not_kept(str(refusal), 403)
    except copies.TooSoon as refusal:
        return _not_kept(str(refusal), 429)
    except copies.BadFields as refusal:
        return _not_kept(str(refusal), 400)
    except copies.NotKept as refusal:
        return _not_kept(str(refusal), 409)
    return {
        "kept": True,
        "saved_at": saved_at,
        "message": f"Saved as you type at {time_in_words(saved_at)}. Not submitted yet.",
        "session_ends_in": session_seconds_left(),
    }


def _not_kept(reason: str, status: int):
    return {"kept": False, "message": f"Could not keep a copy: {reason}."}, status


@bp.route("/recommendations/<id:recommendation_id>/working-copy/discard", methods=["POST"])
@board_role(*access.EDITORS, board_of=board_of_recommendation)
def discard(recommendation_id: int):
    """Throw away the text kept from the update form; the form then shows the last save."""
    db = get_db()
    if g.role == "champion" and not workflow.is_champion(db, g.person_id, recommendation_id):
        abort(403)
    if copies.discard(db, current_user.id, recommendation_id):
        flash("The text you were typing has been discarded. The form shows the last save.")
    return redirect(url_for("updates.edit", recommendation_id=recommendation_id))


@bp.route("/session/stay-signed-in", methods=["POST"])
@signed_in
@before_two_factor
def stay_signed_in():
    """Count the session as in use now, from the timeout warning's "Stay signed in"."""
    accounts.note_session_use(get_db(), current_user.session_token)
    return {"session_ends_in": session_seconds_left()}


@bp.app_template_global()
def session_seconds_left() -> int:
    """Seconds until the signed-in session ends if nothing more is done, for the timeout
    warning: its last use (sessions.last_used_at) plus the idle timeout, or its end."""
    if not current_user.is_authenticated:
        return 0
    return accounts.session_seconds_left(
        get_db(), current_user.session_token, current_app.config["SESSION_IDLE_TIMEOUT"]
    )


bp.add_app_template_global(sign_in.kept_typed_text, "kept_typed_text")
