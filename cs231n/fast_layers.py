"""Fast convolution and max-pooling layers (provided; ConvolutionalNetworks.ipynb compares them with
the naive loops students write).

Every layer has the API of the naive layers in ``layers.py``:

* ``conv_forward_*(x, w, b, conv_param) -> (out, cache)`` with ``x`` (N, C, H, W), ``w``
  (F, C, HH, WW), ``b`` (F,), ``conv_param = {"stride": s, "pad": p}`` and ``out`` (N, F, H', W'),
  H' = 1 + (H + 2p - HH) // s (the windows must tile: (H + 2p - HH) % s == 0, likewise for W);
* ``conv_backward_*(dout, cache) -> (dx, dw, db)``;
* ``max_pool_forward_*(x, pool_param) -> (out, cache)`` with ``pool_param = {"pool_height": ph,
  "pool_width": pw, "stride": s}`` and H' = 1 + (H - ph) // s (windows that do not fit at the
  bottom or right edge are dropped, as in the naive layer);
* ``max_pool_backward_*(dout, cache) -> dx``; the gradient of each window goes to its first maximum
  (row-major order), as ``np.argmax`` and PyTorch do.

Outputs and gradients have the dtype of ``x`` (float32 or float64).

Implementations
---------------
``conv_*_fast`` (the ones to use): image-major im2col in the compiled extension, BLAS matrix
products (one for the forward pass, two for the backward pass) and col2im in the extension, over
chunks of images whose columns fit in the cache (``CHUNK_ELEMENTS``), so the columns are written, used
and consumed while they are cache-resident instead of streaming tens of megabytes through memory.
The columns are recomputed in the backward pass instead of being cached, into work buffers that
are reused between calls (allocating them afresh on every call costs page faults). For 3x3 filters
with stride 1 and at least ``WINOGRAD_MIN_CHANNELS`` input channels, ``conv_*_fast``
use ``conv_*_winograd`` instead: Winograd's algorithm with 4x4 output tiles, F(4x4, 3x3), which
needs 36 multiplications per tile and channel where the direct method needs 144 (or with 2x2
tiles, F(2x2, 3x3): 16 instead of 36, for outputs too small for 4x4 tiles to pay). The transforms
are compiled kernels; the 36 (or 16) products per pass are BLAS calls. Results equal the direct
method's to rounding; in float32, 4x4 tiles are 11-14x further from the exact values than im2col
(on an S3-shaped layer, 6e-6 against 5e-7 of the largest output), 2x2 tiles as close as im2col
(tests/test_fast_layers.py).
``conv_*_im2col`` and ``conv_*_strides`` are the two algorithms of the 2022 kit, kept for
comparison; ``max_pool_*_fast`` is a direct kernel that records the argmax of every window;
``max_pool_*_reshape`` (windows that tile, pool size == stride) and ``max_pool_*_im2col`` are the
2022 alternatives.

``BACKEND`` is ``"cython"`` when the compiled extension ``cs231n.im2col_cython`` is available and
``"numpy"`` otherwise: every function then falls back to pure NumPy (slower) after one warning
that says how to build the extension.
"""
import threading
import warnings

import numpy as np

from .im2col import col2im_indices, im2col_indices

BUILD_COMMAND = "pip install -e . (or: python setup.py build_ext --inplace) in the repository root"

try:
    from .im2col_cython import (col2im_6d_cython, col2im_cython, col2im_image_major, im2col_cython,
                                im2col_image_major, max_pool_backward_direct, max_pool_forward_direct,
                                winograd_dout_transform, winograd_input_grad, winograd_input_transform,
                                winograd_output_transform)
    BACKEND = "cython"
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    BACKEND = "numpy"
    warnings.warn(
        "cs231n.im2col_cython is not built, so cs231n.fast_layers uses its pure-NumPy fallback "
        f"(correct but several times slower). Build the extension with: {BUILD_COMMAND}",
        RuntimeWarning, stacklevel=2)


# ---------------------------------------------------------------------------------------------
# shared helpers


class _Workspace(threading.local):
    """Work buffers reused between calls, one set per thread."""

    def __init__(self):
        self.buffers = {}
        self.owners = {}  # (name, dtype) -> token of the call whose data the buffer holds

    def get(self, name, shape, dtype):
        size = int(np.prod(shape))
        key = (name, np.dtype(dtype).str)
        buf = self.buffers.get(key)
        if buf is None or buf.size < size:
            buf = self.buffers[key] = np.empty(size, dtype=dtype)
            self.owners.pop(key, None)
        return buf[:size].reshape(shape)

    def claim(self, name, dtype, token):
        """Record that buffer ``name`` now holds the data of the call identified by ``token``."""
        self.owners[name, np.dtype(dtype).str] = token

    def holds(self, name, dtype, token):
        """Whether buffer ``name`` still holds what ``token`` claimed (not reallocated or claimed since)."""
        return self.owners.get((name, np.dtype(dtype).str)) is token

    def clear(self):
        self.buffers.clear()
        self.owners.clear()


_workspace = _Workspace()


def clear_workspace():
    """Free the work buffers the fast layers keep between calls (in this thread)."""
    _workspace.clear()


def _conv_shapes(x, w, b, conv_param):
    """Validate a convolution's inputs; returns (N, C, H, W, F, HH, WW, stride, pad, H', W')."""
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W) and w (F, C, HH, WW); got x {x.shape}, w {w.shape}")
    N, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    if Cw != C:
        raise ValueError(f"x has {C} channels but w expects {Cw}: x {x.shape}, w {w.shape}")
    if b.shape != (F,):
        raise ValueError(f"b must have shape ({F},), got {b.shape}")
    stride, pad = int(conv_param["stride"]), int(conv_param["pad"])
    if stride < 1 or pad < 0:
        raise ValueError(f"need stride >= 1 and pad >= 0, got stride={stride}, pad={pad}")
    for name, size, field in (("H", H, HH), ("W", W, WW)):
        span = size + 2 * pad - field
        if span < 0:
            raise ValueError(f"the filter does not fit: {name} + 2*pad = {size} + 2*{pad} < {field}")
        if span % stride:
            raise ValueError(f"the filter does not tile the input: ({name} + 2*pad - filter size) must be "
                             f"divisible by stride, got ({size} + 2*{pad} - {field}) % {stride} = "
                             f"{span % stride}")
    Ho = (H + 2 * pad - HH) // stride + 1
    Wo = (W + 2 * pad - WW) // stride + 1
    return N, C, H, W, F, HH, WW, stride, pad, Ho, Wo


def _bias_gradient(dout):
    """db (F,) = dout (N, F, H', W') summed over images and positions (einsum: faster than
    np.sum over axes (0, 2, 3))."""
    N, F = dout.shape[:2]
    return np.einsum("nfp->f", dout.reshape(N, F, -1))


def _float_dtype(x):
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"the fast layers work on float32 or float64 arrays, got {x.dtype}")
    return x.dtype


def _pool_shapes(x, pool_param):
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    N, C, H, W = x.shape
    ph, pw, s = int(pool_param["pool_height"]), int(pool_param["pool_width"]), int(pool_param["stride"])
    if not (1 <= ph <= H and 1 <= pw <= W and s >= 1):
        raise ValueError(f"need 1 <= pool_height <= H, 1 <= pool_width <= W and stride >= 1; got "
                         f"pool {ph}x{pw}, stride {s} for x {x.shape}")
    return N, C, H, W, ph, pw, s, (H - ph) // s + 1, (W - pw) // s + 1


# ---------------------------------------------------------------------------------------------
# pure-NumPy building blocks (the fallback, and the benchmark's baseline)


def _strided_columns(x, HH, WW, pad, stride, Ho, Wo):
    """6-D view (C, HH, WW, N, H', W') of the padded input: the 2022 kit's as_strided trick."""
    N, C, H, W = x.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    Hp, Wp = H + 2 * pad, W + 2 * pad
    item = x_padded.itemsize
    strides = (Hp * Wp, Wp, 1, C * Hp * Wp, stride * Wp, stride) * np.array(item)
    return np.lib.stride_tricks.as_strided(x_padded, shape=(C, HH, WW, N, Ho, Wo), strides=tuple(strides))


def _col2im_6d_numpy(cols, N, C, H, W, HH, WW, pad, stride):
    """Scatter-add (C, HH, WW, N, H', W') columns into (N, C, H, W), one window offset at a time."""
    Ho, Wo = cols.shape[4], cols.shape[5]
    dx = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for i in range(HH):
        for j in range(WW):
            # (C, N, H', W') -> (N, C, H', W')
            dx[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride] += cols[:, i, j].transpose(1, 0, 2, 3)
    return dx[:, :, pad:pad + H, pad:pad + W]


def conv_forward_strides_numpy(x, w, b, conv_param):
    """The 2022 kit's algorithm in pure NumPy: strided view, one copy, one matrix product."""
    N, C, H, W, F, HH, WW, stride, pad, Ho, Wo = _conv_shapes(x, w, b, conv_param)
    x_cols = np.ascontiguousarray(_strided_columns(x, HH, WW, pad, stride, Ho, Wo)).reshape(C * HH * WW, -1)
    res = w.reshape(F, -1) @ x_cols + b.reshape(-1, 1)  # (F, N*H'*W')
    out = np.ascontiguousarray(res.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3))
    return out.astype(x.dtype, copy=False), (x, w, b, conv_param, x_cols)


def conv_backward_strides_numpy(dout, cache):
    x, w, b, conv_param, x_cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, Ho, Wo = dout.shape
    db = np.sum(dout, axis=(0, 2, 3))
    dout_reshaped = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N*H'*W')
    dw = (dout_reshaped @ x_cols.T).reshape(w.shape)
    dx_cols = (w.reshape(F, -1).T @ dout_reshaped).reshape(C, HH, WW, N, Ho, Wo)
    dx = _col2im_6d_numpy(dx_cols, N, C, H, W, HH, WW, pad, stride)
    return dx, dw, db


# ---------------------------------------------------------------------------------------------
# convolution: the fast path


#: Entries of columns and products (K + F per output position) processed at a time (10 MB in float32,
#: 20 MB in float64): small enough that a chunk's columns and products are still in cache between
#: im2col, the matrix products and col2im, large enough for efficient products. Measured, forward +
#: backward, images per chunk: S2 of benchmarks/bench_fast_layers.py best at 13-14 (this budget: 14;
#: 4 or 25 images 5-10% slower), S4 at 16-32 (this budget: 28; all 128 images at once, as when only
#: the columns counted, 9-15% slower).
CHUNK_ELEMENTS = 5 * 2 ** 19


def _chunk_images(N, K, F, P):
    """Images per chunk: as many as keep (K + F) * P entries per image within CHUNK_ELEMENTS."""
    return max(1, min(N, CHUNK_ELEMENTS // max(1, (K + F) * P)))


def conv_forward_fast(x, w, b, conv_param):
    """Fast convolution forward pass.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W), float32 or float64
    w : ndarray of shape (F, C, HH, WW)
    b : ndarray of shape (F,)
    conv_param : dict
        ``stride`` and ``pad``.

    Returns
    -------
    out : ndarray of shape (N, F, H', W'), dtype of ``x``
    cache : tuple
        ``(x, w, b, conv_param)``, as the naive layer's; for 3x3 filters with stride 1 and at least
        ``WINOGRAD_MIN_CHANNELS`` input channels, the cache of :func:`conv_forward_winograd`, which also
        holds the transformed filters and input.
    """
    N, C, H, W, F, HH, WW, stride, pad, Ho, Wo = _conv_shapes(x, w, b, conv_param)
    dtype = _float_dtype(x)
    if BACKEND != "cython":
        out, _ = conv_forward_strides_numpy(x, w.astype(dtype, copy=False), b.astype(dtype, copy=False), conv_param)
        return out, (x, w, b, conv_param)
    if _winograd_applies(C, HH, WW, stride):
        return conv_forward_winograd(x, w, b, conv_param)
    K, P = C * HH * WW, Ho * Wo
    xc = np.ascontiguousarray(x)
    w_mat = w.reshape(F, K).astype(dtype, copy=False)
    bias = b.astype(dtype, copy=False)[None, :, None]
    out = np.empty((N, F, Ho, Wo), dtype=dtype)
    nb = _chunk_images(N, K, F, P)
    for n0 in range(0, N, nb):
        m = min(nb, N - n0)
        cols = _workspace.get("cols", (K, m * P), dtype)
        im2col_image_major(xc[n0:n0 + m], HH, WW, pad, stride, cols)
        prod = _workspace.get("prod", (F, m * P), dtype)
        np.matmul(w_mat, cols, out=prod)
        # (F, m, H'*W') -> (m, F, H'*W'), adding the bias on the way
        np.add(prod.reshape(F, m, P).transpose(1, 0, 2), bias, out=out[n0:n0 + m].reshape(m, F, P))
    return out, (x, w, b, conv_param)


def conv_backward_fast(dout, cache):
    """Fast convolution backward pass.

    Parameters
    ----------
    dout : ndarray of shape (N, F, H', W')
    cache : tuple
        From :func:`conv_forward_fast`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    """
    if len(cache) == 5:  # from the Winograd path
        return conv_backward_winograd(dout, cache)
    x, w, b, conv_param = cache
    N, C, H, W, F, HH, WW, stride, pad, Ho, Wo = _conv_shapes(x, w, b, conv_param)
    dtype = _float_dtype(x)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout has shape {dout.shape}, expected {(N, F, Ho, Wo)}")
    if BACKEND != "cython":
        _, full_cache = conv_forward_strides_numpy(x, w.astype(dtype, copy=False), b.astype(dtype, copy=False),
                                                   conv_param)
        return conv_backward_strides_numpy(dout.astype(dtype, copy=False), full_cache)
    K, P = C * HH * WW, Ho * Wo
    xc = np.ascontiguousarray(x)
    dout = np.ascontiguousarray(dout, dtype=dtype)
    w_t = w.reshape(F, K).astype(dtype, copy=False).T
    db = _bias_gradient(dout)
    dw_t = np.zeros((K, F), dtype=dtype)  # dw transposed: (K, m*P) @ (m*P, F) is the faster product
    dw_part = _workspace.get("dw", (K, F), dtype)
    dx = np.empty((N, C, H, W), dtype=dtype)
    nb = _chunk_images(N, K, F, P)
    for n0 in range(0, N, nb):
        m = min(nb, N - n0)
        cols = _workspace.get("cols", (K, m * P), dtype)
        im2col_image_major(xc[n0:n0 + m], HH, WW, pad, stride, cols)
        dchunk = _workspace.get("dout", (F, m * P), dtype)
        # (m, F, H'*W') -> (F, m, H'*W')
        np.copyto(dchunk.reshape(F, m, P), dout[n0:n0 + m].reshape(m, F, P).transpose(1, 0, 2))
        np.matmul(cols, dchunk.T, out=dw_part)  # (K, m*P) @ (m*P, F)
        dw_t += dw_part
        # the columns are no longer needed: their gradient goes into the same buffer
        np.matmul(w_t, dchunk, out=cols)  # (K, F) @ (F, m*P)
        col2im_image_major(cols, dx[n0:n0 + m], HH, WW, pad, stride)
    return dx, np.ascontiguousarray(dw_t.T).reshape(w.shape), db


# ---------------------------------------------------------------------------------------------
# convolution: Winograd's minimal filtering for 3x3 filters with stride 1

#: ``conv_*_fast`` use Winograd's algorithm for 3x3 filters with stride 1 when the input has at least
#: this many channels. The input channels are the inner dimension of Winograd's products; with fewer,
#: the products are too thin to pay for the transforms (measured, forward + backward, batch 64:
#: 3 -> 64 channels on 32x32, S4 of benchmarks/bench_fast_layers.py, 1.7x slower than im2col; 4 -> 64
#: 1.4x slower; 8 -> 64 on 16x16 within 10% either way; 64 -> 4, 64 -> 8, 8 -> 8 1.4-2x faster).
WINOGRAD_MIN_CHANNELS = 8

# F(m x m, 3x3) (Lavin & Gray, 2016), m = 2 or 4: an m x m output tile y of a 3x3 filter g over the
# a x a input patch d (a = m + 2) is y = A^T [(G g G^T) * (B^T d B)] A, with * elementwise. Summed
# over the input channels, the a x a elementwise products become a^2 matrix products (one per tile
# element) of (F, C) by (C, tiles): 16 multiply-adds per 4 outputs and channel for m = 2, 36 per 16
# for m = 4, where the direct method needs 9 per output. F(2x2, 3x3) uses only 0, +-1/2 and +-1,
# exact in binary floating point; F(4x4, 3x3) uses up to 8 in B and A and 1/6, 1/24 in G, so its
# float32 results are 11-14x further from the exact values than the direct method's (S3-shaped
# layer, 64 input channels: 6e-6 of the largest output instead of 5e-7; tests/test_fast_layers.py).
_WINO_BT = {
    2: np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64),
    4: np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                 [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], dtype=np.float64),
}
_WINO_G = {
    2: np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]),
    4: np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                 [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]),
}
_WINO_AT = {
    2: np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64),
    4: np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
                dtype=np.float64),
}
# (a^2, 9): GG[a*r + s, 3*i + j] = G[r, i] G[s, j], the filter transform G g G^T as one matrix
_WINO_GG = {m: np.kron(G, G) for m, G in _WINO_G.items()}
WINOGRAD_TILES = (2, 4)


def _winograd_tile(Ho, Wo):
    """The output tile size, 2 or 4, that needs fewer products for an Ho x Wo output.

    a^2 products per tile: 16 * ceil(Ho/2) * ceil(Wo/2) for m = 2 against 36 * ceil(Ho/4) *
    ceil(Wo/4) for m = 4; on a tie (small outputs) the more accurate m = 2.
    """
    cost = {m: (m + 2) ** 2 * (-(-Ho // m)) * (-(-Wo // m)) for m in WINOGRAD_TILES}
    return 4 if cost[4] < cost[2] else 2


def _tile_grid(Ho, Wo, m):
    """(TH, TW): m x m output tiles per column and per row of an Ho x Wo output (the last may be partial)."""
    return -(-Ho // m), -(-Wo // m)


def _winograd_applies(C, HH, WW, stride):
    return HH == 3 and WW == 3 and stride == 1 and C >= WINOGRAD_MIN_CHANNELS


def _tile_array(planes, channels, tiles, dtype, name):
    """A (planes, channels, tiles) work array from the workspace.

    The planes are 64 bytes further apart than they would be in a contiguous array: planes a
    multiple of 4 KiB apart land in the same cache sets, and the transforms, which touch every plane
    for every tile, ran 6x slower that way.
    """
    size = channels * tiles
    buf = _workspace.get(name, (planes, size + 64 // np.dtype(dtype).itemsize), dtype)
    return buf[:, :size].reshape(planes, channels, tiles)


_TILE_OF_PLANES = {(m + 2) ** 2: m for m in WINOGRAD_TILES}  # 16 -> 2, 36 -> 4


def _tile_size(planes):
    """m from the a^2 planes of a transformed array (16 -> 2, 36 -> 4)."""
    return _TILE_OF_PLANES[planes]


def _winograd_filters(w, dtype, m):
    """U (a^2, F, C): G w G^T for every (output, input) channel pair of ``w`` (F, C, 3, 3)."""
    F, C = w.shape[:2]
    GG = _WINO_GG[m].astype(dtype)
    return (GG @ w.reshape(F * C, 9).astype(dtype, copy=False).T).reshape(len(GG), F, C)


def _winograd_filters_backward(dU, F, C):
    """dw (F, C, 3, 3) = G^T dU G, the gradient of the filter transform."""
    GG = _WINO_GG[_tile_size(dU.shape[0])].astype(dU.dtype)
    return (dU.reshape(len(GG), F * C).T @ GG).reshape(F, C, 3, 3)


def _winograd_patches_numpy(x, pad, TH, TW, m):
    """View (N, C, TH, TW, a, a) of the input patches, zero-padded (NumPy fallback)."""
    N, C, H, W = x.shape
    xp = np.zeros((N, C, m * TH + 2, m * TW + 2), dtype=x.dtype)  # covers H + 2*pad rows, W + 2*pad columns
    xp[:, :, pad:pad + H, pad:pad + W] = x
    s = xp.strides
    a = m + 2
    return np.lib.stride_tricks.as_strided(xp, (N, C, TH, TW, a, a), (s[0], s[1], m * s[2], m * s[3], s[2], s[3]))


def _winograd_input_numpy(x, pad, V):
    """NumPy version of the compiled winograd_input_transform: V (a^2, C, N*TH*TW) <- B^T d B."""
    N, C, H, W = x.shape
    m = _tile_size(V.shape[0])
    TH, TW = _tile_grid(H + 2 * pad - 2, W + 2 * pad - 2, m)
    BT = _WINO_BT[m].astype(x.dtype)
    d = _winograd_patches_numpy(x, pad, TH, TW, m)
    V[...] = np.einsum("ai,nctuij,bj->abcntu", BT, d, BT, optimize=True).reshape(V.shape)


def _winograd_output_numpy(M, b, out):
    """NumPy version of winograd_output_transform: out (N, F, H', W') <- A^T y A + b."""
    N, F, Ho, Wo = out.shape
    m = _tile_size(M.shape[0])
    TH, TW = _tile_grid(Ho, Wo, m)
    AT = _WINO_AT[m].astype(M.dtype)
    y = np.einsum("ai,ijfntu,bj->nftaub", AT, M.reshape(m + 2, m + 2, F, N, TH, TW), AT, optimize=True)
    out[...] = y.reshape(N, F, m * TH, m * TW)[:, :, :Ho, :Wo] + b[None, :, None, None]


def _winograd_dout_numpy(dout, dM):
    """NumPy version of winograd_dout_transform: dM (a^2, F, N*TH*TW) <- A g A^T."""
    N, F, Ho, Wo = dout.shape
    m = _tile_size(dM.shape[0])
    TH, TW = _tile_grid(Ho, Wo, m)
    g = np.zeros((N, F, m * TH, m * TW), dtype=dout.dtype)
    g[:, :, :Ho, :Wo] = dout
    AT = _WINO_AT[m].astype(dout.dtype)
    # (N, F, m*TH, m*TW) -> (N, F, TH, m, TW, m): the m x m tiles
    dM[...] = np.einsum("ai,nftaub,bj->ijfntu", AT, g.reshape(N, F, TH, m, TW, m), AT,
                        optimize=True).reshape(dM.shape)


def _winograd_input_grad_numpy(dV, pad, dx):
    """NumPy version of winograd_input_grad: dx (N, C, H, W) <- sum of B v B^T over the patches."""
    N, C, H, W = dx.shape
    m = _tile_size(dV.shape[0])
    a = m + 2
    TH, TW = _tile_grid(H + 2 * pad - 2, W + 2 * pad - 2, m)
    BT = _WINO_BT[m].astype(dV.dtype)
    dd = np.einsum("ai,abcntu,bj->nctuij", BT, dV.reshape(a, a, C, N, TH, TW), BT, optimize=True)
    dxp = np.zeros((N, C, m * TH + 2, m * TW + 2), dtype=dV.dtype)
    for i in range(a):
        for j in range(a):
            dxp[:, :, i:i + m * TH:m, j:j + m * TW:m] += dd[..., i, j]
    dx[...] = dxp[:, :, pad:pad + H, pad:pad + W]


def _winograd_kernels():
    if BACKEND == "cython":
        return winograd_input_transform, winograd_output_transform, winograd_dout_transform, winograd_input_grad
    return _winograd_input_numpy, _winograd_output_numpy, _winograd_dout_numpy, _winograd_input_grad_numpy


def conv_forward_winograd(x, w, b, conv_param, tile=None):
    """Convolution with 3x3 filters and stride 1 by Winograd's F(m x m, 3x3) algorithm.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W), float32 or float64
    w : ndarray of shape (F, C, 3, 3)
    b : ndarray of shape (F,)
    conv_param : dict
        ``stride`` (must be 1) and ``pad`` (any).
    tile : {2, 4, None}
        The output tile size m: F(2x2, 3x3) needs 16 products per 2x2 tile, F(4x4, 3x3) 36 per
        4x4 tile (fewer per output, slightly less accurate in float32). None picks the one with
        fewer products for this output size.

    Returns
    -------
    out : ndarray of shape (N, F, H + 2*pad - 2, W + 2*pad - 2), dtype of ``x``
    cache : tuple
        ``(x, w, b, conv_param, (U, V, token))``: the transformed filters U (a^2, F, C), a = m + 2,
        the transformed input patches V (a^2, C, tiles) in a work buffer, and the token that says
        whether the buffer still holds them when the backward pass runs (if another forward pass
        has reused it, the backward pass transforms ``x`` again).
    """
    N, C, H, W, F, HH, WW, stride, pad, Ho, Wo = _conv_shapes(x, w, b, conv_param)
    dtype = _float_dtype(x)
    if (HH, WW, stride) != (3, 3, 1):
        raise ValueError(f"Winograd's F(m x m, 3x3) needs 3x3 filters and stride 1, got {HH}x{WW} filters "
                         f"and stride {stride}; use conv_forward_fast")
    m = _winograd_tile(Ho, Wo) if tile is None else tile
    if m not in WINOGRAD_TILES:
        raise ValueError(f"tile must be one of {WINOGRAD_TILES} or None, got {tile!r}")
    input_transform, output_transform, _, _ = _winograd_kernels()
    planes = (m + 2) ** 2
    TH, TW = _tile_grid(Ho, Wo, m)
    U = _winograd_filters(w, dtype, m)
    V = _tile_array(planes, C, N * TH * TW, dtype, "wino_v")
    input_transform(np.ascontiguousarray(x), pad, V)
    # The backward pass reuses V while the work buffer still holds it (no other Winograd forward
    # pass in this thread since): a fresh 30 MB array per call costs more in page faults than the
    # transform itself. The token says whose transform the buffer holds.
    token = object()
    _workspace.claim("wino_v", dtype, token)
    M = _tile_array(planes, F, N * TH * TW, dtype, "wino_m")
    np.matmul(U, V, out=M)  # a^2 x (F, C) @ (C, tiles)
    out = np.empty((N, F, Ho, Wo), dtype=dtype)
    output_transform(M, b.astype(dtype, copy=False), out)
    return out, (x, w, b, conv_param, (U, V, token))


def conv_backward_winograd(dout, cache):
    """Backward pass of :func:`conv_forward_winograd` (same tile size).

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, 3, 3)
    db : ndarray of shape (F,)
    """
    x, w, b, conv_param, (U, V, token) = cache
    N, C, H, W, F, HH, WW, stride, pad, Ho, Wo = _conv_shapes(x, w, b, conv_param)
    dtype = _float_dtype(x)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout has shape {dout.shape}, expected {(N, F, Ho, Wo)}")
    input_transform, _, dout_transform, input_grad = _winograd_kernels()
    planes = U.shape[0]
    TH, TW = _tile_grid(Ho, Wo, _tile_size(planes))
    if not _workspace.holds("wino_v", dtype, token):  # overwritten since: transform again
        V = _tile_array(planes, C, N * TH * TW, dtype, "wino_v")
        input_transform(np.ascontiguousarray(x), pad, V)
        _workspace.claim("wino_v", dtype, token)
    dout = np.ascontiguousarray(dout, dtype=dtype)
    db = _bias_gradient(dout)
    dM = _tile_array(planes, F, N * TH * TW, dtype, "wino_m")
    dout_transform(dout, dM)
    dU = np.matmul(dM, V.transpose(0, 2, 1))  # a^2 x (F, tiles) @ (tiles, C)
    dV = _tile_array(planes, C, N * TH * TW, dtype, "wino_dv")
    np.matmul(U.transpose(0, 2, 1), dM, out=dV)  # a^2 x (C, F) @ (F, tiles)
    dx = np.empty((N, C, H, W), dtype=dtype)
    input_grad(dV, pad, dx)
    return dx, _winograd_filters_backward(dU, F, C), db


# ---------------------------------------------------------------------------------------------
# convolution: the 2022 algorithms


def conv_forward_im2col(x, w, b, conv_param):
    """Convolution by im2col (the 2022 kit's Cython layout: image index fastest) and one product.

    Returns ``out`` (N, F, H', W') and ``cache = (x, w, b, conv_param, x_cols)``.
    """
    N, C, H, W, F, HH, WW, stride, pad, Ho, Wo = _conv_shapes(x, w, b, conv_param)
    dtype = _float_dtype(x)
    if BACKEND == "cython":
        x_cols = im2col_cython(x, HH, WW, pad, stride)
    else:
        x_cols = im2col_indices(x, HH, WW, pad, stride)
    res = w.reshape(F, -1).astype(dtype, copy=False) @ x_cols + b.astype(dtype, copy=False).reshape(-1, 1)
    out = np.ascontiguousarray(res.reshape(F, Ho, Wo, N).transpose(3, 0, 1, 2))  # (F, H', W', N) -> (N, F, H', W')
    return out, (x, w, b, conv_param, x_cols)


def conv_backward_im2col(dout, cache):
    """Backward pass of :func:`conv_forward_im2col`; returns (dx, dw, db)."""
    x, w, b, conv_param, x_cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    dtype = x.dtype
    db = np.sum(dout, axis=(0, 2, 3), dtype=dtype)
    dout_reshaped = dout.transpose(1, 2, 3, 0).reshape(F, -1).astype(dtype, copy=False)  # (F, H'*W'*N)
    dw = (dout_reshaped @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(F, -1).astype(dtype, copy=False).T @ dout_reshaped
    if BACKEND == "cython":
        dx = col2im_cython(dx_cols, N, C, H, W, HH, WW, pad, stride)
    else:
        dx = col2im_indices(dx_cols, x.shape, HH, WW, pad, stride)
    return dx, dw, db


def conv_forward_strides(x, w, b, conv_param):
    """Convolution through a strided view of the padded input (the 2022 kit's "fast" layer).

    Returns ``out`` (N, F, H', W') and ``cache = (x, w, b, conv_param, x_cols)``.
    """
    _float_dtype(x)
    return conv_forward_strides_numpy(x, w.astype(x.dtype, copy=False), b.astype(x.dtype, copy=False), conv_param)


def conv_backward_strides(dout, cache):
    """Backward pass of :func:`conv_forward_strides` (col2im in the extension when it is built)."""
    x, w, b, conv_param, x_cols = cache
    if BACKEND != "cython":
        return conv_backward_strides_numpy(dout.astype(x.dtype, copy=False), cache)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, Ho, Wo = dout.shape
    db = np.sum(dout, axis=(0, 2, 3), dtype=x.dtype)
    dout_reshaped = dout.transpose(1, 0, 2, 3).reshape(F, -1).astype(x.dtype, copy=False)
    dw = (dout_reshaped @ x_cols.T).reshape(w.shape)
    dx_cols = (w.reshape(F, -1).astype(x.dtype, copy=False).T @ dout_reshaped).reshape(C, HH, WW, N, Ho, Wo)
    dx = col2im_6d_cython(dx_cols, N, C, H, W, HH, WW, pad, stride)
    return dx, dw, db


# ---------------------------------------------------------------------------------------------
# max pooling


def max_pool_forward_fast(x, pool_param):
    """Fast max-pooling forward pass, for any window and stride.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W), float32 or float64
    pool_param : dict
        ``pool_height``, ``pool_width``, ``stride``.

    Returns
    -------
    out : ndarray of shape (N, C, H', W'), H' = 1 + (H - pool_height) // stride
    cache : tuple
        ``(x, pool_param, argmax)``; ``argmax`` (N, C, H', W') holds the flat index h*W + w of each
        window's first maximum.
    """
    N, C, H, W, ph, pw, s, Ho, Wo = _pool_shapes(x, pool_param)
    dtype = _float_dtype(x)
    if BACKEND == "cython":
        out = np.empty((N, C, Ho, Wo), dtype=dtype)
        argmax = np.empty((N, C, Ho, Wo), dtype=np.int32)
        max_pool_forward_direct(np.ascontiguousarray(x), ph, pw, s, out, argmax)
        return out, (x, pool_param, argmax)
    # NumPy: a strided view of the windows, (N, C, H', W', ph*pw)
    sN, sC, sH, sW = x.strides
    windows = np.lib.stride_tricks.as_strided(x, (N, C, Ho, Wo, ph, pw), (sN, sC, s * sH, s * sW, sH, sW))
    windows = windows.reshape(N, C, Ho, Wo, ph * pw)
    k = np.argmax(windows, axis=-1)  # first maximum in row-major window order
    out = np.take_along_axis(windows, k[..., None], axis=-1)[..., 0]
    rows = np.arange(Ho)[:, None] * s + k // pw
    cols = np.arange(Wo)[None, :] * s + k % pw
    return out, (x, pool_param, (rows * W + cols).astype(np.int32))


def max_pool_backward_fast(dout, cache):
    """Fast max-pooling backward pass: each window's gradient goes to its first maximum.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    """
    x, pool_param, argmax = cache
    N, C, H, W = x.shape
    if dout.shape != argmax.shape:
        raise ValueError(f"dout has shape {dout.shape}, expected {argmax.shape}")
    if BACKEND == "cython":
        dx = np.empty((N, C, H, W), dtype=x.dtype)
        max_pool_backward_direct(np.ascontiguousarray(dout, dtype=x.dtype), argmax, dx)
        return dx
    dx = np.zeros((N * C, H * W), dtype=x.dtype)
    planes = np.repeat(np.arange(N * C), argmax.shape[2] * argmax.shape[3])
    np.add.at(dx, (planes, argmax.ravel()), dout.ravel())
    return dx.reshape(N, C, H, W)


def max_pool_forward_reshape(x, pool_param):
    """Max pooling by reshaping, for square windows with stride equal to the window that tile.

    Returns ``out`` and ``cache = (x, pool_param, out)``.
    """
    N, C, H, W, ph, pw, s, Ho, Wo = _pool_shapes(x, pool_param)
    if not (ph == pw == s and H % ph == 0 and W % pw == 0):
        raise ValueError(f"max_pool_forward_reshape needs pool_height == pool_width == stride and windows that "
                         f"tile the input; got pool {ph}x{pw}, stride {s}, x {x.shape}. "
                         f"Use max_pool_forward_fast for other cases.")
    x_reshaped = x.reshape(N, C, Ho, ph, Wo, pw)
    out = x_reshaped.max(axis=3).max(axis=4)
    return out, (x, pool_param, out)


def max_pool_backward_reshape(dout, cache):
    """Backward pass of :func:`max_pool_forward_reshape` (first maximum of each window)."""
    x, pool_param, out = cache
    N, C, H, W = x.shape
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    Ho, Wo = H // ph, W // pw
    # (N, C, H', ph, W', pw) -> (N, C, H', W', ph*pw): one row per window
    windows = x.reshape(N, C, Ho, ph, Wo, pw).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho, Wo, ph * pw)
    first = np.argmax(windows, axis=-1)
    dwin = np.zeros_like(windows)
    np.put_along_axis(dwin, first[..., None], dout[..., None].astype(x.dtype), axis=-1)
    return dwin.reshape(N, C, Ho, Wo, ph, pw).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H, W)


def max_pool_forward_im2col(x, pool_param):
    """Max pooling through im2col: every window becomes a column and the max is taken down each.

    Works for any window and stride (windows that do not fit are dropped). Returns ``out`` and
    ``cache = (x, x_cols, x_cols_argmax, pool_param)``.
    """
    N, C, H, W, ph, pw, s, Ho, Wo = _pool_shapes(x, pool_param)
    _float_dtype(x)
    Hu, Wu = (Ho - 1) * s + ph, (Wo - 1) * s + pw  # the part of the input the windows cover
    x_used = np.ascontiguousarray(x[:, :, :Hu, :Wu]).reshape(N * C, 1, Hu, Wu)
    if BACKEND == "cython":
        x_cols = im2col_cython(x_used, ph, pw, 0, s)
    else:
        x_cols = im2col_indices(x_used, ph, pw, 0, s)
    x_cols_argmax = np.argmax(x_cols, axis=0)  # (H'*W'*N*C,)
    x_cols_max = x_cols[x_cols_argmax, np.arange(x_cols.shape[1])]
    out = x_cols_max.reshape(Ho, Wo, N, C).transpose(2, 3, 0, 1)
    return np.ascontiguousarray(out), (x, x_cols, x_cols_argmax, pool_param)


def max_pool_backward_im2col(dout, cache):
    """Backward pass of :func:`max_pool_forward_im2col`."""
    x, x_cols, x_cols_argmax, pool_param = cache
    N, C, H, W, ph, pw, s, Ho, Wo = _pool_shapes(x, pool_param)
    Hu, Wu = (Ho - 1) * s + ph, (Wo - 1) * s + pw
    dout_reshaped = dout.transpose(2, 3, 0, 1).ravel().astype(x.dtype)  # (H', W', N, C) flattened
    dx_cols = np.zeros_like(x_cols)
    dx_cols[x_cols_argmax, np.arange(dx_cols.shape[1])] = dout_reshaped
    if BACKEND == "cython":
        dx_used = col2im_cython(dx_cols, N * C, 1, Hu, Wu, ph, pw, 0, s)
    else:
        dx_used = col2im_indices(dx_cols, (N * C, 1, Hu, Wu), ph, pw, 0, s)
    dx = np.zeros_like(x)
    dx[:, :, :Hu, :Wu] = dx_used.reshape(N, C, Hu, Wu)
    return dx
