"""k-nearest neighbours: the three distance routines agree; voting and errors; accuracy on CIFAR-10."""
import numpy as np
import pytest

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor


@pytest.fixture
def knn_problem(rng):
    X_train = rng.uniform(0, 255, (60, 48))
    y_train = rng.integers(10, size=60)
    X_test = rng.uniform(0, 255, (13, 48))
    X_test[0] = X_train[5]  # an exact match: distance 0
    clf = KNearestNeighbor()
    clf.train(X_train, y_train)
    return clf, X_test


def test_three_distance_routines_agree(knn_problem):
    clf, X_test = knn_problem
    d2 = clf.compute_distances_two_loops(X_test)
    d1 = clf.compute_distances_one_loop(X_test)
    d0 = clf.compute_distances_no_loops(X_test)
    assert d0.shape == (13, 60)
    expected = np.sqrt(((X_test[:, None, :] - clf.X_train[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(d2, expected, rtol=1e-12)
    np.testing.assert_allclose(d1, expected, rtol=1e-12)
    np.testing.assert_allclose(d0, expected, rtol=1e-9, atol=1e-4)
    assert np.all(d0 >= 0) and d0[0, 5] < 1e-4


def test_predict_dispatch(knn_problem):
    clf, X_test = knn_problem
    p = [clf.predict(X_test, k=3, num_loops=n) for n in (0, 1, 2)]
    np.testing.assert_array_equal(p[0], p[1])
    np.testing.assert_array_equal(p[0], p[2])
    assert clf.predict(X_test[:1], k=1)[0] == clf.y_train[5]


def test_majority_vote_and_ties_to_smaller_label():
    clf = KNearestNeighbor()
    clf.train(np.zeros((6, 1)), np.array([4, 2, 2, 4, 7, 1]))
    dists = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6],   # k=4 -> labels 4,2,2,4: tie -> 2
                      [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]])  # k=4 -> labels 1,7,4,2: all tie -> 1
    np.testing.assert_array_equal(clf.predict_labels(dists, k=4), [2, 1])
    np.testing.assert_array_equal(clf.predict_labels(dists, k=3), [2, 1])  # 4,2,2 -> 2; 1,7,4 -> 1
    np.testing.assert_array_equal(clf.predict_labels(dists, k=1), [4, 1])


def test_equal_distances_pick_the_lower_index():
    """Neighbours are the first k of a stable sort: at equal distances the lower training index wins."""
    clf = KNearestNeighbor()
    clf.train(np.zeros((5, 1)), np.array([3, 1, 1, 3, 3]))
    dists = np.array([[2.0, 1.0, 1.0, 1.0, 1.0]])  # k=2: indices 1 and 2 (labels 1, 1), not 3 or 4 (3, 3)
    np.testing.assert_array_equal(clf.predict_labels(dists, k=2), [1])
    np.testing.assert_array_equal(clf.predict_labels(dists, k=5), [3])  # 3,1,1,3,3
    # many ties: integer distances, every k, against the stable-argsort definition written out
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 300)
    clf.train(np.zeros((300, 1)), y)
    dists = rng.integers(0, 20, (40, 300)).astype(np.float64)
    for k in (1, 2, 5, 17, 50, 299, 300):
        nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]
        expected = [np.argmax(np.bincount(y[row])) for row in nearest]
        np.testing.assert_array_equal(clf.predict_labels(dists, k=k), expected, err_msg=f"k={k}")


def test_errors(knn_problem):
    clf, X_test = knn_problem
    with pytest.raises(ValueError, match="num_loops; use 0, 1 or 2"):
        clf.predict(X_test, num_loops=3)
    with pytest.raises(ValueError, match=r"between 1 and the number of training points \(60\), got k=61"):
        clf.predict(X_test, k=61)
    with pytest.raises(ValueError, match="got k=0"):
        clf.predict(X_test, k=0)
    with pytest.raises(ValueError, match="call train"):
        KNearestNeighbor().predict(X_test)


@pytest.mark.slow
def test_cifar10_k1_accuracy(cifar10_raw):
    """The knn notebook's set-up: 5000 training and 500 test images, raw pixels, k=1."""
    Xtr, ytr, Xte, yte = cifar10_raw
    clf = KNearestNeighbor()
    clf.train(Xtr[:5000].reshape(5000, -1), ytr[:5000])
    acc = np.mean(clf.predict(Xte[:500].reshape(500, -1), k=1) == yte[:500])
    print(f"kNN k=1 on 5000/500: {acc:.3f}")
    assert 0.26 <= acc <= 0.30, acc
