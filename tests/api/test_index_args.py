"""Issue 14: wherever NumPy takes an integer (a shape, a size, an axis, a count, an offset), it
takes any object with ``__index__``, 0-d integer tensors included (NOTE [integer arguments] in
lamina/ops/common.py): ``lnp.zeros(lnp.prod((2, 3)))``."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp


class Index:
    """Any object with ``__index__`` (what NumPy takes as an integer)."""

    def __init__(self, n):
        self.n = n

    def __index__(self):
        return self.n


INTEGER_KINDS = {
    "0-d int tensor": lambda n: lnp.asarray(n),
    "0-d int32 tensor": lambda n: lnp.asarray(n, dtype=np.int32),
    "0-d uint8 tensor": lambda n: lnp.asarray(n, dtype=np.uint8) if n >= 0 else lnp.asarray(n),
    "np.int64": np.int64,
    "0-d ndarray": np.array,
    "__index__": Index,
}

x12 = np.arange(12.0)
m34 = np.arange(12.0).reshape(3, 4)

# name: (call with the integer i made from n, n)
CALLS = {
    "zeros": (lambda i: lnp.zeros(i), 3),
    "zeros tuple": (lambda i: lnp.zeros((i, 2)), 3),
    "ones": (lambda i: lnp.ones((2, i)), 3),
    "empty shape": (lambda i: lnp.empty(i).shape, 3),
    "full": (lambda i: lnp.full((i,), 7.0), 2),
    "zeros_like shape": (lambda i: lnp.zeros_like(x12, shape=(i,)), 2),
    "eye": (lambda i: lnp.eye(i), 3),
    "eye M k": (lambda i: lnp.eye(3, i, k=i), 2),
    "identity": (lambda i: lnp.identity(i), 2),
    "arange": (lambda i: lnp.arange(i), 4),
    "linspace num": (lambda i: lnp.linspace(0.0, 1.0, num=i), 5),
    "logspace num": (lambda i: lnp.logspace(0.0, 1.0, num=i), 3),
    "tri k": (lambda i: lnp.tri(i, k=i), 2),
    "tril k": (lambda i: lnp.tril(m34, k=i), -1),
    "triu k": (lambda i: lnp.triu(m34, k=i), 1),
    "reshape": (lambda i: lnp.reshape(x12, (i, -1)), 3),
    "Tensor.reshape": (lambda i: lnp.asarray(x12).reshape(i, 4), 3),
    "Tensor.reshape 1": (lambda i: lnp.asarray(x12).reshape(i), 12),
    "broadcast_to": (lambda i: lnp.broadcast_to(lnp.ones(4), (i, 4)), 3),
    "tile": (lambda i: lnp.tile(x12[:2], i), 3),
    "tile tuple": (lambda i: lnp.tile(x12[:2], (i, 1)), 2),
    "repeat": (lambda i: lnp.repeat(x12[:3], i), 2),
    "repeat axis": (lambda i: lnp.repeat(m34, 2, axis=i), 1),
    "roll": (lambda i: lnp.roll(x12, i), -2),
    "roll axis": (lambda i: lnp.roll(m34, 1, axis=i), 1),
    "sum axis": (lambda i: lnp.sum(m34, axis=i), 1),
    "sum negative axis": (lambda i: lnp.sum(m34, axis=i), -1),
    "sum axis tuple": (lambda i: lnp.sum(m34, axis=(0, i)), 1),
    "mean axis": (lambda i: lnp.mean(m34, axis=i), 0),
    "var axis ddof": (lambda i: lnp.var(m34, axis=i, ddof=i), 1),
    "max axis": (lambda i: lnp.max(m34, axis=i), 1),
    "argmax axis": (lambda i: lnp.argmax(m34, axis=i), 1),
    "cumsum axis": (lambda i: lnp.cumsum(m34, axis=i), 1),
    "count_nonzero axis": (lambda i: lnp.count_nonzero(m34, axis=i), 0),
    "ptp axis": (lambda i: lnp.ptp(m34, axis=i), 0),
    "Tensor.sum axis": (lambda i: lnp.asarray(m34).sum(i), 1),
    "concatenate axis": (lambda i: lnp.concatenate([m34, m34], axis=i), 1),
    "stack axis": (lambda i: lnp.stack([m34, m34], axis=i), 2),
    "expand_dims": (lambda i: lnp.expand_dims(m34, i), 1),
    "squeeze": (lambda i: lnp.squeeze(np.ones((3, 1)), axis=i), 1),
    "swapaxes": (lambda i: lnp.swapaxes(m34, i, 0), 1),
    "moveaxis": (lambda i: lnp.moveaxis(m34, i, 0), 1),
    "transpose": (lambda i: lnp.transpose(m34, (i, 0)), 1),
    "Tensor.transpose": (lambda i: lnp.asarray(m34).transpose(i, 0), 1),
    "flip axis": (lambda i: lnp.flip(m34, axis=i), 1),
    "sort axis": (lambda i: lnp.sort(m34, axis=i), 0),
    "argsort axis": (lambda i: lnp.argsort(m34, axis=i), 0),
    "take axis": (lambda i: lnp.take(m34, 1, axis=i), 1),
    "take index": (lambda i: lnp.take(x12, i), -3),
    "diagonal offset": (lambda i: lnp.diagonal(m34, offset=i), 1),
    "diag k": (lambda i: lnp.diag(x12[:3], k=i), -1),
    "trace offset": (lambda i: lnp.trace(m34, offset=i), 1),
    "rot90 k": (lambda i: lnp.rot90(m34, k=i), 3),
    "round decimals": (lambda i: lnp.round(x12 / 7, i), 2),
    "split sections": (lambda i: lnp.split(x12, i), 3),
    "split points": (lambda i: lnp.split(x12, [i, 5]), 2),
    "array_split": (lambda i: lnp.array_split(x12, i), 5),
    "hsplit": (lambda i: lnp.hsplit(m34, i), 2),
    "pad": (lambda i: lnp.pad(x12, i), 2),
    "tensordot axes": (lambda i: lnp.tensordot(m34, m34.T, axes=i), 1),
    "matrix_power": (lambda i: lnp.linalg.matrix_power(np.eye(2) * 2, i), 3),
    "norm axis": (lambda i: lnp.linalg.norm(m34, axis=i), 1),
    "getitem": (lambda i: lnp.asarray(x12)[i], -1),
    "getitem slice": (lambda i: lnp.asarray(x12)[i:], 4),
    "item": (lambda i: lnp.asarray(x12).item(i), 5),
    "random.rand": (lambda i: lnp.random.rand(i, 2).shape, 3),
    "random.normal size": (lambda i: lnp.random.default_rng(0).normal(size=(i,)).shape, 3),
    "random.integers size": (lambda i: lnp.random.default_rng(0).integers(0, 5, size=i).shape,
                             2),
}


def _same(a, b):
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b)
        for p, q in zip(a, b, strict=True):
            _same(p, q)
        return
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.shape(a) == np.shape(b)


# NumPy refuses a bare ``__index__`` object here (it does arithmetic or comparisons on it).
NUMPY_REFUSES_INDEX_OBJECTS = {"arange", "pad", "var axis ddof"}


@pytest.mark.parametrize("kind", sorted(INTEGER_KINDS))
@pytest.mark.parametrize("name", sorted(CALLS))
def test_integer_arguments_take_any_index(name, kind):
    call, n = CALLS[name]
    if kind == "0-d uint8 tensor" and n < 0:
        pytest.skip("a negative number is not a uint8")
    if kind == "__index__" and name in NUMPY_REFUSES_INDEX_OBJECTS:
        pytest.skip("NumPy refuses a bare __index__ object here")
    _same(call(INTEGER_KINDS[kind](n)), call(n))


def test_the_issue_example():
    assert lnp.zeros(lnp.prod((2, 3))).shape == (6,)
    assert lnp.zeros((lnp.asarray(2), np.int64(3))).shape == (2, 3)
    np.testing.assert_array_equal(lnp.zeros(lnp.prod((2, 3))).numpy(), np.zeros(np.prod((2, 3))))


# Where NumPy raises TypeError for a float (or a bool, a float tensor, an array with
# dimensions), lamina does too.
NOT_INTEGERS = {
    "float": 2.0,
    "np.float64": np.float64(2.0),
    "0-d float tensor": lnp.asarray(2.0),
    "0-d bool tensor": lnp.asarray(True),
    "1-d int tensor": lnp.asarray([2]),
}
REFUSED = {  # name: a call with the namespace (numpy or lamina.numpy) and the argument
    "zeros": lambda xp, i: xp.zeros(i),
    "zeros tuple": lambda xp, i: xp.zeros((i, 2)),
    "eye": lambda xp, i: xp.eye(i),
    "identity": lambda xp, i: xp.identity(i),
    "linspace num": lambda xp, i: xp.linspace(0.0, 1.0, num=i),
    "reshape": lambda xp, i: xp.reshape(x12, (i, -1)),
    "broadcast_to": lambda xp, i: xp.broadcast_to(xp.ones(4), (i, 4)),
    "tile": lambda xp, i: xp.tile(x12, i),
    "sum axis": lambda xp, i: xp.sum(m34, axis=i),
    "argmax axis": lambda xp, i: xp.argmax(m34, axis=i),
    "expand_dims": lambda xp, i: xp.expand_dims(m34, i),
    "swapaxes": lambda xp, i: xp.swapaxes(m34, i, 0),
    "moveaxis": lambda xp, i: xp.moveaxis(m34, i, 0),
    "concatenate axis": lambda xp, i: xp.concatenate([m34, m34], axis=i),
    "diagonal offset": lambda xp, i: xp.diagonal(m34, offset=i),
    "trace offset": lambda xp, i: xp.trace(m34, offset=i),
    "round decimals": lambda xp, i: xp.round(x12, i),
    "tensordot axes": lambda xp, i: xp.tensordot(m34, m34.T, axes=i),
    "random.rand": lambda xp, i: xp.random.rand(i),
}


@pytest.mark.parametrize("kind", sorted(NOT_INTEGERS))
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_non_integers_raise_type_error_as_numpy(name, kind):
    bad = NOT_INTEGERS[kind]
    try:
        REFUSED[name](np, bad.numpy() if isinstance(bad, lm.Tensor) else bad)
    except TypeError:
        pass
    except Exception:  # noqa: BLE001 - another error class: not this test's concern
        pytest.skip("NumPy raises another error here")
    else:
        pytest.skip("NumPy takes it (a 1-d array as a sequence of ints, say)")
    with pytest.raises(TypeError):
        REFUSED[name](lnp, bad)


def test_split_takes_numbers_of_sections_as_numpy():
    # NumPy's split: anything without a length is int(...)'d, floats included; split points
    # must be integers.
    _same(lnp.split(x12, 3.0), np.split(x12, 3.0))
    _same(lnp.split(x12, lnp.asarray(3.0)), np.split(x12, np.array(3.0)))
    with pytest.raises(TypeError):
        np.split(x12, [2.0])
    with pytest.raises(TypeError, match="split points must be integers"):
        lnp.split(x12, [2.0])


def test_ddof_may_be_a_0d_tensor():
    np.testing.assert_allclose(lnp.std(x12, ddof=lnp.asarray(1)).item(), np.std(x12, ddof=1))
    np.testing.assert_allclose(lnp.var(x12, ddof=lnp.asarray(1.5)).item(),
                               np.var(x12, ddof=1.5))
    with pytest.raises(TypeError, match="ddof must be a number"):
        lnp.std(x12, ddof=lnp.asarray([1, 2]))


# -- inside transforms --------------------------------------------------------------------------

def test_integer_tensors_as_shapes_and_axes_inside_grad():
    def f(x, n, tensors=True):
        k = lnp.asarray(x.shape[0]) - 1 if tensors else x.shape[0] - 1   # made inside
        one = lnp.asarray(1) if tensors else 1
        z = lnp.zeros((n, k)) + x[:k]
        return lnp.sum(lnp.roll(z, one, axis=one) * x[1:], axis=k - 1).sum()

    x = lnp.asarray([1.0, 2.0, 3.0])
    g = lm.grad(f)(x, lnp.asarray(2))
    np.testing.assert_allclose(g.numpy(), [2 * 3.0, 4 * 2.0, 2 * 1.0])  # 2 (x1² + x0 x2)
    np.testing.assert_allclose(g.numpy(), lm.grad(f)(x, 2, tensors=False).numpy())


def test_integer_from_a_tracked_computation_inside_grad():
    def f(x):
        n = lnp.argmax(x) + 1                      # an integer result: it carries no derivative
        return (lnp.ones(n) * x[0]).sum()

    assert lm.grad(f)(lnp.asarray([1.0, 5.0, 2.0])).tolist() == [2.0, 0.0, 0.0]
    out, tangent = lm.jvp(f, (lnp.asarray([1.0, 5.0, 2.0]),), (lnp.ones(3),))
    assert (out.item(), tangent.item()) == (2.0, 2.0)


def test_integer_tensors_as_shapes_inside_vmap():
    n = lnp.asarray(3)
    out = lm.vmap(lambda x: lnp.zeros((n,)) + x)(lnp.ones(2))   # unbatched: one shape
    assert out.shape == (2, 3)
    out = lm.vmap(lambda x, k: lnp.sum(lnp.reshape(x, (k, -1)), axis=0),
                  in_dims=(0, None))(lnp.ones((2, 6)), lnp.asarray(2))
    assert out.shape == (2, 3)


@pytest.mark.parametrize("call", [
    lambda k: lnp.zeros(k),
    lambda k: lnp.zeros((2, k)),
    lambda k: lnp.reshape(lnp.ones(6), (k, -1)),
    lambda k: lnp.sum(lnp.ones((2, 3)), axis=k),
    lambda k: lnp.eye(k),
    lambda k: lnp.roll(lnp.ones(3), k),
    lambda k: lnp.tile(lnp.ones(2), k),
])
def test_batched_integer_shape_under_vmap_raises(call):
    with pytest.raises(RuntimeError, match="vmap: a batched integer tensor was used where NumPy "
                                           "takes a Python int"):
        lm.vmap(call)(lnp.asarray([1, 2]))
