"""``lamina.numpy.fft``: NumPy's discrete Fourier transforms, with derivatives (issue 15).

NumPy's names and signatures (``n``/``s``, ``axis``/``axes``, ``norm``, ``out``), values and
dtypes: complex64 and float32 stay in single precision (complex64 out; float32 and float16 in
give complex64, as NumPy 2), integers and bools compute in complex128 (or float64 for the real
outputs of ``irfft*`` and ``hfft``). Every transform is differentiable (reverse and forward
mode, any order, with the scaling of each ``norm`` and the cropping or zero padding of
``n``/``s``) and batches under ``vmap``; they are built on one primitive (``lamina/ops/fft.py``:
NOTE [fft transposes] says which derivative conventions hold for the real transforms).

>>> import lamina.numpy as lnp
>>> lnp.fft.fft(lnp.asarray([1.0, 2.0, 3.0, 4.0]))
Tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j], device='cpu')
>>> lnp.fft.irfft(lnp.fft.rfft(lnp.asarray([1.0, 2.0, 3.0, 4.0])))
Tensor([1., 2., 3., 4.], device='cpu')

Where lamina differs from NumPy 2.4: ``out=`` is honoured by every function (NumPy's
``hfft``, ``ifft2`` and ``irfft2`` ignore it), must be a lamina tensor of exactly the result's
shape, and is written with NumPy's ``same_kind`` casting.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from lamina.errors import AxisError, LaminaTypeError, LaminaValueError, LaminaZeroDivisionError
from lamina.numpy._handles import check_out, device_among, handle, value_of, write_out
from lamina.ops import ad
from lamina.ops import fft as _fft
from lamina.ops import manipulation as _mp
from lamina.ops.common import as_index, normalize_axis
from lamina.ops.elementwise import astype_value
from lamina.ops.fft import NORMS, fft_value, fit_value, swap_norm
from lamina.wrappers.tensor import Tensor

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


# -- arguments ---------------------------------------------------------------------------------

def _norm(norm: Any, what: str) -> str:
    if norm is None:
        return "backward"
    if isinstance(norm, str) and norm in NORMS:
        return norm
    raise LaminaValueError(
        f'{what}: Invalid norm value {norm}; should be "backward", "ortho" or "forward" '
        '(None means "backward": no scaling of the forward transform, 1/n of the inverse).'
    )


def _points(n: Any, what: str) -> int:
    """A transform length NumPy accepts: an integer of at least 1."""
    index = as_index(n)
    if index is None:
        raise LaminaTypeError(
            f"{what}: the number of points must be an integer, got {type(n).__name__} ({n!r})."
        )
    if index < 1:
        raise LaminaValueError(
            f"{what}: Invalid number of FFT data points ({index}) specified. A transform needs "
            "at least one point: pass n (or the entries of s) >= 1, or an input whose "
            "transformed axes are not empty."
        )
    return index


def _sequence(x: Any, what: str, name: str) -> list:
    if isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim == 1):
        return list(x)
    raise LaminaTypeError(
        f"{what}: {name} must be a sequence of integers (a tuple or list), got "
        f"{type(x).__name__} ({x!r}). For one axis, write ({x!r},) or use the 1-D transform."
    )


def _complex_input(x: Any) -> Any:
    dtype = _fft.complex_dtype(x.dtype)
    return x if x.dtype == dtype else astype_value(x, dtype)


def _real_input(x: Any, what: str, instead: str) -> Any:
    if x.dtype.kind == "c":
        raise LaminaTypeError(
            f"{what}: the input is complex ({x.dtype}), but {what} transforms real data. Use "
            f"{instead} for complex input, or pass the real part (a.real) if the imaginary part "
            "is zero."
        )
    dtype = _fft.real_dtype(x.dtype)
    return x if x.dtype == dtype else astype_value(x, dtype)


def _conj(x: Any) -> Any:
    return ad.unary("conjugate", x)


def _real_output(y: Any, input_dtype: Any) -> Any:
    """NumPy's real outputs have ``result_type(a.real.dtype, 1.0)``: float16 in, float16 out
    (computed in float32)."""
    return astype_value(y, np.float16) if np.dtype(input_dtype) == np.float16 else y


def _result(y: Any, out: Any, what: str) -> Tensor:
    target = check_out(out, what)
    if target is None:
        return handle(y)
    if tuple(target.shape) != tuple(y.shape):
        raise LaminaValueError(
            f"{what}: output array has wrong shape. The result has shape {tuple(y.shape)} and "
            f"'out' has shape {tuple(target.shape)}; give an 'out' of the result's shape, or "
            "drop out= and assign the result."
        )
    return write_out(target, y, what)


_S_WITHOUT_AXES = (
    "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0). In a future "
    "version of NumPy, this will raise an error and `s[i]` will correspond to the size along "
    "the transformed axis specified by `axes[i]`. To retain current behaviour, pass a sequence "
    "[0, ..., k-1] to `axes` for an array of dimension k."
)
_NONE_IN_S = (
    "Passing an array containing `None` values to `s` is deprecated in NumPy 2.0 and will "
    "raise an error in a future version of NumPy. To use the default behaviour of the "
    "corresponding 1-D transform, pass the value matching the default for its `n` parameter. "
    "To use the default behaviour for every axis, the `s` argument can be omitted."
)


def _cook(shape: tuple, s: Any, axes: Any, what: str, invreal: bool = False):
    """NumPy's ``_cook_nd_args``: the lengths (None: the 1-D default) and the non-negative
    axes of an n-D transform, with NumPy's deprecation warnings."""
    ndim = len(shape)
    if axes is not None:
        axes = [normalize_axis(a, ndim, what) for a in _sequence(axes, what, "axes")]
    shapeless = s is None
    if shapeless:
        s = [shape[a] for a in axes] if axes is not None else list(shape)
    else:
        s = _sequence(s, what, "s")
    if axes is None:
        if not shapeless:
            warnings.warn(_S_WITHOUT_AXES, DeprecationWarning, stacklevel=4)
        axes = [normalize_axis(a, ndim, what) for a in range(-len(s), 0)]
    if len(s) != len(axes):
        raise LaminaValueError(
            f"{what}: Shape and axes have different lengths. s has {len(s)} entries and axes "
            f"{len(axes)} ({list(axes)}); give one length per transformed axis."
        )
    if invreal and shapeless and axes:
        s[-1] = (shape[axes[-1]] - 1) * 2
    if any(v is None for v in s):
        warnings.warn(_NONE_IN_S, DeprecationWarning, stacklevel=4)
    s = [shape[a] if v is not None and as_index(v) == -1 else v
         for v, a in zip(s, axes, strict=True)]
    return s, axes


def _no_axes(what: str) -> AxisError:
    return AxisError(
        f"{what}: no axes to transform (axes or s is empty). A real transform needs at least "
        "one axis: its last one is the axis whose spectrum is halved."
    )


# -- one axis ----------------------------------------------------------------------------------

def _c2c(what: str, kind: str, a: Any, n: Any, axis: Any, norm: Any, out: Any) -> Tensor:
    x = _complex_input(value_of(a, what))
    axis = normalize_axis(axis, len(x.shape), what)
    n = _points(x.shape[axis] if n is None else n, what)
    norm = _norm(norm, what)
    return _result(fft_value(fit_value(x, axis, n), kind, (axis,), (n,), norm), out, what)


def _r2c(what: str, a: Any, n: Any, axis: Any, norm: Any, instead: str) -> Any:
    x = _real_input(value_of(a, what), what, instead)
    axis = normalize_axis(axis, len(x.shape), what)
    n = _points(x.shape[axis] if n is None else n, what)
    return fft_value(fit_value(x, axis, n), "rfft", (axis,), (n,), norm)


def _c2r(what: str, x: Any, n: Any, axis: Any, norm: Any) -> Any:
    axis = normalize_axis(axis, len(x.shape), what)
    n = _points((x.shape[axis] - 1) * 2 if n is None else n, what)
    return fft_value(fit_value(x, axis, n // 2 + 1), "irfft", (axis,), (n,), norm)


def fft(a: Any, n: Any = None, axis: Any = -1, norm: Any = None, out: Any = None) -> Tensor:
    """The 1-D discrete Fourier transform along ``axis``, on ``n`` points (the input cropped or
    zero-padded to ``n``).

    >>> import lamina.numpy as lnp
    >>> lnp.fft.fft(lnp.asarray([1.0, 0.0, -1.0, 0.0]))
    Tensor([0.+0.j, 2.+0.j, 0.+0.j, 2.+0.j], device='cpu')
    >>> lnp.fft.fft(lnp.ones(2), n=4, norm="ortho")
    Tensor([1. +0.j , 0.5-0.5j, 0. +0.j , 0.5+0.5j], device='cpu')
    """
    return _c2c("fft.fft", "fft", a, n, axis, norm, out)


def ifft(a: Any, n: Any = None, axis: Any = -1, norm: Any = None, out: Any = None) -> Tensor:
    """The inverse of ``fft``: the 1-D inverse discrete Fourier transform along ``axis``.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.ifft(lnp.asarray([0.0, 2.0, 0.0, 2.0]))
    Tensor([ 1.+0.j,  0.+0.j, -1.+0.j,  0.+0.j], device='cpu')
    """
    return _c2c("fft.ifft", "ifft", a, n, axis, norm, out)


def rfft(a: Any, n: Any = None, axis: Any = -1, norm: Any = None, out: Any = None) -> Tensor:
    """The 1-D transform of real input: the ``n // 2 + 1`` non-negative frequencies of
    ``fft`` (the others are their complex conjugates).

    >>> import lamina.numpy as lnp
    >>> lnp.fft.rfft(lnp.asarray([1.0, 2.0, 3.0, 4.0]))
    Tensor([10.+0.j, -2.+2.j, -2.+0.j], device='cpu')
    """
    y = _r2c("fft.rfft", a, n, axis, _norm(norm, "fft.rfft"), "fft.fft")
    return _result(y, out, "fft.rfft")


def irfft(a: Any, n: Any = None, axis: Any = -1, norm: Any = None, out: Any = None) -> Tensor:
    """The inverse of ``rfft``: a real signal of ``n`` points (``2 * (m - 1)`` by default,
    ``m`` the input's length along ``axis``) from its non-negative frequencies.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.irfft(lnp.asarray([10.0, -2.0 + 2.0j, -2.0]))
    Tensor([1., 2., 3., 4.], device='cpu')
    """
    x = value_of(a, "fft.irfft")
    y = _c2r("fft.irfft", _complex_input(x), n, axis, _norm(norm, "fft.irfft"))
    return _result(_real_output(y, x.dtype), out, "fft.irfft")


def hfft(a: Any, n: Any = None, axis: Any = -1, norm: Any = None, out: Any = None) -> Tensor:
    """The transform of a signal with Hermitian symmetry given by its first half: a real
    spectrum of ``n`` points (``2 * (m - 1)`` by default), ``irfft(conj(a))`` scaled as a
    forward transform.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.hfft(lnp.asarray([1.0, 2.0, 3.0]))
    Tensor([ 8., -2.,  0., -2.], device='cpu')
    """
    norm = swap_norm(_norm(norm, "fft.hfft"))
    x = value_of(a, "fft.hfft")
    y = _c2r("fft.hfft", _conj(_complex_input(x)), n, axis, norm)
    return _result(_real_output(y, x.dtype), out, "fft.hfft")


def ihfft(a: Any, n: Any = None, axis: Any = -1, norm: Any = None, out: Any = None) -> Tensor:
    """The inverse of ``hfft``: the first half of the Hermitian-symmetric inverse transform
    of a real signal, ``conj(rfft(a)) / n``.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.ihfft(lnp.asarray([8.0, -2.0, 0.0, -2.0]))
    Tensor([1.-0.j, 2.-0.j, 3.-0.j], device='cpu')
    """
    norm = swap_norm(_norm(norm, "fft.ihfft"))
    y = _r2c("fft.ihfft", a, n, axis, norm, "fft.ifft")
    return _result(_conj(y), out, "fft.ihfft")


# -- several axes ------------------------------------------------------------------------------

def _length(x: Any, v: Any, axis: int, what: str) -> int:
    """An entry of ``s``: None is the input's length along ``axis``."""
    return _points(x.shape[axis] if v is None else v, what)


def _fit_all(x: Any, axes: list, lengths: list) -> Any:
    for axis, n in zip(axes, lengths, strict=True):
        x = fit_value(x, axis, n)
    return x


def _c2c_nd(what: str, kind: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Tensor:
    x = value_of(a, what)
    s, axes = _cook(tuple(x.shape), s, axes, what)
    norm = _norm(norm, what)
    if not axes:  # NumPy returns the input as it is (not even cast to complex)
        return _result(x, out, what)
    x = _complex_input(x)
    if len(set(axes)) == len(axes):
        lengths = [_length(x, v, ax, what) for v, ax in zip(s, axes, strict=True)]
        return _result(fft_value(_fit_all(x, axes, lengths), kind, axes, lengths, norm), out,
                       what)
    # An axis named twice is transformed twice: NumPy's order, one axis at a time.
    for v, ax in reversed(list(zip(s, axes, strict=True))):
        n = _length(x, v, ax, what)
        x = fft_value(fit_value(x, ax, n), kind, (ax,), (n,), norm)
    return _result(x, out, what)


def _rfft_nd(what: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Tensor:
    x = _real_input(value_of(a, what), what, what.replace("rfft", "fft"))
    s, axes = _cook(tuple(x.shape), s, axes, what)
    norm = _norm(norm, what)
    if not axes:
        raise _no_axes(what)
    if len(set(axes)) == len(axes):
        lengths = [_length(x, v, ax, what) for v, ax in zip(s, axes, strict=True)]
        return _result(fft_value(_fit_all(x, axes, lengths), "rfft", axes, lengths, norm),
                       out, what)
    n = _length(x, s[-1], axes[-1], what)
    x = fft_value(fit_value(x, axes[-1], n), "rfft", (axes[-1],), (n,), norm)
    for v, ax in reversed(list(zip(s[:-1], axes[:-1], strict=True))):
        n = _length(x, v, ax, what)
        x = fft_value(fit_value(x, ax, n), "fft", (ax,), (n,), norm)
    return _result(x, out, what)


def _irfft_nd(what: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Tensor:
    given = value_of(a, what)
    x = _complex_input(given)
    s, axes = _cook(tuple(x.shape), s, axes, what, invreal=True)
    norm = _norm(norm, what)
    if not axes:
        raise _no_axes(what)
    last = axes[-1]
    if len(set(axes)) == len(axes):
        lengths = [_length(x, v, ax, what) for v, ax in zip(s[:-1], axes[:-1], strict=True)]
        lengths.append(_points((x.shape[last] - 1) * 2 if s[-1] is None else s[-1], what))
        x = fit_value(_fit_all(x, axes[:-1], lengths[:-1]), last, lengths[-1] // 2 + 1)
        y = fft_value(x, "irfft", axes, lengths, norm)
    else:
        for v, ax in zip(s[:-1], axes[:-1], strict=True):
            n = _length(x, v, ax, what)
            x = fft_value(fit_value(x, ax, n), "ifft", (ax,), (n,), norm)
        y = _c2r(what, x, s[-1], last, norm)
    # NumPy's irfftn runs its complex steps first, so float16 stays float16 for one axis only.
    return _result(_real_output(y, given.dtype) if len(axes) == 1 else y, out, what)


def fftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None, out: Any = None) -> Tensor:
    """The n-D discrete Fourier transform over ``axes`` (all by default), each cropped or
    zero-padded to its length in ``s``.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.fftn(lnp.ones((2, 2)))
    Tensor([[4.+0.j, 0.+0.j],
            [0.+0.j, 0.+0.j]], device='cpu')
    """
    return _c2c_nd("fft.fftn", "fft", a, s, axes, norm, out)


def ifftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None, out: Any = None) -> Tensor:
    """The inverse of ``fftn``: the n-D inverse discrete Fourier transform over ``axes``.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.ifftn(lnp.asarray([[4.0, 0.0], [0.0, 0.0]]))
    Tensor([[1.+0.j, 1.+0.j],
            [1.+0.j, 1.+0.j]], device='cpu')
    """
    return _c2c_nd("fft.ifftn", "ifft", a, s, axes, norm, out)


def fft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None,
         out: Any = None) -> Tensor:
    """The 2-D discrete Fourier transform: ``fftn`` over the last two axes by default.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.fft2(lnp.asarray([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([[10.+0.j, -2.+0.j],
            [-4.+0.j,  0.+0.j]], device='cpu')
    """
    return _c2c_nd("fft.fft2", "fft", a, s, axes, norm, out)


def ifft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None,
          out: Any = None) -> Tensor:
    """The inverse of ``fft2``: ``ifftn`` over the last two axes by default.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.ifft2(lnp.asarray([[10.0, -2.0], [-4.0, 0.0]])).real
    Tensor([[1., 2.],
            [3., 4.]], device='cpu')
    """
    return _c2c_nd("fft.ifft2", "ifft", a, s, axes, norm, out)


def rfftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None,
          out: Any = None) -> Tensor:
    """The n-D transform of real input: ``fftn`` with the last of ``axes`` halved to its
    ``s[-1] // 2 + 1`` non-negative frequencies.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.rfftn(lnp.ones((2, 4))).shape
    (2, 3)
    """
    return _rfft_nd("fft.rfftn", a, s, axes, norm, out)


def irfftn(a: Any, s: Any = None, axes: Any = None, norm: Any = None,
           out: Any = None) -> Tensor:
    """The inverse of ``rfftn``: a real array whose last transformed axis has ``s[-1]``
    points (``2 * (m - 1)`` by default).

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> lnp.fft.irfftn(lnp.fft.rfftn(x), s=x.shape, axes=(0, 1))
    Tensor([[1., 2., 3.],
            [4., 5., 6.]], device='cpu')
    """
    return _irfft_nd("fft.irfftn", a, s, axes, norm, out)


def rfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None,
          out: Any = None) -> Tensor:
    """The 2-D transform of real input: ``rfftn`` over the last two axes by default.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.rfft2(lnp.asarray([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([[10.+0.j, -2.+0.j],
            [-4.+0.j,  0.+0.j]], device='cpu')
    """
    return _rfft_nd("fft.rfft2", a, s, axes, norm, out)


def irfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: Any = None,
           out: Any = None) -> Tensor:
    """The inverse of ``rfft2``: ``irfftn`` over the last two axes by default.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.irfft2(lnp.asarray([[10.0, -2.0], [-4.0, 0.0]]))
    Tensor([[1., 2.],
            [3., 4.]], device='cpu')
    """
    return _irfft_nd("fft.irfft2", a, s, axes, norm, out)


# -- frequencies and shifts --------------------------------------------------------------------

def _freq_count(n: Any, what: str) -> int:
    index = as_index(n)
    if index is None:
        raise LaminaValueError(
            f"{what}: n should be an integer (the window length), got {type(n).__name__} "
            f"({n!r})."
        )
    return index


def _inverse_width(n: int, d: Any, what: str) -> Any:
    """``1 / (n * d)``, computed as NumPy does (Python, NumPy or tensor arithmetic)."""
    try:
        return 1.0 / (n * d)
    except ZeroDivisionError:
        raise LaminaZeroDivisionError(
            f"{what}: float division by zero: the frequencies are k / (n * d), and n * d is 0 "
            f"(n={n}, d={d!r}). Pass a window length n >= 1 and a sample spacing d != 0."
        ) from None


def _frequencies(what: str, n: int, ints: np.ndarray, val: Any, device: Any,
                 dtype: Any) -> Tensor:
    from lamina.lazy.devices import as_device  # noqa: PLC0415
    from lamina.numpy._ufuncs import multiply  # noqa: PLC0415

    if device is not None:
        place = as_device(device)
    else:
        place = device_among([val]) or as_device(None)
    key = (what, n, len(ints))
    result = multiply(handle(_mp.host_constant(key, lambda: ints, place)), val)
    return result if dtype is None else result.astype(dtype)


def fftfreq(n: Any, d: Any = 1.0, device: Any = None, *, dtype: Any = None) -> Tensor:
    """The sample frequencies of ``fft``'s output for a window of ``n`` samples spaced ``d``
    apart: ``[0, 1, ..., n//2 - 1 (or (n-1)//2), -(n//2), ..., -1] / (d * n)``.

    ``device`` and ``dtype`` are the array API's; ``d`` may be a tensor (differentiable).

    >>> import lamina.numpy as lnp
    >>> lnp.fft.fftfreq(4, d=0.5)
    Tensor([ 0. ,  0.5, -1. , -0.5], device='cpu')
    """
    n = _freq_count(n, "fft.fftfreq")
    val = _inverse_width(n, d, "fft.fftfreq")
    if n < 0:
        raise LaminaValueError(
            f"fft.fftfreq: negative dimensions are not allowed (n={n}); n is the window length."
        )
    half = (n - 1) // 2 + 1
    ints = np.concatenate([np.arange(0, half), np.arange(-(n // 2), 0)]).astype(np.int64)
    return _frequencies("fft.fftfreq", n, ints, val, device, dtype)


def rfftfreq(n: Any, d: Any = 1.0, device: Any = None, *, dtype: Any = None) -> Tensor:
    """The sample frequencies of ``rfft``'s output for a window of ``n`` samples spaced ``d``
    apart: ``[0, 1, ..., n // 2] / (d * n)``.

    ``device`` and ``dtype`` are the array API's; ``d`` may be a tensor (differentiable).

    >>> import lamina.numpy as lnp
    >>> lnp.fft.rfftfreq(5, d=0.1)
    Tensor([0., 2., 4.], device='cpu')
    """
    n = _freq_count(n, "fft.rfftfreq")
    val = _inverse_width(n, d, "fft.rfftfreq")
    ints = np.arange(0, n // 2 + 1, dtype=np.int64)
    return _frequencies("fft.rfftfreq", n, ints, val, device, dtype)


def _shift(x: Any, axes: Any, sign: int, what: str) -> Tensor:
    v = value_of(x, what)
    ndim = len(v.shape)
    if axes is None:
        if ndim == 0:
            raise LaminaValueError(
                f"{what}: a 0-d array has no axes to shift; pass an array with at least one "
                "dimension."
            )
        axes = list(range(ndim))
    elif as_index(axes) is not None:
        axes = [axes]
    else:
        axes = _sequence(axes, what, "axes")
    total: dict[int, int] = {}
    for axis in axes:
        axis = normalize_axis(axis, ndim, what)
        total[axis] = total.get(axis, 0) + sign * (v.shape[axis] // 2)
    return handle(_mp.roll_value(v, tuple(total.values()), tuple(total)))


def fftshift(x: Any, axes: Any = None) -> Tensor:
    """The zero frequency moved to the centre: ``x`` rolled by half its length along ``axes``
    (all by default).

    >>> import lamina.numpy as lnp
    >>> lnp.fft.fftshift(lnp.fft.fftfreq(5))
    Tensor([-0.4, -0.2,  0. ,  0.2,  0.4], device='cpu')
    """
    return _shift(x, axes, 1, "fft.fftshift")


def ifftshift(x: Any, axes: Any = None) -> Tensor:
    """The inverse of ``fftshift`` (they differ for odd lengths): the zero frequency moved
    back to the start.

    >>> import lamina.numpy as lnp
    >>> lnp.fft.ifftshift(lnp.asarray([-0.4, -0.2, 0.0, 0.2, 0.4]))
    Tensor([ 0. ,  0.2,  0.4, -0.4, -0.2], device='cpu')
    """
    return _shift(x, axes, -1, "fft.ifftshift")
