"""Errors and warnings users hit with reductions: NumPy's exception classes and wording."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
import lamina.special


@pytest.fixture
def x():
    return lnp.asarray(np.arange(12.0).reshape(3, 4))


# -- axes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [lnp.sum, lnp.mean, lnp.max, lnp.var, lnp.all, lnp.cumsum,
                                lnp.argmax, lnp.nanmean, lnp.count_nonzero])
def test_axis_out_of_bounds_is_axis_error(x, fn):
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds for array of "
                                                      "dimension 2"):
        fn(x, axis=2)


def test_axis_error_is_a_lamina_error_and_a_value_error(x):
    with pytest.raises(lm.AxisError) as info:
        lnp.sum(x, axis=-3)
    assert isinstance(info.value, (lm.LaminaError, ValueError, IndexError))


def test_duplicate_axis(x):
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        lnp.sum(x, axis=(0, -2))


def test_axis_must_be_an_integer(x):
    with pytest.raises(TypeError, match="axis must be an integer"):
        lnp.mean(x, axis=1.0)


@pytest.mark.parametrize("fn", [lnp.argmax, lnp.argmin, lnp.cumsum])
def test_single_axis_functions_reject_tuples(x, fn):
    with pytest.raises(TypeError, match="axis must be an integer, got tuple"):
        fn(x, axis=(0, 1))


def test_zero_d_axis_zero_follows_numpy():
    z = lnp.asarray(2.0)
    assert lnp.sum(z, axis=0).item() == 2.0  # ufunc reductions accept it, as NumPy
    assert lnp.argmax(z, axis=-1).item() == 0
    with pytest.raises(np.exceptions.AxisError, match="out of bounds for array of dimension 0"):
        lnp.mean(z, axis=0)  # ... but mean/var do not, as NumPy


# -- empty reductions --------------------------------------------------------------------------

@pytest.mark.parametrize("fn, ufunc", [(lnp.max, "maximum"), (lnp.min, "minimum"),
                                       (lnp.amax, "maximum"), (lnp.nanmax, "fmax"),
                                       (lnp.nanmin, "fmin"), (lnp.ptp, "maximum")])
def test_extremum_of_empty_axis(fn, ufunc):
    with pytest.raises(ValueError, match=f"zero-size array to reduction operation {ufunc} "
                                         "which has no identity"):
        fn(lnp.zeros((0, 3)), axis=0)


def test_extremum_of_empty_axis_with_initial_is_fine():
    out = lnp.max(lnp.zeros((0, 3)), axis=0, initial=-1.0)
    np.testing.assert_array_equal(out.numpy(), [-1.0, -1.0, -1.0])


@pytest.mark.parametrize("fn, name", [(lnp.argmax, "argmax"), (lnp.argmin, "argmin")])
def test_arg_extremum_of_empty(fn, name):
    with pytest.raises(ValueError, match=f"attempt to get {name} of an empty sequence"):
        fn(lnp.zeros((0, 3)))
    with pytest.raises(ValueError, match=f"attempt to get {name} of an empty sequence"):
        fn(lnp.zeros((0, 3)), axis=0)


def test_mean_of_empty_warns_and_gives_nan():
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        out = lnp.mean(lnp.zeros((0,)))
    with np.errstate(invalid="ignore"):
        assert np.isnan(out.item())


def test_var_with_too_few_degrees_of_freedom_warns():
    with pytest.warns(RuntimeWarning, match="Degrees of freedom <= 0"):
        lnp.var(lnp.ones(3), ddof=3)


# -- keywords ----------------------------------------------------------------------------------

def test_where_without_initial_on_max(x):
    with pytest.raises(ValueError, match="reduction operation 'maximum' does not have an "
                                         "identity, so to use a where mask one has to "
                                         "specify 'initial'"):
        lnp.max(x, where=lnp.asarray([True, False, True, True]))


def test_where_must_be_boolean(x):
    with pytest.raises(TypeError, match="Cannot cast array data from dtype"):
        lnp.sum(x, where=lnp.asarray([1, 0, 1, 1]))


def test_where_must_broadcast(x):
    with pytest.raises(ValueError, match="does not broadcast to the input's shape"):
        lnp.sum(x, where=lnp.asarray([True, False]))


def test_ddof_and_correction_together(x):
    with pytest.raises(ValueError, match="ddof and correction can't be provided "
                                         "simultaneously"):
        lnp.var(x, ddof=1, correction=1)


def test_bad_dtype_argument(x):
    with pytest.raises(TypeError, match="is not a dtype"):
        lnp.sum(x, dtype="not-a-dtype")
    with pytest.raises(lm.UnsupportedDTypeError):
        lnp.mean(x, dtype=object)


def test_ptp_of_bool():
    with pytest.raises(TypeError, match="boolean subtract"):
        lnp.ptp(lnp.asarray([True, False]))


def test_cumulative_sum_needs_axis_for_nd(x):
    with pytest.raises(ValueError, match="``axis`` argument is required"):
        lnp.cumulative_sum(x)


# -- out= --------------------------------------------------------------------------------------

def test_out_must_have_the_result_shape(x):
    with pytest.raises(ValueError, match="'out' tensor has shape \\(1, 4\\), but the result has "
                                         "shape \\(4,\\)"):
        lnp.sum(x, axis=0, out=lnp.zeros((1, 4)))


def test_out_must_be_a_tensor(x):
    with pytest.raises(TypeError, match="'out' must be a lamina Tensor"):
        lnp.sum(x, axis=0, out=np.zeros(4))


def test_out_casts_unsafely_like_numpy(x):
    out = lnp.zeros(4, dtype=lnp.int32)
    assert lnp.mean(x, axis=0, out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.mean(x.numpy(), axis=0).astype(np.int32))


# -- average and logsumexp ---------------------------------------------------------------------

def test_average_weights_need_axis(x):
    with pytest.raises(TypeError, match="Axis must be specified when shapes of a and weights "
                                        "differ"):
        lnp.average(x, weights=lnp.ones(4))


def test_average_weights_shape_must_match_axis(x):
    with pytest.raises(ValueError, match="Shape of weights must be consistent with shape of a "
                                         "along specified axis"):
        lnp.average(x, axis=0, weights=lnp.ones(4))


def test_logsumexp_b_must_broadcast(x):
    with pytest.raises(ValueError, match="do not broadcast together"):
        lamina.special.logsumexp(x, b=lnp.ones(3))


def test_ufunc_reduce_of_unsupported_ufunc(x):
    with pytest.raises(TypeError, match="does not implement subtract.reduce"):
        lnp.subtract.reduce(x)
