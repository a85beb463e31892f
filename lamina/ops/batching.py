"""Helpers for writing vmap batch rules in lamina ops.

NOTE [batch rules]: ``prim.batch(args, bdims, **params) -> (out, out_bdim)`` receives the
operands one level below vmap (``args``) and where each carries its batch axis (``bdims``: a
non-negative int, or None when the operand is not batched), and returns the output value and
its batch axis (None if not batched). Multi-output primitives return ``(outs, out_bdims)``
tuples. Random primitives also receive ``axis_size`` and ``randomness`` keywords. Rules move
batch axes only when they must (a rule that can keep the batch axis where it is should).
"""

from __future__ import annotations

from typing import Any

from lamina.ops.shape import reshape_value, transpose_value

__all__ = ["move_bdim", "bdim_to_front", "logical_ndim", "broadcast_batched"]


def move_bdim(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` moved to position ``dst`` (a transpose view; no-op if equal)."""
    if src == dst:
        return x
    axes = [i for i in range(len(x.shape)) if i != src]
    axes.insert(dst, src)
    return transpose_value(x, tuple(axes))


def bdim_to_front(x: Any, bdim: int | None, axis_size: int | None = None) -> Any:
    """``x`` with its batch axis first; an unbatched ``x`` is broadcast when ``axis_size``
    is given (otherwise returned as is)."""
    if bdim is None:
        if axis_size is None:
            return x
        from lamina.ops.shape import broadcast_value  # noqa: PLC0415

        return broadcast_value(reshape_value(x, (1,) + tuple(x.shape)),
                               (axis_size,) + tuple(x.shape))
    return move_bdim(x, bdim, 0)


def logical_ndim(x: Any, bdim: int | None) -> int:
    return len(x.shape) - (bdim is not None)


def broadcast_batched(args: tuple, bdims: tuple) -> list:
    """Operands of a broadcasting op with their batch axes in front and aligned: a batched
    operand of logical rank r gets ``R - r`` length-1 axes after its batch axis, R the largest
    logical rank; unbatched operands are left as they are (they broadcast from the right)."""
    rank = max(logical_ndim(a, d) for a, d in zip(args, bdims, strict=True))
    out = []
    for a, d in zip(args, bdims, strict=True):
        if d is None:
            out.append(a)
            continue
        a = move_bdim(a, d, 0)
        missing = rank - (len(a.shape) - 1)
        if missing:
            a = reshape_value(a, (a.shape[0],) + (1,) * missing + tuple(a.shape[1:]))
        out.append(a)
    return out
