"""Limits on how often one client address may try to sign in, reset a password or use an
invitation, counted together by every gunicorn worker.

Views take a limit with a decorator; only POSTs count, so showing the form is never limited::

    @bp.route("/sign-in", methods=["GET", "POST"])
    @limit_sign_in
    def sign_in(): ...

Each group (sign-in, password reset, invitations) has its own counter per address, shared by
every view decorated for that group. Operators set the limits in the app's config, in
Flask-Limiter's notation ("20 per minute; 200 per hour"); RATE_LIMIT_ENABLED = False turns
them all off, for tests that sign in many times.

The counts live in a SQLite file (RATE_LIMIT_STORAGE, a storage URI; by default
rate-limits.db beside the database), which all workers share. A refused request raises
Flask-Limiter's RateLimitExceeded, a werkzeug HTTPException for 429, so it is shown on the
tracker's own error page by tracker.errors; Flask-Limiter adds Retry-After to that page in an
after-request hook, which runs on error pages too.

If the limits file cannot be used (locked for longer than its timeout, the disk full, the file
damaged), each worker counts in its own memory instead, with the same limits, and tries the
file again after a while; the failure is logged. Failing open would leave sign-in unlimited
while the file is broken; failing closed would stop everyone signing in over a file that only
holds counters. Counting per worker keeps a limit, only as many times looser as there are
workers.

There is one limiter per process: the last app passed to init_app decides where the counts are
kept, as the tracker makes one app per process. An app that has not been through init_app, or
has limits turned off, is never limited.
"""

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request
from flask_limiter import Limiter, RouteLimit
from limits import parse_many

# Imported for its side effect as well: it registers the sqlite:// scheme with `limits`.
from tracker.rate_limiting.sqlite_storage import SQLiteStorage
from tracker.security import UnsafeSettings

STORAGE_FILE_NAME = "rate-limits.db"
# Counts the hits in the last minute or hour, not since the clock's minute or hour began, so a
# client cannot make twice the limit across the turn of a window.
STRATEGY = "moving-window"
ENABLED_HERE = "tracker.rate_limiting.enabled"


@dataclass(frozen=True)
class NamedLimit:
    """A group of requests counted together per client address, with a limit operators set."""

    scope: str
    setting: str
    default: str

    def current(self) -> str:
        """The limit the running app is configured with."""
        return current_app.config.get(self.setting) or self.default


SIGN_IN = NamedLimit("sign-in", "RATE_LIMIT_SIGN_IN", "20 per minute; 200 per hour")
PASSWORD_RESET = NamedLimit(
    "password-reset", "RATE_LIMIT_PASSWORD_RESET", "5 per minute; 30 per hour"
)
INVITATIONS = NamedLimit("invitations", "RATE_LIMIT_INVITATIONS", "30 per minute; 300 per hour")
NAMED_LIMITS = (SIGN_IN, PASSWORD_RESET, INVITATIONS)


def client_address() -> str:
    """The address the request came from, as Flask sees it after the app's ProxyFix.

    Without an address (a request over a Unix socket with no proxy header) Flask-Limiter would
    skip the limit altogether, so such requests share one count instead.
    """
    return request.remote_addr or "unknown"


limiter = Limiter(
    key_func=client_address,
    strategy=STRATEGY,
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


@limiter.request_filter
def _not_limited_in_this_app() -> bool:
    # The limiter is shared by every app in the process; this keeps an app that turned limits
    # off, or never set them up, unlimited whatever another app did.
    return not current_app.extensions.get(ENABLED_HERE, False)


def _limit_posts(group: NamedLimit) -> RouteLimit:
    return limiter.shared_limit(group.current, scope=group.scope, methods=["POST"])


limit_sign_in = _limit_posts(SIGN_IN)
limit_password_reset = _limit_posts(PASSWORD_RESET)
limit_invitations = _limit_posts(INVITATIONS)


def default_storage_uri(database: str) -> str:
    """The URI of rate-limits.db in the folder of the database file `database`; for a
    database held in memory, counts held in memory too (rather than a file where it runs)."""
    if database == ":memory:":
        return "memory://"
    path = Path(database).parent / STORAGE_FILE_NAME
    return "sqlite:///" + urllib.parse.quote(str(path))


def init_app(app: Flask) -> None:
    """Count the decorated views' POSTs per client address in the configured storage.

    Reads RATE_LIMIT_ENABLED (default True), RATE_LIMIT_STORAGE (default rate-limits.db beside
    DATABASE) and the three limits, and refuses a limit it cannot read.
    """
    enabled = bool(app.config.get("RATE_LIMIT_ENABLED", True))
    app.config["RATE_LIMIT_ENABLED"] = enabled
    app.config["RATELIMIT_ENABLED"] = enabled
    app.extensions[ENABLED_HERE] = enabled
    if not enabled:
        return
    for group in NAMED_LIMITS:
        app.config[group.setting] = app.config.get(group.setting) or group.default
        _check_limit(group.setting, app.config[group.setting])
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get(
        "RATE_LIMIT_STORAGE"
    ) or default_storage_uri(app.config["DATABASE"])
    limiter.init_app(app)


def _check_limit(setting: str, value: str) -> None:
    # Read now, so a mistyped limit stops the app starting instead of being skipped (and
    # logged) on every request.
    try:
        parse_many(value)
    except ValueError:
        raise UnsafeSettings(
            f'{setting} must be limits like "20 per minute; 200 per hour", not "{value}".'
        ) from None


__all__ = [
    "INVITATIONS",
    "PASSWORD_RESET",
    "SIGN_IN",
    "NamedLimit",
    "SQLiteStorage",
    "client_address",
    "init_app",
    "limit_invitations",
    "limit_password_reset",
    "limit_sign_in",
    "limiter",
]
