"""Making tensors: ``asarray``, ``array``, ``zeros``, ``ones``, ``full``, ``empty`` and the
``*_like`` forms. Float64 by default, as NumPy; ``device=`` on every factory."""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import Wrapper
from lamina.lazy.devices import as_device
from lamina.numpy._handles import handle, value_of
from lamina.ops import creation as cr
from lamina.ops import elementwise as ew
from lamina.ops.common import check_dtype, check_python_int, is_value
from lamina.ops.elementwise import astype_value
from lamina.ops.shape import broadcast_value
from lamina.wrappers.batched import BatchedTensor
from lamina.wrappers.tensor import Tensor

__all__ = ["asarray", "array", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
           "full_like", "empty_like", "ascontiguousarray", "asanyarray"]


def asarray(a: Any, dtype: Any = None, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """``a`` as a Tensor: the same tensor when nothing changes (like ``numpy.asarray``).

    >>> import lamina as lm
    >>> lm.asarray([1, 2, 3])
    Tensor([1, 2, 3], device='cpu')
    >>> lm.asarray([1.0, 2.0], dtype="float32").dtype
    dtype('float32')
    """
    dev = None if device is None else as_device(device)
    dt = None if dtype is None else check_dtype(dtype, "asarray")
    if type(a) is Tensor:
        value = a._lamina_read()
        changed = False
        if dev is not None and value.device is not dev:
            value, changed = cr.device_put(value, dev), True
        if dt is not None and value.dtype != dt:
            value, changed = astype_value(value, dt), True
        if changed or copy:
            return handle(value)
        if copy is False and changed:  # pragma: no cover - unreachable, kept for clarity
            raise ValueError("asarray: unable to avoid copy")
        return a
    if is_value(a):
        value = a
    else:
        value = value_of(a, "asarray", dev, dt)
    if dev is not None and value.device is not dev:
        value = cr.device_put(value, dev)
    if dt is not None and value.dtype != dt:
        value = astype_value(value, dt)
    if copy and value.is_pending is False and not is_value(a):
        pass  # a fresh leaf of a converted input is already a private copy in lamina's terms
    return handle(value)


def array(obj: Any, dtype: Any = None, *, copy: bool = True, device: Any = None,
          ndmin: int = 0) -> Tensor:
    """A new tensor from ``obj``; a copy unless ``copy=False`` (like ``numpy.array``).

    >>> import lamina.numpy as lnp
    >>> lnp.array([[1, 2], [3, 4]], dtype="float32")
    Tensor([[1., 2.],
            [3., 4.]], dtype=float32, device='cpu')
    >>> lnp.array([1.0, 2.0], ndmin=2).shape
    (1, 2)
    """
    if type(obj) is Tensor:
        t = asarray(obj, dtype=dtype, device=device)
        if copy and t is obj:
            t = handle(obj._lamina_read())
    else:
        if isinstance(obj, np.ndarray) and copy:
            obj = obj.copy()  # NumPy arrays are mutable; our leaves must not change under us
        t = asarray(obj, dtype=dtype, device=device)
    if t.ndim < ndmin:
        t = t.reshape((1,) * (ndmin - t.ndim) + t.shape)
    return t


def asanyarray(a: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """Same as ``asarray`` (lamina has no array subclasses).

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([1.0, 2.0])
    >>> lnp.asanyarray(x) is x
    True
    """
    return asarray(a, dtype=dtype, device=device)


def ascontiguousarray(a: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """Same as ``asarray``: every lamina tensor behaves as a C-contiguous array.

    >>> import lamina.numpy as lnp
    >>> lnp.ascontiguousarray(lnp.arange(6).reshape(2, 3).T).shape
    (3, 2)
    """
    return asarray(a, dtype=dtype, device=device)


def full(shape: Any, fill_value: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (dtype inferred from it, as NumPy).

    >>> import lamina.numpy as lnp
    >>> lnp.full((2, 2), 7)
    Tensor([[7, 7],
            [7, 7]], device='cpu')
    >>> lnp.full(3, 0.5)
    Tensor([0.5, 0.5, 0.5], device='cpu')
    """
    shape = cr._check_shape(shape, "full")
    dev = as_device(device)
    if not isinstance(fill_value, (bool, int, float, complex, np.generic)):
        # NOTE [tensor fill values]: a value argument that is an array or a tensor (the fill of
        # full and full_like, initial= of sum/prod/max/min, pad's constant_values, nan_to_num's
        # nan/posinf/neginf) is used through lamina ops (broadcast, astype, concatenate,
        # where), never read into a Python number or a kernel's static param: a tracked one
        # keeps its derivative and its batch. Read with np.asarray or float(), it was a
        # constant, its derivative silently lost (NOTE [tracked values leave only as scalars]
        # in lamina/wrappers/tensor.py).
        fill = value_of(fill_value, "full", dev, dtype)
        if dtype is not None and fill.dtype != check_dtype(dtype, "full"):
            fill = astype_value(fill, check_dtype(dtype, "full"))
        return handle(broadcast_value(fill, shape))
    dt = np.asarray(fill_value).dtype if dtype is None else check_dtype(dtype, "full")
    return handle(cr.full_value(shape, fill_value, dt, dev))


def zeros(shape: Any, dtype: Any = float, *, device: Any = None) -> Tensor:
    """A tensor of zeros (float64 unless ``dtype`` says otherwise).

    >>> import lamina.numpy as lnp
    >>> lnp.zeros((2, 3))
    Tensor([[0., 0., 0.],
            [0., 0., 0.]], device='cpu')
    >>> lnp.zeros(2, dtype=int)
    Tensor([0, 0], device='cpu')
    """
    return _filled(shape, 0, dtype, device, "zeros")


def ones(shape: Any, dtype: Any = float, *, device: Any = None) -> Tensor:
    """A tensor of ones (float64 unless ``dtype`` says otherwise).

    >>> import lamina.numpy as lnp
    >>> lnp.ones(3)
    Tensor([1., 1., 1.], device='cpu')
    >>> lnp.ones((2, 2), dtype="float32").dtype
    dtype('float32')
    """
    return _filled(shape, 1, dtype, device, "ones")


def empty(shape: Any, dtype: Any = float, *, device: Any = None) -> Tensor:
    """Like ``numpy.empty``; lamina fills it with zeros (it never exposes stale memory).

    >>> import lamina.numpy as lnp
    >>> lnp.empty((2, 2))
    Tensor([[0., 0.],
            [0., 0.]], device='cpu')
    """
    return _filled(shape, 0, dtype, device, "empty")


def _filled(shape: Any, fill: int, dtype: Any, device: Any, what: str) -> Tensor:
    return handle(cr.full_value(cr._check_shape(shape, what), fill, check_dtype(dtype, what),
                                as_device(device)))


def _like(a: Any, dtype: Any, shape: Any, device: Any, what: str):
    v = value_of(a, what)
    dt = v.dtype if dtype is None else check_dtype(dtype, what)
    shp = v.shape if shape is None else cr._check_shape(shape, what)
    dev = v.device if device is None else as_device(device)
    return v, dt, shp, dev


def _filled_like(a: Any, fill: Any, dtype: Any, shape: Any, device: Any, what: str) -> Tensor:
    v, dt, shp, dev = _like(a, dtype, shape, device, what)
    if isinstance(fill, np.generic):
        fill = fill.item()
    if not isinstance(fill, (bool, int, float, complex)):
        # NOTE [tensor fill values]: full_like(x, x[0]) read the fill through np.asarray, so a
        # tracked fill was a constant (its gradient silently lost); now it is broadcast with
        # lamina ops, cast unsafely as NumPy's full_like casts (copyto, casting='unsafe').
        out = value_of(fill, what, dev)
        out = broadcast_value(out if out.dtype == dt else astype_value(out, dt), shp)
    else:
        check_python_int(fill, dt)  # a Python int is converted, not cast: no wrapping
        out = cr.full_value(shp, np.asarray(fill).astype(dt).item(), dt, dev)
    if shape is None and dev == v.device and _batched(v):
        # NOTE [creation under vmap]: like torch.func, ``zeros_like(x)`` of a batched ``x`` is
        # batched, so each batch element gets its own buffer to write into (``y =
        # zeros_like(x); y[0] = x[0]`` works under vmap). ``where`` with a constant True
        # condition takes the value's batching and no data or derivative from it.
        always = cr.full_value((), True, np.bool_, dev)
        out = astype_value(ew.where(always, out, v), dt)
    return handle(out)


def _batched(value: Any) -> bool:
    """Whether a live vmap level batches ``value`` (under any wrappers of other transforms)."""
    while isinstance(value, Wrapper):
        if isinstance(value, BatchedTensor) and value.level.alive:
            return True
        value = value.value
    return False


def zeros_like(a: Any, dtype: Any = None, *, shape: Any = None, device: Any = None) -> Tensor:
    """Zeros with the shape, dtype and device of ``a`` (each may be overridden).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> lnp.zeros_like(lm.asarray([1, 2]))
    Tensor([0, 0], device='cpu')
    """
    return _filled_like(a, 0, dtype, shape, device, "zeros_like")


def ones_like(a: Any, dtype: Any = None, *, shape: Any = None, device: Any = None) -> Tensor:
    """Ones with the shape, dtype and device of ``a`` (each may be overridden).

    >>> import lamina.numpy as lnp
    >>> lnp.ones_like(lnp.asarray([[1, 2, 3]]))
    Tensor([[1, 1, 1]], device='cpu')
    """
    return _filled_like(a, 1, dtype, shape, device, "ones_like")


def empty_like(a: Any, dtype: Any = None, *, shape: Any = None, device: Any = None) -> Tensor:
    """Like ``numpy.empty_like``; lamina fills it with zeros (it never exposes stale memory).

    >>> import lamina.numpy as lnp
    >>> lnp.empty_like(lnp.asarray([1.0, 2.0]), shape=(3,))
    Tensor([0., 0., 0.], device='cpu')
    """
    return zeros_like(a, dtype, shape=shape, device=device)


def full_like(a: Any, fill_value: Any, dtype: Any = None, *, shape: Any = None,
              device: Any = None) -> Tensor:
    """``fill_value`` with the shape, dtype and device of ``a`` (each may be overridden).

    >>> import lamina.numpy as lnp
    >>> lnp.full_like(lnp.asarray([1, 2, 3]), 2.7)
    Tensor([2, 2, 2], device='cpu')
    """
    return _filled_like(a, fill_value, dtype, shape, device, "full_like")
