"""Indexing primitives: basic indexing (a view), advanced indexing (a gather, a copy), and
their functional updates (``x[idx] = v`` without mutation, used by in-place ops and by view
reverse functions).

An index is carried as a static, hashable param ``index``: a tuple whose entries are ints,
``("slice", start, stop, step)``, ``None``, ``Ellipsis``, or ``("array", k)`` standing for the
k-th index array operand (index arrays are positional values, NOTE [arrays positional, params
static] in core.py). Boolean masks are turned into integer arrays with ``nonzero`` before they
get here, so every primitive's output shape is known without looking at data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lamina.core import Primitive, bind
from lamina.errors import LaminaIndexError

__all__ = ["getitem_p", "basic_update_p", "gather_p", "scatter_p", "nonzero_p", "decode",
           "basic_update", "index_shape"]

_BYTE = np.zeros(1, dtype=np.uint8)


def _zero_memory(shape: tuple) -> np.ndarray:
    return as_strided(_BYTE, shape=shape, strides=(0,) * len(shape), writeable=False)


def decode(index: tuple, arrays: tuple = ()) -> tuple:
    """The static ``index`` param as a real index tuple, with ``arrays`` substituted."""
    out = []
    for e in index:
        if type(e) is tuple:
            if e[0] == "slice":
                out.append(slice(e[1], e[2], e[3]))
            else:
                out.append(arrays[e[1]])
        else:
            out.append(e)
    return tuple(out)


def index_shape(shape: tuple, index: tuple, array_shapes: tuple = ()) -> tuple:
    """The shape of ``x[index]`` for ``x`` of ``shape`` (NumPy's own rules and errors)."""
    stand_ins = tuple(np.zeros(s, dtype=np.intp) for s in array_shapes)
    try:
        return _zero_memory(shape)[decode(index, stand_ins)].shape
    except IndexError as exc:
        raise LaminaIndexError(f"index {_show(index)} into shape {shape}: {exc}") from None


def _show(index: tuple) -> str:
    parts = []
    for e in index:
        if type(e) is tuple and e[0] == "slice":
            parts.append(":".join("" if v is None else str(v) for v in e[1:3])
                         + ("" if e[3] is None else f":{e[3]}"))
        elif type(e) is tuple:
            parts.append("<array>")
        elif e is None:
            parts.append("None")
        elif e is Ellipsis:
            parts.append("...")
        else:
            parts.append(str(e))
    return "[" + ", ".join(parts) + "]"


# -- basic indexing: a view --------------------------------------------------------------------

def _getitem_impl(xp, x, *, index):
    return x[decode(index)]


def _getitem_reverse(base, view, out_index=None, *, index):
    return basic_update(base, index, view)


getitem_p = Primitive(
    "getitem",
    _getitem_impl,
    lambda x, *, index: (index_shape(x.shape, index), x.dtype),
    view_reverse=_getitem_reverse,
)


def _basic_update_impl(xp, x, v, *, index):
    out = x.copy()
    out[decode(index)] = v
    return out


basic_update_p = Primitive(
    "basic_update", _basic_update_impl, lambda x, v, *, index: (x.shape, x.dtype)
)


def basic_update(x: Any, index: tuple, v: Any) -> Any:
    """``x`` with ``x[index]`` replaced by ``v`` (same dtype as ``x``), functionally."""
    if v.dtype != x.dtype:
        from lamina.ops.elementwise import astype_value  # noqa: PLC0415

        v = astype_value(v, x.dtype)
    return bind(basic_update_p, x, v, index=index)


# -- advanced indexing: gather and scatter (copies) ----------------------------------------------

def _gather_impl(xp, x, *arrays, index):
    return x[decode(index, arrays)]


gather_p = Primitive(
    "gather",
    _gather_impl,
    lambda x, *arrays, index: (
        index_shape(x.shape, index, tuple(a.shape for a in arrays)), x.dtype
    ),
)


def _scatter_impl(xp, x, v, *arrays, index, accumulate):
    out = x.copy()
    idx = decode(index, arrays)
    if accumulate:
        if xp is np:
            np.add.at(out, idx, v)
        else:
            xp.add.at(out, idx, v)
    else:
        out[idx] = v
    return out


scatter_p = Primitive(
    "scatter", _scatter_impl, lambda x, v, *arrays, index, accumulate: (x.shape, x.dtype)
)


# -- nonzero: the one op whose output shape depends on the data --------------------------------

def _nonzero_impl(xp, x):
    return tuple(xp.nonzero(x))


nonzero_p = Primitive("nonzero", _nonzero_impl, None, multiple_results=True, lazy=False,
                      nondiff=True)
