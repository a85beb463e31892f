"""The OpInfo table: one row per public op, driving every generated op test.

A row names the lamina function, a NumPy reference, and sample inputs. Tests (``test_forward``
now; grad/jvp/vmap tests in later issues) iterate over ``OPS``. Expected failures are data:
``xfail={"test_name": "reason"}`` on the row, never a hidden skip.

Sample inputs are built from NumPy arrays; the tests turn every ``np.ndarray`` among a sample's
args into a lamina tensor (unless the row's ``convert`` says otherwise), call the op, and
compare with the reference called on the NumPy arrays: shape and dtype first, then values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FLOATS = (np.float64, np.float32)
INTS = (np.int64, np.int32)
ALL_REAL = FLOATS + INTS


class _DevicePlaceholder:
    """Stands for the test's device in a sample's args (``device=DEVICE``): the harness
    replaces it with the device under test, and ``strip_device`` drops it for NumPy."""

    def __repr__(self) -> str:
        return "<device>"


DEVICE = _DevicePlaceholder()


def strip_device(fn):
    """A NumPy reference that ignores lamina's ``device=`` keyword."""

    def ref(*args, **kwargs):
        kwargs.pop("device", None)
        return fn(*args, **kwargs)

    ref.__name__ = getattr(fn, "__name__", "ref")
    return ref


@dataclass
class Sample:
    """One call: ``op(*args, **kwargs)``; ``args`` hold NumPy arrays and plain Python values."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    name: str = ""
    # False for forward-only samples: points where the op is not differentiable (kinks, NaN,
    # -inf outputs), which the grad test must skip but the forward tests still cover.
    grad: bool = True
    # False for samples that cannot run under vmap by design (the output shape depends on the
    # data, e.g. one_hot inferring num_classes): the vmap tests skip them.
    vmap: bool = True

    def __repr__(self) -> str:
        def show(a: Any) -> str:
            if isinstance(a, np.ndarray):
                return f"array(shape={a.shape}, dtype={a.dtype})"
            if isinstance(a, (list, tuple)) and any(isinstance(e, np.ndarray) for e in a):
                return type(a)(show(e) for e in a).__repr__()
            return repr(a)

        parts = [show(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"({', '.join(parts)})"


@dataclass
class OpInfo:
    """A row of the table.

    - ``name``: the public name, as users write it after ``lnp.`` (``"sin"``,
      ``"linalg.inv"``, ``"random.normal"``) or ``"nn.relu"`` for ``lamina.nn``.
    - ``op``: the lamina function; ``ref``: the NumPy reference with the same signature.
    - ``samples(rng, dtype)``: yields ``Sample``s for one dtype.
    - ``dtypes``: the dtypes to test (float64 and float32 at least where meaningful).
    - ``rtol``/``atol``: per dtype kind; defaults suit float64 and float32.
    - ``nondiff``: "no grad" in OPS.md (zero or absent cotangent by design).
    - ``random``: the op draws random numbers; forward tests check shape/dtype/statistics, not
      values (``ref`` may then be None).
    - ``xfail``: ``{"test_name": "reason"}``, expected failures as data.
    """

    name: str
    op: Callable
    ref: Callable | None
    samples: Callable[[np.random.Generator, Any], Iterator[Sample]]
    dtypes: tuple = FLOATS
    rtol: dict = field(default_factory=lambda: {np.float64: 1e-7, np.float32: 1e-4})
    atol: dict = field(default_factory=lambda: {np.float64: 1e-9, np.float32: 1e-5})
    nondiff: bool = False
    random: bool = False
    xfail: dict = field(default_factory=dict)

    def tolerances(self, dtype: Any) -> tuple[float, float]:
        dt = np.dtype(dtype).type
        rtol = self.rtol.get(dt, 1e-4 if dt in (np.float32, np.complex64) else 1e-7)
        atol = self.atol.get(dt, 1e-5 if dt in (np.float32, np.complex64) else 1e-9)
        return rtol, atol

    def __repr__(self) -> str:
        return f"OpInfo({self.name})"


# -- helpers for writing rows -----------------------------------------------------------------

def make_array(rng: np.random.Generator, shape: tuple, dtype: Any, low: float = -2.0,
               high: float = 2.0) -> np.ndarray:
    """A random array of ``shape`` and ``dtype`` with values in ``[low, high)``."""
    return np.asarray(_make_array(rng, shape, dtype, low, high))


def _make_array(rng, shape, dtype, low, high):
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        lo = max(int(np.ceil(low)), np.iinfo(dt).min)
        hi = min(int(np.ceil(high)), np.iinfo(dt).max)
        if hi <= lo:
            hi = lo + 1
        return rng.integers(lo, hi, size=shape).astype(dt)
    if dt.kind == "c":
        re = rng.uniform(low, high, size=shape)
        im = rng.uniform(low, high, size=shape)
        return (re + 1j * im).astype(dt)
    return rng.uniform(low, high, size=shape).astype(dt)


def unary_samples(low: float = -2.0, high: float = 2.0,
                  shapes: tuple = ((), (5,), (3, 4), (2, 3, 4), (0, 3))):
    """Samples for a one-input elementwise op, with inputs in ``[low, high)``."""

    def samples(rng: np.random.Generator, dtype: Any) -> Iterator[Sample]:
        for shape in shapes:
            yield Sample((make_array(rng, shape, dtype, low, high),), name=f"shape={shape}")

    return samples


def binary_samples(low: float = -2.0, high: float = 2.0, low2: float | None = None,
                   high2: float | None = None):
    """Samples for a broadcasting two-input op, including Python-scalar operands."""
    low2 = low if low2 is None else low2
    high2 = high if high2 is None else high2

    def samples(rng: np.random.Generator, dtype: Any) -> Iterator[Sample]:
        for s1, s2 in (((), ()), ((5,), (5,)), ((3, 4), (4,)), ((3, 1), (1, 4)),
                       ((2, 3, 4), (3, 1)), ((0, 3), (3,))):
            yield Sample((make_array(rng, s1, dtype, low, high),
                          make_array(rng, s2, dtype, low2, high2)), name=f"{s1} {s2}")
        scalar = 1.5 if np.dtype(dtype).kind in "fc" else 2
        scalar = min(max(scalar, low2), high2 - 1e-3) if np.dtype(dtype).kind == "f" else scalar
        yield Sample((make_array(rng, (3, 4), dtype, low, high), scalar), name="python scalar")

    return samples


def all_rows() -> list[OpInfo]:
    from tests.ops.rows import ROW_MODULES  # noqa: PLC0415

    rows: list[OpInfo] = []
    for module in ROW_MODULES:
        rows.extend(module.ROWS)
    return rows


OPS: list[OpInfo] = all_rows()
