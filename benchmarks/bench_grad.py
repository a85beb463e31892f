"""Reverse-mode benchmarks, side by side in one process, single-threaded.

The reference (ratio 1.0) is a hand-written NumPy gradient. Peers run where installed: HIPS
autograd and JAX without jit (``jax.disable_jit``); absent peers are skipped.

(a) the gradient of an MLP loss (3 tanh layers): batch 32 x width 64 and batch 256 x width
    512, float64 and float32;
(b) the gradient of ``sum(exp(sin(x) * cos(x) + x ** 2))`` on 2**22 elements;
(c) the gradient of a 10-op scalar function of a 0-d input, in microseconds per op.

Run: ``python benchmarks/bench_grad.py [--repeat 5] [--quick]``. Each figure is the best of
``--repeat`` timings.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # single-threaded, for every peer alike

import numpy as np  # noqa: E402
from _timing import best  # noqa: E402

import lamina as lm  # noqa: E402
import lamina.numpy as lnp  # noqa: E402

# -- (a) MLP ---------------------------------------------------------------------------------

def mlp_params(rng, width: int, dtype):
    return [rng.standard_normal((width, width)).astype(dtype) / np.sqrt(width) for _ in range(3)]


def mlp_loss(xp, params, x, y):
    h = x
    for w in params:
        h = xp.tanh(h @ w)
    return xp.mean((h - y) ** 2)


def mlp_grad_numpy(params, x, y):
    hs = [x]
    for w in params:
        hs.append(np.tanh(hs[-1] @ w))
    out = hs[-1]
    g = 2.0 * (out - y) / out.size
    grads = []
    for i in range(len(params) - 1, -1, -1):
        g = g * (1.0 - hs[i + 1] ** 2)
        grads.append(hs[i].T @ g)
        g = g @ params[i].T
    return grads[::-1]


# -- (b) big elementwise ---------------------------------------------------------------------

def big_fn(xp, x):
    return xp.sum(xp.exp(xp.sin(x) * xp.cos(x) + x**2))


def big_grad_numpy(x):
    s, c = np.sin(x), np.cos(x)
    e = np.exp(s * c + x**2)
    return e * (c * c - s * s + 2 * x)


# -- (c) tiny scalar -------------------------------------------------------------------------

def tiny_fn(xp, x):  # 10 ops
    y = xp.sin(x) * 2.0 + 1.0
    y = xp.exp(-y * y) - x / 3.0
    return xp.tanh(y) * y + 0.5


def tiny_grad_numpy(x):
    s = np.sin(x)
    y1 = s * 2.0 + 1.0
    e = np.exp(-y1 * y1)
    y = e - x / 3.0
    t = np.tanh(y)
    dy = (1 - t * t) * y + t
    de = dy
    dy1 = de * e * (-2 * y1)
    return dy1 * 2.0 * np.cos(x) - dy / 3.0


def peers():
    out = {}
    try:
        import autograd
        import autograd.numpy as anp

        out["autograd"] = (autograd.grad, anp, lambda v: v)
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        out["jax (no jit)"] = (jax.grad, jnp, jnp.asarray)
    except ImportError:
        pass
    return out


def report(name: str, t_ref: float, rows: dict) -> None:
    print(f"  {name}")
    print(f"    {'numpy (hand-written)':<22} {t_ref * 1e3:10.3f} ms   1.00x")
    for label, t in rows.items():
        print(f"    {label:<22} {t * 1e3:10.3f} ms   {t / t_ref:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller (b) for a fast run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    others = peers()
    print(f"lamina {lm.__version__}, NumPy {np.__version__}; peers: "
          f"{', '.join(others) or 'none installed'}; best of {args.repeat}")

    print("\n(a) gradient of a 3-layer tanh MLP loss")
    for batch, width in ((32, 64), (256, 512)):
        for dtype in (np.float64, np.float32):
            params = mlp_params(rng, width, dtype)
            x = rng.standard_normal((batch, width)).astype(dtype)
            y = rng.standard_normal((batch, width)).astype(dtype)
            number = 20 if width == 64 else 3
            t_ref = best(lambda params=params, x=x, y=y: mlp_grad_numpy(params, x, y),
                         args.repeat, number)
            lp = [lm.asarray(p) for p in params]
            lx, ly = lm.asarray(x), lm.asarray(y)
            lgrad = lm.grad(lambda ps, lx=lx, ly=ly: mlp_loss(lnp, ps, lx, ly))
            rows = {"lamina": best(lambda lgrad=lgrad, lp=lp: lm.eval(lgrad(lp)), args.repeat,
                                   number)}
            for label, (grad, mod, conv) in others.items():
                ps = [conv(p) for p in params]
                cx, cy = conv(x), conv(y)
                g = grad(lambda ps, mod=mod, cx=cx, cy=cy: mlp_loss(mod, ps, cx, cy))
                if label.startswith("jax"):
                    import jax

                    def run(g=g, ps=ps):
                        with jax.disable_jit():
                            jax.block_until_ready(g(ps))
                else:
                    def run(g=g, ps=ps):
                        g(ps)
                rows[label] = best(run, args.repeat, number)
            report(f"batch {batch} x width {width}, {np.dtype(dtype).name}", t_ref, rows)

    print("\n(b) gradient of sum(exp(sin(x) * cos(x) + x ** 2))")
    n = 2**18 if args.quick else 2**22
    x = rng.uniform(-1, 1, n)
    t_ref = best(lambda: big_grad_numpy(x), args.repeat)
    lx = lm.asarray(x)
    lgrad = lm.grad(lambda v: big_fn(lnp, v))
    rows = {"lamina": best(lambda: lm.eval(lgrad(lx)), args.repeat)}
    for label, (grad, mod, conv) in others.items():
        cx = conv(x)
        g = grad(lambda v, mod=mod: big_fn(mod, v))
        if label.startswith("jax"):
            import jax

            def run(g=g, cx=cx):
                with jax.disable_jit():
                    jax.block_until_ready(g(cx))
        else:
            def run(g=g, cx=cx):
                g(cx)
        rows[label] = best(run, args.repeat)
    report(f"{n} float64 elements", t_ref, rows)

    print("\n(c) gradient of a 10-op scalar function of a 0-d input (per op)")
    x0 = np.float64(0.3)
    t_ref = best(lambda: tiny_grad_numpy(x0), args.repeat, 2000)
    lgrad = lm.grad(lambda v: tiny_fn(lnp, v))
    lx0 = lm.asarray(x0)
    t_lam = best(lambda: lgrad(lx0).item(), args.repeat, 300)
    print(f"    {'numpy (hand-written)':<22} {t_ref * 1e6 / 10:8.2f} us/op")
    print(f"    {'lamina':<22} {t_lam * 1e6 / 10:8.2f} us/op")
    for label, (grad, mod, _conv) in others.items():
        g = grad(lambda v, mod=mod: tiny_fn(mod, v))
        if label.startswith("jax"):
            import jax

            def run(g=g):
                with jax.disable_jit():
                    float(g(0.3))
            number = 20
        else:
            def run(g=g):
                g(0.3)
            number = 300
        print(f"    {label:<22} {best(run, args.repeat, number) * 1e6 / 10:8.2f} us/op")
    np.testing.assert_allclose(lgrad(lx0).item(), tiny_grad_numpy(x0), rtol=1e-10)


if __name__ == "__main__":
    main()
