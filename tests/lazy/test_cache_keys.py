"""Cache keys of the lazy backend tell apart what ``==`` confuses: the sign of zero, the type
of a scalar (1, 1.0, True), and NaN (NOTE [param keys] in lamina/lazy/keys.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.lazy import graph as lazy_graph
from lamina.lazy.keys import param_key, params_key


def test_arctan2_of_signed_zeros_after_each_other():
    y = lm.asarray(1.0)
    assert float(lnp.arctan2(0.0, y)) == 0.0
    assert float(lnp.arctan2(-0.0, -y)) == np.arctan2(-0.0, -1.0) == -math.pi
    assert float(lnp.arctan2(0.0, -y)) == math.pi


def test_division_by_a_product_with_negative_zero():
    x = lm.asarray([1.0, 2.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal((1 / (x * 0.0)).numpy(), [np.inf, np.inf])
        np.testing.assert_array_equal((1 / (x * -0.0)).numpy(), [-np.inf, -np.inf])


def test_nan_to_num_with_negative_zero_after_zero():
    t = lm.asarray([np.nan, 1.0])
    assert not np.signbit(lnp.nan_to_num(t, nan=0.0).numpy()[0])
    assert np.signbit(lnp.nan_to_num(t, nan=-0.0).numpy()[0])


def test_nan_params_hit_the_cache():
    t = lm.asarray([np.nan, 1.0])
    for _ in range(4):
        np.testing.assert_array_equal(lnp.nan_to_num(t, posinf=np.nan).numpy(), [0.0, 1.0])
    size = lm.lazy.cache_size()
    for _ in range(4):
        lnp.nan_to_num(t, posinf=float("nan")).numpy()
    assert lm.lazy.cache_size() == size


def _scale_op():
    @lm.library.custom_op("keys_test::scale", mutates_args=())
    def scale(x: np.ndarray, c: object) -> np.ndarray:
        return x * c

    @scale.register_fake
    def _(x, c):
        return lm.library.ShapeDtype(x.shape, np.result_type(x.dtype, c))

    return scale


@pytest.mark.parametrize("order", [(1, 1.0, True), (True, 1.0, 1), (1.0, True, 1)])
def test_custom_op_static_arguments_of_equal_value_and_other_types(order):
    scale = _scale_op()
    x = lm.asarray([1, 2], dtype="uint8")
    for clear in (False, True):
        if clear:
            lm.lazy.cache_clear()
        for c in order:
            r = scale(x, c)
            expected = x.numpy() * c
            assert r.dtype == expected.dtype, (c, r.dtype)
            got = r.numpy()
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)


def test_constants_are_keyed_by_type_and_sign():
    cpu = lm.Device("cpu")
    a = lazy_graph.constant(0.0, np.dtype("float64"), cpu)
    b = lazy_graph.constant(-0.0, np.dtype("float64"), cpu)
    assert a is not b
    assert np.signbit(b.data) and not np.signbit(a.data)
    n1 = lazy_graph.constant(float("nan"), np.dtype("float64"), cpu)
    n2 = lazy_graph.constant(float("nan"), np.dtype("float64"), cpu)
    assert n1 is n2


def test_param_key():
    assert param_key(0.0) != param_key(-0.0)
    assert param_key(1) != param_key(1.0) != param_key(True)
    assert param_key(1) != param_key(True)
    assert param_key(float("nan")) == param_key(float("nan"))
    assert param_key((0.0, 1)) != param_key((-0.0, 1))
    assert param_key(frozenset({0.0})) != param_key(frozenset({-0.0}))
    assert param_key(np.float32(1.0)) != param_key(np.float64(1.0))
    assert param_key(np.float64(0.0)) != param_key(np.float64(-0.0))
    assert param_key(np.float64(1.0)) != param_key(1.0)
    assert param_key(complex(0.0, -0.0)) != param_key(complex(0.0, 0.0))
    assert param_key(np.dtype("float64")) == np.dtype("float64")
    assert param_key((1, 2)) == (1, 2)
    assert params_key({"axis": (0, 1), "keepdims": True}) != params_key(
        {"axis": (0, 1), "keepdims": 1})
    assert params_key({}) == ()
