"""`make run`: the development web server and the background job worker, with one command.

Starts `flask run` and `flask run-jobs` side by side; Ctrl-C (or either one stopping) stops
both. Arguments are passed to `flask run` (e.g. --host 127.0.0.1 --port 5000).
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

FLASK = [str(Path(sys.executable).with_name("flask")), "--app", "run"]
STOP_WAIT_SECONDS = 10


def main(arguments: list[str]) -> int:
    # Stopped by a service manager or `kill` (SIGTERM), stop both as Ctrl-C would: otherwise
    # the two processes would go on running without it.
    signal.signal(signal.SIGTERM, _stop_as_if_interrupted)
    worker = subprocess.Popen([*FLASK, "run-jobs"])  # noqa: S603 - our own commands
    server = subprocess.Popen([*FLASK, "run", *arguments])  # noqa: S603
    processes = [server, worker]
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass  # the terminal sent Ctrl-C to both already
    finally:
        # A second Ctrl-C must not leave either one running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for process in processes:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return server.returncode or 0


def _stop_as_if_interrupted(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
