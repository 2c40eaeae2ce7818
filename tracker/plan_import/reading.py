"""What a board's existing plan table says: its recommendations, key lines of enquiry,
champions, status and progress, read from the `Table`s of tracker.plan_import.tables.
Pure: no Flask, no database.

Boards lay their plans out in their own way, so columns are found by the words in their
headers, rows are put back together across page breaks and merged cells, and each cell is
read as people write it (tracker.plan_import.cells).
"""

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from tracker.plan_import.cells import (
    read_champions,
    read_target_date,
    split_lines,
    split_number,
    status_of_fill,
    status_of_words,
)
from tracker.plan_import.tables import Cell, PlanFileError, Table

HEADER_SEARCH_ROWS = 10
# What `flask extract-plan` prints of each recommendation: the latest quarter only. The
# reading also gives each quarter's status and progress, the actions and the target date.
PRINTED_KEYS = (
    "number",
    "text",
    "key_lines_of_enquiry",
    "board_champions",
    "service_champions",
    "status",
    "progress",
)
# Longer than this, a cell is prose, not a column's name; it also bounds the work a hostile
# header can cause.
LONGEST_HEADER = 200

# Checked in this order, so that a cell is given to the most specific field: "Board champion"
# before the service's champion, "Progress against recommendation" before the
# recommendation, "Action owner" (a person) before actions. Each pattern is searched in the
# header made lower case with everything but letters and digits turned into single spaces.
FIELD_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "number",
        (
            r"^(?:(?:hmip |inspection )?rec(?:ommendation)?s? )?"
            r"(?:no|nos|number|ref|reference|ref no|item)$",
        ),
    ),
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
    (
        "board_champion",
        (
            r"\bboard (?:champion|lead|member)s?\b",
            r"\bstrategic leads?\b",
            r"\bexecutive (?:lead|sponsor)s?\b",
            r"\bsponsors?\b",
            r"\bsenior responsible (?:officer|owner)s?\b",
        ),
    ),
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
# Plans made from an Ofsted report often have no "Recommendation" column: their areas for
# improvement are what the plan answers.
RECOMMENDATION_INSTEAD = re.compile(
    r"\bareas? for (?:improvement|development)\b|\bwhat needs to improve\b"
    r"|\bimprovements? (?:needed|required)\b"
)
# A second header row names the parts of a heading merged over several columns ("Progress
# update" over "Q1", "Q2", "Q3"); its names are short.
LONGEST_SUB_HEADING = 40
# How a message names each field.
FIELD_WORDS = {
    "number": "the recommendation numbers",
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

# "Q2", "Qtr 2", "Quarter 2" or a month ("June update") in a header: the quarter a
# progress or status column is for, counted from April as the financial year is.
QUARTER_IN_HEADER = re.compile(r"\b(?:q|qtr|quarter)\s?([1-4])\b", re.I)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_IN_HEADER = re.compile(r"\b(" + "|".join(MONTHS) + r")[a-z]*\b", re.I)
# Fields a plan can give once per quarter, in columns side by side ("Q1 update", "Q2 update").
QUARTERLY_FIELDS = ("progress", "status")


@dataclass
class PlanLayout:
    """Where the plan is: its table, header row and the column of each field. For progress
    and status, `columns` names the latest quarter's column, and `quarterly` all of them in
    the table's order, when the plan keeps one per quarter."""

    table: Table
    header_row: int
    columns: dict[str, int]  # field: column
    quarterly: dict[str, list[int]] = field(default_factory=dict)  # field: columns

    @cached_property
    def _header(self) -> tuple[list[str], int]:
        return column_headings(self.table, self.header_row)

    @property
    def headings(self) -> list[str]:
        return self._header[0]

    @property
    def first_row(self) -> int:
        """The index of the first row under the header (one or two rows)."""
        return self.header_row + self._header[1]

    def columns_of(self, name: str) -> list[int]:
        """Every column of a field: each quarter's for progress and status."""
        if name in self.quarterly:
            return self.quarterly[name]
        return [self.columns[name]] if name in self.columns else []

    def quarter_offsets(self) -> dict[int, int]:
        """{column: quarters before the latest} for each progress and status column: 0 for
        the latest, -1 for the one before. Quarters named in the headers ("Q1", "Q3") give
        the gaps between columns; otherwise each column is the quarter after the one on its
        left. A status column is for its progress column's quarter when their headers name
        the same one, else the statuses are matched to the progress columns from the last."""
        header = self.headings
        progress, status = self.columns_of("progress"), self.columns_of("status")
        offsets = _offsets_by_order(header, progress)
        by_quarter = {_quarter_named(header[column]): offsets[column] for column in progress}
        by_quarter.pop(None, None)
        unmatched = []
        for column in status:
            named = _quarter_named(header[column])
            if named in by_quarter:
                offsets[column] = by_quarter[named]
            else:
                unmatched.append(column)
        if progress:
            from_last = [offsets[column] for column in reversed(progress)]
            for index, column in enumerate(reversed(unmatched)):
                offsets[column] = from_last[min(index, len(from_last) - 1)]
        else:
            offsets.update(_offsets_by_order(header, unmatched))
        return offsets


def _quarter_named(text: str) -> int | None:
    text = text[:LONGEST_HEADER]
    if match := QUARTER_IN_HEADER.search(text):
        return int(match.group(1))
    if match := MONTH_IN_HEADER.search(text):
        month = MONTHS.index(match.group(1).lower()) + 1
        return (month - 4) % 12 // 3 + 1
    return None


def _one_a_quarter(headers: list[str]) -> bool:
    """Whether columns of one field are a quarter each ("Q1 update", "Q2 update";
    "June", "September") rather than two kinds of note ("Progress", "Comments")."""
    return all(_quarter_named(header) for header in headers)


def _offsets_by_order(header: list[str], columns: list[int]) -> dict[int, int]:
    offsets: dict[int, int] = {}
    offset, later = 0, None
    for column in reversed(columns):
        if later is not None:
            this, next_one = _quarter_named(header[column]), _quarter_named(header[later])
            offset -= ((next_one - this) % 4 or 4) if this and next_one else 1
        offsets[column], later = offset, column
    return offsets


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
        why = "the table with the plan's column headings"
    else:
        why = "the table chosen"
    continued = _continuations(tables, layout)
    read = {id(table) for table in [layout.table, *continued]}
    if continued:
        rows = [row for table in [layout.table, *continued] for row in table.rows]
        layout = replace(layout, table=Table(layout.table.name, rows))
    warnings = [
        f"{table.name} was not read: only {layout.table.name}, {why}, was."
        for table in tables
        if id(table) not in read and any(cell.text.strip() for row in table.rows for cell in row)
    ]
    header = layout.headings
    offsets = layout.quarter_offsets()
    recommendations = [
        _recommendation(row, layout, offsets, warnings) for row in _plan_rows(layout, warnings)
    ]
    return {
        "columns": {
            name: header[column]
            for name, column in sorted(layout.columns.items(), key=lambda item: item[1])
        },
        "recommendations": recommendations,
        "warnings": warnings,
    }


def _continuations(tables: list[Table], layout: PlanLayout) -> list[Table]:
    """The tables after the plan's that carry it on: as wide as its rows, and without column
    headings of their own (a Word plan broken into a table a page, with the title between
    them but not the headings). A table loses the empty columns at its right, so one as wide
    as the plan's filled cells will do."""
    index = next(i for i, table in enumerate(tables) if table is layout.table)
    width = len(layout.table.rows[layout.header_row])
    filled = max(
        (_filled_width(row) for row in layout.table.rows[layout.header_row + 1 :]), default=width
    )
    continued = []
    for table in tables[index + 1 :]:
        if not table.rows or not filled <= len(table.rows[0]) <= width or _has_headings(table):
            break
        continued.append(table)
    return continued


def _filled_width(row: list[Cell]) -> int:
    return max((column + 1 for column, cell in enumerate(row) if cell.text.strip()), default=0)


def _has_headings(table: Table) -> bool:
    """Whether a row near the top of the table names a recommendation column and another."""
    for index in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
        columns, _quarterly = _header_fields(column_headings(table, index)[0])
        if "recommendation" in columns and len(columns) > 1:
            return True
    return False


def find_layout(tables: list[Table]) -> PlanLayout:
    """The header row with a recommendation column, in the first rows of a table, that names
    the most of a plan's columns (the first such, of equals), and what each of its columns
    holds; PlanFileError when there is none. A contents table's "Recommendations" line
    names one; a plan's header names several."""
    best = None
    for table in tables:
        for index in range(min(HEADER_SEARCH_ROWS, len(table.rows))):
            columns, quarterly = _header_fields(column_headings(table, index)[0])
            if "recommendation" in columns and (best is None or len(columns) > len(best.columns)):
                best = PlanLayout(table, index, columns, quarterly)
    if best is not None:
        return best
    raise PlanFileError(
        "No column of this table looks like the recommendations: name that column "
        '"Recommendation" and upload the plan again'
    )


def layout_at(table: Table, header_row: int) -> PlanLayout:
    """The columns found in the header at this row of the table, whatever they are (no
    recommendation column, even none at all); for a reviewer choosing the header row."""
    columns, quarterly = _header_fields(column_headings(table, header_row)[0])
    return PlanLayout(table, header_row, columns, quarterly)


def choices_of_layout(tables: list[Table], layout: PlanLayout) -> dict:
    """The reviewer's choices that give `layout`: {"table": index, "header_row": index,
    "columns": {field: column, or for a quarterly field several: [column, ...]}}."""
    index = next(i for i, table in enumerate(tables) if table is layout.table)
    columns = {name: layout.quarterly.get(name, column) for name, column in layout.columns.items()}
    return {"table": index, "header_row": layout.header_row, "columns": columns}


def layout_from_choices(tables: list[Table], choices: dict) -> PlanLayout:
    """The layout the reviewer chose: choices["table"] and choices["header_row"] are indexes,
    choices["columns"] is {field: column index}, or for progress and status a list of
    columns, one a quarter; a field with no column (None, "" or []) is left out.
    PlanFileError in words for an index out of range, an unknown field, no recommendation
    column or a column given to two fields."""
    table_index = _index(choices.get("table"), "The table", len(tables))
    table = tables[table_index]
    header_row = _index(choices.get("header_row"), "The header row", len(table.rows))
    width = len(column_headings(table, header_row)[0])
    every: dict[str, list[int]] = {}
    for name, chosen in (choices.get("columns") or {}).items():
        if name not in FIELD_NAMES:
            raise PlanFileError(f'"{name}" is not something a plan\'s column can hold')
        several = isinstance(chosen, list)
        if several and name not in QUARTERLY_FIELDS:
            raise PlanFileError(f"Choose one column for {FIELD_WORDS[name]}")
        what = f"The column for {FIELD_WORDS[name]}"
        picked = [
            _index(column, what, width)
            for column in (chosen if several else [chosen])
            if column is not None and column != ""
        ]
        if picked:
            every[name] = sorted(set(picked))
    if "recommendation" not in every:
        raise PlanFileError("Choose the column that holds the recommendations")
    taken: dict[int, str] = {}
    for name, columns in every.items():
        for column in columns:
            if column in taken:
                raise PlanFileError(
                    f"Column {column + 1} is chosen for both {FIELD_WORDS[taken[column]]} and "
                    f"{FIELD_WORDS[name]}: choose a different column for one of them"
                )
            taken[column] = name
    columns = {name: chosen[-1] for name, chosen in every.items()}
    quarterly = {name: chosen for name, chosen in every.items() if len(chosen) > 1}
    return PlanLayout(table, header_row, columns, quarterly)


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


def column_headings(table: Table, header_row: int) -> tuple[list[str], int]:
    """The heading of each column of the header starting at `header_row`, and how many rows
    the header takes: two when the row under it names the parts of headings merged across
    columns ("Progress update" over "Q1", "Q2": "Progress update Q1", "Progress update Q2")."""
    texts = [cell.text.strip() for cell in table.rows[header_row]]
    if header_row + 1 >= len(table.rows):
        return texts, 1
    below = [cell.text.strip() for cell in table.rows[header_row + 1]][: len(texts)]
    below += [""] * (len(texts) - len(below))
    named = [column for column, text in enumerate(below) if text]

    def under_merged_heading(column: int) -> bool:
        # Under the gap a merged heading leaves, or under the heading at the start of one.
        if not texts[column]:
            return any(texts[:column])
        return column + 1 < len(texts) and not texts[column + 1]

    if len(named) < 2 or not all(
        len(below[column]) <= LONGEST_SUB_HEADING and under_merged_heading(column)
        for column in named
    ):
        return texts, 1
    headings, spanning = [], ""
    for text, part in zip(texts, below, strict=True):
        spanning = text or spanning
        headings.append(f"{spanning} {part}".strip() if part else text)
    return headings, 2


def _header_fields(texts: list[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """The field of each column of a header (the first column of each, except that
    progress and status may have one column a quarter, the last being the latest)."""
    # A title in a merged cell, repeated across the row, is not a header.
    if len({text for text in texts if text}) < 2:
        return {}, {}
    columns: dict[str, int] = {}
    quarterly: dict[str, list[int]] = {}
    for column, text in enumerate(texts):
        name = field_of_header(text)
        if name in QUARTERLY_FIELDS:
            quarterly.setdefault(name, []).append(column)
        if name and name not in columns:
            columns[name] = column
    if "recommendation" not in columns:
        for column, text in enumerate(texts):
            if RECOMMENDATION_INSTEAD.search(" ".join(text.lower().split())[:LONGEST_HEADER]):
                columns["recommendation"] = column
                if columns.get("key_lines_of_enquiry") == column:
                    del columns["key_lines_of_enquiry"]
                break
    for name, found in list(quarterly.items()):
        if len(found) > 1 and _one_a_quarter([texts[column] for column in found]):
            columns[name] = found[-1]
        else:
            del quarterly[name]
    return columns, quarterly


def _plan_rows(layout: PlanLayout, warnings: list[str]) -> list[_Row]:
    """The header's rows, one per recommendation: blank rows, repeated headers and section
    headings left out, rows split by a page break put back together."""
    width = len(layout.headings)
    first = layout.first_row
    header_rows = [_texts(row, width) for row in layout.table.rows[layout.header_row : first]]
    recommendation_column = layout.columns["recommendation"]
    number_column = layout.columns.get("number")
    rows: list[_Row] = []
    for number, cells in enumerate(layout.table.rows[first:], first + 1):
        texts = _texts(cells, width)
        filled = [text for text in texts if text]
        if not filled or texts in header_rows or _is_heading(texts, recommendation_column):
            continue
        recommendation = texts[recommendation_column]
        numbered = number_column is not None and texts[number_column]
        if not numbered and (not recommendation or recommendation[0].islower()):
            if rows:
                _continue_row(rows[-1], texts)
            else:
                warnings.append(f"Row {number} has no recommendation, so it was not read.")
            continue
        fills = [cell.fill for cell in cells[:width]] + [None] * (width - len(cells))
        if rows:
            _copy_merged_down(rows[-1], texts, fills, cells[:width], recommendation_column)
        rows.append(_Row(texts, fills))
    return rows


def _copy_merged_down(above: _Row, texts, fills, cells: list[Cell], recommendation_column):
    """A cell merged down from the recommendation above (one champion, status or progress
    for both) gives this recommendation the same."""
    for column, cell in enumerate(cells):
        if cell.merged_above and not texts[column] and column != recommendation_column:
            texts[column], fills[column] = above.texts[column], above.fills[column]


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
    return len(filled) > 1 or (column == recommendation_column and split_number(text)[0] is None)


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


def _recommendation(row: _Row, layout: PlanLayout, offsets: dict[int, int], warnings) -> dict:
    """What a row says. "status" and "progress" are the latest quarter's; "quarters" has
    each quarter's, the earliest first, as {"offset": quarters before the latest, "status",
    "progress"}."""
    columns = layout.columns
    number, text = split_number(row.texts[columns["recommendation"]])

    def text_of(name: str) -> str:
        return row.texts[columns[name]] if name in columns else ""

    if text_of("number"):
        # "1", "R1", "Rec 1" in a column of its own; without one there, none.
        number = split_number(text_of("number"))[0]
    board, service = (
        read_champions(text_of("board_champion")),
        read_champions(text_of("service_champion")),
    )

    which = number or text[:40]
    quarters = _quarters(row, layout, offsets, warnings, which)
    return {
        "number": number,
        "text": text,
        "key_lines_of_enquiry": split_lines(text_of("key_lines_of_enquiry")),
        "board_champions": [name for name, _role in board],
        "service_champions": [name for name, _role in service],
        "job_titles": {name: role for name, role in [*board, *service] if role},
        "status": quarters[-1]["status"],
        "progress": quarters[-1]["progress"],
        "actions": _actions(text_of("actions"), text_of("target_date"), warnings, which),
        "quarters": quarters,
    }


def _actions(actions_text: str, targets_text: str, warnings: list[str], which) -> list[dict]:
    """One {"text", "target_date"} per line of the actions cell. The target date cell gives
    one date for all of them or one a line; a target that is not a date ("Ongoing") stays
    in the action's text."""
    actions = split_lines(actions_text)
    targets = split_lines(targets_text)
    if len(targets) == 1:
        targets = targets * len(actions)
    elif len(targets) != len(actions):
        if actions and targets:
            warnings.append(
                f"Recommendation {which}: its {len(actions)} actions have {len(targets)} target "
                "dates, so the dates were not imported."
            )
        targets = [""] * len(actions)
    found = []
    for action, target in zip(actions, targets, strict=True):
        day = read_target_date(target)
        if target and day is None:
            action = f"{action} (target: {target})"
        found.append({"text": action, "target_date": day.isoformat() if day else None})
    return found


def _quarters(row: _Row, layout: PlanLayout, offsets: dict[int, int], warnings, which) -> list:
    status_of_quarter = {offsets[column]: column for column in layout.columns_of("status")}
    progress_of_quarter = {offsets[column]: column for column in layout.columns_of("progress")}
    quarters = []
    for offset in sorted({0, *offsets.values()}):
        progress_column = progress_of_quarter.get(offset)
        if offset in status_of_quarter:
            status = _status_in(row, status_of_quarter[offset], warnings, which)
        elif progress_column is not None and status_of_fill(row.fills[progress_column]):
            status = status_of_fill(row.fills[progress_column])
        elif offset == 0 and not status_of_quarter:
            # No status column: the row's shading is its status, the recommendation's first.
            fills = [row.fills[layout.columns["recommendation"]], *row.fills]
            status = next((found for found in map(status_of_fill, fills) if found), None)
        else:
            status = None
        progress = row.texts[progress_column] if progress_column is not None else ""
        quarters.append({"offset": offset, "status": status, "progress": progress})
    return quarters


def _status_in(row: _Row, column: int, warnings: list[str], which) -> str | None:
    """The status a status cell gives in words, else by its shading."""
    text = row.texts[column]
    if not text:
        return status_of_fill(row.fills[column])
    status = status_of_words(text)
    if status is None:
        warnings.append(
            f'Recommendation {which}: the status "{text[:40]}" is not one of Red, Amber, '
            "Green or Blue, so it was left empty."
        )
    return status
