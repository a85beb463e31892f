"""``lamina.numpy.fft`` (issue 15) where the OpInfo table cannot reach: errors and warnings
against NumPy's, the dtypes of every transform for every input dtype, NumPy arrays, lists,
Python scalars and integer tensors as arguments, 0-d and empty inputs, special values and signed
zeros, ``out=``, ``np.fft.*`` on tensors, derivatives in JAX's convention (values JAX gives,
Parseval's identity, round trips for every norm and length), vmap leaving the batch axis alone,
and the frequencies' ``d``, ``device`` and ``dtype``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.testing import check_grads

TRANSFORMS_1D = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
TRANSFORMS_ND = ("fftn", "ifftn", "fft2", "ifft2", "rfftn", "irfftn", "rfft2", "irfft2")
REAL_INPUT = ("rfft", "ihfft", "rfftn", "rfft2")


def _same(got, expected, rtol=1e-12, atol=1e-12):
    """Values, shape, dtype and the signs of zeros (real parts) as NumPy's."""
    exp = np.asarray(expected)
    assert isinstance(got, lm.Tensor), type(got)
    assert got.shape == exp.shape and got.dtype == exp.dtype, (got.shape, got.dtype, exp.shape,
                                                              exp.dtype)
    arr = got.numpy()
    np.testing.assert_allclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    zero = np.real(exp) == 0
    np.testing.assert_array_equal(np.signbit(np.real(arr))[zero], np.signbit(np.real(exp))[zero])


def _raises_like_numpy(call, match):
    """lamina raises (a subclass of) the builtin class NumPy raises, with ``match``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(Exception) as numpy_error:
            call(np)
        builtin = next(c for c in type(numpy_error.value).__mro__
                       if c.__module__ == "builtins")
        with pytest.raises(builtin, match=match) as ours:
            call(lnp)
    assert isinstance(ours.value, lm.LaminaError), ours.value


# -- errors and warnings, as NumPy's ------------------------------------------------------------

X4 = np.arange(4.0)
X23 = np.ones((2, 3))


@pytest.mark.parametrize("call, match", [
    (lambda xp: xp.fft.fft(xp.asarray(X4), n=0), r"Invalid number of FFT data points \(0\)"),
    (lambda xp: xp.fft.rfft(xp.asarray(X4), n=-1), r"Invalid number of FFT data points \(-1\)"),
    (lambda xp: xp.fft.ifft(xp.asarray(np.ones(0))), r"data points \(0\)"),
    (lambda xp: xp.fft.irfft(xp.asarray(np.ones(1))), r"data points \(0\)"),
    (lambda xp: xp.fft.hfft(xp.asarray(np.ones(1))), r"data points \(0\)"),
    (lambda xp: xp.fft.fftn(xp.asarray(X23), s=(2, 0), axes=(0, 1)), r"data points \(0\)"),
    (lambda xp: xp.fft.fftn(xp.asarray(X23), s=(2, -2), axes=(0, 1)), r"data points \(-2\)"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), n=2.0), "integer"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), n="4"), "integer"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), axis=1), "out of bounds"),
    (lambda xp: xp.fft.ihfft(xp.asarray(X4), n=2, axis=-2), "out of bounds"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), axis=1.0), "integer"),
    (lambda xp: xp.fft.fft(xp.asarray(2.0)), "dimension 0"),
    (lambda xp: xp.fft.irfft(xp.asarray(2.0)), "dimension 0"),
    (lambda xp: xp.fft.fft2(xp.asarray(X4)), "out of bounds"),
    (lambda xp: xp.fft.fftn(xp.asarray(X23), axes=(2,)), "out of bounds"),
    (lambda xp: xp.fft.rfftn(xp.asarray(X23), s=(2, 2, 2)), "out of bounds"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), norm="bad"), "Invalid norm value bad"),
    (lambda xp: xp.fft.hfft(xp.asarray(X4), norm="Ortho"), "Invalid norm value Ortho"),
    (lambda xp: xp.fft.irfftn(xp.asarray(X23), norm=1), "Invalid norm value 1"),
    (lambda xp: xp.fft.rfft(xp.asarray(X4 + 1j)), "complex"),
    (lambda xp: xp.fft.ihfft(xp.asarray(X4 + 1j)), "complex"),
    (lambda xp: xp.fft.rfft2(xp.asarray(X23 + 1j)), "complex"),
    (lambda xp: xp.fft.fftn(xp.asarray(X23), s=(2, 3), axes=(0,)), "Shape and axes have"),
    (lambda xp: xp.fft.fftn(xp.asarray(X23), s=3, axes=(0, 1)), "sequence"),
    (lambda xp: xp.fft.fftn(xp.asarray(X23), axes=1), "sequence"),
    (lambda xp: xp.fft.rfftn(xp.asarray(X23), axes=()), "no axes"),
    (lambda xp: xp.fft.irfftn(xp.asarray(X23), axes=()), "no axes"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), out=xp.asarray(np.empty(4))), "Cannot cast"),
    (lambda xp: xp.fft.irfft(xp.asarray(X4), out=xp.asarray(np.empty(6, np.int64))),
     "Cannot cast"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), out=xp.asarray(np.empty(5, complex))),
     "output array has wrong shape"),
    (lambda xp: xp.fft.irfftn(xp.asarray(X23), out=xp.asarray(np.empty((2, 5)))),
     "output array has wrong shape"),
    (lambda xp: xp.fft.fft(xp.asarray(X4), out=[0] * 4), "out"),
    (lambda xp: xp.fft.fftfreq(4.0), "n should be an integer"),
    (lambda xp: xp.fft.rfftfreq(None), "n should be an integer"),
    (lambda xp: xp.fft.fftfreq(-1), "negative dimensions are not allowed"),
    (lambda xp: xp.fft.fftfreq(0), "division by zero"),
    (lambda xp: xp.fft.rfftfreq(4, d=0), "division by zero"),
    (lambda xp: xp.fft.fftfreq(4, d=xp.asarray([1.0, 2.0])), "broadcast"),
    (lambda xp: xp.fft.fftshift(xp.asarray(1.0)), "no axes"),
    (lambda xp: xp.fft.ifftshift(xp.asarray(X4), axes=1), "out of bounds"),
    (lambda xp: xp.fft.fftshift(xp.asarray(X4), axes=1.0), "sequence"),
])
def test_errors_as_numpy(call, match):
    _raises_like_numpy(call, match)


def test_axis_errors_are_numpys_axis_error():
    with pytest.raises(np.exceptions.AxisError, match=r"fft\.rfft: axis 2"):
        lnp.fft.rfft(lnp.ones((2, 3)), axis=2)


@pytest.mark.parametrize("call", [
    lambda xp, x: xp.fft.fftn(x, s=(2, 5)),
    lambda xp, x: xp.fft.irfftn(x, s=(4,)),
    lambda xp, x: xp.fft.fftn(x, s=(None, 5), axes=(0, 1)),
    lambda xp, x: xp.fft.rfft2(x, s=(2, None)),
])
def test_deprecation_warnings_and_results_as_numpy(call):
    x = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.warns(DeprecationWarning):
        expected = call(np, x)
    with pytest.warns(DeprecationWarning):
        got = call(lnp, lnp.asarray(x))
    _same(got, expected)


# -- dtypes, values and argument kinds ----------------------------------------------------------

_DTYPES = (np.float16, np.float32, np.float64, np.complex64, np.complex128, np.int32, np.int64,
           np.uint8, np.bool_)


@pytest.mark.parametrize("name, dtype", [
    pytest.param(name, dtype, id=f"{name}-{np.dtype(dtype).name}")
    for name in TRANSFORMS_1D + TRANSFORMS_ND for dtype in _DTYPES
    # complex input to a real-input transform is an error (test_errors_as_numpy)
    if not (name in REAL_INPUT and np.dtype(dtype).kind == "c")])
def test_dtypes_as_numpy(name, dtype):
    x = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    expected = getattr(np.fft, name)(x)
    got = getattr(lnp.fft, name)(lnp.asarray(x))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    # NumPy computes the scaling of float16 input (1/n) in float16, lamina in float32.
    tol = {np.float16: 1e-3, np.float32: 1e-5, np.complex64: 1e-5}.get(np.dtype(dtype).type,
                                                                     1e-12)
    np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=tol)


def test_single_precision_stays_single():
    x = np.random.default_rng(1).normal(size=(4, 6)).astype(np.float32)
    z = lnp.asarray(x + 1j * x[::-1], dtype=np.complex64)
    assert lnp.fft.fft(lnp.asarray(x)).dtype == np.complex64
    assert lnp.fft.rfftn(lnp.asarray(x)).dtype == np.complex64
    assert lnp.fft.ifft2(z).dtype == np.complex64
    assert lnp.fft.irfft(z).dtype == np.float32
    assert lnp.fft.hfft(lnp.asarray(x)).dtype == np.float32
    # and their derivatives too
    g = lm.grad(lambda t: lnp.sum(lnp.abs(lnp.fft.rfft(t, norm="ortho")) ** 2))(lnp.asarray(x))
    assert g.dtype == np.float32
    gz = lm.grad(lambda t: lnp.sum(lnp.fft.irfft(t) ** 2))(z)
    assert gz.dtype == np.complex64


@pytest.mark.parametrize("arg", [[1.0, 2.0, 3.0], [1, 2 + 1j, 3], (True, False, True),
                                 np.arange(5.0), np.float32([1, 2, 3])], ids=repr)
def test_lists_and_numpy_arrays_as_input(arg):
    for name in TRANSFORMS_1D + ("fftn", "fftshift", "ifftshift"):
        if name in REAL_INPUT and np.iscomplexobj(arg):
            continue
        _same(getattr(lnp.fft, name)(arg), getattr(np.fft, name)(arg))


def test_integer_tensors_and_numpy_integers_as_lengths_and_axes():
    x = np.random.default_rng(2).normal(size=(3, 5))
    t = lnp.asarray(x)
    _same(lnp.fft.fft(t, n=lnp.asarray(7), axis=np.int64(0)), np.fft.fft(x, n=7, axis=0))
    _same(lnp.fft.rfftn(t, s=[np.int32(4), lnp.asarray(6)], axes=(lnp.asarray(0), 1)),
          np.fft.rfftn(x, s=(4, 6), axes=(0, 1)))
    _same(lnp.fft.fftshift(t, axes=np.int64(1)), np.fft.fftshift(x, axes=1))
    _same(lnp.fft.fftfreq(np.int64(5)), np.fft.fftfreq(5))
    with pytest.raises(TypeError):
        lnp.fft.fft(t, n=True)  # bools are not lengths (NOTE [integer arguments])


def test_numpy_functions_dispatch_on_tensors():
    x = np.random.default_rng(3).normal(size=(2, 6))
    t = lnp.asarray(x)
    for name in TRANSFORMS_1D + TRANSFORMS_ND + ("fftshift", "ifftshift"):
        got = getattr(np.fft, name)(t)
        assert isinstance(got, lm.Tensor), name
        _same(got, getattr(np.fft, name)(x))
    g = lm.grad(lambda v: np.sum(np.abs(np.fft.rfft2(v)) ** 2))(t)
    assert isinstance(g, lm.Tensor)


def test_zero_d_and_empty_inputs():
    # fftn with no axes returns its input as it is (NumPy returns asarray(a): not even complex)
    for arg, kw in ((np.float64(2.5), {}), (np.arange(6).reshape(2, 3), {"axes": ()})):
        for name in ("fftn", "ifftn"):
            _same(getattr(lnp.fft, name)(lnp.asarray(arg), **kw), getattr(np.fft, name)(arg, **kw))
    for shape, kw in (((0, 4), {}), ((3, 0), {"axis": 0}), ((0,), {"n": 3}), ((2, 0, 3), {})):
        x = np.ones(shape)
        for name in TRANSFORMS_1D:
            _same(getattr(lnp.fft, name)(lnp.asarray(x), **kw), getattr(np.fft, name)(x, **kw))
    for name in TRANSFORMS_ND:
        x = np.ones((0, 3, 4))
        _same(getattr(lnp.fft, name)(lnp.asarray(x), axes=(1, 2)),
              getattr(np.fft, name)(x, axes=(1, 2)))
    _same(lnp.fft.fftshift(lnp.ones((0, 3))), np.fft.fftshift(np.ones((0, 3))))
    _same(lnp.fft.rfftfreq(-3), np.fft.rfftfreq(-3))  # NumPy: empty, not an error
    # the gradient of a zero-padded empty input: an empty cotangent
    g = lm.grad(lambda v: lnp.sum(lnp.abs(lnp.fft.fft(v, n=3)) ** 2))(lnp.ones(0))
    assert g.shape == (0,)


@pytest.mark.parametrize("name", TRANSFORMS_1D)
def test_special_values_and_signed_zeros(name):
    values = [[0.0, -0.0], [-0.0, -0.0, -0.0], [1.0, -1.0, 1.0, -1.0], [np.inf, 0.0, 1.0],
              [np.nan, 1.0], [-0.0], [np.inf, -np.inf]]
    if name not in REAL_INPUT:
        values += [[complex(0.0, -0.0), complex(-0.0, 0.0)], [1j, -1j, 1 + 1j]]
    for v in values:
        if name in ("irfft", "hfft") and len(v) == 1:
            continue  # 2 * (1 - 1) points: an error (test_errors_as_numpy)
        x = np.asarray(v)
        with np.errstate(all="ignore"):
            expected = getattr(np.fft, name)(x)
            got = getattr(lnp.fft, name)(lnp.asarray(x))
            _same(got, expected)


def test_out_writes_in_place_with_numpys_casting():
    x = np.random.default_rng(4).normal(size=(2, 5))
    target = lnp.zeros((2, 5), dtype=np.complex64)
    result = lnp.fft.fft(lnp.asarray(x), out=target)
    assert result is target and target.dtype == np.complex64
    np.testing.assert_allclose(target.numpy(), np.fft.fft(x), rtol=1e-6)
    real = lnp.zeros((2, 8))
    assert lnp.fft.irfft(lnp.asarray(x), out=(real,)) is real  # a 1-tuple, as ufuncs take
    np.testing.assert_allclose(real.numpy(), np.fft.irfft(x), rtol=1e-12)
    wide = lnp.zeros((2, 8), dtype=complex)  # a real result into a complex out: safe
    lnp.fft.hfft(lnp.asarray(x), out=wide)  # NumPy's hfft ignores out=; lamina honours it
    np.testing.assert_allclose(wide.numpy(), np.fft.hfft(x), rtol=1e-12)
    view = lnp.zeros((2, 6), dtype=complex)
    lnp.fft.rfftn(lnp.asarray(x), s=(2, 10), axes=(0, 1), out=view[:, :6])
    np.testing.assert_allclose(view.numpy(), np.fft.rfftn(x, s=(2, 10), axes=(0, 1)),
                               rtol=1e-12)


# -- derivatives: JAX's convention --------------------------------------------------------------

# Computed with jax.grad (jax 0.10, x64) on the same functions and points.
_JAX = [
    (lambda x: lnp.real(lnp.fft.rfft(x)).sum(), [1.0, 2.0, 3.0, 4.0], [3.0, 0.0, 1.0, 0.0]),
    (lambda x: lnp.abs(lnp.fft.fft(x)).sum(), [1.0, 2.0, 3.0, 4 + 1j],
     [-1.17865389 + 0.68743687j, 0.44033699 - 0.16188062j, 1.37987389 + 0.00798288j,
      3.33859177 - 0.93155401j]),
    (lambda x: lnp.fft.irfft(x).sum(), [1.0, 2 + 1j, 3.0], [1.0, 0.0, 0.0]),
    (lambda x: (lnp.fft.irfft(x) ** 2).sum(), [1.0, 2 + 1j, 3 + 2j], [0.5, 2 - 1j, 1.5]),
    (lambda x: (lnp.abs(lnp.fft.rfft(x, n=6, norm="ortho")) ** 2).sum(), [1.0, 2.0, 3.0, 4.0],
     [7 / 3, 4.0, 13 / 3, 6.0]),
    (lambda x: (lnp.abs(lnp.fft.hfft(x, n=5)) ** 2).sum(), [1.0, 2 + 1j, 3 - 1j],
     [10.0, 40 - 20j, 60 + 20j]),
]


@pytest.mark.parametrize("f, x, expected", _JAX)
def test_gradients_are_jaxs(f, x, expected):
    x = np.asarray(x)
    np.testing.assert_allclose(lm.grad(f)(lnp.asarray(x)).numpy(), expected, rtol=1e-7,
                               atol=1e-12)
    check_grads(f, [lnp.asarray(x)], order=2, modes=("rev", "fwd"))


@pytest.mark.parametrize("name, axes", [("fft", None), ("ifft", None), ("fftn", None),
                                        ("ifft2", None), ("fftn", (0, 1, 0))])
def test_parseval_gradient_and_hessian(name, axes):
    # With norm="ortho" the transforms are unitary: f(z) = sum |F z|^2 = sum |z|^2, whose grad
    # (JAX's convention for a real function of complex input) is 2 conj(z) and Hessian 2 I.
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4))
    kw = {"norm": "ortho"} if axes is None else {"norm": "ortho", "axes": axes}

    def f(v):
        return lnp.sum(lnp.abs(getattr(lnp.fft, name)(v, **kw)) ** 2)

    np.testing.assert_allclose(float(f(lnp.asarray(z))), np.sum(np.abs(z) ** 2), rtol=1e-12)
    np.testing.assert_allclose(lm.grad(f)(lnp.asarray(z)).numpy(), 2 * np.conj(z), rtol=1e-12)
    x = z.real
    hess = lm.hessian(f)(lnp.asarray(x)).numpy().reshape(12, 12)
    np.testing.assert_allclose(hess, 2 * np.eye(12), atol=1e-12)


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
@pytest.mark.parametrize("n", [5, 6])
def test_round_trips_have_the_identity_as_derivative(norm, n):
    # irfft(rfft(x)) and hfft(ihfft(x)) are x, so every derivative of w . round_trip(x) is w:
    # the transposes of the real transforms and their norms must cancel exactly.
    rng = np.random.default_rng(n)
    x, w = lnp.asarray(rng.normal(size=(2, n))), lnp.asarray(rng.normal(size=(2, n)))
    trips = [
        lambda v: lnp.fft.irfft(lnp.fft.rfft(v, norm=norm), n=n, norm=norm),
        lambda v: lnp.fft.hfft(lnp.fft.ihfft(v, norm=norm), n=n, norm=norm),
        lambda v: lnp.fft.irfftn(lnp.fft.rfftn(v, norm=norm), s=(2, n), axes=(0, 1), norm=norm),
        lambda v: lnp.real(lnp.fft.ifft2(lnp.fft.fft2(v, norm=norm), norm=norm)),
    ]
    for trip in trips:
        np.testing.assert_allclose(trip(x).numpy(), x.numpy(), atol=1e-12)
        g = lm.grad(lambda v, trip=trip: lnp.sum(w * trip(v)))(x)
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)
        _, t = lm.jvp(trip, (x,), (w,))
        np.testing.assert_allclose(t.numpy(), w.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["irfft", "hfft"])
def test_real_output_transforms_ignore_what_numpy_ignores(name):
    # irfft reads only the real parts of the zero (and, for even n, the n/2) frequency: their
    # imaginary parts have no effect, so their derivatives are 0 in both directions.
    z = lnp.asarray([1.0 + 0.5j, 2.0 - 1.0j, 3.0 + 2.0j])
    f = getattr(lnp.fft, name)
    g = lm.grad(lambda v: lnp.sum(f(v) * lnp.arange(1.0, 5.0)))(z).numpy()
    assert g[0].imag == 0 and g[-1].imag == 0 and g[1].imag != 0
    check_grads(lambda v: f(v, n=4), [z], order=2, modes=("rev", "fwd"))
    check_grads(lambda v: f(v, n=5), [z], order=2, modes=("rev", "fwd"))


def test_grad_of_a_complex_output_names_vjp():
    with pytest.raises(TypeError, match="vjp"):
        lm.grad(lambda v: lnp.fft.fft(v).sum())(lnp.ones(4))


# -- vmap: the batch axis is not transformed ---------------------------------------------------

@pytest.mark.parametrize("in_dim", [0, 1, -1])
def test_vmap_leaves_the_batch_axis_alone(in_dim):
    rng = np.random.default_rng(6)
    xs = rng.normal(size=(3, 4, 5))
    batched = np.moveaxis(xs, 0, in_dim)
    for name, kw in (("fftn", {}), ("rfftn", {"s": (6, 3), "axes": (1, 0)}), ("irfft2", {}),
                     ("fft", {"n": 7, "axis": 0}), ("ihfft", {}), ("fftshift", {})):
        fn = getattr(lnp.fft, name)
        got = lm.vmap(lambda x, fn=fn, kw=kw: fn(x, **kw), in_dims=in_dim)(batched)
        expected = np.stack([getattr(np.fft, name)(x, **kw) for x in xs])
        _same(got, expected)
    grads = lm.vmap(lm.grad(lambda x: lnp.sum(lnp.abs(lnp.fft.rfft2(x)) ** 2)),
                    in_dims=in_dim)(batched)
    loop = [lm.grad(lambda x: lnp.sum(lnp.abs(lnp.fft.rfft2(x)) ** 2))(x).numpy() for x in xs]
    np.testing.assert_allclose(np.moveaxis(grads.numpy(), 0, 0), np.stack(loop), rtol=1e-12)


def test_jacobian_of_fft_is_the_dft_matrix():
    n = 5
    k = np.arange(n)
    dft = np.exp(-2j * np.pi * np.outer(k, k) / n)
    x = lnp.asarray(np.random.default_rng(7).normal(size=n) + 0j)
    np.testing.assert_allclose(lm.jacfwd(lnp.fft.fft)(x).numpy(), dft, atol=1e-12)
    np.testing.assert_allclose(lm.jacfwd(lambda v: lnp.fft.ifft(v, norm="ortho"))(x).numpy(),
                               np.conj(dft) / np.sqrt(n), atol=1e-12)


# -- frequencies --------------------------------------------------------------------------------

def test_frequencies_d_device_and_dtype():
    _same(lnp.fft.fftfreq(5, d=np.float32(0.1)), np.fft.fftfreq(5, d=np.float32(0.1)))
    _same(lnp.fft.rfftfreq(6, 1j), np.fft.rfftfreq(6, 1j))
    _same(lnp.fft.fftfreq(4, device="cpu"), np.fft.fftfreq(4, device="cpu"))
    assert lnp.fft.fftfreq(4, dtype=np.float32).dtype == np.float32  # the array API's dtype=
    assert str(lnp.fft.rfftfreq(4, device=lm.Device("cpu")).device) == "cpu"
    # d as a tensor is differentiable: d/dd (k / (n d)) = -k / (n d^2)
    d = lnp.asarray(0.5)
    g = lm.grad(lambda v: lnp.sum(lnp.fft.fftfreq(4, v) * lnp.arange(4.0)))(d)
    np.testing.assert_allclose(float(g), -np.sum(np.fft.fftfreq(4, 0.5) * np.arange(4)) / 0.5)
    per_d = lm.vmap(lambda v: lnp.fft.rfftfreq(5, v))(lnp.asarray([1.0, 2.0]))
    np.testing.assert_allclose(per_d.numpy(), [np.fft.rfftfreq(5, 1.0), np.fft.rfftfreq(5, 2.0)])


@pytest.mark.parametrize("n", [1, 4, 5])
def test_shifts_invert_each_other_and_center_the_frequencies(n):
    f = lnp.fft.fftfreq(n)
    shifted = lnp.fft.fftshift(f)
    assert np.all(np.diff(shifted.numpy()) > 0)
    _same(lnp.fft.ifftshift(shifted), np.fft.fftfreq(n))
    x = lnp.asarray(np.arange(n * 3.0).reshape(n, 3))
    check_grads(lambda v: lnp.fft.ifftshift(lnp.fft.fftshift(v, axes=0) * v), [x], order=2)
