"""The people directory pages."""

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from tracker.audit import Actor
from tracker.boards import board_in_url, get_board
from tracker.concurrency import StaleChange, fingerprint, stale_change_message
from tracker.db import get_db
from tracker.people import bp, queries
from tracker.people.forms import PersonForm
from tracker.permissions import board_member, board_role


@bp.route("/boards/<id:board_id>/people")
@board_member(board_of=board_in_url)
def index(board_id: int):
    """Everyone in the board's directory and what they champion."""
    db = get_db()
    return render_template(
        "people/index.html",
        board=get_board(db, board_id),
        people=queries.people_of_board(db, board_id, with_drafts=g.role == "administrator"),
    )


@bp.route("/boards/<id:board_id>/people/new", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
def add(board_id: int):
    """Add someone to the board's directory."""
    db = get_db()
    form = PersonForm()
    if form.validate_on_submit():
        queries.add_person(db, board_id, form.data, Actor(current_user.id, board_id))
        flash(f"{form.name.data.strip()} added.")
        return redirect(url_for("people.index", board_id=board_id))
    return render_template(
        "people/edit.html", form=form, board=get_board(db, board_id), person=None
    ), 400 if form.errors else 200


@bp.route("/people/<id:person_id>/edit", methods=["GET", "POST"])
@board_role("administrator", board_of=queries.board_of_person)
def edit(person_id: int):
    """Correct someone's details."""
    db = get_db()
    person = queries.get_person(db, person_id)
    form = PersonForm(data={**person, "fingerprint": fingerprint(person)})
    if form.validate_on_submit():
        try:
            queries.change_person(
                db,
                person_id,
                form.data,
                form.fingerprint.data or "",
                Actor(current_user.id, g.board_id),
            )
        except StaleChange:
            flash(stale_change_message("this person's details"), "error")
            return redirect(url_for("people.edit", person_id=person_id))
        flash(f"{form.name.data.strip()} saved.")
        return redirect(url_for("people.index", board_id=g.board_id))
    return render_template(
        "people/edit.html", form=form, board=get_board(db, g.board_id), person=person
    ), 400 if form.errors else 200
