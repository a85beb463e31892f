"""Hypothesis: shapes of matmul, einsum and tensordot against NumPy (integers, so exact)."""

from __future__ import annotations

import string

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lamina.numpy as lnp

SETTINGS = settings(max_examples=50, deadline=None)


def _ints(shape, seed):
    return np.random.default_rng(seed).integers(-3, 4, size=shape)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3,
                                                max_side=4, min_side=0),
       seed=st.integers(0, 2**16))
def test_matmul_shapes(shapes, seed):
    s1, s2 = shapes.input_shapes
    a, b = _ints(s1, seed), _ints(s2, seed + 1)
    expected = a @ b
    got = lnp.asarray(a) @ lnp.asarray(b)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)


@st.composite
def einsum_cases(draw):
    """A random valid einsum: 1-3 operands, repeated labels, ellipses, size-1 broadcasting,
    implicit or explicit output."""
    labels = string.ascii_letters[: draw(st.integers(1, 5))]
    sizes = {c: draw(st.integers(1, 3)) for c in labels}
    n_ops = draw(st.integers(1, 3))
    ell = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    use_ell = draw(st.booleans()) and n_ops > 0
    terms, shapes = [], []
    for _ in range(n_ops):
        term = draw(st.lists(st.sampled_from(labels), max_size=4))
        shape = [sizes[c] if not draw(st.booleans()) or term.count(c) > 1 else 1 for c in term]
        if use_ell and draw(st.booleans()):
            k = draw(st.integers(0, len(ell)))
            e_shape = [d if draw(st.booleans()) else 1 for d in ell[len(ell) - k:]]
            pos = draw(st.integers(0, len(term)))
            term = term[:pos] + ["..."] + term[pos:]
            shape = shape[:pos] + e_shape + shape[pos:]
        terms.append("".join(term))
        shapes.append(tuple(shape))
    subscripts = ",".join(terms)
    if draw(st.booleans()):
        present = sorted({c for t in terms for c in t if c != "."})
        out = draw(st.lists(st.sampled_from(present), unique=True)) if present else []
        if any("..." in t for t in terms):
            out.insert(draw(st.integers(0, len(out))), "...")
        subscripts += "->" + "".join(out)
    return subscripts, shapes


@SETTINGS
@given(case=einsum_cases(), seed=st.integers(0, 2**16))
def test_einsum_matches_numpy(case, seed):
    subscripts, shapes = case
    arrays = [_ints(s, seed + i) for i, s in enumerate(shapes)]
    expected = np.einsum(subscripts, *arrays)
    got = lnp.einsum(subscripts, *[lnp.asarray(a) for a in arrays])
    assert got.shape == np.shape(expected), (subscripts, shapes)
    assert got.dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got.numpy(), expected)


@st.composite
def tensordot_cases(draw):
    shape_a = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3))
    n = draw(st.integers(0, len(shape_a)))
    axes_a = draw(st.permutations(range(len(shape_a))))[:n]
    free_b = list(draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)))
    positions = draw(st.permutations(range(n + len(free_b))))
    shape_b = [0] * (n + len(free_b))
    axes_b = list(positions[:n])
    for ax_a, ax_b in zip(axes_a, axes_b, strict=True):
        shape_b[ax_b] = shape_a[ax_a]
    for pos, d in zip(positions[n:], free_b, strict=True):
        shape_b[pos] = d
    if draw(st.booleans()):  # negative axes are allowed too
        axes_a = [a - len(shape_a) for a in axes_a]
    return tuple(shape_a), tuple(shape_b), (list(axes_a), axes_b)


@SETTINGS
@given(case=tensordot_cases(), seed=st.integers(0, 2**16))
def test_tensordot_matches_numpy(case, seed):
    shape_a, shape_b, axes = case
    a, b = _ints(shape_a, seed), _ints(shape_b, seed + 1)
    expected = np.tensordot(a, b, axes=axes)
    got = lnp.tensordot(lnp.asarray(a), lnp.asarray(b), axes=axes)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)


@SETTINGS
@given(shape_a=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
       shape_b=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_dot_matches_numpy(shape_a, shape_b, seed):
    # make the summed dims agree: last of a, second-to-last (or only) of b
    shape_b = list(shape_b)
    shape_b[max(len(shape_b) - 2, 0)] = shape_a[-1]
    a, b = _ints(shape_a, seed), _ints(tuple(shape_b), seed + 1)
    expected = np.dot(a, b)
    got = lnp.dot(lnp.asarray(a), lnp.asarray(b))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)
