"""Solver: overfitting small data, checkpoints, best-parameter restore, option checking, output."""
import pickle

import numpy as np
import pytest

from cs231n.classifiers.fc_net import TwoLayerNet
from cs231n.data_utils import get_CIFAR10_data
from cs231n.solver import Solver


def toy_data(rng, n=60, d=10, c=3):
    y = rng.integers(c, size=2 * n)
    X = 2 * rng.standard_normal((c, d))[y] + rng.standard_normal((2 * n, d))
    return {"X_train": X[:n], "y_train": y[:n], "X_val": X[n:], "y_val": y[n:]}


@pytest.mark.slow
def test_overfits_50_cifar10_images(cifar10_dir):
    data = get_CIFAR10_data(num_training=50, num_validation=1000, num_test=0, cifar10_dir=cifar10_dir)
    np.random.seed(231)
    model = TwoLayerNet(hidden_dim=100, weight_scale=1e-2)
    solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-3},
                    num_epochs=20, batch_size=25, num_train_samples=None, verbose=False)
    solver.train()
    print(f"train accuracy on 50 images after 20 epochs: {solver.train_acc_history[-1]:.2f}")
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.1 * solver.loss_history[0]


def test_histories_lr_decay_and_best_params(rng):
    data = toy_data(rng)
    np.random.seed(0)
    model = TwoLayerNet(input_dim=10, hidden_dim=20, num_classes=3, weight_scale=1e-1)
    solver = Solver(model, data, optim_config={"learning_rate": 5e-2}, lr_decay=0.5, num_epochs=4,
                    batch_size=20, verbose=False)
    solver.train()
    # 60 // 20 = 3 iterations an epoch, 12 in all; accuracies at the start and at each epoch end
    assert len(solver.loss_history) == 12
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 5
    assert solver.epoch == 4
    assert solver.optim_configs["W1"]["learning_rate"] == pytest.approx(5e-2 * 0.5 ** 4)
    assert solver.optim_config == {"learning_rate": 5e-2}  # the caller's dict is not touched
    assert solver.best_val_acc == max(solver.val_acc_history)
    # the model ends with the best snapshot, which scores best_val_acc on the full validation set
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == solver.best_val_acc
    for k in model.params:
        np.testing.assert_array_equal(model.params[k], solver.best_params[k])


def test_checkpoints_load_back(rng, tmp_path):
    data = toy_data(rng)
    np.random.seed(1)
    model = TwoLayerNet(input_dim=10, hidden_dim=8, num_classes=3)
    name = str(tmp_path / "ckpt")
    solver = Solver(model, data, num_epochs=2, batch_size=30, checkpoint_name=name, verbose=False)
    solver.train()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["ckpt_epoch_0.pkl", "ckpt_epoch_1.pkl", "ckpt_epoch_2.pkl"]
    with open(tmp_path / "ckpt_epoch_2.pkl", "rb") as f:
        ckpt = pickle.load(f)
    assert ckpt["epoch"] == 2 and ckpt["batch_size"] == 30
    assert len(ckpt["loss_history"]) == 4 and len(ckpt["val_acc_history"]) == 3
    assert isinstance(ckpt["model"], TwoLayerNet) and ckpt["model"].params["W1"].shape == (10, 8)


def test_unknown_options_and_rules_are_named(rng):
    data = toy_data(rng)
    model = TwoLayerNet(input_dim=10, hidden_dim=8, num_classes=3)
    with pytest.raises(ValueError, match="Unrecognized arguments learning_rate, num_epoch;"):
        Solver(model, data, learning_rate=1e-3, num_epoch=3)
    with pytest.raises(ValueError, match='Invalid update_rule "adamw"; cs231n.optim has .*sgd'):
        Solver(model, data, update_rule="adamw")
    with pytest.raises(ValueError, match="data is missing X_val, y_val"):
        Solver(model, {"X_train": data["X_train"], "y_train": data["y_train"]})


def test_verbose_output_goes_to_stdout(rng, capsys):
    data = toy_data(rng)
    model = TwoLayerNet(input_dim=10, hidden_dim=8, num_classes=3)
    Solver(model, data, num_epochs=1, batch_size=20, print_every=1).train()
    out, err = capsys.readouterr()
    assert "(Iteration 1 / 3) loss:" in out and "(Epoch 1 / 1) train acc:" in out
    assert err == ""
    Solver(model, data, num_epochs=1, batch_size=20, progress=True, print_every=100).train()
    out, err = capsys.readouterr()
    assert "3/3" in out and "loss=" in out and err == ""
    Solver(model, data, num_epochs=1, batch_size=20, verbose=False).train()
    assert capsys.readouterr() == ("", "")
