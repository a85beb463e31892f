"""Error classes of lamina.

Each one subclasses the builtin exception a user would catch (NOTE [errors subclass builtins]),
so ``except ValueError`` around NumPy-style code keeps working when the arrays are lamina
tensors. Messages say what was called, what was wrong and how to fix it; build them where the
error is raised, in one place per kind of mistake.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LaminaError",
    "LaminaTypeError",
    "LaminaValueError",
    "LaminaIndexError",
    "LaminaRuntimeError",
    "LaminaZeroDivisionError",
    "LaminaOverflowError",
    "LaminaLinAlgError",
    "AxisError",
    "DeviceError",
    "UnsupportedDTypeError",
    "TrackedConversionError",
    "TracedValueError",
]


class LaminaError(Exception):
    """Base class of every error lamina raises on purpose."""


class LaminaTypeError(LaminaError, TypeError):
    """A value of the wrong type: an object/str dtype, a NumPy function lamina lacks, ..."""


class LaminaValueError(LaminaError, ValueError):
    """A value of the right type but the wrong content: shapes that do not broadcast, ..."""


class LaminaIndexError(LaminaError, IndexError):
    """An index out of range or of a kind NumPy would reject."""


class LaminaRuntimeError(LaminaError, RuntimeError):
    """An operation that cannot run here: a missing rule, an impossible evaluation, ..."""


class LaminaNotImplementedError(LaminaError, NotImplementedError):
    """A method a user-defined rule (lamina.Function) must override was not overridden."""


class LaminaZeroDivisionError(LaminaError, ZeroDivisionError):
    """A division by zero NumPy reports as an exception (``arange`` with step 0)."""


class LaminaOverflowError(LaminaError, OverflowError):
    """A value out of the representable range (a random range too wide to sample from)."""


class LaminaLinAlgError(LaminaError, np.linalg.LinAlgError):
    """A matrix NumPy's linalg rejects (not square, too few dimensions), caught by
    ``except numpy.linalg.LinAlgError`` as in NumPy (which subclasses ValueError)."""


class AxisError(LaminaError, np.exceptions.AxisError):
    """An axis out of range, caught by ``except numpy.exceptions.AxisError`` as in NumPy."""

    def __init__(self, message: str):
        # numpy's AxisError has a two-argument form; lamina always passes a full message.
        Exception.__init__(self, message)
        self._msg = message

    def __str__(self) -> str:
        return self._msg


class DeviceError(LaminaError, RuntimeError):
    """A device that cannot be used: CUDA without CuPy or a GPU, tensors on two devices."""


class UnsupportedDTypeError(LaminaTypeError):
    """A dtype lamina does not compute with (object, str, bytes, structured, datetime)."""


class TracedValueError(LaminaTypeError):
    """The value of a tensor read while ``lm.compile`` traces the function that computes it
    (``float(x)``, ``if x > 0``, ``np.asarray(x)``); JAX's ConcretizationTypeError."""


class TrackedConversionError(LaminaTypeError):
    """A tensor a transform tracks (grad, jvp, vmap) converted to a NumPy array or a Python
    list (``np.asarray(t)``, ``t.numpy()``, ``t.tolist()``), which would silently drop its
    derivative or its batch; JAX's TracerArrayConversionError."""
