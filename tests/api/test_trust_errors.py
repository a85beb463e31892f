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
