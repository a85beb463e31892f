"""``t[index]`` and ``t[index] = value`` for ``Tensor`` handles, with NumPy's rules.

Getting:

- basic indices (ints, slices, None, Ellipsis) give a view handle (a ``getitem`` view step);
  except when every axis is taken by an integer (``x[0]`` of a 1-D tensor, ``x[1, 2]`` of a
  2-D one, ``x[()]`` of a 0-d one): NumPy returns a scalar, a *copy*, there, so lamina returns
  a 0-d tensor that does not alias ``x`` (``x[0, ...]`` is the 0-d view, as in NumPy);
- any integer or boolean array (a list, a NumPy array, a Tensor, also 0-d) makes the index
  *advanced* and the result a copy (a ``gather``). Where the advanced dimensions go follows
  NumPy (NOTE [index shapes from NumPy] in ``lamina/ops/indexing.py``);
- boolean masks become integer arrays through ``nonzero``, which needs the mask's data: one of
  the documented evaluation points (NOTE [what forces evaluation]). A 0-d boolean (``x[True]``,
  ``x[None, False]``) adds a length-1 (or length-0) axis there, as in NumPy.

Setting (``x[index] = value``): the value is cast to ``x.dtype`` with NumPy's unsafe casting
(a Python int that does not fit raises OverflowError, a Python complex into a real tensor
TypeError, as NumPy does), broadcast to the indexed shape, and written through ``x``'s view
chain (NOTE [storages and views]). Duplicate advanced indices write once (the last write
wins), as in NumPy. ``x[mask] = value`` with a mask over leading axes and a value that does
not depend on how many elements are selected stays lazy, as a ``where``. Integer index arrays
that are still pending are evaluated before a write, so that an out-of-bounds index raises at
the assignment and never leaves a broken value in ``x``.

Everything is checked before anything is written: a failing assignment leaves ``x`` and all
its aliases unchanged.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from lamina.core import bind, unwrap_all
from lamina.errors import LaminaIndexError, LaminaTypeError, LaminaValueError
from lamina.lazy.graph import tracing
from lamina.numpy._handles import handle, value_of
from lamina.ops import elementwise as ew
from lamina.ops import indexing as ix
from lamina.ops.common import is_value, scalar_value
from lamina.ops.shape import broadcast_value, reshape_value
from lamina.wrappers.tensor import Tensor, ViewMeta, read_only_error

__all__ = ["getitem", "setitem", "ufunc_at"]

_VALID = (
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
    "boolean arrays are valid indices"
)
_GETITEM = ix.getitem_p
_ARRAY_TYPES = (Tensor, np.ndarray, list, tuple)
_PY_NUMBERS = (bool, int, float, complex)
# ``special`` flags of a parsed index.
_MASK = 1  # a boolean array of one or more dimensions
_BOOL0 = 2  # a 0-d boolean


def _bound(v: Any) -> int | None:
    if v is None or type(v) is int:
        return v
    try:
        return v.__index__()
    except (AttributeError, TypeError):
        raise LaminaTypeError(
            "slice indices must be integers or None or have an __index__ method"
        ) from None


def _is_gpu_array(e: Any) -> bool:
    return hasattr(e, "__cuda_array_interface__")


def _index_array(e: Any, device) -> Any:
    """An index array (list, tuple, NumPy/CuPy array, Tensor) as a value."""
    if (type(e) is list or type(e) is tuple) and not _contains_tensor(e):
        try:
            host = np.asarray(e)
        except ValueError as exc:  # ragged
            raise LaminaValueError(f"index {_short(e)}: {exc}") from None
        if host.dtype != object:
            if host.size == 0 and host.dtype.kind == "f":
                host = host.astype(np.intp)  # NumPy reads an empty list as an integer index
            e = host
    elif type(e) is np.ndarray:
        # NOTE [snapshot NumPy inputs]: the index is used later, when the graph runs; a NumPy
        # array the caller mutates afterwards must not change the result.
        e = e.copy()
    try:
        return value_of(e, "index", device)
    except (TypeError, ValueError):
        raise LaminaIndexError(f"{_VALID}; got {_short(e)}.") from None


def _contains_tensor(seq: Any) -> bool:
    return any(isinstance(e, Tensor) or is_value(e) or (
        isinstance(e, (list, tuple)) and _contains_tensor(e)) for e in seq)


def _short(e: Any) -> str:
    text = repr(e)
    return text if len(text) < 60 else text[:57] + "..."


def _parse(index: Any, device) -> tuple[tuple, list | None, int]:
    """(static index, index-array values or None when basic, special flags)."""
    if type(index) is not tuple:
        index = (index,)
    entries: list = []
    arrays: list | None = None
    special = 0
    ellipsis = False
    for e in index:
        kind = type(e)
        if kind is int:
            entries.append(e)
        elif kind is slice:
            entries.append(("slice", _bound(e.start), _bound(e.stop), _bound(e.step)))
        elif e is None:
            entries.append(None)
        elif e is Ellipsis:
            if ellipsis:
                raise LaminaIndexError("an index can only have a single ellipsis ('...')")
            ellipsis = True
            entries.append(e)
        elif kind is bool or kind is np.bool_:
            special |= _BOOL0
            entries.append(("bool0", bool(e)))
        elif isinstance(e, _ARRAY_TYPES) or is_value(e) or _is_gpu_array(e):
            v = _index_array(e, device)
            dtype = v.dtype
            if arrays is None:
                arrays = []
            if dtype == np.bool_:
                if not v.shape:
                    special |= _BOOL0
                    entries.append(("bool0", v))
                    continue
                special |= _MASK
            elif dtype.kind not in "iu":
                raise LaminaIndexError(
                    "arrays used as indices must be of integer (or boolean) type; got an array "
                    f"of dtype {dtype}. Convert it with .astype(int)."
                )
            arrays.append(v)
            entries.append(("array", len(arrays) - 1))
        elif isinstance(e, (numbers.Integral, np.integer)):
            entries.append(int(e))
        elif not isinstance(e, (float, complex, str, np.generic)) and hasattr(kind, "__index__"):
            entries.append(e.__index__())  # any object usable as an integer, as NumPy allows
        else:
            raise LaminaIndexError(f"{_VALID}; got {kind.__name__} ({_short(e)}).")
    if special & _BOOL0 and arrays is None:
        arrays = []
    return tuple(entries), arrays, special


def _width(e: Any, arrays: list) -> int:
    """How many axes of the indexed tensor the index entry ``e`` takes."""
    if e is None or e is Ellipsis:
        return 0
    if type(e) is tuple:
        if e[0] == "bool0":
            return 0
        if e[0] == "array":
            a = arrays[e[1]]
            return len(a.shape) if a.dtype == np.bool_ else 1
    return 1


def _advanced(value: Any, entries: tuple, arrays: list) -> tuple[Any, tuple, list, bool]:
    """Masks and 0-d booleans as integer index arrays: (base, entries, arrays, axes_added).

    A mask of k dimensions becomes its k ``nonzero`` arrays. A 0-d boolean takes no axis and
    adds one of length 1 (True) or 0 (False) in NumPy; here a length-1 axis is inserted into
    the base at that place and indexed by ``[0]`` or ``[]``, which puts the new dimension where
    NumPy puts it, also among other advanced indices.
    """
    shape = value.shape
    ndim = len(shape)
    widths = [_width(e, arrays) for e in entries]
    consumed = sum(widths)
    if consumed > ndim:
        raise LaminaIndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {consumed} were "
            "indexed"
        )
    new_entries: list = []
    new_arrays: list = []
    inserted: list[int] = []
    axis = 0
    for e, w in zip(entries, widths, strict=True):
        if e is Ellipsis:
            new_entries.append(e)
            axis += ndim - consumed
            continue
        if type(e) is not tuple or e[0] == "slice":
            new_entries.append(e)
            axis += w
            continue
        if e[0] == "bool0":
            inserted.append(axis + len(inserted))
            new_arrays.append(_bool0_positions(e[1], value.device))
            new_entries.append(("array", len(new_arrays) - 1))
            continue
        a = arrays[e[1]]
        if a.dtype == np.bool_:
            for k, m in enumerate(a.shape):
                n = shape[axis + k]
                if m != n:
                    raise LaminaIndexError(
                        f"boolean index did not match indexed array along axis {axis + k}; "
                        f"size of axis is {n} but size of corresponding boolean axis is {m}"
                    )
            for part in bind(ix.nonzero_p, a):
                new_arrays.append(part)
                new_entries.append(("array", len(new_arrays) - 1))
        else:
            new_arrays.append(a)
            new_entries.append(("array", len(new_arrays) - 1))
        axis += w
    if inserted:
        new_shape = list(shape)
        for p in inserted:
            new_shape.insert(p, 1)
        value = reshape_value(value, tuple(new_shape))
    return value, tuple(new_entries), new_arrays, bool(inserted)


def _bool0_positions(flag: Any, device) -> Any:
    """``[0]`` for True, ``[]`` for False (an intp value); a 0-d boolean value is evaluated."""
    if isinstance(flag, bool):
        return value_of(np.zeros(1 if flag else 0, dtype=np.intp), "index", device)
    return bind(ix.nonzero_p, reshape_value(flag, (1,)))[0]


def _check_bounds(entries: tuple, arrays: list, shape: tuple, force: bool) -> None:
    """Refuse out-of-range integer index arrays now, so the error points at the indexing line.

    Arrays whose data is at hand are checked; with ``force`` (assignments) pending arrays are
    evaluated first, so that a bad index can never end up inside a tensor's value.
    """
    n_explicit = sum(1 for e in entries if e is not None and e is not Ellipsis)
    axis = 0
    for e in entries:
        if e is Ellipsis:
            axis += len(shape) - n_explicit
            continue
        if e is None:
            continue
        if type(e) is tuple and e[0] == "array" and axis < len(shape):
            # The data behind every transform's wrapper: a batched index array holds all its
            # batch's indices, each checked against the same axis.
            a = unwrap_all(arrays[e[1]])
            data = getattr(a, "data", None)
            if data is None and force and hasattr(a, "realize") and not tracing.active:
                # Under lm.compile the index is an input with no value yet: the kernel checks
                # it when the program runs, before anything is written back.
                data = a.realize()
            if data is not None and a.size:
                n = shape[axis]
                lo, hi = int(data.min()), int(data.max())
                if lo < -n or hi >= n:
                    bad = hi if hi >= n else lo
                    raise LaminaIndexError(
                        f"index {bad} is out of bounds for axis {axis} with size {n}"
                    )
        axis += 1


# -- getting -----------------------------------------------------------------------------------

def getitem(t: Tensor, index: Any) -> Tensor:
    """``t[index]``: a view for basic indices, a copy otherwise (see the module docstring)."""
    value = t._lamina_read()
    entries, arrays, special = _parse(index, value.device)
    if arrays is None:
        # The shape rule raises NumPy's IndexError for a bad index.
        out = bind(_GETITEM, value, index=entries)
        if not out.shape and Ellipsis not in entries:
            scalar = handle(out)  # NumPy gives a scalar: a copy (NOTE [scalar copies])
            scalar._scalar_copy = True
            return scalar
        return t._make_view(out, ViewMeta(_GETITEM, {"index": entries}))
    if special:
        value, entries, arrays, _ = _advanced(value, entries, arrays)
    _check_bounds(entries, arrays, value.shape, force=False)
    return handle(bind(ix.gather_p, value, *arrays, index=entries))


# -- setting -----------------------------------------------------------------------------------

def setitem(t: Tensor, index: Any, new: Any) -> None:
    """``t[index] = new`` with NumPy's casting and broadcasting (see the module docstring)."""
    if not t._writeable:
        raise read_only_error("setitem", t)
    value = t._lamina_read()
    entries, arrays, special = _parse(index, value.device)
    v = _value_for(new, value)
    if arrays is None:
        target = ix.index_shape(value.shape, entries)
        if not target and v.shape and Ellipsis not in entries:
            # Every axis taken by an integer: NumPy stores one element, never a sequence.
            raise LaminaValueError(
                f"setting an array element with a sequence (a value of shape {v.shape} into "
                "one element); assign a scalar, or index with x[..., i] to broadcast."
            )
        v = _broadcast_for_set(v, target, False)
        t._assign(bind(ix.basic_update_p, value, v, index=entries), "setitem")
        return
    if special == _MASK and len(arrays) == 1:
        done = _set_by_mask(t, value, entries, arrays[0], v)
        if done:
            return
    base, entries2, arrays2, inserted = _advanced(value, entries, arrays) if special else (
        value, entries, arrays, False)
    _check_bounds(entries2, arrays2, base.shape, force=True)
    target = ix.index_shape(base.shape, entries2, tuple(a.shape for a in arrays2))
    if special == _MASK and len(entries) == 1 and len(arrays[0].shape) == len(value.shape):
        _check_full_mask_value(v, target)
    elif special == _BOOL0 and len(entries) == 1 and not value.shape:
        _check_full_mask_value(v, target)  # a 0-d mask of a 0-d tensor is a full mask too
    v = _broadcast_for_set(v, target, True)
    result = bind(ix.scatter_p, base, v, *arrays2, index=entries2, accumulate=False)
    if inserted:
        result = reshape_value(result, value.shape)
    t._assign(result, "setitem")


def _value_for(new: Any, value: Any) -> Any:
    """``new`` as a value of ``value``'s dtype and device, cast as NumPy's setitem casts."""
    dtype = value.dtype
    device = value.device
    kind = type(new)
    if kind in _PY_NUMBERS:
        # NumPy converts Python scalars directly: OverflowError for an int that does not fit,
        # ValueError for NaN into an integer tensor, TypeError for a complex into a real one.
        return scalar_value(new, dtype, device)
    if isinstance(new, np.generic) and new.dtype.kind != "c":
        return scalar_value(new.item(), dtype, device)  # as NumPy: range-checked like Python's
    if kind is list or kind is tuple:
        v = value_of(new, "setitem", device, dtype)
    elif kind is np.ndarray:
        v = value_of(new.copy(), "setitem", device)  # NOTE [snapshot NumPy inputs]
    else:
        v = value_of(new, "setitem", device)
    return v if v.dtype == dtype else ew.astype_value(v, dtype)


def _strip_leading_ones(shape: tuple, ndim: int) -> tuple:
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


def _broadcast_for_set(v: Any, target: tuple, advanced: bool) -> Any:
    """``v`` broadcast to ``target``, NumPy's setitem rule; a 0-d ``v`` is kept as it is (the
    update kernels take a 0-d value or one of the target's shape)."""
    vshape = v.shape
    if vshape == target or not vshape:
        return v
    # NumPy drops leading length-1 axes of the value before broadcasting.
    shape = _strip_leading_ones(v.shape, len(target))
    ok = len(shape) <= len(target) and all(
        a == b or a == 1 for a, b in zip(shape[::-1], target[::-1], strict=False)
    )
    if not ok:
        if advanced:
            raise LaminaValueError(
                f"shape mismatch: value array of shape {v.shape} could not be broadcast to "
                f"indexing result of shape {target}"
            )
        raise LaminaValueError(
            f"could not broadcast input array from shape {v.shape} into shape {target}"
        )
    return broadcast_value(reshape_value(v, shape), target)


def _check_full_mask_value(v: Any, target: tuple) -> None:
    """NumPy's own rules for ``x[mask] = v`` with a mask of ``x``'s shape."""
    if len(v.shape) > 1:
        raise LaminaTypeError(
            "NumPy boolean array indexing assignment requires a 0 or 1-dimensional input, "
            f"input has {len(v.shape)} dimensions"
        )
    if len(v.shape) == 1 and v.shape[0] not in (1, target[0]):
        raise LaminaValueError(
            f"NumPy boolean array indexing assignment cannot assign {v.shape[0]} input values "
            f"to the {target[0]} output values where the mask is true"
        )


def _set_by_mask(t: Tensor, value: Any, entries: tuple, mask: Any, v: Any) -> bool:
    """``x[mask] = v`` as a lazy ``where`` when possible; False when it needs ``nonzero``.

    Possible when the index is the mask alone (or the mask and trailing full slices), the mask
    covers leading axes of ``x``, and ``v`` broadcasts against the remaining axes, so it does
    not depend on how many elements the mask selects.
    """
    if type(entries[0]) is not tuple or entries[0][0] != "array":
        return False
    for e in entries[1:]:
        if e is not Ellipsis and e != ("slice", None, None, None):
            return False
    shape = value.shape
    k = len(mask.shape)
    if mask.shape != shape[:k]:
        return False  # the general path raises NumPy's error
    rest = shape[k:]
    vshape = _strip_leading_ones(v.shape, len(rest))
    if k == len(shape):
        if len(v.shape) > 1 or (len(v.shape) == 1 and v.shape[0] != 1):
            return False  # the general path checks v against the number of True elements
        vshape = ()
    elif len(vshape) > len(rest) or not all(
        a == b or a == 1 for a, b in zip(vshape[::-1], rest[::-1], strict=False)
    ):
        return False
    cond = reshape_value(mask, mask.shape + (1,) * len(rest))
    t._assign(ew.where(cond, reshape_value(v, vshape), value), "setitem")
    return True


# -- ufunc.at ----------------------------------------------------------------------------------

def ufunc_at(t: Tensor, index: Any, new: Any, ufunc: str, what: str) -> None:
    """``numpy.<ufunc>.at(t, index, new)`` in place (NOTE [ufunc.at] in lamina/ops/indexing.py):
    the index as ``t[index]`` reads it (masks, negative entries; IndexError out of bounds),
    ``new`` converted as NumPy converts it (no weak Python scalars here: NumPy's ``at`` takes
    ``np.asarray(new)``) and broadcast to the indexed region without dropping axes, then one
    ``scatter_apply`` written back through ``t``'s views."""
    if not t._writeable:
        raise read_only_error(what, t)
    value = t._lamina_read()
    entries, arrays, special = _parse(index, value.device)
    if special:
        base, entries, arrays, inserted = _advanced(value, entries, arrays)
    else:
        base, arrays, inserted = value, arrays or [], False
    _check_bounds(entries, arrays, base.shape, force=True)
    region = ix.index_shape(base.shape, entries, tuple(a.shape for a in arrays))
    v = value_of(new.copy() if type(new) is np.ndarray else new, what, value.device)
    if v.shape and v.shape != region:
        if len(v.shape) > len(region) or not all(
                a in (b, 1) for a, b in zip(v.shape[::-1], region[::-1], strict=False)):
            raise LaminaValueError(
                f"{what}: array is not broadcastable to correct shape (a value of shape "
                f"{v.shape} for the indexed region of shape {region}; NumPy's ufunc.at "
                "broadcasts the value to the region without dropping axes)"
            )
        v = broadcast_value(v, region)
    result = bind(ix.scatter_apply_p, base, v, *arrays, index=entries, ufunc=ufunc)
    if inserted:
        result = reshape_value(result, value.shape)
    t._assign(result, what)
