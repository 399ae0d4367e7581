"""TwoLayerNet and FullyConnectedNet: initialization, the 2022 kit's initial losses (Appendix B of
the reference doc), gradients in float64 for every normalization and dropout setting, the
0.5*reg convention, dtypes, save/load (architecture and batchnorm running statistics) and the
errors for bad input and bad files."""
import os

import numpy as np
import pytest

from cs231n._io import save_npz
from cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
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


def test_two_layer_net_save_load_roundtrip(rng, tmp_path):
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
    with pytest.raises(ValueError, match=r"net.npz holds a TwoLayerNet with hidden_dim=6; this model has hidden_dim=7"):
        TwoLayerNet(input_dim=8, hidden_dim=7, num_classes=4).load(path)
    assert not list(path.parent.glob(".*tmp"))  # the atomic write left no temporary file
    old = os.umask(0o027)
    try:  # the permissions a plain open() would give (mkstemp alone gives 0600)
        model.save(path)
        assert oct(path.stat().st_mode & 0o777) == "0o640"
        os.umask(0o022)
        model.save(path)
        assert oct(path.stat().st_mode & 0o777) == "0o644"
    finally:
        os.umask(old)
    built = TwoLayerNet.from_file(path)  # sizes read from the file
    assert built.params["W1"].shape == (8, 6) and built.reg == 0.25
    np.testing.assert_array_equal(built.loss(X), model.loss(X))


def test_two_layer_net_reads_files_written_before_the_architecture_was_saved(rng, tmp_path):
    np.random.seed(5)
    model = TwoLayerNet(input_dim=8, hidden_dim=6, num_classes=4, reg=0.5)
    path = tmp_path / "old.npz"
    save_npz(path, __kind__=np.array("TwoLayerNet"), __reg__=np.array(0.5), **model.params)  # the old layout
    X = rng.standard_normal((3, 8))
    np.testing.assert_array_equal(TwoLayerNet.from_file(path).loss(X), model.loss(X))
    np.testing.assert_array_equal(TwoLayerNet(input_dim=8, hidden_dim=6, num_classes=4).load(path).loss(X),
                                  model.loss(X))
    with pytest.raises(ValueError, match=r"old.npz holds a TwoLayerNet with hidden_dim=6; this model has hidden_dim=7"):
        TwoLayerNet(input_dim=8, hidden_dim=7, num_classes=4).load(path)


# ---------------------------------------------------------------------------------------------
# FullyConnectedNet


def _appendix_b_data():
    """The 2022 notebooks' set-up cell: seed 231, then X and y drawn from the global generator."""
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    return X, y, D, H1, H2, C


def _same_double(value, expected, ulps=2):
    """Within a couple of units in the last place: the 2022 runs computed softmax as exp, normalize,
    log, ours as log-sum-exp, which rounds differently in the last bit."""
    return abs(float(value) - expected) <= ulps * np.spacing(expected)


def test_appendix_b_initial_losses_fully_connected_nets():
    """FullyConnectedNets.ipynb: models built inside the loop over reg, continuing the seeded stream."""
    X, y, D, H1, H2, C = _appendix_b_data()
    losses = []
    for reg in [0, 3.14]:
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                                  dtype=np.float64)
        losses.append(model.loss(X, y)[0])
    assert _same_double(losses[0], 2.300479089768492), repr(losses[0])
    assert _same_double(losses[1], 7.052114776533016), repr(losses[1])


def test_appendix_b_initial_loss_batchnorm():
    """BatchNormalization.ipynb: the same harness with normalization='batchnorm'."""
    X, y, D, H1, H2, C = _appendix_b_data()
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2, dtype=np.float64,
                              normalization="batchnorm", reg=0)
    loss = model.loss(X, y)[0]
    assert _same_double(loss, 2.2611955101340957), repr(loss)


def test_appendix_b_initial_losses_dropout():
    """Dropout.ipynb: the loop over dropout_keep_ratio in [1, 0.75, 0.5] with seed=123.

    The value at keep 0.75 is the one the reference doc records (with the same masks as the 2022
    kit's np.random.seed(123) on every dropout call). Keep 1 equals the model without dropout.
    """
    X, y, D, H1, H2, C = _appendix_b_data()
    losses = {}
    for keep in [1, 0.75, 0.5]:
        model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2, dtype=np.float64,
                                  dropout_keep_ratio=keep, seed=123)
        losses[keep] = model.loss(X, y)[0]
    assert _same_double(losses[1], 2.300479089768492), repr(losses[1])
    assert _same_double(losses[0.75], 2.302371489704412), repr(losses[0.75])


# The bounds the notebooks state: FullyConnectedNets "1e-7 or less" (W around 1e-5 acceptable),
# BatchNormalization W 1e-4 .. 1e-10, b/gamma/beta 1e-8 or less, Dropout "1e-6 or less" (W around
# 1e-5 acceptable). The notebooks check on N = 2 inputs, where batchnorm makes the loss almost
# independent of W1 (two normalized values are +-1 whatever they were) and the tiny W1 gradient
# is all rounding; here N = 10.
@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
@pytest.mark.parametrize("keep", [1, 0.75])
@pytest.mark.parametrize("reg", [0.0, 3.14])
def test_gradients_every_normalization_and_dropout(normalization, keep, reg):
    np.random.seed(231)
    N, D, H1, H2, C = 10, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2, dtype=np.float64,
                              normalization=normalization, dropout_keep_ratio=keep, seed=123, reg=reg)
    expected = {"W1", "b1", "W2", "b2", "W3", "b3"}
    if normalization:
        expected |= {"gamma1", "beta1", "gamma2", "beta2"}
    assert set(model.params) == expected
    if normalization:  # not the initial ones and zeros, so every term of the backward pass counts
        for k in ("gamma1", "beta1", "gamma2", "beta2"):
            model.params[k] = model.params[k] + 0.3 * np.random.randn(*model.params[k].shape)
    loss, grads = model.loss(X, y)
    assert set(grads) == expected
    for name in sorted(grads):
        assert grads[name].shape == model.params[name].shape, name
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-5)
        if normalization == "batchnorm" and name in ("b1", "b2"):
            # batchnorm subtracts the batch mean, so the loss does not depend on these biases: both
            # gradients are rounding noise around 0 and a relative error means nothing
            assert np.abs(grads[name]).max() < 1e-12 and np.abs(num).max() < 1e-9, name
            continue
        bound = 1e-4 if name.startswith("W") else 1e-5
        err = rel_error(num, grads[name])
        assert err < bound, f"{name}: relative error {err:.2e} > {bound:.0e}"


def test_dropout_masks_are_the_same_on_every_call_with_a_seed_and_differ_without():
    X, y, D, H1, H2, C = _appendix_b_data()
    seeded = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, dropout_keep_ratio=0.5, seed=3,
                               weight_scale=5e-2, dtype=np.float64)
    assert seeded.loss(X, y)[0] == seeded.loss(X, y)[0]
    state = np.random.get_state()[1].copy()
    seeded.loss(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # the global generator is untouched
    free = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, dropout_keep_ratio=0.5,
                             weight_scale=5e-2, dtype=np.float64)
    assert len({float(free.loss(X, y)[0]) for _ in range(5)}) > 1


def test_regularization_is_half_reg_sum_of_squares_of_the_weights_only():
    X, y, D, H1, H2, C = _appendix_b_data()
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, normalization="layernorm",
                              weight_scale=5e-2, dtype=np.float64)
    l0, g0 = model.loss(X, y)
    model.reg = 2.5
    l1, g1 = model.loss(X, y)
    weights = [model.params[f"W{i}"] for i in (1, 2, 3)]
    assert abs((l1 - l0) - 0.5 * 2.5 * sum(np.sum(W * W) for W in weights)) < 1e-12
    for i, W in enumerate(weights, start=1):
        assert rel_error(g1[f"W{i}"] - g0[f"W{i}"], 2.5 * W) < 1e-9
    for k in ("b1", "gamma1", "beta1", "gamma2", "b3"):
        np.testing.assert_array_equal(g1[k], g0[k])


def test_initialization():
    np.random.seed(0)
    model = FullyConnectedNet([200, 100], input_dim=300, num_classes=10, weight_scale=1e-2,
                              normalization="batchnorm")
    assert model.num_layers == 3 and len(model.bn_params) == 2
    assert all(p == {"mode": "train"} for p in model.bn_params)
    assert abs(model.params["W1"].std() - 1e-2) < 1e-3 and abs(model.params["W2"].std() - 1e-2) < 1e-3
    assert np.all(model.params["b2"] == 0) and np.all(model.params["gamma1"] == 1)
    assert np.all(model.params["beta2"] == 0)
    assert model.dropout_param == {} and not model.use_dropout
    ln = FullyConnectedNet([5], input_dim=4, normalization="layernorm", dropout_keep_ratio=0.5, seed=1)
    assert ln.bn_params == [{}] and ln.dropout_param == {"mode": "train", "p": 0.5, "seed": 1}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_dtype_follows_dtype(dtype, normalization):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3, 2, 2))  # float64 input, any shape that flattens to D = 12
    y = rng.integers(5, size=4)
    model = FullyConnectedNet([6, 7], input_dim=12, num_classes=5, normalization=normalization,
                              dropout_keep_ratio=0.8, reg=0.1, dtype=dtype)
    assert all(v.dtype == dtype for v in model.params.values())
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss)
    assert {k: v.dtype for k, v in grads.items()} == {k: np.dtype(dtype) for k in model.params}
    assert model.loss(X).dtype == dtype and model.loss(X).shape == (4, 5)


def test_test_mode_uses_running_statistics_and_no_dropout():
    rng = np.random.default_rng(1)
    X = 3 + 2 * rng.standard_normal((20, 6))
    y = rng.integers(4, size=20)
    np.random.seed(2)
    model = FullyConnectedNet([8], input_dim=6, num_classes=4, normalization="batchnorm",
                              dropout_keep_ratio=0.5, dtype=np.float64, weight_scale=0.3)
    for _ in range(3):
        model.loss(X, y)
    assert model.dropout_param["mode"] == "train" and model.bn_params[0]["mode"] == "train"
    scores = model.loss(X)
    assert model.dropout_param["mode"] == "test" and model.bn_params[0]["mode"] == "test"
    np.testing.assert_array_equal(scores, model.loss(X))  # deterministic: no dropout at test time
    # by hand: affine - batchnorm with the running statistics - relu - affine
    p, bn = model.params, model.bn_params[0]
    h = X @ p["W1"] + p["b1"]
    h = p["gamma1"] * (h - bn["running_mean"]) / np.sqrt(bn["running_var"] + 1e-5) + p["beta1"]
    assert rel_error(scores, np.maximum(h, 0) @ p["W2"] + p["b2"]) < 1e-12


@pytest.mark.parametrize("kwargs,message", [
    ({"normalization": "groupnorm"}, r"normalization must be one of \(None, 'batchnorm', 'layernorm'\), got 'groupnorm'"),
    ({"normalization": "BatchNorm"}, "got 'BatchNorm'"),
    ({"dropout_keep_ratio": 0}, r"probability of KEEPING a unit and must be in \(0, 1\], got 0"),
    ({"dropout_keep_ratio": 1.5}, "got 1.5"),
    ({"hidden_dims": [10, 0]}, r"hidden_dims=\[10, 0\]"),
])
def test_bad_arguments(kwargs, message):
    args = {"hidden_dims": [10, 10], "input_dim": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        FullyConnectedNet(**args)


# ---------------------------------------------------------------------------------------------
# save / load / from_file


def _trained_fcn(normalization, keep=0.75, seed=None):
    """A small FullyConnectedNet after a few training-mode passes (so batchnorm has running statistics)."""
    rng = np.random.default_rng(4)
    X = 1 + rng.standard_normal((16, 7))
    y = rng.integers(3, size=16)
    np.random.seed(6)
    model = FullyConnectedNet([9, 5], input_dim=7, num_classes=3, normalization=normalization,
                              dropout_keep_ratio=keep, reg=0.3, weight_scale=0.5, dtype=np.float64, seed=seed)
    for _ in range(4):
        _, grads = model.loss(X[rng.permutation(16)[:8]], y[:8])
        for k in model.params:
            model.params[k] -= 0.1 * grads[k]
    return model, X


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_fully_connected_net_save_load_roundtrip(tmp_path, normalization):
    model, X = _trained_fcn(normalization, seed=5)
    path = tmp_path / "fcn.npz"
    model.save(path)
    rng_state = np.random.get_state()[1].copy()
    built = FullyConnectedNet.from_file(path)
    np.testing.assert_array_equal(np.random.get_state()[1], rng_state)  # building drew no numbers
    assert (built.hidden_dims, built.input_dim, built.num_classes) == ([9, 5], 7, 3)
    assert (built.normalization, built.dropout_keep_ratio, built.reg, built.seed) == (normalization, 0.75, 0.3, 5)
    assert built.params["W1"].dtype == np.float64 and built.dropout_param["p"] == 0.75
    np.testing.assert_array_equal(built.loss(X), model.loss(X))
    same = FullyConnectedNet([9, 5], input_dim=7, num_classes=3, normalization=normalization,
                             dropout_keep_ratio=0.75, dtype=np.float64, seed=5).load(path)
    np.testing.assert_array_equal(same.loss(X), model.loss(X))
    assert same.reg == 0.3
    if normalization == "batchnorm":
        for i in (0, 1):
            for key in ("running_mean", "running_var"):
                np.testing.assert_array_equal(built.bn_params[i][key], model.bn_params[i][key])
                assert np.any(model.bn_params[i][key] != 0)


def test_batchnorm_running_statistics_matter(tmp_path):
    """Without the running statistics a loaded batchnorm model scores differently in test mode."""
    model, X = _trained_fcn("batchnorm")
    params_only = FullyConnectedNet([9, 5], input_dim=7, num_classes=3, normalization="batchnorm",
                                    dropout_keep_ratio=0.75, dtype=np.float64)
    params_only.params = {k: v.copy() for k, v in model.params.items()}
    assert rel_error(params_only.loss(X), model.loss(X)) > 1e-3
    model.save(tmp_path / "bn.npz")
    np.testing.assert_array_equal(FullyConnectedNet.from_file(tmp_path / "bn.npz").loss(X), model.loss(X))


def test_untrained_batchnorm_model_round_trips(tmp_path):
    """Saved before any training pass there are no running statistics; loading clears the model's."""
    np.random.seed(0)
    fresh = FullyConnectedNet([4], input_dim=3, num_classes=2, normalization="batchnorm", dtype=np.float64)
    fresh.save(tmp_path / "fresh.npz")
    used, X = _trained_fcn("batchnorm")
    other = FullyConnectedNet([4], input_dim=3, num_classes=2, normalization="batchnorm", dtype=np.float64)
    other.loss(np.ones((2, 3)), np.zeros(2, dtype=int))  # gives it running statistics
    other.load(tmp_path / "fresh.npz")
    assert "running_mean" not in other.bn_params[0]
    np.testing.assert_array_equal(other.loss(np.ones((2, 3))), fresh.loss(np.ones((2, 3))))


@pytest.mark.parametrize("change,message", [
    ({"hidden_dims": [9, 6]}, r"hidden_dims=\[9, 5\]; this model has hidden_dims=\[9, 6\]"),
    ({"normalization": "layernorm"}, r"normalization='batchnorm'; this model has normalization='layernorm'"),
    ({"dropout_keep_ratio": 1}, r"dropout_keep_ratio=0.75; this model has dropout_keep_ratio=1"),
    ({"dtype": np.float32}, r"dtype='float64'; this model has dtype='float32'"),
    ({"input_dim": 8}, r"input_dim=7; this model has input_dim=8"),
])
def test_load_into_another_architecture_names_the_file_and_the_difference(tmp_path, change, message):
    model, _ = _trained_fcn("batchnorm")
    path = tmp_path / "arch.npz"
    model.save(path)
    args = {"hidden_dims": [9, 5], "input_dim": 7, "num_classes": 3, "normalization": "batchnorm",
            "dropout_keep_ratio": 0.75, "dtype": np.float64, **change}
    other = FullyConnectedNet(**args)
    before = {k: v.copy() for k, v in other.params.items()}
    with pytest.raises(ValueError, match="arch.npz holds a FullyConnectedNet with " + message):
        other.load(path)
    for k in before:  # a failed load changes nothing
        np.testing.assert_array_equal(other.params[k], before[k])


def test_load_a_file_of_another_kind(tmp_path):
    np.random.seed(0)
    TwoLayerNet(input_dim=7, hidden_dim=9, num_classes=3).save(tmp_path / "two.npz")
    with pytest.raises(ValueError, match=r"two.npz holds a TwoLayerNet, not a FullyConnectedNet"):
        FullyConnectedNet.from_file(tmp_path / "two.npz")
    with pytest.raises(ValueError, match=r"two.npz holds a TwoLayerNet, not a FullyConnectedNet"):
        FullyConnectedNet([9], input_dim=7, num_classes=3).load(tmp_path / "two.npz")
    FullyConnectedNet([9], input_dim=7, num_classes=3).save(tmp_path / "fcn.npz")
    with pytest.raises(ValueError, match=r"fcn.npz holds a FullyConnectedNet, not a TwoLayerNet"):
        TwoLayerNet.from_file(tmp_path / "fcn.npz")


def test_corrupt_and_truncated_files(tmp_path):
    model, _ = _trained_fcn("batchnorm")
    good = tmp_path / "good.npz"
    model.save(good)
    data = good.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.npz").write_bytes(b"not a model at all" * 10)
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside a compressed member: a bad CRC or a bad array
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    np.save(tmp_path / "array.npy", np.zeros(3))
    for name in ("truncated.npz", "garbage.npz", "flipped.npz", "array.npy"):
        with pytest.raises(ValueError, match=rf"{name} is not a readable model file .*save the model again"):
            FullyConnectedNet.from_file(tmp_path / name)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        FullyConnectedNet.from_file(tmp_path / "missing.npz")


def test_tampered_files(tmp_path):
    """Files whose parts do not agree: a parameter of the wrong shape, running statistics of the
    wrong shape or for an unnormalized model."""
    model, _ = _trained_fcn("batchnorm")
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:
        arrays = {k: f[k] for k in f.files}
    save_npz(tmp_path / "w.npz", **{**arrays, "W2": np.zeros((9, 4))})
    with pytest.raises(ValueError, match=r"w.npz: parameter W2 has shape \(9, 4\), this model needs \(9, 5\)"):
        FullyConnectedNet.from_file(tmp_path / "w.npz")
    save_npz(tmp_path / "s.npz", **{**arrays, "__state__bn2_running_var": np.zeros(4)})
    with pytest.raises(ValueError, match=r"s.npz: bn2_running_var has shape \(4,\), this model needs \(5,\)"):
        FullyConnectedNet.from_file(tmp_path / "s.npz")
    plain, _ = _trained_fcn(None)
    plain.save(tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz") as f:
        arrays = {k: f[k] for k in f.files}
    save_npz(tmp_path / "p2.npz", **{**arrays, "__state__bn1_running_mean": np.zeros(9)})
    with pytest.raises(ValueError, match=r"p2.npz holds state \['bn1_running_mean'\] that this unnormalized"):
        FullyConnectedNet.from_file(tmp_path / "p2.npz")
    save_npz(tmp_path / "c.npz", **{**arrays, "__config__": np.array("{not json")})
    with pytest.raises(ValueError, match=r"c.npz: its architecture \(__config__\) is not valid JSON"):
        FullyConnectedNet.from_file(tmp_path / "c.npz")
    save_npz(tmp_path / "n.npz", **{**arrays, "__config__": np.array('{"hidden_dims": [9, 5], "normalization": "x"}')})
    with pytest.raises(ValueError, match=r"n.npz: cannot build a FullyConnectedNet from its architecture"):
        FullyConnectedNet.from_file(tmp_path / "n.npz")


def test_numpy_scalars_in_the_arguments_save(tmp_path):
    """Arguments from NumPy arithmetic (np.float32 keep ratio, np.int64 sizes and seed) save as JSON."""
    model = FullyConnectedNet([np.int64(4)], input_dim=np.int64(3), num_classes=2, dropout_keep_ratio=np.float32(0.5),
                              seed=np.int64(7), reg=np.float32(0.25))
    model.save(tmp_path / "np.npz")
    built = FullyConnectedNet.from_file(tmp_path / "np.npz")
    assert (built.hidden_dims, built.dropout_keep_ratio, built.seed, built.reg) == ([4], 0.5, 7, 0.25)
