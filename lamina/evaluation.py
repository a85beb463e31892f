"""``lm.eval``: evaluate several tensors in one graph execution."""

from __future__ import annotations

from typing import Any

import optree

from lamina.lazy.graph import evaluate
from lamina.wrappers.tensor import Tensor

__all__ = ["eval"]


def eval(*trees: Any) -> None:  # noqa: A001
    """Evaluate every pending tensor in ``trees`` (tensors or pytrees of them) at once.

    Evaluating together shares the work of common subgraphs and runs one compiled graph per
    device instead of one per tensor.

    >>> import lamina as lm
    >>> x = lm.asarray([1.0, 2.0])
    >>> a, b = x * 2, x + 1
    >>> lm.eval(a, b)
    >>> lm.lazy.is_pending(a), lm.lazy.is_pending(b)
    (False, False)
    """
    by_device: dict = {}
    for leaf in optree.tree_leaves(trees, is_leaf=lambda x: isinstance(x, Tensor)):
        if isinstance(leaf, Tensor):
            value = leaf._lamina_read()
            if getattr(value, "data", 0) is None:
                by_device.setdefault(value.device, []).append(value)
    for values in by_device.values():
        evaluate(values)
