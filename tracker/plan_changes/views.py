"""The administrator's pages for changing a plan after it is made, and for starting a blank
plan. Every change is refused on a closed plan, and when the page it was made from is out of
date."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlite_utils import Database

from tracker.audit import Actor
from tracker.boards import board_in_url, get_board
from tracker.concurrency import StaleChange, stale_change_message
from tracker.db import get_db
from tracker.permissions import board_role
from tracker.plan_changes import bp, changes, queries
from tracker.plan_changes.forms import (
    KeyLineForm,
    OrderForm,
    PlanDetailsForm,
    RecommendationForm,
    ReinstateForm,
    RemoveKeyLineForm,
    WithdrawForm,
)
from tracker.plans import queries as plans

ADMINISTRATOR = "administrator"


@bp.app_template_global("withdrawn_label")
def withdrawn_label(recommendation: dict) -> str:
    """For the plan's pages: "Withdrawn by the board on 2 December 2026"."""
    return changes.withdrawn_words(recommendation["withdrawn_at"])


# ----- The plan -----------------------------------------------------------------------------


@bp.route("/boards/<id:board_id>/plans/new", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=board_in_url)
def new_plan(board_id: int):
    """Start a blank plan, with no inspection report, for the board's own plan."""
    db = get_db()
    form = PlanDetailsForm()
    if form.validate_on_submit():
        plan_id = changes.start_blank_plan(db, board_id, form.data, _actor())
        flash("Plan started. Add its recommendations.")
        return redirect(url_for("plan_changes.recommendations", plan_id=plan_id))
    return render_template(
        "plan_changes/new_plan.html", form=form, board=get_board(db, board_id)
    ), 400 if form.errors else 200


@bp.route("/plans/<id:plan_id>/edit", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_plan)
def plan_details(plan_id: int):
    """Change the plan's title and period."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    if plan["state"] == "closed":
        return _closed(plan_id)
    form = PlanDetailsForm(
        data=None
        if request.method == "POST"
        else {**plan, "fingerprint": changes.plan_details_fingerprint(plan)}
    )
    if form.validate_on_submit():
        try:
            changes.change_plan_details(db, plan_id, form.data, form.fingerprint.data, _actor())
        except StaleChange:
            flash(stale_change_message("the plan's title and period"), "error")
            return redirect(url_for("plan_changes.plan_details", plan_id=plan_id))
        except changes.PlanClosed:
            return _closed(plan_id)
        flash("The plan's title and period are saved.")
        return redirect(url_for("plan_changes.recommendations", plan_id=plan_id))
    return render_template("plan_changes/plan_details.html", form=form, plan=plan), (
        400 if form.errors else 200
    )


@bp.route("/plans/<id:plan_id>/recommendations", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_plan)
def recommendations(plan_id: int):
    """Change the plan: every recommendation in order, with what can be done to each, and
    the Move up and Move down buttons (which post here)."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    form = OrderForm()
    if form.is_submitted():
        if plan["state"] == "closed":
            return _closed(plan_id)
        if not form.validate():
            abort(400)
        recommendation_id, direction = form.chosen()
        try:
            changes.move_recommendation(
                db, plan_id, recommendation_id, direction, form.fingerprint.data, _actor()
            )
        except StaleChange:
            flash(stale_change_message("the order of the recommendations"), "error")
            return redirect(url_for("plan_changes.recommendations", plan_id=plan_id))
        except changes.PlanClosed:
            return _closed(plan_id)
        except ValueError:
            abort(400)
        flash(f"{_called(queries.get_recommendation(db, recommendation_id))} moved {direction}.")
        return redirect(
            url_for(
                "plan_changes.recommendations",
                plan_id=plan_id,
                _anchor=f"recommendation-{recommendation_id}",
            )
        )
    return render_template(
        "plan_changes/recommendations.html",
        plan=plan,
        recommendations=queries.recommendations_to_change(db, plan_id),
        order_fingerprint=changes.order_fingerprint(db, plan_id),
    )


# ----- Recommendations ----------------------------------------------------------------------


@bp.route("/plans/<id:plan_id>/recommendations/new", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_plan)
def add_recommendation(plan_id: int):
    """Add a recommendation (most often the board's own) at the end of the plan."""
    db = get_db()
    plan = plans.get_plan(db, plan_id)
    if plan["state"] == "closed":
        return _closed(plan_id)
    form = RecommendationForm(data=None if request.method == "POST" else {"origin": "local"})
    if form.validate_on_submit():
        try:
            recommendation_id = changes.add_recommendation(db, plan_id, form.details(), _actor())
        except changes.NumberTaken:
            form.number.errors.append(_number_taken(form.number.data))
        except changes.PlanClosed:
            return _closed(plan_id)
        else:
            flash(f"{_called(queries.get_recommendation(db, recommendation_id))} added.")
            return _back_to_plan(plan_id, recommendation_id)
    return render_template(
        "plan_changes/recommendation.html", form=form, plan=plan, recommendation=None
    ), 400 if form.errors else 200


@bp.route("/recommendations/<id:recommendation_id>/edit", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_recommendation)
def edit_recommendation(recommendation_id: int):
    """Change a recommendation's number, wording, addressee and origin."""
    db = get_db()
    recommendation, plan = _recommendation_and_plan(db, recommendation_id)
    if plan["state"] == "closed":
        return _closed(plan["id"])
    form = RecommendationForm(
        data=None
        if request.method == "POST"
        else RecommendationForm.data_of(
            recommendation, changes.recommendation_fingerprint(recommendation)
        )
    )
    if form.validate_on_submit():
        try:
            changes.change_recommendation(
                db, recommendation_id, form.details(), form.fingerprint.data, _actor()
            )
        except StaleChange:
            flash(stale_change_message("this recommendation"), "error")
            return redirect(url_for(request.endpoint, recommendation_id=recommendation_id))
        except changes.NumberTaken:
            form.number.errors.append(_number_taken(form.number.data))
        except changes.PlanClosed:
            return _closed(plan["id"])
        else:
            flash(f"{_called(queries.get_recommendation(db, recommendation_id))} saved.")
            return _back_to_plan(plan["id"], recommendation_id)
    return render_template(
        "plan_changes/recommendation.html", form=form, plan=plan, recommendation=recommendation
    ), 400 if form.errors else 200


@bp.route("/recommendations/<id:recommendation_id>/withdraw", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_recommendation)
def withdraw(recommendation_id: int):
    """Confirm withdrawing a recommendation, with the board's reason; for one already
    withdrawn, offer to reinstate it."""
    db = get_db()
    recommendation, plan = _recommendation_and_plan(db, recommendation_id)
    if plan["state"] == "closed":
        return _closed(plan["id"])
    seen = changes.recommendation_fingerprint(recommendation)
    form = WithdrawForm(data=None if request.method == "POST" else {"fingerprint": seen})
    if form.validate_on_submit():
        try:
            changes.withdraw_recommendation(
                db, recommendation_id, form.reason.data, form.fingerprint.data, _actor()
            )
        except StaleChange:
            flash(stale_change_message("this recommendation"), "error")
            return redirect(url_for(request.endpoint, recommendation_id=recommendation_id))
        except changes.PlanClosed:
            return _closed(plan["id"])
        except ValueError:
            abort(400)  # already withdrawn: the page offers no such form
        flash(f"{_called(recommendation)} withdrawn. It stays in the plan, marked withdrawn.")
        return _back_to_plan(plan["id"], recommendation_id)
    return render_template(
        "plan_changes/withdraw.html",
        form=form,
        reinstate_form=ReinstateForm(data={"fingerprint": seen}),
        plan=plan,
        recommendation=recommendation,
    ), 400 if form.errors else 200


@bp.route("/recommendations/<id:recommendation_id>/reinstate", methods=["POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_recommendation)
def reinstate(recommendation_id: int):
    """Undo a recommendation's withdrawal."""
    db = get_db()
    recommendation, plan = _recommendation_and_plan(db, recommendation_id)
    if plan["state"] == "closed":
        return _closed(plan["id"])
    form = ReinstateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changes.reinstate_recommendation(db, recommendation_id, form.fingerprint.data, _actor())
    except StaleChange:
        flash(stale_change_message("this recommendation"), "error")
        return redirect(url_for("plan_changes.withdraw", recommendation_id=recommendation_id))
    except changes.PlanClosed:
        return _closed(plan["id"])
    except ValueError:
        abort(400)  # not withdrawn: the page offers no such form
    flash(f"{_called(recommendation)} reinstated. It takes updates again.")
    return _back_to_plan(plan["id"], recommendation_id)


# ----- Key lines of enquiry -----------------------------------------------------------------


@bp.route("/recommendations/<id:recommendation_id>/key-lines", methods=["GET", "POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_recommendation)
def key_lines(recommendation_id: int):
    """A recommendation's key lines of enquiry, with a form to add one from the report's
    findings or in the user's own words (and Remove buttons, which post elsewhere)."""
    db = get_db()
    recommendation, plan = _recommendation_and_plan(db, recommendation_id)
    if plan["state"] == "closed":
        return _closed(plan["id"])
    seen = changes.key_lines_fingerprint(db, recommendation_id)
    findings = queries.findings_to_offer(db, recommendation_id)
    form = KeyLineForm(data=None if request.method == "POST" else {"fingerprint": seen})
    form.offer(findings)
    if form.validate_on_submit():
        try:
            changes.add_key_line(
                db,
                recommendation_id,
                form.finding_id(),
                form.text.data,
                form.fingerprint.data,
                _actor(),
            )
        except StaleChange:
            return _key_lines_changed(recommendation_id)
        except changes.PlanClosed:
            return _closed(plan["id"])
        except ValueError:
            abort(400)  # a finding the page did not offer
        flash("Key line of enquiry added.")
        return redirect(url_for(request.endpoint, recommendation_id=recommendation_id))
    return render_template(
        "plan_changes/key_lines.html",
        form=form,
        findings=findings,
        key_lines=queries.key_lines_of(db, recommendation_id),
        fingerprint=seen,
        plan=plan,
        recommendation=recommendation,
    ), 400 if form.errors else 200


@bp.route("/recommendations/<id:recommendation_id>/key-lines/remove", methods=["POST"])
@board_role(ADMINISTRATOR, board_of=plans.board_of_recommendation)
def remove_key_line(recommendation_id: int):
    """Remove one of a recommendation's key lines of enquiry."""
    db = get_db()
    _recommendation, plan = _recommendation_and_plan(db, recommendation_id)
    if plan["state"] == "closed":
        return _closed(plan["id"])
    form = RemoveKeyLineForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changes.remove_key_line(
            db, recommendation_id, int(form.remove.data), form.fingerprint.data, _actor()
        )
    except StaleChange:
        return _key_lines_changed(recommendation_id)
    except changes.PlanClosed:
        return _closed(plan["id"])
    except ValueError:
        abort(400)  # not one of this recommendation's key lines
    flash("Key line of enquiry removed.")
    return redirect(url_for("plan_changes.key_lines", recommendation_id=recommendation_id))


# ----- Shared steps -------------------------------------------------------------------------


def _actor() -> Actor:
    return Actor(current_user.id, g.board_id)


def _recommendation_and_plan(db: Database, recommendation_id: int) -> tuple[dict, dict]:
    recommendation = queries.get_recommendation(db, recommendation_id)
    return recommendation, plans.get_plan(db, recommendation["plan_id"])


def _called(recommendation: dict) -> str:
    """How messages name a recommendation: by its number, or its first words."""
    if recommendation["number"] is not None:
        return f"Recommendation {recommendation['number']}"
    words = recommendation["text"].split()
    return f"The recommendation “{' '.join(words[:8])}{'…' if len(words) > 8 else ''}”"


def _number_taken(number: str) -> str:
    return (
        f"Another recommendation in this plan is number {number.strip()}: "
        "enter a different number, or leave it blank"
    )


def _back_to_plan(plan_id: int, recommendation_id: int):
    return redirect(
        url_for(
            "plan_changes.recommendations",
            plan_id=plan_id,
            _anchor=f"recommendation-{recommendation_id}",
        )
    )


def _key_lines_changed(recommendation_id: int):
    flash(stale_change_message("the key lines of enquiry"), "error")
    return redirect(url_for("plan_changes.key_lines", recommendation_id=recommendation_id))


def _closed(plan_id: int):
    """Nothing was changed: a closed plan is read only."""
    flash(changes.CLOSED_MESSAGE, "error")
    return redirect(url_for("plan_changes.recommendations", plan_id=plan_id))
