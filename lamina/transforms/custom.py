"""``lamina.Function``: custom rules, torch.autograd.Function style, under every transform.

NOTE [custom functions on the layer stack]: ``Fn.apply(*args)`` binds one primitive,
``custom_function``, whose operands are the tensor arguments. Each interpreter that owns an
operand handles it with its own rule (``interpret`` below), one level at a time:

- Grad: runs the function one level down, calls ``setup_context`` there with a fresh ``ctx``
  and records a tape node whose vjp is the user's ``backward(ctx, *grads)``. ``backward``
  runs in lamina ops after the level is gone, so outer levels differentiate it (higher order).
- Jvp: runs the function one level down, then ``jvp(ctx, *tangents)`` there.
- Vmap: calls the user's ``vmap(info, in_dims, *args)`` one level down, or with
  ``generate_vmap_rule = True`` binds a generated Function whose forward, backward and jvp
  are the user's, vmapped per batch element (so grad levels below the vmap still see one
  custom function with its own backward).
- Functionalize, and any interpreter without an operand of its own, pass it down.

At the bottom of the stack (no operand is wrapped any more) the forward runs on plain tensors.
Each level has its own ``ctx`` holding that level's values: this is what makes
``grad(grad(Fn.apply))`` and ``vmap(grad(Fn.apply))`` work.

The combined style, ``forward(ctx, *args)`` without ``setup_context``, is accepted too; there
the forward runs at the level that needs the ctx, so levels below see its ops one by one.

NOTE [pytree arguments]: the operands are the tensors anywhere in ``apply``'s arguments, in
tuples, lists, dicts and namedtuples too (``Fn.apply((a, b), x)``), as JAX's ``custom_vjp``
follows pytrees; torch's Function ignores tensors inside containers, which left them
constants with a zero gradient and no word. Each argument keeps its structure: ``forward``
and ``setup_context`` get it with handles at its tensors; ``backward`` returns, per argument,
None or that structure with a gradient (or None) at each tensor and None elsewhere;
``jvp`` gets, per argument, None when it holds no tensor, else the tangent (a tensor argument)
or its structure with tangents at the tensors and None elsewhere; the user's ``vmap`` gets its
``in_dims`` the same way. ``ctx.needs_input_grad`` stays one bool per argument: True when a
gradient can flow to any tensor in it. Leaves that are not tensors (numbers, strings, NumPy
arrays) stay static.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from lamina import tree
from lamina.core import Primitive, bind, current_interpreters
from lamina.errors import LaminaNotImplementedError, LaminaRuntimeError, LaminaTypeError
from lamina.wrappers.tensor import Tensor, wrap

__all__ = ["Function", "FunctionCtx", "VmapInfo", "custom_function_p"]


class FunctionCtx:
    """The ``ctx`` passed to ``setup_context``, ``backward`` and ``jvp``.

    Attributes set by user code (``ctx.kernel_size = 3``) are kept, as in torch.
    ``ctx.needs_input_grad`` says, per argument of ``apply``, whether it is a tensor that a
    gradient can flow to (False for static arguments), so ``backward`` can skip work.

    >>> import lamina as lm
    >>> class Scale(lm.Function):
    ...     @staticmethod
    ...     def forward(x, factor):
    ...         return x * factor
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         ctx.factor = inputs[1]                 # a plain value: an attribute
    ...         print("needs_input_grad:", ctx.needs_input_grad)
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g * ctx.factor, None            # no gradient for the float
    >>> lm.grad(lambda x: Scale.apply(x, 3.0).sum())(lm.asarray([1.0, 2.0]))
    needs_input_grad: (True, False)
    Tensor([3., 3.], device='cpu')
    """

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved: tuple = ()
        self._non_differentiable: set[int] = set()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors for ``backward`` (and ``jvp``); read them back as ``saved_tensors``.

        Inputs, outputs or intermediates of ``forward`` may be saved; other values go on ctx
        as attributes. ``save_for_forward`` is the same call (torch's name for ``jvp``).

        >>> import lamina as lm
        >>> import lamina.numpy as lnp
        >>> class Exp(lm.Function):
        ...     @staticmethod
        ...     def forward(x):
        ...         return lnp.exp(x)
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.save_for_backward(output)      # d/dx exp(x) = exp(x): reuse it
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (e,) = ctx.saved_tensors
        ...         return g * e
        >>> lm.grad(lambda x: Exp.apply(x))(lm.asarray(0.0))
        Tensor(1., device='cpu')
        """
        saved = []
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                if not _is_array(t):
                    raise LaminaTypeError(
                        f"save_for_backward can only save tensors (or None), but argument {i} "
                        f"is a {type(t).__name__}. Store other values as ctx attributes "
                        "(ctx.name = value)."
                    )
                # A NumPy/CuPy array: an argument the transform does not differentiate
                # (lm.grad(f, argnums=0)(x, np_y)); saved as a constant tensor.
                from lamina.numpy import asarray  # noqa: PLC0415

                t = asarray(t)
            saved.append(t)
        self._saved = tuple(saved)

    save_for_forward = save_for_backward

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, in order (a tuple; unpack it).

        >>> import lamina as lm
        >>> class Mul(lm.Function):
        ...     @staticmethod
        ...     def forward(x, y):
        ...         return x * y
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.save_for_backward(*inputs)
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         x, y = ctx.saved_tensors
        ...         return g * y, g * x
        >>> lm.grad(Mul.apply, argnums=(0, 1))(lm.asarray(2.0), lm.asarray(5.0))
        (Tensor(5., device='cpu'), Tensor(2., device='cpu'))
        """
        return tuple(self._saved)

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """These outputs get no gradient (integer indices, masks).

        ``backward`` still receives a gradient for each output; for these it is zeros (or
        None after ``set_materialize_grads(False)``).

        >>> import lamina as lm
        >>> import lamina.numpy as lnp
        >>> class MaxWithIndex(lm.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):                    # the combined form: ctx first
        ...         i = lnp.argmax(x)
        ...         ctx.mark_non_differentiable(i)
        ...         ctx.save_for_backward(x, i)
        ...         return x[i], i
        ...     @staticmethod
        ...     def backward(ctx, g, g_index):
        ...         x, i = ctx.saved_tensors
        ...         return lnp.where(lnp.arange(x.shape[0]) == i, g, 0.0)
        >>> lm.grad(lambda x: MaxWithIndex.apply(x)[0])(lm.asarray([1.0, 5.0, 2.0]))
        Tensor([0., 1., 0.], device='cpu')
        """
        self._non_differentiable.update(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs without gradient.

        The default (True) hands ``backward`` zeros for unused outputs, so it can always do
        arithmetic on its arguments; False saves building them.

        >>> import lamina as lm
        >>> class Both(lm.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.set_materialize_grads(False)
        ...         return 2 * x, 3 * x
        ...     @staticmethod
        ...     def backward(ctx, g2, g3):
        ...         print("g3 is", g3)
        ...         return 2 * g2 if g3 is None else 2 * g2 + 3 * g3
        >>> lm.grad(lambda x: Both.apply(x)[0])(lm.asarray(1.0))
        g3 is None
        Tensor(2., device='cpu')
        """
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        """Not supported: ``forward`` may not modify its inputs in place (it raises).

        Return a new tensor instead; under ``lm.functionalize`` the caller's tensor can still
        be updated by assigning the result (``x[...] = Fn.apply(x)``).

        >>> import lamina as lm
        >>> lm.FunctionCtx(needs_input_grad=(True,)).mark_dirty()
        Traceback (most recent call last):
        ...
        lamina.errors.LaminaRuntimeError: mark_dirty: lamina.Function does not support ...
        """
        raise LaminaRuntimeError(
            "mark_dirty: lamina.Function does not support in-place forward functions. Return "
            "a new tensor instead of modifying an input."
        )


def _is_array(value: Any) -> bool:
    """A NumPy or CuPy array (or NumPy scalar): what ``apply`` passes through as a static
    argument, and what stands for a tensor nobody differentiates."""
    return isinstance(value, (np.ndarray, np.generic)) or hasattr(
        value, "__cuda_array_interface__")


class VmapInfo:
    """What a user's ``vmap`` staticmethod is told: the batch size and the randomness mode."""

    __slots__ = ("batch_size", "randomness")

    def __init__(self, batch_size: int, randomness: str) -> None:
        self.batch_size = batch_size
        self.randomness = randomness

    def __repr__(self) -> str:
        return f"VmapInfo(batch_size={self.batch_size}, randomness={self.randomness!r})"


def _must_override(name: str, doc: str):
    def method(*args, **kwargs):
        raise NotImplementedError(name)

    method.__name__ = name
    method.__qualname__ = f"Function.{name}"
    method.__doc__ = doc
    return staticmethod(method)


_FORWARD_DOC = """Override: compute the outputs from ``apply``'s arguments, in lamina ops.

    Two forms, as in torch: ``forward(*args)`` with a separate ``setup_context``, or
    ``forward(ctx, *args)`` that fills ctx itself. Return a tensor or a tuple of tensors.

    >>> import lamina as lm
    >>> class Square(lm.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    >>> lm.grad(Square.apply)(lm.asarray(3.0))
    Tensor(6., device='cpu')
    """

_BACKWARD_DOC = """Override: reverse mode. ``backward(ctx, *grads)`` gets one gradient per output
    and returns one per argument of ``apply`` (``None`` for static ones, or a tuple).

    Written in lamina ops, so it can be differentiated again. Used by grad, vjp, jacrev and
    hessian.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> class ClipGrad(lm.Function):          # identity forward, clipped gradient
    ...     @staticmethod
    ...     def forward(x, limit):
    ...         return x.copy()
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         ctx.limit = inputs[1]
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return lnp.clip(g, -ctx.limit, ctx.limit), None
    >>> lm.grad(lambda x: (10 * ClipGrad.apply(x, 1.0)).sum())(lm.asarray([1.0, 2.0]))
    Tensor([1., 1.], device='cpu')
    """

_JVP_DOC = """Override: forward mode. ``jvp(ctx, *tangents)`` gets one tangent per tensor
    argument of ``apply`` (None for static ones) and returns one per output.

    Used by jvp, jacfwd and hessian. Save what it needs with ``ctx.save_for_forward``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> class Sin(lm.Function):
    ...     @staticmethod
    ...     def forward(x):
    ...         return lnp.sin(x)
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         ctx.save_for_forward(inputs[0])
    ...     @staticmethod
    ...     def jvp(ctx, t):
    ...         (x,) = ctx.saved_tensors
    ...         return lnp.cos(x) * t
    >>> lm.jvp(Sin.apply, (lm.asarray(0.0),), (lm.asarray(2.0),))
    (Tensor(0., device='cpu'), Tensor(2., device='cpu'))
    """

_VMAP_DOC = """Override: the batch rule. ``vmap(info, in_dims, *args)`` gets the whole batch,
    each argument's batch axis (None if unbatched) and ``info.batch_size``; it returns
    ``(outputs, out_dims)``.

    Or set ``generate_vmap_rule = True`` to have lamina batch ``forward`` (and the rules)
    itself. Without either, vmap over ``apply`` raises.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> class Total(lm.Function):
    ...     @staticmethod
    ...     def forward(x):
    ...         return x.sum()
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         pass
    ...     @staticmethod
    ...     def vmap(info, in_dims, x):
    ...         return lnp.sum(x, axis=1 if in_dims[0] == 0 else 0), 0
    >>> lm.vmap(Total.apply)(lm.asarray([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([3., 7.], device='cpu')
    """


class Function:
    """A function with its own derivative and batching rules, as ``torch.autograd.Function``.

    Override ``forward(*args)`` and ``setup_context(ctx, inputs, output)`` (or the combined
    ``forward(ctx, *args)``), ``backward(ctx, *grads)`` for reverse mode, ``jvp(ctx,
    *tangents)`` for forward mode, and ``vmap(info, in_dims, *args)`` or
    ``generate_vmap_rule = True`` for vmap. Call it with ``Fn.apply(*args)``. The methods are
    written in lamina ops, so the rules are differentiable themselves.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> class Cube(lm.Function):
    ...     generate_vmap_rule = True
    ...     @staticmethod
    ...     def forward(x):
    ...         return x ** 3
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         ctx.save_for_backward(inputs[0])
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * g
    ...     @staticmethod
    ...     def jvp(ctx, t):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * t
    >>> x = lm.asarray([1.0, 2.0])
    >>> lm.grad(lambda x: Cube.apply(x).sum())(x)
    Tensor([ 3., 12.], device='cpu')
    >>> lm.vmap(lm.grad(lambda x: Cube.apply(x)))(x)      # 3 x^2, per element
    Tensor([ 3., 12.], device='cpu')
    >>> lm.grad(lm.grad(lambda x: Cube.apply(x)))(lm.asarray(2.0))   # 6 x
    Tensor(12., device='cpu')
    """

    generate_vmap_rule = False

    forward = _must_override("forward", _FORWARD_DOC)
    backward = _must_override("backward", _BACKWARD_DOC)
    jvp = _must_override("jvp", _JVP_DOC)
    vmap = _must_override("vmap", _VMAP_DOC)

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        """Override (with a ``forward`` that takes no ctx): save what the rules need.

        ``inputs`` is the tuple of ``apply``'s arguments, ``output`` what ``forward``
        returned. Keep tensors with ``ctx.save_for_backward`` and other values as attributes.

        >>> import lamina as lm
        >>> class Power(lm.Function):
        ...     @staticmethod
        ...     def forward(x, p):
        ...         return x ** p
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         x, p = inputs
        ...         ctx.save_for_backward(x)
        ...         ctx.p = p
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return g * ctx.p * x ** (ctx.p - 1), None
        >>> lm.grad(lambda x: Power.apply(x, 3))(lm.asarray(2.0))
        Tensor(12., device='cpu')
        """
        raise NotImplementedError("setup_context")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise LaminaTypeError(
            f"{type(self).__name__}: lamina.Function subclasses are not instantiated; call "
            f"{type(self).__name__}.apply(*args)."
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the function on ``args`` (tensors and static values) under the active
        transforms.

        Tensors are differentiated and batched through the class's rules, also inside tuples,
        lists and dicts (as JAX's ``custom_vjp``; NOTE [pytree arguments]): ``backward`` then
        returns, for such an argument, its structure with a gradient or None at each tensor.
        Other values (numbers, strings, NumPy arrays) are static. Positional arguments only.

        >>> import lamina as lm
        >>> class Double(lm.Function):
        ...     generate_vmap_rule = True
        ...     @staticmethod
        ...     def forward(x):
        ...         return 2 * x
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         pass
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return 2 * g
        >>> Double.apply(lm.asarray([1.0, 2.0]))
        Tensor([2., 4.], device='cpu')
        >>> lm.vmap(lm.grad(Double.apply))(lm.asarray([1.0, 2.0]))
        Tensor([2., 2.], device='cpu')
        >>> class Affine(lm.Function):
        ...     @staticmethod
        ...     def forward(params, x):                  # params: a (w, b) pair of tensors
        ...         w, b = params
        ...         return w * x + b
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         (w, b), x = inputs
        ...         ctx.save_for_backward(w, x)
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         w, x = ctx.saved_tensors
        ...         return (g * x, g), g * w             # one structure per argument
        >>> lm.grad(lambda p: Affine.apply(p, lm.asarray(3.0)))((lm.asarray(2.0), lm.asarray(1.0)))
        (Tensor(3., device='cpu'), Tensor(1., device='cpu'))
        """
        if kwargs:
            raise LaminaTypeError(
                f"{cls.__name__}.apply() takes positional arguments only (got keyword arguments "
                f"{sorted(kwargs)}), as torch.autograd.Function.apply does."
            )
        if getattr(cls, "_lamina_overrides_forward", None) is not cls:
            _check_definition(cls)
        if not _overrides(cls, "setup_context"):
            _check_combined_forward(cls, len(args))
        call = _Call(cls, args)
        values = tuple(leaf._lamina_read() for leaf, s in zip(call.leaves, call.slots,
                                                              strict=True) if s is not None)
        outs = _run_here(call, values, None)
        handles = [wrap(v) for v in outs]
        return handles[0] if call.single else tuple(handles)


def _overrides(cls: type, name: str) -> bool:
    return getattr(cls, name) is not getattr(Function, name)


def _check_definition(cls: type) -> None:
    if not _overrides(cls, "forward"):
        raise LaminaNotImplementedError(
            f"{cls.__name__}: you must implement the forward function for a custom "
            "lamina.Function (a staticmethod forward(*args), with setup_context(ctx, inputs, "
            "output), or forward(ctx, *args))."
        )
    cls._lamina_overrides_forward = cls


@functools.lru_cache(maxsize=1024)
def _check_combined_forward(cls: type, n_args: int) -> None:
    """Without ``setup_context``, ``forward`` is called as ``forward(ctx, *args)``; one that
    takes only the arguments is a forgotten ``setup_context`` (torch says only "takes 1
    positional argument but 2 were given")."""
    try:
        sig = inspect.signature(cls.forward)
    except (TypeError, ValueError):  # pragma: no cover - builtins have no signature
        return
    args = (None,) * n_args
    try:
        sig.bind(None, *args)
    except TypeError:
        try:
            sig.bind(*args)
        except TypeError:
            return  # wrong either way: Python's own error names the arguments
        raise LaminaTypeError(
            f"{cls.__name__}.forward{sig} takes no ctx, so {cls.__name__} needs a "
            "setup_context: add a staticmethod setup_context(ctx, inputs, output) that saves "
            "what backward needs (ctx.save_for_backward(...)), or take the ctx as forward's "
            "first argument: forward(ctx, ...)."
        ) from None


class _Call:
    """One application: the Function, the user's arguments (static ones kept as they are),
    their leaves (NOTE [pytree arguments]) and which leaves are tensors (``slots``: the leaf's
    index among the operands, or None), and what forward returned.

    ``arg_specs[i]`` is argument ``i``'s tree structure, None for an argument that is one leaf;
    ``ranges[i]`` its leaves' (start, stop). Given ``slots``, each argument is one leaf
    (lamina.library's custom ops)."""

    __slots__ = ("fn", "args", "leaves", "arg_specs", "ranges", "slots", "single", "n_out")

    def __init__(self, fn: type, args: tuple, slots: tuple | None = None) -> None:
        self.fn = fn
        self.args = args
        if slots is None:
            leaves: list = []
            specs: list = []
            for a in args:
                if type(a) is Tensor:
                    leaves.append(a)
                    specs.append(None)
                    continue
                arg_leaves, spec = tree.flatten(a)
                leaves.extend(arg_leaves)
                specs.append(None if spec.is_leaf() else spec)
            n = 0
            slot_list = []
            for leaf in leaves:
                slot_list.append(n if type(leaf) is Tensor else None)
                n += type(leaf) is Tensor
            slots = tuple(slot_list)
        else:
            leaves, specs = list(args), [None] * len(args)
        self.leaves = leaves
        self.arg_specs = specs
        ranges = []
        start = 0
        for spec in specs:
            stop = start + (1 if spec is None else spec.num_leaves)
            ranges.append((start, stop))
            start = stop
        self.ranges = ranges
        self.slots = slots
        self.single = True
        self.n_out = None

    def _rebuild(self, leaves: list) -> tuple:
        return tuple(leaves[start] if spec is None else tree.unflatten(spec, leaves[start:stop])
                     for spec, (start, stop) in zip(self.arg_specs, self.ranges, strict=True))

    def inputs(self, values: tuple, make=wrap) -> tuple:
        """The forward's arguments with the tensor operands replaced by ``make(values[s])``."""
        return self._rebuild([leaf if s is None else make(values[s])
                              for leaf, s in zip(self.leaves, self.slots, strict=True)])

    def per_argument(self, items: Any) -> tuple:
        """Per-operand ``items`` (tangents, batch dims) as one entry per argument: None for an
        argument without tensors, the operand's item for a tensor argument, else the
        argument's structure with the items at its tensors and None elsewhere."""
        out = []
        for spec, (start, stop) in zip(self.arg_specs, self.ranges, strict=True):
            slots = self.slots[start:stop]
            if all(s is None for s in slots):
                out.append(None)
            elif spec is None:
                out.append(items[slots[0]])
            else:
                out.append(tree.unflatten(spec, [None if s is None else items[s] for s in slots]))
        return tuple(out)

    def per_operand(self, results: tuple, method: str, what: str) -> list:
        """The inverse of ``per_argument`` for a rule's results (one entry per argument, each
        None or of the argument's structure): ``(i, k, result)`` for each leaf ``k`` of
        argument ``i`` given a non-None result."""
        fn = self.fn
        out = []
        for i, r in enumerate(results):
            if r is None:
                continue
            spec = self.arg_specs[i]
            if spec is None:
                rs = [r]
            else:
                try:
                    rs = spec.flatten_up_to(r)
                except (TypeError, ValueError):
                    raise LaminaRuntimeError(
                        f"function {fn.__name__}.{method} returned {_shown(r)} as the {what}s of "
                        f"argument {i}, which is {tree.structure_str(spec)}: return that "
                        f"structure with a {what} (or None) at each tensor and None elsewhere, "
                        "or None for the whole argument."
                    ) from None
            out.extend((i, k, g) for k, g in enumerate(rs) if g is not None)
        return out

    def per_argument_results(self, result: Any) -> tuple:
        """A rule's return value as one entry per argument (a lone container argument may get
        its structure directly: ``backward`` of ``Fn.apply((a, b))`` may return ``(ga, gb)``)."""
        results = result if isinstance(result, tuple) else (result,)
        if len(self.args) == 1 and len(results) != 1 and self.arg_specs[0] is not None:
            try:
                self.arg_specs[0].flatten_up_to(result)
                return (result,)
            except (TypeError, ValueError):
                pass
        return results

    def needs(self, tracked: list) -> tuple:
        """``ctx.needs_input_grad``: per argument, whether any of its tensors is tracked."""
        return tuple(any(s is not None and tracked[s] for s in self.slots[start:stop])
                     for start, stop in self.ranges)

    @property
    def setup_style(self) -> bool:
        return _overrides(self.fn, "setup_context")


def _outputs(call: _Call, out: Any) -> tuple:
    """The forward's result as a tuple of Tensors (remembering whether it was a single one)."""
    single = type(out) is Tensor
    outs = (out,) if single else out
    if not isinstance(outs, (tuple, list)) or not all(type(o) is Tensor for o in outs):
        raise LaminaTypeError(
            f"{call.fn.__name__}.forward must return a Tensor or a tuple of Tensors, got "
            f"{type(out).__name__}{'' if single or not isinstance(out, (tuple, list)) else ' containing ' + ', '.join(sorted({type(o).__name__ for o in outs}))}."  # noqa: E501
        )
    call.single = single
    call.n_out = len(outs)
    return tuple(outs)


def _run_here(call: _Call, values: tuple, ctx: FunctionCtx | None) -> tuple:
    """The output values of ``call`` on operand ``values`` at the current level. With a
    ``ctx``, this level's context is filled (``setup_context`` or the combined forward)."""
    fn = call.fn
    if ctx is not None and not call.setup_style:
        # The combined style: this level's forward fills the ctx; the levels below see its ops.
        outs = _outputs(call, fn.forward(ctx, *call.inputs(values)))
        ctx._outputs = outs
        return tuple(o._lamina_read() for o in outs)
    if current_interpreters() and values:
        out_values = bind(custom_function_p, *values, call=call)
    else:
        out_values = _run_at_bottom(call, values)
    if ctx is not None:
        handles = tuple(wrap(v) for v in out_values)
        ctx._outputs = handles
        fn.setup_context(ctx, call.inputs(values), handles[0] if call.single else handles)
    return out_values


def _non_differentiable(ctx: FunctionCtx) -> list[bool]:
    return [id(o) in ctx._non_differentiable for o in ctx._outputs]


def _zeros_like(value: Any) -> Any:
    from lamina.ops.creation import full_value  # noqa: PLC0415

    return full_value(tuple(value.shape), 0, value.dtype, value.device)


# -- reverse mode ------------------------------------------------------------------------------

def _grad_rule(interpreter, args: tuple, params: dict) -> Any:
    from lamina.interpreters.grad import GradNode  # noqa: PLC0415
    from lamina.wrappers.wrapper import TensorWrapper  # noqa: PLC0415

    call = params["call"]
    level = interpreter.level
    parents = [a if type(a) is TensorWrapper and a.level is level else None for a in args]
    inner = tuple(a if p is None else p.value for a, p in zip(args, parents, strict=True))
    ctx = FunctionCtx(call.needs([p is not None for p in parents]))
    out = interpreter.call_below(_run_here, call, inner, ctx)
    dead = _non_differentiable(ctx)
    keep = [not d and o.dtype.kind in "fc" for o, d in zip(out, dead, strict=True)]
    if not any(keep):
        return out
    node = GradNode(custom_function_p, {"call": call, "ctx": ctx}, parents, inner, out, len(out))
    wrapped = tuple(TensorWrapper(o, level, node, i) if k else o
                    for i, (o, k) in enumerate(zip(out, keep, strict=True)))
    from weakref import ref  # noqa: PLC0415

    node.outputs = tuple(ref(w) if type(w) is TensorWrapper else None for w in wrapped)
    return wrapped


def _vjp_rule(gs: tuple, *primals: Any, out: tuple, call: _Call, ctx: FunctionCtx) -> tuple:
    fn = call.fn
    if not _overrides(fn, "backward"):
        raise LaminaNotImplementedError(
            f"You must implement either the backward or vjp method for your custom "
            f"lamina.Function ({fn.__name__}) to use it with reverse-mode AD (grad, vjp, "
            "jacrev)."
        )
    grads = []
    for g, o in zip(gs, out, strict=True):
        if g is None and ctx.materialize_grads:
            g = _zeros_like(o)
        grads.append(None if g is None else wrap(g))
    result = fn.backward(ctx, *grads)
    return _per_operand(call, result, primals, "backward", "gradient")


def _shown(r: Any) -> str:
    text = repr(r) if isinstance(r, (tuple, list, dict)) else type(r).__name__
    return text if len(text) < 80 else text[:77] + "..."


def _per_operand(call: _Call, result: Any, primals: tuple, method: str, what: str) -> tuple:
    """The user's per-input results (one per forward argument, NOTE [pytree arguments]) as
    one value per operand."""
    fn = call.fn
    results = call.per_argument_results(result)
    n = len(call.args)
    if len(results) != n:
        raise LaminaRuntimeError(
            f"function {fn.__name__}.{method} returned an incorrect number of {what}s "
            f"(expected {n}, one per argument of forward, got {len(results)}). Return None for "
            "the arguments that get none."
        )
    per_operand: list = [None] * len(primals)
    for i, k, r in call.per_operand(results, method, what):
        start = call.ranges[i][0]
        s = call.slots[start + k]
        leaf = call.leaves[start + k]
        where = f"argument {i}" if call.arg_specs[i] is None else f"argument {i} (leaf {k})"
        if s is None:
            if _is_array(leaf):
                # A NumPy/CuPy array argument is a tensor that no gradient flows to (as a torch
                # tensor with requires_grad=False): its gradient is dropped.
                continue
            raise LaminaRuntimeError(
                f"function {fn.__name__}.{method} returned a {what} for {where}, which is "
                f"not a tensor ({type(leaf).__name__}); return None for it."
            )
        value = r._lamina_read() if type(r) is Tensor else None
        if value is None:
            raise LaminaTypeError(
                f"function {fn.__name__}.{method} returned a {type(r).__name__} as the {what} "
                f"of {where}; return a Tensor (or None)."
            )
        primal = primals[s]
        if tuple(value.shape) != tuple(primal.shape):
            raise LaminaRuntimeError(
                f"function {fn.__name__}.{method} returned a {what} of shape "
                f"{tuple(value.shape)} for {where}, which has shape {tuple(primal.shape)}."
            )
        if value.dtype != primal.dtype:
            from lamina.ops.elementwise import astype_value  # noqa: PLC0415

            value = astype_value(value, primal.dtype)
        per_operand[s] = value
    return tuple(per_operand)


# -- forward mode ------------------------------------------------------------------------------

def _jvp_rule(interpreter, args: tuple, params: dict) -> Any:
    from lamina.wrappers.wrapper import TensorWrapper  # noqa: PLC0415

    call = params["call"]
    fn = call.fn
    level = interpreter.level
    primals, tangents, _ = interpreter.split(args)
    primals = tuple(primals)
    ctx = FunctionCtx(call.needs([t is not None for t in tangents]))
    out = interpreter.call_below(_run_here, call, primals, ctx)
    if not _overrides(fn, "jvp"):
        raise LaminaNotImplementedError(
            f"To use the custom lamina.Function {fn.__name__} with forward-mode AD (jvp, "
            "jacfwd, hessian), you must override its jvp staticmethod: jvp(ctx, *tangents) "
            "returning one tangent per output."
        )

    def user_jvp():
        per_input = call.per_argument([wrap(t if t is not None else _zeros_like(p))
                                       for t, p in zip(tangents, primals, strict=True)])
        result = fn.jvp(ctx, *per_input)
        results = result if isinstance(result, tuple) else (result,)
        if len(results) != len(out):
            raise LaminaRuntimeError(
                f"function {fn.__name__}.jvp returned an incorrect number of tangents (expected "
                f"{len(out)}, one per output of forward, got {len(results)})."
            )
        tangent_values = []
        for i, (r, o) in enumerate(zip(results, out, strict=True)):
            if r is None:
                tangent_values.append(None)
                continue
            value = r._lamina_read() if type(r) is Tensor else None
            if value is None or tuple(value.shape) != tuple(o.shape):
                raise LaminaRuntimeError(
                    f"function {fn.__name__}.jvp returned {type(r).__name__} "
                    f"{'' if value is None else 'of shape ' + str(tuple(value.shape))} as the "
                    f"tangent of output {i}, which is a tensor of shape {tuple(o.shape)}."
                )
            tangent_values.append(value)
        return tangent_values

    tangent_out = interpreter.call_below(user_jvp)
    dead = _non_differentiable(ctx)
    return tuple(
        TensorWrapper(o, level, tangent=t) if t is not None and not d and o.dtype.kind in "fc"
        else o
        for o, t, d in zip(out, tangent_out, dead, strict=True)
    )


# -- vmap ----------------------------------------------------------------------------------

def _vmap_rule(interpreter, args: tuple, params: dict) -> Any:
    from lamina.wrappers.batched import BatchedTensor  # noqa: PLC0415

    call = params["call"]
    fn = call.fn
    level = interpreter.level
    values, bdims, _ = interpreter.split(args)
    if _overrides(fn, "vmap"):
        info = VmapInfo(interpreter.axis_size, interpreter.randomness)
        in_dims = call.per_argument(bdims)

        def user_vmap():
            result = fn.vmap(info, in_dims, *call.inputs(tuple(values)))
            if not (isinstance(result, tuple) and len(result) == 2):
                raise LaminaRuntimeError(
                    f"function {fn.__name__}.vmap must return (outputs, out_dims), got "
                    f"{type(result).__name__}."
                )
            outs, out_dims = result
            single = type(outs) is Tensor
            outs = (outs,) if single else tuple(outs)
            out_dims = (out_dims,) if single or not isinstance(out_dims, (tuple, list)) else (
                tuple(out_dims))
            if len(out_dims) == 1 and len(outs) > 1:
                out_dims = out_dims * len(outs)
            if len(out_dims) != len(outs):
                raise LaminaRuntimeError(
                    f"function {fn.__name__}.vmap returned {len(outs)} outputs but "
                    f"{len(out_dims)} out_dims; give one out_dim (an int or None) per output."
                )
            call.single = single
            return tuple(o._lamina_read() for o in outs), out_dims

        outs, out_dims = interpreter.call_below(user_vmap)
        return tuple(o if d is None else BatchedTensor(o, d % max(len(o.shape), 1), level)
                     for o, d in zip(outs, out_dims, strict=True))
    if fn.generate_vmap_rule:
        if not call.setup_style:
            raise LaminaRuntimeError(
                f"{fn.__name__} sets generate_vmap_rule=True, which needs the forward(*args) + "
                "setup_context(ctx, inputs, output) style (not forward(ctx, *args)), as "
                "torch.func requires."
            )
        generated = _generated(fn, tuple(bdims), interpreter.axis_size, interpreter.randomness)
        inner = _Call(generated, call.args)
        outs = interpreter.call_below(_run_here, inner, tuple(values), None)
        call.single = inner.single
        return tuple(BatchedTensor(o, 0, level) for o in outs)
    raise LaminaRuntimeError(
        f"You tried to vmap over {fn.__name__}, but it does not have vmap support. Please "
        "override and implement the vmap staticmethod or set generate_vmap_rule=True."
    )


@functools.lru_cache(maxsize=256)
def _generated(fn: type, bdims: tuple, axis_size: int, randomness: str) -> type:
    """A Function running ``fn`` per batch element (NOTE [custom functions on the layer
    stack]); its operands carry the batch at ``bdims``, its outputs at axis 0."""
    from lamina.numpy import moveaxis as lnp_moveaxis  # noqa: PLC0415
    from lamina.numpy import sum as lnp_sum  # noqa: PLC0415
    from lamina.transforms.vmap import vmap  # noqa: PLC0415

    def per_example(method, layout, n_in, n_out, needs, mode):
        # One element: (inputs..., outputs..., extras...) -> method(ctx, *extras), as a tuple
        # (one entry per argument for backward, per output for jvp).
        def run(*flat):
            ins, outs, extra = flat[:n_in], flat[n_in:n_in + n_out], flat[n_in + n_out:]
            inputs = layout.inputs(ins, make=_same)
            ctx = FunctionCtx(needs)
            ctx._outputs = outs
            fn.setup_context(ctx, inputs, outs[0] if len(outs) == 1 else outs)
            if mode == "backward" and ctx.materialize_grads:
                extra = tuple(_zeros_handle(o) if g is None else g
                              for g, o in zip(extra, outs, strict=True))
            if mode == "jvp":  # the user's jvp takes one tangent entry per argument
                extra = layout.per_argument(extra)
            result = method(ctx, *extra)
            if mode == "backward":
                return layout.per_argument_results(result)
            return result if isinstance(result, tuple) else (result,)

        return run

    def batched_call(method, ctx, extras, extra_dims, mode):
        layout, outs = ctx._lamina_layout, ctx._lamina_outputs
        ins = ctx._lamina_inputs
        run = per_example(method, layout, len(ins), len(outs), ctx.needs_input_grad, mode)
        # A None extra (an output without gradient) is an empty pytree for vmap: dim None.
        dims = bdims + (0,) * len(outs) + tuple(
            None if e is None else d for e, d in zip(extras, extra_dims, strict=True))
        return vmap(run, in_dims=dims, out_dims=0, randomness=randomness)(*ins, *outs, *extras)

    class Generated(Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(*args):
            layout = _Call(fn, args)  # NOTE [pytree arguments]: the tensors are the operands
            tensors = [leaf for leaf, s in zip(layout.leaves, layout.slots, strict=True)
                       if s is not None]

            def one(*xs):
                return fn.forward(*layout.inputs(xs, make=_same))

            return vmap(one, in_dims=bdims, out_dims=0, randomness=randomness)(*tensors)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.set_materialize_grads(False)  # the user's ctx decides, per element
            layout = _Call(fn, inputs)
            ctx._lamina_layout = layout
            ctx._lamina_inputs = tuple(leaf for leaf, s in zip(layout.leaves, layout.slots,
                                                               strict=True) if s is not None)
            ctx._lamina_outputs = output if isinstance(output, tuple) else (output,)

        @staticmethod
        def backward(ctx, *grads):
            layout = ctx._lamina_layout
            result = batched_call(fn.backward, ctx, grads, (0,) * len(grads), "backward")
            if len(result) != len(layout.args):
                return result  # _per_operand names the mistake
            # Each gradient has the batch first: move it where the operand has it, or sum it
            # for an operand without one (every element contributed a gradient).
            flat = [None] * len(layout.leaves)
            for i, k, g in layout.per_operand(result, "backward", "gradient"):
                index = layout.ranges[i][0] + k
                s = layout.slots[index]
                if s is not None and type(g) is Tensor:
                    d = bdims[s]
                    g = lnp_sum(g, axis=0) if d is None else lnp_moveaxis(g, 0, d)
                flat[index] = g
            return tuple(
                None if r is None else flat[start] if spec is None else
                tree.unflatten(spec, flat[start:stop])
                for r, spec, (start, stop) in zip(result, layout.arg_specs, layout.ranges,
                                                  strict=True))

        @staticmethod
        def jvp(ctx, *tangents):
            layout = ctx._lamina_layout
            ts = [None] * len(ctx._lamina_inputs)
            for i, k, t in layout.per_operand(tangents, "jvp", "tangent"):
                s = layout.slots[layout.ranges[i][0] + k]
                if s is not None:
                    ts[s] = t
            result = batched_call(fn.jvp, ctx, tuple(ts), bdims, "jvp")
            return result if len(result) > 1 else result[0]

    Generated.__name__ = Generated.__qualname__ = f"vmapped_{fn.__name__}"
    return Generated


def _zeros_handle(o: Tensor) -> Tensor:
    return wrap(_zeros_like(o._lamina_read()))


def _same(t: Any) -> Any:
    return t


# -- the primitive -------------------------------------------------------------------------------

def _interpret(interpreter, args: tuple, params: dict) -> Any:
    if interpreter is None:  # the bottom of the stack: NOTE [custom functions on the layer stack]
        return _run_at_bottom(params["call"], args)
    rule = _RULES.get(interpreter.name)
    if rule is None:
        return interpreter.bind_below(custom_function_p, args, params)
    return rule(interpreter, args, params)


def _run_at_bottom(call: _Call, values: tuple) -> tuple:
    fn = call.fn
    inputs = call.inputs(values)
    if call.setup_style:
        out = fn.forward(*inputs)
    else:
        out = fn.forward(FunctionCtx((False,) * len(inputs)), *inputs)
    return tuple(o._lamina_read() for o in _outputs(call, out))


def _not_a_kernel(*args, **params):
    raise LaminaRuntimeError("internal error in lamina: custom_function has no kernel")


custom_function_p = Primitive("custom_function", _not_a_kernel, _not_a_kernel,
                              multiple_results=True, lazy=False, register=False)
custom_function_p.interpret = _interpret
custom_function_p.vjp = _vjp_rule
_RULES = {"grad": _grad_rule, "jvp": _jvp_rule, "vmap": _vmap_rule}
