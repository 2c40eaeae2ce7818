"""What a board's existing plan table says: its recommendations, key lines of enquiry,
champions, status and progress, read from the `Table`s of tracker.plan_import.tables.
Pure: no Flask, no database.

Boards lay their plans out in their own way, so columns are found by the words in their
headers, and cells are read the way people write them: "1." before the recommendation,
several champions in one cell, "TBC" for nobody yet, RAG status as a word, a letter or
only the cell's colour, and rows split across a page break.
"""

import colorsys
import re
from dataclasses import dataclass, field

from tracker.plan_import.tables import Cell, PlanFileError, Table
from tracker.rag import DEFAULT_KEY

HEADER_SEARCH_ROWS = 10
# Longer than this, a cell is prose, not a column's name; it also bounds the work a hostile
# header can cause.
LONGEST_HEADER = 200

# Checked in this order, so that a cell is given to the most specific field: "Board champion"
# before the service's champion, "Progress against recommendation" before the
# recommendation, "Action owner" (a person) before actions. Each pattern is searched in the
# header made lower case with everything but letters and digits turned into single spaces.
FIELD_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("status", (r"\bb?rag\b", r"\bstatus\b")),
    (
        "target_date",
        (r"\btarget dates?\b", r"\btimescales?\b", r"\bby when\b", r"\bdeadlines?\b", r"\bdue\b"),
    ),
    (
        "key_lines_of_enquiry",
        (
            r"\bkey lines? of enquiry\b",
            r"\bkloes?\b",
            r"\bareas? for improvement\b",
            r"\bfindings?\b",
        ),
    ),
    ("board_champion", (r"\bboard (?:champion|lead)s?\b", r"\bstrategic leads?\b")),
    (
        "service_champion",
        (
            r"\bchampions?\b",
            r"\blead officers?\b",
            r"\bresponsible officers?\b",
            r"\bowners?\b",
            r"\bleads?\b",
        ),
    ),
    ("progress", (r"\bprogress\b", r"\bupdates?\b", r"\bcomments?\b")),
    ("recommendation", (r"\brecommendations?\b",)),
    ("actions", (r"\bactions?\b", r"\bwhat we will do\b")),
)
FIELD_NAMES = tuple(name for name, _patterns in FIELD_PATTERNS)
# How a message names each field.
FIELD_WORDS = {
    "status": "the status",
    "target_date": "the target date",
    "key_lines_of_enquiry": "the key lines of enquiry",
    "board_champion": "the board champions",
    "service_champion": "the service champions",
    "progress": "the progress",
    "recommendation": "the recommendations",
    "actions": "the actions",
}
_COMPILED_PATTERNS = tuple(
    (name, tuple(re.compile(pattern) for pattern in patterns)) for name, patterns in FIELD_PATTERNS
)

# "1.", "1)", "R1", "Rec 3", "Recommendation 4:" before the text. Three digits at most, so
# that a year ("2022 review") is not taken for a number.
NUMBER = re.compile(r"(?:recommendation|rec|r)?\s?\.?\s?(\d{1,3})(?:[.):\-\u2013]\s*|\s+|$)", re.I)
NOBODY = {"", "tbc", "tba", "tbd", "n/a", "na", "-", "\u2013", "none", "nobody", "vacant"}
CHAMPION_SEPARATOR = re.compile(r" ?(?:,|;|/| & | and ) ?", re.I)
BULLET = re.compile(r"^[\u2022\u25aa\u25e6\u00b7*\-\u2013]\s*")

STATUS_WORDS = {
    **{status.key: status.key for status in DEFAULT_KEY},
    **{status.key[0]: status.key for status in DEFAULT_KEY},
    **{status.meaning.lower(): status.key for status in DEFAULT_KEY},
    "completed": "blue",
    "done": "blue",
    "achieved": "blue",
    "on track": "green",
    "at risk": "amber",
    "behind": "amber",
    "off track": "red",
    "not started": "red",
}
# Hues (degrees) of the colours boards shade status cells with. A colour further than
# FURTHEST_HUE from all of them, or too grey or dark to be a colour, is no status.
STATUS_HUES = {"red": 0, "amber": 35, "green": 120, "blue": 215}
FURTHEST_HUE = 45


@dataclass
class PlanLayout:
    """Where the plan is: its table, header row and the column of each field."""

    table: Table
    header_row: int
    columns: dict[str, int]  # field: column
    progress_columns: list[tuple[str, int]] = field(default_factory=list)  # ("Q2", column)


@dataclass
class _Row:
    texts: list[str]
    fills: list[str | None]


def read_plan(tables: list[Table], layout: PlanLayout | None = None) -> dict:
    """The plan in these tables: the columns found, one entry per recommendation, and
    warnings in words about what could not be read. The table, header row and columns are
    `layout` when the reviewer chose them, else found (PlanFileError when no table has a
    column that looks like the recommendations)."""
    if layout is None:
        layout = find_layout(tables)
        why = "the first table with a Recommendation column"
    else:
        why = "the table chosen"
    warnings = [
        f"{table.name} was not read: only {layout.table.name}, {why}, was."
        for table in tables
        if table is not layout.table
        and any(cell.text.strip() for row in table.rows for cell in row)
    ]
    header = layout.table.rows[layout.header_row]
    recommendations = [
        _recommendation(row, layout, warnings) for row in _plan_rows(layout, warnings)
    ]
    return {
        "columns": {name: header[column].text.strip() for name, column in layout.columns.items()},
        "recommendations": recommendations,
        "warnings": warnings,
    }


def find_layout(tables: list[Table]) -> PlanLayout:
    """The first table with a recommendation column in its first rows, and what each of that
    header row's columns holds; PlanFileError when there is none."""
    for table in tables:
        for index, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
            columns, progress = _header_fields(row)
            if "recommendation" in columns:
                return PlanLayout(table, index, columns, progress)
    raise PlanFileError(
        "No column of this table looks like the recommendations: name that column "
        '"Recommendation" and upload the plan again'
    )


def choices_of_layout(tables: list[Table], layout: PlanLayout) -> dict:
    """The reviewer's choices that give `layout`: {"table": index, "header_row": index,
    "columns": {field: column}}."""
    index = next(i for i, table in enumerate(tables) if table is layout.table)
    return {"table": index, "header_row": layout.header_row, "columns": dict(layout.columns)}


def layout_from_choices(tables: list[Table], choices: dict) -> PlanLayout:
    """The layout the reviewer chose: choices["table"] and choices["header_row"] are indexes,
    choices["columns"] is {field: column index}, a field with no column (None or "") left
    out. PlanFileError in words for an index out of range, an unknown field, no
    recommendation column or a column given to two fields."""
    table_index = _index(choices.get("table"), "The table", len(tables))
    table = tables[table_index]
    header_row = _index(choices.get("header_row"), "The header row", len(table.rows))
    width = len(table.rows[header_row])
    columns: dict[str, int] = {}
    for name, column in (choices.get("columns") or {}).items():
        if name not in FIELD_NAMES:
            raise PlanFileError(f'"{name}" is not something a plan\'s column can hold')
        if column is None or column == "":
            continue
        columns[name] = _index(column, f"The column for {FIELD_WORDS[name]}", width)
    if "recommendation" not in columns:
        raise PlanFileError("Choose the column that holds the recommendations")
    taken: dict[int, str] = {}
    for name, column in columns.items():
        if column in taken:
            raise PlanFileError(
                f"Column {column + 1} is chosen for both {FIELD_WORDS[taken[column]]} and "
                f"{FIELD_WORDS[name]}: choose a different column for one of them"
            )
        taken[column] = name
    return PlanLayout(table, header_row, columns)


def _index(value, what: str, count: int) -> int:
    """`value` as an index below `count` (an int, or digits from a form)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise PlanFileError(f"{what} is not one of the {count} there are: choose another")
    return value


def field_of_header(text: str) -> str | None:
    """The field a column with this header holds ("board_champion"), or None."""
    if len(text) > LONGEST_HEADER:
        return None
    words = " ".join(re.sub(r"[^a-z0-9]", " ", text.lower()).split())
    for name, patterns in _COMPILED_PATTERNS:
        if any(pattern.search(words) for pattern in patterns):
            return name
    return None


def _header_fields(row: list[Cell]) -> tuple[dict[str, int], list[tuple[str, int]]]:
    texts = [cell.text.strip() for cell in row]
    # A title in a merged cell, repeated across the row, is not a header.
    if len({text for text in texts if text}) < 2:
        return {}, []
    columns, progress = {}, []
    for column, text in enumerate(texts):
        name = field_of_header(text)
        if name == "progress":
            quarter = re.search(r"\bq([1-4])\b", text, re.I)
            progress.append((f"Q{quarter.group(1)}" if quarter else text, column))
            columns["progress"] = column  # the last one is this quarter's
        elif name and name not in columns:
            columns[name] = column
    return columns, progress


def _plan_rows(layout: PlanLayout, warnings: list[str]) -> list[_Row]:
    """The header's rows, one per recommendation: blank rows, repeated headers and section
    headings left out, rows split by a page break put back together."""
    width = len(layout.table.rows[layout.header_row])
    header_texts = _texts(layout.table.rows[layout.header_row], width)
    recommendation_column = layout.columns["recommendation"]
    rows: list[_Row] = []
    for number, cells in enumerate(
        layout.table.rows[layout.header_row + 1 :], layout.header_row + 2
    ):
        texts = _texts(cells, width)
        filled = [text for text in texts if text]
        if not filled or texts == header_texts or _is_heading(texts, recommendation_column):
            continue
        recommendation = texts[recommendation_column]
        if not recommendation or recommendation[0].islower():
            if rows:
                _continue_row(rows[-1], texts)
            else:
                warnings.append(f"Row {number} has no recommendation, so it was not read.")
            continue
        fills = [cell.fill for cell in cells[:width]] + [None] * (width - len(cells))
        rows.append(_Row(texts, fills))
    return rows


def _texts(cells: list[Cell], width: int) -> list[str]:
    texts = [cell.text.strip() for cell in cells[:width]]
    return texts + [""] * (width - len(texts))


def _is_heading(texts: list[str], recommendation_column: int) -> bool:
    """A section heading or a note: one text across a merged row ("Domain 1: Organisational
    delivery"), or alone in the recommendation column without a recommendation's number."""
    filled = [(column, text) for column, text in enumerate(texts) if text]
    if len({text for _, text in filled}) != 1:
        return False
    column, text = filled[0]
    return len(filled) > 1 or (column == recommendation_column and not NUMBER.match(text))


def _continue_row(row: _Row, texts: list[str]) -> None:
    # A sentence carried over a page break goes on the same line; anything else (the next
    # paragraph, another name) on a new one.
    for column, text in enumerate(texts):
        if not text:
            continue
        if not row.texts[column]:
            row.texts[column] = text
        else:
            joiner = " " if text[0].islower() else "\n"
            row.texts[column] = row.texts[column] + joiner + text


def _recommendation(row: _Row, layout: PlanLayout, warnings: list[str]) -> dict:
    columns = layout.columns
    number, text = split_number(row.texts[columns["recommendation"]])

    def text_of(name: str) -> str:
        return row.texts[columns[name]] if name in columns else ""

    status = _status_of(row, columns, warnings, number or text[:40])
    return {
        "number": number,
        "text": text,
        "key_lines_of_enquiry": split_lines(text_of("key_lines_of_enquiry")),
        "board_champions": split_champions(text_of("board_champion")),
        "service_champions": split_champions(text_of("service_champion")),
        "status": status,
        "progress": text_of("progress"),
    }


def split_number(text: str) -> tuple[int | None, str]:
    """The recommendation's number and the rest of its text: "1. Develop" -> (1, "Develop")."""
    match = NUMBER.match(text)
    if not match:
        return None, text
    return int(match.group(1)), text[match.end() :].strip()


def split_lines(text: str) -> list[str]:
    """One entry per line, bullets taken off."""
    lines = (BULLET.sub("", line.strip(), count=1) for line in text.splitlines())
    return [line for line in lines if line]


def split_champions(text: str) -> list[str]:
    """The people named in a champion cell: one a line, or separated by commas, ";", "and",
    "&" or "/"; "TBC" and the like name nobody. Titles stay as written ("Supt Paul French")."""
    names: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line.lower() in NOBODY:
            continue
        for name in CHAMPION_SEPARATOR.split(line):
            name = name.strip()
            if name.lower() not in NOBODY and name not in names:
                names.append(name)
    return names


def _status_of(row: _Row, columns: dict[str, int], warnings: list[str], which) -> str | None:
    if "status" in columns:
        text = row.texts[columns["status"]]
        if text:
            status = status_of_words(text)
            if status is None:
                warnings.append(
                    f'Recommendation {which}: the status "{text[:40]}" is not one of Red, Amber, '
                    "Green or Blue, so it was left empty."
                )
            return status
        return status_of_fill(row.fills[columns["status"]])
    # No status column: the row's shading is its status, the recommendation's cell first.
    fills = [row.fills[columns["recommendation"]], *row.fills]
    return next((status for status in map(status_of_fill, fills) if status), None)


def status_of_words(text: str) -> str | None:
    """The status key a board's words mean: "Amber", "A", "On track", "Complete"; None when
    they are not a status."""
    words = " ".join(re.sub(r"[^a-z]", " ", text.lower()).split())
    if words in STATUS_WORDS:
        return STATUS_WORDS[words]
    # "Green - on track", but not "Amber/Green".
    colours = [word for word in words.split(" ") if word in STATUS_HUES]
    if len(set(colours)) == 1 and words.startswith(colours[0]):
        return colours[0]
    return None


def status_of_fill(fill: str | None) -> str | None:
    """The status a cell's shading ("#FFC000") shows, by the nearest of red, amber, green and
    blue; None for no shading or a grey, dark or other colour."""
    if not fill or not re.fullmatch(r"#?[0-9a-fA-F]{6}", fill):
        return None
    red, green, blue = (int(fill.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    hue, saturation, value = colorsys.rgb_to_hsv(red, green, blue)
    if saturation < 0.25 or value < 0.3:
        return None
    degrees = hue * 360

    def distance(key: str) -> float:
        gap = abs(degrees - STATUS_HUES[key])
        return min(gap, 360 - gap)

    nearest = min(STATUS_HUES, key=distance)
    return nearest if distance(nearest) <= FURTHEST_HUE else None
