"""Dtypes: float64 default, NumPy 2 promotion, and teaching errors for unsupported dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp


@pytest.mark.parametrize(
    "data, dtype",
    [([1.0, 2.0], np.float64), ([1, 2], np.int64), ([True, False], np.bool_),
     ([1 + 2j], np.complex128), (np.ones(2, np.float32), np.float32), (3.0, np.float64)],
)
def test_default_dtypes_follow_numpy(data, dtype):
    assert lm.asarray(data).dtype == dtype


def test_factories_default_to_float64():
    assert lnp.zeros(3).dtype == np.float64
    assert lnp.ones((2, 2)).dtype == np.float64
    assert lnp.full(2, 7).dtype == np.int64


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([object(), 1], dtype=object),
                                 ["x", "y"], np.array([b"a"])])
def test_object_and_string_data_are_refused_with_a_type_error(bad):
    with pytest.raises(TypeError, match="lamina computes with bool, integer, floating and "
                                        "complex dtypes"):
        lm.asarray(bad)


def test_string_dtype_argument_is_refused():
    with pytest.raises(TypeError, match="got dtype <U"):
        lnp.zeros(3, dtype=str)


def test_astype_and_unsafe_casting_like_numpy():
    x = lm.asarray([1.7, -2.2])
    np.testing.assert_array_equal(x.astype(np.int64).numpy(), np.array([1.7, -2.2]).astype(int))


def test_inplace_casting_follows_same_kind_rule():
    x = lm.asarray([1, 2])
    with pytest.raises(TypeError, match="Cannot cast"):
        x += 1.5
    np.testing.assert_array_equal(x.numpy(), [1, 2])  # nothing half-done
    y = lm.asarray([1.0, 2.0], dtype=np.float32)
    y += 1  # int into float: allowed
    assert y.dtype == np.float32


def test_numpy_inputs_are_snapshots_even_though_graphs_run_later():
    a = np.arange(3.0)
    y = lm.asarray(a) + 1.0   # pending
    z = lnp.multiply(a, 2.0)  # pending, from a NumPy argument
    a[0] = 100.0              # the user mutates their array afterwards
    np.testing.assert_array_equal(y.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(z.numpy(), [0.0, 2.0, 4.0])
