"""Errors users hit with the shape, manipulation and sorting functions: NumPy's exception class
(lamina's subclass of it) and a fragment of NumPy's message."""

from __future__ import annotations

import numpy as np
import pytest

import lamina.numpy as lnp
from lamina.errors import LaminaError

AxisError = np.exceptions.AxisError


def x23():
    return lnp.asarray(np.arange(6.0).reshape(2, 3))


CASES = [
    # reshape family
    ("reshape size", lambda: lnp.reshape(x23(), (4,)), ValueError,
     "cannot reshape array of size 6 into shape (4,)"),
    ("reshape two unknowns", lambda: x23().reshape(-1, -1), ValueError,
     "can only specify one unknown dimension"),
    ("reshape -1 of size 0", lambda: lnp.reshape(lnp.zeros((0, 3)), (-1, 0)), ValueError,
     "cannot reshape array of size 0"),
    ("reshape two negatives", lambda: lnp.reshape(x23(), (-2, -3)), ValueError,
     "can only specify one unknown dimension"),  # NumPy reads any negative as the unknown
    ("reshape float shape", lambda: lnp.reshape(x23(), (2.0, 3)), TypeError, "shape must be"),
    ("reshape order F", lambda: lnp.reshape(x23(), (3, 2), order="F"), ValueError,
     "C order only"),
    ("reshape copy=False", lambda: lnp.reshape(x23().T, (6,), copy=False), ValueError,
     "needs a copy"),
    ("reshape missing shape", lambda: lnp.reshape(x23()), TypeError, "shape"),
    ("transpose short axes", lambda: lnp.transpose(x23(), (0,)), ValueError,
     "axes don't match array"),
    ("transpose repeated axes", lambda: lnp.transpose(x23(), (0, 0)), ValueError,
     "repeated axis in transpose"),
    ("transpose axis out of range", lambda: lnp.transpose(x23(), (0, 2)), AxisError,
     "axis 2 is out of bounds for array of dimension 2"),
    ("swapaxes out of range", lambda: lnp.swapaxes(x23(), 0, -3), AxisError,
     "axis -3 is out of bounds"),
    ("moveaxis lengths", lambda: lnp.moveaxis(x23(), (0, 1), (0,)), ValueError,
     "must have the same number of elements"),
    ("moveaxis repeated", lambda: lnp.moveaxis(x23(), (0, 0), (0, 1)), ValueError,
     "repeated axis"),
    ("moveaxis out of range", lambda: lnp.moveaxis(x23(), 0, 5), AxisError,
     "axis 5 is out of bounds"),
    ("expand_dims out of range", lambda: lnp.expand_dims(x23(), 3), AxisError,
     "axis 3 is out of bounds for array of dimension 3"),
    ("expand_dims repeated", lambda: lnp.expand_dims(x23(), (0, 0)), ValueError, "duplicate"),
    ("squeeze non-1 axis", lambda: lnp.squeeze(x23(), 0), ValueError,
     "cannot select an axis to squeeze out which has size not equal to one"),
    ("squeeze out of range", lambda: lnp.squeeze(x23(), 2), AxisError, "out of bounds"),
    ("matrix_transpose 1-d", lambda: lnp.matrix_transpose(lnp.zeros(3)), ValueError,
     "at least 2 dimensions"),
    ("size axis", lambda: lnp.size(x23(), 2), AxisError, "out of bounds"),
    # broadcasting
    ("broadcast_to incompatible", lambda: lnp.broadcast_to(x23(), (3, 3)), ValueError,
     "cannot broadcast a tensor of shape (2, 3) to shape (3, 3)"),
    ("broadcast_to fewer dims", lambda: lnp.broadcast_to(x23(), (3,)), ValueError,
     "cannot broadcast"),
    ("broadcast_arrays incompatible",
     lambda: lnp.broadcast_arrays(x23(), lnp.zeros(2)), ValueError,
     "could not be broadcast together"),
    ("write into broadcast_to", lambda: lnp.broadcast_to(lnp.zeros(3), (2, 3)).__setitem__(
        0, 1.0), ValueError, "read-only"),
    # flips, diagonals
    ("fliplr 1-d", lambda: lnp.fliplr(lnp.zeros(3)), ValueError, "Input must be >= 2-d"),
    ("flipud 0-d", lambda: lnp.flipud(lnp.asarray(1.0)), ValueError, "Input must be >= 1-d"),
    ("flip axis", lambda: lnp.flip(x23(), 2), AxisError, "out of bounds"),
    ("diagonal 1-d", lambda: lnp.diagonal(lnp.zeros(3)), ValueError,
     "at least two dimensions"),
    ("diagonal same axes", lambda: lnp.diagonal(x23(), 0, 1, -1), ValueError,
     "axis1 and axis2 cannot be the same"),
    ("write into diagonal", lambda: lnp.diagonal(x23()).__iadd__(1), ValueError, "read-only"),
    ("write into diag of 2-d", lambda: lnp.diag(x23()).__setitem__(0, 1.0), ValueError,
     "read-only"),
    # split family
    ("split unequal", lambda: lnp.split(lnp.zeros(7), 2), ValueError,
     "array split does not result in an equal division"),
    ("split zero sections", lambda: lnp.array_split(lnp.zeros(7), 0), ValueError,
     "number sections must be larger than 0"),
    ("split 0-d", lambda: lnp.split(lnp.asarray(1.0), 1), ValueError, "0-d"),
    ("split axis", lambda: lnp.split(x23(), 1, axis=2), AxisError, "out of bounds"),
    ("hsplit 0-d", lambda: lnp.hsplit(lnp.asarray(1.0), 1), ValueError,
     "hsplit only works on arrays of 1 or more dimensions"),
    ("vsplit 1-d", lambda: lnp.vsplit(lnp.zeros(4), 2), ValueError,
     "vsplit only works on arrays of 2 or more dimensions"),
    ("dsplit 2-d", lambda: lnp.dsplit(x23(), 2), ValueError,
     "dsplit only works on arrays of 3 or more dimensions"),
    ("unstack 0-d", lambda: lnp.unstack(lnp.asarray(1.0)), ValueError, "at least 1-d"),
    # joining
    ("concatenate mismatch", lambda: lnp.concatenate([x23(), lnp.zeros((3, 3))], axis=1),
     ValueError, "all the input array dimensions except for the concatenation axis must "
     "match exactly, but along dimension 0, the array at index 0 has size 2 and the array at "
     "index 1 has size 3"),
    ("concatenate ndim", lambda: lnp.concatenate([x23(), lnp.zeros(3)]), ValueError,
     "all the input arrays must have same number of dimensions"),
    ("concatenate empty", lambda: lnp.concatenate([]), ValueError,
     "need at least one array to concatenate"),
    ("concatenate 0-d", lambda: lnp.concatenate([lnp.asarray(1.0), lnp.asarray(2.0)]),
     ValueError, "zero-dimensional arrays cannot be concatenated"),
    ("concatenate axis", lambda: lnp.concatenate([x23(), x23()], axis=2), AxisError,
     "axis 2 is out of bounds"),
    ("concatenate dtype casting", lambda: lnp.concatenate([x23()], dtype=np.int64),
     TypeError, "Cannot cast array data from dtype('float64') to dtype('int64') according to "
     "the rule 'same_kind'"),
    ("concatenate out and dtype",
     lambda: lnp.concatenate([x23()], out=lnp.zeros((2, 3)), dtype=np.float64), TypeError,
     "only takes `out` or `dtype`"),
    ("concatenate out shape", lambda: lnp.concatenate([x23()], out=lnp.zeros((3, 3))),
     ValueError, "non-broadcastable output"),
    ("stack shapes", lambda: lnp.stack([x23(), x23().T]), ValueError,
     "all input arrays must have the same shape"),
    ("stack empty", lambda: lnp.stack([]), ValueError, "need at least one array to stack"),
    ("stack axis", lambda: lnp.stack([x23(), x23()], axis=3), AxisError,
     "axis 3 is out of bounds for array of dimension 3"),
    ("vstack mismatch", lambda: lnp.vstack([x23(), lnp.zeros(4)]), ValueError,
     "along dimension 1"),
    ("vstack generator", lambda: lnp.vstack(a for a in [x23()]), TypeError,
     "sequence"),
    ("hstack empty", lambda: lnp.hstack([]), ValueError,
     "need at least one array to concatenate"),
    # roll, rot90, tile, repeat
    ("roll shift/axis mismatch", lambda: lnp.roll(x23(), (1, 2, 3), axis=(0, 1)),
     ValueError, "shape mismatch"),
    ("roll axis", lambda: lnp.roll(x23(), 1, axis=2), AxisError,
     "axis 2 is out of bounds for array of dimension 2"),
    ("roll float shift", lambda: lnp.roll(x23(), 1.5), TypeError, "must be an integer"),
    ("rot90 one axis", lambda: lnp.rot90(x23(), axes=(0,)), ValueError,
     "len(axes) must be 2."),
    ("rot90 same axes", lambda: lnp.rot90(x23(), axes=(1, -1)), ValueError,
     "Axes must be different."),
    ("rot90 1-d", lambda: lnp.rot90(lnp.zeros(3)), ValueError, "Axes must be different."),
    ("rot90 axes out of range", lambda: lnp.rot90(x23(), axes=(0, 5)), ValueError,
     "Axes=(0, 5) out of range for array of ndim=2."),
    ("tile negative", lambda: lnp.tile(x23(), (2, -1)), ValueError,
     "negative dimensions are not allowed"),
    ("repeat negative", lambda: lnp.repeat(x23(), [1, -2, 1], axis=1), ValueError,
     "repeats may not contain negative values"),
    ("repeat length", lambda: lnp.repeat(x23(), [1, 2], axis=1), ValueError,
     "could not be broadcast together with shape (3,) (2,)"),
    ("repeat 2-d counts", lambda: lnp.repeat(x23(), [[1]]), ValueError, "1-D"),
    # NumPy truncates a list of floats with int() but refuses an array of them
    ("repeat float counts", lambda: lnp.repeat(x23(), lnp.asarray([1.5])), TypeError,
     "cannot cast"),
    ("repeat axis", lambda: lnp.repeat(x23(), 2, axis=-3), AxisError, "out of bounds"),
    # pad
    ("pad negative", lambda: lnp.pad(x23(), -1), ValueError,
     "index can't contain negative values"),
    ("pad float width", lambda: lnp.pad(x23(), 1.5), TypeError,
     "`pad_width` must be of integral type."),
    ("pad width shape", lambda: lnp.pad(x23(), ((1, 2), (3, 4), (5, 6))), ValueError,
     "cannot be broadcast to (2, 2)"),
    ("pad mode", lambda: lnp.pad(x23(), 1, mode="foo"), ValueError,
     "mode 'foo' is not supported"),
    ("pad unsupported NumPy mode", lambda: lnp.pad(x23(), 1, mode="mean"), ValueError,
     "lamina supports"),
    ("pad kwargs", lambda: lnp.pad(x23(), 1, mode="edge", constant_values=3), ValueError,
     "unsupported keyword arguments for mode 'edge'"),
    ("pad empty axis", lambda: lnp.pad(lnp.zeros((0, 3)), 1, mode="edge"), ValueError,
     "can't extend empty axis 0 using modes other than 'constant' or 'empty'"),
    ("pad odd reflect", lambda: lnp.pad(x23(), 1, mode="reflect", reflect_type="odd"),
     ValueError, "reflect_type='odd' is not supported"),
    # triangles and diagonals
    ("tril 0-d", lambda: lnp.tril(lnp.asarray(1.0)), TypeError, "at least one dimension"),
    ("triu float k", lambda: lnp.triu(x23(), 1.5), TypeError, "must be an integer"),
    ("diag 3-d", lambda: lnp.diag(lnp.zeros((2, 2, 2))), ValueError,
     "Input must be 1- or 2-d."),
    ("trace 1-d", lambda: lnp.trace(lnp.zeros(3)), ValueError,
     "at least two dimensions"),
    # take and friends
    ("take out of bounds", lambda: lnp.take(x23(), [10]), IndexError,
     "index 10 is out of bounds for axis 0 with size 6"),
    ("take int out of bounds", lambda: lnp.take(x23(), -4, axis=1), IndexError,
     "index -4 is out of bounds for axis 1 with size 3"),
    ("take float indices", lambda: lnp.take(x23(), np.array([1.5])), TypeError,
     "integer array"),
    ("take empty axis", lambda: lnp.take(lnp.zeros((0, 2)), [0], axis=0), IndexError,
     "cannot do a non-empty take from an empty axes."),
    ("take mode", lambda: lnp.take(x23(), [0], mode="foo"), ValueError,
     "clipmode must be one of 'clip', 'raise', or 'wrap'"),
    ("take axis", lambda: lnp.take(x23(), [0], axis=2), AxisError, "out of bounds"),
    ("take_along_axis ndim", lambda: lnp.take_along_axis(x23(), np.array([0]), axis=1),
     ValueError, "`indices` and `arr` must have the same number of dimensions"),
    ("take_along_axis float", lambda: lnp.take_along_axis(x23(), np.array([[0.0]]), axis=1),
     IndexError, "`indices` must be an integer array"),
    ("take_along_axis axis None",
     lambda: lnp.take_along_axis(x23(), np.array([[0, 1]]), axis=None), ValueError,
     "when axis=None, `indices` must have a single dimension."),
    ("take_along_axis bounds", lambda: lnp.take_along_axis(x23(), np.array([[3]]), axis=1),
     IndexError, "index 3 is out of bounds for axis 1 with size 3"),
    ("take_along_axis shapes",
     lambda: lnp.take_along_axis(x23(), np.zeros((3, 1), dtype=int), axis=1), ValueError,
     "shape mismatch"),
    ("take_along_axis axis", lambda: lnp.take_along_axis(x23(), np.array([[0]]), axis=5),
     AxisError, "axis 5 is out of bounds for array of dimension 2"),
    ("put_along_axis on NumPy array",
     lambda: lnp.put_along_axis(np.zeros((2, 3)), np.array([[0]]), 1.0, axis=1), TypeError,
     "must be a lamina Tensor"),
    ("put_along_axis values shape",
     lambda: lnp.put_along_axis(x23(), np.array([[0, 1]]), lnp.zeros((3, 3)), axis=1),
     ValueError, "could not be broadcast to indexing result of shape (2, 2)"),
    ("put_along_axis read-only",
     lambda: lnp.put_along_axis(lnp.broadcast_to(lnp.zeros(3), (2, 3)), np.array([[0]]), 1.0,
                                axis=1), ValueError, "read-only"),
    # sorting and searching
    ("sort order", lambda: lnp.sort(x23(), order="x"), ValueError,
     "Cannot specify order when the array has no fields."),
    ("sort kind", lambda: lnp.sort(x23(), kind="foo"), ValueError,
     "sort kind must be one of 'quick', 'heap', or 'stable' (got 'foo')"),
    ("sort axis", lambda: lnp.sort(x23(), axis=2), AxisError,
     "axis 2 is out of bounds for array of dimension 2"),
    ("sort 0-d", lambda: lnp.sort(lnp.asarray(1.0)), AxisError,
     "axis -1 is out of bounds for array of dimension 0"),
    ("argsort axis", lambda: lnp.argsort(x23(), axis=-3), AxisError, "out of bounds"),
    ("searchsorted side", lambda: lnp.searchsorted(lnp.zeros(3), 1.0, side="foo"),
     ValueError, "side must be 'left' or 'right' (got 'foo')"),
    ("searchsorted 2-d", lambda: lnp.searchsorted(x23(), 1.0), ValueError, "must be 1-D"),
    ("searchsorted sorter size",
     lambda: lnp.searchsorted(lnp.zeros(3), 1.0, sorter=[0, 1]), ValueError,
     "sorter.size must equal a.size"),
    ("searchsorted sorter float",
     lambda: lnp.searchsorted(lnp.zeros(3), 1.0, sorter=[0.0, 1.0, 2.0]), TypeError,
     "sorter must only contain integers"),
    ("nonzero 0-d", lambda: lnp.nonzero(lnp.asarray(1.0)), ValueError,
     "Calling nonzero on 0d arrays is not allowed"),
]


@pytest.mark.parametrize("name, call, error, fragment", CASES, ids=[c[0] for c in CASES])
def test_error(name, call, error, fragment):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, LaminaError), f"{name}: raised {type(info.value)}, not lamina's"
    assert fragment in str(info.value), f"{name}: {info.value}"


def test_axis_errors_are_numpys():
    with pytest.raises(np.exceptions.AxisError):
        lnp.moveaxis(x23(), 0, 2)


def test_failed_write_leaves_tensor_unchanged():
    x = x23()
    with pytest.raises(ValueError):
        lnp.put_along_axis(x, np.array([[0, 1]]), lnp.zeros((3, 3)), axis=1)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


def test_pad_with_a_tracked_constant_values_tensor_differentiates_the_fill():
    import lamina as lm

    x = lm.asarray([1.0, 2.0])
    # It raised (the fills are the pad kernel's static params); now the fill is differentiated
    # (issue 14, NOTE [tensor fill values]).
    assert lm.grad(lambda c: lnp.sum(lnp.pad(x, 1, constant_values=c)))(lm.asarray(3.0)).item(
    ) == 2.0
    # The rewrite the error suggested gives the same.
    def padded(c):
        mask = lnp.pad(lnp.ones_like(x, dtype=bool), 1)
        return lnp.sum(lnp.where(mask, lnp.pad(x, 1), c))

    assert lm.grad(padded)(lm.asarray(3.0)).item() == 2.0
