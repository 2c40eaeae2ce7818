"""Background jobs: work that runs outside the web request, on a Huey task queue.

    flask --app run run-jobs      # the worker: runs queued jobs and the schedule

Jobs wait in a queue that outlives the processes: by default a SQLite file, jobs.db beside the
tracker's DATABASE, so nothing more needs installing or running than the worker itself. A larger
installation can set JOBS_STORAGE to a Redis URL (redis://host:6379/0; needs `pip install
redis`), and run several workers on several machines. JOBS_STORAGE "immediate" (and a
":memory:" DATABASE) runs each job at once, inside the process that asks for it: for tests
and one-off scripts, never beside a worker.

Each job runs inside an app context, so it opens the database with tracker.db.get_db() as a
view does. A job that fails is tried again (JOBS_RETRIES times, JOBS_RETRY_DELAY seconds
apart); one that still fails is recorded in job_failures, in words, for the administrators.
"""

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.signals import SIGNAL_ERROR

from tracker.db import open_database, write_transaction
from tracker.jobs import claims
from tracker.security import UnsafeSettings

QUEUE_NAME = "tracker"
STORAGE_FILE_NAME = "jobs.db"
IMMEDIATE = "immediate"
EXTENSION = "tracker.jobs"
# Scheduled reminders go out at this many minutes past each hour.
REMINDERS_MINUTE = "7"
# The daily summary of notifications goes at 07:00 UK time: the schedule runs in UTC, so the job
# is started at both hours that can be 07:00 in the UK and sends only in the right one.
DAILY_NOTIFICATIONS_HOURS = "6,7"
# How often, at most, an idle worker looks for a new job.
IDLE_CHECK_SECONDS = 1.0
# How much less CPU priority the worker takes than the web server (nice(1): 0 to 19).
WORKER_NICENESS = 19
# What each job does, in the words an administrator reads when it fails.
DESCRIPTIONS = {
    "send_scheduled_reminders": "Sending the scheduled reminders",
    "hourly_reminders": "Sending the scheduled reminders",
    "send_plan_reminders": "Sending the reminders an administrator asked for",
    "check": "Checking that background jobs run",
    "render_pack": "Making a board pack",
    "read_report": "Reading an uploaded inspection report",
    "read_plan_upload": "Reading an uploaded improvement plan",
    "send_notifications": "Emailing people about progress updates submitted, returned or approved",
    "daily_notifications": "Sending the daily summary emails about progress updates",
}
logger = logging.getLogger("tracker.jobs")


class Jobs:
    """The app's queue and the jobs it runs: call a job to queue it, e.g.
    `jobs_for(app).send_reminders("2023-04-01")`, which returns a Result to wait on."""

    def __init__(self, app: Flask):
        # Imported here, when the first job is queued: the jobs use the app's blueprints,
        # which are not all importable while tracker itself is being imported.
        from tracker.jobs import tasks

        self.app = app
        self.huey = make_huey(app.config)
        retry = {
            "retries": int(app.config["JOBS_RETRIES"]),
            "retry_delay": int(app.config["JOBS_RETRY_DELAY"]),
        }
        self.check = self.huey.task()(self._in_app(tasks.check))
        self.send_reminders = self.huey.task(**retry)(self._in_app(tasks.send_scheduled_reminders))
        self.send_plan_reminders = self.huey.task(**retry)(self._in_app(tasks.send_plan_reminders))
        self.hourly_reminders = self.huey.periodic_task(crontab(minute=REMINDERS_MINUTE), **retry)(
            self._in_app(tasks.hourly_reminders)
        )
        # Board packs: made by the worker, never in a web request (see tracker.pack.renders).
        self.render_pack = self.huey.task(**retry)(self._in_app(tasks.render_pack))
        # Uploaded reports: read into a draft plan by the worker (see tracker.reports.readings).
        self.read_report = self.huey.task(**retry)(self._in_app(tasks.read_report))
        # Uploaded plans: read into a plan import by the worker (tracker.plan_import.readings).
        self.read_plan_upload = self.huey.task(**retry)(self._in_app(tasks.read_plan_upload))
        # Notifications: each sent as soon as its update is saved, or in a daily summary.
        self.send_notifications = self.huey.task(**retry)(self._in_app(tasks.send_notifications))
        self.daily_notifications = self.huey.periodic_task(
            crontab(minute="0", hour=DAILY_NOTIFICATIONS_HOURS), **retry
        )(self._in_app(tasks.daily_notifications))
        self.huey.signal(SIGNAL_ERROR)(self._record_failure)

    def requeue_abandoned(self) -> dict[str, int]:
        """Queue again the packs, reports and plans a stopped worker left undone (see claims)."""
        from tracker.pack.renders import IN_HAND as PACKS_IN_HAND
        from tracker.plan_import.readings import PLANS
        from tracker.reports.readings import REPORTS

        db = open_database(self.app.config["DATABASE"])
        try:
            packs = claims.abandoned(db, "pack_renders", PACKS_IN_HAND)
            reports = REPORTS.abandoned(db)
            plans = PLANS.abandoned(db)
        finally:
            db.close()
        for render_id in packs:
            self.render_pack(render_id)
        for reading_id in reports:
            self.read_report(reading_id)
        for reading_id in plans:
            self.read_plan_upload(reading_id)
        return {"board packs": len(packs), "reports": len(reports), "plans": len(plans)}

    def _in_app(self, function: Callable) -> Callable:
        """`function`, run inside an app context of this app (the worker runs jobs on threads
        of its own, which have none)."""
        app = self.app

        @functools.wraps(function)
        def in_app(*args, **kwargs):
            with app.app_context():
                return function(*args, **kwargs)

        return in_app

    def _record_failure(self, signal, task, exception=None) -> None:
        """After a job's last try, record its failure for the administrators."""
        if task.retries:
            return  # it will be tried again
        description = DESCRIPTIONS.get(task.name, task.name.replace("_", " ").capitalize())
        logger.error("%s failed after every retry: %s", description, exception)
        # Told to each board the job was for; a job for the whole installation, to none.
        board_ids = getattr(exception, "board_ids", None) or [None]
        db = open_database(self.app.config["DATABASE"])
        try:
            with write_transaction(db):
                db["job_failures"].insert_all(
                    {
                        "task": task.name,
                        "description": description,
                        "error": str(exception) or type(exception).__name__,
                        "board_id": board_id,
                    }
                    for board_id in board_ids
                )
        finally:
            db.close()


def storage_problem(config) -> str | None:
    """What is wrong with JOBS_STORAGE, in a sentence; None when nothing is."""
    storage = config.get("JOBS_STORAGE") or ""
    if storage in ("", IMMEDIATE) or storage.startswith(("redis://", "rediss://", "sqlite:///")):
        if int(config.get("JOBS_RETRIES", 0)) < 0 or int(config.get("JOBS_RETRY_DELAY", 0)) < 0:
            return "TRACKER_JOBS_RETRIES and TRACKER_JOBS_RETRY_DELAY must be 0 or more."
        return None
    return (
        "TRACKER_JOBS_STORAGE must be empty (a SQLite file beside the database), "
        f"sqlite:///path/to/jobs.db, redis://host:port/db or immediate, not {storage!r}."
    )


def make_huey(config) -> Huey:
    """The queue JOBS_STORAGE names (see the module's docstring)."""
    storage = config.get("JOBS_STORAGE") or ""
    # Whoever waits on a job's result sees how it ended, not a failure that will be retried.
    options = {"store_intermediate_errors": False}
    if storage == IMMEDIATE or (not storage and config["DATABASE"] == ":memory:"):
        return MemoryHuey(QUEUE_NAME, immediate=True, **options)
    if storage.startswith(("redis://", "rediss://")):
        return RedisHuey(QUEUE_NAME, url=storage, **options)
    if storage.startswith("sqlite:///"):
        path = Path(storage.removeprefix("sqlite:///"))
    else:
        path = Path(config["DATABASE"]).parent / STORAGE_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(path), **options)


def jobs_for(app: Flask) -> Jobs:
    """The app's jobs, made on first use (so an app that queues nothing opens no queue)."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = Jobs(app)
    return app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    """Refuse a JOBS_STORAGE the tracker cannot use, and add the `run-jobs` command."""
    problem = storage_problem(app.config)
    if problem:
        raise UnsafeSettings(f"The tracker will not start with these settings:\n- {problem}")
    app.cli.add_command(run_jobs_command)


@click.command("run-jobs")
@click.option(
    "--workers", type=click.IntRange(1, 16), default=2, show_default=True, help="Jobs at once."
)
@click.option(
    "--no-schedule",
    is_flag=True,
    help="Run queued jobs only, not the hourly reminders (for a second worker on Redis).",
)
@with_appcontext
def run_jobs_command(workers, no_schedule):
    """Run the background job worker: queued jobs (board packs, reminders...) and the
    schedule (reminders each hour). Stop it with Ctrl-C or SIGTERM; queued jobs wait for the
    next start."""
    jobs = jobs_for(current_app._get_current_object())
    if jobs.huey.immediate:
        raise click.ClickException(
            "JOBS_STORAGE is 'immediate' (or the database is in memory): jobs run inside the"
            " process that asks for them, so there is no queue for a worker. Leave"
            " TRACKER_JOBS_STORAGE empty to queue them in a file beside the database."
        )
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    for name in ("huey", "tracker"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    consumer = jobs.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=not no_schedule,
        # An idle worker looks for new jobs at least once a second (Huey's default backs off
        # to ten): someone is waiting on the page for each pack and report.
        max_delay=IDLE_CHECK_SECONDS,
    )
    click.echo(f"Running background jobs from {describe_storage(current_app.config)}.", err=True)
    yield_to_the_web_server()
    # After lowering the priority, which the readers' forkserver inherits.
    from tracker.reports.budget import start_reader

    start_reader()
    requeued = jobs.requeue_abandoned()
    if any(requeued.values()):
        counts = ", ".join(f"{count} {what}" for what, count in requeued.items())
        click.echo(f"Queued again what a stopped worker left undone: {counts}.", err=True)
    consumer.run()


def yield_to_the_web_server() -> None:
    """Give this process (and the threads it starts, which inherit it) the lowest CPU priority:
    packs take whole minutes of CPU, and people are waiting on pages. Measured with
    bench/pack_load.py on a two-core virtual machine, signed-in pages' p95 while two packs
    were made was 1.23 to 1.89 times its figure without, over three runs at nice 19; Linux's
    SCHED_IDLE, which should yield more, did no better (1.96 and 2.01), so nice it is."""
    os.nice(WORKER_NICENESS)


def describe_storage(config) -> str:
    storage = config.get("JOBS_STORAGE") or ""
    if storage.startswith(("redis://", "rediss://")):
        return "Redis"  # the URL may hold a password
    if storage.startswith("sqlite:///"):
        return storage.removeprefix("sqlite:///")
    return str(Path(config["DATABASE"]).parent / STORAGE_FILE_NAME)
