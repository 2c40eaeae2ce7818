"""The BRAG status key: the words, meanings and colours a board uses for progress, and the
direction of travel between two quarters.

Status is never shown by colour alone: every use prints the label too.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    key: str  # stored in the database: "red"
    label: str  # shown and printed: "Red"
    meaning: str
    colour: str  # a CSS colour for print and charts


# Best first. A board may rename, re-explain, recolour or drop Blue (see boards.status_key_of).
DEFAULT_KEY: tuple[Status, ...] = (
    Status("blue", "Blue", "Complete", "#1d70b8"),
    Status("green", "Green", "On track", "#00703c"),
    Status("amber", "Amber", "At risk or behind", "#f47738"),
    Status("red", "Red", "Off track or not started", "#d4351c"),
)
STATUS_KEYS = tuple(status.key for status in DEFAULT_KEY)


@dataclass(frozen=True)
class Direction:
    arrow: str  # "↑"
    word: str  # "Improving": always printed beside the arrow


IMPROVING = Direction("↑", "Improving")
WORSENING = Direction("↓", "Worsening")
UNCHANGED = Direction("→", "No change")
NEW = Direction("•", "No earlier status")
NONE = Direction("\u2013", "No status this quarter")  # an en dash


def status_for(key: str | None, status_key: tuple[Status, ...] = DEFAULT_KEY) -> Status | None:
    """The status with this stored key, or None for no status."""
    return next((status for status in status_key if status.key == key), None)


def direction(
    previous: str | None, current: str | None, status_key: tuple[Status, ...] = DEFAULT_KEY
) -> Direction:
    """How a recommendation moved from last quarter's status to this quarter's."""
    order = [status.key for status in status_key]
    if current not in order:
        return NONE
    if previous not in order:
        return NEW
    change = order.index(previous) - order.index(current)  # best first, so lower is better
    return IMPROVING if change > 0 else WORSENING if change < 0 else UNCHANGED


def status_key_problems(statuses: list[dict]) -> dict[str, str]:
    """What is wrong with a board's edited key ({field id: message}); empty when it can be
    saved. Each status needs words and a meaning, a colour like #d4351c, and a place in the
    order; only Blue may be left out, as councils differ on whether they use it."""
    problems = {}
    positions = [status.get("position") for status in statuses if status.get("in_use")]
    for status in statuses:
        key, in_use = status["key"], status.get("in_use")
        if not in_use and key != "blue":
            problems[f"{key}-in_use"] = f"{key.capitalize()} must stay in the key"
            continue
        # Blue left out of the key keeps what is entered for it, so that must fit too.
        label, meaning = (status.get("label") or "").strip(), (status.get("meaning") or "").strip()
        colour = status.get("colour") or ""
        if (in_use and not label) or len(label) > 40:
            problems[f"{key}-label"] = "Enter the status's name, in 40 characters or fewer"
        if (in_use and not meaning) or len(meaning) > 200:
            problems[f"{key}-meaning"] = "Enter what the status means, in 200 characters or fewer"
        if (in_use or colour) and not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            problems[f"{key}-colour"] = "Enter the colour as # and six hex digits, like #d4351c"
        if in_use and status.get("position") not in range(1, len(statuses) + 1):
            problems[f"{key}-position"] = "Choose a place in the order"
    if not problems and len(set(positions)) != len(positions):
        problems["green-position"] = "Give each status its own place in the order"
    return problems
