"""Long lists shown a page at a time, with the GOV.UK pagination component's page numbers.

Pure: no Flask, no database. The page asked for comes from the address, so anything may be in
it; it is read as the nearest page that exists, never an error.
"""

import math
from dataclasses import dataclass

# More digits than this is a page no list here has: read as the last page.
MAX_PAGE_DIGITS = 15


@dataclass(frozen=True)
class Page:
    """One page of a list of `total` items, `size` to a page."""

    number: int
    last: int
    total: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_shown(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.size, self.total)


def page_of(total: int, requested: str | None, size: int) -> Page:
    """The page asked for in the address, moved to the nearest page that exists (see
    `nearest_page`)."""
    last = max(1, math.ceil(total / size))
    return Page(nearest_page(requested, last), last, total, size)


def nearest_page(requested: str | None, last: int) -> int:
    """The number of the page nearest the one asked for, of pages 1 to `last`: the first for
    anything that is not a number written with the digits 0 to 9 ("-2", "²", "two"), the last
    for a number past it, however many digits it has."""
    text = (requested or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    number = int(text) if len(text) <= MAX_PAGE_DIGITS else last
    return min(max(number, 1), last)


def pages_to_show(page: Page) -> list[int | None]:
    """Page numbers to link to: the first, the last and those beside the current one, with
    None where numbers are left out."""
    wanted = {1, page.last, page.number - 1, page.number, page.number + 1}
    shown: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= page.last):
        if shown and number - shown[-1] > 1:
            shown.append(None)
        shown.append(number)
    return shown
