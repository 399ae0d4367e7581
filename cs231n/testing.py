"""Check helpers shared by the notebooks, the autograder cells and the test suite.

Notebooks import these (``from cs231n.testing import rel_error``) and never
define their own copies.
"""
import numpy as np


def rel_error(x, y):
    """Largest elementwise relative error between two arrays.

    Parameters
    ----------
    x, y : array_like of the same shape

    Returns
    -------
    float
        ``max |x - y| / max(1e-8, |x| + |y|)`` over all elements. Values
        around 1e-7 or below mean "equal up to floating-point rounding" for
        float64 results.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error needs arrays of the same shape, got {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def assert_close(actual, expected, tol=1e-7, name="value"):
    """Assert ``rel_error(actual, expected) <= tol`` with a message that shows the values.

    Parameters
    ----------
    actual, expected : array_like of the same shape
    tol : float
        Largest relative error accepted.
    name : str
        What is compared, for the message.

    Raises
    ------
    AssertionError
        Naming the quantity, the shapes or the worst index, the two values
        there and the relative error against the bound.
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{name}: shape {actual.shape}, expected {expected.shape}")
    if expected.size == 0:
        return
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    err = np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))
    if not np.all(np.isfinite(a)):
        bad = np.unravel_index(np.argmin(np.isfinite(a)), a.shape)
        raise AssertionError(f"{name}: non-finite value {float(a[bad])} at index {tuple(map(int, bad))}")
    worst = np.unravel_index(np.argmax(err), err.shape)
    if err[worst] > tol:
        raise AssertionError(
            f"{name}: relative error {err[worst]:.3e} > {tol:.1e} at index {tuple(map(int, worst))} "
            f"(got {float(a[worst])!r}, expected {float(e[worst])!r})")


def print_mean_std(x, axis=0):
    """Print the mean and standard deviation of ``x`` along ``axis`` (batchnorm checks)."""
    print(f"  means: {x.mean(axis=axis)}")
    print(f"  stds:  {x.std(axis=axis)}\n")


def linspace_array(shape, lo, hi):
    """Deterministic test input: ``np.linspace(lo, hi, prod(shape))`` reshaped to ``shape``.

    This is how the reference-value checks build their inputs, so they involve
    no random number generator.
    """
    return np.linspace(lo, hi, num=int(np.prod(shape))).reshape(shape)
