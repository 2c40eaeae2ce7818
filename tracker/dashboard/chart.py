"""The status chart: a stacked bar per quarter, drawn as inline SVG from plain data.

Never colour alone: each status also has its own texture, each segment carries its count,
the legend prints each status's word, and `status_chart_table` gives the same numbers for a
real table beside the chart. All text from data is escaped.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from tracker.dashboard.summary import NO_UPDATE_LABEL, QuarterCounts
from tracker.rag import Status

# Layout, in SVG user units (pixels at 100%).
LEFT, TOP, RIGHT = 76, 16, 24
PLOT_HEIGHT = 240
SLOT_WIDTH, BAR_WIDTH = 104, 60
AXIS_GAP = 56  # below the plot: quarter labels, then the axis title
LEGEND_ROW = 28
SWATCH = 18
CHARACTER_WIDTH = 0.62  # a generous average for the legend's width, in ems
LABEL_MIN_HEIGHT = 18  # a segment shorter than this shows no count (the table has it)
FONT_SIZE = 14
TEXT_COLOUR = "#0b0c0c"
NO_UPDATE_COLOUR = "#dddddd"
NO_UPDATE_INK = "#505a5f"

# A texture over each status's colour, by its place in the key, so the statuses differ in
# greyscale and to people who do not see the colours.
TEXTURES = (
    '<circle cx="3" cy="3" r="1.4" fill="#ffffff" fill-opacity="0.7"/>'
    '<circle cx="7" cy="7" r="1.4" fill="#ffffff" fill-opacity="0.7"/>',
    '<path d="M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2" stroke="#ffffff" stroke-opacity="0.7"'
    ' stroke-width="1.5"/>',
    '<path d="M0,2 H8 M0,6 H8" stroke="#ffffff" stroke-opacity="0.7" stroke-width="1.5"/>',
    '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#ffffff" stroke-opacity="0.7" stroke-width="1.2"/>',
)
NO_UPDATE_TEXTURE = (
    f'<path d="M-1,7 l2,2 M0,0 l8,8 M7,-1 l2,2" stroke="{NO_UPDATE_INK}" stroke-width="1.2"/>'
)


@dataclass(frozen=True)
class ChartTable:
    """The chart's numbers as a table: a row per quarter, a column per status."""

    columns: tuple[str, ...]  # status labels, then "No approved update"
    column_keys: tuple[str, ...]  # status keys, then "none": for the tags' classes
    rows: tuple[tuple[str, tuple[int, ...], int], ...]  # (quarter, counts, total)


def status_chart_table(
    history: Sequence[QuarterCounts], status_key: Sequence[Status]
) -> ChartTable:
    """The numbers behind `status_chart_svg`, in the same order."""
    return ChartTable(
        columns=(*(status.label for status in status_key), NO_UPDATE_LABEL),
        column_keys=(*(status.key for status in status_key), "none"),
        rows=tuple(
            (entry.quarter, tuple(_counts_in_key_order(entry, status_key)), entry.total)
            for entry in history
        ),
    )


def status_chart_svg(
    history: Sequence[QuarterCounts],
    status_key: Sequence[Status],
    *,
    id_prefix: str = "status-chart",
) -> str:
    """An SVG stacked bar chart of how many recommendations had each status in each quarter.
    `id_prefix` keeps the ids unique if a page has more than one chart."""
    table = status_chart_table(history, status_key)
    series = _series(status_key)
    largest = max((total for _quarter, _counts, total in table.rows), default=0)
    ticks = _ticks(largest)
    scale = PLOT_HEIGHT / ticks[-1]
    plot_width = max(SLOT_WIDTH * len(table.rows), SLOT_WIDTH)
    longest = max(len(label) for _index, (label, _colour, _texture) in series)
    legend_width = LEFT + SWATCH + 10 + round(longest * FONT_SIZE * CHARACTER_WIDTH) + RIGHT
    width = max(LEFT + plot_width + RIGHT, legend_width)
    legend_top = TOP + PLOT_HEIGHT + AXIS_GAP + 12
    height = legend_top + LEGEND_ROW * len(series) + 4
    base = TOP + PLOT_HEIGHT
    p = _attr(id_prefix)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' aria-labelledby="{p}-title {p}-desc" font-size="{FONT_SIZE}">',
        f'<title id="{p}-title">Recommendations by status, quarter by quarter</title>',
        f'<desc id="{p}-desc">{_text(_description(table))}</desc>',
        "<defs>",
        *(_pattern(f"{p}-{index}", colour, texture) for index, (_l, colour, texture) in series),
        "</defs>",
    ]
    # Grid lines and the y axis's numbers.
    for tick in ticks:
        y = base - tick * scale
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_width}" y2="{y:.1f}"'
            f' stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{tick}</text>"
        )
    # The bars, best status at the bottom.
    for position, (quarter, counts, _total) in enumerate(table.rows):
        x = LEFT + position * SLOT_WIDTH + (SLOT_WIDTH - BAR_WIDTH) / 2
        y = base
        for (index, (label, _colour, _texture)), count in zip(series, counts, strict=True):
            if not count:
                continue
            segment = count * scale
            y -= segment
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{BAR_WIDTH}" height="{segment:.1f}"'
                f' fill="url(#{p}-{index})" stroke="{TEXT_COLOUR}" stroke-width="1">'
                f"<title>{_text(f'{quarter}: {label} {count}')}</title></rect>"
            )
            if segment >= LABEL_MIN_HEIGHT:
                parts.append(_count_label(x + BAR_WIDTH / 2, y + segment / 2, count))
        parts.append(
            f'<text x="{x + BAR_WIDTH / 2:.1f}" y="{base + 22}" text-anchor="middle"'
            f' fill="{TEXT_COLOUR}">{_text(quarter)}</text>'
        )
    # Axes and their titles.
    parts += [
        f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_width}" y2="{base}"'
        f' stroke="{TEXT_COLOUR}" stroke-width="2"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="{TEXT_COLOUR}"'
        f' stroke-width="2"/>',
        f'<text x="{LEFT + plot_width / 2:.1f}" y="{base + 46}" text-anchor="middle"'
        f' font-weight="bold" fill="{TEXT_COLOUR}">Quarter</text>',
        f'<text x="0" y="0" transform="translate(20 {TOP + PLOT_HEIGHT / 2:.1f}) rotate(-90)"'
        f' text-anchor="middle" font-weight="bold" fill="{TEXT_COLOUR}">Recommendations</text>',
    ]
    # The legend: a swatch with the same colour and texture, and the status's word.
    for row, (index, (label, _colour, _texture)) in enumerate(series):
        y = legend_top + row * LEGEND_ROW
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="{SWATCH}" height="{SWATCH}"'
            f' fill="url(#{p}-{index})" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
            f'<text x="{LEFT + SWATCH + 10}" y="{y + SWATCH - 4}" fill="{TEXT_COLOUR}">'
            f"{_text(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _series(status_key: Sequence[Status]) -> list[tuple[int, tuple[str, str, str]]]:
    """(index, (label, colour, texture)) for each status in the key, then for no update."""
    series = [
        (status.label, status.colour, TEXTURES[index % len(TEXTURES)])
        for index, status in enumerate(status_key)
    ]
    series.append((NO_UPDATE_LABEL, NO_UPDATE_COLOUR, NO_UPDATE_TEXTURE))
    return list(enumerate(series))


def _counts_in_key_order(entry: QuarterCounts, status_key: Sequence[Status]) -> list[int]:
    by_key = {count.key: count.count for count in entry.counts}
    return [by_key.get(status.key, 0) for status in status_key] + [by_key.get("none", 0)]


def _description(table: ChartTable) -> str:
    if not table.rows:
        return "A stacked bar chart with no quarters to show yet."
    quarters = "; ".join(
        f"{quarter}: "
        + ", ".join(f"{label} {count}" for label, count in zip(table.columns, counts, strict=True))
        for quarter, counts, _total in table.rows
    )
    return (
        "A stacked bar chart with one bar per quarter, showing how many recommendations "
        f"had each status. {quarters}."
    )


def _pattern(pattern_id: str, colour: str, texture: str) -> str:
    return (
        f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="8" height="8">'
        f'<rect width="8" height="8" fill="{_attr(colour)}"/>{texture}</pattern>'
    )


def _count_label(x: float, y: float, count: int) -> str:
    """The count on a white chip, readable on any status colour."""
    chip = 12 + 8 * len(str(count))
    return (
        f'<rect x="{x - chip / 2:.1f}" y="{y - 9:.1f}" width="{chip}" height="18" rx="3"'
        f' fill="#ffffff" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
        f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-weight="bold"'
        f' fill="{TEXT_COLOUR}">{count}</text>'
    )


def _ticks(largest: int) -> list[int]:
    """Whole numbers from 0 to at least `largest`, about five steps apart."""
    magnitude = 1
    while True:
        step = next((m * magnitude for m in (1, 2, 5) if largest <= m * magnitude * 5), None)
        if step is not None:
            break
        magnitude *= 10
    top = max(step, -(-largest // step) * step)
    return list(range(0, top + 1, step))


def _text(value: str) -> str:
    return escape(str(value), quote=False)


def _attr(value: str) -> str:
    return escape(str(value), quote=True)
