"""Image grids for looking at data and learned weights."""
from math import ceil, sqrt

import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Tile a batch of images into one grid image, each tile scaled on its own.

    Parameters
    ----------
    Xs : ndarray of shape (N, H, W, C)
    ubound : float
        Each tile is min-max scaled to [0, ubound].
    padding : int
        Blank pixels between tiles.

    Returns
    -------
    grid : ndarray of shape (G*H + (G-1)*padding, G*W + (G-1)*padding, C)
        With G = ceil(sqrt(N)); unused tiles stay 0.
    """
    N, H, W, C = Xs.shape
    grid_size = int(ceil(sqrt(N)))
    grid_height = H * grid_size + padding * (grid_size - 1)
    grid_width = W * grid_size + padding * (grid_size - 1)
    grid = np.zeros((grid_height, grid_width, C))
    next_idx = 0
    y0, y1 = 0, H
    for _ in range(grid_size):
        x0, x1 = 0, W
        for _ in range(grid_size):
            if next_idx < N:
                img = Xs[next_idx]
                low, high = np.min(img), np.max(img)
                scale = high - low if high > low else 1.0
                grid[y0:y1, x0:x1] = ubound * (img - low) / scale
                next_idx += 1
            x0 += W + padding
            x1 += W + padding
        y0 += H + padding
        y1 += H + padding
    return grid


def vis_grid(Xs):
    """Tile a batch of images with 1-pixel separators, the whole grid scaled to [0, 1].

    Parameters
    ----------
    Xs : ndarray of shape (N, H, W, C)

    Returns
    -------
    grid : ndarray of shape (A*(H+1)+1, A*(W+1)+1, C) with A = ceil(sqrt(N))
    """
    (N, H, W, C) = Xs.shape
    A = int(ceil(sqrt(N)))
    G = np.ones((A * H + A + 1, A * W + A + 1, C), Xs.dtype)
    G *= np.min(Xs)
    n = 0
    for y in range(A):
        for x in range(A):
            if n < N:
                G[y * H + y + 1:(y + 1) * H + y + 1, x * W + x + 1:(x + 1) * W + x + 1, :] = Xs[n]
                n += 1
    maxg, ming = G.max(), G.min()
    return (G - ming) / (maxg - ming if maxg > ming else 1.0)


def vis_nn(rows):
    """Tile a list of rows of images (all of shape (H, W, C)), scaled to [0, 1].

    Parameters
    ----------
    rows : list of list of ndarray of shape (H, W, C)
        Every row has the same number of images.

    Returns
    -------
    grid : ndarray of shape (R*(H+1)+1, K*(W+1)+1, C) for R rows of K images
    """
    R = len(rows)
    K = len(rows[0])
    H, W, C = rows[0][0].shape
    Xs = rows[0][0]
    G = np.ones((R * H + R + 1, K * W + K + 1, C), Xs.dtype)
    for y in range(R):
        for x in range(K):
            G[y * H + y + 1:(y + 1) * H + y + 1, x * W + x + 1:(x + 1) * W + x + 1, :] = rows[y][x]
    maxg, ming = G.max(), G.min()
    return (G - ming) / (maxg - ming if maxg > ming else 1.0)


def plot_class_examples(X, y, class_names, samples_per_class=7, rng=None):
    """Show ``samples_per_class`` random images of every class in a grid, one column per class.

    Parameters
    ----------
    X : ndarray of shape (N, H, W, 3)
        Images with values 0..255.
    y : ndarray of shape (N,)
        Labels 0..len(class_names)-1.
    class_names : sequence of str
    samples_per_class : int
    rng : numpy.random.Generator or None
    """
    import matplotlib.pyplot as plt

    rng = rng or np.random.default_rng()
    num_classes = len(class_names)
    for c, name in enumerate(class_names):
        idxs = rng.choice(np.flatnonzero(y == c), samples_per_class, replace=False)
        for i, idx in enumerate(idxs):
            plt.subplot(samples_per_class, num_classes, i * num_classes + c + 1)
            plt.imshow(X[idx].astype("uint8"))
            plt.axis("off")
            if i == 0:
                plt.title(name)
    plt.show()


def plot_class_templates(W, class_names, image_shape=(32, 32, 3)):
    """Show the weights of a linear classifier as one image per class.

    Parameters
    ----------
    W : ndarray of shape (D, C) or (D + 1, C)
        Weights; with D + 1 rows the last one (the bias of the bias trick) is dropped.
    class_names : sequence of str
        C names.
    image_shape : tuple
        The shape of one image, D = prod(image_shape).
    """
    import matplotlib.pyplot as plt

    D = int(np.prod(image_shape))
    w = W[:D].reshape(*image_shape, -1)  # (D, C) -> (32, 32, 3, C)
    w_min, w_max = np.min(w), np.max(w)
    for i, name in enumerate(class_names):
        plt.subplot(2, (len(class_names) + 1) // 2, i + 1)
        img = 255.0 * (w[..., i] - w_min) / (w_max - w_min)  # rescale to 0..255
        plt.imshow(img.astype("uint8"))
        plt.axis("off")
        plt.title(name)
    plt.show()
