"""Security headers on every response, trust in a reverse proxy, and the settings production
refuses to start without.

The headers follow OWASP ASVS level 2 (14.4): a Content Security Policy that allows only the
tracker's own scripts, styles and images (no inline script or style, no plugins, no framing),
no MIME sniffing, no referrer sent to other sites, and HSTS once a request arrives over HTTPS.
Every response gets them, including error pages and static files, because they are added after
the response is made, whatever made it.
"""

from flask import Flask, Response, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.config import PRODUCTION
from tracker.mail import MailSettingsError, sender_address

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: Flask-WTF checks that a form sent over HTTPS came from this site by its
    # Referer header, which same-origin still sends to the tracker itself.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # None of these is used; turning them off means an injected script cannot use them either.
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# A year, as browsers' preload lists ask; sent only over HTTPS, where a browser heeds it.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# Pages, downloads and JSON hold plan data that should not outlive the session in a shared
# computer's cache; static files hold none and may be cached.
NO_STORE = "no-store"
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 8
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
ENVIRONMENTS = ("development", PRODUCTION)


class UnsafeSettings(RuntimeError):
    """Settings the tracker refuses to start with; the message says what to change."""


def init_app(app: Flask) -> None:
    """Trust the configured number of proxies, and add the security headers to every response."""
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        # Only the client's address and scheme are taken from the proxy; the Host header is the
        # proxy's to pass on, so a forged X-Forwarded-Host changes nothing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0)
    app.after_request(add_security_headers)


def refuse_malformed_forms():
    """Answer 400 to a form with a part whose name could not be read (a multipart part named
    with a line break, say): werkzeug gives it no name, and Flask-WTF's CSRF check, which runs
    next, fails on it with a server error."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and any(
        not isinstance(name, str) for name in request.form
    ):
        abort(400)


def add_security_headers(response: Response) -> Response:
    """The security headers, leaving any a view chose for itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if request.endpoint != "static" and not response.cache_control.no_store:
        response.headers["Cache-Control"] = NO_STORE
    return response


def refuse_unsafe_settings(config: dict) -> None:
    """Raise UnsafeSettings for settings the tracker must not run with: in any environment,
    ones that cannot work; in production, also a missing or weak secret key, debug mode, and
    session cookies that could travel over plain HTTP."""
    problems = settings_problems(config)
    if problems:
        raise UnsafeSettings(
            "The tracker will not start with these settings:\n"
            + "\n".join(f"- {problem}" for problem in problems)
        )


def settings_problems(config: dict) -> list[str]:
    """What is wrong with the settings, one sentence each; empty when nothing is."""
    problems = []
    environment = config["ENVIRONMENT"]
    if environment not in ENVIRONMENTS:
        problems.append(f"TRACKER_ENV must be development or production, not {environment!r}.")
    if int(config["PROXY_HOPS"]) < 0:
        problems.append("TRACKER_PROXY_HOPS must be 0 (no proxy) or more.")
    if int(config["SESSION_IDLE_MINUTES"]) < 1:
        problems.append("TRACKER_SESSION_IDLE_MINUTES must be 1 or more.")
    if int(config.get("READ_SECONDS", 1)) < 1:
        problems.append("TRACKER_READ_SECONDS must be 1 or more.")
    if int(config.get("READ_MEMORY_MB", 1)) < 1:
        problems.append("TRACKER_READ_MEMORY_MB must be 1 or more.")
    try:
        sender_address(config["MAIL_FROM"])
    except MailSettingsError as error:
        # Every invitation and reset link would fail after it had been saved.
        problems.append(f"TRACKER_MAIL_FROM: {error}.")
    if environment == PRODUCTION:
        problems += _production_problems(config)
        if not config.get("REQUIRE_TWO_FACTOR"):
            problems.append(
                "TRACKER_REQUIRE_TWO_FACTOR cannot be turned off in production: operators and "
                "administrators must sign in with two factors."
            )
    return problems


def _production_problems(config: dict) -> list[str]:
    problems = []
    key = config.get("SECRET_KEY") or ""
    if not key:
        problems.append(
            "No secret key is set. Set TRACKER_SECRET_KEY (or SECRET_KEY in instance/config.py)"
            f" to a random value of {MIN_SECRET_KEY_LENGTH} characters or more, such as the"
            f" output of: {MAKE_A_KEY}"
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        problems.append(
            f"The secret key is too short or too simple. Use a random value of"
            f" {MIN_SECRET_KEY_LENGTH} characters or more, such as the output of: {MAKE_A_KEY}"
        )
    if config.get("DEBUG"):
        # Debug mode lets errors escape the tracker's own error pages.
        problems.append("Debug mode is on (FLASK_DEBUG). Turn it off in production.")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append(
            "TRACKER_SECURE_COOKIES is false. In production the session cookie must only be"
            " sent over HTTPS: serve the tracker over HTTPS and leave TRACKER_SECURE_COOKIES"
            " unset."
        )
    return problems
