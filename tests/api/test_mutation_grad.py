"""Mutation under ``grad`` (NOTE [captured mutation] in lamina/wrappers/tensor.py).

(a) In-place ops on tensors made inside the differentiated function (also through views,
``out=``, fancy and mask indices, split pieces) are differentiated correctly: each case equals
its out-of-place rewrite, a value computed by hand, and passes ``check_grads`` to second order.
(b) An in-place op that writes a tracked value into a tensor captured from outside the transform
raises functorch's error and leaves the tensor unchanged; writing a constant is allowed.
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads

X = np.array([1.0, 2.0, 3.0])


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-12, atol=1e-12)


def _message(op: str) -> str:
    return (
        "During a grad (vjp, jvp, grad, etc) transform, the function provided attempted to call "
        f"in-place operation ({op}) that would mutate a captured Tensor. This is not supported; "
        "please rewrite the function being transformed to explicitly accept the mutated "
        "Tensor(s) as inputs."
    )


# -- (a) mutation of tensors made inside the function --------------------------------------------

def _setitem_then_scale(x):
    y = x * 1
    y[0] = 0
    y[1:] *= 2
    return y.sum()


def _setitem_then_scale_pure(x):
    return lnp.concatenate([lnp.zeros(1), x[1:] * 2]).sum()


def _write_into_zeros(x):
    y = lnp.zeros(3)
    y[1] = x[0] * 2
    return (y ** 2).sum()


def _write_into_zeros_pure(x):
    return (x[0] * 2) ** 2


def _view_add(x):
    y = lnp.ones(3)
    r = y[1:]
    r += x[:2]
    return (y ** 2).sum()


def _view_add_pure(x):
    return (lnp.concatenate([lnp.ones(1), 1 + x[:2]]) ** 2).sum()


def _transpose_view(x):
    y = lnp.zeros((3, 3))
    y.T[0] = x * x  # the first column of y
    return (y * lnp.arange(9.0).reshape(3, 3)).sum()


def _transpose_view_pure(x):
    return (x * x * lnp.asarray([0.0, 3.0, 6.0])).sum()


def _out_kwarg(x):
    y = lnp.ones(3)
    lnp.multiply(y, x, out=y)
    lnp.sin(y, out=y)
    lnp.add(y, x[::-1], out=y)
    return (y * y).sum()


def _out_kwarg_pure(x):
    y = lnp.sin(x) + x[::-1]
    return (y * y).sum()


def _fancy_add(x):
    y = lnp.ones(3)
    y[[0, 2]] += x[:2]
    return (y ** 2).sum()


def _fancy_add_pure(x):
    return (1 + x[0]) ** 2 + 1.0 + (1 + x[1]) ** 2


def _mask_zero(x):
    y = x * x
    y[lnp.asarray([False, True, True])] = 0
    return (y * x).sum()


def _mask_zero_pure(x):
    return x[0] ** 3


def _mask_tracked(x):
    y = lnp.zeros(3)
    y[lnp.asarray([True, False, True])] = x[1:] * 3  # a value with one entry per True
    return (y ** 2).sum()


def _mask_tracked_pure(x):
    return 9 * (x[1] ** 2 + x[2] ** 2)


def _split_pieces(x):
    y = lnp.concatenate([x, x])
    a, b = lnp.split(y, 2)
    a *= 3
    b[0] = 0
    return (y ** 2).sum()


def _split_pieces_pure(x):
    return 9 * (x ** 2).sum() + x[1] ** 2 + x[2] ** 2


def _duplicates_last_wins(x):
    y = lnp.zeros(3)
    y[[0, 2, 0]] = x * lnp.asarray([1.0, 2.0, 3.0])  # y[0] is written twice: 3 * x[2] stays
    return (y ** 2).sum()


def _duplicates_last_wins_pure(x):
    return (3 * x[2]) ** 2 + (2 * x[1]) ** 2


# (function, out-of-place rewrite, gradient at X = [1, 2, 3] by hand)
CASES = {
    "setitem then *= on a slice": (_setitem_then_scale, _setitem_then_scale_pure, [0, 2, 2]),
    "write into zeros": (_write_into_zeros, _write_into_zeros_pure, [8, 0, 0]),
    "view +=": (_view_add, _view_add_pure, [4, 6, 0]),
    "y.T[0] = ...": (_transpose_view, _transpose_view_pure, [0, 12, 36]),
    "out=": (_out_kwarg, _out_kwarg_pure, [
        2 * (np.sin(1) + 3) * np.cos(1) + 2 * (np.sin(3) + 1),
        2 * (np.sin(2) + 2) * (np.cos(2) + 1),
        2 * (np.sin(3) + 1) * np.cos(3) + 2 * (np.sin(1) + 3),
    ]),
    "fancy +=": (_fancy_add, _fancy_add_pure, [4, 6, 0]),
    "mask = 0": (_mask_zero, _mask_zero_pure, [3, 0, 0]),
    "mask = tracked": (_mask_tracked, _mask_tracked_pure, [0, 36, 54]),
    "split pieces": (_split_pieces, _split_pieces_pure, [18, 40, 60]),
    "duplicate indices": (_duplicates_last_wins, _duplicates_last_wins_pure, [0, 16, 54]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_mutation_inside_grad_matches_out_of_place(name):
    f, pure, by_hand = CASES[name]
    g = lm.grad(f)(X)
    _close(g, lm.grad(pure)(X))
    _close(g, by_hand)
    _close(f(lnp.asarray(X)), pure(lnp.asarray(X)))  # the same function outside grad too


@pytest.mark.parametrize("name", list(CASES))
def test_mutation_inside_grad_second_order(name):
    f, pure, _ = CASES[name]
    check_grads(f, (lnp.asarray(X),), order=2)
    hess = lm.grad(lambda x: (lm.grad(f)(x) * lnp.asarray([1.0, -1.0, 0.5])).sum())(X)
    hess_pure = lm.grad(lambda x: (lm.grad(pure)(x) * lnp.asarray([1.0, -1.0, 0.5])).sum())(X)
    _close(hess, hess_pure)


def test_mutating_the_input_inside_grad():
    def f(x):
        x *= 2
        x[0] = 1.0
        return (x ** 2).sum()

    _close(lm.grad(f)(X), [0, 8 * 2, 8 * 3])


def test_mutation_in_vjp_and_value_and_grad():
    out, pullback = lm.vjp(_view_add, X)
    _close(out, _view_add_pure(lnp.asarray(X)))
    (g,) = pullback(lnp.asarray(1.0))
    _close(g, [4, 6, 0])
    value, g = lm.value_and_grad(_split_pieces)(X)
    _close(value, _split_pieces_pure(lnp.asarray(X)))
    _close(g, [18, 40, 60])


def test_mutation_inside_nested_grad_with_the_outer_value():
    # y is made inside the outer function; the inner one writes a value tracked by the outer
    # transform only into it: allowed, and the second derivative sees the write.
    def outer(x):
        y = lnp.zeros(3)

        def inner(z):
            y[...] = x  # x is the outer transform's value, y was made inside it
            return (y * z * z).sum()

        return (lm.grad(inner)(x) * x).sum()  # sum(2 * x**3)

    _close(lm.grad(outer)(X), 6 * X ** 2)


# -- (b) captured tensors -------------------------------------------------------------------------

def _captured_cases():
    c = lnp.zeros(3)

    def iadd(x):
        nonlocal c
        c += x
        return c.sum()

    def view_iadd(x):
        r = c[1:]
        r += x[:2]
        return c.sum()

    def out_kwarg(x):
        lnp.multiply(x, 2.0, out=c)
        return c.sum()

    def setitem(x):
        c[0] = x[0]
        return c.sum()

    def fancy_setitem(x):
        c[[0, 2]] = x[:2]
        return c.sum()

    def mask_setitem(x):
        c[lnp.asarray([True, False, True])] = x[1:]
        return c.sum()

    def copyto(x):
        lnp.copyto(c, x)
        return c.sum()

    return c, {"add_": iadd, "add_ (through a view)": view_iadd, "multiply_": out_kwarg,
               "setitem_": setitem, "setitem_ (fancy)": fancy_setitem,
               "setitem_ (mask)": mask_setitem, "copyto_": copyto}


@pytest.mark.parametrize("name", list(_captured_cases()[1]))
def test_mutating_a_captured_tensor_raises(name):
    c, cases = _captured_cases()
    alias = c[:2]
    with pytest.raises(RuntimeError) as info:
        lm.grad(cases[name])(X)
    assert str(info.value) == _message(name.split()[0])
    _close(c, np.zeros(3))  # nothing was written
    _close(alias, np.zeros(2))


def test_the_issue_example_raises_with_its_message():
    c = lnp.zeros(3)

    def f(x):
        nonlocal c
        c += x
        return c.sum()

    with pytest.raises(RuntimeError, match=r"in-place operation \(add_\)") as info:
        lm.grad(f)(X)
    assert str(info.value) == _message("add_")
    _close(c, np.zeros(3))
    with pytest.raises(RuntimeError) as info:
        lm.vjp(f, X)
    assert str(info.value) == _message("add_")


def test_captured_tensor_of_the_outer_function_in_a_nested_grad_raises():
    def outer(x):
        y = lnp.zeros(3)  # made inside the outer transform: captured by the inner one

        def inner(z):
            y[...] = z
            return y.sum()

        return (lm.grad(inner)(x) * x).sum()

    with pytest.raises(RuntimeError) as info:
        lm.grad(outer)(X)
    assert str(info.value) == _message("setitem_")


@pytest.mark.parametrize("transform", ["grad", "jvp"])
@pytest.mark.parametrize("write", ["c[0] = 5.0", "c += 1.0", "c[1:] += other[1:]"])
def test_writing_constants_into_a_captured_tensor_raises(transform, write):
    # Even an untracked value written into a captured tensor changes the caller's data
    # behind the transform's back (functorch refuses it too); it used to pass silently.
    c = lnp.zeros(3)
    other = lnp.asarray([10.0, 20.0, 30.0])

    def f(x):
        exec(write, {}, {"c": c, "other": other})
        return (c * x).sum()

    with pytest.raises(RuntimeError, match="mutate a captured Tensor"):
        if transform == "grad":
            lm.grad(f)(X)
        else:
            lm.jvp(f, (X,), (lnp.ones(3),))
    _close(c, [0, 0, 0])  # untouched


def test_writing_constants_into_a_captured_tensor_inside_functionalize_is_private():
    c = lnp.zeros(3)

    def f(x):
        c[0] = 5.0
        return (c * x).sum()

    _close(lm.grad(lm.functionalize(f))(X), [5, 0, 0])
    _close(c, [0, 0, 0])


def test_the_captured_tensor_is_usable_after_the_error():
    c = lnp.ones(3)

    def f(x):
        c[1:] = x[1:]
        return c.sum()

    with pytest.raises(RuntimeError):
        lm.grad(f)(X)
    c[1:] = lnp.asarray([4.0, 5.0])  # outside any transform: an ordinary write
    _close(c, [1, 4, 5])
