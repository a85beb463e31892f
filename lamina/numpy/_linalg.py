"""Products of ``lamina.numpy``: ``matmul`` (the ``@`` operator), ``dot``, ``vdot``, ``inner``,
``outer``, ``tensordot``, ``einsum``, ``kron``, ``cross`` and ``vecdot``, with NumPy's rules.

Only ``matmul`` and ``einsum`` are primitives (``lamina/ops/linalg.py``); the rest are
reshapes, transposes and elementwise products around them. Python scalars given to these
functions are ordinary 0-d arrays, as in NumPy (``np.dot(float32_array, 2.0)`` is float64).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.numpy._handles import check_out, handle, value_of, write_out
from lamina.ops import elementwise as ew
from lamina.ops import linalg as la
from lamina.ops.common import as_index, check_dtype, is_value, normalize_axis
from lamina.ops.shape import broadcast_value, reshape_value, stack_values, transpose_value
from lamina.wrappers.tensor import Tensor

__all__ = [
    "matmul", "dot", "vdot", "inner", "outer", "tensordot", "einsum", "einsum_path", "kron",
    "cross", "vecdot",
]


def _values(what: str, *xs: Any) -> list:
    """Array-likes as values, non-tensors placed on the device of the first tensor."""
    device = None
    for x in xs:
        if type(x) is Tensor or is_value(x):
            device = value_of(x, what).device
            break
    return [value_of(x, what, device) for x in xs]


def _fmt(shape: tuple) -> str:
    return "(" + ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _multiply(a: Any, b: Any) -> Any:
    return ew.apply_ufunc(ew.BINARY["multiply"], a, b)


def _conj(v: Any) -> Any:
    return ew.apply_ufunc(ew.UNARY["conjugate"], v) if v.dtype.kind == "c" else v


def _cast_inputs(values: list, dtype: Any, casting: str, what: str) -> list:
    dt = check_dtype(dtype, what)
    out = []
    for i, v in enumerate(values):
        if not np.can_cast(v.dtype, dt, casting=casting):
            raise LaminaTypeError(
                f"{what}: Cannot cast ufunc '{what}' input {i} from dtype('{v.dtype}') to "
                f"dtype('{dt}') with casting rule '{casting}'. Pass casting='unsafe' or cast "
                "the input with .astype(...) first."
            )
        out.append(v if v.dtype == dt else ew.astype_value(v, dt))
    return out


def _finish(result: Any, out: Any, what: str, casting: str = "same_kind"):
    out_t = check_out(out, what)
    if out_t is not None:
        return write_out(out_t, result, what, casting)
    return handle(result)


# -- matmul ------------------------------------------------------------------------------------

def matmul(x1: Any, x2: Any, /, out: Any = None, *, casting: str = "same_kind",
           order: str = "K", dtype: Any = None, subok: bool = True, signature: Any = None,
           axes: Any = None, axis: Any = None) -> Tensor:
    """Matrix product with NumPy's rules: stacks of matrices broadcast, 1-D operands promoted.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> a @ lnp.asarray([1.0, 1.0])
    Tensor([3., 7.], device='cpu')
    >>> lnp.matmul(lnp.ones((5, 2, 3)), lnp.ones((3, 4))).shape
    (5, 2, 4)
    """
    if axes is not None or axis is not None or signature is not None:
        raise LaminaTypeError(
            "matmul: the 'axes', 'axis' and 'signature' arguments are not supported by lamina; "
            "move the matrix axes last with lnp.moveaxis first."
        )
    values = _values("matmul", x1, x2)
    if dtype is not None:
        values = _cast_inputs(values, dtype, casting, "matmul")
    return _finish(la.matmul_value(*values), out, "matmul", casting)


# -- dot, vdot, inner, outer, tensordot ----------------------------------------------------------

def _not_aligned(what: str, sa: tuple, sb: tuple, ia: int, ib: int) -> LaminaValueError:
    return LaminaValueError(
        f"{what}: shapes {_fmt(sa)} and {_fmt(sb)} not aligned: {sa[ia]} (dim {ia}) != "
        f"{sb[ib]} (dim {ib})"
    )


def dot(a: Any, b: Any, out: Any = None) -> Tensor:
    """Dot product as ``numpy.dot``: sum over the last axis of ``a`` and the second-to-last of
    ``b`` (the last when ``b`` is 1-D); scalars multiply.

    >>> import lamina.numpy as lnp
    >>> lnp.dot(lnp.asarray([1, 2, 3]), lnp.asarray([4, 5, 6]))
    Tensor(32, device='cpu')
    """
    va, vb = _values("dot", a, b)
    if va.ndim == 0 or vb.ndim == 0:
        result = _multiply(va, vb)
    else:
        ia, ib = va.ndim - 1, max(vb.ndim - 2, 0)
        if va.shape[ia] != vb.shape[ib]:
            raise _not_aligned("dot", va.shape, vb.shape, ia, ib)
        if vb.ndim <= 2:
            result = la.matmul_value(va, vb, "dot")
        else:
            result = la.tensordot_value(va, vb, (ia,), (ib,))
    out_t = check_out(out, "dot")
    if out_t is not None:
        if out_t.dtype != result.dtype or tuple(out_t.shape) != tuple(result.shape):
            raise LaminaValueError(
                "dot: output array is not acceptable (must have the right datatype, number of "
                f"dimensions, and be a C-Array): the result has shape {result.shape} and dtype "
                f"{result.dtype}, 'out' has shape {out_t.shape} and dtype {out_t.dtype}."
            )
        return write_out(out_t, result, "dot")
    return handle(result)


def vdot(a: Any, b: Any, /) -> Tensor:
    """Dot product of the flattened inputs, conjugating the first (``numpy.vdot``).

    >>> import lamina.numpy as lnp
    >>> lnp.vdot(lnp.asarray([1j, 2.0]), lnp.asarray([1j, 3.0]))
    Tensor(7.+0.j, device='cpu')
    >>> lnp.vdot(lnp.asarray([[1, 2], [3, 4]]), lnp.asarray([[1, 1], [1, 1]]))
    Tensor(10, device='cpu')
    """
    va, vb = _values("vdot", a, b)
    if va.size != vb.size:
        raise LaminaValueError(
            f"vdot: the inputs have {va.size} and {vb.size} elements (shapes {va.shape} and "
            f"{vb.shape}); vdot flattens both, so they must have the same size."
        )
    va, vb = reshape_value(va, (va.size,)), reshape_value(vb, (vb.size,))
    return handle(la.matmul_value(_conj(va), vb, "vdot"))


def inner(a: Any, b: Any, /) -> Tensor:
    """Inner product over the last axes (``numpy.inner``); scalars multiply.

    >>> import lamina.numpy as lnp
    >>> lnp.inner(lnp.asarray([1.0, 2.0]), lnp.asarray([3.0, 4.0]))
    Tensor(11., device='cpu')
    >>> lnp.inner(lnp.ones((2, 3)), lnp.ones((4, 3))).shape
    (2, 4)
    """
    va, vb = _values("inner", a, b)
    if va.ndim == 0 or vb.ndim == 0:
        return handle(_multiply(va, vb))
    ia, ib = va.ndim - 1, vb.ndim - 1
    if va.shape[ia] != vb.shape[ib]:
        raise _not_aligned("inner", va.shape, vb.shape, ia, ib)
    return handle(la.tensordot_value(va, vb, (ia,), (ib,)))


def outer(a: Any, b: Any, out: Any = None) -> Tensor:
    """Outer product of the flattened inputs: ``out[i, j] = a.ravel()[i] * b.ravel()[j]``.

    >>> import lamina.numpy as lnp
    >>> lnp.outer(lnp.asarray([1, 2]), lnp.asarray([1, 10, 100]))
    Tensor([[  1,  10, 100],
            [  2,  20, 200]], device='cpu')
    """
    va, vb = _values("outer", a, b)
    result = _multiply(reshape_value(va, (va.size, 1)), reshape_value(vb, (1, vb.size)))
    return _finish(result, out, "outer")


def _tensordot_axes(axes: Any, nda: int, ndb: int, what: str) -> tuple[tuple, tuple]:
    if as_index(axes) is not None:
        n = as_index(axes)
        axes_a, axes_b = list(range(-n, 0)), list(range(n))
    else:
        if not hasattr(axes, "__iter__") or getattr(axes, "ndim", 1) == 0:  # a float: TypeError
            raise LaminaTypeError(
                f"{what}: axes must be an integer or a pair of sequences of axes (axes_a, "
                f"axes_b), got {type(axes).__name__} ({axes!r})"
            )
        try:
            axes_a, axes_b = axes
        except (TypeError, ValueError):
            raise LaminaValueError(
                f"{what}: axes must be an integer or a pair of sequences of axes (axes_a, "
                f"axes_b), got {axes!r}"
            ) from None
    axes_a = [axes_a] if as_index(axes_a) is not None else list(axes_a)
    axes_b = [axes_b] if as_index(axes_b) is not None else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise LaminaValueError(
            f"{what}: shape-mismatch for sum: {len(axes_a)} axes of the first array against "
            f"{len(axes_b)} of the second; give the same number of axes for both."
        )
    axes_a = tuple(normalize_axis(ax, nda, what) for ax in axes_a)
    axes_b = tuple(normalize_axis(ax, ndb, what) for ax in axes_b)
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        raise LaminaValueError(f"{what}: duplicate axes are not allowed in tensordot")
    return axes_a, axes_b


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum products over the given axes (``numpy.tensordot``).

    ``axes=N`` sums the last N axes of ``a`` against the first N of ``b``; ``axes=(axes_a,
    axes_b)`` names them.

    >>> import lamina.numpy as lnp
    >>> lnp.tensordot(lnp.ones((2, 3, 4)), lnp.ones((4, 3, 5)), axes=([1, 2], [1, 0])).shape
    (2, 5)
    """
    va, vb = _values("tensordot", a, b)
    axes_a, axes_b = _tensordot_axes(axes, va.ndim, vb.ndim, "tensordot")
    for i, j in zip(axes_a, axes_b, strict=True):
        if va.shape[i] != vb.shape[j]:
            raise LaminaValueError(
                f"tensordot: shape-mismatch for sum: axis {i} of the first array has size "
                f"{va.shape[i]} but axis {j} of the second has size {vb.shape[j]} (shapes "
                f"{va.shape} and {vb.shape})."
            )
    return handle(la.tensordot_value(va, vb, axes_a, axes_b))


# -- einsum ------------------------------------------------------------------------------------

def _sublist_subscripts(args: tuple) -> tuple[str, tuple]:
    """NumPy's interleaved form ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])``."""
    def term(sub: Any) -> str:
        parts = []
        for s in sub:
            if s is Ellipsis:
                parts.append("...")
                continue
            s = operator.index(s)
            if not 0 <= s < 52:
                raise LaminaValueError(
                    f"einsum: subscript is not within the valid range [0, 52) (got {s})"
                )
            parts.append(chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26))
        return "".join(parts)

    operands = args[0::2][: len(args) // 2]
    subs = [term(s) for s in args[1::2]]
    text = ",".join(subs)
    if len(args) % 2:
        text += "->" + term(args[-1])
    return text, tuple(operands)


def einsum(*operands: Any, out: Any = None, dtype: Any = None, order: str = "K",
           casting: str = "safe", optimize: Any = False) -> Tensor:
    """Einstein summation, with every subscripts form NumPy accepts (``numpy.einsum``).

    Explicit (``'ij,jk->ik'``) and implicit (``'ij,jk'``) outputs, ellipses (``'...ij'``),
    repeated labels (``'ii->i'`` takes a diagonal, ``'ii'`` a trace), any number of operands
    (contracted in an optimized order), and the sublist form ``einsum(a, [0, 1], b, [1, 2])``.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> lnp.einsum('ii', a)
    Tensor(5., device='cpu')
    >>> lnp.einsum('...ij,...jk->...ik', lnp.ones((3, 2, 4)), lnp.ones((4, 5))).shape
    (3, 2, 5)
    """
    if not operands:
        raise LaminaValueError(
            "einsum: must specify the einstein sum subscripts string and at least one operand"
        )
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], operands[1:]
    else:
        subscripts, arrays = _sublist_subscripts(operands)
    values = _values("einsum", *arrays)
    if dtype is not None:
        values = _cast_inputs(values, dtype, casting, "einsum")
    return _finish(la.einsum_value(subscripts, *values), out, "einsum", "safe")


def einsum_path(*operands: Any, optimize: Any = "greedy", einsum_call: bool = False) -> Any:
    """The contraction order ``einsum`` would use (``numpy.einsum_path``); only the operands'
    shapes and dtypes are read, so nothing is evaluated.

    >>> import lamina.numpy as lnp
    >>> a, b, c = lnp.ones((10, 100)), lnp.ones((100, 100)), lnp.ones((100, 2))
    >>> path, report = lnp.einsum_path('ij,jk,kl->il', a, b, c)
    >>> path    # b @ c first, then a @ (b @ c): the cheaper order
    ['einsum_path', (1, 2), (0, 1)]
    """
    from numpy.lib.stride_tricks import as_strided  # noqa: PLC0415

    def stand_in(x: Any) -> Any:
        if isinstance(x, str) or isinstance(x, list) or x is Ellipsis:
            return x
        v = value_of(x, "einsum_path")
        return as_strided(np.zeros(1, v.dtype), shape=v.shape, strides=(0,) * v.ndim)

    return np.einsum_path(*[stand_in(x) for x in operands], optimize=optimize,
                          einsum_call=einsum_call)


# -- kron, cross, vecdot -------------------------------------------------------------------------

def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product: blocks ``a[i, j] * b`` (``numpy.kron``).

    >>> import lamina.numpy as lnp
    >>> lnp.kron(lnp.eye(2, dtype=int), lnp.asarray([[1, 2]]))
    Tensor([[1, 2, 0, 0],
            [0, 0, 1, 2]], device='cpu')
    """
    va, vb = _values("kron", a, b)
    if va.ndim == 0 or vb.ndim == 0:
        return handle(_multiply(va, vb))
    nd = max(va.ndim, vb.ndim)
    sa = (1,) * (nd - va.ndim) + tuple(va.shape)
    sb = (1,) * (nd - vb.ndim) + tuple(vb.shape)
    a2 = reshape_value(va, tuple(d for s in sa for d in (s, 1)))
    b2 = reshape_value(vb, tuple(d for s in sb for d in (1, s)))
    result = _multiply(a2, b2)
    return handle(reshape_value(result, tuple(s * t for s, t in zip(sa, sb, strict=True))))


def _component(v: Any, i: int) -> Any:
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415

    return bind(getitem_p, v, index=(Ellipsis, i))


def _move_last(v: Any, axis: int) -> Any:
    perm = tuple(i for i in range(v.ndim) if i != axis) + (axis,)
    return transpose_value(v, perm)


def cross_values(va: Any, vb: Any, axisa: int, axisb: int, axisc: int, what: str) -> Any:
    """The cross product of 3-vectors (or 2-vectors, deprecated as in NumPy 2) along axes."""
    va = _move_last(va, normalize_axis(axisa, va.ndim, f"{what}(axisa)"))
    vb = _move_last(vb, normalize_axis(axisb, vb.ndim, f"{what}(axisb)"))
    na, nb = va.shape[-1], vb.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise LaminaValueError(
            f"{what}: incompatible dimensions for cross product\n(dimension must be 2 or 3); "
            f"the vector axes have sizes {na} and {nb}."
        )
    if na == 2 or nb == 2:
        warnings.warn(
            "Arrays of 2-dimensional vectors are deprecated. Use arrays of 3-dimensional "
            "vectors instead. (deprecated in NumPy 2.0)", DeprecationWarning, stacklevel=3,
        )
    dtype = np.promote_types(va.dtype, vb.dtype)
    mul, sub = _multiply, lambda x, y: ew.apply_ufunc(ew.BINARY["subtract"], x, y)
    a = [_component(va, i) for i in range(na)]
    b = [_component(vb, i) for i in range(nb)]
    z = sub(mul(a[0], b[1]), mul(a[1], b[0]))
    if na == 2 and nb == 2:
        result = z
    else:
        if na == 3 and nb == 3:
            x = sub(mul(a[1], b[2]), mul(a[2], b[1]))
            y = sub(mul(a[2], b[0]), mul(a[0], b[2]))
        elif na == 2:  # a's z component is 0
            x = mul(a[1], b[2])
            y = ew.apply_ufunc(ew.UNARY["negative"], mul(a[0], b[2]))
        else:  # b's z component is 0
            x = ew.apply_ufunc(ew.UNARY["negative"], mul(a[2], b[1]))
            y = mul(a[2], b[0])
        shape = tuple(np.broadcast_shapes(x.shape, y.shape, z.shape))
        result = stack_values([broadcast_value(c, shape) for c in (x, y, z)], axis=-1)
        axisc = normalize_axis(axisc, result.ndim, f"{what}(axisc)")
        n = result.ndim
        perm = list(range(n - 1))
        perm.insert(axisc, n - 1)
        result = transpose_value(result, tuple(perm))
    return result if result.dtype == dtype else ew.astype_value(result, dtype)


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Tensor:
    """Cross product of 3-vectors along an axis (``numpy.cross``; inputs broadcast).

    >>> import lamina.numpy as lnp
    >>> lnp.cross(lnp.asarray([1.0, 0.0, 0.0]), lnp.asarray([0.0, 1.0, 0.0]))
    Tensor([0., 0., 1.], device='cpu')
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    va, vb = _values("cross", a, b)
    return handle(cross_values(va, vb, axisa, axisb, axisc, "cross"))


_VECDOT_SIGNATURE = "(n),(n)->()"


def vecdot_values(va: Any, vb: Any, axis: int, what: str) -> Any:
    for i, v in enumerate((va, vb)):
        if v.ndim == 0:
            raise la.too_few_dims(what, _VECDOT_SIGNATURE, i, 0, 1)
    va = _move_last(va, normalize_axis(axis, va.ndim, what))
    vb = _move_last(vb, normalize_axis(axis, vb.ndim, what))
    if va.shape[-1] != vb.shape[-1]:
        raise la.core_mismatch(what, _VECDOT_SIGNATURE, 1, 0, vb.shape[-1], va.shape[-1])
    la.batch_shape(what, (va.shape, vb.shape), (1, 1), ())
    return la.einsum_value("...i,...i->...", _conj(va), vb)


def vecdot(x1: Any, x2: Any, /, out: Any = None, *, axis: int = -1, dtype: Any = None,
           casting: str = "same_kind") -> Tensor:
    """Vector dot product along ``axis``, conjugating ``x1`` (``numpy.vecdot``); batch dims
    broadcast.

    >>> import lamina.numpy as lnp
    >>> lnp.vecdot(lnp.asarray([[1.0, 2.0], [3.0, 4.0]]), lnp.asarray([1.0, 1.0]))
    Tensor([3., 7.], device='cpu')
    """
    values = _values("vecdot", x1, x2)
    if dtype is not None:
        values = _cast_inputs(values, dtype, casting, "vecdot")
    return _finish(vecdot_values(*values, axis, "vecdot"), out, "vecdot", casting)

