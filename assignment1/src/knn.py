# %% [markdown]
# # k-Nearest Neighbour (kNN) classifier
#
# This notebook walks you through a complete image classifier that has no parameters to learn at all.
# The kNN classifier works in two phases:
#
# - **Training** only memorises the training images and their labels.
# - **Prediction** compares a test image with *every* training image and lets the labels of the
#   `k` closest ones vote.
#
# It is slow at test time and not very accurate on raw pixels, but it introduces the ideas every later
# classifier needs: a distance (here L2), hyperparameters (`k`), a validation protocol to choose them
# (cross-validation), and vectorised NumPy code that avoids Python loops.
#
# You will implement the methods of `KNearestNeighbor` in `cs231n/classifiers/k_nearest_neighbor.py`
# and a cross-validation loop in this notebook. Every check below is an autograder test: run it after
# each step and read its message if it fails.

# %% [readonly id=knn-setup]
# Set-up: run this cell first.
import os
import sys

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import time

import matplotlib.pyplot as plt
import numpy as np

from cs231n.nbutils import MODE, bound, by_mode, record, setup_notebook
from cs231n.testing import linspace_array, rel_error

setup_notebook()

# %% [markdown]
# ## CIFAR-10
#
# CIFAR-10 has 60000 colour images of 32x32 pixels in 10 classes: 50000 for training and 10000 for
# testing. If the next cell says the data is missing, run `bash get_datasets.sh` from the top folder.

# %% [readonly id=knn-load]
from cs231n.data_utils import CIFAR10_CLASSES, default_cifar10_dir, load_CIFAR10

X_train, y_train, X_test, y_test = load_CIFAR10(default_cifar10_dir())
print("Training data shape:", X_train.shape)
print("Training labels shape:", y_train.shape)
print("Test data shape:", X_test.shape)
print("Test labels shape:", y_test.shape)

# %% [readonly id=knn-show]
from cs231n.vis_utils import plot_class_examples

plot_class_examples(X_train, y_train, CIFAR10_CLASSES)

# %% [markdown]
# To keep the distance computations small we use the first 5000 training and 500 test images, and
# flatten each image into a row of 32 * 32 * 3 = 3072 pixel values.

# %% [readonly id=knn-subsample]
num_training, num_test = 5000, 500
X_train, y_train = X_train[:num_training].reshape(num_training, -1), y_train[:num_training]
X_test, y_test = X_test[:num_test].reshape(num_test, -1), y_test[:num_test]
print(X_train.shape, X_test.shape)

# %% [readonly id=knn-train]
from cs231n.classifiers import KNearestNeighbor

# Training a kNN classifier is a no-op: it just remembers the data.
classifier = KNearestNeighbor()
classifier.train(X_train, y_train)

# %% [markdown]
# ## Distances with two loops
#
# Prediction starts with the matrix of distances `dists`, of shape (num_test, num_train), where
# `dists[i, j]` is the Euclidean (L2) distance between test image `i` and training image `j`:
#
# $$d_2(I_1, I_2) = \sqrt{\sum_p \left(I_1^p - I_2^p\right)^2}$$
#
# Implement `compute_distances_two_loops`, which fills `dists` one pair at a time. (The loop versions
# are slow; when this notebook runs in quick mode or under the autograder they only see the first 50
# test images.)

# %% [readonly id=knn-two-loops-run]
num_loop_test = by_mode(500, 50)
X_loop = X_test[:num_loop_test]
dists = classifier.compute_distances_two_loops(X_loop)
print(dists.shape)
plt.imshow(dists, interpolation="none")
plt.title("L2 distances, test images (rows) to training images (columns)")
plt.xlabel("Training image")
plt.ylabel("Test image")
plt.show()

# %% [test id=knn-two-loops points=2]
"""compute_distances_two_loops gives the L2 distances, of shape (num_test, num_train)."""
assert dists.shape == (num_loop_test, num_training), f"dists has shape {dists.shape}, expected {(num_loop_test, num_training)}"
expected = np.sqrt(((X_loop[:5, None, :] - X_train[None, :300, :]) ** 2).sum(axis=2))
err = rel_error(dists[:5, :300], expected)
assert err < 1e-10, f"distances are off: relative error {err:.2e}, expected < 1e-10"
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(7)
_knn = KNearestNeighbor()
_knn.train(_rng.normal(size=(9, 4)), _rng.integers(3, size=9))
_Xt = _rng.normal(size=(6, 4))
_exp = np.sqrt(((_Xt[:, None, :] - _knn.X_train[None]) ** 2).sum(axis=2))
assert rel_error(_knn.compute_distances_two_loops(_Xt), _exp) < 1e-10
assert rel_error(dists[-4:, -200:], np.sqrt(((X_loop[-4:, None, :] - X_train[None, -200:, :]) ** 2).sum(axis=2))) < 1e-10
_knn_ref = KNearestNeighbor()
_knn_ref.train(linspace_array((8, 5), -3.0, 4.0), np.array([0, 1, 2, 0, 1, 2, 0, 1]))
_d = _knn_ref.compute_distances_two_loops(linspace_array((3, 5), 2.0, -1.0) ** 2)
assert rel_error(_d, {{ref:knn_dists_hidden}}) < 1e-10, "distances differ from the reference values"
### END HIDDEN TESTS

# %% [answer id=knn-iq1 points=2]
# **Inline question 1**
#
# Some rows of the distance matrix are distinctly brighter than the rest, and some columns are too.
# (Bright means a large distance.) What in the data makes a whole row bright? What makes a whole
# column bright?
#
# **Your answer:**
### BEGIN SOLUTION
# A bright row is a test image that is far from almost every training image: for example an image
# with unusual colours or extreme brightness (very dark or very bright), whose pixels differ from most
# images. A bright column is the same for a training image: it is far from almost every test image.
### END SOLUTION

# %% [markdown]
# ## Predicting labels
#
# Implement `predict_labels`: for each test image take the labels of the `k` nearest training images
# and return the most common one (a tie goes to the smaller label). With `k = 1` you should get about
# 27% accuracy on the 500 test images.

# %% [readonly id=knn-k1-run]
y_test_pred = classifier.predict_labels(dists, k=1)
accuracy_k1 = float(np.mean(y_test_pred == y_test[:num_loop_test]))
print(f"k = 1: got {int(np.sum(y_test_pred == y_test[:num_loop_test]))} / {num_loop_test} correct => accuracy: {accuracy_k1:f}")
record("knn_k1_accuracy", accuracy_k1)

# %% [test id=knn-predict-labels points=2]
"""predict_labels takes a majority vote among the k nearest neighbours, ties going to the smaller label."""
_k = KNearestNeighbor()
_k.train(np.zeros((6, 1)), np.array([4, 2, 2, 4, 7, 1]))
_d = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]])
_got = _k.predict_labels(_d, k=1)
assert list(_got) == [4, 1], f"k=1: got {list(_got)}, expected [4, 1]"
_got = _k.predict_labels(_d, k=3)
assert list(_got) == [2, 1], f"k=3: got {list(_got)}, expected [2, 1] (4,2,2 votes 2; 1,7,4 is a tie, so 1)"
assert accuracy_k1 >= bound(0.25, 0.10), f"k=1 accuracy {accuracy_k1:.3f} is below {bound(0.25, 0.10)}"
### BEGIN HIDDEN TESTS
_got = _k.predict_labels(_d, k=4)
assert list(_got) == [2, 1]
_got = _k.predict_labels(_d, k=6)
assert list(_got) == [2, 2]
### END HIDDEN TESTS

# %% [markdown]
# Now try `k = 5`; you should see a slightly different (usually a little better) accuracy.

# %% [readonly id=knn-k5-run]
y_test_pred = classifier.predict_labels(dists, k=5)
num_correct = int(np.sum(y_test_pred == y_test[:num_loop_test]))
print(f"k = 5: got {num_correct} / {num_loop_test} correct => accuracy: {num_correct / num_loop_test:f}")

# %% [answer id=knn-iq2 points=2]
# **Inline question 2**
#
# Consider a kNN classifier that uses the **L1** distance instead. Write $p_{ij}^{(k)}$ for pixel
# $(i, j)$ of image $k$ (one channel, $h \times w$ pixels, $n$ images), $\mu$ for the mean of all
# pixels of all images, $\mu_{ij}$ for the mean of pixel $(i, j)$ over the images, and $\sigma$,
# $\sigma_{ij}$ for the matching standard deviations. Which of these preprocessing steps leave the
# classifier's predictions unchanged? Select all that apply and explain.
#
# 1. Subtracting $\mu$ from every pixel.
# 2. Subtracting $\mu_{ij}$ from pixel $(i, j)$.
# 3. Subtracting $\mu$ and dividing by $\sigma$.
# 4. Subtracting $\mu_{ij}$ and dividing by $\sigma_{ij}$.
# 5. Rotating the coordinate axes of the data (every image turns into another vector of the same length).
#
# **Your answer:**
### BEGIN SOLUTION
# 1, 2 and 3. Subtracting the same value (1) or the same value per pixel (2) from every image cancels
# in every difference, so all L1 distances stay the same. Dividing by one global sigma (3) scales every
# distance by the same factor, which keeps their order. Dividing by a per-pixel sigma (4) weighs the
# pixels differently, which can change which neighbours are nearest. A rotation (5) keeps L2 distances
# but not L1 distances, which depend on the axes.
### END SOLUTION

# %% [markdown]
# ## Vectorising the distances
#
# Implement `compute_distances_one_loop` (one loop over the test images, whole rows at a time) and
# `compute_distances_no_loops` (no Python loop at all). For the second, expand
# $\lVert x - t\rVert^2 = \lVert x\rVert^2 + \lVert t\rVert^2 - 2\, x \cdot t$: the last term for all
# pairs is one matrix product. Both must give the same matrix as the two-loop version.

# %% [readonly id=knn-one-loop-run]
dists_one = classifier.compute_distances_one_loop(X_loop)
difference = np.linalg.norm(dists - dists_one, ord="fro")
print(f"One loop difference was: {difference:f}")

# %% [test id=knn-one-loop points=2]
"""compute_distances_one_loop agrees with the two-loop distances (Frobenius difference < 0.001)."""
assert dists_one.shape == dists.shape, f"shape {dists_one.shape}, expected {dists.shape}"
assert difference < 0.001, f"Frobenius difference {difference:.3g}, expected < 0.001"
### BEGIN HIDDEN TESTS
assert rel_error(_knn.compute_distances_one_loop(_Xt), _exp) < 1e-10
### END HIDDEN TESTS

# %% [readonly id=knn-no-loops-run]
dists_two = classifier.compute_distances_no_loops(X_loop)
difference = np.linalg.norm(dists - dists_two, ord="fro")
print(f"No loop difference was: {difference:f}")

# %% [test id=knn-no-loops points=3]
"""compute_distances_no_loops agrees with the two-loop distances (Frobenius difference < 0.001)."""
assert dists_two.shape == dists.shape, f"shape {dists_two.shape}, expected {dists.shape}"
assert difference < 0.001, f"Frobenius difference {difference:.3g}, expected < 0.001"
### BEGIN HIDDEN TESTS
assert rel_error(_knn.compute_distances_no_loops(_Xt), _exp) < 1e-8
_full = classifier.compute_distances_no_loops(X_test)
assert _full.shape == (num_test, num_training) and np.all(_full >= 0)
assert np.linalg.norm(_full[:num_loop_test] - dists) < 0.001
### END HIDDEN TESTS

# %% [markdown]
# How much faster is the vectorised code? (One loop is often *slower* than two: each of its
# iterations allocates and fills arrays of 5000 x 3072 numbers.)

# %% [readonly id=knn-timing]
def time_function(f, *args):
    """Seconds that f(*args) takes."""
    tic = time.perf_counter()
    f(*args)
    return time.perf_counter() - tic


X_timing = X_loop[:by_mode(num_loop_test, 10)]  # 10 test images in quick mode and under the autograder
print(f"distances of {len(X_timing)} test images to {num_training} training images")
two_loop_time = time_function(classifier.compute_distances_two_loops, X_timing)
print(f"Two loop version took {two_loop_time:f} seconds")
one_loop_time = time_function(classifier.compute_distances_one_loop, X_timing)
print(f"One loop version took {one_loop_time:f} seconds")
no_loop_time = time_function(classifier.compute_distances_no_loops, X_timing)
print(f"No loop version took {no_loop_time:f} seconds")

# %% [markdown]
# ## Cross-validation
#
# Which `k` is best? Choosing it on the test set would be cheating: the test set must only measure the
# final classifier. Instead, split the training data into 5 folds; for every `k`, train on 4 folds,
# measure the accuracy on the fifth, and repeat so every fold is held out once. Fill
# `k_to_accuracies[k]` with the 5 accuracies of each `k` in `k_choices`, then set `best_k` to the `k`
# with the highest mean accuracy. Hint: `np.array_split`; compute the distances of each held-out fold
# once and reuse them for every `k`.

# %% [solution id=knn-cross-validation]
num_folds = 5
k_choices = [1, 3, 5, 8, 10, 12, 15, 20, 50, 100]

X_train_folds = []
y_train_folds = []
# Split the training data into folds: X_train_folds[i] and y_train_folds[i] are fold i.
### BEGIN SOLUTION
X_train_folds = np.array_split(X_train, num_folds)
y_train_folds = np.array_split(y_train, num_folds)
### END SOLUTION

# k_to_accuracies[k] is the list of num_folds accuracies of k.
k_to_accuracies = {}
### BEGIN SOLUTION
k_to_accuracies = {k: [] for k in k_choices}
for fold in range(num_folds):
    X_tr = np.concatenate(X_train_folds[:fold] + X_train_folds[fold + 1:])
    y_tr = np.concatenate(y_train_folds[:fold] + y_train_folds[fold + 1:])
    knn = KNearestNeighbor()
    knn.train(X_tr, y_tr)
    fold_dists = knn.compute_distances_no_loops(X_train_folds[fold])
    for k in k_choices:
        pred = knn.predict_labels(fold_dists, k=k)
        k_to_accuracies[k].append(float(np.mean(pred == y_train_folds[fold])))
### END SOLUTION

for k in sorted(k_to_accuracies):
    print(f"k = {k}: mean accuracy {np.mean(k_to_accuracies[k]):.3f}, folds {np.round(k_to_accuracies[k], 3)}")

# %% [readonly id=knn-cv-plot]
for k in k_choices:
    plt.scatter([k] * len(k_to_accuracies[k]), k_to_accuracies[k])
means = np.array([np.mean(k_to_accuracies[k]) for k in k_choices])
stds = np.array([np.std(k_to_accuracies[k]) for k in k_choices])
plt.errorbar(k_choices, means, yerr=stds)
plt.title("Cross-validation on k")
plt.xlabel("k")
plt.ylabel("Cross-validation accuracy")
plt.show()

# %% [solution id=knn-best-k]
# Choose the best k from the cross-validation results.
best_k = 1
### BEGIN SOLUTION
best_k = max(k_choices, key=lambda k: np.mean(k_to_accuracies[k]))
### END SOLUTION

classifier = KNearestNeighbor()
classifier.train(X_train, y_train)
y_test_pred = classifier.predict(X_test, k=best_k)
accuracy_best = float(np.mean(y_test_pred == y_test))
print(f"best k = {best_k}: got {int(np.sum(y_test_pred == y_test))} / {num_test} correct => accuracy: {accuracy_best:f}")
record("knn_best_k", best_k)
record("knn_best_k_accuracy", accuracy_best)

# %% [test id=knn-cv-results points=3]
"""k_to_accuracies holds 5 fold accuracies for every k, and best_k has the best mean."""
assert sorted(k_to_accuracies) == sorted(k_choices), f"keys {sorted(k_to_accuracies)}, expected {sorted(k_choices)}"
for _kk, _accs in k_to_accuracies.items():
    assert len(_accs) == num_folds, f"k={_kk} has {len(_accs)} accuracies, expected {num_folds}"
    assert all(0 <= a <= 1 for a in _accs), f"k={_kk}: accuracies must lie in [0, 1], got {_accs}"
_means = {k: np.mean(v) for k, v in k_to_accuracies.items()}
assert _means[best_k] == max(_means.values()), f"best_k={best_k} has mean {_means[best_k]:.3f}, but the best mean is {max(_means.values()):.3f}"
assert 0.2 <= _means[1] <= 0.35, f"k=1 cross-validation accuracy {_means[1]:.3f} is not near 0.27"
### BEGIN HIDDEN TESTS
_Xf = np.array_split(X_train, num_folds)
_yf = np.array_split(y_train, num_folds)
_kn = KNearestNeighbor()
_kn.train(np.concatenate(_Xf[1:]), np.concatenate(_yf[1:]))
_acc = float(np.mean(_kn.predict(_Xf[0], k=best_k) == _yf[0]))
assert abs(_acc - k_to_accuracies[best_k][0]) < 1e-9, f"fold 0 accuracy of k={best_k}: {_acc}, recorded {k_to_accuracies[best_k][0]}"
### END HIDDEN TESTS

# %% [test id=knn-best-accuracy points=2]
"""With the cross-validated k, kNN scores at least 28% on the 500 test images."""
assert accuracy_best >= 0.28, f"test accuracy {accuracy_best:.3f} with k={best_k}, expected at least 0.28"
### BEGIN HIDDEN TESTS
_p1 = classifier.predict(X_test[:20], k=best_k, num_loops=1)
assert np.array_equal(_p1, y_test_pred[:20]), "predict with one loop disagrees with predict with no loops"
### END HIDDEN TESTS

# %% [answer id=knn-iq3 points=2]
# **Inline question 3**
#
# Which of these statements about k-nearest neighbours are true, for any `k`? Select all that apply
# and explain.
#
# 1. The decision boundary of the kNN classifier is linear.
# 2. The training error of 1-NN is never larger than that of 5-NN.
# 3. The test error of 1-NN is never larger than that of 5-NN.
# 4. The time to classify a test image grows with the size of the training set.
# 5. None of the above.
#
# **Your answer:**
### BEGIN SOLUTION
# 2 and 4. 1-NN classifies every training image by itself, so its training error is 0 (2 holds), while
# 5-NN can be outvoted. Classifying a test image compares it with every training image, so the time
# grows with the training set (4). The boundary is piecewise linear (Voronoi cells), not linear (1 is
# false), and a larger k can generalise better, so 1-NN can have the larger test error (3 is false).
### END SOLUTION
