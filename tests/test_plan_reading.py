"""Reading a board's existing plan table: tracker.plan_import.reading."""

import json
import re
import time
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from tracker.plan_import.cells import (
    read_champions,
    read_target_date,
    split_champions,
    status_of_fill,
    status_of_words,
)
from tracker.plan_import.reading import field_of_header, find_layout, read_plan
from tracker.plan_import.tables import Cell, PlanFileError, Table

NEL_PLAN = Path("/work/shared/reports/north-east-lincolnshire-2022-with-plan.txt")
NEL_PLAN_FIRST_LINE = 1483
# The text version loses the paragraphs that separate names in these cells of the Word file.
NEL_NAMES_IN_ONE_CELL = {
    "Karen Linton Steve Ryder Rebecca Taylor": "Karen Linton\nSteve Ryder\nRebecca Taylor",
    "Paul Caswell Marie Anne Hall": "Paul Caswell\nMarie Anne Hall",
}
# Each recommendation's champions in North East Lincolnshire's published plan.
NEL_CHAMPIONS = {
    "board": [
        ["Paul Condon"],
        ["Spencer Hunt"],
        ["Karen Linton", "Steve Ryder", "Rebecca Taylor"],
        [],
        ["Supt Paul French"],
        ["Paul Caswell", "Marie Anne Hall"],
        ["Gemma Woods"],
        ["Nick Hamilton Rudd", "Paul Caswell"],
        ["Nick Hamilton Rudd"],
        ["Donna Abernethie"],
    ],
    "service": [
        ["Lynne Macpherson"],
        ["Rachael Maeers"],
        ["Jo Lawson"],
        ["Donna Abernethie"],
        ["Paul Caswell"],
        [],
        ["Zoe Grindle"],
        ["Lynne Macpherson"],
        ["Paul Caswell", "Marie Anne Hall"],
        ["Zoe Grindle"],
    ],
}
HEADER = ["Recommendations", "Key lines", "Board champion", "Service champion", "RAG", "Progress"]


def nel_plan_table() -> Table:
    """North East Lincolnshire's plan as its Word table reads: one row per line of the text,
    cells split by tabs, paragraphs ("<p>...</p>") as lines."""
    lines = NEL_PLAN.read_text(encoding="utf-8").splitlines()[NEL_PLAN_FIRST_LINE - 1 :]
    rows = [[Cell(_cell_text(text)) for text in line.split("\t")] for line in lines]
    return Table("Table 1", rows)


def _cell_text(text: str) -> str:
    paragraphs = re.findall(r"<p>(.*?)</p>", text) if "<p>" in text else [text]
    lines = "\n".join(paragraph.strip() for paragraph in paragraphs)
    return NEL_NAMES_IN_ONE_CELL.get(lines, lines)


def table(*rows: list, name: str = "Plan") -> Table:
    """A table from rows of texts, or of (text, fill) for a shaded cell."""
    return Table(
        name,
        [[Cell(*cell) if isinstance(cell, tuple) else Cell(cell) for cell in row] for row in rows],
    )


def test_all_ten_north_east_lincolnshire_recommendations_are_read_as_published():
    plan = read_plan([nel_plan_table()])

    assert plan["columns"] == {
        "recommendation": "Recommendations",
        "key_lines_of_enquiry": "Key lines of enquiry in report.",
        "board_champion": "Board champion",
        "service_champion": "Youth Justice Service champion",
        "progress": "Progress",
    }
    recommendations = plan["recommendations"]
    assert [r["number"] for r in recommendations] == list(range(1, 11))
    assert [r["board_champions"] for r in recommendations] == NEL_CHAMPIONS["board"]
    assert [r["service_champions"] for r in recommendations] == NEL_CHAMPIONS["service"]
    assert [len(r["key_lines_of_enquiry"]) for r in recommendations] == [
        2,
        1,
        1,
        3,
        1,
        2,
        5,
        1,
        4,
        2,
    ]
    assert recommendations[0]["text"] == (
        "Develop a formal mechanism for gathering, collating, and analysing the views of "
        "victims, children, and parents or carers to inform service delivery"
    )
    assert recommendations[3]["key_lines_of_enquiry"][2].startswith("Contingency planning needs")
    assert recommendations[8]["text"] == "Board development"
    assert all(r["status"] is None and r["progress"] == "" for r in recommendations)
    assert plan["warnings"] == []


def test_rows_split_by_a_page_break_are_joined_and_the_repeated_title_skipped():
    recommendations = read_plan([nel_plan_table()])["recommendations"]

    assert recommendations[5]["text"] == (
        "Develop data analysis processes to enable it to scrutinise and explore trends in "
        "data and desistance factors."
    )
    assert recommendations[5]["key_lines_of_enquiry"][0] == (
        "The board needs to support the service to identify and scrutinise data trends to "
        "deliver services effectively."
    )
    assert recommendations[8]["key_lines_of_enquiry"][2:] == [
        "Some policies and protocols require review to ensure that they are tailored to the "
        "service, reflect the high standard of practice being delivered, and clearly map out "
        "provisions for both youth justice and early help",
        "The Out of Court / Diversion policy needs to provide more clarity on how long "
        "diversions cases remain open and ensure practitioners are aware of this",
    ]
    assert not any("Partnership Board" in r["text"] for r in recommendations)


def test_a_header_repeated_after_a_page_break_is_skipped():
    nel = nel_plan_table()
    header = nel.rows[2]
    rows = [*nel.rows[:12], header, *nel.rows[12:]]

    plan = read_plan([Table("Table 1", rows)])

    assert [r["number"] for r in plan["recommendations"]] == list(range(1, 11))
    assert "Paul Caswell" in plan["recommendations"][5]["board_champions"]


@pytest.mark.parametrize(
    "header, field",
    [
        ("Recommendation(s)", "recommendation"),
        ("HMIP Recommendation", "recommendation"),
        ("Recommendation from report", "recommendation"),
        ("Action", "actions"),
        ("What we will do", "actions"),
        ("KLOE", "key_lines_of_enquiry"),
        ("Areas for improvement", "key_lines_of_enquiry"),
        ("Findings", "key_lines_of_enquiry"),
        ("Board champion", "board_champion"),
        ("Board lead", "board_champion"),
        ("Strategic lead", "board_champion"),
        ("Youth Justice Service champion", "service_champion"),
        ("Lead officer", "service_champion"),
        ("Lead", "service_champion"),
        ("Owner", "service_champion"),
        ("Responsible officer", "service_champion"),
        ("Status (BRAG)", "status"),
        ("RAG rating", "status"),
        ("BRAG", "status"),
        ("Progress update Q2", "progress"),
        ("Update", "progress"),
        ("Comments", "progress"),
        ("Timescale", "target_date"),
        ("By when", "target_date"),
        ("Deadline", "target_date"),
        ("Notes on the board", None),
    ],
)
def test_columns_are_recognised_by_the_words_in_their_headers(header, field):
    assert field_of_header(header) == field


def test_other_column_names_in_another_order_are_read():
    plan = read_plan(
        [
            table(
                ["RAG rating", "Lead officer", "HMIP Recommendation", "Strategic lead", "Findings"],
                [
                    "G",
                    "Jo Lawson",
                    "Rec 3 Improve education links",
                    "Supt Paul French",
                    "- Few links",
                ],
            )
        ]
    )

    assert plan["columns"]["recommendation"] == "HMIP Recommendation"
    assert plan["recommendations"] == [
        {
            "number": 3,
            "text": "Improve education links",
            "key_lines_of_enquiry": ["Few links"],
            "board_champions": ["Supt Paul French"],
            "service_champions": ["Jo Lawson"],
            "job_titles": {},
            "status": "green",
            "progress": "",
            "actions": [],
            "quarters": [{"offset": 0, "status": "green", "progress": ""}],
        }
    ]


@pytest.mark.parametrize(
    "written, number, text",
    [
        ("1. Develop", 1, "Develop"),
        ("2) Review", 2, "Review"),
        ("R1 Support", 1, "Support"),
        ("Rec 3 Strengthen", 3, "Strengthen"),
        ("Recommendation 4: Embed", 4, "Embed"),
        ("Review the policy", None, "Review the policy"),
    ],
)
def test_the_number_is_taken_off_the_recommendation(written, number, text):
    plan = read_plan([table(HEADER, [written, "", "Jo Lawson", "", "", ""])])

    assert plan["recommendations"][0]["number"] == number
    assert plan["recommendations"][0]["text"] == text


@pytest.mark.parametrize(
    "written, status",
    [
        ("R", "red"),
        ("A", "amber"),
        ("g", "green"),
        ("B", "blue"),
        ("Amber", "amber"),
        ("Complete", "blue"),
        ("On track", "green"),
        ("Off track", "red"),
        ("Green - on track", "green"),
    ],
)
def test_a_status_written_as_a_letter_or_a_word_is_read(written, status):
    assert status_of_words(written) == status


def test_an_unreadable_status_is_left_empty_with_a_warning():
    plan = read_plan([table(HEADER, ["1. Develop", "", "", "", "Amber/Green", ""])])

    assert plan["recommendations"][0]["status"] is None
    assert plan["warnings"] == [
        'Recommendation 1: the status "Amber/Green" is not one of Red, Amber, Green or Blue, '
        "so it was left empty."
    ]


@pytest.mark.parametrize(
    "fill, status",
    [
        ("#FF0000", "red"),
        ("#d4351c", "red"),
        ("#FFC000", "amber"),
        ("#f47738", "amber"),
        ("#FFFF00", "amber"),
        ("#92D050", "green"),
        ("#00B050", "green"),
        ("#00B0F0", "blue"),
        ("#1d70b8", "blue"),
        ("#D9D9D9", None),
        ("#FF00FF", None),
        (None, None),
    ],
)
def test_a_fill_colour_is_read_as_the_nearest_status(fill, status):
    assert status_of_fill(fill) == status


def test_an_empty_status_cell_is_read_by_its_colour_or_without_a_column_by_the_rows():
    with_column = read_plan([table(HEADER, ["1. Develop", "", "", "", ("", "#FFC000"), ""])])
    without_column = read_plan(
        [table(["Recommendation", "Progress"], [("1. Develop", "#00B050"), ("Begun", "#00B050")])]
    )

    assert with_column["recommendations"][0]["status"] == "amber"
    assert without_column["recommendations"][0]["status"] == "green"


def test_blank_rows_section_rows_and_titles_are_skipped():
    plan = read_plan(
        [
            table(
                ["Youth Justice Board improvement plan"],
                HEADER,
                ["", "", "", "", "", ""],
                ["Domain 1: Organisational delivery"] * 6,
                ["1. Develop", "", "", "", "", ""],
                ["Domain 2: Court disposals", "", "", "", "", ""],
                ["3. Out-of-court disposals"] * 6,
                [],
                ["2. Review", "", "", "", "", ""],
            )
        ]
    )

    assert [r["text"] for r in plan["recommendations"]] == ["Develop", "Review"]


def test_champions_to_be_confirmed_are_nobody():
    plan = read_plan([table(HEADER, ["1. Develop", "", "TBC", "N/A", "", ""])])

    assert plan["recommendations"][0]["board_champions"] == []
    assert plan["recommendations"][0]["service_champions"] == []
    assert split_champions("TBA\n-\nnone") == []


@pytest.mark.parametrize(
    "cell",
    [
        "Jo Lawson, Zoe Grindle",
        "Jo Lawson and Zoe Grindle",
        "Jo Lawson / Zoe Grindle",
        "Jo Lawson & Zoe Grindle",
        "Jo Lawson; Zoe Grindle",
        "Jo Lawson\nZoe Grindle",
    ],
)
def test_several_champions_in_one_cell_are_each_read(cell):
    assert split_champions(cell) == ["Jo Lawson", "Zoe Grindle"]


def test_several_quarters_columns_give_each_quarter_its_status_and_progress():
    header = ["Recommendation", "Q1 RAG", "Q1 update", "Q2 RAG", "Q2 update", "Progress update Q3"]
    tables = [table(header, ["1. Develop", "R", "Planned", "Amber", "Begun", "Done"])]

    plan = read_plan(tables)

    assert plan["columns"]["progress"] == "Progress update Q3"
    assert plan["columns"]["status"] == "Q2 RAG"
    recommendation = plan["recommendations"][0]
    assert recommendation["quarters"] == [
        {"offset": -2, "status": "red", "progress": "Planned"},
        {"offset": -1, "status": "amber", "progress": "Begun"},
        {"offset": 0, "status": None, "progress": "Done"},
    ]
    assert (recommendation["status"], recommendation["progress"]) == (None, "Done")
    assert find_layout(tables).quarterly == {"status": [1, 3], "progress": [2, 4, 5]}


@pytest.mark.parametrize(
    ("headers", "offsets"),
    [
        (["Q1 update", "Q3 update"], [-2, 0]),  # a quarter with no column is skipped
        (["Q4 update", "Q1 update"], [-1, 0]),  # across the turn of the year
        (["June update", "September update", "December update"], [-2, -1, 0]),
        (["Update (Qtr 2)", "Update (Quarter 3)"], [-1, 0]),
    ],
)
def test_the_quarters_of_progress_columns_follow_their_headers(headers, offsets):
    layout = find_layout([table(["Recommendation", *headers], ["1. Develop", *headers])])

    assert [layout.quarter_offsets()[column] for column in layout.quarterly["progress"]] == offsets


def test_one_status_column_beside_several_quarters_is_the_latest_quarters():
    header = ["Recommendation", "Status", "Q1 update", "Q2 update"]
    plan = read_plan([table(header, ["1. Develop", "Green", "Planned", "Begun"])])

    assert plan["recommendations"][0]["quarters"] == [
        {"offset": -1, "status": None, "progress": "Planned"},
        {"offset": 0, "status": "green", "progress": "Begun"},
    ]


def test_a_quarters_progress_cell_shaded_in_a_status_colour_gives_that_quarters_status():
    header = [Cell("Recommendation"), Cell("Q1 update"), Cell("Q2 update")]
    row = [Cell("1. Develop"), Cell("Planned", "#FF0000"), Cell("Begun", "#92D050")]
    plan = read_plan([Table("Plan", [header, row])])

    assert [q["status"] for q in plan["recommendations"][0]["quarters"]] == ["red", "green"]


def test_progress_and_comments_columns_are_not_two_quarters():
    header = ["Recommendation", "Progress update", "Comments"]
    plan = read_plan([table(header, ["1. Develop", "Begun", "Chased the school"])])

    assert plan["columns"]["progress"] == "Progress update"
    assert len(plan["recommendations"][0]["quarters"]) == 1
    assert plan["recommendations"][0]["progress"] == "Begun"


def test_actions_are_read_a_line_each_with_their_target_dates():
    header = ["Recommendation", "Actions", "Target date"]
    rows = [
        ["1. Develop", "Audit cases\nTrain staff", "31/03/2023\nJune 2023"],
        ["2. Improve", "- Review panel\n- Report to board", "Ongoing"],
        ["3. Increase", "Recruit mentors\nAgree budget\nLaunch", "March 2023\nMay 2023"],
    ]
    plan = read_plan([table(header, *rows)])

    actions = [recommendation["actions"] for recommendation in plan["recommendations"]]
    assert actions == [
        [
            {"text": "Audit cases", "target_date": "2023-03-31"},
            {"text": "Train staff", "target_date": "2023-06-30"},
        ],
        [
            {"text": "Review panel (target: Ongoing)", "target_date": None},
            {"text": "Report to board (target: Ongoing)", "target_date": None},
        ],
        [
            {"text": "Recruit mentors", "target_date": None},
            {"text": "Agree budget", "target_date": None},
            {"text": "Launch", "target_date": None},
        ],
    ]
    assert plan["warnings"] == [
        "Recommendation 3: its 3 actions have 2 target dates, so the dates were not imported."
    ]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("31/03/2023", date(2023, 3, 31)),
        ("1/4/23", date(2023, 4, 1)),
        ("2023-06-30", date(2023, 6, 30)),
        ("30 September 2023", date(2023, 9, 30)),
        ("30 Sept 2023", date(2023, 9, 30)),
        ("March 2024", date(2024, 3, 31)),
        ("Feb 2024", date(2024, 2, 29)),
        ("Ongoing", None),
        ("Q3", None),
        ("31/02/2023", None),
        ("1" * 10000, None),
    ],
)
def test_target_dates_are_read_as_boards_write_them(written, read):
    assert read_target_date(written) == read


def test_a_row_without_a_recommendation_and_other_tables_are_warned_about():
    plan = read_plan(
        [
            table(["Contents"], ["Page 1"], name="Table 1"),
            table(HEADER, ["", "A stray note", "", "", "", ""], ["1. Develop"], name="Table 2"),
        ]
    )

    assert plan["warnings"] == [
        "Table 1 was not read: only Table 2, the table with the plan's column headings, was.",
        "Row 2 has no recommendation, so it was not read.",
    ]


def test_a_table_without_a_recommendation_column_is_refused_in_words():
    tables = [table(["Action", "Owner", "Status"], ["Do it", "Jo", "Red"])]

    with pytest.raises(PlanFileError, match='name that column "Recommendation"'):
        read_plan(tables)


def test_five_thousand_rows_are_read_quickly():
    rows = [
        [f"{n % 999 + 1}. Do thing {n}", "- a\n- b", "A, B", "C", "Red", "x"] for n in range(5000)
    ]

    started = time.perf_counter()
    plan = read_plan([table(HEADER, *rows)])

    assert len(plan["recommendations"]) == 5000
    assert time.perf_counter() - started < 2


def test_a_hostile_header_of_100000_characters_is_read_quickly():
    hostile = ["a " * 50_000, "recommendation " + "-" * 100_000, "board " * 20_000 + "x"]

    started = time.perf_counter()
    with pytest.raises(PlanFileError):
        read_plan([table(hostile, *[hostile] * 9)])
    split_champions(" " * 100_000 + "x")
    status_of_words("red " * 30_000)

    assert time.perf_counter() - started < 1


def test_extract_plan_prints_what_a_plan_file_says(runner, tmp_path):
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(
        'Recommendation,Board lead,Status\n1. Develop,"Jo Lawson and Supt Paul French",Amber\n',
        encoding="utf-8",
    )

    result = runner.invoke(args=["extract-plan", str(plan_file)])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recommendations"][0] == {
        "number": 1,
        "text": "Develop",
        "key_lines_of_enquiry": [],
        "board_champions": ["Jo Lawson", "Supt Paul French"],
        "service_champions": [],
        "status": "amber",
        "progress": "",
    }


def test_extract_plan_reads_a_word_table_with_a_shaded_status_and_a_merged_heading(
    runner, tmp_path
):
    document = docx.Document()
    word_table = document.add_table(rows=3, cols=3)
    for cell, text in zip(
        word_table.rows[0].cells, ["Recommendation", "Board champion", "RAG"], strict=True
    ):
        cell.text = text
    word_table.cell(1, 0).merge(word_table.cell(1, 2)).text = "Domain 1: Organisational delivery"
    word_table.cell(2, 0).text = "1. Develop"
    word_table.cell(2, 1).text = "Karen Linton"
    word_table.cell(2, 1).add_paragraph("Steve Ryder")
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), "FFC000")
    word_table.cell(2, 2)._tc.get_or_add_tcPr().append(shading)
    document.save(tmp_path / "plan.docx")

    result = runner.invoke(args=["extract-plan", str(tmp_path / "plan.docx")])

    assert result.exit_code == 0, result.output
    [recommendation] = json.loads(result.output)["recommendations"]
    assert recommendation["board_champions"] == ["Karen Linton", "Steve Ryder"]
    assert recommendation["status"] == "amber"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.csv", None, "could not be read"),
        ("plan.csv", "Action,Owner\nDo it,Jo\n", 'name that column "Recommendation"'),
        ("plan.pdf", "%PDF-1.4", "plan.pdf: "),
    ],
)
def test_extract_plan_says_why_a_file_cannot_be_read(runner, tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")

    result = runner.invoke(args=["extract-plan", str(tmp_path / name)])

    assert result.exit_code == 1
    assert message in result.output


# ----- Layouts boards use beyond North East Lincolnshire's --------------------------------------


def test_a_number_column_of_its_own_gives_each_recommendation_its_number():
    header = ["Ref", "Recommendation", "Lead officer"]
    plan = read_plan(
        [
            table(
                header,
                ["R1", "Improve the quality of planning", "Steve Ryder"],
                ["2", "make sure children are safe", "Jo Lawson"],
                ["", "Domain 2: Court work", ""],
                ["Rec 3", "Strengthen links with schools", ""],
            )
        ]
    )

    assert plan["columns"]["number"] == "Ref"
    found = [(r["number"], r["text"]) for r in plan["recommendations"]]
    assert found == [
        (1, "Improve the quality of planning"),
        (2, "make sure children are safe"),  # numbered, so a row of its own
        (3, "Strengthen links with schools"),
    ]


@pytest.mark.parametrize("header", ["No.", "Rec No", "Recommendation number", "Reference"])
def test_number_columns_are_recognised_by_their_headers(header):
    assert field_of_header(header) == "number"


def test_a_sub_numbered_recommendation_keeps_its_number_in_its_text():
    header = ["Recommendation", "Lead"]
    plan = read_plan([table(header, ["1.1 Improve planning", "Jo"], ["1.2 Audit cases", "Al"])])

    found = [(r["number"], r["text"]) for r in plan["recommendations"]]
    assert found == [(None, "1.1 Improve planning"), (None, "1.2 Audit cases")]


def test_areas_for_improvement_are_the_recommendations_of_a_plan_without_that_column():
    header = ["Area for improvement", "What we will do", "Lead", "RAG"]
    plan = read_plan(
        [table(header, ["1. Improve the quality of plans", "Audit", "Jo Lawson", "A"])]
    )

    assert plan["columns"]["recommendation"] == "Area for improvement"
    assert "key_lines_of_enquiry" not in plan["columns"]
    (recommendation,) = plan["recommendations"]
    assert (recommendation["number"], recommendation["status"]) == (1, "amber")


@pytest.mark.parametrize("merged_over", ["word", "excel"])
def test_a_heading_merged_over_each_quarters_column_is_read_with_the_row_under_it(merged_over):
    # Word leaves the cells a merged heading covers empty; Excel does too, and marks the cell
    # under a heading merged down.
    below = Cell("", merged_above=merged_over == "excel")
    rows = [
        [Cell("Recommendation"), Cell("Lead"), Cell("Progress update"), Cell(""), Cell("")],
        [below, below, Cell("Q1"), Cell("Q2"), Cell("Q3")],
        [Cell("1. Improve"), Cell("Jo Lawson"), Cell("Planned"), Cell("Begun"), Cell("Done")],
    ]

    plan = read_plan([Table("Plan", rows)])

    assert plan["columns"]["progress"] == "Progress update Q3"
    (recommendation,) = plan["recommendations"]
    progress = [quarter["progress"] for quarter in recommendation["quarters"]]
    assert progress == ["Planned", "Begun", "Done"]
    assert plan["warnings"] == []


def test_a_first_row_of_short_texts_under_full_headings_is_a_recommendation_not_a_header():
    plan = read_plan([table(["Recommendation", "Lead"], ["1. Plan", "Jo"], ["2. Act", "Al"])])

    assert [r["text"] for r in plan["recommendations"]] == ["Plan", "Act"]


@pytest.mark.parametrize(
    ("cell", "people"),
    [
        ("Jo Lawson (Head of YJS)", [("Jo Lawson", "Head of YJS")]),
        ("Jo Lawson - Head of Service", [("Jo Lawson", "Head of Service")]),
        (
            "Jo Lawson, Head of YJS, Steve Ryder",
            [("Jo Lawson", "Head of YJS"), ("Steve Ryder", "")],
        ),
        (
            "Jo Lawson (Head of YJS, Education), Al Khan",
            [("Jo Lawson", "Head of YJS, Education"), ("Al Khan", "")],
        ),
        (
            "Director of Children's Services, Head of Education",
            [("Director of Children's Services", ""), ("Head of Education", "")],
        ),
        ("Supt Paul French", [("Supt Paul French", "")]),
        ("Mary-Jane Smith-Jones", [("Mary-Jane Smith-Jones", "")]),
    ],
)
def test_a_role_after_a_champions_name_is_their_job_title(cell, people):
    assert read_champions(cell) == people


def test_new_champions_are_added_to_the_board_with_their_job_titles(db):
    from tracker import audit
    from tracker.plan_import.create import create_plan
    from tracker.plan_import.imports import start_import

    header = ["Recommendation", "Board sponsor", "Lead officer"]
    rows = [["1. Improve", "Cllr Ann Bee (Portfolio holder)", "Zed Quinn - Team Manager"]]
    import_id = start_import(db, 1, "plan.csv", "b" * 64, [table(header, *rows)], audit.Actor(1, 1))

    create_plan(db, import_id, audit.Actor(1, 1))

    added = db.execute(
        "SELECT name, job_title FROM people WHERE name IN (?, ?) ORDER BY name",
        ["Cllr Ann Bee", "Zed Quinn"],
    ).fetchall()
    assert added == [("Cllr Ann Bee", "Portfolio holder"), ("Zed Quinn", "Team Manager")]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Executive sponsor", "board_champion"),
        ("Senior responsible officer", "board_champion"),
        ("Board member lead", "board_champion"),
    ],
)
def test_board_level_owners_are_board_champions(header, field):
    assert field_of_header(header) == field


@pytest.mark.parametrize(
    ("written", "status"), [("Closed", "blue"), ("Delayed", "amber"), ("Overdue", "red")]
)
def test_more_status_words_are_read(written, status):
    assert status_of_words(written) == status


def test_a_hostile_champion_cell_of_brackets_and_commas_is_read_quickly():
    started = time.perf_counter()
    read_champions("(" * 100_000 + ", a" * 100_000 + ")" * 100_000)
    read_champions("Jo, " * 100_000 + " - Head" * 50_000)
    assert time.perf_counter() - started < 2
