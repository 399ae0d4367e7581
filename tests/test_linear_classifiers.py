"""SVM and softmax losses for linear classifiers; LinearClassifier training, prediction, save/load."""
import numpy as np
import pytest

from cs231n.classifiers.linear_classifier import LinearSVM, Softmax
from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from cs231n.gradient_check import eval_numerical_gradient, grad_check_sparse
from cs231n.testing import rel_error

PAIRS = [(svm_loss_naive, svm_loss_vectorized), (softmax_loss_naive, softmax_loss_vectorized)]
IDS = ["svm", "softmax"]


def problem(rng, N, D, C, scale=1e-2):
    W = scale * rng.standard_normal((D, C))
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    return W, X, y


@pytest.mark.parametrize("naive,vectorized", PAIRS, ids=IDS)
@pytest.mark.parametrize("N,D,C,reg", [(500, 3073, 10, 5e-6), (30, 7, 4, 0.0), (1, 5, 2, 1.3), (64, 100, 10, 1e3)])
def test_naive_and_vectorized_agree(rng, naive, vectorized, N, D, C, reg):
    W, X, y = problem(rng, N, D, C)
    loss_n, grad_n = naive(W, X, y, reg)
    loss_v, grad_v = vectorized(W, X, y, reg)
    assert abs(loss_n - loss_v) / abs(loss_n) < 1e-10
    assert rel_error(grad_n, grad_v) < 1e-8
    assert grad_v.shape == W.shape


@pytest.mark.parametrize("naive,vectorized", PAIRS, ids=IDS)
@pytest.mark.parametrize("reg", [0.0, 10.0])
def test_gradient_check(rng, naive, vectorized, reg):
    """Full numeric gradients in float64; reg=10 makes the regularizer's gradient dominate,
    so a missing factor of 2 (reg*W instead of 2*reg*W) fails."""
    W, X, y = problem(rng, 40, 15, 5, scale=0.1)
    if naive is svm_loss_naive:
        scores = X @ W
        margins = scores - scores[np.arange(40), y][:, None] + 1
        assert np.min(np.abs(margins)) > 1e-4, "test input too close to the hinge"
    for fn in (naive, vectorized):
        _, grad = fn(W, X, y, reg)
        grad_num = eval_numerical_gradient(lambda w: fn(w, X, y, reg)[0], W, verbose=False)
        assert rel_error(grad, grad_num) < 1e-7, fn.__name__


@pytest.mark.parametrize("naive,vectorized", PAIRS, ids=IDS)
def test_regularization_convention(rng, naive, vectorized):
    """Linear classifiers add reg * sum(W**2) (the 2022 convention), so zero data gives exactly that."""
    W, X, y = problem(rng, 5, 4, 3)
    for fn in (naive, vectorized):
        l0, g0 = fn(W, X, y, 0.0)
        l1, g1 = fn(W, X, y, 2.5)
        assert abs((l1 - l0) - 2.5 * np.sum(W * W)) < 1e-12
        assert rel_error(g1 - g0, 2 * 2.5 * W) < 1e-9


def test_grad_check_sparse_on_the_dev_set_shape(rng):
    W, X, y = problem(rng, 500, 3073, 10, scale=1e-4)
    _, grad = softmax_loss_vectorized(W, X, y, 5e1)
    errs = grad_check_sparse(lambda w: softmax_loss_vectorized(w, X, y, 5e1)[0], W, grad, num_checks=10,
                             seed=0, verbose=False)
    assert errs.max() < 1e-5


def test_initial_softmax_loss_near_log10(rng):
    W, X, y = problem(rng, 500, 3073, 10, scale=1e-4)
    loss, _ = softmax_loss_vectorized(W, X, y, 0.0)
    assert abs(loss - np.log(10)) < 0.05, loss


def test_softmax_stable_for_scores_in_the_thousands(rng):
    W, X, y = problem(rng, 20, 30, 10, scale=1e3)
    assert np.abs(X @ W).max() > 1e3
    with np.errstate(over="raise", invalid="raise"):
        for fn in (softmax_loss_naive, softmax_loss_vectorized):
            loss, grad = fn(W, X, y, 0.0)
            assert np.isfinite(loss) and np.all(np.isfinite(grad))


def test_softmax_probabilities_sum_to_one(rng):
    """Gradient of the data loss wrt the scores is (P - Y)/N; with X = I the rows of dW recover P."""
    C = 6
    W = rng.standard_normal((C, C))
    y = rng.integers(C, size=C)
    X = np.eye(C)
    _, dW = softmax_loss_vectorized(W, X, y, 0.0)
    P = dW * C
    P[np.arange(C), y] += 1
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(P > 0)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_linear_classifier_trains_predicts_and_saves(rng, tmp_path, cls):
    # two well-separated blobs plus a bias column
    N, D = 400, 5
    y = rng.integers(3, size=N)
    centers = 3 * rng.standard_normal((3, D))
    X = np.hstack([centers[y] + rng.standard_normal((N, D)), np.ones((N, 1))])
    np.random.seed(0)
    clf = cls()
    history = clf.train(X, y, learning_rate=1e-2, reg=1e-4, num_iters=300, batch_size=50)
    assert len(history) == 300 and np.mean(history[-20:]) < 0.5 * np.mean(history[:5])
    assert clf.W.shape == (D + 1, 3)
    pred = clf.predict(X)
    assert pred.shape == (N,) and np.mean(pred == y) > 0.9
    path = tmp_path / "model.npz"
    clf.save(path)
    other = cls().load(path)
    np.testing.assert_array_equal(other.W, clf.W)
    np.testing.assert_array_equal(other.predict(X), pred)
    wrong = (Softmax if cls is LinearSVM else LinearSVM)()
    with pytest.raises(ValueError, match="not a"):
        wrong.load(path)


def test_linear_classifier_errors():
    with pytest.raises(ValueError, match="call train"):
        LinearSVM().predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="nothing to save"):
        Softmax().save("x.npz")
