"""NOTE [CPU fusion]: lm.compile's programs run elementwise float64 runs as one numba kernel;
every fused op gives NumPy's values (to 2 units in the last place; NaN where NumPy gives NaN,
and the sign of every zero), and what is not fused runs as before."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.lazy import fusion

pytest.importorskip("numba")

N = fusion.MIN_SIZE * 2
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, np.nan, np.inf, -np.inf, 1e-300,
                    -1e300, 710.0, -745.5])


def _inputs(low=-3.0, high=3.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, N)
    x[: len(SPECIAL)] = SPECIAL
    return x


def _assert_close(got, want, maxulp=2):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = ~np.isnan(want)
    np.testing.assert_array_max_ulp(got[finite], want[finite], maxulp=maxulp)
    zeros = finite & (want == 0)
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))


def _fused(fn, *args):
    lm.lazy.reset_metrics()
    out = lm.compile(fn)(*args)
    return out, lm.lazy.metrics()["fusions"]


UNARY = [name for name, e in fusion._EXPRESSIONS.items() if "{1}" not in e]
BINARY = [name for name, e in fusion._EXPRESSIONS.items() if "{1}" in e]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", UNARY)
def test_every_fusable_unary_op_gives_numpys_values(name):
    op = getattr(lnp, name)

    def fn(x):
        return op(x * 1.0 + 0.0)  # two more ops, so the run has something to fuse

    x = lm.asarray(_inputs())
    got, fusions = _fused(fn, x)
    assert fusions >= 1
    with np.errstate(all="ignore"):
        want = getattr(np, name)(np.asarray(x) * 1.0 + 0.0)
    # NumPy's tanh is its own SIMD approximation; numba calls the C library's (3 ulp apart).
    _assert_close(got, want, maxulp=4 if name == "tanh" else 2)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", BINARY)
def test_every_fusable_binary_op_gives_numpys_values(name):
    op = getattr(lnp, name)
    a, b = _inputs(seed=1), _inputs(seed=2)[::-1].copy()

    def fn(x, y):
        return op(x * 1.0, -y)

    got, fusions = _fused(fn, lm.asarray(a), lm.asarray(b))
    assert fusions >= 1
    with np.errstate(all="ignore"):
        want = getattr(np, name)(a * 1.0, -b)
    _assert_close(got, want)


def test_a_gradient_fuses_into_one_kernel_and_equals_the_uncompiled_one():
    x = lm.asarray(_inputs(seed=3))
    g = lm.grad(lambda t: lnp.sum(lnp.exp(lnp.sin(t) * lnp.cos(t) + t ** 2)))
    got, fusions = _fused(g, x)
    assert fusions == 1
    _assert_close(got, g(x))


def test_results_needed_outside_a_run_and_broadcast_inputs():
    rows = lm.asarray(np.linspace(-1, 1, 64).reshape(64, 1))
    cols = lm.asarray(np.linspace(0, 2, 256).reshape(1, 256))

    def fn(r, c):
        a = lnp.sin(r * c)          # used by the matmul below and by the next run
        b = lnp.exp(a) * a + 2.0
        return b, a @ lnp.ones((256, 3)), lnp.sqrt(b) - a

    got, fusions = _fused(fn, rows, cols)
    assert fusions >= 1
    for g, w in zip(got, fn(rows, cols), strict=True):
        _assert_close(g, w)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(fusion._F32_OPS & set(UNARY)))
def test_float32_runs_stay_float32(name):
    op = getattr(lnp, name)
    x = lm.asarray(_inputs().astype(np.float32))
    got, fusions = _fused(lambda t: op(t * 1.0 + 0.0), x)
    assert fusions >= 1 and got.dtype == np.float32
    with np.errstate(all="ignore"):
        want = getattr(np, name)(np.asarray(x) * np.float32(1.0) + np.float32(0.0))
    _assert_close(got, want, maxulp=4)


def test_what_is_not_fused_runs_unfused():
    x32 = lm.asarray(_inputs().astype(np.float32))
    got, fusions = _fused(lambda x: lnp.sin(x) + lnp.ones(N), x32)  # float32 + float64
    assert fusions == 0 and got.dtype == np.float64
    small = lm.asarray(np.linspace(0, 1, 100))
    got, fusions = _fused(lambda x: lnp.tanh(x * 2.0) + 1.0, small)
    assert fusions == 0
    np.testing.assert_array_equal(got, np.tanh(np.linspace(0, 1, 100) * 2.0) + 1.0)


def test_without_numba_programs_run_unfused(monkeypatch):
    monkeypatch.setattr(fusion, "_numba", False)
    x = lm.asarray(_inputs())
    got, fusions = _fused(lambda t: lnp.exp(lnp.sin(t)) * 2.0, x)
    assert fusions == 0
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(got, np.exp(np.sin(np.asarray(x))) * 2.0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("value", [0.3, -2.5, 0.0, -0.0, 1.0, np.inf, -np.inf, np.nan, 1e300,
                                   750.0])
def test_a_0d_program_as_python_math_gives_numpys_bits(value):
    # NOTE [0-d programs as Python math]: exp overflows at 750, sin(inf) and 1/0 raise in
    # math: those calls take the NumPy version.
    def f(t):
        y = lnp.sin(t) * 2.0 + 1.0
        y = lnp.exp(-y * y) - t / 3.0
        return lnp.log1p(y * y) * lnp.sqrt(lnp.abs(t)) + 1.0 / t + lnp.exp(t)

    g = lm.grad(f)
    compiled_f, compiled_g = lm.compile(f), lm.compile(g)
    x = lm.asarray(value)
    for got, want in ((compiled_f(x), f(x)), (compiled_g(x), g(x))):
        a, b = np.asarray(got), np.asarray(want)
        assert a.shape == b.shape == () and a.dtype == b.dtype == np.float64
        assert a.tobytes() == b.tobytes() or (np.isnan(a) and np.isnan(b)), (a, b)


def test_the_0d_math_version_is_made_for_calibrated_ops_only(monkeypatch):
    made = []
    original = fusion.scalar_source

    def spy(*args):
        source = original(*args)
        made.append(source)
        return source

    monkeypatch.setattr(fusion, "scalar_source", spy)
    lm.compile(lm.grad(lambda t: lnp.sin(t) * lnp.exp(t)))(lm.asarray(0.5))
    assert made[-1] is not None and "_sin(" in made[-1]
    calibrated = fusion._same_as_numpy()
    if "tanh" not in calibrated:  # NumPy's own tanh: the program stays NumPy's
        lm.compile(lambda t: lnp.tanh(t) * 2.0)(lm.asarray(0.5))
        assert made[-1] is None
