"""Hypothesis: NumPy broadcasting and dtype promotion for binary ops, against NumPy itself."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lamina as lm
import lamina.numpy as lnp

DTYPES = [np.float64, np.float32, np.int64, np.int32, np.bool_]
OPS = ["add", "subtract", "multiply", "maximum", "less", "equal"]


@settings(max_examples=60, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
    dtypes=st.tuples(st.sampled_from(DTYPES), st.sampled_from(DTYPES)),
    op=st.sampled_from(OPS),
    data=st.data(),
)
def test_binary_broadcasting_and_promotion_match_numpy(shapes, dtypes, op, data):
    a = data.draw(hnp.arrays(dtypes[0], shapes.input_shapes[0],
                             elements=st.integers(-3, 3) if dtypes[0] != np.bool_ else None))
    b = data.draw(hnp.arrays(dtypes[1], shapes.input_shapes[1],
                             elements=st.integers(-3, 3) if dtypes[1] != np.bool_ else None))
    if op == "subtract" and a.dtype == np.bool_ and b.dtype == np.bool_:
        with pytest.raises(TypeError):
            np.subtract(a, b)
        with pytest.raises(TypeError):
            lnp.subtract(lm.asarray(a), lm.asarray(b))
        return
    expected = getattr(np, op)(a, b)
    got = getattr(lnp, op)(lm.asarray(a), lm.asarray(b))
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)


@settings(max_examples=60, deadline=None)
@given(
    dtype=st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int32, np.int8,
                           np.uint8, np.bool_, np.complex64]),
    scalar=st.sampled_from([2, -1, 1.5, True, 2j]),
    op=st.sampled_from(["add", "multiply", "true_divide", "power", "greater"]),
)
def test_python_scalars_are_weak_as_in_numpy_2(dtype, scalar, op):
    a = np.ones((2, 3), dtype=dtype)
    try:
        expected = getattr(np, op)(a, scalar)
    except (TypeError, OverflowError, ValueError) as exc:
        with pytest.raises(type(exc)):
            getattr(lnp, op)(lm.asarray(a), scalar)
        return
    got = getattr(lnp, op)(lm.asarray(a), scalar)
    assert got.dtype == expected.dtype, (dtype, scalar, op)
    np.testing.assert_allclose(got.numpy(), expected)
    reflected = getattr(np, op)(scalar, a)
    assert getattr(lnp, op)(scalar, lm.asarray(a)).dtype == reflected.dtype


def test_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"add: operands could not be broadcast together with "
                                         r"shapes \(3,\) \(4,\)"):
        lm.asarray(np.ones(3)) + lm.asarray(np.ones(4))


def test_unsupported_dtype_combination_raises_type_error_naming_the_op():
    with pytest.raises(TypeError, match="bitwise_and"):
        lm.asarray([1.5]) & lm.asarray([2.5])


def test_integer_overflow_of_a_python_scalar_raises_like_numpy():
    with pytest.raises(OverflowError):
        lm.asarray(np.ones(2, dtype=np.int8)) + 1000
