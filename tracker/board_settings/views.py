"""Changing the board's status key and its evidence storage limit."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import audit
from tracker.board_settings import bp
from tracker.boards import board_in_url, get_board, status_key_of
from tracker.db import get_db, write_transaction
from tracker.permissions import board_role
from tracker.rag import DEFAULT_KEY, STATUS_KEYS, status_key_problems
from tracker.text import clean_text, whole_number
from tracker.updates import evidence


@bp.route("/boards/<id:board_id>/status-key", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
def status_key(board_id: int):
    """The words, meanings, colours and order of the board's statuses, and whether it uses
    Blue; shown wherever statuses are, and printed on every pack."""
    db = get_db()
    current = {status.key: status for status in status_key_of(db, board_id)}
    statuses = [
        {
            "key": default.key,
            "in_use": default.key in current,
            **_as_fields(current.get(default.key, default)),
            "position": list(current).index(default.key) + 1 if default.key in current else None,
        }
        for default in DEFAULT_KEY
    ]
    problems = {}
    if request.method == "POST":
        statuses = [_from_form(key) for key in STATUS_KEYS]
        problems = status_key_problems(statuses)
        if not problems:
            _save(db, board_id, statuses, audit.Actor(current_user.id, g.board_id))
            flash("The status key is saved.")
            return redirect(url_for("board_settings.status_key", board_id=board_id))
    return render_template(
        "board_settings/status_key.html",
        board=get_board(db, board_id),
        statuses=statuses,
        problems=problems,
    ), 400 if problems else 200


def _as_fields(status) -> dict:
    return {"label": status.label, "meaning": status.meaning, "colour": status.colour}


def _from_form(key: str) -> dict:
    return {
        "key": key,
        "in_use": key != "blue" or request.form.get("blue-in_use") == "yes",
        "label": clean_text(request.form.get(f"{key}-label", "")),
        "meaning": clean_text(request.form.get(f"{key}-meaning", "")),
        "colour": clean_text(request.form.get(f"{key}-colour", "")),
        "position": whole_number(request.form.get(f"{key}-position", "")),
    }


def _save(db, board_id: int, statuses: list[dict], actor: audit.Actor) -> None:
    with write_transaction(db):
        for status in statuses:
            row = {
                "label": status["label"] or status["key"].capitalize(),
                "meaning": status["meaning"] or "-",
                "colour": status["colour"] or "#505a5f",
                "position": status["position"] or 99,
                "in_use": int(status["in_use"]),
            }
            existing = db.execute(
                "SELECT id FROM status_keys WHERE board_id = ? AND key = ?",
                [board_id, status["key"]],
            ).fetchone()
            if existing:
                audit.update(db, "status_keys", existing[0], row, actor)
            else:
                audit.insert(
                    db, "status_keys", {"board_id": board_id, "key": status["key"], **row}, actor
                )


@bp.route("/boards/<id:board_id>/evidence-storage", methods=["GET", "POST"])
@board_role("administrator", board_of=board_in_url)
def evidence_storage(board_id: int):
    """How much of its evidence store the board uses, and the board's own limit on it."""
    db = get_db()
    default_quota = int(current_app.config["EVIDENCE_QUOTA_BYTES"])
    usage = evidence.evidence_usage(db, board_id, default_quota)
    typed = _megabytes(usage.board_quota)
    problem = None
    if request.method == "POST":
        typed = clean_text(request.form.get("quota", ""))
        try:
            quota = evidence.read_quota(typed)
        except evidence.EvidenceError as error:
            problem = str(error)
        else:
            evidence.set_evidence_quota(
                db, board_id, quota, audit.Actor(current_user.id, g.board_id)
            )
            flash(
                "The board's evidence limit is saved."
                if quota
                else "The board uses the installation's evidence limit."
            )
            return redirect(url_for("board_settings.evidence_storage", board_id=board_id))
    return render_template(
        "board_settings/evidence_storage.html",
        board=get_board(db, board_id),
        usage=usage,
        default_quota=default_quota,
        typed=typed,
        problems={"quota": problem} if problem else {},
    ), 400 if problem else 200


def _megabytes(quota_bytes: int | None) -> str:
    return str(quota_bytes // evidence.MEGABYTE) if quota_bytes else ""
