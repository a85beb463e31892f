"""autograd's examples/logistic_regression.py: logistic regression on a 4-point toy data set,
gradient checked numerically, then plain gradient descent with in-place updates
(``weights -= ...``). The original's data and 100 iterations, unchanged (``n_iters``)."""

# ruff: noqa: B007 - the original's loops, variables as written

from __future__ import annotations

from .libs import Recorder


def run(lib, n_iters: int = 100, check: bool = True):
    np, grad, check_grads = lib.np, lib.grad, lib.check_grads
    rec = Recorder()
    rec.begin()

    def sigmoid(x):
        return 0.5 * (np.tanh(x) + 1)

    def logistic_predictions(weights, inputs):
        # Outputs probability of a label being true according to logistic model.
        return sigmoid(np.dot(inputs, weights))

    def training_loss(weights):
        # Training loss is the negative log-likelihood of the training labels.
        preds = logistic_predictions(weights, inputs)
        label_probabilities = preds * targets + (1 - preds) * (1 - targets)
        return -np.sum(np.log(label_probabilities))

    # Build a toy dataset.
    inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30],
                       [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])

    # Build a function that returns gradients of training loss using autograd.
    training_gradient_fun = grad(training_loss)

    # Check the gradients numerically, just to be safe.
    weights = np.array([0.0, 0.0, 0.0])
    if check:
        check_grads(training_loss, modes=["rev"])(weights)

    # Optimize weights using gradient descent.
    initial_loss = float(training_loss(weights))  # the original prints it
    for i in range(n_iters):
        weights -= training_gradient_fun(weights) * 0.01
        rec.step()

    trained_loss = training_loss(weights)
    return rec.finish(initial_loss=initial_loss, trained_loss=trained_loss,
                      weights=weights)
