"""Shared fixtures: the device parameter (CPU always; CUDA under ``-m gpu``, which
pyproject's addopts otherwise deselects)."""

from __future__ import annotations

import pytest

import lamina as lm


@pytest.fixture(autouse=True)
def _fresh_config():
    """Every test starts from the default settings, whatever the previous one changed."""
    with lm.config.override(eager=lm.config.eager, max_graph_depth=lm.config.max_graph_depth,
                            compile_after=lm.config.compile_after,
                            default_device=lm.config.default_device):
        yield


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]
