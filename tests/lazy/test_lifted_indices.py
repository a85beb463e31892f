"""Python integers in indices are graph inputs (NOTE [lifted indices] in lamina/lazy/lifting.py):
one compiled program serves ``x[i]`` for every ``i``, with NumPy's values and errors."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

_rng = np.random.default_rng(0)


def _compiles():
    return lm.lazy.metrics()["compiles"]


def test_reading_rows_one_by_one_compiles_once():
    p = _rng.standard_normal((30, 7))
    t = lm.asarray(p)
    got = [int(lnp.argmax(t[i] * 2.0)) for i in range(30)]
    assert got == [int(np.argmax(p[i] * 2.0)) for i in range(30)]
    assert _compiles() == 1


@pytest.mark.parametrize("index", [
    lambda i: i, lambda i: -1 - i, lambda i: (Ellipsis, i), lambda i: (i, None, slice(None)),
    lambda i: (slice(i, i + 2), 1), lambda i: (slice(None), slice(i, 7, 2)),
    lambda i: slice(i, i + 3), lambda i: (slice(i, None), Ellipsis, -i - 1),
], ids=["int", "negative", "ellipsis", "newaxis", "run", "stepped", "slice", "open-run"])
def test_values_match_numpy_for_every_index(index):
    p = _rng.standard_normal((9, 7, 5))
    t = lm.asarray(p)
    shapes = set()
    for i in range(4):
        got = t[index(i)] + 1.0
        shapes.add(got.shape)
        np.testing.assert_array_equal(np.asarray(got), p[index(i)] + 1.0)
    assert _compiles() <= len(shapes) + 1  # a slice's length is in the key, its start is not


def test_out_of_bounds_still_raises_index_error_at_the_call():
    t = lm.asarray(np.zeros((3, 4)))
    _ = (t[2] + 1.0).sum().item()
    with pytest.raises(IndexError, match="out of bounds"):
        t[3]
    with pytest.raises(IndexError):
        t[:, -5]


def test_minibatches_share_one_program_under_grad():
    x = _rng.standard_normal((64, 3))
    y = _rng.standard_normal(64)
    xt, yt = lm.asarray(x), lm.asarray(y)

    def loss(w, k):
        batch = slice(k * 16, (k + 1) * 16)
        return lnp.mean((xt[batch] @ w - yt[batch]) ** 2)

    w = lm.asarray(np.zeros(3))
    wn = np.zeros(3)
    for step in range(8):
        k = step % 4
        w = w - 0.1 * lm.grad(loss)(w, k)
        xb, yb = x[k * 16:(k + 1) * 16], y[k * 16:(k + 1) * 16]
        wn = wn - 0.1 * (2 / 16) * xb.T @ (xb @ wn - yb)
    np.testing.assert_allclose(np.asarray(w), wn, rtol=1e-12)
    assert _compiles() <= 3


def test_rnn_over_time_steps_compiles_once_per_structure():
    seq = _rng.standard_normal((12, 4, 3))
    w = _rng.standard_normal((3, 3)) * 0.3

    def run(wt, xs):
        h = lnp.zeros((4, 3))
        for t in range(xs.shape[0]):
            h = lnp.tanh(xs[t] @ wt + h)
        return lnp.sum(h ** 2)

    xs = lm.asarray(seq)
    grads = [lm.grad(run)(lm.asarray(w), xs) for _ in range(3)]
    assert _compiles() == 1
    eps = 1e-6
    fd = np.zeros_like(w)
    for j in np.ndindex(*w.shape):
        e = np.zeros_like(w)
        e[j] = eps
        fd[j] = (float(run(lm.asarray(w + e), xs)) - float(run(lm.asarray(w - e), xs))) / (2 * eps)
    np.testing.assert_allclose(np.asarray(grads[-1]), fd, rtol=1e-6, atol=1e-8)


def test_writes_at_integer_positions_share_one_program():
    buf = lm.asarray(np.zeros((5, 2)))
    ref = np.zeros((5, 2))
    for i in range(5):
        buf[i] = buf[i - 1] + 1.0
        ref[i] = ref[i - 1] + 1.0
        np.testing.assert_array_equal(np.asarray(buf), ref)
    assert _compiles() <= 2


def test_advanced_index_with_an_integer():
    p = _rng.standard_normal((4, 6))
    t = lm.asarray(p)
    idx = np.array([0, 2, 2])
    for i in range(4):
        np.testing.assert_array_equal(np.asarray(t[i, idx] * 1.0), p[i, idx])
        np.testing.assert_array_equal(np.asarray(t[idx, -i] * 1.0), p[idx, -i])
    assert _compiles() <= 3


def test_functionalize_without_views_lifts_the_copy_too():
    p = _rng.standard_normal((4, 3))

    def f(x):
        return x[1] * 2.0

    for i in range(2):
        out = lm.functionalize(f, remove="mutations_and_views")(lm.asarray(p + i))
        np.testing.assert_array_equal(np.asarray(out), (p + i)[1] * 2.0)


def test_make_graph_shows_the_static_index():
    g = lm.make_graph(lambda x: x[1, 1:3])(lm.asarray(np.zeros((3, 4))))
    assert str(g.equations[0]) == "b:f64[2] = getitem[index=[1, 1:3]](a)  # view"


def test_transforms_of_lifted_indices_agree_with_numpy():
    # What users pass: the same tensor read twice at each i, 0-d reads (x[i, j]), a reversed
    # slice (not lifted), under grad (its ones seed), jvp and vmap, for several i in one cache.
    p = _rng.standard_normal((4, 3))

    def f(x, i):
        return lnp.sum(x[i] * x[i]) + x[i, -1] * x[-1 - i, 0] + lnp.sum(x[i, ::-1] * 2.0)

    def f_np(x, i):
        return np.sum(x[i] * x[i]) + x[i, -1] * x[-1 - i, 0] + np.sum(x[i, ::-1] * 2.0)

    for i in range(4):
        x = lm.asarray(p)
        g = np.asarray(lm.grad(f)(x, i))
        eps = 1e-6
        fd = np.zeros_like(p)
        for j in np.ndindex(*p.shape):
            e = np.zeros_like(p)
            e[j] = eps
            fd[j] = (f_np(p + e, i) - f_np(p - e, i)) / (2 * eps)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
        t = np.ones_like(p)
        _, tangent = lm.jvp(lambda x, i=i: f(x, i), (x,), (lm.asarray(t),))
        np.testing.assert_allclose(float(tangent), np.sum(fd * t), rtol=1e-6)
        batch = np.stack([p, 2 * p])
        got = lm.vmap(lambda x, i=i: f(x, i))(lm.asarray(batch))
        np.testing.assert_allclose(np.asarray(got), [f_np(b, i) for b in batch], rtol=1e-12)
    assert lm.lazy.metrics()["compiles"] <= 6  # a few per transform, not one per i


def test_ufunc_at_at_integer_positions_shares_one_program():
    # scatter_apply (lnp.add.at) declares its index liftable like the other indexing ops.
    t = lm.asarray(np.zeros((6, 2)))
    ref = np.zeros((6, 2))
    for i in range(6):
        lnp.add.at(t, (i, [0, 0, 1]), 1.5)
        np.add.at(ref, (i, [0, 0, 1]), 1.5)
        np.testing.assert_array_equal(np.asarray(t), ref)
    assert _compiles() <= 2
