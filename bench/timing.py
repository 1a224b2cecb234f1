"""Timing helper shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def per_call(function: Callable[[], object], seconds: float = 2.0) -> float:
    """Mean seconds per call over about ``seconds`` of repeated calls (after one warm-up call)."""
    function()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        function()
        calls += 1
    return (time.perf_counter() - start) / calls


def alternating(first: Callable[[], object], second: Callable[[], object], *, rounds: int = 7,
                seconds: float = 0.5) -> tuple[float, float]:
    """Median seconds per call of each, measured in alternating rounds: a busy moment of the machine (2 shared
    cores) then falls on both sides instead of deciding the ratio."""
    first_times, second_times = [], []
    for _ in range(rounds):
        first_times.append(per_call(first, seconds))
        second_times.append(per_call(second, seconds))
    return statistics.median(first_times), statistics.median(second_times)


def rounds(measures: dict[str, Callable[[float], float]], *, rounds: int = 7, seconds: float = 0.5
           ) -> dict[str, list[float]]:
    """Seconds per call of each measure in each of ``rounds`` alternating rounds; a measure is given the
    seconds a round lasts and answers its seconds per call (another process may do the timing)."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            times[name].append(measure(seconds))
    return times
