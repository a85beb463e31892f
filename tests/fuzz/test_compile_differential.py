"""The differential fuzzer through ``lm.compile``: each random NumPy program (the forward
programs of tests/fuzz/programs.py) becomes a compiled function of its input arrays, traced
once and replayed, and must agree with NumPy on the value each line produced and on the final
value of every array and view, inputs included (their in-place updates are written back to
the caller's tensors by the compiled program).

Programs in which NumPy raises are left out (a compiled call raises as a whole, not per
line), and so are programs that read a value while traced (``TracedValueError``: boolean
masks, ``.item()``); the test checks that most programs run.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.numpy as lnp
from tests.fuzz.programs import Program, forward_programs, namespace
from tests.fuzz.test_differential import EXAMPLES, assert_same_array, run_numpy

DEFAULT_EXAMPLES = 400
_ran = {"compiled": 0, "skipped": 0}


def _function(program: Program):
    """The program after its input lines, as a function of the inputs: the value of each
    checked line's target (a copy, as the line left it) and the final value of every name."""
    n = program.n_inputs
    inputs = [t for t in program.targets[:n]]
    body = list(zip(program.lines[n:], program.targets[n:], strict=True))
    names = list(dict.fromkeys(t for t in program.targets if t is not None))

    def f(*arrays):
        env = namespace(lnp)
        env.update(zip(inputs, arrays, strict=True))
        snapshots = []
        for line, target in body:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(line, "<program>", "exec"), env)  # noqa: S102 - test code
            if target is not None:
                value = env[target]
                snapshots.append(value.copy() if isinstance(value, lm.Tensor) else value)
        return snapshots, {name: env[name] for name in names if name in env}

    return f, inputs


def _inputs(program: Program) -> list:
    env = namespace(lnp)
    for line in program.lines[: program.n_inputs]:
        exec(compile(line, "<program>", "exec"), env)  # noqa: S102 - test code
    return [env[t] for t in program.targets[: program.n_inputs]]


def check_compiled(program: Program) -> None:
    trace, np_env = run_numpy(program)
    if any(o.exc is not None for o in trace):
        _ran["skipped"] += 1
        return
    f, names = _function(program)
    compiled = lm.compile(f)
    header = f"[lm.compile]\n{program.source()}\n"
    expected = [o.value for o, t in zip(trace[program.n_inputs:],
                                        program.targets[program.n_inputs:], strict=True)
                if t is not None]
    for run in ("traced", "replayed"):
        arrays = _inputs(program)
        try:
            snapshots, final = compiled(*arrays)
        except lm.TracedValueError:
            _ran["skipped"] += 1
            return
        for i, (got, want) in enumerate(zip(snapshots, expected, strict=True)):
            assert_same_array(_read(got), want, f"{header}{run}: value {i}")
        for name, value in final.items():
            assert_same_array(_read(value), np.asarray(np_env[name]),
                              f"{header}{run}: final value of {name}")
        for name, array in zip(names, arrays, strict=True):  # written back to the inputs
            assert_same_array(_read(array), np.asarray(np_env[name]),
                              f"{header}{run}: input {name} after the call")
    assert compiled.traces == 1
    _ran["compiled"] += 1


def _read(v) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array(np.asarray(v), copy=True)


@settings(max_examples=EXAMPLES or DEFAULT_EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck), print_blob=True)
@given(forward_programs())
def test_compiled_numpy_programs_agree(program):
    check_compiled(program)


def test_most_programs_run_compiled():
    ran = {"compiled": 0, "skipped": 0}
    _ran.update(ran)

    @settings(max_examples=60, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        check_compiled(data.draw(forward_programs()))

    run()
    assert _ran["compiled"] >= 25, _ran


@pytest.mark.slow
@pytest.mark.skipif(not EXAMPLES, reason="set LAMINA_FUZZ_EXAMPLES to run the long fuzzer")
@settings(max_examples=max(EXAMPLES, 1), derandomize=False, deadline=None,
          suppress_health_check=list(HealthCheck), print_blob=True)
@given(forward_programs(max_steps=12))
def test_compiled_numpy_programs_agree_long(program):
    check_compiled(program)
