"""The board pack as a PDF: read back its pages, and prove it fetches nothing from outside."""

import io
import json

import pytest
from pypdf import PdfReader

from tracker.pack.render import render_pdf

A4_LANDSCAPE = (842, 595)  # points, to the nearest point


@pytest.fixture
def pack(runner, tmp_path):
    output = tmp_path / "pack.pdf"
    result = runner.invoke(args=["pack", "--quarter", "2022/23 Q3", "--output", str(output)])
    assert result.exit_code == 0, result.output
    return PdfReader(output)


def test_every_page_is_landscape_a4_with_the_running_title_and_page_numbers(pack):
    pages = pack.pages
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        assert size == A4_LANDSCAPE
        text = page.extract_text()
        assert f"Page {number} of {len(pages)}" in text
        if number > 1:
            assert "North East Lincolnshire Youth Justice Services HMIP improvement plan" in text


def test_every_recommendation_status_word_and_sample_marker_is_in_the_pack(pack, runner):
    text = " ".join(" ".join(page.extract_text().split()) for page in pack.pages)
    plan = json.loads(runner.invoke(args=["show-plan", "--json"]).output)
    for recommendation in plan["recommendations"]:
        assert " ".join(recommendation["text"].split()[:6]) in text
    for word in (
        "Blue",
        "Green",
        "Amber",
        "Red",
        "Progress as at 2022/23 Q3",
        "[Sample text]",
        "27/36",
        "Key lines of enquiry in report",
        "Youth Justice Service champion",
    ):
        assert word in text, word


def test_the_pack_is_tagged_with_its_language_and_title(pack):
    root = pack.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root
    assert "progress as at 2022/23 Q3" in pack.metadata.title


def test_nothing_outside_the_pack_is_fetched_or_embedded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = f"""<html lang="en"><head><title>t</title>
      <link rel="attachment" href="file://{secret}">
      <link rel="stylesheet" href="http://127.0.0.1:9/evil.css"></head>
      <body><p>Text</p><img src="file://{secret}" alt=""><img src="http://127.0.0.1:9/x.png" alt="">
      <a rel="attachment" href="file://{secret}">attached</a></body></html>"""
    pdf = render_pdf(html, "test")
    assert b"TOP-SECRET-CONTENT" not in pdf
    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.attachments
    assert "Text" in reader.pages[0].extract_text()


def test_a_bad_quarter_or_plan_gets_a_message(runner, tmp_path):
    output = tmp_path / "pack.pdf"
    bad = runner.invoke(args=["pack", "--quarter", "Q9", "--output", str(output)])
    assert bad.exit_code == 1 and "is not a quarter" in bad.output
    missing = runner.invoke(args=["pack", "999", "--output", str(output)])
    assert missing.exit_code == 1 and "no such plan" in missing.output
    assert not output.exists()
