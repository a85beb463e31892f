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
from lamina.ops.common import prod
from lamina.ops.elementwise import astype_value
from lamina.ops.shape import broadcast_value, reshape_value

__all__ = [
    "LaminaLinAlgError", "matmul_p", "einsum_p", "inv_p", "solve_p", "det_p", "slogdet_p",
    "cholesky_p", "eigh_p", "svd_p", "qr_p", "matmul_value", "einsum_value", "tensordot_value",
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
    from lamina.ops.shape import transpose_value  # noqa: PLC0415

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


matmul_p = Primitive("matmul", lambda xp, a, b: xp.matmul(a, b), _matmul_abstract)


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
    from lamina.ops.shape import transpose_value  # noqa: PLC0415

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
