"""Every lazy-backend test starts with an empty compile cache and zeroed metrics, so counts of
compiles, executions and evaluations are the test's own."""

from __future__ import annotations

import pytest

import lamina as lm


@pytest.fixture(autouse=True)
def _clean_backend():
    lm.lazy.cache_clear()
    lm.lazy.reset_metrics()
    yield
