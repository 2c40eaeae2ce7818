"""The improvement-plan tracker: a youth justice partnership board's inspection improvement plan."""

from pathlib import Path

from flask import Flask, current_app
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.routing import IntegerConverter

from tracker import config, db, errors, jobs, permissions, rate_limiting, security
from tracker.auth.accounts import user_for_session

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()
login_manager = LoginManager()


class IdConverter(IntegerConverter):
    """A database id in a URL: a positive integer that fits SQLite's INTEGER."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**63 - 1)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, database, security, blueprints, templates, errors, commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    config.load_config(app, test_config)
    security.refuse_unsafe_settings(app.config)
    db.init_app(app)
    jobs.init_app(app)
    _init_security(app)
    _register_blueprints(app)
    _init_templates(app)
    errors.init_app(app)
    return app


def _init_security(app: Flask) -> None:
    # Limits first: a request over its address's limit is refused before any other work.
    rate_limiting.init_app(app)
    # Before the CSRF check, which cannot cope with a form part that has no name.
    app.before_request(security.refuse_malformed_forms)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "basic"
    login_manager.user_loader(
        lambda token: user_for_session(
            db.get_db(),
            token,
            current_app.config["SESSION_IDLE_TIMEOUT"],
            two_factor_for_administrators=current_app.config["REQUIRE_TWO_FACTOR"],
        )
    )
    app.before_request(permissions.enforce)
    security.init_app(app)
    app.url_map.converters["id"] = IdConverter


def _register_blueprints(app: Flask) -> None:
    from tracker.accounts import bp as accounts_pages
    from tracker.actions import bp as actions
    from tracker.approvals import bp as approvals
    from tracker.audit_log import bp as audit_log
    from tracker.auth import bp as auth
    from tracker.backup import bp as backup
    from tracker.board_settings import bp as board_settings
    from tracker.closing import bp as closing
    from tracker.dashboard import bp as dashboard
    from tracker.demo import bp as demo
    from tracker.inspections import bp as inspections
    from tracker.lifecycle import bp as lifecycle
    from tracker.notifications import bp as notifications
    from tracker.operators import bp as operators
    from tracker.pack import bp as pack
    from tracker.people import bp as people
    from tracker.plan_changes import bp as plan_changes
    from tracker.plan_import import bp as plan_import
    from tracker.plans import bp as plans
    from tracker.reminders import bp as reminders
    from tracker.reports import bp as reports
    from tracker.scrutiny import bp as scrutiny
    from tracker.updates import bp as updates
    from tracker.working_copies import bp as working_copies

    for blueprint in (
        auth,
        accounts_pages,
        operators,
        plans,
        plan_changes,
        plan_import,
        lifecycle,
        inspections,
        people,
        reports,
        updates,
        working_copies,
        approvals,
        closing,
        actions,
        dashboard,
        reminders,
        notifications,
        board_settings,
        audit_log,
        pack,
        scrutiny,
        backup,
        demo,
    ):
        app.register_blueprint(blueprint)
    permissions.public(app.view_functions["static"])


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    from tracker import template_helpers

    template_helpers.init_app(app)
