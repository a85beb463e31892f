"""Python integers in indices become graph inputs: one compiled program serves every ``i``.

NOTE [lifted indices]: the indexing primitives carry their index as a static param (NOTE [arrays
positional, params static] in core.py), and params are part of every cache key. So ``x[i]`` for
each ``i`` of a loop, ``h[t]`` over the time steps of an RNN, or a minibatch
``X[k * B:(k + 1) * B]`` would each make a graph of its own structure, compiled on its own. At
the bottom of the stack (``graph.apply``, on the CPU), for a primitive that declares
``lifts_index`` (the indexing ops, lamina/ops/indexing.py), the integers of an index that do not
fix the output's shape move out of the param into operands:

- an integer entry ``i`` becomes the marker ``("int", k)`` and a 0-d int64 leaf holding ``i``
  (negative values too: NumPy reads them at run time as it would statically);
- a slice with a positive step and ``n > 0`` elements becomes ``("run", n, step, k)`` and a leaf
  holding its normalized start; the kernel slices ``start : start + (n - 1) * step + 1 : step``,
  the same elements, so the output's shape is in the key and its position is data.

The variant primitive's kernel puts the integers back and calls the original kernel, so values,
views and errors are the original's. Only the graph the backend builds changes: the transforms
above saw the original op with its static index (their rules, ``make_graph``, functionalize's
view replay), and the shape rule ran on it before the lifting. The integer leaves come from the
constant cache (``graph.constant``), so equal indices share one leaf and common subexpressions
still merge. CuPy would need a device-to-host copy to read an index from device memory, so on
CUDA indices stay static.
"""

from __future__ import annotations

import numpy as np

from lamina import core

__all__ = ["lift_index"]

_INT64 = np.dtype(np.int64)
_variants: dict[core.Primitive, core.Primitive] = {}


def _variant(prim: core.Primitive) -> core.Primitive:
    variant = _variants.get(prim)
    if variant is None:
        impl = prim.impl

        def kernel(xp, *operands, index, lifted, **params):
            ints = operands[-lifted:]
            entries = []
            for e in index:
                if type(e) is tuple and e[0] == "int":
                    entries.append(int(ints[e[1]]))
                elif type(e) is tuple and e[0] == "run":
                    _, n, step, k = e
                    start = int(ints[k])
                    entries.append(("slice", start, start + (n - 1) * step + 1, step))
                else:
                    entries.append(e)
            return impl(xp, *operands[:-lifted], index=tuple(entries), **params)

        # No shape rule: graph.apply runs the original op's rule before lifting.
        variant = core.Primitive(prim.name, kernel, None, register=False)
        variant = _variants.setdefault(prim, variant)
    return variant


def _dims(index: tuple, ndim: int) -> list:
    """The dimension of ``x`` each entry of ``index`` reads (None for None and Ellipsis)."""
    consumed = sum(1 for e in index if e is not None and e is not Ellipsis)
    dims: list = []
    d = 0
    for e in index:
        if e is None:
            dims.append(None)
        elif e is Ellipsis:
            dims.append(None)
            d += ndim - consumed
        else:
            dims.append(d)
            d += 1
    return dims


def lift_index(prim: core.Primitive, args: tuple, params: dict, constant) -> tuple | None:
    """``(variant, args, params)`` with the index's integers as operands (NOTE [lifted
    indices]), or None when there is nothing to lift. ``constant(value, dtype, device)`` makes
    the integer leaves."""
    index = params.get("index")
    if type(index) is not tuple:
        return None
    values: list[int] = []
    entries: list = []
    shape = args[0].shape
    dims = None
    for e in index:
        kind = type(e)
        if kind is int:
            entries.append(("int", len(values)))
            values.append(e)
            continue
        if kind is tuple and e[0] == "slice" and (e[1] is not None or e[2] is not None):
            if dims is None:
                dims = _dims(index, len(shape))
            d = dims[len(entries)]
            start, stop, step = slice(e[1], e[2], e[3]).indices(shape[d])
            n = len(range(start, stop, step))
            if step > 0 and n > 0:
                entries.append(("run", n, step, len(values)))
                values.append(start)
                continue
        entries.append(e)
    if not values:
        return None
    device = args[0].device
    leaves = tuple(constant(v, _INT64, device) for v in values)
    new_params = dict(params)
    new_params["index"] = tuple(entries)
    new_params["lifted"] = len(values)
    return _variant(prim), args + leaves, new_params
