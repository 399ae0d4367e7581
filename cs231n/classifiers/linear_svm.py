"""Multiclass SVM (hinge) loss for a linear classifier (svm.ipynb).

Regularization: these losses add ``reg * sum(W**2)`` (gradient ``2 * reg * W``),
as the 2022 kit does. The networks in ``fc_net.py`` use ``0.5 * reg * sum(W**2)``.
"""
import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and gradient, with loops.

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
        ``mean_i sum_{j != y_i} max(0, s_j - s_{y_i} + 1) + reg * sum(W**2)``.
    dW : ndarray of shape (D, C)
        Gradient of the loss with respect to W.
    """
    dW = np.zeros(W.shape)  # initialize the gradient as zero

    # compute the loss and the gradient
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                # TODO: Compute the gradient of this margin term with respect to W and
                # add it to dW, here in the loop, next to the loss.
                ### BEGIN SOLUTION
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
                ### END SOLUTION

    # Right now the loss is a sum over all training examples, but we want it
    # to be an average instead so we divide by num_train.
    loss /= num_train

    # Add regularization to the loss.
    loss += reg * np.sum(W * W)

    # TODO: Average the gradient as the loss was averaged, and add the gradient of the
    # regularization term.
    ### BEGIN SOLUTION
    dW /= num_train
    dW += 2 * reg * W
    ### END SOLUTION

    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient, vectorized.

    Same inputs and outputs as :func:`svm_loss_naive`.
    """
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero

    # TODO: Implement a vectorized version of the structured SVM loss, storing the
    # result in loss.
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W  # (N, C)
    margins = scores - scores[rows, y][:, None] + 1.0  # (N, C)
    np.maximum(margins, 0.0, out=margins)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    ### END SOLUTION

    # TODO: Implement a vectorized version of the gradient for the structured SVM loss,
    # storing the result in dW.
    # Hint: Instead of computing the gradient from scratch, it may be easier to reuse
    # some of the intermediate values that you used to compute the loss.
    ### BEGIN SOLUTION
    coeff = (margins > 0).astype(X.dtype)  # (N, C): 1 where the margin counts
    coeff[rows, y] = -np.sum(coeff, axis=1)
    # dW = X.T @ coeff, computed as (coeff.T @ X).T: (C, N) @ (N, D) is the faster product
    dW = (coeff.T @ X).T / num_train + 2 * reg * W  # (D, C)
    ### END SOLUTION

    return loss, dW
