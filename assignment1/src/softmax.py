# %% [markdown]
# # Softmax classifier
#
# The softmax classifier uses the same linear scores $s = xW$ as the SVM but reads them as
# unnormalised log-probabilities. The probability of class $k$ is
# $p_k = e^{s_k} / \sum_j e^{s_j}$ and the loss is the cross-entropy of the correct class:
#
# $$L_i = -\log p_{y_i} = -s_{y_i} + \log \sum_j e^{s_j}, \qquad
# L = \frac{1}{N}\sum_i L_i + \lambda \sum_{k,l} W_{k,l}^2 .$$
#
# Its gradient with respect to the scores is simply $p - \mathbb{1}[k = y_i]$. As for the SVM, the
# regulariser is $\lambda \sum W^2$ (gradient $2\lambda W$).
#
# Exponentials overflow for large scores, so subtract the largest score of each row before
# exponentiating: the probabilities do not change, and every exponent is at most 0.
#
# You will implement `softmax_loss_naive` and `softmax_loss_vectorized` in
# `cs231n/classifiers/softmax.py`, check them, and tune a `Softmax` classifier (which reuses the
# `LinearClassifier.train` you wrote for the SVM).

# %% [readonly id=softmax-setup]
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

# %% [readonly id=softmax-data]
# The same splits and preprocessing as the SVM notebook: rows, mean image subtracted, bias trick.
from cs231n.data_utils import CIFAR10_CLASSES, get_CIFAR10_rows

data = get_CIFAR10_rows(num_training=49000, num_validation=1000, num_test=1000, num_dev=500, seed=231)
X_train, y_train = data["X_train"], data["y_train"]
X_val, y_val = data["X_val"], data["y_val"]
X_test, y_test = data["X_test"], data["y_test"]
X_dev, y_dev = data["X_dev"], data["y_dev"]
for name in ("train", "val", "test", "dev"):
    print(f"{name:>5}: X {data['X_' + name].shape}, y {data['y_' + name].shape}")

# %% [markdown]
# ## Softmax loss with loops
#
# Implement `softmax_loss_naive` with explicit loops over the examples (and classes, if you like).
# As a sanity check, with tiny random weights every class gets probability about 0.1, so the loss
# should be close to $-\log(0.1) \approx 2.3026$.

# %% [readonly id=softmax-naive-run]
from cs231n.classifiers.softmax import softmax_loss_naive

np.random.seed(231)
W = np.random.randn(3073, 10) * 0.0001
loss, grad = softmax_loss_naive(W, X_dev, y_dev, 0.0)
print(f"loss: {loss:f}")
print(f"sanity check: {-np.log(0.1):f}")

# %% [test id=softmax-naive-loss points=2]
"""softmax_loss_naive gives a loss near -log(0.1) for tiny weights."""
assert abs(loss - (-np.log(0.1))) < 0.2, f"loss {loss:.4f}, expected about {-np.log(0.1):.4f}"
assert grad.shape == W.shape, f"dW has shape {grad.shape}, expected {W.shape}"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(3)
_W = _r.standard_normal((6, 4))
_X = _r.standard_normal((5, 6))
_y = _r.integers(4, size=5)
_s = _X @ _W
_p = np.exp(_s) / np.exp(_s).sum(axis=1, keepdims=True)
_expected = -np.mean(np.log(_p[np.arange(5), _y])) + 0.3 * np.sum(_W * _W)
assert abs(softmax_loss_naive(_W, _X, _y, 0.3)[0] - _expected) < 1e-10
_l, _g = softmax_loss_naive(linspace_array((7, 4), -0.2, 0.25), linspace_array((6, 7), -1.5, 1.1),
                            np.array([3, 0, 1, 2, 2, 0]), 0.4)
assert abs(_l - {{ref:softmax_loss_hidden}}) < 1e-10
assert rel_error(_g, {{ref:softmax_grad_hidden}}) < 1e-9
### END HIDDEN TESTS

# %% [answer id=softmax-iq1 points=2]
# **Inline question 1**
#
# Why should the initial loss be close to $-\log(0.1)$? Explain briefly.
#
# **Your answer:**
### BEGIN SOLUTION
# With tiny random weights all ten scores are nearly equal, so the softmax gives every class a
# probability of about 1/10, including the correct one. The loss is -log of that probability,
# -log(0.1) = log 10, about 2.303, and the regulariser is negligible for such small weights.
### END SOLUTION

# %% [readonly id=softmax-gradcheck-run]
from cs231n.gradient_check import grad_check_sparse

loss, grad = softmax_loss_naive(W, X_dev, y_dev, 0.0)
f = lambda w: softmax_loss_naive(w, X_dev, y_dev, 0.0)[0]
grad_numerical = grad_check_sparse(f, W, grad, 10)

print("with regularization:")
loss, grad = softmax_loss_naive(W, X_dev, y_dev, 5e1)
f = lambda w: softmax_loss_naive(w, X_dev, y_dev, 5e1)[0]
grad_numerical = grad_check_sparse(f, W, grad, 10)

# %% [test id=softmax-naive-grad points=3]
"""The gradient of softmax_loss_naive matches the numeric gradient, with and without regularization."""
from cs231n.gradient_check import eval_numerical_gradient

_rng = np.random.default_rng(0)
_W = 0.1 * _rng.standard_normal((15, 5))
_X = _rng.standard_normal((40, 15))
_y = _rng.integers(5, size=40)
for _reg in (0.0, 10.0):
    _, _g = softmax_loss_naive(_W, _X, _y, _reg)
    _num = eval_numerical_gradient(lambda w: softmax_loss_naive(w, _X, _y, _reg)[0], _W, verbose=False)
    _e = rel_error(_g, _num)
    assert _e < 1e-6, f"reg={_reg}: gradient relative error {_e:.2e}, expected < 1e-6"
### BEGIN HIDDEN TESTS
_W2 = _rng.standard_normal((9, 7))
_X2 = _rng.standard_normal((13, 9))
_y2 = _rng.integers(7, size=13)
_, _g2 = softmax_loss_naive(_W2, _X2, _y2, 0.9)
_num2 = eval_numerical_gradient(lambda w: softmax_loss_naive(w, _X2, _y2, 0.9)[0], _W2, verbose=False)
assert rel_error(_g2, _num2) < 1e-6
### END HIDDEN TESTS

# %% [markdown]
# ## Vectorised loss and gradient
#
# Implement `softmax_loss_vectorized` without loops. It must agree with the naive version, be much
# faster, and stay finite when the scores are in the thousands.

# %% [readonly id=softmax-vectorized-run]
from cs231n.classifiers.softmax import softmax_loss_vectorized

tic = time.perf_counter()
loss_naive, grad_naive = softmax_loss_naive(W, X_dev, y_dev, 0.000005)
toc = time.perf_counter()
print(f"naive loss: {loss_naive:e} computed in {toc - tic:f}s")
tic = time.perf_counter()
loss_vectorized, grad_vectorized = softmax_loss_vectorized(W, X_dev, y_dev, 0.000005)
toc = time.perf_counter()
print(f"vectorized loss: {loss_vectorized:e} computed in {toc - tic:f}s")
grad_difference = np.linalg.norm(grad_naive - grad_vectorized, ord="fro")
print(f"Loss difference: {np.abs(loss_naive - loss_vectorized):f}")
print(f"Gradient difference: {grad_difference:f}")

# %% [test id=softmax-vectorized points=4]
"""softmax_loss_vectorized agrees with the naive version and is stable for huge scores."""
_e = abs(loss_naive - loss_vectorized) / abs(loss_naive)
assert _e < 1e-10, f"losses differ: naive {loss_naive!r}, vectorized {loss_vectorized!r}"
_e = rel_error(grad_naive, grad_vectorized)
assert _e < 1e-8, f"gradients differ: relative error {_e:.2e}, expected < 1e-8"
_big = np.random.default_rng(1).standard_normal((3073, 10)) * 10.0
_l, _g = softmax_loss_vectorized(_big, X_dev, y_dev, 0.0)
assert np.isfinite(_l) and np.all(np.isfinite(_g)), "loss or gradient is not finite for scores in the thousands: subtract the row maximum"
### BEGIN HIDDEN TESTS
for _s in range(3):
    _r = np.random.default_rng(300 + _s)
    _W3 = _r.standard_normal((11, 4))
    _X3 = _r.standard_normal((17, 11))
    _y3 = _r.integers(4, size=17)
    _a = softmax_loss_naive(_W3, _X3, _y3, 0.7)
    _b = softmax_loss_vectorized(_W3, _X3, _y3, 0.7)
    assert abs(_a[0] - _b[0]) < 1e-10 * abs(_a[0]) and rel_error(_a[1], _b[1]) < 1e-8
_ln, _gn = softmax_loss_naive(_big, X_dev[:20], y_dev[:20], 0.0)
assert np.isfinite(_ln) and np.all(np.isfinite(_gn))
### END HIDDEN TESTS

# %% [markdown]
# ## Choosing the hyperparameters
#
# Tune the learning rate and the regularisation strength of a `Softmax` classifier on the validation
# set, as for the SVM: fill `results`, `best_val` and `best_softmax`. You should get **over 0.35**
# validation accuracy. The last line saves the best model as `softmax_best.npz` for grading.

# %% [solution id=softmax-search]
from cs231n.classifiers import Softmax

results = {}
best_val = -1
best_softmax = None

learning_rates = [1e-7, 5e-7]
regularization_strengths = [2.5e4, 5e4]
num_iters = by_mode(4000, 150)  # shorter runs in quick mode and under the autograder

### BEGIN SOLUTION
learning_rates = [1e-7, 2e-7]
regularization_strengths = [2e3, 5e3, 1e4]
for lr in learning_rates:
    for reg in regularization_strengths:
        np.random.seed(231)
        candidate = Softmax()
        candidate.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=num_iters)
        train_accuracy = float(np.mean(candidate.predict(X_train) == y_train))
        val_accuracy = float(np.mean(candidate.predict(X_val) == y_val))
        results[(lr, reg)] = (train_accuracy, val_accuracy)
        if val_accuracy > best_val:
            best_val, best_softmax = val_accuracy, candidate
### END SOLUTION

for lr, reg in sorted(results):
    train_accuracy, val_accuracy = results[(lr, reg)]
    print(f"lr {lr:e} reg {reg:e} train accuracy: {train_accuracy:f} val accuracy: {val_accuracy:f}")
print(f"best validation accuracy achieved during cross-validation: {best_val:f}")
record("softmax_best_val", best_val)
save_model(best_softmax, "softmax_best.npz")

# %% [test id=softmax-saved-model points=4]
"""The softmax classifier saved in softmax_best.npz reaches 0.35 validation accuracy."""
_saved = Softmax().load("softmax_best.npz")
_val = float(np.mean(_saved.predict(X_val) == y_val))
assert _val >= bound(0.35, 0.2), f"validation accuracy of softmax_best.npz is {_val:.3f}, expected at least {bound(0.35, 0.2)}"
### BEGIN HIDDEN TESTS
_test = float(np.mean(_saved.predict(X_test) == y_test))
assert _test >= bound(0.33, 0.2), f"test accuracy of softmax_best.npz is {_test:.3f}"
### END HIDDEN TESTS

# %% [readonly id=softmax-test-accuracy]
best_saved = Softmax().load("softmax_best.npz")
test_accuracy = float(np.mean(best_saved.predict(X_test) == y_test))
print(f"softmax on raw pixels final test set accuracy: {test_accuracy:f}")
record("softmax_test", test_accuracy)

# %% [answer id=softmax-iq2 points=2]
# **Inline question 2** (true or false)
#
# Suppose the total training loss is the *sum* of the per-example losses. Then it is possible to add
# a new training example that leaves the SVM loss unchanged, but not the softmax loss.
#
# **Your answer:** *true or false*
#
# **Your explanation:**
### BEGIN SOLUTION
# True. An example whose correct score beats every other score by more than the margin has SVM loss
# exactly 0, so adding it changes nothing. Its softmax loss -log p is always positive, because every
# probability is below 1 for finite scores, so adding any example increases the softmax loss.
### END SOLUTION

# %% [readonly id=softmax-weights]
from cs231n.vis_utils import plot_class_templates

plot_class_templates(best_saved.W, CIFAR10_CLASSES)
