"""Sandwich layers: common stacks of layers as one forward/backward pair.

Each ``*_forward`` returns ``(out, cache)`` and each ``*_backward(dout, cache)``
returns the gradients of the forward inputs in the order of the forward
inputs. The convolutional sandwiches use the fast layers of
:mod:`cs231n.fast_layers`; that module (and with it the compiled extension) is
imported on first use, so assignment 1, which only uses ``affine_relu_*``,
never loads it.
"""
from .layers import (affine_backward, affine_forward, batchnorm_backward_alt, batchnorm_forward,
                     layernorm_backward, layernorm_forward, relu_backward, relu_forward,
                     spatial_batchnorm_backward, spatial_batchnorm_forward)


def affine_relu_forward(x, w, b):
    """An affine transform followed by a ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(fc_cache, relu_cache)``.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of :func:`affine_relu_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


NORMALIZATIONS = ("batchnorm", "layernorm", None)


def _check_normalization(normalization):
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """An affine transform, then batch or layer normalization (or none), then a ReLU.

    The hidden-layer block of ``FullyConnectedNet``.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)
    gamma, beta : ndarray of shape (M,), or None when ``normalization`` is None
    norm_param : dict
        ``bn_param`` of :func:`~cs231n.layers.batchnorm_forward` (its running
        averages are written back into it) or ``ln_param`` of
        :func:`~cs231n.layers.layernorm_forward`; ignored when
        ``normalization`` is None.
    normalization : {'batchnorm', 'layernorm', None}

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(fc_cache, norm_cache, relu_cache, normalization)``; ``norm_cache``
        is None without normalization.

    Raises
    ------
    ValueError
        For another ``normalization``.
    """
    _check_normalization(normalization)
    a, fc_cache = affine_forward(x, w, b)
    norm_cache = None
    if normalization == "batchnorm":
        a, norm_cache = batchnorm_forward(a, gamma, beta, norm_param)
    elif normalization == "layernorm":
        a, norm_cache = layernorm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, norm_cache, relu_cache, normalization)


def affine_norm_relu_backward(dout, cache):
    """Backward pass of :func:`affine_norm_relu_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    dgamma, dbeta : ndarray of shape (M,), or None without normalization
    """
    fc_cache, norm_cache, relu_cache, normalization = cache
    _check_normalization(normalization)
    da = relu_backward(dout, relu_cache)
    dgamma = dbeta = None
    if normalization == "batchnorm":
        da, dgamma, dbeta = batchnorm_backward_alt(da, norm_cache)
    elif normalization == "layernorm":
        da, dgamma, dbeta = layernorm_backward(da, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_forward(x, w, b, conv_param):
    """A convolution (fast layer) followed by a ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, HH, WW)
    b : ndarray of shape (F,)
    conv_param : dict
        ``'stride'`` and ``'pad'``, as for :func:`~cs231n.layers.conv_forward_naive`.

    Returns
    -------
    out : ndarray of shape (N, F, H', W')
    cache : tuple
        ``(conv_cache, relu_cache)``.
    """
    from .fast_layers import conv_forward_fast
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    cache = (conv_cache, relu_cache)
    return out, cache


def conv_relu_backward(dout, cache):
    """Backward pass of :func:`conv_relu_forward`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    """
    from .fast_layers import conv_backward_fast
    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db


def conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param):
    """A convolution (fast layer), spatial batch normalization, then a ReLU.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, HH, WW)
    b : ndarray of shape (F,)
    gamma, beta : ndarray of shape (F,)
    conv_param : dict
        ``'stride'`` and ``'pad'``.
    bn_param : dict
        As for :func:`~cs231n.layers.spatial_batchnorm_forward` (``'mode'``
        required; running averages written back into it).

    Returns
    -------
    out : ndarray of shape (N, F, H', W')
    cache : tuple
        ``(conv_cache, bn_cache, relu_cache)``.
    """
    from .fast_layers import conv_forward_fast
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    cache = (conv_cache, bn_cache, relu_cache)
    return out, cache


def conv_bn_relu_backward(dout, cache):
    """Backward pass of :func:`conv_bn_relu_forward`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    dgamma, dbeta : ndarray of shape (F,)
    """
    from .fast_layers import conv_backward_fast
    conv_cache, bn_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """A convolution, a ReLU and a max-pool (fast layers).

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, HH, WW)
    b : ndarray of shape (F,)
    conv_param : dict
        ``'stride'`` and ``'pad'``.
    pool_param : dict
        ``'pool_height'``, ``'pool_width'`` and ``'stride'``.

    Returns
    -------
    out : ndarray of shape (N, F, H'', W'')
        The pooled output of the convolution's (N, F, H', W').
    cache : tuple
        ``(conv_cache, relu_cache, pool_cache)``.
    """
    from .fast_layers import conv_forward_fast, max_pool_forward_fast
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_cache, relu_cache, pool_cache)
    return out, cache


def conv_relu_pool_backward(dout, cache):
    """Backward pass of :func:`conv_relu_pool_forward`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    """
    from .fast_layers import conv_backward_fast, max_pool_backward_fast
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db
