"""Keeping every row of the pack's plan table shorter than a page.

WeasyPrint splits a table row taller than a page whatever the CSS says, and the part that
spills over loses the repeated table header. So before rendering, each cell's text is measured
in lines at its column's width, and a cell that would not fit is cut at a word boundary; the
whole text is in the appendix, and the cell says so.

The measures are deliberately pessimistic (narrow characters are rare in English prose): a
row that is cut a little early loses nothing, while a row that is cut too late breaks the page.
"""

import math
from dataclasses import dataclass

# Characters per line of 9.5 pt Liberation Sans in each column of the landscape A4 table
# (267 mm wide; the columns are 22%, 28%, 11%, 11% and 28% of it, less padding).
CHARACTERS_PER_LINE = {"recommendation": 30, "key_lines": 36, "progress": 38}
# Lines of text one row may take: a page holds about 32 under the section heading and the
# three-line table header; the rest is left for paragraph spacing and the status line.
LINES_PER_ROW = 26


@dataclass(frozen=True)
class Fitted:
    """A cell's text as printed in the table, and whether some of it went to the appendix."""

    shown: tuple[str, ...]
    cut: bool


def lines_needed(paragraphs: tuple[str, ...] | list[str], width: int) -> int:
    """How many lines `paragraphs` take at `width` characters per line, each paragraph
    starting on a new line and taking at least one."""
    return sum(
        max(1, math.ceil(len(line) / width))
        for paragraph in paragraphs
        for line in paragraph.split("\n")
    )


def fit_paragraphs(paragraphs: list[str], width: int, lines: int) -> Fitted:
    """The paragraphs, or as many whole ones as fit in `lines` and the start of the next
    (cut at a word, with an ellipsis), when they do not all fit."""
    if lines_needed(paragraphs, width) <= lines:
        return Fitted(tuple(paragraphs), cut=False)
    shown: list[str] = []
    left = lines
    for paragraph in paragraphs:
        needed = lines_needed([paragraph], width)
        if needed <= left:
            shown.append(paragraph)
            left -= needed
            continue
        if left > 0:
            shown.append(_cut_at_word(paragraph, width * left - 1) + "…")
        break
    return Fitted(tuple(shown), cut=True)


def _cut_at_word(text: str, characters: int) -> str:
    """The start of `text`, at most `characters` long, ending at a word boundary. Counted
    on one line: line breaks inside a cut paragraph become spaces."""
    flat = " ".join(text.split())
    if len(flat) <= characters:
        return flat
    cut = flat[:characters]
    space = cut.rfind(" ")
    return (cut[:space] if space > characters // 2 else cut).rstrip(" ,;:.")
