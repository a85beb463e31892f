"""Running an OpInfo sample on lamina and comparing with the NumPy reference."""

from __future__ import annotations

from typing import Any

import numpy as np

import lamina as lm
import lamina.numpy as lnp
from tests.ops.opinfo import DEVICE


def to_lamina(x: Any, device: str) -> Any:
    """NumPy arrays (also inside lists/tuples/dicts) become lamina tensors on ``device``, and
    the ``DEVICE`` placeholder becomes ``device``."""
    if x is DEVICE:
        return device
    if isinstance(x, np.ndarray):
        return lnp.asarray(x, device=device)
    if isinstance(x, tuple):
        return tuple(to_lamina(e, device) for e in x)
    if isinstance(x, list):
        return [to_lamina(e, device) for e in x]
    if isinstance(x, dict):
        return {k: to_lamina(v, device) for k, v in x.items()}
    return x


def to_numpy(x: Any) -> Any:
    if isinstance(x, lm.Tensor):
        return x.numpy()
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(e) for e in x) if not hasattr(x, "_fields") else type(x)(
            *[to_numpy(e) for e in x])
    return x


def reproducer(info, sample, dtype, device) -> str:
    return (f"\n  reproduce: lnp.{info.name}{sample!r}  [dtype={np.dtype(dtype).name}, "
            f"device={device}, sample {sample.name!r}]")


def assert_matches(actual: Any, expected: Any, info, sample, dtype, device, check_values=True):
    where = reproducer(info, sample, dtype, device)
    if isinstance(expected, (tuple, list)) and not isinstance(expected, np.ndarray):
        assert isinstance(actual, (tuple, list)), f"expected a sequence, got {type(actual)}{where}"
        assert len(actual) == len(expected), \
            f"{len(actual)} outputs, expected {len(expected)}{where}"
        for a, e in zip(actual, expected, strict=True):
            assert_matches(a, e, info, sample, dtype, device, check_values)
        return
    if isinstance(expected, (bool, int, float, complex, np.generic)) and not isinstance(
            actual, lm.Tensor):
        same = actual == expected or (np.isnan(actual) and np.isnan(expected)) if isinstance(
            expected, (float, np.floating)) else actual == expected
        assert same or (check_values and np.isclose(actual, expected)), \
            f"{actual!r} != {expected!r}{where}"
        return
    assert isinstance(actual, lm.Tensor), f"expected a lamina Tensor, got {type(actual)}{where}"
    exp = np.asarray(expected)
    assert actual.shape == exp.shape, f"shape {actual.shape} != NumPy's {exp.shape}{where}"
    assert actual.dtype == exp.dtype, f"dtype {actual.dtype} != NumPy's {exp.dtype}{where}"
    assert str(actual.device) == (device if device == "cpu" else "cuda:0"), where
    if not check_values:
        return
    got = actual.numpy()
    rtol, atol = info.tolerances(dtype)
    if exp.dtype.kind in "fc":
        np.testing.assert_allclose(got, exp, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=where)
        # Signed zeros (NOTE [special values]): -0.0 where NumPy gives -0.0. Real parts only:
        # the sign of an imaginary zero depends on the order of complex arithmetic (a conj
        # here, a product there), which NumPy does not promise either.
        if info.signed_zeros:
            zero = np.real(exp) == 0
            np.testing.assert_array_equal(np.signbit(np.real(got)[zero]),
                                          np.signbit(np.real(exp)[zero]),
                                          err_msg=f"signs of zeros differ{where}")
    else:
        np.testing.assert_array_equal(got, exp, err_msg=where)
