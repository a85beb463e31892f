"""Forward mode: ``jvp``, ``linearize``, ``jacfwd``, ``hessian`` (torch.func signatures).

Hessian-vector products: ``jvp(grad(f), (x,), (v,))[1]`` is ``H v`` (forward over reverse),
tested against ``hessian(f)(x) @ v``.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from lamina import tree
from lamina.core import push_interpreter
from lamina.errors import LaminaNotImplementedError, LaminaTypeError, LaminaValueError
from lamina.evaluation import settles
from lamina.interpreters.jvp import JvpInterpreter
from lamina.transforms.grad import _unwrap_level
from lamina.transforms.inputs import InputHandles, unflatten_args, write_back
from lamina.wrappers.tensor import Tensor, wrap
from lamina.wrappers.wrapper import TensorWrapper

__all__ = ["jvp", "linearize", "jacfwd", "hessian"]


def _values(leaves: list, what: str, kind: str) -> list:
    from lamina.transforms.grad import _value_of_input  # noqa: PLC0415

    return [_value_of_input(x, what, f"{kind} {i}") for i, x in enumerate(leaves)]


@settles
def jvp(func: Callable, primals: Any, tangents: Any, has_aux: bool = False):
    """``(f(*primals), J @ tangents)``: the output and its directional derivative.

    ``primals`` and ``tangents`` are tuples (one entry per argument, pytrees allowed) of the
    same structure, shapes and dtypes.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> out, t = lm.jvp(lnp.sin, (lm.asarray([0.0, 1.0]),), (lm.asarray([1.0, 1.0]),))
    >>> t
    Tensor([1.        , 0.54030231], device='cpu')
    """
    name = getattr(func, "__name__", "f")
    what = f"jvp({name}, primals, tangents)"
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise LaminaTypeError(
            f"{what}: primals and tangents must be tuples (one entry per argument of f), got "
            f"{type(primals).__name__} and {type(tangents).__name__}; e.g. jvp(f, (x,), (v,))."
        )
    p_leaves, p_spec = tree.flatten(primals)
    t_leaves, t_spec = tree.flatten(tangents)
    if p_spec != t_spec:
        raise LaminaValueError(
            f"{what}: tangents must have the structure of primals: primals are "
            f"{tree.structure_str(p_spec)}, tangents are {tree.structure_str(t_spec)}."
        )
    p_values = _values(p_leaves, what, "primal")
    t_values = _values(t_leaves, what, "tangent")
    for i, (p, t) in enumerate(zip(p_values, t_values, strict=True)):
        if p.dtype.kind not in "fc":
            raise LaminaTypeError(
                f"{what}: primal {i} has dtype {p.dtype}; only floating point (or complex) "
                "inputs have tangents. Pass it as a closure constant instead."
            )
        if t.shape != p.shape:
            raise LaminaValueError(
                f"{what}: tangent {i} has shape {t.shape}, but its primal has shape {p.shape}; "
                "each tangent must have its primal's shape."
            )
        if t.dtype != p.dtype:
            raise LaminaTypeError(
                f"{what}: tangent {i} has dtype {t.dtype}, but its primal has dtype {p.dtype}; "
                "each tangent must have its primal's dtype."
            )
    return _run_jvp(func, primals, range(len(primals)), p_values, t_values, has_aux, what)


def _run_jvp(func: Callable, args: tuple, diff: Any, p_values: list, t_values: list,
             has_aux: bool, what: str) -> tuple:
    """``f(*args)`` and its tangent. The leaves of the arguments ``diff`` (indices) are the
    primals, with values ``p_values`` and tangents ``t_values`` (one per leaf, in order,
    validated by the caller). Every
    other argument's tensors get handles too (NOTE [input handles]), so that inputs aliasing
    each other alias inside and writes into any input reach the caller."""
    flat = [tree.flatten(a) for a in args]
    interpreter = JvpInterpreter()
    with push_interpreter(interpreter):
        level = interpreter.level
        sources: list = []
        values: list = []
        diff = set(diff)
        pairs = iter(zip(p_values, t_values, strict=True))
        for n, (leaves, _) in enumerate(flat):
            sources.extend(leaves)
            if n in diff:
                for _leaf in leaves:
                    p, t = next(pairs)
                    values.append(TensorWrapper(p, level, tangent=t))
            else:
                values.extend([InputHandles.NO_VALUE] * len(leaves))
        given = InputHandles(sources, values)
        *call_args, _ = unflatten_args(flat, given.handles)
        out = func(*call_args)
        aux = None
        if has_aux:
            if not isinstance(out, tuple) or len(out) != 2:
                raise LaminaValueError(f"{what}: has_aux=True requires f to return a pair "
                                       "(output, aux).")
            out, aux = out
        o_leaves, o_spec = tree.flatten(out)
        for i, leaf in enumerate(o_leaves):
            if type(leaf) is not Tensor:
                from lamina.transforms.grad import not_a_tensor_error  # noqa: PLC0415

                raise not_a_tensor_error(what, i, leaf, level)
        primal_out, tangent_out, _ = interpreter.split([o._lamina_read() for o in o_leaves])
        if has_aux:
            from lamina.transforms.grad import _aux_out  # noqa: PLC0415

            aux = _aux_out(aux, level)
        writes = given.writes(lambda value, _: _unwrap_level(value, level))
    write_back(writes)  # NOTE [input mutations] in lamina/transforms/inputs.py
    from lamina.ops.jvp_util import instantiate  # noqa: PLC0415

    tangent_out = [instantiate(t, p) for t, p in zip(tangent_out, primal_out, strict=True)]
    result = (tree.unflatten(o_spec, [wrap(p) for p in primal_out]),
              tree.unflatten(o_spec, [wrap(t) for t in tangent_out]))
    return result + (aux,) if has_aux else result


@settles
def linearize(func: Callable, *primals: Any):
    """``(f(*primals), jvp_fn)`` where ``jvp_fn(*tangents)`` evaluates ``J @ tangents``
    without running ``f`` again: it transposes the vjp (a linear function of the cotangent)
    recorded once here. (Where that is impossible, a ``lamina.Function`` with a jvp rule but
    no backward, each call runs ``f`` under ``jvp`` instead.)

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> out, jvp_fn = lm.linearize(lnp.sin, lm.asarray([0.0, 1.0]))
    >>> jvp_fn(lm.asarray([2.0, 2.0]))
    Tensor([2.        , 1.08060461], device='cpu')
    """
    from lamina.transforms.grad import vjp  # noqa: PLC0415

    # The primals' values now (values are immutable), for the fallback below: f may write
    # into its inputs, and the caller's tensors receive those writes.
    p_leaves, p_spec = tree.flatten(primals)
    p_values = _values(p_leaves, "linearize", "primal")
    out, vjp_fn = vjp(func, *primals)
    o_leaves, o_spec = tree.flatten(out)
    from lamina.ops.jvp_util import zeros_like  # noqa: PLC0415

    u0 = tree.unflatten(o_spec, [wrap(zeros_like(o._lamina_read())) for o in o_leaves])
    by_jvp = []  # set once the transposition is found impossible

    @settles
    def jvp_fn(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise LaminaValueError(
                f"linearize: jvp_fn expects one tangent per primal ({len(primals)}), got "
                f"{len(tangents)}."
            )
        if not by_jvp:
            try:
                _, transpose = vjp(lambda u: vjp_fn(u), u0)
                (jv,) = transpose(tuple(tangents))
                return jv
            except LaminaNotImplementedError:
                # A lamina.Function with a jvp rule but no backward: the vjp cannot be
                # transposed, so each call runs f under jvp instead, as JAX's linearize
                # (forward mode) would, on fresh handles of the primal values.
                by_jvp.append(True)
        fresh = tree.unflatten(p_spec, [wrap(v) for v in p_values])
        return jvp(func, fresh, tuple(tangents))[1]

    return out, jvp_fn


def _basis_jacobian(func, args, argnums, has_aux, randomness, what):
    from lamina.transforms.grad import _normalize_argnums  # noqa: PLC0415
    from lamina.transforms.vmap import vmap  # noqa: PLC0415

    nums = _normalize_argnums(argnums, len(args), what)
    diff = [args[n] for n in nums]
    d_leaves, d_spec = tree.flatten(tuple(diff))
    values = _values(d_leaves, what, "argument")
    for i, v in enumerate(values):
        if v.dtype.kind not in "fc":
            raise LaminaTypeError(
                f"{what}: argument {i} has dtype {v.dtype}; only floating point (or complex) "
                "inputs can be differentiated. Cast it with .astype(float), or leave it out of "
                "argnums."
            )
    sizes = [int(np.prod(v.shape)) for v in values]
    total = sum(sizes)
    from lamina.numpy import eye  # noqa: PLC0415

    dtype = np.result_type(*[v.dtype for v in values])
    basis = eye(total, dtype=dtype, device=str(values[0].device))
    tangents = []
    start = 0
    for v, n in zip(values, sizes, strict=True):
        tangents.append(basis[:, start:start + n].reshape((total,) + tuple(v.shape))
                        .astype(v.dtype))
        start += n

    # Handles for every input, made outside vmap, so that jvp writes f's in-place changes of
    # its inputs into them (unbatched), to be written back to the caller when all is done
    # (NOTE [input mutations]); aliased inputs alias (NOTE [input handles]).
    flat = [tree.flatten(a) for a in args]
    sources = [leaf for leaves, _ in flat for leaf in leaves]
    given = InputHandles(sources, [InputHandles.NO_VALUE] * len(sources))
    *call_args, _ = unflatten_args(flat, given.handles)

    def push(*ts):
        result = _run_jvp(func, tuple(call_args), nums, values,
                          [t._lamina_read() for t in ts], has_aux, what)
        return result[1] if not has_aux else (result[1], result[2])

    cols = vmap(push, randomness=randomness)(*tangents)
    write_back(given.writes(lambda value, _: value))
    aux = None
    if has_aux:
        cols, aux = cols
        aux = tree.tree_map(lambda a: a[0] if isinstance(a, Tensor) else a, aux)
    # cols: f's output structure, each leaf (total, *out_shape): split per input.
    o_leaves, o_spec = tree.flatten(cols)
    per_out = []
    for leaf in o_leaves:
        out_shape = tuple(leaf.shape[1:])
        entries = []
        start = 0
        for v, n in zip(values, sizes, strict=True):
            block = leaf[start:start + n]
            moved = block.reshape((n,) + out_shape)
            perm = tuple(range(1, len(out_shape) + 1)) + (0,)
            entries.append(moved.transpose(perm).reshape(out_shape + tuple(v.shape)))
            start += n
        grouped = tree.unflatten(d_spec, entries)  # one entry per differentiated argument
        per_out.append(grouped[0] if isinstance(argnums, (numbers.Integral, np.integer))
                       else grouped)
    return tree.unflatten(o_spec, per_out), aux


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
           randomness: str = "error"):
    """The Jacobian of ``func`` by forward mode: ``vmap`` over ``jvp`` with basis tangents.

    Shapes as ``jacrev``: output shape + input shape.

    >>> import lamina as lm
    >>> lm.jacfwd(lambda x: x ** 2)(lm.asarray([1.0, 3.0]))
    Tensor([[2., 0.],
            [0., 6.]], device='cpu')
    """
    @functools.wraps(func)
    @settles
    def wrapper(*args: Any):
        what = f"jacfwd({getattr(func, '__name__', 'f')})(<{len(args)} arguments>)"
        jac, aux = _basis_jacobian(func, args, argnums, has_aux, randomness, what)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0):
    """The Hessian of a scalar function: ``jacfwd(jacrev(func))``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> lm.hessian(lambda x: lnp.sum(x ** 3))(lm.asarray([1.0, 2.0]))
    Tensor([[ 6.,  0.],
            [ 0., 12.]], device='cpu')
    """
    from lamina.transforms.vmap import jacrev  # noqa: PLC0415

    return jacfwd(jacrev(func, argnums), argnums)
