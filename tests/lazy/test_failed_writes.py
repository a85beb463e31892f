"""An in-place op whose error shows only when the graph runs (NOTE [failed evaluation] in
lamina/lazy/graph.py): reading the tensor raises what eager mode raises at the op, and the
tensor and its views are left readable with the value from before the failing write."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp


def _inv(x):
    x += lnp.linalg.inv(lm.asarray([[1.0, 2.0], [2.0, 4.0]]))


def _take(x):
    a = lm.asarray([10.0, 20.0, 30.0, 40.0])
    x[...] = lnp.take(a, lm.asarray([0, 1]) + 5)


def _power(x):
    x **= lm.asarray([[1, -1], [2, 1]]) * 1


CASES = {
    "inv": (np.array([[1.0, 2.0], [3.0, 4.0]]), _inv, np.linalg.LinAlgError),
    "take": (np.array([1.0, 2.0]), _take, IndexError),
    "power": (np.array([[2, 3], [4, 5]]), _power, ValueError),
}


@pytest.mark.parametrize("name", list(CASES))
def test_eager_raises_at_the_op(name):
    start, write, error = CASES[name]
    with lm.config.override(eager=True):
        x = lm.asarray(start)
        with pytest.raises(error):
            write(x)
        np.testing.assert_array_equal(x.numpy(), start)


@pytest.mark.parametrize("read", ["numpy", "view", "eval", "repr"])
@pytest.mark.parametrize("name", list(CASES))
def test_lazy_raises_at_the_read_and_rolls_back(name, read):
    start, write, error = CASES[name]
    for _ in range(3):  # cold and compiled graphs
        x = lm.asarray(start)
        v = x[:1]  # a view
        x.numpy()  # data before the write
        write(x)
        with pytest.raises(error):
            if read == "numpy":
                x.numpy()
            elif read == "view":
                v.numpy()
            elif read == "eval":
                lm.eval(x)
            else:
                repr(x)
        np.testing.assert_array_equal(x.numpy(), start)
        np.testing.assert_array_equal(v.numpy(), start[:1])
        x += 1  # and it stays usable
        np.testing.assert_array_equal(x.numpy(), start + 1)
        np.testing.assert_array_equal(v.numpy(), start[:1] + 1)


def test_later_writes_after_a_failing_one_are_dropped_with_it():
    x = lm.asarray(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x += 1.0  # pending, fine
    _inv(x)  # fails when run
    x *= 2.0  # depends on the failed value
    with pytest.raises(np.linalg.LinAlgError):
        x.numpy()
    # Back to the last value that was data: every write since then is dropped.
    np.testing.assert_array_equal(x.numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_a_pending_result_of_a_failing_graph_raises_the_same_error_on_every_read():
    singular = lm.asarray([[1.0, 2.0], [2.0, 4.0]])
    y = lnp.linalg.inv(singular) + 1
    for _ in range(3):
        with pytest.raises(np.linalg.LinAlgError, match="Singular"):
            y.numpy()
        with pytest.raises(np.linalg.LinAlgError, match="Singular"):
            float(y.sum())


def test_other_tensors_of_a_failing_graph_keep_their_values():
    x = lm.asarray([1.0, 2.0])
    x.numpy()
    x += 1.0  # fine on its own
    y = lm.asarray([[1.0, 2.0], [2.0, 4.0]])
    y += 0.0
    z = lnp.linalg.inv(y).sum() + x.sum()  # fails in inv
    with pytest.raises(np.linalg.LinAlgError):
        float(z)
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0])  # x's own write was fine


@pytest.mark.parametrize("eager", [False, True])
def test_a_failed_write_into_a_tensor_that_never_was_data_rolls_back(eager):
    # Found by the fuzzer: y was pending when the failing write replaced it, so there was no
    # data value to go back to and y stayed unreadable for good.
    with lm.config.override(eager=eager):
        y = lnp.asarray([-2, 1]) + 0
        with pytest.raises(ValueError, match="negative integer powers"):
            y **= y
            y.numpy()  # lazy: the error comes with the read
        np.testing.assert_array_equal(y.numpy(), [-2, 1])
        np.testing.assert_array_equal((y + 1).numpy(), [-1, 2])
