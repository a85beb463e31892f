"""The layer stack is per thread: transforms in several threads at once do not see each
other's interpreters."""

from __future__ import annotations

import sys
import threading

import numpy as np

import lamina as lm
import lamina.numpy as lnp
from lamina import core


def test_grad_and_vmap_in_several_threads():
    results: dict[int, object] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(k: int) -> None:
        try:
            start.wait()
            x = np.linspace(-1.0, 1.0, 5) * (k + 1)
            for _ in range(20):
                g = lm.grad(lambda v: lnp.sum(lnp.sin(v) * v))(x)
                b = lm.vmap(lm.grad(lambda v: lnp.sum(v ** 3)))(np.stack([x, 2 * x]))
            results[k] = (g.numpy(), b.numpy(), core.current_interpreters())
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k, (g, b, stack) in results.items():
        x = np.linspace(-1.0, 1.0, 5) * (k + 1)
        np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), rtol=1e-12)
        np.testing.assert_allclose(b, 3 * np.stack([x, 2 * x]) ** 2, rtol=1e-12)
        assert stack == ()


# -- bounded stress tests: a few threads, a few hundred iterations, each stops by itself ------

def _run_threads(work, n: int = 4, timeout: float = 60.0) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def body(k: int) -> None:
        try:
            start.wait()
            work(k)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(k,), daemon=True) for k in range(n)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so races show up in few iterations
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout)
            assert not t.is_alive(), "a thread did not finish"
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors


def test_evaluating_one_shared_pending_graph_from_several_threads():
    for _ in range(60):
        x = lm.asarray(np.arange(50.0))
        shared = lnp.sin(x) * 2.0 + x
        outs = [lnp.exp(shared * 0.01) + k for k in range(4)]
        expected = np.sin(np.arange(50.0)) * 2.0 + np.arange(50.0)

        def work(k: int, outs=outs, shared=shared, expected=expected) -> None:
            np.testing.assert_allclose(outs[k].numpy(), np.exp(expected * 0.01) + k)
            np.testing.assert_allclose(shared.numpy(), expected)
            np.testing.assert_allclose(float(outs[(k + 1) % 4].sum()),
                                       (np.exp(expected * 0.01) + (k + 1) % 4).sum())

        _run_threads(work)


def test_compile_cache_under_threads():
    def work(k: int) -> None:
        for i in range(200):
            if k == 0 and i % 50 == 0:
                lm.lazy.cache_clear()
            x = lm.asarray(np.full(3, float(i)))
            y = (x * (k + 1.0) + i) ** 2 if i % 3 else lnp.cos(x) + k
            expected = ((np.full(3, float(i)) * (k + 1.0) + i) ** 2 if i % 3
                        else np.cos(np.full(3, float(i))) + k)
            np.testing.assert_allclose(y.numpy(), expected)

    _run_threads(work)


def test_functionalize_in_several_threads():
    buffer = lnp.zeros(3)

    def f(x):
        buffer[:] = x  # a captured tensor: private to each call, in each thread
        buffer[0] += 1.0
        return buffer * 2

    def work(k: int) -> None:
        for i in range(150):
            x = np.full(3, float(k * 1000 + i))
            out = lm.functionalize(f)(x)
            np.testing.assert_array_equal(out.numpy(), 2 * (x + [1.0, 0.0, 0.0]))
            assert buffer.numpy().tolist() == [0.0, 0.0, 0.0]

    _run_threads(work)
    np.testing.assert_array_equal(buffer.numpy(), [0.0, 0.0, 0.0])


def test_functionalize_does_not_roll_back_another_threads_writes():
    shared = lnp.zeros(4)
    stop = threading.Event()

    def f(x):
        shared[1] = x  # private inside functionalize
        return shared.sum()

    def work(k: int) -> None:
        if k == 0:
            for i in range(300):
                shared[0] = float(i)  # a plain write, outside functionalize
                assert shared[0].item() == float(i)
            stop.set()
        else:
            while not stop.is_set():
                lm.functionalize(f)(lm.asarray(5.0))
                assert shared[1].item() == 0.0  # the private write never shows outside

    _run_threads(work, n=3)
    assert shared.numpy().tolist() == [299.0, 0.0, 0.0, 0.0]


def test_view_reads_while_another_thread_writes_the_base():
    base = lm.asarray(np.zeros(8))
    view = base[2:6]
    done = threading.Event()

    def work(k: int) -> None:
        if k == 0:
            for i in range(300):
                base[...] = float(i)
            done.set()
        else:
            while not done.is_set():
                v = view.numpy()
                assert (v == v[0]).all()

    _run_threads(work, n=3)
    # No stale value was kept for good: the view shows the last write.
    np.testing.assert_array_equal(view.numpy(), np.full(4, 299.0))
    np.testing.assert_array_equal(base[2:6].numpy(), np.full(4, 299.0))


def test_transforms_and_lazy_values_in_threads():
    def work(k: int) -> None:
        x = np.linspace(0.0, 1.0, 4) + k
        for _ in range(30):
            w = lm.asarray(x)
            g = lm.grad(lambda v: lnp.sum(lnp.sin(v) ** 2))(w)
            j = lm.jacrev(lambda v, w=w: v * w)(w)
            b = lm.vmap(lambda v, w=w: lnp.dot(v, w))(lm.asarray(np.stack([x, x])))
            np.testing.assert_allclose(g.numpy(), 2 * np.sin(x) * np.cos(x), rtol=1e-12)
            np.testing.assert_allclose(j.numpy(), np.diag(x), rtol=1e-12)
            np.testing.assert_allclose(b.numpy(), [x @ x, x @ x], rtol=1e-12)

    _run_threads(work)


def test_a_kernel_that_evaluates_lamina_tensors_in_threads():
    # Evaluation holds a reentrant lock: a kernel may evaluate lamina tensors itself.
    @lm.library.custom_op("threads_test::via_lamina", mutates_args=())
    def via_lamina(x: np.ndarray) -> np.ndarray:
        return (lm.asarray(x) * 2.0 + 1.0).numpy()

    @via_lamina.register_fake
    def _(x):
        return x

    def work(k: int) -> None:
        for i in range(100):
            x = lm.asarray(np.full(3, float(k + i)))
            np.testing.assert_array_equal(via_lamina(x + 0.0).numpy(), 2.0 * (k + i) + 1.0)

    _run_threads(work)
