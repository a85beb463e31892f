"""Indexing primitives: basic indexing (a view), advanced indexing (a gather, a copy), and
their functional updates (``x[idx] = v`` without mutation, used by in-place ops and by view
reverse functions).

An index is carried as a static, hashable param ``index``: a tuple whose entries are ints,
``("slice", start, stop, step)``, ``None``, ``Ellipsis``, or ``("array", k)`` standing for the
k-th index array operand (index arrays are positional values, NOTE [arrays positional, params
static] in core.py). ``encode`` turns a Python index of ints, slices, None and Ellipsis into
this form. Boolean masks are turned into integer arrays with ``nonzero`` before they get here
(``lamina.numpy._indexing``), so every primitive's output shape is known without looking at
data.

The update primitives (``basic_update``, ``scatter``) take the new value ``v`` either with the
shape of ``x[index]`` or 0-d (broadcast by the kernel); ``lamina.numpy`` broadcasts any other
value explicitly first, so the rules of later transforms see only these two cases.

NOTE [index shapes from NumPy]: the output shape of ``x[index]`` is asked of NumPy itself, by
indexing a zero-memory stand-in of ``x``'s shape (every stride 0, one byte of storage) with
zero-memory stand-ins of the index arrays. So lamina's shapes, the placement of advanced
dimensions and the IndexError messages are NumPy's by construction.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from lamina.core import Primitive, bind
from lamina.errors import LaminaIndexError, LaminaRuntimeError, LaminaValueError

__all__ = ["getitem_p", "basic_update_p", "gather_p", "scatter_p", "scatter_apply_p",
           "nonzero_p", "decode", "encode", "basic_update", "index_shape", "AT_DIFFERENTIABLE"]

_BYTE = np.zeros(1, dtype=np.uint8)
_INTP = np.zeros(1, dtype=np.intp)


def _zero_memory(shape: tuple, base: np.ndarray = _BYTE) -> np.ndarray:
    # ``np.ndarray`` on a one-element buffer with zero strides: no allocation, and ~20x cheaper
    # than ``as_strided``. Never written (read-only).
    out = np.ndarray(shape, dtype=base.dtype, buffer=base, strides=(0,) * len(shape))
    out.flags.writeable = False
    return out


def decode(index: tuple, arrays: tuple = ()) -> tuple:
    """The static ``index`` param as a real index tuple, with ``arrays`` substituted."""
    out = []
    for e in index:
        if type(e) is tuple:
            if e[0] == "slice":
                out.append(slice(e[1], e[2], e[3]))
            else:
                out.append(arrays[e[1]])
        else:
            out.append(e)
    return tuple(out)


def encode(index: Any) -> tuple:
    """A basic Python index (ints, slices, None, Ellipsis) in the static ``index`` form.

    Entries already in the static form pass through, so ``encode`` is idempotent.

    >>> encode((0, slice(1, None, 2), None, ...))
    (0, ('slice', 1, None, 2), None, Ellipsis)
    """
    if type(index) is not tuple:
        index = (index,)
    out = []
    for e in index:
        if type(e) is slice:
            out.append(("slice", _bound(e.start), _bound(e.stop), _bound(e.step)))
        elif e is None or e is Ellipsis or type(e) is tuple:
            out.append(e)
        else:
            out.append(operator.index(e))
    return tuple(out)


def _bound(v: Any) -> int | None:
    return v if v is None or type(v) is int else operator.index(v)


_shape_cache: dict[tuple, tuple] = {}


def index_shape(shape: tuple, index: tuple, array_shapes: tuple = ()) -> tuple:
    """The shape of ``x[index]`` for ``x`` of ``shape`` (NOTE [index shapes from NumPy])."""
    key = (shape, index, array_shapes)
    try:
        return _shape_cache[key]
    except KeyError:
        pass
    stand_ins = tuple(_zero_memory(s, _INTP) for s in array_shapes)
    try:
        out = _zero_memory(shape)[decode(index, stand_ins)].shape
    except IndexError as exc:
        raise LaminaIndexError(f"{exc} (index {_show(index)} into shape {shape})") from None
    except ValueError as exc:  # a zero slice step
        raise LaminaValueError(f"{exc} (index {_show(index)} into shape {shape})") from None
    if len(_shape_cache) > 8192:
        _shape_cache.clear()
    _shape_cache[key] = out
    return out


def _show(index: tuple) -> str:
    parts = []
    for e in index:
        if type(e) is tuple and e[0] == "slice":
            parts.append(":".join("" if v is None else str(v) for v in e[1:3])
                         + ("" if e[3] is None else f":{e[3]}"))
        elif type(e) is tuple:
            parts.append("<array>")
        elif e is None:
            parts.append("None")
        elif e is Ellipsis:
            parts.append("...")
        else:
            parts.append(str(e))
    return "[" + ", ".join(parts) + "]"


# -- basic indexing: a view --------------------------------------------------------------------

def _getitem_impl(xp, x, *, index):
    return x[decode(index)]


def _getitem_reverse(base, view, out_index=None, *, index):
    return basic_update(base, index, view)


getitem_p = Primitive(
    "getitem",
    _getitem_impl,
    lambda x, *, index: (index_shape(x.shape, index), x.dtype),
    view_reverse=_getitem_reverse,
)


def _basic_update_impl(xp, x, v, *, index):
    out = x.copy()
    out[decode(index)] = v
    return out


basic_update_p = Primitive(
    "basic_update", _basic_update_impl, lambda x, v, *, index: (x.shape, x.dtype)
)


def basic_update(x: Any, index: Any, v: Any) -> Any:
    """``x`` with ``x[index]`` replaced by ``v`` (cast to ``x.dtype``), functionally.

    ``index`` is a basic index, in the static form or as Python ints/slices/None/Ellipsis.
    """
    if v.dtype != x.dtype:
        from lamina.ops.elementwise import astype_value  # noqa: PLC0415

        v = astype_value(v, x.dtype)
    return bind(basic_update_p, x, v, index=encode(index))


# -- advanced indexing: gather and scatter (copies) ----------------------------------------------

def _gather_impl(xp, x, *arrays, index):
    return x[decode(index, arrays)]


gather_p = Primitive(
    "gather",
    _gather_impl,
    lambda x, *arrays, index: (
        index_shape(x.shape, index, tuple(a.shape for a in arrays)), x.dtype
    ),
)


def _scatter_impl(xp, x, v, *arrays, index, accumulate):
    out = x.copy()
    idx = decode(index, arrays)
    if accumulate:
        if out.dtype.kind == "c" and xp is not np:
            # cupy.add.at takes no complex data: accumulate the two parts (views of out).
            xp.add.at(out.real, idx, xp.real(v))
            xp.add.at(out.imag, idx, xp.imag(v))
        else:
            xp.add.at(out, idx, v)
    else:
        out[idx] = v
    return out


scatter_p = Primitive(
    "scatter", _scatter_impl, lambda x, v, *arrays, index, accumulate: (x.shape, x.dtype)
)


# NOTE [ufunc.at]: ``ufunc.at(x, index, v)`` is NumPy's unbuffered in-place operation:
# ``x[index] = ufunc(x[index], v)`` applied once per index entry, so an element indexed k times
# takes k updates (``add.at`` accumulates repeated indices where ``x[i] += v`` writes once).
# ``scatter_apply`` is its functional form, the ufunc a static param: the kernel is NumPy's
# (CuPy's) own ``ufunc.at`` on a copy, so values, casting (NumPy's unsafe cast back to x's
# dtype) and the order of the updates are NumPy's. Its rules (below) are written for the
# ufuncs with a derivative that the index structure allows in closed form: add and subtract
# (linear), multiply and divide (through the product P of the factors each element takes:
# ``multiply.at`` gives ``x * P``, ``divide.at`` ``x / P``; the product of the other factors,
# each factor's derivative, without dividing by a zero: NOTE [products at zero factors]),
# and the extrema (maximum, minimum, fmax, fmin: the cotangent goes to every operand equal to
# the result, split evenly, as for the elementwise maximum (NOTE [ties split evenly])). Its
# batch rule is scatter's: only the kernel differs.
#
# NOTE [ufunc.at on CuPy]: CuPy's ``ufunc.at`` exists for a few ufuncs and dtypes only
# (``subtract.at`` for int32/uint32, no ``multiply.at`` or ``fmax.at``), and where it exists its
# edge cases are not NumPy's. On CUDA, ``add.at`` and ``subtract.at`` of floating and complex
# data run on the device (CuPy's atomic ``add.at``; complex data by its real and imaginary
# parts; subtract as add of ``-v``); every other update copies the target to the host, runs
# NumPy's ``ufunc.at`` there and copies the result back: NumPy's values everywhere, at the cost
# of a device synchronization and two transfers for those updates.
AT_DIFFERENTIABLE = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax",
                     "fmin")


def _scatter_apply_impl(xp, x, v, *arrays, index, ufunc):
    out = x.copy()
    if xp is np:
        getattr(np, ufunc).at(out, decode(index, arrays), v)
        return out
    # CuPy: NOTE [ufunc.at on CuPy].
    idx = decode(index, arrays)
    if ufunc in ("add", "subtract") and out.dtype.kind in "fc":
        v = -v if ufunc == "subtract" else v
        if out.dtype.kind == "c":  # cupy.add.at takes no complex data: the parts are views
            xp.add.at(out.real, idx, xp.real(v))
            xp.add.at(out.imag, idx, xp.imag(v))
        else:
            xp.add.at(out, idx, v)
        return out
    host = xp.asnumpy(out)
    getattr(np, ufunc).at(host, decode(index, [xp.asnumpy(a) for a in arrays]),
                          xp.asnumpy(v) if hasattr(v, "device") else v)
    return xp.asarray(host)


scatter_apply_p = Primitive(
    "scatter_apply", _scatter_apply_impl,
    lambda x, v, *arrays, index, ufunc: (x.shape, x.dtype),
)


# NOTE [lifted indices] (lamina/lazy/lifting.py): the integers of these ops' index are graph
# inputs on the backend, so x[i] for every i shares one compiled program.
for _prim in (getitem_p, basic_update_p, gather_p, scatter_p, scatter_apply_p):
    _prim.lifts_index = True
del _prim


# -- nonzero: the one op whose output shape depends on the data --------------------------------

def _nonzero_impl(xp, x):
    return tuple(xp.nonzero(x))


nonzero_p = Primitive("nonzero", _nonzero_impl, None, multiple_results=True, lazy=False,
                      nondiff=True)


# -- vjp rules (NOTE [vjp rules] in lamina/interpreters/grad.py) -----------------------------------
# Reading a region sends the cotangent back into a zero tensor at that region; writing a region
# cuts the cotangent of ``x`` there and hands that region to ``v``. Index arrays get ``None``.

def _zero(g: Any) -> Any:
    from lamina.lazy.graph import constant  # noqa: PLC0415

    return constant(0, g.dtype, g.device)


def _to_update(gv: Any, v: Any) -> Any:
    """The cotangent of an update's value ``v`` from that of the region it was written to: a
    0-d ``v`` was broadcast by the kernel, so its cotangent is the region's sum."""
    from lamina.ops import ad  # noqa: PLC0415

    if v.dtype.kind not in "fc":
        return None
    if gv.shape != v.shape:
        gv = ad.reduce_sum(gv, tuple(range(len(gv.shape))))
    return ad.cast(gv, v.dtype)


def _getitem_vjp(g, x, *, out, index):
    from lamina.ops import ad  # noqa: PLC0415

    return (basic_update(ad.zeros_like(x), index, g),)


def _basic_update_vjp(g, x, v, *, out, index):
    gx = bind(basic_update_p, g, _zero(g), index=index)
    gv = _to_update(bind(getitem_p, g, index=index), v)
    return gx, gv


def _gather_vjp(g, x, *arrays, out, index):
    from lamina.ops import ad  # noqa: PLC0415

    gx = bind(scatter_p, ad.zeros_like(x), g, *arrays, index=index, accumulate=True)
    return (gx,) + (None,) * len(arrays)


def _scatter_vjp(g, x, v, *arrays, out, index, accumulate):
    region = bind(gather_p, g, *arrays, index=index)
    if accumulate:
        gx = g
    else:
        gx = bind(scatter_p, g, _zero(g), *arrays, index=index, accumulate=False)
        region = _winners_only(region, x, arrays, index)
    return (gx if x.dtype.kind in "fc" else None, _to_update(region, v)) + (None,) * len(arrays)


def _winners_only(region: Any, x: Any, arrays: tuple, index: tuple) -> Any:
    """``region`` (the cotangent at each written element) zeroed where a duplicate index was
    overwritten by a later element: only the element whose write stayed gets a cotangent.

    The winners are found as the kernel picks them: the element numbers are scattered with
    the same index and read back. Integer ops, constants for every transform.
    """
    from lamina.lazy.graph import constant  # noqa: PLC0415
    from lamina.ops import ad  # noqa: PLC0415
    from lamina.ops.manipulation import host_constant  # noqa: PLC0415
    from lamina.ops.shape import broadcast_value  # noqa: PLC0415

    if not arrays:
        return region  # basic entries only: no element is written twice
    shape = region.shape
    size = 1
    for d in shape:
        size *= d
    ids = host_constant(("scatter_vjp", shape), lambda: np.arange(size).reshape(shape),
                        region.device)
    unset = broadcast_value(constant(-1, ids.dtype, region.device), x.shape)
    kept = bind(scatter_p, unset, ids, *arrays, index=index, accumulate=False)
    won = ad.binary("equal", bind(gather_p, kept, *arrays, index=index), ids)
    return ad.where(won, region, _zero(region))


class _At:
    """What the rules of ``scatter_apply`` (NOTE [ufunc.at]) share for one call: its operands,
    and the values every rule needs, in lamina ops."""

    def __init__(self, x: Any, v: Any, arrays: tuple, index: tuple, ufunc: str) -> None:
        self.x, self.v, self.arrays, self.index, self.ufunc = x, v, arrays, index, ufunc
        self.region = index_shape(x.shape, index, tuple(a.shape for a in arrays))

    def apply(self, ufunc: str, x: Any, v: Any) -> Any:
        return bind(scatter_apply_p, x, v, *self.arrays, index=self.index, ufunc=ufunc)

    def gather(self, y: Any) -> Any:
        return bind(gather_p, y, *self.arrays, index=self.index)

    def total(self, r: Any, like: Any) -> Any:
        """The sum, per element of ``x``, of the region values ``r`` that land on it."""
        from lamina.ops import ad  # noqa: PLC0415
        from lamina.ops.creation import full_value  # noqa: PLC0415

        zeros = full_value(like.shape, 0, r.dtype, like.device)
        return bind(scatter_p, zeros, ad.broadcast_to(r, self.region), *self.arrays,
                    index=self.index, accumulate=True)

    def product(self) -> tuple[Any, Any]:
        """``(P, others)``: P per element of ``x`` the product of the factors it takes (1 where
        none), and per factor the product of the other factors on the same element.

        NOTE [products at zero factors]: ``P / v`` fails at a zero factor, so ``others`` is the
        product of the nonzero other factors (``kept / v``, over nonzero ``v`` only) times that
        of the other zero factors, written as a polynomial in them: 1, their sum, or
        ``(p1**2 - p2) / 2`` (their second elementary symmetric polynomial, from their power
        sums) when none, one or two other zero factors share the element, and 0 beyond. Its
        value is exact, its derivatives too where at most two other zero factors share an
        element, and to the second order everywhere (a product of three or more zero factors
        has no nonzero derivative below the third order)."""
        from lamina.ops import ad  # noqa: PLC0415
        from lamina.ops.creation import full_value  # noqa: PLC0415

        v = ad.broadcast_to(self.v, self.region)
        zero = ad.binary("equal", v, 0)
        nonzero = ad.where(zero, 1, v)
        z = ad.where(zero, v, 0)  # the zero factors: value 0, derivative 1
        ones = full_value(self.x.shape, 1, v.dtype, self.x.device)
        product = self.apply("multiply", ones, v)
        kept = self.gather(self.apply("multiply", ones, nonzero))  # of the nonzero factors
        count = ad.cast(zero, np.dtype(np.int64))
        others_zero = ad.sub(self.gather(self.total(count, self.x)), count)
        q1 = ad.sub(self.gather(self.total(z, self.x)), z)  # power sums of the other zeros
        q2 = ad.sub(self.gather(self.total(ad.mul(z, z), self.x)), ad.mul(z, z))
        e2 = ad.mul(ad.sub(ad.mul(q1, q1), q2), 0.5)
        zeros_part = ad.where(
            ad.binary("equal", others_zero, 0), 1,
            ad.where(ad.binary("equal", others_zero, 1), q1,
                     ad.where(ad.binary("equal", others_zero, 2), e2, 0)))
        return product, ad.mul(ad.div(kept, nonzero), zeros_part)

    def winners(self, out: Any) -> tuple[Any, Any, Any]:
        """For the extrema: (x is the result, each v is its element's result, how many
        operands are the result per element), as floats; NaN matches NaN."""
        from lamina.ops import ad  # noqa: PLC0415

        def same(a: Any, b: Any) -> Any:
            both_nan = ad.binary("logical_and", ad.unary("isnan", a), ad.unary("isnan", b))
            return ad.binary("logical_or", ad.binary("equal", a, b), both_nan)

        dtype = np.result_type(self.x.dtype, self.v.dtype, np.float32)
        if dtype.kind == "c":
            dtype = np.dtype(np.float64)
        wx = ad.cast(same(self.x, out), dtype)
        wv = ad.cast(same(ad.broadcast_to(self.v, self.region), self.gather(out)), dtype)
        return wx, wv, ad.add(wx, self.total(wv, self.x))


def _no_at_rule(transform: str, ufunc: str) -> LaminaRuntimeError:
    return LaminaRuntimeError(
        f"{transform}: {ufunc}.at has no {transform} rule in lamina (ufunc.at is differentiable "
        f"for {', '.join(AT_DIFFERENTIABLE)}). Write the update without .at, e.g. "
        f"x[i] = lnp.{ufunc}(x[i], v) with indices that do not repeat."
    )


def _scatter_apply_vjp(g, x, v, *arrays, out, index, ufunc):
    from lamina.ops import ad  # noqa: PLC0415

    at = _At(x, v, arrays, index, ufunc)
    if ufunc in ("add", "subtract"):
        gx = g
        gv = at.gather(g) if ufunc == "add" else ad.neg(at.gather(g))
    elif ufunc in ("multiply", "divide"):
        product, others = at.product()
        if ufunc == "multiply":
            gx = ad.mul(g, product)
            gv = ad.mul(at.gather(ad.mul(g, x)), others)
        else:
            gx = ad.div(g, product)
            gv = ad.neg(ad.mul(at.gather(ad.div(ad.mul(g, out), product)), others))
    elif ufunc in ("maximum", "minimum", "fmax", "fmin"):
        wx, wv, count = at.winners(out)
        share = ad.div(g, count)
        gx = ad.mul(share, wx)
        gv = ad.mul(at.gather(share), wv)
    else:
        raise _no_at_rule("grad", ufunc)
    gx = ad.cast(gx, x.dtype) if x.dtype.kind in "fc" else None
    return (gx, _to_update(gv, v)) + (None,) * len(arrays)


def _scatter_apply_jvp(primals, tangents, *, index, ufunc):
    from lamina.ops import ad  # noqa: PLC0415
    from lamina.ops.jvp_util import instantiate  # noqa: PLC0415

    x, v, *arrays = primals
    out = bind(scatter_apply_p, *primals, index=index, ufunc=ufunc)
    if out.dtype.kind not in "fc":
        return out, None
    tx, tv = instantiate(tangents[0], x), instantiate(tangents[1], v)
    at = _At(x, v, tuple(arrays), index, ufunc)
    if ufunc in ("add", "subtract"):
        tangent = at.apply(ufunc, tx, tv)  # linear in (x, v) jointly
    elif ufunc in ("multiply", "divide"):
        product, others = at.product()
        moved = at.total(ad.mul(ad.broadcast_to(tv, at.region), others), x)  # dP
        if ufunc == "multiply":
            tangent = ad.add(ad.mul(tx, product), ad.mul(x, moved))
        else:
            tangent = ad.div(ad.sub(tx, ad.mul(out, moved)), product)
    elif ufunc in ("maximum", "minimum", "fmax", "fmin"):
        wx, wv, count = at.winners(out)
        moved = at.total(ad.mul(ad.broadcast_to(tv, at.region), wv), x)
        tangent = ad.div(ad.add(ad.mul(tx, wx), moved), count)
    else:
        raise _no_at_rule("jvp", ufunc)
    return out, ad.cast(tangent, out.dtype)


def _install_vjp_rules() -> None:
    getitem_p.vjp = _getitem_vjp
    basic_update_p.vjp = _basic_update_vjp
    gather_p.vjp = _gather_vjp
    scatter_p.vjp = _scatter_vjp
    scatter_apply_p.vjp = _scatter_apply_vjp
    scatter_apply_p.jvp = _scatter_apply_jvp


_install_vjp_rules()


def _install_jvp_rules() -> None:
    # NOTE [jvp rules]: reads and writes are linear in (x, v) jointly; the index arrays pass
    # through as primals (linear_jvp), so a scatter of the tangents writes where x was written.
    from lamina.ops.jvp_util import instantiate  # noqa: PLC0415

    def linear_in(prim, n):
        # Linear in the first n operands (zeros stand in for a missing tangent, whatever the
        # operand's dtype); the rest (index arrays) pass through as primals.
        def rule(primals, tangents, **params):
            out = bind(prim, *primals, **params)
            args = [instantiate(t, p) for p, t in zip(primals[:n], tangents[:n], strict=True)]
            return out, bind(prim, *args, *primals[n:], **params)

        return rule

    getitem_p.jvp = linear_in(getitem_p, 1)
    gather_p.jvp = linear_in(gather_p, 1)
    basic_update_p.jvp = linear_in(basic_update_p, 2)
    scatter_p.jvp = linear_in(scatter_p, 2)


_install_jvp_rules()


# -- vmap batch rules (NOTE [batch rules] in lamina/ops/batching.py) ----------------------------
#
# NOTE [batched indices]: with the batch of ``x`` in front, a basic index gets a leading full
# slice. Index arrays are batched by adding an ``arange(B)`` index array for the batch axis of
# ``x`` (shaped to broadcast against the batched index arrays, whose batches go in front), so
# element b reads ``x[b][index_b]``. Where NumPy puts the advanced dimensions (in place when
# the advanced entries are adjacent, first otherwise) is asked of NumPy itself with a marked
# axis (``_landing``), never re-derived by hand.

_ALL = ("slice", None, None, None)


def _landing(x_shape: tuple, index: tuple, array_shapes: tuple) -> int:
    """Where the one axis marked ``-1`` (in ``x_shape`` or an index array's shape) lands in
    ``x[index]``: the shapes are given stand-in sizes (zero sizes become 1) and the marked axis
    a size no other axis of the result can have."""
    dims = [d for s in (x_shape, *array_shapes) for d in s]
    mark = max(dims + [1]) + 1

    def fix(s: tuple) -> tuple:
        return tuple(mark if d == -1 else max(d, 1) for d in s)

    out = index_shape(fix(x_shape), index, tuple(fix(s) for s in array_shapes))
    return out.index(mark)


def _advanced_position(shape: tuple, index: tuple, n_arrays: int) -> int:
    """Where the advanced dimensions of ``x[index]`` start (``x`` of logical ``shape``)."""
    return _landing(shape, index, ((-1,),) * n_arrays)


def _block_perm(p: int, r: int, ndim: int) -> tuple:
    """The axes that move a block of ``r`` axes at 1 to position ``1 + p`` (axis 0 stays)."""
    return (0,) + tuple(range(1 + r, 1 + r + p)) + tuple(range(1, 1 + r)) + tuple(
        range(1 + r + p, ndim))


def _inverse(perm: tuple) -> tuple:
    return tuple(int(i) for i in np.argsort(perm))


def _aligned_arrays(arrays: tuple, bdims: tuple) -> tuple[list, int]:
    """Index arrays with their batches in front, padded to one rank ``(B, 1.., s)``; unbatched
    ones as they are (they broadcast from the right). Also the logical rank ``r``."""
    from lamina.ops.batching import broadcast_batched, logical_ndim  # noqa: PLC0415

    r = max(logical_ndim(a, d) for a, d in zip(arrays, bdims, strict=True))
    return broadcast_batched(arrays, bdims), r


def _batch_iota(size: int, r: int, device) -> Any:
    """``arange(size)`` shaped ``(size, 1, ..., 1)`` (``r`` ones): the batch axis's index."""
    from lamina.ops.creation import iota_value  # noqa: PLC0415
    from lamina.ops.shape import reshape_value  # noqa: PLC0415

    return reshape_value(iota_value(size, np.intp, device), (size,) + (1,) * r)


def _getitem_batch(args, bdims, *, index):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    x = bdim_to_front(args[0], bdims[0])
    return bind(getitem_p, x, index=(_ALL,) + index), 0


def _to_region(v: Any, dv: int | None, region: tuple, at: int) -> Any:
    """The update value ``v`` for a region of shape ``region`` whose batch axis is ``at``: 0-d
    when it was an unbatched 0-d, else of the region's shape (the kernels' contract)."""
    from lamina.ops.shape import broadcast_value, reshape_value, transpose_value  # noqa: PLC0415

    if dv is None:
        if not v.shape:
            return v
        shape = v.shape[:at] + (1,) + v.shape[at:]
    else:
        if len(v.shape) > 1:
            axes = [i for i in range(len(v.shape)) if i != dv]
            axes.insert(at, dv)
            v = transpose_value(v, tuple(axes))
        shape = v.shape if len(v.shape) > 1 else (1,) * at + v.shape + (1,) * (
            len(region) - at - 1)
    return broadcast_value(reshape_value(v, shape), region)


def _basic_update_batch(args, bdims, *, index):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415

    x, v = args
    dx, dv = bdims
    size = (x.shape[dx] if dx is not None else v.shape[dv])
    x = bdim_to_front(x, dx, size)  # every element gets its own copy to write into
    index = (_ALL,) + index
    v = _to_region(v, dv, index_shape(x.shape, index), 0)
    return bind(basic_update_p, x, v, index=index), 0


def _gather_batch(args, bdims, *, index):
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415
    from lamina.ops.shape import transpose_value  # noqa: PLC0415

    x, arrays = args[0], args[1:]
    dx, darrays = bdims[0], bdims[1:]
    if not any(d is not None for d in darrays):
        # Only x is batched: a leading full slice; NumPy may still move the advanced dims
        # in front of it (NOTE [batched indices]).
        x = bdim_to_front(x, dx)
        index = (_ALL,) + index
        shapes = tuple(a.shape for a in arrays)
        out = bind(gather_p, x, *arrays, index=index)
        return out, _landing((-1,) + tuple(x.shape[1:]), index, shapes)
    shape = x.shape if dx is None else x.shape[:dx] + x.shape[dx + 1:]
    p = _advanced_position(shape, index, len(arrays))
    aligned, r = _aligned_arrays(arrays, darrays)
    if dx is None:
        # x is shared: the batched index arrays alone carry the batch, with the advanced
        # dims (batch first) where NumPy puts them.
        return bind(gather_p, x, *aligned, index=index), p
    x = bdim_to_front(x, dx)
    size = x.shape[0]
    iota = _batch_iota(size, r, x.device)
    out = bind(gather_p, x, *aligned, iota, index=(("array", len(aligned)),) + index)
    # The leading arange puts the advanced block (batch, index dims) first: move the index
    # dims to where they go for one element.
    return transpose_value(out, _block_perm(p, r, len(out.shape))), 0


def _scatter_batch(args, bdims, *, index, accumulate):
    return _scatter_like_batch(scatter_p, args, bdims, index, accumulate=accumulate)


def _scatter_apply_batch(args, bdims, *, index, ufunc):
    return _scatter_like_batch(scatter_apply_p, args, bdims, index, ufunc=ufunc)


def _scatter_like_batch(prim, args, bdims, index, **params):
    """The batch rule of ``scatter`` and ``scatter_apply`` (their kernels differ, not where
    they write)."""
    from lamina.ops.batching import bdim_to_front  # noqa: PLC0415
    from lamina.ops.shape import transpose_value  # noqa: PLC0415

    x, v, arrays = args[0], args[1], args[2:]
    dx, dv, darrays = bdims[0], bdims[1], bdims[2:]
    size = next(a.shape[d] for a, d in zip(args, bdims, strict=True) if d is not None)
    shape = x.shape if dx is None else x.shape[:dx] + x.shape[dx + 1:]
    x = bdim_to_front(x, dx, size)  # every element gets its own copy to write into
    if not any(d is not None for d in darrays):
        index = (_ALL,) + index
        shapes = tuple(a.shape for a in arrays)
        region = index_shape(x.shape, index, shapes)
        at = _landing((-1,) + shape, index, shapes)
        v = _to_region(v, dv, region, at)
        return bind(prim, x, v, *arrays, index=index, **params), 0
    p = _advanced_position(shape, index, len(arrays))
    aligned, r = _aligned_arrays(arrays, darrays)
    aligned.append(_batch_iota(size, r, x.device))
    index = (("array", len(aligned) - 1),) + index
    region = index_shape(x.shape, index, tuple(a.shape for a in aligned))
    # The region is (batch, index dims, other dims); v comes as (batch, one element's region).
    if dv is not None or v.shape:
        logical = region[1 + r: 1 + r + p] + region[1: 1 + r] + region[1 + r + p:]
        v = _to_region(v, dv, (size,) + logical, 0)
        v = transpose_value(v, _inverse(_block_perm(p, r, len(region))))
    return bind(prim, x, v, *aligned, index=index, **params), 0


def _nonzero_batch(args, bdims):
    raise LaminaRuntimeError(
        "vmap: boolean-mask indexing and nonzero cannot run under vmap: how many elements they "
        "select depends on the data, so each batch element could get a result of another "
        "shape. Keep the shape fixed with lamina.numpy.where(mask, x, fill) (e.g. "
        "where(mask, x, 0).sum() instead of x[mask].sum()), or index outside vmap."
    )


def _install_batch_rules() -> None:
    getitem_p.batch = _getitem_batch
    basic_update_p.batch = _basic_update_batch
    gather_p.batch = _gather_batch
    scatter_p.batch = _scatter_batch
    scatter_apply_p.batch = _scatter_apply_batch
    nonzero_p.batch = _nonzero_batch


_install_batch_rules()
