"""Every public function of lamina documents itself with a runnable example.

The API is what the public namespaces export (``lamina``, ``lamina.numpy`` with ``linalg``,
``random`` and ``fft``, ``lamina.special``, ``lamina.nn``, ``lamina.testing`` with ``strategies``,
``lamina.library``, ``lamina.lazy``) plus the public methods and properties of the classes
users hold or subclass (``Tensor``, ``Function``, ``FunctionCtx``, the graph ``make_graph``
returns, ...).

Two rules, so neither can regress: each public callable has a docstring whose first line says
what it does and which holds a ``>>>`` example; and ``doctest``'s finder really collects that
example from the owning module (ufunc instances are invisible to it, so ``_ufuncs.__test__``
hands them over: NOTE [ufunc docstrings]), which ``--doctest-modules`` then runs. Exception
classes are documented by their messages, not by examples, and are left out.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import inspect
import pathlib

import pytest

import lamina as lm
import lamina.lazy.trace
import lamina.numpy as lnp
import lamina.numpy.fft
import lamina.numpy.linalg
import lamina.numpy.random
import lamina.special
import lamina.testing.strategies
from lamina.config import Config
from lamina.library import CustomOp, ShapeDtype

NAMESPACES = (lm, lnp, lamina.numpy.linalg, lamina.numpy.random, lamina.numpy.fft, lamina.special,
              lm.nn, lm.testing, lamina.testing.strategies, lm.library, lm.lazy)
# Public classes whose public methods and properties are API too (``lnp.add.reduce``,
# ``rng.normal``, ``t.sum``, ``ctx.save_for_backward``, ``graph.op_names``).
CLASSES = (lnp.ufunc, lamina.numpy.random.Generator, lm.Tensor, lm.Device, lm.Function,
           lm.FunctionCtx, CustomOp, ShapeDtype, Config, lamina.lazy.trace.Graph,
           lamina.lazy.trace.Equation, lamina.lazy.trace.Var, lamina.lazy.trace.Literal)


def _is_lamina(obj) -> bool:
    return isinstance(obj, lnp.ufunc) or getattr(obj, "__module__", "").startswith("lamina.")


def _documented(obj) -> bool:
    return callable(obj) and _is_lamina(obj) and not (
        inspect.isclass(obj) and issubclass(obj, BaseException))


def _members(cls) -> dict:
    """``{name: function}`` for the public methods and properties ``cls`` defines (the getter
    carries a property's docstring; static and class methods are unwrapped). An alias
    (``save_for_forward = save_for_backward``) shares its original's example, which doctest
    collects once, under the first name."""
    found = {}
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            member = member.fget
        elif isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member) and all(member is not m for m in found.values()):
            found[name] = member
    return found


def _public() -> dict:
    """``{public name: (object, owning module, the name doctest gives its example)}`` for
    every callable lamina defines in the namespaces (NumPy's re-exported dtypes, constants
    and ``LinAlgError`` are not ours to document)."""
    found = {}
    for mod in NAMESPACES:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if _documented(obj):
                found[f"{mod.__name__}.{name}"] = (obj, *_doctest_name(obj))
    for cls in CLASSES:
        owner = f"{cls.__module__}.{cls.__qualname__}"
        found[owner] = (cls, cls.__module__, owner)
        for name, member in _members(cls).items():
            found[f"{owner}.{name}"] = (member, cls.__module__, f"{owner}.{name}")
    return found


def _doctest_name(obj) -> tuple[str, str]:
    """(owning module, the name doctest gives the example of ``obj``)."""
    if isinstance(obj, lnp.ufunc):
        # NOTE [ufunc docstrings]: in the ``__test__`` of the module that made the ufunc.
        home = getattr(obj, "_home", "lamina.numpy._ufuncs")
        return home, f"{home}.__test__.{obj.__name__}"
    return obj.__module__, f"{obj.__module__}.{obj.__qualname__}"


PUBLIC = _public()


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
                 "lamina.special.logsumexp", "lamina.grad", "lamina.vmap", "lamina.make_graph",
                 "lamina.nn.conv2d", "lamina.nn.max_pool1d", "lamina.testing.check_grads",
                 "lamina.testing.strategies.arrays", "lamina.library.custom_op",
                 "lamina.lazy.metrics", "lamina.wrappers.tensor.Tensor.sum",
                 "lamina.wrappers.tensor.Tensor.shape", "lamina.wrappers.tensor.Tensor.reshape",
                 "lamina.transforms.custom.Function.backward",
                 "lamina.transforms.custom.FunctionCtx.saved_tensors",
                 "lamina.library.CustomOp.register_vmap", "lamina.lazy.trace.Graph.op_names"):
        assert name in PUBLIC, name
    for name in ("lamina.numpy.pi", "lamina.numpy.float32", "lamina.LaminaValueError"):
        assert name not in PUBLIC, name
    assert len(PUBLIC) > 400


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_callable_has_an_example(name):
    doc = PUBLIC[name][0].__doc__ or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    assert first and not first.startswith(">>>"), (
        f"{name}: the docstring must open with a line saying what it does"
    )
    assert ">>>" in doc, f"{name}: the docstring has no '>>>' example"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_doctest_collects_the_example(name):
    _, module, test_name = PUBLIC[name]
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
