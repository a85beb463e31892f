"""``lamina.testing.assert_allclose``: tensors, arrays, numbers and pytrees of them."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import lamina as lm
from lamina.testing import assert_allclose


def test_tensor_array_list_and_scalar_leaves_compare_equal():
    x = lm.asarray([1.0, 2.0, 3.0])
    assert_allclose(x, np.array([1.0, 2.0, 3.0]))
    assert_allclose(x, [1.0, 2.0, 3.0])
    assert_allclose([1.0, 2.0, 3.0], x)
    assert_allclose(lm.asarray(2.5), 2.5)
    assert_allclose(np.float32(2.5), lm.asarray(2.5))
    assert_allclose(x.astype(np.float32), x)  # dtypes may differ


def test_a_wrong_value_raises_numpys_report():
    with pytest.raises(AssertionError, match=r"(?s)Not equal to tolerance rtol=1e-07, atol=0"
                                             r".*Mismatched elements: 1 / 3"):
        assert_allclose(lm.asarray([1.0, 2.0, 3.0]), [1.0, 2.5, 3.0])


def test_tolerances_are_those_of_numpy():
    x = lm.asarray([1.0, 100.0])
    assert_allclose(x, [1.001, 100.1], rtol=1e-2)
    assert_allclose(x, [1.01, 100.01], atol=0.02)
    with pytest.raises(AssertionError, match="rtol=0.0001"):
        assert_allclose(x, [1.001, 100.1], rtol=1e-4)


def test_nan_compares_equal_unless_equal_nan_is_false():
    x = lm.asarray([np.nan, 1.0])
    assert_allclose(x, [np.nan, 1.0])
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        assert_allclose(x, [np.nan, 1.0], equal_nan=False)


def test_pytrees_compare_leaf_by_leaf_and_name_the_leaf_that_differs():
    Pair = collections.namedtuple("Pair", "w b")
    x = lm.asarray(np.arange(6.0).reshape(2, 3))
    actual = {"params": Pair(x, lm.asarray(1.0)), "extra": [x, None]}
    assert_allclose(actual, {"params": Pair(x.numpy(), 1.0), "extra": [x.numpy(), None]})
    with pytest.raises(AssertionError, match=r"leaf \['params'\]\[1\] of the pytree differs"):
        assert_allclose(actual, {"params": Pair(x, 1.5), "extra": [x, None]})
    with pytest.raises(AssertionError, match=r"(?s)leaf \['extra'\]\[0\] of the pytree differs"
                                             r".*Mismatched elements: 1 / 6"):
        assert_allclose(actual, {"params": Pair(x, 1.0), "extra": [x.numpy() + np.eye(2, 3)
                                                                   * [1, 0, 0], None]})


def test_err_msg_is_part_of_the_report():
    with pytest.raises(AssertionError, match=r"(?s)leaf \[1\].*after 3 steps"):
        assert_allclose((1.0, 2.0), (1.0, 3.0), err_msg="after 3 steps")


def test_different_structures_raise_naming_both():
    x = lm.asarray([1.0])
    with pytest.raises(AssertionError, match=r"different pytree structures: actual is "
                                             r"PyTreeSpec\(\(\*, \*\)\) but desired is "
                                             r"PyTreeSpec\(\[\*, \*\]\)"):
        assert_allclose((x, x), [x, x])
    with pytest.raises(AssertionError, match="different pytree structures"):
        assert_allclose({"a": x}, {"b": x})
    with pytest.raises(AssertionError, match="different pytree structures"):
        assert_allclose((x, x), (x,))


def test_shapes_must_be_equal_without_broadcasting():
    x = lm.asarray(np.zeros((2, 3)))
    np.testing.assert_allclose(x.numpy(), 0.0)  # numpy broadcasts a scalar; we do not
    with pytest.raises(AssertionError, match=r"shapes differ: actual has shape \(2, 3\) but "
                                             r"desired has shape \(3,\)"):
        assert_allclose(x, np.zeros(3))
    with pytest.raises(AssertionError, match=r"shapes differ at leaf \['b'\] of the pytree: "
                                             r"actual has shape \(2, 3\) but desired has shape "
                                             r"\(\)"):
        assert_allclose({"a": 1.0, "b": x}, {"a": 1.0, "b": 0.0})


def test_non_numeric_leaves_are_refused():
    with pytest.raises(AssertionError, match="desired is not numeric"):
        assert_allclose(lm.asarray(1.0), "1.0")
    with pytest.raises(AssertionError, match=r"actual at leaf \[0\] of the pytree is not numeric"):
        assert_allclose(({"a": 1},), (lm.asarray(1.0),))


class _FakeCupyArray:
    """Duck-typed stand-in for a CuPy array: ``.get()`` copies to the host."""

    __cuda_array_interface__ = {}

    def __init__(self, data):
        self._data = np.asarray(data)

    def get(self):
        return self._data.copy()


def test_device_arrays_are_copied_to_the_host_with_get():
    assert_allclose(lm.asarray([1.0, 2.0]), _FakeCupyArray([1.0, 2.0]))
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        assert_allclose(_FakeCupyArray([1.0, 2.0]), lm.asarray([1.0, 3.0]))


@pytest.mark.gpu
def test_cuda_tensors_and_cupy_arrays():
    import cupy

    x = lm.asarray([1.0, 2.0], device="cuda")
    assert_allclose(x, np.array([1.0, 2.0]))
    assert_allclose(x, cupy.asarray([1.0, 2.0]))
    assert_allclose({"g": lm.grad(lambda v: (v ** 2).sum())(x)}, {"g": 2 * x.to("cpu")})
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        assert_allclose(x, cupy.asarray([1.0, 2.5]))
