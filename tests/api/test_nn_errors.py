"""``lamina.nn``: the errors users hit (type and message), and behaviour the OpInfo rows cannot
see (in-place running statistics, dropout statistics, Hypothesis-driven convolution shapes)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.nn as nn
import lamina.numpy as lnp
from tests.ops import opinfo  # noqa: F401  (the table first: the rows modules import it)
from tests.ops.rows.nn import _ref_avg_pool, _ref_conv, _ref_max_pool


def _x(*shape, dtype=np.float64):
    return lnp.asarray(np.random.default_rng(0).standard_normal(shape).astype(dtype))


# -- convolution ---------------------------------------------------------------------------

def test_conv_wrong_input_ndim():
    with pytest.raises(ValueError, match=r"conv2d: expected a 3-D or 4-D input \(C,H,W\) or "
                                         r"\(N,C,H,W\), got shape \(5, 5\)"):
        nn.conv2d(_x(5, 5), _x(1, 1, 3, 3))
    with pytest.raises(lm.LaminaValueError, match=r"conv1d: expected a 2-D or 3-D input"):
        nn.conv1d(_x(1, 1, 2, 5), _x(1, 1, 3))


def test_conv_wrong_weight_ndim():
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D weight \(out_channels, "
                                         r"in_channels/groups, kH, kW\)"):
        nn.conv2d(_x(1, 1, 5, 5), _x(1, 3, 3))


def test_conv_channel_mismatch():
    with pytest.raises(ValueError, match=r"expected input\[1, 4, 5, 5\] to have 3 channels, "
                                         r"but got 4 channels instead"):
        nn.conv2d(_x(1, 4, 5, 5), _x(2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"Given groups=2, .* to have 6 channels"):
        nn.conv2d(_x(1, 4, 5, 5), _x(2, 3, 3, 3), groups=2)


def test_conv_out_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r"out_channels \(3, weight's dim 0\) must be divisible "
                                         r"by groups=2"):
        nn.conv2d(_x(1, 4, 5, 5), _x(3, 2, 3, 3), groups=2)


def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"Calculated padded input size per channel: \(4 x 4\)\. "
                                         r"Kernel size: \(5 x 5\)\. Kernel size can't be greater"):
        nn.conv2d(_x(1, 1, 2, 2), _x(1, 1, 5, 5), padding=1)
    with pytest.raises(ValueError, match=r"Kernel size: \(5\)"):  # dilation counts
        nn.conv1d(_x(1, 1, 4), _x(1, 1, 3), dilation=2)


def test_conv_bad_params():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="padding='full' is not valid"):
        nn.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), padding="full")
    with pytest.raises(ValueError, match="stride must be positive"):
        nn.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=0)
    with pytest.raises(TypeError, match=r"stride must be an int or a tuple of 2 ints"):
        nn.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), stride=(1, 1, 1))
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.conv2d(_x(1, 1, 5, 5), _x(1, 1, 3, 3), groups=0)
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        nn.conv2d(_x(1, 1, 5, 5), _x(2, 1, 3, 3), bias=_x(3))
    with pytest.raises(TypeError, match="expected a floating-point input, got dtype int64"):
        nn.conv2d(lnp.ones((1, 1, 5, 5), dtype=np.int64), _x(1, 1, 3, 3))


def test_conv_transpose_errors():
    with pytest.raises(ValueError, match="output padding must be smaller than either stride or "
                                         "dilation"):
        nn.conv_transpose2d(_x(1, 2, 3, 3), _x(2, 1, 3, 3), output_padding=1)
    with pytest.raises(ValueError, match=r"expected input\[1, 3, 3, 3\] to have 2 channels"):
        nn.conv_transpose2d(_x(1, 3, 3, 3), _x(2, 1, 3, 3))


# -- pooling -------------------------------------------------------------------------------

def test_pool_errors():
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 3-D or 4-D input"):
        nn.max_pool2d(_x(4, 4), 2)
    with pytest.raises(ValueError, match="pad should be at most half of effective kernel size, "
                                         "but got pad=2, kernel_size=3 and dilation=1"):
        nn.max_pool2d(_x(1, 1, 6, 6), 3, padding=2)
    with pytest.raises(ValueError, match="pad should be at most half of kernel size, but got "
                                         "pad=2 and kernel_size=3"):
        nn.avg_pool2d(_x(1, 1, 6, 6), 3, padding=2)
    with pytest.raises(ValueError, match="Output size is too small"):
        nn.max_pool2d(_x(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="kernel_size must be positive"):
        nn.avg_pool1d(_x(1, 1, 6), 0)
    with pytest.raises(TypeError, match="avg_pool2d: expected a floating-point input"):
        nn.avg_pool2d(lnp.ones((1, 1, 4, 4), dtype=np.int64), 2)
    with pytest.raises(ValueError, match="divisor_override must be a positive integer"):
        nn.avg_pool2d(_x(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size must be an int or a tuple of 2"):
        nn.adaptive_avg_pool2d(_x(1, 1, 4, 4), (1, 2, 3))


def test_max_pool_indices_are_flat_plane_positions():
    x = lnp.asarray(np.arange(16.0).reshape(1, 1, 4, 4))
    values, indices = nn.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy()[0, 0], [[5.0, 7.0], [13.0, 15.0]])
    np.testing.assert_array_equal(indices.numpy()[0, 0], [[5, 7], [13, 15]])
    assert indices.dtype == np.int64


# -- losses --------------------------------------------------------------------------------

def test_bad_reduction_string():
    for fn, args in ((nn.cross_entropy, (_x(2, 3), lnp.asarray([0, 1]))),
                     (nn.nll_loss, (_x(2, 3), lnp.asarray([0, 1]))),
                     (nn.mse_loss, (_x(3), _x(3))),
                     (nn.binary_cross_entropy_with_logits, (_x(3), _x(3)))):
        with pytest.raises(ValueError, match=r"'avg' is not a valid value for reduction; use "
                                             r"'none', 'mean' or 'sum'"):
            fn(*args, reduction="avg")


def test_target_out_of_range():
    with pytest.raises(IndexError, match=r"cross_entropy: Target 3 is out of bounds: the input "
                                         r"has 3 classes"):
        nn.cross_entropy(_x(2, 3), lnp.asarray([0, 3]))
    with pytest.raises(lm.LaminaIndexError, match=r"nll_loss: Target -1 is out of bounds"):
        nn.nll_loss(_x(2, 3), lnp.asarray([-1, 0]))
    # ignore_index is exempt
    nn.cross_entropy(_x(2, 3), lnp.asarray([-100, 0]))


def test_target_dtype_and_shape():
    with pytest.raises(TypeError, match="class-index targets must be integers"):
        nn.cross_entropy(_x(2, 3), lnp.asarray([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected a target of shape \(2,\)"):
        nn.cross_entropy(_x(2, 3), lnp.asarray([0, 1, 2]))
    with pytest.raises(ValueError, match=r"weight must be a 1-D tensor with one entry per class"):
        nn.cross_entropy(_x(2, 3), lnp.asarray([0, 1]), weight=_x(2))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        nn.cross_entropy(_x(2, 3), lnp.asarray([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="Using a target size"):
        nn.binary_cross_entropy(lnp.asarray([0.5, 0.5]), lnp.asarray([[1.0, 0.0]]))


def test_mse_loss_warns_on_broadcast():
    with pytest.warns(UserWarning, match="different to the input size"):
        nn.mse_loss(_x(3, 1), _x(3))


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_cross_entropy_all_ignored_is_nan():
    out = nn.cross_entropy(_x(2, 3), lnp.asarray([-100, -100]))
    assert np.isnan(out.item())


def test_legacy_size_average_reduce():
    x, t = _x(2, 3), lnp.asarray([0, 2])
    with pytest.warns(UserWarning, match="deprecated"):
        out = nn.cross_entropy(x, t, reduce=False)
    assert out.shape == (2,)


# -- normalization, embedding, one_hot, dropout, activations -------------------------------

def test_layer_norm_shape_mismatch():
    with pytest.raises(ValueError, match=r"Given normalized_shape=\[4\], expected input with "
                                         r"shape \[\*, 4\], but got input of size \[2, 3\]"):
        nn.layer_norm(_x(2, 3), 4)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.batch_norm(_x(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        nn.batch_norm(_x(4, 3), _x(2), _x(3))
    with pytest.raises(ValueError, match="must be given in evaluation mode"):
        nn.batch_norm(_x(4, 3), None, None)
    with pytest.raises(TypeError, match="updated in place, so it must be a lamina Tensor"):
        nn.batch_norm(_x(4, 3), np.zeros(3), lnp.ones(3), training=True)


def test_batch_norm_updates_running_stats_in_place():
    data = np.random.default_rng(1).standard_normal((8, 3, 2))
    mean, var = lnp.zeros(3), lnp.ones(3)
    alias = mean[:]  # a view: sees the in-place update, as in torch
    nn.batch_norm(lnp.asarray(data), mean, var, training=True, momentum=0.25)
    batch_mean = data.mean(axis=(0, 2))
    batch_var = data.var(axis=(0, 2), ddof=1)
    np.testing.assert_allclose(mean.numpy(), 0.25 * batch_mean)
    np.testing.assert_allclose(alias.numpy(), 0.25 * batch_mean)
    np.testing.assert_allclose(var.numpy(), 0.75 + 0.25 * batch_var)


def test_embedding_and_one_hot_errors():
    w = _x(5, 2)
    with pytest.raises(TypeError, match="indices must be integers"):
        nn.embedding(lnp.asarray([0.0]), w)
    with pytest.raises(IndexError, match=r"index out of range: indices must be in \[0, 5\)"):
        nn.embedding(lnp.asarray([5]), w)
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.embedding(lnp.asarray([0]), w, padding_idx=7)
    with pytest.raises(TypeError, match="one_hot is only applicable to index tensors"):
        nn.one_hot(lnp.asarray([0.0]))
    with pytest.raises(ValueError, match="Class values must be smaller than num_classes"):
        nn.one_hot(lnp.asarray([0, 3]), 3)
    with pytest.raises(ValueError, match="Class values must be non-negative"):
        nn.one_hot(lnp.asarray([-1, 0]))


def test_activation_errors():
    with pytest.raises(ValueError, match="gelu: approximate='fast' is not supported"):
        nn.gelu(_x(3), approximate="fast")
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        nn.dropout(_x(3), p=1.5)
    with pytest.raises(TypeError, match="softmax: expected a floating-point input"):
        nn.softmax(lnp.asarray([1, 2]), dim=0)
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds"):
        nn.softmax(_x(2, 3), dim=2)


def test_relu_inplace_changes_the_tensor():
    x = lnp.asarray([-1.0, 2.0])
    out = nn.relu(x, inplace=True)
    assert out is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])


def test_dropout_statistics():
    x = lnp.ones((200, 200), dtype=np.float32)
    out = nn.dropout(x, p=0.3)
    values = out.numpy()
    assert out.dtype == np.float32
    kept = values != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    assert nn.dropout(x, p=0.3, training=False) is x
    assert (nn.dropout(x, p=1.0).numpy() == 0).all()


def test_sigmoid_and_softplus_do_not_overflow():
    x = lnp.asarray([-1000.0, 1000.0])
    np.testing.assert_array_equal(nn.sigmoid(x).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(nn.softplus(x).numpy(), [0.0, 1000.0])


def test_erf_fallback_without_scipy():
    from lamina.ops.nn import _erf_series  # noqa: PLC0415

    grid = np.linspace(-7, 7, 2001)
    expected = np.array([__import__("math").erf(v) for v in grid])
    np.testing.assert_allclose(_erf_series(np, grid), expected, rtol=0, atol=5e-15)


# -- Hypothesis: window arithmetic against the naive references -----------------------------

@settings(max_examples=40, deadline=None)
@given(
    n=st.sampled_from([1, 2]),
    size=st.integers(1, 7),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    dilation=st.integers(1, 2),
    groups=st.sampled_from([1, 2]),
)
def test_conv_matches_naive(n, size, k, stride, pad, dilation, groups):
    if size + 2 * pad < dilation * (k - 1) + 1:
        return
    rng = np.random.default_rng(size * 100 + k)
    x = rng.standard_normal((2, 2 * groups) + (size,) * n)
    w = rng.standard_normal((2 * groups, 2) + (k,) * n)
    fn = nn.conv1d if n == 1 else nn.conv2d
    got = fn(lnp.asarray(x), lnp.asarray(w), stride=stride, padding=pad, dilation=dilation,
             groups=groups)
    expected = _ref_conv(x, w, stride=stride, padding=pad, dilation=dilation, groups=groups)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    size=st.integers(1, 9),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    dilation=st.integers(1, 2),
    ceil_mode=st.booleans(),
    count_include_pad=st.booleans(),
)
def test_pools_match_naive(size, k, stride, pad, dilation, ceil_mode, count_include_pad):
    x = np.random.default_rng(size).standard_normal((2, 3, size, size + 1))
    t = lnp.asarray(x)
    if pad <= (dilation * (k - 1) + 1) // 2 and size + 2 * pad >= dilation * (k - 1) + 1:
        values, indices = nn.max_pool2d(t, k, stride, pad, dilation, ceil_mode,
                                        return_indices=True)
        ev, ei = _ref_max_pool(x, k, stride, pad, dilation, ceil_mode, return_indices=True)
        assume((ei >= 0).all())  # a window wholly in the padding: torch's result is arbitrary
        np.testing.assert_array_equal(values.numpy(), ev)
        np.testing.assert_array_equal(indices.numpy(), ei)
    if pad <= k // 2 and size + 2 * pad >= k:
        got = nn.avg_pool2d(t, k, stride, pad, ceil_mode, count_include_pad)
        expected = _ref_avg_pool(x, k, stride, pad, ceil_mode, count_include_pad)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-14)
