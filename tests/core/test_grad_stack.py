"""The Grad interpreter on toy values: Python floats below the stack, no lazy backend.

A toy backend computes the elementwise primitives on ``Scalar`` (a float with the shape, dtype
and device every value has), so these tests exercise only the layer stack: levels, lower,
nesting order, dead wrappers and perturbation confusion.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lamina import core
from lamina.interpreters.grad import GradInterpreter, backward
from lamina.lazy.graph import LazyTensor
from lamina.ops.elementwise import BINARY, UNARY
from lamina.wrappers.wrapper import TensorWrapper


class Scalar(float):
    shape = ()
    dtype = np.dtype(np.float64)
    device = None


_KERNELS = {
    "add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b, "divide": lambda a, b: a / b,
    "negative": lambda a: -a, "sin": math.sin, "cos": math.cos, "exp": math.exp,
}


def toy_backend(prim, args, params):
    values = [float(a.realize()) if isinstance(a, LazyTensor) else float(a) for a in args]
    return Scalar(_KERNELS[prim.name](*values))


@pytest.fixture(autouse=True)
def _toy():
    original = core._backend
    core.set_backend(toy_backend)
    yield
    core.set_backend(original)


def mul(a, b):
    return core.bind(BINARY["multiply"], a, b)


def sin(a):
    return core.bind(UNARY["sin"], a)


def toy_grad(f):
    """A minimal grad over the core pieces, on toy scalars."""
    def df(x):
        interpreter = GradInterpreter()
        with core.push_interpreter(interpreter):
            xw = TensorWrapper(x if isinstance(x, core.Wrapper) else Scalar(x), interpreter.level)
            out = f(xw)
        if not (isinstance(out, TensorWrapper) and out.level is interpreter.level):
            return Scalar(0.0)
        (g,) = backward([(out, Scalar(1.0))], [xw])
        return g if g is not None else Scalar(0.0)
    return df


def test_first_and_second_derivatives():
    assert toy_grad(lambda x: mul(x, x))(3.0) == 6.0
    assert toy_grad(toy_grad(lambda x: mul(mul(x, x), x)))(2.0) == 12.0
    assert toy_grad(sin)(0.5) == pytest.approx(math.cos(0.5))
    assert toy_grad(toy_grad(sin))(0.5) == pytest.approx(-math.sin(0.5))


def test_perturbation_confusion():
    # The inner derivative is taken with respect to y only: d/dy (x * y) = x, whose
    # derivative with respect to x is 1 (a level-confusing implementation gives 2).
    assert toy_grad(lambda x: toy_grad(lambda y: mul(x, y))(x))(1.0) == 1.0


def test_constant_function_and_levels_step_aside():
    interpreter = GradInterpreter()
    with core.push_interpreter(interpreter):
        out = mul(Scalar(2.0), Scalar(3.0))  # nothing wrapped at this level
    assert type(out) is Scalar and out == 6.0
    assert toy_grad(lambda x: Scalar(5.0))(1.0) == 0.0


def test_nesting_order_and_lower():
    outer, inner = GradInterpreter(), GradInterpreter()
    with core.push_interpreter(outer):
        a = TensorWrapper(Scalar(2.0), outer.level)
        with core.push_interpreter(inner):
            b = TensorWrapper(Scalar(3.0), inner.level)
            c = mul(a, b)
            assert c.level is inner.level and c.value.level is outer.level
            with inner.lower():
                assert core.current_interpreters() == (outer,)
        assert core.current_interpreters() == (outer,)


def test_dead_wrappers_are_unwrapped_transparently():
    interpreter = GradInterpreter()
    with core.push_interpreter(interpreter):
        leaked = TensorWrapper(Scalar(4.0), interpreter.level)
    assert not interpreter.level.alive
    other = GradInterpreter()
    with core.push_interpreter(other):
        out = mul(leaked, Scalar(2.0))
    assert type(out) is Scalar and out == 8.0
