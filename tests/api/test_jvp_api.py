"""jvp, linearize, jacfwd and hessian from the user's side, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

rng = np.random.default_rng(0)


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(a.numpy() if isinstance(a, lm.Tensor) else np.asarray(a),
                               np.asarray(b), rtol=tol, atol=tol)


def f(x):
    return lnp.sin(x) * lnp.sum(x ** 2)


def test_jvp_matches_the_jacobian_times_the_tangent():
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    out, t = lm.jvp(f, (x,), (v,))
    _close(out, np.sin(x) * np.sum(x ** 2))
    _close(t, lm.jacrev(f)(x).numpy() @ v)


def test_jvp_pytrees_and_has_aux():
    params = {"a": lm.asarray([1.0, 2.0]), "b": lm.asarray(3.0)}
    tangents = {"a": lm.asarray([1.0, 0.0]), "b": lm.asarray(1.0)}
    out, t, aux = lm.jvp(lambda p: (p["a"] * p["b"], "aux"), (params,), (tangents,),
                         has_aux=True)
    assert aux == "aux"
    _close(t, [1.0 * 3.0 + 1.0 * 1.0, 0.0 + 2.0 * 1.0])


def test_perturbation_confusion_in_forward_mode():
    # d/dx [x * (d/dy (x + y))] at x = 1 is 1: the inner perturbation must not leak out.
    def outer(x):
        inner = lm.jvp(lambda y: x + y, (lm.asarray(1.0),), (lm.asarray(1.0),))[1]
        return x * inner

    assert lm.jvp(outer, (lm.asarray(1.0),), (lm.asarray(1.0),))[1].item() == 1.0


def test_linearize_does_not_run_f_again():
    calls = []

    def g(x):
        calls.append(1)
        return lnp.exp(x) * 2.0

    x = rng.standard_normal(3)
    out, jvp_fn = lm.linearize(g, lm.asarray(x))
    n = len(calls)
    for _ in range(3):
        v = rng.standard_normal(3)
        _close(jvp_fn(lm.asarray(v)), np.exp(x) * 2.0 * v)
    assert len(calls) == n
    _close(out, np.exp(x) * 2.0)


def test_jacfwd_equals_jacrev():
    x = rng.standard_normal(5)
    _close(lm.jacfwd(f)(x), lm.jacrev(f)(x).numpy())
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    ja, jb = lm.jacfwd(lambda u, w: u * lnp.sum(w), argnums=(0, 1))(a, b)
    _close(ja, np.eye(3) * b.sum())
    _close(jb, np.outer(a, np.ones(3)))


def test_hessian_is_symmetric_and_matches_closed_form():
    a = rng.standard_normal((4, 4))
    h = lm.hessian(lambda x: lnp.sum(lnp.tanh(lnp.asarray(a) @ x) ** 2))(rng.standard_normal(4))
    h = h.numpy()
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    x = rng.standard_normal(3)
    _close(lm.hessian(lambda x: lnp.sum(x ** 3))(x), np.diag(6 * x))


def test_hessian_vector_product_recipe():
    a = rng.standard_normal((6, 6))
    la = lm.asarray(a)

    def loss(x):
        return lnp.sum(lnp.tanh(la @ x) ** 2)

    x, v = rng.standard_normal(6), rng.standard_normal(6)
    hvp = lm.jvp(lm.grad(loss), (lm.asarray(x),), (lm.asarray(v),))[1]
    _close(hvp, lm.hessian(loss)(x).numpy() @ v, tol=1e-8)


def test_jvp_composes_with_vmap_both_ways():
    xs, vs = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loop = np.stack([lm.jvp(f, (x,), (v,))[1].numpy() for x, v in zip(xs, vs, strict=True)])
    got = lm.vmap(lambda x, v: lm.jvp(f, (x,), (v,))[1])(xs, vs)
    _close(got, loop)
    _, got2 = lm.jvp(lm.vmap(f), (lm.asarray(xs),), (lm.asarray(vs),))
    _close(got2, loop)


# -- errors ----------------------------------------------------------------------------------

def test_tangent_of_the_wrong_shape_dtype_or_structure():
    x = lm.asarray([1.0, 2.0])
    with pytest.raises(ValueError, match="tangent 0 has shape \\(3,\\), but its primal has shape "
                                         "\\(2,\\)"):
        lm.jvp(f, (x,), (lm.asarray([1.0, 2.0, 3.0]),))
    with pytest.raises(TypeError, match="tangent 0 has dtype float32, but its primal has dtype "
                                        "float64"):
        lm.jvp(f, (x,), (lm.asarray([1.0, 2.0], dtype="float32"),))
    with pytest.raises(ValueError, match="tangents must have the structure of primals"):
        lm.jvp(lambda a, b: a * b, (x, x), (x,))
    with pytest.raises(TypeError, match="must be tuples"):
        lm.jvp(f, x, x)


def test_integer_primals_are_rejected():
    with pytest.raises(TypeError, match="primal 0 has dtype int64; only floating point"):
        lm.jvp(lambda n: n * 2, (lm.asarray([1, 2]),), (lm.asarray([1, 1]),))


def test_missing_jvp_rule_names_the_op(monkeypatch):
    from lamina.ops.elementwise import UNARY

    monkeypatch.setattr(UNARY["sin"], "jvp", None)
    with pytest.raises(RuntimeError, match="jvp: the operation 'sin' has no jvp rule"):
        lm.jvp(lnp.sin, (lm.asarray(1.0),), (lm.asarray(1.0),))
