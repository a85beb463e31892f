"""Reductions of ``lamina.numpy``: ``sum``, ``mean``, ``max``, ``argmax``, ``cumsum``, ...

NumPy's names, signatures and dtype rules (NOTE [reduction dtypes] in
``lamina/ops/reduction.py``). ``axis`` is None, an int (negative counts from the end) or a
tuple; ``keepdims`` keeps reduced axes as length 1; ``out=`` writes into a tensor of the
result's shape (unsafe casting, as NumPy's reductions); ``where=`` masks elements where NumPy
has it. The value-level work lives in ``lamina.ops.reduction``; this module parses arguments
and raises NumPy's errors.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.numpy._handles import check_out, handle, value_of, write_out
from lamina.ops import elementwise as ew
from lamina.ops import reduction as red
from lamina.ops.common import (
    as_index,
    canonical_dtype,
    check_python_int,
    normalize_axes,
    normalize_axis,
)
from lamina.ops.creation import full_value
from lamina.ops.shape import (
    broadcast_value,
    concatenate_values,
    reshape_value,
    transpose_value,
)

__all__ = [
    "sum", "prod", "mean", "var", "std", "max", "amax", "min", "amin", "nanmax", "nanmin",
    "ptp", "argmax", "argmin", "all", "any", "cumsum", "cumprod", "cumulative_sum",
    "cumulative_prod", "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "average",
    "count_nonzero",
]

_NoValue = np._NoValue


# --------------------------------------------------------------------------------------------
# Argument parsing shared by every reduction.

def _given(x: Any) -> bool:
    return x is not None and x is not _NoValue


def _keep(keepdims: Any) -> bool:
    return False if keepdims is _NoValue else builtins.bool(keepdims)


def _axes(axis: Any, ndim: int, what: str, scalar_ok: bool = True) -> tuple[int, ...]:
    """``axis`` as a sorted tuple; ``scalar_ok``: allow axis 0/-1 on 0-d inputs, as NumPy's
    ufunc reductions (``np.sum(np.float64(1), axis=0)``) do but ``mean``/``var`` do not."""
    if axis is _NoValue:
        axis = None
    if ndim == 0 and scalar_ok and as_index(axis) in (0, -1):
        return ()
    return normalize_axes(axis, ndim, what)


def _dtype(dtype: Any, what: str) -> np.dtype | None:
    return None if dtype is _NoValue else canonical_dtype(dtype, what)


def _mask(where: Any, x: Any, what: str) -> Any | None:
    """The ``where=`` argument as a bool value broadcastable to ``x`` (None when absent)."""
    if where is True or where is _NoValue:
        return None
    m = value_of(where, what, x.device)
    if m.dtype != np.bool_:
        raise LaminaTypeError(
            f"{what}(..., where=...): Cannot cast array data from dtype('{m.dtype}') to "
            "dtype('bool') according to the rule 'safe'. Pass a boolean mask, e.g. "
            "where=(mask != 0)."
        )
    try:
        ok = tuple(np.broadcast_shapes(m.shape, x.shape)) == tuple(x.shape)
    except ValueError:
        ok = False
    if not ok:
        raise LaminaValueError(
            f"{what}(..., where=...): the mask of shape {m.shape} does not broadcast to the "
            f"input's shape {x.shape}."
        )
    return m


def _finish(result: Any, out: Any, what: str) -> Any:
    """A new tensor holding ``result``, or ``result`` written into ``out`` (NumPy's rules)."""
    out_t = check_out(out, what)
    if out_t is None:
        return handle(result)
    if tuple(out_t.shape) != tuple(result.shape):
        raise LaminaValueError(
            f"{what}: the 'out' tensor has shape {tuple(out_t.shape)}, but the result has shape "
            f"{tuple(result.shape)}. Pass an 'out' of the result's shape (keepdims=True keeps "
            "the reduced axes as length 1)."
        )
    return write_out(out_t, result, what, casting="unsafe")


def _constant(like: Any, value: Any) -> Any:
    """``value`` cast (unsafely, as NumPy casts ``initial``) to ``like``'s dtype, as a 0-d leaf;
    a Python int out of the dtype's range raises OverflowError, as NumPy 2's. A tensor (or a
    list) stays a value (NOTE [tensor fill values] in lamina/numpy/_creation.py): a tracked
    ``initial`` keeps its derivative and its batch (it was read through np.asarray)."""
    if not isinstance(value, (bool, int, float, complex, np.generic, np.ndarray)):
        v = value_of(value, "initial", like.device)
        if v.shape != ():
            raise LaminaValueError(
                "setting an array element with a sequence: initial= must be a scalar (a 0-d "
                f"tensor), got shape {tuple(v.shape)}."
            )
        return v if v.dtype == like.dtype else ew.astype_value(v, like.dtype)
    check_python_int(value, like.dtype)
    with np.errstate(all="ignore"):
        return red.zero_like(like, value)


# --------------------------------------------------------------------------------------------
# sum, prod, nansum, nanprod.

def _sum_like(what: str, reducer, combine, identity: int, a: Any, axis: Any, dtype: Any,
              out: Any, keepdims: Any, initial: Any, where: Any, skip_nan: bool) -> Any:
    x = value_of(a, what)
    axes = _axes(axis, x.ndim, what)
    mask = _mask(where, x, what)
    if skip_nan and x.dtype.kind in "fc":
        not_nan = bind(ew.logical_not_p, bind(ew.isnan_p, x))
        mask = not_nan if mask is None else ew.apply_ufunc(ew.logical_and_p, not_nan, mask)
    result = reducer(red.masked(x, mask, identity), axes, _keep(keepdims), _dtype(dtype, what))
    if _given(initial):
        result = ew.apply_ufunc(combine, result, _constant(result, initial))
    return _finish(result, out, what)


def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,  # noqa: A001
        keepdims: Any = False, initial: Any = _NoValue, where: Any = True) -> Any:
    """Sum of elements over ``axis``; ints accumulate in int64 and bool counts, as NumPy.

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> lnp.sum(x, axis=0)
    Tensor([4., 6.], device='cpu')
    >>> lnp.sum(lnp.asarray([True, False, True]))
    Tensor(2, device='cpu')
    """
    return _sum_like("sum", red.reduce_sum, ew.add_p, 0, a, axis, dtype, out, keepdims,
                     initial, where, skip_nan=False)


def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False,
         initial: Any = _NoValue, where: Any = True) -> Any:
    """Product of elements over ``axis`` (1 for an empty axis).

    >>> import lamina.numpy as lnp
    >>> lnp.prod(lnp.asarray([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    Tensor([ 2., 12.], device='cpu')
    """
    return _sum_like("prod", red.reduce_prod, ew.multiply_p, 1, a, axis, dtype, out, keepdims,
                     initial, where, skip_nan=False)


def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False,
           initial: Any = _NoValue, where: Any = True) -> Any:
    """Sum over ``axis`` treating NaN as zero.

    >>> import lamina.numpy as lnp
    >>> lnp.nansum(lnp.asarray([1.0, lnp.nan, 2.0]))
    Tensor(3., device='cpu')
    """
    return _sum_like("nansum", red.reduce_sum, ew.add_p, 0, a, axis, dtype, out, keepdims,
                     initial, where, skip_nan=True)


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False,
            initial: Any = _NoValue, where: Any = True) -> Any:
    """Product over ``axis`` treating NaN as one.

    >>> import lamina.numpy as lnp
    >>> lnp.nanprod(lnp.asarray([2.0, lnp.nan, 3.0]))
    Tensor(6., device='cpu')
    """
    return _sum_like("nanprod", red.reduce_prod, ew.multiply_p, 1, a, axis, dtype, out,
                     keepdims, initial, where, skip_nan=True)


# --------------------------------------------------------------------------------------------
# max, min, nanmax, nanmin, ptp.

def _check_nonempty(x: Any, axes: tuple, what: str, ufunc: str) -> None:
    if red.reduced_size(x.shape, axes) == 0:
        raise LaminaValueError(
            f"{what}: zero-size array to reduction operation {ufunc} which has no identity "
            f"(input shape {tuple(x.shape)}, axes {axes}). Pass initial=... to give empty "
            "slices a value, or reduce over non-empty axes."
        )


def _extremum(what: str, ufunc: str, a: Any, axis: Any, out: Any, keepdims: Any,
              initial: Any, where: Any, dtype: Any) -> Any:
    is_max = ufunc in ("maximum", "fmax")
    x = value_of(a, what)
    dt = _dtype(dtype, what)
    if dt is not None and dt != x.dtype:
        x = ew.astype_value(x, dt)
    axes = _axes(axis, x.ndim, what)
    keep = _keep(keepdims)
    mask = _mask(where, x, what)
    init = initial if _given(initial) else None
    if mask is not None and init is None:
        raise LaminaValueError(
            f"{what}: reduction operation '{ufunc}' does not have an identity, so to use a where "
            "mask one has to specify 'initial'."
        )
    if init is None:
        _check_nonempty(x, axes, what, ufunc)
    nan, given = None, x
    if ufunc in ("fmax", "fmin") and x.dtype.kind in "fc":
        nan = bind(ew.isnan_p, x)
        x = ew.where(nan, red.zero_like(x, -np.inf if is_max else np.inf), x)
    if mask is not None:
        x = ew.where(mask, x, _constant(x, init))
    if red.reduced_size(x.shape, axes) == 0:
        shape = red.reduced_shape(x.shape, axes, keep)
        if isinstance(init, (bool, int, float, complex, np.generic, np.ndarray)):
            with np.errstate(all="ignore"):
                fill = np.asarray(init).astype(x.dtype).item()
            result = full_value(shape, fill, x.dtype, x.device)
        else:
            result = broadcast_value(_constant(x, init), shape)
    else:
        result = (red.reduce_max if is_max else red.reduce_min)(x, axes, keep)
        if init is not None:
            result = ew.apply_ufunc(ew.maximum_p if is_max else ew.minimum_p, result,
                                    _constant(result, init))
    if nan is not None and init is None:  # an all-NaN slice gives NaN, as fmax.reduce
        all_nan = red.reduce_all(nan, axes, keep)
        # fmax keeps the first of two NaNs: for complex values the slice's first element,
        # with a NaN in either part (nan+1j, 1+nanj), not nan+0j.
        fill = (_first_along(given, axes, keep) if x.dtype.kind == "c"
                else red.zero_like(result, np.nan))
        result = ew.where(all_nan, fill, result)
    return _finish(result, out, what)


def _first_along(x: Any, axes: tuple, keep: bool) -> Any:
    """The first element of each slice over ``axes`` (in C order), shaped as the reduction."""
    from lamina.ops.manipulation import take_value  # noqa: PLC0415

    rest = tuple(i for i in range(x.ndim) if i not in axes)
    flat = reshape_value(transpose_value(x, rest + tuple(axes)),
                         tuple(x.shape[i] for i in rest) + (red.reduced_size(x.shape, axes),))
    return reshape_value(take_value(flat, 0, len(rest)), red.reduced_shape(x.shape, axes, keep))


def max(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,  # noqa: A001
        initial: Any = _NoValue, where: Any = True, *, dtype: Any = None) -> Any:
    """Maximum over ``axis`` (NaN propagates). ``dtype`` serves ``lnp.maximum.reduce``.

    >>> import lamina.numpy as lnp
    >>> lnp.max(lnp.asarray([[1.0, 5.0], [3.0, 4.0]]), axis=1)
    Tensor([5., 4.], device='cpu')
    """
    return _extremum("max", "maximum", a, axis, out, keepdims, initial, where, dtype)


def min(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,  # noqa: A001
        initial: Any = _NoValue, where: Any = True, *, dtype: Any = None) -> Any:
    """Minimum over ``axis`` (NaN propagates). ``dtype`` serves ``lnp.minimum.reduce``.

    >>> import lamina.numpy as lnp
    >>> lnp.min(lnp.asarray([[1.0, 5.0], [3.0, 4.0]]), axis=0)
    Tensor([1., 4.], device='cpu')
    """
    return _extremum("min", "minimum", a, axis, out, keepdims, initial, where, dtype)


def amax(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,
         initial: Any = _NoValue, where: Any = True) -> Any:
    """Alias of ``max``.

    >>> import lamina.numpy as lnp
    >>> lnp.amax(lnp.asarray([[1.0, 5.0], [3.0, 4.0]]), axis=0)
    Tensor([3., 5.], device='cpu')
    """
    return _extremum("amax", "maximum", a, axis, out, keepdims, initial, where, None)


def amin(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,
         initial: Any = _NoValue, where: Any = True) -> Any:
    """Alias of ``min``.

    >>> import lamina.numpy as lnp
    >>> lnp.amin(lnp.asarray([[1.0, 5.0], [3.0, 4.0]]), axis=1)
    Tensor([1., 3.], device='cpu')
    """
    return _extremum("amin", "minimum", a, axis, out, keepdims, initial, where, None)


def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,
           initial: Any = _NoValue, where: Any = True, *, dtype: Any = None) -> Any:
    """Maximum over ``axis`` ignoring NaN (NaN only for an all-NaN slice).

    >>> import lamina.numpy as lnp
    >>> lnp.nanmax(lnp.asarray([1.0, lnp.nan, 3.0]))
    Tensor(3., device='cpu')
    """
    return _extremum("nanmax", "fmax", a, axis, out, keepdims, initial, where, dtype)


def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,
           initial: Any = _NoValue, where: Any = True, *, dtype: Any = None) -> Any:
    """Minimum over ``axis`` ignoring NaN (NaN only for an all-NaN slice).

    >>> import lamina.numpy as lnp
    >>> lnp.nanmin(lnp.asarray([2.0, lnp.nan, 1.0]))
    Tensor(1., device='cpu')
    """
    return _extremum("nanmin", "fmin", a, axis, out, keepdims, initial, where, dtype)


def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False) -> Any:
    """Range (maximum minus minimum) over ``axis``.

    >>> import lamina.numpy as lnp
    >>> lnp.ptp(lnp.asarray([[1.0, 5.0], [3.0, 4.0]]), axis=1)
    Tensor([4., 1.], device='cpu')
    """
    x = value_of(a, "ptp")
    if x.dtype == np.bool_:
        raise LaminaTypeError(
            "ptp: numpy boolean subtract, the `-` operator, is not supported, use the "
            "bitwise_xor, the `^` operator, or the logical_xor function instead. (ptp of a "
            "boolean tensor: use lnp.any(a, axis) & ~lnp.all(a, axis), or cast to int first.)"
        )
    axes = _axes(axis, x.ndim, "ptp")
    _check_nonempty(x, axes, "ptp", "maximum")
    keep = _keep(keepdims)
    result = ew.apply_ufunc(ew.subtract_p, red.reduce_max(x, axes, keep),
                            red.reduce_min(x, axes, keep))
    return _finish(result, out, "ptp")


# --------------------------------------------------------------------------------------------
# argmax, argmin (no grad).

def _arg_extremum(what: str, reducer, a: Any, axis: Any, out: Any, keepdims: Any) -> Any:
    x = value_of(a, what)
    keep = _keep(keepdims)
    if axis is not None and not hasattr(axis, "__index__"):
        raise LaminaTypeError(
            f"{what}: an axis must be an integer, got {type(axis).__name__} ({axis!r}); {what} "
            "takes one axis (or None for the flattened array)."
        )
    if axis is None or (x.ndim == 0 and _axes(axis, 0, what) == ()):
        if red.reduced_size(x.shape, tuple(range(x.ndim))) == 0:
            raise LaminaValueError(f"{what}: attempt to get {what} of an empty sequence")
        result = reducer(x, None, keep)
    else:
        ax = normalize_axis(axis, x.ndim, what)
        if x.shape[ax] == 0:
            raise LaminaValueError(
                f"{what}: attempt to get {what} of an empty sequence (axis {ax} of shape "
                f"{tuple(x.shape)} has length 0)"
            )
        result = reducer(x, ax, keep)
    return _finish(result, out, what)


def argmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    """Index of the first maximum along ``axis`` (into the flattened array when None).

    >>> import lamina.numpy as lnp
    >>> lnp.argmax(lnp.asarray([[1.0, 5.0], [3.0, 4.0]]), axis=1)
    Tensor([1, 1], device='cpu')
    """
    return _arg_extremum("argmax", red.argmax, a, axis, out, keepdims)


def argmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    """Index of the first minimum along ``axis`` (into the flattened array when None).

    >>> import lamina.numpy as lnp
    >>> lnp.argmin(lnp.asarray([[1.0, 5.0], [3.0, 0.0]]), axis=1)
    Tensor([0, 1], device='cpu')
    >>> lnp.argmin(lnp.asarray([[1.0, 5.0], [3.0, 0.0]]))
    Tensor(3, device='cpu')
    """
    return _arg_extremum("argmin", red.argmin, a, axis, out, keepdims)


# --------------------------------------------------------------------------------------------
# all, any, count_nonzero (no grad).

def _logical(what: str, reducer, fill: int, a: Any, axis: Any, out: Any, keepdims: Any,
             where: Any) -> Any:
    x = value_of(a, what)
    axes = _axes(axis, x.ndim, what)
    mask = _mask(where, x, what)
    return _finish(reducer(red.masked(x, mask, fill), axes, _keep(keepdims)), out, what)


def all(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,  # noqa: A001
        *, where: Any = True) -> Any:
    """True where every element over ``axis`` is nonzero.

    >>> import lamina.numpy as lnp
    >>> lnp.all(lnp.asarray([[1, 0], [1, 1]]), axis=1)
    Tensor([False,  True], device='cpu')
    """
    return _logical("all", red.reduce_all, 1, a, axis, out, keepdims, where)


def any(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False,  # noqa: A001
        *, where: Any = True) -> Any:
    """True where some element over ``axis`` is nonzero.

    >>> import lamina.numpy as lnp
    >>> lnp.any(lnp.asarray([[0, 0], [0, 2]]), axis=1)
    Tensor([False,  True], device='cpu')
    """
    return _logical("any", red.reduce_any, 0, a, axis, out, keepdims, where)


def count_nonzero(a: Any, axis: Any = None, *, keepdims: Any = False) -> Any:
    """Number of nonzero elements over ``axis`` (an int64 tensor).

    >>> import lamina.numpy as lnp
    >>> lnp.count_nonzero(lnp.asarray([[0, 1, 2], [3, 0, 0]]), axis=1)
    Tensor([2, 1], device='cpu')
    """
    x = value_of(a, "count_nonzero")
    axes = _axes(axis, x.ndim, "count_nonzero")
    nonzero = x if x.dtype == np.bool_ else ew.apply_ufunc(ew.not_equal_p, x, 0)
    return handle(red.reduce_sum(nonzero, axes, _keep(keepdims), np.dtype(np.intp)))


# --------------------------------------------------------------------------------------------
# mean, var, std and their nan versions.

def _ddof(ddof: Any, correction: Any) -> Any:
    if _given(correction):
        if ddof != 0:
            raise LaminaValueError("var: ddof and correction can't be provided simultaneously.")
        ddof = correction
    ndim = getattr(ddof, "ndim", None)
    if ndim == 0:
        return ddof.item()  # a 0-d tensor or array: a number, as NumPy reads it (it is data)
    if ndim is not None:
        raise LaminaTypeError(
            f"var: ddof must be a number (a Python number or a 0-d array), got an array of "
            f"shape {tuple(ddof.shape)}; lamina takes one ddof for the whole reduction."
        )
    return ddof


def _nan_mask(x: Any, mask: Any | None) -> Any | None:
    if x.dtype.kind not in "fc":
        return mask
    keep = bind(ew.logical_not_p, bind(ew.isnan_p, x))
    return keep if mask is None else ew.apply_ufunc(ew.logical_and_p, keep, mask)


def _mean(what: str, skip_nan: bool, a: Any, axis: Any, dtype: Any, out: Any, keepdims: Any,
          where: Any) -> Any:
    x = value_of(a, what)
    axes = _axes(axis, x.ndim, what, scalar_ok=skip_nan)
    mask = _mask(where, x, what)
    if skip_nan:
        mask = _nan_mask(x, mask)
    result = red.mean_value(x, axes, _keep(keepdims), _dtype(dtype, what), mask)
    return _finish(result, out, what)


def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False,
         *, where: Any = True) -> Any:
    """Arithmetic mean over ``axis`` (float64 for integer inputs, as NumPy).

    >>> import lamina.numpy as lnp
    >>> lnp.mean(lnp.asarray([[1, 2], [3, 4]]), axis=0)
    Tensor([2., 3.], device='cpu')
    """
    return _mean("mean", False, a, axis, dtype, out, keepdims, where)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False,
            *, where: Any = True) -> Any:
    """Mean over ``axis`` ignoring NaN (NaN for an all-NaN slice).

    >>> import lamina.numpy as lnp
    >>> lnp.nanmean(lnp.asarray([1.0, lnp.nan, 3.0]))
    Tensor(2., device='cpu')
    """
    return _mean("nanmean", True, a, axis, dtype, out, keepdims, where)


def _var(what: str, skip_nan: bool, root: bool, a: Any, axis: Any, dtype: Any, out: Any,
         ddof: Any, keepdims: Any, where: Any, mean: Any, correction: Any) -> Any:
    x = value_of(a, what)
    axes = _axes(axis, x.ndim, what, scalar_ok=skip_nan)
    mask = _mask(where, x, what)
    if skip_nan:
        mask = _nan_mask(x, mask)
    mean_v = value_of(mean, what, x.device) if _given(mean) else None
    ddof = _ddof(ddof, correction)
    result = (red.std_value if root else red.var_value)(
        x, axes, _keep(keepdims), ddof, _dtype(dtype, what), mask, mean_v)
    if skip_nan and mask is not None:  # NumPy's nanvar: NaN where ddof >= the count
        count = red.count_value(x.shape, axes, _keep(keepdims), mask)
        # NumPy's nanstd takes the root of that NaN: sqrt(nan+0j) is nan+nanj when complex.
        fill = complex(np.nan, np.nan) if root and result.dtype.kind == "c" else np.nan
        result = ew.where(ew.apply_ufunc(ew.less_equal_p, count, ddof),
                          red.zero_like(result, fill), result)
    return _finish(result, out, what)


def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: Any = False, *, where: Any = True, mean: Any = _NoValue,
        correction: Any = _NoValue) -> Any:
    """Variance over ``axis``, ``sum(|x - mean|**2) / (n - ddof)``.

    >>> import lamina.numpy as lnp
    >>> lnp.var(lnp.asarray([1.0, 2.0, 3.0, 4.0]))
    Tensor(1.25, device='cpu')
    >>> lnp.var(lnp.asarray([1.0, 2.0, 3.0, 4.0]), ddof=1).item()
    1.6666666666666667
    """
    return _var("var", False, False, a, axis, dtype, out, ddof, keepdims, where, mean,
                correction)


def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: Any = False, *, where: Any = True, mean: Any = _NoValue,
        correction: Any = _NoValue) -> Any:
    """Standard deviation over ``axis``: the square root of ``var``.

    >>> import lamina.numpy as lnp
    >>> lnp.std(lnp.asarray([1.0, 3.0]))
    Tensor(1., device='cpu')
    """
    return _var("std", False, True, a, axis, dtype, out, ddof, keepdims, where, mean,
                correction)


def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: Any = False, *, where: Any = True, mean: Any = _NoValue,
           correction: Any = _NoValue) -> Any:
    """Variance over ``axis`` ignoring NaN.

    >>> import lamina.numpy as lnp
    >>> lnp.nanvar(lnp.asarray([1.0, lnp.nan, 3.0]))
    Tensor(1., device='cpu')
    """
    return _var("nanvar", True, False, a, axis, dtype, out, ddof, keepdims, where, mean,
                correction)


def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: Any = False, *, where: Any = True, mean: Any = _NoValue,
           correction: Any = _NoValue) -> Any:
    """Standard deviation over ``axis`` ignoring NaN.

    >>> import lamina.numpy as lnp
    >>> lnp.nanstd(lnp.asarray([1.0, lnp.nan, 3.0]))
    Tensor(1., device='cpu')
    """
    return _var("nanstd", True, True, a, axis, dtype, out, ddof, keepdims, where, mean,
                correction)


# --------------------------------------------------------------------------------------------
# average.

def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: Any = False) -> Any:
    """Weighted average over ``axis``; with ``returned=True`` also the sum of the weights.

    >>> import lamina.numpy as lnp
    >>> lnp.average(lnp.asarray([1.0, 2.0, 4.0]), weights=lnp.asarray([2.0, 1.0, 1.0]))
    Tensor(2., device='cpu')
    """
    x = value_of(a, "average")
    axes = _axes(axis, x.ndim, "average", scalar_ok=False)
    keep = _keep(keepdims)
    if weights is None:
        avg = red.mean_value(x, axes, keep)
        n = red.reduced_size(x.shape, axes)
        scale = full_value(avg.shape, n, avg.dtype, avg.device) if returned else None
    else:
        w = value_of(weights, "average", x.device)
        if x.dtype.kind in "biu":
            dt = np.result_type(x.dtype, w.dtype, np.float64)
        else:
            dt = np.result_type(x.dtype, w.dtype)
        if tuple(w.shape) != tuple(x.shape):
            if axis is None:
                raise LaminaTypeError(
                    "average: Axis must be specified when shapes of a and weights differ "
                    f"(a has shape {tuple(x.shape)}, weights {tuple(w.shape)})."
                )
            given = axis if isinstance(axis, (tuple, list)) else (axis,)
            order = [normalize_axis(ax, x.ndim, "average") for ax in given]
            if tuple(w.shape) != tuple(x.shape[ax] for ax in order):
                raise LaminaValueError(
                    "average: Shape of weights must be consistent with shape of a along "
                    f"specified axis (weights {tuple(w.shape)}, a {tuple(x.shape)}, axis "
                    f"{axis})."
                )
            w = transpose_value(w, tuple(int(i) for i in np.argsort(order)))
            w = reshape_value(w, tuple(d if i in axes else 1 for i, d in enumerate(x.shape)))
        w = ew.astype_value(w, dt) if w.dtype != dt else w
        xd = ew.astype_value(x, dt) if x.dtype != dt else x
        scale = red.reduce_sum(w, axes, keep, dt)
        total = red.reduce_sum(ew.apply_ufunc(ew.multiply_p, xd, w), axes, keep, dt)
        avg = ew.apply_ufunc(ew.divide_p, total, scale)
        if returned and tuple(scale.shape) != tuple(avg.shape):
            scale = ew.astype_value(broadcast_value(scale, avg.shape), dt)
    if returned:
        return handle(avg), handle(scale)
    return handle(avg)


# --------------------------------------------------------------------------------------------
# cumsum, cumprod, cumulative_sum, cumulative_prod.

def _scan_input(x: Any, axis: Any, what: str) -> tuple[Any, int]:
    """``x`` and the scan axis; axis None flattens and 0-d inputs scan as 1-d, as NumPy."""
    if axis is None:
        return reshape_value(x, (red.reduced_size(x.shape, tuple(range(x.ndim))),)), 0
    if x.ndim == 0:
        normalize_axis(axis, 1, what)
        return reshape_value(x, (1,)), 0
    return x, normalize_axis(axis, x.ndim, what)


def _scan(what: str, scan, a: Any, axis: Any, dtype: Any, out: Any) -> Any:
    x, ax = _scan_input(value_of(a, what), axis, what)
    return _finish(scan(x, ax, _dtype(dtype, what)), out, what)


def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Running sum along ``axis`` (of the flattened array when None).

    >>> import lamina.numpy as lnp
    >>> lnp.cumsum(lnp.asarray([[1, 2], [3, 4]]))
    Tensor([ 1,  3,  6, 10], device='cpu')
    """
    return _scan("cumsum", red.cumsum, a, axis, dtype, out)


def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Running product along ``axis`` (of the flattened array when None).

    >>> import lamina.numpy as lnp
    >>> lnp.cumprod(lnp.asarray([1.0, 2.0, 3.0]))
    Tensor([1., 2., 6.], device='cpu')
    """
    return _scan("cumprod", red.cumprod, a, axis, dtype, out)


def _cumulative(what: str, scan, identity: int, x: Any, axis: Any, dtype: Any, out: Any,
                include_initial: bool) -> Any:
    v = value_of(x, what)
    if axis is None and v.ndim > 1:
        raise LaminaValueError(
            f"{what}: For arrays which have more than one dimension ``axis`` argument is "
            "required."
        )
    v, ax = _scan_input(v, 0 if axis is None else axis, what)
    result = scan(v, ax, _dtype(dtype, what))
    if include_initial:
        shape = tuple(1 if i == ax else d for i, d in enumerate(result.shape))
        first = full_value(shape, identity, result.dtype, result.device)
        result = concatenate_values([first, result], ax)
    return _finish(result, out, what)


def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                   include_initial: bool = False) -> Any:
    """Running sum along ``axis`` (NumPy 2's array-API name); optionally starting at 0.

    >>> import lamina.numpy as lnp
    >>> lnp.cumulative_sum(lnp.asarray([1, 2, 3]), include_initial=True)
    Tensor([0, 1, 3, 6], device='cpu')
    >>> lnp.cumulative_sum(lnp.asarray([[1, 2], [3, 4]]), axis=1)
    Tensor([[1, 3],
            [3, 7]], device='cpu')
    """
    return _cumulative("cumulative_sum", red.cumsum, 0, x, axis, dtype, out, include_initial)


def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                    include_initial: bool = False) -> Any:
    """Running product along ``axis`` (NumPy 2's array-API name); optionally starting at 1.

    >>> import lamina.numpy as lnp
    >>> lnp.cumulative_prod(lnp.asarray([1.0, 2.0, 3.0]), include_initial=True)
    Tensor([1., 1., 2., 6.], device='cpu')
    """
    return _cumulative("cumulative_prod", red.cumprod, 1, x, axis, dtype, out,
                       include_initial)
