"""OpInfo rows: creation (asarray, zeros, ..., arange, linspace, logspace, eye, tri, meshgrid).

Factories make arrays from nothing, so a row must say on which device: its samples pass
``device=DEVICE``, which the harness replaces with the device under test; the NumPy reference
ignores it (``strip_device``).
"""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import DEVICE, OpInfo, Sample, make_array, strip_device, with_complex

ROWS: list[OpInfo] = []

F64, F32, I64 = np.float64, np.float32, np.int64
REAL = (F64, F32, I64)


def _on(fn):
    return fn


_ref = strip_device


def _row(name, samples, dtypes=REAL, ref=None, nondiff=True, **kw):
    ROWS.append(OpInfo(name, _on(getattr(lnp, name)), _ref(ref or getattr(np, name)), samples,
                       dtypes=dtypes, nondiff=nondiff, **kw))


# Factories that take no array: vmap has nothing to batch (the vmap test needs an array).
_NULLARY = {"test_vmap": "takes no array argument: nothing to batch"}


def _is_float(dtype) -> bool:
    """Inexact: float or complex (the samples' fill values and lists then hold fractions)."""
    return np.dtype(dtype).kind in "fc"


def _fill(dtype):
    kind = np.dtype(dtype).kind
    return 1.5 - 2j if kind == "c" else 1.5 if kind == "f" else 7


# -- ranges ---------------------------------------------------------------------------------------

def _arange_samples(rng, dtype):
    d = {"device": DEVICE}
    if _is_float(dtype):
        f = np.dtype(dtype).type
        yield Sample((f(5.0),), {"dtype": dtype, **d}, "stop only")
        yield Sample((1.0, 2.0, 0.25), {"dtype": dtype, **d}, "start stop step")
        yield Sample((3.0, -1.0, -0.5), {"dtype": dtype, **d}, "negative step")
        yield Sample((0.0, 1.0, 0.1), {"dtype": dtype, **d}, "inexact step")
        yield Sample((2.0, 2.0), {"dtype": dtype, **d}, "empty")
        yield Sample((0.0, 1.0, 3.0), {"dtype": dtype, **d}, "one element")
        if dtype == F64:
            yield Sample((0.5, 4), d, "inferred float64")
            yield Sample((), {"start": 1, "stop": 7.0, "step": 2, **d}, "keywords")
    else:
        yield Sample((5,), d, "inferred int64")
        yield Sample((2, 10, 3), d, "start stop step")
        yield Sample((10, 2, -2), d, "negative step")
        yield Sample((0,), d, "empty")
        yield Sample((5, 2), d, "empty, start > stop")
        yield Sample((-3, 3), {"dtype": dtype, **d}, "explicit dtype")
        yield Sample((np.int32(4),), d, "NumPy int32 scalar gives int64")


_row("arange", _arange_samples, xfail=_NULLARY)


def _linspace_samples(rng, dtype):
    d = {"device": DEVICE}
    if _is_float(dtype):
        f = np.dtype(dtype).type
        yield Sample((f(0.0), f(1.0), 5), d, "scalars")
        yield Sample((f(-2.0), f(3.0), 7), {"endpoint": False, **d}, "endpoint=False")
        yield Sample((f(1.0), f(2.0), 1), d, "num=1")
        yield Sample((f(1.0), f(2.0), 0), d, "num=0")
        yield Sample((f(0.0), f(1.0), 5), {"retstep": True, **d}, "retstep")
        yield Sample((0, 1), {"dtype": dtype, **d}, "dtype, default num")
        start = make_array(rng, (3,), dtype)
        stop = make_array(rng, (3,), dtype, 3.0, 5.0)
        yield Sample((start, stop, 4), {}, "array bounds")
        yield Sample((start, f(10.0), 4), {"axis": -1}, "array start, axis=-1")
        yield Sample((make_array(rng, (2, 1), dtype), make_array(rng, (3,), dtype), 5),
                     {"axis": 1}, "broadcast bounds, axis=1")
        yield Sample((start, stop, 5), {"endpoint": False, "retstep": True}, "array retstep")
        yield Sample((start, stop, 1), {}, "array bounds, num=1")
    else:
        yield Sample((0, 10, 5), {"dtype": dtype, **d}, "integer dtype")
        yield Sample((-5, 5, 4), {"dtype": dtype, **d}, "integer dtype floors")
        yield Sample((np.array([0, 10]), np.array([20, -10]), 5), {"dtype": dtype},
                     "integer arrays")


def _linspace_ref(*args, **kwargs):
    out = np.linspace(*args, **kwargs)
    if isinstance(out, tuple) and isinstance(out[1], np.generic):
        # The harness compares only Python scalars outside tensors: give the step as one.
        return out[0], out[1].item()
    return out


# Differentiable in the array bounds / fill value, as autograd and JAX differentiate them.
_row("linspace", _linspace_samples, ref=_linspace_ref, nondiff=False)


def _logspace_samples(rng, dtype):
    d = {"device": DEVICE}
    if _is_float(dtype):
        f = np.dtype(dtype).type
        yield Sample((f(0.0), f(3.0), 4), d, "scalars")
        yield Sample((0.0, 3.0, 4), {"base": 2.0, "endpoint": False, **d}, "base 2, no endpoint")
        yield Sample((0.0, 2.0, 3), {"dtype": dtype, **d}, "dtype")
        yield Sample((make_array(rng, (3,), dtype, -1, 0), make_array(rng, (3,), dtype, 0, 1), 5),
                     {}, "array bounds")
        yield Sample((0.0, 2.0, 3), {"base": np.array([2.0, 10.0]).astype(dtype), "axis": -1},
                     "array base, axis=-1")
    else:
        yield Sample((0, 3, 4), {"dtype": dtype, **d}, "integer dtype")


_row("logspace", _logspace_samples)


def _eye_samples(rng, dtype):
    d = {"dtype": dtype, "device": DEVICE}
    yield Sample((3,), d, "square")
    yield Sample((3, 4), d, "wide")
    yield Sample((3, 4), {"k": 1, **d}, "k=1")
    yield Sample((4, 3), {"k": -2, **d}, "k=-2")
    yield Sample((2, 5), {"k": 10, **d}, "k off the matrix")
    yield Sample((0,), d, "empty")
    if dtype == F64:
        yield Sample((2,), {"device": DEVICE}, "default dtype")


_row("eye", _eye_samples, xfail=_NULLARY)


def _identity_samples(rng, dtype):
    yield Sample((3,), {"dtype": dtype, "device": DEVICE}, "3x3")
    yield Sample((0,), {"dtype": dtype, "device": DEVICE}, "empty")
    if dtype == F64:
        yield Sample((2,), {"device": DEVICE}, "default dtype")


_row("identity", _identity_samples, xfail=_NULLARY)


def _tri_samples(rng, dtype):
    d = {"dtype": dtype, "device": DEVICE}
    yield Sample((3,), d, "square")
    yield Sample((3, 4, 1), d, "wide, k=1")
    yield Sample((4, 3, -1), d, "tall, k=-1")
    yield Sample((0,), d, "empty")
    yield Sample((2, 2), {"k": -5, **d}, "all zeros")


_row("tri", _tri_samples, xfail=_NULLARY)


def _meshgrid_samples(rng, dtype):
    x = make_array(rng, (3,), dtype)
    y = make_array(rng, (2,), dtype)
    z = make_array(rng, (4,), dtype)
    yield Sample((x,), {}, "one vector")
    yield Sample((x, y), {}, "xy")
    yield Sample((x, y, z), {}, "three, xy")
    yield Sample((x, y, z), {"indexing": "ij"}, "three, ij")
    yield Sample((x, y), {"sparse": True}, "sparse")
    yield Sample((x, y, z), {"sparse": True, "indexing": "ij"}, "sparse ij")
    yield Sample((x, y), {"copy": False}, "views")
    yield Sample((x, make_array(rng, (0,), dtype)), {}, "an empty vector")
    yield Sample((make_array(rng, (2, 2), dtype), y), {"indexing": "ij"}, "2-D input is flattened")


_row("meshgrid", _meshgrid_samples)


# -- the lead's factories (lamina/numpy/_creation.py) --------------------------------------------

def _asarray_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype),), {}, "tensor")
    yield Sample((make_array(rng, (), dtype),), {}, "0-d")
    yield Sample((make_array(rng, (0, 2), dtype),), {}, "size 0")
    yield Sample((make_array(rng, (2, 3), F64),), {"dtype": dtype}, "with dtype")
    values = [[1.5, 2.0], [3.0, -4.25]] if _is_float(dtype) else [[1, 2], [3, -4]]
    yield Sample((values,), {"dtype": dtype, "device": DEVICE}, "nested list")
    if dtype == F64:
        yield Sample(([1, 2.5, 3],), {"device": DEVICE}, "list, inferred float64")
        yield Sample((3.5,), {"device": DEVICE}, "Python scalar")


_row("asarray", _asarray_samples)


def _array_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype),), {}, "tensor copy")
    yield Sample((make_array(rng, (3,), dtype),), {"ndmin": 3}, "ndmin")
    yield Sample((make_array(rng, (2, 3), F64),), {"dtype": dtype}, "with dtype")
    yield Sample((make_array(rng, (2,), dtype),), {"copy": False}, "copy=False")
    values = [1.0, 2.0, 3.0] if _is_float(dtype) else [1, 2, 3]
    yield Sample((values,), {"dtype": dtype, "device": DEVICE}, "list")


_row("array", _array_samples)

_SHAPES = (5, (2, 3), (), (0, 3), [2, 2])


def _filled_samples(rng, dtype):
    for shape in _SHAPES:
        yield Sample((shape,), {"dtype": dtype, "device": DEVICE}, f"shape={shape}")
    if dtype == F64:
        yield Sample(((2, 3),), {"device": DEVICE}, "default dtype")


for _name in ("zeros", "ones"):
    _row(_name, _filled_samples, xfail=_NULLARY)
# empty's values are unspecified (lamina fills zeros): compare shape and dtype only.
_row("empty", _filled_samples, random=True)


def _full_samples(rng, dtype):
    fill = _fill(dtype)
    for shape in _SHAPES:
        yield Sample((shape, fill), {"dtype": dtype, "device": DEVICE}, f"shape={shape}")
    yield Sample(((2, 3), make_array(rng, (3,), dtype)), {"device": DEVICE}, "array fill")
    yield Sample(((2, 3), np.dtype(dtype).type(fill)), {"device": DEVICE},
                 "NumPy scalar fill sets the dtype")
    if dtype == F64:
        yield Sample(((2, 2), 3), {"device": DEVICE}, "Python int fill gives int64")
        yield Sample(((2, 2), 2.5), {"device": DEVICE}, "Python float fill gives float64")


_row("full", _full_samples, nondiff=False)


def _like_samples(fill=None):
    def samples(rng, dtype):
        extra = () if fill is None else (_fill(dtype),)
        for shape in ((3, 4), (), (0, 2)):
            yield Sample((make_array(rng, shape, dtype), *extra), {}, f"shape={shape}")
        base = make_array(rng, (2, 3), F64)
        yield Sample((base, *extra), {"dtype": dtype}, "dtype override")
        yield Sample((make_array(rng, (2, 3), dtype), *extra), {"shape": (4, 1)},
                     "shape override")
        yield Sample((make_array(rng, (2, 3), dtype), *extra), {"shape": 5}, "int shape")

    return samples


for _name in ("zeros_like", "ones_like"):
    _row(_name, _like_samples())
_row("full_like", _like_samples(fill=True))
_row("empty_like", _like_samples(), random=True)

with_complex(ROWS, (
    "meshgrid asarray array zeros ones empty full zeros_like ones_like full_like empty_like "
    "eye identity tri"
))
