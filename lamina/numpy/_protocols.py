"""NumPy's dispatch protocols: ``np.sin(t)``, ``np.sum(t, axis=0)``, ``np.concatenate([t, a])``.

``__array_ufunc__`` and ``__array_function__`` on ``Tensor`` route NumPy calls to the function
of the same name in ``lamina.numpy`` (or its ``linalg``/``random``/``fft`` namespaces), so code
written against ``import numpy as np`` runs on lamina tensors and stays inside transforms. A
NumPy function lamina lacks raises ``TypeError`` naming it: never a silent conversion to a NumPy
array, which would drop out of a transform.
"""

from __future__ import annotations

from typing import Any

from lamina.errors import LaminaTypeError

__all__ = ["array_ufunc", "array_function"]


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
