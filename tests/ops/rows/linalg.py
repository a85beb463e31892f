"""OpInfo rows: linear algebra (products, einsum, ``lnp.linalg``).

Decompositions with a sign or phase freedom (eigenvectors, singular vectors, QR) are compared
through invariants that both NumPy and lamina must agree on: eigen-projectors ``v_k v_k^H``,
rank-one SVD terms ``u_k vh_k``, QR factors with the diagonal of R made positive, and
orthogonality products. Matrices are well conditioned: diagonally dominant for inverses and
solves, ``X X^T + n I`` for Cholesky, so float32 results stay within tolerance.
"""

from __future__ import annotations

import numpy as np

import lamina.numpy as lnp
from tests.ops.opinfo import FLOATS, INTS, OpInfo, Sample, make_array

ROWS: list[OpInfo] = []

COMPLEX = (np.complex128,)
# NOTE [complex cotangents] (lamina/ops/linalg.py): the decompositions differentiate real
# matrices only and raise a TypeError naming the real formulation for complex ones.
_REAL_ONLY = "derivatives of complex decompositions are not implemented (raises TypeError)"
_COMPLEX_XFAIL = {"test_grad_complex": _REAL_ONLY, "test_seeds_complex": _REAL_ONLY}
# Their second derivatives differentiate singular vectors (svd with compute_uv).
_SECOND_ORDER_XFAIL = {"test_grad_complex": "second order: " + _REAL_ONLY,
                       "test_seeds_complex": "second order (jvp of grad): " + _REAL_ONLY}
_LOOSE = {
    "rtol": {np.float64: 1e-7, np.float32: 1e-3, np.complex128: 1e-7},
    "atol": {np.float64: 1e-9, np.float32: 1e-4, np.complex128: 1e-9},
}


def _arr(rng, shape, dtype, low=-2.0, high=2.0):
    return make_array(rng, shape, dtype, low, high)


def _dominant(rng, shape, dtype):
    """Strictly diagonally dominant (so invertible and well conditioned) square matrices."""
    n = shape[-1]
    if np.dtype(dtype).kind in "iu":
        x = make_array(rng, shape, dtype, -1, 2)  # entries in {-1, 0, 1}
    else:
        x = make_array(rng, shape, dtype, -1.0, 1.0)
    return (x + (n + 1) * np.eye(n, dtype=dtype)).astype(dtype)


def _spd(rng, shape, dtype):
    """Symmetric positive definite: X X^T + n I."""
    x = rng.uniform(-1, 1, size=shape)
    if np.dtype(dtype).kind == "c":  # Hermitian positive definite: X X^H + n I
        x = x + 1j * rng.uniform(-1, 1, size=shape)
    n = shape[-1]
    return (x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)).astype(dtype)


def _row(name, op, ref, samples, dtypes=FLOATS, **kw):
    ROWS.append(OpInfo(name, op, ref, samples, dtypes=dtypes, **kw))


# -- products ----------------------------------------------------------------------------------

_MATMUL_SHAPES = [
    ((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((0, 3), (3, 4)),
    ((3, 0), (0, 4)), ((2, 3, 4), (2, 4, 0)), ((1, 1), (1, 1)),
]


def _pairs(shapes):
    def samples(rng, dtype):
        for s1, s2 in shapes:
            yield Sample((_arr(rng, s1, dtype), _arr(rng, s2, dtype)), name=f"{s1} {s2}")

    return samples


def _matmul_samples(rng, dtype):
    yield from _pairs(_MATMUL_SHAPES)(rng, dtype)
    yield Sample((_arr(rng, (3, 4), dtype), _arr(rng, (4, 2), np.float64)), name="mixed dtypes")
    yield Sample((_arr(rng, (3, 4), dtype), _arr(rng, (4, 2), dtype)),
                 {"dtype": np.result_type(dtype, np.float64)}, name="dtype=")


_row("matmul", lnp.matmul, np.matmul, _matmul_samples, FLOATS + INTS + COMPLEX)
_row("linalg.matmul", lnp.linalg.matmul, np.linalg.matmul, _pairs(_MATMUL_SHAPES[:6]),
     FLOATS + INTS + COMPLEX)

_DOT_SHAPES = [
    ((), (3, 4)), ((3, 4), ()), ((4,), (4,)), ((3, 4), (4, 5)), ((3, 4), (4,)), ((4,), (4, 5)),
    ((2, 3, 4), (4,)), ((2, 3, 4), (5, 4, 6)), ((3, 4), (2, 4, 5)), ((0, 4), (4, 3)),
    ((3, 0), (0,)),
]
_row("dot", lnp.dot, np.dot, _pairs(_DOT_SHAPES), FLOATS + INTS + COMPLEX)


def _vdot_samples(rng, dtype):
    for s1, s2 in (((4,), (4,)), ((2, 3), (2, 3)), ((2, 3), (6,)), ((0,), (0,)), ((), ())):
        yield Sample((_arr(rng, s1, dtype), _arr(rng, s2, dtype)), name=f"{s1} {s2}")


_row("vdot", lnp.vdot, np.vdot, _vdot_samples, FLOATS + INTS + COMPLEX)

_INNER_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((2, 3, 4), (5, 4)), ((), (3,)), ((3, 0), (2, 0))]
_row("inner", lnp.inner, np.inner, _pairs(_INNER_SHAPES), FLOATS + INTS + COMPLEX)

_OUTER_SHAPES = [((3,), (4,)), ((2, 2), (3,)), ((), (3,)), ((0,), (3,))]
_row("outer", lnp.outer, np.outer, _pairs(_OUTER_SHAPES), FLOATS + INTS + COMPLEX)
_row("linalg.outer", lnp.linalg.outer, np.linalg.outer, _pairs([((3,), (4,)), ((0,), (2,))]),
     FLOATS + INTS + COMPLEX)


def _tensordot_samples(rng, dtype):
    cases = [
        ((2, 3, 4), (3, 4, 5), {}), ((3, 4), (4, 5), {"axes": 1}), ((2, 3), (4,), {"axes": 0}),
        ((2, 3, 4), (4, 3, 5), {"axes": ([1, 2], [1, 0])}), ((3, 4), (3, 5), {"axes": (0, 0)}),
        ((2, 3, 4), (4, 2), {"axes": ([-1, 0], [0, -1])}), ((), (2, 3), {"axes": 0}),
        ((2, 0), (0, 3), {"axes": 1}),
    ]
    for s1, s2, kw in cases:
        yield Sample((_arr(rng, s1, dtype), _arr(rng, s2, dtype)), kw, name=f"{s1} {s2} {kw}")


_row("tensordot", lnp.tensordot, np.tensordot, _tensordot_samples, FLOATS + INTS + COMPLEX)
_row("linalg.tensordot", lnp.linalg.tensordot, np.linalg.tensordot, _tensordot_samples,
     FLOATS + INTS + COMPLEX)

_EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]), ("ij->ji", [(3, 4)]), ("ba", [(3, 4)]), ("ij->", [(3, 4)]),
    ("i,i", [(5,), (5,)]), ("i,i->", [(5,), (5,)]), ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("...ij,jk", [(2, 3, 4), (4, 5)]),
    ("i...->...", [(3, 2, 4)]), ("...", [(2, 3)]), ("...i,...i->...", [(2, 3), (3,)]),
    ("ijk,ikl,ilm->ijm", [(2, 3, 4), (2, 4, 5), (2, 5, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,ij->i", [(3, 4), (3, 4)]), ("iij->j", [(3, 3, 4)]), ("aB,Ba", [(3, 4), (4, 3)]),
    ("aB", [(3, 4)]), (" i j -> j i ", [(2, 3)]), (",->", [(), ()]), ("", [()]),
    ("i,->i", [(3,), ()]), ("ij,jk->ik", [(3, 0), (0, 4)]), ("ij,jk->ik", [(3, 1), (4, 5)]),
    ("i->...i", [(3,)]), ("ijk->kji", [(2, 3, 4)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
]


def _einsum_samples(rng, dtype):
    for subs, shapes in _EINSUM_CASES:
        arrays = tuple(_arr(rng, s, dtype) for s in shapes)
        yield Sample((subs, *arrays), name=f"{subs!r} {shapes}")
    a, b = _arr(rng, (2, 3), dtype), _arr(rng, (3, 4), dtype)
    yield Sample((a, [0, 1], b, [1, 2], [0, 2]), name="sublist explicit")
    yield Sample((a, [Ellipsis, 27], b, [27, 0]), name="sublist implicit with ellipsis")
    yield Sample(("ij,jk", a, b), {"dtype": np.result_type(dtype, np.float64)}, name="dtype=")


_row("einsum", lnp.einsum, np.einsum, _einsum_samples, FLOATS + INTS + COMPLEX)

_KRON_SHAPES = [((3,), (4,)), ((2, 2), (3, 3)), ((2, 3), (4, 5, 6)), ((), (3,)), ((2,), ()),
                ((2, 0), (3, 2)), ((2, 1, 3), (1, 2))]
_row("kron", lnp.kron, np.kron, _pairs(_KRON_SHAPES), FLOATS + INTS + COMPLEX)


def _cross_samples(rng, dtype):
    cases = [((3,), (3,), {}), ((4, 3), (4, 3), {}), ((4, 1, 3), (5, 3), {}),
             ((3, 5), (5, 3), {"axisa": 0, "axisb": 1, "axisc": 0}),
             ((3, 4), (3, 4), {"axis": 0}), ((2, 3, 4), (3, 1), {"axisa": 1, "axisb": 0}),
             ((0, 3), (3,), {})]
    for s1, s2, kw in cases:
        yield Sample((_arr(rng, s1, dtype), _arr(rng, s2, dtype)), kw, name=f"{s1} {s2} {kw}")


_row("cross", lnp.cross, np.cross, _cross_samples, FLOATS + INTS + COMPLEX)


def _linalg_cross_samples(rng, dtype):
    for s1, s2, kw in (((3,), (3,), {}), ((4, 3), (3,), {}), ((3, 4), (3, 1), {"axis": 0})):
        yield Sample((_arr(rng, s1, dtype), _arr(rng, s2, dtype)), kw, name=f"{s1} {s2} {kw}")


_row("linalg.cross", lnp.linalg.cross, np.linalg.cross, _linalg_cross_samples,
     FLOATS + INTS + COMPLEX)


def _vecdot_samples(rng, dtype):
    for s1, s2, kw in (((3,), (3,), {}), ((2, 3), (4, 1, 3), {}), ((3, 2), (3, 2), {"axis": 0}),
                       ((2, 0), (0,), {}), ((5, 3), (3,), {"axis": -1})):
        yield Sample((_arr(rng, s1, dtype), _arr(rng, s2, dtype)), kw, name=f"{s1} {s2} {kw}")


_row("vecdot", lnp.vecdot, np.vecdot, _vecdot_samples, FLOATS + INTS + COMPLEX)
_row("linalg.vecdot", lnp.linalg.vecdot, np.linalg.vecdot, _vecdot_samples, FLOATS + COMPLEX)


# -- solvers and decompositions ------------------------------------------------------------------

_SQUARE = [(3, 3), (2, 4, 4), (1, 1), (0, 0), (0, 2, 2), (2, 1, 3, 3)]


def _square_samples(make=_dominant, shapes=_SQUARE, **kwargs):
    def samples(rng, dtype):
        for shape in shapes:
            yield Sample((make(rng, shape, dtype),), dict(kwargs), name=f"shape={shape}")

    return samples


_row("linalg.inv", lnp.linalg.inv, np.linalg.inv, _square_samples(), FLOATS + INTS + COMPLEX)
_row("linalg.det", lnp.linalg.det, np.linalg.det, _square_samples(), FLOATS + INTS + COMPLEX)
_row("linalg.slogdet", lnp.linalg.slogdet, np.linalg.slogdet, _square_samples(),
     FLOATS + INTS + COMPLEX)


def _solve_samples(rng, dtype):
    cases = [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3,)),
             ((3, 3), (4, 3, 2)), ((2, 1, 3, 3), (4, 3, 1)), ((3, 3), (3, 0)), ((0, 0), (0,))]
    for sa, sb in cases:
        yield Sample((_dominant(rng, sa, dtype), _arr(rng, sb, dtype)), name=f"{sa} {sb}")


_row("linalg.solve", lnp.linalg.solve, np.linalg.solve, _solve_samples, FLOATS + INTS + COMPLEX)


def _cholesky_samples(rng, dtype):
    for shape in ((3, 3), (2, 4, 4), (1, 1), (0, 0)):
        yield Sample((_spd(rng, shape, dtype),), name=f"shape={shape}")
    yield Sample((_spd(rng, (3, 3), dtype),), {"upper": True}, name="upper")
    yield Sample((_spd(rng, (2, 3, 3), dtype),), {"upper": True}, name="upper, batched")


_row("linalg.cholesky", lnp.linalg.cholesky, np.linalg.cholesky, _cholesky_samples,
     FLOATS + COMPLEX, xfail=_COMPLEX_XFAIL)


def _eigh_samples(rng, dtype):
    for shape in ((3, 3), (2, 4, 4), (1, 1), (0, 0)):
        x = _arr(rng, shape, dtype)
        yield Sample(((x + np.conj(np.swapaxes(x, -1, -2))).astype(dtype),),
                     name=f"symmetric {shape}")
    x = _arr(rng, (4, 4), dtype)  # not symmetric: only the UPLO triangle is read
    yield Sample((x,), {"UPLO": "L"}, name="UPLO=L reads the lower triangle")
    yield Sample((x,), {"UPLO": "U"}, name="UPLO=U reads the upper triangle")


def _projectors(xp, v):
    """v_k v_k^H for each eigenvector column k: free of the sign/phase of each column."""
    return xp.einsum("...ik,...jk->...kij", v, xp.conj(v))


_row("linalg.eigh",
     lambda a, **kw: (lambda r: (r[0], _projectors(lnp, r[1])))(lnp.linalg.eigh(a, **kw)),
     lambda a, **kw: (lambda r: (r[0], _projectors(np, r[1])))(np.linalg.eigh(a, **kw)),
     _eigh_samples, FLOATS + COMPLEX, xfail=_COMPLEX_XFAIL, **_LOOSE)
_row("linalg.eigvalsh", lnp.linalg.eigvalsh, np.linalg.eigvalsh, _eigh_samples,
     FLOATS + COMPLEX, xfail=_COMPLEX_XFAIL, **_LOOSE)

_RECT = [(3, 5), (5, 3), (2, 4, 3), (1, 1), (0, 3), (3, 0), (0, 2, 2)]


def _rect_samples(shapes=_RECT, kwargs_list=({},)):
    def samples(rng, dtype):
        for shape in shapes:
            for kw in kwargs_list:
                yield Sample((_arr(rng, shape, dtype),), dict(kw), name=f"shape={shape} {kw}")

    return samples


_row("linalg.svd", lnp.linalg.svd, np.linalg.svd, _rect_samples(kwargs_list=(
    {"compute_uv": False}, {"compute_uv": False, "full_matrices": False})),
    FLOATS + INTS + COMPLEX, xfail=_SECOND_ORDER_XFAIL)
_row("linalg.svdvals", lnp.linalg.svdvals, np.linalg.svdvals, _rect_samples(),
     FLOATS + COMPLEX, xfail=_SECOND_ORDER_XFAIL)


def _svd_invariants(xp, svd):
    def op(a, **kw):
        u, s, vh = svd(a, **kw)
        k = s.shape[-1]
        uh = xp.conj(xp.swapaxes(u, -1, -2))
        v = xp.conj(xp.swapaxes(vh, -1, -2))
        terms = xp.einsum("...ik,...kj->...kij", u[..., :, :k], vh[..., :k, :])
        return (s, (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], terms, uh @ u, vh @ v)

    return op


_row("linalg.svd_reconstruct", _svd_invariants(lnp, lnp.linalg.svd),
     _svd_invariants(np, np.linalg.svd),
     _rect_samples(kwargs_list=({}, {"full_matrices": False})), FLOATS + COMPLEX,
     xfail=_COMPLEX_XFAIL, **_LOOSE)


def _qr_invariants(xp, qr):
    """Q and R with the diagonal of R made positive (the unique QR of a full-rank matrix)."""
    def op(a, mode="reduced"):
        out = qr(a, mode=mode)
        r = out if mode == "r" else out[1]
        k = min(a.shape[-2:])
        d = xp.diagonal(r[..., :k, :k], 0, -2, -1)
        sign = xp.where(d == 0, 1, d / xp.abs(xp.where(d == 0, 1, d)))
        r_fixed = xp.conj(sign)[..., :, None] * r[..., :k, :]
        if mode == "r":
            return r_fixed
        q = out[0]
        q_fixed = q[..., :, :k] * sign[..., None, :]
        return q_fixed, r_fixed, xp.conj(xp.swapaxes(q, -1, -2)) @ q, q @ r

    return op


_row("linalg.qr", _qr_invariants(lnp, lnp.linalg.qr), _qr_invariants(np, np.linalg.qr),
     _rect_samples(shapes=[(3, 5), (5, 3), (2, 4, 3), (1, 1), (2, 3, 3)],
                   kwargs_list=({}, {"mode": "complete"}, {"mode": "r"})),
     FLOATS + COMPLEX, xfail=_COMPLEX_XFAIL, **_LOOSE)


# -- norms -------------------------------------------------------------------------------------

def _norm_samples(rng, dtype):
    inf = np.inf
    vector = _arr(rng, (5,), dtype)
    matrix = _arr(rng, (3, 4), dtype)
    stack = _arr(rng, (2, 3, 4), dtype)
    for o in (None, 1, 2, inf, -inf, 0, 3, 0.5):
        yield Sample((vector,), {"ord": o}, name=f"vector ord={o}")
    yield Sample((_arr(rng, (5,), dtype, 1, 3),), {"ord": -1}, name="vector ord=-1")
    for o in (None, "fro", "nuc", 1, -1, 2, -2, inf, -inf):
        yield Sample((matrix,), {"ord": o}, name=f"matrix ord={o}")
    yield Sample((stack,), {}, name="3-D, all elements")
    yield Sample((stack,), {"keepdims": True}, name="3-D keepdims")
    for axis in (0, -1, (0, 2), (2, 0), (-1, -2)):
        for o in ((None, 1, inf) if isinstance(axis, int) else (None, 1, -inf, 2, "nuc")):
            yield Sample((stack,), {"ord": o, "axis": axis}, name=f"ord={o} axis={axis}")
    yield Sample((stack,), {"ord": 2, "axis": (1, 2), "keepdims": True}, name="matrix keepdims")
    yield Sample((stack,), {"ord": 3, "axis": 1, "keepdims": True}, name="vector keepdims")
    yield Sample((matrix,), {"ord": "fro", "keepdims": True}, name="fro keepdims")
    yield Sample((_arr(rng, (0, 4), dtype),), {"axis": 1}, name="size 0, axis=1")
    yield Sample((_arr(rng, (0, 4), dtype),), {"ord": inf, "axis": 0}, name="size 0, inf")
    yield Sample((_arr(rng, (0, 4), dtype),), {"ord": 1}, name="size 0 matrix 1-norm")
    yield Sample((_arr(rng, (), dtype),), {}, name="0-d")


_row("linalg.norm", lnp.linalg.norm, np.linalg.norm, _norm_samples, FLOATS + INTS + COMPLEX,
     xfail={k: "ord=2 and 'nuc' (svdvals): " + v for k, v in _SECOND_ORDER_XFAIL.items()},
     **_LOOSE)


def _vector_norm_samples(rng, dtype):
    x = _arr(rng, (2, 3, 4), dtype)
    for kw in ({}, {"ord": 1}, {"ord": np.inf}, {"axis": 1}, {"axis": (0, 2)},
               {"axis": (2, 0), "keepdims": True}, {"axis": -1, "ord": 3, "keepdims": True},
               {"keepdims": True}, {"ord": 0}):
        yield Sample((x,), kw, name=str(kw))
    yield Sample((_arr(rng, (), dtype),), {}, name="0-d")


_row("linalg.vector_norm", lnp.linalg.vector_norm, np.linalg.vector_norm, _vector_norm_samples,
     FLOATS + INTS + COMPLEX)


def _matrix_norm_samples(rng, dtype):
    x = _arr(rng, (2, 3, 4), dtype)
    for kw in ({}, {"ord": "nuc"}, {"ord": 2}, {"ord": -1}, {"ord": np.inf, "keepdims": True}):
        yield Sample((x,), kw, name=str(kw))


_row("linalg.matrix_norm", lnp.linalg.matrix_norm, np.linalg.matrix_norm, _matrix_norm_samples,
     FLOATS + INTS + COMPLEX,
     xfail={k: "ord=2 and 'nuc' (svdvals): " + v for k, v in _SECOND_ORDER_XFAIL.items()},
     **_LOOSE)


# -- pinv, matrix_power, lstsq, multi_dot, array-API helpers --------------------------------------

def _pinv_samples(rng, dtype):
    for shape in ((3, 5), (5, 3), (2, 4, 3), (1, 1), (0, 3), (2, 3, 0)):
        yield Sample((_arr(rng, shape, dtype),), name=f"shape={shape}")
    low_rank = (rng.uniform(-1, 1, (4, 2)) @ rng.uniform(-1, 1, (2, 4))).astype(dtype)
    yield Sample((low_rank,), {"rtol": 1e-4}, name="rank 2 of 4, rtol")
    yield Sample((low_rank,), {"rcond": 1e-4}, name="rank 2 of 4, rcond")
    yield Sample((_arr(rng, (3, 3), dtype),), {"rtol": None}, name="rtol=None")
    yield Sample((_arr(rng, (2, 3, 3), dtype),), {"rcond": np.array([1e-3, 1e-2])},
                 name="rcond per matrix")


_row("linalg.pinv", lnp.linalg.pinv, np.linalg.pinv, _pinv_samples, FLOATS + COMPLEX,
     xfail=_COMPLEX_XFAIL, **_LOOSE)


def _matrix_power_samples(rng, dtype):
    ints = np.dtype(dtype).kind in "iu"
    for n in (0, 1, 2, 3, 5) + (() if ints else (-1, -3)):
        a = make_array(rng, (3, 3), dtype, -1, 2) if ints else _dominant(rng, (3, 3), dtype) / 4
        yield Sample((a, n), name=f"n={n}")
    yield Sample((make_array(rng, (2, 4, 4), dtype, -1, 2), 4), name="batched")
    yield Sample((make_array(rng, (0, 0), dtype, -1, 2), 2), name="0x0")


_row("linalg.matrix_power", lnp.linalg.matrix_power, np.linalg.matrix_power,
     _matrix_power_samples, FLOATS + INTS + COMPLEX, **_LOOSE)


def _lstsq_ref(a, b, rcond=None):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=rcond)
    return x, residuals, np.asarray(int(rank)), s


def _lstsq(a, b, **kw):
    # The rank is a Python int (tests/api/test_linalg_grads.py checks it); a tensor here, so
    # that the transforms, which return tensors, can be given the whole result.
    x, residuals, rank, s = lnp.linalg.lstsq(a, b, **kw)
    return x, residuals, lnp.asarray(rank, device=x.device), s


def _lstsq_samples(rng, dtype):
    for sa, sb in (((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 5), (3,)), ((3, 3), (3, 1)),
                   ((4, 2), (4, 0))):
        yield Sample((_arr(rng, sa, dtype), _arr(rng, sb, dtype)), name=f"{sa} {sb}")


# NOTE [lstsq under vmap]: the rank is a Python int read from the data, and the shape of the
# residuals depends on it (as in NumPy), so each batch element could need its own shape.
_LSTSQ_REASON = ("lstsq evaluates the rank (a Python int that sets the residuals' shape) from "
                 "the data; under vmap each batch element has its own rank")
_LSTSQ_VMAP = {"test_vmap": _LSTSQ_REASON, "test_vmap_grad": _LSTSQ_REASON,
               "test_jvp_compositions": _LSTSQ_REASON}

_row("linalg.lstsq", _lstsq, _lstsq_ref, _lstsq_samples, FLOATS, xfail=_LSTSQ_VMAP, **_LOOSE)


def _lstsq_rank_deficient_samples(rng, dtype):
    low_rank = (rng.uniform(-1, 1, (5, 2)) @ rng.uniform(-1, 1, (2, 3))).astype(dtype)
    yield Sample((low_rank, _arr(rng, (5,), dtype)), {"rcond": 1e-4}, name="rank 2 of 3")
    yield Sample((low_rank, _arr(rng, (5, 2), dtype)), {"rcond": 1e-4}, name="rank 2, 2 columns")


# A rank-deficient ``a`` has a zero singular value, where ``s`` (|.| of a crossing) has no
# derivative; the solution, residuals and rank are smooth there (the rank is locally constant
# under the cutoff), so this row leaves ``s`` out.
# NOTE [pinv second derivatives]: Golub and Pereyra's formula is the derivative of the
# truncated pseudo-inverse on the matrices of the same rank; off them (a perturbation that
# grows a discarded singular value, still under the cutoff) it misses the coupling of kept and
# discarded singular values, so its own derivative (a Hessian) is exact only along the
# constant-rank directions and hessian(h) is not symmetric at a rank-deficient matrix.
_row("linalg.lstsq_rank_deficient", lambda a, b, **kw: _lstsq(a, b, **kw)[:3],
     lambda a, b, **kw: _lstsq_ref(a, b, **kw)[:3], _lstsq_rank_deficient_samples, FLOATS,
     xfail={**_LSTSQ_VMAP, "test_jvp_compositions": "hessian of pinv at a rank-deficient "
            "matrix: NOTE [pinv second derivatives]; and " + _LSTSQ_REASON}, **_LOOSE)


def _multi_dot_samples(rng, dtype):
    for shapes in ([(2, 3), (3, 4), (4, 5)], [(10, 2), (2, 8), (8, 3), (3, 6)], [(3,), (3, 4),
                   (4, 2)], [(3, 4), (4, 2), (2,)], [(3,), (3, 4), (4,)], [(3, 4), (4, 5)]):
        yield Sample(tuple(_arr(rng, s, dtype) for s in shapes), name=str(shapes))


# The arrays are passed positionally (the row calls multi_dot on their list), so that the
# transform tests, which differentiate and batch positional arrays, reach every one of them.
_row("linalg.multi_dot", lambda *arrays: lnp.linalg.multi_dot(list(arrays)),
     lambda *arrays: np.linalg.multi_dot(list(arrays)), _multi_dot_samples,
     FLOATS + INTS + COMPLEX)


def _matrix_samples(kwargs_list=({},)):
    def samples(rng, dtype):
        for shape in ((3, 4), (2, 3, 3), (0, 2)):
            for kw in kwargs_list:
                yield Sample((_arr(rng, shape, dtype),), dict(kw), name=f"{shape} {kw}")

    return samples


_row("linalg.matrix_transpose", lnp.linalg.matrix_transpose, np.linalg.matrix_transpose,
     _matrix_samples(), FLOATS + INTS + COMPLEX, nondiff=False)
_row("linalg.diagonal", lnp.linalg.diagonal, np.linalg.diagonal,
     _matrix_samples(({}, {"offset": 1}, {"offset": -1})), FLOATS + INTS + COMPLEX)
_row("linalg.trace", lnp.linalg.trace, np.linalg.trace,
     _matrix_samples(({}, {"offset": 1}, {"dtype": np.float64})), FLOATS + INTS)
