"""Between handles and values: how ``lamina.numpy`` functions take and return tensors.

Public functions take array-likes (``Tensor`` handles, NumPy/CuPy arrays, lists, scalars), turn
them into values with ``value_of``, call the value-level op of ``lamina.ops``, and give the
result back as a new handle with ``handle`` (a fresh storage: a copy in NumPy's terms). Views
are made by ``view_of`` instead, which keeps the storage and records the view step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.ops.common import is_scalar, is_value, to_value
from lamina.wrappers.tensor import Tensor, ViewMeta, wrap

__all__ = ["value_of", "values_of", "device_among", "handle", "handles", "view_of", "views_of",
           "write_out", "check_out", "scalar_or_value"]


def value_of(x: Any, what: str, device=None, dtype=None) -> Any:
    if type(x) is Tensor:
        return x._lamina_read()
    return to_value(x, what, device, dtype)


def device_among(items: Any):
    """The device of the first lamina tensor (or value, or CuPy array) among ``items``.

    NOTE [host data joins the op's device]: NumPy arrays, lists and scalars in an op with
    lamina tensors are placed on the tensors' device, whatever their position; two lamina
    tensors on different devices are an error.
    """
    for x in items:
        if type(x) is Tensor:
            return x._lamina_read().device
        if is_value(x):
            return x.device
        if hasattr(x, "__cuda_array_interface__"):
            return value_of(x, "device").device
    return None


def values_of(items: Any, what: str) -> list:
    """``items`` as values on one device (NOTE [host data joins the op's device])."""
    items = list(items)
    device = device_among(items)
    return [value_of(x, what, device) for x in items]


handle = wrap  # a new tensor (own storage) on a value


def handles(values) -> tuple:
    return tuple(Tensor._from_value(v) for v in values)


def view_of(base: Tensor, prim, params: dict, *, writeable: bool = True,
            out_index: int | None = None) -> Tensor:
    """Apply the view op ``prim`` to handle ``base`` and return a view handle (same storage)."""
    meta = ViewMeta(prim, params, out_index)
    value = bind(prim, base._lamina_read(), **params)
    if out_index is not None:
        value = value[out_index]
    return base._make_view(value, meta, writeable)


def views_of(base: Tensor, prim, params: dict, count: int) -> list[Tensor]:
    """All outputs of a multi-output view op (``split``), each a view handle with its index."""
    values = bind(prim, base._lamina_read(), **params)
    return [
        base._make_view(v, ViewMeta(prim, params, i)) for i, v in enumerate(values[:count])
    ]


def check_out(out: Any, what: str) -> Tensor | None:
    """Validate an ``out=`` argument (a Tensor, or a 1-tuple of one, as NumPy accepts)."""
    if out is None:
        return None
    if isinstance(out, tuple):
        if len(out) != 1:
            raise LaminaValueError(f"{what}: 'out' tuple must have exactly one entry per output")
        out = out[0]
        if out is None:
            return None
    if type(out) is not Tensor:
        raise LaminaTypeError(
            f"{what}: 'out' must be a lamina Tensor (it is written in place), got "
            f"{type(out).__name__}. To write into a NumPy array, compute first and then copy: "
            "arr[...] = result.numpy()."
        )
    return out


def write_out(out: Tensor, result: Any, what: str, casting: str = "same_kind") -> Tensor:
    """Write ``result`` (a value) into ``out`` in place, with NumPy's casting and shape rules."""
    from lamina.ops.elementwise import astype_value  # noqa: PLC0415
    from lamina.ops.shape import broadcast_value  # noqa: PLC0415

    target = out._lamina_read()
    if not np.can_cast(result.dtype, target.dtype, casting=casting):
        raise LaminaTypeError(
            f"{what}: Cannot cast output from dtype('{result.dtype}') to dtype('{target.dtype}') "
            f"with casting rule '{casting}' (the 'out' tensor has dtype {target.dtype}). Cast "
            "explicitly, or give an 'out' tensor of a wider dtype."
        )
    if result.shape != target.shape:
        try:
            shape = np.broadcast_shapes(result.shape, target.shape)
        except ValueError:
            shape = None
        if shape != tuple(target.shape):
            raise LaminaValueError(
                f"{what}: non-broadcastable output operand with shape {target.shape} doesn't "
                f"match the broadcast shape {result.shape}."
            )
        result = broadcast_value(result, target.shape)
    if result.dtype != target.dtype:
        result = astype_value(result, target.dtype)
    out._assign(result, what)
    return out


def scalar_or_value(x: Any, what: str, device=None) -> Any:
    """Python scalars stay scalars (weakly typed); everything else becomes a value."""
    if is_scalar(x):
        return x
    return value_of(x, what, device)
