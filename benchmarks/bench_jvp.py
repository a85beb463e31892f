"""Forward-mode benchmarks, side by side in one process, single-threaded.

1. The Hessian-vector product of ``sum(tanh(A @ x) ** 2)`` on a 1000-vector by forward over
   reverse (``jvp(grad(f), (x,), (v,))``), against the hand-written NumPy HVP (ratio 1.0),
   HIPS autograd's ``hessian_vector_product`` and JAX's ``jvp(grad)`` without jit.
2. The full Jacobian of ``tanh(A @ x)``, R^200 -> R^200, by ``jacfwd``, against the closed
   form.

Run: ``python benchmarks/bench_jvp.py [--repeat 5]``.
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


def hvp_numpy(a, x, v):
    t = np.tanh(a @ x)
    return a.T @ (2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t) * (a @ v))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = 1000
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    print(f"lamina {lm.__version__}, NumPy {np.__version__}; best of {args.repeat}")

    print(f"\n1. Hessian-vector product of sum(tanh(A @ x) ** 2), n = {n}")
    la, lx, lv = lm.asarray(a), lm.asarray(x), lm.asarray(v)
    g = lm.grad(lambda y: lnp.sum(lnp.tanh(la @ y) ** 2))
    np.testing.assert_allclose(lm.jvp(g, (lx,), (lv,))[1].numpy(), hvp_numpy(a, x, v),
                               rtol=1e-9, atol=1e-9)
    t_ref = best(lambda: hvp_numpy(a, x, v), args.repeat, 20)
    t_lam = best(lambda: lm.jvp(g, (lx,), (lv,))[1].numpy(), args.repeat, 20)
    print(f"    {'numpy (hand-written)':<24} {t_ref * 1e3:9.3f} ms   1.00x")
    print(f"    {'lamina jvp(grad)':<24} {t_lam * 1e3:9.3f} ms   {t_lam / t_ref:5.2f}x")
    try:
        import autograd.numpy as anp
        from autograd import hessian_vector_product

        ah = hessian_vector_product(lambda y: anp.sum(anp.tanh(a @ y) ** 2))
        t = best(lambda: ah(x, v), args.repeat, 20)
        print(f"    {'autograd':<24} {t * 1e3:9.3f} ms   {t / t_ref:5.2f}x")
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        ja, jx, jv = jnp.asarray(a), jnp.asarray(x), jnp.asarray(v)
        jg = jax.grad(lambda y: jnp.sum(jnp.tanh(ja @ y) ** 2))

        def run():
            with jax.disable_jit():
                jax.block_until_ready(jax.jvp(jg, (jx,), (jv,))[1])

        t = best(run, args.repeat, 5)
        print(f"    {'jax jvp(grad) (no jit)':<24} {t * 1e3:9.3f} ms   {t / t_ref:5.2f}x")
    except ImportError:
        pass

    print("\n2. jacfwd of tanh(A @ x), R^200 -> R^200")
    b = rng.standard_normal((200, 200)) / np.sqrt(200)
    x0 = rng.standard_normal(200)

    def closed_form():
        t = np.tanh(b @ x0)
        return (1 - t * t)[:, None] * b

    lb, lx0 = lm.asarray(b), lm.asarray(x0)
    jac = lm.jacfwd(lambda y: lnp.tanh(lb @ y))
    np.testing.assert_allclose(jac(lx0).numpy(), closed_form(), rtol=1e-10)
    t_ref = best(closed_form, args.repeat, 20)
    t_jac = best(lambda: lm.eval(jac(lx0)), args.repeat, 5)
    print(f"    {'numpy (closed form)':<24} {t_ref * 1e3:9.3f} ms   1.00x")
    print(f"    {'lamina jacfwd':<24} {t_jac * 1e3:9.3f} ms   {t_jac / t_ref:5.2f}x")
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        jb, jx0 = jnp.asarray(b), jnp.asarray(x0)
        jj = jax.jacfwd(lambda y: jnp.tanh(jb @ y))

        def run():
            with jax.disable_jit():
                jax.block_until_ready(jj(jx0))

        t = best(run, args.repeat, 2)
        print(f"    {'jax jacfwd (no jit)':<24} {t * 1e3:9.3f} ms   {t / t_ref:5.2f}x")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
