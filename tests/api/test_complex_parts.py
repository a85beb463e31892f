"""Writes through ``.real`` and ``.imag`` keep the other part exactly (found by the fuzzer:
they rebuilt the array as ``re + 1j * im``, so an infinite part put a NaN in the other and an
imaginary -0.0 became 0.0), with derivatives of the internal ``complex`` primitive that
rebuilds the array."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads

SPECIAL = [np.inf, -np.inf, np.nan, -0.0, 0.0, 2.5]


@pytest.mark.parametrize("part", ["real", "imag"])
@pytest.mark.parametrize("value", SPECIAL)
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("eager", [False, True])
def test_writing_a_part_keeps_the_other_exactly(part, value, dtype, eager):
    ref = np.array([1 + 2j, -3 - 0j, complex(np.inf, -0.0)], dtype=dtype)
    with lm.config.override(eager=eager):
        t = lm.asarray(ref.copy())
        setattr(t, part, value)
        got = t.numpy()
    setattr(ref, part, value)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.signbit(got.real), np.signbit(ref.real))
    np.testing.assert_array_equal(np.signbit(got.imag), np.signbit(ref.imag))
    assert got.dtype == ref.dtype


def test_writing_through_a_view_of_a_part():
    ref = np.array([[1 + 1j, 2 + 2j], [3 + 3j, 4 + 4j]])
    t = lm.asarray(ref.copy())
    t.imag[0] = np.inf
    t.real[:, 1] *= -0.0
    ref.imag[0] = np.inf
    ref.real[:, 1] *= -0.0
    np.testing.assert_array_equal(t.numpy(), ref)
    np.testing.assert_array_equal(np.signbit(t.numpy().real), np.signbit(ref.real))


def _set_parts(re, im, z):
    z = z.copy()
    z.real = re
    z.imag = im * 2.0
    return (z * z).real.sum() + (z ** 3).imag.sum()


def test_derivatives_through_part_writes():
    z = lm.asarray([1 + 2j, -0.5 + 0.25j])
    re = lm.asarray([0.3, -1.2])
    im = lm.asarray([0.7, 0.1])
    check_grads(_set_parts, (re, im, z), order=2, modes=("fwd", "rev"))
    g = lm.grad(_set_parts, argnums=(0, 1))(re, im, z)  # grad's ones seed
    eps = 1e-6
    for k in range(2):
        fd = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = eps
            args = [re.numpy(), im.numpy()]
            args[k] = args[k] + e
            hi = float(_set_parts(lm.asarray(args[0]), lm.asarray(args[1]), z))
            args[k] = args[k] - 2 * e
            lo = float(_set_parts(lm.asarray(args[0]), lm.asarray(args[1]), z))
            fd.append((hi - lo) / (2 * eps))
        np.testing.assert_allclose(g[k].numpy(), fd, rtol=1e-6)


def test_vmap_of_part_writes_matches_a_loop():
    zs = lm.asarray(np.array([[1 + 2j, 3 - 1j], [0.5j, -2 + 0j], [1 + 0j, 1j]]))
    res = lm.asarray(np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]))

    def f(z, re):
        z = z.copy()
        z.real = re
        return z

    out = lm.vmap(f)(zs, res)
    for i in range(3):
        np.testing.assert_array_equal(out[i].numpy(), f(zs[i], res[i]).numpy())
    # Unbatched value written into a batched base, and the other way round.
    out = lm.vmap(f, in_dims=(0, None))(zs, res[0])
    np.testing.assert_array_equal(out.numpy().real, np.broadcast_to(res[0].numpy(), (3, 2)))
    out = lm.vmap(lm.functionalize(f), in_dims=(None, 0))(zs[0], res)
    np.testing.assert_array_equal(out.numpy().imag, np.broadcast_to(zs[0].numpy().imag, (3, 2)))


def test_complex_vjp_follows_jax_convention():
    # d/d(re, im) of Re(w * complex(re, im)) is (Re w, -Im w).
    w = 2.0 - 3.0j

    def f(re, im):
        z = lnp.zeros(1, dtype=complex)
        z.real = re
        z.imag = im
        return (z * w).real.sum()

    g_re, g_im = lm.grad(f, argnums=(0, 1))(lm.asarray([0.5]), lm.asarray([0.25]))
    assert float(g_re[0]) == pytest.approx(2.0) and float(g_im[0]) == pytest.approx(3.0)
