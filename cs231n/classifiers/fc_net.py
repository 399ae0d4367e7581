"""Fully connected networks built from the modular layers (two_layer_net.ipynb).

Regularization: the networks here add ``0.5 * reg * sum(W**2)`` over their
weight matrices (gradient ``reg * W``), as the 2022 kit does; biases are not
regularized. The linear classifiers use ``reg * sum(W**2)`` instead.
"""
import numpy as np

from .._io import save_npz
from ..layer_utils import affine_relu_backward, affine_relu_forward
from ..layers import affine_backward, affine_forward, softmax_loss


class _SavableModel:
    """``save``/``load`` of ``self.params`` for the networks, used to grade trained models."""

    def save(self, path):
        """Write ``self.params`` (and ``reg``) to ``path`` (a ``.npz`` file), atomically."""
        save_npz(path, __kind__=np.array(type(self).__name__), __reg__=np.array(self.reg),
                 **self.params)

    def load(self, path):
        """Read parameters written by :meth:`save` into this model and return it.

        The shapes must match this model's: build it with the same sizes first.
        """
        with np.load(path) as f:
            kind = str(f["__kind__"]) if "__kind__" in f else type(self).__name__
            if kind != type(self).__name__:
                raise ValueError(f"{path} holds a {kind}, not a {type(self).__name__}")
            stored = {k: f[k].copy() for k in f.files if not k.startswith("__")}
            if "__reg__" in f:
                self.reg = float(f["__reg__"])
        if set(stored) != set(self.params):
            raise ValueError(f"{path} holds parameters {sorted(stored)}, this model has {sorted(self.params)}")
        for k, v in stored.items():
            if v.shape != self.params[k].shape:
                raise ValueError(f"{path}: parameter {k} has shape {v.shape}, this model needs "
                                 f"{self.params[k].shape}; build the model with the sizes it was saved with")
            self.params[k] = v.astype(self.params[k].dtype)
        return self


class TwoLayerNet(_SavableModel):
    """A two-layer fully connected network with ReLU and a softmax loss.

    The architecture is affine - relu - affine - softmax. It has input dimension D,
    a hidden dimension H, and classifies among C classes. Optimization is done by
    a :class:`~cs231n.solver.Solver`, not by this class.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).
    reg : float
        L2 strength; the loss adds ``0.5 * reg * (sum(W1**2) + sum(W2**2))``.
    """

    @classmethod
    def from_file(cls, path):
        """A TwoLayerNet with the sizes and parameters saved in ``path`` by :meth:`save`."""
        with np.load(path) as f:
            if "W1" not in f or "W2" not in f:
                raise ValueError(f"{path} holds no W1/W2; was it written by TwoLayerNet.save()?")
            (D, H), C = f["W1"].shape, f["W2"].shape[1]
        return cls(input_dim=D, hidden_dim=H, num_classes=C).load(path)

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
