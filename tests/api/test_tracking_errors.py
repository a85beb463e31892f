"""Tracked values do not leave lamina silently (issue 14, NOTE [tracked values leave only as
scalars] in lamina/wrappers/tensor.py).

Inside grad, jvp or vmap, converting a tensor the transform tracks to a NumPy array or a Python
list raised nothing and gave a constant: ``lm.grad(lambda v: np.sum(v) +
scipy.special.logsumexp(v))`` returned all ones. Now it raises ``TrackedConversionError`` (a
TypeError, as JAX's TracerArrayConversionError). Python scalars (``float(t)``, ``t.item()``,
``if t > 0:``) still work inside grad and jvp, and values the transform does not track
(captured constants, arguments it does not differentiate, stopped values, integers) convert as
before.
"""

from __future__ import annotations

import copy
import operator
import pickle

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import core

V = np.array([1.0, 2.0, 3.0])

CONVERSIONS = {
    "np.asarray": lambda t: np.asarray(t),
    "np.array": lambda t: np.array(t),
    "np.asarray(dtype=float32)": lambda t: np.asarray(t, dtype=np.float32),
    "np.array([t0, t1])": lambda t: np.array([t[0], t[1]]),
    "t.numpy()": lambda t: t.numpy(),
    "t.tolist()": lambda t: t.tolist(),
    "0-d t.tolist()": lambda t: t[0].tolist(),
    "t.tobytes()": lambda t: t.tobytes(),
    "pickle.dumps(t)": lambda t: pickle.dumps(t),
    "np.sum(np.asarray(t))": lambda t: np.sum(np.asarray(t)),
}
NAMES = {"np.asarray": "np.asarray", "np.array": "np.asarray", "np.array([t0, t1])": "np.array",
         "t.numpy()": "t.numpy()", "t.tolist()": "t.tolist()", "0-d t.tolist()": "t.tolist()",
         "t.tobytes()": "t.tobytes()", "pickle.dumps(t)": "pickle.dumps(t)",
         "np.asarray(dtype=float32)": "np.asarray", "np.sum(np.asarray(t))": "np.asarray"}


def _grad(convert):
    return lambda: lm.grad(lambda v: lnp.sum(v) + 0.0 * np.sum(convert(v)))(lm.asarray(V))


def _jvp(convert):
    return lambda: lm.jvp(lambda v: (convert(v), v)[1], (lm.asarray(V),), (lm.asarray(V),))


def _vjp(convert):
    return lambda: lm.vjp(lambda v: (convert(v), v)[1], lm.asarray(V))


def _inner_of_nested(convert):
    # x is tracked by the outer grad while the inner one runs.
    def outer(x):
        return lm.grad(lambda y: (convert(x), lnp.sum(y * x))[1])(x).sum()

    return lambda: lm.grad(outer)(lm.asarray(V))


def _hessian(convert):
    return lambda: lm.hessian(lambda v: (convert(v), lnp.sum(v ** 3))[1])(lm.asarray(V))


def _vmap(convert):
    return lambda: lm.vmap(lambda r: (convert(r), r)[1])(lm.asarray(np.ones((2, 3))))


def _vmap_of_grad(convert):
    return lambda: lm.vmap(lm.grad(lambda r: (convert(r), lnp.sum(r))[1]))(
        lm.asarray(np.ones((2, 3))))


TRANSFORMS = {"grad": _grad, "jvp": _jvp, "vjp": _vjp, "nested grad": _inner_of_nested,
              "hessian": _hessian, "vmap": _vmap, "vmap(grad)": _vmap_of_grad}


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("conversion", list(CONVERSIONS))
def test_array_conversions_of_tracked_values_raise(transform, conversion):
    run = TRANSFORMS[transform](CONVERSIONS[conversion])
    with pytest.raises(lm.TrackedConversionError) as info:
        run()
    message = str(info.value)
    assert NAMES[conversion] in message
    assert "lnp.stack([t0, t1])" in message and "lnp.asarray(t)" in message
    if "vmap" in transform:
        assert "inside vmap" in message and "batch" in message
    else:
        assert "lm.stop_gradient(t)" in message and "t.detach()" in message
        assert "float(t)" in message  # the conversion that stays allowed
    assert core.current_interpreters() == ()


def test_the_error_is_a_type_error():
    assert issubclass(lm.TrackedConversionError, TypeError)
    assert issubclass(lm.TrackedConversionError, lm.LaminaTypeError)
    with pytest.raises(TypeError):
        lm.grad(lambda v: lnp.sum(lnp.asarray(np.asarray(v))))(lm.asarray(V))


def test_scipy_function_of_a_tracked_value_raises_at_the_conversion():
    special = pytest.importorskip("scipy.special")
    # The program: it returned [1, 1, 1], the logsumexp term counted as a constant.
    with pytest.raises(lm.TrackedConversionError, match="SciPy"):
        lm.grad(lambda v: np.sum(v) + special.logsumexp(v))(lm.asarray(V))
    # lamina's own logsumexp is differentiable: 1 + softmax(v).
    g = lm.grad(lambda v: np.sum(v) + lm.special.logsumexp(v))(lm.asarray(V))
    np.testing.assert_allclose(g.numpy(), 1 + np.exp(V) / np.exp(V).sum())


# -- what is not tracked converts as before ------------------------------------------------------

A = np.array([[1.0, 2.0], [3.0, 4.0]])


def test_captured_constant_converts_inside_grad():
    a = lm.asarray(A)

    def f(x):
        m = lnp.asarray(np.asarray(a))      # a tensor from outside the transform
        assert a.tolist() == A.tolist() and a.numpy().shape == (2, 2)
        return lnp.sum(m @ x)

    g = lm.grad(f)(lm.asarray([1.0, 1.0]))
    np.testing.assert_allclose(g.numpy(), A.sum(0))


def test_argument_not_differentiated_converts():
    def f(x, a):
        return lnp.sum(x * float(np.asarray(a).sum()))

    g = lm.grad(f, argnums=0)(lm.asarray(V), lm.asarray(A))
    np.testing.assert_allclose(g.numpy(), np.full(3, A.sum()))
    out = lm.vmap(lambda r, c: r * float(np.asarray(c).sum()), in_dims=(0, None))(
        lm.asarray(V), lm.asarray(V))
    np.testing.assert_allclose(out.numpy(), V * 6.0)


def test_integer_and_boolean_results_convert_inside_grad_and_jvp():
    def f(v):
        i = int(np.asarray(lnp.argmax(v)))
        mask = np.asarray(v > 1.5)
        assert mask.tolist() == [False, True, True] and (v > 1.5).tolist() == mask.tolist()
        return v[i] * 2.0

    np.testing.assert_allclose(lm.grad(f)(lm.asarray(V)).numpy(), [0.0, 0.0, 2.0])
    assert float(lm.jvp(f, (lm.asarray(V),), (lm.asarray(np.ones(3)),))[1]) == 2.0


@pytest.mark.parametrize("stop", [lm.stop_gradient, lambda t: t.detach()])
def test_stopped_values_convert_under_grad_and_jvp(stop):
    def f(v):
        c = np.asarray(stop(v))
        assert stop(v).tolist() == V.tolist() and stop(v).numpy().shape == (3,)
        return lnp.sum(v * lnp.asarray(c))

    np.testing.assert_allclose(lm.grad(f)(lm.asarray(V)).numpy(), V)

    def h(x):  # stopped at both levels of grad(grad): h'' = 2 c = 2 x
        return x ** 2 * lnp.asarray(np.asarray(stop(x)))

    assert float(lm.grad(lm.grad(h))(2.0)) == 4.0
    _, t = lm.jvp(f, (lm.asarray(V),), (lm.asarray(np.ones(3)),))
    assert float(t) == V.sum()
    # Under vmap a stopped value is still batched: it cannot become one NumPy array.
    with pytest.raises(lm.TrackedConversionError, match="vmap"):
        lm.vmap(lambda r: np.asarray(stop(r)))(lm.asarray(np.ones((2, 3))))


def test_escaped_wrapper_converts_after_the_transform():
    leaked = []
    lm.grad(lambda v: leaked.append(v * 2.0) or lnp.sum(v))(lm.asarray(V))
    np.testing.assert_allclose(np.asarray(leaked[0]), 2 * V)
    assert leaked[0].tolist() == (2 * V).tolist()


# -- Python scalars stay allowed inside grad and jvp ---------------------------------------------

def test_python_scalars_and_control_flow_inside_grad():
    def f(x):
        total = x[0] * 0.0
        for i in range(int(x.shape[0])):
            xi = x[i]
            if xi > 1.5:                              # bool(t)
                total = total + xi ** 2
            assert isinstance(float(xi), float) and isinstance(xi.item(), float)
            assert f"{xi:.1f}" == f"{V[i]:.1f}"      # format
            assert str(xi) and repr(xi)               # printing shows the value
        n = lnp.asarray(2)
        return lnp.sum(total) * operator.index(n) + 0.0 * int(x[0])

    g = lm.grad(f)(lm.asarray(V))
    np.testing.assert_allclose(g.numpy(), [0.0, 8.0, 12.0])
    _, t = lm.jvp(f, (lm.asarray(V),), (lm.asarray(np.ones(3)),))
    assert float(t) == 20.0
    z = lm.grad(lambda z: (z * lnp.conj(z)).real + 0.0 * complex(z).real)(lm.asarray(1 + 2j))
    assert complex(z) == pytest.approx(2 - 4j)


def test_scalars_under_vmap_still_raise_as_control_flow():
    with pytest.raises(RuntimeError, match="data-dependent"):
        lm.vmap(lambda r: r * float(r[0]))(lm.asarray(np.ones((2, 3))))


def test_copy_and_deepcopy_stay_tracked():
    g = lm.grad(lambda v: lnp.sum(copy.copy(v) * copy.deepcopy(v)))(lm.asarray(V))
    np.testing.assert_allclose(g.numpy(), 2 * V)


# -- grad's error for a number returned instead of a tensor --------------------------------------

@pytest.mark.parametrize("make, call", [
    (lambda x: float(np.exp(float(x))), "float(t)"),
    (lambda x: np.float64(x) * 2.0, "float(t)"),
    (lambda x: x.item() ** 2, "t.item()"),
])
def test_number_made_from_a_tracked_value_raises_naming_where(make, call):
    with pytest.raises(TypeError) as info:
        lm.grad(make)(lm.asarray(2.0))
    message = str(info.value)
    assert "not a lamina tensor" in message and f"lost at {call}" in message
    assert "test_tracking_errors.py" in message          # where the conversion was made
    assert "lamina.numpy" in message and "lm.stop_gradient" in message
    with pytest.raises(TypeError, match=f"lost at {call.replace('(', '.').replace(')', '.')}"):
        lm.jvp(make, (lm.asarray(2.0),), (lm.asarray(1.0),))
    with pytest.raises(TypeError, match="not a lamina tensor"):
        lm.vjp(make, lm.asarray(2.0))


def test_constant_outputs_without_a_conversion_keep_their_zero_gradient():
    # Issue 13's rule (as JAX and autograd): an output that does not depend on the input.
    assert float(lm.grad(lambda x: 3.0)(2.0)) == 0.0
    assert float(lm.grad(lambda x: np.float64(1.5))(2.0)) == 0.0
    # Control flow on the value (bool), with a constant branch: still a zero gradient.
    relu2 = lambda x: x ** 2 if x > 0 else 0.0  # noqa: E731
    assert float(lm.grad(relu2)(-1.0)) == 0.0
    assert float(lm.grad(relu2)(3.0)) == 6.0
    # int(t) (a count, an index) is no value conversion either.
    assert float(lm.grad(lambda x: float(int(x > 0)))(2.0)) == 0.0
    # A conversion in another grad call does not leak into this one.
    with pytest.raises(TypeError):
        lm.grad(lambda x: float(x))(1.0)
    assert float(lm.grad(lambda x: 3.0)(2.0)) == 0.0


def test_other_non_tensor_outputs_still_name_the_type():
    with pytest.raises(TypeError, match="expected f to return a Tensor.*output leaf 0 is a str"):
        lm.grad(lambda x: "nope")(1.0)
    with pytest.raises(TypeError, match="output leaf 0 is a object"):
        lm.jvp(lambda x: object(), (lm.asarray(1.0),), (lm.asarray(1.0),))
