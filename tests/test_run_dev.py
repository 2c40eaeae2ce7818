"""`make run`'s launcher (tools/run_dev.py): the web server and the job worker start together
and stop together, whether stopped with Ctrl-C or by a service manager's SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.test_jobs import WAIT_SECONDS

ROOT = Path(__file__).resolve().parents[1]


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that has exited but not been waited for is a zombie: not running.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_launcher_stops_the_web_server_and_the_worker(database_path, how):
    env = {
        **os.environ,
        "TRACKER_DATABASE": str(database_path),
        "TRACKER_SECRET_KEY": "test-secret",
        "TRACKER_MAIL_FOLDER": str(database_path.parent / "mail"),
    }
    launcher = subprocess.Popen(
        [sys.executable, "tools/run_dev.py", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while len(children := children_of(launcher.pid)) < 2:
            assert launcher.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1)  # both started, so the signal reaches them running
        launcher.send_signal(how)
        launcher.wait(WAIT_SECONDS)
        deadline = time.monotonic() + WAIT_SECONDS
        while any(running(child) for child in children):
            assert time.monotonic() < deadline, "a child outlived the launcher"
            time.sleep(0.1)
    finally:
        if launcher.poll() is None:
            launcher.kill()
