"""lamina.Function from the user's side: each transform and nesting, proof that the user's
backward/jvp/vmap rules are the ones used, saved tensors under vmap, the ctx API
(mark_non_differentiable, set_materialize_grads, needs_input_grad, attributes, static
arguments), functionalize, and every error (NOTE [custom functions on the layer stack])."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.core import current_interpreters
from lamina.interpreters.vmap import VmapFallbackWarning
from lamina.testing import check_grads, check_vmap

rng = np.random.default_rng(0)
X = rng.standard_normal(4)
V = rng.standard_normal(4)
XB = rng.standard_normal((3, 4))   # a batch of 3 X-shaped rows
VB = rng.standard_normal((3, 4))

CALLS: Counter = Counter()   # calls of the user's methods, reset before each test
SEEN: list = []              # what the user's methods were given, reset before each test


@pytest.fixture(autouse=True)
def _fresh_records():
    CALLS.clear()
    SEEN.clear()
    with warnings.catch_warnings():
        # A custom function under vmap must run its rule, never the per-element loop.
        warnings.simplefilter("error", VmapFallbackWarning)
        yield
    assert current_interpreters() == ()


def _np(a):
    return a.numpy() if isinstance(a, lm.Tensor) else np.asarray(a)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


# -- the functions under test ----------------------------------------------------------------

class Cube(lm.Function):
    """x ** 3 in the setup_context style; rules in lamina ops; the generated vmap rule."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        CALLS["Cube.forward"] += 1
        return x ** 3

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        CALLS["Cube.backward"] += 1
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g

    @staticmethod
    def jvp(ctx, t):
        CALLS["Cube.jvp"] += 1
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * t


class CubeCombined(lm.Function):
    """x ** 3 in the combined forward(ctx, x) style, with a user vmap rule."""

    @staticmethod
    def forward(ctx, x):
        CALLS["CubeCombined.forward"] += 1
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        CALLS["CubeCombined.backward"] += 1
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * g

    @staticmethod
    def jvp(ctx, t):
        CALLS["CubeCombined.jvp"] += 1
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * t

    @staticmethod
    def vmap(info, in_dims, x):
        CALLS["CubeCombined.vmap"] += 1
        SEEN.append((info.batch_size, in_dims))
        return CubeCombined.apply(x), in_dims[0]


CUBES = [pytest.param(Cube, id="setup_context"), pytest.param(CubeCombined, id="combined")]


class SinOff(lm.Function):
    """sin(x) with deliberately wrong rules: backward 2x, jvp 3x the true derivative, and a
    vmap rule that returns 5 sin(x). Any transform that bypassed a rule would show the truth."""

    @staticmethod
    def forward(x):
        return lnp.sin(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * lnp.cos(x) * g

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return 3 * lnp.cos(x) * t

    @staticmethod
    def vmap(info, in_dims, x):
        return 5 * SinOff.apply(x), in_dims[0]


class SinOffCombined(lm.Function):
    """SinOff in the combined style."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return lnp.sin(x)

    backward = SinOff.backward
    jvp = SinOff.jvp

    @staticmethod
    def vmap(info, in_dims, x):
        return 5 * SinOffCombined.apply(x), in_dims[0]


class SinOffGenerated(lm.Function):
    """SinOff's wrong backward and jvp, batched by the generated vmap rule."""

    generate_vmap_rule = True
    forward = SinOff.forward
    setup_context = SinOff.setup_context
    backward = SinOff.backward
    jvp = SinOff.jvp


SIN_OFFS = [pytest.param(SinOff, id="setup_context"),
            pytest.param(SinOffCombined, id="combined")]


class Polar(lm.Function):
    """(r, theta) -> (r cos theta, r sin theta): two inputs, two outputs."""

    generate_vmap_rule = True

    @staticmethod
    def forward(r, theta):
        return r * lnp.cos(theta), r * lnp.sin(theta)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, gx, gy):
        r, theta = ctx.saved_tensors
        c, s = lnp.cos(theta), lnp.sin(theta)
        return gx * c + gy * s, r * (gy * c - gx * s)

    @staticmethod
    def jvp(ctx, tr, tt):
        r, theta = ctx.saved_tensors
        c, s = lnp.cos(theta), lnp.sin(theta)
        return tr * c - r * s * tt, tr * s + r * c * tt


def _exp_mul_backward(ctx, g):
    CALLS["ExpMul.backward"] += 1
    x, w, out = ctx.saved_tensors
    return g * w * out, g * x * out


def _exp_mul_jvp(ctx, tx, tw):
    x, w, out = ctx.saved_tensors
    return out * (tx * w + x * tw)


class ExpMulGenerated(lm.Function):
    """exp(x * w), saving both inputs and the output; the generated vmap rule."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x, w):
        return lnp.exp(x * w)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], inputs[1], output)

    backward = staticmethod(_exp_mul_backward)
    jvp = staticmethod(_exp_mul_jvp)


class ExpMulUser(lm.Function):
    """exp(x * w), saving both inputs and the output; a user vmap rule."""

    forward = ExpMulGenerated.forward
    setup_context = ExpMulGenerated.setup_context
    backward = staticmethod(_exp_mul_backward)
    jvp = staticmethod(_exp_mul_jvp)

    @staticmethod
    def vmap(info, in_dims, x, w):
        CALLS["ExpMul.vmap"] += 1
        x = x if in_dims[0] is None else lnp.moveaxis(x, in_dims[0], 0)
        w = w if in_dims[1] is None else lnp.moveaxis(w, in_dims[1], 0)
        # Give the unbatched operand the batch too (broadcast_to is differentiable), so that
        # backward sees operands of one shape.
        shape = (w if in_dims[0] is None else x).shape
        return ExpMulUser.apply(lnp.broadcast_to(x, shape), lnp.broadcast_to(w, shape)), 0


EXP_MULS = [pytest.param(ExpMulGenerated, id="generate_vmap_rule"),
            pytest.param(ExpMulUser, id="user_vmap")]


class ScaledMul(lm.Function):
    """x * y * scale with a static scale; records ctx.needs_input_grad."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x, y, scale):
        return x * y * scale

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y, scale = inputs
        SEEN.append(ctx.needs_input_grad)
        ctx.save_for_backward(x, y)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.scale if ctx.needs_input_grad[1] else None
        return gx, gy, None

    @staticmethod
    def jvp(ctx, tx, ty, tscale):
        x, y = ctx.saved_tensors
        return (tx * y + x * ty) * ctx.scale


class SumAxis(lm.Function):
    """sum(x, axis) with a static tuple axis and the input shape kept as a ctx attribute."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x, axis):
        return lnp.sum(x, axis=axis)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, axis = inputs
        ctx.shape, ctx.axis = x.shape, axis

    @staticmethod
    def backward(ctx, g):
        return lnp.broadcast_to(lnp.expand_dims(g, ctx.axis), ctx.shape), None

    @staticmethod
    def jvp(ctx, t, t_axis):
        return lnp.sum(t, axis=ctx.axis)


class SortWithIndices(lm.Function):
    """(sorted values, int64 argsort indices); the indices are marked non-differentiable."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        idx = lnp.argsort(x)
        return x[idx], idx

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output[1])
        ctx.save_for_backward(output[1])

    @staticmethod
    def backward(ctx, g_values, g_idx):
        (idx,) = ctx.saved_tensors
        return g_values[lnp.argsort(idx)]

    @staticmethod
    def jvp(ctx, t):
        (idx,) = ctx.saved_tensors
        return t[idx], None


class ReluMask(lm.Function):
    """(relu(x), float mask x > 0); the mask is marked non-differentiable. backward adds the
    mask's cotangent to the input's gradient, so a cotangent reaching the mask would show."""

    @staticmethod
    def forward(x):
        mask = (x > 0).astype(x.dtype)
        return x * mask, mask

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output[1])
        ctx.save_for_backward(output[1])

    @staticmethod
    def backward(ctx, g, g_mask):
        SEEN.append(g_mask)
        (mask,) = ctx.saved_tensors
        return g * mask + g_mask

    @staticmethod
    def jvp(ctx, t):
        (mask,) = ctx.saved_tensors
        return t * mask, t   # a tangent for the mask, which lamina must drop


class TwoOut(lm.Function):
    """x -> (2x, 3x); the static flag chooses set_materialize_grads; backward records the
    cotangents it receives."""

    @staticmethod
    def forward(x, materialize):
        return 2 * x, 3 * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        if inputs[1] is not None:
            ctx.set_materialize_grads(inputs[1])

    @staticmethod
    def backward(ctx, g1, g2):
        SEEN.append((g1, g2))
        total = 0.0
        if g1 is not None:
            total = total + 2 * g1
        if g2 is not None:
            total = total + 3 * g2
        return total, None


# -- each transform ----------------------------------------------------------------------------

@pytest.mark.parametrize("fn", CUBES)
def test_forward_without_transforms(fn):
    out = fn.apply(lm.asarray(X))
    assert isinstance(out, lm.Tensor)
    _close(out, X ** 3)


@pytest.mark.parametrize("fn", CUBES)
def test_grad_vjp_jvp_against_closed_form(fn):
    x = lm.asarray(X)
    _close(lm.grad(lambda x: fn.apply(x).sum())(x), 3 * X ** 2)
    out, vjp_fn = lm.vjp(fn.apply, x)
    _close(out, X ** 3)
    (g,) = vjp_fn(lm.asarray(V))
    _close(g, 3 * X ** 2 * V)
    out, t = lm.jvp(fn.apply, (x,), (lm.asarray(V),))
    _close(out, X ** 3)
    _close(t, 3 * X ** 2 * V)
    name = fn.__name__
    assert CALLS[f"{name}.backward"] == 2 and CALLS[f"{name}.jvp"] == 1


@pytest.mark.parametrize("fn", CUBES)
def test_linearize(fn):
    out, jvp_fn = lm.linearize(fn.apply, lm.asarray(X))
    _close(out, X ** 3)
    _close(jvp_fn(lm.asarray(V)), 3 * X ** 2 * V)


def test_linearize_of_a_function_with_only_a_jvp_rule_uses_it():
    # linearize transposes the vjp where it can; without a backward it runs jvp per call.
    x = lm.asarray(X)
    out, jvp_fn = lm.linearize(lambda x: NoBackward.apply(x) * x, x)
    _close(out, 2 * X ** 2)
    for v in (V, 2 * V):
        _close(jvp_fn(lm.asarray(v)), 4 * X * v)
    assert not current_interpreters()

    def scaled_in_place(x):
        x *= 3.0
        return NoBackward.apply(x)

    x = lm.asarray(X)
    _, jvp_fn = lm.linearize(scaled_in_place, x)
    _close(jvp_fn(lm.asarray(V)), 6 * V)
    _close(jvp_fn(lm.asarray(V)), 6 * V)
    _close(x, 3 * X)  # written back once, by linearize; the jvp calls run on fresh handles


@pytest.mark.parametrize("fn", CUBES)
def test_jacrev_jacfwd_hessian(fn):
    x = lm.asarray(X)
    _close(lm.jacrev(fn.apply)(x), np.diag(3 * X ** 2))
    _close(lm.jacfwd(fn.apply)(x), np.diag(3 * X ** 2))
    _close(lm.hessian(lambda x: fn.apply(x).sum())(x), np.diag(6 * X))
    _close(lm.jacfwd(lm.jacrev(lambda x: fn.apply(x).sum()))(x), np.diag(6 * X))


@pytest.mark.parametrize("fn", CUBES)
def test_finite_differences_to_second_order_both_modes(fn):
    check_grads(fn.apply, (lm.asarray(X),), order=2, modes=("rev", "fwd"))


def test_vmap_with_the_generated_rule_runs_forward_once_per_call():
    check_vmap(Cube.apply, (lm.asarray(XB),))
    CALLS.clear()
    out = lm.vmap(Cube.apply, in_dims=1)(lm.asarray(XB))
    _close(out, XB.T ** 3)
    assert CALLS["Cube.forward"] == 1   # vectorized, not a loop over the batch


def test_vmap_uses_the_user_rule_with_info_and_in_dims():
    check_vmap(CubeCombined.apply, (lm.asarray(XB),), in_dims=1, out_dims=1)
    CALLS.clear()
    SEEN.clear()
    out = lm.vmap(CubeCombined.apply, in_dims=1)(lm.asarray(XB))
    _close(out, XB.T ** 3)
    assert CALLS["CubeCombined.vmap"] == 1
    assert SEEN == [(4, (1,))]


def test_vmap_info_with_randomness_and_chunks():
    _close(lm.vmap(CubeCombined.apply, randomness="same", chunk_size=2)(lm.asarray(XB)),
           XB ** 3)
    assert SEEN == [(2, (0,)), (1, (0,))]

    class Info(lm.Function):
        @staticmethod
        def forward(x):
            return x * 1.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def vmap(info, in_dims, x):
            SEEN.append(info.randomness)
            return Info.apply(x), in_dims[0]

    SEEN.clear()
    for randomness in ("error", "different", "same"):
        lm.vmap(Info.apply, randomness=randomness)(lm.asarray(XB))
    assert SEEN == ["error", "different", "same"]


def test_functionalize_of_the_function_and_around_mutation():
    x = lm.asarray(X)
    _close(lm.functionalize(Cube.apply)(x), X ** 3)
    _close(lm.functionalize(CubeCombined.apply, remove="mutations_and_views")(x), X ** 3)

    def f(x):
        buf = lnp.zeros(4)
        buf[:] = Cube.apply(x)
        buf[0] += 1.0
        return buf * 2

    expected = X ** 3
    expected[0] += 1.0
    _close(lm.functionalize(f)(x), expected * 2)


# -- the user's rules are the ones used --------------------------------------------------------

@pytest.mark.parametrize("fn", SIN_OFFS)
def test_wrong_backward_shows_in_every_reverse_transform(fn):
    x = lm.asarray(X)
    twice = 2 * np.cos(X)
    _close(lm.grad(lambda x: fn.apply(x).sum())(x), twice)
    _close(lm.vjp(fn.apply, x)[1](lm.asarray(V))[0], twice * V)
    _close(lm.jacrev(fn.apply)(x), np.diag(twice))
    # The second derivative is that of the user's backward, 2 cos x: -2 sin x.
    _close(lm.grad(lm.grad(lambda s: fn.apply(s)))(lm.asarray(0.7)), -2 * np.sin(0.7))
    _close(lm.hessian(lambda x: fn.apply(x).sum())(x), np.diag(-2 * np.sin(X)))


@pytest.mark.parametrize("fn", SIN_OFFS)
def test_wrong_jvp_shows_in_every_forward_transform(fn):
    x = lm.asarray(X)
    _close(lm.jvp(fn.apply, (x,), (lm.asarray(V),))[1], 3 * np.cos(X) * V)
    _close(lm.jacfwd(fn.apply)(x), np.diag(3 * np.cos(X)))


@pytest.mark.parametrize("fn", SIN_OFFS)
def test_wrong_vmap_rule_shows_under_vmap(fn):
    _close(lm.vmap(fn.apply)(lm.asarray(XB)), 5 * np.sin(XB))
    _close(lm.vmap(fn.apply, in_dims=1, out_dims=1)(lm.asarray(XB)), 5 * np.sin(XB))


def test_wrong_rules_survive_the_generated_vmap_rule():
    xb = lm.asarray(XB)
    _close(lm.vmap(lm.grad(lambda x: SinOffGenerated.apply(x).sum()))(xb), 2 * np.cos(XB))
    _close(lm.grad(lambda x: lm.vmap(SinOffGenerated.apply)(x).sum())(xb), 2 * np.cos(XB))
    _close(lm.vmap(lambda x, v: lm.jvp(SinOffGenerated.apply, (x,), (v,))[1])(
        xb, lm.asarray(VB)), 3 * np.cos(XB) * VB)
    _close(lm.jvp(lm.vmap(SinOffGenerated.apply), (xb,), (lm.asarray(VB),))[1],
           3 * np.cos(XB) * VB)


class Exp(lm.Function):
    """exp(x) whose backward and jvp call Exp itself: each order of derivative goes through
    the user's rules again."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return lnp.exp(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        CALLS["Exp.backward"] += 1
        (x,) = ctx.saved_tensors
        return g * Exp.apply(x)

    @staticmethod
    def jvp(ctx, t):
        CALLS["Exp.jvp"] += 1
        (x,) = ctx.saved_tensors
        return t * Exp.apply(x)


def test_rules_that_call_the_function_itself_to_any_order():
    _close(lm.grad(lm.grad(lm.grad(Exp.apply)))(lm.asarray(0.3)), np.exp(0.3))
    assert CALLS["Exp.backward"] == 3
    CALLS.clear()
    _close(lm.vmap(lm.hessian(lambda x: Exp.apply(x).sum()))(lm.asarray(XB)),
           np.stack([np.diag(np.exp(row)) for row in XB]))
    assert CALLS["Exp.jvp"] >= 1 and CALLS["Exp.backward"] >= 1
    check_grads(Exp.apply, (lm.asarray(X),), order=3, modes=("rev", "fwd"))


def test_rules_are_called_once_per_transform_call():
    x = lm.asarray(X)
    lm.grad(lambda x: Cube.apply(x).sum())(x)
    assert CALLS["Cube.backward"] == 1 and CALLS["Cube.forward"] == 1
    CALLS.clear()
    lm.vmap(lm.grad(lambda x: CubeCombined.apply(x).sum()))(lm.asarray(XB))
    # The combined style runs its forward at the grad level: vmap sees its ops, not the call.
    assert CALLS["CubeCombined.backward"] == 1 and CALLS["CubeCombined.vmap"] == 0
    CALLS.clear()
    lm.grad(lambda x: lm.vmap(CubeCombined.apply)(x).sum())(lm.asarray(XB))
    assert CALLS["CubeCombined.vmap"] == 1 and CALLS["CubeCombined.backward"] == 1
    CALLS.clear()
    lm.vmap(lm.vmap(CubeCombined.apply))(lm.asarray(XB))
    assert CALLS["CubeCombined.vmap"] == 2 and CALLS["CubeCombined.forward"] == 1


# -- nestings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", CUBES)
def test_grad_of_grad_uses_the_backward_written_in_lamina_ops(fn):
    for s in (0.5, -1.3, 2.0):
        _close(lm.grad(lm.grad(fn.apply))(lm.asarray(s)), 6 * s)
    _close(lm.grad(lm.grad(lm.grad(fn.apply)))(lm.asarray(0.5)), 6.0)


@pytest.mark.parametrize("fn", CUBES)
def test_vmap_of_grad_and_grad_of_vmap(fn):
    xb = lm.asarray(XB)
    _close(lm.vmap(lm.grad(lambda x: fn.apply(x).sum()))(xb), 3 * XB ** 2)
    _close(lm.vmap(lm.grad(fn.apply))(lm.asarray(X)), 3 * X ** 2)
    _close(lm.grad(lambda x: lm.vmap(fn.apply)(x).sum())(xb), 3 * XB ** 2)
    _close(lm.grad(lambda x: lm.vmap(fn.apply, in_dims=1)(x).sum())(xb), 3 * XB ** 2)


@pytest.mark.parametrize("fn", CUBES)
def test_jvp_of_grad_is_the_hessian_vector_product(fn):
    hvp = lm.jvp(lm.grad(lambda x: fn.apply(x).sum()), (lm.asarray(X),), (lm.asarray(V),))[1]
    _close(hvp, 6 * X * V)


@pytest.mark.parametrize("fn", CUBES)
def test_vmap_of_jvp_and_jvp_of_vmap(fn):
    xb, vb = lm.asarray(XB), lm.asarray(VB)
    _close(lm.vmap(lambda x, v: lm.jvp(fn.apply, (x,), (v,))[1])(xb, vb), 3 * XB ** 2 * VB)
    _close(lm.jvp(lm.vmap(fn.apply), (xb,), (vb,))[1], 3 * XB ** 2 * VB)


@pytest.mark.parametrize("fn", CUBES)
def test_vmap_of_vmap(fn):
    x3 = lm.asarray(rng.standard_normal((2, 3, 4)))
    check_vmap(lm.vmap(fn.apply, in_dims=1), (x3,), in_dims=2)
    _close(lm.vmap(lm.vmap(fn.apply))(x3), x3.numpy() ** 3)


@pytest.mark.parametrize("fn", CUBES)
def test_vmap_of_hessian_and_jacfwd_of_jacrev(fn):
    xb = lm.asarray(XB)
    h = lm.vmap(lm.jacfwd(lm.jacrev(lambda x: fn.apply(x).sum())))(xb)
    _close(h, np.stack([np.diag(6 * row) for row in XB]))


@pytest.mark.parametrize("fn", CUBES)
def test_functionalize_inside_grad_and_vmap(fn):
    buffer = lnp.zeros(4)

    def f(x):
        buffer[:] = fn.apply(x)   # a write to a captured tensor: needs functionalize
        buffer[1] *= 2.0
        return buffer.sum()

    scale = np.array([1.0, 2.0, 1.0, 1.0])
    _close(lm.grad(lm.functionalize(f))(lm.asarray(X)), 3 * X ** 2 * scale)
    _close(lm.vmap(lm.functionalize(f))(lm.asarray(XB)), (XB ** 3 * scale).sum(axis=1))
    _close(lm.vmap(lm.grad(lm.functionalize(f)))(lm.asarray(XB)), 3 * XB ** 2 * scale)
    _close(lm.functionalize(lm.vmap(lm.grad(lambda x: fn.apply(x).sum())))(lm.asarray(XB)),
           3 * XB ** 2)
    _close(buffer, np.zeros(4))   # private inside functionalize


def test_functionalize_inside_grad_uses_the_wrong_backward():
    buffer = lnp.zeros(4)

    def f(x):
        buffer[:] = SinOffGenerated.apply(x)
        return buffer.sum()

    _close(lm.grad(lm.functionalize(f))(lm.asarray(X)), 2 * np.cos(X))
    _close(lm.vmap(lm.grad(lm.functionalize(f)))(lm.asarray(XB)), 2 * np.cos(XB))


class SquareInPlace(lm.Function):
    """x ** 2 computed by in-place ops on tensors the forward creates."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        y = x.copy()
        y *= x
        y[..., 0] += 0.0   # a write through a view
        return y

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class SquareIntoZeros(SquareInPlace):
    """x ** 2 written into a fresh zeros buffer, which vmap alone rejects (the buffer is not
    batched); functionalize is the documented remedy."""

    @staticmethod
    def forward(x):
        y = lnp.zeros(x.shape, x.dtype)
        y[...] = x
        y *= x
        return y


class SquareIntoZerosLike(SquareInPlace):
    """x ** 2 written into zeros_like(x), which is batched under vmap (as in torch.func)."""

    @staticmethod
    def forward(x):
        y = lnp.zeros_like(x)
        y[...] = x
        y *= x
        return y


def test_forward_that_mutates_its_own_tensors():
    for fn in (SquareInPlace, SquareIntoZeros, SquareIntoZerosLike):
        _close(fn.apply(lm.asarray(X)), X ** 2)
        _close(lm.functionalize(fn.apply)(lm.asarray(X)), X ** 2)
        _close(lm.grad(lambda x, fn=fn: fn.apply(x).sum())(lm.asarray(X)), 2 * X)
    for fn in (SquareInPlace, SquareIntoZerosLike):
        _close(lm.vmap(fn.apply)(lm.asarray(XB)), XB ** 2)
        _close(lm.vmap(lm.functionalize(fn.apply))(lm.asarray(XB)), XB ** 2)
    _close(lm.vmap(lm.grad(lambda x: lm.functionalize(SquareInPlace.apply)(x).sum()))(
        lm.asarray(XB)), 2 * XB)
    with pytest.raises(RuntimeError, match="functionalize"):
        lm.vmap(SquareIntoZeros.apply)(lm.asarray(XB))


@pytest.mark.xfail(strict=True, raises=RuntimeError, reason=(
    "functionalize passes custom_function down the stack, so the generated vmap rule runs the "
    "forward below the functionalize layer: its write into an unbatched buffer raises the vmap "
    "in-place error, whose advice (wrap it in lamina.functionalize) the caller already took"))
def test_vmap_of_functionalize_protects_mutation_inside_the_forward():
    _close(lm.vmap(lm.functionalize(SquareIntoZeros.apply))(lm.asarray(XB)), XB ** 2)


def test_multiple_inputs_and_outputs_with_argnums():
    r, t = rng.uniform(0.5, 2.0, 4), rng.uniform(-3, 3, 4)
    x, y = Polar.apply(lm.asarray(r), lm.asarray(t))
    _close(x, r * np.cos(t))
    _close(y, r * np.sin(t))

    def loss(r, t):
        x, y = Polar.apply(r, t)
        return (x * 2.0 + y * y).sum()

    gr, gt = lm.grad(loss, argnums=(0, 1))(lm.asarray(r), lm.asarray(t))
    # loss = 2 r cos t + r^2 sin^2 t
    _close(gr, 2 * np.cos(t) + 2 * r * np.sin(t) ** 2)
    _close(gt, -2 * r * np.sin(t) + 2 * r ** 2 * np.sin(t) * np.cos(t))
    _close(lm.grad(loss, argnums=1)(lm.asarray(r), lm.asarray(t)), gt)
    jr, jt = lm.jacrev(Polar.apply, argnums=(0, 1))(lm.asarray(r), lm.asarray(t))
    fr, ft = lm.jacfwd(Polar.apply, argnums=(0, 1))(lm.asarray(r), lm.asarray(t))
    _close(jr[0], np.diag(np.cos(t)))
    _close(jt[1], np.diag(r * np.cos(t)))
    for a, b in zip(jr + jt, fr + ft, strict=True):
        _close(a, b)
    check_grads(Polar.apply, (lm.asarray(r), lm.asarray(t)), order=2, modes=("rev", "fwd"))


def test_a_one_tuple_output_stays_a_tuple_and_a_repeated_input_accumulates():
    class OneTuple(lm.Function):
        @staticmethod
        def forward(x):
            return (x * 2,)

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    out = OneTuple.apply(lm.asarray(X))
    assert isinstance(out, tuple) and len(out) == 1
    _close(out[0], 2 * X)
    _close(lm.grad(lambda x: OneTuple.apply(x)[0].sum())(lm.asarray(X)), np.full(4, 2.0))
    # The same tensor as both inputs: the two gradients add up.
    _close(lm.grad(lambda x: ScaledMul.apply(x, x, 1.5).sum())(lm.asarray(X)), 3 * X)


def test_gradient_dtype_follows_the_input():
    class Float64Backward(lm.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * lm.asarray(np.ones(4))   # float64: cast back to the input's float32

    x32 = lm.asarray(X.astype(np.float32))
    for fn in (Cube, Float64Backward):
        g = lm.grad(lambda x, fn=fn: fn.apply(x).sum())(x32)
        assert g.dtype == np.float32
    _close(lm.grad(lambda x: Cube.apply(x).sum())(x32), 3 * X.astype(np.float32) ** 2, tol=1e-5)


def test_multiple_outputs_under_vmap():
    rb, tb = lm.asarray(rng.uniform(0.5, 2, (3, 4))), lm.asarray(rng.standard_normal(4))
    check_vmap(Polar.apply, (rb, tb), in_dims=(0, None))
    check_vmap(Polar.apply, (rb, lm.asarray(XB)), in_dims=(1, 1), out_dims=(0, 1))
    g = lm.vmap(lm.grad(lambda r, t: Polar.apply(r, t)[1].sum(), argnums=1),
                in_dims=(0, None))(rb, tb)
    _close(g, rb.numpy() * np.cos(tb.numpy()))


# -- saved tensors under vmap ------------------------------------------------------------------

@pytest.mark.parametrize("fn", EXP_MULS)
def test_saved_inputs_and_outputs_under_vmap(fn):
    xb, wb = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w1 = rng.standard_normal(4)
    check_vmap(fn.apply, (lm.asarray(xb), lm.asarray(w1)), in_dims=(0, None))
    check_vmap(fn.apply, (lm.asarray(xb), lm.asarray(wb.T)), in_dims=(0, 1))
    check_vmap(fn.apply, (lm.asarray(w1), lm.asarray(wb.T)), in_dims=(None, 1))

    # grad inside the vmap: per-sample gradients through the saved x, w and output.
    per = lm.vmap(lm.grad(lambda x, w: fn.apply(x, w).sum(), argnums=(0, 1)),
                  in_dims=(0, None))(lm.asarray(xb), lm.asarray(w1))
    out = np.exp(xb * w1)
    _close(per[0], w1 * out)
    _close(per[1], xb * out)

    # grad outside the vmap.
    CALLS.clear()
    gx, gw = lm.grad(lambda x, w: lm.vmap(fn.apply, in_dims=(0, 1))(x, w).sum(),
                     argnums=(0, 1))(lm.asarray(xb), lm.asarray(wb.T))
    out = np.exp(xb * wb)
    _close(gx, wb * out)
    _close(gw, (xb * out).T)
    assert CALLS["ExpMul.backward"] == 1    # once, on the batched values
    if fn is ExpMulUser:
        assert CALLS["ExpMul.vmap"] == 1

    # grad outside, the weight unbatched: its gradient sums over the batch.
    gw = lm.grad(lambda w: lm.vmap(fn.apply, in_dims=(0, None))(lm.asarray(xb), w).sum())(
        lm.asarray(w1))
    _close(gw, (xb * np.exp(xb * w1)).sum(axis=0))


@pytest.mark.parametrize("fn", EXP_MULS)
def test_saved_tensors_under_vmap_to_second_order(fn):
    xb, w1 = lm.asarray(0.5 * XB), lm.asarray(0.5 * X)
    check_grads(lm.vmap(fn.apply, in_dims=(0, None)), (xb, w1), order=2, modes=("rev", "fwd"))
    # d2/dx2 exp(x w) = w^2 exp(x w), per element, through vmap(grad(grad)).
    h = lm.vmap(lm.grad(lm.grad(lambda x, w: fn.apply(x, w))), in_dims=(0, 0))(
        lm.asarray(XB[:, 0]), lm.asarray(VB[:, 0]))
    _close(h, VB[:, 0] ** 2 * np.exp(XB[:, 0] * VB[:, 0]))
    hv = lm.vmap(lambda x, v: lm.jvp(lm.grad(lambda x: fn.apply(x, w1).sum()), (x,), (v,))[1])(
        lm.asarray(XB), lm.asarray(VB))
    _close(hv, X ** 2 * 0.25 * np.exp(XB * 0.5 * X) * VB)


# -- the ctx API -------------------------------------------------------------------------------

def test_mark_non_differentiable_integer_indices():
    x = lm.asarray(X)
    values, idx = SortWithIndices.apply(x)
    np.testing.assert_array_equal(idx.numpy(), np.argsort(X))
    assert idx.dtype == np.int64
    _close(values, np.sort(X))
    weights = np.arange(1.0, 5.0)
    g = lm.grad(lambda x: (SortWithIndices.apply(x)[0] * lm.asarray(weights)).sum())(x)
    _close(g, weights[np.argsort(np.argsort(X))])
    out, (t_values, t_idx) = lm.jvp(SortWithIndices.apply, (x,), (lm.asarray(V),))
    _close(t_values, V[np.argsort(X)])
    np.testing.assert_array_equal(out[1].numpy(), np.argsort(X))
    np.testing.assert_array_equal(t_idx.numpy(), np.zeros(4))   # as lm.jvp gives lnp.argsort
    g = lm.vmap(lm.grad(lambda x: (SortWithIndices.apply(x)[0] * lm.asarray(weights)).sum()))(
        lm.asarray(XB))
    _close(g, np.stack([weights[np.argsort(np.argsort(row))] for row in XB]))
    g = lm.grad(lambda x: (lm.vmap(SortWithIndices.apply)(x)[0] * lm.asarray(weights)).sum())(
        lm.asarray(XB))
    _close(g, np.stack([weights[np.argsort(np.argsort(row))] for row in XB]))
    for t_values, t_idx in (
            lm.jvp(lm.vmap(SortWithIndices.apply), (lm.asarray(XB),), (lm.asarray(VB),))[1],
            lm.vmap(lambda x, v: lm.jvp(SortWithIndices.apply, (x,), (v,))[1])(
                lm.asarray(XB), lm.asarray(VB))):
        _close(t_values, np.take_along_axis(VB, np.argsort(XB, axis=1), axis=1))
        np.testing.assert_array_equal(t_idx.numpy(), np.zeros((3, 4)))


def test_mark_non_differentiable_float_output_is_not_tracked():
    x = lm.asarray(X)
    mask = (X > 0).astype(float)
    reprs = []

    def loss(x):
        out, m = ReluMask.apply(x)
        reprs.append((repr(out), repr(m)))
        return out.sum() + 5.0 * m.sum()

    _close(lm.grad(loss)(x), mask)            # the mask's term adds nothing
    assert reprs[0][0].startswith("GradTrackingTensor")
    assert not reprs[0][1].startswith("GradTrackingTensor")
    (g_mask,) = SEEN
    _close(g_mask, np.zeros(4))               # materialized zeros for the marked output
    # Forward mode drops the tangent the user's jvp gave the marked output.
    (_, m), (t_out, t_m) = lm.jvp(ReluMask.apply, (x,), (lm.asarray(V),))
    _close(t_out, V * mask)
    _close(t_m, np.zeros(4))
    _close(m, mask)
    _close(lm.jacrev(lambda x: ReluMask.apply(x)[1])(x), np.zeros((4, 4)))


def test_set_materialize_grads():
    x = lm.asarray(X)
    for flag, expect_none in ((False, True), (None, False), (True, False)):
        SEEN.clear()
        g = lm.grad(lambda x, flag=flag: TwoOut.apply(x, flag)[0].sum())(x)
        _close(g, np.full(4, 2.0))
        ((g1, g2),) = SEEN
        _close(g1, np.ones(4))
        if expect_none:
            assert g2 is None
        else:
            assert isinstance(g2, lm.Tensor)
            _close(g2, np.zeros(4))


class TwoOutGenerated(TwoOut):
    generate_vmap_rule = True


@pytest.mark.parametrize("nest", ["vmap_of_grad", "grad_of_vmap"])
def test_set_materialize_grads_under_the_generated_vmap_rule(nest):
    def loss(x):
        return TwoOutGenerated.apply(x, False)[0].sum()

    xb = lm.asarray(XB)
    if nest == "vmap_of_grad":
        g = lm.vmap(lm.grad(loss))(xb)
    else:
        g = lm.grad(lambda x: lm.vmap(loss)(x).sum())(xb)
    _close(g, np.full((3, 4), 2.0))
    assert len(SEEN) == 1 and SEEN[0][1] is None


def test_needs_input_grad_matches_the_differentiated_inputs():
    x, y = lm.asarray(X), lm.asarray(V)

    def f(x, y):
        return ScaledMul.apply(x, y, 2.5).sum()

    _close(lm.grad(f)(x, y), 2.5 * V)
    _close(lm.grad(f, argnums=1)(x, y), 2.5 * X)
    gx, gy = lm.grad(f, argnums=(0, 1))(x, y)
    _close(gx, 2.5 * V)
    _close(gy, 2.5 * X)
    assert SEEN == [(True, False, False), (False, True, False), (True, True, False)]
    SEEN.clear()
    t = lm.jvp(lambda x: ScaledMul.apply(x, y, 2.5), (x,), (lm.asarray(np.ones(4)),))[1]
    _close(t, 2.5 * V)
    assert SEEN == [(True, False, False)]
    SEEN.clear()
    ScaledMul.apply(x, y, 2.5)   # no transform: no context is set up
    assert SEEN == []


def test_needs_input_grad_under_the_generated_vmap_rule():
    g = lm.grad(lambda x, y: lm.vmap(ScaledMul.apply, in_dims=(0, 0, None))(x, y, 2.0).sum())(
        lm.asarray(XB), lm.asarray(VB))
    _close(g, 2 * VB)
    assert set(SEEN) == {(True, False, False)}


def test_needs_input_grad_with_nested_grads():
    x, y = lm.asarray(X), lm.asarray(V)
    # Outer grad over y, inner over x: each level's ctx sees only its own input.
    g = lm.grad(lambda y: lm.grad(lambda x: ScaledMul.apply(x, y, 2.0).sum())(x).sum())(y)
    _close(g, np.full(4, 2.0))
    assert sorted(SEEN) == [(False, True, False), (True, False, False)]


def test_static_arguments_and_ctx_attributes():
    x3 = rng.standard_normal((2, 3, 4))
    for axis in ((0,), (1, 2), (0, 2)):
        _close(SumAxis.apply(lm.asarray(x3), axis), x3.sum(axis=axis))
        g = lm.grad(lambda x, axis=axis: (SumAxis.apply(x, axis) ** 2).sum())(lm.asarray(x3))
        _close(g, np.broadcast_to(2 * np.expand_dims(x3.sum(axis=axis), axis), x3.shape))
        check_grads(lambda x, axis=axis: SumAxis.apply(x, axis), (lm.asarray(x3),), order=1,
                    modes=("rev", "fwd"))
    # Under the generated vmap rule the static axis is per element.
    check_vmap(lambda x: SumAxis.apply(x, (1,)), (lm.asarray(x3),), in_dims=2)
    g = lm.vmap(lm.grad(lambda x: (SumAxis.apply(x, (0,)) ** 2).sum()))(lm.asarray(x3))
    _close(g, np.broadcast_to(2 * x3.sum(axis=1, keepdims=True), x3.shape))


def test_ctx_attributes_are_kept_per_level():
    class Scale(lm.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.tag = ("anything", k)
            return x * k

        @staticmethod
        def backward(ctx, g):
            assert ctx.tag == ("anything", ctx.k)
            return g * ctx.k, None

    _close(lm.grad(lambda x: Scale.apply(x, 3.0).sum())(lm.asarray(X)), np.full(4, 3.0))
    _close(lm.grad(lm.grad(lambda x: Scale.apply(x * x, 3.0)))(lm.asarray(1.5)), 6.0)


# -- errors ----------------------------------------------------------------------------------

class NoVmap(lm.Function):
    @staticmethod
    def forward(x):
        return x * 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, g):
        return 2 * g


class NoBackward(lm.Function):
    @staticmethod
    def forward(x):
        return x * 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def jvp(ctx, t):
        return 2 * t


def _must_raise(call, error, fragment, lamina_error=True):
    """``call()`` raises ``error`` matching ``fragment`` (a lamina error class, as
    lamina/errors.py asks, unless told otherwise) and leaves the layer stack empty."""
    with pytest.raises(error, match=fragment) as info:
        call()
    if lamina_error:
        assert isinstance(info.value, lm.LaminaError)
    assert current_interpreters() == ()
    return info


def test_error_vmap_without_vmap_support():
    message = ("You tried to vmap over NoVmap, but it does not have vmap support. Please "
               "override and implement the vmap staticmethod or set generate_vmap_rule=True.")
    xb = lm.asarray(XB)
    for call in (lambda: lm.vmap(NoVmap.apply)(xb),
                 lambda: lm.vmap(lm.grad(lambda x: NoVmap.apply(x).sum()))(xb),
                 lambda: lm.grad(lambda x: lm.vmap(NoVmap.apply)(x).sum())(xb),
                 lambda: lm.vmap(lm.functionalize(NoVmap.apply))(xb)):
        info = _must_raise(call, RuntimeError, "does not have vmap support")
        assert str(info.value) == message


def test_error_missing_backward_under_grad():
    x = lm.asarray(X)
    for call in (lambda: lm.grad(lambda x: NoBackward.apply(x).sum())(x),
                 lambda: lm.vjp(NoBackward.apply, x)[1](x),
                 lambda: lm.jacrev(NoBackward.apply)(x)):
        _must_raise(call, NotImplementedError,
                    r"implement either the backward or vjp method .*\(NoBackward\)",
                    lamina_error=False)   # test_missing_rule_errors_are_lamina_errors
    # Forward mode needs no backward.
    _close(lm.jvp(NoBackward.apply, (x,), (lm.asarray(V),))[1], 2 * V)


def test_error_missing_jvp_under_jvp():
    x = lm.asarray(X)
    for call in (lambda: lm.jvp(NoVmap.apply, (x,), (x,)),
                 lambda: lm.jacfwd(NoVmap.apply)(x),
                 lambda: lm.jvp(lm.grad(lambda x: NoVmap.apply(x).sum()), (x,), (x,))):
        _must_raise(call, NotImplementedError,
                    "Function NoVmap with forward-mode AD .*override its jvp staticmethod",
                    lamina_error=False)   # test_missing_rule_errors_are_lamina_errors


def test_error_backward_returns_the_wrong_number_of_gradients():
    class TooMany(lm.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2.0   # one gradient for two forward arguments

    _must_raise(lambda: lm.grad(lambda x: TooMany.apply(x, 2.0).sum())(lm.asarray(X)),
                RuntimeError,
                r"TooMany.backward returned an incorrect number of gradients \(expected 2, "
                r"one per argument of forward, got 1\)")


def test_error_backward_returns_a_gradient_for_a_static_argument():
    class StaticGrad(lm.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, g

    _must_raise(lambda: lm.grad(lambda x: StaticGrad.apply(x, 2.0).sum())(lm.asarray(X)),
                RuntimeError, "returned a gradient for argument 1, which is not a tensor")


def test_error_backward_returns_the_wrong_shape_or_type():
    class WrongShape(lm.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    class NotATensor(lm.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones(4)

    x = lm.asarray(X)
    _must_raise(lambda: lm.grad(lambda x: WrongShape.apply(x).sum())(x), RuntimeError,
                r"WrongShape.backward returned a gradient of shape \(\) for argument 0, which "
                r"has shape \(4,\)")
    _must_raise(lambda: lm.grad(lambda x: NotATensor.apply(x).sum())(x), TypeError,
                "NotATensor.backward returned a ndarray as the gradient of argument 0")


def test_error_jvp_returns_the_wrong_number_or_shape():
    class BadJvp(lm.Function):
        @staticmethod
        def forward(x, n):
            return x * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.n = inputs[1]

        @staticmethod
        def jvp(ctx, t, t_n):
            return (t,) * ctx.n if ctx.n != 1 else t.sum()

    x = lm.asarray(X)
    _must_raise(lambda: lm.jvp(lambda x: BadJvp.apply(x, 2), (x,), (x,)), RuntimeError,
                r"BadJvp.jvp returned an incorrect number of tangents \(expected 1")
    _must_raise(lambda: lm.jvp(lambda x: BadJvp.apply(x, 1), (x,), (x,)), RuntimeError,
                r"BadJvp.jvp returned Tensor of shape \(\) as the tangent of output 0")


def test_error_user_vmap_returns_the_wrong_structure():
    class BadVmap(lm.Function):
        @staticmethod
        def forward(x):
            return x * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def vmap(info, in_dims, x):
            return BadVmap.apply(x)   # without out_dims

    _must_raise(lambda: lm.vmap(BadVmap.apply)(lm.asarray(XB)), RuntimeError,
                r"BadVmap.vmap must return \(outputs, out_dims\)")


def test_error_forward_returns_a_non_tensor():
    class ReturnsFloat(lm.Function):
        @staticmethod
        def forward(x):
            return 1.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

    class ReturnsArray(lm.Function):
        @staticmethod
        def forward(ctx, x):
            return np.ones(4)

    class ReturnsMixed(lm.Function):
        @staticmethod
        def forward(x):
            return x, 2.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

    x = lm.asarray(X)
    fragment = "forward must return a Tensor or a tuple of Tensors, got "
    _must_raise(lambda: ReturnsFloat.apply(x), TypeError, "ReturnsFloat." + fragment + "float")
    _must_raise(lambda: lm.grad(lambda x: ReturnsFloat.apply(x))(x), TypeError,
                fragment + "float")
    _must_raise(lambda: ReturnsArray.apply(x), TypeError, fragment + "ndarray")
    _must_raise(lambda: lm.grad(lambda x: ReturnsArray.apply(x).sum())(x), TypeError,
                fragment + "ndarray")
    _must_raise(lambda: ReturnsMixed.apply(x), TypeError, fragment + "tuple containing")


def test_error_apply_with_keyword_arguments():
    _must_raise(lambda: ScaledMul.apply(lm.asarray(X), lm.asarray(V), scale=2.0), TypeError,
                r"ScaledMul.apply\(\) takes positional arguments only .*\['scale'\]")


def test_error_instantiating_the_function():
    _must_raise(lambda: Cube(), TypeError,
                r"Cube: lamina.Function subclasses are not instantiated; call Cube.apply")


def test_error_missing_forward():
    class NoForward(lm.Function):
        @staticmethod
        def backward(ctx, g):
            return g

    _must_raise(lambda: NoForward.apply(lm.asarray(X)), NotImplementedError,
                "NoForward: you must implement the forward", lamina_error=False)


def test_missing_rule_errors_are_lamina_errors():
    x = lm.asarray(X)
    for call in (lambda: lm.grad(lambda x: NoBackward.apply(x).sum())(x),
                 lambda: lm.jvp(NoVmap.apply, (x,), (x,))):
        with pytest.raises(NotImplementedError) as info:
            call()
        assert isinstance(info.value, lm.LaminaError)


def test_error_generate_vmap_rule_with_the_combined_style():
    class CombinedGenerated(lm.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(ctx, x):
            return x * 2

    _must_raise(lambda: lm.vmap(CombinedGenerated.apply)(lm.asarray(XB)), RuntimeError,
                r"CombinedGenerated sets generate_vmap_rule=True, which needs the "
                r"forward\(\*args\) \+ setup_context")


def test_error_save_for_backward_of_a_non_tensor():
    class SavesFloat(lm.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0], inputs[1])

        @staticmethod
        def backward(ctx, g):
            return g, None

    class SavesFloatCombined(lm.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x, k)
            return x * k

    x = lm.asarray(X)
    fragment = ("save_for_backward can only save tensors \\(or None\\), but argument 1 is a "
                "float. Store other values as ctx attributes")
    _must_raise(lambda: lm.grad(lambda x: SavesFloat.apply(x, 2.0).sum())(x), TypeError,
                fragment)
    _must_raise(lambda: SavesFloatCombined.apply(x, 2.0), TypeError, fragment)
    _must_raise(lambda: lm.jvp(lambda x: SavesFloatCombined.apply(x, 2.0), (x,), (x,)),
                TypeError, fragment)


def test_the_function_still_works_after_errors():
    x = lm.asarray(X)
    with pytest.raises(RuntimeError):
        lm.vmap(lm.grad(lambda x: NoVmap.apply(x).sum()))(lm.asarray(XB))
    with pytest.raises(NotImplementedError):
        lm.grad(lambda x: lm.jvp(NoVmap.apply, (x,), (x,))[1].sum())(x)
    assert current_interpreters() == ()
    _close(lm.grad(lambda x: NoVmap.apply(x).sum())(x), np.full(4, 2.0))
    _close(lm.vmap(lm.grad(lambda x: Cube.apply(x).sum()))(lm.asarray(XB)), 3 * XB ** 2)


# -- tensors inside tuple, list and dict arguments (issue 14, NOTE [pytree arguments]) -----------
# Fn.apply((a, b), x) took the tensors inside the tuple as static values: constants, with a
# zero gradient and no word. Now they are operands, as in JAX's custom_vjp.

OPTS = {"scale": 2.0, "tag": "affine"}   # a dict argument without tensors: static


class Affine(lm.Function):
    """(w, b), x, opts -> (w * x + b) * opts["scale"]; the parameters in a tuple."""

    generate_vmap_rule = True

    @staticmethod
    def forward(params, x, opts):
        w, b = params
        return (w * x + b) * opts["scale"]

    @staticmethod
    def setup_context(ctx, inputs, output):
        (w, b), x, opts = inputs
        SEEN.append(ctx.needs_input_grad)
        ctx.save_for_backward(w, x)
        ctx.scale = opts["scale"]

    @staticmethod
    def backward(ctx, g):
        CALLS["Affine.backward"] += 1
        w, x = ctx.saved_tensors
        g = g * ctx.scale
        return (g * x, g), g * w, None

    @staticmethod
    def jvp(ctx, t_params, t_x, t_opts):
        SEEN.append(("jvp", t_opts))
        w, x = ctx.saved_tensors
        tw, tb = t_params
        return (tw * x + w * t_x + tb) * ctx.scale


class DictScale(lm.Function):
    """x, {"scale": s, "shift": c, "tag": str} -> x * s + c; a tensor, a float and a string in a
    dict; the user's own vmap rule gets in_dims of the same structure."""

    @staticmethod
    def forward(x, opts):
        return x * opts["scale"] + opts["shift"]

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, opts = inputs
        ctx.save_for_backward(x, opts["scale"])

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s, {"scale": lnp.sum(g * x), "shift": None, "tag": None}

    @staticmethod
    def jvp(ctx, t_x, t_opts):
        assert t_opts["shift"] is None and t_opts["tag"] is None
        x, s = ctx.saved_tensors
        return t_x * s + x * t_opts["scale"]

    @staticmethod
    def vmap(info, in_dims, x, opts):
        SEEN.append(in_dims)
        x_dim, o_dims = in_dims
        assert set(o_dims) == {"scale", "shift", "tag"} and o_dims["shift"] is None
        x = x if x_dim is not None else lnp.broadcast_to(x, (info.batch_size, *x.shape))
        x = lnp.moveaxis(x, x_dim, 0) if x_dim is not None else x
        s = opts["scale"]
        s = s if o_dims["scale"] is not None else lnp.broadcast_to(s, (info.batch_size,))
        return x * s[:, None] + opts["shift"], 0


def _affine(w, b, x):
    return Affine.apply((w, b), x, OPTS)


W, B = rng.standard_normal(4), rng.standard_normal(4)


def test_tensors_inside_a_tuple_are_differentiated():
    w, b, x = lm.asarray(W), lm.asarray(B), lm.asarray(X)
    _close(_affine(w, b, x), (W * X + B) * 2.0)
    (gw, gb), gx = lm.grad(lambda p, x: Affine.apply(p, x, OPTS).sum(), argnums=(0, 1))(
        (w, b), x)
    _close(gw, 2.0 * X)
    _close(gb, np.full(4, 2.0))
    _close(gx, 2.0 * W)
    assert CALLS["Affine.backward"] == 1   # the user's rule, not the ops of forward
    # ctx.needs_input_grad: one bool per argument, True when any tensor in it is tracked.
    assert SEEN == [(True, True, False)]
    SEEN.clear()
    lm.grad(lambda x: _affine(w, b, x).sum())(x)
    lm.grad(lambda b: _affine(w, b, x).sum())(b)
    assert SEEN == [(False, True, False), (True, False, False)]


def test_tuple_arguments_under_every_transform():
    w, b, x = lm.asarray(W), lm.asarray(B), lm.asarray(X)
    check_grads(_affine, (w, b, x), order=2, modes=("rev", "fwd"))
    _, t = lm.jvp(_affine, (w, b, x), (lm.asarray(V), lm.asarray(V), lm.asarray(V)))
    _close(t, (V * X + W * V + V) * 2.0)
    assert ("jvp", None) in SEEN   # the static dict argument gets None as its tangent
    _close(lm.jacrev(_affine, argnums=0)(w, b, x), np.diag(2.0 * X))
    _close(lm.jacfwd(_affine, argnums=0)(w, b, x), np.diag(2.0 * X))
    _close(lm.hessian(lambda w: (_affine(w, b, x) ** 2).sum())(w), np.diag(8.0 * X ** 2))


def test_tuple_arguments_under_vmap_with_the_generated_rule():
    w, b, xb = lm.asarray(W), lm.asarray(B), lm.asarray(XB)
    check_vmap(_affine, (w, b, xb), in_dims=(None, None, 0))
    check_vmap(_affine, (lm.asarray(XB), b, lm.asarray(XB.T)), in_dims=(0, None, 1))
    rows = lambda w, x: lm.grad(lambda w: _affine(w, b, x).sum())(w)  # noqa: E731
    check_vmap(rows, (lm.asarray(XB), xb))
    _close(lm.vmap(rows)(lm.asarray(XB), xb), 2.0 * XB)
    # grad of vmap: the batched gradient of the unbatched w is summed over the batch.
    g = lm.grad(lambda w: lm.vmap(lambda x: _affine(w, b, x))(xb).sum())(w)
    _close(g, 2.0 * XB.sum(0))
    # vmap of jvp and jvp of vmap: the generated jvp gets the tangents per argument.
    tangents = lambda x: lm.jvp(lambda w: _affine(w, b, x), (w,), (lm.asarray(V),))[1]  # noqa
    _close(lm.vmap(tangents)(xb), 2.0 * V * XB)
    _, t = lm.jvp(lambda w: lm.vmap(lambda x: _affine(w, b, x))(xb), (w,), (lm.asarray(V),))
    _close(t, 2.0 * V * XB)


def test_a_tensor_in_a_dict_with_static_leaves_and_a_user_vmap_rule():
    x, s = lm.asarray(X), lm.asarray(1.5)

    def f(x, s):
        return DictScale.apply(x, {"scale": s, "shift": 1.0, "tag": "s"})

    _close(f(x, s), X * 1.5 + 1.0)
    gx, gs = lm.grad(lambda x, s: f(x, s).sum(), argnums=(0, 1))(x, s)
    _close(gx, np.full(4, 1.5))
    _close(gs, X.sum())
    check_grads(f, (x, s), order=2, modes=("rev", "fwd"))
    out = lm.vmap(f, in_dims=(0, 0))(lm.asarray(XB), lm.asarray([1.0, 2.0, 3.0]))
    _close(out, XB * np.array([[1.0], [2.0], [3.0]]) + 1.0)
    assert SEEN[-1] == (0, {"scale": 0, "shift": None, "tag": None})
    out = lm.vmap(f, in_dims=(None, 0))(x, lm.asarray([1.0, 2.0, 3.0]))
    _close(out, np.outer([1.0, 2.0, 3.0], X) + 1.0)
    assert SEEN[-1] == (None, {"scale": 0, "shift": None, "tag": None})


def test_pytree_arguments_with_scalars_arrays_and_the_same_tensor_twice():
    class PairProduct(lm.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(pair):
            a, b = pair
            return a * b

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs[0])

        @staticmethod
        def backward(ctx, g):
            CALLS["PairProduct.backward"] += 1
            a, b = ctx.saved_tensors
            return g * b, g * a       # a lone tuple argument: its structure, not wrapped

    x = lm.asarray(X)
    # The same tensor twice in the tuple: d/dx x * x = 2 x, both gradients accumulate.
    _close(lm.grad(lambda x: PairProduct.apply((x, x)).sum())(x), 2 * X)
    _close(lm.grad(lambda x: PairProduct.apply((x, x * 3.0)).sum())(x), 6 * X)
    # 0-d tensors, Python numbers and NumPy arrays in the tuple (the last two are static).
    assert float(lm.grad(lambda a: PairProduct.apply((a, lm.asarray(4.0))))(2.0)) == 4.0
    _close(lm.grad(lambda x: PairProduct.apply((x, np.full(4, 3.0))).sum())(x), np.full(4, 3.0))
    _close(lm.vmap(lambda x: PairProduct.apply((x, x)))(lm.asarray(XB)), XB ** 2)
    # The user's backward ran each time (the tensors in the tuple are operands; with none at
    # the top level, the forward's own ops were differentiated instead).
    assert CALLS["PairProduct.backward"] == 4

    class ScaleByFloat(lm.Function):
        @staticmethod
        def forward(pair):
            return pair[0] * pair[1]

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[0][1]

        @staticmethod
        def backward(ctx, g):
            return ((g * ctx.k, None),)   # the 1-tuple of per-argument results works too

    _close(lm.grad(lambda x: ScaleByFloat.apply((x, 2.5)).sum())(x), np.full(4, 2.5))


def test_backward_with_the_wrong_structure_for_a_pytree_argument():
    class WrongStructure(lm.Function):
        @staticmethod
        def forward(pair, x):
            return pair[0] * x + pair[1]

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return [g, g], g            # a list for a tuple argument

    class GradForAFloat(lm.Function):
        @staticmethod
        def forward(pair):
            return pair[0] * pair[1]

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return ((g, g),)            # a gradient for the static float

    x = lm.asarray(X)
    with pytest.raises(RuntimeError, match=r"WrongStructure.backward returned \[.*as the "
                                           r"gradients of argument 0.*return that structure"):
        lm.grad(lambda x: WrongStructure.apply((x, x), x).sum())(x)
    with pytest.raises(RuntimeError, match=r"argument 0 \(leaf 1\), which is not a tensor "
                                           r"\(float\); return None for it"):
        lm.grad(lambda x: GradForAFloat.apply((x, 2.0)).sum())(x)


def test_generated_vmap_rule_gives_jvp_none_for_a_static_argument():
    # vmap of jvp through the generated rule called jvp(ctx, tx, ty) without the None for the
    # static scale: TypeError "missing 1 required positional argument: 'tscale'".
    x, y = lm.asarray(XB), lm.asarray(VB)
    f = lambda x, y: ScaledMul.apply(x, y, 3.0)  # noqa: E731
    expected = (XB * VB + XB * VB) * 3.0
    _close(lm.vmap(lambda x, y: lm.jvp(f, (x, y), (x, y))[1])(x, y), expected)
    _close(lm.jvp(lm.vmap(f), (x, y), (x, y))[1], expected)
