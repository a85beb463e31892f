"""``lamina.numpy.linalg``: NumPy's linear algebra on lamina tensors.

Every function takes stacks of matrices ``(..., M, N)`` as NumPy 2 does, and returns the same
dtypes (integers and bools compute in float64; float32 stays float32). Decompositions return
NumPy's named tuples (``EighResult``, ``SVDResult``, ``QRResult``, ``SlogdetResult``).

Shapes are checked at the call, with NumPy's messages (``LinAlgError: Last 2 dimensions of the
array must be square``). Whether a matrix is singular depends on its values, so with the lazy
backend ``numpy.linalg.LinAlgError: Singular matrix`` surfaces when the result is evaluated
(NOTE [singular matrices] in ``lamina/ops/linalg.py``).

>>> import lamina.numpy as lnp
>>> a = lnp.asarray([[2.0, 1.0], [1.0, 3.0]])
>>> lnp.linalg.solve(a, lnp.asarray([3.0, 5.0]))
Tensor([0.8, 1.4], device='cpu')
>>> lnp.linalg.det(a)
Tensor(5., device='cpu')
"""

from __future__ import annotations

import operator
import warnings
from typing import Any, NamedTuple

import numpy as np
from numpy.linalg import LinAlgError

from lamina.core import bind
from lamina.errors import LaminaLinAlgError, LaminaTypeError, LaminaValueError
from lamina.numpy import _linalg as _products
from lamina.numpy._handles import check_out, handle, value_of, write_out
from lamina.numpy._linalg import _values
from lamina.ops import elementwise as ew
from lamina.ops import linalg as la
from lamina.ops.common import normalize_axis, prod
from lamina.ops.creation import full_value
from lamina.ops.shape import broadcast_value, reshape_value, transpose_value
from lamina.wrappers.tensor import Tensor

__all__ = [
    "LinAlgError", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
    "inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr",
    "norm", "vector_norm", "matrix_norm", "pinv", "matrix_power", "lstsq", "multi_dot",
    "matmul", "outer", "cross", "tensordot", "vecdot", "matrix_transpose", "diagonal", "trace",
]


class EighResult(NamedTuple):
    """What ``eigh`` returns: ``eigenvalues`` (ascending) and ``eigenvectors`` (columns).

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.eigh(lnp.asarray([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    Tensor([1., 2.], device='cpu')
    """

    eigenvalues: Tensor
    eigenvectors: Tensor


class QRResult(NamedTuple):
    """What ``qr`` returns: the orthonormal ``Q`` and the upper-triangular ``R``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.qr(lnp.ones((3, 2))).R.shape
    (2, 2)
    """

    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    """What ``slogdet`` returns: the ``sign`` of the determinant and ``logabsdet``,
    ``log(abs(det))``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.slogdet(lnp.asarray([[1.0, 0.0], [0.0, -1.0]])).sign
    Tensor(-1., device='cpu')
    """

    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    """What ``svd`` returns: ``U``, the singular values ``S`` (descending) and ``Vh``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.svd(lnp.asarray([[1.0, 0.0], [0.0, 3.0]])).S
    Tensor([3., 1.], device='cpu')
    """

    U: Tensor
    S: Tensor
    Vh: Tensor


# -- solvers and decompositions ----------------------------------------------------------------

def inv(a: Any) -> Tensor:
    """The inverse of each matrix in ``a`` (``..., M, M``).

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.inv(lnp.asarray([[2.0, 0.0], [0.0, 4.0]]))
    Tensor([[0.5 , 0.  ],
            [0.  , 0.25]], device='cpu')
    """
    return handle(la.inv_value(value_of(a, "linalg.inv")))


def solve(a: Any, b: Any) -> Tensor:
    """Solve ``a @ x = b``. ``b`` is a vector when 1-D, else a stack of matrices ``(..., M, K)``
    (NumPy 2); batch dims broadcast.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[3.0, 1.0], [1.0, 2.0]])
    >>> lnp.linalg.solve(a, lnp.asarray([9.0, 8.0]))
    Tensor([2., 3.], device='cpu')
    >>> lnp.linalg.solve(lnp.ones((4, 1, 1)) * a, lnp.ones((4, 2, 3))).shape   # batched
    (4, 2, 3)
    """
    va, vb = _values("linalg.solve", a, b)
    return handle(la.solve_value(va, vb))


def det(a: Any) -> Tensor:
    """The determinant of each matrix in ``a``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.det(lnp.asarray([[1.0, 2.0], [3.0, 4.0]])).round(12)
    Tensor(-2., device='cpu')
    """
    return handle(la.det_value(value_of(a, "linalg.det")))


def slogdet(a: Any) -> SlogdetResult:
    """Sign and log of the absolute value of the determinant: ``SlogdetResult(sign,
    logabsdet)``; safer than ``det`` for large matrices.

    >>> import lamina.numpy as lnp
    >>> sign, logabsdet = lnp.linalg.slogdet(lnp.asarray([[0.0, 2.0], [3.0, 0.0]]))
    >>> sign.item(), round(logabsdet.item(), 12)
    (-1.0, 1.791759469228)
    """
    sign, logabsdet = la.slogdet_value(value_of(a, "linalg.slogdet"))
    return SlogdetResult(handle(sign), handle(logabsdet))


def cholesky(a: Any, /, *, upper: bool = False) -> Tensor:
    """The Cholesky factor ``L`` (``a = L @ L^H``) of each Hermitian positive-definite matrix;
    ``U = L^H`` with ``upper=True``.

    >>> import lamina.numpy as lnp
    >>> L = lnp.linalg.cholesky(lnp.asarray([[4.0, 2.0], [2.0, 5.0]]))
    >>> L
    Tensor([[2., 0.],
            [1., 2.]], device='cpu')
    >>> L @ L.T
    Tensor([[4., 2.],
            [2., 5.]], device='cpu')
    """
    return handle(la.cholesky_value(value_of(a, "linalg.cholesky"), upper))


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """Eigenvalues (ascending) and eigenvectors (columns) of Hermitian matrices, reading the
    ``UPLO`` triangle.

    >>> import lamina.numpy as lnp
    >>> w, v = lnp.linalg.eigh(lnp.asarray([[2.0, 0.0], [0.0, 1.0]]))
    >>> w
    Tensor([1., 2.], device='cpu')
    """
    w, v = la.eigh_value(value_of(a, "linalg.eigh"), UPLO, True)
    return EighResult(handle(w), handle(v))


def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:  # noqa: N803
    """Eigenvalues (ascending) of Hermitian matrices.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.eigvalsh(lnp.asarray([[2.0, 1.0], [1.0, 2.0]]))
    Tensor([1., 3.], device='cpu')
    """
    (w,) = la.eigh_value(value_of(a, "linalg.eigvalsh"), UPLO, False, what="linalg.eigvalsh")
    return handle(w)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> SVDResult | Tensor:
    """Singular value decomposition ``a = U @ diag(S) @ Vh``; only ``S`` (descending) when
    ``compute_uv=False``. ``hermitian`` is accepted for NumPy compatibility (the general
    algorithm is used).

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[3.0, 0.0], [4.0, 5.0]])
    >>> U, S, Vh = lnp.linalg.svd(a)
    >>> S**2     # the eigenvalues of a.T @ a
    Tensor([45.,  5.], device='cpu')
    >>> lnp.allclose((U * S) @ Vh, a)
    True
    """
    v = value_of(a, "linalg.svd")
    outs = la.svd_value(v, full_matrices, compute_uv)
    if not compute_uv:
        return handle(outs[0])
    return SVDResult(*(handle(o) for o in outs))


def svdvals(x: Any, /) -> Tensor:
    """The singular values of each matrix, in descending order.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.svdvals(lnp.asarray([[0.0, 2.0], [-3.0, 0.0]]))
    Tensor([3., 2.], device='cpu')
    """
    (s,) = la.svd_value(value_of(x, "linalg.svdvals"), False, False, what="linalg.svdvals")
    return handle(s)


def qr(a: Any, mode: str = "reduced") -> QRResult | Tensor:
    """QR decomposition: ``QRResult(Q, R)`` for modes 'reduced' and 'complete'; ``R`` alone for
    mode 'r'.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> Q, R = lnp.linalg.qr(a)
    >>> Q.shape, R.shape
    ((3, 2), (2, 2))
    >>> lnp.allclose(Q @ R, a)
    True
    """
    what = "linalg.qr"
    if mode not in ("reduced", "complete", "r"):
        if mode in ("f", "full"):
            warnings.warn(
                "The 'full' option is deprecated in favor of 'reduced'.\nFor backward "
                "compatibility let mode default.", DeprecationWarning, stacklevel=2,
            )
            mode = "reduced"
        elif mode in ("raw", "e", "economic"):
            raise LaminaValueError(
                f"{what}: mode {mode!r} (LAPACK's Householder form) is not supported by lamina; "
                "use mode='reduced', 'complete' or 'r'."
            )
        else:
            raise LaminaValueError(
                f"{what}: Unrecognized mode '{mode}'; the modes are 'reduced', 'complete' and 'r'."
            )
    outs = la.qr_value(value_of(a, what), mode)
    if mode == "r":
        return handle(outs[0])
    return QRResult(handle(outs[0]), handle(outs[1]))


# -- norms -------------------------------------------------------------------------------------

def _abs(v: Any) -> Any:
    return ew.apply_ufunc(ew.UNARY["absolute"], v)


def _keep(v: Any, shape: tuple, axes: tuple) -> Any:
    return reshape_value(v, tuple(1 if i in axes else d for i, d in enumerate(shape)))


def _sum(v: Any, axes: tuple, keepdims: bool = False) -> Any:
    letters = la.LETTERS[: v.ndim]
    out = "".join(c for i, c in enumerate(letters) if i not in axes)
    r = la.einsum_value(f"{letters}->{out}", v)
    return _keep(r, v.shape, axes) if keepdims else r


def _sq_sum(v: Any, axes: tuple, keepdims: bool = False) -> Any:
    """sum(|v|**2) over ``axes`` in one kernel (v * conj(v), summed by einsum)."""
    letters = la.LETTERS[: v.ndim]
    out = "".join(c for i, c in enumerate(letters) if i not in axes)
    if v.dtype.kind == "c":
        r = la.einsum_value(f"{letters},{letters}->{out}", _products._conj(v), v)
        r = bind(ew.real_p, r)
    else:
        r = la.einsum_value(f"{letters},{letters}->{out}", v, v)
    return _keep(r, v.shape, axes) if keepdims else r


def _safe_root(v: Any, p: float = 2.0) -> Any:
    """``v ** (1/p)`` for ``v >= 0`` whose derivative at 0 is 0, not inf (so 0 * inf = nan
    never reaches a gradient).

    NOTE [norms at zero]: the 2-norm of a zero vector has no derivative, but every direction
    gives a one-sided slope of at least 0 and the zero subgradient is what users expect
    (``grad(norm)(zeros)`` is zeros, as in JAX): the root is taken of 1 where ``v == 0`` and
    the result replaced by 0 there, so the cotangent stops at the ``where``.
    """
    zero = ew.apply_ufunc(ew.BINARY["equal"], v, 0)
    safe = ew.where(zero, 1.0, v)
    if p == 2.0:
        root = ew.apply_ufunc(ew.UNARY["sqrt"], safe)
    else:
        root = ew.apply_ufunc(ew.BINARY["power"], safe, 1.0 / p)
    return ew.where(zero, 0.0, root)


def _extreme(name: str, v: Any, axis: int, keepdims: bool) -> Any:
    """max/min along ``axis``; max over an empty axis is 0 (NumPy's ``initial=0``)."""
    if name == "max" and v.shape[axis] == 0:
        shape = tuple(1 if i == axis else d for i, d in enumerate(v.shape))
        zeros = full_value(shape, 0, v.dtype, v.device)
        return zeros if keepdims else reshape_value(zeros, shape[:axis] + shape[axis + 1:])
    import lamina.numpy as lnp  # noqa: PLC0415 - the reductions live in lamina.numpy

    return value_of(getattr(lnp, name)(handle(v), axis=axis, keepdims=keepdims), "linalg.norm")


def _vector_norm(v: Any, ord: Any, axis: int, keepdims: bool) -> Any:  # noqa: A002
    if isinstance(ord, str):
        raise LaminaValueError(
            f"linalg.norm: Invalid norm order '{ord}' for vectors; use None, inf, -inf, 0 or a "
            "number (the 'fro' and 'nuc' norms need a matrix: pass axis=(row, col))."
        )
    if ord == np.inf:
        return _extreme("max", _abs(v), axis, keepdims)
    if ord == -np.inf:
        return _extreme("min", _abs(v), axis, keepdims)
    if ord == 0:
        nonzero = ew.apply_ufunc(ew.BINARY["not_equal"], v, 0)
        return _sum(ew.astype_value(nonzero, la.real_dtype(v.dtype)), (axis,), keepdims)
    if ord == 1:
        return _sum(_abs(v), (axis,), keepdims)
    if ord is None or ord == 2:
        return _safe_root(_sq_sum(v, (axis,), keepdims))
    try:
        p = float(ord)
    except (TypeError, ValueError):
        raise LaminaValueError(f"linalg.norm: Invalid norm order {ord!r} for vectors") from None
    powered = ew.apply_ufunc(ew.BINARY["power"], _abs(v), p)
    total = _sum(powered, (axis,), keepdims)
    if p < 0:  # a zero entry makes the sum inf; an empty one leaves 0, whose root is inf
        return ew.apply_ufunc(ew.BINARY["power"], total, 1.0 / p)
    return _safe_root(total, p)  # NOTE [norms at zero]


def _matrix_norm(v: Any, ord: Any, row: int, col: int, keepdims: bool) -> Any:  # noqa: A002
    nd = v.ndim
    if ord in (2, -2, "nuc"):
        rest = tuple(i for i in range(nd) if i not in (row, col))
        (s,) = la.svd_value(transpose_value(v, rest + (row, col)), False, False,
                            what="linalg.norm")
        if ord == "nuc":
            r = _sum(s, (s.ndim - 1,))
        else:
            r = _extreme("max" if ord == 2 else "min", s, s.ndim - 1, False)
    elif ord in (1, -1):
        c = col - 1 if col > row else col
        r = _extreme("max" if ord == 1 else "min", _sum(_abs(v), (row,)), c, False)
    elif ord in (np.inf, -np.inf):
        r_ = row - 1 if row > col else row
        r = _extreme("max" if ord > 0 else "min", _sum(_abs(v), (col,)), r_, False)
    elif ord is None or ord in ("fro", "f"):
        r = _safe_root(_sq_sum(v, (row, col)))
    else:
        raise LaminaValueError(
            f"linalg.norm: Invalid norm order for matrices ({ord!r}); use None, 'fro', 'nuc', "
            "1, -1, 2, -2, inf or -inf."
        )
    return _keep(r, v.shape, (row, col)) if keepdims else r


def _norm(v: Any, ord: Any, axis: Any, keepdims: bool) -> Any:  # noqa: A002
    what = "linalg.norm"
    if v.dtype.kind not in "fc":
        v = ew.astype_value(v, np.float64)
    nd = v.ndim
    if axis is None:
        if (ord is None or (isinstance(ord, str) and ord in ("f", "fro") and nd == 2)
                or (not isinstance(ord, str) and ord == 2 and nd == 1)):
            r = _safe_root(_sq_sum(v, tuple(range(nd))))
            return reshape_value(r, (1,) * nd) if keepdims else r
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError:
            raise LaminaTypeError(
                f"{what}: 'axis' must be None, an integer or a tuple of integers, got {axis!r}"
            ) from None
    if len(axis) == 1:
        return _vector_norm(v, ord, normalize_axis(axis[0], nd, what), keepdims)
    if len(axis) == 2:
        row, col = (normalize_axis(a, nd, what) for a in axis)
        if row == col:
            raise LaminaValueError(f"{what}: Duplicate axes given ({axis}).")
        return _matrix_norm(v, ord, row, col, keepdims)
    raise LaminaValueError(
        f"{what}: Improper number of dimensions to norm: axis={axis} on an array of "
        f"dimension {nd}. Give one axis (a vector norm) or two (a matrix norm)."
    )


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector or matrix norm, as ``numpy.linalg.norm``.

    Vector orders: None/2, 1, inf, -inf, 0, any p; matrix orders (2-D, or ``axis=(r, c)``):
    None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.norm(lnp.asarray([3.0, 4.0]))
    Tensor(5., device='cpu')
    >>> lnp.linalg.norm(lnp.asarray([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    Tensor(6., device='cpu')
    """
    return handle(_norm(value_of(x, "linalg.norm"), ord, axis, keepdims))


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False,
                ord: Any = 2) -> Tensor:  # noqa: A002
    """The vector norm over ``axis`` (None: all elements; a tuple: those axes together).

    >>> import lamina.numpy as lnp
    >>> x = lnp.asarray([[3.0, 4.0], [6.0, 8.0]])
    >>> lnp.linalg.vector_norm(x, axis=1)
    Tensor([ 5., 10.], device='cpu')
    >>> lnp.linalg.vector_norm(x, ord=1)
    Tensor(21., device='cpu')
    """
    what = "linalg.vector_norm"
    v = value_of(x, what)
    shape = tuple(v.shape)
    if axis is None:
        axes = tuple(range(len(shape)))
        v = reshape_value(v, (v.size,))
    elif isinstance(axis, tuple):
        axes = tuple(normalize_axis(a, len(shape), what) for a in axis)
        if len(set(axes)) != len(axes):
            raise LaminaValueError(f"{what}: repeated axis in 'axis' ({axis}).")
        rest = tuple(i for i in range(len(shape)) if i not in axes)
        v = reshape_value(transpose_value(v, axes + rest),
                          (prod(shape[i] for i in axes),) + tuple(shape[i] for i in rest))
    else:
        axes = (normalize_axis(axis, len(shape), what),)
        v = transpose_value(v, axes + tuple(i for i in range(len(shape)) if i != axes[0]))
    if v.dtype.kind not in "fc":
        v = ew.astype_value(v, np.float64)
    r = _vector_norm(v, ord, 0, False)
    return handle(_keep(r, shape, axes) if keepdims else r)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Tensor:  # noqa: A002
    """The matrix norm of each matrix in ``x`` (its last two axes).

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.matrix_norm(lnp.asarray([[1.0, 2.0], [2.0, 4.0]]))
    Tensor(5., device='cpu')
    >>> lnp.linalg.matrix_norm(lnp.stack([lnp.eye(2), 2 * lnp.eye(2)]), ord=2)
    Tensor([1., 2.], device='cpu')
    """
    return handle(_norm(value_of(x, "linalg.matrix_norm"), ord, (-2, -1), keepdims))


# -- pinv, matrix_power, lstsq, multi_dot --------------------------------------------------------

_NOVALUE = object()


def _mT(v: Any) -> Any:  # noqa: N802
    return la.matrix_transpose_value(v)


def _largest(s: Any) -> Any:
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415

    return bind(getitem_p, s, index=(Ellipsis, ("slice", 0, 1, None)))


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NOVALUE) -> Tensor:
    """Moore-Penrose pseudo-inverse of each matrix, from its SVD; singular values at or below
    ``rcond * largest`` count as zero.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.pinv(lnp.asarray([[2.0, 0.0], [0.0, 0.0]]))
    Tensor([[0.5, 0. ],
            [0. , 0. ]], device='cpu')
    """
    what = "linalg.pinv"
    v = value_of(a, what)
    la.check_stacked_2d(v.shape, what)
    dtype = la.linalg_dtype(v.dtype, what=what)
    v = v if v.dtype == dtype else ew.astype_value(v, dtype)
    *batch, m, n = v.shape
    if rcond is None:
        if rtol is _NOVALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(m, n) * float(np.finfo(dtype).eps)
        else:
            rcond = rtol
    elif rtol is not _NOVALUE:
        raise LaminaValueError(f"{what}: `rtol` and `rcond` can't be both set.")
    if m == 0 or n == 0:
        return handle(full_value(tuple(batch) + (n, m), 0, dtype, v.device))
    if isinstance(rcond, (int, float)) and not isinstance(rcond, bool):
        rv = full_value((), float(rcond), la.real_dtype(dtype), v.device)
    else:
        rv = value_of(rcond, what, v.device)
    return handle(la.pinv_value(v, rv, what))  # NOTE [pinv is a primitive]


def matrix_power(a: Any, n: Any) -> Tensor:
    """``a`` to the integer power ``n`` by repeated squaring; negative powers invert first.

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[1, 1], [1, 0]])
    >>> lnp.linalg.matrix_power(a, 5)    # Fibonacci numbers
    Tensor([[8, 5],
            [5, 3]], device='cpu')
    >>> lnp.linalg.matrix_power(lnp.asarray([[2.0, 0.0], [0.0, 4.0]]), -1)
    Tensor([[0.5 , 0.  ],
            [0.  , 0.25]], device='cpu')
    """
    what = "linalg.matrix_power"
    v = value_of(a, what)
    la.check_square(v.shape, what)
    try:
        n = operator.index(n)
    except TypeError:
        raise LaminaTypeError(f"{what}: exponent must be an integer, got {n!r}") from None
    if n == 0:
        from lamina.ops.common import to_value  # noqa: PLC0415

        eye = to_value(np.eye(v.shape[-1], dtype=v.dtype), what, v.device)
        return handle(broadcast_value(eye, tuple(v.shape)))
    if n < 0:
        v, n = la.inv_value(v, what), -n
    result, power = None, v
    while True:  # binary exponentiation: bits of n from the lowest
        n, bit = divmod(n, 2)
        if bit:
            result = power if result is None else la.matmul_value(result, power)
        if not n:
            return handle(result)
        power = la.matmul_value(power, power)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """Least-squares solution of ``a @ x = b``: ``(x, residuals, rank, s)`` as NumPy.

    Computed from the SVD of ``a``; ``rank`` is a Python int, so the call evaluates it (and the
    shape of ``residuals`` depends on it, as in NumPy).

    >>> import lamina.numpy as lnp
    >>> a = lnp.asarray([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])    # fit y = m x + c
    >>> x, residuals, rank, s = lnp.linalg.lstsq(a, lnp.asarray([1.0, 3.0, 5.0]))
    >>> x.round(12), rank
    (Tensor([2., 1.], device='cpu'), 2)
    """
    what = "linalg.lstsq"
    va, vb = _values(what, a, b)
    is_1d = vb.ndim == 1
    if is_1d:
        vb = reshape_value(vb, (vb.shape[0], 1))
    for v in (va, vb):
        if v.ndim != 2:
            raise LaminaLinAlgError(
                f"{what}: {v.ndim}-dimensional array given. Array must be two-dimensional "
                "(lstsq does not take stacks of matrices; use solve or pinv for those)."
            )
    (m, n), (m2, k) = va.shape, vb.shape
    if m != m2:
        raise LaminaLinAlgError(
            f"{what}: Incompatible dimensions: a has {m} rows but b has {m2}."
        )
    dtype = la.linalg_dtype(va.dtype, vb.dtype, what=what)
    real = la.real_dtype(dtype)
    va = va if va.dtype == dtype else ew.astype_value(va, dtype)
    vb = vb if vb.dtype == dtype else ew.astype_value(vb, dtype)
    if rcond is None:
        rcond = float(np.finfo(np.float64).eps) * max(n, m)
    (s,) = la.svd_value(va, False, False, what=what)
    if min(m, n) == 0:
        x, rank = full_value((n, k), 0, dtype, va.device), 0
    else:
        cutoff = ew.apply_ufunc(ew.BINARY["multiply"], _largest(s), float(rcond))
        pinv_a = la.pinv_value(va, full_value((), float(rcond), real, va.device), what)
        x = la.matmul_value(pinv_a, vb)
        large = ew.apply_ufunc(ew.BINARY["greater"], s, cutoff)
        rank = int(handle(_sum(ew.astype_value(large, np.int64), (0,))))
    if rank == n and m > n:
        r = ew.apply_ufunc(ew.BINARY["subtract"], vb, la.matmul_value(va, x))
        residuals = _sq_sum(r, (0,))
    else:
        residuals = full_value((0,), 0, real, va.device)
    if is_1d:
        x = reshape_value(x, (n,))
    return handle(x), handle(residuals), rank, handle(s)


def multi_dot(arrays: Any, *, out: Any = None) -> Tensor:
    """``arrays[0] @ arrays[1] @ ...`` in the cheapest order; the first and last may be 1-D.

    >>> import lamina.numpy as lnp
    >>> a, b, c = lnp.ones((10, 100)), lnp.ones((100, 100)), lnp.ones((100, 2))
    >>> lnp.linalg.multi_dot([a, b, c]).shape
    (10, 2)
    >>> lnp.linalg.multi_dot([lnp.asarray([1.0, 2.0]), lnp.eye(2), lnp.asarray([3.0, 4.0])])
    Tensor(11., device='cpu')
    """
    what = "linalg.multi_dot"
    arrays = list(arrays)
    if len(arrays) < 2:
        raise LaminaValueError(f"{what}: Expecting at least two arrays.")
    if len(arrays) == 2:
        return _products.dot(arrays[0], arrays[1], out=out)
    values = _values(what, *arrays)
    first_1d, last_1d = values[0].ndim == 1, values[-1].ndim == 1
    if first_1d:
        values[0] = reshape_value(values[0], (1, values[0].shape[0]))
    if last_1d:
        values[-1] = reshape_value(values[-1], (values[-1].shape[0], 1))
    for v in values:
        if v.ndim != 2:
            raise LaminaLinAlgError(
                f"{what}: {v.ndim}-dimensional array given. Array must be two-dimensional"
            )
    dims = [values[0].shape[0]] + [v.shape[1] for v in values]
    count = len(values)
    cost = [[0] * count for _ in range(count)]  # matrix-chain order, as NumPy's multi_dot
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def chain(i: int, j: int) -> Any:
        if i == j:
            return values[i]
        return la.matmul_value(chain(i, split[i][j]), chain(split[i][j] + 1, j))

    result = chain(0, count - 1)
    if first_1d or last_1d:
        drops = (first_1d, last_1d)
        result = reshape_value(result, tuple(d for d, drop in zip(result.shape, drops,
                                                                   strict=True) if not drop))
    out_t = check_out(out, what)
    return write_out(out_t, result, what) if out_t is not None else handle(result)


# -- the array-API names -------------------------------------------------------------------------

def matmul(x1: Any, x2: Any, /) -> Tensor:
    """Matrix product (``numpy.linalg.matmul``: ``lnp.matmul`` without ``out``).

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.matmul(lnp.asarray([[1.0, 2.0], [3.0, 4.0]]), lnp.asarray([1.0, 1.0]))
    Tensor([3., 7.], device='cpu')
    """
    return _products.matmul(x1, x2)


def outer(x1: Any, x2: Any, /) -> Tensor:
    """Outer product of two 1-D arrays.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.outer(lnp.asarray([1.0, 2.0]), lnp.asarray([3.0, 4.0]))
    Tensor([[3., 4.],
            [6., 8.]], device='cpu')
    """
    v1, v2 = _values("linalg.outer", x1, x2)
    if v1.ndim != 1 or v2.ndim != 1:
        raise LaminaValueError(
            "linalg.outer: Input arrays must be one-dimensional, but they are "
            f"x1.ndim={v1.ndim} and x2.ndim={v2.ndim}. (lnp.outer flattens its inputs.)"
        )
    return _products.outer(handle(v1), handle(v2))


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Tensor:
    """Cross product of 3-vectors along ``axis``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.cross(lnp.asarray([0.0, 1.0, 0.0]), lnp.asarray([0.0, 0.0, 1.0]))
    Tensor([1., 0., 0.], device='cpu')
    """
    v1, v2 = _values("linalg.cross", x1, x2)
    n1 = v1.shape[normalize_axis(axis, v1.ndim, "linalg.cross")]
    n2 = v2.shape[normalize_axis(axis, v2.ndim, "linalg.cross")]
    if n1 != 3 or n2 != 3:
        raise LaminaValueError(
            "linalg.cross: Both input arrays must be (arrays of) 3-dimensional vectors, but "
            f"they are {n1} and {n2} dimensional instead."
        )
    return handle(_products.cross_values(v1, v2, axis, axis, axis, "linalg.cross"))


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Tensor:
    """``lnp.tensordot`` with the array-API signature.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.tensordot(lnp.ones((2, 3)), lnp.ones((3, 4)), axes=1)
    Tensor([[3., 3., 3., 3.],
            [3., 3., 3., 3.]], device='cpu')
    """
    return _products.tensordot(x1, x2, axes=axes)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Tensor:
    """Vector dot product along ``axis``, conjugating ``x1``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.vecdot(lnp.asarray([[1.0, 2.0], [3.0, 4.0]]), lnp.asarray([[1.0, 1.0]]))
    Tensor([3., 7.], device='cpu')
    """
    v1, v2 = _values("linalg.vecdot", x1, x2)
    return handle(_products.vecdot_values(v1, v2, axis, "linalg.vecdot"))


def matrix_transpose(x: Any, /) -> Tensor:
    """Each matrix transposed (a view): ``lnp.matrix_transpose``.

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.matrix_transpose(lnp.asarray([[1, 2, 3]]))
    Tensor([[1],
            [2],
            [3]], device='cpu')
    """
    import lamina.numpy as lnp  # noqa: PLC0415

    return lnp.matrix_transpose(x)


def diagonal(x: Any, /, *, offset: int = 0) -> Tensor:
    """The diagonal of each matrix (its last two axes).

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.diagonal(lnp.arange(8).reshape(2, 2, 2))
    Tensor([[0, 3],
            [4, 7]], device='cpu')
    """
    import lamina.numpy as lnp  # noqa: PLC0415

    return lnp.diagonal(x, offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Tensor:
    """The trace of each matrix (its last two axes).

    >>> import lamina.numpy as lnp
    >>> lnp.linalg.trace(lnp.arange(8).reshape(2, 2, 2))
    Tensor([ 3, 11], device='cpu')
    """
    import lamina.numpy as lnp  # noqa: PLC0415

    return lnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)
