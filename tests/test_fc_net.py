"""TwoLayerNet: initialization, gradients in float64, the 0.5*reg convention, save/load."""
import numpy as np
import pytest

from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.gradient_check import eval_numerical_gradient
from cs231n.testing import rel_error


def test_initialization_statistics():
    np.random.seed(0)
    model = TwoLayerNet(input_dim=300, hidden_dim=200, num_classes=10, weight_scale=1e-2)
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (300, 200), "b1": (200,), "W2": (200, 10), "b2": (10,)}
    assert abs(model.params["W1"].std() - 1e-2) < 1e-3 and abs(model.params["W1"].mean()) < 1e-3
    assert abs(model.params["W2"].std() - 1e-2) < 2e-3
    assert np.all(model.params["b1"] == 0) and np.all(model.params["b2"] == 0)


@pytest.mark.parametrize("reg", [0.0, 0.7, 30.0])
def test_gradients(rng, reg):
    N, D, H, C = 3, 5, 50, 7
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    np.random.seed(1)
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-1, reg=reg)
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        assert rel_error(num, grads[name]) < 1e-6, f"{name}: {rel_error(num, grads[name]):.2e}"


def test_regularization_is_half_reg_sum_of_squares(rng):
    X = rng.standard_normal((4, 6))
    y = rng.integers(3, size=4)
    np.random.seed(2)
    model = TwoLayerNet(input_dim=6, hidden_dim=5, num_classes=3, weight_scale=0.5)
    l0, g0 = model.loss(X, y)
    model.reg = 3.0
    l1, g1 = model.loss(X, y)
    W1, W2 = model.params["W1"], model.params["W2"]
    assert abs((l1 - l0) - 0.5 * 3.0 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))) < 1e-12
    assert rel_error(g1["W1"] - g0["W1"], 3.0 * W1) < 1e-9
    np.testing.assert_array_equal(g1["b1"], g0["b1"])


def test_initial_loss_near_log_C(rng):
    X = rng.standard_normal((200, 3072))
    y = rng.integers(10, size=200)
    np.random.seed(3)
    loss, _ = TwoLayerNet(weight_scale=1e-3).loss(X, y)
    assert abs(loss - np.log(10)) < 0.05


def test_save_load_roundtrip(rng, tmp_path):
    np.random.seed(4)
    model = TwoLayerNet(input_dim=8, hidden_dim=6, num_classes=4, reg=0.25)
    path = tmp_path / "sub" / "net.npz"
    model.save(path)
    other = TwoLayerNet(input_dim=8, hidden_dim=6, num_classes=4).load(path)
    assert other.reg == 0.25
    for k in model.params:
        np.testing.assert_array_equal(model.params[k], other.params[k])
    X = rng.standard_normal((3, 8))
    np.testing.assert_array_equal(model.loss(X), other.loss(X))
    with pytest.raises(ValueError, match=r"W1 has shape \(8, 6\), this model needs \(8, 7\)"):
        TwoLayerNet(input_dim=8, hidden_dim=7, num_classes=4).load(path)
    assert not list(path.parent.glob(".*tmp"))  # the atomic write left no temporary file
    built = TwoLayerNet.from_file(path)  # sizes read from the file
    assert built.params["W1"].shape == (8, 6) and built.reg == 0.25
    np.testing.assert_array_equal(built.loss(X), model.loss(X))
