"""``TensorWrapper``: a value tagged with the level of a Grad or Jvp transform.

The Grad interpreter hangs a tape node on it (``node``, ``index``: which output of which
recorded op it is); the Jvp interpreter (next issue) a tangent. Shape, dtype and device are
those of the wrapped value, so the layers below never need to look inside.
"""

from __future__ import annotations

from typing import Any

from lamina.core import Level, Wrapper

__all__ = ["TensorWrapper"]


class TensorWrapper(Wrapper):
    """``value`` (of the level below) tracked by the transform that owns ``level``."""

    __slots__ = ("node", "index", "tangent", "__weakref__")

    # In-place writes of tracked values into tensors captured from outside are refused
    # (NOTE [captured mutation] in lamina/wrappers/tensor.py).
    tracks_mutation = True

    def __init__(self, value: Any, level: Level, node: Any = None, index: int = 0,
                 tangent: Any = None) -> None:
        self.value = value
        self.level = level
        self.shape = value.shape
        self.dtype = value.dtype
        self.device = value.device
        self.node = node
        self.index = index
        self.tangent = tangent

    def __repr__(self) -> str:
        return describe(self)


def describe(value: Any) -> str:
    """functorch's way of printing a wrapped value: ``GradTrackingTensor(lvl=1, value=...)``."""
    from lamina.wrappers.tensor import wrap  # noqa: PLC0415 - tensor imports this module

    if not isinstance(value, Wrapper):
        return repr(wrap(value))
    kind = {"grad": "GradTrackingTensor", "jvp": "DualTensor", "vmap": "BatchedTensor",
            "functionalize": "FunctionalTensor"}.get(value.level.name, "Wrapper")
    depth = value.level.depth()
    lvl = depth if depth is not None else "dead"
    extra = ""
    if kind == "BatchedTensor":
        extra = f", bdim={getattr(value, 'bdim', None)}"
    inner = describe(value.value).replace("\n", "\n    ")
    return f"{kind}(lvl={lvl}{extra}, value=\n    {inner}\n)"
