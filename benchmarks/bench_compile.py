"""``lm.compile`` against JAX's ``jit``, side by side in one process, single-threaded, CPU.

The workloads of issue 16 (those of bench_grad, bench_vmap and bench_jvp): an MLP gradient
(batch 32 x width 64; batch 256 x width 512 in float64 and float32), per-sample gradients
(batch 64 and 512), the HVP of ``sum(tanh(A x)^2)`` with n = 1000 (forward over reverse), the
200 x 200 Jacobian of ``tanh(A x)`` (jacfwd and jacrev), the gradient of a 4M-element
elementwise chain (float64 and float32) and a 10-op scalar gradient. The reference (1.00) is
the hand-written NumPy code; each row gives lamina without compile ("eager": lazy graphs built
per call), lamina compiled, and JAX jit (JAX's ``jit`` is the peer to beat; it is skipped when
JAX is not installed). ``trace`` is the first compiled call (trace + compile + run) of
lamina and JAX. Every result is checked against the reference first.

With ``--device cuda`` (the GPU machine) every array lives on the GPU: the reference runs the
same NumPy code on CuPy arrays (NumPy dispatches to CuPy), lamina's tensors are on
``cuda:0`` and JAX runs on its GPU backend; every timing ends with a device synchronize.

Run: ``python benchmarks/bench_compile.py [--repeat 5] [--only NAME ...] [--device cuda]``.
"""

# ruff: noqa: B023 - the timed lambdas run inside the loop iteration that made them

from __future__ import annotations

import argparse
import os
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # single-threaded, for every peer alike
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402
from _timing import best  # noqa: E402
from bench_grad import (  # noqa: E402
    big_fn,
    big_grad_numpy,
    mlp_grad_numpy,
    mlp_loss,
    mlp_params,
    tiny_fn,
    tiny_grad_numpy,
)
from bench_jvp import hvp_numpy  # noqa: E402
from bench_vmap import loss as ps_loss  # noqa: E402
from bench_vmap import per_sample_numpy  # noqa: E402

import lamina as lm  # noqa: E402
import lamina.numpy as lnp  # noqa: E402


def _jax():
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def workloads(rng, to_dev=lambda a: a, device="cpu"):
    """name -> (reference(), lamina function, its args, JAX function builder, JAX args); the
    reference's arrays go through ``to_dev`` and lamina's tensors live on ``device``."""
    out = {}

    def la(a):
        return lm.asarray(np.asarray(a), device=device)

    def mlp(batch, width, dtype):
        params = mlp_params(rng, width, dtype)
        x = rng.standard_normal((batch, width)).astype(dtype)
        y = rng.standard_normal((batch, width)).astype(dtype)
        dp, dx, dy = [to_dev(p) for p in params], to_dev(x), to_dev(y)
        return (lambda: mlp_grad_numpy(dp, dx, dy),
                lm.grad(lambda p, x, y: mlp_loss(lnp, p, x, y)),
                ([la(p) for p in params], la(x), la(y)),
                lambda jax, jnp: jax.grad(lambda p, x, y: mlp_loss(jnp, p, x, y)),
                (params, x, y))

    out["mlp grad 32x64 f64"] = mlp(32, 64, np.float64)
    out["mlp grad 256x512 f64"] = mlp(256, 512, np.float64)
    out["mlp grad 256x512 f32"] = mlp(256, 512, np.float32)

    params = [rng.standard_normal((128, 64)) / np.sqrt(128), np.zeros(64),
              rng.standard_normal(64) / 8.0, np.float64(0.0)]
    for batch in (64, 512):
        xs, ys = rng.standard_normal((batch, 128)), rng.standard_normal(batch)
        dps, dxs, dys = [to_dev(p) for p in params], to_dev(xs), to_dev(ys)
        out[f"per-sample grads {batch}"] = (
            lambda dps=dps, dxs=dxs, dys=dys: per_sample_numpy(dps, dxs, dys),
            lm.vmap(lm.grad(lambda p, x, y: ps_loss(lnp, p, x, y)), in_dims=(None, 0, 0)),
            ([la(p) for p in params], la(xs), la(ys)),
            lambda jax, jnp: jax.vmap(jax.grad(lambda p, x, y: ps_loss(jnp, p, x, y)),
                                      in_axes=(None, 0, 0)),
            (params, xs, ys))

    n = 1000
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    da, dx_, dv = to_dev(a), to_dev(x), to_dev(v)
    out["hvp n=1000"] = (
        lambda: hvp_numpy(da, dx_, dv),
        lambda a, x, v: lm.jvp(lm.grad(lambda y: lnp.sum(lnp.tanh(a @ y) ** 2)), (x,), (v,))[1],
        (la(a), la(x), la(v)),
        lambda jax, jnp: lambda a, x, v: jax.jvp(
            jax.grad(lambda y: jnp.sum(jnp.tanh(a @ y) ** 2)), (x,), (v,))[1],
        (a, x, v))

    b = rng.standard_normal((200, 200)) / np.sqrt(200)
    x0 = rng.standard_normal(200)

    db, dx0 = to_dev(b), to_dev(x0)

    def closed_form():
        t = np.tanh(db @ dx0)
        return (1 - t * t)[:, None] * db

    for name, lam, jname in (("jacfwd", lm.jacfwd, "jacfwd"), ("jacrev", lm.jacrev, "jacrev")):
        out[f"{name} 200x200"] = (
            closed_form,
            lambda b, x, lam=lam: lam(lambda y: lnp.tanh(b @ y))(x),
            (la(b), la(x0)),
            lambda jax, jnp, jname=jname: lambda b, x: getattr(jax, jname)(
                lambda y: jnp.tanh(b @ y))(x),
            (b, x0))

    for dtype in (np.float64, np.float32):
        big = rng.standard_normal(2**22).astype(dtype)
        dbig = to_dev(big)
        out[f"4M chain grad {np.dtype(dtype).name}"] = (
            lambda dbig=dbig: big_grad_numpy(dbig),
            lm.grad(lambda t: big_fn(lnp, t)),
            (la(big),),
            lambda jax, jnp: jax.grad(lambda t: big_fn(jnp, t)),
            (big,))

    out["10-op scalar grad"] = (
        lambda: tiny_grad_numpy(0.3),
        lm.grad(lambda t: tiny_fn(lnp, t)),
        (la(0.3),),
        lambda jax, jnp: jax.grad(lambda t: tiny_fn(jnp, t)),
        (np.float64(0.3),))
    return out


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for e in x for leaf in _leaves(e)]
    return [x]


def _host(x):
    if isinstance(x, (list, tuple)):
        return [_host(e) for e in x]
    if isinstance(x, lm.Tensor):
        return x.numpy()
    return x.get() if hasattr(x, "get") else x


def _check(got, ref, name: str) -> None:
    for g, r in zip(_leaves(_host(got)), _leaves(ref), strict=True):
        r = np.asarray(r)
        tol = 2e-3 if r.dtype == np.float32 else 1e-8
        np.testing.assert_allclose(np.asarray(g), r, rtol=tol, atol=tol, err_msg=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = parser.parse_args()
    jax = _jax()
    to_dev, sync = (lambda a: a), (lambda: None)
    if args.device == "cuda":
        import cupy

        to_dev = cupy.asarray
        sync = cupy.cuda.Device().synchronize
    print(f"lamina {lm.__version__}, NumPy {np.__version__}, JAX "
          f"{jax.__version__ if jax else 'not installed'}; best of {args.repeat}; "
          "ratios to the hand-written NumPy reference")
    header = (f"{'workload':<24} {'numpy ms':>9} {'eager':>7} {'compiled':>9} {'jax jit':>8}"
              f" {'trace ms lm/jax':>16}")
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    for name, (ref, fn, fn_args, jax_fn, jax_args) in workloads(rng, to_dev,
                                                                args.device).items():
        if args.only and not any(o in name for o in args.only):
            continue
        expected = _host(ref())
        _check(fn(*fn_args), expected, name + " (eager)")
        compiled = lm.compile(fn)
        start = time.perf_counter()
        _check(compiled(*fn_args), expected, name + " (compiled)")
        t_trace = time.perf_counter() - start
        number = 20 if name.startswith("10-op") else 2
        t_ref = best(lambda: (ref(), sync()), args.repeat, number * 5)
        t_eager = best(lambda fn=fn: (lm.eval(fn(*fn_args)), sync()), args.repeat, number)
        t_comp = best(lambda: (lm.eval(compiled(*fn_args)), sync()), args.repeat, number * 5)
        row = (f"{name:<24} {t_ref * 1e3:9.4f} {t_eager / t_ref:7.2f} {t_comp / t_ref:9.2f}")
        if jax is not None:
            import jax.numpy as jnp

            jitted = jax.jit(jax_fn(jax, jnp))
            j_args = jax.tree_util.tree_map(jnp.asarray, jax_args)
            start = time.perf_counter()
            _check(jax.block_until_ready(jitted(*j_args)), expected, name + " (jax)")
            t_jtrace = time.perf_counter() - start
            t_jax = best(lambda: jax.block_until_ready(jitted(*j_args)), args.repeat,
                         number * 5)
            row += f" {t_jax / t_ref:8.2f} {t_trace * 1e3:8.1f}/{t_jtrace * 1e3:<7.1f}"
        else:
            row += f" {'-':>8} {t_trace * 1e3:8.1f}/-"
        print(row, flush=True)


if __name__ == "__main__":
    main()
