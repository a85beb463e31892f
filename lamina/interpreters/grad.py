"""Reverse mode: the Grad interpreter records a tape; ``backward`` walks it.

Each op on a value wrapped at this level runs one level down and its outputs are wrapped with
a ``GradNode``: the primitive, its params, its parents (the wrappers of this level among its
inputs) and the values it saw and made one level down (what its vjp rule needs). ``backward``
visits the nodes behind the outputs in reverse topological order, calls each primitive's vjp
rule and accumulates the cotangents. Rules are written in lamina ops, and backward runs after
the level is gone, so its ops are seen by the transforms outside: ``grad(grad(f))`` works.

NOTE [vjp rules]: ``prim.vjp(g, *primals, out=out, **params)`` returns one cotangent per
primal (``None`` means zero, or not differentiable). ``g`` is the output's cotangent (a tuple
with ``None`` for outputs that received none, for multi-output primitives); ``primals`` and
``out`` are values of the level below. A cotangent has its primal's shape and dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import Interpreter, bind, missing_rule  # noqa: F401 - bind: NOTE [vjp rules]
from lamina.errors import LaminaRuntimeError
from lamina.wrappers.wrapper import TensorWrapper

__all__ = ["GradInterpreter", "GradNode", "backward"]


class GradNode:
    """One recorded op: what its vjp rule needs, and where its cotangents go."""

    __slots__ = ("prim", "params", "parents", "primals", "out", "n_out")

    def __init__(self, prim, params, parents, primals, out, n_out) -> None:
        self.prim = prim
        self.params = params
        self.parents = parents
        self.primals = primals
        self.out = out
        self.n_out = n_out


def _differentiable(dtype: np.dtype) -> bool:
    return dtype.kind in "fc"


class GradInterpreter(Interpreter):
    """The interpreter of ``grad``/``vjp``: wraps outputs with tape nodes."""

    name = "grad"

    def owns(self, value: Any) -> bool:
        return type(value) is TensorWrapper and value.level is self.level

    def lift(self, value: Any) -> TensorWrapper:
        return TensorWrapper(value, self.level)

    def process_primitive(self, prim, args, params):
        level = self.level
        parents = []
        inner = []
        for a in args:
            if type(a) is TensorWrapper and a.level is level:
                parents.append(a)
                inner.append(a.value)
            else:
                parents.append(None)
                inner.append(a)
        out = self.bind_below(prim, inner, params)
        if prim.nondiff:
            return out  # constants at this level ("no grad" ops, listed as data)
        if not prim.multiple_results:
            if out.dtype.kind not in "fc":
                return out  # integer or boolean results carry no gradient
            if prim.vjp is None:
                raise missing_rule("grad", prim)
            return TensorWrapper(out, level, GradNode(prim, params, parents, inner, out, 1), 0)
        if not any(_differentiable(o.dtype) for o in out):
            return out
        if prim.vjp is None:
            raise missing_rule("grad", prim)
        node = GradNode(prim, params, parents, inner, out, len(out))
        return tuple(
            TensorWrapper(o, level, node, i) if _differentiable(o.dtype) else o
            for i, o in enumerate(out)
        )


def _key(w: TensorWrapper) -> Any:
    return w if w.node is None else (w.node, w.index)


def backward(outputs: list[tuple[TensorWrapper, Any]], inputs: list[TensorWrapper]) -> list:
    """Cotangents of ``inputs`` given cotangents of ``outputs`` (``None`` = zero)."""
    cotangents: dict[Any, Any] = {}
    for w, g in outputs:
        if g is not None:
            _accumulate(cotangents, _key(w), g, w)
    # Reverse topological order of the nodes behind the outputs (iterative DFS, post-order).
    order: list[GradNode] = []
    state: dict[int, int] = {}
    for w, _ in outputs:
        if w.node is None or id(w.node) in state:
            continue
        stack = [w.node]
        while stack:
            node = stack[-1]
            nid = id(node)
            mark = state.get(nid)
            if mark is None:
                state[nid] = 0
                for p in node.parents:
                    if p is not None and p.node is not None and id(p.node) not in state:
                        stack.append(p.node)
            else:
                stack.pop()
                if mark == 0:
                    state[nid] = 1
                    order.append(node)
    for node in reversed(order):
        gs = tuple(cotangents.pop((node, i), None) for i in range(node.n_out))
        if all(g is None for g in gs):
            continue
        rule_g = gs if node.prim.multiple_results else gs[0]
        in_gs = node.prim.vjp(rule_g, *node.primals, out=node.out, **node.params)
        if len(in_gs) != len(node.parents):
            raise LaminaRuntimeError(
                f"internal error in lamina: the vjp rule of '{node.prim.name}' returned "
                f"{len(in_gs)} cotangents for {len(node.parents)} inputs."
            )
        for parent, g in zip(node.parents, in_gs, strict=True):
            if parent is not None and g is not None:
                _accumulate(cotangents, _key(parent), g, parent, node.prim)
    return [cotangents.get(_key(w)) for w in inputs]


def _accumulate(cotangents: dict, key: Any, g: Any, primal: Any, prim=None) -> None:
    if g.shape != primal.shape:
        where = f"the vjp rule of '{prim.name}'" if prim is not None else "a cotangent"
        raise LaminaRuntimeError(
            f"internal error in lamina: {where} has shape {g.shape}, but its primal has shape "
            f"{primal.shape}. Please report this with the function being differentiated."
        )
    if g.dtype != primal.dtype:
        from lamina.ops.elementwise import astype_value  # noqa: PLC0415

        g = astype_value(g, primal.dtype)
    previous = cotangents.get(key)
    if previous is None:
        cotangents[key] = g
    else:
        from lamina.ops.elementwise import BINARY  # noqa: PLC0415

        cotangents[key] = bind(BINARY["add"], previous, g)


