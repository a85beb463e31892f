"""``vmap`` and the transforms built on it (``jacrev``).

``vmap(f, in_dims=0, out_dims=0, randomness="error", chunk_size=None)`` follows torch.func
(JAX's ``in_axes``/``out_axes`` are accepted as aliases). Error messages quote the call as
functorch does: ``vmap(f, in_dims=(0, 1), ...)(<inputs>): ...``.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from lamina import tree
from lamina.core import push_interpreter
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.evaluation import settles
from lamina.interpreters.vmap import SameDraws, VmapInterpreter
from lamina.ops.batching import move_bdim
from lamina.ops.common import is_value, to_value
from lamina.transforms.inputs import InputHandles, write_back
from lamina.wrappers.batched import BatchedTensor
from lamina.wrappers.tensor import Tensor, wrap

__all__ = ["vmap", "jacrev"]

_RANDOMNESS = ("error", "different", "same")


def _is_dim(d: Any) -> bool:
    return d is None or (isinstance(d, (numbers.Integral, np.integer)) and not isinstance(d, bool))


def _broadcast_dims(dims: Any, subtree: Any, what: str, name: str, path: str) -> list:
    """One dim per leaf of ``subtree``, from ``dims`` (a dim, or a prefix tree of dims)."""
    if _is_dim(dims):
        return [dims] * len(tree.leaves(subtree))
    if isinstance(dims, (tuple, list)) and isinstance(subtree, (tuple, list)):
        if len(dims) != len(subtree):
            raise LaminaValueError(
                f"{what}: {name} is not compatible with the structure of the inputs: at "
                f"{path or 'the top level'} {name} has {len(dims)} entries but the inputs have "
                f"{len(subtree)}. Give one {name[:-1]} per input (or a single int for all)."
            )
        out = []
        for i, (d, s) in enumerate(zip(dims, subtree, strict=True)):
            out.extend(_broadcast_dims(d, s, what, name, f"{path}[{i}]"))
        return out
    if isinstance(dims, dict) and isinstance(subtree, dict):
        if set(dims) != set(subtree):
            raise LaminaValueError(
                f"{what}: {name} is not compatible with the structure of the inputs: at "
                f"{path or 'the top level'} {name} has keys {sorted(dims)} but the inputs have "
                f"{sorted(subtree)}."
            )
        out = []
        for k in sorted(subtree):  # optree orders dict leaves by sorted key
            out.extend(_broadcast_dims(dims[k], subtree[k], what, name, f"{path}[{k!r}]"))
        return out
    raise LaminaValueError(
        f"{what}: {name} must be an int, None, or a (nested) tuple/list/dict of them matching "
        f"the inputs' structure; got {dims!r} at {path or 'the top level'} for an input of "
        f"type {type(subtree).__name__}."
    )


def _call_repr(f: Callable, in_dims: Any) -> str:
    name = getattr(f, "__name__", type(f).__name__)
    return f"vmap({name}, in_dims={in_dims!r}, ...)(<inputs>)"


def _leaf_value(x: Any, what: str) -> Any:
    if type(x) is Tensor:
        return x._lamina_read()
    if is_value(x):
        return x
    return to_value(x, what)


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error",
         *, chunk_size: int | None = None, in_axes: Any = None, out_axes: Any = None):
    """Vectorize ``func`` over a batch axis of its inputs.

    ``in_dims`` says which axis of each input is the batch (None: not batched), as an int for
    all inputs or a pytree prefix of the arguments; ``out_dims`` likewise places the batch axis
    in the outputs. ``randomness`` is ``"error"`` (random ops raise), ``"different"`` (each
    element draws its own) or ``"same"`` (one draw for all). ``chunk_size`` evaluates the batch
    in chunks of that size (same result, bounded memory).

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> x = lm.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> lm.vmap(lnp.sum)(x)
    Tensor([3., 7.], device='cpu')
    >>> lm.vmap(lnp.dot, in_dims=(0, None))(x, lm.asarray([1.0, 1.0]))
    Tensor([3., 7.], device='cpu')
    """
    if in_axes is not None:
        in_dims = in_axes
    if out_axes is not None:
        out_dims = out_axes
    if randomness not in _RANDOMNESS:
        raise LaminaValueError(
            f"vmap: randomness must be one of {_RANDOMNESS}, got {randomness!r}."
        )
    if chunk_size is not None and (not isinstance(chunk_size, numbers.Integral)
                                   or isinstance(chunk_size, bool) or chunk_size < 1):
        raise LaminaValueError(f"vmap: chunk_size must be a positive int or None, got "
                               f"{chunk_size!r}.")

    @functools.wraps(func)
    @settles
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        what = _call_repr(func, in_dims)
        if not _is_dim(in_dims) and not isinstance(in_dims, (tuple, list, dict)):
            raise LaminaTypeError(
                f"{what}: in_dims must be an int, None, or a tuple of them (one per argument); "
                f"got {type(in_dims).__name__}."
            )
        if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
            raise LaminaValueError(
                f"{what}: in_dims has {len(in_dims)} entries but the function was called with "
                f"{len(args)} positional argument(s); give one in_dim per argument."
            )
        leaves, spec = tree.flatten(args)
        dims = _broadcast_dims(in_dims if not isinstance(in_dims, list) else tuple(in_dims),
                               args, what, "in_dims", "")
        values: list = []
        sizes: dict[int, list[int]] = {}
        for i, (leaf, d) in enumerate(zip(leaves, dims, strict=True)):
            if d is None:
                values.append(leaf)
                continue
            if not (type(leaf) is Tensor or is_value(leaf) or hasattr(leaf, "shape")):
                raise LaminaValueError(
                    f"{what}: input {i} is a {type(leaf).__name__} with in_dim {d}; only tensors "
                    "and arrays can be batched. Use in_dim None for it."
                )
            v = _leaf_value(leaf, what)
            n = len(v.shape)
            if not -n <= d < n:
                raise LaminaValueError(
                    f"{what}: in_dim {d} is out of range for input {i} of dimension {n} (shape "
                    f"{tuple(v.shape)}); valid in_dims are {-n} to {n - 1}, or None."
                )
            d = d % n
            values.append((v, d))
            sizes.setdefault(v.shape[d], []).append(i)
        if not sizes:
            raise LaminaValueError(
                f"{what}: no input is batched (every in_dim is None or there are no tensor "
                "inputs). Give at least one input a batch dimension."
            )
        if len(sizes) > 1:
            listed = "; ".join(f"size {s} for input(s) {', '.join(map(str, ix))}"
                               for s, ix in sorted(sizes.items()))
            raise LaminaValueError(
                f"{what}: Expected all batched inputs to have the same batch size, got {listed}."
            )
        (axis_size,) = sizes
        if chunk_size is not None and chunk_size < axis_size:
            return _chunked(func, values, spec, kwargs, axis_size, chunk_size, out_dims,
                            randomness, what, leaves)
        out, writes = _vmap_once(func, values, spec, kwargs, axis_size, out_dims, randomness,
                                 what, leaves)
        write_back(writes)  # NOTE [input mutations] in lamina/transforms/inputs.py
        return out

    return wrapped


def _vmap_once(func, values, spec, kwargs, axis_size, out_dims, randomness, what, sources,
               same_draws=None):
    """One vmap call; returns ``(outputs, writes)``: the caller's leaves ``sources`` receive
    the in-place writes ``func`` made into its inputs (as torch.func's vmap does) when the
    caller applies ``writes`` (``write_back``)."""
    interpreter = VmapInterpreter(axis_size, randomness, same_draws)
    with push_interpreter(interpreter):
        level = interpreter.level
        # NOTE [input handles]: aliased inputs alias inside when they are batched alike.
        given = InputHandles(
            sources,
            [BatchedTensor(v[0], v[1], level) if isinstance(v, tuple) else InputHandles.NO_VALUE
             for v in values],
            [v[1] if isinstance(v, tuple) else None for v in values],
        )
        out = func(*tree.unflatten(spec, given.handles), **kwargs)
        writes = given.writes(
            lambda value, i: value if not isinstance(values[i], tuple)
            else _unbatch(value, level, values[i][1], axis_size, what, i))
        out_leaves, out_spec = tree.flatten(out)  # (), None, {}: returned as they are
        try:
            odims = _broadcast_dims(out_dims, out, what, "out_dims", "")
        except LaminaValueError as exc:
            raise LaminaValueError(str(exc).replace("of the inputs", "of the outputs")) from None
        results = []
        for i, (leaf, d) in enumerate(zip(out_leaves, odims, strict=True)):
            if type(leaf) is Tensor:
                value = leaf._lamina_read()
            elif is_value(leaf):
                value = leaf
            else:
                raise LaminaTypeError(
                    f"{what}: output {i} is a {type(leaf).__name__}; vmap functions must return "
                    "Tensors or pytrees of Tensors (wrap numbers with lamina.asarray)."
                )
            results.append(_unbatch(value, level, d, axis_size, what, i))
    return tree.unflatten(out_spec, [wrap(r) for r in results]), writes


def _unbatch(value, level, out_dim, axis_size, what, i):
    if isinstance(value, BatchedTensor) and value.level is level:
        inner, bdim = value.value, value.bdim
        if out_dim is None:
            raise LaminaValueError(
                f"{what}: out_dims is None for output {i}, but that output is batched (it "
                "depends on a batched input). Use an int out_dim for it."
            )
        n = len(inner.shape)
        if not -n <= out_dim < n:
            raise LaminaValueError(
                f"{what}: out_dim {out_dim} is out of range for output {i} of dimension {n - 1} "
                f"(valid: {-n} to {n - 1})."
            )
        return move_bdim(inner, bdim, out_dim % n)
    if out_dim is None:
        return value
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    n = len(value.shape) + 1
    if not -n <= out_dim < n:
        raise LaminaValueError(
            f"{what}: out_dim {out_dim} is out of range for output {i} of dimension {n - 1}."
        )
    return move_bdim(bdim_to_front(value, None, axis_size), 0, out_dim % n)


def _chunked(func, values, spec, kwargs, axis_size, chunk_size, out_dims, randomness, what,
             leaves):
    """vmap one chunk of the batch at a time: the same result as one call. Every chunk
    starts from the caller's values, randomness="same" replays the first chunk's draws in
    the others (one draw for the whole batch), and the writes into the inputs reach the
    caller only when every chunk has succeeded."""
    from lamina.core import bind  # noqa: PLC0415
    from lamina.ops.indexing import encode, getitem_p  # noqa: PLC0415
    from lamina.ops.shape import concatenate_values  # noqa: PLC0415

    pieces = []
    # The chunks' writes by target: a chunk's view of a batched input is its own target; an
    # unbatched input is the same target in every chunk, written the same value (a value
    # that varied over the batch could not be written into it), so it is written once.
    writes: dict[int, tuple] = {}
    same_draws = SameDraws() if randomness == "same" else None
    for start in range(0, axis_size, chunk_size):
        stop = min(start + chunk_size, axis_size)
        chunk, sources = [], []
        for v, leaf in zip(values, leaves, strict=True):
            if not isinstance(v, tuple):
                chunk.append(v)
                sources.append(leaf)
                continue
            index = (slice(None),) * v[1] + (slice(start, stop),)
            chunk.append((bind(getitem_p, v[0], index=encode(index)), v[1]))
            # The chunk's own view of the caller's tensor receives its in-place writes.
            sources.append(leaf[index] if type(leaf) is Tensor else leaf)
        piece, chunk_writes = _vmap_once(func, chunk, spec, kwargs, stop - start, out_dims,
                                         randomness, what, sources, same_draws)
        pieces.append(piece)
        for target, value in chunk_writes:
            writes[id(target)] = (target, value)
    write_back(list(writes.values()))
    first_leaves, out_spec = tree.flatten(pieces[0])
    odims = _broadcast_dims(out_dims, pieces[0], what, "out_dims", "")
    merged = []
    for k, d in enumerate(odims):
        parts = [tree.leaves(p)[k]._lamina_read() for p in pieces]
        if d is None:
            merged.append(parts[0])
        else:
            merged.append(concatenate_values(parts, d))
    return tree.unflatten(out_spec, [wrap(m) for m in merged])


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
           chunk_size: int | None = None):
    """The Jacobian of ``func`` by reverse mode: ``vmap`` over the rows of the vjp.

    For an output of shape ``O`` and an input of shape ``I`` the Jacobian has shape
    ``O + I``; pytrees of outputs and ``argnums`` tuples give nested results (outputs outer,
    inputs inner), as torch.func does.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> lm.jacrev(lambda x: x ** 3)(lm.asarray([1.0, 2.0]))
    Tensor([[ 3.,  0.],
            [ 0., 12.]], device='cpu')
    """
    from lamina.transforms.grad import (  # noqa: PLC0415
        _normalize_argnums,
        _record,
        pullback_fn,
    )

    @functools.wraps(func)
    @settles
    def wrapper(*args: Any, **kwargs: Any):
        what = f"jacrev({getattr(func, '__name__', 'f')})(<{len(args)} arguments>)"
        nums = _normalize_argnums(argnums, len(args), what)

        # _record rather than vjp of a partial function: every argument gets a handle, so
        # inputs that alias each other alias inside (NOTE [input handles]).
        recorded, specs, aux = _record(func, args, kwargs, nums, has_aux, what)
        out = tree.unflatten(recorded.out_spec, [wrap(v) for v in recorded.primal_outputs()])
        vjp_fn = pullback_fn(recorded, specs, what)
        out_leaves, out_spec = tree.flatten(out)
        if not out_leaves:  # f returned () or None: so is its Jacobian, as in JAX
            jac = tree.unflatten(out_spec, [])
            return (jac, aux) if has_aux else jac
        sizes = [int(np.prod(o.shape)) for o in out_leaves]
        total = sum(sizes)
        from lamina.numpy import eye  # noqa: PLC0415

        dtype = np.result_type(*[o.dtype for o in out_leaves])
        basis = eye(total, dtype=dtype, device=str(out_leaves[0].device))
        cotangents = []
        start = 0
        for o, n in zip(out_leaves, sizes, strict=True):
            piece = basis[:, start:start + n].reshape((total,) + tuple(o.shape))
            cotangents.append(piece.astype(o.dtype))
            start += n
        rows = vmap(lambda *us: vjp_fn(tree.unflatten(out_spec, list(us))),
                    chunk_size=chunk_size)(*cotangents)
        # rows: a tuple (one entry per differentiated argument) of pytrees with a leading
        # axis of length `total`; split it back per output.
        per_arg = []
        for arg_rows in rows:
            leaves, spec = tree.flatten(arg_rows)
            per_arg.append((leaves, spec))
        jac_per_out = []
        start = 0
        for o, n in zip(out_leaves, sizes, strict=True):
            entries = []
            for leaves, spec in per_arg:
                parts = [leaf[start:start + n].reshape(tuple(o.shape) + tuple(leaf.shape[1:]))
                         for leaf in leaves]
                entries.append(tree.unflatten(spec, parts))
            jac_per_out.append(entries[0] if isinstance(argnums, (numbers.Integral, np.integer))
                               else tuple(entries))
            start += n
        jac = tree.unflatten(out_spec, jac_per_out)
        if has_aux:
            return jac, aux
        return jac

    return wrapper
