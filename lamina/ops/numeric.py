"""Primitives of the numerical routines (issue 15): ``fabs``, ``nextafter`` and the full 1-D
convolution behind ``convolve`` and ``correlate``.

Everything else of ``lamina.numpy._numeric`` is composed from existing ops. These three are
primitives because composing would be wrong or slow:

- ``fabs`` and ``nextafter`` are NumPy ufuncs with their own type resolution (``fabs`` of int8
  is float16, complex is refused) and lamina's ``ufunc`` objects are built on a primitive;
- a convolution written from gathers costs O(n m) memory; ``conv_full_p`` runs the device's
  ``convolve`` kernel (O(n + m) memory) and its rules are convolutions again, so every order
  of derivative and vmap work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaRuntimeError
from lamina.ops import ad
from lamina.ops.batching import bdim_to_front, broadcast_batched
from lamina.ops.elementwise import ufunc_primitive
from lamina.ops.jvp_util import multilinear_jvp

__all__ = ["fabs_p", "nextafter_p", "conv_full_p", "conv_full"]


# -- fabs and nextafter: ufunc primitives ------------------------------------------------------

fabs_p = ufunc_primitive("fabs")
nextafter_p = ufunc_primitive("nextafter")


def _fabs_derivative(g: Any, x: Any) -> Any:
    return ad.cast(ad.mul(g, ad.unary("sign", x)), x.dtype)  # 0 at 0, as absolute's


fabs_p.vjp = lambda g, x, *, out: (_fabs_derivative(g, x),)


def _fabs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    out = bind(fabs_p, x)
    return out, ad.cast(ad.mul(t, ad.unary("sign", x)), out.dtype)


fabs_p.jvp = _fabs_jvp


def _no_derivative(transform: str) -> LaminaRuntimeError:
    return LaminaRuntimeError(
        f"{transform}: nextafter has no derivative: its result is the float next to x1 in the "
        "direction of x2, a step function of both (JAX and PyTorch do not differentiate it "
        "either). Use its value as a constant: lnp.nextafter(lm.stop_gradient(x1), x2)."
    )


def _nextafter_vjp(g, x1, x2, *, out):
    raise _no_derivative("grad")


def _nextafter_jvp(primals, tangents):
    raise _no_derivative("jvp")


nextafter_p.vjp = _nextafter_vjp
nextafter_p.jvp = _nextafter_jvp


def _unary_batch(args, bdims):
    return bind(fabs_p, args[0]), bdims[0]  # elementwise: the batch axis stays put


def _binary_batch(args, bdims):
    if len(set(bdims)) == 1 and len({len(a.shape) for a in args}) == 1:
        return bind(nextafter_p, *args), bdims[0]
    return bind(nextafter_p, *broadcast_batched(args, bdims)), 0


fabs_p.batch = _unary_batch
nextafter_p.batch = _binary_batch


# -- the full convolution along the last axis --------------------------------------------------
# NOTE [conv_full]: ``conv_full_p(a, v)`` is ``numpy.convolve(a, v, "full")`` along the last
# axis of two operands of one dtype whose leading axes are equal (the public functions pass 1-D
# operands; vmap adds leading axes): out[..., t] = sum_i a[..., i] v[..., t - i], length
# n + m - 1. It is bilinear and commutative. Its transposes are convolutions again: the
# cotangent of ``a`` is the "valid" part of conv(g, flip(v)), that of ``v`` the "valid" part of
# conv(g, flip(a)). Transposes, not adjoints: complex operands follow JAX's convention (the
# cotangent times the derivative, no conjugate), as every linear op of lamina does.

def _conv_full_impl(xp, a, v):
    if a.ndim == 1:
        return xp.convolve(a, v)
    n, m = a.shape[-1], v.shape[-1]
    if m > n:  # loop over the shorter operand
        a, v, n, m = v, a, m, n
    out = xp.zeros(a.shape[:-1] + (n + m - 1,), dtype=np.result_type(a.dtype, v.dtype))
    for k in range(m):  # m vectorised passes: O(n m) work per row, O(n + m) memory
        out[..., k:k + n] += a * v[..., k:k + 1]
    return out


def _conv_full_abstract(a, v):
    return tuple(a.shape[:-1]) + (a.shape[-1] + v.shape[-1] - 1,), np.result_type(a.dtype,
                                                                                   v.dtype)


conv_full_p = Primitive("conv_full", _conv_full_impl, _conv_full_abstract)


def conv_full(a: Any, v: Any) -> Any:
    """``numpy.convolve(a, v, "full")`` along the last axis, on values of one dtype with equal
    leading axes (NOTE [conv_full])."""
    return bind(conv_full_p, a, v)


def _last_slice(x: Any, start: int, stop: int) -> Any:
    from lamina.ops.manipulation import slice_along  # noqa: PLC0415

    return slice_along(x, len(x.shape) - 1, start, stop)


def _flip_last(x: Any) -> Any:
    from lamina.ops.manipulation import slice_along  # noqa: PLC0415

    return slice_along(x, len(x.shape) - 1, None, None, -1)


def _conv_full_vjp(g, a, v, *, out, needs=(True, True)):
    n, m = a.shape[-1], v.shape[-1]
    ga = ad.cast(_last_slice(conv_full(g, _flip_last(v)), m - 1, m - 1 + n), a.dtype) \
        if needs[0] else None
    gv = ad.cast(_last_slice(conv_full(g, _flip_last(a)), n - 1, n - 1 + m), v.dtype) \
        if needs[1] else None
    return ga, gv


conv_full_p.vjp = _conv_full_vjp
conv_full_p.vjp_needs = True
conv_full_p.jvp = multilinear_jvp(conv_full_p)


def _conv_full_batch(args, bdims):
    size = next(a.shape[d] for a, d in zip(args, bdims, strict=True) if d is not None)
    a, v = (bdim_to_front(x, d, size) for x, d in zip(args, bdims, strict=True))
    return conv_full(a, v), 0


conv_full_p.batch = _conv_full_batch
