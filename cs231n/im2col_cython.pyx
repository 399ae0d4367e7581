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


# ---------------------------------------------------------------------------------------------
# Winograd F(m x m, 3x3), m = 2 or 4: 3x3 convolutions with stride 1
#
# The output is cut into m x m tiles; tile t = (n * TH + i) * TW + j covers output rows m*i to
# m*i + m - 1 and the same columns (from m*j) of image n, and reads the a x a input patch (a = m + 2)
# whose top-left corner is (m*i - pad, m*j - pad), zero outside the image. A tile of output is
#
#     y = A^T [ sum_c (G w_fc G^T) * (B^T d_c B) ] A      (* elementwise, a x a)
#
# so the 9 m^2 multiply-adds per tile and channel of the direct method become a^2 (16 for m = 2,
# 36 for m = 4), done as a^2 matrix products (one per element of the a x a tile). The kernels below
# do the transforms; the products are numpy matmuls in cs231n/fast_layers.py, which also holds the
# matrices B^T, G, A^T of both sizes (Lavin & Gray, 2016). Transformed arrays are (a^2, channels,
# tiles): element k = a*r + s of the a x a tile, then channel, then tile. The kernels read the tile
# size from that first axis: 16 means F(2x2, 3x3), 36 means F(4x4, 3x3).
#
# Each 2-D transform is a 1-D transform applied to every column of the tile, then to every row:
# _bt (B^T, a -> a points), _b (B, its transpose), _at (A^T, a -> m) and _a (A, m -> a), written out
# with their common subexpressions for both sizes.


cdef enum:
    _BLOCK = 32  # tiles transformed together (the work arrays then fit in the L1 cache)


# Each 1-D transform below maps, for each of the nb tiles t of a block, the vector (x[0*sx + t],
# x[1*sx + t], ...) to (y[0*sy + t], y[1*sy + t], ...): elementwise across the tiles, which are
# contiguous in the transformed arrays, so the compiler turns the loops over t into SIMD code.


cdef inline void _bt(const floating *x, Py_ssize_t sx, floating *y, Py_ssize_t sy, Py_ssize_t nb,
                     Py_ssize_t a) noexcept nogil:
    """B^T, a -> a points."""
    cdef Py_ssize_t t
    cdef floating x1, x2, x3, x4, p, q, r, u
    if a == 4:
        for t in range(nb):
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            y[t] = x[t] - x2
            y[sy + t] = x1 + x2
            y[2 * sy + t] = x2 - x1
            y[3 * sy + t] = x1 - x[3 * sx + t]
    else:
        for t in range(nb):
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            x3 = x[3 * sx + t]
            x4 = x[4 * sx + t]
            p = x4 - 4 * x2
            q = x3 - 4 * x1
            r = x4 - x2
            u = 2 * (x3 - x1)
            y[t] = 4 * x[t] - 5 * x2 + x4
            y[sy + t] = p + q
            y[2 * sy + t] = p - q
            y[3 * sy + t] = r + u
            y[4 * sy + t] = r - u
            y[5 * sy + t] = 4 * x1 - 5 * x3 + x[5 * sx + t]


cdef inline void _b(const floating *x, Py_ssize_t sx, floating *y, Py_ssize_t sy, Py_ssize_t nb,
                    Py_ssize_t a) noexcept nogil:
    """B, a -> a points (the transpose of _bt)."""
    cdef Py_ssize_t t
    cdef floating x0, x1, x2, x3, x5, s12, t12, s34, t34
    if a == 4:
        for t in range(nb):
            x0 = x[t]
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            x3 = x[3 * sx + t]
            y[t] = x0
            y[sy + t] = x1 - x2 + x3
            y[2 * sy + t] = x1 + x2 - x0
            y[3 * sy + t] = -x3
    else:
        for t in range(nb):
            x0 = x[t]
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            x3 = x[3 * sx + t]
            x5 = x[5 * sx + t]
            s12 = x1 + x2
            t12 = x2 - x1
            s34 = x3 + x[4 * sx + t]
            t34 = x[4 * sx + t] - x3
            y[t] = 4 * x0
            y[sy + t] = 4 * t12 + 2 * t34 + 4 * x5
            y[2 * sy + t] = -5 * x0 - 4 * s12 - s34
            y[3 * sy + t] = -t12 - 2 * t34 - 5 * x5
            y[4 * sy + t] = x0 + s12 + s34
            y[5 * sy + t] = x5


cdef inline void _at(const floating *x, Py_ssize_t sx, floating *y, Py_ssize_t sy, Py_ssize_t nb,
                     Py_ssize_t a) noexcept nogil:
    """A^T, a -> m = a - 2 points."""
    cdef Py_ssize_t t
    cdef floating x1, x2, x3, x4, p, q, u, v
    if a == 4:
        for t in range(nb):
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            y[t] = x[t] + x1 + x2
            y[sy + t] = x1 - x2 - x[3 * sx + t]
    else:
        for t in range(nb):
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            x3 = x[3 * sx + t]
            x4 = x[4 * sx + t]
            p = x1 + x2
            q = x1 - x2
            u = x3 + x4
            v = x3 - x4
            y[t] = x[t] + p + u
            y[sy + t] = q + 2 * v
            y[2 * sy + t] = p + 4 * u
            y[3 * sy + t] = q + 8 * v + x[5 * sx + t]


cdef inline void _a(const floating *x, Py_ssize_t sx, floating *y, Py_ssize_t sy, Py_ssize_t nb,
                    Py_ssize_t a) noexcept nogil:
    """A, m = a - 2 -> a points."""
    cdef Py_ssize_t t
    cdef floating x0, x1, x2, x3, e, o, e2, o2
    if a == 4:
        for t in range(nb):
            x0 = x[t]
            x1 = x[sx + t]
            y[t] = x0
            y[sy + t] = x0 + x1
            y[2 * sy + t] = x0 - x1
            y[3 * sy + t] = -x1
    else:
        for t in range(nb):
            x0 = x[t]
            x1 = x[sx + t]
            x2 = x[2 * sx + t]
            x3 = x[3 * sx + t]
            e = x0 + x2
            o = x1 + x3
            e2 = x0 + 4 * x2
            o2 = 2 * x1 + 8 * x3
            y[t] = x0
            y[sy + t] = e + o
            y[2 * sy + t] = e - o
            y[3 * sy + t] = e2 + o2
            y[4 * sy + t] = e2 - o2
            y[5 * sy + t] = x3


cdef inline void _load_patch(const floating *plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t h0,
                             Py_ssize_t w0, Py_ssize_t a, floating *d, Py_ssize_t sd) noexcept nogil:
    """d[(a*r + s) * sd] = plane[h0 + r, w0 + s] for r, s < a, zero outside the H x W plane."""
    cdef Py_ssize_t r, s, r0, r1, s0, s1
    if h0 >= 0 and w0 >= 0 and h0 + a <= H and w0 + a <= W:
        for r in range(a):
            for s in range(a):
                d[(a * r + s) * sd] = plane[(h0 + r) * W + w0 + s]
    else:  # zero everything, then copy the rows r0..r1-1 and columns s0..s1-1 inside the plane
        r0 = max(0, -h0)
        r1 = min(a, H - h0)
        s0 = max(0, -w0)
        s1 = min(a, W - w0)
        for r in range(a * a):
            d[r * sd] = 0
        for r in range(r0, r1):
            for s in range(s0, s1):
                d[(a * r + s) * sd] = plane[(h0 + r) * W + w0 + s]


cdef inline void _add_patch(floating *plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t h0, Py_ssize_t w0,
                            Py_ssize_t a, const floating *d, Py_ssize_t sd) noexcept nogil:
    """plane[h0 + r, w0 + s] += d[(a*r + s) * sd] for r, s < a, skipping what falls outside the plane."""
    cdef Py_ssize_t r, s, r0, r1, s0, s1
    if h0 >= 0 and w0 >= 0 and h0 + a <= H and w0 + a <= W:
        for r in range(a):
            for s in range(a):
                plane[(h0 + r) * W + w0 + s] += d[(a * r + s) * sd]
    else:
        r0 = max(0, -h0)
        r1 = min(a, H - h0)
        s0 = max(0, -w0)
        s1 = min(a, W - w0)
        for r in range(r0, r1):
            for s in range(s0, s1):
                plane[(h0 + r) * W + w0 + s] += d[(a * r + s) * sd]


cdef Py_ssize_t _patch_size(str name, Py_ssize_t planes) except -1:
    """a, the side of the transformed tile, from the a^2 planes of a transformed array."""
    if planes == 16:
        return 4
    if planes == 36:
        return 6
    raise ValueError(f"{name} has {planes} planes along its first axis, expected 16 (F(2x2, 3x3)) "
                     f"or 36 (F(4x4, 3x3))")


cdef Py_ssize_t _tiles(Py_ssize_t size, Py_ssize_t pad, Py_ssize_t m) except -1:
    """Number of m-wide output tiles along an axis of a 3-wide, stride-1 window."""
    if pad < 0 or size + 2 * pad < 3:
        raise ValueError(f"a 3x3 window does not fit: size {size} + 2*pad {pad} < 3")
    return (size + 2 * pad - 3) // m + 1


cdef Py_ssize_t _plane_stride(str name, const floating[:, :, :] A, Py_ssize_t channels,
                              Py_ssize_t tiles) except -1:
    """Check that A is an (a^2, channels, tiles) array with contiguous tiles; returns the distance
    between its planes, in elements."""
    if A.shape[1] != channels or A.shape[2] != tiles:
        raise ValueError(f"{name} has shape ({A.shape[0]}, {A.shape[1]}, {A.shape[2]}), "
                         f"expected ({A.shape[0]}, {channels}, {tiles})")
    if (tiles > 1 and A.strides[2] != sizeof(floating)) or A.strides[0] % sizeof(floating):
        raise ValueError(f"{name} must be contiguous along its last axis (tiles)")
    return A.strides[0] // sizeof(floating)


# Each kernel's loop nest is an inline function called with a literal patch size a (4 or 6), so the
# compiler can specialize the transforms for each size. The loop nests walk the tiles in blocks of
# _BLOCK: gather the blocks' patches, transform them all at once (SIMD across tiles), scatter.


cdef inline void _next_tile(Py_ssize_t *n, Py_ssize_t *i, Py_ssize_t *j, Py_ssize_t TH,
                            Py_ssize_t TW) noexcept nogil:
    """Advance the (image, tile row, tile column) of tile t to those of tile t + 1."""
    j[0] += 1
    if j[0] == TW:
        j[0] = 0
        i[0] += 1
        if i[0] == TH:
            i[0] = 0
            n[0] += 1


cdef inline void _input_tiles(const floating *x, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                              Py_ssize_t pad, floating *V, Py_ssize_t sc, Py_ssize_t sk, Py_ssize_t TH,
                              Py_ssize_t TW, Py_ssize_t a) noexcept nogil:
    cdef Py_ssize_t m = a - 2, n, c, i, j, k, t, t0, nb, T = N * TH * TW
    cdef floating d[36 * _BLOCK]  # [a*r + s][t]: the patches
    cdef floating tmp[36 * _BLOCK]  # B^T applied to their columns
    for c in range(C):
        n = i = j = 0
        t0 = 0
        while t0 < T:  # blocks of _BLOCK tiles (Cython's range needs a literal step)
            nb = min(<Py_ssize_t>_BLOCK, T - t0)
            for t in range(nb):
                _load_patch(x + (n * C + c) * H * W, H, W, m * i - pad, m * j - pad, a, &d[t], _BLOCK)
                _next_tile(&n, &i, &j, TH, TW)
            for k in range(a):  # column k of every patch
                _bt(&d[k * _BLOCK], a * _BLOCK, &tmp[k * _BLOCK], a * _BLOCK, nb, a)
            for k in range(a):  # row k, straight into the planes a*k ... a*k + a - 1
                _bt(&tmp[a * k * _BLOCK], _BLOCK, &V[c * sc + a * k * sk + t0], sk, nb, a)
            t0 += _BLOCK


def winograd_input_transform(const floating[:, :, :, ::1] x, int pad, floating[:, :, :] V):
    """V (a^2, C, N*TH*TW) <- B^T d B for every a x a input patch d of ``x`` (N, C, H, W)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t a = _patch_size("V", V.shape[0]), m = a - 2
    cdef Py_ssize_t TH = _tiles(H, pad, m), TW = _tiles(W, pad, m)
    cdef Py_ssize_t sk = _plane_stride("V", V, C, N * TH * TW)
    if N == 0 or C == 0:
        return V
    cdef Py_ssize_t sc = V.strides[1] // sizeof(floating)
    with nogil:
        if a == 4:
            _input_tiles(&x[0, 0, 0, 0], N, C, H, W, pad, &V[0, 0, 0], sc, sk, TH, TW, 4)
        else:
            _input_tiles(&x[0, 0, 0, 0], N, C, H, W, pad, &V[0, 0, 0], sc, sk, TH, TW, 6)
    return V


cdef inline void _output_tiles(const floating *M, Py_ssize_t sf, Py_ssize_t sk, const floating *bias,
                               floating *out, Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo,
                               Py_ssize_t TH, Py_ssize_t TW, Py_ssize_t a) noexcept nogil:
    cdef Py_ssize_t m = a - 2, n, f, i, j, k, r, t, t0, nb, h, ww, T = N * TH * TW
    cdef floating tmp[24 * _BLOCK]  # [a*r + s][t]: A^T applied to the columns, r < m
    cdef floating y[16 * _BLOCK]  # [m*r + s][t]: the output tiles
    cdef floating *dst
    cdef floating bf
    for f in range(F):
        bf = bias[f]
        n = i = j = 0
        t0 = 0
        while t0 < T:  # blocks of _BLOCK tiles (Cython's range needs a literal step)
            nb = min(<Py_ssize_t>_BLOCK, T - t0)
            for k in range(a):  # column k of every tile
                _at(&M[f * sf + k * sk + t0], a * sk, &tmp[k * _BLOCK], a * _BLOCK, nb, a)
            for k in range(m):  # row k
                _at(&tmp[a * k * _BLOCK], _BLOCK, &y[m * k * _BLOCK], _BLOCK, nb, a)
            for t in range(nb):
                dst = out + (n * F + f) * Ho * Wo
                h = m * i
                ww = m * j
                for r in range(min(m, Ho - h)):
                    for k in range(min(m, Wo - ww)):
                        dst[(h + r) * Wo + ww + k] = y[(m * r + k) * _BLOCK + t] + bf
                _next_tile(&n, &i, &j, TH, TW)
            t0 += _BLOCK


def winograd_output_transform(const floating[:, :, :] M, const floating[::1] bias,
                              floating[:, :, :, ::1] out):
    """out (N, F, H', W') <- A^T y A + bias for every tile y of M (a^2, F, N*TH*TW)."""
    cdef Py_ssize_t N = out.shape[0], F = out.shape[1], Ho = out.shape[2], Wo = out.shape[3]
    cdef Py_ssize_t a = _patch_size("M", M.shape[0]), m = a - 2
    cdef Py_ssize_t TH = (Ho + m - 1) // m, TW = (Wo + m - 1) // m
    if bias.shape[0] != F:
        raise ValueError(f"bias has shape ({bias.shape[0]},), expected ({F},)")
    cdef Py_ssize_t sk = _plane_stride("M", M, F, N * TH * TW)
    if N == 0 or F == 0 or Ho == 0 or Wo == 0:
        return out
    cdef Py_ssize_t sf = M.strides[1] // sizeof(floating)
    with nogil:
        if a == 4:
            _output_tiles(&M[0, 0, 0], sf, sk, &bias[0], &out[0, 0, 0, 0], N, F, Ho, Wo, TH, TW, 4)
        else:
            _output_tiles(&M[0, 0, 0], sf, sk, &bias[0], &out[0, 0, 0, 0], N, F, Ho, Wo, TH, TW, 6)
    return out


cdef inline void _dout_tiles(const floating *dout, Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo,
                             floating *dM, Py_ssize_t sf, Py_ssize_t sk, Py_ssize_t TH, Py_ssize_t TW,
                             Py_ssize_t a) noexcept nogil:
    cdef Py_ssize_t m = a - 2, n, f, i, j, k, t, t0, nb, T = N * TH * TW
    cdef floating g[16 * _BLOCK]  # [m*r + s][t]: the gradient tiles
    cdef floating tmp[24 * _BLOCK]  # [m*r + s][t]: A applied to their columns, r < a
    for f in range(F):
        n = i = j = 0
        t0 = 0
        while t0 < T:  # blocks of _BLOCK tiles (Cython's range needs a literal step)
            nb = min(<Py_ssize_t>_BLOCK, T - t0)
            for t in range(nb):
                _load_patch(dout + (n * F + f) * Ho * Wo, Ho, Wo, m * i, m * j, m, &g[t], _BLOCK)
                _next_tile(&n, &i, &j, TH, TW)
            for k in range(m):  # column k of every tile
                _a(&g[k * _BLOCK], m * _BLOCK, &tmp[k * _BLOCK], m * _BLOCK, nb, a)
            for k in range(a):  # row k, straight into the planes a*k ... a*k + a - 1
                _a(&tmp[m * k * _BLOCK], _BLOCK, &dM[f * sf + a * k * sk + t0], sk, nb, a)
            t0 += _BLOCK


def winograd_dout_transform(const floating[:, :, :, ::1] dout, floating[:, :, :] dM):
    """dM (a^2, F, N*TH*TW) <- A g A^T for every m x m tile g of ``dout`` (N, F, H', W'), zero-padded."""
    cdef Py_ssize_t N = dout.shape[0], F = dout.shape[1], Ho = dout.shape[2], Wo = dout.shape[3]
    cdef Py_ssize_t a = _patch_size("dM", dM.shape[0]), m = a - 2
    cdef Py_ssize_t TH = (Ho + m - 1) // m, TW = (Wo + m - 1) // m
    cdef Py_ssize_t sk = _plane_stride("dM", dM, F, N * TH * TW)
    if N == 0 or F == 0 or Ho == 0 or Wo == 0:
        return dM
    cdef Py_ssize_t sf = dM.strides[1] // sizeof(floating)
    with nogil:
        if a == 4:
            _dout_tiles(&dout[0, 0, 0, 0], N, F, Ho, Wo, &dM[0, 0, 0], sf, sk, TH, TW, 4)
        else:
            _dout_tiles(&dout[0, 0, 0, 0], N, F, Ho, Wo, &dM[0, 0, 0], sf, sk, TH, TW, 6)
    return dM


cdef inline void _input_grad_tiles(const floating *dV, Py_ssize_t sc, Py_ssize_t sk, Py_ssize_t pad,
                                   floating *dx, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                                   Py_ssize_t TH, Py_ssize_t TW, Py_ssize_t a) noexcept nogil:
    cdef Py_ssize_t m = a - 2, n, c, i, j, k, t, t0, nb, T = N * TH * TW
    cdef floating tmp[36 * _BLOCK]  # [a*r + s][t]: B applied to the columns
    cdef floating d[36 * _BLOCK]  # [a*r + s][t]: the patch gradients
    for c in range(C):
        for n in range(N):
            memset(dx + (n * C + c) * H * W, 0, H * W * sizeof(floating))
        n = i = j = 0
        t0 = 0
        while t0 < T:  # blocks of _BLOCK tiles (Cython's range needs a literal step)
            nb = min(<Py_ssize_t>_BLOCK, T - t0)
            for k in range(a):  # column k of every tile
                _b(&dV[c * sc + k * sk + t0], a * sk, &tmp[k * _BLOCK], a * _BLOCK, nb, a)
            for k in range(a):  # row k
                _b(&tmp[a * k * _BLOCK], _BLOCK, &d[a * k * _BLOCK], _BLOCK, nb, a)
            for t in range(nb):
                _add_patch(dx + (n * C + c) * H * W, H, W, m * i - pad, m * j - pad, a, &d[t], _BLOCK)
                _next_tile(&n, &i, &j, TH, TW)
            t0 += _BLOCK


def winograd_input_grad(const floating[:, :, :] dV, int pad, floating[:, :, :, ::1] dx):
    """dx (N, C, H, W) <- the sum over patches of B v B^T, v the tiles of dV (a^2, C, N*TH*TW);
    ``dx`` is zeroed first."""
    cdef Py_ssize_t N = dx.shape[0], C = dx.shape[1], H = dx.shape[2], W = dx.shape[3]
    cdef Py_ssize_t a = _patch_size("dV", dV.shape[0]), m = a - 2
    cdef Py_ssize_t TH = _tiles(H, pad, m), TW = _tiles(W, pad, m)
    cdef Py_ssize_t sk = _plane_stride("dV", dV, C, N * TH * TW)
    if N == 0 or C == 0:
        return dx
    cdef Py_ssize_t sc = dV.strides[1] // sizeof(floating)
    with nogil:
        if a == 4:
            _input_grad_tiles(&dV[0, 0, 0], sc, sk, pad, &dx[0, 0, 0, 0], N, C, H, W, TH, TW, 4)
        else:
            _input_grad_tiles(&dV[0, 0, 0], sc, sk, pad, &dx[0, 0, 0, 0], N, C, H, W, TH, TW, 6)
    return dx
