"""The reference values published in the 2022 notebooks (reference doc, Appendix A)."""
import numpy as np

from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.layers import affine_forward, relu_forward
from cs231n.testing import linspace_array, rel_error


def test_affine_forward_reference():
    x = linspace_array((2, 4, 5, 6), -0.1, 0.5)
    w = linspace_array((120, 3), -0.2, 0.3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, correct_out) < 1e-8


def test_relu_forward_reference():
    x = linspace_array((3, 4), -0.5, 0.5)
    out, _ = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(out, correct_out) < 5e-8


def test_two_layer_net_reference():
    N, D, H, C = 3, 5, 50, 7
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    y = np.asarray([0, 5, 1])
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    model.params["W1"] = linspace_array((D, H), -0.7, 0.3)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = linspace_array((H, C), -0.3, 0.4)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    scores = model.loss(X)
    correct_scores = np.asarray([
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    assert rel_error(scores, correct_scores) < 1e-6
    model.reg = 0.0
    loss, _ = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10, loss
    model.reg = 1.0
    loss, _ = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10, loss


def test_hidden_test_reference_values_are_up_to_date():
    """assignment*/src/reference_values.json match what the solution code computes now."""
    from tools import make_reference_values
    assert make_reference_values.main(["--check"]) == 0, "run `python -m tools.make_reference_values`"


def test_every_test_cell_has_hidden_tests():
    import json
    from conftest import ROOT
    notebooks = sorted(ROOT.glob("assignment*/*.ipynb"))
    for nb in notebooks:
        for c in json.loads(nb.read_text())["cells"]:
            meta = c["metadata"].get("nbgrader", {})
            if meta.get("grade") and c["cell_type"] == "code":
                assert "### BEGIN HIDDEN TESTS" in c["source"], f"{nb.name}: {meta['grade_id']} has no hidden tests"
