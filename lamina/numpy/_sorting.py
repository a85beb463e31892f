"""Sorting and searching functions of ``lamina.numpy``: ``sort``, ``argsort``, ``searchsorted``,
``nonzero``, ``argwhere``, ``flatnonzero``.

Sorts are always stable (``kind`` is accepted and ignored, as every kind NumPy offers gives the
same values). ``argsort``, ``searchsorted`` and the ``nonzero`` family return integer indices
and have no derivative. ``nonzero``'s output shape depends on the data, so it evaluates its
input (NOTE [what forces evaluation] in ``lamina/lazy/graph.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.lazy.graph import constant
from lamina.numpy._handles import handle, value_of
from lamina.ops import elementwise as ew
from lamina.ops import manipulation as mp
from lamina.ops import shape as sh
from lamina.ops.common import is_scalar, normalize_axis, prod
from lamina.ops.indexing import nonzero_p
from lamina.wrappers.tensor import Tensor

__all__ = ["sort", "argsort", "searchsorted", "nonzero", "argwhere", "flatnonzero"]

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable", "quick", "merge", "heap")


def _prepare(a: Any, axis: Any, kind: Any, order: Any, what: str, zero_d_as_1d: bool = False):
    if order is not None:
        raise LaminaValueError(f"{what}: Cannot specify order when the array has no fields.")
    if kind not in _KINDS:
        raise LaminaValueError(
            f"{what}: sort kind must be one of 'quick', 'heap', or 'stable' (got {kind!r})"
        )
    x = value_of(a, what)
    if axis is None:
        return sh.reshape_value(x, (prod(x.shape),)), 0
    if zero_d_as_1d:  # argsort, not sort (NOTE [0-d as 1-d] in lamina/ops/shape.py)
        x = sh.zero_d_as_1d(x)
    return x, normalize_axis(axis, len(x.shape), what)


def sort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
         stable: bool | None = None) -> Tensor:
    """A sorted copy of ``a`` along ``axis`` (the flattened ``a`` when None); NaNs sort last.

    >>> import lamina.numpy as lnp
    >>> lnp.sort(lnp.asarray([3.0, 1.0, 2.0]))
    Tensor([1., 2., 3.], device='cpu')
    """
    x, ax = _prepare(a, axis, kind, order, "sort")
    return handle(mp.sort_value(x, ax))


def argsort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
            stable: bool | None = None) -> Tensor:
    """The indices that sort ``a`` along ``axis`` (stable: ties keep their order); no grad.

    >>> import lamina.numpy as lnp
    >>> lnp.argsort(lnp.asarray([3.0, 1.0, 2.0]))
    Tensor([1, 2, 0], device='cpu')
    """
    x, ax = _prepare(a, axis, kind, order, "argsort", zero_d_as_1d=True)
    return handle(mp.argsort_value(x, ax))


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Tensor:
    """Where ``v`` would be inserted into the sorted 1-D ``a`` to keep it sorted; no grad.

    >>> import lamina.numpy as lnp
    >>> lnp.searchsorted(lnp.asarray([1.0, 2.0, 3.0]), [2.0, 2.5])
    Tensor([1, 2], device='cpu')
    """
    av = value_of(a, "searchsorted")
    if len(av.shape) != 1:
        raise LaminaValueError(
            f"searchsorted: the sorted array `a` must be 1-D (object too deep for desired "
            f"array), got shape {av.shape}"
        )
    if sorter is not None:
        sv = value_of(sorter, "searchsorted", av.device)
        if sv.dtype.kind not in "iu":
            raise LaminaTypeError("searchsorted: sorter must only contain integers")
        if sv.shape != av.shape:
            raise LaminaValueError("searchsorted: sorter.size must equal a.size")
        av = mp.take_value(av, sv, 0)
    if is_scalar(v):
        dtype = np.result_type(av.dtype, v)
        if type(v) is int and dtype.kind in "iu":
            # NumPy 2 places a Python int outside the dtype by its value (int8 [1, 2] and
            # 2**31 give 2): past every element, as the dtype's extreme on that side is.
            info = np.iinfo(dtype)
            if v > info.max:
                v, side = info.max, "right"
            elif v < info.min:
                v, side = info.min, "left"
        vv = constant(v, dtype, av.device)
    else:
        vv = value_of(v, "searchsorted", av.device)
        dtype = np.result_type(av.dtype, vv.dtype)
    if av.dtype != dtype:
        av = ew.astype_value(av, dtype)
    if vv.dtype != dtype:
        vv = ew.astype_value(vv, dtype)
    return handle(mp.searchsorted_value(av, vv, side))


def _nonzero_values(x: Any) -> tuple:
    return tuple(bind(nonzero_p, x))


def nonzero(a: Any) -> tuple:
    """The indices of the non-zero elements, one int64 tensor per axis; no grad.

    The number of non-zeros depends on the data: ``a`` is evaluated.

    >>> import lamina.numpy as lnp
    >>> lnp.nonzero(lnp.asarray([0.0, 3.0, 0.0, 4.0]))
    (Tensor([1, 3], device='cpu'),)
    """
    x = value_of(a, "nonzero")
    if len(x.shape) == 0:
        raise LaminaValueError(
            "nonzero: Calling nonzero on 0d arrays is not allowed. Use "
            "np.atleast_1d(scalar).nonzero() instead."
        )
    return tuple(handle(v) for v in _nonzero_values(x))


def argwhere(a: Any) -> Tensor:
    """The indices of the non-zero elements, one row per element (shape ``(N, a.ndim)``).

    >>> import lamina.numpy as lnp
    >>> lnp.argwhere(lnp.asarray([[0, 1], [2, 0]]))
    Tensor([[0, 1],
            [1, 0]], device='cpu')
    """
    x = value_of(a, "argwhere")
    if len(x.shape) == 0:
        rows = sh.stack_values(list(_nonzero_values(sh.reshape_value(x, (1,)))), axis=1)
        return handle(mp.slice_along(rows, 1, 0, 0))
    return handle(sh.stack_values(list(_nonzero_values(x)), axis=1))


def flatnonzero(a: Any) -> Tensor:
    """The indices of the non-zero elements of the flattened ``a``.

    >>> import lamina.numpy as lnp
    >>> lnp.flatnonzero(lnp.asarray([[0, 1], [2, 0]]))
    Tensor([1, 2], device='cpu')
    """
    x = value_of(a, "flatnonzero")
    return handle(_nonzero_values(sh.reshape_value(x, (prod(x.shape),)))[0])
