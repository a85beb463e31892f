"""OpInfo rows: reductions (sum, mean, max, argmax, cumsum, the nan* family, logsumexp, ...).

Samples cover 0-d, 1-d, 2-d and 3-d inputs, every axis form (None, int, negative int, tuple),
keepdims, size-0 axes where NumPy allows them, and the keywords users pass (dtype, ddof,
initial, where). ``out=`` is tested in ``tests/ops/test_reduction_axes.py``, not here: an
in-place write is not a function of the inputs that transform tests could differentiate.
"""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
import lamina.special
from tests.ops.opinfo import ALL_REAL, FLOATS, OpInfo, Sample, with_complex
from tests.ops.opinfo import make_array as _make_array

ROWS: list[OpInfo] = []

WITH_BOOL = ALL_REAL + (np.bool_,)
SHAPES = ((), (5,), (3, 4), (2, 3, 4))


def make_array(rng, shape, dtype, low=-2.0, high=2.0) -> np.ndarray:
    # np.asarray: a 0-d bool sample comes back as a NumPy scalar, which the tests would not
    # turn into a tensor (so it would never reach the device under test).
    return np.asarray(_make_array(rng, shape, dtype, low, high))


def _axis_forms(ndim: int) -> list:
    """Every axis form that is valid for ``ndim``: None, 0, -1, a tuple, the full tuple."""
    forms: list = [None]
    if ndim >= 1:
        forms += [0, -1]
    if ndim >= 2:
        forms += [(0, -1)]
    if ndim >= 3:
        forms += [(0, 2), 1]
    return forms


def _float_kind(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


def _with_nans(rng, x: np.ndarray) -> np.ndarray:
    """``x`` with NaNs at random among the elements whose index sum is odd.

    Every line along every axis then keeps a number, so no slice of any axis form is all-NaN:
    the nan* functions stay finite and differentiable on these samples (test_grad). All-NaN
    slices, whose NaN results finite differences cannot check, are the ``*_nan_outputs`` rows.
    """
    if x.size and _float_kind(x.dtype):
        x = x.copy()
        odd = np.indices(x.shape).sum(axis=0) % 2 == 1
        x[odd & (rng.random(x.shape) < 0.6)] = np.nan
    return x


def _nan_outputs(name: str, op, ref, samples, dtypes) -> OpInfo:
    """A row of the samples whose results are NaN or infinite (all-NaN slices, inf inputs):
    forward coverage; finite differences of a NaN are NaN, so test_grad cannot check them."""
    nan = "NaN/inf results: finite differences are NaN"
    return OpInfo(f"{name}_nan_outputs", op, ref, samples, dtypes=dtypes,
                  xfail={"test_grad": nan, "test_grad_complex": nan,
                         "test_seeds_complex": nan})


def _all_nan_samples(extra=None):
    def samples(rng, dtype):
        if not _float_kind(dtype):
            return
        x = make_array(rng, (3, 4), dtype)
        x[1, :] = np.nan
        x[0, 2] = np.nan
        yield Sample((x,), {"axis": 1}, name="an all-NaN row")
        yield Sample((x,), {"axis": 1, "keepdims": True}, name="an all-NaN row, keepdims")
        yield Sample((np.full((2, 3), np.nan, dtype),), {}, name="all NaN, axis=None")
        yield Sample((np.asarray(np.array(np.nan, dtype)),), {}, name="0-d NaN")
        if extra is not None:
            yield from extra(rng, dtype, x)

    return samples


def reduction_samples(low=-2.0, high=2.0, *, empty=True, extra=None, nans=False,
                      keepdims=True, shapes=SHAPES):
    """Samples for ``f(a, axis=..., keepdims=...)`` over every shape and axis form.

    ``extra(rng, dtype)`` yields further samples (dtype=, initial=, ...); ``empty`` adds size-0
    inputs reduced over a non-empty axis and (for ops with an identity) over the empty one.
    """

    def samples(rng, dtype):
        for shape in shapes:
            for axis in _axis_forms(len(shape)):
                for kd in (False, True) if keepdims else (False,):
                    x = make_array(rng, shape, dtype, low, high)
                    if nans:
                        x = _with_nans(rng, x)
                    yield Sample((x,), {"axis": axis, "keepdims": kd},
                                 name=f"shape={shape} axis={axis} keepdims={kd}")
        if empty:
            x = make_array(rng, (0, 3), dtype, low, high)
            yield Sample((x,), {"axis": 1}, name="size-0, non-empty axis")
            if empty == "identity":
                yield Sample((x,), {"axis": 0}, name="size-0 axis")
                yield Sample((x,), {}, name="size-0, axis=None")
        # NOTE [special values]: a 0-d 1.0 (AD sees a known constant) and exact 0, 1, -1.
        if low <= -1 and high >= 2:
            yield Sample((np.asarray(np.array(1, dtype)),), {}, name="0-d 1")
            yield Sample((np.array([0, 1, -1, 2], dtype),), {"axis": 0},
                         name="exact 0, 1, -1, 2")
        if _float_kind(dtype):
            # NOTE [reductions over no axis]: NumPy combines each element with the identity
            # (sum(-0.0) is 0.0, prod(complex(x, nan)) is nan+nanj), it does not copy.
            yield Sample((np.asarray(np.array(-0.0, dtype)),), {}, name="0-d -0.0")
            x = np.array([[-0.0, 1.5], [0.0, -0.5]], dtype)
            for kd in (False, True):
                yield Sample((x,), {"axis": (), "keepdims": kd}, name=f"axis=() keepdims={kd}")
            if np.dtype(dtype).kind == "c":
                for z in (complex(-1e-5, np.nan), complex(-0.0, -0.0), complex(np.inf, 0)):
                    yield Sample((np.asarray(np.array(z, dtype)),), {}, name=f"0-d {z}",
                                 grad=np.isfinite(z))
        if extra is not None:
            yield from extra(rng, dtype)

    return samples


def _dtype_args(dtype):
    """Accumulator dtypes a user may ask for with this input dtype."""
    # Never narrower than a float input: a float32 accumulator for float64 data differs from
    # NumPy's by float32 rounding, more than the float64 tolerance, on devices that sum in
    # another order.
    kind = np.dtype(dtype).kind
    if kind == "f":
        return (np.float64,) if np.dtype(dtype) == np.float64 else (np.float32, np.float64)
    return (np.int32, np.float64, np.int64)


# -- sum, prod, nansum, nanprod --------------------------------------------------------------

def _sum_extra(low, high, nans=False):
    def extra(rng, dtype):
        x = make_array(rng, (3, 4), dtype, low, high)
        if nans:
            x = _with_nans(rng, x)
        for dt in _dtype_args(dtype):
            yield Sample((x,), {"axis": 0, "dtype": dt}, name=f"dtype={np.dtype(dt).name}")
        yield Sample((x,), {"axis": 1, "initial": 2}, name="initial")
        yield Sample((x,), {"axis": None, "initial": 1.5}, name="initial cast to the dtype")
        yield Sample((x,), {"axis": 1, "where": np.array([True, False, True, True])},
                     name="where")
        yield Sample((x,), {"axis": (0, 1), "keepdims": True, "where": rng.random((3, 1)) < 0.5,
                            "initial": 1}, name="where+initial")
        yield Sample((make_array(rng, (), dtype, low, high),), {"axis": 0},
                     name="0-d with axis=0")
        yield Sample((x, 0), name="positional axis")

    return extra


ROWS += [
    OpInfo("sum", lnp.sum, np.sum,
           reduction_samples(empty="identity", extra=_sum_extra(-2, 2)), dtypes=WITH_BOOL),
    OpInfo("prod", lnp.prod, np.prod,
           reduction_samples(0.5, 1.5, empty="identity", extra=_sum_extra(0.5, 1.5)),
           dtypes=WITH_BOOL),
    OpInfo("nansum", lnp.nansum, np.nansum,
           reduction_samples(empty="identity", nans=True, extra=_sum_extra(-2, 2, nans=True)),
           dtypes=ALL_REAL),
    OpInfo("nanprod", lnp.nanprod, np.nanprod,
           reduction_samples(0.5, 1.5, empty="identity", nans=True,
                             extra=_sum_extra(0.5, 1.5, nans=True)),
           dtypes=ALL_REAL),
]


# -- max, min, amax, amin, nanmax, nanmin, ptp -----------------------------------------------

def _extremum_extra(nans=False):
    def extra(rng, dtype):
        x = make_array(rng, (3, 4), dtype)
        if nans:
            x = _with_nans(rng, x)
        init = 1 if np.dtype(dtype).kind in "iub" else 0.5
        yield Sample((x,), {"axis": 0, "initial": init}, name="initial")
        yield Sample((x,), {"axis": 1, "initial": init,
                            "where": np.array([True, False, True, False])},
                     name="where+initial")
        yield Sample((make_array(rng, (0, 3), dtype),), {"axis": 0, "initial": init},
                     name="size-0 axis with initial")
        yield Sample((make_array(rng, (), dtype),), {"axis": -1}, name="0-d with axis=-1")

    return extra


def _nan_extremum_extra(rng, dtype):
    yield from _extremum_extra(nans=True)(rng, dtype)
    if _float_kind(dtype):
        x = make_array(rng, (3, 4), dtype)
        x[1, :] = np.nan
        x[0, 2] = np.nan
        yield Sample((x,), {"axis": 0, "keepdims": True}, name="some NaN columns")
        yield Sample((x,), {"axis": 1, "initial": -5.0}, name="all-NaN row with initial")


for _name in ("max", "min", "amax", "amin"):
    ROWS.append(OpInfo(_name, getattr(lnp, _name), getattr(np, _name),
                       reduction_samples(extra=_extremum_extra()), dtypes=WITH_BOOL))
for _name in ("nanmax", "nanmin"):
    ROWS.append(OpInfo(_name, getattr(lnp, _name), getattr(np, _name),
                       reduction_samples(nans=True, extra=_nan_extremum_extra),
                       dtypes=ALL_REAL))
    ROWS.append(_nan_outputs(_name, getattr(lnp, _name), getattr(np, _name),
                             _all_nan_samples(), FLOATS))


ROWS.append(OpInfo("ptp", lnp.ptp, np.ptp, reduction_samples(), dtypes=ALL_REAL))


# -- argmax, argmin (no grad) ----------------------------------------------------------------

def _arg_samples(rng, dtype):
    for shape in SHAPES:
        axes = [None] + ([0, -1] if shape else []) + ([1] if len(shape) >= 3 else [])
        for axis in axes:
            for kd in (False, True):
                yield Sample((make_array(rng, shape, dtype),), {"axis": axis, "keepdims": kd},
                             name=f"shape={shape} axis={axis} keepdims={kd}")
    yield Sample((make_array(rng, (3, 0), dtype),), {"axis": 0}, name="size-0 other axis")
    yield Sample((make_array(rng, (), dtype),), {"axis": 0}, name="0-d with axis=0")
    yield Sample((make_array(rng, (4, 5), dtype), 1), name="positional axis")
    if _float_kind(dtype):
        x = make_array(rng, (3, 4), dtype)
        x[1, 2] = np.nan
        yield Sample((x,), {"axis": 1}, name="NaN wins, as NumPy")


for _name in ("argmax", "argmin"):
    ROWS.append(OpInfo(_name, getattr(lnp, _name), getattr(np, _name), _arg_samples,
                       dtypes=WITH_BOOL, nondiff=True))


# -- all, any, count_nonzero (no grad) --------------------------------------------------------

def _logical_extra(rng, dtype):
    x = make_array(rng, (3, 4), dtype, -1, 2)
    yield Sample((x,), {"axis": 0, "where": np.array([True, False, True, True])}, name="where")
    yield Sample((np.zeros((3, 4), dtype),), {"axis": 1}, name="zeros")
    yield Sample((np.ones((3, 4), dtype),), {"axis": None}, name="ones")


for _name in ("all", "any"):
    ROWS.append(OpInfo(_name, getattr(lnp, _name), getattr(np, _name),
                       reduction_samples(-1, 2, empty="identity", extra=_logical_extra),
                       dtypes=WITH_BOOL, nondiff=True))


def _count_samples(rng, dtype):
    for shape in SHAPES:
        for axis in _axis_forms(len(shape)):
            for kd in (False, True):
                yield Sample((make_array(rng, shape, dtype, -1, 2),),
                             {"axis": axis, "keepdims": kd})
    yield Sample((make_array(rng, (0, 3), dtype),), {"axis": 0}, name="size-0 axis")


ROWS.append(OpInfo("count_nonzero", lnp.count_nonzero, np.count_nonzero, _count_samples,
                   dtypes=WITH_BOOL, nondiff=True))


# -- mean, var, std and the nan versions -----------------------------------------------------

def _mean_extra(nans=False):
    def extra(rng, dtype):
        x = make_array(rng, (3, 4), dtype)
        if nans:
            x = _with_nans(rng, x)
        if np.dtype(dtype) == np.float32:
            yield Sample((x,), {"axis": 0, "dtype": np.float32}, name="dtype=float32")
        yield Sample((x,), {"axis": 1, "dtype": np.float64}, name="dtype=float64")
        yield Sample((x,), {"axis": 1, "where": np.array([True, False, True, True])},
                     name="where")

    return extra


def _var_extra(nans=False):
    def extra(rng, dtype):
        yield from _mean_extra(nans)(rng, dtype)
        # 4 x 4: with _with_nans every line keeps at least 2 numbers, so ddof=1 stays finite.
        x = make_array(rng, (4, 4), dtype)
        if nans:
            x = _with_nans(rng, x)
        yield Sample((x,), {"axis": 0, "ddof": 1}, name="ddof=1")
        yield Sample((x,), {"axis": None, "ddof": 2, "keepdims": True}, name="ddof=2")
        yield Sample((x,), {"axis": 1, "correction": 1}, name="correction=1")
        yield Sample((make_array(rng, (2, 3, 4), dtype),), {"axis": (0, 2), "ddof": 1},
                     name="tuple axis, ddof=1")
        if not nans:
            m = np.mean(x, axis=1, keepdims=True)
            yield Sample((x,), {"axis": 1, "mean": m}, name="precomputed mean")

    return extra


_MEAN_SHAPES = ((5,), (3, 4), (2, 3, 4))  # mean/var reject axis=0 on 0-d inputs, as NumPy

ROWS += [
    OpInfo("mean", lnp.mean, np.mean, reduction_samples(extra=_mean_extra()),
           dtypes=WITH_BOOL),
    OpInfo("var", lnp.var, np.var, reduction_samples(extra=_var_extra()), dtypes=ALL_REAL),
    OpInfo("std", lnp.std, np.std, reduction_samples(extra=_var_extra()), dtypes=ALL_REAL),
    OpInfo("nanmean", lnp.nanmean, np.nanmean,
           reduction_samples(nans=True, extra=_mean_extra(nans=True)), dtypes=ALL_REAL),
    OpInfo("nanvar", lnp.nanvar, np.nanvar,
           reduction_samples(nans=True, extra=_var_extra(nans=True)), dtypes=ALL_REAL),
    OpInfo("nanstd", lnp.nanstd, np.nanstd,
           reduction_samples(nans=True, extra=_var_extra(nans=True)), dtypes=ALL_REAL),
]


def _nan_var_extra(rng, dtype, x):
    yield Sample((x,), {"axis": 1, "ddof": 1}, name="an all-NaN row, ddof=1")
    yield Sample((x[:1],), {"axis": 1, "ddof": 3}, name="one number left: ddof >= count")


ROWS += [_nan_outputs(_name, getattr(lnp, _name), getattr(np, _name), _all_nan_samples(extra),
                      FLOATS)
         for _name, extra in (("nanmean", None), ("nanvar", _nan_var_extra),
                              ("nanstd", _nan_var_extra))]


# -- average ----------------------------------------------------------------------------------

def _average_samples(rng, dtype):
    for shape in _MEAN_SHAPES:
        for axis in _axis_forms(len(shape)):
            x = make_array(rng, shape, dtype)
            yield Sample((x,), {"axis": axis}, name=f"unweighted shape={shape} axis={axis}")
            w = make_array(rng, shape, dtype, 1, 3)
            yield Sample((x,), {"axis": axis, "weights": w}, name="same-shape weights")
    x = make_array(rng, (3, 4), dtype)
    yield Sample((x,), {"axis": 1, "weights": make_array(rng, (4,), dtype, 1, 3)},
                 name="1-d weights")
    yield Sample((x,), {"axis": -2, "weights": make_array(rng, (3,), dtype, 1, 3),
                        "keepdims": True}, name="1-d weights, keepdims")
    y = make_array(rng, (2, 3, 4), dtype)
    yield Sample((y,), {"axis": (2, 0), "weights": make_array(rng, (4, 2), dtype, 1, 3)},
                 name="tuple axis, transposed weights")
    yield Sample((x,), {"axis": 1, "weights": make_array(rng, (4,), dtype, 1, 3),
                        "returned": True}, name="returned")
    yield Sample((x,), {"axis": 0, "returned": True}, name="unweighted returned")
    yield Sample((x,), {"weights": make_array(rng, (3, 4), np.float64, 1, 3)},
                 name="float64 weights")


ROWS.append(OpInfo("average", lnp.average, np.average, _average_samples, dtypes=ALL_REAL))


# -- cumsum, cumprod, cumulative_sum, cumulative_prod ------------------------------------------

def _scan_samples(low, high):
    def samples(rng, dtype):
        for shape in SHAPES:
            axes = [None] + ([0, -1] if shape else [0]) + ([1] if len(shape) >= 3 else [])
            for axis in axes:
                yield Sample((make_array(rng, shape, dtype, low, high),), {"axis": axis},
                             name=f"shape={shape} axis={axis}")
        x = make_array(rng, (3, 4), dtype, low, high)
        for dt in _dtype_args(dtype):
            yield Sample((x,), {"axis": 1, "dtype": dt}, name=f"dtype={np.dtype(dt).name}")
        yield Sample((make_array(rng, (0, 3), dtype),), {"axis": 0}, name="size-0 axis")
        yield Sample((make_array(rng, (0, 3), dtype),), {}, name="size-0 flattened")
        yield Sample((x, 0), name="positional axis")

    return samples


def _cumulative_samples(low, high):
    def samples(rng, dtype):
        for shape in ((), (5,)):
            for inc in (False, True):
                yield Sample((make_array(rng, shape, dtype, low, high),),
                             {"include_initial": inc}, name=f"shape={shape} initial={inc}")
        x = make_array(rng, (2, 3, 4), dtype, low, high)
        for axis in (0, -1, 1):
            for inc in (False, True):
                yield Sample((x,), {"axis": axis, "include_initial": inc},
                             name=f"axis={axis} initial={inc}")
        yield Sample((x,), {"axis": 1, "dtype": np.float64}, name="dtype")

    return samples


ROWS += [
    OpInfo("cumsum", lnp.cumsum, np.cumsum, _scan_samples(-2, 2), dtypes=WITH_BOOL),
    OpInfo("cumprod", lnp.cumprod, np.cumprod, _scan_samples(0.5, 1.5), dtypes=WITH_BOOL),
    OpInfo("cumulative_sum", lnp.cumulative_sum, np.cumulative_sum,
           _cumulative_samples(-2, 2), dtypes=WITH_BOOL),
    OpInfo("cumulative_prod", lnp.cumulative_prod, np.cumulative_prod,
           _cumulative_samples(0.5, 1.5), dtypes=ALL_REAL),
]


# -- ufunc methods that route to reductions --------------------------------------------------

def _ufunc_reduce_samples(low, high, logical=False):
    def samples(rng, dtype):
        x = make_array(rng, (3, 4), dtype, low, high)
        yield Sample((x,), name="default axis=0")
        yield Sample((x,), {"axis": None}, name="axis=None")
        yield Sample((x,), {"axis": 1, "keepdims": True}, name="keepdims")
        yield Sample((x,), {"axis": (0, 1)}, name="tuple axis")
        if np.dtype(dtype).kind != "b" and not (logical and np.dtype(dtype).kind == "c"):
            # Complex input keeps a complex dtype: a real one discards the imaginary part (the
            # logical ufuncs have no loop from complex to a dtype= at all: NumPy refuses it).
            wide = np.complex128 if np.dtype(dtype).kind == "c" else np.float64
            yield Sample((x,), {"axis": 1, "dtype": wide}, name="dtype")

    return samples


for _ufunc, _lo, _hi, _dtypes in (("add", -2, 2, WITH_BOOL), ("multiply", 0.5, 1.5, ALL_REAL),
                                  ("maximum", -2, 2, ALL_REAL), ("minimum", -2, 2, ALL_REAL),
                                  ("fmax", -2, 2, FLOATS), ("fmin", -2, 2, FLOATS),
                                  ("logical_and", -1, 2, (np.bool_,)),
                                  ("logical_or", -1, 2, (np.bool_,))):
    ROWS.append(OpInfo(f"{_ufunc}.reduce", getattr(lnp, _ufunc).reduce,
                       getattr(np, _ufunc).reduce,
                       _ufunc_reduce_samples(_lo, _hi, _ufunc.startswith("logical")),
                       dtypes=_dtypes, nondiff=_ufunc.startswith("logical")))


def _accumulate_samples(low, high):
    def samples(rng, dtype):
        x = make_array(rng, (3, 4), dtype, low, high)
        yield Sample((x,), name="default axis=0")
        wide = np.complex128 if np.dtype(dtype).kind == "c" else np.float64  # keep Im
        yield Sample((x,), {"axis": 1, "dtype": wide}, name="axis=1, dtype")

    return samples


for _ufunc, _lo, _hi in (("add", -2, 2), ("multiply", 0.5, 1.5)):
    ROWS.append(OpInfo(f"{_ufunc}.accumulate", getattr(lnp, _ufunc).accumulate,
                       getattr(np, _ufunc).accumulate, _accumulate_samples(_lo, _hi),
                       dtypes=ALL_REAL))


# -- lamina.special.logsumexp ------------------------------------------------------------------

def _logsumexp_ref(a, axis=None, b=None, keepdims=False, return_sign=False):
    """A NumPy reference for ``scipy.special.logsumexp`` (SciPy is not a dependency)."""
    a = np.asarray(a)
    if a.dtype.kind in "biu":
        a = a.astype(np.float64)
    if b is not None:
        b = np.asarray(b, dtype=a.dtype if isinstance(b, (int, float)) else None)
        dt = np.result_type(a.dtype, b.dtype, np.float16)
        a, b = np.broadcast_arrays(a.astype(dt), b.astype(dt))
    with np.errstate(all="ignore"):
        if a.size == 0 or 0 in [a.shape[i] for i in np.atleast_1d(
                np.arange(a.ndim) if axis is None else axis)]:
            top = np.zeros(np.sum(a, axis=axis, keepdims=True).shape, a.dtype)
        else:
            top = np.max(a, axis=axis, keepdims=True)
            top = np.where(np.isfinite(top), top, np.zeros((), a.dtype))
        terms = np.exp(a - top)
        if b is not None:
            terms = b * terms
        s = np.sum(terms, axis=axis, keepdims=keepdims)
        sign = np.sign(s)
        if return_sign:
            s = np.abs(s)
        out = np.log(s)
        if not keepdims:
            top = np.squeeze(top, axis=axis)
        out = out + top
    return (out, sign) if return_sign else out


def _logsumexp_samples(rng, dtype):
    for shape in SHAPES:
        for axis in _axis_forms(len(shape)):
            for kd in (False, True):
                yield Sample((make_array(rng, shape, dtype, -5, 5),),
                             {"axis": axis, "keepdims": kd},
                             name=f"shape={shape} axis={axis} keepdims={kd}")
    if _float_kind(dtype):
        big = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -999.5, -1001.0]], dtype)
        yield Sample((big,), {"axis": 1}, name="large values (no overflow)")
        yield Sample((np.array([1000.0, 1000.0], dtype),), name="large ties")
    x = make_array(rng, (3, 4), dtype, -5, 5)
    b = make_array(rng, (4,), np.float64, 0.5, 2)
    yield Sample((x,), {"axis": 1, "b": b}, name="b broadcast")
    b_neg = np.array([1.0, -2.0, 0.5, -0.25])
    yield Sample((x,), {"axis": -1, "b": b_neg, "return_sign": True}, name="return_sign")
    yield Sample((x,), {"axis": 0, "b": 2.0}, name="scalar b")


def _logsumexp_inf_samples(rng, dtype):
    big = np.array([[1000.0, 999.0, -1000.0], [-np.inf, -np.inf, -np.inf]], dtype)
    yield Sample((big,), {"axis": 1}, name="large values and an all -inf row")
    yield Sample((np.array([1.0, np.inf], dtype),), name="inf")
    yield Sample((np.array([1.0, np.nan], dtype),), name="nan")
    yield Sample((make_array(rng, (0, 3), dtype),), {"axis": 0}, name="empty slice")


ROWS += [
    OpInfo("special.logsumexp", lamina.special.logsumexp, _logsumexp_ref, _logsumexp_samples,
           dtypes=ALL_REAL),
    _nan_outputs("special.logsumexp", lamina.special.logsumexp, _logsumexp_ref,
                 _logsumexp_inf_samples, FLOATS),
]


# Complex samples for the ops NumPy computes for complex inputs.
with_complex(ROWS, (
    "sum prod nansum nanprod max min amax amin nanmax nanmax_nan_outputs nanmin "
    "nanmin_nan_outputs ptp argmax argmin all any count_nonzero mean var std nanmean nanvar "
    "nanstd nanmean_nan_outputs nanvar_nan_outputs nanstd_nan_outputs average cumsum cumprod "
    "cumulative_sum cumulative_prod add.reduce multiply.reduce maximum.reduce minimum.reduce "
    "fmax.reduce fmin.reduce add.accumulate multiply.accumulate special.logsumexp "
    "special.logsumexp_nan_outputs logical_and.reduce logical_or.reduce "
).strip())
