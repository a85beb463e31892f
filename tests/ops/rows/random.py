"""OpInfo rows: random (``lnp.random``): shape and dtype against NumPy's generator.

The rows are ``random=True``: the forward tests compare shape and dtype with the NumPy
reference, not values (statistics, reproducibility and key independence are checked in
tests/api/test_random.py). Draws made from nothing take ``device=DEVICE`` (see rows/creation.py).
"""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import FLOATS, OpInfo, Sample, make_array
from tests.ops.rows.creation import DEVICE, _on

ROWS: list[OpInfo] = []

INTS = (np.int64, np.int32, np.uint8, np.bool_)


def _np_ref(method: str, legacy: bool = False):
    """NumPy's function as a reference; Python-scalar results become arrays of the right dtype."""

    def ref(*args, **kwargs):
        kwargs.pop("device", None)
        source = np.random.RandomState(0) if legacy else np.random.default_rng(0)
        out = getattr(source, method)(*args, **kwargs)
        if isinstance(out, np.ndarray) or isinstance(out, np.generic):
            return np.asarray(out)
        dtype = kwargs.get("dtype")
        return np.asarray(out, dtype=None if dtype is None else np.dtype(dtype))

    return ref


def _gen(method: str):
    def op(*args, **kwargs):
        return getattr(lnp.random.default_rng(0), method)(*args, **kwargs)

    op.__name__ = method
    return op


def _row(name, op, ref, samples, dtypes=FLOATS):
    ROWS.append(OpInfo(name, _on(op), ref, samples, dtypes=dtypes, nondiff=True, random=True))


_SIZES = (None, 5, (2, 3), (), (0, 4))


def _standard_samples(rng, dtype):
    for size in _SIZES:
        yield Sample((), {"size": size, "dtype": dtype, "device": DEVICE}, f"size={size}")
    if dtype == np.float64:
        yield Sample(((3, 2),), {"device": DEVICE}, "default dtype")


for _m in ("random", "standard_normal"):
    _row(f"random.Generator.{_m}", _gen(_m), _np_ref(_m), _standard_samples)


def _legacy_size_samples(rng, dtype):
    for size in _SIZES:
        yield Sample((), {"size": size, "device": DEVICE}, f"size={size}")


for _m in ("random", "random_sample", "standard_normal"):
    _row(f"random.{_m}", getattr(lnp.random, _m),
         _np_ref("random_sample" if _m == "random" else _m, legacy=True),
         _legacy_size_samples, dtypes=(np.float64,))


def _shape_args_samples(rng, dtype):
    for shape in ((), (4,), (2, 3), (0, 2)):
        yield Sample(shape, {"device": DEVICE}, f"shape={shape}")


for _m in ("rand", "randn"):
    _row(f"random.{_m}", getattr(lnp.random, _m), _np_ref(_m, legacy=True),
         _shape_args_samples, dtypes=(np.float64,))


def _affine_samples(low, high):
    def samples(rng, dtype):
        d = {"device": DEVICE}
        yield Sample((), d, "defaults")
        yield Sample((low, high), {"size": 4, **d}, "scalars, size=4")
        yield Sample((low, high, (2, 3)), d, "positional size")
        yield Sample((make_array(rng, (3,), dtype, -1, 0), high), {}, "array first parameter")
        yield Sample((low, make_array(rng, (2, 1), dtype, 1, 2)), {}, "array second parameter")
        yield Sample((make_array(rng, (3,), dtype, -1, 0), make_array(rng, (2, 1), dtype, 1, 2)),
                     {}, "both arrays broadcast")
        yield Sample((make_array(rng, (3,), dtype, -1, 0), high), {"size": (2, 3)},
                     "arrays with size")
        yield Sample((low, high), {"size": (0,), **d}, "size 0")

    return samples


for _m, (_lo, _hi) in {"uniform": (-1.0, 2.0), "normal": (0.5, 2.0)}.items():
    _row(f"random.{_m}", getattr(lnp.random, _m), _np_ref(_m, legacy=True),
         _affine_samples(_lo, _hi))
    _row(f"random.Generator.{_m}", _gen(_m), _np_ref(_m), _affine_samples(_lo, _hi))


def _integers_samples(endpoint_kw: bool):
    def samples(rng, dtype):
        d = {"dtype": dtype, "device": DEVICE}
        hi = 2 if np.dtype(dtype) == np.bool_ else 10
        yield Sample((hi,), d, "one bound")
        yield Sample((0, hi), {"size": 5, **d}, "two bounds")
        yield Sample((0, hi), {"size": (2, 3), **d}, "2-D")
        yield Sample((0, hi), {"size": (), **d}, "0-d")
        yield Sample((0, hi), {"size": (0, 3), **d}, "size 0")
        if np.dtype(dtype) != np.bool_:
            info = np.iinfo(dtype)
            yield Sample((int(info.min), int(info.max)), {"size": 4, **d}, "nearly full range")
            if endpoint_kw:
                yield Sample((int(info.min), int(info.max)), {"size": 4, "endpoint": True, **d},
                             "full range")
                yield Sample((1, 3), {"size": 6, "endpoint": True, **d}, "endpoint")
            lo = np.array([0, 5], dtype=np.int64)
            yield Sample((lo, lo + 3), {"size": (4, 2), "dtype": dtype}, "array bounds")
        if np.dtype(dtype) == np.int64:
            yield Sample((5,), {"size": 3, "device": DEVICE}, "default dtype")

    return samples


_row("random.Generator.integers", _gen("integers"), _np_ref("integers"),
     _integers_samples(True), dtypes=INTS)
_row("random.integers", lnp.random.integers, _np_ref("integers"), _integers_samples(True),
     dtypes=INTS)
_row("random.randint", lnp.random.randint, _np_ref("randint", legacy=True),
     _integers_samples(False), dtypes=(np.int64, np.int32, np.uint8))


def _choice_samples(generator: bool):
    def samples(rng, dtype):
        d = {"device": DEVICE}
        pop = make_array(rng, (6,), dtype)
        yield Sample((5,), d, "int population, one sample")
        yield Sample((5, 3), d, "int population")
        yield Sample((5, (2, 2)), {"replace": False, **d}, "without replacement")
        yield Sample((pop, 4), {}, "array population")
        yield Sample((pop,), {}, "array population, one sample")
        p = np.array([0.1, 0.0, 0.2, 0.3, 0.4, 0.0])
        yield Sample((pop, 7), {"p": p}, "weighted")
        yield Sample((6, 3), {"p": p, "replace": False, **d}, "weighted, without replacement")
        yield Sample((pop, 0), {}, "no samples")
        if generator:
            grid = make_array(rng, (3, 4), dtype)
            yield Sample((grid, 2), {}, "rows of a 2-D population")
            yield Sample((grid, 5), {"axis": 1}, "axis=1")
            yield Sample((grid, 2), {"axis": -1, "replace": False, "shuffle": False},
                         "axis=-1 without replacement")

    return samples


_row("random.Generator.choice", _gen("choice"), _np_ref("choice"), _choice_samples(True))
_row("random.choice", lnp.random.choice, _np_ref("choice", legacy=True), _choice_samples(False))


def _permutation_samples(generator: bool):
    def samples(rng, dtype):
        yield Sample((6,), {"device": DEVICE}, "int")
        yield Sample((0,), {"device": DEVICE}, "empty")
        yield Sample((make_array(rng, (5,), dtype),), {}, "1-D")
        yield Sample((make_array(rng, (4, 3), dtype),), {}, "2-D: rows permuted")
        if generator:
            yield Sample((make_array(rng, (4, 3), dtype),), {"axis": 1}, "axis=1")
            yield Sample((make_array(rng, (2, 3, 4), dtype),), {"axis": -1}, "axis=-1")

    return samples


_row("random.Generator.permutation", _gen("permutation"), _np_ref("permutation"),
     _permutation_samples(True), dtypes=FLOATS + (np.int64,))
_row("random.permutation", lnp.random.permutation, _np_ref("permutation", legacy=True),
     _permutation_samples(False), dtypes=FLOATS + (np.int64,))
