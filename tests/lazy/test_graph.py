"""The lazy backend: what forces evaluation, the compile cache, DCE/CSE, freeing, bounds."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.lazy import compile as lazy_compile


@pytest.fixture(autouse=True)
def _clean():
    lazy_compile.cache_clear()
    lm.lazy.reset_metrics()
    yield


def _chain(x):
    return lnp.exp(lnp.sin(x) * 2.0 + 1.0) - x


def test_ops_build_a_graph_and_nothing_runs_until_read():
    x = lm.asarray(np.arange(4.0))
    y = _chain(x)
    assert lm.lazy.is_pending(y)
    assert lm.lazy.graph_size(y) == 5
    assert lm.lazy.metrics()["executions"] == 0
    np.testing.assert_allclose(y.numpy(), np.exp(np.sin(np.arange(4.0)) * 2 + 1) - np.arange(4.0))
    assert not lm.lazy.is_pending(y)
    assert lm.lazy.metrics()["executions"] == 1


@pytest.mark.parametrize(
    "force",
    [
        lambda t: np.asarray(t),
        lambda t: t.numpy(),
        lambda t: t.tolist(),
        lambda t: t[0].item(),
        lambda t: float(t[0]),
        lambda t: bool(t[0] > 0),
        lambda t: repr(t),
        lambda t: str(t),
        lambda t: lm.eval(t),
    ],
    ids=["np.asarray", "numpy", "tolist", "item", "float", "bool", "repr", "str", "lm.eval"],
)
def test_documented_evaluation_points(force):
    t = _chain(lm.asarray([1.0, 2.0]))
    assert lm.lazy.metrics()["executions"] == 0
    force(t)
    assert lm.lazy.metrics()["executions"] >= 1


def test_shape_dtype_and_device_do_not_evaluate():
    t = _chain(lm.asarray(np.ones((2, 3), dtype=np.float32)))
    assert (t.shape, t.dtype, t.ndim, t.size, str(t.device)) == ((2, 3), np.float32, 2, 6, "cpu")
    assert lm.lazy.metrics()["executions"] == 0


def test_second_identical_graph_is_a_cache_hit_then_compiled():
    x = lm.asarray(np.arange(5.0))
    _chain(x).numpy()
    m = lm.lazy.metrics()
    assert (m["compiles"], m["cache_hits"]) == (1, 0)
    # Different data, same structure (shapes, dtypes, ops, wiring): a hit.
    _chain(lm.asarray(np.ones(5))).numpy()
    m = lm.lazy.metrics()
    assert (m["compiles"], m["cache_hits"]) == (1, 1)
    assert m["codegens"] == 1  # compile_after=2: the hot graph became straight-line code


def test_a_different_shape_dtype_or_wiring_misses():
    _chain(lm.asarray(np.arange(5.0))).numpy()
    _chain(lm.asarray(np.arange(6.0))).numpy()
    _chain(lm.asarray(np.arange(5.0, dtype=np.float32))).numpy()
    x, y = lm.asarray(np.ones(5)), lm.asarray(np.ones(5))
    (x * x).numpy()
    (x * y).numpy()  # same ops and shapes, different wiring: must not reuse x*x
    assert lm.lazy.metrics()["compiles"] == 5
    assert lm.lazy.metrics()["cache_hits"] == 0


def test_wiring_is_part_of_the_key():
    a, b = lm.asarray([1.0, 2.0]), lm.asarray([10.0, 20.0])
    np.testing.assert_array_equal((a - b).numpy(), [-9.0, -18.0])
    np.testing.assert_array_equal((b - a).numpy(), [9.0, 18.0])
    np.testing.assert_array_equal((a - a).numpy(), [0.0, 0.0])


def test_python_scalars_are_leaves_not_cache_keys():
    x = lm.asarray(np.ones(3))
    for step in (0.1, 0.2, 0.3, 0.4):
        (x * step + 1.0).numpy()
    assert lm.lazy.metrics()["compiles"] == 1


def test_dead_code_is_not_executed():
    x = lm.asarray(np.ones(3))
    unused = lnp.exp(x) * 3.0  # noqa: F841 - never needed by the result
    y = x + 1.0
    y.numpy()
    assert lm.lazy.metrics()["nodes_executed"] == 1


def test_common_subexpressions_run_once():
    x = lm.asarray(np.ones(3))
    y = lnp.sin(x) + lnp.sin(x)
    y.numpy()
    assert lm.lazy.metrics()["nodes_executed"] == 2  # one sin, one add


def test_evaluated_values_become_data_and_graphs_are_freed():
    x = lm.asarray(np.ones(3))
    mid = lnp.sin(x)
    mid_ref = weakref.ref(mid._lamina_read())
    y = mid * 2.0
    del mid
    y.numpy()
    gc.collect()
    assert mid_ref() is None  # the node behind y was dropped once y became data
    assert lm.lazy.graph_size(y) == 0


def test_auto_evaluation_bounds_a_long_loop():
    x = lm.asarray(np.zeros(4))
    with lm.config.override(max_graph_depth=50):
        for _ in range(500):
            x = x + 1.0
            assert lm.lazy.graph_size(x) <= 50
    np.testing.assert_array_equal(x.numpy(), np.full(4, 500.0))
    m = lm.lazy.metrics()
    assert m["auto_evals"] >= 9
    assert m["compiles"] <= 3  # the repeated chunks hit the cache


def test_eval_evaluates_several_tensors_in_one_execution():
    x = lm.asarray(np.ones(3))
    a, b = lnp.exp(x), lnp.sin(x) * 2.0
    lm.eval(a, {"b": [b]})
    assert lm.lazy.metrics()["executions"] == 1
    assert not lm.lazy.is_pending(a) and not lm.lazy.is_pending(b)


def test_buffer_reuse_in_compiled_graphs_gives_same_values():
    rng = np.random.default_rng(0)
    data = rng.standard_normal(1000)
    expected = np.tanh(np.exp(-(np.sin(data) * 2 + 1) ** 2) - data / 3)
    for _ in range(3):
        t = lm.asarray(data)
        y = lnp.sin(t) * 2.0 + 1.0
        y = lnp.tanh(lnp.exp(-(y * y)) - t / 3.0)
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    assert lm.lazy.metrics()["buffers_reused"] > 0
    np.testing.assert_array_equal(t.numpy(), data)  # leaves are never written


def test_eager_mode_runs_each_op_at_once():
    with lm.config.override(eager=True):
        x = lm.asarray(np.ones(3))
        y = lnp.sin(x)
        assert not lm.lazy.is_pending(y)
    assert lm.lazy.metrics()["eager_ops"] == 1
    assert lm.lazy.metrics()["executions"] == 0


def test_eager_environment_variable(monkeypatch):
    from lamina.config import Config

    monkeypatch.setenv("LAMINA_EAGER", "1")
    assert Config().eager is True
    monkeypatch.setenv("LAMINA_EAGER", "0")
    assert Config().eager is False


def test_boolean_mask_runs_through_the_eager_fallback():
    x = lm.asarray(np.array([1.0, -2.0, 3.0]))
    picked = x[x > 0]
    assert lm.lazy.metrics()["fallbacks"] == 1
    np.testing.assert_array_equal(picked.numpy(), [1.0, 3.0])


def test_metrics_keys_report_and_reset():
    m = lm.lazy.metrics()
    for key in ("compiles", "cache_hits", "executions", "fallbacks"):
        assert key in m
    (lm.asarray([1.0]) + 1.0).numpy()
    report = lm.lazy.metrics_report()
    assert "compiles" in report and "cache_hits" in report
    lm.lazy.reset_metrics()
    assert all(v == 0 for v in lm.lazy.metrics().values())


def test_config_rejects_unknown_settings():
    with pytest.raises(AttributeError, match="max_graph_depth"):
        lm.config.max_depth = 3
    # override checks every name before it changes anything.
    before = lm.config.eager
    with pytest.raises(AttributeError, match="no setting 'max_depth'; the settings are eager"):
        with lm.config.override(eager=not before, max_depth=3):
            pass
    assert lm.config.eager is before


def test_multi_output_siblings_are_kept_when_one_is_evaluated():
    x = lm.asarray(np.arange(6.0))
    a, b = lnp.split(x, 2)
    a.numpy()
    assert not lm.lazy.is_pending(b)
    assert lm.lazy.metrics()["executions"] == 1


def test_a_known_structure_is_compiled_once():
    x = lm.asarray(np.arange(5.0))
    _chain(x).numpy()
    compiles = lm.lazy.metrics()["compiles"]
    y = _chain(lm.asarray(np.ones(5)))
    np.testing.assert_allclose(y.numpy(), np.exp(np.sin(1.0) * 2 + 1) - 1)
    assert lm.lazy.metrics()["compiles"] == compiles


def test_a_known_structure_is_right_after_an_intermediate_was_evaluated():
    x = lm.asarray(np.arange(4.0))
    _chain(x).numpy()  # make the structure known
    mid = lnp.sin(x) * 2.0
    out = lnp.exp(mid + 1.0) - x
    mid.numpy()  # an intermediate becomes data before `out` is evaluated
    np.testing.assert_allclose(out.numpy(), np.exp(np.sin(np.arange(4.0)) * 2 + 1) - np.arange(4.0))


def test_graphs_reading_many_leaves_are_walked_and_correct():
    parts = [lm.asarray(np.full(3, float(i))) for i in range(40)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    for _ in range(2):
        np.testing.assert_array_equal(total.numpy(), np.full(3, float(sum(range(40)))))
        total = parts[0] + 0.0
        for p in parts[1:]:
            total = total + p


@pytest.mark.parametrize("build", [lambda a, b: a - b, lambda a, b: b - a, lambda a, b: a - a,
                                   lambda a, b: (a * b) - a, lambda a, b: (a * a) - b])
def test_signatures_tell_wirings_apart(build):
    a0, b0 = np.array([1.0, 2.0]), np.array([10.0, 30.0])
    for _ in range(3):  # interpreted, then cached by signature, then compiled
        got = build(lm.asarray(a0), lm.asarray(b0)).numpy()
        np.testing.assert_array_equal(got, build(a0, b0))


class _FusingNumPy:
    """NumPy posing as an array module with CuPy's ``fuse`` (records the fused runs)."""

    def __init__(self):
        self.fused = []

    def __getattr__(self, name):
        return getattr(np, name)

    def fuse(self, fn):
        self.fused.append(fn)
        return fn


def test_elementwise_runs_are_fused_into_one_kernel_per_run():
    # NOTE [fusion]: checked on the CPU with NumPy standing in for CuPy's module.
    x = lm.asarray(np.linspace(-1, 1, 7))
    y = lnp.tanh(lnp.sin(x) * 2.0 + 1.0)      # a run of 4 elementwise ops
    z = lnp.cumsum(y) * y - 1.0                # a non-elementwise op, then a run of 2
    root = z._lamina_read()
    nodes, _, leaves, key, _ = lazy_compile._trace([root])
    program = lazy_compile.Program(nodes, len(leaves), key.value[2], key.value[3])
    fake = _FusingNumPy()
    program.compile(fake)
    assert len(fake.fused) == 2
    (value,) = program.compiled(fake, [leaf.data for leaf in leaves])
    a = np.linspace(-1, 1, 7)
    ref_y = np.tanh(np.sin(a) * 2 + 1)
    np.testing.assert_allclose(value, np.cumsum(ref_y) * ref_y - 1.0)


def test_fused_runs_never_mix_output_shapes():
    # NOTE [fusion]: a (1, 4) result next to a (3, 4) one must not share a kernel.
    a = lm.asarray(np.arange(12.0).reshape(3, 4))
    r = lm.asarray(np.arange(4.0).reshape(1, 4))
    small = lnp.sin(r) * 2.0          # (1, 4)
    big = lnp.exp(small * a)          # (3, 4)
    out = big + 1.0
    root = out._lamina_read()
    nodes, _, leaves, key, _ = lazy_compile._trace([root])
    program = lazy_compile.Program(nodes, len(leaves), key.value[2], key.value[3])
    fake = _FusingNumPy()
    program.compile(fake)
    assert len(fake.fused) == 2  # sin*2 at (1, 4); multiply, exp, add at (3, 4)
    (value,) = program.compiled(fake, [leaf.data for leaf in leaves])
    ref_small = np.sin(np.arange(4.0).reshape(1, 4)) * 2
    np.testing.assert_allclose(value, np.exp(ref_small * np.arange(12.0).reshape(3, 4)) + 1)
