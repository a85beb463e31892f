"""NumPy's ufuncs on lamina tensors: ``lnp.sin``, ``lnp.add``, ... with ``out=`` and
``.reduce`` / ``.accumulate`` / ``.outer`` / ``.at``; plus ``where``, ``clip``, ``round`` and the
complex parts (``real``/``imag`` are views, as in NumPy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.numpy._handles import (
    check_out,
    device_among,
    handle,
    scalar_or_value,
    value_of,
    view_of,
    write_out,
)
from lamina.numpy._protocols import into_ndarray, writes_ndarray
from lamina.ops import elementwise as ew
from lamina.ops.common import as_index, is_scalar, is_value
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
        if out is not None and writes_ndarray("__call__", args, {"out": out}):
            # NOTE [writing into NumPy arrays] (lamina/numpy/_protocols.py)
            return into_ndarray(self, "__call__", tuple(args), {
                "out": out if isinstance(out, tuple) else (out,), "dtype": dtype,
                "where": where, "casting": casting, "order": order, "subok": subok})
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
        """Reduce ``array`` along ``axis`` by this ufunc (``add.reduce`` is ``sum``, ...).

        >>> import lamina.numpy as lnp
        >>> lnp.add.reduce(lnp.asarray([[1, 2], [3, 4]]), axis=1)
        Tensor([3, 7], device='cpu')
        """
        fn = self._reduction(_REDUCE, "reduce")
        if dtype is not None:
            kwargs["dtype"] = dtype
        return fn(array, axis=axis, out=out, keepdims=keepdims, **kwargs)

    def accumulate(self, array: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        """Running results along ``axis`` (``add.accumulate`` is ``cumsum``, ...).

        >>> import lamina.numpy as lnp
        >>> lnp.multiply.accumulate(lnp.asarray([1, 2, 3, 4]))
        Tensor([ 1,  2,  6, 24], device='cpu')
        """
        fn = self._reduction(_ACCUMULATE, "accumulate")
        return fn(array, axis=axis, dtype=dtype, out=out)

    def at(self, a: Any, indices: Any, b: Any = None, /) -> None:
        """Apply this ufunc in place at ``indices``, once per index entry: repeated indices
        take every update (``add.at`` accumulates where ``a[i] += b`` writes once), as
        ``numpy.ufunc.at``. Returns None. Differentiable for add, subtract, multiply, divide,
        maximum, minimum, fmax and fmin (NOTE [ufunc.at] in lamina/ops/indexing.py).

        >>> import lamina.numpy as lnp
        >>> a = lnp.zeros(4)
        >>> lnp.add.at(a, [0, 0, 2, -1], 1.0)
        >>> a
        Tensor([2., 0., 1., 1.], device='cpu')
        >>> b = lnp.asarray([5, 1, 7])
        >>> lnp.maximum.at(b, [1, 1], lnp.asarray([3, 9]))
        >>> b
        Tensor([5, 9, 7], device='cpu')
        """
        name = self._np.__name__
        what = f"{self.__name__}.at"
        if self.nin != 2:
            raise LaminaTypeError(
                f"{what}: lamina implements ufunc.at for ufuncs of two inputs; for "
                f"{self.__name__}, write a[i] = lnp.{self.__name__}(a[i]) with indices that do "
                "not repeat."
            )
        if b is None:
            raise LaminaValueError(f"{what}: second operand needed for ufunc")
        if type(a) is not Tensor:
            if writes_ndarray("at", (a,), {}):
                # NOTE [writing into NumPy arrays] (lamina/numpy/_protocols.py)
                return into_ndarray(self, "at", (a, indices, b), {})
            raise LaminaTypeError(
                f"{what}: the first operand must be an array it can write into (a lamina "
                f"tensor or a NumPy array), got {type(a).__name__}."
            )
        from lamina.numpy._indexing import ufunc_at  # noqa: PLC0415

        ufunc_at(a, indices, b, name, what)
        return None

    def outer(self, a: Any, b: Any, **kwargs: Any) -> Any:
        """This ufunc applied to every pair ``(a[i...], b[j...])``: shape ``a.shape + b.shape``.

        >>> import lamina.numpy as lnp
        >>> lnp.multiply.outer(lnp.asarray([1, 2]), lnp.asarray([1, 10, 100]))
        Tensor([[  1,  10, 100],
                [  2,  20, 200]], device='cpu')
        """
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

# NOTE [ufunc docstrings]: each ufunc gets its docstring, with an example, from this table.
# doctest does not look inside ufunc instances (they are neither functions nor classes), so the
# module's ``__test__`` hands it each docstring: the examples run with the test suite.
_DOCS = {  # name: (what it does, an example call, its output)
    "negative": ("Numerical negative, elementwise",
                 "lnp.negative(lnp.asarray([1.0, -2.0]))",
                 "Tensor([-1.,  2.], device='cpu')"),
    "positive": ("Numerical positive (a copy of the values), elementwise",
                 "lnp.positive(lnp.asarray([1.0, -2.0]))",
                 "Tensor([ 1., -2.], device='cpu')"),
    "absolute": ("Absolute value, elementwise (the modulus for complex inputs)",
                 "lnp.absolute(lnp.asarray([-1.5, 2.0]))",
                 "Tensor([1.5, 2. ], device='cpu')"),
    "exp": ("Exponential ``e**x``, elementwise",
            "lnp.exp(lnp.asarray([0.0, 1.0]))",
            "Tensor([1.        , 2.71828183], device='cpu')"),
    "exp2": ("``2**x``, elementwise",
             "lnp.exp2(lnp.asarray([0.0, 3.0]))",
             "Tensor([1., 8.], device='cpu')"),
    "expm1": ("``exp(x) - 1``, elementwise, accurate for small ``x``",
              "lnp.expm1(lnp.asarray([0.0, 1e-10]))",
              "Tensor([0.e+00, 1.e-10], device='cpu')"),
    "log": ("Natural logarithm, elementwise",
            "lnp.log(lnp.asarray([1.0, lnp.e]))",
            "Tensor([0., 1.], device='cpu')"),
    "log2": ("Base-2 logarithm, elementwise",
             "lnp.log2(lnp.asarray([1.0, 8.0]))",
             "Tensor([0., 3.], device='cpu')"),
    "log10": ("Base-10 logarithm, elementwise",
              "lnp.log10(lnp.asarray([1.0, 100.0]))",
              "Tensor([0., 2.], device='cpu')"),
    "log1p": ("``log(1 + x)``, elementwise, accurate for small ``x``",
              "lnp.log1p(lnp.asarray([0.0, 1e-10]))",
              "Tensor([0.e+00, 1.e-10], device='cpu')"),
    "sqrt": ("Non-negative square root, elementwise",
             "lnp.sqrt(lnp.asarray([4.0, 9.0]))",
             "Tensor([2., 3.], device='cpu')"),
    "cbrt": ("Cube root, elementwise",
             "lnp.cbrt(lnp.asarray([8.0, -27.0]))",
             "Tensor([ 2., -3.], device='cpu')"),
    "square": ("``x * x``, elementwise",
               "lnp.square(lnp.asarray([2, -3]))",
               "Tensor([4, 9], device='cpu')"),
    "reciprocal": ("``1 / x``, elementwise",
                   "lnp.reciprocal(lnp.asarray([2.0, 4.0]))",
                   "Tensor([0.5 , 0.25], device='cpu')"),
    "sin": ("Sine, elementwise (radians)",
            "lnp.sin(lnp.asarray([0.0, lnp.pi / 2]))",
            "Tensor([0., 1.], device='cpu')"),
    "cos": ("Cosine, elementwise (radians)",
            "lnp.cos(lnp.asarray([0.0, lnp.pi]))",
            "Tensor([ 1., -1.], device='cpu')"),
    "tan": ("Tangent, elementwise (radians)",
            "lnp.tan(lnp.asarray([0.0, lnp.pi / 4]))",
            "Tensor([0., 1.], device='cpu')"),
    "arcsin": ("Inverse sine, elementwise (radians)",
               "lnp.arcsin(lnp.asarray([0.0, 1.0]))",
               "Tensor([0.        , 1.57079633], device='cpu')"),
    "arccos": ("Inverse cosine, elementwise (radians)",
               "lnp.arccos(lnp.asarray([1.0, 0.0]))",
               "Tensor([0.        , 1.57079633], device='cpu')"),
    "arctan": ("Inverse tangent, elementwise (radians)",
               "lnp.arctan(lnp.asarray([0.0, 1.0]))",
               "Tensor([0.        , 0.78539816], device='cpu')"),
    "sinh": ("Hyperbolic sine, elementwise",
             "lnp.sinh(lnp.asarray([0.0, 1.0]))",
             "Tensor([0.        , 1.17520119], device='cpu')"),
    "cosh": ("Hyperbolic cosine, elementwise",
             "lnp.cosh(lnp.asarray([0.0, 1.0]))",
             "Tensor([1.        , 1.54308063], device='cpu')"),
    "tanh": ("Hyperbolic tangent, elementwise",
             "lnp.tanh(lnp.asarray([0.0, lnp.inf]))",
             "Tensor([0., 1.], device='cpu')"),
    "arcsinh": ("Inverse hyperbolic sine, elementwise",
                "lnp.arcsinh(lnp.asarray([0.0, 1.0]))",
                "Tensor([0.        , 0.88137359], device='cpu')"),
    "arccosh": ("Inverse hyperbolic cosine, elementwise",
                "lnp.arccosh(lnp.asarray([1.0, 2.0]))",
                "Tensor([0.       , 1.3169579], device='cpu')"),
    "arctanh": ("Inverse hyperbolic tangent, elementwise",
                "lnp.arctanh(lnp.asarray([0.0, 0.5]))",
                "Tensor([0.        , 0.54930614], device='cpu')"),
    "deg2rad": ("Degrees to radians, elementwise",
                "lnp.deg2rad(lnp.asarray([180.0, 90.0]))",
                "Tensor([3.14159265, 1.57079633], device='cpu')"),
    "rad2deg": ("Radians to degrees, elementwise",
                "lnp.rad2deg(lnp.asarray([lnp.pi, lnp.pi / 2]))",
                "Tensor([180.,  90.], device='cpu')"),
    "conjugate": ("Complex conjugate, elementwise (the values themselves for real inputs)",
                  "lnp.conjugate(lnp.asarray([1 + 2j, 3 - 1j]))",
                  "Tensor([1.-2.j, 3.+1.j], device='cpu')"),
    "sign": ("Sign (-1, 0 or 1), elementwise",
             "lnp.sign(lnp.asarray([-2.0, 0.0, 3.0]))",
             "Tensor([-1.,  0.,  1.], device='cpu')"),
    "floor": ("Largest integer ``<= x``, elementwise",
              "lnp.floor(lnp.asarray([-1.5, 0.5, 2.5]))",
              "Tensor([-2.,  0.,  2.], device='cpu')"),
    "ceil": ("Smallest integer ``>= x``, elementwise",
             "lnp.ceil(lnp.asarray([-1.5, 0.5, 2.5]))",
             "Tensor([-1.,  1.,  3.], device='cpu')"),
    "trunc": ("Round towards zero, elementwise",
              "lnp.trunc(lnp.asarray([-1.5, 0.5, 2.5]))",
              "Tensor([-1.,  0.,  2.], device='cpu')"),
    "rint": ("Round to the nearest integer (half to even), elementwise",
             "lnp.rint(lnp.asarray([-1.5, 0.5, 2.5]))",
             "Tensor([-2.,  0.,  2.], device='cpu')"),
    "isnan": ("True where ``x`` is NaN, elementwise",
              "lnp.isnan(lnp.asarray([1.0, lnp.nan]))",
              "Tensor([False,  True], device='cpu')"),
    "isinf": ("True where ``x`` is positive or negative infinity, elementwise",
              "lnp.isinf(lnp.asarray([1.0, -lnp.inf]))",
              "Tensor([False,  True], device='cpu')"),
    "isfinite": ("True where ``x`` is neither infinite nor NaN, elementwise",
                 "lnp.isfinite(lnp.asarray([1.0, lnp.inf, lnp.nan]))",
                 "Tensor([ True, False, False], device='cpu')"),
    "signbit": ("True where the sign bit is set (negative numbers and -0.0), elementwise",
                "lnp.signbit(lnp.asarray([-1.0, 0.0, -0.0]))",
                "Tensor([ True, False,  True], device='cpu')"),
    "logical_not": ("Logical NOT, elementwise",
                    "lnp.logical_not(lnp.asarray([True, False]))",
                    "Tensor([False,  True], device='cpu')"),
    "invert": ("Bitwise NOT (logical NOT for bools), elementwise",
               "lnp.invert(lnp.asarray([0, 5]))",
               "Tensor([-1, -6], device='cpu')"),
    "add": ("``x1 + x2``, elementwise with broadcasting",
            "lnp.add(lnp.asarray([1.0, 2.0]), lnp.asarray([[10.0], [20.0]]))",
            "Tensor([[11., 12.],\n        [21., 22.]], device='cpu')"),
    "subtract": ("``x1 - x2``, elementwise with broadcasting",
                 "lnp.subtract(lnp.asarray([5, 7]), 2)",
                 "Tensor([3, 5], device='cpu')"),
    "multiply": ("``x1 * x2``, elementwise with broadcasting",
                 "lnp.multiply(lnp.asarray([1.0, 2.0]), 3.0)",
                 "Tensor([3., 6.], device='cpu')"),
    "divide": ("True division ``x1 / x2``, elementwise (integers give float64)",
               "lnp.divide(lnp.asarray([1, 3]), 2)",
               "Tensor([0.5, 1.5], device='cpu')"),
    "remainder": ("``x1 % x2`` with the sign of ``x2``, elementwise (Python's ``%``)",
                  "lnp.remainder(lnp.asarray([-1, 7]), 3)",
                  "Tensor([2, 1], device='cpu')"),
    "power": ("``x1 ** x2``, elementwise",
              "lnp.power(lnp.asarray([2, 3]), 2)",
              "Tensor([4, 9], device='cpu')"),
    "float_power": ("``x1 ** x2`` computed in float64 (or complex128), elementwise",
                    "lnp.float_power(lnp.asarray([2, 3]), 2)",
                    "Tensor([4., 9.], device='cpu')"),
    "maximum": ("Elementwise maximum; NaN propagates",
                "lnp.maximum(lnp.asarray([1.0, lnp.nan]), lnp.asarray([2.0, 0.0]))",
                "Tensor([ 2., nan], device='cpu')"),
    "minimum": ("Elementwise minimum; NaN propagates",
                "lnp.minimum(lnp.asarray([1.0, lnp.nan]), lnp.asarray([2.0, 0.0]))",
                "Tensor([ 1., nan], device='cpu')"),
    "fmax": ("Elementwise maximum, ignoring NaN where the other operand is a number",
             "lnp.fmax(lnp.asarray([1.0, lnp.nan]), lnp.asarray([2.0, 0.0]))",
             "Tensor([2., 0.], device='cpu')"),
    "fmin": ("Elementwise minimum, ignoring NaN where the other operand is a number",
             "lnp.fmin(lnp.asarray([1.0, lnp.nan]), lnp.asarray([2.0, 0.0]))",
             "Tensor([1., 0.], device='cpu')"),
    "arctan2": ("The angle of the point ``(x2, x1)``: ``arctan(x1 / x2)`` in the right quadrant",
                "lnp.arctan2(lnp.asarray([1.0, 1.0]), lnp.asarray([1.0, -1.0]))",
                "Tensor([0.78539816, 2.35619449], device='cpu')"),
    "hypot": ("``sqrt(x1**2 + x2**2)``, elementwise, without overflow",
              "lnp.hypot(lnp.asarray([3.0, 5.0]), lnp.asarray([4.0, 12.0]))",
              "Tensor([ 5., 13.], device='cpu')"),
    "logaddexp": ("``log(exp(x1) + exp(x2))``, elementwise, computed stably",
                  "lnp.logaddexp(lnp.asarray([0.0, 1000.0]), lnp.asarray([0.0, 1000.0])).tolist()",
                  '[0.6931471805599453, 1000.6931471805599]'),
    "logaddexp2": ("``log2(2**x1 + 2**x2)``, elementwise, computed stably",
                   "lnp.logaddexp2(lnp.asarray([1.0, 3.0]), lnp.asarray([1.0, 3.0]))",
                   "Tensor([2., 4.], device='cpu')"),
    "copysign": ("The magnitude of ``x1`` with the sign of ``x2``, elementwise",
                 "lnp.copysign(lnp.asarray([1.0, -2.0]), -1.0)",
                 "Tensor([-1., -2.], device='cpu')"),
    "floor_divide": ("``x1 // x2``: the floor of the quotient, elementwise",
                     "lnp.floor_divide(lnp.asarray([7, -7]), 2)",
                     "Tensor([ 3, -4], device='cpu')"),
    "heaviside": ("The Heaviside step: 0 for ``x1 < 0``, ``x2`` at 0, 1 for ``x1 > 0``",
                  "lnp.heaviside(lnp.asarray([-1.0, 0.0, 2.0]), 0.5)",
                  "Tensor([0. , 0.5, 1. ], device='cpu')"),
    "equal": ("``x1 == x2``, elementwise",
              "lnp.equal(lnp.asarray([1, 2, 3]), 2)",
              "Tensor([False,  True, False], device='cpu')"),
    "not_equal": ("``x1 != x2``, elementwise",
                  "lnp.not_equal(lnp.asarray([1, 2, 3]), 2)",
                  "Tensor([ True, False,  True], device='cpu')"),
    "less": ("``x1 < x2``, elementwise",
             "lnp.less(lnp.asarray([1, 2, 3]), 2)",
             "Tensor([ True, False, False], device='cpu')"),
    "less_equal": ("``x1 <= x2``, elementwise",
                   "lnp.less_equal(lnp.asarray([1, 2, 3]), 2)",
                   "Tensor([ True,  True, False], device='cpu')"),
    "greater": ("``x1 > x2``, elementwise",
                "lnp.greater(lnp.asarray([1, 2, 3]), 2)",
                "Tensor([False, False,  True], device='cpu')"),
    "greater_equal": ("``x1 >= x2``, elementwise",
                      "lnp.greater_equal(lnp.asarray([1, 2, 3]), 2)",
                      "Tensor([False,  True,  True], device='cpu')"),
    "logical_and": ("Logical AND, elementwise",
                    "lnp.logical_and(lnp.asarray([True, True, False]), [True, False, False])",
                    "Tensor([ True, False, False], device='cpu')"),
    "logical_or": ("Logical OR, elementwise",
                   "lnp.logical_or(lnp.asarray([True, True, False]), [True, False, False])",
                   "Tensor([ True,  True, False], device='cpu')"),
    "logical_xor": ("Logical XOR, elementwise",
                    "lnp.logical_xor(lnp.asarray([True, True, False]), [True, False, False])",
                    "Tensor([False,  True, False], device='cpu')"),
    "bitwise_and": ("Bitwise AND of integers or bools, elementwise",
                    "lnp.bitwise_and(lnp.asarray([12, 5]), 10)",
                    "Tensor([8, 0], device='cpu')"),
    "bitwise_or": ("Bitwise OR of integers or bools, elementwise",
                   "lnp.bitwise_or(lnp.asarray([12, 5]), 10)",
                   "Tensor([14, 15], device='cpu')"),
    "bitwise_xor": ("Bitwise XOR of integers or bools, elementwise",
                    "lnp.bitwise_xor(lnp.asarray([12, 5]), 10)",
                    "Tensor([ 6, 15], device='cpu')"),
    "left_shift": ("Shift the bits of ``x1`` left by ``x2``, elementwise",
                   "lnp.left_shift(lnp.asarray([1, 3]), 2)",
                   "Tensor([ 4, 12], device='cpu')"),
    "right_shift": ("Shift the bits of ``x1`` right by ``x2``, elementwise",
                    "lnp.right_shift(lnp.asarray([8, 20]), 2)",
                    "Tensor([2, 5], device='cpu')"),
}


for _name, (_what, _call, _result) in _DOCS.items():
    _aliases = sorted(alias for alias, name in _ALIASES.items() if name == _name)
    _also = f" Also named {', '.join(f'``{a}``' for a in _aliases)}." if _aliases else ""
    _PUBLIC[_name].__doc__ = (
        f"{_what}, as ``numpy.{_PUBLIC[_name]._prim.ufunc}``.{_also}\n\n"
        f">>> import lamina.numpy as lnp\n>>> {_call}\n{_result}\n"
    )
__test__ = {_name: _uf.__doc__ for _name, _uf in _PUBLIC.items()}


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
    """``a`` limited to ``[a_min, a_max]`` (either bound may be None), as ``numpy.clip``.

    >>> import lamina.numpy as lnp
    >>> lnp.clip(lnp.asarray([-2.0, 0.5, 3.0]), 0.0, 1.0)
    Tensor([0. , 0.5, 1. ], device='cpu')
    """
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    value = value_of(a, "clip")
    if value.dtype.kind in "iu":
        # As NumPy 2 (NEP 50): a Python int bound beyond the integer dtype's range on the
        # side that cannot clip anything is dropped; one beyond it on the other side
        # raises OverflowError in the ufunc, as NumPy's.
        info = np.iinfo(value.dtype)
        if type(lo) is int and lo <= info.min:
            lo = None
        if type(hi) is int and hi >= info.max:
            hi = None
    result = value
    if lo is not None and hi is not None:  # NOTE [clip ties] (lamina/ops/elementwise.py)
        result = ew.clip(value, scalar_or_value(lo, "clip", value.device),
                         scalar_or_value(hi, "clip", value.device))
    elif lo is not None:
        result = ew.apply_ufunc(ew.maximum_p, result, scalar_or_value(lo, "clip", value.device))
    elif hi is not None:
        result = ew.apply_ufunc(ew.minimum_p, result, scalar_or_value(hi, "clip", value.device))
    if result is value:
        if value.dtype == np.bool_:  # NumPy 2's clip without bounds is positive(a): no bool loop
            raise LaminaTypeError(
                "clip: a bool tensor with no bounds (a_min and a_max both None) cannot be "
                "clipped; NumPy 2 raises (ufunc 'positive' has no loop for bool). Pass a bound, "
                "or use a.copy() for a copy."
            )
        result = bind(ew.positive_p, value)
    out_t = check_out(out, "clip")
    if out_t is not None:
        return write_out(out_t, result, "clip")
    return handle(result)


def round(a: Any, decimals: int = 0, out: Any = None) -> Any:  # noqa: A001 - NumPy's name
    """Round half to even to ``decimals`` places, as ``numpy.round``.

    >>> import lamina.numpy as lnp
    >>> lnp.round(lnp.asarray([0.5, 1.5, 2.5]))
    Tensor([0., 2., 2.], device='cpu')
    >>> lnp.round(lnp.asarray([1.234, 5.678]), 1)
    Tensor([1.2, 5.7], device='cpu')
    """
    places = as_index(decimals)  # NOTE [integer arguments] (lamina/ops/common.py)
    if places is None:
        raise LaminaTypeError(
            f"round: decimals must be an integer, got {type(decimals).__name__} ({decimals!r})."
        )
    decimals = places
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
    """Round towards zero (``numpy.fix``).

    >>> import lamina.numpy as lnp
    >>> lnp.fix(lnp.asarray([-1.7, 1.7]))
    Tensor([-1.,  1.], device='cpu')
    """
    return _PUBLIC["trunc"](x, out=out)


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """NaN to ``nan`` and infinities to ``posinf``/``neginf`` (default: the dtype's extremes).

    >>> import lamina.numpy as lnp
    >>> lnp.nan_to_num(lnp.asarray([lnp.nan, lnp.inf, 1.0]), posinf=9.0)
    Tensor([0., 9., 1.], device='cpu')
    """
    value = value_of(x, "nan_to_num")
    if value.dtype.kind not in "fc":
        return handle(ew.astype_value(value, value.dtype))
    if any(type(v) is Tensor for v in (nan, posinf, neginf)):
        return _nan_to_num_tensors(handle(value), nan, posinf, neginf)
    return handle(bind(ew.nan_to_num_p, value, nan=float(nan),
                       posinf=None if posinf is None else float(posinf),
                       neginf=None if neginf is None else float(neginf)))


def _nan_to_num_tensors(x: Any, nan: Any, posinf: Any, neginf: Any) -> Any:
    """``nan_to_num`` with replacement values in tensors (NOTE [tensor fill values] in
    lamina/numpy/_creation.py): float() would make a tracked one a constant, its derivative
    silently lost, so the kernel replaces with its defaults and ``where`` puts the tensors in.
    A complex ``x`` is done part by part, as NumPy does."""
    import lamina.numpy as lnp  # noqa: PLC0415

    if x.dtype.kind == "c":
        real = _nan_to_num_tensors(lnp.real(x), nan, posinf, neginf)
        imag = _nan_to_num_tensors(lnp.imag(x), nan, posinf, neginf)
        return lnp.astype(real, x.dtype) + 1j * imag
    scalars = {k: None if type(v) is Tensor or v is None else float(v)
               for k, v in (("posinf", posinf), ("neginf", neginf))}
    out = nan_to_num(x, nan=0.0 if type(nan) is Tensor else nan, **scalars)
    for fill, mask in ((nan, lnp.isnan), (posinf, lambda t: t == np.inf),
                       (neginf, lambda t: t == -np.inf)):
        if type(fill) is Tensor:
            out = lnp.where(mask(x), lnp.astype(fill, x.dtype), out)
    return out


def real(val: Any) -> Any:
    """The real part, a writable view (of the tensor itself for real dtypes), as NumPy.

    >>> import lamina.numpy as lnp
    >>> z = lnp.asarray([1 + 2j, 3 - 4j])
    >>> lnp.real(z)
    Tensor([1., 3.], device='cpu')
    >>> lnp.real(z)[0] = 10.0    # a view: z changes too
    >>> z
    Tensor([10.+2.j,  3.-4.j], device='cpu')
    """
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    t = val if type(val) is Tensor else handle(value_of(val, "real"))
    return view_of(t, ew.real_p, {})


def imag(val: Any) -> Any:
    """The imaginary part: a writable view for complex tensors; read-only zeros otherwise.

    >>> import lamina.numpy as lnp
    >>> lnp.imag(lnp.asarray([1 + 2j, 3 - 4j]))
    Tensor([ 2., -4.], device='cpu')
    >>> lnp.imag(lnp.asarray([1.0, 2.0]))
    Tensor([0., 0.], device='cpu')
    """
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    t = val if type(val) is Tensor else handle(value_of(val, "imag"))
    if t.dtype.kind == "c":
        return view_of(t, ew.imag_p, {})
    zeros = handle(bind(ew.imag_p, t._lamina_read()))
    zeros._writeable = False
    return zeros


def iscomplexobj(x: Any) -> bool:
    """True when ``x`` has a complex dtype (by type, not by value, as NumPy).

    >>> import lamina.numpy as lnp
    >>> lnp.iscomplexobj(lnp.asarray([1 + 0j])), lnp.iscomplexobj(lnp.asarray([1.0]))
    (True, False)
    """
    return np.dtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype).kind == "c"


def isrealobj(x: Any) -> bool:
    """True when ``x`` does not have a complex dtype.

    >>> import lamina.numpy as lnp
    >>> lnp.isrealobj(lnp.asarray([1.0])), lnp.isrealobj(lnp.asarray([1 + 0j]))
    (True, False)
    """
    return not iscomplexobj(x)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|``, as ``numpy.isclose``.

    >>> import lamina.numpy as lnp
    >>> lnp.isclose(lnp.asarray([1.0, 1.1]), 1.0 + 1e-9)
    Tensor([ True, False], device='cpu')
    """
    import lamina.numpy as lnp  # noqa: PLC0415

    a_v, b_v = lnp.asarray(a), lnp.asarray(b)
    close = lnp.less_equal(lnp.absolute(a_v - b_v), atol + rtol * lnp.absolute(b_v))
    close = lnp.logical_or(close, lnp.equal(a_v, b_v))  # equal infinities
    if equal_nan:
        close = lnp.logical_or(close, lnp.logical_and(lnp.isnan(a_v), lnp.isnan(b_v)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element of ``a`` is close to ``b`` (evaluates: returns a Python bool).

    >>> import lamina.numpy as lnp
    >>> lnp.allclose(lnp.asarray([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    True
    """
    return bool(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all())


def _as_operands(a1: Any, a2: Any) -> tuple | None:
    """``a1`` and ``a2`` as tensors on one device, or None where NumPy's ``asarray`` would
    fail (a ragged list, say): ``array_equal`` and ``array_equiv`` are then False, as NumPy's."""
    import lamina.numpy as lnp  # noqa: PLC0415

    device = device_among((a1, a2))
    try:
        return lnp.asarray(a1, device=device), lnp.asarray(a2, device=device)
    except (TypeError, ValueError):
        return None


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> bool:
    """True when ``a1`` and ``a2`` have the same shape and elements, as ``numpy.array_equal``.

    Evaluates, and returns a Python ``bool`` as NumPy does. With ``equal_nan``, NaNs in the
    same places count as equal (a complex NaN is one with a NaN in either part).

    >>> import lamina.numpy as lnp
    >>> lnp.array_equal(lnp.asarray([1.0, 2.0]), [1, 2])
    True
    >>> lnp.array_equal(lnp.asarray([1.0, 2.0]), [[1, 2]])   # shapes differ
    False
    >>> x = lnp.asarray([1.0, lnp.nan])
    >>> lnp.array_equal(x, x), lnp.array_equal(x, x, equal_nan=True)
    (False, True)
    """
    import lamina.numpy as lnp  # noqa: PLC0415

    operands = _as_operands(a1, a2)
    if operands is None:
        return False
    t1, t2 = operands
    if t1.shape != t2.shape:
        return False
    equal = lnp.equal(t1, t2)
    if equal_nan and (t1.dtype.kind in "fc" or t2.dtype.kind in "fc"):
        nan1, nan2 = lnp.isnan(t1), lnp.isnan(t2)
        equal = lnp.logical_or(equal, lnp.logical_and(nan1, nan2))
    return bool(equal.all())


def array_equiv(a1: Any, a2: Any) -> bool:
    """True when ``a1`` and ``a2`` broadcast to one shape and are equal elementwise there, as
    ``numpy.array_equiv`` (a Python ``bool``; evaluates).

    >>> import lamina.numpy as lnp
    >>> lnp.array_equiv(lnp.asarray([1, 2]), [[1, 2], [1, 2]])
    True
    >>> lnp.array_equiv(lnp.asarray([1, 2]), [[1, 2, 1, 2]])   # shapes do not broadcast
    False
    """
    operands = _as_operands(a1, a2)
    if operands is None:
        return False
    t1, t2 = operands
    try:
        np.broadcast_shapes(t1.shape, t2.shape)
    except ValueError:
        return False
    import lamina.numpy as lnp  # noqa: PLC0415

    return bool(lnp.equal(t1, t2).all())


def _is_value(x):  # kept for the protocols module
    return is_value(x)


__all__ += ["where", "clip", "round", "around", "fix", "nan_to_num", "real", "imag",
            "iscomplexobj", "isrealobj", "isclose", "allclose", "array_equal", "array_equiv"]
