"""Linear classifiers trained with minibatch SGD (svm.ipynb, softmax.ipynb, features.ipynb)."""
import numpy as np

from .._io import save_npz
from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """Base class: scores are ``X @ W``; subclasses choose the loss.

    Attributes
    ----------
    W : ndarray of shape (D, C) or None
        The weights, created by the first call to :meth:`train` (or :meth:`load`).
    """

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
              batch_size=200, verbose=False):
        """Train this linear classifier with stochastic gradient descent.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Training data: N examples of dimension D.
        y : ndarray of shape (N,)
            Labels; ``y[i] = c`` means ``X[i]`` has label 0 <= c < C for C classes.
        learning_rate : float
            Learning rate for optimization.
        reg : float
            Regularization strength (the loss adds ``reg * sum(W**2)``).
        num_iters : int
            Number of steps to take when optimizing.
        batch_size : int
            Number of training examples to use at each step (sampled with replacement).
        verbose : bool
            If true, print progress every 100 iterations.

        Returns
        -------
        loss_history : list of float
            The loss at each training iteration.
        """
        num_train, dim = X.shape
        num_classes = int(np.max(y)) + 1  # assume y takes values 0...K-1 where K is number of classes
        if self.W is None:
            # lazily initialize W
            self.W = 0.001 * np.random.randn(dim, num_classes)
        elif self.W.shape != (dim, num_classes):
            raise ValueError(f"W has shape {self.W.shape} but the data needs ({dim}, {num_classes})")

        # Run stochastic gradient descent to optimize W
        loss_history = []
        for it in range(num_iters):
            X_batch = None
            y_batch = None

            # TODO: Sample batch_size elements from the training data and their labels to
            # use in this round of gradient descent. Store the data in X_batch, of shape
            # (batch_size, dim), and the labels in y_batch, of shape (batch_size,).
            # Hint: use np.random.choice to generate indices. Sampling with replacement is
            # faster than sampling without replacement.
            ### BEGIN SOLUTION
            idx = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[idx]
            y_batch = y[idx]
            ### END SOLUTION

            # evaluate loss and gradient
            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # perform parameter update
            # TODO: Update the weights using the gradient and the learning rate.
            ### BEGIN SOLUTION
            self.W -= learning_rate * grad
            ### END SOLUTION

            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")

        return loss_history

    def predict(self, X):
        """Predict labels for data points.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        y_pred : ndarray of shape (N,)
            The predicted class of each row of X.
        """
        if self.W is None:
            raise ValueError("this classifier has no weights yet; call train() or load() first")
        y_pred = np.zeros(X.shape[0])
        # TODO: Implement this method. Store the predicted labels in y_pred.
        ### BEGIN SOLUTION
        y_pred = np.argmax(X @ self.W, axis=1)
        ### END SOLUTION
        return y_pred

    def loss(self, X_batch, y_batch, reg):
        """Loss and gradient on a minibatch; subclasses override this.

        Parameters
        ----------
        X_batch : ndarray of shape (N, D)
        y_batch : ndarray of shape (N,)
        reg : float

        Returns
        -------
        loss : float
        dW : ndarray of shape (D, C)
        """
        raise NotImplementedError(f"{type(self).__name__} must define loss()")

    def save(self, path):
        """Write the weights to ``path`` (a ``.npz`` file), atomically.

        Used to hand in trained models, which are graded without retraining.
        """
        if self.W is None:
            raise ValueError("nothing to save: this classifier has no weights yet")
        save_npz(path, W=self.W, kind=np.array(type(self).__name__))

    def load(self, path):
        """Read weights written by :meth:`save` into this classifier and return it."""
        with np.load(path) as f:
            if "W" not in f:
                raise ValueError(f"{path} holds no weights 'W'; was it written by {type(self).__name__}.save()?")
            kind = str(f["kind"]) if "kind" in f else type(self).__name__
            if kind != type(self).__name__:
                raise ValueError(f"{path} holds a {kind}, not a {type(self).__name__}")
            self.W = f["W"].copy()
        return self


class LinearSVM(LinearClassifier):
    """A linear classifier with the multiclass SVM loss."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A linear classifier with the softmax cross-entropy loss."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
