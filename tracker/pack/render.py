"""Rendering the board pack's HTML as a PDF with WeasyPrint, fetching nothing from outside.

A pack holds text that champions typed. Whatever it says, the PDF must not fetch or embed
anything but the app's own static files (the pack's stylesheet): WeasyPrint's default fetcher
would read any `file://` path into an attachment and fetch any `http://` address.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML, Document
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from tracker import ROOT

STATIC_FOLDER = ROOT / "static"


class StaticFilesOnlyFetcher(URLFetcher):
    """Allows `data:` URLs, which carry their content inline, and `file:` URLs of files
    inside `static_folder`; refuses every other URL (other files, http, https, ftp...)
    before anything is opened."""

    def __init__(self, static_folder: Path):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=2)
        self.static_folder = static_folder.resolve()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data" or (scheme == "file" and self._is_static_file(url)):
            return super().fetch(url, headers)
        raise ValueError(f"The board pack fetches only its own static files, not {url[:80]}")

    def _is_static_file(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query:
            return False
        # resolve() follows symlinks and "..", so nothing outside the folder can pass.
        path = Path(unquote(parts.path)).resolve()
        return path.is_relative_to(self.static_folder) and path.is_file()


class PackRenderError(Exception):
    """The pack could not be made into a PDF."""


# A tagged PDF (PDF/UA) with the stylesheet's hints: the same for laying out and for writing.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "presentational_hints": True}


def render_pdf(html: str, title: str, static_folder: Path = STATIC_FOLDER) -> bytes:
    """The pack as a tagged PDF (PDF/UA) with its language and title set. Relative URLs in
    `html` are files in `static_folder`, the only place the pack may fetch from."""
    return write_pdf(lay_out(html, title, static_folder), title)


def lay_out(html: str, title: str, static_folder: Path = STATIC_FOLDER) -> Document:
    """The pack's pages, laid out: the longer half of making a PDF, after which the number
    of pages is known."""
    try:
        return HTML(
            string=html,
            url_fetcher=StaticFilesOnlyFetcher(static_folder),
            base_url=static_folder.resolve().as_uri() + "/",
        ).render(**PDF_OPTIONS)
    # FatalURLFetchingError derives from BaseException, so Flask would not catch it.
    except (FatalURLFetchingError, Exception) as error:
        raise PackRenderError(f"The board pack for {title!r} could not be made: {error}") from None


def write_pdf(document: Document, title: str) -> bytes:
    """The laid-out pages written as the PDF."""
    try:
        return document.write_pdf(**PDF_OPTIONS)
    except Exception as error:
        raise PackRenderError(f"The board pack for {title!r} could not be made: {error}") from None
