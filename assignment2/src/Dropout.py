# %% [markdown]
# # Dropout
#
# A network with millions of weights can memorise its training set, and then it generalises badly:
# the train/validation gap you saw in the previous notebooks. **Dropout** (Hinton et al., 2012;
# Srivastava et al., 2014) is a simple and effective regulariser against that: during training, every
# hidden unit is switched off (set to zero) at random on each forward pass, independently, with
# probability $1 - p$.
#
# Why does that help?
#
# - **No co-adaptation.** A unit cannot rely on a particular partner being present, so it has to
#   learn features that are useful on their own, in many contexts, rather than fragile combinations
#   that only fix up each other's mistakes on the training set.
# - **An implicit ensemble.** Each mask selects a different "thinned" sub-network, and all of them
#   share the same weights. Training with dropout trains this huge family at once; using the full
#   network at test time approximates averaging their predictions, and averaging many models reduces
#   variance.
# - **Noise.** The random masks make the training loss noisy in a way that the network can only
#   make small by learning robust features, much as data augmentation does.
#
# **Inverted dropout.** If each unit is kept with probability $p$, its expected output at training
# time is $p$ times its value, while at test time (no dropout) it is the full value; the next layer
# would see inputs of a different scale in the two modes. Inverted dropout divides the kept units by
# $p$ *during training*, so every unit has the same expected value in both modes and the test-time
# pass is simply the identity: nothing to change at test time.
#
# **A trap in the names.** In this kit, as in the CS231n 2022 kit, `dropout_param["p"]` and
# `FullyConnectedNet(dropout_keep_ratio=...)` are the probability of **keeping** a unit. PyTorch's
# `nn.Dropout(p)` uses `p` for the probability of *dropping* one.
#
# You write `dropout_forward` and `dropout_backward` in `cs231n/layers.py`, and add dropout to
# `FullyConnectedNet` in `cs231n/classifiers/fc_net.py`.

# %% [readonly id=do-setup]
# Set-up: run this cell first.
import os
import sys

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import matplotlib.pyplot as plt
import numpy as np

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.layers import dropout_backward, dropout_forward
from cs231n.nbutils import bound, by_mode, record, save_arrays, setup_notebook
from cs231n.solver import Solver
from cs231n.testing import linspace_array, rel_error

setup_notebook()


# %% [readonly id=do-data]
# Mean-subtracted CIFAR-10 in (N, 3, 32, 32) layout: 49000 training, 1000 validation, 1000 test images.
from cs231n.data_utils import get_CIFAR10_data

data = get_CIFAR10_data()
for k, v in data.items():
    print(f"{k}: {v.shape}")

# %% [markdown]
# ## Dropout forward pass
#
# Implement `dropout_forward` in `cs231n/layers.py`. In `"train"` mode, draw uniform numbers in
# $[0, 1)$ with `rand(*x.shape)` (the function defined at the top of `dropout_forward`: it uses
# `dropout_param["seed"]` when there is one, so that gradient checks see the same mask every time),
# keep the units whose number is below $p$, and scale them by $1/p$. In `"test"` mode return the
# input unchanged.
#
# The cell below applies it to a $500 \times 500$ input of mean 10 with three keep probabilities. In
# train mode about a fraction $1 - p$ of the outputs should be zero and the mean should stay about
# 10 (that is what the $1/p$ is for); in test mode nothing is zeroed and the output is the input.

# %% [readonly id=do-forward-run]
np.random.seed(231)
x = np.random.randn(500, 500) + 10

forward_stats = {}
for p in [0.25, 0.4, 0.7]:
    out, _ = dropout_forward(x, {"mode": "train", "p": p})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
    forward_stats[p] = dict(train_mean=out.mean(), test_mean=out_test.mean(),
                            train_zeros=(out == 0).mean(), test_zeros=(out_test == 0).mean(),
                            test_is_identity=np.array_equal(out_test, x),
                            kept_scaled=np.allclose(out[out != 0], x[out != 0] / p, rtol=1e-12, atol=0))
    print(f"Running tests with p = {p}")
    print(f"Mean of input: {x.mean()}")
    print(f"Mean of train-time output: {out.mean()}")
    print(f"Mean of test-time output: {out_test.mean()}")
    print(f"Fraction of train-time output set to zero: {(out == 0).mean()}")
    print(f"Fraction of test-time output set to zero: {(out_test == 0).mean()}")
    print()

# %% [test id=do-forward points=3]
"""dropout_forward keeps a fraction p of the units, scaled by 1/p (mean unchanged), and is the identity at test time."""
assert set(forward_stats) == {0.25, 0.4, 0.7}
for _p, _s in forward_stats.items():
    assert abs(_s["train_zeros"] - (1 - _p)) < 0.01, (f"p = {_p}: fraction of zeros {_s['train_zeros']:.4f} in train mode, "
                                                      f"expected about {1 - _p} (p is the probability of KEEPING a unit)")
    assert abs(_s["train_mean"] - x.mean()) < 0.2, (f"p = {_p}: train-time mean {_s['train_mean']:.4f}, expected about "
                                                    f"the input mean {x.mean():.4f} (divide the kept units by p)")
    assert _s["kept_scaled"], f"p = {_p}: the kept units must be exactly x / p"
    assert _s["test_is_identity"], f"p = {_p}: test mode must return the input unchanged ({_s['test_zeros']:.4f} zeros)"
### BEGIN HIDDEN TESTS
_x = linspace_array((6, 7), -1.0, 2.0)
_out, _ = dropout_forward(_x, {"mode": "train", "p": 0.6, "seed": 7})
assert rel_error(_out, {{ref:dropout_forward_hidden}}) < 1e-12, "the mask must be rand(*x.shape) < p, scaled by 1/p"
_o1, _ = dropout_forward(_x, {"mode": "train", "p": 0.6, "seed": 7})
assert np.array_equal(_out, _o1), "the same seed must give the same mask"
_x32 = _x.astype(np.float32)
assert dropout_forward(_x32, {"mode": "train", "p": 0.5})[0].dtype == np.float32
assert np.array_equal(dropout_forward(_x, {"mode": "train", "p": 1.0})[0], _x), "p = 1 keeps everything"
### END HIDDEN TESTS

# %% [markdown]
# ## Dropout backward pass
#
# Implement `dropout_backward`. The forward pass multiplied $x$ by a fixed mask, so the gradient is
# the upstream gradient times the same mask (and the identity in test mode). The check below fixes
# the seed, so the numeric gradient sees the same mask as your forward pass; the error should be
# about 1e-10 or less.

# %% [readonly id=do-backward-run]
np.random.seed(231)
x = np.random.randn(10, 10) + 10
dout = np.random.randn(*x.shape)

dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
out, cache = dropout_forward(x, dropout_param)
dx = dropout_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)

dropout_dx_error = rel_error(dx, dx_num)
print(f"dx relative error: {dropout_dx_error:.2e}")

# %% [test id=do-backward points=2]
"""dropout_backward matches the numeric gradient."""
assert dx.shape == x.shape, f"dx has shape {dx.shape}, expected {x.shape}"
assert dropout_dx_error < 1e-9, f"dx: relative error {dropout_dx_error:.2e}, expected < 1e-9"
### BEGIN HIDDEN TESTS
_x = linspace_array((4, 3, 5), -2.0, 1.0)
_d = linspace_array((4, 3, 5), 0.5, -0.7)
_pr = {"mode": "train", "p": 0.65, "seed": 3}
_o, _c = dropout_forward(_x, _pr)
_dx = dropout_backward(_d, _c)
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: dropout_forward(v, _pr)[0], _x, _d)) < 1e-9
_o, _c = dropout_forward(_x, {"mode": "test", "p": 0.65})
assert np.array_equal(dropout_backward(_d, _c), _d), "test mode: the gradient passes through unchanged"
### END HIDDEN TESTS

# %% [answer id=do-iq1 points=2]
# **Inline question 1**
#
# Suppose `dropout_forward` kept the units with probability `p` but did not divide them by `p`.
# What would go wrong, and why?
#
# **Your answer:**
### BEGIN SOLUTION
# Then each unit's expected training-time output is p * x (it is x with probability p and 0
# otherwise), while at test time, with dropout off, it is x. The layers after it are trained on
# inputs that are on average p times smaller than the ones they see at test time, so every
# activation (and the scores) is off by a factor 1/p at test time and the predictions are wrong or
# badly calibrated. To fix that without the division during training, one must multiply the outputs
# by p at test time (the original, non-inverted dropout). Dividing by p during training keeps the
# expected values equal in both modes, so the test-time pass needs no change.
### END SOLUTION

# %% [markdown]
# ## Fully connected nets with dropout
#
# Add dropout to `FullyConnectedNet` in `cs231n/classifiers/fc_net.py`: when `dropout_keep_ratio`
# is below 1, put a dropout layer after every ReLU, each called with the network's one
# `self.dropout_param` (the constructor sets it up; `loss` sets its mode to `"test"` when there are
# no labels). The output layer gets no dropout.
#
# Gradient check with keep ratios 1, 0.75 and 0.5: the relative errors should be about 1e-6 or less
# (as before, about 1e-5 on a weight matrix can happen without a bug). The model's `seed=123` fixes
# the masks, so the loss is a deterministic function of the weights. With the same random draws as
# the 2022 kit, the initial loss at keep ratio 0.75 is **2.302371489704412** (and 2.300479089768492
# at keep ratio 1, as in the previous notebook).

# %% [readonly id=do-fcn-run]
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

dropout_losses, dropout_grad_errors = {}, {}
for dropout_keep_ratio in [1, 0.75, 0.5]:
    print(f"Running check with dropout = {dropout_keep_ratio}")
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2, dtype=np.float64,
                              dropout_keep_ratio=dropout_keep_ratio, seed=123)

    loss, grads = model.loss(X, y)
    dropout_losses[dropout_keep_ratio] = float(loss)
    print(f"Initial loss: {float(loss)!r}")

    # expect about 1e-6 or less; up to about 1e-5 on a weight matrix can be a ReLU kink, not a bug
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        dropout_grad_errors[(dropout_keep_ratio, name)] = rel_error(grad_num, grads[name])
        print(f"{name} relative error: {dropout_grad_errors[(dropout_keep_ratio, name)]:.2e}")
    print()

# %% [test id=do-fcn-loss points=2]
"""FullyConnectedNet with dropout reproduces the 2022 kit's initial losses at keep ratios 1 and 0.75."""
for _keep, _expected in ((1, 2.300479089768492), (0.75, 2.302371489704412)):
    _found = dropout_losses[_keep]
    assert abs(_found - _expected) < 1e-8, (f"initial loss {_found!r} at keep ratio {_keep}, expected {_expected!r}: one "
                                            f"dropout layer after every ReLU, all called with self.dropout_param")
### BEGIN HIDDEN TESTS
_m = FullyConnectedNet([4, 5], input_dim=6, num_classes=3, dtype=np.float64, dropout_keep_ratio=0.6, seed=11)
for _i, (_a, _b) in enumerate([(6, 4), (4, 5), (5, 3)], 1):
    _m.params[f"W{_i}"] = linspace_array((_a, _b), -0.6 + 0.1 * _i, 0.5 - 0.2 * _i)
    _m.params[f"b{_i}"] = np.linspace(0.1 * _i, -0.1, num=_b)
_X = linspace_array((5, 6), -1.0, 1.5)
_y = np.array([0, 2, 1, 1, 0])
assert abs(_m.loss(_X, _y)[0] - {{ref:fcn_dropout_loss_hidden}}) < 1e-10
assert rel_error(_m.loss(_X), {{ref:fcn_dropout_scores_hidden}}) < 1e-10, "no dropout at test time (y is None)"
### END HIDDEN TESTS

# %% [test id=do-fcn-gradients points=2]
"""FullyConnectedNet's gradients with dropout match numeric gradients."""
assert {k for k, _ in dropout_grad_errors} == {1, 0.75, 0.5}
for (_keep, _name), _e in dropout_grad_errors.items():
    _bound = 1e-4 if _name.startswith("W") else 1e-6
    assert _e < _bound, f"{_name} at keep ratio {_keep}: relative error {_e:.2e}, expected < {_bound:.0e}"
### BEGIN HIDDEN TESTS
np.random.seed(9)
_m = FullyConnectedNet([7, 6, 5], input_dim=5, num_classes=4, weight_scale=0.5, reg=0.4, dtype=np.float64,
                       dropout_keep_ratio=0.6, seed=5)
for _n in ("b1", "b2", "b3", "b4"):  # nonzero biases keep the ReLU inputs away from the kink at 0
    _m.params[_n] = 0.1 * np.random.randn(*_m.params[_n].shape)
_X = np.random.randn(4, 5)
_y = np.random.randint(4, size=4)
_, _g = _m.loss(_X, _y)
for _n in _g:
    _e = rel_error(_g[_n], eval_numerical_gradient(lambda _: _m.loss(_X, _y)[0], _m.params[_n], verbose=False))
    assert _e < 1e-5, f"{_n}: {_e:.2e}"
### END HIDDEN TESTS

# %% [markdown]
# ## Regularisation experiment
#
# Train two copies of a two-layer net (one hidden layer of 500 units) on only **500 training
# images**, one without dropout (keep ratio 1) and one keeping a quarter of the hidden units (keep
# ratio 0.25), with Adam for 25 epochs. 500 images are easy to memorise, so the net without dropout
# should overfit: training accuracy near 100%, validation far below. Watch what dropout does to the
# two curves. (Each run is 125 updates of 100 images, about 10 seconds on a 2-core laptop; quick and
# autograde runs train for 6 epochs.)
#
# The histories are saved as `dropout_experiment.npz` next to this notebook: hand that file in with
# the notebook. The grader checks the file instead of training again.

# %% [readonly id=do-experiment-run]
np.random.seed(231)
num_train = 500
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}

dropout_choices = [1, 0.25]
experiment_epochs = by_mode(25, 6)
solvers = {}
for dropout_keep_ratio in dropout_choices:
    model = FullyConnectedNet([500], dropout_keep_ratio=dropout_keep_ratio)
    print(f"dropout keep ratio {dropout_keep_ratio}")
    solver = Solver(model, small_data, num_epochs=experiment_epochs, batch_size=100, update_rule="adam",
                    optim_config={"learning_rate": 5e-4}, verbose=True, print_every=100)
    solver.train()
    solvers[dropout_keep_ratio] = solver
    print()

save_arrays("dropout_experiment.npz",
            keep_ratios=np.array(dropout_choices, dtype=np.float64),
            train_acc=np.array([solvers[k].train_acc_history for k in dropout_choices]),  # (2, epochs + 1)
            val_acc=np.array([solvers[k].val_acc_history for k in dropout_choices]),  # (2, epochs + 1)
            loss=np.array([solvers[k].loss_history for k in dropout_choices]))  # (2, iterations)

# %% [readonly id=do-experiment-plot]
# Train and validation accuracies of the two models, as saved (the plots show the file the grader checks)
with np.load("dropout_experiment.npz") as f:
    history = {k: f[k] for k in f.files}

fig, axes = plt.subplots(2, 1, figsize=(15, 15))
for ax, key, title in ((axes[0], "train_acc", "Train accuracy"), (axes[1], "val_acc", "Validation accuracy")):
    for keep, curve in zip(history["keep_ratios"], history[key]):
        ax.plot(curve, "o", label=f"{keep:.2f} dropout keep ratio")
    ax.set_title(title)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Accuracy")
    ax.legend(ncol=2, loc="lower right")
    ax.grid(linestyle="--", linewidth=0.5)
plt.show()

# %% [markdown]
# The grader measures the **train/validation gap** of each run as the mean, over the last five
# epochs, of training accuracy minus validation accuracy, and expects the run with dropout to have
# the smaller gap.

# %% [readonly id=do-experiment-gaps]
def accuracy_gaps(path):
    """(keep ratios, gap per run): the mean over the last five epochs of train minus validation accuracy."""
    with np.load(path) as f:
        keep, train_acc, val_acc = f["keep_ratios"], f["train_acc"], f["val_acc"]
    if train_acc.shape != val_acc.shape or train_acc.shape[0] != len(keep):
        raise ValueError(f"{path}: train_acc {train_acc.shape}, val_acc {val_acc.shape} and keep_ratios {keep.shape} "
                         f"do not match; run the experiment cell again")
    return keep, (train_acc[:, -5:] - val_acc[:, -5:]).mean(axis=1)


keep, gaps = accuracy_gaps("dropout_experiment.npz")
for k, g in zip(keep, gaps):
    print(f"keep ratio {k:.2f}: train/validation gap {g:.3f}")
record("dropout_gap_keep1", float(gaps[list(keep).index(1.0)]))
record("dropout_gap_keep025", float(gaps[list(keep).index(0.25)]))

# %% [test id=do-experiment points=3]
"""In dropout_experiment.npz, the run with dropout (keep 0.25) has a smaller train/validation gap than without."""
keep, gaps = accuracy_gaps("dropout_experiment.npz")
assert sorted(keep) == [0.25, 1.0], f"keep ratios {list(keep)} in dropout_experiment.npz, expected [1, 0.25]"
_with, _without = gaps[list(keep).index(0.25)], gaps[list(keep).index(1.0)]
assert _with < _without, (f"train/validation gap {_with:.3f} with dropout, not below {_without:.3f} without: "
                          f"check dropout in FullyConnectedNet.loss")
### BEGIN HIDDEN TESTS
with np.load("dropout_experiment.npz") as _f:
    _tr, _va, _loss = _f["train_acc"], _f["val_acc"], _f["loss"]
assert _tr.shape[1] >= bound(26, 7) and np.all((0 <= _tr) & (_tr <= 1)) and np.all((0 <= _va) & (_va <= 1))
assert _loss.shape[1] == 5 * (_tr.shape[1] - 1), "loss history and accuracy history do not match (5 updates per epoch)"
assert _without - _with > bound(0.05, 0.0), f"gaps {_with:.3f} with dropout and {_without:.3f} without"
assert _tr[list(keep).index(1.0), -1] > bound(0.8, 0.4), "without dropout the net should (nearly) memorise 500 images"
### END HIDDEN TESTS

# %% [answer id=do-iq2 points=2]
# **Inline question 2**
#
# Look at the training and validation curves of the two runs. What do they tell you about dropout
# as a regulariser?
#
# **Your answer:**
### BEGIN SOLUTION
# Without dropout the net memorises the 500 images: training accuracy climbs close to 100% while
# validation accuracy stalls (around 25-30%), a large gap, which is overfitting. With a keep ratio of
# 0.25, training accuracy rises more slowly and stays lower, because the net can no longer fit the
# training set through co-adapted units, while the validation accuracy is about the same or a bit
# higher. The gap between the two curves is much smaller. Dropout therefore acts as a regulariser: it
# trades training fit for generalisation, reducing variance (overfitting) rather than improving the
# fit to the training data. With so little data it cannot make the net good, but it makes what the
# net learns transfer better.
### END SOLUTION
