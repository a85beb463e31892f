"""``lamina.nn.functional``: torch.nn.functional's names, signatures and layouts on lamina.

Layouts are torch's: channels first (``(N, C, *spatial)``, or ``(C, *spatial)`` unbatched),
class dimension 1 for losses, ``linear`` weights ``(out_features, in_features)``, convolution
weights ``(out_channels, in_channels // groups, *kernel)``. Axes are called ``dim``.

Convolution and pooling run on the primitives of ``lamina.ops.nn`` (one strided-window kernel
each); everything else here is a composite of ``lamina.numpy`` functions, so it is
differentiable and batchable as soon as those are (STYLE.md, rule 4).

>>> import lamina.numpy as lnp
>>> import lamina.nn as nn
>>> nn.relu(lnp.asarray([-1.0, 2.0]))
Tensor([0., 2.], device='cpu')
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

import lamina.numpy as lnp
from lamina.core import current_interpreters
from lamina.errors import LaminaIndexError, LaminaTypeError, LaminaValueError
from lamina.lazy import is_pending
from lamina.numpy._handles import handle, value_of
from lamina.ops import nn as _ops
from lamina.ops.common import normalize_axis
from lamina.wrappers.tensor import Tensor

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid",
    "hardtanh", "softplus", "softsign", "tanh", "logsigmoid", "softmax", "log_softmax",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "linear", "dropout", "layer_norm", "batch_norm",
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "embedding", "one_hot",
    "erf",
]


# -- helpers -------------------------------------------------------------------------------

def _tensor(x: Any, what: str) -> Tensor:
    return x if type(x) is Tensor else handle(value_of(x, what))


def _floating(t: Tensor, what: str, name: str = "input") -> Tensor:
    if t.dtype.kind != "f":
        raise LaminaTypeError(
            f"{what}: expected a floating-point {name}, got dtype {t.dtype}. Cast it first, "
            "e.g. x.astype(np.float32)."
        )
    return t


def _const(array: np.ndarray, like: Tensor) -> Tensor:
    """A host-built constant on ``like``'s device, in ``like``'s dtype."""
    return lnp.asarray(array, dtype=like.dtype, device=like.device)


def _inplace(input: Any, out: Tensor, inplace: bool, what: str) -> Tensor:
    if not inplace:
        return out
    if type(input) is not Tensor:
        raise LaminaTypeError(f"{what}(inplace=True): the input must be a lamina Tensor.")
    input[...] = out
    return input


def _check_reduction(reduction: str, what: str) -> str:
    if reduction not in ("none", "mean", "sum"):
        raise LaminaValueError(
            f"{what}: {reduction!r} is not a valid value for reduction; use 'none', 'mean' or "
            "'sum'."
        )
    return reduction


def _legacy_reduction(size_average, reduce, reduction: str, what: str) -> str:
    """torch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``."""
    if size_average is None and reduce is None:
        return _check_reduction(reduction, what)
    warnings.warn(
        f"{what}: size_average and reduce args are deprecated; use reduction= instead.",
        UserWarning, stacklevel=3,
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return lnp.mean(loss)
    if reduction == "sum":
        return lnp.sum(loss)
    return loss


def _ints(value: Any, n: int, name: str, what: str) -> tuple[int, ...]:
    """An int or a length-``n`` sequence of ints, as a tuple of ``n`` Python ints."""
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        items = tuple(value)
    except TypeError:
        items = None
    if items is not None and len(items) == 1 and n > 1:
        items = items * n
    if (items is None or len(items) != n or any(
            isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer))
            for v in items)):
        raise LaminaTypeError(
            f"{what}: {name} must be an int or a tuple of {n} ints, got {value!r}."
        )
    return tuple(int(v) for v in items)


def _positive(values: tuple, name: str, what: str) -> tuple:
    if any(v <= 0 for v in values):
        raise LaminaValueError(f"{what}: {name} must be positive, got {values}.")
    return values


def _readable(t: Tensor) -> bool:
    """Whether a check may read ``t``'s data (targets in range): only outside transforms (where
    data may be batched or traced) and when ``t`` is already evaluated, so that a check never
    forces a pending graph to run. Unchecked out-of-range indices fail in the gather kernel."""
    return not current_interpreters() and not is_pending(t)


# -- activations ---------------------------------------------------------------------------

# NOTE [gradients at kinks]: piecewise functions are written with ``where`` so that the
# gradient at a kink is torch's (the branch torch's backward picks), not the even split of
# ``maximum``/``minimum`` at a tie: relu, relu6 and hardtanh have gradient 0 at their corners,
# leaky_relu ``negative_slope`` at 0, elu/celu/selu their negative branch's. The ``where``
# conditions are chosen so that NaN propagates as in ``maximum`` (``nan <= 0`` is False).

def _clamp(x: Tensor, low: float | None, high: float | None) -> Tensor:
    """``x`` clamped to ``[low, high]``; the gradient is 0 at and beyond the bounds."""
    if low is not None:
        x = lnp.where(x <= low, low, x)
    if high is not None:
        x = lnp.where(x >= high, high, x)
    return x


def relu(input: Any, inplace: bool = False) -> Tensor:
    """``max(x, 0)``, elementwise (gradient 0 at 0, as torch).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.relu(lnp.asarray([-1.0, 0.5]))
    Tensor([0. , 0.5], device='cpu')
    """
    return _inplace(input, _clamp(_tensor(input, "relu"), 0, None), inplace, "relu")


def relu6(input: Any, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``, elementwise.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.relu6(lnp.asarray([-1.0, 3.0, 8.0]))
    Tensor([0., 3., 6.], device='cpu')
    """
    return _inplace(input, _clamp(_tensor(input, "relu6"), 0, 6), inplace, "relu6")


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``, elementwise (default ``[-1, 1]``).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.hardtanh(lnp.asarray([-2.0, 0.5, 2.0]))
    Tensor([-1. ,  0.5,  1. ], device='cpu')
    >>> F.hardtanh(lnp.asarray([-2.0, 0.5, 2.0]), min_val=0.0, max_val=1.0)
    Tensor([0. , 0.5, 1. ], device='cpu')
    """
    if min_val > max_val:
        raise LaminaValueError("hardtanh: min_val cannot be greater than max_val.")
    return _inplace(input, _clamp(_tensor(input, "hardtanh"), min_val, max_val), inplace,
                    "hardtanh")


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere (default slope 0.01).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.leaky_relu(lnp.asarray([-2.0, 3.0]), negative_slope=0.1)
    Tensor([-0.2,  3. ], device='cpu')
    """
    x = _tensor(input, "leaky_relu")
    return _inplace(input, lnp.where(x > 0, x, x * negative_slope), inplace, "leaky_relu")


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.elu(lnp.asarray([-1.0, 2.0])).round(4)
    Tensor([-0.6321,  2.    ], device='cpu')
    """
    x = _tensor(input, "elu")
    # where, not minimum: no overflow in the unused branch, and the gradient at 0 is the
    # negative branch's (NOTE [gradients at kinks]).
    neg = lnp.expm1(lnp.where(x > 0, 0, x)) * alpha
    return _inplace(input, lnp.where(x > 0, x, neg), inplace, "elu")


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``, elementwise.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.celu(lnp.asarray([-1.0, 2.0]), alpha=2.0).round(4)
    Tensor([-0.7869,  2.    ], device='cpu')
    """
    if alpha == 0:
        raise LaminaValueError("celu: alpha cannot be 0.")
    x = _tensor(input, "celu")
    neg = lnp.expm1(lnp.where(x > 0, 0, x) / alpha) * alpha
    return _inplace(input, lnp.where(x > 0, x, neg), inplace, "celu")


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Any, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalizing constants, elementwise.

    ``alpha`` is 1.6732632... and ``scale`` 1.0507009..., as torch.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.selu(lnp.asarray([-1.0, 1.0])).round(4)
    Tensor([-1.1113,  1.0507], device='cpu')
    """
    return _inplace(input, elu(input, _SELU_ALPHA) * _SELU_SCALE, inplace, "selu")


def erf(input: Any) -> Tensor:
    """The error function (torch.special.erf), elementwise.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.erf(lnp.asarray([0.0, 0.5, 1.0])).round(4)
    Tensor([0.    , 0.5205, 0.8427], device='cpu')
    """
    return handle(_ops.erf(value_of(input, "erf")))


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (``approximate='none'``, with erf) or its tanh approximation.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> round(F.gelu(lnp.asarray(1.0)).item(), 6)
    0.841345
    """
    x = _tensor(input, "gelu")
    if approximate == "none":
        return x * (erf(x * (1 / math.sqrt(2.0))) + 1) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (lnp.tanh(inner) + 1) * 0.5
    raise LaminaValueError(
        f"gelu: approximate={approximate!r} is not supported; use 'none' or 'tanh'."
    )


def _neg_abs(x: Tensor) -> Tensor:
    """``-|x|`` whose derivatives at 0 are those of ``-x``: formulas built on it (``exp(-|x|)``
    in sigmoid, softplus) are analytic at 0 and pick one analytic branch there, so their
    gradients of every order at 0 are right (``abs``'s derivative at 0 is 0, which would zero
    sigmoid's gradient at 0)."""
    return lnp.where(x >= 0, -x, x)


def _log1p_exp(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without overflow: ``log1p(exp(-|x|)) + max(x, 0)``, with the
    branches chosen by ``where`` (see ``_neg_abs``)."""
    return lnp.log1p(lnp.exp(_neg_abs(x))) + lnp.where(x >= 0, x, 0)


def sigmoid(input: Any) -> Tensor:
    """``1 / (1 + exp(-x))``, elementwise, computed without overflow.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.sigmoid(lnp.asarray([-1000.0, 0.0, 1000.0]))
    Tensor([0. , 0.5, 1. ], device='cpu')
    """
    x = _tensor(input, "sigmoid")
    e = lnp.exp(_neg_abs(x))  # in (0, 1]: never overflows
    return lnp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def silu(input: Any, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish), elementwise.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.silu(lnp.asarray([-1.0, 0.0, 1.0])).round(4)
    Tensor([-0.2689,  0.    ,  0.7311], device='cpu')
    """
    x = _tensor(input, "silu")
    return _inplace(input, x * sigmoid(x), inplace, "silu")


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, elementwise; linear where ``beta * x > threshold``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.softplus(lnp.asarray([-1.0, 0.0, 1.0])).round(4)
    Tensor([0.3133, 0.6931, 1.3133], device='cpu')
    >>> F.softplus(lnp.asarray([30.0]))    # above threshold=20: x itself
    Tensor([30.], device='cpu')
    """
    x = _tensor(input, "softplus")
    bx = x * beta
    return lnp.where(bx > threshold, x, _log1p_exp(bx) / beta)


def mish(input: Any, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``, elementwise.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.mish(lnp.asarray([-1.0, 0.0, 1.0])).round(4)
    Tensor([-0.3034,  0.    ,  0.8651], device='cpu')
    """
    x = _tensor(input, "mish")
    return _inplace(input, x * lnp.tanh(softplus(x)), inplace, "mish")


def logsigmoid(input: Any) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, elementwise, finite even for very negative ``x``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.logsigmoid(lnp.asarray([-1.0, 0.0])).round(4)
    Tensor([-1.3133, -0.6931], device='cpu')
    >>> F.logsigmoid(lnp.asarray(-1000.0)).item()    # log(F.sigmoid(x)) would give -inf
    -1000.0
    """
    x = _tensor(input, "logsigmoid")
    return -_log1p_exp(-x)


def softsign(input: Any) -> Tensor:
    """``x / (1 + |x|)``, elementwise.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.softsign(lnp.asarray([-3.0, 1.0]))
    Tensor([-0.75,  0.5 ], device='cpu')
    """
    x = _tensor(input, "softsign")
    return x / (lnp.abs(x) + 1)


def tanh(input: Any) -> Tensor:
    """The hyperbolic tangent, elementwise (the same as ``lamina.numpy.tanh``).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.tanh(lnp.asarray([0.0, 1.0])).round(4)
    Tensor([0.    , 0.7616], device='cpu')
    """
    return lnp.tanh(input)


def _softmax_dim(x: Tensor, dim: Any, what: str) -> int:
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1
        warnings.warn(
            f"Implicit dimension choice for {what} has been deprecated. Change the call to "
            f"include dim={dim} as an argument.", UserWarning, stacklevel=3,
        )
    return normalize_axis(dim, max(x.ndim, 1), what) if x.ndim else 0


def _softmax_input(input: Any, dtype: Any, what: str) -> Tensor:
    x = _tensor(input, what)
    if dtype is not None:
        x = x.astype(dtype)
    return _floating(x, what)


def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, shifted by the max for stability.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.softmax(lnp.asarray([0.0, 0.0]), dim=0)
    Tensor([0.5, 0.5], device='cpu')
    """
    x = _softmax_input(input, dtype, "softmax")
    if x.ndim == 0:
        return lnp.exp(x - x)
    d = _softmax_dim(x, dim, "softmax")
    e = lnp.exp(x - lnp.max(x, axis=d, keepdims=True))
    return e / lnp.sum(e, axis=d, keepdims=True)


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: the log of ``softmax``, computed stably.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.log_softmax(lnp.asarray([1.0, 2.0, 3.0]), dim=0).round(4)
    Tensor([-2.4076, -1.4076, -0.4076], device='cpu')
    """
    from lamina.special import logsumexp  # noqa: PLC0415

    x = _softmax_input(input, dtype, "log_softmax")
    if x.ndim == 0:
        return x - x
    d = _softmax_dim(x, dim, "log_softmax")
    return x - logsumexp(x, axis=d, keepdims=True)


# -- losses --------------------------------------------------------------------------------

def _class_layout(x: Tensor, what: str) -> int:
    if x.ndim == 0:
        raise LaminaValueError(
            f"{what}: expected an input of shape (C,), (N, C) or (N, C, d1, ...) of class "
            "scores, got a 0-d tensor."
        )
    return 0 if x.ndim == 1 else 1


def _check_targets(t: Tensor, num_classes: int, ignore_index: int, what: str) -> None:
    if t.dtype.kind not in "iu":
        raise LaminaTypeError(
            f"{what}: class-index targets must be integers (int64), got dtype {t.dtype}. For "
            "class probabilities pass a floating target of the input's shape."
        )
    if t.size == 0 or not _readable(t):
        return
    values = t.numpy()
    bad = values[(values != ignore_index) & ((values < 0) | (values >= num_classes))]
    if bad.size:
        raise LaminaIndexError(
            f"{what}: Target {int(bad.flat[0])} is out of bounds: the input has {num_classes} "
            f"classes, so targets must be in [0, {num_classes}) or equal ignore_index="
            f"{ignore_index}."
        )


def _class_weight(weight: Any, x: Tensor, num_classes: int, what: str) -> Tensor | None:
    if weight is None:
        return None
    w = _tensor(weight, what)
    if w.shape != (num_classes,):
        raise LaminaValueError(
            f"{what}: weight must be a 1-D tensor with one entry per class ({num_classes}), "
            f"got shape {w.shape}."
        )
    return w


def _nll(logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
         reduction: str, what: str) -> Tensor:
    """The weighted negative log-likelihood of class-index targets (validated)."""
    cdim = 0 if logp.ndim == 1 else 1
    valid = target != ignore_index
    safe = lnp.where(valid, target, 0)
    moved = lnp.moveaxis(logp, cdim, -1)
    picked = lnp.take_along_axis(moved, lnp.expand_dims(safe, -1), axis=-1)[..., 0]
    if weight is None:
        w_t = valid.astype(logp.dtype)
    else:
        w_t = lnp.where(valid, weight[safe], 0).astype(logp.dtype)
    loss = -picked * w_t
    if reduction == "none":
        return loss
    if reduction == "sum":
        return lnp.sum(loss)
    return lnp.sum(loss) / lnp.sum(w_t)


def _target_shape_check(x: Tensor, t: Tensor, cdim: int, what: str) -> None:
    expected = x.shape[:cdim] + x.shape[cdim + 1:]
    if t.shape != expected:
        raise LaminaValueError(
            f"{what}: expected a target of shape {expected} (the input's shape {x.shape} "
            f"without the class dimension {cdim}), got shape {t.shape}."
        )


def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class-index targets, given log-probabilities ``input``.

    ``input`` holds log-probabilities (e.g. ``log_softmax``'s output), not logits:
    ``nll_loss(log_softmax(x, dim=1), t)`` is ``cross_entropy(x, t)``. Layouts, ``weight``,
    ``ignore_index`` and ``reduction`` are as in ``cross_entropy``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> logp = F.log_softmax(lnp.asarray([[2.0, 0.0], [0.0, 2.0]]), dim=1)
    >>> round(F.nll_loss(logp, lnp.asarray([0, 1])).item(), 6)
    0.126928
    """
    what = "nll_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction, what)
    x = _floating(_tensor(input, what), what)
    cdim = _class_layout(x, what)
    t = _tensor(target, what)
    _target_shape_check(x, t, cdim, what)
    num_classes = x.shape[cdim]
    _check_targets(t, num_classes, ignore_index, what)
    w = _class_weight(weight, x, num_classes, what)
    return _nll(x, t, w, ignore_index, reduction, what)


def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between class scores (logits) and class-index or probability targets.

    ``input`` is ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; ``target`` holds class indices
    (integers, the input's shape without dim 1) or class probabilities (floats, the input's
    shape).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> logits = lnp.asarray([[2.0, 0.0], [0.0, 2.0]])
    >>> round(F.cross_entropy(logits, lnp.asarray([0, 1])).item(), 6)
    0.126928
    """
    what = "cross_entropy"
    reduction = _legacy_reduction(size_average, reduce, reduction, what)
    if not 0.0 <= label_smoothing <= 1.0:
        raise LaminaValueError(
            f"{what}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}."
        )
    x = _floating(_tensor(input, what), what)
    cdim = _class_layout(x, what)
    num_classes = x.shape[cdim]
    t = _tensor(target, what)
    w = _class_weight(weight, x, num_classes, what)
    logp = log_softmax(x, dim=cdim)
    wshape = (num_classes,) + (1,) * (x.ndim - cdim - 1)
    if t.shape == x.shape and t.dtype.kind == "f":  # class probabilities
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / num_classes
        terms = logp * t if w is None else logp * t * lnp.reshape(w, wshape)
        if reduction == "none":
            return -lnp.sum(terms, axis=cdim)
        if reduction == "sum":
            return -lnp.sum(terms)
        return -lnp.sum(terms) / (x.size // num_classes if x.size else float("nan"))
    _target_shape_check(x, t, cdim, what)
    _check_targets(t, num_classes, ignore_index, what)
    nll = _nll(logp, t, w, ignore_index, reduction, what)
    if label_smoothing == 0:
        return nll
    # torch's smoothing term: the (weighted) mean over classes of -log p, per sample.
    valid = t != ignore_index
    terms = logp if w is None else logp * lnp.reshape(w, wshape)
    smooth = lnp.where(valid, -lnp.sum(terms, axis=cdim), 0)
    if reduction == "none":
        reduced = smooth
    elif reduction == "sum":
        reduced = lnp.sum(smooth)
    elif w is None:
        reduced = lnp.sum(smooth) / lnp.sum(valid.astype(x.dtype))
    else:
        w_t = lnp.where(valid, w[lnp.where(valid, t, 0)], 0).astype(x.dtype)
        reduced = lnp.sum(smooth) / lnp.sum(w_t)
    return nll * (1 - label_smoothing) + reduced * (label_smoothing / num_classes)


def _same_shape(x: Tensor, t: Tensor, what: str) -> None:
    if x.shape != t.shape:
        raise LaminaValueError(
            f"{what}: Using a target size {t.shape} that is different to the input size "
            f"{x.shape} is not supported. Please ensure they have the same size."
        )


def _broadcast_warning(x: Tensor, t: Tensor, what: str) -> None:
    if x.shape != t.shape:
        warnings.warn(
            f"{what}: Using a target size {t.shape} that is different to the input size "
            f"{x.shape}. This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=3,
        )


def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x, t = lnp.asarray([1.0, 2.0, 3.0, 4.0]), lnp.asarray([0.0, 2.0, 3.0, 6.0])
    >>> F.mse_loss(x, t)
    Tensor(1.25, device='cpu')
    >>> F.mse_loss(x, t, reduction='none')
    Tensor([1., 0., 0., 4.], device='cpu')
    """
    what = "mse_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction, what)
    x, t = _tensor(input, what), _tensor(target, what)
    _broadcast_warning(x, t, what)
    d = x - t
    return _reduce(d * d, reduction)


def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|``, reduced by ``reduction``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.l1_loss(lnp.asarray([1.0, 2.0, 3.0, 4.0]), lnp.asarray([0.0, 2.0, 3.0, 6.0]))
    Tensor(0.75, device='cpu')
    """
    what = "l1_loss"
    reduction = _legacy_reduction(size_average, reduce, reduction, what)
    x, t = _tensor(input, what), _tensor(target, what)
    _broadcast_warning(x, t, what)
    return _reduce(lnp.abs(x - t), reduction)


def _clamped_log(p: Tensor) -> Tensor:
    # torch clamps log at -100 so that p = 0 gives a finite loss; the inner where keeps log
    # away from 0 (no warning, and no NaN gradient later).
    positive = p > 0
    return lnp.where(positive, lnp.maximum(lnp.log(lnp.where(positive, p, 1)), -100), -100)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities ``input`` in [0, 1] (logs clamped at -100).

    ``input`` holds probabilities; for logits use ``binary_cross_entropy_with_logits``, which is
    stable. As in torch, each log is clamped at -100, so a certain wrong guess costs 100.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.binary_cross_entropy(lnp.asarray([0.8, 0.4]), lnp.asarray([1.0, 0.0])).round(4)
    Tensor(0.367, device='cpu')
    >>> F.binary_cross_entropy(lnp.asarray([0.0]), lnp.asarray([1.0]))
    Tensor(100., device='cpu')
    """
    what = "binary_cross_entropy"
    reduction = _legacy_reduction(size_average, reduce, reduction, what)
    x = _floating(_tensor(input, what), what)
    t = _tensor(target, what)
    _same_shape(x, t, what)
    loss = -(t * _clamped_log(x) + (1 - t) * _clamped_log(1 - x))
    if weight is not None:
        loss = loss * _tensor(weight, what)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from logits.

    ``pos_weight`` weighs the positive term (broadcast along the last dimension, as torch).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x, t = lnp.asarray([2.0, -1.0]), lnp.asarray([1.0, 0.0])
    >>> F.binary_cross_entropy_with_logits(x, t).round(4)
    Tensor(0.2201, device='cpu')
    >>> F.binary_cross_entropy(F.sigmoid(x), t).round(4)
    Tensor(0.2201, device='cpu')
    """
    what = "binary_cross_entropy_with_logits"
    reduction = _legacy_reduction(size_average, reduce, reduction, what)
    x = _floating(_tensor(input, what), what)
    t = _tensor(target, what)
    _same_shape(x, t, what)
    softplus_neg = _log1p_exp(-x)  # -log sigmoid(x)
    if pos_weight is None:
        loss = (1 - t) * x + softplus_neg
    else:
        log_weight = (_tensor(pos_weight, what) - 1) * t + 1
        loss = (1 - t) * x + log_weight * softplus_neg
    if weight is not None:
        loss = loss * _tensor(weight, what)
    return _reduce(loss, reduction)


# -- linear, dropout, normalization, embedding ---------------------------------------------

def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """``input @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.linear(lnp.ones((2, 3)), lnp.ones((4, 3)), lnp.zeros(4)).shape
    (2, 4)
    """
    x, w = _tensor(input, "linear"), _tensor(weight, "linear")
    if w.ndim not in (1, 2):
        raise LaminaValueError(
            f"linear: weight must be (out_features, in_features) or (in_features,), got "
            f"shape {w.shape}."
        )
    if x.ndim == 0 or x.shape[-1] != w.shape[-1]:
        raise LaminaValueError(
            f"linear: input shape {x.shape} and weight shape {w.shape} don't match: the "
            f"input's last dimension must equal in_features={w.shape[-1]}."
        )
    out = lnp.matmul(x, w.T if w.ndim == 2 else w)
    return out if bias is None else out + _tensor(bias, "linear")


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    With ``training=False`` the input is returned unchanged. The mask is drawn from the global
    generator of ``lamina.numpy.random``, so ``lnp.random.seed(s)`` makes it reproducible.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x = lnp.ones(8)
    >>> F.dropout(x, training=False) is x
    True
    >>> lnp.random.seed(0)
    >>> y = F.dropout(x, p=0.5)
    >>> set(y.tolist()) <= {0.0, 2.0}    # dropped, or kept and scaled by 1 / (1 - p)
    True
    >>> lnp.random.seed(0)
    >>> bool((F.dropout(x, p=0.5) == y).all())
    True
    >>> lnp.random.seed()    # back to fresh entropy
    """
    if not 0.0 <= p <= 1.0:
        raise LaminaValueError(
            f"dropout: dropout probability has to be between 0 and 1, but got {p}."
        )
    x = _tensor(input, "dropout")
    if not training or p == 0:
        return input if type(input) is Tensor else x
    if p == 1:
        out = x * 0
    else:
        keep = lnp.random.random(x.shape, device=x.device) >= p
        out = lnp.where(keep, x / (1 - p), 0).astype(x.dtype)
    return _inplace(input, out, inplace, "dropout")


def _normalized_shape(shape: Any) -> tuple:
    """``normalized_shape`` as a tuple of ints; torch refuses floats (``(3.0,)``), and so does
    the library's one shape check, naming the bad element."""
    from lamina.ops.creation import _check_shape  # noqa: PLC0415

    return _check_shape(shape, "layer_norm(normalized_shape)")


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` dims, then scale and shift.

    Each slice gets zero mean and unit (biased) variance, then ``* weight + bias`` if given
    (both of shape ``normalized_shape``).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.layer_norm(lnp.asarray([[1.0, 2.0, 3.0]]), (3,)).round(4)
    Tensor([[-1.2247,  0.    ,  1.2247]], device='cpu')
    """
    what = "layer_norm"
    x = _floating(_tensor(input, what), what)
    shape = _normalized_shape(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise LaminaValueError(
            f"{what}: Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.shape)}."
        )
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = lnp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = lnp.mean(centered * centered, axis=axes, keepdims=True)
    out = centered / lnp.sqrt(var + eps)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and _tensor(p, what).shape != shape:
            raise LaminaValueError(
                f"{what}: {name} must have the normalized shape {shape}, got "
                f"{_tensor(p, what).shape}."
            )
    if weight is not None:
        out = out * _tensor(weight, what)
    if bias is not None:
        out = out + _tensor(bias, what)
    return out


def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None,
               bias: Any = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) over the batch and spatial dims.

    In training mode the batch statistics are used and, as in torch, ``running_mean`` and
    ``running_var`` (lamina Tensors) are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` (unbiased variance). In
    evaluation mode the running statistics are used.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x = lnp.asarray([[1.0], [3.0]])    # (N, C) = (2, 1)
    >>> mean, var = lnp.zeros(1), lnp.ones(1)
    >>> F.batch_norm(x, mean, var, training=True).round(4)
    Tensor([[-1.],
            [ 1.]], device='cpu')
    >>> mean, var    # updated in place with momentum 0.1
    (Tensor([0.2], device='cpu'), Tensor([1.1], device='cpu'))
    """
    what = "batch_norm"
    x = _floating(_tensor(input, what), what)
    if x.ndim < 2:
        raise LaminaValueError(
            f"{what}: expected an input of shape (N, C) or (N, C, *spatial), got shape "
            f"{x.shape}."
        )
    channels = x.shape[1]
    bshape = (1, channels) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    for name, p in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if p is not None and _tensor(p, what).shape != (channels,):
            raise LaminaValueError(
                f"{what}: {name} must have shape ({channels},) (one entry per channel), got "
                f"{_tensor(p, what).shape}."
            )
    if training:
        n = x.size // channels if channels else 0
        if n <= 1:
            raise LaminaValueError(
                f"{what}: Expected more than 1 value per channel when training, got input "
                f"size {x.shape}."
            )
        if momentum is None:
            raise LaminaValueError(
                f"{what}: momentum=None (a cumulative average) needs a batch counter; pass a "
                "float momentum to the functional form."
            )
        mean = lnp.mean(x, axis=axes)
        centered = x - lnp.reshape(mean, bshape)
        var = lnp.mean(centered * centered, axis=axes)
        for name, stat, batch_stat in (("running_mean", running_mean, mean),
                                       ("running_var", running_var, var * (n / (n - 1)))):
            if stat is None:
                continue
            if type(stat) is not Tensor:
                raise LaminaTypeError(
                    f"{what}(training=True): {name} is updated in place, so it must be a "
                    f"lamina Tensor, got {type(stat).__name__}. Pass lm.asarray(...) and keep "
                    "the handle."
                )
            stat *= 1 - momentum
            stat += batch_stat * momentum
        inv = 1 / lnp.sqrt(lnp.reshape(var, bshape) + eps)
        out = centered * inv
    else:
        if running_mean is None or running_var is None:
            raise LaminaValueError(
                f"{what}: running_mean and running_var must be given in evaluation mode "
                "(training=False)."
            )
        mean = lnp.reshape(_tensor(running_mean, what), bshape)
        var = lnp.reshape(_tensor(running_var, what), bshape)
        out = (x - mean) / lnp.sqrt(var + eps)
    if weight is not None:
        out = out * lnp.reshape(_tensor(weight, what), bshape)
    if bias is not None:
        out = out + lnp.reshape(_tensor(bias, what), bshape)
    return out


def embedding(input: Any, weight: Any, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` ``(num_embeddings, dim)`` picked by the integer ``input`` (a gather).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.embedding(lnp.asarray([2, 0]), lnp.asarray([[0.0], [1.0], [2.0]]))
    Tensor([[2.],
            [0.]], device='cpu')
    """
    what = "embedding"
    idx, w = _tensor(input, what), _tensor(weight, what)
    if idx.dtype.kind not in "iu":
        raise LaminaTypeError(
            f"{what}: indices must be integers (int64 or int32), got dtype {idx.dtype}."
        )
    if w.ndim != 2:
        raise LaminaValueError(
            f"{what}: weight must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}."
        )
    if padding_idx is not None:
        num = w.shape[0]
        if not -num <= padding_idx < num:
            raise LaminaValueError(f"{what}: padding_idx must be within num_embeddings ({num}).")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise LaminaValueError(
            f"{what}: max_norm, scale_grad_by_freq and sparse are not supported; renormalize "
            "the weight explicitly instead."
        )
    if idx.size and _readable(idx):
        values = idx.numpy()
        if values.min() < -w.shape[0] or values.max() >= w.shape[0]:
            raise LaminaIndexError(
                f"{what}: index out of range: indices must be in [0, {w.shape[0]}) for a weight "
                f"of {w.shape[0]} rows, got values from {values.min()} to {values.max()}."
            )
    # padding_idx only changes the gradient (its row gets none); the forward is a gather.
    return w[idx]


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of an integer tensor, in a new last dimension (no grad).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.one_hot(lnp.asarray([0, 2]), 3)
    Tensor([[1, 0, 0],
            [0, 0, 1]], device='cpu')
    """
    what = "one_hot"
    t = _tensor(tensor, what)
    if t.dtype.kind not in "iu":
        raise LaminaTypeError(
            f"{what}: one_hot is only applicable to index tensors (integers), got dtype "
            f"{t.dtype}."
        )
    if num_classes == -1 or _readable(t):
        values = t.numpy() if t.size else np.zeros(0, np.int64)
        if values.size and values.min() < 0:
            raise LaminaValueError(f"{what}: Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(values.max()) + 1 if values.size else 0
        elif values.size and values.max() >= num_classes:
            raise LaminaValueError(f"{what}: Class values must be smaller than num_classes.")
    if num_classes < 0:
        raise LaminaValueError(f"{what}: num_classes must be -1 or non-negative, got "
                               f"{num_classes}.")
    classes = lnp.asarray(np.arange(num_classes), dtype=t.dtype, device=t.device)
    return (lnp.expand_dims(t, -1) == classes).astype(np.int64)


# -- convolution ---------------------------------------------------------------------------

_SPATIAL = {1: "(C,L) or (N,C,L)", 2: "(C,H,W) or (N,C,H,W)", 3: "(C,D,H,W) or (N,C,D,H,W)"}
_KERNEL = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}


def _batched(x: Tensor, nd: int, what: str) -> tuple[Tensor, bool]:
    if x.ndim not in (nd + 1, nd + 2):
        raise LaminaValueError(
            f"{what}: expected a {nd + 1}-D or {nd + 2}-D input {_SPATIAL[nd]}, got shape "
            f"{x.shape}."
        )
    if x.ndim == nd + 1:
        return lnp.expand_dims(x, 0), True
    return x, False


def _conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple,
                  what: str) -> tuple:
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise LaminaValueError(
                    f"{what}: padding='same' is not supported for strided convolutions; use "
                    "stride=1 or explicit padding."
                )
            # torch: the total padding d * (k - 1), the extra one (if odd) at the high end.
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                         for k, d in zip(kernel, dilation, strict=True))
        raise LaminaValueError(
            f"{what}: padding={padding!r} is not valid; use an int, a tuple of ints, 'same' or "
            "'valid'."
        )
    pads = _ints(padding, nd, "padding", what)
    if any(p < 0 for p in pads):
        raise LaminaValueError(f"{what}: padding must be non-negative, got {pads}.")
    return tuple((p, p) for p in pads)


def _conv_operands(nd: int, input, weight, stride, dilation, what: str, layout: str):
    """The checked input (batched), weight, stride and dilation of a (transposed) conv."""
    x = _tensor(input, what)
    w = _tensor(weight, what)
    for t, name in ((x, "input"), (w, "weight")):
        if t.dtype.kind not in "fc":
            _floating(t, what, name)
    x, unbatched = _batched(x, nd, what)
    if w.ndim != nd + 2:
        raise LaminaValueError(
            f"{what}: expected a {nd + 2}-D weight ({layout}, {_KERNEL[nd]}), got shape "
            f"{w.shape}."
        )
    stride = _positive(_ints(stride, nd, "stride", what), "stride", what)
    dilation = _positive(_ints(dilation, nd, "dilation", what), "dilation", what)
    return x, w, unbatched, stride, dilation


def _conv(nd: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    what = f"conv{nd}d"
    x, w, unbatched, stride, dilation = _conv_operands(
        nd, input, weight, stride, dilation, what, "out_channels, in_channels/groups")
    if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, np.integer)) \
            or groups <= 0:
        raise LaminaValueError(f"{what}: groups must be a positive integer, got {groups!r}.")
    groups = int(groups)
    kernel = tuple(w.shape[2:])
    out_channels, channels = w.shape[0], x.shape[1]
    if out_channels % groups:
        raise LaminaValueError(
            f"{what}: out_channels ({out_channels}, weight's dim 0) must be divisible by "
            f"groups={groups}."
        )
    if channels != w.shape[1] * groups:
        raise LaminaValueError(
            f"{what}: Given groups={groups}, weight of size {list(w.shape)}, expected "
            f"input{list(x.shape)} to have {w.shape[1] * groups} channels, but got {channels} "
            "channels instead."
        )
    pads = _conv_padding(padding, kernel, stride, dilation, what)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads, strict=True))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if any(p < e for p, e in zip(padded, effective, strict=True)):
        raise LaminaValueError(
            f"{what}: Calculated padded input size per channel: "
            f"({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, effective))}). Kernel size can't be greater than actual "
            "input size."
        )
    out = handle(_ops.conv(x._lamina_read(), w._lamina_read(), stride=stride, padding=pads,
                           dilation=dilation, groups=groups))
    if bias is not None:
        b = _tensor(bias, what)
        if b.shape != (out_channels,):
            raise LaminaValueError(
                f"{what}: bias must have shape ({out_channels},) (one entry per output "
                f"channel), got {b.shape}."
            )
        out = out + lnp.reshape(b, (out_channels,) + (1,) * nd)
    return out[0] if unbatched else out


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: input ``(N, C, L)``, weight ``(O, C // groups, k)``.

    As in torch, the kernel is not flipped; ``padding`` is an int, a tuple, ``'same'`` or
    ``'valid'``, and an unbatched ``(C, L)`` input gives an unbatched output.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.conv1d(lnp.asarray([[[1.0, 2.0, 4.0, 8.0]]]), lnp.asarray([[[1.0, 0.0, -1.0]]]))
    Tensor([[[-3., -6.]]], device='cpu')
    >>> F.conv1d(lnp.ones((4, 2, 10)), lnp.ones((3, 2, 3)), stride=2).shape
    (4, 3, 4)
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation: input ``(N, C, H, W)``, weight ``(O, C // groups, kH, kW)``.

    ``padding`` is an int, a tuple, ``'same'`` or ``'valid'``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.conv2d(lnp.ones((1, 1, 4, 4)), lnp.ones((2, 1, 3, 3)), padding=1).shape
    (1, 2, 4, 4)
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation: input ``(N, C, D, H, W)``, weight ``(O, C // groups, kD, kH,
    kW)``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> w = lnp.ones((3, 2, 3, 3, 3))
    >>> F.conv3d(lnp.ones((1, 2, 4, 4, 4)), w, stride=2, padding=1).shape
    (1, 3, 2, 2, 2)
    >>> F.conv3d(lnp.ones((2, 4, 4, 4)), w, padding='same').shape    # unbatched (C, D, H, W)
    (3, 4, 4, 4)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation) -> Tensor:
    what = f"conv_transpose{nd}d"
    x, w, unbatched, stride, dilation = _conv_operands(
        nd, input, weight, stride, dilation, what, "in_channels, out_channels/groups")
    pads = _ints(padding, nd, "padding", what)
    out_pads = _ints(output_padding, nd, "output_padding", what)
    if any(p < 0 for p in pads + out_pads):
        raise LaminaValueError(f"{what}: padding and output_padding must be non-negative.")
    if any(op >= max(s, d) for op, s, d in zip(out_pads, stride, dilation, strict=True)):
        raise LaminaValueError(
            f"{what}: output padding must be smaller than either stride or dilation, got "
            f"output_padding={out_pads}, stride={stride}, dilation={dilation}."
        )
    if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, np.integer)) \
            or groups <= 0:
        raise LaminaValueError(f"{what}: groups must be a positive integer, got {groups!r}.")
    groups = int(groups)
    if x.shape[1] != w.shape[0] or w.shape[0] % groups:
        raise LaminaValueError(
            f"{what}: Given transposed=1, weight of size {list(w.shape)}, expected input"
            f"{list(x.shape)} to have {w.shape[0]} channels (divisible by groups={groups}), "
            f"but got {x.shape[1]} channels instead."
        )
    kernel = tuple(w.shape[2:])
    out_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in zip(
        x.shape[2:], stride, pads, dilation, kernel, out_pads, strict=True))
    if any(o <= 0 for o in out_size):
        raise LaminaValueError(f"{what}: the output size {out_size} is too small (non-positive).")
    out = handle(_ops.conv_transpose(
        x._lamina_read(), w._lamina_read(), stride=stride, padding=pads,
        output_padding=out_pads, dilation=dilation, groups=groups))
    out_channels = w.shape[1] * groups
    if bias is not None:
        b = _tensor(bias, what)
        if b.shape != (out_channels,):
            raise LaminaValueError(
                f"{what}: bias must have shape ({out_channels},), got {b.shape}."
            )
        out = out + lnp.reshape(b, (out_channels,) + (1,) * nd)
    return out[0] if unbatched else out


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """1-D transposed convolution; weight ``(C_in, C_out // groups, k)``.

    Each input element adds a scaled copy of the kernel to the output, ``stride`` apart; the
    output length is ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding +
    1``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.conv_transpose1d(lnp.asarray([[[1.0, 2.0]]]), lnp.asarray([[[1.0, 1.0, 1.0]]]), stride=2)
    Tensor([[[1., 1., 3., 2., 2.]]], device='cpu')
    """
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """2-D transposed convolution; weight ``(C_in, C_out // groups, kH, kW)``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.conv_transpose2d(lnp.ones((1, 2, 3, 3)), lnp.ones((2, 4, 3, 3)), stride=2).shape
    (1, 4, 7, 7)
    """
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """3-D transposed convolution; weight ``(C_in, C_out // groups, kD, kH, kW)``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.conv_transpose3d(lnp.ones((1, 4, 2, 2, 2)), lnp.ones((4, 1, 2, 2, 2)), stride=2).shape
    (1, 1, 4, 4, 4)
    """
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# -- pooling -------------------------------------------------------------------------------

def _pool_args(nd, input, kernel_size, stride, padding, dilation, ceil_mode, what):
    x = _tensor(input, what)
    if x.ndim not in (nd + 1, nd + 2):
        raise LaminaValueError(
            f"{what}: expected a {nd + 1}-D or {nd + 2}-D input {_SPATIAL[nd]}, got shape "
            f"{x.shape}."
        )
    kernel = _positive(_ints(kernel_size, nd, "kernel_size", what), "kernel_size", what)
    if stride is None or (not isinstance(stride, numbers.Integral) and not isinstance(
            stride, np.integer) and len(stride) == 0):
        stride = kernel
    stride = _positive(_ints(stride, nd, "stride", what), "stride", what)
    pads = _ints(padding, nd, "padding", what)
    dilation = _positive(_ints(dilation, nd, "dilation", what), "dilation", what)
    for p, k, d in zip(pads, kernel, dilation, strict=True):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise LaminaValueError(
                f"{what}: pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}." if what.startswith("max") else
                f"{what}: pad should be at most half of kernel size, but got pad={p} and "
                f"kernel_size={k}."
            )
    out = tuple(_ops.pool_output_size(n, k, s, p, d, bool(ceil_mode)) for n, k, s, p, d in zip(
        x.shape[x.ndim - nd:], kernel, stride, pads, dilation, strict=True))
    if any(o <= 0 for o in out):
        raise LaminaValueError(
            f"{what}: Given input size: {tuple(x.shape)}. Calculated output size: "
            f"{tuple(x.shape[: x.ndim - nd]) + out}. Output size is too small."
        )
    return x, kernel, stride, pads, dilation


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    what = f"max_pool{nd}d"
    x, kernel, stride, pads, dilation = _pool_args(
        nd, input, kernel_size, stride, padding, dilation, ceil_mode, what)
    if x.dtype.kind not in "iuf":
        raise LaminaTypeError(f"{what}: expected a real input, got dtype {x.dtype}.")
    from lamina.nn._max_pool import MaxPool  # noqa: PLC0415

    values, indices = MaxPool.apply(x, kernel, stride, pads, dilation, bool(ceil_mode))
    return (values, indices) if return_indices else values


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling over ``(N, C, L)``; ``return_indices`` also returns flat positions.

    ``stride`` defaults to ``kernel_size``; a last partial window is dropped unless
    ``ceil_mode=True``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x = lnp.asarray([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
    >>> F.max_pool1d(x, 2)
    Tensor([[[3., 5.]]], device='cpu')
    >>> F.max_pool1d(x, 2, ceil_mode=True, return_indices=True)
    (Tensor([[[3., 5., 4.]]], device='cpu'), Tensor([[[1, 3, 4]]], device='cpu'))
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling over ``(N, C, H, W)``; ``stride`` defaults to ``kernel_size``.

    With ``return_indices=True`` it returns ``(values, indices)``; indices are int64 flat
    positions within each input plane (``h * W + w``), as torch.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x = lnp.reshape(lnp.asarray([[1.0, 5.0], [3.0, 2.0]]), (1, 1, 2, 2))
    >>> v, i = F.max_pool2d(x, 2, return_indices=True)
    >>> v.item(), i.item()
    (5.0, 1)
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    """3-D max pooling over ``(N, C, D, H, W)``; ``stride`` defaults to ``kernel_size``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.max_pool3d(lnp.ones((2, 3, 8, 8, 8)), 3, stride=2, padding=1).shape
    (2, 3, 4, 4, 4)
    """
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override) -> Tensor:
    what = f"avg_pool{nd}d"
    x, kernel, stride, pads, _ = _pool_args(
        nd, input, kernel_size, stride, padding, 1, ceil_mode, what)
    _floating(x, what)
    if divisor_override is not None and (
            isinstance(divisor_override, bool) or int(divisor_override) != divisor_override
            or divisor_override <= 0):
        raise LaminaValueError(
            f"{what}: divisor_override must be a positive integer, got {divisor_override!r}."
        )
    return handle(_ops.avg_pool(x._lamina_read(), kernel_size=kernel, stride=stride,
                                padding=pads, ceil_mode=ceil_mode,
                                count_include_pad=count_include_pad,
                                divisor_override=divisor_override))


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over ``(N, C, L)``; ``stride`` defaults to ``kernel_size``.

    Zero padding counts in the average unless ``count_include_pad=False``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> x = lnp.asarray([[[1.0, 2.0, 3.0, 4.0]]])
    >>> F.avg_pool1d(x, 2)
    Tensor([[[1.5, 3.5]]], device='cpu')
    >>> F.avg_pool1d(x, 2, padding=1)
    Tensor([[[0.5, 2.5, 2. ]]], device='cpu')
    >>> F.avg_pool1d(x, 2, padding=1, count_include_pad=False)
    Tensor([[[1. , 2.5, 4. ]]], device='cpu')
    """
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over ``(N, C, H, W)``; padding counts unless
    ``count_include_pad=False``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.avg_pool2d(lnp.ones((1, 1, 4, 4)), 2).shape
    (1, 1, 2, 2)
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over ``(N, C, D, H, W)``; ``stride`` defaults to ``kernel_size``.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.avg_pool3d(lnp.ones((1, 2, 5, 5, 5)), 2).shape
    (1, 2, 2, 2, 2)
    >>> F.avg_pool3d(lnp.ones((1, 2, 5, 5, 5)), 2, ceil_mode=True).shape
    (1, 2, 3, 3, 3)
    """
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def _adaptive_matrix(n: int, o: int) -> np.ndarray:
    """The ``(o, n)`` averaging matrix of torch's adaptive windows
    ``[floor(i * n / o), ceil((i + 1) * n / o))``."""
    m = np.zeros((o, n))
    for i in range(o):
        start, end = (i * n) // o, -((-(i + 1) * n) // o)
        m[i, start:end] = 1.0 / (end - start)
    return m


def _adaptive_avg_pool(nd, input, output_size) -> Tensor:
    what = f"adaptive_avg_pool{nd}d"
    x = _floating(_tensor(input, what), what)
    if x.ndim not in (nd + 1, nd + 2):
        raise LaminaValueError(
            f"{what}: expected a {nd + 1}-D or {nd + 2}-D input {_SPATIAL[nd]}, got shape "
            f"{x.shape}."
        )
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) == 1 and nd > 1:
        sizes = tuple(sizes) * nd
    if len(sizes) != nd:
        raise LaminaValueError(
            f"{what}: output_size must be an int or a tuple of {nd} entries, got "
            f"{output_size!r}."
        )
    spatial = x.shape[x.ndim - nd:]
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, spatial, strict=True))
    if any(s < 0 for s in sizes):
        raise LaminaValueError(f"{what}: output_size must be non-negative, got {sizes}.")
    if any(n == 0 for n in spatial):
        raise LaminaValueError(
            f"{what}: the spatial dimensions of the input must be non-empty, got shape "
            f"{x.shape}."
        )
    out = x
    # One small averaging matmul per spatial axis (a separable, exact form of the windows).
    for i, (n, o) in enumerate(zip(spatial, sizes, strict=True)):
        axis = x.ndim - nd + i
        a = _const(_adaptive_matrix(n, o).T, x)  # (n, o)
        out = lnp.moveaxis(lnp.matmul(lnp.moveaxis(out, axis, -1), a), -1, axis)
    return out


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """1-D adaptive average pooling over ``(N, C, L)`` to length ``output_size``.

    Window ``i`` covers ``[floor(i * L / out), ceil((i + 1) * L / out))``, as torch, so windows
    may overlap; ``output_size=1`` is global average pooling.

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.adaptive_avg_pool1d(lnp.asarray([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    Tensor([[[2., 4.]]], device='cpu')
    """
    return _adaptive_avg_pool(1, input, output_size)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """2-D adaptive average pooling to ``output_size`` (int, or tuple; ``None`` keeps a size).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.adaptive_avg_pool2d(lnp.ones((1, 3, 5, 7)), (2, None)).shape
    (1, 3, 2, 7)
    """
    return _adaptive_avg_pool(2, input, output_size)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Tensor:
    """3-D adaptive average pooling over ``(N, C, D, H, W)`` to ``output_size``.

    ``output_size`` is an int or a tuple of three (``None`` keeps that size).

    >>> import lamina.numpy as lnp
    >>> import lamina.nn.functional as F
    >>> F.adaptive_avg_pool3d(lnp.ones((1, 3, 5, 6, 7)), 1).shape
    (1, 3, 1, 1, 1)
    >>> F.adaptive_avg_pool3d(lnp.ones((1, 3, 5, 6, 7)), (2, None, 3)).shape
    (1, 3, 2, 6, 3)
    """
    return _adaptive_avg_pool(3, input, output_size)

