"""Issue 14: NumPy arrays as the target of a ufunc with lamina tensors as operands
(``a -= lm.grad(f)(a)``): NumPy's semantics, since the target is NumPy's (NOTE [writing into
NumPy arrays] in lamina/numpy/_protocols.py); and tensors as the target of NumPy arrays."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

# in-place operator: (the operator, dtype of the array, values of the tensor)
_FLOAT_OPERAND = [0.5, -2.0, 3.0]
_INT_OPERAND = [1, 2, 3]
INPLACE = {
    "+=": (operator.iadd, "float64", _FLOAT_OPERAND),
    "-=": (operator.isub, "float64", _FLOAT_OPERAND),
    "*=": (operator.imul, "float64", _FLOAT_OPERAND),
    "/=": (operator.itruediv, "float64", _FLOAT_OPERAND),
    "//=": (operator.ifloordiv, "float64", _FLOAT_OPERAND),
    "**=": (operator.ipow, "float64", _FLOAT_OPERAND),
    "%=": (operator.imod, "float64", _FLOAT_OPERAND),
    "&=": (operator.iand, "int64", _INT_OPERAND),
    "|=": (operator.ior, "int64", _INT_OPERAND),
    "^=": (operator.ixor, "int64", _INT_OPERAND),
    "<<=": (operator.ilshift, "int64", _INT_OPERAND),
    ">>=": (operator.irshift, "int64", _INT_OPERAND),
}


def _start(dtype):
    return np.array([5, 6, 7], dtype=dtype)


@pytest.mark.parametrize("symbol", sorted(INPLACE))
def test_inplace_operator_on_an_ndarray_writes_the_tensor_values_into_it(symbol):
    op, dtype, values = INPLACE[symbol]
    expected = op(_start(dtype), np.asarray(values))
    a = _start(dtype)
    result = op(a, lnp.asarray(values))
    assert result is a and type(a) is np.ndarray and a.dtype == dtype
    np.testing.assert_array_equal(a, expected)


def test_matmul_inplace_on_an_ndarray():
    a = np.arange(4.0).reshape(2, 2)
    b = np.array([[1.0, 2.0], [0.0, 1.0]])
    expected = a @ b
    result = operator.imatmul(a, lnp.asarray(b))
    assert result is a and type(a) is np.ndarray
    np.testing.assert_array_equal(a, expected)


def test_the_issue_gradient_step():
    def loss(w):
        return lnp.sum((w - 3.0) ** 2)

    w = np.zeros(3)
    for _ in range(3):
        w -= 0.25 * lm.grad(loss)(w)
    assert type(w) is np.ndarray
    np.testing.assert_allclose(w, 3.0 - 3.0 * 0.5 ** 3)


@pytest.mark.parametrize("ufunc", [np.subtract, lnp.subtract])
def test_ufunc_with_ndarray_out_returns_the_array(ufunc):
    a = np.ones(3)
    t = lnp.asarray([1.0, 2.0, 3.0])
    assert ufunc(a, t, out=(a,)) is a
    np.testing.assert_array_equal(a, [0.0, -1.0, -2.0])
    b = np.zeros(3)
    assert ufunc(t, 1, out=b) is b          # a bare out, a Python scalar operand
    np.testing.assert_array_equal(b, [0.0, 1.0, 2.0])
    c = np.zeros(3)
    assert ufunc(t, t, c) is c              # positional out, the same tensor twice
    np.testing.assert_array_equal(c, [0.0, 0.0, 0.0])


def test_unary_ufuncs_and_broadcasting_into_an_ndarray():
    a = np.zeros((2, 3))
    assert np.sqrt(lnp.asarray([1.0, 4.0, 9.0]), out=a) is a   # broadcast into out
    np.testing.assert_array_equal(a, [[1.0, 2.0, 3.0]] * 2)
    a += lnp.asarray(1.0)                                      # a 0-d tensor
    np.testing.assert_array_equal(a, [[2.0, 3.0, 4.0]] * 2)
    a[:, 1:] -= lnp.asarray([[1.0, 1.0]])                      # a view of the array is written
    np.testing.assert_array_equal(a, [[2.0, 2.0, 3.0]] * 2)
    e = np.zeros((0, 3))
    e += lnp.ones(3)                                           # empty
    assert e.shape == (0, 3)


def test_ufunc_methods_with_ndarray_out():
    t = lnp.asarray([[1.0, 2.0], [3.0, 4.0]])
    o = np.zeros(2)
    assert np.add.reduce(t, out=o) is o
    np.testing.assert_array_equal(o, [4.0, 6.0])
    o = np.zeros(2)
    assert np.add.accumulate(t[0], out=o) is o
    np.testing.assert_array_equal(o, [1.0, 3.0])
    o = np.zeros((2, 2))
    assert np.multiply.outer(t[0], t[1], out=o) is o
    np.testing.assert_array_equal(o, [[3.0, 4.0], [6.0, 8.0]])


def test_where_may_be_a_tensor():
    a = np.zeros(2)
    np.add(np.ones(2), lnp.asarray([1.0, 2.0]), out=a, where=lnp.asarray([True, False]))
    np.testing.assert_array_equal(a, [2.0, 0.0])


def _numpy_error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value)


@pytest.mark.parametrize("case", [
    lambda x: operator.iadd(np.ones(3, dtype=np.int64), x([0.5, 1.0, 1.5])),  # same_kind
    lambda x: operator.iadd(np.ones(3, dtype=np.int32), x([True, False, True]) * 1.0),
    lambda x: operator.iand(np.ones(3), x([1, 2, 3])),                       # no float loop
    lambda x: operator.iadd(np.ones(2), x([1.0, 2.0, 3.0])),                  # shapes
    lambda x: operator.iadd(np.ones(3), x([[1.0, 2.0, 3.0]] * 2)),           # out too small
    lambda x: np.add(x([1.0, 2.0, 3.0]), 1.0, out=np.ones(3, dtype=np.int64)),
])
def test_errors_are_numpy_errors(case):
    expected = _numpy_error(lambda: case(np.asarray))
    got = _numpy_error(lambda: case(lnp.asarray))
    assert got == expected


def test_casting_that_numpy_allows():
    a = np.ones(3, dtype=np.float32)
    a += lnp.asarray([1.0, 2.0, 3.0])                # float64 into float32: same_kind
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, [2.0, 3.0, 4.0])
    b = np.ones(3, dtype=np.int64)
    np.add(b, lnp.asarray([0.5, 1.0, 1.5]), out=b, casting="unsafe")
    np.testing.assert_array_equal(b, [1, 2, 2])
    c = np.ones(3, dtype=np.complex128)
    c *= lnp.asarray([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(c, [1.0, 2.0, 3.0])


def test_read_only_ndarray():
    a = np.zeros(2)
    a.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        a += lnp.ones(2)


def test_the_tensor_operand_is_left_alone():
    t = lnp.asarray([1.0, 2.0])
    a = np.zeros(2)
    a += t
    a += 1.0
    assert t.tolist() == [1.0, 2.0]
    t[0] = 10.0                                      # the array holds values, not a view
    np.testing.assert_array_equal(a, [2.0, 3.0])


# -- inside transforms ----------------------------------------------------------------------

def test_tracked_value_into_an_ndarray_raises_under_grad_and_jvp():
    def f(x):
        a = np.ones(2)
        a -= x
        return x.sum()

    with pytest.raises(lm.TrackedConversionError,
                       match=r"numpy.subtract into a NumPy array inside grad "
                             r"\(a -= t, or out=a\).*a = lm.asarray\(a\), then a -= t"):
        lm.grad(f)(lnp.asarray([1.0, 2.0]))
    with pytest.raises(TypeError, match="inside jvp"):
        lm.jvp(f, (lnp.asarray([1.0, 2.0]),), (lnp.ones(2),))
    with pytest.raises(TypeError, match=r"numpy.multiply into a NumPy array inside grad"):
        lm.grad(lambda x: np.multiply(x, 2.0, out=np.zeros(2)).sum() + x.sum())(lnp.ones(2))


def test_tracked_value_into_an_ndarray_raises_under_vmap():
    def f(x):
        a = np.ones(2)
        a *= x
        return x

    with pytest.raises(lm.TrackedConversionError,
                       match=r"inside vmap .*compute out of place, a = a \* t"):
        lm.vmap(f)(lnp.ones((3, 2)))


def test_the_suggested_fix_works():
    def f(x):
        a = lm.asarray(np.ones(2))
        a -= x
        return (a * a).sum()

    np.testing.assert_allclose(lm.grad(f)(lnp.asarray([1.0, 3.0])).numpy(), [0.0, 4.0])


def test_untracked_values_may_be_written_into_an_ndarray_inside_grad():
    seen = []

    def f(x):
        a = np.ones(2)
        a -= lnp.asarray([0.5, 0.25])                # a constant: no derivative is lost
        seen.append(a.copy())
        return (x * lnp.asarray(a)).sum()

    np.testing.assert_allclose(lm.grad(f)(lnp.ones(2)).numpy(), [0.5, 0.75])
    np.testing.assert_allclose(seen[0], [0.5, 0.75])


# -- a lamina tensor as the out of NumPy arrays --------------------------------------------

def test_tensor_out_with_ndarray_operands_writes_the_tensor():
    t = lnp.zeros(2)
    assert np.add(np.ones(2), np.ones(2), out=t) is t
    assert t.tolist() == [2.0, 2.0]
    view = t[1:]
    np.multiply(np.full(1, 3.0), np.full(1, 2.0), out=(view,))
    assert t.tolist() == [2.0, 6.0]
    with pytest.raises(TypeError, match="Cannot cast output"):
        np.add(np.ones(2), np.ones(2), out=lnp.zeros(2, dtype=np.int64))


def test_tensor_out_inside_grad():
    def f(x):
        y = lnp.zeros(2)
        np.add(np.ones(2), np.ones(2), out=y)        # y was made inside: may be written
        return (y * x).sum()

    assert lm.grad(f)(lnp.ones(2)).tolist() == [2.0, 2.0]
    captured = lnp.zeros(2)
    with pytest.raises(RuntimeError, match="mutate a captured Tensor"):
        lm.grad(lambda x: np.add(np.ones(2), np.ones(2), out=captured).sum() * x)(1.0)


def test_outs_of_both_kinds_are_refused():
    with pytest.raises(TypeError, match="'out' mixes NumPy arrays and lamina tensors"):
        np.divmod(lnp.ones(2), 2.0, out=(np.zeros(2), lnp.zeros(2)))


@pytest.mark.gpu
def test_a_cuda_tensor_is_not_copied_into_an_ndarray_behind_the_users_back():
    a = np.zeros(2)
    with pytest.raises(TypeError, match="cannot receive a lamina tensor on cuda"):
        a += lnp.ones(2, device="cuda")
    a += lnp.ones(2, device="cuda").numpy()          # the explicit copy
    np.testing.assert_array_equal(a, [1.0, 1.0])
