"""Softmax (cross-entropy) loss for a linear classifier (softmax.ipynb).

Regularization: these losses add ``reg * sum(W**2)`` (gradient ``2 * reg * W``),
as the 2022 kit does. The networks in ``fc_net.py`` use ``0.5 * reg * sum(W**2)``.
"""
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient, with loops.

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        Weights.
    X : ndarray of shape (N, D)
        A minibatch of data.
    y : ndarray of shape (N,)
        Labels; ``y[i] = c`` means ``X[i]`` has label c, 0 <= c < C.
    reg : float
        Regularization strength.

    Returns
    -------
    loss : float
        ``mean_i -log(softmax(X[i] @ W)[y_i]) + reg * sum(W**2)``.
    dW : ndarray of shape (D, C)
        Gradient of the loss with respect to W.
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W)

    # TODO: Compute the softmax loss and its gradient using explicit loops, storing the
    # results in loss and dW. Be careful about numeric instability (exponentials of large
    # scores overflow) and do not forget the regularization.
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)  # shift for numeric stability; softmax is unchanged
        exp_scores = np.exp(scores)
        total = np.sum(exp_scores)
        loss += np.log(total) - scores[y[i]]
        for j in range(num_classes):
            p = exp_scores[j] / total
            dW[:, j] += (p - (j == y[i])) * X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    ### END SOLUTION

    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient, vectorized.

    Same inputs and outputs as :func:`softmax_loss_naive`.
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W)

    # TODO: Compute the softmax loss and its gradient using no explicit loops, storing
    # the results in loss and dW. Be careful about numeric instability and do not forget
    # the regularization.
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    scores -= np.max(scores, axis=1, keepdims=True)  # numeric stability: softmax is unchanged
    exp_scores = np.exp(scores)
    sums = np.sum(exp_scores, axis=1)  # (N,)
    loss = np.mean(np.log(sums) - scores[rows, y]) + reg * np.sum(W * W)
    probs = exp_scores / sums[:, None]  # (N, C), rows sum to 1
    probs[rows, y] -= 1.0
    # dW = X.T @ probs, computed as (probs.T @ X).T: (C, N) @ (N, D) is the faster product
    dW = (probs.T @ X).T / num_train + 2 * reg * W  # (D, C)
    ### END SOLUTION

    return loss, dW
