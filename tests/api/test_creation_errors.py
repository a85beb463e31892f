"""Creation functions: the errors users hit, and behaviour the OpInfo rows cannot show
(laziness and caching of the range factories, meshgrid's copy semantics, dtype inference)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.numpy as lnp

# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: lnp.arange(), TypeError, "requires stop"),
        (lambda: lnp.arange(0, 5, 0), ZeroDivisionError, "division by zero"),
        (lambda: lnp.arange(0.0, 5.0, 0.0), ZeroDivisionError, "step must not be 0"),
        (lambda: lnp.arange(0, np.nan), ValueError, "cannot compute length"),
        (lambda: lnp.arange(0, np.inf), ValueError, "cannot compute length"),
        (lambda: lnp.arange(0, 1e30, 1e-30), ValueError, "Maximum allowed size exceeded"),
        (lambda: lnp.arange([1, 2]), TypeError, "must be a scalar"),
        (lambda: lnp.arange("5"), TypeError, "must be a number"),
        (lambda: lnp.arange(3j), TypeError, "real bounds"),
        (lambda: lnp.arange(5, dtype=object), TypeError, "numeric dtype"),
        (lambda: lnp.linspace(0, 1, -1), ValueError, "Number of samples, -1, must be"),
        (lambda: lnp.linspace(0, 1, 2.5), TypeError, "cannot be interpreted as an integer"),
        (lambda: lnp.linspace(0, 1, 5, axis=1), np.exceptions.AxisError, "out of bounds"),
        (lambda: lnp.linspace(np.zeros(2), 1, 5, axis=2), np.exceptions.AxisError,
         "out of bounds"),
        (lambda: lnp.linspace(0, 1, 5, dtype="U3"), TypeError, "numeric dtype"),
        (lambda: lnp.logspace(0, 1, -2), ValueError, "must be non-negative"),
        (lambda: lnp.eye(-1), ValueError, "negative dimensions are not allowed"),
        (lambda: lnp.eye(2, -3), ValueError, "negative dimensions are not allowed"),
        (lambda: lnp.eye(2.5), TypeError, "cannot be interpreted as an integer"),
        (lambda: lnp.eye(2, k=0.5), TypeError, "cannot be interpreted as an integer"),
        (lambda: lnp.eye(2, order="X"), ValueError, "order must be 'C' or 'F'"),
        (lambda: lnp.identity(-2), ValueError, "negative dimensions"),
        (lambda: lnp.tri(-1), ValueError, "negative dimensions are not allowed"),
        (lambda: lnp.tri(2, 2.5), TypeError, "cannot be interpreted as an integer"),
        (lambda: lnp.meshgrid([1, 2], indexing="foo"), ValueError,
         "Valid values for `indexing` are 'xy' and 'ij'"),
    ],
)
def test_creation_errors(call, exc, fragment):
    with pytest.raises(exc, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_errors_are_lamina_errors():
    with pytest.raises(lm.LaminaError):
        lnp.arange(0, 1, 0)
    with pytest.raises(lm.LaminaValueError):
        lnp.eye(-1)


def test_meshgrid_copy_false_broadcast_views_are_read_only():
    x = lnp.arange(3.0)
    X, _ = lnp.meshgrid(x, lnp.arange(2.0), copy=False)
    with pytest.raises(ValueError, match="read-only"):
        X[0, 0] = 5.0


# -- behaviour -----------------------------------------------------------------------------------


def test_arange_dtype_inference():
    assert lnp.arange(5).dtype == np.int64
    assert lnp.arange(np.int32(5)).dtype == np.int64  # as NumPy 2
    assert lnp.arange(5.0).dtype == np.float64
    assert lnp.arange(np.float32(5)).dtype == np.float64  # as NumPy 2
    assert lnp.arange(0, 5, 0.5).dtype == np.float64
    assert lnp.arange(True, 3).dtype == np.int64
    assert lnp.arange(5, dtype="float32").dtype == np.float32
    assert lnp.arange(lnp.asarray(4)).tolist() == [0, 1, 2, 3]  # a 0-d tensor bound


def test_range_factories_are_lazy_single_nodes_and_cache():
    lm.lazy.reset_metrics()
    a = lnp.arange(10.0)
    b = lnp.linspace(0.0, 1.0, 7)
    c = lnp.eye(3)
    d = lnp.tri(3, 4)
    for t in (a, b, c, d):
        assert lm.lazy.is_pending(t)
        assert lm.lazy.graph_size(t) == 1
    assert lm.lazy.metrics()["executions"] == 0
    a.numpy()
    before = lm.lazy.metrics()["cache_hits"]
    lnp.arange(10.0).numpy()  # the same graph again: a cache hit, no new compile
    assert lm.lazy.metrics()["cache_hits"] == before + 1


def test_linspace_retstep_nan_for_one_sample():
    samples, step = lnp.linspace(0.0, 1.0, 1, retstep=True)
    assert samples.tolist() == [0.0] and np.isnan(step)
    _, step = lnp.linspace(np.zeros(2), np.ones(2), 1, retstep=True)
    assert step.shape == (2,) and np.isnan(step.numpy()).all()


def test_linspace_keeps_float32_bounds():
    assert lnp.linspace(np.float32(0), np.float32(1), 5).dtype == np.float32
    assert lnp.linspace(lnp.zeros(2, dtype="float32"), 1, 5).dtype == np.float32
    assert lnp.linspace(0, 1, 5).dtype == np.float64


def test_meshgrid_copy_true_gives_independent_tensors():
    x = lnp.arange(3.0)
    X, Y = lnp.meshgrid(x, lnp.arange(2.0))
    X[0, 0] = 100.0
    assert x.tolist() == [0.0, 1.0, 2.0]
    assert X.numpy()[1, 0] == 0.0  # a real copy: the broadcast is not shared between rows
    x[1] = -1.0
    assert X.numpy()[0, 1] == 1.0


def test_meshgrid_copy_false_views_follow_the_input():
    x = lnp.arange(3.0)
    X, _ = lnp.meshgrid(x, lnp.arange(2.0), copy=False)
    x[1] = 7.0
    assert X.numpy()[:, 1].tolist() == [7.0, 7.0]
    xs, ys = lnp.meshgrid(x, lnp.arange(2.0), copy=False, sparse=True)
    assert xs.shape == (1, 3) and ys.shape == (2, 1)
    xs[0, 2] = -5.0  # sparse views are plain reshapes: writable, and write through
    assert x.tolist() == [0.0, 7.0, -5.0]


def test_meshgrid_no_inputs():
    assert lnp.meshgrid() == ()


# -- Hypothesis: lengths, shapes and axes against NumPy --------------------------------------------

_ints = st.integers(-20, 20)


@settings(max_examples=50, deadline=None)
@given(_ints, _ints, _ints.filter(lambda s: s != 0))
def test_arange_int_matches_numpy(start, stop, step):
    np.testing.assert_array_equal(lnp.arange(start, stop, step).numpy(),
                                  np.arange(start, stop, step))


@settings(max_examples=50, deadline=None)
@given(st.floats(-10, 10), st.floats(-10, 10),
       st.floats(0.05, 3).flatmap(lambda s: st.sampled_from([s, -s])))
def test_arange_float_matches_numpy(start, stop, step):
    expected = np.arange(start, stop, step)
    got = lnp.arange(start, stop, step).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(1, 3), max_size=2),
    st.lists(st.integers(1, 3), max_size=2),
    st.integers(0, 6),
    st.booleans(),
    st.data(),
)
def test_linspace_array_bounds_match_numpy(shape1, shape2, num, endpoint, data):
    rng = np.random.default_rng(0)
    a = rng.uniform(-3, 3, size=shape1)
    b = rng.uniform(-3, 3, size=shape2)
    try:
        out_ndim = 1 + len(np.broadcast_shapes(a.shape, b.shape))
    except ValueError:
        return
    axis = data.draw(st.integers(-out_ndim, out_ndim - 1))
    expected, estep = np.linspace(a, b, num, endpoint=endpoint, axis=axis, retstep=True)
    got, step = lnp.linspace(lnp.asarray(a), lnp.asarray(b), num, endpoint=endpoint, axis=axis,
                             retstep=True)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(step.numpy(), estep, rtol=1e-12, equal_nan=True)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 5)), st.integers(-6, 6))
def test_eye_and_tri_match_numpy(n, m, k):
    np.testing.assert_array_equal(lnp.eye(n, m, k).numpy(), np.eye(n, m, k))
    np.testing.assert_array_equal(lnp.tri(n, m, k, dtype=int).numpy(), np.tri(n, m, k, dtype=int))
