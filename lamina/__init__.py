"""lamina: composable function transforms for NumPy and CuPy array code.

>>> import lamina as lm
>>> import lamina.numpy as lnp
>>> x = lm.asarray([1.0, 2.0, 3.0])
>>> lnp.sum(lnp.sin(x) ** 2 + lnp.cos(x) ** 2).item()
3.0
"""

from lamina import lazy
from lamina.config import config
from lamina.errors import (
    AxisError,
    DeviceError,
    LaminaError,
    LaminaIndexError,
    LaminaLinAlgError,
    LaminaRuntimeError,
    LaminaTypeError,
    LaminaValueError,
    TracedValueError,
    TrackedConversionError,
    UnsupportedDTypeError,
)
from lamina.lazy.devices import Device
from lamina.wrappers.tensor import Tensor
from lamina import numpy
from lamina import special
from lamina import nn
from lamina.numpy import array, asarray  # noqa: F401
from lamina.evaluation import eval  # noqa: A004 - the documented name, like MLX's mx.eval
from lamina.transforms.grad import grad, grad_and_value, value_and_grad, vjp
from lamina.transforms.vmap import jacrev, vmap
from lamina.transforms.jvp import hessian, jacfwd, jvp, linearize
from lamina.transforms.functionalize import functionalize
from lamina.lazy.trace import make_graph
from lamina.transforms.compile import compile  # noqa: A004 - the documented name
from lamina.transforms.custom import Function, FunctionCtx
from lamina.transforms.stop_gradient import stop_gradient
from lamina import library
from lamina import testing
from lamina.misc import ravel_pytree

__version__ = "0.1.0"

__all__ = [
    "Tensor", "Device", "asarray", "array", "eval",
    "grad", "grad_and_value", "value_and_grad", "vjp", "vmap", "jacrev",
    "jvp", "linearize", "jacfwd", "hessian", "functionalize", "make_graph", "compile",
    "Function", "FunctionCtx", "library", "testing", "ravel_pytree",
    "stop_gradient",
    "config", "lazy", "numpy", "special", "nn",
    "LaminaError", "LaminaTypeError", "LaminaValueError", "LaminaIndexError",
    "LaminaRuntimeError", "LaminaLinAlgError", "AxisError", "DeviceError", "UnsupportedDTypeError",
    "TrackedConversionError", "TracedValueError",
]
