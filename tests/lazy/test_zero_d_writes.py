"""Writing into a 0-d result (of a ufunc, a reduction, an index, a product) keeps it readable:
every kernel result is an array, never a NumPy scalar (NOTE [kernel results are arrays] in
lamina/lazy/graph.py), in the interpreter, the compiled program and eager mode."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

MAKERS = {
    "mean": lambda v: v.mean(),
    "ufunc": lambda v: lnp.sin(v[0] * 1.0),
    "index": lambda v: v[0],
    "product": lambda v: lm.asarray(3.0) * 2,
    "sum": lambda v: v.sum(),
    "maximum": lambda v: lnp.maximum(v[0], v[1]),
}


@pytest.mark.parametrize("eager", [False, True])
@pytest.mark.parametrize("name", list(MAKERS))
def test_write_into_a_zero_d_result(name, eager):
    with lm.config.override(eager=eager):
        for _ in range(4):  # cold (interpreted) and warm (compiled) graphs
            v = lm.asarray([1.0, 2.0])
            m = MAKERS[name](v)
            m[...] = 0
            assert float(m) == 0.0
            m += 5
            assert m.item() == 5.0
            assert repr(m) == "Tensor(5., device='cpu')"


def test_zero_d_values_are_arrays_inside_a_graph():
    for _ in range(4):
        x = lm.asarray(2.0)
        y = lnp.sin(x) * 0 + 1  # 0-d intermediates feed a setitem below
        y[...] = y + 1
        z = y * 3
        assert float(z) == 6.0
        assert isinstance(np.asarray(z), np.ndarray)
