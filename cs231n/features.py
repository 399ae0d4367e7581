"""Hand-crafted image features: HOG and a hue histogram (features.ipynb)."""
import matplotlib.colors
import numpy as np

from .nbutils import progress_bar


def extract_features(imgs, feature_fns, verbose=False):
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

    Returns
    -------
    imgs_features : ndarray of shape (N, F_1 + ... + F_k)
        Row i is the concatenation of all the features of image i.
    """
    num_images = imgs.shape[0]
    if num_images == 0:
        return np.array([])

    # Use the first image to determine feature dimensions
    feature_dims = []
    first_image_features = []
    for feature_fn in feature_fns:
        feats = np.asarray(feature_fn(imgs[0]))
        if feats.ndim != 1:
            raise ValueError(f"feature functions must return one-dimensional arrays; "
                             f"{getattr(feature_fn, '__name__', feature_fn)} returned shape {feats.shape}")
        feature_dims.append(feats.size)
        first_image_features.append(feats)

    # Now that we know the dimensions of the features, we can allocate a single
    # big array to store all features as columns.
    total_feature_dim = sum(feature_dims)
    imgs_features = np.zeros((num_images, total_feature_dim))
    imgs_features[0] = np.hstack(first_image_features)

    bar = progress_bar(num_images, "features", enabled=True if verbose else False)
    if bar is not None:
        bar.update(1)
    for i in range(1, num_images):
        idx = 0
        for feature_fn, feature_dim in zip(feature_fns, feature_dims, strict=True):
            next_idx = idx + feature_dim
            imgs_features[i, idx:next_idx] = feature_fn(imgs[i])
            idx = next_idx
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return imgs_features


def rgb2gray(rgb):
    """Convert an RGB image to grayscale with the ITU-R BT.601 luma weights.

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3)

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

    References
    ----------
    N. Dalal and B. Triggs, "Histograms of Oriented Gradients for Human
    Detection", CVPR 2005.
    """
    # convert rgb to grayscale if needed
    image = rgb2gray(im) if im.ndim == 3 else np.atleast_2d(im).astype(np.float64)

    sx, sy = image.shape  # image size
    orientations = 9  # number of gradient bins
    cx, cy = (8, 8)  # pixels per cell
    n_cellsx, n_cellsy = sx // cx, sy // cy  # number of cells in x and y
    if n_cellsx == 0 or n_cellsy == 0:
        raise ValueError(f"hog_feature needs an image of at least 8x8 pixels, got {sx}x{sy}")

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :-1] = np.diff(image, n=1, axis=1)  # compute gradient on x-direction
    gy[:-1, :] = np.diff(image, n=1, axis=0)  # compute gradient on y-direction
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)  # gradient magnitude
    grad_ori = np.rad2deg(np.arctan2(gy, gx)) % 180.0  # unsigned orientation in [0, 180)
    bins = np.minimum((grad_ori * (orientations / 180.0)).astype(np.intp), orientations - 1)

    # crop to whole cells, then each cell's per-bin magnitude sums
    grad_mag = grad_mag[:n_cellsx * cx, :n_cellsy * cy]
    bins = bins[:n_cellsx * cx, :n_cellsy * cy]
    votes = np.zeros((n_cellsx * cx, n_cellsy * cy, orientations))
    np.put_along_axis(votes, bins[..., None], grad_mag[..., None], axis=2)
    # (n_cellsx*cx, n_cellsy*cy, 9) -> (n_cellsx, cx, n_cellsy, cy, 9) -> mean over each cell
    hist = votes.reshape(n_cellsx, cx, n_cellsy, cy, orientations).mean(axis=(1, 3))
    return hist.ravel()


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
    """
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = matplotlib.colors.rgb_to_hsv(im / xmax) * xmax
    imhist, bin_edges = np.histogram(hsv[:, :, 0], bins=bins, density=normalized)
    if normalized:
        imhist = imhist * np.diff(bin_edges)  # density times bin width: the bins sum to 1
    return imhist
