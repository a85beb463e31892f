"""Errors that teach, where lamina used to fail with a bare builtin error (or an "internal
error"), and NumPy's behaviour where lamina used to refuse valid input."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

# -- settings are checked when set (NOTE [settings are checked when set]) ------------------------


@pytest.mark.parametrize(
    "name, value, exc, fragment",
    [
        ("compile_after", None, TypeError, "compile_after takes a positive int"),
        ("compile_after", True, TypeError, "compile_after takes a positive int"),
        ("compile_after", 0, ValueError, "use 1 or more"),
        ("compile_after", 2.0, TypeError, "write 2"),
        ("max_graph_depth", "100", TypeError, "write 100 without quotes"),
        ("max_graph_depth", -5, ValueError, "max_graph_depth takes a positive int"),
        ("eager", "yes", TypeError, "eager takes True or False"),
        ("eager", 1, TypeError, "eager takes True or False"),
        ("autograd_fallback", "loud", ValueError, "'warn', 'error', 'nothing'"),
        ("autograd_fallback", None, TypeError, "autograd_fallback takes one of the strings"),
        ("default_device", 3, TypeError, "default_device takes a device name"),
        ("default_device", "tpu", ValueError, "unknown device 'tpu'"),
    ],
)
def test_config_rejects_wrong_settings(name, value, exc, fragment):
    before = getattr(lm.config, name)
    with pytest.raises(exc, match=fragment) as info:
        setattr(lm.config, name, value)
    assert isinstance(info.value, lm.LaminaError)
    assert f"lamina.config.{name} = {value!r}" in str(info.value)  # quotes the assignment
    assert getattr(lm.config, name) == before  # nothing changed


def test_config_accepts_and_normalises_good_settings():
    with lm.config.override(eager=np.bool_(True), compile_after=np.int64(3),
                            default_device=lm.Device("cpu")):
        assert lm.config.eager is True
        assert type(lm.config.compile_after) is int and lm.config.compile_after == 3
        assert lm.config.default_device == "cpu"
    with lm.config.override(default_device=" CPU "):
        assert lm.config.default_device == "cpu"


def test_config_override_checks_everything_before_changing_anything():
    before = repr(lm.config)
    with pytest.raises(TypeError, match=r"lamina.config.override\(max_graph_depth='1'\)"):
        with lm.config.override(eager=True, max_graph_depth="1"):
            pass  # pragma: no cover - never entered
    assert repr(lm.config) == before
    with pytest.raises(ValueError, match="autograd_fallback"):
        with lm.config.override(compile_after=7, autograd_fallback="loud"):
            pass  # pragma: no cover
    assert repr(lm.config) == before
    with pytest.raises(RuntimeError, match="boom"):
        with lm.config.override(compile_after=7):
            raise RuntimeError("boom")
    assert repr(lm.config) == before  # restored when the block raises


def _import_with(**env) -> subprocess.CompletedProcess:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", "import lamina as lm; print(lm.config)"],
                          env=full, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "var, value, fragment",
    [
        ("LAMINA_MAX_GRAPH_DEPTH", "abc", "LAMINA_MAX_GRAPH_DEPTH='abc': max_graph_depth takes a "
                                          "positive integer"),
        ("LAMINA_MAX_GRAPH_DEPTH", "0", "LAMINA_MAX_GRAPH_DEPTH='0'"),
        ("LAMINA_EAGER", "maybe", "LAMINA_EAGER='maybe': use 1/true/yes/on"),
        ("LAMINA_DEVICE", "tpu", "LAMINA_DEVICE='tpu': unknown device"),
    ],
)
def test_malformed_environment_variables_fail_at_import_naming_the_variable(var, value,
                                                                            fragment):
    result = _import_with(**{var: value})
    assert result.returncode != 0
    assert "LaminaValueError" in result.stderr
    assert fragment in result.stderr
    assert "invalid literal for int()" not in result.stderr


def test_wellformed_environment_variables():
    result = _import_with(LAMINA_MAX_GRAPH_DEPTH=" 50 ", LAMINA_EAGER="off",
                          LAMINA_DEVICE="cpu")
    assert result.returncode == 0, result.stderr
    assert "eager=False, max_graph_depth=50" in result.stdout


# -- shapes must be ints (NumPy's TypeError, with what was passed and what to pass) ---------------

_SHAPE_TAKERS = {
    "zeros": lambda s: lnp.zeros(s),
    "ones": lambda s: lnp.ones(s),
    "empty": lambda s: lnp.empty(s),
    "full": lambda s: lnp.full(s, 1.0),
    "zeros_like": lambda s: lnp.zeros_like(lnp.ones(2), shape=s),
    "full_like": lambda s: lnp.full_like(lnp.ones(2), 3.0, shape=s),
    "broadcast_to": lambda s: lnp.broadcast_to(lnp.ones(1), s),
    "Generator.normal": lambda s: lnp.random.normal(size=s),
    "random.randint": lambda s: lnp.random.randint(0, 3, size=s),
    "Generator.uniform": lambda s: lnp.random.default_rng(0).uniform(size=s),
    "ShapeDtype": lambda s: lm.library.ShapeDtype(s, "float64"),
}


@pytest.mark.parametrize("what", sorted(_SHAPE_TAKERS))
@pytest.mark.parametrize(
    "shape, fragment",
    [
        (("a",), r"got \('a',\), whose element 0 is 'a': 'str' object cannot be interpreted as "
                 "an integer"),
        ("a", r"got 'a': 'str' object cannot be interpreted as an integer"),
        ((2.0, 3), r"element 0 is 2.0: 'float' object cannot be interpreted as an integer\. "
                   r"Pass \(2, 3\) instead"),
        (2.5, "got 2.5: 'float' object cannot be interpreted as an integer"),
        (None, r"got None: .* Use \(\) for a 0-d tensor"),
        ((None, 2), "element 0 is None: 'NoneType' object cannot be interpreted"),
        ((True, 2), "element 0 is True: 'bool' object cannot be interpreted"),
    ],
)
def test_shape_arguments_must_be_ints(what, shape, fragment):
    if shape is None and ("like" in what or "." in what):
        pytest.skip("None is valid here: the input's shape, or one sample")
    with pytest.raises(TypeError, match=fragment) as info:
        _SHAPE_TAKERS[what](shape)
    assert isinstance(info.value, lm.LaminaTypeError)
    assert str(info.value).startswith(f"{what}: a shape must be an int or a sequence of ints")


@pytest.mark.parametrize("what", sorted(_SHAPE_TAKERS))
def test_negative_dimensions_are_a_value_error(what):
    with pytest.raises(ValueError, match=r"negative dimensions are not allowed \(shape \(2, -1\)"):
        _SHAPE_TAKERS[what]((2, -1))


@pytest.mark.parametrize("shape", [np.array(3), np.int32(3), (np.int64(3),), [3]])
def test_integer_like_shapes_work_as_in_numpy(shape):
    assert lnp.zeros(shape).shape == np.zeros(shape).shape == (3,)
    assert lnp.broadcast_to(lnp.ones(1), shape).shape == (3,)


# -- custom ops and Functions: the user's mistake and the fix ------------------------------------

_op_ids = iter(range(10**6))


def _name(stem: str) -> str:
    return f"trust::{stem}{next(_op_ids)}"


@pytest.mark.parametrize(
    "mutates_args, exc, fragment",
    [
        (None, TypeError, r"mutates_args=None\): mutates_args must be a tuple of argument names"),
        (3, TypeError, "got int"),
        ((0,), TypeError, r"0 \(of type int\) is not an argument name"),
        ("x", ValueError, r"one-element tuple: mutates_args=\('x',\)"),
        ("unknown", ValueError, "torch.library's 'unknown' is not supported"),
    ],
)
def test_custom_op_mutates_args_says_what_it_takes(mutates_args, exc, fragment):
    with pytest.raises(exc, match=fragment) as info:
        lm.library.custom_op(_name("m"), mutates_args=mutates_args)(lambda x: x)
    assert isinstance(info.value, lm.LaminaError)


def test_custom_op_mutates_args_may_be_any_iterable_of_names():
    @lm.library.custom_op(_name("fill"), mutates_args=["out"])
    def fill(x: np.ndarray, out: np.ndarray) -> None:
        out[...] = x

    out = lnp.zeros(2)
    fill(lnp.ones(2), out)
    assert out.tolist() == [1.0, 1.0]


def _op_with_a_wrong_fake(kernel, fake):
    op = lm.library.custom_op(_name("fake"), mutates_args=())(kernel)
    op.register_fake(fake)
    return op


@pytest.mark.parametrize("eager", [False, True])
def test_register_fake_that_declares_the_wrong_dtype_names_the_fake_function(eager):
    op = _op_with_a_wrong_fake(lambda x: x.astype(np.float32), lambda x: x)
    with lm.config.override(eager=eager):
        with pytest.raises(RuntimeError) as info:
            op(lm.asarray([1.0, 2.0])).numpy()
    message = str(info.value)
    assert "internal error" not in message and "report" not in message
    assert "returned output 0 with shape (2,) and dtype float32" in message
    assert "register_fake function declared shape (2,) and dtype float64" in message
    assert "ShapeDtype((2,), 'float32')" in message
    assert ".astype('float64')" in message


def test_register_fake_that_declares_the_wrong_shape_or_count():
    op = _op_with_a_wrong_fake(lambda x: x[:1], lambda x: x)
    with pytest.raises(RuntimeError, match=r"declared shape \(2,\).*make the kernel return shape"):
        op(lm.asarray([1.0, 2.0])).numpy()
    op = _op_with_a_wrong_fake(lambda x: (x, x), lambda x: x)
    with pytest.raises(RuntimeError, match="returned 2 output.* declared 1"):
        lm.eval(op(lm.asarray([1.0, 2.0])))


def test_a_right_fake_still_builds_a_lazy_node():
    op = _op_with_a_wrong_fake(lambda x: 2 * x, lambda x: x)
    y = op(lm.asarray([1.0, 2.0]))
    assert lm.lazy.is_pending(y)
    assert y.tolist() == [2.0, 4.0]


class _NoCtx(lm.Function):
    @staticmethod
    def forward(x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return 2 * g


@pytest.mark.parametrize("call", [
    lambda x: _NoCtx.apply(x),
    lambda x: lm.grad(_NoCtx.apply)(x),
    lambda x: lm.vmap(_NoCtx.apply)(lnp.stack([x, x])),
])
def test_function_whose_forward_takes_no_ctx_and_has_no_setup_context(call):
    with pytest.raises(TypeError) as info:
        call(lm.asarray(1.0))
    message = str(info.value)
    assert isinstance(info.value, lm.LaminaTypeError)
    assert "_NoCtx.forward(x) takes no ctx, so _NoCtx needs a setup_context" in message
    assert "setup_context(ctx, inputs, output)" in message and "forward(ctx, ...)" in message


class _Mul(lm.Function):
    @staticmethod
    def forward(x, y):
        return x * y

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x


def test_save_for_backward_accepts_numpy_arrays_that_are_not_differentiated():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])

    def f(x, y):
        return _Mul.apply(x, y).sum()

    np.testing.assert_allclose(lm.grad(f, argnums=0)(x, y).numpy(), y)
    np.testing.assert_allclose(lm.grad(f, argnums=1)(x, y).numpy(), x)
    np.testing.assert_allclose(lm.grad(f, argnums=0)(np.float64(2.0), np.float64(3.0)).item(), 3)
    # saved arrays come back as tensors
    seen = []

    class Keep(_Mul):
        @staticmethod
        def backward(ctx, g):
            seen.extend(type(t) for t in ctx.saved_tensors)
            return _Mul.backward(ctx, g)

    lm.grad(lambda x, y: Keep.apply(x, y).sum())(x, y)
    assert seen == [lm.Tensor, lm.Tensor]


def test_save_for_backward_still_refuses_non_arrays():
    class SavesAFloat(_Mul):
        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0], 2.0)

    with pytest.raises(TypeError, match=r"argument 1 is a float\. Store other values as ctx "
                                        "attributes"):
        lm.grad(lambda x: SavesAFloat.apply(x, 2.0).sum())(lm.asarray([1.0]))


# -- NumPy arrays, lists and scalars where NumPy takes array-likes --------------------------------

_JOINERS = ["vstack", "hstack", "column_stack", "dstack", "stack", "concatenate"]


@pytest.mark.parametrize("name", _JOINERS)
@pytest.mark.parametrize(
    "make",
    [
        lambda: [np.ones((2, 3)), np.zeros((2, 3))],                      # NumPy arrays alone
        lambda: [np.ones((2, 3)), lnp.zeros((2, 3))],                     # mixed with tensors
        lambda: (lnp.ones((2, 3)), [[1, 2, 3], [4, 5, 6]], np.ones((2, 3), np.float32)),
        lambda: np.arange(6.0).reshape(2, 3),                             # an array: its rows
        lambda: lnp.arange(6.0).reshape(2, 3),
    ],
)
def test_joining_functions_take_numpy_arrays_lists_and_tensors(name, make):
    args = make()
    as_numpy = (np.asarray(args) if isinstance(args, lm.Tensor)
                else [np.asarray(a) if isinstance(a, lm.Tensor) else a for a in args])
    expected = getattr(np, name)(as_numpy)
    outs = [getattr(lnp, name)(args)]
    items = args if isinstance(args, (list, tuple)) else [args]
    if any(isinstance(a, lm.Tensor) for a in items):
        outs.append(getattr(np, name)(args))  # NumPy's function, through __array_function__
    for out in outs:
        assert isinstance(out, lm.Tensor)
        assert out.shape == expected.shape and out.dtype == expected.dtype
        np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("name", _JOINERS)
def test_joining_a_0d_array_says_to_pass_a_sequence(name):
    with pytest.raises(TypeError, match=rf"got a 0-d array; wrap it in a list: {name}\(\[a\]\)"):
        getattr(lnp, name)(np.array(1.0))


def test_joining_numpy_arrays_with_a_tensor_under_grad():
    a = np.ones(3)
    x = lm.asarray([1.0, 2.0, 3.0])
    g = lm.grad(lambda x: (lnp.vstack([a, x, [1.0, 2.0, 3.0]]) ** 2).sum())(x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0, 6.0])


_DTYPES = ["int8", "uint8", "int64", "float32", "float64", "complex64", "bool"]


@pytest.mark.parametrize("dt", _DTYPES)
@pytest.mark.parametrize("other", [1, 1.0, 300, np.float32, "int16", np.ones(2, np.int32),
                                   np.float64(1.0)])
def test_result_type_takes_tensors(dt, other):
    t, a = lnp.ones(2, dtype=dt), np.ones(2, dtype=dt)
    expected = np.result_type(a, other)
    assert lnp.result_type(t, other) == expected
    assert np.result_type(t, other) == expected       # through __array_function__
    assert np.result_type(other, t) == np.result_type(other, a)
    assert lnp.result_type(t) == np.result_type(a) == np.dtype(dt)


@pytest.mark.parametrize("dt", _DTYPES)
@pytest.mark.parametrize("to", _DTYPES)
@pytest.mark.parametrize("casting", ["safe", "same_kind", "unsafe"])
def test_can_cast_takes_tensors(dt, to, casting):
    t, a = lnp.ones(2, dtype=dt), np.ones(2, dtype=dt)
    expected = np.can_cast(a, to, casting=casting)
    assert lnp.can_cast(t, to, casting=casting) == expected
    assert np.can_cast(t, to, casting=casting) == expected


def test_min_scalar_type_takes_tensors():
    for value in (np.array(200), np.array(-3), np.array(1.0), np.arange(3), np.ones(2, "f4")):
        assert np.min_scalar_type(lm.asarray(value)) == np.min_scalar_type(value)
        assert lnp.min_scalar_type(lm.asarray(value)) == np.min_scalar_type(value)


def test_dtype_queries_do_not_evaluate():
    y = lnp.ones(3) * 2
    assert lm.lazy.is_pending(y)
    assert np.result_type(y, 1) == np.float64 and np.can_cast(y, np.float32, "same_kind")
    assert lm.lazy.is_pending(y)
