"""Property-based tests as a user would write them with ``lamina.testing``, and proof that they
find a planted wrong gradient and a planted wrong batch rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import lamina as lm
import lamina.numpy as lnp
from lamina.core import bind
from lamina.ops import ad, reduction
from lamina.ops.elementwise import UNARY
from lamina.testing import assert_allclose, check_grads, check_vmap
from lamina.testing.strategies import arrays, axes, shapes

# Used by the planted-bug tests: no shrinking and no example database, one error reported.
PLANTED = settings(max_examples=20, deadline=None, database=None, phases=[Phase.generate],
                   report_multiple_bugs=False)


# ---- what a user writes ---------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, shapes()))
def test_grad_of_sum_of_squares(x):
    assert_allclose(lm.grad(lambda x: (x ** 2).sum())(x), 2 * x)


@settings(max_examples=20, deadline=None)
@given(arrays(np.float64, shapes(max_dims=2, max_side=3)))
def test_check_grads_of_a_smooth_function(x):
    check_grads(lambda x: lnp.tanh(x) * x + lnp.sin(x) ** 2, (x,), order=2, modes=("rev", "fwd"))


@settings(max_examples=30, deadline=None)
@given(st.data(), arrays(np.float64, shapes(min_dims=1, max_dims=3, max_side=4)))
def test_vmap_of_sum_matches_a_loop_for_every_batch_axis(data, x):
    in_dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="in_dim")
    axis = data.draw(axes(x.ndim - 1), label="axis")
    check_vmap(lambda e: lnp.sum(lnp.cumsum(e, axis=-1) if e.ndim else e, axis=axis), (x,),
               in_dims=in_dim)


# ---- the same properties find planted bugs --------------------------------------------------

def _exp_vjp_with_a_sign_error(g, x, *, out):
    return (ad.neg(ad.mul(g, out)),)


@PLANTED
@given(arrays(np.float64, shapes()))
def prop_grad_of_sum_of_exp(x):
    assert_allclose(lm.grad(lambda x: lnp.exp(x).sum())(x), lnp.exp(x), rtol=1e-12)


@PLANTED
@given(arrays(np.float64, shapes(max_dims=2, max_side=3)))
def prop_check_grads_through_exp(x):
    check_grads(lambda x: lnp.exp(lnp.sin(x)), (x,), order=1)


def test_planted_wrong_gradient_is_found_by_the_properties():
    prop_grad_of_sum_of_exp()  # the real rule passes
    prop_check_grads_through_exp()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(UNARY["exp"], "vjp", _exp_vjp_with_a_sign_error)
        with pytest.raises(AssertionError, match="Mismatched elements"):
            prop_grad_of_sum_of_exp()
        with pytest.raises(AssertionError, match="reverse mode disagrees with finite "
                                                 "differences"):
            prop_check_grads_through_exp()


def _cumsum_batch_forgetting_the_batch_axis(args, bdims, *, axis, dtype):
    (x,), (d,) = args, bdims
    return bind(reduction.cumsum_p, x, axis=axis, dtype=dtype), d


@PLANTED
@given(arrays(np.float64, shapes(min_dims=2, max_dims=3, min_side=2, max_side=4)))
def prop_vmap_of_cumsum(x):
    for in_dim in range(x.ndim):
        check_vmap(lambda e: lnp.cumsum(e, axis=-1), (x,), in_dims=in_dim)


def test_planted_wrong_batch_rule_is_found_by_the_property():
    prop_vmap_of_cumsum()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reduction.cumsum_p, "batch", _cumsum_batch_forgetting_the_batch_axis)
        with pytest.raises(AssertionError, match="differs between vmap and a Python loop"):
            prop_vmap_of_cumsum()


class WrongSoftplus(lm.Function):
    """softplus with a planted bug in its custom vjp: the gradient is halved
    only for positive inputs, so a test on a few hand-picked points could miss it."""

    @staticmethod
    def forward(x):
        return lm.numpy.logaddexp(x, 0.0)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        sigmoid = 1 / (1 + lm.numpy.exp(-x))
        return g * lm.numpy.where(x > 0, 0.5 * sigmoid, sigmoid)


def test_planted_wrong_custom_vjp_is_found_by_check_grads():
    @PLANTED
    @given(arrays(np.float64, shapes(min_dims=1, max_dims=2, min_side=2)))
    def property_test(x):
        check_grads(lambda x: WrongSoftplus.apply(x).sum(), (x,), order=1)

    with pytest.raises(AssertionError):
        property_test()
