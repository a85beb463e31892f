"""Gradients of linear algebra where the OpInfo grad test cannot look: norms at zero, closed
forms, the triangle that cholesky and eigh read, the free columns of full SVD and QR factors,
degenerate spectra, and the errors for complex decompositions."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads


def _np(t):
    return t.numpy() if isinstance(t, lm.Tensor) else np.asarray(t)


def _close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(_np(a), np.asarray(b), rtol=rtol, atol=atol)


def _spd(n, seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, (n, n))
    return x @ x.T + n * np.eye(n)


# -- norms at zero (NOTE [norms at zero]) ---------------------------------------------------------

def test_norm_grad_at_zero_is_zero_not_nan():
    g = lm.grad(lnp.linalg.norm)(lnp.zeros(3))
    assert np.isfinite(_np(g)).all()
    _close(g, [0.0, 0.0, 0.0])


def test_norm_grad_at_3_4():
    _close(lm.grad(lnp.linalg.norm)(lnp.asarray([3.0, 4.0])), [0.6, 0.8])


@pytest.mark.parametrize("f", [
    lambda x: lnp.linalg.vector_norm(x),
    lambda x: lnp.linalg.norm(x, ord=2),
    lambda x: lnp.linalg.norm(x, ord=3),
    lambda x: lnp.linalg.norm(lnp.reshape(x, (2, 2)), "fro"),
    lambda x: lnp.linalg.matrix_norm(lnp.reshape(x, (2, 2))),
    lambda x: lnp.sum(lnp.linalg.norm(lnp.reshape(x, (2, 2)), axis=1)),
], ids=["vector_norm", "ord=2", "ord=3", "fro", "matrix_norm", "rows"])
def test_other_norms_at_zero(f):
    g = lm.grad(f)(lnp.zeros(4))
    _close(g, np.zeros(4))


def test_norm_of_a_zero_row_next_to_a_nonzero_one():
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    g = lm.grad(lambda a: lnp.sum(lnp.linalg.norm(a, axis=1)))(x)
    _close(g, [[0.0, 0.0], [0.6, 0.8]])


def test_norm_second_order_away_from_zero():
    check_grads(lnp.linalg.norm, (lnp.asarray([3.0, -4.0, 1.0]),), order=2)


def test_negative_order_norm_of_an_empty_vector_is_inf_as_in_numpy():
    with np.errstate(divide="ignore"):
        expected = np.linalg.norm(np.zeros(0), ord=-1)
        assert _np(lnp.linalg.norm(lnp.zeros(0), ord=-1)) == expected


# -- closed forms ---------------------------------------------------------------------------------

def test_det_and_slogdet_grads():
    a = _spd(3)
    _close(lm.grad(lnp.linalg.det)(a), np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-9)
    g = lm.grad(lambda m: lnp.linalg.slogdet(m).logabsdet)(a)
    _close(g, np.linalg.inv(a).T, rtol=1e-9)


def test_inv_and_pinv_agree_for_an_invertible_matrix():
    a = _spd(3) + np.triu(np.ones((3, 3)))  # not symmetric
    c = np.arange(9.0).reshape(3, 3)

    def loss(fn):
        return lambda m: lnp.sum(fn(m) * c)

    _close(lm.grad(loss(lnp.linalg.pinv))(a), lm.grad(loss(lnp.linalg.inv))(a), rtol=1e-8,
           atol=1e-10)


def test_einsum_trace_and_diagonal_grads():
    a = np.arange(9.0).reshape(3, 3)
    _close(lm.grad(lambda m: lnp.einsum("ii", m))(a), np.eye(3))
    _close(lm.grad(lambda m: lnp.sum(lnp.einsum("ii->i", m) * lnp.asarray([1.0, 2.0, 3.0])))(a),
           np.diag([1.0, 2.0, 3.0]))
    _close(lm.grad(lambda m: lnp.einsum("ij->", m))(a), np.ones((3, 3)))


def test_matmul_grads_sum_over_broadcast_batch_dims():
    a, b = np.ones((2, 1, 3, 4)), np.ones((5, 4, 2))
    ga, gb = lm.grad(lambda x, y: lnp.sum(x @ y), argnums=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    _close(ga, np.full(a.shape, 5 * 2.0))
    _close(gb, np.full(b.shape, 2 * 3.0))


def test_solve_grad_with_a_vector_right_hand_side():
    a, b = _spd(3) + np.tril(np.ones((3, 3))), np.array([1.0, -2.0, 0.5])
    ga, gb = lm.grad(lambda m, v: lnp.sum(lnp.linalg.solve(m, v)), argnums=(0, 1))(a, b)
    gb_ref = np.linalg.solve(a.T, np.ones(3))
    _close(gb, gb_ref, rtol=1e-9)
    _close(ga, -np.outer(gb_ref, np.linalg.solve(a, b)), rtol=1e-9)


# -- the triangle cholesky and eigh read (NOTE [one triangle is read]) ----------------------------

@pytest.mark.parametrize("kwargs, keep", [({}, np.tril), ({"upper": True}, np.triu)])
def test_cholesky_grad_lives_on_the_triangle_it_reads(kwargs, keep):
    a = _spd(4)
    g = _np(lm.grad(lambda m: lnp.sum(lnp.linalg.cholesky(m, **kwargs) ** 3))(a))
    np.testing.assert_array_equal(g, keep(g))
    assert np.abs(g).max() > 0


@pytest.mark.parametrize("uplo, keep", [("L", np.tril), ("U", np.triu)])
def test_eigh_grad_lives_on_the_uplo_triangle(uplo, keep):
    x = np.random.default_rng(1).uniform(-1, 1, (4, 4))
    g = _np(lm.grad(lambda m: lnp.linalg.eigvalsh(m, UPLO=uplo)[-1])(x))
    np.testing.assert_array_equal(g, keep(g))
    # folded from v v^T (v the top eigenvector of the matrix the kernel reads): the diagonal
    # once, the off-diagonal entries of the triangle twice
    s = np.tril(x) + np.tril(x, -1).T if uplo == "L" else np.triu(x) + np.triu(x, 1).T
    v = np.linalg.eigh(s)[1][:, -1]
    vv = np.outer(v, v)
    _close(g, keep(2 * vv) - np.diag(np.diag(vv)), rtol=1e-9, atol=1e-12)


def test_eigenvalue_grad_at_a_degenerate_spectrum():
    # Eigenvalues alone: their sum (the trace) is smooth even where they coincide, and the
    # rule's inverse gaps are 0 where a gap is exactly 0 (NOTE [distinct spectra]).
    g = lm.grad(lambda m: lnp.sum(lnp.linalg.eigvalsh(m)))(np.eye(3))
    _close(g, np.eye(3))


def test_singular_value_grad_is_u_v_outer():
    a = np.random.default_rng(2).uniform(-1, 1, (4, 3))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    _close(lm.grad(lambda m: lnp.linalg.svdvals(m)[0])(a), np.outer(u[:, 0], vh[0]),
           rtol=1e-9, atol=1e-12)


# -- full SVD and complete QR: the free columns (gauge) ------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_full_svd_orthogonality_has_zero_grad(shape):
    a = np.random.default_rng(3).uniform(-1, 1, shape)
    c1 = np.random.default_rng(4).standard_normal((shape[0], shape[0]))
    c2 = np.random.default_rng(5).standard_normal((shape[1], shape[1]))

    def f(m):
        u, _, vh = lnp.linalg.svd(m, full_matrices=True)
        return lnp.sum((u.T @ u) * c1) + lnp.sum((vh @ vh.T) * c2)

    _close(lm.grad(f)(a), np.zeros(shape), atol=1e-10)


def test_complete_qr_orthogonality_has_zero_grad():
    a = np.random.default_rng(6).uniform(-1, 1, (5, 3))
    c = np.random.default_rng(7).standard_normal((5, 5))
    g = lm.grad(lambda m: lnp.sum((lnp.linalg.qr(m, mode="complete").Q.T
                                   @ lnp.linalg.qr(m, mode="complete").Q) * c))(a)
    _close(g, np.zeros(a.shape), atol=1e-10)


# -- lstsq, complex decompositions ----------------------------------------------------------------

def test_lstsq_rank_stays_a_python_int_under_grad():
    a = np.random.default_rng(8).uniform(-1, 1, (5, 3))
    b = np.ones(5)
    ranks = []

    def f(m):
        x, _, rank, _ = lnp.linalg.lstsq(m, b)
        ranks.append(rank)
        return lnp.sum(x)

    g = lm.grad(f)(a)
    assert type(ranks[0]) is int and ranks[0] == 3
    assert g.shape == a.shape


@pytest.mark.parametrize("f", [
    lambda m: lnp.linalg.cholesky(m),
    lambda m: lnp.linalg.eigh(m).eigenvalues,
    lambda m: lnp.linalg.svd(m).U,
    lambda m: lnp.linalg.qr(m).R,
    lambda m: lnp.linalg.pinv(m),
], ids=["cholesky", "eigh", "svd", "qr", "pinv"])
def test_complex_decompositions_say_real_only(f):
    a = (_spd(3) + 0j).astype(np.complex128)
    out, pullback = lm.vjp(f, lnp.asarray(a))
    with pytest.raises(TypeError, match="implemented for real matrices only"):
        pullback(lnp.ones_like(out))


def test_complex_holomorphic_grads_use_plain_transposes():
    a = (_spd(3) + 1j * np.eye(3)).astype(np.complex128)
    out, pullback = lm.vjp(lnp.linalg.inv, lnp.asarray(a))
    (ga,) = pullback(lnp.ones_like(out))
    inv_t = np.linalg.inv(a).T
    _close(ga, -inv_t @ np.ones((3, 3)) @ inv_t, rtol=1e-9)


@pytest.mark.parametrize("f, ref", [
    (lambda m: lnp.linalg.slogdet(m).sign, lambda m: np.linalg.slogdet(m)[0]),
    (lambda m: lnp.linalg.slogdet(m).logabsdet, lambda m: np.linalg.slogdet(m)[1]),
    (lnp.linalg.det, np.linalg.det),
    (lnp.linalg.svdvals, lambda m: np.linalg.svd(m, compute_uv=False)),
    (lambda m: lnp.linalg.solve(m, lnp.ones(3)), lambda m: np.linalg.solve(m, np.ones(3))),
], ids=["slogdet sign", "logabsdet", "det", "svdvals", "solve"])
def test_complex_grads_pair_with_finite_differences(f, ref):
    # JAX's convention (NOTE [complex cotangents]): <g_in, dA> = Re(sum(g_in * dA)).
    rng = np.random.default_rng(9)
    a, e = (rng.standard_normal((2, 3, 3)) + 1j * rng.standard_normal((2, 3, 3)) for _ in "ae")
    out, pullback = lm.vjp(f, lnp.asarray(a))
    o = _np(out)
    g = rng.standard_normal(o.shape) + (1j * rng.standard_normal(o.shape) if o.dtype.kind == "c"
                                        else 0)
    (ga,) = pullback(lnp.asarray(g.astype(o.dtype)))
    eps = 1e-6
    slope = (ref(a + eps * e) - ref(a - eps * e)) / (2 * eps)
    np.testing.assert_allclose(np.real(np.sum(_np(ga) * e)), np.real(np.sum(g * slope)),
                               rtol=1e-6)
