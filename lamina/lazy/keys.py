"""Cache keys for op params and scalar constants (NOTE [param keys]).

NOTE [param keys]: the lazy backend caches by params (the constant cache, shape rules,
the compile cache). Python's ``==`` is the wrong equality for those
keys: ``0.0 == -0.0``, ``1 == 1.0 == True`` and ``np.float32(1) == 1.0`` all hold although the
values compute different things (``arctan2(-0.0, -1)`` is -pi, ``x * 1.0`` has another dtype
than ``x * True``), and ``nan != nan`` makes a key holding NaN miss every time (a fresh entry
per call). ``param_key`` turns a value into a key whose ``==`` is "computes the same":

- ``float`` and ``complex``: the type with the bit pattern (``float.hex`` of each part), so
  the sign of zero counts and every NaN equals every other NaN;
- ``bool``: a key of its own (``True`` is not ``1``);
- NumPy scalars: their dtype and bytes;
- tuples and frozensets: their elements' keys (a tuple subclass, e.g. a namedtuple, keeps its
  type);
- everything else (ints, strings, None, dtypes, devices, primitives): the value itself.

Keys of converted values are tuples that start with ``_TAG``, an object no user value can
hold, so they never equal a plain value. ``params_key`` keys a params dict; most dicts hold
only ints, strings, None and dtypes, and then cost one scan and no allocation beyond the tuple
of items that the caches already built (the hot path runs once per op).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.lazy.devices import Device

__all__ = ["param_key", "params_key", "scalar_key"]


class _Tag:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<param key>"


_TAG = _Tag()
_TRUE = (_TAG, bool, True)
_FALSE = (_TAG, bool, False)

# Types whose == already means "computes the same": their values are their own keys. Types
# that compare by identity are added when first seen (``_plain``).
_PLAIN: set = {int, str, type(None), type(Ellipsis), _Tag, Device}


def _plain(kind: type) -> bool:
    if kind in _PLAIN:
        return True
    if issubclass(kind, np.dtype) or kind.__eq__ is object.__eq__:
        _PLAIN.add(kind)  # a dtype class, or a type compared by identity (set.add is atomic)
        return True
    return False


def param_key(value: Any) -> Any:
    """A key for ``value`` that tells apart what ``==`` confuses (NOTE [param keys]).

    >>> param_key(0.0) == param_key(-0.0), param_key(1) == param_key(True)
    (False, False)
    >>> param_key(float("nan")) == param_key(float("nan"))
    True
    >>> param_key((1, 2))
    (1, 2)
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is float:
        return (_TAG, float, value.hex())
    if kind is complex:
        return (_TAG, complex, value.real.hex(), value.imag.hex())
    if kind is tuple:
        if _all_plain(value):
            return value
        return (_TAG, tuple, tuple([param_key(v) for v in value]))
    if kind is frozenset:
        return (_TAG, frozenset, frozenset([param_key(v) for v in value]))
    if isinstance(value, np.generic):
        return (_TAG, value.dtype, value.tobytes())
    if isinstance(value, tuple):  # a namedtuple: its type and its elements
        return (_TAG, kind, tuple([param_key(v) for v in value]))
    _plain(kind)
    return value


def _all_plain(values: tuple) -> bool:
    for v in values:
        kind = type(v)
        if kind in _PLAIN or (kind is tuple and _all_plain(v)) or _plain(kind):
            continue
        return False
    return True


def params_key(params: dict) -> tuple:
    """The key of a params dict (NOTE [param keys]).

    The hot path (once per op): a dict of ints, strings, None, dtypes and tuples of those is
    its own items; one with bools or floats other than zero and NaN adds the values' types
    (``True`` is not ``1``, ``1.0`` is not ``1``); anything else keys each value with
    ``param_key``. The three shapes of key never equal each other.

    >>> params_key({"axis": (0,), "keepdims": False}) == params_key({"axis": (0,),
    ...                                                               "keepdims": 0})
    False
    """
    if not params:
        return ()
    typed = False
    for v in params.values():
        kind = type(v)
        if kind in _PLAIN:
            continue
        if kind is bool or (kind is float and v == v and v != 0.0):
            typed = True
            continue
        if (kind is tuple and _all_plain(v)) or _plain(kind):
            continue
        return tuple([(k, param_key(v)) for k, v in params.items()])
    if typed:
        return (tuple(params.items()), tuple(map(type, params.values())))
    return tuple(params.items())


def scalar_key(value: Any) -> Any:
    """``param_key`` for a Python scalar, fast for the common values (the constant cache).

    >>> scalar_key(0.5) == scalar_key(0.5), scalar_key(0.0) == scalar_key(-0.0)
    (True, False)
    """
    kind = type(value)
    if (kind is float and value == value and value != 0.0) or kind is int:
        return (kind, value)
    return param_key(value)
