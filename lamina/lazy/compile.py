"""Compiling and running pending graphs, with a structural compile cache.

``run_graph(roots)`` walks the pending graph behind ``roots`` (only what they need: dead-code
elimination is the walk itself), hashes its structure (ops, params, wiring, leaf shapes and
dtypes, device), and looks the key up in the cache. On a miss the graph becomes a ``Program``
(common subexpressions merged, each value freed after its last use); a program is interpreted
until it has run ``config.compile_after`` times, and is then turned into a straight-line Python
function in which elementwise kernels write into dead input buffers (``out=``) instead of
allocating. The roots then become data leaves, and the nodes behind them are freed.

NOTE [live intermediates]: a pending intermediate of the graph that something outside the
graph still refers to (a user's handle, a view's cache, another pending graph that will be
evaluated later) is stored as data too, as PyTorch's Lazy Tensor Core materializes the live
tensors of the graph it syncs. Otherwise each later evaluation that reads it computes it
again, and an impure kernel (a custom op drawing random numbers) gives each consumer another
value. "Refers to from outside" is decided before the run from reference counts
(``_held_elsewhere``): the walk counts how often each pending input is an input of a node of
this graph, and a tensor with more references than that (and than the walk's own) is held
elsewhere. Such tensors' slots are kept by the program (not freed, not reused as ``out=``
buffers), and a program keeps one compiled variant per set of kept slots. Intermediates held
by nothing else are freed as before. With NOTE [transform calls are steps]
(lamina/evaluation.py) this is the evaluation model: a pending value is computed at most once.
``sys.getrefcount`` is CPython's (on another interpreter, refine ``_held_elsewhere``).

NOTE [one walk per evaluation]: each evaluation walks its graph once (``_trace``): the walk
orders the nodes, finds the leaves, counts the uses that NOTE [live intermediates] compares
with reference counts, and builds the cache key from each node's prim, ``pkey`` (computed
once, when the node was built) and wiring. An earlier design kept hash-consed structural
signatures on every node as it was built, so that a known graph was found without a walk; on
the ported autograd examples (graphs of thousands of nodes, reading more leaves than a
signature could follow) that cost more while building than it saved (mixture VI: 2.2 s to
1.5 s for 20 steps without it), and the walk for live intermediates was needed anyway.
"""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from lamina.config import config
from lamina.errors import LaminaRuntimeError
from lamina.lazy import counters as _metrics
from lamina.lazy import fusion as _cpu_fusion
from lamina.lazy import graph as _graph
from lamina.lazy.graph import LazyNode, LazyTensor, _as_array, _eval_lock, _freeze

__all__ = ["run_graph", "Program", "cache_clear", "cache_size"]

_counters = _metrics.counters
_CACHE_CAPACITY = 2048
_CODEGEN_SECONDS = 8e-6  # per instruction, half the measured cost (NOTE [when to compile])
_cache: OrderedDict[_GraphKey, Program] = OrderedDict()


def cache_clear() -> None:
    """Forget every compiled graph (the next evaluation of each compiles again).

    >>> import lamina as lm
    >>> lm.lazy.cache_clear()
    >>> lm.lazy.cache_size()
    0
    """
    with _eval_lock:  # NOTE [thread safety of the backend] in graph.py
        _cache.clear()


def cache_size() -> int:
    """How many graphs the compile cache holds.

    >>> import lamina as lm
    >>> lm.lazy.cache_clear()
    >>> _ = (lm.asarray([1.0, 2.0]) * 2).sum().item()
    >>> lm.lazy.cache_size() > 0
    True
    """
    return len(_cache)


def _trace(roots: list[LazyTensor]) -> tuple:
    """One walk over the pending graph behind ``roots``: ``(order, position, leaves, key,
    uses)``.

    ``order`` lists the pending nodes in topological order (a depth-first walk, so equal
    structures give equal orders) and ``position`` maps each to its index; ``leaves`` are the
    data inputs in order of first use; ``uses`` counts how many node inputs refer to each
    pending tensor (NOTE [live intermediates]). The key is the graph's structure: for each node
    its primitive, params (``node.pkey``, NOTE [param keys]) and input references (a leaf slot
    ``-1 - k``, a node position ``p`` for output 0, or ``(p, i)``), plus the leaves' shapes and
    dtypes, the roots, and the device. Two graphs with equal keys compute the same function of
    their leaves. Runs under ``_eval_lock``, so no node is detached during the walk.
    """
    order: list = []
    position: dict = {}  # node -> index in order; -1 while its inputs are being placed
    leaves: list = []
    leaf_slot: dict = {}
    entries: list = []
    uses: dict = {}
    for root in roots:
        if root.node in position:
            continue
        stack = [root.node]
        while stack:
            node = stack[-1]
            pos = position.get(node)
            if pos is None:
                position[node] = -1
                for inp in node.inputs:
                    n_in = inp.node
                    if n_in is not None and n_in not in position:
                        stack.append(n_in)
                continue
            stack.pop()
            if pos != -1:
                continue  # pushed twice, placed already
            refs = []
            for inp in node.inputs:
                n_in = inp.node
                if n_in is None:
                    slot = leaf_slot.get(inp)
                    if slot is None:
                        slot = leaf_slot[inp] = len(leaves)
                        leaves.append(inp)
                    refs.append(-1 - slot)
                else:
                    p = position[n_in]
                    refs.append(p if inp.index == 0 else (p, inp.index))
                    uses[inp] = uses.get(inp, 0) + 1
            position[node] = len(order)
            order.append(node)
            entries.append((node.prim, node.pkey, tuple(refs)))
    root_refs = tuple([(position[r.node], r.index) for r in roots])
    key = _GraphKey((
        roots[0].device,
        tuple([(leaf.shape, leaf.dtype) for leaf in leaves]),
        tuple(entries),
        root_refs,
    ))
    return order, position, leaves, key, uses


class _GraphKey:
    """A graph's cache key with its hash computed once: a key holds a tuple per node, and
    Python recomputes a tuple's hash at every dictionary operation."""

    __slots__ = ("value", "hash")

    def __init__(self, value: tuple) -> None:
        self.value = value
        self.hash = hash(value)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return self is other or (
            type(other) is _GraphKey and self.hash == other.hash and self.value == other.value
        )


class Program:
    """A graph as a list of instructions over numbered slots (leaves first, then node outputs).

    ``run(xp, leaves, keep)`` returns the roots' values and then those of the slots ``keep``
    (NOTE [live intermediates]); each set of kept slots has its own frees and compiled code.
    """

    __slots__ = ("instrs", "n_leaves", "n_slots", "roots", "runs", "avals", "node_slots",
                 "n_nodes", "key", "interpreted_s", "_variants", "_consumers")

    def __init__(self, nodes: list, n_leaves: int, signature: tuple, root_refs: tuple,
                 leaf_avals: tuple | None = None) -> None:
        self.n_leaves = n_leaves
        self.key = None  # the cache's key object (``_lookup``)
        slot_of: dict[tuple, int] = {}  # (node position, output index) -> slot
        avals: list = list(leaf_avals) if leaf_avals is not None else [None] * n_leaves
        instrs: list = []
        node_slots: list = []
        seen: dict[tuple, list[int]] = {}  # CSE: (prim, params, input slots) -> output slots
        next_slot = n_leaves
        for pos, (node, (prim, pkey, refs)) in enumerate(zip(nodes, signature, strict=True)):
            ins = tuple(
                (-1 - r if r < 0 else slot_of[(r, 0)]) if type(r) is int else slot_of[r]
                for r in refs
            )
            cse_key = (prim, pkey, ins)
            outs = seen.get(cse_key)
            if outs is None:
                outs = list(range(next_slot, next_slot + len(node.avals)))
                next_slot += len(node.avals)
                avals.extend(node.avals)
                seen[cse_key] = outs
                instrs.append((prim, node.params, ins, tuple(outs)))
            for i, slot in enumerate(outs):
                slot_of[(pos, i)] = slot
            node_slots.append(tuple(outs))
        self.n_slots = next_slot
        self.n_nodes = len(nodes)
        self.node_slots = node_slots
        self.roots = tuple(slot_of[r] for r in root_refs)
        self.avals = avals
        self.instrs = instrs
        self.runs = 0
        self.interpreted_s = 0.0  # time spent interpreting (NOTE [when to compile])
        self._variants: dict = {}  # kept slots -> [frees, compiled function or None, reused]
        consumers: dict[int, list[int]] = {}
        for k, (_, _, ins, _) in enumerate(instrs):
            for s in ins:
                consumers.setdefault(s, []).append(k)
        self._consumers = consumers

    @property
    def compiled(self):
        """The compiled function of the program that keeps no intermediate, or None."""
        variant = self._variants.get(())
        return None if variant is None else variant[1]

    def _variant(self, keep: tuple, donated: tuple = ()) -> list:
        key = (keep, donated) if donated else keep
        variant = self._variants.get(key)
        if variant is None:
            # Free each intermediate after its last use (never leaves, roots or kept slots;
            # donated leaves are freed, so their buffers can be reused: NOTE [donation] in
            # lamina/transforms/compile.py).
            last_use: dict[int, int] = {}
            for k, instr in enumerate(self.instrs):
                for s in instr[2]:
                    last_use[s] = k
            kept = set(self.roots) | set(keep)
            frees: list[list[int]] = [[] for _ in self.instrs]
            for s, k in last_use.items():
                if (s >= self.n_leaves or s in donated) and s not in kept:
                    frees[k].append(s)
            variant = [tuple(tuple(sorted(set(f))) for f in frees), None, 0]
            self._variants[key] = variant
        return variant

    def interpret(self, xp, leaves: list, keep: tuple = ()) -> list:
        frees_of = self._variant(keep)[0]
        env: list = list(leaves) + [None] * (self.n_slots - self.n_leaves)
        avals = self.avals
        for (prim, params, ins, outs), frees in zip(self.instrs, frees_of, strict=True):
            result = prim.impl(xp, *[env[i] for i in ins], **params)
            if prim.multiple_results:
                for slot, value in zip(outs, result, strict=True):
                    # NOTE [kernel results are arrays]
                    env[slot] = _as_array(xp, value) if avals[slot][0] == () else value
            else:
                slot = outs[0]
                env[slot] = _as_array(xp, result) if avals[slot][0] == () else result
            for slot in frees:
                env[slot] = None
        return [env[s] for s in self.roots + keep]

    def compile(self, xp, keep: tuple = (), fuse_cpu: bool = False, donated: tuple = (),
                kernels: dict | None = None) -> None:
        """Turn the program into a straight-line Python function (NOTE [buffer reuse]).

        A program belongs to one device (the device is part of its key), so kernels are bound
        into the function once, here. On CuPy elementwise runs become fused kernels (NOTE
        [fusion]); on the CPU with ``fuse_cpu`` (``lm.compile``'s programs) too, where numba
        is installed (NOTE [CPU fusion] in lamina/lazy/fusion.py).
        """
        variant = self._variant(keep, donated)
        frees_of = variant[0]
        instrs = [(*instr, frees) for instr, frees in zip(self.instrs, frees_of, strict=True)]
        returned = self.roots + keep
        namespace: dict[str, Any] = {"_as_array": _as_array}
        lines = ["def _run(xp, leaves):"]
        if self.n_leaves:
            names = ", ".join(f"s{i}" for i in range(self.n_leaves))
            lines.append(f"    {names}, = leaves")
        consumers = self._consumers
        fresh = set(donated)  # slots holding memory no other slot aliases
        for prim, _, _, outs, _ in instrs:
            if prim.ufunc is not None and not prim.multiple_results:
                fresh.add(outs[0])
        if xp is not np:
            groups = _fusion_groups(instrs, returned, self.avals)
        elif fuse_cpu:
            groups = _cpu_fusion.fusion_groups(instrs, returned, self.avals)
        else:
            groups = {}
        # NOTE [kernel results are arrays]: a 0-d result that only ufuncs read can stay the
        # NumPy scalar the ufunc returned; what is returned, kept, or read by another kernel
        # becomes an array.
        needs_array = set(returned)
        for prim, _, ins, _, _ in instrs:
            if prim.ufunc is None or prim.multiple_results:
                needs_array.update(ins)
        reused = 0
        for k, (prim, params, ins, outs, frees) in enumerate(instrs):
            group = groups.get(k)
            if group is not None:
                if group.start == k:
                    namespace[f"g{k}"] = group.kernel(xp)
                    names = ", ".join(f"s{o}" for o in group.outputs)
                    args = ", ".join(f"s{i}" for i in group.inputs)
                    target = _reusable_input(group, fresh, consumers, instrs, self.avals)
                    if target is not None:  # NOTE [buffer reuse], for a fused CPU kernel
                        reused += 1
                        args += f", out=s{target}"
                    lines.append(f"    {names}, = g{k}({args})")
                    for o in group.outputs:
                        if self.avals[o][0] == ():  # NOTE [kernel results are arrays]
                            lines.append(f"    s{o} = _as_array(xp, s{o})")
                    if group.frees:
                        lines.append(f"    del {', '.join(f's{f}' for f in group.frees)}")
                continue
            args = ", ".join(f"s{i}" for i in ins)
            if prim.ufunc is not None and not prim.multiple_results:
                # NOTE [buffer reuse]: an elementwise kernel may write into an input buffer when
                # that buffer is a fresh intermediate of this run (made by an elementwise
                # kernel, so nothing aliases it, and never stored: roots and kept slots are
                # never freed), is used by no aliasing op, dies here, and matches the output.
                out = outs[0]
                target = None
                for s in ins:
                    if (
                        s in fresh
                        and s in frees
                        and self.avals[s] == self.avals[out]
                        and self.avals[s][0] != ()
                        and all(instrs[c][0].ufunc is not None for c in consumers[s])
                    ):
                        target = s
                        break
                namespace[f"u{k}"] = getattr(xp, prim.ufunc)
                suffix = f", out=s{target}" if target is not None else ""
                if target is not None:
                    reused += 1
                call = f"u{k}({args}{suffix})"
                if self.avals[out][0] == () and out in needs_array:
                    call = f"_as_array(xp, {call})"
                lines.append(f"    s{out} = {call}")
            else:
                namespace[f"f{k}"] = kernels.get(prim, prim.impl) if kernels else prim.impl
                namespace[f"p{k}"] = params
                call = f"f{k}(xp, {args}, **p{k})" if args else f"f{k}(xp, **p{k})"
                target_names = ", ".join(f"s{o}" for o in outs)
                if prim.multiple_results:
                    lines.append(f"    {target_names}, = {call}")
                    for o in outs:
                        if self.avals[o][0] == ():  # NOTE [kernel results are arrays]
                            lines.append(f"    s{o} = _as_array(xp, s{o})")
                elif self.avals[outs[0]][0] == ():
                    lines.append(f"    {target_names} = _as_array(xp, {call})")
                else:
                    lines.append(f"    {target_names} = {call}")
            if frees:
                lines.append(f"    del {', '.join(f's{s}' for s in frees)}")
        if groups:
            _counters["fusions"] += len({id(g) for g in groups.values()})
        lines.append(f"    return [{', '.join(f's{s}' for s in returned)}]")
        source = "\n".join(lines)
        exec(compile(source, "<lamina compiled graph>", "exec"), namespace)  # noqa: S102
        variant[1] = namespace["_run"]
        if fuse_cpu and xp is np:
            scalar = _cpu_fusion.scalar_source(self.instrs, self.avals, self.n_leaves, returned)
            if scalar is not None:  # NOTE [0-d programs as Python math] in fusion.py
                scalar_ns = _cpu_fusion.scalar_namespace()
                exec(compile(scalar, "<lamina 0-d program>", "exec"), scalar_ns)  # noqa: S102
                variant[1] = _with_fallback(scalar_ns["_scalar"], namespace["_run"])
        variant[2] = reused
        _counters["codegens"] += 1

    def run(self, xp, leaves: list, keep: tuple = ()) -> list:
        self.runs += 1
        variant = self._variant(keep)
        if variant[1] is None and self._worth_compiling():
            self.compile(xp, keep)
        _counters["executions"] += 1
        _counters["nodes_executed"] += len(self.instrs)
        if variant[1] is not None:
            _counters["buffers_reused"] += variant[2]
            return variant[1](xp, leaves)
        start = time.perf_counter()
        values = self.interpret(xp, leaves, keep)
        self.interpreted_s += time.perf_counter() - start
        return values

    def _worth_compiling(self) -> bool:
        """NOTE [when to compile]: Python's ``compile`` of the straight-line function costs about
        15 us per instruction (125 ms for the 8000 of a 1000-step chain's gradient), and the
        compiled function saves the interpreter's per-instruction overhead (under 1 us) plus
        what buffer reuse saves on large arrays. A program is compiled once it has run
        ``config.compile_after`` times, and, past 256 instructions, once the time spent
        interpreting it has paid for half its compilation (a ski-rental rule; half, because
        the compiled function also saves allocations the interpreter's time does not show:
        that chain ran 8 ms interpreted, 3.5 ms compiled, and its whole call 12 ms faster): a
        large graph on small arrays, run a few times, is never worth compiling; on large
        arrays its interpreted runs are slow and it is compiled soon. ``compile_after=1``
        compiles every program at once (the fuzzer's compiled mode)."""
        after = config.compile_after
        if self.runs < after:
            return False
        n = len(self.instrs)
        return after <= 1 or n <= 256 or self.interpreted_s >= _CODEGEN_SECONDS * n


def _reusable_input(group, fresh: set, consumers: dict, instrs: list, avals: list):
    """A dead input buffer of a fused CPU kernel its output may be written into (NOTE [buffer
    reuse]): fresh, last read by the kernel, of the output's shape and dtype, read by
    elementwise ops only. None on CuPy (``cupy.fuse`` kernels take no ``out=``)."""
    if not isinstance(group, _cpu_fusion.CpuGroup):
        return None
    out = group.outputs[0]
    for s in group.inputs:
        if (s in fresh and s in group.frees and avals[s] == avals[out]
                and all(instrs[c][0].ufunc is not None for c in consumers[s])):
            return s
    return None


def _with_fallback(scalar, numpy_run):
    """Run the Python-float version, or the NumPy one where ``math`` raises (NOTE [0-d
    programs as Python math] in lamina/lazy/fusion.py)."""

    def run(xp, leaves):
        try:
            return scalar(leaves)
        except (ValueError, ArithmeticError):
            return numpy_run(xp, leaves)

    return run


def _store(key: tuple, entry: Any) -> None:
    _cache[key] = entry
    if len(_cache) > _CACHE_CAPACITY:
        _cache.popitem(last=False)


def _lookup(key: _GraphKey, order: list, n_leaves: int) -> Program:
    """The program of a graph from the cache, or a new one (under ``_eval_lock``)."""
    program = _cache.get(key)
    if program is None:
        _counters["compiles"] += 1
        program = Program(order, n_leaves, key.value[2], key.value[3], key.value[1])
        program.key = key
        _store(key, program)
    else:
        _counters["cache_hits"] += 1
        _cache.move_to_end(program.key)  # the stored key: found by identity, not compared
    return program


def _held_elsewhere(uses: dict, roots: list) -> list:
    """The pending tensors among ``uses`` (inputs of the graph's nodes, with how many node
    inputs refer to each) that something outside the graph refers to: NOTE [live
    intermediates]. Roots are stored anyway and are left out."""
    root_ids = {id(r) for r in roots}
    held = []
    candidates = list(uses)
    for t in candidates:
        # References here: the list, the dict key, the loop variable, getrefcount's argument.
        if (not _REFCOUNTS_EXACT or sys.getrefcount(t) > uses[t] + 4) and id(t) not in root_ids:
            held.append(t)
    return held


_REFCOUNTS_EXACT = True


def _check_refcounts() -> bool:
    """Whether ``_trace`` and ``_held_elsewhere`` count references as this interpreter does
    (checked once at import on a made-up graph); if not, every intermediate is kept, which is
    correct but keeps more memory (NOTE [live intermediates])."""
    from lamina.lazy.devices import Device  # noqa: PLC0415

    cpu, f64 = Device("cpu"), np.dtype(np.float64)

    def link(inp):
        node = LazyNode(None, (inp,), {}, (((), f64),), ())
        return LazyTensor((), f64, cpu, node=node)

    leaf = LazyTensor((), f64, cpu, data=np.zeros(()))
    held = link(leaf)
    root = link(link(held))  # held -> (an unheld link) -> root
    pair = link(held)  # a second consumer of held
    order, _, _, _, uses = _trace([root])
    found = _held_elsewhere(uses, [root])
    del uses
    ok = len(order) == 3 and found == [held]
    del pair
    return ok and _held_elsewhere(_trace([root])[4], [root]) == [held]


_REFCOUNTS_EXACT = _check_refcounts()


class _FusedGroup:
    """A run of elementwise instructions compiled into one GPU kernel (NOTE [fusion]).

    NOTE [fusion]: on CuPy every elementwise kernel launch costs microseconds and a round trip
    through GPU memory, so a contiguous run of ufunc instructions becomes one kernel made by
    ``cupy.fuse``; only values used after the run (or returned) leave it. If CuPy cannot fuse
    a run, the same code runs unfused.
    """

    def __init__(self, members: list, instrs: list, used_later: set) -> None:
        self.start = members[0]
        produced: list[int] = []
        inputs: list[int] = []
        for k in members:
            _, _, ins, outs, _ = instrs[k]
            for i in ins:
                if i not in produced and i not in inputs:
                    inputs.append(i)
            produced.append(outs[0])
        self.inputs = inputs
        self.outputs = [o for o in produced if o in used_later]
        self.frees = sorted(
            {f for k in members for f in instrs[k][4]} - set(produced)
        )
        body = [f"def _group({', '.join(f's{i}' for i in inputs)}):"]
        self._namespace: dict[str, Any] = {}
        for k in members:
            prim, _, ins, outs, _ = instrs[k]
            body.append(f"    s{outs[0]} = {prim.ufunc}({', '.join(f's{i}' for i in ins)})")
            self._namespace[prim.ufunc] = prim.ufunc
        body.append(f"    return ({''.join(f's{o}, ' for o in self.outputs)})")
        self._source = "\n".join(body)

    def kernel(self, xp):
        namespace = {name: getattr(xp, name) for name in self._namespace}
        exec(compile(self._source, "<lamina fused kernel>", "exec"), namespace)  # noqa: S102
        plain = namespace["_group"]
        try:
            fused = xp.fuse(plain)
        except Exception:  # noqa: BLE001 - an unfusable run still runs, unfused
            return plain
        state = [fused]

        def run(*arrays):
            try:
                return state[0](*arrays)
            except Exception:
                if state[0] is plain:
                    raise
                state[0] = plain  # CuPy could not fuse this run: run it unfused from now on
                return plain(*arrays)

        return run


def _fusion_groups(instrs: list, roots: tuple, avals: list) -> dict[int, _FusedGroup]:
    """Maximal contiguous runs (two or more) of single-output ufunc instructions whose outputs
    all have one shape: a fused kernel computes every output over one iteration space, so a
    smaller output (a row of a broadcast) would come out broadcast to the larger shape."""
    runs: list[list[int]] = []
    current: list[int] = []
    shape = None
    for k, (prim, _, _, outs, _) in enumerate(instrs):
        if prim.ufunc is not None and not prim.multiple_results:
            out_shape = avals[outs[0]][0]
            if current and out_shape != shape:
                if len(current) > 1:
                    runs.append(current)
                current = []
            shape = out_shape
            current.append(k)
            continue
        if len(current) > 1:
            runs.append(current)
        current = []
    if len(current) > 1:
        runs.append(current)
    groups: dict[int, _FusedGroup] = {}
    for members in runs:
        member_set = set(members)
        used_later = set(roots)
        for k, (_, _, ins, _, _) in enumerate(instrs):
            if k not in member_set:
                used_later.update(ins)
        group = _FusedGroup(members, instrs, used_later)
        if not group.outputs:
            continue
        for k in members:
            groups[k] = group
    return groups


def run_graph(roots: list[LazyTensor]) -> None:
    """Evaluate ``roots`` (pending, on one device) and store their values as data, with those of
    the intermediates held elsewhere (NOTE [live intermediates]). Runs under ``_eval_lock``
    (``graph.evaluate``). Every value is checked before any is stored, so a failing run leaves
    the graph as it was (NOTE [failed evaluation] in graph.py)."""
    device = roots[0].device
    for r in roots:
        if r.device is not device:  # pragma: no cover - apply() keeps graphs on one device
            raise LaminaRuntimeError("internal error: a lazy graph spans two devices")
    order, position, leaves, key, uses = _trace(roots)
    held = _held_elsewhere(uses, roots)
    del uses
    program = _lookup(key, order, len(leaves))
    held_slots = [program.node_slots[position[t.node]][t.index] for t in held]
    arrays = [leaf.data for leaf in leaves]
    for leaf, array in zip(leaves, arrays, strict=True):
        if array is None:
            raise _graph.traced_value_error(leaf)  # NOTE [placeholders] in graph.py
    del order, position, leaves, key
    keep = tuple(sorted(set(held_slots)))
    xp = device.xp
    with device.scope():
        values = program.run(xp, arrays, keep)
    del arrays
    n = len(roots)
    index_of = {slot: n + i for i, slot in enumerate(keep)}
    targets = roots + held
    results = values[:n] + [values[index_of[slot]] for slot in held_slots]
    for t, value in zip(targets, results, strict=True):
        value = _as_array(xp, value)
        if tuple(value.shape) != t.shape or value.dtype != t.dtype:
            prim = t.node.prim.name
            raise LaminaRuntimeError(
                f"internal error in lamina: the kernel of '{prim}' returned shape "
                f"{tuple(value.shape)} and dtype {value.dtype}, but its shape rule promised "
                f"{t.shape} and {t.dtype}. Please report this with the call that made it."
            )
    for t, value in zip(targets, results, strict=True):
        # NOTE [lamina's arrays are read-only] (graph.py); data first, then the node is
        # dropped, so a reader that sees no node sees the data.
        t.data = _freeze(_as_array(xp, value))
        t.node = None
        t.depth = 0
