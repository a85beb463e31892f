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
