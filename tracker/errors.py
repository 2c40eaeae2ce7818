"""Helpful error pages, and JSON errors for JSON URLs."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("Your request could not be handled", "Check what you entered and try again."),
    403: (
        "You do not have permission to do that",
        "Your role on this board does not allow it. If you think it should, ask your head of "
        "service.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied "
        "the whole address.",
    ),
    405: ("That cannot be done here", "Go back to the page you came from and try again."),
    413: ("That is too large", "What you sent is larger than the tracker accepts."),
    429: ("Too many requests", "Wait a few minutes, then try again."),
    500: (
        "Sorry, there is a problem with the tracker",
        "Nothing you entered has been saved. Try again later.",
    ),
}


def init_app(app: Flask) -> None:
    """Show every HTTP error on a page of our own."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _http_error)


def _csrf_error(error: CSRFError):
    return _render(
        400,
        "Your form could not be sent",
        "The page had expired or the form was missing its security code. Go back, reload the "
        "page and try again. Nothing has been changed.",
    )


def _http_error(error: HTTPException):
    code = error.code or 500
    title, advice = MESSAGES.get(code, (error.name, error.description or ""))
    return _render(code, title, advice)


def _render(code: int, title: str, advice: str):
    if request.path.endswith(".json"):
        return {"error": title, "status": code}, code
    return render_template("errors/error.html", code=code, title=title, advice=advice), code
