"""CPU fusion of elementwise runs with numba, for programs compiled by ``lm.compile``.

NOTE [CPU fusion]: NumPy runs each elementwise op as its own pass over memory, writing a full
temporary array per op; on arrays larger than the caches the time goes to memory traffic, not
arithmetic. A compiled program's runs of elementwise float64 ops over one output shape are
therefore turned into one numba ``vectorize`` kernel each: one pass, no temporaries. numba
was chosen by measurement (single-threaded, 2**22 float64 elements, this machine): the
gradient of ``sum(exp(sin(x) cos(x) + x^2))`` took 270 ms in NumPy, 209 ms as one numexpr
expression and 133 ms as one numba kernel; the tanh backward ``g * (1 - h*h)`` 28.2, 20.3
and 13.1 ms. Both gave NumPy's bits on float64. numba is an optional dependency
(``pip install lamina[fast]``): without it programs run unfused, as before.

What is fused, and why only that:
- float64 or float32 runs, every operand of the run's one dtype: each kernel is compiled for
  that signature, so float32 stays float32 throughout; mixed dtypes would need NumPy's casting
  rules, and numba's complex functions need not match NumPy's at branch cuts and infinities.
  float32 runs hold arithmetic only (``_F32_OPS``): NumPy's SIMD float32 ``sin``, ``exp``, ...
  beat a scalar kernel's;
- the ops of ``_EXPRESSIONS``, whose numba lowering follows IEEE arithmetic or the C math
  library as NumPy's loops do (NumPy computes ``tanh``, and float32 ``exp``, ``log``, ``sin``
  and ``cos``, with its own SIMD approximations: up to 3 units in the last place apart; NaNs
  may differ in sign);
- outputs of at least ``MIN_SIZE`` elements: below it a kernel call (about 5 us) costs more than
  the passes it saves;
- each kernel has one output: a run is cut after every op whose result is needed outside it.

Each kernel is compiled on its first call (about 0.1 s; the first kernel of a process also
loads numba, about 1 s), at the trace of the compiled function, and kept for the process by
its source, so equal runs in other programs reuse it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["available", "fusion_groups", "MIN_SIZE"]

MIN_SIZE = 8192
_FLOATS = {np.dtype(np.float64): "float64", np.dtype(np.float32): "float32"}
_EXPRESSIONS = {
    "add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}",
    "divide": "{0} / {1}", "true_divide": "{0} / {1}", "negative": "-{0}", "positive": "{0}",
    "square": "{0} * {0}", "reciprocal": "1.0 / {0}", "absolute": "np.abs({0})",
    "sqrt": "np.sqrt({0})", "exp": "np.exp({0})", "expm1": "np.expm1({0})",
    "exp2": "np.exp2({0})", "log": "np.log({0})", "log1p": "np.log1p({0})",
    "log2": "np.log2({0})", "log10": "np.log10({0})", "sin": "np.sin({0})",
    "cos": "np.cos({0})", "tan": "np.tan({0})", "arcsin": "np.arcsin({0})",
    "arccos": "np.arccos({0})", "arctan": "np.arctan({0})", "sinh": "np.sinh({0})",
    "cosh": "np.cosh({0})", "tanh": "np.tanh({0})", "arcsinh": "np.arcsinh({0})",
    "arccosh": "np.arccosh({0})", "arctanh": "np.arctanh({0})",
    "arctan2": "np.arctan2({0}, {1})", "hypot": "np.hypot({0}, {1})",
}
# NumPy computes float32 transcendental functions with SIMD approximations that a scalar
# kernel does not beat (the 2**22-element chain gradient: NumPy 68 ms, fused 77 ms), so float32
# runs fuse the memory-bound arithmetic around them only.
_F32 = np.dtype(np.float32)
_F32_OPS = frozenset("add subtract multiply divide true_divide negative positive square "
                     "reciprocal absolute sqrt".split())
_numba: Any = None
_kernels: dict[tuple, Any] = {}


def available() -> bool:
    """Whether numba can be imported (imported on the first call)."""
    global _numba
    if _numba is None:
        try:
            import numba  # noqa: PLC0415 - an optional dependency, loaded when first needed

            _numba = numba
        except ImportError:
            _numba = False
    return _numba is not False


class CpuGroup:
    """One fused run: ``outputs[0] = kernel(*inputs)`` (the interface of ``_FusedGroup`` in
    lamina/lazy/compile.py)."""

    def __init__(self, members: list, instrs: list, source: str, dtype: str) -> None:
        self.start = members[0]
        produced = {instrs[k][3][0] for k in members}
        inputs: list[int] = []
        for k in members:
            for i in instrs[k][2]:
                if i not in produced and i not in inputs:
                    inputs.append(i)
        self.inputs = inputs
        self.outputs = [instrs[members[-1]][3][0]]
        self.frees = sorted({f for k in members for f in instrs[k][4]} - produced)
        self._source = source
        # One signature, every operand of the run's dtype: float32 stays float32 throughout.
        self._signature = f"{dtype}({', '.join([dtype] * len(inputs))})"

    def kernel(self, xp: Any) -> Any:
        key = (self._source, self._signature)
        kernel = _kernels.get(key)
        if kernel is None:
            namespace: dict[str, Any] = {"np": np}
            exec(compile(self._source, "<lamina fused CPU kernel>", "exec"), namespace)  # noqa: S102
            kernel = _kernels.setdefault(key, _numba.vectorize(
                [self._signature], nopython=True, cache=False)(namespace["_k"]))
        def run(*arrays, out=None):
            return (kernel(*arrays) if out is None else kernel(*arrays, out=out),)

        return run


def _eligible(instr: tuple, avals: list) -> bool:
    prim, _, ins, outs, _ = instr
    if prim.ufunc not in _EXPRESSIONS or prim.multiple_results:
        return False
    shape, dtype = avals[outs[0]]
    if dtype not in _FLOATS or math.prod(shape) < MIN_SIZE:
        return False
    if dtype == _F32 and prim.ufunc not in _F32_OPS:
        return False
    return all(avals[i][1] == dtype for i in ins)


def fusion_groups(instrs: list, returned: tuple, avals: list) -> dict[int, CpuGroup]:
    """Map each member instruction of a fused run to its group (NOTE [CPU fusion]). numba is
    imported only when there is a run to fuse."""
    users: dict[int, list[int]] = {}
    for k, instr in enumerate(instrs):
        for i in instr[2]:
            users.setdefault(i, []).append(k)
    kept = set(returned)
    runs: list[list[int]] = []
    current: list[int] = []
    shape = None
    for k, instr in enumerate(instrs):
        if _eligible(instr, avals):
            out_shape = avals[instr[3][0]]  # shape and dtype: a run has one of each
            if current and out_shape != shape:
                runs.append(current)
                current = []
            shape = out_shape
            current.append(k)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    groups: dict[int, CpuGroup] = {}
    for run in runs:
        for segment in _segments(run, instrs, users, kept):
            if len(segment) < 2 or not available():
                continue
            dtype = _FLOATS[avals[instrs[segment[-1]][3][0]][1]]
            group = CpuGroup(segment, instrs, _source(segment, instrs), dtype)
            for k in segment:
                groups[k] = group
    return groups


def _segments(run: list, instrs: list, users: dict, kept: set) -> list[list[int]]:
    """Cut ``run`` so that each segment's only result used outside it is its last op's."""
    cuts: set[int] = set()
    while True:
        segments: list[list[int]] = []
        current: list[int] = []
        for k in run:
            current.append(k)
            if k in cuts:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
        new = set()
        for segment in segments:
            members = set(segment)
            for k in segment[:-1]:
                out = instrs[k][3][0]
                if out in kept or any(u not in members for u in users.get(out, ())):
                    new.add(k)
        if new <= cuts:
            return segments
        cuts |= new


def _source(segment: list, instrs: list) -> str:
    """The scalar function numba vectorizes: the segment's ops in order, inputs as arguments."""
    produced = {instrs[k][3][0] for k in segment}
    names: dict[int, str] = {}
    args: list[str] = []
    for k in segment:
        for i in instrs[k][2]:
            if i not in produced and i not in names:
                names[i] = f"a{len(args)}"
                args.append(names[i])
    lines = [f"def _k({', '.join(args)}):"]
    for n, k in enumerate(segment):
        prim, _, ins, outs, _ = instrs[k]
        expression = _EXPRESSIONS[prim.ufunc].format(*(names[i] for i in ins))
        names[outs[0]] = f"t{n}"
        lines.append(f"    t{n} = {expression}")
    lines.append(f"    return t{len(segment) - 1}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# NOTE [0-d programs as Python math]: a program whose every value is a 0-d float64 (a scalar
# function's gradient, a small ODE step) spends its time in NumPy's per-call overhead, about
# half a microsecond per op on values that Python's floats and ``math`` compute in tens of
# nanoseconds. Such a program also gets a version written with Python floats and ``math``
# functions, used wherever it can give NumPy's bits: IEEE arithmetic is the same everywhere,
# and a ``math`` function is used only if it returned NumPy's bits on a calibration set
# (``_same_as_numpy``: NumPy uses its own approximations for some functions, e.g. ``tanh``, and
# on some CPUs for more). Where ``math`` raises instead of returning inf or NaN (``sin(inf)``,
# ``1 / 0``, ``exp(1000)``, ``log(0)``) the call runs the NumPy version instead.

_MATH = {
    "add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}",
    "divide": "{0} / {1}", "true_divide": "{0} / {1}", "negative": "-{0}", "positive": "{0}",
    "square": "{0} * {0}", "reciprocal": "1.0 / {0}", "absolute": "_fabs({0})",
    "sqrt": "_sqrt({0})",
}
_MATH_FUNCTIONS = {  # NumPy ufunc -> math function, used when their bits agree
    "exp": "exp", "expm1": "expm1", "exp2": "exp2", "log": "log", "log1p": "log1p",
    "log2": "log2", "log10": "log10", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "cbrt": "cbrt", "arctan2": "atan2", "hypot": "hypot", "power": "pow",
}
_calibrated: dict[str, str] | None = None


def _same_as_numpy() -> dict[str, str]:
    """The expressions of ``_MATH`` and of the ``math`` functions that give NumPy's bits on a
    calibration set of 0-d float64 values (computed once per process)."""
    global _calibrated
    if _calibrated is None:
        found = dict(_MATH)
        rng = np.random.default_rng(0)
        values = np.concatenate([rng.standard_normal(300) * 4, rng.uniform(-1, 1, 200),
                                 rng.uniform(0, 700, 100), [0.5, 1.0, 2.0, 1e-300, 3e-8]])
        values = values.tolist()
        for name, fname in _MATH_FUNCTIONS.items():
            fn = getattr(math, fname, None)
            if fn is None:
                continue
            binary = name in ("arctan2", "hypot", "power")
            ufunc = getattr(np, name)
            same = True
            with np.errstate(all="ignore"):
                for i, v in enumerate(values):
                    args = (v, values[-1 - i]) if binary else (v,)
                    if name == "power":
                        args = (abs(args[0]), args[1] % 4)
                    try:
                        got = fn(*args)
                    except (ValueError, ArithmeticError):
                        continue
                    want = ufunc(*(np.float64(a) for a in args))
                    if np.float64(got).tobytes() != np.float64(want).tobytes():
                        same = False
                        break
            if same:
                found[name] = f"_{fname}({{0}}{', {1}' if binary else ''})"
        _calibrated = found
    return _calibrated


def scalar_source(instrs: list, avals: list, n_leaves: int, returned: tuple) -> str | None:
    """The Python-float version of a program of 0-d float64 values (NOTE [0-d programs as
    Python math]), as the source of ``_scalar(leaves)``, or None when it does not qualify."""
    if any(aval != ((), np.dtype(np.float64)) for aval in avals):
        return None
    expressions = _same_as_numpy()
    lines = ["def _scalar(leaves):"]
    if n_leaves:
        names = ", ".join(f"s{i}" for i in range(n_leaves))
        lines.append(f"    {names}, = leaves")
        lines.extend(f"    s{i} = s{i}.item()" for i in range(n_leaves))
    for prim, _, ins, outs in instrs:
        template = expressions.get(prim.ufunc) if prim.ufunc else None
        if template is None or prim.multiple_results:
            return None
        lines.append(f"    s{outs[0]} = {template.format(*(f's{i}' for i in ins))}")
    lines.append(f"    return [{', '.join(f'_array(s{s})' for s in returned)}]")
    return "\n".join(lines) + "\n"


def scalar_namespace() -> dict[str, Any]:
    """What ``scalar_source``'s code refers to."""
    namespace: dict[str, Any] = {"_array": np.asarray, "_fabs": math.fabs, "_sqrt": math.sqrt}
    for fname in _MATH_FUNCTIONS.values():
        if hasattr(math, fname):
            namespace[f"_{fname}"] = getattr(math, fname)
    return namespace
