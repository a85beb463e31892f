"""Gradient-based stochastic optimizers, as ``autograd.misc.optimizers``: ``sgd``, ``rmsprop``,
``adam``.

Same signatures and arithmetic as autograd's: ``grad(x, i)`` returns the gradient at ``x`` on
iteration ``i``; ``callback(x, i, g)`` (optional) is called each iteration before the update;
``x0`` may be any nesting of lists, tuples and dicts of tensors, arrays or scalars, flattened
with ``lamina.misc.flatten`` (so the state is one vector and the returned ``x`` has ``x0``'s
structure). They are written in ``lamina.numpy``, so the update steps are lazy graph nodes like
the gradients, and differentiable (meta-optimization works as in autograd).

>>> import lamina as lm
>>> import lamina.numpy as lnp
>>> from lamina.misc.optimizers import adam
>>> loss = lambda p, i: lnp.sum((p["w"] - 3.0) ** 2)
>>> p = adam(lm.grad(loss), {"w": lnp.zeros(2)}, step_size=0.1, num_iters=200)
>>> [round(v, 2) for v in p["w"].tolist()]
[3.0, 3.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import lamina.numpy as lnp
from lamina.misc.flatten import flatten

__all__ = ["unflatten_optimizer", "sgd", "rmsprop", "adam"]


def unflatten_optimizer(optimize: Callable) -> Callable:
    """Turn an optimizer of flat 1-D vectors into one of pytrees (lists, tuples, dicts).

    ``optimize(grad, x, callback, *args, **kwargs)`` sees a vector ``x``, a ``grad(x, i)``
    returning a vector and a ``callback(x, i, g)`` of vectors; the wrapped optimizer takes and
    gives ``x0``'s structure.

    >>> import lamina.numpy as lnp
    >>> from lamina.misc.optimizers import unflatten_optimizer
    >>> @unflatten_optimizer
    ... def halve(grad, x, callback=None, num_iters=3):
    ...     for i in range(num_iters):
    ...         x = x / 2
    ...     return x
    >>> halve(None, (lnp.asarray(8.0), [lnp.asarray(16.0)]))
    (Tensor(1., device='cpu'), [Tensor(2., device='cpu')])
    """

    @functools.wraps(optimize)
    def _optimize(grad: Callable, x0: Any, callback: Callable | None = None, *args: Any,
                  **kwargs: Any) -> Any:
        _x0, unflatten = flatten(x0)

        def _grad(x: Any, i: int) -> Any:
            return flatten(grad(unflatten(x), i))[0]

        if callback:
            def _callback(x: Any, i: int, g: Any) -> None:
                callback(unflatten(x), i, unflatten(g))
        else:
            _callback = None
        return unflatten(optimize(_grad, _x0, _callback, *args, **kwargs))

    return _optimize


@unflatten_optimizer
def sgd(grad: Callable, x: Any, callback: Callable | None = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> Any:
    """Stochastic gradient descent with momentum (autograd's): ``v = mass * v - (1 - mass) * g``,
    ``x = x + step_size * v``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> from lamina.misc.optimizers import sgd
    >>> w = sgd(lm.grad(lambda w, i: (w - 1.0) ** 2), lnp.asarray(0.0), num_iters=500)
    >>> round(w.item(), 4)
    1.0
    """
    velocity = lnp.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@unflatten_optimizer
def rmsprop(grad: Callable, x: Any, callback: Callable | None = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 10**-8) -> Any:
    """Root mean squared prop (autograd's): the step is ``g`` over the root of a running average
    of ``g ** 2`` (started at ones, decay ``gamma``).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> from lamina.misc.optimizers import rmsprop
    >>> seen = []
    >>> w = rmsprop(lm.grad(lambda w, i: lnp.sum(w[0] ** 2)), [lnp.ones(2)], num_iters=3,
    ...             callback=lambda x, i, g: seen.append(i))
    >>> seen, type(w), w[0].shape
    ([0, 1, 2], <class 'list'>, (2,))
    """
    avg_sq_grad = lnp.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        avg_sq_grad = avg_sq_grad * gamma + g**2 * (1 - gamma)
        x = x - step_size * g / (lnp.sqrt(avg_sq_grad) + eps)
    return x


@unflatten_optimizer
def adam(grad: Callable, x: Any, callback: Callable | None = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999,
         eps: float = 10**-8) -> Any:
    """Adam (http://arxiv.org/abs/1412.6980) as autograd's: RMSprop with momentum and the bias
    corrections ``1 - b1 ** (i + 1)``, ``1 - b2 ** (i + 1)``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> from lamina.misc.optimizers import adam
    >>> w = adam(lm.grad(lambda w, i: lnp.sum((w - 2.0) ** 2)), lnp.zeros(3), step_size=0.1,
    ...          num_iters=300)
    >>> [round(v, 3) for v in w.tolist()]
    [2.0, 2.0, 2.0]
    """
    m = lnp.zeros(len(x))
    v = lnp.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m  # first moment estimate
        v = (1 - b2) * (g**2) + b2 * v  # second moment estimate
        mhat = m / (1 - b1 ** (i + 1))  # bias corrections
        vhat = v / (1 - b2 ** (i + 1))
        x = x - step_size * mhat / (lnp.sqrt(vhat) + eps)
    return x
