"""The numeric routines (issue 15) where the OpInfo table cannot reach: errors against NumPy's,
NumPy arrays and Python scalars as arguments, the same tensor twice, 0-d and empty inputs,
special values, the ufunc protocol, reads of index tensors, and derivatives at the points where
a composition could go wrong (sinc at 0, interp at its knots, vander at 0, cov's weights)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads


def _same(got, expected, rtol=1e-12, atol=0.0):
    """Values, shape, dtype and the signs of zeros as NumPy's."""
    exp = np.asarray(expected)
    assert isinstance(got, lm.Tensor), type(got)
    assert got.shape == exp.shape and got.dtype == exp.dtype, (got.shape, got.dtype, exp.shape,
                                                              exp.dtype)
    arr = got.numpy()
    np.testing.assert_allclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if exp.dtype.kind in "fc":
        zero = np.real(exp) == 0
        np.testing.assert_array_equal(np.signbit(np.real(arr))[zero],
                                      np.signbit(np.real(exp))[zero])


def _raises_like_numpy(fn, *args, cls=None, match=None, **kwargs):
    """lamina raises the builtin class NumPy raises (a subclass of it), with ``match``."""
    with pytest.raises(Exception) as numpy_error:
        fn(np, *args, **kwargs)
    expected = cls or type(numpy_error.value)
    with pytest.raises(expected, match=match) as ours:
        fn(lnp, *args, **kwargs)
    assert isinstance(ours.value, lm.LaminaError), ours.value
    return ours.value


# -- errors, as NumPy raises them -----------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda xp: xp.diff(xp.asarray([1.0, 2.0]), n=-1), "order must be non-negative"),
    (lambda xp: xp.diff(xp.asarray(1.0)), "at least one dimensional"),
    (lambda xp: xp.diff(xp.asarray([1.0, 2.0]), axis=1), "axis 1 is out of bounds"),
    (lambda xp: xp.ediff1d(xp.asarray([1, 2, 4]), to_begin=1.5), "same_kind"),
    (lambda xp: xp.gradient(xp.ones(3), 1.0, 2.0), "invalid number of arguments"),
    (lambda xp: xp.gradient(xp.ones(3), [1.0, 2.0]), "must match"),
    (lambda xp: xp.gradient(xp.ones(3), [[1.0, 2.0, 3.0]]), "scalars or 1d"),
    (lambda xp: xp.gradient(xp.ones(2), edge_order=2), "too small"),
    (lambda xp: xp.gradient(xp.ones(3), edge_order=3), "greater than 2"),
    (lambda xp: xp.gradient(xp.ones((3, 3)), axis=(0, 0)), "repeated axis"),
    (lambda xp: xp.gradient(xp.asarray([True, False, True])), "subtract|not supported"),
    (lambda xp: xp.insert(xp.arange(3), 5, 1), "index 5 is out of bounds for axis 0"),
    (lambda xp: xp.insert(xp.arange(3), [5], 1), "out of bounds"),
    (lambda xp: xp.insert(xp.arange(3), [1.5], 1), "slice indices must be integers"),
    (lambda xp: xp.insert(xp.arange(3), [[1]], 1), "one dimensional or scalar"),
    (lambda xp: xp.insert(xp.arange(6).reshape(2, 3), [1, 2], [[1], [2], [3]], axis=1),
     "shape mismatch"),
    (lambda xp: xp.delete(xp.arange(6).reshape(2, 3), 5, axis=1),
     "index 5 is out of bounds for axis 1 with size 3"),
    (lambda xp: xp.delete(xp.arange(6).reshape(2, 3), [1.0], axis=1), "integer"),
    (lambda xp: xp.delete(xp.arange(6), np.array([True, False])), "match the axis length"),
    (lambda xp: xp.fabs(xp.asarray([1 + 1j])), "not supported"),
    (lambda xp: xp.rollaxis(xp.ones((2, 3)), 0, 4), "'start' arg requires -2 <= start < 3"),
    (lambda xp: xp.rollaxis(xp.ones((2, 3)), 2), "out of bounds"),
    (lambda xp: xp.interp([1.0], [], []), "array of sample points is empty"),
    (lambda xp: xp.interp([1.0], [1.0, 2.0], [1.0, 2.0, 3.0]), "not of the same length"),
    (lambda xp: xp.interp([1.0], [1.0, 2.0], [1.0, 2.0], period=0), "period must be a non-zero"),
    (lambda xp: xp.interp([1.5], [1.0, 2.0], [1.0, 2.0], left=[1, 2]), "real number"),
    (lambda xp: xp.interp([1j], [1.0, 2.0], [1.0, 2.0]), "cast"),
    (lambda xp: xp.convolve([1.0], [1.0], mode="x"), "one of 'valid', 'same', or 'full'"),
    (lambda xp: xp.convolve([1.0], [1.0], mode=5), "0, 1, or 2"),
    (lambda xp: xp.convolve([1.0], [1.0], mode="Same"), "'valid', 'same', or 'full'"),
    (lambda xp: xp.convolve([1.0], [1.0], mode=True), "mode not understood"),
    (lambda xp: xp.convolve([], [1.0]), "a cannot be empty"),
    (lambda xp: xp.convolve([1.0], []), "v cannot be empty"),
    (lambda xp: xp.correlate([1.0], [], "same"), "second array argument cannot be empty"),
    (lambda xp: xp.correlate([[1.0, 2.0]], [1.0]), ""),
    (lambda xp: xp.correlate(1.0, [1.0, 2.0]), "too small depth"),
    (lambda xp: xp.convolve([[1.0, 2.0]], [1.0]), "too deep"),
    (lambda xp: xp.trapezoid(xp.asarray(1.0)), ""),
    (lambda xp: xp.cov(xp.ones((2, 2, 2))), "more than 2 dimensions"),
    (lambda xp: xp.cov([1.0, 2.0, 3.0], ddof=1.5), "ddof must be integer"),
    (lambda xp: xp.cov([1.0, 2.0, 3.0], fweights=[1.5, 1, 1]), "fweights must be integer"),
    (lambda xp: xp.cov([1.0, 2.0, 3.0], aweights=[-1, 1, 1]), "aweights cannot be negative"),
    (lambda xp: xp.cov([1.0, 2.0, 3.0], fweights=[-1, 1, 1]), "fweights cannot be negative"),
    (lambda xp: xp.cov([1.0, 2.0, 3.0], aweights=[1, 1]), "incompatible numbers of samples"),
    (lambda xp: xp.cov([1.0, 2.0, 3.0], aweights=[[1, 1, 1]]), "multidimensional aweights"),
    (lambda xp: xp.polyval(xp.asarray(1.0), 2.0), "iteration over a 0-d array"),
    (lambda xp: xp.vander([1, 2], -1), "negative dimensions"),
    (lambda xp: xp.vander([[1, 2]]), "one-dimensional"),
])
def test_errors_as_numpy(call, match):
    _raises_like_numpy(lambda xp: call(xp), match=match)


def test_r_and_c_directives_raise_as_numpy():
    for key in (("x", 1), (1, "r")):
        with pytest.raises(ValueError):
            np.r_[key]
        with pytest.raises(lm.LaminaValueError, match="directive"):
            lnp.r_[key]
    with pytest.raises(lm.LaminaTypeError, match="no matrix type"):
        lnp.r_["a, b"]  # NumPy builds a numpy.matrix from the caller's variables


def test_cov_warns_as_numpy_for_no_degrees_of_freedom():
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        got = lnp.cov([1.0])
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        expected = np.cov([1.0])
    _same(got, expected)
    assert "Degrees of freedom <= 0 for slice" in [str(w.message) for w in ours]
    assert {str(w.message) for w in ours} >= {str(w.message) for w in theirs
                                               if "Degrees" in str(w.message)}


# -- NumPy arrays, lists and Python scalars as arguments; 0-d and empty inputs --------------------

@pytest.mark.parametrize("name, args, kwargs", [
    ("diff", ([1, 4, 9, 16],), {"n": 2}),
    ("diff", (np.array([[1.0, 2.0], [4.0, 8.0]]),), {"axis": 0, "append": 0.5}),
    ("diff", (np.zeros((0, 3)),), {}),
    ("diff", (np.array([True, False, False, True]),), {}),
    ("diff", (np.array([1, 0], np.uint8),), {}),
    ("ediff1d", ([[1, 2, 4], [1, 6, 24]],), {}),
    ("ediff1d", (np.array([1.0]),), {"to_end": [2.0, 3.0]}),
    ("gradient", ([1, 2, 4, 7, 11],), {}),
    ("gradient", (np.array([1.0, 2.0, 4.0]), np.array([0.0, 1.0, 2.0])), {}),
    ("gradient", (np.array(3.0),), {}),
    ("gradient", (np.arange(6, dtype=np.float32).reshape(2, 3), np.float64(0.5)), {}),
    ("append", ([1, 2], [[3.5]]), {}),
    ("append", (np.zeros((0, 2)), np.ones((1, 2))), {"axis": 0}),
    ("insert", ([1, 2, 3], 0, 7.9), {}),
    ("insert", (np.arange(4.0), slice(None), [1.0, 2.0, 3.0, 4.0]), {}),
    ("insert", (np.arange(6).reshape(2, 3), [0, 3], 9), {"axis": 1}),
    ("insert", (np.arange(3), np.array([True, False, True]), [7, 8]), {}),
    ("delete", ([1, 2, 3], np.int64(1)), {}),
    ("delete", (np.arange(6), np.array([True, False] * 3)), {}),
    ("delete", (np.arange(6).reshape(2, 3), slice(5, 0, -2)), {"axis": 1}),
    ("angle", (1 + 1j,), {"deg": True}),
    ("angle", (np.array([0.0, -0.0, complex(0.0, -0.0), complex(-0.0, -0.0)]),), {}),
    ("angle", (np.array([-1, 0, 2], np.int32),), {}),
    ("angle", (np.array([True, False]),), {}),
    ("sinc", (0.0,), {}),
    ("sinc", (np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, 1e-300], np.float32),), {}),
    ("sinc", (np.array([0, 1, 2]),), {}),
    ("iscomplex", (1.0,), {}),
    ("iscomplex", ([1 + 1j, 1 + 0j, 4.5, 3, 2, 2j],), {}),
    ("isreal", (np.array([1 + 1j, complex(1, -0.0), np.nan + 0j]),), {}),
    ("interp", (2.5, [1, 2, 3], [3, 2, 0]), {}),
    ("interp", (np.array([np.nan, -np.inf, np.inf, 1.0, 2.0]), [1.0, 2.0], [1 + 2j, -0.0]), {}),
    ("interp", (np.array([0.5, 1.0, 1.5]), [1.0], [4.0]), {"left": -1, "right": 9}),
    ("interp", (np.array([0.0, 1.0, 1.0, 2.0]), [0.0, 1.0, 1.0, 2.0], [0.0, -0.0, 5.0, 1.0]), {}),
    ("interp", (np.array([-180.0, 190.0, 5.0]), [-170.0, 170.0, 10.0], [1.0, 2.0, 3.0]),
     {"period": -360}),
    ("convolve", ([1, 2, 3], np.array([0.5, 1.0])), {}),
    ("convolve", (2.0, [1.0, 2.0]), {"mode": "same"}),
    ("convolve", (np.array([True, False]), np.array([True, True])), {}),
    ("convolve", (np.array([100, 100], np.int8), np.array([3, 3], np.int8)), {"mode": 1}),
    ("correlate", ([1 + 1j, 2j, 3.0], [0.5, 1j]), {"mode": "full"}),
    ("correlate", (np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0, 1.0])), {"mode": "same"}),
    ("trapezoid", ([1, 2, 3],), {"dx": 2}),
    ("trapezoid", (np.ones((2, 3)), np.array([[0.0, 1.0, 3.0], [0.0, 2.0, 3.0]])), {}),
    ("cov", ([1, 2, 4],), {}),
    ("cov", (np.ones((0, 3)),), {}),
    ("cov", (np.array([[1.0, 2.0, 4.0]]), [[3.0, 1.0, 0.0]]), {"fweights": np.array([1, 2, 1])}),
    ("cov", (np.array([[1.0, 2.0, 4.0], [0.0, 1.0, 3.0]], np.float32),), {"dtype": np.float32}),
    ("corrcoef", ([1.0, 2.0, 4.0],), {}),
    ("corrcoef", ([[1.0, 2.0, 4.0], [1.0, 1.0, 1.0]],), {}),
    ("corrcoef", (np.array([[1 + 1j, 2.0, 4.0], [0.0, 1j, 3.0]]),), {}),
    ("polyval", ([3, 0, 1], 5), {}),
    ("polyval", ([], np.float32(2.0)), {}),
    ("polyval", (np.array([1.0, 2.0]), np.array([1.0, 2.0], np.float32)), {}),
    ("polyval", (np.array([[1.0, 2.0], [3.0, 4.0]]), 2.0), {}),
    ("vander", ([1, 2, 3],), {}),
    ("vander", (np.array([1.0, 2.0], np.float32), 3), {"increasing": True}),
    ("vander", (np.array([True, False]),), {}),
    ("vander", (np.zeros(0), 2), {}),
    ("real_if_close", (np.array([2.1 + 4e-14j, 5.2 + 3e-15j]),), {"tol": 1000}),
    ("real_if_close", (np.array([2.1 + 4e-13j, 5.2 + 3e-15j]),), {"tol": 1000}),
    ("rollaxis", (np.ones((3, 4, 5, 6)), 1, 4), {}),
    ("rollaxis", (np.ones((3, 4)), -1, -2), {}),
    ("fabs", (np.array([-0.0, -np.inf, np.nan, 2.0]),), {}),
    ("fabs", (np.array([-3, 4], np.int8),), {}),
    ("nextafter", (np.array([0.0, -0.0, np.inf, np.nan, 1.0]), np.array([-1.0, 1.0, 0.0, 0.0,
                                                                         np.nan])), {}),
    ("nextafter", (np.array([1, 2], np.int32), 5), {}),
    ("degrees", ([np.pi, -0.0],), {}),
    ("radians", (np.array([120, -90], np.int8),), {}),
])
def test_as_numpy_on_host_data(name, args, kwargs):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(np, name)(*args, **kwargs)
        got = getattr(lnp, name)(*args, **kwargs)
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same(g, e)
    else:
        _same(got, expected, rtol=1e-6 if np.asarray(expected).dtype == np.float32 else 1e-12)


def test_tensors_numpy_arrays_and_scalars_mix_in_r_and_c():
    t = lnp.asarray([1.0, 2.0], dtype=np.float32)
    _same(lnp.r_[t, 3.0, np.array([4.0], np.float32), 5:7], np.r_[t.numpy(), 3.0,
                                                            np.array([4.0], np.float32), 5:7])
    assert lnp.r_[t, 3.0].dtype == np.float32  # Python scalars are weak, as NumPy's
    assert lnp.r_[t, np.float64(3.0)].dtype == np.float64
    _same(lnp.r_[-1:1:5j, t], np.r_[-1:1:5j, t.numpy()])
    m = np.array([[1, 2, 3]])
    _same(lnp.c_[lnp.asarray(m), 0, 0, m], np.c_[m, 0, 0, m])
    _same(lnp.c_[lnp.asarray([1, 2]), [3, 4]], np.c_[[1, 2], [3, 4]])
    _same(lnp.r_["c", [1, 2]], np.asarray(np.r_["c", [1, 2]]))
    assert len(lnp.r_) == 0 and "r_" in repr(lnp.r_)


def test_same_tensor_twice():
    x = lm.asarray([0.5, -1.0, 2.0])
    _same(lnp.convolve(x, x), np.convolve(x.numpy(), x.numpy()))
    _same(lnp.polyval(x, x), np.polyval(x.numpy(), x.numpy()))
    _same(lnp.append(x, x), np.append(x.numpy(), x.numpy()))
    g = lm.grad(lambda x: lnp.sum(lnp.correlate(x, x, "full") ** 2))(x)
    xn = x.numpy()
    eps = 1e-6
    fd = [(np.sum(np.correlate(xn + eps * e, xn + eps * e, "full") ** 2)
           - np.sum(np.correlate(xn - eps * e, xn - eps * e, "full") ** 2)) / (2 * eps)
          for e in np.eye(3)]
    np.testing.assert_allclose(g.numpy(), fd, rtol=1e-6)
    check_grads(lambda x: lnp.cov(x, x), [x], order=2)
    check_grads(lambda x: lnp.interp(x * 0.9, x, x), [lm.asarray([0.5, 1.0, 2.5])], order=2)


# -- ufuncs: degrees, radians, fabs, nextafter ----------------------------------------------------

def test_new_ufuncs_are_ufuncs():
    t = lm.asarray([np.pi, -np.pi / 2])
    for name in ("degrees", "radians", "fabs", "nextafter"):
        uf = getattr(lnp, name)
        assert isinstance(uf, lnp.ufunc) and uf.__name__ == name
        assert uf.nin == getattr(np, name).nin
    _same(np.degrees(t), np.degrees(t.numpy()))  # through __array_ufunc__
    _same(np.fabs(t), np.fabs(t.numpy()))
    _same(np.nextafter(t, 0.0), np.nextafter(t.numpy(), 0.0))
    out = lnp.zeros(2, dtype=np.float32)
    assert lnp.degrees(t, out=out) is out
    _same(out, np.degrees(t.numpy()).astype(np.float32), rtol=1e-6)
    _same(lnp.radians(t, dtype=np.float32), np.radians(t.numpy(), dtype=np.float32), rtol=1e-6)
    host = np.zeros(2)
    lnp.fabs(t, out=host)  # a NumPy target: NumPy's own ufunc writes it
    np.testing.assert_array_equal(host, np.fabs(t.numpy()))


def test_nextafter_says_it_has_no_derivative():
    x = lm.asarray([1.0, 2.0])
    with pytest.raises(lm.LaminaRuntimeError, match="nextafter has no derivative.*stop_gradient"):
        lm.grad(lambda x: lnp.nextafter(x, 3.0).sum())(x)
    with pytest.raises(lm.LaminaRuntimeError, match="jvp: nextafter has no derivative"):
        lm.jvp(lambda x: lnp.nextafter(x, 3.0), (x,), (x,))
    g = lm.grad(lambda x: (lnp.nextafter(lm.stop_gradient(x), 3.0) * x).sum())(x)
    _same(g, np.nextafter(x.numpy(), 3.0))
    _same(lm.vmap(lnp.nextafter, in_dims=(0, None))(x, 0.0), np.nextafter(x.numpy(), 0.0))


def test_fabs_derivative_and_dtypes():
    check_grads(lnp.fabs, [lm.asarray([-1.5, 0.5, 2.0])], order=2)
    assert lnp.fabs(lm.asarray([1], dtype=np.int8)).dtype == np.float16
    _same(lm.grad(lambda x: lnp.fabs(x))(lm.asarray(0.0)), 0.0)  # 0 at the kink, as absolute


# -- index arguments: read when they are tensors --------------------------------------------------

def test_index_tensors_are_read_outside_transforms_and_refused_when_batched():
    a = lm.asarray([0.0, 1.0, 2.0])
    _same(lnp.delete(a, lm.asarray([0, 2])), [1.0])
    _same(lnp.insert(a, lm.asarray(1), 5.0), np.insert(a.numpy(), 1, 5.0))
    for fn in (lambda o: lnp.delete(a, o), lambda o: lnp.insert(a, o, 5.0)):
        with pytest.raises(lm.LaminaRuntimeError, match="fixes the shape of the result"):
            lm.vmap(fn)(lm.asarray([0, 1]))
    # Fixed positions work under every transform: the values are what is differentiated.
    got = lm.vmap(lambda v: lnp.insert(a, [0, 2], v))(lm.asarray([[7.0, 8.0], [9.0, 6.0]]))
    _same(got, [np.insert(a.numpy(), [0, 2], v) for v in ([7.0, 8.0], [9.0, 6.0])])
    check_grads(lambda a, v: lnp.insert(a, [1, 1, -1], v), [a, lm.asarray([3.0, 4.0, 5.0])],
                order=2)
    check_grads(lambda a: lnp.delete(a, slice(None, None, 2)), [a], order=1)


def test_real_if_close_reads_complex_values():
    z = lm.asarray([1 + 1e-16j, 2.0])
    assert lnp.real_if_close(z).dtype == np.float64
    real = lm.asarray([1.0, 2.0])
    assert lnp.real_if_close(real) is real  # as NumPy: a real input is returned as it is
    with pytest.raises(lm.LaminaRuntimeError, match="vmap"):
        lm.vmap(lnp.real_if_close)(lm.asarray([[1 + 1e-16j], [2 + 1j]]))
    with pytest.raises(lm.TracedValueError):
        lm.compile(lnp.real_if_close)(z)
    # Under grad the value is read and the chosen part differentiated.
    g = lm.grad(lambda z: lnp.sum(lnp.real_if_close(z * 2.0)))(z)
    _same(g, np.array([2.0, 2.0], np.complex128))


# -- derivatives where a composition could go wrong -----------------------------------------------

def test_sinc_values_are_numpys_and_derivatives_are_right_near_zero():
    x = np.concatenate([np.logspace(-300, -1, 60), -np.logspace(-12, 0, 30), [0.0, -0.0, 0.3]])
    for dtype in (np.float64, np.float32, np.complex128):
        xs = x.astype(dtype)
        np.testing.assert_array_equal(lnp.sinc(lm.asarray(xs)).numpy(), np.sinc(xs))
    d = lm.grad
    at0 = lm.asarray(0.0)
    assert float(d(lnp.sinc)(at0)) == 0.0
    assert np.isclose(float(d(d(lnp.sinc))(at0)), -np.pi ** 2 / 3, rtol=1e-14)
    assert float(d(d(d(lnp.sinc)))(at0)) == 0.0
    assert np.isclose(float(d(d(d(d(lnp.sinc))))(at0)), np.pi ** 4 / 5, rtol=1e-12)
    # Around 0 the derivative is the series' (no cancellation): f'(x) ~ -pi^2 x / 3.
    small = lm.asarray(np.array([1e-9, 1e-5, -1e-3]))
    got = lm.vmap(d(lnp.sinc))(small).numpy()
    u = np.pi * small.numpy()
    np.testing.assert_allclose(got, np.pi * (-u / 3 + u ** 3 / 30), rtol=1e-9)
    # Just inside the series' range (|pi x| < 0.1) the first two derivatives agree with the
    # closed forms, which are still accurate there (their cancellation costs ~1e-13).
    x = np.array([0.031, -0.0305, 0.02])
    u = np.pi * x
    d1 = np.pi * (u * np.cos(u) - np.sin(u)) / u ** 2
    d2 = np.pi ** 2 * ((2 - u ** 2) * np.sin(u) - 2 * u * np.cos(u)) / u ** 3
    np.testing.assert_allclose(lm.vmap(d(lnp.sinc))(lm.asarray(x)).numpy(), d1, rtol=1e-11)
    np.testing.assert_allclose(lm.vmap(d(d(lnp.sinc)))(lm.asarray(x)).numpy(), d2, rtol=1e-10)
    check_grads(lnp.sinc, [lm.asarray([0.0, 0.05, -0.2, 0.7])], order=2)


def test_interp_derivatives_at_knots_and_outside():
    xp, fp = np.array([0.0, 1.0, 2.5, 3.0]), np.array([1.0, -1.0, 2.0, 0.0])
    x = lm.asarray(np.array([0.0, 1.0, 2.0, 2.5, 3.0, -1.0, 4.0, 0.5]))
    slope = lm.vmap(lm.grad(lambda x: lnp.interp(x, xp, fp)))(x).numpy()
    # At a sample point: the slope of the segment on its right (the last one: on its left);
    # outside [xp[0], xp[-1]]: 0. As JAX's jnp.interp.
    np.testing.assert_array_equal(slope, [-2.0, 2.0, 2.0, -4.0, -4.0, 0.0, 0.0, -2.0])
    # Values at the knots are fp exactly (NumPy's rule), signed zeros included.
    _same(lnp.interp(lm.asarray([1.0, 2.5]), xp, np.array([1.0, -0.0, -0.0, 0.0])),
          np.interp([1.0, 2.5], xp, np.array([1.0, -0.0, -0.0, 0.0])))
    check_grads(lambda x, xp, fp: lnp.interp(x, xp, fp),
                [lm.asarray([0.3, 1.7, 2.9, -0.5]), lm.asarray(xp), lm.asarray(fp)], order=2)
    fpc = fp + 1j * fp[::-1]
    check_grads(lambda x, fp: lnp.interp(x, xp, fp, left=1j, right=lm.asarray(2.0 + 0j)),
                [lm.asarray([0.3, 1.7, -1.0, 4.0]), lm.asarray(fpc)], order=2)


def test_vander_derivative_at_zero():
    # d/dx sum(x**3 + x**2 + x + 1) = 3x**2 + 2x + 1: 1 at 0 (x**0 contributes nothing there;
    # a power-based vander gets NaN from 0 * log 0).
    x = lm.asarray([0.0, 1.5, -2.0])
    g = lm.grad(lambda x: lnp.sum(lnp.vander(x, 4)))(x)
    _same(g, 3 * x.numpy() ** 2 + 2 * x.numpy() + 1)
    check_grads(lambda x: lnp.vander(x, 4, increasing=True), [x], order=2)


def test_gradient_coordinates_as_tensor_or_numpy():
    f = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    even = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    # NumPy coordinates equally spaced take the scalar path, as NumPy; a tensor takes the
    # general formula: the same values to rounding, and differentiable in the coordinates.
    _same(lnp.gradient(f, even), np.gradient(f, even))
    _same(lnp.gradient(f, lm.asarray(even)), np.gradient(f, even), rtol=1e-14, atol=1e-14)
    coords = lm.asarray(np.array([0.0, 0.4, 1.1, 1.5, 2.6]))
    for order in (1, 2):
        check_grads(lambda f, c, order=order: lnp.gradient(f, c, edge_order=order),
                    [lm.asarray(f), coords], order=2)
    check_grads(lambda f, h: lnp.gradient(f, h), [lm.asarray(f), lm.asarray(0.5)], order=2)


def test_cov_tensor_weights_are_differentiable_and_batchable():
    rng = np.random.default_rng(0)
    m, aw = rng.normal(size=(2, 5)), rng.uniform(0.5, 2.0, size=5)
    fw = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    _same(lnp.cov(m, fweights=lm.asarray(fw), aweights=lm.asarray(aw)),
          np.cov(m, fweights=fw.astype(int), aweights=aw), rtol=1e-12)
    check_grads(lambda m, aw: lnp.cov(m, aweights=aw, ddof=1), [lm.asarray(m), lm.asarray(aw)],
                order=2)
    batch = np.stack([aw, aw[::-1], aw ** 2])
    got = lm.vmap(lambda w: lnp.cov(m, aweights=w), in_dims=0)(lm.asarray(batch))
    _same(got, np.stack([np.cov(m, aweights=w) for w in batch]), rtol=1e-12)
    # Tensor weights are not read: a normalization <= 0 becomes 0 (inf/NaN result), no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = lnp.cov(lm.asarray([1.0, 2.0]), aweights=lm.asarray([0.0, 0.0]), ddof=0)
    assert np.isnan(float(c))


def test_corrcoef_one_variable_and_derivatives():
    _same(lnp.corrcoef(lm.asarray([1.0, 1.0, 1.0])), np.float64(np.nan))
    x = lm.asarray(np.random.default_rng(1).normal(size=(3, 6)))
    check_grads(lnp.corrcoef, [x], order=2)


def test_convolve_kernel_long_inputs_and_vmap_of_both_lengths():
    rng = np.random.default_rng(2)
    a, v = rng.normal(size=3000), rng.normal(size=200)
    _same(lnp.convolve(lm.asarray(a), v, "same"), np.convolve(a, v, "same"), rtol=1e-10,
          atol=1e-12)
    g = lm.grad(lambda v: lnp.sum(lnp.correlate(a, v) ** 2))(lm.asarray(v))
    c = np.correlate(a, v)  # d/dv[n] sum_k c[k]**2 = 2 sum_k c[k] a[n + k]
    np.testing.assert_allclose(g.numpy(), 2 * np.correlate(a, c, "valid"), rtol=1e-10)
    # vmap: the batched kernel (leading axes), with the longer operand first or second.
    for n, m in ((7, 3), (3, 7)):
        A, V = rng.normal(size=(4, n)), rng.normal(size=(4, m))
        for name in ("convolve", "correlate"):
            got = lm.vmap(lambda x, y, name=name: getattr(lnp, name)(x, y, "same"))(A, V)
            _same(got, np.stack([getattr(np, name)(x, y, "same") for x, y in zip(A, V,
                                                                                  strict=True)]),
                  rtol=1e-12, atol=1e-14)
    ints = np.array([[100, 100], [1, 2]], np.int8)
    _same(lm.vmap(lnp.convolve)(ints, ints), np.stack([np.convolve(x, x) for x in ints]))
    check_grads(lambda a, v: lm.vmap(lnp.convolve, in_dims=(0, None))(a, v),
                [lm.asarray(rng.normal(size=(2, 5))), lm.asarray(rng.normal(size=3))], order=2)


def test_numpy_functions_dispatch_to_lamina():
    t = lm.asarray([1.0, 2.0, 4.0])
    for name in ("diff", "ediff1d", "gradient", "sinc", "angle", "iscomplex", "isreal",
                 "real_if_close", "trapezoid", "cov", "corrcoef", "vander"):
        got = getattr(np, name)(t)
        assert isinstance(got, lm.Tensor), name
        _same(got, getattr(np, name)(t.numpy()))
    _same(np.convolve(t, t), np.convolve(t.numpy(), t.numpy()))
    _same(np.interp(t, [0.0, 5.0], [1.0, 2.0]), np.interp(t.numpy(), [0.0, 5.0], [1.0, 2.0]))
    _same(np.polyval(t, t), np.polyval(t.numpy(), t.numpy()))
    _same(np.insert(t, 1, 0.5), np.insert(t.numpy(), 1, 0.5))
    _same(np.delete(t, 1), np.delete(t.numpy(), 1))
    _same(np.append(t, 0.5), np.append(t.numpy(), 0.5))
    _same(np.rollaxis(lnp.ones((2, 3)), 1), np.rollaxis(np.ones((2, 3)), 1))
