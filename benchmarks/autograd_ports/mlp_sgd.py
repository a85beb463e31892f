"""A plain MLP classifier trained with minibatch SGD, written as users write the loop by hand:
``value_and_grad`` of the loss, then in-place updates ``p -= lr * g`` of each parameter (NumPy
arrays on autograd, lamina tensors on lamina), the loss printed every ``log_every`` steps.

Data: ``n_data`` random inputs labelled by a random teacher network (fixed NumPy seed).
"""

from __future__ import annotations

import numpy

from .libs import Recorder


def teacher_data(n_data: int, d_in: int, n_classes: int, seed: int = 0):
    rs = numpy.random.RandomState(seed)
    inputs = rs.randn(n_data, d_in)
    teacher = rs.randn(d_in, n_classes)
    labels = numpy.eye(n_classes)[numpy.argmax(numpy.tanh(inputs @ teacher), axis=1)]
    return inputs, labels


def run(lib, n_iters: int = 600, n_data: int = 2048, batch_size: int = 64,
        layer_sizes=(32, 64, 64, 10), lr: float = 0.05, log_every: int = 100):
    np, value_and_grad, logsumexp = lib.np, lib.value_and_grad, lib.logsumexp
    inputs, labels = teacher_data(n_data, layer_sizes[0], layer_sizes[-1])
    rec = Recorder(rss_at=(100, 600))
    rec.begin()

    rs = numpy.random.RandomState(1)
    params = []
    for m, n in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        params.append(np.array(rs.randn(m, n) / numpy.sqrt(m)))
        params.append(np.zeros(n))

    def predict(params, x):
        for W, b in zip(params[:-2:2], params[1:-2:2], strict=True):
            x = np.tanh(np.dot(x, W) + b)
        return np.dot(x, params[-2]) + params[-1]

    def loss(params, x, y):
        logits = predict(params, x)
        return -np.mean(np.sum(logits * y, axis=1) - logsumexp(logits, axis=1))

    loss_and_grad = value_and_grad(loss)
    num_batches = n_data // batch_size
    losses = []
    for step in range(n_iters):
        idx = slice((step % num_batches) * batch_size, (step % num_batches + 1) * batch_size)
        value, grads = loss_and_grad(params, inputs[idx], labels[idx])
        for p, g in zip(params, grads, strict=True):
            p -= lr * g
        if step % log_every == 0:
            losses.append(float(value))  # print(step, value)
        rec.step()
    return rec.finish(losses=losses, params=params)
