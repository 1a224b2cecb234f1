"""Timing helper shared by the benchmarks."""

from __future__ import annotations

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
