"""``make_graph``: the functional graph a function builds, printed like ``jax.make_jaxpr``.

NOTE [graph recording]: ``make_graph(f)(*args)`` runs ``f`` once on fresh copies of its tensor
arguments while a recorder sits in front of the lazy backend (``core.set_backend``), so every
op that reaches the bottom of the layer stack is recorded with the backend's own node names:
the ops of ``f`` and of whatever transforms wrap it (``make_graph(grad(f))`` shows the
backward pass, ``make_graph(vmap(f))`` the batched ops). Recording costs nothing when no graph
is being made: the backend is swapped only for the duration of the call. The graph keeps the
equations that the outputs (and the new values of mutated inputs) depend on.

Two kinds of equation are tagged so that a reader, and a test, can tell them apart:

- a **view** op (its kernel returns memory shared with its input: ``getitem`` with basic
  indices, ``transpose``, ``reshape``, ...) is marked ``# view``; under
  ``functionalize(f, remove="mutations_and_views")`` these run as copy variants
  (``transpose_copy``) and carry no tag;
- an **in-place** op the user wrote (``x += 1``, ``x[i] = v``, ``out=``) is named with a
  trailing underscore (``add_``, ``setitem_``). lamina runs it as a functional op whose result
  becomes the tensor's new value (NOTE [storages and views]); ``functionalize`` makes that
  explicit, so functionalized graphs contain no in-place equations.

The recorder keeps every value it saw alive until the graph is built (values are immutable, so
object identity names a value).
"""

from __future__ import annotations

import functools
import html
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from lamina import core, tree
from lamina.errors import LaminaValueError
from lamina.lazy import graph as _graph
from lamina.lazy.graph import LazyTensor

__all__ = ["make_graph", "Graph", "Equation", "Var", "recording", "note_inplace"]


class _Record:
    __slots__ = ("prim", "inputs", "params", "outputs", "inplace")

    def __init__(self, prim, inputs, params, outputs, inplace=None) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.outputs = outputs
        self.inplace = inplace


class _Recorder:
    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.records: list[_Record] = []


_recorders: list[_Recorder] = []
_lock = threading.Lock()
_plain_apply = _graph.apply


def recording() -> bool:
    """True while a graph is being made in this thread (a cheap test first: any at all?)."""
    if not _recorders:
        return False
    me = threading.get_ident()
    return any(r.thread == me for r in _recorders)


def _mine() -> list[_Recorder]:
    me = threading.get_ident()
    return [r for r in _recorders if r.thread == me]


def _recording_apply(prim: core.Primitive, args: tuple, params: dict) -> Any:
    out = _plain_apply(prim, args, params)
    mine = _mine() if _recorders else ()
    if mine and prim.interpret is None:  # a custom function's ops were recorded one by one
        if prim.view_reverse is not None and _graph.scope.copy_views:
            prim = _graph.copy_variant(prim)
        args = tuple(core.unwrap_all(a) for a in args)
        outs = tuple(out) if prim.multiple_results else (out,)
        for r in mine:
            r.records.append(_Record(prim, args, params, outs))
    return out


def note_inplace(old: Any, new: Any, what: str) -> None:
    """Called by an in-place op outside functionalize while a graph is being made: the
    equation that computed the tensor's new value is the in-place op (``add_``); when the new
    value was computed earlier (``copyto(x, y)``), an explicit ``<what>_`` equation says so."""
    old, new = core.unwrap_all(old), core.unwrap_all(new)
    for r in _mine():
        last = r.records[-1] if r.records else None
        if last is not None and last.inplace is None and any(o is new for o in last.outputs):
            last.inplace = what
        else:
            r.records.append(_Record(None, (old, new), {}, (new,), inplace=what))


# --------------------------------------------------------------------------------------------
# The graph users see.

class Var:
    """A value in a graph: a name with a shape and a dtype (``c:f64[3,4]``).

    >>> import lamina as lm
    >>> g = lm.make_graph(lambda x: x.sum())(lm.asarray([[1.0, 2.0]]))
    >>> (a,) = g.inputs
    >>> a, a.name, a.shape, a.dtype
    (a:f64[1,2], 'a', (1, 2), dtype('float64'))
    """

    __slots__ = ("name", "shape", "dtype")

    def __init__(self, name: str, shape: tuple, dtype: np.dtype) -> None:
        self.name = name
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    @property
    def type(self) -> str:
        """Dtype code and shape as the graph prints them: ``f64[3,4]``, ``i64[]``, ``bool[2]``.

        >>> import lamina as lm
        >>> lm.make_graph(lambda x: x > 0)(lm.asarray([1, 2])).outputs[0].type
        'bool[2]'
        """
        return f"{_dtype_code(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        return f"{self.name}:{self.type}"


class Literal:
    """A scalar constant written inline (``add(a, 1.0)``).

    >>> import lamina as lm
    >>> g = lm.make_graph(lambda x: x + 1.0)(lm.asarray([1.0]))
    >>> g.equations[0].inputs
    [a:f64[1], 1.0]
    """

    __slots__ = ("value", "dtype")

    def __init__(self, value: Any, dtype: np.dtype) -> None:
        self.value = value
        self.dtype = dtype

    def __repr__(self) -> str:
        return repr(self.value)


class Equation:
    """One op of a graph: ``outputs = name[params](inputs)``.

    ``name`` is the lazy backend's node name, with a trailing underscore for an in-place op
    (``inplace`` is True); ``view`` is True for an op whose kernel returns a view of its input.
    ``inputs`` holds ``Var`` and ``Literal`` objects, ``outputs`` ``Var`` objects, ``params``
    the op's static parameters.

    >>> import lamina as lm
    >>> def f(x):
    ...     x += 1.0
    ...     return x.T
    >>> g = lm.make_graph(f)(lm.asarray([[1.0, 2.0], [3.0, 4.0]]))
    >>> [(eq.name, eq.view, eq.inplace) for eq in g.equations]
    [('add_', False, True), ('transpose', True, False)]
    >>> print(g.equations[-1])
    c:f64[2,2] = transpose[axes=(1, 0)](b)  # view
    """

    __slots__ = ("name", "inputs", "outputs", "params", "view", "inplace")

    def __init__(self, name, inputs, outputs, params, view, inplace) -> None:
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
        self.view = view
        self.inplace = inplace

    def __str__(self) -> str:
        lhs = ", ".join(repr(v) for v in self.outputs)
        params = ", ".join(f"{k}={_format_param(k, v)}" for k, v in self.params.items())
        call = f"{self.name}[{params}]" if params else self.name
        args = ", ".join(v.name if isinstance(v, Var) else repr(v) for v in self.inputs)
        text = f"{lhs} = {call}({args})"
        return text + "  # view" if self.view else text

    __repr__ = __str__


class Graph:
    """The functional graph of one call: inputs, constants, equations, outputs.

    ``str(graph)`` prints it like a jaxpr; ``graph.equations`` lists ``Equation`` objects
    (``eq.name``, ``eq.view``, ``eq.inplace``); ``graph.mutated`` pairs each input the call
    mutated with the variable holding its new value.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> g = lm.make_graph(lambda x, y: lnp.sin(x) * y)(lm.asarray([1.0, 2.0]), lm.asarray(3.0))
    >>> g
    graph <lambda>(a:f64[2], b:f64[]) {
      c:f64[2] = sin(a)
      d:f64[2] = multiply(c, b)
      return (d,)
    }
    >>> g.inputs, g.outputs
    ([a:f64[2], b:f64[]], [d:f64[2]])
    """

    def __init__(self, name, inputs, constants, equations, outputs, out_spec, mutated) -> None:
        self.name = name
        self.inputs = inputs
        self.constants = constants
        self.equations = equations
        self.outputs = outputs
        self.out_spec = out_spec
        self.mutated = mutated

    @property
    def op_names(self) -> list[str]:
        """The names of the equations in order.

        >>> import lamina as lm
        >>> lm.make_graph(lambda x: (x * x).sum())(lm.asarray([1.0, 2.0])).op_names
        ['multiply', 'reduce_sum']
        """
        return [eq.name for eq in self.equations]

    def _lines(self) -> list[str]:
        head = ", ".join(repr(v) for v in self.inputs)
        lines = [f"graph {self.name}({head}) {{"]
        if self.constants:
            lines.append("  constants " + ", ".join(repr(v) for v in self.constants))
        lines.extend(f"  {eq}" for eq in self.equations)
        outs = ", ".join(_name_of(v) for v in self.outputs)
        lines.append(f"  return ({outs}{',' if len(self.outputs) == 1 else ''})")
        for target, value in self.mutated:
            lines.append(f"  mutates {target.name} <- {_name_of(value)}")
        lines.append("}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        rows = []
        for line in self._lines():
            text = html.escape(line)
            if "  # view" in line:
                text = text.replace("# view", '<span style="color:#2a7ab0"># view</span>')
            rows.append(text)
        body = "\n".join(rows)
        return f'<pre style="line-height:1.3">{body}</pre>'


def _name_of(v: Any) -> str:
    return v.name if isinstance(v, Var) else repr(v)


def _dtype_code(dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "bool"
    return f"{dtype.kind}{dtype.itemsize * 8}"


def _format_index_entry(entry: Any) -> str:
    if entry is None:
        return "None"
    if entry is Ellipsis:
        return "..."
    if isinstance(entry, tuple) and entry and entry[0] == "slice":
        start, stop, step = entry[1:]
        text = f"{'' if start is None else start}:{'' if stop is None else stop}"
        return text + (f":{step}" if step is not None else "")
    if isinstance(entry, tuple) and entry and entry[0] == "array":
        return f"<array {entry[1]}>"
    return repr(entry)


def _format_param(key: str, value: Any) -> str:
    if key == "index" and isinstance(value, tuple):
        return "[" + ", ".join(_format_index_entry(e) for e in value) + "]"
    if isinstance(value, np.dtype):
        return _dtype_code(value)
    return repr(value) if not hasattr(value, "kind") else str(value)


def _names():
    """a, b, ..., z, ba, bb, ... (as jaxprs name variables)."""
    n = 0
    while True:
        k, text = n, ""
        while True:
            text = chr(ord("a") + k % 26) + text
            k //= 26
            if k == 0:
                break
        yield text
        n += 1


def _build(name, records, inputs, out_values, out_spec, mutated) -> Graph:
    # Keep the equations the outputs depend on, walking back in order (a value may be
    # redefined by an explicit in-place equation, so liveness is tracked by position).
    live = {id(v) for v in out_values if isinstance(v, LazyTensor)}
    live.update(id(v) for _, v in mutated)
    kept = []
    for rec in reversed(records):
        if any(id(o) in live for o in rec.outputs):
            kept.append(rec)
            for o in rec.outputs:
                live.discard(id(o))
            live.update(id(i) for i in rec.inputs if isinstance(i, LazyTensor))
    kept.reverse()

    fresh = _names()
    names: dict[int, Var] = {}
    in_vars = []
    for leaf in inputs:
        var = Var(next(fresh), leaf.shape, leaf.dtype)
        names[id(leaf)] = var
        in_vars.append(var)
    constants: list[Var] = []

    def operand(x: Any) -> Any:
        var = names.get(id(x))
        if var is not None:
            return var
        if isinstance(x, LazyTensor):
            if x.shape == () and x.data is not None:
                return Literal(x.data.item(), x.dtype)
            var = Var(next(fresh), x.shape, x.dtype)
            names[id(x)] = var
            constants.append(var)
            return var
        return Literal(x, None)

    equations = []
    for rec in kept:
        ins = [operand(i) for i in rec.inputs]
        outs = []
        for o in rec.outputs:
            var = Var(next(fresh), o.shape, o.dtype)
            names[id(o)] = var
            outs.append(var)
        if rec.prim is None:
            eq = Equation(f"{rec.inplace}_", ins, outs, {}, False, True)
        else:
            view = rec.prim.view_reverse is not None
            op = rec.prim.name if rec.inplace is None else f"{rec.inplace}_"
            eq = Equation(op, ins, outs, dict(rec.params), view, rec.inplace is not None)
        equations.append(eq)
    outputs = [operand(v) for v in out_values]
    mutated_vars = [(in_vars[i], operand(v)) for i, v in mutated]
    return Graph(name, in_vars, constants, equations, outputs, out_spec, mutated_vars)


def make_graph(func: Callable) -> Callable[..., Graph]:
    """A function that runs ``func`` once and returns the functional graph it built.

    Works on any function, transformed ones included (``make_graph(grad(f))``,
    ``make_graph(vmap(f))``, ``make_graph(functionalize(f))``). Tensor and array arguments are
    the graph's inputs (``func`` runs on copies, so the caller's tensors are never changed);
    other arguments are baked in as constants. View ops are tagged ``# view``; in-place ops
    are named with a trailing underscore (NOTE [graph recording]).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> def f(x):
    ...     y = x.T
    ...     y += 1.0
    ...     return lnp.sin(x).sum()
    >>> print(lm.make_graph(f)(lnp.ones((2, 3))))
    graph f(a:f64[2,3]) {
      b:f64[3,2] = transpose[axes=(1, 0)](a)  # view
      c:f64[3,2] = add_(b, 1.0)
      d:f64[2,3] = transpose[axes=(1, 0)](c)  # view
      e:f64[2,3] = sin(d)
      f:f64[] = reduce_sum[axes=(0, 1), keepdims=False, dtype=f64](e)
      return (f,)
      mutates a <- d
    }
    >>> print(lm.make_graph(lm.functionalize(f, remove="mutations_and_views"))(lnp.ones((2, 3))))
    graph f(a:f64[2,3]) {
      b:f64[3,2] = transpose_copy[axes=(1, 0)](a)
      c:f64[3,2] = add(b, 1.0)
      d:f64[2,3] = transpose_copy[axes=(1, 0)](c)
      e:f64[2,3] = sin(d)
      f:f64[] = reduce_sum[axes=(0, 1), keepdims=False, dtype=f64](e)
      return (f,)
      mutates a <- d
    }
    """
    from lamina.wrappers.tensor import Tensor, wrap  # noqa: PLC0415

    name = getattr(func, "__name__", type(func).__name__)

    @functools.wraps(func)
    def traced(*args: Any, **kwargs: Any) -> Graph:
        leaves, spec = tree.flatten((args, kwargs))
        call_leaves = []
        inputs = []
        handles = []
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor) or hasattr(leaf, "__array_interface__") or hasattr(
                    leaf, "__cuda_array_interface__"):
                value = leaf._lamina_read() if isinstance(leaf, Tensor) else None
                if isinstance(value, core.Wrapper):
                    raise LaminaValueError(
                        f"make_graph({name}): argument {i} is a tensor of an active transform; "
                        "make_graph traces at the top level. Transform inside it instead, e.g. "
                        "make_graph(grad(f))(x)."
                    )
                from lamina.numpy import asarray  # noqa: PLC0415

                tensor = leaf if isinstance(leaf, Tensor) else asarray(leaf)
                array = tensor._array()
                leaf_value = _graph.from_array(array, tensor.device)
                handle = wrap(leaf_value)
                inputs.append(leaf_value)
                handles.append((len(inputs) - 1, handle))
                call_leaves.append(handle)
            else:
                call_leaves.append(leaf)
        call_args, call_kwargs = tree.unflatten(spec, call_leaves)
        recorder = _Recorder()
        with _lock:
            if not _recorders:
                core.set_backend(_recording_apply)
            _recorders.append(recorder)
        try:
            out = func(*call_args, **call_kwargs)
            # Read the outputs while recording: a view whose base moved is replayed now.
            out_leaves, out_spec = tree.flatten(out)
            out_values = [core.unwrap_all(x._lamina_read()) if isinstance(x, Tensor) else x
                          for x in out_leaves]
            mutated = [(i, core.unwrap_all(h._storage.value)) for i, h in handles
                       if h._storage.generation]
        finally:
            with _lock:
                _recorders.remove(recorder)
                if not _recorders:
                    core.set_backend(_plain_apply)
        return _build(name, recorder.records, inputs, out_values, out_spec, mutated)

    return traced
