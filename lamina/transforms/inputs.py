"""The handles a transform gives ``f`` for its tensor inputs, and the writes carried back.

NOTE [input handles]: a transform calls ``f`` on new handles, not on the caller's tensors. A
handle holds the transform's value for its input (a ``TensorWrapper`` of grad or jvp, a
``BatchedTensor`` of vmap, or the caller's value for an input the transform does not touch),
and a write into it stays private until ``f`` returns: the transform may still fail, vmap may
run in chunks, and derivatives are taken at the values the inputs had when ``f`` was called.

Inputs that alias each other in the caller (the same tensor twice, a tensor and its view)
alias inside too, or ``f(x, x)`` would compute another function under the transform and one
of its two writes would be lost. So, as ``functionalize`` does, handles are made per caller
*storage*: the handles of one storage share one private storage and keep the caller's view
chains. Until something writes into it, each handle reads its own value, so
``grad(f, argnums=(0, 1))(x, x)`` differentiates each argument on its own, as JAX does; after a
write every alias reads the new value through its views, as in the plain call, and the
derivatives add up to the derivative of ``f(x, x)`` in ``x``. When ``f`` returns, each private
storage that was written is copied back to its caller's storage, once (NOTE [input
mutations]).

Under vmap, aliases can only share a storage when they are batched alike (the same view of
the caller's tensor, the same in_dim): ``x`` batched over its rows and ``x`` unbatched are not
one array per batch element. Such inputs get storages of their own, and a write into one of
them raises, instead of being lost (``alias_guard``).
"""

from __future__ import annotations

import weakref
from typing import Any

from lamina import tree
from lamina.errors import LaminaRuntimeError
from lamina.wrappers import tensor as _tensor_module
from lamina.wrappers.tensor import Storage, Tensor, ViewMeta, on_storage, read_only_reason, wrap

__all__ = ["InputHandles", "input_handle", "unflatten_args", "write_back", "alias_write_error"]

# Storages of inputs that alias each other but could not share a storage (vmap, batched
# differently), with the message of the error a write into them raises (_check_mutation in
# lamina/wrappers/tensor.py). Weak keys: an entry lives as long as the handle's storage.
alias_guard: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def alias_write_error(storage: Storage) -> LaminaRuntimeError | None:
    """The error for a write into ``storage``, if it is a guarded alias (see the NOTE): a new
    exception each time, so tracebacks of earlier writes do not pile up on it."""
    message = alias_guard.get(storage) if alias_guard else None
    return None if message is None else LaminaRuntimeError(message)


_tensor_module._alias_write_error = alias_write_error


def input_handle(value: Any, source: Any) -> Tensor:
    """A handle on a new storage holding ``value`` (the caller's value, wrapped by the
    transform), read-only where the caller's tensor ``source`` is, so an in-place op on it
    raises where ``f`` makes it, as it would outside the transform."""
    handle = wrap(value)
    if type(source) is Tensor and not source._writeable:
        _read_only_like(handle, source)
    return handle


def _read_only_like(handle: Tensor, source: Tensor) -> None:
    handle._writeable = False
    handle._read_only_why = read_only_reason(source)


_NO_VALUE = object()


class InputHandles:
    """The handles ``f`` receives for the leaves ``sources`` of its arguments.

    ``values[i]`` is the transform's value for leaf ``i``, or ``NO_VALUE`` for a leaf the
    transform passes through unchanged: such a leaf that is a Tensor still gets a handle (its
    writes reach the caller when ``f`` returns; it may alias a transformed input), anything
    else (a Python number, a NumPy array, None) is passed as it is. ``keys[i]``, when given,
    says how leaf ``i`` is transformed (vmap's in_dim): aliases with different keys cannot
    share a storage (see the NOTE).
    """

    NO_VALUE = _NO_VALUE

    def __init__(self, sources: list, values: list, keys: list | None = None) -> None:
        self.sources = sources
        self.handles: list = [None] * len(sources)
        # (private storage, the caller's tensor that receives its value: a handle on the
        # caller's whole storage for a group, the source itself otherwise, the index of a
        # source it stands for).
        self._targets: list[tuple[Storage, Tensor, int]] = []
        groups: dict[int, list[int]] = {}
        for i, (source, value) in enumerate(zip(sources, values, strict=True)):
            if type(source) is Tensor:
                groups.setdefault(id(source._storage), []).append(i)
            elif value is _NO_VALUE:
                self.handles[i] = source
            else:
                self.handles[i] = wrap(value)
        for members in groups.values():
            if len(members) == 1:
                self._single(members[0], values[members[0]])
            elif keys is None or len({(keys[i], _views_key(sources[i]._views))
                                      for i in members}) == 1:
                self._shared(members, values, keys)
            else:
                self._guarded(members, values)

    def _single(self, i: int, value: Any) -> None:
        source = self.sources[i]
        handle = input_handle(source._lamina_read() if value is _NO_VALUE else value, source)
        self.handles[i] = handle
        self._targets.append((handle._storage, source, i))

    def _shared(self, members: list[int], values: list, keys: list | None) -> None:
        """One private storage for inputs that alias one caller storage."""
        sources = self.sources
        first = sources[members[0]]
        if keys is not None:
            # Batched alike (vmap): one batched value, every alias a plain handle on it.
            value = values[members[0]]
            storage = Storage(first._lamina_read() if value is _NO_VALUE else value)
            for i in members:
                handle = on_storage(storage, (), True)
                if not sources[i]._writeable:
                    _read_only_like(handle, sources[i])
                self.handles[i] = handle
            self._targets.append((storage, first, members[0]))
            return
        caller = first._storage
        own = [values[i] if values[i] is not _NO_VALUE else None for i in members]
        # The private base: the transform's value of an input that is the whole base, if one
        # is; else the caller's base with each transformed view written in, so that every
        # element of the base stays tracked after a write replays the views from it.
        base_member = next((k for k, i in enumerate(members)
                            if not sources[i]._views and own[k] is not None), None)
        storage = Storage(own[base_member] if base_member is not None else caller.value)
        if base_member is None:
            for k, i in enumerate(members):
                if own[k] is not None:
                    _write_through(storage, sources[i]._views, own[k])
            storage.generation = 0
        for k, i in enumerate(members):
            source = sources[i]
            views = source._views
            if k != base_member:
                # Until a write, each handle reads its own value: the transform's, or the
                # caller's for an input it does not transform (a constant, as in JAX). A
                # handle on the whole base gets an identity view (x[...]) to hold it.
                if not views:
                    views = (ViewMeta(_getitem_p(), {"index": (Ellipsis,)}),)
                own_value = own[k] if own[k] is not None else source._lamina_read()
            handle = on_storage(storage, views, True)
            if k != base_member:
                handle._cached = own_value
                handle._generation = storage.generation
            if not source._writeable:
                _read_only_like(handle, source)
            self.handles[i] = handle
        self._targets.append((storage, on_storage(caller, (), True), members[0]))

    def _guarded(self, members: list[int], values: list) -> None:
        """Aliases vmap batches differently: storages of their own, and writes refused."""
        message = (
            "vmap: the function wrote into an input that aliases another input (the same "
            "tensor, or views of one tensor, passed as several arguments) with a different "
            "in_dim or view, so they are not one array per batch element and the write could "
            "not reach the other alias. Pass a copy (x.copy()) for one of them, or give "
            "them the same in_dims."
        )
        for i in members:
            self._single(i, values[i])
            alias_guard[self.handles[i]._storage] = message

    def writes(self, unwrap) -> list:
        """(caller's tensor, new value) for each private storage ``f`` wrote into; the value
        is ``unwrap(value, i)``, taken out of the transform's level (``i``: the index of an
        input the storage stands for)."""
        return [(target, unwrap(storage.value, i)) for storage, target, i in self._targets
                if storage.generation]


def unflatten_args(flat: list, handles: list) -> list:
    """The arguments ``f`` is called with: each ``(leaves, spec)`` of ``flat`` (one per
    argument, in order) rebuilt from the next ``len(leaves)`` handles; the handles left over
    (keyword arguments' leaves) follow as the last entry."""
    args = []
    start = 0
    for leaves, spec in flat:
        args.append(tree.unflatten(spec, handles[start:start + len(leaves)]))
        start += len(leaves)
    args.append(handles[start:])
    return args


def write_back(writes: list) -> None:
    """Give the caller's tensors the values ``f`` wrote into its inputs.

    NOTE [input mutations]: ``f`` may write into its inputs in place (``x += 1``); the
    caller's tensors then see the new values once the transform returns, as they would after
    calling ``f`` itself (vmap and functionalize do the same). This runs after the
    transform's level is popped, and only when ``f`` returned: a failing ``f`` leaves the
    caller's tensors as they were. The derivatives are those of ``f`` at the values the
    inputs had when it was called."""
    for target, value in writes:
        target._assign(value, "copyto", writeback=True)


def _write_through(storage: Storage, views: tuple, value: Any) -> None:
    """Set the elements the view chain ``views`` selects in ``storage``'s value to ``value``."""
    chain = [storage.value]
    for meta in views[:-1]:
        chain.append(meta.forward(chain[-1]))
    for meta, base in zip(reversed(views), reversed(chain), strict=True):
        if meta.prim.view_reverse is None:
            return  # a read-only view (broadcast_to): nothing of it can be written back
        try:
            value = meta.reverse(base, value)
        except ValueError:
            return  # a view NumPy makes read-only (diagonal): its handle reads its own value
    storage.value = value


def _views_key(views: tuple) -> tuple:
    """A view chain as a comparable key: two handles with equal keys see the same elements."""
    return tuple((meta.prim, tuple(meta.params.items()), meta.out_index) for meta in views)


def _getitem_p():
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415

    return getitem_p
