"""Shape, axis and view logic of the shape/manipulation family against NumPy.

Part 1: Hypothesis draws shapes, axes, sections and pad widths; lamina must agree with NumPy on
the result's shape, dtype and values.
Part 2: view or copy, as NumPy: mutate each result in place and check that the input changed
exactly when NumPy's did (read-only views must refuse the write as NumPy's do), including
random chains of views.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lamina.numpy as lnp

SETTINGS = settings(max_examples=50, deadline=None)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


def _data(shape, dtype=np.float64) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def _same(actual, expected) -> None:
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            _same(a, e)
        return
    got = actual.numpy()
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_array_equal(got, expected)


def _factor_shape(draw, size: int) -> tuple:
    """A random shape of ``size`` elements (at most 4 dims)."""
    dims = []
    rest = size
    for _ in range(draw(st.integers(0, 3))):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0] if rest else [0, 1, 2]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        rest = rest // d if d else rest
    if size == 0 and 0 not in dims:
        dims.append(0)
    elif size:
        dims.append(rest)
    return tuple(dims)


# -- Part 1: shapes and values ---------------------------------------------------------------------

@SETTINGS
@given(shapes, st.data())
def test_reshape_matches_numpy(shape, data):
    x = _data(shape)
    new = _factor_shape(data.draw, x.size)
    if new and x.size and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(new) - 1))
        new = new[:i] + (-1,) + new[i + 1:]
    _same(lnp.reshape(lnp.asarray(x), new), np.reshape(x, new))
    _same(lnp.asarray(x).reshape(*new) if new else lnp.asarray(x).reshape(()),
          x.reshape(new))


@SETTINGS
@given(shapes, st.data())
def test_transpose_matches_numpy(shape, data):
    x = _data(shape)
    n = x.ndim
    perm = data.draw(st.permutations(range(n)))
    signed = tuple(p - n if data.draw(st.booleans()) else p for p in perm)
    _same(lnp.transpose(lnp.asarray(x), signed), np.transpose(x, signed))
    _same(lnp.transpose(lnp.asarray(x)), np.transpose(x))
    _same(lnp.asarray(x).T, x.T)


@SETTINGS
@given(nonempty_shapes, st.data())
def test_moveaxis_matches_numpy(shape, data):
    x = _data(shape)
    n = x.ndim
    k = data.draw(st.integers(1, n))
    src = data.draw(st.permutations(range(n)))[:k]
    dst = data.draw(st.permutations(range(n)))[:k]
    src = [s - n if data.draw(st.booleans()) else s for s in src]
    if k == 1 and data.draw(st.booleans()):
        src, dst = src[0], dst[0]
    _same(lnp.moveaxis(lnp.asarray(x), src, dst), np.moveaxis(x, src, dst))


@SETTINGS
@given(nonempty_shapes, st.data())
def test_swapaxes_expand_squeeze_match_numpy(shape, data):
    x = _data(shape)
    n = x.ndim
    i, j = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    _same(lnp.swapaxes(lnp.asarray(x), i, j), np.swapaxes(x, i, j))
    k = data.draw(st.integers(1, 3))
    axes = tuple(data.draw(st.permutations(range(n + k)))[:k])
    _same(lnp.expand_dims(lnp.asarray(x), axes), np.expand_dims(x, axes))
    ones = tuple(a for a in range(n) if x.shape[a] == 1)
    _same(lnp.squeeze(lnp.asarray(x)), np.squeeze(x))
    if ones:
        sub = tuple(data.draw(st.permutations(ones))[: data.draw(st.integers(1, len(ones)))])
        _same(lnp.squeeze(lnp.asarray(x), sub), np.squeeze(x, sub))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3), st.data())
def test_concatenate_and_stack_match_numpy(shape, data):
    n = len(shape)
    axis = data.draw(st.integers(-n, n - 1))
    lengths = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    arrays = []
    for i, length in enumerate(lengths):
        s = list(shape)
        s[axis] = length
        arrays.append(_data(s) + 100 * i)
    _same(lnp.concatenate([lnp.asarray(a) for a in arrays], axis),
          np.concatenate(arrays, axis))
    _same(lnp.concatenate(arrays, axis=None), np.concatenate(arrays, axis=None))
    same = [_data(shape) + i for i in range(len(lengths))]
    stack_axis = data.draw(st.integers(-n - 1, n))
    _same(lnp.stack([lnp.asarray(a) for a in same], stack_axis), np.stack(same, stack_axis))
    _same(lnp.vstack(same), np.vstack(same))
    _same(lnp.hstack(same), np.hstack(same))
    _same(lnp.dstack(same), np.dstack(same))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=7), st.data())
def test_split_matches_numpy(shape, data):
    x = _data(shape)
    n = x.ndim
    axis = data.draw(st.integers(-n, n - 1))
    length = shape[axis]
    sections = data.draw(st.integers(1, 8))
    _same(lnp.array_split(lnp.asarray(x), sections, axis), np.array_split(x, sections, axis))
    if length % sections == 0:
        _same(lnp.split(lnp.asarray(x), sections, axis), np.split(x, sections, axis))
    else:
        with pytest.raises(ValueError, match="equal division"):
            lnp.split(lnp.asarray(x), sections, axis)
    indices = data.draw(st.lists(st.integers(-length - 2, length + 2), max_size=4))
    _same(lnp.split(lnp.asarray(x), indices, axis), np.split(x, indices, axis))
    _same(lnp.array_split(lnp.asarray(x), indices, axis), np.array_split(x, indices, axis))


@SETTINGS
@given(shapes, st.data())
def test_roll_tile_repeat_match_numpy(shape, data):
    x = _data(shape)
    n = x.ndim
    shift = data.draw(st.integers(-9, 9))
    _same(lnp.roll(lnp.asarray(x), shift), np.roll(x, shift))
    if n:
        axes = tuple(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3)))
        shifts = tuple(data.draw(st.integers(-5, 5)) for _ in axes)
        _same(lnp.roll(lnp.asarray(x), shifts, axes), np.roll(x, shifts, axes))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), max_size=4)))
    _same(lnp.tile(lnp.asarray(x), reps), np.tile(x, reps))
    count = data.draw(st.integers(0, 3))
    _same(lnp.repeat(lnp.asarray(x), count), np.repeat(x, count))
    if n:
        axis = data.draw(st.integers(-n, n - 1))
        counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[axis],
                                    max_size=shape[axis]))
        _same(lnp.repeat(lnp.asarray(x), counts, axis), np.repeat(x, counts, axis))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), st.data())
def test_pad_matches_numpy(shape, data):
    x = _data(shape)
    widths = tuple((data.draw(st.integers(0, 6)), data.draw(st.integers(0, 6)))
                   for _ in shape)
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    kwargs = {"constant_values": data.draw(st.integers(-3, 3))} if mode == "constant" else {}
    _same(lnp.pad(lnp.asarray(x), widths, mode, **kwargs), np.pad(x, widths, mode, **kwargs))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), st.data())
def test_triangles_diagonals_match_numpy(shape, data):
    x = _data(shape)
    k = data.draw(st.integers(-5, 5))
    _same(lnp.tril(lnp.asarray(x), k), np.tril(x, k))
    _same(lnp.triu(lnp.asarray(x), k), np.triu(x, k))
    if x.ndim == 1:
        _same(lnp.diag(lnp.asarray(x), k), np.diag(x, k))
    if x.ndim >= 2:
        n = x.ndim
        a1 = data.draw(st.integers(-n, n - 1))
        a2 = data.draw(st.integers(-n, n - 1).filter(lambda a: a % n != a1 % n))
        _same(lnp.diagonal(lnp.asarray(x), k, a1, a2), np.diagonal(x, k, a1, a2))


@SETTINGS
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5), st.data())
def test_sort_and_take_along_axis_match_numpy(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-3, 3, size=shape).astype(np.float64)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    order = np.argsort(x, axis=axis, kind="stable")
    _same(lnp.sort(lnp.asarray(x), axis), np.sort(x, axis))
    _same(lnp.argsort(lnp.asarray(x), axis), order)
    _same(lnp.take_along_axis(lnp.asarray(x), order, axis), np.take_along_axis(x, order, axis))


# -- Part 2: view or copy, as NumPy --------------------------------------------------------------

def _ro_broadcast_arrays(xp, x):
    out = xp.broadcast_arrays(x, xp.zeros((2, 1)))
    if xp is np:  # NumPy only warns on writes (deprecated); lamina's are read-only views
        out = [np.lib.stride_tricks.as_strided(r, writeable=False) for r in out]
    return out


VIEW_CASES = [
    ("reshape", (2, 6), lambda xp, x: xp.reshape(x, (3, 4))),
    ("reshape of transpose (copy)", (2, 6), lambda xp, x: xp.reshape(xp.transpose(x), (-1,))),
    ("reshape of transpose (view)", (2, 6), lambda xp, x: xp.reshape(x.T, (6, 1, 2))),
    ("reshape of strided (view)", (2, 6), lambda xp, x: xp.reshape(x[:, ::2], (6,))),
    ("ravel", (2, 6), lambda xp, x: xp.ravel(x)),
    ("ravel of transpose", (2, 6), lambda xp, x: xp.ravel(x.T)),
    ("ravel of strided", (2, 6), lambda xp, x: xp.ravel(x[:, ::2])),
    ("ravel of row", (2, 6), lambda xp, x: xp.ravel(x[1])),
    ("transpose", (2, 3, 4), lambda xp, x: xp.transpose(x, (1, 2, 0))),
    ("permute_dims", (2, 3, 4), lambda xp, x: xp.permute_dims(x, (1, 2, 0))),
    ("matrix_transpose", (2, 3, 4), lambda xp, x: xp.matrix_transpose(x)),
    ("swapaxes", (2, 3, 4), lambda xp, x: xp.swapaxes(x, 0, 2)),
    ("moveaxis", (2, 3, 4), lambda xp, x: xp.moveaxis(x, 0, -1)),
    ("expand_dims", (2, 3), lambda xp, x: xp.expand_dims(x, (0, 2))),
    ("squeeze", (1, 3, 1), lambda xp, x: xp.squeeze(x)),
    ("broadcast_to", (3,), lambda xp, x: xp.broadcast_to(x, (2, 3))),
    ("broadcast_arrays", (3,), _ro_broadcast_arrays),
    ("flip", (2, 3), lambda xp, x: xp.flip(x)),
    ("fliplr", (2, 3), lambda xp, x: xp.fliplr(x)),
    ("flipud", (2, 3), lambda xp, x: xp.flipud(x)),
    ("diagonal", (3, 3), lambda xp, x: xp.diagonal(x)),
    ("split", (6, 2), lambda xp, x: xp.split(x, 3)),
    ("array_split", (7, 2), lambda xp, x: xp.array_split(x, 3)),
    ("hsplit", (2, 6), lambda xp, x: xp.hsplit(x, [1, 4])),
    ("vsplit", (4, 2), lambda xp, x: xp.vsplit(x, 2)),
    ("dsplit", (2, 2, 4), lambda xp, x: xp.dsplit(x, 2)),
    ("split of transpose", (2, 6), lambda xp, x: xp.split(x.T, 2, axis=1)),
    ("unstack", (3, 2), lambda xp, x: xp.unstack(x, axis=1)),
    ("concatenate", (2, 3), lambda xp, x: xp.concatenate([x])),
    ("stack", (2, 3), lambda xp, x: xp.stack([x])),
    ("copy", (2, 3), lambda xp, x: xp.copy(x)),
    ("astype", (2, 3), lambda xp, x: xp.astype(x, np.float64)),
    ("atleast_1d of 0-d", (), lambda xp, x: xp.atleast_1d(x)),
    ("atleast_1d of 1-d", (3,), lambda xp, x: xp.atleast_1d(x)),
    ("atleast_2d of 1-d", (3,), lambda xp, x: xp.atleast_2d(x)),
    ("atleast_2d of 2-d", (2, 3), lambda xp, x: xp.atleast_2d(x)),
    ("atleast_3d of 1-d", (3,), lambda xp, x: xp.atleast_3d(x)),
    ("atleast_3d of 2-d", (2, 3), lambda xp, x: xp.atleast_3d(x)),
    ("atleast_3d of transpose", (2, 3), lambda xp, x: xp.atleast_3d(x.T)),
    ("atleast_3d, two inputs", (2, 3), lambda xp, x: xp.atleast_3d(x, x[0])),
    ("vstack", (2, 3), lambda xp, x: xp.vstack([x])),
    ("hstack", (2, 3), lambda xp, x: xp.hstack([x])),
    ("dstack", (2, 3), lambda xp, x: xp.dstack([x])),
    ("column_stack", (2, 3), lambda xp, x: xp.column_stack([x])),
    ("roll", (2, 3), lambda xp, x: xp.roll(x, 0)),
    ("rot90 k=0", (2, 3), lambda xp, x: xp.rot90(x, 0)),
    ("rot90 k=1", (2, 3), lambda xp, x: xp.rot90(x, 1)),
    ("rot90 k=2", (2, 3), lambda xp, x: xp.rot90(x, 2)),
    ("rot90 k=3", (2, 3, 2), lambda xp, x: xp.rot90(x, 3, axes=(2, 1))),
    ("tile", (2, 3), lambda xp, x: xp.tile(x, 1)),
    ("repeat", (2, 3), lambda xp, x: xp.repeat(x, 1, axis=0)),
    ("pad", (2, 3), lambda xp, x: xp.pad(x, 0)),
    ("tril", (3, 3), lambda xp, x: xp.tril(x)),
    ("triu", (3, 3), lambda xp, x: xp.triu(x)),
    ("take", (2, 3), lambda xp, x: xp.take(x, [0, 1], axis=0)),
    ("take_along_axis", (2, 3),
     lambda xp, x: xp.take_along_axis(x, np.array([[0, 1, 2]]), axis=1)),
    ("diag of 1-d", (3,), lambda xp, x: xp.diag(x)),
    ("diag of 2-d", (3, 3), lambda xp, x: xp.diag(x, 1)),
    ("diagflat", (3,), lambda xp, x: xp.diagflat(x)),
    ("sort", (2, 3), lambda xp, x: xp.sort(x)),
    ("trace", (2, 3), lambda xp, x: xp.atleast_1d(xp.trace(x))),
    ("rot90 of a strided view, transposed", (4, 6), lambda xp, x: xp.rot90(x[1:, ::2]).T),
    ("reshape of rot90", (4, 6), lambda xp, x: xp.reshape(xp.rot90(x), (-1,))),
    ("reshape of flip", (6,), lambda xp, x: xp.reshape(xp.flip(x), (2, 3))),
]


def _outputs(r) -> list:
    return list(r) if isinstance(r, (list, tuple)) else [r]


def _mutate(results) -> list[str]:
    kinds = []
    for r in results:
        try:
            r += 100
            kinds.append("written")
        except ValueError:
            kinds.append("read-only")
    return kinds


@pytest.mark.parametrize("name, shape, fn", VIEW_CASES, ids=[c[0] for c in VIEW_CASES])
def test_view_or_copy_as_numpy(name, shape, fn):
    x_np = _data(shape)
    x_lm = lnp.asarray(x_np.copy())
    res_np, res_lm = _outputs(fn(np, x_np)), _outputs(fn(lnp, x_lm))
    assert _mutate(res_lm) == _mutate(res_np), "writeable flags differ from NumPy's"
    np.testing.assert_array_equal(x_lm.numpy(), x_np, err_msg=f"{name}: input after write")
    # And the other way: a write into the input shows in the views only.
    x_np += 1000
    x_lm += 1000
    for r_lm, r_np in zip(res_lm, res_np, strict=True):
        np.testing.assert_array_equal(r_lm.numpy(), r_np, err_msg=f"{name}: view after write")


def _view_step(draw, shape):
    """One random view op valid for ``shape``: (name, function of (xp, x))."""
    n = len(shape)
    options = ["transpose", "reshape", "ravel", "expand_dims", "slice", "atleast_3d"]
    if n:
        options += ["flip", "swapaxes", "moveaxis", "split", "squeeze"]
    if n >= 2:
        options += ["rot90"]
    op = draw(st.sampled_from(options))
    if op == "transpose":
        perm = tuple(draw(st.permutations(range(n))))
        return op, lambda xp, x: xp.transpose(x, perm)
    if op == "reshape":
        new = _factor_shape(draw, int(np.prod(shape)))
        return op, lambda xp, x: xp.reshape(x, new)
    if op == "ravel":
        return op, lambda xp, x: xp.ravel(x)
    if op == "expand_dims":
        ax = draw(st.integers(-n - 1, n))
        return op, lambda xp, x: xp.expand_dims(x, ax)
    if op == "atleast_3d":
        return op, lambda xp, x: xp.atleast_3d(x)
    if op == "slice":
        index = tuple(slice(draw(st.integers(0, 1)), None, draw(st.sampled_from([1, 2, -1])))
                      for _ in range(n))
        return op, lambda xp, x: x[index]
    ax = draw(st.integers(-n, n - 1))
    if op == "flip":
        return op, lambda xp, x: xp.flip(x, ax)
    if op == "swapaxes":
        ax2 = draw(st.integers(-n, n - 1))
        return op, lambda xp, x: xp.swapaxes(x, ax, ax2)
    if op == "moveaxis":
        dst = draw(st.integers(-n, n - 1))
        return op, lambda xp, x: xp.moveaxis(x, ax, dst)
    if op == "split":
        piece = draw(st.integers(0, 2))
        return op, lambda xp, x: xp.array_split(x, 3, ax)[piece]
    if op == "squeeze":
        return op, lambda xp, x: xp.squeeze(x)
    k = draw(st.integers(-1, 3))
    return op, lambda xp, x: xp.rot90(x, k, axes=(0, n - 1))


@settings(max_examples=60, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), st.data())
def test_random_view_chains_as_numpy(shape, data):
    x_np = _data(shape)
    x_lm = lnp.asarray(x_np.copy())
    r_np, r_lm = x_np, x_lm
    names = []
    for _ in range(data.draw(st.integers(1, 4))):
        name, step = _view_step(data.draw, r_np.shape)
        names.append(name)
        r_np, r_lm = step(np, r_np), step(lnp, r_lm)
        _same(r_lm, r_np)
    r_np += 100
    r_lm += 100
    np.testing.assert_array_equal(x_lm.numpy(), x_np, err_msg=f"chain {names}")
    x_np *= -1
    x_lm *= -1
    np.testing.assert_array_equal(r_lm.numpy(), r_np, err_msg=f"chain {names}")


def test_put_along_axis_writes_through_views():
    x_np = _data((3, 4))
    x_lm = lnp.asarray(x_np.copy())
    idx = np.array([[1], [0]])
    np.put_along_axis(x_np.T[1:3], idx, -1.0, axis=1)
    lnp.put_along_axis(x_lm.T[1:3], idx, -1.0, axis=1)
    np.testing.assert_array_equal(x_lm.numpy(), x_np)
