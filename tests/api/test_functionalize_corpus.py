"""functionalize against NumPy: a corpus of programs that mix views and in-place ops.

Each program is written once, ``def prog(xp, *inputs)``, for ``xp`` = ``numpy`` or
``lamina.numpy``; it may mutate its inputs and returns a tuple of arrays. NumPy run on copies of
the inputs is the reference, outputs and the inputs' final values both. Every program is run:

- on lamina.numpy, lazily and eagerly (``lm.config.override(eager=True)``);
- under ``lm.functionalize`` with both ``remove`` modes: the outputs and the caller's inputs
  afterwards equal NumPy's exactly (dtype, shape, values; an input the program returns is
  returned as the caller's own tensor);
- under ``lm.make_graph``: a functionalized graph has no in-place equation (and with
  ``remove="mutations_and_views"`` no view equation), while the plain program's has one.

Every floating program has an out-of-place rewrite (``@rewrite(prog)``, no in-place op and no
write through a view; its writes are gathers, ``put`` below) returning the outputs followed by
the final values of the inputs the program mutates. The rewrite equals NumPy, and the gradient
of a weighted sum of the functionalized program's outputs and mutated inputs (the inputs are
mutated directly inside ``grad``) equals the rewrite's; ``check_grads`` checks it against finite
differences. A handful of programs also go through jvp, vjp, jacrev, jacfwd and hessian, and the
input-mutating ones through ``vmap(functionalize(f))`` against a NumPy loop over the batch.
"""

from __future__ import annotations

import dataclasses
import functools
import zlib
from collections.abc import Callable

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads
from tests.api.test_views import raises

MODES = ("mutations", "mutations_and_views")


@dataclasses.dataclass(eq=False)
class Case:
    prog: Callable
    shapes: tuple
    dtype: np.dtype
    pure: Callable | None = None  # the out-of-place rewrite (floating programs)
    transforms: bool = False  # also run through jvp, vjp, jacrev, jacfwd, hessian

    @property
    def name(self) -> str:
        return self.prog.__name__

    def inputs(self) -> list[np.ndarray]:
        """Fresh inputs; floats are multiples of 1/1024 in [-2, 2] (no ties, exact sums)."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        out = []
        for shape in self.shapes:
            if self.dtype.kind == "f":
                out.append((rng.integers(-2048, 2049, size=shape) / 1024).astype(self.dtype))
            elif self.dtype.kind == "b":
                out.append(rng.integers(0, 2, size=shape).astype(bool))
            else:
                out.append(rng.integers(-20, 21, size=shape).astype(self.dtype))
        return out


CASES: dict[str, Case] = {}


def program(*shapes, dtype=np.float64, transforms=False):
    def register(fn):
        CASES[fn.__name__] = Case(fn, shapes, np.dtype(dtype), transforms=transforms)
        return fn
    return register


def rewrite(prog):
    """Register the out-of-place rewrite of ``prog``: its outputs, then the final values of
    the inputs ``prog`` mutates (in argument order)."""
    def register(fn):
        CASES[prog.__name__].pure = fn
        return fn
    return register


def put(xp, x, index, value):
    """``x`` with ``x[index] = value``, out of place: a gather from ``x`` and ``value``."""
    positions = np.arange(x.size).reshape(x.shape)[index]
    source = np.arange(x.size)
    source[positions.ravel()] = x.size + np.arange(positions.size)
    value = value + xp.zeros(positions.shape, dtype=x.dtype)
    return xp.concatenate([x.ravel(), value.ravel()])[source].reshape(x.shape)


# -- views of the inputs: the writes reach the caller -----------------------------------------

@program((3, 4))
def row_view_iadd(xp, x):
    r = x[0]
    r += 1.0
    return x, r


@rewrite(row_view_iadd)
def _(xp, x):
    y = put(xp, x, 0, x[0] + 1.0)
    return y, y[0], y


@program((4, 5))
def view_of_a_view(xp, x):
    v = x[1:]
    w = v[:, ::2]
    w[0, 1] = -1.0
    w[-1] *= 10.0
    return v.sum(axis=0), w


@rewrite(view_of_a_view)
def _(xp, x):
    y = put(xp, x, (1, 2), -1.0)
    y = put(xp, y, (3, slice(None, None, 2)), y[3, ::2] * 10.0)
    return y[1:].sum(axis=0), y[1:, ::2], y


@program((6,), transforms=True)
def shift_add_into_input(xp, x):
    x[1:] += x[:-1]  # overlapping: the right side is read before the write
    return x


@rewrite(shift_add_into_input)
def _(xp, x):
    y = xp.concatenate([x[:1], x[1:] + x[:-1]])
    return y, y


@program((6,))
def strided_pairs_add(xp, x):
    x[::2] += x[1::2]
    return x


@rewrite(strided_pairs_add)
def _(xp, x):
    pairs = x.reshape(3, 2)
    y = xp.stack([pairs[:, 0] + pairs[:, 1], pairs[:, 1]], axis=1).reshape(6)
    return y, y


@program((3, 4), transforms=True)
def transposed_view_writes(xp, x):
    t = x.T
    t[0] = 0.0
    t[1:, 2] += t[1:, 1] * x[0, 1:]
    return x


@rewrite(transposed_view_writes)
def _(xp, x):
    y = put(xp, x, (slice(None), 0), 0.0)
    y = put(xp, y, (2, slice(1, None)), y[2, 1:] + y[1, 1:] * y[0, 1:])
    return y, y


@program((3, 4))
def mutated_input_returned_with_a_view(xp, x):
    x *= 2.0
    x[0] -= 1.0
    return x, x[1:]


@rewrite(mutated_input_returned_with_a_view)
def _(xp, x):
    y = x * 2.0
    y = put(xp, y, 0, y[0] - 1.0)
    return y, y[1:], y


@program((3,), (3,))
def add_into_first_input(xp, x, y):
    x += y
    return y * x


@rewrite(add_into_first_input)
def _(xp, x, y):
    new = x + y
    return y * new, new


@program((3, 4), (4,))
def both_inputs_mutated(xp, x, y):
    x[1] = y[::-1]
    y[:2] *= x[0, :2]
    return x.sum(), y


@rewrite(both_inputs_mutated)
def _(xp, x, y):
    xn = put(xp, x, 1, y[::-1])
    yn = xp.concatenate([y[:2] * xn[0, :2], y[2:]])
    return xn.sum(), yn, xn, yn


@program((3, 4))
def view_read_after_base_write(xp, x):
    col = x[:, 1]
    x += 10.0
    x[2, 1] = -3.0
    return (col,)


@rewrite(view_read_after_base_write)
def _(xp, x):
    y = put(xp, x + 10.0, (2, 1), -3.0)
    return y[:, 1], y


@program((7,))
def array_split_uneven(xp, x):
    pieces = xp.array_split(x, 3)
    pieces[0][...] = 0.0
    pieces[2] -= 100.0
    return (x,)


@rewrite(array_split_uneven)
def _(xp, x):
    y = put(xp, x, slice(0, 3), 0.0)
    y = put(xp, y, slice(5, 7), y[5:] - 100.0)
    return y, y


@program((3, 4))
def unstack_rows_and_columns(xp, x):
    first, second, third = xp.unstack(x)  # a tuple of views
    second *= first
    third[::2] = 0.0
    cols = xp.unstack(x, axis=1)
    last = cols[3]
    last += cols[0]
    return (x,)


@rewrite(unstack_rows_and_columns)
def _(xp, x):
    y = put(xp, x, 1, x[1] * x[0])
    y = put(xp, y, (2, slice(None, None, 2)), 0.0)
    y = put(xp, y, (slice(None), 3), y[:, 3] + y[:, 0])
    return y, y


@program((5,))
def cumulative_loop(xp, x):
    for i in range(1, 5):
        x[i] += x[i - 1]
    return (x,)


@rewrite(cumulative_loop)
def _(xp, x):
    y = xp.cumsum(x)
    return y, y


@program((3, 4))
def reshape_views_write_back(xp, x):
    flat = x.reshape(-1)
    flat[::5] = 1.0
    z = x.reshape(2, 6)
    z[1] += z[0]
    return (z,)


@rewrite(reshape_views_write_back)
def _(xp, x):
    flat = put(xp, x.reshape(-1), slice(None, None, 5), 1.0)
    z = put(xp, flat.reshape(2, 6), 1, flat.reshape(2, 6)[1] + flat.reshape(2, 6)[0])
    return z, z.reshape(3, 4)


@program((2, 3, 2))
def ravel_of_a_contiguous_row(xp, x):
    r = x[1].ravel()
    r[::2] *= -1.0
    return x, r


@rewrite(ravel_of_a_contiguous_row)
def _(xp, x):
    flat = x.reshape(-1)
    flat = put(xp, flat, slice(6, 12, 2), flat[6:12:2] * -1.0)
    y = flat.reshape(2, 3, 2)
    return y, y[1].ravel(), y


@program((2, 3, 4))
def swapaxes_and_moveaxis(xp, x):
    xp.swapaxes(x, 0, 2)[0, 1] *= 3.0
    xp.moveaxis(x, 0, -1)[2, 3] = -2.0
    return (x,)


@rewrite(swapaxes_and_moveaxis)
def _(xp, x):
    y = put(xp, x, (slice(None), 1, 0), x[:, 1, 0] * 3.0)
    y = put(xp, y, (slice(None), 2, 3), -2.0)
    return y, y


@program((3, 4))
def flips_write_through(xp, x):
    f = xp.flip(x, 0)
    f[0] *= -1.0
    g = x[::-1, ::-1]
    g[0, 0] += 100.0
    h = xp.flip(x)
    h[1, :2] = 0.0
    return x, f


@rewrite(flips_write_through)
def _(xp, x):
    y = put(xp, x, 2, x[2] * -1.0)
    y = put(xp, y, (2, 3), y[2, 3] + 100.0)
    y = put(xp, y, (1, slice(2, 4)), 0.0)
    return y, xp.flip(y, 0), y


@program((2, 3))
def zero_d_view_and_scalar_copy(xp, x):
    s_view = x[1, 2, ...]
    s_view += 100.0
    s_copy = x[0, 0]
    x[0, 0] = -1.0
    return s_view, s_copy


@rewrite(zero_d_view_and_scalar_copy)
def _(xp, x):
    y = put(xp, x, (1, 2), x[1, 2] + 100.0)
    s_copy = y[0, 0]
    y = put(xp, y, (0, 0), -1.0)
    return y[1, 2, ...], s_copy, y


@program((4,))
def integer_index_is_a_copy(xp, x):
    s = x[2]
    x[2] = 50.0
    return s, x


@rewrite(integer_index_is_a_copy)
def _(xp, x):
    y = put(xp, x, 2, 50.0)
    return x[2], y, y


@program((3, 4))
def advanced_index_copies_and_writes(xp, x):
    c = x[[0, 1]]
    c[0, 0] = 1000.0
    x[[0, 2]] += 1.0
    x[[0, 0, 0]] += 10.0  # NumPy semantics: one write, no accumulation
    return x, c


@rewrite(advanced_index_copies_and_writes)
def _(xp, x):
    c = put(xp, x[[0, 1]], (0, 0), 1000.0)
    y = put(xp, x, [0, 2], x[[0, 2]] + 1.0)
    y = put(xp, y, 0, y[0] + 10.0)
    return y, c, y


@program((2, 5))
def relu_in_place_by_mask(xp, x):
    x[x < 0] = 0.0
    x[:, ::2] += 1.0
    return (x,)


@rewrite(relu_in_place_by_mask)
def _(xp, x):
    y = xp.where(x < 0, 0.0, x)
    y = put(xp, y, (slice(None), slice(None, None, 2)), y[:, ::2] + 1.0)
    return y, y


@program((4,))
def out_argument_into_the_input(xp, x):
    xp.sin(x[1:], out=x[1:])
    xp.multiply(x, 2.0, out=x)
    return (x,)


@rewrite(out_argument_into_the_input)
def _(xp, x):
    y = xp.concatenate([x[:1], xp.sin(x[1:])]) * 2.0
    return y, y


@program((3, 4))
def copyto_and_fill(xp, x):
    xp.copyto(x[:, 0], x[:, 1])
    xp.copyto(x[2], x[0], where=np.array([True, False, True, False]))
    x[1].fill(9.0)
    return (x,)


@rewrite(copyto_and_fill)
def _(xp, x):
    y = put(xp, x, (slice(None), 0), x[:, 1])
    y = put(xp, y, 2, xp.where(np.array([True, False, True, False]), y[0], y[2]))
    y = put(xp, y, 1, 9.0)
    return y, y


@program((3, 4))
def clip_out_into_a_view(xp, x):
    xp.clip(x[1:], -0.5, 0.5, out=x[1:])
    return (x,)


@rewrite(clip_out_into_a_view)
def _(xp, x):
    y = xp.concatenate([x[:1], xp.clip(x[1:], -0.5, 0.5)])
    return y, y


@program((3, 3))
def add_own_transpose(xp, x):
    x += x.T  # NumPy buffers the overlapping operand
    return (x,)


@rewrite(add_own_transpose)
def _(xp, x):
    y = x + x.T
    return y, y


@program((5,))
def add_reversed_self(xp, x):
    x[::-1] += x
    return (x,)


@rewrite(add_reversed_self)
def _(xp, x):
    y = x + x[::-1]
    return y, y


@program((6,))
def shift_assign(xp, x):
    x[1:] = x[:-1]
    x[0] = 0.0
    return (x,)


@rewrite(shift_assign)
def _(xp, x):
    y = put(xp, put(xp, x, slice(1, None), x[:-1]), 0, 0.0)
    return y, y


@program((3, 4), dtype=np.float32)
def float32_views_keep_dtype(xp, x):
    r = x[1]
    r += 1.5
    r *= x[0]
    return x, r


@rewrite(float32_views_keep_dtype)
def _(xp, x):
    y = put(xp, x, 1, (x[1] + 1.5) * x[0])
    return y, y[1], y


# -- views of intermediates --------------------------------------------------------------------

@program((4, 6), transforms=True)
def deep_view_chain(xp, x):
    y = x * 2.0
    a = y[1:]
    b = a[1:, ::-1]
    c = b.T[2:]
    c[0] *= x[2:, 0]  # c[0] is y[2:, 3]
    b[0, 0] = x[0, 0]  # b[0, 0] is y[2, 5]
    return y, c


@rewrite(deep_view_chain)
def _(xp, x):
    y = x * 2.0
    y = put(xp, y, (slice(2, None), 3), y[2:, 3] * x[2:, 0])
    y = put(xp, y, (2, 5), x[0, 0])
    return y, y[2:, ::-1].T[2:]


@program((6,), transforms=True)
def overlapping_views_written(xp, x):
    y = x + 0.5
    a = y[1:]
    b = y[:-1]
    a += 1.0
    b *= x[1:]
    a -= b
    return y, a, b


@rewrite(overlapping_views_written)
def _(xp, x):
    y = x + 0.5
    y = xp.concatenate([y[:1], y[1:] + 1.0])
    y = xp.concatenate([y[:-1] * x[1:], y[-1:]])
    y = xp.concatenate([y[:1], y[1:] - y[:-1]])
    return y, y[1:], y[:-1]


@program((4, 3), transforms=True)
def strided_rows_update(xp, x):
    y = xp.exp(x)
    y[::2] -= y[1::2] * 0.5
    y[1::2] *= y[::2]
    return (y,)


@rewrite(strided_rows_update)
def _(xp, x):
    e = xp.exp(x)
    even = e[::2] - e[1::2] * 0.5
    odd = e[1::2] * even
    return (xp.stack([even, odd], axis=1).reshape(4, 3),)


@program((3, 4), transforms=True)
def transpose_of_a_reshape(xp, x):
    y = xp.tanh(x).reshape(2, 3, 2)
    t = xp.transpose(y, (2, 0, 1))
    t[1] *= t[0]
    t[:, 1, ::2] = -t[:, 0, ::2]
    return y.reshape(3, 4), t.sum(axis=2)


@rewrite(transpose_of_a_reshape)
def _(xp, x):
    y = xp.tanh(x).reshape(2, 3, 2)
    t = xp.stack([y[:, :, 0], y[:, :, 1] * y[:, :, 0]])
    t = put(xp, t, (slice(None), 1, slice(None, None, 2)), -t[:, 0, ::2])
    return xp.transpose(t, (1, 2, 0)).reshape(3, 4), t.sum(axis=2)


@program((3, 4))
def two_views_see_each_other(xp, x):
    y = x.copy()
    a = y[0]
    b = y[:, 0]
    a[0] = 100.0
    first = b.copy()
    b[2] = -5.0
    return first, a, b, y


@rewrite(two_views_see_each_other)
def _(xp, x):
    y = put(xp, x, (0, 0), 100.0)
    first = y[:, 0]
    y = put(xp, y, (2, 0), -5.0)
    return first, y[0], y[:, 0], y


@program((6, 2))
def split_pieces_update_each_other(xp, x):
    y = x * 1.5
    p = xp.split(y, 3)
    p[1] += p[0]
    p[2][0, 0] = -1.0
    return y, p[0], p[1]


@rewrite(split_pieces_update_each_other)
def _(xp, x):
    y = x * 1.5
    y = put(xp, y, slice(2, 4), y[2:4] + y[0:2])
    y = put(xp, y, (4, 0), -1.0)
    return y, y[:2], y[2:4]


@program((4, 4), transforms=True)
def hsplit_and_vsplit(xp, x):
    y = xp.sin(x)
    left, right = xp.hsplit(y, 2)
    top, bottom = xp.vsplit(y, 2)
    left *= 2.0
    bottom[:, :2] += right[2:] * top[:, 2:]
    return y, top


@rewrite(hsplit_and_vsplit)
def _(xp, x):
    y = xp.sin(x)
    y = xp.concatenate([y[:, :2] * 2.0, y[:, 2:]], axis=1)
    y = put(xp, y, (slice(2, None), slice(None, 2)), y[2:, :2] + y[2:, 2:] * y[:2, 2:])
    return y, y[:2]


@program((2, 2, 4))
def dsplit_halves(xp, x):
    y = x * 1.0
    a, b = xp.dsplit(y, 2)
    a -= b
    b[..., 0] = a[..., 1]
    return (y,)


@rewrite(dsplit_halves)
def _(xp, x):
    a = x[..., :2] - x[..., 2:]
    b = put(xp, x[..., 2:], (Ellipsis, 0), a[..., 1])
    return (xp.concatenate([a, b], axis=2),)


@program((3, 4), transforms=True)
def iterate_rows(xp, x):
    y = x * 1.0
    for i, row in enumerate(y):
        row *= i + 1.0
        row[0] += row[-1] * row[1]
    return (y,)


@rewrite(iterate_rows)
def _(xp, x):
    rows = []
    for i in range(3):
        r = x[i] * (i + 1.0)
        rows.append(xp.concatenate([r[:1] + r[-1:] * r[1:2], r[1:]]))
    return (xp.stack(rows),)


@program((7,), transforms=True)
def stencil_loop(xp, x):
    y = x * 1.0
    for _ in range(3):
        y[1:-1] = 0.5 * (y[:-2] * y[2:])
    return (y,)


@rewrite(stencil_loop)
def _(xp, x):
    y = x
    for _ in range(3):
        y = xp.concatenate([y[:1], 0.5 * (y[:-2] * y[2:]), y[-1:]])
    return (y,)


@program((3, 4))
def reshape_copies_do_not_write_back(xp, x):
    y = x * 1.0
    f = y.T.reshape(-1)  # a copy in NumPy: the transpose is not contiguous
    f[0] = 99.0
    g = y[:, ::2].ravel()  # a copy
    g += 1.0
    z = y[1:].ravel()  # contiguous rows: a view
    z[0] = -1.0
    return y, f, g


@rewrite(reshape_copies_do_not_write_back)
def _(xp, x):
    f = put(xp, x.T.reshape(-1), 0, 99.0)
    g = x[:, ::2].ravel() + 1.0
    return put(xp, x, (1, 0), -1.0), f, g


@program((3, 4))
def expand_dims_and_squeeze(xp, x):
    y = xp.cos(x)
    e = xp.expand_dims(y, 1)
    e[1, 0] *= 2.0
    s = xp.squeeze(e[:, :, :1])
    s += 1.0
    return y, e.sum(axis=1)


@rewrite(expand_dims_and_squeeze)
def _(xp, x):
    y = xp.cos(x)
    y = put(xp, y, 1, y[1] * 2.0)
    y = put(xp, y, (slice(None), 0), y[:, 0] + 1.0)
    return y, xp.expand_dims(y, 1).sum(axis=1)


@program((3, 4))
def newaxis_ellipsis_zero_d(xp, x):
    y = x ** 2
    n = y[None, :, None]
    n[0, 1, 0, 2] = -8.0
    y[..., -1] *= 3.0
    s = y[1, 2, ...]
    s += 100.0
    return y, n, s


@rewrite(newaxis_ellipsis_zero_d)
def _(xp, x):
    y = put(xp, x ** 2, (1, 2), -8.0)
    y = put(xp, y, (Ellipsis, -1), y[..., -1] * 3.0)
    y = put(xp, y, (1, 2), y[1, 2] + 100.0)
    return y, y[None, :, None], y[1, 2, ...]


@program((3, 4))
def mask_writes_through_views(xp, x):
    y = xp.sin(x)
    y[y > 0.5] = 0.5
    col = y[:, 0]
    col[col < 0] *= -1.0
    return (y,)


@rewrite(mask_writes_through_views)
def _(xp, x):
    y = xp.sin(x)
    y = xp.where(y > 0.5, 0.5, y)
    col = xp.where(y[:, 0] < 0, y[:, 0] * -1.0, y[:, 0])
    return (xp.concatenate([col[:, None], y[:, 1:]], axis=1),)


@program((3, 4))
def out_arguments_into_views(xp, x):
    y = x * 1.0
    xp.add(y[0], 1.0, out=y[1])
    xp.multiply(y[:, 0], y[:, 1], out=y[:, 3])
    xp.negative(y[2, ::2], out=y[2, ::2])
    return (y,)


@rewrite(out_arguments_into_views)
def _(xp, x):
    y = put(xp, x, 1, x[0] + 1.0)
    y = put(xp, y, (slice(None), 3), y[:, 0] * y[:, 1])
    y = put(xp, y, (2, slice(None, None, 2)), -y[2, ::2])
    return (y,)


@program((2, 5))
def sort_rows_in_place(xp, x):
    y = x * 1.0
    y[1].sort()
    y[0, ::-1].sort()  # sorting a reversed view: the row ends up descending
    return (y,)


@rewrite(sort_rows_in_place)
def _(xp, x):
    return (xp.stack([xp.sort(x[0])[::-1], xp.sort(x[1])]),)


@program((2, 4))
def inplace_operator_zoo(xp, x):
    y = x + 3.0
    y[0] /= 2.0
    y[1] **= 2.0
    y[:, 1] -= y[:, 2]
    y *= y[::-1]  # NumPy buffers the overlapping operand
    return (y,)


@rewrite(inplace_operator_zoo)
def _(xp, x):
    y = x + 3.0
    y = put(xp, y, 0, y[0] / 2.0)
    y = put(xp, y, 1, y[1] ** 2.0)
    y = put(xp, y, (slice(None), 1), y[:, 1] - y[:, 2])
    return (y * y[::-1],)


@program((3,))
def buffer_built_from_zeros(xp, x):
    out = xp.zeros((3, 3))
    out[0] = x
    out[1:, 1:] += x[:2] * x[1:, None]
    out[:, 0] = out[:, 2]
    out.T[2] -= x
    return (out,)


@rewrite(buffer_built_from_zeros)
def _(xp, x):
    out = put(xp, xp.zeros((3, 3)), 0, x)
    out = put(xp, out, (slice(1, None), slice(1, None)), out[1:, 1:] + x[:2] * x[1:, None])
    out = put(xp, out, (slice(None), 0), out[:, 2])
    return (put(xp, out, (slice(None), 2), out[:, 2] - x),)


@program((2, 3))
def empty_like_filled_in(xp, x):
    out = xp.empty_like(x)
    out[:] = x
    out[::2] *= 2.0
    out[:, 1] = xp.exp(out[:, 0])
    return (out,)


@rewrite(empty_like_filled_in)
def _(xp, x):
    y = put(xp, x, slice(None, None, 2), x[::2] * 2.0)
    return (put(xp, y, (slice(None), 1), xp.exp(y[:, 0])),)


@program((2, 3))
def real_part_of_a_real_array(xp, x):
    y = x * 1.0
    xp.real(y)[0, 0] = 5.0
    return (y,)


@rewrite(real_part_of_a_real_array)
def _(xp, x):
    return (put(xp, x, (0, 0), 5.0),)


@program((3, 3), transforms=True)
def matmul_then_row_writes(xp, x):
    y = x @ x
    y[0] += y[:, 0]  # overlaps y[0, 0]: read before the write
    y[1:] = y[1:] @ x
    return y, xp.trace(y)


@rewrite(matmul_then_row_writes)
def _(xp, x):
    y = x @ x
    y = put(xp, y, 0, y[0] + y[:, 0])
    y = put(xp, y, slice(1, None), y[1:] @ x)
    return y, xp.trace(y)


@program((4, 3))
def broadcast_and_diagonal_reads_follow_writes(xp, x):
    y = x[:3] * 1.0
    d = xp.diagonal(y)
    b = xp.broadcast_to(y[0], (2, 3))
    y[0, 0] = -2.0
    y[1] *= x[3]
    return d * 1.0, b + 0.0, y


@rewrite(broadcast_and_diagonal_reads_follow_writes)
def _(xp, x):
    y = put(xp, x[:3], (0, 0), -2.0)
    y = put(xp, y, 1, y[1] * x[3])
    return xp.diagonal(y) * 1.0, xp.broadcast_to(y[0], (2, 3)) + 0.0, y


# -- programs without a derivative: integers, booleans, complex --------------------------------

@program((4,))
def complex_parts_write_through(xp, x):
    z = x + 1j * x[::-1]
    z.real[1] = -1.0
    z.imag[2:] *= 10.0
    xp.imag(z)[0] = 0.5
    return (z,)


@program((3, 4), dtype=np.int64)
def integer_bit_ops_through_views(xp, x):
    x[1] <<= 2
    x[:, 0] |= 1
    x[2] %= 3
    x[0] ^= 5
    x[0, ...] &= 6
    x >>= 1
    return (x,)


@program((4, 4), dtype=np.int64)
def integer_floor_div_views(xp, x):
    y = x * 3
    d = y[::2, 1:]
    d //= 2
    y[1] -= d[0, 0]
    return y, d


@program((3, 4), dtype=np.int32)
def int32_views_keep_dtype(xp, x):
    c = x[:, 2]
    c *= 3
    x.T[1] += c
    return x, c


@program((3, 4), dtype=bool)
def boolean_views(xp, x):
    x[1:] ^= x[:-1]
    x.T[0] |= x[:, 1]
    return x, x[0]


@program((2, 3), dtype=np.int64)
def failed_writes_change_nothing(xp, x):
    row = x[0]
    row += 1
    with raises(TypeError):
        x += 1.5
    with raises(ValueError):
        row += np.ones(2, dtype=np.int64)
    with raises(IndexError):
        x[5] = 0
    return x, row


# -- helpers -----------------------------------------------------------------------------------

ALL = list(CASES.values())
FLOAT = [c for c in ALL if c.pure is not None]


def _ids(cases):
    return [c.name for c in cases]


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


@dataclasses.dataclass
class Reference:
    inputs: list  # the inputs as they were
    outputs: list  # what NumPy returned (objects, for identity and aliasing)
    after: list  # the inputs as NumPy left them
    mutated: list  # which inputs the program changes


@functools.cache
def reference(case: Case) -> Reference:
    inputs = case.inputs()
    args = [a.copy() for a in inputs]
    outputs = list(_as_tuple(case.prog(np, *args)))
    mutated = [i for i, (a, b) in enumerate(zip(inputs, args, strict=True))
               if not np.array_equal(a, b)]
    return Reference(inputs, outputs, args, mutated)


def _assert_same(actual, expected, where: str) -> None:
    assert isinstance(actual, lm.Tensor), f"{where}: {type(actual).__name__} is not a Tensor"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != {expected.dtype}"
    np.testing.assert_array_equal(actual.numpy(), expected, err_msg=where)


def _assert_matches_reference(case, ref, outputs, tensors, label):
    outputs = _as_tuple(outputs)
    assert len(outputs) == len(ref.outputs), f"{case.name} {label}: number of outputs"
    for i, (a, e) in enumerate(zip(outputs, ref.outputs, strict=True)):
        _assert_same(a, e, f"{case.name} {label}: output {i}")
    for i, (t, e) in enumerate(zip(tensors, ref.after, strict=True)):
        _assert_same(t, e, f"{case.name} {label}: input {i} afterwards")


def _assert_identity(ref, outputs, tensors, where):
    """An output that is one of NumPy's input arrays is the caller's own tensor."""
    for i, e in enumerate(ref.outputs):
        for j, a in enumerate(ref.after):
            if e is a:
                assert _as_tuple(outputs)[i] is tensors[j], (
                    f"{where}: output {i} should be input {j} itself")


def _tensors(ref):
    return [lnp.asarray(a) for a in ref.inputs]


def _bound(case):
    return functools.partial(case.prog, lnp)


# -- (b) lamina.numpy, lazily and eagerly ------------------------------------------------------

@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_lamina_numpy_matches_numpy(case, eager):
    ref = reference(case)
    with lm.config.override(eager=eager):
        tensors = _tensors(ref)
        out = case.prog(lnp, *tensors)
        _assert_matches_reference(case, ref, out, tensors, "eager" if eager else "lazy")
        _assert_identity(ref, out, tensors, case.name)


# -- (c) functionalize: same outputs, the caller's inputs mutated as NumPy's -------------------

@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
@pytest.mark.parametrize("remove", MODES)
@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_functionalize_matches_numpy(case, remove, eager):
    ref = reference(case)
    tensors = _tensors(ref)
    with lm.config.override(eager=eager):
        out = lm.functionalize(_bound(case), remove=remove)(*tensors)
    _assert_matches_reference(case, ref, out, tensors, f"functionalize({remove})")
    _assert_identity(ref, out, tensors, f"{case.name} functionalize({remove})")


def _writable(a):
    return isinstance(a, np.ndarray) and a.flags.writeable and a.dtype.kind in "fiuc"


def _poke(outputs, which):
    """Write into the outputs ``which``, in turn (whatever aliases them must follow)."""
    for i in which:
        o = outputs[i]
        o += 1000


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_functionalize_outputs_alias_like_numpy(case):
    """With remove="mutations", an output that is a view of an input (or of another output)
    stays one after the call: writing into the outputs afterwards changes the same arrays as
    in NumPy."""
    ref = reference(case)
    args = [a.copy() for a in ref.inputs]
    expected = list(_as_tuple(case.prog(np, *args)))
    which = [i for i, e in enumerate(expected) if _writable(e)]  # NumPy's scalars are not
    _poke(expected, which)
    tensors = _tensors(ref)
    out = _as_tuple(lm.functionalize(_bound(case))(*tensors))
    _poke(out, which)
    for i, (a, e) in enumerate(zip(out, expected, strict=True)):
        _assert_same(a, e, f"{case.name}: output {i} after writing into the outputs")
    for i, (t, e) in enumerate(zip(tensors, args, strict=True)):
        _assert_same(t, e, f"{case.name}: input {i} after writing into the outputs")


@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_functionalize_without_views_returns_no_alias_of_inputs(case):
    """With remove="mutations_and_views", outputs never alias the inputs (an input returned
    as itself excepted)."""
    ref = reference(case)
    tensors = _tensors(ref)
    out = _as_tuple(lm.functionalize(_bound(case), remove="mutations_and_views")(*tensors))
    returned_inputs = [i for i, o in enumerate(out) if any(o is t for t in tensors)]
    _poke(out, [i for i, o in enumerate(out)
                if o.flags.writeable and o.dtype.kind in "fiuc" and i not in returned_inputs])
    for i, (t, e) in enumerate(zip(tensors, ref.after, strict=True)):
        _assert_same(t, e, f"{case.name}: input {i} after writing into the outputs")


# -- (d) the graphs ----------------------------------------------------------------------------

@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_graph_of_plain_program_has_inplace_equations(case):
    graph = lm.make_graph(_bound(case))(*_tensors(reference(case)))
    inplace = [eq.name for eq in graph.equations if eq.inplace]
    assert inplace, f"{case.name}: no in-place equation in\n{graph}"
    assert all(name.endswith("_") for name in inplace)


@pytest.mark.parametrize("remove", MODES)
@pytest.mark.parametrize("case", ALL, ids=_ids(ALL))
def test_functionalized_graph_is_functional(case, remove):
    ref = reference(case)
    tensors = _tensors(ref)
    graph = lm.make_graph(lm.functionalize(_bound(case), remove=remove))(*tensors)
    assert not [eq for eq in graph.equations if eq.inplace], f"{case.name}:\n{graph}"
    if remove == "mutations_and_views":
        assert not [eq for eq in graph.equations if eq.view], f"{case.name}:\n{graph}"
    # The graph says which inputs the call mutates; make_graph leaves the caller's alone.
    assert sorted(graph.inputs.index(target) for target, _ in graph.mutated) == ref.mutated
    assert len(graph.outputs) == len(ref.outputs)
    for t, a in zip(tensors, ref.inputs, strict=True):
        np.testing.assert_array_equal(t.numpy(), a)


# make_graph reads an output view whose base was written after the view's last read (and,
# under functionalize, builds an output view of an input) only after recording stops, so the
# graph shows that output as a constant instead of the view equation that computes it.


def _graph_output_params():
    params = []
    for remove in (None, *MODES):
        for case in ALL:
            marks = []
            params.append(pytest.param(case, remove, marks=marks,
                                       id=f"{case.name}-{remove or 'plain'}"))
    return params


@pytest.mark.parametrize(("case", "remove"), _graph_output_params())
def test_graph_outputs_are_computed_from_the_inputs(case, remove):
    """Every output of the corpus depends on the inputs: the graph computes each one (it is an
    input or an equation's output), none is a constant."""
    fn = _bound(case) if remove is None else lm.functionalize(_bound(case), remove=remove)
    graph = lm.make_graph(fn)(*_tensors(reference(case)))
    defined = {id(v) for eq in graph.equations for v in eq.outputs}
    defined.update(id(v) for v in graph.inputs)
    constant = [i for i, v in enumerate(graph.outputs) if id(v) not in defined]
    assert not constant, f"{case.name}: outputs {constant} are constants in\n{graph}"


def test_graph_of_vmap_of_functionalize_has_no_inplace_equations():
    inplace = {}
    for case in MUTATING:
        xs = [lnp.asarray(np.stack([a, a[::-1]])) for a in reference(case).inputs]
        graph = lm.make_graph(lm.vmap(lm.functionalize(_bound(case))))(*xs)
        names = [eq.name for eq in graph.equations if eq.inplace]
        if names:
            inplace[case.name] = names
    assert not inplace, f"in-place equations: {inplace}"


# -- (e) derivatives against the out-of-place rewrite ------------------------------------------

def _weights(shape, k):
    return np.cos(np.arange(int(np.prod(shape))) + 0.7 * k).reshape(shape) + 0.25


def _weighted_sum(values):
    total = 0.0
    for k, v in enumerate(values):
        total = total + (v * _weights(v.shape, k).astype(v.dtype)).sum()
    return total


def _functionalized_loss(case, remove="mutations"):
    fn = lm.functionalize(_bound(case), remove=remove)
    mutated = reference(case).mutated

    def loss(*xs):
        out = _as_tuple(fn(*xs))  # mutates xs (grad's own inputs) as the program does
        return _weighted_sum(list(out) + [xs[j] for j in mutated])

    return loss


def _pure_loss(case):
    def loss(*xs):
        return _weighted_sum(_as_tuple(case.pure(lnp, *xs)))

    return loss


def _tol(case):
    return {"rtol": 1e-5, "atol": 1e-5} if case.dtype == np.float32 else {"rtol": 1e-12,
                                                                           "atol": 1e-12}


@pytest.mark.parametrize("case", FLOAT, ids=_ids(FLOAT))
def test_rewrite_matches_numpy_and_is_pure(case):
    ref = reference(case)
    args = [a.copy() for a in ref.inputs]
    got = _as_tuple(case.pure(np, *args))
    expected = list(ref.outputs) + [ref.after[j] for j in ref.mutated]
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        e = np.asarray(e)
        g = np.asarray(g)
        assert g.shape == e.shape and g.dtype == e.dtype, f"{case.name}: rewrite output {i}"
        np.testing.assert_array_equal(g, e, err_msg=f"{case.name}: rewrite output {i}")
    for a, b in zip(args, ref.inputs, strict=True):
        np.testing.assert_array_equal(a, b)  # the rewrite mutates nothing
    graph = lm.make_graph(functools.partial(case.pure, lnp))(*_tensors(ref))
    assert not [eq for eq in graph.equations if eq.inplace], f"{case.name} rewrite:\n{graph}"


@pytest.mark.parametrize("remove", MODES)
@pytest.mark.parametrize("case", FLOAT, ids=_ids(FLOAT))
def test_grad_matches_rewrite(case, remove):
    ref = reference(case)
    argnums = tuple(range(len(ref.inputs)))
    tensors = _tensors(ref)
    got = lm.grad(_functionalized_loss(case, remove), argnums=argnums)(*tensors)
    want = lm.grad(_pure_loss(case), argnums=argnums)(*_tensors(ref))
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g.dtype == w.dtype == case.dtype
        np.testing.assert_allclose(g.numpy(), w.numpy(), **_tol(case),
                                   err_msg=f"{case.name}: gradient {i}")


@pytest.mark.parametrize("case", [c for c in FLOAT if c.dtype == np.float64],
                         ids=_ids([c for c in FLOAT if c.dtype == np.float64]))
def test_functionalized_program_passes_check_grads(case):
    # check_grads first calls the function on its arguments as they are, which would apply
    # the program's mutation to them and move the point checked (onto the kink of a relu,
    # say): the function checked mutates copies.
    loss = _functionalized_loss(case)
    check_grads(lambda *xs: loss(*[x.copy() for x in xs]), _tensors(reference(case)), order=1)


# -- other transforms of programs that mutate through views ------------------------------------

TRANSFORMED = [c for c in FLOAT if c.transforms]


def _flat_functionalized(case):
    fn = lm.functionalize(_bound(case))
    mutated = reference(case).mutated

    def flat(*xs):
        out = list(_as_tuple(fn(*xs))) + [xs[j] for j in mutated]
        return lnp.concatenate([o.reshape(-1) for o in out])

    return flat


def _flat_pure(case):
    def flat(*xs):
        return lnp.concatenate([o.reshape(-1) for o in _as_tuple(case.pure(lnp, *xs))])

    return flat


def _close(a, b, what):
    for i, (x, y) in enumerate(zip(_as_tuple(a), _as_tuple(b), strict=True)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-12, atol=1e-12,
                                   err_msg=f"{what} {i}")


def _jvp(f, xs, rng):
    tangents = tuple(lnp.asarray(rng.standard_normal(x.shape)) for x in xs)
    return lm.jvp(f, tuple(xs), tangents)


def _vjp(f, xs, rng):
    out, fn = lm.vjp(f, *xs)
    return (out, *fn(lnp.asarray(rng.standard_normal(out.shape))))


def _jacrev(f, xs, rng):
    return lm.jacrev(f)(*xs)


def _jacfwd(f, xs, rng):
    return lm.jacfwd(f)(*xs)


def _hessian(f, xs, rng):
    weights = lnp.asarray(rng.standard_normal(f(*[x.copy() for x in xs]).shape))
    return lm.hessian(lambda *a: (f(*a) * weights).sum())(*xs)


@pytest.mark.parametrize("transform", [_jvp, _vjp, _jacrev, _jacfwd, _hessian],
                         ids=["jvp", "vjp", "jacrev", "jacfwd", "hessian"])
@pytest.mark.parametrize("case", TRANSFORMED, ids=_ids(TRANSFORMED))
def test_transforms_match_rewrite(case, transform):
    ref = reference(case)
    tensors = _tensors(ref)
    got = transform(_flat_functionalized(case), tensors, np.random.default_rng(0))
    want = transform(_flat_pure(case), _tensors(ref), np.random.default_rng(0))
    _close(got, want, f"{case.name} {transform.__name__}")


@pytest.mark.parametrize("remove", MODES)
@pytest.mark.parametrize("case", TRANSFORMED, ids=_ids(TRANSFORMED))
def test_functionalize_of_grad(case, remove):
    """functionalize outside grad: the backward pass is functional too (and without views for
    remove="mutations_and_views"), and the gradient is the rewrite's."""
    ref = reference(case)
    mutated = ref.mutated

    def loss(*xs):  # the plain program, mutating grad's own inputs
        out = _as_tuple(case.prog(lnp, *xs))
        return _weighted_sum(list(out) + [xs[j] for j in mutated])

    argnums = tuple(range(len(ref.inputs)))
    fn = lm.functionalize(lm.grad(loss, argnums=argnums), remove=remove)
    graph = lm.make_graph(fn)(*_tensors(ref))
    assert not [eq for eq in graph.equations if eq.inplace], f"{case.name}:\n{graph}"
    if remove == "mutations_and_views":
        assert not [eq for eq in graph.equations if eq.view], f"{case.name}:\n{graph}"
    got = fn(*_tensors(ref))
    want = lm.grad(_pure_loss(case), argnums=argnums)(*_tensors(ref))
    _close(got, want, f"{case.name} gradient")


# -- vmap(functionalize(f)) mutates each batch element of the input ----------------------------

MUTATING = [c for c in ALL if reference(c).mutated]
B = 5


@pytest.mark.parametrize("placement", ["in_dims=0", "in_dims=1", "chunk_size=2"])
@pytest.mark.parametrize("case", MUTATING, ids=_ids(MUTATING))
def test_vmap_of_functionalize_writes_back_per_batch_element(case, placement):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 1)
    batches = [case.inputs() for _ in range(B)]
    for b in batches[1:]:  # different values per batch element
        for a in b:
            a[...] = rng.permutation(a.ravel()).reshape(a.shape)
    expected, after = [], []
    for inputs in batches:  # the reference: a NumPy loop over the batch
        args = [a.copy() for a in inputs]
        expected.append([np.asarray(o) for o in _as_tuple(case.prog(np, *args))])
        after.append(args)
    axis = 1 if placement == "in_dims=1" else 0
    stacked = [np.stack([b[i] for b in batches], axis=axis) for i in range(len(case.shapes))]
    tensors = [lnp.asarray(s) for s in stacked]
    fn = lm.functionalize(_bound(case))
    if placement == "in_dims=1":
        out = lm.vmap(fn, in_dims=1)(*tensors)
    elif placement == "chunk_size=2":
        out = lm.vmap(fn, chunk_size=2)(*tensors)
    else:
        out = lm.vmap(fn)(*tensors)
    for i, o in enumerate(_as_tuple(out)):
        _assert_same(o, np.stack([e[i] for e in expected]), f"{case.name}: output {i}")
    for i, t in enumerate(tensors):
        want = np.stack([a[i] for a in after], axis=axis)
        _assert_same(t, want, f"{case.name}: input {i} afterwards")


# -- the aliasing edge cases, spelled out --------------------------------------------------------

@pytest.mark.parametrize("remove", MODES)
def test_returns_its_mutated_input_itself(remove):
    def f(x):
        x[1:] *= 2.0
        return x

    x = lnp.asarray(np.arange(4.0))
    row = x[1:]  # a view the caller holds sees the write-back
    assert lm.functionalize(f, remove=remove)(x) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_array_equal(row.numpy(), [2.0, 4.0, 6.0])


@pytest.mark.parametrize("remove", MODES)
def test_inputs_that_alias_each_other_still_alias_inside(remove):
    def prog(xp, x, r):
        r += 1.0  # r is a row of x: x sees it
        x[:, 0] *= r[0]  # ... and r sees this
        return x.sum(axis=0), r * 1.0

    a = np.arange(6.0).reshape(2, 3)
    expected = prog(np, a, a[1])
    x = lnp.asarray(np.arange(6.0).reshape(2, 3))
    row = x[1]
    got = lm.functionalize(functools.partial(prog, lnp), remove=remove)(x, row)
    for g, e in zip(got, expected, strict=True):
        _assert_same(g, e, "outputs")
    _assert_same(x, a, "x afterwards")
    _assert_same(row, a[1], "the row afterwards")


def _buffer_program(buffer):
    def f(x):
        buffer[1:] = x[:-1]  # a batched value into a captured, unbatched buffer
        buffer[::2] *= x[-1]
        return buffer * 1.0

    return f


@pytest.mark.parametrize("kwargs", [{}, {"in_dims": 1}, {"chunk_size": 2}],
                         ids=["in_dims=0", "in_dims=1", "chunk_size=2"])
def test_vmap_of_functionalize_writes_into_a_captured_buffer(kwargs):
    xs = np.random.default_rng(3).normal(size=(5, 4))
    expected = []
    for x in xs:  # each batch element starts from the buffer as the caller has it
        expected.append(_buffer_program(np.full(4, 7.0))(x))
    buffer = lnp.full(4, 7.0)
    batched = xs.T if kwargs.get("in_dims") == 1 else xs
    out = lm.vmap(lm.functionalize(_buffer_program(buffer)), **kwargs)(lnp.asarray(batched))
    _assert_same(out, np.stack(expected), "outputs")
    _assert_same(buffer, np.full(4, 7.0), "the buffer afterwards")  # private to the call


def test_vmap_without_functionalize_refuses_to_write_into_a_captured_buffer():
    buffer = lnp.full(4, 7.0)
    with pytest.raises(lm.LaminaRuntimeError, match=r"setitem_.*functionalize"):
        lm.vmap(_buffer_program(buffer))(lnp.asarray(np.ones((5, 4))))
    _assert_same(buffer, np.full(4, 7.0), "the buffer afterwards")


@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_captured_mutation_under_grad_and_jvp_needs_functionalize(transform):
    buffer = lnp.full(4, 7.0)
    f = _buffer_program(buffer)

    def run(fn):
        x = lnp.asarray(np.arange(1.0, 5.0))
        if transform == "grad":
            return lm.grad(lambda x: (fn(x) ** 2).sum())(x)
        return lm.jvp(fn, (x,), (lnp.ones(4),))[1]

    with pytest.raises(lm.LaminaRuntimeError, match=r"mutate a captured Tensor"):
        run(f)
    got = run(lm.functionalize(f))

    def pure(x):  # the buffer written out of place
        y = put(lnp, lnp.full(4, 7.0), slice(1, None), x[:-1])
        return put(lnp, y, slice(None, None, 2), y[::2] * x[-1])

    _assert_same(got, run(pure).numpy(), transform)
    _assert_same(buffer, np.full(4, 7.0), "the buffer afterwards")


def test_vmap_of_functionalize_inside_grad():
    def prog(xp, x):
        y = x * 1.0
        y[1:] += y[:-1] * x[0]
        x[::2] = y[::2]  # the batch element of the input itself
        return y

    def loss(xs):
        out = lm.vmap(lm.functionalize(functools.partial(prog, lnp)))(xs)
        return (out * xs).sum()  # xs here is the mutated input

    def pure_loss(xs):
        y = lnp.concatenate([xs[:, :1], xs[:, 1:] + xs[:, :-1] * xs[:, :1]], axis=1)
        new = put(lnp, xs, (slice(None), slice(None, None, 2)), y[:, ::2])
        return (y * new).sum()

    xs = np.random.default_rng(4).normal(size=(3, 5))
    got = lm.grad(loss)(lnp.asarray(xs))
    np.testing.assert_allclose(got.numpy(), lm.grad(pure_loss)(lnp.asarray(xs)).numpy(),
                               rtol=1e-12, atol=1e-12)
