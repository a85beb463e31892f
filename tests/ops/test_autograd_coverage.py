"""Issue 15's coverage rule: every function HIPS/autograd differentiates in its ``numpy``,
``numpy.linalg`` and ``numpy.fft`` modules is in lamina, with a derivative: a public name with
an OpInfo row that is not "no grad" (the rows' derivative tests then check it).

The list is autograd's own registry of vjps (``autograd.core.primitive_vjps``), read at test
time, so a function autograd adds is a new failure here."""

from __future__ import annotations

import pytest

from tests.ops.opinfo import OPS

autograd_core = pytest.importorskip("autograd.core")
pytest.importorskip("autograd.numpy.linalg")
pytest.importorskip("autograd.numpy.fft")

_MODULES = {"numpy": "", "numpy.linalg": "linalg.", "numpy.fft": "fft."}
# Names autograd registers whose lamina spelling differs (autograd differentiates NumPy's
# aliases and methods under their implementation names).
_SPELLING = {"amax": "max", "amin": "min", "conjugate": "conj"}
# Not built yet: each with the reason (expected failures are data, tests/ops/opinfo.py).
NOT_YET = {
    "partition": "issue 15: set and searching routines, in progress",
    "linalg.eig": "issue 15: linalg.eig with derivatives, in progress",
}


def autograd_names() -> list[str]:
    names = set()
    for prim in autograd_core.primitive_vjps:
        fun = getattr(prim, "fun", prim)
        prefix = _MODULES.get(getattr(fun, "__module__", None))
        if prefix is None:
            continue  # autograd's own helpers (containers, adjoints)
        name = getattr(prim, "__name__", "")
        names.add(prefix + _SPELLING.get(name, name))
    return sorted(names)


DIFFERENTIABLE = {info.name for info in OPS if not info.nondiff and not info.random}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=NOT_YET[n], strict=False))
    if n in NOT_YET else n for n in autograd_names()])
def test_autograd_differentiates_it_so_lamina_does(name):
    assert name in DIFFERENTIABLE, (
        f"autograd differentiates numpy {name!r}; lamina needs it with a derivative and a "
        "differentiable OpInfo row")


def test_the_list_is_autograds():
    names = autograd_names()
    assert len(names) > 100 and "sin" in names and "linalg.inv" in names and "fft.fft" in names
