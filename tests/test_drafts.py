"""The draft plan's pure operations and champion suggestions."""

import pytest

from tracker.reports.drafts import (
    DraftError,
    add_local,
    delete,
    merge_with_next,
    move,
    split,
    suggest_champions,
)

PEOPLE = [
    {
        "id": 1,
        "name": "Supt Paul French",
        "job_title": "Superintendent",
        "organisation": "Humberside Police",
    },
    {
        "id": 2,
        "name": "Gemma Woods",
        "job_title": "Head of Probation Delivery",
        "organisation": "Probation Service",
    },
    {
        "id": 3,
        "name": "Paul Caswell",
        "job_title": "Head of Service",
        "organisation": "North East Lincolnshire Council",
    },
    {"id": 4, "name": "Chris Chair", "job_title": "Chair", "organisation": "Partnership Board"},
]


@pytest.mark.parametrize(
    ("addressee", "board", "service"),
    [
        ("Humberside Constabulary", [1], []),
        ("The Probation Service", [2], []),
        ("The North East Lincolnshire Youth Offending Service", [], [3]),
        ("The Partnership Board", [4], []),
        ("The Lord Mayor", [], []),
        (None, [], []),
    ],
)
def test_champions_are_suggested_from_the_addressee(addressee, board, service):
    assert suggest_champions(addressee, PEOPLE) == {
        "board_champions": board,
        "service_champions": service,
    }


def draft_of(*texts: str) -> dict:
    return {
        "recommendations": [
            {
                "key": f"k{n}",
                "number": n,
                "addressee": "",
                "text": text,
                "origin": "inspectorate",
                "source_position": n * 100,
                "suggested": [],
                "key_lines": [{"finding": n, "text": "x"}],
                "board_champions": [n],
                "service_champions": [],
            }
            for n, text in enumerate(texts, start=1)
        ]
    }


def texts(draft) -> list[str]:
    return [r["text"] for r in draft["recommendations"]]


def test_moving_swaps_neighbours_and_stops_at_the_ends():
    draft = draft_of("a", "b", "c")
    assert texts(move(draft, "k3", -1)) == ["a", "c", "b"]
    assert texts(move(draft, "k1", -1)) == ["a", "b", "c"]
    assert texts(draft) == ["a", "b", "c"]  # the original is untouched


def test_merging_joins_text_key_lines_and_champions():
    merged = merge_with_next(draft_of("first", "second"), "k1")["recommendations"]
    assert len(merged) == 1 and merged[0]["text"] == "first second"
    assert merged[0]["board_champions"] == [1, 2] and len(merged[0]["key_lines"]) == 2
    with pytest.raises(DraftError, match="nothing after it"):
        merge_with_next(draft_of("only"), "k1")


def test_splitting_needs_a_blank_line_and_keeps_the_rest():
    draft = draft_of("one part\n\nanother part", "b")
    assert texts(split(draft, "k1")) == ["one part", "another part", "b"]
    with pytest.raises(DraftError, match="blank line"):
        split(draft_of("no blank line"), "k1")


def test_deleting_and_adding_the_boards_own():
    draft = add_local(delete(draft_of("a", "b"), "k1"), "  Board development ")
    added = draft["recommendations"][-1]
    assert texts(draft) == ["b", "Board development"]
    assert (added["origin"], added["number"], added["source_position"]) == ("local", 3, None)
    with pytest.raises(DraftError, match="Enter the text"):
        add_local(draft, "   ")
    with pytest.raises(DraftError, match="no longer in the draft"):
        delete(draft, "k1")
