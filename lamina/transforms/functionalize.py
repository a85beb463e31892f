"""``functionalize``: run a function that mutates as a pure function of its inputs.

``functionalize(f, remove="mutations")`` returns a function with the same results as ``f``
whose graph holds no in-place op; ``remove="mutations_and_views"`` also runs every view op as
a copy. As torch.func does, mutations of ``f``'s inputs are applied to the caller's tensors
when ``f`` returns; tensors captured from outside that ``f`` mutates get private storages, so
the caller never sees those writes. Because the mutation stays inside, ``vmap(functionalize(f))``
works where ``f`` writes batched values into an unbatched buffer, and grad/jvp accept in-place
ops on captured tensors (NOTE [functionalize in lamina]).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lamina import tree
from lamina.core import push_interpreter
from lamina.errors import LaminaRuntimeError, LaminaValueError
from lamina.evaluation import settles
from lamina.interpreters.functionalize import FunctionalizeInterpreter
from lamina.lazy.graph import scope
from lamina.wrappers.tensor import Storage, Tensor, on_storage, wrap

__all__ = ["functionalize"]

_REMOVE = ("mutations", "mutations_and_views")


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``func`` without mutation: same results, in-place ops replaced by functional ones.

    Inputs that ``func`` mutates are updated when it returns (as with ``func`` itself);
    tensors it captures and mutates are left as they were. With
    ``remove="mutations_and_views"``, views are computed as copies too (``transpose_copy``
    instead of ``transpose``), and outputs that were views of inputs come back as copies (an
    input returned as it is stays the caller's tensor).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> buffer = lnp.zeros(3)
    >>> def f(x):
    ...     buffer[:] = x          # writes a captured tensor
    ...     buffer[0] += 1.0
    ...     return buffer * 2
    >>> lm.vmap(lm.functionalize(f))(lnp.ones((2, 3)))
    Tensor([[4., 2., 2.],
            [4., 2., 2.]], device='cpu')
    >>> buffer                     # private inside functionalize
    Tensor([0., 0., 0.], device='cpu')
    """
    if remove not in _REMOVE:
        raise LaminaValueError(
            f"functionalize: remove must be 'mutations' or 'mutations_and_views', got "
            f"{remove!r}."
        )
    copy_views = remove == "mutations_and_views"

    @functools.wraps(func)
    @settles
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        leaves, spec = tree.flatten((args, kwargs))
        interpreter = FunctionalizeInterpreter(remove)
        scope.copy_views += copy_views
        try:
            with push_interpreter(interpreter):
                # One private storage per caller storage, so inputs that alias each other
                # (x and x[0]) still alias inside; the view chains are the caller's.
                private: dict[int, tuple[Storage, Storage]] = {}
                handles: dict[int, Tensor] = {}  # id(private handle) -> caller's tensor
                call_leaves = []
                for leaf in leaves:
                    if type(leaf) is not Tensor:
                        call_leaves.append(leaf)
                        continue
                    pair = private.get(id(leaf._storage))
                    if pair is None:
                        pair = private[id(leaf._storage)] = (leaf._storage,
                                                             Storage(leaf._storage.value))
                    handle = on_storage(pair[1], leaf._views, leaf._writeable)
                    handles[id(handle)] = leaf
                    call_leaves.append(handle)
                interpreter.enter()  # until restore(): NOTE [private values in functionalize]
                try:
                    call_args, call_kwargs = tree.unflatten(spec, call_leaves)
                    out = func(*call_args, **call_kwargs)
                    out_leaves, out_spec = tree.flatten(out)
                    results = [_result(x, handles, private, interpreter, copy_views)
                               for x in out_leaves]
                    writes = [(caller, inner.value) for caller, inner in private.values()
                              if inner.generation]
                finally:
                    interpreter.restore()
        finally:
            scope.copy_views -= copy_views
        for i, (caller, value) in enumerate(writes):
            try:
                on_storage(caller, (), True)._assign(value, "functionalize", writeback=True)
            except LaminaRuntimeError as exc:
                if "batched" not in str(exc):
                    raise
                raise LaminaRuntimeError(
                    f"functionalize({getattr(func, '__name__', 'f')}): the function wrote values "
                    f"that vary over a vmap batch into its mutated input {i}, which is not "
                    "batched, so the result cannot be written back to the caller's tensor. "
                    "Batch that input too (in_dims), or copy it inside the function "
                    "(x = x.copy()) so the mutation stays private."
                ) from None
        return tree.unflatten(out_spec, [r() if callable(r) else r for r in results])

    return wrapped


def _result(x: Any, handles: dict, private: dict, interpreter: FunctionalizeInterpreter,
            copy_views: bool) -> Any:
    """An output as the caller should see it (a thunk when it must be built after the
    caller's tensors are updated)."""
    if type(x) is not Tensor:
        return x
    caller = handles.get(id(x))
    if caller is not None and x._views == caller._views:
        return caller  # the input itself, as f would have returned it
    for outer, inner in private.values():
        if x._storage is inner:
            if copy_views:
                return wrap(x._lamina_read())
            # A view of an input: the same view of the caller's tensor, as f would return.
            return lambda: on_storage(outer, x._views, x._writeable)
    if interpreter.is_private(x._storage) or (copy_views and x._views):
        return wrap(x._lamina_read())  # a captured tensor's private value, or a view as a copy
    return x
