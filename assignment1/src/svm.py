# %% [markdown]
# # Multiclass support vector machine (SVM)
#
# A linear classifier scores each class with a weighted sum of the pixels, $f(x; W) = x W$: with
# $x$ a row of $D$ pixel values and $W$ a $D \times C$ matrix, class $j$ gets the score $s_j$. The
# multiclass SVM loss wants the correct class to beat every other class by a margin of 1:
#
# $$L_i = \sum_{j \ne y_i} \max(0,\; s_j - s_{y_i} + 1), \qquad
# L = \frac{1}{N}\sum_i L_i + \lambda \sum_{k,l} W_{k,l}^2 .$$
#
# (This kit follows the 2022 CS231n convention for the linear classifiers: the regulariser is
# $\lambda \sum W^2$, without a factor 1/2, so its gradient is $2 \lambda W$.)
#
# In this notebook you will
#
# - implement the gradient of the SVM loss with loops, then the loss and gradient without loops,
# - check the analytic gradient against a numeric one,
# - train the classifier with minibatch stochastic gradient descent (SGD),
# - choose the learning rate and regularisation strength on a validation set,
# - look at the learned weights.
#
# You write code in `cs231n/classifiers/linear_svm.py` and `cs231n/classifiers/linear_classifier.py`,
# and the hyperparameter search below.

# %% [readonly id=svm-setup]
# Set-up: run this cell first.
import os
import sys

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import time

import matplotlib.pyplot as plt
import numpy as np

from cs231n.nbutils import MODE, bound, by_mode, record, save_model, setup_notebook
from cs231n.testing import linspace_array, rel_error

setup_notebook()

# %% [markdown]
# ## Data
#
# We split CIFAR-10 into 49000 training, 1000 validation and 1000 test images, plus a *development*
# set of 500 training images for quick experiments. Each image becomes a row of 3072 pixel values, and
# two steps of preprocessing follow:
#
# - subtract the **mean image** of the training set (computed on training data only, then applied to
#   every split), so the pixels are centred on zero;
# - the **bias trick**: append a constant 1 to every row, so that the last row of $W$ acts as the bias
#   and $f(x) = xW$ needs no separate $b$. Rows have $D = 3073$ values.

# %% [readonly id=svm-data]
from cs231n.data_utils import CIFAR10_CLASSES, get_CIFAR10_rows

data = get_CIFAR10_rows(num_training=49000, num_validation=1000, num_test=1000, num_dev=500, seed=231)
X_train, y_train = data["X_train"], data["y_train"]
X_val, y_val = data["X_val"], data["y_val"]
X_test, y_test = data["X_test"], data["y_test"]
X_dev, y_dev = data["X_dev"], data["y_dev"]
for name in ("train", "val", "test", "dev"):
    print(f"{name:>5}: X {data['X_' + name].shape}, y {data['y_' + name].shape}")
print("first values of the mean image:", data["mean_image"].ravel()[:10])
plt.figure(figsize=(4, 4))
plt.imshow(data["mean_image"].astype("uint8"))
plt.title("mean training image")
plt.axis("off")
plt.show()

# %% [markdown]
# ## The SVM loss with loops
#
# `svm_loss_naive` already computes the loss with two loops. Read it, then add the **gradient**
# `dW` inside the same loops: each margin that is positive contributes $x_i$ to column $j$ and
# $-x_i$ to column $y_i$. Then average and add the gradient of the regulariser.
#
# With tiny random weights every score is almost 0, so each of the 9 wrong classes contributes a
# margin of about 1: the loss should be close to 9.

# %% [readonly id=svm-naive-run]
from cs231n.classifiers.linear_svm import svm_loss_naive

np.random.seed(231)
W = np.random.randn(3073, 10) * 0.0001
loss, grad = svm_loss_naive(W, X_dev, y_dev, 0.000005)
print(f"loss: {loss:f}")

# %% [test id=svm-naive-loss points=1]
"""svm_loss_naive returns the SVM loss (about 9 for tiny weights), with a gradient of W's shape."""
assert 8.0 < loss < 10.5, f"loss {loss:.4f}, expected about 9"
_s = X_dev @ W
_m = np.maximum(0, _s - _s[np.arange(len(y_dev)), y_dev][:, None] + 1)
_expected = (_m.sum() - len(y_dev)) / len(y_dev) + 0.000005 * np.sum(W * W)
assert abs(loss - _expected) < 1e-10 * _expected, f"loss {loss!r}, expected {_expected!r}"
assert grad.shape == W.shape, f"dW has shape {grad.shape}, expected {W.shape}"
### BEGIN HIDDEN TESTS
_l, _g = svm_loss_naive(linspace_array((7, 4), -0.2, 0.25), linspace_array((6, 7), -1.5, 1.1),
                        np.array([3, 0, 1, 2, 2, 0]), 0.4)
assert abs(_l - {{ref:svm_loss_hidden}}) < 1e-10
assert rel_error(_g, {{ref:svm_grad_hidden}}) < 1e-9
### END HIDDEN TESTS

# %% [markdown]
# ## Gradient check
#
# The analytic gradient must match the numeric one, $(L(W + h) - L(W - h)) / 2h$, at every
# coordinate. `grad_check_sparse` compares them at 10 random coordinates and prints the relative
# errors; run it without and with regularisation.

# %% [readonly id=svm-gradcheck-run]
from cs231n.gradient_check import grad_check_sparse

loss, grad = svm_loss_naive(W, X_dev, y_dev, 0.0)
f = lambda w: svm_loss_naive(w, X_dev, y_dev, 0.0)[0]
grad_numerical = grad_check_sparse(f, W, grad)

print("with regularization:")
loss, grad = svm_loss_naive(W, X_dev, y_dev, 5e1)
f = lambda w: svm_loss_naive(w, X_dev, y_dev, 5e1)[0]
grad_numerical = grad_check_sparse(f, W, grad)

# %% [test id=svm-naive-grad points=3]
"""The gradient of svm_loss_naive matches the numeric gradient, with and without regularization."""
from cs231n.gradient_check import eval_numerical_gradient

_rng = np.random.default_rng(0)
_W = 0.1 * _rng.standard_normal((15, 5))
_X = _rng.standard_normal((40, 15))
_y = _rng.integers(5, size=40)
for _reg in (0.0, 10.0):
    _, _g = svm_loss_naive(_W, _X, _y, _reg)
    _num = eval_numerical_gradient(lambda w: svm_loss_naive(w, _X, _y, _reg)[0], _W, verbose=False)
    _e = rel_error(_g, _num)
    assert _e < 1e-6, f"reg={_reg}: gradient relative error {_e:.2e}, expected < 1e-6"
### BEGIN HIDDEN TESTS
_W2 = 0.05 * _rng.standard_normal((9, 7))
_X2 = _rng.standard_normal((13, 9))
_y2 = _rng.integers(7, size=13)
_, _g2 = svm_loss_naive(_W2, _X2, _y2, 3.3)
_num2 = eval_numerical_gradient(lambda w: svm_loss_naive(w, _X2, _y2, 3.3)[0], _W2, verbose=False)
assert rel_error(_g2, _num2) < 1e-6
### END HIDDEN TESTS

# %% [answer id=svm-iq1 points=2]
# **Inline question 1**
#
# Now and then a coordinate of the gradient check does not match exactly. What could cause that? Is
# it a reason for concern? Give a one-dimensional example where the check would fail, and say how
# the margin $\Delta = 1$ affects how often it happens.
#
# **Your answer:**
### BEGIN SOLUTION
# The hinge max(0, x) has a kink at x = 0 where it is not differentiable. When a margin lies within
# h of 0, the centred difference straddles the kink and averages the two slopes, so the numeric and
# analytic gradients differ; that is no bug. One-dimensional example: f(x) = max(0, x) at x = 1e-6
# with h = 1e-5 gives a numeric slope of about 0.55 while the analytic slope is 1. A larger margin
# moves the kinks away from the typical score differences at initialisation, so it happens less often
# early on; as training pushes margins towards 0 it happens more often.
### END SOLUTION

# %% [markdown]
# ## Vectorised loss and gradient
#
# Implement `svm_loss_vectorized` without loops. It must give the same loss and gradient as the naive
# version, much faster.

# %% [readonly id=svm-vectorized-run]
from cs231n.classifiers.linear_svm import svm_loss_vectorized

tic = time.perf_counter()
loss_naive, grad_naive = svm_loss_naive(W, X_dev, y_dev, 0.000005)
toc = time.perf_counter()
print(f"Naive loss: {loss_naive:e} computed in {toc - tic:f}s")
tic = time.perf_counter()
loss_vectorized, grad_vectorized = svm_loss_vectorized(W, X_dev, y_dev, 0.000005)
toc = time.perf_counter()
print(f"Vectorized loss: {loss_vectorized:e} computed in {toc - tic:f}s")
print(f"difference: {loss_naive - loss_vectorized:f}")
difference = np.linalg.norm(grad_naive - grad_vectorized, ord="fro")
print(f"gradient difference: {difference:f}")

# %% [test id=svm-vectorized-loss points=2]
"""svm_loss_vectorized computes the same loss as svm_loss_naive."""
_e = abs(loss_naive - loss_vectorized) / abs(loss_naive)
assert _e < 1e-10, f"losses differ: naive {loss_naive!r}, vectorized {loss_vectorized!r}"
### BEGIN HIDDEN TESTS
for _s in range(3):
    _r = np.random.default_rng(100 + _s)
    _W3 = 0.01 * _r.standard_normal((11, 4))
    _X3 = _r.standard_normal((17, 11))
    _y3 = _r.integers(4, size=17)
    _a = svm_loss_naive(_W3, _X3, _y3, 0.7)[0]
    _b = svm_loss_vectorized(_W3, _X3, _y3, 0.7)[0]
    assert abs(_a - _b) < 1e-10 * abs(_a)
### END HIDDEN TESTS

# %% [test id=svm-vectorized-grad points=3]
"""svm_loss_vectorized computes the same gradient as svm_loss_naive."""
assert grad_vectorized.shape == grad_naive.shape, f"dW shape {grad_vectorized.shape}, expected {grad_naive.shape}"
_e = rel_error(grad_naive, grad_vectorized)
assert _e < 1e-8, f"gradients differ: relative error {_e:.2e}, expected < 1e-8"
### BEGIN HIDDEN TESTS
for _s in range(3):
    _r = np.random.default_rng(200 + _s)
    _W3 = 0.01 * _r.standard_normal((11, 4))
    _X3 = _r.standard_normal((17, 11))
    _y3 = _r.integers(4, size=17)
    assert rel_error(svm_loss_naive(_W3, _X3, _y3, 0.7)[1], svm_loss_vectorized(_W3, _X3, _y3, 0.7)[1]) < 1e-8
### END HIDDEN TESTS

# %% [markdown]
# ## Stochastic gradient descent
#
# With a fast loss and gradient we can minimise the loss. Complete `LinearClassifier.train` (sample a
# minibatch, take a step) and `LinearClassifier.predict` in `cs231n/classifiers/linear_classifier.py`.

# %% [readonly id=svm-sgd-run]
from cs231n.classifiers import LinearSVM

np.random.seed(231)
svm = LinearSVM()
tic = time.perf_counter()
loss_hist = svm.train(X_train, y_train, learning_rate=1e-7, reg=2.5e4, num_iters=by_mode(1500, 150), verbose=True)
print(f"That took {time.perf_counter() - tic:f}s")
plt.plot(loss_hist)
plt.title("SVM training loss")
plt.xlabel("Iteration number")
plt.ylabel("Loss value")
plt.show()

# %% [readonly id=svm-predict-run]
y_train_pred = svm.predict(X_train)
print(f"training accuracy: {np.mean(y_train == y_train_pred):f}")
y_val_pred = svm.predict(X_val)
print(f"validation accuracy: {np.mean(y_val == y_val_pred):f}")

# %% [test id=svm-sgd points=3]
"""LinearClassifier.train lowers the loss with minibatch SGD, and predict returns the argmax of the scores."""
assert len(loss_hist) == by_mode(1500, 150), f"{len(loss_hist)} losses, expected one per iteration"
assert np.mean(loss_hist[-10:]) < 0.5 * loss_hist[0], f"the loss went from {loss_hist[0]:.1f} to {np.mean(loss_hist[-10:]):.1f}"
_acc = np.mean(y_val == y_val_pred)
assert _acc > 0.2, f"validation accuracy {_acc:.3f} after SGD, expected above 0.2"
_pred = svm.predict(X_dev[:7])
assert _pred.shape == (7,) and np.array_equal(_pred, np.argmax(X_dev[:7] @ svm.W, axis=1)), "predict must return the argmax of X @ W"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(5)
_yy = _r.integers(3, size=300)
_XX = np.hstack([4 * _r.standard_normal((3, 6))[_yy] + _r.standard_normal((300, 6)), np.ones((300, 1))])
np.random.seed(0)
_c = LinearSVM()
_h = _c.train(_XX, _yy, learning_rate=1e-2, reg=1e-4, num_iters=200, batch_size=30)
assert len(_h) == 200 and np.mean(_c.predict(_XX) == _yy) > 0.9
### END HIDDEN TESTS

# %% [markdown]
# ## Choosing the hyperparameters
#
# Use the validation set to choose the learning rate and the regularisation strength. Train a
# `LinearSVM` for every pair you try, store `results[(learning_rate, regularization_strength)] =
# (training_accuracy, validation_accuracy)`, keep the best validation accuracy in `best_val` and the
# classifier that achieved it in `best_svm`. You should reach about **0.37** on the validation set and
# 0.40 on the test set. (On the official CIFAR-10 files the validation figure is about 0.39; on the
# JPEG rebuild of CIFAR-10 this kit is tested with, this validation split is a few points harder than
# the test split.) Start with few iterations to find the right ranges, then train longer. (Extreme
# values can overflow; those warnings are harmless.)
#
# The last line saves `best_svm` next to this notebook as `svm_best.npz`: hand it in with the
# notebook, the autograder checks it rather than training again.

# %% [solution id=svm-search]
results = {}
best_val = -1  # The highest validation accuracy that we have seen so far.
best_svm = None  # The LinearSVM object that achieved the highest validation rate.

learning_rates = [1e-7, 5e-5]
regularization_strengths = [2.5e4, 5e4]
num_iters = by_mode(4000, 150)  # shorter runs in quick mode and under the autograder

### BEGIN SOLUTION
learning_rates = [1e-7, 2e-7]
regularization_strengths = [2e3, 5e3, 1e4]
for lr in learning_rates:
    for reg in regularization_strengths:
        np.random.seed(231)
        candidate = LinearSVM()
        candidate.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=num_iters)
        train_accuracy = float(np.mean(candidate.predict(X_train) == y_train))
        val_accuracy = float(np.mean(candidate.predict(X_val) == y_val))
        results[(lr, reg)] = (train_accuracy, val_accuracy)
        if val_accuracy > best_val:
            best_val, best_svm = val_accuracy, candidate
### END SOLUTION

for lr, reg in sorted(results):
    train_accuracy, val_accuracy = results[(lr, reg)]
    print(f"lr {lr:e} reg {reg:e} train accuracy: {train_accuracy:f} val accuracy: {val_accuracy:f}")
print(f"best validation accuracy achieved during cross-validation: {best_val:f}")
record("svm_best_val", best_val)
save_model(best_svm, "svm_best.npz")

# %% [readonly id=svm-search-plot]
import math

x_scatter = [math.log10(x[0]) for x in results]
y_scatter = [math.log10(x[1]) for x in results]
for i, (title, k) in enumerate([("CIFAR-10 training accuracy", 0), ("CIFAR-10 validation accuracy", 1)]):
    plt.subplot(2, 1, i + 1)
    plt.tight_layout(pad=3)
    plt.scatter(x_scatter, y_scatter, 100, c=[results[x][k] for x in results], cmap=plt.cm.coolwarm)
    plt.colorbar()
    plt.xlabel("log learning rate")
    plt.ylabel("log regularization strength")
    plt.title(title)
plt.show()

# %% [test id=svm-search-results points=1]
"""results holds (train, val) accuracies per (learning rate, regularization) pair, and best_val is the best."""
assert len(results) >= 2, f"results has {len(results)} entries; try several settings"
assert all(len(v) == 2 and 0 <= v[0] <= 1 and 0 <= v[1] <= 1 for v in results.values()), "values must be (train_accuracy, val_accuracy)"
assert best_val == max(v[1] for v in results.values()), f"best_val={best_val} is not the best validation accuracy in results"
assert best_svm is not None, "best_svm is not set"
### BEGIN HIDDEN TESTS
assert abs(float(np.mean(best_svm.predict(X_val) == y_val)) - best_val) < 1e-12, "best_val is not best_svm's validation accuracy"
### END HIDDEN TESTS

# %% [test id=svm-saved-model points=4]
"""The SVM saved in svm_best.npz reaches the validation (0.365) and test (0.37) targets."""
_saved = LinearSVM().load("svm_best.npz")
_val = float(np.mean(_saved.predict(X_val) == y_val))
assert _val >= bound(0.365, 0.2), f"validation accuracy of svm_best.npz is {_val:.3f}, expected at least {bound(0.365, 0.2)}"
### BEGIN HIDDEN TESTS
_test = float(np.mean(_saved.predict(X_test) == y_test))
assert _test >= bound(0.37, 0.2), f"test accuracy of svm_best.npz is {_test:.3f}, expected at least {bound(0.37, 0.2)}"
### END HIDDEN TESTS

# %% [readonly id=svm-test-accuracy]
best_saved = LinearSVM().load("svm_best.npz")
test_accuracy = float(np.mean(best_saved.predict(X_test) == y_test))
print(f"linear SVM on raw pixels final test set accuracy: {test_accuracy:f}")
record("svm_test", test_accuracy)

# %% [readonly id=svm-weights]
# The learned weights of each class, as images
from cs231n.vis_utils import plot_class_templates

plot_class_templates(best_saved.W, CIFAR10_CLASSES)

# %% [answer id=svm-iq2 points=2]
# **Inline question 2**
#
# Describe what the learned weights look like, and explain why they look that way.
#
# **Your answer:**
### BEGIN SOLUTION
# Each class's weights look like a blurry template of that class: a brownish-green blob on green for
# frog, a reddish car-like shape for car, blue backgrounds for plane and ship, a horse-like shape
# (sometimes two-headed) for horse. The score is the dot product of an image with its class template,
# so training moves each template towards the average look of its class's images and away from the
# others; one template per class must cover every pose and colour, so it blurs them together.
### END SOLUTION
