"""vmap and jacrev from the user's side: in_dims/out_dims, pytrees, nesting, chunking,
per-sample gradients, ensembling, and every error a user can hit."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import core

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
Y = rng.standard_normal((3, 5))


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(a.numpy() if isinstance(a, lm.Tensor) else np.asarray(a),
                               np.asarray(b), rtol=tol, atol=tol)


def test_in_dims_int_none_negative_and_tuple():
    _close(lm.vmap(lnp.sum)(X), X.sum(axis=1))
    _close(lm.vmap(lnp.sum, in_dims=1)(X), X.sum(axis=0))
    _close(lm.vmap(lnp.sum, in_dims=-1)(X), X.sum(axis=0))
    _close(lm.vmap(lambda a, b: a @ b, in_dims=(0, None))(X, Y), X @ Y)
    _close(lm.vmap(lambda a, b: a * b, in_dims=(1, 0))(X, X.T), (X * X).T)


def test_jax_aliases_in_axes_out_axes():
    _close(lm.vmap(lambda a: a * 2.0, in_axes=1, out_axes=1)(X), X * 2)


def test_out_dims_and_outputs_of_every_shape():
    _close(lm.vmap(lambda a: a + 1.0, out_dims=1)(X), (X + 1).T)
    s = lm.vmap(lambda a: lnp.sum(a))(X)
    assert s.shape == (4,)
    t = lm.vmap(lambda a: (a.sum(), a * 2.0))(X)
    assert isinstance(t, tuple) and t[1].shape == (4, 3)
    d = lm.vmap(lambda a: {"m": a.max(), "v": a})(X)
    _close(d["m"], X.max(axis=1))


def test_unbatched_output_is_broadcast_or_kept_with_out_dims_none():
    c = lm.asarray([1.0, 2.0])
    out = lm.vmap(lambda a: c * 2.0)(X)
    _close(out, np.tile([2.0, 4.0], (4, 1)))
    kept = lm.vmap(lambda a: (a.sum(), c), out_dims=(0, None))(X)
    _close(kept[1], [1.0, 2.0])


def test_pytree_inputs_with_prefix_in_dims():
    params = {"w": lm.asarray(rng.standard_normal((2, 3, 3))), "b": lm.asarray(np.zeros(3))}
    out = lm.vmap(lambda p, x: x @ p["w"] + p["b"], in_dims=({"w": 0, "b": None}, None))(
        params, lm.asarray(X))
    assert out.shape == (2, 4, 3)
    _close(out[1], X @ params["w"][1].numpy())


def test_nested_vmap_matches_a_double_loop():
    a = rng.standard_normal((2, 3, 4))
    got = lm.vmap(lm.vmap(lambda r: lnp.exp(r) * r.sum()))(a)
    ref = np.stack([[np.exp(r) * r.sum() for r in m] for m in a])
    _close(got, ref)
    got = lm.vmap(lm.vmap(lambda u, v: lnp.dot(u, v), in_dims=(0, None)), in_dims=(None, 0))(
        rng.standard_normal((3, 4)), rng.standard_normal((5, 4)))
    assert got.shape == (5, 3)


def test_chunk_size_gives_the_same_result():
    a = rng.standard_normal((10, 3))
    f = lambda r: lnp.tanh(r) @ lnp.ones(3)  # noqa: E731
    _close(lm.vmap(f, chunk_size=3)(a), lm.vmap(f)(a).numpy())
    _close(lm.vmap(f, chunk_size=100)(a), lm.vmap(f)(a).numpy())


def test_per_sample_gradients():
    w = rng.standard_normal(3)
    xs, ys = rng.standard_normal((8, 3)), rng.standard_normal(8)

    def loss(w, x, y):
        return (lnp.tanh(x @ w) - y) ** 2

    per_sample = lm.vmap(lm.grad(loss), in_dims=(None, 0, 0))(w, xs, ys)
    loop = np.stack([lm.grad(loss)(w, x, y).numpy() for x, y in zip(xs, ys, strict=True)])
    _close(per_sample, loop)


def test_model_ensembling_over_stacked_parameters():
    ws = rng.standard_normal((5, 3, 2))
    outs = lm.vmap(lambda w, x: lnp.tanh(x @ w), in_dims=(0, None))(ws, X)
    _close(outs, np.stack([np.tanh(X @ w) for w in ws]))


def test_jacrev_against_finite_differences_and_closed_form():
    def f(x):
        return lnp.sin(x) * lnp.sum(x ** 2)

    x0 = rng.standard_normal(4)
    jac = lm.jacrev(f)(x0).numpy()
    eps = 1e-6
    fd = np.stack([(f(lm.asarray(x0 + eps * e)).numpy() - f(lm.asarray(x0 - eps * e)).numpy())
                   / (2 * eps) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8)
    a = rng.standard_normal((3, 4))
    _close(lm.jacrev(lambda x: lnp.asarray(a) @ x)(x0), a)


def test_jacrev_argnums_tuple_and_chunked():
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    ja, jb = lm.jacrev(lambda x, y: x * y, argnums=(0, 1))(a, b)
    _close(ja, np.diag(b))
    _close(jb, np.diag(a))
    _close(lm.jacrev(lambda x: x * 2.0, chunk_size=2)(a), 2 * np.eye(3))


def test_data_dependent_control_flow_raises_and_suggests_where():
    def f(x):
        if x.sum() > 0:
            return x
        return -x

    with pytest.raises(RuntimeError, match="data-dependent control flow.*lamina.numpy.where"):
        lm.vmap(f)(X)
    for bad in (lambda x: x.sum().item(), lambda x: float(x.sum())):
        with pytest.raises(RuntimeError, match="data-dependent"):
            lm.vmap(bad)(X)
    assert core.current_interpreters() == ()


def test_writing_a_batched_value_into_a_captured_tensor_raises():
    buf = lnp.zeros(3)

    def f(x):
        buf[...] = x
        return buf

    with pytest.raises(RuntimeError, match=r"vmap: the in-place operation \(setitem_\).*"
                                           r"functionalize"):
        lm.vmap(f)(X)
    np.testing.assert_array_equal(buf.numpy(), np.zeros(3))


# -- errors ----------------------------------------------------------------------------------

def test_in_dims_of_the_wrong_length_or_type():
    with pytest.raises(ValueError, match=r"vmap\(<lambda>, in_dims=\(0, 0\), \.\.\.\)"
                                         r"\(<inputs>\): in_dims has 2 entries"):
        lm.vmap(lambda a: a, in_dims=(0, 0))(X)
    with pytest.raises(TypeError, match="in_dims must be an int, None, or a tuple"):
        lm.vmap(lambda a: a, in_dims="0")(X)


def test_in_dim_out_of_range():
    with pytest.raises(ValueError, match="in_dim 2 is out of range for input 0 of dimension 2"):
        lm.vmap(lambda a: a, in_dims=2)(X)


def test_different_batch_sizes_name_each_size():
    with pytest.raises(ValueError, match="same batch size, got size 3 for input.s. 1; size 4 "
                                         "for input.s. 0"):
        lm.vmap(lambda a, b: a, in_dims=(0, 0))(X, Y)


def test_no_batched_input():
    with pytest.raises(ValueError, match="no input is batched"):
        lm.vmap(lambda a: a, in_dims=None)(X)


def test_out_dims_not_matching_outputs():
    with pytest.raises(ValueError, match="out_dims"):
        lm.vmap(lambda a: (a, a), out_dims=(0, 0, 0))(X)
    with pytest.raises(ValueError, match="out_dims is None for output 0, but that output is "
                                         "batched"):
        lm.vmap(lambda a: a, out_dims=None)(X)


def test_output_that_is_not_a_tensor():
    with pytest.raises(TypeError, match="output 0 is a str"):
        lm.vmap(lambda a: "x")(X)


def test_bad_randomness_and_chunk_size():
    with pytest.raises(ValueError, match="randomness must be one of"):
        lm.vmap(lambda a: a, randomness="maybe")
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        lm.vmap(lambda a: a, chunk_size=0)
