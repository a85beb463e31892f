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
  functional ops.

Whether an op returns a view or a copy follows NumPy exactly; where NumPy decides by memory
layout (``reshape``/``ravel`` of a non-contiguous view) lamina replays the view chain on a
zero-memory stand-in array to ask NumPy itself (``_layout``).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lamina.core import Primitive, bind
from lamina.errors import LaminaTypeError, LaminaValueError
from lamina.lazy.devices import Device

__all__ = ["Tensor", "Storage", "ViewMeta", "wrap"]


class Storage:
    """The current value of a base array, and a counter of the writes into it."""

    __slots__ = ("value", "generation", "level", "__weakref__")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.generation = 0
        # The transform level that created this storage (the grad issue uses it to refuse
        # in-place ops on captured tensors).
        self.level = None


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
    394.0
    """

    __slots__ = ("_storage", "_views", "_cached", "_generation", "_writeable", "__weakref__")
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
        self._writeable = True

    # -- construction (internal) ----------------------------------------------------------

    @classmethod
    def _from_value(cls, value: Any) -> Tensor:
        t = object.__new__(cls)
        t._storage = Storage(value)
        t._views = ()
        t._cached = None
        t._generation = 0
        t._writeable = True
        return t

    def _make_view(self, value: Any, meta: ViewMeta, writeable: bool = True) -> Tensor:
        """A new handle on this storage, one view step further (``value`` already computed)."""
        t = object.__new__(Tensor)
        t._storage = self._storage
        t._views = self._views + (meta,)
        t._cached = value
        t._generation = self._storage.generation
        t._writeable = self._writeable and writeable
        return t

    # -- reading and writing the value ----------------------------------------------------

    def _lamina_read(self) -> Any:
        """The current value of this handle (replays the view chain if the base moved)."""
        if not self._views:
            return self._storage.value
        storage = self._storage
        if self._generation == storage.generation:
            return self._cached
        value = storage.value
        for meta in self._views:
            value = meta.forward(value)
        self._cached = value
        self._generation = storage.generation
        return value

    _value = property(_lamina_read)

    def _layout(self) -> np.ndarray:
        """A zero-memory NumPy array with this handle's shape and strides relative to its base."""
        proxy = _stand_in(_shape_of(self._storage.value))
        for meta in self._views:
            proxy = meta.layout(proxy)
        return proxy

    def _assign(self, new_value: Any, what: str) -> None:
        """Make ``new_value`` (right shape and dtype) this handle's value, through the views."""
        if not self._writeable:
            raise LaminaValueError(
                f"{what}: assignment destination is read-only (this tensor is a read-only view, "
                "e.g. from broadcast_to or diagonal). Take a .copy() first to get a writable "
                "tensor."
            )
        storage = self._storage
        views = self._views
        if not views:
            storage.value = new_value
        else:
            chain = [storage.value]
            for meta in views[:-1]:
                chain.append(meta.forward(chain[-1]))
            value = new_value
            for meta, base in zip(reversed(views), reversed(chain)):
                value = meta.reverse(base, value)
            storage.value = value
        storage.generation += 1
        self._cached = new_value
        self._generation = storage.generation

    def _array(self) -> Any:
        """The concrete NumPy/CuPy array (forces evaluation: NOTE [what forces evaluation])."""
        return self._lamina_read().realize()

    # -- attributes -----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self._lamina_read().shape

    @property
    def dtype(self) -> np.dtype:
        return self._lamina_read().dtype

    @property
    def ndim(self) -> int:
        return len(self._lamina_read().shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self._lamina_read().shape:
            n *= d
        return n

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def device(self) -> Device:
        return self._lamina_read().device

    @property
    def T(self) -> Tensor:
        return _lnp.transpose(self)

    @property
    def mT(self) -> Tensor:
        if self.ndim < 2:
            raise LaminaValueError(
                f"Tensor.mT: matrix transpose needs at least 2 dimensions, got shape {self.shape}."
            )
        return _lnp.swapaxes(self, -1, -2)

    @property
    def real(self) -> Tensor:
        return _lnp.real(self)

    @real.setter
    def real(self, value: Any) -> None:
        _lnp.copyto(_lnp.real(self), value)

    @property
    def imag(self) -> Tensor:
        return _lnp.imag(self)

    @imag.setter
    def imag(self, value: Any) -> None:
        _lnp.copyto(_lnp.imag(self), value)

    @property
    def flags(self) -> dict:
        return {"WRITEABLE": self._writeable, "OWNDATA": not self._views}

    @property
    def base(self) -> Tensor | None:
        """The tensor this one is a view of (None for a tensor that owns its storage)."""
        if not self._views:
            return None
        t = object.__new__(Tensor)
        t._storage = self._storage
        t._views = ()
        t._cached = None
        t._generation = 0
        t._writeable = True
        return t

    # -- conversion -----------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the data, on the host (also for CUDA tensors)."""
        array = self._array()
        device = self._lamina_read().device
        return device.from_device(array).copy() if device.kind == "cpu" else device.from_device(
            array
        )

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
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
        elif array.flags.writeable:
            # The data is shared with lamina's immutable graph: hand out a read-only view.
            array = array.view()
            array.flags.writeable = False
        if dtype is not None and np.dtype(dtype) != array.dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            array = array.astype(dtype)
        return array

    def to(self, device: Any) -> Tensor:
        """This tensor on ``device`` ('cpu', 'cuda', 'cuda:1' or a Device); a copy if it moves."""
        return _lnp.asarray(self, device=device)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def item(self, *index: Any) -> Any:
        if index:
            return self[index if len(index) > 1 else index[0]].item()
        if self.size != 1:
            raise LaminaValueError(
                f"Tensor.item(): can only convert a tensor of size 1 to a Python scalar; this "
                f"one has shape {self.shape}. Index it first, e.g. t[0].item(), or use t.tolist()."
            )
        return self._array().reshape(()).item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        if self.dtype.kind not in "biu" or self.ndim != 0:
            raise LaminaTypeError(
                "only integer scalar tensors can be converted to a scalar index "
                f"(got shape {self.shape}, dtype {self.dtype})"
            )
        return int(self._array())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise LaminaValueError(
                "The truth value of a tensor with more than one element is ambiguous. Use "
                "a.any() or a.all()" if self.size else
                "The truth value of an empty tensor is ambiguous. Use a.size > 0 to check "
                "that a tensor is not empty."
            )
        return bool(self._array().reshape(()))

    def _scalar(self, what: str) -> Any:
        if self.size != 1:
            raise LaminaTypeError(
                f"only tensors of size 1 can be converted to Python scalars ({what}() of a "
                f"tensor of shape {self.shape}); reduce it first, e.g. t.sum(), or index it."
            )
        return self._array().reshape(()).item()

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise _unsized("len()")
        return shape[0]

    def __iter__(self):
        shape = self.shape
        if not shape:
            raise LaminaTypeError("iteration over a 0-d tensor")
        for i in range(shape[0]):
            yield self[i]

    def __repr__(self) -> str:
        array = np.asarray(self.device.from_device(self._array()))
        prefix = "Tensor("
        body = np.array2string(array, separator=", ", prefix=prefix)
        extras = []
        if array.dtype not in _DEFAULT_DTYPES or (array.size == 0 and array.dtype != np.float64):
            extras.append(f"dtype={array.dtype}")
        extras.append(f"device='{self.device}'")
        return f"{prefix}{body}, {', '.join(extras)})"

    def __str__(self) -> str:
        return str(np.asarray(self.device.from_device(self._array())))

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        return format(str(self), spec)

    __hash__ = None  # mutable, like numpy.ndarray

    def __copy__(self) -> Tensor:
        return self.copy()

    def __deepcopy__(self, memo: dict) -> Tensor:
        return self.copy()

    def __reduce__(self):
        return (_rebuild, (self.numpy(), str(self.device)))

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
        _lnp.copyto(self, value, casting="unsafe")


_DEFAULT_DTYPES = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_),
                   np.dtype(np.complex128))


def _shape_of(value: Any) -> tuple:
    return value.shape


def _rebuild(array: np.ndarray, device: str) -> Tensor:
    return _lnp.asarray(array, device=device)


def wrap(value: Any) -> Tensor:
    """A new handle (own storage) on a value."""
    return Tensor._from_value(value)


# -- operators and methods, delegated to lamina.numpy by name --------------------------------
# NOTE [one signature per op]: Tensor methods call the lamina.numpy function of the same name,
# so each op's signature, checks and errors live in one place.

_PY_SCALARS = (bool, int, float, complex)


def _binary(name: str, reflected: bool = False):
    # NOTE [operator fast path]: tensor-tensor and tensor-scalar operators skip the public
    # function's argument handling (out=, dtype=, array-likes); anything else takes it.
    from lamina.ops.elementwise import BINARY, binary_values  # noqa: PLC0415

    prim = BINARY.get(name)

    def op(self, other):
        a = self._lamina_read() if self._views else self._storage.value
        kind = type(other)
        if prim is not None and (kind is Tensor or kind in _PY_SCALARS):
            b = other if kind is not Tensor else (
                other._lamina_read() if other._views else other._storage.value)
            value = binary_values(prim, b, a) if reflected else binary_values(prim, a, b)
            t = object.__new__(Tensor)
            t._storage = Storage(value)
            t._views = ()
            t._cached = None
            t._generation = 0
            t._writeable = True
            return t
        fn = getattr(_lnp, name)
        return fn(other, self) if reflected else fn(self, other)

    op.__name__ = f"__{'r' if reflected else ''}{name}__"
    return op


def _inplace(name: str):
    def op(self, other):
        getattr(_lnp, name)(self, other, out=self)
        return self

    op.__name__ = f"__i{name}__"
    return op


def _unary(name: str):
    def op(self):
        return getattr(_lnp, name)(self)

    return op


def _method(name: str):
    def method(self, *args, **kwargs):
        return getattr(_lnp, name)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"Same as ``lamina.numpy.{name}(self, ...)``."
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

_METHODS = (
    "all any argmax argmin argsort astype clip conj conjugate copy cumprod cumsum diagonal dot "
    "max mean min nonzero prod ptp ravel repeat reshape round searchsorted squeeze std sum "
    "swapaxes take trace transpose var"
).split()
for _name in _METHODS:
    setattr(Tensor, _name, _method(_name))


def _reshape_method(self, *shape, order="C", copy=None):
    # ndarray.reshape accepts both t.reshape(2, 3) and t.reshape((2, 3)).
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return _lnp.reshape(self, shape, order=order, copy=copy)


def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], numbers.Integral)):
        axes = axes[0]
    return _lnp.transpose(self, axes if axes != () else None)


Tensor.reshape = _reshape_method
Tensor.transpose = _transpose_method


def _astype_method(self, dtype, copy=True):
    return _lnp.astype(self, dtype, copy=copy)


Tensor.astype = _astype_method


def _sort_method(self, axis=-1, kind=None, order=None):
    """Sort in place, as ``ndarray.sort`` (``lamina.numpy.sort`` returns a sorted copy)."""
    self[...] = _lnp.sort(self, axis=axis, kind=kind)


def _flatten_method(self, order="C"):
    """A flattened copy (``ravel`` gives a view where it can)."""
    return _lnp.ravel(self, order=order).copy()


Tensor.sort = _sort_method
Tensor.flatten = _flatten_method

# Late imports: these modules use Tensor, and Tensor's methods use them at call time.
import lamina.numpy as _lnp  # noqa: E402
from lamina.numpy import _indexing, _protocols  # noqa: E402
