"""``t[index]`` and ``t[index] = value`` for ``Tensor`` handles, with NumPy's rules.

Basic indices (ints, slices, None, Ellipsis) give a view handle; any integer or boolean array
makes the result a copy (a gather), as in NumPy. Boolean masks become integer arrays through
``nonzero``, which needs the mask's data: that is one of the documented evaluation points
(NOTE [what forces evaluation]), except for ``x[mask] = scalar`` with a mask of ``x``'s shape,
which stays lazy as a ``where``.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np

from lamina.core import bind
from lamina.errors import LaminaIndexError
from lamina.numpy._handles import handle, value_of, view_of
from lamina.ops import elementwise as ew
from lamina.ops import indexing as ix
from lamina.ops.common import is_scalar, is_value
from lamina.ops.shape import broadcast_value
from lamina.wrappers.tensor import Tensor

__all__ = ["getitem", "setitem"]

_VALID = (
    "only integers, slices (`:`), ellipsis (`...`), None (`numpy.newaxis`) and integer or "
    "boolean arrays are valid indices"
)


def _slice_part(v: Any) -> Any:
    if v is None:
        return None
    try:
        return operator.index(v)
    except TypeError:
        raise LaminaIndexError(
            f"slice indices must be integers or None or have an __index__ method; got {v!r}"
        ) from None


def _is_gpu_array(e: Any) -> bool:
    return hasattr(e, "__cuda_array_interface__")


def _parse(index: Any, shape: tuple, device) -> tuple[tuple, list, bool]:
    """(static index, index-array values, has_mask) for ``index`` into ``shape``."""
    if not isinstance(index, tuple):
        index = (index,)
    entries: list = []
    arrays: list = []
    has_mask = False
    for e in index:
        if e is None or e is Ellipsis:
            entries.append(e)
        elif isinstance(e, slice):
            entries.append(("slice", _slice_part(e.start), _slice_part(e.stop),
                            _slice_part(e.step)))
        elif isinstance(e, (bool, np.bool_)):
            raise LaminaIndexError(
                "a 0-d boolean index (x[True] / x[False]) is not supported by lamina; use "
                "x[None] for True and x[None][:0] for False."
            )
        elif isinstance(e, (numbers.Integral, np.integer)):
            entries.append(int(e))
        elif isinstance(e, (Tensor, list, np.ndarray)) or is_value(e) or _is_gpu_array(e):
            v = value_of(e, "index", device)
            if v.dtype == np.bool_:
                has_mask = True
            elif v.dtype.kind not in "iu":
                raise LaminaIndexError(
                    f"{_VALID}; got an array of dtype {v.dtype}. Convert it with .astype(int)."
                )
            arrays.append(v)
            entries.append(("array", len(arrays) - 1))
        else:
            raise LaminaIndexError(f"{_VALID}; got {type(e).__name__} ({e!r}).")
    if sum(e is Ellipsis for e in entries) > 1:
        raise LaminaIndexError("an index can only have a single ellipsis ('...')")
    return tuple(entries), arrays, has_mask


def _expand_masks(entries: tuple, arrays: list, shape: tuple) -> tuple[tuple, list]:
    """Replace boolean arrays by the integer arrays of ``nonzero`` (needs the mask's data)."""
    # Which axis each entry starts at, to check mask shapes as NumPy does.
    consumed = sum(
        (len(arrays[e[1]].shape) if arrays[e[1]].dtype == np.bool_ else 1)
        if type(e) is tuple and e[0] == "array" else (1 if isinstance(e, int) or type(e) is tuple else 0)
        for e in entries
    )
    new_entries: list = []
    new_arrays: list = []
    axis = 0
    for e in entries:
        if e is Ellipsis:
            new_entries.append(e)
            axis += len(shape) - consumed
            continue
        if e is None:
            new_entries.append(e)
            continue
        if type(e) is tuple and e[0] == "array":
            a = arrays[e[1]]
            if a.dtype == np.bool_:
                for k, (m, n) in enumerate(zip(a.shape, shape[axis: axis + len(a.shape)])):
                    if m != n:
                        raise LaminaIndexError(
                            f"boolean index did not match indexed array along axis {axis + k}; "
                            f"size of axis is {n} but size of corresponding boolean axis is {m}"
                        )
                if len(a.shape) == 0:
                    raise LaminaIndexError(
                        "a 0-d boolean index (x[True] / x[False]) is not supported by lamina; "
                        "use x[None] for True and x[None][:0] for False."
                    )
                for part in bind(ix.nonzero_p, a):
                    new_arrays.append(part)
                    new_entries.append(("array", len(new_arrays) - 1))
                axis += len(a.shape)
                continue
            new_arrays.append(a)
            new_entries.append(("array", len(new_arrays) - 1))
            axis += 1
            continue
        new_entries.append(e)
        axis += 1
    return tuple(new_entries), new_arrays


def _check_bounds(entries: tuple, arrays: list, shape: tuple) -> None:
    """Refuse out-of-range integer index arrays now when their data is at hand."""
    # Index arrays computed lazily are checked by NumPy when the graph runs; arrays whose data
    # is at hand are checked here, so the error points at the indexing line.
    axis = 0
    n_explicit = sum(1 for e in entries if e is not None and e is not Ellipsis)
    for e in entries:
        if e is Ellipsis:
            axis += len(shape) - n_explicit
        elif e is None:
            continue
        else:
            if type(e) is tuple and e[0] == "array":
                a = arrays[e[1]]
                data = getattr(a, "data", None)
                if data is not None and a.size and axis < len(shape):
                    n = shape[axis]
                    lo, hi = int(data.min()), int(data.max())
                    if lo < -n or hi >= n:
                        bad = hi if hi >= n else lo
                        raise LaminaIndexError(
                            f"index {bad} is out of bounds for axis {axis} with size {n}"
                        )
            axis += 1


def getitem(t: Tensor, index: Any) -> Tensor:
    value = t._lamina_read()
    entries, arrays, has_mask = _parse(index, value.shape, value.device)
    if not arrays:
        ix.index_shape(value.shape, entries)  # IndexError now, with NumPy's message
        return view_of(t, ix.getitem_p, {"index": entries})
    if has_mask:
        entries, arrays = _expand_masks(entries, arrays, value.shape)
    _check_bounds(entries, arrays, value.shape)
    ix.index_shape(value.shape, entries, tuple(a.shape for a in arrays))
    return handle(bind(ix.gather_p, value, *arrays, index=entries))


def setitem(t: Tensor, index: Any, new: Any) -> None:
    value = t._lamina_read()
    if not t._writeable:
        t._assign(value, "setitem")  # raises the read-only error
    entries, arrays, has_mask = _parse(index, value.shape, value.device)
    if is_scalar(new):
        v = ew.astype_value(value_of(np.asarray(new), "setitem", value.device), value.dtype) \
            if not isinstance(new, complex) or value.dtype.kind == "c" else \
            ew.astype_value(value_of(np.asarray(new.real), "setitem", value.device), value.dtype)
    else:
        v = value_of(new, "setitem", value.device)
        if v.dtype != value.dtype:
            v = ew.astype_value(v, value.dtype)
    if (has_mask and len(arrays) == 1 and len(entries) == 1 and arrays[0].shape == value.shape
            and v.size == 1):
        # x[mask] = scalar: a lazy where, no evaluation needed.
        from lamina.ops.shape import reshape_value  # noqa: PLC0415

        result = ew.where(arrays[0], reshape_value(v, ()), value)
        t._assign(result, "setitem")
        return
    if not arrays:
        target_shape = ix.index_shape(value.shape, entries)
        v = _broadcast_for_set(v, target_shape)
        t._assign(bind(ix.basic_update_p, value, v, index=entries), "setitem")
        return
    if has_mask:
        entries, arrays = _expand_masks(entries, arrays, value.shape)
    _check_bounds(entries, arrays, value.shape)
    target_shape = ix.index_shape(value.shape, entries, tuple(a.shape for a in arrays))
    v = _broadcast_for_set(v, target_shape)
    t._assign(bind(ix.scatter_p, value, v, *arrays, index=entries, accumulate=False), "setitem")


def _broadcast_for_set(v: Any, target_shape: tuple) -> Any:
    if v.shape == target_shape:
        return v
    # NumPy drops leading length-1 axes of the value before broadcasting.
    shape = v.shape
    while len(shape) > len(target_shape) and shape[0] == 1:
        shape = shape[1:]
    try:
        ok = tuple(np.broadcast_shapes(shape, target_shape)) == tuple(target_shape)
    except ValueError:
        ok = False
    if not ok:
        raise LaminaValueError(
            f"could not broadcast input array from shape {v.shape} into shape {target_shape}"
        )
    from lamina.ops.shape import reshape_value  # noqa: PLC0415

    return broadcast_value(reshape_value(v, shape), target_shape)


from lamina.errors import LaminaValueError  # noqa: E402
