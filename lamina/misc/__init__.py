"""``lamina.misc``: helpers for writing optimizers and examples, as ``autograd.misc``.

- ``flatten(value) -> (vector, unflatten)``: autograd's flattening of nested lists, tuples and
  dicts of arrays and scalars (``lamina.misc.flatten``);
- ``ravel_pytree(tree) -> (flat, unravel)``: JAX's ``jax.flatten_util.ravel_pytree`` (also
  ``lm.ravel_pytree``);
- ``optimizers``: autograd's ``sgd``, ``rmsprop`` and ``adam`` on pytrees of tensors.

>>> import lamina.numpy as lnp
>>> from lamina.misc import flatten
>>> vector, unflatten = flatten({"w": lnp.ones((2, 2)), "b": 0.5})
>>> vector.tolist()
[0.5, 1.0, 1.0, 1.0, 1.0]
>>> unflatten(vector * 2)["w"].tolist()
[[2.0, 2.0], [2.0, 2.0]]
"""

from lamina.misc.flatten import flatten, flatten_func, ravel_pytree
from lamina.misc import optimizers

__all__ = ["flatten", "flatten_func", "ravel_pytree", "optimizers"]
