"""lamina.functionalize from the user's side: results, write-back, private captures, errors,
and composition with every transform (the differential corpus is in
test_functionalize_corpus.py)."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.core import current_interpreters
from lamina.lazy.graph import scope
from lamina.testing import check_grads


def test_results_equal_the_function():
    def f(x):
        y = x.copy()
        y[1:] += y[:-1]
        y.T[0] *= 2
        return y, x.sum()

    x = lnp.asarray(np.arange(6.0).reshape(3, 2))
    for remove in ("mutations", "mutations_and_views"):
        got = lm.functionalize(f, remove=remove)(x)
        want = f(x)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_input_mutation_is_written_back():
    def f(x):
        x[0] += 1.0
        x.T[1, 1] = -5.0
        return x * 2

    x = lnp.asarray(np.arange(6.0).reshape(2, 3))
    expected = np.arange(6.0).reshape(2, 3)
    expected[0] += 1.0
    expected.T[1, 1] = -5.0
    out = lm.functionalize(f)(x)
    np.testing.assert_array_equal(x.numpy(), expected)
    np.testing.assert_array_equal(out.numpy(), expected * 2)


def test_mutated_input_that_is_returned_is_the_callers_tensor():
    def f(x):
        x += 1
        return x

    x = lnp.zeros(3)
    assert lm.functionalize(f)(x) is x
    np.testing.assert_array_equal(x.numpy(), [1.0, 1.0, 1.0])


def test_a_view_of_an_input_stays_a_view_with_mutations_only():
    x = lnp.asarray(np.arange(6.0).reshape(2, 3))
    row = lm.functionalize(lambda t: t[1])(x)
    row[0] = 100.0
    assert x.numpy()[1, 0] == 100.0
    copy = lm.functionalize(lambda t: t[1], remove="mutations_and_views")(x)
    copy[1] = -1.0
    assert x.numpy()[1, 1] == 4.0


def test_aliased_inputs_still_alias_inside():
    def f(a, b):
        b[0] = 7.0  # b is a view of a
        return a.sum()

    x = lnp.zeros((2, 2))
    total = lm.functionalize(f)(x, x[1])
    assert total.item() == 7.0
    np.testing.assert_array_equal(x.numpy(), [[0.0, 0.0], [7.0, 0.0]])


def test_captured_tensor_is_private():
    buffer = lnp.zeros(3)
    alias = buffer[1:]

    def f(x):
        buffer[:] = x
        alias[0] = 10.0
        return buffer * 1

    out = lm.functionalize(f)(lnp.ones(3))
    np.testing.assert_array_equal(out.numpy(), [1.0, 10.0, 1.0])
    np.testing.assert_array_equal(buffer.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(alias.numpy(), [0.0, 0.0])


def test_returned_captured_tensor_is_a_copy_of_its_private_value():
    buffer = lnp.zeros(2)

    def f(x):
        buffer[0] = x
        return buffer

    out = lm.functionalize(f)(lnp.asarray(3.0))
    assert out is not buffer
    np.testing.assert_array_equal(out.numpy(), [3.0, 0.0])
    np.testing.assert_array_equal(buffer.numpy(), [0.0, 0.0])


# -- composition ---------------------------------------------------------------------------------

def _mutating(x):
    """Mutates its own intermediates through views."""
    y = lnp.zeros((3, 3))
    y[0] = x
    y.T[1] = lnp.sin(x)
    d = y[1:, :2]
    d *= x[:2]
    y[2, ::2] += x[0] ** 2
    return (y ** 2).sum() + (y[:, 0] * x).sum()


def _out_of_place(x):
    row0 = x
    col1 = lnp.sin(x)
    y = lnp.stack([row0, lnp.zeros(3), lnp.zeros(3)])
    y = lnp.stack([y[:, 0], col1, y[:, 2]], axis=1)
    block = y[1:, :2] * x[:2]
    y = lnp.concatenate([y[:1], lnp.concatenate([block, y[1:, 2:]], axis=1)], axis=0)
    last = y[2] + lnp.asarray([1.0, 0.0, 1.0]) * x[0] ** 2
    y = lnp.concatenate([y[:2], last[None]], axis=0)
    return (y ** 2).sum() + (y[:, 0] * x).sum()


X = np.array([0.3, -1.2, 0.7])


def test_rewrite_is_the_same_function():
    x = lnp.asarray(X)
    np.testing.assert_allclose(_mutating(x).item(), _out_of_place(x).item())


@pytest.mark.parametrize("remove", ["mutations", "mutations_and_views"])
def test_derivatives_equal_the_out_of_place_rewrite(remove):
    f = lm.functionalize(_mutating, remove=remove)
    x = lnp.asarray(X)
    v = lnp.asarray([1.0, 2.0, -1.0])
    pairs = [
        (lm.grad(f)(x), lm.grad(_out_of_place)(x)),
        (lm.jvp(f, (x,), (v,))[1], lm.jvp(_out_of_place, (x,), (v,))[1]),
        (lm.vjp(f, x)[1](lnp.asarray(2.0))[0], lm.vjp(_out_of_place, x)[1](lnp.asarray(2.0))[0]),
        (lm.jacrev(f)(x), lm.jacfwd(_out_of_place)(x)),
        (lm.jacfwd(f)(x), lm.jacrev(_out_of_place)(x)),
        (lm.hessian(f)(x), lm.hessian(_out_of_place)(x)),
        (lm.vmap(lm.grad(f))(lnp.stack([x, 2 * x])),
         lm.vmap(lm.grad(_out_of_place))(lnp.stack([x, 2 * x]))),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_functionalize_outside_grad_also_works():
    x = lnp.asarray(X)
    np.testing.assert_allclose(lm.functionalize(lm.grad(_mutating))(x).numpy(),
                               lm.grad(_out_of_place)(x).numpy(), rtol=1e-12)


def test_vmap_of_functionalize_writes_batched_values_into_a_captured_buffer():
    buffer = lnp.zeros(4)

    def f(x):
        buffer[1:3] = x
        buffer[0] = x.sum()
        return buffer * 2

    xs = lnp.asarray(np.arange(6.0).reshape(3, 2))
    with pytest.raises(lm.LaminaRuntimeError, match="functionalize"):
        lm.vmap(f)(xs)
    out = lm.vmap(lm.functionalize(f))(xs)
    rows = np.arange(6.0).reshape(3, 2)
    want = np.stack([2 * np.array([r.sum(), r[0], r[1], 0.0]) for r in rows])
    np.testing.assert_array_equal(out.numpy(), want)
    np.testing.assert_array_equal(buffer.numpy(), np.zeros(4))


def test_vmap_of_functionalize_writes_input_mutations_back_per_element():
    def f(x):
        x[::2] += x[1::2]
        return x.sum()

    base = np.arange(12.0).reshape(3, 4)
    for in_dims, chunk in ((0, None), (1, None), (0, 2)):
        x = lnp.asarray(base)
        lm.vmap(lm.functionalize(f), in_dims=in_dims, chunk_size=chunk)(x)
        want = base.copy()
        for i in range(want.shape[in_dims]):
            row = want[i] if in_dims == 0 else want[:, i]
            row[::2] += row[1::2]
        np.testing.assert_array_equal(x.numpy(), want)


def test_captured_mutation_errors_still_fire_without_functionalize():
    captured = lnp.zeros(3)

    def f(x):
        captured[0] = x[0]
        return x.sum()

    message = "attempted to call in-place operation \\(setitem_\\)"
    with pytest.raises(lm.LaminaRuntimeError, match=message):
        lm.grad(f)(lnp.ones(3))
    with pytest.raises(lm.LaminaRuntimeError, match=message):
        lm.jvp(f, (lnp.ones(3),), (lnp.ones(3),))
    assert lm.grad(lm.functionalize(f))(lnp.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert captured.tolist() == [0.0, 0.0, 0.0]


def test_nested_functionalize():
    buffer = lnp.zeros(2)

    def inner(x):
        buffer[0] = x
        return buffer.sum()

    def outer(x):
        y = lm.functionalize(inner)(x)
        buffer[1] = 5.0
        return y + buffer.sum()

    assert lm.functionalize(outer)(lnp.asarray(2.0)).item() == 2.0 + 5.0
    assert buffer.tolist() == [0.0, 0.0]


# -- errors -----------------------------------------------------------------------------------

def test_bad_remove_names_the_choices():
    with pytest.raises(ValueError, match="'mutations' or 'mutations_and_views'"):
        lm.functionalize(lambda x: x, remove="views")


def test_read_only_view_raises_numpys_error_inside():
    def f(x):
        b = lnp.broadcast_to(x, (2, 3))
        b[0, 0] = 1.0
        return b

    with pytest.raises(ValueError, match="assignment destination is read-only"):
        lm.functionalize(f)(lnp.zeros(3))


def test_exception_inside_leaves_everything_as_it_was():
    buffer = lnp.zeros(2)
    x = lnp.zeros(2)

    def f(t):
        buffer[0] = 1.0
        t[0] = 1.0
        raise KeyError("boom")

    stack = current_interpreters()
    with pytest.raises(KeyError, match="boom"):
        lm.functionalize(f, remove="mutations_and_views")(x)
    assert current_interpreters() == stack
    assert scope.copy_views == 0
    assert buffer.tolist() == [0.0, 0.0]
    assert x.tolist() == [0.0, 0.0]
    assert lm.lazy.trace.recording() is False


@pytest.mark.gpu
def test_functionalize_on_cuda():
    x = lnp.asarray(np.arange(6.0).reshape(2, 3), device="cuda")

    def f(t):
        t.T[0] += 1.0
        return (t ** 2).sum()

    g = lm.grad(lm.functionalize(f, remove="mutations_and_views"))(x.copy())
    np.testing.assert_allclose(g.numpy(), 2 * (np.arange(6.0).reshape(2, 3) + [[1, 0, 0]]))
    lm.functionalize(f)(x)
    np.testing.assert_array_equal(x.numpy()[:, 0], [1.0, 4.0])
