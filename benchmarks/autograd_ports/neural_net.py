"""autograd's examples/neural_net.py: a tanh MLP classifying MNIST digits, trained with adam.

Port: MNIST (downloaded in the original) is replaced by random images in [0, 1) with random
one-hot labels, ``n_train`` and ``n_test`` of them (60000 and 10000 in the original); the
epoch callback's accuracies are kept (the values it printed), everything else is the original.
"""

from __future__ import annotations

import itertools

import numpy

from .libs import Recorder


def synthetic_mnist(n_train: int, n_test: int, seed: int = 0):
    """Random stand-ins for ``load_mnist()``: images as (N, 784) floats in [0, 1), one-hot
    labels as (N, 10)."""
    rs = numpy.random.RandomState(seed)
    images = rs.rand(n_train + n_test, 784)
    labels = numpy.eye(10)[rs.randint(0, 10, size=n_train + n_test)]
    return (n_train, images[:n_train], labels[:n_train], images[n_train:],
            labels[n_train:])


def run(lib, n_iters: int = 20, n_train: int = 1024, n_test: int = 256,
        layer_sizes=(784, 200, 100, 10), batch_size: int = 256):
    np, npr, grad, flatten = lib.np, lib.npr, lib.grad, lib.flatten
    adam, logsumexp = lib.optimizers.adam, lib.logsumexp

    def init_random_params(scale, layer_sizes, rs=None):
        """Build a list of (weights, biases) tuples, one for each layer in the net."""
        rs = rs if rs is not None else npr.RandomState(0)
        return [
            (
                scale * rs.randn(m, n),  # weight matrix
                scale * rs.randn(n),
            )  # bias vector
            for m, n in itertools.pairwise(layer_sizes)
        ]

    def neural_net_predict(params, inputs):
        """params is a list of (weights, bias) tuples, inputs an (N x D) matrix; returns
        normalized class log-probabilities."""
        for W, b in params:
            outputs = np.dot(inputs, W) + b
            inputs = np.tanh(outputs)
        return outputs - logsumexp(outputs, axis=1, keepdims=True)

    def l2_norm(params):
        """Computes l2 norm of params by flattening them into a vector."""
        flattened, _ = flatten(params)
        return np.dot(flattened, flattened)

    def log_posterior(params, inputs, targets, L2_reg):
        log_prior = -L2_reg * l2_norm(params)
        log_lik = np.sum(neural_net_predict(params, inputs) * targets)
        return log_prior + log_lik

    def accuracy(params, inputs, targets):
        target_class = np.argmax(targets, axis=1)
        predicted_class = np.argmax(neural_net_predict(params, inputs), axis=1)
        return np.mean(predicted_class == target_class)

    # Model parameters
    L2_reg = 1.0

    # Training parameters
    param_scale = 0.1
    step_size = 0.001

    N, train_images, train_labels, test_images, test_labels = synthetic_mnist(n_train, n_test)
    rec = Recorder()
    rec.begin()

    init_params = init_random_params(param_scale, layer_sizes)

    num_batches = int(np.ceil(len(train_images) / batch_size))

    def batch_indices(iter):
        idx = iter % num_batches
        return slice(idx * batch_size, (idx + 1) * batch_size)

    # Define training objective
    def objective(params, iter):
        idx = batch_indices(iter)
        return -log_posterior(params, train_images[idx], train_labels[idx], L2_reg)

    # Get gradient of objective using autograd.
    objective_grad = grad(objective)

    accuracies = []

    def print_perf(params, iter, gradient):
        if iter % num_batches == 0:
            train_acc = accuracy(params, train_images, train_labels)
            test_acc = accuracy(params, test_images, test_labels)
            accuracies.append(f"{iter // num_batches:15}|{train_acc:20}|{test_acc:20}")
        rec.step()

    # The optimizers provided can optimize lists, tuples, or dicts of parameters.
    optimized_params = adam(
        objective_grad,
        init_params,
        step_size=step_size,
        num_iters=n_iters,
        callback=print_perf,
    )
    return rec.finish(params=optimized_params, accuracies="\n".join(accuracies))
