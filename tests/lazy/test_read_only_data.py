"""Nothing a user holds can change lamina's data (NOTE [lamina's arrays are read-only] in
lamina/lazy/graph.py): ``np.asarray(t)`` cannot be made writable, and custom-op kernels get
read-only arrays unless ``mutates_args`` declares the write."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

SOURCES = {
    "from_list": lambda: lm.asarray([1.0, 2.0, 3.0]),
    "from_numpy": lambda: lm.asarray(np.array([1.0, 2.0, 3.0])),
    "evaluated": lambda: lm.asarray([0.5, 1.0, 1.5]) * 2.0,
    "view": lambda: (lm.asarray([[1.0, 2.0, 3.0]]) + 0.0)[0],
    "transposed": lambda: (lm.asarray([[1.0], [2.0], [3.0]]) + 0.0).T[0],
    "eager": lambda: _eager(lambda: lm.asarray([0.5, 1.0, 1.5]) * 2.0),
    "fallback": lambda: lnp.nonzero(lm.asarray([1.0, 1.0, 1.0]))[0] + 1.0,
}


def _eager(make):
    with lm.config.override(eager=True):
        return make()


@pytest.mark.parametrize("name", list(SOURCES))
def test_asarray_cannot_be_made_writable(name):
    for _ in range(3):
        t = SOURCES[name]()
        a = np.asarray(t)
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a.flags.writeable = True
        with pytest.raises(ValueError):
            a[0] = 100.0
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("name", list(SOURCES))
def test_asarray_base_cannot_be_made_writable(name):
    # The owner of the memory could be made writable again (NumPy allows it for owners), so
    # the view handed out has a read-only buffer as its base, with no flags to flip.
    t = SOURCES[name]()
    a = np.asarray(t)
    base = a
    while getattr(base, "base", None) is not None and isinstance(base.base, np.ndarray):
        base = base.base
        with pytest.raises(ValueError):
            base.flags.writeable = True
    assert not isinstance(a.base, np.ndarray)
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0])


def test_constants_cannot_be_corrupted():
    t = lm.asarray([1.0, 2.0])
    c = np.asarray(t * 2.0)
    with pytest.raises(ValueError):
        c.flags.writeable = True
    np.testing.assert_array_equal((t * 2.0).numpy(), [2.0, 4.0])


def test_numpy_copy_and_copy_true_are_writable():
    t = lm.asarray([1.0, 2.0])
    a = t.numpy()
    a[0] = 100
    b = np.array(t)
    b[0] = 100
    c = np.asarray(t, dtype=np.float32)
    c[0] = 100
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_compiled_programs_still_reuse_buffers():
    lm.lazy.reset_metrics()
    x = lm.asarray(np.arange(6.0))
    for _ in range(4):
        y = lnp.exp(lnp.sin(x) * 2.0 + 1.0) - x
        a = np.arange(6.0)
        np.testing.assert_allclose(y.numpy(), np.exp(np.sin(a) * 2 + 1) - a)
    assert lm.lazy.metrics()["buffers_reused"] > 0


def test_custom_op_kernel_writing_an_undeclared_input_raises_naming_the_op():
    @lm.library.custom_op("readonly_test::sneaky", mutates_args=())
    def sneaky(x: np.ndarray) -> np.ndarray:
        x[0] = 100.0
        return x * 1

    for lazy in (False, True):
        if lazy:
            @sneaky.register_fake
            def _(x):
                return x
        t = lm.asarray([1.0, 2.0])
        u = t + 0.0  # a pending intermediate as the kernel's input
        with pytest.raises(ValueError, match="readonly_test::sneaky.*read-only"):
            sneaky(u).numpy()
        np.testing.assert_array_equal(u.numpy(), [1.0, 2.0])
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_custom_op_declared_writes_still_work():
    @lm.library.custom_op("readonly_test::add_one_", mutates_args=("x",))
    def add_one_(x: np.ndarray) -> None:
        x += 1.0

    t = lm.asarray([1.0, 2.0])
    a = np.asarray(t)
    add_one_(t)
    np.testing.assert_array_equal(t.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(a, [1.0, 2.0])  # the old data is untouched
