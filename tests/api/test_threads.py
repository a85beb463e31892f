"""The layer stack is per thread: transforms in several threads at once do not see each
other's interpreters."""

from __future__ import annotations

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
