"""Inputs that alias each other (the same tensor twice, a tensor and its view) under every
transform: the transform computes what the plain call computes and leaves the caller's tensor
as the plain call does (NOTE [input handles] in lamina/transforms/inputs.py).

Each transform used to give each argument a private storage, so ``f(x, x)`` computed another
function under the transform and one of its two writes was lost.
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

X = np.array([1.0, 2.0, 4.0])


def mutate_both(a, b):
    a += 1.0
    b *= 3.0
    return (a * b).sum()


def mutate_view(a, b):  # called with (x, x[:2]) or (x, x[1:])
    b += 10.0
    a *= 2.0
    return (a[:2] * b).sum() + (a ** 2).sum()


def pure(a, b):
    return (a * b ** 2).sum()


def _plain(f, x, view):
    t = lm.asarray(x.copy())
    out = f(t, view(t))
    return float(out), t.numpy()


def _total_derivative(f, x, view, eps=1e-6):
    """Central differences of x -> f(x, view(x)) (aliased as the caller passes it)."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (_plain(f, x + e, view)[0] - _plain(f, x - e, view)[0]) / (2 * eps)
    return g


def _whole(t):
    return t


def _head(t):
    return t[:2]


CASES = [
    pytest.param(mutate_both, _whole, id="f(x,x)"),
    pytest.param(mutate_view, _head, id="f(x,x[:2])"),
    pytest.param(mutate_view, lambda t: t[1:], id="f(x,x[1:])"),
    pytest.param(pure, _whole, id="pure f(x,x)"),
]


def _fold(g_a, g_b, view):
    """The derivative in x of f(x, view(x)), from the gradients of the two arguments."""
    total = np.array(g_a.numpy())
    inner = lm.asarray(np.zeros_like(X))
    view(inner)[...] = g_b
    return total + inner.numpy()


@pytest.mark.parametrize(("f", "view"), CASES)
@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_grad(f, view, argnums):
    value, after = _plain(f, X, view)
    t = lm.asarray(X.copy())
    v, g = lm.value_and_grad(f, argnums=argnums)(t, view(t))
    assert float(v) == pytest.approx(value)
    np.testing.assert_allclose(t.numpy(), after)  # both writes reach the caller
    if argnums == 0:
        if f is pure:  # b is not differentiated: a constant, as in JAX
            np.testing.assert_allclose(g.numpy(), X ** 2)
        # With writes, elements that the constant b overwrote are constants too: the
        # gradient is not the total derivative, and no peer defines it; values are checked.
    else:
        # With every alias differentiated, the gradients add up to the derivative of
        # f(x, view(x)) in x.
        np.testing.assert_allclose(_fold(*g, view), _total_derivative(f, X, view), rtol=1e-6)


def test_grad_of_each_aliased_argument_on_its_own_as_jax():
    # No write: each argument is differentiated on its own (d/da, d/db of a * b**2).
    x = lm.asarray(X)
    ga, gb = lm.grad(pure, argnums=(0, 1))(x, x)
    np.testing.assert_allclose(ga.numpy(), X ** 2)
    np.testing.assert_allclose(gb.numpy(), 2 * X * X)


@pytest.mark.parametrize(("f", "view"), CASES)
def test_vjp_with_ones(f, view):
    value, after = _plain(f, X, view)
    t = lm.asarray(X.copy())
    out, vjp_fn = lm.vjp(f, t, view(t))
    assert float(out) == pytest.approx(value)
    np.testing.assert_allclose(t.numpy(), after)
    g_a, g_b = vjp_fn(lnp.ones(()))
    np.testing.assert_allclose(_fold(g_a, g_b, view), _total_derivative(f, X, view), rtol=1e-6)


@pytest.mark.parametrize(("f", "view"), CASES)
def test_jvp(f, view):
    value, after = _plain(f, X, view)
    u = np.array([0.5, -1.0, 2.0])
    t = lm.asarray(X.copy())
    b = view(t)
    u_b = view(lm.asarray(u)).numpy()
    out, tangent = lm.jvp(f, (t, b), (lm.asarray(u), lm.asarray(u_b)))
    assert float(out) == pytest.approx(value)
    np.testing.assert_allclose(t.numpy(), after)
    expected = _total_derivative(f, X, view) @ u
    assert float(tangent) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("f", "view"), CASES)
@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians(f, view, jac):
    value, after = _plain(f, X, view)
    t = lm.asarray(X.copy())
    g_a, g_b = getattr(lm, jac)(f, argnums=(0, 1))(t, view(t))
    np.testing.assert_allclose(t.numpy(), after)
    np.testing.assert_allclose(_fold(g_a, g_b, view), _total_derivative(f, X, view), rtol=1e-6)


@pytest.mark.parametrize("chunk_size", [None, 1, 2])
@pytest.mark.parametrize("f", [mutate_both, pure])
def test_vmap_same_tensor_twice(f, chunk_size):
    rows = np.arange(6.0).reshape(3, 2) + 1.0
    expected, after = [], []
    for row in rows:
        v, a = _plain(f, row, _whole)
        expected.append(v)
        after.append(a)
    t = lm.asarray(rows.copy())
    out = lm.vmap(f, chunk_size=chunk_size)(t, t)
    np.testing.assert_allclose(out.numpy(), expected)
    np.testing.assert_allclose(t.numpy(), np.array(after))


def test_vmap_aliases_batched_differently_refuse_writes():
    # x batched over its rows and x unbatched are not one array per batch element: a write
    # through either cannot be kept consistent, so it raises instead of being lost.
    t = lm.asarray(np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="aliases another input"):
        lm.vmap(mutate_both, in_dims=(0, None))(t, t)
    np.testing.assert_allclose(t.numpy(), np.ones((2, 2)))
    # Reading them is fine.
    out = lm.vmap(pure, in_dims=(0, None))(t, t)
    np.testing.assert_allclose(out.numpy(), [4.0, 4.0])


def test_hessian_of_the_same_tensor_twice():
    x = lm.asarray(X)
    h = lm.hessian(lambda a, b: (a * b * b).sum(), argnums=0)(x, x)
    np.testing.assert_allclose(h.numpy(), np.zeros((3, 3)))  # linear in a
    h = lm.hessian(lambda a: (a * a * a).sum())(x)
    np.testing.assert_allclose(h.numpy(), np.diag(6 * X))


def test_non_differentiated_inputs_that_are_written_reach_the_caller():
    # An input grad does not differentiate is still an input: writes into it are the
    # caller's (as for the differentiated ones), not a captured-tensor error.
    def f(w, buf):
        buf += w
        return (w * buf).sum()

    w = lm.asarray(X)
    buf = lm.asarray(np.ones(3))
    g = lm.grad(f)(w, buf)
    np.testing.assert_allclose(buf.numpy(), 1 + X)
    np.testing.assert_allclose(g.numpy(), 1 + 2 * X)


def issue_example(a, b):
    a += 1
    b += 10
    return (a * b).sum()


@pytest.mark.parametrize("transform", ["plain", "grad", "vjp", "jvp", "jacrev", "jacfwd"])
def test_the_issue_example_with_a_row_view(transform):
    # The issue's f(x, x[0]) with a 2-d x, where x[0] is a view of a row.
    x0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    value, after = _plain(issue_example, x0, lambda t: t[0])
    t = lm.asarray(x0.copy())
    row = t[0]
    if transform == "plain":
        out = issue_example(t, row)
    elif transform == "grad":
        out, _ = lm.value_and_grad(issue_example, argnums=(0, 1))(t, row)
    elif transform == "vjp":
        out, _ = lm.vjp(issue_example, t, row)
    elif transform == "jvp":
        out, _ = lm.jvp(issue_example, (t, row), (lnp.ones((2, 2)), lnp.ones(2)))
    else:
        getattr(lm, transform)(issue_example, argnums=(0, 1))(t, row)
        out = value
    assert float(out) == pytest.approx(value)
    np.testing.assert_allclose(t.numpy(), after)
