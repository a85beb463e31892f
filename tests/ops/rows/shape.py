"""OpInfo rows: shape and layout (views and copies), manipulation, sorting and searching."""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import ALL_REAL, OpInfo, Sample, make_array, with_complex

ROWS: list[OpInfo] = []


def _a(rng, shape, dtype, low=-2.0, high=2.0):
    return make_array(rng, shape, dtype, low, high)


def _row(name, samples, dtypes=ALL_REAL, op=None, ref=None, **kw):
    ROWS.append(OpInfo(name, op or getattr(lnp, name), ref or getattr(np, name), samples,
                       dtypes=dtypes, **kw))


# -- reshape family --------------------------------------------------------------------------------

def _reshape_samples(rng, dtype):
    for shape, new in (((6,), (2, 3)), ((2, 3), (-1,)), ((2, 3, 4), (4, -1)), ((), (1,)),
                       ((1,), ()), ((2, 3, 4), (2, 1, 12, 1)), ((0, 3), (3, 0)),
                       ((0, 3), (-1, 3)), ((4,), -1)):
        yield Sample((_a(rng, shape, dtype), new), name=f"{shape}->{new}")
    yield Sample((_a(rng, (2, 6), dtype),), {"shape": (3, 4)}, name="shape=")
    yield Sample((_a(rng, (2, 6), dtype), (12,)), {"copy": True}, name="copy=True")
    yield Sample((_a(rng, (2, 6), dtype), (3, 4)), {"order": "C"}, name="order=C")


def _ravel_samples(rng, dtype):
    for shape in ((), (5,), (3, 4), (2, 3, 4), (0, 3)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape}")


def _transpose_samples(rng, dtype):
    for shape in ((), (5,), (3, 4), (2, 3, 4), (0, 3)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape} axes=None")
    yield Sample((_a(rng, (2, 3, 4), dtype), (1, 2, 0)), name="axes tuple")
    yield Sample((_a(rng, (2, 3, 4), dtype), (-1, 0, -2)), name="negative axes")
    yield Sample((_a(rng, (2, 3, 4), dtype),), {"axes": [2, 0, 1]}, name="axes list")


def _permute_dims_samples(rng, dtype):
    yield Sample((_a(rng, (2, 3, 4), dtype), (2, 0, 1)))
    yield Sample((_a(rng, (3, 4), dtype),), name="default")


def _matrix_transpose_samples(rng, dtype):
    for shape in ((3, 4), (2, 3, 4), (0, 2, 3)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape}")


def _swapaxes_samples(rng, dtype):
    yield Sample((_a(rng, (3, 4), dtype), 0, 1))
    yield Sample((_a(rng, (2, 3, 4), dtype), -1, 0), name="negative")
    yield Sample((_a(rng, (2, 3, 4), dtype), 1, 1), name="same axis")
    yield Sample((_a(rng, (0, 3), dtype), 0, 1), name="size 0")


def _moveaxis_samples(rng, dtype):
    x = _a(rng, (2, 3, 4, 5), dtype)
    yield Sample((x, 0, -1), name="int")
    yield Sample((x, -1, 1), name="negative source")
    yield Sample((x, (0, 1), (-1, -2)), name="tuples")
    yield Sample((x, [3, 0], [0, 2]), name="lists")
    yield Sample((_a(rng, (0, 3), dtype), 0, 1), name="size 0")


def _expand_dims_samples(rng, dtype):
    yield Sample((_a(rng, (), dtype), 0), name="0-d")
    yield Sample((_a(rng, (3, 4), dtype), 1), name="int")
    yield Sample((_a(rng, (3, 4), dtype), -1), name="negative")
    yield Sample((_a(rng, (3, 4), dtype), (0, 3)), name="tuple")
    yield Sample((_a(rng, (3, 4), dtype), (-1, 0)), name="tuple negative")
    yield Sample((_a(rng, (0, 3), dtype), 0), name="size 0")


def _squeeze_samples(rng, dtype):
    x = _a(rng, (1, 3, 1, 4, 1), dtype)
    yield Sample((x,), name="all")
    yield Sample((x, 0), name="int")
    yield Sample((x, -1), name="negative")
    yield Sample((x, (0, 2)), name="tuple")
    yield Sample((_a(rng, (1,), dtype),), name="(1,) -> 0-d")
    yield Sample((_a(rng, (), dtype),), name="0-d")
    yield Sample((_a(rng, (0, 1), dtype), 1), name="size 0")


def _broadcast_to_samples(rng, dtype):
    yield Sample((_a(rng, (), dtype), (3, 2)), name="0-d")
    yield Sample((_a(rng, (3,), dtype), (2, 3)), name="prepend")
    yield Sample((_a(rng, (3, 1), dtype), (2, 3, 4)), name="stretch")
    yield Sample((_a(rng, (3,), dtype), 3), name="int shape")
    yield Sample((_a(rng, (1,), dtype), (0,)), name="to size 0")


def _broadcast_arrays_samples(rng, dtype):
    yield Sample((_a(rng, (3, 1), dtype), _a(rng, (4,), dtype)))
    yield Sample((_a(rng, (), dtype), _a(rng, (2, 3), dtype), _a(rng, (1, 3), dtype)),
                 name="three")
    yield Sample((_a(rng, (2,), dtype),), name="one")


def _broadcast_shapes_samples(rng, dtype):
    yield Sample(((3, 1), (4,)))
    yield Sample(((2, 1, 3), (5, 1), ()), name="three")
    yield Sample((3, (2, 1)), name="int")


def _shape_samples(rng, dtype):
    for shape in ((), (5,), (3, 4), (0, 3)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape}")


def _size_samples(rng, dtype):
    yield from _shape_samples(rng, dtype)
    yield Sample((_a(rng, (3, 4), dtype), 1), name="axis")
    yield Sample((_a(rng, (3, 4), dtype), -1), name="negative axis")


_row("reshape", _reshape_samples)
_row("ravel", _ravel_samples)
_row("transpose", _transpose_samples)
_row("permute_dims", _permute_dims_samples)
_row("matrix_transpose", _matrix_transpose_samples)
_row("swapaxes", _swapaxes_samples)
_row("moveaxis", _moveaxis_samples)
_row("expand_dims", _expand_dims_samples)
_row("squeeze", _squeeze_samples)
_row("broadcast_to", _broadcast_to_samples)
_row("broadcast_arrays", _broadcast_arrays_samples)
# Shapes in, Python ints out: nothing for vmap to batch or return.
_METADATA = {"test_vmap": "static metadata: returns Python ints (no tensor for vmap to return)"}
_row("broadcast_shapes", _broadcast_shapes_samples, dtypes=(np.float64,), nondiff=True,
     xfail={"test_vmap": "takes shapes, not arrays: nothing to batch"})
_row("shape", _shape_samples, nondiff=True, xfail=_METADATA)
_row("ndim", _shape_samples, nondiff=True, xfail=_METADATA)
_row("size", _size_samples, nondiff=True, xfail=_METADATA)


# -- flips and diagonals ---------------------------------------------------------------------------

def _flip_samples(rng, dtype):
    x = _a(rng, (2, 3, 4), dtype)
    yield Sample((x,), name="axis=None")
    yield Sample((x, 1), name="int")
    yield Sample((x, -1), name="negative")
    yield Sample((x, (0, 2)), name="tuple")
    yield Sample((_a(rng, (5,), dtype),), name="1-d")
    yield Sample((_a(rng, (0, 3), dtype), 1), name="size 0")


def _fliplr_samples(rng, dtype):
    for shape in ((3, 4), (2, 3, 4), (0, 2)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape}")


def _flipud_samples(rng, dtype):
    yield Sample((_a(rng, (5,), dtype),), name="1-d")
    yield from _fliplr_samples(rng, dtype)


def _diagonal_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    for offset in (0, 1, -1, 3, -2, 5):
        yield Sample((x, offset), name=f"offset={offset}")
    y = _a(rng, (2, 3, 4), dtype)
    yield Sample((y,), name="3-d")
    yield Sample((y,), {"axis1": 1, "axis2": 2}, name="axes 1 2")
    yield Sample((y, 1, -1, 0), name="offset, negative axis, reversed")
    yield Sample((_a(rng, (0, 3), dtype),), name="size 0")


_row("flip", _flip_samples)
_row("fliplr", _fliplr_samples)
_row("flipud", _flipud_samples)
_row("diagonal", _diagonal_samples)


# -- split family ----------------------------------------------------------------------------------

def _split_samples(rng, dtype):
    yield Sample((_a(rng, (6,), dtype), 3), name="int sections")
    yield Sample((_a(rng, (6, 4), dtype), 2, 1), name="axis=1")
    yield Sample((_a(rng, (6, 4), dtype), 2, -1), name="axis=-1")
    yield Sample((_a(rng, (7, 2), dtype), [2, 5]), name="indices")
    yield Sample((_a(rng, (7, 2), dtype), [3, 1, 9]), name="unordered, past end")
    yield Sample((_a(rng, (7, 2), dtype), [-2]), name="negative index")
    yield Sample((_a(rng, (0, 2), dtype), 2), name="size 0")
    yield Sample((_a(rng, (4, 3), dtype),), {"indices_or_sections": 1, "axis": 0},
                 name="keywords")


def _array_split_samples(rng, dtype):
    yield Sample((_a(rng, (7,), dtype), 3), name="uneven")
    yield Sample((_a(rng, (2, 5), dtype), 4, 1), name="uneven axis=1")
    yield Sample((_a(rng, (3,), dtype), 5), name="more sections than elements")
    yield Sample((_a(rng, (7, 2), dtype), [2, 5]), name="indices")


def _hsplit_samples(rng, dtype):
    yield Sample((_a(rng, (6,), dtype), 2), name="1-d")
    yield Sample((_a(rng, (3, 6), dtype), 3), name="2-d")
    yield Sample((_a(rng, (2, 4, 3), dtype), [1, 3]), name="indices")


def _vsplit_samples(rng, dtype):
    yield Sample((_a(rng, (4, 3), dtype), 2), name="2-d")
    yield Sample((_a(rng, (4, 3, 2), dtype), [1]), name="indices")


def _dsplit_samples(rng, dtype):
    yield Sample((_a(rng, (2, 3, 4), dtype), 2), name="int")
    yield Sample((_a(rng, (2, 3, 4), dtype), [1, 3]), name="indices")


def _unstack_samples(rng, dtype):
    yield Sample((_a(rng, (3, 4), dtype),), name="axis 0")
    yield Sample((_a(rng, (2, 3, 4), dtype),), {"axis": -1}, name="axis -1")
    yield Sample((_a(rng, (5,), dtype),), name="1-d")
    yield Sample((_a(rng, (2, 0), dtype),), name="size 0")


_row("split", _split_samples)
_row("array_split", _array_split_samples)
_row("hsplit", _hsplit_samples)
_row("vsplit", _vsplit_samples)
_row("dsplit", _dsplit_samples)
_row("unstack", _unstack_samples)


# -- joining ---------------------------------------------------------------------------------------

def _dtype_kwarg_samples(a, b):
    # The grad test checks float64 inputs against finite differences at float64 tolerances, which
    # a float32 result cannot meet: float64 inputs are cast up (to complex), and the cast down
    # to float32 is covered with integer inputs (nothing to differentiate).
    # Complex inputs are cast to complex128 (NumPy refuses the cast to a real dtype).
    up = np.complex128 if a.dtype in (np.float64, np.complex128) else np.float32
    yield Sample(([a, b],), {"dtype": up}, name=f"dtype={np.dtype(up).name}")
    ints = [np.real(a).astype(np.int64), np.real(b).astype(np.int64)]
    yield Sample((ints,), {"dtype": np.float32}, name="int64 to dtype=float32")


def _seq_op(fn):
    """``fn(arrays, ...)``, also callable with the arrays as separate arguments: the samples
    named "*arrays" pass them so, and the vmap test can batch each on its own (it batches
    only top-level arrays)."""

    def op(*args, **kwargs):
        if args and isinstance(args[0], (list, tuple)):
            return fn(*args, **kwargs)
        return fn(list(args), **kwargs)

    op.__name__ = fn.__name__
    return op


def _seq_row(name, samples, **kw):
    _row(name, samples, op=_seq_op(getattr(lnp, name)), ref=_seq_op(getattr(np, name)), **kw)


def _concatenate_samples(rng, dtype):
    a, b = _a(rng, (2, 3), dtype), _a(rng, (4, 3), dtype)
    yield Sample((a, b), name="*arrays, axis 0")
    yield Sample((a, _a(rng, (2, 1), dtype), a), {"axis": 1}, name="*arrays, axis 1, three")
    yield Sample((a, _a(rng, (2, 5), dtype)), {"axis": -1}, name="*arrays, axis -1")
    yield Sample((a, _a(rng, (5,), dtype)), {"axis": None}, name="*arrays, axis None")
    yield Sample((a, np.real(a).astype(np.int32)), name="*arrays, mixed dtypes")
    yield Sample(([a, b],), name="axis 0")
    yield Sample(([a, _a(rng, (2, 1), dtype), a], 1), name="axis 1, three")
    yield Sample(([a, a], -1), name="axis -1")
    yield Sample(([a, _a(rng, (5,), dtype)], None), name="axis None")
    yield Sample(((a,),), name="one, tuple")
    yield Sample(([a, _a(rng, (0, 3), dtype)],), name="with size 0")
    yield from _dtype_kwarg_samples(a, b)
    yield Sample(([a, np.real(a).astype(np.int32)],), name="mixed dtypes")


def _stack_samples(rng, dtype):
    a, b = _a(rng, (2, 3), dtype), _a(rng, (2, 3), dtype)
    yield Sample((a, b), name="*arrays, axis 0")
    yield Sample((a, b, a), {"axis": 1}, name="*arrays, axis 1")
    yield Sample((a, b), {"axis": -1}, name="*arrays, axis -1")
    yield Sample((_a(rng, (), dtype), _a(rng, (), dtype)), name="*arrays, 0-d")
    yield Sample(([a, b],), name="axis 0")
    yield Sample(([a, b, a], 1), name="axis 1")
    yield Sample(([a, b], -1), name="axis -1")
    yield Sample(([_a(rng, (), dtype), _a(rng, (), dtype)],), name="0-d")
    yield Sample(([a],), name="one")
    yield from _dtype_kwarg_samples(a, b)
    yield Sample(([_a(rng, (0, 2), dtype)] * 2,), name="size 0")


_seq_row("concatenate", _concatenate_samples)
_seq_row("concat", _concatenate_samples)
_seq_row("stack", _stack_samples)


# -- copies and casts ------------------------------------------------------------------------------

def _copy_samples(rng, dtype):
    for shape in ((), (5,), (3, 4), (0, 3)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape}")


def _astype_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype, -3, 3)
    # A float target first: the vmap-of-grad test differentiates the first sample.
    for target in (np.float64, np.float32, np.int64, np.int32, np.bool_):
        yield Sample((x, target), name=f"to {np.dtype(target).name}")
    yield Sample((x, np.dtype(dtype)), {"copy": False}, name="same dtype, copy=False")
    yield Sample((_a(rng, (), dtype), np.float32), name="0-d")


def _copyto_op(dst, src, **kw):
    lnp.copyto(dst, src, **kw)
    return dst


def _copyto_ref(dst, src, **kw):
    dst = dst.copy()
    np.copyto(dst, src, **kw)
    return dst


def _copyto_samples(rng, dtype):
    yield Sample((_a(rng, (3, 4), dtype), _a(rng, (3, 4), dtype)), name="same shape")
    yield Sample((_a(rng, (3, 4), dtype), _a(rng, (4,), dtype)), name="broadcast")
    yield Sample((_a(rng, (3, 4), dtype), _a(rng, (3, 4), dtype)),
                 {"where": rng.random((3, 4)) < 0.5}, name="where")


_row("copy", _copy_samples)
_row("astype", _astype_samples, ref=lambda x, dt, **kw: np.astype(x, dt, **kw))
# NOTE [in-place rows under vmap]: placing only the source in the batch writes a batched value
# into an unbatched tensor, which vmap refuses by design (NOTE [captured mutation]); the
# placements that batch the target are checked in tests/api/test_vmap_random_inplace.py.
_INPLACE = {"test_vmap": "the 'only arg k' placement writes a batched value into an unbatched "
                         "target, refused by design; the other placements are tested in "
                         "tests/api/test_vmap_random_inplace.py"}
_row("copyto", _copyto_samples, op=_copyto_op, ref=_copyto_ref, xfail=_INPLACE)


# -- atleast and the stacking shortcuts ------------------------------------------------------------

def _atleast_samples(rng, dtype):
    for shape in ((), (3,), (2, 3), (2, 3, 4), (0,)):
        yield Sample((_a(rng, shape, dtype),), name=f"{shape}")
    yield Sample((_a(rng, (), dtype), _a(rng, (3,), dtype)), name="two")


def _vstack_samples(rng, dtype):
    yield Sample((_a(rng, (2, 3), dtype), _a(rng, (3,), dtype)), name="*arrays, 2-d and 1-d")
    yield Sample((_a(rng, (), dtype), _a(rng, (), dtype)), name="*arrays, 0-d")
    yield Sample(([_a(rng, (3,), dtype), _a(rng, (3,), dtype)],), name="1-d")
    yield Sample(([_a(rng, (2, 3), dtype), _a(rng, (3,), dtype)],), name="2-d and 1-d")
    yield Sample(([_a(rng, (2, 3, 2), dtype), _a(rng, (1, 3, 2), dtype)],), name="3-d")
    yield Sample(([_a(rng, (), dtype), _a(rng, (), dtype)],), name="0-d")


def _wide(dtype):
    """The widest dtype of ``dtype``'s kind that NumPy casts it to: complex stays complex."""
    return np.complex128 if np.dtype(dtype).kind == "c" else np.float64


def _vstack_dtype_samples(rng, dtype):
    yield from _vstack_samples(rng, dtype)
    yield Sample(([_a(rng, (3,), dtype), _a(rng, (3,), dtype)],), {"dtype": _wide(dtype)},
                 name=f"dtype={np.dtype(_wide(dtype)).name}")


def _hstack_samples(rng, dtype):
    yield Sample((_a(rng, (3,), dtype), _a(rng, (2,), dtype)), name="*arrays, 1-d")
    yield Sample((_a(rng, (2, 3), dtype), _a(rng, (2, 1), dtype)), name="*arrays, 2-d")
    yield Sample((_a(rng, (), dtype), _a(rng, (2,), dtype)), name="*arrays, 0-d and 1-d")
    yield Sample(([_a(rng, (3,), dtype), _a(rng, (2,), dtype)],), name="1-d")
    yield Sample(([_a(rng, (2, 3), dtype), _a(rng, (2, 1), dtype)],), name="2-d")
    yield Sample(([_a(rng, (), dtype), _a(rng, (2,), dtype)],), name="0-d and 1-d")
    yield Sample(([_a(rng, (3,), dtype), _a(rng, (3,), dtype)],), {"dtype": _wide(dtype)},
                 name=f"dtype={np.dtype(_wide(dtype)).name}")


def _dstack_samples(rng, dtype):
    yield Sample((_a(rng, (3,), dtype), _a(rng, (3,), dtype)), name="*arrays, 1-d")
    yield Sample((_a(rng, (2, 3, 1), dtype), _a(rng, (2, 3, 2), dtype)), name="*arrays, 3-d")
    yield Sample(([_a(rng, (3,), dtype), _a(rng, (3,), dtype)],), name="1-d")
    yield Sample(([_a(rng, (2, 3), dtype), _a(rng, (2, 3), dtype)],), name="2-d")
    yield Sample(([_a(rng, (2, 3, 1), dtype), _a(rng, (2, 3, 2), dtype)],), name="3-d")


def _column_stack_samples(rng, dtype):
    yield Sample((_a(rng, (3, 2), dtype), _a(rng, (3,), dtype)), name="*arrays, 2-d and 1-d")
    yield Sample((_a(rng, (), dtype), _a(rng, (), dtype)), name="*arrays, 0-d")
    yield Sample(([_a(rng, (3,), dtype), _a(rng, (3,), dtype)],), name="1-d")
    yield Sample(([_a(rng, (3, 2), dtype), _a(rng, (3,), dtype)],), name="2-d and 1-d")
    yield Sample(([_a(rng, (), dtype), _a(rng, (), dtype)],), name="0-d")


_row("atleast_1d", _atleast_samples)
_row("atleast_2d", _atleast_samples)
_row("atleast_3d", _atleast_samples)
_seq_row("vstack", _vstack_dtype_samples)
_seq_row("hstack", _hstack_samples)
_seq_row("dstack", _dstack_samples)
_seq_row("column_stack", _column_stack_samples)


# -- roll, rot90, tile, repeat, pad ----------------------------------------------------------------

def _roll_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    yield Sample((x, 2), name="axis None")
    yield Sample((x, -5), name="negative shift, axis None")
    yield Sample((x, 1, 0), name="axis 0")
    yield Sample((x, 7, -1), name="shift > n, axis -1")
    yield Sample((x, (1, -2), (0, 1)), name="tuples")
    yield Sample((x, (1, 2), 1), name="two shifts one axis")
    yield Sample((x, 2, (0, 1)), name="one shift two axes")
    yield Sample((_a(rng, (), dtype), 3), name="0-d")
    yield Sample((_a(rng, (0, 3), dtype), 1, 1), name="size 0")
    yield Sample((x, (1, 2)), name="tuple shift, axis None")


def _rot90_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    for k in (1, 2, 3, 4, -1, 0):
        yield Sample((x, k), name=f"k={k}")
    y = _a(rng, (2, 3, 4), dtype)
    yield Sample((y, 1, (1, 2)), name="axes (1, 2)")
    yield Sample((y,), {"k": 3, "axes": (2, 0)}, name="axes (2, 0)")
    yield Sample((y, 1, (-1, -3)), name="negative axes")


def _tile_samples(rng, dtype):
    yield Sample((_a(rng, (3,), dtype), 2), name="int")
    yield Sample((_a(rng, (2, 3), dtype), (2, 1)), name="tuple")
    yield Sample((_a(rng, (2, 3), dtype), (2, 1, 3)), name="more reps than dims")
    yield Sample((_a(rng, (2, 3, 2), dtype), (2,)), name="fewer reps than dims")
    yield Sample((_a(rng, (), dtype), (2, 2)), name="0-d")
    yield Sample((_a(rng, (2, 3), dtype), 0), name="zero reps")
    yield Sample((_a(rng, (2, 3), dtype), (1, 1)), name="ones")


def _repeat_samples(rng, dtype):
    x = _a(rng, (2, 3), dtype)
    yield Sample((x, 2), name="axis None")
    yield Sample((x, 3, 1), name="axis 1")
    yield Sample((x, 2, -2), name="axis -2")
    yield Sample((x, [1, 0, 2], 1), name="per element")
    # A tensor of counts is read: it fixes the output's shape, which a batch cannot share.
    yield Sample((x, np.array([2, 1]), 0), name="counts array", vmap=False)
    yield Sample((_a(rng, (), dtype), 3), name="0-d")
    yield Sample((x, 0, 0), name="zero")
    yield Sample((_a(rng, (0, 2), dtype), 2, 0), name="size 0")


def _pad_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    yield Sample((x, 1), name="int")
    yield Sample((x, (1, 2)), name="(before, after)")
    yield Sample((x, ((1, 0), (2, 3))), name="per axis")
    yield Sample((x, ((1,), (2,))), name="per axis, one each")
    yield Sample((x, 2), {"constant_values": 5}, name="constant_values")
    yield Sample((x, (1, 2)), {"constant_values": ((1, 2), (3, 4))},
                 name="constant_values per axis")
    yield Sample((x, 0), name="zero")
    for mode in ("edge", "reflect", "symmetric", "wrap"):
        yield Sample((x, ((2, 1), (0, 3))), {"mode": mode}, name=mode)
        yield Sample((x, 6), {"mode": mode}, name=f"{mode}, wider than the axis")
    yield Sample((_a(rng, (5,), dtype), (2, 3), "reflect"), name="1-d reflect positional")
    yield Sample((_a(rng, (2, 3, 2), dtype), {1: (1, 2)}), name="dict pad_width")
    yield Sample((_a(rng, (0, 3), dtype), 1), name="size 0, constant")
    yield Sample((_a(rng, (), dtype), 1), name="0-d")


_row("roll", _roll_samples)
_row("rot90", _rot90_samples)
_row("tile", _tile_samples)
_row("repeat", _repeat_samples)
_row("pad", _pad_samples)


# -- trace, tril, triu, diag -----------------------------------------------------------------------

def _trace_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    yield Sample((x,), name="2-d")
    yield Sample((x, 1), name="offset")
    yield Sample((x, -5), name="offset out of range")
    yield Sample((_a(rng, (2, 3, 4), dtype),), {"axis1": 1, "axis2": 2}, name="3-d axes")
    yield Sample((_a(rng, (2, 3, 4), dtype), 0, -1, 0), name="negative axis")
    yield Sample((x,), {"dtype": np.float64}, name="dtype")
    yield Sample((_a(rng, (0, 3), dtype),), name="size 0")


def _tri_samples(rng, dtype):
    x = _a(rng, (4, 5), dtype)
    for k in (0, 1, -1, 7, -9):
        yield Sample((x, k), name=f"k={k}")
    yield Sample((_a(rng, (2, 3, 3), dtype),), name="stack")
    yield Sample((_a(rng, (2, 3, 3), dtype),), {"k": -1}, name="stack, k keyword")
    yield Sample((_a(rng, (3,), dtype),), name="1-d")
    yield Sample((_a(rng, (0, 3), dtype),), name="size 0")


def _tri_bool_samples(rng, dtype):
    yield from _tri_samples(rng, dtype)
    yield Sample((rng.random((3, 3)) < 0.5,), name="bool")


def _diag_samples(rng, dtype):
    v = _a(rng, (3,), dtype)
    for k in (0, 2, -1):
        yield Sample((v, k), name=f"1-d k={k}")
    x = _a(rng, (3, 4), dtype)
    for k in (0, 1, -2, 9):
        yield Sample((x, k), name=f"2-d k={k}")
    yield Sample((_a(rng, (0,), dtype),), name="empty 1-d")
    yield Sample((_a(rng, (1,), dtype),), {"k": -3}, name="k keyword")


def _diagflat_samples(rng, dtype):
    yield Sample((_a(rng, (2, 2), dtype),), name="2-d")
    yield Sample((_a(rng, (3,), dtype), 1), name="k=1")
    yield Sample((_a(rng, (), dtype), -2), name="0-d, k=-2")


_row("trace", _trace_samples)
_row("tril", _tri_bool_samples)
_row("triu", _tri_bool_samples)
_row("diag", _diag_samples)
_row("diagflat", _diagflat_samples)


# -- take, take_along_axis, put_along_axis ---------------------------------------------------------

def _take_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    yield Sample((x, np.array([0, 5, 11, -1])), name="axis None")
    yield Sample((x, [[0, 2], [1, 1]], 1), name="2-d indices, axis 1")
    yield Sample((x, np.array([2, 0], dtype=np.int32), -2), name="int32 indices, axis -2")
    yield Sample((x, 3, 1), name="int index")
    yield Sample((x, np.array(1), 0), name="0-d index")
    yield Sample((x, np.array([], dtype=np.int64), 0), name="empty indices")
    yield Sample((x, [5, -6], 1), {"mode": "wrap"}, name="wrap")
    yield Sample((x, [5, -6], 1), {"mode": "clip"}, name="clip")
    yield Sample((_a(rng, (), dtype), 0), name="0-d")


def _take_along_axis_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    yield Sample((x, np.argsort(x, axis=1), 1), name="argsort axis 1")
    yield Sample((x, np.argsort(x, axis=0)[:1], 0), name="first row")
    yield Sample((x, np.array([[0], [3], [1]]), -1), name="broadcast index")
    yield Sample((x, np.array([[0, 1, 0]]).T), name="default axis -1")
    yield Sample((x, np.array([11, 0, 4]), None), name="axis None")
    yield Sample((_a(rng, (2, 3, 4), dtype), rng.integers(0, 3, (2, 5, 4)), 1),
                 name="3-d, longer axis")


def _put_along_axis_op(arr, indices, values, axis):
    lnp.put_along_axis(arr, indices, values, axis)
    return arr


def _put_along_axis_ref(arr, indices, values, axis):
    arr = arr.copy()
    np.put_along_axis(arr, indices, values, axis)
    return arr


def _put_along_axis_samples(rng, dtype):
    x = _a(rng, (3, 4), dtype)
    yield Sample((x, np.argsort(x, axis=1)[:, :2], _a(rng, (3, 2), dtype), 1), name="axis 1")
    yield Sample((x, np.array([[2, 0, 1, 1]]), _a(rng, (1, 4), dtype), 0), name="axis 0")
    yield Sample((x, np.array([[1], [0], [3]]), 0, -1), name="scalar value")
    yield Sample((x, np.array([0, 7]), _a(rng, (2,), dtype), None), name="axis None")
    yield Sample((x, np.array([[0], [1], [2]]), _a(rng, (1,), dtype), 1),
                 name="broadcast values")


_row("take", _take_samples)
_row("take_along_axis", _take_along_axis_samples)
_row("put_along_axis", _put_along_axis_samples, op=_put_along_axis_op,
     ref=_put_along_axis_ref, xfail=_INPLACE)


# -- sorting and searching -------------------------------------------------------------------------

def _sort_samples(rng, dtype):
    x = _a(rng, (4, 5), dtype, -3, 3)
    yield Sample((x,), name="default axis -1")
    yield Sample((x, 0), name="axis 0")
    yield Sample((x, None), name="axis None")
    yield Sample((_a(rng, (2, 3, 4), dtype, -3, 3),), {"axis": -2, "kind": "mergesort"},
                 name="3-d, kind")
    yield Sample((_a(rng, (), dtype), None), name="0-d, axis None")
    yield Sample((_a(rng, (0, 3), dtype),), name="size 0")
    yield Sample((_a(rng, (7,), dtype, -1, 1),), {"stable": True}, name="ties, stable")
    if np.dtype(dtype).kind == "f":
        y = _a(rng, (6,), dtype)
        y[[1, 4]] = np.nan
        # A NaN has no finite differences: forward only.
        yield Sample((y,), name="NaNs last", grad=False)


def _argsort_ref(a, axis=-1, kind=None, order=None, *, stable=None):
    return np.argsort(a, axis=axis, kind="stable")


def _searchsorted_samples(rng, dtype):
    a = np.sort(_a(rng, (8,), dtype, -3, 3))
    yield Sample((a, _a(rng, (3, 4), dtype, -4, 4)), name="array v")
    yield Sample((a, _a(rng, (5,), dtype, -4, 4), "right"), name="side=right")
    yield Sample((a, a), {"side": "left"}, name="ties left")
    yield Sample((a, a), {"side": "right"}, name="ties right")
    yield Sample((a, 1), name="python scalar")
    perm = rng.permutation(8)
    yield Sample((a[perm], _a(rng, (4,), dtype, -4, 4)), {"sorter": np.argsort(a[perm])},
                 name="sorter")
    yield Sample((a[:0], _a(rng, (3,), dtype)), name="empty a")


def _nonzero_input(rng, dtype, shape):
    x = _a(rng, shape, dtype)
    return x * (rng.random(shape) < 0.5).astype(dtype)


def _nonzero_samples(rng, dtype):
    for shape in ((6,), (3, 4), (2, 3, 4), (0, 3)):
        yield Sample((_nonzero_input(rng, dtype, shape),), name=f"{shape}")
    yield Sample((rng.random((3, 3)) < 0.5,), name="bool")


def _argwhere_samples(rng, dtype):
    yield from _nonzero_samples(rng, dtype)
    yield Sample((np.ones((), dtype),), name="0-d nonzero")
    yield Sample((np.zeros((), dtype),), name="0-d zero")


def _flatnonzero_samples(rng, dtype):
    yield from _argwhere_samples(rng, dtype)


_row("sort", _sort_samples)
_row("argsort", _sort_samples, ref=_argsort_ref, nondiff=True)
_row("searchsorted", _searchsorted_samples, nondiff=True)
_NONZERO = {"test_vmap": "data-dependent output shape: nonzero cannot run under vmap (it "
                         "raises and suggests lnp.where)"}
_row("nonzero", _nonzero_samples, nondiff=True, xfail=_NONZERO)
_row("argwhere", _argwhere_samples, nondiff=True, xfail=_NONZERO)
_row("flatnonzero", _flatnonzero_samples, nondiff=True, xfail=_NONZERO)


# Complex samples for the ops NumPy computes for complex inputs.
with_complex(ROWS, (
    "reshape ravel transpose permute_dims matrix_transpose swapaxes moveaxis expand_dims "
    "squeeze broadcast_to broadcast_arrays flip fliplr flipud diagonal split array_split hsplit "
    "vsplit dsplit unstack copy astype copyto atleast_1d atleast_2d atleast_3d dstack "
    "column_stack roll rot90 tile repeat pad trace tril triu diag diagflat take take_along_axis "
    "put_along_axis sort argsort searchsorted nonzero argwhere flatnonzero "
    "concatenate concat stack vstack hstack ndim shape size "
).strip())
