"""Shape and layout functions of ``lamina.numpy``: views where NumPy returns views.

``reshape``/``ravel`` return a view when NumPy would (asked of NumPy itself on a zero-memory
stand-in with the handle's layout, ``Tensor._layout``), a copy otherwise. ``broadcast_to`` and
``diagonal`` return read-only views, as NumPy does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.numpy._handles import (
    check_out,
    handle,
    value_of,
    values_of,
    view_of,
    views_of,
    write_out,
)
from lamina.ops import shape as sh
from lamina.ops.common import as_index, normalize_axes, normalize_axis, prod
from lamina.ops.elementwise import astype_value
from lamina.wrappers.tensor import Tensor

__all__ = [
    "reshape", "ravel", "transpose", "permute_dims", "swapaxes", "moveaxis", "expand_dims",
    "squeeze", "broadcast_to", "broadcast_arrays", "broadcast_shapes", "flip", "fliplr",
    "flipud", "diagonal", "split", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
    "concatenate", "concat", "stack", "copy", "astype", "copyto", "shape", "ndim", "size",
    "matrix_transpose",
]


def _tensor(a: Any, what: str) -> Tensor:
    return a if type(a) is Tensor else handle(value_of(a, what))


def shape(a: Any) -> tuple:
    """The shape of ``a`` (a tuple of ints).

    >>> import lamina.numpy as lnp
    >>> lnp.shape(lnp.zeros((2, 3)))
    (2, 3)
    >>> lnp.shape([[1, 2, 3]])
    (1, 3)
    """
    return tuple(_tensor(a, "shape").shape)


def ndim(a: Any) -> int:
    """The number of dimensions of ``a``.

    >>> import lamina.numpy as lnp
    >>> lnp.ndim(lnp.zeros((2, 3))), lnp.ndim(5.0)
    (2, 0)
    """
    return len(shape(a))


def size(a: Any, axis: int | None = None) -> int:
    """The number of elements of ``a`` (along ``axis`` when given).

    >>> import lamina.numpy as lnp
    >>> x = lnp.zeros((2, 3))
    >>> lnp.size(x), lnp.size(x, axis=1)
    (6, 3)
    """
    s = shape(a)
    return prod(s) if axis is None else s[normalize_axis(axis, len(s), "size")]


_MISSING = object()


def reshape(a: Any, /, shape: Any = _MISSING, order: str = "C", *, newshape: Any = None,
            copy: bool | None = None) -> Tensor:
    """``a`` with a new shape; a view when NumPy would return one.

    One entry of ``shape`` may be negative (``-1``; NumPy reads any negative so): its size is
    inferred. ``shape=None`` keeps the shape, as in NumPy.

    >>> import lamina.numpy as lnp
    >>> x = lnp.arange(6.0)
    >>> y = lnp.reshape(x, (2, 3))
    >>> y[0, 0] = 7.0      # y is a view: x changes too
    >>> x[0].item()
    7.0
    """
    if shape is _MISSING:
        if newshape is None:
            raise LaminaTypeError("reshape() missing the required argument 'shape'")
        shape = newshape
    if order not in ("C", "A", "K"):
        raise LaminaValueError(
            f"reshape(order={order!r}): lamina supports C order only; for Fortran order use "
            "a.T.reshape(shape[::-1]).T"
        )
    t = _tensor(a, "reshape")
    value = t._lamina_read()
    if shape is None:  # NumPy's reshape(None): the same shape
        shape = value.shape
    new_shape = sh.resolve_shape(shape, prod(value.shape), "reshape")
    if copy:
        return handle(sh.reshape_value(value, new_shape))
    if t._views:
        try:
            np.reshape(t._layout(), new_shape, copy=False)
        except ValueError:
            if copy is False:
                raise LaminaValueError(
                    "reshape(copy=False): this tensor's layout needs a copy to take shape "
                    f"{new_shape}; pass copy=None (the default) to allow one."
                ) from None
            return handle(sh.reshape_value(value, new_shape))
    return view_of(t, sh.reshape_p, {"shape": new_shape})


def ravel(a: Any, order: str = "C") -> Tensor:
    """``a`` flattened to 1-D: a view when ``a`` is C-contiguous, a copy otherwise (as NumPy).

    Unlike ``reshape(a, -1)``, which returns a view whenever the strides allow one.

    >>> import lamina.numpy as lnp
    >>> lnp.ravel(lnp.asarray([[1, 2], [3, 4]]))
    Tensor([1, 2, 3, 4], device='cpu')
    """
    if order not in ("C", "A", "K"):
        raise LaminaValueError(
            f"ravel(order={order!r}): lamina supports C order only; for Fortran order use "
            "a.T.ravel()"
        )
    t = _tensor(a, "ravel")
    if t._views and not t._layout().flags.c_contiguous:
        return handle(sh.reshape_value(t._lamina_read(), (t.size,)))
    return view_of(t, sh.reshape_p, {"shape": (t.size,)})


def transpose(a: Any, axes: Any = None) -> Tensor:
    """``a`` with its axes permuted (reversed by default); a view.

    >>> import lamina.numpy as lnp
    >>> lnp.transpose(lnp.asarray([[1, 2, 3]]))
    Tensor([[1],
            [2],
            [3]], device='cpu')
    >>> lnp.transpose(lnp.zeros((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    t = _tensor(a, "transpose")
    n = t.ndim
    if axes is None:
        perm = tuple(range(n))[::-1]
    else:
        if as_index(axes) is not None:
            axes = (axes,)
        axes = tuple(axes)
        if len(axes) != n:
            raise LaminaValueError(
                f"transpose: axes don't match array (got {len(axes)} axes {axes} for a "
                f"{n}-d tensor; give a permutation of 0..{n - 1})"
            )
        perm = tuple(normalize_axis(ax, n, "transpose") for ax in axes)
        if sorted(perm) != list(range(n)):
            raise LaminaValueError(
                f"transpose: repeated axis in transpose (axes {axes}; give a permutation of "
                f"0..{n - 1})"
            )
    return view_of(t, sh.transpose_p, {"axes": perm})


permute_dims = transpose


def matrix_transpose(x: Any, /) -> Tensor:
    """``x`` with its last two axes swapped; a view.

    >>> import lamina.numpy as lnp
    >>> lnp.matrix_transpose(lnp.zeros((5, 2, 3))).shape
    (5, 3, 2)
    """
    t = _tensor(x, "matrix_transpose")
    if t.ndim < 2:
        raise LaminaValueError(
            f"matrix_transpose: input must have at least 2 dimensions, got shape {t.shape}"
        )
    return swapaxes(t, -1, -2)


def swapaxes(a: Any, axis1: int, axis2: int) -> Tensor:
    """``a`` with ``axis1`` and ``axis2`` interchanged; a view.

    >>> import lamina.numpy as lnp
    >>> lnp.swapaxes(lnp.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    t = _tensor(a, "swapaxes")
    n = t.ndim
    i, j = normalize_axis(axis1, n, "swapaxes"), normalize_axis(axis2, n, "swapaxes")
    perm = list(range(n))
    perm[i], perm[j] = perm[j], perm[i]
    return view_of(t, sh.transpose_p, {"axes": tuple(perm)})


def moveaxis(a: Any, source: Any, destination: Any) -> Tensor:
    """``a`` with the axes ``source`` moved to ``destination`` (ints or tuples); a view.

    >>> import lamina.numpy as lnp
    >>> lnp.moveaxis(lnp.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    t = _tensor(a, "moveaxis")
    n = t.ndim
    src = _axes_list(source, n)
    dst = _axes_list(destination, n)
    if len(src) != len(dst):
        raise LaminaValueError(
            "moveaxis: `source` and `destination` arguments must have the same number of elements"
        )
    order = [ax for ax in range(n) if ax not in src]
    for d, s in sorted(zip(dst, src, strict=False)):
        order.insert(d, s)
    return view_of(t, sh.transpose_p, {"axes": tuple(order)})


def _axes_list(axes: Any, n: int) -> list[int]:
    if as_index(axes) is not None:
        axes = [axes]
    out = [normalize_axis(ax, n, "moveaxis") for ax in axes]
    if len(set(out)) != len(out):
        raise LaminaValueError("moveaxis: repeated axis in `source` or `destination` argument")
    return out


def expand_dims(a: Any, axis: Any) -> Tensor:
    """``a`` with new length-1 axes at ``axis`` (int or tuple); a view.

    >>> import lamina.numpy as lnp
    >>> lnp.expand_dims(lnp.asarray([1, 2]), 1)
    Tensor([[1],
            [2]], device='cpu')
    >>> lnp.expand_dims(lnp.zeros((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    t = _tensor(a, "expand_dims")
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    n = t.ndim + len(axes)
    positions = normalize_axes(tuple(axes), n, "expand_dims")
    rest = iter(t.shape)
    new_shape = tuple(1 if i in positions else next(rest) for i in range(n))
    return view_of(t, sh.reshape_p, {"shape": new_shape})


def squeeze(a: Any, axis: Any = None) -> Tensor:
    """``a`` without length-1 axes (all, or those in ``axis``); a view.

    >>> import lamina.numpy as lnp
    >>> lnp.squeeze(lnp.zeros((1, 3, 1))).shape
    (3,)
    >>> lnp.squeeze(lnp.zeros((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    t = _tensor(a, "squeeze")
    old = t.shape
    if axis is None:
        new_shape = tuple(d for d in old if d != 1)
    elif not old and as_index(axis) in (0, -1):
        new_shape = ()  # NumPy lets one int axis 0/-1 through on a 0-d array (not a tuple)
    else:
        axes = normalize_axes(axis, len(old), "squeeze")
        for ax in axes:
            if old[ax] != 1:
                raise LaminaValueError(
                    f"squeeze: cannot select an axis to squeeze out which has size not equal to "
                    f"one (axis {ax} has size {old[ax]})"
                )
        new_shape = tuple(d for i, d in enumerate(old) if i not in axes)
    return view_of(t, sh.reshape_p, {"shape": new_shape})


def broadcast_to(array: Any, shape: Any) -> Tensor:
    """``array`` broadcast to ``shape``: a read-only view, as in NumPy.

    >>> import lamina.numpy as lnp
    >>> lnp.broadcast_to(lnp.asarray([1, 2, 3]), (2, 3))
    Tensor([[1, 2, 3],
            [1, 2, 3]], device='cpu')
    """
    from lamina.ops.creation import _check_shape  # noqa: PLC0415

    t = _tensor(array, "broadcast_to")
    return view_of(t, sh.broadcast_to_p, {"shape": _check_shape(shape, "broadcast_to")},
                   writeable=False)


def broadcast_shapes(*shapes: Any) -> tuple:
    """The shape that arrays of ``shapes`` broadcast to (NumPy's rules).

    >>> import lamina.numpy as lnp
    >>> lnp.broadcast_shapes((2, 1), (1, 3), 3)
    (2, 3)
    """
    from lamina.ops.elementwise import broadcast_shapes as _bs  # noqa: PLC0415

    return _bs("broadcast_shapes", *[(s,) if isinstance(s, int) else tuple(s) for s in shapes])


def broadcast_arrays(*args: Any) -> tuple:
    """The arrays broadcast against each other: read-only views.

    >>> import lamina.numpy as lnp
    >>> a, b = lnp.broadcast_arrays(lnp.asarray([[1], [2]]), lnp.asarray([10, 20, 30]))
    >>> a.shape, b.shape
    ((2, 3), (2, 3))
    >>> b
    Tensor([[10, 20, 30],
            [10, 20, 30]], device='cpu')
    """
    ts = [_tensor(a, "broadcast_arrays") for a in args]
    target = broadcast_shapes(*[t.shape for t in ts])
    return tuple(broadcast_to(t, target) for t in ts)


def flip(m: Any, axis: Any = None) -> Tensor:
    """``m`` with the order of elements reversed along ``axis`` (all axes by default); a view.

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([[1, 2], [3, 4]])
    >>> lnp.flip(x)
    Tensor([[4, 3],
            [2, 1]], device='cpu')
    >>> lnp.flip(x, axis=1)
    Tensor([[2, 1],
            [4, 3]], device='cpu')
    """
    t = _tensor(m, "flip")
    axes = normalize_axes(axis, t.ndim, "flip")
    return view_of(t, sh.flip_p, {"axes": axes})


def fliplr(m: Any) -> Tensor:
    """``m`` with its columns (axis 1) in reverse order; a view.

    >>> import lamina.numpy as lnp
    >>> lnp.fliplr(lnp.asarray([[1, 2], [3, 4]]))
    Tensor([[2, 1],
            [4, 3]], device='cpu')
    """
    t = _tensor(m, "fliplr")
    if t.ndim < 2:
        raise LaminaValueError("fliplr: Input must be >= 2-d.")
    return flip(t, 1)


def flipud(m: Any) -> Tensor:
    """``m`` with its rows (axis 0) in reverse order; a view.

    >>> import lamina.numpy as lnp
    >>> lnp.flipud(lnp.asarray([[1, 2], [3, 4]]))
    Tensor([[3, 4],
            [1, 2]], device='cpu')
    """
    t = _tensor(m, "flipud")
    if t.ndim < 1:
        raise LaminaValueError("flipud: Input must be >= 1-d.")
    return flip(t, 0)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal along ``axis1``/``axis2``: a read-only view, as in NumPy.

    >>> import lamina.numpy as lnp
    >>> x = lnp.arange(9).reshape(3, 3)
    >>> lnp.diagonal(x)
    Tensor([0, 4, 8], device='cpu')
    >>> lnp.diagonal(x, offset=1)
    Tensor([1, 5], device='cpu')
    """
    t = _tensor(a, "diagonal")
    n = t.ndim
    if n < 2:
        raise LaminaValueError("diagonal: diag requires an array of at least two dimensions")
    i, j = normalize_axis(axis1, n, "diagonal"), normalize_axis(axis2, n, "diagonal")
    if i == j:
        raise LaminaValueError("diagonal: axis1 and axis2 cannot be the same")
    k = as_index(offset)
    if k is None:
        raise LaminaTypeError(
            f"diagonal: offset must be an integer, got {type(offset).__name__} ({offset!r})."
        )
    return view_of(t, sh.diagonal_p, {"offset": k, "axis1": i, "axis2": j},
                   writeable=False)


def _split_bounds(length: int, indices_or_sections: Any, even: bool, what: str) -> tuple:
    try:  # NumPy's test: split points have a length; anything else is a number of sections
        len(indices_or_sections)
        points_given = True
    except TypeError:
        points_given = False
    if not points_given:
        sections = int(indices_or_sections)  # NumPy takes 3.0 and 0-d arrays here
        if sections <= 0:
            raise LaminaValueError(f"{what}: number sections must be larger than 0.")
        if even and length % sections:
            raise LaminaValueError(f"{what}: array split does not result in an equal division")
        base, extra = divmod(length, sections)
        sizes = [base + 1] * extra + [base] * (sections - extra)
        cuts = np.cumsum([0] + sizes)
    else:
        points = [_split_point(p, what) for p in indices_or_sections]
        cuts = [0] + points + [length]
    bounds = []
    for start, stop in zip(cuts[:-1], cuts[1:], strict=False):
        start = min(max(int(start) if start >= 0 else int(start) + length, 0), length)
        stop = min(max(int(stop) if stop >= 0 else int(stop) + length, 0), length)
        bounds.append((start, max(start, stop)))
    return tuple(bounds)


def _split_point(point: Any, what: str) -> int:
    index = as_index(point)
    if index is None:  # NumPy slices at each point: "slice indices must be integers"
        raise LaminaTypeError(
            f"{what}: split points must be integers, got {type(point).__name__} ({point!r})."
        )
    return index


def _split(ary: Any, indices_or_sections: Any, axis: int, even: bool, what: str) -> list:
    t = _tensor(ary, what)
    if t.ndim == 0:
        raise LaminaValueError(f"{what}: cannot split a 0-d tensor")
    ax = normalize_axis(axis, t.ndim, what)
    bounds = _split_bounds(t.shape[ax], indices_or_sections, even, what)
    return views_of(t, sh.split_p, {"bounds": bounds, "axis": ax}, len(bounds))


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Equal sections (or pieces between ``indices``) along ``axis``: a list of views.

    >>> import lamina.numpy as lnp
    >>> lnp.split(lnp.arange(6), 3)
    [Tensor([0, 1], device='cpu'), Tensor([2, 3], device='cpu'), Tensor([4, 5], device='cpu')]
    >>> [p.tolist() for p in lnp.split(lnp.arange(6), [1, 4])]
    [[0], [1, 2, 3], [4, 5]]
    """
    return _split(ary, indices_or_sections, axis, True, "split")


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Like ``split``, but sections may differ in length by one.

    >>> import lamina.numpy as lnp
    >>> [p.tolist() for p in lnp.array_split(lnp.arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    """
    return _split(ary, indices_or_sections, axis, False, "array_split")


def hsplit(ary: Any, indices_or_sections: Any) -> list:
    """``split`` along axis 1 (axis 0 for 1-D tensors): a list of views.

    >>> import lamina.numpy as lnp
    >>> left, right = lnp.hsplit(lnp.arange(8).reshape(2, 4), 2)
    >>> left
    Tensor([[0, 1],
            [4, 5]], device='cpu')
    """
    t = _tensor(ary, "hsplit")
    if t.ndim == 0:
        raise LaminaValueError("hsplit only works on arrays of 1 or more dimensions")
    return _split(t, indices_or_sections, 1 if t.ndim > 1 else 0, True, "hsplit")


def vsplit(ary: Any, indices_or_sections: Any) -> list:
    """``split`` along axis 0 of a tensor of 2 or more dimensions: a list of views.

    >>> import lamina.numpy as lnp
    >>> top, bottom = lnp.vsplit(lnp.arange(8).reshape(4, 2), 2)
    >>> bottom
    Tensor([[4, 5],
            [6, 7]], device='cpu')
    """
    t = _tensor(ary, "vsplit")
    if t.ndim < 2:
        raise LaminaValueError("vsplit only works on arrays of 2 or more dimensions")
    return _split(t, indices_or_sections, 0, True, "vsplit")


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """``split`` along axis 2 of a tensor of 3 or more dimensions: a list of views.

    >>> import lamina.numpy as lnp
    >>> [p.shape for p in lnp.dsplit(lnp.zeros((2, 2, 4)), 2)]
    [(2, 2, 2), (2, 2, 2)]
    """
    t = _tensor(ary, "dsplit")
    if t.ndim < 3:
        raise LaminaValueError("dsplit only works on arrays of 3 or more dimensions")
    return _split(t, indices_or_sections, 2, True, "dsplit")


def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``: a tuple of views.

    >>> import lamina.numpy as lnp
    >>> lnp.unstack(lnp.asarray([[1, 2], [3, 4]]), axis=1)
    (Tensor([1, 3], device='cpu'), Tensor([2, 4], device='cpu'))
    """
    t = _tensor(x, "unstack")
    if t.ndim == 0:
        raise LaminaValueError("unstack: input must be at least 1-d")
    ax = normalize_axis(axis, t.ndim, "unstack")
    lead = (slice(None),) * ax
    return tuple(t[lead + (i,)] for i in range(t.shape[ax]))


def concatenate(arrays: Any, /, axis: int | None = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> Tensor:
    """Join tensors along an existing axis (``axis=None`` flattens them first).

    >>> import lamina.numpy as lnp
    >>> lnp.concatenate([lnp.asarray([[1, 2]]), lnp.asarray([[3, 4]])])
    Tensor([[1, 2],
            [3, 4]], device='cpu')
    >>> lnp.concatenate([lnp.asarray([[1, 2]]), lnp.asarray([[3, 4]])], axis=None)
    Tensor([1, 2, 3, 4], device='cpu')
    """
    if out is not None and dtype is not None:
        raise LaminaTypeError(
            "concatenate() only takes `out` or `dtype` as an argument, but both were provided."
        )
    values = values_of(check_sequence(arrays, "concatenate", strict=True), "concatenate")
    if axis is None:
        values = [sh.reshape_value(v, (prod(v.shape),)) for v in values]
        axis = 0
    if dtype is not None:
        values = _cast_all(values, dtype, casting, "concatenate")
    result = sh.concatenate_values(values, axis)
    out_t = check_out(out, "concatenate")
    if out_t is not None:
        return write_out(out_t, result, "concatenate", casting)
    return handle(result)


concat = concatenate


def check_sequence(arrays: Any, what: str, *, strict: bool = False) -> Any:
    """The sequence argument of the joining functions, checked as NumPy does: ``concatenate``
    (``strict``) wants a sequence (``PySequence_Check``: a list, tuple, range or array; not a
    dict, set or generator), ``stack`` and the ``*stack`` family an object with
    ``__getitem__`` (a dict passes, and yields its keys). An array with dimensions counts as
    the sequence of its items along axis 0; a 0-d one has no items."""
    if (type(arrays) is Tensor or isinstance(arrays, np.ndarray) or hasattr(
            arrays, "__cuda_array_interface__")) and arrays.ndim == 0:
        raise LaminaTypeError(
            f"{what}: arrays to join must be passed as a sequence (a list, a tuple or an array "
            f"with at least one dimension), got a 0-d array; wrap it in a list: {what}([a])."
        )
    if not hasattr(arrays, "__getitem__") or (strict and isinstance(arrays, dict)):
        raise LaminaTypeError(
            f"{what}: arrays to stack must be passed as a \"sequence\" type such as list or "
            f"tuple, got {type(arrays).__name__}; pass list(arrays)."
        )
    return arrays


def _cast_all(values: list, dtype: Any, casting: str, what: str) -> list:
    from lamina.ops.common import check_dtype  # noqa: PLC0415

    dt = check_dtype(dtype, what)
    for v in values:
        if not np.can_cast(v.dtype, dt, casting=casting):
            raise LaminaTypeError(
                f"{what}: Cannot cast array data from dtype('{v.dtype}') to dtype('{dt}') "
                f"according to the rule '{casting}'. Pass casting='unsafe' to allow it."
            )
    return [v if v.dtype == dt else astype_value(v, dt) for v in values]


def stack(arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> Tensor:
    """Join tensors of one shape along a new axis.

    >>> import lamina.numpy as lnp
    >>> lnp.stack([lnp.zeros(2), lnp.ones(2)], axis=-1).shape
    (2, 2)
    """
    if out is not None and dtype is not None:
        raise LaminaTypeError(
            "stack() only takes `out` or `dtype` as an argument, but both were provided."
        )
    values = values_of(check_sequence(arrays, "stack"), "stack")
    if dtype is not None:
        values = _cast_all(values, dtype, casting, "stack")
    result = sh.stack_values(values, axis)
    out_t = check_out(out, "stack")
    if out_t is not None:
        return write_out(out_t, result, "stack", casting)
    return handle(result)


def copy(a: Any, order: str = "K") -> Tensor:
    """A new tensor with the same data (free in lamina: values are immutable).

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([1.0, 2.0])
    >>> y = lnp.copy(x)
    >>> y[0] = 5.0    # a copy: x does not change
    >>> x
    Tensor([1., 2.], device='cpu')
    """
    return handle(value_of(a, "copy"))


def astype(x: Any, dtype: Any, /, *, copy: bool = True) -> Tensor:  # noqa: A002
    """``x`` cast to ``dtype`` (NumPy's unsafe casting, like ``ndarray.astype``).

    >>> import lamina.numpy as lnp
    >>> lnp.astype(lnp.asarray([1.7, -1.7]), "int32")
    Tensor([ 1, -1], dtype=int32, device='cpu')
    """
    t = _tensor(x, "astype")
    value = t._lamina_read()
    from lamina.ops.common import check_dtype  # noqa: PLC0415

    dt = check_dtype(dtype, "astype")
    if value.dtype == dt:
        return handle(value) if copy else t
    return handle(astype_value(value, dt))


def copyto(dst: Any, src: Any, casting: str = "same_kind", where: Any = True) -> None:
    """Copy ``src`` into the tensor ``dst`` in place, broadcasting as NumPy does.

    >>> import lamina.numpy as lnp
    >>> dst = lnp.zeros((2, 2))
    >>> lnp.copyto(dst, lnp.asarray([1.0, 2.0]))
    >>> dst
    Tensor([[1., 2.],
            [1., 2.]], device='cpu')
    """
    out = check_out(dst, "copyto")
    if isinstance(src, (bool, int, float, complex)):
        src_dtype = np.asarray(src).dtype
        castable = casting == "unsafe" or np.can_cast(src_dtype, out.dtype, casting)
        value = value_of(np.asarray(src, dtype=out.dtype if castable else src_dtype), "copyto",
                         out.device)
    else:
        value = value_of(src, "copyto", out.device)
    if where is not True:
        from lamina.ops.elementwise import where as _where  # noqa: PLC0415

        mask = value_of(where, "copyto", out.device)
        value = _where(mask, astype_value(value, out.dtype) if value.dtype != out.dtype else value,
                       out._lamina_read())
    write_out(out, value, "copyto", casting)
