"""``lm.compile``: trace a function once per input signature, then replay its program.

NOTE [compile]: the lazy graph is already a trace. ``compile(f)(*args)`` looks up the call's
*signature*: the pytree structure of the arguments; for each array argument its shape, dtype,
device, view chain and which arguments share memory; the values of static arguments and of
Python ints and bools. Python floats and complex numbers are inputs (NOTE [traced Python
scalars] in lamina/lazy/graph.py), so a changing learning rate does not trace again. On a miss
it *traces*: ``f`` runs once on placeholders (NOTE
[placeholders] in lamina/lazy/graph.py), with every transform inside it, inside a
functionalize scope (NOTE [functionalize in lamina]) so that its writes into its own arguments
become values, and the graph behind its results (and behind the new values of the arguments
it wrote) becomes one ``Program`` of the lazy backend, compiled to straight-line code at once.
Every later call with that signature binds the arguments' arrays to the program's inputs and
runs it: no interpreter, wrapper, rule or graph-building code runs.

What a trace fixes, and what it does not (JAX's jit has the same rules):
- Python side effects of ``f`` (printing, appending to a list) happen while tracing only
  (twice when a float argument is traced: the second trace checks that the float reaches the
  graph only as an input; a float used as a Python number makes that argument static).
- Reading a traced value (``float(x)``, ``if x > 0``, ``.item()``, ``np.asarray(x)``) raises
  ``TracedValueError``: mark the argument static, or use ``lnp.where``.
- Tensors ``f`` captures (globals, closures) are constants of the trace: a later change of a
  captured tensor is not seen. Pass them as arguments to have them read on every call.
- Writes into arguments (``x += 1``, ``x[i] = v``) are written back to the caller's tensors
  after every call; writes into captured tensors raise (pass the tensor as an argument).
- NOTE [random draws in compiled functions]: each random draw's key is an input of the
  program, drawn from the generator at every call (``Generator._key`` in lamina.numpy.random),
  so every call gets fresh numbers, and reseeding replays the same stream as without compile.
- Under another transform (``grad(compile(f))``, ``vmap(compile(f))``), and inside another
  compiled function, ``f`` runs as it is: the outer transform sees its ops.
- ``donate_argnums``: NOTE [donation] (``_Trace._donate``).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import sys
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import optree

from lamina import core
from lamina.errors import LaminaRuntimeError, LaminaTypeError, LaminaValueError
from lamina.interpreters.functionalize import FunctionalizeInterpreter
from lamina.lazy import compile as _lazy_compile
from lamina.lazy import counters as _metrics
from lamina.lazy import cuda_graphs as _cuda_graphs
from lamina.lazy.devices import Device
from lamina.lazy.graph import (
    LazyTensor,
    ScalarReadError,
    _as_array,
    _eval_lock,
    _freeze,
    donated,
    evaluate,
    placeholder,
    traced_scalar,
    tracing,
)
from lamina.lazy.keys import params_key
from lamina.wrappers.tensor import Storage, Tensor, on_storage

__all__ = ["compile", "Compiled"]

_NAMESPACE = "lamina"
_PY_SCALARS = (bool, int, float, complex)
_CPU = Device("cpu")
_counters = _metrics.counters
_STATIC = object()  # stands for a static argument in the flattened arguments
_MISS = object()  # a replay function's "run the general path instead"
_FLAT = frozenset({Tensor, np.ndarray, float, int, bool, complex, type(_STATIC)})  # leaves
_RETRACE_WARNING_AFTER = 8  # consecutive calls that each traced before the warning


def compile(fun: Callable | None = None, *, static_argnums: int | tuple = (),  # noqa: A001
            static_argnames: str | tuple = (), donate_argnums: int | tuple = (),
            cache_size: int = 64) -> Any:
    """Trace ``fun`` once per input signature and replay the traced program on later calls.

    Usable as ``compile(f)``, ``@compile`` and ``@compile(static_argnums=...)``. The first call
    with a new signature (argument structure, array shapes, dtypes and devices, static
    argument values) runs ``fun`` on placeholders, with every transform inside it, and
    compiles the graph; later calls with that signature run the compiled program only. See
    NOTE [compile] for the rules (side effects run once; values cannot be read while tracing;
    captured tensors are constants; writes into arguments are written back; random draws are
    fresh on each call). ``static_argnums``/``static_argnames`` name arguments whose values
    (hashable) are part of the signature instead of inputs. ``donate_argnums`` names
    arguments whose buffers the program may reuse for its results (NOTE [donation]; a
    donated tensor the function does not write has no value after the call). ``cache_size`` bounds
    the traces kept per function (least recently used first out).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> @lm.compile
    ... def step(w, x):
    ...     return w - 0.1 * lm.grad(lambda w: ((x @ w) ** 2).sum())(w)
    >>> w = step(lnp.ones(3), lnp.eye(3))
    >>> w = step(w, lnp.eye(3))          # same signature: the traced program runs
    >>> w
    Tensor([0.64, 0.64, 0.64], device='cpu')
    >>> step.traces
    1
    """
    if fun is None:
        return functools.partial(compile, static_argnums=static_argnums,
                                 static_argnames=static_argnames,
                                 donate_argnums=donate_argnums, cache_size=cache_size)
    return Compiled(fun, static_argnums, static_argnames, donate_argnums, cache_size)


def _int_tuple(value: Any, what: str) -> tuple:
    items = (value,) if isinstance(value, int) else tuple(value)
    for i in items:
        if not isinstance(i, int) or isinstance(i, bool):
            raise LaminaTypeError(f"compile: {what} must be an int or a tuple of ints, got "
                                  f"{value!r}.")
    return items


class Compiled:
    """A function compiled by ``lm.compile``: call it like the function.

    ``traces`` counts the traces made so far; ``lower(*args)`` returns the graph a call with
    these arguments traces (a ``make_graph`` graph).
    """

    def __init__(self, fun: Callable, static_argnums: Any, static_argnames: Any,
                 donate_argnums: Any, cache_size: int) -> None:
        if not callable(fun):
            raise LaminaTypeError(f"compile: expected a function, got {type(fun).__name__}.")
        self.fun = fun
        self.name = getattr(fun, "__name__", type(fun).__name__)
        names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
        nums = _int_tuple(static_argnums, "static_argnums")
        try:
            signature = inspect.signature(fun)
        except (TypeError, ValueError):
            signature = None
        if signature is not None:
            params = list(signature.parameters.values())
            positional = [p.name for p in params
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            # As JAX does: a static argument may be named either way.
            nums = tuple(sorted(set(nums) | {positional.index(n) for n in names
                                             if n in positional}))
            names = tuple(dict.fromkeys(names + tuple(positional[i] for i in nums
                                                      if 0 <= i < len(positional))))
        self.static_argnums = nums
        self.static_argnames = frozenset(names)
        self.donate_argnums = _int_tuple(donate_argnums, "donate_argnums")
        overlap = set(self.donate_argnums) & set(self.static_argnums)
        if overlap:
            raise LaminaValueError(
                f"compile({self.name}): argument {sorted(overlap)[0]} is both static and "
                "donated; a static argument is not an array, so it cannot be donated."
            )
        if cache_size < 1:
            raise LaminaValueError(f"compile: cache_size must be at least 1, got {cache_size}.")
        self.cache_size = cache_size
        self._cache: OrderedDict = OrderedDict()
        self.traces = 0
        self._retraces_in_a_row = 0
        self._warned = False
        self._last_key: Any = None
        # Leaf indices of Python-scalar arguments made static (NOTE [traced Python scalars]).
        self._static_scalars: set[int] = set()
        functools.update_wrapper(self, fun)

    def __repr__(self) -> str:
        return f"<lamina compiled function {self.name}>"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        # A compiled method binds like a function does.
        return self if obj is None else functools.partial(self, obj)

    # -- calling ------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if core.current_interpreters() or tracing.active:
            return self.fun(*args, **kwargs)  # inside a transform or another trace: inline
        statics, dyn_args, dyn_kwargs = self._split(args, kwargs)
        if not dyn_kwargs and all(type(a) in _FLAT for a in dyn_args):
            leaves, spec = list(dyn_args), len(dyn_args)  # no containers: no tree to walk
        else:
            leaves, spec = optree.tree_flatten((dyn_args, dyn_kwargs), none_is_leaf=False,
                                               namespace=_NAMESPACE)
        entries, storages = _describe(leaves, self.name, self._static_scalars)
        key = (spec, entries, statics)
        try:
            trace = self._cache.get(key)
        except TypeError:
            raise LaminaTypeError(
                f"compile({self.name}): a static argument is not hashable; static arguments "
                "are part of the signature, so they must be hashable (a tuple, not a list)."
            ) from None
        if trace is None:
            trace, key = self._trace(key, leaves, spec, storages, args, kwargs)
        else:
            self._cache.move_to_end(key)
            self._retraces_in_a_row = 0
            _counters["compiled_calls"] += 1
        self._last_key = key
        if self.donate_argnums:
            return trace.run(leaves, storages, self._donated(args))
        return trace.run(leaves, storages)

    def _donated(self, args: tuple) -> set:
        """The ids of the storages of the tensors in the donated arguments."""
        ids = set()
        for i in self.donate_argnums:
            if -len(args) <= i < len(args):
                for leaf in optree.tree_leaves(args[i], none_is_leaf=False,
                                               namespace=_NAMESPACE):
                    if type(leaf) is Tensor and not leaf._views and leaf._writeable:
                        ids.add(id(leaf._storage))
        return ids

    def _split(self, args: tuple, kwargs: dict) -> tuple:
        """``(statics, dynamic args, dynamic kwargs)``: static arguments leave the pytree."""
        if not self.static_argnums and not self.static_argnames:
            return (), args, kwargs
        statics = []
        dyn_args = list(args)
        for i in self.static_argnums:
            if -len(args) <= i < len(args):
                statics.append((i, args[i]))
                dyn_args[i] = _STATIC
        dyn_kwargs = dict(kwargs)
        for name in sorted(self.static_argnames & kwargs.keys()):
            statics.append((name, kwargs[name]))
            dyn_kwargs[name] = _STATIC
        return tuple(statics), tuple(dyn_args), dyn_kwargs

    # -- tracing ------------------------------------------------------------------------------

    def _trace(self, key: tuple, leaves: list, spec: Any, storages: list, args: tuple,
               kwargs: dict) -> tuple:
        """Trace a new signature: ``(trace, key)`` (the key changes when Python scalars
        turn out to need to be static: NOTE [traced Python scalars] in lamina/lazy/graph.py)."""
        self._warn_if_retracing(key)
        while True:
            entries = key[1]
            traced = [i for i, e in enumerate(entries) if e[0] == "traced"]
            try:
                trace = _Trace.make(self, leaves, spec, entries, storages, args, kwargs)
                if traced:
                    probe = list(leaves)
                    for i in traced:
                        probe[i] = _probe_value(leaves[i])
                    again = _Trace.make(self, probe, spec, entries, storages, args, kwargs)
                    if not trace.same_program(again):
                        # A scalar's value reached the graph some other way than as an
                        # input: every traced scalar of the call becomes static.
                        self._static_scalars.update(traced)
                        trace = None
            except ScalarReadError as exc:
                # A Python scalar used as a number: trace again with it static.
                if exc.index not in traced:
                    raise
                self._static_scalars.add(exc.index)
                trace = None
            if trace is None:
                entries, _ = _describe(leaves, self.name, self._static_scalars)
                key = (key[0], entries, key[2])
                if key in self._cache:
                    return self._cache[key], key
                continue
            break
        self.traces += 1
        _counters["traces"] += 1
        self._cache[key] = trace
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return trace, key

    def _warn_if_retracing(self, key: tuple) -> None:
        previous = self._last_key
        if previous is None:
            return
        self._retraces_in_a_row += 1
        if self._retraces_in_a_row < _RETRACE_WARNING_AFTER or self._warned:
            return
        self._warned = True
        warnings.warn(
            f"lm.compile({self.name}) traced again on each of the last "
            f"{self._retraces_in_a_row} calls: {_what_changed(previous, key)}. Each new "
            "signature is traced and compiled again, which costs more than not compiling. "
            "Pass arrays of one shape and dtype, make a changing Python value an array "
            "(lnp.asarray(v)), or mark an argument that takes few values static.",
            RuntimeWarning, stacklevel=4,
        )

    def lower(self, *args: Any, **kwargs: Any) -> Any:
        """The graph a call with these arguments traces, printable like ``make_graph``'s.

        >>> import lamina as lm
        >>> import lamina.numpy as lnp
        >>> print(lm.compile(lambda x: lnp.sin(x) * 2).lower(lnp.ones(3)))
        graph <lambda>(a:f64[3]) {
          b:f64[3] = sin(a)
          c:f64[3] = multiply(b, 2.0)
          return (c,)
        }
        """
        from lamina.lazy.trace import make_graph  # noqa: PLC0415

        return make_graph(self.fun)(*args, **kwargs)


def _describe(leaves: list, name: str, static_scalars: set) -> tuple:
    """The signature entries of the flattened dynamic arguments, and the distinct storages of
    the tensors among them (arguments that share memory share a slot)."""
    entries = []
    storages: list = []
    slots: dict = {}
    for index, leaf in enumerate(leaves):
        kind = type(leaf)
        if kind is Tensor:
            storage = leaf._storage
            slot = slots.get(id(storage))
            if slot is None:
                slot = slots[id(storage)] = len(storages)
                storages.append(storage)
            value = storage.value
            if type(value) is not LazyTensor:
                value = core.unwrap_all(value)
            views = leaf._views
            entries.append((slot, value.shape, value.dtype, value.device,
                            _views_key(views) if views else (), leaf._writeable))
        elif kind is np.ndarray:
            entries.append(("array", leaf.shape, leaf.dtype))
        elif (kind is float or kind is complex) and index not in static_scalars:
            entries.append(("traced", kind))  # NOTE [traced Python scalars]
        elif kind in _PY_SCALARS or leaf is _STATIC:
            # ints and bools (shapes, axes, counts, flags) are static, by value.
            entries.append(("scalar", kind, leaf))
        elif kind is slice:  # unhashable before Python 3.12; static, like an int
            entries.append(("object", slice, (leaf.start, leaf.stop, leaf.step)))
        elif isinstance(leaf, np.generic):
            entries.append(("array", (), leaf.dtype))
        elif hasattr(leaf, "__cuda_array_interface__"):
            raise LaminaTypeError(
                f"compile({name}): CuPy arrays as arguments are not supported yet; pass "
                "lm.asarray(x) (a lamina tensor on the GPU) instead."
            )
        else:
            try:
                hash(leaf)
            except TypeError:
                raise LaminaTypeError(
                    f"compile({name}): an argument of type {kind.__name__} is neither an array "
                    "nor hashable, so it can be neither an input of the compiled program nor "
                    "part of its signature. Pass arrays, scalars, or pytrees of them, or mark "
                    "the argument static with a hashable value."
                ) from None
            entries.append(("object", kind, leaf))
    return tuple(entries), storages


def _views_key(views: tuple) -> tuple:
    return tuple((meta.prim, params_key(meta.params), meta.out_index) for meta in views)


def _what_changed(previous: tuple, key: tuple) -> str:
    if previous[0] != key[0]:
        return f"the structure of the arguments changed (from {previous[0]} to {key[0]})"
    if previous[2] != key[2]:
        return f"a static argument changed (from {previous[2]!r} to {key[2]!r})"
    for i, (a, b) in enumerate(zip(previous[1], key[1], strict=True)):
        if a != b:
            return f"argument leaf {i} changed from {_entry_text(a)} to {_entry_text(b)}"
    return "the signature changed"  # pragma: no cover - keys differ somewhere


def _entry_text(entry: tuple) -> str:
    if entry[0] == "scalar":
        return f"the Python {entry[1].__name__} {entry[2]!r} (Python scalars are static)"
    if entry[0] in ("array", "object"):
        return f"{entry[0]} {entry[1:]}"
    return f"a tensor of shape {entry[1]} and dtype {entry[2]}"


class _Trace:
    """One traced signature: how to bind a call's arrays to the program's inputs, the program,
    and how to hand back its outputs and write back the arguments it wrote."""

    __slots__ = ("program", "run_program", "xp", "device", "n_leaves", "leaf_sources",
                 "root_sources", "out_spec", "out_sources", "writes", "key_generators",
                 "checked", "fingerprint", "single", "graph", "runs", "donated_runs",
                 "name", "fast")

    @classmethod
    def make(cls, compiled: Compiled, leaves: list, spec: Any, entries: tuple,
             storages: list, args: tuple, kwargs: dict) -> _Trace:
        self = cls()
        self.name = compiled.name
        interpreter = FunctionalizeInterpreter("mutations")
        outer = tracing.what, tracing.keys, tracing.scalars
        tracing.active += 1
        tracing.what, tracing.keys, tracing.scalars = compiled.name, [], []
        try:
            with core.push_interpreter(interpreter):
                # Made under the functionalize scope: writes into them are the function's
                # own (its results), not captured mutations.
                private = [Storage(placeholder(e[1], e[2], e[3]))
                           for e in _storage_entries(entries, len(storages))]
                inputs: dict[int, tuple] = {}  # id(placeholder) -> leaf source
                for slot, storage in enumerate(private):
                    inputs[id(storage.value)] = ("storage", slot)
                handles: dict[int, int] = {}  # id(handle given to fun) -> leaf index
                call_leaves = []
                for i, (leaf, entry) in enumerate(zip(leaves, entries, strict=True)):
                    if type(leaf) is Tensor:
                        handle = on_storage(private[entry[0]], leaf._views, leaf._writeable)
                        handles[id(handle)] = i
                        call_leaves.append(handle)
                    elif entry[0] == "traced":
                        call_leaves.append(traced_scalar(leaf, i))
                    elif entry[0] == "array":
                        value = placeholder(entry[1], entry[2], _CPU)
                        inputs[id(value)] = ("array", i)
                        handle = on_storage(Storage(value))
                        handles[id(handle)] = -1  # a new tensor: returned as such
                        call_leaves.append(handle)
                    else:
                        call_leaves.append(leaf)
                interpreter.enter()
                try:
                    tree = ((tuple(call_leaves), {}) if type(spec) is int
                            else optree.tree_unflatten(spec, call_leaves))
                    call_args, call_kwargs = _merge_statics(tree, args, kwargs)
                    out = compiled.fun(*call_args, **call_kwargs)
                    out_leaves, self.out_spec = optree.tree_flatten(
                        out, none_is_leaf=False, namespace=_NAMESPACE)
                    self.single = self.out_spec.is_leaf()
                    captured = list(interpreter._private.storages)
                    roots, self.out_sources, self.writes = _outputs(
                        out_leaves, handles, private, interpreter)
                    keys, scalars = tracing.keys, tracing.scalars
                finally:
                    interpreter.restore()
        finally:
            tracing.active -= 1
            tracing.what, tracing.keys, tracing.scalars = outer
        if captured:
            raise LaminaRuntimeError(
                f"compile({compiled.name}): the function wrote into a tensor it captured (one "
                "it did not receive as an argument: a global or a closure variable). A "
                "compiled function treats captured tensors as constants, so the write would "
                "be lost. Pass the tensor as an argument: writes into arguments are written "
                "back to the caller's tensor after every call."
            )
        self.key_generators = tuple(generator for _, generator in keys)
        for k, (key, _) in enumerate(keys):
            inputs[id(key)] = ("key", k)
        for value, index in scalars:
            inputs[id(value)] = ("scalar", index, value.device)
        self._build(roots, inputs)
        return self

    def _build(self, roots: list, inputs: dict) -> None:
        """The program computing ``roots`` from the placeholders in ``inputs``."""
        devices = {r.device for r in roots}
        if len(devices) > 1:
            raise LaminaRuntimeError(
                "compile: the function's results are on different devices "
                f"({', '.join(sorted(map(str, devices)))}); a compiled program runs on one "
                "device. Move the results to one device inside the function."
            )
        self.device = devices.pop() if devices else _CPU
        self.xp = self.device.xp
        node_roots = [r for r in roots if r.node is not None]
        self.root_sources = []
        if node_roots:
            with _eval_lock:
                order, _, leaves, key, _ = _lazy_compile._trace(node_roots)
                program = _lazy_compile.Program(order, len(leaves), key.value[2], key.value[3],
                                                key.value[1])
            self.leaf_sources = [inputs.get(id(leaf), ("const", leaf.data)) for leaf in leaves]
            for leaf in leaves:
                if leaf.data is None and id(leaf) not in inputs:
                    raise _escaped_placeholder()
            program.compile(self.xp, fuse_cpu=True)  # NOTE [CPU fusion]
            self.fingerprint = [key.value, [src[:2] if src[0] != "const" else ("const",)
                                            for src in self.leaf_sources]]
            self.program = program
            self.run_program = program._variant(())[1]
            self.n_leaves = len(leaves)
        else:
            self.fingerprint = [None, []]
            self.program = None
            self.run_program = None
            self.leaf_sources = []
            self.n_leaves = 0
        position = {id(r): i for i, r in enumerate(node_roots)}
        for r in roots:
            if r.node is not None:
                self.root_sources.append(("out", position[id(r)]))
            elif id(r) in inputs:
                self.root_sources.append(("leaf", inputs[id(r)]))
            elif r.data is not None:
                self.root_sources.append(("const", r))
            else:
                raise _escaped_placeholder()
        self.graph = None  # NOTE [CUDA graphs]: None until tried, then captured or False
        self.runs = 0
        self.donated_runs: dict = {}  # donated leaf positions -> the program's run for them
        self.fast = None  # NOTE [replay functions]
        self.fingerprint += [self.root_sources, [src[:2] for src in self.out_sources],
                             self.writes]
        self.checked = False

    def same_program(self, other: _Trace) -> bool:
        """Whether two traces of one signature made the same program with the same constants
        (NOTE [traced Python scalars] in lamina/lazy/graph.py)."""
        if len(self.fingerprint) != len(other.fingerprint):
            return False
        for a, b in zip(self.fingerprint, other.fingerprint, strict=True):
            try:
                if a != b:
                    return False
            except Exception:  # noqa: BLE001 - arrays or odd objects among the outputs
                return False
        mine = [s[1] for s in self.leaf_sources if s[0] == "const"]
        theirs = [s[1] for s in other.leaf_sources if s[0] == "const"]
        return len(mine) == len(theirs) and all(
            a is b or (a.shape == b.shape and a.dtype == b.dtype and _same_bits(a, b))
            for a, b in zip(mine, theirs, strict=True))

    # -- replaying ----------------------------------------------------------------------------

    def run(self, leaves: list, storages: list, donated: set | None = None) -> Any:
        fast = self.fast
        if fast is not None and not donated:
            out = fast(leaves, storages)
            if out is not _MISS:
                return out
        xp = self.xp
        device = self.device
        pending = [s.value for s in storages if s.value.data is None]
        if pending:
            evaluate(pending)  # the caller's pending arguments, in one graph
        del pending  # (its references would keep a donation from being used)
        run_program = self.run_program
        given = None
        if donated and run_program is not None and device.kind == "cpu":
            given = self._donate(storages, donated)
            if given is not None:
                run_program = given[0]
        bound_keys = None
        if self.key_generators:
            bound_keys = [device.to_device(g._next_words()) for g in self.key_generators]
        arrays = [self._bind(source, leaves, storages, bound_keys)
                  for source in self.leaf_sources]
        if run_program is None:
            values = []
        elif self.graph is not None and self.graph is not False:
            values = self.graph.run(arrays, len(self.program.roots))  # NOTE [CUDA graphs]
            if values is None:
                values = run_program(xp, arrays)
        elif given is not None:
            try:
                values = run_program(xp, arrays)
            except BaseException:
                self._invalidate(given[1], storages, ())
                raise
        else:
            values = run_program(xp, arrays)
            if self.graph is None and device.kind == "cuda":
                self._capture(arrays)
        results = []
        for source in self.root_sources:
            kind = source[0]
            if kind == "out":
                value = values[source[1]]
                results.append(LazyTensor(value.shape, value.dtype, device,
                                          data=_freeze(_as_array(xp, value))))
            elif kind == "leaf":
                array = self._bind(source[1], leaves, storages, bound_keys)
                results.append(LazyTensor(array.shape, array.dtype, device, data=array))
            else:
                results.append(source[1])
        if not self.checked:
            self._check(results)
            self._make_fast(len(storages))
        for slot, i in self.writes:
            on_storage(storages[slot], (), True)._assign(results[i], "compile", writeback=True)
        if given is not None:
            self._invalidate(given[1], storages, self.writes)
        fresh: dict = {}
        out = []
        for source in self.out_sources:
            kind = source[0]
            if kind == "new":
                storage = fresh.get(source[1])
                if storage is None:
                    storage = fresh[source[1]] = Storage(results[source[1]])
                out.append(on_storage(storage, source[2], source[3]))
            elif kind == "input":
                out.append(leaves[source[1]])
            elif kind == "view":
                out.append(on_storage(storages[source[1]], source[2], source[3]))
            else:
                out.append(source[1])
        if self.single:
            return out[0]
        return optree.tree_unflatten(self.out_spec, out)

    def _donate(self, storages: list, donated: set) -> tuple | None:
        """NOTE [donation]: ``(program run, donated storages)`` when some donated argument's
        buffer can be reused, else None.

        A donated tensor's buffer is reused only when nothing else can see it: its value is
        held by its storage alone (no pending graph reads it), and its NumPy array by that
        value alone (no ``np.asarray(t)`` view, no view tensor's cache), is contiguous and
        owns its memory. Then the program may write results into it (``out=``, after its last
        read) and the tensor has no value afterwards, unless the function wrote it (the usual
        ``w -= lr * g``: it gets the new value, often in its own old buffer). A donated tensor
        that fails a check is simply not reused, as JAX does with unusable donations.
        """
        leaf_indices = []
        chosen = []
        value = array = None
        for k, source in enumerate(self.leaf_sources):
            if source[0] != "storage" or id(storages[source[1]]) not in donated:
                continue
            value = storages[source[1]].value
            array = value.data
            # References: the storage, `value`, getrefcount's argument; for the array: the
            # value, `array`, getrefcount's argument.
            if (type(array) is not np.ndarray or array.base is not None
                    or not array.flags.c_contiguous or sys.getrefcount(value) > 3
                    or sys.getrefcount(array) > 3):
                continue
            leaf_indices.append(k)
            chosen.append(source[1])
        del value, array
        if not leaf_indices:
            return None
        key = tuple(leaf_indices)
        run = self.donated_runs.get(key)
        if run is None:
            self.program.compile(self.xp, (), fuse_cpu=True, donated=key)
            run = self.donated_runs[key] = self.program._variant((), key)[1]
        for slot in chosen:
            storages[slot].value.data.flags.writeable = True
        return run, chosen

    def _invalidate(self, slots: list, storages: list, writes: tuple) -> None:
        """Donated storages the call did not write get a value that says so when read."""
        written = {slot for slot, _ in writes}
        for slot in slots:
            if slot in written:
                continue
            storage = storages[slot]
            old = storage.value
            marker = donated(old.shape, old.dtype, old.device, f"lm.compile({self.name})")
            on_storage(storage, (), True)._assign(marker, "compile", writeback=True)
            # No going back (NOTE [rolling back failed writes]): the old buffer was reused.
            storage.settled = None

    def _capture(self, arrays: list) -> None:
        """After ``WARM_RUNS`` runs, capture the program as a CUDA graph (NOTE [CUDA graphs] in
        lamina/lazy/cuda_graphs.py); False marks a program that could not be captured."""
        self.runs += 1
        if self.runs < _cuda_graphs.WARM_RUNS:
            return
        bound = [i for i, source in enumerate(self.leaf_sources) if source[0] != "const"]
        captured = _cuda_graphs.capture(self.program, self.xp, arrays, bound)
        self.graph = False if captured is None else captured

    @staticmethod
    def _bind(source: tuple, leaves: list, storages: list, keys: list | None) -> Any:
        kind = source[0]
        if kind == "storage":
            return storages[source[1]].value.data
        if kind == "const":
            return source[1]
        if kind == "array":
            return _freeze(np.array(leaves[source[1]], copy=True))
        if kind == "scalar":
            array = np.asarray(leaves[source[1]])
            device = source[2]
            return array if device.kind == "cpu" else device.to_device(array)
        return keys[source[1]]

    def _make_fast(self, n_storages: int) -> None:
        """NOTE [replay functions]: after the first (checked) run, a trace on the CPU gets a
        straight-line function for its later calls, generated from its sources: it binds the
        arguments' arrays, runs the program and builds the results without the loops and
        dispatch of ``run`` (which stays for pending arguments, donation, random keys and
        CUDA). It returns ``_MISS`` when an argument is pending, and ``run`` takes over."""
        if self.device.kind != "cpu" or self.key_generators:
            return
        ns: dict[str, Any] = {"_MISS": _MISS, "_freeze": _freeze, "_np": np,
                              "_LT": LazyTensor, "_dev": self.device, "_Storage": Storage,
                              "_on": on_storage, "_nd": np.ndarray, "_run": self.run_program,
                              "_spec": self.out_spec, "_unflatten": optree.tree_unflatten}
        lines = ["def fast(leaves, storages):"]
        for slot in range(n_storages):
            lines.append(f"    d{slot} = storages[{slot}].value.data")
            lines.append(f"    if d{slot} is None:")
            lines.append("        return _MISS")
        def bind(source: tuple, name: str) -> str:
            kind = source[0]
            if kind == "storage":
                return f"d{source[1]}"
            if kind == "const":
                ns[name] = source[1]
                return name
            if kind == "array":
                return f"_freeze(_np.array(leaves[{source[1]}], copy=True))"
            return f"_np.asarray(leaves[{source[1]}])"  # a traced Python scalar

        args = [bind(source, f"c{k}") for k, source in enumerate(self.leaf_sources)]
        if self.run_program is not None:
            lines.append(f"    values = _run(_np, [{', '.join(args)}])")
        for j, source in enumerate(self.root_sources):
            kind = source[0]
            if kind == "out":
                lines.append(f"    r = values[{source[1]}]")
                lines.append("    if type(r) is not _nd:")
                lines.append("        r = _np.asarray(r)")
                lines.append(f"    t{j} = _LT(r.shape, r.dtype, _dev, None, 0, _freeze(r))")
            elif kind == "leaf":
                lines.append(f"    r = {bind(source[1], f'l{j}')}")
                lines.append(f"    t{j} = _LT(r.shape, r.dtype, _dev, None, 0, r)")
            else:
                ns[f"k{j}"] = source[1]
                lines.append(f"    t{j} = k{j}")
        for slot, i in self.writes:
            lines.append(f"    _on(storages[{slot}], (), True)._assign(t{i}, 'compile', "
                         "writeback=True)")
        made = set()
        outs = []
        for n, source in enumerate(self.out_sources):
            kind = source[0]
            if kind == "new":
                if source[1] not in made:
                    made.add(source[1])
                    lines.append(f"    s{source[1]} = _Storage(t{source[1]})")
                ns[f"v{n}"] = source[2]
                outs.append(f"_on(s{source[1]}, v{n}, {source[3]})")
            elif kind == "input":
                outs.append(f"leaves[{source[1]}]")
            elif kind == "view":
                ns[f"v{n}"] = source[2]
                outs.append(f"_on(storages[{source[1]}], v{n}, {source[3]})")
            else:
                ns[f"o{n}"] = source[1]
                outs.append(f"o{n}")
        if self.single:
            lines.append(f"    return {outs[0]}")
        else:
            lines.append(f"    return _unflatten(_spec, [{', '.join(outs)}])")
        code = builtins.compile("\n".join(lines), "<lamina replay>", "exec")  # not lm.compile
        exec(code, ns)  # noqa: S102
        self.fast = ns["fast"]

    def _check(self, results: list) -> None:
        """The first run checks what the kernels returned against the shape rules."""
        for r in results:
            if r.data.shape != r.shape or r.data.dtype != r.dtype:  # pragma: no cover
                raise LaminaRuntimeError(
                    f"internal error in lamina: a compiled program returned shape "
                    f"{r.data.shape} and dtype {r.data.dtype} where its trace promised "
                    f"{r.shape} and {r.dtype}. Please report this with the function."
                )
        self.checked = True


def _probe_value(value: float | complex) -> float | complex:
    """Another value for a traced Python scalar's second trace (NOTE [traced Python
    scalars]): unlike the first in every bit that could matter."""
    probe = value * 1.618033988749895 + 0.7390851332151607
    return probe if probe != value else value + 1.0


def _same_bits(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.tobytes() == b.tobytes()
    try:
        return bool((a == b).all()) or a.tobytes() == b.tobytes()
    except Exception:  # noqa: BLE001 - device arrays without tobytes: compare on the host
        return False


def _storage_entries(entries: tuple, n: int) -> list:
    """For each storage slot, the (slot, base shape, dtype, device) of its first tensor."""
    found: list = [None] * n
    for entry in entries:
        if type(entry[0]) is int and found[entry[0]] is None:
            found[entry[0]] = entry
    return found


def _merge_statics(call: tuple, args: tuple, kwargs: dict) -> tuple:
    """The traced call's arguments with the static ones put back."""
    call_args, call_kwargs = call
    call_args = tuple(a if a is not _STATIC else args[i] for i, a in enumerate(call_args))
    call_kwargs = {k: (v if v is not _STATIC else kwargs[k]) for k, v in call_kwargs.items()}
    return call_args, call_kwargs


def _outputs(out_leaves: list, handles: dict, private: list, interpreter: Any) -> tuple:
    """``(roots, out_sources, writes)``: the values the program computes, how each output is
    handed back, and which argument storages get which root written back."""
    roots: list = []
    root_of: dict = {}  # id(storage) -> root index (a new storage's base value)

    def root(value: Any) -> int:
        if type(value) is not LazyTensor:
            raise LaminaTypeError(
                f"compile({tracing.what}): the function returned a value tracked by a "
                "transform that is still running; return it from inside the transform."
            )
        roots.append(value)
        return len(roots) - 1

    writes = []
    for slot, storage in enumerate(private):
        if storage.generation:
            writes.append((slot, root(storage.value)))
    slot_of = {id(s): i for i, s in enumerate(private)}
    sources = []
    for x in out_leaves:
        if type(x) is not Tensor:
            if isinstance(x, LazyTensor):  # pragma: no cover - users hold Tensors
                raise LaminaTypeError("compile: the function returned a raw LazyTensor.")
            sources.append(("object", x))
            continue
        index = handles.get(id(x))
        if index is not None and index >= 0:
            sources.append(("input", index))
            continue
        slot = slot_of.get(id(x._storage))
        if slot is not None:
            sources.append(("view", slot, x._views, x._writeable))
            continue
        storage = x._storage
        born_inside = any(i is interpreter for i in storage.born_in)
        if not born_inside and index is None:
            sources.append(("object", x))  # a captured tensor, returned as it is
            continue
        i = root_of.get(id(storage))
        if i is None:
            value = storage.value
            if type(value) is not LazyTensor:
                value = core.unwrap_all(value)
            i = root_of[id(storage)] = root(value)
        sources.append(("new", i, x._views, x._writeable))
    return roots, sources, writes


def _escaped_placeholder() -> LaminaRuntimeError:
    return LaminaRuntimeError(
        f"compile({tracing.what}): the function's results depend on a tensor traced by another "
        "lm.compile call that escaped its trace (stored outside the function). Return it from "
        "that function instead."
    )
