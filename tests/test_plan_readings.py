"""Uploaded plans read by the job worker: the upload answers at once with a page that follows
the reading, which leads on to checking how the plan will be read, or says why the file was
refused."""

import hashlib
import re
import socket

from tests.conftest import csrf_token
from tests.test_pack_jobs import run_queued_jobs
from tests.test_plan_import_pages import PLAN_CSV, UPLOAD, upload
from tracker.jobs import claims
from tracker.plan_import.readings import PLANS

NOT_A_PLAN = b"Name,Role\nKaren Linton,Chair\n"
PASTED = "Recommendation\tBoard champion\n1. Improve planning\tKaren Linton\n"


def readings(db) -> list[dict]:
    return list(db.query("SELECT * FROM plan_readings ORDER BY id"))


def imports_made(db) -> int:
    return db.execute("SELECT count(*) FROM plan_imports").fetchone()[0]


def test_an_upload_is_read_by_the_worker_and_leads_on_to_checking_it(admin, queued, db):
    response = upload(admin, "plan.csv", PLAN_CSV)
    assert response.status_code == 302
    page_url = response.headers["Location"]
    assert re.fullmatch(r"/boards/1/plans/import/reading/\d+", page_url)
    waiting = admin.get(page_url).get_data(as_text=True)
    assert "Your plan is waiting to be read" in waiting and "plan.csv" in waiting
    assert "Check again" in waiting and "js/job-progress.js" in waiting
    assert "Check how the plan will be read" in waiting  # hidden until it is read
    assert admin.get(page_url + ".json").json["state"] == "queued"
    assert imports_made(db) == 0
    (row,) = readings(db)
    assert row["content"] == PLAN_CSV and row["pasted"] == 0 and row["uploaded_by"] is not None

    assert run_queued_jobs(queued) == 1
    assert admin.get(page_url + ".json").json == {
        "state": "done",
        "heading": "Your plan has been read",
        "message": "Its table and columns are ready to check.",
        "finished": True,
        "ready": True,
    }
    (row,) = readings(db)
    assert row["state"] == "done" and row["attempts"] == 1 and row["finished_at"]
    assert row["content"] is None and row["plan_import_id"] == 1  # the file is not kept twice
    assert admin.get(page_url).headers["Location"] == "/plan-imports/1"
    assert "Improve the quality of planning" in admin.get("/plan-imports/1").text


def test_the_page_says_when_the_plan_is_being_read(admin, queued, db):
    page_url = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    db.execute("UPDATE plan_readings SET state = 'reading', worker = 'elsewhere:1'")
    db.conn.commit()
    page = admin.get(page_url).get_data(as_text=True)
    assert "Your plan is being read" in page and "Finding its table and columns." in page
    assert "Back to bringing your plan" in page
    status = admin.get(page_url + ".json").json
    assert status["state"] == "reading" and status["finished"] is False
    assert status["heading"] == "Your plan is being read"


def test_a_refused_file_says_why_on_the_page(admin, queued, db):
    page_url = upload(admin, "people.csv", NOT_A_PLAN).headers["Location"]
    run_queued_jobs(queued)
    page = admin.get(page_url)
    assert page.status_code == 200
    assert "The plan could not be read" in page.text and "recommendation" in page.text.lower()
    assert f'href="{UPLOAD}">Upload another file' in page.text
    status = admin.get(page_url + ".json").json
    assert status["state"] == "failed" and status["ready"] is False
    assert imports_made(db) == 0
    (row,) = readings(db)
    assert row["state"] == "failed" and row["attempts"] == 1 and row["content"] is None
    assert row["error"] == status["message"]


def test_the_same_plan_uploaded_twice_makes_one_import(admin, queued, db):
    upload(admin, "plan.csv", PLAN_CSV)
    upload(admin, "copy.csv", PLAN_CSV)
    assert run_queued_jobs(queued) == 2
    assert [row["plan_import_id"] for row in readings(db)] == [1, 1]
    assert imports_made(db) == 1


def test_a_pasted_table_is_read_the_same_way_and_known_by_its_text(admin, queued, db):
    response = admin.post(UPLOAD, data={"csrf_token": csrf_token(admin, UPLOAD), "pasted": PASTED})
    run_queued_jobs(queued)
    assert admin.get(response.headers["Location"]).headers["Location"] == "/plan-imports/1"
    (row,) = readings(db)
    assert row["pasted"] == 1 and row["filename"] == "pasted table"
    digest = db.execute("SELECT file_sha256 FROM plan_imports").fetchone()[0]
    assert digest == hashlib.sha256(PASTED.encode("utf-8")).hexdigest()  # as before


def test_where_jobs_run_at_once_the_upload_goes_straight_on_or_says_why(admin, db):
    response = upload(admin, "plan.csv", PLAN_CSV)
    assert response.headers["Location"] == "/plan-imports/1"
    assert readings(db)[0]["plan_import_id"] == 1
    digest = db.execute("SELECT file_sha256 FROM plan_imports").fetchone()[0]
    assert digest == hashlib.sha256(PLAN_CSV).hexdigest()  # as before jobs read plans

    refused = upload(admin, "people.csv", NOT_A_PLAN)
    assert refused.status_code == 400
    assert "There is a problem" in refused.text and "govuk-error-message" in refused.text
    assert [row["filename"] for row in readings(db)] == ["plan.csv"]  # the refused is forgotten


def test_a_plan_that_cannot_be_read_is_retried_then_reported(app, admin, db, monkeypatch):
    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PLANS, "read_upload", broken)
    app.config.update(JOBS_RETRIES=1, JOBS_RETRY_DELAY=0)
    response = upload(admin, "plan.csv", PLAN_CSV)
    assert response.status_code == 400
    assert "problem with the tracker, not the file" in response.text
    failure = db.execute("SELECT description, board_id FROM job_failures").fetchone()
    assert failure == ("Reading an uploaded improvement plan", 1)
    assert readings(db) == []  # shown on the form, so forgotten


def test_only_the_boards_administrators_follow_a_reading(admin, queued, signed_in, db):
    page_url = upload(admin, "plan.csv", PLAN_CSV).headers["Location"]
    for role in ("champion", "scrutiny"):
        client = signed_in(role)
        assert client.get(page_url).status_code == 403
        assert client.get(page_url + ".json").status_code == 403
    reading_id = page_url.rsplit("/", 1)[1]
    assert admin.get(f"/boards/2/plans/import/reading/{reading_id}").status_code == 404
    for odd in ("999", "0", "x", "²"):
        assert admin.get(f"/boards/1/plans/import/reading/{odd}").status_code == 404
    # A report's reading is not a plan's, though they share the variable's name.
    report = {"board_id": 1, "filename": "r.txt", "size": 0, "state": "failed"}
    db["report_readings"].insert(report)
    db.conn.commit()
    assert admin.get("/boards/1/reports/reading/1").status_code == 200


def test_another_boards_reading_is_not_found(admin, db):
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    theirs = {"board_id": board_id, "filename": "theirs.csv", "size": 0, "state": "failed"}
    reading_id = db["plan_readings"].insert(theirs).last_pk
    db.conn.commit()
    for board in (board_id, 1):
        url = f"/boards/{board}/plans/import/reading/{reading_id}"
        assert admin.get(url).status_code == 404
        assert admin.get(url + ".json").status_code == 404


def test_a_reading_left_by_a_killed_worker_is_read_when_a_worker_starts(queued, db):
    dead = f"{socket.gethostname()}:999999999"
    left = {"board_id": 1, "filename": "plan.csv", "content": PLAN_CSV, "size": len(PLAN_CSV)}
    db["plan_readings"].insert_all(
        [
            {**left, "state": "reading", "worker": dead, "attempts": 1},
            {**left, "state": "reading", "worker": "elsewhere:1", "attempts": 1},
        ]
    )
    db.conn.commit()
    assert queued.requeue_abandoned()["plans"] == 1
    assert run_queued_jobs(queued) == 1
    first, second = readings(db)
    assert first["state"] == "done" and first["plan_import_id"] == 1 and first["attempts"] == 2
    assert second["state"] == "reading"  # another host's worker will see to it
    assert claims.abandoned(db, "plan_readings", ("queued", "reading")) == []
