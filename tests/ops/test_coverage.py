"""The OpInfo table covers every op of OPS.md, and every primitive is exercised by a row."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from lamina import core
from tests.ops.helpers import to_lamina
from tests.ops.opinfo import OPS
from tests.ops.rows import ROW_MODULES

# Every public name OPS.md lists, as users spell it after `lamina.` (numpy.X is lnp.X).
OPS_MD = {
    "creation": "array asarray zeros ones full empty zeros_like ones_like full_like empty_like "
                "arange linspace logspace eye identity tri diag meshgrid",
    "unary": "negative positive abs absolute sign exp exp2 expm1 log log2 log10 log1p sqrt "
             "cbrt square reciprocal sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh "
             "arccosh arctanh deg2rad rad2deg floor ceil trunc rint round isnan isinf isfinite "
             "signbit logical_not real imag conj nan_to_num",
    "binary": "add subtract multiply divide true_divide floor_divide remainder mod power "
              "float_power maximum minimum fmax fmin arctan2 hypot logaddexp logaddexp2 "
              "copysign heaviside equal not_equal less less_equal greater greater_equal "
              "logical_and logical_or logical_xor where clip",
    "reductions": "sum prod mean var std max amax min amin ptp argmax argmin all any cumsum "
                  "cumprod nansum nanmean average count_nonzero",
    "shape": "reshape ravel transpose swapaxes moveaxis expand_dims squeeze broadcast_to "
             "broadcast_arrays atleast_1d atleast_2d atleast_3d concatenate stack vstack hstack "
             "dstack column_stack split array_split hsplit vsplit unstack flip fliplr flipud "
             "roll rot90 tile repeat pad diagonal trace tril triu sort argsort take "
             "take_along_axis put_along_axis searchsorted copy astype",
    "linalg": "matmul dot vdot inner outer tensordot einsum kron cross linalg.inv linalg.solve "
              "linalg.det linalg.slogdet linalg.cholesky linalg.eigh linalg.eigvalsh linalg.svd "
              "linalg.qr linalg.norm linalg.pinv linalg.matrix_power",
    "random": "random.seed random.default_rng random.rand random.randn random.uniform "
              "random.normal",
    "nn": "nn.relu nn.leaky_relu nn.elu nn.gelu nn.silu nn.sigmoid nn.softplus nn.tanh "
          "nn.softmax nn.log_softmax nn.cross_entropy nn.nll_loss nn.mse_loss "
          "nn.binary_cross_entropy nn.binary_cross_entropy_with_logits nn.linear nn.dropout "
          "nn.layer_norm nn.batch_norm nn.conv1d nn.conv2d nn.conv3d nn.max_pool1d nn.max_pool2d "
          "nn.max_pool3d nn.avg_pool1d nn.avg_pool2d nn.avg_pool3d nn.adaptive_avg_pool2d "
          "nn.embedding nn.one_hot",
    "special": "special.logsumexp",
}
# Families added since OPS.md (issue 15) list their names in their row module's ``PUBLIC``.
for _module in ROW_MODULES:
    if getattr(_module, "PUBLIC", ""):
        OPS_MD[_module.__name__.rpartition(".")[2]] = _module.PUBLIC
NAMES = sorted({n for group in OPS_MD.values() for n in group.split()})
# Stateful or structural entries whose behaviour is tested in tests/api rather than as a row.
NO_ROW = {"random.seed": "tested in tests/api/test_random.py (state, not a function of inputs)",
          "random.default_rng": "a Generator factory; its methods have rows"}
ROW_NAMES = {info.name for info in OPS}
# Primitives a CPU-only table cannot reach, with where they are tested instead.
UNREACHED = {
    "device_put": "moving data between two devices; tests/api/test_devices.py (-m gpu)",
    # The max pool's backward kernels run only under transforms: the max_pool rows' grad, jvp
    # and vmap tests reach them (test_max_pool_kernels_are_reached_by_transforms below).
    "pool_scatter": "max_pool's backward kernel",
    "pool_gather": "max_pool's jvp kernel",
    "complex": "the reverse of .real/.imag views (writing a part); tests/api/test_complex_parts.py "
               "checks values, grad/jvp to second order and vmap",
}


def test_max_pool_kernels_are_reached_by_transforms():
    import lamina as lm
    import lamina.nn.functional as F

    used: set[str] = set()
    original = core._backend

    def recording(prim, args, params):
        used.add(prim.name)
        return original(prim, args, params)

    x = lm.asarray(np.random.default_rng(0).normal(size=(1, 2, 4, 4)))
    core.set_backend(recording)
    try:
        lm.grad(lambda t: F.max_pool2d(t, 2).sum())(x)
        lm.jvp(lambda t: F.max_pool2d(t, 2), (x,), (x,))
    finally:
        core.set_backend(original)
    assert {"pool_scatter", "pool_gather"} <= used


def _resolve(name: str):
    module, _, attr = name.rpartition(".")
    if module in ("", "linalg", "random", "fft"):
        namespace = importlib.import_module("lamina.numpy" + (f".{module}" if module else ""))
    else:
        namespace = importlib.import_module(f"lamina.{module}")
    return getattr(namespace, attr, None)


@pytest.mark.parametrize("name", NAMES)
def test_every_ops_md_name_is_public(name):
    assert _resolve(name) is not None, f"lamina has no public {name}"


@pytest.mark.parametrize("name", [n for n in NAMES if n not in NO_ROW])
def test_every_ops_md_name_has_an_opinfo_row(name):
    assert name in ROW_NAMES, f"no OpInfo row named {name!r} in tests/ops/rows/"


def test_every_primitive_is_exercised_by_some_row():
    used: set[str] = set()
    original = core._backend

    def recording(prim, args, params):
        used.add(prim.name)
        return original(prim, args, params)

    core.set_backend(recording)
    try:
        for info in OPS:
            rng = np.random.default_rng(0)
            for dtype in info.dtypes:
                for sample in info.samples(rng, dtype):
                    try:
                        info.op(*to_lamina(sample.args, "cpu"), **to_lamina(sample.kwargs, "cpu"))
                    except Exception:  # noqa: BLE001 - failures are test_forward's business
                        pass
    finally:
        core.set_backend(original)
    missing = sorted(set(core.primitives()) - used - set(UNREACHED))
    assert not missing, f"primitives no OpInfo row exercises: {missing}"
