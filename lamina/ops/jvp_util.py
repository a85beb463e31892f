"""Helpers for writing jvp rules (NOTE [jvp rules] in lamina/interpreters/jvp.py).

``linear_jvp(prim)``: the rule of an op that is linear in its floating operands jointly
(reshape, transpose, sum, getitem, concatenate, ...): the tangent is the op applied to the
tangents (zeros where a tangent is None; non-float operands such as index arrays pass through
as primals). ``multilinear_jvp(prim)``: ops linear in each operand separately (matmul, einsum,
conv): the sum over operands of the op with that operand's tangent in its place.
"""

from __future__ import annotations

from typing import Any

from lamina.core import bind

__all__ = ["linear_jvp", "multilinear_jvp", "zeros_like", "instantiate"]


def zeros_like(x: Any) -> Any:
    from lamina.ops.creation import full_value  # noqa: PLC0415

    return full_value(x.shape, 0, x.dtype, x.device)


def instantiate(t: Any, primal: Any) -> Any:
    """A tangent as a value: ``None`` (a symbolic zero) becomes zeros like the primal."""
    return zeros_like(primal) if t is None else t


def linear_jvp(prim, float_only: bool = True):
    def rule(primals, tangents, **params):
        out = bind(prim, *primals, **params)
        args = [
            (instantiate(t, p) if p.dtype.kind in "fc" or not float_only else p)
            for p, t in zip(primals, tangents, strict=True)
        ]
        tangent = bind(prim, *args, **params)
        return out, tangent

    return rule


def multilinear_jvp(prim):
    def rule(primals, tangents, **params):
        out = bind(prim, *primals, **params)
        total = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            args = list(primals)
            args[i] = t
            term = bind(prim, *args, **params)
            if total is None:
                total = term
            else:
                from lamina.ops.elementwise import BINARY  # noqa: PLC0415

                total = bind(BINARY["add"], total, term)
        if prim.multiple_results:
            raise NotImplementedError("multilinear_jvp is for single-output primitives")
        return out, total

    return rule
