"""``lm.stop_gradient`` (JAX's name, pytrees) and ``Tensor.detach()`` (torch's): a value with no
derivative at any grad or jvp level, still batched under vmap (issue 14)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

X = np.array([1.0, 2.0, 3.0])


def _close(a, b):
    np.testing.assert_allclose(a.numpy() if isinstance(a, lm.Tensor) else a, b, rtol=1e-12,
                               atol=1e-12)


@pytest.fixture(params=["stop_gradient", "detach"])
def sg(request):
    return lm.stop_gradient if request.param == "stop_gradient" else (lambda t: t.detach())


def test_grad_sees_a_constant(sg):
    # d/dx sum(x * c) with c = x held constant is c = x, not 2x.
    _close(lm.grad(lambda x: lnp.sum(x * sg(x)))(lm.asarray(X)), X)
    _close(lm.grad(lambda x: lnp.sum(sg(x) ** 2))(lm.asarray(X)), [0.0, 0.0, 0.0])


def test_zero_d_and_python_scalar_inputs(sg):
    assert float(lm.grad(lambda x: x * sg(x))(3.0)) == 3.0
    assert float(lm.grad(lambda x: x * sg(x))(lm.asarray(3.0))) == 3.0
    assert float(lm.grad(lambda x: x * sg(x * 2.0))(np.float64(3.0))) == 6.0


def test_the_same_tensor_twice(sg):
    x = lm.asarray(X)
    gx, gy = lm.grad(lambda a, b: lnp.sum(a * sg(b)), argnums=(0, 1))(x, x)
    _close(gx, X)
    _close(gy, [0.0, 0.0, 0.0])


def test_nested_grad_sees_no_derivative_at_any_level(sg):
    # f(x) = x**3 * c, c = x held constant at both levels: f'' = 6 x c = 6 x**2.
    assert float(lm.grad(lm.grad(lambda x: x ** 3 * sg(x)))(lm.asarray(2.0))) == 24.0

    # The inner grad returns stop_gradient(x * y): a constant to the outer grad too.
    def outer(x):
        return lm.grad(lambda y: y * sg(x * y))(x)

    assert float(lm.grad(outer)(lm.asarray(2.0))) == 0.0

    # Stopped only at the inner level's input: the outer level still differentiates x * x.
    def outer2(x):
        return lm.grad(lambda y: y * sg(y) * x)(x)   # = sg(y) * x = x * x at y = x

    assert float(lm.grad(outer2)(lm.asarray(2.0))) == 2.0   # d/dx (c * x), c = sg(y) = x


def test_jvp_tangent_is_zero(sg):
    out, tangent = lm.jvp(lambda x: x * sg(x), (lm.asarray(X),), (lm.asarray(np.ones(3)),))
    _close(out, X ** 2)
    _close(tangent, X)
    _, tangent = lm.jvp(sg, (lm.asarray(X),), (lm.asarray(np.ones(3)),))
    _close(tangent, [0.0, 0.0, 0.0])


def test_jvp_of_grad_and_jacobians(sg):
    f = lambda x: lnp.sum(x ** 2 * sg(x))  # noqa: E731 - grad = 2 x c, hessian = 2 c I
    x = lm.asarray(X)
    _close(lm.jvp(lm.grad(f), (x,), (lm.asarray(np.ones(3)),))[1], 2 * X)
    _close(lm.hessian(f)(x), np.diag(2 * X))
    _close(lm.jacrev(lambda x: x * sg(x))(x), np.diag(X))
    _close(lm.jacfwd(lambda x: x * sg(x))(x), np.diag(X))


def test_vmap_keeps_the_batch(sg):
    x = lm.asarray(np.arange(6.0).reshape(3, 2))
    _close(lm.vmap(lambda r: sg(r) * 2.0)(x), 2 * x.numpy())
    _close(lm.vmap(lambda r: lnp.sum(sg(r)))(x), x.numpy().sum(1))
    _close(lm.vmap(lm.grad(lambda r: lnp.sum(r * sg(r))))(x), x.numpy())
    _close(lm.grad(lambda x: lnp.sum(lm.vmap(lambda r: r * sg(r))(x)))(x), x.numpy())
    # in_dims=None: the unbatched argument stays unbatched.
    out = lm.vmap(lambda r, c: r * sg(c), in_dims=(0, None))(x, lm.asarray([10.0, 20.0]))
    _close(out, x.numpy() * [10.0, 20.0])


def test_integer_and_complex_values(sg):
    n = lm.asarray([1, 2])
    assert sg(n).dtype == np.int64 and sg(n).tolist() == [1, 2]
    g = lm.grad(lambda z: (z * lnp.conj(sg(z))).real)(lm.asarray(3 + 4j))
    assert complex(g) == pytest.approx(3 - 4j)   # JAX's convention: conj of d/dz of c z


def test_vjp_of_a_stopped_output_is_zero(sg):
    out, vjp_fn = lm.vjp(sg, lm.asarray(X))
    _close(out, X)
    (g,) = vjp_fn(lm.asarray(np.ones(3)))
    _close(g, [0.0, 0.0, 0.0])


def test_a_new_tensor_outside_transforms(sg):
    x = lm.asarray(X)
    d = sg(x)
    assert d is not x
    _close(d, X)
    d[0] = 10.0                      # writes stay in the new tensor
    _close(x, X)
    v = x[1:]                         # a view: its current value, as a new tensor
    x[2] = 7.0
    _close(sg(v), [2.0, 7.0])


def test_in_place_on_the_result_inside_grad(sg):
    def f(x):
        y = sg(x)
        y += 1.0                     # a tensor made inside the transform: writable
        return lnp.sum(x * y)

    _close(lm.grad(f)(lm.asarray(X)), X + 1)


def test_under_functionalize(sg):
    def f(x):
        y = x * 1.0
        y[0] = sg(y[1]) * 3.0
        return lnp.sum(y * y)

    g = lm.grad(lm.functionalize(f))(lm.asarray(X))
    # y = [3 c, x1, x2] with c = x1 held constant: d/dx = [0, 2 x1, 2 x2].
    _close(g, [0.0, 4.0, 6.0])


def test_escaped_wrapper_of_a_finished_transform(sg):
    leaked = []
    lm.grad(lambda x: leaked.append(x * 2.0) or lnp.sum(x))(lm.asarray(X))
    _close(sg(leaked[0]), 2 * X)


Pair = namedtuple("Pair", "a b")


def test_pytrees():
    x = lm.asarray(X)
    arr = np.ones(2)
    tree = {"t": x, "n": 3, "arr": arr, "pair": Pair(x[0], None), "list": [x, 2.5]}
    out = lm.stop_gradient(tree)
    assert list(out) == ["t", "n", "arr", "pair", "list"]
    assert isinstance(out["t"], lm.Tensor) and out["t"] is not x
    assert out["n"] == 3 and out["arr"] is arr and out["list"][1] == 2.5
    assert isinstance(out["pair"], Pair) and out["pair"].b is None
    assert lm.stop_gradient(None) is None and lm.stop_gradient(1.5) == 1.5

    def f(p):
        q = lm.stop_gradient(p)
        return lnp.sum(p["w"] * q["w"]) + p["b"] * q["b"]

    g = lm.grad(f)({"w": lm.asarray(X), "b": lm.asarray(2.0)})
    _close(g["w"], X)
    _close(g["b"], 2.0)


def test_exported():
    assert "stop_gradient" in lm.__all__
    assert lm.Tensor.detach.__doc__ and lm.stop_gradient.__doc__
