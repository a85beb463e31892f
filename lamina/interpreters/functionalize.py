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
- a tensor captured from outside that the function mutates gets a private storage: its value
  is saved at the first write and restored when the scope ends, so the caller never sees the
  write (``capture``/``restore`` below);
- with ``remove="mutations_and_views"``, view ops run as their copy variants wherever they reach
  the lazy backend during the call (NOTE [copy variants] in lamina/lazy/graph.py).

It wraps no values of its own, so ``process`` only passes ops down; it is on the stack for
its identity (storages record the stack they were born in).
"""

from __future__ import annotations

from typing import Any

from lamina.core import Interpreter, Primitive

__all__ = ["FunctionalizeInterpreter"]


class FunctionalizeInterpreter(Interpreter):
    name = "functionalize"

    def __init__(self, remove: str) -> None:
        super().__init__()
        self.remove = remove
        self._saved: dict[int, tuple] = {}  # id(storage) -> (storage, value, born_in)

    def owns(self, value: Any) -> bool:
        return False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        return self.bind_below(prim, args, params)

    def capture(self, storage: Any, stack: tuple) -> None:
        """Make a storage from outside private to this scope (before its first write)."""
        if id(storage) not in self._saved:
            self._saved[id(storage)] = (storage, storage.value, storage.born_in)
            storage.born_in = stack

    def is_private(self, storage: Any) -> bool:
        return id(storage) in self._saved

    def restore(self) -> None:
        """Give every captured storage its value from before the scope (views re-read it)."""
        for storage, value, born_in in self._saved.values():
            storage.value = value
            storage.born_in = born_in
            storage.generation += 1
        self._saved.clear()
