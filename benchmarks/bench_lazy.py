"""Lazy backend benchmarks, side by side with hand-written NumPy in one process.

1. Per-op overhead on tiny arrays, amortised over a cached 50-op graph: (lamina time - NumPy
   time) / 50 for a function of 50 elementwise ops on 4x4 arrays, the graph already compiled.
   Aim: under 3 microseconds per op.
2. A 10-op elementwise chain on 1e6 float64 elements. Aim: no slower than NumPy (ratio <= 1);
   buffer reuse (kernels writing into dead buffers) should make it faster.

Run: ``python benchmarks/bench_lazy.py [--device cuda] [--repeat 7]``. Timings are the best
of ``--repeat`` runs (each run many calls), which is robust to a busy machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import lamina as lm
import lamina.numpy as lnp


def fifty_ops(xp, x, y):
    # 50 elementwise ops: 10 rounds of 5 (sin, *, +, negative, exp).
    for _ in range(10):
        x = xp.exp(-(xp.sin(x) * y + 1.0))
    return x


def ten_op_chain(xp, x):
    y = xp.sin(x) * 2.0 + 1.0
    y = xp.exp(-y * y) - x / 3.0
    y = xp.tanh(y) * y + 0.5
    return xp.sqrt(y * y + 1.0)


def best(fn, calls: int, repeat: int, sync=lambda: None) -> float:
    times = []
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        sync()
        times.append((time.perf_counter() - start) / calls)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    device = lm.Device(args.device)
    xp = device.xp
    sync = (lambda: xp.cuda.Device().synchronize()) if device.kind == "cuda" else (lambda: None)
    rng = np.random.default_rng(0)

    print(f"lamina {lm.__version__} on {device}; NumPy {np.__version__}; best of {args.repeat}")

    # 1. per-op overhead on tiny arrays.
    a = xp.asarray(rng.random((4, 4)))
    b = a + 1.0
    ta, tb = lm.asarray(a), lm.asarray(b)
    for _ in range(3):
        lm.eval(fifty_ops(lnp, ta, tb))
    lm.lazy.reset_metrics()
    t_ref = best(lambda: fifty_ops(xp, a, b), 200, args.repeat, sync)
    t_build = best(lambda: fifty_ops(lnp, ta, tb), 200, args.repeat, sync)
    t_lam = best(lambda: lm.eval(fifty_ops(lnp, ta, tb)), 200, args.repeat, sync)
    m = lm.lazy.metrics()
    print("\n1. 50 elementwise ops on 4x4 arrays (graph cached and compiled)")
    print(f"   {xp.__name__:<8} {t_ref * 1e6:9.1f} us")
    print(f"   lamina   {t_lam * 1e6:9.1f} us   (building the graph alone: {t_build * 1e6:.1f} us)")
    print(f"   overhead per op above {xp.__name__}: {(t_lam - t_ref) / 50 * 1e6:.2f} us "
          f"(aim < 3 us); ratio {t_lam / t_ref:.1f}x")
    print(f"   cache: compiles={m['compiles']} cache_hits={m['cache_hits']}")

    # 2. 10-op chain on 1e6 elements.
    big = xp.asarray(rng.standard_normal(1_000_000))
    tbig = lm.asarray(big)
    for _ in range(3):
        lm.eval(ten_op_chain(lnp, tbig))
    lm.lazy.reset_metrics()
    t_ref = best(lambda: ten_op_chain(xp, big), 10, args.repeat, sync)
    t_lam = best(lambda: lm.eval(ten_op_chain(lnp, tbig)), 10, args.repeat, sync)
    m = lm.lazy.metrics()
    print("\n2. 10-op elementwise chain on 1e6 float64 elements")
    print(f"   {xp.__name__:<8} {t_ref * 1e3:9.3f} ms")
    print(f"   lamina   {t_lam * 1e3:9.3f} ms   ratio {t_lam / t_ref:.2f} (aim <= 1.0)")
    print(f"   buffers reused per run: {m['buffers_reused'] // max(m['executions'], 1)} of 10")


if __name__ == "__main__":
    main()
