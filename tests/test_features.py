"""HOG and hue-histogram features: shapes, invariants on synthetic images, the batch versions against the
per-image code they replaced (bit for bit), extract_features' batch and per-image paths."""
import functools

import matplotlib.colors
import numpy as np
import pytest

from cs231n.features import (
    _bin_counts,
    _hue,
    color_histogram_hsv,
    color_histograms_hsv,
    extract_features,
    hog_feature,
    hog_features,
    rgb2gray,
)


def test_rgb2gray_luma_weights():
    im = np.zeros((2, 2, 3))
    im[..., 2] = 100.0
    np.testing.assert_allclose(rgb2gray(im), 11.4)  # blue weight 0.114 (the 2022 kit had 0.144)
    np.testing.assert_allclose(rgb2gray(np.full((1, 1, 3), 7.0)), 7.0)  # weights sum to 1


def test_hog_shape_and_flat_image(rng):
    assert hog_feature(rng.uniform(0, 255, (32, 32, 3))).shape == (144,)
    assert hog_feature(rng.uniform(0, 255, (40, 24))).shape == (5 * 3 * 9,)
    np.testing.assert_array_equal(hog_feature(np.full((32, 32, 3), 80.0)), 0)
    with pytest.raises(ValueError, match="at least 8x8"):
        hog_feature(np.zeros((4, 32)))


def _bins(feat):
    return feat.reshape(-1, 9).sum(axis=0)


def test_hog_orientation_bins():
    """A horizontal ramp has gradients along x only (0 degrees), a vertical one along y (90)."""
    cols = np.tile(np.arange(32.0), (32, 1))
    h = _bins(hog_feature(cols))
    assert h[0] > 0 and np.all(h[1:] == 0)
    v = _bins(hog_feature(cols.T.copy()))
    assert v[4] > 0 and np.all(np.delete(v, 4) == 0)  # 90 degrees falls in bin [80, 100)
    # Unsigned: a ramp going the other way lands in the same bin with the same mass
    np.testing.assert_allclose(_bins(hog_feature(cols[:, ::-1].copy())), h)


def test_hog_scales_linearly_and_ignores_offsets(rng):
    im = rng.uniform(0, 100, (32, 32, 3))
    f = hog_feature(im)
    np.testing.assert_allclose(hog_feature(3 * im), 3 * f, rtol=1e-12)
    np.testing.assert_allclose(hog_feature(im + 50), f, rtol=1e-9, atol=1e-9)


def test_color_histogram(rng):
    im = rng.uniform(0, 255, (32, 32, 3))
    h = color_histogram_hsv(im, nbin=10)
    assert h.shape == (10,) and abs(h.sum() - 1) < 1e-12 and np.all(h >= 0)
    counts = color_histogram_hsv(im, nbin=25, normalized=False)
    assert counts.shape == (25,) and counts.sum() == 32 * 32
    red = np.zeros((8, 8, 3))
    red[..., 0] = 255
    np.testing.assert_array_equal(color_histogram_hsv(red, nbin=5), [1, 0, 0, 0, 0])  # hue 0
    blue = np.zeros((8, 8, 3))
    blue[..., 2] = 255
    # hue 2/3 of the circle -> 170 on the 0..255 scale -> bin 3 of 5 (153..204)
    np.testing.assert_array_equal(color_histogram_hsv(blue, nbin=5), [0, 0, 0, 1, 0])


def test_extract_features(rng, capsys):
    imgs = rng.uniform(0, 255, (7, 32, 32, 3))
    fns = [hog_feature, lambda im: color_histogram_hsv(im, nbin=10)]
    F = extract_features(imgs, fns, verbose=True)
    assert F.shape == (7, 154)
    np.testing.assert_allclose(F[3, :144], hog_feature(imgs[3]))
    np.testing.assert_allclose(F[6, 144:], color_histogram_hsv(imgs[6], nbin=10))
    captured = capsys.readouterr()
    assert "7/7" in captured.out and captured.err == ""  # progress bar on stdout, never stderr
    with pytest.raises(ValueError, match="one-dimensional"):
        extract_features(imgs, [lambda im: im])


# ---------------------------------------------------------------------------------------------------
# Batch versions. The per-image functions as they were before the batch versions (a Python loop per
# image) are kept here as references: the batch versions must give the same values bit for bit.

def _hog_feature_before(im):
    """hog_feature before hog_features existed (np.remainder, put_along_axis, mean over each cell)."""
    image = rgb2gray(im) if im.ndim == 3 else np.atleast_2d(im).astype(np.float64)
    sx, sy = image.shape
    orientations = 9
    cx, cy = (8, 8)
    n_cellsx, n_cellsy = sx // cx, sy // cy
    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :-1] = np.diff(image, n=1, axis=1)
    gy[:-1, :] = np.diff(image, n=1, axis=0)
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)
    grad_ori = np.rad2deg(np.arctan2(gy, gx)) % 180.0
    bins = np.minimum((grad_ori * (orientations / 180.0)).astype(np.intp), orientations - 1)
    grad_mag = grad_mag[:n_cellsx * cx, :n_cellsy * cy]
    bins = bins[:n_cellsx * cx, :n_cellsy * cy]
    votes = np.zeros((n_cellsx * cx, n_cellsy * cy, orientations))
    np.put_along_axis(votes, bins[..., None], grad_mag[..., None], axis=2)
    hist = votes.reshape(n_cellsx, cx, n_cellsy, cy, orientations).mean(axis=(1, 3))
    return hist.ravel()


def _color_histogram_hsv_before(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """color_histogram_hsv before color_histograms_hsv existed (matplotlib's rgb_to_hsv, np.histogram)."""
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = matplotlib.colors.rgb_to_hsv(im / xmax) * xmax
    imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=normalized)
    if normalized:
        imhist = imhist * np.diff(bin_edges)
    return imhist


def _awkward_images(rng, n, h, w):
    """Random 0..255 float64 images, a few with pixels made to tie and to sit on histogram edges."""
    imgs = rng.uniform(0, 255, (n, h, w, 3))
    imgs[0] = np.round(imgs[0])  # integer values, as CIFAR's: many ties and zero gradients
    imgs[1, ::2] = imgs[1, ::2, :, :1]  # gray rows: no hue, no colour
    imgs[2, :, ::3, 1] = imgs[2, :, ::3, 0]  # red and green tie
    imgs[2, :, 1::3, 2] = imgs[2, :, 1::3, 1]  # green and blue tie
    imgs[3, :4] = [255, 0, 0]  # pure red: hue 0
    imgs[3, 4:8] = [0, 0, 255]  # pure blue: hue 170
    imgs[3, 8:] = 0
    return imgs


@pytest.mark.parametrize("shape", [(150, 32, 32, 3), (9, 40, 24, 3), (9, 40, 24), (9, 33, 17), (5, 8, 8, 3)],
                         ids=["32x32x3 several blocks", "40x24x3", "40x24 gray", "33x17 gray crop", "8x8x3"])
def test_hog_features_match_per_image_and_before(rng, shape):
    """Row i of hog_features is hog_feature(imgs[i]) and the pre-batch result, exactly (same arithmetic)."""
    imgs = rng.uniform(0, 255, shape)
    if len(shape) == 4:
        imgs[:4] = _awkward_images(rng, 4, *shape[1:3])
    feats = hog_features(imgs)
    assert feats.shape == (shape[0], (shape[1] // 8) * (shape[2] // 8) * 9)
    for i in range(shape[0]):
        np.testing.assert_array_equal(feats[i], hog_feature(imgs[i]))
        np.testing.assert_array_equal(feats[i], _hog_feature_before(imgs[i]))


def test_hog_orientation_edge_cases_match_before():
    """Gradients along -x (180 degrees, bin 0), +/-y, diagonals, none, and a tiny negative angle whose
    % 180 rounds to 180.0 (last bin, as np.remainder gives) land where the pre-batch code put them."""
    im = np.zeros((16, 24))
    im[:8, :8] = np.arange(8.0)[::-1]  # gradient along -x
    im[:8, 8:16] = np.arange(8.0)[:, None]  # along +y
    im[:8, 16:] = np.arange(8.0)[::-1, None]  # along -y
    im[8:, :8] = np.add.outer(np.arange(8.0), np.arange(8.0))  # 45 degrees
    im[8:, 8:16] = np.add.outer(np.arange(8.0), -np.arange(8.0))  # 135 degrees
    im[8:, 16:] = 255.0 * np.arange(8.0)  # along +x ...
    im[9, 16] = -1e-14  # ... with gy = -1e-14 at (8, 16): -2.2e-15 degrees, + 180 rounds to 180.0
    np.testing.assert_array_equal(hog_feature(im), _hog_feature_before(im))
    assert hog_feature(im).reshape(2, 3, 9)[1, 2, 8] > 0  # the rounded one is in the last bin


def test_hog_features_bad_input():
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\) or \(N, H, W\).*shape \(32, 32\)"):
        hog_features(np.zeros((32, 32)))
    with pytest.raises(ValueError, match="at least 8x8"):
        hog_features(np.zeros((3, 7, 32, 3)))
    with pytest.raises(ValueError, match=r"one image.*shape \(2, 32, 32, 3\)"):
        hog_feature(np.zeros((2, 32, 32, 3)))
    assert hog_features(np.zeros((0, 32, 32, 3))).shape == (0, 144)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
def test_hue_matches_matplotlib(rng, dtype):
    """_hue is matplotlib's rgb_to_hsv hue bit for bit (ties, grays, pure colours, float32 arithmetic)."""
    imgs = _awkward_images(rng, 6, 16, 16)
    imgs[4, 0, 0] = [-0.0, 0.0, 0.0]
    imgs[4, 0, 1] = [200.0, -0.0, 0.0]  # g - b = -0.0: matplotlib's % 1.0 gives +0
    imgs = imgs.astype(dtype) if dtype is not np.uint8 else np.round(imgs).astype(np.uint8)
    expected = matplotlib.colors.rgb_to_hsv(imgs / 255)[..., 0]
    hue = _hue(imgs, 255)
    assert hue.dtype == expected.dtype
    np.testing.assert_array_equal(hue, expected)
    np.testing.assert_array_equal(np.signbit(hue), np.signbit(expected))


def test_hue_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, xmax\] = \[0, 255\].*found values from 0.0 to 300.0"):
        color_histograms_hsv(np.zeros((1, 8, 8, 3)) + [0, 0, 300.0])
    with pytest.raises(ValueError, match="found values from -1.0"):
        color_histogram_hsv(np.full((8, 8, 3), -1.0))


@pytest.mark.parametrize("nbin", [10, 7, 150])  # 150: the searchsorted path
def test_bin_counts_match_np_histogram(rng, nbin):
    """Values on every edge, at 0 and 255, below, above and NaN: counted as np.histogram counts them."""
    edges = np.linspace(0, 255, nbin + 1)
    values = rng.uniform(-20, 275, (6, 300))
    values[0, :nbin + 1] = edges  # exactly on each edge, the last one included in the last bin
    values[1, :4] = [0.0, 255.0, np.nextafter(255.0, 0), np.nextafter(0.0, -1)]
    values[2, :nbin + 1] = np.nextafter(edges, np.inf)
    values[3, :nbin + 1] = np.nextafter(edges, -np.inf)
    values[4, :3] = np.nan
    counts = _bin_counts(values, edges)
    assert counts.shape == (6, nbin)
    for i in range(6):
        np.testing.assert_array_equal(counts[i], np.histogram(values[i], bins=edges)[0])
    # float32 values are compared with the float64 edges in float64, as np.histogram does
    v32 = values.astype(np.float32)
    for i in range(6):
        np.testing.assert_array_equal(_bin_counts(v32, edges)[i], np.histogram(v32[i], bins=edges)[0])


@pytest.mark.parametrize("kwargs", [{}, {"nbin": 7, "normalized": False}, {"nbin": 25},
                                    {"nbin": 4, "xmin": 100}, {"nbin": 3, "xmax": 300.0}],
                         ids=["default", "counts", "25 bins", "xmin 100", "xmax 300"])
def test_color_histograms_match_per_image_and_before(rng, kwargs):
    """Row i of color_histograms_hsv is color_histogram_hsv(imgs[i]) and the pre-batch result, exactly:
    the density arithmetic (counts / widths / total, times widths) is np.histogram's, step for step."""
    imgs = np.concatenate([_awkward_images(rng, 4, 40, 24), rng.uniform(0, 255, (140, 40, 24, 3))])
    hists = color_histograms_hsv(imgs, **kwargs)
    nbin = kwargs.get("nbin", 10)
    assert hists.shape == (144, nbin)
    for i in range(144):
        before = _color_histogram_hsv_before(imgs[i], **kwargs)
        np.testing.assert_array_equal(hists[i], before)
        assert hists[i].dtype == before.dtype  # counts stay integers
        np.testing.assert_array_equal(color_histogram_hsv(imgs[i], **kwargs), before)


def test_color_histograms_bad_input():
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\).*shape \(8, 8, 3\)"):
        color_histograms_hsv(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match=r"\(H, W, 3\).*shape \(8, 8\)"):
        color_histogram_hsv(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="xmin must not exceed xmax"):
        color_histograms_hsv(np.zeros((1, 8, 8, 3)), xmin=300)
    assert color_histograms_hsv(np.zeros((0, 8, 8, 3))).shape == (0, 10)


def test_batch_versions_on_cifar(cifar10_raw):
    """The real images (integer pixel values: ties and flat regions) give the pre-batch values."""
    imgs = cifar10_raw[2][:200]
    hog, hue = hog_features(imgs), color_histograms_hsv(imgs, nbin=10)
    for i in range(200):
        np.testing.assert_array_equal(hog[i], _hog_feature_before(imgs[i]))
        np.testing.assert_array_equal(hue[i], _color_histogram_hsv_before(imgs[i], nbin=10))


# ---------------------------------------------------------------------------------------------------
# extract_features: the batch path

def test_extract_features_batch_path_equals_per_image_path(rng, capsys):
    """hog_feature and a partial of color_histogram_hsv go through their batch versions, chunk by chunk
    (4 full chunks of 64 and a last one of 44); lambdas around them go image by image: same matrix."""
    imgs = rng.uniform(0, 255, (300, 32, 32, 3))
    fast = extract_features(imgs, [hog_feature, functools.partial(color_histogram_hsv, nbin=10)],
                            verbose=True, chunk_size=64)
    slow = extract_features(imgs, [lambda im: hog_feature(im), lambda im: color_histogram_hsv(im, nbin=10)],
                            chunk_size=64)
    assert fast.shape == (300, 154)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast[299, :144], _hog_feature_before(imgs[299]))
    captured = capsys.readouterr()
    assert "300/300" in captured.out and captured.err == ""


def _spy(per_image, batched):
    """A feature function with a batch version, recording each call."""
    calls = []

    def fn(*args, **kwargs):
        calls.append(("image", args, kwargs))
        return per_image(*args, **kwargs)

    def fn_batched(*args, **kwargs):
        calls.append(("batch", args, kwargs))
        return batched(*args, **kwargs)

    fn.batched = fn_batched
    return fn, calls


def test_extract_features_uses_batch_versions_in_chunks(rng):
    imgs = rng.uniform(0, 255, (10, 8, 8, 3))
    fn, calls = _spy(lambda im: im.mean(axis=(0, 1)), lambda imgs: imgs.mean(axis=(1, 2)))
    feats = extract_features(imgs, [fn], chunk_size=4)
    np.testing.assert_allclose(feats, imgs.mean(axis=(1, 2)), rtol=1e-15)
    # one image for the feature size, then chunks of 4, 4 and 2
    assert [(kind, args[0].shape[0]) for kind, args, _ in calls] == [("image", 8), ("batch", 4), ("batch", 4),
                                                                       ("batch", 2)]


def test_extract_features_partial_passes_its_arguments(rng):
    """A partial's positional arguments go before the images and its keywords after, as in the call per image."""
    fn, calls = _spy(lambda scale, im, offset=0.0: scale * im.mean(axis=(0, 1)) + offset,
                     lambda scale, imgs, offset=0.0: scale * imgs.mean(axis=(1, 2)) + offset)
    imgs = rng.uniform(0, 255, (9, 8, 8, 3))
    fns = [functools.partial(fn, 2.0, offset=-1.0), functools.partial(color_histogram_hsv, nbin=5, normalized=False)]
    fast = extract_features(imgs, fns, chunk_size=4)
    assert [(kind, args[0], args[1].shape, kwargs) for kind, args, kwargs in calls] == [
        ("image", 2.0, (8, 8, 3), {"offset": -1.0}), ("batch", 2.0, (4, 8, 8, 3), {"offset": -1.0}),
        ("batch", 2.0, (4, 8, 8, 3), {"offset": -1.0}), ("batch", 2.0, (1, 8, 8, 3), {"offset": -1.0})]
    slow = extract_features(imgs, [lambda im, f=f: f(im) for f in fns], chunk_size=4)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_allclose(fast[:, :3], 2.0 * imgs.mean(axis=(1, 2)) - 1.0, rtol=1e-15)
    np.testing.assert_array_equal(fast[:, 3:].sum(axis=1), 64)  # counts of the 64 pixels


def test_extract_features_errors(rng):
    imgs = rng.uniform(0, 255, (5, 8, 8, 3))
    fn, _ = _spy(lambda im: im.mean(axis=(0, 1)), lambda imgs: imgs.mean(axis=1))  # (n, 8, 3), not (n, 3)
    with pytest.raises(ValueError, match=r"batch version of fn returned shape \(5, 8, 3\) for 5 images, "
                                         r"expected \(5, 3\)"):
        extract_features(imgs, [fn])
    with pytest.raises(ValueError, match="chunk_size must be a positive integer, got 0"):
        extract_features(imgs, [hog_feature], chunk_size=0)
    assert extract_features(imgs[:0], [hog_feature]).size == 0
