"""Forward values of every op in the OpInfo table against NumPy: shape and dtype, then values.

Each row runs lazily (interpreted, then compiled on the second run of the same graph) and in
eager mode, which also checks that each kernel returns what its shape rule promised.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import lamina as lm
from tests.conftest import DEVICES
from tests.ops.helpers import assert_matches, to_lamina
from tests.ops.opinfo import OPS


def _cases():
    for info in OPS:
        for dtype in info.dtypes:
            marks = []
            if "test_forward" in info.xfail:
                marks.append(pytest.mark.xfail(reason=info.xfail["test_forward"], strict=True))
            yield pytest.param(info, dtype, id=f"{info.name}-{np.dtype(dtype).name}",
                               marks=marks)


def _rng(info, dtype) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{info.name}/{np.dtype(dtype).name}".encode()))


def _check(info, dtype, device, runs: int) -> None:
    for sample in info.samples(_rng(info, dtype), dtype):
        expected = None if info.random else info.ref(*sample.args, **sample.kwargs)
        for _ in range(runs):
            args = to_lamina(sample.args, device)
            kwargs = to_lamina(sample.kwargs, device)
            actual = info.op(*args, **kwargs)
            if info.random:
                expected = info.ref(*sample.args, **sample.kwargs) if info.ref else actual
                assert_matches(actual, expected, info, sample, dtype, device, check_values=False)
            else:
                assert_matches(actual, expected, info, sample, dtype, device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info, dtype", list(_cases()))
def test_forward(info, dtype, device):
    # Twice: the first run interprets the graph, the second hits the cache and compiles it.
    with lm.config.override(compile_after=2):
        _check(info, dtype, device, runs=2)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info, dtype", list(_cases()))
def test_forward_eager(info, dtype, device):
    with lm.config.override(eager=True):
        _check(info, dtype, device, runs=1)
