# %% [markdown]
# # A modular two-layer network
#
# So far each classifier computed its loss and gradient in one function. Networks are built instead
# from **layers**, each with two functions:
#
# ```python
# def layer_forward(x, w):
#     """Receive inputs x and weights w."""
#     z = ...  # intermediate values
#     out = ...  # the output
#     cache = (x, w, z, out)  # whatever the backward pass needs
#     return out, cache
#
# def layer_backward(dout, cache):
#     """Receive dout = dLoss/dout and the cache; return dLoss/dx and dLoss/dw."""
#     x, w, z, out = cache
#     dx = ...
#     dw = ...
#     return dx, dw
# ```
#
# A network's forward pass calls the forward functions in order and keeps their caches; its backward
# pass calls the backward functions in reverse, each turning the gradient of its output into the
# gradients of its inputs (the chain rule). You will implement the affine and ReLU layers and two loss
# layers in `cs231n/layers.py`, assemble them into `TwoLayerNet` in `cs231n/classifiers/fc_net.py`,
# and train it with the provided `Solver`.
#
# The networks regularise with $\tfrac{1}{2}\lambda \sum W^2$ (gradient $\lambda W$), as the 2022
# CS231n kit does; the linear classifiers used $\lambda \sum W^2$.

# %% [readonly id=tln-setup]
# Set-up: run this cell first.
import os
import sys

if not os.path.isdir("cs231n") and os.path.isdir(os.path.join("..", "cs231n")):
    sys.path.insert(0, os.path.abspath(".."))  # running inside the kit's repository

import matplotlib.pyplot as plt
import numpy as np

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.nbutils import MODE, bound, by_mode, record, save_model, setup_notebook
from cs231n.testing import linspace_array, rel_error

setup_notebook()

# %% [readonly id=tln-data]
# Mean-subtracted CIFAR-10 in (N, 3, 32, 32) layout: 49000 training, 1000 validation, 1000 test images.
from cs231n.data_utils import get_CIFAR10_data

data = get_CIFAR10_data()
for k, v in data.items():
    print(f"{k}: {v.shape}")

# %% [markdown]
# ## Affine layer: forward
#
# Implement `affine_forward`. Each input of shape $(d_1, \dots, d_k)$ is flattened to a row of
# $D = d_1 \cdots d_k$ numbers, so $x$ becomes an $N \times D$ matrix and the output is $xW + b$.
# The error should be about 1e-9 or less.

# %% [readonly id=tln-affine-forward-run]
from cs231n.layers import affine_backward, affine_forward

num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
x = linspace_array((num_inputs, *input_shape), -0.1, 0.5)
w = linspace_array((int(np.prod(input_shape)), output_dim), -0.2, 0.3)
b = np.linspace(-0.3, 0.1, num=output_dim)
out, _ = affine_forward(x, w, b)
correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                        [3.25553199, 3.5141327, 3.77273342]])
print("Testing affine_forward function:")
print(f"difference: {rel_error(out, correct_out)}")

# %% [test id=tln-affine-forward points=2]
"""affine_forward matches the reference output."""
assert out.shape == (2, 3), f"output shape {out.shape}, expected (2, 3)"
assert rel_error(out, correct_out) < 1e-8, f"relative error {rel_error(out, correct_out):.2e}, expected < 1e-8"
### BEGIN HIDDEN TESTS
_x = linspace_array((3, 2, 7), -0.4, 0.9)
_w = linspace_array((14, 4), 0.3, -0.6)
_b = np.linspace(0.2, -0.1, num=4)
assert rel_error(affine_forward(_x, _w, _b)[0], {{ref:affine_forward_hidden}}) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Affine layer: backward
#
# Implement `affine_backward`; the gradients are checked numerically. The errors should be about
# 1e-10 or less.

# %% [readonly id=tln-affine-backward-run]
np.random.seed(231)
x = np.random.randn(10, 2, 3)
w = np.random.randn(6, 5)
b = np.random.randn(5)
dout = np.random.randn(10, 5)

dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)

_, cache = affine_forward(x, w, b)
dx, dw, db = affine_backward(dout, cache)

print("Testing affine_backward function:")
print(f"dx error: {rel_error(dx_num, dx)}")
print(f"dw error: {rel_error(dw_num, dw)}")
print(f"db error: {rel_error(db_num, db)}")

# %% [test id=tln-affine-backward points=3]
"""affine_backward gradients match numeric gradients and have the input shapes."""
assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape, f"shapes dx {dx.shape}, dw {dw.shape}, db {db.shape}"
for _name, _a, _n in (("dx", dx, dx_num), ("dw", dw, dw_num), ("db", db, db_num)):
    assert rel_error(_a, _n) < 1e-8, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-8"
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(11)
_x, _w, _b, _d = _r.normal(size=(4, 3, 2, 2)), _r.normal(size=(12, 6)), _r.normal(size=6), _r.normal(size=(4, 6))
_dx, _dw, _db = affine_backward(_d, affine_forward(_x, _w, _b)[1])
assert rel_error(_dx, eval_numerical_gradient_array(lambda v: affine_forward(v, _w, _b)[0], _x, _d)) < 1e-8
assert rel_error(_dw, eval_numerical_gradient_array(lambda v: affine_forward(_x, v, _b)[0], _w, _d)) < 1e-8
### END HIDDEN TESTS

# %% [markdown]
# ## ReLU activation
#
# Implement `relu_forward` and `relu_backward`: $\max(0, x)$ elementwise, and its gradient.

# %% [readonly id=tln-relu-run]
from cs231n.layers import relu_backward, relu_forward

x = linspace_array((3, 4), -0.5, 0.5)
out, _ = relu_forward(x)
correct_out = np.array([[0., 0., 0., 0.],
                        [0., 0., 0.04545455, 0.13636364],
                        [0.22727273, 0.31818182, 0.40909091, 0.5]])
print(f"relu_forward difference: {rel_error(out, correct_out)}")

np.random.seed(231)
x = np.random.randn(10, 10)
dout = np.random.randn(*x.shape)
dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
_, cache = relu_forward(x)
dx = relu_backward(dout, cache)
print(f"relu_backward dx error: {rel_error(dx_num, dx)}")

# %% [test id=tln-relu points=2]
"""relu_forward matches the reference output and relu_backward the numeric gradient."""
assert rel_error(relu_forward(linspace_array((3, 4), -0.5, 0.5))[0], correct_out) < 5e-8, "relu_forward does not match the reference"
assert rel_error(dx_num, dx) < 1e-10, f"relu_backward: relative error {rel_error(dx_num, dx):.2e}, expected < 1e-10"
### BEGIN HIDDEN TESTS
_x = np.array([[-2.0, 3.0], [0.5, -0.1]])
assert np.array_equal(relu_forward(_x)[0], [[0.0, 3.0], [0.5, 0.0]])
assert np.array_equal(relu_backward(np.ones_like(_x), relu_forward(_x)[1]), [[0.0, 1.0], [1.0, 0.0]])
assert rel_error(relu_forward(linspace_array((2, 5), -0.7, 0.4))[0], {{ref:relu_forward_hidden}}) < 1e-12
### END HIDDEN TESTS

# %% [answer id=tln-iq1 points=2]
# **Inline question 1**
#
# We only asked for ReLU, but there are other activation functions, each with pros and cons. A common
# problem is that the gradient stops flowing (is zero or close to zero) during backpropagation. Which
# of these activations have this problem: sigmoid, ReLU, leaky ReLU? For each, give a one-dimensional
# input where it happens.
#
# **Your answer:**
### BEGIN SOLUTION
# Sigmoid: for inputs of large magnitude (x = 10 or x = -10) it saturates and its gradient
# sigma(x)(1 - sigma(x)) is close to 0. ReLU: for any negative input (x = -1) its gradient is exactly 0,
# so a unit whose inputs are always negative never learns ("dead ReLU"). Leaky ReLU keeps a small
# slope for negative inputs, so its gradient never vanishes.
### END SOLUTION

# %% [markdown]
# ## Sandwich layers
#
# `cs231n/layer_utils.py` combines an affine layer and a ReLU into `affine_relu_forward` /
# `affine_relu_backward`, built from your functions. Check them numerically.

# %% [readonly id=tln-sandwich-run]
from cs231n.layer_utils import affine_relu_backward, affine_relu_forward

np.random.seed(231)
x = np.random.randn(2, 3, 4)
w = np.random.randn(12, 10)
b = np.random.randn(10)
dout = np.random.randn(2, 10)

out, cache = affine_relu_forward(x, w, b)
dx, dw, db = affine_relu_backward(dout, cache)

dx_num = eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout)

print("Testing affine_relu_forward and affine_relu_backward:")
print(f"dx error: {rel_error(dx_num, dx)}")
print(f"dw error: {rel_error(dw_num, dw)}")
print(f"db error: {rel_error(db_num, db)}")

# %% [test id=tln-sandwich points=1]
"""affine_relu_backward matches the numeric gradients."""
for _name, _a, _n in (("dx", dx, dx_num), ("dw", dw, dw_num), ("db", db, db_num)):
    assert rel_error(_a, _n) < 1e-8, f"{_name}: relative error {rel_error(_a, _n):.2e}, expected < 1e-8"
### BEGIN HIDDEN TESTS
_x = linspace_array((3, 2, 7), -0.4, 0.9)
_w = linspace_array((14, 4), 0.3, -0.6)
_b = np.linspace(0.2, -0.1, num=4)
assert rel_error(affine_relu_forward(_x, _w, _b)[0], {{ref:affine_relu_forward_hidden}}) < 1e-12
### END HIDDEN TESTS

# %% [markdown]
# ## Loss layers: softmax and SVM
#
# `svm_loss` and `softmax_loss` take the scores of a batch and return the average loss and its
# gradient with respect to the scores (no regularisation: the model adds it). They are the
# vectorised losses of the earlier notebooks, written against the scores instead of $W$. For tiny
# scores the SVM loss is about 9 and the softmax loss about 2.3.

# %% [readonly id=tln-loss-run]
from cs231n.layers import softmax_loss, svm_loss

np.random.seed(231)
num_classes, num_inputs = 10, 50
x = 0.001 * np.random.randn(num_inputs, num_classes)
y = np.random.randint(num_classes, size=num_inputs)

dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
loss, dx = svm_loss(x, y)
print("Testing svm_loss:")
print(f"loss: {loss}")
print(f"dx error: {rel_error(dx_num, dx)}")
svm_results = (loss, rel_error(dx_num, dx))

dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
loss, dx = softmax_loss(x, y)
print("\nTesting softmax_loss:")
print(f"loss: {loss}")
print(f"dx error: {rel_error(dx_num, dx)}")
softmax_results = (loss, rel_error(dx_num, dx))

# %% [test id=tln-loss-layers points=2]
"""svm_loss is about 9 and softmax_loss about 2.3 for tiny scores, with correct gradients."""
assert abs(svm_results[0] - 9) < 0.05, f"svm_loss {svm_results[0]:.4f}, expected about 9"
assert svm_results[1] < 1e-7, f"svm_loss gradient error {svm_results[1]:.2e}"
assert abs(softmax_results[0] - np.log(10)) < 0.01, f"softmax_loss {softmax_results[0]:.4f}, expected about 2.3026"
assert softmax_results[1] < 1e-7, f"softmax_loss gradient error {softmax_results[1]:.2e}"
### BEGIN HIDDEN TESTS
_s = np.array([[1.0, 2.0, 0.5], [3000.0, -2000.0, 2999.0]])
_l, _d = softmax_loss(_s, np.array([1, 0]))
assert np.isfinite(_l) and np.all(np.isfinite(_d))
_p0 = np.exp(_s[0] - 2) / np.exp(_s[0] - 2).sum()
_l1 = np.log1p(np.exp(-1.0))  # -log p of the correct class in row 1
assert abs(_l - 0.5 * (-np.log(_p0[1]) + _l1)) < 1e-12
_l, _d = svm_loss(np.array([[1.0, 2.0, 0.5]]), np.array([0]))
assert abs(_l - (2.0 + 0.5)) < 1e-12 and np.array_equal(_d, [[-2.0, 1.0, 1.0]])
### END HIDDEN TESTS

# %% [markdown]
# ## Two-layer network
#
# Complete `TwoLayerNet` in `cs231n/classifiers/fc_net.py`: initialise the parameters in `__init__`,
# and write the forward and backward passes in `loss` using the layers above. The architecture is
# affine - ReLU - affine - softmax.

# %% [readonly id=tln-model-run]
from cs231n.classifiers.fc_net import TwoLayerNet

np.random.seed(231)
N, D, H, C = 3, 5, 50, 7
X = np.random.randn(N, D)
y = np.random.randint(C, size=N)

std = 1e-3
model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=std)
print("Testing initialization ... ")
W1_std = abs(model.params["W1"].std() - std)
b1 = model.params["b1"]
W2_std = abs(model.params["W2"].std() - std)
b2 = model.params["b2"]
print(f"W1 std off by {W1_std:e}, W2 std off by {W2_std:e}")

# %% [test id=tln-init points=1]
"""TwoLayerNet initialises W1 and W2 with std weight_scale and the biases with zeros."""
assert W1_std < std / 10, f"W1 has std {model.params['W1'].std():.2e}, expected {std:.0e}"
assert W2_std < std / 10, f"W2 has std {model.params['W2'].std():.2e}, expected {std:.0e}"
assert np.all(b1 == 0) and np.all(b2 == 0), "the biases must start at zero"
assert model.params["W1"].shape == (D, H) and model.params["W2"].shape == (H, C), "W1 must be (D, H) and W2 (H, C)"
### BEGIN HIDDEN TESTS
_m = TwoLayerNet(input_dim=8, hidden_dim=3, num_classes=2, weight_scale=0.5)
assert {k: v.shape for k, v in _m.params.items()} == {"W1": (8, 3), "b1": (3,), "W2": (3, 2), "b2": (2,)}
### END HIDDEN TESTS

# %% [readonly id=tln-forward-run]
print("Testing test-time forward pass ... ")
model.params["W1"] = linspace_array((D, H), -0.7, 0.3)
model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
model.params["W2"] = linspace_array((H, C), -0.3, 0.4)
model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
scores = model.loss(X)
correct_scores = np.asarray(
    [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
     [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
     [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
scores_diff = np.abs(scores - correct_scores).sum()
print(f"scores difference: {scores_diff:e}")

# %% [test id=tln-forward points=2]
"""TwoLayerNet's test-time scores and training losses match the reference values."""
assert scores_diff < 1e-6, f"scores differ from the reference by {scores_diff:.2e} in total"
y = np.asarray([0, 5, 1])
model.reg = 0.0
_loss, _ = model.loss(X, y)
assert abs(_loss - 3.4702243556) < 1e-10, f"loss {_loss!r} at reg 0, expected 3.4702243556"
model.reg = 1.0
_loss, _ = model.loss(X, y)
assert abs(_loss - 26.5948426952) < 1e-10, f"loss {_loss!r} at reg 1.0, expected 26.5948426952 (0.5 * reg * sum(W**2) for W1 and W2)"
### BEGIN HIDDEN TESTS
_m = TwoLayerNet(input_dim=4, hidden_dim=6, num_classes=3)
_m.params.update(W1=linspace_array((4, 6), -0.5, 0.6), b1=np.linspace(0.1, -0.2, num=6),
                 W2=linspace_array((6, 3), 0.4, -0.3), b2=np.linspace(-0.1, 0.3, num=3))
_X = linspace_array((5, 4), -1.0, 2.0)
assert rel_error(_m.loss(_X), {{ref:two_layer_net_scores_hidden}}) < 1e-12
_m.reg = 0.3
assert abs(_m.loss(_X, np.array([0, 2, 1, 1, 0]))[0] - {{ref:two_layer_net_loss_hidden}}) < 1e-10
### END HIDDEN TESTS

# %% [readonly id=tln-gradcheck-run]
# The model, X and y of the previous cells (parameters set with linspace)
gradient_errors = {}
for reg in [0.0, 0.7]:
    print(f"Running numeric gradient check with reg = {reg}")
    model.reg = reg
    loss, grads = model.loss(X, y)
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False)
        gradient_errors[(reg, name)] = rel_error(grad_num, grads[name])
        print(f"{name} relative error: {gradient_errors[(reg, name)]:.2e}")

# %% [test id=tln-gradients points=3]
"""TwoLayerNet's gradients match numeric gradients, with and without regularization."""
assert set(gradient_errors) == {(r, n) for r in (0.0, 0.7) for n in ("W1", "b1", "W2", "b2")}, "grads must have the keys W1, b1, W2, b2"
for (_reg, _name), _e in gradient_errors.items():
    assert _e < 1e-6, f"{_name} at reg {_reg}: relative error {_e:.2e}, expected < 1e-6"
### BEGIN HIDDEN TESTS
np.random.seed(5)
_m = TwoLayerNet(input_dim=6, hidden_dim=4, num_classes=3, weight_scale=0.3, reg=2.5)
_X = np.random.randn(5, 6)
_y = np.random.randint(3, size=5)
_, _g = _m.loss(_X, _y)
for _n in _g:
    assert rel_error(_g[_n], eval_numerical_gradient(lambda _: _m.loss(_X, _y)[0], _m.params[_n], verbose=False)) < 1e-6, _n
### END HIDDEN TESTS

# %% [markdown]
# ## Training with the Solver
#
# `cs231n/solver.py` holds a `Solver` that trains any model following the API of `TwoLayerNet`
# (`model.params`, `model.loss(X, y)`); read its docstring. Use it to train a `TwoLayerNet` that
# reaches about **36%** validation accuracy. `optim.sgd`, plain SGD, is provided.

# %% [solution id=tln-solver]
from cs231n.solver import Solver

input_size = 32 * 32 * 3
hidden_size = 50
num_classes = 10
model = TwoLayerNet(input_size, hidden_size, num_classes)
solver = None

# TODO: Use a Solver instance to train a TwoLayerNet that achieves about 36% accuracy on the
# validation set.
### BEGIN SOLUTION
np.random.seed(231)

solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-3}, lr_decay=0.95,
                num_epochs=by_mode(10, 1), batch_size=100, print_every=100,
                num_train_samples=1000, verbose=True)
solver.train()
### END SOLUTION

# %% [test id=tln-solver-accuracy points=2]
"""The Solver-trained TwoLayerNet reaches about 36% validation accuracy."""
_val = solver.check_accuracy(data["X_val"], data["y_val"])
record("two_layer_net_solver_val", _val)
assert _val >= by_mode(0.33, 0.2), f"validation accuracy {_val:.3f}, expected about 0.36 (at least {by_mode(0.33, 0.2)})"
### BEGIN HIDDEN TESTS
assert len(solver.loss_history) > 0 and len(solver.val_acc_history) >= 2, "the Solver did not train"
assert max(solver.val_acc_history) == solver.best_val_acc
### END HIDDEN TESTS

# %% [readonly id=tln-curves]
# Loss and accuracy curves
plt.subplot(2, 1, 1)
plt.plot(solver.loss_history, "o")
plt.title("Training loss")
plt.xlabel("Iteration")
plt.ylabel("Loss")
plt.subplot(2, 1, 2)
plt.plot(solver.train_acc_history, "-o", label="train")
plt.plot(solver.val_acc_history, "-o", label="val")
plt.plot([0.5] * len(solver.val_acc_history), "k--")
plt.title("Classification accuracy")
plt.xlabel("Epoch")
plt.ylabel("Accuracy")
plt.legend(loc="lower right")
plt.gcf().set_size_inches(15, 12)
plt.show()

# %% [readonly id=tln-weights]
# First-layer weights, as images
from cs231n.vis_utils import visualize_grid


def show_net_weights(net):
    W1 = net.params["W1"]
    W1 = W1.reshape(3, 32, 32, -1).transpose(3, 1, 2, 0)  # (D, H) -> (H, 32, 32, 3)
    plt.imshow(visualize_grid(W1, padding=3).astype("uint8"))
    plt.gca().axis("off")
    plt.title("First-layer weights, one tile per hidden unit")
    plt.show()


show_net_weights(model)

# %% [markdown]
# ## Tuning
#
# About 36% is not good: the loss decreases almost linearly (the learning rate is probably too low),
# and the training and validation accuracies stay close (the model has too little capacity). Tune the
# hidden size, learning rate, its decay, the number of epochs and the regularisation to get **above
# 48%** on the validation set; our best model gets over 52%. Store the best model in `best_model`;
# the last line saves it as `two_layer_net_best.npz` for grading.

# %% [solution id=tln-tuning]
best_model = None
best_val_acc = -1
# TODO: Tune the hyperparameters on the validation set and store the best model in best_model.
### BEGIN SOLUTION
for hidden, lr, reg in [(100, 1e-3, 0.0), (200, 1e-3, 1e-3)][:by_mode(2, 1)]:
    np.random.seed(231)
    candidate = TwoLayerNet(input_size, hidden, num_classes, weight_scale=1e-3, reg=reg)
    s = Solver(candidate, data, update_rule="sgd", optim_config={"learning_rate": lr}, lr_decay=0.95,
               num_epochs=by_mode(10, 1), batch_size=200, print_every=1000, verbose=False)
    s.train()
    print(f"hidden {hidden} lr {lr} reg {reg}: best val {s.best_val_acc:.3f}")
    if s.best_val_acc > best_val_acc:
        best_model, best_val_acc = candidate, s.best_val_acc
### END SOLUTION
save_model(best_model, "two_layer_net_best.npz")

# %% [test id=tln-saved-model points=4]
"""The network saved in two_layer_net_best.npz reaches 48% validation and test accuracy."""
_net = TwoLayerNet.from_file("two_layer_net_best.npz")
_val = float(np.mean(np.argmax(_net.loss(data["X_val"]), axis=1) == data["y_val"]))
record("two_layer_net_val", _val)
assert _val >= bound(0.48, 0.2), f"validation accuracy of two_layer_net_best.npz is {_val:.3f}, expected at least {bound(0.48, 0.2)}"
### BEGIN HIDDEN TESTS
_test = float(np.mean(np.argmax(_net.loss(data["X_test"]), axis=1) == data["y_test"]))
assert _test >= bound(0.48, 0.2), f"test accuracy of two_layer_net_best.npz is {_test:.3f}"
### END HIDDEN TESTS

# %% [readonly id=tln-test-accuracy]
best_saved = TwoLayerNet.from_file("two_layer_net_best.npz")
y_val_pred = np.argmax(best_saved.loss(data["X_val"]), axis=1)
print(f"Validation set accuracy: {(y_val_pred == data['y_val']).mean()}")
y_test_pred = np.argmax(best_saved.loss(data["X_test"]), axis=1)
test_accuracy = float((y_test_pred == data["y_test"]).mean())
print(f"Test set accuracy: {test_accuracy}")
record("two_layer_net_test", test_accuracy)
show_net_weights(best_saved)

# %% [answer id=tln-iq2 points=2]
# **Inline question 2**
#
# Now that you have trained a network, you may see that the test accuracy is much lower than the
# training accuracy. In what ways can we shrink this gap? Select all that apply and explain.
#
# 1. Train on a larger dataset.
# 2. Add more hidden units.
# 3. Increase the regularisation strength.
# 4. None of the above.
#
# **Your answer:**
#
# **Your explanation:**
### BEGIN SOLUTION
# 1 and 3. The gap is overfitting. More data makes the training set more like the test distribution,
# and stronger regularisation limits how closely the weights fit the training set. More hidden units
# (2) add capacity, which usually widens the gap rather than shrinking it.
### END SOLUTION
