"""Every public function of ``lamina.numpy`` (with ``linalg`` and ``random``) and
``lamina.special`` documents itself with a runnable example.

Two rules, so neither can regress: each public callable has a docstring whose first line says
what it does and which holds a ``>>>`` example; and ``doctest``'s finder really collects that
example from the owning module (ufunc instances are invisible to it, so ``_ufuncs.__test__``
hands them over: NOTE [ufunc docstrings]), which ``--doctest-modules`` then runs.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import inspect
import pathlib

import pytest

import lamina.numpy as lnp
import lamina.numpy.linalg
import lamina.numpy.random
import lamina.special

NAMESPACES = (lnp, lamina.numpy.linalg, lamina.numpy.random, lamina.special)
# Public classes whose public methods are API too (``lnp.add.reduce``, ``rng.normal``).
CLASSES = (lnp.ufunc, lamina.numpy.random.Generator)


def _is_lamina(obj) -> bool:
    return isinstance(obj, lnp.ufunc) or getattr(obj, "__module__", "").startswith("lamina.")


def _public() -> dict:
    """``{public name: object}`` for every callable lamina defines in the namespaces (NumPy's
    re-exported dtypes, constants and ``LinAlgError`` are not ours to document)."""
    found = {}
    for mod in NAMESPACES:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and _is_lamina(obj):
                found[f"{mod.__name__}.{name}"] = obj
    for cls in CLASSES:
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
        for name, member in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(member):
                found[f"{cls.__module__}.{cls.__qualname__}.{name}"] = member
    return found


PUBLIC = _public()


def _doctest_name(obj) -> tuple[str, str]:
    """(owning module, the name doctest gives the example of ``obj``)."""
    if isinstance(obj, lnp.ufunc):
        return "lamina.numpy._ufuncs", f"lamina.numpy._ufuncs.__test__.{obj.__name__}"
    return obj.__module__, f"{obj.__module__}.{obj.__qualname__}"


@functools.cache
def _collected(module_name: str) -> dict:
    """``{doctest name: number of examples}`` as doctest (and pytest's doctest plugin) finds
    them in ``module_name``, its ``__test__`` included."""
    module = importlib.import_module(module_name)
    return {t.name: len(t.examples) for t in doctest.DocTestFinder().find(module)}


def test_the_namespaces_are_covered():
    # A guard on the guard: the lists above really hold the API (a few names of each kind).
    for name in ("lamina.numpy.sin", "lamina.numpy.sum", "lamina.numpy.reshape",
                 "lamina.numpy.linalg.svd", "lamina.numpy.random.normal",
                 "lamina.numpy.random.Generator.integers", "lamina.numpy._ufuncs.ufunc.reduce",
                 "lamina.special.logsumexp"):
        assert name in PUBLIC
    assert "lamina.numpy.pi" not in PUBLIC and "lamina.numpy.float32" not in PUBLIC
    assert len(PUBLIC) > 250


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_callable_has_an_example(name):
    doc = PUBLIC[name].__doc__ or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    assert first and not first.startswith(">>>"), (
        f"{name}: the docstring must open with a line saying what it does"
    )
    assert ">>>" in doc, f"{name}: the docstring has no '>>>' example"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_doctest_collects_the_example(name):
    module, test_name = _doctest_name(PUBLIC[name])
    collected = _collected(module)
    assert collected.get(test_name, 0) > 0, (
        f"{name}: doctest finds no example named {test_name!r} in {module}; a docstring "
        "attached where doctest does not look (an instance, an object from another module) "
        "needs an entry in that module's __test__"
    )


def test_ufunc_docstrings_are_per_ufunc():
    # Each ufunc's example calls that ufunc (aliases share the object, so share the example).
    for name in lnp._ufuncs._PUBLIC:
        uf = getattr(lnp, name)
        assert f">>> lnp.{name}(" in uf.__doc__, name
    assert lnp.abs is lnp.absolute and "``abs``" in lnp.absolute.__doc__


def test_doctests_run_with_the_suite():
    # The examples run because pytest collects doctests from the package itself.
    tomllib = pytest.importorskip("tomllib")
    root = pathlib.Path(__file__).resolve().parents[2]
    options = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]
    assert "--doctest-modules" in options["addopts"]
    assert "lamina" in options["testpaths"]
