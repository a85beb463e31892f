"""Elementwise ops: NumPy ufuncs of one and two inputs, ``where``, ``clip`` and friends.

Each primitive is made by the family factory ``ufunc_primitive``: the kernel is
the NumPy/CuPy ufunc of the same name, shapes broadcast, and dtypes follow the ufunc's own type
resolution (NumPy 2 rules, Python scalars weak as in NEP 50). The transform issues add the jvp,
vjp and batch rules here, next to each op; ops marked ``nondiff`` have none by design.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.lazy.devices import as_device
from lamina.lazy.graph import TRACED_SCALARS
from lamina.ops.common import (
    check_dtype,
    is_scalar,
    is_value,
    scalar_type,
    scalar_value,
    to_value,
)

__all__ = ["ufunc_primitive", "apply_ufunc", "binary_values", "where", "UNARY", "BINARY"]


def broadcast_shapes(what: str, *shapes: tuple) -> tuple:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " ".join(str(tuple(s)) for s in shapes)
        raise LaminaValueError(
            f"{what}: operands could not be broadcast together with shapes {listed}. Each pair "
            "of trailing dimensions must be equal or 1; use reshape, expand_dims or None "
            "indexing to align them."
        ) from None


_BOOL = np.dtype(np.bool_)


def _resolve(np_ufunc, what: str, in_types: tuple) -> tuple:
    # Python bools are not weak under NEP 50: they act as numpy.bool_.
    in_types = tuple(_BOOL if t is bool else t for t in in_types)
    try:
        return np_ufunc.resolve_dtypes((*in_types, None))
    except TypeError:
        names = ", ".join(t.__name__ if isinstance(t, type) else str(t) for t in in_types)
        raise LaminaTypeError(
            f"{what}: the operation is not supported for inputs of dtype ({names}). Cast the "
            "inputs with .astype(...) to a dtype it accepts (e.g. float64)."
        ) from None


def _ufunc_abstract(np_ufunc, name):
    def abstract(*args):
        if len(args) == 1:
            shape = args[0].shape
        else:
            shape = broadcast_shapes(name, *[a.shape for a in args])
        dtypes = _resolve(np_ufunc, name, tuple(a.dtype for a in args))
        return shape, dtypes[-1]

    return abstract


def _ufunc_impl(name):
    def impl(xp, *arrays):
        return getattr(xp, name)(*arrays)

    impl.__name__ = f"_{name}_impl"
    return impl


def ufunc_primitive(name: str, *, nondiff: bool = False) -> Primitive:
    """The primitive for the NumPy/CuPy ufunc ``name``: its kernel, broadcasting and dtypes."""
    np_ufunc = getattr(np, name)
    return Primitive(
        name, _ufunc_impl(name), _ufunc_abstract(np_ufunc, name), ufunc=name, nondiff=nondiff
    )


def _ufunc_table(differentiable: str, nondiff: str) -> dict[str, Primitive]:
    table = {name: ufunc_primitive(name) for name in differentiable.split()}
    table.update({name: ufunc_primitive(name, nondiff=True) for name in nondiff.split()})
    return table


_scalar_types: dict[tuple, tuple] = {}
_PY_SCALARS = (bool, int, float, complex, *TRACED_SCALARS)


_COMPARISONS = frozenset(
    "equal not_equal less less_equal greater greater_equal".split()
)


def _weak_scalar(prim: Primitive, value: Any, dtype: np.dtype, device) -> Any:
    """A Python scalar operand as a leaf of the dtype NumPy's type resolution gave it."""
    try:
        leaf = scalar_value(value, dtype, device)
    except OverflowError:
        if prim.name not in _COMPARISONS:
            raise
        # NumPy 2 compares integers with out-of-range Python ints exactly (uint8 > -1).
        return scalar_value(value, np.asarray(value).dtype if abs(value) < 2**63 else
                            np.dtype(np.float64), device)
    return leaf


def _check_int_power(prim: Primitive, exponent: Any, dtype: np.dtype, base_shape: tuple) -> None:
    """NumPy's static error for an integer power with a negative Python int *exponent*.

    Only the exponent's sign matters (``(-1) ** lnp.asarray([2, 3])`` is ``[1, -1]``), and an
    empty result raises nothing: NumPy's loop never runs.
    """
    if (prim is _POWER and dtype.kind in "iu" and type(exponent) is int and exponent < 0
            and math.prod(base_shape) != 0):
        raise LaminaValueError(
            "power: Integers to negative integer powers are not allowed. Use a float base or "
            "exponent, e.g. x.astype(float) ** -1."
        )


def binary_values(prim: Primitive, x: Any, y: Any) -> Any:
    """The hot path of ``x + y``: two values, or a value and a Python scalar (NEP 50 weak)."""
    tx, ty = type(x), type(y)
    if ty in _PY_SCALARS and tx not in _PY_SCALARS:
        if prim is _POWER and y == 2 and (ty is int or ty is float and x.dtype.kind == "f") \
                and x.dtype.kind in "fc":
            # x ** 2 is np.square(x) exactly (NumPy takes the same fast path for an int 2; a
            # float 2.0 equals it for real x, not at complex signed zeros); its derivative
            # is one multiply instead of a general power's four.
            return bind(_SQUARE, x)
        key = (prim, x.dtype, ty)
        resolved = _scalar_types.get(key)
        if resolved is None:
            resolved = _scalar_types[key] = _resolve(getattr(np, prim.ufunc), prim.name,
                                                     (x.dtype, scalar_type(y)))
        y_leaf = _weak_scalar(prim, y, resolved[1], x.device)  # OverflowError first, as NumPy
        _check_int_power(prim, y, resolved[1], x.shape)
        y = y_leaf
    elif tx in _PY_SCALARS and ty not in _PY_SCALARS:
        key = (prim, tx, y.dtype)
        resolved = _scalar_types.get(key)
        if resolved is None:
            resolved = _scalar_types[key] = _resolve(getattr(np, prim.ufunc), prim.name,
                                                     (scalar_type(x), y.dtype))
        x = _weak_scalar(prim, x, resolved[0], y.device)
    elif tx in _PY_SCALARS:
        return apply_ufunc(prim, x, y)
    return bind(prim, x, y)


def power_operator(x: Any, y: Any) -> Any:
    """``x ** y`` for a value ``x``, as ``ndarray.__pow__`` computes it: NumPy's operator takes
    ``reciprocal`` for an int exponent -1 and ``sqrt`` for a float exponent 0.5 on complex and
    float arrays (``square`` for 2 is in ``binary_values``). For floats the results agree with
    ``power``; for complex values at signed zeros and infinities they do not (found by the
    fuzzer: ``z ** -1`` at 2+0j was 0.5+0j, NumPy gives 0.5-0j)."""
    ty = type(y)
    if x.dtype.kind == "c" and ((ty is int and y == -1) or (ty is float and y == 0.5)):
        return bind(UNARY["reciprocal" if ty is int else "sqrt"], x)
    if x.dtype.kind == "b" and ty in (int, bool) and y == 2:
        # The operator's square fast path decides the dtype for booleans: square's int8 where
        # np.power gives int64 (found by the fuzzer: bool_array ** 2).
        return bind(_SQUARE, x)
    return binary_values(_POWER, x, y)


def apply_ufunc(prim: Primitive, *operands: Any) -> Any:
    """Call a ufunc primitive on values, arrays or Python scalars with NumPy 2 promotion."""
    values: list[Any] = []
    # NOTE [host data joins the op's device] (lamina/numpy/_handles.py).
    device = next((x.device for x in operands if is_value(x)), None)
    has_scalar = False
    for x in operands:
        if is_value(x):
            values.append(x)
        elif is_scalar(x):
            values.append(x)
            has_scalar = True
        else:
            v = to_value(x, prim.name, device)
            values.append(v)
            if device is None:
                device = v.device
    if has_scalar:
        if device is None:  # only Python scalars: NumPy's default dtypes, default device
            device = as_device(None)
            scalars = values
            values = [to_value(x, prim.name, device) for x in values]
            if len(values) == 2:
                _check_int_power(prim, scalars[1], np.result_type(*values), ())
        else:
            in_types = tuple(scalar_type(x) if is_scalar(x) else x.dtype for x in values)
            key = (prim, in_types)
            resolved = _scalar_types.get(key)
            if resolved is None:
                resolved = _resolve(getattr(np, prim.ufunc), prim.name, in_types)
                _scalar_types[key] = resolved
            leaves = [
                _weak_scalar(prim, x, resolved[i], device) if is_scalar(x) else x
                for i, x in enumerate(values)
            ]
            if len(values) == 2 and is_scalar(values[1]) and not is_scalar(values[0]):
                _check_int_power(prim, values[1], resolved[1], values[0].shape)
            values = leaves
    return bind(prim, *values)


# --------------------------------------------------------------------------------------------
# The ops. Names are NumPy's ufunc names; aliases (abs, conj, mod, ...) live in lamina.numpy.

UNARY = _ufunc_table(
    "negative positive absolute exp exp2 expm1 log log2 log10 log1p sqrt cbrt square "
    "reciprocal sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh "
    "deg2rad rad2deg conjugate",
    nondiff="sign floor ceil trunc rint isnan isinf isfinite signbit logical_not invert",
)
BINARY = _ufunc_table(
    "add subtract multiply divide remainder power float_power maximum minimum fmax fmin "
    "arctan2 hypot logaddexp logaddexp2 copysign",
    nondiff="floor_divide heaviside equal not_equal less less_equal greater greater_equal "
    "logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor left_shift "
    "right_shift",
)

globals().update({f"{name}_p": prim for name, prim in {**UNARY, **BINARY}.items()})
_POWER, _SQUARE = BINARY["power"], UNARY["square"]


# --------------------------------------------------------------------------------------------
# where, nan_to_num and the complex parts.

def _where_abstract(cond, x, y):
    shape = broadcast_shapes("where", cond.shape, x.shape, y.shape)
    return shape, np.result_type(x.dtype, y.dtype)


def _where_impl(xp, cond, x, y):
    out = xp.where(cond, x, y)
    dtype = np.result_type(x.dtype, y.dtype)
    return out if out.dtype == dtype else out.astype(dtype)


where_p = Primitive("where", _where_impl, _where_abstract)


def _typing_scalar(x: Any) -> Any:
    """``x`` for NumPy's type resolution: a traced float's type, not its value (NOTE [traced
    Python scalars] in lamina/lazy/graph.py; floats and complex numbers promote weakly
    whatever their value)."""
    return scalar_type(x)(0) if type(x) in TRACED_SCALARS else x


def _where_scalar(x: Any, dtype: np.dtype, device) -> Any:
    """A Python scalar branch of ``where`` as a leaf of the result ``dtype``.

    NumPy 2 types it weakly (``where(c, int32_array, 2**31)`` is int32) and then converts it
    as an array: a Python int outside ``dtype`` becomes int64 (uint64 from 2**63) and is cast
    unsafely, wrapping (``2**31`` is ``-2**31`` as int32, ``-1`` is 255 as uint8); one
    outside 64 bits raises OverflowError.
    """
    try:
        return scalar_value(x, dtype, device)
    except OverflowError:
        if type(x) is not int:
            raise
        with np.errstate(all="ignore"):
            return scalar_value(np.asarray(x).astype(dtype).item(), dtype, device)


def where(cond: Any, x: Any, y: Any) -> Any:
    """``where(cond, x, y)`` on values; Python scalars promote weakly against the other branch."""
    cond_v = cond if is_value(cond) else to_value(cond, "where")
    device = cond_v.device
    if cond_v.dtype != np.bool_:
        cond_v = apply_ufunc(BINARY["not_equal"], cond_v, 0)
    if is_scalar(x) and is_scalar(y):
        dtype = np.result_type(_typing_scalar(x), _typing_scalar(y))
        x_v, y_v = _where_scalar(x, dtype, device), _where_scalar(y, dtype, device)
    elif is_scalar(x):
        y_v = to_value(y, "where", device)
        x_v = _where_scalar(x, np.result_type(y_v.dtype, _typing_scalar(x)), device)
    elif is_scalar(y):
        x_v = to_value(x, "where", device)
        y_v = _where_scalar(y, np.result_type(x_v.dtype, _typing_scalar(y)), device)
    else:
        x_v, y_v = to_value(x, "where", device), to_value(y, "where", device)
    return bind(where_p, cond_v, x_v, y_v)


_CLIP_UFUNC = np._core.umath.clip  # the ufunc behind numpy.clip


def clip(x: Any, lo: Any, hi: Any) -> Any:
    """``numpy.clip(x, lo, hi)`` with both bounds (values or Python scalars, NEP 50 weak).

    NOTE [clip ties]: NumPy's clip loop is ``Min(Max(x, lo), hi)`` where ``Max(a, b)`` is
    ``a`` if ``a`` is NaN or ``a > b``, else ``b``: on a tie (``-0.0`` against a bound
    ``0.0``) the bound wins, and a complex NaN in ``x`` wins over the bound; complex values
    compare by real part, then imaginary part (NaN parts compare False). That is
    ``minimum(maximum(x, lo), hi)`` for real dtypes, but not for complex ones
    (``np.maximum`` keeps its first operand on a tie and propagates any NaN). For floats
    with bounds that are the same for every element (scalars, size-1 arrays), NumPy takes a
    vectorized path in which a tie keeps ``x`` (``clip(-0.0, 0.0, 5.0)`` is ``-0.0``) and a
    NaN bound gives NaN everywhere ("the same for every element" is NumPy's loop stride 0: a
    0-d bound, or a size-1 bound broadcast over a larger result; a (1,) bound of a
    one-element result is not). lamina computes each case with those exact semantics.
    """
    in_types = tuple(scalar_type(v) if is_scalar(v) else v.dtype for v in (x, lo, hi))
    dtype = _resolve(_CLIP_UFUNC, "clip", in_types)[-1]
    device = x.device if is_value(x) else (lo.device if is_value(lo) else hi.device)
    x, lo, hi = (scalar_value(v, dtype, device) if is_scalar(v) else
                 v if v.dtype == dtype else astype_value(v, dtype) for v in (x, lo, hi))
    b, u = BINARY, UNARY
    if dtype.kind == "c":
        def lexical(a, c, op):  # compare by real part, then by imaginary part
            ar, ai, cr, ci = (bind(p, v) for v in (a, c) for p in (real_p, imag_p))
            return where(bind(b["equal"], ar, cr), bind(b[op], ai, ci), bind(b[op], ar, cr))

        def pick(a, c, op):  # NumPy's complex Max (op "greater") / Min (op "less")
            return where(bind(b["logical_or"], bind(u["isnan"], a), lexical(a, c, op)), a, c)

        return pick(pick(x, lo, "greater"), hi, "less")
    out_size = math.prod(broadcast_shapes("clip", x.shape, lo.shape, hi.shape))

    def constant(bound):  # a stride-0 operand of NumPy's loop: 0-d, or size 1 broadcast
        return bound.shape == () or (math.prod(bound.shape) == 1 and out_size > 1)

    if dtype.kind != "f" or not (constant(lo) and constant(hi)):
        return bind(b["minimum"], bind(b["maximum"], x, lo), hi)
    # Float bounds constant over the loop: ties keep x, a NaN bound is NaN everywhere.

    def beyond(a, bound, op):
        out = bind(b[op], a, bound)
        return bind(b["logical_or"], out, bind(u["isnan"], bound))

    r = where(beyond(x, lo, "less"), lo, x)
    return where(beyond(r, hi, "greater"), hi, r)


def _nan_to_num_impl(xp, x, *, nan, posinf, neginf):
    return xp.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


nan_to_num_p = Primitive(
    "nan_to_num", _nan_to_num_impl, lambda x, **_: (x.shape, x.dtype)
)


def _real_abstract(x):
    return x.shape, (np.empty(0, x.dtype).real.dtype)


real_p = Primitive("real", lambda xp, x: xp.real(x), _real_abstract)
imag_p = Primitive("imag", lambda xp, x: xp.imag(x), _real_abstract)


def _complex_impl(xp, re, im):
    out = xp.empty(np.broadcast_shapes(re.shape, im.shape),
                   np.result_type(re.dtype, im.dtype, np.complex64))
    out.real = re
    out.imag = im
    return out


# ``re + 1j * im`` with each part exactly as given: the arithmetic form is not exact (1j * inf
# puts a NaN in the real part, and an imaginary -0.0 becomes 0.0). The reverse of .real/.imag
# views (writing a part), so it is internal; its rules are tested in
# tests/api/test_complex_parts.py.
complex_p = Primitive(
    "complex", _complex_impl,
    lambda re, im: (np.broadcast_shapes(re.shape, im.shape),
                    np.result_type(re.dtype, im.dtype, np.complex64)),
)


def _complex_parts_reverse(part: str):
    def reverse(base, view, out_index=None):
        if base.dtype.kind != "c":  # the real part of a real array is the array itself
            return view
        # Writing a real or imaginary part rebuilds the complex base from both parts.
        other = bind(imag_p if part == "real" else real_p, base)
        if view.dtype != other.dtype:
            view = astype_value(view, other.dtype)
        re, im = (view, other) if part == "real" else (other, view)
        return bind(complex_p, re, im)

    return reverse


real_p.view_reverse = _complex_parts_reverse("real")
imag_p.view_reverse = _complex_parts_reverse("imag")


def astype_value(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype`` (a copy; NumPy's unsafe casting, as ``astype``)."""
    dt = check_dtype(dtype, "astype")
    return bind(astype_p, x, dtype=dt)


def _astype_impl(xp, x, *, dtype):
    return x.astype(dtype)


astype_p = Primitive("astype", _astype_impl, lambda x, *, dtype: (x.shape, dtype))


# --------------------------------------------------------------------------------------------
# vjp rules (NOTE [vjp rules] in lamina/interpreters/grad.py), written in lamina ops.

def _defvjp_unary(name: str, derivative) -> None:
    """``derivative(g, x, out)`` is the cotangent of the input of one-input ufunc ``name``.

    The Jacobian of an elementwise function is diagonal, so the same function maps a tangent
    forward: it gives the jvp rule too (NOTE [jvp rules] in lamina/interpreters/jvp.py).
    """
    prim = UNARY[name]
    prim.vjp = lambda g, x, *, out: (_ad.cast(derivative(g, x, out), x.dtype),)

    def jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        out = bind(prim, x)
        return out, _ad.cast(derivative(t, x, out), out.dtype)

    prim.jvp = jvp


def _defvjp_binary(name: str, dx, dy) -> None:
    """``dx``/``dy(g, x, y, out)`` give the operands' cotangents before un-broadcasting."""

    def rule(g, x, y, *, out, needs=(True, True)):
        gx = None if dx is None or not needs[0] or x.dtype.kind not in "fc" else \
            _ad.unbroadcast(dx(g, x, y, out), x.shape, x.dtype)
        gy = None if dy is None or not needs[1] or y.dtype.kind not in "fc" else \
            _ad.unbroadcast(dy(g, x, y, out), y.shape, y.dtype)
        return gx, gy

    BINARY[name].vjp = rule
    BINARY[name].vjp_needs = True
    prim = BINARY[name]

    def jvp(primals, tangents):
        x, y = primals
        tx, ty = tangents
        out = bind(prim, x, y)
        terms = []
        if tx is not None and dx is not None:
            terms.append(dx(tx, x, y, out))
        if ty is not None and dy is not None:
            terms.append(dy(ty, x, y, out))
        if not terms or out.dtype.kind not in "fc":
            return out, None
        tangent = terms[0] if len(terms) == 1 else _ad.add(terms[0], terms[1])
        if tangent.shape != out.shape:
            tangent = _ad.broadcast_to(tangent, out.shape)
        return out, _ad.cast(tangent, out.dtype)

    prim.jvp = jvp


def _install_vjp_rules() -> None:
    from lamina.ops import ad  # noqa: PLC0415 - ad builds on this module

    global _ad
    _ad = ad
    u, b, mul, div, add, sub, neg = ad.unary, ad.binary, ad.mul, ad.div, ad.add, ad.sub, ad.neg
    ln2, ln10 = math.log(2.0), math.log(10.0)

    def _abs_derivative(g, x, out):
        if x.dtype.kind != "c":
            return mul(g, u("sign", x))  # 0 at 0, the midpoint of the one-sided slopes
        # NOTE [complex check_grads]: |z| is real and not holomorphic; under the pairing
        # Re(a * b), its cotangent is g * conj(z) / |z| and its tangent Re(t * conj(z) / |z|)
        # (the real part is taken by the caller's cast). 0 at z == 0, as JAX.
        safe = where(b("equal", out, 0), 1.0, out)
        return mul(g, div(u("conjugate", x), safe))

    table = {
        "negative": lambda g, x, out: neg(g),
        "positive": lambda g, x, out: g,
        "absolute": _abs_derivative,
        "exp": lambda g, x, out: mul(g, out),
        "exp2": lambda g, x, out: mul(g, mul(out, ln2)),
        "expm1": lambda g, x, out: mul(g, add(out, 1.0)),
        "log": lambda g, x, out: div(g, x),
        "log2": lambda g, x, out: div(g, mul(x, ln2)),
        "log10": lambda g, x, out: div(g, mul(x, ln10)),
        "log1p": lambda g, x, out: div(g, add(x, 1.0)),
        "sqrt": lambda g, x, out: div(mul(g, 0.5), out),
        "cbrt": lambda g, x, out: div(g, mul(u("square", out), 3.0)),
        "square": lambda g, x, out: mul(g, mul(x, 2.0)),
        "reciprocal": lambda g, x, out: neg(mul(g, u("square", out))),
        "sin": lambda g, x, out: mul(g, u("cos", x)),
        "cos": lambda g, x, out: neg(mul(g, u("sin", x))),
        "tan": lambda g, x, out: mul(g, add(u("square", out), 1.0)),
        "arcsin": lambda g, x, out: div(g, u("sqrt", sub(1.0, u("square", x)))),
        "arccos": lambda g, x, out: neg(div(g, u("sqrt", sub(1.0, u("square", x))))),
        "arctan": lambda g, x, out: div(g, add(u("square", x), 1.0)),
        "sinh": lambda g, x, out: mul(g, u("cosh", x)),
        "cosh": lambda g, x, out: mul(g, u("sinh", x)),
        "tanh": lambda g, x, out: mul(g, sub(1.0, u("square", out))),
        "arcsinh": lambda g, x, out: div(g, u("sqrt", add(u("square", x), 1.0))),
        # sqrt(x - 1) sqrt(x + 1), not sqrt(x**2 - 1): the two differ in sign for complex x
        # left of the imaginary axis (arccosh's principal branch).
        "arccosh": lambda g, x, out: div(g, mul(u("sqrt", sub(x, 1.0)), u("sqrt", add(x, 1.0)))),
        "arctanh": lambda g, x, out: div(g, sub(1.0, u("square", x))),
        "deg2rad": lambda g, x, out: mul(g, math.pi / 180.0),
        "rad2deg": lambda g, x, out: mul(g, 180.0 / math.pi),
        "conjugate": lambda g, x, out: u("conjugate", g),
    }
    for name, derivative in table.items():
        _defvjp_unary(name, derivative)

    def _tie_weight(x, y, greater: bool, nan_aware: bool):
        # NOTE [ties split evenly]: at x == y each operand gets half the cotangent, as JAX and
        # PyTorch do for maximum/minimum.
        wins = b("greater" if greater else "less", x, y)
        w = add(ad.cast(wins, _float(x, y)), mul(ad.cast(b("equal", x, y), _float(x, y)), 0.5))
        if nan_aware:  # fmax/fmin ignore a NaN operand: the other one gets the cotangent
            w = where(u("isnan", y), 1.0, where(u("isnan", x), 0.0, w))
        return w

    def _extremum(name: str, greater: bool, nan_aware: bool):
        _defvjp_binary(
            name,
            lambda g, x, y, out: mul(g, _tie_weight(x, y, greater, nan_aware)),
            lambda g, x, y, out: mul(g, sub(1.0, _tie_weight(x, y, greater, nan_aware))),
        )

    _extremum("maximum", True, False)
    _extremum("minimum", False, False)
    _extremum("fmax", True, True)
    _extremum("fmin", False, True)

    def _power_dx(g, x, y, out, power="power"):
        # y * x**(y - 1). Where x == y == 0 that is 0 * inf: the derivative of x**0 is 0 there,
        # and the exponent is made safe too, or the derivative of the discarded branch would
        # make the second derivative of x**0 at 0 NaN (the where-NaN trap). Only that corner:
        # where y == 0 and x != 0 the formula is already 0, and its derivative in y (1 / x, the
        # mixed second derivative) must survive.
        corner = b("logical_and", b("equal", y, 0), b("equal", x, 0))
        return mul(g, where(corner, 0.0, mul(y, b(power, x, where(corner, 1, sub(y, 1))))))

    def _power_dy(g, x, y, out):
        # d/dy x**y = x**y log x for x > 0; 0 at x == 0 (as PyTorch); NaN for x < 0, produced
        # without taking the log of a negative number (no spurious warnings). Complex x: the
        # principal log (0 at x == 0, as JAX).
        if x.dtype.kind == "c" or y.dtype.kind == "c":
            zero = b("equal", x, 0)
            return mul(g, where(zero, 0.0, mul(out, u("log", where(zero, 1.0, x)))))
        positive = b("greater", x, 0)
        safe = where(positive, x, 1.0)
        other = where(b("equal", x, 0), 0.0, math.nan)
        return mul(g, where(positive, mul(out, u("log", safe)), other))

    def _float_power_dx(g, x, y, out):
        return _power_dx(g, x, y, out, "float_power")

    binary_table = {
        "add": (lambda g, x, y, out: g, lambda g, x, y, out: g),
        "subtract": (lambda g, x, y, out: g, lambda g, x, y, out: neg(g)),
        "multiply": (lambda g, x, y, out: mul(g, y), lambda g, x, y, out: mul(g, x)),
        "divide": (lambda g, x, y, out: div(g, y), lambda g, x, y, out: neg(mul(g, div(out, y)))),
        "remainder": (lambda g, x, y, out: g,
                      lambda g, x, y, out: neg(mul(g, u("floor", div(x, y))))),
        "power": (_power_dx, _power_dy),
        "float_power": (_float_power_dx, _power_dy),
        "arctan2": (lambda g, x, y, out: mul(g, div(y, add(u("square", x), u("square", y)))),
                    lambda g, x, y, out: neg(mul(g, div(x, add(u("square", x),
                                                                  u("square", y)))))),
        "hypot": (lambda g, x, y, out: mul(g, div(x, out)),
                  lambda g, x, y, out: mul(g, div(y, out))),
        "logaddexp": (lambda g, x, y, out: mul(g, u("exp", sub(x, out))),
                      lambda g, x, y, out: mul(g, u("exp", sub(y, out)))),
        "logaddexp2": (lambda g, x, y, out: mul(g, u("exp2", sub(x, out))),
                       lambda g, x, y, out: mul(g, u("exp2", sub(y, out)))),
        "copysign": (lambda g, x, y, out: mul(g, mul(b("copysign", 1.0, x),
                                                      b("copysign", 1.0, y))), None),
    }
    for name, (dx, dy) in binary_table.items():
        _defvjp_binary(name, dx, dy)

    def _where_vjp(g, cond, x, y, *, out):
        zero = 0.0 if g.dtype.kind != "c" else 0j
        gx = None if x.dtype.kind not in "fc" else ad.unbroadcast(where(cond, g, zero), x.shape,
                                                                   x.dtype)
        gy = None if y.dtype.kind not in "fc" else ad.unbroadcast(where(cond, zero, g), y.shape,
                                                                   y.dtype)
        return None, gx, gy

    where_p.vjp = _where_vjp

    def _where_jvp(primals, tangents):
        cond, x, y = primals
        _, tx, ty = tangents
        out = bind(where_p, cond, x, y)
        zero = 0.0 if out.dtype.kind != "c" else 0j
        tangent = where(cond, zero if tx is None else tx, zero if ty is None else ty)
        if tangent.shape != out.shape:
            tangent = ad.broadcast_to(tangent, out.shape)
        return out, ad.cast(tangent, out.dtype)

    where_p.jvp = _where_jvp

    def _keep_finite_parts(x, t):
        # nan_to_num replaces a complex number's real and imaginary parts on their own, so a
        # part's derivative is kept where that part of x is finite: t -> m_re Re(t) + i m_im
        # Im(t). The map is its own transpose under the pairing Re(sum(g * t)), so the vjp
        # applies the same masks to the cotangent.
        if x.dtype.kind != "c":
            return where(u("isfinite", x), t, 0.0)
        re = where(u("isfinite", bind(real_p, x)), bind(real_p, t), 0.0)
        im = where(u("isfinite", bind(imag_p, x)), bind(imag_p, t), 0.0)
        return bind(complex_p, re, im)

    def _nan_to_num_jvp(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        return bind(nan_to_num_p, x, **params), _keep_finite_parts(x, t)

    nan_to_num_p.jvp = _nan_to_num_jvp
    from lamina.ops.jvp_util import linear_jvp  # noqa: PLC0415

    for prim in (real_p, imag_p, astype_p):
        prim.jvp = linear_jvp(prim)
    nan_to_num_p.vjp = lambda g, x, *, out, nan, posinf, neginf: (_keep_finite_parts(x, g),)
    # Under the pairing Re(sum(g * t)): Re(g (dx + i dy)) = Re(g) dx - Im(g) dy (as JAX).
    complex_p.vjp = lambda g, re, im, *, out: (
        ad.cast(bind(real_p, g), re.dtype), ad.cast(neg(bind(imag_p, g)), im.dtype))

    def _complex_jvp(primals, tangents):
        (re, im), (t_re, t_im) = primals, tangents
        t_re = ad.zeros_like(re) if t_re is None else t_re
        t_im = ad.zeros_like(im) if t_im is None else t_im
        return bind(complex_p, re, im), bind(complex_p, t_re, t_im)

    complex_p.jvp = _complex_jvp
    real_p.vjp = lambda g, x, *, out: (ad.cast(g, x.dtype),)
    imag_p.vjp = lambda g, x, *, out: (
        (ad.cast(mul(g, -1j), x.dtype) if x.dtype.kind == "c" else None),)
    astype_p.vjp = lambda g, x, *, out, dtype: (
        (ad.cast(g if g.dtype.kind != "c" or x.dtype.kind == "c" else bind(real_p, g), x.dtype)
         if x.dtype.kind in "fc" else None),
    )


def _float(x: Any, y: Any) -> np.dtype:
    return np.result_type(x.dtype, y.dtype, np.float16)


_ad: Any = None
_install_vjp_rules()


# --------------------------------------------------------------------------------------------
# vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py).

def _install_batch_rules() -> None:
    from lamina.ops.batching import broadcast_batched  # noqa: PLC0415

    def unary_rule(prim):
        def rule(args, bdims, **params):
            return bind(prim, args[0], **params), bdims[0]  # elementwise: the axis stays put
        return rule

    def nary_rule(prim):
        def rule(args, bdims, **params):
            ranks = {len(a.shape) for a in args}
            if len(set(bdims)) == 1 and len(ranks) == 1:
                return bind(prim, *args, **params), bdims[0]  # aligned already: no moves
            return bind(prim, *broadcast_batched(args, bdims), **params), 0
        return rule

    for prim in UNARY.values():
        prim.batch = unary_rule(prim)
    for prim in BINARY.values():
        prim.batch = nary_rule(prim)
    where_p.batch = nary_rule(where_p)
    complex_p.batch = nary_rule(complex_p)
    for prim in (nan_to_num_p, real_p, imag_p, astype_p):
        prim.batch = unary_rule(prim)


_install_batch_rules()
