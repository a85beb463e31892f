"""OpInfo rows: ``lamina.nn`` (torch.nn.functional's names), with NumPy references.

The references are written from torch's documented formulas, directly and naively (Python loops
over output positions on tiny shapes), so that they share no code with the strided-window
kernels of ``lamina.ops.nn``. They compute in float64 and return the input's dtype.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

import lamina.nn as nn
from tests.ops.opinfo import OpInfo, Sample, make_array

ROWS: list[OpInfo] = []


def _row(name, op, ref, samples, **kw) -> None:
    ROWS.append(OpInfo(f"nn.{name}", op, ref, samples, **kw))


def _f(x):
    return np.asarray(x, dtype=np.float64)


def _tup(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _reduce(loss, reduction, dtype):
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return np.asarray(loss).astype(dtype)


# -- activations -----------------------------------------------------------------------------

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def _softplus(x, beta=1.0, threshold=20.0):
    bx = beta * x
    return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)


_ACT = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6)),
    "sigmoid": (nn.sigmoid, _sigmoid),
    "silu": (nn.silu, lambda x: x * _sigmoid(x)),
    "tanh": (nn.tanh, np.tanh),
    "softsign": (nn.softsign, lambda x: x / (1 + np.abs(x))),
    "logsigmoid": (nn.logsigmoid, lambda x: -np.logaddexp(0, -x)),
    "mish": (nn.mish, lambda x: x * np.tanh(np.logaddexp(0, x))),
    "selu": (nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0)))),
    "erf": (nn.erf, _erf),
}


def _act_ref(fn):
    def ref(x, **kw):
        x = np.asarray(x)  # a list (the kinks sample) computes in float64, as lamina
        return np.asarray(fn(_f(x), **kw)).astype(x.dtype)

    return ref


# The corners of the piecewise activations (relu at 0, relu6 at 0 and 6, hardtanh at -1 and 1,
# ...): they are not differentiable there, so test_grad must not sample them. They are passed
# as a Python list, which the forward tests run and test_grad leaves alone (it differentiates
# the NumPy arrays of a sample).
_KINKS = [-2.0, -1.0, 0.0, 0.5, 1.0, 6.0]


def _act_samples(extra=(), kinked=False):
    def samples(rng, dtype):
        for shape in ((), (5,), (3, 4), (2, 3, 4), (0, 3)):
            yield Sample((make_array(rng, shape, dtype, -4, 4),), name=f"shape={shape}")
        x = [-50.0, -3.0, -1e-3, 0.0, 1e-3, 3.0, 50.0]
        if kinked:
            x.remove(0.0)
            yield Sample((np.array(_KINKS, dtype=dtype),), name="at the kinks", grad=False)
        yield Sample((np.array(x, dtype=dtype),), name="wide range")
        for kw in extra:
            yield Sample((make_array(rng, (3, 4), dtype, -30, 30),), kw, name=str(kw))
            if kinked:
                yield Sample((np.array(_KINKS, dtype=dtype),), kw, name=f"{kw} at the kinks",
                             grad=False)

    return samples


_KINKED = ("relu", "relu6", "selu")
for _name, (_op, _fn) in _ACT.items():
    _row(_name, _op, _act_ref(_fn), _act_samples(kinked=_name in _KINKED))

_row("leaky_relu", nn.leaky_relu,
     _act_ref(lambda x, negative_slope=0.01: np.where(x > 0, x, x * negative_slope)),
     _act_samples(({"negative_slope": 0.2},), kinked=True))
_row("elu", nn.elu,
     _act_ref(lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))),
     _act_samples(({"alpha": 0.5},), kinked=True))
_row("celu", nn.celu,
     _act_ref(lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)
                                                                         / alpha))),
     _act_samples(({"alpha": 2.0},), kinked=True))
_row("hardtanh", nn.hardtanh,
     _act_ref(lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val)),
     _act_samples(({"min_val": -2.0, "max_val": 0.5},), kinked=True))
_row("softplus", nn.softplus, _act_ref(_softplus),
     _act_samples(({"beta": 2.0}, {"beta": 0.5, "threshold": 5.0})))
_row("gelu", nn.gelu,
     _act_ref(lambda x, approximate="none": 0.5 * x * (1 + (
         _erf(x / math.sqrt(2)) if approximate == "none"
         else np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))))),
     _act_samples(({"approximate": "tanh"},)))


# -- softmax ---------------------------------------------------------------------------------

def _log_softmax(x, dim):
    m = np.max(x, axis=dim, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True))


def _softmax_ref(log):
    def ref(x, dim=None):
        out = _log_softmax(_f(x), dim) if x.ndim else np.zeros(())
        return (out if log else np.exp(out)).astype(x.dtype)

    return ref


def _softmax_samples(rng, dtype):
    for shape, dim in (((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((2, 3, 4), 1),
                       ((0, 3), 1), ((), 0)):
        yield Sample((make_array(rng, shape, dtype, -5, 5),), {"dim": dim},
                     name=f"{shape} dim={dim}")
    yield Sample((np.array([[1000.0, 0.0, -1000.0]], dtype=dtype),), {"dim": 1},
                 name="large logits")


_row("softmax", nn.softmax, _softmax_ref(False), _softmax_samples)
_row("log_softmax", nn.log_softmax, _softmax_ref(True), _softmax_samples)


# -- losses ----------------------------------------------------------------------------------

def _ref_cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                       label_smoothing=0.0):
    x = _f(input)
    cdim = 0 if x.ndim == 1 else 1
    c = x.shape[cdim]
    logp = np.moveaxis(_log_softmax(x, cdim), cdim, -1)
    batch = logp.shape[:-1]
    lp = logp.reshape(-1, c)
    w = np.ones(c) if weight is None else _f(weight)
    eps = label_smoothing
    if target.dtype.kind == "f":  # probabilities
        t = np.moveaxis(_f(target), cdim, -1).reshape(-1, c) * (1 - eps) + eps / c
        per = -(lp * t * w).sum(axis=1)
        if reduction == "mean":
            return np.asarray(per.sum() / lp.shape[0]).astype(input.dtype)
        return _reduce(per.reshape(batch), reduction, input.dtype)
    t = target.reshape(-1)
    nll, smooth, wt = np.zeros(len(t)), np.zeros(len(t)), np.zeros(len(t))
    for i, k in enumerate(t):
        if k == ignore_index:
            continue
        wt[i] = w[k]
        nll[i] = -w[k] * lp[i, k]
        smooth[i] = -(w * lp[i]).sum()
    if reduction == "mean":
        out = (1 - eps) * nll.sum() / wt.sum() + eps / c * smooth.sum() / wt.sum()
        return np.asarray(out).astype(input.dtype)
    per = (1 - eps) * nll + eps / c * smooth
    return _reduce(per.reshape(batch), reduction, input.dtype)


def _ref_nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    x = _f(input)
    cdim = 0 if x.ndim == 1 else 1
    c = x.shape[cdim]
    lp = np.moveaxis(x, cdim, -1)
    batch = lp.shape[:-1]
    lp = lp.reshape(-1, c)
    w = np.ones(c) if weight is None else _f(weight)
    t = target.reshape(-1)
    loss, wt = np.zeros(len(t)), np.zeros(len(t))
    for i, k in enumerate(t):
        if k != ignore_index:
            loss[i], wt[i] = -w[k] * lp[i, k], w[k]
    if reduction == "mean":
        return np.asarray(loss.sum() / wt.sum()).astype(input.dtype)
    return _reduce(loss.reshape(batch), reduction, input.dtype)


def _class_samples(log_probs: bool):
    def samples(rng, dtype):
        def scores(shape):
            x = make_array(rng, shape, dtype, -3, 3)
            return _log_softmax(_f(x), 0 if x.ndim == 1 else 1).astype(dtype) if log_probs else x

        def targets(shape, c):
            return rng.integers(0, c, size=shape).astype(np.int64)

        yield Sample((scores((4, 3)), targets((4,), 3)), name="(N, C)")
        yield Sample((scores((5,)), np.array(2)), name="unbatched (C,)")
        yield Sample((scores((2, 3, 4, 2)), targets((2, 4, 2), 3)), name="(N, C, d1, d2)")
        weight = make_array(rng, (3,), dtype, 0.5, 2)
        for reduction in ("none", "sum", "mean"):
            yield Sample((scores((4, 3)), targets((4,), 3)), {"reduction": reduction},
                         name=f"reduction={reduction}")
            yield Sample((scores((4, 3)), targets((4,), 3)),
                         {"weight": weight, "reduction": reduction},
                         name=f"weight, reduction={reduction}")
        t = np.array([0, 2, -100, 1, -100], dtype=np.int64)
        yield Sample((scores((5, 3)), t), {"weight": weight}, name="ignore_index=-100")
        t = np.array([0, 2, 1, 1], dtype=np.int64)
        yield Sample((scores((4, 3)), t), {"ignore_index": 1, "reduction": "none"},
                     name="ignore_index=1")
        yield Sample((scores((2, 3, 4)), np.array([[0, 1, 2, 1], [2, -100, 0, 0]])),
                     {"weight": weight}, name="(N, C, d) ignore + weight")
        if log_probs:
            return
        for reduction in ("mean", "none", "sum"):
            yield Sample((scores((4, 3)), targets((4,), 3)),
                         {"label_smoothing": 0.1, "reduction": reduction},
                         name=f"label_smoothing, {reduction}")
            yield Sample((scores((5, 3)), np.array([0, 2, -100, 1, 0])),
                         {"label_smoothing": 0.2, "weight": weight, "reduction": reduction},
                         name=f"label_smoothing + weight + ignore, {reduction}")
        probs = _softmax_ref(False)(make_array(rng, (4, 3), dtype), dim=1)
        for reduction in ("mean", "none", "sum"):
            yield Sample((scores((4, 3)), probs), {"reduction": reduction},
                         name=f"probability targets, {reduction}")
        yield Sample((scores((4, 3)), probs), {"weight": weight, "label_smoothing": 0.1},
                     name="probability targets, weight + smoothing")
        probs = _softmax_ref(False)(make_array(rng, (2, 3, 2), dtype), dim=1)
        yield Sample((scores((2, 3, 2)), probs), {"reduction": "none"},
                     name="probability targets (N, C, d)")

    return samples


_row("cross_entropy", nn.cross_entropy, _ref_cross_entropy, _class_samples(False))
_row("nll_loss", nn.nll_loss, _ref_nll_loss, _class_samples(True))


def _pair_samples(low=-2.0, high=2.0, tlow=-2.0, thigh=2.0, weights=False):
    def samples(rng, dtype):
        for shape in ((), (5,), (3, 4), (2, 3, 4)):
            for reduction in ("mean", "sum", "none"):
                yield Sample((make_array(rng, shape, dtype, low, high),
                              make_array(rng, shape, dtype, tlow, thigh)),
                             {"reduction": reduction}, name=f"{shape} {reduction}")
        if weights:
            yield Sample((make_array(rng, (3, 4), dtype, low, high),
                          make_array(rng, (3, 4), dtype, tlow, thigh)),
                         {"weight": make_array(rng, (4,), dtype, 0.5, 2)}, name="weight")

    return samples


def _ref_mse(input, target, reduction="mean"):
    return _reduce((_f(input) - _f(target)) ** 2, reduction, input.dtype)


def _ref_l1(input, target, reduction="mean"):
    return _reduce(np.abs(_f(input) - _f(target)), reduction, input.dtype)


def _ref_bce(input, target, weight=None, reduction="mean"):
    input = np.asarray(input)
    x, t = _f(input), _f(target)
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    if weight is not None:
        loss = loss * _f(weight)
    return _reduce(loss, reduction, input.dtype)


def _bce_samples(rng, dtype):
    yield from _pair_samples(0.01, 0.99, 0, 1, weights=True)(rng, dtype)
    # p at 0 and 1 is the edge of the domain (not differentiable): forward only.
    yield Sample((np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=dtype),
                  np.array([0.0, 1.0, 1.0, 0.0, 0.5], dtype=dtype)),
                 {"reduction": "none"}, name="p at 0 and 1: logs clamped at -100", grad=False)


def _ref_bce_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    x, t = _f(input), _f(target)
    log_sig = -np.logaddexp(0, -x)
    log_one_minus = -np.logaddexp(0, x)
    pw = 1.0 if pos_weight is None else _f(pos_weight)
    loss = -(pw * t * log_sig + (1 - t) * log_one_minus)
    if weight is not None:
        loss = loss * _f(weight)
    return _reduce(loss, reduction, input.dtype)


def _bce_logits_samples(rng, dtype):
    yield from _pair_samples(-4, 4, 0, 1, weights=True)(rng, dtype)
    for reduction in ("mean", "none"):
        yield Sample((make_array(rng, (3, 4), dtype, -4, 4), make_array(rng, (3, 4), dtype, 0, 1)),
                     {"pos_weight": make_array(rng, (4,), dtype, 0.5, 3),
                      "reduction": reduction}, name=f"pos_weight {reduction}")
    yield Sample((np.array([-800.0, -20.0, 0.0, 20.0, 800.0], dtype=dtype),
                  np.array([1.0, 0.0, 0.5, 1.0, 0.0], dtype=dtype)), {"reduction": "none"},
                 name="extreme logits")


_row("mse_loss", nn.mse_loss, _ref_mse, _pair_samples())
_row("l1_loss", nn.l1_loss, _ref_l1, _pair_samples())
# The reference's -(y log p + (1 - y) log(1 - p)) makes -0.0 from exact probabilities; torch's
# sign of a zero loss is not part of the contract.
_row("binary_cross_entropy", nn.binary_cross_entropy, _ref_bce, _bce_samples,
     signed_zeros=False)
_row("binary_cross_entropy_with_logits", nn.binary_cross_entropy_with_logits, _ref_bce_logits,
     _bce_logits_samples)


# -- linear, normalization, embedding, one_hot -------------------------------------------------

def _ref_linear(input, weight, bias=None):
    out = _f(input) @ _f(weight).T
    return (out if bias is None else out + _f(bias)).astype(input.dtype)


def _linear_samples(rng, dtype):
    yield Sample((make_array(rng, (4, 3), dtype), make_array(rng, (5, 3), dtype),
                  make_array(rng, (5,), dtype)), name="(N, in) with bias")
    yield Sample((make_array(rng, (3,), dtype), make_array(rng, (2, 3), dtype)), name="1-D input")
    yield Sample((make_array(rng, (2, 4, 3), dtype), make_array(rng, (5, 3), dtype),
                  make_array(rng, (5,), dtype)), name="batched leading dims")
    yield Sample((make_array(rng, (0, 3), dtype), make_array(rng, (5, 3), dtype)), name="N=0")


_row("linear", nn.linear, _ref_linear, _linear_samples)


def _ref_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    x = _f(input)
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    out = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    if weight is not None:
        out = out * _f(weight)
    if bias is not None:
        out = out + _f(bias)
    return out.astype(input.dtype)


def _layer_norm_samples(rng, dtype):
    yield Sample((make_array(rng, (3, 4), dtype), 4), name="int shape")
    yield Sample((make_array(rng, (2, 3, 4), dtype), (3, 4), make_array(rng, (3, 4), dtype),
                  make_array(rng, (3, 4), dtype)), name="2-D shape, weight and bias")
    yield Sample((make_array(rng, (2, 5), dtype), (5,)), {"eps": 1e-2}, name="eps")


_row("layer_norm", nn.layer_norm, _ref_layer_norm, _layer_norm_samples)


def _ref_batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
                    momentum=0.1, eps=1e-5):
    x = _f(input)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training:
        mean, var = x.mean(axes), x.var(axes)
    else:
        mean, var = _f(running_mean), _f(running_var)
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        out = out * _f(weight).reshape(shape)
    if bias is not None:
        out = out + _f(bias).reshape(shape)
    return out.astype(input.dtype)


def _batch_norm_samples(rng, dtype):
    def stats(c):
        return make_array(rng, (c,), dtype), make_array(rng, (c,), dtype, 0.5, 2)

    yield Sample((make_array(rng, (4, 3), dtype), *stats(3)), name="eval (N, C)")
    yield Sample((make_array(rng, (2, 3, 4, 5), dtype), *stats(3), *stats(3)),
                 name="eval (N, C, H, W) weight and bias")
    # Training samples pass no running stats: updating them in place is a write of a batched
    # value into an unbatched tensor when vmap batches only the input, which vmap refuses (as
    # torch.func does), and the output does not depend on them. The in-place update itself is
    # tested in tests/api/test_nn_errors.py.
    yield Sample((make_array(rng, (4, 3), dtype), None, None), {"training": True},
                 name="training (N, C)")
    yield Sample((make_array(rng, (2, 3, 5), dtype), None, None, *stats(3)),
                 {"training": True, "momentum": 0.3, "eps": 1e-3},
                 name="training, weight and bias")
    yield Sample((make_array(rng, (2, 3, 2, 2, 2), dtype), None, None),
                 {"training": True, "momentum": 0.5}, name="training 3-D")


_row("batch_norm", nn.batch_norm, _ref_batch_norm, _batch_norm_samples)


def _ref_embedding(input, weight, padding_idx=None):
    return weight[input]


def _embedding_samples(rng, dtype):
    w = make_array(rng, (6, 3), dtype)
    yield Sample((rng.integers(0, 6, size=(4,)), w), name="1-D indices")
    yield Sample((rng.integers(0, 6, size=(2, 3)), w), {"padding_idx": 0}, name="2-D, padding")
    yield Sample((np.array(5), w), name="0-d index")
    yield Sample((np.zeros((0,), np.int64), w), name="no indices")


_row("embedding", nn.embedding, _ref_embedding, _embedding_samples)


def _ref_one_hot(tensor, num_classes=-1):
    tensor = np.asarray(tensor)
    n = int(tensor.max()) + 1 if num_classes == -1 else num_classes
    return np.eye(n, dtype=np.int64)[tensor]


def _one_hot_samples(rng, dtype):
    # Inferring num_classes reads the data (the output shape depends on it), which vmap cannot
    # do (as in torch.func); the sample is a Python list, which the forward tests run and
    # test_vmap leaves alone (it batches the NumPy arrays of a sample).
    yield Sample((np.array([0, 2, 1, 2]),), name="inferred classes", vmap=False)
    yield Sample((np.array([0, 2, 1, 2]),), {"num_classes": 4}, name="1-D")
    yield Sample((np.array([[0, 1], [3, 1]]),), {"num_classes": 5}, name="num_classes=5")
    yield Sample((np.array(1, dtype=np.int32),), {"num_classes": 3}, name="0-d int32")


_row("one_hot", nn.one_hot, _ref_one_hot, _one_hot_samples, dtypes=(np.int64,), nondiff=True)


# -- convolution -------------------------------------------------------------------------------

def _conv_pads(padding, kernel, dilation, n):
    if padding == "valid":
        return ((0, 0),) * n
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in total)
    return tuple((p, p) for p in _tup(padding, n))


def _naive_conv(x, w, stride, pads, dilation, groups):
    """Cross-correlation by the definition: a loop over every output position."""
    n = w.ndim - 2
    xpad = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    kernel = w.shape[2:]
    out = tuple((xpad.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                for i in range(n))
    cg, og = x.shape[1] // groups, w.shape[0] // groups
    y = np.zeros((x.shape[0], w.shape[0]) + out)
    for b, o in itertools.product(range(x.shape[0]), range(w.shape[0])):
        g = o // og
        for pos in itertools.product(*map(range, out)):
            acc = 0.0
            for k in itertools.product(*map(range, kernel)):
                idx = tuple(pos[i] * stride[i] + k[i] * dilation[i] for i in range(n))
                acc += np.dot(xpad[(b, slice(g * cg, (g + 1) * cg)) + idx],
                              w[(o, slice(None)) + k])
            y[(b, o) + pos] = acc
    return y


def _ref_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    n = weight.ndim - 2
    x = _f(input)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x[None]
    stride, dilation = _tup(stride, n), _tup(dilation, n)
    y = _naive_conv(x, _f(weight), stride, _conv_pads(padding, weight.shape[2:], dilation, n),
                    dilation, groups)
    if bias is not None:
        y = y + _f(bias).reshape((-1,) + (1,) * n)
    return (y[0] if unbatched else y).astype(np.result_type(input, weight))


def _conv_samples(n):
    def samples(rng, dtype):
        def a(*shape):
            return make_array(rng, shape, dtype)

        sp = {1: (7,), 2: (5, 5), 3: (5, 6, 5)}[n]
        k3 = (3,) * n
        yield Sample((a(1, 2, *sp), a(3, 2, *k3)), name="basic")
        yield Sample((a(2, 2, *sp), a(3, 2, *k3), a(3)), name="bias")
        yield Sample((a(2, *sp), a(3, 2, *k3)), name="unbatched")
        yield Sample((a(1, 2, *sp), a(3, 2, *k3)), {"stride": 2}, name="stride=2")
        yield Sample((a(1, 2, *sp), a(3, 2, *k3)), {"padding": 1}, name="padding=1")
        yield Sample((a(1, 2, *sp), a(3, 2, *k3)), {"dilation": 2}, name="dilation=2")
        yield Sample((a(1, 4, *sp), a(6, 2, *k3), a(6)), {"groups": 2}, name="groups=2")
        yield Sample((a(1, 4, *sp), a(4, 1, *k3)), {"groups": 4, "padding": 1},
                     name="depthwise")
        yield Sample((a(1, 2, *sp), a(3, 2, *((2,) * n))), {"padding": "same"},
                     name="'same' with an even kernel")
        yield Sample((a(1, 2, *sp), a(3, 2, *k3)), {"padding": "same", "dilation": 2},
                     name="'same' dilated")
        yield Sample((a(1, 2, *sp), a(3, 2, *k3)), {"padding": "valid"}, name="'valid'")
        mixed = {1: (2,), 2: (2, 1), 3: (2, 1, 1)}[n]
        yield Sample((a(2, 2, *sp), a(4, 1, *k3), a(4)),
                     {"stride": mixed, "padding": tuple(reversed(mixed)),
                      "dilation": tuple(reversed(mixed)), "groups": 2},
                     name="tuple params")
        yield Sample((a(0, 2, *sp), a(3, 2, *k3)), name="N=0")

    return samples


for _n in (1, 2, 3):
    _row(f"conv{_n}d", getattr(nn, f"conv{_n}d"), _ref_conv, _conv_samples(_n))


def _ref_conv_transpose(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                        groups=1, dilation=1):
    """By definition: every input element scatters ``x * w`` into the output."""
    n = weight.ndim - 2
    x, w = _f(input), _f(weight)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x[None]
    stride, padding = _tup(stride, n), _tup(padding, n)
    output_padding, dilation = _tup(output_padding, n), _tup(dilation, n)
    kernel = w.shape[2:]
    cg, og = w.shape[0] // groups, w.shape[1]
    full = tuple((x.shape[2 + i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
                 + output_padding[i] for i in range(n))
    y = np.zeros((x.shape[0], og * groups) + full)
    for b, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        g = c // cg
        for pos in itertools.product(*map(range, x.shape[2:])):
            for k in itertools.product(*map(range, kernel)):
                idx = tuple(pos[i] * stride[i] + k[i] * dilation[i] for i in range(n))
                y[(b, slice(g * og, (g + 1) * og)) + idx] += x[(b, c) + pos] * w[(c, slice(None))
                                                                                + k]
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full, strict=True))
    y = y[(slice(None), slice(None)) + crop]
    if bias is not None:
        y = y + _f(bias).reshape((-1,) + (1,) * n)
    return (y[0] if unbatched else y).astype(np.result_type(input, weight))


def _conv_transpose_samples(n):
    def samples(rng, dtype):
        def a(*shape):
            return make_array(rng, shape, dtype)

        sp = {1: (4,), 2: (3, 4), 3: (2, 3, 2)}[n]
        k3 = (3,) * n
        yield Sample((a(1, 2, *sp), a(2, 3, *k3)), name="basic")
        yield Sample((a(2, 2, *sp), a(2, 3, *k3), a(3)), {"stride": 2}, name="stride=2 bias")
        yield Sample((a(2, *sp), a(2, 3, *k3)), {"padding": 1}, name="unbatched padding=1")
        yield Sample((a(1, 2, *sp), a(2, 3, *k3)),
                     {"stride": 2, "padding": 2, "output_padding": 1}, name="output_padding")
        yield Sample((a(1, 4, *sp), a(4, 1, *k3)), {"groups": 2, "dilation": 2},
                     name="groups=2 dilation=2")
        yield Sample((a(1, 2, *sp), a(2, 3, *k3)), {"stride": 3, "padding": 2},
                     name="padding > dilation*(k-1)/stride")

    return samples


for _n in (1, 2, 3):
    _row(f"conv_transpose{_n}d", getattr(nn, f"conv_transpose{_n}d"), _ref_conv_transpose,
         _conv_transpose_samples(_n))


# -- pooling -----------------------------------------------------------------------------------

def _pool_len(length, k, s, p, d, ceil_mode):
    """torch's documented output length, with its ceil_mode rule."""
    span = (length + 2 * p - d * (k - 1) - 1) / s
    out = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    if ceil_mode and (out - 1) * s >= length + p:
        out -= 1
    return out


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _ref_max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                  return_indices=False, n=2):
    input = np.asarray(input)
    k = _tup(kernel_size, n)
    s = k if stride is None else _tup(stride, n)
    p, d = _tup(padding, n), _tup(dilation, n)
    lead, sizes = input.shape[: input.ndim - n], input.shape[input.ndim - n:]
    out = tuple(_pool_len(sizes[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(n))
    values = np.zeros(lead + out, dtype=input.dtype)
    indices = np.zeros(lead + out, dtype=np.int64)
    for lidx in itertools.product(*map(range, lead)):
        plane = input[lidx]
        for pos in itertools.product(*map(range, out)):
            best, where = None, None
            for kk in itertools.product(*map(range, k)):
                q = tuple(pos[i] * s[i] - p[i] + kk[i] * d[i] for i in range(n))
                if all(0 <= q[i] < sizes[i] for i in range(n)) and (best is None
                                                                    or plane[q] > best):
                    best, where = plane[q], np.ravel_multi_index(q, sizes)
            if best is None:  # a window entirely in the padding (possible with dilation)
                best, where = _lowest(input.dtype), -1
            values[lidx + pos], indices[lidx + pos] = best, where
    return (values, indices) if return_indices else values


def _ref_avg_pool(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                  count_include_pad=True, divisor_override=None, n=2):
    k = _tup(kernel_size, n)
    s = k if stride is None else _tup(stride, n)
    p = _tup(padding, n)
    lead, sizes = input.shape[: input.ndim - n], input.shape[input.ndim - n:]
    out = tuple(_pool_len(sizes[i], k[i], s[i], p[i], 1, ceil_mode) for i in range(n))
    x = _f(input)
    res = np.zeros(lead + out)
    for lidx in itertools.product(*map(range, lead)):
        for pos in itertools.product(*map(range, out)):
            start = [pos[i] * s[i] - p[i] for i in range(n)]
            end = [min(start[i] + k[i], sizes[i] + p[i]) for i in range(n)]
            pool_size = math.prod(end[i] - start[i] for i in range(n))
            lo = [max(v, 0) for v in start]
            hi = [min(end[i], sizes[i]) for i in range(n)]
            window = x[lidx + tuple(slice(lo[i], hi[i]) for i in range(n))]
            if divisor_override:
                div = divisor_override
            elif count_include_pad:
                div = pool_size
            else:
                div = math.prod(hi[i] - lo[i] for i in range(n))
            res[lidx + pos] = window.sum() / div
    return res.astype(input.dtype)


def _pool_samples(n, kind):
    def samples(rng, dtype):
        sp = {1: (9,), 2: (5, 6), 3: (4, 5, 5)}[n]

        def a(*shape):
            return make_array(rng, shape, dtype, -5, 5)

        yield Sample((a(2, 2, *sp), 2), name="kernel 2")
        yield Sample((a(2, *sp), 3), {"stride": 2}, name="unbatched kernel 3 stride 2")
        yield Sample((a(1, 2, *sp), 3), {"stride": 2, "padding": 1}, name="padding=1")
        yield Sample((a(1, 2, *sp), 3), {"stride": 2, "ceil_mode": True}, name="ceil_mode")
        yield Sample((a(1, 2, *sp), 3), {"stride": 2, "padding": 1, "ceil_mode": True},
                     name="ceil_mode + padding")
        yield Sample((a(1, 2, *sp), (2,) * n), {"stride": 1}, name="overlapping stride 1")
        yield Sample((a(0, 2, *sp), 2), name="N=0")
        mixed = {1: (3,), 2: (3, 2), 3: (3, 2, 2)}[n]
        yield Sample((a(1, 2, *sp), mixed), {"stride": tuple(reversed(mixed)), "padding": 1},
                     name="tuple params")
        if kind == "max":
            yield Sample((a(1, 2, *sp), 3), {"dilation": 2, "padding": 1},
                         name="dilation=2")
            yield Sample((a(1, 2, *sp), 3), {"stride": 2, "padding": 1, "return_indices": True},
                         name="return_indices")
            yield Sample((a(2, 2, *sp), 2), {"dilation": 2, "ceil_mode": True,
                                             "return_indices": True},
                         name="return_indices, dilation + ceil_mode")
            # Outputs of -inf are not differentiable (forward only). torch's indices: the
            # window's first input position when all its inputs are -inf, -1 for a window in
            # the padding.
            yield Sample((np.full((1, 1) + sp, _lowest(np.dtype(dtype)), dtype=dtype), 3),
                         {"stride": 2, "padding": 1, "return_indices": True},
                         name="all -inf", grad=False)
            yield Sample((np.arange(3.0 ** n, dtype=dtype).reshape((1,) + (3,) * n), 2),
                         {"stride": 1, "padding": 2, "dilation": 4, "return_indices": True},
                         name="a window entirely in the padding", grad=False)
        else:
            yield Sample((a(1, 2, *sp), 3), {"stride": 2, "padding": 1,
                                             "count_include_pad": False},
                         name="count_include_pad=False")
            yield Sample((a(1, 2, *sp), 3), {"stride": 2, "padding": 1, "ceil_mode": True,
                                             "count_include_pad": False},
                         name="count_include_pad=False + ceil_mode")
            if n > 1:
                yield Sample((a(1, 2, *sp), 2), {"padding": 1, "divisor_override": 3},
                             name="divisor_override")

    return samples


def _max_ref(n):
    def ref(*args, **kw):
        return _ref_max_pool(*args, n=n, **kw)

    return ref


def _avg_ref(n):
    def ref(*args, **kw):
        return _ref_avg_pool(*args, n=n, **kw)

    return ref


for _n in (1, 2, 3):
    _row(f"max_pool{_n}d", getattr(nn, f"max_pool{_n}d"), _max_ref(_n), _pool_samples(_n, "max"),
         dtypes=(np.float64, np.float32, np.int64))
    _row(f"avg_pool{_n}d", getattr(nn, f"avg_pool{_n}d"), _avg_ref(_n), _pool_samples(_n, "avg"))


def _ref_adaptive(n):
    def ref(input, output_size):
        sizes = input.shape[input.ndim - n:]
        outs = output_size if isinstance(output_size, tuple) else (output_size,) * n
        outs = tuple(sz if o is None else o for o, sz in zip(outs, sizes, strict=True))
        lead = input.shape[: input.ndim - n]
        x = _f(input)
        res = np.zeros(lead + outs)
        for pos in itertools.product(*map(range, outs)):
            window = tuple(slice(math.floor(pos[i] * sizes[i] / outs[i]),
                                 math.ceil((pos[i] + 1) * sizes[i] / outs[i])) for i in range(n))
            res[(Ellipsis,) + pos] = x[(Ellipsis,) + window].mean(axis=tuple(range(-n, 0)))
        return res.astype(input.dtype)

    return ref


def _adaptive_samples(n):
    def samples(rng, dtype):
        sp = {1: (7,), 2: (5, 7), 3: (4, 5, 3)}[n]
        x = make_array(rng, (2, 3, *sp), dtype)
        yield Sample((x, 3), name="int output_size")
        yield Sample((x, 1), name="global pooling")
        yield Sample((make_array(rng, (3, *sp), dtype), 2), name="unbatched")
        yield Sample((x, sp), name="identity size")
        if n > 1:
            yield Sample((x, (2,) + (None,) * (n - 1)), name="None entries")
            yield Sample((x, tuple(range(2, 2 + n))), name="tuple output_size")
        yield Sample((x, tuple(s + 2 for s in sp)), name="upsampling sizes")

    return samples


for _n in (1, 2, 3):
    _row(f"adaptive_avg_pool{_n}d", getattr(nn, f"adaptive_avg_pool{_n}d"), _ref_adaptive(_n),
         _adaptive_samples(_n))


# -- dropout (random: shape and dtype here; statistics in tests/api/test_nn_errors.py) --------

def _dropout_samples(rng, dtype):
    yield Sample((make_array(rng, (20, 30), dtype),), {"p": 0.3}, name="p=0.3")
    yield Sample((make_array(rng, (5,), dtype),), {"p": 0.5, "training": False}, name="eval")


_row("dropout", nn.dropout, lambda input, p=0.5, training=True: input, _dropout_samples,
     random=True)
