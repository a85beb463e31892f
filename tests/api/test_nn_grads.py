"""Gradients of ``lamina.nn`` that the OpInfo grad test cannot pin down: exact values against
closed forms (pooling windows that share a maximum, avg-pool divisors, erf), torch's choice at
kinks, stability for extreme logits, and convolution settings combined in one call."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lamina as lm
import lamina.nn as nn
import lamina.numpy as lnp
from lamina.testing import check_grads
from tests.ops import opinfo  # noqa: F401  (the table first: the rows modules import it)
from tests.ops.rows.nn import _ref_avg_pool


def _rand(*shape, seed=0):
    return lnp.asarray(np.random.default_rng(seed).standard_normal(shape))


def _close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(a.numpy() if isinstance(a, lm.Tensor) else np.asarray(a),
                               np.asarray(b, dtype=np.float64), rtol=rtol, atol=atol)


# -- softmax family: stable for large logits -------------------------------------------------

def test_log_softmax_grad_finite_for_large_logits():
    g = lm.grad(lambda x: nn.log_softmax(x, dim=0)[0])(lnp.asarray([1000.0, 0.0]))
    assert np.all(np.isfinite(g.numpy()))
    _close(g, [0.0, 0.0])  # d/dx (x0 - logsumexp(x)) = e_0 - softmax(x) = [0, -e^-1000]


def test_softmax_and_cross_entropy_grads_finite_for_large_logits():
    x = lnp.asarray([[1000.0, 0.0, -1000.0]])
    g = lm.grad(lambda x: nn.softmax(x, dim=1)[0, 1])(x)
    _close(g, [[0.0, 0.0, 0.0]])
    g = lm.grad(lambda x: nn.cross_entropy(x, lnp.asarray([1])))(x)
    _close(g, [[1.0, -1.0, 0.0]])  # softmax(x) - one_hot(target)
    # second order: the Hessian of log_softmax is -(diag(p) - p p^T), here 0
    h = lm.grad(lambda x: lm.grad(lambda y: nn.log_softmax(y, dim=0)[0])(x)[0])(
        lnp.asarray([1000.0, 0.0]))
    assert np.all(np.isfinite(h.numpy()))


def test_cross_entropy_grad_matches_closed_form_with_weight_smoothing_and_ignore():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3))
    t = np.array([0, 2, -100, 1, 2])
    w = np.array([0.5, 2.0, 1.5])
    eps = 0.2
    g = lm.grad(lambda x: nn.cross_entropy(x, lnp.asarray(t), weight=lnp.asarray(w),
                                           label_smoothing=eps))(lnp.asarray(x))
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    valid = t != -100
    norm = w[t[valid]].sum()
    # loss = sum_i [(1-eps) w_t (-log p_t) + eps/C sum_c w_c (-log p_c)] / norm over valid i
    expected = np.zeros_like(x)
    for i in np.flatnonzero(valid):
        onehot = np.eye(3)[t[i]]
        expected[i] = ((1 - eps) * w[t[i]] * (p[i] - onehot)
                       + eps / 3 * (w.sum() * p[i] - w)) / norm
    _close(g, expected)
    assert np.all(g.numpy()[~valid] == 0)  # ignored targets get no gradient


def test_binary_cross_entropy_with_logits_grad_stable():
    x = np.array([-800.0, -20.0, 0.0, 20.0, 800.0])
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    g = lm.grad(lambda x: nn.binary_cross_entropy_with_logits(x, lnp.asarray(t),
                                                              reduction="sum"))(lnp.asarray(x))
    sig = 0.5 * (1 + np.tanh(0.5 * x))
    _close(g, sig - t)


# -- activations: torch's gradient at kinks, smooth functions exact at 0 ----------------------

@pytest.mark.parametrize("fn, expected", [
    (nn.relu, 0.0), (nn.relu6, 0.0), (nn.hardtanh, 1.0),
    (lambda x: nn.leaky_relu(x, 0.2), 0.2), (lambda x: nn.elu(x, 0.5), 0.5),
    (lambda x: nn.celu(x, 2.0), 1.0), (nn.selu, 1.0507009873554805 * 1.6732632423543772),
    (nn.sigmoid, 0.25), (nn.silu, 0.5), (nn.softplus, 0.5), (nn.logsigmoid, 0.5),
    (nn.tanh, 1.0), (nn.softsign, 1.0), (nn.gelu, 0.5), (nn.erf, 2 / math.sqrt(math.pi)),
])
def test_activation_grad_at_zero(fn, expected):
    _close(lm.grad(fn)(0.0), expected)


def test_relu_family_grad_at_corners_is_zero_as_torch():
    _close(lm.grad(nn.relu6)(6.0), 0.0)
    _close(lm.grad(nn.hardtanh)(1.0), 0.0)
    _close(lm.grad(nn.hardtanh)(-1.0), 0.0)


@pytest.mark.parametrize("fn, second", [
    (nn.sigmoid, 0.0), (nn.softplus, 0.25), (nn.logsigmoid, -0.25), (nn.silu, 0.5),
])
def test_smooth_activation_second_derivative_at_zero(fn, second):
    _close(lm.grad(lm.grad(fn))(0.0), second, atol=1e-12)


def test_erf_grad():
    x = np.linspace(-3, 3, 13)
    g = lm.grad(lambda x: lnp.sum(nn.erf(x)))(lnp.asarray(x))
    _close(g, 2 / math.sqrt(math.pi) * np.exp(-x * x))
    gg = lm.grad(lambda x: lnp.sum(lm.grad(lambda y: lnp.sum(nn.erf(y)))(x)))(lnp.asarray(x))
    _close(gg, -4 / math.sqrt(math.pi) * x * np.exp(-x * x))


# -- convolution ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, shapes", [
    ({"stride": 2, "dilation": 2, "groups": 2, "padding": 1}, ((2, 4, 9, 8), (6, 2, 3, 2))),
    ({"padding": "same"}, ((1, 2, 6, 5), (3, 2, 2, 4))),  # even kernels: one more pad at the end
    ({"padding": "same", "dilation": (2, 1), "groups": 2}, ((1, 4, 6, 5), (2, 2, 2, 3))),
    ({"stride": 3}, ((1, 1, 8, 7), (2, 1, 3, 2))),  # stride remainders: last rows unread
    ({"stride": (1, 2), "padding": (2, 0)}, ((1, 2, 4, 6), (1, 2, 1, 3))),  # pad > d*(k-1)
])
def test_conv2d_grads_combined_settings(kwargs, shapes):
    x, w = _rand(*shapes[0]), _rand(*shapes[1], seed=1)
    b = _rand(shapes[1][0], seed=2)
    check_grads(lambda x, w, b: nn.conv2d(x, w, b, **kwargs), (x, w, b), order=2)


def test_conv1d_grads_are_transposed_convolution_and_correlation():
    x, w = _rand(1, 2, 9), _rand(3, 2, 3, seed=1)
    u = _rand(1, 3, 4, seed=2)  # (9 - 3) // 2 + 1 = 4 outputs, and 9 = (4 - 1) * 2 + 3
    gx, gw = lm.grad(lambda x, w: lnp.sum(nn.conv1d(x, w, stride=2) * u), argnums=(0, 1))(x, w)
    _close(gx, nn.conv_transpose1d(u, w, stride=2).numpy())
    xv, uv = x.numpy(), u.numpy()
    expected = np.einsum("nop,nckp->ock", uv, np.stack(
        [np.stack([xv[:, :, 2 * p + k] for k in range(3)], axis=2) for p in range(4)], axis=-1))
    _close(gw, expected)


def test_conv_grad_float32_keeps_dtypes():
    x = lnp.asarray(np.ones((1, 2, 5, 5), np.float32))
    w = lnp.asarray(np.ones((3, 2, 3, 3), np.float32))
    gx, gw = lm.grad(lambda x, w: lnp.sum(nn.conv2d(x, w, stride=2)), argnums=(0, 1))(x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32
    assert gx.shape == x.shape and gw.shape == w.shape


def test_conv_transpose_grads():
    x, w = _rand(1, 4, 3, 4), _rand(4, 1, 3, 3, seed=1)
    check_grads(lambda x, w: nn.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1,
                                                 groups=2, dilation=2), (x, w), order=2)


# -- pooling ----------------------------------------------------------------------------------

def test_max_pool_overlapping_windows_accumulate():
    x = lnp.asarray([[[0.0, 5.0, 1.0, 2.0]]])
    g = lm.grad(lambda x: lnp.sum(nn.max_pool1d(x, 2, stride=1)))(x)  # maxima 5, 5, 2
    _close(g, [[[0.0, 2.0, 0.0, 1.0]]])


def test_max_pool_grad_with_return_indices():
    x = _rand(2, 3, 5, 6)

    def f(x):
        values, indices = nn.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
        assert indices.dtype == np.int64
        return values

    check_grads(f, (x,), order=2)
    g = lm.grad(lambda x: lnp.sum(nn.max_pool2d(x, 2, return_indices=True)[0]))(x)
    # each 2x2 window sends 1 to its maximum; the odd last row is in no window
    expected = np.zeros((2, 3, 5, 6))
    xv = x.numpy()
    for n, c, i, j in np.ndindex(2, 3, 2, 3):
        a, b = np.unravel_index(np.argmax(xv[n, c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]), (2, 2))
        expected[n, c, 2 * i + a, 2 * j + b] = 1
    _close(g, expected)


def test_max_pool_grad_skips_windows_entirely_in_the_padding():
    # kernel 2, dilation 4, padding 2 on 3 inputs: the middle window reads positions -1 and 3
    x = lnp.asarray([[[1.0, 5.0, 3.0]]])
    values, indices = nn.max_pool1d(x, 2, stride=1, padding=2, dilation=4, return_indices=True)
    _close(values, [[[3.0, -np.inf, 1.0]]])
    assert indices.numpy().tolist() == [[[2, -1, 0]]]

    def f(x):  # -inf, but the cotangent of the middle value (7) must go nowhere
        v = nn.max_pool1d(x, 2, stride=1, padding=2, dilation=4)
        return lnp.sum(v * lnp.asarray([2.0, 7.0, 3.0]))

    _close(lm.grad(f)(x), [[[3.0, 0.0, 2.0]]])  # index -1 does not wrap to the last element


def _avg_pool_jacobian(shape, **kw):
    """The reference's Jacobian (avg_pool is linear): one unit input at a time."""
    size = math.prod(shape)
    cols = [_ref_avg_pool(np.eye(size)[i].reshape(shape), n=len(shape) - 2, **kw).ravel()
            for i in range(size)]
    return np.stack(cols, axis=1)  # (outputs, inputs)


@pytest.mark.parametrize("kw", [
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 2, "padding": 1, "divisor_override": 3},
    {"kernel_size": (3, 2), "stride": 1},
])
def test_avg_pool_grad_is_the_transpose_of_the_reference(kw):
    shape = (1, 2, 5, 6)
    x = _rand(*shape)
    out_shape = nn.avg_pool2d(x, **kw).shape
    u = np.random.default_rng(3).standard_normal(out_shape)
    g = lm.grad(lambda x: lnp.sum(nn.avg_pool2d(x, **kw) * lnp.asarray(u)))(x)
    jac = _avg_pool_jacobian(shape, **kw)
    _close(g, (u.ravel() @ jac).reshape(shape))
    check_grads(lambda x: nn.avg_pool2d(x, **kw), (x,), order=2)


# -- composites -------------------------------------------------------------------------------

def test_embedding_grad_accumulates_repeated_rows():
    w = _rand(4, 2)
    g = lm.grad(lambda w: lnp.sum(nn.embedding(lnp.asarray([0, 0, 3]), w)))(w)
    _close(g, [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])


def test_layer_norm_and_linear_grads():
    x, w, b = _rand(3, 4), _rand(5, 4, seed=1), _rand(5, seed=2)
    ln_w, ln_b = _rand(5, seed=3), _rand(5, seed=4)
    check_grads(lambda x, w, b, lw, lb: nn.layer_norm(nn.linear(x, w, b), 5, lw, lb),
                (x, w, b, ln_w, ln_b), order=2)
