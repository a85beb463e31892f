"""Testing utilities shipped to users: ``check_grads`` (finite-difference checks of derivatives).

>>> from lamina.testing import check_grads
"""

from lamina.testing.check_grads import check_grads, numerical_jvp

__all__ = ["check_grads", "numerical_jvp"]
