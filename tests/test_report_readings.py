"""Uploaded reports read by the job worker: the upload answers at once with a page that
follows the reading, which leads on to the draft plan, or says why the file was refused."""

import re
import socket

from tests.conftest import csrf_token
from tests.test_pack_jobs import run_queued_jobs
from tests.test_report_import import SUNDERLAND_FILE, upload
from tracker.jobs import claims


def readings(db) -> list[dict]:
    return list(db.query("SELECT * FROM report_readings ORDER BY id"))


def test_an_upload_is_read_by_the_worker_and_leads_on_to_the_draft(admin, queued, db):
    response = upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    assert response.status_code == 302
    page_url = response.headers["Location"]
    assert re.fullmatch(r"/boards/1/reports/reading/\d+", page_url)
    waiting = admin.get(page_url).get_data(as_text=True)
    assert "Your report is waiting to be read" in waiting and "sunderland.txt" in waiting
    assert "Check again" in waiting and "js/job-progress.js" in waiting
    assert admin.get(page_url + ".json").json["state"] == "queued"
    assert db.execute("SELECT count(*) FROM report_imports").fetchone()[0] == 0

    assert run_queued_jobs(queued) == 1
    assert admin.get(page_url + ".json").json == {
        "state": "done",
        "heading": "Your report has been read",
        "message": "The draft plan is ready to review.",
        "finished": True,
        "ready": True,
    }
    (row,) = readings(db)
    assert row["content"] is None and row["import_id"] == 1  # the file is not kept twice
    review = admin.get(page_url)
    assert review.headers["Location"] == "/imports/1"
    assert "Sunderland" in admin.get("/imports/1").get_data(as_text=True)


def test_a_refused_file_says_why_on_the_page(admin, queued, db):
    page_url = upload(admin, "report.pdf", b"this is not a pdf").headers["Location"]
    run_queued_jobs(queued)
    page = admin.get(page_url)
    text = page.get_data(as_text=True)
    assert "The report could not be read" in text and "PDF" in text
    assert "Upload another file" in text
    assert db.execute("SELECT count(*) FROM report_imports").fetchone()[0] == 0
    (row,) = readings(db)
    assert row["state"] == "failed" and row["attempts"] == 1 and row["content"] is None


def test_the_same_report_uploaded_twice_makes_one_draft(admin, queued, db):
    upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes())
    upload(admin, "copy.txt", SUNDERLAND_FILE.read_bytes())
    run_queued_jobs(queued)
    assert [row["import_id"] for row in readings(db)] == [1, 1]


def test_pasted_text_is_read_the_same_way(admin, queued, db):
    path = "/boards/1/reports/new"
    response = admin.post(
        path,
        data={"csrf_token": csrf_token(admin, path), "pasted": SUNDERLAND_FILE.read_text()},
    )
    run_queued_jobs(queued)
    assert admin.get(response.headers["Location"]).headers["Location"] == "/imports/1"
    assert readings(db)[0]["pasted"] == 1


def test_only_the_boards_administrators_follow_a_reading(admin, queued, signed_in, db):
    page_url = upload(admin, "sunderland.txt", SUNDERLAND_FILE.read_bytes()).headers["Location"]
    for role in ("champion", "scrutiny"):
        assert signed_in(role).get(page_url).status_code in (403, 404)
    reading_id = page_url.rsplit("/", 1)[1]
    assert admin.get(f"/boards/2/reports/reading/{reading_id}").status_code == 404
    for odd in ("999", "0", "x", "²"):
        assert admin.get(f"/boards/1/reports/reading/{odd}").status_code == 404


def test_a_reading_left_by_a_killed_worker_is_handed_back(db):
    db["report_readings"].insert_all(
        [
            {"board_id": 1, "filename": "a.txt", "size": 1, "state": "reading", "worker": w}
            for w in (f"{socket.gethostname()}:999999999", claims.worker_name(), "elsewhere:1")
        ]
    )
    db.conn.commit()
    assert claims.abandoned(db, "report_readings", ("queued", "reading")) == [1]
    assert [row["state"] for row in readings(db)] == ["queued", "reading", "reading"]
