"""Derivative fuzzer: random differentiable programs, every transform against NumPy.

Hypothesis draws compositions of differentiable ``lnp`` ops (``programs.derivative_programs``:
elementwise ops kept inside their domains, reductions, views, gathers with repeated indices,
stacking, matmul, in-place updates on copies) over float64 inputs that include 0-d arrays and
values like 0.0 and 1.0. The reference is the same program run on NumPy, differentiated by
central finite differences (Richardson-extrapolated, so the check can be tight). Checked:

- ``lm.grad`` of ``f(...).sum()``: the ones seed users actually pass (a random-cotangent check
  such as ``check_grads`` can miss a rule that is only wrong for ones);
- ``lm.jvp`` with ones tangents and with random tangents;
- ``lm.vjp`` with ones and with random cotangents;
- ``lm.vmap(f)`` and ``lm.vmap(lm.grad(...))`` against Python loops (random ``in_dims`` per
  argument, 0 or None);
- ``lm.hessian`` of the sum against second differences, for small single-input programs.

The default run uses fixed seeds; ``LAMINA_FUZZ_EXAMPLES=N`` sets the example count, and the
``slow`` variant (skipped unless that variable is set) draws random seeds:

    LAMINA_FUZZ_EXAMPLES=5000 python -m pytest tests/fuzz/test_derivatives.py -m slow -n 2

A failure prints the program as a function ``f`` over ``xp = lnp`` with its inputs.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import lamina as lm
import lamina.numpy as lnp
from tests.fuzz.programs import Program, derivative_programs, exec_line, namespace

EXAMPLES = int(os.environ.get("LAMINA_FUZZ_EXAMPLES", "0"))
DEFAULT_EXAMPLES = 2400
EPS = 2e-5  # small: chains such as rad2deg(rad2deg(x)) scale the step by 3e3
RTOL, ATOL = 1e-6, 1e-6


def make_function(program: Program, xp):
    """The program as a Python function of its inputs, over ``xp``."""
    code = [compile(line, "<program>", "exec") for line in program.lines]

    def f(*args):
        env = namespace(xp)
        env.update(zip(program.inputs, args, strict=True))
        for c in code:
            exec(c, env)  # noqa: S102 - generated test code
        return env[program.output]

    return f


def _numpy_f(program: Program):
    f = make_function(program, np)

    def run(*args):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(f(*[np.array(a, dtype=np.float64) for a in args]),
                              dtype=np.float64)

    return run


def _directional(f, xs: list, vs: list) -> np.ndarray:
    """d/dt f(xs + t vs) at 0: central differences, Richardson-extrapolated (error O(h^4))."""
    def diff(h):
        plus = f(*[x + h * v for x, v in zip(xs, vs, strict=True)])
        minus = f(*[x - h * v for x, v in zip(xs, vs, strict=True)])
        return (plus - minus) / (2 * h)

    return (4 * diff(EPS / 2) - diff(EPS)) / 3


def jacobian(f, xs: list) -> np.ndarray:
    """The Jacobian of ``f`` (flattened output) by finite differences, one column per input
    element (inputs flattened and concatenated)."""
    cols = []
    for i, x in enumerate(xs):
        for j in range(x.size):
            vs = [np.zeros_like(y) for y in xs]
            vs[i].reshape(-1)[j] = 1.0
            cols.append(_directional(f, xs, vs).reshape(-1))
    n_out = np.asarray(f(*xs)).size
    return np.stack(cols, axis=1) if cols else np.zeros((n_out, 0))


def _split(flat: np.ndarray, like: list) -> list:
    out, start = [], 0
    for x in like:
        out.append(flat[start:start + x.size].reshape(x.shape))
        start += x.size
    return out


def _close(actual, expected, what: str, program: Program) -> None:
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    msg = f"{what}\n{program.source()}"
    assert actual.shape == expected.shape, f"{msg}\nshape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale, err_msg=msg)


def _tensors(xs: list) -> list:
    return [lm.asarray(x.copy()) for x in xs]


def check_program(program: Program, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    xs = [np.array(v, dtype=np.float64) for v in program.input_values]
    f_np, f_lm = _numpy_f(program), make_function(program, lnp)
    n = len(xs)
    argnums = tuple(range(n))

    out = f_np(*xs)
    _close(lm.asarray(f_lm(*_tensors(xs))).numpy(), out, "forward value", program)
    J = jacobian(f_np, xs)

    # grad of the sum: the ones seed
    g = lm.grad(lambda *a: f_lm(*a).sum(), argnums=argnums)(*_tensors(xs))
    for i, (gi, ref) in enumerate(zip(g, _split(J.sum(axis=0), xs), strict=True)):
        _close(gi.numpy(), ref, f"grad of f(...).sum() w.r.t. input {i}", program)

    # vjp with ones and random cotangents
    for label, u in (("ones", np.ones(out.shape)), ("random", rng.standard_normal(out.shape))):
        _, vjp_fn = lm.vjp(f_lm, *_tensors(xs))
        cts = vjp_fn(lm.asarray(u))
        refs = _split(u.reshape(-1) @ J, xs)
        for i, (ci, ref) in enumerate(zip(cts, refs, strict=True)):
            _close(ci.numpy(), ref, f"vjp ({label} cotangent) w.r.t. input {i}", program)

    # jvp with ones and random tangents
    for label, vs in (("ones", [np.ones_like(x) for x in xs]),
                      ("random", [rng.standard_normal(x.shape) for x in xs])):
        primal, tangent = lm.jvp(f_lm, tuple(_tensors(xs)), tuple(_tensors(vs)))
        flat = np.concatenate([v.reshape(-1) for v in vs]) if vs else np.zeros(0)
        _close(primal.numpy(), out, f"jvp ({label} tangents): primal", program)
        _close(tangent.numpy(), (J @ flat).reshape(out.shape),
               f"jvp ({label} tangents): tangent", program)

    # vmap against a Python loop
    batch = 3
    in_dims = tuple(int(d) if d >= 0 else None for d in rng.integers(-1, 1, size=n))
    if all(d is None for d in in_dims):
        in_dims = (0,) + in_dims[1:]
    stacked = [np.stack([x + 0.01 * b for b in range(batch)]) if d == 0 else x
               for x, d in zip(xs, in_dims, strict=True)]
    loop = np.stack([f_np(*[s[b] if d == 0 else s for s, d in zip(stacked, in_dims,
                                                                    strict=True)])
                     for b in range(batch)])
    # README: writing a batched value into a tensor made from unbatched values raises under
    # plain vmap, and vmap(functionalize(f)) is the documented way: programs that mutate use it
    mutates = any(";" in line for line in program.lines) and None in in_dims
    g_lm = lm.functionalize(f_lm) if mutates else f_lm
    got = lm.vmap(g_lm, in_dims=in_dims)(*_tensors(stacked))
    msg = f"vmap({'functionalize(f)' if mutates else 'f'}, in_dims={in_dims}) against a loop"
    actual = got.numpy()
    assert actual.shape == loop.shape, f"{msg}\n{program.source()}\n{actual.shape} != {loop.shape}"
    np.testing.assert_allclose(actual, loop, rtol=1e-10, atol=1e-12, equal_nan=True,
                               err_msg=f"{msg}\n{program.source()}")

    # vmap of grad (per-sample gradients) against a loop of grad
    if not mutates:
        def grad_sum(*a):
            return lm.grad(lambda *b: f_lm(*b).sum(), argnums=0)(*a)

        per_sample = lm.vmap(grad_sum, in_dims=in_dims)(*_tensors(stacked)).numpy()
        looped = np.stack([
            grad_sum(*_tensors([s[b] if d == 0 else s
                                for s, d in zip(stacked, in_dims, strict=True)])).numpy()
            for b in range(batch)])
        np.testing.assert_allclose(
            per_sample, looped, rtol=1e-10, atol=1e-12, equal_nan=True,
            err_msg=f"vmap(grad(f(...).sum()), in_dims={in_dims}) against a loop\n"
                    f"{program.source()}")

    # hessian of the sum, for small single-input programs (cost: 4 * size^2 evaluations)
    if n == 1 and 0 < xs[0].size <= 6 and not program.skip_hessian:
        x = xs[0]

        def total(y):
            return f_np(y).sum()

        def second_differences(h):
            H = np.empty((x.size, x.size))
            for a in range(x.size):
                for b in range(x.size):
                    ea = np.zeros(x.size)
                    ea[a] = h
                    eb = np.zeros(x.size)
                    eb[b] = h
                    ea, eb = ea.reshape(x.shape), eb.reshape(x.shape)
                    H[a, b] = (total(x + ea + eb) - total(x + ea - eb) - total(x - ea + eb)
                               + total(x - ea - eb)) / (4 * h * h)
            return H

        # Richardson; steps reach 4e-4 from x, inside the generator's 1e-3 margins from kinks
        H = (4 * second_differences(1e-4) - second_differences(2e-4)) / 3
        got = lm.hessian(lambda y: f_lm(y).sum())(lm.asarray(x.copy())).numpy()
        expected = H.reshape(x.shape + x.shape)
        scale = max(1.0, float(np.max(np.abs(expected))))
        rounding = 1e-6 * max(1.0, abs(float(total(x))))  # ~ 10 ulp(f) / h^2
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale + rounding,
                                   err_msg=f"hessian of f(x).sum()\n{program.source()}")


_SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)


@settings(max_examples=EXAMPLES or DEFAULT_EXAMPLES, derandomize=True, **_SETTINGS)
@given(derivative_programs())
def test_derivatives_agree_with_finite_differences(program):
    check_program(program)


@pytest.mark.slow
@pytest.mark.skipif(not EXAMPLES, reason="set LAMINA_FUZZ_EXAMPLES to run the long fuzzer")
@settings(max_examples=max(EXAMPLES, 1), derandomize=False, **_SETTINGS)
@given(derivative_programs(max_steps=10, max_inputs=3))
def test_derivatives_agree_long(program):
    check_program(program)


def test_exec_line_reports_exceptions():
    """The program runner returns errors instead of raising (the fuzzers compare them)."""
    env = namespace(np)
    assert isinstance(exec_line("v0 = xp.zeros(2)[5]", env), IndexError)
    assert exec_line("v0 = xp.zeros(2)", env) is None and env["v0"].shape == (2,)
