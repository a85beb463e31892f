"""NumPy's dispatch protocols: ``np.sin(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, a])``.

``__array_ufunc__`` and ``__array_function__`` on ``Tensor`` route NumPy calls to the function
of the same name in ``lamina.numpy`` (or its ``linalg``/``random``/``fft`` namespaces), so code
written against ``import numpy as np`` runs on lamina tensors and stays inside transforms. A
NumPy function lamina lacks raises ``TypeError`` naming it: never a silent conversion to a NumPy
array, which would drop out of a transform.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.errors import LaminaTypeError

__all__ = ["array_ufunc", "array_function", "result_type", "can_cast", "min_scalar_type"]


def _namespace(module: str):
    import lamina.numpy as lnp  # noqa: PLC0415

    if module in ("numpy", "numpy.core", "numpy._core", "numpy.core.multiarray",
                  "numpy._core.multiarray", "numpy._core.numeric", "numpy._core.fromnumeric",
                  "numpy.lib", "numpy.lib._function_base_impl", "numpy.lib._shape_base_impl"):
        return lnp, "numpy"
    if module.startswith("numpy.linalg"):
        return getattr(lnp, "linalg", None), "numpy.linalg"
    if module.startswith("numpy.random"):
        return getattr(lnp, "random", None), "numpy.random"
    if module.startswith("numpy."):
        return lnp, "numpy"
    return None, module


def _missing(qualname: str) -> LaminaTypeError:
    return LaminaTypeError(
        f"{qualname} is not implemented by lamina, so it cannot run on lamina tensors (turning "
        "them into NumPy arrays silently would drop them out of any transform). Use the "
        "lamina.numpy functions it is built from, or convert explicitly with t.numpy() if you "
        "do not need derivatives through it."
    )


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    import lamina.numpy as lnp  # noqa: PLC0415

    name = ufunc.__name__
    ours = getattr(lnp, name, None)
    if ours is None or not callable(ours):
        raise _missing(f"numpy.{name}")
    if method == "__call__":  # also gufuncs such as matmul, plain functions in lamina
        return ours(*inputs, **kwargs)
    if method in ("reduce", "accumulate", "outer") and hasattr(ours, method):
        return getattr(ours, method)(*inputs, **kwargs)
    raise _missing(f"numpy.{name}.{method}")


def array_function(func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    namespace, prefix = _namespace(getattr(func, "__module__", "") or "")
    name = func.__name__
    ours = getattr(namespace, name, None) if namespace is not None else None
    if ours is None or ours is func:
        raise _missing(f"{prefix}.{name}")
    return ours(*args, **kwargs)


# -- dtype queries -------------------------------------------------------------------------------
# NOTE [dtype queries take tensors]: NumPy's result_type, can_cast and min_scalar_type read only
# their arguments' dtypes (NumPy 2 has no value-based casting for arrays), so a tensor stands for
# an array of its dtype and nothing is evaluated; ``np.result_type(t, ...)`` reaches these
# through ``__array_function__``. min_scalar_type of a 0-d tensor is the one that reads a value.

def _as_dtype_operand(a: Any) -> Any:
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    if isinstance(a, Tensor) or hasattr(a, "__cuda_array_interface__"):
        return a.dtype
    return a


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """The dtype NumPy's promotion gives its arguments (tensors, arrays, dtypes, scalars).

    A tensor counts as an array of its dtype, as in ``numpy.result_type``; Python scalars are
    weak (NumPy 2).

    >>> import lamina.numpy as lnp
    >>> lnp.result_type(lnp.ones(2, dtype="float32"), 1.0)
    dtype('float32')
    >>> lnp.result_type(lnp.arange(3), "float32")
    dtype('float64')
    """
    return np.result_type(*(_as_dtype_operand(a) for a in arrays_and_dtypes))


def can_cast(from_: Any, to: Any, casting: str = "safe") -> bool:
    """Whether a cast from ``from_`` (a tensor, array or dtype) to dtype ``to`` is allowed
    under ``casting`` (``'no'``, ``'equiv'``, ``'safe'``, ``'same_kind'``, ``'unsafe'``).

    >>> import lamina.numpy as lnp
    >>> x = lnp.ones(2, dtype="int8")
    >>> lnp.can_cast(x, "int64"), lnp.can_cast(x, "uint8")
    (True, False)
    """
    return np.can_cast(_as_dtype_operand(from_), to, casting=casting)


def min_scalar_type(a: Any) -> np.dtype:
    """The smallest dtype that holds ``a``: its own dtype for a tensor with dimensions, the
    smallest one for its value when it is 0-d (as ``numpy.min_scalar_type``).

    >>> import lamina.numpy as lnp
    >>> lnp.min_scalar_type(lnp.asarray(200)), lnp.min_scalar_type(lnp.arange(3))
    (dtype('uint8'), dtype('int64'))
    """
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    if isinstance(a, Tensor):
        return a.dtype if a.ndim else np.min_scalar_type(a.numpy())
    return np.min_scalar_type(a)
