"""The demo is the North East Lincolnshire plan exactly as the board published it.

The published plan is read here from the shared report, independently of the demo's data
file, and compared with what `flask show-plan --json` prints.
"""

import json
import re

import pytest

from tests.conftest import NEL_REPORT
from tracker.demo import DEMO_ACCOUNTS

RUNNING_TITLES = re.compile(
    r"^\**(North East Lincolnshire Youth Partnership Board)?\s*"
    r"(HMIP recommendations implementation plan)?\**$"
)


def _paragraphs(cell: str) -> list[str]:
    found = re.findall(r"<p>(.*?)</p>", cell)
    return [p.strip() for p in found] if found else ([cell.strip()] if cell.strip() else [])


def published_plan_rows() -> list[list[list[str]]]:
    """The plan table at the end of the report: one row per recommendation, each cell a list of
    its paragraphs, with rows split across a page break joined up again."""
    text = NEL_REPORT.read_text()
    table = text[text.rindex("Recommendations\tKey lines of enquiry") :].splitlines()[1:]
    rows: list[list[list[str]]] = []
    for line in table:
        if "\t" not in line or RUNNING_TITLES.match(line.strip()):
            continue
        cells = [_paragraphs(cell) for cell in (line.split("\t") + [""] * 5)[:5]]
        if cells[0] and re.match(r"^\d+\.", cells[0][0]):
            rows.append(cells)
            continue
        # A continuation after a page break: its first paragraph carries on the last one.
        for previous, more in zip(rows[-1], cells, strict=True):
            if previous and more:
                previous[-1] = f"{previous[-1]} {more[0]}"
                previous.extend(more[1:])
            else:
                previous.extend(more)
    return rows


def published_addressees() -> dict[int, str]:
    """Each inspectorate recommendation's addressee, from the report's recommendations section."""
    text = NEL_REPORT.read_text()
    start = text.index("we have made eight recommendations")
    section = text[start : text.index("\nBackground", start)]
    addressees, current = {}, None
    for line in section.splitlines():
        if line.rstrip().endswith("should:"):
            current = line.rstrip()[: -len(" should:")]
        elif match := re.match(r"^(\d+)\. ", line):
            addressees[int(match[1])] = current
    return addressees


@pytest.fixture
def shown_plan(runner):
    result = runner.invoke(args=["show-plan", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_demo_has_every_published_recommendation_in_order(shown_plan):
    published = [" ".join(row[0]) for row in published_plan_rows()]
    # Eight from the inspectorate, then the board's own: "9. Board development" and
    # "10. Supporting YJS staff" (the file's last line).
    assert len(published) == 10
    shown = [f"{r['number']}. {r['text']}" for r in shown_plan["recommendations"]]
    assert shown == published


def test_eight_come_from_the_inspectorate_with_their_addressees_and_the_rest_are_local(
    shown_plan,
):
    recommendations = shown_plan["recommendations"]
    assert [r["origin"] for r in recommendations] == ["inspectorate"] * 8 + ["local"] * 2
    addressees = published_addressees()
    assert len(addressees) == 8
    for recommendation in recommendations[:8]:
        assert recommendation["addressee"] == addressees[recommendation["number"]]
    assert [r["text"] for r in recommendations[8:]] == ["Board development", "Supporting YJS staff"]
    assert [r["addressee"] for r in recommendations[8:]] == [None, None]


def test_every_key_line_of_enquiry_is_in_its_row_as_printed(shown_plan):
    for row, recommendation in zip(
        published_plan_rows(), shown_plan["recommendations"], strict=True
    ):
        assert recommendation["key_lines_of_enquiry"] == row[1], recommendation["number"]


def test_every_champion_is_as_printed_with_tbc_meaning_none(shown_plan):
    for row, recommendation in zip(
        published_plan_rows(), shown_plan["recommendations"], strict=True
    ):
        for column, kind in ((2, "board_champions"), (3, "service_champions")):
            printed = " ".join(row[column])
            expected = "" if printed in ("", "TBC") else printed
            assert " ".join(recommendation[kind]) == expected, (recommendation["number"], kind)
    by_number = {r["number"]: r for r in shown_plan["recommendations"]}
    assert by_number[3]["board_champions"] == ["Karen Linton", "Steve Ryder", "Rebecca Taylor"]
    assert by_number[4]["board_champions"] == []


def test_the_plan_names_its_board_service_and_current_quarter(shown_plan):
    plan = shown_plan["plan"]
    assert plan["title"] in NEL_REPORT.read_text()
    assert plan["board"] == "North East Lincolnshire Youth Partnership Board"
    assert plan["service"] == "North East Lincolnshire Youth Offending Service"
    assert re.fullmatch(r"\d{4}/\d{2} Q[1-4]", plan["current_quarter"])


def test_sample_updates_are_marked_as_sample_on_screen(shown_plan, signed_in):
    updates = [u for r in shown_plan["recommendations"] for u in r["updates"]]
    assert updates and all(update["sample"] for update in updates)
    for role in ("administrator", "scrutiny"):
        page = signed_in(role).get("/plans/1").get_data(as_text=True)
        assert page.count("Sample text") == len(updates)


def test_the_ratings_give_27_of_36_with_resettlement_rated_separately(signed_in):
    page = signed_in("scrutiny").get("/inspections/1").get_data(as_text=True)
    assert "27/36" in page
    assert re.search(
        r"4.1 Resettlement policy and provision.*?Requires improvement.*?"
        r"Rated separately, not in the score",
        page,
        re.S,
    )
    assert "The ratings below add up to" not in page  # 27 is the sum of the twelve


def test_the_foreword_is_the_published_one_with_its_signatory(signed_in):
    page = signed_in("champion").get("/inspections/1").get_data(as_text=True)
    assert "This inspection is part of our programme of youth offending service" in page
    assert "Justin Russell" in page and "HM Chief Inspector of Probation" in page


def test_loading_the_demo_twice_changes_nothing(runner, count_rows):
    before = count_rows()
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 1
    assert "already loaded" in result.output
    assert count_rows() == before


def test_make_run_loads_the_demo_only_into_an_empty_database(tmp_path):
    from tracker import create_app

    app = create_app({"DATABASE": str(tmp_path / "fresh.db"), "SECRET_KEY": "x"})
    first = app.test_cli_runner().invoke(args=["load-demo-if-empty"])
    second = app.test_cli_runner().invoke(args=["load-demo-if-empty"])
    assert "Loaded the demo" in first.output and "Loaded the demo" not in second.output
    for email, *_ in DEMO_ACCOUNTS:
        assert email in first.output and email in second.output


def test_the_demo_has_an_operator_who_reads_no_plan(db, app):
    from tests.conftest import sign_in
    from tracker.demo import DEMO_OPERATOR

    row = db.execute("SELECT is_operator FROM users WHERE email = ?", [DEMO_OPERATOR[0]])
    assert row.fetchone() == (1,)
    client = app.test_client()
    assert sign_in(client, DEMO_OPERATOR[0]).status_code == 302
    assert "North East Lincolnshire" in client.get("/operator").get_data(as_text=True)
    assert client.get("/plans/1").status_code == 404
