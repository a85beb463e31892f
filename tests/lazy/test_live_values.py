"""A pending value is computed once: evaluating a graph stores the values of its pending
intermediates that live handles (or other pending graphs) still refer to (NOTE [live
intermediates] in lamina/lazy/compile.py), as PyTorch's Lazy Tensor Core materializes the live
tensors of a graph it syncs. An impure kernel shows it: every consumer sees one draw."""

from __future__ import annotations

import numpy as np

import lamina as lm

_rng = np.random.default_rng(0)


@lm.library.custom_op("live_test::noisy", mutates_args=())
def noisy(x: np.ndarray) -> np.ndarray:
    return x + _rng.standard_normal(x.shape)


@noisy.register_fake
def _(x):
    return x


def test_consumers_of_one_pending_value_agree():
    for _ in range(4):  # cold and compiled graphs
        x = lm.asarray(np.zeros(5))
        r = noisy(x)
        assert lm.lazy.is_pending(r)
        a = r + 0
        b = r * 1
        sa = float(a.sum())
        sb = float(b.sum())
        assert sa == sb
        assert float(r.sum()) == sa
        assert float(r.sum()) == sa


def test_reading_twice_gives_one_value():
    x = lm.asarray(0.0)
    r = noisy(x)
    assert float(r) == float(r)


def test_a_value_held_only_by_another_pending_graph():
    x = lm.asarray(np.zeros(3))
    r = noisy(x)
    a = r + 0
    b = r * 1
    del r  # held only by the nodes of a and b
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_intermediates_nobody_holds_are_not_kept():
    x = lm.asarray(np.arange(4.0))
    t = x * 2.0
    y = (t + 1.0) * 3.0  # the node (t + 1.0) is held by nothing but y's graph
    y.numpy()
    assert not lm.lazy.is_pending(t)  # held by a handle: stored
    z = (x * 2.0 + 1.0) * 3.0
    lm.eval(z)
    assert lm.lazy.graph_size(z) == 0
