"""Gradients of reductions where the OpInfo grad test cannot look: zeros in products, ties in
extrema, overflow in logsumexp, zero variance, NaN-skipping, and the "no grad" reductions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.numpy as lnp
from lamina.ops import reduction as red
from lamina.special import logsumexp
from lamina.testing import check_grads


def _np(t):
    return t.numpy() if isinstance(t, lm.Tensor) else np.asarray(t)


def _close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(_np(a), np.asarray(b), rtol=rtol, atol=atol)


# -- logsumexp --------------------------------------------------------------------------------

def test_logsumexp_grad_is_softmax_without_overflow():
    g = lm.grad(logsumexp)(lnp.asarray([1000.0, 1000.0]))
    assert not np.isnan(_np(g)).any()
    _close(g, [0.5, 0.5])


def test_logsumexp_grad_large_values_along_an_axis():
    x = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -999.0, -1002.0]])
    g = lm.grad(lambda a: lnp.sum(logsumexp(a, axis=1, keepdims=True)))(x)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    _close(g, e / e.sum(axis=1, keepdims=True), rtol=1e-10)
    check_grads(lambda a: logsumexp(a, axis=1), [lnp.asarray(x)], order=2)


# -- prod with zeros --------------------------------------------------------------------------

def _product_of_others(x, axes):
    """Brute force: d prod(x, axes) / d x_i with x_i replaced by 1."""
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        y = x.copy()
        y[i] = 1.0
        p = np.prod(y, axis=axes, keepdims=True)
        out[i] = p[tuple(0 if a in axes else j for a, j in enumerate(i))]
    return out


def test_prod_grad_with_one_and_two_zeros():
    f = lm.grad(lambda x: lnp.prod(x))
    _close(f(lnp.asarray([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    _close(f(lnp.asarray([2.0, 0.0, 0.0])), [0.0, 0.0, 0.0])


def test_prod_second_derivative_with_a_zero():
    # d2 (x0 x1 x2) / dx1 dx_j = x_k (k the third index): (3, 0, 2) at (2, 0, 3).
    h = lm.grad(lambda x: lm.grad(lambda y: lnp.prod(y))(x)[1])(lnp.asarray([2.0, 0.0, 3.0]))
    _close(h, [3.0, 0.0, 2.0])


@pytest.mark.parametrize("axis,keepdims", [(1, False), ((0, 2), True), (None, False)])
def test_prod_check_grads_order_2_at_zeros(axis, keepdims):
    x = np.array([[[2.0, 0.0], [3.0, 1.5]], [[0.5, 4.0], [0.0, 0.0]]])
    check_grads(lambda a: lnp.prod(a, axis=axis, keepdims=keepdims), [lnp.asarray(x)], order=2)


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), data=st.data())
def test_prod_grad_is_the_product_of_the_others(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.uniform(0.5, 2.0, shape)
    x[rng.random(shape) < 0.3] = 0.0
    ndim = len(shape)
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, ndim - 1), min_size=1))))
    keepdims = data.draw(st.booleans())
    g = lm.grad(lambda a: lnp.sum(lnp.prod(a, axis=axes, keepdims=keepdims)))(x)
    _close(g, _product_of_others(x, axes))


def test_prod_grad_of_float32_with_float64_accumulator():
    x = np.array([1.5, 0.0, 2.0], np.float32)
    g = lm.grad(lambda a: lnp.prod(a, dtype=np.float64))(x)
    assert g.dtype == np.float32
    _close(g, [0.0, 3.0, 0.0])


# -- cumsum, cumprod --------------------------------------------------------------------------

def test_cumsum_grad_is_a_reverse_cumsum():
    g = lm.grad(lambda a: lnp.sum(lnp.cumsum(a) * lnp.asarray([1.0, 2.0, 3.0])))([5.0, 6.0, 7.0])
    _close(g, [6.0, 5.0, 3.0])


def test_cumprod_grad_with_zeros():
    # sum(cumprod(x)) = x0 + x0 x1 + x0 x1 x2 + ...; at x1 = 0 only x0 and x1 have gradients.
    g = lm.grad(lambda a: lnp.sum(lnp.cumprod(a)))(lnp.asarray([2.0, 0.0, 3.0, 0.0, 5.0]))
    _close(g, [1.0, 2.0 + 6.0, 0.0, 0.0, 0.0])
    x = np.array([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 2.0, 3.0, 1.5, 0.5], [1.0, 2.0, 3.0, 4.0, 5.0]])
    check_grads(lambda a: lnp.cumprod(a, axis=1), [lnp.asarray(x)], order=1)


# -- extrema: ties split evenly ---------------------------------------------------------------

_UP, _DOWN = [1.0, 2.0, 2.0, 2.0], [3.0, 2.0, 2.0, 2.0]


@pytest.mark.parametrize("fn,x", [(lnp.max, _UP), (lnp.amax, _UP), (lnp.nanmax, _UP),
                                  (lnp.min, _DOWN), (lnp.amin, _DOWN), (lnp.nanmin, _DOWN)])
def test_extremum_ties_split_evenly(fn, x):
    _close(lm.grad(fn)(lnp.asarray(x)), [0.0, 1 / 3, 1 / 3, 1 / 3])


def test_max_ties_with_keepdims_and_tuple_axes():
    x = np.ones((2, 3, 2))
    x[:, 1, :] = 0.0
    g = lm.grad(lambda a: lnp.sum(lnp.max(a, axis=(0, 2), keepdims=True)
                                  * lnp.asarray([[[1.0], [2.0], [3.0]]])))(x)
    expected = np.broadcast_to(np.array([1.0, 2.0, 3.0])[None, :, None] / 4, x.shape)
    _close(g, expected)


def test_nanmax_grad_skips_nans():
    g = lm.grad(lnp.nanmax)(lnp.asarray([1.0, np.nan, 3.0]))
    _close(g, [0.0, 0.0, 1.0])


# -- var, std, nan* ---------------------------------------------------------------------------

def test_std_grad_at_zero_variance_is_zero_not_nan():
    _close(lm.grad(lnp.std)(lnp.asarray([2.0])), [0.0])
    _close(lm.grad(lnp.std)(lnp.asarray([2.0, 2.0, 2.0])), [0.0, 0.0, 0.0])
    _close(lm.grad(lm.grad(lambda x: lnp.std(x)))(2.0), 0.0)


@pytest.mark.parametrize("fn", [lnp.nansum, lnp.nanmean, lnp.nanvar, lnp.nanstd, lnp.nanprod])
def test_nan_reductions_give_finite_gradients_and_zero_at_nans(fn):
    x = lnp.asarray([1.0, np.nan, 3.0, 0.5])
    g = _np(lm.grad(fn)(x))
    assert np.isfinite(g).all()
    assert g[1] == 0.0
    plain = {lnp.nansum: lnp.sum, lnp.nanmean: lnp.mean, lnp.nanvar: lnp.var,
             lnp.nanstd: lnp.std, lnp.nanprod: lnp.prod}[fn]
    _close(g[[0, 2, 3]], lm.grad(plain)(lnp.asarray([1.0, 3.0, 0.5])), rtol=1e-10)


# -- "no grad" reductions ---------------------------------------------------------------------

@pytest.mark.parametrize("prim", [red.argmax_p, red.argmin_p, red.reduce_all_p,
                                  red.reduce_any_p])
def test_index_and_logical_reductions_are_nondiff(prim):
    assert prim.nondiff


def test_argmax_and_any_inside_a_differentiated_function():
    def f(x):
        i = lnp.argmax(x)
        flag = lnp.any(x > 2.0)
        return lnp.sum(x * x) + i + lnp.where(flag, 1.0, 0.0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _close(lm.grad(f)(lnp.asarray([1.0, 3.0, 2.0])), [2.0, 6.0, 4.0])


def test_sum_grad_keeps_the_input_dtype_with_a_wider_accumulator():
    g = lm.grad(lambda a: lnp.sum(a, dtype=np.float64))(np.ones(3, np.float32))
    assert g.dtype == np.float32
    _close(g, [1.0, 1.0, 1.0])
