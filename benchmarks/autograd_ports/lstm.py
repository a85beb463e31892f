"""autograd's examples/lstm.py: the character model of ``rnn`` with long short-term memory
cells, learning its own source code, trained with adam, then sampled.

Port: as ``rnn`` (its own source as text, the callback's printed loss and predictions every 10
iterations, ``n_iters`` for the original's 1000, ``num_texts`` x ``num_letters`` sampled from
a seeded ``RandomState``).
"""

# ruff: noqa: B007 - the original's loops, variables as written

from __future__ import annotations

from os.path import abspath

from . import rnn
from .libs import Recorder


def run(lib, n_iters: int = 20, num_texts: int = 2, num_letters: int = 10,
        max_lines: int = 60, state_size: int = 40, text_filename: str | None = None):
    np, npr, grad, adam = lib.np, lib.npr, lib.grad, lib.optimizers.adam
    logsumexp = lib.logsumexp
    d = rnn.definitions(lib)  # from rnn import build_dataset, concat_and_multiply, ...
    build_dataset, concat_and_multiply, one_hot_to_string = (
        d.build_dataset, d.concat_and_multiply, d.one_hot_to_string)
    sigmoid, string_to_one_hot = d.sigmoid, d.string_to_one_hot
    rec = Recorder()
    rec.begin()

    def init_lstm_params(input_size, state_size, output_size, param_scale=0.01, rs=None):
        rs = rs if rs is not None else npr.RandomState(0)

        def rp(*shape):
            return rs.randn(*shape) * param_scale

        return {
            "init cells": rp(1, state_size),
            "init hiddens": rp(1, state_size),
            "change": rp(input_size + state_size + 1, state_size),
            "forget": rp(input_size + state_size + 1, state_size),
            "ingate": rp(input_size + state_size + 1, state_size),
            "outgate": rp(input_size + state_size + 1, state_size),
            "predict": rp(state_size + 1, output_size),
        }

    def lstm_predict(params, inputs):
        def update_lstm(input, hiddens, cells):
            change = np.tanh(concat_and_multiply(params["change"], input, hiddens))
            forget = sigmoid(concat_and_multiply(params["forget"], input, hiddens))
            ingate = sigmoid(concat_and_multiply(params["ingate"], input, hiddens))
            outgate = sigmoid(concat_and_multiply(params["outgate"], input, hiddens))
            cells = cells * forget + ingate * change
            hiddens = outgate * np.tanh(cells)
            return hiddens, cells

        def hiddens_to_output_probs(hiddens):
            output = concat_and_multiply(params["predict"], hiddens)
            return output - logsumexp(output, axis=1, keepdims=True)  # Normalize log-probs.

        num_sequences = inputs.shape[1]
        hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
        cells = np.repeat(params["init cells"], num_sequences, axis=0)

        output = [hiddens_to_output_probs(hiddens)]
        for input in inputs:  # Iterate over time steps.
            hiddens, cells = update_lstm(input, hiddens, cells)
            output.append(hiddens_to_output_probs(hiddens))
        return output

    def lstm_log_likelihood(params, inputs, targets):
        logprobs = lstm_predict(params, inputs)
        loglik = 0.0
        num_time_steps, num_examples, _ = inputs.shape
        for t in range(num_time_steps):
            loglik += np.sum(logprobs[t] * targets[t])
        return loglik / (num_time_steps * num_examples)

    num_chars = 128

    # Learn to predict our own source code.
    text_filename = text_filename or abspath(__file__)
    train_inputs = build_dataset(text_filename, sequence_length=30, alphabet_size=num_chars,
                                 max_lines=max_lines)

    init_params = init_lstm_params(input_size=128, output_size=128, state_size=state_size,
                                   param_scale=0.01)

    printed = []

    def print_training_prediction(weights):
        printed.append("Training text                         Predicted text")
        logprobs = np.asarray(lstm_predict(weights, train_inputs))
        for t in range(logprobs.shape[1]):
            training_text = one_hot_to_string(train_inputs[:, t, :])
            predicted_text = one_hot_to_string(logprobs[:, t, :])
            printed.append(training_text.replace("\n", " ") + "|"
                           + predicted_text.replace("\n", " "))

    def training_loss(params, iter):
        return -lstm_log_likelihood(params, train_inputs, train_inputs)

    losses = []

    def callback(weights, iter, gradient):
        if iter % 10 == 0:
            losses.append(float(training_loss(weights, 0)))  # the original prints it
            print_training_prediction(weights)
        rec.step()

    # Build gradient of loss function using autograd.
    training_loss_grad = grad(training_loss)

    trained_params = adam(training_loss_grad, init_params, step_size=0.1, num_iters=n_iters,
                          callback=callback)

    # Generating text from LSTM...
    rs = npr.RandomState(0)
    texts = []
    for t in range(num_texts):
        text = ""
        for i in range(num_letters):
            seqs = string_to_one_hot(text, num_chars)[:, np.newaxis, :]
            logprobs = lstm_predict(trained_params, seqs)[-1].ravel()
            text += chr(rs.choice(len(logprobs), p=np.exp(logprobs)))
        texts.append(text)
    return rec.finish(losses=losses, params=trained_params, printed="\n".join(printed),
                      texts="\n".join(texts))
