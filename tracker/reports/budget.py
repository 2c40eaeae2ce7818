"""Reading a report within a budget of time and memory: in a child process, which is stopped
when it takes longer than READ_SECONDS or needs more than READ_MEMORY_MB.

Turning a file into text (tracker.reports.formats) and finding the report in the text
(tracker.reports.extraction) is the CPU-heavy part of reading a report, and the part a damaged
or hostile file can make slow or greedy: a small PDF can make pypdf work for minutes, and a
Python thread cannot be stopped from outside. A child process can: the parent waits on a pipe
for at most READ_SECONDS, then kills the child; and the child limits its own address space
(RLIMIT_AS), so a greedy reading fails with MemoryError there instead of swapping the server.
Either way the upload is refused in words (ReportFileError) and nothing is stored.

The child is forked from a "forkserver": a process started once, the first time a report is
read, that has imported the readers (and pypdf and python-docx) already. So each reading
costs a fork of a warm process (tens of milliseconds) rather than a fresh interpreter
importing the tracker (two seconds); and nothing is forked from the job worker itself, whose
other threads may hold locks a forked child would inherit held. The file goes to the child
with the Process's arguments; the answer (the text and the extraction, or the refusal's
words) comes back on a pipe. The database is not touched in the child: the parent stores the
draft (tracker.reports.imports.start_import) with what the child found.

The memory budget is what the reading may add to the child's address space as it starts
(the warm interpreter and the file itself): that is what a report costs, and so the same
setting means the same thing on any machine.
"""

import multiprocessing
import multiprocessing.forkserver
import os
import resource
import traceback
from dataclasses import dataclass

from tracker.reports.extraction import extract_report
from tracker.reports.formats import ReportFileError, read_pasted_text, read_report
from tracker.reports.model import Extraction

READ_SECONDS_DEFAULT = 30
READ_MEMORY_MB_DEFAULT = 1024
# A child that has answered is left this long to exit before it is killed.
EXIT_SECONDS = 5

ADVICE = "Upload the PDF as the inspectorate published it, or paste its text."
TOO_SLOW = (
    "The report took too long to read (more than {seconds} seconds): it may be damaged or "
    "built to slow the tracker down. " + ADVICE
)
TOO_MUCH_MEMORY = (
    "The report needed too much memory to read (more than {megabytes} MB): it may be damaged "
    "or built to slow the tracker down. " + ADVICE
)
STOPPED = (
    "Reading the report stopped part way: the file may be damaged, or need more memory than "
    "the tracker allows. " + ADVICE
)

# Forked from a warm server, not from the caller (see above). Whatever the server imports
# before it forks, every child has without importing it again.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["__main__", __name__, "pypdf", "docx"])


def start_reader() -> None:
    """Start the forkserver now (the job worker does, as it starts), so that the first report
    read does not wait the two seconds it takes to import the tracker."""
    multiprocessing.forkserver.ensure_running()


@dataclass(frozen=True)
class Budget:
    """How long a reading may take, and how much memory it may add, before it is refused."""

    seconds: float = READ_SECONDS_DEFAULT
    memory_mb: int = READ_MEMORY_MB_DEFAULT

    @classmethod
    def of(cls, config) -> "Budget":
        """The budget the settings give (READ_SECONDS, READ_MEMORY_MB)."""
        return cls(
            seconds=float(config.get("READ_SECONDS", READ_SECONDS_DEFAULT)),
            memory_mb=int(config.get("READ_MEMORY_MB", READ_MEMORY_MB_DEFAULT)),
        )


@dataclass(frozen=True)
class ReadReport:
    """A report read: its text, and what extraction found in it."""

    text: str
    extraction: Extraction


def read_within_budget(
    filename: str, data: bytes, max_bytes: int, budget: Budget, *, pasted: bool = False
) -> ReadReport:
    """Read an uploaded report (or pasted text, as UTF-8 bytes, when `pasted`) and extract it,
    in a child process within `budget`. Raises ReportFileError for a file refused, whether by
    the readers or for going over budget; RuntimeError for a failure of the tracker's own."""
    receiving, sending = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_read_in_child,
        args=(sending, filename, data, pasted, max_bytes, budget.memory_mb),
        name="tracker-report-reading",
        daemon=True,  # killed with the worker, should the worker stop mid-read
    )
    try:
        child.start()
    finally:
        # Only the child writes: with the parent's copy closed, the pipe reports its end
        # (EOFError) as soon as the child dies without answering.
        sending.close()
    try:
        if not receiving.poll(budget.seconds):
            raise ReportFileError(TOO_SLOW.format(seconds=f"{budget.seconds:g}"))
        try:
            answer = receiving.recv()
        except EOFError:
            raise ReportFileError(STOPPED) from None
        child.join(EXIT_SECONDS)  # it has answered, and is on its way out
    finally:
        if child.exitcode is None:  # over time, or the parent interrupted
            child.kill()
        # Joined either way, so that the forkserver reaps it: no zombie is left.
        child.join()
        receiving.close()
    outcome, *details = answer
    if outcome == "read":
        return ReadReport(*details)
    if outcome == "refused":
        raise ReportFileError(details[0])
    if outcome == "memory":
        raise ReportFileError(TOO_MUCH_MEMORY.format(megabytes=budget.memory_mb))
    raise RuntimeError(f"Reading {filename!r} failed in its child process:\n{details[0]}")


def _read_in_child(sending, filename, data, pasted, max_bytes, memory_mb) -> None:
    """The child: read and extract the report, and send back what came of it."""
    _limit_memory(memory_mb * 1024 * 1024)
    try:
        if pasted:
            text = read_pasted_text(data.decode("utf-8"), max_bytes)
        else:
            text = read_report(filename, data, max_bytes)
        answer = ("read", text, extract_report(text))
    except ReportFileError as refused:
        answer = ("refused", str(refused))
    except MemoryError:
        answer = ("memory",)
    except Exception:  # a failure of the tracker's own, told to the parent to raise
        answer = ("failed", traceback.format_exc())
    try:
        sending.send(answer)
    except MemoryError:
        # Pickling a large answer near the limit; nothing has been written yet.
        sending.send(("memory",))
    sending.close()


def _limit_memory(extra_bytes: int) -> None:
    """Let this process's address space grow by at most `extra_bytes` from here."""
    page_size = os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/self/statm") as statm:  # Linux: the first figure is the whole size
            current = int(statm.read().split()[0]) * page_size
    except OSError:
        current = 0  # elsewhere, the budget is for the whole process
    limit = current + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
