"""MAML on sinusoid regression (Finn et al. 2017, section 5.1), written as an autograd user
writes it: a small ReLU network, an inner loop of plain SGD steps taken with ``grad`` inside
the outer loss (so the meta-gradient is a gradient through a gradient), and autograd's
``adam`` outside.

Each outer step draws ``meta_batch`` tasks (amplitude in [0.1, 5], phase in [0, pi]) with
``K`` support and ``K`` query points in [-5, 5] from a NumPy ``RandomState`` seeded by the step
number, so both libraries see the same tasks whatever else draws numbers. The callback prints
(records) the meta-loss every ``log_every`` steps.
"""

from __future__ import annotations

import numpy

from .libs import Recorder


def sample_tasks(i: int, meta_batch: int, K: int):
    """``meta_batch`` sinusoid tasks for outer step ``i``: (x_support, y_support, x_query,
    y_query), each of shape (K, 1)."""
    rs = numpy.random.RandomState(i)
    amplitude = rs.uniform(0.1, 5.0, size=meta_batch)
    phase = rs.uniform(0.0, numpy.pi, size=meta_batch)
    tasks = []
    for a, p in zip(amplitude, phase, strict=True):
        x = rs.uniform(-5.0, 5.0, size=(2 * K, 1))
        y = a * numpy.sin(x - p)
        tasks.append((x[:K], y[:K], x[K:], y[K:]))
    return tasks


def run(lib, n_iters: int = 600, meta_batch: int = 2, K: int = 10, inner_steps: int = 2,
        inner_lr: float = 0.01, outer_lr: float = 0.001, layer_sizes=(1, 40, 40, 1),
        log_every: int = 100):
    np, npr, grad, adam = lib.np, lib.npr, lib.grad, lib.optimizers.adam
    rec = Recorder(rss_at=(100, 600))
    rec.begin()

    def init_params(layer_sizes, rs):
        return [(rs.randn(m, n) * np.sqrt(2.0 / m), np.zeros(n))
                for m, n in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)]

    def net(params, inputs):
        for W, b in params[:-1]:
            inputs = np.maximum(np.dot(inputs, W) + b, 0.0)
        W, b = params[-1]
        return np.dot(inputs, W) + b

    def mse(params, inputs, targets):
        return np.mean((net(params, inputs) - targets) ** 2)

    def adapt(params, inputs, targets):
        """A few steps of SGD on one task's support set."""
        for _ in range(inner_steps):
            grads = grad(mse)(params, inputs, targets)
            params = [(W - inner_lr * dW, b - inner_lr * db)
                      for (W, b), (dW, db) in zip(params, grads, strict=True)]
        return params

    def meta_loss(params, i):
        loss = 0.0
        for x_support, y_support, x_query, y_query in sample_tasks(i, meta_batch, K):
            adapted = adapt(params, x_support, y_support)
            loss = loss + mse(adapted, x_query, y_query)
        return loss / meta_batch

    losses = []

    def callback(params, i, g):
        if i % log_every == 0:
            losses.append(float(meta_loss(params, i)))  # print(i, meta_loss(params, i))
        rec.step()

    params = adam(grad(meta_loss), init_params(layer_sizes, npr.RandomState(0)),
                  step_size=outer_lr, num_iters=n_iters, callback=callback)
    return rec.finish(losses=losses, params=params)
