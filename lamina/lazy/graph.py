"""The lazy graph: ``LazyTensor`` values, the bottom of the layer stack.

Below every interpreter, ``bind`` calls ``apply(prim, args, params)``, which records a node in a
functional graph instead of computing (modelled on PyTorch's Lazy Tensor Core). A
``LazyTensor`` is either *data* (``data`` holds a NumPy/CuPy array) or *pending* (``node`` and
``index`` say which output of which node it is). Nodes are immutable. Evaluation (see
``evaluate``) turns the requested pending tensors into data leaves, so the graph never grows
without bound, together with the pending intermediates of the graph that something else still
refers to, so that no pending value is computed twice (NOTE [live intermediates] in
lamina/lazy/compile.py).

NOTE [what forces evaluation] (the README lists the same points):
  - reading values: ``np.asarray(t)``, ``t.numpy()``, ``t.tolist()``, ``t.item()``,
    ``float/int/bool/complex(t)``, ``t.__index__``, ``print(t)`` / ``repr(t)``, iteration
    over a 0-d check such as ``if t:``;
  - ``lm.eval(*tensors)``;
  - an op whose output shape depends on data (boolean-mask indexing, ``nonzero``): its inputs
    are evaluated and the op runs through the eager fallback;
  - ``x[idx] = v`` with a pending integer index array: the index is evaluated first, so an
    out-of-bounds index raises at the assignment and is never stored;
  - a pending graph deeper than ``lm.config.max_graph_depth`` (evaluated as it is built);
  - eager mode (``lm.config.eager`` / ``LAMINA_EAGER=1``): every op, at once.

NOTE [thread safety of the backend]: building the graph takes no lock: the per-op caches
(``_constants``, ``_abstract_cache``, ``_copy_variants``) are plain dicts used only through
single operations that are atomic under the GIL (``get``, ``setdefault``, item assignment,
``clear``); a lost race costs a cache miss, never a wrong hit. A node is read once into a
local (``a.node``) because another thread's evaluation may detach it. Evaluation
(``evaluate``) holds ``_eval_lock``, an RLock: only one graph runs at a time, so the compile
cache (an LRU ``OrderedDict``), the detaching of evaluated nodes and NOTE [live
intermediates] see one evaluation at a time. It is reentrant because a kernel may itself
evaluate lamina tensors (a custom op's kernel calling lamina); a kernel must not wait for
another thread that evaluates lamina tensors (that would deadlock).
The counters of ``lm.lazy.metrics()`` are not locked and may miss counts under threads.

NOTE [lamina's arrays are read-only]: every NumPy array the backend stores as data (leaves
from ``from_array``, constants, results of evaluation and of eager ops) is made read-only,
with the bases it views (``_freeze``), so ``np.asarray(t)`` hands out memory that cannot be
made writable again (NumPy refuses ``flags.writeable = True`` on a view of read-only memory)
and nothing a user holds can change a tensor, a pending graph or a cached constant. The
compiled program's buffer reuse writes only into fresh intermediates of the same run, never
into stored data (NOTE [buffer reuse] in compile.py). CuPy arrays have no write flag: on CUDA
the guarantee rests on lamina never handing out its arrays writable (``t.numpy()`` copies, and
custom-op kernels get copies, lamina/library.py).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from lamina import core
from lamina.config import config
from lamina.errors import DeviceError, LaminaRuntimeError, TracedValueError
from lamina.lazy import counters as _metrics
from lamina.lazy.devices import Device
from lamina.lazy.keys import params_key, scalar_key
from lamina.lazy.lifting import lift_index

__all__ = ["LazyTensor", "LazyNode", "apply", "evaluate", "constant", "from_array", "copy_variant",
           "scope"]

_counters = _metrics.counters


class LazyNode:
    """One op application in the graph: ``prim(*inputs, **params)`` with known output avals.

    ``pkey`` is the key of ``params`` (NOTE [param keys]), computed once when the node is built:
    evaluation keys the graph with it (lamina/lazy/compile.py).
    """

    __slots__ = ("prim", "inputs", "params", "avals", "outputs", "pkey")

    def __init__(self, prim: core.Primitive, inputs: tuple, params: dict, avals: tuple,
                 pkey: tuple) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.avals = avals
        # Weak references to the outputs of a multi-output node, so that evaluating one output
        # also stores its live siblings (``eigh``'s values and vectors are computed together).
        self.outputs: tuple = ()
        self.pkey = pkey


class LazyTensor:
    """An immutable array value of the lazy backend: data, or one output of a pending node."""

    __slots__ = ("shape", "dtype", "device", "node", "index", "data", "depth", "__weakref__")

    def __init__(self, shape: tuple, dtype: np.dtype, device: Device, node=None, index=0,
                 data=None, depth: int = 0) -> None:
        self.shape = shape
        self.dtype = dtype
        self.device = device
        self.node = node
        self.index = index
        self.data = data
        # Length of the longest pending path behind this value (0 for data), bounded by
        # config.max_graph_depth (NOTE [what forces evaluation]).
        self.depth = depth

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return _prod(self.shape)

    @property
    def is_pending(self) -> bool:
        return self.data is None

    def realize(self) -> Any:
        """The array this value holds (NumPy or CuPy), evaluating its graph if pending."""
        if self.data is None:
            evaluate((self,))
        return self.data

    def __repr__(self) -> str:
        node = self.node  # read once: another thread may evaluate this value meanwhile
        state = "data" if node is None else f"pending {node.prim.name}"
        return f"LazyTensor(shape={self.shape}, dtype={self.dtype}, device={self.device}, {state})"


def _prod(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def from_array(array: Any, device: Device) -> LazyTensor:
    """A data leaf holding ``array`` (already an array of ``device``'s module).

    The array becomes read-only (NOTE [lamina's arrays are read-only]). A read-only view of
    memory that someone else can still write (a caller's read-only view of a writable array)
    is copied first: freezing the caller's array would change it behind their back.
    """
    if type(array) is np.ndarray or isinstance(array, np.ndarray):
        if not array.flags.writeable and _writable_base(array):
            array = array.copy()
        _freeze(array)
    return LazyTensor(tuple(array.shape), array.dtype, device, data=array)


def _writable_base(array: np.ndarray) -> bool:
    base = array.base
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return True
        base = base.base
    # Memory from another object (bytes, a buffer, mmap): NumPy allows writes to a view of
    # it when the object's buffer is writable.
    if base is not None:
        try:
            return not memoryview(base).readonly
        except TypeError:
            return True
    return False


def _freeze(array: Any) -> Any:
    """Make a NumPy array lamina keeps read-only, and the arrays it views (NOTE [lamina's
    arrays are read-only]); CuPy arrays pass unchanged."""
    a = array
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            a.flags.writeable = False
        a = a.base
    return array


_constants: dict[tuple, LazyTensor] = {}


def constant(value: Any, dtype: np.dtype, device: Device) -> LazyTensor:
    """A 0-d data leaf for a Python scalar, shared between uses (leaves are immutable)."""
    if type(value) in TRACED_SCALARS:
        return value.leaf(dtype, device)  # NOTE [traced Python scalars]
    key = (scalar_key(value), dtype, device)  # NOTE [param keys]: 0.0 is not -0.0
    leaf = _constants.get(key)
    if leaf is None:
        if device.kind == "cpu":
            array = np.asarray(value, dtype=dtype)
        else:  # NOTE [signed zeros on CuPy] in lamina/lazy/devices.py
            array = device.to_device(np.asarray(value, dtype=dtype))
        array = _freeze(array)
        leaf = LazyTensor((), array.dtype, device, data=array)
        if len(_constants) > 4096:
            _constants.clear()
        leaf = _constants.setdefault(key, leaf)  # NOTE [thread safety of the backend]
    return leaf


# --------------------------------------------------------------------------------------------
# Placeholders: the inputs of a graph traced by ``lm.compile``.


class _Tracing(threading.local):
    def __init__(self) -> None:
        self.active = 0  # > 0 while lm.compile traces a function in this thread
        self.what = ""  # the traced function's name, for errors
        self.keys: list = []  # (placeholder, Generator) of each random draw in the trace
        self.scalars: list = []  # (placeholder, argument leaf index) of each traced scalar


tracing = _Tracing()


def placeholder(shape: tuple, dtype: Any, device: Device) -> LazyTensor:
    """An input of a graph traced by ``lm.compile``: a value with a shape and a dtype only.

    NOTE [placeholders]: a placeholder is a ``LazyTensor`` with neither data nor a node. Ops
    build pending nodes on it as on any value, and the compiled program binds a new array to
    it on every call (lamina/transforms/compile.py). Evaluating a graph that reaches one
    raises ``TracedValueError`` (``evaluate`` and ``run_graph``): while a function is traced
    its array arguments have no values, and a value read then (``float(x)``, ``if x > 0``,
    ``np.asarray(x)``) would be baked into every later call.
    """
    return LazyTensor(tuple(shape), np.dtype(dtype), device)


class ScalarReadError(TracedValueError):
    """A traced Python scalar used as a Python number while tracing (NOTE [traced Python
    scalars]); ``lm.compile`` catches it and traces again with the scalar static."""

    def __init__(self, index: int) -> None:
        super().__init__(
            f"lm.compile({tracing.what}): a Python scalar argument was used as a Python number "
            "while the function was traced"
        )
        self.index = index


def _read(self, *args: Any) -> Any:
    raise ScalarReadError(self.index)


def _reflected(self, other: Any) -> Any:
    if hasattr(other, "_lamina_read") or type(other) is LazyTensor:
        return NotImplemented  # the tensor's reflected operator builds the op
    raise ScalarReadError(self.index)


class _TracedScalar:
    """NOTE [traced Python scalars]: a Python float or complex argument of a function
    ``lm.compile`` traces is passed to it as an instance of a subclass of its type, so that
    lamina's ops treat it as the weakly typed Python scalar it is (``float32_tensor * lr``
    stays float32), while ``constant`` (the one place where ops turn Python scalars into
    graph leaves) and ``to_value`` turn it into a placeholder, cast to the dtype the op
    resolved: the compiled program then reads the scalar's new value on every call. Any use as
    a Python number (``lr * 2``, ``if lr > 0``, ``float(lr)``, a hash for a cache key) raises
    ``ScalarReadError`` and the function is traced again with that scalar static (part of the
    signature by value). A value read at the C level (``np.asarray([lr])``) cannot be caught
    here: ``lm.compile`` traces such functions twice, with two values, and makes the scalars
    static when the two programs differ.
    """

    __slots__ = ()

    def leaf(self, dtype: np.dtype, device: Device) -> LazyTensor:
        leaves = self._leaves
        value = leaves.get(device)
        if value is None:
            value = leaves[device] = placeholder((), self._dtype, device)
            tracing.scalars.append((value, self.index))
        if dtype != value.dtype:
            value = _scalar_cast(value, dtype)
        return value


for _name in ("__bool__", "__int__", "__float__", "__complex__", "__index__", "__hash__",
              "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__neg__", "__pos__",
              "__abs__", "__round__", "__trunc__", "__floor__", "__ceil__", "__divmod__",
              "__getnewargs__", "conjugate", "is_integer", "as_integer_ratio", "hex"):
    setattr(_TracedScalar, _name, _read)
for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow"):
    for _form in (f"__{_name}__", f"__r{_name}__"):
        setattr(_TracedScalar, _form, _reflected)


class TracedFloat(_TracedScalar, float):
    __slots__ = ("index", "_leaves")
    _dtype = np.dtype(np.float64)


class TracedComplex(_TracedScalar, complex):
    __slots__ = ("index", "_leaves")
    _dtype = np.dtype(np.complex128)


TRACED_SCALARS = (TracedFloat, TracedComplex)
SCALAR_BASE = {TracedFloat: float, TracedComplex: complex}


def traced_scalar(value: float | complex, index: int) -> _TracedScalar:
    """The stand-in for the Python scalar argument ``index`` of a traced function."""
    out = (TracedComplex if type(value) is complex else TracedFloat)(value)
    out.index = index
    out._leaves = {}
    return out


def _scalar_cast(value: LazyTensor, dtype: np.dtype) -> Any:
    from lamina.ops.elementwise import astype_value  # noqa: PLC0415 - ops build on the graph

    return astype_value(value, dtype)


# The values of tensors donated to a compiled function (NOTE [donation] in
# lamina/transforms/compile.py): no data, no node, and a message of their own.
donated_values: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # value -> by whom


def donated(shape: tuple, dtype: Any, device: Device, what: str) -> LazyTensor:
    """The value a donated tensor has after the call that reused its memory."""
    value = LazyTensor(tuple(shape), np.dtype(dtype), device)
    donated_values[value] = what
    return value


def traced_value_error(value: Any = None) -> TracedValueError:
    """The error for evaluating a graph that depends on a placeholder (NOTE [placeholders])."""
    from lamina.wrappers.tensor import _user_frame  # noqa: PLC0415 - tensor imports this module

    where = _user_frame()
    if value is not None and value in donated_values:
        return TracedValueError(
            f"this tensor was donated to {donated_values[value]} "
            f"(donate_argnums), which reused its memory; it has no value any more (read at "
            f"{where}). Use the function's results, or do not donate a tensor you read later."
        )
    if tracing.active:
        return TracedValueError(
            f"lm.compile({tracing.what}): the function read the value of a traced tensor at "
            f"{where} (float(), int(), bool() or `if`, .item(), .tolist(), np.asarray(), "
            "print(), lm.eval, or an op whose output shape depends on the values, like boolean "
            "masks). While a compiled function is traced, its array arguments have shapes and "
            "dtypes but no values, and a value read now would be baked into every later call. "
            "Compute with lamina ops instead of Python (lnp.where(c, a, b) instead of `if`), or "
            "mark the argument static: lm.compile(f, static_argnums=...) or static_argnames=..., "
            "so that its value is part of the signature (each new value traces again)."
        )
    return TracedValueError(
        f"a tensor computed while lm.compile traced a function was read at {where}, after the "
        "trace ended: it escaped the trace (stored in a global, a list or an attribute from "
        "inside the compiled function) and has no value. Return it from the function instead."
    )


# --------------------------------------------------------------------------------------------
# Building the graph.

_abstract_cache: dict[tuple, Any] = {}


def _abstract_eval(prim: core.Primitive, args: tuple, params: dict, pkey: tuple | None = None
                   ) -> Any:
    if pkey is None:
        pkey = params_key(params)  # NOTE [param keys]
    n = len(args)
    if n == 2:
        a, b = args
        key = (prim, a.shape, a.dtype, b.shape, b.dtype, pkey)
    elif n == 1:
        a = args[0]
        key = (prim, a.shape, a.dtype, pkey)
    else:
        key = (prim, *[(a.shape, a.dtype) for a in args], pkey)
    try:
        return _abstract_cache[key]
    except KeyError:
        pass
    out = prim.abstract(*args, **params)
    if len(_abstract_cache) > 65536:
        _abstract_cache.clear()
    return _abstract_cache.setdefault(key, out)  # NOTE [thread safety of the backend]


def _device_of(prim: core.Primitive, args: tuple, params: dict) -> Device:
    # Ops that make data (factories, random draws, transfers) say where in a ``device`` param.
    if "device" in params:
        return params["device"]
    device = args[0].device
    for a in args:
        if a.device is not device:  # the rare path: build the error

            devices = ", ".join(sorted({str(x.device) for x in args}))
            raise DeviceError(
                f"{prim.name}: the inputs are on different devices ({devices}). Move them to one "
                "device first, e.g. t.to('cpu') or lamina.asarray(x, device='cuda')."
            )
    return device


class _Scope(threading.local):
    def __init__(self) -> None:
        # > 0 inside ``functionalize(f, remove="mutations_and_views")``: view ops run as their
        # copying variants (NOTE [copy variants]).
        self.copy_views = 0


scope = _Scope()
_copy_variants: dict[core.Primitive, core.Primitive] = {}


def copy_variant(prim: core.Primitive) -> core.Primitive:
    """NOTE [copy variants]: the copying twin of a view op (``transpose`` -> ``transpose_copy``).

    A view op's kernel returns memory shared with its input (NumPy's views); its copy variant
    computes the same values into fresh memory, so nothing in the graph aliases. Functionalize
    with ``remove="mutations_and_views"`` swaps one for the other where ops reach this backend
    (below every interpreter, so the rules of vmap, grad and jvp are swapped too). The variant
    needs no transform rules: interpreters only ever see the view op itself.
    """
    variant = _copy_variants.get(prim)
    if variant is None:
        impl = prim.impl
        if prim.multiple_results:
            def kernel(xp, *arrays, **params):
                return tuple(xp.array(out, copy=True) for out in impl(xp, *arrays, **params))
        else:
            def kernel(xp, *arrays, **params):
                return xp.array(impl(xp, *arrays, **params), copy=True)
        variant = core.Primitive(f"{prim.name}_copy", kernel, prim.abstract,
                                 multiple_results=prim.multiple_results, lazy=prim.lazy,
                                 nondiff=prim.nondiff, register=False)
        variant.lifts_index = prim.lifts_index
        variant = _copy_variants.setdefault(prim, variant)
    return variant


def apply(prim: core.Primitive, args: tuple, params: dict) -> Any:
    """Run ``prim`` at the bottom of the stack: record a node, or compute at once when eager."""
    if prim.view_reverse is not None and scope.copy_views:
        prim = copy_variant(prim)
    if args and "device" not in params:
        device = args[0].device
        depth = 0
        for a in args:
            if type(a) is not LazyTensor:  # a wrapper of a transform that has exited
                return apply(prim, tuple(core.unwrap_all(x) for x in args), params)
            if a.device is not device:
                _device_of(prim, args, params)  # raises the mixed-devices error
            if a.depth > depth:
                depth = a.depth
        depth += 1
    else:
        device = _device_of(prim, args, params)
        depth = 1 + max((a.depth for a in args), default=0)
    if not prim.lazy:
        if prim.interpret is not None:  # a lamina.Function below every transform
            return prim.interpret(None, args, params)
        return _run_now(prim, args, params, device, None, "fallbacks")
    if config.eager and not tracing.active:  # a trace builds its graph (NOTE [placeholders])
        return _run_now(prim, args, params, device, _abstract_eval(prim, args, params),
                        "eager_ops")
    avals = None
    if prim.lifts_index and device.kind == "cpu":
        lifted = lift_index(prim, args, params, constant)  # NOTE [lifted indices]
        if lifted is not None:
            avals = _abstract_eval(prim, args, params)  # the original op's shape rule
            prim, args, params = lifted
    pkey = params_key(params) if params else ()
    if avals is None:
        avals = _abstract_eval(prim, args, params, pkey)
    if prim.multiple_results:
        node = LazyNode(prim, args, params, tuple(avals), pkey)
        outs = tuple(
            LazyTensor(s, d, device, node, i, None, depth) for i, (s, d) in enumerate(avals)
        )
        node.outputs = tuple(weakref.ref(o) for o in outs)
        if depth > config.max_graph_depth and not tracing.active and _too_deep(outs):
            _counters["auto_evals"] += 1
            evaluate(outs)
        return outs
    shape, dtype = avals
    node = LazyNode(prim, args, params, (avals,), pkey)
    out = LazyTensor(shape, dtype, device, node, 0, None, depth)
    if depth > config.max_graph_depth and not tracing.active and _too_deep((out,)):
        _counters["auto_evals"] += 1
        evaluate((out,))
    return out


# NOTE [stale depths]: the true depth of each pending node walked since the last evaluation.
_true_depths: dict = {}


def _too_deep(outs: tuple) -> bool:
    """Whether the pending graph behind ``outs`` really is deeper than ``max_graph_depth``.

    NOTE [stale depths]: a tensor's ``depth`` is set when it is built, from its inputs' depths
    then; an input evaluated since (NOTE [live intermediates]) has depth 0 now, so a depth only
    overestimates. When it passes the bound, the true depths are recomputed by a walk over the
    pending graph, stored back into every tensor the walk passes, and the graph is evaluated
    only if it is still too deep: a loop whose values are evaluated each step (NOTE [transform
    calls are steps]) never fires the guard on depths inherited from evaluated values. The
    walk's results stay valid until the next evaluation (``_true_depths``, cleared by
    ``evaluate``), so walks from many stale tensors of one graph visit each node once: the
    backward pass of a deep simulation reads hundreds of stale forward values.
    """
    with _eval_lock:  # no evaluation detaches nodes or clears the memo meanwhile
        memo = _true_depths
        if len(memo) > 1_000_000:
            memo.clear()
        stack = [o.node for o in outs]
        while stack:
            node = stack[-1]
            if node in memo:
                stack.pop()
                continue
            missing = [a.node for a in node.inputs
                       if a.node is not None and a.node not in memo]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            depth = 1
            for a in node.inputs:
                a_node = a.node
                d = 0 if a_node is None else memo[a_node]
                a.depth = d
                if d >= depth:
                    depth = d + 1
            memo[node] = depth
        for o in outs:
            o.depth = memo[o.node]
        return max(o.depth for o in outs) > config.max_graph_depth


def _run_now(prim, args, params, device, avals, counter) -> Any:
    """Compute one op at once (eager mode, or the eager fallback for ops with no lowering)."""
    arrays = [a.realize() for a in args]
    xp = device.xp
    with device.scope():
        result = prim.impl(xp, *arrays, **params)
    _counters[counter] += 1
    if prim.multiple_results:
        outs = tuple(_as_array(xp, r) for r in result)
        if avals is not None:
            for r, aval in zip(outs, avals, strict=True):
                _check_aval(prim, r, aval)
        return tuple(_result_leaf(r, device) for r in outs)
    result = _as_array(xp, result)
    if avals is not None:
        _check_aval(prim, result, avals)
    return _result_leaf(result, device)


def _result_leaf(array: Any, device: Device) -> LazyTensor:
    """A data leaf for a kernel's result: lamina's own memory (fresh, or a view of lamina's
    read-only data), frozen as it is (NOTE [lamina's arrays are read-only])."""
    return LazyTensor(tuple(array.shape), array.dtype, device, data=_freeze(array))


def _as_array(xp, value):
    """NOTE [kernel results are arrays]: NumPy ufuncs and reductions return NumPy scalars
    (``np.float64``) for 0-d results, and a scalar is not an array: a later kernel that writes
    into a copy of it (``setitem``: ``out = x.copy(); out[...] = v``) fails, and the value is
    unreadable for good. So every kernel result that the backend keeps or passes on is made an
    array here: in eager mode and the eager fallback (``_run_now``), in the interpreted and
    compiled programs (lamina/lazy/compile.py, for each 0-d output slot, known from the shape
    rule), and for every root stored by ``run_graph``."""
    return value if type(value) is xp.ndarray else xp.asarray(value)


def _check_aval(prim, array, aval) -> None:
    shape, dtype = aval
    if tuple(array.shape) != shape or array.dtype != dtype:
        raise LaminaRuntimeError(
            f"internal error in lamina: the kernel of '{prim.name}' returned shape "
            f"{tuple(array.shape)} and dtype {array.dtype}, but its shape rule promised {shape} "
            f"and {dtype}. Please report this with the call that produced it."
        )


# --------------------------------------------------------------------------------------------
# Evaluation.

_eval_lock = threading.RLock()  # NOTE [thread safety of the backend]
# Called with the roots and the exception when an evaluation fails (NOTE [failed evaluation]).
failure_hooks: list = []


_compile_module = None


def _compile():
    """lamina.lazy.compile, imported on first use (it imports this module)."""
    global _compile_module
    if _compile_module is None:
        from lamina.lazy import compile as module  # noqa: PLC0415

        _compile_module = module
    return _compile_module


def evaluate(tensors) -> None:
    """Turn the pending ``tensors`` (LazyTensors) into data, in one graph execution.

    NOTE [failed evaluation]: when a kernel raises, nothing is stored (the graph stays as it
    was, so every later read raises the same error again) and ``failure_hooks`` run before the
    exception propagates: lamina/wrappers/tensor.py rolls back storages whose pending value
    fails (NOTE [rolling back failed writes] there).
    """
    with _eval_lock:
        roots: list[LazyTensor] = []
        seen: set[int] = set()
        for t in tensors:
            node = t.node
            if node is None and t.data is None:
                raise traced_value_error(t)  # NOTE [placeholders]
            if t.data is None and node is not None and id(t) not in seen:
                seen.add(id(t))
                roots.append(t)
                # Siblings of a multi-output node are computed anyway: keep the live ones.
                for ref in node.outputs:
                    sibling = ref()
                    if sibling is not None and sibling.data is None and id(sibling) not in seen:
                        seen.add(id(sibling))
                        roots.append(sibling)
        if not roots:
            return
        _true_depths.clear()  # NOTE [stale depths]
        try:
            _compile().run_graph(roots)
        except BaseException as exc:
            for hook in failure_hooks:
                hook(roots, exc)
            raise


core.set_backend(apply)
