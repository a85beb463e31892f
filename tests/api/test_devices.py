"""Devices: CPU always; CUDA through CuPy with clear errors when it cannot be used."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp
from lamina.lazy.devices import cupy_or_none


def test_cpu_device_is_interned_and_printable():
    assert lm.Device("cpu") is lm.Device("CPU")
    assert repr(lm.Device("cpu")) == "Device('cpu')"
    assert lm.Device("cpu") == "cpu"
    assert lm.asarray([1.0]).device is lm.Device("cpu")


@pytest.mark.parametrize("spec", ["tpu", "cuda:x", "gpu:-1", ""])
def test_unknown_device_strings_are_refused(spec):
    with pytest.raises(ValueError, match="unknown device"):
        lm.Device(spec)


def test_device_of_wrong_type():
    with pytest.raises(TypeError, match="a device is given as a string"):
        lm.Device(3)


@pytest.mark.skipif(cupy_or_none() is not None, reason="CuPy is installed here")
def test_cuda_without_cupy_raises_a_clear_error():
    with pytest.raises(lm.DeviceError, match="needs CuPy"):
        lm.Device("cuda")
    with pytest.raises(RuntimeError, match="pip install"):
        lm.asarray([1.0], device="cuda")


def test_to_cpu_is_the_same_tensor_when_nothing_moves():
    t = lm.asarray([1.0, 2.0])
    assert t.to("cpu") is t


@pytest.mark.gpu
def test_cuda_round_trip_and_ops():
    a = np.arange(6.0).reshape(2, 3)
    t = lm.asarray(a, device="cuda")
    assert str(t.device) == "cuda:0"
    assert "device='cuda:0'" in repr(t)
    y = lnp.sin(t) * 2.0 + 1.0
    np.testing.assert_allclose(y.numpy(), np.sin(a) * 2 + 1)
    back = y.to("cpu")
    assert back.device is lm.Device("cpu")
    np.testing.assert_allclose(back.numpy(), np.sin(a) * 2 + 1)


@pytest.mark.gpu
def test_cupy_arrays_are_accepted_and_stay_on_the_gpu():
    import cupy

    c = cupy.arange(4.0)
    t = lm.asarray(c)
    assert str(t.device) == "cuda:0"
    np.testing.assert_array_equal((t + 1.0).numpy(), [1.0, 2.0, 3.0, 4.0])


@pytest.mark.gpu
def test_mixing_devices_in_one_op_raises():
    cpu = lm.asarray([1.0, 2.0])
    gpu = lm.asarray([1.0, 2.0], device="cuda")
    with pytest.raises(lm.DeviceError, match="different devices"):
        cpu + gpu


@pytest.mark.gpu
def test_implicit_numpy_conversion_of_a_gpu_tensor_is_refused():
    gpu = lm.asarray([1.0, 2.0], device="cuda")
    with pytest.raises(TypeError, match="t.numpy()"):
        np.asarray(gpu)


@pytest.mark.gpu
@pytest.mark.parametrize("call", [
    lambda g, h: g + h, lambda g, h: h + g, lambda g, h: lnp.add(h, g),
    lambda g, h: lnp.where(np.asarray(True), h, g), lambda g, h: lnp.concatenate([h, g]),
])
def test_host_data_joins_the_device_of_the_lamina_tensors(call):
    g = lm.asarray([1.0, 2.0], device="cuda")
    out = call(g, np.array([10.0, 20.0]))
    assert str(out.device) == "cuda:0"
