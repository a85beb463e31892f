"""``stop_gradient`` (JAX's name) and ``Tensor.detach`` (torch's): a value with no derivative.

NOTE [stop_gradient]: a value is differentiated through the ``TensorWrapper`` layers that the
live grad and jvp levels put around it (NOTE [levels are identities] in lamina/core.py). A
value with those layers taken off is a constant to every one of those levels at once, so
``grad(grad(f))``, ``jvp(grad(f))`` and ``hessian`` see no derivative through it either. Vmap's
``BatchedTensor`` layers stay: under ``vmap`` the value is still one element of a batch, so it
passes through vmap batched as before (and converting it to NumPy still raises, NOTE [tracked
values leave only as scalars] in lamina/wrappers/tensor.py). Wrappers of transforms that have
exited are dropped too, as everywhere. No op is recorded: it is not a computation, so the lazy
graph, ``make_graph`` and every kernel see the value itself.
"""

from __future__ import annotations

from typing import Any

from lamina import tree
from lamina.core import Wrapper
from lamina.wrappers.batched import BatchedTensor
from lamina.wrappers.tensor import Tensor, wrap

__all__ = ["stop_gradient", "stop_gradient_value"]


def stop_gradient_value(value: Any) -> Any:
    """``value`` without its grad and jvp wrappers; live vmap batching kept (see the NOTE)."""
    if not isinstance(value, Wrapper):
        return value
    inner = stop_gradient_value(value.value)
    if type(value) is BatchedTensor and value.level.alive:
        return value if inner is value.value else BatchedTensor(inner, value.bdim, value.level)
    return inner


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: its value, with no derivative under any grad or jvp transform.

    ``x`` may be a pytree (tuples, lists, dicts, namedtuples): each Tensor in it becomes a new
    tensor holding the same value (a copy in NumPy's terms: writing into it does not change
    ``x``; no data is copied). Other leaves (NumPy arrays, Python numbers) carry no
    derivative and come back as they are. The derivative is zero at every level, nested ones
    included (``grad(grad(f))``, ``hessian``); under ``vmap`` the value stays batched.
    ``Tensor.detach()`` is the same for one tensor (torch's name).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> def f(x):
    ...     return x * lm.stop_gradient(x)   # d/dx = x, not 2x: the second factor is constant
    >>> lm.grad(f)(lm.asarray(3.0))
    Tensor(3., device='cpu')
    >>> lm.grad(lambda w: lnp.sum(w - lm.stop_gradient(w) + lm.stop_gradient(w) ** 2))(
    ...     lm.asarray([1.0, 2.0]))            # the straight-through trick
    Tensor([1., 1.], device='cpu')
    >>> lm.stop_gradient({"w": lm.asarray([1.0, 2.0]), "n": 3})
    {'w': Tensor([1., 2.], device='cpu'), 'n': 3}
    """

    def leaf(a: Any) -> Any:
        if type(a) is Tensor:
            return wrap(stop_gradient_value(a._lamina_read()))
        return a

    return tree.tree_map(leaf, x)
