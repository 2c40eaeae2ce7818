"""Rendering the board pack's HTML as a PDF with WeasyPrint, fetching nothing from outside.

A pack holds text that champions typed. Whatever it says, the PDF must not fetch or embed
anything but the pack's own inline content: WeasyPrint's default fetcher would read
`file://` paths into attachments and fetch `http://` addresses.
"""

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher


class NothingOutsideFetcher(URLFetcher):
    """Allows only `data:` URLs, which carry their content inline; refuses every other URL
    (file, http, https, ftp...) before anything is opened."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=2)

    def fetch(self, url, headers=None):
        if not url.lower().startswith("data:"):
            raise ValueError(f"The board pack fetches nothing from outside: {url[:80]}")
        return super().fetch(url, headers)


class PackRenderError(Exception):
    """The pack could not be made into a PDF."""


def render_pdf(html: str, title: str) -> bytes:
    """The pack as a tagged PDF (PDF/UA) in English with its title set."""
    try:
        document = HTML(string=html, url_fetcher=NothingOutsideFetcher(), base_url=None)
        return document.write_pdf(pdf_variant="pdf/ua-1", presentational_hints=True)
    # FatalURLFetchingError derives from BaseException, so Flask would not catch it.
    except (FatalURLFetchingError, Exception) as error:
        raise PackRenderError(f"The board pack for {title!r} could not be made: {error}") from None
