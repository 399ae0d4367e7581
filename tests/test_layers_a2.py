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


# ---------------------------------------------------------------------------------------------
# naive convolution and max-pooling

from cs231n import fast_layers  # noqa: E402
from cs231n.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,  # noqa: E402
                           max_pool_forward_naive)
from test_fast_layers import CONV_SHAPES, POOL_SHAPES  # noqa: E402

HALF_UNIT_8 = 0.5e-8 * (1 + 1e-9)  # the notebooks print the expected arrays rounded to 8 decimals

CONV_EXPECTED = np.array([
    [[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
     [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
     [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
    [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
     [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
     [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])

POOL_EXPECTED = np.array([
    [[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
     [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
     [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
    [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
     [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
     [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])


def test_conv_forward_naive_reference_values():
    """ConvolutionalNetworks.ipynb: difference 'around 1e-8'; 2022 printed 2.2121476417505994e-08 (the
    rounding of the printed array), and every value is within half a unit of its 8th decimal."""
    x = linspace_array((2, 3, 4, 4), -0.1, 0.5)
    w = linspace_array((3, 3, 4, 4), -0.2, 0.3)
    b = np.linspace(-0.1, 0.2, num=3)
    x_before = x.copy()
    out, cache = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    assert out.shape == (2, 3, 2, 2)
    err = rel_error(out, CONV_EXPECTED)
    assert err < 1e-7
    assert err == pytest.approx(2.2121476417505994e-08, rel=1e-6)
    assert np.max(np.abs(out - CONV_EXPECTED)) <= HALF_UNIT_8
    np.testing.assert_array_equal(x, x_before)  # x is not modified (padding is on a copy)
    assert cache[0] is x and cache[1] is w and cache[2] is b and cache[3] == {"stride": 2, "pad": 1}


def test_max_pool_forward_naive_reference_values():
    """ConvolutionalNetworks.ipynb: difference 'around 1e-8'; 2022 printed 4.1666665157267834e-08."""
    x = linspace_array((2, 3, 4, 4), -0.3, 0.4)
    pool_param = {"pool_width": 2, "pool_height": 2, "stride": 2}
    out, cache = max_pool_forward_naive(x, pool_param)
    err = rel_error(out, POOL_EXPECTED)
    assert err < 1e-7
    assert err == pytest.approx(4.1666665157267834e-08, rel=1e-6)
    assert np.max(np.abs(out - POOL_EXPECTED)) <= HALF_UNIT_8
    assert cache[0] is x and cache[1] is pool_param


# (N, C, H, W, F, HH, WW, stride, pad, bound): the notebook's shape, then non-square images and
# filters, stride 2, pads 0 and 2, N = 1
CONV_GRAD_SHAPES = [
    (4, 3, 5, 5, 2, 3, 3, 1, 1, 1e-8),
    (1, 2, 7, 5, 3, 3, 1, 2, 0, 1e-8),
    (2, 3, 5, 6, 2, 3, 2, 1, 2, 1e-8),
    (2, 1, 6, 8, 2, 2, 4, 2, 2, 1e-8),
    (1, 2, 6, 9, 2, 4, 3, 2, 0, 1e-8),
]


@pytest.mark.parametrize("shape", CONV_GRAD_SHAPES, ids=lambda s: "x".join(map(str, s[:9])))
def test_conv_backward_naive(rng, shape):
    """Notebook: relative errors 'around 1e-8 or less' (2022: dx 1.2e-8, dw 2.2e-10, db 3.4e-11)."""
    N, C, H, W, F, HH, WW, stride, pad, bound = shape
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv_forward_naive(x, w, b, conv_param)
    assert out.shape == (N, F, 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride)
    dout = rng.standard_normal(out.shape)
    dx_num, dw_num, db_num = num_grads(lambda x_, w_, b_: conv_forward_naive(x_, w_, b_, conv_param)[0],
                                       (x, w, b), dout)
    dx, dw, db = conv_backward_naive(dout, cache)
    check_grad(dx, dx_num, bound, "dx")
    check_grad(dw, dw_num, bound, "dw")
    check_grad(db, db_num, bound, "db")


def distinct(rng, shape, lo=-0.01, hi=0.01):
    """A permuted linspace: distinct values (no ties in any pooling window), at least 2.5e-5 apart, more
    than twice h = 1e-5. Small values keep the rounding of x +- h (relative to 2h) near 1e-13."""
    return rng.permutation(np.linspace(lo, hi, int(np.prod(shape)))).reshape(shape)


# (N, C, H, W, pool_height, pool_width, stride): the notebook's, overlapping windows, gaps between
# windows, non-square images and windows, N = 1
POOL_GRAD_SHAPES = [
    (3, 2, 8, 8, 2, 2, 2),
    (1, 2, 7, 5, 3, 1, 2),
    (2, 1, 8, 9, 2, 3, 3),
    (2, 3, 5, 6, 2, 2, 1),
]


@pytest.mark.parametrize("shape", POOL_GRAD_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_max_pool_backward_naive(rng, shape):
    """Notebook: relative error 'around 1e-12' (2022: 3.3e-12)."""
    N, C, H, W, ph, pw, s = shape
    x = distinct(rng, (N, C, H, W))
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": s}
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = rng.standard_normal(out.shape)
    dx_num = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, pool_param)[0], x, dout)
    dx = max_pool_backward_naive(dout, cache)
    check_grad(dx, dx_num, 1e-12, "dx", scaled_bound=1e-12)


def test_max_pool_ties_go_to_the_first_maximum():
    """Like the fast layers (and np.argmax, PyTorch): one window's gradient is never counted twice."""
    out, cache = max_pool_forward_naive(np.ones((1, 1, 2, 2)), {"pool_height": 2, "pool_width": 2, "stride": 2})
    np.testing.assert_array_equal(max_pool_backward_naive(np.full((1, 1, 1, 1), 5.0), cache)[0, 0],
                                  [[5.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", CONV_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_conv_naive_matches_fast(rng, shape, dtype):
    """Every shape of tests/test_fast_layers.py: forward and backward of the naive and fast layers agree."""
    N, C, H, W, F, HH, WW, stride, pad = shape
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    p = {"stride": stride, "pad": pad}
    out, cache = conv_forward_naive(x, w, b, p)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, p)
    assert out.dtype == dtype
    dout = rng.standard_normal(out.shape).astype(dtype)
    got = (out,) + tuple(conv_backward_naive(dout, cache))
    expected = (out_fast,) + tuple(fast_layers.conv_backward_fast(dout, cache_fast))
    for g, e, label in zip(got, expected, ("out", "dx", "dw", "db")):
        assert g.shape == e.shape and g.dtype == dtype, label
        scaled = np.max(np.abs(g.astype(np.float64) - e)) / np.max(np.abs(e))
        assert scaled < (1e-12 if dtype == np.float64 else 1e-5), f"{label}: {scaled:.2e}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", POOL_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_max_pool_naive_matches_fast(rng, shape, dtype):
    """Every shape of tests/test_fast_layers.py; the naive layer rejects windows that do not tile."""
    N, C, H, W, ph, pw, s = shape
    x = distinct(rng, (N, C, H, W)).astype(dtype)
    p = {"pool_height": ph, "pool_width": pw, "stride": s}
    if (H - ph) % s or (W - pw) % s:
        with pytest.raises(ValueError, match="must tile the input"):
            max_pool_forward_naive(x, p)
        return
    out, cache = max_pool_forward_naive(x, p)
    out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, p)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, out_fast)
    dout = rng.standard_normal(out.shape).astype(dtype)
    np.testing.assert_array_equal(max_pool_backward_naive(dout, cache),
                                  fast_layers.max_pool_backward_fast(dout, cache_fast))


def test_conv_naive_matches_fast_on_the_notebook_benchmark(global_rng_restored):
    """ConvolutionalNetworks.ipynb's check (seed 231, stride 2, pad 1); the 2022 kit printed
    4.926407851494105e-11 for the forward pass, and asks for 'around 1e-9 or less' throughout."""
    np.random.seed(231)
    x = np.random.randn(100, 3, 31, 31)
    w = np.random.randn(25, 3, 3, 3)
    b = np.random.randn(25)
    dout = np.random.randn(100, 25, 16, 16)
    p = {"stride": 2, "pad": 1}
    out_naive, cache_naive = conv_forward_naive(x, w, b, p)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, p)
    err = rel_error(out_naive, out_fast)
    print(f"fast vs naive conv forward: rel_error {err!r} (2022 kit: 4.926407851494105e-11)")
    assert err <= 4.926407851494105e-11
    for g, e, label in zip(conv_backward_naive(dout, cache_naive), fast_layers.conv_backward_fast(dout, cache_fast),
                           ("dx", "dw", "db")):
        assert rel_error(g, e) < 1e-9, label


# ---------------------------------------------------------------------------------------------
# spatial batch normalization and group normalization

from cs231n.layers import (spatial_batchnorm_backward, spatial_batchnorm_forward,  # noqa: E402
                           spatial_groupnorm_backward, spatial_groupnorm_forward)


def test_spatial_batchnorm_train_statistics(rng):
    """Notebook: N, C, H, W = 2, 3, 4, 5, x = 4 randn + 10; per-channel statistics over N, H and W."""
    x = 4 * rng.standard_normal((2, 3, 4, 5)) + 10
    out, _ = spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, rtol=1e-5)
    gamma, beta = np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0])
    bn_param = {"mode": "train"}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    assert out.shape == x.shape and out.flags.c_contiguous
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-5)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-13)
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_spatial_batchnorm_test_mode_after_warm_up(rng):
    """Notebook: 50 warm-up passes with N, C, H, W = 10, 4, 11, 12 and x = 2.3 randn + 13."""
    N, C, H, W = 10, 4, 11, 12
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(C), np.zeros(C)
    for _ in range(50):
        spatial_batchnorm_forward(2.3 * rng.standard_normal((N, C, H, W)) + 13, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = spatial_batchnorm_forward(2.3 * rng.standard_normal((N, C, H, W)) + 13, gamma, beta, bn_param)
    assert np.all(np.abs(out.mean(axis=(0, 2, 3))) < 0.1), out.mean(axis=(0, 2, 3))
    assert np.all(np.abs(out.std(axis=(0, 2, 3)) - 1) < 0.1), out.std(axis=(0, 2, 3))


@pytest.mark.parametrize("shape,bound", [((2, 3, 4, 5), 1e-6), ((1, 2, 3, 4), 1e-6), ((3, 1, 2, 3), 1e-6)])
def test_spatial_batchnorm_backward(rng, shape, bound):
    """Notebook: relative errors between 1e-12 and 1e-6 (2022: dx 2.8e-7)."""
    x = 5 * rng.standard_normal(shape) + 12
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    dout = rng.standard_normal(shape)
    f = lambda x_, g_, b_: spatial_batchnorm_forward(x_, g_, b_, {"mode": "train"})[0]  # noqa: E731
    dx_num, dgamma_num, dbeta_num = num_grads(f, (x, gamma, beta), dout)
    _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    check_grad(dx, dx_num, bound, "dx")
    check_grad(dgamma, dgamma_num, 1e-9, "dgamma")
    check_grad(dbeta, dbeta_num, 1e-9, "dbeta")


def test_spatial_groupnorm_statistics(rng):
    """Notebook: N, C, H, W = 2, 6, 4, 5, G = 2; per-(n, group) means ~0 and stds ~1."""
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 4 * rng.standard_normal((N, C, H, W)) + 10
    out, _ = spatial_groupnorm_forward(x, np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1)), G, {})
    groups = out.reshape(N, G, -1)
    np.testing.assert_allclose(groups.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(groups.std(axis=2), 1, rtol=1e-5)
    # with gamma and beta constant within a group: group means ~beta, stds ~gamma
    gamma = np.repeat([2.0, 3.0], 3).reshape(1, C, 1, 1)
    beta = np.repeat([-1.0, 4.0], 3).reshape(1, C, 1, 1)
    out, _ = spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    groups = out.reshape(N, G, -1)
    np.testing.assert_allclose(groups.mean(axis=2), [[-1, 4]] * N, rtol=1e-12)
    np.testing.assert_allclose(groups.std(axis=2), [[2, 3]] * N, rtol=1e-5)
    # G = 1 is layer normalization over (C, H, W); G = C normalizes each channel of each image
    ones, zeros = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
    ln, _ = layernorm_forward(x.reshape(N, -1), np.ones(C * H * W), np.zeros(C * H * W), {})
    np.testing.assert_allclose(spatial_groupnorm_forward(x, ones, zeros, 1, {})[0].reshape(N, -1), ln, rtol=1e-12)
    per_channel = spatial_groupnorm_forward(x, ones, zeros, C, {})[0]
    np.testing.assert_allclose(per_channel.mean(axis=(2, 3)), 0, atol=1e-12)


@pytest.mark.parametrize("shape,G", [((2, 6, 4, 5), 2), ((1, 4, 3, 2), 4), ((2, 3, 2, 3), 1), ((3, 6, 1, 3), 3)])
def test_spatial_groupnorm_backward(rng, shape, G):
    """Notebook: relative errors between 1e-12 and 1e-7 (2022: dx 7.4e-8, on its seed). Here dx within
    1e-6 elementwise and 1e-9 of the largest value: with these seeds a few entries of dx are ~1e-4 of
    the largest, where the numeric gradient's own rounding (~1e-10 absolute) is ~5e-7 of the entry."""
    x = 5 * rng.standard_normal(shape) + 12
    C = shape[1]
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    dout = rng.standard_normal(shape)
    f = lambda x_, g_, b_: spatial_groupnorm_forward(x_, g_, b_, G, {})[0]  # noqa: E731
    dx_num, dgamma_num, dbeta_num = num_grads(f, (x, gamma, beta), dout)
    _, cache = spatial_groupnorm_forward(x, gamma, beta, G, {})
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
    assert dgamma.shape == (1, C, 1, 1) and dbeta.shape == (1, C, 1, 1)
    check_grad(dx, dx_num, 1e-6, "dx")
    check_grad(dgamma, dgamma_num, 1e-9, "dgamma")
    check_grad(dbeta, dbeta_num, 1e-9, "dbeta")


# ---------------------------------------------------------------------------------------------
# bad input: a ValueError that shows the values


def test_conv_bad_input():
    x = np.zeros((2, 3, 6, 7))
    with pytest.raises(ValueError, match=r"got H=6, W=7, pad=0, HH=3, WW=3, stride=2: \(6 \+ 2\*0 - 3\) % 2 = 1, "
                                         r"\(7 \+ 2\*0 - 3\) % 2 = 0"):
        conv_forward_naive(x, np.zeros((4, 3, 3, 3)), np.zeros(4), {"stride": 2, "pad": 0})
    with pytest.raises(ValueError, match=r"got H=6, W=7, pad=1, HH=4, WW=2, stride=2: .* % 2 = 0, "
                                         r"\(7 \+ 2\*1 - 2\) % 2 = 1"):
        conv_forward_naive(x, np.zeros((4, 3, 4, 2)), np.zeros(4), {"stride": 2, "pad": 1})
    with pytest.raises(ValueError, match=r"x has 3 channels but the filters expect 2: x \(2, 3, 6, 7\), "
                                         r"w \(4, 2, 3, 3\)"):
        conv_forward_naive(x, np.zeros((4, 2, 3, 3)), np.zeros(4), {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match=r"b must have shape \(4,\) for w \(4, 3, 3, 3\), got \(3,\)"):
        conv_forward_naive(x, np.zeros((4, 3, 3, 3)), np.zeros(3), {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match=r"needs 'stride' and 'pad', missing \['pad'\]"):
        conv_forward_naive(x, np.zeros((4, 3, 3, 3)), np.zeros(4), {"stride": 1})
    with pytest.raises(ValueError, match=r"do not fit in the padded input: H=6, W=7, pad=0"):
        conv_forward_naive(x, np.zeros((4, 3, 7, 3)), np.zeros(4), {"stride": 1, "pad": 0})


def test_pool_bad_input():
    with pytest.raises(ValueError, match=r"must tile the input.*x of shape \(1, 2, 7, 8\), pool_height=2, "
                                         r"pool_width=2, stride=2: \(7 - 2\) % 2 = 1, \(8 - 2\) % 2 = 0"):
        max_pool_forward_naive(np.zeros((1, 2, 7, 8)), {"pool_height": 2, "pool_width": 2, "stride": 2})
    with pytest.raises(ValueError, match=r"pool_height <= H.*x of shape \(1, 2, 3, 3\), pool_height=4"):
        max_pool_forward_naive(np.zeros((1, 2, 3, 3)), {"pool_height": 4, "pool_width": 2, "stride": 1})
    with pytest.raises(ValueError, match=r"x must have shape \(N, C, H, W\), got \(2, 3\)"):
        max_pool_forward_naive(np.zeros((2, 3)), {"pool_height": 1, "pool_width": 1, "stride": 1})


def test_spatial_norm_bad_input():
    x = np.zeros((2, 6, 3, 3))
    with pytest.raises(ValueError, match=r"G must divide the number of channels C; got G=4, C=6"):
        spatial_groupnorm_forward(x, np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), 4, {})
    with pytest.raises(ValueError, match=r"gamma must have shape \(1, 6, 1, 1\) to match x \(2, 6, 3, 3\), "
                                         r"got \(6,\)"):
        spatial_groupnorm_forward(x, np.ones(6), np.zeros((1, 6, 1, 1)), 2, {})
    with pytest.raises(ValueError, match=r"beta must have shape \(6,\) to match x \(2, 6, 3, 3\), got \(3,\)"):
        spatial_batchnorm_forward(x, np.ones(6), np.zeros(3), {"mode": "train"})
    with pytest.raises(ValueError, match=r"mode must be 'train' or 'test', got None"):
        spatial_batchnorm_forward(x, np.ones(6), np.zeros(6), {})
