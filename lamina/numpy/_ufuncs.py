"""NumPy's ufuncs on lamina tensors: ``lnp.sin``, ``lnp.add``, ... with ``out=`` and
``.reduce`` / ``.accumulate`` / ``.outer``; plus ``where``, ``clip``, ``round`` and the complex
parts (``real``/``imag`` are views, as in NumPy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError
from lamina.numpy._handles import (
    check_out,
    device_among,
    handle,
    scalar_or_value,
    value_of,
    view_of,
    write_out,
)
from lamina.ops import elementwise as ew
from lamina.ops.common import is_scalar, is_value
from lamina.wrappers.tensor import Tensor

_PY_SCALARS = (bool, int, float, complex)

__all__ = ["ufunc"]


class ufunc:  # noqa: N801 - NumPy's name for the type
    """An elementwise function with NumPy's calling convention and methods.

    >>> import lamina.numpy as lnp
    >>> lnp.add(lnp.asarray([1.0, 2.0]), 1)
    Tensor([2., 3.], device='cpu')
    >>> lnp.add.reduce(lnp.asarray([[1, 2], [3, 4]]))
    Tensor([4, 6], device='cpu')
    """

    def __init__(self, name: str, prim) -> None:
        self.__name__ = name
        self._prim = prim
        self._np = getattr(np, prim.ufunc)
        self.nin = self._np.nin
        self.nout = 1
        self.__doc__ = f"lamina's ``{name}``, elementwise, as ``numpy.{prim.ufunc}``."

    def __repr__(self) -> str:
        return f"<lamina ufunc '{self.__name__}'>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # NOTE [operator fast path]: a call on tensors with no keywords goes straight to bind.
        if not kwargs:
            if len(args) == 1 and type(args[0]) is Tensor:
                return handle(bind(self._prim, args[0]._lamina_read()))
            if len(args) == 2:
                a, b = args
                ta, tb = type(a), type(b)
                if (ta is Tensor or ta in _PY_SCALARS) and (tb is Tensor or tb in _PY_SCALARS) \
                        and (ta is Tensor or tb is Tensor):
                    return handle(ew.binary_values(
                        self._prim,
                        a._lamina_read() if ta is Tensor else a,
                        b._lamina_read() if tb is Tensor else b,
                    ))
        return self._call(*args, **kwargs)

    def _call(self, *args: Any, out: Any = None, dtype: Any = None, where: Any = True,
              casting: str = "same_kind", order: str = "K", subok: bool = True) -> Any:
        name = self.__name__
        if len(args) != self.nin:
            if len(args) == self.nin + 1 and out is None:  # positional out, as NumPy allows
                *args, out = args
            else:
                raise LaminaTypeError(
                    f"{name}() takes {self.nin} positional input(s) but {len(args)} were given"
                )
        if where is not True:
            raise LaminaTypeError(
                f"{name}(..., where=...) is not supported by lamina; use "
                f"lnp.where(mask, lnp.{name}(...), other) instead."
            )
        out_t = check_out(out, name)
        device = out_t.device if out_t is not None else device_among(args)
        values = [scalar_or_value(a, name, device) for a in args]
        if dtype is not None:
            values = [v if is_scalar(v) else ew.astype_value(v, dtype) for v in values]
        result = ew.apply_ufunc(self._prim, *values)
        if out_t is not None:
            return write_out(out_t, result, name, casting)
        return handle(result)

    def _reduction(self, table: dict, method: str):
        target = table.get(self.__name__)
        if target is None:
            raise LaminaTypeError(
                f"lamina does not implement {self.__name__}.{method}; lamina supports "
                f"{method} for {', '.join(sorted(table))}."
            )
        import lamina.numpy as lnp  # noqa: PLC0415

        return getattr(lnp, target)

    def reduce(self, array: Any, axis: Any = 0, dtype: Any = None, out: Any = None,
               keepdims: bool = False, **kwargs: Any) -> Any:
        fn = self._reduction(_REDUCE, "reduce")
        if dtype is not None:
            kwargs["dtype"] = dtype
        return fn(array, axis=axis, out=out, keepdims=keepdims, **kwargs)

    def accumulate(self, array: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        fn = self._reduction(_ACCUMULATE, "accumulate")
        return fn(array, axis=axis, dtype=dtype, out=out)

    def outer(self, a: Any, b: Any, **kwargs: Any) -> Any:
        import lamina.numpy as lnp  # noqa: PLC0415

        a, b = lnp.asarray(a), lnp.asarray(b)
        return self(a.reshape(a.shape + (1,) * b.ndim), b, **kwargs)


_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any", "fmax": "nanmax", "fmin": "nanmin"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

_PUBLIC = {name: ufunc(name, prim) for name, prim in {**ew.UNARY, **ew.BINARY}.items()}
_ALIASES = {"abs": "absolute", "conj": "conjugate", "mod": "remainder",
            "true_divide": "divide", "bitwise_not": "invert", "bitwise_invert": "invert",
            "pow": "power", "bitwise_left_shift": "left_shift",
            "bitwise_right_shift": "right_shift", "acos": "arccos", "asin": "arcsin",
            "atan": "arctan", "acosh": "arccosh", "asinh": "arcsinh", "atanh": "arctanh",
            "atan2": "arctan2"}
globals().update(_PUBLIC)
globals().update({alias: _PUBLIC[name] for alias, name in _ALIASES.items()})
__all__ += sorted(_PUBLIC) + sorted(_ALIASES)


def where(condition: Any, x: Any = None, y: Any = None, /) -> Any:
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (NumPy broadcasting).

    >>> import lamina.numpy as lnp
    >>> lnp.where(lnp.asarray([True, False]), 1.0, lnp.asarray([5.0, 6.0]))
    Tensor([1., 6.], device='cpu')
    """
    if x is None and y is None:
        import lamina.numpy as lnp  # noqa: PLC0415

        return lnp.nonzero(condition)
    if x is None or y is None:
        raise LaminaTypeError("where: either both or neither of x and y should be given")
    device = device_among((condition, x, y))
    cond = value_of(condition, "where", device)
    return handle(ew.where(cond, scalar_or_value(x, "where", cond.device),
                           scalar_or_value(y, "where", cond.device)))


def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
         min: Any = None, max: Any = None) -> Any:  # noqa: A002 - NumPy 2's keyword names
    """``a`` limited to ``[a_min, a_max]`` (either bound may be None), as ``numpy.clip``."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    value = value_of(a, "clip")
    result = value
    if lo is not None:
        result = ew.apply_ufunc(ew.maximum_p, result, scalar_or_value(lo, "clip", value.device))
    if hi is not None:
        result = ew.apply_ufunc(ew.minimum_p, result, scalar_or_value(hi, "clip", value.device))
    if result is value:
        result = bind(ew.positive_p, value) if value.dtype != np.bool_ else ew.astype_value(
            value, value.dtype)
    out_t = check_out(out, "clip")
    if out_t is not None:
        return write_out(out_t, result, "clip")
    return handle(result)


def round(a: Any, decimals: int = 0, out: Any = None) -> Any:  # noqa: A001 - NumPy's name
    """Round half to even to ``decimals`` places, as ``numpy.round``."""
    value = value_of(a, "round")
    if value.dtype.kind in "biu":
        if decimals >= 0:
            result = ew.astype_value(value, value.dtype)
        else:
            scale = 10 ** (-decimals)
            scaled = ew.apply_ufunc(ew.divide_p, value, float(scale))
            result = ew.astype_value(
                ew.apply_ufunc(ew.multiply_p, bind(ew.rint_p, scaled), float(scale)), value.dtype
            )
    elif decimals == 0:
        result = bind(ew.rint_p, value)
    else:
        scale = 10.0**decimals
        result = ew.apply_ufunc(
            ew.divide_p, bind(ew.rint_p, ew.apply_ufunc(ew.multiply_p, value, scale)), scale
        )
    out_t = check_out(out, "round")
    if out_t is not None:
        return write_out(out_t, result, "round")
    return handle(result)


around = round


def fix(x: Any, out: Any = None) -> Any:
    """Round towards zero (``numpy.fix``)."""
    return _PUBLIC["trunc"](x, out=out)


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """NaN to ``nan`` and infinities to ``posinf``/``neginf`` (default: the dtype's extremes)."""
    value = value_of(x, "nan_to_num")
    if value.dtype.kind not in "fc":
        return handle(ew.astype_value(value, value.dtype))
    return handle(bind(ew.nan_to_num_p, value, nan=float(nan),
                       posinf=None if posinf is None else float(posinf),
                       neginf=None if neginf is None else float(neginf)))


def real(val: Any) -> Any:
    """The real part, a writable view (of the tensor itself for real dtypes), as NumPy."""
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    t = val if type(val) is Tensor else handle(value_of(val, "real"))
    return view_of(t, ew.real_p, {})


def imag(val: Any) -> Any:
    """The imaginary part: a writable view for complex tensors; read-only zeros otherwise."""
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    t = val if type(val) is Tensor else handle(value_of(val, "imag"))
    if t.dtype.kind == "c":
        return view_of(t, ew.imag_p, {})
    zeros = handle(bind(ew.imag_p, t._lamina_read()))
    zeros._writeable = False
    return zeros


def iscomplexobj(x: Any) -> bool:
    """True when ``x`` has a complex dtype (by type, not by value, as NumPy)."""
    return np.dtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype).kind == "c"


def isrealobj(x: Any) -> bool:
    """True when ``x`` does not have a complex dtype."""
    return not iscomplexobj(x)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|``, as ``numpy.isclose``."""
    import lamina.numpy as lnp  # noqa: PLC0415

    a_v, b_v = lnp.asarray(a), lnp.asarray(b)
    close = lnp.less_equal(lnp.absolute(a_v - b_v), atol + rtol * lnp.absolute(b_v))
    close = lnp.logical_or(close, lnp.equal(a_v, b_v))  # equal infinities
    if equal_nan:
        close = lnp.logical_or(close, lnp.logical_and(lnp.isnan(a_v), lnp.isnan(b_v)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element of ``a`` is close to ``b`` (evaluates: returns a Python bool)."""
    return bool(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all())


def _is_value(x):  # kept for the protocols module
    return is_value(x)


__all__ += ["where", "clip", "round", "around", "fix", "nan_to_num", "real", "imag",
            "iscomplexobj", "isrealobj", "isclose", "allclose"]
