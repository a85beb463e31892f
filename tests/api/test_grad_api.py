"""grad, grad_and_value, value_and_grad and vjp from the user's side: signatures, pytrees,
has_aux, argnums, and every error a user can hit."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import core


def loss(w, x):
    return lnp.sum(lnp.tanh(x * w) ** 2)


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a.numpy() if isinstance(a, lm.Tensor) else a),
                               np.asarray(b), rtol=1e-10, atol=1e-12)


W = np.array([0.3, -0.2, 0.5])
X = np.array([1.0, 2.0, -1.0])


def _manual_grads():
    t = np.tanh(X * W)
    dt = 2 * t * (1 - t**2)
    return dt * X, dt * W


def test_grad_default_argnum_and_input_kinds():
    gw, _ = _manual_grads()
    for w in (lm.asarray(W), W, list(W)):
        _close(lm.grad(loss)(w, lm.asarray(X)), gw)


def test_grad_of_a_python_float_returns_a_0d_tensor():
    g = lm.grad(lambda x: x * x * 3.0)(2.0)
    assert isinstance(g, lm.Tensor) and g.shape == () and g.item() == 12.0


def test_argnums_tuple_and_negative():
    gw, gx = _manual_grads()
    a, b = lm.grad(loss, argnums=(0, 1))(W, X)
    _close(a, gw)
    _close(b, gx)
    _close(lm.grad(loss, argnums=-1)(W, X), gx)


def test_grad_and_value_is_torch_order_value_and_grad_is_jax_order():
    gw, _ = _manual_grads()
    value = np.sum(np.tanh(X * W) ** 2)
    g, v = lm.grad_and_value(loss)(W, X)
    _close(g, gw)
    _close(v, value)
    v2, g2 = lm.value_and_grad(loss)(W, X)
    _close(v2, value)
    _close(g2, gw)


def test_has_aux_in_all_three_forms():
    def f(w, x):
        out = loss(w, x)
        return out, {"out": out, "n": 3}

    g, aux = lm.grad(f, has_aux=True)(W, X)
    assert aux["n"] == 3 and isinstance(aux["out"], lm.Tensor)
    g2, (v, aux2) = lm.grad_and_value(f, has_aux=True)(W, X)
    (v3, aux3), g3 = lm.value_and_grad(f, has_aux=True)(W, X)
    for grad in (g, g2, g3):
        _close(grad, _manual_grads()[0])
    _close(v, v3.numpy())


Params = namedtuple("Params", ["w", "b"])


@pytest.mark.parametrize("make", [
    lambda w, b: (w, b), lambda w, b: [w, b], lambda w, b: {"w": w, "b": b},
    lambda w, b: Params(w, b), lambda w, b: {"layer": (w, None, [b])},
], ids=["tuple", "list", "dict", "namedtuple", "nested-with-None"])
def test_pytree_inputs_give_pytree_gradients(make):
    from lamina import tree

    w, b = np.array([1.0, 2.0]), np.array(0.5)

    def f(params):
        return sum(lnp.sum(leaf * leaf) for leaf in tree.leaves(params))

    params = make(lm.asarray(w), lm.asarray(b))
    g = lm.grad(f)(params)
    assert type(g) is type(params)
    for got, leaf in zip(tree.leaves(g), tree.leaves(params), strict=True):
        _close(got, 2 * leaf.numpy())


def test_unused_input_gets_zeros():
    g = lm.grad(lambda x, y: lnp.sum(x), argnums=1)(np.ones(2), np.ones(3))
    _close(g, np.zeros(3))


def test_kwargs_pass_through_undifferentiated():
    g = lm.grad(lambda x, scale=1.0: lnp.sum(x) * scale)(np.ones(2), scale=4.0)
    _close(g, [4.0, 4.0])


def test_vjp_returns_out_and_a_reusable_vjp_fn():
    out, vjp_fn = lm.vjp(lambda x: (lnp.sin(x), x * 2.0), lm.asarray([0.0, 1.0]))
    assert isinstance(out, tuple) and len(out) == 2
    (g1,) = vjp_fn((lm.asarray([1.0, 1.0]), lm.asarray([0.0, 0.0])))
    (g2,) = vjp_fn((lm.asarray([0.0, 0.0]), lm.asarray([1.0, 1.0])))
    (g3,) = vjp_fn((lm.asarray([1.0, 1.0]), lm.asarray([0.0, 0.0])))  # again
    _close(g1, np.cos([0.0, 1.0]))
    _close(g2, [2.0, 2.0])
    _close(g3, g1.numpy())


def test_vjp_with_aux_and_several_primals():
    out, vjp_fn, aux = lm.vjp(lambda a, b: (a * b, "aux!"), np.array(2.0), np.array(5.0),
                              has_aux=True)
    assert aux == "aux!"
    ga, gb = vjp_fn(lm.asarray(1.0))
    assert (ga.item(), gb.item()) == (5.0, 2.0)


def test_nested_grad_higher_order():
    f = lambda x: x ** 4  # noqa: E731
    assert lm.grad(lm.grad(lm.grad(f)))(2.0).item() == pytest.approx(24 * 2.0)
    assert lm.grad(lm.grad(lambda x: lnp.sin(x)))(0.5).item() == pytest.approx(-np.sin(0.5))
    third = lm.grad(lm.grad(lm.grad(lambda x: lnp.exp(2 * x))))(0.3).item()
    assert third == pytest.approx(8 * np.exp(0.6))


def test_perturbation_confusion_is_avoided():
    # d/dx [x * d/dy (x * y)] = d/dx [x * x] = 2x ... at x=1 with y's derivative x: the inner
    # grad must not see the outer perturbation: grad(lambda x: grad(lambda y: x * y)(x))(1.0)
    # is d/dx x = 1.
    assert lm.grad(lambda x: lm.grad(lambda y: x * y)(x))(1.0).item() == 1.0


def test_bool_and_float_on_a_traced_value_evaluate_the_primal():
    def f(x):
        if float(x.sum()) > 0 and bool(x[0] > 0):
            return lnp.sum(x * 2.0)
        return lnp.sum(x)

    _close(lm.grad(f)(np.array([1.0, 2.0])), [2.0, 2.0])
    _close(lm.grad(f)(np.array([-1.0, -2.0])), [1.0, 1.0])


def test_wrapped_values_print_like_functorch():
    seen = []

    def f(x):
        seen.append(repr(x))
        return lnp.sum(x)

    lm.grad(f)(np.array([1.0, 2.0]))
    assert seen[0].startswith("GradTrackingTensor(lvl=1, value=")
    assert "Tensor([1., 2.]" in seen[0]


def test_dead_wrappers_that_escaped_are_unwrapped():
    leaked = []

    def f(x):
        leaked.append(x * 2.0)
        return lnp.sum(x)

    lm.grad(f)(np.array([1.0, 2.0]))
    y = leaked[0] + 1.0  # used after the transform exited
    _close(y, [3.0, 5.0])
    # ... and inside a new transform it is a constant there.
    _close(lm.grad(lambda z: lnp.sum(z * leaked[0]))(np.ones(2)), [2.0, 4.0])


def test_exceptions_leave_the_stack_as_it_was():
    def bad(x):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        lm.grad(bad)(1.0)
    with pytest.raises(KeyError):
        lm.grad(lambda x: lm.grad(bad)(x))(1.0)
    assert core.current_interpreters() == ()


# -- errors ----------------------------------------------------------------------------------

def test_non_scalar_output():
    with pytest.raises(ValueError, match=r"Expected f\(\*args\) to return a scalar Tensor, got "
                                         r"tensor with 1 dims\. Maybe you wanted to use the vjp "
                                         r"or jacrev APIs instead\?"):
        lm.grad(lambda x: x * 2.0)(np.ones(3))


def test_output_not_a_tensor():
    with pytest.raises(TypeError, match="expected f to return a Tensor"):
        lm.grad(lambda x: "nope")(1.0)
    with pytest.raises(TypeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
        lm.grad(lambda x: (x, x))(1.0)


@pytest.mark.parametrize("bad", [np.array([1, 2]), np.array([True]), 3])
def test_integer_or_boolean_inputs_cannot_be_differentiated(bad):
    with pytest.raises(TypeError, match="only floating point \\(or complex\\) inputs can be "
                                        "differentiated"):
        lm.grad(lambda x: lnp.sum(x * 1.0))(bad)


def test_integer_input_outside_argnums_is_fine():
    g = lm.grad(lambda x, n: lnp.sum(x) * n)(np.ones(2), np.array(3))
    _close(g, [3.0, 3.0])


@pytest.mark.parametrize("argnums, match", [
    (2, "argnums 2 is out of range"), (-3, "argnums -3 is out of range"),
    ((0, 0), "has duplicates"), ((0, -2), "has duplicates"), ("0", "must be an int"),
    ((), "must be an int"), (1.0, "must be an int"),
])
def test_bad_argnums(argnums, match):
    with pytest.raises((ValueError, TypeError), match=match):
        lm.grad(loss, argnums=argnums)(W, X)


def test_error_messages_quote_the_call():
    with pytest.raises(ValueError, match=r"grad\(loss\)\(<2 arguments>\)"):
        lm.grad(loss, argnums=5)(W, X)


def test_has_aux_without_a_pair():
    with pytest.raises(ValueError, match="has_aux=True requires f to return a pair"):
        lm.grad(lambda x: x * 1.0, has_aux=True)(1.0)


def test_cotangent_structure_and_shape_must_match():
    out, vjp_fn = lm.vjp(lambda x: (x * 2.0, x * 3.0), lm.asarray([1.0, 2.0]))
    with pytest.raises(ValueError, match="structure of the output"):
        vjp_fn(lm.asarray([1.0, 1.0]))
    with pytest.raises(ValueError, match="cotangent of shape \\(3,\\) for output 0"):
        vjp_fn((lm.asarray([1.0, 1.0, 1.0]), lm.asarray([1.0, 1.0])))


def test_missing_rule_names_the_transform_and_op(monkeypatch):
    from lamina.ops.elementwise import UNARY

    monkeypatch.setattr(UNARY["sin"], "vjp", None)
    with pytest.raises(RuntimeError, match="grad: the operation 'sin' has no grad rule"):
        lm.grad(lambda x: lnp.sin(x))(1.0)
