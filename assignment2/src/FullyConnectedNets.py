# %% [markdown]
# # Fully connected networks of any depth
#
# In assignment 1 you built a two-layer network from modular layers. Here the same layers are stacked
# as deep as you like: `FullyConnectedNet` takes a list of hidden sizes and builds
#
# $$\{\text{affine} \to \text{ReLU}\} \times (L - 1) \;\to\; \text{affine} \;\to\; \text{softmax},$$
#
# an $L$-layer network. Depth brings two new difficulties, and this notebook is about both:
#
# - **Initialisation.** Every layer multiplies the signal by a random matrix. If the weights are a bit
#   too small the activations (and the gradients) shrink layer after layer; a bit too large and they
#   blow up. The deeper the net, the narrower the range of scales that trains at all.
# - **Optimisation.** Plain SGD takes the same step size along every direction of the loss surface.
#   Deep nets have surfaces with steep walls and flat valleys, where that is slow. You will implement
#   three better update rules, SGD with momentum, RMSProp and Adam, and compare them.
#
# You write code in:
#
# - `cs231n/classifiers/fc_net.py`: `FullyConnectedNet.__init__` and `FullyConnectedNet.loss`
#   (the normalisation and dropout options come in the next notebooks; leave them for now);
# - `cs231n/optim.py`: `sgd_momentum`, `rmsprop`, `adam`.
#
# `affine_*`, `relu_*` and `softmax_loss` in `cs231n/layers.py` are your functions from assignment 1.
# As there, the networks regularise with $\tfrac{1}{2}\lambda \sum W^2$ (gradient $\lambda W$), and
# the biases are not regularised.

# %% [readonly id=fcn-setup]
# Set-up: run this cell first.
import os
import sys

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import matplotlib.pyplot as plt
import numpy as np

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.gradient_check import eval_numerical_gradient
from cs231n.nbutils import MODE, bound, by_mode, record, save_model, setup_notebook
from cs231n.solver import Solver
from cs231n.testing import linspace_array, rel_error

setup_notebook()

# %% [readonly id=fcn-data]
# Mean-subtracted CIFAR-10 in (N, 3, 32, 32) layout: 49000 training, 1000 validation, 1000 test images.
from cs231n.data_utils import get_CIFAR10_data

data = get_CIFAR10_data()
for k, v in data.items():
    print(f"{k}: {v.shape}")

# %% [markdown]
# ## The network
#
# Read the docstring of `FullyConnectedNet` first. Its constructor is
#
# ```python
# FullyConnectedNet(hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
#                   normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None)
# ```
#
# and it keeps its parameters in `self.params` under the names `W1, b1, ..., WL, bL`, layer by layer.
# Implement `__init__` (weights from a Gaussian of standard deviation `weight_scale`, drawn with
# `weight_scale * np.random.randn(...)` for `W1`, `W2`, ... in that order; biases zero) and `loss`
# (the forward pass, then the backward pass in reverse order, caching what each layer needs).
# `loss(X)` without labels returns the class scores; `loss(X, y)` returns the loss and a dict of
# gradients with the same keys as `self.params`.
#
# ## Initial loss and gradient check
#
# Two sanity checks. First, with small random weights every class gets about the same score, so the
# softmax loss should be close to $\log 10 \approx 2.3$ (and larger once the regulariser adds to it).
# Second, the analytic gradients must agree with numeric ones, computed in float64 by centred
# differences. Relative errors of about 1e-7 or less are what a correct implementation gives; an
# error around 1e-5 on a weight matrix can still be right (a ReLU input close to zero makes the
# numeric gradient inexact), but anything larger is a bug.
#
# The cell below draws its data and weights from NumPy's random generator in a fixed order with seed
# 231, exactly like the 2022 CS231n notebook, so a correct implementation reproduces that notebook's
# initial losses to many digits: **2.300479089768492** at reg = 0 and **7.052114776533016** at
# reg = 3.14.

# %% [readonly id=fcn-gradcheck-run]
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

initial_losses, gradient_errors = {}, {}
for reg in [0, 3.14]:
    print(f"Running check with reg = {reg}")
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                              dtype=np.float64)
    loss, grads = model.loss(X, y)
    initial_losses[reg] = float(loss)
    print(f"Initial loss: {float(loss)!r}")

    # expect about 1e-7 or less; up to about 1e-5 on a weight matrix can be a ReLU kink, not a bug
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        gradient_errors[(reg, name)] = rel_error(grad_num, grads[name])
        print(f"{name} relative error: {gradient_errors[(reg, name)]:.2e}")

# %% [test id=fcn-initial-loss points=3]
"""FullyConnectedNet reproduces the 2022 kit's initial losses (seed 231) at reg 0 and 3.14."""
for _reg, _expected in ((0, 2.300479089768492), (3.14, 7.052114776533016)):
    _found = initial_losses[_reg]
    assert abs(_found - _expected) < 1e-8, (f"initial loss {_found!r} at reg {_reg}, expected {_expected!r}: draw W1, "
                                            f"W2, W3 in order with weight_scale * np.random.randn, biases zero, and add "
                                            f"0.5 * reg * sum(W**2) over every W")
### BEGIN HIDDEN TESTS
_m = FullyConnectedNet([4, 5], input_dim=6, num_classes=3, dtype=np.float64)
for _i, (_a, _b) in enumerate([(6, 4), (4, 5), (5, 3)], 1):
    _m.params[f"W{_i}"] = linspace_array((_a, _b), -0.6 + 0.1 * _i, 0.5 - 0.2 * _i)
    _m.params[f"b{_i}"] = np.linspace(0.1 * _i, -0.1, num=_b)
_X = linspace_array((5, 6), -1.0, 1.5)
assert rel_error(_m.loss(_X), {{ref:fcn_scores_hidden}}) < 1e-10
_m.reg = 0.7
assert abs(_m.loss(_X, np.array([0, 2, 1, 1, 0]))[0] - {{ref:fcn_loss_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [test id=fcn-gradients points=3]
"""FullyConnectedNet's gradients match numeric gradients, with and without regularization."""
_names = {f"{p}{i}" for p in "Wb" for i in (1, 2, 3)}
assert {n for _, n in gradient_errors} == _names, f"grads has keys {sorted({n for _, n in gradient_errors})}, expected {sorted(_names)}"
for (_reg, _name), _e in gradient_errors.items():
    _bound = 1e-4 if _name.startswith("W") else 1e-6
    assert _e < _bound, f"{_name} at reg {_reg}: relative error {_e:.2e}, expected < {_bound:.0e}"
### BEGIN HIDDEN TESTS
np.random.seed(7)
_m = FullyConnectedNet([6, 5, 4], input_dim=8, num_classes=4, reg=1.3, weight_scale=0.3, dtype=np.float64)
_X = np.random.randn(6, 8)
_y = np.random.randint(4, size=6)
_, _g = _m.loss(_X, _y)
assert set(_g) == set(_m.params) == {f"{p}{i}" for p in "Wb" for i in (1, 2, 3, 4)}
for _n in _g:
    assert _g[_n].shape == _m.params[_n].shape, _n
    _e = rel_error(_g[_n], eval_numerical_gradient(lambda _: _m.loss(_X, _y)[0], _m.params[_n], verbose=False))
    assert _e < 1e-5, f"{_n}: {_e:.2e}"
assert _m.loss(_X).shape == (6, 4)
_m32 = FullyConnectedNet([3], input_dim=4, num_classes=2)
assert all(v.dtype == np.float32 for v in _m32.params.values()), "parameters must have the model's dtype"
### END HIDDEN TESTS

# %% [markdown]
# ## Overfitting a small dataset: three layers
#
# A network that can learn anything should be able to memorise 50 images. This is a check of the
# whole pipeline (model, gradients, solver): if a net cannot reach 100% training accuracy on 50
# images, something is wrong before any question of generalisation arises.
#
# Choose the **weight scale** and **learning rate** below so that the three-layer net (two hidden
# layers of 100 units, trained with plain SGD for 20 epochs in batches of 25) reaches **100%
# training accuracy within 20 epochs**. The validation accuracy will stay low: memorising 50 images
# teaches nothing general. Pick values that work reliably, not by luck: the grader also trains your
# settings from another seed.
#
# Hint: look at the loss curve. A loss that hardly moves means the steps are too small (or the
# signal dies in the net); a loss that jumps around or becomes `nan` means they are too large.

# %% [solution id=fcn-overfit3-settings]
# TODO: Set weight_scale and learning_rate so the three-layer net reaches 100% training accuracy
# within 20 epochs. (The 2022 starting point was weight_scale = 1e-2, learning_rate = 1e-4.)
weight_scale = None
learning_rate = None
### BEGIN SOLUTION
weight_scale = 1e-1
learning_rate = 1.5e-3
### END SOLUTION

# %% [readonly id=fcn-overfit3-run]
num_train = 50
small_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}


def overfit(hidden_dims, weight_scale, learning_rate, seed=231, verbose=True):
    """Train a net on the 50 images for 20 epochs with SGD; returns the solver."""
    np.random.seed(seed)
    net = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, dtype=np.float64)
    s = Solver(net, small_data, print_every=10, num_epochs=20, batch_size=25, update_rule="sgd",
               optim_config={"learning_rate": learning_rate}, verbose=verbose)
    s.train()
    return s


three_layer_settings = (weight_scale, learning_rate)
three_layer_solver = overfit([100, 100], weight_scale, learning_rate)

plt.plot(three_layer_solver.loss_history)
plt.title("Training loss history, three-layer net")
plt.xlabel("Iteration")
plt.ylabel("Training loss")
plt.grid(linestyle="--", linewidth=0.5)
plt.show()

# %% [test id=fcn-overfit3 points=2]
"""The three-layer net reaches 100% training accuracy on 50 images within 20 epochs."""
_best = max(three_layer_solver.train_acc_history)
assert _best == 1.0, f"best training accuracy {_best:.2f} in 20 epochs, expected 1.00: tune weight_scale and learning_rate"
### BEGIN HIDDEN TESTS
_s = overfit([100, 100], *three_layer_settings, seed=4, verbose=False)
assert max(_s.train_acc_history) == 1.0, f"seed 4: best training accuracy {max(_s.train_acc_history):.2f}"
### END HIDDEN TESTS

# %% [markdown]
# ## Overfitting a small dataset: five layers
#
# Now the same with a five-layer net (four hidden layers of 100 units). Again choose the weight scale
# and learning rate so it reaches **100% training accuracy within 20 epochs**. You should find this
# harder; the next question asks why.

# %% [solution id=fcn-overfit5-settings]
# TODO: Set weight_scale and learning_rate so the five-layer net reaches 100% training accuracy
# within 20 epochs. (The 2022 starting point was weight_scale = 1e-5, learning_rate = 2e-3.)
weight_scale = None
learning_rate = None
### BEGIN SOLUTION
weight_scale = 1e-1
learning_rate = 1e-3
### END SOLUTION

# %% [readonly id=fcn-overfit5-run]
five_layer_settings = (weight_scale, learning_rate)
five_layer_solver = overfit([100, 100, 100, 100], weight_scale, learning_rate)

plt.plot(five_layer_solver.loss_history)
plt.title("Training loss history, five-layer net")
plt.xlabel("Iteration")
plt.ylabel("Training loss")
plt.grid(linestyle="--", linewidth=0.5)
plt.show()

# %% [test id=fcn-overfit5 points=2]
"""The five-layer net reaches 100% training accuracy on 50 images within 20 epochs."""
_best = max(five_layer_solver.train_acc_history)
assert _best == 1.0, f"best training accuracy {_best:.2f} in 20 epochs, expected 1.00: tune weight_scale and learning_rate"
### BEGIN HIDDEN TESTS
_s = overfit([100, 100, 100, 100], *five_layer_settings, seed=4, verbose=False)
assert max(_s.train_acc_history) == 1.0, f"seed 4: best training accuracy {max(_s.train_acc_history):.2f}"
### END HIDDEN TESTS

# %% [answer id=fcn-iq1 points=2]
# **Inline question 1**
#
# Compare finding settings for the three-layer net with finding them for the five-layer net. Which
# of the two was more sensitive to the weight scale of the initialisation, and what makes it so?
#
# **Your answer:**
### BEGIN SOLUTION
# The five-layer net is much more sensitive. Its range of weight scales that train at all is narrow:
# too small and the loss stays at log 10 for the 20 epochs, a bit too large and it explodes to nan,
# while the three-layer net trains for a wide range of scales. The reason is that the forward signal
# (and the backward gradient) is multiplied by one random weight matrix per layer. With scale s and
# fan-in n each layer changes the size of the activations by roughly s * sqrt(n/2) (the ReLU halves
# the variance), so after L layers the effect is that factor to the power L: a scale slightly off
# the "neutral" value is a small error for 3 layers and a large one for 5 (vanishing or exploding
# activations and gradients). This is what principled initialisations (Xavier/He) and batch
# normalization fix.
### END SOLUTION

# %% [markdown]
# ## Update rules
#
# So far the parameters moved by plain SGD, $w \leftarrow w - \eta\, \nabla L(w)$. Its trouble is
# that the gradient is a poor direction on badly conditioned surfaces: in a long narrow valley it
# points mostly across the valley, so SGD zig-zags between the walls and creeps along the floor, and
# one learning rate cannot be right for the steep and the flat directions at once. Minibatch noise
# makes it worse. Better rules fix this in two ways: by **averaging** gradients over time (momentum),
# and by **scaling each coordinate** by how large its gradients usually are (RMSProp); Adam does both.
#
# ### SGD with momentum
#
# Keep a velocity $v$, an exponentially decaying sum of past gradients, and move along it:
#
# $$v \leftarrow \mu v - \eta\, \nabla L(w), \qquad w \leftarrow w + v .$$
#
# Across the valley the gradients alternate in sign and cancel in $v$; along the floor they agree and
# add up, so the step there grows to about $1/(1-\mu)$ times the plain step (10x for $\mu = 0.9$).
# The velocity also smooths out minibatch noise.
#
# Implement `sgd_momentum` in `cs231n/optim.py` (the velocity starts at zero and is kept in
# `config["velocity"]`), and run the check below; the errors should be about 1e-8 or less.

# %% [readonly id=fcn-momentum-run]
from cs231n.optim import sgd_momentum

N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)

config = {"learning_rate": 1e-3, "velocity": v}
next_w, _ = sgd_momentum(w, dw, config=config)

expected_next_w = np.asarray([
    [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
    [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
    [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
expected_velocity = np.asarray([
    [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
    [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
    [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
    [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])

momentum_errors = (rel_error(next_w, expected_next_w), rel_error(expected_velocity, config["velocity"]))
print(f"next_w error: {momentum_errors[0]:.2e}")
print(f"velocity error: {momentum_errors[1]:.2e}")

# %% [test id=fcn-momentum points=2]
"""sgd_momentum matches the 2022 kit's expected next_w and velocity."""
for _name, _e in zip(("next_w", "velocity"), momentum_errors):
    assert _e < 1e-7, f"sgd_momentum {_name}: relative error {_e:.2e}, expected < 1e-7"
### BEGIN HIDDEN TESTS
_w = linspace_array((3, 4), -0.5, 0.7)
_dw = linspace_array((3, 4), 0.3, -0.8)
_cfg = {"learning_rate": 0.05, "momentum": 0.5, "velocity": linspace_array((3, 4), -0.1, 0.2)}
_nw, _cfg = sgd_momentum(_w.copy(), _dw, _cfg)
assert rel_error(_nw, {{ref:sgd_momentum_w_hidden}}) < 1e-10
assert rel_error(_cfg["velocity"], {{ref:sgd_momentum_v_hidden}}) < 1e-10
_nw, _cfg = sgd_momentum(np.ones(3), np.ones(3))  # defaults: velocity starts at zero, lr 1e-2
assert np.allclose(_nw, 0.99) and np.allclose(_cfg["velocity"], -0.01) and _cfg["momentum"] == 0.9
### END HIDDEN TESTS

# %% [markdown]
# ### Plain SGD against momentum
#
# Train a six-layer net (five hidden layers of 100 units) with both rules and compare. The 2022
# notebook's sizes already suit a 2-core laptop, and we keep them: 4000 training images, 5 epochs of
# batches of 100, i.e. 200 updates per rule, a few seconds each (quick and autograde runs use 1000
# images and 2 epochs). Momentum should bring the loss down noticeably faster.

# %% [readonly id=fcn-sgd-vs-momentum]
num_train = by_mode(4000, 1000)
rule_data = {
    "X_train": data["X_train"][:num_train],
    "y_train": data["y_train"][:num_train],
    "X_val": data["X_val"],
    "y_val": data["y_val"],
}
rule_epochs = by_mode(5, 2)
solvers = {}


def train_with(update_rule, learning_rate):
    print(f"Running with {update_rule}")
    np.random.seed(231)
    net = FullyConnectedNet([100] * 5, weight_scale=5e-2)
    s = Solver(net, rule_data, num_epochs=rule_epochs, batch_size=100, update_rule=update_rule,
               optim_config={"learning_rate": learning_rate}, verbose=True, print_every=100)
    s.train()
    return s


for update_rule in ["sgd", "sgd_momentum"]:
    solvers[update_rule] = train_with(update_rule, 5e-3)


def plot_solvers(solvers):
    fig, axes = plt.subplots(3, 1, figsize=(15, 15))
    axes[0].set_title("Training loss")
    axes[0].set_xlabel("Iteration")
    axes[0].set_ylabel("Loss")
    axes[1].set_title("Training accuracy")
    axes[1].set_xlabel("Epoch")
    axes[1].set_ylabel("Accuracy")
    axes[2].set_title("Validation accuracy")
    axes[2].set_xlabel("Epoch")
    axes[2].set_ylabel("Accuracy")
    for update_rule, s in solvers.items():
        axes[0].plot(s.loss_history, "o", label=update_rule)
        axes[1].plot(s.train_acc_history, "-o", label=update_rule)
        axes[2].plot(s.val_acc_history, "-o", label=update_rule)
    for ax in axes:
        ax.legend(loc="upper center", ncol=4)
        ax.grid(linestyle="--", linewidth=0.5)
    plt.show()


plot_solvers(solvers)

# %% [markdown]
# ### RMSProp and Adam
#
# **RMSProp** keeps a running average of the *squared* gradient of each parameter and divides the
# step by its square root:
#
# $$c \leftarrow \rho\, c + (1 - \rho)\, (\nabla L)^2, \qquad
# w \leftarrow w - \eta\, \frac{\nabla L}{\sqrt{c} + \epsilon}.$$
#
# A coordinate with consistently large gradients (a steep wall) gets a small step, one with small
# gradients (a flat floor) a large one, so every direction moves at a similar pace. $\epsilon$ only
# prevents a division by zero.
#
# **Adam** combines the two ideas: a momentum-like average $m$ of the gradients (first moment) and an
# RMSProp-like average $v$ of their squares (second moment), $w \leftarrow w - \eta\, \hat m /
# (\sqrt{\hat v} + \epsilon)$. Both averages start at zero, so in the first steps they are biased
# towards zero; Adam divides them by $1 - \beta_1^t$ and $1 - \beta_2^t$ to undo that, where $t$
# counts the updates. Implement the full bias-corrected version: increment `t` **before** using it.
#
# Implement `rmsprop` and `adam` in `cs231n/optim.py`; the checks should give errors of about 1e-7
# or less.
#
# References: Tijmen Tieleman and Geoffrey Hinton, "Lecture 6.5 - rmsprop", COURSERA: Neural Networks
# for Machine Learning, 2012; Diederik Kingma and Jimmy Ba, "Adam: A Method for Stochastic
# Optimization", ICLR 2015.

# %% [readonly id=fcn-rmsprop-run]
from cs231n.optim import adam, rmsprop

N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
cache = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)

config = {"learning_rate": 1e-2, "cache": cache}
next_w, _ = rmsprop(w, dw, config=config)

expected_next_w = np.asarray([
    [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
    [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
    [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
    [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
expected_cache = np.asarray([
    [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
    [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
    [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
    [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])

rmsprop_errors = (rel_error(expected_next_w, next_w), rel_error(expected_cache, config["cache"]))
print(f"next_w error: {rmsprop_errors[0]:.2e}")
print(f"cache error: {rmsprop_errors[1]:.2e}")

# %% [test id=fcn-rmsprop points=2]
"""rmsprop matches the 2022 kit's expected next_w and cache."""
for _name, _e in zip(("next_w", "cache"), rmsprop_errors):
    assert _e < 1e-6, f"rmsprop {_name}: relative error {_e:.2e}, expected < 1e-6"
### BEGIN HIDDEN TESTS
_w = linspace_array((3, 4), -0.5, 0.7)
_dw = linspace_array((3, 4), 0.3, -0.8)
_cfg = {"learning_rate": 3e-3, "decay_rate": 0.9, "cache": linspace_array((3, 4), 0.1, 0.4)}
_nw, _cfg = rmsprop(_w.copy(), _dw, _cfg)
assert rel_error(_nw, {{ref:rmsprop_w_hidden}}) < 1e-10
assert rel_error(_cfg["cache"], {{ref:rmsprop_cache_hidden}}) < 1e-10
_nw, _cfg = rmsprop(np.zeros(2), np.array([2.0, -0.5]))  # defaults: cache starts at zero
assert np.allclose(_cfg["cache"], [0.04, 0.0025]) and np.allclose(_nw, [-0.1, 0.1], rtol=1e-6)
### END HIDDEN TESTS

# %% [readonly id=fcn-adam-run]
N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)

config = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
next_w, _ = adam(w, dw, config=config)

expected_next_w = np.asarray([
    [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
    [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
    [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
    [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
expected_v = np.asarray([
    [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
    [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
    [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
    [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
expected_m = np.asarray([
    [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
    [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
    [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
    [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])

adam_errors = (rel_error(expected_next_w, next_w), rel_error(expected_v, config["v"]),
               rel_error(expected_m, config["m"]))
print(f"next_w error: {adam_errors[0]:.2e}")
print(f"v error: {adam_errors[1]:.2e}")
print(f"m error: {adam_errors[2]:.2e}")

# %% [test id=fcn-adam points=2]
"""adam matches the 2022 kit's expected next_w, v and m (bias-corrected, t incremented first)."""
for _name, _e in zip(("next_w", "v", "m"), adam_errors):
    assert _e < 1e-6, f"adam {_name}: relative error {_e:.2e}, expected < 1e-6"
assert config["t"] == 6, f"config['t'] is {config['t']} after one step from t = 5, expected 6"
### BEGIN HIDDEN TESTS
_w = linspace_array((3, 4), -0.5, 0.7)
_dw = linspace_array((3, 4), 0.3, -0.8)
_cfg = {"learning_rate": 2e-2, "beta1": 0.8, "beta2": 0.99}
_nw, _cfg = adam(_w.copy(), _dw, _cfg)  # the first step, from m = v = 0 and t = 0
assert _cfg["t"] == 1
assert rel_error(_nw, {{ref:adam_w_hidden}}) < 1e-10
assert rel_error(_cfg["m"], {{ref:adam_m_hidden}}) < 1e-10 and rel_error(_cfg["v"], {{ref:adam_v_hidden}}) < 1e-10
_nw, _cfg = adam(_nw, _dw, _cfg)
assert _cfg["t"] == 2 and rel_error(_nw, {{ref:adam_w2_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [markdown]
# ### All four rules
#
# Train the same six-layer net with RMSProp and Adam (each at its usual learning rate, which is much
# smaller than SGD's because the step is already scaled per coordinate) and compare all four rules.

# %% [readonly id=fcn-all-rules]
for update_rule, learning_rate in [("adam", 1e-3), ("rmsprop", 1e-4)]:
    solvers[update_rule] = train_with(update_rule, learning_rate)

plot_solvers(solvers)

final_losses = {rule: float(np.mean(s.loss_history[-10:])) for rule, s in solvers.items()}
for rule, loss in final_losses.items():
    print(f"{rule:>12}: mean training loss over the last 10 updates {loss:.3f}, "
          f"final validation accuracy {solvers[rule].val_acc_history[-1]:.3f}")

# %% [test id=fcn-rules-compared points=1]
"""Momentum, RMSProp and Adam all end with a lower training loss than plain SGD."""
for _rule in ("sgd_momentum", "rmsprop", "adam"):
    assert final_losses[_rule] < final_losses["sgd"], (f"{_rule}: training loss {final_losses[_rule]:.3f}, not below "
                                                       f"plain SGD's {final_losses['sgd']:.3f}")
### BEGIN HIDDEN TESTS
assert all(len(s.loss_history) == rule_epochs * (num_train // 100) for s in solvers.values())
assert final_losses["adam"] < final_losses["sgd"] - 0.1, final_losses
### END HIDDEN TESTS

# %% [answer id=fcn-iq2 points=2]
# **Inline question 2**
#
# AdaGrad is another rule that scales each parameter's step separately:
#
# ```python
# cache += dw**2
# w += -learning_rate * dw / (np.sqrt(cache) + eps)
# ```
#
# Training with it, a student sees the steps shrink until the network hardly learns any more. What
# in the rule makes the steps shrink? Does Adam suffer from the same thing? Explain.
#
# **Your answer:**
### BEGIN SOLUTION
# AdaGrad's cache is a plain sum of squared gradients: every term is non-negative, so the cache only
# grows, and sqrt(cache) grows roughly like the square root of the number of steps. The effective
# learning rate learning_rate / sqrt(cache) therefore keeps shrinking towards zero, whether or not
# the model is near a minimum, and learning stalls. Adam does not have this problem: its second
# moment v is an exponentially decaying average (beta2 * v + (1 - beta2) * dw**2), which forgets old
# gradients and stays at the scale of the recent ones, so the step size does not decay by itself.
# (RMSProp fixes AdaGrad the same way.)
### END SOLUTION

# %% [markdown]
# ## Train a good model
#
# Train the best fully connected model you can on CIFAR-10 and store it in `best_model`. It must
# reach **at least 50% validation accuracy**; more is possible, but does not earn extra credit. The
# last line of the cell saves it as `fc_net_best.npz` next to this notebook: hand that file in with
# the notebook. The grader loads it (`FullyConnectedNet.from_file`) instead of training again.
#
# Things worth trying: Adam, wider layers (a few hundred units), a learning rate decay, a little
# weight decay (`reg`), and, once you have done those notebooks, batch normalization and dropout. On a
# 2-core laptop one epoch of a net with a few hundred hidden units takes about ten seconds; use a
# subset of the data and few epochs while you search, and train the winner in full. Use
# `by_mode(full, quick)` for sizes so the notebook stays short in quick mode.

# %% [solution id=fcn-best-model]
best_model = None
# TODO: Train the best FullyConnectedNet that you can on CIFAR-10 and store it in best_model.
# Batch normalization and dropout may help; do those notebooks first if you want to use them.
### BEGIN SOLUTION
num_train = by_mode(49000, 5000)
train_data = dict(data, X_train=data["X_train"][:num_train], y_train=data["y_train"][:num_train])
np.random.seed(231)
best_model = FullyConnectedNet([256, 256], normalization="batchnorm", weight_scale=1e-2, reg=1e-3)
best_solver = Solver(best_model, train_data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                     lr_decay=0.85, num_epochs=by_mode(6, 2), batch_size=200, verbose=True,
                     print_every=by_mode(500, 10))
best_solver.train()
### END SOLUTION
save_model(best_model, "fc_net_best.npz")

# %% [test id=fcn-best-model-saved points=4]
"""The network saved in fc_net_best.npz reaches 50% validation accuracy."""
_net = FullyConnectedNet.from_file("fc_net_best.npz")
_val = float(np.mean(np.argmax(_net.loss(data["X_val"]), axis=1) == data["y_val"]))
record("fc_net_best_val", _val)
assert _val >= bound(0.50, 0.25), f"validation accuracy of fc_net_best.npz is {_val:.3f}, expected at least {bound(0.50, 0.25)}"
### BEGIN HIDDEN TESTS
_test = float(np.mean(np.argmax(_net.loss(data["X_test"]), axis=1) == data["y_test"]))
assert _test >= bound(0.48, 0.2), f"test accuracy of fc_net_best.npz is {_test:.3f}"
### END HIDDEN TESTS

# %% [markdown]
# ## Test the model
#
# The validation set guided every choice above, so its accuracy is optimistic. The test set was not
# used for anything yet: its accuracy is the honest estimate of how the model does on new images.

# %% [readonly id=fcn-test-accuracy]
best_saved = FullyConnectedNet.from_file("fc_net_best.npz")
y_val_pred = np.argmax(best_saved.loss(data["X_val"]), axis=1)
y_test_pred = np.argmax(best_saved.loss(data["X_test"]), axis=1)
print(f"Validation set accuracy: {(y_val_pred == data['y_val']).mean()}")
test_accuracy = float((y_test_pred == data["y_test"]).mean())
print(f"Test set accuracy: {test_accuracy}")
record("fc_net_best_test", test_accuracy)
