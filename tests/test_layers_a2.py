"""Assignment 2 layers: batch/layer/group normalization, dropout, naive convolution and max-pooling.

Gradient checks run in float64 on odd shapes against cs231n.gradient_check, with the bounds the 2022
notebooks state (tighter where the numbers allow); forward passes against the reference values of the
2022 notebooks (Appendix A of the reference doc) and against the fast layers.
"""
import numpy as np
import pytest

from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward, dropout_backward,
                           dropout_forward, layernorm_backward, layernorm_forward)
from cs231n.testing import linspace_array, rel_error


def num_grads(f, args, dout):
    """Numeric gradients of sum(f(*args) * dout) with respect to every array in args (float64)."""
    grads = []
    for k in range(len(args)):
        def g(v, k=k):
            return f(*args[:k], v, *args[k + 1:])
        grads.append(eval_numerical_gradient_array(g, args[k], dout))
    return grads


def check_grad(analytic, numeric, bound, label="", scaled_bound=1e-9):
    """rel_error (elementwise) within ``bound``, and the largest difference within ``scaled_bound`` of
    the largest value. Odd shapes give a few near-zero entries (sums that cancel) whose elementwise
    error is the numeric gradient's rounding; the scaled error is still tight there."""
    assert analytic.shape == numeric.shape, f"{label}: shape {analytic.shape}, expected {numeric.shape}"
    err = rel_error(analytic, numeric)
    assert err < bound, f"{label}: relative error {err:.2e} > {bound:.0e}"
    scaled = np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(numeric)), 1e-300)
    assert scaled < scaled_bound, f"{label}: error {scaled:.2e} of the largest value > {scaled_bound:.0e}"
    return err


@pytest.fixture
def global_rng_restored():
    """Tests that seed NumPy's global generator put its state back afterwards."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


# ---------------------------------------------------------------------------------------------
# batch normalization


def bn_input(rng, N=200, D1=50, D2=60, D3=3):
    """The notebook's input: the output of a small two-layer ReLU net, features far from mean 0, std 1."""
    X = rng.standard_normal((N, D1))
    W1 = rng.standard_normal((D1, D2))
    W2 = rng.standard_normal((D2, D3))
    return np.maximum(0, X @ W1) @ W2


def test_batchnorm_train_statistics(rng):
    a = bn_input(rng)
    assert np.all(np.abs(a.mean(axis=0)) > 1) and np.all(np.abs(a.std(axis=0) - 1) > 1)  # a real test
    out, _ = batchnorm_forward(a, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-5)  # eps = 1e-5 makes it 1 - O(eps / var)
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-5)


def test_batchnorm_running_averages_follow_the_momentum_rule(rng):
    x1 = 3 * rng.standard_normal((20, 4)) + 5
    x2 = 2 * rng.standard_normal((20, 4)) - 1
    bn_param = {"mode": "train", "momentum": 0.8}
    batchnorm_forward(x1, np.ones(4), np.zeros(4), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.2 * x1.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(bn_param["running_var"], 0.2 * x1.var(axis=0), rtol=1e-12)  # biased variance
    rm, rv = bn_param["running_mean"].copy(), bn_param["running_var"].copy()
    batchnorm_forward(x2, np.ones(4), np.zeros(4), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.8 * rm + 0.2 * x2.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(bn_param["running_var"], 0.8 * rv + 0.2 * x2.var(axis=0), rtol=1e-12)


def test_batchnorm_defaults(rng):
    """eps 1e-5, momentum 0.9, running statistics zeros of x's dtype, written back on every call."""
    x = rng.standard_normal((6, 3)).astype(np.float32)
    bn_param = {"mode": "test"}
    out, cache = batchnorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    for key in ("running_mean", "running_var"):
        assert bn_param[key].dtype == np.float32 and bn_param[key].shape == (3,)
        np.testing.assert_array_equal(bn_param[key], 0)
    np.testing.assert_allclose(out, x / np.sqrt(1e-5), rtol=1e-5)  # running var 0: only eps is left
    assert cache is None
    bn_param = {"mode": "train"}
    batchnorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    assert bn_param["running_mean"].dtype == np.float32
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-5)
    x64 = x.astype(np.float64)
    out, _ = batchnorm_forward(x64, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(out, (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + 1e-5), rtol=1e-12)


def test_batchnorm_test_mode_uses_running_statistics(rng):
    x = 4 * rng.standard_normal((7, 5)) + 2
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    rm, rv = rng.standard_normal(5), rng.random(5) + 0.5
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy(), "eps": 1e-3}
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * (x - rm) / np.sqrt(rv + 1e-3) + beta, rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], rm)  # test mode does not change them
    np.testing.assert_array_equal(bn_param["running_var"], rv)


def test_batchnorm_test_mode_after_warm_up(rng):
    """The notebook's check: 50 training passes, then test-time outputs have means ~0 and stds ~1."""
    N, D1, D2, D3 = 200, 50, 60, 3
    W1 = rng.standard_normal((D1, D2))
    W2 = rng.standard_normal((D2, D3))
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(D3), np.zeros(D3)
    for _ in range(50):
        a = np.maximum(0, rng.standard_normal((N, D1)) @ W1) @ W2
        batchnorm_forward(a, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    a = np.maximum(0, rng.standard_normal((N, D1)) @ W1) @ W2
    before = bn_param["running_mean"].copy(), bn_param["running_var"].copy()
    out, _ = batchnorm_forward(a, gamma, beta, bn_param)
    assert np.all(np.abs(out.mean(axis=0)) < 0.25), out.mean(axis=0)
    assert np.all(np.abs(out.std(axis=0) - 1) < 0.15), out.std(axis=0)
    np.testing.assert_array_equal(bn_param["running_mean"], before[0])
    np.testing.assert_array_equal(bn_param["running_var"], before[1])


@pytest.mark.parametrize("N,D,bound", [(4, 5, 1e-8), (1, 3, None), (7, 2, 1e-7), (3, 6, 1e-7)])
@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_backward(rng, backward, N, D, bound):
    """Notebook (N = 4, D = 5): relative errors between 1e-13 and 1e-8; other shapes (N = 1: every
    output is beta) within 1e-7 elementwise and 1e-9 of the largest value."""
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    f = lambda x_, g_, b_: batchnorm_forward(x_, g_, b_, {"mode": "train"})[0]  # noqa: E731
    dx_num, dgamma_num, dbeta_num = num_grads(f, (x, gamma, beta), dout)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = backward(dout, cache)
    assert dx.shape == x.shape and dgamma.shape == (D,) and dbeta.shape == (D,)
    if N == 1:  # x_hat = 0: the output does not depend on x or gamma
        np.testing.assert_allclose(dx, 0, atol=1e-12)
        np.testing.assert_allclose(dx_num, 0, atol=1e-6)
    else:
        check_grad(dx, dx_num, bound, "dx")
    check_grad(dgamma, dgamma_num, 1e-9, "dgamma")
    check_grad(dbeta, dbeta_num, 1e-9, "dbeta")


@pytest.mark.parametrize("N,D", [(4, 5), (100, 500), (128, 64)])
def test_batchnorm_backward_alt_equals_backward(rng, N, D):
    x = 3 * rng.standard_normal((N, D)) + 1
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    graph, alt = batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)
    for g, a, label in zip(graph, alt, ("dx", "dgamma", "dbeta")):
        # relative to the largest value: elementwise relative errors of the few dx entries that
        # happen to be near 0 (sums that cancel) only measure rounding
        scaled = np.max(np.abs(g - a)) / np.max(np.abs(g))
        assert scaled < 1e-12, f"{label}: {scaled:.2e}"
    if N * D <= 100:
        assert rel_error(graph[0], alt[0]) < 1e-12


def test_batchnorm_backward_needs_a_train_cache(rng):
    _, cache = batchnorm_forward(rng.standard_normal((3, 2)), np.ones(2), np.zeros(2), {"mode": "test"})
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        with pytest.raises(ValueError, match="'train' mode"):
            backward(np.ones((3, 2)), cache)


@pytest.mark.parametrize("bn_param,message", [
    ({}, r"mode must be 'train' or 'test', got None"),
    ({"mode": "eval"}, r"mode must be 'train' or 'test', got 'eval'"),
])
def test_batchnorm_bad_mode(bn_param, message):
    with pytest.raises(ValueError, match=message):
        batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), bn_param)


def test_batchnorm_bad_shapes():
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) to match x \(2, 3\), got \(4,\)"):
        batchnorm_forward(np.zeros((2, 3)), np.ones(4), np.zeros(3), {"mode": "train"})
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\) to match x \(2, 3\), got \(1, 3\)"):
        batchnorm_forward(np.zeros((2, 3)), np.ones(3), np.zeros((1, 3)), {"mode": "train"})
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\), got \(2, 3, 4\)"):
        batchnorm_forward(np.zeros((2, 3, 4)), np.ones(3), np.zeros(3), {"mode": "train"})


# ---------------------------------------------------------------------------------------------
# layer normalization


def test_layernorm_statistics(rng):
    a = bn_input(rng, N=4)
    out, _ = layernorm_forward(a, np.ones(3), np.zeros(3), {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-4)
    out, _ = layernorm_forward(a, 3 * np.ones(3), 5 * np.ones(3), {"mode": "test"})  # mode is ignored
    np.testing.assert_allclose(out.mean(axis=1), 5, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 3, rtol=1e-4)
    x = rng.standard_normal((5, 8))
    gamma, beta = rng.standard_normal(8), rng.standard_normal(8)
    out, _ = layernorm_forward(x, gamma, beta, {"eps": 1e-3})
    expected = gamma * (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-3) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # per example: an example's output does not depend on the rest of the batch
    np.testing.assert_allclose(layernorm_forward(x[:1], gamma, beta, {"eps": 1e-3})[0], out[:1], rtol=1e-14)


@pytest.mark.parametrize("N,D,bound", [(4, 5, 1e-8), (1, 7, 1e-7), (3, 3, 1e-7)])
def test_layernorm_backward(rng, N, D, bound):
    """Notebook (N = 4, D = 5): relative errors between 1e-12 and 1e-8; other shapes within 1e-7
    elementwise and 1e-9 of the largest value. (D = 2 is degenerate: the output is +-1 whatever x.)"""
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    f = lambda x_, g_, b_: layernorm_forward(x_, g_, b_, {})[0]  # noqa: E731
    dx_num, dgamma_num, dbeta_num = num_grads(f, (x, gamma, beta), dout)
    _, cache = layernorm_forward(x, gamma, beta, {})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    check_grad(dx, dx_num, bound, "dx")
    check_grad(dgamma, dgamma_num, 1e-9, "dgamma")
    check_grad(dbeta, dbeta_num, 1e-9, "dbeta")


def test_layernorm_bad_shapes():
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) to match x \(2, 3\), got \(2,\)"):
        layernorm_forward(np.zeros((2, 3)), np.ones(2), np.zeros(3), {})


# ---------------------------------------------------------------------------------------------
# dropout


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_forward_statistics(p):
    x = np.random.RandomState(231).randn(500, 500) + 10
    out, (_, mask) = dropout_forward(x, {"mode": "train", "p": p, "seed": 7})
    kept = np.mean(out != 0)
    assert abs(kept - p) < 0.01 * p, f"kept fraction {kept} for keep probability {p}"
    assert abs(out.mean() - x.mean()) < 0.015 * x.mean()  # inverted dropout preserves the mean
    np.testing.assert_array_equal(np.unique(mask), [0, 1 / p])
    np.testing.assert_array_equal(out, x * mask)
    out, (_, mask) = dropout_forward(x, {"mode": "test", "p": p})
    assert mask is None
    np.testing.assert_array_equal(out, x)


def test_dropout_keep_all():
    x = np.arange(12.0).reshape(3, 4)
    out, _ = dropout_forward(x, {"mode": "train", "p": 1})
    np.testing.assert_array_equal(out, x)


def test_dropout_seed_gives_the_2022_mask_without_touching_the_global_generator(global_rng_restored):
    x = np.random.RandomState(0).randn(30, 40)
    state = np.random.get_state()
    out, (_, mask) = dropout_forward(x, {"mode": "train", "p": 0.6, "seed": 123})
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    np.random.seed(123)  # the 2022 kit's recipe
    expected = (np.random.rand(*x.shape) < 0.6) / 0.6
    np.testing.assert_array_equal(mask, expected)
    out2, (_, mask2) = dropout_forward(x, {"mode": "train", "p": 0.6, "seed": 123})  # same seed, same mask
    np.testing.assert_array_equal(mask2, mask)


def test_dropout_without_seed_uses_the_global_generator(global_rng_restored):
    x = np.ones((20, 30))
    np.random.seed(5)
    _, (_, mask) = dropout_forward(x, {"mode": "train", "p": 0.3})
    np.random.seed(5)
    np.testing.assert_array_equal(mask, (np.random.rand(20, 30) < 0.3) / 0.3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_dtype(dtype):
    x = np.ones((4, 5), dtype=dtype)
    out, cache = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1})
    assert out.dtype == dtype
    assert dropout_backward(np.ones_like(x), cache).dtype == dtype


def test_dropout_backward():
    """Notebook: x = randn(10, 10) + 10, p 0.2, seed 123; relative error around 1e-10 or less."""
    r = np.random.RandomState(231)
    x = r.randn(10, 10) + 10
    dout = r.randn(10, 10)
    param = {"mode": "train", "p": 0.2, "seed": 123}
    _, cache = dropout_forward(x, param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: dropout_forward(v, param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-10
    assert np.any(dx == 0) and np.any(dx != 0)
    test_param = {"mode": "test", "p": 0.2}
    _, cache = dropout_forward(x, test_param)
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


@pytest.mark.parametrize("param,message", [
    ({"p": 0.5}, "mode must be 'train' or 'test', got None"),
    ({"mode": "Train", "p": 0.5}, "got 'Train'"),
    ({"mode": "train"}, r"probability of KEEPING a unit and must be in \(0, 1\], got None"),
    ({"mode": "train", "p": 0}, r"must be in \(0, 1\], got 0"),
    ({"mode": "train", "p": 1.5}, r"must be in \(0, 1\], got 1.5"),
])
def test_dropout_bad_param(param, message):
    with pytest.raises(ValueError, match=message):
        dropout_forward(np.ones((2, 2)), param)
