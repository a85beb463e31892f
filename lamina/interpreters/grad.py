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

A rule may also take ``needs``, a tuple of one bool per primal that says which cotangents
anyone will read (the primals wrapped at this level); it declares so with
``prim.vjp_needs = True`` and returns ``None`` for the others. The graph would drop the unread
ones anyway (dead code), but building them is most of a rule's cost where one operand is a
constant: ``x * 0.5``, ``1 - x``, ``data @ w`` (measured: a quarter of the backward nodes of
autograd's logistic-regression example).
"""

from __future__ import annotations

from typing import Any
from weakref import ref

import numpy as np

from lamina.core import Interpreter, bind, missing_rule  # noqa: F401 - bind: NOTE [vjp rules]
from lamina.errors import LaminaRuntimeError
from lamina.wrappers.wrapper import TensorWrapper

__all__ = ["GradInterpreter", "GradNode", "backward"]


class GradNode:
    """One recorded op: what its vjp rule needs, and where its cotangents go."""

    __slots__ = ("prim", "params", "parents", "primals", "out", "n_out", "outputs",
                 "__weakref__")

    def __init__(self, prim, params, parents, primals, out, n_out) -> None:
        self.prim = prim
        self.params = params
        self.parents = parents
        self.primals = primals
        self.out = out
        self.n_out = n_out
        # The wrappers of this node's outputs, as weak references (a strong one would make a
        # cycle with the wrapper's own reference to its node).
        self.outputs: tuple = ()


def _differentiable(dtype: np.dtype) -> bool:
    return dtype.kind in "fc"


class GradInterpreter(Interpreter):
    """The interpreter of ``grad``/``vjp``: wraps outputs with tape nodes."""

    name = "grad"

    def owns(self, value: Any) -> bool:
        return type(value) is TensorWrapper and value.level is self.level

    def lift(self, value: Any) -> TensorWrapper:
        return TensorWrapper(value, self.level)

    def process(self, prim, args, params):
        # The base class's step-aside test and the unwrapping in one pass over the arguments
        # (this runs for every op inside grad).
        level = self.level
        parents = []
        inner = []
        tracked = False
        for a in args:
            if type(a) is TensorWrapper and a.level is level:
                parents.append(a)
                inner.append(a.value)
                tracked = True
            else:
                parents.append(None)
                inner.append(a)
        if not tracked:
            return self.bind_below(prim, args, params)  # NOTE [step aside]
        if prim.interpret is not None:
            return prim.interpret(self, args, params)
        return self._record(prim, parents, inner, params)

    def process_primitive(self, prim, args, params):
        if prim.interpret is not None:
            return prim.interpret(self, args, params)
        level = self.level
        parents = [a if type(a) is TensorWrapper and a.level is level else None for a in args]
        inner = [a if p is None else p.value for a, p in zip(args, parents, strict=True)]
        return self._record(prim, parents, inner, params)

    def _record(self, prim, parents, inner, params):
        level = self.level
        out = self.bind_below(prim, inner, params)
        if prim.nondiff:
            return out  # constants at this level ("no grad" ops, listed as data)
        if not prim.multiple_results:
            if out.dtype.kind not in "fc":
                return out  # integer or boolean results carry no gradient
            if prim.vjp is None:
                return _no_vjp(prim, out)
            node = GradNode(prim, params, parents, inner, out, 1)
            wrapper = TensorWrapper(out, level, node, 0)
            node.outputs = (ref(wrapper),)
            return wrapper
        if not any(_differentiable(o.dtype) for o in out):
            return out
        if prim.vjp is None:
            return _no_vjp(prim, out)
        node = GradNode(prim, params, parents, inner, out, len(out))
        wrapped = tuple(
            TensorWrapper(o, level, node, i) if _differentiable(o.dtype) else o
            for i, o in enumerate(out)
        )
        node.outputs = tuple(ref(w) if type(w) is TensorWrapper else None for w in wrapped)
        return wrapped


def _no_vjp(prim, out):
    """A custom op without an autograd rule follows lm.config.autograd_fallback (its outputs
    are constants at this level); any other primitive without one is a missing rule."""
    from lamina.library import autograd_fallback  # noqa: PLC0415

    if autograd_fallback(prim, "grad"):
        return out
    raise missing_rule("grad", prim)


def _key(w: TensorWrapper) -> Any:
    # Cotangents are keyed by the wrapper object: each op output has exactly one wrapper,
    # and the inputs' wrappers are the leaves of the tape.
    return w


def backward(outputs: list[tuple[TensorWrapper, Any]], inputs: list[TensorWrapper]) -> list:
    """Cotangents of ``inputs`` given cotangents of ``outputs`` (``None`` = zero)."""
    cotangents: dict[Any, Any] = {}
    for w, g in outputs:
        if g is not None:
            _accumulate(cotangents, w, g, w)
    # Reverse topological order of the nodes behind the outputs (iterative DFS, post-order;
    # nodes hash by identity, so they are their own keys).
    order: list[GradNode] = []
    state: dict[GradNode, bool] = {}  # False: inputs being visited; True: placed in order
    for w, _ in outputs:
        if w.node is None or w.node in state:
            continue
        stack = [w.node]
        while stack:
            node = stack[-1]
            done = state.get(node)
            if done is None:
                state[node] = False
                for p in node.parents:
                    if p is not None and p.node is not None and p.node not in state:
                        stack.append(p.node)
            else:
                stack.pop()
                if done is False:
                    state[node] = True
                    order.append(node)
    for node in reversed(order):
        outs = node.outputs
        if not node.prim.multiple_results:
            g = cotangents.pop(outs[0](), None)
            if g is None:
                continue
            rule_g = g
        else:
            gs = tuple([cotangents.pop(o(), None) if o is not None else None for o in outs])
            if gs.count(None) == len(gs):
                continue
            rule_g = gs
        parents = node.parents
        if node.prim.vjp_needs:
            in_gs = node.prim.vjp(rule_g, *node.primals, out=node.out,
                                  needs=tuple([p is not None for p in parents]), **node.params)
        else:
            in_gs = node.prim.vjp(rule_g, *node.primals, out=node.out, **node.params)
        if len(in_gs) != len(parents):
            raise LaminaRuntimeError(
                f"internal error in lamina: the vjp rule of '{node.prim.name}' returned "
                f"{len(in_gs)} cotangents for {len(parents)} inputs."
            )
        for parent, g in zip(parents, in_gs):  # noqa: B905 - lengths checked above
            if parent is not None and g is not None:
                _accumulate(cotangents, parent, g, parent, node.prim)
    return [cotangents.get(w) for w in inputs]


_elementwise = None


def _ops():
    """lamina.ops.elementwise, imported on first use (it imports the interpreters' modules)."""
    global _elementwise
    if _elementwise is None:
        from lamina.ops import elementwise  # noqa: PLC0415

        _elementwise = elementwise
    return _elementwise


def _accumulate(cotangents: dict, key: Any, g: Any, primal: Any, prim=None) -> None:
    if g.shape != primal.shape:
        where = f"the vjp rule of '{prim.name}'" if prim is not None else "a cotangent"
        raise LaminaRuntimeError(
            f"internal error in lamina: {where} has shape {g.shape}, but its primal has shape "
            f"{primal.shape}. Please report this with the function being differentiated."
        )
    if g.dtype != primal.dtype:
        g = _ops().astype_value(g, primal.dtype)
    previous = cotangents.get(key)
    if previous is None:
        cotangents[key] = g
    else:
        cotangents[key] = bind(_ops().BINARY["add"], previous, g)


