# %% [markdown]
# # Image features
#
# A linear classifier on raw pixels reaches about 38%. It does much better on **features** computed
# from the pixels, which describe what matters for the classes and ignore what does not. This notebook
# uses two classic features:
#
# - a **histogram of oriented gradients (HOG)**: for each 8x8-pixel cell, how much edge energy points
#   in each of 9 directions. It describes texture and shape and ignores colour;
# - a **colour histogram** of the hue channel of the HSV colour space, which describes colour and
#   ignores shape.
#
# Both are implemented in `cs231n/features.py`. You will train the SVM and the two-layer network you
# wrote earlier on these features, and tune them on the validation set.

# %% [readonly id=features-setup]
# Set-up: run this cell first.
import os
import sys

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import time

import matplotlib.pyplot as plt
import numpy as np

from cs231n.nbutils import MODE, bound, by_mode, record, save_model, setup_notebook

setup_notebook()

# %% [readonly id=features-data]
# Raw CIFAR-10 images (N, 32, 32, 3) with pixel values 0..255: the features need the untouched images.
from cs231n.data_utils import CIFAR10_CLASSES, default_cifar10_dir, load_CIFAR10

num_training, num_validation, num_test = 49000, 1000, 1000
X_all, y_all, X_test_all, y_test_all = load_CIFAR10(default_cifar10_dir())
X_train, y_train = X_all[:num_training], y_all[:num_training]
X_val, y_val = X_all[num_training:num_training + num_validation], y_all[num_training:num_training + num_validation]
X_test, y_test = X_test_all[:num_test], y_test_all[:num_test]
del X_all, X_test_all
print(X_train.shape, X_val.shape, X_test.shape)

# %% [markdown]
# ## Extracting features
#
# For every image we compute the HOG (144 values for 32x32) and a hue histogram with
# `num_color_bins` bins, and concatenate them. Then each feature is standardised with the mean and
# standard deviation of the *training* features, so that all features have a similar scale, and the
# constant 1 of the bias trick is appended. This takes about 3 seconds: `extract_features` hands the
# images to batch versions of the two features, a thousand at a time.

# %% [readonly id=features-extract]
from functools import partial

from cs231n.features import color_histogram_hsv, extract_features, hog_feature

num_color_bins = 10  # Number of bins in the color histogram
# partial (not a lambda): extract_features then runs the batch version over many images at once
feature_fns = [hog_feature, partial(color_histogram_hsv, nbin=num_color_bins)]
tic = time.perf_counter()
X_train_feats = extract_features(X_train, feature_fns, verbose=True)
X_val_feats = extract_features(X_val, feature_fns)
X_test_feats = extract_features(X_test, feature_fns)
print(f"features extracted in {time.perf_counter() - tic:.1f}s: {X_train_feats.shape}")

# Standardise: subtract the mean feature, divide by the standard deviation (training statistics)
mean_feat = np.mean(X_train_feats, axis=0, keepdims=True)
std_feat = np.std(X_train_feats, axis=0, keepdims=True)
X_train_feats = (X_train_feats - mean_feat) / std_feat
X_val_feats = (X_val_feats - mean_feat) / std_feat
X_test_feats = (X_test_feats - mean_feat) / std_feat

# Bias trick: append a column of ones
X_train_feats = np.hstack([X_train_feats, np.ones((X_train_feats.shape[0], 1))])
X_val_feats = np.hstack([X_val_feats, np.ones((X_val_feats.shape[0], 1))])
X_test_feats = np.hstack([X_test_feats, np.ones((X_test_feats.shape[0], 1))])
print(X_train_feats.shape, X_val_feats.shape, X_test_feats.shape)

# %% [markdown]
# ## An SVM on the features
#
# Train a `LinearSVM` on the features, tuning the learning rate and regularisation strength on the
# validation set, as in the SVM notebook. You should reach about **0.44** validation accuracy (at
# least 0.42). The best model is saved as `features_svm_best.npz` for grading.

# %% [solution id=features-svm-search]
from cs231n.classifiers import LinearSVM

learning_rates = [1e-9, 1e-8, 1e-7]
regularization_strengths = [5e4, 5e5, 5e6]

results = {}
best_val = -1
best_svm = None
num_iters = by_mode(1500, 150)  # shorter runs in quick mode and under the autograder

### BEGIN SOLUTION
learning_rates = [1e-3, 3e-3, 1e-2]
regularization_strengths = [1e-4, 1e-3, 1e-2]
for lr in learning_rates:
    for reg in regularization_strengths:
        np.random.seed(231)
        candidate = LinearSVM()
        candidate.train(X_train_feats, y_train, learning_rate=lr, reg=reg, num_iters=num_iters)
        train_accuracy = float(np.mean(candidate.predict(X_train_feats) == y_train))
        val_accuracy = float(np.mean(candidate.predict(X_val_feats) == y_val))
        results[(lr, reg)] = (train_accuracy, val_accuracy)
        if val_accuracy > best_val:
            best_val, best_svm = val_accuracy, candidate
### END SOLUTION

for lr, reg in sorted(results):
    train_accuracy, val_accuracy = results[(lr, reg)]
    print(f"lr {lr:e} reg {reg:e} train accuracy: {train_accuracy:f} val accuracy: {val_accuracy:f}")
print(f"best validation accuracy achieved: {best_val:f}")
record("features_svm_best_val", best_val)
save_model(best_svm, "features_svm_best.npz")

# %% [test id=features-svm-saved points=4]
"""The SVM on features saved in features_svm_best.npz reaches 0.42 validation accuracy."""
_saved = LinearSVM().load("features_svm_best.npz")
assert _saved.W.shape == (X_train_feats.shape[1], 10), f"the saved W has shape {_saved.W.shape}, expected {(X_train_feats.shape[1], 10)}"
_val = float(np.mean(_saved.predict(X_val_feats) == y_val))
assert _val >= bound(0.42, 0.2), f"validation accuracy of features_svm_best.npz is {_val:.3f}, expected at least {bound(0.42, 0.2)}"
### BEGIN HIDDEN TESTS
_test = float(np.mean(_saved.predict(X_test_feats) == y_test))
assert _test >= bound(0.40, 0.2), f"test accuracy of features_svm_best.npz is {_test:.3f}"
### END HIDDEN TESTS

# %% [readonly id=features-svm-test]
best_saved_svm = LinearSVM().load("features_svm_best.npz")
y_test_pred = best_saved_svm.predict(X_test_feats)
test_accuracy = float(np.mean(y_test == y_test_pred))
print(f"SVM on features test accuracy: {test_accuracy:f}")
record("features_svm_test", test_accuracy)

# %% [markdown]
# An important way to understand a classifier is to look at its mistakes. Below, each column shows
# test images of other classes that the SVM labelled with the class at the top.

# %% [readonly id=features-mistakes]
examples_per_class = 8
for cls, cls_name in enumerate(CIFAR10_CLASSES):
    idxs = np.where((y_test != cls) & (y_test_pred == cls))[0]
    idxs = np.random.choice(idxs, min(examples_per_class, len(idxs)), replace=False)
    for i, idx in enumerate(idxs):
        plt.subplot(examples_per_class, len(CIFAR10_CLASSES), i * len(CIFAR10_CLASSES) + cls + 1)
        plt.imshow(X_test[idx].astype("uint8"))
        plt.axis("off")
        if i == 0:
            plt.title(cls_name)
plt.show()

# %% [answer id=features-iq1 points=2]
# **Inline question 1**
#
# Describe the misclassifications you see. Do they make sense?
#
# **Your answer:**
### BEGIN SOLUTION
# Many mistakes share the shape or colour cues the features measure: animals with similar outlines and
# brown or green tones (cat, dog, deer, frog) are confused with each other, and planes and ships on
# blue backgrounds are labelled as each other, as are cars and trucks with similar edge patterns. The
# hue histogram ignores where the colours are and HOG ignores colour, so these confusions make sense.
### END SOLUTION

# %% [markdown]
# ## A two-layer network on the features
#
# Now train a `TwoLayerNet` on the features; it should beat the linear classifier. Drop the bias
# column first (the network has its own biases). Tune it on the validation set: you should easily get
# **over 55%** on the test set; our best model gets about 60%. Store it in `best_net`; it is saved as
# `features_net_best.npz` for grading.

# %% [readonly id=features-net-prep]
# Remove the bias dimension
X_train_feats_nb = X_train_feats[:, :-1]
X_val_feats_nb = X_val_feats[:, :-1]
X_test_feats_nb = X_test_feats[:, :-1]
print(X_train_feats_nb.shape)

# %% [solution id=features-net]
from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.solver import Solver

input_dim = X_train_feats_nb.shape[1]
hidden_dim = 500
num_classes = 10

data = {
    "X_train": X_train_feats_nb, "y_train": y_train,
    "X_val": X_val_feats_nb, "y_val": y_val,
    "X_test": X_test_feats_nb, "y_test": y_test,
}

net = TwoLayerNet(input_dim, hidden_dim, num_classes)
best_net = None

# TODO: Train a two-layer network on image features. Cross-validate the parameters as in the previous
# notebooks and store the best model in best_net.
### BEGIN SOLUTION
np.random.seed(231)
net = TwoLayerNet(input_dim, hidden_dim, num_classes, weight_scale=1e-2, reg=1e-3)
solver = Solver(net, data, update_rule="sgd", optim_config={"learning_rate": 3e-1}, lr_decay=0.95,
                num_epochs=by_mode(20, 2), batch_size=200, print_every=1000, verbose=False)
solver.train()
print(f"best validation accuracy: {solver.best_val_acc:.3f}")
best_net = net
### END SOLUTION
save_model(best_net, "features_net_best.npz")

# %% [test id=features-net-saved points=4]
"""The network on features saved in features_net_best.npz reaches 55% test accuracy."""
_net = TwoLayerNet.from_file("features_net_best.npz")
assert _net.params["W1"].shape[0] == input_dim, f"the saved net takes {_net.params['W1'].shape[0]} inputs, the features have {input_dim}"
_test = float(np.mean(np.argmax(_net.loss(X_test_feats_nb), axis=1) == y_test))
record("features_net_test", _test)
assert _test >= bound(0.55, 0.2), f"test accuracy of features_net_best.npz is {_test:.3f}, expected at least {bound(0.55, 0.2)}"
### BEGIN HIDDEN TESTS
_val = float(np.mean(np.argmax(_net.loss(X_val_feats_nb), axis=1) == y_val))
assert _val >= bound(0.53, 0.2), f"validation accuracy of features_net_best.npz is {_val:.3f}"
### END HIDDEN TESTS
