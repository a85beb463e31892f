"""``lamina.nn``: functional neural-network ops with torch.nn.functional's names.

>>> import lamina.numpy as lnp
>>> import lamina.nn as nn
>>> nn.softplus(lnp.asarray([0.0])).round(4)
Tensor([0.6931], device='cpu')

``lamina.nn.functional`` is the same namespace (``import lamina.nn.functional as F`` reads as
in torch).
"""

from lamina.nn import functional
from lamina.nn.functional import *  # noqa: F403
from lamina.nn.functional import __all__ as _functional_all

__all__ = ["functional", *_functional_all]
