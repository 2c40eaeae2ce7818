"""Timing shared by the benchmarks: the median of repeated runs, in seconds."""

import statistics
import time


def median_time(function, repeats: int = 30) -> float:
    """The median of `repeats` timings of `function()`, in seconds."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
