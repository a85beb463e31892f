"""Shared fixtures: the device parameter (CPU always; CUDA under ``-m gpu``)."""

from __future__ import annotations

import pytest

import lamina as lm


def pytest_collection_modifyitems(config, items):
    # GPU tests run only when asked for with -m gpu (pyproject's addopts deselects them).
    pass


@pytest.fixture(autouse=True)
def _fresh_config():
    """Every test starts from the default settings, whatever the previous one changed."""
    with lm.config.override(eager=lm.config.eager, max_graph_depth=lm.config.max_graph_depth,
                            compile_after=lm.config.compile_after,
                            default_device=lm.config.default_device):
        yield


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]
