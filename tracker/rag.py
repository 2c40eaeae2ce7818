"""The BRAG status key: the words, meanings and colours a board uses for progress.

Status is never shown by colour alone: every use prints the label too.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    key: str  # stored in the database: "red"
    label: str  # shown and printed: "Red"
    meaning: str
    colour: str  # a CSS colour for print and charts


DEFAULT_KEY: tuple[Status, ...] = (
    Status("blue", "Blue", "Complete", "#1d70b8"),
    Status("green", "Green", "On track", "#00703c"),
    Status("amber", "Amber", "At risk or behind", "#f47738"),
    Status("red", "Red", "Off track or not started", "#d4351c"),
)


def status_for(key: str | None, status_key: tuple[Status, ...] = DEFAULT_KEY) -> Status | None:
    """The status with this stored key, or None for no status."""
    return next((status for status in status_key if status.key == key), None)
