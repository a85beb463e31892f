"""``check_vmap``: ``vmap(f)`` checked against a Python loop over the batch.

The loop is the definition of vmap: slice each batched argument along its in_dim, call ``f``
on one element at a time, and stack the results along the out_dims. Any difference is a batch
rule (or a function) that is not batch-safe. The in_dims/out_dims prefix logic is vmap's own
(``lamina.transforms.vmap._broadcast_dims``), so both sides read them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optree

from lamina import tree
from lamina.errors import LaminaTypeError
from lamina.testing.compare import leaf_path, to_numpy

__all__ = ["check_vmap"]


def _default_tolerance(dtype: np.dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing vmap with the loop: the two differ only by rounding (a
    batched matmul may sum in another order), so a few ulps of the dtype, scaled up."""
    if dtype.kind not in "fc":
        return 0.0, 0.0  # integers and booleans: exact
    eps = float(np.finfo(dtype).eps)
    if eps >= np.finfo(np.float32).eps:  # float32, complex64, float16: summation order shows
        return max(1e-4, 10 * eps), max(1e-5, 10 * eps)
    return 1e-7, 1e-10


def _element(leaf: Any, dim: int, b: int) -> Any:
    """Batch element ``b`` of ``leaf`` along axis ``dim`` (a lamina Tensor)."""
    return leaf[(slice(None),) * dim + (b,)]


def _report(vm: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> str:
    try:
        if vm.dtype.kind in "fc":
            np.testing.assert_allclose(vm, ref, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(vm, ref)
    except AssertionError as exc:
        return str(exc)
    return ""  # pragma: no cover - only called on a mismatch


def _close(vm: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> bool:
    if vm.dtype.kind in "fc" or ref.dtype.kind in "fc":
        return bool(np.allclose(vm, ref, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(vm, ref))


def check_vmap(f: Callable, args: Sequence, in_dims: Any = 0, out_dims: Any = 0, *,
               rtol: float | None = None, atol: float | None = None) -> None:
    """Check ``lamina.vmap(f, in_dims, out_dims)(*args)`` against a Python loop over the batch.

    ``args`` is the tuple of positional arguments; ``in_dims`` and ``out_dims`` are read as
    ``lamina.vmap`` reads them (an int, None, or a pytree prefix of the arguments / outputs).
    The loop slices every batched argument along its in_dim, calls ``f`` once per batch
    element, and compares each element's outputs with the matching slice of vmap's outputs
    (structure, shape, dtype and values). Tolerances default from the output dtype (a few ulps,
    looser for float32; exact for integers and booleans). Raises ``AssertionError`` naming the
    output leaf and the batch elements that differ; returns None.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> from lamina.testing import check_vmap
    >>> x = lm.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> check_vmap(lnp.dot, (x, lm.asarray([1.0, -1.0])), in_dims=(0, None))
    >>> check_vmap(lambda c: {"cum": lnp.cumsum(c), "max": c.max()}, (x,), in_dims=1,
    ...            out_dims={"cum": 1, "max": 0})
    """
    from lamina.numpy import asarray  # noqa: PLC0415
    from lamina.transforms.vmap import _broadcast_dims, vmap  # noqa: PLC0415
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    name = getattr(f, "__name__", type(f).__name__)
    what = f"check_vmap({name}, in_dims={in_dims!r}, out_dims={out_dims!r})"
    if isinstance(args, Tensor) or not isinstance(args, (tuple, list)):
        raise LaminaTypeError(
            f"{what}: args is the tuple of positional arguments of f, got a "
            f"{type(args).__name__}; for a single argument write args=(x,)."
        )
    args = tuple(args)
    vmapped = vmap(f, in_dims, out_dims)(*args)  # vmap validates in_dims against the args

    leaves, spec = tree.flatten(args)
    dims = _broadcast_dims(tuple(in_dims) if isinstance(in_dims, list) else in_dims, args,
                           what, "in_dims", "")
    axis_size = None
    for i, (leaf, d) in enumerate(zip(leaves, dims, strict=True)):
        if d is None:
            continue
        leaves[i] = asarray(leaf)
        dims[i] = d % leaves[i].ndim
        axis_size = leaves[i].shape[dims[i]]

    loop = []
    for b in range(axis_size):
        element = [leaf if d is None else _element(leaf, d, b)
                   for leaf, d in zip(leaves, dims, strict=True)]
        loop.append(f(*tree.unflatten(spec, element)))

    kwargs = {"none_is_leaf": False, "namespace": tree._NAMESPACE}
    paths, vm_leaves, vm_spec = optree.tree_flatten_with_path(vmapped, **kwargs)
    for b, out in enumerate(loop):
        out_spec = optree.tree_structure(out, **kwargs)
        if out_spec != vm_spec:
            raise AssertionError(
                f"{what}: vmap returned {tree.structure_str(vm_spec)} but the loop's call for "
                f"batch element {b} returned {tree.structure_str(out_spec)}."
            )
    odims = _broadcast_dims(out_dims, loop[0], what, "out_dims", "")
    loop_leaves = [[to_numpy(o) for o in tree.leaves(out)] for out in loop]

    for k, (path, vm, od) in enumerate(zip(paths, vm_leaves, odims, strict=True)):
        label = "the output" if path == () else f"output {leaf_path(path)}"
        vm = to_numpy(vm)
        refs = [elem[k] for elem in loop_leaves]
        r, a = _default_tolerance(vm.dtype)
        r, a = (r if rtol is None else rtol), (a if atol is None else atol)
        if od is not None:
            od = od % (refs[0].ndim + 1)
        bad = []
        for b, ref in enumerate(refs):
            expected_shape = ref.shape if od is None else ref.shape[:od] + (axis_size,) + \
                ref.shape[od:]
            if vm.shape != expected_shape:
                raise AssertionError(
                    f"{what}: {label} has shape {vm.shape} under vmap, but the loop gives "
                    f"shape {ref.shape} for batch element {b}, which stacked along out_dim "
                    f"{od} is {expected_shape}."
                )
            got = vm if od is None else np.take(vm, b, axis=od)
            if got.dtype != ref.dtype:
                raise AssertionError(
                    f"{what}: {label} has dtype {got.dtype} under vmap but {ref.dtype} in the "
                    f"loop (batch element {b})."
                )
            if not _close(got, ref, r, a):
                bad.append(b)
        if bad:
            b = bad[0]
            got = vm if od is None else np.take(vm, b, axis=od)
            listed = ", ".join(map(str, bad[:20])) + (", ..." if len(bad) > 20 else "")
            raise AssertionError(
                f"{what}: {label} differs between vmap and a Python loop over the batch at "
                f"batch element(s) {listed} (of {axis_size}). Batch element {b}, vmap's "
                f"slice against the loop's result:\n{_report(got, refs[b], r, a)}"
            )
