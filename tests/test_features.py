"""HOG and hue-histogram features: shapes, invariants on synthetic images, extract_features."""
import numpy as np
import pytest

from cs231n.features import color_histogram_hsv, extract_features, hog_feature, rgb2gray


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
