"""Fast conv and pool layers against independent loop references, for both dtypes and many shapes."""
import subprocess
import sys

import numpy as np
import pytest

from cs231n import fast_layers as fl
from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.testing import rel_error


# ---------------------------------------------------------------------------------------------
# loop references, written from the definitions


def conv_ref(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv_backward_ref(dout, x, w, stride, pad):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape)
    _, _, Ho, Wo = dout.shape
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    sl = (n, slice(None), slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW))
                    dw[f] += dout[n, f, i, j] * xp[sl]
                    dxp[sl] += dout[n, f, i, j] * w[f]
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


def pool_ref(x, ph, pw, s):
    N, C, H, W = x.shape
    Ho, Wo = (H - ph) // s + 1, (W - pw) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = x[n, c, i * s:i * s + ph, j * s:j * s + pw].max()
    return out


def pool_backward_ref(dout, x, ph, pw, s):
    dx = np.zeros(x.shape)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    a, b_ = np.unravel_index(np.argmax(win), win.shape)  # first maximum
                    dx[n, c, i * s + a, j * s + b_] += dout[n, c, i, j]
    return dx


def test_references_are_right(rng):
    """The loop references themselves agree with numeric gradients (float64)."""
    x = rng.standard_normal((2, 2, 5, 4))
    w = rng.standard_normal((3, 2, 3, 2))
    b = rng.standard_normal(3)
    dout = rng.standard_normal((2, 3, 3, 3))
    dx, dw, db = conv_backward_ref(dout, x, w, 2, 1)
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: conv_ref(v, w, b, 2, 1), x, dout)) < 1e-8
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: conv_ref(x, v, b, 2, 1), w, dout)) < 1e-8
    xp = rng.permutation(2 * 2 * 5 * 4).reshape(2, 2, 5, 4) / 10.0  # distinct values: no ties
    dp = rng.standard_normal((2, 2, 2, 2))
    assert rel_error(pool_backward_ref(dp, xp, 2, 2, 2),
                     eval_numerical_gradient_array(lambda v: pool_ref(v, 2, 2, 2), xp, dp)) < 1e-8


# (N, C, H, W, F, HH, WW, stride, pad): non-square filters and images, strides 1-3, pads 0-3, N=1
CONV_SHAPES = [
    (2, 3, 7, 7, 4, 3, 3, 1, 1),
    (1, 1, 5, 5, 2, 3, 3, 1, 0),
    (2, 2, 9, 7, 3, 3, 1, 2, 1),
    (3, 2, 6, 5, 2, 2, 3, 1, 0),
    (1, 3, 10, 10, 2, 5, 5, 3, 2),
    (2, 1, 8, 6, 3, 4, 2, 2, 3),
    (2, 3, 5, 9, 4, 1, 1, 2, 0),
    (1, 2, 7, 5, 3, 7, 5, 1, 3),
    (2, 3, 31, 31, 5, 3, 3, 2, 1),
    (2, 16, 7, 6, 16, 3, 3, 1, 1),  # enough channels for conv_*_fast's Winograd path
]
CONV_IMPLS = [
    ("fast", fl.conv_forward_fast, fl.conv_backward_fast),
    ("im2col", fl.conv_forward_im2col, fl.conv_backward_im2col),
    ("strides", fl.conv_forward_strides, fl.conv_backward_strides),
]
DTYPES = [np.float64, np.float32]


def err(got, expected, dtype):
    """float64: the elementwise relative error. float32: the largest error relative to the largest value
    (elementwise relative errors of near-zero sums are meaningless at float32 precision)."""
    if dtype == np.float64:
        return rel_error(got, expected)
    expected = np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-30))


def tol(dtype):
    return 1e-9 if dtype == np.float64 else 1e-5


def test_compiled_backend_is_active():
    """After set-up the compiled extension is in use (CI checks this)."""
    assert fl.BACKEND == "cython", f"fast_layers runs on {fl.BACKEND}; build with: {fl.BUILD_COMMAND}"


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", CONV_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("name,forward,backward", CONV_IMPLS, ids=[c[0] for c in CONV_IMPLS])
def test_conv_matches_reference(rng, name, forward, backward, shape, dtype):
    N, C, H, W, F, HH, WW, stride, pad = shape
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    out, cache = forward(x, w, b, {"stride": stride, "pad": pad})
    expected = conv_ref(x, w, b, stride, pad)
    assert out.dtype == dtype and out.shape == expected.shape and out.flags.c_contiguous
    assert err(out, expected, dtype) < tol(dtype)
    assert cache[0] is x and cache[1] is w and cache[2] is b
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dw, db = backward(dout, cache)
    edx, edw, edb = conv_backward_ref(dout.astype(np.float64), x, w, stride, pad)
    for got, exp, label in ((dx, edx, "dx"), (dw, edw, "dw"), (db, edb, "db")):
        assert got.dtype == dtype and got.shape == exp.shape, label
        assert err(got, exp, dtype) < tol(dtype), f"{label}: {err(got, exp, dtype):.2e}"


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_conv_fast_in_several_chunks(rng, monkeypatch, dtype):
    """With a chunk budget of two images, the im2col path works in chunks of 2, 2 and 1 images and
    still equals the loops (the chunks' offsets into the output, dx and the summed dw)."""
    x = rng.standard_normal((5, 3, 9, 8)).astype(dtype)
    w, b = rng.standard_normal((4, 3, 5, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)
    K, F, P = 3 * 5 * 3, 4, 9 * 10  # 5x3 filters, stride 1, pad 2: 9 x 10 outputs per image
    monkeypatch.setattr(fl, "CHUNK_ELEMENTS", 2 * (K + F) * P)
    assert fl._chunk_images(5, K, F, P) == 2
    out, cache = fl.conv_forward_fast(x, w, b, {"stride": 1, "pad": 2})
    assert out.shape == (5, 4, 9, 10)
    assert err(out, conv_ref(x, w, b, 1, 2), dtype) < tol(dtype)
    dout = rng.standard_normal(out.shape).astype(dtype)
    for got, exp in zip(fl.conv_backward_fast(dout, cache), conv_backward_ref(dout.astype(np.float64), x, w, 1, 2)):
        assert err(got, exp, dtype) < tol(dtype)


def test_conv_fast_is_repeatable_with_reused_buffers(rng):
    """Work buffers are reused between calls: results of one call are not overwritten by the next."""
    p = {"stride": 1, "pad": 1}
    x1, x2 = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 6, 6))
    w, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    out1, c1 = fl.conv_forward_fast(x1, w, b, p)
    keep = out1.copy()
    out2, c2 = fl.conv_forward_fast(x2, w, b, p)
    np.testing.assert_array_equal(out1, keep)
    d1 = fl.conv_backward_fast(np.ones_like(out1), c1)
    fl.conv_backward_fast(np.ones_like(out2), c2)
    np.testing.assert_array_equal(d1[0], fl.conv_backward_fast(np.ones_like(out1), c1)[0])


# (N, C, H, W, F, pad) for 3x3 filters, stride 1: odd and even output sizes, one-tile outputs, pads 0-3,
# and outputs with more tiles than the kernels' blocks of 32, ending in a partial block, for both tile sizes
WINOGRAD_SHAPES = [
    (2, 3, 7, 7, 4, 1),
    (1, 2, 5, 6, 3, 0),
    (2, 3, 6, 5, 2, 2),
    (1, 1, 3, 3, 1, 0),
    (3, 4, 8, 9, 5, 3),
    (1, 2, 1, 1, 2, 1),
    (1, 2, 2, 6, 2, 1),
    (2, 17, 5, 4, 16, 1),
    (3, 2, 11, 13, 3, 1),
]


def scaled_err(got, expected):
    """The largest error relative to the largest value. F(4x4, 3x3)'s filter transform uses 1/6 and
    1/24, inexact in binary, so gradients that are exactly zero (filter taps that only ever see
    padding) come out as rounding residue, and elementwise relative errors there are meaningless."""
    expected = np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-30))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", WINOGRAD_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("tile", [2, 4])
@pytest.mark.parametrize("backend", ["cython", "numpy"])
def test_winograd_matches_reference(rng, monkeypatch, backend, tile, shape, dtype):
    """conv_*_winograd with either tile size, on the compiled transforms and on their NumPy
    versions, equal the loops to rounding."""
    monkeypatch.setattr(fl, "BACKEND", backend)
    N, C, H, W, F, pad = shape
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, 3, 3)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    out, cache = fl.conv_forward_winograd(x, w, b, {"stride": 1, "pad": pad}, tile=tile)
    assert cache[4][0].shape[0] == (tile + 2) ** 2
    expected = conv_ref(x, w, b, 1, pad)
    limit = 1e-12 if dtype == np.float64 else 1e-5
    assert out.dtype == dtype and out.shape == expected.shape
    assert scaled_err(out, expected) < limit
    dout = rng.standard_normal(out.shape).astype(dtype)
    grads = fl.conv_backward_winograd(dout, cache)
    for got, exp, label in zip(grads, conv_backward_ref(dout.astype(np.float64), x, w, 1, pad), ("dx", "dw", "db")):
        assert got.dtype == dtype and got.shape == exp.shape, label
        assert scaled_err(got, exp) < limit, f"{label}: {scaled_err(got, exp):.2e}"


@pytest.mark.parametrize("tile", [2, 4])
def test_winograd_float32_accuracy_is_near_the_direct_method(rng, tile):
    """On an S3-shaped layer (64 channels) the float32 error of either tile size stays within 20x the
    error of the direct method (im2col) in float32. Measured over four seeds: F(2x2, 3x3) 0.5-0.8x,
    F(4x4, 3x3) 11-14x (about 6e-6 of the largest output against 5e-7)."""
    x = rng.standard_normal((4, 64, 16, 16)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    b = np.zeros(64, dtype=np.float32)
    p = {"stride": 1, "pad": 1}
    exact, _ = fl.conv_forward_winograd(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), p, tile=2)
    direct, _ = fl.conv_forward_im2col(x, w, b, p)
    ours, _ = fl.conv_forward_winograd(x, w, b, p, tile=tile)
    assert scaled_err(ours, exact) < 20 * scaled_err(direct, exact)


@pytest.mark.parametrize("size, tile", [((16, 16), 4), ((8, 8), 4), ((32, 7), 4), ((6, 6), 2), ((4, 4), 4),
                                        ((2, 2), 2), ((1, 1), 2), ((3, 5), 4), ((2, 6), 2)])
def test_winograd_tile_is_the_one_with_fewer_products(size, tile):
    """16 products per 2x2 tile against 36 per 4x4 tile; on a tie the more accurate 2x2 tiles."""
    assert fl._winograd_tile(*size) == tile


def test_conv_fast_uses_winograd_when_it_pays(rng):
    """3x3 filters, stride 1 and enough input channels take the Winograd path; other convolutions do not."""
    n = fl.WINOGRAD_MIN_CHANNELS
    p = {"stride": 1, "pad": 1}
    x, b = rng.standard_normal((2, n, 6, 6)), rng.standard_normal(n)
    _, cache = fl.conv_forward_fast(x, rng.standard_normal((n, n, 3, 3)), b, p)
    assert len(cache) == 5 and cache[4][0].shape == (16, n, n)  # 6x6 output: 2x2 tiles (a tie)
    _, cache = fl.conv_forward_fast(np.zeros((1, n, 16, 16)), np.zeros((n, n, 3, 3)), b, p)
    assert len(cache) == 5 and cache[4][0].shape == (36, n, n)  # 16x16 output: 4x4 tiles
    _, cache = fl.conv_forward_fast(x[:, :n - 1], rng.standard_normal((4 * n, n - 1, 3, 3)), np.zeros(4 * n), p)
    assert len(cache) == 4  # too few input channels, however many outputs
    _, cache = fl.conv_forward_fast(x, rng.standard_normal((1, n, 3, 3)), b[:1], p)
    assert len(cache) == 5  # enough input channels, one output channel
    _, cache = fl.conv_forward_fast(x, rng.standard_normal((n, n, 3, 3)), b, {"stride": 1, "pad": 0})
    assert len(cache) == 5
    _, cache = fl.conv_forward_fast(x, rng.standard_normal((n, n, 3, 3)), b, {"stride": 3, "pad": 0})
    assert len(cache) == 4
    with pytest.raises(ValueError, match="3x3 filters and stride 1, got 5x5 filters and stride 1"):
        fl.conv_forward_winograd(x, rng.standard_normal((n, n, 5, 5)), b, {"stride": 1, "pad": 2})
    with pytest.raises(ValueError, match=r"tile must be one of \(2, 4\) or None, got 3"):
        fl.conv_forward_winograd(x, rng.standard_normal((n, n, 3, 3)), b, p, tile=3)


def test_winograd_backward_can_run_twice(rng):
    """The backward pass does not overwrite the transformed input it finds in the cache."""
    x, w, b = rng.standard_normal((2, 16, 5, 5)), rng.standard_normal((16, 16, 3, 3)), rng.standard_normal(16)
    out, cache = fl.conv_forward_winograd(x, w, b, {"stride": 1, "pad": 1})
    first = fl.conv_backward_winograd(np.ones_like(out), cache)
    fl.conv_forward_winograd(x[:1] * 2, w, b, {"stride": 1, "pad": 1})  # reuses the work buffers
    for a, c in zip(first, fl.conv_backward_winograd(np.ones_like(out), cache)):
        np.testing.assert_array_equal(a, c)


def test_winograd_kernels_check_their_arrays():
    from cs231n.im2col_cython import winograd_input_transform
    with pytest.raises(ValueError, match=r"V has shape \(16, 2, 3\), expected \(16, 2, 4\)"):
        winograd_input_transform(np.zeros((1, 2, 4, 4)), 1, np.zeros((16, 2, 3)))
    with pytest.raises(ValueError, match="contiguous along its last axis"):
        winograd_input_transform(np.zeros((1, 2, 4, 4)), 1, np.zeros((16, 2, 8))[:, :, ::2])
    with pytest.raises(ValueError, match=r"V has 25 planes along its first axis, expected 16 \(F\(2x2, 3x3\)\) "
                                         r"or 36 \(F\(4x4, 3x3\)\)"):
        winograd_input_transform(np.zeros((1, 2, 4, 4)), 1, np.zeros((25, 2, 4)))
    with pytest.raises(ValueError, match=r"V has shape \(36, 2, 4\), expected \(36, 2, 1\)"):
        winograd_input_transform(np.zeros((1, 2, 4, 4)), 1, np.zeros((36, 2, 4)))


def test_conv_errors_show_values():
    x = np.zeros((1, 2, 6, 6))
    with pytest.raises(ValueError, match=r"\(6 \+ 2\*0 - 3\) % 2 = 1"):
        fl.conv_forward_fast(x, np.zeros((1, 2, 3, 3)), np.zeros(1), {"stride": 2, "pad": 0})
    with pytest.raises(ValueError, match="x has 2 channels but w expects 3"):
        fl.conv_forward_fast(x, np.zeros((1, 3, 3, 3)), np.zeros(1), {"stride": 1, "pad": 0})
    with pytest.raises(TypeError, match="float32 or float64"):
        fl.conv_forward_fast(x.astype(np.int64), np.zeros((1, 2, 3, 3)), np.zeros(1), {"stride": 1, "pad": 0})


# (N, C, H, W, ph, pw, stride): tiling and not, square and not, overlapping windows
POOL_SHAPES = [
    (2, 3, 8, 8, 2, 2, 2),
    (1, 1, 7, 7, 2, 2, 2),
    (2, 2, 9, 9, 3, 3, 2),
    (2, 2, 8, 8, 3, 3, 2),
    (1, 3, 6, 5, 2, 3, 1),
    (2, 1, 10, 7, 3, 2, 3),
    (1, 2, 4, 4, 1, 1, 1),
    (2, 3, 32, 32, 3, 3, 2),
]
POOL_IMPLS = [
    ("fast", fl.max_pool_forward_fast, fl.max_pool_backward_fast),
    ("im2col", fl.max_pool_forward_im2col, fl.max_pool_backward_im2col),
    ("reshape", fl.max_pool_forward_reshape, fl.max_pool_backward_reshape),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", POOL_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("name,forward,backward", POOL_IMPLS, ids=[c[0] for c in POOL_IMPLS])
def test_pool_matches_reference(rng, name, forward, backward, shape, dtype):
    N, C, H, W, ph, pw, s = shape
    if name == "reshape" and not (ph == pw == s and H % ph == 0 and W % pw == 0):
        with pytest.raises(ValueError, match="max_pool_forward_fast"):
            forward(np.zeros((N, C, H, W), dtype), {"pool_height": ph, "pool_width": pw, "stride": s})
        return
    x = (rng.permutation(N * C * H * W).reshape(N, C, H, W) / 7.0).astype(dtype)
    param = {"pool_height": ph, "pool_width": pw, "stride": s}
    out, cache = forward(x, param)
    expected = pool_ref(x, ph, pw, s)
    assert out.dtype == dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected.astype(dtype))
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = backward(dout, cache)
    assert dx.dtype == dtype and dx.shape == x.shape
    assert err(dx, pool_backward_ref(dout.astype(np.float64), x, ph, pw, s), dtype) < tol(dtype)


@pytest.mark.parametrize("name,forward,backward", POOL_IMPLS[:2], ids=["fast", "im2col"])
def test_pool_ties_go_to_the_first_maximum(name, forward, backward):
    x = np.ones((1, 1, 2, 2))
    out, cache = forward(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = backward(np.full((1, 1, 1, 1), 5.0), cache)
    np.testing.assert_array_equal(dx[0, 0], [[5.0, 0.0], [0.0, 0.0]])


FALLBACK = r"""
import sys, warnings
sys.modules["cs231n.im2col_cython"] = None  # as if the extension were not built
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from cs231n import fast_layers as fl
msgs = [str(w.message) for w in caught]
assert fl.BACKEND == "numpy", fl.BACKEND
assert len(msgs) == 1 and "pip install -e ." in msgs[0], msgs
import numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((2, 3, 7, 7)); w = rng.standard_normal((4, 3, 3, 3)); b = rng.standard_normal(4)
p = {"stride": 2, "pad": 1}
res = {}
for name in ("fast", "im2col", "strides"):
    out, cache = getattr(fl, "conv_forward_" + name)(x, w, b, p)
    res[name] = (out,) + tuple(getattr(fl, "conv_backward_" + name)(np.ones_like(out), cache))
xp = rng.permutation(2 * 3 * 9 * 9).reshape(2, 3, 9, 9) / 3.0
pp = {"pool_height": 3, "pool_width": 3, "stride": 2}
for name in ("fast", "im2col"):
    out, cache = getattr(fl, "max_pool_forward_" + name)(xp, pp)
    res["pool_" + name] = (out, getattr(fl, "max_pool_backward_" + name)(np.ones_like(out), cache))
np.savez(sys.argv[1], **{k + str(i): v for k, t in res.items() for i, v in enumerate(t)})
"""


def test_numpy_fallback_warns_once_and_is_correct(tmp_path, rng):
    out_file = tmp_path / "res.npz"
    res = subprocess.run([sys.executable, "-c", FALLBACK, str(out_file)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    got = np.load(out_file)
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 3, 7, 7))
    w = r.standard_normal((4, 3, 3, 3))
    b = r.standard_normal(4)
    expected = conv_ref(x, w, b, 2, 1)
    edx, edw, edb = conv_backward_ref(np.ones_like(expected), x, w, 2, 1)
    for name in ("fast", "im2col", "strides"):
        for i, e in enumerate((expected, edx, edw, edb)):
            assert rel_error(got[f"{name}{i}"], e) < 1e-9, (name, i)
    xp = r.permutation(2 * 3 * 9 * 9).reshape(2, 3, 9, 9) / 3.0
    for name in ("fast", "im2col"):
        np.testing.assert_array_equal(got[f"pool_{name}0"], pool_ref(xp, 3, 3, 2))
        assert rel_error(got[f"pool_{name}1"], pool_backward_ref(np.ones((2, 3, 4, 4)), xp, 3, 3, 2)) < 1e-12
