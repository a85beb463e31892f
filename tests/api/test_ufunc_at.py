"""Issue 14: ``ufunc.at`` on lamina tensors, NumPy's unbuffered in-place update (NOTE
[ufunc.at] in lamina/ops/indexing.py): repeated indices take every update; differentiable for
add, subtract, multiply, divide and the extrema; batched under vmap."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads

IDX = np.array([0, 0, 3, -1, 3])
X = np.array([1.5, -2.0, 0.5, 3.0, 2.5])
V = np.array([0.5, 1.5, -1.0, 2.0, 4.0])

BINARY_FLOAT = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin",
                "power", "arctan2", "hypot", "logaddexp", "copysign", "floor_divide",
                "remainder", "heaviside"]


def _numpy_at(ufunc, x, index, v):
    y = np.array(x, copy=True)
    getattr(np, ufunc).at(y, index, v)
    return y


@pytest.mark.parametrize("ufunc", BINARY_FLOAT)
def test_at_agrees_with_numpy_for_float_ufuncs(ufunc):
    expected = _numpy_at(ufunc, X, IDX, V)
    t = lnp.asarray(X)
    assert getattr(lnp, ufunc).at(t, IDX, V) is None
    np.testing.assert_array_equal(t.numpy(), expected)
    t = lnp.asarray(X)
    assert getattr(np, ufunc).at(t, lnp.asarray(IDX), lnp.asarray(V)) is None  # the protocol
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize("ufunc, dtype", [
    ("bitwise_or", np.int64), ("bitwise_and", np.int64), ("bitwise_xor", np.int64),
    ("left_shift", np.int64), ("add", np.int32), ("maximum", np.int64),
    ("logical_and", np.bool_), ("logical_or", np.bool_), ("add", np.bool_),
])
def test_at_agrees_with_numpy_for_integer_and_bool_ufuncs(ufunc, dtype):
    x = np.array([5, 3, 0, 7, 1]).astype(dtype)
    v = np.array([1, 2, 3, 1, 1]).astype(dtype)
    t = lnp.asarray(x)
    getattr(lnp, ufunc).at(t, IDX, v)
    np.testing.assert_array_equal(t.numpy(), _numpy_at(ufunc, x, IDX, v))


@pytest.mark.parametrize("name, index, value", [
    ("repeats", [0, 0, 0], 1.0),
    ("negative", [-1, -5, -1], [1.0, 2.0, 3.0]),
    ("int", 2, 5.0),
    ("0-d index tensor", "0-d", 5.0),
    ("empty list", [], 1.0),
    ("empty array", np.array([], dtype=np.int64), np.zeros(0)),
    ("slice", slice(1, 4), [1.0, 2.0, 3.0]),
    ("bool mask", np.array([True, False, True, False, True]), 2.0),
    ("index tensor", "tensor", [1.0, 2.0, 3.0, 4.0, 5.0]),
    ("0-d value tensor", [1, 1], "0-d value"),
    ("value tensor", [4, 4], "value tensor"),
])
def test_indices_and_values_users_pass(name, index, value):
    as_numpy = {"0-d": np.array(2), "tensor": IDX}.get(index, index) if isinstance(index, str) \
        else index
    as_lamina = {"0-d": lnp.asarray(2), "tensor": lnp.asarray(IDX)}.get(index, index) \
        if isinstance(index, str) else index
    v_numpy = {"0-d value": np.array(2.5), "value tensor": np.array([1.0, 2.0])}.get(value, value) \
        if isinstance(value, str) else value
    v_lamina = lnp.asarray(v_numpy) if isinstance(value, str) else value
    t = lnp.asarray(X)
    lnp.add.at(t, as_lamina, v_lamina)
    np.testing.assert_array_equal(t.numpy(), _numpy_at("add", X, as_numpy, v_numpy))


def test_two_dimensional_indices():
    x = np.arange(12.0).reshape(3, 4)
    for index, v in [
        ((slice(None), [0, 0, 3]), np.arange(9.0).reshape(3, 3)),
        (([2, 2, 0], [1, 1, 3]), [1.0, 2.0, 3.0]),
        (([1, 1],), [10.0, 20.0, 30.0, 40.0]),         # rows: the value broadcasts to (2, 4)
        ((np.array([[0, 2], [2, 2]]),), 1.0),
        ((Ellipsis, [-1, -1]), [[1.0, 2.0]]),
    ]:
        t = lnp.asarray(x)
        lnp.add.at(t, index, v)
        np.testing.assert_array_equal(t.numpy(), _numpy_at("add", x, index, v))


def test_casting_is_numpys():
    # NumPy's ufunc.at casts the result back to the array's dtype, unsafely.
    for ufunc, x, v in [("add", np.zeros(3, dtype=np.int64), 3.7),
                        ("multiply", np.array([3, 3, 3]), 1.5),
                        ("add", np.zeros(3, dtype=np.int8), 300),
                        ("add", np.zeros(3, dtype=np.float32), np.float64(0.1)),
                        ("divide", np.array([7, 8, 9]), 2)]:
        t = lnp.asarray(x)
        getattr(lnp, ufunc).at(t, [0, 0, 2], v)
        expected = _numpy_at(ufunc, x, [0, 0, 2], v)
        assert t.dtype == expected.dtype
        np.testing.assert_array_equal(t.numpy(), expected)


def test_the_same_tensor_as_target_and_value():
    t = lnp.asarray([1.0, 2.0])
    lnp.add.at(t, [1, 0], t)                     # NumPy reads the value before writing
    np.testing.assert_array_equal(t.numpy(), _numpy_at("add", [1.0, 2.0], [1, 0], [1.0, 2.0]))
    t = lnp.asarray([1.0, 2.0, 3.0])
    lnp.multiply.at(t, [0, 0], t[1:])
    np.testing.assert_array_equal(t.numpy(), [6.0, 2.0, 3.0])


def test_at_writes_through_views():
    base = lnp.zeros((2, 3))
    row = base[1]
    lnp.add.at(row, [0, 0, 2], 1.0)
    np.testing.assert_array_equal(base.numpy(), [[0, 0, 0], [2, 0, 1]])
    lnp.add.at(base[:, 1:], (0, [1, 1]), 5.0)
    np.testing.assert_array_equal(base.numpy(), [[0, 0, 10], [2, 0, 1]])


@pytest.mark.parametrize("call, error, match", [
    (lambda t: lnp.add.at(t, [5], 1.0), IndexError, "index 5 is out of bounds"),
    (lambda t: lnp.add.at(t, [-6], 1.0), IndexError, "index -6 is out of bounds"),
    (lambda t: lnp.add.at(t, [0, 1], [[1.0, 2.0]]), ValueError, "not broadcastable"),
    (lambda t: lnp.add.at(t, [0, 1], [1.0, 2.0, 3.0]), ValueError, "not broadcastable"),
    (lambda t: lnp.add.at(t, [0.0], 1.0), IndexError, "integer"),
    (lambda t: lnp.add.at(t, [0]), ValueError, "second operand"),
    (lambda t: lnp.negative.at(t, [0]), TypeError, "two inputs"),
])
def test_errors_like_numpy_and_nothing_written(call, error, match):
    t = lnp.asarray(X)
    with pytest.raises(error, match=match):
        call(t)
    np.testing.assert_array_equal(t.numpy(), X)
    with pytest.raises(error if error is not TypeError else (TypeError, ValueError)):
        call(np.array(X)) if "negative" not in match else np.negative.at(np.array(X), [0], 1.0)


def test_targets_that_cannot_be_written():
    ro = lnp.broadcast_to(lnp.ones(3), (2, 3))
    with pytest.raises(ValueError, match="add.at: assignment destination is read-only"):
        lnp.add.at(ro, [0], 1.0)
    with pytest.raises(TypeError, match="must be an array"):
        lnp.add.at([1.0, 2.0], [0], 1.0)


def test_numpy_array_target_is_written_by_numpy():
    # NOTE [writing into NumPy arrays]: the target is NumPy's.
    a = X.copy()
    np.add.at(a, lnp.asarray(IDX), lnp.asarray(V))
    np.testing.assert_array_equal(a, _numpy_at("add", X, IDX, V))
    b = X.copy()
    lnp.add.at(b, [0, (0)], lnp.asarray(2.0))
    np.testing.assert_array_equal(b, _numpy_at("add", X, [0, 0], 2.0))

    def f(v):
        a = np.zeros(5)
        np.add.at(a, IDX, v)
        return v.sum()

    with pytest.raises(TypeError, match="numpy.add.at into a NumPy array inside grad"):
        lm.grad(f)(lnp.asarray(V))


# -- derivatives --------------------------------------------------------------------------------

def test_the_issue_gradient_against_finite_differences():
    idx = np.array([0, 2, 0, 0, 1])

    def f(x, v):
        y = x.copy()
        lnp.add.at(y, idx, v)
        return (y ** 2).sum()

    x, v = lnp.asarray([1.0, -2.0, 0.5]), lnp.asarray([0.5, 1.5, -1.0, 2.0, 0.25])
    check_grads(f, (x, v), order=2, modes=("rev", "fwd"))
    gx, gv = lm.grad(f, argnums=(0, 1))(x, v)
    y = np.array([1.0 + 0.5 - 1.0 + 2.0, -2.0 + 0.25, 0.5 + 1.5])   # by hand
    np.testing.assert_allclose(gx.numpy(), 2 * y)
    np.testing.assert_allclose(gv.numpy(), 2 * y[idx])


@pytest.mark.parametrize("ufunc", ["add", "subtract", "multiply", "divide", "maximum",
                                   "minimum", "fmax", "fmin"])
def test_derivatives_of_each_differentiable_ufunc(ufunc):
    idx = np.array([0, 0, 2, 0, 3])
    v = np.array([0.5, 1.5, -1.0, 2.0, 1.25])

    def f(x, v):
        y = x.copy()
        getattr(lnp, ufunc).at(y, idx, v)
        return lnp.sin(y)

    check_grads(f, (lnp.asarray([1.0, -2.0, 0.75, 3.0]), lnp.asarray(v)), order=2,
                modes=("rev", "fwd"))


@pytest.mark.parametrize("zeros", [1, 2, 3, 4])
def test_multiply_and_divide_at_zero_factors(zeros):
    # NOTE [products at zero factors]: exact to the second order however many zeros share
    # an element (third order too while at most two other zeros do).
    v = np.array([0.0] * zeros + [1.5, -2.0, 0.0, 3.0])
    idx = np.array([1] * (zeros + 2) + [2, 2])
    x = lnp.asarray([1.0, -0.5, 2.0])

    def f(x, v):
        y = x.copy()
        lnp.multiply.at(y, idx, v)
        return y * lnp.asarray([1.0, 2.0, 3.0])

    check_grads(f, (x, lnp.asarray(v)), order=2, modes=("rev", "fwd"))
    if zeros <= 2:  # (finite differences of third derivatives need a larger step)
        check_grads(f, (x, lnp.asarray(v)), order=3, eps=1e-4)

    def g(x, v):
        y = x.copy()
        lnp.divide.at(y, idx, v)
        return y

    nonzero = lnp.asarray(np.where(v == 0, 0.5, v))
    check_grads(g, (x, nonzero), order=2, modes=("rev", "fwd"))


def test_ties_share_the_cotangent_evenly():
    def f(x, v):
        y = x.copy()
        lnp.maximum.at(y, [0, 0], v)
        return y.sum()

    gx, gv = lm.grad(f, argnums=(0, 1))(lnp.asarray([2.0, 1.0]), lnp.asarray([2.0, 2.0]))
    np.testing.assert_allclose(gx.numpy(), [1 / 3, 1.0])
    np.testing.assert_allclose(gv.numpy(), [1 / 3, 1 / 3])


def test_ufuncs_without_a_rule_say_so():
    def f(x):
        y = x.copy()
        lnp.power.at(y, [0, 0], 2.0)
        return y.sum()

    with pytest.raises(RuntimeError, match="grad: power.at has no grad rule.*add, subtract"):
        lm.grad(f)(lnp.asarray([1.5, 2.0]))
    with pytest.raises(RuntimeError, match="jvp: power.at has no jvp rule"):
        lm.jvp(f, (lnp.asarray([1.5, 2.0]),), (lnp.ones(2),))
    y = lnp.asarray([1.5, 2.0])
    lnp.power.at(y, [0, 0], 2.0)           # outside transforms: NumPy's values
    np.testing.assert_array_equal(y.numpy(), [1.5 ** 4, 2.0])


def test_integer_targets_have_no_derivative():
    def f(x, v):
        counts = lnp.zeros(3, dtype=np.int64)
        lnp.add.at(counts, [0, 0, 2], 1)        # a histogram inside the function
        return (x * counts).sum() + v.sum()

    gx, gv = lm.grad(f, argnums=(0, 1))(lnp.ones(3), lnp.ones(2))
    assert gx.tolist() == [2.0, 0.0, 1.0] and gv.tolist() == [1.0, 1.0]


def test_captured_tensor_raises_the_functorch_error():
    captured = lnp.zeros(3)

    def f(v):
        lnp.add.at(captured, [0, 0], v)
        return v.sum()

    with pytest.raises(RuntimeError, match=r"in-place operation \(add.at_\) that would mutate "
                                           r"a captured Tensor"):
        lm.grad(f)(lnp.ones(2))
    assert captured.tolist() == [0.0, 0.0, 0.0]


# -- vmap -----------------------------------------------------------------------------------------

def _add_at(x, v, idx):
    y = x.copy()
    lnp.add.at(y, idx, v)
    return y


def _loop(f, args, in_dims):
    size = next(a.shape[d] for a, d in zip(args, in_dims, strict=True) if d is not None)
    outs = []
    for b in range(size):
        outs.append(f(*[lnp.asarray(a if d is None else np.take(a, b, axis=d))
                        for a, d in zip(args, in_dims, strict=True)]).numpy())
    return np.stack(outs)


@pytest.mark.parametrize("in_dims", [(0, 0, 0), (0, 0, None), (0, None, 0), (0, None, None),
                                     (1, 0, None), (0, 1, 0)])
@pytest.mark.parametrize("ufunc", ["add", "multiply", "maximum", "power"])
def test_vmap_with_a_batched_target(in_dims, ufunc):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, size=(3, 4))
    v = rng.uniform(0.5, 2.0, size=(3, 5))
    idx = np.array([[0, 0, 3, 3, 1], [2, 2, 2, 0, -1], [1, 1, 1, 1, 1]])
    args = [x if in_dims[0] == 0 else x.T, v if in_dims[1] != 1 else v.T,
            idx if in_dims[2] == 0 else idx[0]]
    args[1] = args[1] if in_dims[1] is not None else v[0]

    def f(x, v, i):
        y = x.copy()
        getattr(lnp, ufunc).at(y, i, v)
        return y

    got = lm.vmap(f, in_dims=in_dims)(*args)
    expected = _loop(f, args, in_dims)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_vmap_of_an_unbatched_target_needs_functionalize():
    x = lnp.zeros(4)
    v = np.arange(6.0).reshape(3, 2)
    with pytest.raises(RuntimeError, match="would write a batched value into a tensor that is "
                                           "not batched"):
        lm.vmap(_add_at, in_dims=(None, 0, None))(x, v, np.array([1, 1]))
    got = lm.vmap(lm.functionalize(_add_at), in_dims=(None, 0, None))(x, v, np.array([1, 1]))
    np.testing.assert_array_equal(got.numpy(), _loop(_add_at, (x, v, np.array([1, 1])),
                                                     (None, 0, None)))
    idx = np.array([[0, 0], [3, 3], [1, 2]])
    got = lm.vmap(lm.functionalize(_add_at), in_dims=(None, None, 0))(x, lnp.asarray(1.0), idx)
    np.testing.assert_array_equal(got.numpy(), [[2, 0, 0, 0], [0, 0, 0, 2], [0, 1, 1, 0]])


def test_vmap_of_grad_and_grad_of_vmap():
    idx = np.array([0, 0, 2])

    def loss(x, v):
        return (_add_at(x, v, idx) ** 2).sum()

    xs = lnp.asarray(np.arange(6.0).reshape(2, 3))
    vs = lnp.asarray(np.arange(6.0).reshape(2, 3) / 4)
    got = lm.vmap(lm.grad(loss, argnums=(0, 1)))(xs, vs)
    for b in range(2):
        gx, gv = lm.grad(loss, argnums=(0, 1))(xs[b], vs[b])
        np.testing.assert_allclose(got[0][b].numpy(), gx.numpy())
        np.testing.assert_allclose(got[1][b].numpy(), gv.numpy())
    g = lm.grad(lambda x, v: lm.vmap(loss)(x, v).sum())(xs, vs)
    np.testing.assert_allclose(g.numpy(), got[0].numpy())

