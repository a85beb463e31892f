"""Devices: where a tensor's data lives and which array module computes on it.

``Device("cpu")`` computes with NumPy, ``Device("cuda")`` / ``Device("cuda:N")`` with CuPy on GPU
N. Devices are interned, so ``Device("cuda") is Device("cuda:0")``: the lazy backend compares
devices with ``is`` and uses them in its cache keys. CuPy is imported only when a CUDA device
is asked for, so every CPU feature works with CuPy absent.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from lamina.errors import DeviceError

__all__ = ["Device", "as_device", "device_of_array", "cupy_or_none"]

_cupy: Any = None
_cupy_checked = False


def cupy_or_none():
    """The ``cupy`` module if it imports, else None (checked once)."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy  # noqa: PLC0415 - optional dependency, imported on first need

            _cupy = cupy
        except Exception:  # ImportError, or a CuPy that cannot find its CUDA libraries
            _cupy = None
    return _cupy


class Device:
    """A place to compute: ``Device("cpu")`` (NumPy) or ``Device("cuda:N")`` (CuPy).

    >>> Device("cpu")
    Device('cpu')
    >>> Device("cpu") is Device("cpu")
    True
    """

    __slots__ = ("kind", "index", "xp", "__weakref__")
    _interned: dict[tuple[str, int], Device] = {}

    kind: str
    index: int
    xp: Any

    def __new__(cls, spec: str | Device = "cpu") -> Device:
        if isinstance(spec, Device):
            return spec
        kind, index = _parse(spec)
        dev = cls._interned.get((kind, index))
        if dev is None:
            dev = object.__new__(cls)
            dev.kind, dev.index = kind, index
            dev.xp = np if kind == "cpu" else _cuda_module(index)
            cls._interned[(kind, index)] = dev
        return dev

    def __repr__(self) -> str:
        return f"Device({str(self)!r})"

    def __str__(self) -> str:
        return "cpu" if self.kind == "cpu" else f"cuda:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                return Device(other) is self
            except (DeviceError, ValueError):
                return False
        return other is self

    # Devices are interned (one object per device), so identity is equality: the C-level
    # identity hash keeps cache keys that hold a device cheap to hash.
    __hash__ = object.__hash__

    def __reduce__(self):
        return (Device, (str(self),))

    # The small backend interface of DESIGN.md section 4 (to_device / from_device / scope).

    def to_device(self, array: Any) -> Any:
        """Return ``array`` (NumPy or CuPy) as an array of this device's module.

        It is copied between host and GPU when it moves; an array already on this device
        comes back as it is. Users move tensors with ``t.to(device)``; this is the backend's
        step.

        >>> import numpy as np
        >>> import lamina as lm
        >>> a = np.arange(3)
        >>> lm.Device("cpu").to_device(a) is a
        True
        """
        if self.kind == "cpu":
            if isinstance(array, np.ndarray):
                return array
            return array.get() if hasattr(array, "get") else np.asarray(array)
        with self.xp.cuda.Device(self.index):
            if getattr(array, "ndim", None) == 0 and isinstance(array, np.ndarray):
                # NOTE [signed zeros on CuPy]: CuPy makes a 0-d array from a host scalar with
                # ``fill``, which writes any value equal to 0 as a memset: -0.0 would arrive
                # as 0.0 (and 1 / (x * -0.0) give +inf). Arrays of one or more dimensions are
                # copied byte for byte, so a 0-d array travels as shape (1,).
                return self.xp.asarray(array.reshape(1)).reshape(())
            return self.xp.asarray(array)

    def from_device(self, array: Any) -> np.ndarray:
        """Return an array of this device as a NumPy array on the host.

        A CuPy array is copied to the host; on the CPU the array comes back as it is (users
        call ``t.numpy()``, which also copies).

        >>> import numpy as np
        >>> import lamina as lm
        >>> lm.Device("cpu").from_device(np.ones(2))
        array([1., 1.])
        """
        return array if self.kind == "cpu" else array.get()

    def scope(self):
        """A context in which kernels run on this device (a no-op on the CPU).

        On ``cuda:N`` it makes GPU N CuPy's current device, so arrays and kernels made inside
        land there. Together with ``xp``, ``to_device`` and ``from_device`` it is the whole
        interface the lazy backend uses:

        >>> import numpy as np
        >>> import lamina as lm
        >>> dev = lm.Device("cpu")
        >>> with dev.scope():
        ...     out = dev.xp.add(dev.to_device(np.ones(2)), 1.0)
        >>> dev.from_device(out)
        array([2., 2.])
        """
        if self.kind == "cpu":
            return contextlib.nullcontext()
        return self.xp.cuda.Device(self.index)


def _parse(spec: Any) -> tuple[str, int]:
    if not isinstance(spec, str):
        raise TypeError(
            f"Device({spec!r}): a device is given as a string such as 'cpu', 'cuda' or "
            f"'cuda:1', or as a lamina.Device; got {type(spec).__name__}."
        )
    text = spec.strip().lower()
    if text == "cpu":
        return "cpu", 0
    if text in ("cuda", "gpu"):
        return "cuda", 0
    if text.startswith(("cuda:", "gpu:")):
        number = text.split(":", 1)[1]
        if number.isdigit():
            return "cuda", int(number)
    raise ValueError(
        f"Device({spec!r}): unknown device. Use 'cpu' (NumPy), 'cuda' or 'cuda:N' (CuPy on GPU N)."
    )


def _cuda_module(index: int):
    cupy = cupy_or_none()
    if cupy is None:
        raise DeviceError(
            f"Device('cuda:{index}') needs CuPy, which is not installed (or failed to import). "
            "Install it with `pip install lamina[cuda]` (or the cupy-cudaXXx wheel matching your "
            "CUDA), or use Device('cpu')."
        )
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken
        raise DeviceError(
            f"Device('cuda:{index}'): CuPy is installed but no CUDA GPU can be used ({exc}). "
            "Use Device('cpu'), or run on a machine with an NVIDIA GPU and driver."
        ) from None
    if index >= count:
        raise DeviceError(
            f"Device('cuda:{index}'): this machine has {count} CUDA GPU(s), numbered 0 to "
            f"{count - 1}."
        )
    return cupy


def as_device(spec: Any) -> Device:
    """Normalise a device argument (None means the default device)."""
    if spec is None:
        from lamina.config import config  # noqa: PLC0415 - config imports devices

        return Device(config.default_device)
    return Device(spec)


def device_of_array(array: Any) -> Device:
    """The device holding a NumPy or CuPy array."""
    if isinstance(array, np.ndarray | np.generic):
        return Device("cpu")
    return Device(f"cuda:{array.device.id}")
