"""Shape and layout primitives: the view ops (with their reverse functions) and the copies.

View primitives (``reshape``, ``transpose``, ``broadcast_to``, ``flip``, ``diagonal``,
``split``) return NumPy views in their kernels and carry ``view_reverse(base, view, out_index,
**params)``: the new base after ``view`` was mutated (NOTE [storages and views] in
``lamina/wrappers/tensor.py``). Everything in this module is value-level; ``lamina.numpy``
decides which public calls make view handles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.ops.common import as_index, common_device, normalize_axis, prod

__all__ = [
    "reshape_p", "transpose_p", "broadcast_to_p", "flip_p", "diagonal_p", "split_p",
    "concatenate_p", "reshape_value", "transpose_value", "broadcast_value", "stack_values",
    "concatenate_values", "resolve_shape", "zero_d_as_1d",
]


def resolve_shape(shape: Any, size: int, what: str) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) with its unknown dimension resolved against
    ``size``, as NumPy's ``reshape``: any negative entry is the unknown (NumPy reads ``-2`` as
    ``-1``), at most one of them. A wrong type is the library's one shape check
    (``lamina.ops.creation._check_shape``), which names the bad element; NumPy's error
    classes otherwise."""
    from lamina.ops.creation import _check_shape, _is_int  # noqa: PLC0415 - imports this module

    if hasattr(shape, "__iter__") and not _is_int(shape) and not _is_sequence(shape):
        raise LaminaTypeError(
            f"{what}: a shape must be an int or a sequence of ints, got {shape!r}, which is "
            f"not a sequence ('{type(shape).__name__}'); pass a tuple, e.g. tuple(shape)."
        )
    try:
        dims = _check_shape(shape, what)
    except LaminaValueError:  # a negative entry: here it is the unknown dimension
        dims = tuple(as_index(d) for d in ((shape,) if _is_int(shape) else shape))
    unknown = [i for i, d in enumerate(dims) if d < 0]
    if len(unknown) > 1:
        raise LaminaValueError(
            f"{what}: can only specify one unknown dimension (a negative entry), got shape "
            f"{dims}; give every dimension but one its size."
        )
    known = prod(d for d in dims if d >= 0)
    if unknown:
        if known == 0 or size % known:
            raise LaminaValueError(
                f"{what}: cannot reshape array of size {size} into shape {dims}: no size for "
                f"the unknown dimension makes {size} elements."
            )
        dims = dims[: unknown[0]] + (size // known,) + dims[unknown[0] + 1 :]
    elif known != size:
        raise LaminaValueError(
            f"{what}: cannot reshape array of size {size} into shape {dims}; the sizes must "
            "multiply to the array's size (one may be -1, to be inferred)."
        )
    return dims


def _is_sequence(x: Any) -> bool:
    """NumPy's test for a shape given as several ints: indexable with a length, not a
    mapping (lists, tuples, ranges, arrays; not iterators, sets or dicts)."""
    return (hasattr(type(x), "__getitem__") and hasattr(type(x), "__len__")
            and not isinstance(x, Mapping))


# -- reshape -----------------------------------------------------------------------------------

def _reshape_impl(xp, x, *, shape):
    return xp.reshape(x, shape)


def _reshape_reverse(base, view, out_index=None, *, shape):
    return reshape_value(view, base.shape)


reshape_p = Primitive(
    "reshape", _reshape_impl, lambda x, *, shape: (shape, x.dtype), view_reverse=_reshape_reverse
)


def reshape_value(x: Any, shape: tuple) -> Any:
    shape = tuple(shape)
    return x if x.shape == shape else bind(reshape_p, x, shape=shape)


def zero_d_as_1d(x: Any) -> Any:
    """NOTE [0-d as 1-d]: NumPy's functions that take one int axis through
    ``PyArray_CheckAxis`` (``argsort``, ``take``, ``repeat``, ``cumsum``) view a 0-d array as
    1-d, so axis 0 and -1 work on it and axis 1 is out of bounds "for array of dimension 1";
    ``sort``, ``flip`` and ``mean`` do not."""
    return reshape_value(x, (1,)) if len(x.shape) == 0 else x


# -- transpose ---------------------------------------------------------------------------------

def _transpose_abstract(x, *, axes):
    return tuple(x.shape[a] for a in axes), x.dtype


def _transpose_reverse(base, view, out_index=None, *, axes):
    return bind(transpose_p, view, axes=tuple(int(i) for i in np.argsort(axes)))


transpose_p = Primitive(
    "transpose", lambda xp, x, *, axes: xp.transpose(x, axes), _transpose_abstract,
    view_reverse=_transpose_reverse,
)


def transpose_value(x: Any, axes: tuple) -> Any:
    axes = tuple(axes)
    return x if axes == tuple(range(len(axes))) else bind(transpose_p, x, axes=axes)


# -- broadcast_to (a read-only view, as in NumPy) ------------------------------------------------

def _broadcast_to_abstract(x, *, shape):
    try:
        np.broadcast_shapes(x.shape, shape)
        ok = len(shape) >= len(x.shape) and all(
            d == s or d == 1 for d, s in zip(x.shape[::-1], shape[::-1], strict=False)
        )
    except ValueError:
        ok = False
    if not ok:
        raise LaminaValueError(
            f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape {shape}: each "
            "dimension must be equal to the target's or 1, aligned from the right."
        )
    return shape, x.dtype


def _broadcast_to_reverse(base, view, out_index=None, *, shape):
    from lamina.errors import LaminaValueError as _E  # noqa: PLC0415

    raise _E("broadcast_to: the result is a read-only view; it cannot be written to.")


broadcast_to_p = Primitive(
    "broadcast_to", lambda xp, x, *, shape: xp.broadcast_to(x, shape), _broadcast_to_abstract,
    view_reverse=_broadcast_to_reverse,
)


def broadcast_value(x: Any, shape: tuple) -> Any:
    shape = tuple(shape)
    return x if x.shape == shape else bind(broadcast_to_p, x, shape=shape)


# -- flip --------------------------------------------------------------------------------------

def _flip_impl(xp, x, *, axes):
    return xp.flip(x, axes)


flip_p = Primitive(
    "flip", _flip_impl, lambda x, *, axes: (x.shape, x.dtype),
    view_reverse=lambda base, view, out_index=None, *, axes: bind(flip_p, view, axes=axes),
)


# -- diagonal (a read-only view, as in NumPy >= 1.9) --------------------------------------------

def _diagonal_abstract(x, *, offset, axis1, axis2):
    n1, n2 = x.shape[axis1], x.shape[axis2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    rest = tuple(d for i, d in enumerate(x.shape) if i not in (axis1, axis2))
    return rest + (length,), x.dtype


def _diagonal_reverse(base, view, out_index=None, *, offset, axis1, axis2):
    raise LaminaValueError("diagonal: the result is a read-only view; it cannot be written to.")


diagonal_p = Primitive(
    "diagonal",
    lambda xp, x, *, offset, axis1, axis2: xp.diagonal(x, offset, axis1, axis2),
    _diagonal_abstract,
    view_reverse=_diagonal_reverse,
)


# -- split (a multi-output view) ----------------------------------------------------------------

def _split_abstract(x, *, bounds, axis):
    outs = []
    for start, stop in bounds:
        shape = list(x.shape)
        shape[axis] = stop - start
        outs.append((tuple(shape), x.dtype))
    return tuple(outs)


def _split_impl(xp, x, *, bounds, axis):
    lead = (slice(None),) * axis
    return tuple(x[lead + (slice(start, stop),)] for start, stop in bounds)


def _split_reverse(base, view, out_index, *, bounds, axis):
    from lamina.ops.indexing import basic_update  # noqa: PLC0415 - indexing builds on shape

    start, stop = bounds[out_index]
    index = (slice(None),) * axis + (slice(start, stop),)
    return basic_update(base, index, view)


split_p = Primitive(
    "split", _split_impl, _split_abstract, multiple_results=True, view_reverse=_split_reverse
)


# -- concatenate -------------------------------------------------------------------------------

def _concatenate_abstract(*xs, axis):
    first = xs[0].shape
    for i, x in enumerate(xs[1:], 1):
        if len(x.shape) != len(first):
            raise LaminaValueError(
                "concatenate: all the input arrays must have same number of dimensions, but the "
                f"array at index 0 has {len(first)} dimension(s) and the array at index {i} has "
                f"{len(x.shape)} dimension(s)"
            )
        for d, (a, b) in enumerate(zip(first, x.shape, strict=False)):
            if d != axis and a != b:
                raise LaminaValueError(
                    "concatenate: all the input array dimensions except for the concatenation "
                    f"axis must match exactly, but along dimension {d}, the array at index 0 has "
                    f"size {a} and the array at index {i} has size {b}"
                )
    shape = list(first)
    shape[axis] = sum(x.shape[axis] for x in xs)
    return tuple(shape), np.result_type(*[x.dtype for x in xs])


concatenate_p = Primitive(
    "concatenate", lambda xp, *xs, axis: xp.concatenate(xs, axis=axis), _concatenate_abstract
)


def concatenate_values(values: list, axis: int) -> Any:
    if not values:
        raise LaminaValueError("concatenate: need at least one array to concatenate")
    common_device(values, "concatenate")
    ndim = len(values[0].shape)
    if ndim == 0:
        raise LaminaValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, ndim, "concatenate")
    return bind(concatenate_p, *values, axis=axis)


def stack_values(values: list, axis: int = 0) -> Any:
    if not values:
        raise LaminaValueError("stack: need at least one array to stack")
    shapes = {v.shape for v in values}
    if len(shapes) > 1:
        raise LaminaValueError(
            f"stack: all input arrays must have the same shape; got shapes "
            f"{', '.join(str(v.shape) for v in values)}"
        )
    ndim = len(values[0].shape) + 1
    axis = normalize_axis(axis, ndim, "stack")
    shape = values[0].shape
    expanded = [reshape_value(v, shape[:axis] + (1,) + shape[axis:]) for v in values]
    return bind(concatenate_p, *expanded, axis=axis)


# -- vjp rules (NOTE [vjp rules] in lamina/interpreters/grad.py) -----------------------------------
# Each view's cotangent goes back through its inverse: reshape back, the inverse permutation,
# a sum over the broadcast axes, the same flip, a scatter onto a zero matrix's diagonal. Split
# and concatenate are each other's rules.

def _diagonal_vjp(g, x, *, out, offset, axis1, axis2):
    # g (shape rest + (L,)) goes onto the diagonal of zeros laid out as rest + (n1, n2), where
    # the two index arrays (adjacent, last) put their dimension last too; then the layout of x.
    from lamina.ops import ad  # noqa: PLC0415
    from lamina.ops.indexing import scatter_p  # noqa: PLC0415
    from lamina.ops.manipulation import host_constant  # noqa: PLC0415

    rest = tuple(i for i in range(len(x.shape)) if i not in (axis1, axis2))
    perm = rest + (axis1, axis2)
    length = g.shape[-1]
    rows = host_constant(("diagonal_vjp", length, max(-offset, 0)),
                         lambda: np.arange(length) + max(-offset, 0), g.device)
    cols = host_constant(("diagonal_vjp", length, max(offset, 0)),
                         lambda: np.arange(length) + max(offset, 0), g.device)
    zeros = ad.zeros_like(_Aval(tuple(x.shape[i] for i in perm), x.dtype, x.device))
    index = (("slice", None, None, None),) * len(rest) + (("array", 0), ("array", 1))
    placed = bind(scatter_p, zeros, g, rows, cols, index=index, accumulate=False)
    return (transpose_value(placed, tuple(int(i) for i in np.argsort(perm))),)


def _split_vjp(gs, x, *, out, bounds, axis):
    from lamina.ops import ad  # noqa: PLC0415

    pieces = [g if g is not None else ad.zeros_like(o) for g, o in zip(gs, out, strict=True)]
    n = x.shape[axis]
    # Usually (increasing split points) the pieces lie end to end over the whole axis.
    position = 0
    tiled = True
    for start, stop in bounds:
        tiled = tiled and start == position
        position = stop
    if tiled and position == n:
        return (pieces[0] if len(pieces) == 1 else concatenate_values(pieces, axis),)
    # Pieces that overlap or leave gaps (decreasing split points): each piece is padded with
    # zeros to its place along the axis, and the padded pieces are added up.
    total = ad.zeros_like(x)
    for (start, stop), piece in zip(bounds, pieces, strict=True):
        if stop == start:
            continue
        parts = []
        for width in (start, n - stop):
            shape = list(x.shape)
            shape[axis] = width
            parts.append(ad.zeros_like(_Aval(tuple(shape), x.dtype, x.device)) if width else None)
        padded = [p for p in (parts[0], piece, parts[1]) if p is not None]
        total = ad.add(total, concatenate_values(padded, axis) if len(padded) > 1 else piece)
    return (total,)


class _Aval:
    """A shape, dtype and device, for ``ad.zeros_like`` of a shape no value has yet."""

    __slots__ = ("shape", "dtype", "device")

    def __init__(self, shape: tuple, dtype: Any, device: Any) -> None:
        self.shape, self.dtype, self.device = shape, dtype, device


def _concatenate_vjp(g, *xs, out, axis):
    from lamina.ops import ad  # noqa: PLC0415

    bounds = []
    position = 0
    for x in xs:
        bounds.append((position, position + x.shape[axis]))
        position += x.shape[axis]
    pieces = bind(split_p, g, bounds=tuple(bounds), axis=axis)
    # unbroadcast casts each piece to its input's dtype (the real part for a real input of a
    # complex result; None for an integer input).
    return tuple(ad.unbroadcast(p, x.shape, x.dtype) for p, x in zip(pieces, xs, strict=True))


def _install_vjp_rules() -> None:
    from lamina.ops import ad  # noqa: PLC0415

    reshape_p.vjp = lambda g, x, *, out, shape: (reshape_value(g, x.shape),)
    transpose_p.vjp = lambda g, x, *, out, axes: (
        transpose_value(g, tuple(int(i) for i in np.argsort(axes))),
    )
    broadcast_to_p.vjp = lambda g, x, *, out, shape: (ad.unbroadcast(g, x.shape, x.dtype),)
    flip_p.vjp = lambda g, x, *, out, axes: (bind(flip_p, g, axes=axes),)
    diagonal_p.vjp = _diagonal_vjp
    split_p.vjp = _split_vjp
    concatenate_p.vjp = _concatenate_vjp


_install_vjp_rules()


def _install_jvp_rules() -> None:
    # NOTE [jvp rules]: every shape op is linear in its operands.
    from lamina.ops.jvp_util import linear_jvp  # noqa: PLC0415

    for prim in (reshape_p, transpose_p, broadcast_to_p, flip_p, diagonal_p, split_p):
        prim.jvp = linear_jvp(prim)
    # Operands of mixed dtypes: an integer operand's values are part of the output too, so its
    # (zero) tangent must stand in for it, not the operand itself.
    concatenate_p.jvp = linear_jvp(concatenate_p, float_only=False)


_install_jvp_rules()


# -- vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py) ----------------------------
# Ops with axis params keep the batch where it is and shift the axes past it; ops with a shape
# param (reshape, broadcast_to) need the batch in front and get it prepended to the shape.

def _past(axis: int, bdim: int) -> int:
    """The physical axis of logical ``axis`` when the batch sits at ``bdim``."""
    return axis + (axis >= bdim)


def _reshape_batch(args, bdims, *, shape):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    x = bdim_to_front(args[0], bdims[0])
    return reshape_value(x, (x.shape[0],) + tuple(shape)), 0


def _transpose_batch(args, bdims, *, axes):
    d = bdims[0]
    perm = [_past(a, d) for a in axes]
    perm.insert(d, d)
    return transpose_value(args[0], tuple(perm)), d


def _broadcast_to_batch(args, bdims, *, shape):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    x = bdim_to_front(args[0], bdims[0])
    size = x.shape[0]
    missing = len(shape) - (len(x.shape) - 1)
    if missing:  # broadcasting aligns from the right: the new axes go after the batch
        x = reshape_value(x, (size,) + (1,) * missing + tuple(x.shape[1:]))
    return broadcast_value(x, (size,) + tuple(shape)), 0


def _flip_batch(args, bdims, *, axes):
    d = bdims[0]
    return bind(flip_p, args[0], axes=tuple(_past(a, d) for a in axes)), d


def _diagonal_batch(args, bdims, *, offset, axis1, axis2):
    # The output is x's other axes in order, then the diagonal: the batch stays among the
    # others, moved left by the two axes taken out before it.
    d = bdims[0]
    a1, a2 = _past(axis1, d), _past(axis2, d)
    out = bind(diagonal_p, args[0], offset=offset, axis1=a1, axis2=a2)
    return out, d - (a1 < d) - (a2 < d)


def _split_batch(args, bdims, *, bounds, axis):
    d = bdims[0]
    outs = bind(split_p, args[0], bounds=bounds, axis=_past(axis, d))
    return tuple(outs), (d,) * len(outs)


def _concatenate_batch(args, bdims, *, axis):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    if len(set(bdims)) == 1:  # all batched at the same axis: concatenate past it
        d = bdims[0]
        return bind(concatenate_p, *args, axis=_past(axis, d)), d
    size = next(a.shape[d] for a, d in zip(args, bdims, strict=True) if d is not None)
    xs = [bdim_to_front(a, d, size) for a, d in zip(args, bdims, strict=True)]
    return bind(concatenate_p, *xs, axis=axis + 1), 0


def _install_batch_rules() -> None:
    reshape_p.batch = _reshape_batch
    transpose_p.batch = _transpose_batch
    broadcast_to_p.batch = _broadcast_to_batch
    flip_p.batch = _flip_batch
    diagonal_p.batch = _diagonal_batch
    split_p.batch = _split_batch
    concatenate_p.batch = _concatenate_batch


_install_batch_rules()
