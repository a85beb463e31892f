"""The Functionalize interpreter: a scope in which mutation is private to the function.

NOTE [functionalize in lamina]: PyTorch's functionalization wraps tensors in a
``FunctionalTensorWrapper`` (a storage plus a chain of ``ViewMeta``) and turns every in-place
op into a functional op written back through the views' reverse functions. In lamina every
``Tensor`` handle already is that wrapper (NOTE [storages and views] in
lamina/wrappers/tensor.py), always: values are immutable, so the interpreters and the lazy
graph only ever see functional ops. What ``functionalize`` adds is a *scope*, which this
interpreter marks on the layer stack:

- storages made inside it (and the private storages ``functionalize`` gives the function's
  inputs) belong to it: transforms outside it (grad, jvp, vmap) accept in-place writes into
  them, where without functionalize the captured-mutation and batched-into-unbatched errors
  fire (NOTE [captured mutation]);
- a tensor captured from outside that the function mutates gets a private value at its first
  write, seen only by the thread running the call and dropped when the scope ends, so the
  caller never sees the write and other threads neither see it nor lose their own writes
  (``capture``/``restore`` below; NOTE [private values in functionalize] in
  lamina/wrappers/tensor.py);
- with ``remove="mutations_and_views"``, view ops run as their copy variants wherever they reach
  the lazy backend during the call (NOTE [copy variants] in lamina/lazy/graph.py).

It wraps no values of its own, so ``process`` only passes ops down; it is on the stack for
its identity (storages record the stack they were born in).
"""

from __future__ import annotations

from typing import Any

from lamina.core import Interpreter, Primitive
from lamina.wrappers.tensor import _PrivateScope

__all__ = ["FunctionalizeInterpreter"]


class FunctionalizeInterpreter(Interpreter):
    name = "functionalize"

    def __init__(self, remove: str) -> None:
        super().__init__()
        self.remove = remove
        self._private = _PrivateScope()  # the captured storages' private values

    def owns(self, value: Any) -> bool:
        return False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        return self.bind_below(prim, args, params)

    def enter(self) -> None:
        """Make this scope's private values visible in this thread (until ``restore``)."""
        self._private.__enter__()

    def capture(self, storage: Any, stack: tuple) -> None:
        """Make a storage from outside private to this scope (before its first write)."""
        self._private.capture(storage, stack)

    def is_private(self, storage: Any) -> bool:
        return storage in self._private.storages

    def restore(self) -> None:
        """End the scope: the captured storages show their shared values again."""
        self._private.__exit__(None, None, None)
