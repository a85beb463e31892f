"""Reverse mode over the whole OpInfo table: ``check_grads(order=2)`` in float64.

Every differentiable op (rows not marked ``nondiff`` or ``random``) is differentiated with
respect to each of its floating-point array arguments, and the first and second derivatives
are checked against finite differences.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from lamina.testing import check_grads
from tests.conftest import DEVICES
from tests.ops.conftest import differentiable_rows
from tests.ops.helpers import to_lamina


def _float_leaves(args, path=(), kinds="f"):
    """Paths of the floating-point NumPy arrays in a sample's args (top level and lists);
    ``kinds="fc"`` takes complex arrays too."""
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray) and a.dtype.kind in kinds:
            yield path + (i,)
        elif isinstance(a, (list, tuple)):
            yield from _float_leaves(a, path + (i,), kinds)


def _replace(args, path, value):
    items = list(args)
    if len(path) == 1:
        items[path[0]] = value
    else:
        items[path[0]] = _replace(items[path[0]], path[1:], value)
    return type(args)(items) if not isinstance(args, list) else items


def _get(args, path):
    for i in path:
        args = args[i]
    return args


# Complex samples check the rules' complex arithmetic; shapes, axes and broadcasting are the
# real samples' job. So the complex derivative tests take at most this many samples of a row
# (the first ones and an even spread of the rest, special values among them): the default
# run stays fast.
COMPLEX_SAMPLES = 8


def derivative_samples(info, rng, dtype, kinds: str) -> list:
    """The samples a derivative test checks: differentiable ones with an array to
    differentiate; for complex dtypes at most ``COMPLEX_SAMPLES`` of them."""
    chosen = [s for s in info.samples(rng, dtype)
              if s.grad and list(_float_leaves(s.args, kinds=kinds))]
    if np.dtype(dtype).kind == "c" and len(chosen) > COMPLEX_SAMPLES:
        head, rest = chosen[:3], chosen[3:]
        picks = np.linspace(0, len(rest) - 1, COMPLEX_SAMPLES - 3).round().astype(int)
        chosen = head + [rest[i] for i in sorted(set(picks.tolist()))]
    return chosen


def check_table_row(info, device: str, modes: tuple, dtype=np.float64) -> None:
    """``check_grads(order=2, modes=modes)`` on every differentiable sample of a row, with
    respect to each of its floating-point (and, for a complex ``dtype``, complex) array
    arguments; complex ones in both real directions (NOTE [complex check_grads])."""
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    kinds = "fc" if np.dtype(dtype).kind == "c" else "f"
    checked = 0
    for sample in derivative_samples(info, rng, dtype, kinds):
        paths = list(_float_leaves(sample.args, kinds=kinds))
        base = to_lamina(sample.args, device)
        kwargs = to_lamina(sample.kwargs, device)

        def f(*diff, base=base, kwargs=kwargs, paths=paths):
            args = base
            for path, value in zip(paths, diff, strict=True):
                args = _replace(args, path, value)
            return info.op(*args, **kwargs)

        try:
            check_grads(f, [_get(base, p) for p in paths], order=2, modes=modes)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n  sample {sample.name!r}: lnp.{info.name}{sample!r}") from None
        checked += 1
    assert checked, f"{info.name}: no sample has a floating-point argument to differentiate"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows("test_grad")))
def test_grad(info, device):
    check_table_row(info, device, ("rev",))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows("test_grad_complex",
                                                          dtype=np.complex128)))
def test_grad_complex(info, device):
    check_table_row(info, device, ("rev",), np.complex128)
