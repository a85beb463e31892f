"""``BatchedTensor``: a value with a batch dimension that belongs to a vmap level.

``value`` (of the level below) carries the batch along axis ``bdim``; ``shape`` is what the
function being vmapped sees: ``value.shape`` without that axis.
"""

from __future__ import annotations

from typing import Any

from lamina.core import Level, Wrapper
from lamina.errors import LaminaRuntimeError

__all__ = ["BatchedTensor"]


class BatchedTensor(Wrapper):
    """``value`` batched along ``bdim`` for the vmap that owns ``level``."""

    __slots__ = ("bdim", "__weakref__")

    tracks_mutation = False  # vmap refuses in-place writes of batched values on its own terms

    def __init__(self, value: Any, bdim: int, level: Level) -> None:
        self.value = value
        self.bdim = bdim
        self.level = level
        shape = value.shape
        self.shape = shape[:bdim] + shape[bdim + 1:]
        self.dtype = value.dtype
        self.device = value.device

    def realize(self) -> Any:
        # NOTE [data-dependent control flow under vmap]: each batch element has its own
        # value, so there is no single Python number to return.
        raise LaminaRuntimeError(
            "vmap: data-dependent control flow is not supported: the function asked for the "
            "value of a batched tensor (e.g. `if x.sum() > 0:`, `.item()`, `float(x)`, "
            "`bool(x)`), but under vmap each batch element has its own value. Express the "
            "choice without Python control flow, e.g. with lamina.numpy.where(cond, a, b), or "
            "move it outside vmap."
        )

    def __repr__(self) -> str:
        from lamina.wrappers.wrapper import describe  # noqa: PLC0415

        return describe(self)
