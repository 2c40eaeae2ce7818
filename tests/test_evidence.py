"""Evidence files on an update: checked by content, stored outside static/ under random names,
carried by later revisions, and served only to people who may see the update."""

import io
import re
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.conftest import csrf_token, form_state, sign_in
from tracker import ROOT
from tracker.audit import SYSTEM, Actor
from tracker.auth import accounts
from tracker.updates import evidence, workflow

# Spencer Hunt, the demo champion, is board champion of recommendation 2.
HIS = 2
HEX_NAME = re.compile(r"[0-9a-f]{32}")


# ----- Files to upload ------------------------------------------------------------------------


def pdf_bytes(text: str = "Evidence") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real PNG: white pixels, 8-bit RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def docx_bytes(text: str = "Minutes of the workshop") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(*parts: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return out.getvalue()


# ----- Helpers --------------------------------------------------------------------------------


@pytest.fixture
def folder(app, tmp_path) -> Path:
    """This test's evidence folder."""
    path = tmp_path / "evidence"
    app.config["EVIDENCE_FOLDER"] = str(path)
    return path


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, files, action="draft", recommendation_id=HIS, **fields):
    """Save the update with `files` [(bytes, name)] through the real form."""
    url = f"/recommendations/{recommendation_id}/update"
    page = client.get(url).text
    assert 'enctype="multipart/form-data"' in page
    form = {
        "csrf_token": csrf_token(client, url),
        **form_state(page),
        "action": action,
        "status": "green",
        "narrative": "Progress made",
        **fields,
        "evidence": [(io.BytesIO(data), name) for data, name in files],
    }
    return client.post(url, data=form, content_type="multipart/form-data")


def approve(admin, recommendation_id=HIS):
    page = admin.get(f"/recommendations/{recommendation_id}").text
    response = admin.post(
        f"/recommendations/{recommendation_id}/review",
        data={
            "csrf_token": csrf_token(admin, f"/recommendations/{recommendation_id}"),
            **form_state(page),
            "decision": "approve",
        },
    )
    assert response.status_code == 302


def evidence_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM evidence_files ORDER BY id"))


def error_under_field(page: str) -> str:
    match = re.search(r'id="evidence-error">(.*?)</p>', page, re.DOTALL)
    assert match, "no error under the evidence field"
    return match[1]


# ----- Uploading and downloading --------------------------------------------------------------


def test_a_pdf_png_and_docx_are_stored_outside_static_and_download_byte_identical(
    signed_in, db, folder
):
    champion, admin = signed_in("champion"), signed_in("administrator")
    files = [
        (pdf_bytes(), "Workshop minutes.pdf"),
        (png_bytes(), "chart.png"),
        (docx_bytes(), "Action plan.docx"),
    ]
    response = upload(champion, files)
    assert response.status_code == 302

    revision = db.execute(
        "SELECT id FROM progress_updates WHERE recommendation_id = ? ORDER BY id DESC LIMIT 1",
        [HIS],
    ).fetchone()[0]
    rows = evidence_rows(db)
    assert [(row["original_name"], row["content_type"], row["update_id"]) for row in rows] == [
        ("Workshop minutes.pdf", "application/pdf", revision),
        ("chart.png", "image/png", revision),
        (
            "Action plan.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            revision,
        ),
    ]
    on_disk = stored_files(folder)
    assert sorted(path.name for path in on_disk) == sorted(row["stored_name"] for row in rows)
    assert all(HEX_NAME.fullmatch(path.name) for path in on_disk)
    assert not folder.resolve().is_relative_to((ROOT / "static").resolve())
    for row in rows:
        assert not list((ROOT / "static").rglob(row["stored_name"]))

    for client in (champion, admin):
        for row, (data, name) in zip(rows, files, strict=True):
            download = client.get(f"/evidence/{row['id']}")
            assert download.status_code == 200
            assert download.data == data
            assert download.headers["Content-Type"] == row["content_type"]
            assert download.headers["Content-Disposition"].startswith("attachment")
            assert name in download.headers["Content-Disposition"]
            assert download.headers["X-Content-Type-Options"] == "nosniff"
            assert download.headers["Cache-Control"] == "private, no-store"
            assert row["size"] == len(data)

    history = champion.get(f"/recommendations/{HIS}").text
    for row in rows:
        assert f'href="/evidence/{row["id"]}"' in history
    assert "Workshop minutes.pdf" in history and "chart.png" in history
    assert f"({len(files[1][0])} bytes)" in history  # its size


def test_the_download_is_named_as_uploaded_even_with_accents(signed_in, db, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "Réunion d'équipe, mars.pdf")]).status_code == 302
    row = evidence_rows(db)[0]
    assert row["original_name"] == "Réunion d'équipe, mars.pdf"
    disposition = champion.get(f"/evidence/{row['id']}").headers["Content-Disposition"]
    assert "filename*=UTF-8''R%C3%A9union%20d%27%C3%A9quipe%2C%20mars.pdf" in disposition


def close_the_quarter(db) -> None:
    """Close the demo's open quarter, 2022/23 Q4, as the board does after its meeting."""
    quarter_id = db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0]
    workflow.lock_quarter(db, 1, quarter_id, Actor(1, 1))


def test_the_scrutiny_panel_gets_a_file_only_once_its_approved_quarter_closes(
    signed_in, db, folder
):
    champion, admin, scrutiny = (
        signed_in("champion"),
        signed_in("administrator"),
        signed_in("scrutiny"),
    )
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")], action="draft").status_code == 302
    evidence_id = evidence_rows(db)[0]["id"]
    assert scrutiny.get(f"/evidence/{evidence_id}").status_code == 404
    assert f"/evidence/{evidence_id}" not in scrutiny.get(f"/recommendations/{HIS}").text

    assert upload(champion, [], action="submit").status_code == 302  # carries the file on
    assert scrutiny.get(f"/evidence/{evidence_id}").status_code == 404
    approve(admin)
    # Approved, but the board has not met: the panel sees only closed quarters.
    assert scrutiny.get(f"/evidence/{evidence_id}").status_code == 404
    assert f"/evidence/{evidence_id}" not in scrutiny.get(f"/recommendations/{HIS}").text
    close_the_quarter(db)
    download = scrutiny.get(f"/evidence/{evidence_id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert f'href="/evidence/{evidence_id}"' in scrutiny.get(f"/recommendations/{HIS}").text


@pytest.mark.parametrize("role", ["administrator", "scrutiny"])
def test_another_boards_members_get_404(app, signed_in, db, folder, role):
    champion = signed_in("champion")
    assert upload(champion, [(png_bytes(), "chart.png")], action="submit").status_code == 302
    approve(signed_in("administrator"))
    close_the_quarter(db)
    evidence_id = evidence_rows(db)[0]["id"]
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    accounts.create_user(
        db,
        email="someone@another.example.org",
        password="another-password-1",
        name="Someone else",
        board_id=board_id,
        role=role,
        actor=SYSTEM,
    )
    other = app.test_client()
    assert sign_in(other, "someone@another.example.org", "another-password-1").status_code == 302
    response = other.get(f"/evidence/{evidence_id}")
    assert response.status_code == 404
    assert not response.data.startswith(b"\x89PNG")
    assert signed_in(role).get(f"/evidence/{evidence_id}").status_code == 200  # not just broken


def test_a_file_missing_from_the_folder_is_a_404_not_a_500(signed_in, db, folder):
    champion = signed_in("champion")
    assert upload(champion, [(pdf_bytes(), "minutes.pdf")]).status_code == 302
    row = evidence_rows(db)[0]
    assert champion.get(f"/evidence/{row['id']}").status_code == 200
    (folder / row["stored_name"]).unlink()
    response = champion.get(f"/evidence/{row['id']}")
    assert response.status_code == 404 and "Page not found" in response.text
    assert champion.get("/evidence/999999").status_code == 404


def test_later_revisions_keep_the_earlier_files_without_storing_them_again(signed_in, db, folder):
    champion = signed_in("champion")
    first = pdf_bytes("First")
    assert upload(champion, [(first, "first.pdf")]).status_code == 302
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert "Already attached" in form and "first.pdf" in form

    assert upload(champion, [], narrative="Changed words").status_code == 302
    # The same file again, and a new one: only the new one is stored.
    assert upload(champion, [(first, "first again.pdf"), (png_bytes(), "new.png")]).status_code == (
        302
    )
    assert [row["original_name"] for row in evidence_rows(db)] == ["first.pdf", "new.png"]
    assert len(stored_files(folder)) == 2

    revisions = list(
        db.query(
            "SELECT * FROM progress_updates WHERE recommendation_id = ? AND quarter_id = ("
            "SELECT id FROM quarters WHERE label = '2022/23 Q4') ORDER BY revision",
            [HIS],
        )
    )
    assert [r["revision"] for r in revisions] == [1, 2, 3]
    names = [[f["original_name"] for f in evidence.files_of_revision(db, r)] for r in revisions]
    assert names == [["first.pdf"], ["first.pdf"], ["first.pdf", "new.png"]]

    history = champion.get(f"/recommendations/{HIS}/history").text
    first_id = evidence_rows(db)[0]["id"]
    assert history.count(f'href="/evidence/{first_id}"') == 3  # listed with every revision


def test_files_do_not_follow_the_update_into_the_next_quarter(signed_in, db, folder):
    champion, admin = signed_in("champion"), signed_in("administrator")
    assert upload(champion, [(pdf_bytes(), "q4.pdf")], action="submit").status_code == 302
    approve(admin)
    workflow.lock_quarter(
        db,
        1,
        db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0],
        SYSTEM,
    )
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert "2023/24 Q1" in form and "q4.pdf" not in form


# ----- Refusals -------------------------------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML_PAGE = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "setup.pdf", "is not a PDF, Word"),
        (HTML_PAGE, "page.html", "is not a PDF, Word"),
        (HTML_PAGE, "page.pdf", "is not a PDF, Word"),
        (HTML_PAGE + b"%PDF-1.7", "polyglot.pdf", "is not a PDF, Word"),
        (SVG, "picture.svg", "is not a PDF, Word"),
        (SVG, "picture.png", "is not a PDF, Word"),
        ("pdf", "report.png", "is a PDF but its name does not end in .pdf"),
        ("png", "chart.pdf", "is a PNG image but its name does not end in .png"),
        ("docx", "minutes.xlsx", "is a Word document but its name does not end in .docx"),
        ("docx", "minutes.exe", "is a Word document but its name does not end in .docx"),
        (zip_bytes("readme.txt"), "archive.docx", "is not a PDF, Word"),
        (
            zip_bytes("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
            "macros.docx",
            "is not a PDF, Word",
        ),
        (b"", "empty.pdf", "is empty"),
    ],
)
def test_a_file_that_is_not_an_allowed_type_refuses_the_whole_save(
    signed_in, count_rows, folder, data, name, message
):
    data = (
        {"pdf": pdf_bytes, "png": png_bytes, "docx": docx_bytes}[data]()
        if isinstance(data, str)
        else data
    )
    champion = signed_in("champion")
    before = count_rows()
    response = upload(champion, [(png_bytes(), "fine.png"), (data, name)])
    assert response.status_code == 400
    assert message in error_under_field(response.text)
    assert '<a href="#evidence">' in response.text  # in the error summary too
    assert "choose them again" in response.text
    assert "Progress made" in response.text  # the words are kept
    assert count_rows() == before
    assert stored_files(folder) == []


def test_an_oversized_file_is_refused(app, signed_in, count_rows, folder):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    champion = signed_in("champion")
    before = count_rows()
    big = png_bytes() + b"\x00" * 1000  # bytes after the end: still a PNG by its header
    assert len(big) > 1000
    response = upload(champion, [(big, "big.png")])
    assert response.status_code == 400
    assert "big.png is larger than 1000 bytes" in error_under_field(response.text)
    assert count_rows() == before and stored_files(folder) == []
    small = png_bytes()
    assert upload(champion, [(small, "small.png")]).status_code == 302  # the limit, not the type


def test_more_than_ten_files_at_once_are_refused(signed_in, count_rows, folder):
    champion = signed_in("champion")
    before = count_rows()
    files = [(png_bytes(n + 1, 1), f"chart {n}.png") for n in range(11)]
    response = upload(champion, files)
    assert response.status_code == 400
    assert "no more than 10" in error_under_field(response.text)
    assert count_rows() == before and stored_files(folder) == []
    assert upload(champion, files[:10]).status_code == 302
    assert len(stored_files(folder)) == 10


def test_a_problem_elsewhere_in_the_form_stores_no_file(signed_in, count_rows, folder):
    champion = signed_in("champion")
    before = count_rows()
    response = upload(champion, [(pdf_bytes(), "minutes.pdf")], narrative=" ")
    assert response.status_code == 400 and "Enter the progress made" in response.text
    assert "choose them again" in response.text
    assert count_rows() == before and stored_files(folder) == []


def test_a_request_larger_than_the_limit_is_refused_whole(app, signed_in, count_rows, folder):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    champion = signed_in("champion")
    before = count_rows()
    response = upload(champion, [(png_bytes(100, 100) + b"\x00" * 30_000, "large.png")])
    assert response.status_code == 413
    assert count_rows() == before and stored_files(folder) == []


def test_unsafe_names_are_stored_safely_and_shown_escaped(signed_in, db, folder, tmp_path):
    champion = signed_in("champion")
    files = [
        (pdf_bytes("one"), "../../etc/passwd.pdf"),
        (pdf_bytes("two"), "<script>.pdf"),
        (pdf_bytes("three"), "report\u202egpj.pdf"),
    ]
    assert upload(champion, files).status_code == 302
    rows = evidence_rows(db)
    assert [row["original_name"] for row in rows] == ["passwd.pdf", "<script>.pdf", "reportgpj.pdf"]
    assert all(HEX_NAME.fullmatch(path.name) for path in stored_files(folder))
    assert len(stored_files(folder)) == 3
    assert not (tmp_path / "etc").exists() and not (folder.parent / "etc").exists()
    history = champion.get(f"/recommendations/{HIS}").text
    assert "&lt;script&gt;.pdf" in history and "<script>.pdf" not in history
    form = champion.get(f"/recommendations/{HIS}/update").text
    assert "&lt;script&gt;.pdf" in form and "<script>.pdf" not in form
    disposition = champion.get(f"/evidence/{rows[0]['id']}").headers["Content-Disposition"]
    assert disposition == "attachment; filename=passwd.pdf"


def test_a_refused_name_is_escaped_in_the_error(signed_in, folder):
    response = upload(signed_in("champion"), [(HTML_PAGE, "<img src=x onerror=alert(1)>.pdf")])
    assert response.status_code == 400
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf is not" in error_under_field(response.text)
    assert "<img src=x" not in response.text


# ----- Failures while storing -----------------------------------------------------------------


def test_a_failed_transaction_removes_the_files_it_wrote(db, folder, monkeypatch):
    quarter_id = db.execute("SELECT id FROM quarters WHERE label = '2022/23 Q4'").fetchone()[0]
    files = [
        evidence.check_file("a.pdf", io.BytesIO(pdf_bytes("a")), 10_000_000),
        evidence.check_file("b.png", io.BytesIO(png_bytes()), 10_000_000),
    ]
    real_insert, inserted = evidence.audit.insert, []

    def failing_insert(db, table, row, actor):
        if table == "evidence_files":
            inserted.append(row)
            if len(inserted) == 2:
                raise sqlite3.OperationalError("disk I/O error")
        return real_insert(db, table, row, actor)

    monkeypatch.setattr(evidence.audit, "insert", failing_insert)
    updates_before = db["progress_updates"].count
    with pytest.raises(sqlite3.OperationalError):
        evidence.save_with_files(
            db,
            folder,
            files,
            Actor(1, 1),
            lambda: workflow.save_update(
                db, HIS, quarter_id, {"narrative": "x"}, 0, False, Actor(1, 1)
            ),
        )
    assert len(inserted) == 2  # the first file was written and recorded before the failure
    assert stored_files(folder) == []
    assert db["progress_updates"].count == updates_before
    assert db["evidence_files"].count == 0


def test_a_folder_that_cannot_be_written_saves_nothing(app, signed_in, count_rows, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    app.config["EVIDENCE_FOLDER"] = str(blocked)
    champion = signed_in("champion")
    before = count_rows()
    response = upload(champion, [(pdf_bytes(), "minutes.pdf")])
    assert response.status_code == 500
    assert "could not be stored, so nothing was saved" in error_under_field(response.text)
    assert count_rows() == before


def test_a_conflicting_save_stores_no_file(signed_in, db, count_rows, folder):
    champion, admin = signed_in("champion"), signed_in("administrator")
    url = f"/recommendations/{HIS}/update"
    page = champion.get(url).text
    stale = {"csrf_token": csrf_token(champion, url), **form_state(page), "based_on": "0"}
    assert upload(admin, []).status_code == 302  # someone else saves first
    before = count_rows()
    response = champion.post(
        url,
        data={
            **stale,
            "action": "draft",
            "narrative": "Mine",
            "evidence": [(io.BytesIO(pdf_bytes()), "minutes.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 409 and "choose them again" in response.text
    assert count_rows() == before and stored_files(folder) == []


# ----- Checking content -----------------------------------------------------------------------

OFFICE = "application/vnd.openxmlformats-officedocument."


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (
            zip_bytes("[Content_Types].xml", "xl/workbook.xml"),
            "figures.xlsx",
            OFFICE + "spreadsheetml.sheet",
        ),
        (
            zip_bytes("[Content_Types].xml", "ppt/presentation.xml"),
            "slides.PPTX",
            OFFICE + "presentationml.presentation",
        ),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpg", "image/jpeg"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpeg", "image/jpeg"),
        (b"GIF89a" + b"\x00" * 20, "animation.gif", "image/gif"),
    ],
)
def test_office_files_and_images_are_recognised_by_content(data, name, content_type):
    checked = evidence.check_file(name, io.BytesIO(data), 1000)
    assert (checked.content_type, checked.size, checked.original_name) == (
        content_type,
        len(data),
        name,
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (zip_bytes("[Content_Types].xml", "xl/workbook.xml"), "figures.docx"),
        (zip_bytes("xl/workbook.xml"), "figures.xlsx"),  # no content types: not Office
        (b"PK\x03\x04 not really a zip", "broken.docx"),
        (b"GIF89a" + b"\x00" * 20, "animation.png"),
    ],
)
def test_office_files_and_images_with_the_wrong_name_or_shape_are_refused(data, name):
    with pytest.raises(evidence.EvidenceError):
        evidence.check_file(name, io.BytesIO(data), 1000)


def test_a_readable_name_has_no_folders_controls_or_excess_length():
    assert evidence.readable_name("..\\..\\Windows\\win.pdf") == "win.pdf"
    assert evidence.readable_name("a\x00b\x1b[31m\u202e\u200bc  d\n.pdf") == "ab[31mc d.pdf"
    assert evidence.readable_name("...hidden.pdf") == "hidden.pdf"
    long = evidence.readable_name("x" * 400 + ".docx")
    assert len(long) == 255 and long.endswith("x.docx")
