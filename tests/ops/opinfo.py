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
    - ``signed_zeros``: whether the forward tests compare the signs of zeros.
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
    # The forward tests check the signs of zero results against NumPy's (NOTE [special
    # values]); False for rows whose reference's zero signs are an accident of its formula.
    signed_zeros: bool = True

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


# NOTE [special values]: the values where rules go wrong (0-d inputs that AD turns into known
# constants, exact zeros and ones, signed zeros, the edges of domains) and the values only the
# forward tests can check (NaN, infinities). Every elementwise row gets them: one array of all
# of them (forward only: finite differences of NaN and inf say nothing), and each finite one
# inside the row's domain as a 0-d sample the derivative tests check, unless it is one of the
# row's ``kinks`` (points where the op is not differentiable: forward only).
SPECIAL = (0.0, -0.0, 1.0, -1.0)
SPECIAL_COMPLEX = (1j, -1j, 1 + 1j)
NONFINITE = (np.nan, np.inf, -np.inf)


def _in_domain(v: complex, low: float, high: float) -> bool:
    return low <= v.real <= high and low <= v.imag <= high if isinstance(v, complex) else \
        low <= v <= high


def special_array(dtype: Any) -> np.ndarray:
    """Every special value (NaN and infinities for inexact dtypes) in one 1-d array."""
    kind = np.dtype(dtype).kind
    if kind == "b":
        return np.array([False, True])
    if kind in "iu":
        return np.array([0, 1, -1, 2] if kind == "i" else [0, 1, 2], dtype)
    values = [*SPECIAL, 0.5, 2.0, *NONFINITE]
    if kind == "c":
        values += [*SPECIAL_COMPLEX, complex(0.0, -0.0), complex(np.inf, 1), complex(1, np.nan)]
    return np.array(values, dtype)


def special_scalars(dtype: Any, low: float, high: float) -> list:
    """The finite special values inside ``[low, high]`` (also complex ones for complex dtypes)."""
    kind = np.dtype(dtype).kind
    values = [v for v in SPECIAL if _in_domain(v, low, high)]
    if kind in "iu":
        values = sorted({int(v) for v in values if kind == "i" or v >= 0})
    if kind == "c":
        values += [v for v in SPECIAL_COMPLEX if _in_domain(v, low, high)]
    return values


def unary_samples(low: float = -2.0, high: float = 2.0,
                  shapes: tuple = ((), (5,), (3, 4), (2, 3, 4), (0, 3)), kinks: tuple = ()):
    """Samples for a one-input elementwise op, with inputs in ``[low, high)``, and the special
    values (NOTE [special values]); ``kinks`` are points where it is not differentiable."""

    def samples(rng: np.random.Generator, dtype: Any) -> Iterator[Sample]:
        for shape in shapes:
            yield Sample((make_array(rng, shape, dtype, low, high),), name=f"shape={shape}")
        yield Sample((special_array(dtype),), name="special values", grad=False)
        for v in special_scalars(dtype, low, high):
            yield Sample((np.asarray(v, dtype),), name=f"0-d {v!r}",
                         grad=v not in kinks)

    return samples


def binary_samples(low: float = -2.0, high: float = 2.0, low2: float | None = None,
                   high2: float | None = None, kink=None):
    """Samples for a broadcasting two-input op, including Python-scalar operands, and the
    special values (NOTE [special values]): all pairs of them for the forward tests, and 0-d
    pairs inside the domains for the derivative tests, except where ``kink(x, y)`` is true."""
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
        special = special_array(dtype)
        yield Sample((special[:, None], special), name="special values", grad=False)
        for x in special_scalars(dtype, low, high):
            for y in special_scalars(dtype, low2, high2):
                yield Sample((np.asarray(x, dtype), np.asarray(y, dtype)), name=f"0-d {x!r} {y!r}",
                             grad=kink is None or not kink(x, y))

    return samples


def with_complex(rows: list[OpInfo], names: str) -> None:
    """Add complex128 to the dtypes of the named rows: ops NumPy computes for complex inputs
    get complex samples, forward against NumPy and derivatives in both real directions
    (NOTE [complex check_grads] in lamina/testing/check_grads.py)."""
    wanted = set(names.split())
    for row in rows:
        if row.name in wanted and np.complex128 not in row.dtypes:
            row.dtypes = tuple(row.dtypes) + (np.complex128,)
            wanted.discard(row.name)
    assert not wanted, f"with_complex: no rows named {sorted(wanted)}"


def all_rows() -> list[OpInfo]:
    from tests.ops.rows import ROW_MODULES  # noqa: PLC0415

    rows: list[OpInfo] = []
    for module in ROW_MODULES:
        rows.extend(module.ROWS)
    return rows


OPS: list[OpInfo] = all_rows()
