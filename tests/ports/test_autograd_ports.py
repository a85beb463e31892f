"""HIPS/autograd's examples ported to lamina (``benchmarks/autograd_ports``), in short runs,
against autograd running the same source on the same data; and ``lamina.misc`` (flatten,
ravel_pytree, the optimizers) against autograd's and JAX's documented behaviour.

Values are compared with a max-norm relative difference (``_rel``): the largest absolute
difference over the largest magnitude of the reference, so that entries near zero, whose
relative round-off is meaningless, do not dominate.
"""

from __future__ import annotations

import collections
import importlib
import os
import sys
import warnings

import numpy as np
import pytest

autograd = pytest.importorskip("autograd")

import autograd.numpy as anp  # noqa: E402
from autograd.misc import flatten as ag_flatten  # noqa: E402
from autograd.misc import optimizers as ag_optimizers  # noqa: E402

import lamina as lm  # noqa: E402
import lamina.numpy as lnp  # noqa: E402
from lamina.misc import flatten, flatten_func, optimizers  # noqa: E402

_BENCHMARKS = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "benchmarks")
sys.path.insert(0, os.path.abspath(_BENCHMARKS))
from autograd_ports import PROGRAMS, libs  # noqa: E402


def _rel(ref, other) -> float:
    ref, other = np.asarray(ref, dtype=float), np.asarray(other, dtype=float)
    assert ref.shape == other.shape
    scale = np.max(np.abs(ref)) if ref.size else 0.0
    diff = np.max(np.abs(ref - other)) if ref.size else 0.0
    return diff / scale if scale else diff


# -- the ports -------------------------------------------------------------------------------

# Short runs: a few iterations on small data, each under a few seconds on one core.
SHORT = {
    "neural_net": dict(n_iters=3, n_train=256, n_test=64, batch_size=128),
    "logistic_regression": dict(n_iters=20),
    "black_box_svi": dict(n_iters=5, num_samples=200),
    "bayesian_neural_net": dict(n_iters=5),
    "rnn": dict(n_iters=2, max_lines=12, num_texts=1, num_letters=3),
    "lstm": dict(n_iters=2, max_lines=12, num_texts=1, num_letters=3),
    "mixture_variational_inference": dict(n_iters=3, k=4),
    "fluidsim": dict(size=12, simulation_timesteps=4, maxiter=2),
    "maml": dict(n_iters=4, log_every=2),
    "mlp_sgd": dict(n_iters=20, log_every=5),
}

# 1e-10 wherever the values are computed the same way up to round-off. In these short runs no
# optimizer has had the iterations to amplify round-off (adam's normalized steps with
# step_size 0.1, as in the rnn/lstm/svi examples, do over hundreds of iterations: see the
# benchmark's table), so every program is held to it.
RTOL = dict.fromkeys(PROGRAMS, 1e-10)


def test_every_program_has_a_short_run():
    assert set(SHORT) == set(PROGRAMS)


@pytest.mark.parametrize("name", PROGRAMS)
def test_port_matches_autograd(name):
    if name == "fluidsim":
        pytest.importorskip("scipy")
    module = importlib.import_module(f"autograd_ports.{name}")
    expected = module.run(libs.autograd_lib(), **SHORT[name]).values
    result = module.run(libs.lamina_lib(), **SHORT[name])
    assert set(result.values) == set(expected)
    for key, ref in expected.items():
        got = result.values[key]
        if isinstance(ref, str):  # printed text (predictions, accuracies, samples)
            assert got == ref, key
        else:
            assert _rel(ref, got) <= RTOL[name], (key, ref, got)
    assert len(result.steps) >= 1 and result.total > 0


def test_the_loops_record_rss_at_100_and_600():
    from autograd_ports import mlp_sgd

    result = mlp_sgd.run(libs.lamina_lib(), n_iters=600, n_data=256, batch_size=32,
                         layer_sizes=(4, 8, 3), log_every=300)
    assert sorted(result.rss) == [100, 600]
    assert len(result.steps) == 600


def test_the_ports_do_not_call_lm_eval():
    # "written the way users write them": no explicit evaluation anywhere in the ports.
    folder = os.path.join(_BENCHMARKS, "autograd_ports")
    for file in os.listdir(folder):
        if file.endswith(".py"):
            with open(os.path.join(folder, file)) as f:
                source = f.read()
            assert "lm.eval" not in source and "lamina.eval" not in source, file


# -- lamina.misc.flatten -------------------------------------------------------------------

def _tree(rs):
    return {"w": [rs.randn(2, 3), (rs.randn(3), 0.5)], "a": rs.randn(4).astype(np.float32),
            "b": {"z": rs.randn(1, 1), "y": 2.0}}


def test_flatten_matches_autograd_and_round_trips():
    rs = np.random.RandomState(0)
    tree = _tree(rs)
    vector, unflatten = flatten(tree)
    ag_vector, ag_unflatten = ag_flatten(tree)
    assert vector.shape == ag_vector.shape and vector.dtype == ag_vector.dtype
    np.testing.assert_array_equal(np.asarray(vector), ag_vector)  # sorted-key order
    back, ag_back = unflatten(vector * 3.0), ag_unflatten(ag_vector * 3.0)
    assert list(back) == list(tree)  # the caller's key order
    assert type(back["w"]) is list and type(back["w"][1]) is tuple
    assert back["a"].dtype == np.float32 and back["w"][1][1].shape == ()  # scalars as 0-d
    np.testing.assert_array_equal(np.asarray(flatten(back)[0]), ag_flatten(ag_back)[0])
    for got, ref in zip(lm.tree.leaves(back), lm.tree.leaves(ag_back), strict=True):
        assert got.shape == np.shape(ref) and got.dtype == np.asarray(ref).dtype
    with pytest.raises(ValueError, match="shape"):
        unflatten(vector[:-1])


def test_flatten_empty_and_flatten_func():
    vector, unflatten = flatten([])
    assert vector.shape == (0,) and vector.dtype == np.float64 and unflatten(vector) == []
    f = lambda p: {"double": 2 * p["x"], "sum": lnp.sum(p["x"])}  # noqa: E731
    flat_f, unflatten, x0 = flatten_func(f, {"x": lnp.arange(3.0)})
    assert flat_f(x0).tolist() == [0.0, 2.0, 4.0, 3.0]  # "double" < "sum"
    assert unflatten(x0)["x"].tolist() == [0.0, 1.0, 2.0]


def test_gradients_through_flatten_and_unflatten():
    rs = np.random.RandomState(1)
    tree = {"w": [rs.randn(2, 3), rs.randn(3)], "c": 0.7}

    def loss(np_, flatten_):
        def f(params):
            v, unflatten = flatten_(params)
            back = unflatten(v * v)
            return np_.dot(v, v) * np_.sum(back["w"][0]) + np_.sin(back["c"])
        return f

    got = lm.grad(loss(lnp, flatten))(tree)
    ref = autograd.grad(loss(anp, ag_flatten))(tree)
    assert _rel(ag_flatten(ref)[0], flatten(got)[0]) <= 1e-13
    # ... and through unflatten, as a function of the vector
    v0, unflatten = flatten(tree)
    ag_v0, ag_unflatten = ag_flatten(tree)
    g = lm.grad(lambda v: lnp.sum(unflatten(v)["w"][0] ** 3) * unflatten(v)["c"])(v0)
    ag_g = autograd.grad(lambda v: anp.sum(ag_unflatten(v)["w"][0] ** 3)
                         * ag_unflatten(v)["c"])(ag_v0)
    assert _rel(ag_g, g) <= 1e-13


# -- lm.ravel_pytree (jax.flatten_util.ravel_pytree) --------------------------------------

def test_ravel_pytree_single_dtype_keeps_the_vectors_dtype():
    tree = {"a": np.ones((2, 2), np.float32), "b": [np.arange(3, dtype=np.float32)]}
    flat, unravel = lm.ravel_pytree(tree)
    assert flat.dtype == np.float32 and flat.tolist() == [1, 1, 1, 1, 0, 1, 2]
    back = unravel(flat)
    assert back["a"].dtype == np.float32 and back["b"][0].shape == (3,)
    # JAX's single-dtype unravel is dtype-polymorphic (jax#7809): no cast back
    assert unravel(flat.astype(np.float64))["a"].dtype == np.float64


@pytest.mark.parametrize("leaves, promoted", [
    ((np.float32(1), np.ones(2)), np.float64),
    ((np.ones(2, np.int32), np.ones(2, np.float32)), np.float64),  # NumPy's lattice
    ((np.ones(2, np.int64), 1.5), np.float64),  # a Python float counts as float64
    ((np.ones(2, bool), 3), np.int64),  # a Python int counts as int64
    ((np.ones(2, np.float32), np.ones(2, np.complex64)), np.complex64),
    ((np.ones(2), np.ones(2, np.complex64)), np.complex128),
])
def test_ravel_pytree_mixed_dtypes_promote_and_cast_back(leaves, promoted):
    flat, unravel = lm.ravel_pytree(list(leaves))
    assert flat.dtype == promoted and flat.shape == (sum(np.size(x) for x in leaves),)
    back = unravel(flat)
    for got, leaf in zip(back, leaves, strict=True):
        assert got.dtype == np.asarray(leaf).dtype and got.shape == np.shape(leaf)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(leaf))
    wrong = np.complex128 if promoted != np.complex128 else np.float64
    with pytest.raises(TypeError, match="dtype"):
        unravel(flat.astype(wrong))


def test_ravel_pytree_complex_unravels_to_the_real_part():
    flat, unravel = lm.ravel_pytree((np.ones(2), np.asarray([1j])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the complex-to-real cast, as JAX silences it
        x, z = unravel(flat + 2.0)
        assert np.asarray(x).tolist() == [3.0, 3.0] and x.dtype == np.float64
        assert np.asarray(z).tolist() == [2 + 1j]


def test_ravel_pytree_structures():
    Point = collections.namedtuple("Point", "x y")
    tree = {"b": Point(np.ones(2), None), "a": (np.zeros((1, 2)), [])}
    flat, unravel = lm.ravel_pytree(tree)
    assert flat.tolist() == [0.0, 0.0, 1.0, 1.0]  # sorted keys; None and [] hold no leaves
    back = unravel(flat)
    assert type(back["b"]) is Point and back["b"].y is None and back["a"][1] == []
    with pytest.raises(ValueError, match="shape"):
        unravel(flat[:3])


def test_ravel_pytree_empty():
    flat, unravel = lm.ravel_pytree({"a": None, "b": []})
    assert flat.shape == (0,) and flat.dtype == np.float64  # JAX: float32 without x64
    assert unravel(flat) == {"a": None, "b": []}


def test_ravel_pytree_is_differentiable():
    tree = [np.arange(3.0), {"k": np.ones((2, 2))}]

    def f(t):
        flat, unravel = lm.ravel_pytree(t)
        return lnp.sum(flat**2) + lnp.sum(unravel(flat * 2.0)[1]["k"])

    g = lm.grad(f)(tree)
    assert g[0].tolist() == [0.0, 2.0, 4.0]
    assert g[1]["k"].tolist() == [[4.0, 4.0], [4.0, 4.0]]


# -- lamina.misc.optimizers against autograd's -----------------------------------------------

def _problem(np_):
    rs = np.random.RandomState(3)
    A, b = rs.randn(6, 3), rs.randn(6)

    def loss(p, i):
        r = np_.dot(A, p["w"]) - b + 0.01 * i
        return (np_.sum(r**2) + np_.sum(np_.tanh(p["c"][0]) ** 2)
                + p["c"][1] ** 2 * np_.sum(p["w"]))

    x0 = {"w": rs.randn(3), "c": [rs.randn(2, 2), 0.3]}
    return loss, x0


@pytest.mark.parametrize("name, kwargs", [
    ("sgd", dict(num_iters=40, step_size=0.05, mass=0.8)),
    ("rmsprop", dict(num_iters=40, step_size=0.02, gamma=0.8, eps=1e-6)),
    ("adam", dict(num_iters=40, step_size=0.05, b1=0.8, b2=0.99, eps=1e-7)),
    ("adam", dict(num_iters=3)),  # the defaults
])
def test_optimizer_matches_autograd(name, kwargs):
    loss, x0 = _problem(anp)
    ref = getattr(ag_optimizers, name)(autograd.grad(loss), x0, **kwargs)
    loss, x0 = _problem(lnp)
    got = getattr(optimizers, name)(lm.grad(loss), x0, **kwargs)
    assert type(got) is dict and type(got["c"]) is list
    assert _rel(ag_flatten(ref)[0], flatten(got)[0]) <= 1e-12


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam"])
def test_optimizer_callback_arguments(name):
    seen, ag_seen = [], []
    loss, x0 = _problem(anp)
    getattr(ag_optimizers, name)(autograd.grad(loss), x0, num_iters=4, step_size=0.01,
                                 callback=lambda x, i, g: ag_seen.append((x, i, g)))
    loss, x0 = _problem(lnp)
    getattr(optimizers, name)(lm.grad(loss), x0, num_iters=4, step_size=0.01,
                              callback=lambda x, i, g: seen.append((x, i, g)))
    assert [i for _, i, _ in seen] == [0, 1, 2, 3]
    for (x, i, g), (ag_x, ag_i, ag_g) in zip(seen, ag_seen, strict=True):
        assert type(i) is int and i == ag_i
        for tree, ref in ((x, ag_x), (g, ag_g)):  # x0's structure, then the values
            assert list(tree) == list(ref) and type(tree["c"]) is list
            assert tree["c"][0].shape == (2, 2) and tree["c"][1].shape == ()
            assert _rel(ag_flatten(ref)[0], flatten(tree)[0]) <= 1e-12


def test_optimizers_keep_autograds_signatures():
    import inspect

    # autograd.misc.optimizers, as written (its wrapper hides them from inspect.signature)
    expected = {
        "sgd": dict(callback=None, num_iters=200, step_size=0.1, mass=0.9),
        "rmsprop": dict(callback=None, num_iters=100, step_size=0.1, gamma=0.9, eps=1e-8),
        "adam": dict(callback=None, num_iters=100, step_size=0.001, b1=0.9, b2=0.999,
                     eps=1e-8),
    }
    for name, defaults in expected.items():
        params = inspect.signature(getattr(optimizers, name)).parameters
        assert list(params) == ["grad", "x", *defaults], name
        assert {k: params[k].default for k in defaults} == defaults, name
