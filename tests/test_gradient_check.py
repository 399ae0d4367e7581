"""The numeric-gradient helpers and rel_error themselves."""
import numpy as np
import pytest

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, grad_check_sparse
from cs231n.testing import assert_close, linspace_array, rel_error


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)
    assert rel_error([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        rel_error(np.ones(2), np.ones(3))


def test_assert_close_message_shows_values():
    with pytest.raises(AssertionError, match=r"dW: relative error .* at index \(1, 0\) \(got 5.0, expected 3.0\)"):
        assert_close(np.array([[1.0, 2.0], [5.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), name="dW")
    with pytest.raises(AssertionError, match=r"shape \(2,\), expected \(3,\)"):
        assert_close(np.ones(2), np.ones(3))
    assert_close(np.ones(2), np.ones(2) + 1e-12)


def test_eval_numerical_gradient_cubic(rng):
    x = rng.standard_normal((3, 4))
    x0 = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x, verbose=False)
    assert rel_error(grad, 3 * x0 ** 2) < 1e-8
    np.testing.assert_array_equal(x, x0)  # restored


def test_eval_numerical_gradient_array_matmul(rng):
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((4, 2))
    dout = rng.standard_normal((3, 2))
    grad = eval_numerical_gradient_array(lambda v: v @ w, x, dout)
    assert rel_error(grad, dout @ w.T) < 1e-8


def test_grad_check_sparse_returns_errors(rng, capsys):
    x = rng.standard_normal(20)
    errs = grad_check_sparse(lambda v: np.sum(np.sin(v)), x, np.cos(x), num_checks=5, seed=0)
    assert errs.shape == (5,) and errs.max() < 1e-8
    assert capsys.readouterr().out.count("relative error") == 5
    bad = grad_check_sparse(lambda v: np.sum(np.sin(v)), x, 2 * np.cos(x), num_checks=5, seed=0, verbose=False)
    assert bad.min() > 0.3  # a factor of 2 gives |n - 2n| / 3|n| = 1/3


def test_linspace_array():
    a = linspace_array((2, 3), -1, 1)
    assert a.shape == (2, 3) and a[0, 0] == -1 and a[1, 2] == 1
