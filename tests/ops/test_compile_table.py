"""Every op of the OpInfo table through ``lm.compile`` equals the op without it: the trace,
and a replay of the compiled program, give the same shapes, dtypes and bits (the same kernels
run), and the same errors. ``compile(grad(f))`` equals ``grad(f)`` for the differentiable rows.

An op whose output shape depends on its input's values (boolean masks, ``nonzero``) cannot be
traced: it must raise ``TracedValueError`` under compile, and only such ops may (they are the
ones that evaluate their input while the uncompiled graph is built).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import lamina as lm
from tests.conftest import DEVICES
from tests.ops.conftest import differentiable_rows
from tests.ops.helpers import reproducer, to_lamina
from tests.ops.opinfo import OPS
from tests.ops.test_forward import CUDA_NO_COMPLEX

SAMPLES_PER_ROW = 3


def _cases():
    for info in OPS:
        dtypes = [info.dtypes[0]] + [d for d in info.dtypes[1:] if np.dtype(d).kind == "c"][:1]
        for dtype in dtypes:
            yield pytest.param(info, dtype, id=f"{info.name}-{np.dtype(dtype).name}")


def _samples(info, dtype) -> list:
    rng = np.random.default_rng(zlib.crc32(f"{info.name}/compile".encode()))
    samples = list(info.samples(rng, dtype))
    chosen = samples[:SAMPLES_PER_ROW]
    chosen += [s for s in samples[SAMPLES_PER_ROW:] if s.name == "special values"]
    return chosen


def _leaves(x) -> list:
    if isinstance(x, (tuple, list)):
        return [leaf for e in x for leaf in _leaves(e)]
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in _leaves(x[k])]
    return [x]


def _assert_same(got, want, where: str, random: bool = False, tolerances=None) -> None:
    """Bit for bit on the CPU (the same NumPy kernels run); within the row's tolerances on
    CUDA, where a compiled program fuses elementwise runs into one kernel (NOTE [fusion]),
    whose arithmetic may round differently (contracted multiply-adds)."""
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want), f"{len(got)} outputs, expected {len(want)}{where}"
    for g, w in zip(got, want, strict=True):
        if not isinstance(w, lm.Tensor):
            assert type(g) is type(w) and (g == w or g != g), f"{g!r} != {w!r}{where}"
            continue
        assert isinstance(g, lm.Tensor), f"expected a Tensor, got {type(g)}{where}"
        assert (g.shape, g.dtype) == (w.shape, w.dtype), \
            f"{g.shape} {g.dtype} != {w.shape} {w.dtype}{where}"
        if random:
            continue
        a, b = g.numpy(), w.numpy()
        if tolerances is not None and a.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, *tolerances, equal_nan=True, err_msg=where)
            continue
        np.testing.assert_array_equal(a, b, err_msg=where)
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(np.signbit(a), np.signbit(b), err_msg=where)


def _pending(x):
    if isinstance(x, (lm.Tensor, np.generic)):
        x = lm.asarray(x)
        return lm.numpy.where(True, x, x)
    if isinstance(x, (tuple, list)):
        return type(x)(_pending(e) for e in x)
    if isinstance(x, dict):
        return {k: _pending(v) for k, v in x.items()}
    return x


def _evaluates_while_built(info, args, kwargs) -> bool:
    """Whether the uncompiled op, given pending arguments, runs a graph while it is built: its
    output shape (or a Python value it returns) depends on the values."""
    args, kwargs = _pending(args), _pending(kwargs)
    lm.lazy.reset_metrics()
    try:
        info.op(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the comparison below reports errors
        pass
    m = lm.lazy.metrics()
    return bool(m["executions"] or m["fallbacks"])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("info", "dtype"), list(_cases()))
def test_compiled_op_equals_the_op(info, dtype, device):
    if device == "cuda" and np.dtype(dtype).kind == "c" and info.name in CUDA_NO_COMPLEX:
        pytest.skip("CuPy refuses complex input to this op (tests/ops/test_forward.py)")
    tolerances = info.tolerances(dtype) if device == "cuda" else None
    for sample in _samples(info, dtype):
        where = reproducer(info, sample, dtype, device)
        args = to_lamina(sample.args, device)
        kwargs = to_lamina(sample.kwargs, device)
        compiled = lm.compile(lambda *a, **k: info.op(*a, **k))  # noqa: B023
        try:
            want = info.op(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - compile must raise the same
            with pytest.raises(type(exc)):
                compiled(*args, **kwargs)
            continue
        try:
            got = compiled(*args, **kwargs)
        except lm.TracedValueError:
            assert _evaluates_while_built(info, args, kwargs), \
                f"TracedValueError from an op with a static output shape{where}"
            continue
        _assert_same(got, want, where, info.random, tolerances)
        _assert_same(compiled(*args, **kwargs), want, where + " (replayed)", info.random,
                     tolerances)
        assert compiled.traces == 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("info", list(differentiable_rows("test_compiled_grad_equals_grad")))
def test_compiled_grad_equals_grad(info):
    rng = np.random.default_rng(zlib.crc32(f"{info.name}/compile-grad".encode()))
    checked = 0
    for sample in info.samples(rng, np.float64):
        positions = [i for i, a in enumerate(sample.args)
                     if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if not sample.grad or not positions:
            continue
        args = to_lamina(sample.args, "cpu")
        kwargs = to_lamina(sample.kwargs, "cpu")

        def total(*a, kwargs=kwargs):
            out = info.op(*a, **kwargs)
            return sum(lm.numpy.real(o).sum() for o in _leaves(out)
                       if isinstance(o, lm.Tensor) and o.dtype.kind in "fc")

        g = lm.grad(total, argnums=tuple(positions))
        where = reproducer(info, sample, np.float64, "cpu")
        want = g(*args)
        compiled = lm.compile(g)
        try:
            got = compiled(*args)
        except lm.TracedValueError:
            assert _evaluates_while_built(info, args, kwargs), \
                f"TracedValueError from an op with a static output shape{where}"
            return
        _assert_same(got, want, where)
        _assert_same(compiled(*args), want, where + " (replayed)")
        checked += 1
        if checked == 2:
            break
