"""Settings: defaults, then the instance folder's config.py, then TRACKER_* variables."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

# Each setting an operator may change, with its environment variable. The README lists them all.
ENVIRONMENT = {
    "ENVIRONMENT": "TRACKER_ENV",
    "DATABASE": "TRACKER_DATABASE",
    "SECRET_KEY": "TRACKER_SECRET_KEY",
    "SESSION_COOKIE_SECURE": "TRACKER_SECURE_COOKIES",
    "SESSION_HOURS": "TRACKER_SESSION_HOURS",
    "SESSION_IDLE_MINUTES": "TRACKER_SESSION_IDLE_MINUTES",
    "SESSION_WARNING_SECONDS": "TRACKER_SESSION_WARNING_SECONDS",
    "UPDATE_SAVES_PER_HOUR": "TRACKER_UPDATE_SAVES_PER_HOUR",
    "PROXY_HOPS": "TRACKER_PROXY_HOPS",
    "SIGN_IN_MAX_FAILURES": "TRACKER_SIGN_IN_MAX_FAILURES",
    "REQUIRE_TWO_FACTOR": "TRACKER_REQUIRE_TWO_FACTOR",
    "RATE_LIMIT_STORAGE": "TRACKER_RATE_LIMIT_STORAGE",
    "RATE_LIMIT_SIGN_IN": "TRACKER_RATE_LIMIT_SIGN_IN",
    "RATE_LIMIT_PASSWORD_RESET": "TRACKER_RATE_LIMIT_PASSWORD_RESET",
    "RATE_LIMIT_INVITATIONS": "TRACKER_RATE_LIMIT_INVITATIONS",
    "SIGN_IN_LOCKOUT_MINUTES": "TRACKER_SIGN_IN_LOCKOUT_MINUTES",
    "UPLOAD_MAX_BYTES": "TRACKER_UPLOAD_MAX_BYTES",
    "READ_SECONDS": "TRACKER_READ_SECONDS",
    "READ_MEMORY_MB": "TRACKER_READ_MEMORY_MB",
    "EVIDENCE_MAX_BYTES": "TRACKER_EVIDENCE_MAX_BYTES",
    "EVIDENCE_FOLDER": "TRACKER_EVIDENCE_FOLDER",
    "EVIDENCE_QUOTA_BYTES": "TRACKER_EVIDENCE_QUOTA_BYTES",
    "EVIDENCE_UPLOADS_PER_HOUR": "TRACKER_EVIDENCE_UPLOADS_PER_HOUR",
    "BASE_URL": "TRACKER_BASE_URL",
    "MAIL_SERVER": "TRACKER_MAIL_SERVER",
    "MAIL_PORT": "TRACKER_MAIL_PORT",
    "MAIL_USERNAME": "TRACKER_MAIL_USERNAME",
    "MAIL_PASSWORD": "TRACKER_MAIL_PASSWORD",
    "MAIL_USE_TLS": "TRACKER_MAIL_USE_TLS",
    "MAIL_FROM": "TRACKER_MAIL_FROM",
    "MAIL_FOLDER": "TRACKER_MAIL_FOLDER",
    "JOBS_STORAGE": "TRACKER_JOBS_STORAGE",
    "JOBS_RETRIES": "TRACKER_JOBS_RETRIES",
    "JOBS_RETRY_DELAY": "TRACKER_JOBS_RETRY_DELAY",
}

TRUE_WORDS = {"1", "true", "yes", "on"}
# Yes-or-no settings whose default depends on another setting, so is None until worked out.
FLAGS_WITHOUT_DEFAULT = {"REQUIRE_TWO_FACTOR"}
PRODUCTION = "production"
SESSION_COOKIE_NAME = "tracker_session"


def load_config(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, instance config, the environment and `overrides`."""
    instance = Path(app.instance_path)
    app.config.from_mapping(
        # "production" refuses to start without a strong secret key and secure cookies.
        ENVIRONMENT="development",
        DATABASE=str(instance / "tracker.db"),
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_HOURS=8,
        SESSION_IDLE_MINUTES=60,
        # The update form warns this long before an idle session ends (GOV.UK's pattern).
        SESSION_WARNING_SECONDS=120,
        # Each person's drafts and submissions in an hour: a bound on the history's growth.
        # Work in progress kept as they type (tracker.working_copies) does not count.
        UPDATE_SAVES_PER_HOUR=60,
        # How many reverse proxies in front of the app set X-Forwarded-For and -Proto; 0 trusts
        # no such header, so a client cannot pretend to be elsewhere or on HTTPS.
        PROXY_HOPS=0,
        SIGN_IN_MAX_FAILURES=5,
        # Operators and administrators sign in with a code from an authenticator app too. Only
        # development (the demo on a laptop) may turn this off; production refuses to.
        REQUIRE_TWO_FACTOR=None,
        # Where the per-address limits on sign-in, reset and invitation requests are counted:
        # empty for a SQLite file beside the database, or a storage URI such as redis://...
        RATE_LIMIT_STORAGE="",
        RATE_LIMIT_SIGN_IN="20 per minute; 200 per hour",
        RATE_LIMIT_PASSWORD_RESET="5 per minute; 30 per hour",  # noqa: S106 - a rate
        RATE_LIMIT_INVITATIONS="30 per minute; 300 per hour",
        SIGN_IN_LOCKOUT_MINUTES=15,
        UPLOAD_MAX_BYTES=20 * 1024 * 1024,
        # The most time and memory reading one uploaded report may take, in a child process of
        # the job worker (tracker.reports.budget); a report over budget is refused in words. A
        # 50-page report takes a few seconds and a couple of hundred MB.
        READ_SECONDS=30,
        READ_MEMORY_MB=1024,
        EVIDENCE_MAX_BYTES=10 * 1024 * 1024,
        EVIDENCE_FOLDER=str(instance / "evidence"),
        # The most evidence a board may store, unless an administrator sets the board's own
        # limit; and how many evidence files one person may upload in an hour.
        EVIDENCE_QUOTA_BYTES=2 * 1024 * 1024 * 1024,
        EVIDENCE_UPLOADS_PER_HOUR=60,
        # Links in emails point here: the address people use to reach the tracker.
        BASE_URL="http://127.0.0.1:5000",
        # Empty: mail is not sent but written to MAIL_FOLDER, its links shown on the console.
        MAIL_SERVER="",
        MAIL_PORT=25,
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
        MAIL_USE_TLS=False,
        MAIL_FROM="Improvement plan tracker <tracker@localhost>",
        MAIL_FOLDER=str(instance / "mail"),
        # Where background jobs wait for the worker (`flask run-jobs`): empty for jobs.db beside
        # the database, redis://host:port/db for a larger installation, or "immediate" to run
        # each job at once in the process that asks (tests). See tracker/jobs.
        JOBS_STORAGE="",
        # A failed job is tried this many more times, this many seconds apart, then reported.
        JOBS_RETRIES=2,
        JOBS_RETRY_DELAY=300,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session does
    )
    app.config.from_pyfile(instance / "config.py", silent=True)
    for key, variable in ENVIRONMENT.items():
        if variable in os.environ:
            default = False if key in FLAGS_WITHOUT_DEFAULT else app.config.get(key)
            app.config[key] = _typed_like(default, os.environ[variable])
    if overrides:
        app.config.update(overrides)
    production = app.config["ENVIRONMENT"] == PRODUCTION
    if app.config["REQUIRE_TWO_FACTOR"] is None:
        app.config["REQUIRE_TWO_FACTOR"] = production
    # In production the key must be given (tracker.security refuses to start without one): a
    # key made here would differ between servers and be lost with the instance folder.
    if not app.config.get("SECRET_KEY") and not production:
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    if production and app.config["SESSION_COOKIE_NAME"] == SESSION_COOKIE_NAME:
        # Browsers accept a __Host- cookie only when it is Secure, for this host alone and for
        # every path, so no other site on the same domain can set or overwrite the session.
        app.config["SESSION_COOKIE_NAME"] = f"__Host-{SESSION_COOKIE_NAME}"
    # Room for the largest upload and the form around it; fields have their own limits.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["UPLOAD_MAX_BYTES"]) + 1024 * 1024
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(app.config["SESSION_HOURS"]))
    app.config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"]))


def _typed_like(default: object, value: str) -> object:
    """Read an environment string as the type of the setting's default."""
    if isinstance(default, bool):
        return value.strip().lower() in TRUE_WORDS
    if isinstance(default, int):
        return int(value)
    return value


def _instance_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, made on first start, never in the repository."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
