"""Who may use each route.

Every view declares a permission with one of the decorators below; `enforce` runs before
each request and refuses any view that declared none, so a forgotten declaration fails
closed. Board-scoped permissions name the roles allowed and how to find the board from
the URL; someone with no role on that board is told the page does not exist, so guessing
ids reveals nothing about other boards.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlite_utils import Database

from tracker.db import get_db

ROLES = ("administrator", "champion", "scrutiny")
ROLE_NAMES = {
    "administrator": "Administrator",
    "champion": "Champion",
    "scrutiny": "Scrutiny panel (read only)",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

BoardFinder = Callable[..., int | None]


@dataclass(frozen=True)
class Permission:
    """Who may use a view: anyone, anyone signed in, or the given roles on a board."""

    description: str
    needs_sign_in: bool = True
    roles: frozenset[str] = frozenset()
    board_of: BoardFinder | None = None
    operators_only: bool = False


def _declare(permission: Permission) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.permission = permission
        return view

    return decorator


public = _declare(Permission("anyone", needs_sign_in=False))
signed_in = _declare(Permission("anyone signed in"))
operator = _declare(Permission("operators of the installation", operators_only=True))


def before_two_factor(view: Callable) -> Callable:
    """Mark a view someone who must set up two-factor sign-in can use before they have (the
    set-up pages themselves, and signing out); every other page sends them to set it up."""
    view.allowed_before_two_factor = True
    return view


def when_signed_out_post(answer: Callable) -> Callable:
    """Answer a form sent to the view after its session ended with `answer()` instead of the
    usual redirect to sign in, which would lose what was typed into it (see
    tracker.working_copies.sign_in). The CSRF check has already passed: the form came from a
    page of the tracker in this browser."""

    def decorator(view: Callable) -> Callable:
        view.answer_signed_out_post = answer
        return view

    return decorator


def board_role(*roles: str, board_of: BoardFinder) -> Callable:
    """Allow these roles on the board that `board_of(db, **view_args)` finds."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return _declare(
        Permission(f"{', '.join(roles)} on the board", roles=frozenset(roles), board_of=board_of)
    )


def board_member(board_of: BoardFinder) -> Callable:
    """Allow anyone with a role on the board, read only for the scrutiny panel."""
    return board_role(*ROLES, board_of=board_of)


def permission_of(endpoint: str | None) -> Permission | None:
    """The permission the view behind `endpoint` declared, or None."""
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "permission", None)


def enforce():
    """Refuse the request unless the current user meets the view's declared permission."""
    if request.routing_exception is not None or request.endpoint is None:
        return None  # routing answers 404 or 405 itself
    permission = permission_of(request.endpoint)
    if permission is None:
        abort(403)
    if not permission.needs_sign_in:
        return None
    if not current_user.is_authenticated:
        answer_signed_out = getattr(
            current_app.view_functions[request.endpoint], "answer_signed_out_post", None
        )
        if answer_signed_out is not None and request.method == "POST":
            return answer_signed_out()
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    if current_user.must_set_up_two_factor and not getattr(
        current_app.view_functions[request.endpoint], "allowed_before_two_factor", False
    ):
        return redirect(url_for("auth.set_up_two_factor"))
    if permission.operators_only:
        if not current_user.is_operator:
            abort(403)
        return None
    if permission.board_of is None:
        return None
    db = get_db()
    board_id = permission.board_of(db, **(request.view_args or {}))
    role, person_id = (
        membership_on_board(db, current_user.id, board_id) if board_id is not None else (None, None)
    )
    if role is None:
        abort(404)
    if role not in permission.roles:
        abort(403)
    if role == "scrutiny" and request.method not in SAFE_METHODS:
        abort(403)
    if role != "administrator" and concerns_draft_plan(db, request.view_args or {}):
        abort(404)
    g.board_id, g.role, g.person_id = board_id, role, person_id
    return None


# How to find the plan a page is about from each kind of id in its address.
PLAN_OF_ADDRESS = {
    "plan_id": "SELECT id FROM plans WHERE id = ?",
    "recommendation_id": "SELECT plan_id FROM recommendations WHERE id = ?",
    "action_id": """
        SELECT recommendations.plan_id FROM actions
        JOIN recommendations ON recommendations.id = actions.recommendation_id
        WHERE actions.id = ?""",
    "evidence_id": """
        SELECT recommendations.plan_id FROM evidence_files
        JOIN progress_updates ON progress_updates.id = evidence_files.update_id
        JOIN recommendations ON recommendations.id = progress_updates.recommendation_id
        WHERE evidence_files.id = ?""",
    # An inspection is shown with its plan: hidden while every plan made from it is a draft.
    "inspection_id": "SELECT id FROM plans WHERE inspection_id = ? ORDER BY state = 'draft'",
}


def concerns_draft_plan(db: Database, view_args: dict) -> bool:
    """Whether the page's address is about a plan still in draft, which only the board's
    administrators may see (its champions and scrutiny panel are told it does not exist)."""
    for parameter, plan_query in PLAN_OF_ADDRESS.items():
        if parameter in view_args:
            state = db.execute(
                f"SELECT state FROM plans WHERE id = ({plan_query} LIMIT 1)",  # noqa: S608 - constants
                [view_args[parameter]],
            ).fetchone()
            return bool(state and state[0] == "draft")
    return False


def sees_unapproved(role: str) -> bool:
    """Whether the role may see drafts and updates not yet approved (the scrutiny panel may not)."""
    return role in ("administrator", "champion")


def membership_on_board(db: Database, user_id: int, board_id: int) -> tuple:
    """(role, person id) of the user on the board; (None, None) when they have no role."""
    row = db.execute(
        "SELECT role, person_id FROM active_memberships WHERE user_id = ? AND board_id = ?",
        [user_id, board_id],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)
