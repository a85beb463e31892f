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
    "mean_value", "var_value", "std_value", "logsumexp_value", "count_value",
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

def _real_input(x, dtype):
    # A complex input reduced in a real dtype= is cast elementwise first, which keeps the real
    # part (NumPy's cast); CuPy's reduction kernels cannot convert complex to a real
    # accumulator, so the real part is taken here, on every device alike.
    if dtype is not None and x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        return x.real
    return x


def _sum_impl(xp, x, *, axes, keepdims, dtype):
    x = _real_input(x, dtype)
    return _as_array(xp, xp.sum(x, axis=axes, dtype=dtype, keepdims=keepdims))


def _prod_impl(xp, x, *, axes, keepdims, dtype):
    x = _real_input(x, dtype)
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


def _with_identity(prim: Primitive, identity: int, x: Any, dtype: np.dtype) -> Any:
    """A reduction over no axis (a 0-d input, or ``axis=()``), as NumPy computes it: each
    element combined once with the ufunc's identity in the output dtype.

    NOTE [reductions over no axis]: NumPy starts such a reduction from the identity, so it is
    not a copy: ``sum(-0.0)`` is ``0.0 + -0.0 = 0.0`` and ``prod(complex(-1e-5, nan))`` is the
    complex product ``(1+0j) * (-1e-5+nanj) = nan+nanj``. The extrema have no identity and
    copy; ``any``/``all`` cast to bool.
    """
    x = _copy(x, dtype)
    start = scalar_value(identity, dtype, x.device)
    return bind(prim, start, x)


def reduce_sum(x: Any, axes: tuple, keepdims: bool = False, dtype: Any = None) -> Any:
    """``x`` summed over ``axes`` with NumPy's accumulator dtype (or ``dtype``)."""
    dt = numpy_dtype("sum", x.dtype, None if dtype is None else np.dtype(dtype))
    if not axes:
        return _with_identity(ew.add_p, 0, x, dt)
    return bind(reduce_sum_p, x, axes=tuple(axes), keepdims=bool(keepdims), dtype=dt)


def reduce_prod(x: Any, axes: tuple, keepdims: bool = False, dtype: Any = None) -> Any:
    """The product of ``x`` over ``axes`` with NumPy's accumulator dtype (or ``dtype``)."""
    dt = numpy_dtype("prod", x.dtype, None if dtype is None else np.dtype(dtype))
    if not axes:
        return _with_identity(ew.multiply_p, 1, x, dt)
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
    # Masked-out elements (NaN for the nan* functions) are zeroed BEFORE the subtraction, so
    # that no NaN reaches the squares: a where() after them would still send NaN gradients.
    d = ew.apply_ufunc(ew.subtract_p, masked(x, mask, 0), mean)
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


def std_value(x: Any, axes: tuple, keepdims: bool = False, ddof: Any = 0, dtype: Any = None,
              mask: Any | None = None, mean: Any | None = None) -> Any:
    """The standard deviation over ``axes``: the square root of ``var_value``.

    Where the variance is 0 the gradient is 0 (as PyTorch), not ``0 * inf = nan``: there the
    standard deviation is constant (one element) or has a kink (equal elements), and 0 is its
    subgradient.
    """
    arg = None if dtype is None else np.dtype(dtype)
    var = var_value(x, axes, keepdims, ddof, arg, mask, mean)
    zero = ew.apply_ufunc(ew.equal_p, var, 0)
    root = bind(ew.sqrt_p, ew.where(zero, 1, var))
    return _cast(ew.where(zero, 0, root), numpy_dtype("std", x.dtype, arg))


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
        magnitude = bind(ew.absolute_p, total)
        if total.dtype.kind == "c":
            # The phase total / |total| (0 at 0), written with differentiable ops: sign_p has
            # no derivative, which is right for a real sign (piecewise constant), not a phase.
            zero = ew.apply_ufunc(ew.equal_p, magnitude, 0)
            sign = ew.where(zero, 0, ew.apply_ufunc(ew.divide_p, total,
                                                    ew.where(zero, 1, magnitude)))
        else:
            sign = bind(ew.sign_p, total)
        total = magnitude
    out = bind(ew.log_p, total)
    if shift is not None:
        out = ew.apply_ufunc(ew.add_p, out, reshape_value(shift, out_shape))
    return (out, sign) if return_sign else out


# --------------------------------------------------------------------------------------------
# Reverse-mode rules (NOTE [vjp rules] in lamina/interpreters/grad.py), written in lamina ops so
# that they are differentiable and batchable themselves.

def _to_primal(g: Any, x: Any) -> Any:
    """``g`` as a cotangent of ``x``: its dtype, the real part for a real ``x``; None when ``x``
    is not floating (integer and boolean operands carry no gradient)."""
    if x.dtype.kind not in "fc":
        return None
    if g.dtype.kind == "c" and x.dtype.kind != "c":
        g = bind(ew.real_p, g)
    return g if g.dtype == x.dtype else ew.astype_value(g, x.dtype)


def _expand(g: Any, shape: tuple, axes: tuple, keepdims: bool) -> Any:
    """The cotangent ``g`` of a reduction over ``axes`` broadcast back to the input ``shape``."""
    if not keepdims:
        g = reshape_value(g, reduced_shape(shape, axes, True))
    return broadcast_value(g, shape)


def _sum_vjp(g, x, *, out, axes, keepdims, dtype):
    return (_to_primal(_expand(g, x.shape, axes, keepdims), x),)


def _slice(x: Any, axis: int, start: int | None, stop: int | None) -> Any:
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415

    index = tuple(("slice", start, stop, None) if i == axis else ("slice", None, None, None)
                  for i in range(len(x.shape)))
    return bind(getitem_p, x, index=index)


def _flip(x: Any, axis: int) -> Any:
    from lamina.ops.shape import flip_p  # noqa: PLC0415

    return bind(flip_p, x, axes=(axis,))


def _exclusive_cumprod(x: Any, axis: int) -> Any:
    """``prod(x[..., :i])`` at each ``i`` along ``axis`` (1 at the start): no division."""
    from lamina.ops.creation import full_value  # noqa: PLC0415
    from lamina.ops.shape import concatenate_values  # noqa: PLC0415

    one = full_value(reduced_shape(x.shape, (axis,), True), 1, x.dtype, x.device)
    return cumprod(concatenate_values([one, _slice(x, axis, None, -1)], axis), axis)


def _product_of_others(x: Any, axes: tuple) -> Any:
    """``prod_{j != i} x_j`` over ``axes`` at each element ``i``: the derivative of the
    product, exact with zeros (no ``out / x``), as a product of exclusive running products
    from the left and from the right (NOTE [products with zeros])."""
    from lamina.ops.shape import transpose_value  # noqa: PLC0415

    shape, nd = x.shape, len(x.shape)
    if len(axes) == 1:
        axis, xs = axes[0], x
    else:  # the reduced axes, moved last and merged into one
        rest = tuple(i for i in range(nd) if i not in axes)
        perm = rest + tuple(axes)
        moved = tuple(shape[i] for i in perm)
        axis = len(rest)
        xs = reshape_value(transpose_value(x, perm),
                           moved[:axis] + (reduced_size(shape, axes),))
    left = _exclusive_cumprod(xs, axis)
    right = _flip(_exclusive_cumprod(_flip(xs, axis), axis), axis)
    others = ew.apply_ufunc(ew.multiply_p, left, right)
    if len(axes) != 1:
        others = transpose_value(reshape_value(others, moved),
                                 tuple(int(i) for i in np.argsort(perm)))
    return others


def _prod_vjp(g, x, *, out, axes, keepdims, dtype):
    # NOTE [products with zeros]: d prod(x) / d x_i is the product of the other elements.
    # ``out / x`` would give NaN at a zero (and be wrong for its neighbours); the exclusive
    # running products are polynomials in x, so this rule and its own derivatives are exact
    # with zeros too (to the order cumprod's rule is, see _cumprod_vjp).
    if x.dtype.kind not in "fc":
        return (None,)
    if reduced_size(x.shape, axes) <= 1:  # nothing else in the product (or nothing at all)
        return (_to_primal(_expand(g, x.shape, axes, keepdims), x),)
    others = _product_of_others(_cast(x, out.dtype), axes)
    gx = ew.apply_ufunc(ew.multiply_p, _expand(g, x.shape, axes, keepdims), others)
    return (_to_primal(gx, x),)


def _extremum_vjp(g, x, *, out, axes, keepdims):
    # NOTE [ties split evenly]: every element equal to the extremum gets an equal share of the
    # cotangent, as JAX and PyTorch's amax. A NaN result came from the NaNs of its slice.
    if x.dtype.kind not in "fc":
        return (None,)
    top = _expand(out, x.shape, axes, keepdims)
    hit = ew.apply_ufunc(ew.logical_or_p, ew.apply_ufunc(ew.equal_p, x, top),
                         ew.apply_ufunc(ew.not_equal_p, x, x))
    share = _cast(hit, x.dtype)
    share = ew.apply_ufunc(ew.divide_p, share, reduce_sum(share, axes, keepdims=True))
    gx = ew.apply_ufunc(ew.multiply_p, _expand(g, x.shape, axes, keepdims), share)
    return (_to_primal(gx, x),)


def _reverse_cumsum(x: Any, axis: int) -> Any:
    """``sum(x[..., i:])`` at each ``i`` along ``axis``."""
    return _flip(cumsum(_flip(x, axis), axis), axis)


def _cumsum_vjp(g, x, *, out, axis, dtype):
    return (_to_primal(_reverse_cumsum(g, axis), x),)


def _shift(x: Any, axis: int, d: int) -> Any:
    """``x`` moved ``d`` places forward along ``axis``, zeros shifted in: ``x[k - d]``."""
    from lamina.ops.creation import full_value  # noqa: PLC0415
    from lamina.ops.shape import concatenate_values  # noqa: PLC0415

    n = x.shape[axis]
    pad = full_value(tuple(min(d, n) if i == axis else s for i, s in enumerate(x.shape)), 0,
                     x.dtype, x.device)
    if d >= n:
        return pad
    return concatenate_values([pad, _slice(x, axis, None, n - d)], axis)


def _linear_scan(a: Any, b: Any, axis: int) -> Any:
    """``y`` with ``y_k = a_k * y_{k-1} + b_k`` along ``axis`` (``y_{-1} = 0``).

    NOTE [products with zeros] for scans: the derivatives of cumprod are such recurrences.
    Solved by recursive doubling (log2(n) steps of shifts, products and sums: O(n log n)),
    with no division, so the result is a polynomial in ``a`` and ``b`` and every derivative
    of it is exact where an input is 0.
    """
    n, d = a.shape[axis], 1
    while d < n:
        b = ew.apply_ufunc(ew.add_p, b, ew.apply_ufunc(ew.multiply_p, a, _shift(b, axis, d)))
        if 2 * d < n:  # the last step needs no new coefficients
            a = ew.apply_ufunc(ew.multiply_p, a, _shift(a, axis, d))
        d *= 2
    return b


def _cumprod_vjp(g, x, *, out, axis, dtype):
    # d out_k / d x_i = prod_{j <= k, j != i} x_j for k >= i, so the cotangent is
    # gx_i = prod_{j < i} x_j * S_i with S_i = g_i + x_{i+1} S_{i+1}: an exclusive running
    # product and a linear recurrence, both polynomials in x (no out / x), so this rule and
    # its own derivatives are exact with zeros (NOTE [products with zeros]).
    if x.dtype.kind not in "fc":
        return (None,)
    if x.shape[axis] == 0:
        return (_to_primal(g, x),)
    xd = _cast(x, out.dtype)
    g = _cast(g, out.dtype)
    later = _shift(_flip(xd, axis), axis, 1)  # x_{i+1}, reversed
    s = _flip(_linear_scan(later, _flip(g, axis), axis), axis)
    gx = ew.apply_ufunc(ew.multiply_p, _exclusive_cumprod(xd, axis), s)
    return (_to_primal(gx, x),)


def _install_vjp_rules() -> None:
    reduce_sum_p.vjp = _sum_vjp
    reduce_prod_p.vjp = _prod_vjp
    reduce_max_p.vjp = _extremum_vjp
    reduce_min_p.vjp = _extremum_vjp
    cumsum_p.vjp = _cumsum_vjp
    cumprod_p.vjp = _cumprod_vjp


_install_vjp_rules()


# --------------------------------------------------------------------------------------------
# Forward-mode rules (NOTE [jvp rules] in lamina/interpreters/jvp.py), in lamina ops so that
# they are differentiable themselves; each is the transpose of the vjp rule above, so the two
# modes agree (the same zero-safe products, the same even split of ties).

def _tangent_as(t: Any, dtype: np.dtype) -> Any:
    """The tangent ``t`` in the output's floating ``dtype``."""
    return t if t.dtype == dtype else ew.astype_value(t, dtype)


def _prod_jvp(primals, tangents, *, axes, keepdims, dtype):
    (x,), (t,) = primals, tangents
    out = bind(reduce_prod_p, x, axes=axes, keepdims=keepdims, dtype=dtype)
    if t is None or out.dtype.kind not in "fc" or x.dtype.kind not in "fc":
        return out, None
    t = _tangent_as(t, out.dtype)
    if reduced_size(x.shape, axes) > 1:
        # NOTE [products with zeros]: d prod / d x_i is the product of the others.
        t = ew.apply_ufunc(ew.multiply_p, t, _product_of_others(_cast(x, out.dtype), axes))
    return out, bind(reduce_sum_p, t, axes=axes, keepdims=keepdims, dtype=out.dtype)


def _extremum_jvp(prim: Primitive):
    def rule(primals, tangents, *, axes, keepdims):
        (x,), (t,) = primals, tangents
        out = bind(prim, x, axes=axes, keepdims=keepdims)
        if t is None or x.dtype.kind not in "fc":
            return out, None
        # NOTE [ties split evenly]: the mean of the tangents of the elements that tie.
        top = _expand(out, x.shape, axes, keepdims)
        hit = ew.apply_ufunc(ew.logical_or_p, ew.apply_ufunc(ew.equal_p, x, top),
                             ew.apply_ufunc(ew.not_equal_p, x, x))
        share = _cast(hit, x.dtype)
        share = ew.apply_ufunc(ew.divide_p, share, reduce_sum(share, axes, keepdims=True))
        picked = ew.apply_ufunc(ew.multiply_p, _tangent_as(t, x.dtype), share)
        return out, bind(reduce_sum_p, picked, axes=axes, keepdims=keepdims, dtype=out.dtype)

    rule.__name__ = f"_{prim.name}_jvp"
    return rule


def _cumprod_jvp(primals, tangents, *, axis, dtype):
    # The transpose of _cumprod_vjp: tangent_k = sum_{i <= k} t_i prod_{j <= k, j != i} x_j,
    # the recurrence T_k = x_k T_{k-1} + t_k prod_{j < k} x_j (exact with zeros, as the vjp).
    (x,), (t,) = primals, tangents
    out = bind(cumprod_p, x, axis=axis, dtype=dtype)
    if t is None or out.dtype.kind not in "fc" or x.dtype.kind not in "fc":
        return out, None
    t = _tangent_as(t, out.dtype)
    if x.shape[axis] == 0:
        return out, t
    xd = _cast(x, out.dtype)
    b = ew.apply_ufunc(ew.multiply_p, t, _exclusive_cumprod(xd, axis))
    return out, _cast(_linear_scan(xd, b, axis), out.dtype)


def _install_jvp_rules() -> None:
    from lamina.ops.jvp_util import linear_jvp  # noqa: PLC0415

    reduce_sum_p.jvp = linear_jvp(reduce_sum_p)
    cumsum_p.jvp = linear_jvp(cumsum_p)
    reduce_prod_p.jvp = _prod_jvp
    reduce_max_p.jvp = _extremum_jvp(reduce_max_p)
    reduce_min_p.jvp = _extremum_jvp(reduce_min_p)
    cumprod_p.jvp = _cumprod_jvp


_install_jvp_rules()


# --------------------------------------------------------------------------------------------
# vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py). The batch axis stays where
# it is: the logical axes are shifted past it, and when keepdims=False removes axes in front of
# it, the output's batch axis moves left by that many.

def _physical(axis: int, bdim: int) -> int:
    """The axis of the batched value holding logical axis ``axis``."""
    return axis if axis < bdim else axis + 1


def _reduced_bdim(axes: tuple, bdim: int, keepdims: bool) -> int:
    return bdim if keepdims else bdim - sum(a < bdim for a in axes)


def _reduce_batch(prim: Primitive):
    def rule(args, bdims, *, axes, keepdims, **params):
        (x,), (d,) = args, bdims
        moved = tuple(_physical(a, d) for a in axes)  # monotone: still sorted
        return (bind(prim, x, axes=moved, keepdims=keepdims, **params),
                _reduced_bdim(axes, d, keepdims))

    rule.__name__ = f"_{prim.name}_batch"
    return rule


def _arg_batch(prim: Primitive):
    def rule(args, bdims, *, axis, keepdims):
        from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

        (x,), (d,) = args, bdims
        if axis is not None:
            return (bind(prim, x, axis=_physical(axis, d), keepdims=keepdims),
                    _reduced_bdim((axis,), d, keepdims))
        # Over all logical axes: each element's axes flattened into one, reduced as axis 1.
        x = bdim_to_front(x, d)
        n, rest = x.shape[0], tuple(x.shape[1:])
        out = bind(prim, reshape_value(x, (n, prod(rest))), axis=1, keepdims=False)
        if keepdims:
            out = reshape_value(out, (n,) + (1,) * len(rest))
        return out, 0

    rule.__name__ = f"_{prim.name}_batch"
    return rule


def _scan_batch(prim: Primitive):
    def rule(args, bdims, *, axis, dtype):
        (x,), (d,) = args, bdims
        return bind(prim, x, axis=_physical(axis, d), dtype=dtype), d

    rule.__name__ = f"_{prim.name}_batch"
    return rule


def _install_batch_rules() -> None:
    for prim in (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p, reduce_all_p,
                 reduce_any_p):
        prim.batch = _reduce_batch(prim)
    for prim in (argmax_p, argmin_p):
        prim.batch = _arg_batch(prim)
    for prim in (cumsum_p, cumprod_p):
        prim.batch = _scan_batch(prim)


_install_batch_rules()
