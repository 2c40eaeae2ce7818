"""A new installation, not the demo: an empty database with one board and its administrator,
who brings the board's existing plan (read by the job queue), makes its pack through the queue,
and imports an inspection report read by the queue too."""

import pytest

from tests.conftest import DEMO_PASSWORD, REPORTS, sign_in
from tests.test_pack_jobs import run_queued_jobs
from tests.test_plan_import_pages import nel_plan_docx, post_review, upload
from tests.test_report_import import upload as upload_report
from tracker import create_app
from tracker.audit import SYSTEM
from tracker.auth import accounts
from tracker.db import open_database
from tracker.jobs import jobs_for
from tracker.operators.boards import create_board

ADMIN = "head@new-board.example.org"


@pytest.fixture
def empty_install(tmp_path):
    """An app on a new database, jobs queued for a worker, with one board and its admin."""
    path = tmp_path / "tracker.db"
    db = open_database(path)
    board_id = create_board(
        db, {"name": "New Partnership Board", "service": "New YJS", "council": ""}, SYSTEM
    )
    accounts.create_user(
        db,
        email=ADMIN,
        password=DEMO_PASSWORD,
        name="New Head",
        board_id=board_id,
        role="administrator",
    )
    db.close()
    app = create_app(
        {
            "DATABASE": str(path),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "MAIL_FOLDER": str(tmp_path / "mail"),
            "JOBS_STORAGE": "",
            "JOBS_RETRY_DELAY": 0,
        }
    )
    return app, board_id


def test_a_new_board_brings_its_plan_makes_its_pack_and_reads_a_report(empty_install):
    app, board_id = empty_install
    jobs = jobs_for(app)
    client = app.test_client()
    assert sign_in(client, ADMIN).status_code == 302

    reading = upload(client, "our-plan.docx", nel_plan_docx(), board_id=board_id)
    assert run_queued_jobs(jobs) == 1
    review = client.get(reading.headers["Location"])
    assert review.status_code == 302
    created = post_review(client, review.headers["Location"], "create", quarter="2022/23 Q3")
    plan_path = created.headers["Location"]
    page = client.get(plan_path).text
    assert "Karen Linton" in page and "New Partnership Board" in page

    progress = client.get(f"{plan_path}/pack/download?quarter=2022/23+Q3&version=board")
    assert progress.status_code == 303
    assert run_queued_jobs(jobs) == 1
    pdf = client.get(progress.headers["Location"] + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    reading = upload_report(
        client, "sunderland.txt", (REPORTS / "sunderland-2022.txt").read_bytes(), board_id
    )
    assert run_queued_jobs(jobs) == 1
    draft = client.get(reading.headers["Location"])
    assert draft.status_code == 302
    assert "Check the draft plan" in client.get(draft.headers["Location"]).text
