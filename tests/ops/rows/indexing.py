"""OpInfo rows: indexing. ``x[index]`` and ``x[index] = v`` as small functions of the tensor.

Each sample carries its index as arguments: ``op(x, index, *arrays)``, where ``index`` is the
index with each array replaced by a ``_Slot`` naming one of the ``arrays`` that follow. So the
index arrays are top-level arguments: they reach lamina as lamina tensors (the tests convert
every NumPy array in a sample) while the NumPy reference gets them as NumPy arrays, and the
vmap test batches them one by one like any array argument. The setitem rows return the
mutated copy: ``y = x.copy(); y[index] = v; return y`` on both sides.
"""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import FLOATS, OpInfo, Sample, make_array, with_complex

ROWS: list[OpInfo] = []

DTYPES = FLOATS + (np.int64,)
_ALL = slice(None)


class _Slot:
    """The place of the k-th index array in a sample's index (the arrays come after it)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return f"<array {self.k}>"


def _fill(index, arrays):
    if isinstance(index, _Slot):
        return arrays[index.k]
    if type(index) is tuple:
        return tuple(_fill(e, arrays) for e in index)
    return index


def _split_arrays(index) -> tuple:
    """``(index with its NumPy arrays replaced by slots, *the arrays)``."""
    arrays: list = []

    def cut(e):
        if isinstance(e, np.ndarray):
            arrays.append(e)
            return _Slot(len(arrays) - 1)
        return tuple(cut(i) for i in e) if type(e) is tuple else e

    template = cut(index)
    return (template, *arrays)


def _get(x, index, *arrays):
    return x[_fill(index, arrays)]


def _set(x, v, index, *arrays):
    y = x.copy()
    y[_fill(index, arrays)] = v
    return y


def _a(rng, shape, dtype):
    return make_array(rng, shape, dtype, -5, 5)


def _i(*values):
    return np.array(values, dtype=np.int64)


# -- the index samples: (shape of x, index, name) -----------------------------------------------

BASIC = [
    ((5,), 2, "int (scalar result)"),
    ((5,), -1, "negative int"),
    ((5,), slice(1, 4), "slice"),
    ((5,), slice(None, None, -2), "negative step"),
    ((5,), slice(10, -10, -1), "slice out of range clips"),
    ((3, 4), (1,), "row"),
    ((3, 4), (_ALL, 2), "column"),
    ((3, 4), (slice(None, None, -1), slice(1, None, 2)), "two slices"),
    ((3, 4), (None, Ellipsis, 1), "None and Ellipsis"),
    ((2, 3, 4), (Ellipsis, None, slice(None, None, 2)), "Ellipsis first"),
    ((2, 3, 4), (1, _ALL, -1), "int slice int"),
    ((2, 3, 4), (1, 2, 3), "all ints"),
    ((2, 3, 4), (1, 2, 3, Ellipsis), "all ints and Ellipsis (0-d view)"),
    ((), (Ellipsis,), "0-d Ellipsis"),
    ((), (None,), "0-d None"),
    ((), (), "0-d empty tuple"),
    ((0, 3), (_ALL, 1), "size-0"),
    ((0, 3), (Ellipsis, slice(1, 2)), "size-0 slice"),
    ((3, 4), (slice(3, 1),), "empty slice"),
]

INT_ARRAY = [
    ((5,), (_i(0, 4, 4, -1),), "1-D with repeats"),
    ((3, 4), (_i(2, 0),), "rows"),
    ((3, 4), (np.array([[0, 2], [1, 1]]),), "2-D index"),
    ((3, 4), (_ALL, _i(3, 0)), "columns"),
    ((3, 4), (_i(0, 2), _i(1, 3)), "pairs"),
    ((3, 4), (np.array(1),), "0-d index array"),
    ((3, 4), (np.array([], dtype=np.intp),), "empty index"),
    ((0, 3), (_ALL, _i(2, 0)), "size-0 x"),
    ((2, 3, 4), (_i(1, 0), _ALL, _i(3, 1)), "separated (advanced dims first)"),
]

BOOL_MASK = [
    ((5,), "full", "1-D mask"),
    ((3, 4), "full", "full 2-D mask"),
    ((3, 4), "lead", "mask over the first axis"),
    ((2, 3, 4), "trail", "mask over the last two axes"),
    ((3, 4), "none", "all-False mask"),
    ((3, 4), "true0", "0-d True"),
    ((3, 4), "false0", "0-d False"),
]

MIXED = [
    ((2, 3, 4), (1, _ALL, _i(0, 2)), "int slice array"),
    ((2, 3, 4), (_ALL, _i(0, 2), _i(1, 3)), "adjacent arrays"),
    ((2, 3, 4), (_i(0, 1), slice(1, 3), _i(2, 3)), "arrays around a slice"),
    ((2, 3, 4), (Ellipsis, np.array([[0], [1]]), None), "Ellipsis, 2-D array, None"),
    ((2, 3, 4), (None, _i(1), slice(None, None, -1), 2), "None array slice int"),
    ((2, 3, 4), (_ALL, True, _ALL, _i(0, 1)), "0-d True among advanced"),
]


def _mask(rng, shape, kind):
    if kind == "full":
        return rng.random(shape) < 0.5
    if kind == "lead":
        return np.array([True, False, True])[: shape[0]]
    if kind == "trail":
        return (_ALL, rng.random(shape[1:]) < 0.5)
    if kind == "none":
        return np.zeros(shape, dtype=bool)
    return (kind == "true0",)


def _index_samples(table):
    def samples(rng, dtype):
        for shape, index, name in table:
            yield Sample((_a(rng, shape, dtype), *_split_arrays(index)), name=name)

    return samples


def _mask_samples(rng, dtype):
    for shape, kind, name in BOOL_MASK:
        yield Sample((_a(rng, shape, dtype), *_split_arrays(_mask(rng, shape, kind))),
                     name=name)


# -- setitem samples: values of the indexed shape, broadcast values, scalars, other dtypes -------

def _set_samples(index_samples, value_kinds=("full", "scalar", "broadcast")):
    def samples(rng, dtype):
        for s in index_samples(rng, dtype):
            x, index, *arrays = s.args
            target = np.shape(x[_fill(index, arrays)])
            for kind in value_kinds:
                if kind == "full":
                    v = _a(rng, target, dtype)
                elif kind == "scalar":
                    v = 3 if np.dtype(dtype).kind in "iu" else 2.5
                elif kind == "broadcast":
                    if not target:
                        continue
                    # A leading length-1 axis (NumPy drops it) over the last axis; 1-D
                    # targets get a length-1 value (a full-shape mask takes only 0-d or 1-d).
                    v = _a(rng, (1,) + target[-1:] if len(target) > 1 else (1,), dtype)
                else:  # "cast": a value of another dtype, cast as NumPy's setitem does
                    other = np.float64 if np.dtype(dtype).kind in "iu" else np.int64
                    v = _a(rng, target, other)
                yield Sample((x, v, index, *arrays), name=f"{s.name}, {kind} value")

    return samples


def _unique_rows():
    # Duplicate positions would make the written value depend on the order of the writes
    # (undefined on the GPU), so setitem rows use indices without repeats.
    repeats = {"1-D with repeats", "2-D index"}
    return [row for row in INT_ARRAY if row[2] not in repeats] + [
        ((5,), (_i(0, 4, -2),), "1-D, negative entries"),
    ]


# Boolean masks go through nonzero, whose output shape depends on the data: a batched mask
# cannot run under vmap (it raises and suggests lnp.where; an unbatched mask works).
_MASK = {"test_vmap": "a batched boolean mask needs nonzero, whose output shape depends on the "
                      "data: vmap raises (suggesting lnp.where)"}
# NOTE [in-place rows under vmap] (tests/ops/rows/shape.py): the copy of an unbatched x is
# unbatched, so batching only v writes a batched value into it, refused by design.
_SET = {"test_vmap": "the 'only arg 1' placement writes a batched v into the copy of an "
                     "unbatched x, refused by design; the other placements are tested in "
                     "tests/api/test_vmap_random_inplace.py"}

ROWS += [
    OpInfo("getitem_basic", _get, _get, _index_samples(BASIC), dtypes=DTYPES),
    OpInfo("getitem_int_array", _get, _get, _index_samples(INT_ARRAY), dtypes=DTYPES),
    OpInfo("getitem_bool_mask", _get, _get, _mask_samples, dtypes=DTYPES, xfail=_MASK),
    OpInfo("getitem_mixed", _get, _get, _index_samples(MIXED), dtypes=DTYPES),
    OpInfo("setitem_basic", _set, _set, _set_samples(_index_samples(BASIC)), dtypes=DTYPES,
           xfail=_SET),
    OpInfo("setitem_int_array", _set, _set, _set_samples(_index_samples(_unique_rows())),
           dtypes=DTYPES, xfail=_SET),
    OpInfo("setitem_bool_mask", _set, _set, _set_samples(_mask_samples), dtypes=DTYPES,
           xfail={"test_vmap": _MASK["test_vmap"] + "; " + _SET["test_vmap"]}),
    OpInfo("setitem_mixed", _set, _set, _set_samples(_index_samples(MIXED)), dtypes=DTYPES,
           xfail=_SET),
    OpInfo("setitem_cast", _set, _set,
           _set_samples(_index_samples(BASIC[:8] + _unique_rows()[:4]), ("cast",)),
           dtypes=DTYPES, xfail=_SET),
]


# Complex samples for the ops NumPy computes for complex inputs.
with_complex(ROWS, (
    "getitem_basic getitem_int_array getitem_bool_mask getitem_mixed setitem_basic "
    "setitem_int_array setitem_bool_mask setitem_mixed setitem_cast "
).strip())


# -- ufunc.at (NOTE [ufunc.at] in lamina/ops/indexing.py) ---------------------------------------
# ``y = x.copy(); <ufunc>.at(y, index, v); return y`` on both sides. Repeated indices take every
# update: the derivatives see each factor, addend and extremum candidate.

def _at_op(xp, ufunc):
    def op(x, v, index, *arrays):
        y = x.copy()
        getattr(xp, ufunc).at(y, _fill(index, arrays), v)
        return y

    op.__name__ = f"{ufunc}_at"
    return op


AT_INDEX = [
    ((5,), (_i(0, 4, 4, -1),), "repeats"),
    ((4,), (_i(1, 1, 1),), "one element three times"),
    ((3, 4), (_i(2, 0, 2),), "rows, repeated"),
    ((3, 4), (_ALL, _i(3, 3)), "columns, repeated"),
    ((2, 3, 4), (_i(1, 1), _ALL, _i(3, 3)), "separated arrays, repeated"),
    ((3, 4), (np.array([[0, 2], [2, 2]]),), "2-D index"),
    ((5,), (slice(1, 4),), "slice"),
    ((5,), (-2,), "int"),
    ((3, 4), (np.array([], dtype=np.intp),), "empty index"),
]


def _at_samples(low, high, with_zeros=False):
    def samples(rng, dtype):
        for shape, index, name in AT_INDEX:
            x = _a(rng, shape, dtype)
            template, *arrays = _split_arrays(index)
            region = np.shape(x[index])
            v = make_array(rng, region, dtype, low, high)
            yield Sample((x, v, template, *arrays), name=f"{name}, full value")
            if len(region) > 1:
                v = make_array(rng, region[-1:], dtype, low, high)
                yield Sample((x, v, template, *arrays), name=f"{name}, broadcast value")
            v = make_array(rng, (), dtype, low, high)
            yield Sample((x, v, template, *arrays), name=f"{name}, 0-d value")
        if with_zeros and np.dtype(dtype).kind != "c":
            # Zero factors: one alone on an element, two on another (their derivatives come
            # from the product of the other factors, never from dividing by zero).
            x = _a(rng, (4,), dtype)
            v = np.array([0.0, 2.0, 0.0, 0.0, 3.0, 1.5], dtype=dtype)
            yield Sample((x, v, *_split_arrays((_i(0, 0, 1, 1, 1, 2),))), name="zero factors")

    return samples


_AT_VMAP = {"test_vmap": "the 'only arg k' placements write a batched value (or index) into the "
                         "copy of an unbatched x, refused by design; tests/api/test_ufunc_at.py "
                         "checks the others"}
ROWS += [
    OpInfo(f"{ufunc}.at", _at_op(lnp, ufunc), _at_op(np, ufunc),
           _at_samples(low, high, with_zeros=ufunc == "multiply"), dtypes=dtypes,
           xfail=_AT_VMAP)
    for ufunc, low, high, dtypes in [
        ("add", -5, 5, DTYPES),
        ("subtract", -5, 5, DTYPES),
        ("multiply", -2, 2, DTYPES),
        ("divide", 0.5, 2, FLOATS),
        ("maximum", -5, 5, DTYPES),
        ("minimum", -5, 5, DTYPES),
        ("fmax", -5, 5, FLOATS),
        ("fmin", -5, 5, FLOATS),
    ]
]
with_complex(ROWS, "add.at subtract.at multiply.at divide.at maximum.at minimum.at fmax.at fmin.at")
