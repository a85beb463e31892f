"""Creation primitives: filled arrays, transfers between devices, ranges.

Filled arrays (``zeros``, ``ones``, ``full``) are a 0-d constant broadcast to the shape: values
are immutable, so the broadcast is never written through, and an in-place op on the handle
makes a fresh array (NOTE [storages and views]). ``device_put`` moves data between devices; it
runs at once (it is the one op whose input and output live on different devices).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.lazy.devices import Device
from lamina.ops.common import check_dtype
from lamina.ops.shape import broadcast_value

__all__ = ["full_value", "device_put_p", "device_put"]


def full_value(shape: tuple, fill: Any, dtype: Any, device: Device) -> Any:
    """A value of ``shape`` filled with the Python scalar ``fill``."""
    from lamina.lazy.graph import constant  # noqa: PLC0415

    dt = check_dtype(dtype, "full")
    return broadcast_value(constant(fill, dt, device), tuple(shape))


def _device_put_impl(xp, x, *, device):
    return device.to_device(x)


device_put_p = Primitive(
    "device_put", _device_put_impl, lambda x, *, device: (x.shape, x.dtype), lazy=False
)


def device_put(x: Any, device: Device) -> Any:
    return x if x.device is device else bind(device_put_p, x, device=device)


def _check_shape(shape: Any, what: str) -> tuple:
    from lamina.errors import LaminaTypeError, LaminaValueError  # noqa: PLC0415

    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise LaminaTypeError(
            f"{what}: shape must be an int or a sequence of ints, got {shape!r}"
        ) from None
    if any(d < 0 for d in shape):
        raise LaminaValueError(f"{what}: negative dimensions are not allowed (shape {shape})")
    return shape
