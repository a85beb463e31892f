"""``lamina.Tensor``: NumPy's attributes, operators, conversions and look, plus the device."""

from __future__ import annotations

import copy
import operator
import pickle

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

ARRAYS = [
    np.arange(12.0).reshape(3, 4),
    np.arange(5, dtype=np.float32),
    np.array(2.5),
    np.arange(24, dtype=np.int64).reshape(2, 3, 4),
    np.zeros((0, 3)),
    np.array([True, False]),
    np.array([1 + 2j, 3 - 1j]),
    np.arange(6, dtype=np.int8).reshape(2, 3),
]


def _id(a):
    return f"{a.dtype}{a.shape}"


def _check(t, expected):
    assert isinstance(t, lm.Tensor), type(t)
    expected = np.asarray(expected)
    assert t.shape == expected.shape and t.dtype == expected.dtype, (t.shape, t.dtype)
    np.testing.assert_array_equal(t.numpy(), expected)


# -- attributes --------------------------------------------------------------------------------

@pytest.mark.parametrize("a", ARRAYS, ids=_id)
def test_attributes_match_numpy(a):
    t = lnp.asarray(a)
    assert t.shape == a.shape and isinstance(t.shape, tuple)
    assert t.dtype == a.dtype and isinstance(t.dtype, np.dtype)
    assert (t.ndim, t.size, t.itemsize, t.nbytes) == (a.ndim, a.size, a.itemsize, a.nbytes)
    assert t.device == "cpu" and t.device is lm.Device("cpu")
    _check(t.T, a.T)
    if a.ndim >= 2:
        _check(t.mT, a.mT)
    else:
        with pytest.raises(ValueError, match="matrix transpose with ndim < 2 is undefined"):
            _ = t.mT
    if a.ndim:
        assert len(t) == len(a)


def test_flags():
    t = lnp.asarray(np.arange(6.0))
    assert t.flags.writeable and t.flags["WRITEABLE"] and t.flags.owndata
    v = t[1:]
    assert v.flags.writeable and not v.flags["OWNDATA"]
    v.flags.writeable = False
    # The message says why the tensor is read-only, and the way out for that reason.
    with pytest.raises(ValueError, match=r"assignment destination is read-only \(its write "
                       r"flag is off.*setflags\(write=True\)"):
        v[0] = 1.0
    with pytest.raises(ValueError, match="write flag is off"):
        v += 1.0
    v.flags.writeable = True
    v[0] = 1.0
    assert t[1].item() == 1.0
    b = lnp.broadcast_to(t, (2, 6))
    assert not b.flags.writeable
    with pytest.raises(ValueError, match="cannot set WRITEABLE flag to True"):
        b.flags.writeable = True
    with pytest.raises(ValueError, match="read-only view, e.g. from broadcast_to.*copy"):
        b[0, 0] = 1.0


# -- operators ---------------------------------------------------------------------------------

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
          operator.mod, operator.pow, operator.lt, operator.le, operator.gt, operator.ge,
          operator.eq, operator.ne]
INT_BINARY = [operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift]
INPLACE = {operator.add: operator.iadd, operator.sub: operator.isub,
           operator.mul: operator.imul, operator.truediv: operator.itruediv,
           operator.floordiv: operator.ifloordiv, operator.mod: operator.imod,
           operator.pow: operator.ipow, operator.and_: operator.iand,
           operator.or_: operator.ior, operator.xor: operator.ixor,
           operator.lshift: operator.ilshift, operator.rshift: operator.irshift}


def _operands(dtype):
    a = (np.arange(12).reshape(3, 4) % 5 + 1).astype(dtype)
    b = (np.arange(4) % 3 + 1).astype(dtype)
    return a, b


@pytest.mark.parametrize("op", BINARY + INT_BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32])
def test_binary_operators(op, dtype):
    if op in INT_BINARY and np.dtype(dtype).kind == "f":
        pytest.skip("bitwise operators take integers")
    a, b = _operands(dtype)
    x, y = lnp.asarray(a), lnp.asarray(b)
    scalar = 2 if op in INT_BINARY or np.dtype(dtype).kind in "iu" else 1.5
    _check(op(x, y), op(a, b))                       # tensor, tensor (broadcasting)
    _check(op(x, scalar), op(a, scalar))             # tensor, Python scalar (weak)
    _check(op(scalar, x), op(scalar, a))             # reflected
    _check(op(x, b), op(a, b))                       # tensor, NumPy array
    _check(op(b, x), op(b, a))                       # NumPy array, tensor: NumPy defers
    _check(op(b.tolist(), x), op(b.tolist(), a))     # list, tensor


@pytest.mark.parametrize("op", list(INPLACE), ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_inplace_operators(op, dtype):
    if op in INT_BINARY and np.dtype(dtype).kind == "f":
        pytest.skip("bitwise operators take integers")
    if op is operator.truediv and dtype == np.int64:
        pytest.skip("true division of an integer tensor in place is a casting error")
    a, b = _operands(dtype)
    x = lnp.asarray(a.copy())
    alias = x
    row = x[1]
    result = INPLACE[op](x, lnp.asarray(b))
    expected = INPLACE[op](a.copy(), b)
    assert result is alias  # the same handle, mutated
    _check(x, expected)
    _check(row, expected[1])  # views see the write
    result = INPLACE[op](x, 2)
    _check(x, INPLACE[op](expected, 2))


def test_inplace_true_divide_of_int_is_a_casting_error():
    x = lnp.asarray(np.arange(4))
    with pytest.raises(TypeError, match="Cannot cast"):
        x /= 2
    with pytest.raises(TypeError, match="Cannot cast"):
        x += 1.5
    np.testing.assert_array_equal(x.numpy(), np.arange(4))
    x *= 2  # same kind: fine
    np.testing.assert_array_equal(x.numpy(), np.arange(4) * 2)


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.bool_, np.int8])
def test_unary_operators(dtype):
    a = (np.arange(6).reshape(2, 3) - 2).astype(dtype)
    x = lnp.asarray(a)
    if dtype != np.bool_:
        _check(-x, -a)
        _check(+x, +a)
        _check(abs(x), abs(a))
    if np.dtype(dtype).kind in "biu":
        _check(~x, ~a)


def test_divmod_and_pow():
    a = np.arange(7) - 3
    x = lnp.asarray(a)
    q, r = divmod(x, 2)
    _check(q, a // 2)
    _check(r, a % 2)
    q, r = divmod(7, lnp.asarray(np.array([2, 3])))
    _check(q, 7 // np.array([2, 3]))
    _check(r, 7 % np.array([2, 3]))
    _check(x ** 2, a ** 2)
    _check(2.0 ** x, 2.0 ** a)


def test_comparisons_with_none_and_weak_scalars():
    a = np.arange(3.0)
    x = lnp.asarray(a)
    _check(x == None, a == None)  # noqa: E711 - NumPy compares elementwise
    _check(x != None, a != None)  # noqa: E711
    f32 = lnp.asarray(np.arange(3, dtype=np.float32))
    assert (f32 * 2.0).dtype == np.float32 and (2 * f32).dtype == np.float32
    assert (lnp.asarray(np.arange(3, dtype=np.int8)) + 1).dtype == np.int8


def test_matmul_operators():
    if not hasattr(lnp, "matmul"):
        pytest.skip("lnp.matmul is not there yet")
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    v = np.arange(3.0)
    x, y = lnp.asarray(a), lnp.asarray(b)
    _check(x @ y, a @ b)
    _check(x @ v, a @ v)
    _check(y.__rmatmul__(v), v @ b)  # reflected
    _check(lnp.asarray(v) @ lnp.asarray(v), v @ v)
    sq = lnp.asarray(np.arange(4.0).reshape(2, 2))
    alias = sq
    sq @= np.eye(2) * 2
    assert sq is alias
    _check(sq, np.arange(4.0).reshape(2, 2) * 2)


def test_ndarray_matmul_tensor_defers_to_the_tensor():
    if not hasattr(lnp, "matmul"):
        raise AssertionError("lnp.matmul is not there yet")
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    _check(a @ lnp.asarray(b), a @ b)


class _OptOut:
    """An operand that opted out of NumPy's operators: its reflected methods must run."""

    __array_ufunc__ = None

    def __radd__(self, other):
        return "radd"

    def __rmul__(self, other):
        return "rmul"


def test_operators_defer_to_operands_that_opt_out():
    x = lnp.asarray(np.arange(3.0))
    assert x + _OptOut() == "radd"
    assert x * _OptOut() == "rmul"


def test_tensors_are_unhashable():
    with pytest.raises(TypeError):
        hash(lnp.asarray(np.arange(3)))


# -- conversions -------------------------------------------------------------------------------

def test_numpy_returns_an_independent_copy():
    x = lnp.asarray(np.arange(3.0))
    a = x.numpy()
    a[0] = 100.0
    assert x[0].item() == 0.0
    assert type(a) is np.ndarray


def test_array_protocol_read_only_unless_copy():
    x = lnp.asarray(np.arange(3.0))
    a = np.asarray(x)
    assert not a.flags.writeable
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    with pytest.raises(ValueError):
        a[0] = 1.0
    b = np.array(x)  # np.array copies
    b[0] = 5.0
    c = x.__array__(copy=True)
    c[1] = 5.0
    assert x.tolist() == [0.0, 1.0, 2.0]
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError):
        x.__array__(np.float32, copy=False)


def test_to_and_cpu():
    x = lnp.asarray(np.arange(3.0))
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to(lm.Device("cpu")).device == "cpu"
    try:
        import cupy  # noqa: F401, PLC0415
    except Exception:  # noqa: BLE001
        with pytest.raises(lm.DeviceError):
            x.to("cuda")


def test_len_iter_contains():
    a = np.arange(6.0).reshape(2, 3)
    x = lnp.asarray(a)
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, lm.Tensor) for r in rows)
    _check(rows[1], a[1])
    assert [r.item() for r in x[0]] == [0.0, 1.0, 2.0]
    assert 4.0 in x and 7.0 not in x
    zero_d = lnp.asarray(np.array(1.0))
    with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
        len(zero_d)
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        iter(zero_d)  # raises at iter(), as NumPy does, not at the first next()


def test_python_scalar_conversions():
    assert float(lnp.asarray(np.array(2.5))) == 2.5
    assert int(lnp.asarray(np.array(2.7))) == 2
    assert complex(lnp.asarray(np.array(1 + 2j))) == 1 + 2j
    assert bool(lnp.asarray(np.array([0.5]))) is True
    assert bool(lnp.asarray(np.array(0))) is False
    assert operator.index(lnp.asarray(np.array(3))) == 3
    assert [10, 20, 30][lnp.asarray(np.array(1, dtype=np.int32))] == 20
    f = float(lnp.asarray(np.array(1.0, dtype=np.float32)))
    assert type(f) is float


CONVERSION_ERRORS = [
    (float, np.arange(2.0), TypeError, "only 0-dimensional arrays can be converted"),
    (float, np.array([1.0]), TypeError, "only 0-dimensional arrays can be converted"),
    (int, np.arange(2.0), TypeError, "only 0-dimensional arrays can be converted"),
    (complex, np.ones((2, 2)), TypeError, "only 0-dimensional arrays can be converted"),
    (int, np.array(1 + 2j), TypeError, "not 'complex'"),
    (float, np.array(1 + 2j), TypeError, "not 'complex'"),
    (bool, np.arange(2.0), ValueError, "The truth value of an array with more than one element"),
    (bool, np.zeros(0), ValueError, "The truth value of an empty array is ambiguous"),
    (operator.index, np.array(2.0), TypeError, "only integer scalar arrays can be converted"),
    (operator.index, np.array([2]), TypeError, "only integer scalar arrays can be converted"),
    (operator.index, np.array(True), TypeError, "only integer scalar arrays can be converted"),
]


@pytest.mark.parametrize("fn, a, kind, fragment", CONVERSION_ERRORS,
                         ids=[f"{e[0].__name__}-{_id(e[1])}" for e in CONVERSION_ERRORS])
def test_conversion_errors_like_numpy(fn, a, kind, fragment):
    with pytest.raises(kind):
        fn(a)
    with pytest.raises(kind, match=fragment):
        fn(lnp.asarray(a))


def test_item():
    a = np.arange(6.0).reshape(2, 3)
    x = lnp.asarray(a)
    assert x.item(4) == a.item(4) and type(x.item(4)) is float
    assert x.item(-1) == a.item(-1)
    assert x.item(1, 2) == a.item(1, 2)
    assert x.item((1, 0)) == a.item((1, 0))
    assert lnp.asarray(np.array([[7]])).item() == 7
    assert type(lnp.asarray(np.array(7)).item()) is int
    assert lnp.asarray(np.array(True)).item() is True
    with pytest.raises(ValueError, match="can only convert an array of size 1"):
        x.item()
    with pytest.raises(IndexError, match="index 6 is out of bounds for size 6"):
        x.item(6)
    with pytest.raises(ValueError):
        x.item(1, 2, 0)


@pytest.mark.parametrize("a", ARRAYS, ids=_id)
def test_tolist(a):
    assert lnp.asarray(a).tolist() == a.tolist()


# -- repr and str ------------------------------------------------------------------------------

REPRS = [
    (np.array([1.0, 2.0]), "Tensor([1., 2.], device='cpu')"),
    (np.array([1, 2]), "Tensor([1, 2], device='cpu')"),
    (np.array(1.5), "Tensor(1.5, device='cpu')"),
    (np.array(1.5, dtype=np.float32), "Tensor(1.5, dtype=float32, device='cpu')"),
    (np.array([True, False]), "Tensor([ True, False], device='cpu')"),
    (np.array([1 + 2j]), "Tensor([1.+2.j], device='cpu')"),
    (np.array([[1, 2], [3, 4]], dtype=np.uint8),
     "Tensor([[1, 2],\n        [3, 4]], dtype=uint8, device='cpu')"),
    (np.zeros(0), "Tensor([], dtype=float64, device='cpu')"),
    (np.zeros((0, 3)), "Tensor([], shape=(0, 3), dtype=float64, device='cpu')"),
    (np.zeros((2, 0), dtype=np.int32), "Tensor([], shape=(2, 0), dtype=int32, device='cpu')"),
    (np.arange(30, dtype=np.int32),
     "Tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,\n"
     "        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],\n"
     "       dtype=int32, device='cpu')"),
]


@pytest.mark.parametrize("a, expected", REPRS, ids=[r[1][:30] for r in REPRS])
def test_repr(a, expected):
    assert repr(lnp.asarray(a)) == expected


@pytest.mark.parametrize("a", ARRAYS, ids=_id)
def test_repr_is_numpys_with_tensor_and_device(a):
    # Where the text fits on NumPy's lines, lamina's repr is NumPy's with the device added.
    ours = repr(lnp.asarray(a))
    theirs = repr(a)
    body = theirs[len("array("):-1]
    assert ours.startswith("Tensor(") and ours.endswith("device='cpu')")
    assert ours.replace("\n ", "\n").startswith("Tensor(" + body.split("\n")[0])


@pytest.mark.parametrize("a", ARRAYS, ids=_id)
def test_str_is_numpys(a):
    assert str(lnp.asarray(a)) == str(a)


def _html_parts(t):
    html = t._repr_html_()
    header = html.split("</div>")[0].rsplit(">", 1)[1]
    body = html.split("<pre", 1)[1].split(">", 1)[1].rsplit("</pre>", 1)[0]
    return header, body


@pytest.mark.parametrize("a", ARRAYS, ids=_id)
def test_html_repr_for_notebooks(a):
    # Jupyter shows a header with shape, dtype and device over NumPy's text of the values.
    header, body = _html_parts(lnp.asarray(a))
    assert header == f"Tensor · shape {a.shape} · {a.dtype} · cpu"
    assert body == (str(a) if a.size else f"[] (empty, shape {a.shape})")


def test_html_repr_says_view_and_read_only_and_summarizes():
    x = lnp.asarray(np.arange(12.0).reshape(3, 4))
    assert _html_parts(x[1])[0].endswith("· view")
    assert _html_parts(lnp.broadcast_to(x[0], (2, 4)))[0].endswith("· view · read-only")
    big = np.arange(5000.0)
    assert _html_parts(lnp.asarray(big))[1] == str(big)  # NumPy's "..." summary
    assert "..." in str(big)
    # Values are escaped: the only markup is ours.
    header, body = _html_parts(lnp.asarray(np.array([True])))
    assert "<" not in header + body


def test_html_repr_inside_a_transform_falls_back_to_text():
    seen = []

    def f(x):
        seen.append((x._repr_html_(), repr(x)))
        return x.sum()

    lm.vmap(f)(lnp.ones((2, 3)))
    html, text = seen[0]
    assert html is None and text.startswith("BatchedTensor(lvl=")


def test_format():
    assert f"{lnp.asarray(np.array(1.23456)):.2f}" == "1.23"
    assert format(lnp.asarray(np.array(3)), "03d") == "003"


# -- copies and pickling -----------------------------------------------------------------------

def test_copy_deepcopy_are_independent():
    x = lnp.asarray(np.arange(6.0).reshape(2, 3))
    for c in (copy.copy(x), copy.deepcopy(x), x.copy(), copy.deepcopy(x[1])):
        assert isinstance(c, lm.Tensor) and c is not x
        c[...] = -1.0
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    pair = copy.deepcopy([x, x])
    assert pair[0] is pair[1]  # the memo keeps shared references shared


@pytest.mark.parametrize("a", ARRAYS, ids=_id)
def test_pickle_roundtrip(a):
    x = lnp.asarray(a)
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, lm.Tensor) and y.device == "cpu"
    _check(y, a)
    v = pickle.loads(pickle.dumps(lnp.asarray(np.arange(6.0))[::2]))
    v[0] = 9.0  # an unpickled view is a tensor of its own
    _check(v, [9.0, 2.0, 4.0])


def test_constructor():
    t = lm.Tensor([1.0, 2.0])
    _check(t, np.array([1.0, 2.0]))
    _check(lm.Tensor([1, 2], dtype=np.float32), np.array([1, 2], np.float32))
    ro = lnp.broadcast_to(lnp.asarray(np.arange(2.0)), (2, 2))
    assert not lm.Tensor(ro).flags.writeable


def test_view_method():
    x = lnp.asarray(np.arange(4.0))
    v = x.view()
    v[0] = 10.0
    assert x[0].item() == 10.0
    with pytest.raises(TypeError, match="astype"):
        x.view(np.int64)


def test_setflags_tobytes_to_device():
    a = np.arange(4, dtype=np.int32)
    x = lnp.asarray(a)
    assert x.tobytes() == a.tobytes()
    assert x.to_device("cpu") is x
    x.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 1
    x.setflags(write=True)
    x[0] = 1
    assert x[0].item() == 1
