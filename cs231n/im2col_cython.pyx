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
# Winograd F(2x2, 3x3): 3x3 convolutions with stride 1
#
# The output is cut into 2x2 tiles; tile t = (n * TH + i) * TW + j covers output rows 2i, 2i+1 and
# columns 2j, 2j+1 of image n and reads the 4x4 input patch whose top-left corner is (2i - pad,
# 2j - pad) (zero outside the image). With the transform matrices
#
#     B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
#     G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
#     A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
#
# a tile of output is  y = A^T [ sum_c (G w_fc G^T) * (B^T d_c B) ] A  (* elementwise, 4x4), so the
# 36 multiply-adds per output pair of the direct method become 16 per 4 outputs, done as 16
# matrix products (one per element of the 4x4 tile). The kernels below do the transforms; the
# products are numpy matmuls in cs231n/fast_layers.py. Transformed arrays are (16, channels, tiles):
# element k = 4*a + b of the 4x4 tile, then channel, then tile.


cdef inline void _load_patch(const floating *plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t h0,
                             Py_ssize_t w0, floating *d) noexcept nogil:
    """d (4x4, row-major) = plane[h0:h0+4, w0:w0+4], zero outside the H x W plane."""
    cdef Py_ssize_t a, b, h, ww
    if h0 >= 0 and w0 >= 0 and h0 + 4 <= H and w0 + 4 <= W:
        for a in range(4):
            for b in range(4):
                d[4 * a + b] = plane[(h0 + a) * W + w0 + b]
    else:
        for a in range(4):
            h = h0 + a
            for b in range(4):
                ww = w0 + b
                if 0 <= h < H and 0 <= ww < W:
                    d[4 * a + b] = plane[h * W + ww]
                else:
                    d[4 * a + b] = 0


cdef inline void _add_patch(floating *plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t h0, Py_ssize_t w0,
                            const floating *d) noexcept nogil:
    """plane[h0:h0+4, w0:w0+4] += d (4x4, row-major), skipping what falls outside the H x W plane."""
    cdef Py_ssize_t a, b, h, ww
    if h0 >= 0 and w0 >= 0 and h0 + 4 <= H and w0 + 4 <= W:
        for a in range(4):
            for b in range(4):
                plane[(h0 + a) * W + w0 + b] += d[4 * a + b]
    else:
        for a in range(4):
            h = h0 + a
            for b in range(4):
                ww = w0 + b
                if 0 <= h < H and 0 <= ww < W:
                    plane[h * W + ww] += d[4 * a + b]


cdef inline void _bt_d_b(floating *d) noexcept nogil:
    """d <- B^T d B in place (4x4 row-major)."""
    cdef Py_ssize_t a, b
    cdef floating r0, r1, r2, r3
    for b in range(4):  # rows: B^T d
        r0 = d[b] - d[8 + b]
        r1 = d[4 + b] + d[8 + b]
        r2 = d[8 + b] - d[4 + b]
        r3 = d[4 + b] - d[12 + b]
        d[b] = r0
        d[4 + b] = r1
        d[8 + b] = r2
        d[12 + b] = r3
    for a in range(4):  # columns: (.) B
        r0 = d[4 * a] - d[4 * a + 2]
        r1 = d[4 * a + 1] + d[4 * a + 2]
        r2 = d[4 * a + 2] - d[4 * a + 1]
        r3 = d[4 * a + 1] - d[4 * a + 3]
        d[4 * a] = r0
        d[4 * a + 1] = r1
        d[4 * a + 2] = r2
        d[4 * a + 3] = r3


cdef inline void _b_d_bt(floating *d) noexcept nogil:
    """d <- B d B^T in place (4x4 row-major): the transpose of _bt_d_b, for the input gradient."""
    cdef Py_ssize_t a, b
    cdef floating r0, r1, r2, r3
    for b in range(4):  # rows: B d
        r0 = d[b]
        r1 = d[4 + b] - d[8 + b] + d[12 + b]
        r2 = d[4 + b] + d[8 + b] - d[b]
        r3 = -d[12 + b]
        d[b] = r0
        d[4 + b] = r1
        d[8 + b] = r2
        d[12 + b] = r3
    for a in range(4):  # columns: (.) B^T
        r0 = d[4 * a]
        r1 = d[4 * a + 1] - d[4 * a + 2] + d[4 * a + 3]
        r2 = d[4 * a + 1] + d[4 * a + 2] - d[4 * a]
        r3 = -d[4 * a + 3]
        d[4 * a] = r0
        d[4 * a + 1] = r1
        d[4 * a + 2] = r2
        d[4 * a + 3] = r3


cdef Py_ssize_t _tiles(Py_ssize_t size, Py_ssize_t pad) except -1:
    """Number of 2-wide output tiles along an axis of a 3-wide, stride-1 window."""
    if pad < 0 or size + 2 * pad < 3:
        raise ValueError(f"a 3x3 window does not fit: size {size} + 2*pad {pad} < 3")
    return (size + 2 * pad - 3) // 2 + 1


cdef Py_ssize_t _plane_stride(str name, const floating[:, :, :] A, Py_ssize_t channels,
                              Py_ssize_t tiles) except -1:
    """Check that A is a (16, channels, tiles) array with contiguous tiles; returns the distance
    between its 16 planes, in elements."""
    if A.shape[0] != 16 or A.shape[1] != channels or A.shape[2] != tiles:
        raise ValueError(f"{name} has shape ({A.shape[0]}, {A.shape[1]}, {A.shape[2]}), "
                         f"expected (16, {channels}, {tiles})")
    if (tiles > 1 and A.strides[2] != sizeof(floating)) or A.strides[0] % sizeof(floating):
        raise ValueError(f"{name} must be contiguous along its last axis (tiles)")
    return A.strides[0] // sizeof(floating)


def winograd_input_transform(const floating[:, :, :, ::1] x, int pad, floating[:, :, :] V):
    """V (16, C, N*TH*TW) <- B^T d B for every 4x4 input patch d of ``x`` (N, C, H, W)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t TH = _tiles(H, pad), TW = _tiles(W, pad)
    cdef Py_ssize_t T = N * TH * TW
    cdef Py_ssize_t n, c, i, j, k, t
    cdef Py_ssize_t sk = _plane_stride("V", V, C, T)
    cdef floating d[16]
    cdef floating *v
    cdef const floating *plane
    with nogil:
        for c in range(C):
            v = &V[0, c, 0]
            for n in range(N):
                plane = &x[n, c, 0, 0]
                for i in range(TH):
                    for j in range(TW):
                        t = (n * TH + i) * TW + j
                        _load_patch(plane, H, W, 2 * i - pad, 2 * j - pad, d)
                        _bt_d_b(d)
                        for k in range(16):
                            v[k * sk + t] = d[k]
    return V


def winograd_output_transform(const floating[:, :, :] M, const floating[::1] bias,
                              floating[:, :, :, ::1] out):
    """out (N, F, H', W') <- A^T m A + bias for every tile m of M (16, F, N*TH*TW)."""
    cdef Py_ssize_t N = out.shape[0], F = out.shape[1], Ho = out.shape[2], Wo = out.shape[3]
    cdef Py_ssize_t TH = (Ho + 1) // 2, TW = (Wo + 1) // 2
    cdef Py_ssize_t T = N * TH * TW
    if bias.shape[0] != F:
        raise ValueError(f"bias has shape ({bias.shape[0]},), expected ({F},)")
    cdef Py_ssize_t n, f, i, j, k, t, a, h, ww
    cdef Py_ssize_t sk = _plane_stride("M", M, F, T)
    cdef floating m[16]
    cdef floating r[8]
    cdef floating y[4]
    cdef const floating *src
    cdef floating *dst
    cdef floating bf
    with nogil:
        for f in range(F):
            src = &M[0, f, 0]
            bf = bias[f]
            for n in range(N):
                dst = &out[n, f, 0, 0]
                for i in range(TH):
                    for j in range(TW):
                        t = (n * TH + i) * TW + j
                        for k in range(16):
                            m[k] = src[k * sk + t]
                        for k in range(4):  # rows: A^T m
                            r[k] = m[k] + m[4 + k] + m[8 + k]
                            r[4 + k] = m[4 + k] - m[8 + k] - m[12 + k]
                        for a in range(2):  # columns: (.) A
                            y[2 * a] = r[4 * a] + r[4 * a + 1] + r[4 * a + 2] + bf
                            y[2 * a + 1] = r[4 * a + 1] - r[4 * a + 2] - r[4 * a + 3] + bf
                        h = 2 * i
                        ww = 2 * j
                        if h + 1 < Ho and ww + 1 < Wo:
                            dst[h * Wo + ww] = y[0]
                            dst[h * Wo + ww + 1] = y[1]
                            dst[(h + 1) * Wo + ww] = y[2]
                            dst[(h + 1) * Wo + ww + 1] = y[3]
                        else:
                            for a in range(2):
                                for k in range(2):
                                    if h + a < Ho and ww + k < Wo:
                                        dst[(h + a) * Wo + ww + k] = y[2 * a + k]
    return out


def winograd_dout_transform(const floating[:, :, :, ::1] dout, floating[:, :, :] dM):
    """dM (16, F, N*TH*TW) <- A g A^T for every 2x2 tile g of ``dout`` (N, F, H', W'), zero-padded."""
    cdef Py_ssize_t N = dout.shape[0], F = dout.shape[1], Ho = dout.shape[2], Wo = dout.shape[3]
    cdef Py_ssize_t TH = (Ho + 1) // 2, TW = (Wo + 1) // 2
    cdef Py_ssize_t T = N * TH * TW
    cdef Py_ssize_t n, f, i, j, k, t, a, h, ww
    cdef Py_ssize_t sk = _plane_stride("dM", dM, F, T)
    cdef floating g[4]
    cdef floating r[8]
    cdef const floating *src
    cdef floating *dst
    with nogil:
        for f in range(F):
            dst = &dM[0, f, 0]
            for n in range(N):
                src = &dout[n, f, 0, 0]
                for i in range(TH):
                    for j in range(TW):
                        t = (n * TH + i) * TW + j
                        h = 2 * i
                        ww = 2 * j
                        if h + 1 < Ho and ww + 1 < Wo:
                            g[0] = src[h * Wo + ww]
                            g[1] = src[h * Wo + ww + 1]
                            g[2] = src[(h + 1) * Wo + ww]
                            g[3] = src[(h + 1) * Wo + ww + 1]
                        else:
                            for a in range(2):
                                for k in range(2):
                                    if h + a < Ho and ww + k < Wo:
                                        g[2 * a + k] = src[(h + a) * Wo + ww + k]
                                    else:
                                        g[2 * a + k] = 0
                        # rows: A g (4x2), then columns: (.) A^T (4x4)
                        for k in range(2):
                            r[k] = g[k]
                            r[2 + k] = g[k] + g[2 + k]
                            r[4 + k] = g[k] - g[2 + k]
                            r[6 + k] = -g[2 + k]
                        for a in range(4):
                            dst[(4 * a) * sk + t] = r[2 * a]
                            dst[(4 * a + 1) * sk + t] = r[2 * a] + r[2 * a + 1]
                            dst[(4 * a + 2) * sk + t] = r[2 * a] - r[2 * a + 1]
                            dst[(4 * a + 3) * sk + t] = -r[2 * a + 1]
    return dM


def winograd_input_grad(const floating[:, :, :] dV, int pad, floating[:, :, :, ::1] dx):
    """dx (N, C, H, W) <- the sum over patches of B dv B^T, dv the tiles of dV (16, C, N*TH*TW);
    ``dx`` is zeroed first."""
    cdef Py_ssize_t N = dx.shape[0], C = dx.shape[1], H = dx.shape[2], W = dx.shape[3]
    cdef Py_ssize_t TH = _tiles(H, pad), TW = _tiles(W, pad)
    cdef Py_ssize_t T = N * TH * TW
    cdef Py_ssize_t n, c, i, j, k, t
    cdef Py_ssize_t sk = _plane_stride("dV", dV, C, T)
    cdef floating d[16]
    cdef const floating *src
    cdef floating *plane
    with nogil:
        for c in range(C):
            src = &dV[0, c, 0]
            for n in range(N):
                plane = &dx[n, c, 0, 0]
                memset(plane, 0, H * W * sizeof(floating))
                for i in range(TH):
                    for j in range(TW):
                        t = (n * TH + i) * TW + j
                        for k in range(16):
                            d[k] = src[k * sk + t]
                        _b_d_bt(d)
                        _add_patch(plane, H, W, 2 * i - pad, 2 * j - pad, d)
    return dx
