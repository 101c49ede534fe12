"""Timing helpers shared by the micro-benchmarks (``bench/faq.py``, ``bench/nlu.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

#: Wall-clock and CPU milliseconds of each call.
Timings = tuple[list[float], list[float]]


def timings(
    calls: Sequence[Callable[[], object]],
    rounds: int,
    before: Callable[[], None] | None = None,
) -> Timings:
    """Milliseconds per call (wall, CPU), over ``rounds`` passes of every call; ``before``
    runs untimed ahead of each call (e.g. to clear caches)."""
    wall, cpu = [], []
    for _ in range(rounds):
        for call in calls:
            if before is not None:
                before()
            start, start_cpu = time.perf_counter(), time.thread_time()
            call()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
    return wall, cpu


def p99(values: list[float]) -> float:
    """The 99th percentile."""
    return statistics.quantiles(values, n=100)[98]


def row(name: str, measured: Timings, baseline: float | None = None, width: int = 46) -> float:
    """Print one line (median, p99, p99 CPU, ratio to ``baseline``); the median."""
    wall, cpu = measured
    median = statistics.median(wall)
    ratio = f"  {median / baseline:5.2f}× baseline" if baseline else ""
    print(
        f"{name:<{width}} median {median:6.3f} ms  p99 {p99(wall):6.3f} ms  "
        f"p99 CPU {p99(cpu):6.3f} ms{ratio}"
    )
    return median
