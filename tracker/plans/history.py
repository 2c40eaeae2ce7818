"""What each save of a progress update changed from the one before it, for the history page.

Pure: no Flask, no database. Every revision is kept in full; this names what moved between
two of them, so a long history can be read without comparing the words by eye.
"""

# The parts of an update someone writes, in the order and words of the update form.
WRITTEN_PARTS = (
    ("status", "Status"),
    ("narrative", "Progress this quarter"),
    ("impact", "Impact and evidence"),
    ("next_steps", "Next steps"),
    ("corrective_action", "Corrective action"),
)


def changed_parts(older: dict | None, newer: dict) -> list[str]:
    """The parts of the update, named as the form names them, that `newer` changed from
    `older`; for the first revision (no `older`), every part it has something in."""
    return [
        name
        for column, name in WRITTEN_PARTS
        if (newer.get(column) or "") != ((older or {}).get(column) or "")
    ]
