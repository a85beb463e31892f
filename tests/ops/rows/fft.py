"""OpInfo rows: fft (issue 15): ``lnp.fft``'s transforms, frequencies and shifts.

Each transform has samples with odd and even lengths, ``n``/``s`` shorter and longer than the
axis (cropping and zero padding, whose derivatives are slices and concatenations), every
``norm``, axes other than the last, an axis named twice (NumPy transforms it twice), an empty
batch dimension, and the special values (forward only). The real-input transforms (``rfft*``,
``ihfft``) take real and integer dtypes; the others real ones and complex128/complex64, so their
derivatives are checked in both real directions of complex input (and through the cast of
real input to complex). 0-d input and empty transformed axes are errors: tests/api/test_fft.py.
"""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import (
    DEVICE,
    FLOATS,
    INTS,
    OpInfo,
    Sample,
    make_array,
    special_array,
    strip_device,
)

ROWS: list[OpInfo] = []
# The public names this family adds, as users spell them after ``lnp.`` (test_coverage.py).
PUBLIC = ("fft.fft fft.ifft fft.fft2 fft.ifft2 fft.fftn fft.ifftn fft.rfft fft.irfft fft.rfft2 "
          "fft.irfft2 fft.rfftn fft.irfftn fft.hfft fft.ihfft fft.fftfreq fft.rfftfreq "
          "fft.fftshift fft.ifftshift")

COMPLEX = (np.complex128, np.complex64)
# Sums of a few terms of size 2: float32 and complex64 results are good to a few ulps of 10.
_TOL = {
    "rtol": {np.float64: 1e-7, np.float32: 1e-4, np.complex128: 1e-7, np.complex64: 1e-4},
    "atol": {np.float64: 1e-9, np.float32: 1e-4, np.complex128: 1e-9, np.complex64: 1e-4},
}


def _arr(rng, shape, dtype):
    return make_array(rng, shape, dtype)


def _row(name, samples, dtypes, **kw):
    attr = name.partition(".")[2]
    ROWS.append(OpInfo(name, getattr(lnp.fft, attr), getattr(np.fft, attr), samples,
                       dtypes=dtypes, **_TOL, **kw))


# -- one axis ----------------------------------------------------------------------------------

def _one_axis(inverse_real: bool):
    """Samples of a 1-D transform; ``inverse_real`` for irfft/hfft, whose input is a half
    spectrum of ``m`` points and whose default length is ``2 * (m - 1)``."""

    def samples(rng, dtype):
        yield Sample((_arr(rng, (5,), dtype),), name="odd length")
        yield Sample((_arr(rng, (4,), dtype),), {"norm": "ortho"}, name="even length, ortho")
        yield Sample((_arr(rng, (3, 4), dtype),), {"n": 2}, name="n shorter: cropped")
        yield Sample((_arr(rng, (3, 4), dtype),), {"n": 7, "axis": 0, "norm": "forward"},
                     name="n longer: zero padded, axis 0, forward")
        yield Sample((_arr(rng, (2, 3, 4), dtype),), {"n": 3, "axis": 1, "norm": "backward"},
                     name="middle axis, odd n")
        yield Sample((_arr(rng, (1,), dtype),), {"n": 1 if not inverse_real else 2},
                     name="one point")
        if inverse_real:
            yield Sample((_arr(rng, (4,), dtype),), {"n": 7}, name="odd n from 4 points")
        yield Sample((_arr(rng, (0, 3), dtype),), name="empty batch dimension")
        yield Sample((special_array(dtype),), name="special values", grad=False)

    return samples


for _name in ("fft", "ifft"):
    _row(f"fft.{_name}", _one_axis(False), FLOATS + INTS + COMPLEX)
for _name in ("rfft", "ihfft"):
    _row(f"fft.{_name}", _one_axis(False), FLOATS + INTS)
for _name in ("irfft", "hfft"):
    _row(f"fft.{_name}", _one_axis(True), FLOATS + COMPLEX)


# -- several axes ------------------------------------------------------------------------------

def _n_axes(two: bool, inverse_real: bool):
    """Samples of ``fftn``-like transforms (``two``: the ``fft2`` family, whose default axes
    are the last two)."""

    def samples(rng, dtype):
        yield Sample((_arr(rng, (3, 4), dtype),), name="default")
        yield Sample((_arr(rng, (2, 3, 4), dtype),), {"norm": "ortho"}, name="3-d, ortho")
        yield Sample((_arr(rng, (3, 4, 2), dtype),), {"s": (4, 3), "axes": (0, 1),
                                                      "norm": "forward"},
                     name="s padding one axis and cropping the other, forward")
        yield Sample((_arr(rng, (3, 5), dtype),), {"s": (-1, 4), "axes": (1, 0)},
                     name="axes reversed, -1 in s")
        yield Sample((_arr(rng, (2, 3), dtype),), {"axes": (0, 1, 0)},
                     name="an axis named twice")
        if inverse_real:
            yield Sample((_arr(rng, (2, 3), dtype),), {"s": (3, 5), "axes": (0, 1)},
                         name="odd last length")
        if not two:
            yield Sample((_arr(rng, (3, 4), dtype),), {"axes": (0,)}, name="one axis")
        yield Sample((_arr(rng, (0, 3, 4), dtype),), {"axes": (1, 2)},
                     name="empty batch dimension")
        yield Sample((special_array(dtype).reshape(1, -1),), name="special values", grad=False)

    return samples


for _name, _two in (("fftn", False), ("ifftn", False), ("fft2", True), ("ifft2", True)):
    _row(f"fft.{_name}", _n_axes(_two, False), FLOATS + INTS + (np.complex128,))
for _name, _two in (("rfftn", False), ("rfft2", True)):
    _row(f"fft.{_name}", _n_axes(_two, False), FLOATS + INTS)
for _name, _two in (("irfftn", False), ("irfft2", True)):
    _row(f"fft.{_name}", _n_axes(_two, True), FLOATS + (np.complex128,))


# -- frequencies and shifts --------------------------------------------------------------------

def _freq_samples(rng, dtype):
    yield Sample((4,), name="even n")
    yield Sample((5, 0.1), name="odd n, d")
    yield Sample((1,), {"d": 2}, name="one sample, integer d")
    yield Sample((6,), {"d": np.asarray(0.25, dtype)}, name="d a 0-d array (differentiable)")
    yield Sample((7, np.asarray(1.5, dtype)), {"device": DEVICE}, name="d array, device=")


for _name in ("fftfreq", "rfftfreq"):
    ROWS.append(OpInfo(f"fft.{_name}", getattr(lnp.fft, _name),
                       strip_device(getattr(np.fft, _name)), _freq_samples, dtypes=FLOATS))


def _shift_samples(rng, dtype):
    yield Sample((_arr(rng, (5,), dtype),), name="odd length")
    yield Sample((_arr(rng, (4, 5), dtype),), name="all axes")
    yield Sample((_arr(rng, (4, 5), dtype),), {"axes": 0}, name="axes an int")
    yield Sample((_arr(rng, (2, 3, 4), dtype),), {"axes": (-1, 1)}, name="axes a tuple")
    yield Sample((_arr(rng, (3, 4), dtype),), {"axes": (1, 1)}, name="an axis twice")
    yield Sample((_arr(rng, (0, 3), dtype),), name="empty")


for _name in ("fftshift", "ifftshift"):
    _row(f"fft.{_name}", _shift_samples, FLOATS + INTS + (np.complex128,))
