"""The published view for board members, the share links page for administrators, and the
pages a share link opens for anyone who has it."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import AnonymousUserMixin, current_user
from werkzeug.exceptions import HTTPException

from tracker.audit import Actor
from tracker.db import get_db
from tracker.errors import MESSAGES
from tracker.pack import renders
from tracker.pack.store import find_kept_pack
from tracker.pack.views import PackChoice, ask_for_pack, kept_pack_file
from tracker.permissions import board_member, board_role, public
from tracker.plans import queries as plans
from tracker.scrutiny import bp, links, shared
from tracker.scrutiny.forms import ShareLinkForm
from tracker.scrutiny.queries import chosen_quarter, published_plan, published_quarters
from tracker.text import whole_number
from tracker.uk_time import uk_today

# A share page must not hand its address (the token) to another site, be kept by a browser or
# proxy, or be listed by a search engine.
SHARE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
LINK_REFUSED = (
    "This link does not work",
    "It may have expired or been withdrawn. Ask the person who sent it for a new one.",
)
NOT_PUBLISHED = (
    "There is no published progress for that quarter",
    "Choose one of the quarters listed on the page the link opens.",
)


# Board members, signed in


@bp.get("/plans/<id:plan_id>/published")
@board_member(board_of=plans.board_of_plan)
def published(plan_id: int):
    """The plan's progress as published for a closed quarter (the latest unless one is asked
    for), as the scrutiny panel sees it."""
    db = get_db()
    quarters = published_quarters(db, plan_id)
    if not quarters:
        return render_template("scrutiny/nothing_published.html", plan=plans.get_plan(db, plan_id))
    quarter = chosen_quarter(request.args.get("quarter"), quarters)
    if quarter is None:
        abort(404)
    return render_template(
        "scrutiny/published.html",
        **published_plan(db, plan_id, quarter),
        shared=False,
        quarter_url=lambda label: url_for(".published", plan_id=plan_id, quarter=label),
        pack_url=url_for("pack.download", plan_id=plan_id, quarter=quarter, version="scrutiny"),
    )


@bp.route("/plans/<id:plan_id>/share-links", methods=["GET", "POST"])
@board_role("administrator", board_of=plans.board_of_plan)
def share_links(plan_id: int):
    """Make a share link, and see and revoke the plan's links."""
    db = get_db()
    today = uk_today()
    form = ShareLinkForm(today=today)
    new_link = None
    if form.validate_on_submit():
        token = links.make_link(
            db, plan_id, form.label.data, form.expiry_date, Actor(current_user.id, g.board_id)
        )
        # Shown in this response only: the token is in no redirect, flash message or cookie.
        new_link = {
            "label": form.label.data,
            "expires_on": form.expiry_date.isoformat(),
            "url": url_for("scrutiny.shared.published_through_link", token=token, _external=True),
        }
        form = ShareLinkForm(formdata=None, today=today)
    if not form.is_submitted() or new_link:
        form.expires_on.data = links.default_expiry(today).isoformat()
    return render_template(
        "scrutiny/share_links.html",
        plan=plans.get_plan(db, plan_id),
        form=form,
        new_link=new_link,
        links=[
            {**link, "status": links.status_of(link, today)}
            for link in links.share_links_of(db, plan_id)
        ],
        published=published_quarters(db, plan_id),
    ), 400 if form.errors else 200


@bp.post("/share-links/<id:share_link_id>/revoke")
@board_role("administrator", board_of=links.board_of_share_link)
def revoke(share_link_id: int):
    """Stop a share link working."""
    db = get_db()
    plan_id = links.plan_of_share_link(db, share_link_id)
    try:
        link = links.revoke_link(db, share_link_id, Actor(current_user.id, g.board_id))
    except links.ShareLinkError as error:
        flash(str(error), "error")
    else:
        flash(f"The link for {link['label']} is revoked: it no longer opens the plan.")
    return redirect(url_for(".share_links", plan_id=plan_id))


# Anyone with a share link


@shared.get("/shared/<token>")
@public
def published_through_link(token: str):
    """The published view, opened by a share link without an account."""
    db = get_db()
    link = links.open_link(db, token, uk_today())
    if link is None:
        return _problem(*LINK_REFUSED, 404)
    quarters = published_quarters(db, link["plan_id"])
    if not quarters:
        return _shared_page(
            "scrutiny/nothing_published.html", plan=plans.get_plan(db, link["plan_id"])
        )
    quarter = chosen_quarter(request.args.get("quarter"), quarters)
    if quarter is None:
        return _problem(*NOT_PUBLISHED, 404)
    return _shared_page(
        "scrutiny/published.html",
        **published_plan(db, link["plan_id"], quarter),
        quarter_url=lambda label: url_for(".published_through_link", token=token, quarter=label),
        pack_url=url_for(".pack_through_link", token=token, quarter=quarter),
    )


@shared.get("/shared/<token>/pack.pdf")
@public
def pack_through_link(token: str):
    """The scrutiny panel's pack for a published quarter, as kept when first made: asked of
    the job worker the first time, with a page that follows it until it is ready."""
    db = get_db()
    link = links.open_link(db, token, uk_today())
    if link is None:
        return _problem(*LINK_REFUSED, 404)
    quarter = chosen_quarter(request.args.get("quarter"), published_quarters(db, link["plan_id"]))
    if quarter is None:
        return _problem(*NOT_PUBLISHED, 404)
    kept = find_kept_pack(db, link["plan_id"], quarter, "scrutiny", False)
    if kept is None:
        choice = PackChoice(quarter, "scrutiny", covering=False)
        render = ask_for_pack(db, link["plan_id"], choice, requested_by=None)
        kept = find_kept_pack(db, link["plan_id"], quarter, "scrutiny", False)
        if kept is None:
            return _pack_progress(db, token, link["plan_id"], quarter, render)
    return kept_pack_file(kept)


@shared.get("/shared/<token>/pack-status.json")
@public
def pack_status_through_link(token: str):
    """How far the worker has got with a pack the link asked for (`?render=` its id)."""
    db = get_db()
    link = links.open_link(db, token, uk_today())
    render_id = whole_number(request.args.get("render", ""))
    render = renders.get(db, render_id) if link and render_id else None
    if render is None or render.plan_id != link["plan_id"] or render.version != "scrutiny":
        return jsonify({"error": "There is no such pack"}), 404
    return jsonify(renders.status(db, render))


def _pack_progress(db, token: str, plan_id: int, quarter: str, render: renders.Render):
    pack_url = url_for(".pack_through_link", token=token, quarter=quarter)
    page = _shared_page(
        "scrutiny/pack_progress.html",
        plan=plans.get_plan(db, plan_id),
        render=render,
        status=renders.status(db, render),
        pdf_url=pack_url,
        again_url=pack_url,
        check_url=pack_url,
        status_url=url_for(".pack_status_through_link", token=token, render=render.id),
    )
    # 202: accepted, and being made; the page says when to come back.
    return page, 202


@shared.after_request
def keep_the_link_private(response: Response) -> Response:
    """Every share page, refusals and errors too, gets the headers that keep its token private."""
    response.headers.update(SHARE_HEADERS)
    return response


@shared.errorhandler(Exception)
def share_page_failed(error: Exception):
    """A share page's errors, shown and logged without the address that holds the token."""
    if isinstance(error, HTTPException):
        title, advice = MESSAGES.get(error.code, (error.name, ""))
        return _problem(title, advice, error.code)
    # Flask's own report of an unhandled error names the path, which holds the token.
    current_app.logger.error("Error on a share link page (%s)", request.method, exc_info=error)
    return _problem("Sorry, there is a problem with the tracker", "Try the link again later.", 500)


def _shared_page(template: str, **context) -> str:
    # Rendered as for someone signed out, whoever opens it: no account controls, no forms,
    # and nothing from the visitor's own boards.
    return render_template(
        template, **context, shared=True, user=AnonymousUserMixin(), role=None, board_id=None
    )


def _problem(title: str, advice: str, status: int):
    return _shared_page("scrutiny/problem.html", title=title, advice=advice), status
