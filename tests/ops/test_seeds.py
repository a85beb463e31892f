"""Derivatives with the seeds users pass, over the whole OpInfo table, against finite differences.

``check_grads`` (test_grad, test_jvp) draws random cotangents and tangents. Users do not:
``grad`` seeds reverse mode with ones, and ``vjp``/``jvp`` are mostly called with
``ones_like``. A ones seed is a constant that AD can see through (NOTE [ones from AD] in
lamina/ops/ad.py), so rules meet it as a known Python number; random seeds never go down that
path. For every differentiable row and every sample (float64, and complex128 for rows with
complex samples, in both real directions: NOTE [complex check_grads]), with respect to all its
floating-point array arguments at once, and with ``F = sum of out.sum()`` over the outputs
(their real parts for complex outputs):

- ``grad(F)`` paired with a random direction, against the finite difference of ``F``;
- ``vjp`` with ``ones_like`` cotangents: equal to ``grad(F)``;
- ``jvp`` with ``ones_like`` tangents (and ``1j * ones`` for complex inputs), elementwise
  against finite differences of ``f`` along them;
- ``jvp(grad(F))`` with ones tangents (what ``hessian`` computes), against finite differences
  of ``grad(F)``.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import tree
from lamina.testing import numerical_jvp
from tests.conftest import DEVICES
from tests.ops.conftest import differentiable_rows
from tests.ops.helpers import to_lamina
from tests.ops.test_grad import _float_leaves, _get, _replace, derivative_samples

EPS, TOL = 1e-6, 1e-5  # float64 throughout; float32 outputs (astype) loosen both


def _np(x):
    return x.numpy() if isinstance(x, lm.Tensor) else np.asarray(x)


def _close(actual, expected, what: str, tol: float = TOL) -> None:
    actual, expected = _np(actual), _np(expected)
    scale = max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1.0)
    assert np.allclose(actual, expected, rtol=tol, atol=tol * scale, equal_nan=True), (
        f"{what}: largest difference "
        f"{float(np.nanmax(np.abs(actual - expected))) if actual.size else 0.0:.3g}\n"
        f"  got      {actual!r}\n  expected {expected!r}")


def _total(out):
    """``F``: the sum of every floating output's sum (of its real part, for complex ones)."""
    total = None
    for o in tree.leaves(out):
        if o.dtype.kind not in "fc":
            continue
        s = (lnp.real(o) if o.dtype.kind == "c" else o).sum()
        total = s if total is None else total + s
    return total


def _ones_like(o):
    return lnp.ones_like(o) if o.dtype.kind in "fc" else lnp.zeros_like(o)


def _directions(xs, part: str, rng=None):
    """Ones (``rng`` None) or random values like ``xs``; ``part="imag"``: times 1j."""
    out = []
    for x in xs:
        v = np.ones(x.shape) if rng is None else rng.standard_normal(x.shape)
        out.append((1j * v if part == "imag" else v).astype(x.dtype))
    return out


def check_seeds(info, sample, device: str, kinds: str, rng) -> None:
    paths = list(_float_leaves(sample.args, kinds=kinds))
    base = to_lamina(sample.args, device)
    kwargs = to_lamina(sample.kwargs, device)

    def f(*diff):
        args = base
        for path, value in zip(paths, diff, strict=True):
            args = _replace(args, path, value)
        return info.op(*args, **kwargs)

    def total(*diff):
        return _total(f(*diff))

    xs = [_get(base, p) for p in paths]
    argnums = tuple(range(len(xs)))
    parts = ("real", "imag") if any(x.dtype.kind == "c" for x in xs) else ("real",)
    probe = [o for o in tree.leaves(f(*xs)) if o.dtype.kind in "fc"]
    if not probe:
        return  # no floating output (e.g. an integer-valued op on these inputs)
    single = any(np.finfo(o.dtype).precision < 15 for o in probe)
    eps, tol = (3e-2, 5e-2) if single else (EPS, TOL)

    # grad of the sum: the seed is grad's own ones.
    grads = lm.grad(total, argnums=argnums)(*xs)
    for part in parts:
        v = _directions(xs, part, rng)
        lhs = sum(float(np.real(np.sum(_np(g) * d))) for g, d in zip(grads, v, strict=True))
        rhs = float(np.real(np.sum(numerical_jvp(total, xs, v, eps)[0])))
        _close(lhs, rhs, f"grad(sum of outputs) along the {part} parts, against finite "
                         "differences", tol)

    # vjp with ones_like cotangents.
    out, vjp_fn = lm.vjp(f, *xs)
    pulled = vjp_fn(tree.tree_map(_ones_like, out))
    for k, (p, g) in enumerate(zip(pulled, grads, strict=True)):
        _close(p, g, f"vjp with ones cotangents, input {k}, against grad of the sum", tol)

    # jvp with ones_like tangents (ones and 1j * ones for complex inputs).
    for part in parts:
        t = _directions(xs, part)
        _, tangent = lm.jvp(f, tuple(xs), tuple(lnp.asarray(d, device=device) for d in t))
        numerical = numerical_jvp(f, xs, t, eps)
        for k, (a, n) in enumerate(zip(tree.leaves(tangent), numerical, strict=True)):
            if _np(a).dtype.kind in "fc":
                _close(a, n, f"jvp with ones tangents ({part} parts), output {k}, against "
                             "finite differences", tol)

    # Second order as hessian computes it: jvp of grad, with ones tangents.
    for part in parts:
        t = _directions(xs, part)
        grad_fn = lm.grad(total, argnums=argnums)
        _, hvp = lm.jvp(grad_fn, tuple(xs), tuple(lnp.asarray(d, device=device) for d in t))
        numerical = numerical_jvp(grad_fn, xs, t, eps)
        for k, (a, n) in enumerate(zip(hvp, numerical, strict=True)):
            _close(a, n, f"jvp(grad(sum of outputs)) with ones tangents ({part} parts), "
                         f"input {k}, against finite differences", tol)


def check_row_seeds(info, device: str, dtype) -> None:
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    kinds = "fc" if np.dtype(dtype).kind == "c" else "f"
    checked = 0
    for sample in derivative_samples(info, rng, dtype, kinds):
        try:
            check_seeds(info, sample, device, kinds, rng)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n  sample {sample.name!r}: lnp.{info.name}{sample!r} "
                f"[{np.dtype(dtype).name}]") from None
        checked += 1
    assert checked, f"{info.name}: no sample has a floating-point argument to differentiate"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows("test_seeds", also=("test_grad",))))
def test_seeds(info, device):
    check_row_seeds(info, device, np.float64)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(differentiable_rows(
    "test_seeds_complex", dtype=np.complex128)))
def test_seeds_complex(info, device):
    check_row_seeds(info, device, np.complex128)
