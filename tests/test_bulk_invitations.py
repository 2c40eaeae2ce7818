"""Reading a bulk-invitation file: real CSV files in the encodings and layouts people save, real
Excel workbooks written with openpyxl, and hostile files that must be refused quickly."""

import csv
import io
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import permissions
from tracker.accounts import bulk
from tracker.accounts.bulk import (
    MAX_BYTES,
    MAX_ROWS,
    BulkFile,
    BulkFileError,
    Invitee,
    read_invitees,
    role_of,
)
from tracker.text import clean_text

HEADER = ["Name", "Email address", "Organisation", "Job title", "Role"]
JANE = ["Jane Smith", "jane.smith@example.org", "Leeds Youth Justice Service", "Manager", "Admin"]
OMAR = ["Omar Haddad", "omar@example.org", "West Yorkshire Police", "Inspector", "Champion"]
PRIYA = ["Priya Patel", "priya@example.org", "NHS Leeds", "Nurse", "Scrutiny"]
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# No example database is kept, so running the tests leaves nothing in the checkout.
QUICK = settings(max_examples=60, deadline=2000, database=None)


# ----- Building real files --------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Rows as a spreadsheet program writes them: quoted where needed, CRLF line ends."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(tmp_path: Path, sheets: dict[str, list[list]], build=None) -> bytes:
    """A workbook saved by openpyxl with a sheet of rows for each name, in order; `build` may
    change the workbook (merge cells, hide a sheet) before it is saved."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if build:
        build(workbook)
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    return path.read_bytes()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def rewritten(package: bytes, part: str, change) -> bytes:
    """The package with one part's bytes changed, as a hand-edited or crafted file would be."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[part] = change(members[part])
    return zip_of(members)


def problems_by_row(result: BulkFile) -> dict[int, tuple[str, ...]]:
    return {invitee.row: invitee.problems for invitee in result.invitees}


def refusal(filename: str, data: bytes) -> str:
    with pytest.raises(BulkFileError) as refused:
        read_invitees(filename, data)
    return str(refused.value)


def timed(read, limit: float = 1.0):
    """Run `read`, failing if it takes longer than `limit` seconds; return what it returned or
    the refusal it raised."""
    started = time.perf_counter()
    try:
        outcome = read()
    except BulkFileError as error:
        outcome = error
    assert time.perf_counter() - started < limit
    return outcome


# ----- A good list ----------------------------------------------------------------------------


def test_a_good_csv_list_gives_everyone_with_their_role():
    result = read_invitees("people.csv", csv_bytes([HEADER, JANE, OMAR, PRIYA]))

    assert result.ok
    assert result.problems == ()
    assert result.invitees == (
        Invitee(
            2,
            "Jane Smith",
            "jane.smith@example.org",
            "Leeds Youth Justice Service",
            "Manager",
            "administrator",
        ),
        Invitee(
            3, "Omar Haddad", "omar@example.org", "West Yorkshire Police", "Inspector", "champion"
        ),
        Invitee(4, "Priya Patel", "priya@example.org", "NHS Leeds", "Nurse", "scrutiny"),
    )


def test_the_roles_are_the_trackers_roles():
    assert bulk.ROLES == permissions.ROLES
    assert set(bulk.ROLE_SPELLINGS.values()) == set(permissions.ROLES)


def test_a_list_with_one_bad_row_is_not_ok_but_keeps_everyone():
    result = read_invitees("people.csv", csv_bytes([HEADER, JANE, ["", "x@example.org"], PRIYA]))

    assert not result.ok
    assert result.problems == ()
    assert [invitee.row for invitee in result.invitees] == [2, 3, 4]
    assert problems_by_row(result)[3] == ("Enter a name", bulk.ENTER_ROLE)


def test_the_path_a_browser_may_send_and_capital_extensions_are_understood():
    result = read_invitees(r"C:\Users\jane\Desktop\PEOPLE.CSV", csv_bytes([HEADER, JANE]))
    assert result.ok


# ----- CSV encodings and layouts ---------------------------------------------------------------


def test_csv_saved_by_excel_on_windows_in_cp1252_keeps_accents_and_curly_quotes():
    name = "Si\u00e2n O\u2019Neill"  # a curly apostrophe, as Word and Outlook type it
    data = csv_bytes([HEADER, [name, "sian@example.org", "", "", ""]], encoding="cp1252")
    assert b"Si\xe2n O\x92Neill" in data  # really not UTF-8
    (invitee,) = read_invitees("people.csv", data).invitees
    assert invitee.name == name


def test_csv_utf8_with_a_byte_order_mark_still_finds_the_name_column():
    data = b"\xef\xbb\xbf" + csv_bytes([HEADER, ["Zoë Brontë", "zoe@example.org", "", "", "admin"]])
    result = read_invitees("people.csv", data)
    assert result.ok
    assert result.invitees[0].name == "Zoë Brontë"


def test_csv_utf16_as_excel_saves_unicode_text():
    data = "\ufeff".encode("utf-16-le") + csv_bytes(
        [HEADER, ["Łukasz Nowak", "lukasz@example.org", "", "", "scrutiny"]],
        delimiter="\t",
        encoding="utf-16-le",
    )
    (invitee,) = read_invitees("people.csv", data).invitees
    assert (invitee.name, invitee.role) == ("Łukasz Nowak", "scrutiny")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_with_commas_semicolons_or_tabs_between_cells(delimiter):
    name_with_delimiters = "Smith, Jane; (interim)"
    rows = [HEADER, [name_with_delimiters, "jane@example.org", "Leeds, West Yorkshire", "", ""]]
    result = read_invitees("people.csv", csv_bytes(rows, delimiter=delimiter))

    assert result.invitees[0].name == name_with_delimiters
    assert result.invitees[0].organisation == "Leeds, West Yorkshire"


def test_a_quoted_cell_on_several_lines_is_one_row_and_a_problem():
    data = (
        b"Name,Email address\r\n"
        b'"Jane\r\nSmith",jane@example.org\r\n'
        b"Omar Haddad,omar@example.org\r\n"
    )
    result = read_invitees("people.csv", data)
    assert problems_by_row(result) == {2: ("Name must be on one line",), 3: ()}


def test_old_mac_and_unix_line_ends_are_read():
    for line_end in (b"\r", b"\n"):
        data = line_end.join([b"Name,Email", b"Jane Smith,jane@example.org", b""])
        assert read_invitees("people.csv", data).ok


def test_a_binary_file_called_csv_is_refused():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    assert refusal("people.csv", png) == bulk.NOT_CSV
    assert refusal("people.csv", bytes(range(1, 32)) * 200) == bulk.NOT_CSV
    assert refusal("people.csv", b"Name,Email\x00\x00\x00") == bulk.NOT_CSV


# ----- Columns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headings",
    [
        ["Full name", "E-mail", "Organization", "Position", "Tracker role"],
        ["NAME", "EMAIL ADDRESS", "AGENCY", "TITLE", "ACCESS"],
        ["  name ", "Email address (optional)", "Organisation (optional)", "Role title", "role"],
        ["Full Name:", "E-mail address", "organisation", "Job Title", "Role"],
    ],
)
def test_column_headings_are_matched_however_they_are_written(headings):
    (invitee,) = read_invitees("people.csv", csv_bytes([headings, JANE])).invitees
    assert invitee == Invitee(
        2,
        "Jane Smith",
        "jane.smith@example.org",
        "Leeds Youth Justice Service",
        "Manager",
        "administrator",
    )


def test_columns_in_any_order_with_unknown_columns_ignored():
    rows = [
        ["Notes", "Role", "Email", "Phone", "Name"],
        ["Starts in May", "scrutiny", "priya@example.org", "0113 000 0000", "Priya Patel"],
    ]
    (invitee,) = read_invitees("people.csv", csv_bytes(rows)).invitees
    assert (invitee.name, invitee.email, invitee.role) == (
        "Priya Patel",
        "priya@example.org",
        "scrutiny",
    )
    assert (invitee.organisation, invitee.job_title) == ("", "")


def test_without_a_role_column_everyone_is_a_champion():
    rows = [["Name", "Email"], JANE[:2], OMAR[:2]]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert result.ok
    assert {invitee.role for invitee in result.invitees} == {"champion"}


@pytest.mark.parametrize(
    "headings",
    [["Name", "Organisation"], ["Email address", "Role"], ["First name", "Surname", "Email"]],
)
def test_a_file_without_name_and_email_columns_says_what_its_first_row_has(headings):
    result = read_invitees("people.csv", csv_bytes([headings, ["a", "b", "c"]]))

    assert not result.ok
    assert result.invitees == ()
    assert result.problems == (
        "The file must have a column called Name and a column called Email address. "
        "Its first row has: " + ", ".join(headings),
    )


def test_the_headings_listed_in_the_problem_are_shortened():
    headings = ["Forename " * 20] + [f"Column {number}" for number in range(1, 12)]
    (problem,) = read_invitees("people.csv", csv_bytes([headings])).problems

    assert problem.endswith(
        "Its first row has: Forename Forename Forename Forename For…, Column 1, Column 2, "
        "Column 3, Column 4, Column 5, Column 6, Column 7 and 4 more"
    )


def test_the_header_is_the_first_filled_row_and_row_numbers_are_the_spreadsheets():
    data = b"\r\n,,\r\n" + csv_bytes([HEADER, JANE, [], ["", " ", ""], OMAR])
    result = read_invitees("people.csv", data)
    assert [invitee.row for invitee in result.invitees] == [4, 7]


def test_a_file_with_only_a_header_has_no_people():
    assert read_invitees("people.csv", csv_bytes([HEADER])).problems == (bulk.NO_PEOPLE,)
    assert read_invitees("people.csv", csv_bytes([HEADER, [], [" ", ""]])).problems == (
        bulk.NO_PEOPLE,
    )
    assert read_invitees("people.csv", b"\r\n , ,\r\n").problems == (bulk.NO_PEOPLE,)


# ----- How many people ------------------------------------------------------------------------


def people(count: int) -> list[list[str]]:
    return [[f"Person {n}", f"person{n}@example.org", "", "", "champion"] for n in range(count)]


def test_five_hundred_people_can_be_invited_at_once():
    result = read_invitees("people.csv", csv_bytes([HEADER, *people(MAX_ROWS)]))
    assert result.ok
    assert len(result.invitees) == MAX_ROWS


def test_ten_thousand_people_are_refused_with_one_message_not_ten_thousand():
    data = csv_bytes([HEADER, *people(10_000)])
    result = timed(lambda: read_invitees("people.csv", data))

    assert result == BulkFile(
        (), ("The file has more than 500 people. Split it into files of 500 or fewer.",)
    )


def test_five_hundred_and_one_people_with_blank_rows_between_are_too_many():
    rows = [HEADER]
    for person in people(MAX_ROWS + 1):
        rows += [person, []]
    assert read_invitees("people.csv", csv_bytes(rows)).problems == (bulk.TOO_MANY,)


# ----- Email addresses ------------------------------------------------------------------------


def test_email_addresses_are_stored_normalised():
    rows = [["Name", "Email"], ["Jane Smith", "  Jane.Smith@EXAMPLE.Org "]]
    (invitee,) = read_invitees("people.csv", csv_bytes(rows)).invitees
    assert invitee.email == "Jane.Smith@example.org"
    assert invitee.problems == ()


@pytest.mark.parametrize(
    "email",
    [
        "jane",
        "jane@",
        "@example.org",
        "jane@example",
        "jane smith@example.org",
        "a@b@example.org",
        "jane@exa mple.org",
        "jane..smith@example.org",
        "jane@localhost",
    ],
)
def test_malformed_email_addresses_are_a_problem(email):
    (invitee,) = read_invitees(
        "people.csv", csv_bytes([["Name", "Email"], ["Jane", email]])
    ).invitees
    assert invitee.problems == (
        "Enter an email address in the correct format, like name@example.org",
    )
    assert invitee.email == email


def test_missing_and_overlong_email_addresses_are_a_problem():
    too_long = "a" * 64 + "@" + "b" * 186 + ".org"
    rows = [["Name", "Email"], ["Jane", ""], ["Omar", too_long]]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert problems_by_row(result) == {
        2: ("Enter an email address",),
        3: ("Email address must be 254 characters or fewer",),
    }


def test_an_email_address_on_several_rows_is_a_problem_on_the_later_ones():
    rows = [
        ["Name", "Email"],
        ["Jane Smith", "jane@example.org"],
        ["Omar Haddad", "omar@example.org"],
        ["J Smith", "JANE@example.org"],
        ["Jane S", "Jane@Example.org"],
    ]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert problems_by_row(result) == {
        2: (),
        3: (),
        4: ("Email address is also on row 2",),
        5: ("Email address is also on row 2",),
    }


def test_someone_who_already_has_access_is_a_problem_whatever_the_case():
    rows = [["Name", "Email"], ["Omar Haddad", "Omar@Example.org"], ["Jane", "jane@example.org"]]
    result = read_invitees(
        "people.csv", csv_bytes(rows), existing_emails=["omar@example.org", "someone@example.org"]
    )
    assert problems_by_row(result) == {
        2: ("Omar@example.org already has access to this board",),
        3: (),
    }


# ----- Roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "role"),
    [
        ("admin", "administrator"),
        ("Administrator", "administrator"),
        ("ADMIN", "administrator"),
        ("Head of service", "administrator"),
        ("head of Service", "administrator"),
        ("champion", "champion"),
        ("Board champion", "champion"),
        ("Service Champion", "champion"),
        (" Champion ", "champion"),
        ("scrutiny", "scrutiny"),
        ("Scrutiny panel", "scrutiny"),
        ("Read only", "scrutiny"),
        ("read-only", "scrutiny"),
        ("Scrutiny panel (read only)", "scrutiny"),
    ],
)
def test_each_spelling_of_a_role(written, role):
    assert role_of(written) == role
    (invitee,) = read_invitees("people.csv", csv_bytes([HEADER, [*JANE[:4], written]])).invitees
    assert (invitee.role, invitee.problems) == (role, ())


def test_a_blank_or_unknown_role_is_a_problem():
    rows = [HEADER, [*JANE[:4], ""], [*OMAR[:4], "Chair"], [*PRIYA[:4], "champions"]]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert problems_by_row(result) == {
        2: ("Enter a role: administrator, champion or scrutiny",),
        3: ("Role must be administrator, champion or scrutiny",),
        4: ("Role must be administrator, champion or scrutiny",),
    }
    assert [invitee.role for invitee in result.invitees] == ["", "Chair", "champions"]


# ----- Names, organisations and job titles ----------------------------------------------------


def test_lengths_of_names_organisations_and_job_titles():
    rows = [
        HEADER,
        ["N" * 200, "a@example.org", "O" * 200, "J" * 200, "champion"],
        ["N" * 201, "b@example.org", "O" * 201, "J" * 201, "champion"],
    ]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert problems_by_row(result) == {
        2: (),
        3: (
            "Name must be 200 characters or fewer",
            "Organisation must be 200 characters or fewer",
            "Job title must be 200 characters or fewer",
        ),
    }


def test_organisation_and_job_title_may_be_blank_but_not_on_two_lines():
    rows = [
        HEADER,
        ["Jane", "a@example.org", "", "", "admin"],
        ["Omar", "b@example.org", "West Yorkshire\nPolice", "Detective\u2028Inspector", "admin"],
    ]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert problems_by_row(result) == {
        2: (),
        3: ("Organisation must be on one line", "Job title must be on one line"),
    }


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\uff1d"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_a_problem(start):
    rows = [
        HEADER,
        [
            f"{start}HYPERLINK(1)",
            "a@example.org",
            f" \t{start}1+1",
            f"{start}cmd|' /C calc'!A0",
            "",
        ],
    ]
    (invitee,) = read_invitees("people.csv", csv_bytes(rows)).invitees
    assert invitee.problems[:3] == tuple(
        f'{label} starts with "{start}", which a spreadsheet would run as a formula. '
        "Remove it and upload the file again"
        for label in ("Name", "Organisation", "Job title")
    )


def test_text_that_looks_like_markup_or_sql_is_kept_as_written():
    hostile = [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "Robert'); DROP TABLE users;--",
        "{{ 7 * 7 }}",
        "\u202eeciov\u202c",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    ]
    rows = [HEADER] + [
        [text, f"person{n}@example.org", text, text, "champion"] for n, text in enumerate(hostile)
    ]
    result = read_invitees("people.csv", csv_bytes(rows))
    assert result.ok
    assert [invitee.name for invitee in result.invitees] == hostile
    assert [invitee.organisation for invitee in result.invitees] == hostile


def test_characters_no_keyboard_makes_are_removed():
    rows = [["Name", "Email"], ["\x07Jane\x1b Smith\x0b ", "jane@example.org"]]
    (invitee,) = read_invitees("people.csv", csv_bytes(rows)).invitees
    assert invitee.name == "Jane Smith"


# ----- Hostile CSV that must be quick ---------------------------------------------------------


def test_a_megabyte_on_one_line_is_refused_quickly():
    data = b"Name,Email\r\n" + b"x" * (1024 * 1024)
    assert str(timed(lambda: read_invitees("people.csv", data))) == bulk.LINE_TOO_LONG


def test_a_hundred_thousand_commas_are_read_quickly():
    assert timed(lambda: read_invitees("people.csv", b"," * 100_000)).problems == (bulk.NO_PEOPLE,)
    data = b"Name,Email\r\n" + b"Jane" + b"," * 100_000 + b"\r\n"
    (invitee,) = timed(lambda: read_invitees("people.csv", data)).invitees
    assert invitee.problems == ("Enter an email address",)


def test_two_million_brackets_are_read_quickly():
    assert str(timed(lambda: read_invitees("people.csv", b"[" * 2_000_000))) == bulk.LINE_TOO_LONG
    lines = b"\r\n".join([b"[" * 100_000] * 20)
    result = timed(lambda: read_invitees("people.csv", lines))
    assert result.problems[0].startswith("The file must have a column called Name")
    assert len(result.problems[0]) < 200


def test_a_long_cell_within_a_line_is_a_problem_on_its_row():
    data = b"Name,Email\r\n" + b"J" * 100_000 + b",jane@example.org\r\n"
    (invitee,) = timed(lambda: read_invitees("people.csv", data)).invitees
    assert invitee.problems == ("Name must be 200 characters or fewer",)


def test_an_unclosed_quote_is_read_or_refused_quickly():
    outcome = timed(lambda: read_invitees("people.csv", b'Name,Email\r\n"' + b"ab\r\n" * 400_000))
    assert isinstance(outcome, BulkFileError) or not outcome.ok


def test_a_file_of_blank_lines_is_read_quickly():
    # Two million rows, each looked at: a little slower than one long line, still linear.
    lines = b"Name,Email" + b"\n" * (MAX_BYTES - 10)
    assert timed(lambda: read_invitees("people.csv", lines), limit=2).problems == (bulk.NO_PEOPLE,)
    spaces = b"Name,Email" + b"\r\n ,\t" * (MAX_BYTES // 6)
    assert timed(lambda: read_invitees("people.csv", spaces), limit=2).problems == (bulk.NO_PEOPLE,)


# ----- Excel ----------------------------------------------------------------------------------


def test_an_excel_workbook_is_read_like_a_csv_file(tmp_path):
    data = xlsx_bytes(tmp_path, {"People": [HEADER, JANE, OMAR, PRIYA]})
    assert read_invitees("people.xlsx", data) == read_invitees(
        "people.csv", csv_bytes([HEADER, JANE, OMAR, PRIYA])
    )


def test_numbers_and_dates_in_cells_are_read_as_text(tmp_path):
    rows = [HEADER, ["Jane Smith", "jane@example.org", 1234, 7.5, "admin"]]
    (invitee,) = read_invitees("people.xlsx", xlsx_bytes(tmp_path, {"People": rows})).invitees
    assert (invitee.organisation, invitee.job_title) == ("1234", "7.5")


def test_a_cell_holding_a_formula_is_a_problem(tmp_path):
    rows = [
        ["First name", "Surname", *HEADER],
        ["Jane", "Smith", '=A2&" "&B2', "jane@example.org", "", "", "admin"],
        ["Omar", "Haddad", "Omar Haddad", '=LOWER(A3)&"@example.org"', "", "", "=F2"],
    ]
    result = read_invitees("people.xlsx", xlsx_bytes(tmp_path, {"People": rows}))
    formula = (
        "{} is a formula in the spreadsheet. Replace it with the text itself and upload the "
        "file again"
    )
    assert problems_by_row(result) == {
        2: (formula.format("Name"),),
        3: (formula.format("Email address"), formula.format("Role")),
    }


def test_a_formula_is_a_problem_even_when_the_file_holds_its_result(tmp_path):
    data = xlsx_bytes(tmp_path, {"People": [["Name", "Email"], ["=C2", "jane@example.org"]]})
    # Excel saves a formula's last result beside it; openpyxl does not, so add one by hand.
    with_result = rewritten(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b'<c r="A2"><f>C2</f><v></v></c>', b'<c r="A2" t="str"><f>C2</f><v>Jane Smith</v></c>'
        ),
    )
    assert with_result != data
    (invitee,) = read_invitees("people.xlsx", with_result).invitees
    assert invitee.problems[0].startswith("Name is a formula")


def test_the_sheet_with_name_and_email_columns_is_read(tmp_path):
    sheets = {
        "How to fill this in": [["Put one person on each row of the People sheet"]],
        "Roles": [["Name", "Email", "Role"], ["Administrator", "", ""]],
        "People": [HEADER, JANE],
    }

    def hide_roles(workbook):
        workbook["Roles"].sheet_state = "hidden"

    result = read_invitees("people.xlsx", xlsx_bytes(tmp_path, sheets, build=hide_roles))
    assert result.ok
    assert [invitee.name for invitee in result.invitees] == ["Jane Smith"]


def test_when_no_sheet_has_the_columns_the_first_sheets_first_row_is_described(tmp_path):
    sheets = {"Staff": [["Forename", "Surname"], ["Jane", "Smith"]], "Other": [["Email"]]}
    result = read_invitees("people.xlsx", xlsx_bytes(tmp_path, sheets))
    assert result.problems == (
        "The file must have a column called Name and a column called Email address. "
        "Its first row has: Forename, Surname",
    )


def test_an_empty_workbook_has_no_people(tmp_path):
    result = read_invitees("people.xlsx", xlsx_bytes(tmp_path, {"Sheet1": [], "Sheet2": [[None]]}))
    assert result.problems == (bulk.NO_PEOPLE,)


def test_blank_rows_and_a_header_below_a_gap_keep_the_sheets_row_numbers(tmp_path):
    def move_down(workbook):
        sheet = workbook["People"]
        sheet.insert_rows(1, amount=3)
        sheet["D10"] = "   "

    rows = [HEADER, JANE, [], [None, None, None], OMAR, [], [], PRIYA]
    result = read_invitees("people.xlsx", xlsx_bytes(tmp_path, {"People": rows}, move_down))
    assert result.ok
    assert [invitee.row for invitee in result.invitees] == [5, 8, 11]


def test_merged_cells_give_their_value_to_the_first_cell_only(tmp_path):
    def merge(workbook):
        sheet = workbook["People"]
        sheet.merge_cells("A2:B2")  # a name spread over the email column
        sheet.merge_cells("C3:C4")  # one organisation for two people

    rows = [
        HEADER,
        ["Jane Smith", None, "Leeds", "", "admin"],
        ["Omar Haddad", "omar@example.org", "West Yorkshire Police", "", "champion"],
        ["Priya Patel", "priya@example.org", None, "", "champion"],
    ]
    result = read_invitees("people.xlsx", xlsx_bytes(tmp_path, {"People": rows}, merge))
    assert problems_by_row(result) == {2: ("Enter an email address",), 3: (), 4: ()}
    assert [invitee.organisation for invitee in result.invitees] == [
        "Leeds",
        "West Yorkshire Police",
        "",
    ]


def test_ten_thousand_rows_in_a_workbook_are_refused_with_one_message(tmp_path):
    data = xlsx_bytes(tmp_path, {"People": [HEADER, *people(10_000)]})
    assert timed(lambda: read_invitees("people.xlsx", data), limit=3).problems == (bulk.TOO_MANY,)


def test_a_long_cell_in_a_workbook_is_a_problem_on_its_row(tmp_path):
    rows = [HEADER, ["[" * 100_000, "jane@example.org", "", "", "admin"]]
    data = xlsx_bytes(tmp_path, {"People": rows})
    (invitee,) = timed(lambda: read_invitees("people.xlsx", data)).invitees
    assert invitee.problems == ("Name must be 200 characters or fewer",)


def test_a_row_numbered_beyond_excels_last_row_is_not_waited_for(tmp_path):
    data = xlsx_bytes(tmp_path, {"People": [HEADER, JANE]})
    far = rewritten(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>",
            b'<row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData>",
        ),
    )
    result = timed(lambda: read_invitees("people.xlsx", far))
    assert [invitee.name for invitee in result.invitees] == ["Jane Smith"]


# ----- Files that are not a list, or are built to hurt ------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    package = xlsx_bytes(tmp_path, {"People": [HEADER, JANE]})
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with zipfile.ZipFile(io.BytesIO(package)) as original:
            for name in original.namelist():
                if name != "xl/worksheets/sheet1.xml":
                    archive.writestr(name, original.read(name))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            zeros = bytes(1024 * 1024)
            for _megabyte in range(200):
                part.write(zeros)
    data = bomb.getvalue()
    assert len(data) < MAX_BYTES

    assert str(timed(lambda: read_invitees("people.xlsx", data), limit=0.5)) == (
        "The spreadsheet is too large when unpacked: it may be damaged"
    )


def test_a_part_that_compresses_far_better_than_a_spreadsheet_is_refused(tmp_path):
    package = xlsx_bytes(tmp_path, {"People": [HEADER, JANE]})
    padded = rewritten(package, "xl/worksheets/sheet1.xml", lambda xml: xml + b" " * 10_000_000)
    assert str(timed(lambda: read_invitees("people.xlsx", padded))) == bulk.TOO_BIG_UNPACKED


def test_a_workbook_of_hundreds_of_thousands_of_empty_cells_is_refused_quickly(tmp_path):
    package = xlsx_bytes(tmp_path, {"People": [HEADER, JANE], "More": [HEADER]})
    # One row of empty cells in each sheet, each part small enough to pass the ratio check.
    empty_cells = b'<row r="3">' + b"<c/>" * 160_000 + b"</row></sheetData>"
    for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        package = rewritten(package, part, lambda xml: xml.replace(b"</sheetData>", empty_cells))
    assert str(timed(lambda: read_invitees("people.xlsx", package))) == bulk.TOO_BIG_SHEET


def test_other_kinds_of_file_are_refused_with_a_reason(tmp_path):
    document = docx.Document()
    document.add_paragraph("Jane Smith, jane@example.org")
    document.save(tmp_path / "people.docx")
    word = (tmp_path / "people.docx").read_bytes()
    opendocument = zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
        }
    )
    spreadsheet = xlsx_bytes(tmp_path, {"People": [HEADER, JANE]})
    ole = OLE_MAGIC + bytes(2000)

    assert refusal("people.xls", ole) == bulk.OLD_EXCEL
    assert refusal("people.xls", spreadsheet) == bulk.OLD_EXCEL
    assert refusal("protected.xlsx", ole) == bulk.OLD_EXCEL
    assert refusal("people.csv", ole) == bulk.NOT_CSV
    assert refusal("people.ods", opendocument) == bulk.WRONG_TYPE
    assert refusal("people.xlsx", opendocument) == bulk.NOT_XLSX
    assert refusal("people.docx", word) == bulk.WRONG_TYPE
    assert refusal("people.xlsx", word) == bulk.NOT_XLSX
    assert refusal("people.csv", word) == bulk.NOT_CSV
    assert refusal("people.csv", spreadsheet) == bulk.NOT_CSV
    assert refusal("people.xlsx", csv_bytes([HEADER, JANE])) == bulk.NOT_XLSX
    assert refusal("people.txt", csv_bytes([HEADER, JANE])) == bulk.WRONG_TYPE
    assert refusal("people", csv_bytes([HEADER, JANE])) == bulk.WRONG_TYPE
    assert bulk.WRONG_TYPE == "The file must be a CSV file or an Excel spreadsheet (.xlsx)"


def test_empty_and_oversized_files_are_refused():
    assert refusal("people.csv", b"") == "The file is empty"
    assert refusal("people.xlsx", b"") == "The file is empty"
    oversized = csv_bytes([HEADER, *people(60_000)])[: MAX_BYTES + 1]
    assert len(oversized) == MAX_BYTES + 1
    assert refusal("people.csv", oversized) == "The file must be smaller than 2 MB"
    assert read_invitees("people.csv", oversized[:MAX_BYTES]).problems == (bulk.TOO_MANY,)


def test_damaged_workbooks_are_refused(tmp_path):
    package = xlsx_bytes(tmp_path, {"People": [HEADER, JANE]})
    assert refusal("people.xlsx", package[: len(package) // 2]) == bulk.NOT_XLSX
    assert refusal("people.xlsx", b"PK\x03\x04" + bytes(100)) == bulk.NOT_XLSX
    broken_sheet = rewritten(package, "xl/worksheets/sheet1.xml", lambda xml: xml[:-40])
    assert refusal("people.xlsx", broken_sheet) == bulk.DAMAGED
    broken_workbook = rewritten(package, "xl/workbook.xml", lambda xml: b"<workbook")
    assert refusal("people.xlsx", broken_workbook) == bulk.DAMAGED


# ----- Whatever arrives -----------------------------------------------------------------------


def outcome_of(filename: str, data: bytes) -> BulkFile | BulkFileError:
    """What reading the file gives; any exception other than a refusal fails the test."""
    try:
        return read_invitees(filename, data)
    except BulkFileError as error:
        return error


@QUICK
@given(data=st.binary(max_size=5000), name=st.sampled_from(["people.csv", "people.xlsx"]))
def test_any_bytes_are_read_or_refused(data, name):
    outcome_of(name, data)
    outcome_of(name, b"PK\x03\x04" + data)


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory) -> bytes:
    return xlsx_bytes(tmp_path_factory.mktemp("workbook"), {"People": [HEADER, JANE, OMAR]})


@QUICK
@given(changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1))
def test_a_damaged_workbook_is_read_or_refused(small_workbook, changes):
    data = bytearray(small_workbook)
    for position, value in changes:
        data[position % len(data)] = value
    outcome_of("people.xlsx", bytes(data))


@QUICK
@given(text=st.text(max_size=2000))
def test_any_text_is_read_or_refused(text):
    outcome_of("people.csv", text.encode("utf-8", "surrogatepass"))
    outcome_of("people.csv", ("Name,Email,Role\r\n" + text).encode("utf-8", "surrogatepass"))


any_cell = st.text(st.characters(codec=None, categories=None, exclude_categories=()), max_size=60)


@QUICK
@given(rows=st.lists(st.lists(any_cell, min_size=5, max_size=5), max_size=10))
def test_any_cells_under_the_right_headings_are_checked_without_failing(rows):
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    outcome = outcome_of("people.csv", text.getvalue().encode("utf-8", "surrogatepass"))
    if isinstance(outcome, BulkFile):
        for invitee in outcome.invitees:
            if not invitee.problems:
                assert invitee.role in bulk.ROLES
                assert invitee.name and "@" in invitee.email


# Words people write: letters, digits, spaces, punctuation and symbols, but not the
# replacement character, which marks a file that is not text.
words = st.text(
    st.characters(categories=("L", "M", "N", "Zs", "P", "S"), exclude_characters="\ufffd"),
    max_size=80,
)


def written_as_is(text: str) -> bool:
    cleaned = clean_text(text)
    return not cleaned.startswith(bulk.FORMULA_STARTS)


@QUICK
@given(
    found=st.lists(
        st.tuples(
            words.filter(lambda name: clean_text(name) and written_as_is(name)),
            words.filter(written_as_is),
            words.filter(written_as_is),
            st.sampled_from(sorted(bulk.ROLE_SPELLINGS)),
        ),
        min_size=1,
        max_size=8,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_what_is_written_is_what_is_read(found, delimiter):
    rows = [
        [name, f"person{n}@example.org", organisation, job_title, role]
        for n, (name, organisation, job_title, role) in enumerate(found)
    ]
    result = read_invitees("people.csv", csv_bytes([HEADER, *rows], delimiter=delimiter))

    assert result.ok
    assert [
        (invitee.name, invitee.organisation, invitee.job_title, invitee.role)
        for invitee in result.invitees
    ] == [
        (clean_text(name), clean_text(organisation), clean_text(job_title), role_of(role))
        for name, _email, organisation, job_title, role in rows
    ]


def test_the_template_file_reads_back_as_its_one_example_person():
    read = read_invitees("people-to-invite.csv", bulk.template_csv().encode())
    assert read.ok
    assert [(one.name, one.role) for one in read.invitees] == [("Sam Example", "champion")]
