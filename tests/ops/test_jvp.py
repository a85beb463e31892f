"""Forward mode over the whole OpInfo table: ``check_grads(order=2, modes=("fwd",))`` in
float64 (jvp against finite differences, and forward against reverse mode)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from lamina.testing import check_grads
from tests.conftest import DEVICES
from tests.ops.conftest import differentiable_rows
from tests.ops.helpers import to_lamina
from tests.ops.test_grad import _float_leaves, _get, _replace


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows("test_jvp", also=("test_grad",))))
def test_jvp(info, device):
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    checked = 0
    for sample in info.samples(rng, np.float64):
        paths = list(_float_leaves(sample.args))
        if not paths or not sample.grad:
            continue
        base = to_lamina(sample.args, device)
        kwargs = to_lamina(sample.kwargs, device)

        def f(*diff, base=base, kwargs=kwargs, paths=paths):
            args = base
            for path, value in zip(paths, diff, strict=True):
                args = _replace(args, path, value)
            return info.op(*args, **kwargs)

        try:
            check_grads(f, [_get(base, p) for p in paths], order=2, modes=("fwd",))
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n  sample {sample.name!r}: lnp.{info.name}{sample!r}") from None
        checked += 1
    assert checked, f"{info.name}: no sample has a floating-point argument to differentiate"
