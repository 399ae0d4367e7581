"""Layers as pure functions: ``*_forward(...) -> (out, cache)``, ``*_backward(dout, cache)``.

Each backward function returns the gradients of the forward inputs, in the
order of the forward inputs.
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer.

    Each example ``x[i]`` of shape (d_1, ..., d_k) is flattened (row-major) to a
    vector of dimension D = d_1 * ... * d_k and mapped to M outputs.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
        ``x.reshape(N, D) @ w + b``.
    cache : tuple
        ``(x, w, b)``.
    """
    out = None
    # TODO: Implement the affine forward pass. Store the result in out. You will need to
    # reshape the input into rows.
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b  # (N, D) @ (D, M) -> (N, M)
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream derivative.
    cache : tuple
        ``(x, w, b)`` from :func:`affine_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # TODO: Implement the affine backward pass.
    ### BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)
    dw = x.reshape(x.shape[0], -1).T @ dout  # (D, N) @ (N, M)
    db = np.sum(dout, axis=0)
    ### END SOLUTION
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray of the shape of ``x``
        ``max(0, x)``.
    cache : ndarray
        ``x``.
    """
    out = None
    # TODO: Implement the ReLU forward pass.
    ### BEGIN SOLUTION
    out = np.maximum(0, x)
    ### END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of ReLUs.

    Parameters
    ----------
    dout : ndarray of any shape
        Upstream derivatives.
    cache : ndarray
        The input ``x``, of the same shape as ``dout``.

    Returns
    -------
    dx : ndarray of the shape of ``x``
        ``dout`` where ``x > 0``, else 0.
    """
    dx, x = None, cache
    # TODO: Implement the ReLU backward pass.
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1, averaged over the batch.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        ``x[i, j]`` is the score of class j for the ith input.
    y : ndarray of shape (N,)
        Labels, 0 <= y[i] < C.

    Returns
    -------
    loss : float
    dx : ndarray of shape (N, C)
        Gradient of the loss with respect to ``x``.
    """
    loss, dx = None, None
    # TODO: Implement the loss and gradient of the multiclass SVM (no regularization here).
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1.0)  # (N, C)
    margins[rows, y] = 0
    loss = np.sum(margins) / N
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] = -np.sum(dx, axis=1)
    dx /= N
    ### END SOLUTION
    return loss, dx


def softmax_loss(x, y):
    """Softmax cross-entropy loss, averaged over the batch.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        ``x[i, j]`` is the score of class j for the ith input.
    y : ndarray of shape (N,)
        Labels, 0 <= y[i] < C.

    Returns
    -------
    loss : float
    dx : ndarray of shape (N, C)
        Gradient of the loss with respect to ``x``.
    """
    loss, dx = None, None
    # TODO: Implement the softmax loss and its gradient (no regularization here). Keep it
    # numerically stable for large scores.
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - np.max(x, axis=1, keepdims=True)  # (N, C), max 0 in each row
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[rows, y])
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    ### END SOLUTION
    return loss, dx
