"""Forward mode over the whole OpInfo table: ``check_grads(order=2, modes=("fwd",))`` in
float64 (jvp against finite differences, and forward against reverse mode)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import DEVICES
from tests.ops.conftest import differentiable_rows
from tests.ops.test_grad import check_table_row


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows("test_jvp", also=("test_grad",))))
def test_jvp(info, device):
    check_table_row(info, device, ("fwd",))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows(
    "test_jvp_complex", also=("test_grad_complex",), dtype=np.complex128)))
def test_jvp_complex(info, device):
    check_table_row(info, device, ("fwd",), np.complex128)
