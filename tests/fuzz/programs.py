"""Random array programs for the differential fuzzers, as Python source over ``xp``.

A program is a list of source lines (``v3 = xp.sin(v0)``, ``v1[1:] += v2``, ...) over a
namespace whose ``xp`` is NumPy or ``lamina.numpy``: the same text runs on both, and a failing
example prints as a program anyone can paste into a shell. The generators run each line on
NumPy while they draw the next one, so later steps pick indices, axes and shapes that fit the
arrays the program really has (and a few that do not, to compare the errors).

Two generators:

- ``forward_programs``: NumPy programs with views, in-place updates, ``out=``, index
  assignment, reductions and scalars of every Python type, over every dtype the fuzzer covers;
  ``test_differential.py`` compares every value, error and final array state.
- ``derivative_programs``: differentiable float64 programs kept inside their ops' domains (the
  generator checks the values it produced), for ``test_derivatives.py``.

Exclusions are data here, each with its reason: ``# README:`` where lamina's documented
semantics legitimately differ from NumPy's, ``# KNOWN DEFECT:`` where lamina is wrong today
(remove the exclusion once the defect is fixed).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

__all__ = ["Program", "forward_programs", "derivative_programs", "namespace", "exec_line",
           "exec_atomic", "render_scalar"]

NAN, INF = math.nan, math.inf


@dataclass
class Program:
    """Source lines over ``xp``, with, per line, the variable whose value the fuzzer checks
    after it (None: nothing to check). ``inputs`` names the function arguments (derivative
    programs); ``force`` asks the lamina run to evaluate after every line."""

    lines: list[str]
    targets: list[str | None]
    force: bool = False
    # per line: whether the line is wrong in more than one way (a bad shape or index, or a
    # read-only target, besides whatever NumPy reported); see ``_Gen.fault``
    lenient: list[bool] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    input_values: list[np.ndarray] = field(default_factory=list)
    output: str | None = None
    skip_hessian: bool = False  # a generator may leave out the Hessian check
    n_inputs: int = 0  # forward programs: the first lines make the input arrays

    def source(self, xp: str = "lnp") -> str:
        head = ["import lamina as lm, lamina.numpy as lnp, numpy as np",
                "from math import nan, inf", f"xp = {xp}"]
        if not self.inputs:
            return "\n".join(head + self.lines)
        body = [f"def f({', '.join(self.inputs)}):"]
        body += ["    " + line for line in self.lines] + [f"    return {self.output}"]
        args = [f"{n} = {render_array(v)}" for n, v in
                zip(self.inputs, self.input_values, strict=True)]
        return "\n".join(head + body + args)

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        return "Program(\n" + self.source() + "\n)"


def namespace(xp) -> dict:
    """The globals a program runs in."""
    return {"xp": xp, "nan": NAN, "inf": INF}


def exec_line(line: str, env: dict) -> BaseException | None:
    """Run one line with NumPy's floating-point warnings off; return the exception, if any."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(line, "<program>", "exec"), env)  # noqa: S102 - generated test code
    except Exception as exc:  # noqa: BLE001 - the fuzzer compares exception classes
        return exc
    return None


def exec_atomic(line: str, env: dict) -> BaseException | None:
    """``exec_line``, leaving every array as it was when the line raises.

    lamina checks everything before it writes, so a failing in-place op changes nothing
    (NOTE [storages and views] in lamina/wrappers/tensor.py); NumPy may have written part of
    its output already (``np.power(ints, -3, out=a)`` fills ``a`` with garbage, then raises).
    The reference is NumPy's result with lamina's guarantee.
    """
    roots = {id(r): r for r in (_root(v) for v in env.values() if isinstance(v, np.ndarray))}
    saved = [(r, r.copy()) for r in roots.values() if r.flags.writeable]
    exc = exec_line(line, env)
    if exc is not None:
        for r, copy in saved:
            r[...] = copy
    return exc


def _bits(a: np.ndarray) -> bytes:
    """A value's identity for exact comparison (every NaN alike, the sign of zero kept)."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        a = np.where(np.isnan(a), np.nan, a.astype(np.float64))
    return a.tobytes()


# -- literals ------------------------------------------------------------------------------

def _render_float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(float(x))


def render_scalar(x) -> str:
    """Python source for a scalar that keeps the sign of zero, NaN and infinities."""
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, (float, np.floating)):
        return _render_float(float(x))
    x = complex(x)
    return f"complex({_render_float(x.real)}, {_render_float(x.imag)})"


def _render_nested(x) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_render_nested(e) for e in x) + "]"
    return render_scalar(x)


DTYPES = ("float64", "float32", "int64", "int32", "bool", "complex128")
_NP_DTYPE = {"bool": np.bool_}


def _np_dtype(name: str) -> np.dtype:
    return np.dtype(_NP_DTYPE.get(name, name))


def _xp_dtype(name: str) -> str:
    return "xp.bool_" if name == "bool" else f"xp.{name}"


def render_array(a: np.ndarray) -> str:
    """``xp`` source that builds ``a`` (zeros for empty arrays)."""
    dt = _xp_dtype("bool" if a.dtype == np.bool_ else a.dtype.name)
    if a.size == 0:
        return f"xp.zeros({a.shape!r}, dtype={dt})"
    return f"xp.asarray({_render_nested(a.tolist())}, dtype={dt})"


FLOAT_VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 7.0, NAN, INF, -INF, 1e300, -1e300, 1e-300,
                65504.0, -1e-5]
INT_VALUES = [0, 1, -1, 2, 3, -7, 100, 2**31 - 1, -(2**31), 2**62, -(2**63)]
SCALARS = [True, False, 0, 1, -1, 2, 3, -3, 2**31, 2**62, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.0,
           NAN, INF, -INF, 1e308, 1j, complex(1.0, -0.0), complex(-0.0, 0.0), complex(NAN, 1.0),
           complex(2.0, -3.0)]


@st.composite
def _element(draw, dtype: str):
    if dtype == "bool":
        return draw(st.booleans())
    if dtype in ("int64", "int32"):
        info = np.iinfo(dtype)
        pool = [v for v in INT_VALUES if info.min <= v <= info.max]
        return draw(st.one_of(st.sampled_from(pool), st.integers(-10, 10)))
    real = st.one_of(st.sampled_from(FLOAT_VALUES), st.floats(-10, 10, width=32))
    if dtype == "complex128":
        return complex(draw(real), draw(real))
    return draw(real)


_DIM = st.one_of(st.integers(1, 3), st.just(0))


@st.composite
def input_array(draw, dtypes=DTYPES) -> np.ndarray:
    dtype = draw(st.sampled_from(dtypes))
    shape = tuple(draw(st.lists(_DIM, max_size=3)))
    n = math.prod(shape)
    values = draw(st.lists(_element(dtype), min_size=n, max_size=n))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array(values, dtype=_np_dtype(dtype)).reshape(shape)


# -- the forward generator -----------------------------------------------------------------

UNARY = ["negative", "positive", "absolute", "exp", "log", "sqrt", "sin", "cos", "tanh", "floor",
         "ceil", "rint", "trunc", "sign", "isnan", "isinf", "isfinite", "signbit", "logical_not",
         "invert", "square", "reciprocal", "expm1", "log1p", "conjugate", "arctan", "cbrt",
         "deg2rad", "exp2", "log2"]
UNARY_OPERATORS = {"negative": "-{}", "positive": "+{}", "absolute": "abs({})", "invert": "~{}"}
BINARY = ["add", "subtract", "multiply", "divide", "floor_divide", "remainder", "power",
          "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "copysign", "logaddexp",
          "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
          "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
          "right_shift", "heaviside", "float_power"]
BINARY_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/",
                    "floor_divide": "//", "remainder": "%", "power": "**", "equal": "==",
                    "not_equal": "!=", "less": "<", "less_equal": "<=", "greater": ">",
                    "greater_equal": ">=", "bitwise_and": "&", "bitwise_or": "|",
                    "bitwise_xor": "^", "left_shift": "<<", "right_shift": ">>"}
INPLACE_OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^"]
REDUCTIONS = ["sum", "mean", "max", "min", "prod", "any", "all", "argmax", "argmin", "cumsum",
              "cumprod"]
_AXIS_TUPLES_OK = {"sum", "mean", "max", "min", "prod", "any", "all"}
_KEEPDIMS_OK = _AXIS_TUPLES_OK | {"argmax", "argmin"}


def _excluded_binary(name: str, a, b) -> bool:
    """Binary calls left out of the forward fuzzer (``a``/``b``: arrays or Python scalars)."""
    kinds = {np.asarray(x).dtype.kind for x in (a, b)}
    # NumPy's integer ``<<`` and ``>>`` with out-of-range counts are C undefined behaviour
    # (platform- and loop-dependent), not a semantics to compare.
    if name in ("left_shift", "right_shift") and kinds & set("iub") == kinds:
        return True
    if name in ("power", "float_power") and kinds <= set("iub"):
        # A negative integer exponent *array* is a data-dependent error: lamina raises it where
        # the data is at hand, and otherwise when the graph runs (as README says of lazily
        # computed index arrays), not at the line; in place, the read raises and the tensor
        # goes back to its value before the write (tests/lazy/test_failed_writes.py).
        if isinstance(b, np.ndarray) and b.size and (b < 0).any():
            return True
    return False


# NOTE [several faults]: a line can be wrong in more than one way at once (operands that do
# not broadcast *and* a dtype that cannot be cast, an index out of bounds *and* a complex value
# for a real array, a read-only target *and* an unsupported dtype). NumPy reports whichever it
# checks first; lamina may check in another order, and both are right to raise. The generator
# marks lines with a structural fault (a bad shape or index, a read-only target), and for those
# the fuzzer accepts any of TypeError, ValueError, IndexError and OverflowError (a Python int
# too large for the dtype); the single-fault lines, the
# great majority, must raise NumPy's builtin class.
class _Gen:
    """State of one program being drawn: the NumPy environment and the variables in it."""

    def __init__(self, draw) -> None:
        self.draw = draw
        self.env = namespace(np)
        self.names: list[str] = []
        self.lines: list[str] = []
        self.targets: list[str | None] = []
        self.counter = 0
        self.lenient: list[bool] = []
        self.scalar_copies: set[str] = set()  # variables NumPy holds as scalars
        self.fault = False  # NOTE [several faults]

    # helpers ------------------------------------------------------------------------------
    def value(self, name: str):
        return self.env[name]

    def new_name(self) -> str:
        self.counter += 1
        return f"v{self.counter - 1}"

    def pick(self, pred=lambda a: True) -> str | None:
        names = [n for n in self.names if pred(self.env[n])]
        return self.draw(st.sampled_from(names)) if names else None

    def scalar(self):
        return self.draw(st.sampled_from(SCALARS))

    def emit(self, line: str, target: str | None, new: bool) -> None:
        exc = exec_atomic(line, self.env)
        self.lines.append(line)
        self.targets.append(target if exc is None else None)
        self.lenient.append(self.fault)
        self.fault = False
        if exc is None and new:
            v = self.env[target]
            if isinstance(v, np.generic):
                self.scalar_copies.add(target)
                # README (indexing / tensor.py): where NumPy returns a scalar (an integer on
                # every axis, a ufunc or reduction of 0-d arrays) lamina returns a 0-d tensor, a
                # copy. A 0-d NumPy array is the reference that also takes writes.
                self.env[target] = np.asarray(v)
            self.names.append(target)

    def operand(self, shape=None):
        """A variable (broadcastable with ``shape`` when given, mostly) or a Python scalar."""
        if self.draw(st.integers(0, 2)) == 0:
            return render_scalar(s := self.scalar()), s
        if shape is not None and self.draw(st.integers(0, 9)) > 0:
            name = self.pick(lambda a: _broadcasts(a.shape, shape))
        else:
            name = self.pick()
        if name is None:
            return render_scalar(s := self.scalar()), s
        if shape is not None and not _broadcasts(self.env[name].shape, shape):
            self.fault = True
        return name, self.env[name]

    # index expressions --------------------------------------------------------------------
    def basic_index(self, shape: tuple) -> str:
        d = self.draw
        if not shape:
            return d(st.sampled_from(["...", "()", "None"]))
        parts = []
        for n in shape[: d(st.integers(0, len(shape)))]:
            kind = d(st.sampled_from(["int", "slice", "full"]))
            if kind == "int":
                i = d(st.integers(-n - 1, n)) if d(st.integers(0, 9)) == 0 else (
                    d(st.integers(-n, n - 1)) if n else 0)
                self.fault |= not -n <= i < n
                parts.append(str(i))
            elif kind == "slice":
                lo = d(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
                hi = d(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
                step = d(st.sampled_from([None, 1, 2, -1, -2]))
                s = f"{'' if lo is None else lo}:{'' if hi is None else hi}"
                parts.append(s if step is None else f"{s}:{step}")
            else:
                parts.append(":")
        if d(st.integers(0, 4)) == 0:
            parts.insert(d(st.integers(0, len(parts))), d(st.sampled_from(["None", "..."])))
        return ", ".join(parts) if parts else "..."

    def advanced_index(self, name: str, shape: tuple) -> str:
        d = self.draw
        if not shape or d(st.integers(0, 3)) == 0:
            return d(st.sampled_from([f"{name} != 0", f"xp.isnan({name})", f"{name} > 0"]))
        axis = d(st.integers(0, len(shape) - 1))
        n = shape[axis]
        if d(st.booleans()) and n:
            idx = repr(d(st.lists(st.booleans(), min_size=n, max_size=n)))
        else:
            hi = n if d(st.integers(0, 9)) == 0 else n - 1
            ints = d(st.lists(st.integers(-n, max(hi, -n)), min_size=1, max_size=3))
            self.fault |= any(not -n <= i < n for i in ints)
            idx = repr(ints)
        return ", ".join([":"] * axis + [idx])

    # steps -------------------------------------------------------------------------------
    def step_unary(self) -> None:
        name = self.pick()
        if name is None:
            return
        fn = self.draw(st.sampled_from(UNARY))
        out = self.new_name()
        if fn in UNARY_OPERATORS and self.draw(st.booleans()):
            expr = UNARY_OPERATORS[fn].format(name)
        else:
            expr = f"xp.{fn}({name})"
        self.emit(f"{out} = {expr}", out, True)

    def step_binary(self) -> None:
        fn = self.draw(st.sampled_from(BINARY))
        a_src, a = self.operand()
        b_src, b = self.operand(np.shape(a))
        if a_src not in self.names and b_src not in self.names:
            return
        if _excluded_binary(fn, a, b):
            return
        out = self.new_name()
        if fn in BINARY_OPERATORS and self.draw(st.booleans()):
            expr = f"{a_src} {BINARY_OPERATORS[fn]} {_paren(b_src)}"
            if a_src not in self.names:
                expr = f"{_paren(a_src)} {BINARY_OPERATORS[fn]} {b_src}"
        else:
            expr = f"xp.{fn}({a_src}, {b_src})"
        self.emit(f"{out} = {expr}", out, True)

    def step_reduce(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        fn = d(st.sampled_from(REDUCTIONS))
        nd = np.ndim(self.value(name))
        kwargs = []
        axis_kind = d(st.sampled_from(["none", "int", "int", "tuple", "bad"]))
        if axis_kind == "int" and nd:
            kwargs.append(f"axis={d(st.integers(-nd, nd - 1))}")
        elif axis_kind == "tuple" and fn in _AXIS_TUPLES_OK:
            axes = d(st.lists(st.integers(-nd, nd - 1), max_size=nd, unique=True)) if nd else []
            kwargs.append(f"axis={tuple(axes)!r}")
        elif axis_kind == "bad":
            kwargs.append(f"axis={nd}")
        if fn in _KEEPDIMS_OK and d(st.booleans()):
            kwargs.append("keepdims=True")
        args = ", ".join(kwargs)
        out = self.new_name()
        if d(st.booleans()):
            expr = f"{name}.{fn}({args})"
        else:
            expr = f"xp.{fn}({name}{', ' if args else ''}{args})"
        self.emit(f"{out} = {expr}", out, True)

    def step_view(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        a = self.value(name)
        nd = a.ndim
        kind = d(st.sampled_from(["index", "index", "T", "transpose", "reshape", "ravel",
                                  "squeeze", "expand_dims", "swapaxes", "diagonal", "real"]))
        if kind == "index":
            expr = f"{name}[{self.basic_index(a.shape)}]"
        elif kind == "T":
            expr = f"{name}.T"
        elif kind == "transpose":
            expr = f"xp.transpose({name}, {tuple(d(st.permutations(range(nd))))!r})"
        elif kind in ("reshape", "ravel"):
            if not _root_c_contiguous(a):
                # README ("NumPy semantics, and where lamina differs"): NumPy decides whether
                # reshape/ravel copy from the memory layout; lamina's tensors always have the
                # layout of a fresh C-ordered array, so on a base NumPy keeps in another layout
                # (np.sin(a.T)) the two legitimately differ on view-or-copy.
                return
            if kind == "ravel":
                expr = d(st.sampled_from([f"xp.ravel({name})", f"{name}.ravel()"]))
            else:
                expr = f"{name}.reshape({d(st.sampled_from(_reshapes(a.shape)))!r})"
        elif kind == "squeeze":
            ones = [i for i, n in enumerate(a.shape) if n == 1]
            if ones and d(st.booleans()):
                expr = f"xp.squeeze({name}, axis={d(st.sampled_from(ones))})"
            else:
                expr = f"xp.squeeze({name})"
        elif kind == "expand_dims":
            expr = f"xp.expand_dims({name}, {d(st.integers(-nd - 1, nd))})"
        elif kind == "swapaxes":
            if nd == 0:
                return
            expr = f"xp.swapaxes({name}, {d(st.integers(-nd, nd - 1))}, " \
                   f"{d(st.integers(-nd, nd - 1))})"
        elif kind == "diagonal":
            if nd < 2:
                return
            expr = f"{name}.diagonal({d(st.integers(-2, 2))})"
        else:
            if a.dtype.kind != "c":
                return
            expr = f"{name}.{d(st.sampled_from(['real', 'imag']))}"
        out = self.new_name()
        self.emit(f"{out} = {expr}", out, True)

    def step_gather(self) -> None:
        name = self.pick()
        if name is None:
            return
        out = self.new_name()
        self.emit(f"{out} = {name}[{self.advanced_index(name, self.value(name).shape)}]",
                  out, True)

    def step_copy(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        kind = d(st.sampled_from(["copy", "xpcopy", "astype", "flatten", "array"]))
        expr = {"copy": f"{name}.copy()", "xpcopy": f"xp.copy({name})",
                "flatten": f"{name}.flatten()", "array": f"xp.array({name})",
                "astype": f"{name}.astype({_xp_dtype(d(st.sampled_from(DTYPES)))})"}[kind]
        if kind == "astype" and _unsafe_cast(self.value(name), expr):
            return
        out = self.new_name()
        self.emit(f"{out} = {expr}", out, True)

    def step_inplace(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        a = self.value(name)
        op = d(st.sampled_from(INPLACE_OPERATORS))
        index = self.basic_index(a.shape) if d(st.integers(0, 2)) == 0 else None
        sel = a if index is None else self.selection(name, index)
        src, b = self.operand(np.shape(sel))
        fn = {"<<": "left_shift", ">>": "right_shift", "**": "power"}.get(op, "add")
        if _excluded_binary(fn, sel, b):
            return
        self.fault |= not a.flags.writeable
        # an integer tensor to a negative power is one fault; in place on bools, the cast of
        # the integer result back is another (NOTE [several faults])
        self.fault |= op == "**" and type(b) is int and b < 0
        if index is not None:
            if self._scalar_inplace_differs(name, index, op, src):
                return
            self.emit(f"{name}[{index}] {op}= {src}", name, False)
        else:
            if name in self.scalar_copies and self._scalar_inplace_differs(name, "()", op, src):
                # README: `a[i] += 1.5` follows NumPy's scalar; lamina gives a scalar copy
                # held in a variable the same semantics (``s = a[0]; s /= -3`` rebinds s to a
                # float, where README says 0-d tensors refuse the cast), so the 0-d array
                # reference does not apply
                return
            if a.dtype.kind == "c" and src in self.names and np.shares_memory(a, b):
                return  # NumPy's aliased complex loops: see step_out
            self.emit(f"{name} {op}= {src}", name, False)

    def selection(self, name: str, index: str):
        """``name[index]`` in NumPy, or the whole array when the index is bad."""
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return eval(f"{name}[{index}]", self.env)  # noqa: S307
        except Exception:  # noqa: BLE001 - a bad index: compare the errors
            self.fault = True
            return self.env[name]

    def _scalar_inplace_differs(self, name: str, index: str, op: str, src: str) -> bool:
        """Whether ``op=`` on a NumPy scalar (``x[i]`` with an integer on every axis, or a
        variable that was one) and on a 0-d array of it disagree, in raising or in the value.

        NumPy's scalar ``x[i] += y`` is ``x[i] = x[i] + y`` (cast back unsafely) and its scalar
        math differs from its array loops at the edges (``np.float64(-0.0) ** 0.5`` is 0.0,
        ``np.array(-0.0) ** 0.5`` is -0.0). README: lamina stores the truncated sum for
        ``a[i] += 1.5`` and otherwise treats 0-d tensors as NumPy's 0-d arrays; the fuzzer's
        reference is the 0-d array, so lines where the two NumPy answers differ are left out.
        """
        env = dict(self.env)
        if exec_line(f"_sel = {name}[{index}]", env) is not None:
            return False
        if not isinstance(env["_sel"], np.generic):
            return False
        plain = exec_line(f"_sel {op}= {src}", env)
        scalar = np.asarray(env.get("_sel"))
        exec_line(f"_sel = xp.array({name}[{index}])", env)
        in_place = exec_line(f"_sel {op}= {src}", env)
        if (plain is None) != (in_place is None):
            return True
        if plain is not None:
            return False
        array = np.asarray(env["_sel"])
        if scalar.dtype.kind == "c" or array.dtype.kind == "c":
            scalar, array = scalar.astype(complex), array.astype(complex)
            return _bits(scalar.real) != _bits(array.real) or _bits(scalar.imag) != _bits(
                array.imag)
        return _bits(scalar) != _bits(array)

    def step_setitem(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        a = self.value(name)
        if d(st.integers(0, 2)) == 0:
            index = self.advanced_index(name, a.shape)
        else:
            index = self.basic_index(a.shape)
        sel = self.selection(name, index)
        src, b = self.operand(np.shape(sel))
        if src in self.names and _unsafe_cast(b, a.dtype):
            return
        if np.size(sel) == 0 and np.size(b) == 0 and np.ndim(b) > np.ndim(sel):
            # Minor: NumPy lets an empty value of more dimensions fill an empty mask
            # selection; lamina checks broadcasting as for any other value:
            #   v = lnp.zeros((1, 0)); v[[False]] = lnp.zeros((0, 0, 0))  # lamina: ValueError
            return
        self.fault |= not a.flags.writeable
        self.emit(f"{name}[{index}] = {src}", name, False)

    def step_out(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        a = self.value(name)
        if d(st.booleans()):
            fn = d(st.sampled_from(UNARY))
            src = self.pick(lambda x: _broadcasts(x.shape, a.shape)) or name
            if a.dtype.kind == "c" and np.shares_memory(self.value(src), a):
                # Not a lamina defect: NumPy's complex loops with out= aliasing an input
                # write the real part before reading the imaginary one (np.square(v, out=v)
                # and v *= v differ from np.square(v) and v * v for v = 1e300+1e300j).
                return
            self.fault |= not a.flags.writeable
            self.emit(f"xp.{fn}({src}, out={name})", name, False)
            return
        fn = d(st.sampled_from(BINARY))
        x_src, x = self.operand(a.shape)
        y_src, y = self.operand(a.shape)
        if _excluded_binary(fn, x, y):
            return
        if a.dtype.kind == "c" and any(isinstance(v, np.ndarray) and np.shares_memory(v, a)
                                       for v in (x, y)):
            return  # NumPy's aliased complex loops: see the unary case above
        self.fault |= not a.flags.writeable
        self.emit(f"xp.{fn}({x_src}, {y_src}, out={name})", name, False)

    def step_fill(self) -> None:
        name = self.pick()
        if name is None:
            return
        s = self.scalar()
        a = self.value(name)
        if _unsafe_cast(s, a.dtype):
            return
        self.fault |= not a.flags.writeable
        self.emit(f"{name}.fill({render_scalar(s)})", name, False)

    def step_misc(self) -> None:
        d = self.draw
        name = self.pick()
        if name is None:
            return
        a = self.value(name)
        kind = d(st.sampled_from(["where", "clip", "roll"]))
        out = self.new_name()
        if kind == "where":
            x_src, x = self.operand(a.shape)
            y_src, y = self.operand(a.shape)
            self.emit(f"{out} = xp.where({name}, {x_src}, {y_src})", out, True)
        elif kind == "roll":
            axis = d(st.sampled_from([None] + list(range(-a.ndim, a.ndim))))
            self.emit(f"{out} = xp.roll({name}, {d(st.integers(-5, 5))}, axis={axis})", out, True)
        else:
            lo, hi = self.scalar(), self.scalar()
            lo, hi = render_scalar(lo), render_scalar(hi)
            self.emit(f"{out} = xp.clip({name}, {lo}, {hi})", out, True)




def _paren(src: str) -> str:
    return f"({src})" if src.startswith("-") or src.startswith("complex") else src


def _broadcasts(shape: tuple, onto: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, onto) == tuple(onto)
    except ValueError:
        return False


def _root(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (NumPy collapses view chains onto it)."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    return root


def _root_c_contiguous(a: np.ndarray) -> bool:
    return _root(a).flags.c_contiguous


def _reshapes(shape: tuple) -> list:
    n = math.prod(shape)
    out = [(-1,), (n,), (1, n), (n, 1), (1, -1, 1)]
    out += [(i, n // i) for i in range(2, n) if n % i == 0]
    if n == 1:
        out.append(())
    if n == 0:
        out += [(0, 3), (3, 0, 1)]
    if n > 1:
        out.append((n + 1,))  # cannot reshape: compare the errors
    return out


def _unsafe_cast(value, dtype) -> bool:
    """Whether casting ``value`` to ``dtype`` is undefined in NumPy (NaN, infinities or
    out-of-range floats to integers: the C cast's result is platform-dependent garbage)."""
    if isinstance(dtype, str):  # an astype expression: the target dtype is in the source
        target = next((t for t in DTYPES if f"xp.{t})" in dtype), "bool")
        dtype = _np_dtype(target)
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        return False
    v = np.asarray(value)
    if v.dtype.kind not in "fc":
        return False
    with np.errstate(all="ignore"):
        parts = [v.real, v.imag] if v.dtype.kind == "c" else [v]
        info = np.iinfo(dtype)
        return any(bool((~np.isfinite(p) | (p < info.min) | (p > info.max)).any())
                   for p in parts)


_STEPS = ["unary", "binary", "binary", "reduce", "view", "view", "gather", "copy", "inplace",
          "inplace", "setitem", "setitem", "out", "fill", "misc"]


@st.composite
def forward_programs(draw, max_steps: int = 8, max_inputs: int = 3) -> Program:
    """A random NumPy program over 1..max_inputs arrays, 1..max_steps steps."""
    g = _Gen(draw)
    n_inputs = draw(st.integers(1, max_inputs))
    for _ in range(n_inputs):
        name = g.new_name()
        g.emit(f"{name} = {render_array(draw(input_array()))}", name, True)
    for _ in range(draw(st.integers(1, max_steps))):
        getattr(g, "step_" + draw(st.sampled_from(_STEPS)))()
    return Program(g.lines, g.targets, force=draw(st.booleans()), lenient=g.lenient,
                   n_inputs=n_inputs)


# -- the derivative generator --------------------------------------------------------------

# name -> the domain the op's inputs must keep (with a margin, so finite differences and the
# derivative rules see a smooth function).
DIFF_UNARY = {
    "sin": None, "cos": None, "tanh": None, "arctan": None, "arcsinh": None,
    "square": None, "negative": None, "positive": None, "exp2": lambda a: a < 5,
    "sinh": lambda a: abs(a) < 5, "cosh": lambda a: abs(a) < 5, "exp": lambda a: a < 5,
    "expm1": lambda a: a < 5, "log": lambda a: a > 0.1, "log2": lambda a: a > 0.1,
    "log10": lambda a: a > 0.1, "log1p": lambda a: a > -0.9,
    "cbrt": lambda a: abs(a) > 0.1, "absolute": lambda a: abs(a) > 1e-3,
    "reciprocal": lambda a: abs(a) > 0.1, "arcsin": lambda a: abs(a) < 0.9,
    "arccos": lambda a: abs(a) < 0.9, "arctanh": lambda a: abs(a) < 0.9,
    "arccosh": lambda a: a > 1.1,
    # zero-derivative ops, away from their jumps
    "floor": lambda a: abs(a - np.round(a)) > 1e-3, "sign": lambda a: abs(a) > 1e-3,
    "sqrt": lambda a: a > 0.1, "deg2rad": None, "rad2deg": None,
}
DIFF_BINARY = {
    "add": None, "subtract": None, "multiply": None, "logaddexp": None,
    "divide": lambda a, b: abs(b) > 0.1,
    "maximum": lambda a, b: abs(a - b) > 1e-3, "minimum": lambda a, b: abs(a - b) > 1e-3,
    "fmax": lambda a, b: abs(a - b) > 1e-3,
    "power": lambda a, b: (a > 0.1) & (abs(b) < 4),
    "arctan2": lambda a, b: (a * a + b * b > 0.01) & ((b > 1e-3) | (abs(a) > 1e-3)),
    "hypot": lambda a, b: a * a + b * b > 0.01,
    "copysign": lambda a, b: (abs(a) > 1e-3) & (abs(b) > 1e-3),
}
DIFF_REDUCTIONS = ["sum", "mean", "prod", "max", "min", "cumsum", "cumprod", "var"]
_BOUND = 1e3  # |values| the generator keeps to, so finite differences stay accurate


class _DiffGen(_Gen):
    """Draws differentiable steps, keeping each only if its values are in bounds."""

    def emit_checked(self, expr: str, domain_ok: bool = True) -> None:
        if not domain_ok:
            return
        out = self.new_name()
        line = f"{out} = {expr}"
        env = dict(self.env)
        if exec_line(line, env) is not None:
            return
        v = np.asarray(env[out])
        if v.dtype != np.float64 or not np.all(np.isfinite(v)) or np.any(abs(v) > _BOUND):
            return
        self.emit(line, out, True)

    def _ok(self, pred, *arrays) -> bool:
        if pred is None:
            return True
        with np.errstate(all="ignore"):
            try:
                return bool(np.all(pred(*np.broadcast_arrays(*arrays))))
            except ValueError:
                return False

    def step_unary(self) -> None:
        name = self.pick()
        fn = self.draw(st.sampled_from(sorted(DIFF_UNARY)))
        self.emit_checked(f"xp.{fn}({name})", self._ok(DIFF_UNARY[fn], self.value(name)))

    def step_binary(self) -> None:
        d = self.draw
        fn = d(st.sampled_from(sorted(DIFF_BINARY)))
        a_name = self.pick()
        a = self.value(a_name)
        if d(st.integers(0, 2)) == 0:
            s = d(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 3]))
            args = [a_name, render_scalar(s)]
            vals = [a, np.float64(s)]
            if d(st.booleans()):
                args.reverse()
                vals.reverse()
        else:
            b_name = self.pick(lambda b: _broadcast_ok(a.shape, b.shape))
            args, vals = [a_name, b_name], [a, self.value(b_name)]
        if fn in BINARY_OPERATORS and d(st.booleans()):
            expr = f"{args[0]} {BINARY_OPERATORS[fn]} {_paren(args[1])}"
        else:
            expr = f"xp.{fn}({args[0]}, {args[1]})"
        self.emit_checked(expr, self._ok(DIFF_BINARY[fn], *vals))

    def step_reduce(self) -> None:
        d = self.draw
        name = self.pick()
        a = self.value(name)
        fn = d(st.sampled_from(DIFF_REDUCTIONS))
        axis = None if a.ndim == 0 or d(st.booleans()) else d(st.integers(-a.ndim, a.ndim - 1))
        if fn in ("cumsum", "cumprod"):
            expr = f"xp.{fn}({name}" + ("" if axis is None else f", axis={axis}") + ")"
        else:
            kd = ", keepdims=True" if d(st.booleans()) else ""
            expr = f"{name}.{fn}(axis={axis}{kd})"
        if fn in ("max", "min") and a.size:
            # a unique extreme, by a margin: max is not differentiable at ties
            m = getattr(np, fn)(a, axis=axis, keepdims=True)
            if np.any((np.abs(a - m) < 1e-3).sum(axis=axis) != 1):
                return
        self.emit_checked(expr, a.size > 0 or fn in ("sum", "cumsum", "prod", "cumprod"))

    def step_view(self) -> None:
        d = self.draw
        name = self.pick()
        a = self.value(name)
        nd = a.ndim
        kind = d(st.sampled_from(["index", "T", "reshape", "expand_dims", "squeeze", "flip",
                                  "gather", "broadcast_to", "swapaxes", "roll"]))
        if kind == "index":
            expr = f"{name}[{self.basic_index(a.shape)}]"
        elif kind == "T":
            expr = f"{name}.T"
        elif kind == "reshape":
            expr = f"{name}.reshape({d(st.sampled_from(_reshapes(a.shape)[:4]))!r})"
        elif kind == "expand_dims":
            expr = f"xp.expand_dims({name}, {d(st.integers(-nd - 1, nd))})"
        elif kind == "squeeze":
            expr = f"xp.squeeze({name})"
        elif kind == "flip":
            expr = f"xp.flip({name})"
        elif kind == "gather":
            if nd == 0 or a.shape[0] == 0:
                return
            idx = d(st.lists(st.integers(-a.shape[0], a.shape[0] - 1), min_size=1, max_size=4))
            expr = f"{name}[{idx!r}]"
        elif kind == "broadcast_to":
            expr = f"xp.broadcast_to({name}, {(2,) + a.shape!r})"
        elif kind == "roll":
            axis = d(st.sampled_from([None] + list(range(-nd, nd))))
            expr = f"xp.roll({name}, {d(st.integers(-5, 5))}, axis={axis})"
        else:
            if nd < 2:
                return
            expr = f"xp.swapaxes({name}, 0, -1)"
        self.emit_checked(expr)

    def step_combine(self) -> None:
        d = self.draw
        a_name = self.pick()
        a = self.value(a_name)
        b_name = self.pick(lambda b: b.shape == a.shape)
        kind = d(st.sampled_from(["stack", "concatenate", "where", "matmul", "clip"]))
        if kind == "stack":
            expr = f"xp.stack([{a_name}, {b_name}])"
        elif kind == "concatenate":
            if a.ndim == 0:
                return
            expr = f"xp.concatenate([{a_name}, {b_name}])"
        elif kind == "where":
            expr = f"xp.where({a_name} > {b_name}, {a_name}, {b_name} * 2.0)"
            if not self._ok(lambda x, y: abs(x - y) > 1e-3, a, self.value(b_name)):
                return
        elif kind == "matmul":
            b_name = self.pick(lambda b: b.ndim >= 1 and a.ndim >= 1
                               and b.shape[-2 if b.ndim > 1 else 0] == a.shape[-1])
            if b_name is None:
                return
            expr = f"{a_name} @ {b_name}"
        else:
            lo, hi = -0.5, 1.5
            expr = f"xp.clip({a_name}, {lo}, {hi})"
            if not self._ok(lambda x: (abs(x - lo) > 1e-3) & (abs(x - hi) > 1e-3), a):
                return
        self.emit_checked(expr)

    def step_mutate(self) -> None:
        """In-place updates on a copy made inside the function (the only tensors the fuzzer
        mutates: inputs and their views stay untouched)."""
        d = self.draw
        name = self.pick(lambda a: a.ndim >= 1 and a.size > 0)
        if name is None:
            return
        a = self.value(name)
        src = self.pick(lambda b: _broadcasts(b.shape, a.shape[1:]))
        out = self.new_name()
        kind = d(st.sampled_from(["set", "iadd", "imul", "view"]))
        i = d(st.integers(-a.shape[0], a.shape[0] - 1))
        if kind == "set" and src is not None:
            body = f"{out}[{i}] = {src}"
        elif kind == "iadd" and src is not None:
            body = f"{out}[{i}] += {src}"
        elif kind == "imul":
            body = f"{out} *= 2.0"
        else:
            body = f"{out}[::-1] = {out}.copy()"  # overlapping write through a view
        line = f"{out} = {name}.copy(); {body}"
        env = dict(self.env)
        if exec_line(line, env) is not None:
            return
        v = np.asarray(env[out])
        if not np.all(np.isfinite(v)) or np.any(abs(v) > _BOUND):
            return
        self.emit(line, out, True)


def _broadcast_ok(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


DIFF_SHAPES = [(), (), (3,), (2, 3), (1,), (2, 1), (3, 2), (0,)]
DIFF_VALUES = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 0.25, -1.5]
_DIFF_STEPS = ["unary", "unary", "binary", "binary", "reduce", "view", "combine", "mutate"]


@st.composite
def derivative_programs(draw, max_steps: int = 6, max_inputs: int = 2) -> Program:
    """A differentiable float64 program of 1..max_inputs arguments; the output is the last
    variable it defines."""
    g = _DiffGen(draw)
    g.skip_hessian = False
    inputs, values = [], []
    for _ in range(draw(st.integers(1, max_inputs))):
        shape = draw(st.sampled_from(DIFF_SHAPES))
        n = math.prod(shape)
        elems = draw(st.lists(st.one_of(st.sampled_from(DIFF_VALUES),
                                        st.floats(-2, 2).map(lambda x: round(x, 3))),
                              min_size=n, max_size=n))
        name = g.new_name()
        g.env[name] = np.array(elems, dtype=np.float64).reshape(shape)
        g.names.append(name)
        inputs.append(name)
        values.append(g.env[name].copy())
    for _ in range(draw(st.integers(1, max_steps))):
        getattr(g, "step_" + draw(st.sampled_from(_DIFF_STEPS)))()
    if not g.lines:  # at least one op between the inputs and the output
        g.emit(f"v{len(inputs)} = xp.sin({inputs[0]})", f"v{len(inputs)}", True)
    return Program(g.lines, g.targets, inputs=inputs, input_values=values, output=g.names[-1],
                   skip_hessian=g.skip_hessian)
