"""Fixtures and row selection shared by the OpInfo-driven transform tests."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lamina.interpreters.vmap import VmapFallbackWarning
from tests.ops.opinfo import OPS


@pytest.fixture
def no_vmap_fallback():
    """vmap's loop fallback is an error: the table proves every op has a batch rule."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", VmapFallbackWarning)
        yield


def differentiable_rows(test: str, also: tuple[str, ...] = (), dtype=np.float64):
    """pytest params for the rows a derivative test covers (not "no grad", not random, with
    ``dtype`` among their dtypes), marked xfail by the row's ``xfail[test]`` (or by the first
    key of ``also``)."""
    for info in OPS:
        if info.nondiff or info.random or dtype not in info.dtypes:
            continue
        marks = []
        for key in (test, *also):
            if key in info.xfail:
                marks.append(pytest.mark.xfail(reason=info.xfail[key], strict=True))
                break
        yield pytest.param(info, id=info.name, marks=marks)
