"""OpInfo rows: numeric (issue 15): differences, insert/delete, r_/c_, complex helpers,
interpolation, convolution, integration, statistics and polynomials.

Index arguments (``insert``/``delete``'s ``obj``) are Python ints, lists and slices, not NumPy
arrays: the table turns every NumPy array into a tensor, and vmap batches them, but an index
fixes the result's shape (a tensor index is read; tests/api/test_numeric.py checks those).
"""

from __future__ import annotations

import warnings

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import (
    FLOATS,
    INTS,
    OpInfo,
    Sample,
    make_array,
    special_array,
    unary_samples,
)

ROWS: list[OpInfo] = []
# The public names this family adds, as users spell them after ``lnp.`` (test_coverage.py).
PUBLIC = ("diff ediff1d gradient append insert delete r_ c_ angle degrees radians sinc fabs "
          "rollaxis iscomplex isreal real_if_close nextafter interp convolve correlate "
          "trapezoid cov corrcoef polyval vander")

C128 = (np.complex128,)
COMPLEX = (np.complex128, np.complex64)


def _arr(rng, shape, dtype, low=-2.0, high=2.0):
    return make_array(rng, shape, dtype, low, high)


def _row(name, samples, dtypes=FLOATS, op=None, ref=None, **kw):
    ROWS.append(OpInfo(name, op or getattr(lnp, name), ref or getattr(np, name), samples,
                       dtypes=dtypes, **kw))


def _is_float(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


# -- differences ----------------------------------------------------------------------------------

def _diff_samples(rng, dtype):
    yield Sample((_arr(rng, (3, 4), dtype),), name="(3, 4)")
    yield Sample((_arr(rng, (4, 3), dtype),), {"n": 2, "axis": 0}, name="n=2 axis=0")
    yield Sample((_arr(rng, (5,), dtype),), {"n": 4}, name="n=4 (one left)")
    yield Sample((_arr(rng, (2, 3), dtype),), {"prepend": 1.5 if _is_float(dtype) else 1,
                                               "append": _arr(rng, (2, 2), dtype)},
                 name="prepend scalar, append array")
    yield Sample((_arr(rng, (3,), dtype),), {"n": 0}, name="n=0: the input")
    yield Sample((_arr(rng, (0, 3), dtype),), {"axis": 0}, name="empty axis")
    yield Sample((special_array(dtype),), name="special values", grad=False)


_row("diff", _diff_samples, FLOATS + INTS + C128)


def _ediff1d_samples(rng, dtype):
    yield Sample((_arr(rng, (3, 4), dtype),), name="(3, 4) flattened")
    yield Sample((_arr(rng, (5,), dtype), _arr(rng, (2,), dtype), 2), name="to_end, to_begin")
    yield Sample((_arr(rng, (1,), dtype),), {"to_begin": _arr(rng, (2, 1), dtype)},
                 name="one element, 2-d to_begin")


_row("ediff1d", _ediff1d_samples, FLOATS + INTS + C128)


def _coords(rng, n):
    """Increasing, unevenly spaced coordinates (steps in [0.5, 1.5))."""
    return np.cumsum(rng.uniform(0.5, 1.5, size=n)) - 1.0


def _gradient_samples(rng, dtype):
    yield Sample((_arr(rng, (5,), dtype),), name="(5,)")
    yield Sample((_arr(rng, (4, 5), dtype), 0.5), name="(4, 5) one spacing")
    yield Sample((_arr(rng, (4, 5), dtype),), {"axis": 1, "edge_order": 2},
                 name="axis=1 edge_order=2")
    yield Sample((_arr(rng, (3, 4), dtype), 2.0, _coords(rng, 4)), name="spacing per axis")
    yield Sample((_arr(rng, (5,), dtype), _coords(rng, 5)), {"edge_order": 2},
                 name="coordinates, edge_order=2")
    yield Sample((_arr(rng, (2, 3), dtype),), {"axis": (1, 0)}, name="axis=(1, 0)")
    yield Sample((_arr(rng, (2,), dtype),), name="two points")


_row("gradient", _gradient_samples, FLOATS + (np.int64,) + C128)


# -- append, insert, delete -----------------------------------------------------------------------

def _append_samples(rng, dtype):
    yield Sample((_arr(rng, (3,), dtype), _arr(rng, (2, 2), dtype)), name="flattened")
    yield Sample((_arr(rng, (2, 3), dtype), _arr(rng, (1, 3), dtype)), {"axis": 0},
                 name="axis=0")
    yield Sample((_arr(rng, (2, 3), dtype), _arr(rng, (2, 1), dtype), -1), name="axis=-1")


_row("append", _append_samples, FLOATS + INTS + C128)


def _insert_samples(rng, dtype):
    v = 0.5 if _is_float(dtype) else 3
    yield Sample((_arr(rng, (4,), dtype), 1, v), name="scalar index, scalar value")
    yield Sample((_arr(rng, (2, 3), dtype), 1, _arr(rng, (2,), dtype)), {"axis": 1},
                 name="scalar index: values along the axis")
    yield Sample((_arr(rng, (2, 3), dtype), [1], _arr(rng, (2, 1), dtype)), {"axis": 1},
                 name="one-element list: values across the axis")
    yield Sample((_arr(rng, (2, 3), dtype), [3, 0, 1, 0], _arr(rng, (2, 4), dtype)),
                 {"axis": 1}, name="unsorted list with repeats")
    yield Sample((_arr(rng, (2, 2), dtype), -1, _arr(rng, (3,), dtype)),
                 name="negative index, axis=None")
    yield Sample((_arr(rng, (5,), dtype), slice(1, 5, 2), _arr(rng, (2,), dtype)),
                 name="slice")
    yield Sample((_arr(rng, (3,), dtype), [True, False, True], _arr(rng, (2,), dtype)),
                 name="boolean mask")
    yield Sample((_arr(rng, (3, 2), dtype), [], _arr(rng, (2,), dtype)), {"axis": 0},
                 name="no index")


def _insert_ref(arr, obj, values, axis=None):
    # NumPy reads ``obj.ndim`` of a boolean mask, which a list lacks (AttributeError): the
    # reference gets the mask as an array; lamina takes the list.
    if isinstance(obj, list) and obj and all(isinstance(o, bool) for o in obj):
        obj = np.asarray(obj)
    return np.insert(arr, obj, values, axis)


_row("insert", _insert_samples, FLOATS + INTS + C128, ref=_insert_ref)


def _delete_samples(rng, dtype):
    yield Sample((_arr(rng, (5,), dtype), 1), name="one index")
    yield Sample((_arr(rng, (3, 4), dtype), [0, 2, -1]), {"axis": 1}, name="list, axis=1")
    yield Sample((_arr(rng, (3, 4), dtype), slice(None, None, 2)), name="slice, flattened")
    yield Sample((_arr(rng, (3, 4), dtype), slice(3, 0, -2), 1), name="negative step slice")
    yield Sample((_arr(rng, (4, 2), dtype), [True, False, False, True], 0), name="mask")
    yield Sample((_arr(rng, (3,), dtype), []), name="nothing deleted")


_row("delete", _delete_samples, FLOATS + INTS + C128)


# -- r_ and c_ ------------------------------------------------------------------------------------

def _r_samples(rng, dtype):
    yield Sample((_arr(rng, (3,), dtype), 2, slice(0, 3)), name="array, scalar, range")
    yield Sample((slice(-1, 1, 5j), _arr(rng, (2,), dtype)), name="linspace")
    yield Sample(("0,2", _arr(rng, (2,), dtype), _arr(rng, (2, 2), dtype)), name="'0,2'")
    yield Sample(("1,2,0", _arr(rng, (3,), dtype), _arr(rng, (3, 2), dtype)), name="'1,2,0'")
    yield Sample(("-1", _arr(rng, (2, 2), dtype), _arr(rng, (2, 1), dtype)), name="'-1'")
    yield Sample(("r", _arr(rng, (2,), dtype), _arr(rng, (3,), dtype)), name="'r': a row")
    yield Sample(("c", _arr(rng, (2,), dtype), 1), name="'c': a column")


def _c_samples(rng, dtype):
    yield Sample((_arr(rng, (3,), dtype), _arr(rng, (3,), dtype)), name="two vectors")
    yield Sample((_arr(rng, (2, 3), dtype), _arr(rng, (2, 1), dtype)), name="matrices")
    yield Sample((_arr(rng, (2,), dtype), _arr(rng, (2, 2), dtype), slice(0, 2)),
                 name="vector, matrix, range")


def _index_trick(obj):
    return lambda *items: obj[items]


def _r_ref(*items):
    # 'r'/'c' make a numpy.matrix (PendingDeprecationWarning); lamina gives its 2-d values.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asarray(np.r_[items])


_row("r_", _r_samples, FLOATS + INTS + C128, op=_index_trick(lnp.r_), ref=_r_ref)
_row("c_", _c_samples, FLOATS + INTS + C128, op=_index_trick(lnp.c_),
     ref=lambda *items: np.c_[items])


# -- elementwise: angle, degrees, radians, sinc, fabs, nextafter, iscomplex, isreal ---------------

def _with_kwargs(samples, kwargs, name):
    def with_more(rng, dtype):
        yield from samples(rng, dtype)
        yield Sample((_arr(rng, (3, 2), dtype),), dict(kwargs), name=name)

    return with_more


_row("angle", _with_kwargs(unary_samples(kinks=(0.0,)), {"deg": True}, "deg=True"),
     FLOATS + COMPLEX)
for _name, _low, _high in (("degrees", -3, 3), ("radians", -180, 180)):
    _row(_name, unary_samples(_low, _high), FLOATS + (np.int64,))
_row("sinc", unary_samples(-2.5, 2.5), FLOATS + COMPLEX)
_row("fabs", unary_samples(kinks=(0.0,)), FLOATS + INTS)


def _nextafter_samples(rng, dtype):
    yield Sample((_arr(rng, (3, 4), dtype), _arr(rng, (4,), dtype)), name="(3, 4) (4,)")
    yield Sample((_arr(rng, (5,), dtype), 0), name="python scalar")
    special = special_array(dtype)
    yield Sample((special[:, None], special), name="special values", grad=False)


_row("nextafter", _nextafter_samples, FLOATS + (np.int64,), nondiff=True)


def _complex_parts_samples(rng, dtype):
    x = _arr(rng, (2, 3), dtype)
    if np.dtype(dtype).kind == "c":
        x.imag[0] = 0.0
    yield Sample((x,), name="(2, 3), a row with zero imaginary parts")
    yield Sample((special_array(dtype),), name="special values")
    yield Sample((np.asarray(x[0, 0]),), name="0-d")


for _name in ("iscomplex", "isreal"):
    _row(_name, _complex_parts_samples, COMPLEX + (np.float64, np.int64), nondiff=True)


def _real_if_close_samples(rng, dtype):
    x = _arr(rng, (2, 3), dtype)
    yield Sample((x,), name="far from real: unchanged")
    if np.dtype(dtype).kind == "c":
        # Forward only: a perturbation of the tiny imaginary parts changes the result's dtype.
        near = (x.real + 1e-15j).astype(dtype)
        yield Sample((near,), name="imaginary parts within 100 eps: the real parts", grad=False)
        yield Sample((near,), {"tol": 1e-20}, name="absolute tol", grad=False)


# float64 first: vmap takes a row's first dtype, and a complex input is read (NOTE in the
# function's docstring: the result's dtype depends on the values), which vmap cannot do.
_row("real_if_close", _real_if_close_samples, (np.float64, np.float32) + COMPLEX)


def _rollaxis_samples(rng, dtype):
    for axis, start in ((2, 0), (0, 3), (-1, -2), (1, 1), (1, 2)):
        yield Sample((_arr(rng, (2, 3, 4), dtype), axis, start), name=f"axis={axis} start={start}")


_row("rollaxis", _rollaxis_samples, FLOATS + INTS + C128)


# -- interpolation, integration -------------------------------------------------------------------

def _interp_samples(rng, dtype):
    real = np.float64 if np.dtype(dtype).kind == "c" else dtype
    xp = np.array([0.0, 0.7, 1.5, 2.2, 3.0], real)
    yield Sample((_arr(rng, (7,), real, -0.5, 3.5), xp, _arr(rng, (5,), dtype)),
                 name="inside and outside")
    yield Sample((_arr(rng, (2, 3), real, -0.5, 3.5), xp, _arr(rng, (5,), dtype)),
                 {"left": -3.0, "right": 4.0}, name="2-d x, left and right")
    yield Sample((_arr(rng, (4,), real, -4, 4), np.array([0.2, 1.1, 0.6, 1.7], real),
                  _arr(rng, (4,), dtype)), {"period": 2.0}, name="period")
    yield Sample((_arr(rng, (3,), real, -1, 1), np.array([0.5], real), _arr(rng, (1,), dtype)),
                 name="one sample point", grad=False)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, 0.7, 3.0, -0.5], real)
    yield Sample((special, xp, _arr(rng, (5,), dtype)), name="special values and knots",
                 grad=False)


_row("interp", _interp_samples, FLOATS + C128)


def _trapezoid_samples(rng, dtype):
    yield Sample((_arr(rng, (5,), dtype),), name="(5,)")
    yield Sample((_arr(rng, (3, 4), dtype),), {"x": _coords(rng, 3), "axis": 0},
                 name="1-d x, axis=0")
    yield Sample((_arr(rng, (2, 3), dtype), _arr(rng, (2, 3), np.float64)), name="x like y")
    yield Sample((_arr(rng, (2, 3), dtype),), {"dx": 0.25}, name="dx")
    yield Sample((_arr(rng, (2, 1), dtype),), name="one point: zero")


_row("trapezoid", _trapezoid_samples, FLOATS + (np.int64,) + C128)


# -- convolution ----------------------------------------------------------------------------------

def _conv_samples(zero_d: bool):
    def samples(rng, dtype):
        for n, m in ((5, 3), (3, 5), (4, 4), (1, 3), (6, 1)):
            for mode in ("full", "same", "valid"):
                yield Sample((_arr(rng, (n,), dtype), _arr(rng, (m,), dtype), mode),
                             name=f"{n} {m} {mode}")
        if zero_d:  # convolve takes 0-d inputs as 1-d; correlate refuses them, as NumPy
            yield Sample((_arr(rng, (), dtype), _arr(rng, (3,), dtype)), name="0-d a")

    return samples


_row("convolve", _conv_samples(True), FLOATS + INTS + C128)
_row("correlate", _conv_samples(False), FLOATS + INTS + C128)


# -- statistics -----------------------------------------------------------------------------------

def _cov_samples(rng, dtype):
    yield Sample((_arr(rng, (3, 5), dtype),), name="(3, 5)")
    yield Sample((_arr(rng, (5, 2), dtype),), {"rowvar": False, "bias": True},
                 name="rowvar=False bias")
    yield Sample((_arr(rng, (4,), dtype), _arr(rng, (2, 4), dtype)), {"ddof": 2},
                 name="1-d m, y, ddof=2")
    yield Sample((_arr(rng, (2, 5), dtype),), {"fweights": [1, 2, 1, 3, 1],
                                               "aweights": _arr(rng, (5,), np.float64, 0.5, 2)},
                 name="fweights list, aweights tensor")
    yield Sample((_arr(rng, (2, 4), dtype),), {"aweights": [0.5, 1.0, 2.0, 1.5], "ddof": 0},
                 name="aweights list, ddof=0")


def _corrcoef_samples(rng, dtype):
    yield Sample((_arr(rng, (3, 5), dtype),), name="(3, 5)")
    yield Sample((_arr(rng, (4, 2), dtype), _arr(rng, (4, 1), dtype)), {"rowvar": False},
                 name="y, rowvar=False")
    yield Sample((_arr(rng, (5,), dtype),), name="one variable: 1")


_row("cov", _cov_samples, FLOATS + C128)
_row("corrcoef", _corrcoef_samples, FLOATS + C128)


# -- polynomials ----------------------------------------------------------------------------------

def _polyval_samples(rng, dtype):
    yield Sample((_arr(rng, (4,), dtype), _arr(rng, (3,), dtype)), name="tensor p")
    yield Sample(([1.5, -2.0, 0.5], _arr(rng, (2, 2), dtype)), name="list p")
    yield Sample(([_arr(rng, (), dtype) for _ in range(3)], _arr(rng, (3,), dtype)),
                 name="list of tensors p")
    yield Sample((_arr(rng, (3,), dtype), _arr(rng, (), dtype)), name="0-d x")
    yield Sample((_arr(rng, (2,), dtype), 1.5), name="python scalar x")
    yield Sample((_arr(rng, (0,), dtype), _arr(rng, (3,), dtype)), name="empty p: zeros")


_row("polyval", _polyval_samples, FLOATS + INTS + C128)


def _vander_samples(rng, dtype):
    yield Sample((_arr(rng, (4,), dtype),), name="square")
    yield Sample((_arr(rng, (3,), dtype), 5), {"increasing": True}, name="N=5 increasing")
    yield Sample((_arr(rng, (3,), dtype), 1), name="N=1: ones")
    yield Sample((_arr(rng, (3,), dtype), 0), name="N=0")
    yield Sample((np.array([0.0, 1.0, -1.0], dtype) if _is_float(dtype) else
                  np.array([0, 1, -1], dtype),), name="zeros and ones")


_row("vander", _vander_samples, FLOATS + INTS + C128)
