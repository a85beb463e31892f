"""The discrete Fourier transform: one primitive, ``fft_p``, as JAX's ``lax.fft``.

``fft_p`` takes a ``kind`` (``"fft"`` and ``"ifft"``: complex to complex, forward and inverse;
``"rfft"``: real to complex; ``"irfft"``: complex to real), the ``axes`` it transforms
(distinct, non-negative, in NumPy's order: for the real kinds the last one is the halved
axis), the transform ``lengths`` along them and NumPy's ``norm`` (``"backward"``, ``"ortho"``,
``"forward"``). Its operand already has the right sizes: ``lengths`` along ``axes``, except
the halved axis of ``irfft``, which has ``lengths[-1] // 2 + 1`` entries. NumPy's ``n``/``s``
(cropping and zero padding) are slices and concatenations around it (``fit_value``), so their
derivatives come from those ops. Everything in ``lamina.numpy.fft`` is built from this: the
n-D and 2-D transforms pass several axes, ``hfft``/``ihfft`` conjugate around ``irfft``/
``rfft``, the shifts are rolls.

Kernels are ``xp.fft`` (NumPy's pocketfft, CuPy's cuFFT) with ``norm`` passed through, so the
values are NumPy's own, in single precision for complex64/float32 (as NumPy 2).

NOTE [fft transposes]: the transforms are linear, so their jvp is the transform of the
tangent and their vjp its transpose under lamina's pairing ``Re(sum(a * b))`` (NOTE [complex
cotangents] in lamina/ops/linalg.py; JAX's convention, JAX's formulas):

- ``fft``/``ifft``: the DFT matrix is symmetric and the scaling of each norm a constant, so
  the transpose is the same transform with the same norm.
- ``rfft`` (R^N -> C^M, the full transform cropped to ``M = n // 2 + 1`` along the last axis):
  the transpose is ``Re(F^T pad(g))``, which is ``N * irfft(conj(g) / c)`` with ``c`` 1 at the
  zero frequency (and at n / 2 for even n) and 2 elsewhere: ``irfft`` with the swapped norm.
- ``irfft`` (C^M -> R^N; it reads only the real parts at the zero and n / 2 frequencies): the
  transpose is ``conj(c * rfft(g))``, with the swapped norm.

Under vmap nothing moves: the batch axis is one more axis the transform leaves alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaValueError
from lamina.ops import ad
from lamina.ops.creation import full_value
from lamina.ops.manipulation import host_constant, slice_along
from lamina.ops.shape import concatenate_values

__all__ = ["fft_p", "fft_value", "fit_value", "swap_norm", "NORMS", "complex_dtype",
           "real_dtype"]

NORMS = ("backward", "ortho", "forward")
_KINDS = ("fft", "ifft", "rfft", "irfft")
_SWAP = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def swap_norm(norm: str) -> str:
    """The norm of the opposite direction: what ``hfft``/``ihfft`` pass on, and the norm of a
    real transform's transpose (NOTE [fft transposes])."""
    return _SWAP[norm]


def complex_dtype(dtype: Any) -> np.dtype:
    """The complex dtype NumPy's transforms compute in: complex64 for float16, float32 and
    complex64; complex128 for everything else (float64, integers, bools)."""
    dt = np.dtype(dtype)
    if dt in (np.float16, np.float32, np.complex64):
        return np.dtype(np.complex64)
    return np.dtype(np.complex128)


def real_dtype(dtype: Any) -> np.dtype:
    """The real dtype of ``complex_dtype(dtype)``."""
    return np.dtype(np.float32) if complex_dtype(dtype) == np.complex64 else \
        np.dtype(np.float64)


def _out_shape(shape: tuple, kind: str, axes: tuple, lengths: tuple) -> tuple:
    shape = list(shape)
    for axis, n in zip(axes, lengths, strict=True):
        shape[axis] = n
    if kind == "rfft":
        shape[axes[-1]] = lengths[-1] // 2 + 1
    return tuple(shape)


def _fft_abstract(x, *, kind, axes, lengths, norm):
    shape = tuple(x.shape)
    expected = list(shape)
    for axis, n in zip(axes, lengths, strict=True):
        expected[axis] = n
    if kind == "irfft":
        expected[axes[-1]] = lengths[-1] // 2 + 1
    kind_of_input = "f" if kind == "rfft" else "c"
    if (kind not in _KINDS or norm not in NORMS or not axes or tuple(expected) != shape
            or np.dtype(x.dtype).kind != kind_of_input):
        raise LaminaValueError(
            f"fft primitive: kind={kind!r}, axes={axes}, lengths={lengths}, norm={norm!r} do "
            f"not fit an operand of shape {shape} and dtype {x.dtype} (call fft_value after "
            "fit_value, which crop or pad the operand and cast it)."
        )
    dt = np.dtype(x.dtype)
    if kind == "rfft":
        dtype = np.dtype(np.complex64) if dt == np.float32 else np.dtype(np.complex128)
    elif kind == "irfft":
        dtype = np.dtype(np.float32) if dt == np.complex64 else np.dtype(np.float64)
    else:
        dtype = dt
    return _out_shape(shape, kind, axes, lengths), dtype


def _fft_impl(xp, x, *, kind, axes, lengths, norm):
    if x.size == 0:  # zero lines to transform (cuFFT refuses an empty batch)
        shape, dtype = _fft_abstract(x, kind=kind, axes=axes, lengths=lengths, norm=norm)
        return xp.zeros(shape, dtype)
    if kind == "fft":
        return xp.fft.fftn(x, s=lengths, axes=axes, norm=norm)
    if kind == "ifft":
        return xp.fft.ifftn(x, s=lengths, axes=axes, norm=norm)
    if kind == "rfft":
        return xp.fft.rfftn(x, s=lengths, axes=axes, norm=norm)
    # irfft: the complex inverse along all but the last axis, then the real one along it, as
    # NumPy's irfftn does (cuFFT's n-D complex-to-real transform would assume Hermitian
    # symmetry along every axis, which NumPy's does not).
    for axis, n in zip(axes[:-1], lengths[:-1], strict=True):
        x = xp.fft.ifft(x, n, axis, norm)
    return xp.fft.irfft(x, lengths[-1], axes[-1], norm)


fft_p = Primitive("fft", _fft_impl, _fft_abstract)


def fft_value(x: Any, kind: str, axes: tuple, lengths: tuple, norm: str) -> Any:
    """``fft_p`` on a value already cast (complex, or real for ``rfft``) and fitted (sizes
    ``lengths`` along ``axes``; ``lengths[-1] // 2 + 1`` along the halved axis of
    ``irfft``)."""
    return bind(fft_p, x, kind=kind, axes=tuple(int(a) for a in axes),
                lengths=tuple(int(n) for n in lengths), norm=norm)


def fit_value(x: Any, axis: int, n: int) -> Any:
    """``x`` cropped or zero-padded at the end of ``axis`` to ``n`` entries (NumPy's ``n``)."""
    size = x.shape[axis]
    if n == size:
        return x
    if n < size:
        return slice_along(x, axis, 0, n)
    shape = tuple(x.shape[:axis]) + (n - size,) + tuple(x.shape[axis + 1:])
    return concatenate_values([x, full_value(shape, 0, x.dtype, x.device)], axis)


# --------------------------------------------------------------------------------------------
# Rules (NOTE [fft transposes]), in lamina ops: differentiable and batchable again.

def _weights(kind: str, n: int, ndim: int, axis: int, dtype: Any, device: Any) -> Any:
    """The constant ``c`` (``kind == "double"``) or ``1 / c`` (``"half"``) of NOTE [fft
    transposes] along the halved axis: 1 at the zero frequency and, for even ``n``, at n / 2;
    2 (or 0.5) at the frequencies a real signal's spectrum holds twice."""
    m = n // 2 + 1
    shape = (1,) * axis + (m,) + (1,) * (ndim - axis - 1)

    def make():
        w = np.full(m, 2.0 if kind == "double" else 0.5, dtype)
        w[0] = 1.0
        if n % 2 == 0:
            w[-1] = 1.0
        return w.reshape(shape)

    return host_constant(("fft weights", kind, n, shape, np.dtype(dtype).name), make, device)


def _fft_vjp(g, x, *, out, kind, axes, lengths, norm):
    if kind in ("fft", "ifft"):
        return (fft_value(g, kind, axes, lengths, norm),)
    ndim = len(x.shape)
    if kind == "rfft":
        real = np.finfo(g.dtype).dtype
        weights = _weights("half", lengths[-1], ndim, axes[-1], real, g.device)
        scaled = ad.mul(ad.unary("conjugate", g), weights)
        return (fft_value(scaled, "irfft", axes, lengths, swap_norm(norm)),)
    spectrum = fft_value(g, "rfft", axes, lengths, swap_norm(norm))
    weights = _weights("double", lengths[-1], ndim, axes[-1], g.dtype, g.device)
    return (ad.mul(ad.unary("conjugate", spectrum), weights),)


def _fft_jvp(primals, tangents, *, kind, axes, lengths, norm):
    (x,), (t,) = primals, tangents
    out = fft_value(x, kind, axes, lengths, norm)
    return out, None if t is None else fft_value(t, kind, axes, lengths, norm)


def _fft_batch(args, bdims, *, kind, axes, lengths, norm):
    (x,), (d,) = args, bdims
    moved = tuple(a if a < d else a + 1 for a in axes)
    return fft_value(x, kind, moved, lengths, norm), d


fft_p.vjp = _fft_vjp
fft_p.jvp = _fft_jvp
fft_p.batch = _fft_batch
