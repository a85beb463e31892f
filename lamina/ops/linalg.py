"""Linear-algebra primitives: ``matmul``, ``einsum``, and one per decomposition or solver.

- ``matmul`` is the workhorse: stacks of matrices on both sides (ndim >= 2) with broadcast batch
  dims. NumPy's 1-D rules (a vector is promoted to a matrix, and the new axis squeezed from the
  result) are reshapes around it, in ``matmul_value``.
- ``einsum`` takes a canonical subscripts string (NOTE [canonical einsum]). ``tensordot``,
  ``dot``, ``vdot``, ``vecdot``, ``kron``, ``cross`` and the norms are composites (in
  ``lamina.numpy``), built from these and the elementwise and shape ops.
- Decompositions and solvers (``inv``, ``solve``, ``det``, ``slogdet``, ``cholesky``, ``eigh``,
  ``svd``, ``qr``) take stacks of matrices ``(..., m, n)`` of float32, float64, complex64 or
  complex128. Their value-level functions check shapes with NumPy's messages and cast other
  dtypes as NumPy does (integers and bools to float64) before binding, so kernels only ever see
  valid input. ``eigh``, ``svd`` and ``qr`` return a tuple whose length depends on a param
  (``compute_v``, ``compute_uv``, ``mode``).

Kernels call ``xp.linalg``, ``xp.matmul`` and ``xp.einsum`` only, so they run on NumPy and CuPy.
NOTE [singular matrices]: whether a matrix is singular (``inv``, ``solve``) or not positive
definite (``cholesky``) depends on the data, so only the kernel can tell: NumPy raises
``numpy.linalg.LinAlgError`` when the graph is evaluated (at the call in eager mode). CuPy does
not check unless ``cupyx.errstate(linalg='raise')`` is active: results then hold inf or nan.
"""

from __future__ import annotations

import functools
import string
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaLinAlgError, LaminaTypeError, LaminaValueError
from lamina.ops import ad
from lamina.ops import elementwise as ew
from lamina.ops.batching import bdim_to_front, broadcast_batched, move_bdim
from lamina.ops.common import prod
from lamina.ops.creation import eye_p, full_value, tri_p
from lamina.ops.elementwise import astype_value
from lamina.ops.indexing import getitem_p
from lamina.ops.shape import broadcast_value, concatenate_values, reshape_value, transpose_value

__all__ = [
    "LaminaLinAlgError", "matmul_p", "einsum_p", "inv_p", "solve_p", "det_p", "slogdet_p",
    "cholesky_p", "eigh_p", "svd_p", "qr_p", "pinv_p", "pinv_value", "matmul_value",
    "einsum_value", "tensordot_value",
    "inv_value", "solve_value", "det_value", "slogdet_value", "cholesky_value", "eigh_value",
    "svd_value", "qr_value", "linalg_dtype", "real_dtype", "check_square", "check_stacked_2d",
    "matrix_transpose_value", "einsum_plan",
]



# --------------------------------------------------------------------------------------------
# Shared checks and dtype rules.

_LINALG_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                                 np.complex128))


def linalg_dtype(*dtypes: Any, what: str) -> np.dtype:
    """The dtype NumPy's linalg computes and returns: ints and bools become float64."""
    out = []
    for dt in dtypes:
        dt = np.dtype(dt)
        if dt.kind in "biu":
            out.append(np.dtype(np.float64))
        elif dt in _LINALG_DTYPES:
            out.append(dt)
        else:
            raise LaminaTypeError(
                f"{what}: array type {dt.name} is unsupported in linalg. Cast the input to "
                "float32 or float64 first, e.g. x.astype('float32')."
            )
    return np.result_type(*out)


def real_dtype(dtype: np.dtype) -> np.dtype:
    """float32 for complex64, float64 for complex128; real dtypes unchanged."""
    return np.finfo(dtype).dtype if np.dtype(dtype).kind == "c" else np.dtype(dtype)


def _cast(x: Any, dtype: np.dtype) -> Any:
    return x if x.dtype == dtype else astype_value(x, dtype)


def check_stacked_2d(shape: tuple, what: str) -> None:
    if len(shape) < 2:
        raise LaminaLinAlgError(
            f"{what}: {len(shape)}-dimensional array given. Array must be at least "
            f"two-dimensional (a matrix, or a stack of matrices of shape (..., M, N)); got shape "
            f"{tuple(shape)}."
        )


def check_square(shape: tuple, what: str) -> None:
    check_stacked_2d(shape, what)
    if shape[-1] != shape[-2]:
        raise LaminaLinAlgError(
            f"{what}: Last 2 dimensions of the array must be square, but the input has shape "
            f"{tuple(shape)}."
        )


def _fmt(shape: tuple) -> str:
    return "(" + ",".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def too_few_dims(what: str, signature: str, operand: int, ndim: int, need: int):
    return LaminaValueError(
        f"{what}: Input operand {operand} does not have enough dimensions (has {ndim}, gufunc "
        f"core with signature {signature} requires {need})"
    )


def core_mismatch(what: str, signature: str, operand: int, dim: int, size: int, expected: int):
    return LaminaValueError(
        f"{what}: Input operand {operand} has a mismatch in its core dimension {dim}, with gufunc "
        f"signature {signature} (size {size} is different from {expected})"
    )


def batch_shape(what: str, shapes: tuple, core_ndims: tuple, requested: tuple) -> tuple:
    """The broadcast of the operands' batch dims (all but their last ``core_ndims``)."""
    batches = [tuple(s[: len(s) - c]) for s, c in zip(shapes, core_ndims, strict=True)]
    try:
        return tuple(np.broadcast_shapes(*batches))
    except ValueError:
        parts = " ".join(
            f"{_fmt(s)}->(" + ",".join([str(d) for d in b] + ["newaxis"] * c) + ")"
            for s, b, c in zip(shapes, batches, core_ndims, strict=True)
        )
        raise LaminaValueError(
            f"{what}: operands could not be broadcast together with remapped shapes "
            f"[original->remapped]: {parts}  and requested shape {_fmt(requested)}. The batch "
            "dimensions (those before the matrix or vector dimensions) must broadcast: equal "
            "or 1, aligned from the right."
        ) from None


def matrix_transpose_value(x: Any) -> Any:
    """``x`` with its last two axes swapped."""
    n = len(x.shape)
    return transpose_value(x, tuple(range(n - 2)) + (n - 1, n - 2))


# --------------------------------------------------------------------------------------------
# matmul: stacks of matrices, batch dims broadcast.

MATMUL_SIGNATURE = "(n?,k),(k,m?)->(n?,m?)"


@functools.lru_cache(maxsize=256)
def _matmul_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    try:
        return np.matmul.resolve_dtypes((a, b, None))[-1]
    except TypeError:
        raise LaminaTypeError(
            f"matmul: the operation is not supported for inputs of dtype ({a}, {b}). Cast the "
            "inputs with .astype(...) to a numeric dtype (e.g. float64)."
        ) from None


def _matmul_abstract(a, b):
    if len(a.shape) < 2 or len(b.shape) < 2 or a.shape[-1] != b.shape[-2]:
        raise LaminaValueError(
            f"matmul primitive: needs stacks of matrices with matching inner dimensions, got "
            f"shapes {a.shape} and {b.shape} (call matmul_value, which handles 1-D operands)."
        )
    core = (a.shape[-2], b.shape[-1])
    batch = batch_shape("matmul", (a.shape, b.shape), (2, 2), core)
    return batch + core, _matmul_dtype(a.dtype, b.dtype)


def _matmul_impl(xp, a, b):
    # NOTE [matmul kernels]: stacks that vmap makes are often (B, m, k) @ (k, n) or outer
    # products (k == 1). NumPy runs the first as B small products and the second through BLAS;
    # one (B*m, k) @ (k, n) product and a broadcast multiply compute the same numbers faster.
    if a.shape[-1] == 1 and a.dtype == b.dtype:
        return a * b  # an outer product: no sums, so exactly what matmul gives
    if b.ndim == 2 and a.ndim > 2 and a.size and b.size:
        lead = a.shape[:-1]
        return xp.matmul(a.reshape(-1, a.shape[-1]), b).reshape(*lead, b.shape[-1])
    return xp.matmul(a, b)


matmul_p = Primitive("matmul", _matmul_impl, _matmul_abstract)


def matmul_value(a: Any, b: Any, what: str = "matmul") -> Any:
    """``a @ b`` with NumPy's rules: 1-D operands promoted then squeezed, batch dims broadcast."""
    for i, v in enumerate((a, b)):
        if len(v.shape) == 0:
            raise too_few_dims(what, MATMUL_SIGNATURE, i, 0, 1)
    k = a.shape[-1]
    kb = b.shape[-2] if len(b.shape) >= 2 else b.shape[0]
    if kb != k:
        raise core_mismatch(what, MATMUL_SIGNATURE, 1, 0, kb, k)
    n = a.shape[-2:-1]
    m = b.shape[-1:] if len(b.shape) >= 2 else ()
    batch = batch_shape(what, (a.shape, b.shape), (min(len(a.shape), 2), min(len(b.shape), 2)),
                        n + m)
    dtype = _matmul_dtype(a.dtype, b.dtype)
    a, b = _cast(a, dtype), _cast(b, dtype)
    a2 = a if len(a.shape) >= 2 else reshape_value(a, (1, k))
    b2 = b if len(b.shape) >= 2 else reshape_value(b, (k, 1))
    return reshape_value(bind(matmul_p, a2, b2), batch + n + m)


def tensordot_value(a: Any, b: Any, axes_a: tuple, axes_b: tuple) -> Any:
    """Sum over ``a``'s ``axes_a`` against ``b``'s ``axes_b`` (non-negative, checked sizes)."""
    free_a = [i for i in range(len(a.shape)) if i not in axes_a]
    free_b = [i for i in range(len(b.shape)) if i not in axes_b]
    k = 1
    for i in axes_a:
        k *= a.shape[i]
    shape_a = tuple(a.shape[i] for i in free_a)
    shape_b = tuple(b.shape[i] for i in free_b)
    at = reshape_value(transpose_value(a, tuple(free_a) + tuple(axes_a)),
                       (prod(shape_a), k))
    bt = reshape_value(transpose_value(b, tuple(axes_b) + tuple(free_b)),
                       (k, prod(shape_b)))
    return reshape_value(matmul_value(at, bt), shape_a + shape_b)


# --------------------------------------------------------------------------------------------
# einsum.
#
# NOTE [canonical einsum]: the ``subscripts`` param of ``einsum_p`` is canonical: an explicit
# output ("->" always present), ellipses replaced by letters, labels renamed in order of first
# appearance (a, b, ..., z, A, ..., Z), and every operand already broadcast so that a label has
# one size everywhere. So 'ij,jk', 'xy,yz->xz' and '...j,jk' (on a matrix) all reach the
# backend as 'ab,bc->ac': one cache entry, and the later rules never parse NumPy's grammar.

LETTERS = string.ascii_lowercase + string.ascii_uppercase


def _einsum_error(message: str) -> LaminaValueError:
    return LaminaValueError(f"einsum: {message}")


def _parse_term(term: str, where: str) -> list[str]:
    labels: list[str] = []
    i = 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i: i + 3] != "..." or "..." in labels:
                raise _einsum_error(
                    "einstein sum subscripts string contains a '.' that is not part of an "
                    f"ellipsis ('...') in {where}"
                )
            labels.append("...")
            i += 3
            continue
        if c in LETTERS:
            labels.append(c)
        elif not c.isspace():
            raise _einsum_error(
                f"invalid subscript '{c}' in einstein sum subscripts string, subscripts must be "
                "letters"
            )
        i += 1
    return labels


@functools.lru_cache(maxsize=1024)
def einsum_plan(subscripts: str, shapes: tuple) -> tuple[str, tuple, tuple]:
    """(canonical subscripts, the shape each operand is broadcast to, the output shape)."""
    if "->" in subscripts:
        lhs, _, rhs = subscripts.partition("->")
    else:
        lhs, rhs = subscripts, None
    terms = lhs.split(",")
    if len(terms) < len(shapes):
        raise _einsum_error(
            "more operands provided to einstein sum function than specified in the subscripts "
            f"string ({len(shapes)} operands for {len(terms)} terms in {subscripts!r})"
        )
    if len(terms) > len(shapes):
        raise _einsum_error(
            "fewer operands provided to einstein sum function than specified in the subscripts "
            f"string ({len(shapes)} operands for {len(terms)} terms in {subscripts!r})"
        )
    parsed = [_parse_term(t, f"operand {k}") for k, t in enumerate(terms)]

    # The dims each ellipsis stands for, broadcast across operands.
    ell_shapes = []
    for k, (labels, shape) in enumerate(zip(parsed, shapes, strict=True)):
        letters = len(labels) - ("..." in labels)
        if letters > len(shape):
            raise _einsum_error(
                f"einstein sum subscripts string contains too many subscripts for operand {k} "
                f"({terms[k].strip()!r} for an operand of shape {shape})"
            )
        if "..." in labels:
            start = labels.index("...")
            ell_shapes.append(shape[start: start + len(shape) - letters])
        elif letters < len(shape):
            raise _einsum_error(
                "operand has more dimensions than subscripts given in einstein sum, but no '...' "
                f"ellipsis provided to broadcast the extra dimensions (operand {k} has shape "
                f"{shape}, subscripts {terms[k].strip()!r})."
            )
        else:
            ell_shapes.append(())
    try:
        ell = tuple(np.broadcast_shapes(*ell_shapes))
    except ValueError:
        raise _einsum_error(
            "operands could not be broadcast together: the dimensions covered by '...' have "
            f"shapes {', '.join(str(s) for s in ell_shapes)}, which do not broadcast (equal or "
            "1, aligned from the right)."
        ) from None

    out_labels = None if rhs is None else _parse_term(rhs, "the output")
    used = {c for labels in parsed for c in labels} | set(out_labels or ())
    fresh = [c for c in LETTERS if c not in used][: len(ell)]
    if len(fresh) < len(ell):
        raise _einsum_error("too many distinct subscripts and '...' dimensions (at most 52).")

    expanded = []
    for labels, e_shape in zip(parsed, ell_shapes, strict=True):
        row: list[str] = []
        for c in labels:
            row.extend(fresh[len(ell) - len(e_shape):] if c == "..." else [c])
        expanded.append(row)

    sizes: dict[str, tuple[int, int]] = {}  # label -> (size, operand that set it)
    for k, (labels, shape) in enumerate(zip(expanded, shapes, strict=True)):
        own: dict[str, int] = {}
        for c, d in zip(labels, shape, strict=True):
            if c in own and own[c] != d:
                raise _einsum_error(
                    f"dimensions in single operand for collapsing index '{c}' don't match "
                    f"({own[c]} != {d})"
                )
            own[c] = d
        for c, d in own.items():
            if c not in sizes or (sizes[c][0] == 1 and d != 1):
                sizes[c] = (d, k)
            elif d != 1 and d != sizes[c][0]:
                raise _einsum_error(
                    f"operands could not be broadcast together: subscript '{c}' has size "
                    f"{sizes[c][0]} in operand {sizes[c][1]} and size {d} in operand {k}. Sizes "
                    "of one subscript must be equal (or 1, which broadcasts)."
                )

    if out_labels is not None:
        if "..." not in out_labels and ell:
            raise _einsum_error(
                "output has more dimensions than subscripts given in einstein sum, but no '...' "
                "ellipsis provided to broadcast the extra dimensions. Write '...' in the output "
                "to keep them, or sum them with an explicit label."
            )
        out: list[str] = []
        for c in out_labels:
            if c == "...":
                out.extend(fresh)
                continue
            if c in out:
                raise _einsum_error(
                    f"einstein sum subscripts string includes output subscript '{c}' multiple "
                    "times"
                )
            if c not in sizes:
                raise _einsum_error(
                    f"einstein sum subscripts string included output subscript '{c}' which never "
                    "appeared in an input"
                )
            out.append(c)
    else:  # implicit mode: '...' first, then the labels seen once, in alphabetical (ASCII) order
        counts: dict[str, int] = {}
        for labels in parsed:
            for c in labels:
                if c != "...":
                    counts[c] = counts.get(c, 0) + 1
        out = fresh + sorted(c for c, n in counts.items() if n == 1)

    rename: dict[str, str] = {}
    for c in [c for labels in expanded for c in labels] + out:
        if c not in rename:
            rename[c] = LETTERS[len(rename)]
    canonical = ",".join("".join(rename[c] for c in labels) for labels in expanded)
    canonical += "->" + "".join(rename[c] for c in out)
    targets = tuple(tuple(sizes[c][0] for c in labels) for labels in expanded)
    return canonical, targets, tuple(sizes[c][0] for c in out)


def _einsum_abstract(*operands, subscripts):
    lhs, out = subscripts.split("->")
    sizes = {}
    for term, op in zip(lhs.split(","), operands, strict=True):
        sizes.update(zip(term, op.shape, strict=True))
    return tuple(sizes[c] for c in out), np.result_type(*[op.dtype for op in operands])


def _einsum_impl(xp, *operands, subscripts):
    # optimize=True makes the pairwise contractions BLAS calls (and picks an order for >2).
    out = xp.asarray(xp.einsum(subscripts, *operands, optimize=len(operands) > 1))
    dtype = np.result_type(*[op.dtype for op in operands])
    return out if out.dtype == dtype else out.astype(dtype)


einsum_p = Primitive("einsum", _einsum_impl, _einsum_abstract)


def einsum_value(subscripts: str, *operands: Any) -> Any:
    """``einsum`` on values: any subscripts NumPy accepts (NOTE [canonical einsum])."""
    if not operands:
        raise _einsum_error(
            "must specify the einstein sum subscripts string and at least one operand"
        )
    canonical, targets, _ = einsum_plan(subscripts, tuple(tuple(v.shape) for v in operands))
    dtype = np.result_type(*[v.dtype for v in operands])
    values = [broadcast_value(_cast(v, dtype), t) for v, t in zip(operands, targets, strict=True)]
    return bind(einsum_p, *values, subscripts=canonical)


# --------------------------------------------------------------------------------------------
# Solvers and decompositions (stacks of square or rectangular matrices).

def _same(a):
    return a.shape, a.dtype


def _inv_impl(xp, a):
    if a.size == 0:
        return xp.empty(a.shape, a.dtype)
    return xp.linalg.inv(a)


inv_p = Primitive("inv", _inv_impl, _same)


def inv_value(a: Any, what: str = "linalg.inv") -> Any:
    check_square(a.shape, what)
    return bind(inv_p, _cast(a, linalg_dtype(a.dtype, what=what)))


def _solve_impl(xp, a, b):
    if b.size == 0:
        return xp.empty(b.shape, b.dtype)
    return xp.linalg.solve(a, b)


solve_p = Primitive("solve", _solve_impl, lambda a, b: (b.shape, b.dtype))


def solve_value(a: Any, b: Any, what: str = "linalg.solve") -> Any:
    """Solve ``a @ x = b``; ``b`` is a vector only when 1-D (NumPy 2), else ``(..., m, k)``."""
    check_square(a.shape, what)
    m = a.shape[-1]
    dtype = linalg_dtype(a.dtype, b.dtype, what=what)
    a, b = _cast(a, dtype), _cast(b, dtype)
    if len(b.shape) == 1:
        sig = "(m,m),(m)->(m)"
        if b.shape[0] != m:
            raise core_mismatch(what, sig, 1, 0, b.shape[0], m)
        batch = tuple(a.shape[:-2])
        b2 = broadcast_value(reshape_value(b, (m, 1)), batch + (m, 1))
        return reshape_value(bind(solve_p, a, b2), batch + (m,))
    sig = "(m,m),(m,n)->(m,n)"
    if len(b.shape) == 0:
        raise too_few_dims(what, sig, 1, 0, 2)
    if b.shape[-2] != m:
        raise core_mismatch(what, sig, 1, 0, b.shape[-2], m)
    batch = batch_shape(what, (a.shape, b.shape), (2, 2), (m, b.shape[-1]))
    a = broadcast_value(a, batch + (m, m))
    b = broadcast_value(b, batch + tuple(b.shape[-2:]))
    return bind(solve_p, a, b)


def _det_impl(xp, a):
    batch = a.shape[:-2]
    if a.shape[-1] == 0:
        return xp.ones(batch, a.dtype)
    if a.size == 0:
        return xp.empty(batch, a.dtype)
    return xp.asarray(xp.linalg.det(a)).astype(a.dtype, copy=False)


det_p = Primitive("det", _det_impl, lambda a: (tuple(a.shape[:-2]), a.dtype))


def det_value(a: Any, what: str = "linalg.det") -> Any:
    check_square(a.shape, what)
    return bind(det_p, _cast(a, linalg_dtype(a.dtype, what=what)))


def _slogdet_impl(xp, a):
    batch, real = a.shape[:-2], real_dtype(a.dtype)
    if a.size == 0:
        fill = xp.ones if a.shape[-1] == 0 else xp.empty
        return fill(batch, a.dtype), xp.zeros(batch, real)
    sign, logdet = xp.linalg.slogdet(a)
    return (xp.asarray(sign).astype(a.dtype, copy=False),
            xp.asarray(logdet).astype(real, copy=False))


slogdet_p = Primitive(
    "slogdet", _slogdet_impl,
    lambda a: ((tuple(a.shape[:-2]), a.dtype), (tuple(a.shape[:-2]), real_dtype(a.dtype))),
    multiple_results=True,
)


def slogdet_value(a: Any, what: str = "linalg.slogdet") -> tuple:
    check_square(a.shape, what)
    return bind(slogdet_p, _cast(a, linalg_dtype(a.dtype, what=what)))


def _cholesky_impl(xp, a, *, upper):
    if a.size == 0:
        return xp.empty(a.shape, a.dtype)
    if upper:  # LAPACK's 'U': factor a^H (its lower triangle is a's upper one), transpose back
        lower = xp.linalg.cholesky(xp.conj(xp.swapaxes(a, -1, -2)))
        return xp.conj(xp.swapaxes(lower, -1, -2))
    return xp.linalg.cholesky(a)


cholesky_p = Primitive("cholesky", _cholesky_impl, lambda a, *, upper: (a.shape, a.dtype))


def cholesky_value(a: Any, upper: bool = False, what: str = "linalg.cholesky") -> Any:
    check_square(a.shape, what)
    return bind(cholesky_p, _cast(a, linalg_dtype(a.dtype, what=what)), upper=bool(upper))


def _eigh_abstract(a, *, UPLO, compute_v):  # noqa: N803 - NumPy's name
    w = (tuple(a.shape[:-1]), real_dtype(a.dtype))
    return (w, (tuple(a.shape), a.dtype)) if compute_v else (w,)


def _eigh_impl(xp, a, *, UPLO, compute_v):  # noqa: N803
    real = real_dtype(a.dtype)
    if a.size == 0:
        w = xp.empty(a.shape[:-1], real)
        return (w, xp.empty(a.shape, a.dtype)) if compute_v else (w,)
    if compute_v:
        w, v = xp.linalg.eigh(a, UPLO=UPLO)
        return w.astype(real, copy=False), v.astype(a.dtype, copy=False)
    return (xp.linalg.eigvalsh(a, UPLO=UPLO).astype(real, copy=False),)


eigh_p = Primitive("eigh", _eigh_impl, _eigh_abstract, multiple_results=True)


def eigh_value(a: Any, UPLO: str = "L", compute_v: bool = True,  # noqa: N803
               what: str = "linalg.eigh") -> tuple:
    """(eigenvalues, eigenvectors), or (eigenvalues,) when ``compute_v`` is False."""
    uplo = UPLO.upper() if isinstance(UPLO, str) else UPLO
    if uplo not in ("L", "U"):
        raise LaminaValueError(f"{what}: UPLO argument must be 'L' or 'U', got {UPLO!r}")
    check_square(a.shape, what)
    return bind(eigh_p, _cast(a, linalg_dtype(a.dtype, what=what)), UPLO=uplo,
                compute_v=bool(compute_v))


def _svd_shapes(shape: tuple, full_matrices: bool) -> tuple:
    *batch, m, n = shape
    batch, k = tuple(batch), min(m, n)
    if full_matrices:
        return batch + (m, m), batch + (k,), batch + (n, n)
    return batch + (m, k), batch + (k,), batch + (k, n)


def _svd_abstract(a, *, full_matrices, compute_uv):
    u, s, vh = _svd_shapes(tuple(a.shape), full_matrices)
    s = (s, real_dtype(a.dtype))
    return ((u, a.dtype), s, (vh, a.dtype)) if compute_uv else (s,)


def _eye_stack(xp, n: int, batch: tuple, dtype) -> Any:
    return xp.broadcast_to(xp.eye(n, dtype=dtype), batch + (n, n)).copy()


def _svd_impl(xp, a, *, full_matrices, compute_uv):
    real = real_dtype(a.dtype)
    if a.size == 0:
        u_shape, s_shape, vh_shape = _svd_shapes(a.shape, full_matrices)
        s = xp.empty(s_shape, real)
        if not compute_uv:
            return (s,)
        if full_matrices:
            batch = a.shape[:-2]
            return (_eye_stack(xp, a.shape[-2], batch, a.dtype), s,
                    _eye_stack(xp, a.shape[-1], batch, a.dtype))
        return xp.empty(u_shape, a.dtype), s, xp.empty(vh_shape, a.dtype)
    if compute_uv:
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices, compute_uv=True)
        return u, s.astype(real, copy=False), vh
    return (xp.linalg.svd(a, compute_uv=False).astype(real, copy=False),)


svd_p = Primitive("svd", _svd_impl, _svd_abstract, multiple_results=True)


def svd_value(a: Any, full_matrices: bool = True, compute_uv: bool = True,
              what: str = "linalg.svd") -> tuple:
    """(U, S, Vh), or (S,) when ``compute_uv`` is False."""
    check_stacked_2d(a.shape, what)
    return bind(svd_p, _cast(a, linalg_dtype(a.dtype, what=what)),
                full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


def _pinv_impl(xp, a, rcond):
    *batch, m, n = a.shape
    if a.size == 0:
        return xp.zeros(tuple(batch) + (n, m), a.dtype)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    large = s > rcond[..., None] * s[..., :1]  # s is descending: s[..., 0] is the largest
    s_inv = xp.where(large, 1 / xp.where(large, s, 1), 0).astype(s.dtype, copy=False)
    v_scaled = xp.conj(xp.swapaxes(vh, -1, -2)) * s_inv[..., None, :]
    return xp.matmul(v_scaled, xp.conj(xp.swapaxes(u, -1, -2)))


pinv_p = Primitive(
    "pinv", _pinv_impl,
    lambda a, rcond: (tuple(a.shape[:-2]) + (a.shape[-1], a.shape[-2]), a.dtype),
)


def pinv_value(a: Any, rcond: Any, what: str = "linalg.pinv") -> Any:
    """The pseudo-inverse ``V diag(1/s) U^H`` of each matrix, singular values at or below
    ``rcond * max(s)`` counting as zero; ``rcond`` (a value) broadcasts to the batch dims.

    NOTE [pinv is a primitive]: its derivative (Golub and Pereyra's formula, for a locally
    constant rank) needs only ``a`` and the result. Through the SVD it would divide by the
    gaps between the (degenerate, near-zero) discarded singular values of a rank-deficient
    matrix: finite, but its second derivative loses all accuracy.
    """
    check_stacked_2d(a.shape, what)
    a = _cast(a, linalg_dtype(a.dtype, what=what))
    batch = tuple(a.shape[:-2])
    rcond = broadcast_value(_cast(rcond, real_dtype(a.dtype)), batch)
    return bind(pinv_p, a, rcond)


def _qr_shapes(shape: tuple, mode: str) -> tuple:
    *batch, m, n = shape
    batch, k = tuple(batch), min(m, n)
    if mode == "r":
        return (batch + (k, n),)
    if mode == "complete":
        return batch + (m, m), batch + (m, n)
    return batch + (m, k), batch + (k, n)


def _qr_impl(xp, a, *, mode):
    if a.size == 0:
        shapes = _qr_shapes(a.shape, mode)
        if mode == "complete":
            return _eye_stack(xp, a.shape[-2], a.shape[:-2], a.dtype), xp.zeros(shapes[1],
                                                                                  a.dtype)
        return tuple(xp.empty(s, a.dtype) for s in shapes)
    result = xp.linalg.qr(a, mode=mode)
    return (result,) if mode == "r" else tuple(result)


qr_p = Primitive(
    "qr", _qr_impl,
    lambda a, *, mode: tuple((s, a.dtype) for s in _qr_shapes(tuple(a.shape), mode)),
    multiple_results=True,
)


def qr_value(a: Any, mode: str = "reduced", what: str = "linalg.qr") -> tuple:
    """(Q, R) for modes 'reduced' and 'complete'; (R,) for mode 'r'."""
    check_stacked_2d(a.shape, what)
    return bind(qr_p, _cast(a, linalg_dtype(a.dtype, what=what)), mode=mode)


# --------------------------------------------------------------------------------------------
# vjp rules (NOTE [vjp rules] in lamina/interpreters/grad.py), written in lamina ops so that
# they are differentiable again (grad of grad) and batchable.
#
# NOTE [complex cotangents]: like the elementwise rules, cotangents follow JAX's convention
# (the transpose under the pairing Re(sum(a * b)), no conjugation): matmul, einsum, inv,
# solve and det are holomorphic and use plain transposes. The decompositions (cholesky, eigh,
# svd with vectors, qr) are not holomorphic; their rules cover real matrices and raise for
# complex ones.
#
# NOTE [one triangle is read]: ``cholesky`` and ``eigh`` read one triangle of their input (the
# lower one, or the ``UPLO``/``upper`` one) and ignore the other, as LAPACK does. Their
# cotangents are those of that function: the gradient ``G`` for a symmetric perturbation,
# folded onto the triangle that is read (off-diagonal entries doubled, the rest zero). That is
# ``_fold(G + G^T)``, and it is what finite differences of the kernel see.
#
# NOTE [distinct spectra]: the derivatives of eigenvectors and singular vectors divide by the
# gaps between eigenvalues (squared singular values). They are not defined for a degenerate
# spectrum; where a gap is exactly 0 the factor is taken as 0 (the answer is then right
# when the cotangent does not mix the degenerate vectors, e.g. for the eigenvalues alone).


def _mT(x: Any) -> Any:  # noqa: N802
    return matrix_transpose_value(x)


def _mm(a: Any, b: Any) -> Any:
    return bind(matmul_p, a, b)


def _eye(n: int, dtype: Any, device: Any) -> Any:
    return bind(eye_p, n=n, m=n, k=0, dtype=np.dtype(dtype), device=device)


def _tri(n: int, k: int, dtype: Any, device: Any) -> Any:
    """Ones on and below the ``k``-th diagonal of an ``n x n`` matrix (a constant)."""
    return bind(tri_p, n=n, m=n, k=k, dtype=np.dtype(dtype), device=device)


def _cols(x: Any, start: int, stop: int | None) -> Any:
    return bind(getitem_p, x, index=(Ellipsis, ("slice", start, stop, None)))


def _rows(x: Any, start: int, stop: int | None) -> Any:
    return bind(getitem_p, x, index=(Ellipsis, ("slice", start, stop, None),
                                     ("slice", None, None, None)))


def _diag_embed(d: Any) -> Any:
    """``(..., k) -> (..., k, k)`` with ``d`` on the diagonals."""
    k = d.shape[-1]
    return ad.mul(reshape_value(d, tuple(d.shape) + (1,)), _eye(k, d.dtype, d.device))


def _inverse_gaps(w: Any) -> Any:
    """``F[..., i, j] = 1 / (w_j - w_i)``, 0 on the diagonal and where a gap is exactly 0
    (NOTE [distinct spectra])."""
    k = w.shape[-1]
    gaps = ad.sub(reshape_value(w, tuple(w.shape[:-1]) + (1, k)),
                  reshape_value(w, tuple(w.shape) + (1,)))
    zero = ad.binary("equal", gaps, 0.0)
    return ad.where(zero, 0.0, ad.div(1.0, ad.where(zero, 1.0, gaps)))


def _fold_lower(s: Any) -> Any:
    """The lower triangle of ``s`` with its diagonal halved (``phi`` of Murray's Cholesky
    paper); on ``G + G^T`` it is NOTE [one triangle is read]'s fold."""
    n = s.shape[-1]
    mask = ad.sub(_tri(n, 0, s.dtype, s.device), ad.mul(_eye(n, s.dtype, s.device), 0.5))
    return ad.mul(s, mask)


def _solve_right(b: Any, r: Any) -> Any:
    """``b @ inv(r)^T``: solve ``z r^T = b`` as ``(r z^T = b^T)^T``."""
    return _mT(bind(solve_p, r, _mT(b)))


def _real_only(what: str, x: Any) -> None:
    if x.dtype.kind == "c":
        raise LaminaTypeError(
            f"grad of {what}: the derivative is implemented for real matrices only (got "
            f"{x.dtype}; NOTE [complex cotangents] in lamina/ops/linalg.py). Differentiate a "
            "real formulation (e.g. the real matrix [[re, -im], [im, re]]), or use the "
            "holomorphic ops (solve, inv, det)."
        )


# -- products ----------------------------------------------------------------------------------

def _matmul_vjp(g, a, b, *, out, needs=(True, True)):
    ga = ad.unbroadcast(_mm(g, _mT(b)), a.shape, a.dtype) if needs[0] and \
        a.dtype.kind in "fc" else None
    gb = ad.unbroadcast(_mm(_mT(a), g), b.shape, b.dtype) if needs[1] and \
        b.dtype.kind in "fc" else None
    return ga, gb


def _einsum_vjp(g, *operands, out, subscripts):
    # The cotangent of operand i is an einsum of g (with the output's labels) and the other
    # operands, into operand i's labels. A label only operand i has (summed away) comes from a
    # vector of ones; a repeated label (a diagonal, 'ii->i') is re-embedded by an identity
    # matrix tying each repeat, under a fresh label, to the first occurrence.
    lhs, out_labels = subscripts.split("->")
    terms = lhs.split(",")
    sizes = {c: d for t, op in zip(terms, operands, strict=True)
             for c, d in zip(t, op.shape, strict=True)}
    fresh = [c for c in LETTERS if c not in set(subscripts)]
    dtype, device = out.dtype, out.device
    cotangents = []
    for i, (term, x) in enumerate(zip(terms, operands, strict=True)):
        if x.dtype.kind not in "fc":
            cotangents.append(None)
            continue
        inputs = [out_labels] + [t for j, t in enumerate(terms) if j != i]
        values = [g] + [op for j, op in enumerate(operands) if j != i]
        available = set("".join(inputs))
        target, seen, spare = [], set(), iter(fresh)
        for c in term:
            if c not in seen:
                seen.add(c)
                target.append(c)
                if c not in available and term.count(c) == 1:
                    inputs.append(c)
                    values.append(full_value((sizes[c],), 1, dtype, device))
                continue
            f = next(spare, None)
            if f is None:
                raise LaminaValueError(
                    f"grad of einsum {subscripts!r}: too many labels for the cotangent's "
                    "einsum (at most 52); split the einsum into smaller ones."
                )
            inputs.append(c + f)
            values.append(_eye(sizes[c], dtype, device))
            target.append(f)
        gx = einsum_value(",".join(inputs) + "->" + "".join(target), *values)
        cotangents.append(ad.cast(gx, x.dtype))
    return tuple(cotangents)


# -- solvers and determinants --------------------------------------------------------------------

def _inv_vjp(g, a, *, out):
    out_t = _mT(out)
    return (ad.neg(_mm(out_t, _mm(g, out_t))),)


def _solve_vjp(g, a, b, *, out):
    # x = a^-1 b: gb = a^-T g, ga = -gb x^T (solve_value broadcast a and b to one batch).
    gb = bind(solve_p, _mT(a), g)
    return ad.neg(_mm(gb, _mT(out))), gb


def _det_vjp(g, a, *, out):
    scale = reshape_value(ad.mul(g, out), tuple(out.shape) + (1, 1))
    return (ad.mul(scale, _mT(bind(inv_p, a))),)


def _slogdet_vjp(gs, a, *, out):
    # d logabsdet = Re tr(a^-1 da). The sign of a real matrix is locally constant; that of a
    # complex one turns with Im tr(a^-1 da) (d sign = i sign Im tr(a^-1 da)).
    g_sign, g_log = gs
    sign = out[0]
    batch = tuple(sign.shape) + (1, 1)
    scale = None
    if g_log is not None:
        scale = ad.cast(g_log, a.dtype)
    if g_sign is not None and a.dtype.kind == "c":
        turn = ad.mul(bind(ew.real_p, ad.mul(ad.mul(g_sign, sign), 1j)), -1j)
        scale = turn if scale is None else ad.add(scale, turn)
    if scale is None:
        return (None,)
    return (ad.mul(reshape_value(scale, batch), _mT(bind(inv_p, a))),)


# -- decompositions ----------------------------------------------------------------------------

def _cholesky_lower_vjp(gl: Any, lower: Any) -> Any:
    """Murray (2016): a^-bar = L^-T phi(L^T gL) L^-1, folded onto the lower triangle."""
    lt = _mT(lower)
    middle = _fold_lower(_mm(lt, gl))
    left = bind(solve_p, lt, middle)                # L^-T phi(.)
    raw = _mT(bind(solve_p, lt, _mT(left)))         # (L^-T phi(.)) L^-1
    return _fold_lower(ad.add(raw, _mT(raw)))


def _cholesky_vjp(g, a, *, out, upper):
    _real_only("linalg.cholesky", a)
    if upper:  # the kernel is the lower factor of a^T, transposed (it reads a's upper triangle)
        return (_mT(_cholesky_lower_vjp(_mT(g), _mT(out))),)
    return (_cholesky_lower_vjp(g, out),)


def _eigh_vjp(gs, a, *, out, UPLO, compute_v):  # noqa: N803
    # a = V diag(w) V^T: dw = diag(V^T da V), dV = V (F o (V^T da V)), F_ij = 1 / (w_j - w_i).
    _real_only("linalg.eigh", a)
    if compute_v:
        (w, v), (gw, gv) = out, gs
    else:
        w, v = bind(eigh_p, a, UPLO=UPLO, compute_v=True)
        gw, gv = gs[0], None
    inner = None
    if gw is not None:
        inner = _diag_embed(ad.cast(gw, a.dtype))
    if gv is not None:
        mixed = ad.mul(_inverse_gaps(w), _mm(_mT(v), gv))
        inner = mixed if inner is None else ad.add(inner, mixed)
    if inner is None:
        return (None,)
    full = _mm(v, _mm(inner, _mT(v)))
    sym = ad.add(full, _mT(full))
    return (_fold_lower(sym) if UPLO == "L" else _mT(_fold_lower(sym)),)


def _svd_reduced_vjp(u, s, vh, gu, gs, gvh):
    """Townsend (2016) for a = U diag(s) V^T with U (m, k), V (n, k), k = min(m, n); any of
    the cotangents may be None."""
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    v = _mT(vh)
    s_row = reshape_value(s, tuple(s.shape[:-1]) + (1, k))   # scales columns
    s_col = reshape_value(s, tuple(s.shape) + (1,))          # scales rows
    inner = None if gs is None else _diag_embed(ad.cast(gs, u.dtype))
    f = None
    if gu is not None or gvh is not None:
        f = _inverse_gaps(ad.mul(s, s))
    if gu is not None:
        ut_gu = _mm(_mT(u), gu)
        j = ad.mul(ad.mul(f, ad.sub(ut_gu, _mT(ut_gu))), s_row)
        inner = j if inner is None else ad.add(inner, j)
    gv = None if gvh is None else _mT(gvh)
    if gv is not None:
        vt_gv = _mm(_mT(v), gv)
        kk = ad.mul(s_col, ad.mul(f, ad.sub(vt_gv, _mT(vt_gv))))
        inner = kk if inner is None else ad.add(inner, kk)
    ga = None if inner is None else _mm(u, _mm(inner, vh))
    if gu is not None and m > k:  # (I - U U^T) gU S^-1 V^T
        gu_s = ad.div(gu, s_row)
        part = _mm(ad.sub(gu_s, _mm(u, _mm(_mT(u), gu_s))), vh)
        ga = part if ga is None else ad.add(ga, part)
    if gv is not None and n > k:  # U S^-1 gV^T (I - V V^T)
        gvh_s = ad.div(gvh, s_col)
        part = _mm(u, ad.sub(gvh_s, _mm(_mm(gvh_s, v), vh)))
        ga = part if ga is None else ad.add(ga, part)
    return ga


def _gauge_fold(q: Any, gq: Any, k: int) -> Any:
    """The cotangent of the first ``k`` columns of an orthogonal ``q``, given the cotangent of
    all of it. The other columns are any orthonormal basis of the complement; we take their
    tangent as ``dQ2 = -Q1 dQ1^T Q2`` (it keeps ``q`` orthogonal), whose transpose adds
    ``-Q2 gQ2^T Q1`` to ``gQ1``."""
    q1, q2 = _cols(q, 0, k), _cols(q, k, None)
    g1, g2 = _cols(gq, 0, k), _cols(gq, k, None)
    return ad.sub(g1, _mm(q2, _mm(_mT(g2), q1)))


def _svd_vjp(gs, a, *, out, full_matrices, compute_uv):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if not compute_uv:
        u, s, vh = bind(svd_p, a, full_matrices=False, compute_uv=True)
        if a.dtype.kind == "c":  # ds_i = Re(u_i^H da v_i): ga = conj(U diag(gs) Vh)
            ga = _mm(ad.mul(u, reshape_value(ad.cast(gs[0], a.dtype), tuple(s.shape[:-1]) +
                                             (1, k))), vh)
            return (ad.unary("conjugate", ga),)
        return (_svd_reduced_vjp(u, s, vh, None, gs[0], None),)
    _real_only("linalg.svd", a)
    (u, s, vh), (gu, g_s, gvh) = out, gs
    if full_matrices and m > k:
        if gu is not None:
            gu = _gauge_fold(u, gu, k)
        u = _cols(u, 0, k)
    if full_matrices and n > k:
        if gvh is not None:
            gvh = _mT(_gauge_fold(_mT(vh), _mT(gvh), k))
        vh = _rows(vh, 0, k)
    ga = _svd_reduced_vjp(u, s, vh, gu, g_s, gvh)
    return (ga,)


def _qr_square_vjp(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """a = QR with Q (m, n), R (n, n), m >= n: ga = (gQ + Q copyutl(M)) R^-T with
    M = gR R^T - Q^T gQ (copyutl: the symmetric matrix of M's upper triangle)."""
    n = r.shape[-1]
    if gr is not None:
        m_ = _mm(gr, _mT(r))
        if gq is not None:
            m_ = ad.sub(m_, _mm(_mT(q), gq))
    else:
        m_ = ad.neg(_mm(_mT(q), gq))
    strict_lower = _tri(n, -1, m_.dtype, m_.device)
    upper_part = ad.mul(m_, ad.sub(1.0, strict_lower))          # triu(M)
    sym = ad.add(upper_part, ad.mul(_mT(m_), strict_lower))    # + its mirror below
    b = _mm(q, sym)
    if gq is not None:
        b = ad.add(b, gq)
    return _solve_right(b, r)


def _qr_vjp(gs, a, *, out, mode):
    _real_only("linalg.qr", a)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if mode == "r":
        q, r = bind(qr_p, a, mode="reduced")
        gq, gr = None, gs[0]
    else:
        (q, r), (gq, gr) = out, gs
    if gq is None and gr is None:
        return (None,)
    if mode == "complete" and m > k:  # Q = [Q1 Q2], R = [R1; 0]: the zero rows are constant
        if gq is not None:
            gq = _gauge_fold(q, gq, k)
        q = _cols(q, 0, k)
        r = _rows(r, 0, k)
        if gr is not None:
            gr = _rows(gr, 0, k)
    if m >= n:
        return (_qr_square_vjp(q, r, gq, gr),)
    # m < n: a = [X Y] with X = Q R1 (square) and Y = Q R2, so R2 = Q^T Y.
    r1 = _cols(r, 0, m)
    y = _cols(a, m, None)
    if gr is not None:
        gr1, gr2 = _cols(gr, 0, m), _cols(gr, m, None)
        gy = _mm(q, gr2)
        from_y = _mm(y, _mT(gr2))
        gq = from_y if gq is None else ad.add(gq, from_y)
    else:
        gr1, gy = None, ad.zeros_like(y)
    gx = _qr_square_vjp(q, r1, gq, gr1)
    return (concatenate_values([gx, gy], len(a.shape) - 1),)


def _pinv_vjp(g, a, rcond, *, out):
    # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (Golub and Pereyra 1973; the
    # rank is locally constant), transposed.
    _real_only("linalg.pinv", a)
    p, pt = out, _mT(out)
    gt = _mT(g)
    ga = ad.neg(_mm(pt, _mm(g, pt)))
    right = _mm(gt, _mm(p, pt))                                   # G^T P P^T
    ga = ad.add(ga, ad.sub(right, _mm(a, _mm(p, right))))         # (I - A P) G^T P P^T
    left = _mm(_mm(pt, p), gt)                                    # P^T P G^T
    ga = ad.add(ga, ad.sub(left, _mm(_mm(left, p), a)))           # P^T P G^T (I - P A)
    return ga, None


def _install_vjp_rules() -> None:
    matmul_p.vjp = _matmul_vjp
    matmul_p.vjp_needs = True
    einsum_p.vjp = _einsum_vjp
    inv_p.vjp = _inv_vjp
    solve_p.vjp = _solve_vjp
    det_p.vjp = _det_vjp
    slogdet_p.vjp = _slogdet_vjp
    cholesky_p.vjp = _cholesky_vjp
    eigh_p.vjp = _eigh_vjp
    svd_p.vjp = _svd_vjp
    qr_p.vjp = _qr_vjp
    pinv_p.vjp = _pinv_vjp


_install_vjp_rules()


# --------------------------------------------------------------------------------------------
# jvp rules (NOTE [jvp rules] in lamina/interpreters/jvp.py), written in lamina ops so that
# they have jvp rules themselves (second-order forward mode). Each is the transpose of the
# vjp rule above: the same triangle conventions (NOTE [one triangle is read]), the same gauge
# for the extra columns of complete factors (``_gauge_fold``), the same gap convention
# (NOTE [distinct spectra]).

def _diag_part(x: Any) -> Any:
    """``(..., k, k) -> (..., k)``: the diagonals."""
    k = x.shape[-1]
    return ad.reduce_sum(ad.mul(x, _eye(k, x.dtype, x.device)), (len(x.shape) - 1,))


def _trace(x: Any) -> Any:
    return ad.reduce_sum(_diag_part(x), (len(x.shape) - 2,))


def _sym_from_lower(x: Any) -> Any:
    """The symmetric matrix the lower triangle of ``x`` stands for (a kernel reading it)."""
    n = x.shape[-1]
    low = ad.mul(x, _tri(n, 0, x.dtype, x.device))
    strict = ad.mul(x, _tri(n, -1, x.dtype, x.device))
    return ad.add(low, _mT(strict))


def _sym_read(x: Any, lower: bool) -> Any:
    return _sym_from_lower(x) if lower else _mT(_sym_from_lower(_mT(x)))


def _concat_cols(parts: list) -> Any:
    return concatenate_values(parts, len(parts[0].shape) - 1)


def _inv_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    out = bind(inv_p, a)
    return out, ad.neg(_mm(out, _mm(da, out)))


def _solve_jvp(primals, tangents):
    (a, b), (da, db) = primals, tangents
    x = bind(solve_p, a, b)
    rhs = db
    if da is not None:
        ax = _mm(da, x)
        rhs = ad.neg(ax) if rhs is None else ad.sub(rhs, ax)
    return x, bind(solve_p, a, rhs)


def _det_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    out = bind(det_p, a)
    return out, ad.mul(out, _trace(bind(solve_p, a, da)))


def _slogdet_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    sign, logdet = out = bind(slogdet_p, a)
    tr = _trace(bind(solve_p, a, da))
    if a.dtype.kind == "c":  # d logabsdet = Re tr, d sign = i sign Im tr
        t_log = bind(ew.real_p, tr)
        t_sign = ad.mul(sign, ad.mul(ad.cast(bind(ew.imag_p, tr), a.dtype), 1j))
        return out, (t_sign, t_log)
    return out, (None, ad.cast(tr, logdet.dtype))


def _cholesky_lower_jvp(lower: Any, da_sym: Any) -> Any:
    """dL = L phi(L^-1 dA L^-T) for a symmetric ``da_sym``."""
    y = bind(solve_p, lower, da_sym)             # L^-1 dA
    z = bind(solve_p, lower, _mT(y))             # L^-1 dA L^-T (dA symmetric)
    return _mm(lower, _fold_lower(z))


def _cholesky_jvp(primals, tangents, *, upper):
    (a,), (da,) = primals, tangents
    _real_only("linalg.cholesky", a)
    out = bind(cholesky_p, a, upper=upper)
    if upper:  # the lower factor of a^T (reading a's upper triangle), transposed
        return out, _mT(_cholesky_lower_jvp(_mT(out), _sym_from_lower(_mT(da))))
    return out, _cholesky_lower_jvp(out, _sym_from_lower(da))


def _eigh_jvp(primals, tangents, *, UPLO, compute_v):  # noqa: N803
    (a,), (da,) = primals, tangents
    _real_only("linalg.eigh", a)
    out = bind(eigh_p, a, UPLO=UPLO, compute_v=compute_v)
    w, v = out if compute_v else bind(eigh_p, a, UPLO=UPLO, compute_v=True)
    m = _mm(_mT(v), _mm(_sym_read(da, UPLO == "L"), v))
    dw = ad.cast(_diag_part(m), w.dtype)
    if not compute_v:
        return out, (dw,)
    return out, (dw, _mm(v, ad.mul(_inverse_gaps(w), m)))


def _gauge_tangent(q1: Any, dq1: Any, q2: Any) -> Any:
    """The tangent of the complement columns of a complete orthogonal factor: ``-Q1 dQ1^T Q2``
    (the gauge ``_gauge_fold`` transposes)."""
    return ad.neg(_mm(q1, _mm(_mT(dq1), q2)))


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (a,), (da,) = primals, tangents
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    out = bind(svd_p, a, full_matrices=full_matrices, compute_uv=compute_uv)
    if not compute_uv:  # ds = Re diag(U^H dA V)
        u, s, vh = bind(svd_p, a, full_matrices=False, compute_uv=True)
        if a.dtype.kind == "c":  # U^H and V = Vh^H
            u, vh = ad.unary("conjugate", u), ad.unary("conjugate", vh)
        ds = _diag_part(_mm(_mT(u), _mm(da, _mT(vh))))
        if ds.dtype.kind == "c":
            ds = bind(ew.real_p, ds)
        return out, (ad.cast(ds, s.dtype),)
    _real_only("linalg.svd", a)
    u_full, s, vh_full = out
    u = _cols(u_full, 0, k) if full_matrices and m > k else u_full
    vh = _rows(vh_full, 0, k) if full_matrices and n > k else vh_full
    v = _mT(vh)
    s_row = reshape_value(s, tuple(s.shape[:-1]) + (1, k))   # scales columns
    s_col = reshape_value(s, tuple(s.shape) + (1,))          # scales rows
    dp = _mm(_mT(u), _mm(da, v))                             # U^T dA V
    ds = _diag_part(dp)
    f = _inverse_gaps(ad.mul(s, s))                          # 1 / (s_j^2 - s_i^2)
    du = _mm(u, ad.mul(f, ad.add(ad.mul(dp, s_row), ad.mul(s_col, _mT(dp)))))
    dv = _mm(v, ad.mul(f, ad.add(ad.mul(s_col, dp), ad.mul(_mT(dp), s_row))))
    if m > k:  # + (I - U U^T) dA V S^-1
        dav = ad.div(_mm(da, v), s_row)
        du = ad.add(du, ad.sub(dav, _mm(u, _mm(_mT(u), dav))))
    if n > k:  # + (I - V V^T) dA^T U S^-1
        dau = ad.div(_mm(_mT(da), u), s_row)
        dv = ad.add(dv, ad.sub(dau, _mm(v, _mm(_mT(v), dau))))
    if full_matrices and m > k:
        du = _concat_cols([du, _gauge_tangent(u, du, _cols(u_full, k, None))])
    if full_matrices and n > k:
        dv = _concat_cols([dv, _gauge_tangent(v, dv, _mT(_rows(vh_full, k, None)))])
    return out, (du, ds, _mT(dv))


def _qr_square_jvp(q: Any, r: Any, da: Any) -> tuple:
    """a = QR with Q (m, n), R (n, n), m >= n: C = Q^T dA R^-1, Omega = tril(C, -1) - its
    transpose, dQ = dA R^-1 - Q (C - Omega), dR = (C - Omega) R."""
    n = r.shape[-1]
    da_rinv = _mT(bind(solve_p, _mT(r), _mT(da)))           # dA R^-1
    c = _mm(_mT(q), da_rinv)
    low = ad.mul(c, _tri(n, -1, c.dtype, c.device))
    upper = ad.sub(c, ad.sub(low, _mT(low)))                # C - Omega (upper triangular)
    return ad.sub(da_rinv, _mm(q, upper)), _mm(upper, r)


def _qr_jvp(primals, tangents, *, mode):
    (a,), (da,) = primals, tangents
    _real_only("linalg.qr", a)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    out = bind(qr_p, a, mode=mode)
    q_full, r_full = bind(qr_p, a, mode="reduced") if mode == "r" else out
    q = _cols(q_full, 0, k) if mode == "complete" and m > k else q_full
    r = _rows(r_full, 0, k) if mode == "complete" and m > k else r_full
    if m >= n:
        dq, dr = _qr_square_jvp(q, r, da)
    else:  # a = [X Y], X = Q R1, R2 = Q^T Y
        dq, dr1 = _qr_square_jvp(q, _cols(r, 0, m), _cols(da, 0, m))
        y, dy = _cols(a, m, None), _cols(da, m, None)
        dr2 = ad.add(_mm(_mT(dq), y), _mm(_mT(q), dy))
        dr = _concat_cols([dr1, dr2])
    if mode == "r":
        return out, (dr,)
    if mode == "complete" and m > k:  # the zero rows of R are constant
        dq = _concat_cols([dq, _gauge_tangent(q, dq, _cols(q_full, k, None))])
        zeros = full_value(tuple(dr.shape[:-2]) + (m - k, n), 0, dr.dtype, dr.device)
        dr = concatenate_values([dr, zeros], len(dr.shape) - 2)
    return out, (dq, dr)


def _pinv_jvp(primals, tangents):
    # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (Golub and Pereyra 1973; the
    # rank is locally constant, so rcond has no effect on the tangent).
    (a, rcond), (da, _) = primals, tangents
    _real_only("linalg.pinv", a)
    p = bind(pinv_p, a, rcond)
    if da is None:
        return p, None
    pt, dat = _mT(p), _mT(da)
    dp = ad.neg(_mm(p, _mm(da, p)))
    left = _mm(_mm(p, pt), dat)                                 # P P^T dA^T
    dp = ad.add(dp, ad.sub(left, _mm(_mm(left, a), p)))         # P P^T dA^T (I - A P)
    right = _mm(dat, _mm(pt, p))                                # dA^T P^T P
    dp = ad.add(dp, ad.sub(right, _mm(p, _mm(a, right))))       # (I - P A) dA^T P^T P
    return p, dp


def _install_jvp_rules() -> None:
    from lamina.ops.jvp_util import multilinear_jvp  # noqa: PLC0415

    matmul_p.jvp = multilinear_jvp(matmul_p)
    einsum_p.jvp = multilinear_jvp(einsum_p)
    inv_p.jvp = _inv_jvp
    solve_p.jvp = _solve_jvp
    det_p.jvp = _det_jvp
    slogdet_p.jvp = _slogdet_jvp
    cholesky_p.jvp = _cholesky_jvp
    eigh_p.jvp = _eigh_jvp
    svd_p.jvp = _svd_jvp
    qr_p.jvp = _qr_jvp
    pinv_p.jvp = _pinv_jvp


_install_jvp_rules()


# --------------------------------------------------------------------------------------------
# vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py).
#
# NOTE [stacked batch rules]: every primitive here takes stacks of matrices (..., m, n) whose
# leading dims are batch dims already, so a vmap batch axis among them needs no move at all:
# the primitive runs as is and the output keeps the axis where it was. Only a batch axis
# among the last two (core) dims is moved to the front. ``einsum`` never moves anything: the
# batch becomes one more label.

def _in_stack(x: Any, bdim: int | None) -> bool:
    """Whether ``bdim`` is one of the leading (stack) dims of ``x``, not a core matrix dim."""
    return bdim is not None and bdim < len(x.shape) - 2


def _stacked_batch(prim: Primitive):
    """The rule of a one-operand stacked-matrix primitive (NOTE [stacked batch rules]): every
    output's leading dims are the input's, so the batch axis keeps its position."""
    def rule(args, bdims, **params):
        (a,), (d,) = args, bdims
        if not _in_stack(a, d):
            a, d = move_bdim(a, d, 0), 0
        out = bind(prim, a, **params)
        return (out, (d,) * len(out)) if prim.multiple_results else (out, d)
    return rule


def _same_stack_batch(prim: Primitive):
    """The rule of ``solve`` and ``pinv``, whose operands share one batch shape exactly (their
    value-level functions broadcast them before binding): both batched at the same stack
    axis run as they are; otherwise both go to the front, an unbatched one broadcast."""
    def rule(args, bdims, **params):
        d0 = bdims[0]
        if all(d == d0 for d in bdims) and _in_stack(args[0], d0):
            return bind(prim, *args, **params), d0
        size = next(x.shape[d] for x, d in zip(args, bdims, strict=True) if d is not None)
        moved = [bdim_to_front(x, d, size) for x, d in zip(args, bdims, strict=True)]
        return bind(prim, *moved, **params), 0
    return rule


def _matmul_batch(args, bdims):
    a, b = args
    # NOTE [batched products as one product]: a batch of matrix-vector or vector-matrix
    # products (what jacfwd/jacrev and per-sample rules make) and of matrix-matrix products
    # with one shared matrix run as one matrix product (one BLAS call on the whole batch),
    # not as a stack of small products: a 200x200 Jacobian's 200 products took 1.26 ms as a
    # stack and 0.28 ms as one product.
    da, db = bdims
    if da is None and db is not None and len(a.shape) == 2 and len(b.shape) == 2:
        # per element a @ v with v of shape (K,): the batch of v's as rows, times a^T
        return bind(matmul_p, bdim_to_front(b, db), _mT(a)), 0
    if da is None and db is not None and len(a.shape) == 2 and len(b.shape) == 3:
        cols = bdim_to_front(b, db)  # per element a @ B with B of shape (K, P)
        n, k, p = cols.shape
        if p == 1:  # a column (what a @ v makes of a vector): as rows, times a^T
            out = bind(matmul_p, reshape_value(cols, (n, k)), _mT(a))
            return reshape_value(out, (n, a.shape[0], 1)), 0
        side = reshape_value(transpose_value(cols, (1, 0, 2)), (k, n * p))
        return reshape_value(bind(matmul_p, a, side), (a.shape[0], n, p)), 1
    if db is None and da is not None and len(b.shape) == 2 and len(a.shape) in (2, 3):
        rows = bdim_to_front(a, da)
        if len(a.shape) == 2:  # per element v @ b: rows of the batch times b
            return bind(matmul_p, rows, b), 0
        n, m, k = rows.shape  # per element M @ b: one (n*m, k) @ (k, p) product
        out = bind(matmul_p, reshape_value(rows, (n * m, k)), b)
        return reshape_value(out, (n, m, b.shape[1])), 0
    # Batch axes already lined up by NumPy's broadcasting (aligned from the right) run as
    # they are: the same position from the right in every batched operand, among its stack
    # dims, and left of every dim of an unbatched operand. Otherwise the batch goes in front
    # and a batched operand of lower rank gets length-1 axes after it (broadcast_batched).
    right = {d - len(x.shape) for x, d in zip(args, bdims, strict=True) if d is not None}
    if len(right) == 1:
        r = right.pop()
        if r < -2 and all(len(x.shape) < -r for x, d in zip(args, bdims, strict=True)
                          if d is None):
            return bind(matmul_p, a, b), max(len(a.shape), len(b.shape)) + r
    return bind(matmul_p, *broadcast_batched(args, bdims)), 0


def _einsum_canonical(subscripts: str) -> str:
    """Labels renamed in order of first appearance (NOTE [canonical einsum])."""
    rename: dict[str, str] = {}
    for c in subscripts:
        if c in LETTERS and c not in rename:
            rename[c] = LETTERS[len(rename)]
    return "".join(rename.get(c, c) for c in subscripts)


def _einsum_batch(args, bdims, *, subscripts):
    # A fresh label for the batch, at its axis in each batched operand and first in the
    # output; unbatched operands keep their subscripts (without the label, they are shared
    # by every batch element). Renamed back to canonical form: one cache entry per pattern.
    label = next((c for c in LETTERS if c not in subscripts), None)
    if label is None:
        raise LaminaValueError(
            f"vmap of einsum {subscripts!r}: the batch needs one more subscript label, and all "
            "52 are in use. Split the einsum into smaller ones."
        )
    lhs, out = subscripts.split("->")
    terms = [t if d is None else t[:d] + label + t[d:]
             for t, d in zip(lhs.split(","), bdims, strict=True)]
    batched = ",".join(terms) + "->" + label + out
    return bind(einsum_p, *args, subscripts=_einsum_canonical(batched)), 0


def _install_batch_rules() -> None:
    matmul_p.batch = _matmul_batch
    einsum_p.batch = _einsum_batch
    for prim in (inv_p, det_p, slogdet_p, cholesky_p, eigh_p, svd_p, qr_p):
        prim.batch = _stacked_batch(prim)
    solve_p.batch = _same_stack_batch(solve_p)
    pinv_p.batch = _same_stack_batch(pinv_p)


_install_batch_rules()
