"""``check_grads``: derivatives checked against finite differences, to any order.

For reverse mode, a random direction ``v`` for the inputs and a random cotangent ``u`` for the
outputs must satisfy ``<vjp(u), v> == <u, J v>``, where ``J v`` is taken by central finite
differences. Higher orders check the function ``(x, u) -> vjp(f, x)(u)`` the same way,
recursively (as JAX's ``check_grads`` does). Shipped to users for their own rules.

NOTE [complex check_grads]: a complex number is a pair of reals, and lamina's cotangents follow
JAX's convention: the pairing is ``<a, b> = Re(sum(a * b))``, bilinear, without conjugation
(NOTE [complex cotangents] in lamina/ops/linalg.py). So the vjp of a holomorphic ``f`` is
``g -> g * f'(z)``, and ``grad`` of a real-valued ``f`` of ``z = x + iy`` is
``df/dx - i df/dy`` (``grad(lambda z: abs(z) ** 2)(3 + 4j) == 6 - 8j``). Complex inputs are
checked in both real directions separately: once perturbing only their real parts (``v``
real), once only their imaginary parts (``v`` imaginary); cotangents of complex outputs have
random real and imaginary parts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lamina import tree

__all__ = ["check_grads", "numerical_jvp"]

_DEFAULT_EPS = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 3e-2,
                np.dtype(np.complex128): 1e-5, np.dtype(np.complex64): 3e-2}
_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 5e-2,
                np.dtype(np.complex128): 1e-5, np.dtype(np.complex64): 5e-2}


def _np(x: Any) -> np.ndarray:
    from lamina.wrappers.tensor import Tensor  # noqa: PLC0415

    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def _as_tensor(x: Any, like: Any = None) -> Any:
    from lamina.numpy import asarray  # noqa: PLC0415

    device = getattr(like, "device", None)
    return asarray(x, device=str(device) if device is not None else None)


def _inner(a: list, b: list) -> float:
    """``sum Re(sum(a_i * b_i))``: NOTE [complex check_grads]'s pairing (no conjugation)."""
    total = 0.0
    for x, y in zip(a, b, strict=True):
        x, y = _np(x), _np(y)
        if x.dtype.kind in "fc" and y.dtype.kind in "fc":
            total += float(np.real(np.sum(x * y)))
    return total


def _scaled_add(xs: list, vs: list, scale: float) -> list:
    return [_as_tensor(_np(x) + scale * _np(v), x) for x, v in zip(xs, vs, strict=True)]


def numerical_jvp(f: Callable, args: Sequence, directions: Sequence, eps: float) -> list:
    """Central-difference ``J v`` of ``f`` at ``args`` along ``directions`` (flat outputs).

    One direction per argument; the result is a list of NumPy arrays, one per leaf of
    ``f``'s output (zeros for integer and boolean leaves). The reference ``check_grads``
    compares jvp and vjp against.

    >>> import lamina as lm
    >>> x, v = lm.asarray([1.0, 3.0]), lm.asarray([1.0, 0.5])
    >>> [d.round(6) for d in lm.testing.numerical_jvp(lambda x: x ** 2, [x], [v], 1e-4)]
    [array([2., 3.])]
    """
    plus = tree.leaves(f(*_scaled_add(list(args), list(directions), eps)))
    minus = tree.leaves(f(*_scaled_add(list(args), list(directions), -eps)))
    out = []
    for p, m in zip(plus, minus, strict=True):
        p, m = _np(p), _np(m)
        if p.dtype.kind not in "fc":  # integer and boolean outputs have no derivative
            out.append(np.zeros(p.shape))
        else:
            out.append((p - m) / (2 * eps))
    return out


def _random_like(rng: np.random.Generator, x: Any, part: str = "both") -> np.ndarray:
    """Random normal values like ``x``; for a complex ``x``, ``part`` says which parts are
    random: ``"real"`` or ``"imag"`` (the other is 0: one real direction), or ``"both"``."""
    a = _np(x)
    if a.dtype.kind not in "fc":
        return np.zeros(a.shape, a.dtype)  # integer outputs carry no cotangent
    v = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        if part == "imag":
            v = 1j * v
        elif part == "both":
            v = v + 1j * rng.standard_normal(a.shape)
    return v.astype(a.dtype)


def _parts(args: list) -> tuple:
    """The input directions to check: both real directions of complex inputs separately
    (NOTE [complex check_grads]); one pass when every input is real."""
    return ("real", "imag") if any(_np(a).dtype.kind == "c" for a in args) else ("real",)


def _check_vjp(f: Callable, args: list, eps: float, atol: float, rtol: float,
               rng: np.random.Generator, order: int, err_context: str) -> None:
    from lamina.transforms.grad import vjp  # noqa: PLC0415

    out, vjp_fn = vjp(f, *args)
    out_leaves, out_spec = tree.flatten(out)
    cotangent_leaves = [_as_tensor(_random_like(rng, o), o) for o in out_leaves]
    cotangents = tree.unflatten(out_spec, cotangent_leaves)
    pulled = list(vjp_fn(cotangents))
    for part in _parts(args):
        directions = [_random_like(rng, a, part) for a in args]
        lhs = _inner(pulled, directions)
        jv = numerical_jvp(f, args, directions, eps)
        rhs = _inner(cotangent_leaves, jv)
        scale = max(abs(lhs), abs(rhs), 1.0)
        if not abs(lhs - rhs) <= atol + rtol * scale:
            along = "" if part == "real" else "along the imaginary parts of the inputs: "
            raise AssertionError(
                f"check_grads: {err_context}{along}reverse mode disagrees with finite "
                f"differences: <vjp(u), v> = {lhs!r} but <u, J v> = {rhs!r} (difference "
                f"{abs(lhs - rhs):.3g}, atol={atol}, rtol={rtol}, eps={eps}). The vjp rule of "
                "an op in this function is wrong, or the function is not differentiable at "
                "this point."
            )
    if order > 1:
        # The vjp as a function of the inputs and of the floating-point cotangents (integer
        # outputs' cotangents are fixed zeros, not differentiable inputs).
        float_slots = [i for i, u in enumerate(cotangent_leaves) if u.dtype.kind in "fc"]

        def f_vjp(*args_and_cotangents):
            xs = args_and_cotangents[: len(args)]
            us = list(cotangent_leaves)
            for slot, u in zip(float_slots, args_and_cotangents[len(args):], strict=True):
                us[slot] = u
            _, fn = vjp(f, *xs)
            return fn(tree.unflatten(out_spec, us))

        _check_vjp(f_vjp, list(args) + [cotangent_leaves[i] for i in float_slots], eps, atol,
                   rtol, rng, order - 1, f"order {order} (the vjp of the vjp): ")


def _check_jvp(f: Callable, args: list, eps: float, atol: float, rtol: float,
               rng: np.random.Generator, order: int, err_context: str) -> None:
    for part in _parts(args):
        _check_jvp_along(f, args, eps, atol, rtol, rng, order, err_context, part)


def _check_jvp_along(f: Callable, args: list, eps: float, atol: float, rtol: float,
                     rng: np.random.Generator, order: int, err_context: str, part: str) -> None:
    from lamina.transforms.grad import vjp  # noqa: PLC0415
    from lamina.transforms.jvp import jvp  # noqa: PLC0415

    if part == "imag":
        err_context += "along the imaginary parts of the inputs: "
    directions = [_random_like(rng, a, part) for a in args]
    dir_tensors = [_as_tensor(d, a) for d, a in zip(directions, args, strict=True)]
    _, tangent = jvp(f, tuple(args), tuple(dir_tensors))
    t_leaves = tree.leaves(tangent)
    numerical = numerical_jvp(f, args, directions, eps)
    for k, (t, n) in enumerate(zip(t_leaves, numerical, strict=True)):
        t = _np(t)
        if t.dtype.kind not in "fc":
            continue
        scale = max(float(np.max(np.abs(n))) if n.size else 0.0, 1.0)
        if not np.allclose(t, n, atol=atol * scale, rtol=rtol, equal_nan=True):
            raise AssertionError(
                f"check_grads: {err_context}forward mode disagrees with finite differences on "
                f"output {k}: largest difference {float(np.max(np.abs(t - n))):.3g} (atol={atol}, "
                f"rtol={rtol}, eps={eps}). The jvp rule of an op in this function is wrong, or "
                "the function is not differentiable at this point."
            )
    # Forward and reverse mode must agree to rounding: <u, J v> == <J^T u, v>.
    out, vjp_fn = vjp(f, *args)
    out_leaves, out_spec = tree.flatten(out)
    us = [_as_tensor(_random_like(rng, o), o) for o in out_leaves]
    lhs = _inner(us, t_leaves)
    rhs = _inner(list(vjp_fn(tree.unflatten(out_spec, us))), directions)
    if not abs(lhs - rhs) <= 1e-9 * max(abs(lhs), abs(rhs), 1.0) * (1e5 if atol > 1e-4 else 1):
        raise AssertionError(
            f"check_grads: {err_context}forward and reverse mode disagree: <u, J v> = {lhs!r} "
            f"but <J^T u, v> = {rhs!r}. A jvp rule and a vjp rule of an op in this function do "
            "not describe the same derivative."
        )
    if order > 1:
        def f_jvp(*xs):
            return jvp(f, tuple(xs), tuple(dir_tensors))[1]

        _check_jvp(f_jvp, list(args), eps, atol, rtol, rng, order - 1,
                   f"{err_context}order {order} (the jvp of the jvp): ")


def check_grads(f: Callable, args: Sequence, order: int = 2, modes: Sequence[str] = ("rev",),
                atol: float | None = None, rtol: float | None = None, eps: float | None = None,
                seed: int = 0) -> None:
    """Check the derivatives of ``f`` at ``args`` against finite differences.

    ``f`` takes the ``args`` (tensors or arrays of floating or complex dtype) and returns a
    tensor or a pytree of tensors. ``order`` checks derivatives of derivatives up to that
    order; ``modes`` is any of ``"rev"`` (vjp against finite differences) and ``"fwd"`` (jvp
    against finite differences, and ``<u, J v> == <J^T u, v>`` against reverse mode). Raises
    ``AssertionError`` saying which mode and order disagreed and by how much.

    Complex inputs are checked in both real directions, their real parts and their imaginary
    parts, under JAX's convention: the pairing ``<a, b> = Re(sum(a * b))``, so the vjp of a
    holomorphic function is ``g -> g * f'(z)`` and ``grad`` of a real ``f(x + iy)`` is
    ``df/dx - i df/dy``.

    >>> import lamina as lm
    >>> import lamina.numpy as lnp
    >>> from lamina.testing import check_grads
    >>> check_grads(lambda x: lnp.sin(x) * x, (lm.asarray([0.5, 1.5]),), order=2)
    >>> check_grads(lambda z: lnp.exp(z) * z, (lm.asarray([0.5 + 1j, -1.5j]),), order=2)
    """
    modes = tuple(modes)
    unknown = set(modes) - {"rev", "fwd"}
    if unknown or not modes:
        raise ValueError(
            f"check_grads(modes={modes!r}): modes is a non-empty tuple of 'fwd' (forward mode, "
            "jvp) and 'rev' (reverse mode, vjp)."
        )
    if order < 1:
        raise ValueError(f"check_grads(order={order}): order must be at least 1")
    tensors = [a if hasattr(a, "_lamina_read") else _as_tensor(a) for a in args]
    # Finite differences are as precise as the least precise floating dtype involved, among
    # the inputs and the outputs (a float64 input cast to float32 is checked at float32).
    # (f runs on copies: a function that mutates its inputs must not move the point checked.)
    probe = tree.leaves(f(*[t.copy() for t in tensors]))
    floats = [t.dtype for t in tensors + probe if t.dtype.kind in "fc"]
    dtype = min(floats, key=lambda d: np.finfo(d).precision) if floats else np.dtype("f8")
    eps = _DEFAULT_EPS.get(dtype, 1e-5) if eps is None else eps
    atol = _DEFAULT_TOL.get(dtype, 1e-5) if atol is None else atol
    rtol = _DEFAULT_TOL.get(dtype, 1e-5) if rtol is None else rtol
    rng = np.random.default_rng(seed)
    if "rev" in modes:
        _check_vjp(f, tensors, eps, atol, rtol, rng, order, "")
    if "fwd" in modes:
        _check_jvp(f, tensors, eps, atol, rtol, rng, order, "")
