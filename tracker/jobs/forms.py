"""The button that dismisses a job failure once someone has dealt with it."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms import HiddenField

from tracker.audit import Actor
from tracker.db import get_db
from tracker.jobs.failures import dismiss_failure
from tracker.text import whole_number


class DismissFailureForm(FlaskForm):
    failure_id = HiddenField()

    def failure(self) -> int | None:
        """The id of the failure to dismiss, or None when what was sent is not one."""
        return whole_number(self.failure_id.data or "")


def dismiss_as_asked(form: DismissFailureForm, board_id: int | None, actor: Actor) -> None:
    """Dismiss the failure the form names, of `board_id` (None: of the whole installation),
    and tell the user whether it was."""
    failure_id = form.failure()
    if failure_id is not None and dismiss_failure(get_db(), failure_id, board_id, actor):
        flash("Dismissed: that failure is no longer shown.")
    else:
        flash(
            "That failure is not one shown to you, or it was already dismissed."
            " Nothing was changed.",
            "error",
        )
