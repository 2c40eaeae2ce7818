"""Keeping an uploaded plan for review, saving the reviewer's choices and making the plan
from them: tracker.plan_import.imports and tracker.plan_import.create."""

import json
import sqlite3

import pytest

from tests.test_plan_reading import nel_plan_table, table
from tracker import audit
from tracker.concurrency import StaleChange
from tracker.lifecycle.states import delete_draft
from tracker.plan_import.create import PlanNotMade, create_plan
from tracker.plan_import.imports import (
    board_of_import,
    get_import,
    imports_of_board,
    save_choices,
    start_import,
)
from tracker.plan_import.reading import layout_from_choices, read_plan
from tracker.plan_import.tables import Cell, PlanFileError, Table

HEAD = audit.Actor(user_id=1, board_id=1)
SHA = "a" * 64
NEL_TITLE = (
    "North East Lincolnshire Youth Partnership Board HMIP recommendations implementation plan"
)
# Status and progress given to each recommendation, by number.
PROGRESS = {
    1: ("Green", "Survey of victims and families running since May."),
    2: ("Amber", "Review started; report due in March."),
    3: ("Red", ""),
    4: ("", "Partnership agreement drafted."),
    7: ("Blue", "Policy reviewed and signed off."),
}
# Names written another way (matching people already on the board) or new to the board.
RENAMED = {
    (3, 2): "  PAUL   condon ",  # board champion of 1: Paul Condon, already on the board
    (13, 3): "Alex Newman",  # service champion of 7: new
    (21, 2): "alex  newman",  # board champion of 10: the same new person
}


def nel_with_progress(progress: dict = PROGRESS, renamed: dict = RENAMED) -> Table:
    """North East Lincolnshire's plan with a RAG column, and progress and statuses filled in."""
    rows = []
    for index, row in enumerate(nel_plan_table().rows):
        row = [Cell(RENAMED.get((index, column), cell.text)) for column, cell in enumerate(row)]
        if len(row) == 5:
            number = row[0].text.split(".")[0]
            status, text = progress.get(int(number), ("", "")) if number.isdigit() else ("", "")
            row[4] = Cell(text) if text else row[4]
            row.append(Cell("RAG" if index == 2 else status))
        rows.append(row)
    return Table("Table 1", rows)


@pytest.fixture
def import_id(db):
    return start_import(db, 1, "NEL plan.docx", SHA, [nel_with_progress()], HEAD)


def choose(db, import_id, **changes):
    found = get_import(db, import_id)
    save_choices(db, import_id, found["choices"] | changes, found["fingerprint"], HEAD)


def audit_rows(db, table_name: str, action: str, after_id: int = 0) -> list[dict]:
    """The log's entries for changes of this kind, after the entry `after_id`."""
    return list(
        db.query(
            "SELECT * FROM audit_log WHERE table_name = ? AND action = ? AND id > ?",
            [table_name, action, after_id],
        )
    )


# ----- Keeping an upload ----------------------------------------------------------------------


def test_an_upload_is_kept_with_the_table_header_and_columns_found_and_the_title_above(db):
    tables = [nel_with_progress()]

    import_id = start_import(db, 1, "NEL plan.docx", SHA, tables, HEAD)

    found = get_import(db, import_id)
    assert found["tables"] == tables
    assert found["choices"] == {
        "table": 0,
        "header_row": 2,
        "columns": {
            "recommendation": 0,
            "key_lines_of_enquiry": 1,
            "board_champion": 2,
            "service_champion": 3,
            "progress": 4,
            "status": 5,
        },
        "quarter": None,
        "title": NEL_TITLE,
        "inspection_id": 1,  # the board's inspection report, the latest it has
        "add_missing": True,
    }
    assert (found["filename"], found["board_id"], found["plan_id"]) == ("NEL plan.docx", 1, None)
    assert board_of_import(db, import_id) == 1
    assert [row["id"] for row in imports_of_board(db, 1)] == [import_id]
    assert imports_of_board(db, 1)[0]["title"] == NEL_TITLE
    (logged,) = audit_rows(db, "plan_imports", "insert")
    assert (logged["row_id"], logged["user_id"]) == (import_id, 1)


def test_without_a_title_over_the_header_the_plan_is_named_after_the_file(db):
    plan = table(["Recommendation", "Lead"], ["1. Do better", "Jo Lawson"])

    import_id = start_import(db, 1, "Our_plan 2024.xlsx", SHA, [plan], HEAD)

    assert get_import(db, import_id)["choices"]["title"] == "Our plan 2024"


def test_the_same_file_uploaded_again_for_the_board_returns_the_first_upload(db, count_rows):
    first = start_import(db, 1, "NEL plan.docx", SHA, [nel_with_progress()], HEAD)
    before = count_rows()

    again = start_import(db, 1, "renamed.docx", SHA, [nel_with_progress()], HEAD)

    assert again == first
    assert count_rows() == before
    assert get_import(db, first)["filename"] == "NEL plan.docx"


def test_a_file_without_a_recommendation_column_is_refused_and_nothing_kept(db, count_rows):
    before = count_rows()

    with pytest.raises(PlanFileError, match="Recommendation"):
        start_import(db, 1, "minutes.csv", SHA, [table(["Item", "Owner"], ["1", "Jo"])], HEAD)

    assert count_rows() == before


def test_an_import_that_is_not_there_is_none(db):
    assert get_import(db, 999) is None
    assert board_of_import(db, 999) is None


# ----- The reviewer's choices -----------------------------------------------------------------


def test_choices_are_kept_tidied_with_a_new_fingerprint_and_logged(db, import_id):
    seen = get_import(db, import_id)

    choices = seen["choices"] | {"quarter": " 2022/23 q3 ", "title": "  Our   plan "}
    choices["columns"] = {"recommendation": "0", "service_champion": 3, "status": None}
    save_choices(db, import_id, choices, seen["fingerprint"], HEAD)

    saved = get_import(db, import_id)
    assert saved["choices"] == {
        "table": 0,
        "header_row": 2,
        "columns": {"recommendation": 0, "service_champion": 3},
        "quarter": "2022/23 Q3",
        "title": "Our plan",
        "inspection_id": 1,
        "add_missing": True,
    }
    assert saved["fingerprint"] != seen["fingerprint"]
    assert len(audit_rows(db, "plan_imports", "update")) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"table": 1}, "table"),
        ({"table": -1}, "table"),
        ({"header_row": 22}, "header row"),
        ({"header_row": "two"}, "header row"),
        ({"columns": {"recommendation": 6}}, "recommendations"),
        ({"columns": {"recommendation": 0, "progress": 9}}, "progress"),
        ({"columns": {"key_lines_of_enquiry": 1}}, "Choose the column that holds the rec"),
        ({"columns": {"recommendation": 0, "board_champion": 0}}, "both"),
        ({"columns": {"recommendation": 0, "favourite_colour": 1}}, "favourite_colour"),
        ({"quarter": "Q3 2022"}, "quarter"),
        ({"quarter": "2022/24 Q3"}, "quarter"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "300"),
    ],
)
def test_choices_that_cannot_be_used_are_refused_and_nothing_changes(
    db, import_id, count_rows, changes, message
):
    seen = get_import(db, import_id)
    before = count_rows()

    with pytest.raises(PlanFileError, match=message):
        save_choices(db, import_id, seen["choices"] | changes, seen["fingerprint"], HEAD)

    assert get_import(db, import_id)["choices"] == seen["choices"]
    assert count_rows() == before


def test_choices_saved_by_someone_else_meanwhile_are_not_overwritten(db, import_id):
    seen = get_import(db, import_id)
    choose(db, import_id, title="Someone else's title")

    with pytest.raises(StaleChange):
        save_choices(db, import_id, seen["choices"] | {"title": "Mine"}, seen["fingerprint"], HEAD)

    assert get_import(db, import_id)["choices"]["title"] == "Someone else's title"


def test_choices_cannot_change_once_the_plan_is_made(db, import_id):
    create_plan(db, import_id, HEAD)
    seen = get_import(db, import_id)

    with pytest.raises(PlanFileError, match="plan has been made"):
        save_choices(db, import_id, seen["choices"] | {"title": "Late"}, seen["fingerprint"], HEAD)

    assert get_import(db, import_id)["choices"] == seen["choices"]


def test_the_plan_is_read_with_the_columns_the_reviewer_chose():
    tables = [table(["Recommendation", "Board lead", "Officer"], ["1. Do better", "Jo", "Kim"])]
    # Read as they are found, the board lead is the board champion; the reviewer says otherwise.
    chosen = {"table": 0, "header_row": 0, "columns": {"recommendation": 0, "board_champion": 2}}

    plan = read_plan(tables, layout_from_choices(tables, chosen))

    assert read_plan(tables)["recommendations"][0]["board_champions"] == ["Jo"]
    assert plan["recommendations"][0]["board_champions"] == ["Kim"]
    assert plan["recommendations"][0]["service_champions"] == []


# ----- Making the plan ------------------------------------------------------------------------


def test_the_plan_is_made_as_a_draft_with_recommendations_key_lines_and_champions(db, import_id):
    people_before = {row["name"]: row["id"] for row in db.query("SELECT id, name FROM people")}
    choose(db, import_id, quarter="2022/23 Q3", title="NEL plan from Word", inspection_id=None)

    plan_id = create_plan(db, import_id, HEAD)

    plan = db["plans"].get(plan_id)
    assert (plan["board_id"], plan["state"], plan["title"]) == (1, "draft", "NEL plan from Word")
    assert plan["inspection_id"] is None
    recommendations = list(
        db.query("SELECT * FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id])
    )
    assert [r["number"] for r in recommendations] == list(range(1, 11))
    assert {r["origin"] for r in recommendations} == {"inspectorate"}
    assert {r["addressee"] for r in recommendations} == {None}
    assert recommendations[8]["text"] == "Board development"
    key_lines = [
        db.execute(
            "SELECT count(*) FROM key_lines WHERE recommendation_id = ?", [r["id"]]
        ).fetchone()[0]
        for r in recommendations
    ]
    assert key_lines == [2, 1, 1, 3, 1, 2, 5, 1, 4, 2]

    def champions(number: int, kind: str) -> list[int]:
        return [
            row[0]
            for row in db.execute(
                "SELECT person_id FROM champions WHERE recommendation_id = ? AND kind = ?"
                " ORDER BY position",
                [recommendations[number - 1]["id"], kind],
            )
        ]

    newman = db.execute("SELECT id FROM people WHERE name = 'Alex Newman'").fetchone()[0]
    assert champions(1, "board") == [people_before["Paul Condon"]]
    assert champions(3, "board") == [
        people_before[name] for name in ("Karen Linton", "Steve Ryder", "Rebecca Taylor")
    ]
    assert champions(4, "board") == []  # TBC
    assert champions(8, "board") == [
        people_before[n] for n in ("Nick Hamilton Rudd", "Paul Caswell")
    ]
    assert champions(7, "service") == [newman]
    assert champions(10, "board") == [newman]
    people_after = [row["name"] for row in db.query("SELECT name FROM people WHERE board_id = 1")]
    assert sorted(people_after) == sorted([*people_before, "Alex Newman"])
    assert get_import(db, import_id)["plan_id"] == plan_id


def test_statuses_and_progress_become_approved_updates_for_the_quarter_chosen(db, import_id):
    choose(db, import_id, quarter="2022/23 Q3")

    plan_id = create_plan(db, import_id, HEAD)

    (quarter,) = db.query("SELECT * FROM quarters WHERE plan_id = ?", [plan_id])
    assert (quarter["label"], quarter["starts_on"]) == ("2022/23 Q3", "2022-10-01")
    updates = list(
        db.query(
            "SELECT recommendations.number, progress_updates.* FROM progress_updates"
            " JOIN recommendations ON recommendations.id = recommendation_id"
            " WHERE plan_id = ? ORDER BY number",
            [plan_id],
        )
    )
    assert [(u["number"], u["status"], u["narrative"]) for u in updates] == [
        (1, "green", PROGRESS[1][1]),
        (2, "amber", PROGRESS[2][1]),
        (3, "red", ""),
        (4, None, PROGRESS[4][1]),
        (7, "blue", PROGRESS[7][1]),
    ]
    assert {
        (u["state"], u["revision"], u["imported_from"], u["author_id"], u["quarter_id"])
        for u in updates
    } == {("approved", 1, import_id, 1, quarter["id"])}
    assert db["plans"].get(plan_id)["period"] == "2022-2023"


def test_without_a_quarter_the_plan_is_made_without_updates(db, import_id):
    plan_id = create_plan(db, import_id, HEAD)

    assert (
        db.execute("SELECT count(*) FROM quarters WHERE plan_id = ?", [plan_id]).fetchone()[0] == 0
    )
    assert (
        db.execute(
            "SELECT count(*) FROM progress_updates WHERE imported_from = ?", [import_id]
        ).fetchone()[0]
        == 0
    )


def test_making_the_plan_again_returns_the_same_plan_and_makes_nothing(db, import_id, count_rows):
    choose(db, import_id, quarter="2022/23 Q3")
    plan_id = create_plan(db, import_id, HEAD)
    before = count_rows()

    assert create_plan(db, import_id, HEAD) == plan_id
    assert count_rows() == before


def test_making_the_plan_is_logged_against_the_actor(db, import_id):
    choose(db, import_id, quarter="2022/23 Q3")
    last = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]

    plan_id = create_plan(db, import_id, HEAD)

    def logged(table_name: str, action: str = "insert") -> list[dict]:
        return audit_rows(db, table_name, action, last)

    (plan_logged,) = logged("plans")
    assert (plan_logged["row_id"], plan_logged["user_id"]) == (plan_id, 1)
    assert len(logged("recommendations")) == 10
    assert len(logged("key_lines")) == 22
    assert len(logged("people")) == 1
    assert len(logged("quarters")) == 1
    assert len(logged("progress_updates")) == 5
    (import_logged,) = logged("plan_imports", "update")
    assert json.loads(import_logged["after"])["plan_id"] == plan_id


def test_a_status_not_in_the_boards_key_stops_the_plan_half_way_and_nothing_is_made(
    db, import_id, count_rows
):
    # The board's key has no Blue: recommendation 7's status cannot be kept, after six
    # recommendations (and a new person) have been written.
    with db.conn:
        for position, (key, colour) in enumerate(
            [("green", "#00703c"), ("amber", "#ffbf47"), ("red", "#d4351c")], start=1
        ):
            db["status_keys"].insert(
                {
                    "board_id": 1,
                    "key": key,
                    "label": key.title(),
                    "meaning": "",
                    "colour": colour,
                    "position": position,
                }
            )
    choose(db, import_id, quarter="2022/23 Q3")
    before = count_rows()

    with pytest.raises(PlanNotMade, match="Recommendation 7 is Blue"):
        create_plan(db, import_id, HEAD)

    assert count_rows() == before
    assert get_import(db, import_id)["plan_id"] is None


# ----- Deleting the draft ---------------------------------------------------------------------
# A draft made from the board's plan goes with its imported history, and can be made again;
# history stays append-only everywhere else.


def updates_of(db, plan_id: int) -> list[int]:
    return [
        row[0]
        for row in db.execute(
            "SELECT progress_updates.id FROM progress_updates JOIN recommendations"
            " ON recommendations.id = recommendation_id WHERE plan_id = ?",
            [plan_id],
        )
    ]


def test_an_imported_draft_is_deleted_with_its_history_and_can_be_made_again(db, import_id):
    choose(db, import_id, quarter="2022/23 Q3")
    plan_id = create_plan(db, import_id, HEAD)
    assert len(updates_of(db, plan_id)) == 5

    delete_draft(db, plan_id, HEAD)

    assert db.execute("SELECT count(*) FROM plans WHERE id = ?", [plan_id]).fetchone()[0] == 0
    assert updates_of(db, plan_id) == []
    assert get_import(db, import_id)["plan_id"] is None
    again = create_plan(db, import_id, HEAD)
    assert len(updates_of(db, again)) == 5


def test_imported_history_of_a_plan_that_went_live_is_never_deleted(db, import_id):
    choose(db, import_id, quarter="2022/23 Q3")
    plan_id = create_plan(db, import_id, HEAD)
    db.execute(
        "UPDATE plans SET state = 'live', went_live_at = '2026-12-01' WHERE id = ?", [plan_id]
    )
    db.conn.commit()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM progress_updates WHERE id = ?", [updates_of(db, plan_id)[0]])


def test_an_update_written_in_the_tracker_is_never_deleted(db):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM progress_updates WHERE id = 1")


# ----- Several quarters and actions -----------------------------------------------------------

QUARTERLY_HEADER = ["Recommendation", "Actions", "Target date", "Q1 update", "Q2 RAG", "Q2 update"]
QUARTERLY_ROWS = [
    ["1. Develop a victims offer", "Survey victims\nTrain staff", "31/03/2023", "Planned", "A", ""],
    ["2. Review out of court work", "", "", "", "Green", "Panel reviewed"],
    ["3. Improve education links", "Agree protocol", "Ongoing", "", "", ""],
]


@pytest.fixture
def quarterly_import(db):
    found = [table(QUARTERLY_HEADER, *QUARTERLY_ROWS)]
    import_id = start_import(db, 1, "quarters.xlsx", SHA, found, HEAD)
    choose(db, import_id, quarter="2022/23 Q2")
    return import_id


def test_a_plan_with_a_column_a_quarter_gives_an_update_in_each_quarter(db, quarterly_import):
    plan_id = create_plan(db, quarterly_import, HEAD)

    updates = list(
        db.query(
            "SELECT number, label, status, narrative, state, imported_from FROM progress_updates"
            " JOIN recommendations ON recommendations.id = recommendation_id"
            " JOIN quarters ON quarters.id = quarter_id WHERE recommendations.plan_id = ?"
            " ORDER BY number, starts_on",
            [plan_id],
        )
    )
    assert [(u["number"], u["label"], u["status"], u["narrative"]) for u in updates] == [
        (1, "2022/23 Q1", None, "Planned"),
        (1, "2022/23 Q2", "amber", ""),
        (2, "2022/23 Q2", "green", "Panel reviewed"),
    ]
    assert {(u["state"], u["imported_from"]) for u in updates} == {("approved", quarterly_import)}
    labels = db.execute(
        "SELECT label FROM quarters WHERE plan_id = ? ORDER BY starts_on", [plan_id]
    )
    assert [row[0] for row in labels] == ["2022/23 Q1", "2022/23 Q2"]


def test_actions_are_made_with_their_target_dates(db, quarterly_import):
    plan_id = create_plan(db, quarterly_import, HEAD)

    actions = db.query(
        "SELECT number, actions.text, target_date, status FROM actions"
        " JOIN recommendations ON recommendations.id = recommendation_id"
        " WHERE plan_id = ? ORDER BY number, actions.position",
        [plan_id],
    )
    assert [tuple(action.values()) for action in actions] == [
        (1, "Survey victims", "2023-03-31", "not started"),
        (1, "Train staff", "2023-03-31", "not started"),
        (3, "Agree protocol (target: Ongoing)", None, "not started"),
    ]


def test_an_action_too_long_makes_nothing(db, count_rows):
    rows = [["1. Develop", "x" * 2001, "", "", "", ""]]
    import_id = start_import(db, 1, "long.csv", SHA, [table(QUARTERLY_HEADER, *rows)], HEAD)
    before = count_rows()

    with pytest.raises(PlanNotMade, match="An action of recommendation 1 is longer than 2,000"):
        create_plan(db, import_id, HEAD)
    assert count_rows() == before


# ----- The inspection report -------------------------------------------------------------------


def report_plan(db) -> list[dict]:
    """The recommendations of the plan the demo made from its inspection report."""
    return list(
        db.query(
            "SELECT * FROM recommendations WHERE plan_id ="
            " (SELECT min(id) FROM plans WHERE inspection_id = 1) ORDER BY position"
        )
    )


def test_the_plan_is_linked_to_the_boards_inspection_report(db, import_id):
    plan_id = create_plan(db, import_id, HEAD)

    assert db["plans"].get(plan_id)["inspection_id"] == 1
    made = list(
        db.query("SELECT * FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id])
    )
    report = {r["number"]: r for r in report_plan(db)}
    assert [r["origin"] for r in made] == ["inspectorate"] * 8 + ["local"] * 2
    for recommendation in made[:8]:
        source = report[recommendation["number"]]
        assert recommendation["source_position"] == source["source_position"] is not None
        assert recommendation["addressee"] == source["addressee"]
    assert (made[8]["source_position"], made[9]["source_position"]) == (None, None)
    key_lines = list(
        db.query(
            "SELECT key_lines.text, findings.text AS finding FROM key_lines"
            " JOIN recommendations ON recommendations.id = recommendation_id"
            " LEFT JOIN findings ON findings.id = finding_id WHERE plan_id = ?",
            [plan_id],
        )
    )
    assert len(key_lines) == 22
    assert all(line["finding"] for line in key_lines)
    assert len(made) == 10  # nothing of the report was missing


def without_rows(numbers: set[int]) -> Table:
    """The NEL plan without the rows of these recommendations."""
    rows = [
        row
        for row in nel_with_progress().rows
        if not (row[0].text.split(".")[0].isdigit() and int(row[0].text.split(".")[0]) in numbers)
    ]
    return Table("Table 1", rows)


@pytest.mark.parametrize("add_missing", [True, False])
def test_the_reports_recommendations_missing_from_the_plan_are_added_unless_declined(
    db, add_missing
):
    import_id = start_import(db, 1, "short.docx", SHA, [without_rows({2, 5})], HEAD)
    choose(db, import_id, add_missing=add_missing)

    plan_id = create_plan(db, import_id, HEAD)

    made = list(
        db.query("SELECT * FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id])
    )
    numbers = [r["number"] for r in made]
    assert numbers == [1, 3, 4, 6, 7, 8, 9, 10] + ([2, 5] if add_missing else [])
    if add_missing:
        report = {r["number"]: r for r in report_plan(db)}
        for added in made[-2:]:
            source = report[added["number"]]
            assert (added["text"], added["origin"]) == (source["text"], "inspectorate")
            copied = db.execute(
                "SELECT text, finding_id FROM key_lines WHERE recommendation_id = ?"
                " ORDER BY position",
                [added["id"]],
            ).fetchall()
            original = db.execute(
                "SELECT text, finding_id FROM key_lines WHERE recommendation_id = ?"
                " ORDER BY position",
                [source["id"]],
            ).fetchall()
            assert copied == original and copied


def test_a_plan_not_linked_to_the_report_keeps_no_link(db, import_id):
    choose(db, import_id, inspection_id=None)

    plan_id = create_plan(db, import_id, HEAD)

    assert db["plans"].get(plan_id)["inspection_id"] is None
    linked = db.execute(
        "SELECT count(*) FROM key_lines JOIN recommendations ON recommendations.id ="
        " recommendation_id WHERE plan_id = ? AND finding_id IS NOT NULL",
        [plan_id],
    ).fetchone()[0]
    assert linked == 0


@pytest.mark.parametrize("inspection_id", [999, "1; DROP TABLE plans", True, 1.5])
def test_an_inspection_not_of_the_board_is_refused(db, import_id, inspection_id):
    found = get_import(db, import_id)

    with pytest.raises(PlanFileError, match="Choose one of the board's inspection reports"):
        save_choices(
            db,
            import_id,
            found["choices"] | {"inspection_id": inspection_id},
            found["fingerprint"],
            HEAD,
        )
    assert get_import(db, import_id)["choices"] == found["choices"]


def test_another_boards_inspection_is_refused(db, import_id):
    db.execute("INSERT INTO boards (id, name) VALUES (77, 'Elsewhere')")
    db.execute("INSERT INTO services (id, board_id, name) VALUES (77, 77, 'Elsewhere YJS')")
    db.execute(
        "INSERT INTO inspections (id, service_id, inspectorate, title) VALUES (77, 77, 'HMIP', 'X')"
    )
    db.conn.commit()
    found = get_import(db, import_id)

    with pytest.raises(PlanFileError, match="Choose one of the board's inspection reports"):
        save_choices(
            db, import_id, found["choices"] | {"inspection_id": 77}, found["fingerprint"], HEAD
        )
