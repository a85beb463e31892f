"""``lm.eval``: evaluate several tensors in one graph execution; and when lamina evaluates
on its own (NOTE [transform calls are steps])."""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable
from typing import Any

import optree

from lamina import core
from lamina.lazy import graph as _graph
from lamina.lazy import trace as _trace
from lamina.lazy.graph import evaluate
from lamina.wrappers.tensor import Tensor

__all__ = ["eval", "settles"]


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
    if len(trees) == 1 and isinstance(trees[0], Tensor):
        leaves: Any = trees  # one tensor (what grad returns): no tree walk
    else:
        leaves = optree.tree_leaves(trees, is_leaf=lambda x: isinstance(x, Tensor))
    for leaf in leaves:
        if isinstance(leaf, Tensor):
            value = leaf._lamina_read()
            if getattr(value, "data", 0) is None:
                by_device.setdefault(value.device, []).append(value)
    for values in by_device.values():
        evaluate(values)


def settles(func: Callable) -> Callable:
    """Make a transform's public function evaluate its results when it is called outside every
    transform (NOTE [transform calls are steps]).

    NOTE [transform calls are steps]: a call of a transform (``grad(f)(x)``, ``vmap(f)(x)``,
    ``jvp``, ``vjp`` and its ``vjp_fn``, ``jacrev``, ...) made outside every other transform
    runs the graph of its results before it returns, with every pending value of that graph a
    live handle still holds (NOTE [live intermediates] in lamina/lazy/compile.py). Such a call
    is the step of a user's loop: an optimizer's update between two ``grad`` calls stays pending
    and joins the next call's graph, so each step runs one graph of the same structure (one
    compile, then cache hits), nothing pending outlives its step, and a loop's memory stays
    flat without an ``lm.eval`` in it. Calls inside another transform (``grad(grad(f))``'s
    inner ``grad``), and calls while a graph is traced (``make_graph``), stay lazy.
    """

    @functools.wraps(func)
    def settled(*args: Any, **kwargs: Any) -> Any:
        if core.current_interpreters() or _graph.tracing.active:
            return func(*args, **kwargs)
        _pause_collector()
        try:
            out = func(*args, **kwargs)
            if not _trace.recording():
                eval(out)
        finally:
            _resume_collector()
        return out

    return settled


_pause_lock = threading.Lock()
_pauses = 0  # transform calls running with the collector paused, in all threads
_paused_by_us = False


def _pause_collector() -> None:
    """Pause Python's cyclic garbage collector (NOTE [the collector during a step]).

    NOTE [the collector during a step]: a transform call builds its graph: tens of thousands
    of small objects (nodes, wrappers, tape entries) that live until the graph has run and are
    then freed by reference counting, as they hold no cycles. To CPython's collector they look
    like a growing heap of long-lived objects, so it runs full collections again and again
    while the graph is built, each one walking every object of the process: a third of the
    time of the ported mixture-VI example (16 full collections of 57 ms in 20 steps). The
    collector is paused while an outermost transform call runs (nested calls and other threads
    share one pause) and resumed when the last one returns; objects allocated meanwhile are
    counted as usual, so the first allocation afterwards collects whatever garbage the call
    left. A collector the user has disabled stays disabled, and ``gc.collect()`` still works
    inside. This is what ``timeit`` does for the code it times.
    """
    global _pauses, _paused_by_us
    with _pause_lock:
        if _pauses == 0:
            _paused_by_us = gc.isenabled()
            if _paused_by_us:
                gc.disable()
        _pauses += 1


def _resume_collector() -> None:
    """End one ``_pause_collector``; the last one resumes the collector if it paused it."""
    global _pauses, _paused_by_us
    with _pause_lock:
        _pauses -= 1
        if _pauses == 0 and _paused_by_us:
            _paused_by_us = False
            gc.enable()
