"""Reductions: sums, products, extrema, arg-extrema, logical reductions and cumulative scans.

The primitive set is small (STYLE.md, rule 4): ``reduce_sum``, ``reduce_prod``, ``reduce_max``,
``reduce_min``, ``reduce_all``, ``reduce_any``, ``argmax``, ``argmin``, ``cumsum``, ``cumprod``.
Everything else (``mean``, ``var``, ``std``, ``ptp``, the ``nan*`` family, ``average``,
``count_nonzero``, ``logsumexp``) is composed from them here, at the value level, so that other
families (``nn.softmax``, ``linalg.norm``) can call the same helpers and the transform rules of
the primitives cover the composites for free.

Params: ``axes`` is a sorted tuple of distinct non-negative axes (``normalize_axes``), never
None; ``keepdims`` a bool; ``dtype`` (sums, products and scans) the exact output dtype, already
resolved by NumPy's accumulator rules (NOTE [reduction dtypes]), so the kernels and the shape
rules agree on every backend.

NOTE [reduction dtypes]: the output dtype of a reduction is asked of NumPy itself, on a
one-element array of the input dtype (``numpy_dtype``), and cached. That gives NumPy's rules
exactly (``sum`` of int32 is int64, of uint8 uint64, of bool int64, ``mean`` of ints float64,
of float16 float16 with a float32 accumulator) without a hand-written table.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaTypeError
from lamina.ops import elementwise as ew
from lamina.ops.common import is_scalar, prod, scalar_value
from lamina.ops.shape import broadcast_value, reshape_value

__all__ = [
    "reduce_sum_p", "reduce_prod_p", "reduce_max_p", "reduce_min_p", "reduce_all_p",
    "reduce_any_p", "argmax_p", "argmin_p", "cumsum_p", "cumprod_p",
    "reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_all", "reduce_any",
    "argmax", "argmin", "cumsum", "cumprod", "numpy_dtype", "reduced_shape", "reduced_size",
    "mean_value", "var_value", "logsumexp_value", "count_value",
]


# --------------------------------------------------------------------------------------------
# Shapes and dtypes.

def reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    """The shape left after reducing ``axes`` of ``shape``."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def reduced_size(shape: tuple, axes: tuple) -> int:
    """How many elements each output element of a reduction over ``axes`` reads."""
    return prod(shape[a] for a in axes)


@functools.lru_cache(maxsize=1024)
def numpy_dtype(fn: str, dtype: np.dtype, arg: np.dtype | None = None) -> np.dtype:
    """The dtype ``numpy.<fn>`` returns for an input of ``dtype`` and ``dtype=arg``.

    NOTE [reduction dtypes]. Raises a teaching TypeError when NumPy refuses the combination.
    """
    probe = np.ones((1,), dtype)
    kwargs = {} if arg is None else {"dtype": arg}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.asarray(getattr(np, fn)(probe, **kwargs)).dtype
    except TypeError as exc:
        raise LaminaTypeError(
            f"{fn}: cannot reduce an array of dtype {dtype} with dtype={arg} ({exc}). Pass a "
            "dtype the input can be cast to, or cast the input first with .astype(...)."
        ) from None


def _as_array(xp, r):
    # NumPy returns scalars for full reductions; lamina's data is always an array.
    return r if isinstance(r, xp.ndarray) else xp.asarray(r)


def _reduce_abstract(x, *, axes, keepdims, dtype=None):
    return reduced_shape(x.shape, axes, keepdims), (x.dtype if dtype is None else dtype)


def _bool_abstract(x, *, axes, keepdims):
    return reduced_shape(x.shape, axes, keepdims), np.dtype(np.bool_)


# --------------------------------------------------------------------------------------------
# The primitives.

def _sum_impl(xp, x, *, axes, keepdims, dtype):
    return _as_array(xp, xp.sum(x, axis=axes, dtype=dtype, keepdims=keepdims))


def _prod_impl(xp, x, *, axes, keepdims, dtype):
    return _as_array(xp, xp.prod(x, axis=axes, dtype=dtype, keepdims=keepdims))


def _max_impl(xp, x, *, axes, keepdims):
    return _as_array(xp, xp.max(x, axis=axes, keepdims=keepdims))


def _min_impl(xp, x, *, axes, keepdims):
    return _as_array(xp, xp.min(x, axis=axes, keepdims=keepdims))


def _all_impl(xp, x, *, axes, keepdims):
    return _as_array(xp, xp.all(x, axis=axes, keepdims=keepdims))


def _any_impl(xp, x, *, axes, keepdims):
    return _as_array(xp, xp.any(x, axis=axes, keepdims=keepdims))


reduce_sum_p = Primitive("reduce_sum", _sum_impl, _reduce_abstract)
reduce_prod_p = Primitive("reduce_prod", _prod_impl, _reduce_abstract)
reduce_max_p = Primitive("reduce_max", _max_impl, _reduce_abstract)
reduce_min_p = Primitive("reduce_min", _min_impl, _reduce_abstract)
reduce_all_p = Primitive("reduce_all", _all_impl, _bool_abstract, nondiff=True)
reduce_any_p = Primitive("reduce_any", _any_impl, _bool_abstract, nondiff=True)


def _arg_abstract(x, *, axis, keepdims):
    if axis is None:
        shape = (1,) * len(x.shape) if keepdims else ()
    else:
        shape = reduced_shape(x.shape, (axis,), keepdims)
    return shape, np.dtype(np.intp)


def _arg_impl(name: str):
    # keepdims is applied by reshaping: CuPy's argmax(keepdims=...) differs for axis=None.
    def impl(xp, x, *, axis, keepdims):
        r = _as_array(xp, getattr(xp, name)(x, axis=axis))
        if keepdims:
            r = r.reshape(_arg_abstract(x, axis=axis, keepdims=True)[0])
        return r

    impl.__name__ = f"_{name}_impl"
    return impl


_argmax_impl = _arg_impl("argmax")
_argmin_impl = _arg_impl("argmin")


argmax_p = Primitive("argmax", _argmax_impl, _arg_abstract, nondiff=True)
argmin_p = Primitive("argmin", _argmin_impl, _arg_abstract, nondiff=True)


def _cumsum_impl(xp, x, *, axis, dtype):
    return xp.cumsum(x, axis=axis, dtype=dtype)


def _cumprod_impl(xp, x, *, axis, dtype):
    return xp.cumprod(x, axis=axis, dtype=dtype)


def _scan_abstract(x, *, axis, dtype):
    return x.shape, dtype


cumsum_p = Primitive("cumsum", _cumsum_impl, _scan_abstract)
cumprod_p = Primitive("cumprod", _cumprod_impl, _scan_abstract)


# --------------------------------------------------------------------------------------------
# Value-level functions: ``axes`` normalized (a sorted tuple), ``dtype`` None for NumPy's default.

def _copy(x: Any, dtype: np.dtype) -> Any:
    return ew.astype_value(x, dtype)


def reduce_sum(x: Any, axes: tuple, keepdims: bool = False, dtype: Any = None) -> Any:
    """``x`` summed over ``axes`` with NumPy's accumulator dtype (or ``dtype``)."""
    dt = numpy_dtype("sum", x.dtype, None if dtype is None else np.dtype(dtype))
    if not axes:
        return _copy(x, dt)
    return bind(reduce_sum_p, x, axes=tuple(axes), keepdims=bool(keepdims), dtype=dt)


def reduce_prod(x: Any, axes: tuple, keepdims: bool = False, dtype: Any = None) -> Any:
    """The product of ``x`` over ``axes`` with NumPy's accumulator dtype (or ``dtype``)."""
    dt = numpy_dtype("prod", x.dtype, None if dtype is None else np.dtype(dtype))
    if not axes:
        return _copy(x, dt)
    return bind(reduce_prod_p, x, axes=tuple(axes), keepdims=bool(keepdims), dtype=dt)


def _extremum(prim: Primitive):
    def reduce(x: Any, axes: tuple, keepdims: bool = False) -> Any:
        if not axes:
            return _copy(x, x.dtype)
        return bind(prim, x, axes=tuple(axes), keepdims=bool(keepdims))

    return reduce


reduce_max = _extremum(reduce_max_p)
reduce_min = _extremum(reduce_min_p)
reduce_max.__doc__ = "The maximum of ``x`` over ``axes`` (NaN propagates; axes must be non-empty)."
reduce_min.__doc__ = "The minimum of ``x`` over ``axes`` (NaN propagates; axes must be non-empty)."


def reduce_all(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    """True where every element over ``axes`` is nonzero."""
    if not axes:
        return _copy(x, np.dtype(np.bool_))
    return bind(reduce_all_p, x, axes=tuple(axes), keepdims=bool(keepdims))


def reduce_any(x: Any, axes: tuple, keepdims: bool = False) -> Any:
    """True where some element over ``axes`` is nonzero."""
    if not axes:
        return _copy(x, np.dtype(np.bool_))
    return bind(reduce_any_p, x, axes=tuple(axes), keepdims=bool(keepdims))


def argmax(x: Any, axis: int | None, keepdims: bool = False) -> Any:
    """Index of the first maximum along ``axis`` (of the flattened array when None)."""
    return bind(argmax_p, x, axis=axis, keepdims=bool(keepdims))


def argmin(x: Any, axis: int | None, keepdims: bool = False) -> Any:
    """Index of the first minimum along ``axis`` (of the flattened array when None)."""
    return bind(argmin_p, x, axis=axis, keepdims=bool(keepdims))


def cumsum(x: Any, axis: int, dtype: Any = None) -> Any:
    """Running sum along ``axis`` with NumPy's accumulator dtype (or ``dtype``)."""
    dt = numpy_dtype("cumsum", x.dtype, None if dtype is None else np.dtype(dtype))
    return bind(cumsum_p, x, axis=int(axis), dtype=dt)


def cumprod(x: Any, axis: int, dtype: Any = None) -> Any:
    """Running product along ``axis`` with NumPy's accumulator dtype (or ``dtype``)."""
    dt = numpy_dtype("cumprod", x.dtype, None if dtype is None else np.dtype(dtype))
    return bind(cumprod_p, x, axis=int(axis), dtype=dt)


# --------------------------------------------------------------------------------------------
# Composites.

def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.empty(0, dtype).real.dtype


def zero_like(x: Any, fill: Any = 0) -> Any:
    """A 0-d constant ``fill`` of ``x``'s dtype and device (for masking with ``where``)."""
    return scalar_value(np.asarray(fill).astype(x.dtype).item(), x.dtype, x.device)


def masked(x: Any, mask: Any | None, fill: Any) -> Any:
    """``x`` with ``fill`` where ``mask`` (a bool value broadcastable to ``x``) is False."""
    if mask is None:
        return x
    return ew.where(mask, x, zero_like(x, fill))


def count_value(x_shape: tuple, axes: tuple, keepdims: bool, mask: Any | None) -> Any:
    """The number of elements each output reads: a Python int, or a value under a mask."""
    if mask is None:
        return reduced_size(x_shape, axes)
    return reduce_sum(broadcast_value(mask, x_shape), axes, keepdims, np.dtype(np.intp))


def _divide(s: Any, n: Any) -> Any:
    """``s / n`` for a Python count ``n`` or a count value, keeping ``s``'s floating dtype."""
    if is_scalar(n):
        return ew.apply_ufunc(ew.divide_p, s, n)
    if s.dtype.kind in "fc":
        n = ew.astype_value(n, _real_dtype(s.dtype))
    return ew.apply_ufunc(ew.divide_p, s, n)


def _cast(x: Any, dtype: np.dtype) -> Any:
    return x if x.dtype == dtype else ew.astype_value(x, dtype)


def _mean_accumulator(dtype: np.dtype, arg: np.dtype | None) -> np.dtype:
    if arg is not None:
        return arg
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype == np.float16:  # NumPy sums float16 in float32 for the mean
        return np.dtype(np.float32)
    return dtype


def mean_value(x: Any, axes: tuple, keepdims: bool = False, dtype: Any = None,
               mask: Any | None = None) -> Any:
    """The arithmetic mean over ``axes`` with NumPy's dtype rules; ``mask`` selects elements."""
    arg = None if dtype is None else np.dtype(dtype)
    out_dtype = numpy_dtype("mean", x.dtype, arg)
    acc = _mean_accumulator(x.dtype, arg)
    total = reduce_sum(masked(x, mask, 0), axes, keepdims, acc)
    n = count_value(x.shape, axes, keepdims, mask)
    if is_scalar(n) and n == 0:
        warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=4)
    return _cast(_divide(total, n), out_dtype)


def var_value(x: Any, axes: tuple, keepdims: bool = False, ddof: Any = 0, dtype: Any = None,
              mask: Any | None = None, mean: Any | None = None) -> Any:
    """The variance over ``axes`` (two passes, as NumPy), divided by ``n - ddof``."""
    arg = None if dtype is None else np.dtype(dtype)
    out_dtype = numpy_dtype("var", x.dtype, arg)
    acc = arg if arg is not None else (
        np.dtype(np.float64) if x.dtype.kind in "biu" else x.dtype)
    if mean is None:
        n_keep = count_value(x.shape, axes, True, mask)
        total = reduce_sum(masked(x, mask, 0), axes, True, acc)
        mean = _cast(_divide(total, n_keep), total.dtype)
    d = ew.apply_ufunc(ew.subtract_p, x, mean)
    if d.dtype.kind == "c":
        re, im = bind(ew.real_p, d), bind(ew.imag_p, d)
        sq = ew.apply_ufunc(ew.add_p, ew.apply_ufunc(ew.multiply_p, re, re),
                            ew.apply_ufunc(ew.multiply_p, im, im))
    else:
        sq = ew.apply_ufunc(ew.multiply_p, d, d)
    total = reduce_sum(masked(sq, mask, 0), axes, keepdims, arg)
    n = count_value(x.shape, axes, keepdims, mask)
    if is_scalar(n):
        divisor = n - ddof
        if divisor <= 0:
            warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
            divisor = 0
    else:
        divisor = ew.apply_ufunc(ew.maximum_p, ew.apply_ufunc(ew.subtract_p, n, ddof), 0)
    return _cast(_divide(total, divisor), out_dtype)


def logsumexp_value(x: Any, axes: tuple, keepdims: bool = False, b: Any | None = None,
                    return_sign: bool = False) -> Any:
    """``log(sum(b * exp(x)))`` over ``axes``, stable: the maximum is subtracted first.

    A non-finite maximum (all ``-inf``, or ``inf``/``nan`` present) is replaced by 0 so that the
    result is ``-inf``, ``inf`` or ``nan`` as the sum says, never ``nan`` from ``inf - inf``.
    Returns ``(out, sign)`` when ``return_sign``.
    """
    if x.dtype.kind in "biu":
        x = ew.astype_value(x, np.float64)
    if b is not None:
        dt = np.result_type(x.dtype, b.dtype, np.float16)
        x, b = _cast(x, dt), _cast(b, dt)
        shape = tuple(np.broadcast_shapes(x.shape, b.shape))
        x, b = broadcast_value(x, shape), broadcast_value(b, shape)
    out_shape = reduced_shape(x.shape, axes, keepdims)
    if reduced_size(x.shape, axes) == 0:
        shift = None
    else:
        top = reduce_max(x, axes, keepdims=True)
        shift = ew.where(bind(ew.isfinite_p, top), top, zero_like(top))
        x = ew.apply_ufunc(ew.subtract_p, x, shift)
    terms = bind(ew.exp_p, x)
    if b is not None:
        terms = ew.apply_ufunc(ew.multiply_p, b, terms)
    total = reduce_sum(terms, axes, keepdims)
    sign = None
    if return_sign:
        sign = bind(ew.sign_p, total)
        total = bind(ew.absolute_p, total)
    out = bind(ew.log_p, total)
    if shift is not None:
        out = ew.apply_ufunc(ew.add_p, out, reshape_value(shift, out_shape))
    return (out, sign) if return_sign else out
