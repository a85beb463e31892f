"""Custom ops over NumPy/CuPy kernels, shaped like ``torch.library``.

``@custom_op("mylib::name", mutates_args=())`` turns a function of arrays into a lamina op:
called with tensors, it runs the kernel on their NumPy (CPU) or CuPy (GPU) arrays. What the op
can do grows with what is registered on it:

- ``register_fake(fn)``: shape and dtype inference (``fn`` gets ``ShapeDtype`` objects for
  the tensor arguments and returns one, or a tuple). With it the op is a node of the lazy graph
  (compiled and cached with the rest); without it each call runs at once through the lazy
  backend's eager fallback (counted as ``fallbacks`` in ``lm.lazy.metrics()``).
- ``register_autograd(backward, setup_context=...)``: its vjp, as torch (``backward(ctx,
  *grads)`` written in lamina ops, so it is differentiable again).
- ``register_vmap(fn)``: its batch rule, ``fn(info, in_dims, *args) -> (out, out_dims)``;
  without it vmap runs the op once per batch element, with a ``VmapFallbackWarning``.

NOTE [autograd fallback]: under grad (or jvp), an op without an autograd rule follows
``lm.config.autograd_fallback``, as PyTorch does for custom operators without an autograd
kernel: ``"warn"`` (the default) warns that its inputs get zero gradient through it,
``"nothing"`` does the same silently, ``"error"`` raises, naming ``register_autograd``.

Op names are global, as in torch.library: a name defined by one function cannot be defined by
another. The same function defining its name again (a re-run notebook cell, a reloaded
module) replaces the old definition.

Arguments named in ``mutates_args`` are written in place by the kernel; lamina gives the kernel
copies and writes the results back into the tensors (functionalization), so such ops compose
with every transform.

>>> import numpy as np
>>> import lamina as lm
>>> @lm.library.custom_op("demo::softclip", mutates_args=())
... def softclip(x: np.ndarray, limit: float) -> np.ndarray:
...     return limit * np.tanh(x / limit)
>>> @softclip.register_fake
... def _(x, limit):
...     return x
>>> def _setup(ctx, inputs, output):
...     ctx.save_for_backward(inputs[0])
...     ctx.limit = inputs[1]
>>> def _backward(ctx, g):
...     (x,) = ctx.saved_tensors
...     return g * (1 - lm.numpy.tanh(x / ctx.limit) ** 2), None
>>> softclip.register_autograd(_backward, setup_context=_setup)
>>> x = lm.asarray([0.0, 1.0])
>>> lm.grad(lambda x: softclip(x, 2.0).sum())(x).round(4)
Tensor([1.    , 0.7864], device='cpu')
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from lamina.config import config
from lamina.core import Primitive, bind
from lamina.errors import LaminaRuntimeError, LaminaTypeError, LaminaValueError
from lamina.wrappers.tensor import Tensor, wrap

__all__ = ["custom_op", "CustomOp", "ShapeDtype"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_.]*$")
_ops: dict[str, CustomOp] = {}  # the current definition of each name
# Every op ever defined, by primitive: a superseded definition (a re-run notebook cell) stays
# usable by code that still holds it.
_ops_by_prim: dict[Primitive, CustomOp] = {}


class ShapeDtype:
    """What ``register_fake`` functions see and return: a shape and a dtype.

    >>> import lamina as lm
    >>> s = lm.library.ShapeDtype((2, 3), "float32")
    >>> s
    ShapeDtype(shape=(2, 3), dtype=float32)
    >>> s.ndim, s.size
    (2, 6)
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: Any, dtype: Any) -> None:
        from lamina.ops.creation import _check_shape  # noqa: PLC0415

        self.shape = _check_shape(shape, "ShapeDtype")
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self) -> int:
        """The number of axes, ``len(shape)``.

        >>> import lamina as lm
        >>> lm.library.ShapeDtype((2, 3), "float32").ndim
        2
        """
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of elements, the product of the shape.

        >>> import lamina as lm
        >>> lm.library.ShapeDtype((2, 3), "float32").size
        6
        """
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        return f"ShapeDtype(shape={self.shape}, dtype={self.dtype})"


def custom_op(name: str, fn: Callable | None = None, *, mutates_args: Any = ()) -> Any:
    """Make a lamina op of ``fn``, a function of NumPy/CuPy arrays (used as a decorator).

    ``name`` is ``"namespace::opname"``; ``mutates_args`` names the arguments the kernel
    writes in place (``()`` for none).

    >>> import numpy as np
    >>> import lamina as lm
    >>> @lm.library.custom_op("demo::double", mutates_args=())
    ... def double(x: np.ndarray) -> np.ndarray:
    ...     return 2 * x
    >>> double(lm.asarray([1.0, 2.0]))
    Tensor([2., 4.], device='cpu')
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise LaminaValueError(
            f"custom_op: the name must look like 'namespace::opname' (letters, digits and _), "
            f"got {name!r}."
        )
    mutates_args = _check_mutates_args(name, mutates_args)

    def make(kernel: Callable) -> CustomOp:
        old = _ops.get(name)
        if old is not None and _where(old.kernel) != _where(kernel):
            raise LaminaRuntimeError(
                f"custom_op: an op named {name!r} is already defined (by {_where(old.kernel)}); "
                "pick another name (ops are global, as in torch.library)."
            )
        # NOTE [redefining a custom op]: the same function defining the same name again is
        # a re-run notebook cell or a reloaded module: the new definition replaces the old.
        op = CustomOp(name, kernel, tuple(mutates_args))
        _ops[name] = op
        _ops_by_prim[op.prim] = op
        return op

    return make(fn) if fn is not None else make


def _check_mutates_args(name: str, mutates_args: Any) -> tuple:
    """``mutates_args`` as a tuple of names, or an error that says what it takes."""
    takes = ("mutates_args must be a tuple of argument names (those the kernel writes in "
             "place), or () for a kernel that writes none of its inputs")
    if mutates_args == "unknown":
        raise LaminaValueError(
            f"custom_op({name!r}, mutates_args='unknown'): lamina needs to know which "
            "arguments the kernel writes (it gives the kernel copies of those and writes them "
            f"back), so torch.library's 'unknown' is not supported; {takes}."
        )
    if isinstance(mutates_args, str):
        raise LaminaValueError(
            f"custom_op({name!r}, mutates_args={mutates_args!r}): {takes}; a single name is "
            f"written as a one-element tuple: mutates_args=({mutates_args!r},)."
        )
    try:
        names = tuple(mutates_args)
    except TypeError:
        raise LaminaTypeError(
            f"custom_op({name!r}, mutates_args={mutates_args!r}): {takes}, got "
            f"{type(mutates_args).__name__}."
        ) from None
    for n in names:
        if not isinstance(n, str):
            raise LaminaTypeError(
                f"custom_op({name!r}, mutates_args={mutates_args!r}): {takes}; {n!r} (of type "
                f"{type(n).__name__}) is not an argument name."
            )
    return names


def _where(kernel: Callable) -> str:
    """The kernel's definition site as a name: ``module.qualname``."""
    return f"{getattr(kernel, '__module__', '?')}.{getattr(kernel, '__qualname__', '?')}"


class CustomOp:
    """A lamina op around a kernel of arrays; call it with tensors.

    ``custom_op`` makes one; the ``register_*`` methods add what it can do (module docstring).
    Tensor arguments reach the kernel as NumPy (CPU) or CuPy (GPU) arrays; other arguments
    pass through as they are and must be hashable (they key the compiled graph).

    >>> import numpy as np
    >>> import lamina as lm
    >>> @lm.library.custom_op("demo::scale", mutates_args=())
    ... def scale(x: np.ndarray, factor: float) -> np.ndarray:
    ...     return x * factor
    >>> scale
    <lamina custom op demo::scale>
    >>> scale(lm.asarray([1.0, 2.0]), 3.0)
    Tensor([3., 6.], device='cpu')
    """

    def __init__(self, name: str, kernel: Callable, mutates_args: tuple) -> None:
        self.name = self.__name__ = name
        self.kernel = kernel
        self.signature = inspect.signature(kernel)
        unknown = [a for a in mutates_args if a not in self.signature.parameters]
        if unknown:
            raise LaminaValueError(
                f"custom_op({name!r}): mutates_args names {unknown}, which are not parameters "
                f"of {kernel.__name__}{self.signature}."
            )
        self.mutates_args = mutates_args
        self._fake: Callable | None = None
        self._backward: Callable | None = None
        self._setup_context: Callable | None = None
        self._vmap: Callable | None = None
        self._single = True
        self.prim = Primitive(name, self._impl, self._abstract, multiple_results=True,
                              lazy=False, register=False)
        self.__doc__ = kernel.__doc__

    def __repr__(self) -> str:
        return f"<lamina custom op {self.name}>"

    # -- registration ---------------------------------------------------------------------

    def register_fake(self, fn: Callable) -> Callable:
        """Shape/dtype inference: the op becomes a node of the lazy graph.

        ``fn`` takes the op's arguments with ``ShapeDtype`` in place of each tensor and
        returns a ``ShapeDtype`` (or an input with the output's shape and dtype), or a tuple
        of them for several outputs. Used as a decorator. Without it, each call runs at once.

        >>> import numpy as np
        >>> import lamina as lm
        >>> @lm.library.custom_op("demo::cube", mutates_args=())
        ... def cube(x: np.ndarray) -> np.ndarray:
        ...     return x ** 3
        >>> @cube.register_fake
        ... def _(x):
        ...     return lm.library.ShapeDtype(x.shape, x.dtype)
        >>> y = cube(lm.asarray([1.0, 2.0])) + 1   # graph nodes: nothing has run yet
        >>> lm.lazy.is_pending(y)
        True
        >>> y
        Tensor([2., 9.], device='cpu')
        """
        self._fake = fn
        self.prim.lazy = True
        # NOTE [fake functions are checked]: the lazy graph trusts shape rules, and a kernel
        # that breaks its promise would surface as a lamina "internal error"; checking the
        # kernel's results against the fake function names the user's mistake instead.
        self.prim.impl = self._checked_impl
        return fn

    def _checked_impl(self, xp, *arrays, template):
        outs = self._impl(xp, *arrays, template=template)
        promised = self._abstract(*arrays, template=template)
        if len(outs) != len(promised):
            raise LaminaRuntimeError(
                f"{self.name}: the kernel returned {len(outs)} output(s) but its register_fake "
                f"function declared {len(promised)}. Make the fake function return one "
                "ShapeDtype per output of the kernel (a tuple for several)."
            )
        for i, (o, (shape, dtype)) in enumerate(zip(outs, promised, strict=True)):
            got_shape = tuple(o.shape)
            if got_shape != shape or o.dtype != dtype:
                fix = (f"cast the kernel's result with .astype('{dtype}')" if got_shape == shape
                       else f"make the kernel return shape {shape}")
                raise LaminaRuntimeError(
                    f"{self.name}: the kernel returned output {i} with shape {got_shape} and "
                    f"dtype {o.dtype}, but its register_fake function declared shape {shape} "
                    f"and dtype {dtype}. Make the fake function return "
                    f"lamina.library.ShapeDtype({got_shape}, '{o.dtype}') for these inputs, "
                    f"or {fix}."
                )
        return outs

    def register_autograd(self, backward: Callable, *, setup_context: Callable | None = None
                          ) -> None:
        """The op's vjp: ``backward(ctx, *grads)`` returns one gradient per argument.

        ``setup_context(ctx, inputs, output)`` runs after the forward and saves what
        ``backward`` needs (``ctx.save_for_backward``, or plain attributes). ``backward``
        returns one gradient per argument of the kernel, ``None`` for non-tensor ones. It is
        written in lamina ops, so it is differentiable again (``grad(grad(op))``).

        >>> import numpy as np
        >>> import lamina as lm
        >>> @lm.library.custom_op("demo::square", mutates_args=())
        ... def square(x: np.ndarray) -> np.ndarray:
        ...     return x * x
        >>> def setup_context(ctx, inputs, output):
        ...     ctx.save_for_backward(inputs[0])
        >>> def backward(ctx, g):
        ...     (x,) = ctx.saved_tensors
        ...     return 2 * x * g
        >>> square.register_autograd(backward, setup_context=setup_context)
        >>> lm.grad(lambda x: square(x).sum())(lm.asarray([1.0, 3.0]))
        Tensor([2., 6.], device='cpu')
        >>> lm.grad(lm.grad(lambda x: square(x).sum()))(lm.asarray(3.0))
        Tensor(2., device='cpu')
        """
        self._backward = backward
        self._setup_context = setup_context
        self.prim.vjp = self._vjp

    def register_vmap(self, fn: Callable) -> Callable:
        """The op's batch rule: ``fn(info, in_dims, *args) -> (outputs, out_dims)``.

        ``in_dims`` holds each argument's batch axis (``None`` if it is not batched) and
        ``info.batch_size`` the batch size; the rule receives the whole batch and says where
        the batch axis of each output is. Used as a decorator. Without a rule, vmap runs the
        op once per batch element, with a ``VmapFallbackWarning``.

        >>> import numpy as np
        >>> import lamina as lm
        >>> @lm.library.custom_op("demo::rowsum", mutates_args=())
        ... def rowsum(x: np.ndarray) -> np.ndarray:
        ...     return x.sum(axis=-1)
        >>> @rowsum.register_vmap
        ... def _(info, in_dims, x):
        ...     x = lm.numpy.moveaxis(x, in_dims[0], 0)   # the batch first,
        ...     return rowsum(x), 0                         # one call for the whole batch
        >>> lm.vmap(rowsum, in_dims=1)(lm.asarray([[1.0, 2.0], [3.0, 4.0]]))
        Tensor([4., 6.], device='cpu')
        """
        self._vmap = fn
        self.prim.batch = self._batch
        return fn

    # -- calling --------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from lamina.numpy._handles import value_of  # noqa: PLC0415

        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise LaminaTypeError(f"{self.name}: {exc} (signature {self.signature})") from None
        bound.apply_defaults()
        values, template, targets = [], [], []
        for pname, a in bound.arguments.items():
            if isinstance(a, Tensor) or hasattr(a, "__array_interface__") or hasattr(
                    a, "__cuda_array_interface__"):
                template.append(("tensor", len(values)))
                values.append(value_of(a, self.name))
                if pname in self.mutates_args:
                    if not isinstance(a, Tensor):
                        raise LaminaTypeError(
                            f"{self.name}: argument {pname!r} is written in place "
                            "(mutates_args), so it must be a lamina Tensor, got "
                            f"{type(a).__name__}."
                        )
                    targets.append(a)
            else:
                if pname in self.mutates_args:
                    raise LaminaTypeError(
                        f"{self.name}: argument {pname!r} is written in place (mutates_args), "
                        f"so it must be a lamina Tensor, got {type(a).__name__}."
                    )
                try:
                    hash(a)
                except TypeError:
                    raise LaminaTypeError(
                        f"{self.name}: non-tensor argument {pname!r} must be hashable (it is "
                        f"part of the compiled graph's key), got {type(a).__name__}; pass a "
                        "tuple instead of a list."
                    ) from None
                template.append(("static", a))
        if not values:
            raise LaminaValueError(
                f"{self.name}: a custom op needs at least one tensor argument (it runs on the "
                "tensors' device)."
            )
        outs = bind(self.prim, *values, template=tuple(template))
        n = len(outs) - len(targets)
        for t, v in zip(targets, outs[n:], strict=True):
            t._assign(v, self.name)
        if n == 0:
            return None  # a kernel that only writes its arguments
        results = [wrap(o) for o in outs[:n]]
        return results[0] if self._single else tuple(results)

    def _arguments(self, values: tuple, template: tuple) -> list:
        return [values[x] if kind == "tensor" else x for kind, x in template]

    def _impl(self, xp, *arrays, template):
        # NOTE [kernels get read-only arrays]: lamina's arrays are shared (by tensors, pending
        # graphs, cached constants: NOTE [lamina's arrays are read-only] in lazy/graph.py).
        # The kernel gets a private copy of each argument it declares in ``mutates_args``,
        # and read-only views of the others, so an undeclared write raises NumPy's read-only
        # error, which names the op here. CuPy arrays have no write flag: on CUDA the kernel
        # gets copies of the undeclared arguments too (a write then changes only the copy).
        args = self._arguments(arrays, template)
        names = list(self.signature.parameters)
        mutated = []
        tensor_positions = {i for i, (kind, _) in enumerate(template) if kind == "tensor"}
        for i, name in enumerate(names[: len(args)]):
            if name in self.mutates_args:
                args[i] = xp.array(args[i], copy=True)  # the kernel writes a private copy
                mutated.append(args[i])
            elif i in tensor_positions:
                args[i] = _read_only(xp, args[i])
        try:
            result = self.kernel(*args)
        except ValueError as exc:
            if "read-only" not in str(exc):
                raise
            raise LaminaValueError(
                f"{self.name}: the kernel wrote into an argument it does not declare in "
                f"mutates_args ({exc}). lamina's arrays are shared and read-only; declare the "
                f"argument, e.g. custom_op({self.name!r}, mutates_args=('x',)), or write into "
                "a copy (x = x.copy())."
            ) from exc
        single = not isinstance(result, (tuple, list))
        self._single = single
        outs = (result,) if single else tuple(result)
        if result is None:
            outs = ()
            self._single = False
        return tuple(xp.asarray(o) for o in outs) + tuple(mutated)

    def _abstract(self, *avals, template):
        args = self._arguments(tuple(ShapeDtype(a.shape, a.dtype) for a in avals), template)
        result = self._fake(*args)
        single = not isinstance(result, (tuple, list))
        self._single = single
        outs = (result,) if single else tuple(result)
        for i, o in enumerate(outs):
            if not (hasattr(o, "shape") and hasattr(o, "dtype")):
                raise LaminaTypeError(
                    f"{self.name}: the fake function returned {type(o).__name__} for output {i}; "
                    "return objects with .shape and .dtype (lamina.library.ShapeDtype, or an "
                    "input)."
                )
        names = list(self.signature.parameters)
        mutated = [args[i] for i, n in enumerate(names[: len(args)]) if n in self.mutates_args]
        return tuple((tuple(o.shape), np.dtype(o.dtype)) for o in (*outs, *mutated))

    # -- rules ----------------------------------------------------------------------------

    def _call_record(self, template: tuple):
        from lamina.transforms.custom import _Call  # noqa: PLC0415

        args = tuple(None if kind == "tensor" else x for kind, x in template)
        slots = tuple(x if kind == "tensor" else None for kind, x in template)
        return _Call(self, args, slots)

    def _vjp(self, gs, *primals, out, template):
        from lamina.transforms.custom import FunctionCtx, _per_operand, _zeros_like  # noqa: PLC0415

        names = list(self.signature.parameters)[: len(template)]
        n = len(out) - sum(1 for name in names if name in self.mutates_args)
        if any(g is not None for g in gs[n:]):
            raise LaminaRuntimeError(
                f"{self.name}: differentiating through the arguments the kernel writes in place "
                f"({', '.join(self.mutates_args)}) is not supported; return the new value as "
                "a result instead, and differentiate that."
            )
        outputs = tuple(wrap(o) for o in out[:n])
        ctx = FunctionCtx(tuple(kind == "tensor" for kind, _ in template))
        ctx._outputs = outputs
        inputs = tuple(wrap(primals[x]) if kind == "tensor" else x for kind, x in template)
        if self._setup_context is not None:
            self._setup_context(ctx, inputs, outputs[0] if self._single else outputs)
        grads = [wrap(g if g is not None else _zeros_like(o))
                 for g, o in zip(gs[:n], out[:n], strict=True)]
        result = self._backward(ctx, *grads)
        return _per_operand(self._call_record(template), result, primals, "backward",
                            "gradient")

    def _batch(self, args, bdims, *, template):
        from lamina.transforms.custom import VmapInfo  # noqa: PLC0415

        size = next(a.shape[d] for a, d in zip(args, bdims, strict=True) if d is not None)
        in_dims = tuple(bdims[x] if kind == "tensor" else None for kind, x in template)
        inputs = tuple(wrap(args[x]) if kind == "tensor" else x for kind, x in template)
        result = self._vmap(VmapInfo(size, "error"), in_dims, *inputs)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise LaminaRuntimeError(
                f"{self.name}: the vmap rule must return (outputs, out_dims), got "
                f"{type(result).__name__}."
            )
        outs, out_dims = result
        outs = (outs,) if isinstance(outs, Tensor) else tuple(outs)
        out_dims = (out_dims,) * len(outs) if not isinstance(out_dims, (tuple, list)) else tuple(
            out_dims)
        if len(out_dims) != len(outs):
            raise LaminaRuntimeError(
                f"{self.name}: the vmap rule returned {len(outs)} outputs but {len(out_dims)} "
                "out_dims."
            )
        return tuple(o._lamina_read() for o in outs), out_dims


def _read_only(xp, array: Any) -> Any:
    """What a kernel gets for an argument it does not write: NOTE [kernels get read-only
    arrays]."""
    if isinstance(array, np.ndarray):
        view = array.view()
        view.flags.writeable = False
        return view
    if xp is np:
        return array
    return xp.array(array, copy=True)


_FALLBACKS = ("warn", "error", "nothing")


def autograd_fallback(prim: Primitive, transform: str) -> bool:
    """NOTE [autograd fallback]: what ``transform`` does with an op that has no rule. Returns
    True when the op's outputs should be treated as constants (zero gradient); raises for
    ``"error"``; False for ops that are not custom ops (their missing rule is a lamina bug)."""
    op = _ops_by_prim.get(prim)
    if op is None:
        return False
    if transform == "jvp" and op._backward is not None:
        raise LaminaRuntimeError(
            f"jvp: the custom op '{prim.name}' has a reverse-mode rule (register_autograd) but "
            "no forward-mode one, so jvp, jacfwd and hessian cannot differentiate it. Use "
            "grad, vjp or jacrev, or write it as a lamina.Function with a jvp staticmethod."
        )
    mode = config.autograd_fallback
    if mode not in _FALLBACKS:
        raise LaminaValueError(
            f"lamina.config.autograd_fallback must be one of {_FALLBACKS}, got {mode!r}."
        )
    if mode == "error":
        raise LaminaRuntimeError(
            f"{transform}: the custom op '{prim.name}' has no autograd rule, so it cannot be "
            f"differentiated. Register one with {prim.name.split('::')[-1]}.register_autograd("
            "backward, setup_context=...), or set lamina.config.autograd_fallback = 'warn' to "
            "treat it as having zero gradient."
        )
    if mode == "warn":
        warnings.warn(
            f"{transform}: the custom op '{prim.name}' has no autograd rule (register_autograd); "
            "it is treated as having zero gradient for its inputs and will not be "
            "differentiated. Set lamina.config.autograd_fallback = 'error' to make this an "
            "error, or 'nothing' to silence it.",
            UserWarning,
            stacklevel=4,
        )
    return True
