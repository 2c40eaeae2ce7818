"""Benchmark: signed-in pages while the job worker makes board packs, and a burst of packs.

Runs the tracker as production does (gunicorn with gunicorn.conf.py, TRACKER_ENV=production)
beside its job worker (`flask --app run run-jobs --workers 2`, which lowers its own priority),
on the demo and two generated plans, in a temporary folder, on a free port of 127.0.0.1. The
demo champion signs in through the real form; 20 client threads then fetch "/" and the demo
plan's page in turn, timing every page, in three phases:

1. baseline: a bare Flask app under gunicorn with the same settings, reading one row from a
   SQLite file for each page (bench/sign_in_flood.py's, with its servers and clients);
2. quiet: the tracker's pages, with the job worker running but idle;
3. two packs: the same, while the worker makes two board packs of a 60-recommendation plan
   (about 280 pages each). They are asked for just before the phase, which starts once the
   worker has both in hand; their progress is followed through the phase, to say for how
   much of it they were being made.

Then, 4. burst: eight requests for the board pack of a 320-recommendation plan (about 1,490
pages) at once, with two from a second signed-in champion. Every answer's status is counted
(a 303 to the progress page is expected; no 503 or 504), the progress is followed until the
pack is ready, and the PDF is downloaded.

Figures: the median and 95th percentile latency and pages served per second of phases 1-3,
the ratios two packs / quiet (target: p95 at most 1.25x) and quiet / baseline, the CPU time of
gunicorn and of the worker in each phase, and the burst's statuses and times.

Run with `.venv/bin/python bench/pack_load.py` (or `make bench`): several minutes on two
quiet cores (a quarter of an hour on busy ones), most of it making the 1,500-page pack.
`--quick` runs smaller plans and fewer pages, in a minute or two, to check that it works.
Every process it starts is stopped when it ends, fails or is interrupted.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import sign_in_flood as serving  # bench/sign_in_flood.py, beside this script
from pack import realistic_update
from plan_data import add_large_plan
from pypdf import PdfReader
from sign_in_flood import (
    BASELINE_APP,
    BASELINE_CONFIG,
    PROJECT_CONFIG,
    START_LIMIT_SECONDS,
    Client,
    Phase,
    Server,
    csrf_token,
    make_databases,
    measure,
    server_environment,
    sign_in,
)

from tracker import ROOT
from tracker.auth.accounts import create_user
from tracker.db import open_database, scalar
from tracker.demo import DEMO_PASSWORD

CLIENTS = 20
# The second champion, made on the demo board for the burst.
SECOND_CHAMPION = "second.champion@bench.example.org"
TWO_PACKS_QUARTERS = ("2024/25 Q4", "2024/25 Q3")
BURST_QUARTER = "2024/25 Q4"
BURST_REQUESTS = {"first": 8, "second": 2}
# The targets.
P95_RATIO_TARGET = 1.25
PAGES_TARGET = 1500
REFUSALS = (503, 504)
# A reverse proxy in front of the tracker gives up on an answer after this long.
PROXY_TIMEOUT_SECONDS = 75
WORKER_ARGUMENTS = ("--app", "run", "run-jobs", "--workers", "2", "--no-schedule")
IN_HAND = ("rendering", "writing")
# How often the packs' progress is read during phase 3: as the progress page's script asks
# (static/js/job-progress.js), so the phase carries what two people waiting on packs add.
WATCH_SECONDS = 2.0
FOLLOW_SECONDS = 1.0
PHASE_LIMIT_SECONDS = 180
RENDER_ID = re.compile(r"/pack/made/(\d+)$")


@dataclass(frozen=True)
class Settings:
    """How big the run is: the default is the full run, QUICK a check that it works."""

    requests_per_client: int
    two_packs_recommendations: int
    burst_recommendations: int
    pack_limit_seconds: int


FULL = Settings(
    requests_per_client=100,
    two_packs_recommendations=60,
    burst_recommendations=320,
    pack_limit_seconds=1200,
)
QUICK = Settings(
    requests_per_client=20,
    two_packs_recommendations=12,
    burst_recommendations=30,
    pack_limit_seconds=300,
)


@dataclass(frozen=True)
class Data:
    """The databases and the plans the phases use."""

    tracker: Path
    baseline: Path
    demo_plan: int
    two_packs_plan: int
    burst_plan: int


class JobWorker(Server):
    """The job worker, `flask --app run run-jobs --workers 2`, in a session of its own on the
    tracker's settings, started and stopped as the servers are. Without the hourly schedule,
    whose reminders would be work no phase asked for."""

    def __init__(self, log: Path, environment: dict[str, str]):
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own arguments
                [sys.executable, "-m", "flask", *WORKER_ARGUMENTS],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while "Huey consumer started" not in self.log.read_text():
            if self.process.poll() is not None:
                raise RuntimeError(f"The job worker stopped at once:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"The job worker did not start in {START_LIMIT_SECONDS} s.")
            time.sleep(0.1)


def use_clients(settings: Settings) -> None:
    """Set sign_in_flood's measuring to this benchmark's clients: its functions read these
    at each call."""
    serving.CLIENTS = CLIENTS
    serving.REQUESTS_PER_CLIENT = settings.requests_per_client
    serving.PHASE_LIMIT_SECONDS = PHASE_LIMIT_SECONDS


def make_data(folder: Path, settings: Settings) -> Data:
    """The demo (and the baseline's copy of its plan), two live generated plans on the demo
    board, and a second champion."""
    tracker, baseline, demo_plan = make_databases(folder)
    db = open_database(tracker)
    board_id = scalar(db, "SELECT board_id FROM plans WHERE id = ?", demo_plan)
    plans = []
    with db.atomic():
        for title, recommendations in (
            ("Two packs plan", settings.two_packs_recommendations),
            ("Burst plan", settings.burst_recommendations),
        ):
            plan_id = add_large_plan(
                db, board_id, realistic_update, recommendations=recommendations, title=title
            )
            # Live, so that champions may see it.
            db.execute("UPDATE plans SET state = 'live' WHERE id = ?", [plan_id])
            plans.append(plan_id)
    create_user(
        db,
        email=SECOND_CHAMPION,
        password=DEMO_PASSWORD,
        name="Second Champion",
        board_id=board_id,
        role="champion",
    )
    db.close()
    return Data(tracker, baseline, demo_plan, *plans)


def tracker_environment(folder: Path, database: Path) -> dict[str, str]:
    """The settings gunicorn and the worker share: production, with the shipped defaults."""
    return server_environment(
        TRACKER_ENV="production",
        TRACKER_SECRET_KEY=secrets.token_hex(32),
        TRACKER_DATABASE=str(database),
        TRACKER_MAIL_FOLDER=str(folder / "mail"),
        TRACKER_EVIDENCE_FOLDER=str(folder / "evidence"),
    )


def sign_in_second_champion(port: int) -> dict[str, str]:
    """The second champion's session cookie, signed in through the form."""
    client = Client(port)
    try:
        page = client.request("GET", "/sign-in")[2]
        form = {"email": SECOND_CHAMPION, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)}
        status, location, _body = client.request("POST", "/sign-in", form)
        if status != 302 or "/sign-in" in location:
            raise RuntimeError(f"Signing in as {SECOND_CHAMPION} gave {status} {location}.")
        return client.cookies
    finally:
        client.close()


def pack_address(plan_id: int, quarter: str) -> str:
    query = urllib.parse.urlencode({"quarter": quarter, "version": "board"})
    return f"/plans/{plan_id}/pack/download?{query}"


def render_id_in(location: str) -> int | None:
    """The pack request a redirect to its progress page is about."""
    found = RENDER_ID.search(urllib.parse.urlsplit(location).path)
    return int(found[1]) if found else None


def ask_for_pack(client: Client, plan_id: int, quarter: str) -> int:
    """Ask for a pack that is not made yet; returns its request's id."""
    status, location, _body = client.request("GET", pack_address(plan_id, quarter))
    render_id = render_id_in(location)
    if status != 303 or render_id is None:
        raise RuntimeError(f"Asking for the {quarter} pack gave {status} {location!r}.")
    return render_id


def progress(client: Client, plan_id: int, render_id: int) -> dict:
    """The pack request's progress, as its page's script reads it."""
    status, _location, body = client.request("GET", f"/plans/{plan_id}/pack/made/{render_id}.json")
    if status != 200:
        raise RuntimeError(f"The progress of pack {render_id} gave {status}.")
    return json.loads(body)


def wait_until_in_hand(client: Client, plan_id: int, render_ids: list[int], asked_at: float):
    """Seconds from asking until the worker had every pack in hand, or None if it had not
    within START_LIMIT_SECONDS."""
    while time.monotonic() - asked_at < START_LIMIT_SECONDS:
        states = [progress(client, plan_id, render_id)["state"] for render_id in render_ids]
        if "queued" not in states:
            return time.monotonic() - asked_at
        time.sleep(0.1)
    return None


@dataclass
class PackMade:
    """How one pack request went, in seconds from when it was asked for."""

    asked_at: float
    picked_up: float | None = None
    laid_out: float | None = None
    finished: float | None = None
    last: dict = field(default_factory=dict)
    # Progress reads that got no answer: one the server is too busy to give is a finding, not
    # a reason to stop following the pack.
    unanswered: int = 0

    @property
    def ready(self) -> bool:
        return bool(self.last.get("ready"))


def follow(client: Client, plan_id: int, render_ids: list[int], asked_at: float, limit: float):
    """Read the packs' progress until every one is finished, or `limit` seconds after they
    were asked for; returns how each went."""
    made = [PackMade(asked_at) for _ in render_ids]
    while True:
        elapsed = time.monotonic() - asked_at
        for render_id, pack in zip(render_ids, made, strict=True):
            if pack.finished is not None:
                continue
            try:
                pack.last = progress(client, plan_id, render_id)
            except (OSError, http.client.HTTPException):
                pack.unanswered += 1
                continue
            if pack.last["state"] != "queued" and pack.picked_up is None:
                pack.picked_up = elapsed
            if pack.last["state"] == "writing" and pack.laid_out is None:
                pack.laid_out = elapsed
            if pack.last["finished"]:
                pack.finished = elapsed
        if all(pack.finished is not None for pack in made) or elapsed > limit:
            return made
        time.sleep(FOLLOW_SECONDS)


class PackWatch:
    """The packs' states through a phase, and the worker's CPU time: handed to measure() in
    the flood's place, it begins when the phase's timing starts and ends when it ends."""

    def __init__(self, client: Client, worker: JobWorker, plan_id: int, render_ids: list[int]):
        self.client, self.worker = client, worker
        self.plan_id, self.render_ids = plan_id, render_ids
        self.samples: list[tuple[float, tuple[str, ...]]] = []
        self.worker_cpu = 0.0
        self.stop = threading.Event()
        # A daemon: an interrupted run never reaches end(), and must not wait for it.
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def begin(self) -> None:
        self.worker_cpu = self.worker.cpu_seconds()
        if self.render_ids:
            self.thread.start()

    def _watch(self) -> None:
        while True:
            self._sample()
            if self.stop.wait(WATCH_SECONDS):
                return

    def _sample(self) -> None:
        at = time.monotonic()  # the states are as at the first request
        try:
            states = tuple(
                progress(self.client, self.plan_id, render_id)["state"]
                for render_id in self.render_ids
            )
        except (OSError, http.client.HTTPException, RuntimeError):
            states = ("unknown",) * len(self.render_ids)
        self.samples.append((at, states))

    def end(self) -> tuple[Counter, float]:
        """Stop watching; returns how often each combination of states was seen, and no CPU
        time of its own (it runs in this process, whose CPU time the phase counts)."""
        self.worker_cpu = self.worker.cpu_seconds() - self.worker_cpu
        if self.render_ids:
            self.stop.set()
            self.thread.join()
            self._sample()
        self.client.close()
        return Counter(" and ".join(states) for _at, states in self.samples), 0.0

    def first_seen(self, index: int, state: str) -> float | None:
        """When the pack at `index` was first seen in `state` during the phase."""
        return next((at for at, states in self.samples if states[index] == state), None)

    def seconds_in_hand(self, *indexes: int) -> float:
        """How long the packs at `indexes` were all being made (rendering or writing)."""
        total = 0.0
        for (at, states), (next_at, _next) in zip(self.samples, self.samples[1:], strict=False):
            if all(states[index] in IN_HAND for index in indexes):
                total += next_at - at
        return total


@dataclass
class Answer:
    """One answer to a request for a pack in the burst."""

    user: str
    status: str
    render_id: int | None
    seconds: float


@dataclass
class Burst:
    """The burst's answers, how its pack was made, and its download."""

    answers: list[Answer]
    made: PackMade | None = None
    pdf_status: int | None = None
    pdf_bytes: int = 0
    pdf_pages: int | None = None
    again_status: int | None = None
    again_made: PackMade | None = None

    @property
    def statuses(self) -> Counter:
        return Counter(answer.status for answer in self.answers)

    @property
    def render_ids(self) -> set[int]:
        return {answer.render_id for answer in self.answers if answer.render_id is not None}


def ask_at_once(port: int, sessions: dict[str, dict], address: str) -> tuple[list[Answer], float]:
    """Send BURST_REQUESTS for `address` at the same moment, each on a connection of its own;
    returns the answers and when they were sent."""
    answers: list[Answer] = []
    start = threading.Barrier(sum(BURST_REQUESTS.values()) + 1)

    def ask(user: str, client: Client) -> None:
        try:
            start.wait(START_LIMIT_SECONDS)
            began = time.perf_counter()
            try:
                status, location, _body = client.request("GET", address)
                answer = Answer(user, str(status), render_id_in(location), 0.0)
            except (OSError, http.client.HTTPException) as error:
                answer = Answer(user, type(error).__name__, None, 0.0)
            answer.seconds = time.perf_counter() - began
            answers.append(answer)
        finally:
            client.close()

    threads = [
        threading.Thread(target=ask, args=(user, Client(port, sessions[user])))
        for user, count in BURST_REQUESTS.items()
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    start.wait(START_LIMIT_SECONDS)
    asked_at = time.monotonic()
    for thread in threads:
        thread.join()
    return answers, asked_at


def burst(port: int, sessions: dict[str, dict], plan_id: int, limit: float) -> Burst:
    """Phase 4: the burst of requests for one large pack, then its progress and its PDF."""
    answers, asked_at = ask_at_once(port, sessions, pack_address(plan_id, BURST_QUARTER))
    result = Burst(answers)
    if not result.render_ids:
        return result
    client = Client(port, sessions["first"])
    try:
        render_id = min(result.render_ids)
        [result.made] = follow(client, plan_id, [render_id], asked_at, limit)
        if result.made.ready:
            download(client, plan_id, render_id, result, limit)
    finally:
        client.close()
    return result


def download(client: Client, plan_id: int, render_id: int, result: Burst, limit: float) -> None:
    """Fetch the made pack's PDF, then ask for the pack again: the PDF itself, or a request
    that reuses the made one, followed until it is ready."""
    status, _location, pdf = client.request("GET", f"/plans/{plan_id}/pack/made/{render_id}.pdf")
    result.pdf_status, result.pdf_bytes = status, len(pdf)
    if status == 200:
        result.pdf_pages = len(PdfReader(BytesIO(pdf)).pages)
    asked_at = time.monotonic()
    status, location, _pdf = client.request("GET", pack_address(plan_id, BURST_QUARTER))
    result.again_status, again_id = status, render_id_in(location)
    if status == 303 and again_id is not None:
        [result.again_made] = follow(client, plan_id, [again_id], asked_at, limit)


@dataclass
class TwoPacks:
    """Phase 3: the pages, the packs' states through it, and how the packs were made."""

    phase: Phase
    watch: PackWatch
    picked_up: float | None
    made: list[PackMade]


@dataclass
class Results:
    """Everything the run measured, for the report."""

    settings: Settings
    paths: tuple[str, str]
    baseline: Phase
    quiet: Phase
    quiet_watch: PackWatch
    two_packs: TwoPacks
    burst: Burst

    @property
    def phases(self) -> list[Phase]:
        return [self.baseline, self.quiet, self.two_packs.phase]


def measure_baseline(folder: Path, database: Path, paths: tuple[str, str]) -> Phase:
    """Phase 1: the bare Flask app under gunicorn with the project's settings."""
    (folder / "baseline_app.py").write_text(BASELINE_APP.format(database=str(database)))
    config = folder / "baseline.conf.py"
    config.write_text(BASELINE_CONFIG.format(project_config=str(PROJECT_CONFIG)))
    with Server(config, folder, folder / "baseline.log", server_environment()) as bare:
        return measure("baseline (bare Flask)", bare, {}, paths)


def measure_two_packs(
    tracker: Server,
    worker: JobWorker,
    cookies: dict[str, str],
    plan_id: int,
    paths: tuple[str, str],
    limit: float,
) -> TwoPacks:
    """Phase 3: ask for two packs; time the pages once the worker has both in hand, following
    the packs' states meanwhile; then follow the packs until they are made, so that the
    burst does not wait behind them."""
    asker = Client(tracker.port, cookies)
    try:
        asked_at = time.monotonic()
        render_ids = [ask_for_pack(asker, plan_id, quarter) for quarter in TWO_PACKS_QUARTERS]
        picked_up = wait_until_in_hand(asker, plan_id, render_ids, asked_at)
        watch = PackWatch(Client(tracker.port, cookies), worker, plan_id, render_ids)
        phase = measure("two packs rendering", tracker, cookies, paths, watch)
        made = follow(asker, plan_id, render_ids, asked_at, limit)
    finally:
        asker.close()
    # Following them began after the phase: what was seen before it says more.
    for index, pack in enumerate(made):
        if picked_up is not None:
            pack.picked_up = picked_up
        written = watch.first_seen(index, "writing")
        if written is not None:
            pack.laid_out = written - asked_at
    return TwoPacks(phase, watch, picked_up, made)


def run(folder: Path, settings: Settings) -> Results:
    data = make_data(folder, settings)
    paths = ("/", f"/plans/{data.demo_plan}")
    baseline = measure_baseline(folder, data.baseline, paths)
    environment = tracker_environment(folder, data.tracker)
    limit = settings.pack_limit_seconds
    with ExitStack() as running:
        # Started from the project folder, as `make serve` does, so gunicorn.conf.py finds run:app.
        tracker = running.enter_context(
            Server(PROJECT_CONFIG, ROOT, folder / "tracker.log", environment)
        )
        worker = running.enter_context(JobWorker(folder / "worker.log", environment))
        sessions = {"first": sign_in(tracker.port), "second": sign_in_second_champion(tracker.port)}
        cookies = sessions["first"]
        quiet_watch = PackWatch(Client(tracker.port, cookies), worker, data.two_packs_plan, [])
        quiet = measure("quiet (worker idle)", tracker, cookies, paths, quiet_watch)
        two_packs = measure_two_packs(tracker, worker, cookies, data.two_packs_plan, paths, limit)
        bursting = burst(tracker.port, sessions, data.burst_plan, limit)
    return Results(settings, paths, baseline, quiet, quiet_watch, two_packs, bursting)


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def report_phases(results: Results) -> None:
    baseline, quiet, two_packs = results.phases
    print(
        f"{CLIENTS} clients x {results.settings.requests_per_client} requests per phase, "
        f"alternating {' and '.join(results.paths)}"
    )
    row = "{:24} {:>8} {:>8} {:>8} {:>13} {:>13}".format
    print(row("", "p50 ms", "p95 ms", "pages/s", "server CPU s", "worker CPU s"))
    watches = {quiet.name: results.quiet_watch, two_packs.name: results.two_packs.watch}
    for phase in results.phases:
        watch = watches.get(phase.name)
        figures = (phase.p50 * 1000, phase.p95 * 1000, phase.per_second, phase.server_cpu)
        worker_cpu = f"{watch.worker_cpu:.1f}" if watch else "-"
        print(row(phase.name, *(f"{figure:.1f}" for figure in figures), worker_cpu))
        if phase.failures:
            failed = ", ".join(f"{n} {what}" for what, n in phase.failures.most_common())
            print(f"  pages not served: {failed}")
    for label, over, under in (
        ("quiet / baseline", quiet, baseline),
        ("two packs / quiet", two_packs, quiet),
    ):
        print(f"{label:24} p50 {over.p50 / under.p50:5.2f}x   p95 {over.p95 / under.p95:5.2f}x")


def describe(made: PackMade) -> str:
    """How a pack request went, in a line."""
    unanswered = f"; {made.unanswered} progress reads unanswered" if made.unanswered else ""
    return (
        f"{made.last.get('pages') or '?'} pages, {made.last.get('state', 'no answer')} after "
        f"{seconds(made.finished)} (in the worker's hands after {seconds(made.picked_up)}, "
        f"laid out after {seconds(made.laid_out)}){unanswered}"
    )


def report_two_packs(results: Results) -> float:
    """The packs made during phase 3; returns the share of the phase both were being made."""
    two_packs = results.two_packs
    watch, phase = two_packs.watch, two_packs.phase
    print(
        f"two packs ({results.settings.two_packs_recommendations} recommendations, board "
        f"version), in the worker's hands {seconds(two_packs.picked_up)} after they were asked"
        + ("" if two_packs.picked_up is not None else f" (not within {START_LIMIT_SECONDS} s)")
    )
    for index, (quarter, made) in enumerate(zip(TWO_PACKS_QUARTERS, two_packs.made, strict=True)):
        share = min(1.0, watch.seconds_in_hand(index) / phase.seconds)
        print(f"  {quarter}: {describe(made)}; being made for {share:.0%} of the phase")
    both = min(1.0, watch.seconds_in_hand(*range(len(TWO_PACKS_QUARTERS))) / phase.seconds)
    print(f"  both being made for {both:.0%} of the phase's {phase.seconds:.1f} s")
    return both


def report_burst(bursting: Burst) -> None:
    by_user = Counter(answer.user for answer in bursting.answers)
    statuses = ", ".join(f"{n} x {status}" for status, n in sorted(bursting.statuses.items()))
    slowest = max((answer.seconds for answer in bursting.answers), default=0.0)
    print(
        f"burst: {by_user['first']} requests by the demo champion and {by_user['second']} by a "
        f"second champion at once, for the {BURST_QUARTER} board pack"
    )
    print(
        f"  answers: {statuses}; slowest {slowest * 1000:.0f} ms; "
        f"{len(bursting.render_ids)} pack request(s) made of them"
    )
    made = bursting.made
    if made is None:
        print("  no answer named a pack request to follow")
        return
    print(f"  {describe(made)}, {(made.last.get('size') or 0) / 1e6:.1f} MB")
    if bursting.pdf_status is not None:
        print(
            f"  PDF: {bursting.pdf_status}, {bursting.pdf_bytes / 1e6:.1f} MB, "
            f"{bursting.pdf_pages} pages"
        )
        again = bursting.again_made
        print(
            f"  asked for again once made: {bursting.again_status}"
            + (
                f" to a new request, {again.last.get('state')} after {seconds(again.finished)}"
                if again
                else ""
            )
        )


def report_targets(results: Results, both_share: float) -> None:
    _baseline, quiet, two_packs = results.phases
    ratio = two_packs.p95 / quiet.p95
    caveat = (
        f" (but both packs were being made for only {both_share:.0%} of the phase)"
        if both_share < 0.9
        else ""
    )
    print(
        f"{verdict(ratio <= P95_RATIO_TARGET)} p95 with two packs being made is {ratio:.2f}x the "
        f"p95 without (target: at most {P95_RATIO_TARGET}x){caveat}"
    )
    bursting = results.burst
    refused = sum(bursting.statuses[str(status)] for status in REFUSALS)
    unexpected = sum(n for status, n in bursting.statuses.items() if status not in ("200", "303"))
    slowest = max((answer.seconds for answer in bursting.answers), default=0.0)
    print(
        f"{verdict(refused == 0 and unexpected == 0 and slowest < PROXY_TIMEOUT_SECONDS)} the "
        f"burst: {refused} answers 503 or 504, {unexpected} other than 200 or 303, slowest "
        f"{slowest:.1f} s (the proxy waits {PROXY_TIMEOUT_SECONDS} s)"
    )
    made = bursting.made
    pages = made.last.get("pages") if made else None
    downloaded = made is not None and made.ready and bursting.pdf_status == 200
    size = ""
    if pages and pages < PAGES_TARGET * 0.9:
        size = f" (a quick run's pack: the target is about packs of up to {PAGES_TARGET:,} pages)"
    elif pages and pages > PAGES_TARGET:
        size = f" (more than the {PAGES_TARGET:,} pages the target is about)"
    print(
        f"{verdict(downloaded and bursting.pdf_pages == pages)} the burst's {pages or '?'}-page "
        f"pack was made in {seconds(made.finished if made else None)} and downloaded{size}"
    )


def report(results: Results) -> None:
    report_phases(results)
    both_share = report_two_packs(results)
    report_burst(results.burst)
    report_targets(results, both_share)


def stop_on_sigterm() -> None:
    """A SIGTERM ends the run as Ctrl-C does, through the code that stops its processes."""

    def interrupt(_signal, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller plans and fewer pages: a check that it works"
    )
    settings = QUICK if parser.parse_args().quick else FULL
    stop_on_sigterm()
    use_clients(settings)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
    with tempfile.TemporaryDirectory() as folder:
        results = run(Path(folder), settings)
    report(results)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
