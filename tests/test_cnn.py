"""ThreeLayerConvNet: shapes, initial loss, the 0.5*reg convention, gradients in float64 on the
notebook's small shapes, dtypes, save/load and bad input."""
import numpy as np
import pytest

from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.gradient_check import eval_numerical_gradient
from cs231n.testing import rel_error


def test_default_shapes_and_dtype():
    np.random.seed(0)
    model = ThreeLayerConvNet()
    assert {k: v.shape for k, v in model.params.items()} == {
        "W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert abs(model.params["W2"].std() - 1e-3) < 1e-5 and np.all(model.params["b1"] == 0)
    other = ThreeLayerConvNet(input_dim=(2, 9, 12), num_filters=4, filter_size=3, hidden_dim=5, num_classes=6)
    assert other.params["W1"].shape == (4, 2, 3, 3) and other.params["W2"].shape == (4 * 4 * 6, 5)
    scores = other.loss(np.random.randn(3, 2, 9, 12))  # odd H: the pool drops the last row
    assert scores.shape == (3, 6) and scores.dtype == np.float32


def test_initial_loss_near_log_C_and_regularization():
    """ConvolutionalNetworks.ipynb: the default model on 50 random inputs gives about log(10), a
    little more with reg 0.5, by exactly 0.5 * reg * sum(W**2)."""
    np.random.seed(231)
    model = ThreeLayerConvNet()
    X = np.random.randn(50, 3, 32, 32)
    y = np.random.randint(10, size=50)
    loss, grads = model.loss(X, y)
    assert abs(loss - np.log(10)) < 1e-3, loss
    model.reg = 0.5
    loss_reg, grads_reg = model.loss(X, y)
    reg_term = 0.5 * 0.5 * sum(np.sum(model.params[k].astype(np.float64) ** 2) for k in ("W1", "W2", "W3"))
    assert loss_reg > loss and abs((loss_reg - loss) - reg_term) < 1e-5 * reg_term
    np.testing.assert_allclose(grads_reg["W3"] - grads["W3"], 0.5 * model.params["W3"], rtol=1e-3, atol=1e-9)
    np.testing.assert_array_equal(grads_reg["b2"], grads["b2"])


@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_gradients_small_shapes(reg):
    """The notebook's gradient check: 2 inputs (3, 16, 16), 3 filters of size 3, hidden 7, float64.

    The notebook accepts errors "up to the order of 1e-2" with weight scale 1e-3 and h = 1e-6
    (W2 2e-2 here too); with a weight scale of 1e-1 the activations are far from the ReLU and
    max-pool kinks and h = 1e-5 is far from rounding, so the check can be much tighter.
    """
    np.random.seed(231)
    num_inputs, input_dim, num_classes = 2, (3, 16, 16), 10
    X = np.random.randn(num_inputs, *input_dim)
    y = np.random.randint(num_classes, size=num_inputs)
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=input_dim, hidden_dim=7,
                              weight_scale=1e-1, reg=reg, dtype=np.float64)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in sorted(grads):
        assert grads[name].dtype == np.float64 and grads[name].shape == model.params[name].shape
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-5)
        err = rel_error(num, grads[name])
        assert err < 1e-5, f"{name}: relative error {err:.2e}"


def test_float32_gradients_follow_dtype_and_agree_with_float64():
    np.random.seed(1)
    X = np.random.randn(4, 3, 8, 8)
    y = np.random.randint(10, size=4)
    m64 = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, filter_size=5, hidden_dim=6,
                            weight_scale=1e-1, reg=0.1, dtype=np.float64)
    m32 = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, filter_size=5, hidden_dim=6, reg=0.1)
    m32.params = {k: v.astype(np.float32) for k, v in m64.params.items()}
    l64, g64 = m64.loss(X, y)
    l32, g32 = m32.loss(X, y)
    assert abs(l32 - l64) < 1e-5 * abs(l64)
    for k in g64:
        assert g32[k].dtype == np.float32, k
        assert np.max(np.abs(g32[k] - g64[k])) < 1e-4 * (np.max(np.abs(g64[k])) + 1e-6), k


@pytest.mark.parametrize("kwargs,message", [
    ({"filter_size": 4}, "filter_size must be odd .* got 4"),
    ({"input_dim": (3, 32)}, r"input_dim must be \(C, H, W\) .* got \(3, 32\)"),
    ({"input_dim": (3, 1, 8)}, r"got \(3, 1, 8\)"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ThreeLayerConvNet(**kwargs)


def _small(**kw):
    args = {"input_dim": (3, 8, 8), "num_filters": 4, "filter_size": 3, "hidden_dim": 6, "num_classes": 5,
            "weight_scale": 0.1, "reg": 0.2, **kw}
    return ThreeLayerConvNet(**args)


def test_save_load_roundtrip(tmp_path):
    np.random.seed(2)
    model = _small(dtype=np.float64)
    X = np.random.randn(3, 3, 8, 8)
    path = tmp_path / "cnn.npz"
    model.save(path)
    built = ThreeLayerConvNet.from_file(path)
    assert (built.input_dim, built.num_filters, built.filter_size, built.hidden_dim, built.num_classes,
            built.reg) == ((3, 8, 8), 4, 3, 6, 5, 0.2)
    assert built.params["W1"].dtype == np.float64
    np.testing.assert_array_equal(built.loss(X), model.loss(X))
    np.testing.assert_array_equal(_small(dtype=np.float64, reg=0.0).load(path).loss(X), model.loss(X))
    model32 = _small()
    model32.save(tmp_path / "cnn32.npz")
    assert ThreeLayerConvNet.from_file(tmp_path / "cnn32.npz").params["W2"].dtype == np.float32


@pytest.mark.parametrize("change,message", [
    ({"num_filters": 5}, "num_filters=4; this model has num_filters=5"),
    ({"filter_size": 5}, "filter_size=3; this model has filter_size=5"),
    ({"input_dim": (3, 10, 8)}, r"input_dim=\[3, 8, 8\]; this model has input_dim=\[3, 10, 8\]"),
    ({"dtype": np.float32}, "dtype='float64'; this model has dtype='float32'"),
])
def test_load_into_another_architecture(tmp_path, change, message):
    _small(dtype=np.float64).save(tmp_path / "c.npz")
    with pytest.raises(ValueError, match="c.npz holds a ThreeLayerConvNet with " + message):
        _small(**{"dtype": np.float64, **change}).load(tmp_path / "c.npz")


def test_wrong_kind_and_corrupt_files(tmp_path):
    FullyConnectedNet([5], input_dim=12, num_classes=3).save(tmp_path / "fcn.npz")
    with pytest.raises(ValueError, match="fcn.npz holds a FullyConnectedNet, not a ThreeLayerConvNet"):
        ThreeLayerConvNet.from_file(tmp_path / "fcn.npz")
    _small().save(tmp_path / "cnn.npz")
    with pytest.raises(ValueError, match="cnn.npz holds a ThreeLayerConvNet, not a FullyConnectedNet"):
        FullyConnectedNet.from_file(tmp_path / "cnn.npz")
    data = (tmp_path / "cnn.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[:-100])
    with pytest.raises(ValueError, match="cut.npz is not a readable model file"):
        ThreeLayerConvNet.from_file(tmp_path / "cut.npz")
