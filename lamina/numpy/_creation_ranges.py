"""Ranges and structured arrays: ``arange``, ``linspace``, ``logspace``, ``eye``, ``identity``,
``tri`` and ``meshgrid``, with NumPy's signatures and dtype rules and ``device=`` on every
factory.

``arange``, scalar ``linspace``, ``eye`` and ``tri`` are one lazy node each, with every input a
static param (NOTE [nullary primitives] in lamina/ops/creation.py): cheap to build, and a
repeated call hits the compile cache. ``linspace`` between arrays, ``logspace`` and
``meshgrid`` are composites of lamina ops.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError, LaminaValueError, LaminaZeroDivisionError
from lamina.lazy.devices import Device, as_device
from lamina.numpy._handles import handle, value_of
from lamina.ops import creation as cr
from lamina.ops import elementwise as ew
from lamina.ops import shape as sh
from lamina.ops.common import as_index, check_dtype, common_device, is_scalar, normalize_axis
from lamina.wrappers.tensor import Tensor

__all__ = ["arange", "linspace", "logspace", "eye", "identity", "tri", "meshgrid"]




def _number(x: Any, what: str, name: str) -> Any:
    """A Python number from a scalar argument (Python/NumPy scalar or 0-d array/tensor)."""
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    if isinstance(x, (Tensor, np.ndarray)):
        if x.ndim != 0:
            raise LaminaTypeError(
                f"{what}: '{name}' must be a scalar, got an array of shape {x.shape}. For "
                "ranges between arrays use linspace(start, stop, num) with array bounds."
            )
        x = x.item()  # a 0-d tensor's value is needed now: the length depends on it
    if isinstance(x, np.generic):
        x = x.item()
    if not is_scalar(x):
        raise LaminaTypeError(
            f"{what}: '{name}' must be a number, got {type(x).__name__} ({x!r})."
        )
    return x


def _index(x: Any, what: str, name: str) -> int:
    index = as_index(x)  # NOTE [integer arguments] (lamina/ops/common.py)
    if index is None:
        raise LaminaTypeError(
            f"{what}: '{type(x).__name__}' object cannot be interpreted as an integer "
            f"('{name}' must be an integer, got {x!r})."
        )
    return index


def _dims(what: str, *dims: int) -> None:
    if any(d < 0 for d in dims):
        raise LaminaValueError(f"{what}: negative dimensions are not allowed (got {dims}).")


def arange(start: Any = None, stop: Any = None, step: Any = None, dtype: Any = None, *,
           device: Any = None) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` with spacing ``step`` (like ``numpy.arange``).

    Integer arguments give int64, any float gives float64; the length is
    ``ceil((stop - start) / step)``.

    >>> import lamina.numpy as lnp
    >>> lnp.arange(4)
    Tensor([0, 1, 2, 3], device='cpu')
    >>> lnp.arange(1.0, 2.0, 0.25)
    Tensor([1.  , 1.25, 1.5 , 1.75], device='cpu')
    """
    if stop is None:
        if start is None:
            raise LaminaTypeError("arange() requires stop to be specified.")
        start, stop = 0, start
    elif start is None:
        start = 0
    if step is None:
        step = 1
    start = _number(start, "arange", "start")
    stop = _number(stop, "arange", "stop")
    step = _number(step, "arange", "step")
    if any(isinstance(v, complex) for v in (start, stop, step)):
        raise LaminaTypeError(
            "arange: lamina's arange takes real bounds and step; for complex values build "
            "the real and imaginary parts separately, e.g. arange(n) * (1 + 1j)."
        )
    if step == 0:
        raise LaminaZeroDivisionError(
            f"arange({start}, {stop}, {step}): division by zero (the step must not be 0)."
        )
    try:
        length = cr.arange_length(start, stop, step)
    except (ValueError, OverflowError):
        raise LaminaValueError(
            f"arange({start}, {stop}, {step}): cannot compute length (the bounds and step must "
            "be finite numbers)."
        ) from None
    if length > sys.maxsize // 8:
        raise LaminaValueError(
            f"arange({start}, {stop}, {step}): Maximum allowed size exceeded ({length} elements)."
        )
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, stop, step))
        dt = np.dtype(np.float64 if floating else np.int64)
    else:
        dt = check_dtype(dtype, "arange")
    return handle(cr.arange_value(start, stop, step, dt, as_device(device)))


def _is_number(x: Any) -> bool:
    return is_scalar(x) or isinstance(x, np.generic)


def _work_dtype(start: Any, stop: Any, num: int) -> np.dtype:
    """NumPy's computation dtype for linspace: inexact ``result_type(start, stop)``; Python
    numbers are weak (NumPy 2), NumPy scalars and arrays strong."""
    operands = [x if is_scalar(x) else x.dtype for x in (start, stop)]
    dt = np.result_type(*operands, float(num))
    return dt if dt.kind in "fc" else np.dtype(np.float64)


def _bound_value(x: Any, work: np.dtype, device: Device, what: str) -> Any:
    """A linspace bound as a value of dtype ``work`` on ``device``."""
    if _is_number(x):
        return value_of(np.asarray(x, dtype=work), what, device)
    if x.device is not device:
        x = cr.device_put(x, device)
    return ew.astype_value(x, work) if x.dtype != work else x


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Any:
    """``num`` evenly spaced samples from ``start`` to ``stop`` (like ``numpy.linspace``).

    ``start`` and ``stop`` may be arrays (they broadcast; samples run along ``axis``). With
    ``retstep=True`` returns ``(samples, step)``.

    >>> import lamina.numpy as lnp
    >>> lnp.linspace(0.0, 1.0, 5)
    Tensor([0.  , 0.25, 0.5 , 0.75, 1.  ], device='cpu')
    >>> lnp.linspace(0, 1, 3, endpoint=False, retstep=True)[1]
    np.float64(0.3333333333333333)
    """
    num = _index(num, "linspace", "num")
    if num < 0:
        raise LaminaValueError(f"linspace: Number of samples, {num}, must be non-negative.")
    if isinstance(start, np.ndarray) and start.ndim == 0:
        start = start[()]
    if isinstance(stop, np.ndarray) and stop.ndim == 0:
        stop = stop[()]
    if _is_number(start) and _is_number(stop):
        # Scalar bounds: one lazy node, computed by the backend's own linspace.
        work = _work_dtype(start, stop, num)
        dt = work if dtype is None else check_dtype(dtype, "linspace")
        normalize_axis(axis, 1, "linspace")
        div = (num - 1) if endpoint else num
        lo = np.asarray(start, dtype=work)[()].item()
        hi = np.asarray(stop, dtype=work)[()].item()
        samples = bind(cr.linspace_p, start=lo, stop=hi, num=num, endpoint=bool(endpoint),
                       work=work, dtype=dt, device=as_device(device))
        if not retstep:
            return handle(samples)
        delta = np.subtract(work.type(hi), work.type(lo), dtype=work)
        return handle(samples), (delta / div if div > 0 else np.nan)
    # Array bounds: on the device of the tensor bounds (or ``device``), a composite of ops.
    if device is not None:
        dev = as_device(device)
    else:
        tensors = [x._lamina_read() for x in (start, stop) if isinstance(x, Tensor)]
        dev = common_device(tensors, "linspace") if tensors else as_device(None)
    start_v, stop_v = (x if _is_number(x) else value_of(x, "linspace", dev)
                       for x in (start, stop))
    work = _work_dtype(start_v, stop_v, num)
    start_v = _bound_value(start_v, work, dev, "linspace")
    stop_v = _bound_value(stop_v, work, dev, "linspace")
    ndim = 1 + len(ew.broadcast_shapes("linspace", start_v.shape, stop_v.shape))
    ax = normalize_axis(axis, ndim, "linspace")
    dt = work if dtype is None else check_dtype(dtype, "linspace")
    samples, step = cr.linspace_values(start_v, stop_v, num, bool(endpoint), work, dt, ax)
    if retstep:
        return handle(samples), handle(step)
    return handle(samples)


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Tensor:
    """``base ** linspace(start, stop, num)`` (like ``numpy.logspace``).

    >>> import lamina.numpy as lnp
    >>> lnp.logspace(0, 3, 4)
    Tensor([   1.,   10.,  100., 1000.], device='cpu')
    """
    dev = None if device is None else as_device(device)
    base_ndim = 0 if is_scalar(base) else (base.ndim if isinstance(base, Tensor)
                                           else np.ndim(base))
    if base_ndim:
        # An array base broadcasts with the bounds (all three become arrays of one rank, as in
        # NumPy) and gets an axis at ``axis``, where the samples run.
        b = value_of(base, "logspace", dev)
        bounds = [value_of(x, "logspace", b.device) for x in (start, stop)]
        ndmax = len(np.broadcast_shapes(b.shape, *[v.shape for v in bounds]))
        s, e, b = (sh.reshape_value(v, (1,) * (ndmax - len(v.shape)) + v.shape)
                   for v in (*bounds, b))
        ax = normalize_axis(axis, ndmax + 1, "logspace")
        b = sh.reshape_value(b, b.shape[:ax] + (1,) + b.shape[ax:])
        y = linspace(handle(s), handle(e), num, endpoint, axis=axis)
        out = ew.apply_ufunc(ew.power_p, b, y._lamina_read())
    else:
        y = linspace(start, stop, num, endpoint, axis=axis, device=dev)
        yv = y._lamina_read()
        if not is_scalar(base):
            base = value_of(base, "logspace", yv.device)  # a NumPy scalar is strongly typed
        out = ew.apply_ufunc(ew.power_p, base, yv)
    if dtype is not None:
        out = ew.astype_value(out, check_dtype(dtype, "logspace"))
    return handle(out)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float, order: str = "C", *,
        device: Any = None) -> Tensor:
    """A 2-D tensor with ones on the ``k``-th diagonal and zeros elsewhere.

    >>> import lamina.numpy as lnp
    >>> lnp.eye(2, 3, k=1, dtype=int)
    Tensor([[0, 1, 0],
            [0, 0, 1]], device='cpu')
    """
    n = _index(N, "eye", "N")
    m = n if M is None else _index(M, "eye", "M")
    k = _index(k, "eye", "k")
    _dims("eye", n, m)
    if order not in ("C", "F"):
        raise LaminaValueError(f"eye: order must be 'C' or 'F', got {order!r}.")
    dt = check_dtype(dtype, "eye")
    return handle(bind(cr.eye_p, n=n, m=m, k=k, dtype=dt, device=as_device(device)))


def identity(n: int, dtype: Any = None, *, device: Any = None) -> Tensor:
    """The ``n`` x ``n`` identity matrix (float64 unless ``dtype`` says otherwise).

    >>> import lamina.numpy as lnp
    >>> lnp.identity(2)
    Tensor([[1., 0.],
            [0., 1.]], device='cpu')
    """
    return eye(n, dtype=float if dtype is None else dtype, device=device)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float, *,
        device: Any = None) -> Tensor:
    """Ones at and below the ``k``-th diagonal, zeros above (like ``numpy.tri``).

    >>> import lamina.numpy as lnp
    >>> lnp.tri(2, 3)
    Tensor([[1., 0., 0.],
            [1., 1., 0.]], device='cpu')
    """
    n = _index(N, "tri", "N")
    m = n if M is None else _index(M, "tri", "M")
    k = _index(k, "tri", "k")
    _dims("tri", n, m)
    dt = check_dtype(dtype, "tri")
    return handle(bind(cr.tri_p, n=n, m=m, k=k, dtype=dt, device=as_device(device)))


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple:
    """Coordinate tensors from 1-D coordinate vectors (like ``numpy.meshgrid``).

    ``indexing='xy'`` (Cartesian, the default) swaps the first two output axes; ``'ij'`` is
    matrix indexing. ``copy=False`` returns views of the inputs (read-only broadcast views, or
    plain reshaped views with ``sparse=True``); ``copy=True`` returns new tensors.

    >>> import lamina.numpy as lnp
    >>> X, Y = lnp.meshgrid(lnp.arange(3), lnp.arange(2))
    >>> X
    Tensor([[0, 1, 2],
            [0, 1, 2]], device='cpu')
    >>> Y.shape
    (2, 3)
    """
    if indexing not in ("xy", "ij"):
        raise LaminaValueError("meshgrid: Valid values for `indexing` are 'xy' and 'ij'.")
    from lamina.numpy._shape import broadcast_to, reshape  # noqa: PLC0415

    ndim = len(xi)
    ts = [x if type(x) is Tensor else handle(value_of(x, "meshgrid")) for x in xi]
    shapes = []
    for i, t in enumerate(ts):
        s = [1] * ndim
        s[i] = t.size
        if indexing == "xy" and ndim > 1 and i < 2:
            s[0], s[1] = s[1], s[0]
        shapes.append(tuple(s))
    full = tuple(np.broadcast_shapes(*shapes)) if shapes else ()
    out = []
    for t, s in zip(ts, shapes, strict=True):
        if copy:
            v = sh.reshape_value(t._lamina_read(), s)
            out.append(handle(v if sparse else sh.broadcast_value(v, full)))
        else:
            view = reshape(t, s)
            out.append(view if sparse else broadcast_to(view, full))
    return tuple(out)
