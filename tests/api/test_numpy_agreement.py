"""Calls the differential fuzzer found to diverge from NumPy, each a line of source run on
NumPy and on lamina (``xp`` is either): the same value, dtype and signs of zeros, or the same
builtin exception class. Derivative checks at the same special points sit beside them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

nan, inf = np.nan, np.inf


def _run(src: str, xp):
    env = {"xp": xp, "np": np, "nan": nan, "inf": inf}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(src, "<agreement>", "exec"), env)  # noqa: S102 - test source
    return env["out"]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values with NaN equal to NaN and the signs of zeros (of each complex part)."""
    if a.dtype.kind == "c":
        return _same_bits(a.real, b.real) and _same_bits(a.imag, b.imag)
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | ((a == b) & (np.signbit(a) == np.signbit(b)))))


def agree(src: str) -> None:
    """``src`` (statements assigning ``out``) gives what NumPy gives, or raises its class."""
    src = src if "out =" in src else f"out = {src}"
    try:
        want = np.asarray(_run(src, np))
    except Exception as exc:  # noqa: BLE001 - compare the classes
        with pytest.raises(type(exc)):
            _run(src, lnp)
        return
    got = np.asarray(_run(src, lnp))
    assert (got.shape, got.dtype) == (want.shape, want.dtype), (src, got, want)
    assert _same_bits(got, want), (src, got, want)


# -- 1. integer powers: only the exponent's sign matters -------------------------------------

@pytest.mark.parametrize("src", [
    "xp.power(-1, xp.asarray([2, 3]))",
    "(-1) ** xp.asarray([2, 3])",
    "(-2) ** xp.asarray(3, dtype=xp.int8)",
    "xp.power(-3, xp.asarray([True, False]))",
    "(-2) ** xp.asarray([], dtype=xp.int64)",
    "xp.float_power(-1, xp.asarray([2, 3]))",
    "xp.float_power(xp.asarray([2, 3]), -1)",
    "xp.power(-2, xp.asarray([2, 3], dtype=xp.uint8))",   # OverflowError, as NumPy
    "xp.asarray([2], dtype=xp.uint8) ** -1",             # OverflowError
    "xp.asarray([2, 3]) ** -1",                          # ValueError
    "xp.asarray(2) ** -1",
    "xp.asarray([True]) ** -1",
    "xp.power(xp.asarray([2, 3]), -1, out=xp.zeros(2))",
    "xp.power(xp.asarray([2, 3]), -1, dtype=xp.float64)",
    "xp.zeros((0,), dtype=xp.int64) ** -3",              # an empty loop never raises
    "xp.power(xp.zeros((2, 0), dtype=xp.int32), -1)",
    "xp.power(-1, -1)",
    "out = xp.asarray([2, 3]); out **= -1",
    "out = xp.zeros((0,), dtype=xp.int64); out **= -2",
    "out = xp.asarray([-2, 3]); out[0] **= 3",
    "np.power(-2, xp.asarray([2, 3]))",
])
def test_integer_powers(src):
    agree(src)


# -- 3. Python ints outside an integer tensor's dtype (NEP 50) --------------------------------

@pytest.mark.parametrize("src", [
    # clip drops a bound that cannot clip anything, raises for one that must be converted
    "xp.clip(xp.asarray([6], dtype=xp.int32), -3, 2**31)",
    "xp.clip(xp.asarray([6], dtype=xp.int32), -2**31 - 1, 2)",
    "xp.clip(xp.asarray([6, 0], dtype=xp.uint8), -1, 3)",
    "xp.clip(xp.asarray([6, 0], dtype=xp.uint8), -1, 300)",
    "xp.clip(xp.asarray([6, 0], dtype=xp.uint8), -300, 2)",
    "xp.clip(xp.asarray([1, 2], dtype=xp.uint64), -2**63 - 1, None)",
    "xp.clip(xp.asarray([6], dtype=xp.int32), -3.0, 2**31)",
    "xp.clip(xp.asarray([6], dtype=xp.int32), xp.asarray(-3), 2**31)",
    "xp.clip(xp.asarray([6], dtype=xp.int32), 2**31, 2**32)",          # OverflowError
    "xp.clip(xp.asarray([6], dtype=xp.int32), 2**31, None)",
    "xp.clip(xp.asarray([6], dtype=xp.uint8), None, -5)",
    "xp.clip(xp.asarray([6], dtype=xp.uint8), 2**64, 3)",
    "xp.asarray([6], dtype=xp.int8).clip(-200, 200)",
    # where converts the Python int as an array and casts it (wrapping), as NumPy
    "xp.where(xp.asarray([True, False]), xp.asarray([1, 2], dtype=xp.int32), 2**31)",
    "xp.where(xp.asarray([True]), 2**31, xp.asarray([1], dtype=xp.int32))",
    "xp.where(xp.asarray([False]), xp.asarray([1], dtype=xp.uint8), -1)",
    "xp.where(xp.asarray([False]), xp.asarray([1], dtype=xp.uint8), 2**63)",
    "xp.where(xp.asarray([False]), xp.asarray([1], dtype=xp.int32), 2**40 + 5)",
    "xp.where(xp.asarray([False]), xp.asarray([1], dtype=xp.uint8), 2**64)",  # OverflowError
    # the rest of the class: NumPy raises, or compares exactly
    "xp.maximum(xp.asarray([1], dtype=xp.uint8), -1)",
    "xp.minimum(xp.asarray([1], dtype=xp.int32), 2**31)",
    "xp.add(xp.asarray([1], dtype=xp.int32), 2**31)",
    "xp.less(xp.asarray([1], dtype=xp.uint8), -1)",
    "xp.asarray([5], dtype=xp.int32) == 2**63",
    "xp.full_like(xp.asarray([1], dtype=xp.int32), 2**31)",
    "xp.full_like(xp.asarray([1], dtype=xp.uint8), -1)",
    "xp.full_like(xp.asarray([True]), 2**70)",
    "xp.full_like(xp.asarray([1.5]), 2**64)",
    "xp.full((2,), 2**31, dtype=xp.int32)",
    "xp.max(xp.asarray([1], dtype=xp.uint8), initial=-1)",
    "xp.min(xp.asarray([1], dtype=xp.int8), initial=2**31)",
    "xp.sum(xp.asarray([1], dtype=xp.uint8), initial=-1)",
    "xp.sum(xp.asarray([1], dtype=xp.int8), initial=2**31)",
    "xp.asarray([1, 2], dtype=xp.int8).searchsorted(2**31)",
    "xp.asarray([1, 2], dtype=xp.uint8).searchsorted(-1, side='right')",
    "xp.searchsorted(xp.asarray([0, 255], dtype=xp.uint8), 2**64)",
    "out = xp.asarray([1, 2], dtype=xp.int32); out[0] = 2**31",
    "out = xp.asarray([1, 2], dtype=xp.int32); out.fill(2**31)",
])
def test_python_ints_out_of_range(src):
    agree(src)


# -- 4. clip at ties (signed zeros) and complex bounds: NumPy's loop, NOTE [clip ties] -------

_X = "xp.asarray([-0.0, 0.0, nan, 1.0, -3.0, 7.0, inf, -inf])"
_Z = ("xp.asarray([complex(-0.0, 1), complex(0.0, 1), complex(1, -0.0), complex(3, 0), "
      "complex(nan, 0), complex(0, nan), complex(-3, 0), complex(0.5, 0.5)])")


@pytest.mark.parametrize("src", [
    f"xp.clip({_X}, 0.0, 5.0)", f"xp.clip({_X}, -0.0, 0.0)", f"xp.clip({_X}, 0.0, -0.0)",
    f"xp.clip({_X}, 5.0, -0.0)", f"xp.clip({_X}, nan, 5.0)", f"xp.clip({_X}, 0.0, nan)",
    f"xp.clip({_X}, -inf, inf)", f"xp.clip({_X}, 0, 3)",
    f"xp.clip({_X}, xp.asarray(0.0), xp.asarray([5.0]))",        # size-1 bounds: scalars
    f"xp.clip({_X}, xp.zeros(8), 5.0)",                           # array bounds: ties -> bound
    f"xp.clip({_X}.astype(xp.float32), 0.0, 5.0)",
    f"xp.clip({_X}, 0.0, None)", f"xp.clip({_X}, None, -0.0)",
    "xp.clip(xp.asarray(-0.0), 0.0, 3)", "xp.clip(xp.asarray(0.0), -0.0, 3)",
    "xp.clip(xp.asarray(-0.0), 0.0, xp.asarray([1.0]))",            # one element: not constant
    "xp.clip(xp.asarray([[-0.0, 0.0], [0.0, -0.0]]), 0.0, 5.0)",
    "xp.clip(xp.asarray([[-0.0, 0.0], [0.0, -0.0]]).T, xp.asarray([[0.0]]), 5.0)",
    "out = xp.ones(3); xp.clip(xp.asarray([-0.0, 0.0, 9.0]), 0.0, 5.0, out=out)",
    f"xp.clip({_Z}, complex(0, 1), complex(1, 0))", f"xp.clip({_Z}, complex(-0.0, 1), 1)",
    f"xp.clip({_Z}, 0.0, 1.0)", f"xp.clip({_Z}, -0.0, 2)", f"xp.clip({_Z}, complex(0, nan), 2)",
    f"xp.clip({_Z}, complex(nan, 0), 2)", f"xp.clip({_Z}, 0.0, complex(1, nan))",
    f"xp.clip({_Z}, xp.zeros(8, dtype=xp.complex128), 2)",
    f"xp.clip({_Z}, 0.0, None)",
])
def test_clip_matches_numpys_loop(src):
    agree(src)


def test_clip_derivative_inside_and_at_a_bound():
    # ties keep x (the scalar-bound loop), so x at a bound has slope 1 there, 0 outside
    g = lm.grad(lambda x: lnp.clip(x, -1.0, 1.0).sum())(lnp.asarray([-2.0, -1.0, 0.5, 2.0]))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 1.0, 1.0, 0.0])
    g = lm.grad(lambda lo: lnp.clip(lnp.asarray([-2.0, 0.5]), lo, 1.0).sum())(
        lnp.asarray(0.0))
    assert float(g) == 1.0


# -- 5. derivatives of products at zeros, to second order (NOTE [products with zeros]) --------

def _cumprod_hessian(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The exact Hessian of sum_k w_k prod_{j <= k} x_j (a polynomial), by its terms."""
    n = len(x)
    h = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            if a != b:
                h[a, b] = sum(w[k] * np.prod([x[j] for j in range(k + 1) if j not in (a, b)])
                              for k in range(max(a, b), n))
    return h


@pytest.mark.parametrize("x", [[0.0, 2.0], [2.0, 0.0], [0.0, 0.0, 2.0, 3.0],
                               [1.5, 0.0, -2.0, 0.0, 0.5], [1.0, 2.0, -0.5]])
def test_cumprod_hessian_exact_at_zeros(x):
    x = np.asarray(x)
    w = np.arange(1.0, len(x) + 1)
    h = lm.hessian(lambda v: (lnp.cumprod(v) * w).sum())(lnp.asarray(x))
    np.testing.assert_allclose(np.asarray(h), _cumprod_hessian(x, w), atol=1e-12)
    # forward over forward, and reverse over reverse, agree with it
    hf = lm.jacfwd(lm.jacfwd(lambda v: (lnp.cumprod(v) * w).sum()))(lnp.asarray(x))
    hr = lm.jacrev(lm.jacrev(lambda v: (lnp.cumprod(v) * w).sum()))(lnp.asarray(x))
    np.testing.assert_allclose(np.asarray(hf), _cumprod_hessian(x, w), atol=1e-12)
    np.testing.assert_allclose(np.asarray(hr), _cumprod_hessian(x, w), atol=1e-12)


@pytest.mark.parametrize("x", [[0.0, 2.0, 3.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0],
                               [1.0, -2.0, 0.5]])
def test_prod_derivatives_exact_at_zeros(x):
    x = np.asarray(x)
    n = len(x)
    grad = [np.prod(np.delete(x, i)) for i in range(n)]
    hess = [[0.0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(n)]
            for i in range(n)]
    np.testing.assert_allclose(np.asarray(lm.grad(lnp.prod)(lnp.asarray(x))), grad)
    np.testing.assert_allclose(np.asarray(lm.hessian(lnp.prod)(lnp.asarray(x))), hess)
    # under vmap: each row its own Hessian
    rows = np.stack([x, x[::-1]])
    hv = lm.vmap(lm.hessian(lnp.prod))(lnp.asarray(rows))
    np.testing.assert_allclose(np.asarray(hv)[1], np.asarray(hess)[::-1, ::-1])


def test_cumprod_second_derivative_along_an_axis_under_vmap():
    x = np.array([[0.0, 2.0, 0.5], [1.0, 0.0, 0.0]])
    w = np.array([1.0, 2.0, 3.0])
    hv = lm.vmap(lm.hessian(lambda v: (lnp.cumprod(v) * w).sum()))(lnp.asarray(x))
    for r in range(2):
        np.testing.assert_allclose(np.asarray(hv)[r], _cumprod_hessian(x[r], w), atol=1e-12)
    h2 = lm.hessian(lambda v: (lnp.cumprod(v, axis=1) * w).sum())(lnp.asarray(x))
    np.testing.assert_allclose(np.asarray(h2)[1, :, 1, :], _cumprod_hessian(x[1], w),
                               atol=1e-12)
    np.testing.assert_allclose(np.asarray(h2)[0, :, 1, :], 0.0)


@pytest.mark.parametrize("exponent", [-1, 0.5, 2, -1.0, 2.0, 0.5 + 0j])
@pytest.mark.parametrize("z", [2 + 0j, complex(5.0, -np.inf), complex(-0.0, 0.0),
                               complex(np.inf, np.nan), complex(0.0, -0.0), 1 - 2j])
def test_complex_power_operator_takes_numpys_fast_paths(z, exponent):
    # ndarray's ** takes reciprocal for an int -1 and sqrt for a float 0.5 (found by the
    # fuzzer: lnp.asarray([2+0j]) ** -1 was 0.5+0j, NumPy gives 0.5-0j).
    ref = np.array([z])
    with np.errstate(all="ignore"):
        expected = ref ** exponent
        got = (lm.asarray(ref) ** exponent).numpy()
        t = lm.asarray(ref.copy())
        t **= exponent
    for out in (got, t.numpy()):
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(np.signbit(out.real), np.signbit(expected.real))
        np.testing.assert_array_equal(np.signbit(out.imag), np.signbit(expected.imag))


@pytest.mark.parametrize("index", ["v != 0", "v == 0", "True", "False"])
@pytest.mark.parametrize("new", [[[5.0]], [5.0], 5.0])
def test_zero_d_boolean_index_assignment_checks_the_value_as_numpy(index, new):
    # A 0-d mask of a 0-d array is a full mask: NumPy wants a 0- or 1-d value (found by the
    # fuzzer: lamina accepted a 2-d one).
    ref = np.asarray(0.0)
    t = lm.asarray(0.0)
    try:
        exec(f"v[{index}] = new", {}, {"v": ref, "new": np.asarray(new)})
    except TypeError:
        with pytest.raises(TypeError, match="0 or 1-dimensional"):
            exec(f"v[{index}] = new", {}, {"v": t, "new": lm.asarray(new)})
    else:
        exec(f"v[{index}] = new", {}, {"v": t, "new": lm.asarray(new)})
    np.testing.assert_array_equal(t.numpy(), ref)
