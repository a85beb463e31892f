"""vmap over the whole OpInfo table: every op, several in_dims placements, against a loop.

For each sample, a batch of B=3 variants of the array arguments is made (the argument scaled by
1, 1.05, 1.1: same domain; integer arrays repeated), batched at axis 0, at the last axis, or
not at all (in_dims None), and ``vmap(op)`` is compared with ``stack([op(variant_b) ...])``.
The fixture turns vmap's fallback warning into an error, so the table proves that every op has
a batch rule.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import lamina as lm
from lamina import tree
from tests.conftest import DEVICES
from tests.ops.helpers import to_lamina
from tests.ops.opinfo import OPS

B = 3


pytestmark = pytest.mark.usefixtures("no_vmap_fallback")


def _cases():
    for info in OPS:
        if info.random:
            continue
        marks = []
        if "test_vmap" in info.xfail:
            marks.append(pytest.mark.xfail(reason=info.xfail["test_vmap"], strict=True))
        yield pytest.param(info, id=info.name, marks=marks)


def _variants(a: np.ndarray) -> list:
    if a.dtype.kind == "f" or a.dtype.kind == "c":
        # np.asarray: scaling a 0-d array gives a NumPy scalar, which would stay on the host.
        return [np.asarray(a * (1 + 0.05 * b), dtype=a.dtype) for b in range(B)]
    return [a.copy() for _ in range(B)]


def _placements(n_arrays: int):
    """(name, per-array bdim or None): each array alone at 0, all at 0, all at the end."""
    yield "all at 0", [0] * n_arrays
    yield "all last", [-1] * n_arrays
    if n_arrays > 1:
        for i in range(n_arrays):
            dims = [None] * n_arrays
            dims[i] = 0
            yield f"only arg {i}", dims


def _stack_at(variants: list, bdim: int) -> np.ndarray:
    return np.stack(variants, axis=bdim if bdim >= 0 else variants[0].ndim + 1 + bdim)


def _to_numpy(x):
    return x.numpy() if isinstance(x, lm.Tensor) else np.asarray(x)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info", list(_cases()))
def test_vmap(info, device):
    dtype = info.dtypes[0]
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    checked = 0
    for sample in info.samples(rng, dtype):
        positions = [i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray)]
        if not positions or not sample.vmap:
            continue
        for name, dims in _placements(len(positions)):
            variants = {p: _variants(sample.args[p]) for p in positions}
            kwargs = to_lamina(sample.kwargs, device)
            # The reference: a Python loop over the batch, stacked along axis 0.
            expected = []
            for b in range(B):
                args = list(sample.args)
                for p, d in zip(positions, dims, strict=True):
                    if d is not None:
                        args[p] = variants[p][b]
                expected.append(info.op(*to_lamina(tuple(args), device), **kwargs))
            # vmap over the batched arguments.
            batched = list(sample.args)
            for p, d in zip(positions, dims, strict=True):
                if d is not None:
                    batched[p] = _stack_at(variants[p], d)
            in_dims = [None] * len(sample.args)
            for p, d in zip(positions, dims, strict=True):
                in_dims[p] = d

            def f(*args, kwargs=kwargs):
                return info.op(*args, **kwargs)

            where = f"lnp.{info.name}{sample!r}, in_dims={tuple(in_dims)} ({name}), sample " \
                    f"{sample.name!r}"
            try:
                got = lm.vmap(f, in_dims=tuple(in_dims))(*to_lamina(tuple(batched), device))
            except Exception as exc:  # noqa: BLE001 - re-raised with the reproducer
                raise AssertionError(f"vmap failed: {type(exc).__name__}: {exc}\n  {where}") \
                    from exc
            got_leaves = tree.leaves(got)
            exp_leaves = [tree.leaves(e) for e in expected]
            assert len(got_leaves) == len(exp_leaves[0]), where
            rtol, atol = info.tolerances(dtype)
            for k, g in enumerate(got_leaves):
                ref = np.stack([_to_numpy(e[k]) for e in exp_leaves])
                g_np = _to_numpy(g)
                assert g_np.shape == ref.shape, f"shape {g_np.shape} != {ref.shape}\n  {where}"
                assert g_np.dtype == ref.dtype, f"dtype {g_np.dtype} != {ref.dtype}\n  {where}"
                if ref.dtype.kind in "fc":
                    np.testing.assert_allclose(g_np, ref, rtol=rtol, atol=atol, equal_nan=True,
                                               err_msg=where)
                else:
                    np.testing.assert_array_equal(g_np, ref, err_msg=where)
            checked += 1
    if not checked:
        pytest.skip(f"{info.name}: no sample has an array argument to batch")
