"""Reverse-mode transforms: ``vjp``, ``grad``, ``grad_and_value``, ``value_and_grad``.

Signatures follow torch.func (``argnums``, ``has_aux``; ``grad_and_value`` returns
``(grad, value)``) and JAX's ``value_and_grad`` returns ``(value, grad)``. Inputs and outputs
are pytrees of tensors, NumPy/CuPy arrays or Python numbers; results are lamina Tensors.
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
from lamina.interpreters.grad import GradInterpreter, backward
from lamina.lazy.graph import constant
from lamina.ops.common import is_value, to_value
from lamina.ops.creation import full_value
from lamina.transforms.inputs import InputHandles, unflatten_args, write_back
from lamina.wrappers.tensor import Tensor, scalar_note, wrap
from lamina.wrappers.wrapper import TensorWrapper

__all__ = ["vjp", "grad", "grad_and_value", "value_and_grad"]


def _value_of_input(x: Any, what: str, position: str) -> Any:
    if type(x) is Tensor:
        return x._lamina_read()
    if is_value(x):
        return x
    try:
        return to_value(x, what)
    except (TypeError, ValueError) as exc:
        raise LaminaTypeError(
            f"{what}: {position} must be a Tensor, a NumPy/CuPy array or a Python number; got "
            f"{type(x).__name__} ({exc})"
        ) from None


def _check_differentiable(value: Any, what: str, position: str) -> None:
    if value.dtype.kind not in "fc":
        raise LaminaTypeError(
            f"{what}: {position} has dtype {value.dtype}; only floating point (or complex) "
            "inputs can be differentiated. Cast it with .astype(float), or leave it out of "
            "argnums."
        )


def _unwrap_level(value: Any, level: Any) -> Any:
    """The value one level below ``level`` (``value`` itself if it is not wrapped there)."""
    if isinstance(value, TensorWrapper) and value.level is level:
        return value.value
    return value


def not_a_tensor_error(what: str, i: int, leaf: Any, level: Any) -> LaminaTypeError:
    """The error for output leaf ``i`` of ``f`` that is not a lamina tensor (raise it): where
    tracking was lost if a tracked value became a Python number under ``level`` (NOTE [tracked
    values leave only as scalars] in lamina/wrappers/tensor.py), and how to stay in lamina."""
    kind = type(leaf)
    name = kind.__qualname__ if kind.__module__ == "builtins" else (
        f"{kind.__module__}.{kind.__qualname__}")
    text = (f"{what}: expected f to return a Tensor or a pytree of Tensors, but output leaf "
            f"{i} is a {name}, not a lamina tensor: its value was computed outside lamina, so "
            "no derivative can flow through it.")
    note = scalar_note(level)
    if note is not None:
        text += (f" Tracking was lost at {note[0]} of a tracked tensor ({note[1]}): the Python "
                 "number it gives is a constant.")
    text += (" A Python or NumPy function applied to a lamina tensor's value (math.exp(float(t)), "
             "np.float64(t)) loses tracking; use lamina.numpy's functions (lnp.exp(t)) and "
             "return the tensor. If a constant output is really meant, return a tensor, e.g. "
             "lm.stop_gradient(t).")
    return LaminaTypeError(text)


def _output_values(out: Any, what: str, level: Any = None) -> tuple[list, Any]:
    leaves, spec = tree.flatten(out)
    values = []
    for i, leaf in enumerate(leaves):
        if type(leaf) is Tensor:
            values.append(leaf._lamina_read())
        elif is_value(leaf):
            values.append(leaf)
        elif isinstance(leaf, (bool, int, float, complex, np.ndarray, np.generic)):
            # A constant: the output does not depend on the inputs, so its derivative is zero
            # (autograd and JAX give zeros too). Integers and booleans count as float64
            # constants. But a number made from a tracked value (float(t) inside f) is not a
            # constant of f: its zero would be a wrong gradient, so that raises.
            if scalar_note(level) is not None:
                raise not_a_tensor_error(what, i, leaf, level)
            value = to_value(leaf, what)
            if value.dtype.kind in "biu":
                from lamina.ops.elementwise import astype_value  # noqa: PLC0415

                value = astype_value(value, np.dtype(np.float64))
            values.append(value)
        else:
            raise not_a_tensor_error(what, i, leaf, level)
    return values, spec


def _split_aux(out: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise LaminaValueError(
            f"{what}: has_aux=True requires f to return a pair (output, aux); it returned "
            f"{type(out).__name__}"
            + (f" of length {len(out)}" if isinstance(out, tuple) else "")
            + ". Return `output, aux`, or call without has_aux."
        )
    return out


def _aux_out(aux: Any, level: Any) -> Any:
    def unwrap(leaf: Any) -> Any:
        if type(leaf) is Tensor:
            return wrap(_unwrap_level(leaf._lamina_read(), level))
        return leaf

    return tree.tree_map(unwrap, aux)


class _Recorded:
    """What running ``f`` under a Grad interpreter produced: outputs, tape ends, aux."""

    def __init__(self, level, inputs, out_values, out_spec, aux):
        self.level = level
        self.inputs = inputs          # the TensorWrappers made for the differentiated inputs
        self.out_values = out_values  # f's outputs (values, maybe wrapped at level)
        self.out_spec = out_spec
        self.aux = aux

    def primal_outputs(self) -> list:
        return [_unwrap_level(v, self.level) for v in self.out_values]

    def pullback(self, cotangents: list) -> list:
        ends = [
            (v, g) for v, g in zip(self.out_values, cotangents, strict=True)
            if type(v) is TensorWrapper and v.level is self.level
        ]
        grads = backward(ends, self.inputs)
        return [
            g if g is not None else full_value(w.shape, 0, w.dtype, w.device)
            for g, w in zip(grads, self.inputs, strict=True)
        ]


def _record(f: Callable, args: tuple, kwargs: dict, argnums: tuple[int, ...], has_aux: bool,
            what: str) -> tuple[_Recorded, list, Any]:
    """Run ``f`` with the ``argnums`` arguments wrapped at a new Grad level."""
    flat = [tree.flatten(a) for a in args]
    kw_leaves, kw_spec = tree.flatten(kwargs)
    diff_values: dict[int, list] = {}
    for n in argnums:
        leaves = flat[n][0]
        values = []
        for i, leaf in enumerate(leaves):
            position = f"argument {n}" + (f" (leaf {i})" if len(leaves) > 1 else "")
            value = _value_of_input(leaf, what, position)
            _check_differentiable(value, what, position)
            values.append(value)
        diff_values[n] = values
    interpreter = GradInterpreter()
    with push_interpreter(interpreter):
        level = interpreter.level
        inputs = []
        sources: list = []
        values: list = []
        for n, (leaves, _) in enumerate(flat):
            sources.extend(leaves)
            if n in diff_values:
                wrappers = [TensorWrapper(v, level) for v in diff_values[n]]
                inputs.extend(wrappers)
                values.extend(wrappers)
            else:
                values.extend([InputHandles.NO_VALUE] * len(leaves))
        sources.extend(kw_leaves)
        values.extend([InputHandles.NO_VALUE] * len(kw_leaves))
        # NOTE [input handles]: aliased inputs (f(x, x)) alias inside too.
        given = InputHandles(sources, values)
        *call_args, kw_handles = unflatten_args(flat, given.handles)
        call_kwargs = tree.unflatten(kw_spec, kw_handles)
        out = f(*call_args, **call_kwargs)
        out, aux = _split_aux(out, has_aux, what)
        out_values, out_spec = _output_values(out, what, level)
        aux = _aux_out(aux, level) if has_aux else None
        writes = given.writes(lambda value, _: _unwrap_level(value, level))
    write_back(writes)
    return _Recorded(level, inputs, out_values, out_spec, aux), [flat[n][1] for n in argnums], aux


def _regroup(flat: list, specs: list) -> list:
    """Split a flat list of gradients back into one pytree per differentiated argument."""
    out = []
    start = 0
    for spec in specs:
        n = spec.num_leaves
        out.append(tree.unflatten(spec, [wrap(g) for g in flat[start:start + n]]))
        start += n
    return out


def _call_repr(name: str, f: Callable, args: tuple) -> str:
    fname = getattr(f, "__name__", type(f).__name__)
    return f"{name}({fname})(<{len(args)} argument{'s' if len(args) != 1 else ''}>)"


@settles
def vjp(func: Callable, *primals: Any, has_aux: bool = False):
    """``(f(*primals), vjp_fn)``: the output and a function pulling cotangents back.

    ``vjp_fn(cotangents)`` takes a pytree like the output and returns a tuple with one
    cotangent per primal. It may be called several times, and after ``vjp`` returns.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> out, vjp_fn = lm.vjp(lnp.sin, lm.asarray([0.0, 1.0]))
    >>> (g,) = vjp_fn(lm.asarray([1.0, 1.0]))
    >>> g
    Tensor([1.        , 0.54030231], device='cpu')
    """
    what = f"vjp({getattr(func, '__name__', 'f')}, ...)"
    recorded, specs, aux = _record(func, primals, {}, tuple(range(len(primals))), has_aux, what)
    primal_out = tree.unflatten(recorded.out_spec,
                                [wrap(v) for v in recorded.primal_outputs()])
    vjp_fn = pullback_fn(recorded, specs, what)
    if has_aux:
        return primal_out, vjp_fn, aux
    return primal_out, vjp_fn


def pullback_fn(recorded: _Recorded, specs: list, what: str) -> Callable:
    """``vjp_fn`` of a recorded call: cotangents shaped like the output -> a tuple with one
    cotangent pytree per differentiated argument."""

    @settles
    def vjp_fn(cotangents: Any) -> tuple:
        leaves, spec = tree.flatten(cotangents)
        if spec != recorded.out_spec:
            raise LaminaValueError(
                f"{what}: vjp_fn expected cotangents with the structure of the output, "
                f"{tree.structure_str(recorded.out_spec)}, but got "
                f"{tree.structure_str(spec)}."
            )
        values = []
        for i, (leaf, out) in enumerate(zip(leaves, recorded.out_values, strict=True)):
            g = _value_of_input(leaf, what, f"cotangent {i}")
            if g.shape != out.shape:
                raise LaminaValueError(
                    f"{what}: vjp_fn got a cotangent of shape {g.shape} for output {i}, which "
                    f"has shape {out.shape}. Cotangents must match the output's shapes."
                )
            if g.dtype != out.dtype:
                if g.dtype.kind not in "fc" and out.dtype.kind in "fc":
                    raise LaminaTypeError(
                        f"{what}: vjp_fn got a cotangent of dtype {g.dtype} for output {i} of "
                        f"dtype {out.dtype}; pass a floating point cotangent."
                    )
                if g.dtype.kind == "c" and out.dtype.kind != "c":
                    # JAX and torch refuse it too: the imaginary part has nowhere to go, and
                    # dropping it silently would give the derivative of another function.
                    raise LaminaTypeError(
                        f"{what}: vjp_fn got a complex cotangent (dtype {g.dtype}) for output "
                        f"{i}, which is real (dtype {out.dtype}). Pass a real cotangent (e.g. "
                        "its .real), or make the output complex."
                    )
                from lamina.ops.elementwise import astype_value  # noqa: PLC0415

                g = astype_value(g, out.dtype)
            values.append(g)
        grads = recorded.pullback(values)
        return tuple(_regroup(grads, specs))

    return vjp_fn


def _normalize_argnums(argnums: Any, n_args: int, what: str) -> tuple[int, ...]:
    single = isinstance(argnums, (numbers.Integral, np.integer)) and not isinstance(argnums, bool)
    if single:
        nums = (int(argnums),)
    elif isinstance(argnums, tuple) and argnums and all(
        isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool)
        for a in argnums
    ):
        nums = tuple(int(a) for a in argnums)
    else:
        raise LaminaTypeError(
            f"{what}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}."
        )
    out = []
    for a in nums:
        if not -n_args <= a < n_args:
            raise LaminaValueError(
                f"{what}: argnums {a} is out of range for a function called with {n_args} "
                f"positional argument(s) (valid: {-n_args} to {n_args - 1})."
            )
        out.append(a % n_args)
    if len(set(out)) != len(out):
        raise LaminaValueError(f"{what}: argnums {argnums!r} has duplicates; list each once.")
    return tuple(out)


def _grad_core(func: Callable, argnums: Any, has_aux: bool, name: str, args: tuple,
               kwargs: dict):
    what = _call_repr(name, func, args)
    nums = _normalize_argnums(argnums, len(args), what)
    recorded, specs, aux = _record(func, args, kwargs, nums, has_aux, what)
    values = recorded.out_values
    if recorded.out_spec.num_leaves != 1 or recorded.out_spec.num_nodes != 1:
        raise LaminaTypeError(
            f"{what}: Expected f(*args) to return a scalar Tensor, got "
            f"{tree.structure_str(recorded.out_spec)}. Use has_aux=True to return extra values, "
            "or vjp for several outputs."
        )
    out = values[0]
    if len(out.shape) != 0:
        raise LaminaValueError(
            f"{what}: Expected f(*args) to return a scalar Tensor, got tensor with "
            f"{len(out.shape)} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
        )
    if out.dtype.kind not in "fc":
        raise LaminaTypeError(
            f"{what}: Expected f(*args) to return a floating point scalar, got dtype "
            f"{out.dtype}."
        )
    if out.dtype.kind == "c":
        # JAX, autograd and torch refuse it too: the gradient of a complex output is not
        # defined by one seed (the imaginary part would be dropped silently).
        raise LaminaTypeError(
            f"{what}: Expected f(*args) to return a real scalar, got dtype {out.dtype}. grad "
            "needs a real-valued function: return e.g. its .real or abs(...) ** 2, or use "
            "lm.vjp(f, *args) and pull back a complex cotangent of your choice."
        )
    seed = constant(1, out.dtype, out.device)  # a 0-d one: grad's seed
    grads = _regroup(recorded.pullback([seed]), specs)
    grad_out = grads[0] if isinstance(argnums, (numbers.Integral, np.integer)) else tuple(grads)
    value = wrap(recorded.primal_outputs()[0]) if name != "grad" else None
    return grad_out, value, aux


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False):
    """``(grad, value)`` of a scalar function, as ``torch.func.grad_and_value``.

    With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is
    ``(grad, (value, aux))``.

    >>> import lamina as lm
    >>> g, v = lm.grad_and_value(lambda x: (x ** 3).sum())(lm.asarray([1.0, 2.0]))
    >>> g, v
    (Tensor([ 3., 12.], device='cpu'), Tensor(9., device='cpu'))
    """
    @functools.wraps(func)
    @settles
    def wrapper(*args: Any, **kwargs: Any):
        g, value, aux = _grad_core(func, argnums, has_aux, "grad_and_value", args, kwargs)
        return (g, (value, aux)) if has_aux else (g, value)

    return wrapper


def value_and_grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False):
    """``(value, grad)`` of a scalar function, as ``jax.value_and_grad``.

    With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is
    ``((value, aux), grad)``.

    >>> import lamina as lm
    >>> v, g = lm.value_and_grad(lambda x: (x ** 2).sum())(lm.asarray([1.0, 2.0]))
    >>> v.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """
    @functools.wraps(func)
    @settles
    def wrapper(*args: Any, **kwargs: Any):
        g, value, aux = _grad_core(func, argnums, has_aux, "value_and_grad", args, kwargs)
        return ((value, aux), g) if has_aux else (value, g)

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False):
    """The gradient of a scalar function with respect to the ``argnums`` arguments.

    Returns one gradient (``argnums`` an int) or a tuple (``argnums`` a tuple), each shaped
    like its argument (pytrees too). With ``has_aux=True``, ``f`` returns ``(output, aux)``
    and the result is ``(grad, aux)``. Transforms nest: ``grad(grad(f))``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> lm.grad(lambda x: lnp.sin(x).sum())(lm.asarray([0.0, 1.0]))
    Tensor([1.        , 0.54030231], device='cpu')
    >>> lm.grad(lm.grad(lambda x: x ** 3))(2.0).item()
    12.0
    """
    @functools.wraps(func)
    @settles
    def wrapper(*args: Any, **kwargs: Any):
        g, _, aux = _grad_core(func, argnums, has_aux, "grad", args, kwargs)
        return (g, aux) if has_aux else g

    return wrapper

