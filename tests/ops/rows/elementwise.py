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

# Points where an op is not differentiable (NOTE [special values]): forward-only samples.
_KINKS = {"absolute": (0.0,), "abs": (0.0,), "cbrt": (0.0,), "arctan": (1j, -1j),
          "arcsinh": (1j, -1j)}
# Ops NumPy computes for complex inputs (complex ufunc loops): complex samples, forward against
# NumPy and derivatives in both real directions (NOTE [complex check_grads]).
_COMPLEX_OK = {"negative", "positive", "absolute", "abs", "exp", "exp2", "expm1", "log",
               "log2", "log10", "log1p", "sqrt", "square", "reciprocal", "sin", "cos", "tan",
               "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
               "arctanh", "conjugate", "conj", "sign", "rint", "isnan", "isinf", "isfinite",
               "add", "subtract", "multiply", "divide", "true_divide", "power", "float_power",
               "maximum", "minimum", "fmax", "fmin", "equal", "not_equal", "less", "less_equal",
               "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "where",
               "logical_not", "real", "imag"}
COMPLEX = (np.complex128, np.complex64)


def _dtypes(name: str, base: tuple) -> tuple:
    return base + COMPLEX if name in _COMPLEX_OK else base


for name, low, high in _UNARY:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name),
                       unary_samples(low, high, kinks=_KINKS.get(name, ())),
                       dtypes=_dtypes(name, ALL_REAL if name in (
                           "negative", "positive", "absolute", "square", "conjugate")
                           else FLOATS)))
for name, low, high in _UNARY_NONDIFF:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name), unary_samples(low, high),
                       dtypes=_dtypes(name, ALL_REAL), nondiff=True))
for alias in _ALIASES:
    ROWS.append(OpInfo(alias, getattr(lnp, alias), getattr(np, alias),
                       unary_samples(-2, 2, kinks=_KINKS.get(alias, ())),
                       dtypes=_dtypes(alias, FLOATS)))
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

def _ties(x, y) -> bool:
    return np.real(x) == np.real(y)  # complex operands compare by real part first


# Where two-input ops are not differentiable, among the special pairs (NOTE [special values]).
_BINARY_KINKS = {
    "maximum": _ties, "minimum": _ties, "fmax": _ties, "fmin": _ties,
    "remainder": lambda x, y: True, "mod": lambda x, y: True,  # steps wherever x / y is whole
    "arctan2": lambda x, y: x == 0 and y <= 0,  # the origin and the cut along -x
    "hypot": lambda x, y: x == 0 and y == 0,
    "copysign": lambda x, y: x == 0 or y == 0,
}



def _power_at_zero(samples):
    """Powers at 0 and -1 with whole exponents (outside the row's domain [0.5, 2), where the
    rules have their own cases): x ** 0 at 0 is 1 with derivatives 0, x ** 1 at 0 has slope 1,
    x ** 0.5 at 0 has an infinite slope (forward only), as an exponent array too."""

    def with_zero(rng, dtype):
        yield from samples(rng, dtype)
        if np.dtype(dtype).kind not in "fc":
            return
        zero, minus_one = np.asarray(0.0, dtype), np.asarray(-1.0, dtype)
        for y in (0, 1, 2, 3):
            yield Sample((zero, y), name=f"0-d 0.0 ** {y}")
            yield Sample((minus_one, y), name=f"0-d -1.0 ** {y}")
        yield Sample((np.zeros(3, dtype), 0), name="zeros ** 0")
        yield Sample((zero, 0.5), name="0-d 0.0 ** 0.5", grad=False)
        # Exponent arrays at 0: forward only (x < 0 to a fractional power is NaN, so finite
        # differences in both operands are NaN there).
        for y in (2.0, 1.0, 0.0):
            yield Sample((zero, np.asarray(y, dtype)), name=f"0-d 0.0 0-d {y}", grad=False)

    return with_zero


for name, lo, hi, lo2, hi2 in _BINARY:
    samples = binary_samples(lo, hi, lo2, hi2, kink=_BINARY_KINKS.get(name))
    if name in ("power", "float_power"):
        samples = _power_at_zero(samples)
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name), samples,
                       dtypes=_dtypes(name, ALL_REAL if name in _INT_OK else FLOATS)))
for name, lo, hi, lo2, hi2 in _BINARY_NONDIFF:
    ROWS.append(OpInfo(name, getattr(lnp, name), getattr(np, name),
                       binary_samples(lo, hi, lo2, hi2),
                       dtypes=_dtypes(name, ALL_REAL if name in _INT_OK or
                                      name == "floor_divide" else FLOATS),
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
                  if np.dtype(dtype).kind in "fc" else 1), name="broadcast+scalar")
    if np.dtype(dtype).kind == "c":
        yield Sample((rng.random((3, 1)) < 0.5, 1.5 - 2j, make_array(rng, (4,), dtype)),
                     name="complex Python scalar")


def _clip_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype, -3, 3), -1, 1))
    yield Sample((make_array(rng, (3, 4), dtype, -3, 3), make_array(rng, (4,), dtype, -2, -1),
                  make_array(rng, (3, 1), dtype, 1, 2)), name="array bounds")
    yield Sample((make_array(rng, (5,), dtype, -3, 3), None, 0), name="upper only")
    if np.dtype(dtype).kind == "f":
        # NOTE [clip ties]: with scalar bounds a tie keeps x's zero sign, with array bounds
        # the bound's; a NaN bound is NaN everywhere (forward only: kinks and NaN).
        x = np.array([-0.0, 0.0, 1.0, -1.0, np.nan], dtype)
        yield Sample((x, 0.0, 1.0), name="signed zeros at scalar bounds", grad=False)
        yield Sample((x, -0.0, -0.0), name="signed zeros, lo == hi == -0.0", grad=False)
        yield Sample((x, np.zeros(5, dtype), 1.0), name="signed zeros at array bounds",
                     grad=False)
        yield Sample((x, np.nan, 1.0), name="NaN bound", grad=False)


def _round_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype, -30, 30),))
    yield Sample((make_array(rng, (3, 4), dtype, -30, 30), 1), name="decimals=1")
    if np.dtype(dtype).kind == "c":  # each part rounds on its own, half to even
        x = np.array([0.5 - 1.5j, -2.5 + 0.5j, complex(-0.0, 2.5), complex(np.nan, 0.4)], dtype)
        yield Sample((x,), name="halves, signed zero, NaN")


def _nan_to_num_samples(rng, dtype):
    x = make_array(rng, (6,), dtype)
    x[0], x[1], x[2] = np.nan, np.inf, -np.inf
    # Forward only: the default replacements are +-1.8e308, and finite differences of a sum
    # holding both cancel to whatever the device's summation order leaves (it failed on CUDA
    # only); the derivative is checked on the custom values below.
    yield Sample((x,), grad=False)
    yield Sample((x,), {"nan": 1.0, "posinf": 2.0, "neginf": -2.0}, name="custom values")
    if np.dtype(dtype).kind == "c":  # the real and imaginary parts are replaced on their own
        z = make_array(rng, (4,), dtype)
        z[0], z[1], z[2] = complex(1, np.nan), complex(np.inf, -np.inf), complex(np.nan, 2)
        yield Sample((z,), grad=False, name="nonfinite parts")
        yield Sample((z,), {"nan": 1.0, "posinf": 2.0, "neginf": -2.0},
                     name="nonfinite parts, custom values")


def _complex_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype),))


ROWS += [
    OpInfo("where", lnp.where, np.where, _where_samples, dtypes=ALL_REAL + COMPLEX),
    OpInfo("clip", lnp.clip, np.clip, _clip_samples, dtypes=ALL_REAL),
    OpInfo("round", lnp.round, np.round, _round_samples, dtypes=FLOATS + COMPLEX,
           nondiff=True),
    OpInfo("nan_to_num", lnp.nan_to_num, np.nan_to_num, _nan_to_num_samples,
           dtypes=FLOATS + COMPLEX),
    OpInfo("real", lnp.real, np.real, _complex_samples,
           dtypes=(np.complex128, np.complex64, np.float64)),
    OpInfo("imag", lnp.imag, np.imag, _complex_samples,
           dtypes=(np.complex128, np.complex64, np.float64)),
]
