"""NOTE [batched products as one product] (lamina/ops/linalg.py): vmap of a product with one
shared matrix runs as one matrix product; every case equals the loop over the batch."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp


def _loop(f, in_dims, *args):
    size = next(a.shape[d] for a, d in zip(args, in_dims, strict=True) if d is not None)
    outs = []
    for i in range(size):
        outs.append(f(*[a if d is None else np.take(a, i, axis=d)
                        for a, d in zip(args, in_dims, strict=True)]))
    return np.stack(outs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("a_shape", "b_shape", "in_dims"), [
    ((3, 4), (5, 4), (None, 0)),        # matrix @ a batch of vectors
    ((3, 4), (4, 5), (None, 1)),        # the batch along the vectors' other axis
    ((3, 4), (5, 4, 1), (None, 0)),     # matrix @ a batch of columns (what a @ v makes)
    ((3, 4), (5, 4, 2), (None, 0)),     # matrix @ a batch of matrices
    ((3, 4), (4, 5, 2), (None, 1)),
    ((5, 4), (4, 3), (0, None)),        # a batch of vectors @ matrix
    ((5, 2, 4), (4, 3), (0, None)),     # a batch of matrices @ matrix
    ((2, 5, 4), (4, 3), (1, None)),
])
def test_vmap_of_a_product_with_a_shared_matrix_equals_the_loop(a_shape, b_shape, in_dims,
                                                                 dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    got = lm.vmap(lambda x, y: x @ y, in_dims=in_dims)(lm.asarray(a), lm.asarray(b))
    want = _loop(lambda x, y: x @ y, in_dims, a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)
    g = lm.grad(lambda x, y: lm.vmap(lambda p, q: p @ q, in_dims=in_dims)(x, y).sum(),
                argnums=(0, 1))(lm.asarray(a), lm.asarray(b))
    assert g[0].shape == a.shape and g[1].shape == b.shape


def test_jacobians_of_a_matrix_vector_product_equal_the_closed_form():
    rng = np.random.default_rng(1)
    m, x = rng.standard_normal((6, 6)), rng.standard_normal(6)
    closed = (1 - np.tanh(m @ x) ** 2)[:, None] * m
    for jac in (lm.jacfwd, lm.jacrev):
        got = jac(lambda y: lnp.tanh(lm.asarray(m) @ y))(lm.asarray(x))
        np.testing.assert_allclose(got.numpy(), closed, rtol=1e-12, atol=1e-14)
