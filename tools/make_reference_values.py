"""Generate the expected values of the notebooks' hidden tests from the reference solution.

    python -m tools.make_reference_values        # rewrite assignment*/src/reference_values.json
    python -m tools.make_reference_values --check

One JSON file per assignment, ``assignmentN/src/reference_values.json``, written by the function
in ``ASSIGNMENTS``; assignment 2 has one function per notebook (``_fully_connected_nets`` ...),
whose names must not collide. Every input is deterministic (``linspace_array``), so no random
number generator is involved. The notebook sources refer to a value as ``{{ref:NAME}}``;
``tools/nbbuild.py`` writes it into the test cell as a literal ``np.array(...)`` (hidden tests
never reach students). The suite fails if a JSON file is out of date with the solution code.

The library modules are imported inside the functions, so one assignment's values can be
generated while another's library is still being written.
"""
import json
import sys
from pathlib import Path

import numpy as np

from cs231n.testing import linspace_array

ROOT = Path(__file__).resolve().parent.parent


def _assignment1():
    from cs231n.classifiers.fc_net import TwoLayerNet
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
    from cs231n.classifiers.linear_svm import svm_loss_naive
    from cs231n.classifiers.softmax import softmax_loss_naive
    from cs231n.layer_utils import affine_relu_forward
    from cs231n.layers import affine_forward, relu_forward

    v = {}
    x = linspace_array((3, 2, 7), -0.4, 0.9)
    w = linspace_array((14, 4), 0.3, -0.6)
    b = np.linspace(0.2, -0.1, num=4)
    v["affine_forward_hidden"] = affine_forward(x, w, b)[0]
    v["relu_forward_hidden"] = relu_forward(linspace_array((2, 5), -0.7, 0.4))[0]
    v["affine_relu_forward_hidden"] = affine_relu_forward(x, w, b)[0]

    model = TwoLayerNet(input_dim=4, hidden_dim=6, num_classes=3)
    model.params.update(W1=linspace_array((4, 6), -0.5, 0.6), b1=np.linspace(0.1, -0.2, num=6),
                        W2=linspace_array((6, 3), 0.4, -0.3), b2=np.linspace(-0.1, 0.3, num=3))
    X = linspace_array((5, 4), -1.0, 2.0)
    y = np.array([0, 2, 1, 1, 0])
    v["two_layer_net_scores_hidden"] = model.loss(X)
    model.reg = 0.3
    v["two_layer_net_loss_hidden"] = np.array(model.loss(X, y)[0])

    W = linspace_array((7, 4), -0.2, 0.25)
    Xl = linspace_array((6, 7), -1.5, 1.1)
    yl = np.array([3, 0, 1, 2, 2, 0])
    loss, grad = svm_loss_naive(W, Xl, yl, 0.4)
    v["svm_loss_hidden"], v["svm_grad_hidden"] = np.array(loss), grad
    loss, grad = softmax_loss_naive(W, Xl, yl, 0.4)
    v["softmax_loss_hidden"], v["softmax_grad_hidden"] = np.array(loss), grad

    knn = KNearestNeighbor()
    knn.train(linspace_array((8, 5), -3.0, 4.0), np.array([0, 1, 2, 0, 1, 2, 0, 1]))
    v["knn_dists_hidden"] = knn.compute_distances_two_loops(linspace_array((3, 5), 2.0, -1.0) ** 2)
    return v


def _small_fc_net(**kwargs):
    """A FullyConnectedNet([4, 5], input_dim=6, num_classes=3) with linspace parameters, and its inputs."""
    from cs231n.classifiers.fc_net import FullyConnectedNet

    model = FullyConnectedNet([4, 5], input_dim=6, num_classes=3, dtype=np.float64, **kwargs)
    for i, (a, b) in enumerate([(6, 4), (4, 5), (5, 3)], 1):
        model.params[f"W{i}"] = linspace_array((a, b), -0.6 + 0.1 * i, 0.5 - 0.2 * i)
        model.params[f"b{i}"] = np.linspace(0.1 * i, -0.1, num=b)
    return model, linspace_array((5, 6), -1.0, 1.5), np.array([0, 2, 1, 1, 0])


def _fully_connected_nets():
    """Hidden-test values of assignment2/src/FullyConnectedNets.py."""
    from cs231n.optim import adam, rmsprop, sgd_momentum

    v = {}
    model, X, y = _small_fc_net()
    v["fcn_scores_hidden"] = model.loss(X)
    model.reg = 0.7
    v["fcn_loss_hidden"] = np.array(model.loss(X, y)[0])

    w, dw = linspace_array((3, 4), -0.5, 0.7), linspace_array((3, 4), 0.3, -0.8)
    next_w, config = sgd_momentum(w.copy(), dw, {"learning_rate": 0.05, "momentum": 0.5,
                                                 "velocity": linspace_array((3, 4), -0.1, 0.2)})
    v["sgd_momentum_w_hidden"], v["sgd_momentum_v_hidden"] = next_w, config["velocity"]
    next_w, config = rmsprop(w.copy(), dw, {"learning_rate": 3e-3, "decay_rate": 0.9,
                                            "cache": linspace_array((3, 4), 0.1, 0.4)})
    v["rmsprop_w_hidden"], v["rmsprop_cache_hidden"] = next_w, config["cache"]
    next_w, config = adam(w.copy(), dw, {"learning_rate": 2e-2, "beta1": 0.8, "beta2": 0.99})
    v["adam_w_hidden"], v["adam_m_hidden"], v["adam_v_hidden"] = next_w, config["m"], config["v"]
    v["adam_w2_hidden"] = adam(next_w, dw, config)[0]
    return v


def _batch_normalization():
    """Hidden-test values of assignment2/src/BatchNormalization.py."""
    from cs231n.classifiers.fc_net import FullyConnectedNet
    from cs231n.layers import batchnorm_forward, layernorm_forward

    v = {}
    x = linspace_array((6, 4), -1.0, 2.0) ** 3
    gamma, beta = np.linspace(0.5, 2.0, num=4), np.linspace(-1.0, 1.0, num=4)
    bn_param = {"mode": "train", "momentum": 0.8, "eps": 1e-3,
                "running_mean": np.linspace(0.1, 0.4, num=4), "running_var": np.linspace(1.0, 2.0, num=4)}
    v["bn_forward_train_hidden"] = batchnorm_forward(x, gamma, beta, bn_param)[0]
    v["bn_running_mean_hidden"] = bn_param["running_mean"]
    v["bn_running_var_hidden"] = bn_param["running_var"]

    x = linspace_array((3, 5), -1.0, 2.0) ** 2
    gamma, beta = np.linspace(0.5, 2.0, num=5), np.linspace(-1.0, 1.0, num=5)
    v["ln_forward_hidden"] = layernorm_forward(x, gamma, beta, {"eps": 1e-3})[0]

    X = linspace_array((6, 5), -1.0, 1.5)
    y = np.array([0, 2, 1, 1, 0, 2])
    for norm, prefix in (("batchnorm", "bn"), ("layernorm", "ln")):
        model = FullyConnectedNet([4, 3], input_dim=5, num_classes=3, normalization=norm, dtype=np.float64)
        for k in sorted(model.params):
            model.params[k] = linspace_array(model.params[k].shape, -0.5 + 0.01 * len(k), 0.7)
        model.reg = 0.2
        v[f"{prefix}_fcnet_loss_hidden"] = np.array(model.loss(X, y)[0])
        if norm == "batchnorm":
            v["bn_fcnet_running_mean_hidden"] = model.bn_params[0]["running_mean"]
        v[f"{prefix}_fcnet_scores_hidden"] = model.loss(X)
    return v


def _dropout():
    """Hidden-test values of assignment2/src/Dropout.py."""
    from cs231n.layers import dropout_forward

    v = {}
    x = linspace_array((6, 7), -1.0, 2.0)
    v["dropout_forward_hidden"] = dropout_forward(x, {"mode": "train", "p": 0.6, "seed": 7})[0]
    model, X, y = _small_fc_net(dropout_keep_ratio=0.6, seed=11)
    v["fcn_dropout_loss_hidden"] = np.array(model.loss(X, y)[0])
    v["fcn_dropout_scores_hidden"] = model.loss(X)
    return v


def _convolutional_networks():
    """Hidden-test values of assignment2/src/ConvolutionalNetworks.py."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.layers import (conv_forward_naive, max_pool_forward_naive, spatial_batchnorm_forward,
                               spatial_groupnorm_forward)

    v = {}
    x = linspace_array((2, 2, 5, 7), -0.6, 0.8)
    w = linspace_array((3, 2, 3, 5), 0.4, -0.3)
    b = np.linspace(0.3, -0.2, num=3)
    v["conv_forward_hidden"] = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})[0]
    v["conv_forward_hidden_stride1"] = conv_forward_naive(x, w[:, :, :2, :2], b, {"stride": 1, "pad": 0})[0]

    x = np.cos(linspace_array((2, 2, 5, 6), 0.0, 40.0))  # maxima in varying places
    v["pool_forward_hidden"] = max_pool_forward_naive(x, {"pool_height": 3, "pool_width": 2, "stride": 1})[0]

    model = ThreeLayerConvNet(input_dim=(2, 6, 8), num_filters=3, filter_size=3, hidden_dim=4, num_classes=5,
                              dtype=np.float64)
    for k in sorted(model.params):
        model.params[k] = linspace_array(model.params[k].shape, -0.3 + 0.01 * len(k), 0.4)
    X = np.cos(linspace_array((3, 2, 6, 8), 0.0, 30.0))
    model.reg = 0.1
    v["cnn_scores_hidden"] = model.loss(X)
    v["cnn_loss_hidden"] = np.array(model.loss(X, np.array([0, 4, 2]))[0])

    x = np.cos(linspace_array((3, 2, 3, 4), 0.0, 20.0)) * linspace_array((3, 2, 3, 4), 1.0, 3.0)
    bn_param = {"mode": "train", "momentum": 0.7}
    v["sbn_forward_hidden"] = spatial_batchnorm_forward(x, np.array([0.5, 2.0]), np.array([1.0, -1.0]), bn_param)[0]
    v["sbn_running_var_hidden"] = bn_param["running_var"]

    x = np.cos(linspace_array((2, 4, 3, 2), 0.0, 25.0)) * linspace_array((2, 4, 3, 2), 1.0, 2.0)
    gamma = linspace_array((1, 4, 1, 1), 0.5, 2.0)
    beta = linspace_array((1, 4, 1, 1), -1.0, 1.0)
    v["sgn_forward_hidden"] = spatial_groupnorm_forward(x, gamma, beta, 2, {"eps": 1e-3})[0]
    v["sgn_forward_hidden_g4"] = spatial_groupnorm_forward(x, gamma, beta, 4, {})[0]
    return v


def _assignment2():
    v = {}
    for part in (_fully_connected_nets, _batch_normalization, _dropout, _convolutional_networks):
        values = part()
        clash = sorted(set(values) & set(v))
        if clash:
            raise ValueError(f"{part.__name__} redefines reference values {clash}; give them unique names")
        v.update(values)
    return v


#: assignment folder -> function computing its values
ASSIGNMENTS = {"assignment1": _assignment1, "assignment2": _assignment2}


def output_path(assignment):
    return ROOT / assignment / "src" / "reference_values.json"


def values(assignment="assignment1"):
    """Name -> nested lists of floats, computed by the solution code, for one assignment."""
    return {k: np.asarray(a, dtype=np.float64).tolist() for k, a in ASSIGNMENTS[assignment]().items()}


def dumps(vals):
    return json.dumps(vals, indent=1, sort_keys=True) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for assignment in ASSIGNMENTS:
        out = output_path(assignment)
        text = dumps(values(assignment))
        if check:
            if not out.exists() or out.read_text() != text:
                stale.append(str(out.relative_to(ROOT)))
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
            print(f"wrote {out.relative_to(ROOT)}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run `python -m tools.make_reference_values`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
