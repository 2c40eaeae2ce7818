"""Benchmark: what a flood of sign-in attempts does to people who are already signed in.

Runs the tracker as production does (gunicorn with gunicorn.conf.py, TRACKER_ENV=production,
secure cookies, two factors required) on the demo, in a temporary folder, on a free port of
127.0.0.1. The demo champion signs in through the real form; then 4 client threads each fetch
"/" and the demo plan's page in turn, 150 requests each, timing every one:

- quiet: nothing else happening;
- flood: the same, while 16 other connections POST the sign-in form as fast as they are
  answered, each time with a new made-up email address and password. The per-address limit
  lets a few of them through to the password check (an Argon2 hash each) and answers the rest
  with 429; the flood's answers are counted by kind.

The baseline, measured in the same run with the same clients, is a bare Flask app under
gunicorn with the same settings, reading one row from a SQLite file for each page. Figures are
the median and 95th percentile latency and the pages served per second, with ratios of quiet to
baseline and flood to quiet. The server's CPU time and this benchmark's own are shown too: the
load generator shares the CPUs with the server, as a flood from elsewhere would not, so the
flood weighs a little more here than it would in service. It runs in a process of its own, so
its threads do not hold the measuring threads up for the GIL. The flood comes from one address,
as the limit is counted per address; one spread over many addresses would get past it.

Run with `.venv/bin/python bench/sign_in_flood.py` (or `make bench`); it takes under a minute
on two cores, and stops its servers itself.
"""

import http.client
import multiprocessing
import os
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tracker import ROOT
from tracker.auth.views import WRONG_DETAILS
from tracker.db import open_database
from tracker.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from tracker.rate_limiting import SIGN_IN

HOST = "127.0.0.1"
CHAMPION = next(email for email, _name, role, _person in DEMO_ACCOUNTS if role == "champion")
CLIENTS = 4
REQUESTS_PER_CLIENT = 150
# Untimed requests before each phase: the first pages a worker renders compile its templates.
WARM_UP_PER_CLIENT = 5
FLOOD_CONNECTIONS = 16
# Every wait is bounded, so a server that stops answering ends the run instead of hanging it.
REQUEST_TIMEOUT_SECONDS = 10
PHASE_LIMIT_SECONDS = 45
FLOOD_LIMIT_PER_CONNECTION = 20_000
START_LIMIT_SECONDS = 30
STOP_LIMIT_SECONDS = 10
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Whoever runs this may have TRACKER_*, FLASK_* or GUNICORN_CMD_ARGS set for their own server;
# the servers here get only the settings below.
OWN_SETTINGS = ("TRACKER_", "FLASK_", "GUNICORN_")

BASELINE_APP = '''
"""A bare Flask page that reads one row from SQLite: the least a tracker page could cost."""

import sqlite3

from flask import Flask
from markupsafe import escape

DATABASE = {database!r}
app = Flask(__name__)


@app.route("/")
@app.route("/plans/<int:plan_id>")
def page(plan_id=1):
    connection = sqlite3.connect(DATABASE)
    try:
        row = connection.execute("SELECT title FROM plans WHERE id = ?", [plan_id]).fetchone()
    finally:
        connection.close()
    title = escape(row[0] if row else "")
    return f"<!doctype html><title>{{title}}</title><h1>{{title}}</h1>"
'''
# The baseline's gunicorn settings: the project's (workers, threads, preloading...), without its
# hooks, which are about the tracker, and with the bare app instead.
BASELINE_CONFIG = """
import runpy
from types import ModuleType

_project = runpy.run_path({project_config!r})
globals().update(
    (name, value)
    for name, value in _project.items()
    if not name.startswith("_") and not callable(value) and not isinstance(value, ModuleType)
)
wsgi_app = "baseline_app:app"
"""
PROJECT_CONFIG = ROOT / "gunicorn.conf.py"


class Client:
    """One keep-alive connection to the server, with its own cookies.

    Cookies are kept and sent by hand: in production the session cookie is Secure (and named
    __Host-), which a cookie jar would rightly never send over plain http, even to 127.0.0.1.
    """

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, bytes]:
        """Send one request; returns the status, the Location header and the body."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    HOST, self.port, timeout=REQUEST_TIMEOUT_SECONDS
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
            except (ConnectionError, http.client.HTTPException):
                # Gunicorn closes a keep-alive connection left idle for a few seconds, as
                # between phases; the request is sent again once, on a new connection.
                self.close()
                if attempt == 2:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                self._keep(header)
            if response.will_close:
                self.close()
            return response.status, response.headers.get("Location", ""), content
        raise AssertionError("unreachable")

    def _keep(self, header: str) -> None:
        name, _, value = header.split(";", 1)[0].strip().partition("=")
        if "max-age=0" in header.lower().replace(" ", ""):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def csrf_token(page: bytes) -> str:
    found = CSRF_TOKEN.search(page.decode())
    if not found:
        raise RuntimeError("The sign-in page has no CSRF token.")
    return found[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_environment(**settings: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    return {**environment, **settings}


class Server:
    """Gunicorn started in `folder` with the settings file `config`, on a free port of
    127.0.0.1, and stopped on leaving the `with` block whatever happened inside it."""

    def __init__(self, config: Path, folder: Path, log: Path, environment: dict[str, str]):
        self.port = free_port()
        command = [
            *(sys.executable, "-m", "gunicorn"),
            *("--config", str(config), "--bind", f"{HOST}:{self.port}"),
        ]
        self.log = log
        with log.open("w") as output:
            # A session of its own, so that killing it reaches its workers and nothing else.
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our own arguments
                command,
                cwd=folder,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __enter__(self) -> "Server":
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exception) -> None:
        self.stop()

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_LIMIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at once:\n{self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer in {START_LIMIT_SECONDS} s.")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_LIMIT_SECONDS)

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn and its workers, from /proc."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that ended while we looked
            pid, parent = int(stat.parent.name), int(fields[1])
            if self.process.pid in (pid, parent):
                ticks += int(fields[11]) + int(fields[12])  # utime and stime
        return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    """One phase's page timings, and what the server and this benchmark spent on it."""

    name: str
    timings: list[float] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    flood: Counter = field(default_factory=Counter)

    def percentile(self, percent: int) -> float:
        return statistics.quantiles(self.timings, n=100, method="inclusive")[percent - 1]

    @property
    def p50(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def per_second(self) -> float:
        return len(self.timings) / self.seconds


def fetch_pages(client, paths, start, deadline, timings, failures) -> None:
    """One client thread: untimed warm-up, then REQUESTS_PER_CLIENT timed pages."""
    try:
        try:
            for index in range(WARM_UP_PER_CLIENT):
                client.request("GET", paths[index % len(paths)])
        except (OSError, http.client.HTTPException):
            start.abort()  # the phase cannot be measured as asked, so it does not start
            raise
        start.wait(START_LIMIT_SECONDS)
        for index in range(REQUESTS_PER_CLIENT):
            if time.monotonic() > deadline:
                failures["not sent in time"] += REQUESTS_PER_CLIENT - index
                break
            started = time.perf_counter()
            try:
                status, _location, _body = client.request("GET", paths[index % len(paths)])
            except (OSError, http.client.HTTPException) as error:
                failures[type(error).__name__] += 1
                continue
            if status == 200:
                timings.append(time.perf_counter() - started)
            else:
                failures[f"HTTP {status}"] += 1
    except threading.BrokenBarrierError:
        failures["phase did not start"] += REQUESTS_PER_CLIENT
    finally:
        client.close()


def measure(name, server, cookies, paths, flood=None) -> Phase:
    """Time CLIENTS threads fetching `paths` in turn; with `flood`, while it runs."""
    phase = Phase(name)
    deadline = time.monotonic() + PHASE_LIMIT_SECONDS
    start = threading.Barrier(CLIENTS + 1)
    failures = [Counter() for _ in range(CLIENTS)]
    threads = [
        threading.Thread(
            target=fetch_pages,
            args=(Client(server.port, cookies), paths, start, deadline, phase.timings, failed),
        )
        for failed in failures
    ]
    for thread in threads:
        thread.start()
    start.wait(START_LIMIT_SECONDS)
    started = time.monotonic()
    if flood:
        flood.begin()
    server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started
    phase.server_cpu = server.cpu_seconds() - server_cpu
    phase.client_cpu = time.process_time() - client_cpu
    if flood:
        phase.flood, flood_cpu = flood.end()
        phase.client_cpu += flood_cpu
    phase.failures = sum(failures, Counter())
    if len(phase.timings) < 2:
        raise RuntimeError(f"The {name} phase served too few pages to measure: {phase.failures}")
    return phase


def sign_in(port: int) -> dict[str, str]:
    """Sign in as the demo champion through the form; returns the session cookie."""
    client = Client(port)
    try:
        status, _location, page = client.request("GET", "/sign-in")
        form = {"email": CHAMPION, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)}
        status, location, _body = client.request("POST", "/sign-in", form)
        if status != 302 or "/sign-in" in location:
            raise RuntimeError(f"Signing in as {CHAMPION} gave {status} {location}.")
        status, _location, _body = client.request("GET", "/")
        if status != 200:
            raise RuntimeError(f"The first page after signing in gave {status}.")
        return client.cookies
    finally:
        client.close()


def flood_connection(port, ready, go, stop, counts) -> None:
    """One connection of the flood: a CSRF token, then sign-in POSTs until told to stop."""
    client = Client(port)
    try:
        _status, _location, page = client.request("GET", "/sign-in")
        token = csrf_token(page)
        ready.wait(START_LIMIT_SECONDS)
        go.wait(START_LIMIT_SECONDS)
        deadline = time.monotonic() + PHASE_LIMIT_SECONDS
        for _ in range(FLOOD_LIMIT_PER_CONNECTION):
            if stop.is_set() or time.monotonic() > deadline:
                break
            form = {
                "email": f"{secrets.token_hex(8)}@flood.example.org",
                "password": secrets.token_hex(12),
                "csrf_token": token,
            }
            try:
                status, _location, body = client.request("POST", "/sign-in", form)
            except (OSError, http.client.HTTPException) as error:
                counts[f"no answer ({type(error).__name__})"] += 1
                continue
            if status == 429:
                counts["429 too many requests"] += 1
            elif status == 400 and WRONG_DETAILS.encode() in body:
                counts["400 wrong details (password checked)"] += 1
            else:
                counts[f"{status} other"] += 1
    except threading.BrokenBarrierError:
        pass
    except Exception:
        ready.abort()  # the flood cannot start as asked, so none of it does
        raise
    finally:
        client.close()


def flood_process(port, ready, go, stop, results) -> None:
    """The flood, in a process of its own: FLOOD_CONNECTIONS threads posting the sign-in form.
    Sets `ready` once every connection holds a token, starts on `go`, stops on `stop`, and puts
    its counts and CPU time in `results`."""
    connected = threading.Barrier(FLOOD_CONNECTIONS + 1)
    local_go, local_stop = threading.Event(), threading.Event()
    counts = [Counter() for _ in range(FLOOD_CONNECTIONS)]
    threads = [
        threading.Thread(
            target=flood_connection, args=(port, connected, local_go, local_stop, count)
        )
        for count in counts
    ]
    for thread in threads:
        thread.start()
    try:
        connected.wait(START_LIMIT_SECONDS)
    except threading.BrokenBarrierError:
        results.put(None)
        return
    ready.set()
    go.wait(START_LIMIT_SECONDS)
    cpu = time.process_time()
    local_go.set()
    stop.wait(PHASE_LIMIT_SECONDS)
    local_stop.set()
    for thread in threads:
        thread.join()
    results.put((dict(sum(counts, Counter())), time.process_time() - cpu))


class Flood:
    """The flood's process, made ready before a phase and begun when its timing starts."""

    def __init__(self, port: int):
        context = multiprocessing.get_context("spawn")
        self.ready, self.go, self.stop = context.Event(), context.Event(), context.Event()
        self.results = context.Queue()
        self.process = context.Process(
            target=flood_process, args=(port, self.ready, self.go, self.stop, self.results)
        )

    def __enter__(self) -> "Flood":
        self.process.start()
        if not self.ready.wait(START_LIMIT_SECONDS):
            self.__exit__()
            raise RuntimeError("The flood's connections could not get the sign-in form.")
        return self

    def begin(self) -> None:
        self.go.set()

    def end(self) -> tuple[Counter, float]:
        self.stop.set()
        counts, cpu = self.results.get(timeout=STOP_LIMIT_SECONDS + REQUEST_TIMEOUT_SECONDS)
        return Counter(counts), cpu

    def __exit__(self, *_exception) -> None:
        self.stop.set()
        self.process.join(STOP_LIMIT_SECONDS + REQUEST_TIMEOUT_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def make_databases(folder: Path) -> tuple[Path, Path, int]:
    """The demo database for the tracker, and a one-row copy of its plan for the baseline;
    returns both and the demo plan's id."""
    tracker = folder / "tracker.db"
    db = open_database(tracker)
    plan_id = load_demo(db)
    title = db.execute("SELECT title FROM plans WHERE id = ?", [plan_id]).fetchone()[0]
    db.close()
    baseline = folder / "baseline.db"
    with sqlite3.connect(baseline) as connection:
        connection.execute("CREATE TABLE plans (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
        connection.execute("INSERT INTO plans VALUES (?, ?)", [plan_id, title])
    connection.close()
    return tracker, baseline, plan_id


def run(folder: Path) -> tuple[list[Phase], tuple[str, str]]:
    tracker_db, baseline_db, plan_id = make_databases(folder)
    paths = ("/", f"/plans/{plan_id}")
    (folder / "baseline_app.py").write_text(BASELINE_APP.format(database=str(baseline_db)))
    baseline_config = folder / "baseline.conf.py"
    baseline_config.write_text(BASELINE_CONFIG.format(project_config=str(PROJECT_CONFIG)))
    with Server(baseline_config, folder, folder / "baseline.log", server_environment()) as bare:
        baseline = measure("baseline (bare Flask)", bare, {}, paths)
    tracker_environment = server_environment(
        TRACKER_ENV="production",
        TRACKER_SECRET_KEY=secrets.token_hex(32),
        TRACKER_DATABASE=str(tracker_db),
        TRACKER_SECURE_COOKIES="true",
        TRACKER_REQUIRE_TWO_FACTOR="true",
        TRACKER_PROXY_HOPS="0",
        # Counted in rate-limits.db beside the database, at the limit the tracker ships with.
        TRACKER_RATE_LIMIT_STORAGE="",
        TRACKER_RATE_LIMIT_SIGN_IN=SIGN_IN.default,
        TRACKER_MAIL_FOLDER=str(folder / "mail"),
        TRACKER_EVIDENCE_FOLDER=str(folder / "evidence"),
    )
    # Started from the project folder, as `make serve` does, so gunicorn.conf.py finds run:app.
    with Server(PROJECT_CONFIG, ROOT, folder / "tracker.log", tracker_environment) as tracker:
        cookies = sign_in(tracker.port)
        quiet = measure("quiet", tracker, cookies, paths)
        with Flood(tracker.port) as flood:
            flooded = measure("flood", tracker, cookies, paths, flood)
    return [baseline, quiet, flooded], paths


def report(phases: list[Phase], paths: tuple[str, str]) -> None:
    baseline, quiet, flood = phases
    print(
        f"{CLIENTS} clients x {REQUESTS_PER_CLIENT} requests per phase, alternating "
        f"{' and '.join(paths)}; flood: {FLOOD_CONNECTIONS} connections posting the sign-in form"
    )
    print(f"{'':24} {'p50 ms':>8} {'p95 ms':>8} {'pages/s':>8} {'server CPU s':>13} {'ours':>6}")
    for phase in phases:
        print(
            f"{phase.name:24} {phase.p50 * 1000:8.1f} {phase.p95 * 1000:8.1f} "
            f"{phase.per_second:8.1f} {phase.server_cpu:13.1f} {phase.client_cpu:6.1f}"
        )
        if phase.failures:
            failed = ", ".join(f"{n} {what}" for what, n in phase.failures.most_common())
            print(f"  pages not served: {failed}")
    print(
        f"quiet / baseline:  p50 {quiet.p50 / baseline.p50:5.2f}x   p95 "
        f"{quiet.p95 / baseline.p95:5.2f}x"
    )
    print(
        f"flood / quiet:     p50 {flood.p50 / quiet.p50:5.2f}x   p95 {flood.p95 / quiet.p95:5.2f}x"
    )
    total = sum(flood.flood.values())
    print(
        f"flood: {total} sign-in POSTs in {flood.seconds:.1f} s ({total / flood.seconds:.0f}/s), "
        f"limit {SIGN_IN.default!r} per address"
    )
    for what, count in flood.flood.most_common():
        print(f"  {what:40} {count:7} ({count / total:.1%})")
    # Both tracker phases serve the same pages, so the difference is what the flood cost.
    extra = flood.server_cpu - quiet.server_cpu
    print(f"the flood cost the server {extra:.1f} s of CPU, {extra / total * 1000:.2f} ms a POST")
    print(f"'ours' is this benchmark's own CPU time, on the same {os.cpu_count()} CPUs")


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
    with tempfile.TemporaryDirectory() as folder:
        phases, paths = run(Path(folder))
    report(phases, paths)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
