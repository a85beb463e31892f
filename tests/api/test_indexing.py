"""``t[index]`` and ``t[index] = v`` against NumPy: results, views vs copies, casting, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.numpy as lnp

_ALL = slice(None)
A = np.arange(24.0).reshape(2, 3, 4)
_M = A > 10

# Indices into A (shape (2, 3, 4)), every kind NumPy accepts.
INDICES = [
    0, -1, (1, 2), (1, 2, 3), (_ALL, 1), (Ellipsis, 1), (None, 0), (1, Ellipsis, None),
    (slice(None, None, -1), slice(1, None), slice(None, None, 3)), (slice(5, -5, -1),),
    (1, 2, 3, Ellipsis), (), Ellipsis, None, (slice(2, 1),),
    [0, 1], ([1, 0], _ALL, [0, 3]), (_ALL, [0, 2], [1, 3]), (0, [0, 2]), ([[0], [1]], [[0, 1, 2]]),
    (_ALL, None, [0, 1]), (np.array(1),), (_ALL, np.array(1), [0, 1]), ([],), ((0, 1),),
    (np.array([1, 0]), 2), (np.int64(1), slice(None, None, -1)), (np.intp(-1), np.int32(2)),
    (_M,), (A[:, 0, 0] > 3,), (_ALL, A[0, :, 0] > 3), (A[..., 0] > 3, slice(None, 2)),
    (A[:, :, 0] > 5, None), (Ellipsis, A[0, 0] > 1), (np.zeros((2, 3), bool),),
    (True,), (False,), (_ALL, True), ([0, 1], True, [0, 1]), (Ellipsis, True),
    (np.array(True),), (np.array(False), 0), (_ALL, True, _ALL, [0, 1]),
]


def _as_tuple(index):
    return index if isinstance(index, tuple) else (index,)


def _ids(index):
    text = repr(index).replace("\n", "")
    return text if len(text) < 40 else text[:37] + "..."


@pytest.mark.parametrize("index", INDICES, ids=_ids)
def test_getitem_matches_numpy_and_aliases_as_numpy(index):
    a = A.copy()
    x = lnp.asarray(A.copy())
    expected = a[index]
    got = x[index]
    assert isinstance(got, lm.Tensor)
    assert got.shape == np.shape(expected) and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)
    # Write through the result: the base changes exactly when NumPy's result is a view.
    if isinstance(expected, np.ndarray):
        expected[...] = -7.0
    got[...] = -7.0
    np.testing.assert_array_equal(x.numpy(), a)


@pytest.mark.parametrize("index", INDICES, ids=_ids)
@pytest.mark.parametrize("kind", ["scalar", "full", "broadcast", "tensor"])
def test_setitem_matches_numpy(index, kind):
    a = A.copy()
    x = lnp.asarray(A.copy())
    target = np.shape(a[index])
    if kind == "scalar":
        v = -1.5
    elif kind == "broadcast" and len(target) > 1:
        v = np.arange(target[-1], dtype=float)[None] - 100  # a leading 1 that NumPy drops
    elif kind == "broadcast" and (target or Ellipsis in _as_tuple(index)):
        v = np.array([-100.0])
    elif kind == "broadcast":  # NumPy refuses a 1-element array into a scalar position
        v = np.array([-100.0])
        with pytest.raises(ValueError):
            a[index] = v
        with pytest.raises(ValueError, match="setting an array element with a sequence"):
            x[index] = v
        return
    else:
        v = np.arange(int(np.prod(target)), dtype=float).reshape(target) + 100
    a[index] = v
    x[index] = lnp.asarray(v) if kind == "tensor" else v
    np.testing.assert_array_equal(x.numpy(), a)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int8, np.uint8, np.bool_,
                                   np.complex128])
def test_getitem_setitem_keep_dtype(dtype):
    a = (np.arange(12) % 5).astype(dtype).reshape(3, 4)
    x = lnp.asarray(a.copy())
    for index in [(1,), (_ALL, [0, 2]), (a != 0,)]:
        assert x[index].dtype == a[index].dtype
        np.testing.assert_array_equal(x[index].numpy(), a[index])
    a[0] = 1
    x[0] = 1
    a[a == 1] = 0
    x[x == 1] = 0
    np.testing.assert_array_equal(x.numpy(), a)
    assert x.dtype == dtype


def _setitem_outcome(a, index, value):
    try:
        a[index] = value
    except Exception as exc:  # noqa: BLE001 - compared with lamina's exception below
        return type(exc)
    return a


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("dtype, value", [
    (np.int64, 1.7), (np.int64, -2.9), (np.int64, True), (np.int8, 300), (np.int8, -129),
    (np.uint8, -1), (np.int8, np.int64(300)), (np.int64, float("nan")),
    (np.int64, np.float32("nan")), (np.int64, 1e20), (np.float64, 1 + 2j),
    (np.int64, 1 + 2j), (np.bool_, 5), (np.bool_, 0.0), (np.float32, 1e300),
    (np.complex64, 1 + 2j), (np.int8, [300, 1]), (np.int64, [1.5, 2.5]),
    (np.float64, np.float32(0.1)), (np.int32, np.float64(7.9)), (np.int16, np.int64(70000)),
])
def test_setitem_casts_like_numpy(dtype, value):
    a = np.zeros(3, dtype)
    x = lnp.asarray(np.zeros(3, dtype))
    index = slice(0, 2) if isinstance(value, list) else 0
    expected = _setitem_outcome(a, index, value)
    if isinstance(expected, type):
        with pytest.raises(expected):
            x[index] = value
        np.testing.assert_array_equal(x.numpy(), np.zeros(3, dtype))  # unchanged
    else:
        x[index] = value
        assert x.dtype == dtype
        np.testing.assert_array_equal(x.numpy(), expected)


def test_setitem_casts_arrays_unsafely():
    x = lnp.asarray(np.zeros(4, np.int32))
    x[:] = np.array([1.9, -1.9, 2.5, 7.0])
    np.testing.assert_array_equal(x.numpy(), np.array([1, -1, 2, 7], np.int32))
    x[[0, 1]] = lnp.asarray(np.array([True, False]))
    np.testing.assert_array_equal(x.numpy(), np.array([1, 0, 2, 7], np.int32))


def test_duplicate_indices_write_once_last_wins():
    x = lnp.asarray(np.zeros(4))
    x[[0, 0, 1]] = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0, 0.0, 0.0])
    x[[1, 1, 1]] += 1
    np.testing.assert_array_equal(x.numpy(), [2.0, 4.0, 0.0, 0.0])


def test_index_kinds_accepted():
    a = np.arange(10.0)
    x = lnp.asarray(a)

    class Two:
        def __index__(self):
            return 2

    assert x[Two()].item() == 2.0
    assert x[Two():].shape == (8,)
    assert x[np.int16(3)].item() == 3.0
    assert x[lnp.asarray(np.array(4))].item() == 4.0  # a 0-d integer tensor (a copy)
    np.testing.assert_array_equal(x[lnp.asarray(np.array([1, 3]))].numpy(), a[[1, 3]])
    np.testing.assert_array_equal(x[lnp.asarray(a) > 6].numpy(), a[a > 6])
    np.testing.assert_array_equal(x[[True] * 5 + [False] * 5].numpy(), a[:5])
    np.testing.assert_array_equal(x[np.array([], dtype=np.uint8)].numpy(), a[[]])
    i = lnp.asarray(np.array([2]))
    assert x[i[0]:].shape == (8,)  # a 0-d integer tensor as a slice bound


def test_scalar_results_are_copies_and_ellipsis_gives_views():
    x = lnp.asarray(np.arange(6.0).reshape(2, 3))
    s = x[1, 2]
    v = x[1, 2, ...]
    x[1, 2] = 100.0
    assert s.item() == 5.0
    assert v.item() == 100.0
    zero_d = lnp.asarray(np.array(3.0))
    c = zero_d[()]
    zero_d[...] = 4.0
    assert c.item() == 3.0 and zero_d.item() == 4.0


# -- errors ------------------------------------------------------------------------------------

X = np.arange(12.0).reshape(3, 4)

ERRORS = [
    ((5,), IndexError, "index 5 is out of bounds for axis 0 with size 3"),
    ((-4,), IndexError, "index -4 is out of bounds for axis 0 with size 3"),
    ((0, 9), IndexError, "index 9 is out of bounds for axis 1 with size 4"),
    (([0, 5],), IndexError, "index 5 is out of bounds for axis 0 with size 3"),
    ((_ALL, [-5]), IndexError, "index -5 is out of bounds for axis 1 with size 4"),
    ((0, 0, 0), IndexError, "too many indices for array: array is 2-dimensional, but 3 were"),
    ((X > 3, 0), IndexError, "too many indices for array"),
    ((1.0,), IndexError, "only integers, slices"),
    (("a",), IndexError, "only integers, slices"),
    ((np.array([1.0]),), IndexError, "arrays used as indices must be of integer (or boolean)"),
    ((Ellipsis, Ellipsis), IndexError, "an index can only have a single ellipsis"),
    ((np.array([True, False]),), IndexError,
     "boolean index did not match indexed array along axis 0; size of axis is 3 but size of "
     "corresponding boolean axis is 2"),
    ((_ALL, np.array([True])), IndexError, "along axis 1; size of axis is 4"),
    (([0, 1], [0, 1, 2]), IndexError, "shape mismatch: indexing arrays could not be broadcast"),
    ((slice(1.5, None),), TypeError, "slice indices must be integers"),
    ((slice(None, None, 0),), ValueError, "slice step cannot be zero"),
    (([[0, 1], [2]],), ValueError, "inhomogeneous"),
]


@pytest.mark.parametrize("index, kind, fragment", ERRORS, ids=[_ids(e[0]) for e in ERRORS])
def test_index_errors_like_numpy(index, kind, fragment):
    with pytest.raises(kind):
        X[index]
    x = lnp.asarray(X)
    with pytest.raises(kind, match=_escape(fragment)):
        x[index]
    with pytest.raises(kind, match=_escape(fragment)):
        x[index] = 1.0
    np.testing.assert_array_equal(x.numpy(), X)


def _escape(text):
    import re  # noqa: PLC0415

    return re.escape(text)


SET_ERRORS = [
    ((0,), np.ones(3), ValueError,
     "could not broadcast input array from shape (3,) into shape (4,)"),
    ((_ALL, 0), np.ones((2, 3)), ValueError, "could not broadcast input array from shape (2, 3)"),
    (([0, 1],), np.ones((3, 4)), ValueError,
     "shape mismatch: value array of shape (3, 4) could not be broadcast to indexing result of "
     "shape (2, 4)"),
    ((X > 5,), np.ones(2), ValueError,
     "boolean array indexing assignment cannot assign 2 input values to the 6 output values"),
    ((X > 5,), np.ones((2, 3)), TypeError,
     "boolean array indexing assignment requires a 0 or 1-dimensional input, input has 2"),
    ((X[:, 0] > 3,), np.ones(3), ValueError, "shape mismatch: value array of shape (3,)"),
]


@pytest.mark.parametrize("index, value, kind, fragment", SET_ERRORS,
                         ids=[_ids(e[0]) for e in SET_ERRORS])
def test_setitem_value_errors_like_numpy(index, value, kind, fragment):
    a = X.copy()
    with pytest.raises(kind):
        a[index] = value
    x = lnp.asarray(X)
    with pytest.raises(kind, match=_escape(fragment)):
        x[index] = value
    np.testing.assert_array_equal(x.numpy(), X)


def test_read_only_setitem_error():
    x = lnp.asarray(X)
    d = lnp.diagonal(x)
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        d[0] = 1.0
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        d[lnp.asarray(np.array([0, 1]))] = 1.0
    np.testing.assert_array_equal(x.numpy(), X)


# -- Hypothesis: random basic indices, getitem and setitem through the view -------------------

@st.composite
def basic_indices(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))
    entries = []
    ndim = len(shape)
    axis = 0
    use_ellipsis = draw(st.booleans())
    ellipsis_at = draw(st.integers(0, ndim)) if use_ellipsis else None
    for d in range(ndim):
        if d == ellipsis_at:
            entries.append(Ellipsis)
            # The ellipsis takes some of the axes: skip a random number of them.
            skip = draw(st.integers(0, ndim - d))
            axis += skip
            if axis >= ndim:
                break
        if axis >= ndim:
            break
        n = shape[axis]
        if draw(st.integers(0, 5)) == 0:
            entries.append(None)
        choice = draw(st.integers(0, 3))
        if choice == 0 and n > 0:
            entries.append(draw(st.integers(-n, n - 1)))
        elif choice == 1:
            entries.append(_ALL)
        else:
            bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            step = draw(st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0)))
            entries.append(slice(draw(bound), draw(bound), step))
        axis += 1
    if ellipsis_at is not None and ellipsis_at >= ndim and Ellipsis not in entries:
        entries.append(Ellipsis)
    if draw(st.booleans()):
        entries.append(None)
    return shape, tuple(entries)


@settings(max_examples=60, deadline=None)
@given(basic_indices())
def test_basic_getitem_and_setitem_through_view_hypothesis(case):
    shape, index = case
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    x = lnp.asarray(a.copy())
    expected = a[index]
    got = x[index]
    assert got.shape == np.shape(expected)
    np.testing.assert_array_equal(got.numpy(), expected)
    # Write new values through the view (a NumPy scalar result is a copy in both).
    values = -1.0 - np.arange(int(np.prod(np.shape(expected)))).reshape(np.shape(expected))
    if not isinstance(expected, np.ndarray):
        expected = np.array(values)  # what lamina's copy holds after the write below
    expected[...] = values
    got[...] = values
    np.testing.assert_array_equal(x.numpy(), a)
    np.testing.assert_array_equal(got.numpy(), values)
    # In-place through the view, then a direct setitem on the base.
    expected += 0.5
    got += 0.5
    np.testing.assert_array_equal(x.numpy(), a)
    a[index] = 7.0
    x[index] = 7.0
    np.testing.assert_array_equal(x.numpy(), a)
    np.testing.assert_array_equal(got.numpy(), expected)


@settings(max_examples=40, deadline=None)
@given(basic_indices(), st.integers(0, 2**31 - 1))
def test_advanced_mixed_getitem_hypothesis(case, seed):
    # Replace one entry of a basic index by an integer array: NumPy's placement of advanced dims.
    shape, index = case
    rng = np.random.default_rng(seed)
    positions = [i for i, e in enumerate(index) if isinstance(e, (int, slice))]
    if not positions:
        return
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    i = positions[rng.integers(len(positions))]
    if Ellipsis in index[:i]:
        return
    axis = sum(isinstance(e, (int, slice)) for e in index[:i])  # the axis entry i takes
    n = shape[axis]
    if n == 0:
        return
    arr = rng.integers(-n, n, size=rng.integers(1, 4))
    new_index = index[:i] + (arr,) + index[i + 1:]
    expected = a[new_index]
    got = lnp.asarray(a)[new_index]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)
    b = a.copy()
    y = lnp.asarray(a.copy())
    b[new_index] = -1.0
    y[new_index] = -1.0
    np.testing.assert_array_equal(y.numpy(), b)


def test_numpy_index_and_value_arrays_are_snapshots():
    # The graph runs later: mutating the NumPy arrays afterwards must not change the results.
    idx = np.array([0, 1])
    mask = np.array([True, False, True])
    value = np.array([7.0, 8.0])
    x = lnp.asarray(np.arange(3.0))
    got = x[idx]
    masked = x[mask]
    x[[1, 2]] = value
    idx[0] = 2
    mask[:] = False
    value[:] = -1.0
    np.testing.assert_array_equal(got.numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(masked.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(x.numpy(), [0.0, 7.0, 8.0])
