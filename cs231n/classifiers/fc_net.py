"""Fully connected networks built from the modular layers: ``TwoLayerNet`` (two_layer_net.ipynb)
and ``FullyConnectedNet`` (FullyConnectedNets.ipynb, BatchNormalization.ipynb, Dropout.ipynb).

Regularization: the networks here add ``0.5 * reg * sum(W**2)`` over their weight matrices
(gradient ``reg * W``), as the 2022 kit does; biases and the normalization parameters gamma and
beta are not regularized. The linear classifiers use ``reg * sum(W**2)`` instead.

Like the 2022 kit's file, this module re-exports every layer of :mod:`cs231n.layers` and
:mod:`cs231n.layer_utils`, so ``from cs231n.classifiers.fc_net import *`` (as the 2022 notebooks
write it) also gives ``affine_forward``, ``relu_backward``, ``svm_loss``, ``batchnorm_forward``, ...
"""
import inspect

import numpy as np

from .. import layer_utils as _layer_utils
from .. import layers as _layers
from .._io import SavableModel
from ..layer_utils import *  # noqa: F401,F403  (re-exported for the 2022 notebooks; see __all__)
from ..layers import *  # noqa: F401,F403


def _layer_api():
    """Names of the public functions defined in cs231n.layers and cs231n.layer_utils."""
    return sorted(name for module in (_layers, _layer_utils) for name, value in vars(module).items()
                  if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__)


__all__ = ["TwoLayerNet", "FullyConnectedNet", *_layer_api()]

#: The values FullyConnectedNet accepts for ``normalization``.
NORMALIZATIONS = (None, "batchnorm", "layernorm")


class TwoLayerNet(SavableModel):
    """A two-layer fully connected network with ReLU and a softmax loss.

    The architecture is affine - relu - affine - softmax. It has input dimension D,
    a hidden dimension H, and classifies among C classes. Optimization is done by
    a :class:`~cs231n.solver.Solver`, not by this class. ``save(path)``, ``load(path)`` and
    ``TwoLayerNet.from_file(path)`` write and read trained models (see :class:`cs231n._io.SavableModel`).

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).
    reg : float
        L2 strength; the loss adds ``0.5 * reg * (sum(W1**2) + sum(W2**2))``.
    """

    @classmethod
    def _legacy_config(cls, arrays, path):
        """Sizes of a file written before the architecture was saved with the parameters."""
        if "W1" not in arrays or "W2" not in arrays:
            raise ValueError(f"{path} holds no W1/W2; was it written by TwoLayerNet.save()?")
        (D, H), C = arrays["W1"].shape, arrays["W2"].shape[1]
        return {"input_dim": D, "hidden_dim": H, "num_classes": C}

    def _config(self):
        W1, W2 = self.params["W1"], self.params["W2"]
        return {"input_dim": W1.shape[0], "hidden_dim": W1.shape[1], "num_classes": W2.shape[1],
                "reg": float(self.reg)}

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        """
        Parameters
        ----------
        input_dim : int
            D, the size of the input.
        hidden_dim : int
            H, the size of the hidden layer.
        num_classes : int
            C, the number of classes.
        weight_scale : float
            Standard deviation of the random initialization of the weights.
        reg : float
            L2 regularization strength.
        """
        self.params = {}
        self.reg = reg

        # TODO: Initialize the weights and biases of the two-layer net. Weights are drawn
        # from a Gaussian centered at 0.0 with standard deviation weight_scale, and biases
        # are zero. Store them in self.params: first layer weights and biases under 'W1'
        # and 'b1', second layer weights and biases under 'W2' and 'b2'.
        ### BEGIN SOLUTION
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)
        ### END SOLUTION

    def loss(self, X, y=None):
        """Loss and gradient for a minibatch, or scores when ``y`` is None.

        Parameters
        ----------
        X : ndarray of shape (N, d_1, ..., d_k)
            Input data, D = d_1 * ... * d_k.
        y : ndarray of shape (N,) or None
            Labels, 0 <= y[i] < C.

        Returns
        -------
        scores : ndarray of shape (N, C)
            If ``y`` is None: the classification scores.
        loss : float
            Otherwise, the data loss plus the regularization loss ...
        grads : dict of str to ndarray
            ... and the gradients, with the keys and shapes of ``self.params``.
        """
        scores = None
        # TODO: Implement the forward pass for the two-layer net, computing the class
        # scores for X and storing them in the scores variable.
        ### BEGIN SOLUTION
        hidden, hidden_cache = affine_relu_forward(X, self.params["W1"], self.params["b1"])  # (N, H)
        scores, scores_cache = affine_forward(hidden, self.params["W2"], self.params["b2"])  # (N, C)
        ### END SOLUTION

        # If y is None then we are in test mode so just return scores
        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: Implement the backward pass for the two-layer net. Store the loss in the
        # loss variable and gradients in the grads dictionary; grads['W1'] holds the
        # gradient for self.params['W1'], and so on. Compute the data loss with softmax,
        # and add L2 regularization 0.5 * reg * sum(W**2) for W1 and W2 (not the biases),
        # so that your results match ours.
        ### BEGIN SOLUTION
        W1, W2 = self.params["W1"], self.params["W2"]
        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        grads["W2"] += self.reg * W2
        grads["W1"] += self.reg * W1
        ### END SOLUTION

        return loss, grads


class FullyConnectedNet(SavableModel):
    """A fully connected network with any number of hidden layers, ReLU, optional batch or layer
    normalization and optional dropout, and a softmax loss.

    For a network with L layers the architecture is::

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where batch/layer normalization and dropout are optional and the {...} block is repeated
    L - 1 times. Learnable parameters are stored in ``self.params`` and trained with a
    :class:`~cs231n.solver.Solver`. ``save(path)``, ``load(path)`` and
    ``FullyConnectedNet.from_file(path)`` write and read trained models with their architecture and
    the batchnorm running statistics (see :class:`cs231n._io.SavableModel`).

    **Dropout keeps, it does not drop:** ``dropout_keep_ratio`` (and ``dropout_param['p']``, as
    in the 2022 kit) is the probability of KEEPING a unit. ``dropout_keep_ratio=1`` means no
    dropout; ``0.75`` zeroes a quarter of the hidden units at training time (PyTorch's
    ``nn.Dropout(p)`` takes the probability of dropping instead).

    **Regularization:** the loss adds ``0.5 * reg * sum(W**2)`` over every weight matrix ``W1 ..
    WL`` (gradient ``reg * W``); biases, gamma and beta are not regularized.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W{i}`` (d_{i-1}, d_i) and ``b{i}`` (d_i,) for i = 1 .. L, with d_0 = D (``input_dim``),
        d_1 .. d_{L-1} = ``hidden_dims`` and d_L = C (``num_classes``); with normalization also
        ``gamma{i}`` and ``beta{i}`` (d_i,) for i = 1 .. L - 1. All of dtype ``dtype``.
    normalization : {None, 'batchnorm', 'layernorm'}
    use_dropout : bool
        ``dropout_keep_ratio != 1``.
    reg : float
    num_layers : int
        L = 1 + len(hidden_dims).
    dtype : numpy dtype
        Of the parameters and of the computation (inputs are cast to it).
    dropout_param : dict
        Passed to every dropout layer: ``mode`` ('train'/'test', set by :meth:`loss`), ``p`` (the
        keep probability) and, if ``seed`` was given, ``seed`` (the same masks on every call:
        for gradient checks).
    bn_params : list of dict
        One per normalization layer (L - 1 of them): ``{'mode': 'train'}`` for batchnorm, ``{}``
        for layernorm, ``[]`` without normalization. The batchnorm layers write their running
        statistics (``running_mean``, ``running_var``) into these dicts; ``save`` stores them.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        """
        Parameters
        ----------
        hidden_dims : list of int
            The size of each hidden layer.
        input_dim : int
            D, the size of the input.
        num_classes : int
            C, the number of classes.
        dropout_keep_ratio : float in (0, 1]
            Probability of KEEPING each hidden unit (1: no dropout).
        normalization : {None, 'batchnorm', 'layernorm'}
            The normalization after each hidden affine layer.
        reg : float
            L2 regularization strength (the loss adds ``0.5 * reg * sum(W**2)``).
        weight_scale : float
            Standard deviation of the random initialization of the weights.
        dtype : numpy dtype
            float32 is faster; use float64 for numeric gradient checks.
        seed : int or None
            If given, the dropout layers use this seed, so every call sees the same masks.

        Raises
        ------
        ValueError
            For an unknown ``normalization``, a keep ratio outside (0, 1] or a layer size < 1.
        """
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio is the probability of KEEPING a unit and must be in (0, 1], "
                             f"got {dropout_keep_ratio!r} (1 means no dropout)")
        sizes = [input_dim, *hidden_dims, num_classes]
        if any(int(d) != d or d < 1 for d in sizes):
            raise ValueError(f"layer sizes must be positive integers, got input_dim={input_dim!r}, "
                             f"hidden_dims={list(hidden_dims)!r}, num_classes={num_classes!r}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        # for save/load (not used by the loss)
        self.hidden_dims = [int(d) for d in hidden_dims]
        self.input_dim = int(input_dim)
        self.num_classes = int(num_classes)
        self.dropout_keep_ratio = dropout_keep_ratio
        self.seed = seed

        # TODO: Initialize the parameters of the network, storing all values in the self.params
        # dictionary. Store weights and biases for the first layer in W1 and b1; for the second
        # layer use W2 and b2, etc. Weights should be initialized from a normal distribution
        # centered at 0 with standard deviation equal to weight_scale (np.random.randn times
        # weight_scale), and biases should be initialized to zero. Initialize the layers in order,
        # W1 then W2 and so on, so that your initial losses match ours.
        #
        # When using batch normalization or layer normalization, store scale and shift parameters
        # for the first layer in gamma1 and beta1; for the second layer use gamma2 and beta2, etc.
        # Scale parameters should be initialized to ones and shift parameters to zeros. The last
        # (output) layer has no normalization.
        ### BEGIN SOLUTION
        for i in range(self.num_layers):
            d_in, d_out = sizes[i], sizes[i + 1]
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(d_in, d_out)
            self.params[f"b{i + 1}"] = np.zeros(d_out)
            if self.normalization is not None and i < self.num_layers - 1:
                self.params[f"gamma{i + 1}"] = np.ones(d_out)
                self.params[f"beta{i + 1}"] = np.zeros(d_out)
        ### END SOLUTION

        # When using dropout we need to pass a dropout_param dictionary to each dropout layer so
        # that the layer knows the dropout probability and the mode (train / test). You can pass
        # the same dropout_param to each dropout layer.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # With batch normalization we need to keep track of running means and variances, so we
        # need to pass a special bn_param object to each batch normalization layer. You should
        # pass self.bn_params[0] to the forward pass of the first batch normalization layer,
        # self.bn_params[1] to the forward pass of the second batch normalization layer, etc.
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        # Cast all parameters to the correct datatype.
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Loss and gradient for a minibatch, or scores when ``y`` is None.

        Parameters
        ----------
        X : ndarray of shape (N, d_1, ..., d_k)
            Input data, D = d_1 * ... * d_k; cast to ``self.dtype``.
        y : ndarray of shape (N,) or None
            Labels, 0 <= y[i] < C.

        Returns
        -------
        scores : ndarray of shape (N, C)
            If ``y`` is None: the classification scores, computed in test mode (no dropout, batch
            normalization with the running statistics).
        loss : float
            Otherwise (training mode), the data loss plus ``0.5 * reg * sum(W**2)`` ...
        grads : dict of str to ndarray
            ... and the gradients, with the keys, shapes and dtype of ``self.params``.
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        # Set train/test mode for batchnorm params and dropout param since they
        # behave differently during training and testing.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        scores = None

        # TODO: Implement the forward pass for the fully connected net, computing the class scores
        # for X and storing them in the scores variable.
        #
        # When using dropout, you'll need to pass self.dropout_param to each dropout forward pass.
        #
        # When using batch normalization, you'll need to pass self.bn_params[0] to the forward pass
        # for the first batch normalization layer, pass self.bn_params[1] to the forward pass for
        # the second batch normalization layer, etc. Layer normalization takes them the same way.
        #
        # You may want to write a sandwich layer for {affine - [norm] - relu} in
        # cs231n/layer_utils.py, as affine_relu_forward is for {affine - relu}.
        ### BEGIN SOLUTION
        caches = []
        out = X
        for i in range(1, self.num_layers):
            W, b = self.params[f"W{i}"], self.params[f"b{i}"]
            if self.normalization is None:
                out, cache = affine_relu_forward(out, W, b)  # (N, d_i)
            else:
                out, cache = affine_norm_relu_forward(out, W, b, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                                                      self.bn_params[i - 1], self.normalization)  # (N, d_i)
            drop_cache = None
            if self.use_dropout:
                out, drop_cache = dropout_forward(out, self.dropout_param)
            caches.append((cache, drop_cache))
        L = self.num_layers
        scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])  # (N, C)
        ### END SOLUTION

        # If test mode return early.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass for the fully connected net. Store the loss in the loss
        # variable and gradients in the grads dictionary. Compute data loss using softmax, and make
        # sure that grads[k] holds the gradients for self.params[k].
        #
        # When using batch/layer normalization, you don't need to regularize the scale and shift
        # parameters.
        #
        # NOTE: To ensure that your implementation matches ours and you pass the automated tests,
        # make sure that your L2 regularization includes a factor of 0.5 to simplify the
        # expression for the gradient.
        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, scores_cache)
        for i in range(L - 1, 0, -1):
            cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dout = dropout_backward(dout, drop_cache)
            if self.normalization is None:
                dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, cache)
            else:
                (dout, grads[f"W{i}"], grads[f"b{i}"],
                 grads[f"gamma{i}"], grads[f"beta{i}"]) = affine_norm_relu_backward(dout, cache)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
        ### END SOLUTION

        return loss, grads

    # -----------------------------------------------------------------------------------------
    # save/load (SavableModel): the architecture and the batchnorm running statistics

    def _config(self):
        return {"hidden_dims": self.hidden_dims, "input_dim": self.input_dim, "num_classes": self.num_classes,
                "dropout_keep_ratio": float(self.dropout_keep_ratio), "normalization": self.normalization,
                "dtype": np.dtype(self.dtype).name, "reg": float(self.reg),
                "seed": None if self.seed is None else int(self.seed)}

    def _state(self):
        state = {}
        if self.normalization == "batchnorm":
            for i, bn_param in enumerate(self.bn_params, start=1):
                for key in ("running_mean", "running_var"):
                    if key in bn_param:
                        state[f"bn{i}_{key}"] = bn_param[key]
        return state

    def _set_state(self, arrays, path):
        expected = {f"bn{i}_{key}": (d,) for i, d in enumerate(self.hidden_dims, start=1)
                    for key in ("running_mean", "running_var")} if self.normalization == "batchnorm" else {}
        unknown = sorted(set(arrays) - set(expected))
        if unknown:
            raise ValueError(f"{path} holds state {unknown} that this {self.normalization or 'unnormalized'} "
                             f"FullyConnectedNet does not have")
        for name, value in arrays.items():
            if value.shape != expected[name]:
                raise ValueError(f"{path}: {name} has shape {value.shape}, this model needs {expected[name]}")
        for i, bn_param in enumerate(self.bn_params, start=1):
            for key in ("running_mean", "running_var"):
                if f"bn{i}_{key}" in arrays:
                    bn_param[key] = arrays[f"bn{i}_{key}"].astype(self.dtype)
                else:  # saved before any training step: the layer starts from zeros again
                    bn_param.pop(key, None)
