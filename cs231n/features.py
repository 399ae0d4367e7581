"""Hand-crafted image features: HOG and a hue histogram (features.ipynb).

Each feature has a per-image function (``hog_feature``, ``color_histogram_hsv``, the 2022 kit's API)
and a batch version over N images (``hog_features``, ``color_histograms_hsv``) that gives the same
values bit for bit; the per-image functions call the batch ones on a batch of one. A per-image
function names its batch version in its ``batched`` attribute, which ``extract_features`` uses.
"""
import functools
import itertools

import numpy as np

from .nbutils import progress_bar


def extract_features(imgs, feature_fns, verbose=False, chunk_size=1000):
    """Apply feature functions to every image and stack the results.

    Parameters
    ----------
    imgs : ndarray of shape (N, H, W, C)
        Pixel data of N images.
    feature_fns : list of callables
        Each takes one image of shape (H, W, C) and returns a 1-D array of
        length F_i; the length is read from the first image.
    verbose : bool
        Show a progress bar (in notebooks a widget, elsewhere on stdout).
    chunk_size : int
        Number of images given at once to a feature function's batch version
        (see Notes); bounds the memory the batch versions use.

    Returns
    -------
    imgs_features : ndarray of shape (N, F_1 + ... + F_k)
        Row i is the concatenation of all the features of image i.

    Raises
    ------
    ValueError
        If a feature function returns an array that is not one-dimensional
        for the first image, or a batch version returns a shape other than
        (n, F_i) for a chunk of n images.

    Notes
    -----
    A feature function may offer a batch version in its ``batched``
    attribute: a callable taking images of shape (n, H, W, C), with the
    function's other arguments after them, and returning an array of shape
    (n, F_i) whose row j equals the function's result on image j.
    ``hog_feature`` and ``color_histogram_hsv`` do (``hog_features``,
    ``color_histograms_hsv``), and so does ``functools.partial`` of such a
    function, e.g. ``partial(color_histogram_hsv, nbin=10)``: its bound
    arguments are passed on to the batch version. The images then go to the
    batch version ``chunk_size`` at a time, which for the features notebook's
    HOG and hue histogram is about 2.5 times faster than calling them one
    image at a time, with the same values. Any other callable (a lambda, a
    function of your own) is called once per image. The progress bar advances
    a chunk at a time.
    """
    num_images = imgs.shape[0]
    if num_images == 0:
        return np.array([])
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")

    # Use the first image to determine feature dimensions
    feature_dims = []
    first_image_features = []
    for feature_fn in feature_fns:
        feats = np.asarray(feature_fn(imgs[0]))
        if feats.ndim != 1:
            raise ValueError(f"feature functions must return one-dimensional arrays; "
                             f"{_name(feature_fn)} returned shape {feats.shape}")
        feature_dims.append(feats.size)
        first_image_features.append(feats)

    # Now that we know the dimensions of the features, we can allocate a single
    # big array to store all features as columns.
    total_feature_dim = sum(feature_dims)
    imgs_features = np.zeros((num_images, total_feature_dim))
    imgs_features[0] = np.hstack(first_image_features)

    # Each function's columns, and its batch version (None: call it per image)
    ends = itertools.accumulate(feature_dims)
    plan = [(fn, _batch_version(fn), slice(end - dim, end))
            for fn, dim, end in zip(feature_fns, feature_dims, ends, strict=True)]

    bar = progress_bar(num_images, "features", enabled=bool(verbose))
    for start in range(0, num_images, chunk_size):
        stop = min(start + chunk_size, num_images)
        for feature_fn, batched, cols in plan:
            if batched is None:
                for i in range(max(start, 1), stop):  # image 0 is done
                    imgs_features[i, cols] = feature_fn(imgs[i])
                continue
            feats = np.asarray(batched(imgs[start:stop]))
            if feats.shape != (stop - start, cols.stop - cols.start):
                raise ValueError(f"the batch version of {_name(feature_fn)} returned shape {feats.shape} for "
                                 f"{stop - start} images, expected {(stop - start, cols.stop - cols.start)}: "
                                 f"one row of {cols.stop - cols.start} features per image")
            imgs_features[start:stop, cols] = feats
        if bar is not None:
            bar.update(stop - start)
    if bar is not None:
        bar.close()
    return imgs_features


def _name(fn):
    return getattr(fn, "__name__", repr(fn))


def _batch_version(feature_fn):
    """The batch version of a feature function (see extract_features), or None."""
    batched = getattr(feature_fn, "batched", None)
    if callable(batched):
        return batched
    if isinstance(feature_fn, functools.partial):
        batched = getattr(feature_fn.func, "batched", None)
        if callable(batched):
            return functools.partial(batched, *feature_fn.args, **feature_fn.keywords)
    return None


def rgb2gray(rgb):
    """Convert an RGB image to grayscale with the ITU-R BT.601 luma weights.

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3)
        Or any shape (..., 3), e.g. (N, H, W, 3) for N images.

    Returns
    -------
    gray : ndarray of shape (H, W)
        ``0.299 R + 0.587 G + 0.114 B``. (The 2022 kit had 0.144 for blue, a typo.)
    """
    return np.dot(rgb[..., :3], [0.299, 0.587, 0.114])


def hog_feature(im):
    """Histogram of oriented gradients (HOG) of an image.

    The image is converted to grayscale, its gradients are taken by forward
    differences, and each 8x8-pixel cell gets a 9-bin histogram of unsigned
    gradient orientation (0-180 degrees, 20 degrees a bin), each pixel voting
    with its gradient magnitude; the histogram is divided by the cell's 64
    pixels. Pixels beyond the last whole cell are ignored.

    Parameters
    ----------
    im : ndarray of shape (H, W, 3) or (H, W)
        An RGB or grayscale image.

    Returns
    -------
    feat : ndarray of shape ((H // 8) * (W // 8) * 9,)
        The histograms of the cells in row-major order, 144 values for a
        32x32 image.

    Notes
    -----
    The 2022 kit's version added 90 degrees to ``arctan2`` and kept only
    orientations in [0, 180), so gradients pointing left were dropped; here
    every gradient votes, with its orientation taken modulo 180.

    ``hog_features`` computes the same for many images at once.

    References
    ----------
    N. Dalal and B. Triggs, "Histograms of Oriented Gradients for Human
    Detection", CVPR 2005.
    """
    im = np.asarray(im)
    if im.ndim != 3:
        im = np.atleast_2d(im)  # grayscale
    if im.ndim not in (2, 3):
        raise ValueError(f"hog_feature expects one image of shape (H, W, 3) or (H, W), got shape {im.shape}")
    return hog_features(im[None])[0]


def hog_features(imgs):
    """HOG of many images at once: ``hog_feature`` of each image, bit for bit.

    Parameters
    ----------
    imgs : ndarray of shape (N, H, W, 3) or (N, H, W)
        N RGB or grayscale images.

    Returns
    -------
    feats : ndarray of shape (N, (H // 8) * (W // 8) * 9)
        Row i is ``hog_feature(imgs[i])``.

    Notes
    -----
    The images are processed ``_BLOCK`` (32) at a time, so that the
    temporary arrays stay small (256 KB for 32x32 images) whatever N is.
    """
    imgs = np.asarray(imgs)
    if imgs.ndim not in (3, 4):
        raise ValueError(f"hog_features expects N images of shape (N, H, W, 3) or (N, H, W), "
                         f"got shape {imgs.shape}; for one image call hog_feature")
    sx, sy = imgs.shape[1:3]  # image size
    if sx < 8 or sy < 8:
        raise ValueError(f"HOG needs images of at least 8x8 pixels, got {sx}x{sy}")
    feats = np.empty((imgs.shape[0], (sx // 8) * (sy // 8) * 9))
    for start in range(0, imgs.shape[0], _BLOCK):
        feats[start:start + _BLOCK] = _hog_block(imgs[start:start + _BLOCK])
    return feats


# Images per step in the batch functions. Small temporaries stay in the CPU's cache and in malloc's
# heap; glibc maps and unmaps larger ones (64 images: 512 KB) each time, page faults included,
# which made a first pass over the notebook's images 50% slower.
_BLOCK = 32


def _hog_block(imgs):
    """hog_features of a few images (see there); every temporary holds all of them."""
    # convert rgb to grayscale if needed
    image = rgb2gray(imgs) if imgs.ndim == 4 else imgs.astype(np.float64)  # (n, H, W)

    num_images, sx, sy = image.shape  # number of images, image size
    orientations = 9  # number of gradient bins
    cx, cy = (8, 8)  # pixels per cell
    n_cellsx, n_cellsy = sx // cx, sy // cy  # number of cells in x and y

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    np.subtract(image[:, :, 1:], image[:, :, :-1], out=gx[:, :, :-1])  # gradient on x (np.diff)
    np.subtract(image[:, 1:, :], image[:, :-1, :], out=gy[:, :-1, :])  # gradient on y
    grad_mag = np.sqrt(gx * gx + gy * gy)  # gradient magnitude
    # Unsigned orientation in [0, 180], as np.rad2deg(np.arctan2(gy, gx)) % 180.0 computes it, faster:
    # the degrees lie in [-180, 180], where np.remainder's fmod leaves them unchanged, then adds 180 to
    # a negative result (which may round to 180: it then falls in the last bin); +/-180 give 0.
    grad_ori = np.rad2deg(np.arctan2(gy, gx))
    negative = grad_ori < 0
    np.subtract(grad_ori, 180.0, out=grad_ori, where=grad_ori >= 180)
    np.add(grad_ori, 180.0, out=grad_ori, where=negative)
    bins = np.minimum((grad_ori * (orientations / 180.0)).astype(np.intp), orientations - 1)

    # Crop to whole cells, then sum each cell's votes per bin. bincount adds the
    # weights in the order given, row by row within each cell, starting from 0.
    grad_mag = grad_mag[:, :n_cellsx * cx, :n_cellsy * cy]
    bins = bins[:, :n_cellsx * cx, :n_cellsy * cy]
    cell = ((np.arange(n_cellsx * cx) // cx)[:, None] * n_cellsy
            + (np.arange(n_cellsy * cy) // cy)[None, :])  # (n_cellsx*cx, n_cellsy*cy): cell of each pixel
    num_cells = n_cellsx * n_cellsy
    # (n, n_cellsx*cx, n_cellsy*cy): the histogram entry each pixel votes for
    slot = (np.arange(num_images)[:, None, None] * num_cells + cell) * orientations + bins
    sums = np.bincount(slot.ravel(), weights=grad_mag.ravel(), minlength=num_images * num_cells * orientations)
    # (n * n_cellsx * n_cellsy * 9,) -> (n, n_cellsx * n_cellsy * 9), the mean over each cell's pixels
    return sums.reshape(num_images, num_cells * orientations) / (cx * cy)


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Histogram of the hue of an image.

    Parameters
    ----------
    im : ndarray of shape (H, W, 3)
        An RGB image with values in [xmin, xmax] (0-255 by default).
    nbin : int
        Number of histogram bins.
    xmin, xmax : float
        Range of the pixel values; hue is rescaled to the same range.
    normalized : bool
        If True, the bins sum to 1; otherwise they hold pixel counts.

    Returns
    -------
    imhist : ndarray of shape (nbin,)

    Notes
    -----
    ``color_histograms_hsv`` computes the same for many images at once.
    """
    im = np.asarray(im)
    if im.ndim != 3:
        raise ValueError(f"color_histogram_hsv expects one RGB image of shape (H, W, 3), got shape {im.shape}")
    return color_histograms_hsv(im[None], nbin=nbin, xmin=xmin, xmax=xmax, normalized=normalized)[0]


def color_histograms_hsv(imgs, nbin=10, xmin=0, xmax=255, normalized=True):
    """Hue histograms of many images at once: ``color_histogram_hsv`` of each, bit for bit.

    The hue is that of ``matplotlib.colors.rgb_to_hsv(imgs / xmax)``, times
    xmax. The bins are ``np.histogram``'s for the edges
    ``np.linspace(xmin, xmax, nbin + 1)``: bin k holds the hues h with
    ``edge[k] <= h < edge[k + 1]``, the last bin also ``h == edge[nbin]``, and
    hues outside [xmin, xmax] are not counted. Normalized, the counts are
    divided by the bin widths and the total (``np.histogram``'s density), then
    multiplied by the bin widths.

    Parameters
    ----------
    imgs : ndarray of shape (N, H, W, 3)
        N RGB images with values in [xmin, xmax] (0-255 by default).
    nbin : int
        Number of histogram bins.
    xmin, xmax : float
        Range of the pixel values; hue is rescaled to the same range.
    normalized : bool
        If True, each row sums to 1; otherwise the rows hold pixel counts.

    Returns
    -------
    imhists : ndarray of shape (N, nbin)
        Row i is ``color_histogram_hsv(imgs[i], nbin, xmin, xmax, normalized)``:
        floats if normalized, else integer counts.
    """
    imgs = np.asarray(imgs)
    if imgs.ndim != 4 or imgs.shape[-1] != 3:
        raise ValueError(f"color_histograms_hsv expects N RGB images of shape (N, H, W, 3), got shape "
                         f"{imgs.shape}; for one image call color_histogram_hsv")
    bin_edges = np.linspace(xmin, xmax, nbin + 1)
    if np.any(bin_edges[:-1] > bin_edges[1:]):
        raise ValueError(f"xmin must not exceed xmax, got xmin={xmin} and xmax={xmax}")
    counts = np.empty((imgs.shape[0], nbin), np.intp)
    for start in range(0, imgs.shape[0], _BLOCK):
        counts[start:start + _BLOCK] = _hue_counts(imgs[start:start + _BLOCK], bin_edges, xmax)
    if not normalized:
        return counts
    # np.histogram's density, then times the bin widths: each row sums to 1
    db = np.array(np.diff(bin_edges), float)
    imhists = counts / db / counts.sum(axis=1, keepdims=True)
    return imhists * np.diff(bin_edges)


def _hue_counts(imgs, bin_edges, xmax):
    """np.histogram(hue, bin_edges)[0] of each of a few images (see color_histograms_hsv), shape (n, nbin)."""
    return _bin_counts(_hue(imgs, xmax) * xmax, bin_edges)


def _bin_counts(values, bin_edges):
    """``np.histogram(values[i], bin_edges)[0]`` for each i.

    Parameters
    ----------
    values : ndarray of shape (n, ...)
    bin_edges : ndarray of shape (nbin + 1,)
        Non-decreasing.

    Returns
    -------
    counts : ndarray of shape (n, nbin)
        Bin k holds the values v with ``edge[k] <= v < edge[k + 1]``, the last bin also
        ``v == edge[nbin]``; values outside the edges (and NaN) are not counted.
    """
    # The number of edges <= v (searchsorted(side="right")) is k + 1 for bin k, 0 below the first
    # edge and nbin + 1 above the last (or NaN).
    nbin = bin_edges.size - 1
    if nbin < 100:  # a comparison per edge is several times faster than searchsorted here
        slot = np.zeros(values.shape, np.int8)
        for edge in bin_edges:
            np.add(slot, values >= edge, out=slot, casting="unsafe")
        slot = slot.astype(np.intp)
    else:
        slot = np.searchsorted(bin_edges, values, side="right")
    slot[values == bin_edges[-1]] = nbin
    num_rows = values.shape[0]
    slot = slot.reshape(num_rows, -1) + np.arange(num_rows)[:, None] * (nbin + 2)  # row i's slots from i * (nbin + 2)
    counts = np.bincount(slot.ravel(), minlength=num_rows * (nbin + 2))
    return counts.reshape(num_rows, nbin + 2)[:, 1:nbin + 1]  # (n, nbin): below and above left out


def _hue(imgs, xmax):
    """Hue channel of ``matplotlib.colors.rgb_to_hsv(imgs / xmax)``, bit for bit.

    Parameters
    ----------
    imgs : ndarray of shape (..., 3)
        RGB values in [0, xmax].
    xmax : float
        The largest value a channel can have.

    Returns
    -------
    hue : ndarray of shape (...)
        In [0, 1), in the float type of ``imgs / xmax`` (at least float32),
        as matplotlib's.
    """
    # matplotlib's arithmetic, step by step, without its boolean indexing (ten times slower).
    # (3, ...): imgs / xmax with each channel contiguous, in the type matplotlib computes in
    dtype = np.promote_types((imgs[..., :0] / xmax).dtype, np.float32)
    r, g, b = np.divide(np.moveaxis(imgs, -1, 0), xmax, out=np.empty((3,) + imgs.shape[:-1], dtype))
    arr_max = np.maximum(np.maximum(r, g), b)
    arr_min = np.minimum(np.minimum(r, g), b)
    if np.any(arr_max > 1) or arr_min.min(initial=0) < 0:  # initial: there may be no pixels
        raise ValueError(f"pixel values must lie in [0, xmax] = [0, {xmax}], found values from "
                         f"{arr_min.min() * xmax} to {arr_max.max() * xmax}; pass the images' range as xmax")
    delta = arr_max - arr_min
    ipos = delta > 0
    # matplotlib sets the hue where red is the max, then where green is, then where blue is:
    # the last one wins. Red: (g - b) / delta; green: 2 + (b - r) / delta; blue: 4 + (r - g) / delta.
    is_blue = b == arr_max
    is_green = (g == arr_max) & ~is_blue
    hue = g - b
    np.subtract(b, r, out=hue, where=is_green)
    np.subtract(r, g, out=hue, where=is_blue)
    np.copyto(delta, 1, where=~ipos)  # no division by 0: the hue is 0 there
    hue /= delta
    np.add(hue, 2., out=hue, where=is_green)
    np.add(hue, 4., out=hue, where=is_blue)
    np.copyto(hue, 0, where=~ipos)
    hue /= 6.0  # in [-1/6, 5/6]: each numerator lies in [-delta, delta]
    # hue % 1.0 as np.remainder computes it: fmod leaves it unchanged, then 1 is added if negative,
    # and -0 becomes +0
    np.add(hue, 1.0, out=hue, where=hue < 0)
    hue += 0.0
    return hue


hog_feature.batched = hog_features
color_histogram_hsv.batched = color_histograms_hsv
