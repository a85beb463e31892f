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



# -- 2. repeat: NumPy's rule for counts; layer_norm's normalized_shape ------------------------
# NumPy converts a Python (or NumPy) scalar or a list of counts with int() (2.0 and 2.5 both
# count 2, "2" too) and casts an array of counts safely to intp (float arrays are refused).

@pytest.mark.parametrize("src", [
    "xp.repeat(xp.arange(3), 2.0)",
    "xp.repeat(xp.arange(3), 2.5)",
    "xp.repeat(xp.arange(3), -0.5)",
    "xp.repeat(xp.arange(3), xp.float64(2))",
    "xp.repeat(xp.arange(3), xp.float32(2.5))",
    "xp.repeat(xp.arange(3), [1.0, 2.0, 0.0])",
    "xp.repeat(xp.arange(3), [1, 2.5, np.float64(3.7)])",
    "xp.repeat(xp.arange(3), [True, 2, 1])",
    "xp.repeat(xp.arange(3), True)",
    "xp.arange(3).repeat(2.0)",
    "xp.repeat(xp.arange(6).reshape(2, 3), 2.0, axis=1)",
    "xp.repeat(xp.arange(3), xp.asarray([1.0, 2.0, 0.0]))",       # TypeError: a float array
    "xp.repeat(xp.arange(3), xp.asarray(2.0))",
    "xp.repeat(xp.arange(3), xp.asarray([], dtype=xp.float64))",
    "xp.repeat(xp.arange(3), xp.asarray([1, 1, 1], dtype=xp.uint64))",
    "xp.repeat(xp.arange(3), xp.asarray([1, 1, 1], dtype=xp.uint32))",
    "xp.repeat(xp.arange(3), xp.asarray(2, dtype=xp.uint8))",
    "xp.repeat(xp.arange(3), xp.asarray([True, False, True]))",
    "xp.repeat(xp.arange(3), -1)",                                 # ValueError
    "xp.repeat(xp.arange(3), -1.0)",
    "xp.repeat(xp.arange(3), xp.int8(-1))",
    "xp.repeat(xp.arange(3), [1, -1, 2])",
    "xp.repeat(xp.arange(3), xp.asarray([1, -1, 2]))",
    "xp.repeat(xp.arange(3), nan)",
    "xp.repeat(xp.arange(3), 'x')",
    "xp.repeat(xp.arange(3), inf)",                                # OverflowError
    "xp.repeat(xp.arange(3), None)",                               # TypeError
    "xp.repeat(xp.arange(3), [None, 1, 1])",
    "xp.repeat(xp.arange(3), 2 + 0j)",
    "xp.repeat(xp.arange(3), [])",                                 # ValueError: broadcast
    "xp.repeat(xp.arange(3), [1, 2])",
    "xp.repeat(xp.arange(3), [[1, 2, 3]])",
    "xp.repeat(xp.arange(3), xp.ones((1, 3), dtype=xp.int64))",
])
def test_repeat_counts(src):
    agree(src)


def test_repeat_float_array_error_says_what_to_do():
    with pytest.raises(TypeError, match=r"repeat.*float64.*astype"):
        lnp.repeat(lnp.arange(3), lnp.asarray([1.0, 2.0, 0.0]))


@pytest.mark.parametrize("shape, names", [
    ((3.0,), ["element 0 is 3.0", "Pass (3,) instead"]),
    (3.0, ["3.0", "Pass 3 instead"]),
    ((True,), ["element 0 is True"]),
    ("3", ["'3'"]),
])
def test_layer_norm_refuses_non_int_normalized_shape(shape, names):
    import lamina.nn.functional as F  # noqa: N812 - torch's name

    with pytest.raises(TypeError) as info:
        F.layer_norm(lnp.ones((2, 3)), shape)
    msg = str(info.value)
    assert "layer_norm" in msg and "normalized_shape" in msg, msg
    for name in names:
        assert name in msg, msg


# -- 3. 0-d inputs: where NumPy views a 0-d array as 1-d along an axis ------------------------
# (argsort, take, repeat, squeeze with an int axis 0/-1; sort and mean/var/std do not)

@pytest.mark.parametrize("src", [
    "xp.argsort(xp.asarray(3.0))",
    "xp.argsort(xp.asarray(3))",
    "xp.argsort(xp.asarray(3.0), axis=0)",
    "xp.argsort(xp.asarray(3.0), axis=None)",
    "xp.argsort(xp.asarray(3.0), stable=True)",
    "xp.argsort(xp.asarray(3.0), axis=1)",            # AxisError
    "xp.argsort(xp.asarray(3.0), axis=-2)",
    "xp.asarray(3.0).argsort()",
    "xp.sort(xp.asarray(3.0))",                       # AxisError: sort does not
    "xp.sort(xp.asarray(3.0), axis=0)",
    "xp.sort(xp.asarray(3.0), axis=None)",
    "xp.argmax(xp.asarray(3.0))",
    "xp.argmax(xp.asarray(3.0), axis=0)",
    "xp.argmin(xp.asarray(3.0), axis=-1)",
    "xp.argmax(xp.asarray(3.0), axis=0, keepdims=True)",
    "xp.argmax(xp.asarray(3.0), axis=1)",             # AxisError
    "xp.argmax(xp.asarray(3.0), axis=(0,))",          # TypeError: an int axis only
    "xp.argmin(xp.ones((2, 3)), axis=(0,))",
    "xp.searchsorted(xp.asarray([1.0, 2.0]), xp.asarray(3.0))",
    "xp.searchsorted(xp.asarray(3.0), 2.0)",          # ValueError
    "xp.cumsum(xp.asarray(3.0))",
    "xp.cumsum(xp.asarray(3.0), axis=0)",
    "xp.cumprod(xp.asarray(3.0), axis=-1)",
    "xp.cumsum(xp.asarray(3.0), axis=1)",
    "xp.take(xp.asarray(3.0), 0, axis=0)",
    "xp.take(xp.asarray(3.0), [0, 0], axis=-1)",
    "xp.take(xp.asarray(3.0), 0, axis=1)",            # AxisError
    "xp.take(xp.asarray(3.0), 1, axis=0)",            # IndexError
    "xp.repeat(xp.asarray(3.0), 2, axis=0)",
    "xp.repeat(xp.asarray(3.0), [2], axis=-1)",
    "xp.repeat(xp.asarray(3.0), 2, axis=1)",
    "xp.squeeze(xp.asarray(3.0), axis=0)",
    "xp.squeeze(xp.asarray(3.0), axis=-1)",
    "xp.squeeze(xp.asarray(3.0), axis=(0,))",         # AxisError: a tuple is checked
    "xp.squeeze(xp.asarray(3.0), axis=1)",
    "xp.asarray(3.0).squeeze(0)",
])
def test_zero_d(src):
    agree(src)


def test_zero_d_derivatives():
    g = lm.grad(lambda x: lnp.take(x, 0, axis=0) * 2.0)(lnp.asarray(3.0))
    assert g.shape == () and g.item() == 2.0
    g = lm.grad(lambda x: lnp.repeat(x, 3, axis=0).sum())(lnp.asarray(3.0))
    assert g.shape == () and g.item() == 3.0
    g = lm.grad(lambda x: lnp.squeeze(x, axis=-1) * 5.0)(lnp.asarray(3.0))
    assert g.shape == () and g.item() == 5.0
    out = lm.vmap(lambda x: lnp.argsort(x))(lnp.asarray([3.0, 1.0]))
    np.testing.assert_array_equal(np.asarray(out), [[0], [0]])


# -- 4. joining functions take sequences, not iterators ---------------------------------------
# stack and the *stack family want an object with __getitem__ (a dict or a range passes);
# concatenate wants a sequence (a range passes, a dict or a set does not).

_ITERABLES = {
    "gen": "(xp.ones(2) for _ in range(2))",
    "map": "map(xp.ones, [2, 2])",
    "set": "{1.0, 2.0}",
    "dict_values": "{1: xp.ones(2)}.values()",
    "dict": "{1: xp.ones(2)}",
    "range": "range(3)",
    "list": "[xp.ones(2), xp.ones(2)]",
    "tuple": "(xp.ones(2), xp.ones(2))",
    "array": "xp.ones((2, 2))",
}


@pytest.mark.parametrize("fn", ["stack", "concatenate", "concat", "vstack", "hstack", "dstack",
                                "column_stack"])
@pytest.mark.parametrize("kind", list(_ITERABLES))
def test_joining_functions_want_sequences(fn, kind):
    agree(f"xp.{fn}({_ITERABLES[kind]})")


@pytest.mark.parametrize("fn", ["stack", "concatenate", "vstack"])
def test_joining_functions_say_to_pass_a_list(fn):
    with pytest.raises(TypeError, match=rf"{fn}.*sequence.*generator.*list\("):
        getattr(lnp, fn)(lnp.ones(2) for _ in range(2))


# -- 5. clip of a bool tensor with no bounds: NumPy 2 raises (no 'positive' loop for bool) ---

@pytest.mark.parametrize("src", [
    "xp.clip(xp.asarray([True, False]))",
    "xp.clip(xp.asarray([True, False]), None, None)",
    "xp.clip(xp.asarray(True), min=None, max=None)",
    "xp.asarray([True]).clip()",
    "xp.clip(xp.asarray([True]), out=xp.zeros(1, dtype=bool))",
])
def test_clip_bool_without_bounds_raises(src):
    # NumPy's class is its private _UFuncNoLoopError; lamina's is the builtin TypeError
    # both derive from (NOTE [errors subclass builtins]).
    for xp in (np, lnp):
        with pytest.raises(TypeError):
            eval(src, {"xp": xp})  # noqa: S307 - test source


@pytest.mark.parametrize("src", [
    "xp.clip(xp.asarray([True, False]), False, True)",
    "xp.clip(xp.asarray([True, False]), 0, None)",
    "xp.clip(xp.asarray([1, 2]), None, None)",
    "xp.clip(xp.asarray([1.0, 2.0]))",
])
def test_clip_without_bounds(src):
    agree(src)


def test_clip_bool_without_bounds_says_what_to_do():
    with pytest.raises(TypeError, match=r"clip.*bool.*copy\(\)"):
        lnp.clip(lnp.asarray([True, False]))


# -- 6. NaN-skipping reductions of complex values ---------------------------------------------
# nanmax/nanmin of an all-NaN slice give its first element (fmax keeps the first of two NaNs),
# a NaN in either part; nanstd's all-NaN result is sqrt(nan+0j) = nan+nanj in a complex dtype.

@pytest.mark.parametrize("src", [
    "xp.nanmax(xp.asarray([complex(nan, 1)]))",
    "xp.nanmin(xp.asarray([complex(nan, 1), complex(nan, 2)]))",
    "xp.nanmax(xp.asarray([complex(1, nan), complex(nan, 2)]))",
    "xp.nanmin(xp.asarray([[complex(1, nan)], [complex(nan, 2)]]), axis=0)",
    "xp.nanmax(xp.asarray([[complex(1, nan), complex(nan, 2)], [3, 4]]), axis=1)",
    "xp.nanmax(xp.asarray([[complex(nan, 5), 1], [complex(2, nan), 3]]), axis=0, keepdims=True)",
    "xp.nanmax(xp.asarray([1 + 1j, complex(nan, 2), complex(3, nan), 2]))",
    "xp.nanmin(xp.asarray([1 + 1j, complex(nan, 2), complex(3, nan), 2]))",
    "xp.nanmax(xp.asarray([nan, 1.0]))",
    "xp.nanmax(xp.asarray([nan, nan]))",
    "xp.nanmean(xp.asarray([complex(nan, 1), 2 + 2j]))",
    "xp.nanmean(xp.asarray([complex(nan, 1)]))",
    "xp.nanvar(xp.asarray([complex(1, nan), 2 + 2j, 4]))",
    "xp.nanvar(xp.asarray([complex(nan, 1)]))",
    "xp.nanstd(xp.asarray([complex(nan, 1), 1 + 1j, 3j]))",
    "xp.nanstd(xp.asarray([nan, nan]), dtype=complex)",
    "xp.nanstd(xp.asarray([1.0]), ddof=1, dtype=complex)",
    "xp.nanstd(xp.asarray([[nan, 1.0], [2.0, 4.0]]), axis=1, dtype=complex)",
    "xp.nanvar(xp.asarray([nan, nan]), dtype=complex)",
    "xp.nanstd(xp.asarray([1.0, nan, 2.0]), dtype=complex)",
    "xp.nanstd(xp.asarray([nan, nan]))",
])
def test_nan_reductions_of_complex(src):
    agree(src)


def test_nan_reductions_derivatives_where_defined():
    x = np.array([1.0 + 2.0j, np.nan, 3.0 - 1.0j])
    # d/dRe of nanmax's real part: the max element (by real part, then imaginary) only
    g = lm.grad(lambda v: lnp.real(lnp.nanmax(v)))(lnp.asarray(x.real))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0, 1.0])
    g = lm.grad(lambda v: lnp.nanstd(v))(lnp.asarray([1.0, np.nan, 3.0]))
    np.testing.assert_allclose(np.asarray(g), [-0.5, 0.0, 0.5])


@pytest.mark.parametrize("exponent", [2, 2.0, True, 3])
@pytest.mark.parametrize("shape", [(), (2,)])
def test_boolean_power_operator_takes_numpy_dtypes(exponent, shape):
    # Found by the fuzzer: ndarray's ** takes square's loop for an exponent 2 (int8 for bools),
    # np.power does not (int64).
    a = np.ones(shape, dtype=bool)
    got = lm.asarray(a) ** exponent
    assert got.dtype == (a ** exponent).dtype
    np.testing.assert_array_equal(np.asarray(got), a ** exponent)
    assert lnp.power(lm.asarray(a), exponent).dtype == np.power(a, exponent).dtype
