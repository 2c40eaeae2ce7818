"""What the web pages do with an upload the job worker reads (tracker.jobs.readings), for
reports and plans alike: keep it and ask for it to be read, then follow the reading on a
page of its own until it leads on to what was read."""

from flask import current_app, jsonify, render_template, url_for
from flask_login import current_user

from tracker.audit import Actor
from tracker.boards import get_board
from tracker.db import get_db
from tracker.forms import FileOrPastedForm
from tracker.jobs import jobs_for
from tracker.jobs.readings import Reading, UploadReadings
from tracker.updates.evidence import readable_name


def start_reading(
    readings: UploadReadings, form: FileOrPastedForm, job: str, board_id: int, pasted_name: str
) -> Reading:
    """Keep the form's file, or its pasted text, and ask the job worker (its task `job`) to
    read it. Where jobs run at once the reading has finished on return: a refusal is then
    put on the form in words and the reading forgotten, so nothing is kept."""
    db = get_db()
    uploaded = form[form.file_field]
    if uploaded.data:
        # Shown on pages and kept as the source: no folders, no disguising right-to-left or
        # control characters. At most the limit and a byte, to tell a file that is too large.
        filename = readable_name(uploaded.data.filename) or form.file_field
        content = uploaded.data.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    else:
        filename, content = pasted_name, form.pasted.data.encode("utf-8", "replace")
    actor = Actor(current_user.id, board_id)
    reading_id = readings.queue(
        db, board_id, filename, content, pasted=not uploaded.data, actor=actor
    )
    getattr(jobs_for(current_app._get_current_object()), job)(reading_id)
    found = readings.get(db, reading_id)
    if found.state == "failed":
        readings.forget(db, reading_id)
        (uploaded if uploaded.data else form.pasted).errors.append(found.error)
    return found


def follow_reading(readings: UploadReadings, found: Reading, template: str, status_endpoint):
    """The page that follows a reading not finished yet (or refused)."""
    return render_template(
        template,
        board=get_board(get_db(), found.board_id),
        reading=found,
        status=readings.status(found),
        status_url=url_for(status_endpoint, board_id=found.board_id, reading_id=found.id),
    )


def reading_status(readings: UploadReadings, reading_id: int):
    """How far the reading has got, for the following page's script."""
    return jsonify(readings.status(readings.get(get_db(), reading_id)))
