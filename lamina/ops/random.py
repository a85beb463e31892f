"""Random primitives: every draw is a pure function of a *key* operand.

NOTE [random keys]: a random primitive takes a small key array (two uint64 words) as its first
operand and static params (shape, dtype, bounds); its kernel builds a fresh generator from the
key on the device's array module and draws. Same key and params, same numbers; so random ops
are ordinary functional graph nodes: the lazy backend may cache, merge or re-run them, and the
compile cache key never holds the numbers (the key is a leaf, like any data). The *state* lives
on the host, in ``lamina.numpy.random.Generator``: each draw spawns a fresh key from a
``numpy.random.SeedSequence``, so ``default_rng(seed)`` reproduces its stream across runs.

NOTE [random under vmap]: these primitives (``random_uniform``, ``random_normal``,
``random_integers``, ``random_permutation``, ``random_choice``) are the ops the vmap issue must
see, whatever their operands: ``randomness="error"`` raises on them, ``"same"`` binds them once
unbatched, and ``"different"`` gives each batch element its own draw (e.g. draw with the batch
axis prepended to ``shape``, or batch the key operand). The vmap interpreter should list
them in its ``sees_every_op`` (core.Interpreter): their key operand is never batched, so the
step-aside fast path would otherwise hide them (``RANDOM_PRIMITIVES`` below lists them).

Distributions with array parameters (``normal(loc, scale)``, ``uniform(low, high)``) are
composites: a standard draw, then an affine map in lamina ops, so gradients flow to ``loc``,
``scale``, ``low`` and ``high`` through ordinary rules; the draws themselves are "no grad".

Kernels: NumPy draws with ``Generator(Philox(key=key))``; CuPy with a cuRAND Philox generator
seeded from the key. The streams of the two backends differ (as NumPy's and CuPy's do).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.lazy.devices import Device
from lamina.ops.common import prod

__all__ = [
    "KEY_SHAPE", "KEY_DTYPE", "key_value", "random_uniform_p", "random_normal_p",
    "random_integers_p", "random_permutation_p", "random_choice_p", "uniform01", "normal01",
    "integers", "permutation_indices", "choice_indices", "RANDOM_PRIMITIVES",
]

KEY_SHAPE = (2,)
KEY_DTYPE = np.dtype(np.uint64)


def key_value(words: np.ndarray, device: Device) -> Any:
    """A key leaf on ``device`` from two uint64 words made on the host."""
    from lamina.lazy.graph import from_array  # noqa: PLC0415

    words = np.ascontiguousarray(words, dtype=KEY_DTYPE).reshape(KEY_SHAPE)
    return from_array(device.to_device(words), device)


class _Draws:
    """The few draws every kernel needs, on NumPy or CuPy, from one key."""

    __slots__ = ("xp", "gen")

    def __init__(self, xp, key) -> None:
        self.xp = xp
        if xp is np:
            self.gen = np.random.Generator(np.random.Philox(key=key))
        else:  # CuPy: the key's two words seed a cuRAND Philox generator
            words = key.get()
            seed = int(words[0]) ^ int(words[1])
            self.gen = xp.random.RandomState(
                seed, method=xp.cuda.curand.CURAND_RNG_PSEUDO_PHILOX4_32_10
            )

    def random(self, shape: tuple, dtype) -> Any:
        if self.xp is np:
            return np.asarray(self.gen.random(shape, dtype=dtype))
        return self.gen.random_sample(shape, dtype=dtype)

    def normal(self, shape: tuple, dtype) -> Any:
        if self.xp is np:
            return np.asarray(self.gen.standard_normal(shape, dtype=dtype))
        return self.gen.standard_normal(shape, dtype=dtype)

    def integers(self, low: int, high: int, shape: tuple, dtype) -> Any:
        """Integers in ``[low, high]`` (both ends included)."""
        if self.xp is np:
            return np.asarray(self.gen.integers(low, high, shape, dtype=dtype, endpoint=True))
        if dtype.kind == "b":  # cuRAND draws no bools: draw 0/1 as int8
            return self.gen.randint(low, high + 1, size=shape, dtype=np.int8).astype(dtype)
        top = int(np.iinfo(dtype).max)
        if high < top:
            return self.gen.randint(low, high + 1, size=shape, dtype=dtype)
        if low > int(np.iinfo(dtype).min):  # high + 1 does not fit the dtype: shift by one
            return self.gen.randint(low - 1, high, size=shape, dtype=dtype) + dtype.type(1)
        # The dtype's full range: every bit pattern, from two 32-bit draws.
        xp = self.xp
        words = self.gen.randint(0, 2**32, size=(2, *shape), dtype=np.uint64)
        bits = (words[0] << xp.uint64(32)) | words[1]
        return bits.astype(np.dtype(f"u{dtype.itemsize}")).view(dtype)

    def permutation(self, n: int) -> Any:
        if self.xp is np:
            return self.gen.permutation(n).astype(np.int64)
        return self.xp.argsort(self.gen.random_sample((n,), dtype=np.float64)).astype(np.int64)


# --------------------------------------------------------------------------------------------
# The primitives. Shapes and dtypes are params; the key is the one array operand (two for
# random_choice, which also reads the probabilities).

def _uniform_impl(xp, key, *, shape, dtype):
    return _Draws(xp, key).random(shape, dtype)


random_uniform_p = Primitive(
    "random_uniform", _uniform_impl, lambda key, *, shape, dtype: (shape, dtype), nondiff=True
)


def _normal_impl(xp, key, *, shape, dtype):
    return _Draws(xp, key).normal(shape, dtype)


random_normal_p = Primitive(
    "random_normal", _normal_impl, lambda key, *, shape, dtype: (shape, dtype), nondiff=True
)


def _integers_impl(xp, key, *, low, high, shape, dtype):
    return _Draws(xp, key).integers(low, high, shape, dtype)


random_integers_p = Primitive(
    "random_integers", _integers_impl,
    lambda key, *, low, high, shape, dtype: (shape, dtype), nondiff=True,
)


def _permutation_impl(xp, key, *, n):
    return _Draws(xp, key).permutation(n)


random_permutation_p = Primitive(
    "random_permutation", _permutation_impl,
    lambda key, *, n: ((n,), np.dtype(np.int64)), nondiff=True,
)


def _choice_impl(xp, key, p, *, shape, replace):
    """Indices drawn with probabilities ``p`` (normalised here), with or without replacement."""
    draws = _Draws(xp, key)
    p = p.astype(np.float64)
    n = p.shape[0]
    positive = p > 0
    if replace:
        # Inverse CDF: the first index whose cumulative weight exceeds u * total.
        cdf = xp.cumsum(p)
        u = draws.random(shape, np.float64) * cdf[-1]
        idx = xp.searchsorted(cdf, u, side="right")
        last = n - 1 - xp.argmax(positive[::-1])  # never land on a trailing zero weight
        return xp.minimum(idx, last).astype(np.int64)
    # Gumbel top-k: the k largest log p + Gumbel noise are a sample without replacement with
    # the same law as drawing one at a time in proportion to the remaining weights.
    u = draws.random((n,), np.float64)
    gumbel = -xp.log(-xp.log1p(-u))  # 1 - u is in (0, 1]: no log(0) on the inner log
    logp = xp.where(positive, xp.log(xp.where(positive, p, 1.0)), -xp.inf)
    order = xp.argsort(-(logp + gumbel))
    return order[: prod(shape)].reshape(shape).astype(np.int64)


random_choice_p = Primitive(
    "random_choice", _choice_impl,
    lambda key, p, *, shape, replace: (shape, np.dtype(np.int64)), nondiff=True,
)

RANDOM_PRIMITIVES = (random_uniform_p, random_normal_p, random_integers_p, random_permutation_p,
                     random_choice_p)


# --------------------------------------------------------------------------------------------
# Value-level draws (the public lamina.numpy.random validates arguments before these).

def uniform01(key: Any, shape: tuple, dtype: Any = np.float64) -> Any:
    """Uniform samples in ``[0, 1)`` of ``shape`` (float64 or float32)."""
    return bind(random_uniform_p, key, shape=tuple(shape), dtype=np.dtype(dtype))


def normal01(key: Any, shape: tuple, dtype: Any = np.float64) -> Any:
    """Standard normal samples of ``shape`` (float64 or float32)."""
    return bind(random_normal_p, key, shape=tuple(shape), dtype=np.dtype(dtype))


def integers(key: Any, low: int, high: int, shape: tuple, dtype: Any = np.int64) -> Any:
    """Integers uniform in ``[low, high]`` (inclusive; bounds checked by the caller)."""
    return bind(random_integers_p, key, low=int(low), high=int(high), shape=tuple(shape),
                dtype=np.dtype(dtype))


def permutation_indices(key: Any, n: int) -> Any:
    """A random permutation of ``0, ..., n - 1`` (int64)."""
    return bind(random_permutation_p, key, n=int(n))


def choice_indices(key: Any, p: Any, shape: tuple, replace: bool) -> Any:
    """Indices into ``range(len(p))`` drawn with weights ``p`` (int64, of ``shape``)."""
    return bind(random_choice_p, key, p, shape=tuple(shape), replace=bool(replace))


# --------------------------------------------------------------------------------------------
# vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py; NOTE [random under vmap]).
# They receive ``axis_size`` and ``randomness``. The key is a leaf made on the host, so it is
# unbatched in practice, and then the rule runs for randomness="different" (the interpreter
# draws once itself for "same"), or for "same" when another operand (choice's ``p``) is
# batched. "different" draws the batch at once: the batch size is prepended to the shape;
# permutations are the argsorts of rows of uniforms; choice runs its kernel's algorithm on rows
# of ``p`` in lamina ops. A batched key (possible only through internal use) gives each element
# the draw of its own key.

_ALL = ("slice", None, None, None)


def _per_key(prim: Primitive, args: tuple, bdims: tuple, size: int, params: dict) -> tuple:
    """Each element drawn with its own key (and its own slice of the other operands)."""
    from lamina.ops.indexing import getitem_p  # noqa: PLC0415
    from lamina.ops.shape import stack_values  # noqa: PLC0415

    draws = []
    for b in range(size):
        sliced = [a if d is None else bind(getitem_p, a, index=(_ALL,) * d + (b,))
                  for a, d in zip(args, bdims, strict=True)]
        draws.append(bind(prim, *sliced, **params))
    return stack_values(draws, 0), 0


def _draw_batch(prim: Primitive):
    def rule(args, bdims, *, axis_size, randomness, shape, **params):
        if bdims[0] is not None:
            return _per_key(prim, args, bdims, axis_size, dict(shape=shape, **params))
        if randomness == "same":
            return bind(prim, *args, shape=shape, **params), None
        return bind(prim, args[0], shape=(axis_size,) + tuple(shape), **params), 0
    rule.__name__ = f"_{prim.name}_batch"
    return rule


def _permutation_batch(args, bdims, *, axis_size, randomness, n):
    from lamina.ops.elementwise import astype_value  # noqa: PLC0415
    from lamina.ops.manipulation import argsort_value  # noqa: PLC0415

    if bdims[0] is not None:
        return _per_key(random_permutation_p, args, bdims, axis_size, {"n": n})
    if randomness == "same":
        return bind(random_permutation_p, args[0], n=n), None
    # The argsort of i.i.d. uniforms is a uniformly random permutation, one per row.
    rows = argsort_value(uniform01(args[0], (axis_size, n)), 1)
    return (rows if rows.dtype == np.int64 else astype_value(rows, np.int64)), 0


def _choice_rows(u: Any, p: Any, shape: tuple, replace: bool) -> Any:
    """``_choice_impl`` for every row of ``p`` (``(B, n)``), with the uniforms ``u`` it would
    draw (``(B,) + shape`` with replacement, ``(B, n)`` without), in lamina ops."""
    from lamina.ops import elementwise as ew  # noqa: PLC0415
    from lamina.ops import reduction as rd  # noqa: PLC0415
    from lamina.ops.manipulation import argsort_value, searchsorted_rows, slice_along  # noqa: PLC0415
    from lamina.ops.shape import flip_p, reshape_value  # noqa: PLC0415

    size, n = p.shape
    if p.dtype != np.float64:
        p = ew.astype_value(p, np.float64)
    positive = ew.apply_ufunc(ew.greater_p, p, 0.0)
    if replace:
        # Inverse CDF, never landing on a trailing zero weight (as the kernel).
        cdf = rd.cumsum(p, 1)
        total = slice_along(cdf, 1, n - 1, n)
        targets = ew.apply_ufunc(ew.multiply_p, reshape_value(u, (size, prod(shape))), total)
        idx = searchsorted_rows(cdf, targets, "right")
        trailing = rd.argmax(bind(flip_p, positive, axes=(1,)), 1, keepdims=True)
        last = ew.apply_ufunc(ew.subtract_p, n - 1, trailing)
        out = ew.apply_ufunc(ew.minimum_p, idx, last)
    else:
        # Gumbel top-k, as the kernel.
        gumbel = ew.apply_ufunc(ew.negative_p, ew.apply_ufunc(ew.log_p, ew.apply_ufunc(
            ew.negative_p, ew.apply_ufunc(ew.log1p_p, ew.apply_ufunc(ew.negative_p, u)))))
        logp = ew.where(positive, ew.apply_ufunc(ew.log_p, ew.where(positive, p, 1.0)),
                        -np.inf)
        keys = ew.apply_ufunc(ew.negative_p, ew.apply_ufunc(ew.add_p, logp, gumbel))
        out = slice_along(argsort_value(keys, 1), 1, 0, prod(shape))
    out = reshape_value(out, (size,) + tuple(shape))
    return out if out.dtype == np.int64 else ew.astype_value(out, np.int64)


def _choice_batch(args, bdims, *, axis_size, randomness, shape, replace):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415
    from lamina.ops.shape import broadcast_value, reshape_value  # noqa: PLC0415

    key, p = args
    dk, dp = bdims
    if dk is not None:
        return _per_key(random_choice_p, args, bdims, axis_size,
                        {"shape": shape, "replace": replace})
    if randomness == "same" and dp is None:
        return bind(random_choice_p, key, p, shape=shape, replace=replace), None
    n = p.shape[0] if dp is None else p.shape[1 - dp]  # p is 1-D for one element
    draw = tuple(shape) if replace else (n,)
    if randomness == "same":  # one draw of the uniforms, shared by every row of p
        u = uniform01(key, draw)
        u = broadcast_value(reshape_value(u, (1,) + draw), (axis_size,) + draw)
    else:
        u = uniform01(key, (axis_size,) + draw)
    return _choice_rows(u, bdim_to_front(p, dp, axis_size), tuple(shape), replace), 0


def _install_batch_rules() -> None:
    for prim in (random_uniform_p, random_normal_p, random_integers_p):
        prim.batch = _draw_batch(prim)
    random_permutation_p.batch = _permutation_batch
    random_choice_p.batch = _choice_batch


_install_batch_rules()
