"""Train the reference solution's models for grading demos and CI.

    python -m tools.train_reference_models OUT_DIR

Writes the five models the assignment 1 notebooks save (svm_best.npz,
softmax_best.npz, two_layer_net_best.npz, features_svm_best.npz,
features_net_best.npz) by training, on the full data, the best setting each
notebook's search finds, so a reference submission can be graded in minutes
instead of re-running every search. Prints the validation and test accuracy
of each.
"""
import sys
import time
from pathlib import Path

import numpy as np

from cs231n.classifiers import LinearSVM, Softmax
from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.data_utils import default_cifar10_dir, get_CIFAR10_data, get_CIFAR10_rows, load_CIFAR10
from cs231n.features import color_histogram_hsv, extract_features, hog_feature
from cs231n.solver import Solver

# The best setting of each notebook's search (see the solution cells of assignment1/src/*.py).
SVM = dict(learning_rate=1e-7, reg=5e3, num_iters=4000)
SOFTMAX = dict(learning_rate=2e-7, reg=5e3, num_iters=4000)
NET = dict(hidden=100, learning_rate=1e-3, reg=0.0, weight_scale=1e-3, num_epochs=10)
FEATURES_SVM = dict(learning_rate=3e-3, reg=1e-3, num_iters=1500)
FEATURES_NET = dict(hidden=500, learning_rate=3e-1, reg=1e-3, weight_scale=1e-2, num_epochs=20)


def acc(pred, y):
    return float(np.mean(pred == y))


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    rows = get_CIFAR10_rows(seed=231)
    for name, cls, cfg in (("svm", LinearSVM, SVM), ("softmax", Softmax, SOFTMAX)):
        np.random.seed(231)
        clf = cls()
        clf.train(rows["X_train"], rows["y_train"], **cfg)
        clf.save(out / f"{name}_best.npz")
        print(f"{name}: val {acc(clf.predict(rows['X_val']), rows['y_val']):.3f} "
              f"test {acc(clf.predict(rows['X_test']), rows['y_test']):.3f}")
    del rows

    data = get_CIFAR10_data()
    np.random.seed(231)
    net = TwoLayerNet(3072, NET["hidden"], 10, weight_scale=NET["weight_scale"], reg=NET["reg"])
    Solver(net, data, optim_config={"learning_rate": NET["learning_rate"]}, lr_decay=0.95,
           num_epochs=NET["num_epochs"], batch_size=200, verbose=False).train()
    net.save(out / "two_layer_net_best.npz")
    print(f"two_layer_net: val {acc(np.argmax(net.loss(data['X_val']), 1), data['y_val']):.3f} "
          f"test {acc(np.argmax(net.loss(data['X_test']), 1), data['y_test']):.3f}")
    del data

    # features.ipynb: HOG + 10-bin hue histogram, standardised with training statistics, bias column
    X, y, X_test, y_test = load_CIFAR10(default_cifar10_dir())
    fns = [hog_feature, lambda img: color_histogram_hsv(img, nbin=10)]
    feats = extract_features(X[:50000], fns)
    test_feats = extract_features(X_test[:1000], fns)
    tr, va, te = feats[:49000], feats[49000:], test_feats
    y_tr, y_va, y_te = y[:49000], y[49000:], y_test[:1000]
    mean, std = tr.mean(axis=0, keepdims=True), tr.std(axis=0, keepdims=True)
    tr, va, te = [np.hstack([(a - mean) / std, np.ones((a.shape[0], 1))]) for a in (tr, va, te)]
    np.random.seed(231)
    svm = LinearSVM()
    svm.train(tr, y_tr, **FEATURES_SVM)
    svm.save(out / "features_svm_best.npz")
    print(f"features_svm: val {acc(svm.predict(va), y_va):.3f} test {acc(svm.predict(te), y_te):.3f}")
    np.random.seed(231)
    fnet = TwoLayerNet(tr.shape[1] - 1, FEATURES_NET["hidden"], 10, weight_scale=FEATURES_NET["weight_scale"],
                       reg=FEATURES_NET["reg"])
    fdata = {"X_train": tr[:, :-1], "y_train": y_tr, "X_val": va[:, :-1], "y_val": y_va}
    Solver(fnet, fdata, optim_config={"learning_rate": FEATURES_NET["learning_rate"]}, lr_decay=0.95,
           num_epochs=FEATURES_NET["num_epochs"], batch_size=200, verbose=False).train()
    fnet.save(out / "features_net_best.npz")
    print(f"features_net: val {acc(np.argmax(fnet.loss(va[:, :-1]), 1), y_va):.3f} "
          f"test {acc(np.argmax(fnet.loss(te[:, :-1]), 1), y_te):.3f}")
    print(f"reference models in {out} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
