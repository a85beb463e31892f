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
    # The issue's program: it returned [1, 1, 1], the logsumexp term counted as a constant.
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


# -- value arguments that are tracked tensors (NOTE [tensor fill values]) -------------------------
# full_like(v, v[0]) read its fill through np.asarray: the fill was a constant, so
# grad(lambda v: sum(full_like(v, v[0]) * v)) at [1, 2, 3] gave [1, 1, 1]. The derivative of
# v0 * (v0 + v1 + v2) is [2 v0 + v1 + v2, v0, v0] = [7, 1, 1], as lnp.full already gave.

NAN_X = np.array([np.nan, np.inf, -np.inf, 1.0, np.nan])


def _put_along(v):
    y = lnp.zeros(3)
    lnp.put_along_axis(y, lnp.asarray([1]), v[0] * v[2], axis=0)
    return lnp.sum(y * v)


def _fill(v):
    y = lnp.zeros(3)
    y.fill(v[0])
    return lnp.sum(y * v)


def _setitem(v):
    y = lnp.zeros(3)
    y[1] = v[0]
    y[0] = v[2] ** 2
    return lnp.sum(y * v)


def _copyto(v):
    y = lnp.zeros(3)
    lnp.copyto(y, v[0] * v)
    return lnp.sum(y ** 2)


FILLS = {
    "full": lambda v: lnp.sum(lnp.full(3, v[0]) * v),
    "full with dtype=": lambda v: lnp.sum(lnp.full((2, 3), v[0], dtype="float64") * v),
    "full array fill": lambda v: lnp.sum(lnp.full((2, 3), v * v[1]) * v),
    "full_like": lambda v: lnp.sum(lnp.full_like(v, v[0]) * v),
    "full_like array fill": lambda v: lnp.sum(lnp.full_like(v, v ** 2) * v),
    "full_like shape=": lambda v: lnp.sum(lnp.full_like(v, v[1], shape=(2, 3)) * v),
    "full_like of a 0-d": lambda v: lnp.full_like(v[0], v[1] * v[2]) * v[0],
    "zeros_like": lambda v: lnp.sum((lnp.zeros_like(v) + v[0]) * v),
    "ones_like": lambda v: lnp.sum(lnp.ones_like(v) * v ** 2),
    "empty_like": lambda v: lnp.sum(lnp.empty_like(v) + v ** 3),
    "array(list of tensors)": lambda v: lnp.sum(lnp.array([v[0], v[1] * 2.0]) ** 2),
    "asarray(nested, mixed)": lambda v: lnp.sum(
        lnp.asarray([[v[0], 1.0], [np.float64(2.0), v[2]]]) ** 3),
    "asarray(the same tensor twice)": lambda v: lnp.sum(lnp.asarray([v, v]) * v),
    "pad constant_values=tensor": lambda v: lnp.sum(lnp.pad(v, 1, constant_values=v[0]) ** 2),
    "pad constant_values=pair": lambda v: lnp.sum(
        lnp.pad(v, (1, 2), constant_values=lnp.stack([v[0], v[2]])) ** 2),
    "pad 2-d per-axis pairs": lambda v: lnp.sum(lnp.pad(
        lnp.outer(v, v), ((1, 0), (0, 2)), constant_values=lnp.reshape(v[:2], (1, 2)) * v[2])
        ** 2),
    "where with 0-d tensors": lambda v: lnp.sum(lnp.where(v > 1.5, v[0], v[2]) * v),
    "where with a Python scalar": lambda v: lnp.sum(lnp.where(v > 1.5, v[0] ** 2, 0.5) * v),
    "Tensor.fill": _fill,
    "setitem": _setitem,
    "copyto": _copyto,
    "put_along_axis": _put_along,
    "tile": lambda v: lnp.sum(lnp.tile(v[0] * v, 2) ** 2),
    "repeat": lambda v: lnp.sum(lnp.repeat(v, 2) ** 3),
    "linspace": lambda v: lnp.sum(lnp.linspace(v[0], v[1] * v[2], 4) ** 2),
    "clip": lambda v: lnp.sum(lnp.clip(v * 1.5, v[0], v[1] * 1.2) ** 2),
    "sum initial=": lambda v: lnp.sum(v ** 2, initial=v[0]) * v[1],
    "prod initial=": lambda v: lnp.prod(v, initial=v[1]),
    "sum where= initial=": lambda v: lnp.sum(v, where=v > 1.5, initial=v[0] ** 2),
    "max initial=": lambda v: lnp.max(v, initial=v[2] * 1.5),
    "max of an empty axis, initial=": lambda v: lnp.sum(
        lnp.max(lnp.zeros((0, 2)), axis=0, initial=v[0] * v[1])),
    "nanmax initial=": lambda v: lnp.nanmax(v, initial=v[2] * 1.5),
    "nan_to_num tensor values": lambda v: lnp.sum(lnp.nan_to_num(
        lnp.asarray(NAN_X), nan=v[0] ** 2, posinf=v[1] * 3.0, neginf=v[0] * v[2])) * v[2],
}


@pytest.mark.parametrize("name", list(FILLS))
def test_tracked_value_arguments_are_differentiated(name):
    from lamina.testing import check_grads

    f = FILLS[name]
    check_grads(f, (lm.asarray(V),), order=2, modes=("rev", "fwd"))


def test_full_like_of_the_issue():
    g = lm.grad(lambda v: lnp.sum(lnp.full_like(v, v[0]) * v))(lm.asarray(V))
    np.testing.assert_allclose(g.numpy(), [7.0, 1.0, 1.0])
    np.testing.assert_allclose(
        lm.grad(lambda v: lnp.sum(lnp.full(3, v[0]) * v))(lm.asarray(V)).numpy(), g.numpy())
    # float32 output: the fill is cast, and still differentiated.
    g32 = lm.grad(lambda v: lnp.sum(lnp.full_like(v, v[0], dtype="float32") * v))(
        lm.asarray(V))
    np.testing.assert_allclose(g32.numpy(), [7.0, 1.0, 1.0])


@pytest.mark.parametrize("name", ["full_like", "pad constant_values=tensor", "sum initial=",
                                  "nan_to_num tensor values", "where with 0-d tensors",
                                  "array(list of tensors)"])
def test_tracked_value_arguments_under_vmap(name):
    from lamina.testing import check_vmap

    rows = lm.asarray(np.arange(1.0, 7.0).reshape(2, 3))
    check_vmap(FILLS[name], (rows,))
    check_vmap(lm.grad(FILLS[name]), (rows,))


def test_fill_values_that_are_tensors_follow_numpy_outside_transforms():
    x = np.arange(4.0).reshape(2, 2)
    for values in (5.0, (1.0, 2.0), ((1.0, 2.0), (3.0, 4.0)), [[1.0, 2.0]], [[1.0], [2.0]]):
        for width in (1, (1, 2), ((1, 0), (0, 2))):
            got = lnp.pad(lm.asarray(x), width, constant_values=lm.asarray(values))
            np.testing.assert_array_equal(got.numpy(), np.pad(x, width, constant_values=values))
    assert lnp.pad(lm.asarray([1, 2]), 1, constant_values=lm.asarray(2.7)).tolist() == [2, 1, 2,
                                                                                          2]
    with pytest.raises(ValueError, match="cannot be broadcast"):
        lnp.pad(lnp.ones((2, 2)), 1, constant_values=lm.asarray([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(lnp.full_like(lnp.zeros(3), [1, 2, 3]).numpy(), [1.0, 2.0, 3.0])
    assert lnp.full_like(lnp.zeros(3, dtype=int), lm.asarray(2.7)).tolist() == [2, 2, 2]
    assert lnp.full(2, lm.asarray(1.5), dtype="float32").dtype == np.float32
    assert float(lnp.sum(lm.asarray([1, 2]), initial=lm.asarray(2.7))) == 5.0
    with pytest.raises(ValueError, match="sequence"):
        lnp.sum(lm.asarray(V), initial=lm.asarray([1.0, 2.0]))
    z = np.array([complex(np.nan, np.inf), complex(1, -np.inf)])
    got = lnp.nan_to_num(lm.asarray(z), nan=lm.asarray(5.0), posinf=7.0, neginf=lm.asarray(-2.0))
    np.testing.assert_array_equal(got.numpy(), np.nan_to_num(z, nan=5.0, posinf=7.0, neginf=-2.0))
    assert got.dtype == np.complex128
    x32 = lm.asarray(NAN_X, dtype="float32")
    assert lnp.nan_to_num(x32, nan=lm.asarray(5.0)).dtype == np.float32


def test_numpy_functions_lamina_lacks_raise_on_tracked_tensors():
    # np.fill_diagonal, np.put, np.place write into their first argument: NEP 18 hands them to
    # lamina, which does not implement them, so they raise instead of writing a constant.
    for call in (lambda v: np.fill_diagonal(lnp.zeros((3, 3)), v[0]),
                 lambda v: np.put(lnp.zeros(3), [0], v[0]),
                 lambda v: np.place(lnp.zeros(3), [True, False, False], v[0])):
        with pytest.raises(TypeError, match="not implemented by lamina"):
            lm.grad(lambda v, call=call: (call(v), lnp.sum(v))[1])(lm.asarray(V))
