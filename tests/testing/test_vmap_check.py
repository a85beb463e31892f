"""``lamina.testing.check_vmap``: vmap against a Python loop over the batch."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.core import bind
from lamina.ops import reduction
from lamina.testing import check_vmap

RNG = np.random.default_rng(0)


def _t(*shape, dtype=np.float64):
    return lm.asarray(RNG.standard_normal(shape).astype(dtype))


def test_passes_for_batch_safe_functions_and_returns_none():
    x = _t(4, 3)
    assert check_vmap(lnp.sin, (x,)) is None
    check_vmap(lambda r: lnp.cumsum(r) * r.max(), (x,))
    check_vmap(lnp.sum, (x,), in_dims=1)
    check_vmap(lnp.sum, (x,), in_dims=-1)


def test_in_dims_tuple_with_none_and_nested_prefixes():
    w, xs, ys = _t(3, 2), _t(5, 4, 3), _t(2, 5)

    def loss(w, x, y):
        return lnp.mean((lnp.tanh(x @ w) - y) ** 2)

    check_vmap(loss, (w, xs, ys), in_dims=(None, 0, 1))
    check_vmap(lm.grad(loss), (w, xs, ys), in_dims=(None, 0, 1))
    # a pytree argument, with a prefix giving each of its leaves its own in_dim
    check_vmap(lambda p, x: p["a"] @ x + p["b"], ({"a": _t(4, 3, 3), "b": 2.0}, _t(3, 4)),
               in_dims=({"a": 0, "b": None}, 1))
    check_vmap(lambda pair: pair[0] * pair[1], ((_t(3, 2), _t(2, 3)),), in_dims=((0, 1),))


def test_out_dims_pytrees_and_unbatched_outputs():
    x, y = _t(3, 4), _t(4)
    check_vmap(lambda a, b: {"sum": a + b, "const": b * 2}, (x, y), in_dims=(0, None),
               out_dims={"sum": 1, "const": None})
    check_vmap(lambda a: (lnp.outer(a, a), a.sum()), (x,), out_dims=(-1, 0))


def test_numpy_inputs_and_integer_outputs_compare_exactly():
    x = RNG.standard_normal((4, 5))
    check_vmap(lambda r: lnp.argmax(r), (x,))
    check_vmap(lambda r: (r > 0).sum(), (x,), in_dims=1)


def test_float32_default_tolerance_allows_summation_order():
    a, b = _t(8, 16, 32, dtype=np.float32), _t(32, 16, dtype=np.float32)
    check_vmap(lnp.matmul, (a, b), in_dims=(0, None))


def _cumsum_batch_forgetting_the_batch_axis(args, bdims, *, axis, dtype):
    # The classic batch-rule bug: the logical axis is used as the physical one, so with the
    # batch axis in front cumsum runs over the batch instead of along each element.
    (x,), (d,) = args, bdims
    return bind(reduction.cumsum_p, x, axis=axis, dtype=dtype), d


def test_catches_a_wrong_batch_rule(monkeypatch):
    x = lm.asarray(np.arange(12.0).reshape(3, 4))
    check_vmap(lambda r: (r * 2, lnp.cumsum(r)), (x,))
    monkeypatch.setattr(reduction.cumsum_p, "batch", _cumsum_batch_forgetting_the_batch_axis)
    with pytest.raises(AssertionError,
                       match=r"(?s)check_vmap\(<lambda>, in_dims=0, out_dims=0\): output \[1\] "
                             r"differs between vmap and a Python loop over the batch at batch "
                             r"element\(s\) 0, 1, 2 \(of 3\).*Mismatched elements: 2 / 4"):
        check_vmap(lambda r: (r * 2, lnp.cumsum(r)), (x,))
    # Only the elements that differ are listed: with the bug, element b is the sum of rows
    # 0..b instead of the running sum of row b; both are [0, 0] for element 0 here.
    y = lm.asarray([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(AssertionError, match=r"the output differs .* at batch element\(s\) 1, 2 "
                                             r"\(of 3\)\. Batch element 1"):
        check_vmap(lnp.cumsum, (y,))
    # With the batch axis after the summed axis the buggy rule happens to be right: test every
    # placement of the batch axis, as the OpInfo tests do.
    check_vmap(lnp.cumsum, (x,), in_dims=1, out_dims=1)


def test_catches_a_function_with_python_side_effects():
    # A counter of calls: vmap traces the function once, the loop calls it per element.
    calls = []

    def stateful(x):
        calls.append(None)
        return x * len(calls)

    with pytest.raises(AssertionError, match=r"the output differs between vmap and a Python "
                                             r"loop over the batch at batch element\(s\) 0, 1"):
        check_vmap(stateful, (_t(2, 3),))


def test_explicit_tolerances_are_used():
    calls = []

    def drifting(x):  # each call adds a little more than the last
        calls.append(None)
        return x + 1e-6 * len(calls)

    check_vmap(drifting, (_t(3, 2),), atol=1e-5)
    with pytest.raises(AssertionError, match="atol=1e-09"):
        check_vmap(drifting, (_t(3, 2),), atol=1e-9, rtol=0)


def test_invalid_calls_raise_vmaps_errors_or_a_type_error():
    x = _t(3, 2)
    with pytest.raises(TypeError, match=r"args is the tuple of positional arguments of f, got a "
                                        r"Tensor; for a single argument write args=\(x,\)"):
        check_vmap(lnp.sin, x)
    with pytest.raises(ValueError, match="in_dims has 2 entries but the function was called "
                                         "with 1 positional argument"):
        check_vmap(lnp.sin, (x,), in_dims=(0, 0))
    with pytest.raises(ValueError, match="Expected all batched inputs to have the same batch "
                                         "size"):
        check_vmap(lnp.add, (x, _t(4, 2)))


@pytest.mark.gpu
def test_on_cuda():
    x = lm.asarray(RNG.standard_normal((4, 3)), device="cuda")
    check_vmap(lambda r: lnp.cumsum(lnp.tanh(r)), (x,))
    check_vmap(lnp.dot, (x, lm.asarray([1.0, 2.0, 3.0], device="cuda")), in_dims=(0, None))
