"""``lamina.Tensor``: the user's handle, with NumPy's semantics and NumPy's look.

NOTE [storages and views]: a ``Tensor`` owns no data. It points at a ``Storage`` (the current
value of a base array: an immutable value of the layer stack) and holds a chain of ``ViewMeta``
from that base, as PyTorch's functionalization does:

- a view (``x[0]``, ``x.T``, ``x.reshape(...)`` where NumPy returns a view) is a new handle on
  the same storage with one more ``ViewMeta``; reading it replays the chain's forward ops when
  the storage's ``generation`` has moved since it last read;
- an in-place op (``x += 1``, ``x[i] = v``, ``out=``) computes the new value with functional
  ops, writes it back into the base through the chain's reverse functions, and bumps the
  storage's generation, so every alias sees the change on its next read;
- values are never mutated, so the layers below (transforms, the lazy graph) only ever see
  functional ops;
- an in-place op checks everything NumPy checks (shapes, casting, read-only views, index
  bounds) before ``_assign`` stores the new base, so a failing op leaves the tensor and every
  alias exactly as they were.

Indexing (``lamina/numpy/_indexing.py``) follows the same rules as NumPy for views and copies:
basic indices give views, advanced ones copies, and an integer on every axis gives a 0-d copy
(NumPy's scalar). Read-only views (``broadcast_to``, ``diagonal``) refuse writes with NumPy's
"assignment destination is read-only".

Whether an op returns a view or a copy follows NumPy exactly; where NumPy decides by memory
layout (``reshape``/``ravel`` of a non-contiguous view) lamina replays the view chain on a
zero-memory stand-in array to ask NumPy itself (``_layout``).
"""

from __future__ import annotations

import html
import itertools
import numbers
import operator as _operator
import threading
import weakref
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lamina import core as _core
from lamina.core import Primitive, bind
from lamina.errors import (
    LaminaIndexError,
    LaminaRuntimeError,
    LaminaTypeError,
    LaminaValueError,
    TrackedConversionError,
)
from lamina.lazy.devices import Device

__all__ = ["Tensor", "Storage", "ViewMeta", "wrap", "on_storage", "read_only_error",
           "read_only_reason"]


class Storage:
    """The current value of a base array, and a counter of the writes into it.

    ``generation`` is 0 until the first write; each write takes a fresh number from one
    counter shared by all storages (``_generations``), so a view's cache stamped with a
    generation can never match another storage's (a private one of functionalize, NOTE
    [private values in functionalize]).
    """

    __slots__ = ("value", "generation", "born_in", "owner", "settled", "captures",
                 "__weakref__")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.generation = 0
        # NOTE [rolling back failed writes]: the value to go back to when the pending value
        # written last fails to evaluate (None: nothing to go back to).
        self.settled = None
        # How many functionalize scopes (in any thread) hold a private value for this storage.
        self.captures = 0
        # A weak reference to the handle views were first taken from: ``Tensor.base`` returns
        # that very tensor (``x[1:].base is x``), as NumPy does.
        self.owner: weakref.ref | None = None
        # The transforms active when this storage was made: an in-place op inside a grad or
        # jvp transform may only mutate storages born inside it (NOTE [captured mutation]).
        self.born_in = _core._state.stack if _core.active_transforms else ()


_generations = itertools.count(1)

# NOTE [private values in functionalize]: ``functionalize`` makes a captured tensor's storage
# private to the call when the function first writes it. The private value must be seen only
# by the thread running that call: another thread reading or writing the same tensor at the
# same time must see (and keep) the shared value. So a capture never touches the shared
# ``value``: the scope keeps a private ``Storage`` per captured one (``_PrivateScope``), the
# captured storage's class becomes ``_CapturedStorage``, whose ``value``, ``generation``,
# ``born_in`` and ``settled`` are properties that consult the private storages of the scopes
# active in the current thread (innermost first), and fall back to the shared slots. When the
# last scope holding it ends, the storage gets its plain class back. Storages no functionalize
# captured keep the plain class: reading them costs what it always did, in every path that
# reads ``storage.value`` directly (the operator fast path too).
_SLOTS = {name: Storage.__dict__[name] for name in ("value", "generation", "born_in",
                                                     "settled")}
_private_scopes = threading.local()  # .active: the _PrivateScope objects of this thread
_capture_lock = threading.Lock()


def _private_of(storage: Storage) -> Storage | None:
    for scope in reversed(getattr(_private_scopes, "active", ())):
        private = scope.storages.get(storage)
        if private is not None:
            return private
    return None


def _routed(name: str) -> property:
    slot = _SLOTS[name]

    def get(self):
        private = _private_of(self)
        return slot.__get__(self) if private is None else getattr(private, name)

    def set(self, value):
        private = _private_of(self)
        if private is None:
            slot.__set__(self, value)
        else:
            setattr(private, name, value)

    return property(get, set)


class _CapturedStorage(Storage):
    """A storage that some functionalize scope holds a private value for (NOTE [private values
    in functionalize])."""

    __slots__ = ()
    value = _routed("value")
    generation = _routed("generation")
    born_in = _routed("born_in")
    settled = _routed("settled")


class _PrivateScope:
    """The private storages of one functionalize call, active in the thread running it."""

    __slots__ = ("storages",)

    def __init__(self) -> None:
        self.storages: dict[Storage, Storage] = {}

    def __enter__(self) -> _PrivateScope:
        active = getattr(_private_scopes, "active", None)
        if active is None:
            active = _private_scopes.active = []
        active.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        active = _private_scopes.active
        active.remove(self)
        with _capture_lock:
            for storage in self.storages:
                storage.captures -= 1
                if storage.captures == 0:
                    storage.__class__ = Storage
        self.storages.clear()

    def capture(self, storage: Storage, born_in: tuple) -> None:
        """Give ``storage`` a private value in this scope: the value it has now (for this
        thread), as a storage born in ``born_in``."""
        if storage in self.storages:
            return
        private = Storage(storage.value)
        private.born_in = born_in
        private.generation = next(_generations)
        with _capture_lock:
            storage.captures += 1
            storage.__class__ = _CapturedStorage
        self.storages[storage] = private


class ViewMeta:
    """One step of a view chain: ``prim(base, **params)[out_index]`` and its reverse.

    ``forward(base)`` replays the view; ``reverse(base, view)`` returns the new base after the
    view was mutated (the primitive's ``view_reverse``). ``out_index`` picks one output of a
    multi-output view (``split``, ``unstack``, iteration).
    """

    __slots__ = ("prim", "params", "out_index")

    def __init__(self, prim: Primitive, params: dict, out_index: int | None = None) -> None:
        self.prim = prim
        self.params = params
        self.out_index = out_index

    def forward(self, base: Any) -> Any:
        out = bind(self.prim, base, **self.params)
        return out if self.out_index is None else out[self.out_index]

    def reverse(self, base: Any, view: Any) -> Any:
        return self.prim.view_reverse(base, view, self.out_index, **self.params)

    def layout(self, proxy: np.ndarray) -> np.ndarray:
        """Apply the view to a zero-memory NumPy stand-in (only metadata is touched)."""
        out = self.prim.impl(np, proxy, **self.params)
        return out if self.out_index is None else out[self.out_index]

    def __repr__(self) -> str:
        index = "" if self.out_index is None else f"[{self.out_index}]"
        return f"ViewMeta({self.prim.name}{index}, {self.params})"


_ZERO_BYTE = np.zeros(1, dtype=np.uint8)


def _stand_in(shape: tuple) -> np.ndarray:
    """A C-contiguous uint8 array of ``shape`` that owns no memory (never read or written)."""
    strides = []
    step = 1
    for d in reversed(shape):
        strides.append(step)
        step *= max(d, 1)
    return as_strided(_ZERO_BYTE, shape=shape, strides=tuple(reversed(strides)), writeable=False)


def _unsized(what: str):
    return LaminaTypeError(f"{what} of unsized object (a 0-d tensor has no length)")


def _read_only_view(t: Tensor) -> bool:
    """Whether a view op NumPy makes read-only (broadcast_to, diagonal, ...) is in the chain."""
    return any(meta.prim.view_reverse is None or meta.prim.name in _READ_ONLY_VIEWS
               for meta in t._views)


def read_only_reason(t: Tensor) -> str:
    """Why ``t`` is read-only, and the way out, for ``read_only_error``. A transform's handle
    for a read-only input carries its caller tensor's reason (``_read_only_why``)."""
    why = getattr(t, "_read_only_why", None)
    if why is not None:
        return why
    if _read_only_view(t):
        return ("this tensor is a read-only view, e.g. from broadcast_to or diagonal. Take a "
                ".copy() first to get a writable tensor.")
    return ("its write flag is off: setflags(write=False) was called on it or on the tensor "
            "it views. Call .setflags(write=True) to allow writes, or write to a .copy().")


def read_only_error(what: str, t: Tensor) -> LaminaValueError:
    """NumPy's error for a write into a read-only tensor, with the reason and the way out
    (raise the returned exception)."""
    return LaminaValueError(
        f"{what}: assignment destination is read-only ({read_only_reason(t)})")


class Flags:
    """The subset of ``numpy.ndarray.flags`` that means something for a lamina tensor.

    ``writeable`` may be set to False (any tensor) and back to True (except on a view NumPy
    makes read-only, such as ``broadcast_to`` or ``diagonal``).
    """

    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self._tensor = tensor

    @property
    def writeable(self) -> bool:
        return self._tensor._writeable

    @writeable.setter
    def writeable(self, flag: bool) -> None:
        t = self._tensor
        if flag and not t._writeable and _read_only_view(t):
            raise LaminaValueError("cannot set WRITEABLE flag to True of this array")
        t._writeable = bool(flag)

    @property
    def owndata(self) -> bool:
        return not self._tensor._views

    c_contiguous = property(lambda self: True)
    aligned = property(lambda self: True)

    _KEYS = {"WRITEABLE": "writeable", "W": "writeable", "OWNDATA": "owndata",
             "O": "owndata", "C_CONTIGUOUS": "c_contiguous", "C": "c_contiguous",
             "ALIGNED": "aligned", "A": "aligned"}

    def __getitem__(self, key: str) -> bool:
        try:
            return getattr(self, self._KEYS[key])
        except KeyError:
            raise KeyError(f"Unknown flag {key!r}") from None

    def __setitem__(self, key: str, flag: bool) -> None:
        if self._KEYS.get(key) != "writeable":
            raise KeyError(f"Cannot set flag {key!r}")
        self.writeable = flag

    def __repr__(self) -> str:
        return (f"  WRITEABLE : {self.writeable}\n  OWNDATA : {self.owndata}")


# Views NumPy returns read-only (their reverse functions raise).
_READ_ONLY_VIEWS = frozenset({"broadcast_to", "diagonal"})


class Tensor:
    """An n-dimensional array on a device, with NumPy's semantics; the only array users hold.

    >>> import lamina as lm
    >>> x = lm.asarray([[1.0, 2.0], [3.0, 4.0]])
    >>> r = x[0]          # a view, as in NumPy
    >>> r += 10
    >>> x
    Tensor([[11., 12.],
            [ 3.,  4.]], device='cpu')
    >>> (x.T @ x).sum().item()
    578.0
    """

    __slots__ = ("_storage", "_views", "_cached", "_generation", "_writeable", "_read_only_why",
                 "_scalar_copy", "__weakref__")
    __array_priority__ = 1000  # NumPy defers binary operators to us

    _storage: Storage
    _views: tuple
    _cached: Any
    _generation: int
    _writeable: bool

    def __init__(self, data: Any = None, dtype: Any = None, device: Any = None) -> None:
        from lamina.numpy import asarray  # noqa: PLC0415 - the namespace imports this module

        t = asarray(data, dtype=dtype, device=device)
        self._storage = t._storage
        self._views = t._views
        self._cached = t._cached
        self._generation = t._generation
        self._writeable = t._writeable

    # -- construction (internal) ----------------------------------------------------------

    @classmethod
    def _from_value(cls, value: Any) -> Tensor:
        return wrap(value)

    def _make_view(self, value: Any, meta: ViewMeta, writeable: bool = True) -> Tensor:
        """A new handle on this storage, one view step further (``value`` already computed)."""
        if not self._views:
            _own(self)
        t = object.__new__(Tensor)
        t._storage = self._storage
        t._views = self._views + (meta,)
        t._cached = value
        # NOTE [view caches under threads]: the generation first, then the value the view was
        # computed from; a pending view whose input is not this handle's value now was
        # computed before another thread's write, and is read again on first use.
        generation = self._storage.generation
        if type(value) is LazyTensor:
            node = value.node
            if node is not None and node.inputs and node.inputs[0] is not (
                    self._cached if self._views else self._storage.value):
                generation = -1
        t._generation = generation
        t._writeable = self._writeable and writeable
        if not self._writeable:
            why = getattr(self, "_read_only_why", None)
            if why is not None:
                t._read_only_why = why
        return t

    # -- reading and writing the value ----------------------------------------------------

    def _lamina_read(self) -> Any:
        """The current value of this handle (replays the view chain if the base moved).

        NOTE [view caches under threads]: the generation is read before the value, and a
        write stores the value before the generation, so a cache is never stamped with a
        generation newer than the value it holds; a stamp that another thread's fill
        overtook is withdrawn (``_stamp``). A stale cache can then only cost a recomputation.
        """
        if not self._views:
            return self._storage.value
        storage = self._storage
        generation = storage.generation
        if self._generation == generation:
            return self._cached
        value = storage.value
        for meta in self._views:
            value = meta.forward(value)
        self._stamp(value, generation)
        return value

    def _stamp(self, value: Any, generation: int) -> None:
        """Cache ``value`` as this view's value at ``generation`` (NOTE [view caches under
        threads]): invalidate, store the value, stamp, and withdraw the stamp when another
        thread stored a value in between."""
        self._generation = -1
        self._cached = value
        self._generation = generation
        if self._cached is not value:
            self._generation = -1

    _value = property(_lamina_read)

    def _layout(self) -> np.ndarray:
        """A zero-memory NumPy array with this handle's shape and strides relative to its base."""
        proxy = _stand_in(_shape_of(self._storage.value))
        for meta in self._views:
            proxy = meta.layout(proxy)
        return proxy

    def _assign(self, new_value: Any, what: str, *, writeback: bool = False) -> None:
        """Make ``new_value`` (right shape and dtype) this handle's value, through the views.

        ``writeback`` marks functionalize copying a mutated input back to the caller's tensor
        (not an in-place op of the user's program, so a graph being made does not show one).
        """
        if not self._writeable:
            raise read_only_error(what, self)
        storage = self._storage
        if _core.active_transforms:
            _check_mutation(storage, new_value, what)
        if _trace._recorders and not writeback and _trace.recording() and not _functionalizing():
            _trace.note_inplace(self._lamina_read(), new_value, what)
        views = self._views
        old = storage.value
        if not views:
            value = new_value
        else:
            chain = [old]
            for meta in views[:-1]:
                chain.append(meta.forward(chain[-1]))
            value = new_value
            for meta, base in zip(reversed(views), reversed(chain), strict=True):
                value = meta.reverse(base, value)
        # NOTE [rolling back failed writes]: remember the last value that is data (or, for a
        # tensor that never was data, its value before the first pending write).
        if type(value) is LazyTensor and value.data is None:
            if type(old) is LazyTensor and (old.data is not None or storage.settled is None):
                storage.settled = old
                with _unsettled_lock:
                    _unsettled.add(storage)
        elif storage.settled is not None:
            storage.settled = None
        generation = next(_generations)
        storage.value = value
        storage.generation = generation  # after the value: NOTE [view caches under threads]
        if views:
            self._stamp(new_value, generation)

    def _array(self) -> Any:
        """The concrete NumPy/CuPy array (forces evaluation: NOTE [what forces evaluation])."""
        return self._lamina_read().realize()

    # -- attributes -----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The length of each axis, as a tuple of ints (``()`` for a 0-d tensor).

        >>> import lamina as lm
        >>> lm.asarray([[1, 2, 3], [4, 5, 6]]).shape
        (2, 3)
        >>> lm.asarray(5.0).shape
        ()
        """
        return self._lamina_read().shape

    @property
    def dtype(self) -> np.dtype:
        """The type of the elements, a ``numpy.dtype`` (NumPy 2's rules choose it).

        >>> import lamina as lm
        >>> lm.asarray([1, 2]).dtype
        dtype('int64')
        >>> lm.asarray([1.0, 2.0], dtype="float32").dtype
        dtype('float32')
        """
        return self._lamina_read().dtype

    @property
    def ndim(self) -> int:
        """The number of axes (``len(t.shape)``).

        >>> import lamina as lm
        >>> lm.asarray([[1, 2, 3], [4, 5, 6]]).ndim
        2
        """
        return len(self._lamina_read().shape)

    @property
    def size(self) -> int:
        """The number of elements (the product of the shape; 1 for a 0-d tensor).

        >>> import lamina as lm
        >>> lm.asarray([[1, 2, 3], [4, 5, 6]]).size
        6
        """
        n = 1
        for d in self._lamina_read().shape:
            n *= d
        return n

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes.

        >>> import lamina as lm
        >>> lm.asarray([1.0, 2.0], dtype="float32").itemsize
        4
        """
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """The size of the elements in bytes (``size * itemsize``; a view counts its own).

        >>> import lamina as lm
        >>> x = lm.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.nbytes, x[0].nbytes
        (48, 24)
        """
        return self.size * self.dtype.itemsize

    @property
    def device(self) -> Device:
        """The ``lamina.Device`` holding the data; it compares equal to its name.

        >>> import lamina as lm
        >>> x = lm.asarray([1.0, 2.0])
        >>> x.device
        Device('cpu')
        >>> x.device == "cpu"
        True
        """
        return self._lamina_read().device

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed, a view (``transpose()``; 1-d stays as it is).

        >>> import lamina as lm
        >>> lm.asarray([[1, 2, 3], [4, 5, 6]]).T
        Tensor([[1, 4],
                [2, 5],
                [3, 6]], device='cpu')
        """
        return _lnp.transpose(self)

    @property
    def mT(self) -> Tensor:
        """The transpose of the last two axes, a view: ``.T`` of each matrix in a batch.

        Needs ``ndim >= 2``, as NumPy's ``mT``.

        >>> import lamina.numpy as lnp
        >>> x = lnp.zeros((4, 2, 3))
        >>> x.mT.shape
        (4, 3, 2)
        >>> x.T.shape  # .T reverses every axis
        (3, 2, 4)
        """
        if self.ndim < 2:
            raise LaminaValueError(
                f"Tensor.mT: matrix transpose with ndim < 2 is undefined (shape {self.shape}); "
                "use .T, or reshape to a matrix first."
            )
        return _lnp.swapaxes(self, -1, -2)

    @property
    def real(self) -> Tensor:
        """The real part, a writable view; ``t.real = v`` writes into ``t``.

        >>> import lamina as lm
        >>> z = lm.asarray([1 + 2j, 3 - 1j])
        >>> z.real
        Tensor([1., 3.], device='cpu')
        >>> z.real = 0
        >>> z
        Tensor([0.+2.j, 0.-1.j], device='cpu')
        """
        return _lnp.real(self)

    @real.setter
    def real(self, value: Any) -> None:
        _lnp.copyto(_lnp.real(self), value)

    @property
    def imag(self) -> Tensor:
        """The imaginary part, a writable view; ``t.imag = v`` writes into ``t``.

        For a real tensor it is read-only zeros, as NumPy.

        >>> import lamina as lm
        >>> z = lm.asarray([1 + 2j, 3 - 1j])
        >>> z.imag
        Tensor([ 2., -1.], device='cpu')
        >>> z.imag *= -1
        >>> z
        Tensor([1.-2.j, 3.+1.j], device='cpu')
        """
        return _lnp.imag(self)

    @imag.setter
    def imag(self, value: Any) -> None:
        _lnp.copyto(_lnp.imag(self), value)

    @property
    def flags(self) -> Flags:
        """NumPy's ``flags`` (``t.flags.writeable``, ``t.flags["OWNDATA"]``, ...).

        Only ``writeable`` can be set (see ``setflags``); a lamina tensor is always
        C-contiguous and aligned.

        >>> import lamina as lm
        >>> x = lm.asarray([1.0, 2.0, 3.0])
        >>> x[1:].flags
          WRITEABLE : True
          OWNDATA : False
        >>> x.flags["OWNDATA"]
        True
        """
        return Flags(self)

    @property
    def base(self) -> Tensor | None:
        """The tensor this one is a view of (None for a tensor that owns its storage).

        >>> import lamina as lm
        >>> x = lm.asarray([1, 2, 3])
        >>> x.base is None
        True
        >>> x[1:].base
        Tensor([1, 2, 3], device='cpu')
        """
        if not self._views:
            return None
        storage = self._storage
        owner = storage.owner() if storage.owner is not None else None
        return owner if owner is not None else _own(on_storage(storage))

    # -- conversion -----------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the data, on the host (also for CUDA tensors).

        The copy is the caller's to write. ``np.asarray(t)`` instead shares the data without
        copying, read-only, and only for a tensor on the CPU.

        >>> import lamina as lm
        >>> lm.asarray([[1.0, 2.0], [3.0, 4.0]]).numpy()
        array([[1., 2.],
               [3., 4.]])
        """
        _check_untracked(self, "t.numpy()")
        array = self._array()
        device = self._lamina_read().device
        return device.from_device(array).copy() if device.kind == "cpu" else device.from_device(
            array
        )

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        _check_untracked(self, _ARRAY_CALL)
        device = self.device
        if device.kind != "cpu":
            raise LaminaTypeError(
                f"Implicit conversion of a lamina tensor on {device} to a NumPy array is not "
                "allowed (it would copy from the GPU behind your back). Use t.numpy() or "
                "t.to('cpu') explicitly."
            )
        array = self._array()
        if copy:
            array = array.copy()
        else:
            # NOTE [lamina's arrays are read-only] (lamina/lazy/graph.py): the data is shared
            # with pending graphs and other tensors. It is read-only, and handed out as a view
            # through a read-only buffer: NumPy lets the owner of memory be made writable
            # again (``a.base.flags.writeable = True``), never an array whose base is a
            # read-only memoryview.
            array = np.asarray(memoryview(array).toreadonly())
        if dtype is not None and np.dtype(dtype) != array.dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            array = array.astype(dtype)
        return array

    def to(self, device: Any) -> Tensor:
        """This tensor on ``device`` ('cpu', 'cuda', 'cuda:1' or a Device); a copy if it moves.

        A tensor already on ``device`` comes back as it is, not copied.

        >>> import lamina as lm
        >>> x = lm.asarray([1.0, 2.0])
        >>> x.to("cpu") is x
        True
        >>> x.to(lm.Device("cpu")).device
        Device('cpu')
        """
        return _lnp.asarray(self, device=device)

    def cpu(self) -> Tensor:
        """This tensor on the CPU (``to("cpu")``): a host copy of a CUDA tensor, else itself.

        >>> import lamina as lm
        >>> x = lm.asarray([1.0, 2.0])
        >>> x.cpu()
        Tensor([1., 2.], device='cpu')
        >>> x.cpu() is x
        True
        """
        return self.to("cpu")

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        """The array API's name for ``to`` (``stream`` is accepted and ignored).

        >>> import lamina as lm
        >>> lm.asarray([1.0, 2.0]).to_device("cpu").device
        Device('cpu')
        """
        return self.to(device)

    def tobytes(self, order: str = "C") -> bytes:
        """The raw bytes of the data, as ``ndarray.tobytes`` (evaluates).

        >>> import lamina as lm
        >>> x = lm.asarray([[1, 2], [3, 255]], dtype="uint8")
        >>> x.tobytes()
        b'\\x01\\x02\\x03\\xff'
        >>> x.tobytes(order="F")
        b'\\x01\\x03\\x02\\xff'
        """
        _check_untracked(self, "t.tobytes()")
        return self.numpy().tobytes(order)

    def setflags(self, write: bool | None = None, align: Any = None, uic: Any = None) -> None:
        """Set the writeable flag, as ``ndarray.setflags`` (``align`` and ``uic`` are ignored).

        Only ``write`` means something for a lamina tensor: ``write=False`` makes writes
        through this handle raise; ``write=True`` undoes it (except on a view NumPy makes
        read-only, such as ``broadcast_to`` or ``diagonal``).

        >>> import lamina as lm
        >>> x = lm.asarray([1.0, 2.0])
        >>> x.setflags(write=False)
        >>> x[0] = 5.0  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        lamina.errors.LaminaValueError: setitem: assignment destination is read-only ...
        >>> x.setflags(write=True)
        >>> x[0] = 5.0
        >>> x
        Tensor([5., 2.], device='cpu')
        """
        if write is not None:
            self.flags.writeable = write

    def item(self, *index: Any) -> Any:
        """One element as a Python scalar, as ``ndarray.item`` (evaluates).

        With no argument the tensor must hold one element; ``item(i)`` takes a flat index,
        ``item(i, j)`` one index per axis.

        >>> import lamina as lm
        >>> x = lm.asarray([[1.0, 2.0], [3.0, 4.0]])
        >>> x.sum().item()
        10.0
        >>> x.item(3), x.item(0, 1)
        (4.0, 2.0)
        """
        if len(index) == 1 and isinstance(index[0], tuple):
            index = index[0]
        if len(index) == 1:
            size = self.size
            i = _operator.index(index[0])
            if not -size <= i < size:
                raise LaminaIndexError(f"index {i} is out of bounds for size {size}")
            return self.reshape(-1)[i].item()
        if index:
            if len(index) != self.ndim:
                raise LaminaValueError(
                    f"Tensor.item(): incorrect number of indices for array ({len(index)} given "
                    f"for a tensor of {self.ndim} dimensions)"
                )
            return self[index].item()
        if self.size != 1:
            raise LaminaValueError(
                "can only convert an array of size 1 to a Python scalar (Tensor.item() of a "
                f"tensor of shape {self.shape}). Index it first, e.g. t[0].item(), or use "
                "t.tolist()."
            )
        if _core.active_transforms:
            _note_scalar(self, "t.item()")
        return self._array().reshape(()).item()

    def tolist(self) -> Any:
        """The data as nested Python lists of Python scalars (a scalar for a 0-d tensor).

        >>> import lamina as lm
        >>> lm.asarray([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]

        Inside a transform, a tensor it tracks cannot be converted (NOTE [tracked values leave
        only as scalars]): ``float(t)`` or ``t.item()`` give one element's value.
        """
        _check_untracked(self, "t.tolist()")
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        value = self._lamina_read()
        if value.dtype.kind not in "iu" or value.shape:
            raise LaminaTypeError(
                "only integer scalar arrays can be converted to a scalar index (this tensor has "
                f"shape {value.shape} and dtype {value.dtype})"
            )
        return int(self._array())

    def __bool__(self) -> bool:
        size = self.size
        if size != 1:
            raise LaminaValueError(
                "The truth value of an array with more than one element is ambiguous. Use "
                "a.any() or a.all()" if size else
                "The truth value of an empty array is ambiguous. Use `array.size > 0` to check "
                "that an array is not empty."
            )
        return bool(self._array().reshape(()))

    def _scalar(self, what: str) -> Any:
        shape = self.shape
        if shape:
            raise LaminaTypeError(
                f"only 0-dimensional arrays can be converted to Python scalars ({what}() of a "
                f"tensor of shape {shape}); reduce it first, e.g. t.sum(), or index it, e.g. "
                "t[0]."
            )
        if _core.active_transforms and what != "int":  # int(t): counts and indices
            _note_scalar(self, f"{what}(t)")
        return self._array().item()

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise _unsized("len()")
        return shape[0]

    def __iter__(self):
        # Not a generator function: a 0-d tensor raises at ``iter(t)``, as NumPy does.
        shape = self.shape
        if not shape:
            raise LaminaTypeError("iteration over a 0-d array")
        return (self[i] for i in range(shape[0]))

    def __contains__(self, item: Any) -> bool:
        return bool(_lnp.equal(self, item)._array().any())

    def __repr__(self) -> str:
        value = self._lamina_read()
        if isinstance(value, _core.Wrapper) and value.level.alive:
            # Inside a transform, print what the transform sees, as functorch does.
            from lamina.wrappers.wrapper import describe  # noqa: PLC0415

            return describe(value)
        # NumPy's ``array_repr`` with ``Tensor(`` for ``array(`` and the device after the dtype.
        array = np.asarray(self.device.from_device(self._array()))
        prefix = "Tensor("
        tail = f"device='{self.device}')"
        if array.dtype not in _DEFAULT_DTYPES or array.size == 0:
            tail = f"dtype={_dtype_name(array.dtype)}, {tail}"
        if array.size > 0 or array.shape == (0,):
            body = np.array2string(array, separator=", ", prefix=prefix, suffix=")")
        else:
            body = f"[], shape={array.shape}"
        text = prefix + body + ","
        last_line = len(text) - (text.rfind("\n") + 1)
        if last_line + 1 + len(tail) > np.get_printoptions()["linewidth"]:
            return text + "\n" + " " * len(prefix) + tail
        return text + " " + tail

    def __str__(self) -> str:
        return str(np.asarray(self.device.from_device(self._array())))

    def _repr_html_(self) -> str | None:
        """Jupyter's rich display: a header with what the values do not show at a glance
        (shape, dtype, device; "view" and "read-only" where they hold), then NumPy's text.
        Large tensors are summarized as NumPy summarizes them (``np.set_printoptions``).

        >>> import lamina as lm
        >>> x = lm.asarray([[1, 2], [3, 4]])
        >>> print(x[0]._repr_html_())  # doctest: +ELLIPSIS
        <div class="lamina-tensor"><div...>Tensor · shape (2,) · int64 · cpu · view</div>...[1 2]...
        """
        if isinstance(self._lamina_read(), _core.Wrapper):
            return None  # inside a transform: the functorch-style text repr says more
        array = np.asarray(self.device.from_device(self._array()))
        facts = [f"shape {array.shape}", _dtype_name(array.dtype), str(self.device)]
        if self._views:
            facts.append("view")
        if not self._writeable:
            facts.append("read-only")
        header = html.escape(" · ".join(["Tensor", *facts]))
        body = html.escape(str(array) if array.size else f"[] (empty, shape {array.shape})")
        return (f'<div class="lamina-tensor"><div style="font-family:monospace;color:#666">'
                f'{header}</div><pre style="margin:0.2em 0">{body}</pre></div>')

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise LaminaTypeError(
                "unsupported format string passed to Tensor.__format__ (format specs apply to "
                "0-d tensors; format the elements, e.g. [f'{v:.2f}' for v in t.tolist()])"
            )
        return str(self)

    __hash__ = None  # mutable, like numpy.ndarray

    def __copy__(self) -> Tensor:
        return self.copy()

    def __deepcopy__(self, memo: dict) -> Tensor:
        out = self.copy()
        memo[id(self)] = out
        return out

    def __reduce__(self):
        _check_untracked(self, "pickle.dumps(t)")
        return (_rebuild, (self.numpy(), str(self.device)))

    def view(self, dtype: Any = None) -> Tensor:
        """A new view of the same data (``t[...]``): writes through it reach this tensor.

        Reinterpreting the bytes as another dtype (``t.view(np.int32)``) is not supported:
        use ``astype`` to convert the values.

        >>> import lamina as lm
        >>> x = lm.asarray([1, 2, 3])
        >>> v = x.view()
        >>> v[0] = 10
        >>> x
        Tensor([10,  2,  3], device='cpu')
        """
        if dtype is not None and np.dtype(dtype) != self.dtype:
            raise LaminaTypeError(
                f"Tensor.view({dtype!r}): lamina cannot reinterpret the bytes of a tensor as "
                "another dtype; use .astype(dtype) to convert the values."
            )
        return self[...]

    def detach(self) -> Tensor:
        """This tensor's value with no derivative under any grad or jvp transform (torch's
        name; ``lamina.stop_gradient`` is JAX's, and takes pytrees).

        The result is a new tensor: writing into it does not change this one (no data is
        copied; unlike torch's ``detach``, it is not a view). Under ``vmap`` it stays batched.

        >>> import lamina as lm
        >>> lm.grad(lambda x: x * x.detach())(lm.asarray(3.0))   # d/dx = x, not 2x
        Tensor(3., device='cpu')
        >>> x = lm.asarray([1.0, 2.0])
        >>> d = x.detach()
        >>> d[0] = 5.0
        >>> x
        Tensor([1., 2.], device='cpu')
        """
        from lamina.transforms.stop_gradient import stop_gradient_value  # noqa: PLC0415

        return wrap(stop_gradient_value(self._lamina_read()))

    # -- indexing -------------------------------------------------------------------------

    def __getitem__(self, index: Any) -> Tensor:
        return _indexing.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _indexing.setitem(self, index, value)

    # -- NumPy protocols (lamina/numpy/_protocols.py) -------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _protocols.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _protocols.array_function(func, types, args, kwargs)

    # -- in-place helpers -----------------------------------------------------------------

    def fill(self, value: Any) -> None:
        """Set every element to ``value``, in place (cast to this tensor's dtype, as NumPy).

        >>> import lamina as lm
        >>> x = lm.asarray([1.0, 2.0, 3.0])
        >>> x.fill(0.5)
        >>> x
        Tensor([0.5, 0.5, 0.5], device='cpu')
        """
        _lnp.copyto(self, value, casting="unsafe")


_DEFAULT_DTYPES = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_),
                   np.dtype(np.complex128))


def _dtype_name(dtype: np.dtype) -> str:
    return dtype.name if dtype.kind in "biufc" else str(dtype)


# NOTE [rolling back failed writes]: an in-place op in lazy mode stores a pending value; a
# kernel error in it (``x += inv(singular)``) shows only when the value is evaluated. Eager
# mode raises at the op and leaves ``x`` as it was, so lazy mode ends in the same state: the
# read raises the kernel's error, and ``x`` (with its views) goes back to its last value that
# was data (``settled``, kept by ``_assign`` when a pending value replaces data). Writes made
# after the failing one, which were computed from it, are dropped with it: ``x`` is back at
# its value at its last evaluation. Storages holding such a pending value are listed in
# ``_unsettled`` (weakly); when an evaluation fails (``graph.failure_hooks``), each one whose
# pending value is part of the failed graph is evaluated on its own, and rolled back if that
# fails. A pending tensor that is not a storage's written value (``y = inv(singular) + 1``)
# keeps its graph and raises the same error on every read.
_unsettled: weakref.WeakSet = weakref.WeakSet()
_unsettled_lock = threading.Lock()
_rolling_back = threading.local()


def _roll_back_failed_writes(roots: list, exc: BaseException) -> None:
    if getattr(_rolling_back, "active", False):
        return  # an evaluation made here failed: the loop below handles it
    with _unsettled_lock:
        storages = list(_unsettled)
    if not storages:
        return
    in_graph = _pending_ids(roots)
    _rolling_back.active = True
    try:
        for storage in storages:
            value = _SLOTS["value"].__get__(storage)
            if type(value) is not LazyTensor or value.data is not None:
                with _unsettled_lock:
                    _unsettled.discard(storage)
                continue
            if id(value) not in in_graph:
                continue
            try:
                if not (len(roots) == 1 and roots[0] is value):
                    value.realize()
                    continue
                raise exc
            except BaseException:  # noqa: BLE001 - the write failed: undo it
                settled = _SLOTS["settled"].__get__(storage)
                if settled is not None and _SLOTS["value"].__get__(storage) is value:
                    _SLOTS["value"].__set__(storage, settled)
                    _SLOTS["settled"].__set__(storage, None)
                    _SLOTS["generation"].__set__(storage, next(_generations))
                with _unsettled_lock:
                    _unsettled.discard(storage)
    finally:
        _rolling_back.active = False


def _pending_ids(roots: list) -> set[int]:
    """The ids of the pending values in the graph behind ``roots``."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        t = stack.pop()
        if id(t) in seen or t.data is not None:
            continue
        seen.add(id(t))
        node = t.node
        if node is not None:
            stack.extend(node.inputs)
    return seen


def _functionalizing() -> bool:
    return any(i.name == "functionalize" for i in _core._state.stack)


def _check_mutation(storage: Storage, value: Any, what: str) -> None:
    """An in-place write inside a transform: functionalize's scope first (a storage from
    outside the innermost functionalize becomes private to it), then NOTE [captured mutation].
    """
    stack = _core._state.stack
    for interpreter in reversed(stack):
        if interpreter.name == "functionalize":
            if not any(i is interpreter for i in storage.born_in):
                interpreter.capture(storage, stack)
            break
    if isinstance(value, _core.Wrapper):
        _check_captured(storage, value, what)
    for interpreter in stack:
        if interpreter.name in ("grad", "jvp"):
            # Writing even a constant (a value no transform tracks) into a tensor made outside
            # every grad and jvp changes the caller's data behind the transforms' backs:
            # functorch refuses it too. (Tracked values: _check_captured, per level.)
            if not any(i is interpreter for i in storage.born_in):
                raise _captured_error(what)
            break
    if _alias_write_error is not None:
        error = _alias_write_error(storage)
        if error is not None:
            raise error


def _check_captured(storage: Storage, value: Any, what: str) -> None:
    """NOTE [captured mutation]: inside grad/jvp, writing a value that the transform tracks
    into a tensor made outside it would change the caller's data behind the transform's back
    (functorch refuses it too); tensors made inside the transform may be mutated freely.
    Under vmap, a batched value may only be written into a batched tensor, or into one that a
    functionalize inside the vmap made private (NOTE [functionalize in lamina])."""
    while isinstance(value, _core.Wrapper):
        level = value.level
        if (level.alive and level.name == "vmap" and not _batched_at(storage.value, level)
                and not _functionalized_inside(storage, level)):
            name = what if what.endswith("_") else f"{what}_"
            raise LaminaRuntimeError(
                f"vmap: the in-place operation ({name}) would write a batched value into a "
                "tensor that is not batched (one made outside vmap, or from unbatched values "
                "only): it cannot hold a different value per batch element. Rewrite the "
                "function out of place (e.g. y = x + v instead of x += v), or wrap it in "
                "lamina.functionalize."
            )
        if level.alive and getattr(value, "tracks_mutation", False):
            if not any(i.level is level for i in storage.born_in):
                raise _captured_error(what)
        value = value.value


def _captured_error(what: str) -> LaminaRuntimeError:
    name = what if what.endswith("_") else f"{what}_"
    return LaminaRuntimeError(
        "During a grad (vjp, jvp, grad, etc) transform, the function provided attempted to "
        f"call in-place operation ({name}) that would mutate a captured Tensor. This is not "
        "supported; please rewrite the function being transformed to explicitly accept the "
        "mutated Tensor(s) as inputs."
    )


def _functionalized_inside(storage: Storage, level: Any) -> bool:
    """Was ``storage`` made in (or made private to) a functionalize nested inside ``level``?"""
    inside = False
    for interpreter in storage.born_in:
        if interpreter.level is level:
            inside = True
        elif inside and interpreter.name == "functionalize":
            return True
    return False


def _batched_at(value: Any, level: Any) -> bool:
    while isinstance(value, _core.Wrapper):
        if value.level is level:
            return True
        value = value.value
    return False


# NOTE [tracked values leave only as scalars]: inside a transform, a tensor whose value a live
# grad, jvp or vmap level wraps is *tracked*. A tracked tensor cannot become a NumPy array or
# a Python list: to grad and jvp the array would be a constant, its derivative silently zero
# (``np.asarray(x)``, ``np.array([x0, x1])``, SciPy functions, which call them), and under
# vmap it would hold the whole batch or one slice of it. So ``__array__``, ``numpy()``,
# ``tolist()``, ``tobytes()`` and pickling raise ``TrackedConversionError``, a TypeError as
# JAX's TracerArrayConversionError (JAX's tracers refuse ``tolist()`` and ``tobytes()`` too;
# torch refuses ``.numpy()`` of a tensor that requires grad). Python scalars are the
# exception, as under JAX's grad without jit and in eager torch: ``float(t)``, ``int(t)``,
# ``complex(t)``, ``bool(t)``, ``operator.index(t)``, ``t.item()`` and ``format`` give the
# primal's value inside grad and jvp, so Python control flow on values (``if x > 0:``) works;
# the number is a constant, as its type says. (Under vmap they raise: NOTE [data-dependent
# control flow under vmap].) ``tolist()`` goes with the arrays, not with ``item()``: it
# converts the whole array, as JAX's ``tolist()`` does, 0-d included; one element's value is
# ``float(t)``/``t.item()``. Not tracked, so converted as always: tensors captured from outside
# the transform, arguments it does not differentiate, integer and boolean results under grad
# and jvp (they carry no derivative), values stopped with ``lm.stop_gradient``/``t.detach()``
# under grad and jvp, and wrappers of transforms that have exited. A value conversion
# (``float``, ``complex``, ``item``; not ``bool`` or ``int``, which make control flow, counts
# and indices) of a tracked inexact value is noted per level (``_note_scalar``): when ``f``
# then returns a number instead of a tensor, grad says where tracking was lost and raises
# rather than giving the zero gradient of a constant output.

_ARRAY_CALL = ("np.asarray(t)/np.array(t) (NumPy's __array__ protocol, which SciPy's functions "
               "and np.array([t0, t1]) call too)")


def _live_levels(value: Any) -> list:
    """The live levels that wrap ``value``, outermost wrapper first."""
    levels = []
    while isinstance(value, _core.Wrapper):
        if value.level.alive:
            levels.append(value.level)
        value = value.value
    return levels


def _check_untracked(t: Tensor, call: str) -> None:
    """Raise NOTE [tracked values leave only as scalars]'s error for a tracked ``t``."""
    if not _core.active_transforms:
        return
    levels = _live_levels(t._lamina_read())
    if levels:
        raise tracked_conversion_error(call, [level.name for level in levels])


def tracked_conversion_error(call: str, transforms: list[str]) -> TrackedConversionError:
    """The error for converting a tracked value (raise the returned exception)."""
    if "vmap" in transforms:
        return TrackedConversionError(
            f"{call} inside vmap: this tensor is batched, so inside the function it stands for "
            "one element of the batch, and a NumPy array (or Python list) made from it would "
            "hold the whole batch or one slice of it. Stay in lamina: use lamina.numpy's "
            "functions on the tensor (lnp.asarray(t); lnp.stack([t0, t1]) for a list of "
            "tensors), or convert the result outside vmap."
        )
    names = " and ".join(dict.fromkeys(transforms))
    return TrackedConversionError(
        f"{call} inside {names}: this tensor is tracked by the transform (its value depends "
        "on the inputs being differentiated), and a NumPy array (or Python list) cannot carry "
        "the derivative: it would silently be zero. Stay in lamina: use lamina.numpy's "
        "functions on the tensor (lnp.asarray(t); lnp.stack([t0, t1]) for a list of tensors; "
        "lamina.numpy and lamina.special for NumPy and SciPy functions). If a constant is "
        "really meant, convert the stopped tensor instead: np.asarray(lm.stop_gradient(t)) or "
        "np.asarray(t.detach()). One element's value as a Python number is allowed: float(t), "
        "t.item()."
    )


# Per live grad/jvp level, the first value conversion of a tracked inexact value made under
# it: (what was called, where in the user's code). Weak keys: a level lives as long as its
# transform and what holds its wrappers.
_scalar_notes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _note_scalar(t: Tensor, call: str) -> None:
    """NOTE [tracked values leave only as scalars]: remember ``call`` on a tracked value."""
    value = t._lamina_read()
    if not isinstance(value, _core.Wrapper) or value.dtype.kind not in "fc":
        return
    for level in _live_levels(value):
        if level.name in ("grad", "jvp") and level not in _scalar_notes:
            _scalar_notes[level] = (call, _user_frame())


def scalar_note(level: Any) -> tuple[str, str] | None:
    """``(call, where)`` of the first value conversion of a tracked value under ``level``."""
    return _scalar_notes.get(level)


def _user_frame() -> str:
    """``file:line`` of the innermost caller outside lamina (where the user converted)."""
    import os  # noqa: PLC0415
    import sys  # noqa: PLC0415

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _shape_of(value: Any) -> tuple:
    return value.shape


def _rebuild(array: np.ndarray, device: str) -> Tensor:
    return _lnp.asarray(array, device=device)


def wrap(value: Any) -> Tensor:
    """A new handle with its own storage on a value (a copy, in NumPy's terms)."""
    return on_storage(Storage(value))


def _own(t: Tensor) -> Tensor:
    """Make ``t`` (a handle with no views) its storage's owner unless a live one exists."""
    storage = t._storage
    if storage.owner is None or storage.owner() is None:
        storage.owner = weakref.ref(t)
    return t


def on_storage(storage: Storage, views: tuple = (), writeable: bool = True) -> Tensor:
    """A handle on ``storage`` through the view chain ``views`` (read on first use)."""
    t = object.__new__(Tensor)
    t._storage = storage
    t._views = views
    t._cached = None
    t._generation = -1 if views else 0
    t._writeable = writeable
    return t


# -- operators and methods, delegated to lamina.numpy by name --------------------------------
# NOTE [one signature per op]: Tensor methods call the lamina.numpy function of the same name,
# so each op's signature, checks and errors live in one place.

_PY_SCALARS = (bool, int, float, complex)
_SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "floor_divide": "//",
            "remainder": "%", "power": "**", "matmul": "@", "bitwise_and": "&",
            "bitwise_or": "|", "bitwise_xor": "^", "left_shift": "<<", "right_shift": ">>"}


def _binary(name: str, reflected: bool = False):
    # NOTE [operator fast path]: tensor-tensor and tensor-scalar operators skip the public
    # function's argument handling (out=, dtype=, array-likes); anything else takes it.
    from lamina.ops.elementwise import BINARY, binary_values, power_operator  # noqa: PLC0415

    prim = BINARY.get(name)
    ufunc = getattr(np, name)
    forward = binary_values
    if name == "power":  # x ** y as ndarray's operator computes it
        def forward(prim, a, b):
            return power_operator(a, b)

    def op(self, other):
        a = self._lamina_read() if self._views else self._storage.value
        kind = type(other)
        if prim is not None and (kind is Tensor or kind in _PY_SCALARS):
            b = other if kind is not Tensor else (
                other._lamina_read() if other._views else other._storage.value)
            return wrap(binary_values(prim, b, a) if reflected else forward(prim, a, b))
        how = _protocols.operand_kind(kind)  # NOTE [NEP 13 deferral], as ndarray's operators
        if how:
            if how == _protocols.OPTED_OUT:
                return NotImplemented  # the other operand opted out of NumPy's operators
            if how == _protocols.OVERRIDES_UFUNCS:
                return ufunc(other, self) if reflected else ufunc(self, other)
            if not reflected:  # HIGHER_PRIORITY: its reflected operator runs
                return NotImplemented
        if other is None and name in ("equal", "not_equal"):
            # NumPy compares elementwise with None: all False for ==, all True for !=.
            return _lnp.full(self.shape, name == "not_equal", device=self.device)
        fn = getattr(_lnp, name)
        return fn(other, self) if reflected else fn(self, other)

    op.__name__ = f"__{'r' if reflected else ''}{name}__"
    return op


# NOTE [scalar copies]: where NumPy returns a scalar, not an array (an integer index on every
# axis: ``a[i]``), lamina returns a 0-d copy marked ``_scalar_copy``. NumPy's scalars are
# immutable, so an in-place operator on one rebinds the name to a new value of any dtype; a
# marked copy does the same where the result would not fit in place (``a[0] += 1.5`` on an int
# ``a`` is ``a[0] = a[0] + 1.5``, as in NumPy). Other 0-d tensors are arrays and refuse, as
# NumPy's 0-d arrays do.


def _inplace(name: str):
    # NOTE [operator fast path], in place: when the result already has this tensor's shape and
    # dtype (the usual ``x += y``), it is written directly; anything else (casting, a result
    # that would not fit, array-likes) takes ``lnp.<name>(self, other, out=self)``, which
    # checks NumPy's rules before anything is written.
    from lamina.ops.elementwise import BINARY, binary_values, power_operator  # noqa: PLC0415

    prim = BINARY.get(name)
    ufunc = getattr(np, name)

    def op(self, other):
        kind = type(other)
        if prim is not None and (kind is Tensor or kind in _PY_SCALARS):
            a = self._lamina_read()
            b = other._lamina_read() if kind is Tensor else other
            value = power_operator(a, b) if name == "power" else binary_values(prim, a, b)
            if value.shape == a.shape and value.dtype == a.dtype:
                self._assign(value, name)
                return self
            if getattr(self, "_scalar_copy", False):
                # NOTE [scalar copies]: NumPy would hold an immutable scalar here, so ``s += y``
                # rebinds ``s`` to ``s + y`` of whatever dtype (``a[i] += 1.5`` on an int ``a``
                # then stores it, cast back as a setitem casts).
                return wrap(value)
        elif kind is not Tensor and (how := _protocols.operand_kind(kind)):
            # NOTE [NEP 13 deferral], as ndarray's in-place operators.
            if how == _protocols.OPTED_OUT:
                raise LaminaTypeError(
                    f"operand '{kind.__name__}' does not support ufuncs (__array_ufunc__=None), "
                    "so it cannot be combined in place with a lamina Tensor (as with a NumPy "
                    f"array); write x = x {_SYMBOLS.get(name, name)} other instead."
                )
            if how == _protocols.OVERRIDES_UFUNCS:
                return ufunc(self, other, out=(self,))
            return NotImplemented  # HIGHER_PRIORITY: Python falls back to its reflected operator
        getattr(_lnp, name)(self, other, out=self)
        return self

    op.__name__ = f"__i{name}__"
    return op


def _unary(name: str):
    def op(self):
        return getattr(_lnp, name)(self)

    return op


def _method(name: str, what: str, call: str, result: str):
    """``Tensor.<name>``, calling ``lamina.numpy.<name>``; its docstring says ``what`` it does
    and runs the example ``call`` (lines of code), which prints ``result``."""

    def method(self, *args, **kwargs):
        return getattr(_lnp, name)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    code = "\n".join(f">>> {line}" for line in call.splitlines())
    method.__doc__ = (
        f"{what}.\n\nSame as ``lamina.numpy.{name}(self, ...)``, whose docstring lists the "
        f"parameters.\n\n>>> import lamina as lm\n{code}\n{result}\n"
    )
    return method


_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
    "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "matmul": "matmul",
    "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor", "lshift": "left_shift",
    "rshift": "right_shift",
}
for _op, _fn in _OPERATORS.items():
    setattr(Tensor, f"__{_op}__", _binary(_fn))
    setattr(Tensor, f"__r{_op}__", _binary(_fn, reflected=True))
    setattr(Tensor, f"__i{_op}__", _inplace(_fn))
for _op, _fn in {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
                 "eq": "equal", "ne": "not_equal"}.items():
    setattr(Tensor, f"__{_op}__", _binary(_fn))
for _op, _fn in {"neg": "negative", "pos": "positive", "abs": "absolute",
                 "invert": "invert"}.items():
    setattr(Tensor, f"__{_op}__", _unary(_fn))


def _divmod(self, other):
    return _lnp.floor_divide(self, other), _lnp.remainder(self, other)


def _rdivmod(self, other):
    return _lnp.floor_divide(other, self), _lnp.remainder(other, self)


Tensor.__divmod__ = _divmod
Tensor.__rdivmod__ = _rdivmod

# Methods that are ``lamina.numpy`` functions of the tensor, and their docstrings (doctest
# collects each from the class: the functions are made in this module). ``astype``,
# ``reshape`` and ``transpose`` take ndarray's own argument forms: written out below.
_METHODS = {  # name: (what it does, an example call (lines), its output)
    "all": ("Whether every element is true, over ``axis`` (all of them by default)",
            "lm.asarray([[True, False], [True, True]]).all(axis=1)",
            "Tensor([False,  True], device='cpu')"),
    "any": ("Whether any element is true, over ``axis`` (all of them by default)",
            "lm.asarray([0, 0, 3]).any()",
            "Tensor(True, device='cpu')"),
    "argmax": ("Index of the largest element over ``axis`` (in the flattened tensor by "
               "default)",
               "lm.asarray([[1, 5], [7, 2]]).argmax(axis=1)",
               "Tensor([1, 0], device='cpu')"),
    "argmin": ("Index of the smallest element over ``axis`` (in the flattened tensor by "
               "default)",
               "lm.asarray([[1, 5], [7, 2]]).argmin(axis=1)",
               "Tensor([0, 1], device='cpu')"),
    "argsort": ("The indices that sort the tensor along ``axis`` (the last by default)",
                "lm.asarray([3, 1, 2]).argsort()",
                "Tensor([1, 2, 0], device='cpu')"),
    "clip": ("The elements limited to the interval ``[min, max]``",
             "lm.asarray([-2.0, 0.5, 3.0]).clip(0, 1)",
             "Tensor([0. , 0.5, 1. ], device='cpu')"),
    "conj": ("The complex conjugate, elementwise (``conjugate`` is the same)",
             "lm.asarray([1 + 2j, 3 - 1j]).conj()",
             "Tensor([1.-2.j, 3.+1.j], device='cpu')"),
    "conjugate": ("The complex conjugate, elementwise (``conj`` is the same)",
                  "lm.asarray([1 + 2j, 3 - 1j]).conjugate()",
                  "Tensor([1.-2.j, 3.+1.j], device='cpu')"),
    "copy": ("A copy with its own data: writes to it do not reach this tensor",
             "x = lm.asarray([1, 2])\ny = x.copy()\ny[0] = 10\nx",
             "Tensor([1, 2], device='cpu')"),
    "cumprod": ("Cumulative product along ``axis`` (of the flattened tensor by default)",
                "lm.asarray([1, 2, 3, 4]).cumprod()",
                "Tensor([ 1,  2,  6, 24], device='cpu')"),
    "cumsum": ("Cumulative sum along ``axis`` (of the flattened tensor by default)",
               "lm.asarray([1, 2, 3]).cumsum()",
               "Tensor([1, 3, 6], device='cpu')"),
    "diagonal": ("The diagonal (``offset`` above or below it), a read-only view as in NumPy",
                 "lm.asarray([[1, 2], [3, 4]]).diagonal()",
                 "Tensor([1, 4], device='cpu')"),
    "dot": ("Dot product, as ``numpy.dot``: inner for 1-d tensors, matrix product for 2-d",
            "lm.asarray([1.0, 2.0]).dot(lm.asarray([3.0, 4.0]))",
            "Tensor(11., device='cpu')"),
    "max": ("Maximum over ``axis`` (of all elements by default; NaN propagates)",
            "lm.asarray([[1, 5], [7, 2]]).max(axis=0)",
            "Tensor([7, 5], device='cpu')"),
    "mean": ("Arithmetic mean over ``axis`` (of all elements by default; ints give float64)",
             "lm.asarray([[1.0, 2.0], [3.0, 4.0]]).mean(axis=1)",
             "Tensor([1.5, 3.5], device='cpu')"),
    "min": ("Minimum over ``axis`` (of all elements by default; NaN propagates)",
            "lm.asarray([[1, 5], [7, 2]]).min(axis=1)",
            "Tensor([1, 2], device='cpu')"),
    "nonzero": ("The indices of the non-zero elements, as a tuple of one tensor per axis",
                "lm.asarray([[0, 5], [3, 0]]).nonzero()",
                "(Tensor([0, 1], device='cpu'), Tensor([1, 0], device='cpu'))"),
    "prod": ("Product of the elements over ``axis`` (of all of them by default)",
             "lm.asarray([1, 2, 3, 4]).prod()",
             "Tensor(24, device='cpu')"),
    "ptp": ("Range (maximum minus minimum) over ``axis`` (of all elements by default)",
            "lm.asarray([4, 9, 1]).ptp()",
            "Tensor(8, device='cpu')"),
    "ravel": ("The elements as a 1-d tensor: a view where NumPy gives one (``flatten`` "
              "always copies)",
              "lm.asarray([[1, 2], [3, 4]]).ravel()",
              "Tensor([1, 2, 3, 4], device='cpu')"),
    "repeat": ("Each element repeated ``repeats`` times (in the flattened tensor, or along "
               "``axis``)",
               "lm.asarray([1, 2]).repeat(2)",
               "Tensor([1, 1, 2, 2], device='cpu')"),
    "round": ("The elements rounded to ``decimals`` decimals (halves to even, as NumPy)",
              "lm.asarray([0.5, 1.5, 2.5]).round()",
              "Tensor([0., 2., 2.], device='cpu')"),
    "searchsorted": ("Where to insert ``v`` into this sorted 1-d tensor to keep it sorted",
                     "lm.asarray([1, 3, 5, 7]).searchsorted([4, 8])",
                     "Tensor([2, 4], device='cpu')"),
    "squeeze": ("The tensor without its length-1 axes (or only ``axis``), a view",
                "lm.asarray([[[1], [2]]]).squeeze()",
                "Tensor([1, 2], device='cpu')"),
    "std": ("Standard deviation over ``axis`` (``ddof=0`` as NumPy; torch's default is 1)",
            "lm.asarray([1.0, 3.0]).std()",
            "Tensor(1., device='cpu')"),
    "sum": ("Sum of the elements over ``axis`` (of all of them by default; bools count)",
            "lm.asarray([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)",
            "Tensor([4., 6.], device='cpu')"),
    "swapaxes": ("The tensor with ``axis1`` and ``axis2`` interchanged, a view",
                 "lm.asarray([[1, 2, 3]]).swapaxes(0, 1)",
                 "Tensor([[1],\n        [2],\n        [3]], device='cpu')"),
    "take": ("The elements at ``indices`` (of the flattened tensor, or along ``axis``)",
             "lm.asarray([10, 20, 30]).take([2, 0])",
             "Tensor([30, 10], device='cpu')"),
    "trace": ("Sum along the diagonal (``offset`` above or below it)",
              "lm.asarray([[1, 2], [3, 4]]).trace()",
              "Tensor(5, device='cpu')"),
    "var": ("Variance over ``axis`` (``ddof=0`` as NumPy; torch's default is 1)",
            "lm.asarray([1.0, 2.0, 3.0, 4.0]).var()",
            "Tensor(1.25, device='cpu')"),
}
for _name, _doc in _METHODS.items():
    setattr(Tensor, _name, _method(_name, *_doc))


def _reshape_method(self, *shape, order="C", copy=None):
    """The same elements in a new shape: a view where NumPy gives one, else a copy.

    The shape is given as ``reshape(2, 3)`` or ``reshape((2, 3))``; one ``-1`` is inferred.
    Same as ``lamina.numpy.reshape(self, shape, ...)``, whose docstring lists the parameters.

    >>> import lamina.numpy as lnp
    >>> lnp.arange(6).reshape(2, 3)
    Tensor([[0, 1, 2],
            [3, 4, 5]], device='cpu')
    >>> lnp.arange(6).reshape((3, -1)).shape
    (3, 2)
    """
    # ndarray.reshape accepts both t.reshape(2, 3) and t.reshape((2, 3)).
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return _lnp.reshape(self, shape, order=order, copy=copy)


def _transpose_method(self, *axes):
    """The axes permuted, a view: reversed with no argument (``.T``), else as ``axes`` says.

    The axes are given as ``transpose(2, 0, 1)`` or ``transpose((2, 0, 1))``. Same as
    ``lamina.numpy.transpose(self, axes)``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> lm.asarray([[1, 2], [3, 4]]).transpose()
    Tensor([[1, 3],
            [2, 4]], device='cpu')
    >>> lnp.zeros((2, 3, 4)).transpose(2, 0, 1).shape
    (4, 2, 3)
    """
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], numbers.Integral)):
        axes = axes[0]
    return _lnp.transpose(self, axes if axes != () else None)


Tensor.reshape = _reshape_method
Tensor.transpose = _transpose_method


def _astype_method(self, dtype, copy=True):
    """A copy with the elements cast to ``dtype`` (floats to ints truncate toward zero).

    With ``copy=False``, a tensor that already has ``dtype`` comes back as it is. Same as
    ``lamina.numpy.astype(self, dtype, copy=copy)``.

    >>> import lamina as lm
    >>> lm.asarray([1.7, -2.2]).astype("int32")
    Tensor([ 1, -2], dtype=int32, device='cpu')
    """
    return _lnp.astype(self, dtype, copy=copy)


Tensor.astype = _astype_method


def _sort_method(self, axis=-1, kind=None, order=None):
    """Sort in place along ``axis`` (the last by default), as ``ndarray.sort``.

    ``lamina.numpy.sort`` returns a sorted copy instead.

    >>> import lamina as lm
    >>> x = lm.asarray([[3, 1], [2, 0]])
    >>> x.sort()
    >>> x
    Tensor([[1, 3],
            [0, 2]], device='cpu')
    """
    self[...] = _lnp.sort(self, axis=axis, kind=kind)


def _flatten_method(self, order="C"):
    """The elements as a new 1-d tensor, always a copy (``ravel`` gives a view where it can).

    >>> import lamina as lm
    >>> lm.asarray([[1, 2], [3, 4]]).flatten()
    Tensor([1, 2, 3, 4], device='cpu')
    """
    return _lnp.ravel(self, order=order).copy()


Tensor.sort = _sort_method
Tensor.flatten = _flatten_method
for _name in ("reshape", "transpose", "astype", "sort", "flatten"):
    # help() and tracebacks name the method, not the helper that implements it.
    getattr(Tensor, _name).__name__ = _name
    getattr(Tensor, _name).__qualname__ = f"Tensor.{_name}"

# Set by lamina.transforms.inputs (NOTE [input handles]): the error for a write into an input
# that aliases another one vmap batches differently, or None.
_alias_write_error = None

# Late imports: these modules use Tensor, and Tensor's methods use them at call time.
import lamina.numpy as _lnp  # noqa: E402
from lamina.lazy import graph as _graph  # noqa: E402
from lamina.lazy import trace as _trace  # noqa: E402
from lamina.lazy.graph import LazyTensor  # noqa: E402
from lamina.numpy import _indexing, _protocols  # noqa: E402

_graph.failure_hooks.append(_roll_back_failed_writes)
