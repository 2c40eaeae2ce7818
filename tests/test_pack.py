"""The board pack as a PDF: read back its pages, turn them into images, and prove it shows
approved updates only, keeps closed quarters' packs byte for byte, keeps rows on one page and
fetches nothing from outside."""

import hashlib
import io
import json
import re
import sqlite3
import subprocess
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.conftest import csrf_token
from tracker import ROOT
from tracker.audit import Actor
from tracker.pack.layout import fit_paragraphs, lines_needed
from tracker.pack.render import render_pdf
from tracker.updates import workflow

A4_LANDSCAPE = (842, 595)  # points, to the nearest point
TITLE = "North East Lincolnshire Youth Justice Services HMIP improvement plan"
TABLE_HEADER = "Key lines of enquiry in report"
Q3, Q4 = "2022/23 Q3", "2022/23 Q4"
CHAMPION = Actor(user_id=2, board_id=1)


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def make_pack(runner, tmp_path, *options: str) -> bytes:
    output = tmp_path / "pack.pdf"
    result = runner.invoke(args=["pack", *options, "--output", str(output)])
    assert result.exit_code == 0, result.output
    return output.read_bytes()


@pytest.fixture
def pack(runner, tmp_path) -> bytes:
    return make_pack(runner, tmp_path, "--quarter", Q3)


def quarter_id(db, label: str) -> int:
    return db.execute("SELECT id FROM quarters WHERE label = ?", [label]).fetchone()[0]


def add_approved_update(db, recommendation_id: int, label: str, **fields) -> None:
    """An approved revision, as the head of service's approval leaves it."""
    revision = db.execute(
        "SELECT coalesce(max(revision), 0) + 1 FROM progress_updates"
        " WHERE recommendation_id = ? AND quarter_id = ?",
        [recommendation_id, quarter_id(db, label)],
    ).fetchone()[0]
    db["progress_updates"].insert(
        {
            "recommendation_id": recommendation_id,
            "quarter_id": quarter_id(db, label),
            "revision": revision,
            "state": "approved",
            "status": "amber",
            "narrative": "Approved words.",
            "author_id": 1,
        }
        | fields
    )


def test_every_page_is_landscape_a4_with_the_running_title_and_page_numbers(pack):
    pages = PdfReader(io.BytesIO(pack)).pages
    assert len(pages) >= 10
    for number, page in enumerate(pages, start=1):
        size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        assert size == A4_LANDSCAPE
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {len(pages)}" in text
        assert f"Progress as at {Q3}" in text
        if number > 1:
            assert TITLE in text and "Board pack" in text


def test_every_recommendation_status_word_and_sample_marker_is_in_the_pack(pack, runner):
    text = " ".join(page_texts(pack))
    plan = json.loads(runner.invoke(args=["show-plan", "--json"]).output)
    for recommendation in plan["recommendations"]:
        assert " ".join(recommendation["text"].split()[:6]) in text
    for words in (
        "Blue",
        "Green",
        "Amber",
        "Red",
        "[Sample text]",
        "27/36",
        "Recommendations | Key lines".replace(" | ", " "),
        "Youth Justice Service champion",
        "Exceptions: Red and Amber",
        "Appendix: the history of each recommendation",
    ):
        assert words in text, words


def test_the_contents_give_the_page_each_section_starts_on(pack):
    pages = page_texts(pack)
    contents = next(text for text in pages if "Contents" in text)
    for listed, heading in (
        ("Exceptions: Red and Amber, and missing updates", "Exceptions: Red and Amber"),
        ("The implementation plan", "HMIP recommendations implementation plan"),
        ("Appendix: the history of each recommendation", "Appendix: the history"),
    ):
        page = int(re.search(re.escape(listed) + r"[ .]*(\d+)", contents)[1])
        assert heading in pages[page - 1], listed


def test_every_page_turns_into_an_image_with_something_on_it(pack, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(pack)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(PdfReader(pdf).pages)
    for path in images:
        with Image.open(path) as image:
            assert image.width > image.height  # landscape
            inked = sum(image.convert("L").point(lambda level: level < 200).histogram()[1:])
            assert inked > 200, f"{path.name} is blank"


def test_the_pack_is_tagged_with_its_language_and_title(pack):
    reader = PdfReader(io.BytesIO(pack))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root
    assert f"progress as at {Q3}" in reader.metadata.title


def test_drafts_and_updates_awaiting_approval_never_appear(db, runner, tmp_path):
    q4 = quarter_id(db, Q4)
    draft = workflow.save_update(
        db, 2, q4, {"status": "red", "narrative": "DRAFT-WORDS-7731"}, 0, False, CHAMPION
    )
    assert draft["state"] == "draft"
    submitted = workflow.save_update(
        db, 3, q4, {"status": "red", "narrative": "SUBMITTED-WORDS-7731"}, 0, True, CHAMPION
    )
    assert submitted["state"] == "submitted"
    for version in ("board", "scrutiny"):
        text = " ".join(
            page_texts(make_pack(runner, tmp_path, "--quarter", Q4, "--version", version))
        )
        assert "DRAFT-WORDS-7731" not in text and "SUBMITTED-WORDS-7731" not in text
        assert f"No approved update for {Q4}" in text


def test_the_scrutiny_version_names_no_one_and_can_open_with_a_covering_report(
    db, runner, tmp_path
):
    board = " ".join(page_texts(make_pack(runner, tmp_path, "--quarter", Q4)))
    scrutiny = " ".join(
        page_texts(
            make_pack(
                runner, tmp_path, "--quarter", Q4, "--version", "scrutiny", "--covering-report"
            )
        )
    )
    assert "Missing updates" in board and "Missing updates" not in scrutiny
    assert "Recommendations with no approved update" in scrutiny
    assert "Scrutiny panel pack" in scrutiny and "Scrutiny panel: covering report" in scrutiny
    assert "Matters for consideration" in scrutiny
    assert "covering report" not in board.lower()


def test_a_row_too_long_for_a_page_continues_in_the_appendix(db, runner, tmp_path):
    ending = "THE-VERY-END-OF-THE-UPDATE"
    narrative = "\n\n".join(
        f"Paragraph {n}: the panel reviewed progress with partners in detail. " * 8
        for n in range(12)
    )
    add_approved_update(db, 4, Q3, narrative=f"{narrative} {ending}")
    for n in range(14):
        db["key_lines"].insert(
            {
                "recommendation_id": 5,
                "text": f"Extra key line {n}: practitioners need to record the child's voice "
                "in every plan, and managers need to check that they have.",
                "position": 100 + n,
            }
        )
    pages = page_texts(make_pack(runner, tmp_path, "--quarter", Q3))
    first = next(n for n, text in enumerate(pages) if "HMIP recommendations implementation" in text)
    appendix = next(n for n, text in enumerate(pages) if text.startswith("Appendix: the history"))
    for number in range(first, appendix):
        assert TABLE_HEADER in pages[number], f"page {number + 1} lost the table header"
    plan_text = " ".join(pages[first:appendix])
    assert plan_text.count("Continued in the appendix, page") == 2
    assert ending not in plan_text and "Extra key line 13" not in plan_text
    appendix_text = " ".join(pages[appendix:])
    assert ending in appendix_text and "Extra key line 13" in appendix_text


def test_user_text_is_printed_as_text_and_nothing_it_names_is_fetched(db, runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    hostile = (
        f'<img src="file://{secret}"><link rel="attachment" href="file://{secret}">'
        '<script>alert(1)</script><a href="http://127.0.0.1:9/x">x</a>'
    )
    add_approved_update(db, 1, Q3, narrative=hostile, corrective_action=f"file://{secret}")
    pdf = make_pack(runner, tmp_path, "--quarter", Q3)
    assert b"TOP-SECRET-CONTENT" not in pdf
    assert not PdfReader(io.BytesIO(pdf)).attachments
    text = " ".join(page_texts(pdf))
    assert "<script>alert(1)</script>" in text and f"file://{secret}" in text


def test_only_the_apps_own_static_files_are_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    outside = ROOT / "static" / ".." / "pyproject.toml"
    html = f"""<html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="css/pack.css">
      <link rel="attachment" href="file://{secret}"><link rel="attachment" href="file://{outside}">
      <link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head>
      <body><p>Text</p><img src="file://{secret}" alt=""><img src="http://127.0.0.1:9/x.png" alt="">
      <a rel="attachment" href="file://{secret}">attached</a></body></html>"""
    pdf = render_pdf(html, "test")
    assert b"TOP-SECRET-CONTENT" not in pdf and b"improvement-plan-tracker" not in pdf
    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.attachments
    assert "Text" in reader.pages[0].extract_text()
    # The pack's own stylesheet was read: it is what makes the page landscape.
    assert round(float(reader.pages[0].mediabox.width)) == A4_LANDSCAPE[0]


def test_a_bad_quarter_or_plan_gets_a_message(runner, tmp_path):
    output = tmp_path / "pack.pdf"
    bad = runner.invoke(args=["pack", "--quarter", "Q9", "--output", str(output)])
    assert bad.exit_code == 1 and "is not a quarter" in bad.output
    absent = runner.invoke(args=["pack", "--quarter", "2030/31 Q1", "--output", str(output)])
    assert absent.exit_code == 1 and "no quarter 2030/31 Q1" in absent.output
    missing = runner.invoke(args=["pack", "999", "--output", str(output)])
    assert missing.exit_code == 1 and "no such plan" in missing.output
    assert not output.exists()


# The pages


def test_a_closed_quarters_pack_is_kept_and_downloads_again_byte_for_byte(signed_in, db):
    admin = signed_in("administrator")
    url = f"/plans/1/pack/download?quarter={Q3}&version=board"
    first = admin.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    assert 'filename="board-pack-2022-23-q3.pdf"' in first.headers["Content-Disposition"]
    again = signed_in("champion").get(url)
    assert again.data == first.data
    kept = db.execute("SELECT sha256, size, made_by, version FROM packs").fetchall()
    assert kept == [(hashlib.sha256(first.data).hexdigest(), len(first.data), 1, "board")]
    page = admin.get("/plans/1/pack").text
    assert "Paul Caswell" in page and kept[0][0][:16] in page
    with pytest.raises(sqlite3.IntegrityError, match="never changes"):
        db.execute("UPDATE packs SET pdf = x'00'")
    logged = db.execute("SELECT after FROM audit_log WHERE table_name = 'packs'").fetchone()[0]
    assert f"({len(first.data):,} bytes)" in logged


def test_an_open_quarters_pack_is_made_afresh_and_not_kept(signed_in, db):
    response = signed_in("administrator").get(f"/plans/1/pack/download?quarter={Q4}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert db["packs"].count == 0


def test_the_scrutiny_panel_has_only_its_version_of_closed_quarters(signed_in, db):
    panel = signed_in("scrutiny")
    page = panel.get("/plans/1/pack").text
    assert Q3 in page and Q4 not in page and "Board pack" not in page.split("</h1>")[1]
    for asked, message in (
        (f"quarter={Q4}&version=scrutiny", "Choose a quarter the board has closed"),
        (f"quarter={Q3}&version=board", "Choose the board&#39;s pack or the scrutiny panel&#39;s"),
    ):
        refused = panel.get(f"/plans/1/pack/download?{asked}")
        assert refused.status_code == 400 and message in refused.text
    allowed = panel.get(f"/plans/1/pack/download?quarter={Q3}&version=scrutiny&covering=yes")
    assert allowed.status_code == 200 and allowed.data.startswith(b"%PDF")
    assert db.execute("SELECT version, with_covering_report, made_by FROM packs").fetchall() == [
        ("scrutiny", 1, 3)
    ]


@pytest.mark.parametrize(
    "query",
    [
        "quarter=2030/31+Q1",
        "quarter=<script>",
        "version=secret",
        "version=board&covering=yes",
        "quarter=" + "9" * 5000,
        "quarter=%00",
    ],
)
def test_a_bad_choice_gets_a_message_and_makes_nothing(signed_in, db, query):
    admin = signed_in("administrator")
    for view in ("download", "preview", "plan.xlsx", "plan.docx"):
        response = admin.get(f"/plans/1/pack/{view}?{query}")
        assert response.status_code == 400, view
        assert "There is a problem" in response.text and "<script>" not in response.text
    assert db["packs"].count == 0


def test_the_preview_is_the_pack_as_a_page(signed_in):
    page = signed_in("champion").get(f"/plans/1/pack/preview?quarter={Q3}")
    assert page.status_code == 200
    assert 'href="/static/css/pack.css"' in page.text
    assert "Download this pack as a PDF" in page.text and "Exceptions: Red and Amber" in page.text


def test_the_excel_and_word_copies_download(signed_in):
    admin = signed_in("administrator")
    for view, kind in (("plan.xlsx", "spreadsheetml"), ("plan.docx", "wordprocessingml")):
        response = admin.get(f"/plans/1/pack/{view}?quarter={Q3}")
        assert response.status_code == 200 and kind in response.mimetype
        assert response.data.startswith(b"PK")  # both are zip files


def test_the_plan_page_links_to_the_pack_for_every_role(signed_in):
    for role in ("administrator", "champion", "scrutiny"):
        assert 'href="/plans/1/pack"' in signed_in(role).get("/plans/1").text


def test_posting_to_the_pack_pages_is_not_allowed(signed_in):
    admin = signed_in("administrator")
    token = csrf_token(admin, "/plans/1")
    response = admin.post("/plans/1/pack/download", data={"csrf_token": token})
    assert response.status_code == 405


# Fitting a row to a page


def test_text_that_fits_is_shown_whole():
    fitted = fit_paragraphs(["One short paragraph.", "Another."], width=30, lines=5)
    assert fitted.shown == ("One short paragraph.", "Another.") and not fitted.cut


def test_text_that_does_not_fit_is_cut_at_a_word_within_the_lines():
    words = "word " * 200
    fitted = fit_paragraphs(["First.", words], width=30, lines=6)
    assert fitted.cut and fitted.shown[0] == "First."
    assert fitted.shown[1].endswith("word…")
    assert lines_needed(fitted.shown, 30) <= 6


def test_every_line_break_counts_as_a_line():
    assert lines_needed(["a\nb\nc"], width=30) == 3
    assert lines_needed(["x" * 61], width=30) == 3


def test_the_date_made_is_on_the_cover(app, db):
    from tracker.pack import pack_html

    with app.app_context():
        html = pack_html(db, 1, Q3, date(2023, 1, 12))
    assert "12 January 2023" in html
