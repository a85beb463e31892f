"""Compositions of vmap and reverse mode over the OpInfo table: vmap(grad(h)) and
grad(sum of vmap(h)), each against a Python loop of grad(h), where h is a random weighted sum
of the op's outputs (a scalar function of the op's floating-point arguments)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import tree
from tests.ops.conftest import differentiable_rows
from tests.ops.helpers import to_lamina

B = 3


pytestmark = pytest.mark.usefixtures("no_vmap_fallback")


def _first_sample(info, rng):
    for sample in info.samples(rng, np.float64):
        positions = [i for i, a in enumerate(sample.args)
                     if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if positions and sample.grad and sample.vmap and all(
                sample.args[p].size for p in positions):
            return sample, positions
    return None, None


@pytest.mark.parametrize("info", list(differentiable_rows("test_vmap_grad")))
def test_vmap_of_grad_and_grad_of_vmap(info):
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    sample, positions = _first_sample(info, rng)
    if sample is None:
        pytest.skip("no sample with non-empty floating-point arguments")
    kwargs = to_lamina(sample.kwargs, "cpu")
    out = info.op(*to_lamina(sample.args, "cpu"), **kwargs)
    # Complex outputs (an fft of real input) get complex weights; h takes the real part.
    weights = [lm.asarray(rng.standard_normal(leaf.shape) if leaf.dtype.kind == "f" else
                          rng.standard_normal(leaf.shape) + 1j * rng.standard_normal(leaf.shape))
               for leaf in tree.leaves(out) if leaf.dtype.kind in "fc"]

    def h(*diff):
        args = list(to_lamina(sample.args, "cpu"))
        for p, d in zip(positions, diff, strict=True):
            args[p] = d
        leaves = [leaf for leaf in tree.leaves(info.op(*args, **kwargs)) if leaf.dtype.kind in "fc"]
        return sum(lnp.real(lnp.sum(leaf * w)) if w.dtype.kind == "c" else lnp.sum(leaf * w)
                   for leaf, w in zip(leaves, weights, strict=True))

    argnums = tuple(range(len(positions)))
    variants = [[np.asarray(sample.args[p] * (1 + 0.05 * b)) for p in positions]
                for b in range(B)]
    loop = [lm.grad(h, argnums=argnums)(*[lm.asarray(v) for v in vs]) for vs in variants]
    expected = [np.stack([g[k].numpy() for g in loop]) for k in range(len(positions))]
    batched = [lm.asarray(np.stack([vs[k] for vs in variants])) for k in range(len(positions))]

    got = lm.vmap(lm.grad(h, argnums=argnums))(*batched)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-7, atol=1e-9,
                                   err_msg=f"vmap(grad) of lnp.{info.name}{sample!r}")

    got2 = lm.grad(lambda *xs: lnp.sum(lm.vmap(h)(*xs)), argnums=argnums)(*batched)
    for g, e in zip(got2, expected, strict=True):
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-7, atol=1e-9,
                                   err_msg=f"grad(vmap) of lnp.{info.name}{sample!r}")
