"""Array manipulation functions of ``lamina.numpy``: stacking, rolling, tiling, padding, taking.

Views where NumPy returns views: ``atleast_1d/2d/3d`` (the input itself, or a reshape view),
``rot90`` (flips and a transpose of the input) and ``diag`` of a 2-D input (a read-only view,
as ``diagonal``). Everything else returns a new tensor. The value-level composites live in
``lamina.ops.manipulation``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.errors import LaminaOverflowError, LaminaTypeError, LaminaValueError
from lamina.numpy._handles import check_out, handle, value_of, values_of, write_out
from lamina.numpy._shape import (
    _tensor,
    broadcast_to,
    check_sequence,
    concatenate,
    diagonal,
    flip,
    transpose,
)
from lamina.ops import elementwise as ew
from lamina.ops import manipulation as mp
from lamina.ops import shape as sh
from lamina.ops.common import as_index, is_scalar, normalize_axis, prod
from lamina.wrappers.tensor import Tensor

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "vstack", "hstack", "dstack", "column_stack",
    "roll", "rot90", "tile", "repeat", "pad", "trace", "tril", "triu", "take",
    "take_along_axis", "put_along_axis", "diag", "diagflat",
]


def _int(x: Any, what: str, name: str) -> int:
    """A static integer argument (Python/NumPy int or 0-d integer tensor: NOTE [integer
    arguments] in lamina/ops/common.py)."""
    index = as_index(x)
    if index is None:
        raise LaminaTypeError(
            f"{what}: `{name}` must be an integer, got {type(x).__name__} ({x!r})"
        )
    return index


def _ints(x: Any, what: str, name: str) -> tuple[int, ...]:
    if not isinstance(x, (list, tuple, np.ndarray, Tensor)) or np.ndim(x) == 0:
        return (_int(x, what, name),)
    return tuple(_int(e, what, name) for e in x)


# -- atleast_1d/2d/3d: the input itself or a reshape view ------------------------------------------

def _atleast(arys: tuple, ndim: int, what: str):
    out = []
    for a in arys:
        t = _tensor(a, what)
        shape = t.shape
        if len(shape) >= ndim:
            out.append(t)
            continue
        if ndim == 3 and len(shape) == 1:
            new = (1, shape[0], 1)
        elif ndim == 3 and len(shape) == 2:
            new = shape + (1,)
        else:
            new = (1,) * (ndim - len(shape)) + shape
        out.append(t.reshape(new))
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: Any):
    """Inputs as tensors of at least one dimension (0-d become shape ``(1,)`` views).

    >>> import lamina.numpy as lnp
    >>> lnp.atleast_1d(3.0)
    Tensor([3.], device='cpu')
    """
    return _atleast(arys, 1, "atleast_1d")


def atleast_2d(*arys: Any):
    """Inputs as tensors of at least two dimensions (``(n,)`` becomes a ``(1, n)`` view).

    >>> import lamina.numpy as lnp
    >>> lnp.atleast_2d(lnp.asarray([1.0, 2.0]))
    Tensor([[1., 2.]], device='cpu')
    """
    return _atleast(arys, 2, "atleast_2d")


def atleast_3d(*arys: Any):
    """Inputs with at least three dimensions: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` ->
    ``(m, n, 1)``.

    >>> import lamina.numpy as lnp
    >>> lnp.atleast_3d(lnp.asarray([1.0, 2.0])).shape, lnp.atleast_3d(lnp.zeros((2, 3))).shape
    ((1, 2, 1), (2, 3, 1))
    """
    return _atleast(arys, 3, "atleast_3d")


# -- stacking --------------------------------------------------------------------------------------

def _values(tup: Any, what: str) -> list:
    # NumPy takes any object with items: lists, tuples, ranges, arrays (a 2-D array is a
    # sequence of rows); not generators or sets (check_sequence).
    return values_of(check_sequence(tup, what), what)


def _lift(v: Any, ndim: int) -> Any:
    shape = v.shape
    if len(shape) >= ndim:
        return v
    if ndim == 3 and len(shape) == 1:
        return sh.reshape_value(v, (1, shape[0], 1))
    if ndim == 3 and len(shape) == 2:
        return sh.reshape_value(v, shape + (1,))
    return sh.reshape_value(v, (1,) * (ndim - len(shape)) + shape)


def vstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Tensor:
    """Stack tensors row-wise (along axis 0, after ``atleast_2d``).

    >>> import lamina.numpy as lnp
    >>> lnp.vstack([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    values = [_lift(v, 2) for v in _values(tup, "vstack")]
    return concatenate(values, 0, dtype=dtype, casting=casting)


def hstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Tensor:
    """Stack tensors column-wise (axis 1; axis 0 for 1-D inputs).

    >>> import lamina.numpy as lnp
    >>> lnp.hstack([lnp.asarray([1, 2]), lnp.asarray([3])])
    Tensor([1, 2, 3], device='cpu')
    >>> lnp.hstack([lnp.zeros((2, 1)), lnp.ones((2, 2))]).shape
    (2, 3)
    """
    values = [_lift(v, 1) for v in _values(tup, "hstack")]
    axis = 0 if values and len(values[0].shape) == 1 else 1
    return concatenate(values, axis, dtype=dtype, casting=casting)


def dstack(tup: Any) -> Tensor:
    """Stack tensors depth-wise (along axis 2, after ``atleast_3d``).

    >>> import lamina.numpy as lnp
    >>> lnp.dstack([lnp.asarray([1, 2]), lnp.asarray([3, 4])])
    Tensor([[[1, 3],
             [2, 4]]], device='cpu')
    """
    values = [_lift(v, 3) for v in _values(tup, "dstack")]
    return concatenate(values, 2)


def column_stack(tup: Any) -> Tensor:
    """Stack 1-D tensors as the columns of a 2-D tensor (2-D inputs are stacked as they are).

    >>> import lamina.numpy as lnp
    >>> lnp.column_stack([lnp.asarray([1, 2]), lnp.asarray([3, 4])])
    Tensor([[1, 3],
            [2, 4]], device='cpu')
    """
    values = []
    for v in _values(tup, "column_stack"):
        if len(v.shape) < 2:
            v = sh.reshape_value(v, (prod(v.shape), 1))
        values.append(v)
    return concatenate(values, 1)


# -- roll, rot90, tile, repeat ---------------------------------------------------------------------

def roll(a: Any, shift: Any, axis: Any = None) -> Tensor:
    """Elements rolled along ``axis`` (the flattened tensor when None); those off the end wrap.

    >>> import lamina.numpy as lnp
    >>> lnp.roll(lnp.arange(5), 2)
    Tensor([3, 4, 0, 1, 2], device='cpu')
    """
    x = value_of(a, "roll")
    shifts = _ints(shift, "roll", "shift") if not isinstance(shift, (list, tuple)) or all(
        not isinstance(s, (list, tuple)) for s in shift) else None
    if shifts is None:
        raise LaminaValueError("roll: 'shift' and 'axis' should be scalars or 1D sequences")
    if axis is None:
        flat = sh.reshape_value(x, (prod(x.shape),))
        return handle(sh.reshape_value(mp.roll_value(flat, (sum(shifts),), (0,)), x.shape))
    axes = _ints(axis, "roll", "axis")
    try:
        pairs = np.broadcast(np.array(shifts), np.array(axes))
    except ValueError as exc:
        raise LaminaValueError(f"roll: {exc}") from None
    total: dict[int, int] = {}
    for s, ax in pairs:
        ax = normalize_axis(int(ax), len(x.shape), "roll")
        total[ax] = total.get(ax, 0) + int(s)
    return handle(mp.roll_value(x, tuple(total.values()), tuple(total)))


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Tensor:
    """``m`` rotated by 90 degrees ``k`` times, from the first axis towards the second; a view.

    >>> import lamina.numpy as lnp
    >>> lnp.rot90(lnp.asarray([[1, 2], [3, 4]]))
    Tensor([[2, 4],
            [1, 3]], device='cpu')
    """
    t = _tensor(m, "rot90")
    axes = tuple(axes)
    if len(axes) != 2:
        raise LaminaValueError("rot90: len(axes) must be 2.")
    n = t.ndim
    a0, a1 = (_int(ax, "rot90", "axes") for ax in axes)
    if a0 == a1 or abs(a0 - a1) == n:
        raise LaminaValueError("rot90: Axes must be different.")
    if not (-n <= a0 < n and -n <= a1 < n):
        raise LaminaValueError(f"rot90: Axes={axes} out of range for array of ndim={n}.")
    k = _int(k, "rot90", "k") % 4
    if k == 0:
        return t[...]
    if k == 2:
        return flip(flip(t, a0), a1)
    perm = list(range(n))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(t, a1), perm)
    return flip(transpose(t, perm), a1)


def tile(A: Any, reps: Any) -> Tensor:  # noqa: N803 - NumPy's name
    """``A`` repeated ``reps`` times along each axis (``reps`` an int or a tuple).

    >>> import lamina.numpy as lnp
    >>> lnp.tile(lnp.asarray([1, 2]), 2)
    Tensor([1, 2, 1, 2], device='cpu')
    """
    x = value_of(A, "tile")
    reps = _ints(reps, "tile", "reps")
    if any(r < 0 for r in reps):
        raise LaminaValueError(f"tile: negative dimensions are not allowed (reps={reps})")
    return handle(mp.tile_value(x, reps))


def _repeat_counts(repeats: Any) -> np.ndarray:
    """``repeats`` as a 1-D intp array, by NumPy's rule: an array (or tensor) of counts must
    cast safely to intp (a float array is refused); anything else (a Python or NumPy scalar, a
    list) is converted element by element with ``int()``, so ``2.0`` and ``2.5`` both count 2."""
    if type(repeats) is Tensor or isinstance(repeats, np.ndarray):
        counts = repeats.numpy() if type(repeats) is Tensor else repeats
        if not np.can_cast(counts.dtype, np.intp, "safe"):
            raise LaminaTypeError(
                f"repeat: cannot cast `repeats` of dtype {counts.dtype} to {np.dtype(np.intp)} "
                "safely (NumPy refuses an array of counts that is not integer); convert with "
                ".astype(int)."
            )
    else:
        try:
            counts = np.array(repeats, dtype=np.intp)
        except (TypeError, ValueError, OverflowError) as exc:
            cls = (LaminaOverflowError if isinstance(exc, OverflowError)
                   else LaminaTypeError if isinstance(exc, TypeError) else LaminaValueError)
            raise cls(
                f"repeat: `repeats` must be an int or a 1-D sequence of ints, got {repeats!r} "
                f"({exc})."
            ) from None
    if counts.ndim > 1:
        raise LaminaValueError(
            f"repeat: `repeats` must be an int or a 1-D sequence, got shape {counts.shape}"
        )
    return counts.reshape(-1).astype(np.intp)


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times (an int, or one count per element).

    A tensor of counts is read (it fixes the output's shape: an evaluation point).

    >>> import lamina.numpy as lnp
    >>> lnp.repeat(lnp.asarray([1, 2]), [1, 3])
    Tensor([1, 2, 2, 2], device='cpu')
    """
    x = value_of(a, "repeat")
    if axis is None:
        x = sh.reshape_value(x, (prod(x.shape),))
        ax = 0
    else:
        x = sh.zero_d_as_1d(x)  # NOTE [0-d as 1-d] in lamina/ops/shape.py
        ax = normalize_axis(axis, len(x.shape), "repeat")
    counts = _repeat_counts(repeats)
    if (counts < 0).any():
        raise LaminaValueError("repeat: repeats may not contain negative values.")
    n = x.shape[ax]
    if counts.size != 1 and counts.size != n:
        raise LaminaValueError(
            f"repeat: operands could not be broadcast together with shape ({n},) "
            f"({counts.size},): give one count, or one per element along the axis."
        )
    return handle(mp.repeat_value(x, tuple(int(c) for c in counts), ax))


# -- pad -------------------------------------------------------------------------------------------

_PAD_KWARGS = {
    "constant": {"constant_values"}, "empty": set(), "edge": set(),
    "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}, "wrap": set(),
}


def _as_pairs(x: Any, ndim: int, what: str, as_index: bool) -> np.ndarray:
    """NumPy's ``(before, after)`` pairs per axis from a scalar, a pair or per-axis pairs."""
    x = np.asarray(x)
    if x.ndim < 3:
        if x.size == 1:
            return np.broadcast_to(x.reshape(()), (ndim, 2))
        if x.size == 2 and x.shape != (2, 1):
            return np.broadcast_to(x.ravel(), (ndim, 2))
    try:
        return np.broadcast_to(x, (ndim, 2))
    except ValueError:
        raise LaminaValueError(
            f"pad: {what} of shape {x.shape} cannot be broadcast to ({ndim}, 2): give one "
            "value, one (before, after) pair, or one pair per axis."
        ) from None


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Tensor:
    """``array`` padded with ``pad_width`` elements before and after each axis.

    ``mode`` is one of ``'constant'`` (``constant_values``, default 0), ``'edge'``,
    ``'reflect'``, ``'symmetric'``, ``'wrap'`` or ``'empty'`` (zeros here).

    >>> import lamina.numpy as lnp
    >>> lnp.pad(lnp.asarray([1.0, 2.0]), (1, 2), mode="edge")
    Tensor([1., 1., 2., 2., 2.], device='cpu')
    """
    x = value_of(array, "pad")
    ndim = len(x.shape)
    if not isinstance(mode, str):
        raise LaminaTypeError(
            f"pad: mode must be a string (callable modes are not supported), got {mode!r}"
        )
    if mode not in _PAD_KWARGS:
        extra = (" (lamina supports 'constant', 'edge', 'reflect', 'symmetric', 'wrap' and "
                 "'empty')" if mode in ("linear_ramp", "maximum", "mean", "median", "minimum")
                 else "")
        raise LaminaValueError(f"pad: mode '{mode}' is not supported{extra}")
    unsupported = set(kwargs) - _PAD_KWARGS[mode]
    if unsupported:
        raise LaminaValueError(
            f"pad: unsupported keyword arguments for mode '{mode}': {unsupported}"
        )
    if kwargs.get("reflect_type", "even") != "even":
        raise LaminaValueError(
            f"pad: reflect_type={kwargs['reflect_type']!r} is not supported by lamina; only "
            "'even' (the default)."
        )
    if isinstance(pad_width, dict):
        widths = np.zeros((ndim, 2), dtype=np.int64)
        for ax, w in pad_width.items():
            widths[normalize_axis(ax, ndim, "pad")] = _as_pairs(w, 1, "pad_width", True)[0]
    else:
        raw = np.asarray(pad_width)
        if raw.dtype.kind not in "iu":
            raise LaminaTypeError("pad: `pad_width` must be of integral type.")
        widths = _as_pairs(raw, ndim, "pad_width", True)
    if widths.size and widths.min() < 0:
        raise LaminaValueError("pad: index can't contain negative values")
    widths = tuple((int(b), int(e)) for b, e in widths)
    if mode not in ("constant", "empty"):
        for ax, (b, e) in enumerate(widths):
            if x.shape[ax] == 0 and (b or e):
                raise LaminaValueError(
                    f"pad: can't extend empty axis {ax} using modes other than 'constant' or "
                    "'empty'"
                )
        return handle(mp.pad_value(x, widths, mode))
    fills = kwargs.get("constant_values", 0)
    if type(fills) is Tensor:
        return _pad_with_tensor(handle(x), widths, fills)
    fills = tuple(tuple(p.tolist()) for p in _as_pairs(fills, ndim, "constant_values", False))
    return handle(mp.pad_value(x, widths, "constant", fills))


def _pad_with_tensor(x: Tensor, widths: tuple, fills: Tensor) -> Tensor:
    """``pad`` in constant mode with the fill values in a tensor (NOTE [tensor fill values] in
    lamina/numpy/_creation.py): a tracked one keeps its derivative and its batch, where the
    pad kernel takes its fills as static numbers. The axes are padded one after the other by
    concatenation, so the corners take the later axis's value, as NumPy's pad fills them."""
    ndim = x.ndim
    fills = fills.astype(x.dtype) if fills.dtype != x.dtype else fills
    if fills.ndim < 3 and fills.size == 1:
        pairs = broadcast_to(fills.reshape(()), (ndim, 2))
    elif fills.ndim < 3 and fills.size == 2 and fills.shape != (2, 1):
        pairs = broadcast_to(fills.reshape(-1), (ndim, 2))
    else:
        try:
            pairs = broadcast_to(fills, (ndim, 2))
        except ValueError:
            raise LaminaValueError(
                f"pad: constant_values of shape {fills.shape} cannot be broadcast to ({ndim}, 2): "
                "give one value, one (before, after) pair, or one pair per axis."
            ) from None
    for ax, (before, after) in enumerate(widths):
        parts = []
        for side, width in ((0, before), (1, after)):
            if width:
                shape = x.shape[:ax] + (width,) + x.shape[ax + 1:]
                parts.append((side, broadcast_to(pairs[ax, side], shape)))
        if parts:
            pieces = [p for s, p in parts if s == 0] + [x] + [p for s, p in parts if s == 1]
            x = concatenate(pieces, axis=ax)
    return x


# -- trace, tril, triu, diag -----------------------------------------------------------------------

def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> Tensor:
    """The sum along a diagonal (NumPy's ``sum`` dtype rules: small ints sum as int64).

    >>> import lamina.numpy as lnp
    >>> lnp.trace(lnp.asarray([[1.0, 2.0], [3.0, 4.0]])).item()
    5.0
    """
    from lamina.numpy import sum as _sum  # noqa: PLC0415 - reductions import after this module

    d = diagonal(a, _int(offset, "trace", "offset"), axis1, axis2)
    return _sum(d, axis=-1, dtype=dtype, out=out)


def _triangle(m: Any, k: Any, what: str, value_fn) -> Tensor:
    x = value_of(m, what)
    if len(x.shape) == 0:
        raise LaminaTypeError(
            f"{what}: the input must have at least one dimension (got a 0-d tensor)"
        )
    return handle(value_fn(x, _int(k, what, "k")))


def tril(m: Any, k: int = 0) -> Tensor:
    """The lower triangle of ``m`` (of each matrix in a stack): zeros above diagonal ``k``.

    >>> import lamina.numpy as lnp
    >>> lnp.tril(lnp.ones((2, 2)))
    Tensor([[1., 0.],
            [1., 1.]], device='cpu')
    """
    return _triangle(m, k, "tril", mp.tril_value)


def triu(m: Any, k: int = 0) -> Tensor:
    """The upper triangle of ``m`` (of each matrix in a stack): zeros below diagonal ``k``.

    >>> import lamina.numpy as lnp
    >>> lnp.triu(lnp.ones((2, 2)))
    Tensor([[1., 1.],
            [0., 1.]], device='cpu')
    >>> lnp.triu(lnp.ones((2, 3)), k=1)
    Tensor([[0., 1., 1.],
            [0., 0., 1.]], device='cpu')
    """
    return _triangle(m, k, "triu", mp.triu_value)


def diag(v: Any, k: int = 0) -> Tensor:
    """A 2-D tensor with the 1-D ``v`` on diagonal ``k`` (a copy), or the ``k``-th diagonal
    of a 2-D ``v`` (a read-only view, as NumPy's).

    >>> import lamina.numpy as lnp
    >>> lnp.diag(lnp.asarray([1, 2]))
    Tensor([[1, 0],
            [0, 2]], device='cpu')
    """
    t = _tensor(v, "diag")
    k = _int(k, "diag", "k")
    if t.ndim == 1:
        return handle(mp.diag_value(t._lamina_read(), k))
    if t.ndim == 2:
        return diagonal(t, k)
    raise LaminaValueError(f"diag: Input must be 1- or 2-d. (got shape {t.shape})")


def diagflat(v: Any, k: int = 0) -> Tensor:
    """A 2-D tensor with the flattened ``v`` on diagonal ``k``.

    >>> import lamina.numpy as lnp
    >>> lnp.diagflat(lnp.asarray([[1, 2]]))
    Tensor([[1, 0],
            [0, 2]], device='cpu')
    """
    x = value_of(v, "diagflat")
    return handle(mp.diag_value(sh.reshape_value(x, (prod(x.shape),)), _int(k, "diagflat", "k")))


# -- take, take_along_axis, put_along_axis ---------------------------------------------------------

_MODES = ("raise", "wrap", "clip")


def _check_in_bounds(idx: Any, n: int, axis: int) -> None:
    data = getattr(idx, "data", None)
    if data is None or not idx.size:
        return  # pending indices are checked by the kernel when the graph runs
    lo, hi = int(data.min()), int(data.max())
    if lo < -n or hi >= n:
        from lamina.errors import LaminaIndexError  # noqa: PLC0415

        bad = hi if hi >= n else lo
        raise LaminaIndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")


def take(a: Any, indices: Any, axis: int | None = None, out: Any = None,
         mode: str = "raise") -> Tensor:
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` when None).

    >>> import lamina.numpy as lnp
    >>> lnp.take(lnp.asarray([[1, 2], [3, 4]]), [1, 0], axis=1)
    Tensor([[2, 1],
            [4, 3]], device='cpu')
    """
    from lamina.errors import LaminaIndexError  # noqa: PLC0415

    x = value_of(a, "take")
    if axis is None:
        x = sh.reshape_value(x, (prod(x.shape),))
        ax = 0
    else:
        x = sh.zero_d_as_1d(x)  # NOTE [0-d as 1-d] in lamina/ops/shape.py
        ax = normalize_axis(axis, len(x.shape), "take")
    if mode not in _MODES:
        raise LaminaValueError(
            f"take: clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})"
        )
    n = x.shape[ax]
    # One index NumPy takes as an integer (NOTE [integer arguments]); a tensor stays a value
    # (it may be batched or tracked: the gather takes it as an index array).
    i = None if type(indices) is Tensor else as_index(indices)
    if i is not None:
        if n == 0:
            raise LaminaIndexError("take: cannot do a non-empty take from an empty axes.")
        if mode == "wrap":
            i %= n
        elif mode == "clip":
            i = min(max(i, 0), n - 1)
        elif not -n <= i < n:
            raise LaminaIndexError(f"index {i} is out of bounds for axis {ax} with size {n}")
        result = mp.take_value(x, i, ax)
    else:
        idx = value_of(indices, "take", x.device)
        if idx.dtype == np.bool_:  # NumPy casts booleans to indices 0 and 1 here
            idx = ew.astype_value(idx, np.intp)
        mp.check_index_dtype(idx, "take", LaminaTypeError)
        if idx.size and n == 0:
            raise LaminaIndexError("take: cannot do a non-empty take from an empty axes.")
        if mode == "raise":
            _check_in_bounds(idx, n, ax)
        elif mode == "wrap" and idx.size:
            idx = ew.apply_ufunc(ew.remainder_p, idx, n)
        elif mode == "clip" and idx.size:
            idx = ew.apply_ufunc(ew.minimum_p, ew.apply_ufunc(ew.maximum_p, idx, 0), n - 1)
        result = mp.take_value(x, idx, ax)
    out_t = check_out(out, "take")
    if out_t is not None:
        return write_out(out_t, result, "take")
    return handle(result)


def _along_axis(arr: Any, indices: Any, axis: Any, what: str):
    x = value_of(arr, what)
    idx = value_of(indices, what, x.device)
    mp.check_index_dtype(idx, what)
    if axis is None:
        if len(idx.shape) != 1:
            raise LaminaValueError(
                f"{what}: when axis=None, `indices` must have a single dimension."
            )
        return sh.reshape_value(x, (prod(x.shape),)), idx, 0
    ax = normalize_axis(axis, len(x.shape), what)
    if len(idx.shape) != len(x.shape):
        raise LaminaValueError(
            f"{what}: `indices` and `arr` must have the same number of dimensions (got "
            f"{len(idx.shape)} and {len(x.shape)})"
        )
    try:
        np.broadcast_shapes(tuple(1 if d == ax else s for d, s in enumerate(x.shape)),
                            idx.shape)
    except ValueError:
        raise LaminaValueError(
            f"{what}: shape mismatch: `indices` of shape {idx.shape} does not broadcast "
            f"against `arr` of shape {x.shape} outside axis {ax}"
        ) from None
    return x, idx, ax


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """Values of ``arr`` at ``indices`` along ``axis`` (matching the other axes).

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([[10, 30, 20]])
    >>> lnp.take_along_axis(x, lnp.argsort(x, axis=1), axis=1)
    Tensor([[10, 20, 30]], device='cpu')
    """
    x, idx, ax = _along_axis(arr, indices, axis, "take_along_axis")
    _check_in_bounds(idx, x.shape[ax], ax)
    return handle(mp.take_along_axis_value(x, idx, ax))


def put_along_axis(arr: Tensor, indices: Any, values: Any, axis: int | None) -> None:
    """Write ``values`` into the tensor ``arr`` at ``indices`` along ``axis``, in place.

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([[10, 30, 20]])
    >>> lnp.put_along_axis(x, lnp.argmax(x, axis=1, keepdims=True), 0, axis=1)
    >>> x
    Tensor([[10,  0, 20]], device='cpu')
    """
    if type(arr) is not Tensor:
        raise LaminaTypeError(
            f"put_along_axis: `arr` must be a lamina Tensor (it is modified in place), got "
            f"{type(arr).__name__}. Convert it first: t = lnp.asarray(arr)."
        )
    x, idx, ax = _along_axis(arr, indices, axis, "put_along_axis")
    _check_in_bounds(idx, x.shape[ax], ax)
    target = arr._lamina_read()
    if is_scalar(values):
        v = value_of(np.asarray(values), "put_along_axis", target.device)
    else:
        v = value_of(values, "put_along_axis", target.device)
    new = mp.put_along_axis_value(x, idx, v, ax)
    if new.shape != target.shape:
        new = sh.reshape_value(new, target.shape)
    arr._assign(new, "put_along_axis")

