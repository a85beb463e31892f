"""Issue 14: SciPy's optimizers on lamina's transforms, and the NumPy functions they call on
what the transforms return (``np.array_equal``, ``np.array_equiv``)."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

so = pytest.importorskip("scipy.optimize")


# -- array_equal and array_equiv: NumPy's answers, as a Python bool ----------------------------

_NAN = float("nan")
_PAIRS = [
    ([1.0, 2.0], [1.0, 2.0]),
    ([1.0, 2.0], [1, 2]),                     # dtypes differ, values agree
    ([1.0, 2.0], [1.0, 3.0]),
    ([1.0, 2.0], [[1.0, 2.0]]),               # shapes differ (broadcastable)
    ([1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]]),
    ([1, 2], [1, 2, 1, 2]),                   # shapes differ (not broadcastable)
    (3.0, 3.0),                               # 0-d
    (3.0, [3.0]),
    ([], []),
    (np.zeros((0, 2)), np.zeros((2, 0))),
    ([1.0, _NAN], [1.0, _NAN]),
    ([_NAN, 1.0], [1.0, _NAN]),
    ([complex(1, _NAN)], [complex(_NAN, 1)]),  # a complex NaN has a NaN in either part
    ([True, False], [1, 0]),
]


def _tensors(a):
    return [lnp.asarray(a), np.asarray(a), a]


@pytest.mark.parametrize("a, b", _PAIRS)
@pytest.mark.parametrize("equal_nan", [False, True])
def test_array_equal_agrees_with_numpy(a, b, equal_nan):
    expected = np.array_equal(np.asarray(a), np.asarray(b), equal_nan=equal_nan)
    for x in _tensors(a):
        for y in _tensors(b):
            if isinstance(x, lm.Tensor) or isinstance(y, lm.Tensor):
                got = lnp.array_equal(x, y, equal_nan=equal_nan)
                assert type(got) is bool and got == expected
                via_numpy = np.array_equal(x, y, equal_nan=equal_nan)  # __array_function__
                assert type(via_numpy) is bool and via_numpy == expected


@pytest.mark.parametrize("a, b", _PAIRS)
def test_array_equiv_agrees_with_numpy(a, b):
    expected = np.array_equiv(np.asarray(a), np.asarray(b))
    for x in _tensors(a):
        for y in _tensors(b):
            if isinstance(x, lm.Tensor) or isinstance(y, lm.Tensor):
                got = lnp.array_equiv(x, y)
                assert type(got) is bool and got == expected
                via_numpy = np.array_equiv(x, y)
                assert type(via_numpy) is bool and via_numpy == expected


def test_array_equal_of_a_tensor_with_itself():
    x = lnp.asarray([1.0, _NAN])
    assert lnp.array_equal(x, x) is False
    assert lnp.array_equal(x, x, equal_nan=True) is True
    assert lnp.array_equal(x[:1], x[:1]) is True


def test_array_equal_of_operands_numpy_cannot_make_arrays_is_false():
    ragged = [[1.0, 2.0], [3.0]]
    assert np.array_equal(np.ones(2), ragged) is False      # NumPy's answer
    assert lnp.array_equal(lnp.ones(2), ragged) is False
    assert lnp.array_equiv(lnp.ones(2), ragged) is False


def test_array_equal_inside_transforms():
    def f(x):
        same = lnp.array_equal(x, lnp.asarray([1.0, 2.0]))
        return (x * x).sum() if same else x.sum()

    assert lm.grad(f)(lnp.asarray([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert lm.grad(f)(lnp.asarray([1.0, 3.0])).tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="data-dependent control flow"):
        lm.vmap(lambda x: lnp.asarray(1.0) if lnp.array_equal(x, x) else x)(lnp.ones((2, 3)))


# -- scipy.optimize.minimize on value_and_grad ------------------------------------------------

def _rosen(x):
    return lnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosen_np(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosen_grad_np(x):  # by hand
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def _rosen_hessp_np(x, p):  # by hand
    hp = np.zeros_like(x)
    hp[0] = (1200 * x[0] ** 2 - 400 * x[1] + 2) * p[0] - 400 * x[0] * p[1]
    hp[1:-1] = (-400 * x[:-2] * p[:-2] + (202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]) * p[1:-1]
                - 400 * x[1:-1] * p[2:])
    hp[-1] = -400 * x[-2] * p[-2] + 200 * p[-1]
    return hp


def _hessp(x, p):
    return lm.jvp(lm.grad(_rosen), (x,), (p,))[1]   # forward-over-reverse


X0 = np.array([-1.2, 1.0, 0.5, 0.3, 0.9])


@pytest.mark.filterwarnings("ignore::scipy.optimize.OptimizeWarning")
@pytest.mark.parametrize("method", ["BFGS", "CG", "Newton-CG", "trust-ncg", "trust-krylov",
                                    "trust-constr", "TNC"])
def test_minimize_with_value_and_grad_matches_numpy(method):
    hand_hessp = {"hessp": _rosen_hessp_np}
    ours_hessp = {"hessp": _hessp}
    needs_hessp = method in ("Newton-CG", "trust-ncg", "trust-krylov")
    ours = so.minimize(lm.value_and_grad(_rosen), X0.copy(), jac=True, method=method,
                       **(ours_hessp if needs_hessp else {}))
    ref = so.minimize(lambda x: (_rosen_np(x), _rosen_grad_np(x)), X0.copy(), jac=True,
                      method=method, **(hand_hessp if needs_hessp else {}))
    assert ours.success == ref.success
    assert abs(ours.nit - ref.nit) <= 3   # rounding differs from the hand-coded gradient's
    assert isinstance(ours.fun, float)
    np.testing.assert_allclose(np.asarray(ours.x), ref.x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.fun, ref.fun, rtol=1e-6, atol=1e-12)


def test_minimize_leaves_x0_alone():
    x0 = X0.copy()
    so.minimize(lm.value_and_grad(_rosen), x0, jac=True, method="BFGS")
    np.testing.assert_array_equal(x0, X0)


@pytest.mark.parametrize("method", ["BFGS", "Nelder-Mead", "Powell", "L-BFGS-B", "CG",
                                    "SLSQP"])
def test_minimize_a_lamina_function_by_finite_differences(method):
    # ``fun`` returns a 0-d tensor: SciPy takes it as its value (np.asarray(fx).item()).
    ours = so.minimize(_rosen, X0[:3].copy(), method=method)
    ref = so.minimize(_rosen_np, X0[:3].copy(), method=method)
    np.testing.assert_allclose(np.asarray(ours.x), ref.x, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["L-BFGS-B", "SLSQP"])
def test_compiled_optimizers_take_the_gradient_as_a_numpy_array(method):
    # L-BFGS-B and SLSQP hand the gradient to compiled code that takes only NumPy arrays (not
    # array-likes); SciPy's np.atleast_1d on a tensor is a tensor (NEP 18), so the gradient is
    # converted here, outside every transform, where np.asarray of a tensor is its values.
    fun = lm.value_and_grad(_rosen)
    ours = so.minimize(lambda x: tuple(np.asarray(v) for v in fun(x)), X0.copy(), jac=True,
                       method=method)
    ref = so.minimize(lambda x: (_rosen_np(x), _rosen_grad_np(x)), X0.copy(), jac=True,
                      method=method)
    assert ours.success and ref.success
    np.testing.assert_allclose(ours.x, ref.x, rtol=1e-6, atol=1e-6)


def test_check_grad_and_approx_fprime_on_lamina_functions():
    assert so.check_grad(_rosen, lm.grad(_rosen), X0) < 1e-4
    np.testing.assert_allclose(so.approx_fprime(X0, _rosen), _rosen_grad_np(X0), rtol=1e-5)
