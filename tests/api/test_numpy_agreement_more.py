"""More small divergences from NumPy 2 found by other developers, each a line of source run on
NumPy and on lamina (``xp`` is either): the same value and dtype, or the same builtin
exception class (``agree`` from ``test_numpy_agreement``). Where lamina's message must say more
than NumPy's (name the bad element, say what to pass), the message is checked too."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from tests.api.test_numpy_agreement import agree

nan, inf = np.nan, np.inf


# -- 1. reshape: any negative is the unknown dimension; bad elements are named ---------------

@pytest.mark.parametrize("src", [
    "xp.arange(6).reshape((-2, 3))",
    "xp.reshape(xp.arange(6), (-2, 3))",
    "xp.reshape(xp.arange(6), (3, -7))",
    "xp.reshape(xp.arange(6), -3)",
    "xp.arange(6).reshape(2, -5)",
    "xp.reshape(xp.arange(6), (-1, -1))",        # ValueError: one unknown dimension only
    "xp.reshape(xp.arange(6), (-2, -3))",
    "xp.reshape(xp.arange(6), (7, -1))",
    "xp.reshape(xp.arange(6), (0, -1))",
    "xp.reshape(xp.zeros((0,)), (0, -1))",       # ValueError: the unknown is ambiguous
    "xp.reshape(xp.zeros((0,)), (2, -1, 0))",
    "xp.reshape(xp.arange(6), (2.0, 3))",        # TypeError
    "xp.reshape(xp.arange(6), (2, None))",
    "xp.reshape(xp.arange(6), (True, 6))",
    "xp.reshape(xp.arange(6), xp.float64(6))",
    "xp.reshape(xp.arange(6), '6')",
    "xp.reshape(xp.arange(6), ((2,), 3))",
    "xp.reshape(xp.arange(6), np.array([2.0, 3.0]))",
    "xp.reshape(xp.arange(6), np.array([2, 3]))",
    "xp.reshape(xp.arange(6), (np.array(2), np.int8(3)))",
    "xp.reshape(xp.arange(6), iter([2, 3]))",    # TypeError: a sequence, not an iterator
    "xp.reshape(xp.arange(6), {6: 0})",
    "xp.reshape(xp.arange(6).reshape(2, 3), None)",   # None: the same shape
    "xp.arange(6).reshape(2, 3).reshape(None)",
    "xp.reshape(xp.asarray(5.0), None)",
])
def test_reshape(src):
    agree(src)


@pytest.mark.parametrize("shape, names", [
    ((2.0, 3), ["element 0 is 2.0", "Pass (2, 3) instead"]),
    ((2, None), ["element 1 is None"]),
    ((6, True), ["element 1 is True", "'bool'"]),
    (iter([2, 3]), ["list_iterator", "tuple"]),
])
def test_reshape_type_errors_name_the_bad_element(shape, names):
    with pytest.raises(TypeError) as info:
        lnp.reshape(lnp.arange(6), shape)
    msg = str(info.value)
    assert msg.startswith("reshape"), msg
    for name in names:
        assert name in msg, msg


def test_reshape_two_unknowns_names_them():
    with pytest.raises(ValueError, match=r"one unknown dimension.*\(-2, -3\)"):
        lnp.arange(6).reshape(-2, -3)


def test_reshape_negative_unknown_is_a_view_and_differentiates():
    x = lnp.arange(6.0)
    y = x.reshape(-2, 3)
    y[0, 0] = 7.0
    assert x[0].item() == 7.0
    g = lm.grad(lambda v: (lnp.reshape(v, (3, -9)) ** 2).sum())(lnp.arange(6.0))
    np.testing.assert_allclose(np.asarray(g), 2 * np.arange(6.0))

