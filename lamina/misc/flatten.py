"""Flattening pytrees of tensors into one vector, and back: autograd's and JAX's conventions.

Both functions are built from lamina ops (``ravel`` and ``concatenate`` one way, slices and
``reshape`` the other), so they are differentiable and can be called inside ``grad``, ``vmap``
and ``jvp``; ``unflatten``/``unravel`` give views of the vector they are handed, as NumPy's
slicing would.

The two differ in what they call a container and in dtypes:

- ``flatten`` (``autograd.misc.flatten``): only ``list``, ``tuple`` and ``dict`` (exact types;
  dict values in sorted-key order) are containers, anything else is a leaf passed to ``ravel``
  (a ``None`` leaf fails there, as in autograd). Scalar leaves come back as 0-d tensors. Each
  leaf comes back in its own dtype.
- ``ravel_pytree`` (``jax.flatten_util.ravel_pytree``): the pytrees of ``lamina.tree`` (optree:
  tuples, lists, dicts in sorted-key order, namedtuples; ``None`` is an empty subtree). When all
  leaves share a dtype, ``unravel`` keeps the dtype of the vector it is handed (JAX's
  dtype-polymorphic unravel, jax#7809); when they differ, the vector has their promoted dtype and
  ``unravel`` accepts only that dtype and casts each leaf back to its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import lamina.numpy as lnp
from lamina import tree
from lamina.errors import LaminaTypeError, LaminaValueError

__all__ = ["flatten", "flatten_func", "ravel_pytree"]


def _dtype(leaf: Any) -> np.dtype:
    """A leaf's dtype; a Python scalar counts as its default array dtype (as ``np.asarray``)."""
    dt = getattr(leaf, "dtype", None)
    return np.dtype(dt) if dt is not None else np.asarray(leaf).dtype


def _shape(leaf: Any) -> tuple:
    shape = getattr(leaf, "shape", None)
    return tuple(shape) if shape is not None else np.shape(leaf)


def _check_vector(flat: Any, size: int, what: str) -> None:
    shape = tuple(getattr(flat, "shape", np.shape(flat)))
    if shape != (size,):
        raise LaminaValueError(
            f"{what}: expected a vector of shape ({size},), as returned by the flattening, "
            f"got shape {shape}."
        )


def _split(flat: Any, shapes: list, dtypes: list | None) -> list:
    """Consecutive pieces of ``flat`` reshaped to ``shapes`` (cast to ``dtypes`` if given)."""
    pieces, start = [], 0
    for i, shape in enumerate(shapes):
        size = int(np.prod(shape, dtype=np.int64))
        piece = flat[start:start + size].reshape(shape)
        if dtypes is not None and piece.dtype != dtypes[i]:
            if piece.dtype.kind == "c" and dtypes[i].kind != "c":
                piece = piece.real  # the cast keeps the real part; say so without a warning
            piece = piece.astype(dtypes[i])
        pieces.append(piece)
        start += size
    return pieces


def _concatenate(leaves: list) -> Any:
    return lnp.concatenate([lnp.ravel(leaf) for leaf in leaves]) if leaves else lnp.array([])


# -- autograd's flatten ----------------------------------------------------------------------

def _walk(value: Any, leaves: list) -> Any:
    """Collect ``value``'s leaves in flattening order; return a spec to rebuild it."""
    t = type(value)
    if t is list or t is tuple:
        return t, [_walk(v, leaves) for v in value]
    if t is dict:
        children = {k: _walk(value[k], leaves) for k in sorted(value)}
        return dict, [(k, children[k]) for k in value]  # rebuilt in the caller's key order
    leaves.append(value)
    return None, len(leaves) - 1


def _build(spec: Any, pieces: list) -> Any:
    t, rest = spec
    if t is None:
        return pieces[rest]
    if t is dict:
        return {k: _build(child, pieces) for k, child in rest}
    return t(_build(child, pieces) for child in rest)


def flatten(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Flatten nested lists, tuples and dicts of tensors, arrays or scalars into one 1-D tensor.

    As ``autograd.misc.flatten``: dict values are taken in sorted-key order, leaves are raveled
    and concatenated (their dtypes promoted together; no leaves give an empty float64 vector).
    ``unflatten(vector)`` rebuilds the structure from a vector of the same length, each leaf
    with its original shape and dtype (scalars as 0-d tensors). Differentiable both ways.

    >>> import lamina.numpy as lnp
    >>> from lamina.misc import flatten
    >>> params = [(lnp.ones((2, 3)), lnp.zeros(3)), {"scale": 2.0}]
    >>> vector, unflatten = flatten(params)
    >>> vector.shape
    (10,)
    >>> w, b = unflatten(vector)[0]
    >>> w.shape, b.shape
    ((2, 3), (3,))
    >>> unflatten(vector)[1]["scale"].item()
    2.0
    """
    leaves: list = []
    spec = _walk(value, leaves)
    shapes = [_shape(leaf) for leaf in leaves]
    dtypes = [_dtype(leaf) for leaf in leaves]
    vector = _concatenate(leaves)
    size = sum(int(np.prod(s, dtype=np.int64)) for s in shapes)

    def unflatten(flat: Any) -> Any:
        _check_vector(flat, size, "flatten's unflatten")
        return _build(spec, _split(flat, shapes, dtypes))

    return vector, unflatten


def flatten_func(func: Callable, example: Any) -> tuple[Callable, Callable, Any]:
    """``func`` of a pytree made a function of a vector, as ``autograd.misc.flatten_func``.

    Returns ``(flat_func, unflatten, flat_example)``, where ``flat_func(vector, *args)`` is the
    flattened output of ``func(unflatten(vector), *args)``.

    >>> import lamina.numpy as lnp
    >>> from lamina.misc import flatten_func
    >>> f = lambda p: {"double": 2 * p["x"]}
    >>> flat_f, unflatten, x0 = flatten_func(f, {"x": lnp.ones(2)})
    >>> flat_f(x0).tolist()
    [2.0, 2.0]
    """
    flat_example, unflatten = flatten(example)

    def flat_func(flat: Any, *args: Any) -> Any:
        return flatten(func(unflatten(flat), *args))[0]

    return flat_func, unflatten, flat_example


# -- JAX's ravel_pytree ----------------------------------------------------------------------

def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Ravel a pytree of arrays and scalars into one 1-D tensor, as ``jax.flatten_util``.

    Returns ``(flat, unravel)``. ``flat`` has the promoted dtype of the leaves (NumPy 2 rules
    applied to the leaves' dtypes, a Python scalar counting as its default dtype, as JAX with
    x64 does; unlike JAX's lattice, an integer and a float16 give float64). ``unravel(vector)``
    rebuilds the tree: when all leaves share one dtype it keeps the vector's dtype; when they
    differ it requires the promoted dtype (``TypeError`` otherwise) and casts each leaf back to
    its own. An empty tree gives an empty vector of the default float dtype (float64; JAX's is
    float32 without x64) and an ``unravel`` returning the empty tree.

    >>> import numpy as np
    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> flat, unravel = lm.ravel_pytree({"a": lnp.ones(2, dtype=np.float32), "b": (3.0, None)})
    >>> flat.dtype, flat.tolist()
    (dtype('float64'), [1.0, 1.0, 3.0])
    >>> tree = unravel(flat)
    >>> tree["a"].dtype, tree["b"]
    (dtype('float32'), (Tensor(3., device='cpu'), None))
    """
    leaves, spec = tree.flatten(pytree)
    shapes = [_shape(leaf) for leaf in leaves]
    from_dtypes = [_dtype(leaf) for leaf in leaves]
    size = sum(int(np.prod(s, dtype=np.int64)) for s in shapes)
    if not leaves:
        def unravel_empty(flat: Any) -> Any:
            _check_vector(flat, 0, "ravel_pytree's unravel")
            return tree.unflatten(spec, [])

        return lnp.array([]), unravel_empty

    to_dtype = lnp.result_type(*from_dtypes)
    if all(dt == to_dtype for dt in from_dtypes):
        def unravel_single_dtype(flat: Any) -> Any:
            _check_vector(flat, size, "ravel_pytree's unravel")
            return tree.unflatten(spec, _split(flat, shapes, None))

        return _concatenate(leaves), unravel_single_dtype

    def unravel(flat: Any) -> Any:
        _check_vector(flat, size, "ravel_pytree's unravel")
        if _dtype(flat) != to_dtype:
            raise LaminaTypeError(
                f"ravel_pytree's unravel: given a vector of dtype {_dtype(flat)}, but expected "
                f"dtype {to_dtype} (the leaves' dtypes differ, so the vector must have their "
                "promoted dtype); cast it with .astype() first."
            )
        return tree.unflatten(spec, _split(flat, shapes, from_dtypes))

    flat = lnp.concatenate([lnp.ravel(lnp.asarray(leaf).astype(to_dtype)) for leaf in leaves])
    return flat, unravel
