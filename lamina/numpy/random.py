"""``lamina.numpy.random``: random numbers on lamina tensors, shaped like ``numpy.random``.

>>> import lamina.numpy as lnp
>>> rng = lnp.random.default_rng(0)
>>> x = rng.normal(size=(2, 3))
>>> x.shape, x.dtype
((2, 3), dtype('float64'))
>>> sorted(rng.permutation(5).tolist())
[0, 1, 2, 3, 4]

A ``Generator`` keeps its state on the host and hands each draw a fresh key (NOTE [random
keys] in lamina/ops/random.py), so draws are lazy graph nodes like any op, and
``default_rng(seed)`` (or ``seed(s)`` for the module-level functions) reproduces the stream
across runs. Differences from NumPy: a draw with ``size=None`` returns a 0-d tensor rather than
a Python scalar, the streams are lamina's own (not NumPy's numbers for the same seed), and every
function that makes numbers from nothing takes ``device=``.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np

from lamina.errors import LaminaOverflowError, LaminaTypeError, LaminaValueError
from lamina.lazy.devices import Device, as_device
from lamina.lazy.graph import placeholder
from lamina.lazy.graph import tracing as _tracing
from lamina.numpy._handles import check_out, handle, value_of, write_out
from lamina.ops import creation as cr
from lamina.ops import elementwise as ew
from lamina.ops import indexing as ix
from lamina.ops import random as rnd
from lamina.ops.common import (
    as_index,
    common_device,
    is_scalar,
    normalize_axis,
    raise_device_mismatch,
)
from lamina.ops.shape import broadcast_value, reshape_value
from lamina.wrappers.tensor import Tensor

__all__ = [
    "Generator", "default_rng", "seed", "rand", "randn", "random", "random_sample",
    "uniform", "normal", "standard_normal", "integers", "randint", "choice", "permutation",
    "shuffle",
]




_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _seed_sequence(seed: Any, what: str) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        seed = seed.integers(0, 2**32, size=4, dtype=np.uint32)
    elif isinstance(seed, np.random.BitGenerator):
        seed = np.random.Generator(seed).integers(0, 2**32, size=4, dtype=np.uint32)
    elif isinstance(seed, Tensor):
        seed = seed.numpy()
    try:
        return np.random.SeedSequence(seed)
    except (TypeError, ValueError) as exc:
        raise LaminaValueError(
            f"{what}: cannot seed a generator with {seed!r} ({exc}). Use None (fresh entropy), "
            "a non-negative int, a sequence of them, or a numpy.random.SeedSequence."
        ) from None


def _size(size: Any, what: str) -> tuple:
    return () if size is None else cr._check_shape(size, what)


def _float_dtype(dtype: Any, what: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _FLOATS:
        raise LaminaTypeError(
            f"{what}: Unsupported dtype {dt!r} for {what.split('.')[-1]} (use float64 or "
            "float32)." if dt is not None else f"{what}: {dtype!r} is not a dtype."
        )
    return dt


def _host(x: Any) -> np.ndarray | None:
    """``x``'s data when it is at hand on the host (no evaluation, no transfer), else None."""
    if is_scalar(x) or isinstance(x, (np.generic, np.ndarray, list, tuple)):
        try:
            return np.asarray(x)
        except (TypeError, ValueError):
            return None
    if isinstance(x, Tensor):
        data = getattr(x._lamina_read(), "data", None)
        if isinstance(data, np.ndarray):
            return data
    return None


def _param(x: Any, what: str, device: Device | None) -> Any:
    """A distribution parameter: a Python float stays a scalar, arrays become float64 values."""
    if is_scalar(x) and not isinstance(x, complex):
        return float(x)
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return float(x)
    v = value_of(x, what, device)
    if v.dtype.kind not in "biuf":
        raise LaminaTypeError(f"{what}: parameters must be real numbers, got dtype {v.dtype}.")
    return ew.astype_value(v, np.float64) if v.dtype != np.float64 else v


def _param_device(params: list, device: Any, what: str) -> Device:
    """Where a draw lives: on its tensor parameters' device, else ``device`` or the default."""
    values = [p._lamina_read() for p in params if isinstance(p, Tensor)]
    found = common_device(values, what) if values else None
    if device is None:
        return found if found is not None else as_device(None)
    dev = as_device(device)
    if found is not None and found is not dev:
        raise_device_mismatch(what, found, dev)
    return dev


def _out_shape(size: Any, params: list, what: str) -> tuple:
    shapes = [p.shape for p in params if not isinstance(p, float)]
    try:
        bshape = tuple(np.broadcast_shapes(*shapes)) if shapes else ()
    except ValueError:
        bshape = None
    if size is None:
        if bshape is None:
            raise LaminaValueError(
                f"{what}: shape mismatch: the parameters (shapes "
                f"{', '.join(str(s) for s in shapes)}) cannot be broadcast to a single shape."
            )
        return bshape
    shape = _size(size, what)
    try:
        ok = tuple(np.broadcast_shapes(shape, *shapes)) == shape
    except ValueError:
        ok = False
    if not ok:
        raise LaminaValueError(
            f"{what}: shape mismatch: objects cannot be broadcast to a single shape. The "
            f"parameters (shapes {', '.join(str(s) for s in shapes)}) must broadcast to "
            f"size={shape}."
        )
    return shape


def _affine(draw: Any, offset: Any, scale: Any, shape: tuple) -> Any:
    """``offset + scale * draw`` in lamina ops (differentiable in offset and scale)."""
    out = draw
    if not (isinstance(scale, float) and scale == 1.0):
        out = ew.apply_ufunc(ew.multiply_p, scale, out)
    if not (isinstance(offset, float) and offset == 0.0):
        out = ew.apply_ufunc(ew.add_p, offset, out)
    return out if out.shape == shape else broadcast_value(out, shape)


def _take(value: Any, idx: Any, axis: int) -> Any:
    """``value`` indexed by the integer array ``idx`` along ``axis`` (a gather: a copy)."""
    index = (("slice", None, None, None),) * axis + (("array", 0),)
    return ix.gather_p.bind(value, idx, index=index)


class Generator:
    """A stream of random numbers, like ``numpy.random.Generator`` (make one with
    ``default_rng``).

    Each draw takes a fresh key spawned from the seed (NOTE [random keys]); the methods return
    lamina tensors and take ``device=`` where nothing else says where the numbers live.

    >>> import lamina.numpy as lnp
    >>> a = lnp.random.default_rng(7).random(3)
    >>> b = lnp.random.default_rng(7).random(3)
    >>> a.tolist() == b.tolist()
    True
    """

    def __init__(self, seed: Any = None) -> None:
        self._seed_seq = _seed_sequence(seed, "Generator")

    def __repr__(self) -> str:
        return f"Generator(entropy={self._seed_seq.entropy})"

    def _key(self, device: Device) -> Any:
        if _tracing.active:
            # NOTE [random draws in compiled functions] (lamina/transforms/compile.py): the
            # key is an input of the traced program, drawn from this generator at each call.
            key = placeholder(rnd.KEY_SHAPE, rnd.KEY_DTYPE, device)
            _tracing.keys.append((key, self))
            return key
        return rnd.key_value(self._next_words(), device)

    def _next_words(self) -> np.ndarray:
        """The two uint64 words of the next draw's key (advances this generator)."""
        return self._seed_seq.spawn(1)[0].generate_state(2, np.uint64)

    def spawn(self, n_children: int) -> list[Generator]:
        """``n_children`` independent generators (their streams do not overlap this one's).

        >>> import lamina.numpy as lnp
        >>> a, b = lnp.random.default_rng(0).spawn(2)
        >>> a.random(3).tolist() != b.random(3).tolist()
        True
        """
        return [Generator(s) for s in self._seed_seq.spawn(n_children)]

    # -- floats in [0, 1) and standard normals ---------------------------------------------

    def _standard(self, prim_draw, what: str, size: Any, dtype: Any, out: Any,
                  device: Any) -> Tensor:
        dt = _float_dtype(dtype, what)
        target = check_out(out, what)
        if target is None:
            value = prim_draw(self._key(as_device(device)), _size(size, what), dt)
            return handle(value)
        if size is not None and _size(size, what) != target.shape:
            raise LaminaValueError(f"{what}: size must match out.shape when used together")
        if target.dtype != dt:
            raise LaminaTypeError(
                f"{what}: Supplied output array has the wrong type: dtype {target.dtype}, "
                f"expected {dt} (pass dtype={target.dtype} or an 'out' of dtype {dt})."
            )
        value = prim_draw(self._key(target.device), target.shape, dt)
        return write_out(target, value, what)

    def random(self, size: Any = None, dtype: Any = np.float64, out: Any = None, *,
               device: Any = None) -> Tensor:
        """Uniform floats in ``[0, 1)`` (float64 or float32).

        >>> import lamina.numpy as lnp
        >>> x = lnp.random.default_rng(0).random((2, 3), dtype="float32")
        >>> x.shape, x.dtype
        ((2, 3), dtype('float32'))
        >>> bool(((x >= 0) & (x < 1)).all())
        True
        """
        return self._standard(rnd.uniform01, "Generator.random", size, dtype, out, device)

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, out: Any = None, *,
                        device: Any = None) -> Tensor:
        """Samples of the standard normal distribution (float64 or float32).

        >>> import lamina.numpy as lnp
        >>> x = lnp.random.default_rng(0).standard_normal(10_000)
        >>> abs(x.mean().item()) < 0.05, abs(x.std().item() - 1) < 0.05
        (True, True)
        """
        return self._standard(rnd.normal01, "Generator.standard_normal", size, dtype, out,
                              device)

    # -- distributions with parameters ------------------------------------------------------

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, *,
                device: Any = None) -> Tensor:
        """Uniform floats in ``[low, high)``; ``low``/``high`` may be arrays (they broadcast).

        >>> import lamina.numpy as lnp
        >>> x = lnp.random.default_rng(0).uniform(lnp.asarray([0.0, 10.0]), 11.0, size=(100, 2))
        >>> x.shape, bool((x[:, 1] >= 10).all())
        ((100, 2), True)
        """
        what = "Generator.uniform"
        dev = _param_device([low, high], device, what)
        lo, hi = _param(low, what, dev), _param(high, what, dev)
        if isinstance(lo, float) and isinstance(hi, float):
            if not np.isfinite(hi - lo):
                raise LaminaOverflowError(
                    f"{what}: high - low range exceeds valid bounds (low={lo}, high={hi})."
                )
            width: Any = hi - lo
        else:
            width = ew.apply_ufunc(ew.subtract_p, hi, lo)
        shape = _out_shape(size, [lo, hi], what)
        draw = rnd.uniform01(self._key(dev), shape, np.float64)
        return handle(_affine(draw, lo, width, shape))

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *,
               device: Any = None) -> Tensor:
        """Normal samples with mean ``loc`` and standard deviation ``scale`` (may be arrays).

        >>> import lamina.numpy as lnp
        >>> x = lnp.random.default_rng(0).normal(loc=5.0, scale=0.1, size=(1000,))
        >>> x.shape, round(x.mean().item())
        ((1000,), 5)
        """
        what = "Generator.normal"
        dev = _param_device([loc, scale], device, what)
        mu, sigma = _param(loc, what, dev), _param(scale, what, dev)
        data = _host(scale)
        if data is not None and data.size and np.any(data < 0):
            raise LaminaValueError(f"{what}: scale < 0 (a standard deviation is non-negative).")
        shape = _out_shape(size, [mu, sigma], what)
        draw = rnd.normal01(self._key(dev), shape, np.float64)
        return handle(_affine(draw, mu, sigma, shape))

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, *, device: Any = None) -> Tensor:
        """Random integers in ``[low, high)`` (``[low, high]`` with ``endpoint=True``).

        With one bound, ``integers(n)`` draws from ``[0, n)``. Bounds may be arrays.

        >>> import lamina.numpy as lnp
        >>> r = lnp.random.default_rng(0).integers(1, 7, size=1000)   # dice
        >>> r.dtype, sorted(set(r.tolist()))
        (dtype('int64'), [1, 2, 3, 4, 5, 6])
        """
        return self._integers("Generator.integers", low, high, size, dtype, endpoint, device)

    def _integers(self, what: str, low: Any, high: Any, size: Any, dtype: Any,
                  endpoint: bool, device: Any) -> Tensor:
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise LaminaTypeError(f"{what}: {dtype!r} is not a dtype.") from None
        if dt.kind not in "iub":
            raise LaminaTypeError(
                f"{what}: Unsupported dtype {dt!r} for integers (use an integer dtype or "
                "bool; for floats use uniform)."
            )
        one_bound = high is None
        if one_bound:
            low, high = 0, low
        info = (0, 1) if dt.kind == "b" else (int(np.iinfo(dt).min), int(np.iinfo(dt).max))
        if _is_int_scalar(low) and _is_int_scalar(high):
            lo, hi = operator.index(_item(low)), operator.index(_item(high))
            top = hi if endpoint else hi - 1
            if lo > top:
                raise LaminaValueError(
                    f"{what}: high <= 0" if one_bound and not endpoint else
                    f"{what}: low > high" if endpoint else f"{what}: low >= high"
                )
            if lo < info[0]:
                raise LaminaValueError(f"{what}: low is out of bounds for {dt}")
            if top > info[1]:
                raise LaminaValueError(f"{what}: high is out of bounds for {dt}")
            shape = _size(size, what)
            return handle(rnd.integers(self._key(as_device(device)), lo, top, shape, dt))
        # Array bounds: a uniform float draw scaled to each [low, high) (exact below 2**53).
        dev = _param_device([low, high], device, what)
        bounds = []
        for x in (low, high):
            data = _host(x)
            if data is not None and data.dtype.kind not in "biu":
                raise LaminaTypeError(f"{what}: bounds must be integers, got dtype {data.dtype}.")
            bounds.append(data)
        if bounds[0] is not None and bounds[1] is not None:
            top = bounds[1] if endpoint else bounds[1] - 1
            if np.any(bounds[0] > top):
                raise LaminaValueError(
                    f"{what}: low > high" if endpoint else f"{what}: low >= high"
                )
        lo = value_of(low, what, dev)
        hi = value_of(high, what, dev)
        lo = ew.astype_value(lo, np.float64)
        width = ew.apply_ufunc(ew.subtract_p, ew.astype_value(hi, np.float64), lo)
        if endpoint:
            width = ew.apply_ufunc(ew.add_p, width, 1.0)
        shape = _out_shape(size, [lo, width], what)
        u = rnd.uniform01(self._key(dev), shape, np.float64)
        r = ew.apply_ufunc(ew.floor_p, ew.apply_ufunc(ew.multiply_p, u, width))
        r = ew.apply_ufunc(ew.minimum_p, r, ew.apply_ufunc(ew.subtract_p, width, 1.0))
        out = ew.apply_ufunc(ew.add_p, r, lo)
        return handle(broadcast_value(ew.astype_value(out, dt), shape))

    # -- sampling from a population ----------------------------------------------------------

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None,
               axis: int = 0, shuffle: bool = True, *, device: Any = None) -> Tensor:
        """Samples from ``a`` (an int ``n`` means ``arange(n)``), optionally weighted by ``p``.

        Without replacement the samples are distinct entries of ``a``.

        >>> import lamina.numpy as lnp
        >>> rng = lnp.random.default_rng(0)
        >>> sorted(rng.choice(5, size=5, replace=False).tolist())
        [0, 1, 2, 3, 4]
        >>> rng.choice(lnp.asarray([10, 20, 30]), size=4, p=[0.0, 1.0, 0.0])
        Tensor([20, 20, 20, 20], device='cpu')
        """
        what = "Generator.choice"
        population = None
        if isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, bool):
            n = operator.index(a)
        else:
            if isinstance(a, Tensor):
                population = a._lamina_read()
            elif isinstance(a, (np.ndarray, list, tuple)):
                population = value_of(a, what, None if device is None else as_device(device))
            else:
                raise LaminaValueError(
                    f"{what}: a must be a sequence or an integer, not {type(a).__name__}."
                )
            if population.shape == ():
                if population.dtype.kind not in "iu":
                    raise LaminaValueError(f"{what}: a must be a sequence or an integer.")
                n, population = int(handle(population).item()), None
            else:
                axis = normalize_axis(axis, len(population.shape), what)
                n = population.shape[axis]
        shape = _size(size, what)
        k = int(np.prod(shape))
        if population is None and n <= 0 and k:
            raise LaminaValueError(
                f"{what}: a must be a positive integer unless no samples are taken (got {n})."
            )
        if population is not None and n == 0 and k:
            raise LaminaValueError(f"{what}: a cannot be empty unless no samples are taken.")
        if not replace and k > n:
            raise LaminaValueError(
                f"{what}: Cannot take a larger sample than population when replace is False "
                f"({k} samples from {n})."
            )
        dev = population.device if population is not None else as_device(device)
        if p is not None:
            pv = value_of(p, what, dev)
            if len(pv.shape) != 1:
                raise LaminaValueError(f"{what}: p must be 1-dimensional (got shape {pv.shape}).")
            if pv.shape[0] != n:
                raise LaminaValueError(
                    f"{what}: a and p must have same size ({n} and {pv.shape[0]})."
                )
            if pv.dtype.kind not in "biuf":
                raise LaminaTypeError(f"{what}: p must hold real numbers, got dtype {pv.dtype}.")
            data = _host(p)
            if data is not None:
                data = data.astype(np.float64)
                if np.any(data < 0):
                    raise LaminaValueError(f"{what}: Probabilities are not non-negative")
                if abs(data.sum() - 1.0) > np.sqrt(np.finfo(np.float64).eps):
                    raise LaminaValueError(
                        f"{what}: Probabilities do not sum to 1 (they sum to {data.sum()}). "
                        "Normalise them first, e.g. p / p.sum()."
                    )
                if not replace and np.count_nonzero(data) < k:
                    raise LaminaValueError(f"{what}: Fewer non-zero entries in p than size")
            idx = rnd.choice_indices(self._key(dev), pv, shape, replace)
        elif k == 0:
            idx = cr.full_value(shape, 0, np.int64, dev)
        elif replace:
            idx = rnd.integers(self._key(dev), 0, n - 1, shape, np.int64)
        else:
            perm = rnd.permutation_indices(self._key(dev), n)
            first = ix.getitem_p.bind(perm, index=(("slice", 0, k, None),))
            idx = reshape_value(first, shape)
        if population is None:
            return handle(idx)
        return handle(_take(population, idx, axis))

    def permutation(self, x: Any, axis: int = 0, *, device: Any = None) -> Tensor:
        """A permuted ``arange(x)`` for an int ``x``; else a copy of ``x`` shuffled along
        ``axis``.

        >>> import lamina.numpy as lnp
        >>> rng = lnp.random.default_rng(0)
        >>> sorted(rng.permutation(4).tolist())
        [0, 1, 2, 3]
        >>> sorted(rng.permutation(lnp.asarray([[1, 2], [3, 4]])).tolist())   # whole rows move
        [[1, 2], [3, 4]]
        """
        what = "Generator.permutation"
        if isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, bool):
            n = operator.index(x)
            if n < 0:
                raise LaminaValueError(f"{what}: negative dimensions are not allowed (x={n}).")
            return handle(rnd.permutation_indices(self._key(as_device(device)), n))
        value = value_of(x, what, None if device is None else as_device(device))
        ax = normalize_axis(axis, len(value.shape), what)
        perm = rnd.permutation_indices(self._key(value.device), value.shape[ax])
        return handle(_take(value, perm, ax))

    def shuffle(self, x: Any, axis: int = 0) -> None:
        """Shuffle the tensor ``x`` in place along ``axis``; views of ``x`` see the change.

        >>> import lamina.numpy as lnp
        >>> x = lnp.arange(5)
        >>> lnp.random.default_rng(0).shuffle(x)
        >>> sorted(x.tolist())
        [0, 1, 2, 3, 4]
        """
        what = "Generator.shuffle"
        if isinstance(x, np.ndarray):
            x[...] = self.permutation(x, axis).numpy()
            return
        if type(x) is not Tensor:
            raise LaminaTypeError(
                f"{what}: x must be a lamina Tensor (it is shuffled in place), got "
                f"{type(x).__name__}. Use permutation(x) for a shuffled copy."
            )
        shuffled = self.permutation(x, axis)
        x[...] = shuffled


def _is_int_scalar(x: Any) -> bool:
    if isinstance(x, (numbers.Integral, np.integer)):
        return True
    return isinstance(x, (np.ndarray, Tensor)) and x.ndim == 0 and x.dtype.kind in "biu"


def _item(x: Any) -> Any:
    return x.item() if isinstance(x, (np.ndarray, Tensor, np.generic)) else x


def default_rng(seed: Any = None) -> Generator:
    """A new ``Generator`` (``seed``: None, an int, a sequence of ints, a SeedSequence, or a
    Generator, returned as it is).

    >>> import lamina.numpy as lnp
    >>> rng = lnp.random.default_rng(42)
    >>> rng.random(3).tolist() == lnp.random.default_rng(42).random(3).tolist()
    True
    >>> lnp.random.default_rng(rng) is rng
    True
    """
    if isinstance(seed, Generator):
        return seed
    return Generator(seed)


# --------------------------------------------------------------------------------------------
# The legacy module-level functions, drawing from one global Generator that seed() resets.

_global = Generator()


def seed(seed: Any = None) -> None:  # noqa: A001 - NumPy's name
    """Reset the global generator behind the module-level functions (None: fresh entropy).

    >>> import lamina.numpy as lnp
    >>> lnp.random.seed(42)
    >>> a = lnp.random.rand(3)
    >>> lnp.random.seed(42)
    >>> lnp.random.rand(3).tolist() == a.tolist()
    True
    >>> lnp.random.seed()    # back to fresh entropy
    """
    # In place: a compiled function that draws from the module-level functions keeps drawing
    # from the global generator after a reseed.
    _global._seed_seq = _seed_sequence(seed, "seed")


def _shape_args(args: tuple, what: str) -> tuple:
    dims = []
    for d in args:
        index = as_index(d)  # NOTE [integer arguments] (lamina/ops/common.py)
        if index is None:
            raise LaminaTypeError(
                f"{what}: '{type(d).__name__}' object cannot be interpreted as an integer "
                f"(pass the dimensions as separate ints: {what.split('.')[-1]}(2, 3))."
            )
        dims.append(index)
    return _size(tuple(dims), what)


def rand(*args: int, device: Any = None) -> Tensor:
    """Uniform floats in ``[0, 1)`` of shape ``args``: ``rand(2, 3)``.

    >>> import lamina.numpy as lnp
    >>> x = lnp.random.rand(2, 3)
    >>> x.shape, bool(((x >= 0) & (x < 1)).all())
    ((2, 3), True)
    """
    return _global.random(_shape_args(args, "random.rand"), device=device)


def randn(*args: int, device: Any = None) -> Tensor:
    """Standard normal samples of shape ``args``: ``randn(2, 3)``.

    >>> import lamina.numpy as lnp
    >>> lnp.random.randn(2, 3).shape
    (2, 3)
    """
    return _global.standard_normal(_shape_args(args, "random.randn"), device=device)


def random(size: Any = None, *, device: Any = None) -> Tensor:
    """Uniform floats in ``[0, 1)``.

    >>> import lamina.numpy as lnp
    >>> x = lnp.random.random((4,))
    >>> x.shape, x.dtype
    ((4,), dtype('float64'))
    """
    return _global.random(size, device=device)


random_sample = random


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, *, device: Any = None) -> Tensor:
    """Uniform floats in ``[low, high)``.

    >>> import lamina.numpy as lnp
    >>> x = lnp.random.uniform(-1.0, 1.0, size=100)
    >>> bool(((x >= -1) & (x < 1)).all())
    True
    """
    return _global.uniform(low, high, size, device=device)


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, device: Any = None) -> Tensor:
    """Normal samples with mean ``loc`` and standard deviation ``scale``.

    >>> import lamina.numpy as lnp
    >>> lnp.random.normal(0.0, 2.0, size=(3, 2)).shape
    (3, 2)
    """
    return _global.normal(loc, scale, size, device=device)


def standard_normal(size: Any = None, *, device: Any = None) -> Tensor:
    """Standard normal samples.

    >>> import lamina.numpy as lnp
    >>> lnp.random.standard_normal((2, 2)).dtype
    dtype('float64')
    """
    return _global.standard_normal(size, device=device)


def randint(low: Any, high: Any = None, size: Any = None, dtype: Any = int, *,
            device: Any = None) -> Tensor:
    """Random integers in ``[low, high)`` (``[0, low)`` with one bound), like NumPy's legacy
    ``randint``.

    >>> import lamina.numpy as lnp
    >>> r = lnp.random.randint(3, size=100)
    >>> r.dtype, set(r.tolist()) <= {0, 1, 2}
    (dtype('int64'), True)
    """
    return _global._integers("random.randint", low, high, size, dtype, False, device)


def integers(low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
             endpoint: bool = False, *, device: Any = None) -> Tensor:
    """Random integers, as ``Generator.integers``, from the global generator.

    >>> import lamina.numpy as lnp
    >>> r = lnp.random.integers(0, 3, size=100, endpoint=True)
    >>> set(r.tolist()) <= {0, 1, 2, 3}
    True
    """
    return _global._integers("random.integers", low, high, size, dtype, endpoint, device)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, *,
           device: Any = None) -> Tensor:
    """Samples from ``a``, as ``Generator.choice``, from the global generator.

    >>> import lamina.numpy as lnp
    >>> lnp.random.choice([1, 2, 3], size=(2, 2)).shape
    (2, 2)
    """
    return _global.choice(a, size, replace, p, device=device)


def permutation(x: Any, *, device: Any = None) -> Tensor:
    """A permuted ``arange(x)``, or a shuffled copy of ``x`` along its first axis.

    >>> import lamina.numpy as lnp
    >>> sorted(lnp.random.permutation(lnp.asarray([3, 1, 2])).tolist())
    [1, 2, 3]
    """
    return _global.permutation(x, device=device)


def shuffle(x: Any) -> None:
    """Shuffle ``x`` in place along its first axis.

    >>> import lamina.numpy as lnp
    >>> x = lnp.arange(4)
    >>> lnp.random.shuffle(x)
    >>> sorted(x.tolist())
    [0, 1, 2, 3]
    """
    _global.shuffle(x)
