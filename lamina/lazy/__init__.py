"""The lazy backend (DESIGN.md section 4): graph, compile cache, devices, metrics.

>>> import lamina as lm
>>> lm.lazy.reset_metrics()
>>> x = lm.asarray([1.0, 2.0, 3.0])
>>> y = (x * 2 + 1).sum()      # builds a graph; nothing runs yet
>>> lm.lazy.metrics()["executions"]
0
>>> y.item()                   # reading the value evaluates the graph
15.0
>>> lm.lazy.metrics()["executions"]
1
"""

from lamina.lazy.compile import cache_clear, cache_size
from lamina.lazy.devices import Device
from lamina.lazy.counters import metrics, metrics_report, reset_metrics

__all__ = ["Device", "metrics", "metrics_report", "reset_metrics", "cache_clear",
           "cache_size", "is_pending", "graph_size"]


def is_pending(tensor) -> bool:
    """True while ``tensor`` (a lamina Tensor) has not been evaluated yet.

    Arithmetic builds a graph; reading values (``repr``, ``.item()``, ``.numpy()``,
    ``lm.eval``) evaluates it.

    >>> import lamina as lm
    >>> y = lm.asarray([1.0, 2.0]) * 2
    >>> lm.lazy.is_pending(y)
    True
    >>> lm.eval(y)
    >>> lm.lazy.is_pending(y)
    False
    """
    from lamina.core import unwrap_all  # noqa: PLC0415

    return unwrap_all(tensor._lamina_read()).data is None


def graph_size(tensor) -> int:
    """The number of pending nodes behind ``tensor`` (0 once it is evaluated).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> z = lnp.sin(lm.asarray([1.0, 2.0])) + 1      # two ops
    >>> lm.lazy.graph_size(z)
    2
    >>> _ = z.numpy()
    >>> lm.lazy.graph_size(z)
    0
    """
    value = tensor._lamina_read()
    if value.data is not None:
        return 0
    seen = set()
    stack = [value.node]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(i.node for i in node.inputs if i.data is None)
    return len(seen)
