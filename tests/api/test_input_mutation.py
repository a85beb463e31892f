"""Transforms write in-place changes of their inputs back to the caller (NOTE [input mutations]
in lamina/transforms/grad.py): after ``T(f)(x)`` the caller's ``x`` holds what it would hold
after ``f(x)``, and the derivatives are those at the value ``x`` had when ``f`` was called."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import assert_allclose

X = np.array([0.5, -1.0, 2.0])


def mutating(x):
    x *= 2.0
    x[0] += 1.0
    return lnp.sin(x)


def out_of_place(x):
    y = x * 2.0
    y = lnp.concatenate([y[:1] + 1.0, y[1:]])
    return lnp.sin(y)


def after(x):
    y = x * 2.0
    y[0] += 1.0
    return y


def _scalar(f):
    return lambda x: (f(x) ** 2).sum()


V = np.array([1.0, 0.5, -2.0])

# name: (call the transform of f at x, the same for the out-of-place rewrite)
TRANSFORMS = {
    "grad": lambda f, x: lm.grad(_scalar(f))(x),
    "value_and_grad": lambda f, x: lm.value_and_grad(_scalar(f))(x),
    "grad_and_value": lambda f, x: lm.grad_and_value(_scalar(f))(x),
    "vjp": lambda f, x: lm.vjp(f, x)[1](lm.asarray(V)),
    "jvp": lambda f, x: lm.jvp(f, (x,), (lm.asarray(V),)),
    "linearize": lambda f, x: lm.linearize(f, x)[1](lm.asarray(V)),
    "jacrev": lambda f, x: lm.jacrev(f)(x),
    "jacfwd": lambda f, x: lm.jacfwd(f)(x),
    "hessian": lambda f, x: lm.hessian(_scalar(f))(x),
    "grad_of_grad": lambda f, x: lm.grad(lambda x: lm.grad(_scalar(f))(x).sum())(x),
    "jvp_of_grad": lambda f, x: lm.jvp(lm.grad(_scalar(f)), (x,), (lm.asarray(V),)),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_the_caller_sees_the_mutation_and_derivatives_are_at_the_old_value(name):
    call = TRANSFORMS[name]
    x = lm.asarray(X)
    got = call(mutating, x)
    assert_allclose(x, after(X.copy()))          # written back, once
    assert_allclose(got, call(out_of_place, lm.asarray(X)))


@pytest.mark.parametrize("name", ["grad", "jvp", "jacrev", "jacfwd"])
def test_a_view_argument_writes_through_to_its_base(name):
    base = lm.asarray(np.stack([X, X + 1]))
    TRANSFORMS[name](mutating, base[1])
    assert_allclose(base, np.stack([X, after(X + 1)]))


def test_vmap_of_grad_writes_back_per_element():
    xs = np.stack([X, 2 * X])
    x = lm.asarray(xs)
    g = lm.vmap(lm.grad(_scalar(mutating)))(x)
    assert_allclose(x, np.stack([after(r.copy()) for r in xs]))
    assert_allclose(g, np.stack([lm.grad(_scalar(out_of_place))(lm.asarray(r)).numpy()
                                 for r in xs]))


def test_only_the_mutated_inputs_are_written():
    def f(x, y):
        y += 1.0
        return (x * y).sum()

    x, y = lm.asarray(X), lm.asarray(X)
    gx, gy = lm.grad(f, argnums=(0, 1))(x, y)
    assert_allclose(x, X)
    assert_allclose(y, X + 1)
    assert_allclose(gx, X + 1)
    assert_allclose(gy, X)


def test_nothing_is_written_when_f_raises():
    def f(x):
        x *= 2.0
        raise KeyError("boom")

    x = lm.asarray(X)
    with pytest.raises(KeyError):
        lm.grad(f)(x)
    assert_allclose(x, X)


def test_numpy_inputs_are_not_written():
    # A NumPy argument is a constant to lamina (as torch treats non-tensors): never mutated.
    a = X.copy()
    lm.grad(_scalar(mutating))(a)
    np.testing.assert_array_equal(a, X)


@pytest.mark.gpu
def test_on_cuda_with_a_zeros_like_buffer_under_vmap():
    xs = np.stack([X, 2 * X])
    x = lm.asarray(xs, device="cuda")

    def f(x):
        y = lnp.zeros_like(x)  # batched under vmap (NOTE [creation under vmap])
        y[0] = x[0] * 2.0
        x *= 3.0
        return (y ** 2).sum()

    g = lm.vmap(lm.grad(f))(x)
    assert g.device == "cuda" and x.device == "cuda"
    np.testing.assert_allclose(x.numpy(), 3 * xs)
    np.testing.assert_allclose(g.numpy(), np.stack([[8 * r[0], 0, 0] for r in xs]))


@pytest.mark.parametrize("name", ["grad", "jvp", "jacfwd", "vmap"])
def test_a_read_only_input_raises_at_the_write_with_the_callers_reason(name):
    # As calling f itself would: the in-place op raises, naming the op and the reason.
    calls = {**TRANSFORMS, "vmap": lambda f, x: lm.vmap(f)(x)}
    broadcast = lnp.broadcast_to(lm.asarray(X), (2, 3))
    with pytest.raises(ValueError, match=r"^multiply: .*read-only view, e\.g\. from "
                                         r"broadcast_to"):
        calls[name](mutating, broadcast if name == "vmap" else broadcast[0])
    frozen = lm.asarray(np.stack([X, X]) if name == "vmap" else X)
    frozen.setflags(write=False)
    with pytest.raises(ValueError, match=r"^multiply: .*setflags\(write=True\)"):
        calls[name](mutating, frozen)
    assert frozen.numpy().ravel().tolist()[:3] == X.tolist()


def test_each_pytree_leaf_keeps_its_own_write_flag():
    free, frozen = lm.asarray(X), lm.asarray(X)
    frozen.setflags(write=False)

    def f(pair, which):
        leaf = pair[which]
        leaf *= 2.0
        return (pair[0] * pair[1]).sum()

    g = lm.grad(f)((free, frozen), 0)
    assert_allclose(free, 2 * X)
    assert_allclose(g, (2 * X, 2 * X))  # d(2a . b): at the values f was called with
    with pytest.raises(ValueError, match="setflags"):
        lm.grad(f)((free, frozen), 1)
