"""Errors users hit in the linear-algebra functions: type, and a fragment of the message
(NumPy's wording where NumPy has one)."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as lm
import lamina.numpy as lnp

LinAlgError = np.linalg.LinAlgError


def ones(*shape, dtype=float):
    return lnp.ones(shape, dtype=dtype)


# -- matmul and the products ---------------------------------------------------------------------

def test_matmul_rejects_scalars():
    with pytest.raises(ValueError, match=r"matmul: Input operand 0 does not have enough "
                                         r"dimensions \(has 0, gufunc core with signature"):
        lnp.matmul(2.0, ones(3))
    with pytest.raises(ValueError, match="Input operand 1 does not have enough dimensions"):
        lnp.matmul(ones(3), 2.0)


def test_matmul_core_mismatch_has_numpys_message():
    msg = (r"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
           r"signature \(n\?,k\),\(k,m\?\)->\(n\?,m\?\) \(size 4 is different from 3\)")
    with pytest.raises(ValueError, match=msg):
        lnp.matmul(ones(2, 3), ones(4, 5))
    with pytest.raises(ValueError, match=msg):
        ones(2, 3) @ ones(4, 5)
    with pytest.raises(ValueError, match=r"size 4 is different from 3"):
        ones(2, 4, 3) @ ones(4)


def test_matmul_batch_dims_must_broadcast():
    with pytest.raises(ValueError, match="operands could not be broadcast together with "
                                         "remapped shapes"):
        ones(2, 2, 3) @ ones(3, 3, 4)


def test_matmul_dtype_casting():
    with pytest.raises(TypeError, match=r"Cannot cast ufunc 'matmul' input 0 from "
                                        r"dtype\('float64'\) to dtype\('int64'\)"):
        lnp.matmul(ones(2, 2), ones(2, 2), dtype=np.int64)


def test_matmul_inplace_operator():
    a = lnp.eye(2) if hasattr(lnp, "eye") else lnp.asarray(np.eye(2))
    b = lnp.asarray([[1.0, 2.0], [3.0, 4.0]])
    a @= b
    np.testing.assert_array_equal(a.numpy(), [[1.0, 2.0], [3.0, 4.0]])


def test_dot_and_inner_not_aligned():
    with pytest.raises(ValueError, match=r"shapes \(2,3\) and \(4,5\) not aligned: 3 \(dim 1\) "
                                         r"!= 4 \(dim 0\)"):
        lnp.dot(ones(2, 3), ones(4, 5))
    with pytest.raises(ValueError, match=r"not aligned: 3 \(dim 1\) != 4 \(dim 1\)"):
        lnp.dot(ones(2, 3), ones(2, 4, 5))
    with pytest.raises(ValueError, match=r"inner: shapes \(2,3\) and \(4,\) not aligned"):
        lnp.inner(ones(2, 3), ones(4))


def test_dot_out_must_match():
    with pytest.raises(ValueError, match="output array is not acceptable"):
        lnp.dot(ones(2, 3), ones(3), out=lnp.zeros(3))
    out = lnp.zeros(2)
    assert lnp.dot(ones(2, 3), ones(3), out=out) is out
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0])


def test_vdot_sizes():
    with pytest.raises(ValueError, match="vdot: the inputs have 3 and 4 elements"):
        lnp.vdot(ones(3), ones(4))


def test_tensordot_errors():
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        lnp.tensordot(ones(2, 3), ones(4, 5), axes=1)
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        lnp.tensordot(ones(2, 3), ones(3, 5), axes=([1], [0, 1]))
    with pytest.raises(ValueError, match="duplicate axes are not allowed in tensordot"):
        lnp.tensordot(ones(3, 3), ones(3, 3), axes=([0, 0], [0, 1]))
    with pytest.raises(IndexError, match="out of bounds"):  # AxisError is an IndexError too
        lnp.tensordot(ones(2, 3), ones(3, 5), axes=([2], [0]))
    with pytest.raises(ValueError, match="axes must be an integer or a pair"):
        lnp.tensordot(ones(2, 3), ones(3, 5), axes=([1], [0], [0]))


def test_cross_errors_and_deprecated_2d_vectors():
    with pytest.raises(ValueError, match=r"incompatible dimensions for cross product\n"
                                         r"\(dimension must be 2 or 3\)"):
        lnp.cross(ones(4), ones(3))
    with pytest.warns(DeprecationWarning, match="Arrays of 2-dimensional vectors are deprecated"):
        z = lnp.cross(lnp.asarray([1.0, 2.0]), lnp.asarray([3.0, 4.0]))
    assert z.item() == -2.0
    with pytest.warns(DeprecationWarning):
        c = lnp.cross(lnp.asarray([1.0, 2.0]), lnp.asarray([3.0, 4.0, 5.0]))
    with pytest.warns(DeprecationWarning):
        expected = np.cross([1.0, 2.0], [3.0, 4.0, 5.0])
    np.testing.assert_allclose(c.numpy(), expected)
    with pytest.raises(ValueError, match="Both input arrays must be .arrays of. 3-dimensional "
                                         "vectors, but they are 2 and 2 dimensional instead"):
        lnp.linalg.cross(ones(2), ones(2))
    with pytest.raises(np.exceptions.AxisError, match="axis 3 is out of bounds"):
        lnp.cross(ones(4, 3), ones(4, 3), axisa=3)
    with pytest.raises(TypeError, match="not supported for inputs of dtype"):
        lnp.cross(ones(3, dtype=bool), ones(3, dtype=bool))


def test_vecdot_errors():
    with pytest.raises(ValueError, match=r"vecdot: Input operand 1 has a mismatch in its core "
                                         r"dimension 0, with gufunc signature \(n\),\(n\)->\(\) "
                                         r"\(size 4 is different from 3\)"):
        lnp.vecdot(ones(2, 3), ones(4))
    with pytest.raises(ValueError, match="Input operand 0 does not have enough dimensions"):
        lnp.vecdot(lnp.asarray(1.0), ones(4))


def test_linalg_outer_needs_vectors():
    with pytest.raises(ValueError, match="Input arrays must be one-dimensional, but they are "
                                         "x1.ndim=2 and x2.ndim=1"):
        lnp.linalg.outer(ones(2, 2), ones(3))


# -- einsum ------------------------------------------------------------------------------------

@pytest.mark.parametrize("subscripts, shapes, fragment", [
    ("ijk", [(2, 3)], "contains too many subscripts for operand 0"),
    ("i", [(2, 3)], "operand has more dimensions than subscripts given in einstein sum, but no "
                    "'...' ellipsis provided"),
    ("i1", [(2, 3)], "invalid subscript '1' in einstein sum subscripts string, subscripts must "
                     "be letters"),
    ("i->->i", [(2,)], "invalid subscript '-'"),
    ("i.->i", [(2,)], "contains a '.' that is not part of an ellipsis"),
    ("ij->ii", [(2, 3)], "includes output subscript 'i' multiple times"),
    ("ij->k", [(2, 3)], "included output subscript 'k' which never appeared in an input"),
    ("ij,jk", [(2, 3)], "fewer operands provided to einstein sum function"),
    ("ij", [(2, 3), (3,)], "more operands provided to einstein sum function"),
    ("ii->i", [(2, 3)], "dimensions in single operand for collapsing index 'i' don't match "
                        "(2 != 3)"),
    ("ij,jk", [(2, 3), (4, 5)], "operands could not be broadcast together: subscript 'j' has "
                                "size 3 in operand 0 and size 4 in operand 1"),
    ("...i->i", [(2, 3)], "output has more dimensions than subscripts given in einstein sum, "
                          "but no '...' ellipsis provided"),
    ("...i,...i->...", [(2, 4, 3), (5, 3)], "operands could not be broadcast together"),
])
def test_einsum_errors(subscripts, shapes, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.")):
        lnp.einsum(subscripts, *[ones(*s) for s in shapes])


def test_einsum_argument_errors():
    with pytest.raises(ValueError, match="at least one operand"):
        lnp.einsum()
    with pytest.raises(ValueError, match=r"subscript is not within the valid range \[0, 52\)"):
        lnp.einsum(ones(2, 3), [0, 52])
    with pytest.raises(TypeError, match="with casting rule 'safe'"):
        lnp.einsum("i,i", ones(3, dtype=np.int32), ones(3, dtype=np.int32), dtype=np.float32)


def test_einsum_canonical_subscripts_share_one_cache_entry():
    from lamina.ops.linalg import einsum_plan

    a = einsum_plan("ij,jk", ((2, 3), (3, 4)))[0]
    b = einsum_plan("xy,yz->xz", ((2, 3), (3, 4)))[0]
    c = einsum_plan("...j,jk", ((2, 3), (3, 4)))[0]
    assert a == b == c == "ab,bc->ac"


# -- lnp.linalg shapes and dtypes --------------------------------------------------------------

@pytest.mark.parametrize("fn", [lnp.linalg.inv, lnp.linalg.det, lnp.linalg.slogdet,
                                lnp.linalg.cholesky, lnp.linalg.eigh, lnp.linalg.eigvalsh,
                                lambda a: lnp.linalg.matrix_power(a, 2),
                                lambda a: lnp.linalg.solve(a, ones(2))])
def test_square_matrices_required(fn):
    with pytest.raises(LinAlgError, match="Last 2 dimensions of the array must be square, but "
                                          r"the input has shape \(2, 3\)"):
        fn(ones(2, 3))
    with pytest.raises(ValueError, match="1-dimensional array given. Array must be at least "
                                         "two-dimensional"):
        fn(ones(3))


def test_linalg_errors_are_numpy_linalg_errors():
    with pytest.raises(LinAlgError) as info:
        lnp.linalg.inv(ones(2, 3))
    assert isinstance(info.value, lm.LaminaError)
    assert isinstance(info.value, ValueError)
    assert lnp.linalg.LinAlgError is np.linalg.LinAlgError


@pytest.mark.parametrize("fn", [lnp.linalg.svd, lnp.linalg.qr, lnp.linalg.pinv,
                                lnp.linalg.svdvals])
def test_stacked_matrices_required(fn):
    with pytest.raises(LinAlgError, match="1-dimensional array given"):
        fn(ones(3))


def test_float16_is_unsupported():
    with pytest.raises(TypeError, match="array type float16 is unsupported in linalg"):
        lnp.linalg.inv(ones(2, 2, dtype=np.float16))


def test_solve_shape_errors():
    with pytest.raises(ValueError, match=r"Input operand 1 has a mismatch in its core dimension "
                                         r"0, with gufunc signature \(m,m\),\(m\)->\(m\) "
                                         r"\(size 3 is different from 2\)"):
        lnp.linalg.solve(lnp.asarray(np.eye(2)), ones(3))
    # NumPy 2: b of ndim >= 2 is a stack of matrices, never a stack of vectors.
    with pytest.raises(ValueError, match=r"\(m,m\),\(m,n\)->\(m,n\) \(size 5 is different "
                                         r"from 2\)"):
        lnp.linalg.solve(ones(5, 2, 2), ones(5, 2))
    with pytest.raises(ValueError, match="Input operand 1 does not have enough dimensions"):
        lnp.linalg.solve(lnp.asarray(np.eye(2)), lnp.asarray(1.0))
    with pytest.raises(ValueError, match="could not be broadcast together"):
        lnp.linalg.solve(ones(3, 2, 2), ones(4, 2, 1))


def test_keyword_errors():
    with pytest.raises(ValueError, match="UPLO argument must be 'L' or 'U'"):
        lnp.linalg.eigh(ones(2, 2), UPLO="x")
    with pytest.raises(ValueError, match="Unrecognized mode 'bad'"):
        lnp.linalg.qr(ones(2, 2), mode="bad")
    with pytest.raises(ValueError, match="mode 'raw'"):
        lnp.linalg.qr(ones(2, 2), mode="raw")
    with pytest.raises(TypeError, match="exponent must be an integer"):
        lnp.linalg.matrix_power(ones(2, 2), 1.5)
    with pytest.raises(ValueError, match="`rtol` and `rcond` can't be both set"):
        lnp.linalg.pinv(ones(2, 2), rcond=1e-3, rtol=1e-3)


def test_norm_errors():
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        lnp.linalg.norm(ones(3), "fro")
    with pytest.raises(ValueError, match="Invalid norm order for matrices"):
        lnp.linalg.norm(ones(2, 3), 3)
    with pytest.raises(ValueError, match="Improper number of dimensions to norm"):
        lnp.linalg.norm(ones(2, 3, 4), axis=(0, 1, 2))
    with pytest.raises(ValueError, match="Duplicate axes given"):
        lnp.linalg.norm(ones(2, 3, 4), axis=(0, -3))
    with pytest.raises(TypeError, match="'axis' must be None, an integer or a tuple of integers"):
        lnp.linalg.norm(ones(2, 3), axis=[0])
    with pytest.raises(np.exceptions.AxisError):
        lnp.linalg.matrix_norm(ones(3))


def test_lstsq_and_multi_dot_errors():
    with pytest.raises(LinAlgError, match="3-dimensional array given. Array must be "
                                          "two-dimensional"):
        lnp.linalg.lstsq(ones(2, 4, 3), ones(4))
    with pytest.raises(LinAlgError, match="Incompatible dimensions"):
        lnp.linalg.lstsq(ones(4, 3), ones(5))
    with pytest.raises(ValueError, match="Expecting at least two arrays"):
        lnp.linalg.multi_dot([ones(3)])
    with pytest.raises(LinAlgError, match="3-dimensional array given"):
        lnp.linalg.multi_dot([ones(3), ones(3, 3, 3), ones(3)])


# -- errors only the kernel can see (NOTE [singular matrices]) -------------------------------------

def test_singular_matrix_raises_at_evaluation_when_lazy():
    singular = lnp.ones((2, 2))
    result = lnp.linalg.inv(singular)  # lazy: nothing has run yet
    with pytest.raises(LinAlgError, match="Singular matrix"):
        result.numpy()
    # The failure leaves the backend usable.
    np.testing.assert_array_equal(lnp.linalg.inv(lnp.asarray(np.eye(2) * 2)).numpy(),
                                  np.eye(2) / 2)


def test_singular_matrix_raises_at_the_call_when_eager():
    with lm.config.override(eager=True):
        with pytest.raises(LinAlgError, match="Singular matrix"):
            lnp.linalg.solve(lnp.ones((2, 2)), lnp.ones(2))
        with pytest.raises(LinAlgError, match="Matrix is not positive definite"):
            lnp.linalg.cholesky(-lnp.asarray(np.eye(2)))


def test_einsum_path_needs_no_evaluation():
    import lamina.lazy as lazy

    a, b, c = lnp.ones((2, 3)) * 2, lnp.ones((3, 4)), lnp.ones((4, 5))
    before = lazy.metrics()["executions"]
    path = lnp.einsum_path("ij,jk,kl->il", a, b, c)[0]
    assert path == np.einsum_path("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)),
                                  np.ones((4, 5)))[0]
    assert lazy.metrics()["executions"] == before
