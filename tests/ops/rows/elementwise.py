"""OpInfo rows: elementwise ops (ufuncs of one and two inputs, where, clip, ...)."""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import (
    ALL_REAL,
    FLOATS,
    OpInfo,
    Sample,
    binary_samples,
    make_array,
    unary_samples,
)

ROWS: list[OpInfo] = []

# (name, low, high): domains keep inputs where the function is defined and well conditioned.
_UNARY = [
    ("negative", -2, 2), ("positive", -2, 2), ("absolute", -2, 2), ("exp", -2, 2),
    ("exp2", -2, 2), ("expm1", -2, 2), ("log", 0.1, 3), ("log2", 0.1, 3), ("log10", 0.1, 3),
    ("log1p", -0.9, 3), ("sqrt", 0.1, 3), ("cbrt", -2, 2), ("square", -2, 2),
    ("reciprocal", 0.5, 2), ("sin", -3, 3), ("cos", -3, 3), ("tan", -1.2, 1.2),
    ("arcsin", -0.9, 0.9), ("arccos", -0.9, 0.9), ("arctan", -2, 2), ("sinh", -2, 2),
    ("cosh", -2, 2), ("tanh", -2, 2), ("arcsinh", -2, 2), ("arccosh", 1.1, 3),
    ("arctanh", -0.9, 0.9), ("deg2rad", -90, 90), ("rad2deg", -2, 2), ("conjugate", -2, 2),
]
_UNARY_NONDIFF = [
    ("sign", -2, 2), ("floor", -3, 3), ("ceil", -3, 3), ("trunc", -3, 3), ("rint", -3, 3),
    ("isnan", -2, 2), ("isinf", -2, 2), ("isfinite", -2, 2), ("signbit", -2, 2),
    ("logical_not", -1, 2),
]
_ALIASES = {"abs": "absolute", "conj": "conjugate"}

for name, low, high in _UNARY:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name), unary_samples(low, high),
                       dtypes=ALL_REAL if name in ("negative", "positive", "absolute", "square",
                                                   "conjugate") else FLOATS))
for name, low, high in _UNARY_NONDIFF:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name), unary_samples(low, high),
                       dtypes=ALL_REAL, nondiff=True))
for alias in _ALIASES:
    ROWS.append(OpInfo(alias, getattr(lnp, alias), getattr(np, alias), unary_samples(-2, 2)))
ROWS.append(OpInfo("invert", lnp.invert, np.invert, unary_samples(-5, 5), dtypes=(np.int64,
                                                                                  np.bool_),
                   nondiff=True))

_BINARY = [
    ("add", -2, 2, None, None), ("subtract", -2, 2, None, None),
    ("multiply", -2, 2, None, None), ("divide", -2, 2, 0.5, 2),
    ("true_divide", -2, 2, 0.5, 2), ("remainder", -3, 3, 0.5, 2), ("mod", -3, 3, 0.5, 2),
    ("power", 0.5, 2, -2, 2), ("float_power", 0.5, 2, -2, 2), ("maximum", -2, 2, None, None),
    ("minimum", -2, 2, None, None), ("fmax", -2, 2, None, None), ("fmin", -2, 2, None, None),
    ("arctan2", -2, 2, None, None), ("hypot", -2, 2, None, None),
    ("logaddexp", -2, 2, None, None), ("logaddexp2", -2, 2, None, None),
    ("copysign", -2, 2, None, None),
]
_BINARY_NONDIFF = [
    ("floor_divide", -3, 3, 0.5, 2), ("heaviside", -2, 2, None, None),
    ("equal", -2, 2, None, None), ("not_equal", -2, 2, None, None),
    ("less", -2, 2, None, None), ("less_equal", -2, 2, None, None),
    ("greater", -2, 2, None, None), ("greater_equal", -2, 2, None, None),
    ("logical_and", -1, 2, None, None), ("logical_or", -1, 2, None, None),
    ("logical_xor", -1, 2, None, None),
]
_INT_OK = {"add", "subtract", "multiply", "maximum", "minimum", "equal", "not_equal", "less",
           "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
           "logical_xor", "divide", "true_divide"}

for name, lo, hi, lo2, hi2 in _BINARY:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name),
                       binary_samples(lo, hi, lo2, hi2),
                       dtypes=ALL_REAL if name in _INT_OK else FLOATS))
for name, lo, hi, lo2, hi2 in _BINARY_NONDIFF:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name),
                       binary_samples(lo, hi, lo2, hi2),
                       dtypes=ALL_REAL if name in _INT_OK or name == "floor_divide" else FLOATS,
                       nondiff=True))
for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name), binary_samples(-5, 5),
                       dtypes=(np.int64, np.int32), nondiff=True))
ROWS.append(OpInfo("left_shift", lnp.left_shift, np.left_shift, binary_samples(0, 5, 0, 4),
                   dtypes=(np.int64,), nondiff=True))
ROWS.append(OpInfo("right_shift", lnp.right_shift, np.right_shift, binary_samples(0, 50, 0, 4),
                   dtypes=(np.int64,), nondiff=True))


def _where_samples(rng, dtype):
    for shape in ((), (5,), (3, 4)):
        cond = np.asarray(rng.random(shape) < 0.5)
        yield Sample((cond, make_array(rng, shape, dtype), make_array(rng, shape, dtype)))
    yield Sample((rng.random((3, 1)) < 0.5, make_array(rng, (4,), dtype), 0.5
                  if np.dtype(dtype).kind == "f" else 1), name="broadcast+scalar")


def _clip_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype, -3, 3), -1, 1))
    yield Sample((make_array(rng, (3, 4), dtype, -3, 3), make_array(rng, (4,), dtype, -2, -1),
                  make_array(rng, (3, 1), dtype, 1, 2)), name="array bounds")
    yield Sample((make_array(rng, (5,), dtype, -3, 3), None, 0), name="upper only")


def _round_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype, -30, 30),))
    yield Sample((make_array(rng, (3, 4), dtype, -30, 30), 1), name="decimals=1")


def _nan_to_num_samples(rng, dtype):
    x = make_array(rng, (6,), dtype)
    x[0], x[1], x[2] = np.nan, np.inf, -np.inf
    yield Sample((x,))
    yield Sample((x,), {"nan": 1.0, "posinf": 2.0, "neginf": -2.0}, name="custom values")


def _complex_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype),))


ROWS += [
    OpInfo("where", lnp.where, np.where, _where_samples, dtypes=ALL_REAL),
    OpInfo("clip", lnp.clip, np.clip, _clip_samples, dtypes=ALL_REAL),
    OpInfo("round", lnp.round, np.round, _round_samples, dtypes=FLOATS, nondiff=True),
    OpInfo("nan_to_num", lnp.nan_to_num, np.nan_to_num, _nan_to_num_samples),
    OpInfo("real", lnp.real, np.real, _complex_samples,
           dtypes=(np.complex128, np.complex64, np.float64)),
    OpInfo("imag", lnp.imag, np.imag, _complex_samples,
           dtypes=(np.complex128, np.complex64, np.float64)),
]
