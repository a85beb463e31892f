"""NOTE [scalar copies]: where NumPy returns an immutable scalar (``a[i]`` with an integer on
every axis), an in-place operator rebinds instead of refusing the cast, as in NumPy; found by
the differential fuzzer (``a[0] += 1.5`` on an int array raised)."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
@pytest.mark.parametrize("value", [1.5, -0.7, 2, True])
def test_augmented_assignment_through_an_integer_index_matches_numpy(op, value):
    ref = np.array([[1, 2], [3, 4]])
    t = lm.asarray(ref.copy())
    exec(f"ref[1, 0] {op} value", {}, {"ref": ref, "value": value})
    exec(f"t[1, 0] {op} value", {}, {"t": t, "value": value})
    np.testing.assert_array_equal(t.numpy(), ref)
    assert t.dtype == ref.dtype


def test_a_scalar_copy_rebinds_to_the_promoted_dtype():
    a = lm.asarray([1, 2])
    s = a[1]
    s += 0.5
    assert s.dtype == np.float64 and float(s) == 2.5
    np.testing.assert_array_equal(a.numpy(), [1, 2])  # a copy: a is untouched


def test_a_zero_d_array_still_refuses_as_numpys_does():
    z = lm.asarray(1)
    with pytest.raises(TypeError, match="same_kind"):
        z += 1.5
    with pytest.raises(TypeError):
        np_z = np.array(1)
        np_z += 1.5
