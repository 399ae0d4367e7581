"""A three-layer convolutional network on the fast layers (ConvolutionalNetworks.ipynb).

Regularization, as in ``fc_net.py``: the loss adds ``0.5 * reg * sum(W**2)`` over the weights
``W1``, ``W2``, ``W3`` (gradient ``reg * W``); biases are not regularized.

Like the 2022 kit's file, this module re-exports every layer of :mod:`cs231n.layers` and
:mod:`cs231n.layer_utils` for ``from cs231n.classifiers.cnn import *``.
"""
import numpy as np

from .._io import SavableModel
from ..layer_utils import *  # noqa: F401,F403  (re-exported, see __all__)
from ..layers import *  # noqa: F401,F403
from .fc_net import _layer_api

__all__ = ["ThreeLayerConvNet", *_layer_api()]


class ThreeLayerConvNet(SavableModel):
    """A three-layer convolutional network with the architecture::

        conv - relu - 2x2 max pool - affine - relu - affine - softmax

    It operates on minibatches of data of shape (N, C, H, W): N images, each with height H,
    width W and C input channels. The convolution keeps H and W (stride 1, zero padding
    ``(filter_size - 1) // 2``); the pool halves them (H' = H // 2, W' = W // 2). Inputs are cast
    to ``dtype`` (the 2022 kit did not cast them, so float64 data made its float32 model compute
    in float64). ``save(path)``, ``load(path)`` and ``ThreeLayerConvNet.from_file(path)`` write and
    read trained models with their architecture (see :class:`cs231n._io.SavableModel`).

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1`` (F, C, filter_size, filter_size) and ``b1`` (F,) for the convolution, ``W2``
        (F * H' * W', hidden_dim) and ``b2`` (hidden_dim,) for the hidden affine layer, ``W3``
        (hidden_dim, num_classes) and ``b3`` (num_classes,) for the output layer; dtype ``dtype``.
    reg : float
        L2 strength; the loss adds ``0.5 * reg * (sum(W1**2) + sum(W2**2) + sum(W3**2))``.
    dtype : numpy dtype
        Of the parameters and of the computation (inputs are cast to it).
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        """
        Parameters
        ----------
        input_dim : tuple of int
            (C, H, W), the size of each input image.
        num_filters : int
            F, the number of filters of the convolutional layer.
        filter_size : int
            Width and height of the filters; odd, so that the convolution keeps H and W.
        hidden_dim : int
            Number of units of the fully connected hidden layer.
        num_classes : int
            Number of scores to produce from the final affine layer.
        weight_scale : float
            Standard deviation of the random initialization of the weights.
        reg : float
            L2 regularization strength.
        dtype : numpy dtype
            float32 (the default) is faster; use float64 for numeric gradient checks.

        Raises
        ------
        ValueError
            If ``input_dim`` is not three positive sizes with H, W >= 2, or ``filter_size`` is even.
        """
        if len(input_dim) != 3 or min(input_dim) < 1 or min(input_dim[1:]) < 2:
            raise ValueError(f"input_dim must be (C, H, W) with H, W >= 2 (the 2x2 pool), got {input_dim!r}")
        if filter_size < 1 or filter_size % 2 == 0:
            raise ValueError(f"filter_size must be odd for the convolution (padding (filter_size - 1) // 2) "
                             f"to keep H and W, got {filter_size}")
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        # for save/load (not used by the loss)
        self.input_dim = tuple(int(d) for d in input_dim)
        self.num_filters, self.filter_size = int(num_filters), int(filter_size)
        self.hidden_dim, self.num_classes = int(hidden_dim), int(num_classes)

        # TODO: Initialize weights and biases for the three-layer convolutional network. Weights
        # should be initialized from a Gaussian centered at 0.0 with standard deviation equal to
        # weight_scale; biases should be initialized to zero. All weights and biases should be
        # stored in the dictionary self.params. Store weights and biases for the convolutional
        # layer using the keys 'W1' and 'b1'; use keys 'W2' and 'b2' for the weights and biases of
        # the hidden affine layer, and keys 'W3' and 'b3' for the weights and biases of the output
        # affine layer.
        #
        # IMPORTANT: For this assignment, you can assume that the padding and stride of the first
        # convolutional layer are chosen so that **the width and height of the input are
        # preserved**. Take a look at the start of the loss() function to see how that happens.
        ### BEGIN SOLUTION
        C, H, W = self.input_dim
        F, fs = self.num_filters, self.filter_size
        self.params["W1"] = weight_scale * np.random.randn(F, C, fs, fs)
        self.params["b1"] = np.zeros(F)
        self.params["W2"] = weight_scale * np.random.randn(F * (H // 2) * (W // 2), hidden_dim)
        self.params["b2"] = np.zeros(hidden_dim)
        self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b3"] = np.zeros(num_classes)
        ### END SOLUTION

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Loss and gradient for a minibatch, or scores when ``y`` is None.

        Parameters
        ----------
        X : ndarray of shape (N, C, H, W)
            Cast to ``self.dtype``.
        y : ndarray of shape (N,) or None
            Labels, 0 <= y[i] < num_classes.

        Returns
        -------
        scores : ndarray of shape (N, num_classes)
            If ``y`` is None.
        loss : float
            Otherwise, the data loss plus the regularization loss ...
        grads : dict of str to ndarray
            ... and the gradients, with the keys, shapes and dtype of ``self.params``.
        """
        X = X.astype(self.dtype, copy=False)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        # pass conv_param to the forward pass for the convolutional layer
        # Padding and stride chosen to preserve the input spatial size
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}

        # pass pool_param to the forward pass for the max-pooling layer
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        # TODO: Implement the forward pass for the three-layer convolutional net, computing the
        # class scores for X and storing them in the scores variable.
        #
        # Remember you can use the functions defined in cs231n/fast_layers.py and
        # cs231n/layer_utils.py in your implementation (already imported).
        ### BEGIN SOLUTION
        pooled, pool_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)  # (N, F, H', W')
        hidden, hidden_cache = affine_relu_forward(pooled, W2, b2)  # (N, hidden_dim)
        scores, scores_cache = affine_forward(hidden, W3, b3)  # (N, num_classes)
        ### END SOLUTION

        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: Implement the backward pass for the three-layer convolutional net, storing the loss
        # and gradients in the loss and grads variables. Compute data loss using softmax, and make
        # sure that grads[k] holds the gradients for self.params[k]. Don't forget to add L2
        # regularization!
        #
        # NOTE: To ensure that your implementation matches ours and you pass the automated tests,
        # make sure that your L2 regularization includes a factor of 0.5 to simplify the
        # expression for the gradient.
        ### BEGIN SOLUTION
        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3))
        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, pool_cache)
        grads["W3"] += self.reg * W3
        grads["W2"] += self.reg * W2
        grads["W1"] += self.reg * W1
        ### END SOLUTION

        return loss, grads

    # -----------------------------------------------------------------------------------------
    # save/load (SavableModel)

    def _config(self):
        return {"input_dim": list(self.input_dim), "num_filters": self.num_filters,
                "filter_size": self.filter_size, "hidden_dim": self.hidden_dim, "num_classes": self.num_classes,
                "dtype": np.dtype(self.dtype).name, "reg": float(self.reg)}
