"""Differential fuzzer: random NumPy programs run on NumPy and on lamina must agree.

Hypothesis draws short programs (``programs.forward_programs``: ufuncs with Python scalars of
every type on either side, reductions, views, in-place updates through views, ``out=``, index
assignment, copies) over arrays of every dtype, with 0-d and empty shapes and special values
(-0.0, NaN, infinities, huge numbers). The same source runs on NumPy and on lamina in three
modes: lazy interpreted, lazy compiled (run twice, so the second run replays the compiled
program) and eager. After every line the fuzzer compares whether it raised (lamina must raise
the same builtin class) and the value it produced or wrote (dtype, shape, values with NaN
equal to NaN, the sign of zero); at the end, the final value of every array and view the
program made, which is what catches lost writes and aliasing bugs. Half the programs evaluate
after every line, the other half snapshot lazily (``copy()``) and evaluate at the end, so both
small graphs and long pending chains are covered.

The default run uses fixed seeds and a small example count. More examples:

    LAMINA_FUZZ_EXAMPLES=2000 python -m pytest tests/fuzz -p no:randomly -n 0

runs the default tests with that many examples each, and the ``slow`` variants (skipped unless
``LAMINA_FUZZ_EXAMPLES`` is set, since the default run does not deselect ``slow``) draw
random seeds: ``LAMINA_FUZZ_EXAMPLES=20000 python -m pytest tests/fuzz -m slow -n 2``.
A failure prints the program as Python source over ``xp = lnp``; set ``xp = np`` for NumPy.
"""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import lamina as lm
import lamina.numpy as lnp
from tests.fuzz.programs import Program, exec_atomic, exec_line, forward_programs, namespace

EXAMPLES = int(os.environ.get("LAMINA_FUZZ_EXAMPLES", "0"))
DEFAULT_EXAMPLES = 5000

MODES = {
    "interpreted": {"compile_after": 10**9, "eager": False},
    "compiled": {"compile_after": 1, "eager": False},
    "eager": {"eager": True},
}


class Outcome:
    """What one line did: the exception it raised, or the value of its target afterwards."""

    __slots__ = ("exc", "value")

    def __init__(self, exc: BaseException | None = None, value=None) -> None:
        self.exc = exc
        self.value = value


def run_numpy(program: Program) -> tuple[list[Outcome], dict]:
    env = namespace(np)
    trace = []
    for line, target in zip(program.lines, program.targets, strict=True):
        exc = exec_atomic(line, env)
        if exc is None and target is not None:
            if isinstance(env[target], np.generic):  # see _Gen.emit: NumPy scalar -> 0-d
                env[target] = np.asarray(env[target])
            trace.append(Outcome(value=np.array(env[target], copy=True)))
        else:
            trace.append(Outcome(exc=exc))
    return trace, env


def run_lamina(program: Program) -> tuple[list[Outcome], dict]:
    """Run on lamina; values are read at once (``force``) or snapshot lazily and read last."""
    env = namespace(lnp)
    trace = []
    for line, target in zip(program.lines, program.targets, strict=True):
        exc = exec_line(line, env)
        value = None
        if exc is None and target in env:
            v = env[target]
            if program.force:
                try:
                    value = _read(v)
                except Exception as e:  # noqa: BLE001 - compared with NumPy's outcome
                    exc = e
            else:
                value = v.copy() if isinstance(v, lm.Tensor) else v
        trace.append(Outcome(exc=exc, value=value))
    for outcome in trace:
        if outcome.exc is None and outcome.value is not None:
            outcome.value = _read(outcome.value)
    return trace, env


def _read(v) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array(np.asarray(v), copy=True)


def builtin_bases(exc: BaseException) -> tuple[type, ...]:
    """The builtin exception classes NumPy's exception is (``AxisError``: ValueError and
    IndexError; ``UFuncTypeError``: TypeError)."""
    return tuple(c for c in type(exc).__mro__
                 if c.__module__ == "builtins" and c not in (BaseException, Exception, object))


def assert_same_array(actual: np.ndarray, expected: np.ndarray, what: str,
                      atol: np.ndarray | float = 0.0) -> None:
    """Same dtype, shape and values: integers and bools exactly; floats to a few ulp, NaN
    equal to NaN, infinities exactly, and the sign of zero where both are zero."""
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    kind = expected.dtype.kind
    if kind == "c":
        # Complex products round relative to the modulus, not to each part: z * z's real part
        # a*a - b*b may be exactly 0 one way and 1e-28 another, for |z|**2 = 2e-10.
        rtol = 1e-5 if expected.dtype == np.complex64 else 1e-12
        with np.errstate(all="ignore"):
            modulus = np.abs(expected)
        scale = rtol * np.where(np.isfinite(modulus), modulus, 0.0)
        assert_same_array(actual.real, expected.real, what + " (real part)", scale)
        assert_same_array(actual.imag, expected.imag, what + " (imaginary part)", scale)
    elif kind == "f":
        rtol = 1e-5 if expected.dtype == np.float32 else 1e-12
        close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
        if not close.all():
            raise AssertionError(
                f"{what}\nvalues differ at {np.argwhere(~close).tolist()[:5]}:\n"
                f" ACTUAL: {actual!r}\n DESIRED: {expected!r}")
        zero = (expected == 0) & (actual == 0)
        np.testing.assert_array_equal(np.signbit(actual[zero]), np.signbit(expected[zero]),
                                      err_msg=what + ": sign of zero")
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


class Mismatch(AssertionError):
    """lamina disagreed with NumPy; ``signature`` names the kind of disagreement and the
    statement, without the values, so a long run can count distinct defects."""

    def __init__(self, message: str, kind: str, line: str) -> None:
        super().__init__(message)
        self.signature = f"{kind} | {normalize(line)}"


def normalize(line: str) -> str:
    """A line with its variables and literals abstracted: ``v3 = xp.add(v0, -0.0)`` ->
    ``v = xp.add(v, N)``."""
    line = re.sub(r"\bv\d+\b", "v", line)
    line = re.sub(r"complex\([^()]*\)", "N", line)
    line = re.sub(r"(?<![\w.])-?(\d+\.?\d*(e[+-]?\d+)?|nan|inf)\b", "N", line)
    line = re.sub(r"\[[N, ]*\]", "[N]", line)
    return line


def compare(program: Program, expected: tuple, actual: tuple, mode: str) -> None:
    (np_trace, np_env), (lm_trace, lm_env) = expected, actual
    header = f"[{mode}, force={program.force}]\n{program.source()}\n"
    for i, (e, a) in enumerate(zip(np_trace, lm_trace, strict=True)):
        line = program.lines[i]
        where = f"{header}line {i + 1}: {line}"
        if e.exc is not None:
            if a.exc is None:
                raise Mismatch(f"{where}\nNumPy raised {e.exc!r}; lamina did not",
                               f"lamina does not raise {type(e.exc).__name__}", line)
            bases = builtin_bases(e.exc)
            if program.lenient[i]:
                # NOTE [several faults] (programs.py): which error comes first is not compared
                bases += (TypeError, ValueError, IndexError, OverflowError)
            if not isinstance(a.exc, bases):
                raise Mismatch(
                    f"{where}\nNumPy raised {e.exc!r}; lamina raised {a.exc!r}, not a "
                    f"{' or '.join(b.__name__ for b in bases)}",
                    f"{type(a.exc).__name__} instead of {bases[0].__name__}", line)
            continue
        if a.exc is not None:
            raise Mismatch(f"{where}\nlamina raised {a.exc!r}; NumPy did not",
                           f"lamina raises {type(a.exc).__name__}", line) from a.exc
        if e.value is not None:
            try:
                assert_same_array(a.value, e.value, f"{where}\nvalue of {program.targets[i]}")
            except AssertionError as exc:
                raise Mismatch(str(exc), f"value ({_what_differs(exc)}, {mode})",
                               line) from None
    names = [t for t, o in zip(program.targets, np_trace, strict=True) if t and o.exc is None]
    last = next((ln for ln, t in zip(program.lines[::-1], program.targets[::-1], strict=True)
                 if t is not None and " = " not in ln.split("[")[0]), "")
    for name in dict.fromkeys(names):
        try:
            value = _read(lm_env[name])
        except Exception as exc:
            raise Mismatch(f"{header}reading {name} at the end raised {exc!r}",
                           f"final read raises {type(exc).__name__}", last) from exc
        try:
            assert_same_array(value, np.asarray(np_env[name]), f"{header}final value of {name}")
        except AssertionError as exc:
            raise Mismatch(str(exc), f"final value ({_what_differs(exc)})", last) from None


def _what_differs(exc: AssertionError) -> str:
    text = str(exc)
    for key in ("dtype", "shape", "sign of zero"):
        if f": {key}" in text:
            return key
    return "values"


def check_program(program: Program) -> None:
    expected = run_numpy(program)
    for mode, overrides in MODES.items():
        with lm.config.override(**overrides):
            compare(program, expected, run_lamina(program), mode)
            if mode == "compiled":  # the second run replays the compiled program
                compare(program, expected, run_lamina(program), mode + " (second run)")


_SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)


@settings(max_examples=EXAMPLES or DEFAULT_EXAMPLES, derandomize=True, **_SETTINGS)
@given(forward_programs())
def test_numpy_programs_agree(program):
    check_program(program)


@pytest.mark.slow
@pytest.mark.skipif(not EXAMPLES, reason="set LAMINA_FUZZ_EXAMPLES to run the long fuzzer")
@settings(max_examples=max(EXAMPLES, 1), derandomize=False, **_SETTINGS)
@given(forward_programs(max_steps=12))
def test_numpy_programs_agree_long(program):
    check_program(program)
