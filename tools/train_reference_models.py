"""Train the reference solution's models for grading demos and CI.

    python -m tools.train_reference_models OUT_DIR [--force]

Writes the files the notebooks save next to themselves and the autograder checks:

* assignment 1: svm_best.npz, softmax_best.npz, two_layer_net_best.npz, features_svm_best.npz,
  features_net_best.npz;
* assignment 2: fc_net_best.npz, convnet_one_epoch.npz, dropout_experiment.npz,
  bn_experiment.npz.

Each is trained on the full data with the best setting of its notebook's search (or the
notebook's experiment, for the two experiment files), so a reference submission can be graded in
minutes instead of re-running every search. Prints the accuracies of each. A group of files that
all exist already in OUT_DIR is kept (``--force`` trains everything again).
"""
import functools
import sys
import time
from pathlib import Path

import numpy as np

from cs231n.data_utils import default_cifar10_dir, get_CIFAR10_data, get_CIFAR10_rows, load_CIFAR10
from cs231n.solver import Solver

# The best setting of each notebook's search (see the solution cells of assignment*/src/*.py).
SVM = dict(learning_rate=1e-7, reg=5e3, num_iters=4000)
SOFTMAX = dict(learning_rate=2e-7, reg=5e3, num_iters=4000)
NET = dict(hidden=100, learning_rate=1e-3, reg=0.0, weight_scale=1e-3, num_epochs=10)
FEATURES_SVM = dict(learning_rate=3e-3, reg=1e-3, num_iters=1500)
FEATURES_NET = dict(hidden=500, learning_rate=3e-1, reg=1e-3, weight_scale=1e-2, num_epochs=20)
# assignment2/src/FullyConnectedNets.py, cell fcn-best-model
FC_NET = dict(hidden_dims=[256, 256], normalization="batchnorm", weight_scale=1e-2, reg=1e-3,
              learning_rate=1e-3, lr_decay=0.85, num_epochs=6, batch_size=200)
# ConvolutionalNetworks: the 2022 kit's one-epoch run
CONVNET = dict(weight_scale=1e-3, hidden_dim=500, reg=1e-3, learning_rate=1e-3, batch_size=50)


def acc(pred, y):
    return float(np.mean(pred == y))


def net_acc(model, X, y):
    return acc(np.argmax(model.loss(X), axis=1), y)


@functools.cache
def _data():
    return get_CIFAR10_data()


def linear_classifiers(out):
    from cs231n.classifiers import LinearSVM, Softmax

    rows = get_CIFAR10_rows(seed=231)
    for name, cls, cfg in (("svm", LinearSVM, SVM), ("softmax", Softmax, SOFTMAX)):
        np.random.seed(231)
        clf = cls()
        clf.train(rows["X_train"], rows["y_train"], **cfg)
        clf.save(out / f"{name}_best.npz")
        print(f"{name}: val {acc(clf.predict(rows['X_val']), rows['y_val']):.3f} "
              f"test {acc(clf.predict(rows['X_test']), rows['y_test']):.3f}")


def two_layer_net(out):
    from cs231n.classifiers.fc_net import TwoLayerNet

    data = _data()
    np.random.seed(231)
    net = TwoLayerNet(3072, NET["hidden"], 10, weight_scale=NET["weight_scale"], reg=NET["reg"])
    Solver(net, data, optim_config={"learning_rate": NET["learning_rate"]}, lr_decay=0.95,
           num_epochs=NET["num_epochs"], batch_size=200, verbose=False).train()
    net.save(out / "two_layer_net_best.npz")
    print(f"two_layer_net: val {net_acc(net, data['X_val'], data['y_val']):.3f} "
          f"test {net_acc(net, data['X_test'], data['y_test']):.3f}")


def features(out):
    from cs231n.classifiers import LinearSVM
    from cs231n.classifiers.fc_net import TwoLayerNet
    from cs231n.features import color_histogram_hsv, extract_features, hog_feature

    # features.ipynb: HOG + 10-bin hue histogram, standardised with training statistics, bias column
    X, y, X_test, y_test = load_CIFAR10(default_cifar10_dir())
    fns = [hog_feature, functools.partial(color_histogram_hsv, nbin=10)]  # a partial takes the batch path
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


def fc_net_best(out):
    from cs231n.classifiers.fc_net import FullyConnectedNet

    data, cfg = _data(), FC_NET
    np.random.seed(231)
    net = FullyConnectedNet(cfg["hidden_dims"], normalization=cfg["normalization"], weight_scale=cfg["weight_scale"],
                            reg=cfg["reg"])
    Solver(net, data, update_rule="adam", optim_config={"learning_rate": cfg["learning_rate"]},
           lr_decay=cfg["lr_decay"], num_epochs=cfg["num_epochs"], batch_size=cfg["batch_size"],
           verbose=False).train()
    net.save(out / "fc_net_best.npz")
    print(f"fc_net: val {net_acc(net, data['X_val'], data['y_val']):.3f} "
          f"test {net_acc(net, data['X_test'], data['y_test']):.3f}")


def convnet_one_epoch(out):
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    data, cfg = _data(), CONVNET
    np.random.seed(231)
    net = ThreeLayerConvNet(weight_scale=cfg["weight_scale"], hidden_dim=cfg["hidden_dim"], reg=cfg["reg"],
                            dtype=np.float32)
    solver = Solver(net, data, num_epochs=1, batch_size=cfg["batch_size"], update_rule="adam",
                    optim_config={"learning_rate": cfg["learning_rate"]}, verbose=False)
    solver.train()
    net.save(out / "convnet_one_epoch.npz")
    print(f"convnet (one epoch): train {solver.train_acc_history[-1]:.3f} "
          f"val {net_acc(net, data['X_val'], data['y_val']):.3f}")


def _small_data(num_train):
    data = _data()
    return {"X_train": data["X_train"][:num_train], "y_train": data["y_train"][:num_train],
            "X_val": data["X_val"], "y_val": data["y_val"]}


def dropout_experiment(out):
    """assignment2/src/Dropout.py, cell do-experiment-run, in full mode."""
    from cs231n._io import save_npz
    from cs231n.classifiers.fc_net import FullyConnectedNet

    np.random.seed(231)
    small_data = _small_data(500)
    keep_ratios = [1, 0.25]
    solvers = []
    for keep in keep_ratios:
        model = FullyConnectedNet([500], dropout_keep_ratio=keep)
        solver = Solver(model, small_data, num_epochs=25, batch_size=100, update_rule="adam",
                        optim_config={"learning_rate": 5e-4}, verbose=False)
        solver.train()
        solvers.append(solver)
    train_acc = np.array([s.train_acc_history for s in solvers])
    val_acc = np.array([s.val_acc_history for s in solvers])
    save_npz(out / "dropout_experiment.npz", keep_ratios=np.array(keep_ratios, dtype=np.float64),
             train_acc=train_acc, val_acc=val_acc, loss=np.array([s.loss_history for s in solvers]))
    gaps = (train_acc[:, -5:] - val_acc[:, -5:]).mean(axis=1)
    print(f"dropout experiment: train/val gap {gaps[0]:.3f} at keep 1, {gaps[1]:.3f} at keep 0.25")


def bn_experiment(out):
    """assignment2/src/BatchNormalization.py, cell bn-deep-run, in full mode."""
    from cs231n._io import save_npz
    from cs231n.classifiers.fc_net import FullyConnectedNet

    np.random.seed(231)
    hidden_dims = [100, 100, 100, 100, 100]
    small_data = _small_data(1000)
    bn_model = FullyConnectedNet(hidden_dims, weight_scale=2e-2, normalization="batchnorm")
    model = FullyConnectedNet(hidden_dims, weight_scale=2e-2, normalization=None)
    solvers = []
    for m in (bn_model, model):
        solver = Solver(m, small_data, num_epochs=10, batch_size=50, update_rule="adam",
                        optim_config={"learning_rate": 1e-3}, verbose=False)
        solver.train()
        solvers.append(solver)
    bn, base = solvers
    save_npz(out / "bn_experiment.npz",
             bn_loss=np.array(bn.loss_history), bn_train_acc=np.array(bn.train_acc_history),
             bn_val_acc=np.array(bn.val_acc_history), loss=np.array(base.loss_history),
             train_acc=np.array(base.train_acc_history), val_acc=np.array(base.val_acc_history))
    print(f"bn experiment: mean training accuracy {np.mean(bn.train_acc_history[1:]):.3f} with batch norm, "
          f"{np.mean(base.train_acc_history[1:]):.3f} without")


#: (function, files it writes), in the order they run
JOBS = [
    (linear_classifiers, ["svm_best.npz", "softmax_best.npz"]),
    (two_layer_net, ["two_layer_net_best.npz"]),
    (features, ["features_svm_best.npz", "features_net_best.npz"]),
    (fc_net_best, ["fc_net_best.npz"]),
    (convnet_one_epoch, ["convnet_one_epoch.npz"]),
    (dropout_experiment, ["dropout_experiment.npz"]),
    (bn_experiment, ["bn_experiment.npz"]),
]


def main(out, force=False):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for job, files in JOBS:
        if not force and all((out / f).exists() for f in files):
            print(f"{', '.join(files)}: already in {out}, kept")
            continue
        t = time.perf_counter()
        job(out)
        print(f"  ({job.__name__}: {time.perf_counter() - t:.0f} s)", flush=True)
    print(f"reference models in {out} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--force"]
    if len(args) != 1:
        sys.exit(__doc__)
    main(args[0], force="--force" in sys.argv[1:])
