"""Assignment 1 layers: numeric gradient checks in float64, invariants, shapes."""
import numpy as np
import pytest

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n.layers import (affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss,
                           svm_loss)
from cs231n.testing import rel_error


def away_from_zero(a, margin=1e-2):
    """Push values out of (-margin, margin), away from the ReLU kink."""
    return np.where(np.abs(a) < margin, np.sign(a + 1e-12) * margin * 2, a)


@pytest.mark.parametrize("shape,M", [((10, 2, 3), 5), ((4, 6), 3), ((1, 2, 2, 2), 2)])
def test_affine_backward(rng, shape, M):
    x = rng.standard_normal(shape)
    D = int(np.prod(shape[1:]))
    w = rng.standard_normal((D, M))
    b = rng.standard_normal(M)
    dout = rng.standard_normal((shape[0], M))
    out, cache = affine_forward(x, w, b)
    assert out.shape == (shape[0], M)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)) < 1e-9
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)) < 1e-9
    assert rel_error(db, eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)) < 1e-9


def test_relu_backward(rng):
    x = away_from_zero(rng.standard_normal((10, 10)))
    dout = rng.standard_normal(x.shape)
    dx = relu_backward(dout, relu_forward(x)[1])
    dx_num = eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-10
    np.testing.assert_array_equal(dx[x < 0], 0)


def test_affine_relu_sandwich(rng):
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((12, 10))
    b = rng.standard_normal(10)
    dout = rng.standard_normal((2, 10))
    out, cache = affine_relu_forward(x, w, b)
    assert np.all(np.abs(x.reshape(2, 12) @ w + b) > 1e-4), "test input too close to the ReLU kink"
    dx, dw, db = affine_relu_backward(dout, cache)
    f = lambda x_, w_, b_: affine_relu_forward(x_, w_, b_)[0]  # noqa: E731
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: f(v, w, b), x, dout)) < 1e-8
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: f(x, v, b), w, dout)) < 1e-8
    assert rel_error(db, eval_numerical_gradient_array(lambda v: f(x, w, v), b, dout)) < 1e-8


@pytest.mark.parametrize("loss_fn", [svm_loss, softmax_loss])
@pytest.mark.parametrize("N,C", [(50, 10), (7, 3), (1, 2)])
def test_loss_gradients(rng, loss_fn, N, C):
    x = 0.1 * rng.standard_normal((N, C))
    y = rng.integers(C, size=N)
    if loss_fn is svm_loss:  # keep the hinge away from its kink
        margins = x - x[np.arange(N), y][:, None] + 1
        assert np.min(np.abs(margins)) > 1e-4
    loss, dx = loss_fn(x, y)
    dx_num = eval_numerical_gradient(lambda v: loss_fn(v, y)[0], x, verbose=False)
    assert dx.shape == x.shape
    assert rel_error(dx, dx_num) < 1e-7


def test_initial_losses_near_expected_values(rng):
    """Tiny random scores: softmax loss ~ log C, SVM loss ~ C - 1."""
    x = 0.001 * rng.standard_normal((500, 10))
    y = rng.integers(10, size=500)
    assert abs(softmax_loss(x, y)[0] - np.log(10)) < 0.01
    assert abs(svm_loss(x, y)[0] - 9.0) < 0.02


def test_softmax_loss_stable_for_huge_scores(rng):
    x = 1000.0 * rng.standard_normal((20, 10)) + 5000.0
    y = rng.integers(10, size=20)
    loss, dx = softmax_loss(x, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    # rows of (dx * N + one_hot) are the softmax probabilities: they sum to 1
    probs = dx * 20
    probs[np.arange(20), y] += 1
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(probs >= 0)
