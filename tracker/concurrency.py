"""Guarding against lost updates: a form carries a fingerprint of the data it was built from,
and the change is refused if the data no longer matches it."""

import hashlib
import json


class StaleChange(Exception):
    """The data changed after the user loaded the form they are submitting."""


def stale_change_message(what: str) -> str:
    """What to tell someone whose change was refused because `what` changed meanwhile."""
    return (
        f"Someone else changed {what} while you were editing. "
        "Here they are as they are now: check them and save again."
    )


def fingerprint(data: object) -> str:
    """A short digest of `data` (anything JSON can hold)."""
    encoded = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def check_unchanged(current: object, seen_fingerprint: str) -> None:
    """Raise StaleChange unless `current` still has the fingerprint the user saw."""
    if fingerprint(current) != seen_fingerprint:
        raise StaleChange
