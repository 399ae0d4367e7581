"""im2col / col2im: the compiled kernels and the NumPy version against an independent loop reference."""
import itertools

import numpy as np
import pytest

from cs231n.im2col import col2im_indices, get_im2col_indices, im2col_indices
from cs231n.im2col_cython import col2im_6d_cython, col2im_cython, im2col_cython


def im2col_loops(x, hh, ww, pad, stride):
    """Reference written straight from the layout definition, one element at a time."""
    N, C, H, W = x.shape
    Ho = (H + 2 * pad - hh) // stride + 1
    Wo = (W + 2 * pad - ww) // stride + 1
    cols = np.zeros((C * hh * ww, N * Ho * Wo), dtype=x.dtype)
    for c, i, j, yy, xx, n in itertools.product(range(C), range(hh), range(ww), range(Ho), range(Wo), range(N)):
        h, w = yy * stride + i - pad, xx * stride + j - pad
        if 0 <= h < H and 0 <= w < W:
            cols[(c * hh + i) * ww + j, (yy * Wo + xx) * N + n] = x[n, c, h, w]
    return cols


# (N, C, H, W, HH, WW, pad, stride): non-square filters and images, strides 1-3, pads 0-2, N=1, C=1
SHAPES = [
    (2, 3, 4, 4, 3, 3, 1, 1),
    (1, 1, 5, 5, 3, 3, 0, 1),
    (2, 2, 5, 7, 3, 1, 1, 1),
    (3, 1, 6, 5, 2, 3, 0, 1),
    (2, 3, 7, 7, 3, 3, 0, 2),
    (1, 2, 8, 6, 2, 2, 0, 2),
    (2, 1, 7, 9, 1, 3, 0, 3),
    (2, 3, 6, 6, 4, 2, 1, 2),
    (1, 2, 5, 7, 3, 2, 2, 3),
    (4, 3, 5, 5, 5, 5, 2, 1),
    (2, 2, 9, 9, 3, 3, 0, 3),
    (3, 2, 4, 6, 2, 4, 2, 2),
]
DTYPES = [np.float32, np.float64]



def _cases():
    for shape in SHAPES:
        for dtype in DTYPES:
            yield pytest.param(shape, dtype, id=f"{'x'.join(map(str, shape))}-{np.dtype(dtype).name}")


CASES = list(_cases())


@pytest.mark.parametrize("shape,dtype", CASES)
def test_im2col_matches_loops(shape, dtype, rng):
    N, C, H, W, hh, ww, pad, stride = shape
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    expected = im2col_loops(x, hh, ww, pad, stride)
    got_c = im2col_cython(x, hh, ww, pad, stride)
    got_np = im2col_indices(x, hh, ww, pad, stride)
    assert got_c.dtype == dtype and got_np.dtype == dtype
    np.testing.assert_array_equal(got_c, expected)
    np.testing.assert_array_equal(got_np, expected)


@pytest.mark.parametrize("shape,dtype", CASES)
def test_col2im_is_adjoint_of_im2col(shape, dtype, rng):
    """<im2col(x), y> == <x, col2im(y)> for random x and y, for both implementations."""
    N, C, H, W, hh, ww, pad, stride = shape
    x = rng.standard_normal((N, C, H, W))
    cols_shape = im2col_loops(x, hh, ww, pad, stride).shape
    y = rng.standard_normal(cols_shape)
    lhs = np.sum(im2col_loops(x, hh, ww, pad, stride) * y)
    xc, yc = x.astype(dtype), y.astype(dtype)
    back_c = col2im_cython(yc, N, C, H, W, hh, ww, pad, stride)
    back_np = col2im_indices(yc, x.shape, hh, ww, pad, stride)
    assert back_c.dtype == dtype and back_np.dtype == dtype
    assert back_c.shape == x.shape and back_np.shape == x.shape
    tol = 1e-12 if dtype == np.float64 else 1e-4
    for back in (back_c, back_np):
        rhs = np.sum(xc.astype(np.float64) * back.astype(np.float64))
        assert abs(lhs - rhs) <= tol * (1 + abs(lhs)), (lhs, rhs)
    np.testing.assert_allclose(back_c, back_np, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,dtype", CASES)
def test_col2im_6d_matches_col2im(shape, dtype, rng):
    """The 6-D layout (C, HH, WW, N, H', W') scatters to the same image as the 2-D one."""
    N, C, H, W, hh, ww, pad, stride = shape
    Ho = (H + 2 * pad - hh) // stride + 1
    Wo = (W + 2 * pad - ww) // stride + 1
    cols6 = rng.standard_normal((C, hh, ww, N, Ho, Wo)).astype(dtype)
    # (C, HH, WW, N, H', W') -> (C*HH*WW, H'*W'*N): the 2-D layout puts N fastest
    cols2 = cols6.transpose(0, 1, 2, 4, 5, 3).reshape(C * hh * ww, Ho * Wo * N)
    got = col2im_6d_cython(cols6, N, C, H, W, hh, ww, pad, stride)
    expected = col2im_cython(np.ascontiguousarray(cols2), N, C, H, W, hh, ww, pad, stride)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_non_contiguous_input(rng):
    x = rng.standard_normal((3, 5, 6, 2)).transpose(0, 3, 1, 2)  # a (3, 2, 5, 6) view
    np.testing.assert_array_equal(im2col_cython(x, 3, 2, 1, 1), im2col_loops(x, 3, 2, 1, 1))


def test_get_im2col_indices_shapes():
    k, i, j = get_im2col_indices((2, 3, 5, 8), 3, 2, padding=1, stride=2)
    # H' = (5 + 2 - 3)//2 + 1 = 3, W' = (8 + 2 - 2)//2 + 1 = 5
    assert k.shape == (18, 1) and i.shape == (18, 15) and j.shape == (18, 15)
    assert i.dtype.kind == "i" and j.dtype.kind == "i"


@pytest.mark.parametrize("fn", [
    lambda x: im2col_cython(x, 3, 3, 0, 2),
    lambda x: im2col_indices(x, 3, 3, 0, 2),
])
def test_non_tiling_stride_is_a_clear_error(fn):
    x = np.zeros((1, 1, 6, 6))
    with pytest.raises(ValueError, match=r"divisible by stride.*\(6 \+ 2\*0 - 3\) % 2 = 1"):
        fn(x)


def test_window_larger_than_input_is_a_clear_error():
    with pytest.raises(ValueError, match="does not fit"):
        im2col_cython(np.zeros((1, 1, 2, 2)), 5, 5, 0, 1)


def test_col2im_wrong_cols_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"need \(9, 8\)"):
        col2im_cython(np.zeros((9, 7)), 2, 1, 2, 2, 3, 3, 1, 1)
    with pytest.raises(ValueError, match=r"expected \(C, HH, WW, N, H', W'\)"):
        col2im_6d_cython(np.zeros((1, 3, 3, 2, 2, 3)), 2, 1, 2, 2, 3, 3, 1, 1)
