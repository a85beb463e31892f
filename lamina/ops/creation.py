"""Creation primitives: filled arrays, transfers between devices, ranges.

Filled arrays (``zeros``, ``ones``, ``full``) are a 0-d constant broadcast to the shape: values
are immutable, so the broadcast is never written through, and an in-place op on the handle
makes a fresh array (NOTE [storages and views]). ``device_put`` moves data between devices; it
runs at once (it is the one op whose input and output live on different devices).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.lazy.devices import Device
from lamina.lazy.graph import constant
from lamina.ops.common import as_index, check_dtype
from lamina.ops.shape import broadcast_value

__all__ = ["full_value", "device_put_p", "device_put", "arange_p", "linspace_p", "eye_p", "tri_p",
           "arange_length", "arange_value", "iota_value", "linspace_values"]


def full_value(shape: tuple, fill: Any, dtype: Any, device: Device) -> Any:
    """A value of ``shape`` filled with the Python scalar ``fill``."""
    dt = check_dtype(dtype, "full")
    return broadcast_value(constant(fill, dt, device), tuple(shape))


def _device_put_impl(xp, x, *, device):
    return device.to_device(x)


device_put_p = Primitive(
    "device_put", _device_put_impl, lambda x, *, device: (x.shape, x.dtype), lazy=False
)


def device_put(x: Any, device: Device) -> Any:
    return x if x.device is device else bind(device_put_p, x, device=device)


def _check_shape(shape: Any, what: str) -> tuple:
    """``shape`` (an int or a sequence of ints) as a tuple of Python ints, or NumPy's error
    class with a message that says what was passed and what to pass: ``TypeError`` for
    anything that is not an integer (floats, strings, None, bools), ``ValueError`` for a
    negative dimension. Integers are what ``operator.index`` accepts (NumPy integers, 0-d
    integer arrays), as in NumPy."""
    from lamina.errors import LaminaTypeError, LaminaValueError  # noqa: PLC0415

    def bad(item: Any, where: str, fixed: Any) -> LaminaTypeError:
        kind = "bool" if isinstance(item, (bool, np.bool_)) else type(item).__name__
        hint = f" Pass {fixed!r} instead." if fixed is not None else ""
        if item is None and where == "":
            hint = " Use () for a 0-d tensor."
        return LaminaTypeError(
            f"{what}: a shape must be an int or a sequence of ints, got {shape!r}{where}: "
            f"'{kind}' object cannot be interpreted as an integer.{hint}"
        )

    if _is_int(shape):
        dims = (as_index(shape),)
    elif isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__") or (
            getattr(shape, "ndim", 1) == 0):
        raise bad(shape, "", _as_int(shape))
    else:
        items = tuple(shape)
        for i, d in enumerate(items):
            if not _is_int(d):
                fixed = tuple(_as_int(e) for e in items)
                raise bad(d, f", whose element {i} is {d!r}",
                          None if None in fixed else fixed)
        dims = tuple(as_index(d) for d in items)
    if any(d < 0 for d in dims):
        raise LaminaValueError(
            f"{what}: negative dimensions are not allowed (shape {dims}); every dimension must "
            "be 0 or more."
        )
    return dims


def _is_int(value: Any) -> bool:
    return as_index(value) is not None  # NOTE [integer arguments]: bools are refused


def _as_int(value: Any) -> int | None:
    """The int a float or string dimension meant (``2.0``, ``"3"``), for the hint; else None."""
    if _is_int(value):
        return as_index(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# --------------------------------------------------------------------------------------------
# Ranges and structured matrices: nullary primitives with static params.
#
# NOTE [nullary primitives]: ``arange``, ``linspace``, ``eye`` and ``tri`` read no arrays; their
# whole input is their params, so each call is one cheap lazy node whose structure (and compile
# cache key) is the params. The lazy backend takes the output device from ``params["device"]``
# (``_device_of`` in lamina/lazy/graph.py); the kernels receive it too and ignore it, since
# ``xp`` is already that device's module. They are "no grad" and have nothing to batch.


def arange_length(start: Any, stop: Any, step: Any) -> int:
    """The length of ``arange(start, stop, step)``: ``ceil((stop - start) / step)``, at least 0.

    Computed as NumPy does, with Python numbers, so the shape rule matches the kernel exactly.
    """
    delta = stop - start
    ratio = delta / step
    if ratio == 0 and delta != 0:
        # The quotient underflowed (denormal ranges): NumPy still counts the start element
        # when the direction is right.
        return 1 if (delta > 0) == (step > 0) else 0
    return max(int(math.ceil(ratio)), 0)


def _arange_impl(xp, *, start, stop, step, dtype, device):
    return xp.arange(start, stop, step, dtype=dtype)


def _arange_abstract(*, start, stop, step, dtype, device):
    return (arange_length(start, stop, step),), dtype


arange_p = Primitive("arange", _arange_impl, _arange_abstract, nondiff=True)


def arange_value(start: Any, stop: Any, step: Any, dtype: Any, device: Device) -> Any:
    """``arange`` as a value: Python-number bounds, a checked dtype, a device."""
    return bind(arange_p, start=start, stop=stop, step=step, dtype=np.dtype(dtype),
                device=device)


def iota_value(n: int, dtype: Any, device: Device) -> Any:
    """``0, 1, ..., n - 1`` as a value of ``dtype``."""
    return arange_value(0, int(n), 1, dtype, device)


def _linspace_impl(xp, *, start, stop, num, endpoint, work, dtype, device):
    # ``work`` is NumPy's computation dtype, result_type(start, stop, float(num)).
    cast = np.dtype(work).type
    return xp.linspace(cast(start), cast(stop), num, endpoint=endpoint, dtype=dtype)


def _linspace_abstract(*, start, stop, num, endpoint, work, dtype, device):
    return (num,), dtype


linspace_p = Primitive("linspace", _linspace_impl, _linspace_abstract, nondiff=True)


def _eye_impl(xp, *, n, m, k, dtype, device):
    return xp.eye(n, m, k, dtype=dtype)


eye_p = Primitive("eye", _eye_impl, lambda *, n, m, k, dtype, device: ((n, m), dtype),
                  nondiff=True)


def _tri_impl(xp, *, n, m, k, dtype, device):
    return xp.tri(n, m, k, dtype=dtype)


tri_p = Primitive("tri", _tri_impl, lambda *, n, m, k, dtype, device: ((n, m), dtype),
                  nondiff=True)


def linspace_values(start: Any, stop: Any, num: int, endpoint: bool, work: np.dtype,
                    dtype: np.dtype, axis: int) -> tuple[Any, Any]:
    """``linspace`` between array values ``start`` and ``stop`` (broadcast together).

    A composite of lamina ops that follows NumPy's own algorithm (``arange * step + start``,
    the last sample set to ``stop``), so results match NumPy's and stay differentiable with
    respect to ``start`` and ``stop``. ``work`` is the dtype computed in (NumPy's
    ``result_type(start, stop, float(num))``). Returns ``(samples, step)``; ``axis`` is already
    normalised for the output's rank.
    """
    from lamina.ops import elementwise as ew  # noqa: PLC0415
    from lamina.ops.elementwise import apply_ufunc, astype_value, where  # noqa: PLC0415
    from lamina.ops.shape import reshape_value, transpose_value  # noqa: PLC0415

    start = astype_value(start, work) if start.dtype != work else start
    stop = astype_value(stop, work) if stop.dtype != work else stop
    device = start.device
    div = (num - 1) if endpoint else num
    delta = apply_ufunc(ew.subtract_p, stop, start)
    nd = len(delta.shape)
    y = reshape_value(iota_value(num, work, device), (num,) + (1,) * nd)
    if div > 0:
        # NumPy switches to ``y / div * delta`` when ``delta / div`` underflows to 0 (denormal
        # ranges); lamina keeps the one formula.
        step = apply_ufunc(ew.divide_p, delta, div)
        y = apply_ufunc(ew.multiply_p, y, step)
    else:
        step = full_value(delta.shape, float("nan"), work, device)
        y = apply_ufunc(ew.multiply_p, y, delta)
    y = apply_ufunc(ew.add_p, y, start)
    if endpoint and num > 1:
        last = apply_ufunc(ew.equal_p, reshape_value(iota_value(num, np.int64, device),
                                                     (num,) + (1,) * nd), num - 1)
        y = where(last, stop, y)
    if axis != 0:
        axes = list(range(1, len(y.shape)))
        axes.insert(axis, 0)
        y = transpose_value(y, tuple(axes))
    if dtype.kind in "iu":
        y = apply_ufunc(ew.floor_p, y)
    if y.dtype != dtype:
        y = astype_value(y, dtype)
    return y, step


# -- vjp rules (NOTE [vjp rules] in lamina/interpreters/grad.py) -----------------------------------
# A transfer's cotangent goes back to the input's device; the ranges above are "no grad".

device_put_p.vjp = lambda g, x, *, out, device: (device_put(g, x.device),)


def _device_put_jvp(primals, tangents, *, device):
    # A transfer is linear: the tangent moves along (NOTE [jvp rules]).
    (x,), (t,) = primals, tangents
    return bind(device_put_p, x, device=device), (None if t is None else device_put(t, device))


device_put_p.jvp = _device_put_jvp


# -- vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py) ----------------------------
# A transfer moves every element alike: the batch stays where it is. The nullary primitives
# read no operand, so vmap never sees them batched (NOTE [nullary primitives]).

device_put_p.batch = lambda args, bdims, *, device: (device_put(args[0], device), bdims[0])
