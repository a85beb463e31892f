"""Shared timing helper of the benchmarks: the best of several runs."""

from __future__ import annotations

import time
from collections.abc import Callable


def best(fn: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Seconds per call of ``fn``: the best of ``repeat`` runs of ``number`` calls each, after
    one warm-up call (caches, compilation)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)
