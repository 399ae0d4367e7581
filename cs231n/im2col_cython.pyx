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


# ---------------------------------------------------------------------------------------------
# Kernels behind cs231n/fast_layers.py. They write into buffers the caller passes in (reused
# between calls: fresh multi-megabyte arrays cost page faults on every call) and work on
# C-contiguous arrays. They are single-threaded on purpose: the matrix products between them run
# on every core through BLAS, and OpenMP loops here were measured to fight BLAS's threads for the
# cores (up to 4x slower on 2 cores when another OpenMP runtime, e.g. PyTorch's, is loaded).
#
# "Image-major" columns: for x of shape (N, C, H, W) the columns have shape (C*HH*WW, N*H'*W'),
# row (c*HH + ii)*WW + jj, column n*H'*W' + yy*W' + xx. With the image index slowest, the product
# W (F, C*HH*WW) @ cols is (F, N, H'*W') and each row segment is a contiguous run of an input row.

from libc.string cimport memset


cdef inline Py_ssize_t _window_lo(Py_ssize_t jj, Py_ssize_t p, Py_ssize_t s, Py_ssize_t Wo) noexcept nogil:
    """First output column xx whose input column xx*s + jj - p is >= 0."""
    cdef Py_ssize_t a = p - jj
    cdef Py_ssize_t lo = 0 if a <= 0 else (a + s - 1) // s
    return lo if lo < Wo else Wo


cdef inline Py_ssize_t _window_hi(Py_ssize_t jj, Py_ssize_t p, Py_ssize_t s, Py_ssize_t W,
                                  Py_ssize_t Wo) noexcept nogil:
    """One past the last output column xx whose input column xx*s + jj - p is < W."""
    cdef Py_ssize_t last = W - 1 + p - jj
    cdef Py_ssize_t hi = last // s + 1 if last >= 0 else 0
    return hi if hi < Wo else Wo


def im2col_image_major(const floating[:, :, :, ::1] x, int HH, int WW, int pad, int stride,
                       floating[:, ::1] cols):
    """Fill ``cols`` (C*HH*WW, N*H'*W') with the image-major columns of ``x`` (N, C, H, W)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t p = pad, s = stride
    cdef Py_ssize_t Ho = _out_size("height", H, HH, p, s)
    cdef Py_ssize_t Wo = _out_size("width", W, WW, p, s)
    cdef Py_ssize_t P = Ho * Wo
    if cols.shape[0] != C * HH * WW or cols.shape[1] != N * P:
        raise ValueError(f"cols has shape ({cols.shape[0]}, {cols.shape[1]}), expected ({C * HH * WW}, {N * P})")
    cdef Py_ssize_t c, ii, jj, n, yy, xx, h, row, lo, hi, off
    cdef floating *dst
    cdef const floating *src
    with nogil:
        for c in range(C):
            for ii in range(HH):
                for jj in range(WW):
                    row = (c * HH + ii) * WW + jj
                    lo = _window_lo(jj, p, s, Wo)
                    hi = _window_hi(jj, p, s, W, Wo)
                    if lo > hi:
                        lo = hi
                    off = jj - p
                    for n in range(N):
                        for yy in range(Ho):
                            dst = &cols[row, n * P + yy * Wo]
                            h = yy * s + ii - p
                            if h < 0 or h >= H:
                                memset(dst, 0, Wo * sizeof(floating))
                                continue
                            src = &x[n, c, h, 0]
                            for xx in range(lo):
                                dst[xx] = 0
                            if s == 1:
                                for xx in range(lo, hi):
                                    dst[xx] = src[xx + off]
                            else:
                                for xx in range(lo, hi):
                                    dst[xx] = src[xx * s + off]
                            for xx in range(hi, Wo):
                                dst[xx] = 0
    return cols


def col2im_image_major(const floating[:, ::1] cols, floating[:, :, :, ::1] dx, int HH, int WW,
                       int pad, int stride):
    """Scatter-add image-major columns into ``dx`` (N, C, H, W), which is zeroed first."""
    cdef Py_ssize_t N = dx.shape[0], C = dx.shape[1], H = dx.shape[2], W = dx.shape[3]
    cdef Py_ssize_t p = pad, s = stride
    cdef Py_ssize_t Ho = _out_size("height", H, HH, p, s)
    cdef Py_ssize_t Wo = _out_size("width", W, WW, p, s)
    cdef Py_ssize_t P = Ho * Wo
    if cols.shape[0] != C * HH * WW or cols.shape[1] != N * P:
        raise ValueError(f"cols has shape ({cols.shape[0]}, {cols.shape[1]}), expected ({C * HH * WW}, {N * P})")
    cdef Py_ssize_t c, ii, jj, n, yy, xx, h, row, lo, hi, off
    cdef const floating *src
    cdef floating *dst
    with nogil:
        for c in range(C):
            for n in range(N):
                memset(&dx[n, c, 0, 0], 0, H * W * sizeof(floating))
            for ii in range(HH):
                for jj in range(WW):
                    row = (c * HH + ii) * WW + jj
                    lo = _window_lo(jj, p, s, Wo)
                    hi = _window_hi(jj, p, s, W, Wo)
                    if lo > hi:
                        lo = hi
                    off = jj - p
                    for n in range(N):
                        for yy in range(Ho):
                            h = yy * s + ii - p
                            if h < 0 or h >= H:
                                continue
                            src = &cols[row, n * P + yy * Wo]
                            dst = &dx[n, c, h, 0]
                            if s == 1:
                                for xx in range(lo, hi):
                                    dst[xx + off] += src[xx]
                            else:
                                for xx in range(lo, hi):
                                    dst[xx * s + off] += src[xx]
    return dx


def max_pool_forward_direct(const floating[:, :, :, ::1] x, int pool_height, int pool_width, int stride,
                            floating[:, :, :, ::1] out, int[:, :, :, ::1] argmax):
    """Max over every window; ``argmax`` gets the flat index h*W + w of the first maximum
    (row-major order within the window)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t ph = pool_height, pw = pool_width, s = stride
    if ph < 1 or pw < 1 or s < 1 or ph > H or pw > W:
        raise ValueError(f"need 1 <= pool_height <= H, 1 <= pool_width <= W and stride >= 1; got pool "
                         f"{ph}x{pw}, stride {s} for H={H}, W={W}")
    # windows that do not fit at the bottom/right edge are dropped, as in the naive layer
    cdef Py_ssize_t Ho = (H - ph) // s + 1
    cdef Py_ssize_t Wo = (W - pw) // s + 1
    if (out.shape[0], out.shape[1], out.shape[2], out.shape[3]) != (N, C, Ho, Wo):
        raise ValueError(f"out has the wrong shape, expected {(N, C, Ho, Wo)}")
    cdef Py_ssize_t plane, n, c, yy, xx, i, j, h0, w0, best_idx
    cdef floating best, v
    with nogil:
        for plane in range(N * C):
            n = plane // C
            c = plane % C
            for yy in range(Ho):
                h0 = yy * s
                for xx in range(Wo):
                    w0 = xx * s
                    best = x[n, c, h0, w0]
                    best_idx = h0 * W + w0
                    for i in range(ph):
                        for j in range(pw):
                            v = x[n, c, h0 + i, w0 + j]
                            if v > best:
                                best = v
                                best_idx = (h0 + i) * W + w0 + j
                    out[n, c, yy, xx] = best
                    argmax[n, c, yy, xx] = <int>best_idx
    return out


def max_pool_backward_direct(const floating[:, :, :, ::1] dout, const int[:, :, :, ::1] argmax,
                             floating[:, :, :, ::1] dx):
    """Route each upstream gradient to its window's maximum; ``dx`` (N, C, H, W) is zeroed first."""
    cdef Py_ssize_t N = dx.shape[0], C = dx.shape[1], H = dx.shape[2], W = dx.shape[3]
    cdef Py_ssize_t Ho = dout.shape[2], Wo = dout.shape[3]
    if dout.shape[0] != N or dout.shape[1] != C or argmax.shape[2] != Ho or argmax.shape[3] != Wo:
        raise ValueError("dout, argmax and dx do not match")
    cdef Py_ssize_t plane, n, c, yy, xx
    cdef floating *d
    with nogil:
        for plane in range(N * C):
            n = plane // C
            c = plane % C
            d = &dx[n, c, 0, 0]
            memset(d, 0, H * W * sizeof(floating))
            for yy in range(Ho):
                for xx in range(Wo):
                    d[argmax[n, c, yy, xx]] += dout[n, c, yy, xx]
    return dx
