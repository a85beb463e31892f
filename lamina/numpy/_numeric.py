"""Numerical routines of ``lamina.numpy`` written from lamina ops (issue 15): differences,
polynomials, convolution, interpolation, statistics and the small helpers NumPy code reaches
for.

Each function follows NumPy's source step by step with lamina ops, so it is differentiable,
batchable and lazy without rules of its own; the three primitives it needs (``fabs``,
``nextafter`` and the convolution kernel) live in ``lamina/ops/numeric.py``. Where NumPy
decides something from the *values* of an argument (the indices of ``insert``/``delete``, the
uniformity of ``gradient``'s coordinates, the checks of ``cov``'s weights, ``real_if_close``),
NumPy arrays, lists and scalars are read on the host exactly as NumPy reads them; lamina tensors
are read only where the result's shape or dtype depends on them (``insert``/``delete`` indices,
``real_if_close``), and each docstring says so.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import lamina.numpy as lnp
from lamina.core import bind
from lamina.errors import (
    AxisError,
    LaminaIndexError,
    LaminaRuntimeError,
    LaminaTypeError,
    LaminaValueError,
    TrackedConversionError,
)
from lamina.numpy._handles import device_among, handle, value_of
from lamina.numpy._ufuncs import ufunc
from lamina.ops import elementwise as ew
from lamina.ops.common import as_index, normalize_axis
from lamina.ops.numeric import conv_full, fabs_p, nextafter_p
from lamina.wrappers.tensor import Tensor

__all__ = [
    "diff", "ediff1d", "gradient", "append", "insert", "delete", "r_", "c_", "angle",
    "degrees", "radians", "sinc", "fabs", "rollaxis", "iscomplex", "isreal", "real_if_close",
    "nextafter", "interp", "convolve", "correlate", "trapezoid", "cov", "corrcoef", "polyval",
    "vander",
]

_NoValue = np._NoValue


def _tensor(x: Any, what: str, device=None) -> Tensor:
    """``x`` as a tensor: a tensor itself, anything else made one on ``device`` (NOTE [host
    data joins the op's device] in lamina/numpy/_handles.py)."""
    if type(x) is Tensor:
        return x
    return handle(value_of(x, what, device))


def _int(x: Any, what: str, name: str) -> int:
    index = as_index(x)  # NOTE [integer arguments] in lamina/ops/common.py
    if index is None:
        raise LaminaTypeError(f"{what}: `{name}` must be an integer, got {type(x).__name__} "
                              f"({x!r}).")
    return index


def _along(ndim: int, axis: int, index: Any) -> tuple:
    """The index ``[:, ..., index, ...]`` with ``index`` at ``axis``."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def _complex(re: Tensor, im: Tensor) -> Tensor:
    """``re + 1j * im`` with each part exactly as given (``1j * inf`` would put a NaN in the
    real part)."""
    return handle(bind(ew.complex_p, re._lamina_read(), im._lamina_read()))


# -- the ufuncs NumPy has and lamina lacked: degrees, radians, fabs, nextafter --------------------
# NOTE [ufuncs of _numeric]: these are ``lnp.ufunc`` objects like every other ufunc (``out=``,
# ``dtype=``, ``np.degrees(t)`` through ``__array_ufunc__``). ``degrees``/``radians`` run the
# kernels of ``rad2deg``/``deg2rad`` (NumPy's loops give the same bits); ``fabs`` and
# ``nextafter`` have primitives of their own. doctest does not look inside ufunc instances, so
# their examples go into this module's ``__test__`` and ``_home`` tells the docstring test
# where to find them (NOTE [ufunc docstrings] in lamina/numpy/_ufuncs.py).
__test__: dict[str, str] = {}


def _make_ufunc(name: str, prim, numpy_ufunc, doc: str) -> ufunc:
    uf = ufunc(name, prim)
    uf._np = numpy_ufunc
    uf.__doc__ = doc
    uf._home = __name__
    __test__[name] = doc
    return uf


degrees = _make_ufunc("degrees", ew.rad2deg_p, np.degrees, """\
Radians to degrees, elementwise, as ``numpy.degrees`` (the same function as ``rad2deg``).

>>> import lamina.numpy as lnp
>>> lnp.degrees(lnp.asarray([lnp.pi, lnp.pi / 2]))
Tensor([180.,  90.], device='cpu')
""")
radians = _make_ufunc("radians", ew.deg2rad_p, np.radians, """\
Degrees to radians, elementwise, as ``numpy.radians`` (the same function as ``deg2rad``).

>>> import lamina.numpy as lnp
>>> lnp.radians(lnp.asarray([180.0, 90.0]))
Tensor([3.14159265, 1.57079633], device='cpu')
""")
fabs = _make_ufunc("fabs", fabs_p, np.fabs, """\
Absolute value of real numbers, elementwise, as ``numpy.fabs``: always a floating result
(int8 gives float16, int64 float64) and complex input is a TypeError (use ``absolute``).

>>> import lamina.numpy as lnp
>>> lnp.fabs(lnp.asarray([-1, 2]))
Tensor([1., 2.], device='cpu')
""")
nextafter = _make_ufunc("nextafter", nextafter_p, np.nextafter, """\
The next floating-point value after ``x1`` towards ``x2``, elementwise, as ``numpy.nextafter``.

It has no derivative (a step function of both inputs, as in JAX and PyTorch): grad and jvp
through it raise a RuntimeError; use ``lm.stop_gradient`` on its inputs to treat it as a
constant.

>>> import lamina.numpy as lnp
>>> x = lnp.nextafter(lnp.asarray([1.0, 1.0]), lnp.asarray([2.0, 0.0]))
>>> (x - 1.0).tolist() == [2.0 ** -52, -2.0 ** -53]
True
""")


# -- differences: diff, ediff1d, gradient ---------------------------------------------------------

def diff(a: Any, n: Any = 1, axis: Any = -1, prepend: Any = _NoValue,
         append: Any = _NoValue) -> Tensor:
    """The ``n``-th discrete difference along ``axis``, as ``numpy.diff``.

    ``prepend``/``append`` are joined to ``a`` along ``axis`` first (scalars are broadcast to
    one slice). Booleans give ``a[1:] != a[:-1]``; unsigned integers wrap, as in NumPy.
    Differentiable in ``a``, ``prepend`` and ``append``.

    >>> import lamina.numpy as lnp
    >>> lnp.diff(lnp.asarray([1.0, 2.0, 4.0, 7.0]))
    Tensor([1., 2., 3.], device='cpu')
    >>> lnp.diff(lnp.asarray([1.0, 2.0, 4.0, 7.0]), n=2, prepend=0.0)
    Tensor([0., 1., 1.], device='cpu')
    """
    n = _int(n, "diff", "n")
    if n == 0:
        return a if type(a) is Tensor else lnp.asarray(a)
    if n < 0:
        raise LaminaValueError(f"diff: order must be non-negative but got {n!r}")
    device = device_among((a, prepend, append))
    t = _tensor(a, "diff", device)
    nd = t.ndim
    if nd == 0:
        raise LaminaValueError(
            "diff: diff requires input that is at least one dimensional (got a 0-d array); "
            "use lnp.atleast_1d(a) if you meant a sequence of one element."
        )
    axis = normalize_axis(axis, nd, "diff")
    if prepend is not _NoValue or append is not _NoValue:
        shape = list(t.shape)
        shape[axis] = 1

        def part(extra):  # a scalar is broadcast to one slice along axis
            e = _tensor(extra, "diff", t.device)
            return lnp.broadcast_to(e, tuple(shape)) if e.ndim == 0 else e

        combined = [t]
        if prepend is not _NoValue:
            combined.insert(0, part(prepend))
        if append is not _NoValue:
            combined.append(part(append))
        t = lnp.concatenate(combined, axis)
    later, earlier = _along(nd, axis, slice(1, None)), _along(nd, axis, slice(None, -1))
    op = lnp.not_equal if t.dtype == np.bool_ else lnp.subtract
    for _ in range(n):
        t = op(t[later], t[earlier])
    return t


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Tensor:
    """The differences between consecutive elements of the flattened ``ary``, with
    ``to_begin``/``to_end`` (flattened) before and after, as ``numpy.ediff1d``.

    The result has ``ary``'s dtype; ``to_begin``/``to_end`` must cast to it under the
    ``same_kind`` rule (TypeError otherwise, as NumPy).

    >>> import lamina.numpy as lnp
    >>> lnp.ediff1d(lnp.asarray([1, 2, 4, 7, 0]), to_begin=-99, to_end=[88, 99])
    Tensor([-99,   1,   2,   3,  -7,  88,  99], device='cpu')
    """
    device = device_among((ary, to_end, to_begin))
    t = lnp.ravel(_tensor(ary, "ediff1d", device))
    dtype = t.dtype
    middle = t[1:] - t[:-1]
    if to_begin is None and to_end is None:
        return middle
    parts = []
    for extra, name in ((to_begin, "to_begin"), (None, ""), (to_end, "to_end")):
        if not name:
            parts.append(middle)
            continue
        if extra is None:
            continue
        e = _tensor(extra, "ediff1d", t.device)
        if not np.can_cast(e.dtype, dtype, casting="same_kind"):
            raise LaminaTypeError(
                f"ediff1d: dtype of `{name}` must be compatible with input `ary` under the "
                f"`same_kind` rule ({e.dtype} cannot be cast to {dtype}); cast it first, e.g. "
                f"{name}=lnp.asarray(...).astype({dtype.name!r})."
            )
        parts.append(lnp.ravel(e).astype(dtype))
    return lnp.concatenate(parts)


def _axis_tuple(axis: Any, ndim: int, what: str) -> tuple:
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(normalize_axis(ax, ndim, what) for ax in axes)
    if len(set(axes)) != len(axes):
        raise LaminaValueError(f"{what}: repeated axis in {axis!r}")
    return axes


def _coordinate_steps(distances: Any, length: int, device) -> Any:
    """``gradient``'s spacing along one axis from 1-d coordinates: the steps, or (for NumPy
    coordinates equally spaced, as NumPy decides it) one step. Tensor coordinates are never
    read: their steps are always used, which is the same function and keeps its derivative."""
    if type(distances) is Tensor:
        coords = distances
    else:
        coords = np.asanyarray(distances)
    if coords.ndim != 1:
        raise LaminaValueError("gradient: distances must be either scalars or 1d")
    if len(coords) != length:
        raise LaminaValueError(
            "gradient: when 1d, distances must match the length of the corresponding "
            f"dimension (got {len(coords)} coordinates for a dimension of length {length})"
        )
    if coords.dtype.kind in "iu":
        coords = coords.astype(np.float64)  # no modular arithmetic in the differences
    if type(coords) is Tensor:
        return diff(coords)
    steps = np.diff(coords)
    if (steps == steps[0]).all():
        return steps[0]  # a NumPy scalar: typed as NumPy types it
    return _tensor(steps, "gradient", device)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """The gradient of sampled values ``f`` by central differences inside and one-sided
    differences (of order ``edge_order``, 1 or 2) at the edges, as ``numpy.gradient``.

    ``varargs`` give the spacing: nothing (1 everywhere), one scalar for every axis, or one
    scalar or 1-d coordinate array per axis. Returns one tensor per axis (a tuple when there
    are several). Integer ``f`` is computed in float64. Differentiable in ``f`` and in tensor
    spacings; coordinates given as NumPy arrays are checked for even spacing as NumPy does,
    tensor coordinates always take the general formula (the same values to rounding).

    >>> import lamina.numpy as lnp
    >>> lnp.gradient(lnp.asarray([1.0, 2.0, 4.0, 7.0, 11.0]))
    Tensor([1. , 1.5, 2.5, 3.5, 4. ], device='cpu')
    >>> gy, gx = lnp.gradient(lnp.asarray([[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]]), 2.0)
    >>> gx
    Tensor([[0.5 , 1.25, 2.  ],
            [0.5 , 0.5 , 0.5 ]], device='cpu')
    """
    device = device_among((f, *varargs))
    t = _tensor(f, "gradient", device)
    nd = t.ndim
    axes = tuple(range(nd)) if axis is None else _axis_tuple(axis, nd, "gradient")
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacings = [d if np.ndim(d) == 0 else _coordinate_steps(d, t.shape[ax], t.device)
                    for d, ax in zip(varargs, axes, strict=True)]
    else:
        raise LaminaTypeError(
            f"gradient: invalid number of arguments: {len(varargs)} spacings for {len(axes)} "
            "axes; give none, one scalar for all axes, or one per axis."
        )
    if edge_order > 2:
        raise LaminaValueError("gradient: 'edge_order' greater than 2 not supported")
    otype = t.dtype
    if otype.kind not in "fc":
        if otype.kind in "iu":
            t = t.astype(np.float64)  # no modular arithmetic in the differences
        otype = np.dtype(np.float64)
    out = []
    for ax, h in zip(axes, spacings, strict=True):
        if t.shape[ax] < edge_order + 1:
            raise LaminaValueError(
                "gradient: Shape of array too small to calculate a numerical gradient, at "
                "least (edge_order + 1) elements are required (axis "
                f"{ax} has {t.shape[ax]}, edge_order={edge_order})."
            )
        out.append(_gradient_along(t, ax, h, edge_order, otype))
    return out[0] if len(out) == 1 else tuple(out)


def _gradient_along(t: Tensor, axis: int, h: Any, edge_order: int, otype) -> Tensor:
    nd = t.ndim

    def f(start, stop):
        return t[_along(nd, axis, slice(start, stop))]

    uniform = np.ndim(h) == 0
    if uniform:
        inner = (f(2, None) - f(None, -2)) / (2.0 * h)
    else:
        shape = [1] * nd
        shape[axis] = -1
        dx1, dx2 = h[0:-1], h[1:]
        a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
        b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
        c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
        inner = a * f(None, -2) + b * f(1, -1) + c * f(2, None)
    if edge_order == 1:
        first = (f(1, 2) - f(0, 1)) / (h if uniform else h[0])
        last = (f(-1, None) - f(-2, -1)) / (h if uniform else h[-1])
    else:
        if uniform:
            a, b, c = -1.5 / h, 2.0 / h, -0.5 / h
        else:
            dx1, dx2 = h[0], h[1]
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
        first = a * f(0, 1) + b * f(1, 2) + c * f(2, 3)
        if uniform:
            a, b, c = 0.5 / h, -2.0 / h, 1.5 / h
        else:
            dx1, dx2 = h[-2], h[-1]
            a = dx2 / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
        last = a * f(-3, -2) + b * f(-2, -1) + c * f(-1, None)
    # NumPy writes each piece into an array of dtype otype: each is cast to it.
    return lnp.concatenate([p.astype(otype) for p in (first, inner, last)], axis)


# -- append, insert, delete -----------------------------------------------------------------------

def append(arr: Any, values: Any, axis: Any = None) -> Tensor:
    """``values`` appended to the end of ``arr`` along ``axis`` (both flattened when None),
    as ``numpy.append``: a new tensor.

    >>> import lamina.numpy as lnp
    >>> lnp.append(lnp.asarray([1, 2, 3]), [[4, 5, 6], [7, 8, 9]])
    Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], device='cpu')
    >>> lnp.append(lnp.asarray([[1, 2, 3]]), [[7, 8, 9]], axis=0)
    Tensor([[1, 2, 3],
            [7, 8, 9]], device='cpu')
    """
    device = device_among((arr, values))
    t = _tensor(arr, "append", device)
    v = _tensor(values, "append", t.device)
    if axis is None:
        t, v = lnp.ravel(t), lnp.ravel(v)
        axis = 0
    return lnp.concatenate((t, v), axis=axis)


def _host_index(obj: Any, what: str) -> Any:
    """An index argument of ``insert``/``delete`` as NumPy sees it: a tensor is read (the
    result's shape depends on it)."""
    if type(obj) is not Tensor:
        return obj
    try:
        return obj.numpy()
    except TrackedConversionError:
        raise LaminaRuntimeError(
            f"{what}: `obj` fixes the shape of the result, so a tensor `obj` is read, but this "
            "one is batched or tracked by a transform (under vmap each batch element would get "
            "a result of its own shape). Pass the positions as a Python int, list or slice, or "
            "as a tensor made outside the transform."
        ) from None


def _flat_and_axis(arr: Any, axis: Any, what: str, device) -> tuple[Tensor, int]:
    t = _tensor(arr, what, device)
    if axis is None:
        return (t if t.ndim == 1 else lnp.ravel(t)), 0
    return t, normalize_axis(axis, t.ndim, what)


def insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Tensor:
    """``values`` inserted into ``arr`` before the indices ``obj`` along ``axis`` (into the
    flattened ``arr`` when None), as ``numpy.insert``: a new tensor.

    ``obj`` is an int, a slice, a sequence of ints or a boolean mask; a scalar ``obj`` inserts
    all of ``values`` there (``a[:, 0:1] = values`` broadcasting), a sequence one slice per
    index. ``values`` are cast to ``arr``'s dtype (unsafely, as NumPy). ``obj`` fixes the
    result's shape, so a tensor ``obj`` is read (evaluated). Differentiable in ``arr`` and
    ``values``.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[0, 1], [2, 3]])
    >>> lnp.insert(a, 1, 6, axis=1)
    Tensor([[0, 6, 1],
            [2, 6, 3]], device='cpu')
    >>> lnp.insert(lnp.asarray([0.0, 1.0, 2.0]), [2, 2], [7.0, 8.0])
    Tensor([0., 1., 7., 8., 2.], device='cpu')
    """
    device = device_among((arr, values))
    t, axis = _flat_and_axis(arr, axis, "insert", device)
    nd, n = t.ndim, t.shape[axis]
    obj = _host_index(obj, "insert")
    if isinstance(obj, slice):
        indices = np.arange(*obj.indices(n), dtype=np.intp)
    else:
        indices = np.array(obj)
        if indices.dtype == bool:
            if indices.ndim != 1:
                raise LaminaValueError(
                    "insert: boolean array argument obj to insert must be one dimensional")
            indices = np.flatnonzero(indices)
        elif indices.ndim > 1:
            raise LaminaValueError(
                "insert: index array argument obj to insert must be one dimensional or scalar")
    v = _tensor(values, "insert", t.device)
    if v.dtype != t.dtype:
        v = v.astype(t.dtype)
    if indices.size == 1:
        index = indices.item()
        if not isinstance(index, (int, np.integer)):
            raise LaminaTypeError(
                f"insert: slice indices must be integers or None or have an __index__ method "
                f"(got the index {index!r})."
            )
        if index < -n or index > n:
            raise LaminaIndexError(
                f"insert: index {obj} is out of bounds for axis {axis} with size {n}")
        index += n if index < 0 else 0
        if v.ndim < nd:
            v = v.reshape((1,) * (nd - v.ndim) + tuple(v.shape))
        if indices.ndim == 0:  # a[:, i] = ... broadcasts as a[:, i:i + 1] = ... (NumPy)
            v = lnp.moveaxis(v, 0, axis)
        before = t[_along(nd, axis, slice(None, index))]
        after = t[_along(nd, axis, slice(index, None))]
        return lnp.concatenate([before, _broadcast_block(v, t, axis, v.shape[axis]), after],
                               axis)
    if indices.size == 0 and not isinstance(obj, np.ndarray):
        indices = indices.astype(np.intp)
    indices = indices.copy()
    indices[indices < 0] += n
    count = len(indices)
    order = indices.argsort(kind="mergesort")
    indices[order] += np.arange(count)
    old = np.ones(n + count, dtype=bool)
    try:
        old[indices] = False
    except IndexError as exc:
        raise LaminaIndexError(f"insert: {exc}") from None
    layout = np.empty(n + count, dtype=np.intp)
    layout[indices] = n + np.arange(count)
    layout[old] = np.arange(n)
    block = _broadcast_block(v, t, axis, count)
    return lnp.take(lnp.concatenate([t, block], axis), layout, axis=axis)


def _broadcast_block(v: Tensor, t: Tensor, axis: int, count: int) -> Tensor:
    """``v`` broadcast to ``t``'s shape with ``count`` along ``axis``: what ``insert`` writes."""
    shape = list(t.shape)
    shape[axis] = count
    extra = v.ndim - len(shape)
    if extra > 0 and all(d == 1 for d in v.shape[:extra]):
        v = v.reshape(tuple(v.shape[extra:]))  # as NumPy's assignment drops leading 1s
    try:
        ok = np.broadcast_shapes(tuple(v.shape), tuple(shape)) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise LaminaValueError(
            f"insert: shape mismatch: value array of shape {tuple(v.shape)} could not be "
            f"broadcast to indexing result of shape {tuple(shape)}"
        )
    return lnp.broadcast_to(v, tuple(shape))


def delete(arr: Any, obj: Any, axis: Any = None) -> Tensor:
    """``arr`` without the entries ``obj`` along ``axis`` (of the flattened ``arr`` when None),
    as ``numpy.delete``: a new tensor.

    ``obj`` is an int, a slice, a sequence of ints or a boolean mask of the axis' length. It
    fixes the result's shape, so a tensor ``obj`` is read (evaluated). Differentiable in
    ``arr``.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[1, 2, 3, 4], [5, 6, 7, 8]])
    >>> lnp.delete(a, 1, axis=1)
    Tensor([[1, 3, 4],
            [5, 7, 8]], device='cpu')
    >>> lnp.delete(a, [0, 2, 5])
    Tensor([2, 4, 5, 7, 8], device='cpu')
    """
    t, axis = _flat_and_axis(arr, axis, "delete", None)
    n = t.shape[axis]
    shape = [1] * t.ndim
    shape[axis] = n
    obj = _host_index(obj, "delete")
    try:  # NumPy's own rules (and messages) on the positions
        kept = np.delete(np.arange(n).reshape(shape), obj, axis=axis).reshape(-1)
    except IndexError as exc:
        raise LaminaIndexError(f"delete: {exc}") from None
    except ValueError as exc:
        raise LaminaValueError(f"delete: {exc}") from None
    except TypeError as exc:
        raise LaminaTypeError(f"delete: {exc}") from None
    return lnp.take(t, kept, axis=axis)


# -- r_ and c_ ------------------------------------------------------------------------------------

class AxisConcatenator:
    """Index expressions that build a tensor by concatenation, as ``numpy.r_``/``numpy.c_``.

    Each entry of ``r_[...]`` is a tensor or array-like, a scalar, or a slice: ``start:stop:step``
    is ``arange`` and ``start:stop:nj`` (an imaginary step) is ``linspace`` with ``n`` points.
    A first entry that is a string sets the concatenation: ``'0'`` (the axis), ``'0,2'`` (the
    axis and the minimum number of dimensions), ``'0,2,0'`` (and where a lower-dimensional
    entry's axes go), or ``'r'``/``'c'`` (a row or a column: NumPy makes a ``numpy.matrix``,
    lamina a 2-d tensor of the same shape). The dtype is NumPy's promotion of the entries
    (Python scalars weak). Differentiable in every tensor entry.

    >>> import lamina.numpy as lnp
    >>> lnp.r_[lnp.asarray([1.0, 2.0]), 0.0, 5:7]
    Tensor([1., 2., 0., 5., 6.], device='cpu')
    >>> lnp.c_[lnp.asarray([1, 2]), [3, 4]]
    Tensor([[1, 3],
            [2, 4]], device='cpu')
    >>> lnp.r_['0,2', [1, 2], [3, 4]]
    Tensor([[1, 2],
            [3, 4]], device='cpu')
    """

    def __init__(self, axis: int = 0, ndmin: int = 1, trans1d: int = -1, name: str = "r_"):
        self.axis, self.ndmin, self.trans1d, self._name = axis, ndmin, trans1d, name

    def __repr__(self) -> str:
        return f"<lamina index trick lnp.{self._name}>"

    def __len__(self) -> int:
        return 0

    def __getitem__(self, key: Any) -> Tensor:
        what = f"{self._name}[...]"
        if isinstance(key, str):
            raise LaminaTypeError(
                f"{what}: a string of matrix names ('a, b; c, d') builds a numpy.matrix from "
                "the caller's variables; lamina has no matrix type. Write the entries: "
                f"lnp.{self._name}['0,2', a, b]."
            )
        if not isinstance(key, tuple):
            key = (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        matrix = column = False
        device = device_among(key)
        objs, typing = [], []
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k != 0:
                    raise LaminaValueError(f"{what}: special directives must be the first entry.")
                if item in ("r", "c"):
                    matrix, column = True, item == "c"
                    continue
                try:
                    parts = [int(x) for x in item.split(",")]
                except ValueError:
                    raise LaminaValueError(
                        f"{what}: unknown special directive {item!r}; use 'r', 'c', an axis "
                        "'0', or 'axis,ndmin[,trans1d]' such as '0,2'."
                    ) from None
                if len(parts) == 1:
                    axis = parts[0]
                elif len(parts) in (2, 3):
                    axis, ndmin = parts[:2]
                    trans1d = parts[2] if len(parts) == 3 else trans1d
                else:
                    raise LaminaValueError(f"{what}: unknown special directive {item!r}")
                continue
            if isinstance(item, slice):
                obj = _slice_range(item, device)
                if ndmin > 1:
                    obj = _ndmin(obj, ndmin)
                    if trans1d != -1:
                        obj = lnp.swapaxes(obj, -1, trans1d)
                objs.append(obj)
                typing.append(obj.dtype)
            elif type(item) in np.ScalarType and not isinstance(item, (str, bytes, memoryview)):
                objs.append(item)
                typing.append(item)
            else:
                obj = _tensor(item, what, device)
                item_ndim = obj.ndim
                obj = _ndmin(obj, ndmin)
                if trans1d != -1 and item_ndim < ndmin:
                    k2, k1 = ndmin - item_ndim, trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    order = list(range(ndmin))
                    obj = lnp.transpose(obj, order[:k1] + order[k2:] + order[k1:k2])
                objs.append(obj)
                typing.append(obj.dtype)
        if typing:
            dtype = np.result_type(*typing)
            objs = [_ndmin(_tensor(o, what, device), ndmin).astype(dtype) for o in objs]
        result = lnp.concatenate(tuple(objs), axis=axis)
        if matrix:
            if result.ndim > 2:
                raise LaminaValueError(f"{what}: matrix must be 2-dimensional")
            if result.ndim < 2:
                result = result.reshape((1, -1) if result.ndim == 1 else (1, 1))
                if column:
                    result = result.T
        return result


def _ndmin(t: Tensor, ndmin: int) -> Tensor:
    return t if t.ndim >= ndmin else t.reshape((1,) * (ndmin - t.ndim) + tuple(t.shape))


def _slice_range(item: slice, device) -> Tensor:
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, (complex, np.complexfloating)):
        return lnp.linspace(start, item.stop, num=int(abs(step)), device=device)
    return lnp.arange(start, item.stop, step, device=device)


r_ = AxisConcatenator(0, name="r_")
c_ = AxisConcatenator(-1, ndmin=2, trans1d=0, name="c_")


# -- complex helpers: angle, iscomplex, isreal, real_if_close -------------------------------------

def angle(z: Any, deg: bool = False) -> Tensor:
    """The angle of complex ``z`` in ``(-pi, pi]`` (in degrees with ``deg``), as
    ``numpy.angle``: ``arctan2(z.imag, z.real)``, and ``arctan2(0, z)`` for real ``z``.

    Differentiable (for complex ``z`` with JAX's convention, NOTE [complex check_grads]);
    undefined at 0, where NumPy's value follows ``arctan2``'s signed zeros.

    >>> import lamina.numpy as lnp
    >>> lnp.angle(lnp.asarray([1.0, 1j, 1 + 1j]))
    Tensor([0.        , 1.57079633, 0.78539816], device='cpu')
    >>> lnp.angle(lnp.asarray(-1.0), deg=True)
    Tensor(180., device='cpu')
    """
    t = _tensor(z, "angle")
    if t.dtype.kind == "c":
        a = lnp.arctan2(lnp.imag(t), lnp.real(t))
    else:
        a = lnp.arctan2(0, t)
    if deg:
        a = a * (180 / math.pi)
    return a


def iscomplex(x: Any) -> Tensor:
    """True where an element has a non-zero imaginary part, as ``numpy.iscomplex`` (all False
    for a real dtype).

    >>> import lamina.numpy as lnp
    >>> lnp.iscomplex(lnp.asarray([1 + 1j, 1 + 0j, 2j]))
    Tensor([ True, False,  True], device='cpu')
    """
    t = _tensor(x, "iscomplex")
    if t.dtype.kind == "c":
        return lnp.imag(t) != 0
    return lnp.zeros(t.shape, dtype=bool, device=t.device)


def isreal(x: Any) -> Tensor:
    """True where an element has a zero imaginary part (everywhere for a real dtype), as
    ``numpy.isreal``.

    >>> import lamina.numpy as lnp
    >>> lnp.isreal(lnp.asarray([1 + 1j, 1 + 0j, 4.5]))
    Tensor([False,  True,  True], device='cpu')
    """
    return lnp.imag(_tensor(x, "isreal")) == 0


def real_if_close(a: Any, tol: Any = 100) -> Tensor:
    """The real part of complex ``a`` when every imaginary part is below ``tol`` machine
    epsilons (an absolute tolerance when ``tol <= 1``), else ``a``, as ``numpy.real_if_close``.

    The result's dtype depends on the values, so a complex ``a`` is evaluated: under vmap
    (where each batch element could decide differently) and ``lm.compile`` this raises; take
    ``lnp.real`` explicitly there. A real ``a`` is returned as it is.

    >>> import lamina.numpy as lnp
    >>> lnp.real_if_close(lnp.asarray([2.1 + 4e-14j, 5.2 + 3e-15j]), tol=1000)
    Tensor([2.1, 5.2], device='cpu')
    """
    t = _tensor(a, "real_if_close")
    if t.dtype.kind != "c":
        return t
    if tol > 1:
        tol = np.finfo(t.dtype).eps * tol
    if bool(lnp.all(lnp.absolute(lnp.imag(t)) < tol)):
        return lnp.real(t)
    return t


# -- sinc, rollaxis -------------------------------------------------------------------------------

def sinc(x: Any) -> Tensor:
    """The normalized sinc function ``sin(pi x) / (pi x)`` (1 at 0), as ``numpy.sinc``.

    The values are NumPy's. Near 0 (``|pi x| < 0.1``) the derivatives are those of its Taylor
    polynomial (NOTE [sinc near 0]), so every order is accurate there:
    ``grad(grad(sinc))(0.0) == -pi**2 / 3``, where NumPy's formula would give 0 at 0 and lose
    digits to cancellation around it.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> lnp.sinc(lnp.asarray([0.0, 0.5, 1.0])).round(6)
    Tensor([1.     , 0.63662, 0.     ], device='cpu')
    >>> round(float(lm.grad(lm.grad(lnp.sinc))(lm.asarray(0.0))), 12)  # -pi**2 / 3
    -3.289868133696
    """
    t = _tensor(x, "sinc")
    u = math.pi * t
    eps = np.finfo(u.dtype).eps if u.dtype.kind == "f" else 1e-20
    y = lnp.where(u == 0, eps, u)
    exact = lnp.sin(y) / y  # NumPy's formula, for the values
    # NOTE [sinc near 0]: the derivatives of sin(y) / y cancel catastrophically for small y
    # (at y == 0 the where above makes them 0). There the series, to u**8 (its error u**10 /
    # 11! is below float64's resolution for |u| < 0.1), carries the derivatives, and the
    # difference to NumPy's value (a few ulps at most, so exact in floating point) is added as
    # a constant: the value stays NumPy's bit for bit.
    u2 = u * u
    series = 1.0 + u2 * (-1.0 / 6 + u2 * (1.0 / 120 + u2 * (-1.0 / 5040 + u2 / 362880)))
    near = lnp.absolute(u) < 0.1
    from lamina.transforms.stop_gradient import stop_gradient  # noqa: PLC0415

    return lnp.where(near, series + stop_gradient(exact - series), exact)


def rollaxis(a: Any, axis: Any, start: Any = 0) -> Tensor:
    """A view of ``a`` with ``axis`` rolled back to position ``start``, as ``numpy.rollaxis``
    (prefer ``moveaxis``).

    >>> import lamina.numpy as lnp
    >>> lnp.rollaxis(lnp.ones((3, 4, 5, 6)), 3, 1).shape
    (3, 6, 4, 5)
    """
    t = _tensor(a, "rollaxis")
    n = t.ndim
    axis = normalize_axis(axis, n, "rollaxis")
    start = _int(start, "rollaxis", "start")
    given = start
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise AxisError(
            f"rollaxis: 'start' arg requires {-n} <= start < {n + 1}, but {given} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return t[...]
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return lnp.transpose(t, axes)


# -- interpolation, integration -------------------------------------------------------------------

def _scalar_fill(value: Any, dtype, what: str, name: str) -> Any:
    """``interp``'s ``left``/``right``: None, a number, or a 0-d tensor (differentiable)."""
    if value is None:
        return None
    if type(value) is Tensor:
        if value.ndim != 0:
            raise LaminaTypeError(f"{what}: `{name}` must be a number, got shape {value.shape}")
        return value.astype(dtype)
    if np.ndim(value) != 0:
        raise LaminaTypeError(f"{what}: `{name}` must be a real number, not {type(value).__name__}")
    return complex(value) if np.dtype(dtype).kind == "c" else float(value)


def _same_bits(a: Tensor, b: Tensor) -> Tensor:
    return lnp.logical_and(a == b, lnp.signbit(a) == lnp.signbit(b))


def _interp_real(x: Tensor, xp: Tensor, fp: Tensor, left: Any, right: Any) -> Tensor:
    """NumPy's ``compiled_interp`` on float64 tensors, value for value (its knot, end and NaN
    rules), written so the derivative in ``x`` is the slope of the segment ``x`` lies in."""
    n = xp.shape[0]
    first, last = xp[0], xp[n - 1]
    left = fp[0] if left is None else left
    right = fp[n - 1] if right is None else right
    if n == 1:
        return lnp.where(x < first, left, lnp.where(x > first, right, fp[0]))
    j = lnp.clip(lnp.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    x0, x1 = lnp.take(xp, j), lnp.take(xp, j + 1)
    f0, f1 = lnp.take(fp, j), lnp.take(fp, j + 1)
    slope = (f1 - f0) / (x1 - x0)
    r = slope * (x - x0) + f0
    r = lnp.where(lnp.isnan(r), slope * (x - x1) + f1, r)  # NaN one way: try the other
    r = lnp.where(lnp.logical_and(lnp.isnan(r), f0 == f1), f0, r)
    # At a sample point NumPy returns fp exactly: keep the formula (and its slope) where it
    # gives those bits, else the sample itself.
    r = lnp.where(lnp.logical_and(x == x0, ~_same_bits(r, f0)), f0, r)
    r = lnp.where(lnp.logical_and(x == last, ~_same_bits(r, f1)), f1, r)
    r = lnp.where(x < first, left, lnp.where(x > last, right, r))
    return lnp.where(lnp.isnan(x), x, r)


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Tensor:
    """Piecewise-linear interpolation of the points ``(xp, fp)`` at ``x``, as ``numpy.interp``.

    ``xp`` must be increasing (not checked, as NumPy); ``left``/``right`` are the values below
    and above it (``fp[0]``/``fp[-1]`` by default); with ``period`` the coordinates wrap (and
    ``left``/``right`` are ignored). The result is float64 (complex128 for complex ``fp``).
    Differentiable in ``x`` (the slope of the segment it lies in; at a sample point exactly,
    of the segment to its right), ``fp`` and ``xp``.

    >>> import lamina.numpy as lnp
    >>> lnp.interp(lnp.asarray([0.5, 1.5, 5.0]), [0.0, 1.0, 2.0], [0.0, 10.0, 20.0])
    Tensor([ 5., 15., 20.], device='cpu')
    >>> lnp.interp(lnp.asarray([-1.0]), [0.0, 1.0], [0.0, 1.0], left=-5.0)
    Tensor([-5.], device='cpu')
    """
    device = device_among((x, xp, fp))
    fpt = _tensor(fp, "interp", device)
    dtype = np.dtype(np.complex128 if fpt.dtype.kind == "c" else np.float64)
    xt, xpt = (_tensor(v, "interp", fpt.device) for v in (x, xp))
    for t, name in ((xt, "x"), (xpt, "xp")):
        if t.dtype.kind == "c":
            raise LaminaTypeError(
                f"interp: `{name}` must be real: cannot cast {t.dtype} to float64 (only fp "
                "may be complex); pass its real part, lnp.real(...).")
    xt, xpt = xt.astype(np.float64), xpt.astype(np.float64)
    fpt = fpt.astype(dtype)
    if xpt.ndim != 1 or fpt.ndim != 1:
        raise LaminaValueError(
            f"interp: the sample points xp and fp must be 1-D sequences (got shapes "
            f"{xpt.shape} and {fpt.shape})")
    if xpt.shape[0] == 0:
        raise LaminaValueError("interp: array of sample points is empty")
    if xpt.shape[0] != fpt.shape[0]:
        raise LaminaValueError(
            f"interp: fp and xp are not of the same length ({fpt.shape[0]} and "
            f"{xpt.shape[0]})")
    if period is not None:
        period = float(period)
        if period == 0:
            raise LaminaValueError("interp: period must be a non-zero value")
        period = abs(period)
        left = right = None
        xt, xpt = xt % period, xpt % period
        order = lnp.argsort(xpt)
        xpt, fpt = lnp.take(xpt, order), lnp.take(fpt, order)
        xpt = lnp.concatenate((xpt[-1:] - period, xpt, xpt[0:1] + period))
        fpt = lnp.concatenate((fpt[-1:], fpt, fpt[0:1]))
    left = _scalar_fill(left, dtype, "interp", "left")
    right = _scalar_fill(right, dtype, "interp", "right")
    if dtype.kind != "c":
        return _interp_real(xt, xpt, fpt, left, right)

    def part(v, name):  # the real or imaginary part of a fill value
        if v is None:
            return None
        return getattr(lnp, name)(v) if type(v) is Tensor else getattr(v, name)

    re = _interp_real(xt, xpt, lnp.real(fpt), part(left, "real"), part(right, "real"))
    im = _interp_real(xt, xpt, lnp.imag(fpt), part(left, "imag"), part(right, "imag"))
    im = lnp.where(lnp.isnan(xt), 0.0, im)  # NumPy: a NaN x gives NaN + 0j
    return _complex(re, im)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: Any = -1) -> Any:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x``
    (1-d, or shaped as ``y``) or with spacing ``dx``, as ``numpy.trapezoid``.

    Differentiable in ``y``, ``x`` and a tensor ``dx``.

    >>> import lamina.numpy as lnp
    >>> lnp.trapezoid(lnp.asarray([1.0, 2.0, 3.0]))
    Tensor(4., device='cpu')
    >>> lnp.trapezoid(lnp.asarray([1.0, 2.0, 3.0]), x=[0.0, 1.0, 3.0])
    Tensor(6.5, device='cpu')
    """
    device = device_among((y, x, dx))
    yt = _tensor(y, "trapezoid", device)
    nd = yt.ndim
    if nd == 0:
        raise AxisError("trapezoid: y must have at least one dimension (got a 0-d array)")
    ax = normalize_axis(axis, nd, "trapezoid")
    if x is None:
        d = dx
    else:
        xt = _tensor(x, "trapezoid", yt.device)
        if xt.ndim == 1:
            d = diff(xt)
            shape = [1] * nd
            shape[ax] = d.shape[0]
            d = d.reshape(shape)
        else:
            d = diff(xt, axis=ax)
    later, earlier = _along(nd, ax, slice(1, None)), _along(nd, ax, slice(None, -1))
    return lnp.sum(d * (yt[later] + yt[earlier]) / 2.0, axis=ax)


# -- convolution ----------------------------------------------------------------------------------

_MODES = {"valid": "valid", "same": "same", "full": "full", 0: "valid", 1: "same", 2: "full"}


def _conv_operands(a: Any, v: Any, mode: Any, what: str, names: tuple,
                   zero_d: bool = True) -> tuple:
    if isinstance(mode, str):
        if mode not in _MODES:
            raise LaminaValueError(
                f"{what}: mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
        key = mode
    else:
        key = as_index(mode)  # NOTE [integer arguments]: bools and floats are refused
        if key is None:
            raise LaminaTypeError(
                f"{what}: convolve/correlate mode not understood (got {mode!r}); use 'valid', "
                "'same' or 'full'")
        if key not in _MODES:
            raise LaminaValueError(
                f"{what}: integer convolve/correlate mode must be 0, 1, or 2 (got {mode!r})")
    device = device_among((a, v))
    at, vt = _tensor(a, what, device), _tensor(v, what, device)
    for t, name in zip((at, vt), names, strict=True):
        if t.ndim == 0 and not zero_d:
            raise LaminaValueError(
                f"{what}: the inputs must be 1-d (object of too small depth for desired "
                f"array); {name} is 0-d: use lnp.atleast_1d.")
        if t.ndim > 1:
            raise LaminaValueError(
                f"{what}: the inputs must be 1-d (object too deep for desired array); "
                f"{name} has shape {t.shape}")
        if t.size == 0:
            raise LaminaValueError(f"{what}: {name} cannot be empty")
    dtype = np.result_type(at.dtype, vt.dtype)
    at, vt = (lnp.atleast_1d(t).astype(dtype, copy=False) for t in (at, vt))
    return at, vt, _MODES[key]


def _conv_mode(full: Tensor, n: int, m: int, mode: str, same_start: int) -> Tensor:
    if mode == "full":
        return full
    big, small = max(n, m), min(n, m)
    if mode == "valid":
        return full[small - 1:big]
    return full[same_start:same_start + big]


def convolve(a: Any, v: Any, mode: Any = "full") -> Tensor:
    """The discrete linear convolution of 1-d ``a`` and ``v``, as ``numpy.convolve``.

    ``mode``: ``'full'`` (length ``n + m - 1``), ``'same'`` (``max(n, m)``, centered) or
    ``'valid'`` (``max(n, m) - min(n, m) + 1``). Runs the device's convolution kernel (O(n m)
    work, O(n + m) memory); differentiable in both inputs, to any order, and batchable.

    >>> import lamina.numpy as lnp
    >>> lnp.convolve(lnp.asarray([1.0, 2.0, 3.0]), [0.0, 1.0, 0.5])
    Tensor([0. , 1. , 2.5, 4. , 1.5], device='cpu')
    >>> lnp.convolve(lnp.asarray([1.0, 2.0, 3.0]), [0.0, 1.0, 0.5], "same")
    Tensor([1. , 2.5, 4. ], device='cpu')
    """
    at, vt, mode = _conv_operands(a, v, mode, "convolve", ("a", "v"))
    n, m = at.shape[0], vt.shape[0]
    full = handle(conv_full(at._lamina_read(), vt._lamina_read()))
    return _conv_mode(full, n, m, mode, (min(n, m) - 1) // 2)


def correlate(a: Any, v: Any, mode: Any = "valid") -> Tensor:
    """The cross-correlation of 1-d ``a`` and ``v``: ``c[k] = sum_n a[n + k] * conj(v[n])``,
    as ``numpy.correlate`` (``mode`` as in ``convolve``; the default is ``'valid'``).

    Complex ``v`` is conjugated, as NumPy does (``convolve`` does not). Differentiable in both
    inputs, to any order, and batchable.

    >>> import lamina.numpy as lnp
    >>> lnp.correlate(lnp.asarray([1.0, 2.0, 3.0]), [0.0, 1.0, 0.5])
    Tensor([3.5], device='cpu')
    >>> lnp.correlate(lnp.asarray([1 + 1j, 2.0]), [1j, 1.0], "full")
    Tensor([1.+1.j, 3.-1.j, 0.-2.j], device='cpu')
    """
    at, vt, mode = _conv_operands(a, v, mode, "correlate", ("first array argument",
                                                            "second array argument"), False)
    n, m = at.shape[0], vt.shape[0]
    if vt.dtype.kind == "c":
        vt = lnp.conjugate(vt)
    full = handle(conv_full(at._lamina_read(), vt[::-1]._lamina_read()))
    return _conv_mode(full, n, m, mode, (m - 1) // 2 if n >= m else n // 2)


# -- statistics: cov, corrcoef --------------------------------------------------------------------

def _ndmin2(t: Tensor) -> Tensor:
    return _ndmin(t, 2)


def _weights(w: Any, name: str, n: int, device, frequency: bool) -> tuple[Tensor, Any]:
    """(the weights as a float64 tensor, their NumPy array or None for a tensor). NumPy's
    checks run on NumPy arrays and lists; a tensor's values are not read (that would evaluate
    it, and make vmap over weights impossible): only its shape is checked."""
    if type(w) is Tensor:
        host, shape = None, w.shape
    else:
        host = np.asarray(w, dtype=float)
        shape = host.shape
        if frequency and not np.all(host == np.around(host)):
            raise LaminaTypeError("cov: fweights must be integer")
    if len(shape) > 1:
        raise LaminaRuntimeError(f"cov: cannot handle multidimensional {name}")
    if shape[0] != n:
        raise LaminaRuntimeError(
            f"cov: incompatible numbers of samples and {name} ({n} samples, {shape[0]} "
            "weights)")
    if host is not None and np.any(host < 0):
        raise LaminaValueError(f"cov: {name} cannot be negative")
    tensor = w if host is None else lnp.asarray(host, device=device)
    return tensor.astype(np.float64, copy=False), host


def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``m`` (columns with
    ``rowvar=False``), joined by those of ``y``, as ``numpy.cov``.

    ``bias``/``ddof`` set the normalization (``N - 1`` by default); ``fweights`` (integer
    frequencies) and ``aweights`` weigh the observations. Weights given as NumPy arrays or
    lists are checked as NumPy checks them (integer, non-negative); tensor weights are not read
    (only their shapes are checked), so they can be differentiated and batched, and a
    non-positive normalization is then replaced by 0 without NumPy's warning. Differentiable in
    ``m``, ``y`` and tensor weights.

    >>> import lamina.numpy as lnp
    >>> lnp.cov(lnp.asarray([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    Tensor([[ 1., -1.],
            [-1.,  1.]], device='cpu')
    """
    if ddof is not None and ddof != int(ddof):
        raise LaminaValueError(f"cov: ddof must be integer (got {ddof!r})")
    device = device_among((m, y, fweights, aweights))
    mt = _tensor(m, "cov", device)
    if mt.ndim > 2:
        raise LaminaValueError(f"cov: m has more than 2 dimensions (shape {mt.shape})")
    yt = None
    if y is not None:
        yt = _tensor(y, "cov", mt.device)
        if yt.ndim > 2:
            raise LaminaValueError(f"cov: y has more than 2 dimensions (shape {yt.shape})")
    if dtype is None:
        dtype = np.result_type(mt.dtype, np.float64) if yt is None else \
            np.result_type(mt.dtype, yt.dtype, np.float64)
    X = _ndmin2(mt).astype(dtype)
    if not rowvar and mt.ndim != 1:
        X = X.T
    if X.shape[0] == 0:
        return lnp.zeros((0, 0), device=mt.device)
    if yt is not None:
        Y = _ndmin2(yt).astype(dtype)
        if not rowvar and Y.shape[0] != 1:
            Y = Y.T
        X = lnp.concatenate((X, Y), axis=0)
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    ddof = int(ddof)
    n = X.shape[1]
    w = w_host = aw = aw_host = None
    if fweights is not None:
        w, w_host = _weights(fweights, "fweights", n, mt.device, True)
    host_known = fweights is None or w_host is not None
    if aweights is not None:
        aw, aw_host = _weights(aweights, "aweights", n, mt.device, False)
        host_known = host_known and aw_host is not None
        if w is None:
            w, w_host = aw, aw_host
        else:
            w = w * aw
            w_host = None if w_host is None or aw_host is None else w_host * aw_host
    avg, w_sum = lnp.average(X, axis=1, weights=w, returned=True)
    if w is None:
        fact = n - ddof
    elif host_known:  # NumPy's arithmetic on the host: its warning, its value
        total = w_host.sum()
        if ddof == 0:
            fact = total
        elif aweights is None:
            fact = total - ddof
        else:
            fact = total - ddof * sum(w_host * aw_host) / total
    else:
        total = w_sum[0]
        if ddof == 0:
            fact = total
        elif aweights is None:
            fact = total - ddof
        else:
            fact = total - ddof * lnp.sum(w * aw) / total
    if type(fact) is Tensor:
        fact = lnp.where(fact <= 0, 0.0, fact)
    elif fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = (X - avg[:, None]).astype(X.dtype, copy=False)
    X_T = X.T if w is None else (X * w).T
    c = lnp.dot(X, lnp.conjugate(X_T) if X_T.dtype.kind == "c" else X_T)
    if type(fact) is Tensor:
        c = (c * (1.0 / fact)).astype(c.dtype, copy=False)
    else:
        with np.errstate(divide="warn"):
            c = c * float(np.true_divide(1, fact))
    return lnp.squeeze(c)


def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``x`` (and ``y``),
    as ``numpy.corrcoef``: ``cov`` normalized by the standard deviations, clipped to
    ``[-1, 1]`` (real and imaginary parts separately).

    >>> import lamina.numpy as lnp
    >>> lnp.corrcoef(lnp.asarray([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]])).round(4)
    Tensor([[ 1.   , -0.982],
            [-0.982,  1.   ]], device='cpu')
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim != 2:  # one variable: NaN for a non-finite or zero variance, else 1
        return c / c
    d = lnp.diagonal(c)
    stddev = lnp.sqrt(lnp.real(d))
    c = (c / stddev[:, None]).astype(c.dtype, copy=False)
    c = (c / stddev[None, :]).astype(c.dtype, copy=False)
    re = lnp.clip(lnp.real(c), -1, 1)
    if c.dtype.kind != "c":
        return re
    return _complex(re, lnp.clip(lnp.imag(c), -1, 1))


# -- polynomials ----------------------------------------------------------------------------------

def polyval(p: Any, x: Any) -> Tensor:
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's
    rule, as ``numpy.polyval``; ``p`` is a sequence (of numbers or tensors) or a tensor.

    Differentiable in ``p`` and ``x``.

    >>> import lamina.numpy as lnp
    >>> lnp.polyval([3.0, 0.0, 1.0], lnp.asarray([1.0, 2.0]))
    Tensor([ 4., 13.], device='cpu')
    """
    device = device_among((p, x))
    pt = _tensor(p, "polyval", device)
    if pt.ndim == 0:
        raise LaminaTypeError(
            "polyval: iteration over a 0-d array: p must be a sequence of coefficients, "
            "highest power first (e.g. [p]).")
    xt = _tensor(x, "polyval", pt.device)
    y = lnp.zeros_like(xt)
    for i in range(pt.shape[0]):
        y = y * xt + pt[i]
    return y


def vander(x: Any, N: Any = None, increasing: bool = False) -> Tensor:  # noqa: N803 - NumPy's
    """The Vandermonde matrix of 1-d ``x``: columns ``x**(N-1), ..., x, 1`` (the other way
    round with ``increasing``), as ``numpy.vander``; powers by repeated products, as NumPy
    computes them, in ``promote_types(x.dtype, int)``.

    Differentiable in ``x``.

    >>> import lamina.numpy as lnp
    >>> lnp.vander(lnp.asarray([1, 2, 3]), 3)
    Tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]], device='cpu')
    """
    t = _tensor(x, "vander")
    if t.ndim != 1:
        raise LaminaValueError(
            f"vander: x must be a one-dimensional array or sequence (got shape {t.shape})")
    count = t.shape[0] if N is None else _int(N, "vander", "N")
    if count < 0:
        raise LaminaValueError(f"vander: negative dimensions are not allowed (N={count})")
    dtype = np.promote_types(t.dtype, np.int_)
    t = t.astype(dtype, copy=False)
    columns = [lnp.ones((t.shape[0], min(count, 1)), dtype=dtype, device=t.device)]
    if count > 1:
        columns.append(lnp.cumprod(lnp.broadcast_to(t[:, None], (t.shape[0], count - 1)),
                                   axis=1))
    v = lnp.concatenate(columns, axis=1)
    return v if increasing else v[:, ::-1]
