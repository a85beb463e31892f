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
    "fusions": "runs of elementwise ops compiled into one GPU kernel (CuPy)",
}

counters: dict[str, int] = dict.fromkeys(_DESCRIPTIONS, 0)


def metrics() -> dict[str, int]:
    """A snapshot of the backend's counters since the last ``reset_metrics()``."""
    return dict(counters)


def reset_metrics() -> None:
    """Set every counter back to zero."""
    for key in counters:
        counters[key] = 0


def metrics_report() -> str:
    """The counters as readable text, one per line, with what each one counts."""
    width = max(map(len, counters))
    lines = ["lamina lazy backend metrics"]
    for key, value in counters.items():
        lines.append(f"  {key:<{width}}  {value:>10}   {_DESCRIPTIONS[key]}")
    return "\n".join(lines)
