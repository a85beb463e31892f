"""NumPy's dispatch protocols route NumPy calls on lamina tensors to lamina.numpy."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp


def test_ufunc_call_returns_a_lamina_tensor():
    t = lm.asarray([0.0, 1.0, 2.0])
    out = np.sin(t)
    assert isinstance(out, lm.Tensor)
    np.testing.assert_allclose(out.numpy(), np.sin([0.0, 1.0, 2.0]))


def test_binary_ufunc_with_a_numpy_array_on_either_side():
    t = lm.asarray([1.0, 2.0])
    a = np.array([10.0, 20.0])
    for out in (np.add(t, a), np.add(a, t), a + t, t + a, a * t):
        assert isinstance(out, lm.Tensor)
    np.testing.assert_array_equal((a - t).numpy(), [9.0, 18.0])


def test_ufunc_out_writes_in_place_through_views():
    x = lm.asarray(np.zeros((2, 2)))
    row = x[0]
    np.add(row, 1.0, out=row)
    np.testing.assert_array_equal(x.numpy(), [[1.0, 1.0], [0.0, 0.0]])
    result = np.multiply(x, 3.0, out=x)
    assert result is x
    np.testing.assert_array_equal(x.numpy(), [[3.0, 3.0], [0.0, 0.0]])


def test_ufunc_out_into_a_numpy_array_writes_it():
    # Issue 14: the target is NumPy's, so NumPy's semantics (tests/api/test_interop_ndarray.py).
    a = np.zeros(1)
    assert np.add(lm.asarray([1.0]), 1.0, out=a) is a
    np.testing.assert_array_equal(a, [2.0])


def test_ufunc_methods_reduce_and_outer():
    t = lm.asarray([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(np.add.reduce(t).numpy(), [4.0, 6.0])
    np.testing.assert_array_equal(np.multiply.outer(lm.asarray([1.0, 2.0]),
                                                    lm.asarray([3.0, 4.0])).numpy(),
                                  [[3.0, 4.0], [6.0, 8.0]])


def test_array_function_routes_by_name():
    t = lm.asarray([[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(np.sum(t, axis=0), lm.Tensor)
    np.testing.assert_array_equal(np.sum(t, axis=0).numpy(), [4.0, 6.0])
    both = np.concatenate([t, np.ones((1, 2))])
    assert isinstance(both, lm.Tensor) and both.shape == (3, 2)
    np.testing.assert_array_equal(np.transpose(t).numpy(), [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_allclose(np.linalg.inv(t).numpy(), np.linalg.inv([[1.0, 2.0], [3.0, 4.0]]))


def test_numpy_function_lamina_lacks_raises_type_error_naming_it():
    t = lm.asarray([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numpy\.histogram is not implemented by lamina"):
        np.histogram(t)


def test_numpy_ufunc_lamina_lacks_raises_type_error_naming_it():
    with pytest.raises(TypeError, match=r"numpy\.gcd is not implemented by lamina"):
        np.gcd(lm.asarray([4]), lm.asarray([6]))


def test_plain_numpy_code_runs_unchanged_on_lamina_tensors():
    def user_code(x, w):  # written against `import numpy as np`
        h = np.tanh(x @ w)
        return np.mean(h**2, axis=0)

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))
    got = user_code(lm.asarray(x), lm.asarray(w))
    assert isinstance(got, lm.Tensor)
    np.testing.assert_allclose(got.numpy(), user_code(x, w))


def test_isinstance_against_lnp_ndarray():
    assert isinstance(lm.asarray([1.0]), lnp.ndarray)
