"""Forward mode composed with the other transforms over the OpInfo table, on a random scalar
reduction h of each differentiable op: jacfwd(h) == jacrev(h), hessian(h) symmetric,
vmap(jvp) and jvp(vmap) against a loop of jvp, and vmap(jvp(grad)) (batched Hessian-vector
products) against a loop."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina import tree
from tests.ops.helpers import to_lamina
from tests.ops.opinfo import OPS

B = 2


pytestmark = pytest.mark.usefixtures("no_vmap_fallback")


def _cases():
    for info in OPS:
        if info.nondiff or info.random or np.float64 not in info.dtypes:
            continue
        marks = []
        reason = info.xfail.get("test_jvp_compositions")
        if reason:
            marks.append(pytest.mark.xfail(reason=reason, strict=True))
        elif "test_grad" in info.xfail:  # not differentiable at its samples (NaN outputs)
            marks.append(pytest.mark.skip(reason=info.xfail["test_grad"]))
        yield pytest.param(info, id=info.name, marks=marks)


def _scalar_function(info, rng):
    for sample in info.samples(rng, np.float64):
        positions = [i for i, a in enumerate(sample.args)
                     if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size]
        if positions and sample.grad and sample.vmap:
            break
    else:
        return None, None, None
    kwargs = to_lamina(sample.kwargs, "cpu")
    out = info.op(*to_lamina(sample.args, "cpu"), **kwargs)
    # Complex outputs (an fft of real input) get complex weights; h takes the real part.
    weights = [lm.asarray(rng.standard_normal(leaf.shape) if leaf.dtype.kind == "f" else
                          rng.standard_normal(leaf.shape) + 1j * rng.standard_normal(leaf.shape))
               for leaf in tree.leaves(out) if leaf.dtype.kind in "fc"]
    p = positions[0]  # differentiate the first floating argument; the others are constants

    def h(x):
        args = list(to_lamina(sample.args, "cpu"))
        args[p] = x
        leaves = [leaf for leaf in tree.leaves(info.op(*args, **kwargs))
                  if leaf.dtype.kind in "fc"]
        return sum(lnp.real(lnp.sum(leaf * w)) if w.dtype.kind == "c" else lnp.sum(leaf * w)
                   for leaf, w in zip(leaves, weights, strict=True))

    return h, sample.args[p], sample


@pytest.mark.parametrize("info", list(_cases()))
def test_forward_mode_compositions(info):
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    h, x0, sample = _scalar_function(info, rng)
    if h is None:
        pytest.skip("no sample with a non-empty floating-point argument")
    where = f"lnp.{info.name}{sample!r}"
    x = lm.asarray(x0)
    jf, jr = lm.jacfwd(h)(x).numpy(), lm.jacrev(h)(x).numpy()
    np.testing.assert_allclose(jf, jr, rtol=1e-7, atol=1e-9, err_msg=f"jacfwd != jacrev: {where}")
    if x0.size <= 16:
        hess = lm.hessian(h)(x).numpy().reshape(x0.size, x0.size)
        np.testing.assert_allclose(hess, hess.T, rtol=1e-6, atol=1e-8,
                                   err_msg=f"hessian not symmetric: {where}")
    xs = np.stack([x0 * (1 + 0.05 * b) for b in range(B)])
    vs = rng.standard_normal(xs.shape)
    loop = np.stack([lm.jvp(h, (lm.asarray(a),), (lm.asarray(v),))[1].numpy()
                     for a, v in zip(xs, vs, strict=True)])
    got = lm.vmap(lambda a, v: lm.jvp(h, (a,), (v,))[1])(xs, vs).numpy()
    np.testing.assert_allclose(got, loop, rtol=1e-7, atol=1e-9, err_msg=f"vmap(jvp): {where}")
    _, got2 = lm.jvp(lm.vmap(h), (lm.asarray(xs),), (lm.asarray(vs),))
    np.testing.assert_allclose(got2.numpy(), loop, rtol=1e-7, atol=1e-9,
                               err_msg=f"jvp(vmap): {where}")
    hvp_loop = np.stack([lm.jvp(lm.grad(h), (lm.asarray(a),), (lm.asarray(v),))[1].numpy()
                         for a, v in zip(xs, vs, strict=True)])
    hvp = lm.vmap(lambda a, v: lm.jvp(lm.grad(h), (a,), (v,))[1])(xs, vs).numpy()
    np.testing.assert_allclose(hvp, hvp_loop, rtol=1e-7, atol=1e-9,
                               err_msg=f"vmap(jvp(grad)): {where}")
