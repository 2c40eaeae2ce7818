"""Background jobs on Huey: a real worker process (`flask run-jobs`) on a real SQLite queue
file, and scheduled reminders to a real SMTP server, each step sent once.

The clock is moved by passing the day to the reminders job, as the hourly schedule passes
today; the schedule itself (which step is due on which day) is checked as a pure function.
"""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from huey.exceptions import TaskException

from tests.conftest import csrf_token
from tracker import create_app
from tracker.jobs import jobs_for
from tracker.reminders.log import days_ago, last_reminded
from tracker.reminders.schedule import ScheduleError, parse_days, step_due
from tracker.security import UnsafeSettings
from tracker.uk_time import uk_today

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
DEADLINE = date(2023, 4, 14)  # a Friday
WAIT_SECONDS = 30
# Who the demo reminds once a few champions have addresses (see tests/test_reminders.py):
# five champions and the administrator's summary.
EMAILS = {
    "Paul Condon": "paul.condon@example.org",
    "Lynne Macpherson": "lynne.macpherson@example.org",
    "Zoe Grindle": "zoe.grindle@example.org",
}
MESSAGES_PER_STEP = 6


class Worker:
    """`flask --app run run-jobs` in its own process, on the test's database and queue."""

    def __init__(self, database_path: Path, environment: dict[str, str]):
        self.database_path = database_path
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.log = database_path.parent / "worker.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "TRACKER_DATABASE": str(self.database_path),
            "TRACKER_SECRET_KEY": "test-secret",
            "TRACKER_MAIL_FOLDER": str(self.database_path.parent / "mail"),
            **self.environment,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                # Without the hourly schedule, which would remind of today's date.
                [FLASK, "--app", "run", "run-jobs", "--workers", "1", "--no-schedule"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # Wait until it is taking jobs, so "stopped" and "started" mean what a test says.
        deadline = time.monotonic() + WAIT_SECONDS
        while b"Huey consumer started" not in self.log.read_bytes():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def stop(self, how: signal.Signals = signal.SIGINT) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def worker_environment(smtp) -> dict[str, str]:
    return {
        "TRACKER_MAIL_SERVER": "127.0.0.1",
        "TRACKER_MAIL_PORT": str(smtp.port),
        "TRACKER_MAIL_FROM": "Improvement plan tracker <tracker@example.org>",
        "TRACKER_BASE_URL": "https://tracker.example.org",
        "TRACKER_JOBS_RETRY_DELAY": "0",
    }


@pytest.fixture
def worker(database_path, worker_environment):
    started = Worker(database_path, worker_environment)
    yield started
    started.stop()


@pytest.fixture
def jobs(app):
    """The app's queue: the same jobs.db file the worker reads. A job carries its retry
    settings from the process that queues it."""
    app.config.update(JOBS_STORAGE="", JOBS_RETRY_DELAY=0)
    return jobs_for(app)


@pytest.fixture
def deadline_set(db):
    """The demo with some champions' addresses and a deadline for its current quarter."""
    for name, email in EMAILS.items():
        db.execute("UPDATE people SET email = ? WHERE name = ?", [email, name])
    db.execute(
        "UPDATE quarters SET update_deadline = ? WHERE id = (SELECT quarters.id FROM quarters"
        " JOIN plans ON plans.id = quarters.plan_id AND quarters.label = plans.current_quarter)",
        [DEADLINE.isoformat()],
    )
    db.conn.commit()


def wait_for(result, timeout: float = WAIT_SECONDS):
    return result.get(blocking=True, timeout=timeout)


def log_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM reminders_sent ORDER BY id"))


def test_the_queue_is_a_sqlite_file_beside_the_database(jobs, database_path):
    assert jobs.huey.storage.filename == str(database_path.parent / "jobs.db")
    assert not jobs.huey.immediate


def test_the_worker_runs_a_job_the_app_queued_with_the_app_and_its_database(jobs, worker):
    worker.start()

    result = jobs.check("hello")

    assert wait_for(result) == {"value": "hello", "plans": 1}


def test_a_job_queued_while_the_worker_is_stopped_runs_exactly_once_after_a_restart(
    jobs, worker, deadline_set, smtp, db
):
    worker.start()
    worker.stop(signal.SIGKILL)  # killed, not asked to stop

    result = jobs.send_reminders("2023-04-01")  # queued with no worker running
    time.sleep(0.5)
    assert smtp.received == []
    worker.start()
    assert wait_for(result)["sent"] == MESSAGES_PER_STEP
    worker.stop()
    worker.start()
    # The same day's job again, after another restart: nothing new goes.
    assert wait_for(jobs.send_reminders("2023-04-01"))["sent"] == 0

    assert len(smtp.received) == MESSAGES_PER_STEP
    # Paul Caswell champions recommendations and is the administrator: a reminder and a
    # summary.
    recipients = [m.rcpt_tos[0] for m in smtp.received]
    assert sorted(recipients) == sorted(
        [
            *EMAILS.values(),
            "board.champion@demo.example.org",
            *["head.of.service@demo.example.org"] * 2,
        ]
    )


def test_scheduled_reminders_go_once_at_each_step_as_the_days_pass(
    jobs, worker, deadline_set, smtp, db
):
    worker.start()
    sent_on = {}
    for day in [
        "2023-03-30",  # 15 days before: nothing is due yet
        "2023-03-31",  # 14 days before
        "2023-04-01",  # still the 14-day step: already sent
        "2023-04-11",  # 3 days before
        "2023-04-14",  # on the day
        "2023-04-15",  # the day after: nothing until a week overdue
        "2023-04-21",  # a week overdue
        "2023-04-24",
    ]:
        sent_on[day] = wait_for(jobs.send_reminders(day))["sent"]
        if day == "2023-04-14":
            worker.stop(signal.SIGTERM)
            worker.start()
    worker.stop()
    worker.start()
    sent_on["again"] = wait_for(jobs.send_reminders("2023-04-24"))["sent"]

    assert sent_on == {
        "2023-03-30": 0,
        "2023-03-31": MESSAGES_PER_STEP,
        "2023-04-01": 0,
        "2023-04-11": MESSAGES_PER_STEP,
        "2023-04-14": MESSAGES_PER_STEP,
        "2023-04-15": 0,
        "2023-04-21": MESSAGES_PER_STEP,
        "2023-04-24": 0,
        "again": 0,
    }
    assert len(smtp.received) == 4 * MESSAGES_PER_STEP
    rows = log_rows(db)
    assert {(row["step"], row["outcome"]) for row in rows} == {
        ("14-days-before", "sent"),
        ("3-days-before", "sent"),
        ("on-the-day", "sent"),
        ("overdue-week-1", "sent"),
    }
    assert all(row["sent_by"] == "schedule" and row["sent_at"] for row in rows)
    zoe = [r for r in rows if r["email"] == EMAILS["Zoe Grindle"] and r["kind"] == "reminder"]
    assert [r["step"] for r in zoe] == [
        "14-days-before",
        "3-days-before",
        "on-the-day",
        "overdue-week-1",
    ]
    recommendation_ids = json.loads(zoe[0]["recommendation_ids"])
    assert len(recommendation_ids) == 2  # recommendations 7 and 10
    subjects = {
        m.message["Subject"] for m in smtp.received if m.rcpt_tos == [EMAILS["Zoe Grindle"]]
    }
    assert "Your 2022/23 Q4 progress update is overdue (due 14 April 2023)" in subjects


def test_a_failed_reminder_is_retried_recorded_with_the_reason_and_reported(
    jobs, worker, deadline_set, smtp, db, signed_in
):
    smtp.refuse = {EMAILS["Zoe Grindle"]}
    worker.start()

    with pytest.raises(TaskException, match="could not all be sent"):
        wait_for(jobs.send_reminders("2023-04-01"))

    # Everyone else had theirs once; Zoe's was tried three times (the first try and two
    # retries) and is recorded as failed, with the server's words.
    recipients = [m.rcpt_tos[0] for m in smtp.received]
    assert len(recipients) == MESSAGES_PER_STEP - 1
    assert EMAILS["Zoe Grindle"] not in recipients
    zoe = db.execute(
        "SELECT outcome, attempts, error FROM reminders_sent WHERE email = ?",
        [EMAILS["Zoe Grindle"]],
    ).fetchone()
    assert zoe[:2] == ("failed", 3)
    assert "refused the recipient zoe.grindle@example.org (550" in zoe[2]
    assert db.execute("SELECT count(*) FROM reminders_sent WHERE outcome = 'sent'").fetchone()[
        0
    ] == (MESSAGES_PER_STEP - 1)
    (failure,) = db.query("SELECT * FROM job_failures")
    assert failure["description"] == "Sending the scheduled reminders"
    assert "zoe.grindle@example.org" in failure["error"]
    # The board's administrators are told, in words, on the plan's dashboard.
    plan_id = db.execute("SELECT id FROM plans").fetchone()[0]
    page = signed_in("administrator").get(f"/plans/{plan_id}/dashboard").get_data(as_text=True)
    assert "Sending the scheduled reminders failed on " in page
    assert "The mail server refused the recipient zoe.grindle@example.org (550" in page

    # Given up on: a later run does not try it again.
    smtp.refuse = set()
    assert wait_for(jobs.send_reminders("2023-04-02"))["sent"] == 0


def test_the_cron_command_shares_the_record_so_a_rerun_sends_nothing(
    app, deadline_set, smtp, db, worker_environment, worker
):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_FROM="Improvement plan tracker <tracker@example.org>",
    )
    runner = app.test_cli_runner()

    first = runner.invoke(args=["send-reminders", "--today", "2023-04-11"])
    second = runner.invoke(args=["send-reminders", "--today", "2023-04-12"])
    worker.start()
    from_the_schedule = wait_for(jobs_for(app).send_reminders("2023-04-12"))

    assert first.exit_code == 0, first.output
    assert "Reminder step: 3-days-before" in first.output
    assert "Sent 6 messages." in first.output
    assert second.exit_code == 0, second.output
    assert "every reminder for this step (3-days-before) has been sent already" in second.output
    assert "Nothing to send." in second.output
    assert from_the_schedule["sent"] == 0
    assert len(smtp.received) == MESSAGES_PER_STEP
    assert {row["sent_by"] for row in log_rows(db)} == {"command"}


def test_a_plan_that_is_not_live_is_not_reminded_by_the_schedule(app, deadline_set, db, smtp):
    db.execute("UPDATE plans SET state = 'closed'")
    db.conn.commit()
    app.config.update(JOBS_STORAGE="immediate", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)

    result = jobs_for(app).send_reminders("2023-04-01")

    assert result() == {"day": "2023-04-01", "sent": 0, "plans": 0}
    assert smtp.received == []


@pytest.mark.parametrize(
    ("today", "step"),
    [
        (date(2023, 3, 30), None),
        (date(2023, 3, 31), "14-days-before"),
        (date(2023, 4, 10), "14-days-before"),
        (date(2023, 4, 11), "3-days-before"),
        (date(2023, 4, 13), "3-days-before"),
        (date(2023, 4, 14), "on-the-day"),
        (date(2023, 4, 20), None),
        (date(2023, 4, 21), "overdue-week-1"),
        (date(2023, 4, 27), "overdue-week-1"),
        (date(2023, 4, 28), "overdue-week-2"),
    ],
)
def test_the_step_in_force_on_each_day(today, step):
    found = step_due(DEADLINE, (14, 3, 0), True, today)
    assert (found.name if found else None) == step


def test_without_weekly_reminders_nothing_goes_after_the_deadline():
    assert step_due(DEADLINE, (14, 3, 0), False, date(2023, 4, 21)) is None
    assert step_due(DEADLINE, (1,), False, date(2023, 4, 13)).name == "1-day-before"


@pytest.mark.parametrize(
    ("text", "days"),
    [("14,3,0", (14, 3, 0)), (" 0, 14 ,3 ", (14, 3, 0)), ("", ()), ("90", (90,))],
)
def test_reminder_days_are_read_largest_first(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("14,3,-1", "whole numbers separated by commas"),
        ("14;3", "whole numbers separated by commas"),
        ("fourteen", "whole numbers separated by commas"),
        ("14,,3", "whole numbers separated by commas"),
        ("1e3", "whole numbers separated by commas"),
        ("١٤", "whole numbers separated by commas"),  # Arabic-Indic digits
        ("91", "at most 90 days"),
        ("3,3", "written twice"),
        (",".join(str(n) for n in range(11)), "at most 10"),
        ("1," * 40, "at most 10 numbers"),
        ("14\n3", "whole numbers separated by commas"),
    ],
)
def test_unreadable_reminder_days_are_refused_in_words(text, complaint):
    with pytest.raises(ScheduleError, match=complaint):
        parse_days(text)


def test_a_job_storage_the_tracker_cannot_use_stops_it_starting(database_path):
    with pytest.raises(UnsafeSettings, match="TRACKER_JOBS_STORAGE must be"):
        create_app(
            {
                "DATABASE": str(database_path),
                "SECRET_KEY": "test-secret",
                "JOBS_STORAGE": "postgres://somewhere",
            }
        )


def test_the_worker_refuses_to_run_on_an_immediate_queue(database_path):
    app = create_app(
        {"DATABASE": str(database_path), "SECRET_KEY": "test-secret", "JOBS_STORAGE": "immediate"}
    )

    result = app.test_cli_runner().invoke(args=["run-jobs"])

    assert result.exit_code == 1
    assert "no queue for a worker" in result.output


def test_the_hourly_schedule_sends_the_step_in_force_today(app, deadline_set, smtp, db):
    app.config.update(JOBS_STORAGE="immediate", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    jobs = jobs_for(app)
    runs_at = jobs.hourly_reminders.task_class().validate_datetime

    assert runs_at(datetime(2026, 12, 2, 10, 7)) and runs_at(datetime(2026, 12, 2, 11, 7))
    assert not runs_at(datetime(2026, 12, 2, 10, 8))
    # Run as the schedule runs it: today, in the UK. Two weeks after the deadline, so a
    # weekly overdue reminder (they stop MAX_OVERDUE_WEEKS weeks after it).
    db.execute(
        "UPDATE quarters SET update_deadline = ? WHERE update_deadline = ?",
        [(uk_today() - timedelta(weeks=2)).isoformat(), DEADLINE.isoformat()],
    )
    db.conn.commit()
    jobs.hourly_reminders()
    jobs.hourly_reminders()  # an hour later: nothing new (Huey keeps no periodic results)

    assert len(smtp.received) == MESSAGES_PER_STEP
    (step,) = {row["step"] for row in log_rows(db)}
    assert step.startswith("overdue-week-")


def test_administrators_see_their_own_boards_recent_job_failures_only(db, signed_in):
    plan_id, board_id = db.execute("SELECT id, board_id FROM plans").fetchone()
    other_board = db["boards"].insert({"name": "Another board"}).last_pk
    for row in [
        {"task": "t", "description": "Ours, recent", "error": "e1", "board_id": board_id},
        {
            "task": "t",
            "description": "Ours, long ago",
            "error": "e2",
            "board_id": board_id,
            "failed_at": "2020-01-01T00:00:00.000Z",
        },
        {"task": "t", "description": "Theirs", "error": "e3", "board_id": other_board},
        {"task": "t", "description": "Nobody's", "error": "e4", "board_id": None},
    ]:
        db["job_failures"].insert(row)
    db.conn.commit()

    page = signed_in("administrator").get(f"/plans/{plan_id}/dashboard").get_data(as_text=True)

    assert "Ours, recent failed on " in page
    for hidden in ("Ours, long ago", "Theirs", "Nobody"):
        assert hidden not in page


def test_the_dashboard_says_when_each_missing_update_was_last_reminded(
    app, deadline_set, smtp, db, signed_in
):
    app.config.update(JOBS_STORAGE="immediate", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    plan_id = db.execute("SELECT id FROM plans").fetchone()[0]
    dashboard = f"/plans/{plan_id}/dashboard"
    administrator = signed_in("administrator")
    assert "Reminded " not in administrator.get(dashboard).get_data(as_text=True)

    jobs_for(app).send_reminders("2023-04-01")()
    page = administrator.get(dashboard).get_data(as_text=True)

    # Recommendations 3 and 4 have champions without an address, so were not reminded.
    assert page.count("Reminded today") == 8
    three_days_on = last_reminded(db, plan_id, "2022/23 Q4", uk_today() + timedelta(days=3))
    assert set(three_days_on.values()) == {"3 days ago"}
    assert len(three_days_on) == 8


@pytest.mark.parametrize(
    ("days", "words"), [(0, "today"), (1, "yesterday"), (3, "3 days ago"), (-1, "today")]
)
def test_days_ago_in_words(days, words):
    assert days_ago(date(2023, 4, 1), date(2023, 4, 1) + timedelta(days=days)) == words


def reminders_page(plan_id: int) -> str:
    return f"/plans/{plan_id}/reminders"


@pytest.fixture
def plan_id(db) -> int:
    return db.execute("SELECT id FROM plans").fetchone()[0]


def test_the_reminders_page_shows_the_schedule_and_a_preview_of_each_email(
    app, deadline_set, signed_in, plan_id
):
    page = signed_in("administrator").get(reminders_page(plan_id)).get_data(as_text=True)

    assert 'value="14,3,0"' in page
    assert 'id="overdue_weekly" name="overdue_weekly" type="checkbox" value="yes" checked' in page
    # Today is long after the demo's deadline: sent by hand, the reminders say it is overdue.
    assert page.count("Subject: Your 2022/23 Q4 progress update is overdue") == 5
    assert "These 6 emails would go now." in page
    assert "To: Zoe Grindle &lt;zoe.grindle@example.org&gt;" in page
    assert "Send reminders now</button>" in page


def test_the_preview_names_each_champion_no_email_can_reach(
    app, deadline_set, signed_in, plan_id, db
):
    # Rachael Maeers champions a missing update and has neither an address nor an account.
    person_id = db.execute("SELECT id FROM people WHERE name = 'Rachael Maeers'").fetchone()[0]
    page = signed_in("administrator").get(reminders_page(plan_id)).get_data(as_text=True)

    warning = page[page.index('class="govuk-warning-text"') : page.index("These 6 emails")]
    assert f'href="/people/{person_id}/edit">Rachael Maeers</a>: no email address' in warning
    assert "Zoe Grindle" not in warning  # she has an address, and her email is previewed
    assert "To: Rachael Maeers" not in page


@pytest.mark.parametrize(
    ("days", "complaint"),
    [
        ("14,3,-1", "whole numbers separated by commas"),
        ("<script>alert(1)</script>", "whole numbers separated by commas"),
        ("999", "at most 90 days"),
        ("3,3", "written twice"),
        ("1," * 300, "at most 10 numbers"),
        ("14\r\n3", "whole numbers separated by commas"),
    ],
)
def test_a_schedule_that_cannot_be_read_is_refused_and_changes_nothing(
    app, signed_in, plan_id, count_rows, db, days, complaint
):
    client = signed_in("administrator")
    before = count_rows()

    response = client.post(
        reminders_page(plan_id),
        data={"days": days, "csrf_token": csrf_token(client, reminders_page(plan_id))},
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert complaint in page
    assert "<script>alert(1)" not in page
    assert count_rows() == before
    assert db.execute("SELECT reminder_days, reminder_overdue_weekly FROM plans").fetchone() == (
        "14,3,0",
        1,
    )


def test_an_administrator_changes_the_schedule_and_it_is_audited(app, signed_in, plan_id, db):
    client = signed_in("administrator")

    response = client.post(
        reminders_page(plan_id),
        data={"days": " 3, 21 ", "csrf_token": csrf_token(client, reminders_page(plan_id))},
    )

    assert response.status_code == 302
    assert db.execute("SELECT reminder_days, reminder_overdue_weekly FROM plans").fetchone() == (
        "21,3",
        0,  # the box was not ticked
    )
    (after,) = db.execute(
        "SELECT after FROM audit_log WHERE table_name = 'plans' AND action = 'update'"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert '"reminder_days": "21,3"' in after


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_administrators_see_or_change_the_reminders(app, signed_in, plan_id, role):
    client = signed_in(role)
    assert client.get(reminders_page(plan_id)).status_code in (403, 404)
    assert client.post(f"/plans/{plan_id}/reminders/send").status_code in (400, 403, 404)


def test_send_reminders_now_queues_a_job_the_worker_sends_once_a_day(
    app, deadline_set, signed_in, plan_id, smtp, worker, db
):
    app.config.update(JOBS_STORAGE="", JOBS_RETRY_DELAY=0)
    worker.start()
    client = signed_in("administrator")

    for _ in range(2):
        token = csrf_token(client, reminders_page(plan_id))
        response = client.post(f"/plans/{plan_id}/reminders/send", data={"csrf_token": token})
        assert response.status_code == 302
    deadline = time.monotonic() + WAIT_SECONDS
    while (
        db.execute("SELECT count(*) FROM reminders_sent WHERE outcome = 'sent'").fetchone()[0]
        < MESSAGES_PER_STEP
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(1)  # time for the second job to (not) send

    assert len(smtp.received) == MESSAGES_PER_STEP
    steps = {(row["step"], row["sent_by"]) for row in log_rows(db)}
    assert steps == {(f"by-hand-{uk_today().isoformat()}", "administrator")}
    page = client.get(reminders_page(plan_id)).get_data(as_text=True)
    assert "Nothing to send now" in page
    assert page.count('<td class="govuk-table__cell">Sent</td>') == MESSAGES_PER_STEP
