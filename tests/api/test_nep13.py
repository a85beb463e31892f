"""Operators and ufuncs on tensors defer to other array types exactly where an ndarray would
(NEP 13; NOTE [NEP 13 deferral] in lamina/numpy/_protocols.py): the answer of ``tensor <op>
other`` is NumPy's answer with an ndarray in the tensor's place."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

xr = pytest.importorskip("xarray")


class OverridesUfuncs:
    """Overrides ``__array_ufunc__``: NumPy hands it every ufunc it takes part in."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return ("handled", ufunc.__name__, method, "out" in kwargs)

    def __mul__(self, other):
        return "mul"

    def __rmul__(self, other):
        return "rmul"


class HighPriority:
    """The legacy protocol: no ``__array_ufunc__``, a higher ``__array_priority__`` than the
    tensor's (``Tensor.__array_priority__`` is 1000)."""

    __array_priority__ = 2000

    def __array__(self, dtype=None, copy=None):
        return np.ones(2)

    def __mul__(self, other):
        return "mul"

    def __rmul__(self, other):
        return "rmul"

    def __radd__(self, other):
        return "radd"


class OptsOut:
    __array_ufunc__ = None

    def __rmul__(self, other):
        return "rmul"


def _both(expr):
    """``expr`` evaluated with an ndarray and with a tensor as ``a``."""
    results = []
    for a in (np.ones(2), lnp.ones(2)):
        try:
            results.append(expr(a))
        except TypeError as exc:
            results.append(TypeError)
            assert "does not support ufuncs" in str(exc) or "not supported" in str(exc)
    return results


@pytest.mark.parametrize("expr, expected", [
    (lambda a: a * OverridesUfuncs(), ("handled", "multiply", "__call__", False)),
    (lambda a: OverridesUfuncs() * a, "mul"),
    (lambda a: a + OverridesUfuncs(), ("handled", "add", "__call__", False)),
    (lambda a: a < OverridesUfuncs(), ("handled", "less", "__call__", False)),
    (lambda a: a @ OverridesUfuncs(), ("handled", "matmul", "__call__", False)),
    (lambda a: np.multiply(a, OverridesUfuncs()), ("handled", "multiply", "__call__", False)),
    (lambda a: np.add(OverridesUfuncs(), a), ("handled", "add", "__call__", False)),
    (lambda a: a * HighPriority(), "rmul"),
    (lambda a: a + HighPriority(), "radd"),
    (lambda a: HighPriority() * a, "mul"),
    (lambda a: a * OptsOut(), "rmul"),
])
def test_operators_and_ufuncs_defer_as_ndarray_does(expr, expected):
    with_ndarray, with_tensor = _both(expr)
    assert with_ndarray == expected
    assert with_tensor == expected


def test_inplace_operators_defer_as_ndarray_does():
    for make in (np.ones, lnp.ones):
        a = make(2)
        a *= OverridesUfuncs()
        assert a == ("handled", "multiply", "__call__", True)   # the ufunc with out=(a,)
        a = make(2)
        a *= HighPriority()
        assert a == "rmul"
        a = make(2)
        with pytest.raises(TypeError, match="does not support ufuncs"):
            a *= OptsOut()
    t = lnp.ones(2)
    with pytest.raises(lm.LaminaTypeError, match=r"write x = x \* other instead"):
        t *= OptsOut()


def test_lower_priority_and_plain_operands_are_computed_by_lamina():
    class LowPriority:
        __array_priority__ = 10.0

        def __array__(self, dtype=None, copy=None):
            return np.full(2, 3.0)

    t = lnp.ones(2)
    for other in (LowPriority(), [3.0, 3.0], np.full(2, 3.0), np.float64(3.0), 3.0,
                  lnp.full(2, 3.0)):
        out = t * other
        assert isinstance(out, lm.Tensor) and out.tolist() == [3.0, 3.0]


def test_tensor_array_ufunc_returns_notimplemented_for_unknown_overriding_types():
    t = lnp.ones(2)
    assert t.__array_ufunc__(np.multiply, "__call__", t, OverridesUfuncs()) is NotImplemented
    assert t.__array_ufunc__(np.multiply, "__call__", t, 2.0, out=(OverridesUfuncs(),)) is (
        NotImplemented)
    out = t.__array_ufunc__(np.multiply, "__call__", t, np.full(2, 2.0))  # ndarrays are known
    assert isinstance(out, lm.Tensor) and out.tolist() == [2.0, 2.0]


def test_array_function_gives_unknown_implementers_the_call():
    class Implements:
        def __array_function__(self, func, types, args, kwargs):
            return ("handled", func.__name__)

    assert np.concatenate([lnp.ones(2), Implements()]) == ("handled", "concatenate")
    assert np.concatenate([np.ones(2), Implements()]) == ("handled", "concatenate")


# -- a real DataArray ----------------------------------------------------------------------------

def _data_array():
    return xr.DataArray(np.arange(3.0), dims="x", coords={"x": [10, 20, 30]}, name="d")


@pytest.mark.parametrize("expr", [
    lambda a, d: a * d,
    lambda a, d: d * a,
    lambda a, d: a + d,
    lambda a, d: a - d,
    lambda a, d: a / (d + 1),
    lambda a, d: a ** d,
    lambda a, d: a < d,
    lambda a, d: a == d,
    lambda a, d: np.multiply(a, d),
    lambda a, d: np.add(d, a),
    lambda a, d: np.maximum(a, d),
])
def test_tensor_with_a_data_array_is_a_data_array(expr):
    expected = expr(np.full(3, 2.0), _data_array())
    got = expr(lnp.full(3, 2.0), _data_array())
    assert isinstance(expected, xr.DataArray)
    assert isinstance(got, xr.DataArray)
    assert got.dims == expected.dims
    np.testing.assert_array_equal(got["x"].values, expected["x"].values)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_inplace_with_a_data_array_is_what_ndarray_gives():
    a, t = np.full(3, 2.0), lnp.full(3, 2.0)
    a *= _data_array()
    t *= _data_array()
    assert isinstance(a, xr.DataArray) and isinstance(t, xr.DataArray)
    np.testing.assert_array_equal(np.asarray(t), np.asarray(a))
