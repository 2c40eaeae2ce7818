"""Evidence that can be corrected (removed or replaced while the update is a draft or returned),
the legacy Office, Outlook, email, CSV and OpenDocument files accepted by their content, and
the limits that bound how much is stored: a per-board quota and uploads per hour."""

import io
import sqlite3
import time
import zipfile
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.conftest import csrf_token, form_state, sign_in
from tests.fixtures.compound_file import compound_file
from tests.test_evidence import (
    HIS,
    approve,
    close_the_quarter,
    evidence_rows,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
)
from tracker.audit import SYSTEM, Actor
from tracker.auth import accounts
from tracker.plan_changes import changes as plan_changes
from tracker.updates import evidence, workflow
from tracker.updates.file_kinds import ODT_MIMETYPE

MB = 1024 * 1024


# ----- Samples of the new kinds, built here ---------------------------------------------------


def doc_bytes(macros: bool = False) -> bytes:
    """A Word 97-2003 document: a compound file with a WordDocument stream (FIB magic first),
    and a Macros storage holding a VBA project when `macros`."""
    tree = {"WordDocument": b"\xec\xa5\xc1\x00", "1Table": b"\x00", "\x05SummaryInformation": b""}
    if macros:
        tree["Macros"] = {"VBA": {"dir": b"\x01", "ThisDocument": b"Attribute VB_Name"}}
    return compound_file(tree)


def biff_record(kind: int, body: bytes = b"") -> bytes:
    return kind.to_bytes(2, "little") + len(body).to_bytes(2, "little") + body


def xls_bytes(macros: bool = False, macro_sheet: bool = False) -> bytes:
    """An Excel 97-2003 workbook: BOF, one BOUNDSHEET (a worksheet, or an Excel 4.0 macro sheet),
    EOF; with a _VBA_PROJECT_CUR storage when `macros`."""
    sheet = b"\x00\x00\x00\x00" + b"\x00" + (b"\x01" if macro_sheet else b"\x00") + b"\x01\x00A"
    workbook = biff_record(0x0809, b"\x00\x06\x05\x00") + biff_record(0x0085, sheet)
    tree = {"Workbook": workbook + biff_record(0x000A)}
    if macros:
        tree["_VBA_PROJECT_CUR"] = {"PROJECT": b"ID=", "VBA": {"dir": b"\x01"}}
    return compound_file(tree)


def msg_bytes() -> bytes:
    """An Outlook message: its properties in __substg1.0_ streams, subject and body."""
    return compound_file(
        {
            "__substg1.0_0037001F": "Strategy meeting".encode("utf-16-le"),
            "__substg1.0_1000001F": "Minutes attached.".encode("utf-16-le"),
            "__properties_version1.0": b"\x00" * 32,
            "__nameid_version1.0": {"__substg1.0_00020102": b"\x00"},
        }
    )


def eml_bytes(**headers: str) -> bytes:
    message = EmailMessage()
    fields = {
        "From": "Jo Bloggs <jo.bloggs@example.org>",
        "To": "board@example.org",
        "Subject": "Referral figures for the board",
        "Date": formatdate(0),
    }
    for name, value in (fields | headers).items():
        if value:
            message[name] = value
    message.set_content("The figures are attached.")
    return bytes(message)


def odt_bytes(mimetype: bytes = ODT_MIMETYPE, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        if macros:
            archive.writestr("Basic/Standard/Module1.xml", "<script:module/>")
    return out.getvalue()


CSV = b"Month,Referrals,Change\r\nApril,12,\r\nMay,9,-3\r\nJune,-,+1.5%\r\n"


# ----- Helpers --------------------------------------------------------------------------------


@pytest.fixture
def folder(app, tmp_path) -> Path:
    """This test's evidence folder."""
    path = tmp_path / "evidence"
    app.config["EVIDENCE_FOLDER"] = str(path)
    return path


def revisions(db, recommendation_id=HIS) -> list[dict]:
    return list(
        db.query(
            "SELECT * FROM progress_updates WHERE recommendation_id = ? AND quarter_id = ("
            "SELECT id FROM quarters WHERE label = '2022/23 Q4') ORDER BY revision",
            [recommendation_id],
        )
    )


def names_carried(db, revision: dict) -> list[str]:
    return [file["original_name"] for file in evidence.files_of_revision(db, revision)]


def change_files(client, remove=(), replace=None, files=(), action="draft", **fields):
    """Save the update through the real form, ticking `remove` (ids) and choosing a file for
    each `replace` {id: (bytes, name)}."""
    url = f"/recommendations/{HIS}/update"
    page = client.get(url).text
    form = {
        "csrf_token": csrf_token(client, url),
        **form_state(page),
        "action": action,
        "status": "green",
        "narrative": "Progress made",
        "remove": [str(evidence_id) for evidence_id in remove],
        "evidence": [(io.BytesIO(data), name) for data, name in files],
        **{
            f"replace-{evidence_id}": (io.BytesIO(data), name)
            for evidence_id, (data, name) in (replace or {}).items()
        },
        **fields,
    }
    return client.post(url, data=form, content_type="multipart/form-data")


def return_update(admin, recommendation_id=HIS):
    url = f"/recommendations/{recommendation_id}"
    response = admin.post(
        f"{url}/review",
        data={
            "csrf_token": csrf_token(admin, url),
            **form_state(admin.get(url).text),
            "decision": "return",
            "note": "Please attach the right minutes",
        },
    )
    assert response.status_code == 302


def error_under_field(page: str) -> str:
    start = page.index('id="evidence-error">')
    return page[start : page.index("</p>", start)]


def removals(db) -> list[dict]:
    return list(db.query("SELECT * FROM evidence_removals ORDER BY id"))


# ----- Removing and replacing -----------------------------------------------------------------


def test_a_file_removed_from_a_draft_leaves_later_revisions_and_is_erased(signed_in, db, folder):
    champion = signed_in("champion")
    wrong = pdf_bytes("Another child's letter")
    assert upload(champion, [(wrong, "letter.pdf"), (png_bytes(), "chart.png")]).status_code == 302
    letter, chart = evidence_rows(db)
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert f'name="remove" type="checkbox" value="{letter["id"]}"' in form
    assert f'name="replace-{letter["id"]}"' in form

    assert change_files(champion, remove=[letter["id"]]).status_code == 302
    first, second = revisions(db)
    assert names_carried(db, first) == ["letter.pdf", "chart.png"]
    assert names_carried(db, second) == ["chart.png"]
    [removal] = removals(db)
    assert (removal["evidence_id"], removal["update_id"], removal["replaced_by"]) == (
        letter["id"],
        second["id"],
        None,
    )
    assert (removal["removed_by"], removal["file_erased"]) == (2, 1)
    # Only drafts ever carried it: its bytes are gone, for everyone.
    assert [path.name for path in stored_files(folder)] == [chart["stored_name"]]
    for client in (champion, signed_in("administrator")):
        assert client.get(f"/evidence/{letter['id']}").status_code == 404
    history = champion.get(f"/recommendations/{HIS}/history").text
    assert "letter.pdf" in history and f'href="/evidence/{letter["id"]}"' not in history
    assert "Removed on" in history and "Spencer Hunt" in history
    assert "Evidence removed:" in history
    assert "letter.pdf" not in champion.get(f"/recommendations/{HIS}/update").text
    logged = db.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'evidence_removals'"
    ).fetchone()[0]
    assert logged == 1
    log = signed_in("administrator").get("/boards/1/audit-log?plan=1").text
    assert "evidence file taken off an update" in log


def test_a_file_once_submitted_keeps_its_bytes_for_the_history(signed_in, db, folder):
    champion, admin = signed_in("champion"), signed_in("administrator")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")], action="submit").status_code == 302
    return_update(admin)
    [minutes] = evidence_rows(db)
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert f'value="{minutes["id"]}"' in form  # returned: it may be corrected

    assert change_files(champion, remove=[minutes["id"]]).status_code == 302
    [removal] = removals(db)
    assert removal["file_erased"] == 0
    assert [path.name for path in stored_files(folder)] == [minutes["stored_name"]]
    submitted, returned, draft = revisions(db)
    assert names_carried(db, submitted) == names_carried(db, returned) == ["minutes.pdf"]
    assert names_carried(db, draft) == []
    assert admin.get(f"/evidence/{minutes['id']}").status_code == 200
    history = admin.get(f"/recommendations/{HIS}/history").text
    assert history.count(f'href="/evidence/{minutes["id"]}"') == 2  # the two that carried it
    assert "Removed on" in history


def test_the_scrutiny_panel_never_gets_a_file_taken_off_before_approval(signed_in, db, folder):
    champion, admin = signed_in("champion"), signed_in("administrator")
    scrutiny = signed_in("scrutiny")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")], action="submit").status_code == 302
    return_update(admin)
    [minutes] = evidence_rows(db)
    assert change_files(champion, remove=[minutes["id"]], action="submit").status_code == 302
    approve(admin)
    close_the_quarter(db)
    # Kept for the history (it was submitted once), but no approved revision carries it.
    assert admin.get(f"/evidence/{minutes['id']}").status_code == 200
    assert scrutiny.get(f"/evidence/{minutes['id']}").status_code == 404
    assert "minutes.pdf" not in scrutiny.get(f"/recommendations/{HIS}").text


def test_a_file_is_replaced_by_another(signed_in, db, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes("Draft minutes"), "minutes v1.pdf")]).status_code == 302
    [old] = evidence_rows(db)
    replaced = change_files(champion, replace={old["id"]: (pdf_bytes("Final"), "minutes v2.pdf")})
    assert replaced.status_code == 302
    old, new = evidence_rows(db)
    [removal] = removals(db)
    assert (removal["evidence_id"], removal["replaced_by"]) == (old["id"], new["id"])
    assert names_carried(db, revisions(db)[-1]) == ["minutes v2.pdf"]
    assert [path.name for path in stored_files(folder)] == [new["stored_name"]]
    history = champion.get(f"/recommendations/{HIS}/history").text
    assert "minutes v1.pdf, replaced by minutes v2.pdf" in history


def test_a_failed_save_neither_removes_nor_erases(db, folder, monkeypatch):
    quarter_id = db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0]
    actor = Actor(2, 1)

    def save(based_on):
        return lambda: workflow.save_update(
            db, HIS, quarter_id, {"narrative": "x"}, based_on, False, actor
        )

    first = evidence.check_file("a.pdf", io.BytesIO(pdf_bytes("a")), 10 * MB)
    evidence.save_with_files(db, folder, [first], actor, save(0))
    [kept] = evidence_rows(db)
    replacement = evidence.check_file("b.png", io.BytesIO(png_bytes()), 10 * MB)
    real_insert = evidence.audit.insert

    def failing_insert(db, table, row, actor):
        if table == "evidence_removals":
            raise sqlite3.OperationalError("disk I/O error")
        return real_insert(db, table, row, actor)

    monkeypatch.setattr(evidence.audit, "insert", failing_insert)
    changes = evidence.EvidenceChanges(replacements={kept["id"]: replacement})
    with pytest.raises(sqlite3.OperationalError):
        evidence.save_with_changes(db, folder, changes, actor, save(1))
    assert [path.name for path in stored_files(folder)] == [kept["stored_name"]]
    assert evidence_rows(db) == [kept] and removals(db) == []
    assert len(revisions(db)) == 1


def test_files_cannot_be_removed_once_submitted(signed_in, db, count_rows, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")], action="submit").status_code == 302
    [minutes] = evidence_rows(db)
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert 'name="remove"' not in form and "minutes.pdf" in form
    before = count_rows()
    response = change_files(champion, remove=[minutes["id"]], action="submit")
    assert response.status_code == 400
    assert "This update is submitted: files can be removed" in error_under_field(response.text)
    assert count_rows() == before and len(stored_files(folder)) == 1


def test_files_cannot_be_removed_once_approved(signed_in, db, count_rows, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")], action="submit").status_code == 302
    approve(signed_in("administrator"))
    [minutes] = evidence_rows(db)
    before = count_rows()
    response = change_files(champion, remove=[minutes["id"]], action="submit")
    assert response.status_code == 409 and "has been approved" in response.text
    assert count_rows() == before and len(stored_files(folder)) == 1


def test_files_cannot_be_removed_on_a_closed_quarter(signed_in, db, count_rows, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")]).status_code == 302
    [minutes] = evidence_rows(db)
    close_the_quarter(db)
    quarter_id = db.execute(
        "SELECT quarter_id FROM progress_updates WHERE id = ?", [minutes["update_id"]]
    ).fetchone()[0]
    before = count_rows()
    with pytest.raises(workflow.QuarterLocked):
        evidence.save_with_changes(
            db,
            folder,
            evidence.EvidenceChanges(removed=frozenset({minutes["id"]})),
            Actor(2, 1),
            lambda: workflow.save_update(
                db, HIS, quarter_id, {"narrative": "x"}, 1, False, Actor(2, 1)
            ),
        )
    assert count_rows() == before and len(stored_files(folder)) == 1
    # Through the form, the next quarter's update carries none of last quarter's files.
    assert "minutes.pdf" not in champion.get(f"/recommendations/{HIS}/update").text


def test_files_cannot_be_removed_once_the_recommendation_is_withdrawn(
    signed_in, db, count_rows, folder
):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")]).status_code == 302
    [minutes] = evidence_rows(db)
    url = f"/recommendations/{HIS}/update"
    stale = {"csrf_token": csrf_token(champion, url), **form_state(champion.get(url).text)}
    recommendation = db["recommendations"].get(HIS)
    fingerprint = plan_changes.recommendation_fingerprint(recommendation)
    plan_changes.withdraw_recommendation(db, HIS, "Merged", fingerprint, SYSTEM)
    before = count_rows()
    response = champion.post(
        url,
        data={**stale, "action": "draft", "narrative": "x", "remove": str(minutes["id"])},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409 and "withdrawn by the board" in response.text
    assert count_rows() == before and len(stored_files(folder)) == 1


def test_someone_else_cannot_remove_a_file(app, signed_in, db, count_rows, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")]).status_code == 302
    [minutes] = evidence_rows(db)
    accounts.create_user(
        db,
        email="another.champion@example.org",
        password="another-password-1",
        name="Another Champion",
        board_id=1,
        role="champion",
        actor=SYSTEM,
    )
    other = app.test_client()
    assert sign_in(other, "another.champion@example.org", "another-password-1").status_code == 302
    url = f"/recommendations/{HIS}/update"
    before = count_rows()
    response = other.post(
        url,
        data={
            "csrf_token": csrf_token(other, "/"),
            "based_on": "1",
            "quarter": "2022/23 Q4",
            "action": "draft",
            "narrative": "x",
            "remove": str(minutes["id"]),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert count_rows() == before and len(stored_files(folder)) == 1


def test_a_file_of_another_update_cannot_be_removed_from_this_one(
    signed_in, db, count_rows, folder
):
    admin = signed_in("administrator")
    assert upload(admin, [(pdf_bytes(), "elsewhere.pdf")], recommendation_id=1).status_code == 302
    [elsewhere] = evidence_rows(db)
    champion = signed_in("champion")
    assert upload(champion, [(png_bytes(), "mine.png")]).status_code == 302
    before = count_rows()
    for remove in ([elsewhere["id"]], ["1; DROP TABLE evidence_files"], ["-1"]):
        response = change_files(champion, remove=remove)
        assert response.status_code == 400
        assert "remove or replace" in error_under_field(response.text)
    assert count_rows() == before and len(stored_files(folder)) == 2


# ----- New kinds, by content ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (doc_bytes, "Minutes.doc", "application/msword"),
        (xls_bytes, "Figures.xls", "application/vnd.ms-excel"),
        (msg_bytes, "Meeting.msg", "application/vnd.ms-outlook"),
        (eml_bytes, "Referral figures.eml", "message/rfc822"),
        (lambda: CSV, "referrals.csv", "text/csv"),
        (odt_bytes, "Action plan.odt", "application/vnd.oasis.opendocument.text"),
    ],
)
def test_each_new_kind_is_accepted_and_downloaded_as_an_attachment(
    signed_in, db, folder, make, name, content_type
):
    champion = signed_in("champion")
    data = make()
    assert upload(champion, [(data, name)]).status_code == 302
    [row] = evidence_rows(db)
    assert (row["original_name"], row["content_type"], row["size"]) == (
        name,
        content_type,
        len(data),
    )
    download = champion.get(f"/evidence/{row['id']}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"] == content_type  # no charset claimed for a CSV
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (doc_bytes(macros=True), "Minutes.doc", "contains macros"),
        (xls_bytes(macros=True), "Figures.xls", "contains macros"),
        (xls_bytes(macro_sheet=True), "Figures.xls", "Excel 4.0 macro sheet"),
        (odt_bytes(macros=True), "Plan.odt", "contains macros"),
        (doc_bytes(), "Minutes.xls", "is a Word 97-2003 document but its name does not end in"),
        (msg_bytes(), "Meeting.eml", "is an Outlook message but its name does not end in .msg"),
        (compound_file({"PowerPoint Document": b"x"}), "Slides.doc", "is not a PDF"),
        (compound_file({"WordDocument": b"x", "Workbook": b"y"}), "Both.doc", "is not a PDF"),
        (b"Month,Referrals\x00\x00\r\n", "renamed.csv", "is not a PDF"),
        (b"\x81\x8d\x8f\x90\x9d", "undecodable.csv", "is not a PDF"),
        (b"Name,Total\r\nA,=1+1\r\n", "formula.csv", "row 2, column 2"),
        (b'Name\r\n"=HYPERLINK(""http://x"",""y"")"\r\n', "link.csv", "run as a formula"),
        (b"Name;Note\r\nA;@SUM(A1)\r\n", "semicolons.csv", "row 2, column 2"),
        (b"Name\r\n-2+3\r\n", "sum.csv", "run as a formula"),
        (eml_bytes(From=""), "no sender.eml", "is not a PDF"),
        (eml_bytes(Date="", Subject=""), "no date.eml", "is not a PDF"),
        (b"<!doctype html><script>alert(1)</script>", "page.eml", "is not a PDF"),
        (b"From someone@example.org Mon Jan 1\nFrom: x\n\nbody", "mbox.eml", "is not a PDF"),
        (odt_bytes(mimetype=b"application/vnd.oasis.opendocument.spreadsheet"), "s.odt", "not a"),
        (b"Month,Referrals\r\nApril,12\r\n", "figures.txt", "is not a PDF"),
    ],
)
def test_new_kinds_with_macros_formulas_or_the_wrong_shape_are_refused(
    signed_in, count_rows, folder, data, name, message
):
    champion = signed_in("champion")
    before = count_rows()
    response = upload(champion, [(png_bytes(), "fine.png"), (data, name)])
    assert response.status_code == 400
    assert message in error_under_field(response.text)
    assert count_rows() == before and stored_files(folder) == []


def test_csv_in_windows_1252_with_numbers_and_a_byte_order_mark_is_accepted():
    for data in (
        "Area,Spend\r\nGrimsby,\u00a3120\r\nCleethorpes,-45.50\r\n".encode("cp1252"),
        b"\xef\xbb\xbf" + CSV,
        b"Name\tScore\r\nA\t-1\r\nB\t+2\r\n",
    ):
        checked = evidence.check_file("figures.csv", io.BytesIO(data), MB)
        assert checked.content_type == "text/csv"


def test_hostile_compound_files_and_zips_are_judged_quickly(db):
    # A directory of 30,000 entries chained one after another (a recursion bomb for a naive
    # reader), an OpenDocument zip whose content would unpack to 512 MB, and a FAT that loops.
    deep = compound_file({"WordDocument": b"x", **{f"S{i:05d}": {} for i in range(30_000)}})
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE)
        with archive.open("content.xml", "w", force_zip64=True) as part:
            zeros = b"\x00" * MB
            for _ in range(512):
                part.write(zeros)
    loop = bytearray(doc_bytes())
    loop[516:520] = (1).to_bytes(4, "little")  # the directory's sector chains to itself
    # A workbook of 1.5 million empty records and no end to its globals.
    endless = compound_file({"Workbook": biff_record(0x0001) * 1_500_000})
    hostile = [(deep, "deep.doc"), (bomb.getvalue(), "bomb.odt"), (loop, "loop.doc")]
    for data, name in [*hostile, (endless, "endless.xls")]:
        started = time.monotonic()
        try:
            checked = evidence.check_file(name, io.BytesIO(bytes(data)), 10 * MB)
        except evidence.EvidenceError:
            checked = None
        assert time.monotonic() - started < 2, name
        assert checked is None or checked.size < 10 * MB
    with pytest.raises(evidence.EvidenceError, match="is not a PDF"):
        evidence.check_file("endless.xls", io.BytesIO(endless), 10 * MB)
    # The bomb is an OpenDocument file by its first member: accepted, never unpacked.
    assert evidence.check_file("bomb.odt", io.BytesIO(bomb.getvalue()), 10 * MB).size < MB


def test_the_form_lists_the_new_kinds():
    for extension in ("doc", "xls", "msg", "eml", "csv", "odt"):
        assert f".{extension}" in evidence.ACCEPT.split(",")


# ----- Limits ---------------------------------------------------------------------------------


def test_a_quota_reached_by_the_second_file_of_a_save_stores_nothing(
    signed_in, db, count_rows, folder
):
    champion = signed_in("champion")
    first, second = pdf_bytes("first"), pdf_bytes("second" * 50)
    db["boards"].update(1, {"evidence_quota_bytes": len(first) + len(second) - 1})
    before = count_rows()
    response = upload(champion, [(first, "first.pdf"), (second, "second.pdf")])
    assert response.status_code == 400
    message = error_under_field(response.text)
    assert "This board&#39;s evidence store is full: 0 bytes of" in message
    assert "Remove files or ask an administrator" in message and "Nothing was saved" in message
    assert "choose them again" in response.text
    assert count_rows() == before and stored_files(folder) == []
    # One at a time, the first fits and the second does not.
    assert upload(champion, [(first, "first.pdf")]).status_code == 302
    assert upload(champion, [(second, "second.pdf")]).status_code == 400
    assert len(stored_files(folder)) == 1


def test_erasing_a_draft_file_makes_room_for_its_replacement(signed_in, db, folder):
    champion = signed_in("champion")
    wrong, right = pdf_bytes("wrong"), pdf_bytes("right")
    db["boards"].update(1, {"evidence_quota_bytes": max(len(wrong), len(right)) + 10})
    assert upload(champion, [(wrong, "wrong.pdf")]).status_code == 302
    [old] = evidence_rows(db)
    assert upload(champion, [(right, "right.pdf")]).status_code == 400  # full
    replaced = change_files(champion, replace={old["id"]: (right, "right.pdf")})
    assert replaced.status_code == 302
    usage = evidence.evidence_usage(db, 1, 10 * MB)
    assert usage.used == len(right)


def test_uploads_per_hour_are_limited(app, signed_in, db, count_rows, folder):
    app.config["EVIDENCE_UPLOADS_PER_HOUR"] = 3
    champion = signed_in("champion")
    files = [(png_bytes(n + 1, 1), f"chart {n}.png") for n in range(4)]
    assert upload(champion, files[:2]).status_code == 302
    before = count_rows()
    response = upload(champion, files[2:])
    assert response.status_code == 400
    message = error_under_field(response.text)
    assert "You can upload up to 3 files an hour and have uploaded 2" in message
    assert "attach no more than 1 now" in message
    assert count_rows() == before and len(stored_files(folder)) == 2
    assert upload(champion, files[2:3]).status_code == 302
    refused = upload(champion, files[3:])
    assert refused.status_code == 400 and "try again later" in error_under_field(refused.text)
    # An hour on, the count starts again.
    db.execute("UPDATE evidence_files SET uploaded_at = '2020-01-01T00:00:00.000Z'")
    db.conn.commit()
    assert upload(champion, files[3:]).status_code == 302


# ----- The board's evidence limit -------------------------------------------------------------

STORAGE = "/boards/1/evidence-storage"


def test_an_administrator_sees_the_usage_and_sets_the_boards_limit(signed_in, db, folder):
    champion, admin = signed_in("champion"), signed_in("administrator")
    data = pdf_bytes()
    assert upload(champion, [(data, "minutes.pdf")]).status_code == 302
    page = admin.get(STORAGE).text
    assert f"{evidence.describe_size(len(data))} of 2048 MB used" in page
    assert 'href="/boards/1/evidence-storage"' in admin.get("/plans/1").text

    token = csrf_token(admin, STORAGE)
    response = admin.post(STORAGE, data={"csrf_token": token, "quota": " 500 "})
    assert response.status_code == 302
    assert db["boards"].get(1)["evidence_quota_bytes"] == 500 * MB
    page = admin.get(STORAGE).text
    assert "of 500 MB used" in page and 'value="500"' in page
    entry = db.execute(
        "SELECT after FROM audit_log WHERE table_name = 'boards' ORDER BY id DESC LIMIT 1"
    ).fetchone()[0]
    assert '"evidence_quota_bytes": 524288000' in entry

    assert admin.post(STORAGE, data={"csrf_token": token, "quota": ""}).status_code == 302
    assert db["boards"].get(1)["evidence_quota_bytes"] is None


@pytest.mark.parametrize(
    "typed",
    ["0", "-1", "abc", "1e9", "2.5", "\u0663", "9" * 40, "1048577", "<script>alert(1)</script>"],
)
def test_a_limit_that_is_not_a_whole_number_of_megabytes_is_refused(signed_in, db, typed):
    admin = signed_in("administrator")
    db["boards"].update(1, {"evidence_quota_bytes": 100 * MB})
    response = admin.post(STORAGE, data={"csrf_token": csrf_token(admin, STORAGE), "quota": typed})
    assert response.status_code == 400
    assert "Error: Evidence storage" in response.text
    assert '<a href="#quota">' in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert db["boards"].get(1)["evidence_quota_bytes"] == 100 * MB


def test_only_the_boards_administrators_see_or_set_its_limit(signed_in, db):
    for role in ("champion", "scrutiny"):
        client = signed_in(role)
        assert client.get(STORAGE).status_code == 403
        response = client.post(STORAGE, data={"csrf_token": csrf_token(client, "/"), "quota": "1"})
        assert response.status_code == 403
    assert db["boards"].get(1)["evidence_quota_bytes"] is None
