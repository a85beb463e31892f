"""Neural-network primitives: N-d convolution, max and average pooling, and ``erf``.

Everything else in ``lamina.nn`` (activations, losses, normalization, ``linear``) is a composite
of ``lamina.numpy`` functions and needs no primitive (STYLE.md, rule 4). These are the kernels
that would be slow as composites:

- ``conv``: N-d cross-correlation with stride, (asymmetric) zero padding, dilation and groups,
  on a batched channels-first input ``(N, C, *spatial)`` and weight ``(O, C // groups, *k)``;
- ``max_pool`` (values and int64 indices, flat positions within each input plane, as torch);
- ``avg_pool`` (torch's divisor rules: ``count_include_pad``, ``ceil_mode``,
  ``divisor_override``);
- ``erf`` (NumPy has none; GELU needs it).

NOTE [windows are strided views]: every kernel here reads its input through ``_windows``, an
``as_strided`` view of shape ``(*lead, *out, *kernel)`` over the padded input in which stride
and dilation are folded into the strides. No pixel or batch loop runs in Python; a convolution
is then one batched ``matmul`` (im2col: the reshape of the window view is the one copy), a
pooling one reduction over the kernel axes.

Padding params are tuples of ``(low, high)`` pairs, one per spatial dimension, so that
``padding='same'`` with an even kernel (torch pads one more at the high end) and ``ceil_mode``
(windows that run past the padded end) need no special kernel. The public functions of
``lamina.nn`` validate arguments and build these params; the value-level functions below
(``conv``, ``conv_transpose``, ``max_pool``, ``avg_pool``) are what transform rules call.

The vjp rules (end of the file) are written with ``conv`` itself: the input cotangent of a
convolution is a transposed convolution, the weight cotangent a correlation of the input with
the output cotangent (a ``conv`` with stride and dilation swapped), the average pool's a
transposed convolution with a ones kernel; the max pool is a lamina.Function
(NOTE [max pool backward kernels]).
The batch rules (after them) fold the vmap batch into an axis each kernel already maps over
(NOTE [conv batching]).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaValueError
from lamina.ops.common import prod

__all__ = [
    "conv_p", "max_pool_p", "avg_pool_p", "erf_p", "pool_scatter_p", "pool_gather_p", "conv",
    "conv_transpose", "max_pool", "pool_scatter", "pool_gather", "avg_pool", "erf",
    "conv_output_size", "pool_output_size",
]


# -- shared shape arithmetic ---------------------------------------------------------------

def conv_output_size(length: int, kernel: int, stride: int, pad_lo: int, pad_hi: int,
                     dilation: int) -> int:
    """Output length of a window sweep over ``length`` padded by ``pad_lo`` + ``pad_hi``."""
    return (length + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(length: int, kernel: int, stride: int, pad: int, dilation: int,
                     ceil_mode: bool) -> int:
    """torch's pooling output length (``ceil_mode`` keeps a last partial window only if it
    starts inside the input or its left padding)."""
    span = length + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= length + pad:
        out -= 1
    return out


def _ceil_padding(lengths, kernel, stride, padding, dilation, out) -> tuple:
    """``(low, high)`` padding pairs for pooling: ``padding`` each side, plus whatever the last
    ``ceil_mode`` window needs past the high end."""
    pairs = []
    for n, k, s, p, d, o in zip(lengths, kernel, stride, padding, dilation, out, strict=True):
        need = (o - 1) * s + d * (k - 1) + 1 - (n + p)
        pairs.append((p, max(p, need, 0)))
    return tuple(pairs)


def _windows(xp, x, out: tuple, kernel: tuple, stride: tuple, dilation: tuple):
    """A view of shape ``(*lead, *out, *kernel)`` of ``x``'s last ``len(kernel)`` axes.

    NOTE [windows are strided views]: ``x`` is already padded; entry ``[..., o, k]`` is
    ``x[..., o * stride + k * dilation]`` per spatial dimension.
    """
    n = len(kernel)
    lead_shape = x.shape[: x.ndim - n]
    lead_strides = x.strides[: x.ndim - n]
    sp_strides = x.strides[x.ndim - n:]
    shape = lead_shape + tuple(out) + tuple(kernel)
    strides = (lead_strides + tuple(st * s for st, s in zip(sp_strides, stride, strict=True))
               + tuple(st * d for st, d in zip(sp_strides, dilation, strict=True)))
    if 0 in shape:  # as_strided of an empty window set: no element is read
        return xp.empty(shape, dtype=x.dtype)
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def _pad(xp, x, padding: tuple, value) -> Any:
    if not any(lo or hi for lo, hi in padding):
        return x
    widths = ((0, 0),) * (x.ndim - len(padding)) + tuple(padding)
    return xp.pad(x, widths, mode="constant", constant_values=value)


# -- conv ----------------------------------------------------------------------------------

def _conv_abstract(x, w, *, stride, padding, dilation, groups):
    spatial = tuple(
        conv_output_size(n, k, s, lo, hi, d)
        for n, k, s, (lo, hi), d in zip(x.shape[2:], w.shape[2:], stride, padding, dilation,
                                        strict=True)
    )
    return (x.shape[0], w.shape[0]) + spatial, np.result_type(x.dtype, w.dtype)


def _conv_impl(xp, x, w, *, stride, padding, dilation, groups):
    dtype = np.result_type(x.dtype, w.dtype)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    batch, channels = x.shape[:2]
    out_channels, kernel = w.shape[0], tuple(w.shape[2:])
    nd = len(kernel)
    x = _pad(xp, x, padding, 0)
    out = tuple(
        conv_output_size(n, k, s, 0, 0, d)
        for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation, strict=True)
    )
    win = _windows(xp, x, out, kernel, stride, dilation)  # (N, C, *out, *k)
    g, cg, og = groups, channels // groups, out_channels // groups
    win = win.reshape((batch, g, cg) + out + kernel)
    # im2col, transposed: (G, Cg, *k, N, *out) -> (G, Cg*K, N*P); this reshape is the one
    # copy, and it reads the input along its rows (the output-position axes are innermost).
    perm = (1, 2) + tuple(range(3 + nd, 3 + 2 * nd)) + (0,) + tuple(range(3, 3 + nd))
    cols = xp.transpose(win, perm).reshape(g, cg * prod(kernel), batch * prod(out))
    wm = w.reshape(g, og, cg * prod(kernel))
    res = xp.matmul(wm, cols)  # (G, Og, N*P)
    res = res.reshape((g, og, batch) + out)
    res = xp.transpose(res, (2, 0, 1) + tuple(range(3, 3 + nd))).reshape(
        (batch, out_channels) + out)
    return xp.ascontiguousarray(res)


conv_p = Primitive("conv", _conv_impl, _conv_abstract)


def conv(x: Any, w: Any, *, stride: tuple, padding: tuple, dilation: tuple,
         groups: int = 1) -> Any:
    """N-d cross-correlation of values ``x`` ``(N, C, *L)`` and ``w`` ``(O, C//groups, *k)``.

    ``padding`` is a tuple of ``(low, high)`` pairs; all params are tuples of Python ints.
    """
    return bind(conv_p, x, w, stride=tuple(stride), padding=tuple(map(tuple, padding)),
                dilation=tuple(dilation), groups=int(groups))


def conv_transpose(x: Any, w: Any, *, stride: tuple, padding: tuple, output_padding: tuple,
                   dilation: tuple, groups: int = 1) -> Any:
    """The transposed convolution (the gradient of ``conv`` with respect to its input).

    ``x`` is ``(N, C_in, *L)``, ``w`` is ``(C_in, C_out // groups, *k)`` (torch's layout);
    ``padding`` is one int per dimension (symmetric, as torch's ``conv_transpose``). Written as
    a ``conv`` of the stride-dilated input with the flipped, regrouped weight, so it needs no
    rules of its own.
    """
    from lamina.ops.creation import full_value  # noqa: PLC0415
    from lamina.ops.indexing import basic_update, getitem_p  # noqa: PLC0415
    from lamina.ops.shape import flip_p, reshape_value, transpose_value  # noqa: PLC0415

    nd = len(stride)
    kernel = tuple(w.shape[2:])
    dtype = np.result_type(x.dtype, w.dtype)
    if any(s > 1 for s in stride):
        shape = tuple(x.shape[:2]) + tuple(
            (n - 1) * s + 1 if n else 0 for n, s in zip(x.shape[2:], stride, strict=True)
        )
        index = (("slice", None, None, None),) * 2 + tuple(
            ("slice", None, None, s) for s in stride
        )
        x = basic_update(full_value(shape, 0, x.dtype, x.device), index, x)
    pads, crop = [], []
    for n, k, p, op, d in zip(x.shape[2:], kernel, padding, output_padding, dilation, strict=True):
        lo = d * (k - 1) - p
        hi = d * (k - 1) - p + op
        crop.append(("slice", max(0, -lo), n - max(0, -hi) if hi < 0 else None, None))
        pads.append((max(lo, 0), max(hi, 0)))
    if any(c[1] or c[2] is not None for c in crop):
        x = bind(getitem_p, x, index=(("slice", None, None, None),) * 2 + tuple(crop))
    c_in, og = w.shape[0], w.shape[1]
    cg = c_in // groups
    w = bind(flip_p, w, axes=tuple(range(2, 2 + nd)))
    w = reshape_value(w, (groups, cg, og) + kernel)
    w = transpose_value(w, (0, 2, 1) + tuple(range(3, 3 + nd)))
    w = reshape_value(w, (groups * og, cg) + kernel)
    out = conv(x, w, stride=(1,) * nd, padding=tuple(pads), dilation=tuple(dilation),
               groups=groups)
    if out.dtype != dtype:
        from lamina.ops.elementwise import astype_value  # noqa: PLC0415

        out = astype_value(out, dtype)
    return out


# -- max_pool ------------------------------------------------------------------------------

def _pool_out(x, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    nd = len(kernel_size)
    return tuple(
        pool_output_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(x.shape[x.ndim - nd:], kernel_size, stride, padding, dilation,
                                 strict=True)
    )


def _max_pool_abstract(x, *, kernel_size, stride, padding, dilation, ceil_mode):
    out = _pool_out(x, kernel_size, stride, padding, dilation, ceil_mode)
    shape = tuple(x.shape[: x.ndim - len(kernel_size)]) + out
    return (shape, x.dtype), (shape, np.dtype(np.int64))


def _lowest(dtype: np.dtype):
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return False


def _max_pool_impl(xp, x, *, kernel_size, stride, padding, dilation, ceil_mode):
    nd = len(kernel_size)
    lengths = x.shape[x.ndim - nd:]
    lead = x.shape[: x.ndim - nd]
    out = _pool_out(x, kernel_size, stride, padding, dilation, ceil_mode)
    pads = _ceil_padding(lengths, kernel_size, stride, padding, dilation, out)
    xp_ = _pad(xp, x, pads, _lowest(x.dtype))
    win = _windows(xp, xp_, out, kernel_size, stride, dilation)
    cols = win.reshape(lead + out + (prod(kernel_size),))
    arg = xp.argmax(cols, axis=-1) if cols.shape[-1] else xp.zeros(cols.shape[:-1], np.int64)
    values = xp.take_along_axis(cols, arg[..., None], axis=-1)[..., 0]
    # The flat input position of each maximum: out * stride - pad + k * dilation, per dim.
    # NOTE [max_pool indices never point into the padding]: where the maximum found is a pad
    # (every input element of the window is -inf, or the minimum integer), the index is the
    # window's first input position, as torch; a window entirely in the padding (possible
    # with dilation) gets -1, and its value is the lowest value of the dtype.
    flat = xp.zeros(out, dtype=np.int64)
    first = xp.zeros(out, dtype=np.int64)
    inside = has_input = True
    rest = arg.astype(np.int64)
    for i in reversed(range(nd)):
        k_i = rest % kernel_size[i]
        rest = rest // kernel_size[i]
        start = xp.arange(out[i], dtype=np.int64) * stride[i] - padding[i]
        start = start.reshape((out[i],) + (1,) * (nd - 1 - i))
        pos = start + k_i * dilation[i]
        inside = inside & (pos >= 0) & (pos < lengths[i])
        k_first = xp.maximum(-start + dilation[i] - 1, 0) // dilation[i]  # first k with pos >= 0
        pos_first = start + k_first * dilation[i]
        has_input = has_input & (k_first < kernel_size[i]) & (pos_first < lengths[i])
        flat = flat + pos * prod(lengths[i + 1:])
        first = first + pos_first * prod(lengths[i + 1:])
    flat = xp.where(inside, flat, xp.where(has_input, first, -1))
    return xp.ascontiguousarray(values), xp.ascontiguousarray(flat.astype(np.int64, copy=False))


max_pool_p = Primitive("max_pool", _max_pool_impl, _max_pool_abstract, multiple_results=True)


def max_pool(x: Any, *, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
             ceil_mode: bool = False) -> tuple:
    """Max pooling over the last ``len(kernel_size)`` axes: ``(values, int64 indices)``."""
    return bind(max_pool_p, x, kernel_size=tuple(kernel_size), stride=tuple(stride),
                padding=tuple(padding), dilation=tuple(dilation), ceil_mode=bool(ceil_mode))


# -- the max pool's backward kernels -------------------------------------------------------
# NOTE [max pool backward kernels]: ``lamina.nn``'s max pooling is a ``lamina.Function``
# (lamina/nn/_max_pool.py): its forward runs ``max_pool`` and saves the argmax indices; its
# backward runs ``pool_scatter`` (each window's gradient added at the input position its index
# names, within its plane; overlapping windows accumulate) and its jvp ``pool_gather`` (the
# tangent read at those positions). The two are each other's transpose, which gives their own
# vjp rules, so the gradient is differentiable again. Index -1 (a window entirely in the
# padding) reads and writes nothing.

def _planes(shape: tuple, nd: int) -> tuple[int, int]:
    return prod(shape[: len(shape) - nd]), prod(shape[len(shape) - nd:])


def _pool_scatter_impl(xp, g, indices, *, input_shape, nd):
    planes, plane = _planes(input_shape, nd)
    windows = _planes(indices.shape, nd)[1]
    cols = indices.reshape(planes, windows)
    valid = cols >= 0
    offsets = xp.arange(planes, dtype=np.int64).reshape(planes, 1) * plane
    flat = xp.where(valid, cols + offsets, 0).ravel()
    weights = xp.where(valid, g.reshape(planes, windows), 0).ravel()
    out = xp.bincount(flat, weights=weights, minlength=planes * plane)
    return out.astype(g.dtype, copy=False).reshape(input_shape)


def _pool_gather_impl(xp, x, indices, *, nd):
    planes, plane = _planes(x.shape, nd)
    cols = indices.reshape(planes, _planes(indices.shape, nd)[1])
    valid = cols >= 0
    picked = xp.take_along_axis(x.reshape(planes, plane), xp.where(valid, cols, 0), axis=1)
    return xp.where(valid, picked, 0).astype(x.dtype, copy=False).reshape(indices.shape)


pool_scatter_p = Primitive(
    "pool_scatter", _pool_scatter_impl,
    lambda g, indices, *, input_shape, nd: (tuple(input_shape), g.dtype),
)
pool_gather_p = Primitive(
    "pool_gather", _pool_gather_impl, lambda x, indices, *, nd: (tuple(indices.shape), x.dtype),
)


def pool_scatter(g: Any, indices: Any, input_shape: tuple, nd: int) -> Any:
    """The gradient of a max pool's input: ``g`` added at the ``indices`` of each plane."""
    return bind(pool_scatter_p, g, indices, input_shape=tuple(input_shape), nd=nd)


def pool_gather(x: Any, indices: Any, nd: int) -> Any:
    """``x`` read at the ``indices`` of each plane (0 where an index is -1)."""
    return bind(pool_gather_p, x, indices, nd=nd)


# -- avg_pool ------------------------------------------------------------------------------

def _avg_pool_abstract(x, *, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override):
    nd = len(kernel_size)
    out = _pool_out(x, kernel_size, stride, padding, (1,) * nd, ceil_mode)
    return tuple(x.shape[: x.ndim - nd]) + out, x.dtype


def _avg_pool_impl(xp, x, *, kernel_size, stride, padding, ceil_mode, count_include_pad,
                   divisor_override):
    nd = len(kernel_size)
    ones = (1,) * nd
    lengths = x.shape[x.ndim - nd:]
    out = _pool_out(x, kernel_size, stride, padding, ones, ceil_mode)
    pads = _ceil_padding(lengths, kernel_size, stride, padding, ones, out)
    win = _windows(xp, _pad(xp, x, pads, 0), out, kernel_size, stride, ones)
    axes = tuple(range(win.ndim - nd, win.ndim))
    total = xp.sum(win, axis=axes, dtype=x.dtype)
    if divisor_override:
        return xp.ascontiguousarray(total / x.dtype.type(divisor_override))
    count = _avg_pool_count(xp, lengths, kernel_size, stride, padding, out, count_include_pad)
    return xp.ascontiguousarray(total / count.astype(x.dtype))


def _avg_pool_count(xp, lengths, kernel_size, stride, padding, out, count_include_pad):
    """torch's divisor of each window, shape ``out`` (int64; from shapes and params only).

    Per dimension: the window clipped to [-pad, n + pad) when padding counts, else to the input
    [0, n); the product over dimensions is the window's count.
    """
    nd = len(kernel_size)
    count = None
    for i, (n, k, s, p, o) in enumerate(
            zip(lengths, kernel_size, stride, padding, out, strict=True)):
        start = xp.arange(o, dtype=np.int64) * s - p
        end = xp.minimum(start + k, n + p)
        if count_include_pad:
            c = end - start
        else:
            c = xp.minimum(end, n) - xp.maximum(start, 0)
        c = c.reshape((o,) + (1,) * (nd - 1 - i))
        count = c if count is None else count * c
    return count


avg_pool_p = Primitive("avg_pool", _avg_pool_impl, _avg_pool_abstract)


def avg_pool(x: Any, *, kernel_size: tuple, stride: tuple, padding: tuple,
             ceil_mode: bool = False, count_include_pad: bool = True,
             divisor_override: int | None = None) -> Any:
    """Average pooling over the last ``len(kernel_size)`` axes, with torch's divisor rules."""
    return bind(avg_pool_p, x, kernel_size=tuple(kernel_size), stride=tuple(stride),
                padding=tuple(padding), ceil_mode=bool(ceil_mode),
                count_include_pad=bool(count_include_pad),
                divisor_override=None if divisor_override is None else int(divisor_override))


# -- erf -----------------------------------------------------------------------------------

def _erf_abstract(x):
    if x.dtype.kind == "c":
        raise LaminaValueError("erf: complex inputs are not supported; pass a real tensor.")
    return x.shape, (np.dtype(np.float64) if x.dtype.kind in "biu" else x.dtype)


def _erf_series(xp, x):
    """erf from NumPy-only operations, accurate to ~1e-15 (used when SciPy is missing).

    |x| < 2.5: erf(a) = 2/sqrt(pi) exp(-a^2) sum_n 2^n a^(2n+1) / (2n+1)!! (positive terms, no
    cancellation); |x| >= 2.5: erfc from its continued fraction.
    """
    a = xp.abs(x)
    small = xp.minimum(a, 2.5)
    z = small * small
    term = small
    total = small
    for n in range(36):
        term = term * (2 * z / (2 * n + 3))
        total = total + term
    near = (2 / math.sqrt(math.pi)) * xp.exp(-z) * total
    big = xp.maximum(a, 2.5)
    frac = xp.zeros_like(big)
    for k in range(25, 0, -1):
        frac = (k / 2) / (big + frac)
    far = 1 - xp.exp(-big * big) / math.sqrt(math.pi) / (big + frac)
    return xp.copysign(xp.where(a < 2.5, near, far), x)


def _erf_impl(xp, x):
    dtype = _erf_abstract(x)[1]
    x = x.astype(dtype, copy=False)
    if xp is np:
        try:
            from scipy.special import erf as _erf  # noqa: PLC0415 - optional accelerator
        except ImportError:
            return _erf_series(xp, x.astype(np.float64)).astype(dtype)
        return _erf(x).astype(dtype, copy=False)
    from cupyx.scipy.special import erf as _erf  # noqa: PLC0415 - ships with CuPy

    return _erf(x).astype(dtype, copy=False)


erf_p = Primitive("erf", _erf_impl, _erf_abstract)


def erf(x: Any) -> Any:
    """The error function of a value (float64 for integer inputs, as SciPy)."""
    return bind(erf_p, x)


# -- vjp rules -----------------------------------------------------------------------------
# NOTE [vjp rules] in lamina/interpreters/grad.py. Every rule is built from ``conv`` itself and
# shape/indexing ops, so the rules are differentiable (grad of grad) and batchable.

def _conv_input_grad(g: Any, w: Any, x_shape: tuple, *, stride: tuple, padding: tuple,
                     dilation: tuple, groups: int) -> Any:
    """The cotangent of ``conv``'s input ``(N, C, *L)``: ``g`` transposed-convolved with ``w``.

    Input position ``i`` sits at padded position ``i + low``, so the transposed convolution
    crops ``low`` at the front; ``output_padding`` makes its length exactly ``L`` (it is
    negative when the forward padded more at the high end than at the low end, e.g. 'same'
    with an even kernel; ``conv_transpose`` then crops).
    """
    kernel = tuple(w.shape[2:])
    lows = tuple(lo for lo, _ in padding)
    out_pads = tuple(
        n - ((o - 1) * s + d * (k - 1) + 1) + 2 * lo
        for n, o, s, d, k, lo in zip(x_shape[2:], g.shape[2:], stride, dilation, kernel, lows,
                                     strict=True)
    )
    return conv_transpose(g, w, stride=stride, padding=lows, output_padding=out_pads,
                          dilation=dilation, groups=groups)


def _conv_weight_grad(g: Any, x: Any, w_shape: tuple, *, stride: tuple, padding: tuple,
                      dilation: tuple, groups: int) -> Any:
    """The cotangent of ``conv``'s weight ``(O, C // groups, *k)``: a correlation of ``x`` with
    ``g``, itself a ``conv``.

    ``gw[o, c, k] = sum_{n, p} g[n, o, p] * x_padded[n, group(o) * Cg + c, p * s + k * d]``: a
    convolution whose batch is ``c``, whose channels are ``(group, n)`` and whose kernel is
    ``g``, with stride and dilation swapped. Its output is at least ``k`` long (the forward's
    last window fits); a stride remainder makes it longer, and the extra is cropped.
    """
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415
    from lamina.ops.shape import reshape_value, transpose_value  # noqa: PLC0415

    nd = len(stride)
    n, c = x.shape[:2]
    o, kernel = w_shape[0], tuple(w_shape[2:])
    cg, og = c // groups, o // groups
    sp_x, sp_g = tuple(x.shape[2:]), tuple(g.shape[2:])
    rest = tuple(range(3, 3 + nd))
    xt = reshape_value(x, (n, groups, cg) + sp_x)
    xt = reshape_value(transpose_value(xt, (2, 1, 0) + rest), (cg, groups * n) + sp_x)
    gt = reshape_value(g, (n, groups, og) + sp_g)
    gt = reshape_value(transpose_value(gt, (1, 2, 0) + rest), (o, n) + sp_g)
    gw = conv(xt, gt, stride=dilation, padding=padding, dilation=stride, groups=groups)
    if tuple(gw.shape[2:]) != kernel:
        index = (("slice", None, None, None),) * 2 + tuple(("slice", 0, k, None) for k in kernel)
        gw = bind(getitem_p, gw, index=index)
    return transpose_value(gw, (1, 0) + tuple(range(2, 2 + nd)))


def _conv_vjp(g, x, w, *, out, stride, padding, dilation, groups):
    from lamina.ops.ad import cast  # noqa: PLC0415

    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    gx = gw = None
    if x.dtype.kind in "fc":
        gx = cast(_conv_input_grad(g, w, tuple(x.shape), **params), x.dtype)
    if w.dtype.kind in "fc":
        gw = cast(_conv_weight_grad(g, x, tuple(w.shape), **params), w.dtype)
    return gx, gw


def _avg_pool_vjp(g, x, *, out, kernel_size, stride, padding, ceil_mode, count_include_pad,
                  divisor_override):
    """``g / divisor`` spread evenly over each window: the input cotangent of a convolution
    with a ones kernel (one plane at a time), padded as the forward (``ceil_mode`` included)."""
    from lamina.ops.ad import cast, div  # noqa: PLC0415
    from lamina.ops.common import to_value  # noqa: PLC0415
    from lamina.ops.creation import full_value  # noqa: PLC0415
    from lamina.ops.shape import reshape_value  # noqa: PLC0415

    nd = len(kernel_size)
    ones = (1,) * nd
    lengths = tuple(x.shape[x.ndim - nd:])
    lead = tuple(x.shape[: x.ndim - nd])
    out_sp = tuple(g.shape[g.ndim - nd:])
    pads = _ceil_padding(lengths, kernel_size, stride, padding, ones, out_sp)
    if divisor_override:
        g = div(g, float(divisor_override))
    else:  # a constant of the shapes and params alone, computed on the host
        count = _avg_pool_count(np, lengths, kernel_size, stride, padding, out_sp,
                                count_include_pad)
        g = div(g, to_value(count.astype(g.dtype), "avg_pool", g.device))
    planes = prod(lead)
    g = reshape_value(g, (planes, 1) + out_sp)
    w = full_value((1, 1) + tuple(kernel_size), 1, g.dtype, g.device)
    gx = _conv_input_grad(g, w, (planes, 1) + lengths, stride=tuple(stride), padding=pads,
                          dilation=ones, groups=1)
    return (cast(reshape_value(gx, tuple(x.shape)), x.dtype),)


def _erf_vjp(g, x, *, out):
    from lamina.ops.ad import cast, mul, neg, unary  # noqa: PLC0415

    if x.dtype.kind != "f":
        return (None,)
    slope = mul(unary("exp", neg(unary("square", x))), 2.0 / math.sqrt(math.pi))
    return (cast(mul(g, slope), x.dtype),)


def _pool_scatter_vjp(ct, g, indices, *, out, input_shape, nd):
    return pool_gather(ct, indices, nd), None


def _pool_gather_vjp(ct, x, indices, *, out, nd):
    return pool_scatter(ct, indices, tuple(x.shape), nd), None


def _install_vjp_rules() -> None:
    conv_p.vjp = _conv_vjp
    pool_scatter_p.vjp = _pool_scatter_vjp
    pool_gather_p.vjp = _pool_gather_vjp
    avg_pool_p.vjp = _avg_pool_vjp
    erf_p.vjp = _erf_vjp


_install_vjp_rules()


# -- jvp rules -----------------------------------------------------------------------------
# NOTE [jvp rules] in lamina/interpreters/jvp.py. ``conv`` is bilinear in input and weight,
# ``avg_pool`` linear; the max pool's value tangent is the input tangent gathered at the
# argmax indices (the transpose of its vjp's scatter-add); ``erf``'s is 2/sqrt(pi) e^{-x^2} t.

def _erf_jvp(primals, tangents):
    from lamina.ops.ad import cast, mul, neg, unary  # noqa: PLC0415

    (x,), (t,) = primals, tangents
    out = bind(erf_p, x)
    if t is None or x.dtype.kind != "f":
        return out, None
    slope = mul(unary("exp", neg(unary("square", x))), 2.0 / math.sqrt(math.pi))
    return out, cast(mul(t, slope), out.dtype)


def _install_jvp_rules() -> None:
    from lamina.ops.jvp_util import linear_jvp, multilinear_jvp  # noqa: PLC0415

    conv_p.jvp = multilinear_jvp(conv_p)
    avg_pool_p.jvp = linear_jvp(avg_pool_p)
    pool_scatter_p.jvp = linear_jvp(pool_scatter_p)
    pool_gather_p.jvp = linear_jvp(pool_gather_p)
    erf_p.jvp = _erf_jvp


_install_jvp_rules()


# -- batch rules ---------------------------------------------------------------------------
# NOTE [batch rules] in lamina/ops/batching.py. No kernel here needs a new one: the vmap batch
# folds into an axis each kernel already maps over.
#
# NOTE [conv batching]: a batched input folds into the kernel's batch axis ``N``; a batched
# weight into its output channels (the batch's copies of the weight side by side, inside each
# group so that every group still reads its own input channels; nothing is copied on the input
# side); both batched, into the groups: input ``(N, B*C, *L)``, weight ``(B*O, C/g, *k)`` and
# ``B * groups`` groups (group ``b * groups + j`` reads element ``b``'s channels of group ``j``).
# The output then carries the batch next to ``N`` or inside the channel axis, and a reshape
# splits it out again.

def _conv_batch(args, bdims, *, stride, padding, dilation, groups):
    from lamina.ops.batching import move_bdim  # noqa: PLC0415
    from lamina.ops.shape import reshape_value  # noqa: PLC0415

    x, w = args
    bx, bw = bdims
    params = dict(stride=stride, padding=padding, dilation=dilation)
    if bw is None:  # fold into N; an input batched at 0 or 1 sits next to N already
        if bx > 1:
            x = move_bdim(x, bx, 0)
            bx = 0
        lead = tuple(x.shape[:2])
        x = reshape_value(x, (lead[0] * lead[1],) + tuple(x.shape[2:]))
        out = conv(x, w, groups=groups, **params)
        return reshape_value(out, lead + tuple(out.shape[1:])), bx
    w = move_bdim(w, bw, 0)
    size, o = w.shape[0], w.shape[1]
    rest = tuple(w.shape[2:])
    if bx is None:  # fold into the output channels, grouped (g, B, O/g)
        og = o // groups
        if groups > 1:
            w = reshape_value(w, (size, groups, og) + rest)
            w = move_bdim(w, 0, 1)
        w = reshape_value(w, (groups * size * og,) + rest)
        out = conv(x, w, groups=groups, **params)
        n, sp = out.shape[0], tuple(out.shape[2:])
        if groups == 1:
            return reshape_value(out, (n, size, o) + sp), 1
        out = move_bdim(reshape_value(out, (n, groups, size, og) + sp), 2, 1)
        return reshape_value(out, (n, size, o) + sp), 1
    x = move_bdim(x, bx, 1)  # (N, B, C, *L) -> (N, B*C, *L)
    n = x.shape[0]
    x = reshape_value(x, (n, size * x.shape[2]) + tuple(x.shape[3:]))
    w = reshape_value(w, (size * o,) + rest)
    out = conv(x, w, groups=size * groups, **params)
    return reshape_value(out, (n, size, o) + tuple(out.shape[2:])), 1


def _pool_batch(prim, spatial_param):
    """Pooling maps over every axis before its last ``len(kernel_size)``: the batch stays
    where it is unless it sits among the spatial axes (then it goes first). Indices count
    positions within each plane, so they need no change."""
    from lamina.ops.batching import move_bdim  # noqa: PLC0415

    def rule(args, bdims, **params):
        (x,), (bx,) = args, bdims
        if bx >= len(x.shape) - len(params[spatial_param]):
            x, bx = move_bdim(x, bx, 0), 0
        out = bind(prim, x, **params)
        return (out, (bx,) * len(out)) if prim.multiple_results else (out, bx)

    return rule


def _pool_index_batch(prim):
    """``pool_scatter``/``pool_gather`` map over the leading (plane) axes: the batch goes
    first in both operands (indices without a batch are broadcast to it)."""
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    def rule(args, bdims, **params):
        (a, indices), (ba, bi) = args, bdims
        size = (a.shape[ba] if ba is not None else indices.shape[bi])
        a = bdim_to_front(a, ba, size)
        indices = bdim_to_front(indices, bi, size)
        if prim is pool_scatter_p:
            params = dict(params, input_shape=(size,) + tuple(params["input_shape"]))
        return bind(prim, a, indices, **params), 0

    return rule


def _erf_batch(args, bdims):
    return bind(erf_p, args[0]), bdims[0]  # elementwise: the axis stays put


def _install_batch_rules() -> None:
    conv_p.batch = _conv_batch
    avg_pool_p.batch = _pool_batch(avg_pool_p, "kernel_size")
    erf_p.batch = _erf_batch
    pool_scatter_p.batch = _pool_index_batch(pool_scatter_p)
    pool_gather_p.batch = _pool_index_batch(pool_gather_p)


_install_batch_rules()
