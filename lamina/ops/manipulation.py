"""Array manipulation and sorting: composites of the shape and indexing primitives, plus sorting.

Most functions here are composites (STYLE.md, rule 4): ``tile``/``repeat`` are a reshape, a
broadcast and a reshape, ``pad``/``take``/``take_along_axis`` are gathers with index arrays
computed on the host from static shapes, ``tril``/``triu``/``diag`` are a ``where`` over a
constant mask. Their derivatives and batch
rules therefore come from the primitives they are made of.

The primitives of this module are ``roll`` (see ``roll_value``) and the sorting kernels, which
need their own kernels for speed: ``sort`` (stable, NaNs last), ``argsort`` and
``searchsorted`` (both "no grad": integer outputs).

NOTE [host constants]: index arrays and masks that depend only on static shapes (``tri``
masks, ``arange`` columns, ``pad``'s index maps) are built with NumPy on the host and become
data leaves of the lazy graph. Leaves enter the compile-cache key by shape and dtype only, so
a second call with the same shapes hits the cache; the leaves themselves are cached per device
(values are immutable, so sharing them is safe).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaIndexError, LaminaValueError
from lamina.lazy.graph import constant
from lamina.ops import elementwise as ew
from lamina.ops import shape as sh
from lamina.ops.common import prod, to_value
from lamina.ops.indexing import gather_p, scatter_p

__all__ = [
    "roll_p", "sort_p", "argsort_p", "searchsorted_p", "host_constant", "slice_along", "take_value",
    "take_along_axis_value", "put_along_axis_value", "along_axis_index", "roll_value",
    "tile_value", "repeat_value", "pad_value", "tri_mask", "tril_value", "triu_value",
    "diag_value", "sort_value", "argsort_value", "searchsorted_value", "searchsorted_rows",
    "zero_of",
]

_ALL = ("slice", None, None, None)


# -- host constants (NOTE [host constants]) --------------------------------------------------------

_host_constants: OrderedDict[tuple, Any] = OrderedDict()


def host_constant(key: tuple, make, device) -> Any:
    """A data leaf on ``device`` holding ``make()`` (a NumPy array), cached under ``key``."""
    full_key = (*key, device)
    leaf = _host_constants.get(full_key)
    if leaf is None:
        leaf = to_value(make(), key[0], device)
        _host_constants[full_key] = leaf
        if len(_host_constants) > 256:
            _host_constants.popitem(last=False)
    else:
        _host_constants.move_to_end(full_key)
    return leaf


def zero_of(x: Any) -> Any:
    """A 0-d zero of ``x``'s dtype on ``x``'s device (False for bool)."""
    return constant(0, x.dtype, x.device)


# -- slicing and gathering along one axis ----------------------------------------------------------

def slice_along(x: Any, axis: int, start: int | None, stop: int | None,
                step: int | None = None) -> Any:
    """``x[..., start:stop:step, ...]`` with the slice at ``axis`` (a value-level view)."""
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415

    index = (_ALL,) * axis + (("slice", start, stop, step),)
    return bind(getitem_p, x, index=index)


def _gather_along(x: Any, axis: int, indices: Any) -> Any:
    """``x[..., indices, ...]`` with the integer index array value ``indices`` at ``axis``."""
    return bind(gather_p, x, indices, index=(_ALL,) * axis + (("array", 0),))


def take_value(x: Any, indices: Any, axis: int) -> Any:
    """``numpy.take(x, indices, axis)`` on values: ``indices`` an int or an integer value."""
    if isinstance(indices, int):
        return bind(gather_p, x, index=(_ALL,) * axis + (indices,))
    return _gather_along(x, axis, indices)


def along_axis_index(shape: tuple, indices: Any, axis: int) -> tuple[tuple, list]:
    """The fancy index of ``take_along_axis``: (static index, index-array values).

    Every axis but ``axis`` is indexed by an ``arange`` shaped to broadcast against
    ``indices`` (NOTE [host constants]); ``axis`` itself by ``indices``.
    """
    ndim = len(shape)
    arrays = []
    for d, n in enumerate(shape):
        if d == axis:
            arrays.append(indices)
            continue
        col = (1,) * d + (n,) + (1,) * (ndim - d - 1)
        arrays.append(host_constant(("take_along_axis", "arange", col),
                                    lambda n=n, col=col: np.arange(n).reshape(col),
                                    indices.device))
    return tuple(("array", k) for k in range(ndim)), arrays


def take_along_axis_value(x: Any, indices: Any, axis: int) -> Any:
    index, arrays = along_axis_index(x.shape, indices, axis)
    return bind(gather_p, x, *arrays, index=index)


def put_along_axis_value(x: Any, indices: Any, values: Any, axis: int) -> Any:
    """``x`` with ``x[along_axis_index] = values`` (broadcast, cast to ``x.dtype``)."""
    index, arrays = along_axis_index(x.shape, indices, axis)
    target = np.broadcast_shapes(*[a.shape for a in arrays])
    if values.dtype != x.dtype:
        values = ew.astype_value(values, x.dtype)
    try:
        ok = tuple(np.broadcast_shapes(values.shape, target)) == tuple(target)
    except ValueError:
        ok = False
    if not ok:
        raise LaminaValueError(
            f"put_along_axis: shape mismatch: value array of shape {values.shape} could not be "
            f"broadcast to indexing result of shape {tuple(target)}"
        )
    values = sh.broadcast_value(values, tuple(target))
    return bind(scatter_p, x, values, *arrays, index=index, accumulate=False)


# -- roll, tile, repeat ----------------------------------------------------------------------------

def _roll_impl(xp, x, *, shifts, axes):
    return xp.roll(x, shifts, axes)


roll_p = Primitive("roll", _roll_impl, lambda x, *, shifts, axes: (x.shape, x.dtype))


def roll_value(x: Any, shifts: tuple, axes: tuple) -> Any:
    """``x`` rolled by ``shifts[i]`` along ``axes[i]`` (axes distinct, non-negative).

    A primitive rather than two slices and a concatenate: grid codes roll in their inner loops
    (autograd's fluidsim rolls 48 times a step), and the composite made five nodes forward
    and five backward per roll where this makes one each.
    """
    kept = [(shift % x.shape[axis], axis) for shift, axis in zip(shifts, axes, strict=True)
            if x.shape[axis] and shift % x.shape[axis]]
    if not kept:
        return x
    return bind(roll_p, x, shifts=tuple(s for s, _ in kept), axes=tuple(a for _, a in kept))


def tile_value(x: Any, reps: tuple) -> Any:
    """``numpy.tile``: ``x`` repeated ``reps[i]`` times along each axis (reps non-negative)."""
    ndim = max(len(reps), len(x.shape))
    reps = (1,) * (ndim - len(reps)) + tuple(reps)
    shape = (1,) * (ndim - len(x.shape)) + tuple(x.shape)
    if all(r == 1 for r in reps):
        return sh.reshape_value(x, shape)
    interleaved = tuple(d for s in shape for d in (1, s))
    target = tuple(d for r, s in zip(reps, shape, strict=True) for d in (r, s))
    x = sh.broadcast_value(sh.reshape_value(x, interleaved), target)
    return sh.reshape_value(x, tuple(r * s for r, s in zip(reps, shape, strict=True)))


def repeat_value(x: Any, repeats: tuple, axis: int) -> Any:
    """``numpy.repeat`` along ``axis``: ``repeats`` has one count, or one per element."""
    n = x.shape[axis]
    if len(repeats) == 1:
        r = repeats[0]
        if r == 1:
            return x
        shape = x.shape
        expanded = shape[: axis + 1] + (1,) + shape[axis + 1:]
        target = shape[: axis + 1] + (r,) + shape[axis + 1:]
        x = sh.broadcast_value(sh.reshape_value(x, expanded), target)
        return sh.reshape_value(x, shape[:axis] + (n * r,) + shape[axis + 1:])
    index = host_constant(("repeat", n, repeats),
                          lambda: np.repeat(np.arange(n), repeats), x.device)
    return _gather_along(x, axis, index)


# -- pad -------------------------------------------------------------------------------------------

def pad_value(x: Any, widths: tuple, mode: str, constants: tuple | None = None) -> Any:
    """``numpy.pad`` on values, one axis after the other as NumPy does.

    ``widths`` is ``((before, after), ...)`` per axis; ``mode`` is ``"constant"`` (with
    ``constants`` ``((before, after), ...)`` of Python scalars) or one of NumPy's index-map
    modes (``edge``, ``reflect``, ``symmetric``, ``wrap``), which gather along the axis with
    an index map computed by NumPy itself on ``arange(n)`` (NOTE [host constants]).
    """
    for axis, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        n = x.shape[axis]
        if mode == "constant":
            parts = []
            for width, fill in ((before, constants[axis][0]), (after, constants[axis][1])):
                shape = x.shape[:axis] + (width,) + x.shape[axis + 1:]
                parts.append(_full_like(x, shape, fill) if width else None)
            pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
            x = sh.concatenate_values(pieces, axis)
            continue
        key = ("pad", mode, n, before, after)
        index = host_constant(
            key, lambda n=n, w=(before, after): np.pad(np.arange(n), w, mode=mode), x.device
        )
        x = _gather_along(x, axis, index)
    return x


def _full_like(x: Any, shape: tuple, fill: Any) -> Any:
    from lamina.ops.creation import full_value  # noqa: PLC0415

    if x.dtype.kind != "c" and isinstance(fill, complex):
        fill = fill.real
    return full_value(shape, np.asarray(fill).astype(x.dtype).item(), x.dtype, x.device)


# -- tril, triu, diag ------------------------------------------------------------------------------

def tri_mask(n: int, m: int, k: int, device) -> Any:
    """The boolean ``numpy.tri(n, m, k)`` as a (cached) data leaf on ``device``."""
    return host_constant(("tri", n, m, k), lambda: np.tri(n, m, k, dtype=bool), device)


def tril_value(x: Any, k: int) -> Any:
    """The lower triangle (``j <= i + k``) of the last two axes of ``x``; zeros above."""
    n, m = x.shape[-2:] if len(x.shape) >= 2 else (x.shape[-1], x.shape[-1])
    return ew.where(tri_mask(n, m, k, x.device), x, zero_of(x))


def triu_value(x: Any, k: int) -> Any:
    """The upper triangle (``j >= i + k``) of the last two axes of ``x``; zeros below."""
    n, m = x.shape[-2:] if len(x.shape) >= 2 else (x.shape[-1], x.shape[-1])
    return ew.where(tri_mask(n, m, k - 1, x.device), zero_of(x), x)


def diag_value(v: Any, k: int) -> Any:
    """The square matrix with the 1-D ``v`` on its ``k``-th diagonal (``numpy.diag``)."""
    n = v.shape[0]
    size = n + abs(k)
    if k:
        zeros = _full_like(v, (abs(k),), 0)
        v = sh.concatenate_values([zeros, v] if k > 0 else [v, zeros], 0)
    # Column j of the result holds v[j] (after the shift above) where the mask is set.
    mask = host_constant(("eye", size, k), lambda: np.eye(size, k=k, dtype=bool), v.device)
    return ew.where(mask, sh.reshape_value(v, (1, size)), zero_of(v))


# -- sorting primitives ----------------------------------------------------------------------------

# CuPy's sorts are always stable and (in older versions) take no ``kind``.
def _sort_impl(xp, x, *, axis):
    return xp.sort(x, axis=axis, kind="stable") if xp is np else xp.sort(x, axis=axis)


sort_p = Primitive("sort", _sort_impl, lambda x, *, axis: (x.shape, x.dtype))


def _argsort_impl(xp, x, *, axis):
    out = xp.argsort(x, axis=axis, kind="stable") if xp is np else xp.argsort(x, axis=axis)
    return out if out.dtype == np.intp else out.astype(np.intp)


argsort_p = Primitive(
    "argsort", _argsort_impl, lambda x, *, axis: (x.shape, np.dtype(np.intp)), nondiff=True
)


def _searchsorted_impl(xp, a, v, *, side):
    out = xp.searchsorted(a, v, side=side)
    out = xp.asarray(out)
    return out if out.dtype == np.intp else out.astype(np.intp)


def _searchsorted_abstract(a, v, *, side):
    return v.shape, np.dtype(np.intp)


searchsorted_p = Primitive("searchsorted", _searchsorted_impl, _searchsorted_abstract,
                           nondiff=True)


def sort_value(x: Any, axis: int) -> Any:
    return bind(sort_p, x, axis=axis)


def argsort_value(x: Any, axis: int) -> Any:
    return bind(argsort_p, x, axis=axis)


def searchsorted_value(a: Any, v: Any, side: str) -> Any:
    """Insertion points of ``v`` in the sorted 1-D ``a`` (both of one dtype)."""
    if side not in ("left", "right"):
        raise LaminaValueError(f"searchsorted: side must be 'left' or 'right' (got {side!r})")
    if len(a.shape) != 1:
        raise LaminaValueError(
            f"searchsorted: the sorted array `a` must be 1-D, got shape {a.shape}; search each "
            "row separately, or flatten it first."
        )
    return bind(searchsorted_p, a, v, side=side)


def check_index_dtype(indices: Any, what: str, error: type = LaminaIndexError) -> None:
    """Refuse non-integer index arrays (``error``: the class NumPy raises for ``what``)."""
    if indices.dtype.kind not in "iu":
        raise error(
            f"{what}: `indices` must be an integer array, got dtype {indices.dtype}. Convert "
            "it with .astype(int)."
        )



# -- vjp rules (NOTE [vjp rules] in lamina/interpreters/grad.py) -----------------------------------

def _sort_vjp(g, x, *, out, axis):
    # out = take_along_axis(x, perm, axis) with perm the (stable) argsort, so the cotangent
    # goes back through the same permutation: scattered (added; perm has no duplicates) into
    # zeros. Ties are not differentiable; the stable order decides which gets which.
    from lamina.ops import ad  # noqa: PLC0415

    perm = argsort_value(x, axis)
    index, arrays = along_axis_index(x.shape, perm, axis)
    return (bind(scatter_p, ad.zeros_like(x), g, *arrays, index=index, accumulate=True),)


sort_p.vjp = _sort_vjp
roll_p.vjp = lambda g, x, *, out, shifts, axes: (
    bind(roll_p, g, shifts=tuple(-s for s in shifts), axes=axes),)


def _sort_jvp(primals, tangents, *, axis):
    # The sorted values are x gathered by the (stable) argsort: so is the tangent.
    (x,), (t,) = primals, tangents
    out = bind(sort_p, x, axis=axis)
    perm = argsort_value(x, axis)
    index, arrays = along_axis_index(x.shape, perm, axis)
    return out, bind(gather_p, t, *arrays, index=index)


sort_p.jvp = _sort_jvp


def _install_jvp_rules() -> None:
    from lamina.ops.jvp_util import linear_jvp  # noqa: PLC0415

    roll_p.jvp = linear_jvp(roll_p)


_install_jvp_rules()


# -- vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py) ----------------------------
# Sorts shift their axis past the batch. searchsorted with a batched sorted array searches each
# row in its own ``a``, vectorized with sorts (``searchsorted_rows``).

def _sort_batch(prim):
    def rule(args, bdims, *, axis):
        d = bdims[0]
        return bind(prim, args[0], axis=axis + (axis >= d)), d
    return rule


def searchsorted_rows(a: Any, v: Any, side: str) -> Any:
    """``searchsorted(a[b], v[b], side)`` for every row b of the 2-D ``a`` and ``v``.

    The insertion point of ``v[b, j]`` is the number of elements of ``a[b]`` that sort before
    it. Sort each row of ``[v, a]`` (left: ties put ``v`` first) or ``[a, v]`` (right: ties put
    ``a`` first) stably; the position of ``v[b, j]`` there, less its rank among ``v[b]``
    (the same stable order), counts the elements of ``a[b]`` before it. The sorts order NaNs
    last, as searchsorted does.
    """
    n, m = a.shape[1], v.shape[1]
    both = sh.concatenate_values([v, a] if side == "left" else [a, v], 1)
    place = argsort_value(argsort_value(both, 1), 1)  # the inverse permutation: positions
    place = slice_along(place, 1, 0, m) if side == "left" else slice_along(place, 1, n, None)
    rank = argsort_value(argsort_value(v, 1), 1)
    return ew.apply_ufunc(ew.subtract_p, place, rank)


def _searchsorted_batch(args, bdims, *, side):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    a, v = args
    da, dv = bdims
    if da is None:  # one sorted array for every element: v's shape does not matter
        return bind(searchsorted_p, a, v, side=side), dv
    size = a.shape[da]
    a = bdim_to_front(a, da)
    v = bdim_to_front(v, dv, size)
    shape = v.shape
    rows = sh.reshape_value(v, (size, prod(shape[1:])))
    return sh.reshape_value(searchsorted_rows(a, rows, side), shape), 0


def _roll_batch(args, bdims, *, shifts, axes):
    d = bdims[0]
    return bind(roll_p, args[0], shifts=shifts, axes=tuple(a + (a >= d) for a in axes)), d


def _install_batch_rules() -> None:
    roll_p.batch = _roll_batch
    sort_p.batch = _sort_batch(sort_p)
    argsort_p.batch = _sort_batch(argsort_p)
    searchsorted_p.batch = _searchsorted_batch


_install_batch_rules()
