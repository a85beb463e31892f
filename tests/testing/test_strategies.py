"""``lamina.testing.strategies``: Hypothesis strategies producing lamina tensors, shapes, axes."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lamina as lm
import lamina.numpy as lnp
import lamina.testing
from lamina.testing import assert_allclose
from lamina.testing.strategies import (
    arrays,
    axes,
    broadcastable_shapes,
    mutually_broadcastable_shapes,
    shapes,
)

FAST = settings(max_examples=25, deadline=None)


@FAST
@given(arrays(np.float64, (2, 3)))
def test_arrays_gives_tensors_of_the_requested_dtype_shape_and_device(x):
    assert type(x) is lm.Tensor
    assert x.dtype == np.float64
    assert x.shape == (2, 3)
    assert x.device is lm.Device("cpu")


@FAST
@given(st.data())
def test_dtype_and_shape_may_be_strategies(data):
    shape = data.draw(shapes(max_dims=2), label="shape")
    x = data.draw(arrays(st.sampled_from([np.float32, np.int16, np.bool_, np.complex64]),
                         st.just(shape)))
    assert x.shape == shape
    assert x.dtype in (np.float32, np.int16, np.bool_, np.complex64)
    y = data.draw(arrays("int32", 4))  # an int shape, a dtype string
    assert y.shape == (4,) and y.dtype == np.int32


@FAST
@given(arrays(st.sampled_from([np.float64, np.float32, np.float16, np.complex128]),
              shapes(min_dims=1)))
def test_default_float_elements_are_finite_and_moderate(x):
    a = x.numpy()
    assert np.all(np.isfinite(a))
    # Hypothesis bounds a complex number's modulus up to rounding (7.6+6.5j has been drawn).
    assert np.all(np.abs(a) <= 10 * (1 + 1e-6))
    tiny = np.finfo(a.dtype).tiny
    assert not np.any((a.real != 0) & (np.abs(a.real) < tiny))  # no subnormals


@FAST
@given(arrays(np.int8, (6,)), arrays(np.uint8, (6,)))
def test_default_integer_elements_are_moderate_and_in_range(i, u):
    assert np.all(np.abs(i.numpy()) <= 10)
    assert np.all(u.numpy() <= 10)


@FAST
@given(arrays(np.float64, (5,), elements=st.floats(100, 200)),
       arrays(np.float32, (5,), elements={"min_value": -1, "max_value": 0}),
       arrays(np.int64, (8,), elements=st.integers(0, 100), unique=True))
def test_elements_and_unique_are_honoured(big, small, distinct):
    assert np.all((big.numpy() >= 100) & (big.numpy() <= 200))
    assert np.all((small.numpy() >= -1) & (small.numpy() <= 0))
    assert len(set(distinct.numpy().tolist())) == 8


@FAST
@given(shapes(min_dims=1, max_dims=4, min_side=2, max_side=3))
def test_shapes_respects_its_bounds(shape):
    assert 1 <= len(shape) <= 4
    assert all(2 <= s <= 3 for s in shape)


@FAST
@given(st.data(), shapes(max_dims=3))
def test_broadcastable_shapes_broadcast_with_the_given_shape(data, shape):
    other = data.draw(broadcastable_shapes(shape, max_dims=4))
    assert np.broadcast_shapes(shape, other) == (lnp.zeros(shape) + lnp.zeros(other)).shape
    from_strategy = data.draw(broadcastable_shapes(st.just(shape)))
    np.broadcast_shapes(shape, from_strategy)


@FAST
@given(mutually_broadcastable_shapes(3, max_dims=3))
def test_mutually_broadcastable_shapes_broadcast_together(shapes3):
    a, b, c = (lnp.ones(s) for s in shapes3.input_shapes)
    assert (a + b + c).shape == shapes3.result_shape


@settings(max_examples=60, deadline=None)
@given(st.data(), arrays(np.float64, shapes(max_dims=4, max_side=3)))
def test_axes_are_valid_for_lnp_sum(data, x):
    axis = data.draw(axes(x.ndim), label="axis")
    if isinstance(axis, tuple):
        normalized = [a % x.ndim for a in axis]
        assert len(set(normalized)) == len(axis)  # distinct after normalization
    elif axis is not None:
        assert -x.ndim <= axis < x.ndim
    assert_allclose(lnp.sum(x, axis=axis), np.sum(x.numpy(), axis=axis), rtol=1e-12,
                    atol=1e-12)


@FAST
@given(st.data(), st.integers(0, 4))
def test_axes_options(data, ndim):
    if ndim:
        only_ints = data.draw(axes(ndim, allow_none=False, allow_tuple=False,
                                   allow_negative=False))
        assert isinstance(only_ints, int) and 0 <= only_ints < ndim
    tup = data.draw(axes(st.just(ndim), allow_none=False, allow_int=False))
    assert isinstance(tup, tuple) and all(-ndim <= a < ndim for a in tup)
    assert data.draw(axes(0)) in (None, ())


def test_axes_needs_some_kind_of_axis():
    with pytest.raises(ValueError, match="allow at least one of None"):
        axes(2, allow_none=False, allow_int=False, allow_tuple=False)
    with pytest.raises(ValueError, match="a 0-d array has no int axis"):
        axes(0, allow_none=False, allow_tuple=False)


@FAST
@given(arrays(np.float64, shapes(), elements=hnp.from_dtype(np.dtype(np.float64),
                                                            allow_nan=False, min_value=-1,
                                                            max_value=1)))
def test_custom_elements_strategy_from_hypothesis(x):
    assert np.all(np.abs(x.numpy()) <= 1)


def test_strategies_is_reachable_as_an_attribute():
    assert lamina.testing.strategies.arrays is arrays
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        lamina.testing.nope  # noqa: B018


def test_missing_hypothesis_raises_an_import_error_saying_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "lamina.testing.strategies")
    with pytest.raises(ImportError, match="pip install hypothesis"):
        importlib.import_module("lamina.testing.strategies")


@pytest.mark.gpu
@settings(max_examples=10, deadline=None)
@given(arrays(np.float32, shapes(), device="cuda"))
def test_arrays_on_cuda(x):
    assert x.device.kind == "cuda"
    assert x.dtype == np.float32
    assert_allclose(lm.grad(lambda v: (v ** 2).sum())(x), 2 * x, rtol=1e-6)
