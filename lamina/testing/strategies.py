"""Hypothesis strategies that produce lamina tensors, shapes and axis arguments.

Built on ``hypothesis.extra.numpy``: ``arrays`` draws a NumPy array and moves it to a lamina
Tensor on the requested device. Floating-point elements default to finite values of moderate
magnitude (-10..10, no NaN, infinity or subnormals), so that gradient and finite-difference
checks in users' property tests are stable; pass ``elements=`` for anything else.

>>> import numpy as np
>>> from hypothesis import given, settings
>>> from lamina.testing import assert_allclose
>>> from lamina.testing.strategies import arrays, shapes
>>> import lamina as lm
>>> @settings(max_examples=10, deadline=None)
... @given(arrays(np.float64, shapes()))
... def test_grad_of_sum_of_squares(x):
...     assert_allclose(lm.grad(lambda x: (x ** 2).sum())(x), 2 * x)
>>> test_grad_of_sum_of_squares()
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina.errors import LaminaValueError

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as exc:  # pragma: no cover - hypothesis is a test dependency
    raise ImportError(
        "lamina.testing.strategies needs Hypothesis: `pip install hypothesis` (or install "
        "lamina's test extras: `pip install lamina[test]`)."
    ) from exc

__all__ = ["arrays", "shapes", "broadcastable_shapes", "mutually_broadcastable_shapes", "axes",
           "default_elements"]

# Elements of moderate magnitude: gradients of polynomials, exp, tanh, ... stay finite and
# finite differences stay accurate.
_BOUND = 10


def default_elements(dtype: Any) -> st.SearchStrategy:
    """The elements ``arrays`` draws for ``dtype`` when ``elements`` is not given: finite
    floats (and complex parts) in [-10, 10] without subnormals, integers in [-10, 10]
    clipped to the dtype's range, and both booleans.

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from lamina.testing.strategies import default_elements
    >>> @settings(max_examples=20)
    ... @given(default_elements(np.float32))
    ... def test_moderate(v):
    ...     assert -10 <= v <= 10 and np.isfinite(v)
    >>> test_moderate()
    """
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return st.floats(-_BOUND, _BOUND, allow_nan=False, allow_infinity=False,
                         allow_subnormal=False, width=8 * dt.itemsize)
    if dt.kind == "c":
        return st.complex_numbers(max_magnitude=_BOUND, allow_nan=False, allow_infinity=False,
                                  allow_subnormal=False, width=8 * dt.itemsize)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return st.integers(max(-_BOUND, int(info.min)), min(_BOUND, int(info.max)))
    if dt.kind == "b":
        return st.booleans()
    return hnp.from_dtype(dt)


def _strategy(x: Any) -> st.SearchStrategy:
    return x if isinstance(x, st.SearchStrategy) else st.just(x)


def arrays(dtype: Any, shape: Any, *, elements: Any = None, device: Any = "cpu",
           unique: bool = False) -> st.SearchStrategy:
    """A strategy for lamina Tensors of ``dtype`` and ``shape`` on ``device``.

    ``dtype`` is anything ``numpy.dtype`` accepts, ``shape`` an int or a tuple; either may be a
    strategy (``shapes()``, ``hypothesis.extra.numpy.floating_dtypes()``). ``elements`` is a
    strategy for the values (a dict of keyword arguments for ``hypothesis.extra.numpy
    .from_dtype`` also works); by default ``default_elements(dtype)``. ``unique=True`` makes
    all elements distinct.

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from lamina.testing.strategies import arrays, shapes
    >>> @settings(max_examples=5, deadline=None)
    ... @given(arrays(np.float32, shapes(min_dims=1, max_dims=2)))
    ... def test_float32_in_moderate_range(x):
    ...     assert x.dtype == np.float32 and 1 <= x.ndim <= 2
    ...     assert float(abs(x).max()) <= 10
    >>> test_float32_in_moderate_range()
    """

    def draw(dt: Any) -> st.SearchStrategy:
        dt = np.dtype(dt)
        if elements is None:
            elems = default_elements(dt)
        elif isinstance(elements, dict):
            elems = hnp.from_dtype(dt, **elements)
        else:
            elems = elements
        return hnp.arrays(dt, shape, elements=elems, unique=unique)

    def to_tensor(a: np.ndarray) -> Any:
        from lamina.numpy import asarray  # noqa: PLC0415

        return asarray(a, device=device)

    return _strategy(dtype).flatmap(draw).map(to_tensor)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 5) -> st.SearchStrategy:
    """A strategy for array shapes: tuples of ``min_dims``..``max_dims`` sides, each in
    ``min_side``..``max_side``. Small by default, so property tests stay fast.

    >>> from hypothesis import given, settings
    >>> from lamina.testing.strategies import shapes
    >>> @settings(max_examples=10)
    ... @given(shapes(min_dims=1, max_side=3))
    ... def test_sides(shape):
    ...     assert 1 <= len(shape) <= 3 and all(1 <= s <= 3 for s in shape)
    >>> test_sides()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(shape: Any, *, min_dims: int = 0, max_dims: int | None = None,
                         min_side: int = 1, max_side: int | None = None) -> st.SearchStrategy:
    """A strategy for shapes that broadcast with ``shape`` (a tuple, or a strategy of them):
    NumPy's broadcasting of the drawn shape against ``shape`` succeeds.

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from hypothesis import strategies as st
    >>> from lamina.testing.strategies import broadcastable_shapes, shapes
    >>> @settings(max_examples=10)
    ... @given(st.data(), shapes())
    ... def test_broadcasts(data, shape):
    ...     other = data.draw(broadcastable_shapes(shape))
    ...     np.broadcast_shapes(shape, other)
    >>> test_broadcasts()
    """
    return _strategy(shape).flatmap(
        lambda s: hnp.broadcastable_shapes(tuple(s), min_dims=min_dims, max_dims=max_dims,
                                           min_side=min_side, max_side=max_side))


def mutually_broadcastable_shapes(num_shapes: int, *, base_shape: tuple = (), min_dims: int = 0,
                                  max_dims: int | None = None, min_side: int = 1,
                                  max_side: int | None = None) -> st.SearchStrategy:
    """A strategy for ``num_shapes`` shapes that broadcast together (and with
    ``base_shape``): draws ``(input_shapes, result_shape)``, as
    ``hypothesis.extra.numpy.mutually_broadcastable_shapes``.

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from lamina.testing.strategies import mutually_broadcastable_shapes
    >>> @settings(max_examples=10)
    ... @given(mutually_broadcastable_shapes(3))
    ... def test_result(shapes):
    ...     assert np.broadcast_shapes(*shapes.input_shapes) == shapes.result_shape
    >>> test_result()
    """
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, base_shape=base_shape,
                                             min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side)


def axes(ndim: Any, *, allow_none: bool = True, allow_int: bool = True,
         allow_tuple: bool = True, allow_negative: bool = True) -> st.SearchStrategy:
    """A strategy for valid ``axis`` arguments of reductions on an array of ``ndim``
    dimensions (an int, or a strategy of ints): ``None``, an int in ``[-ndim, ndim)``, or a
    tuple of distinct axes (distinct after normalization: never both ``0`` and ``-ndim``;
    possibly empty). Negative axes appear unless ``allow_negative=False``.

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from hypothesis import strategies as st
    >>> import lamina.numpy as lnp
    >>> from lamina.testing import assert_allclose
    >>> from lamina.testing.strategies import arrays, axes, shapes
    >>> @settings(max_examples=10, deadline=None)
    ... @given(st.data(), arrays(np.float64, shapes()))
    ... def test_sum_matches_numpy(data, x):
    ...     axis = data.draw(axes(x.ndim))
    ...     assert_allclose(lnp.sum(x, axis=axis), np.sum(x.numpy(), axis=axis), rtol=1e-12)
    >>> test_sum_matches_numpy()
    """
    if not (allow_none or allow_int or allow_tuple):
        raise LaminaValueError("axes: allow at least one of None, an int and a tuple of axes")

    def for_ndim(n: int) -> st.SearchStrategy:
        n = int(n)

        def signed(axis: int) -> st.SearchStrategy:
            if not allow_negative:
                return st.just(axis)
            return st.sampled_from([axis, axis - n])

        options = []
        if allow_none:
            options.append(st.none())
        if allow_int and n > 0:
            options.append(st.integers(0, n - 1).flatmap(signed))
        if allow_tuple and n == 0:
            options.append(st.just(()))
        elif allow_tuple:
            options.append(
                st.lists(st.integers(0, n - 1), unique=True, max_size=n)
                .flatmap(lambda ax: st.tuples(*[signed(a) for a in ax]))
            )
        if not options:
            raise LaminaValueError(
                f"axes(ndim={n}): a 0-d array has no int axis; allow None or a tuple (the "
                "empty tuple) for 0-d arrays"
            )
        return st.one_of(options)

    if isinstance(ndim, st.SearchStrategy):
        return ndim.flatmap(for_ndim)
    return for_ndim(ndim)  # a bad combination for a known ndim is reported at once
