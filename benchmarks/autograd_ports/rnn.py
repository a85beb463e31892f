"""autograd's examples/rnn.py: a character-level recurrent network that learns to predict its
own source code (one-hot characters, 128-letter alphabet), trained with adam, then sampled.

Port: the text is this port's own source file, as the original reads its own; the callback
keeps the training loss and predicted text it printed every 10 iterations; ``n_iters`` (1000
in the original); the sampling at the end draws ``num_texts`` texts of ``num_letters`` letters
(20 of 30 in the original) from a seeded ``RandomState`` (the original uses NumPy's global
one, unseeded).
"""

# ruff: noqa: B007 - the original's loops, variables as written

from __future__ import annotations

import types
from os.path import abspath

from .libs import Recorder


def definitions(lib):
    """The module-level functions of the original, on ``lib``."""
    np, npr, logsumexp = lib.np, lib.npr, lib.logsumexp

    ### Helper functions #################

    def sigmoid(x):
        return 0.5 * (np.tanh(x) + 1.0)  # Output ranges from 0 to 1.

    def concat_and_multiply(weights, *args):
        cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
        return np.dot(cat_state, weights)

    ### Define recurrent neural net #######

    def create_rnn_params(input_size, state_size, output_size, param_scale=0.01, rs=None):
        rs = rs if rs is not None else npr.RandomState(0)
        return {
            "init hiddens": rs.randn(1, state_size) * param_scale,
            "change": rs.randn(input_size + state_size + 1, state_size) * param_scale,
            "predict": rs.randn(state_size + 1, output_size) * param_scale,
        }

    def rnn_predict(params, inputs):
        def update_rnn(input, hiddens):
            return np.tanh(concat_and_multiply(params["change"], input, hiddens))

        def hiddens_to_output_probs(hiddens):
            output = concat_and_multiply(params["predict"], hiddens)
            return output - logsumexp(output, axis=1, keepdims=True)  # Normalize log-probs.

        num_sequences = inputs.shape[1]
        hiddens = np.repeat(params["init hiddens"], num_sequences, axis=0)
        output = [hiddens_to_output_probs(hiddens)]

        for input in inputs:  # Iterate over time steps.
            hiddens = update_rnn(input, hiddens)
            output.append(hiddens_to_output_probs(hiddens))
        return output

    def rnn_log_likelihood(params, inputs, targets):
        logprobs = rnn_predict(params, inputs)
        loglik = 0.0
        num_time_steps, num_examples, _ = inputs.shape
        for t in range(num_time_steps):
            loglik += np.sum(logprobs[t] * targets[t])
        return loglik / (num_time_steps * num_examples)

    ### Dataset setup ##################

    def string_to_one_hot(string, maxchar):
        """Converts an ASCII string to a one-of-k encoding."""
        ascii = np.array([ord(c) for c in string]).T
        return np.array(ascii[:, None] == np.arange(maxchar)[None, :], dtype=int)

    def one_hot_to_string(one_hot_matrix):
        return "".join([chr(np.argmax(c)) for c in one_hot_matrix])

    def build_dataset(filename, sequence_length, alphabet_size, max_lines=-1):
        """Loads a text file, and turns each line into an encoded sequence."""
        with open(filename) as f:
            content = f.readlines()
        content = content[:max_lines]
        content = [line for line in content if len(line) > 2]  # Remove blank lines
        seqs = np.zeros((sequence_length, len(content), alphabet_size))
        for ix, line in enumerate(content):
            padded_line = (line + " " * sequence_length)[:sequence_length]
            seqs[:, ix, :] = string_to_one_hot(padded_line, alphabet_size)
        return seqs

    return types.SimpleNamespace(
        sigmoid=sigmoid, concat_and_multiply=concat_and_multiply,
        create_rnn_params=create_rnn_params, rnn_predict=rnn_predict,
        rnn_log_likelihood=rnn_log_likelihood, string_to_one_hot=string_to_one_hot,
        one_hot_to_string=one_hot_to_string, build_dataset=build_dataset)


def run(lib, n_iters: int = 30, num_texts: int = 2, num_letters: int = 10,
        max_lines: int = 60, state_size: int = 40, text_filename: str | None = None):
    np, npr, grad, adam = lib.np, lib.npr, lib.grad, lib.optimizers.adam
    d = definitions(lib)
    rnn_predict, rnn_log_likelihood = d.rnn_predict, d.rnn_log_likelihood
    string_to_one_hot, one_hot_to_string = d.string_to_one_hot, d.one_hot_to_string
    rec = Recorder()
    rec.begin()

    num_chars = 128

    # Learn to predict our own source code.
    text_filename = text_filename or abspath(__file__)
    train_inputs = d.build_dataset(text_filename, sequence_length=30, alphabet_size=num_chars,
                                   max_lines=max_lines)

    init_params = d.create_rnn_params(input_size=128, output_size=128, state_size=state_size,
                                      param_scale=0.01)

    printed = []

    def print_training_prediction(weights):
        printed.append("Training text                         Predicted text")
        logprobs = np.asarray(rnn_predict(weights, train_inputs))
        for t in range(logprobs.shape[1]):
            training_text = one_hot_to_string(train_inputs[:, t, :])
            predicted_text = one_hot_to_string(logprobs[:, t, :])
            printed.append(training_text.replace("\n", " ") + "|"
                           + predicted_text.replace("\n", " "))

    def training_loss(params, iter):
        return -rnn_log_likelihood(params, train_inputs, train_inputs)

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

    # Generating text from RNN...
    rs = npr.RandomState(0)
    texts = []
    for t in range(num_texts):
        text = ""
        for i in range(num_letters):
            seqs = string_to_one_hot(text, num_chars)[:, np.newaxis, :]
            logprobs = rnn_predict(trained_params, seqs)[-1].ravel()
            text += chr(rs.choice(len(logprobs), p=np.exp(logprobs)))
        texts.append(text)
    return rec.finish(losses=losses, params=trained_params, printed="\n".join(printed),
                      texts="\n".join(texts))
