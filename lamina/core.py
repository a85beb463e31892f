"""The core of lamina: primitives, ``bind`` and the dynamic layer stack.

Read this file first. Every operation a user calls ends up as ``bind(prim, *values, **params)``:

- ``values`` are the arrays the op reads, positional (NOTE [arrays positional, params static]);
- ``params`` are static, hashable settings (axes, shapes, dtypes); they are part of the lazy
  backend's cache key, so they must be hashable and compare by value.

``bind`` hands the call to the interpreter on top of the layer stack. Each interpreter (Grad,
Jvp, Vmap, Functionalize; added by the transform modules) unwraps the values that belong to its
level, runs its rule one level down inside ``lower()``, and wraps the outputs at its level. When
the stack is empty the call reaches the backend: the lazy graph of ``lamina.lazy``.

NOTE [levels are identities]: a wrapper belongs to an interpreter when ``wrapper.level is
interpreter.level``. Levels are never compared by integer depth; a level is marked dead when its
transform exits, and dead wrappers are unwrapped transparently.

NOTE [arrays positional, params static]: array operands are positional so that every layer
lifts and unwraps them uniformly; settings are keyword params, never arrays.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from lamina.errors import LaminaRuntimeError

__all__ = [
    "Primitive",
    "bind",
    "Wrapper",
    "unwrap_dead",
    "unwrap_all",
    "Level",
    "Interpreter",
    "current_interpreters",
    "push_interpreter",
    "set_backend",
    "missing_rule",
]


class Primitive:
    """An operation every layer understands.

    Attributes (filled by the op family modules in ``lamina.ops``, side by side with the op):

    - ``impl(xp, *arrays, **params)``: the kernel, with ``xp`` the array module (NumPy/CuPy).
    - ``abstract(*avals, **params)``: shape and dtype inference; returns ``(shape, dtype)``, or a
      tuple of them when ``multiple_results``. ``avals`` have ``.shape`` and ``.dtype``.
    - ``ufunc``: the NumPy/CuPy ufunc name when the kernel is exactly that ufunc applied
      elementwise (lets the compiler reuse buffers with ``out=``).
    - ``lazy``: False when the output shape depends on the data (boolean masks): such ops run
      through the backend's eager fallback.
    - ``view_reverse(base, view, **params)``: for view ops, the reverse function that writes a
      mutated view back into its base (functionalization); None for other ops.
    - ``nondiff``: True for ops with no derivative ("no grad" in OPS.md).
    - ``jvp``, ``vjp``, ``batch``: transform rules, written in lamina ops (later issues).
    """

    __slots__ = (
        "name",
        "impl",
        "abstract",
        "multiple_results",
        "ufunc",
        "lazy",
        "view_reverse",
        "nondiff",
        "jvp",
        "vjp",
        "vjp_needs",
        "lifts_index",
        "batch",
        "interpret",
        "__weakref__",
    )

    def __init__(
        self,
        name: str,
        impl: Callable[..., Any],
        abstract: Callable[..., Any],
        *,
        multiple_results: bool = False,
        ufunc: str | None = None,
        lazy: bool = True,
        view_reverse: Callable[..., Any] | None = None,
        nondiff: bool = False,
        register: bool = True,
    ) -> None:
        self.name = name
        self.impl = impl
        self.abstract = abstract
        self.multiple_results = multiple_results
        self.ufunc = ufunc
        self.lazy = lazy
        self.view_reverse = view_reverse
        self.nondiff = nondiff
        self.jvp = None
        self.vjp = None
        # True when ``vjp`` takes ``needs=`` (NOTE [vjp rules] in lamina/interpreters/grad.py).
        self.vjp_needs = False
        # True when the integers of its static ``index`` param may become operands on the
        # backend (NOTE [lifted indices] in lamina/lazy/lifting.py).
        self.lifts_index = False
        self.batch = None
        # A higher-order primitive (lamina.Function) handles itself in each interpreter:
        # ``interpret(interpreter, args, params)``; None for ordinary ops.
        self.interpret = None
        if register:  # derived primitives (copy variants) stay out of the table of ops
            _registry[name] = self

    def __repr__(self) -> str:
        return self.name

    def bind(self, *args: Any, **params: Any) -> Any:
        return bind(self, *args, **params)


_registry: dict[str, Primitive] = {}


def primitives() -> dict[str, Primitive]:
    """Every primitive defined so far, by name (the OpInfo coverage test reads this)."""
    return dict(_registry)


# --------------------------------------------------------------------------------------------
# The layer stack.

class _StackState(threading.local):
    def __init__(self) -> None:
        self.stack: tuple[Interpreter, ...] = ()


_state = _StackState()
_backend: Callable[[Primitive, tuple, dict], Any] | None = None


def set_backend(apply: Callable[[Primitive, tuple, dict], Any]) -> None:
    """Install the function that runs a primitive below every interpreter (the lazy backend)."""
    global _backend
    _backend = apply


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Run ``prim`` on ``args`` through the layer stack; the heart of lamina."""
    stack = _state.stack
    if stack:
        for a in args:
            if isinstance(a, Wrapper) and not a.level.alive:
                args = tuple(unwrap_dead(x) for x in args)
                break
        return stack[-1].process(prim, args, params)
    return _backend(prim, args, params)


class Wrapper:
    """Base of the values a transform wraps (``TensorWrapper``, ``BatchedTensor``, ...).

    A wrapper holds the value of the level below (``value``) and the ``level`` it belongs to;
    ``shape``, ``dtype`` and ``device`` are those of the value it stands for. A wrapper whose
    level is dead (its transform has exited) is unwrapped transparently wherever it reaches
    ``bind`` (NOTE [levels are identities]).
    """

    __slots__ = ("value", "level", "shape", "dtype", "device")

    def realize(self) -> Any:
        """The concrete array behind this value (``float(t)`` inside a transform evaluates
        the primal, as eager PyTorch does)."""
        return self.value.realize()

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


def unwrap_dead(value: Any) -> Any:
    """``value`` without the wrappers of transforms that have exited."""
    while isinstance(value, Wrapper) and not value.level.alive:
        value = value.value
    return value


def unwrap_all(value: Any) -> Any:
    """The bottom value (a LazyTensor) behind every wrapper."""
    while isinstance(value, Wrapper):
        value = value.value
    return value


def current_interpreters() -> tuple[Interpreter, ...]:
    """The interpreters now visible to ``bind``, outermost first."""
    return _state.stack


# How many transforms are active, in all threads; a cheap test on hot paths ("is any transform
# running?") before they look at the thread's own stack.
active_transforms = 0
_active_lock = threading.Lock()


@contextlib.contextmanager
def push_interpreter(interpreter: Interpreter) -> Iterator[Interpreter]:
    """Put ``interpreter`` on top of the stack for the duration of a transform.

    The stack is restored exactly, whatever happens inside (an exception included), and the
    interpreter's level is marked dead on exit.
    """
    global active_transforms
    saved = _state.stack
    _state.stack = saved + (interpreter,)
    with _active_lock:
        active_transforms += 1
    try:
        yield interpreter
    finally:
        _state.stack = saved
        with _active_lock:
            active_transforms -= 1
        interpreter.level.alive = False


class Level:
    """The identity of one transform's layer (NOTE [levels are identities])."""

    __slots__ = ("name", "alive", "__weakref__")

    def __init__(self, name: str) -> None:
        self.name = name
        self.alive = True

    def depth(self) -> int | None:
        """This level's position in the current stack (1 = outermost), for display only."""
        for i, interpreter in enumerate(_state.stack, 1):
            if interpreter.level is self:
                return i
        return None

    def __repr__(self) -> str:
        state = "" if self.alive else ", dead"
        return f"Level({self.name}{state})"


class Interpreter:
    """Base class of the transform interpreters.

    A subclass implements ``owns(value)`` (is this value wrapped at my level?) and
    ``process_primitive(prim, args, params)``; ``lift`` and the fast path come from here.
    """

    name = "interpreter"

    def __init__(self) -> None:
        self.level = Level(self.name)

    def owns(self, value: Any) -> bool:
        raise NotImplementedError("must override")

    def lift(self, value: Any) -> Any:
        """Wrap a value from a lower level (or a constant) as a value of this level."""
        raise NotImplementedError("must override")

    def process_primitive(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError("must override")

    # Ops that must see every call (random sampling under vmap, factories under functionalize)
    # list themselves here, so the fast path below does not skip them.
    sees_every_op: frozenset[str] = frozenset()

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        # NOTE [step aside]: nothing wrapped at my level means nothing for me to do.
        owns = self.owns
        for a in args:
            if owns(a):
                return self.process_primitive(prim, args, params)
        if prim.name in self.sees_every_op:
            return self.process_primitive(prim, args, params)
        return self.bind_below(prim, args, params)

    def call_below(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` with this interpreter and those above it removed from the
        stack: how transform rules run one level down."""
        saved = _state.stack
        _state.stack = saved[: saved.index(self)]
        try:
            return fn(*args, **kwargs)
        finally:
            _state.stack = saved

    def bind_below(self, prim: Primitive, args: tuple, params: dict) -> Any:
        """``bind`` on the layers below this one (``lower()`` without a context manager, for
        the per-op hot path)."""
        saved = _state.stack
        _state.stack = saved[:-1] if saved[-1] is self else saved[: saved.index(self)]
        try:
            return bind(prim, *args, **params)
        finally:
            _state.stack = saved

    @contextlib.contextmanager
    def lower(self) -> Iterator[None]:
        """A context in which ``bind`` goes to the layers below this one."""
        saved = _state.stack
        index = saved.index(self)
        _state.stack = saved[:index]
        try:
            yield
        finally:
            _state.stack = saved


def missing_rule(transform: str, prim: Primitive) -> LaminaRuntimeError:
    """The one error for a rule that does not exist (raise the returned exception)."""
    return LaminaRuntimeError(
        f"{transform}: the operation '{prim.name}' has no {transform} rule. If it should be "
        f"differentiable or batchable, add the rule next to '{prim.name}' in lamina/ops/; "
        "otherwise rewrite the function without it."
    )
