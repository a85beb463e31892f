"""The layer stack with a toy interpreter: dispatch, stepping aside, exception safety.

The transform issues add the real interpreters; this checks the core mechanism on its own.
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import core


class Tagged:
    """A toy wrapper owned by one level."""

    def __init__(self, value, level):
        self.value, self.level = value, level
        self.shape, self.dtype, self.device = value.shape, value.dtype, value.device


class CountingInterpreter(core.Interpreter):
    name = "count"

    def __init__(self):
        super().__init__()
        self.seen = []

    def owns(self, value):
        return isinstance(value, Tagged) and value.level is self.level

    def process_primitive(self, prim, args, params):
        self.seen.append(prim.name)
        inner = [a.value if self.owns(a) else a for a in args]
        with self.lower():
            out = core.bind(prim, *inner, **params)
        return Tagged(out, self.level)


def test_empty_stack_reaches_the_backend():
    assert core.current_interpreters() == ()
    assert isinstance(lnp.sin(lm.asarray([1.0])), lm.Tensor)


def test_interpreter_processes_its_own_values_and_steps_aside_otherwise():
    x = lm.asarray([1.0, 2.0])._lamina_read()
    interp = CountingInterpreter()
    with core.push_interpreter(interp):
        mine = Tagged(x, interp.level)
        out = core.bind(lnp.sin._prim, mine)
        assert isinstance(out, Tagged) and out.level is interp.level
        plain = core.bind(lnp.sin._prim, x)  # nothing wrapped at this level: fast path
        assert not isinstance(plain, Tagged)
    assert interp.seen == ["sin"]
    np.testing.assert_allclose(out.value.realize(), np.sin([1.0, 2.0]))


def test_levels_are_identities_and_die_on_exit():
    a, b = CountingInterpreter(), CountingInterpreter()
    assert a.level is not b.level
    with core.push_interpreter(a):
        assert a.level.alive
        assert core.current_interpreters() == (a,)
    assert not a.level.alive
    assert "dead" in repr(a.level)


def test_an_exception_inside_a_transform_leaves_the_stack_as_it_was():
    outer, inner = CountingInterpreter(), CountingInterpreter()
    with core.push_interpreter(outer):
        with pytest.raises(ZeroDivisionError):
            with core.push_interpreter(inner):
                with inner.lower():
                    raise ZeroDivisionError
        assert core.current_interpreters() == (outer,)
    assert core.current_interpreters() == ()


def test_missing_rule_error_names_transform_and_op():
    err = core.missing_rule("vmap", lnp.sin._prim)
    assert isinstance(err, RuntimeError)
    assert "vmap" in str(err) and "'sin'" in str(err)
