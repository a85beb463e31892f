"""``lnp.random``: statistics, reproducibility, key purity and independence, sampling without
replacement, permutations, in-place shuffles, and the errors users hit."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.ops import random as rnd
from tests.conftest import DEVICES

N = 100_000


def _moments(t):
    a = t.numpy().astype(np.float64)
    return a.mean(), a.std()


# -- statistics on 10**5 samples (tolerances are about 6 standard errors) ------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_random_and_standard_normal_moments(device, dtype):
    rng = lnp.random.default_rng(1)
    u = rng.random(N, dtype=dtype, device=device)
    assert u.dtype == dtype and str(u.device).startswith(device)
    mean, std = _moments(u)
    assert abs(mean - 0.5) < 0.006 and abs(std - (1 / 12) ** 0.5) < 0.004
    assert 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    z = rng.standard_normal(N, dtype=dtype, device=device)
    mean, std = _moments(z)
    assert abs(mean) < 0.02 and abs(std - 1) < 0.015


@pytest.mark.parametrize("device", DEVICES)
def test_uniform_normal_integers_moments(device):
    rng = lnp.random.default_rng(2)
    mean, std = _moments(rng.uniform(-1.0, 3.0, N, device=device))
    assert abs(mean - 1.0) < 0.025 and abs(std - 4 / 12**0.5) < 0.015
    mean, std = _moments(rng.normal(3.0, 2.0, N, device=device))
    assert abs(mean - 3.0) < 0.04 and abs(std - 2.0) < 0.03
    k = rng.integers(0, 10, N, device=device).numpy()
    assert k.min() == 0 and k.max() == 9
    assert abs(k.mean() - 4.5) < 0.06
    counts = np.bincount(k, minlength=10)
    assert np.all(np.abs(counts / N - 0.1) < 0.006)
    e = rng.integers(1, 3, N, endpoint=True, device=device).numpy()
    assert set(np.unique(e)) == {1, 2, 3}


def test_normal_with_array_parameters_broadcasts_and_scales():
    rng = lnp.random.default_rng(3)
    loc = lnp.asarray([0.0, 10.0, -5.0])
    scale = lnp.asarray([[1.0], [0.1]])
    x = rng.normal(loc, scale, size=(N // 10, 2, 3)).numpy()
    assert x.shape == (N // 10, 2, 3)
    np.testing.assert_allclose(x.mean(axis=0), np.broadcast_to([0.0, 10.0, -5.0], (2, 3)),
                               atol=0.06)
    np.testing.assert_allclose(x.std(axis=0), np.broadcast_to([[1.0], [0.1]], (2, 3)),
                               rtol=0.05)


def test_integers_with_array_bounds_stay_in_range():
    rng = lnp.random.default_rng(4)
    low = np.array([0, 100, -50])
    x = rng.integers(low, low + 3, size=(N // 10, 3)).numpy()
    assert x.dtype == np.int64
    for j in range(3):
        assert set(np.unique(x[:, j])) == {low[j], low[j] + 1, low[j] + 2}


def test_choice_with_p_follows_the_weights():
    rng = lnp.random.default_rng(5)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    k = rng.choice(4, N, p=p).numpy()
    freq = np.bincount(k, minlength=4) / N
    np.testing.assert_allclose(freq, p, atol=0.01)
    # Without replacement, the first pick still follows p.
    first = np.array([rng.choice(4, 2, replace=False, p=p).numpy()[0] for _ in range(2000)])
    freq = np.bincount(first, minlength=4) / len(first)
    np.testing.assert_allclose(freq, p, atol=0.05)


def test_bernoulli_via_uniform():
    rng = lnp.random.default_rng(6)
    b = rng.random(N) < 0.3
    assert abs(b.numpy().mean() - 0.3) < 0.01


# -- reproducibility and keys --------------------------------------------------------------------


def _stream(rng):
    return [rng.random(4).numpy(), rng.standard_normal((2, 2)).numpy(),
            rng.integers(0, 100, 5).numpy(), rng.permutation(6).numpy(),
            rng.choice(10, 3, replace=False).numpy(), rng.normal(1.0, 2.0, 3).numpy()]


def test_same_seed_same_stream():
    for a, b in zip(_stream(lnp.random.default_rng(42)), _stream(lnp.random.default_rng(42)),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_known_values_under_a_seed_are_stable_across_runs():
    # SeedSequence and Philox are specified: these numbers never change between runs.
    x = lnp.random.default_rng(0).integers(0, 1000, 5).numpy()
    y = lnp.random.default_rng(0).integers(0, 1000, 5).numpy()
    np.testing.assert_array_equal(x, y)
    words = np.random.SeedSequence(0).spawn(1)[0].generate_state(2, np.uint64)
    expected = np.random.Generator(np.random.Philox(key=words)).integers(0, 1000, 5,
                                                                         endpoint=False)
    np.testing.assert_array_equal(x, expected)


def test_different_seeds_and_draws_differ():
    a = lnp.random.default_rng(1).random(8).numpy()
    b = lnp.random.default_rng(2).random(8).numpy()
    assert not np.array_equal(a, b)
    rng = lnp.random.default_rng(1)
    first, second = rng.random(8).numpy(), rng.random(8).numpy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, a)


def test_module_level_seed_resets_the_global_generator():
    lnp.random.seed(123)
    a = [lnp.random.rand(3).numpy(), lnp.random.randn(2, 2).numpy(),
         lnp.random.randint(0, 50, 4).numpy(), lnp.random.uniform(size=2).numpy()]
    lnp.random.seed(123)
    b = [lnp.random.rand(3).numpy(), lnp.random.randn(2, 2).numpy(),
         lnp.random.randint(0, 50, 4).numpy(), lnp.random.uniform(size=2).numpy()]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    lnp.random.seed(124)
    assert not np.array_equal(lnp.random.rand(3).numpy(), a[0])


def test_default_rng_accepts_generators_and_seed_sequences():
    g = lnp.random.default_rng(9)
    assert lnp.random.default_rng(g) is g
    a = lnp.random.default_rng(np.random.SeedSequence(9)).random(3).numpy()
    np.testing.assert_array_equal(a, lnp.random.default_rng(9).random(3).numpy())
    lnp.random.default_rng(np.random.default_rng(0)).random(2)
    lnp.random.default_rng([1, 2, 3]).random(2)


def test_spawned_generators_are_independent():
    children = lnp.random.default_rng(0).spawn(3)
    draws = [c.random(6).numpy() for c in children]
    assert not np.array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[1], draws[2])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("eager", [False, True])
def test_same_key_same_numbers(device, eager):
    dev = lm.Device(device)
    key = rnd.key_value(np.array([7, 11], dtype=np.uint64), dev)
    other = rnd.key_value(np.array([7, 12], dtype=np.uint64), dev)
    with lm.config.override(eager=eager):
        draws = [rnd.uniform01(key, (5,)), rnd.uniform01(key, (5,)), rnd.normal01(key, (3,)),
                 rnd.normal01(key, (3,)), rnd.integers(key, 0, 9, (4,)),
                 rnd.integers(key, 0, 9, (4,)), rnd.permutation_indices(key, 7),
                 rnd.permutation_indices(key, 7), rnd.uniform01(other, (5,))]
        values = [lm.Tensor._from_value(d).numpy() for d in draws]
    for i in range(0, 8, 2):
        np.testing.assert_array_equal(values[i], values[i + 1])
    assert not np.array_equal(values[0], values[8])


def test_draws_are_lazy_nodes_of_a_key_operand_and_cache():
    rng = lnp.random.default_rng(0)
    lm.lazy.reset_metrics()
    x = rng.random((3, 4))
    assert lm.lazy.is_pending(x) and lm.lazy.graph_size(x) == 1
    node = x._lamina_read().node
    assert node.prim is rnd.random_uniform_p
    (key,) = node.inputs
    assert key.shape == rnd.KEY_SHAPE and key.dtype == rnd.KEY_DTYPE
    assert "device" not in node.params  # the key says where; params hold only static settings
    first = x.numpy()
    y = rng.random((3, 4))
    second = y.numpy()
    assert lm.lazy.metrics()["compiles"] == 1 and lm.lazy.metrics()["cache_hits"] == 1
    assert not np.array_equal(first, second)


def test_random_primitives_are_nondiff():
    assert all(p.nondiff for p in rnd.RANDOM_PRIMITIVES)


# -- sampling without replacement, permutations, shuffles ----------------------------------------


def test_choice_without_replacement_is_distinct():
    rng = lnp.random.default_rng(7)
    for _ in range(20):
        k = rng.choice(10, 6, replace=False).numpy()
        assert len(set(k.tolist())) == 6 and k.min() >= 0 and k.max() < 10
    full = rng.choice(5, 5, replace=False).numpy()
    assert sorted(full.tolist()) == [0, 1, 2, 3, 4]
    pop = lnp.asarray([10.0, 20.0, 30.0, 40.0])
    picked = rng.choice(pop, (2, 2), replace=False).numpy()
    assert picked.shape == (2, 2) and len(set(picked.ravel().tolist())) == 4
    weighted = rng.choice(6, 4, replace=False, p=[0.1, 0.2, 0.3, 0.4, 0.0, 0.0]).numpy()
    assert sorted(weighted.tolist()) == [0, 1, 2, 3]


def test_choice_along_an_axis_returns_slices():
    rng = lnp.random.default_rng(8)
    grid = np.arange(12.0).reshape(3, 4)
    cols = rng.choice(grid, 3, axis=1, replace=False).numpy()
    assert cols.shape == (3, 3)
    for j in range(3):
        assert any(np.array_equal(cols[:, j], grid[:, c]) for c in range(4))


def test_permutation_is_a_permutation():
    rng = lnp.random.default_rng(9)
    p = rng.permutation(50).numpy()
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50))
    x = np.arange(20.0).reshape(5, 4)
    rows = rng.permutation(x).numpy()
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, x.tolist()))
    cols = rng.permutation(x, axis=1).numpy()
    np.testing.assert_array_equal(np.sort(cols, axis=1), x)
    t = lnp.asarray(x)
    rng.permutation(t)
    np.testing.assert_array_equal(t.numpy(), x)  # permutation copies, never mutates


def test_shuffle_mutates_in_place_and_views_see_it():
    rng = lnp.random.default_rng(10)
    x = lnp.arange(10.0)
    view = x[2:5]
    before = x.numpy()
    assert rng.shuffle(x) is None
    after = x.numpy()
    assert sorted(after.tolist()) == before.tolist() and not np.array_equal(after, before)
    np.testing.assert_array_equal(view.numpy(), after[2:5])
    m = lnp.arange(12.0).reshape(4, 3)
    row_view = m[0]
    lnp.random.seed(0)
    lnp.random.shuffle(m)
    rows = m.numpy()
    assert sorted(map(tuple, rows.tolist())) == [(0, 1, 2), (3, 4, 5), (6, 7, 8), (9, 10, 11)]
    np.testing.assert_array_equal(row_view.numpy(), rows[0])


def test_shuffle_of_a_view_writes_through_to_the_base():
    rng = lnp.random.default_rng(11)
    base = lnp.arange(8.0)
    part = base[:4]
    rng.shuffle(part)
    assert sorted(base.numpy()[:4].tolist()) == [0.0, 1.0, 2.0, 3.0]
    np.testing.assert_array_equal(base.numpy()[4:], [4.0, 5.0, 6.0, 7.0])


def test_shuffle_of_a_numpy_array_is_in_place():
    a = np.arange(6.0)
    lnp.random.default_rng(12).shuffle(a)
    assert sorted(a.tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_out_argument_is_filled_in_place():
    out = lnp.zeros((2, 3))
    view = out[0]
    res = lnp.random.default_rng(13).random(out=out)
    assert res is out and out.numpy().std() > 0
    np.testing.assert_array_equal(view.numpy(), out.numpy()[0])


# -- errors --------------------------------------------------------------------------------------

_rng = lnp.random.default_rng(0)


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: _rng.random(3, dtype=np.int64), TypeError, "Unsupported dtype"),
        (lambda: _rng.standard_normal(3, dtype=np.float16), TypeError, "Unsupported dtype"),
        (lambda: _rng.random(-1), ValueError, "negative dimensions are not allowed"),
        (lambda: _rng.random(2.5), TypeError, "shape must be an int"),
        (lambda: _rng.random((2,), out=lnp.zeros(3)), ValueError, "size must match out.shape"),
        (lambda: _rng.random(out=lnp.zeros(3, dtype="float32")), TypeError, "wrong type"),
        (lambda: _rng.integers(0), ValueError, "high <= 0"),
        (lambda: _rng.integers(5, 2), ValueError, "low >= high"),
        (lambda: _rng.integers(5, 4, endpoint=True), ValueError, "low > high"),
        (lambda: _rng.integers(300, dtype=np.int8), ValueError, "high is out of bounds for int8"),
        (lambda: _rng.integers(-1, 3, dtype=np.uint8), ValueError,
         "low is out of bounds for uint8"),
        (lambda: _rng.integers(0, 3, dtype=np.float64), TypeError, "Unsupported dtype"),
        (lambda: _rng.integers(np.array([3, 4]), np.array([3, 9])), ValueError, "low >= high"),
        (lambda: _rng.normal(0.0, -1.0), ValueError, "scale < 0"),
        (lambda: _rng.normal(0.0, np.array([1.0, -1.0])), ValueError, "scale < 0"),
        (lambda: _rng.normal(np.zeros(3), 1.0, size=(2, 2)), ValueError, "shape mismatch"),
        (lambda: _rng.normal(np.zeros(3), np.ones(2)), ValueError, "shape mismatch"),
        (lambda: _rng.uniform(-1e308, 1e308), OverflowError, "range exceeds valid bounds"),
        (lambda: _rng.choice(0), ValueError, "a must be a positive integer"),
        (lambda: _rng.choice(-3, 2), ValueError, "a must be a positive integer"),
        (lambda: _rng.choice([], 2), ValueError, "a cannot be empty"),
        (lambda: _rng.choice(3.5), ValueError, "a must be a sequence or an integer"),
        (lambda: _rng.choice(3, 5, replace=False), ValueError,
         "Cannot take a larger sample than population"),
        (lambda: _rng.choice(3, 2, p=[0.5, 0.6, 0.1]), ValueError, "do not sum to 1"),
        (lambda: _rng.choice(3, 2, p=[0.5, 0.5]), ValueError, "a and p must have same size"),
        (lambda: _rng.choice(3, 2, p=[[0.5, 0.5, 0.0]]), ValueError, "p must be 1-dimensional"),
        (lambda: _rng.choice(3, 2, p=[1.5, -0.5, 0.0]), ValueError, "not non-negative"),
        (lambda: _rng.choice(3, 3, replace=False, p=[0.5, 0.5, 0.0]), ValueError,
         "Fewer non-zero entries in p than size"),
        (lambda: _rng.choice(np.zeros((2, 2)), axis=2), np.exceptions.AxisError,
         "out of bounds"),
        (lambda: _rng.permutation(np.zeros(())), np.exceptions.AxisError, "out of bounds"),
        (lambda: _rng.permutation(-1), ValueError, "negative dimensions"),
        (lambda: _rng.shuffle([3, 1, 2]), TypeError, "must be a lamina Tensor"),
        (lambda: _rng.shuffle(lnp.broadcast_to(lnp.arange(3.0), (2, 3))), ValueError,
         "read-only"),
        (lambda: lnp.random.rand(2.5), TypeError, "cannot be interpreted as an integer"),
        (lambda: lnp.random.rand((2, 3)), TypeError, "cannot be interpreted as an integer"),
        (lambda: lnp.random.randint(0), ValueError, "high <= 0"),
        (lambda: lnp.random.default_rng(-1), ValueError, "cannot seed a generator"),
        (lambda: lnp.random.default_rng("seed"), ValueError, "cannot seed a generator"),
    ],
)
def test_random_errors(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call()


def test_random_errors_are_lamina_errors():
    with pytest.raises(lm.LaminaError):
        _rng.uniform(-1e308, 1e308)
    with pytest.raises(lm.LaminaTypeError):
        _rng.random(dtype=np.int32)


def test_size_none_gives_a_0d_tensor():
    rng = lnp.random.default_rng(0)
    for t in (rng.random(), rng.normal(), rng.integers(5), rng.choice(4), lnp.random.rand()):
        assert isinstance(t, lm.Tensor) and t.shape == ()
