"""Numeric gradients by centred differences, for checking analytic gradients.

Run gradient checks in float64: in float32 the rounding error of
(f(x+h) - f(x-h)) / 2h is of the same order as the gradient itself.
"""
import numpy as np

from .testing import rel_error

__all__ = [
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "grad_check_sparse",
    "rel_error",
]


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numeric gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Takes the array ``x`` and returns a scalar.
    x : ndarray of any shape, float64 recommended
        Perturbed in place one element at a time and restored afterwards.
    verbose : bool
        Print each index and its gradient.
    h : float
        Step of the centred difference.

    Returns
    -------
    grad : ndarray of the shape of ``x``
        ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` at every index i.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numeric gradient of ``sum(f(x) * df)`` for an array-valued ``f``.

    This is what a layer's backward pass computes from the upstream gradient
    ``df``.

    Parameters
    ----------
    f : callable
        Takes the array ``x`` and returns an array of the shape of ``df``.
    x : ndarray of any shape
        Perturbed in place one element at a time and restored afterwards.
    df : ndarray of the shape of ``f(x)``
        Upstream gradient.
    h : float

    Returns
    -------
    grad : ndarray of the shape of ``x``
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = np.array(f(x), copy=True)
        x[ix] = oldval - h
        neg = np.array(f(x), copy=True)
        x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None, verbose=True):
    """Compare ``analytic_grad`` with numeric gradients at a few random indices.

    Parameters
    ----------
    f : callable
        Takes the array ``x`` and returns a scalar.
    x : ndarray of any shape
        Perturbed in place and restored.
    analytic_grad : ndarray of the shape of ``x``
    num_checks : int
        How many random indices to check.
    h : float
    seed : int or None
        Seed of the index sampler; None draws from NumPy's global generator
        (as the 2022 kit did, so notebooks that seed it are reproducible).
    verbose : bool
        Print one line per index: numeric value, analytic value, relative error.

    Returns
    -------
    rel_errors : ndarray of shape (num_checks,)
        ``|numeric - analytic| / (|numeric| + |analytic|)`` at each index
        (0 where both are 0).
    """
    if analytic_grad.shape != x.shape:
        raise ValueError(f"analytic_grad has shape {analytic_grad.shape}, x has shape {x.shape}")
    rng = np.random if seed is None else np.random.RandomState(seed)
    errors = np.zeros(num_checks)
    for k in range(num_checks):
        ix = tuple(int(rng.randint(m)) for m in x.shape)
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        denom = abs(grad_numerical) + abs(grad_analytic)
        errors[k] = 0.0 if denom == 0 else abs(grad_numerical - grad_analytic) / denom
        if verbose:
            print(f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, "
                  f"relative error: {errors[k]:e}")
    return errors
