"""Layers as pure functions: ``*_forward(...) -> (out, cache)``, ``*_backward(dout, cache)``.

Each backward function returns the gradients of the forward inputs, in the
order of the forward inputs.

Assignment 1 (two_layer_net) uses the affine, ReLU and loss layers; assignment 2
adds batch, layer and group normalization, dropout, and the naive convolution
and max-pooling layers. Images are (N, C, H, W) arrays, filters (F, C, HH, WW).
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer.

    Each example ``x[i]`` of shape (d_1, ..., d_k) is flattened (row-major) to a
    vector of dimension D = d_1 * ... * d_k and mapped to M outputs.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
        ``x.reshape(N, D) @ w + b``.
    cache : tuple
        ``(x, w, b)``.
    """
    out = None
    # TODO: Implement the affine forward pass. Store the result in out. You will need to
    # reshape the input into rows.
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b  # (N, D) @ (D, M) -> (N, M)
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream derivative.
    cache : tuple
        ``(x, w, b)`` from :func:`affine_forward`.

    Returns
    -------
    dx : ndarray of shape (N, d_1, ..., d_k)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # TODO: Implement the affine backward pass.
    ### BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)
    dw = x.reshape(x.shape[0], -1).T @ dout  # (D, N) @ (N, M)
    db = np.sum(dout, axis=0)
    ### END SOLUTION
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray of the shape of ``x``
        ``max(0, x)``.
    cache : ndarray
        ``x``.
    """
    out = None
    # TODO: Implement the ReLU forward pass.
    ### BEGIN SOLUTION
    out = np.maximum(0, x)
    ### END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of ReLUs.

    Parameters
    ----------
    dout : ndarray of any shape
        Upstream derivatives.
    cache : ndarray
        The input ``x``, of the same shape as ``dout``.

    Returns
    -------
    dx : ndarray of the shape of ``x``
        ``dout`` where ``x > 0``, else 0.
    """
    dx, x = None, cache
    # TODO: Implement the ReLU backward pass.
    ### BEGIN SOLUTION
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1, averaged over the batch.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        ``x[i, j]`` is the score of class j for the ith input.
    y : ndarray of shape (N,)
        Labels, 0 <= y[i] < C.

    Returns
    -------
    loss : float
    dx : ndarray of shape (N, C)
        Gradient of the loss with respect to ``x``.
    """
    loss, dx = None, None
    # TODO: Implement the loss and gradient of the multiclass SVM (no regularization here).
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1.0)  # (N, C)
    margins[rows, y] = 0
    loss = np.sum(margins) / N
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] = -np.sum(dx, axis=1)
    dx /= N
    ### END SOLUTION
    return loss, dx


def softmax_loss(x, y):
    """Softmax cross-entropy loss, averaged over the batch.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        ``x[i, j]`` is the score of class j for the ith input.
    y : ndarray of shape (N,)
        Labels, 0 <= y[i] < C.

    Returns
    -------
    loss : float
    dx : ndarray of shape (N, C)
        Gradient of the loss with respect to ``x``.
    """
    loss, dx = None, None
    # TODO: Implement the softmax loss and its gradient (no regularization here). Keep it
    # numerically stable for large scores.
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - np.max(x, axis=1, keepdims=True)  # (N, C), max 0 in each row
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[rows, y])
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    ### END SOLUTION
    return loss, dx


# ---------------------------------------------------------------------------------------------
# Assignment 2: normalization, dropout, naive convolution and pooling
#
# Argument checks stay outside the solution regions: they are provided code, so a student's
# layer reports bad input (modes, shapes that do not fit) the same way the reference does.


def _check_mode(name, mode):
    """The ``mode`` of a normalization or dropout layer: 'train' or 'test', else a ValueError."""
    if mode not in ("train", "test"):
        raise ValueError(f"{name}: mode must be 'train' or 'test', got {mode!r} "
                         f"(set it in the param dict, e.g. {{'mode': 'train'}})")


def _check_affine_params(name, x, gamma, beta):
    """x must be 2-D (N, D) and gamma, beta of shape (D,)."""
    if x.ndim != 2:
        raise ValueError(f"{name}: x must have shape (N, D), got {x.shape}")
    D = x.shape[1]
    for label, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (D,):
            raise ValueError(f"{name}: {label} must have shape ({D},) to match x {x.shape}, got {np.shape(p)}")


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    In train mode the features are normalized with the minibatch mean and the
    biased (divide by N) variance, then scaled by ``gamma`` and shifted by
    ``beta``; exponentially decaying running averages of the mean and the
    variance are kept. In test mode the running averages are used instead.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma : ndarray of shape (D,)
        Scale.
    beta : ndarray of shape (D,)
        Shift.
    bn_param : dict
        ``'mode'`` (required): ``'train'`` or ``'test'``.
        ``'eps'``: added to the variance for numeric stability, default 1e-5.
        ``'momentum'``: decay of the running averages, default 0.9.
        ``'running_mean'``, ``'running_var'``: ndarrays of shape (D,), default
        zeros of ``x.dtype``. **They are written back into bn_param on every
        call** (updated in train mode, unchanged in test mode), which is how
        they persist between minibatches.

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : tuple or None
        Whatever :func:`batchnorm_backward` and :func:`batchnorm_backward_alt`
        need; the contents are yours to choose. Both backward functions take
        the same cache. None in test mode (there is no backward pass at test
        time; the backward functions raise a ValueError for it).

    Raises
    ------
    ValueError
        For a missing or unknown mode, or gamma/beta that do not fit x.

    Notes
    -----
    Train::

        mean = x.mean(axis=0);  var = ((x - mean) ** 2).mean(axis=0)
        out = gamma * (x - mean) / sqrt(var + eps) + beta
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var

    Test::

        out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta

    References
    ----------
    S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep Network
    Training by Reducing Internal Covariate Shift", ICML 2015.
    """
    mode = bn_param.get("mode")
    _check_mode("batchnorm_forward", mode)
    _check_affine_params("batchnorm_forward", x, gamma, beta)
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # TODO: Implement the training-time forward pass. Compute the minibatch mean and (biased)
        # variance, normalize x with them, then scale by gamma and shift by beta; store the result
        # in out. Update running_mean and running_var with the momentum rule in the docstring.
        # Keep whatever the backward pass needs in cache. Hint: break the computation into small
        # steps (the computational graph of the notebook); each becomes one step of the backward
        # pass.
        ### BEGIN SOLUTION
        mean = np.mean(x, axis=0)  # (D,)
        xmu = x - mean  # (N, D)
        var = np.mean(xmu ** 2, axis=0)  # (D,), biased
        std = np.sqrt(var + eps)  # (D,)
        x_hat = xmu / std  # (N, D)
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (x_hat, xmu, std, gamma)
        ### END SOLUTION
    else:
        # TODO: Implement the test-time forward pass: normalize x with the running mean and
        # variance, then scale by gamma and shift by beta. Store the result in out.
        ### BEGIN SOLUTION
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        ### END SOLUTION

    # the running averages go back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def _check_train_cache(name, cache):
    if cache is None:
        raise ValueError(f"{name}: the cache is None; backward needs the cache of a forward pass in "
                         f"'train' mode (test mode keeps no cache)")


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, step by step through the computational graph.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
        Upstream derivatives.
    cache : tuple
        From :func:`batchnorm_forward` in train mode.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    _check_train_cache("batchnorm_backward", cache)
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the backward pass for batch normalization by going backwards through the
    # computational graph of the forward pass, one intermediate at a time. Store the results in
    # dx, dgamma and dbeta.
    ### BEGIN SOLUTION
    x_hat, xmu, std, gamma = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)  # out = gamma * x_hat + beta
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma  # (N, D)
    # x_hat = xmu * istd, istd = 1 / std
    istd = 1.0 / std  # (D,)
    distd = np.sum(dx_hat * xmu, axis=0)  # (D,)
    dxmu = dx_hat * istd  # (N, D), through x_hat's first factor
    # std = sqrt(var + eps)
    dstd = -distd * istd ** 2
    dvar = 0.5 * dstd * istd  # (D,)
    # var = mean(xmu ** 2, axis=0)
    dxmu = dxmu + 2.0 * xmu * (dvar / N)  # (N, D), through var
    # xmu = x - mean, mean = mean(x, axis=0)
    dmean = -np.sum(dxmu, axis=0)  # (D,)
    dx = dxmu + dmean / N
    ### END SOLUTION
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization from the simplified closed form.

    Same inputs and outputs as :func:`batchnorm_backward` (and the same
    cache); derive dx on paper first, then write it in a few lines. It should
    be noticeably faster than the step-by-step version.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        From :func:`batchnorm_forward` in train mode.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)

    Notes
    -----
    With ``x_hat = (x - mean) / std``::

        dx = gamma / (N * std) * (N * dout - sum(dout, axis=0) - x_hat * sum(dout * x_hat, axis=0))
    """
    _check_train_cache("batchnorm_backward_alt", cache)
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the backward pass for batch normalization from your simplified formula for
    # dx (see the notebook). Store the results in dx, dgamma and dbeta.
    ### BEGIN SOLUTION
    x_hat, _, std, gamma = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)  # (D,)
    dgamma = np.einsum("nd,nd->d", dout, x_hat)  # (D,)
    # the closed form, computed in place in one (N, D) array: per-feature factors are (D,)
    # vectors, and no other (N, D) temporary is allocated
    dx = x_hat * (-dgamma / N)  # (N, D)
    dx += dout
    dx -= dbeta / N
    dx *= gamma / std
    ### END SOLUTION
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    Each example (row of ``x``) is normalized over its D features, then scaled
    by ``gamma`` and shifted by ``beta``. There are no running statistics:
    train and test time behave the same.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma : ndarray of shape (D,)
    beta : ndarray of shape (D,)
    ln_param : dict
        ``'eps'``: added to the variance, default 1e-5. Other keys (such as a
        ``'mode'`` set by a network) are ignored.

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : tuple
        Whatever :func:`layernorm_backward` needs; the contents are yours to
        choose.

    Notes
    -----
    ::

        mean = x.mean(axis=1);  var = ((x - mean) ** 2).mean(axis=1)   # per example
        out = gamma * (x - mean) / sqrt(var + eps) + beta

    References
    ----------
    J. L. Ba, J. R. Kiros and G. E. Hinton, "Layer Normalization", arXiv:1607.06450, 2016.
    """
    _check_affine_params("layernorm_forward", x, gamma, beta)
    eps = ln_param.get("eps", 1e-5)
    out, cache = None, None
    # TODO: Implement the forward pass of layer normalization: per-example statistics over the
    # features. Store the result in out and what the backward pass needs in cache. Hint: this is
    # batch normalization's training-time pass on the transpose of x, without running averages.
    ### BEGIN SOLUTION
    mean = np.mean(x, axis=1, keepdims=True)  # (N, 1)
    xmu = x - mean  # (N, D)
    std = np.sqrt(np.mean(xmu ** 2, axis=1, keepdims=True) + eps)  # (N, 1)
    x_hat = xmu / std  # (N, D)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma)
    ### END SOLUTION
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        From :func:`layernorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma : ndarray of shape (D,)
    dbeta : ndarray of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the backward pass of layer normalization. Hint: it is batch normalization's
    # backward pass with the roles of the two axes swapped for the normalization (gamma and beta
    # still act per feature).
    ### BEGIN SOLUTION
    x_hat, std, gamma = cache
    D = dout.shape[1]
    dbeta = np.sum(dout, axis=0)  # (D,)
    dgamma = np.sum(dout * x_hat, axis=0)  # (D,)
    dx_hat = dout * gamma  # (N, D)
    dx = (D * dx_hat - np.sum(dx_hat, axis=1, keepdims=True)
          - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)) / (D * std)  # (N, D)
    ### END SOLUTION
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    .. important:: ``dropout_param['p']`` is the probability of **keeping** a
       unit, not of dropping it. This is the CS231n 2022 API, kept on purpose so
       existing course material runs; PyTorch's ``nn.Dropout(p)`` is the
       opposite (p = probability of dropping).

    Parameters
    ----------
    x : ndarray of any shape
    dropout_param : dict
        ``'p'``: the KEEP probability, 0 < p <= 1; each unit is kept with
        probability p (p = 1 keeps everything).
        ``'mode'``: ``'train'`` (apply the mask) or ``'test'`` (identity).
        ``'seed'`` (optional): the mask is then drawn from
        ``np.random.RandomState(seed)``, the same numbers as
        ``np.random.seed(seed); np.random.rand(*x.shape)`` in the 2022 kit
        (every call with that seed gives the same mask, for gradient checks),
        but NumPy's global generator is left untouched. Without a seed the
        global ``np.random.rand`` is used.

    Returns
    -------
    out : ndarray of the shape and dtype of ``x``
    cache : tuple
        ``(dropout_param, mask)``: in train mode ``mask`` is the ndarray of the
        shape of x by which x was multiplied, ``(rand < p) / p``; in test mode None.

    Raises
    ------
    ValueError
        For an unknown mode or p outside (0, 1].

    Notes
    -----
    Inverted dropout scales the kept units by 1 / p at training time, so the
    expected value of every unit is unchanged and test time needs no scaling.

    References
    ----------
    G. E. Hinton et al., "Improving neural networks by preventing co-adaptation
    of feature detectors", arXiv:1207.0580, 2012.
    """
    mode = dropout_param.get("mode")
    _check_mode("dropout_forward", mode)
    p = dropout_param.get("p")
    if p is None or not 0 < p <= 1:
        raise ValueError(f"dropout_forward: dropout_param['p'] is the probability of KEEPING a unit and "
                         f"must be in (0, 1], got {p!r}")
    if "seed" in dropout_param:
        # the numbers np.random.seed(seed); np.random.rand(...) would give, without reseeding the
        # global generator
        rand = np.random.RandomState(dropout_param["seed"]).rand
    else:
        rand = np.random.rand

    mask, out = None, None
    if mode == "train":
        # TODO: Implement the training-time forward pass of inverted dropout. Draw the uniform
        # numbers with rand(*x.shape) (defined above: it honours the seed), keep the units where
        # they are below p, and scale the kept ones by 1 / p. Store the mask (the array x is
        # multiplied by) in mask and the result in out.
        ### BEGIN SOLUTION
        mask = (rand(*x.shape) < p) / p
        out = x * mask
        ### END SOLUTION
    else:
        # TODO: Implement the test-time forward pass of inverted dropout. Store the result in out.
        ### BEGIN SOLUTION
        out = x
        ### END SOLUTION

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Parameters
    ----------
    dout : ndarray of any shape
        Upstream derivatives.
    cache : tuple
        ``(dropout_param, mask)`` from :func:`dropout_forward`.

    Returns
    -------
    dx : ndarray of the shape and dtype of ``dout``
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    _check_mode("dropout_backward", mode)

    dx = None
    if mode == "train":
        # TODO: Implement the training-time backward pass of inverted dropout.
        ### BEGIN SOLUTION
        dx = dout * mask
        ### END SOLUTION
        dx = dx.astype(dout.dtype, copy=False)
    else:
        dx = dout
    return dx


def _check_conv(name, x, w, b, conv_param):
    """Shapes of a convolution's inputs; the filters must tile the padded input."""
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"{name}: x must have shape (N, C, H, W) and w (F, C, HH, WW); "
                         f"got x {x.shape}, w {w.shape}")
    N, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    if Cw != C:
        raise ValueError(f"{name}: x has {C} channels but the filters expect {Cw}: x {x.shape}, w {w.shape}")
    if np.shape(b) != (F,):
        raise ValueError(f"{name}: b must have shape ({F},) for w {w.shape}, got {np.shape(b)}")
    missing = {"stride", "pad"} - set(conv_param)
    if missing:
        raise ValueError(f"{name}: conv_param needs 'stride' and 'pad', missing {sorted(missing)}")
    stride, pad = conv_param["stride"], conv_param["pad"]
    if stride < 1 or pad < 0:
        raise ValueError(f"{name}: need stride >= 1 and pad >= 0, got stride={stride}, pad={pad}")
    for size, field in ((H, HH), (W, WW)):
        if size + 2 * pad < field:
            raise ValueError(f"{name}: the {HH}x{WW} filters do not fit in the padded input: "
                             f"H={H}, W={W}, pad={pad}")
    if (H + 2 * pad - HH) % stride or (W + 2 * pad - WW) % stride:
        raise ValueError(f"{name}: (H + 2*pad - HH) and (W + 2*pad - WW) must be divisible by stride; got "
                         f"H={H}, W={W}, pad={pad}, HH={HH}, WW={WW}, stride={stride}: "
                         f"({H} + 2*{pad} - {HH}) % {stride} = {(H + 2 * pad - HH) % stride}, "
                         f"({W} + 2*{pad} - {WW}) % {stride} = {(W + 2 * pad - WW) % stride}. "
                         f"Choose a pad or stride for which the filters tile the input.")


def conv_forward_naive(x, w, b, conv_param):
    """Forward pass of a convolutional layer, with loops over the output positions.

    Each of the N inputs has C channels, height H and width W; it is
    convolved (cross-correlated, as in every deep learning library) with F
    filters that each span all C channels and have height HH and width WW.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, HH, WW)
    b : ndarray of shape (F,)
    conv_param : dict
        ``'stride'``: pixels between neighbouring receptive fields, horizontally
        and vertically. ``'pad'``: zeros added symmetrically on all four sides
        of every input (do not modify x; pad a copy, e.g. with ``np.pad``).

    Returns
    -------
    out : ndarray of shape (N, F, H', W')
        ``H' = 1 + (H + 2 * pad - HH) // stride``, ``W' = 1 + (W + 2 * pad - WW) // stride``.
    cache : tuple
        ``(x, w, b, conv_param)``.

    Raises
    ------
    ValueError
        If the channels of x and w differ, b does not have shape (F,), or
        (H + 2*pad - HH) or (W + 2*pad - WW) is not divisible by stride.
    """
    _check_conv("conv_forward_naive", x, w, b, conv_param)
    out = None
    # TODO: Implement the convolutional forward pass. Loop over the output positions; at each
    # one, take the receptive field of every input and every filter at once (np.tensordot or
    # einsum over C, HH and WW) rather than looping over images and filters too.
    # Hint: you can use the function np.pad for padding.
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H + 2pad, W + 2pad)
    out = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for i in range(H_out):
        for j in range(W_out):
            field = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]  # (N, C, HH, WW)
            out[:, :, i, j] = np.tensordot(field, w, axes=([1, 2, 3], [1, 2, 3])) + b  # (N, F)
    ### END SOLUTION
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Backward pass of a convolutional layer.

    Parameters
    ----------
    dout : ndarray of shape (N, F, H', W')
        Upstream derivatives.
    cache : tuple
        ``(x, w, b, conv_param)`` from :func:`conv_forward_naive`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    """
    dx, dw, db = None, None, None
    # TODO: Implement the convolutional backward pass: loop over the output positions as in the
    # forward pass; each receptive field sends its share of dout back to the input (into a padded
    # gradient, unpadded at the end) and to the filters.
    ### BEGIN SOLUTION
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H + 2pad, W + 2pad)
    dtype = np.result_type(dout, x, w)
    dx_pad = np.zeros(x_pad.shape, dtype=dtype)
    dw = np.zeros(w.shape, dtype=dtype)
    db = np.sum(dout, axis=(0, 2, 3))  # (F,)
    for i in range(H_out):
        for j in range(W_out):
            field = (slice(None), slice(None), slice(i * stride, i * stride + HH),
                     slice(j * stride, j * stride + WW))
            d = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(d, x_pad[field], axes=([0], [0]))  # (F, C, HH, WW)
            dx_pad[field] += np.tensordot(d, w, axes=([1], [0]))  # (N, C, HH, WW)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W].copy()  # (N, C, H, W)
    ### END SOLUTION
    return dx, dw, db


def _check_pool(name, x, pool_param):
    """Shapes of a naive max-pool's input: the windows must fit and tile it."""
    if x.ndim != 4:
        raise ValueError(f"{name}: x must have shape (N, C, H, W), got {x.shape}")
    missing = {"pool_height", "pool_width", "stride"} - set(pool_param)
    if missing:
        raise ValueError(f"{name}: pool_param needs 'pool_height', 'pool_width' and 'stride', "
                         f"missing {sorted(missing)}")
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    if not (1 <= ph <= H and 1 <= pw <= W and stride >= 1):
        raise ValueError(f"{name}: need 1 <= pool_height <= H, 1 <= pool_width <= W and stride >= 1; got "
                         f"x of shape {x.shape}, pool_height={ph}, pool_width={pw}, stride={stride}")
    if (H - ph) % stride or (W - pw) % stride:
        raise ValueError(f"{name}: the pooling windows must tile the input: (H - pool_height) and "
                         f"(W - pool_width) must be divisible by stride; got x of shape {x.shape}, "
                         f"pool_height={ph}, pool_width={pw}, stride={stride}: ({H} - {ph}) % {stride} = "
                         f"{(H - ph) % stride}, ({W} - {pw}) % {stride} = {(W - pw) % stride}. "
                         f"(max_pool_forward_fast accepts windows that do not tile.)")


def max_pool_forward_naive(x, pool_param):
    """Forward pass of a max-pooling layer, with loops over the output positions.

    No padding; the windows must tile the input.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    pool_param : dict
        ``'pool_height'``, ``'pool_width'``: the size of each window;
        ``'stride'``: pixels between neighbouring windows.

    Returns
    -------
    out : ndarray of shape (N, C, H', W')
        ``H' = 1 + (H - pool_height) // stride``, ``W' = 1 + (W - pool_width) // stride``.
    cache : tuple
        ``(x, pool_param)``.

    Raises
    ------
    ValueError
        If a window does not fit, or (H - pool_height) or (W - pool_width) is
        not divisible by stride.
    """
    _check_pool("max_pool_forward_naive", x, pool_param)
    out = None
    # TODO: Implement the max-pooling forward pass. Loop over the output positions and take the
    # maximum of each window for all images and channels at once.
    ### BEGIN SOLUTION
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]  # (N, C, ph, pw)
            out[:, :, i, j] = np.max(window, axis=(2, 3))
    ### END SOLUTION
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Backward pass of a max-pooling layer.

    Each window's upstream derivative goes to the position of its maximum
    (to the first one, in row-major order, if several are equal).

    Parameters
    ----------
    dout : ndarray of shape (N, C, H', W')
        Upstream derivatives.
    cache : tuple
        ``(x, pool_param)`` from :func:`max_pool_forward_naive`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    """
    dx = None
    # TODO: Implement the max-pooling backward pass.
    ### BEGIN SOLUTION
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    n, c = np.ogrid[:N, :C]  # (N, 1), (1, C)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]  # (N, C, ph, pw)
            k = np.argmax(window.reshape(N, C, ph * pw), axis=2)  # (N, C), first maximum
            dx[n, c, i * stride + k // pw, j * stride + k % pw] += dout[:, :, i, j]
    ### END SOLUTION
    return dx


def _check_spatial(name, x, gamma, beta, grouped=False):
    """x must be 4-D (N, C, H, W) and gamma, beta of shape (C,), or (1, C, 1, 1) when grouped."""
    if x.ndim != 4:
        raise ValueError(f"{name}: x must have shape (N, C, H, W), got {x.shape}")
    C = x.shape[1]
    param_shape = (1, C, 1, 1) if grouped else (C,)
    for label, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != param_shape:
            raise ValueError(f"{name}: {label} must have shape {param_shape} to match x {x.shape}, "
                             f"got {np.shape(p)}")


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization.

    Each channel is normalized with statistics over the N images and all H x W
    positions (N * H * W values per channel), then scaled and shifted per channel.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    gamma : ndarray of shape (C,)
    beta : ndarray of shape (C,)
    bn_param : dict
        As for :func:`batchnorm_forward` (``'mode'`` required; the running
        averages, of shape (C,), are written back into it).

    Returns
    -------
    out : ndarray of shape (N, C, H, W)
    cache : tuple
        Whatever :func:`spatial_batchnorm_backward` needs; the contents are
        yours to choose.
    """
    _check_mode("spatial_batchnorm_forward", bn_param.get("mode"))
    _check_spatial("spatial_batchnorm_forward", x, gamma, beta)
    out, cache = None, None
    # TODO: Implement the forward pass of spatial batch normalization. Hint: reshape (and
    # transpose) x so that you can call batchnorm_forward; this takes very few lines.
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)  # (N*H*W, C)
    out, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = np.ascontiguousarray(out.reshape(N, H, W, C).transpose(0, 3, 1, 2))  # (N, C, H, W)
    ### END SOLUTION
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Parameters
    ----------
    dout : ndarray of shape (N, C, H, W)
    cache : tuple
        From :func:`spatial_batchnorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dgamma : ndarray of shape (C,)
    dbeta : ndarray of shape (C,)
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the backward pass of spatial batch normalization. Hint: reshape as in the
    # forward pass and call a batchnorm backward function.
    ### BEGIN SOLUTION
    N, C, H, W = dout.shape
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)  # (N*H*W, C)
    dx, dgamma, dbeta = batchnorm_backward_alt(rows, cache)
    dx = np.ascontiguousarray(dx.reshape(N, H, W, C).transpose(0, 3, 1, 2))  # (N, C, H, W)
    ### END SOLUTION
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Forward pass of spatial group normalization.

    The C channels of each image are split into G groups of C // G
    consecutive channels; each (image, group) is normalized over its
    C // G * H * W values, then every channel is scaled and shifted. There are
    no running statistics: train and test time behave the same.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    gamma : ndarray of shape (1, C, 1, 1)
    beta : ndarray of shape (1, C, 1, 1)
    G : int
        Number of groups; must divide C.
    gn_param : dict
        ``'eps'``: added to the variance, default 1e-5.

    Returns
    -------
    out : ndarray of shape (N, C, H, W)
    cache : tuple
        Whatever :func:`spatial_groupnorm_backward` needs; the contents are
        yours to choose.

    Raises
    ------
    ValueError
        If G does not divide C, or gamma/beta do not have shape (1, C, 1, 1).

    References
    ----------
    Y. Wu and K. He, "Group Normalization", ECCV 2018.
    """
    _check_spatial("spatial_groupnorm_forward", x, gamma, beta, grouped=True)
    C = x.shape[1]
    if int(G) != G or G < 1 or C % G:
        raise ValueError(f"spatial_groupnorm_forward: the number of groups G must divide the number of "
                         f"channels C; got G={G}, C={C} (x {x.shape})")
    eps = gn_param.get("eps", 1e-5)
    out, cache = None, None
    # TODO: Implement the forward pass of spatial group normalization. Hint: reshape x so that each
    # (image, group) is one row, normalize the rows as layer normalization does, then reshape back
    # and apply the per-channel gamma and beta.
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    groups = x.reshape(N, G, -1)  # (N, G, C // G * H * W)
    mean = np.mean(groups, axis=2, keepdims=True)  # (N, G, 1)
    xmu = groups - mean
    std = np.sqrt(np.mean(xmu ** 2, axis=2, keepdims=True) + eps)  # (N, G, 1)
    x_hat = (xmu / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma, G)
    ### END SOLUTION
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of spatial group normalization.

    Parameters
    ----------
    dout : ndarray of shape (N, C, H, W)
    cache : tuple
        From :func:`spatial_groupnorm_forward`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dgamma : ndarray of shape (1, C, 1, 1)
    dbeta : ndarray of shape (1, C, 1, 1)
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: Implement the backward pass of spatial group normalization.
    ### BEGIN SOLUTION
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, G, -1)  # (N, G, M), M = C // G * H * W
    x_hat = x_hat.reshape(N, G, -1)
    M = dx_hat.shape[2]
    dx = (M * dx_hat - np.sum(dx_hat, axis=2, keepdims=True)
          - x_hat * np.sum(dx_hat * x_hat, axis=2, keepdims=True)) / (M * std)  # (N, G, M)
    dx = dx.reshape(N, C, H, W)
    ### END SOLUTION
    return dx, dgamma, dbeta
