"""Forward mode: the Jvp interpreter carries a tangent in each wrapper of its level.

NOTE [jvp rules]: ``prim.jvp(primals, tangents, **params) -> (out, tangent_out)``: ``primals``
are the operands one level down, ``tangents`` their tangents (``None`` = zero); the rule
returns the primal output and its tangent (``None`` = zero). Multi-output primitives return
tuples of both. Rules run one level down and are written in lamina ops, so tangents of
tangents (``jvp(jvp(f))``, ``jvp(grad(f))``) work by nesting levels; levels are identities, so
the perturbations of two jvp levels never mix (perturbation confusion).
"""

from __future__ import annotations

from typing import Any

from lamina.core import Interpreter, missing_rule
from lamina.wrappers.wrapper import TensorWrapper

__all__ = ["JvpInterpreter"]


def _inexact(dtype) -> bool:
    return dtype.kind in "fc"


class JvpInterpreter(Interpreter):
    name = "jvp"

    def owns(self, value: Any) -> bool:
        return type(value) is TensorWrapper and value.level is self.level

    def lift(self, value: Any) -> TensorWrapper:
        return TensorWrapper(value, self.level, tangent=None)

    def split(self, values) -> tuple[list, list, bool]:
        """``(primals, tangents, tracked)`` of ``values`` at this level: a value this level
        does not wrap is its own primal with tangent None (zero); ``tracked`` says whether
        any was wrapped. Used by ``process``, the lamina.Function rule and ``jvp``'s outputs."""
        level = self.level
        primals = []
        tangents = []
        tracked = False
        for a in values:
            if type(a) is TensorWrapper and a.level is level:
                primals.append(a.value)
                tangents.append(a.tangent)
                tracked = True
            else:
                primals.append(a)
                tangents.append(None)
        return primals, tangents, tracked

    def process(self, prim, args, params):
        level = self.level
        primals, tangents, tracked = self.split(args)
        if not tracked:
            return self.bind_below(prim, args, params)  # NOTE [step aside]
        if prim.interpret is not None:
            return prim.interpret(self, args, params)
        if prim.nondiff or all(t is None for t in tangents):
            return self.bind_below(prim, primals, params)
        rule = prim.jvp
        if rule is None:
            from lamina.library import autograd_fallback  # noqa: PLC0415

            if autograd_fallback(prim, "jvp"):
                return self.bind_below(prim, primals, params)  # zero tangent
            raise missing_rule("jvp", prim)
        out, tangent = self.call_below(rule, tuple(primals), tuple(tangents), **params)
        if prim.multiple_results:
            return tuple(
                TensorWrapper(o, level, tangent=t) if t is not None and _inexact(o.dtype) else o
                for o, t in zip(out, tangent, strict=True)
            )
        if tangent is None or not _inexact(out.dtype):
            return out
        return TensorWrapper(out, level, tangent=tangent)

    def process_primitive(self, prim, args, params):  # pragma: no cover - process covers it
        return self.process(prim, args, params)

