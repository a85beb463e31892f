"""``lamina.special``: special functions, named as in ``scipy.special``.

>>> import lamina.numpy as lnp
>>> from lamina.special import logsumexp
>>> logsumexp(lnp.asarray([1000.0, 1000.0])).item()  # no overflow: the maximum is subtracted
1000.6931471805599
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.errors import LaminaValueError
from lamina.numpy._handles import handle, value_of
from lamina.ops import reduction as red
from lamina.ops.common import is_scalar, normalize_axes, scalar_value

__all__ = ["logsumexp"]


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (as ``scipy.special.logsumexp``).

    The maximum over ``axis`` is subtracted before exponentiating; an all ``-inf`` slice gives
    ``-inf`` (not NaN), an empty slice ``-inf``. Integer inputs compute in float64. With
    ``b`` (broadcast against ``a``), negative weights are allowed: pass ``return_sign=True`` to
    get ``(log|sum|, sign(sum))``; otherwise a negative sum gives NaN, as SciPy.

    >>> import lamina.numpy as lnp
    >>> from lamina.special import logsumexp
    >>> logsumexp(lnp.asarray([[0.0, 0.0], [-lnp.inf, -lnp.inf]]), axis=1)
    Tensor([0.69314718,       -inf], device='cpu')
    >>> out, sign = logsumexp(lnp.asarray([1.0, 2.0]), b=lnp.asarray([1.0, -2.0]),
    ...                       return_sign=True)
    >>> sign.item()
    -1.0
    """
    x = value_of(a, "logsumexp")
    weights = None
    if b is not None:
        if is_scalar(b):  # weak, as a Python scalar in NumPy 2 promotion
            dt = x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
            weights = scalar_value(b, np.result_type(dt, b), x.device)
        else:
            weights = value_of(b, "logsumexp", x.device)
        try:
            shape = tuple(np.broadcast_shapes(x.shape, weights.shape))
        except ValueError:
            raise LaminaValueError(
                f"logsumexp: a of shape {tuple(x.shape)} and b of shape "
                f"{tuple(weights.shape)} do not broadcast together."
            ) from None
    else:
        shape = tuple(x.shape)
    if not shape and axis is not None:  # SciPy treats a 0-d input as 1-d for its axis
        normalize_axes(axis, 1, "logsumexp")
        axes = ()
    else:
        axes = normalize_axes(axis, len(shape), "logsumexp")
    result = red.logsumexp_value(x, axes, bool(keepdims), weights, bool(return_sign))
    if return_sign:
        return handle(result[0]), handle(result[1])
    return handle(result)
