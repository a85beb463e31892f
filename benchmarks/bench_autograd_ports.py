"""HIPS/autograd's examples on autograd and on lamina, side by side in one process.

The programs are ``benchmarks/autograd_ports/``: autograd's ``neural_net``,
``logistic_regression``, ``black_box_svi``, ``bayesian_neural_net``, ``rnn``, ``lstm``,
``mixture_variational_inference`` and ``fluidsim`` ported by swapping the imports, plus a
sinusoid ``maml`` (grad through grad) and an ``mlp_sgd`` loop with in-place updates. Each runs
the same source on both libraries with the same data; lamina's code has no ``lm.eval``, only
what users write (printing values, converting them to floats).

Per program the table gives:
- ``autograd ms`` / ``lamina ms``: the best of ``--repeat`` whole runs after the first;
- ``ratio``: lamina / autograd of those (the aim: at or under 1);
- ``cpu``: the same ratio in CPU seconds of the process (``time.process_time``), which a
  machine busy with other work disturbs less than wall time;
- ``first``: lamina / autograd of each library's first run in this process (cold caches; the
  aim: under 2);
- ``step1``: lamina / autograd of the time to the end of the first step, in the best runs;
- ``steady``: lamina / autograd of the median time per step, in the best runs;
- ``max rel diff``: the largest difference between the two libraries' values (loss
  trajectories, final parameters, printed text), each value's max-norm difference over its
  max-norm; printed text must be equal (``TEXT`` when it is not). Where an optimizer
  normalizes its steps (adam with a large step size, CG line searches), the trajectories
  amplify round-off, and the difference grows with the iterations;
- ``rss MB`` (loops of 600+ steps): resident set size growth from step 100 to step 600,
  autograd / lamina (the aim: under 50 MB).

Run: ``python benchmarks/bench_autograd_ports.py [--repeat 2] [--quick] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import statistics
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # single-threaded, for every library alike

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from autograd_ports import PROGRAMS, libs  # noqa: E402

# Sizes per program: (default, --quick). The originals' iteration counts are in each module.
SIZES = {
    "neural_net": (dict(n_iters=20), dict(n_iters=8, n_train=512)),
    "logistic_regression": (dict(n_iters=100), dict(n_iters=100)),
    "black_box_svi": (dict(n_iters=100), dict(n_iters=30)),
    "bayesian_neural_net": (dict(n_iters=100), dict(n_iters=30)),
    "rnn": (dict(n_iters=30), dict(n_iters=10, max_lines=30)),
    "lstm": (dict(n_iters=20), dict(n_iters=10, max_lines=30)),
    "mixture_variational_inference": (dict(n_iters=50), dict(n_iters=10)),
    "fluidsim": (dict(size=40, simulation_timesteps=20, maxiter=4),
                 dict(size=24, simulation_timesteps=10, maxiter=2)),
    "maml": (dict(n_iters=600), dict(n_iters=120)),
    "mlp_sgd": (dict(n_iters=600), dict(n_iters=600)),
}


def max_rel_diff(a: dict, b: dict) -> float:
    """The largest max-norm relative difference over the values (inf when text differs)."""
    worst = 0.0
    for key, ref in a.items():
        other = b[key]
        if isinstance(ref, str):
            if ref != other:
                return float("inf")
            continue
        ref, other = np.asarray(ref, dtype=float), np.asarray(other, dtype=float)
        if ref.shape != other.shape:
            return float("inf")
        scale = np.max(np.abs(ref)) if ref.size else 0.0
        diff = np.max(np.abs(ref - other)) if ref.size else 0.0
        worst = max(worst, diff / scale if scale else diff)
    return worst


def steady(result) -> float:
    """Median seconds per step (between consecutive steps' ends)."""
    gaps = np.diff(result.steps)
    return float(statistics.median(gaps)) if len(gaps) else result.total


def rss_growth(result) -> float | None:
    if 100 in result.rss and 600 in result.rss:
        return result.rss[600] - result.rss[100]
    return None


def measure(name: str, kwargs: dict, lib_ns: dict, repeat: int) -> dict:
    module = importlib.import_module(f"autograd_ports.{name}")
    out = {}
    for label, lib in lib_ns.items():
        gc.collect()
        first = module.run(lib, **kwargs)
        runs = []
        for _ in range(repeat):
            gc.collect()
            runs.append(module.run(lib, **kwargs))
        best = min(runs, key=lambda r: r.total) if runs else first
        out[label] = (first, best)
    return out


def fmt_ratio(x: float) -> str:
    return f"{x:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="timed runs after the first")
    parser.add_argument("--quick", action="store_true", help="fewer iterations, smaller data")
    parser.add_argument("--only", nargs="*", choices=PROGRAMS, help="run these programs only")
    args = parser.parse_args()

    from importlib.metadata import version

    import scipy

    import lamina as lm

    lib_ns = {"autograd": libs.autograd_lib(), "lamina": libs.lamina_lib()}
    print(f"lamina {lm.__version__}, autograd {version('autograd')}, NumPy {np.__version__}, "
          f"SciPy {scipy.__version__}; best of {args.repeat} runs after a first"
          f"{'; --quick sizes' if args.quick else ''}")
    header = (f"{'program':<30} {'autograd ms':>11} {'lamina ms':>10} {'ratio':>6} {'cpu':>6} "
              f"{'first':>6} {'step1':>6} {'steady':>6} {'max rel diff':>12} "
              f"{'rss MB ag/lm':>13}")
    print(header)
    print("-" * len(header))
    failures = []
    for name in args.only or PROGRAMS:
        kwargs = SIZES[name][1 if args.quick else 0]
        try:
            res = measure(name, kwargs, lib_ns, args.repeat)
        except Exception as exc:  # report and go on: the table is the measuring stick
            failures.append(name)
            print(f"{name:<30} FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            continue
        (ag_first, ag), (lm_first, lam) = res["autograd"], res["lamina"]
        diff = max_rel_diff(ag.values, lam.values)
        growth = [rss_growth(r) for r in (ag, lam)]
        rss = "-" if None in growth else f"{growth[0]:5.1f}/{growth[1]:5.1f}"
        diff_s = "TEXT" if diff == float("inf") else f"{diff:12.1e}"
        print(f"{name:<30} {ag.total * 1e3:11.1f} {lam.total * 1e3:10.1f} "
              f"{fmt_ratio(lam.total / ag.total)} {fmt_ratio(lam.cpu / ag.cpu)} "
              f"{fmt_ratio(lm_first.total / ag_first.total)} "
              f"{fmt_ratio(lam.first_step / ag.first_step)} "
              f"{fmt_ratio(steady(lam) / steady(ag))} {diff_s:>12} {rss:>13}", flush=True)
    if failures:
        print(f"\nfailed on lamina or autograd: {', '.join(failures)}")


if __name__ == "__main__":
    main()
