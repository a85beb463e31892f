"""Transform edge cases found from outside (the trust issue), each with the call that found it.

Outputs that are not tensors, complex outputs and cotangents, chunked vmap (randomness and
failures), and in-place writes into captured tensors with constant values.
"""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

# -- outputs that are (), None or constants ------------------------------------------------------

@pytest.mark.parametrize("out", [(), None, [], {}])
@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobian_of_an_empty_output_is_that_output(jac, out):
    # jacrev used to raise a bare IndexError; JAX returns the empty structure.
    result = getattr(lm, jac)(lambda a: out)(lm.asarray([1.0, 2.0]))
    assert result == out


@pytest.mark.parametrize("const", [1.0, 3, True, np.float64(2.0), np.ones(())])
def test_grad_of_a_constant_output_is_zeros_like_the_input(const):
    # autograd gives zeros for an output that does not depend on the input; lamina raised.
    g = lm.grad(lambda x: const)(2.0)
    assert g.shape == () and g.dtype == np.float64 and float(g) == 0.0
    g = lm.grad(lambda x: const)(lm.asarray([1.0, 2.0], dtype="float32"))
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    assert g.dtype == np.float32


def test_value_and_grad_of_a_constant_output():
    v, g = lm.value_and_grad(lambda x: 2.5)(lm.asarray([1.0, 2.0]))
    assert float(v) == 2.5
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


# -- complex outputs and cotangents ---------------------------------------------------------------

def test_grad_of_a_complex_output_raises_naming_vjp():
    # It silently dropped the imaginary part; JAX, autograd and torch raise.
    z = lm.asarray(3 + 4j)
    with pytest.raises(TypeError, match="vjp"):
        lm.grad(lambda z: z * z)(z)
    with pytest.raises(TypeError, match="real scalar"):
        lm.grad(lambda x: (x * 1j).sum())(lm.asarray([1.0]))


def test_grad_of_a_real_function_of_complex_input_still_works():
    g = lm.grad(lambda z: (z * lnp.conj(z)).real)(lm.asarray(3 + 4j))
    assert complex(g) == pytest.approx(6 - 8j)  # JAX's convention: the conjugate


def test_complex_cotangent_for_a_real_output_raises():
    # It was silently truncated to its real part.
    _, vjp_fn = lm.vjp(lambda x: x * 2, lm.asarray(3.0))
    with pytest.raises(TypeError, match="complex cotangent"):
        vjp_fn(lm.asarray(1 + 1j))
    (g,) = vjp_fn(lm.asarray(1.0))  # a real one is fine
    assert float(g) == 2.0


def test_complex_output_takes_complex_cotangents():
    _, vjp_fn = lm.vjp(lambda z: z * z, lm.asarray(1 + 2j))
    (g,) = vjp_fn(lm.asarray(1j))
    assert complex(g) == pytest.approx(1j * 2 * (1 + 2j))


# -- chunked vmap -------------------------------------------------------------------------------

@pytest.mark.parametrize("chunk_size", [1, 2, 3])
def test_randomness_same_draws_once_with_chunks(chunk_size):
    # Each chunk drew again, so the batch saw chunk-many different numbers.
    lnp.random.seed(0)
    out = lm.vmap(lambda a: a + lnp.random.random(), randomness="same",
                  chunk_size=chunk_size)(lnp.zeros(5))
    values = out.numpy()
    assert np.all(values == values[0])


def test_randomness_different_with_chunks_differs_per_element():
    out = lm.vmap(lambda a: a + lnp.random.random(), randomness="different",
                  chunk_size=2)(lnp.zeros(5)).numpy()
    assert len(set(out.tolist())) == 5


def test_a_chunk_that_fails_leaves_every_input_as_it_was():
    calls = []

    def f(x):
        calls.append(1)
        x += 1.0
        if len(calls) == 2:
            raise ValueError("second chunk fails")
        return x.sum()

    x = lm.asarray(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="second chunk"):
        lm.vmap(f, chunk_size=2)(x)
    np.testing.assert_array_equal(x.numpy(), np.zeros((4, 2)))  # chunk 1's write undone


def test_chunked_vmap_writes_an_unbatched_input_once():
    # An unbatched input written in every chunk got the write once per chunk.
    def f(row, counter):
        counter += 1.0
        return row.sum()

    counter = lm.asarray(0.0)
    x = lm.asarray(np.ones((4, 2)))
    lm.vmap(f, in_dims=(0, None), chunk_size=1)(x, counter)
    assert float(counter) == 1.0
    counter2 = lm.asarray(0.0)
    lm.vmap(f, in_dims=(0, None))(x, counter2)
    assert float(counter2) == 1.0


def test_chunked_vmap_writes_batched_inputs_per_chunk():
    def f(row):
        row *= 2.0
        return row.sum()

    x = lm.asarray(np.arange(8.0).reshape(4, 2))
    out = lm.vmap(f, chunk_size=3)(x)
    np.testing.assert_array_equal(x.numpy(), 2 * np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(out.numpy(), (2 * np.arange(8.0).reshape(4, 2)).sum(1))
