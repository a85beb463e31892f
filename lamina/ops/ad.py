"""Helpers for writing transform rules in lamina ops (STYLE.md rule 1).

Rules receive and return values (never raw arrays), so these helpers are value-level too:
arithmetic shorthands that keep NumPy 2's weak Python scalars, ``unbroadcast`` for cotangents
of broadcasting ops, and zeros. A rule written with them is itself differentiable and
batchable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import bind
from lamina.lazy.graph import TRACED_SCALARS, LazyTensor
from lamina.ops import creation as _creation
from lamina.ops import elementwise as ew
from lamina.ops import reduction as _reduction
from lamina.ops import shape as _shape
from lamina.ops.elementwise import BINARY, UNARY, binary_values

__all__ = ["add", "sub", "mul", "div", "neg", "unbroadcast", "zeros_like", "ones_like",
           "unary", "where", "cast", "reduce_sum", "reshape", "broadcast_to", "transpose"]


_PY_SCALARS = (bool, int, float, complex, *TRACED_SCALARS)


def add(x: Any, y: Any) -> Any:
    return binary_values(BINARY["add"], x, y)


def sub(x: Any, y: Any) -> Any:
    return binary_values(BINARY["subtract"], x, y)


def known_scalar(v: Any) -> Any:
    """The Python number ``v`` holds everywhere, when that is known without running anything:
    ``v`` is a constant 0-d leaf, or a reshape/broadcast of one (the seeds and broadcast
    cotangents reverse mode makes). None otherwise."""
    while type(v) is LazyTensor and v.node is not None:
        if v.node.prim.name not in ("broadcast_to", "reshape"):
            return None
        v = v.node.inputs[0]
    if type(v) is LazyTensor and v.shape == () and v.device.kind == "cpu" and \
            v.data is not None:
        return v.data.item()
    return None


def mul(x: Any, y: Any) -> Any:
    # NOTE [ones from AD]: reverse mode seeds with ones and broadcasts them (the cotangent of
    # a sum); multiplying by them is skipped when it changes neither shape nor dtype. Either
    # operand may be a Python number (``mul(g, 0.5)``): the shortcut needs two values, since
    # what it returns must be a value of the product's shape and dtype.
    if type(x) not in _PY_SCALARS and type(y) not in _PY_SCALARS and \
            x.shape == y.shape and known_scalar(x) == 1 and \
            np.result_type(x.dtype, y.dtype) == y.dtype:
        return y
    return binary_values(BINARY["multiply"], x, y)


def div(x: Any, y: Any) -> Any:
    return binary_values(BINARY["divide"], x, y)


def neg(x: Any) -> Any:
    return bind(UNARY["negative"], x)


def unary(name: str, x: Any) -> Any:
    """``numpy.<name>(x)`` on a value, for one-input ufuncs."""
    return bind(UNARY[name], x)


def binary(name: str, x: Any, y: Any) -> Any:
    """``numpy.<name>(x, y)`` on values or Python scalars, for two-input ufuncs."""
    return binary_values(BINARY[name], x, y)


def where(cond: Any, x: Any, y: Any) -> Any:
    return ew.where(cond, x, y)


def cast(x: Any, dtype: Any) -> Any:
    """``x`` as ``dtype``; complex to real keeps the real part (NOTE [complex check_grads]
    in lamina/testing/check_grads.py: the real part is the projection of the pairing)."""
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        x = bind(ew.real_p, x)
        if x.dtype == dtype:
            return x
    return ew.astype_value(x, dtype)


# The modules below import this one inside functions; theirs are read at call time (a
# function-level import costs ~0.5 us, and these helpers run for every node of a backward pass).

def zeros_like(x: Any) -> Any:
    return _creation.full_value(x.shape, 0, x.dtype, x.device)


def ones_like(x: Any) -> Any:
    return _creation.full_value(x.shape, 1, x.dtype, x.device)


def reduce_sum(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    return _reduction.reduce_sum(x, tuple(axes), keepdims)


def reshape(x: Any, shape: tuple) -> Any:
    return _shape.reshape_value(x, tuple(shape))


def broadcast_to(x: Any, shape: tuple) -> Any:
    return _shape.broadcast_value(x, tuple(shape))


def transpose(x: Any, axes: tuple) -> Any:
    return _shape.transpose_value(x, tuple(axes))


def unbroadcast(g: Any, shape: tuple, dtype: Any = None) -> Any:
    """Sum the cotangent ``g`` of a broadcast result back to an operand of ``shape``.

    ``dtype`` (the operand's) casts the result: a float32 operand of a float64 op gets a
    float32 cotangent.
    """
    shape = tuple(shape)
    if g.shape != shape:
        lead = len(g.shape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1
        )
        if axes:
            g = reduce_sum(g, axes, keepdims=False)
        g = reshape(g, shape)
    if dtype is not None and g.dtype != dtype:
        if dtype.kind not in "fc":
            return None  # integer operands get no cotangent
        if g.dtype.kind == "c" and dtype.kind != "c":
            g = bind(ew.real_p, g)
        g = ew.astype_value(g, dtype)
    return g
