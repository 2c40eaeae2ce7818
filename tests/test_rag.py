"""The BRAG key: every status has a word and a meaning as well as a colour."""

from tracker.rag import DEFAULT_KEY, status_for


def test_the_default_key_is_blue_green_amber_red_with_meanings():
    assert [(s.label, s.meaning) for s in DEFAULT_KEY] == [
        ("Blue", "Complete"),
        ("Green", "On track"),
        ("Amber", "At risk or behind"),
        ("Red", "Off track or not started"),
    ]
    assert len({status.colour for status in DEFAULT_KEY}) == len(DEFAULT_KEY)


def test_a_stored_key_finds_its_status_and_anything_else_finds_none():
    assert status_for("amber").label == "Amber"
    assert status_for(None) is None
    assert status_for("purple") is None


def test_the_plan_page_prints_the_word_beside_every_colour(signed_in):
    page = signed_in("scrutiny").get("/plans/1").text
    for status in DEFAULT_KEY:
        assert f'app-status--{status.key}">{status.label}' in page
        assert status.meaning in page


def test_direction_of_travel_compares_two_quarters_best_first():
    from tracker.rag import IMPROVING, NEW, NONE, UNCHANGED, WORSENING, direction

    assert direction("red", "amber") == IMPROVING
    assert direction("green", "blue") == IMPROVING
    assert direction("green", "red") == WORSENING
    assert direction("amber", "amber") == UNCHANGED
    assert direction(None, "green") == NEW
    assert direction("green", None) == NONE
    for moved in (IMPROVING, WORSENING, UNCHANGED, NEW, NONE):
        assert moved.word and moved.arrow  # never an arrow without its word
