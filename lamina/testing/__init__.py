"""Testing utilities shipped to users, for their own (property-based) tests.

- ``check_grads``: derivatives against finite differences, reverse and forward, any order;
- ``check_vmap``: ``vmap(f)`` against a Python loop over the batch;
- ``assert_allclose``: ``numpy.testing.assert_allclose`` for tensors on any device and pytrees;
- ``lamina.testing.strategies``: Hypothesis strategies producing lamina tensors, shapes and
  axes (imported on first use; needs ``pip install hypothesis``).

>>> from lamina.testing import assert_allclose, check_grads, check_vmap
"""

from lamina.testing.check_grads import check_grads, numerical_jvp
from lamina.testing.compare import assert_allclose
from lamina.testing.vmap_check import check_vmap

__all__ = ["check_grads", "numerical_jvp", "assert_allclose", "check_vmap", "strategies"]


def __getattr__(name: str):
    # `lamina.testing.strategies` imports Hypothesis, a test dependency: load it on first use.
    if name == "strategies":
        import importlib  # noqa: PLC0415

        return importlib.import_module("lamina.testing.strategies")
    raise AttributeError(f"module 'lamina.testing' has no attribute {name!r}")
