"""``lamina.numpy``: NumPy's names, signatures and dtype rules on lamina tensors.

>>> import lamina.numpy as lnp
>>> x = lnp.asarray([[1.0, 2.0], [3.0, 4.0]])
>>> lnp.sin(x).shape
(2, 2)

NumPy 2 promotion rules apply (Python scalars are weak: ``float32_tensor * 2.0`` stays float32),
float64 is the default floating dtype, and views are views (see ``lamina.Tensor``).
"""

from numpy import (  # noqa: F401 - dtypes and constants, as NumPy's namespace has them
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32,
    float64, complex64, complex128, dtype, e, euler_gamma, inf, nan, newaxis, pi,
    finfo, iinfo, promote_types, integer, floating, complexfloating,
    number, signedinteger, unsignedinteger, inexact, generic, intp, uintp,
)
from numpy import bool_ as bool  # noqa: F401, A004 - NumPy 2 exports `bool`

from lamina.numpy._ufuncs import *  # noqa: F403
from lamina.numpy._creation import *  # noqa: F403
from lamina.numpy._creation_ranges import *  # noqa: F403
from lamina.numpy._shape import *  # noqa: F403
from lamina.numpy._manipulation import *  # noqa: F403
from lamina.numpy._reductions import *  # noqa: F403
from lamina.numpy._sorting import *  # noqa: F403
from lamina.numpy._linalg import *  # noqa: F403
from lamina.numpy._sets import *  # noqa: F403
from lamina.numpy._numeric import *  # noqa: F403
from lamina.numpy import _ufuncs, _creation, _creation_ranges, _shape, _manipulation
from lamina.numpy import _reductions, _sorting, _linalg, _sets, _numeric
from lamina.numpy._ufuncs import ufunc  # noqa: F401
from lamina.numpy._protocols import can_cast, min_scalar_type, result_type  # noqa: F401

from lamina.wrappers.tensor import Tensor as ndarray  # noqa: F401 - isinstance(t, lnp.ndarray)

__all__ = sorted(
    set(_ufuncs.__all__) | set(_creation.__all__) | set(_creation_ranges.__all__)
    | set(_shape.__all__) | set(_manipulation.__all__) | set(_reductions.__all__)
    | set(_sorting.__all__) | set(_linalg.__all__) | set(_sets.__all__) | set(_numeric.__all__)
    | {"can_cast", "min_scalar_type", "result_type"}
)

from lamina.numpy import fft, linalg, random  # noqa: E402, F401 - as numpy.fft, .linalg, .random
