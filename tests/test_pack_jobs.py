"""Board packs made by the job worker: one render for identical requests, a page that follows
it, a stored PDF reused while the pack's inputs are unchanged, and a worker killed mid-render
that makes the pack once when it starts again."""

import io
import re
import signal
import socket
import time
from pathlib import Path

from pypdf import PdfReader

from tests.test_jobs import WAIT_SECONDS, Worker
from tests.test_scrutiny import a_link
from tracker.jobs import WORKER_NICENESS

Q3 = "2022/23 Q3"  # closed in the demo
Q4 = "2022/23 Q4"  # open
DOWNLOAD = f"/plans/1/pack/download?quarter={Q4}&version=board"


def run_queued_jobs(jobs) -> int:
    """Do what a worker would: run every job waiting in the queue, here and now."""
    ran = 0
    while (task := jobs.huey.dequeue()) is not None:
        jobs.huey.execute(task)
        ran += 1
    return ran


def render_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM pack_renders ORDER BY id"))


def follow(response) -> str:
    assert response.status_code == 303
    return response.headers["Location"]


def test_asking_for_a_pack_queues_it_and_shows_a_page_that_follows_it(signed_in, queued, db):
    admin = signed_in("administrator")
    progress = follow(admin.get(DOWNLOAD))
    assert re.fullmatch(r"/plans/1/pack/made/\d+", progress)

    waiting = admin.get(progress).get_data(as_text=True)
    assert "Your board pack is waiting to be made" in waiting
    assert "Check again" in waiting and "js/job-progress.js" in waiting
    assert admin.get(progress + ".json").json["state"] == "queued"
    assert admin.get(progress + ".pdf").headers["Location"] == progress  # not made yet

    assert run_queued_jobs(queued) == 1
    ready = admin.get(progress).get_data(as_text=True)
    assert "Your board pack is ready" in ready and "Download the PDF" in ready
    status = admin.get(progress + ".json").json
    assert status["ready"] and status["pages"] > 5
    pdf = admin.get(progress + ".pdf")
    assert pdf.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == status["pages"]


def test_a_burst_of_identical_requests_shares_one_render(signed_in, queued, db):
    admin = signed_in("administrator")
    places = {follow(admin.get(DOWNLOAD)) for _ in range(8)}
    assert len(places) == 1
    assert len(render_rows(db)) == 1
    run_queued_jobs(queued)
    assert [row["state"] for row in render_rows(db)] == ["ready"]


def test_a_different_version_is_a_different_render(signed_in, queued, db):
    admin = signed_in("administrator")
    board = follow(admin.get(DOWNLOAD))
    scrutiny = follow(admin.get(DOWNLOAD.replace("board", "scrutiny")))
    assert board != scrutiny and len(render_rows(db)) == 2


def test_a_pack_whose_inputs_are_unchanged_is_served_from_the_stored_file(signed_in, queued, db):
    admin = signed_in("administrator")
    first = follow(admin.get(DOWNLOAD))
    run_queued_jobs(queued)
    # Mark the stored PDF, so that a pack served from it can be told from one made again.
    db.execute(
        "UPDATE pack_renders SET pdf = CAST(pdf || x'0a2525206b657074' AS BLOB)"
        " WHERE pdf IS NOT NULL"
    )
    db.conn.commit()

    second = follow(admin.get(DOWNLOAD))
    assert second != first
    run_queued_jobs(queued)
    served = admin.get(second + ".pdf").data
    assert served.endswith(b"\n%% kept")
    rows = render_rows(db)
    assert rows[0]["inputs_sha256"] == rows[1]["inputs_sha256"]
    # Only the latest request of the kind keeps the file; the first now asks again.
    assert rows[0]["pdf"] is None and rows[1]["pdf"] is not None
    assert admin.get(first + ".pdf").headers["Location"].startswith("/plans/1/pack/download?")


def test_a_pack_whose_inputs_changed_is_made_again(signed_in, queued, db):
    admin = signed_in("administrator")
    follow(admin.get(DOWNLOAD))
    run_queued_jobs(queued)
    db.execute("UPDATE plans SET title = 'A plan with a new title' WHERE id = 1")
    db.conn.commit()

    again = follow(admin.get(DOWNLOAD))
    run_queued_jobs(queued)
    first, second = render_rows(db)
    assert first["inputs_sha256"] != second["inputs_sha256"]
    assert (
        b"A plan with a new title" in admin.get(again + ".pdf").data
        or second["sha256"] != (first["sha256"])
    )


def test_a_closed_quarters_pack_made_by_the_worker_is_kept(signed_in, queued, db):
    admin = signed_in("administrator")
    url = f"/plans/1/pack/download?quarter={Q3}&version=board"
    follow(admin.get(url))
    run_queued_jobs(queued)
    kept = admin.get(url)  # kept now: served straight away
    assert kept.status_code == 200 and kept.mimetype == "application/pdf"
    assert db.execute("SELECT count(*) FROM packs").fetchone()[0] == 1
    assert admin.get(url).data == kept.data


def test_the_scrutiny_panel_cannot_follow_the_boards_pack_nor_another_plans(signed_in, queued, db):
    progress = follow(signed_in("administrator").get(DOWNLOAD))
    run_queued_jobs(queued)
    panel = signed_in("scrutiny")
    for suffix in ("", ".json", ".pdf"):
        assert panel.get(progress + suffix).status_code == 404
    render_id = progress.rsplit("/", 1)[1]
    admin = signed_in("administrator")
    for odd in ("999999", "0", "-1", "1e3", "²"):
        assert admin.get(f"/plans/1/pack/made/{odd}").status_code == 404
    assert admin.get(f"/plans/2/pack/made/{render_id}").status_code == 404


def test_asking_for_a_pack_changes_nothing_when_the_choice_is_bad(signed_in, queued, db):
    admin = signed_in("administrator")
    for query in ("quarter=1999/00+Q1", "version=other", "quarter=<script>", "covering=yes"):
        assert admin.get(f"/plans/1/pack/download?{query}").status_code == 400
    assert render_rows(db) == []


def test_a_pack_that_cannot_be_made_is_retried_then_reported(app, signed_in, db, tmp_path):
    # A static folder without the pack's stylesheet: every try fails, as a broken install would.
    app.static_folder = str(tmp_path)
    app.config.update(JOBS_RETRIES=1, JOBS_RETRY_DELAY=0)
    admin = signed_in("administrator")
    response = admin.get(DOWNLOAD)
    progress = follow(response)
    (row,) = render_rows(db)
    assert row["state"] == "failed" and row["attempts"] == 2 and row["pdf"] is None
    page = admin.get(progress).get_data(as_text=True)
    assert "The board pack could not be made" in page and "Try again" in page
    failure = db.execute("SELECT description, board_id FROM job_failures").fetchone()
    assert failure == ("Making a board pack", 1)


def test_a_share_link_asks_for_the_pack_and_follows_it(app, queued, db):
    token = a_link(db)
    visitor = app.test_client()
    page = visitor.get(f"/shared/{token}/pack.pdf?quarter={Q3}")
    assert page.status_code == 202
    text = page.get_data(as_text=True)
    assert "waiting to be made" in text and page.headers["Referrer-Policy"] == "no-referrer"
    status_url = re.search(r'data-job-status-url="([^"]+)"', text)[1].replace("&amp;", "&")
    assert visitor.get(status_url).json["state"] == "queued"
    run_queued_jobs(queued)
    assert visitor.get(status_url).json["ready"]
    pdf = visitor.get(f"/shared/{token}/pack.pdf?quarter={Q3}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    for other in (
        status_url.replace("render=", "render=9"),
        status_url + "x",
        f"/shared/{token}x/pack-status.json?render=1",
    ):
        assert visitor.get(other).status_code == 404


# A real worker


def nice_of(pid: int) -> int:
    """A process's nice value, from /proc (see proc(5))."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_a_worker_killed_mid_render_makes_the_pack_once_after_a_restart(
    signed_in, queued, db, database_path
):
    worker = Worker(database_path, {"TRACKER_JOBS_RETRY_DELAY": "0"})
    admin = signed_in("administrator")
    progress = follow(admin.get(DOWNLOAD))
    worker.start()
    try:
        assert nice_of(worker.process.pid) == WORKER_NICENESS  # packs yield to the web server
        deadline = time.monotonic() + WAIT_SECONDS
        while render_rows(db)[0]["state"] == "queued":
            assert time.monotonic() < deadline, worker.log.read_text()
            time.sleep(0.01)
        assert render_rows(db)[0]["state"] in ("rendering", "writing")
        killed = worker.process.pid
        worker.stop(signal.SIGKILL)

        (abandoned,) = render_rows(db)
        assert abandoned["state"] in ("rendering", "writing") and abandoned["pdf"] is None
        assert abandoned["worker"] == f"{socket.gethostname()}:{killed}"

        worker.start()
        deadline = time.monotonic() + WAIT_SECONDS * 2
        while render_rows(db)[0]["state"] != "ready":
            assert time.monotonic() < deadline, worker.log.read_text()
            time.sleep(0.1)
    finally:
        worker.stop()
    (made,) = render_rows(db)
    assert made["attempts"] == 2 and made["pdf"] is not None
    assert "1 board packs" in worker.log.read_text()
    assert admin.get(progress + ".pdf").mimetype == "application/pdf"
