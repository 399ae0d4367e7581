# %% [markdown]
# # Batch normalization and layer normalization
#
# A deep network is hard to train when the distribution of each layer's inputs keeps moving as the
# layers below it learn: a layer that was tuned for inputs of one scale suddenly receives inputs of
# another. **Batch normalization** (Ioffe and Szegedy, 2015, "Batch Normalization: Accelerating Deep
# Network Training by Reducing Internal Covariate Shift") inserts a layer that standardises every
# feature using the statistics of the current minibatch:
#
# $$\mu_j = \frac{1}{N}\sum_{i} x_{ij}, \qquad v_j = \frac{1}{N}\sum_i (x_{ij} - \mu_j)^2, \qquad
# \hat x_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{v_j + \epsilon}}, \qquad y_{ij} = \gamma_j \hat x_{ij} + \beta_j .$$
#
# The learnable scale $\gamma$ and shift $\beta$ let the network undo the standardisation where that
# helps (with $\gamma_j = \sqrt{v_j + \epsilon}$ and $\beta_j = \mu_j$ the layer is the identity).
#
# At test time there is no minibatch to average over (and a prediction must not depend on which
# other images share its batch), so the layer keeps **running averages** of $\mu$ and $v$ during
# training, $r \leftarrow m \, r + (1 - m)\, s$ with momentum $m$ (0.9 by default), and normalises
# with those at test time.
#
# In this notebook you implement the forward and backward passes of batch normalization and layer
# normalization in `cs231n/layers.py`, add them to `FullyConnectedNet` in
# `cs231n/classifiers/fc_net.py`, and run experiments that show what normalization changes.

# %% [readonly id=bn-setup]
# Set-up: run this cell first.
import os
import sys
import time

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import matplotlib.pyplot as plt
import numpy as np

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.nbutils import bound, by_mode, record, save_arrays, setup_notebook
from cs231n.testing import linspace_array, print_mean_std, rel_error

setup_notebook()

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward, layernorm_backward,
                           layernorm_forward)
from cs231n.solver import Solver


# %% [readonly id=bn-data]
# Mean-subtracted CIFAR-10 in (N, 3, 32, 32) layout: 49000 training, 1000 validation, 1000 test images.
from cs231n.data_utils import get_CIFAR10_data

data = get_CIFAR10_data()
for k, v in data.items():
    print(f"{k}: {v.shape}")

# %% [markdown]
# ## Batch normalization: forward pass at training time
#
# Implement `batchnorm_forward` in `cs231n/layers.py` for `bn_param["mode"] == "train"`: compute the
# minibatch mean and the *biased* variance (divide by $N$) of every feature, normalise, scale and
# shift, update `bn_param["running_mean"]` and `bn_param["running_var"]`, and keep in `cache`
# whatever your backward pass will need. Any other mode than `"train"` or `"test"` must raise a
# `ValueError`.
#
# The cell below feeds the layer the activations of a small random two-layer network. After the
# layer, every feature should have mean $\beta_j$ and standard deviation $\gamma_j$.

# %% [readonly id=bn-forward-train-run]
np.random.seed(231)
N, D1, D2, D3 = 200, 50, 60, 3
X = np.random.randn(N, D1)
W1 = np.random.randn(D1, D2)
W2 = np.random.randn(D2, D3)
a = np.maximum(0, X.dot(W1)).dot(W2)  # (N, D3)

print("Before batch normalization:")
print_mean_std(a, axis=0)

gamma = np.ones((D3,))
beta = np.zeros((D3,))
a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
print("After batch normalization (gamma=1, beta=0): means should be close to 0 and stds close to 1")
print_mean_std(a_norm, axis=0)

gamma = np.asarray([1.0, 2.0, 3.0])
beta = np.asarray([11.0, 12.0, 13.0])
bn_param = {"mode": "train"}
a_scaled, _ = batchnorm_forward(a, gamma, beta, bn_param)
print("After batch normalization (gamma=[1, 2, 3], beta=[11, 12, 13]): means close to beta, stds close to gamma")
print_mean_std(a_scaled, axis=0)

# %% [test id=bn-forward-train points=3]
"""batchnorm_forward in train mode gives every feature mean beta and std gamma, and updates the running statistics."""
assert a_norm.shape == a.shape, f"output shape {a_norm.shape}, expected {a.shape}"
_m, _s = a_norm.mean(axis=0), a_norm.std(axis=0)
assert np.all(np.abs(_m) < 1e-7), f"means {_m} with gamma=1, beta=0; expected 0 (within 1e-7)"
assert np.all(np.abs(_s - 1) < 1e-4), f"stds {_s} with gamma=1, beta=0; expected 1 (within 1e-4)"
_m, _s = a_scaled.mean(axis=0), a_scaled.std(axis=0)
assert np.all(np.abs(_m - beta) < 1e-6), f"means {_m}, expected beta = {beta}"
assert np.all(np.abs(_s - gamma) < 1e-4 * gamma), f"stds {_s}, expected gamma = {gamma}"
assert "running_mean" in bn_param and "running_var" in bn_param, "batchnorm_forward must store running_mean and running_var in bn_param"
_rm = 0.1 * a.mean(axis=0)  # momentum 0.9, starting from zeros
assert rel_error(bn_param["running_mean"], _rm) < 1e-10, f"running_mean {bn_param['running_mean']}, expected 0.9 * 0 + 0.1 * batch mean = {_rm}"
_rv = 0.1 * a.var(axis=0)
assert rel_error(bn_param["running_var"], _rv) < 1e-10, f"running_var {bn_param['running_var']}, expected 0.1 * (biased) batch variance = {_rv}"
### BEGIN HIDDEN TESTS
_x = linspace_array((6, 4), -1.0, 2.0) ** 3
_g, _b = np.linspace(0.5, 2.0, num=4), np.linspace(-1.0, 1.0, num=4)
_p = {"mode": "train", "momentum": 0.8, "eps": 1e-3,
      "running_mean": np.linspace(0.1, 0.4, num=4), "running_var": np.linspace(1.0, 2.0, num=4)}
_out, _ = batchnorm_forward(_x, _g, _b, _p)
assert rel_error(_out, {{ref:bn_forward_train_hidden}}) < 1e-10
assert rel_error(_p["running_mean"], {{ref:bn_running_mean_hidden}}) < 1e-10
assert rel_error(_p["running_var"], {{ref:bn_running_var_hidden}}) < 1e-10
try:
    batchnorm_forward(_x, _g, _b, {"mode": "bogus"})
except ValueError:
    pass
else:
    raise AssertionError("batchnorm_forward accepted mode 'bogus'")
### END HIDDEN TESTS

# %% [markdown]
# ## Batch normalization: forward pass at test time
#
# Now add `bn_param["mode"] == "test"`: normalise with the running averages instead of the batch
# statistics (and do not change them). The cell below trains the running averages with 50 training
# passes and then normalises a fresh batch in test mode: the means should be near 0 and the standard
# deviations near 1, but less exactly than at training time, since the running averages only
# estimate the statistics of the new batch.

# %% [readonly id=bn-forward-test-run]
np.random.seed(231)
N, D1, D2, D3 = 200, 50, 60, 3
W1 = np.random.randn(D1, D2)
W2 = np.random.randn(D2, D3)

bn_param = {"mode": "train"}
gamma = np.ones(D3)
beta = np.zeros(D3)
for t in range(50):
    X = np.random.randn(N, D1)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    batchnorm_forward(a, gamma, beta, bn_param)

bn_param["mode"] = "test"
X = np.random.randn(N, D1)
a = np.maximum(0, X.dot(W1)).dot(W2)
running_before = (bn_param["running_mean"].copy(), bn_param["running_var"].copy())
a_norm_test, _ = batchnorm_forward(a, gamma, beta, bn_param)

print("After batch normalization (test time): means should be near 0 and stds near 1")
print_mean_std(a_norm_test, axis=0)

# %% [test id=bn-forward-test points=2]
"""batchnorm_forward in test mode normalises with the running statistics and leaves them unchanged."""
_m, _s = a_norm_test.mean(axis=0), a_norm_test.std(axis=0)
assert np.all(np.abs(_m) < 0.3), f"test-time means {_m}, expected near 0 (within 0.3)"
assert np.all(np.abs(_s - 1) < 0.3), f"test-time stds {_s}, expected near 1 (within 0.3)"
assert np.array_equal(bn_param["running_mean"], running_before[0]) and np.array_equal(bn_param["running_var"], running_before[1]), "test mode must not change running_mean or running_var"
_expected = (a - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5)
assert rel_error(a_norm_test, _expected) < 1e-10, f"relative error {rel_error(a_norm_test, _expected):.2e} from (a - running_mean) / sqrt(running_var + eps)"
### BEGIN HIDDEN TESTS
_x = linspace_array((5, 3), -2.0, 4.0)
_p = {"mode": "test", "eps": 1e-2, "running_mean": np.array([0.5, -1.0, 2.0]), "running_var": np.array([4.0, 0.25, 1.0])}
_g, _b = np.array([2.0, 0.5, -1.0]), np.array([0.1, 0.2, 0.3])
_out, _ = batchnorm_forward(_x, _g, _b, _p)
assert rel_error(_out, _g * (_x - _p["running_mean"]) / np.sqrt(_p["running_var"] + 1e-2) + _b) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Batch normalization: backward pass
#
# Backpropagating through batch normalization is harder than through an affine layer, because every
# output depends on *every* input of its column through $\mu_j$ and $v_j$. The reliable way is to
# write the forward pass as a graph of small steps and walk it backwards, one local derivative at a
# time:
#
# | forward step | backward step (given the upstream gradient) |
# |---|---|
# | $\mu = \frac1N \sum_i x_i$ | $\partial x_i \mathrel{+}= \frac1N \partial\mu$ |
# | $d_i = x_i - \mu$ | $\partial x_i \mathrel{+}= \partial d_i$, $\;\partial\mu = -\sum_i \partial d_i$ |
# | $v = \frac1N \sum_i d_i^2$ | $\partial d_i \mathrel{+}= \frac2N d_i \,\partial v$ |
# | $\sigma = \sqrt{v + \epsilon}$ | $\partial v = \frac{1}{2\sigma}\partial\sigma$ |
# | $\hat x_i = d_i / \sigma$ | $\partial d_i \mathrel{+}= \partial\hat x_i / \sigma$, $\;\partial\sigma = -\sum_i \partial\hat x_i \, d_i / \sigma^2$ |
# | $y_i = \gamma \hat x_i + \beta$ | $\partial\hat x_i = \gamma\,\partial y_i$, $\;\partial\gamma = \sum_i \partial y_i \hat x_i$, $\;\partial\beta = \sum_i \partial y_i$ |
#
# (all per feature $j$, which we drop). Note the `+=`: $x_i$ reaches the loss along three paths
# (directly through $d_i$, through $\mu$, and through $v$ via $d$), and $d_i$ along two; the
# gradient of a value used several times is the sum over its uses.
#
# Implement `batchnorm_backward` this way. The check below compares it with numeric gradients; the
# errors should be between about 1e-13 and 1e-8.

# %% [readonly id=bn-backward-run]
np.random.seed(231)
N, D = 4, 5
x = 5 * np.random.randn(N, D) + 12
gamma = np.random.randn(D)
beta = np.random.randn(D)
dout = np.random.randn(N, D)

bn_param = {"mode": "train"}
fx = lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0]
fg = lambda g: batchnorm_forward(x, g, beta, bn_param)[0]
fb = lambda b: batchnorm_forward(x, gamma, b, bn_param)[0]

dx_num = eval_numerical_gradient_array(fx, x, dout)
da_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
db_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = batchnorm_backward(dout, cache)
print(f"dx error: {rel_error(dx_num, dx)}")
print(f"dgamma error: {rel_error(da_num, dgamma)}")
print(f"dbeta error: {rel_error(db_num, dbeta)}")

# %% [test id=bn-backward points=3]
"""batchnorm_backward matches the numeric gradients of x, gamma and beta."""
assert dx.shape == x.shape and dgamma.shape == gamma.shape and dbeta.shape == beta.shape, f"shapes dx {dx.shape}, dgamma {dgamma.shape}, dbeta {dbeta.shape}"
for _name, _a, _n in (("dx", dx, dx_num), ("dgamma", dgamma, da_num), ("dbeta", dbeta, db_num)):
    assert rel_error(_a, _n) < 1e-8, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-8"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(7)
_x, _g, _b = 3 * _r.normal(size=(7, 3)) - 4, _r.normal(size=3), _r.normal(size=3)
_d = _r.normal(size=(7, 3))
_p = {"mode": "train", "eps": 1e-3}
_dx, _dg, _db = batchnorm_backward(_d, batchnorm_forward(_x, _g, _b, _p)[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: batchnorm_forward(v, _g, _b, _p)[0], _x, _d)) < 1e-8
assert rel_error(_dg, eval_numerical_gradient_array(lambda v: batchnorm_forward(_x, v, _b, _p)[0], _g.copy(), _d)) < 1e-8
assert rel_error(_db, _d.sum(axis=0)) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Batch normalization: a simpler backward pass
#
# The step-by-step backward pass is correct but does a lot of work. Collapsing the graph on paper
# gives a short closed form. Write $\hat x = (x - \mu)/\sigma$ and $g_i = \gamma\,\partial y_i$ (the
# gradient reaching $\hat x_i$). Each $\hat x_k$ depends on $x_i$ directly and through $\mu$ and
# $\sigma$:
#
# $$\frac{\partial \hat x_k}{\partial x_i} = \frac{1}{\sigma}\Big(\delta_{ki} - \frac1N\Big) -
# \frac{(x_k - \mu)}{\sigma^2}\frac{\partial \sigma}{\partial x_i}, \qquad
# \frac{\partial \sigma}{\partial x_i} = \frac{x_i - \mu}{N\sigma} = \frac{\hat x_i}{N}.$$
#
# Summing $g_k \,\partial \hat x_k / \partial x_i$ over $k$:
#
# $$\frac{\partial L}{\partial x_i} = \frac{1}{N\sigma}\Big(N g_i - \sum_k g_k - \hat x_i \sum_k g_k \hat x_k\Big).$$
#
# Read it as: the gradient reaching $\hat x$, minus its mean (because shifting all inputs together
# changes nothing after the mean is subtracted), minus its component along $\hat x$ (because scaling
# all deviations together changes nothing after dividing by the standard deviation), divided by
# $\sigma$. Implement this in `batchnorm_backward_alt`; it should give the same gradients as
# `batchnorm_backward` (they agree to about 1e-12, the rounding of two different orders of
# operations; the test accepts 1e-11) and be faster, because it makes fewer passes over the data.

# %% [readonly id=bn-backward-alt-run]
np.random.seed(231)
N, D = 100, 500
x = 5 * np.random.randn(N, D) + 12
gamma = np.random.randn(D)
beta = np.random.randn(D)
dout = np.random.randn(N, D)

bn_param = {"mode": "train"}
out, cache = batchnorm_forward(x, gamma, beta, bn_param)


def best_time(f, repeat=5):
    """Fastest of ``repeat`` runs of f(), in seconds (the least disturbed by other programs)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
t1 = best_time(lambda: batchnorm_backward(dout, cache))
t2 = best_time(lambda: batchnorm_backward_alt(dout, cache))

print(f"dx difference: {rel_error(dx1, dx2)}")
print(f"dgamma difference: {rel_error(dgamma1, dgamma2)}")
print(f"dbeta difference: {rel_error(dbeta1, dbeta2)}")
print(f"batchnorm_backward {t1 * 1e3:.2f} ms, batchnorm_backward_alt {t2 * 1e3:.2f} ms: speed-up {t1 / t2:.2f}x")

# %% [test id=bn-backward-alt points=2]
"""batchnorm_backward_alt gives the same gradients as batchnorm_backward."""
for _name, _a, _b in (("dx", dx2, dx1), ("dgamma", dgamma2, dgamma1), ("dbeta", dbeta2, dbeta1)):
    assert _a.shape == _b.shape, f"{_name} has shape {_a.shape}, expected {_b.shape}"
    assert rel_error(_a, _b) < 1e-11, f"{_name}: relative difference {rel_error(_a, _b):.2e}, expected about 1e-12 (< 1e-11)"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(3)
_x, _g, _b = 2 * _r.normal(size=(9, 4)) + 1, _r.normal(size=4), _r.normal(size=4)
_d = _r.normal(size=(9, 4))
_c = batchnorm_forward(_x, _g, _b, {"mode": "train"})[1]
_dx = eval_numerical_gradient_array(lambda v: batchnorm_forward(v, _g, _b, {"mode": "train"})[0], _x, _d)
assert rel_error(batchnorm_backward_alt(_d, _c)[0], _dx) < 1e-8
### END HIDDEN TESTS

# %% [markdown]
# ## Fully connected networks with batch normalization
#
# Add batch normalization to `FullyConnectedNet` in `cs231n/classifiers/fc_net.py`. When
# `normalization == "batchnorm"`, every hidden layer becomes affine - batch norm - ReLU, with its own
# `gamma1, beta1, gamma2, beta2, ...` (initialised to ones and zeros; the last affine layer has none),
# and the i-th batch-norm layer gets `self.bn_params[i]`, which keeps its running averages between
# calls. A helper such as `affine_norm_relu_forward` / `affine_norm_relu_backward` in
# `cs231n/layer_utils.py` keeps `loss` short.
#
# With the seed below the initial loss at `reg = 0` is 2.2611955101340957, the value the 2022 CS231n
# kit printed; it depends on the order in which the weights are drawn (W1, W2, W3, each
# `weight_scale * np.random.randn(...)`, and nothing else random in `__init__`).
#
# The relative errors should be about 1e-4 or less for the weights and 1e-6 or less for the other
# parameters; the test accepts 1e-3 and 1e-5 (a wrong gradient gives 1e-2 or more). They are larger
# than without normalization because some gradient entries are tiny while the rounding error of the
# finite difference is not: the biases of the normalized layers, `b1` and `b2`, even have a true
# gradient of exactly zero, since batch normalization subtracts the mean of each feature and with it
# any constant added to that feature.

# %% [readonly id=bn-fcnet-run]
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

initial_losses, bn_grad_errors = {}, {}
for reg in [0, 3.14]:
    print(f"Running check with reg = {reg}")
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                              dtype=np.float64, normalization="batchnorm")
    loss, grads = model.loss(X, y)
    initial_losses[reg] = loss
    print(f"Initial loss: {loss}")
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        bn_grad_errors[(reg, name)] = rel_error(grad_num, grads[name])
        print(f"{name} relative error: {bn_grad_errors[(reg, name)]:.2e}")
    if reg == 0:
        print()

# %% [test id=bn-fcnet points=4]
"""FullyConnectedNet with batch normalization has the reference initial loss and correct gradients."""
_names = {"W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"}
assert {n for (_r, n) in bn_grad_errors} == _names, f"parameters {sorted({n for (_r, n) in bn_grad_errors})}, expected {sorted(_names)}"
assert abs(initial_losses[0] - 2.2611955101340957) < 1e-8, f"initial loss {initial_losses[0]!r} at reg 0, expected 2.2611955101340957"
assert initial_losses[3.14] > initial_losses[0], f"the loss at reg 3.14 ({initial_losses[3.14]:.4f}) must exceed the loss at reg 0"
for (_reg, _name), _e in bn_grad_errors.items():
    _bound = 1e-3 if _name.startswith("W") else 1e-5
    assert _e < _bound, f"{_name} at reg {_reg}: relative error {_e:.2e}, expected < {_bound:.0e}"
### BEGIN HIDDEN TESTS
_m = FullyConnectedNet([4, 3], input_dim=5, num_classes=3, normalization="batchnorm", dtype=np.float64)
assert np.array_equal(_m.params["gamma1"], np.ones(4)) and np.array_equal(_m.params["beta2"], np.zeros(3))
assert "gamma3" not in _m.params and "beta3" not in _m.params
for _k in sorted(_m.params):
    _m.params[_k] = linspace_array(_m.params[_k].shape, -0.5 + 0.01 * len(_k), 0.7)
_X = linspace_array((6, 5), -1.0, 1.5)
_y = np.array([0, 2, 1, 1, 0, 2])
_m.reg = 0.2
assert abs(_m.loss(_X, _y)[0] - {{ref:bn_fcnet_loss_hidden}}) < 1e-10
assert rel_error(_m.bn_params[0]["running_mean"], {{ref:bn_fcnet_running_mean_hidden}}) < 1e-10
assert rel_error(_m.loss(_X), {{ref:bn_fcnet_scores_hidden}}) < 1e-10  # test mode: running averages
### END HIDDEN TESTS

# %% [markdown]
# ## Batch normalization for deep networks
#
# Train a six-layer network on 1000 training images with and without batch normalization, with the
# same initial weight scale, optimizer and learning rate. The histories are saved to
# `bn_experiment.npz` next to the notebook; hand that file in with the notebook, since the grader
# checks it instead of training again. (Quick and autograde runs train for fewer epochs.)

# %% [readonly id=bn-deep-run]
np.random.seed(231)
hidden_dims = [100, 100, 100, 100, 100]
num_train = 1000
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}
weight_scale = 2e-2
bn_model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, normalization="batchnorm")
model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, normalization=None)
deep_epochs = by_mode(10, 4)

print("Solver with batch norm:")
bn_solver = Solver(bn_model, small_data, num_epochs=deep_epochs, batch_size=50, update_rule="adam",
                   optim_config={"learning_rate": 1e-3}, verbose=True, print_every=40)
bn_solver.train()

print("\nSolver without batch norm:")
solver = Solver(model, small_data, num_epochs=deep_epochs, batch_size=50, update_rule="adam",
                optim_config={"learning_rate": 1e-3}, verbose=True, print_every=40)
solver.train()

save_arrays("bn_experiment.npz",
            bn_loss=np.array(bn_solver.loss_history), bn_train_acc=np.array(bn_solver.train_acc_history),
            bn_val_acc=np.array(bn_solver.val_acc_history), loss=np.array(solver.loss_history),
            train_acc=np.array(solver.train_acc_history), val_acc=np.array(solver.val_acc_history))

# %% [readonly id=bn-deep-plot]
# The histories as saved (the plots show the file the grader checks).
with np.load("bn_experiment.npz") as f:
    history = {k: f[k] for k in f.files}

fig, axes = plt.subplots(3, 1, figsize=(12, 14))
axes[0].plot(history["loss"], "o", markersize=3, alpha=0.6, label="baseline")
axes[0].plot(history["bn_loss"], "o", markersize=3, alpha=0.6, label="batchnorm")
axes[0].set(title="Training loss", xlabel="Iteration", ylabel="Loss")
for ax, key, title in ((axes[1], "train_acc", "Training accuracy"), (axes[2], "val_acc", "Validation accuracy")):
    ax.plot(history[key], "-o", label="baseline")
    ax.plot(history["bn_" + key], "-o", label="batchnorm")
    ax.set(title=title, xlabel="Epoch", ylabel="Accuracy")
for ax in axes:
    ax.legend(loc="lower right" if ax is not axes[0] else "upper right")
fig.tight_layout()
plt.show()

# %% [markdown]
# Batch normalization should make the network learn faster: a lower training loss and a higher
# training accuracy after the same number of updates. The test below checks this on the saved
# histories: the mean training accuracy over the epochs, and the mean loss over the second half of
# the iterations.

# %% [test id=bn-deep-experiment points=3]
"""bn_experiment.npz shows batch normalization converging faster than the baseline."""
assert os.path.exists("bn_experiment.npz"), "bn_experiment.npz is missing: run the experiment cell above (it saves the histories)"
with np.load("bn_experiment.npz") as _f:
    _h = {_k: _f[_k] for _k in _f.files}
_keys = {"bn_loss", "bn_train_acc", "bn_val_acc", "loss", "train_acc", "val_acc"}
assert set(_h) == _keys, f"bn_experiment.npz holds {sorted(_h)}, expected {sorted(_keys)}"
assert len(_h["bn_loss"]) == len(_h["loss"]) >= 60, f"loss histories of {len(_h['bn_loss'])} and {len(_h['loss'])} iterations; expected the same number, at least 60"
assert len(_h["bn_train_acc"]) == len(_h["train_acc"]) >= 3, "expected accuracy histories over at least two epochs"
_bn_acc, _acc = float(np.mean(_h["bn_train_acc"][1:])), float(np.mean(_h["train_acc"][1:]))
record("bn_mean_train_acc", _bn_acc)
record("baseline_mean_train_acc", _acc)
assert _bn_acc > _acc, f"mean training accuracy over the epochs: {_bn_acc:.3f} with batch norm, {_acc:.3f} without; expected batch norm to be higher"
_half = len(_h["loss"]) // 2
_bn_late, _late = float(np.mean(_h["bn_loss"][_half:])), float(np.mean(_h["loss"][_half:]))
assert _bn_late < _late, f"mean loss over the second half of training: {_bn_late:.3f} with batch norm, {_late:.3f} without; expected batch norm to be lower"
### BEGIN HIDDEN TESTS
assert np.all(np.isfinite(_h["bn_loss"])) and np.all((0 <= _h["bn_train_acc"]) & (_h["bn_train_acc"] <= 1))
assert float(np.max(_h["bn_train_acc"])) >= bound(0.5, 0.3), f"best batch-norm training accuracy {np.max(_h['bn_train_acc']):.3f}"
### END HIDDEN TESTS

# %% [markdown]
# ## Batch normalization and initialization
#
# The next experiment trains an eight-layer network (seven hidden layers of 50 units) with and
# without batch normalization for a range of initial weight scales and compares the best training
# and validation accuracies and the final training loss.
#
# **Sized for a laptop.** The 2022 CS231n version trains 20 weight scales for 10 epochs each: 40
# trainings of 200 updates. Here the full run uses 9 scales (`np.logspace(-4, 0, 9)`, one every
# half decade) and 5 epochs of 1000 images, 18 trainings of 100 updates, less than a quarter of the
# work (under a minute on two cores); quick and autograde runs use 4 scales and 2 epochs. The
# curves keep their shape: the half-decade grid still shows where the network without
# normalization stops learning, and 5 epochs are enough to separate the two.

# %% [readonly id=bn-init-run]
np.random.seed(231)
hidden_dims = [50] * 7
num_train = 1000
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}
weight_scales = np.logspace(-4, 0, num=by_mode(9, 4))
init_epochs = by_mode(5, 2)
bn_solvers_ws, solvers_ws = {}, {}
t0 = time.perf_counter()
for i, weight_scale in enumerate(weight_scales):
    print(f"Running weight scale {i + 1} / {len(weight_scales)}: {weight_scale:.2e}")
    for norm, store in (("batchnorm", bn_solvers_ws), (None, solvers_ws)):
        net = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, normalization=norm)
        s = Solver(net, small_data, num_epochs=init_epochs, batch_size=50, update_rule="adam",
                   optim_config={"learning_rate": 1e-3}, verbose=False, progress=False)
        s.train()
        store[weight_scale] = s
print(f"{2 * len(weight_scales)} trainings in {time.perf_counter() - t0:.0f} s")

# %% [readonly id=bn-init-plot]
best_train = [max(solvers_ws[ws].train_acc_history) for ws in weight_scales]
bn_best_train = [max(bn_solvers_ws[ws].train_acc_history) for ws in weight_scales]
best_val = [max(solvers_ws[ws].val_acc_history) for ws in weight_scales]
bn_best_val = [max(bn_solvers_ws[ws].val_acc_history) for ws in weight_scales]
final_loss = [np.mean(solvers_ws[ws].loss_history[-20:]) for ws in weight_scales]
bn_final_loss = [np.mean(bn_solvers_ws[ws].loss_history[-20:]) for ws in weight_scales]

fig, axes = plt.subplots(3, 1, figsize=(10, 15))
for ax, (title, ylabel, base, bn) in zip(axes, [
        ("Best validation accuracy", "Best validation accuracy", best_val, bn_best_val),
        ("Best training accuracy", "Best training accuracy", best_train, bn_best_train),
        ("Final training loss (mean of the last 20 iterations)", "Final training loss", final_loss, bn_final_loss)]):
    ax.semilogx(weight_scales, base, "-o", label="baseline")
    ax.semilogx(weight_scales, bn, "-o", label="batchnorm")
    ax.set(title=f"{title} vs. weight initialization scale", xlabel="Weight initialization scale", ylabel=ylabel)
    ax.legend()
axes[2].set_ylim(1.0, 3.5)
fig.tight_layout()
plt.show()

# %% [answer id=bn-iq1 points=2]
# **Inline question 1**
#
# Describe what the experiment shows about how the scale of the initial weights affects a network
# trained with batch normalization and one trained without it, and explain why they behave
# differently.
#
# **Your answer:**
### BEGIN SOLUTION
# Without batch normalization only a narrow band of weight scales trains well (around 1e-1 here).
# With smaller scales every layer shrinks its input, so after seven layers the activations and the
# gradients are tiny: below about 1e-3 the loss stays at log(10) and the accuracy at chance. With
# larger scales the activations grow from layer to layer, the scores explode and the loss becomes
# huge. With batch normalization the network learns over the whole range from 1e-4 to about 3e-1:
# each layer's pre-activations are re-standardised to mean 0 and variance 1 whatever the scale of
# W, so the signal neither vanishes nor explodes with depth. In fact BN(a W x) = BN(W x) for any
# a > 0, so a hidden layer's output does not depend on its weight scale at all; only the gradient
# does (it scales as 1/a), which changes the effective learning rate rather than whether the network
# learns. The last affine layer is not normalized, which is why very large scales (around 1) still
# give huge initial scores and a large loss with batch normalization too.
### END SOLUTION

# %% [markdown]
# ## Batch normalization and batch size
#
# Batch normalization estimates its statistics from the minibatch, so the batch size matters. The
# experiment below trains the six-layer network from before without normalization at batch size 5
# (the baseline) and with normalization at batch sizes 5, 10 and 50, all for the same number of
# epochs. Full runs use 10 epochs as in the 2022 kit; quick and autograde runs use 1.

# %% [readonly id=bn-batchsize-run]
def run_batchsize_experiments(normalization_mode, batch_sizes=(5, 10, 50), epochs=None):
    """Train the [100] * 5 network with ``normalization_mode`` at each batch size, and once without
    normalization at the smallest batch size; returns (baseline solver, list of solvers)."""
    np.random.seed(231)
    epochs = by_mode(10, 1) if epochs is None else epochs
    hidden_dims = [100] * 5
    num_train = 1000
    small = {"X_train": data["X_train"][:num_train], "y_train": data["y_train"][:num_train],
             "X_val": data["X_val"], "y_val": data["y_val"]}
    opts = dict(num_epochs=epochs, update_rule="adam", optim_config={"learning_rate": 10 ** (-3.5)},
                verbose=False, progress=False)
    base_model = FullyConnectedNet(hidden_dims, weight_scale=2e-2, normalization=None)
    baseline = Solver(base_model, small, batch_size=batch_sizes[0], **opts)
    baseline.train()
    print(f"no normalization, batch size {batch_sizes[0]}: best val {baseline.best_val_acc:.3f}")
    solvers = []
    for bs in batch_sizes:
        net = FullyConnectedNet(hidden_dims, weight_scale=2e-2, normalization=normalization_mode)
        s = Solver(net, small, batch_size=bs, **opts)
        s.train()
        print(f"{normalization_mode}, batch size {bs}: best val {s.best_val_acc:.3f}")
        solvers.append(s)
    return baseline, solvers


def plot_batchsize_experiments(title, baseline, solvers, batch_sizes=(5, 10, 50)):
    """Training and validation accuracy per epoch, one line per batch size."""
    fig, axes = plt.subplots(2, 1, figsize=(10, 10))
    for ax, key, what in ((axes[0], "train_acc_history", "Training"), (axes[1], "val_acc_history", "Validation")):
        ax.plot(getattr(baseline, key), "--o", label=f"baseline, batch {batch_sizes[0]}")
        for bs, s in zip(batch_sizes, solvers):
            ax.plot(getattr(s, key), "-o", label=f"{title}, batch {bs}")
        ax.set(title=f"{what} accuracy ({title})", xlabel="Epoch", ylabel="Accuracy")
        ax.legend(loc="lower right")
    fig.tight_layout()
    plt.show()


t0 = time.perf_counter()
bn_baseline, bn_batch_solvers = run_batchsize_experiments("batchnorm")
print(f"done in {time.perf_counter() - t0:.0f} s")
plot_batchsize_experiments("batchnorm", bn_baseline, bn_batch_solvers)

# %% [answer id=bn-iq2 points=2]
# **Inline question 2**
#
# What does the experiment say about the relationship between batch normalization and the batch
# size? Why does this relationship hold?
#
# **Your answer:**
### BEGIN SOLUTION
# Batch normalization works better with larger batches: at batch size 50 the normalized network
# learns fastest, at batch size 5 it is the worst of the three and can even fall behind the network
# without normalization. The per-feature mean and variance are estimated from the batch; from 5
# examples these estimates are very noisy, so the same image is normalised differently from one
# batch to the next (noise on the training signal), and the running averages used at test time
# differ from the statistics seen during training (a train/test mismatch that shows in the
# validation accuracy). With larger batches the estimates are close to the true statistics.
### END SOLUTION

# %% [markdown]
# ## Layer normalization
#
# Batch normalization ties every example to the others in its batch, which hurts with small batches
# (as above), and it is awkward wherever batches are not natural (recurrent networks, a single image
# at inference, several devices each with a few examples). **Layer normalization** (Ba, Kiros and
# Hinton, 2016, "Layer Normalization") computes the statistics over the *features of each example*
# instead of over the batch:
#
# $$\mu_i = \frac1D \sum_j x_{ij}, \qquad v_i = \frac1D \sum_j (x_{ij} - \mu_i)^2, \qquad
# y_{ij} = \gamma_j \frac{x_{ij} - \mu_i}{\sqrt{v_i + \epsilon}} + \beta_j .$$
#
# Each example is normalised on its own, so training and test time behave the same and there are
# no running averages. The per-feature $\gamma$ and $\beta$ are kept.

# %% [answer id=bn-iq3 points=2]
# **Inline question 3**
#
# Which of these preprocessing steps is analogous to batch normalization, and which to layer
# normalization? Explain.
#
# 1. Scale each image so that, within every row of pixels, the RGB values add up to 1.
# 2. Scale each image so that all of its RGB values add up to 1.
# 3. Subtract the mean image of the dataset from every image.
# 4. Set every RGB value to 0 or 1 by comparing it with a threshold.
#
# **Your answer:**
### BEGIN SOLUTION
# 3 is analogous to batch normalization: the statistic (the mean of each pixel) is computed across
# the examples, separately for each feature, and then applied to every example. 2 is analogous to
# layer normalization: the statistic (the sum of the values) is computed over all the features of
# one example and used to rescale that example only. (1 normalises over groups of features within an
# example, which is closer to group normalization; 4 uses no statistics of the data at all.)
### END SOLUTION

# %% [markdown]
# ## Layer normalization: implementation
#
# Implement `layernorm_forward` and `layernorm_backward` in `cs231n/layers.py`. The batch
# normalization code needs only small changes: the statistics are taken along the other axis
# (transposing the input turns one into the other). Then add `normalization == "layernorm"` to
# `FullyConnectedNet`: the same affine - norm - ReLU layers, with layer normalization.
#
# After the layer, every *row* (example) should have mean $\approx$ 0 and standard deviation
# $\approx$ 1 when $\gamma = 1$ and $\beta = 0$; with $\gamma = 3$ and $\beta = 5$ the rows have mean
# 5 and standard deviation 3 (a single value for all features, so the row statistics come out
# exactly like that).

# %% [readonly id=ln-forward-run]
np.random.seed(231)
N, D1, D2, D3 = 4, 50, 60, 3
X = np.random.randn(N, D1)
W1 = np.random.randn(D1, D2)
W2 = np.random.randn(D2, D3)
a = np.maximum(0, X.dot(W1)).dot(W2)  # (N, D3)

print("Before layer normalization:")
print_mean_std(a, axis=1)

gamma = np.ones(D3)
beta = np.zeros(D3)
ln_out, _ = layernorm_forward(a, gamma, beta, {})
print("After layer normalization (gamma=1, beta=0): row means close to 0 and stds close to 1")
print_mean_std(ln_out, axis=1)

gamma = 3 * np.ones(D3)
beta = 5 * np.ones(D3)
ln_scaled, _ = layernorm_forward(a, gamma, beta, {})
print("After layer normalization (gamma=3, beta=5): row means close to 5 and stds close to 3")
print_mean_std(ln_scaled, axis=1)

# %% [test id=ln-forward points=2]
"""layernorm_forward gives every example (row) mean beta and std gamma."""
assert ln_out.shape == a.shape, f"output shape {ln_out.shape}, expected {a.shape}"
_m, _s = ln_out.mean(axis=1), ln_out.std(axis=1)
assert np.all(np.abs(_m) < 1e-7), f"row means {_m}, expected 0 (within 1e-7)"
assert np.all(np.abs(_s - 1) < 1e-3), f"row stds {_s}, expected 1 (within 1e-3)"
_m, _s = ln_scaled.mean(axis=1), ln_scaled.std(axis=1)
assert np.all(np.abs(_m - 5) < 1e-6) and np.all(np.abs(_s - 3) < 3e-3), f"row means {_m} and stds {_s}, expected 5 and 3"
### BEGIN HIDDEN TESTS
_x = linspace_array((3, 5), -1.0, 2.0) ** 2
_g, _b = np.linspace(0.5, 2.0, num=5), np.linspace(-1.0, 1.0, num=5)
assert rel_error(layernorm_forward(_x, _g, _b, {"eps": 1e-3})[0], {{ref:ln_forward_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [readonly id=ln-backward-run]
np.random.seed(231)
N, D = 4, 5
x = 5 * np.random.randn(N, D) + 12
gamma = np.random.randn(D)
beta = np.random.randn(D)
dout = np.random.randn(N, D)

ln_param = {}
fx = lambda x: layernorm_forward(x, gamma, beta, ln_param)[0]
fg = lambda g: layernorm_forward(x, g, beta, ln_param)[0]
fb = lambda b: layernorm_forward(x, gamma, b, ln_param)[0]

ln_dx_num = eval_numerical_gradient_array(fx, x, dout)
ln_dg_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
ln_db_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = layernorm_forward(x, gamma, beta, ln_param)
ln_dx, ln_dgamma, ln_dbeta = layernorm_backward(dout, cache)
print(f"dx error: {rel_error(ln_dx_num, ln_dx)}")
print(f"dgamma error: {rel_error(ln_dg_num, ln_dgamma)}")
print(f"dbeta error: {rel_error(ln_db_num, ln_dbeta)}")

# %% [test id=ln-backward points=3]
"""layernorm_backward matches the numeric gradients of x, gamma and beta."""
assert ln_dx.shape == x.shape and ln_dgamma.shape == gamma.shape and ln_dbeta.shape == beta.shape, f"shapes ln_dx {ln_dx.shape}, ln_dgamma {ln_dgamma.shape}, ln_dbeta {ln_dbeta.shape}"
for _name, _a, _n in (("dx", ln_dx, ln_dx_num), ("dgamma", ln_dgamma, ln_dg_num), ("dbeta", ln_dbeta, ln_db_num)):
    assert rel_error(_a, _n) < 1e-8, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-8"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(17)
_x, _g, _b = 2 * _r.normal(size=(3, 8)) + 1, _r.normal(size=8), _r.normal(size=8)
_d = _r.normal(size=(3, 8))
_dx, _dg, _db = layernorm_backward(_d, layernorm_forward(_x, _g, _b, {"eps": 1e-4})[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: layernorm_forward(v, _g, _b, {"eps": 1e-4})[0], _x, _d)) < 1e-8
assert rel_error(_dg, eval_numerical_gradient_array(lambda v: layernorm_forward(_x, v, _b, {"eps": 1e-4})[0], _g.copy(), _d)) < 1e-8
assert rel_error(_db, _d.sum(axis=0)) < 1e-12
### END HIDDEN TESTS

# %% [readonly id=ln-fcnet-run]
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

ln_grad_errors = {}
for reg in [0, 3.14]:
    print(f"Running check with reg = {reg}")
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                              dtype=np.float64, normalization="layernorm")
    loss, grads = model.loss(X, y)
    print(f"Initial loss: {loss}")
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        ln_grad_errors[(reg, name)] = rel_error(grad_num, grads[name])
        print(f"{name} relative error: {ln_grad_errors[(reg, name)]:.2e}")
    if reg == 0:
        print()

# %% [test id=ln-fcnet points=3]
"""FullyConnectedNet with layer normalization has gamma/beta per hidden layer and correct gradients."""
_names = {"W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"}
assert {n for (_r, n) in ln_grad_errors} == _names, f"parameters {sorted({n for (_r, n) in ln_grad_errors})}, expected {sorted(_names)}"
for (_reg, _name), _e in ln_grad_errors.items():
    _bound = 1e-3 if _name.startswith("W") else 1e-5
    assert _e < _bound, f"{_name} at reg {_reg}: relative error {_e:.2e}, expected < {_bound:.0e}"
### BEGIN HIDDEN TESTS
_m = FullyConnectedNet([4, 3], input_dim=5, num_classes=3, normalization="layernorm", dtype=np.float64)
for _k in sorted(_m.params):
    _m.params[_k] = linspace_array(_m.params[_k].shape, -0.5 + 0.01 * len(_k), 0.7)
_X = linspace_array((6, 5), -1.0, 1.5)
_m.reg = 0.2
assert abs(_m.loss(_X, np.array([0, 2, 1, 1, 0, 2]))[0] - {{ref:ln_fcnet_loss_hidden}}) < 1e-10
assert rel_error(_m.loss(_X), {{ref:ln_fcnet_scores_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [markdown]
# ## Layer normalization and batch size
#
# Run the batch-size experiment again with layer normalization. Since each example is normalised
# with its own statistics, the batch size should matter much less.

# %% [readonly id=ln-batchsize-run]
t0 = time.perf_counter()
ln_baseline, ln_batch_solvers = run_batchsize_experiments("layernorm")
print(f"done in {time.perf_counter() - t0:.0f} s")
plot_batchsize_experiments("layernorm", ln_baseline, ln_batch_solvers)

# %% [answer id=bn-iq4 points=2]
# **Inline question 4**
#
# When is layer normalization likely to work poorly, and why?
#
# 1. In a very deep network.
# 2. When the feature dimension is made very small.
# 3. With a high regularization term.
#
# **Your answer:**
### BEGIN SOLUTION
# 2, and 3. Layer normalization estimates a mean and a variance from the D features of each
# example; with very few features these estimates are noisy (with D = 1 the output is just beta),
# so the layer destroys information much as batch normalization does with tiny batches. With a
# high regularization term the weights (and gamma) are pushed towards zero, the layer's outputs
# carry little signal and normalising them mostly amplifies noise, so the network underfits.
# Depth (1) is not a problem: each layer normalises its own input, which is what makes layer
# normalization useful in deep and recurrent networks.
### END SOLUTION
