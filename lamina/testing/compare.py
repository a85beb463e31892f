"""``assert_allclose``: ``numpy.testing.assert_allclose`` for lamina tensors and pytrees of them.

Tensors on any device are compared on the host (``Tensor.numpy()`` copies from the GPU), next
to NumPy arrays, CuPy arrays and Python numbers. Unlike NumPy's, shapes must be equal (NumPy
lets a scalar ``desired`` stand for an array of any shape), and a failure names the pytree leaf.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import optree

from lamina import tree

__all__ = ["assert_allclose", "to_numpy", "leaf_path"]


def to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array on the host: a lamina Tensor (any device), a CuPy array, a NumPy
    array, a Python or NumPy number, or a (nested) list/tuple of those.

    >>> import lamina as lm
    >>> from lamina.testing.compare import to_numpy
    >>> to_numpy([lm.asarray(1.0), 2.0])
    array([1., 2.])
    """
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get") and hasattr(x, "__cuda_array_interface__"):  # CuPy: copy to host
        return x.get()
    if isinstance(x, (list, tuple)):
        return np.asarray([to_numpy(e) for e in x])
    return np.asarray(x)


def leaf_path(path: tuple) -> str:
    """A pytree path as the indexing that reaches it.

    >>> from lamina.testing.compare import leaf_path
    >>> leaf_path((1, "w"))
    "[1]['w']"
    """
    return "".join(f"[{k!r}]" for k in path)


def _flatten_pair(actual: Any, desired: Any) -> tuple[list, list, list]:
    """Leaves of ``actual`` and ``desired`` paired by position, with their paths.

    The structures must match, except that where one side has a leaf (a tensor or array) the
    other may hold a nested list/tuple of numbers, as ``numpy.testing`` accepts
    (``assert_allclose(t, [1.0, 2.0])``)."""
    kwargs = {"none_is_leaf": False, "namespace": tree._NAMESPACE}
    for first, second, swap in ((actual, desired, False), (desired, actual, True)):
        paths, leaves, spec = optree.tree_flatten_with_path(first, **kwargs)
        try:
            others = spec.flatten_up_to(second)
        except (ValueError, TypeError):
            continue
        return (paths, others, leaves) if swap else (paths, leaves, others)
    a_spec = tree.structure_str(optree.tree_structure(actual, **kwargs))
    d_spec = tree.structure_str(optree.tree_structure(desired, **kwargs))
    raise AssertionError(
        f"assert_allclose: actual and desired have different pytree structures: actual is "
        f"{a_spec} but desired is {d_spec}. Compare tensors with tensors, tuples with tuples "
        "of the same length, dicts with dicts of the same keys."
    )


def assert_allclose(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 0,
                    err_msg: str = "", equal_nan: bool = True) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``desired`` are equal to a tolerance.

    As ``numpy.testing.assert_allclose`` (``|actual - desired| <= atol + rtol * |desired|``
    elementwise), for lamina Tensors on any device, NumPy and CuPy arrays, Python numbers and
    pytrees (tuples, lists, dicts, namedtuples) of them. The two pytrees must have the same
    structure and each pair of leaves the same shape (no broadcasting); dtypes may differ. The
    error carries NumPy's mismatch report and names the leaf that differs.

    >>> import lamina as lm
    >>> from lamina.testing import assert_allclose
    >>> x = lm.asarray([1.0, 2.0])
    >>> assert_allclose(lm.grad(lambda x: (x ** 2).sum())(x), 2 * x)
    >>> assert_allclose({"w": x, "b": 3.0}, {"w": [1.0, 2.0], "b": 3.0 + 1e-9}, rtol=1e-6)
    >>> assert_allclose((x, x), (x, x + 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: ...leaf [1] of the pytree differs...
    """
    paths, a_leaves, d_leaves = _flatten_pair(actual, desired)
    single = len(paths) == 1 and paths[0] == ()
    for path, a, d in zip(paths, a_leaves, d_leaves, strict=True):
        where = "" if single else f"leaf {leaf_path(path)} of the pytree"
        a, d = to_numpy(a), to_numpy(d)
        for name, arr in (("actual", a), ("desired", d)):
            if arr.dtype.kind not in "biufc":
                raise AssertionError(
                    f"assert_allclose: {name}{' at ' + where if where else ''} is not numeric "
                    f"(it converts to {arr!r:.200}). Pass tensors, arrays, "
                    "numbers, or pytrees whose leaves are those."
                )
        if a.shape != d.shape:
            raise AssertionError(
                f"assert_allclose: shapes differ{' at ' + where if where else ''}: actual has "
                f"shape {a.shape} but desired has shape {d.shape} (shapes must be equal; "
                f"broadcast explicitly if you mean it).{' ' + err_msg if err_msg else ''}"
            )
        msg = "\n".join(m for m in (f"assert_allclose: {where} differs" if where else "", err_msg)
                        if m)
        np.testing.assert_allclose(a, d, rtol=rtol, atol=atol, err_msg=msg,
                                   equal_nan=equal_nan)
