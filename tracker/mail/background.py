"""Delivering mail from a worker thread, so a web request never waits for the mail server.

This matters most for password resets: if asking for a reset took longer for an address with
an account (because only then is mail sent), the difference would tell an attacker which
addresses have accounts. Handing messages over costs the same small, fixed time whatever the
mail server does, and failures are logged for the operator instead of reaching the request.

One worker thread per process takes messages off a queue in order. It is a daemon thread so
a stuck mail server cannot stop the process from exiting; at exit, mail already handed over
is given a short while to go.
"""

import atexit
import logging
import os
import queue
import threading
from collections.abc import Mapping
from email.message import EmailMessage

from tracker.mail.addresses import MailSettingsError
from tracker.mail.delivery import SendError, deliver

logger = logging.getLogger("tracker.mail")

SHUTDOWN_WAIT_SECONDS = 10


class _Worker:
    """The thread that delivers queued messages, and a count of jobs not yet finished."""

    def __init__(self):
        self.jobs: queue.SimpleQueue[tuple[list[EmailMessage], dict]] = queue.SimpleQueue()
        self.pending = 0
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="tracker-mail", daemon=True)
        self.thread.start()

    def submit(self, messages: list[EmailMessage], settings: dict) -> None:
        with self.changed:
            self.pending += 1
        self.jobs.put((messages, settings))

    def wait_until_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.pending == 0, timeout)

    def _run(self) -> None:
        while True:
            messages, settings = self.jobs.get()
            try:
                deliver(messages, settings)
            except (SendError, MailSettingsError) as error:
                logger.error("Mail could not be sent. %s", error)
            except Exception:
                # Whatever went wrong with this batch, the thread must live on to send the
                # next: it is the only one.
                logger.exception("Mail could not be sent")
            finally:
                with self.changed:
                    self.pending -= 1
                    self.changed.notify_all()


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def deliver_in_background(messages: list[EmailMessage], config: Mapping) -> None:
    """Hand `messages` to this process's mail thread, which delivers them as `deliver` does,
    and return at once. Failures are logged to "tracker.mail", never raised.

    The MAIL_* settings are copied now: the thread must not read the Flask config, which
    belongs to the app and may change under it (and a test's app is gone when it ends).
    """
    messages = list(messages)
    if not messages:
        return
    settings = {key: value for key, value in config.items() if key.startswith("MAIL_")}
    _current_worker().submit(messages, settings)


def wait_for_background_mail(timeout: float) -> bool:
    """Wait up to `timeout` seconds for mail handed to the thread to be delivered (or to fail);
    True when nothing is left to do."""
    worker = _worker
    return worker is None or worker.wait_until_idle(timeout)


def _current_worker() -> _Worker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _Worker()
        return _worker


def _forget_worker_after_fork() -> None:
    # Threads do not survive fork (gunicorn forks its workers): a child process starts its
    # own thread on first use instead of queueing for one that does not exist there.
    global _worker, _worker_lock
    _worker, _worker_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_worker_after_fork)
atexit.register(wait_for_background_mail, SHUTDOWN_WAIT_SECONDS)
