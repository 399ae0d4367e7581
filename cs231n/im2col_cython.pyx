# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col / col2im kernels behind the fast convolution layers.

Build with ``pip install -e .`` (or ``python setup.py build_ext --inplace``)
from the repository root.

Column layout (shared with :mod:`cs231n.im2col`)
------------------------------------------------
For an input ``x`` of shape (N, C, H, W), a filter window of
``field_height x field_width``, zero padding ``padding`` and stride ``stride``:

* H' = 1 + (H + 2 * padding - field_height) // stride, likewise W'.
* ``cols`` has shape (C * field_height * field_width, N * H' * W').
* Row ``(c * field_height + ii) * field_width + jj`` holds input channel ``c``
  at window offset (ii, jj).
* Column ``(yy * W' + xx) * N + n`` holds output position (yy, xx) of image
  ``n``: the image index varies fastest.

All kernels accept float32 or float64 and return arrays of the input dtype.
"""
import numpy as np

cimport cython
from cython cimport floating


cdef Py_ssize_t _out_size(str axis, Py_ssize_t size, Py_ssize_t field,
                          Py_ssize_t padding, Py_ssize_t stride) except -1:
    """Output length along one axis; ValueError if the window does not tile."""
    if stride < 1 or padding < 0 or field < 1:
        raise ValueError(
            f"need stride >= 1, padding >= 0 and a field size >= 1; "
            f"got stride={stride}, padding={padding}, field_{axis}={field}")
    if size + 2 * padding < field:
        raise ValueError(
            f"the {field}-wide window does not fit: {axis} + 2*padding = "
            f"{size} + 2*{padding} < {field}")
    if (size + 2 * padding - field) % stride != 0:
        raise ValueError(
            f"windows do not tile the {axis}: ({axis} + 2*padding - field) must be "
            f"divisible by stride, got ({size} + 2*{padding} - {field}) % {stride} = "
            f"{(size + 2 * padding - field) % stride}")
    return (size + 2 * padding - field) // stride + 1


def im2col_cython(const floating[:, :, :, :] x, int field_height, int field_width,
                  int padding, int stride):
    """Unroll every receptive field of ``x`` into a column.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W), float32 or float64
    field_height, field_width : int
        Window size (HH, WW).
    padding : int
        Zero padding on each side.
    stride : int

    Returns
    -------
    cols : ndarray of shape (C * HH * WW, N * H' * W'), dtype of ``x``
        Laid out as described in the module docstring.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t HH = field_height, WW = field_width, p = padding, s = stride
    cdef Py_ssize_t Ho = _out_size("height", H, HH, p, s)
    cdef Py_ssize_t Wo = _out_size("width", W, WW, p, s)
    dtype = np.float32 if floating is float else np.float64
    cols_arr = np.empty((C * HH * WW, N * Ho * Wo), dtype=dtype)
    cdef floating[:, ::1] cols = cols_arr
    cdef Py_ssize_t c, ii, jj, row, yy, xx, n, h, w, col
    with nogil:
        for c in range(C):
            for ii in range(HH):
                for jj in range(WW):
                    row = (c * HH + ii) * WW + jj
                    for yy in range(Ho):
                        h = yy * s + ii - p
                        for xx in range(Wo):
                            w = xx * s + jj - p
                            col = (yy * Wo + xx) * N
                            if 0 <= h < H and 0 <= w < W:
                                for n in range(N):
                                    cols[row, col + n] = x[n, c, h, w]
                            else:
                                for n in range(N):
                                    cols[row, col + n] = 0
    return cols_arr


def col2im_cython(const floating[:, :] cols, int N, int C, int H, int W,
                  int field_height, int field_width, int padding, int stride):
    """Adjoint of :func:`im2col_cython`: scatter-add columns back into an image.

    Parameters
    ----------
    cols : ndarray of shape (C * HH * WW, N * H' * W'), float32 or float64
    N, C, H, W : int
        Shape of the image the columns came from.
    field_height, field_width, padding, stride : int
        As given to :func:`im2col_cython`.

    Returns
    -------
    x : ndarray of shape (N, C, H, W), dtype of ``cols``
        Overlapping windows are summed; padding is dropped.
    """
    cdef Py_ssize_t HH = field_height, WW = field_width, p = padding, s = stride
    cdef Py_ssize_t Ho = _out_size("height", H, HH, p, s)
    cdef Py_ssize_t Wo = _out_size("width", W, WW, p, s)
    if cols.shape[0] != C * HH * WW or cols.shape[1] != N * Ho * Wo:
        raise ValueError(
            f"cols has shape ({cols.shape[0]}, {cols.shape[1]}) but N={N}, C={C}, "
            f"H={H}, W={W}, field {HH}x{WW}, padding={p}, stride={s} need "
            f"({C * HH * WW}, {N * Ho * Wo})")
    dtype = np.float32 if floating is float else np.float64
    x_arr = np.zeros((N, C, H, W), dtype=dtype)
    cdef floating[:, :, :, ::1] x = x_arr
    cdef Py_ssize_t c, ii, jj, row, yy, xx, n, h, w, col
    with nogil:
        for c in range(C):
            for ii in range(HH):
                for jj in range(WW):
                    row = (c * HH + ii) * WW + jj
                    for yy in range(Ho):
                        h = yy * s + ii - p
                        if h < 0 or h >= H:
                            continue
                        for xx in range(Wo):
                            w = xx * s + jj - p
                            if w < 0 or w >= W:
                                continue
                            col = (yy * Wo + xx) * N
                            for n in range(N):
                                x[n, c, h, w] += cols[row, col + n]
    return x_arr


def col2im_6d_cython(const floating[:, :, :, :, :, :] cols, int N, int C, int H, int W,
                     int HH, int WW, int pad, int stride):
    """Scatter-add a 6-D column tensor back into an image.

    This is the backward step of the strided convolution, whose columns are
    indexed by (channel, window row, window column, image, output row,
    output column).

    Parameters
    ----------
    cols : ndarray of shape (C, HH, WW, N, H', W'), float32 or float64
    N, C, H, W : int
        Shape of the image.
    HH, WW, pad, stride : int
        Window size, zero padding and stride.

    Returns
    -------
    x : ndarray of shape (N, C, H, W), dtype of ``cols``
    """
    cdef Py_ssize_t p = pad, s = stride
    cdef Py_ssize_t Ho = _out_size("height", H, HH, p, s)
    cdef Py_ssize_t Wo = _out_size("width", W, WW, p, s)
    cdef tuple want = (C, HH, WW, N, Ho, Wo)
    cdef tuple got = tuple([cols.shape[k] for k in range(6)])
    if got != want:
        raise ValueError(f"cols has shape {got}, expected (C, HH, WW, N, H', W') = {want}")
    dtype = np.float32 if floating is float else np.float64
    x_arr = np.zeros((N, C, H, W), dtype=dtype)
    cdef floating[:, :, :, ::1] x = x_arr
    cdef Py_ssize_t c, ii, jj, yy, xx, n, h, w
    with nogil:
        for c in range(C):
            for ii in range(HH):
                for jj in range(WW):
                    for n in range(N):
                        for yy in range(Ho):
                            h = yy * s + ii - p
                            if h < 0 or h >= H:
                                continue
                            for xx in range(Wo):
                                w = xx * s + jj - p
                                if 0 <= w < W:
                                    x[n, c, h, w] += cols[c, ii, jj, n, yy, xx]
    return x_arr
