"""Hypothesis: reductions over random shapes and every axis form agree with NumPy.

Shapes include 0-d inputs and size-0 dimensions; axes are None, ints (negative too) and tuples
in any order; invalid axes must raise the same exception class as NumPy. A second group checks
the dtype rules (NOTE [reduction dtypes]) over every dtype lamina computes with, and that the
``Tensor`` methods agree with the functions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lamina.numpy as lnp
import lamina.special

_SETTINGS = settings(max_examples=50, deadline=None)


@st.composite
def array_and_axis(draw, allow_invalid: bool = False):
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).uniform(-3, 3, size=shape)
    low, high = (-ndim - 2, ndim + 1) if allow_invalid else (-ndim, ndim - 1)
    if ndim == 0 and not allow_invalid:
        axis = None
    else:
        axis = draw(st.one_of(
            st.none(),
            st.integers(low, high),
            st.lists(st.integers(low, high), max_size=ndim + (1 if allow_invalid else 0),
                     unique=not allow_invalid).map(tuple),
        ))
    keepdims = draw(st.booleans())
    return x, axis, keepdims


def _compare(ours, ref):
    ref = np.asarray(ref)
    assert ours.shape == ref.shape
    assert ours.dtype == ref.dtype
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-10, atol=1e-12, equal_nan=True)


def _outcome(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), None
        except Exception as exc:  # noqa: BLE001 - the class is what we compare
            return None, exc


_ERROR_BASES = (np.exceptions.AxisError, TypeError, ValueError)


def _check_same(name, x, axis, keepdims, our_fn=None, ref_fn=None, **kwargs):
    our_fn = our_fn or getattr(lnp, name)
    ref_fn = ref_fn or getattr(np, name)
    ref, ref_exc = _outcome(ref_fn, x, axis=axis, keepdims=keepdims, **kwargs)
    ours, our_exc = _outcome(our_fn, lnp.asarray(x), axis=axis, keepdims=keepdims, **kwargs)
    if ref_exc is not None:
        assert our_exc is not None, f"NumPy raised {ref_exc!r}, lamina did not"
        base = next(b for b in _ERROR_BASES if isinstance(ref_exc, b))
        assert isinstance(our_exc, base), f"{our_exc!r} is not a {base.__name__} like {ref_exc!r}"
        return
    assert our_exc is None, f"lamina raised {our_exc!r}, NumPy returned {ref!r}"
    _compare(ours, ref)


@_SETTINGS
@given(array_and_axis(allow_invalid=True))
def test_sum_prod_all_any_match_numpy(case):
    x, axis, keepdims = case
    for name in ("sum", "prod", "all", "any", "count_nonzero"):
        _check_same(name, x, axis, keepdims)


@_SETTINGS
@given(array_and_axis(allow_invalid=True))
def test_extrema_match_numpy(case):
    x, axis, keepdims = case
    for name in ("max", "min", "ptp", "nanmax"):
        _check_same(name, x, axis, keepdims)
    _check_same("max", x, axis, keepdims, initial=0.5)


@_SETTINGS
@given(array_and_axis(allow_invalid=True))
def test_mean_var_std_match_numpy(case):
    x, axis, keepdims = case
    for name in ("mean", "var", "std", "nanmean", "nansum"):
        _check_same(name, x, axis, keepdims)
    _check_same("var", x, axis, keepdims, ddof=1)


@_SETTINGS
@given(array_and_axis(allow_invalid=True))
def test_logsumexp_matches_stable_reference(case):
    x, axis, keepdims = case
    assume(x.ndim > 0 or axis is None)  # SciPy's 0-d axis handling is its own
    assume(axis is None or not isinstance(axis, tuple) or len(set(a % max(x.ndim, 1)
                                                                    for a in axis)) == len(axis))
    ours, our_exc = _outcome(lamina.special.logsumexp, lnp.asarray(x), axis=axis,
                             keepdims=keepdims)
    with np.errstate(all="ignore"):
        ref, ref_exc = _outcome(lambda: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)))
    if ref_exc is not None:
        assert our_exc is not None
        return
    assert our_exc is None, our_exc
    _compare(ours, ref)


@st.composite
def array_and_one_axis(draw):
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).integers(-3, 4, size=shape)
    axis = draw(st.one_of(st.none(), st.integers(-ndim - 1, ndim)))
    return x.astype(np.float64), axis, draw(st.booleans())


@_SETTINGS
@given(array_and_one_axis())
def test_argmax_argmin_match_numpy(case):
    x, axis, keepdims = case  # integer values: ties, where the first index must win
    for name in ("argmax", "argmin"):
        _check_same(name, x, axis, keepdims)


@_SETTINGS
@given(array_and_one_axis())
def test_scans_match_numpy(case):
    x, axis, _ = case
    for name in ("cumsum", "cumprod"):
        ref, ref_exc = _outcome(getattr(np, name), x, axis=axis)
        ours, our_exc = _outcome(getattr(lnp, name), lnp.asarray(x), axis=axis)
        assert (ref_exc is None) == (our_exc is None), (ref_exc, our_exc)
        if ref_exc is None:
            _compare(ours, ref)


# -- dtype rules -------------------------------------------------------------------------------

_DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64, np.uint64,
           np.float16, np.float32, np.float64, np.complex64, np.complex128]
_ACC = [None, np.int32, np.int64, np.float32, np.float64]


@pytest.mark.parametrize("dtype", _DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "cumsum", "cumprod",
                                  "nansum", "nanmean", "max", "min", "argmax", "all",
                                  "count_nonzero"])
def test_result_dtype_matches_numpy(name, dtype):
    x = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.asarray(getattr(np, name)(x, axis=0))
    ours = getattr(lnp, name)(lnp.asarray(x), axis=0)
    assert ours.dtype == ref.dtype
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.uint8, np.float32, np.float64],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("acc", _ACC[1:], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "cumsum"])
def test_dtype_argument_matches_numpy(name, dtype, acc):
    x = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    ref = np.asarray(getattr(np, name)(x, axis=1, dtype=acc))
    ours = getattr(lnp, name)(lnp.asarray(x), axis=1, dtype=acc)
    assert ours.dtype == ref.dtype
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-6)


# -- Tensor methods call the functions ---------------------------------------------------------

_METHOD_CALLS = [
    ("sum", (0,), {}), ("sum", (), {"axis": (0, 1), "keepdims": True}),
    ("mean", (1,), {}), ("max", (), {"axis": -1}), ("min", (0,), {"keepdims": True}),
    ("prod", (), {}), ("std", (), {"ddof": 1}), ("var", (0,), {}), ("argmax", (), {}),
    ("argmin", (1,), {}), ("all", (), {}), ("any", (0,), {}), ("cumsum", (1,), {}),
    ("cumprod", (), {}),
]


@pytest.mark.parametrize("name, args, kwargs", _METHOD_CALLS, ids=[c[0] for c in _METHOD_CALLS])
def test_tensor_methods_match_numpy_methods(name, args, kwargs):
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=(3, 4))
    ours = getattr(lnp.asarray(x), name)(*args, **kwargs)
    _compare(ours, getattr(x, name)(*args, **kwargs))


def test_ptp_method():
    x = np.random.default_rng(1).uniform(-1, 1, size=(3, 4))
    _compare(lnp.asarray(x).ptp(axis=1), np.ptp(x, axis=1))


def test_numpy_functions_dispatch_to_lamina():
    x = np.random.default_rng(2).uniform(-1, 1, size=(3, 4))
    t = lnp.asarray(x)
    for fn in (np.sum, np.mean, np.max, np.min, np.std, np.var, np.prod, np.argmax, np.cumsum,
               np.nansum, np.nanmax, np.ptp, np.all, np.count_nonzero):
        ours = fn(t, axis=0)
        assert isinstance(ours, lnp.ndarray), fn.__name__
        _compare(ours, fn(x, axis=0))
    _compare(np.add.reduce(t, axis=1), np.add.reduce(x, axis=1))
    _compare(np.maximum.reduce(t), np.maximum.reduce(x))
    _compare(np.multiply.accumulate(t, axis=1), np.multiply.accumulate(x, axis=1))


# -- out= --------------------------------------------------------------------------------------

_OUT_CALLS = [
    ("sum", {"axis": 0}, np.float64), ("sum", {"axis": 1, "keepdims": True}, np.int64),
    ("prod", {"axis": None}, np.float32), ("mean", {"axis": 1}, np.float64),
    ("var", {"axis": 0, "ddof": 1}, np.float64), ("std", {"axis": 1}, np.float32),
    ("max", {"axis": 0}, np.float64), ("min", {"axis": -1}, np.int32),
    ("nanmax", {"axis": 0}, np.float64), ("ptp", {"axis": 1}, np.float64),
    ("argmax", {"axis": 0}, np.int64), ("argmin", {}, np.int32), ("all", {"axis": 0}, np.bool_),
    ("any", {"axis": 1}, np.float64), ("cumsum", {"axis": 1}, np.float64),
    ("cumprod", {}, np.float32), ("nansum", {"axis": 0}, np.float64),
    ("nanmean", {"axis": 1}, np.float64),
]


@pytest.mark.parametrize("name, kwargs, out_dtype", _OUT_CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(_OUT_CALLS)])
def test_out_matches_numpy(name, kwargs, out_dtype):
    x = np.random.default_rng(3).uniform(0.5, 3, size=(3, 4))
    ref_out = np.zeros(np.shape(getattr(np, name)(x, **kwargs)), out_dtype)
    ref = getattr(np, name)(x, out=ref_out, **kwargs)
    out = lnp.zeros(ref_out.shape, dtype=out_dtype)
    ours = getattr(lnp, name)(lnp.asarray(x), out=out, **kwargs)
    assert ours is out
    assert ref is ref_out
    _compare(out, ref_out)
