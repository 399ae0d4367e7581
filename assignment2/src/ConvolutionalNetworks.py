# %% [markdown]
# # Convolutional networks
#
# A fully connected layer connects every input value to every hidden unit, which ignores what makes
# an image an image: nearby pixels belong together, and a pattern means the same thing wherever it
# appears. A **convolutional layer** builds both facts in. Each of its $F$ filters is a small stack
# of weights, of shape $C \times HH \times WW$, that slides over the image; at each position it takes
# the dot product with the window of the input under it (all $C$ channels) and adds a bias. The
# result is one output plane per filter, a map of where that filter's pattern occurs. The same
# weights are used at every position (**parameter sharing**), so a layer with 32 filters of
# $3 \times 7 \times 7$ has 4736 parameters however large the image is.
#
# A **max-pooling layer** shrinks each plane by keeping only the largest value of every small window
# (for example $2 \times 2$ with stride 2, which halves the height and the width): it keeps whether a
# pattern was found in a region and forgets exactly where, and has no parameters.
#
# In this notebook you implement both layers naively in `cs231n/layers.py`, compare them with the
# provided fast versions, build a three-layer convolutional network in `cs231n/classifiers/cnn.py`,
# train it for one epoch on CIFAR-10, and implement spatial batch normalization and group
# normalization.

# %% [readonly id=conv-setup]
# Set-up: run this cell first.
import os
import sys
import time

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import matplotlib.pyplot as plt
import numpy as np

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.nbutils import MODE, bound, by_mode, record, save_model, setup_notebook
from cs231n.testing import linspace_array, print_mean_std, rel_error

setup_notebook()

import cs231n.fast_layers as fast_layers
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                           max_pool_forward_naive, spatial_batchnorm_backward, spatial_batchnorm_forward,
                           spatial_groupnorm_backward, spatial_groupnorm_forward)
from cs231n.solver import Solver

# %% [readonly id=conv-data]
# Mean-subtracted CIFAR-10 in (N, 3, 32, 32) layout: 49000 training, 1000 validation, 1000 test images.
from cs231n.data_utils import get_CIFAR10_data

data = get_CIFAR10_data()
for k, v in data.items():
    print(f"{k}: {v.shape}")

# %% [markdown]
# ## Convolution: naive forward pass
#
# Implement `conv_forward_naive` in `cs231n/layers.py`. The input `x` has shape $(N, C, H, W)$, the
# filters `w` $(F, C, HH, WW)$ and the biases `b` $(F,)$. The input is padded with `pad` zeros on
# each side (`np.pad`; do not modify `x`), and the filter moves `stride` pixels at a time, so the
# output has shape $(N, F, H', W')$ with
#
# $$H' = 1 + (H + 2\,\mathrm{pad} - HH) / \mathrm{stride}, \qquad W' = 1 + (W + 2\,\mathrm{pad} - WW) / \mathrm{stride}.$$
#
# Output value $(n, f, i, j)$ is the sum over $c, k, l$ of
# $x_{\mathrm{pad}}[n, c, i\,\mathrm{stride} + k, j\,\mathrm{stride} + l] \cdot w[f, c, k, l]$, plus
# $b[f]$. Efficiency does not matter here: loops are fine. The difference from the reference output
# should be about 1e-8 (it is printed with 8 digits).

# %% [readonly id=conv-forward-run]
x_shape = (2, 3, 4, 4)
w_shape = (3, 3, 4, 4)
x = np.linspace(-0.1, 0.5, num=np.prod(x_shape)).reshape(x_shape)
w = np.linspace(-0.2, 0.3, num=np.prod(w_shape)).reshape(w_shape)
b = np.linspace(-0.1, 0.2, num=3)

conv_param = {"stride": 2, "pad": 1}
out, _ = conv_forward_naive(x, w, b, conv_param)
correct_out = np.array([[[[-0.08759809, -0.10987781],
                          [-0.18387192, -0.2109216]],
                         [[0.21027089, 0.21661097],
                          [0.22847626, 0.23004637]],
                         [[0.50813986, 0.54309974],
                          [0.64082444, 0.67101435]]],
                        [[[-0.98053589, -1.03143541],
                          [-1.19128892, -1.24695841]],
                         [[0.69108355, 0.66880383],
                          [0.59480972, 0.56776003]],
                         [[2.36270298, 2.36904306],
                          [2.38090835, 2.38247847]]]])
print("Testing conv_forward_naive")
print(f"difference: {rel_error(out, correct_out)}")

# %% [test id=conv-forward points=3]
"""conv_forward_naive matches the reference output."""
assert out.shape == (2, 3, 2, 2), f"output shape {out.shape}, expected (2, 3, 2, 2)"
assert rel_error(out, correct_out) < 1e-7, f"relative error {rel_error(out, correct_out):.2e}, expected < 1e-7"
### BEGIN HIDDEN TESTS
_x = linspace_array((2, 2, 5, 7), -0.6, 0.8)
_x_copy = _x.copy()
_w = linspace_array((3, 2, 3, 5), 0.4, -0.3)
_b = np.linspace(0.3, -0.2, num=3)
_out = conv_forward_naive(_x, _w, _b, {"stride": 2, "pad": 1})[0]
assert _out.shape == (2, 3, 3, 3), f"shape {_out.shape} for a 3x5 filter with stride 2, pad 1 on 5x7 input, expected (2, 3, 3, 3)"
assert rel_error(_out, {{ref:conv_forward_hidden}}) < 1e-12
assert np.array_equal(_x, _x_copy), "conv_forward_naive modified its input"
_out = conv_forward_naive(_x, _w[:, :, :2, :2], _b, {"stride": 1, "pad": 0})[0]
assert rel_error(_out, {{ref:conv_forward_hidden_stride1}}) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Aside: image processing with convolutions
#
# A convolution with hand-picked filters is a classic image-processing operation, and looking at one
# shows what the layer computes. Below, two photographs are stacked into one batch of shape
# $(2, 3, 200, 200)$ and convolved with two $3 \times 3$ filters:
#
# * a **grayscale** filter: only the centre tap of each channel is non-zero (0.3 for red, 0.6 for
#   green, 0.1 for blue), so each output pixel is a weighted sum of the three colours of the same
#   input pixel;
# * a **horizontal-edge** (Sobel) filter on the blue channel: rows $[1, 2, 1]$, $[0, 0, 0]$,
#   $[-1, -2, -1]$, which responds where the image gets darker or brighter from top to bottom, plus
#   a bias of 128 so that "no edge" shows as mid-gray.
#
# The photographs are real images shipped with the Python packages the kit depends on, copied into
# `cs231n/notebook_images/` (nothing is downloaded): a cat, from scikit-image's sample data (CC0), and
# Grace Hopper, from matplotlib's sample data. They keep the file names the 2022 CS231n kit used,
# `kitten.jpg` and `puppy.jpg`, so course material that reads those files runs unchanged.

# %% [readonly id=conv-aside]
import imageio.v3 as iio
from PIL import Image

import cs231n

image_dir = os.path.join(os.path.dirname(cs231n.__file__), "notebook_images")
kitten = iio.imread(os.path.join(image_dir, "kitten.jpg"))  # (300, 451, 3) uint8
puppy = iio.imread(os.path.join(image_dir, "puppy.jpg"))  # (600, 512, 3) uint8
# Crop the cat to a centred square, then resize both to 200 x 200.
d = kitten.shape[1] - kitten.shape[0]
kitten_cropped = kitten[:, d // 2:-d // 2, :]

img_size = 200
x = np.zeros((2, 3, img_size, img_size))
for i, img in enumerate((puppy, kitten_cropped)):
    resized = np.asarray(Image.fromarray(img).resize((img_size, img_size)), dtype=np.float64)  # (200, 200, 3)
    x[i] = resized.transpose(2, 0, 1)  # (3, 200, 200)

w = np.zeros((2, 3, 3, 3))
w[0, 0, :, :] = [[0, 0, 0], [0, 0.3, 0], [0, 0, 0]]  # grayscale: red, green and blue centre taps
w[0, 1, :, :] = [[0, 0, 0], [0, 0.6, 0], [0, 0, 0]]
w[0, 2, :, :] = [[0, 0, 0], [0, 0.1, 0], [0, 0, 0]]
w[1, 2, :, :] = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]  # horizontal edges in the blue channel
b = np.array([0, 128])

t0 = time.perf_counter()
aside_out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
print(f"conv_forward_naive on {x.shape}: {time.perf_counter() - t0:.2f} s")


def imshow_no_ax(img, normalize=True):
    """Show an image with its values rescaled to 0..255 and without ticks."""
    if normalize:
        img_max, img_min = np.max(img), np.min(img)
        img = 255.0 * (img - img_min) / (img_max - img_min)
    plt.imshow(img.astype("uint8"))
    plt.xticks([])
    plt.yticks([])


titles = ("Original", "Grayscale", "Horizontal edges")
for row, name in enumerate(("Grace Hopper (puppy.jpg)", "Cat (kitten.jpg)")):
    for col, img in enumerate((x[row].transpose(1, 2, 0), aside_out[row, 0], aside_out[row, 1])):
        plt.subplot(2, 3, 3 * row + col + 1)
        imshow_no_ax(img, normalize=col > 0)
        plt.title(f"{titles[col]}: {name}", fontsize=9)
        plt.xlabel("x (pixels)")
        plt.ylabel("y (pixels)")
plt.tight_layout()
plt.show()

# %% [test id=conv-aside-check points=1]
"""conv_forward_naive on the photographs computes the grayscale and edge images."""
assert aside_out.shape == (2, 2, 200, 200), f"output shape {aside_out.shape}, expected (2, 2, 200, 200)"
_gray = 0.3 * x[:, 0] + 0.6 * x[:, 1] + 0.1 * x[:, 2]
assert rel_error(aside_out[:, 0], _gray) < 1e-10, f"grayscale plane: relative error {rel_error(aside_out[:, 0], _gray):.2e} from 0.3 R + 0.6 G + 0.1 B"
_blue = x[:, 2]
_edges = (_blue[:, :-2, :-2] + 2 * _blue[:, :-2, 1:-1] + _blue[:, :-2, 2:]
          - _blue[:, 2:, :-2] - 2 * _blue[:, 2:, 1:-1] - _blue[:, 2:, 2:]) + 128
assert rel_error(aside_out[:, 1, 1:-1, 1:-1], _edges) < 1e-10, "edge plane: the interior differs from the Sobel filter of the blue channel plus 128"
### BEGIN HIDDEN TESTS
_pb = np.pad(x[:, 2], ((0, 0), (1, 1), (1, 1)))  # (2, 202, 202): the zero padding of pad=1
_top = (_pb[:, 0, :-2] + 2 * _pb[:, 0, 1:-1] + _pb[:, 0, 2:]
        - _pb[:, 2, :-2] - 2 * _pb[:, 2, 1:-1] - _pb[:, 2, 2:]) + 128
assert rel_error(aside_out[:, 1, 0], _top) < 1e-10, "edge plane: the top row ignores the zero padding"
### END HIDDEN TESTS

# %% [markdown]
# ## Convolution: naive backward pass
#
# Implement `conv_backward_naive`. Every output value came from one window of the padded input and
# one filter, so its gradient flows back along the same connections:
#
# * $\partial b[f]$ is the sum of `dout[:, f]` over the batch and all positions;
# * $\partial w[f]$ is the sum, over the batch and all positions $(i, j)$, of
#   `dout[n, f, i, j]` times the input window that produced it;
# * each input window receives `dout[n, f, i, j]` times `w[f]`, summed over the filters; windows
#   overlap when the stride is smaller than the filter, so these contributions add up (`+=`), and
#   the padding is cut off at the end.
#
# The errors should be about 1e-8 or less.

# %% [readonly id=conv-backward-run]
np.random.seed(231)
x = np.random.randn(4, 3, 5, 5)
w = np.random.randn(2, 3, 3, 3)
b = np.random.randn(2,)
dout = np.random.randn(4, 2, 5, 5)
conv_param = {"stride": 1, "pad": 1}

dx_num = eval_numerical_gradient_array(lambda x: conv_forward_naive(x, w, b, conv_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_forward_naive(x, w, b, conv_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_forward_naive(x, w, b, conv_param)[0], b, dout)

out, cache = conv_forward_naive(x, w, b, conv_param)
dx, dw, db = conv_backward_naive(dout, cache)

print("Testing conv_backward_naive function")
print(f"dx error: {rel_error(dx, dx_num)}")
print(f"dw error: {rel_error(dw, dw_num)}")
print(f"db error: {rel_error(db, db_num)}")

# %% [test id=conv-backward points=3]
"""conv_backward_naive matches the numeric gradients of x, w and b."""
assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape, f"shapes dx {dx.shape}, dw {dw.shape}, db {db.shape}"
for _name, _a, _n in (("dx", dx, dx_num), ("dw", dw, dw_num), ("db", db, db_num)):
    assert rel_error(_a, _n) < 1e-7, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-7"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(5)
_x, _w, _b = _r.normal(size=(2, 2, 6, 5)), _r.normal(size=(3, 2, 4, 3)), _r.normal(size=3)
_p = {"stride": 2, "pad": 1}  # H' = 1 + (6 + 2 - 4) // 2 = 3, W' = 1 + (5 + 2 - 3) // 2 = 3
_d = _r.normal(size=(2, 3, 3, 3))
_dx, _dw, _db = conv_backward_naive(_d, conv_forward_naive(_x, _w, _b, _p)[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: conv_forward_naive(v, _w, _b, _p)[0], _x, _d)) < 1e-7
assert rel_error(_dw, eval_numerical_gradient_array(lambda v: conv_forward_naive(_x, v, _b, _p)[0], _w, _d)) < 1e-7
assert rel_error(_db, _d.sum(axis=(0, 2, 3))) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Max pooling: naive forward pass
#
# Implement `max_pool_forward_naive`: the output has shape $(N, C, H', W')$ with
# $H' = 1 + (H - \mathrm{pool\_height}) / \mathrm{stride}$ (likewise for $W'$), each value the
# largest of its window in its own channel. There is no padding. The difference should be about
# 1e-8.

# %% [readonly id=pool-forward-run]
x_shape = (2, 3, 4, 4)
x = np.linspace(-0.3, 0.4, num=np.prod(x_shape)).reshape(x_shape)
pool_param = {"pool_width": 2, "pool_height": 2, "stride": 2}

pool_out, _ = max_pool_forward_naive(x, pool_param)

pool_correct_out = np.array([[[[-0.26315789, -0.24842105],
                          [-0.20421053, -0.18947368]],
                         [[-0.14526316, -0.13052632],
                          [-0.08631579, -0.07157895]],
                         [[-0.02736842, -0.01263158],
                          [0.03157895, 0.04631579]]],
                        [[[0.09052632, 0.10526316],
                          [0.14947368, 0.16421053]],
                         [[0.20842105, 0.22315789],
                          [0.26736842, 0.28210526]],
                         [[0.32631579, 0.34105263],
                          [0.38526316, 0.4]]]])
print("Testing max_pool_forward_naive function:")
print(f"difference: {rel_error(pool_out, pool_correct_out)}")

# %% [test id=pool-forward points=2]
"""max_pool_forward_naive matches the reference output."""
assert pool_out.shape == (2, 3, 2, 2), f"output shape {pool_out.shape}, expected (2, 3, 2, 2)"
assert rel_error(pool_out, pool_correct_out) < 1e-7, f"relative error {rel_error(pool_out, pool_correct_out):.2e}, expected < 1e-7"
### BEGIN HIDDEN TESTS
_x = np.cos(linspace_array((2, 2, 5, 6), 0.0, 40.0))  # maxima in varying places
_out = max_pool_forward_naive(_x, {"pool_height": 3, "pool_width": 2, "stride": 1})[0]
assert _out.shape == (2, 2, 3, 5), f"shape {_out.shape} for 3x2 pools with stride 1 on 5x6 input"
assert rel_error(_out, {{ref:pool_forward_hidden}}) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Max pooling: naive backward pass
#
# Implement `max_pool_backward_naive`. Only the largest value of each window affected the output,
# so the gradient of each output value goes to that one input position and the others get 0 (if
# windows overlap, a position can collect gradient from several windows). The error should be about
# 1e-12.

# %% [readonly id=pool-backward-run]
np.random.seed(231)
x = np.random.randn(3, 2, 8, 8)
dout = np.random.randn(3, 2, 4, 4)
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

pool_dx_num = eval_numerical_gradient_array(lambda x: max_pool_forward_naive(x, pool_param)[0], x, dout)

out, cache = max_pool_forward_naive(x, pool_param)
pool_dx = max_pool_backward_naive(dout, cache)

print("Testing max_pool_backward_naive function:")
print(f"dx error: {rel_error(pool_dx, pool_dx_num)}")

# %% [test id=pool-backward points=2]
"""max_pool_backward_naive matches the numeric gradient."""
assert pool_dx.shape == x.shape, f"dx has shape {pool_dx.shape}, expected {x.shape}"
assert rel_error(pool_dx, pool_dx_num) < 1e-10, f"relative error {rel_error(pool_dx, pool_dx_num):.2e}, expected < 1e-10"
### BEGIN HIDDEN TESTS
_x = np.cos(linspace_array((2, 2, 5, 6), 0.0, 40.0))
_p = {"pool_height": 3, "pool_width": 2, "stride": 1}  # overlapping windows
_d = np.sin(linspace_array((2, 2, 3, 5), 0.0, 9.0))
_dx = max_pool_backward_naive(_d, max_pool_forward_naive(_x, _p)[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, _p)[0], _x, _d)) < 1e-10
### END HIDDEN TESTS

# %% [markdown]
# ## Fast layers
#
# The naive layers spend their time in Python loops over output positions, each doing a small
# amount of arithmetic. The provided `cs231n/fast_layers.py` computes the same results much faster:
#
# * **im2col.** Copy every receptive field (a $C \times HH \times WW$ window) into one column of a
#   matrix with $C \cdot HH \cdot WW$ rows and one column per output position and image. The whole
#   convolution is then *one* matrix product, the filters reshaped to $(F, C \cdot HH \cdot WW)$
#   times the columns, and the backward pass is two more (for `dw` and for the gradient of the
#   columns, which "col2im" adds back into the image). A matrix product is the operation numerical
#   libraries (BLAS) optimise best: it reuses every number it loads many times from the fastest
#   caches, uses the processor's vector instructions and all its cores, and gets close to the
#   machine's peak arithmetic rate. The price is memory: every input value appears in up to
#   $HH \cdot WW$ columns.
# * **Compiled kernels.** Building the columns and adding them back are simple loops that NumPy can
#   only express with large index arrays; the Cython extension `cs231n.im2col_cython` runs them as C
#   loops, a batch of images at a time so the columns stay in cache. Max pooling is a compiled
#   kernel that records the position of each window's maximum for the backward pass.
# * **Winograd.** For $3 \times 3$ filters with stride 1 and at least 8 input channels, the fast
#   layers use Winograd's algorithm, which produces a $4 \times 4$ tile of outputs with 36
#   multiplications per channel instead of 144.
#
# The extension is built when the kit is installed (`pip install -e .`). Without it the fast layers
# still work, in slower pure NumPy, after one warning that gives the build command. The next cell
# shows which one you have.

# %% [readonly id=fast-backend]
print(f"fast layers backend: {fast_layers.BACKEND}")
if fast_layers.BACKEND != "cython":
    print("(the pure-NumPy fallback: correct but slower; the warning printed by the set-up cell gives the "
          "build command; build the extension, then restart the kernel)")

# %% [markdown]
# Compare the naive and the fast convolution and pooling layers. The outputs and gradients should
# agree to about 1e-9 (different algorithms round differently), and the fast layers should be many
# times faster. How many depends on your naive code: Python loops over every output value lose by a
# factor of hundreds or more (one executed 2022 notebook printed 941x). Naive code that
# loops only over output positions and does the rest with NumPy, as the reference solution does,
# is much closer: on a busy 2-core machine we measured 15-70x for the convolution's forward pass,
# 2-6x for its backward pass and 30-300x for pooling (timings vary with what else the machine is
# doing; the timed cells take the fastest of a few runs).

# %% [readonly id=fast-conv-run]
from cs231n.fast_layers import conv_backward_fast, conv_forward_fast


def best_time(f, repeat=3):
    """Fastest of ``repeat`` runs of f(), in seconds (the least disturbed by other programs)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


np.random.seed(231)
x = np.random.randn(100, 3, 31, 31)
w = np.random.randn(25, 3, 3, 3)
b = np.random.randn(25,)
dout = np.random.randn(100, 25, 16, 16)
conv_param = {"stride": 2, "pad": 1}

out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
t_naive = best_time(lambda: conv_forward_naive(x, w, b, conv_param), repeat=1)
t_fast = best_time(lambda: conv_forward_fast(x, w, b, conv_param), repeat=5)
print("Testing conv_forward_fast:")
print(f"naive: {t_naive:.4f} s, fast: {t_fast:.4f} s, speed-up: {t_naive / t_fast:.0f}x")
print(f"difference: {rel_error(out_naive, out_fast)}")

dx_naive, dw_naive, db_naive = conv_backward_naive(dout, cache_naive)
dx_fast, dw_fast, db_fast = conv_backward_fast(dout, cache_fast)
t_naive_b = best_time(lambda: conv_backward_naive(dout, cache_naive), repeat=1)
t_fast_b = best_time(lambda: conv_backward_fast(dout, cache_fast), repeat=5)
print("\nTesting conv_backward_fast:")
print(f"naive: {t_naive_b:.4f} s, fast: {t_fast_b:.4f} s, speed-up: {t_naive_b / t_fast_b:.0f}x")
print(f"dx difference: {rel_error(dx_naive, dx_fast)}")
print(f"dw difference: {rel_error(dw_naive, dw_fast)}")
print(f"db difference: {rel_error(db_naive, db_fast)}")

# %% [test id=fast-conv points=1]
"""The naive convolution agrees with the fast one, forward and backward."""
for _name, _a, _b in (("out", out_naive, out_fast), ("dx", dx_naive, dx_fast), ("dw", dw_naive, dw_fast), ("db", db_naive, db_fast)):
    assert _a.shape == _b.shape, f"{_name}: naive shape {_a.shape}, fast shape {_b.shape}"
    assert rel_error(_a, _b) < 1e-9, f"{_name}: naive and fast differ by {rel_error(_a, _b):.2e}, expected < 1e-9"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(7)
_x, _w, _b = _r.normal(size=(3, 2, 9, 7)), _r.normal(size=(4, 2, 3, 5)), _r.normal(size=4)  # non-square, stride 2, pad 2
_p = {"stride": 2, "pad": 2}
_on, _cn = conv_forward_naive(_x, _w, _b, _p)
_of, _cf = conv_forward_fast(_x, _w, _b, _p)
assert rel_error(_on, _of) < 1e-9
_d = _r.normal(size=_on.shape)
for _gn, _gf in zip(conv_backward_naive(_d, _cn), conv_backward_fast(_d, _cf)):
    assert rel_error(_gn, _gf) < 1e-9
### END HIDDEN TESTS

# %% [readonly id=fast-pool-run]
from cs231n.fast_layers import max_pool_backward_fast, max_pool_forward_fast

np.random.seed(231)
x = np.random.randn(100, 3, 32, 32)
dout = np.random.randn(100, 3, 16, 16)
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

pool_out_naive, cache_naive = max_pool_forward_naive(x, pool_param)
pool_out_fast, cache_fast = max_pool_forward_fast(x, pool_param)
t_naive = best_time(lambda: max_pool_forward_naive(x, pool_param), repeat=1)
t_fast = best_time(lambda: max_pool_forward_fast(x, pool_param), repeat=5)
print("Testing pool_forward_fast:")
print(f"naive: {t_naive:.4f} s, fast: {t_fast:.4f} s, speed-up: {t_naive / t_fast:.0f}x")
print(f"difference: {rel_error(pool_out_naive, pool_out_fast)}")

pool_dx_naive = max_pool_backward_naive(dout, cache_naive)
pool_dx_fast = max_pool_backward_fast(dout, cache_fast)
t_naive_b = best_time(lambda: max_pool_backward_naive(dout, cache_naive), repeat=1)
t_fast_b = best_time(lambda: max_pool_backward_fast(dout, cache_fast), repeat=5)
print("\nTesting pool_backward_fast:")
print(f"naive: {t_naive_b:.4f} s, fast: {t_fast_b:.4f} s, speed-up: {t_naive_b / t_fast_b:.0f}x")
print(f"dx difference: {rel_error(pool_dx_naive, pool_dx_fast)}")

# %% [test id=fast-pool points=1]
"""The naive max pooling agrees exactly with the fast one, forward and backward."""
assert pool_out_naive.shape == pool_out_fast.shape and pool_dx_naive.shape == pool_dx_fast.shape, f"shapes: out {pool_out_naive.shape} vs {pool_out_fast.shape}, dx {pool_dx_naive.shape} vs {pool_dx_fast.shape}"
assert rel_error(pool_out_naive, pool_out_fast) == 0.0, f"pooled outputs differ by {rel_error(pool_out_naive, pool_out_fast):.2e}; a maximum is exact"
assert rel_error(pool_dx_naive, pool_dx_fast) == 0.0, f"gradients differ by {rel_error(pool_dx_naive, pool_dx_fast):.2e}; each window's gradient goes to its maximum unchanged"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(8)
_x = _r.permutation(np.linspace(-1, 1, 2 * 3 * 9 * 8)).reshape(2, 3, 9, 8)  # distinct values: no ties
_p = {"pool_height": 3, "pool_width": 2, "stride": 3}
_on, _cn = max_pool_forward_naive(_x, _p)
_of, _cf = max_pool_forward_fast(_x, _p)
assert rel_error(_on, _of) == 0.0
_d = _r.normal(size=_on.shape)
assert rel_error(max_pool_backward_naive(_d, _cn), max_pool_backward_fast(_d, _cf)) == 0.0
### END HIDDEN TESTS

# %% [markdown]
# ## Convolutional "sandwich" layers
#
# `cs231n/layer_utils.py` combines the fast layers into the blocks used by the network below:
# `conv_relu_forward` / `conv_relu_backward` (convolution then ReLU) and `conv_relu_pool_forward` /
# `conv_relu_pool_backward` (convolution, ReLU, then $2 \times 2$ max pooling). They are built from
# the provided fast layers and your `relu_*`; check them numerically. The errors should be about
# 1e-8 or less.

# %% [readonly id=sandwich-run]
from cs231n.layer_utils import conv_relu_backward, conv_relu_forward, conv_relu_pool_backward, conv_relu_pool_forward

np.random.seed(231)
x = np.random.randn(2, 3, 16, 16)
w = np.random.randn(3, 3, 3, 3)
b = np.random.randn(3,)
dout = np.random.randn(2, 3, 8, 8)
conv_param = {"stride": 1, "pad": 1}
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

out, cache = conv_relu_pool_forward(x, w, b, conv_param, pool_param)
dx, dw, db = conv_relu_pool_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda x: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], b, dout)
sandwich_errors = {("conv_relu_pool", n): rel_error(a, e) for n, a, e in (("dx", dx, dx_num), ("dw", dw, dw_num), ("db", db, db_num))}
print("Testing conv_relu_pool")
for (_, n), e in sandwich_errors.items():
    print(f"{n} error: {e}")

np.random.seed(231)
x = np.random.randn(2, 3, 8, 8)
w = np.random.randn(3, 3, 3, 3)
b = np.random.randn(3,)
dout = np.random.randn(2, 3, 8, 8)

out, cache = conv_relu_forward(x, w, b, conv_param)
dx, dw, db = conv_relu_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda x: conv_relu_forward(x, w, b, conv_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_relu_forward(x, w, b, conv_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_relu_forward(x, w, b, conv_param)[0], b, dout)
sandwich_errors.update({("conv_relu", n): rel_error(a, e) for n, a, e in (("dx", dx, dx_num), ("dw", dw, dw_num), ("db", db, db_num))})
print("\nTesting conv_relu")
for (layer, n), e in sandwich_errors.items():
    if layer == "conv_relu":
        print(f"{n} error: {e}")

# %% [test id=sandwich points=1]
"""conv_relu and conv_relu_pool match their numeric gradients."""
for (_layer, _name), _e in sandwich_errors.items():
    assert _e < 1e-7, f"{_layer} {_name}: relative error {_e:.2e}, expected < 1e-7"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(9)
_x, _w, _b = _r.normal(size=(1, 2, 6, 4)), _r.normal(size=(2, 2, 3, 3)), _r.normal(size=2)
_p, _pp = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
_d = _r.normal(size=(1, 2, 3, 2))
_dx = conv_relu_pool_backward(_d, conv_relu_pool_forward(_x, _w, _b, _p, _pp)[1])[0]
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: conv_relu_pool_forward(v, _w, _b, _p, _pp)[0], _x, _d)) < 1e-7
_d = _r.normal(size=(1, 2, 6, 4))
_dw = conv_relu_backward(_d, conv_relu_forward(_x, _w, _b, _p)[1])[1]
assert rel_error(_dw, eval_numerical_gradient_array(lambda v: conv_relu_forward(_x, v, _b, _p)[0], _w, _d)) < 1e-7
### END HIDDEN TESTS

# %% [markdown]
# ## Three-layer convolutional network
#
# Complete `ThreeLayerConvNet` in `cs231n/classifiers/cnn.py`, the network
#
# conv - relu - 2x2 max pool - affine - relu - affine - softmax
#
# The convolution keeps the height and width (stride 1, padding $(HH - 1)/2$, set at the top of
# `loss`), and the pooling halves them, so the first affine layer has
# $F \cdot \frac H2 \cdot \frac W2$ inputs. Initialise the weights with standard deviation
# `weight_scale` and the biases with zeros; regularise with $\tfrac12 \lambda \sum W^2$ over the
# three weight arrays. Use the sandwich layers above.
#
# ### Sanity check: the initial loss
#
# With small random weights the scores are close to zero, so the softmax is close to uniform and the
# loss is close to $\log 10 \approx 2.303$. Regularisation adds a little.

# %% [readonly id=cnn-loss-run]
np.random.seed(231)
model = ThreeLayerConvNet()

N = 50
X = np.random.randn(N, 3, 32, 32)
y = np.random.randint(10, size=N)

loss, grads = model.loss(X, y)
print(f"Initial loss (no regularization): {loss}")

model.reg = 0.5
loss_reg, grads = model.loss(X, y)
print(f"Initial loss (with regularization): {loss_reg}")

# %% [test id=cnn-initial-loss points=2]
"""ThreeLayerConvNet's initial loss is about log(10), and regularization increases it."""
assert abs(loss - np.log(10)) < 0.02, f"initial loss {loss:.4f}, expected about log(10) = 2.3026 (within 0.02)"
assert loss_reg > loss, f"the loss with reg 0.5 ({loss_reg:.4f}) must exceed the loss without ({loss:.4f})"
_shapes = {"W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
assert {k: v.shape for k, v in model.params.items()} == _shapes, f"parameter shapes {({k: v.shape for k, v in model.params.items()})}, expected {_shapes}"
assert all(v.dtype == np.float32 for v in model.params.values()), "the parameters must have the model's dtype (float32 by default)"
### BEGIN HIDDEN TESTS
_m = ThreeLayerConvNet(input_dim=(2, 6, 8), num_filters=3, filter_size=3, hidden_dim=4, num_classes=5, dtype=np.float64)
assert {k: v.shape for k, v in _m.params.items()} == {"W1": (3, 2, 3, 3), "b1": (3,), "W2": (36, 4), "b2": (4,), "W3": (4, 5), "b3": (5,)}
for _k in sorted(_m.params):
    _m.params[_k] = linspace_array(_m.params[_k].shape, -0.3 + 0.01 * len(_k), 0.4)
_X = np.cos(linspace_array((3, 2, 6, 8), 0.0, 30.0))
_m.reg = 0.1
assert rel_error(_m.loss(_X), {{ref:cnn_scores_hidden}}) < 1e-10
assert abs(_m.loss(_X, np.array([0, 4, 2]))[0] - {{ref:cnn_loss_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [markdown]
# ### Gradient check
#
# Check the gradients numerically on a small network in float64. The 2022 CS231n kit ran this check
# with the default weight scale of 1e-3 and a step of h = 1e-6, and had to accept errors up to 1e-2:
# with such small weights many gradient entries are tiny, and the rounding error of the finite
# difference (about $10^{-16} \cdot \text{loss} / h$) is large relative to them. With a weight scale
# of 1e-1 and h = 1e-5 the check is sharp: the errors should be about 1e-6 or less, and anything
# below 1e-4 passes (a wrong gradient gives errors of 1e-2 or more).

# %% [readonly id=cnn-gradcheck-run]
num_inputs = 2
input_dim = (3, 16, 16)
reg = 0.0
num_classes = 10
np.random.seed(231)
X = np.random.randn(num_inputs, *input_dim)
y = np.random.randint(num_classes, size=num_inputs)

model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=input_dim, hidden_dim=7,
                          weight_scale=1e-1, dtype=np.float64)
loss, grads = model.loss(X, y)
cnn_grad_errors = {}
for param_name in sorted(grads):
    f = lambda _: model.loss(X, y)[0]
    param_grad_num = eval_numerical_gradient(f, model.params[param_name], verbose=False, h=1e-5)
    cnn_grad_errors[param_name] = rel_error(param_grad_num, grads[param_name])
    print(f"{param_name} max relative error: {cnn_grad_errors[param_name]:e}")

# %% [test id=cnn-gradients points=3]
"""ThreeLayerConvNet's gradients match the numeric gradients."""
assert set(cnn_grad_errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}, f"gradients for {sorted(cnn_grad_errors)}, expected W1, b1, W2, b2, W3, b3"
for _name, _e in cnn_grad_errors.items():
    assert _e < 1e-4, f"{_name}: relative error {_e:.2e}, expected < 1e-4"
### BEGIN HIDDEN TESTS
np.random.seed(11)
_m = ThreeLayerConvNet(input_dim=(2, 8, 6), num_filters=4, filter_size=5, hidden_dim=6, num_classes=3,
                       weight_scale=0.2, reg=0.3, dtype=np.float64)
_X = np.random.randn(3, 2, 8, 6)
_y = np.array([2, 0, 1])
_, _g = _m.loss(_X, _y)
for _n in _g:
    _e = rel_error(_g[_n], eval_numerical_gradient(lambda _: _m.loss(_X, _y)[0], _m.params[_n], verbose=False, h=1e-5))
    assert _e < 1e-4, f"{_n}: {_e:.2e}"
### END HIDDEN TESTS

# %% [markdown]
# ### Overfit a small dataset
#
# A correct network with enough capacity should memorise a small training set: train on 100 images
# for 15 epochs. The training accuracy should become very high while the validation accuracy stays
# low (the network learns those 100 images, not CIFAR-10). Quick and autograde runs measure the
# validation accuracy on 200 images instead of 1000.

# %% [readonly id=cnn-overfit-run]
np.random.seed(231)
num_train = 100
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}
model = ThreeLayerConvNet(weight_scale=1e-2)
solver = Solver(model, small_data, num_epochs=15, batch_size=50, update_rule="adam",
                optim_config={"learning_rate": 1e-3}, num_val_samples=by_mode(None, 200),
                verbose=True, print_every=1)
solver.train()

# %% [test id=cnn-overfit points=2]
"""ThreeLayerConvNet overfits 100 training images."""
_train = max(solver.train_acc_history)
record("cnn_overfit_train_acc", _train)
assert _train >= 0.8, f"best training accuracy {_train:.3f} on 100 images after 15 epochs, expected at least 0.8"
### BEGIN HIDDEN TESTS
assert solver.train_acc_history[-1] >= 0.5, f"final training accuracy {solver.train_acc_history[-1]:.3f}: the net must keep what it fitted"
assert solver.loss_history[-1] < solver.loss_history[0], "the training loss must go down while overfitting"
### END HIDDEN TESTS

# %% [readonly id=cnn-overfit-plot]
plt.subplot(2, 1, 1)
plt.plot(solver.loss_history, "o")
plt.title("Training loss (overfitting 100 images)")
plt.xlabel("Iteration")
plt.ylabel("Loss")
plt.subplot(2, 1, 2)
plt.plot(solver.train_acc_history, "-o", label="train")
plt.plot(solver.val_acc_history, "-o", label="val")
plt.title("Accuracy (overfitting 100 images)")
plt.xlabel("Epoch")
plt.ylabel("Accuracy")
plt.legend(loc="upper left")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Train the network
#
# Train the network for one epoch over the whole training set (980 updates of 50 images, in
# float32). This should take a minute or two with the compiled fast layers and reach **more than
# 40% training accuracy**. The model is saved as `convnet_one_epoch.npz` next to the notebook; hand
# it in with the notebook: the grader checks that file instead of training again. (Quick and
# autograde runs train on 1500 images instead.)

# %% [readonly id=cnn-train-run]
np.random.seed(231)
train_data = data if MODE == "full" else {"X_train": data["X_train"][:1500], "y_train": data["y_train"][:1500],
                                          "X_val": data["X_val"], "y_val": data["y_val"]}
model = ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500, reg=0.001)
solver = Solver(model, train_data, num_epochs=1, batch_size=50, update_rule="adam",
                optim_config={"learning_rate": 1e-3}, verbose=True, print_every=by_mode(100, 10))
t0 = time.perf_counter()
solver.train()
print(f"one epoch in {time.perf_counter() - t0:.0f} s")
save_model(model, "convnet_one_epoch.npz")

# %% [test id=cnn-one-epoch points=4]
"""The network saved in convnet_one_epoch.npz reaches 40% training accuracy."""
assert os.path.exists("convnet_one_epoch.npz"), "convnet_one_epoch.npz is missing: run the training cell above (it saves the model)"
_net = ThreeLayerConvNet.from_file("convnet_one_epoch.npz")


def _accuracy(net, X, y, batch=500):
    return float(np.mean(np.concatenate([np.argmax(net.loss(X[i:i + batch]), axis=1) for i in range(0, len(X), batch)]) == y))


_train = _accuracy(_net, data["X_train"][:1000], data["y_train"][:1000])
record("convnet_train_acc", _train)
assert _train >= bound(0.40, 0.2), f"training accuracy of convnet_one_epoch.npz on 1000 training images is {_train:.3f}, expected at least {bound(0.40, 0.2)}"
### BEGIN HIDDEN TESTS
_val = _accuracy(_net, data["X_val"], data["y_val"])
assert _val >= bound(0.40, 0.2), f"validation accuracy of convnet_one_epoch.npz is {_val:.3f}"
### END HIDDEN TESTS

# %% [readonly id=cnn-val-accuracy]
trained = ThreeLayerConvNet.from_file("convnet_one_epoch.npz")
val_scores = np.concatenate([trained.loss(data["X_val"][i:i + 500]) for i in range(0, len(data["X_val"]), 500)])
val_acc = float(np.mean(np.argmax(val_scores, axis=1) == data["y_val"]))
print(f"validation accuracy of convnet_one_epoch.npz: {val_acc:.3f}")
record("convnet_val_acc", val_acc)

# %% [markdown]
# ### Visualize the filters
#
# The first-layer filters of the trained network, shown as small colour images. After one epoch many
# already look like oriented edges and colour blobs.

# %% [readonly id=cnn-filters]
from cs231n.vis_utils import visualize_grid

grid = visualize_grid(trained.params["W1"].transpose(0, 2, 3, 1))  # (F, C, HH, WW) -> (F, HH, WW, C)
plt.imshow(grid.astype("uint8"))
plt.title("First-layer filters of convnet_one_epoch.npz")
plt.xlabel("filter column")
plt.ylabel("filter row")
plt.xticks([])
plt.yticks([])
plt.gcf().set_size_inches(5, 5)
plt.show()

# %% [markdown]
# ## Spatial batch normalization
#
# Batch normalization for fully connected layers normalises each of the $D$ features over the
# batch. For convolutional layers we want each **channel** to be normalised the same way at every
# position, since the same filter produced all of them: the statistics of channel $c$ are taken
# over the batch *and* the height and width, $N \cdot H \cdot W$ values, and $\gamma$, $\beta$ have
# one entry per channel. Implement `spatial_batchnorm_forward` and `spatial_batchnorm_backward`; a
# transpose and a reshape turn the input into the $(N \cdot H \cdot W, C)$ matrix that your
# `batchnorm_forward` / `batchnorm_backward` already handle.
#
# ### Forward pass at training time

# %% [readonly id=sbn-forward-train-run]
np.random.seed(231)
N, C, H, W = 2, 3, 4, 5
x = 4 * np.random.randn(N, C, H, W) + 10

print("Before spatial batch normalization:")
print(f"  shape: {x.shape}")
print(f"  means: {x.mean(axis=(0, 2, 3))}")
print(f"  stds: {x.std(axis=(0, 2, 3))}")

gamma, beta = np.ones(C), np.zeros(C)
bn_param = {"mode": "train"}
sbn_out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
print("After spatial batch normalization:")
print(f"  shape: {sbn_out.shape}")
print(f"  means: {sbn_out.mean(axis=(0, 2, 3))}")
print(f"  stds: {sbn_out.std(axis=(0, 2, 3))}")

gamma, beta = np.asarray([3, 4, 5]), np.asarray([6, 7, 8])
sbn_scaled, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
print("After spatial batch normalization (nontrivial gamma, beta):")
print(f"  shape: {sbn_scaled.shape}")
print(f"  means: {sbn_scaled.mean(axis=(0, 2, 3))}")
print(f"  stds: {sbn_scaled.std(axis=(0, 2, 3))}")

# %% [test id=sbn-forward-train points=2]
"""spatial_batchnorm_forward gives every channel mean beta and std gamma over (N, H, W)."""
assert sbn_out.shape == x.shape, f"output shape {sbn_out.shape}, expected {x.shape}"
_m, _s = sbn_out.mean(axis=(0, 2, 3)), sbn_out.std(axis=(0, 2, 3))
assert np.all(np.abs(_m) < 1e-7) and np.all(np.abs(_s - 1) < 1e-3), f"channel means {_m} and stds {_s}, expected 0 and 1"
_m, _s = sbn_scaled.mean(axis=(0, 2, 3)), sbn_scaled.std(axis=(0, 2, 3))
assert np.all(np.abs(_m - beta) < 1e-6) and np.all(np.abs(_s - gamma) < 1e-3 * gamma), f"channel means {_m} and stds {_s}, expected {beta} and {gamma}"
assert bn_param["running_mean"].shape == (C,), f"running_mean has shape {bn_param['running_mean'].shape}, expected ({C},): one per channel"
### BEGIN HIDDEN TESTS
_x = np.cos(linspace_array((3, 2, 3, 4), 0.0, 20.0)) * linspace_array((3, 2, 3, 4), 1.0, 3.0)
_p = {"mode": "train", "momentum": 0.7}
_out = spatial_batchnorm_forward(_x, np.array([0.5, 2.0]), np.array([1.0, -1.0]), _p)[0]
assert rel_error(_out, {{ref:sbn_forward_hidden}}) < 1e-10
assert rel_error(_p["running_var"], {{ref:sbn_running_var_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [markdown]
# ### Forward pass at test time

# %% [readonly id=sbn-forward-test-run]
np.random.seed(231)
N, C, H, W = 10, 4, 11, 12

bn_param = {"mode": "train"}
gamma = np.ones(C)
beta = np.zeros(C)
for t in range(50):
    x = 2.3 * np.random.randn(N, C, H, W) + 13
    spatial_batchnorm_forward(x, gamma, beta, bn_param)
bn_param["mode"] = "test"
x = 2.3 * np.random.randn(N, C, H, W) + 13
sbn_test_out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)

print("After spatial batch normalization (test time): means near 0 and stds near 1")
print(f"  means: {sbn_test_out.mean(axis=(0, 2, 3))}")
print(f"  stds: {sbn_test_out.std(axis=(0, 2, 3))}")

# %% [test id=sbn-forward-test points=1]
"""spatial_batchnorm_forward in test mode normalises with the running statistics."""
_m, _s = sbn_test_out.mean(axis=(0, 2, 3)), sbn_test_out.std(axis=(0, 2, 3))
assert np.all(np.abs(_m) < 0.1) and np.all(np.abs(_s - 1) < 0.1), f"test-time channel means {_m} and stds {_s}, expected near 0 and 1 (within 0.1)"
_rm, _rv = bn_param["running_mean"], bn_param["running_var"]
assert rel_error(sbn_test_out, (x - _rm[None, :, None, None]) / np.sqrt(_rv[None, :, None, None] + 1e-5)) < 1e-10, "test mode must use (x - running_mean) / sqrt(running_var + eps) per channel"
### BEGIN HIDDEN TESTS
_bp = {"mode": "test", "running_mean": np.array([1.0, -2.0]), "running_var": np.array([4.0, 0.25])}
_x = linspace_array((3, 2, 2, 5), -3.0, 4.0)
_g, _be = np.array([2.0, 0.5]), np.array([-1.0, 3.0])
_o, _ = spatial_batchnorm_forward(_x, _g, _be, _bp)
_e = _g[None, :, None, None] * (_x - _bp["running_mean"][None, :, None, None]) / np.sqrt(_bp["running_var"][None, :, None, None] + 1e-5) + _be[None, :, None, None]
assert rel_error(_o, _e) < 1e-10
assert np.array_equal(_bp["running_mean"], [1.0, -2.0]) and np.array_equal(_bp["running_var"], [4.0, 0.25])
### END HIDDEN TESTS

# %% [markdown]
# ### Backward pass

# %% [readonly id=sbn-backward-run]
np.random.seed(231)
N, C, H, W = 2, 3, 4, 5
x = 5 * np.random.randn(N, C, H, W) + 12
gamma = np.random.randn(C)
beta = np.random.randn(C)
dout = np.random.randn(N, C, H, W)

bn_param = {"mode": "train"}
fx = lambda x: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]
fg = lambda g: spatial_batchnorm_forward(x, g, beta, bn_param)[0]
fb = lambda b: spatial_batchnorm_forward(x, gamma, b, bn_param)[0]

sbn_dx_num = eval_numerical_gradient_array(fx, x, dout)
sbn_dg_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
sbn_db_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
sbn_dx, sbn_dgamma, sbn_dbeta = spatial_batchnorm_backward(dout, cache)
print(f"dx error: {rel_error(sbn_dx_num, sbn_dx)}")
print(f"dgamma error: {rel_error(sbn_dg_num, sbn_dgamma)}")
print(f"dbeta error: {rel_error(sbn_db_num, sbn_dbeta)}")

# %% [test id=sbn-backward points=2]
"""spatial_batchnorm_backward matches the numeric gradients."""
assert sbn_dx.shape == x.shape and sbn_dgamma.shape == (C,) and sbn_dbeta.shape == (C,), f"shapes sbn_dx {sbn_dx.shape}, sbn_dgamma {sbn_dgamma.shape}, sbn_dbeta {sbn_dbeta.shape}"
for _name, _a, _n in (("dx", sbn_dx, sbn_dx_num), ("dgamma", sbn_dgamma, sbn_dg_num), ("dbeta", sbn_dbeta, sbn_db_num)):
    assert rel_error(_a, _n) < 1e-6, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-6"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(23)
_x, _g, _b = 2 * _r.normal(size=(3, 2, 3, 2)) - 1, _r.normal(size=2), _r.normal(size=2)
_d = _r.normal(size=(3, 2, 3, 2))
_p = {"mode": "train"}
_dx, _dg, _db = spatial_batchnorm_backward(_d, spatial_batchnorm_forward(_x, _g, _b, _p)[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(v, _g, _b, _p)[0], _x, _d)) < 1e-6
assert rel_error(_dg, eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(_x, v, _b, _p)[0], _g.copy(), _d)) < 1e-6
assert rel_error(_db, _d.sum(axis=(0, 2, 3))) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Spatial group normalization
#
# Layer normalization removes the dependence on the batch by normalising each example over all its
# features, but for convolutional layers it works less well than batch normalization: it forces
# every channel of an example to share one mean and one variance, although different filters detect
# very different things (Ba et al. note this for convolutional networks). **Group normalization**
# (Wu and He, 2018, "Group Normalization") is the middle ground: split the $C$ channels of each
# example into $G$ groups of $C/G$ consecutive channels and normalise each group over its channels
# and all positions, then apply a per-channel $\gamma$ and $\beta$ (of shape $(1, C, 1, 1)$). With
# $G = 1$ it is layer normalization; with $G = C$ each channel of each example is normalised on its
# own. It does not depend on the batch, so it behaves the same at training and test time.
#
# Implement `spatial_groupnorm_forward` and `spatial_groupnorm_backward`: reshape to
# $(N, G, C/G \cdot H \cdot W)$ and the problem is layer normalization again.

# %% [readonly id=sgn-forward-run]
np.random.seed(231)
N, C, H, W = 2, 6, 4, 5
G = 2
x = 4 * np.random.randn(N, C, H, W) + 10
x_g = x.reshape((N * G, -1))  # (N * G, C // G * H * W)
print("Before spatial group normalization:")
print(f"  shape: {x.shape}")
print(f"  means: {x_g.mean(axis=1)}")
print(f"  stds: {x_g.std(axis=1)}")

gamma, beta = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
sgn_out, _ = spatial_groupnorm_forward(x, gamma, beta, G, {})
sgn_out_g = sgn_out.reshape((N * G, -1))
print("After spatial group normalization:")
print(f"  shape: {sgn_out.shape}")
print(f"  means: {sgn_out_g.mean(axis=1)}")
print(f"  stds: {sgn_out_g.std(axis=1)}")

# %% [test id=sgn-forward points=2]
"""spatial_groupnorm_forward gives every (example, group) mean 0 and std 1."""
assert sgn_out.shape == x.shape, f"output shape {sgn_out.shape}, expected {x.shape}"
_m, _s = sgn_out_g.mean(axis=1), sgn_out_g.std(axis=1)
assert np.all(np.abs(_m) < 1e-7) and np.all(np.abs(_s - 1) < 1e-3), f"group means {_m} and stds {_s}, expected 0 and 1"
### BEGIN HIDDEN TESTS
_x = np.cos(linspace_array((2, 4, 3, 2), 0.0, 25.0)) * linspace_array((2, 4, 3, 2), 1.0, 2.0)
_g = linspace_array((1, 4, 1, 1), 0.5, 2.0)
_b = linspace_array((1, 4, 1, 1), -1.0, 1.0)
assert rel_error(spatial_groupnorm_forward(_x, _g, _b, 2, {"eps": 1e-3})[0], {{ref:sgn_forward_hidden}}) < 1e-10
assert rel_error(spatial_groupnorm_forward(_x, _g, _b, 4, {})[0], {{ref:sgn_forward_hidden_g4}}) < 1e-10
### END HIDDEN TESTS

# %% [readonly id=sgn-backward-run]
np.random.seed(231)
N, C, H, W = 2, 6, 4, 5
G = 2
x = 5 * np.random.randn(N, C, H, W) + 12
gamma = np.random.randn(1, C, 1, 1)
beta = np.random.randn(1, C, 1, 1)
dout = np.random.randn(N, C, H, W)

gn_param = {}
fx = lambda x: spatial_groupnorm_forward(x, gamma, beta, G, gn_param)[0]
fg = lambda g: spatial_groupnorm_forward(x, g, beta, G, gn_param)[0]
fb = lambda b: spatial_groupnorm_forward(x, gamma, b, G, gn_param)[0]

sgn_dx_num = eval_numerical_gradient_array(fx, x, dout)
sgn_dg_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
sgn_db_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
sgn_dx, sgn_dgamma, sgn_dbeta = spatial_groupnorm_backward(dout, cache)
print(f"dx error: {rel_error(sgn_dx_num, sgn_dx)}")
print(f"dgamma error: {rel_error(sgn_dg_num, sgn_dgamma)}")
print(f"dbeta error: {rel_error(sgn_db_num, sgn_dbeta)}")

# %% [test id=sgn-backward points=2]
"""spatial_groupnorm_backward matches the numeric gradients."""
assert sgn_dx.shape == x.shape and sgn_dgamma.shape == (1, C, 1, 1) and sgn_dbeta.shape == (1, C, 1, 1), f"shapes sgn_dx {sgn_dx.shape}, sgn_dgamma {sgn_dgamma.shape}, sgn_dbeta {sgn_dbeta.shape}"
for _name, _a, _n in (("dx", sgn_dx, sgn_dx_num), ("dgamma", sgn_dgamma, sgn_dg_num), ("dbeta", sgn_dbeta, sgn_db_num)):
    assert rel_error(_a, _n) < 1e-6, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-6"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(29)
_x, _g, _b = 2 * _r.normal(size=(2, 6, 2, 3)) + 1, _r.normal(size=(1, 6, 1, 1)), _r.normal(size=(1, 6, 1, 1))
_d = _r.normal(size=(2, 6, 2, 3))
_dx, _dg, _db = spatial_groupnorm_backward(_d, spatial_groupnorm_forward(_x, _g, _b, 3, {})[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: spatial_groupnorm_forward(v, _g, _b, 3, {})[0], _x, _d)) < 1e-6
assert rel_error(_dg, eval_numerical_gradient_array(lambda v: spatial_groupnorm_forward(_x, v, _b, 3, {})[0], _g.copy(), _d)) < 1e-6
assert rel_error(_db, _d.sum(axis=(0, 2, 3), keepdims=True)) < 1e-12
### END HIDDEN TESTS
