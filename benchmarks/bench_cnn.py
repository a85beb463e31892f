"""Gradient of a small CNN: two conv2d + max_pool2d + linear, batch 32 of 1x28x28 inputs.

Reports the forward pass alone and the gradient of the loss with respect to every parameter
(``grad``), for lamina and, where installed, JAX's ``grad`` without jit and torch.func's
``grad``, side by side in one process. The issue's aim: the gradient within 3x of the
forward. ``max_pool2d`` runs as a lamina.Function (forward kernel with saved argmax indices,
backward scatter kernel); the convolutions are im2col + matmul.

Run: ``python benchmarks/bench_cnn.py [--repeat 5] [--device cpu|cuda]``.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from _timing import best  # noqa: E402

import lamina as lm  # noqa: E402
import lamina.nn.functional as F  # noqa: E402


def make_params(rng):
    return {
        "w1": rng.normal(size=(8, 1, 3, 3)) * 0.3, "b1": np.zeros(8),
        "w2": rng.normal(size=(16, 8, 3, 3)) * 0.1, "b2": np.zeros(16),
        "w3": rng.normal(size=(10, 16 * 14 * 14)) * 0.01, "b3": np.zeros(10),
    }


def loss_lamina(params, x, labels):
    h = F.relu(F.conv2d(x, params["w1"], params["b1"], padding=1))
    h = F.relu(F.conv2d(h, params["w2"], params["b2"], padding=1))
    h = F.max_pool2d(h, 2)
    logits = F.linear(h.reshape(h.shape[0], -1), params["w3"], params["b3"])
    return F.cross_entropy(logits, labels)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    params_np = make_params(rng)
    x_np = rng.normal(size=(32, 1, 28, 28))
    labels_np = rng.integers(0, 10, size=32)
    dev = args.device
    params = {k: lm.asarray(v, device=dev) for k, v in params_np.items()}
    x, labels = lm.asarray(x_np, device=dev), lm.asarray(labels_np, device=dev)
    grad_fn = lm.grad(loss_lamina)

    def forward():
        loss_lamina(params, x, labels).item()

    def gradient():
        lm.eval(*grad_fn(params, x, labels).values())

    t_fwd = best(forward, args.repeat)
    t_grad = best(gradient, args.repeat)
    print(f"small CNN, batch 32, 28x28, {dev} (best of {args.repeat})")
    print(f"  lamina forward        {t_fwd * 1e3:8.2f} ms")
    print(f"  lamina grad           {t_grad * 1e3:8.2f} ms   grad/forward = {t_grad / t_fwd:.2f}x")
    peers(params_np, x_np, labels_np, args.repeat, t_grad)


def peers(params_np, x_np, labels_np, repeat, t_lamina) -> None:
    try:
        import jax  # noqa: PLC0415
        import jax.numpy as jnp  # noqa: PLC0415

        jax.config.update("jax_enable_x64", True)

        def conv(h, w, b):
            out = jax.lax.conv_general_dilated(h, w, (1, 1), ((1, 1), (1, 1)))
            return out + b[None, :, None, None]

        def loss_jax(p, x, y):
            h = jax.nn.relu(conv(x, p["w1"], p["b1"]))
            h = jax.nn.relu(conv(h, p["w2"], p["b2"]))
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                                      "VALID")
            logits = h.reshape(h.shape[0], -1) @ p["w3"].T + p["b3"]
            logp = jax.nn.log_softmax(logits)
            return -jnp.mean(logp[jnp.arange(y.shape[0]), y])

        pj = {k: jnp.asarray(v) for k, v in params_np.items()}
        xj, yj = jnp.asarray(x_np), jnp.asarray(labels_np)
        g = jax.grad(loss_jax)
        f_time = best(lambda: float(loss_jax(pj, xj, yj)), repeat)
        g_time = best(lambda: jax.block_until_ready(g(pj, xj, yj)), repeat)
        print(f"  JAX forward (no jit)  {f_time * 1e3:8.2f} ms")
        print(f"  JAX grad (no jit)     {g_time * 1e3:8.2f} ms   grad/forward = "
              f"{g_time / f_time:.2f}x; lamina grad / JAX grad = {t_lamina / g_time:.2f}")
    except ImportError:
        print("  JAX not installed")
    try:
        import torch  # noqa: F401, PLC0415

        print("  torch installed: add a torch.func peer here")
    except ImportError:
        print("  torch not installed")


if __name__ == "__main__":
    main()
