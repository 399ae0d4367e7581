"""k-nearest-neighbour classifier with L2 distance (knn.ipynb)."""
import numpy as np


class KNearestNeighbor:
    """A kNN classifier with L2 distance.

    ``train`` only memorises the data; all the work happens in ``predict``.
    """

    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """Memorise the training data.

        Parameters
        ----------
        X : ndarray of shape (num_train, D)
        y : ndarray of shape (num_train,)
            Integer labels; ``y[i]`` is the label of ``X[i]``.
        """
        X = np.asarray(X)
        y = np.asarray(y)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ValueError(f"train needs X of shape (num_train, D) and y of shape (num_train,), "
                             f"got X {X.shape} and y {y.shape}")
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """Predict labels for test data.

        Parameters
        ----------
        X : ndarray of shape (num_test, D)
        k : int
            Number of nearest neighbours that vote.
        num_loops : {0, 1, 2}
            Which distance implementation to use.

        Returns
        -------
        y_pred : ndarray of shape (num_test,)
        """
        if self.X_train is None:
            raise ValueError("call train(X, y) before predict")
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError(f"Invalid value {num_loops!r} for num_loops; use 0, 1 or 2")
        return self.predict_labels(dists, k=k)

    def compute_distances_two_loops(self, X):
        """L2 distances with a loop over test points and a loop over training points.

        Parameters
        ----------
        X : ndarray of shape (num_test, D)

        Returns
        -------
        dists : ndarray of shape (num_test, num_train)
            ``dists[i, j]`` is the Euclidean distance between ``X[i]`` and ``X_train[j]``.
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                # TODO: Compute the l2 distance between the ith test point and the jth
                # training point, and store the result in dists[i, j]. Do not loop over
                # the dimension, and do not use np.linalg.norm().
                ### BEGIN SOLUTION
                dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))
                ### END SOLUTION
        return dists

    def compute_distances_one_loop(self, X):
        """L2 distances with a single loop over test points.

        Parameters
        ----------
        X : ndarray of shape (num_test, D)

        Returns
        -------
        dists : ndarray of shape (num_test, num_train)
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            # TODO: Compute the l2 distance between the ith test point and all training
            # points, and store the result in dists[i, :]. Do not use np.linalg.norm().
            ### BEGIN SOLUTION
            diff = self.X_train - X[i]  # (num_train, D)
            dists[i, :] = np.sqrt(np.einsum("ij,ij->i", diff, diff))  # row-wise sums of squares, one pass
            ### END SOLUTION
        return dists

    def compute_distances_no_loops(self, X):
        """L2 distances without any explicit loop.

        Parameters
        ----------
        X : ndarray of shape (num_test, D)

        Returns
        -------
        dists : ndarray of shape (num_test, num_train)
        """
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        # TODO: Compute the l2 distance between all test points and all training points
        # without any explicit loops, and store the result in dists. Use only basic array
        # operations; no scipy and no np.linalg.norm().
        # HINT: write the squared distance ||x - y||^2 as a matrix multiplication and two
        # broadcast sums.
        ### BEGIN SOLUTION
        # ||x - t||^2 = ||x||^2 + ||t||^2 - 2 x.t for every test row x and training row t
        test_sq = np.einsum("ij,ij->i", X, X)  # (num_test,)
        train_sq = np.einsum("ij,ij->i", self.X_train, self.X_train)  # (num_train,)
        dists = X @ self.X_train.T  # (num_test, num_train)
        dists *= -2.0
        dists += test_sq[:, None]
        dists += train_sq[None, :]
        # rounding can push the squared distance of (near-)identical points below zero
        np.maximum(dists, 0.0, out=dists)
        np.sqrt(dists, out=dists)
        ### END SOLUTION
        return dists

    def predict_labels(self, dists, k=1):
        """Majority vote among the k nearest training points.

        Parameters
        ----------
        dists : ndarray of shape (num_test, num_train)
        k : int
            Number of neighbours that vote, 1 <= k <= num_train.

        Returns
        -------
        y_pred : ndarray of shape (num_test,)
            The most common label among the k nearest neighbours; a tie goes to the
            smaller label.
        """
        num_test, num_train = dists.shape
        if not 1 <= k <= num_train:
            raise ValueError(f"k must be between 1 and the number of training points "
                             f"({num_train}), got k={k}")
        y_pred = np.zeros(num_test, dtype=self.y_train.dtype)
        for i in range(num_test):
            # A list of length k storing the labels of the k nearest neighbors to
            # the ith test point.
            closest_y = []
            # TODO: Use the distance matrix to find the k nearest neighbors of the ith
            # testing point, and use self.y_train to find their labels; store them in
            # closest_y. Hint: look up np.argsort.
            ### BEGIN SOLUTION
            # The same neighbours as np.argsort(dists[i], kind="stable")[:k] (equal distances: the
            # lower index first) without sorting all of them: every point closer than the k-th
            # smallest distance, then the first points at exactly that distance.
            row = dists[i]
            kth = np.partition(row, k - 1)[k - 1]
            closer = np.flatnonzero(row < kth)
            at_kth = np.flatnonzero(row == kth)[:k - len(closer)]
            closest_y = self.y_train[np.concatenate([closer, at_kth])]
            ### END SOLUTION
            # TODO: Find the most common label in closest_y and store it in y_pred[i].
            # Break ties by choosing the smaller label.
            ### BEGIN SOLUTION
            y_pred[i] = np.argmax(np.bincount(closest_y))  # argmax picks the smallest on ties
            ### END SOLUTION
        return y_pred
