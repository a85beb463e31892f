"""Every view op aliases exactly as in NumPy, eagerly and inside ``functionalize``.

One program per view op (issue 6, item 2): it makes the view, writes through it, snapshots the
base and a second alias, writes through the second alias (or the base), and returns the base,
the view, the alias and the snapshots. The program runs on NumPy (the reference) and on
lamina.numpy lazily, eagerly, and under ``lm.functionalize`` with both ``remove`` modes; every
returned array, and the caller's base afterwards, must equal NumPy's (dtype, shape, values).
Read-only views (``diagonal``, ``broadcast_to``) refuse the write with NumPy's ValueError in
all of these, and leave everything as it was.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from tests.api.test_views import raises

VIEW_OPS: dict = {}


def view_op(shape, *, complex_input=False):
    def register(fn):
        n = int(np.prod(shape))
        base = np.arange(n, dtype=np.float64).reshape(shape)
        if complex_input:
            base = base + 1j * base[::-1]
        VIEW_OPS[fn.__name__] = (fn, base)
        return fn
    return register


# -- basic indexing ------------------------------------------------------------------------------

@view_op((3, 4))
def index_int(xp, x):
    v = x[1]  # a row: a view (an integer on every axis would give a copy)
    a = x[:, 2]
    s = x[1, 2]  # NumPy's scalar: a copy
    v[2] = -1.0
    v *= 2.0
    snapshot = (x.copy(), a.copy())
    a += 10.0
    return x, v, a, s, *snapshot


@view_op((4, 4))
def index_slice(xp, x):
    v = x[1:3]
    a = x[2:, 1:]
    v[0, :2] = -1.0
    v += 0.5
    snapshot = (x.copy(), a.copy())
    a[0] *= 3.0
    return x, v, a, *snapshot


@view_op((4, 6))
def index_step(xp, x):
    v = x[::2, ::-3]
    a = x[1:, ::2]
    v[1] = -1.0
    v *= 2.0
    snapshot = (x.copy(), a.copy())
    a[1:, 1] += 100.0
    return x, v, a, *snapshot


@view_op((3, 4))
def index_none(xp, x):
    v = x[None, :, None, 1:]
    a = x[1, None]
    v[0, 1, 0, 0] = -1.0
    v[0, 2] *= 3.0
    snapshot = (x.copy(), a.copy())
    a += 7.0
    return x, v, a, *snapshot


@view_op((2, 3, 4))
def index_ellipsis(xp, x):
    v = x[..., 1]
    a = x[1, ...]
    v[1, 2] = -1.0
    v -= 5.0
    snapshot = (x.copy(), a.copy())
    a[...] = 0.5 * a
    return x, v, a, *snapshot


# -- axes permutations ---------------------------------------------------------------------------

@view_op((2, 3, 4))
def transpose(xp, x):
    v = xp.transpose(x, (2, 0, 1))
    a = x.transpose()
    v[1, 0] = -1.0
    v[3] *= 2.0
    snapshot = (x.copy(), a.copy())
    a[0, 1] += 100.0
    return x, v, a, *snapshot


@view_op((3, 4))
def dot_T(xp, x):
    v = x.T
    a = x[1:]
    v[0] = -1.0
    v[1:, 2] += v[1:, 0]
    snapshot = (x.copy(), a.copy())
    a.T[3] *= 10.0
    return x, v, a, *snapshot


@view_op((2, 3, 4))
def swapaxes(xp, x):
    v = xp.swapaxes(x, 0, 2)
    a = x.swapaxes(1, 2)
    v[0, 1] = -1.0
    v[2] *= 3.0
    snapshot = (x.copy(), a.copy())
    a[1, 0] += 100.0
    return x, v, a, *snapshot


@view_op((2, 3, 4))
def moveaxis(xp, x):
    v = xp.moveaxis(x, 0, -1)
    a = xp.moveaxis(x, [1, 2], [0, 1])
    v[2, 3] = -2.0
    v[0] *= 5.0
    snapshot = (x.copy(), a.copy())
    a[1, 1] += 100.0
    return x, v, a, *snapshot


# -- reshaping -----------------------------------------------------------------------------------

@view_op((3, 4))
def reshape(xp, x):
    v = x.reshape(2, 6)
    a = xp.reshape(x, (4, 3))
    c = x.T.reshape(12)  # NumPy copies: the transpose is not contiguous
    v[1, ::2] = -1.0
    v[0] *= 2.0
    c[0] = 99.0
    snapshot = (x.copy(), a.copy())
    a[3] += 100.0
    return x, v, a, c, *snapshot


@view_op((3, 4))
def ravel(xp, x):
    v = x.ravel()
    a = xp.ravel(x[1:])  # contiguous rows: a view
    c = x[:, ::2].ravel()  # strided: a copy
    v[::5] = -1.0
    v[6:] *= 2.0
    c += 1000.0
    snapshot = (x.copy(), a.copy())
    a[0] = 42.0
    return x, v, a, c, *snapshot


@view_op((3, 4))
def expand_dims(xp, x):
    v = xp.expand_dims(x, 1)
    a = xp.expand_dims(x, (0, 3))
    v[1, 0, 2] = -1.0
    v[2] *= 3.0
    snapshot = (x.copy(), a.copy())
    a[0, :, 0, 0] += 100.0
    return x, v, a, *snapshot


@view_op((3, 1, 4))
def squeeze(xp, x):
    v = xp.squeeze(x)
    a = x.squeeze(1)[1:]
    v[0, 1] = -1.0
    v[:, 3] *= 2.0
    snapshot = (x.copy(), a.copy())
    a[1] += 100.0
    return x, v, a, *snapshot


@view_op((3, 4))
def flip(xp, x):
    v = xp.flip(x, 0)
    a = xp.flip(x)
    v[0] = -1.0
    v[:, 1] *= 3.0
    snapshot = (x.copy(), a.copy())
    a[1, :2] += 100.0
    return x, v, a, *snapshot


# -- read-only views: the write raises, nothing changes ----------------------------------------

@view_op((3, 3))
def diagonal(xp, x):
    v = xp.diagonal(x)
    a = x.diagonal(1)
    with raises(ValueError, match="read-only"):
        v[0] = -1.0
    with raises(ValueError, match="read-only"):
        v *= 2.0
    with raises(ValueError, match="read-only"):
        a[...] = 0.0
    snapshot = (x.copy(), v.copy(), a.copy())
    x[1, 1] = -1.0  # the base stays writable, and both diagonals see its writes
    x[0, 1] *= 10.0
    return x, v, a, *snapshot


@view_op((3,))
def broadcast_to(xp, x):
    v = xp.broadcast_to(x, (2, 3))
    a = xp.broadcast_to(x[1:], (2, 2, 2))
    with raises(ValueError, match="read-only"):
        v[0, 0] = -1.0
    with raises(ValueError, match="read-only"):
        v += 1.0
    with raises(ValueError, match="read-only"):
        v[1][2] = 5.0  # a view of a read-only view is read-only
    snapshot = (x.copy(), v.copy(), a.copy())
    x[1] = -1.0
    return x, v, a, *snapshot


# -- multi-output views ------------------------------------------------------------------------

@view_op((6, 2))
def split(xp, x):
    p = xp.split(x, 3)
    a = x[1:3]  # overlaps pieces 0 and 1
    p[1] += p[0]
    p[2][0, 0] = -1.0
    snapshot = (x.copy(), a.copy())
    a *= 2.0
    return x, p[0], p[1], p[2], a, *snapshot


@view_op((7,))
def array_split(xp, x):
    p = xp.array_split(x, 3)  # sizes 3, 2, 2
    a = x[2:5]
    p[0][...] = -1.0
    p[2] -= 100.0
    snapshot = (x.copy(), a.copy())
    a += 0.5
    return x, p[0], p[1], p[2], a, *snapshot


@view_op((2, 4))
def hsplit(xp, x):
    left, right = xp.hsplit(x, 2)
    a = x[:, 1:3]
    left *= 2.0
    right[1] = -1.0
    snapshot = (x.copy(), a.copy())
    a += 100.0
    return x, left, right, a, *snapshot


@view_op((4, 3))
def vsplit(xp, x):
    top, bottom = xp.vsplit(x, [1])
    a = x[:, 0]
    top[0, 1:] = -1.0
    bottom *= 3.0
    snapshot = (x.copy(), a.copy())
    a += 100.0
    return x, top, bottom, a, *snapshot


@view_op((2, 2, 4))
def dsplit(xp, x):
    first, second = xp.dsplit(x, 2)
    a = x[1]
    first -= second
    second[..., 0] = -1.0
    snapshot = (x.copy(), a.copy())
    a[:, 1:3] *= 10.0
    return x, first, second, a, *snapshot


@view_op((3, 4))
def unstack(xp, x):
    r0, r1, r2 = xp.unstack(x)
    cols = xp.unstack(x, axis=1)
    r1 *= r0
    r2[::2] = -1.0
    snapshot = (x.copy(), cols[0].copy())
    c3 = cols[3]
    c3 += 100.0
    return x, r0, r1, r2, cols[0], c3, *snapshot


@view_op((3, 4))
def iteration(xp, x):
    rows = []
    for i, row in enumerate(x):  # each row a view
        row *= i + 1.0
        rows.append(row)
    a = x[:, 1]
    rows[1][0] = -1.0
    snapshot = (x.copy(), a.copy())
    a += 100.0
    return x, *rows, a, *snapshot


# -- complex parts ---------------------------------------------------------------------------

@view_op((4,), complex_input=True)
def real(xp, x):
    v = x.real
    a = xp.real(x[1:])
    v[0] = -1.0
    v[2:] *= 10.0
    snapshot = (x.copy(), a.copy())
    a += 0.5
    x[3] += 2j  # the imaginary part changes: the real view does not
    return x, v, a, *snapshot


@view_op((4,), complex_input=True)
def imag(xp, x):
    v = xp.imag(x)
    a = x[::2].imag
    v[1] = -1.0
    v *= 3.0
    snapshot = (x.copy(), a.copy())
    a -= 100.0
    x[1] += 5.0  # the real part changes: the imaginary view does not
    return x, v, a, *snapshot


# -- the tests -----------------------------------------------------------------------------------

RUNNERS = ["lazy", "eager", "functionalize(mutations)", "functionalize(mutations_and_views)"]


def _check(actual, expected, where):
    assert isinstance(actual, lm.Tensor), f"{where}: {type(actual).__name__} is not a Tensor"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != {expected.dtype}"
    np.testing.assert_array_equal(actual.numpy(), expected, err_msg=where)


def _run(prog, x, runner):
    if runner == "lazy":
        return prog(lnp, x)
    if runner == "eager":
        with lm.config.override(eager=True):
            return prog(lnp, x)
    remove = runner[len("functionalize("):-1]
    return lm.functionalize(functools.partial(prog, lnp), remove=remove)(x)


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_aliases_like_numpy(name, runner):
    prog, base = VIEW_OPS[name]
    x_np = base.copy()
    expected = prog(np, x_np)
    x = lnp.asarray(base)
    got = prog_out = _run(prog, x, runner)
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(prog_out, expected, strict=True)):
        _check(g, e, f"{name} ({runner}): output {i}")
    _check(x, x_np, f"{name} ({runner}): the base afterwards")


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_ops_are_tagged_in_graphs(name):
    prog, base = VIEW_OPS[name]
    plain = lm.make_graph(functools.partial(prog, lnp))(lnp.asarray(base))
    assert any(eq.view for eq in plain.equations), f"{name}: no view equation in\n{plain}"
    copied = lm.make_graph(lm.functionalize(functools.partial(prog, lnp),
                                            remove="mutations_and_views"))(lnp.asarray(base))
    assert not any(eq.view or eq.inplace for eq in copied.equations), f"{name}:\n{copied}"


@pytest.mark.parametrize("remove", ["mutations", "mutations_and_views"])
@pytest.mark.parametrize("make_view", [
    lambda xp, x: xp.broadcast_to(x, (2, 3)),
    lambda xp, x: xp.diagonal(x.reshape(1, 3)),
], ids=["broadcast_to", "diagonal"])
def test_read_only_write_raises_out_of_functionalize(make_view, remove):
    def f(x):
        x[0] = -5.0  # a write that goes through before the failing one
        v = make_view(lnp, x)
        v[..., 0] = 1.0
        return v

    a = np.arange(3.0)
    with pytest.raises(ValueError, match="read-only"):
        make_view(np, a)[..., 0] = 1.0
    x = lnp.asarray(a)
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        lm.functionalize(f, remove=remove)(x)
    _check(x, a, "the input after the failed call")  # the earlier write is not applied
    # The layer stack is as it was: a plain write works again.
    x[1] = 7.0
    _check(x, [0.0, 7.0, 2.0], "the input after a later write")
