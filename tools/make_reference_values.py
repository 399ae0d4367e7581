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


def _fully_connected_nets():
    """Hidden-test values of assignment2/src/FullyConnectedNets.py."""
    return {}


def _batch_normalization():
    """Hidden-test values of assignment2/src/BatchNormalization.py."""
    return {}


def _dropout():
    """Hidden-test values of assignment2/src/Dropout.py."""
    return {}


def _convolutional_networks():
    """Hidden-test values of assignment2/src/ConvolutionalNetworks.py."""
    return {}


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
