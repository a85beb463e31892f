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

from lamina.errors import LaminaTypeError, TrackedConversionError

__all__ = ["array_ufunc", "array_function", "result_type", "can_cast", "min_scalar_type",
           "operand_kind", "PLAIN", "OPTED_OUT", "OVERRIDES_UFUNCS", "HIGHER_PRIORITY",
           "writes_ndarray", "into_ndarray"]


# -- NOTE [NEP 13 deferral] ------------------------------------------------------------------------
# A Tensor steps aside for other array types exactly where an ndarray would (NEP 13, and
# numpy's ``binop_should_defer``), so that ``tensor * data_array`` is what ``ndarray *
# data_array`` is (a DataArray):
# - an operand type with ``__array_ufunc__ = None`` has opted out of NumPy: the operator returns
#   NotImplemented (Python then asks the other operand); an in-place operator raises TypeError,
#   as ndarray's does;
# - an operand type that overrides ``__array_ufunc__`` is handed the operation through NumPy's
#   ufunc (``np.multiply(tensor, other)``): ``Tensor.__array_ufunc__`` returns NotImplemented for
#   operand types it does not know, so NumPy calls the other's ``__array_ufunc__``;
# - a type without ``__array_ufunc__`` but with a higher ``__array_priority__`` than
#   ``Tensor.__array_priority__`` (the legacy protocol) gets NotImplemented from the forward and
#   in-place operators, so its reflected operator runs;
# - anything else (lists, scalars, ndarrays and their subclasses that keep ndarray's
#   ``__array_ufunc__``, CuPy arrays, Tensors) is computed by lamina.
# The operator fast path (tensor-tensor, tensor-Python-scalar) never gets here. The same holds
# for ``__array_function__`` (NEP 18): an unknown type that implements it is given the call.

PLAIN, OPTED_OUT, OVERRIDES_UFUNCS, HIGHER_PRIORITY = range(4)
_ABSENT = object()
_kinds: dict[type, int] = {}


def operand_kind(kind: type) -> int:
    """How an operand of type ``kind`` meets a Tensor in an operator (NOTE [NEP 13 deferral]):
    PLAIN, OPTED_OUT, OVERRIDES_UFUNCS or HIGHER_PRIORITY. Cached per type."""
    found = _kinds.get(kind)
    if found is None:
        found = _kinds[kind] = _classify(kind)
    return found


def _is_known(kind: type, hook: Any, name: str) -> bool:
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    return (hook is getattr(Tensor, name) or hook is getattr(np.ndarray, name)
            or (getattr(kind, "__module__", "") or "").split(".")[0] == "cupy")


def _classify(kind: type) -> int:
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    hook = getattr(kind, "__array_ufunc__", _ABSENT)
    if hook is None:
        return OPTED_OUT
    if hook is not _ABSENT:
        return PLAIN if _is_known(kind, hook, "__array_ufunc__") else OVERRIDES_UFUNCS
    if issubclass(kind, Tensor):
        return PLAIN
    try:
        priority = float(getattr(kind, "__array_priority__", _ABSENT))
    except (TypeError, ValueError):
        return PLAIN
    return HIGHER_PRIORITY if priority > float(Tensor.__array_priority__) else PLAIN


def _foreign_ufunc_operand(values: Any) -> bool:
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    return any(type(v) is not Tensor and operand_kind(type(v)) == OVERRIDES_UFUNCS
               for v in values)


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
    if module.startswith("numpy.fft"):
        return getattr(lnp, "fft", None), "numpy.fft"
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

    out = kwargs.get("out", ())
    if _foreign_ufunc_operand(inputs) or _foreign_ufunc_operand(
            out if isinstance(out, tuple) else (out,)):
        return NotImplemented  # NOTE [NEP 13 deferral]: the other type's __array_ufunc__ decides
    if writes_ndarray(method, inputs, kwargs):
        return into_ndarray(ufunc, method, inputs, kwargs)
    name = ufunc.__name__
    ours = getattr(lnp, name, None)
    if ours is None or not callable(ours):
        raise _missing(f"numpy.{name}")
    if method == "__call__":  # also gufuncs such as matmul, plain functions in lamina
        return ours(*inputs, **kwargs)
    if method in ("reduce", "accumulate", "outer", "at") and hasattr(ours, method):
        return getattr(ours, method)(*inputs, **kwargs)
    raise _missing(f"numpy.{name}.{method}")


# -- NOTE [writing into NumPy arrays] -------------------------------------------------------------
# ``a -= lm.grad(f)(a)`` with ``a`` a NumPy array is ``np.subtract(a, g, out=(a,))``: NumPy's
# in-place operators never defer, so the ufunc reaches ``Tensor.__array_ufunc__`` with a NumPy
# array as the target. The target is NumPy's, so NumPy's semantics hold: outside transforms a
# tensor is just its values, which NumPy's own ufunc writes into the array (its casting rules,
# its errors such as ``UFuncTypeError`` for ``int_array += float_tensor``, its return value:
# the array). The same holds for every ufunc method with a NumPy target (``out=`` for
# ``__call__``/``reduce``/``accumulate``/``outer``, the first operand of ``at``) and for
# lamina's own ufuncs called with one (``lnp.add(a, t, out=a)``). A value a live transform
# tracks cannot be written into a NumPy array (it would drop out of the transform): TypeError,
# with the fix (make the array a lamina tensor). A tensor on another device is not copied to
# the host behind the user's back either.

def _is_ndarray(x: Any) -> bool:
    return isinstance(x, np.ndarray) and operand_kind(type(x)) == PLAIN


def writes_ndarray(method: str, inputs: tuple, kwargs: dict) -> bool:
    """Whether a ufunc call writes into a NumPy array (NOTE [writing into NumPy arrays])."""
    if method == "at":
        return bool(inputs) and _is_ndarray(inputs[0])
    out = kwargs.get("out")
    if out is None:
        return False
    return any(_is_ndarray(o) for o in (out if isinstance(out, tuple) else (out,)))


def into_ndarray(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Run NumPy's ``ufunc.<method>`` with every tensor operand as its values (NOTE [writing
    into NumPy arrays]); ``ufunc`` is NumPy's or lamina's (which knows NumPy's)."""
    ufunc = getattr(ufunc, "_np", ufunc)
    call = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    out = kwargs.get("out")
    if any(isinstance(o, Tensor) for o in (out if isinstance(out, tuple) else (out,))):
        raise LaminaTypeError(
            f"{call}: 'out' mixes NumPy arrays and lamina tensors; give outputs of one kind."
        )
    symbol = _INPLACE_SYMBOLS.get(ufunc.__name__)
    convert = _host_values(call, symbol)
    inputs = tuple(convert(x) for x in inputs)
    kwargs = {k: (tuple(convert(o) for o in v) if k == "out" and isinstance(v, tuple)
                  else convert(v)) for k, v in kwargs.items()}
    return getattr(ufunc, method)(*inputs, **kwargs)


_INPLACE_SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/",
                    "true_divide": "/", "floor_divide": "//", "remainder": "%", "power": "**",
                    "matmul": "@", "bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^",
                    "left_shift": "<<", "right_shift": ">>"}


def _traced_into_ndarray(call: str, symbol: str | None,
                         transform: str) -> TrackedConversionError:
    """NOTE [writing into NumPy arrays]'s error for a tracked operand (raise it), in the
    words and class of NOTE [tracked values leave only as scalars] (lamina/wrappers/tensor.py):
    writing into a NumPy array is a conversion to one."""
    how = f"a {symbol}= t, or out=a" if symbol else "out=a"
    rebind = f"a = a {symbol} t" if symbol else f"a = {call}(...) without out="
    if transform == "vmap":
        return TrackedConversionError(
            f"{call} into a NumPy array inside vmap ({how}): this tensor is batched, so it "
            "stands for one element of the batch, and a NumPy array cannot hold a traced value "
            "(it holds one value, not one per batch element). Stay in lamina: compute out of "
            f"place, {rebind}."
        )
    update = f"a {symbol}= t" if symbol else f"{call}(..., out=a)"
    return TrackedConversionError(
        f"{call} into a NumPy array inside {transform} ({how}): this tensor is tracked by the "
        "transform, and a NumPy array cannot hold a traced value: its derivative would silently "
        f"be lost. Stay in lamina: use a lamina tensor, a = lm.asarray(a), then {update}; or "
        f"compute out of place, {rebind}."
    )


def _host_values(call: str, symbol: str | None):
    """A function turning each tensor into a NumPy array of its values (an input of NumPy's
    ufunc, never written), refusing values a live transform tracks and tensors off the host."""
    from lamina.core import Wrapper, unwrap_dead  # noqa: PLC0415
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    def convert(x: Any) -> Any:
        if type(x) is tuple or type(x) is list:  # an index of ufunc.at may hold tensors
            return type(x)(convert(e) for e in x)
        if not isinstance(x, Tensor):
            return x
        value = unwrap_dead(x._lamina_read())
        if isinstance(value, Wrapper):
            raise _traced_into_ndarray(call, symbol, value.level.name)
        device = value.device
        if device.kind != "cpu":
            raise LaminaTypeError(
                f"{call}: a NumPy array cannot receive a lamina tensor on {device} (it would "
                "copy from the device behind your back); convert explicitly with t.numpy(), "
                "or use a lamina tensor as the target."
            )
        return device.from_device(value.realize())

    return convert


def array_function(func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    for kind in types:
        if not _is_known(kind, getattr(kind, "__array_function__", None), "__array_function__"):
            return NotImplemented  # NEP 18: a type lamina does not know is given the call
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
