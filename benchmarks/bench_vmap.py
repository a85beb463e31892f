"""vmap benchmarks, side by side in one process, single-threaded.

1. Per-sample gradients of a 2-layer MLP loss (features 128 -> 64 tanh -> 1), batch 64 and
   512: ``vmap(grad(loss), in_dims=(None, 0, 0))`` against a hand-vectorized NumPy reference
   (ratio 1.0), a Python loop of lamina's ``grad``, and JAX's ``vmap(grad)`` without jit where
   installed.
2. ``jacrev`` of an R^200 -> R^200 function, ``tanh(A @ x)``, against its closed-form NumPy
   Jacobian.

Run: ``python benchmarks/bench_vmap.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from _timing import best  # noqa: E402

import lamina as lm  # noqa: E402
import lamina.numpy as lnp  # noqa: E402


def loss(xp, params, x, y):
    w1, b1, w2, b2 = params
    h = xp.tanh(x @ w1 + b1)
    return (h @ w2 + b2 - y) ** 2


def per_sample_numpy(params, xs, ys):
    w1, b1, w2, b2 = params
    h = np.tanh(xs @ w1 + b1)
    r = h @ w2 + b2 - ys
    d_out = 2.0 * r
    d_pre = (d_out[:, None] * w2[None, :]) * (1.0 - h * h)
    return [xs[:, :, None] * d_pre[:, None, :], d_pre, d_out[:, None] * h, d_out]


def per_sample_figures(rng, params, batch: int, repeat: int, jax) -> None:
    xs, ys = rng.standard_normal((batch, 128)), rng.standard_normal(batch)
    ref = per_sample_numpy(params, xs, ys)
    lp = [lm.asarray(p) for p in params]
    lxs, lys = lm.asarray(xs), lm.asarray(ys)
    per_sample = lm.vmap(lm.grad(lambda p, x, y: loss(lnp, p, x, y)), in_dims=(None, 0, 0))
    got = per_sample(lp, lxs, lys)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(g.numpy(), r, rtol=1e-9, atol=1e-12)
    t_ref = best(lambda: per_sample_numpy(params, xs, ys), repeat, 5)
    t_vmap = best(lambda: lm.eval(per_sample(lp, lxs, lys)), repeat, 5)
    single = lm.grad(lambda p, x, y: loss(lnp, p, x, y))
    rows = [lm.asarray(x) for x in xs]
    t_loop = best(lambda: lm.eval([single(lp, x, y) for x, y in zip(rows, lys, strict=True)]),
                  max(1, repeat // 2))
    print(f"  batch {batch}")
    print(f"    {'numpy (hand-vectorized)':<26} {t_ref * 1e3:9.3f} ms   1.00x")
    print(f"    {'lamina vmap(grad)':<26} {t_vmap * 1e3:9.3f} ms   {t_vmap / t_ref:5.2f}x")
    print(f"    {'lamina loop of grad':<26} {t_loop * 1e3:9.3f} ms   {t_loop / t_ref:5.2f}x"
          f"   (vmap is {t_loop / t_vmap:.1f}x faster than the loop)")
    if jax is not None:
        import jax.numpy as jnp

        jp = [jnp.asarray(p) for p in params]
        jg = jax.vmap(jax.grad(lambda p, x, y: loss(jnp, p, x, y)), in_axes=(None, 0, 0))
        jxs, jys = jnp.asarray(xs), jnp.asarray(ys)

        def run():
            with jax.disable_jit():
                jax.block_until_ready(jg(jp, jxs, jys))

        t_jax = best(run, repeat)
        print(f"    {'jax vmap(grad) (no jit)':<26} {t_jax * 1e3:9.3f} ms   {t_jax / t_ref:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        jax = None
    print(f"lamina {lm.__version__}, NumPy {np.__version__}; JAX: "
          f"{jax.__version__ if jax else 'not installed'}; best of {args.repeat}")

    print("\n1. per-sample gradients of a 2-layer MLP loss (128 -> 64 tanh -> 1)")
    params = [rng.standard_normal((128, 64)) / np.sqrt(128), np.zeros(64),
              rng.standard_normal(64) / 8.0, np.float64(0.0)]
    for batch in (64, 512):
        per_sample_figures(rng, params, batch, args.repeat, jax)

    print("\n2. jacrev of tanh(A @ x), R^200 -> R^200")
    a = rng.standard_normal((200, 200)) / np.sqrt(200)
    x0 = rng.standard_normal(200)

    def closed_form():
        t = np.tanh(a @ x0)
        return (1 - t * t)[:, None] * a

    la = lm.asarray(a)
    jac = lm.jacrev(lambda x: lnp.tanh(la @ x))
    np.testing.assert_allclose(jac(lm.asarray(x0)).numpy(), closed_form(), rtol=1e-10)
    t_ref = best(closed_form, args.repeat, 20)
    lx0 = lm.asarray(x0)
    t_jac = best(lambda: lm.eval(jac(lx0)), args.repeat, 5)
    print(f"    {'numpy (closed form)':<26} {t_ref * 1e3:9.3f} ms   1.00x")
    print(f"    {'lamina jacrev':<26} {t_jac * 1e3:9.3f} ms   {t_jac / t_ref:5.2f}x")
    if jax is not None:
        import jax.numpy as jnp

        ja, jx0 = jnp.asarray(a), jnp.asarray(x0)
        jj = jax.jacrev(lambda y: jnp.tanh(ja @ y))

        def run():
            with jax.disable_jit():
                jax.block_until_ready(jj(jx0))

        t = best(run, args.repeat, 2)
        print(f"    {'jax jacrev (no jit)':<26} {t * 1e3:9.3f} ms   {t / t_ref:5.2f}x")


if __name__ == "__main__":
    main()
