"""Pages for plans and recommendations."""

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.audit import Actor
from tracker.auth.accounts import memberships
from tracker.concurrency import StaleChange, stale_change_message
from tracker.db import get_db
from tracker.due_dates import iso_due_in_words
from tracker.lifecycle.states import reporting_steps
from tracker.pagination import page_of, pages_to_show
from tracker.people.queries import people_of_board
from tracker.permissions import board_member, board_role, sees_unapproved, signed_in
from tracker.plans import bp, queries
from tracker.plans.champions import champions_fingerprint, set_champions
from tracker.plans.forms import ChampionsForm
from tracker.plans.history import changed_parts
from tracker.reports.extraction import source_excerpt
from tracker.scrutiny.queries import latest_published_summary
from tracker.uk_time import uk_today
from tracker.updates.workflow import is_champion

# Revisions of one quarter's update shown on a page of its history.
REVISIONS_PER_PAGE = 20


@bp.route("/")
@signed_in
def index():
    """The plans on the user's boards, and for a champion what is due from them. A scrutiny
    panel member whose one live plan it is sees it at a glance, as last published."""
    db = get_db()
    listed = queries.plans_for_user(db, current_user.id)
    live = [plan for plan in listed if plan["state"] == "live"]
    glance = (
        latest_published_summary(db, live[0]["id"])
        if len(live) == 1 and live[0]["role"] == "scrutiny"
        else None
    )
    return render_template(
        "plans/index.html",
        plans=listed,
        championed=_with_due_words(queries.championed_this_quarter(db, current_user.id)),
        boards=memberships(db, current_user.id),
        glance=glance,
    )


def _with_due_words(championed: list[dict]) -> list[dict]:
    """Each championed recommendation with `due`: its deadline against today in the UK."""
    today = uk_today()
    return [item | {"due": iso_due_in_words(item["update_deadline"], today)} for item in championed]


@bp.route("/plans/<id:plan_id>")
@board_member(board_of=queries.board_of_plan)
def show(plan_id: int):
    """The plan's hub: this quarter at a glance, its pages grouped, then the plan as a table
    in the columns the board publishes."""
    db = get_db()
    plan = queries.get_plan(db, plan_id)
    return render_template(
        "plans/show.html",
        plan=plan,
        this_quarter=queries.this_quarter(db, plan_id) if sees_unapproved(g.role) else None,
        steps=reporting_steps(db, plan) if plan["state"] == "draft" else [],
        recommendations=queries.recommendations_of(
            db,
            plan_id,
            approved_only=not sees_unapproved(g.role),
            published_only=not sees_unapproved(g.role),
        ),
    )


@bp.route("/plans/<id:plan_id>.json")
@board_member(board_of=queries.board_of_plan)
def data(plan_id: int):
    """The plan as data, in the same shape as `flask show-plan --json`."""
    return jsonify(
        queries.plan_as_data(
            get_db(),
            plan_id,
            approved_only=not sees_unapproved(g.role),
            published_only=not sees_unapproved(g.role),
        )
    )


@bp.route("/recommendations/<id:recommendation_id>")
@board_member(board_of=queries.board_of_recommendation)
def recommendation(recommendation_id: int):
    """One recommendation: its key lines of enquiry, champions and the latest revision of its
    update in each quarter, each linked to that quarter's full history."""
    db = get_db()
    found = queries.get_recommendation(db, recommendation_id, **_shown_to(g.role))
    plan = queries.get_plan(db, found["plan_id"])
    return render_template(
        "plans/recommendation.html",
        recommendation=found,
        plan=plan,
        current=queries.current_updates(db, plan["id"]).get(recommendation_id)
        if sees_unapproved(g.role)
        else None,
        can_update=plan["state"] == "live"
        and (
            g.role == "administrator"
            or (g.role == "champion" and is_champion(db, g.person_id, recommendation_id))
        ),
    )


@bp.route("/recommendations/<id:recommendation_id>/history")
@board_member(board_of=queries.board_of_recommendation)
def history(recommendation_id: int):
    """Every revision of the recommendation's update for `?quarter=` (by default the latest
    quarter it has one for), newest first, REVISIONS_PER_PAGE to a `?page=`, each with what it
    changed; the scrutiny panel sees approved updates of closed quarters only, as on the
    recommendation's page."""
    db = get_db()
    shown = _shown_to(g.role)
    asked = (request.args.get("quarter") or "").strip() or None
    quarter = queries.quarter_with_revisions(db, recommendation_id, asked, **shown)
    if quarter is None:
        return render_template(
            "errors/error.html",
            code=404,
            title="No updates to show for that quarter",
            advice="This recommendation has no updates you can see for the quarter in the web"
            " address. Go back to the recommendation and follow the link beside a quarter's"
            " update.",
        ), 404
    page = page_of(quarter["revision_count"], request.args.get("page"), REVISIONS_PER_PAGE)
    revisions = queries.revisions_on_page(
        db, recommendation_id, quarter["id"], limit=page.size, offset=page.offset, **shown
    )
    found = queries.get_recommendation_details(db, recommendation_id)
    return render_template(
        "plans/history.html",
        recommendation=found,
        plan=queries.get_plan(db, found["plan_id"]),
        quarter=quarter,
        revisions=[
            revision | {"changed": changed_parts(revision["previous"], revision)}
            for revision in revisions
        ],
        page=page,
        page_numbers=pages_to_show(page),
    )


def _shown_to(role: str) -> dict[str, bool]:
    """Which updates the role sees: everything for administrators and champions; approved
    updates of closed quarters for the scrutiny panel."""
    hidden = not sees_unapproved(role)
    return {"approved_only": hidden, "published_only": hidden}


@bp.route("/recommendations/<id:recommendation_id>/champions", methods=["GET", "POST"])
@board_role("administrator", board_of=queries.board_of_recommendation)
def champions(recommendation_id: int):
    """Choose the recommendation's board and service champions."""
    db = get_db()
    found = queries.get_recommendation(db, recommendation_id, approved_only=True)
    form = ChampionsForm()
    form.offer(people_of_board(db, g.board_id))
    if form.validate_on_submit():
        chosen = {"board": form.board_champions.data, "service": form.service_champions.data}
        try:
            set_champions(
                db,
                recommendation_id,
                chosen,
                form.fingerprint.data or "",
                Actor(current_user.id, g.board_id),
            )
        except StaleChange:
            flash(stale_change_message("these champions"), "error")
            return redirect(url_for("plans.champions", recommendation_id=recommendation_id))
        flash(f"Champions saved for recommendation {found['number']}.")
        return redirect(url_for("plans.recommendation", recommendation_id=recommendation_id))
    if not form.is_submitted():
        form.board_champions.data = [c["person_id"] for c in found["board_champions"]]
        form.service_champions.data = [c["person_id"] for c in found["service_champions"]]
        form.fingerprint.data = champions_fingerprint(db, recommendation_id)
    return render_template(
        "plans/champions.html",
        form=form,
        recommendation=found,
        plan=queries.get_plan(db, found["plan_id"]),
    ), 400 if form.errors else 200


@bp.route("/recommendations/<id:recommendation_id>/source")
@board_member(board_of=queries.board_of_recommendation)
def recommendation_source(recommendation_id: int):
    """Where the recommendation came from in the inspection report."""
    found = queries.recommendation_source(get_db(), recommendation_id)
    if found is None:
        abort(404)
    return render_template(
        "reports/source.html",
        excerpt=source_excerpt(found["source_text"], found["source_position"]),
        name=found["source_name"] or found["title"],
        back=url_for("plans.recommendation", recommendation_id=recommendation_id),
    )
