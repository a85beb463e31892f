"""The evaluation model a user's loop relies on (README "When work runs"): a transform call made
outside every transform evaluates its results (NOTE [transform calls are steps] in
lamina/evaluation.py), pending values are computed once, and a loop written without ``lm.eval``
runs one graph of one structure per step, with no growth."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

_rng = np.random.default_rng(0)


def _loss(x):
    return lnp.sum(lnp.tanh(x) ** 2)


@pytest.mark.parametrize("transform", [
    lambda x: lm.grad(_loss)(x),
    lambda x: lm.value_and_grad(_loss)(x),
    lambda x: lm.grad_and_value(_loss)(x),
    lambda x: lm.vjp(lnp.sin, x)[0],
    lambda x: lm.vjp(lnp.sin, x)[1](lnp.ones_like(x)),
    lambda x: lm.jvp(lnp.sin, (x,), (lnp.ones_like(x),)),
    lambda x: lm.linearize(lnp.sin, x)[1](lnp.ones_like(x)),
    lambda x: lm.vmap(lnp.sin)(x),
    lambda x: lm.jacrev(lnp.sin)(x),
    lambda x: lm.jacfwd(lnp.sin)(x),
    lambda x: lm.hessian(_loss)(x),
    lambda x: lm.functionalize(lambda y: y * 2)(x),
], ids=["grad", "value_and_grad", "grad_and_value", "vjp", "vjp_fn", "jvp", "linearize",
        "vmap", "jacrev", "jacfwd", "hessian", "functionalize"])
def test_a_top_level_transform_call_returns_evaluated_results(transform):
    x = lm.asarray([0.5, -1.0, 2.0]) * 1.0  # a pending input: its graph runs with the call
    out = transform(x)
    leaves = _tensors(out)
    assert leaves
    assert not any(lm.lazy.is_pending(t) for t in leaves)
    assert not lm.lazy.is_pending(x)  # a live input of the graph is kept, not recomputed


def _tensors(tree):
    if isinstance(tree, lm.Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for item in tree for t in _tensors(item)]
    return []


def test_inner_transform_calls_stay_lazy():
    seen = []

    def f(x):
        g = lm.grad(_loss)(x)  # inside grad: part of the outer graph
        seen.append(lm.lazy.is_pending(g))
        return lnp.sum(g * x)

    lm.grad(f)(lm.asarray([0.5, 1.0]))
    assert seen == [True]


def test_make_graph_does_not_evaluate():
    graph = lm.make_graph(lm.grad(_loss))(lm.asarray([0.5, 1.0]))
    assert "tanh" in graph.op_names
    assert lm.lazy.metrics()["executions"] == 0


def test_optimizer_loop_runs_one_graph_per_step_without_eval():
    # The loop: m, x pending between steps, never lm.eval'd.
    a = lm.asarray(_rng.standard_normal((8, 8)))

    def loss(x):
        return lnp.sum(lnp.tanh(a @ x) ** 2)

    g = lm.grad(loss)
    x = lm.asarray(_rng.standard_normal(8))
    m = lnp.zeros(8)
    xs, ms = np.asarray(x).copy(), np.zeros(8)
    an = np.asarray(a)
    nodes = []
    for _ in range(300):
        before = lm.lazy.metrics()["nodes_executed"]
        m = 0.9 * m + 0.1 * g(x)
        x = x - 0.01 * m
        nodes.append(lm.lazy.metrics()["nodes_executed"] - before)
        t = np.tanh(an @ xs)
        ms = 0.9 * ms + 0.1 * (an.T @ (2 * t * (1 - t * t)))
        xs = xs - 0.01 * ms
    metrics = lm.lazy.metrics()
    assert metrics["auto_evals"] == 0
    assert metrics["compiles"] <= 4  # the first steps differ (zeros, then data), then one graph
    assert min(nodes[5:]) > 0  # each step runs its graph
    assert max(nodes[5:]) == min(nodes[5:])  # no step recomputes an earlier one's values
    np.testing.assert_allclose(np.asarray(x), xs, rtol=1e-12)


def test_stale_depths_do_not_fire_the_depth_guard():
    # NOTE [stale depths]: ``y`` was built on a pending ``x``; ``x`` is evaluated since, so the
    # chain behind y is shallow although its recorded depth is not.
    with lm.config.override(max_graph_depth=50):
        x = lm.asarray([1.0])
        for _ in range(40):
            x = x + 1.0
        y = x * 1.0
        float(x.sum())
        for _ in range(40):
            y = y + 1.0
        assert lm.lazy.metrics()["auto_evals"] == 0
        assert lm.lazy.is_pending(y)
        for _ in range(20):  # now really deeper than 50: evaluated as it is built
            y = y + 1.0
        assert lm.lazy.metrics()["auto_evals"] == 1
        assert float(y.sum()) == 41.0 + 60.0


def test_the_collector_is_paused_during_a_call_and_restored_after():
    import gc

    seen = []

    def f(x):
        seen.append(gc.isenabled())
        return lnp.sum(x * x)

    assert gc.isenabled()
    lm.grad(f)(lm.asarray([1.0, 2.0]))
    assert seen == [False] and gc.isenabled()

    def bad(x):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        lm.grad(bad)(lm.asarray([1.0]))
    assert gc.isenabled()
    gc.disable()
    try:
        lm.grad(f)(lm.asarray([1.0, 2.0]))
        assert not gc.isenabled()  # the user's choice stays
    finally:
        gc.enable()


def _live(kind) -> int:
    import gc

    gc.collect()  # garbage of earlier tests in this worker must not be collected mid-test
    return sum(1 for o in gc.get_objects() if type(o) is kind)


@pytest.mark.parametrize("in_place", [False, True], ids=["rebind", "in-place"])
def test_a_training_loop_holds_no_growing_graph(in_place):
    # The MLP loop: params updated each step without lm.eval; what stays alive after
    # step 40 is what stays alive after step 20 (no graph, no stored history).
    from lamina.lazy.graph import LazyNode, LazyTensor

    x = lm.asarray(_rng.standard_normal((16, 4)))
    y = lm.asarray(_rng.standard_normal(16))
    params = [lm.asarray(_rng.standard_normal((4, 8)) * 0.3), lm.asarray(np.zeros(8)),
              lm.asarray(_rng.standard_normal(8) * 0.3)]

    def loss(p, k):
        batch = slice(k * 4, k * 4 + 4)
        h = lnp.tanh(x[batch] @ p[0] + p[1])
        return lnp.mean((h @ p[2] - y[batch]) ** 2)

    g = lm.grad(loss)
    counts = []
    for step in range(40):
        grads = g(params, step % 4)
        if in_place:
            for p, gp in zip(params, grads, strict=True):
                p -= 0.1 * gp
        else:
            params = [p - 0.1 * gp for p, gp in zip(params, grads, strict=True)]
        if step in (19, 39):
            counts.append((_live(LazyNode), _live(LazyTensor)))
    assert counts[0] == counts[1]
    assert counts[1][0] <= 10  # the pending updates of one step at most
