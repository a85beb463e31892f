"""Views and in-place ops: the same program on NumPy and on lamina.numpy gives the same arrays.

Each program takes an array namespace ``xp`` (``numpy`` or ``lamina.numpy``), builds its
inputs with ``xp.asarray``, mutates through views, and returns the arrays to compare. Where
NumPy raises, the program asserts it with ``raises(...)``, so both libraries must raise the
same builtin exception type, and what it returns afterwards shows that nothing changed.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

PROGRAMS: list = []


def program(fn):
    PROGRAMS.append(fn)
    return fn


def arange(xp, *shape, dtype=np.float64):
    """``xp.arange(n).reshape(shape)`` built from NumPy (lamina's arange may be missing)."""
    n = int(np.prod(shape)) if shape else 1
    return xp.asarray(np.arange(n).astype(dtype).reshape(shape))


@contextlib.contextmanager
def raises(kind, match=None):
    with pytest.raises(kind, match=match):
        yield


def _as_tuple(out):
    return out if isinstance(out, (tuple, list)) else (out,)


def run_both(prog):
    """Run ``prog`` on NumPy and on lamina.numpy; the returned arrays must be equal."""
    expected = _as_tuple(prog(np))
    actual = _as_tuple(prog(lnp))
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        where = f"{prog.__name__}: output {i}"
        if isinstance(e, (bool, int, float, complex)) and not isinstance(e, np.generic):
            assert a == e, where
            continue
        assert isinstance(a, lm.Tensor), f"{where}: {type(a)} is not a lamina Tensor"
        e = np.asarray(e)
        assert a.shape == e.shape, f"{where}: shape {a.shape} != {e.shape}"
        assert a.dtype == e.dtype, f"{where}: dtype {a.dtype} != {e.dtype}"
        np.testing.assert_array_equal(a.numpy(), e, err_msg=where)


@pytest.mark.parametrize("prog", PROGRAMS, ids=lambda p: p.__name__)
def test_same_as_numpy(prog):
    run_both(prog)


@pytest.mark.parametrize("prog", PROGRAMS, ids=lambda p: p.__name__)
def test_same_as_numpy_eager(prog):
    with lm.config.override(eager=True):
        run_both(prog)


# -- views alias their base --------------------------------------------------------------------

@program
def row_view_iadd(xp):
    x = arange(xp, 3, 4)
    r = x[0]
    r += 1
    return x, r


@program
def transpose_setitem(xp):
    x = arange(xp, 3, 4)
    x.T[0, 1] = 5
    return x


@program
def view_of_view(xp):
    x = arange(xp, 4, 5)
    v = x[1:]
    w = v[:, ::2]
    w[0, 1] = -1
    w[-1] *= 10
    return x, v, w


@program
def view_read_after_base_changed(xp):
    x = arange(xp, 3, 4)
    col = x[:, 1]
    x += 10
    x[2, 1] = -3
    return col


@program
def two_views_see_each_other(xp):
    x = arange(xp, 3, 4)
    a = x[0]
    b = x[:, 0]
    a[0] = 100
    first = b.copy()
    b[2] = -5
    return first, a, b, x


@program
def deep_chain_read_after_write(xp):
    x = arange(xp, 4, 6)
    a = x[1:]
    b = a[1:, ::-1]
    c = b.T[2:]
    x[3, 0] = 42
    a[1, 5] = -42
    return b, c


@program
def split_pieces_are_views(xp):
    x = arange(xp, 6, 2)
    pieces = xp.split(x, 3)
    pieces[1] += 1
    pieces[2][0, 0] = -1
    return x, pieces[0], pieces[1]


@program
def array_split_uneven_views(xp):
    x = arange(xp, 7)
    pieces = xp.array_split(x, 3)
    pieces[0][...] = 0
    pieces[2] -= 100
    return x


@program
def iteration_rows_are_views(xp):
    x = arange(xp, 3, 4)
    for row in x:
        row *= 2
    return x


@program
def iteration_1d_items_are_copies(xp):
    x = arange(xp, 3)
    items = list(x)
    x[0] = 100
    return items[0], x


@program
def unstack_items_are_views(xp):
    x = arange(xp, 3, 4)
    rows = xp.unstack(x)
    rows[2][1] = 7
    first_col = xp.unstack(x, axis=1)[0]
    first_col += 1000
    return x


@program
def reshape_view_writes_propagate(xp):
    x = arange(xp, 3, 4)
    y = x.reshape(-1)
    y[0] = 99
    z = x.reshape(2, 6)
    z[1] += 1
    return x, y, z


@program
def reshape_copy_writes_do_not_propagate(xp):
    x = arange(xp, 3, 4)
    y = x.T.reshape(-1)  # NumPy copies here: the transpose is not contiguous
    y[0] = 99
    return x, y


@program
def ravel_of_strided_is_a_copy(xp):
    x = arange(xp, 3, 4)
    y = x[:, ::2].ravel()
    y += 1
    z = x[1:].ravel()  # contiguous rows: a view
    z[0] = -1
    return x, y


@program
def reshape_of_slice_view(xp):
    x = arange(xp, 4, 6)
    y = x[1:3].reshape(3, 4)
    y[0, 0] = -7
    return x


@program
def swapaxes_moveaxis_expand_squeeze(xp):
    x = arange(xp, 2, 3, 4)
    xp.swapaxes(x, 0, 2)[0, 1, 0] = -1
    xp.moveaxis(x, 0, -1)[2, 3] = -2
    xp.expand_dims(x, 1)[1, 0, 0, 0] = -3
    xp.squeeze(x[:1])[2, 2] = -4
    return x


@program
def flip_is_a_view(xp):
    x = arange(xp, 3, 4)
    f = xp.flip(x, 0)
    f[0, 0] = -1
    g = x[::-1, ::-1]
    g[0, 0] += 100
    return x


@program
def newaxis_view(xp):
    x = arange(xp, 3, 4)
    n = x[None, :, None]
    n[0, 1, 0, 2] = -8
    return x, n


@program
def zero_d_views_and_scalars(xp):
    x = arange(xp, 2, 3)
    s_view = x[1, 2, ...]  # 0-d view
    s_view += 100
    s_copy = x[0, 0]  # NumPy returns a scalar: a copy
    x[0, 0] = -1
    return x, s_view, s_copy


@program
def full_integer_index_is_a_copy(xp):
    x = arange(xp, 4)
    s = x[2]
    x[2] = 50
    return s, x


@program
def advanced_index_results_are_copies(xp):
    x = arange(xp, 3, 4)
    c = x[[0, 1]]
    c[0, 0] = 1000
    m = x[x > 5]
    m[:] = 0
    d = x[:, [True, False, True, False]]
    d += 1
    return x, c, m, d


@program
def setitem_through_view_with_advanced_index(xp):
    x = arange(xp, 4, 4)
    v = x[1:]
    v[[0, 1], [1, 2]] = 0
    v[v > 12] = -1
    return x


@program
def inplace_on_indexed_results(xp):
    x = arange(xp, 4, 3)
    x[0] += 1
    x[:, 1] *= 2
    x[[0, 2]] += 1
    x[[0, 0, 0]] += 10  # NumPy semantics: no accumulation for duplicates
    x[x > 20] -= 3
    x[1:3, [0, 2]] //= 2
    x[..., -1] **= 2
    return x


@program
def inplace_integer_ops(xp):
    x = arange(xp, 3, 4, dtype=np.int64)
    x[1] <<= 2
    x[:, 0] |= 1
    x[2] %= 3
    x[0] ^= 5
    x[0, ...] &= 6
    x >>= 1
    return x


@program
def overlapping_inplace(xp):
    x = arange(xp, 6)
    x[1:] += x[:-1]  # the right side is read before the write, as in NumPy
    y = arange(xp, 6)
    y[1:] = y[:-1]
    return x, y


@program
def out_argument_into_views(xp):
    x = arange(xp, 3, 4)
    xp.add(x[0], 1, out=x[1])
    xp.multiply(x[:, 0], x[:, 1], out=x[:, 3])
    xp.negative(x[2, ::2], out=x[2, ::2])
    return x


@program
def copyto_and_fill_views(xp):
    x = arange(xp, 3, 4)
    xp.copyto(x[:, 0], 5.0)
    xp.copyto(x[2], xp.asarray(np.array([1.0, 2.0, 3.0, 4.0])), where=np.array([1, 0, 1, 0]) > 0)
    x[1].fill(9)
    return x


@program
def real_part_of_real_array_is_a_view(xp):
    x = arange(xp, 2, 3)
    xp.real(x)[0, 0] = 5
    return x


@program
def complex_parts_views(xp):
    x = xp.asarray(np.arange(4) + 1j * np.arange(4)[::-1])
    x.real[1] = -1
    x.imag[2:] *= 10
    return x


@program
def ellipsis_setitem_whole(xp):
    x = arange(xp, 2, 3)
    v = x[:, 1:]
    x[...] = -1
    x[:] = arange(xp, 3)
    return x, v


@program
def views_keep_dtype(xp):
    x = arange(xp, 3, 4, dtype=np.float32)
    r = x[1]
    r += 1.5
    i = arange(xp, 3, 4, dtype=np.int32)
    c = i[:, 2]
    c *= 3
    return x, i


@program
def sort_method_on_a_view(xp):
    x = xp.asarray(np.array([[3.0, 1.0, 2.0], [9.0, 7.0, 8.0]]))
    x[1].sort()
    return x


@program
def view_of_base_after_many_writes(xp):
    x = arange(xp, 5)
    v = x[1:4]
    for i in range(5):
        x[i] += i
        v[0] -= 1
    return x, v


# -- read-only views ---------------------------------------------------------------------------

@program
def broadcast_to_is_read_only(xp):
    x = arange(xp, 3)
    b = xp.broadcast_to(x, (2, 3))
    with raises(ValueError, match="read-only"):
        b[0, 0] = 1
    with raises(ValueError):
        b += 1
    with raises(ValueError, match="read-only"):
        b[0][1] = 5  # a view of a read-only view is read-only
    return x, b


@program
def diagonal_is_read_only(xp):
    x = arange(xp, 3, 3)
    d = xp.diagonal(x)
    with raises(ValueError, match="read-only"):
        d[0] = 1
    with raises(ValueError):
        d *= 2
    x[1, 1] = -1  # the base stays writable, and the diagonal sees the write
    return x, d


# -- nothing is lost or half-mutated when an in-place op fails --------------------------------

@program
def failed_cast_leaves_everything(xp):
    x = arange(xp, 2, 3, dtype=np.int64)
    row = x[0]
    with raises(TypeError):
        x += 1.5
    with raises(TypeError):
        row *= 0.5
    with raises(TypeError):
        x[1] += 0.5
    return x, row


@program
def failed_shape_leaves_everything(xp):
    x = arange(xp, 3, 4)
    col = x[:, 0]
    with raises(ValueError):
        x += np.ones(3)
    with raises(ValueError):
        col += np.ones(4)
    with raises(ValueError):
        x[0] = np.ones(3)
    with raises(ValueError):
        x[[0, 1]] = np.ones((3, 4))
    with raises(ValueError):
        x[x > 3] = np.ones(2)
    return x, col


@program
def failed_index_leaves_everything(xp):
    x = arange(xp, 3, 4)
    v = x[1:]
    with raises(IndexError):
        x[5] = 0
    with raises(IndexError):
        v[[0, 7]] = 1
    with raises(IndexError):
        x[np.array([True, False])] = 1
    with raises(IndexError):
        x[0, 0, 0] = 1
    return x, v


@program
def failed_overflow_leaves_everything(xp):
    x = arange(xp, 4, dtype=np.int8)
    v = x[1:]
    with raises(OverflowError):
        x[0] = 300
    with raises(OverflowError):
        v[1] = -129
    with raises(ValueError):
        x[1] = float("nan")
    return x, v


@program
def failed_read_only_write_leaves_base(xp):
    x = arange(xp, 3)
    b = xp.broadcast_to(x, (2, 3))
    with raises(ValueError):
        b[...] = 0
    x[0] = 7
    return x, b


# -- lamina-only checks of the same guarantees -------------------------------------------------

@lm.config.override(eager=False)
def test_pending_index_array_out_of_bounds_leaves_tensor_intact():
    x = lnp.asarray(np.arange(6.0))
    idx = lnp.asarray(np.array([1, 2])) * 4  # pending: [4, 8]
    assert lm.lazy.is_pending(idx)
    with pytest.raises(IndexError, match="index 8 is out of bounds for axis 0 with size 6"):
        x[idx] = 0.0
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0))


def test_failed_write_through_view_chain_leaves_all_aliases():
    x = lnp.asarray(np.arange(12.0).reshape(3, 4))
    a = x[1:]
    b = a[:, ::2]
    c = x.T
    before = [t.numpy() for t in (x, a, b, c)]
    for bad in (lambda: b.__iadd__(np.ones(3)), lambda: b.__setitem__(0, np.ones(5)),
                lambda: b.__setitem__((0, 9), 1.0)):
        with pytest.raises((ValueError, IndexError)):
            bad()
    for t, old in zip((x, a, b, c), before, strict=True):
        np.testing.assert_array_equal(t.numpy(), old)


@lm.config.override(eager=False)
def test_mask_assignment_of_a_scalar_stays_lazy():
    x = lnp.asarray(np.arange(12.0).reshape(3, 4)) + 0.0
    lm.lazy.reset_metrics()
    x[x > 5] = 0.0
    x[x[:, 0] > 3] = -1.0  # a mask over the leading axis, a scalar value
    x[x[:, 0] < 0] = lnp.asarray(np.arange(4.0))  # a row value that broadcasts
    assert lm.lazy.is_pending(x)
    assert lm.lazy.metrics()["fallbacks"] == 0
    a = np.arange(12.0).reshape(3, 4)
    a[a > 5] = 0.0
    a[a[:, 0] > 3] = -1.0
    a[a[:, 0] < 0] = np.arange(4.0)
    np.testing.assert_array_equal(x.numpy(), a)


def test_broadcast_arrays_are_read_only():
    # NumPy still hands out writable broadcast_arrays with a DeprecationWarning and announces
    # read-only results; lamina gives the announced behaviour.
    a, b = lnp.broadcast_arrays(lnp.asarray(np.arange(3.0)), lnp.asarray(np.ones((2, 1))))
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        a[0, 0] = 1.0
    assert not a.flags.writeable


def test_views_share_storage_and_base():
    x = lnp.asarray(np.arange(6.0))
    v = x[1:]
    assert v.base is x and x.base is None
    # As in NumPy, the base of a view of a view is the tensor that owns the data.
    assert v[1:].T.base is x and x.reshape(2, 3)[0].base is x
    # Without a live owner handle, base is one tensor on the data, the same on each access.
    y = lnp.arange(4.0)[1:]
    assert y.base is y.base and y.base.tolist() == [0.0, 1.0, 2.0, 3.0]
    y.base[0] = 9.0
    assert y.base.tolist()[0] == 9.0
    assert not v.flags.owndata and x.flags.owndata
    assert x[[0, 1]].base is None  # advanced indexing copies
