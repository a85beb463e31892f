"""Counters of the lazy backend: ``lm.lazy.metrics()``, ``metrics_report()``, ``reset_metrics()``.

>>> import lamina as lm
>>> sorted(k for k in lm.lazy.metrics() if k in ("compiles", "cache_hits", "executions"))
['cache_hits', 'compiles', 'executions']
"""

from __future__ import annotations

__all__ = ["metrics", "metrics_report", "reset_metrics", "counters"]

_DESCRIPTIONS = {
    "compiles": "graphs compiled on a cache miss",
    "cache_hits": "evaluations that found their graph in the compile cache",
    "executions": "compiled or interpreted graphs executed",
    "codegens": "hot graphs turned into straight-line Python functions",
    "fallbacks": "ops run by the eager fallback (no lowering, e.g. boolean masks)",
    "eager_ops": "ops executed at once in eager mode",
    "auto_evals": "evaluations forced because a pending graph grew past max_graph_depth",
    "nodes_executed": "graph nodes executed, summed over executions",
    "buffers_reused": "outputs written into a dead input buffer (out=), summed over executions",
    "traces": "functions traced by lm.compile (a first call, or a new signature)",
    "compiled_calls": "calls of lm.compile'd functions that replayed a traced program",
    "fusions": "runs of elementwise ops compiled into one kernel (CuPy; numba on the CPU)",
}

counters: dict[str, int] = dict.fromkeys(_DESCRIPTIONS, 0)


def metrics() -> dict[str, int]:
    """A snapshot of the backend's counters since the last ``reset_metrics()``.

    A dict of counter name to count (``metrics_report()`` says what each counts). The
    second evaluation of a graph of the same structure finds it in the compile cache:

    >>> import lamina as lm
    >>> lm.lazy.reset_metrics()
    >>> x = lm.asarray([1.0, 2.0])
    >>> for scale in (2.0, 3.0):
    ...     _ = (x * scale).sum().item()
    >>> m = lm.lazy.metrics()
    >>> m["executions"], m["compiles"] + m["cache_hits"]
    (2, 2)
    """
    return dict(counters)


def reset_metrics() -> None:
    """Set every counter back to zero.

    >>> import lamina as lm
    >>> _ = (lm.asarray([1.0]) + 1).item()
    >>> lm.lazy.reset_metrics()
    >>> set(lm.lazy.metrics().values())
    {0}
    """
    for key in counters:
        counters[key] = 0


def metrics_report() -> str:
    """The counters as readable text, one per line, with what each one counts.

    >>> import lamina as lm
    >>> lm.lazy.reset_metrics()
    >>> print(lm.lazy.metrics_report())  # doctest: +ELLIPSIS
    lamina lazy backend metrics
      compiles                 0   graphs compiled on a cache miss
      cache_hits               0   evaluations that found their graph in the compile cache
      executions               0   compiled or interpreted graphs executed
    ...
    """
    width = max(map(len, counters))
    lines = ["lamina lazy backend metrics"]
    for key, value in counters.items():
        lines.append(f"  {key:<{width}}  {value:>10}   {_DESCRIPTIONS[key]}")
    return "\n".join(lines)
