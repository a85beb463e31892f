"""What every op family shares: recognising values, turning inputs into values, axes, dtypes.

A *value* is what flows through ``bind``: a ``LazyTensor`` at the bottom, or a transform's
wrapper above it (both have ``shape``, ``dtype`` and ``device``). Op functions in
``lamina.ops`` take values and Python scalars and return values; ``lamina.numpy`` wraps them so
users see ``Tensor`` handles. Rules of later transforms call these value-level functions, so
they stay differentiable and batchable (STYLE.md, rule 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.errors import (
    AxisError,
    LaminaRuntimeError,
    LaminaTypeError,
    LaminaValueError,
    TracedValueError,
    UnsupportedDTypeError,
)
from lamina.lazy.devices import Device, as_device, cupy_or_none, device_of_array
from lamina.lazy.graph import SCALAR_BASE, TRACED_SCALARS, LazyTensor, constant, from_array

__all__ = [
    "is_value",
    "value_types",
    "is_scalar",
    "to_value",
    "check_dtype",
    "as_index",
    "normalize_axis",
    "normalize_axes",
    "canonical_dtype",
    "common_device",
    "prod",
]

# A value is a LazyTensor or a transform's wrapper of one.
from lamina.core import Wrapper  # noqa: E402

value_types: tuple[type, ...] = (LazyTensor, Wrapper)


def is_value(x: Any) -> bool:
    return isinstance(x, value_types)


def scalar_type(x: Any) -> type:
    """The Python type of the scalar ``x`` for NumPy's type resolution (``float`` for a traced
    float: NOTE [traced Python scalars] in lamina/lazy/graph.py)."""
    kind = type(x)
    return SCALAR_BASE.get(kind, kind)


def is_scalar(x: Any) -> bool:
    """A Python number (weakly typed under NumPy 2 promotion rules, NEP 50)."""
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


_SUPPORTED_KINDS = "biufc"


def check_dtype(dtype: Any, what: str) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype lamina computes with, or raise a teaching TypeError."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise LaminaTypeError(f"{what}: {dtype!r} is not a dtype ({exc}).") from None
    if dt.kind not in _SUPPORTED_KINDS or dt.fields is not None:
        raise UnsupportedDTypeError(
            f"{what}: lamina computes with bool, integer, floating and complex dtypes; got "
            f"dtype {dt} (kind {dt.kind!r}). Convert the data to a numeric dtype first, e.g. "
            "np.asarray(x, dtype=float)."
        )
    return dt


def canonical_dtype(dtype: Any, what: str) -> np.dtype | None:
    return None if dtype is None else check_dtype(dtype, what)


def _is_cupy_array(x: Any) -> bool:
    cupy = cupy_or_none() if type(x).__module__.startswith("cupy") else None
    return cupy is not None and isinstance(x, cupy.ndarray)


def to_value(x: Any, what: str, device: Device | None = None, dtype: Any = None) -> Any:
    """Turn an array-like (value, NumPy/CuPy array, nested list, NumPy scalar) into a value.

    Python scalars are turned into 0-d values too; functions that want NumPy 2's weak scalar
    promotion check ``is_scalar`` before calling this.
    """
    if is_value(x):
        return x
    if type(x) in TRACED_SCALARS:  # NOTE [traced Python scalars] in lamina/lazy/graph.py
        if device is None:
            device = as_device(None)
        return x.leaf(check_dtype(dtype, what) if dtype is not None else x._dtype, device)
    handle_value = getattr(x, "_lamina_read", None)
    if handle_value is not None:
        return handle_value()
    if _is_cupy_array(x):
        check_dtype(x.dtype, what)
        dev = device_of_array(x)
        if device is not None and device is not dev:
            raise_device_mismatch(what, dev, device)
        # NOTE [inputs are snapshots]: the graph may run later, so a user's array that can
        # still be written to is copied now; lamina's own values are never written.
        return from_array(x.copy(), dev)
    if isinstance(x, (list, tuple)) and _contains_handle(x):
        from lamina.ops.shape import stack_values  # noqa: PLC0415 - shape builds on common

        return stack_values([to_value(e, what, device) for e in x])
    try:
        array = np.asarray(x, dtype=dtype)
    except TracedValueError:
        raise  # NOTE [traced Python scalars] in lamina/lazy/graph.py
    except (ValueError, TypeError) as exc:
        raise LaminaValueError(f"{what}: cannot make an array of {_short(x)} ({exc}).") from None
    check_dtype(array.dtype, what)
    if isinstance(x, np.ndarray) and array.flags.writeable and np.may_share_memory(array, x):
        array = array.copy()  # NOTE [inputs are snapshots]
    dev = device if device is not None else as_device(None)
    if dev.kind == "cpu":
        return from_array(array, dev)
    return from_array(dev.to_device(array), dev)


def raise_device_mismatch(what: str, a: Device, b: Device):
    from lamina.errors import DeviceError  # noqa: PLC0415

    raise DeviceError(
        f"{what}: the inputs are on different devices ({a} and {b}). Move them to one device "
        "first, e.g. t.to('cpu') or lamina.asarray(x, device='cuda')."
    )


def _contains_handle(seq) -> bool:
    for e in seq:
        if is_value(e) or hasattr(e, "_lamina_read"):
            return True
        if isinstance(e, (list, tuple)) and _contains_handle(e):
            return True
    return False


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) < 60 else text[:57] + "..."


def scalar_value(x: Any, dtype: np.dtype, device: Device) -> LazyTensor:
    """A Python scalar as a 0-d leaf of ``dtype`` (OverflowError as NumPy for out-of-range ints)."""
    return constant(x, dtype, device)


def check_python_int(value: Any, dtype: Any) -> None:
    """NumPy 2's OverflowError (NEP 50) for a Python int that ``dtype`` cannot hold, where
    NumPy converts the int to the dtype itself (``full_like``'s fill, ``initial=``) rather
    than casting an array of it (which would wrap)."""
    if type(value) is not int:
        return
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if not info.min <= value <= info.max:
            raise OverflowError(f"Python integer {value} out of bounds for {dt}")
    elif dt.kind == "b" and not -(2**63) <= value < 2**64:
        raise OverflowError("Python int too large to convert to C long")


def common_device(values, what: str) -> Device | None:
    device = None
    for v in values:
        d = v.device
        if device is None:
            device = d
        elif d is not device:
            raise_device_mismatch(what, device, d)
    return device


# NOTE [integer arguments]: wherever NumPy takes an integer (an axis, a dimension of a shape, a
# count, a shift, a diagonal offset), it takes any object with ``__index__``: Python ints, NumPy
# integers, 0-d integer arrays, and so 0-d integer tensors (``lnp.zeros(lnp.prod((2, 3)))``).
# Bools are refused (NumPy refuses them as axes and dimensions), and so are floats, with
# TypeError. A tensor's value is read: it is data (an integer carries no derivative), so this
# works inside grad and jvp; under vmap a batched tensor has no single value and raises.

def as_index(value: Any) -> int | None:
    """``value`` as a Python int where NumPy takes it as one (NOTE [integer arguments]), else
    None (floats, bools, arrays with dimensions, strings, None)."""
    if type(value) is int:
        return value
    if isinstance(value, (bool, np.bool_)) or not hasattr(type(value), "__index__"):
        return None
    if getattr(value, "ndim", 0) != 0 or getattr(getattr(value, "dtype", None), "kind",
                                                   "i") not in "iu":
        return None  # an array (or tensor) that operator.index refuses, without evaluating it
    read = getattr(value, "_lamina_read", None)
    if read is not None and _batched(read()):
        raise LaminaRuntimeError(
            "vmap: a batched integer tensor was used where NumPy takes a Python int (a shape, "
            "size, axis, count or offset). Under vmap each batch element has its own value, but "
            "such an argument must be one number for the whole batch: pass a Python int, or a "
            "tensor vmap does not batch (in_dims=None for that argument, or one made outside "
            "vmap)."
        )
    return int(value.__index__())


def _batched(value: Any) -> bool:
    while isinstance(value, Wrapper):
        if value.level.alive and value.level.name == "vmap":
            return True
        value = value.value
    return False


def normalize_axis(axis: Any, ndim: int, what: str) -> int:
    """An axis in ``range(ndim)``; negative axes count from the end, as in NumPy. Any integer
    NumPy takes is taken (NOTE [integer arguments])."""
    index = as_index(axis)
    if index is None:
        raise LaminaTypeError(
            f"{what}: an axis must be an integer, got {type(axis).__name__} ({axis!r})."
        )
    axis = index
    if not -ndim <= axis < ndim:
        raise AxisError(
            f"{what}: axis {axis} is out of bounds for array of dimension {ndim} "
            f"(valid axes are {-ndim} to {ndim - 1})" if ndim else
            f"{what}: axis {axis} is out of bounds for array of dimension 0 (a 0-d array has "
            "no axes; use axis=None)"
        )
    return axis % ndim if ndim else 0


def normalize_axes(axis: Any, ndim: int, what: str) -> tuple[int, ...]:
    """``axis`` (None, int or tuple) as a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, ndim, what) for a in axis)
        if len(set(axes)) != len(axes):
            raise LaminaValueError(f"{what}: duplicate value in 'axis' ({tuple(axis)}).")
        return tuple(sorted(axes))
    return (normalize_axis(axis, ndim, what),)


def prod(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n
