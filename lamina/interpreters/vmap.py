"""The Vmap interpreter: batch rules over ``BatchedTensor`` values.

Each op with an argument batched at this level runs its primitive's batch rule (NOTE [batch
rules] in lamina/ops/batching.py) one level down, and the output is wrapped with its batch
axis. An op without a rule falls back to a Python loop over the batch, with a warning naming
it. Random primitives are seen even when nothing is batched: under ``randomness="error"`` they
raise, ``"same"`` draws once for the whole batch, ``"different"`` draws per element.
"""

from __future__ import annotations

import warnings
from typing import Any

from lamina.core import Interpreter, bind
from lamina.errors import LaminaRuntimeError
from lamina.wrappers.batched import BatchedTensor

__all__ = ["VmapInterpreter", "VmapFallbackWarning", "RANDOM_NAMES"]

RANDOM_NAMES = frozenset(
    {"random_uniform", "random_normal", "random_integers", "random_permutation",
     "random_choice"}
)


class VmapFallbackWarning(UserWarning):
    """vmap ran an op without a batch rule as a Python loop over the batch (slow)."""


class SameDraws:
    """The draws of a chunked ``vmap(..., randomness="same")``: the first chunk records its
    unbatched draws in order and every later chunk replays them, so the whole batch shares
    one draw, as without chunks."""

    def __init__(self) -> None:
        self.values: list = []
        self.position = 0

    def draw(self, make: Any) -> Any:
        if self.position < len(self.values):
            value = self.values[self.position]
        else:
            value = make()
            self.values.append(value)
        self.position += 1
        return value


class VmapInterpreter(Interpreter):
    name = "vmap"
    sees_every_op = RANDOM_NAMES

    def __init__(self, axis_size: int, randomness: str, same_draws: SameDraws | None = None
                 ) -> None:
        super().__init__()
        self.axis_size = axis_size
        self.randomness = randomness
        self.same_draws = same_draws
        if same_draws is not None:
            same_draws.position = 0  # a new chunk replays from the first draw

    def owns(self, value: Any) -> bool:
        return type(value) is BatchedTensor and value.level is self.level

    def lift(self, value: Any) -> Any:
        return value  # unbatched values stay unbatched; rules treat bdim None as broadcast

    def split(self, args) -> tuple[list, list, bool]:
        """``(values, bdims, batched)`` of ``args`` at this level: a value this level does not
        batch is itself with bdim None; ``batched`` says whether any was batched. Used by
        ``process`` and the lamina.Function rule."""
        level = self.level
        values = []
        bdims = []
        batched = False
        for a in args:
            if type(a) is BatchedTensor and a.level is level:
                values.append(a.value)
                bdims.append(a.bdim)
                batched = True
            else:
                values.append(a)
                bdims.append(None)
        return values, bdims, batched

    def process(self, prim, args, params):
        values, bdims, batched = self.split(args)
        if prim.name in RANDOM_NAMES:
            return self._random(prim, values, bdims, params)
        if not batched:
            return self.bind_below(prim, args, params)  # NOTE [step aside]
        if prim.interpret is not None:
            return prim.interpret(self, args, params)
        return self._batch(prim, values, bdims, params)

    def process_primitive(self, prim, args, params):  # pragma: no cover - process covers it
        return self.process(prim, args, params)


    def _wrap(self, prim, out, out_bdim):
        level = self.level
        if prim.multiple_results:
            return tuple(o if d is None else BatchedTensor(o, d, level)
                         for o, d in zip(out, out_bdim, strict=True))
        return out if out_bdim is None else BatchedTensor(out, out_bdim, level)

    def _batch(self, prim, values, bdims, params):
        rule = prim.batch
        if rule is None:
            out, out_bdim = self.call_below(self._loop, prim, values, bdims, params)
        else:
            out, out_bdim = self.call_below(rule, tuple(values), tuple(bdims), **params)
        return self._wrap(prim, out, out_bdim)

    def _random(self, prim, values, bdims, params):
        if self.randomness == "error":
            raise LaminaRuntimeError(
                f"vmap: called the random operation '{prim.name}' under vmap with "
                "randomness='error'. Choose how the batch should draw: randomness='different' "
                "(each batch element gets its own random numbers), randomness='same' (one draw "
                "shared by the whole batch), or draw outside vmap and pass the numbers in."
            )
        if self.randomness == "same" and not any(d is not None for d in bdims):
            if self.same_draws is not None:
                return self.same_draws.draw(
                    lambda: self.bind_below(prim, tuple(values), params))
            return self.bind_below(prim, tuple(values), params)
        rule = prim.batch
        if rule is None:
            out, out_bdim = self.call_below(self._loop, prim, values, bdims, params)
        else:
            out, out_bdim = self.call_below(rule, tuple(values), tuple(bdims),
                                          axis_size=self.axis_size,
                                          randomness=self.randomness, **params)
        return self._wrap(prim, out, out_bdim)

    def _loop(self, prim, values, bdims, params):
        """The fallback: run the op once per batch element and stack the results."""
        fix = (f"Register one with {prim.name.split('::')[-1]}.register_vmap(...)."
               if "::" in prim.name else f"Add a batch rule next to '{prim.name}' in lamina/ops/.")
        warnings.warn(
            f"vmap: '{prim.name}' has no batch rule, so vmap runs it as a Python loop over the "
            f"batch ({self.axis_size} calls), which is slow. {fix}",
            VmapFallbackWarning,
            stacklevel=4,
        )
        from lamina.ops.indexing import getitem_p  # noqa: PLC0415
        from lamina.ops.shape import stack_values  # noqa: PLC0415

        results = []
        for i in range(self.axis_size):
            sliced = [
                v if d is None else bind(getitem_p, v, index=((slice_all,) * d) + (i,))
                for v, d in zip(values, bdims, strict=True)
            ]
            results.append(bind(prim, *sliced, **params))
        if prim.multiple_results:
            outs = tuple(stack_values([r[k] for r in results], 0)
                         for k in range(len(results[0])))
            return outs, (0,) * len(outs)
        return stack_values(results, 0), 0


slice_all = ("slice", None, None, None)
