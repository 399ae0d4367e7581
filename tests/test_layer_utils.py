"""Sandwich layers: numeric gradient checks in float64 and the composition they stand for."""
import subprocess
import sys

import numpy as np
import pytest

from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layer_utils import (affine_norm_relu_backward, affine_norm_relu_forward, conv_bn_relu_backward,
                                conv_bn_relu_forward, conv_relu_backward, conv_relu_forward,
                                conv_relu_pool_backward, conv_relu_pool_forward)
from cs231n.layers import conv_forward_naive, max_pool_forward_naive, spatial_batchnorm_forward
from cs231n.testing import rel_error


def check_all(f, args, grads, dout, bound, zero=()):
    """Each analytic gradient against the numeric gradient of sum(f(*args) * dout) for that argument:
    relative error (elementwise) below ``bound`` and the largest difference below 1e-9 of the largest
    value. Arguments listed in ``zero`` have a gradient that is 0 in exact arithmetic (a bias followed
    by batch normalization): both gradients must be within rounding of 0."""
    for k, (arg, grad) in enumerate(zip(args, grads)):
        def g(v, k=k):
            return f(*args[:k], v, *args[k + 1:])
        num = eval_numerical_gradient_array(g, arg, dout)
        assert grad.shape == arg.shape, f"argument {k}: gradient shape {grad.shape}, expected {arg.shape}"
        if k in zero:
            assert np.max(np.abs(grad)) < 1e-12 and np.max(np.abs(num)) < 1e-8, f"argument {k}: not ~0"
            continue
        err = rel_error(grad, num)
        assert err < bound, f"argument {k}: relative error {err:.2e} > {bound:.0e}"
        scaled = np.max(np.abs(grad - num)) / np.max(np.abs(num))
        assert scaled < 1e-9, f"argument {k}: error {scaled:.2e} of the largest value"


def off_kink(pre_activation, margin=1e-3):
    """Numeric gradients are only meaningful where no ReLU input is within h of 0."""
    assert np.min(np.abs(pre_activation)) > margin, "test input too close to the ReLU kink"


def test_conv_relu(rng):
    """Notebook: x (2, 3, 8, 8), w (3, 3, 3, 3), stride 1, pad 1; errors 'around 1e-8 or less'."""
    x = rng.standard_normal((2, 3, 8, 8))
    w = rng.standard_normal((3, 3, 3, 3))
    b = rng.standard_normal(3)
    p = {"stride": 1, "pad": 1}
    out, cache = conv_relu_forward(x, w, b, p)
    a = conv_forward_naive(x, w, b, p)[0]
    off_kink(a)
    np.testing.assert_allclose(out, np.maximum(a, 0), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    check_all(lambda *v: conv_relu_forward(*v, p)[0], (x, w, b), conv_relu_backward(dout, cache), dout, 1e-8)


@pytest.mark.parametrize("shape", [(2, 3, 16, 16, 3, 3, 3, 1, 1), (1, 2, 7, 10, 3, 3, 2, 2, 1)],
                         ids=["notebook", "odd"])
def test_conv_relu_pool(rng, shape):
    """Notebook: x (2, 3, 16, 16), w (3, 3, 3, 3), 2x2 pools, errors 'around 1e-8 or less' (here below
    1e-7 elementwise, 1e-9 of the largest value); also a non-square image and filter, stride 2."""
    N, C, H, W, F, HH, WW, stride, pad = shape
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, HH, WW))
    b = rng.standard_normal(F)
    cp = {"stride": stride, "pad": pad}
    pp = {"pool_height": 2, "pool_width": 2, "stride": 2}
    a = conv_forward_naive(x, w, b, cp)[0]
    off_kink(a)
    out, cache = conv_relu_pool_forward(x, w, b, cp, pp)
    np.testing.assert_allclose(out, max_pool_forward_naive(np.maximum(a, 0), pp)[0], rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    check_all(lambda *v: conv_relu_pool_forward(*v, cp, pp)[0], (x, w, b), conv_relu_pool_backward(dout, cache),
              dout, 1e-7)


def test_conv_bn_relu(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    cp = {"stride": 1, "pad": 1}
    bn_param = {"mode": "train"}
    out, cache = conv_bn_relu_forward(x, w, b, gamma, beta, cp, bn_param)
    a = spatial_batchnorm_forward(conv_forward_naive(x, w, b, cp)[0], gamma, beta, {"mode": "train"})[0]
    off_kink(a)
    np.testing.assert_allclose(out, np.maximum(a, 0), rtol=1e-12, atol=1e-12)
    assert bn_param["running_mean"].shape == (4,)  # running averages written back
    dout = rng.standard_normal(out.shape)
    grads = conv_bn_relu_backward(dout, cache)
    assert len(grads) == 5
    f = lambda *v: conv_bn_relu_forward(*v, cp, {"mode": "train"})[0]  # noqa: E731
    check_all(f, (x, w, b, gamma, beta), grads, dout, 1e-6, zero=(2,))  # spatial batchnorm's bound (notebook)


def pre_activation(x, w, b, gamma, beta, normalization):
    """What affine_norm_relu_forward feeds its ReLU, from the layers one after another."""
    from cs231n.layers import affine_forward, batchnorm_forward, layernorm_forward
    a = affine_forward(x, w, b)[0]
    if normalization == "batchnorm":
        return batchnorm_forward(a, gamma, beta, {"mode": "train"})[0]
    if normalization == "layernorm":
        return layernorm_forward(a, gamma, beta, {})[0]
    return a


@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm", None])
def test_affine_norm_relu(rng, normalization):
    x = rng.standard_normal((5, 2, 3))
    w = rng.standard_normal((6, 4))
    b = rng.standard_normal(4)
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)

    def f(x_, w_, b_, g_=gamma, be_=beta):
        param = {"mode": "train"}
        return affine_norm_relu_forward(x_, w_, b_, g_, be_, param, normalization)

    out, cache = f(x, w, b)
    off_kink(pre_activation(x, w, b, gamma, beta, normalization))
    dout = rng.standard_normal(out.shape)
    dx, dw, db, dgamma, dbeta = affine_norm_relu_backward(dout, cache)
    if normalization is None:
        assert dgamma is None and dbeta is None
        check_all(lambda *v: f(*v)[0], (x, w, b), (dx, dw, db), dout, 1e-8)
    else:
        zero = (2,) if normalization == "batchnorm" else ()
        check_all(lambda *v: f(*v)[0], (x, w, b, gamma, beta), (dx, dw, db, dgamma, dbeta), dout, 1e-7, zero)


def test_affine_norm_relu_matches_the_layers(rng):
    x, w, b = rng.standard_normal((6, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    for normalization in ("batchnorm", "layernorm", None):
        param = {"mode": "train"}
        out, _ = affine_norm_relu_forward(x, w, b, gamma, beta, param, normalization)
        expected = np.maximum(pre_activation(x, w, b, gamma, beta, normalization), 0)
        np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-15)
        assert ("running_mean" in param) == (normalization == "batchnorm")  # bn_param updated in place


def test_affine_norm_relu_unknown_normalization(rng):
    with pytest.raises(ValueError, match=r"normalization must be one of \('batchnorm', 'layernorm', None\), "
                                         r"got 'groupnorm'"):
        affine_norm_relu_forward(np.ones((2, 3)), np.ones((3, 4)), np.ones(4), np.ones(4), np.zeros(4), {},
                                 "groupnorm")


def test_layer_utils_does_not_load_the_fast_layers_until_needed():
    """Assignment 1 imports layer_utils for affine_relu_*: that must not import the compiled extension."""
    code = ("import sys, cs231n.layer_utils as lu; assert 'cs231n.fast_layers' not in sys.modules; "
            "import numpy as np; lu.conv_relu_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), np.zeros(1), "
            "{'stride': 1, 'pad': 1}); assert 'cs231n.fast_layers' in sys.modules")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
